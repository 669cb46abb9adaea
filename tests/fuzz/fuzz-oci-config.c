/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <limits.h>
#include <string.h>

#include "capguard/oci-config.h"
#include "fuzz.h"

/* What every string handed out must be: short enough and free of anything that ends a line
 * or steers a terminal. */
static void assert_clean(const char *s, size_t max) {
        bool altered = true;
        char *again;

        if (!s)
                return;
        if (strlen(s) > max)
                __builtin_trap();
        for (const char *p = s; *p; p++)
                if ((unsigned char) *p < 0x20 || *p == 0x7f)
                        __builtin_trap();

        /* cleaning is idempotent: what came out passes unchanged */
        again = oci_text_sanitize(s, strlen(s), max, &altered);
        if (!again)
                return;
        if (altered || strcmp(again, s) != 0)
                __builtin_trap();
        free(again);
}

static void check_config(const OciConfig *c) {
        assert_clean(c->k8s_namespace, OCI_K8S_NAME_MAX);
        assert_clean(c->pod, OCI_K8S_NAME_MAX);
        assert_clean(c->container, OCI_K8S_NAME_MAX);
        assert_clean(c->image, OCI_IMAGE_MAX);
        assert_clean(c->argv0, OCI_ARGV0_MAX);
        assert_clean(c->root_path, PATH_MAX - 1);

        if (c->no_new_privs != 0 && c->no_new_privs != 1)
                __builtin_trap();
        if (!c->has_caps)
                for (CapSet s = 0; s < _CAP_SET_MAX; s++)
                        if (c->caps.mask[s] != 0 || c->unknown_caps.n != 0)
                                __builtin_trap();
        if (c->unknown_caps.n > OCI_UNKNOWN_CAPS_MAX || (c->unknown_caps.more && c->unknown_caps.n != OCI_UNKNOWN_CAPS_MAX))
                __builtin_trap();
        for (size_t i = 0; i < c->unknown_caps.n; i++)
                assert_clean(c->unknown_caps.names[i], OCI_CAP_NAME_MAX);
}

static void fuzz_sanitize(const uint8_t *data, size_t size) {
        bool altered;
        char *out = oci_text_sanitize((const char *) data, size, 300, &altered);

        if (!out)
                return;
        assert_clean(out, 300);
        /* untouched text comes out as it went in */
        if (!altered && (strlen(out) != size || memcmp(out, data, size) != 0))
                __builtin_trap();
        free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const Runtime runtimes[] = { RUNTIME_CONTAINERD, RUNTIME_CRIO, _RUNTIME_INVALID };

        for (size_t i = 0; i < ELEMENTSOF(runtimes); i++) {
                OciConfig c, sentinel;
                int r;

                memset(&c, 0xaa, sizeof c);
                memcpy(&sentinel, &c, sizeof c);
                r = oci_config_parse((const char *) data, size, runtimes[i], &c);
                if (r < 0) {
                        if (r != -EBADMSG && r != -EFBIG && r != -ENOMEM)
                                __builtin_trap();
                        /* *ret is written only on success */
                        if (memcmp(&c, &sentinel, sizeof c) != 0)
                                __builtin_trap();
                        continue;
                }
                check_config(&c);
                oci_config_done(&c);
        }

        fuzz_sanitize(data, size);
        return 0;
}
