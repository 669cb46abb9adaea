/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <string.h>

#include "capguard/cap-profile.h"
#include "capguard/policy.h"
#include "check-util.h"

#define UNKNOWN (-1)
#define MAX_REASONS 8

/* Capabilities in test tables: names as capability_list_parse() takes them ("ALL" included),
 * and "@profile" for a profile's. NULL is none. */
static uint64_t caps(const char *spec) {
        _cleanup_free_ char *copy = NULL;
        uint64_t mask = 0;
        char *save = NULL;

        if (!spec)
                return 0;
        copy = strdup(spec);
        ck_assert_ptr_nonnull(copy);
        for (char *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
                uint64_t m;

                if (t[0] == '@')
                        ck_assert_msg(cap_profile_mask(t + 1, &m) == 0, "profile %s", t + 1);
                else
                        ck_assert_msg(capability_list_parse(t, &m, NULL, NULL) == 0, "capability %s", t);
                mask |= m;
        }
        return mask;
}

/* All five sets the same, the common case. */
#define SETS(c) { [CAP_SET_BOUNDING] = c, [CAP_SET_PERMITTED] = c, [CAP_SET_EFFECTIVE] = c, \
                  [CAP_SET_INHERITABLE] = c, [CAP_SET_AMBIENT] = c }
/* What a runtime gives a container: bounding, permitted and effective. */
#define BPE(c) { [CAP_SET_BOUNDING] = c, [CAP_SET_PERMITTED] = c, [CAP_SET_EFFECTIVE] = c }

/* Cases start from a typical container (DOCKER, RESTRICTED_POD) and override what they are
 * about, which is what designated initializers given twice are for here. */
#pragma GCC diagnostic ignored "-Woverride-init"

typedef struct Case {
        const char *name;
        const char *policy; /* the rules; "version: 1" is put before */

        /* the container */
        const char *k8s_namespace, *pod, *container, *image, *runtime, *runtime_namespace, *id;
        bool sandbox;
        const char *caps[_CAP_SET_MAX];
        uint32_t uid;
        int nnp, seccomp;
        const char *node; /* the node's bounding set; NULL: every capability */

        /* the verdict */
        bool violation;
        const char *rule;
        PolicyAction action;
        const char *excess[_CAP_SET_MAX];
        bool privileged;
        const char *reasons[MAX_REASONS]; /* in order; each a prefix of, or equal to, the reason */
} Case;

/* A container as capguard would see a default `docker run`: docker-default in B/P/E, root, no
 * NoNewPrivs, Docker's seccomp filter. */
#define DOCKER .runtime = "docker", .id = "0123abcd", .caps = BPE("@docker-default"), .seccomp = 2
/* A pod container that passes pss-restricted. */
#define RESTRICTED_POD .runtime = "containerd", .runtime_namespace = "k8s.io", .k8s_namespace = "team-a", \
        .pod = "web-0", .container = "web", .image = "registry.example.com/web:1.0", \
        .caps = BPE("NET_BIND_SERVICE"), .uid = 1000, .nnp = 1, .seccomp = 2

#define R(rules) "rules:\n" rules

/* Two excess sets too long to spell out in the table; see expected_excess(). */
#define ALL_BUT_DOCKER "<every capability but docker-default's>"
#define DOCKER_BUT_NBS "<docker-default but NET_BIND_SERVICE>"
#define ALL_FIT "match: {}"

static const Case cases[] = {
        /* ---- profiles ---- */
        { "docker-default, default docker container",
          R("- {name: d, " ALL_FIT ", capabilities: {profile: docker-default}}"),
          DOCKER, .rule = "d" },
        { "docker-default, --cap-add SYS_ADMIN",
          R("- {name: d, " ALL_FIT ", capabilities: {profile: docker-default}}"),
          DOCKER, .caps = BPE("@docker-default SYS_ADMIN"),
          .violation = true, .rule = "d", .excess = BPE("SYS_ADMIN"),
          .reasons = {
                  "bounding set holds CAP_SYS_ADMIN beyond what rule 'd' allows (docker-default)",
                  "permitted set holds CAP_SYS_ADMIN beyond what rule 'd' allows (docker-default)",
                  "effective set holds CAP_SYS_ADMIN beyond what rule 'd' allows (docker-default)",
          } },
        { "docker-default, --privileged",
          R("- {name: d, " ALL_FIT ", capabilities: {profile: docker-default}}"),
          DOCKER, .caps = BPE("ALL"),
          .violation = true, .rule = "d", .privileged = true,
          .excess = BPE(ALL_BUT_DOCKER),
          .reasons = {
                  "the container is privileged: its bounding set holds every capability the node has; run it "
                  "without securityContext.privileged: true (docker: --privileged)",
                  "bounding set holds CAP_DAC_READ_SEARCH, ",
                  "permitted set holds CAP_DAC_READ_SEARCH, ",
                  "effective set holds CAP_DAC_READ_SEARCH, ",
          } },
        { "docker-default, --cap-drop ALL",
          R("- {name: d, " ALL_FIT ", capabilities: {profile: docker-default}}"),
          DOCKER, .caps = {}, .rule = "d" },
        { "pss-baseline, default docker container holds NET_RAW",
          R("- {name: b, " ALL_FIT ", capabilities: {profile: pss-baseline}}"),
          DOCKER, .violation = true, .rule = "b", .excess = BPE("NET_RAW"),
          .reasons = {
                  "bounding set holds CAP_NET_RAW beyond what rule 'b' allows (pss-baseline)",
                  "permitted set holds CAP_NET_RAW beyond what rule 'b' allows (pss-baseline)",
                  "effective set holds CAP_NET_RAW beyond what rule 'b' allows (pss-baseline)",
          } },
        { "pss-baseline, --cap-drop NET_RAW",
          R("- {name: b, " ALL_FIT ", capabilities: {profile: pss-baseline}}"),
          DOCKER, .caps = BPE("@pss-baseline"), .rule = "b" },
        { "pss-baseline forbids privileged whatever allow says",
          R("- {name: b, " ALL_FIT ", capabilities: {profile: pss-baseline, allow: [ALL]}}"),
          DOCKER, .caps = BPE("ALL"),
          .violation = true, .rule = "b", .privileged = true,
          .reasons = {
                  "the container is privileged: its bounding set holds every capability the node has, which "
                  "profile pss-baseline of rule 'b' forbids; run it without securityContext.privileged: true "
                  "(docker: --privileged)",
          } },
        { "privileged is judged against the node's bounding set, not every capability",
          R("- {name: b, " ALL_FIT ", capabilities: {profile: pss-baseline, allow: [ALL]}}"),
          DOCKER, .caps = BPE("@docker-default SYS_ADMIN NET_ADMIN"), .node = "@docker-default SYS_ADMIN NET_ADMIN",
          .violation = true, .rule = "b", .privileged = true,
          .reasons = { "the container is privileged: " } },
        { "one capability short of the node's is not privileged",
          R("- {name: b, " ALL_FIT ", capabilities: {profile: pss-baseline, allow: [ALL]}}"),
          DOCKER, .caps = BPE("@docker-default SYS_ADMIN"), .node = "@docker-default SYS_ADMIN NET_ADMIN",
          .rule = "b" },
        { "pss-restricted, a pod that complies",
          R("- {name: r, " ALL_FIT ", capabilities: {profile: pss-restricted}}"),
          RESTRICTED_POD, .rule = "r" },
        { "pss-restricted, a default docker container fails everything",
          R("- {name: r, " ALL_FIT ", capabilities: {profile: pss-restricted}}"),
          DOCKER, .seccomp = 0,
          .violation = true, .rule = "r", .excess = BPE(DOCKER_BUT_NBS),
          .reasons = {
                  "bounding set holds CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_FSETID, CAP_KILL, CAP_SETGID, "
                  "CAP_SETUID, CAP_SETPCAP, CAP_NET_RAW, CAP_SYS_CHROOT, CAP_MKNOD, CAP_AUDIT_WRITE, CAP_SETFCAP "
                  "beyond what rule 'r' allows (pss-restricted)",
                  "permitted set holds CAP_CHOWN, ",
                  "effective set holds CAP_CHOWN, ",
                  "NoNewPrivs is not set, which rule 'r' requires; set securityContext.allowPrivilegeEscalation: "
                  "false (docker: --security-opt no-new-privileges)",
                  "the container runs as root (uid 0), which rule 'r' forbids; set securityContext.runAsNonRoot: "
                  "true and a non-zero runAsUser (docker: --user)",
                  "no seccomp filter applies (mode 0), which rule 'r' requires; set "
                  "securityContext.seccompProfile.type: RuntimeDefault (docker: drop --security-opt "
                  "seccomp=unconfined)",
          } },
        { "pss-restricted also forbids privileged",
          R("- {name: r, " ALL_FIT ", capabilities: {profile: pss-restricted, allow: [ALL]}}"),
          RESTRICTED_POD, .caps = BPE("ALL"),
          .violation = true, .rule = "r", .privileged = true,
          .reasons = { "the container is privileged: its bounding set holds every capability the node has, which "
                       "profile pss-restricted of rule 'r' forbids" } },
        { "pss-restricted requirements can be turned off one by one",
          R("- {name: r, " ALL_FIT ", capabilities: {profile: pss-restricted}, require: {non_root: false}}"),
          RESTRICTED_POD, .uid = 0, .rule = "r" },
        { "runc-default",
          R("- {name: x, " ALL_FIT ", capabilities: {profile: runc-default}}"),
          .runtime = "runc", .caps = BPE("AUDIT_WRITE KILL NET_BIND_SERVICE"), .rule = "x" },
        { "runc-default, CHOWN beyond",
          R("- {name: x, " ALL_FIT ", capabilities: {profile: runc-default}}"),
          .runtime = "runc", .caps = { [CAP_SET_EFFECTIVE] = "AUDIT_WRITE KILL NET_BIND_SERVICE CHOWN" },
          .violation = true, .rule = "x", .excess = { [CAP_SET_EFFECTIVE] = "CHOWN" },
          .reasons = { "effective set holds CAP_CHOWN beyond what rule 'x' allows (runc-default)" } },
        { "cri-o-default",
          R("- {name: x, " ALL_FIT ", capabilities: {profile: cri-o-default}}"),
          .runtime = "cri-o", .caps = BPE("@cri-o-default"), .rule = "x" },
        { "cri-o-default, docker's defaults are more",
          R("- {name: x, " ALL_FIT ", capabilities: {profile: cri-o-default}}"),
          .runtime = "cri-o", .caps = { [CAP_SET_BOUNDING] = "@docker-default" },
          .violation = true, .rule = "x", .excess = { [CAP_SET_BOUNDING] = "NET_RAW SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP" },
          .reasons = { "bounding set holds CAP_NET_RAW, CAP_SYS_CHROOT, CAP_MKNOD, CAP_AUDIT_WRITE, CAP_SETFCAP beyond "
                       "what rule 'x' allows (cri-o-default)" } },
        { "none, nothing held",
          R("- {name: x, " ALL_FIT ", capabilities: {profile: none}}"),
          .runtime = "crun", .rule = "x" },
        { "none, anything held is too much",
          R("- {name: x, " ALL_FIT ", capabilities: {profile: none}}"),
          .runtime = "crun", .caps = { [CAP_SET_AMBIENT] = "KILL" },
          .violation = true, .rule = "x", .excess = { [CAP_SET_AMBIENT] = "KILL" },
          .reasons = { "ambient set holds CAP_KILL beyond what rule 'x' allows (none)" } },

        /* ---- allow and deny ---- */
        { "allow adds to the profile",
          R("- {name: x, " ALL_FIT ", capabilities: {profile: pss-restricted, allow: [NET_ADMIN]}, "
            "require: {no_new_privs: false, non_root: false, seccomp: false}}"),
          DOCKER, .caps = BPE("NET_BIND_SERVICE NET_ADMIN"), .rule = "x" },
        { "deny wins over the profile",
          R("- {name: x, " ALL_FIT ", capabilities: {profile: docker-default, deny: [NET_RAW, MKNOD]}}"),
          DOCKER, .violation = true, .rule = "x", .excess = BPE("NET_RAW MKNOD"),
          .reasons = { "bounding set holds CAP_NET_RAW, CAP_MKNOD beyond what rule 'x' allows (docker-default - "
                       "CAP_NET_RAW - CAP_MKNOD)",
                       "permitted set holds CAP_NET_RAW, CAP_MKNOD",
                       "effective set holds CAP_NET_RAW, CAP_MKNOD" } },
        { "deny wins over allow",
          R("- {name: teams-restricted, " ALL_FIT ", capabilities: {profile: pss-restricted, allow: [NET_BIND_SERVICE, "
            "NET_RAW], deny: [NET_RAW]}, require: {no_new_privs: false, non_root: false, seccomp: false}}"),
          DOCKER, .caps = { [CAP_SET_EFFECTIVE] = "NET_BIND_SERVICE NET_RAW SYS_ADMIN NET_ADMIN" },
          .violation = true, .rule = "teams-restricted", .excess = { [CAP_SET_EFFECTIVE] = "NET_RAW SYS_ADMIN NET_ADMIN" },
          .reasons = { "effective set holds CAP_NET_ADMIN, CAP_NET_RAW, CAP_SYS_ADMIN beyond what rule "
                       "'teams-restricted' allows (pss-restricted + CAP_NET_BIND_SERVICE + CAP_NET_RAW - CAP_NET_RAW)" } },
        { "allow ALL, deny one",
          R("- {name: x, " ALL_FIT ", capabilities: {profile: none, allow: [ALL], deny: [SYS_MODULE]}}"),
          DOCKER, .caps = BPE("ALL"),
          .violation = true, .rule = "x", .privileged = true, .excess = BPE("SYS_MODULE"),
          .reasons = { "the container is privileged: ",
                       "bounding set holds CAP_SYS_MODULE beyond what rule 'x' allows (none + ALL - CAP_SYS_MODULE)",
                       "permitted set holds CAP_SYS_MODULE",
                       "effective set holds CAP_SYS_MODULE" } },

        /* ---- sets ---- */
        { "inheritable is not held by default",
          R("- {name: x, " ALL_FIT ", capabilities: {profile: docker-default}}"),
          DOCKER, .caps = { [CAP_SET_INHERITABLE] = "SYS_ADMIN" }, .rule = "x" },
        { "inheritable when listed",
          R("- {name: x, " ALL_FIT ", capabilities: {profile: docker-default, sets: [inheritable]}}"),
          DOCKER, .caps = { [CAP_SET_INHERITABLE] = "SYS_ADMIN", [CAP_SET_EFFECTIVE] = "SYS_ADMIN" },
          .violation = true, .rule = "x", .excess = { [CAP_SET_INHERITABLE] = "SYS_ADMIN" },
          .reasons = { "inheritable set holds CAP_SYS_ADMIN beyond what rule 'x' allows (docker-default)" } },
        { "ambient is held by default",
          R("- {name: x, " ALL_FIT ", capabilities: {profile: docker-default}}"),
          DOCKER, .caps = { [CAP_SET_AMBIENT] = "SYS_TIME" },
          .violation = true, .rule = "x", .excess = { [CAP_SET_AMBIENT] = "SYS_TIME" },
          .reasons = { "ambient set holds CAP_SYS_TIME beyond what rule 'x' allows (docker-default)" } },
        { "only the sets listed are held",
          R("- {name: x, " ALL_FIT ", capabilities: {profile: none, sets: [effective, ambient]}}"),
          DOCKER, .caps = SETS("KILL"),
          .violation = true, .rule = "x", .excess = { [CAP_SET_EFFECTIVE] = "KILL", [CAP_SET_AMBIENT] = "KILL" },
          .reasons = { "effective set holds CAP_KILL", "ambient set holds CAP_KILL" } },

        /* ---- requirements ---- */
        { "no_new_privs set", R("- {name: q, " ALL_FIT ", require: {no_new_privs: true}}"),
          DOCKER, .nnp = 1, .rule = "q" },
        { "no_new_privs not set", R("- {name: q, " ALL_FIT ", require: {no_new_privs: true}}"),
          DOCKER, .nnp = 0, .violation = true, .rule = "q",
          .reasons = { "NoNewPrivs is not set, which rule 'q' requires; " } },
        { "no_new_privs unknown", R("- {name: q, " ALL_FIT ", require: {no_new_privs: true}}"),
          DOCKER, .nnp = UNKNOWN, .violation = true, .rule = "q",
          .reasons = { "the kernel did not report NoNewPrivs, which rule 'q' requires to be set" } },
        { "no_new_privs: false requires nothing", R("- {name: q, " ALL_FIT ", require: {no_new_privs: false, seccomp: true}}"),
          DOCKER, .nnp = UNKNOWN, .rule = "q" },
        { "non_root, uid 1000", R("- {name: q, " ALL_FIT ", require: {non_root: true}}"),
          DOCKER, .uid = 1000, .rule = "q" },
        { "non_root, uid 65534", R("- {name: q, " ALL_FIT ", require: {non_root: true}}"),
          DOCKER, .uid = 65534, .rule = "q" },
        { "non_root, uid 0", R("- {name: q, " ALL_FIT ", require: {non_root: true}}"),
          DOCKER, .uid = 0, .violation = true, .rule = "q",
          .reasons = { "the container runs as root (uid 0), which rule 'q' forbids; " } },
        { "seccomp filter", R("- {name: q, " ALL_FIT ", require: {seccomp: true}}"),
          DOCKER, .seccomp = 2, .rule = "q" },
        { "seccomp disabled", R("- {name: q, " ALL_FIT ", require: {seccomp: true}}"),
          DOCKER, .seccomp = 0, .violation = true, .rule = "q",
          .reasons = { "no seccomp filter applies (mode 0), which rule 'q' requires; " } },
        { "seccomp strict", R("- {name: q, " ALL_FIT ", require: {seccomp: true}}"),
          DOCKER, .seccomp = 1, .violation = true, .rule = "q",
          .reasons = { "seccomp is in strict mode (1), not the filter mode (2) rule 'q' requires" } },
        { "seccomp unknown", R("- {name: q, " ALL_FIT ", require: {seccomp: true}}"),
          DOCKER, .seccomp = UNKNOWN, .violation = true, .rule = "q",
          .reasons = { "the kernel did not report the seccomp mode, which rule 'q' requires to be 2 (filter)" } },
        { "requirements without capabilities leave capabilities alone",
          R("- {name: q, " ALL_FIT ", require: {non_root: true}}"),
          DOCKER, .caps = BPE("ALL"), .uid = 1, .privileged = true, .rule = "q" },

        /* ---- matching ---- */
        { "glob fits",
          R("- {name: team, match: {k8s_namespace: [\"team-*\"]}, allow: true}\n"
            "- {name: rest, " ALL_FIT ", capabilities: {profile: none}}"),
          RESTRICTED_POD, .k8s_namespace = "team-payments", .rule = "team" },
        { "glob does not fit",
          R("- {name: team, match: {k8s_namespace: [\"team-*\"]}, allow: true}\n"
            "- {name: rest, " ALL_FIT ", capabilities: {profile: none}}"),
          RESTRICTED_POD, .k8s_namespace = "teams", .caps = {},
          .rule = "rest" },
        { "globs are case-sensitive",
          R("- {name: team, match: {k8s_namespace: [\"Team-*\"]}, allow: true}"),
          RESTRICTED_POD, .k8s_namespace = "team-a" },
        { "any glob of a list fits",
          R("- {name: m, match: {container: [nginx, \"envoy*\", sidecar]}, allow: true}"),
          RESTRICTED_POD, .container = "envoy-proxy", .rule = "m" },
        { "every key given must fit",
          R("- {name: m, match: {k8s_namespace: [team-a], image: [\"registry.test/*\"]}, allow: true}"),
          RESTRICTED_POD },
        { "every key given fits",
          R("- {name: m, match: {k8s_namespace: [team-a], image: [\"registry.example.com/*\"], runtime: [containerd],"
            " runtime_namespace: [k8s.io], pod: [\"web-?\"], container: [web], container_id: [\"*\"]}, allow: true}"),
          RESTRICTED_POD, .rule = "m" },
        { "* crosses / in image names",
          R("- {name: m, match: {image: [\"registry.test/*\"]}, allow: true}"),
          DOCKER, .image = "registry.test/library/nginx:1.25", .rule = "m" },
        { "character classes",
          R("- {name: m, match: {container_id: [\"[0-9a-f][0-9a-f]*\"]}, allow: true}"),
          DOCKER, .id = "ab12", .rule = "m" },
        { "negated class",
          R("- {name: m, match: {container_id: [\"[!0-9]*\"]}, allow: true}"),
          DOCKER, .id = "0b12" },
        { "backslash quotes a star",
          R("- {name: m, match: {pod: [\"web\\\\*\"]}, allow: true}"),
          RESTRICTED_POD, .pod = "web-0" },
        { "runtime globs",
          R("- {name: m, match: {runtime: [\"cri-*\", podman]}, allow: true}"),
          .runtime = "cri-o", .rule = "m" },
        { "a missing fact fits *",
          R("- {name: m, match: {pod: [\"*\"]}, allow: true}"),
          DOCKER, .rule = "m" },
        { "a missing fact fits no other glob",
          R("- {name: m, match: {pod: [\"?*\", \"\\\\*\"]}, allow: true}"),
          DOCKER },
        { "an empty fact is a missing one",
          R("- {name: m, match: {k8s_namespace: [\"?*\"]}, allow: true}\n"
            "- {name: n, match: {k8s_namespace: [\"*\"]}, allow: true}"),
          DOCKER, .k8s_namespace = "", .rule = "n" },
        { "the pause container is judged like any other",
          R("- {name: r, match: {k8s_namespace: [\"?*\"]}, capabilities: {profile: pss-restricted}}"),
          RESTRICTED_POD, .sandbox = true, .container = NULL, .caps = BPE("@docker-default"), .uid = 65535,
          .violation = true, .rule = "r", .excess = BPE(DOCKER_BUT_NBS),
          .reasons = { "bounding set holds CAP_CHOWN, ", "permitted set holds CAP_CHOWN, ",
                       "effective set holds CAP_CHOWN, " } },

        /* ---- order, allow, actions ---- */
        { "no rule fits: compliant",
          R("- {name: m, match: {runtime: [podman]}, capabilities: {profile: none}}"),
          DOCKER, .caps = BPE("ALL"), .privileged = true },
        { "no rules at all: compliant", "", DOCKER },
        { "match {} fits everything",
          R("- {name: all, " ALL_FIT ", capabilities: {profile: docker-default}}"),
          .rule = "all" },
        { "the first rule that fits decides, allow first",
          R("- {name: exempt, match: {k8s_namespace: [team-a]}, allow: true}\n"
            "- {name: strict, " ALL_FIT ", capabilities: {profile: none}}"),
          RESTRICTED_POD, .caps = BPE("ALL"), .privileged = true, .rule = "exempt" },
        { "the first rule that fits decides, allow last",
          R("- {name: strict, " ALL_FIT ", capabilities: {profile: none}, action: kill}\n"
            "- {name: exempt, match: {k8s_namespace: [team-a]}, allow: true}"),
          RESTRICTED_POD, .caps = { [CAP_SET_AMBIENT] = "SYS_ADMIN" }, .violation = true, .rule = "strict",
          .action = POLICY_ACTION_KILL, .excess = { [CAP_SET_AMBIENT] = "SYS_ADMIN" },
          .reasons = { "ambient set holds CAP_SYS_ADMIN beyond what rule 'strict' allows (none)" } },
        { "a later, better fitting rule does not matter",
          R("- {name: broad, match: {k8s_namespace: [\"*\"]}, require: {seccomp: true}}\n"
            "- {name: exact, match: {k8s_namespace: [team-a], pod: [web-0]}, allow: true}"),
          RESTRICTED_POD, .seccomp = 0, .violation = true, .rule = "broad", .reasons = { "no seccomp filter" } },
        { "allow exempts a privileged container",
          R("- {name: ok, " ALL_FIT ", allow: true}"),
          DOCKER, .caps = SETS("ALL"), .uid = 0, .nnp = 0, .seccomp = 0, .privileged = true, .rule = "ok" },
        { "defaults.action applies to rules without one",
          "defaults: {action: kill}\n" R("- {name: x, " ALL_FIT ", require: {non_root: true}}"),
          DOCKER, .violation = true, .rule = "x", .action = POLICY_ACTION_KILL, .reasons = { "the container runs as root" } },
        { "a rule's action wins over defaults.action",
          "defaults: {action: kill}\n" R("- {name: x, " ALL_FIT ", require: {non_root: true}, action: audit}"),
          DOCKER, .violation = true, .rule = "x", .action = POLICY_ACTION_AUDIT, .reasons = { "the container runs as root" } },
        { "without either, audit",
          R("- {name: x, " ALL_FIT ", require: {non_root: true}}"),
          DOCKER, .violation = true, .rule = "x", .action = POLICY_ACTION_AUDIT, .reasons = { "the container runs as root" } },
        { "a compliant verdict carries the action the rule would take",
          "defaults: {action: kill}\n" R("- {name: x, " ALL_FIT ", require: {non_root: true}}"),
          DOCKER, .uid = 1, .rule = "x", .action = POLICY_ACTION_KILL },
        { "with no rule fitting, the default action",
          "defaults: {action: kill}\n",
          DOCKER, .action = POLICY_ACTION_KILL },
};

static uint64_t expected_excess(const char *spec) {
        if (!spec)
                return 0;
        if (streq(spec, ALL_BUT_DOCKER))
                return capability_mask_all() & ~caps("@docker-default");
        if (streq(spec, DOCKER_BUT_NBS))
                return caps("@docker-default") & ~caps("NET_BIND_SERVICE");
        return caps(spec);
}

static void facts_from_case(const Case *c, ContainerFacts *f) {
        *f = (ContainerFacts) {
                .id = c->id,
                .runtime = c->runtime,
                .runtime_namespace = c->runtime_namespace,
                .k8s_namespace = c->k8s_namespace,
                .pod = c->pod,
                .container = c->container,
                .image = c->image,
                .sandbox = c->sandbox,
                .uid = c->uid,
                .no_new_privs = c->nnp,
                .seccomp = c->seccomp,
        };
        for (CapSet s = 0; s < _CAP_SET_MAX; s++)
                f->caps.mask[s] = caps(c->caps[s]);
}

static Policy *policy_from_text(const char *rules) {
        _cleanup_free_ char *text = NULL;
        Policy *p = NULL;
        PolicyError e = {};

        ck_assert_int_ge(asprintf(&text, "version: 1\n%s\n", rules), 0);
        ck_assert_msg(policy_parse(text, strlen(text), &p, &e) == 0, "policy refused at %u:%u: %s\n%s", e.line,
                      e.column, e.message, text);
        return p;
}

START_TEST(test_case) {
        const Case *c = &cases[_i];
        _cleanup_(policy_freep) Policy *p = policy_from_text(c->policy);
        uint64_t node = c->node ? caps(c->node) : capability_mask_all();
        uint64_t any = 0;
        ContainerFacts f;
        Verdict v;
        size_t n = 0;

        facts_from_case(c, &f);
        ck_assert_int_eq(policy_evaluate(p, &f, node, &v), 0);

        ck_assert_msg(v.violation == c->violation, "%s: violation %d", c->name, v.violation);
        if (c->rule) {
                ck_assert_msg(v.rule, "%s: no rule", c->name);
                ck_assert_str_eq(v.rule->name, c->rule);
        } else
                ck_assert_msg(!v.rule, "%s: rule %s", c->name, v.rule ? v.rule->name : "");
        ck_assert_msg(v.action == c->action, "%s: action %s", c->name, policy_action_to_string(v.action));
        ck_assert_msg(v.privileged == c->privileged, "%s: privileged %d", c->name, v.privileged);

        for (CapSet s = 0; s < _CAP_SET_MAX; s++) {
                uint64_t want = expected_excess(c->excess[s]);

                ck_assert_msg(v.excess[s] == want, "%s: %s excess %#" PRIx64 ", expected %#" PRIx64, c->name,
                              capset_to_string(s), v.excess[s], want);
                any |= want;
        }
        ck_assert_uint_eq(v.excess_any, any);

        ck_assert_ptr_nonnull(v.reasons);
        for (; v.reasons[n]; n++) {
                ck_assert_msg(n < MAX_REASONS && c->reasons[n], "%s: unexpected reason '%s'", c->name, v.reasons[n]);
                ck_assert_msg(strncmp(v.reasons[n], c->reasons[n], strlen(c->reasons[n])) == 0,
                              "%s: reason %zu is\n  '%s', expected\n  '%s'", c->name, n, v.reasons[n], c->reasons[n]);
        }
        ck_assert_msg(n == MAX_REASONS || !c->reasons[n], "%s: missing reason '%s'", c->name, c->reasons[n]);

        verdict_done(&v);
        ck_assert_ptr_null(v.reasons);
        verdict_done(&v); /* twice is fine */
}
END_TEST

START_TEST(test_every_profile) {
        /* For each profile: exactly its capabilities comply; each capability outside it is
         * excess, in each set held by default, and named. */
        for (const char *const *name = cap_profile_names; *name; name++) {
                _cleanup_free_ char *rules = NULL;
                _cleanup_(policy_freep) Policy *p = NULL;
                uint64_t mask;
                ContainerFacts f = { .runtime = "runc", .uid = 1000, .no_new_privs = 1, .seccomp = 2 };
                Verdict v;

                ck_assert_int_ge(asprintf(&rules, "rules: [{name: r, match: {}, capabilities: {profile: %s}}]", *name), 0);
                p = policy_from_text(rules);
                ck_assert_int_eq(cap_profile_mask(*name, &mask), 0);

                for (CapSet s = 0; s < _CAP_SET_MAX; s++)
                        f.caps.mask[s] = mask;
                ck_assert_int_eq(policy_evaluate(p, &f, capability_mask_all(), &v), 0);
                ck_assert_msg(!v.violation, "%s: %s", *name, v.reasons[0]);
                verdict_done(&v);

                for (unsigned cap = 0; cap <= capability_last(); cap++) {
                        char expect[256];

                        if (mask & cap_bit(cap))
                                continue;
                        for (CapSet s = 0; s < _CAP_SET_MAX; s++)
                                f.caps.mask[s] = mask | cap_bit(cap);
                        ck_assert_int_eq(policy_evaluate(p, &f, capability_mask_all(), &v), 0);
                        ck_assert(v.violation);
                        ck_assert_uint_eq(v.excess_any, cap_bit(cap));
                        ck_assert_uint_eq(v.excess[CAP_SET_INHERITABLE], 0);
                        ck_assert_uint_eq(v.excess[CAP_SET_AMBIENT], cap_bit(cap));
                        (void) snprintf(expect, sizeof expect, "bounding set holds %s beyond what rule 'r' allows (%s)",
                                        capability_to_name(cap), *name);
                        ck_assert_str_eq(v.reasons[0], expect);
                        ck_assert_ptr_nonnull(v.reasons[3]); /* bounding, permitted, effective, ambient */
                        ck_assert_ptr_null(v.reasons[4]);
                        verdict_done(&v);
                }
        }
}
END_TEST

START_TEST(test_every_set) {
        /* A rule held to one set sees excess there and nowhere else. */
        for (CapSet held = 0; held < _CAP_SET_MAX; held++) {
                _cleanup_free_ char *rules = NULL;
                _cleanup_(policy_freep) Policy *p = NULL;
                ContainerFacts f = { .runtime = "runc" };
                Verdict v;

                ck_assert_int_ge(asprintf(&rules, "rules: [{name: r, match: {}, capabilities: {profile: none, sets: [%s]}}]",
                                          capset_to_string(held)), 0);
                p = policy_from_text(rules);

                /* excess everywhere but in the held set: compliant */
                for (CapSet s = 0; s < _CAP_SET_MAX; s++)
                        f.caps.mask[s] = s == held ? 0 : caps("SYS_ADMIN");
                ck_assert_int_eq(policy_evaluate(p, &f, capability_mask_all(), &v), 0);
                ck_assert_msg(!v.violation, "%s", capset_to_string(held));
                verdict_done(&v);

                /* excess in the held set only */
                for (CapSet s = 0; s < _CAP_SET_MAX; s++)
                        f.caps.mask[s] = s == held ? caps("SYS_ADMIN") : 0;
                ck_assert_int_eq(policy_evaluate(p, &f, capability_mask_all(), &v), 0);
                ck_assert(v.violation);
                for (CapSet s = 0; s < _CAP_SET_MAX; s++)
                        ck_assert_uint_eq(v.excess[s], s == held ? caps("SYS_ADMIN") : 0);
                ck_assert_ptr_nonnull(strstr(v.reasons[0], capset_to_string(held)));
                ck_assert_ptr_null(v.reasons[1]);
                verdict_done(&v);
        }
}
END_TEST

START_TEST(test_invalid_arguments) {
        _cleanup_(policy_freep) Policy *p = policy_from_text("");
        ContainerFacts f = {};
        Verdict v = { .violation = true };

        ck_assert_int_eq(policy_evaluate(p, &f, 0, &v), -EINVAL);
        ck_assert(v.violation); /* untouched */
        ck_assert_int_eq(policy_evaluate(NULL, &f, 1, &v), -EINVAL);
        ck_assert_int_eq(policy_evaluate(p, NULL, 1, &v), -EINVAL);
        ck_assert_int_eq(policy_evaluate(p, &f, 1, NULL), -EINVAL);
        verdict_done(NULL);
}
END_TEST

START_TEST(test_rule_fits) {
        _cleanup_(policy_freep) Policy *p = policy_from_text(
                "rules: [{name: m, match: {k8s_namespace: [\"team-*\"], runtime: [containerd]}, allow: true}]");
        ContainerFacts f = { .k8s_namespace = "team-a", .runtime = "containerd" };

        ck_assert(policy_rule_fits(&p->rules[0], &f));
        f.runtime = "docker";
        ck_assert(!policy_rule_fits(&p->rules[0], &f));
        f.runtime = NULL;
        ck_assert(!policy_rule_fits(&p->rules[0], &f));
}
END_TEST

START_TEST(test_rule_mismatch) {
        _cleanup_(policy_freep) Policy *p = policy_from_text(
                "rules:\n"
                "- {name: m, match: {k8s_namespace: [\"team-*\", prod], pod: [\"web-*\"], runtime: [containerd]}, allow: true}\n"
                "- {name: any, match: {}, allow: true}\n"
                "- {name: no-pod, match: {pod: [\"*\"], image: [\"?*\"]}, allow: true}");
        ContainerFacts f = { .k8s_namespace = "team-a", .pod = "web-0", .runtime = "containerd", .image = "x" };

        ck_assert_int_eq(policy_rule_mismatch(&p->rules[0], &f), _MATCH_KEY_INVALID);
        ck_assert(policy_rule_fits(&p->rules[0], &f));

        /* the first key that does not fit, in PolicyMatchKey order, whatever the others do */
        f.runtime = "docker";
        ck_assert_int_eq(policy_rule_mismatch(&p->rules[0], &f), MATCH_RUNTIME);
        f.pod = "db-0";
        ck_assert_int_eq(policy_rule_mismatch(&p->rules[0], &f), MATCH_POD);
        f.k8s_namespace = "kube-system";
        ck_assert_int_eq(policy_rule_mismatch(&p->rules[0], &f), MATCH_K8S_NAMESPACE);
        ck_assert(!policy_rule_fits(&p->rules[0], &f));
        /* a fact not known fits only "*" */
        f.k8s_namespace = NULL;
        ck_assert_int_eq(policy_rule_mismatch(&p->rules[0], &f), MATCH_K8S_NAMESPACE);
        ck_assert_ptr_null(container_facts_get(&f, MATCH_K8S_NAMESPACE));
        ck_assert_str_eq(container_facts_get(&f, MATCH_POD), "db-0");

        /* match: {} fits everything */
        ck_assert_int_eq(policy_rule_mismatch(&p->rules[1], &(ContainerFacts) {}), _MATCH_KEY_INVALID);

        /* "*" fits a missing pod, "?*" does not fit a missing image */
        f.image = NULL;
        f.pod = NULL;
        ck_assert_int_eq(policy_rule_mismatch(&p->rules[2], &f), MATCH_IMAGE);
        f.image = "";
        ck_assert_int_eq(policy_rule_mismatch(&p->rules[2], &f), MATCH_IMAGE);
        f.image = "nginx";
        ck_assert_int_eq(policy_rule_mismatch(&p->rules[2], &f), _MATCH_KEY_INVALID);
}
END_TEST

static Suite *suite(void) {
        Suite *s = suite_create("policy-eval");
        TCase *tc = tcase_create("table"), *tl = tcase_create("loops");

        tcase_add_loop_test(tc, test_case, 0, ELEMENTSOF(cases));
        suite_add_tcase(s, tc);

        tcase_add_test(tl, test_every_profile);
        tcase_add_test(tl, test_every_set);
        tcase_add_test(tl, test_invalid_arguments);
        tcase_add_test(tl, test_rule_fits);
        tcase_add_test(tl, test_rule_mismatch);
        suite_add_tcase(s, tl);
        return s;
}

int main(void) {
        return run_suite(suite());
}
