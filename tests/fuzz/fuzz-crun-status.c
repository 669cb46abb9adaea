/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <limits.h>
#include <string.h>

#include "capguard/crun-status.h"
#include "fuzz.h"

static void check_status(const CrunStatus *s) {
        /* what callers will pin: a pid and a start time that checks it */
        if (s->pid <= 0 || s->start == 0 || s->start >= INT64_MAX)
                __builtin_trap();
        if (!s->has_created && s->created_usec != 0)
                __builtin_trap();
        if (!s->bundle)
                return;
        if (s->bundle[0] != '/' || strlen(s->bundle) > PATH_MAX - 1)
                __builtin_trap();
        for (const char *p = s->bundle; *p; p++)
                if ((unsigned char) *p < 0x20 || *p == 0x7f)
                        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        CrunStatus s, sentinel;
        int r;

        memset(&s, 0xaa, sizeof s);
        memcpy(&sentinel, &s, sizeof s);
        r = crun_status_parse((const char *) data, size, &s);
        if (r < 0) {
                if (r != -EBADMSG && r != -EFBIG && r != -ENOMEM)
                        __builtin_trap();
                if (memcmp(&s, &sentinel, sizeof s) != 0)
                        __builtin_trap();
                return 0;
        }

        check_status(&s);
        crun_status_done(&s);
        return 0;
}
