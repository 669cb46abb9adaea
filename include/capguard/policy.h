/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Node policy (capguard.yaml(5)): the parsed form, its YAML parser and validator
 * (policy-yaml.c) and the engine that judges one container against it (policy-eval.c). */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capguard/capability.h"
#include "capguard/macro.h"

/* The newest format version this build understands. */
#define POLICY_VERSION 1

/* What the parser accepts, at most. */
#define POLICY_SIZE_MAX (256u * 1024u) /* bytes of YAML */
#define POLICY_DEPTH_MAX 16u           /* nested lists and mappings */
#define POLICY_RULES_MAX 1024u
#define POLICY_LIST_MAX 256u           /* entries of any other list */
#define POLICY_STRING_MAX 1024u        /* bytes of any string */

#define POLICY_RULE_NAME_MAX 63u

typedef enum PolicyAction {
        POLICY_ACTION_AUDIT,
        POLICY_ACTION_KILL,
        _POLICY_ACTION_MAX,
        _POLICY_ACTION_INVALID = -EINVAL,
} PolicyAction;

/* The keys of a rule's "match", in the order capguard.yaml(5) lists them. */
typedef enum PolicyMatchKey {
        MATCH_K8S_NAMESPACE,
        MATCH_POD,
        MATCH_CONTAINER,
        MATCH_IMAGE,
        MATCH_RUNTIME,
        MATCH_RUNTIME_NAMESPACE,
        MATCH_CONTAINER_ID,
        _MATCH_KEY_MAX,
        _MATCH_KEY_INVALID = -EINVAL,
} PolicyMatchKey;

/* The keys of a rule's "require". */
typedef enum PolicyRequire {
        REQUIRE_NO_NEW_PRIVS, /* NoNewPrivs: 1 */
        REQUIRE_NON_ROOT,     /* uid != 0 in the container's user namespace */
        REQUIRE_SECCOMP,      /* Seccomp: 2 (filter) */
        _REQUIRE_MAX,
        _REQUIRE_INVALID = -EINVAL,
} PolicyRequire;

typedef struct PolicyRule {
        char *name;
        unsigned line, column; /* where the rule starts, 1-based */

        /* NULL-terminated lists of shell globs; NULL where the key is not given. */
        char **match[_MATCH_KEY_MAX];

        bool allow; /* exempt: whatever fits is compliant */

        bool has_capabilities;
        char *profile;         /* one of cap_profile_names[] */
        uint64_t profile_mask; /* the profile's capabilities */
        uint64_t allow_caps;   /* added to the profile's */
        uint64_t deny_caps;    /* never allowed */
        unsigned sets;         /* bit (1u << CapSet) per set held to the allowed set */

        /* -1 where the policy does not say, else 0 or 1 as written. What applies is
         * policy_rule_requires(), which adds what the profile implies. */
        int require[_REQUIRE_MAX];

        bool has_action;
        PolicyAction action;
} PolicyRule;

typedef struct Policy {
        unsigned version;
        PolicyAction default_action; /* defaults.action, audit when not given */
        PolicyRule *rules;
        size_t n_rules;
} Policy;

/* Why a policy was refused. line and column are 1-based; 0 means the fault is the whole
 * file's (a missing key, the size limit). */
typedef struct PolicyError {
        unsigned line, column;
        char message[256];
} PolicyError;

/* The sets a rule holds to its allowed set when it names none. */
#define POLICY_SETS_DEFAULT                                                        \
        ((1u << CAP_SET_BOUNDING) | (1u << CAP_SET_PERMITTED) | (1u << CAP_SET_EFFECTIVE) | \
         (1u << CAP_SET_AMBIENT))

const char *policy_action_to_string(PolicyAction a) _const_;
PolicyAction policy_action_from_string(const char *s) _pure_;
/* "k8s_namespace", "pod", ... as written in the YAML */
const char *policy_match_key_to_string(PolicyMatchKey k) _const_;
PolicyMatchKey policy_match_key_from_string(const char *s) _pure_;
/* "no_new_privs", "non_root", "seccomp" */
const char *policy_require_to_string(PolicyRequire q) _const_;
PolicyRequire policy_require_from_string(const char *s) _pure_;

/* (profile | allow) & ~deny: deny wins over everything. */
uint64_t policy_rule_allowed(const PolicyRule *r) _pure_;
/* Whether the rule requires q: as written, else as its profile implies (pss-restricted
 * implies all three). An explicit "false" turns an implied requirement off. */
bool policy_rule_requires(const PolicyRule *r, PolicyRequire q) _pure_;
/* Whether the rule forbids privileged containers: profiles pss-baseline and pss-restricted. */
bool policy_rule_forbids_privileged(const PolicyRule *r) _pure_;
/* The rule's action, else the policy's default. */
PolicyAction policy_rule_action(const Policy *p, const PolicyRule *r) _pure_;

/* Parses and validates a policy (capguard.yaml(5)) from buf, which need not be NUL-terminated.
 * -EINVAL for a refused policy, -EFBIG over POLICY_SIZE_MAX (both fill *ret_error, if
 * given), -ENOMEM. */
int policy_parse(const char *buf, size_t len, Policy **ret, PolicyError *ret_error);

void policy_free(Policy *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(Policy *, policy_free);

/* "FILE:LINE:COLUMN: message", or "FILE: message" for a whole-file fault; without filename
 * the same without "FILE:". */
int policy_error_format(const char *filename, const PolicyError *e, char **ret);

/* What the engine knows of one container. Strings may be NULL or "" where the runtime does
 * not tell (no pod for a plain Docker container); such a fact fits only the glob "*". */
typedef struct ContainerFacts {
        const char *id;
        const char *runtime; /* "containerd", "docker", "cri-o", "podman", "runc", "crun" */
        const char *runtime_namespace;
        const char *k8s_namespace;
        const char *pod;
        const char *container;
        const char *image;
        bool sandbox; /* the Kubernetes pause container; judged like any other */
        CapSets caps;
        uint32_t uid;     /* in the container's user namespace */
        int no_new_privs; /* -1 where the kernel did not say */
        int seccomp;      /* -1 where the kernel did not say, else 0, 1, 2 */
} ContainerFacts;

typedef struct Verdict {
        bool violation;
        const PolicyRule *rule; /* the rule that decided, NULL when none fits (compliant) */
        PolicyAction action;    /* what the policy asks for if violation is set */
        uint64_t excess[_CAP_SET_MAX]; /* per set held to the rule, what it holds beyond it */
        uint64_t excess_any;           /* their union */
        bool privileged; /* the bounding set holds every capability of the node's */
        char **reasons;  /* NULL-terminated; one sentence per problem, empty when compliant */
} Verdict;

/* Judges f by the first rule of p whose match fits it. node_bounding is the node's own
 * bounding set (CapBnd of the host's PID 1), against which "privileged" is told; 0 is
 * refused with -EINVAL. *ret is written only on success and released with verdict_done(). */
int policy_evaluate(const Policy *p, const ContainerFacts *f, uint64_t node_bounding, Verdict *ret);

/* Whether rule r's match fits f (exposed for `capctl policy test` explanations and tests). */
bool policy_rule_fits(const PolicyRule *r, const ContainerFacts *f);
/* Why it does not: the first key, in PolicyMatchKey order, none of whose globs fits f's value;
 * _MATCH_KEY_INVALID if the rule fits. For `capctl explain`. */
PolicyMatchKey policy_rule_mismatch(const PolicyRule *r, const ContainerFacts *f) _pure_;
/* f's value for match key k: NULL where f does not know it (matched as ""), or for a bad k. */
const char *container_facts_get(const ContainerFacts *f, PolicyMatchKey k) _pure_;

void verdict_done(Verdict *v);
