/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Policy YAML comes from operators, but through files anyone with write access to a config
 * directory can touch: the parser must refuse anything, never crash, loop or leak. Whatever it
 * accepts is then evaluated, so the engine is fuzzed with real policies too. */
#include <string.h>

#include "capguard/policy.h"
#include "fuzz.h"

static void evaluate(const Policy *p) {
        ContainerFacts facts[] = {
                { .id = "abc", .runtime = "docker", .image = "nginx:1.25", .no_new_privs = -1, .seccomp = -1 },
                { .id = "def", .runtime = "containerd", .runtime_namespace = "k8s.io", .k8s_namespace = "team-a",
                  .pod = "web-0", .container = "nginx", .image = "registry.test/library/nginx:1.25", .uid = 1000,
                  .no_new_privs = 1, .seccomp = 2 },
                { .runtime = "cri-o", .sandbox = true, .no_new_privs = 0, .seccomp = 0 },
        };
        uint64_t all = capability_mask_all();

        for (CapSet s = 0; s < _CAP_SET_MAX; s++) {
                facts[0].caps.mask[s] = all;
                facts[1].caps.mask[s] = cap_bit(10);
        }

        for (size_t i = 0; i < ELEMENTSOF(facts); i++) {
                Verdict v;

                if (policy_evaluate(p, &facts[i], all, &v) < 0)
                        continue;
                /* a verdict names a rule of this policy, and says why exactly when it is one */
                if (v.rule && (v.rule < p->rules || v.rule >= p->rules + p->n_rules))
                        __builtin_trap();
                if (v.violation != (v.reasons[0] != NULL))
                        __builtin_trap();
                verdict_done(&v);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(policy_freep) Policy *p = NULL;
        PolicyError e;
        int r;

        memset(&e, 0xaa, sizeof e);
        r = policy_parse((const char *) data, size, &p, &e);
        if (r == -EINVAL || r == -EFBIG) {
                char *s = NULL;

                /* the message is a terminated string without control characters */
                if (!memchr(e.message, '\0', sizeof e.message))
                        __builtin_trap();
                for (const char *c = e.message; *c; c++)
                        if ((unsigned char) *c < 0x20)
                                __builtin_trap();
                if (e.line == 0 && e.column != 0)
                        __builtin_trap();
                if (policy_error_format("fuzz.yaml", &e, &s) == 0)
                        free(s);
                return 0;
        }
        if (r < 0)
                return 0;

        if (!p || p->version != POLICY_VERSION)
                __builtin_trap();
        evaluate(p);
        return 0;
}
