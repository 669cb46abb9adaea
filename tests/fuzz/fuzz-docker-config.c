/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "capguard/docker-config.h"
#include "fuzz.h"

static void check_clean(const char *s) {
        /* no byte that could start a new journal field or steer a terminal */
        for (; s && *s; s++)
                if ((unsigned char) *s < 0x20 || *s == 0x7f)
                        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        DockerConfig d;

        if (docker_config_parse((const char *) data, size, &d) >= 0) {
                check_clean(d.name);
                check_clean(d.image);
                check_clean(d.k8s_namespace);
                check_clean(d.pod);
                check_clean(d.container);
                docker_config_done(&d);
        }
        return 0;
}
