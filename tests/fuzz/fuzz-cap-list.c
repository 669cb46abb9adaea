/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Capability names and masks come from policy YAML and the command line. */
#include <stdlib.h>
#include <string.h>

#include "capguard/capability.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *s = strndup((const char *) data, size);
        const char *bad = NULL;
        size_t bad_len = 0;
        uint64_t m;
        unsigned c;

        if (!s)
                return 0;

        if (capability_list_parse(s, &m, &bad, &bad_len) < 0) {
                /* the offending token lies inside the input */
                if (!bad || bad < s || bad + bad_len > s + strlen(s))
                        __builtin_trap();
        }
        (void) capability_mask_parse(s, &m);
        if (capability_from_name(s, &c) >= 0 && c >= CAP_MASK_BITS)
                __builtin_trap();

        free(s);
        return 0;
}
