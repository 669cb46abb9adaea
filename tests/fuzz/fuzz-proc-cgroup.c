/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "capguard/container-resolve.h"
#include "capguard/proc-cgroup.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        CgroupContainer c;

        /* one path alone, as runc's state gives them */
        if (proc_cgroup_match_path((const char *) data, size, &c) > 0 &&
            (!container_id_is_valid(c.id, strlen(c.id)) || (c.ns[0] && !container_id_is_valid(c.ns, strlen(c.ns)))))
                __builtin_trap();

        if (proc_cgroup_parse((const char *) data, size, &c) > 0) {
                /* what the parser hands on must be safe as path components */
                if (!container_id_is_valid(c.id, strlen(c.id)))
                        __builtin_trap();
                if (c.ns[0] && !container_id_is_valid(c.ns, strlen(c.ns)))
                        __builtin_trap();
        }
        return 0;
}
