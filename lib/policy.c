/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capguard/policy.h"

static const char *const action_names[_POLICY_ACTION_MAX] = {
        [POLICY_ACTION_AUDIT] = "audit",
        [POLICY_ACTION_KILL] = "kill",
};

static const char *const match_key_names[_MATCH_KEY_MAX] = {
        [MATCH_K8S_NAMESPACE] = "k8s_namespace",
        [MATCH_POD] = "pod",
        [MATCH_CONTAINER] = "container",
        [MATCH_IMAGE] = "image",
        [MATCH_RUNTIME] = "runtime",
        [MATCH_RUNTIME_NAMESPACE] = "runtime_namespace",
        [MATCH_CONTAINER_ID] = "container_id",
};

static const char *const require_names[_REQUIRE_MAX] = {
        [REQUIRE_NO_NEW_PRIVS] = "no_new_privs",
        [REQUIRE_NON_ROOT] = "non_root",
        [REQUIRE_SECCOMP] = "seccomp",
};

static int lookup(const char *const table[], int n, const char *s) {
        if (!s)
                return -EINVAL;
        for (int i = 0; i < n; i++)
                if (streq(table[i], s))
                        return i;
        return -EINVAL;
}

const char *policy_action_to_string(PolicyAction a) {
        return a >= 0 && a < _POLICY_ACTION_MAX ? action_names[a] : NULL;
}

PolicyAction policy_action_from_string(const char *s) {
        return (PolicyAction) lookup(action_names, _POLICY_ACTION_MAX, s);
}

const char *policy_match_key_to_string(PolicyMatchKey k) {
        return k >= 0 && k < _MATCH_KEY_MAX ? match_key_names[k] : NULL;
}

PolicyMatchKey policy_match_key_from_string(const char *s) {
        return (PolicyMatchKey) lookup(match_key_names, _MATCH_KEY_MAX, s);
}

const char *policy_require_to_string(PolicyRequire q) {
        return q >= 0 && q < _REQUIRE_MAX ? require_names[q] : NULL;
}

PolicyRequire policy_require_from_string(const char *s) {
        return (PolicyRequire) lookup(require_names, _REQUIRE_MAX, s);
}

static bool profile_is(const PolicyRule *r, const char *name) {
        return r->has_capabilities && r->profile && streq(r->profile, name);
}

uint64_t policy_rule_allowed(const PolicyRule *r) {
        return (r->profile_mask | r->allow_caps) & ~r->deny_caps;
}

bool policy_rule_requires(const PolicyRule *r, PolicyRequire q) {
        if (q < 0 || q >= _REQUIRE_MAX)
                return false;
        if (r->require[q] >= 0)
                return r->require[q] > 0;
        /* Pod Security Standards, restricted: allowPrivilegeEscalation false, runAsNonRoot,
         * a seccomp profile. */
        return profile_is(r, "pss-restricted");
}

bool policy_rule_forbids_privileged(const PolicyRule *r) {
        /* Baseline forbids privileged pods; restricted holds every baseline control too. */
        return profile_is(r, "pss-baseline") || profile_is(r, "pss-restricted");
}

PolicyAction policy_rule_action(const Policy *p, const PolicyRule *r) {
        if (r && r->has_action)
                return r->action;
        return p ? p->default_action : POLICY_ACTION_AUDIT;
}

static void strv_free(char **l) {
        if (!l)
                return;
        for (char **i = l; *i; i++)
                free(*i);
        free(l);
}

static void rule_done(PolicyRule *r) {
        free(r->name);
        free(r->profile);
        for (PolicyMatchKey k = 0; k < _MATCH_KEY_MAX; k++)
                strv_free(r->match[k]);
}

void policy_free(Policy *p) {
        if (!p)
                return;
        for (size_t i = 0; i < p->n_rules; i++)
                rule_done(&p->rules[i]);
        free(p->rules);
        free(p);
}

int policy_error_format(const char *filename, const PolicyError *e, char **ret) {
        char *s;
        int n;

        if (!e || !ret)
                return -EINVAL;

        if (e->line > 0)
                n = filename ? asprintf(&s, "%s:%u:%u: %s", filename, e->line, e->column, e->message)
                             : asprintf(&s, "%u:%u: %s", e->line, e->column, e->message);
        else
                n = filename ? asprintf(&s, "%s: %s", filename, e->message)
                             : asprintf(&s, "%s", e->message);
        if (n < 0)
                return -ENOMEM;

        *ret = s;
        return 0;
}

void verdict_done(Verdict *v) {
        if (!v)
                return;
        strv_free(v->reasons);
        *v = (Verdict) {};
}
