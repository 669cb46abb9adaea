/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The engine: one container's facts against a policy, to a verdict. Pure: no I/O, no clock. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capguard/capability.h"
#include "capguard/glob.h"
#include "capguard/policy.h"

/* The order sets are reported in: widest first. */
static const CapSet report_order[_CAP_SET_MAX] = {
        CAP_SET_BOUNDING, CAP_SET_PERMITTED, CAP_SET_EFFECTIVE, CAP_SET_INHERITABLE, CAP_SET_AMBIENT,
};

const char *container_facts_get(const ContainerFacts *f, PolicyMatchKey k) {
        switch (k) {
        case MATCH_K8S_NAMESPACE:
                return f->k8s_namespace;
        case MATCH_POD:
                return f->pod;
        case MATCH_CONTAINER:
                return f->container;
        case MATCH_IMAGE:
                return f->image;
        case MATCH_RUNTIME:
                return f->runtime;
        case MATCH_RUNTIME_NAMESPACE:
                return f->runtime_namespace;
        case MATCH_CONTAINER_ID:
                return f->id;
        default:
                return NULL;
        }
}

static bool globs_fit(char *const *globs, const char *value) {
        for (char *const *g = globs; *g; g++)
                if (glob_fits(*g, value))
                        return true;
        return false;
}

PolicyMatchKey policy_rule_mismatch(const PolicyRule *r, const ContainerFacts *f) {
        for (PolicyMatchKey k = 0; k < _MATCH_KEY_MAX; k++)
                if (r->match[k] && !globs_fit(r->match[k], container_facts_get(f, k)))
                        return k;
        return _MATCH_KEY_INVALID;
}

bool policy_rule_fits(const PolicyRule *r, const ContainerFacts *f) {
        return policy_rule_mismatch(r, f) < 0;
}

_printf_(3, 4)
static int reason_add(char ***reasons, size_t *n, const char *fmt, ...) {
        char **l, *s;
        va_list ap;
        int k;

        va_start(ap, fmt);
        k = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (k < 0)
                return -ENOMEM;

        l = reallocarray(*reasons, *n + 2, sizeof *l);
        if (!l) {
                free(s);
                return -ENOMEM;
        }
        l[(*n)++] = s;
        l[*n] = NULL;
        *reasons = l;
        return 0;
}

/* "pss-restricted + CAP_NET_BIND_SERVICE - CAP_NET_RAW": how the rule arrives at its set. */
static char *describe_allowed(const PolicyRule *r) {
        _cleanup_free_ char *plus = NULL, *minus = NULL;
        char *s;
        uint64_t all = capability_mask_all();

        if (r->allow_caps) {
                plus = (r->allow_caps & all) == all ? strdup("ALL") : capability_mask_to_names(r->allow_caps, " + ");
                if (!plus)
                        return NULL;
        }
        if (r->deny_caps) {
                minus = (r->deny_caps & all) == all ? strdup("ALL") : capability_mask_to_names(r->deny_caps, " - ");
                if (!minus)
                        return NULL;
        }

        if (asprintf(&s, "%s%s%s%s%s", r->profile, plus ? " + " : "", plus ?: "", minus ? " - " : "",
                     minus ?: "") < 0)
                return NULL;
        return s;
}

static void compute_excess(const PolicyRule *r, const ContainerFacts *f, Verdict *v) {
        uint64_t allowed = policy_rule_allowed(r);

        for (CapSet s = 0; s < _CAP_SET_MAX; s++)
                if (r->sets & (1u << s)) {
                        v->excess[s] = f->caps.mask[s] & ~allowed;
                        v->excess_any |= v->excess[s];
                }
}

static int check_privileged(const PolicyRule *r, Verdict *v, size_t *n) {
        if (!v->privileged)
                return 0;

        if (policy_rule_forbids_privileged(r))
                return reason_add(&v->reasons, n,
                                  "the container is privileged: its bounding set holds every capability the "
                                  "node has, which profile %s of rule '%s' forbids; run it without "
                                  "securityContext.privileged: true (docker: --privileged)",
                                  r->profile, r->name);

        /* Not a problem of its own here, but the one to fix: say so before the long lists. */
        if (v->excess_any != 0)
                return reason_add(&v->reasons, n,
                                  "the container is privileged: its bounding set holds every capability the "
                                  "node has; run it without securityContext.privileged: true (docker: "
                                  "--privileged)");
        return 0;
}

static int report_excess(const PolicyRule *r, Verdict *v, size_t *n) {
        _cleanup_free_ char *allowed_text = NULL;

        if (v->excess_any == 0)
                return 0;

        allowed_text = describe_allowed(r);
        if (!allowed_text)
                return -ENOMEM;

        for (size_t i = 0; i < ELEMENTSOF(report_order); i++) {
                CapSet s = report_order[i];
                _cleanup_free_ char *names = NULL;
                int k;

                if (v->excess[s] == 0)
                        continue;
                names = capability_mask_to_names(v->excess[s], ", ");
                if (!names)
                        return -ENOMEM;
                k = reason_add(&v->reasons, n, "%s set holds %s beyond what rule '%s' allows (%s)",
                               capset_to_string(s), names, r->name, allowed_text);
                if (k < 0)
                        return k;
        }
        return 0;
}

static int check_capabilities(const PolicyRule *r, const ContainerFacts *f, Verdict *v, size_t *n) {
        int k;

        compute_excess(r, f, v);
        k = check_privileged(r, v, n);
        if (k < 0)
                return k;
        return report_excess(r, v, n);
}

static int check_no_new_privs(const PolicyRule *r, const ContainerFacts *f, Verdict *v, size_t *n) {
        if (f->no_new_privs < 0)
                return reason_add(&v->reasons, n,
                                  "the kernel did not report NoNewPrivs, which rule '%s' requires to be set",
                                  r->name);
        if (f->no_new_privs == 0)
                return reason_add(&v->reasons, n,
                                  "NoNewPrivs is not set, which rule '%s' requires; set "
                                  "securityContext.allowPrivilegeEscalation: false (docker: "
                                  "--security-opt no-new-privileges)",
                                  r->name);
        return 0;
}

static int check_non_root(const PolicyRule *r, const ContainerFacts *f, Verdict *v, size_t *n) {
        if (f->uid != 0)
                return 0;
        return reason_add(&v->reasons, n,
                          "the container runs as root (uid 0), which rule '%s' forbids; set "
                          "securityContext.runAsNonRoot: true and a non-zero runAsUser (docker: --user)",
                          r->name);
}

static int check_seccomp(const PolicyRule *r, const ContainerFacts *f, Verdict *v, size_t *n) {
        switch (f->seccomp) {
        case 2:
                return 0;
        case 1:
                return reason_add(&v->reasons, n,
                                  "seccomp is in strict mode (1), not the filter mode (2) rule '%s' requires",
                                  r->name);
        case 0:
                return reason_add(&v->reasons, n,
                                  "no seccomp filter applies (mode 0), which rule '%s' requires; set "
                                  "securityContext.seccompProfile.type: RuntimeDefault (docker: drop "
                                  "--security-opt seccomp=unconfined)",
                                  r->name);
        default:
                return reason_add(&v->reasons, n,
                                  "the kernel did not report the seccomp mode, which rule '%s' requires "
                                  "to be 2 (filter)",
                                  r->name);
        }
}

static int check_requirements(const PolicyRule *r, const ContainerFacts *f, Verdict *v, size_t *n) {
        static int (*const checks[_REQUIRE_MAX])(const PolicyRule *, const ContainerFacts *, Verdict *,
                                                  size_t *) = {
                [REQUIRE_NO_NEW_PRIVS] = check_no_new_privs,
                [REQUIRE_NON_ROOT] = check_non_root,
                [REQUIRE_SECCOMP] = check_seccomp,
        };

        for (PolicyRequire q = 0; q < _REQUIRE_MAX; q++)
                if (policy_rule_requires(r, q)) {
                        int k = checks[q](r, f, v, n);

                        if (k < 0)
                                return k;
                }
        return 0;
}

static const PolicyRule *first_fitting(const Policy *p, const ContainerFacts *f) {
        for (size_t i = 0; i < p->n_rules; i++)
                if (policy_rule_fits(&p->rules[i], f))
                        return &p->rules[i];
        return NULL;
}

int policy_evaluate(const Policy *p, const ContainerFacts *f, uint64_t node_bounding, Verdict *ret) {
        Verdict v = {};
        size_t n = 0;
        int r;

        if (!p || !f || !ret || node_bounding == 0)
                return -EINVAL;

        v.privileged = (f->caps.mask[CAP_SET_BOUNDING] & node_bounding) == node_bounding;
        v.rule = first_fitting(p, f);
        v.action = policy_rule_action(p, v.rule);

        if (v.rule && !v.rule->allow) {
                if (v.rule->has_capabilities) {
                        r = check_capabilities(v.rule, f, &v, &n);
                        if (r < 0)
                                goto fail;
                }
                r = check_requirements(v.rule, f, &v, &n);
                if (r < 0)
                        goto fail;
        }

        v.violation = n > 0;
        if (!v.reasons) {
                /* Callers iterate reasons without a NULL check. */
                v.reasons = calloc(1, sizeof *v.reasons);
                if (!v.reasons)
                        return -ENOMEM;
        }

        *ret = v;
        return 0;

fail:
        verdict_done(&v);
        return r;
}
