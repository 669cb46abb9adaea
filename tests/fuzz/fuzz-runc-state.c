/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <limits.h>
#include <string.h>

#include "capguard/runc-state.h"
#include "fuzz.h"

static void assert_clean(const char *s, size_t max) {
        if (!s)
                return;
        if (strlen(s) > max)
                __builtin_trap();
        for (const char *p = s; *p; p++)
                if ((unsigned char) *p < 0x20 || *p == 0x7f)
                        __builtin_trap();
}

static void check_state(const RuncState *s) {
        /* what callers will use as a path component and a pid */
        if (!container_id_is_valid(s->id, strlen(s->id)))
                __builtin_trap();
        if (s->init_pid <= 0)
                __builtin_trap();
        if (s->bundle && s->bundle[0] != '/')
                __builtin_trap();
        assert_clean(s->bundle, PATH_MAX - 1);

        if (s->no_new_privs != 0 && s->no_new_privs != 1)
                __builtin_trap();
        if (!s->has_caps)
                for (CapSet c = 0; c < _CAP_SET_MAX; c++)
                        if (s->caps.mask[c] != 0)
                                __builtin_trap();
        if (s->unknown_caps.n > OCI_UNKNOWN_CAPS_MAX)
                __builtin_trap();
        for (size_t i = 0; i < s->unknown_caps.n; i++)
                assert_clean(s->unknown_caps.names[i], OCI_CAP_NAME_MAX);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        RuncState s, sentinel, init;
        int r, ri;

        memset(&s, 0xaa, sizeof s);
        memcpy(&sentinel, &s, sizeof s);
        r = runc_state_parse((const char *) data, size, RUNC_STATE_SETS, &s);
        if (r < 0) {
                if (r != -EBADMSG && r != -EFBIG && r != -ENOMEM)
                        __builtin_trap();
                if (memcmp(&s, &sentinel, sizeof s) != 0)
                        __builtin_trap();
        } else
                check_state(&s);

        /* the init alone: accepted wherever the whole is, naming the same container */
        memset(&init, 0xaa, sizeof init);
        ri = runc_state_parse((const char *) data, size, RUNC_STATE_INIT, &init);
        if (ri < 0) {
                if ((r >= 0 && ri != -ENOMEM) || (ri != -EBADMSG && ri != -EFBIG && ri != -ENOMEM))
                        __builtin_trap();
                if (memcmp(&init, &sentinel, sizeof init) != 0)
                        __builtin_trap();
        } else {
                check_state(&init);
                if (init.has_caps || init.no_new_privs != 0 || init.unknown_caps.n != 0)
                        __builtin_trap();
                if (r >= 0 && (strcmp(init.id, s.id) != 0 || init.init_pid != s.init_pid ||
                               init.init_start != s.init_start || init.created_usec != s.created_usec ||
                               init.engine != s.engine || (!init.bundle != !s.bundle) ||
                               (init.bundle && strcmp(init.bundle, s.bundle) != 0)))
                        __builtin_trap();
                runc_state_done(&init);
        }
        if (r >= 0)
                runc_state_done(&s);
        return 0;
}
