/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fill-history --db PATH --events N [--seed S] [--days D] [--end T] [--journal-export FILE]
 *
 * A node's history for the benchmarks (#5): N verdicts spread uniformly over the D days
 * (default 30) before T (default now), written as capguardd writes them: through
 * store_events_add(), in time order, 10,000 to a transaction. The same seed gives the same
 * history, shifted to where T falls.
 *
 * The node is one Kubernetes worker: ~40 namespaces, a pod or two of each app on it, each pod
 * with its sandbox, its containers and sidecars, plus a few plain Docker containers; a few
 * hundred containers in all. Each is restarted many times over the span, and each start is a
 * new incarnation (same container id, its own pid and start time) with its own verdict. The
 * policy is a real one (POLICY below: 8 rules, stored and revised a few times) and so is the
 * engine: every container's facts go through policy_evaluate(), so rules, excess sets,
 * reasons and actions are the daemon's. About 2% of the verdicts are unknown (with the
 * daemon's reasons, and without the metadata it could not read), about 28% violations (a
 * container holding its usual --cap-add, or running privileged), the rest compliant. The
 * daemon ran with --dry-run for the first fifth of the span (would-kill), a kill fails now
 * and then (kill-failed), the node rebooted once, and each policy revision re-judged every
 * live container under the new version. An incarnation is marked exited when it was killed,
 * when its next one started, or at the reboot.
 *
 * --journal-export FILE writes the same verdicts as capguardd's journal entries
 * (journal_event_build(), so the same MESSAGE_ID, PRIORITY and CAPGUARD_* fields) with the
 * trusted fields journald adds, in the Journal Export Format, for
 * `systemd-journal-remote --output=X.journal FILE`; "-" is stdout.
 *
 * A summary goes to stderr, with one count to check a query against. Not installed. */
#include <endian.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <malloc.h>
#include <math.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capguard/cap-profile.h"
#include "capguard/journal-event.h"
#include "capguard/policy.h"
#include "capguard/store.h"
#include "capguard/time-parse.h"
#include "capguard/time-util.h"

#define BATCH 10000
#define USEC_PER_SEC INT64_C(1000000)
#define USEC_PER_DAY (86400 * USEC_PER_SEC)
#define TICKS_PER_SEC 100                  /* USER_HZ: the unit of pid_start */
#define PID_MAX 4194304                    /* /proc/sys/kernel/pid_max on a 64-bit node */
#define NODE_BOUNDING ((UINT64_C(1) << 41) - 1) /* CAP_CHOWN .. CAP_CHECKPOINT_RESTORE */

/* The summary's check line: what bench-history.sh asks both capctl and the journal. */
#define CHECK_NAMESPACE "payments"
#define CHECK_CAP "SYS_ADMIN"

#define UNKNOWN_FRACTION 0.02
#define VIOLATION_FRACTION 0.28
#define DRY_RUN_FRACTION 0.2   /* of the span, at its start */
#define KILL_FAIL_FRACTION 0.015
#define POLICY_REVISIONS 4     /* after the first version, loaded before the span */

static const char POLICY[] =
        "# The policy of fill-history's synthetic node, revision %u.\n"
        "version: 1\n"
        "defaults:\n"
        "  action: audit\n"
        "rules:\n"
        "  - name: kube-system-privileged\n"
        "    match:\n"
        "      k8s_namespace: [kube-system]\n"
        "      pod: [\"kube-proxy-*\", \"calico-node-*\", \"csi-node-driver-*\"]\n"
        "    allow: true\n"
        "  - name: pod-sandboxes\n"
        "    match:\n"
        "      image: [\"*/pause:*\"]\n"
        "    capabilities:\n"
        "      profile: docker-default\n"
        "  - name: node-agents\n"
        "    match:\n"
        "      k8s_namespace: [kube-system, monitoring, logging, istio-system, ingress-nginx]\n"
        "    capabilities:\n"
        "      profile: docker-default\n"
        "      allow: [NET_ADMIN, SYS_PTRACE, DAC_READ_SEARCH]\n"
        "  - name: restricted\n"
        "    match:\n"
        "      k8s_namespace: [payments, billing, auth, identity, vault]\n"
        "    capabilities:\n"
        "      profile: pss-restricted\n"
        "    action: kill\n"
        "  - name: net-tools\n"
        "    match:\n"
        "      k8s_namespace: [\"net-*\"]\n"
        "    capabilities:\n"
        "      profile: pss-baseline\n"
        "      allow: [NET_RAW, NET_ADMIN]\n"
        "      deny: [SYS_ADMIN]\n"
        "  - name: kill-beyond-default\n"
        "    match:\n"
        "      k8s_namespace: [orders, checkout, shipping, inventory]\n"
        "    capabilities:\n"
        "      profile: docker-default\n"
        "    action: kill\n"
        "  - name: no-net-raw\n"
        "    match:\n"
        "      k8s_namespace: [\"team-*\", frontend, backend, api-gateway, search, catalog]\n"
        "    capabilities:\n"
        "      profile: pss-baseline\n"
        "  - name: docker-default\n"
        "    match: {}\n"
        "    capabilities:\n"
        "      profile: docker-default\n";

/* ---- a small PRNG: splitmix64, so that a seed gives the same history on any libc ---- */

typedef struct Rng {
        uint64_t state;
} Rng;

static uint64_t rng_next(Rng *r) {
        uint64_t z = (r->state += UINT64_C(0x9e3779b97f4a7c15));

        z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
        return z ^ (z >> 31);
}

/* [0, n) */
static uint64_t rng_below(Rng *r, uint64_t n) {
        return (uint64_t) (((unsigned __int128) rng_next(r) * n) >> 64);
}

/* [lo, hi] */
static int64_t rng_between(Rng *r, int64_t lo, int64_t hi) {
        return lo + (int64_t) rng_below(r, (uint64_t) (hi - lo) + 1);
}

/* [0, 1) */
static double rng_unit(Rng *r) {
        return (double) (rng_next(r) >> 11) * 0x1.0p-53;
}

static bool rng_chance(Rng *r, double p) {
        return rng_unit(r) < p;
}

static const char *rng_pick(Rng *r, const char *const *list, size_t n) {
        return list[rng_below(r, n)];
}

/* ---- the node ---- */

typedef enum PodKind {
        POD_DEPLOYMENT, /* api-7d9f8c6b5d-x2k4q */
        POD_DAEMONSET,  /* kube-proxy-x2k4q */
        POD_STATEFULSET,/* vault-0 */
} PodKind;

static const struct {
        const char *name;
        double weight; /* its share of the node's container starts */
        bool mesh;     /* istio-injected: every pod has an istio-proxy sidecar */
} namespaces[] = {
        { "kube-system", 5 },      { "monitoring", 3 },       { "logging", 2 },
        { "istio-system", 1.5 },   { "ingress-nginx", 1.5 },  { "cert-manager", 1 },
        { "argocd", 1.5 },         { "vault", 1 },            { "payments", 3, true },
        { "billing", 2, true },    { "auth", 2.5, true },     { "identity", 1.5, true },
        { "orders", 3, true },     { "checkout", 2.5, true }, { "shipping", 1.5 },
        { "inventory", 2 },        { "net-debug", 0.8 },      { "net-probes", 1.2 },
        { "team-a", 3 },           { "team-b", 2.5 },         { "team-c", 2 },
        { "team-d", 1.5 },         { "team-e", 1 },           { "frontend", 3, true },
        { "backend", 3, true },    { "api-gateway", 2, true },{ "search", 2 },
        { "catalog", 2, true },    { "recommendations", 1.5 },{ "notifications", 1.5 },
        { "analytics", 2 },        { "data-pipeline", 3 },    { "ml-serving", 1.5 },
        { "ml-training", 1 },      { "batch-jobs", 4 },       { "staging", 2.5 },
        { "sandbox", 1 },          { "dev-tools", 1 },        { "observability", 1 },
};

/* The platform's own apps, in their own namespaces; the others get apps from app_names. */
static const struct {
        const char *k8s_namespace, *name, *image; /* image under registry.example/ */
        PodKind kind;
        bool privileged;   /* runs privileged, exempted by the policy */
        const char *extra; /* what it legitimately holds beyond Docker's default */
        const char *add;   /* what it holds when it violates: NULL to draw */
} system_apps[] = {
        { "kube-system", "kube-proxy", "k8s/kube-proxy:1.29.4", POD_DAEMONSET, true },
        { "kube-system", "calico-node", "calico/node:3.27.3", POD_DAEMONSET, true },
        { "kube-system", "csi-node-driver", "k8s/csi-node-driver-registrar:2.10.1", POD_DAEMONSET, true },
        { "kube-system", "coredns", "coredns/coredns:1.11.1", POD_DEPLOYMENT },
        { "kube-system", "metrics-server", "k8s/metrics-server:0.7.1", POD_DEPLOYMENT },
        { "kube-system", "calico-kube-controllers", "calico/kube-controllers:3.27.3", POD_DEPLOYMENT },
        { "monitoring", "node-exporter", "prometheus/node-exporter:1.8.0", POD_DAEMONSET, false,
          "SYS_PTRACE DAC_READ_SEARCH", "SYS_ADMIN" },
        { "monitoring", "prometheus-agent", "prometheus/prometheus:2.51.2", POD_STATEFULSET },
        { "monitoring", "kube-state-metrics", "k8s/kube-state-metrics:2.12.0", POD_DEPLOYMENT },
        { "logging", "fluent-bit", "logging/fluent-bit:3.0.4", POD_DAEMONSET, false, "DAC_READ_SEARCH" },
        { "logging", "loki", "grafana/loki:2.9.8", POD_STATEFULSET },
        { "istio-system", "istiod", "istio/pilot:1.21.2", POD_DEPLOYMENT },
        { "istio-system", "istio-cni-node", "istio/install-cni:1.21.2", POD_DAEMONSET, false, "NET_ADMIN",
          "SYS_ADMIN NET_RAW" },
        { "ingress-nginx", "ingress-nginx-controller", "ingress-nginx/controller:1.10.1", POD_DEPLOYMENT },
        { "cert-manager", "cert-manager", "jetstack/cert-manager-controller:1.14.5", POD_DEPLOYMENT },
        { "cert-manager", "cert-manager-webhook", "jetstack/cert-manager-webhook:1.14.5", POD_DEPLOYMENT },
        { "argocd", "argocd-repo-server", "argoproj/argocd:2.11.0", POD_DEPLOYMENT },
        { "argocd", "argocd-application-controller", "argoproj/argocd:2.11.0", POD_STATEFULSET },
        { "vault", "vault", "hashicorp/vault:1.16.2", POD_STATEFULSET, false, NULL, "IPC_LOCK" },
        { "vault", "vault-agent-injector", "hashicorp/vault-k8s:1.4.1", POD_DEPLOYMENT },
};

static const char *const app_names[] = {
        "api", "web", "worker", "gateway", "consumer", "scheduler", "cache", "indexer", "notifier",
        "exporter", "reconciler", "ingest", "renderer", "report-generator", "sync", "admin",
};

/* Plain Docker containers beside the kubelet: a CI runner and its jobs. */
static const struct {
        const char *name, *image;
        bool privileged; /* when it violates */
} docker_apps[] = {
        { "gitlab-runner", "ci/gitlab-runner:16.11.1" },
        { "dind", "ci/docker:26.1-dind", true },
        { "buildkitd", "ci/buildkit:0.13.2", true },
        { "registry-mirror", "infra/registry:2.8.3" },
        { "build-job-0", "ci/build-env:2024.05" },
        { "build-job-1", "ci/build-env:2024.05" },
        { "build-job-2", "ci/build-env:2024.05" },
        { "build-job-3", "ci/build-env:2024.05" },
};

/* What containers are given with --cap-add / securityContext.capabilities.add, by how often. */
static const struct {
        const char *name;
        unsigned weight;
} cap_adds[] = {
        { "SYS_ADMIN", 30 },     { "NET_ADMIN", 20 },    { "NET_RAW", 15 },      { "SYS_PTRACE", 10 },
        { "DAC_READ_SEARCH", 6 },{ "SYS_RESOURCE", 5 },  { "IPC_LOCK", 4 },      { "SYS_NICE", 4 },
        { "SYS_MODULE", 3 },     { "SYS_TIME", 3 },      { "BPF", 3 },           { "PERFMON", 2 },
        { "SYSLOG", 2 },         { "SYS_RAWIO", 2 },     { "NET_BROADCAST", 1 }, { "LINUX_IMMUTABLE", 1 },
};

typedef struct Slot {
        /* the container, as its verdicts name it */
        char id[65];
        Runtime runtime;
        char *runtime_namespace, *k8s_namespace, *pod, *container, *image;
        bool sandbox;
        uint32_t uid;
        int no_new_privs, seccomp;
        bool has_declared;

        double weight, p_violation;
        CapSets ok, bad;       /* its sets when compliant, and when it holds its additions */
        Verdict v_ok, v_bad;   /* what the policy says of each */

        /* its current incarnation */
        bool started, live, violating;
        pid_t pid;
        uint64_t pid_start;
        unsigned boot;
        int64_t last_usec;     /* its latest verdict */
} Slot;

#define SLOTS_MAX 2048

typedef struct Node {
        Rng rng;
        Slot *slots;
        size_t n_slots;
        double *cumulative; /* of the slots' weights, for picking one */
        Policy *policy;
        uint64_t docker_default;
        pid_t next_pid;
        unsigned boot;         /* 0 or 1: the node reboots once */
        int64_t boot_usec[2];  /* CLOCK_REALTIME of each boot */
        char boot_id[2][33], machine_id[33];
} Node;

static char *xstrdup(const char *s) {
        char *p = strdup(s);

        if (!p) {
                fputs("fill-history: out of memory\n", stderr);
                exit(EXIT_FAILURE);
        }
        return p;
}

_printf_(1, 2)
static char *xasprintf(const char *fmt, ...) {
        va_list ap;
        char *s;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (r < 0) {
                fputs("fill-history: out of memory\n", stderr);
                exit(EXIT_FAILURE);
        }
        return s;
}

static void random_hex(Rng *r, char *buf, size_t digits) {
        static const char hex[] = "0123456789abcdef";

        for (size_t i = 0; i < digits; i++)
                buf[i] = hex[rng_below(r, 16)];
        buf[digits] = '\0';
}

/* The alphabet Kubernetes uses for generated name suffixes. */
static void random_suffix(Rng *r, char *buf, size_t n) {
        static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";

        for (size_t i = 0; i < n; i++)
                buf[i] = alphabet[rng_below(r, sizeof alphabet - 1)];
        buf[n] = '\0';
}

static char *pod_name(Rng *r, const char *app, PodKind kind, unsigned replica) {
        char hash[11], suffix[6];

        random_suffix(r, hash, 10);
        random_suffix(r, suffix, 5);
        switch (kind) {
        case POD_DAEMONSET:
                return xasprintf("%s-%s", app, suffix);
        case POD_STATEFULSET:
                return xasprintf("%s-%u", app, replica);
        default:
                return xasprintf("%s-%s-%s", app, hash, suffix);
        }
}

static uint64_t caps_parse(const char *list) {
        uint64_t mask = 0;

        if (list && capability_list_parse(list, &mask, NULL, NULL) < 0) {
                fprintf(stderr, "fill-history: bad capability list '%s'\n", list);
                exit(EXIT_FAILURE);
        }
        return mask;
}

static const PolicyRule *rule_for(const Policy *p, const ContainerFacts *f) {
        for (size_t i = 0; i < p->n_rules; i++)
                if (policy_rule_fits(&p->rules[i], f))
                        return &p->rules[i];
        return NULL;
}

/* 1 to 3 additions its rule does not allow, drawn by how common they are. */
static uint64_t draw_additions(Rng *r, uint64_t allowed) {
        unsigned total = 0, n = 1;
        uint64_t add = 0;

        /* one statement each: the order of a draw is part of the seed's history */
        n += rng_chance(r, 0.4);
        n += rng_chance(r, 0.1);

        for (size_t i = 0; i < ELEMENTSOF(cap_adds); i++)
                total += cap_adds[i].weight;
        for (unsigned tries = 0; tries < 64 && n > 0; tries++) {
                unsigned x = (unsigned) rng_below(r, total);
                size_t i = 0;
                uint64_t bit;

                while (x >= cap_adds[i].weight)
                        x -= cap_adds[i++].weight;
                bit = caps_parse(cap_adds[i].name);
                if (bit & (allowed | add))
                        continue;
                add |= bit;
                n--;
        }
        return add;
}

static void sets_for(CapSets *c, uint64_t bounding, uint32_t uid) {
        *c = (CapSets) {};
        c->mask[CAP_SET_BOUNDING] = bounding;
        /* without ambient or file capabilities, exec as non-root empties the other two */
        if (uid == 0)
                c->mask[CAP_SET_PERMITTED] = c->mask[CAP_SET_EFFECTIVE] = bounding;
}

static void slot_facts(const Slot *s, const CapSets *caps, ContainerFacts *ret) {
        *ret = (ContainerFacts) {
                .id = s->id,
                .runtime = runtime_to_string(s->runtime),
                .runtime_namespace = s->runtime_namespace,
                .k8s_namespace = s->k8s_namespace,
                .pod = s->pod,
                .container = s->container,
                .image = s->image,
                .sandbox = s->sandbox,
                .caps = *caps,
                .uid = s->uid,
                .no_new_privs = s->no_new_privs,
                .seccomp = s->seccomp,
        };
}

typedef struct SlotSpec {
        const char *k8s_namespace, *pod, *container, *image;
        bool sandbox, privileged, violates_privileged;
        const char *extra, *add;
} SlotSpec;

/* A container of the node, judged once as compliant and once holding its additions. */
static void slot_add(Node *n, const SlotSpec *spec, double weight) {
        Rng *r = &n->rng;
        const PolicyRule *rule;
        ContainerFacts f;
        uint64_t allowed, base;
        bool restricted;
        Slot *s;

        char id[65];
        bool has_declared;

        if (n->n_slots == SLOTS_MAX) {
                fputs("fill-history: internal error: more than SLOTS_MAX containers\n", stderr);
                exit(EXIT_FAILURE);
        }
        random_hex(r, id, 64);
        has_declared = rng_chance(r, 0.97);
        s = &n->slots[n->n_slots++];
        *s = (Slot) {
                .has_declared = has_declared,
                .runtime = spec->k8s_namespace ? RUNTIME_CONTAINERD : RUNTIME_DOCKER,
                .runtime_namespace = xstrdup(spec->k8s_namespace ? "k8s.io" : "moby"),
                .k8s_namespace = spec->k8s_namespace ? xstrdup(spec->k8s_namespace) : NULL,
                .pod = spec->pod ? xstrdup(spec->pod) : NULL,
                .container = spec->container ? xstrdup(spec->container) : NULL,
                .image = xasprintf("registry.example/%s", spec->image),
                .sandbox = spec->sandbox,
                .weight = weight,
        };
        memcpy(s->id, id, sizeof id);

        slot_facts(s, &(CapSets) {}, &f);
        rule = rule_for(n->policy, &f);
        restricted = rule && rule->has_capabilities && streq(rule->profile, "pss-restricted");

        if (spec->privileged) {
                s->uid = 0;
                s->no_new_privs = 0;
                s->seccomp = 0;
        } else if (restricted || spec->sandbox) {
                s->uid = spec->sandbox ? 65535 : rng_chance(r, 0.5) ? 65532 : 1000;
                s->no_new_privs = 1;
                s->seccomp = 2;
        } else {
                static const uint32_t users[] = { 1000, 101, 999, 65532 };

                s->uid = rng_chance(r, 0.6) ? 0 : users[rng_below(r, ELEMENTSOF(users))];
                s->no_new_privs = rng_chance(r, 0.4);
                s->seccomp = rng_chance(r, 0.7) ? 2 : 0;
        }
        if (spec->violates_privileged && !restricted)
                s->uid = 0; /* privileged containers are root's, except where non-root is the rule */

        allowed = rule && rule->has_capabilities ? policy_rule_allowed(rule) : NODE_BOUNDING;
        if (spec->privileged)
                base = NODE_BOUNDING;
        else if (restricted)
                base = rng_chance(r, 0.5) ? caps_parse("NET_BIND_SERVICE") : 0; /* drop: [ALL] */
        else
                base = (n->docker_default | caps_parse(spec->extra)) & allowed;
        sets_for(&s->ok, base, s->uid);

        if (rule && !rule->allow && !spec->sandbox) {
                uint64_t add = spec->add ? caps_parse(spec->add) & ~allowed : draw_additions(r, allowed);

                if (spec->violates_privileged)
                        sets_for(&s->bad, NODE_BOUNDING, s->uid);
                else
                        sets_for(&s->bad, base | add, s->uid);
                /* a third rarely violates, half now and then, the rest most of the time:
                 * scaled to VIOLATION_FRACTION overall once every slot is there */
                s->p_violation = rng_chance(r, 0.3) ? 0.02 : rng_chance(r, 0.65) ? 0.3 : 0.8;
        } else
                s->bad = s->ok;

        slot_facts(s, &s->ok, &f);
        if (policy_evaluate(n->policy, &f, NODE_BOUNDING, &s->v_ok) < 0)
                goto oom;
        slot_facts(s, &s->bad, &f);
        if (policy_evaluate(n->policy, &f, NODE_BOUNDING, &s->v_bad) < 0)
                goto oom;
        if (s->v_ok.violation) {
                fprintf(stderr, "fill-history: internal error: the compliant facts of %s/%s violate: %s\n",
                        strna(s->pod), strna(s->container), s->v_ok.reasons[0]);
                exit(EXIT_FAILURE);
        }
        if (!s->v_bad.violation)
                s->p_violation = 0;
        return;

oom:
        fputs("fill-history: out of memory\n", stderr);
        exit(EXIT_FAILURE);
}

/* A pod on this node: its sandbox, its container and its sidecars. */
static void pod_add(Node *n, const char *ns, const char *app, const char *image, PodKind kind, unsigned replica,
                    double weight, bool mesh, const SlotSpec *main) {
        _cleanup_free_ char *pod = pod_name(&n->rng, app, kind, replica);
        SlotSpec spec;

        /* a sandbox lives as long as its pod: containers restart within it */
        slot_add(n, &(SlotSpec) { .k8s_namespace = ns, .pod = pod, .image = "k8s/pause:3.9", .sandbox = true },
                 weight * 0.25);

        spec = *main;
        spec.k8s_namespace = ns;
        spec.pod = pod;
        spec.container = app;
        spec.image = image;
        slot_add(n, &spec, weight);

        if (mesh)
                slot_add(n, &(SlotSpec) { .k8s_namespace = ns, .pod = pod, .container = "istio-proxy",
                                          .image = "istio/proxyv2:1.21.2", .add = "NET_ADMIN NET_RAW" },
                         weight * 0.8);
        if (rng_chance(&n->rng, 0.1))
                slot_add(n, &(SlotSpec) { .k8s_namespace = ns, .pod = pod, .container = "log-shipper",
                                          .image = "logging/fluent-bit:3.0.4" },
                         weight * 0.5);
}

static void node_build(Node *n) {
        Rng *r = &n->rng;
        double total = 0, expected = 0;
        bool check_has_cap = false;

        n->slots = calloc(SLOTS_MAX, sizeof *n->slots);
        n->cumulative = calloc(SLOTS_MAX, sizeof *n->cumulative);
        if (!n->slots || !n->cumulative) {
                fputs("fill-history: out of memory\n", stderr);
                exit(EXIT_FAILURE);
        }

        for (size_t i = 0; i < ELEMENTSOF(system_apps); i++) {
                double w = 0;
                unsigned n_apps = 0;

                /* the namespace's weight, shared among its apps */
                for (size_t j = 0; j < ELEMENTSOF(namespaces); j++)
                        if (streq(namespaces[j].name, system_apps[i].k8s_namespace))
                                w = namespaces[j].weight;
                for (size_t j = 0; j < ELEMENTSOF(system_apps); j++)
                        n_apps += streq(system_apps[j].k8s_namespace, system_apps[i].k8s_namespace);
                w /= n_apps;
                pod_add(n, system_apps[i].k8s_namespace, system_apps[i].name, system_apps[i].image,
                        system_apps[i].kind, 0, w * (0.4 + rng_unit(r) * 1.2), false,
                        &(SlotSpec) { .privileged = system_apps[i].privileged, .extra = system_apps[i].extra,
                                      .add = system_apps[i].add });
        }

        for (size_t i = 0; i < ELEMENTSOF(namespaces); i++) {
                bool has_system = false;
                unsigned n_apps;

                for (size_t j = 0; j < ELEMENTSOF(system_apps); j++)
                        has_system = has_system || streq(system_apps[j].k8s_namespace, namespaces[i].name);
                if (has_system)
                        continue;

                n_apps = 2 + (unsigned) rng_below(r, 3);
                for (unsigned a = 0; a < n_apps; a++) {
                        const char *app = rng_pick(r, app_names, ELEMENTSOF(app_names));
                        unsigned major = (unsigned) rng_below(r, 4), minor = (unsigned) rng_below(r, 20),
                                 patch = (unsigned) rng_below(r, 10);
                        _cleanup_free_ char *image = xasprintf("%s/%s:%u.%u.%u", namespaces[i].name, app,
                                                               major, minor, patch);
                        bool statefulset = rng_chance(r, 0.1);
                        unsigned replicas = statefulset ? 1 : 1 + rng_chance(r, 0.3);
                        SlotSpec main = { .violates_privileged = rng_chance(r, 0.04) };

                        /* the checked namespace holds CHECK_CAP somewhere */
                        if (streq(namespaces[i].name, CHECK_NAMESPACE) && !check_has_cap) {
                                main.add = CHECK_CAP;
                                check_has_cap = true;
                        }
                        for (unsigned k = 0; k < replicas; k++)
                                pod_add(n, namespaces[i].name, app, image,
                                        statefulset ? POD_STATEFULSET : POD_DEPLOYMENT, k,
                                        namespaces[i].weight * (0.4 + rng_unit(r) * 1.2) / n_apps,
                                        namespaces[i].mesh, &main);
                }
        }

        for (size_t i = 0; i < ELEMENTSOF(docker_apps); i++)
                slot_add(n, &(SlotSpec) { .container = docker_apps[i].name, .image = docker_apps[i].image,
                                          .violates_privileged = docker_apps[i].privileged },
                         0.6 * (0.4 + rng_unit(r) * 1.2));

        /* Scale the slots' odds so that violations come out at VIOLATION_FRACTION of all
         * verdicts (unknown ones take their share from every kind); again, for what the
         * ceiling cut off. */
        for (size_t i = 0; i < n->n_slots; i++)
                total += n->slots[i].weight;
        for (unsigned round = 0; round < 8; round++) {
                expected = 0;
                for (size_t i = 0; i < n->n_slots; i++)
                        expected += n->slots[i].weight * n->slots[i].p_violation;
                for (size_t i = 0; i < n->n_slots; i++) {
                        Slot *s = &n->slots[i];

                        s->p_violation *= VIOLATION_FRACTION / (1 - UNKNOWN_FRACTION) * total / expected;
                        if (s->p_violation > 0.97)
                                s->p_violation = 0.97;
                }
        }
        total = 0;
        for (size_t i = 0; i < n->n_slots; i++)
                n->cumulative[i] = total += n->slots[i].weight;
}

static void node_done(Node *n) {
        for (size_t i = 0; i < n->n_slots; i++) {
                Slot *s = &n->slots[i];

                free(s->runtime_namespace);
                free(s->k8s_namespace);
                free(s->pod);
                free(s->container);
                free(s->image);
                verdict_done(&s->v_ok);
                verdict_done(&s->v_bad);
        }
        free(n->slots);
        free(n->cumulative);
        *n = (Node) {};
}

static Slot *slot_pick(Node *n) {
        double x = rng_unit(&n->rng) * n->cumulative[n->n_slots - 1];
        size_t lo = 0, hi = n->n_slots - 1;

        while (lo < hi) {
                size_t mid = (lo + hi) / 2;

                if (n->cumulative[mid] > x)
                        hi = mid;
                else
                        lo = mid + 1;
        }
        return &n->slots[lo];
}

/* ---- writing ---- */

typedef struct Item {
        Event e;          /* its strings are the slot's or the policy's, or the buffers below */
        char *reasons[2];
        char reason[256], detail[96];
} Item;

typedef struct Exit {
        const Slot *slot;
        uint64_t pid_start;
        int64_t usec;
} Exit;

typedef struct Counts {
        uint64_t events, verdict[_EVENT_VERDICT_MAX], action[_EVENT_ACTION_MAX], incarnations, rejudged;
        uint64_t check;
        bool *used;
} Counts;

typedef struct Writer {
        Store *store;
        sqlite3 *db;          /* the same file, for the exit times: see exits_flush() */
        sqlite3_stmt *exited;
        FILE *export;
        Item *items;
        Event **events;
        size_t n_items;
        Exit *exits;
        size_t n_exits, size_exits;
        const Node *node;
        unsigned policy_version;
} Writer;

static int export_field(FILE *f, const char *field, size_t len) {
        const char *eq = memchr(field, '=', len);

        if (!eq)
                return -EINVAL;
        if (!memchr(field, '\n', len)) {
                fwrite(field, 1, len, f);
                fputc('\n', f);
        } else {
                /* the binary form: KEY, newline, little-endian 64-bit length, value, newline */
                uint64_t size = htole64((uint64_t) (len - (size_t) (eq - field) - 1));

                fwrite(field, 1, (size_t) (eq - field), f);
                fputc('\n', f);
                fwrite(&size, sizeof size, 1, f);
                fwrite(eq + 1, 1, len - (size_t) (eq - field) - 1, f);
                fputc('\n', f);
        }
        return 0;
}

/* capguardd's entry for e, with what journald adds to what it sends. */
static int export_entry(const Writer *w, const Event *e, unsigned boot) {
        _cleanup_(journal_fields_done) JournalFields fields = {};
        const Node *n = w->node;
        FILE *f = w->export;
        int r;

        r = journal_event_build(e, &fields);
        if (r < 0)
                return r;

        fprintf(f, "__REALTIME_TIMESTAMP=%" PRIi64 "\n__MONOTONIC_TIMESTAMP=%" PRIi64 "\n_BOOT_ID=%s\n",
                e->time_usec, e->time_usec - n->boot_usec[boot], n->boot_id[boot]);
        for (size_t i = 0; i < fields.n; i++) {
                r = export_field(f, fields.iov[i].iov_base, fields.iov[i].iov_len);
                if (r < 0)
                        return r;
        }
        fprintf(f,
                "_TRANSPORT=journal\n_PID=%d\n_UID=0\n_GID=0\n_COMM=capguardd\n_EXE=/usr/sbin/capguardd\n"
                "_CMDLINE=/usr/sbin/capguardd\n_CAP_EFFECTIVE=80020\n_SELINUX_CONTEXT=unconfined\n"
                "_SYSTEMD_CGROUP=/system.slice/capguard.service\n_SYSTEMD_UNIT=capguard.service\n"
                "_SYSTEMD_SLICE=system.slice\n_MACHINE_ID=%s\n_HOSTNAME=worker-07\n\n",
                boot == 0 ? 1187 : 1043, n->machine_id);
        return ferror(f) ? -EIO : 0;
}

/* Exit times go in with a statement of our own, one transaction a batch: the store has
 * store_container_exited(), but one commit each would make the fill ten times slower. */
static int exits_flush(Writer *w) {
        int r;

        if (w->n_exits == 0)
                return 0;
        r = sqlite3_exec(w->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        for (size_t i = 0; i < w->n_exits && r == SQLITE_OK; i++) {
                const Exit *x = &w->exits[i];

                sqlite3_reset(w->exited);
                if (sqlite3_bind_text(w->exited, 1, runtime_to_string(x->slot->runtime), -1, SQLITE_STATIC) != SQLITE_OK ||
                    sqlite3_bind_text(w->exited, 2, x->slot->runtime_namespace, -1, SQLITE_STATIC) != SQLITE_OK ||
                    sqlite3_bind_text(w->exited, 3, x->slot->id, -1, SQLITE_STATIC) != SQLITE_OK ||
                    sqlite3_bind_int64(w->exited, 4, (int64_t) x->pid_start) != SQLITE_OK ||
                    sqlite3_bind_int64(w->exited, 5, x->usec) != SQLITE_OK)
                        r = SQLITE_ERROR;
                else
                        r = sqlite3_step(w->exited) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
        }
        if (r == SQLITE_OK)
                r = sqlite3_exec(w->db, "COMMIT", NULL, NULL, NULL);
        if (r != SQLITE_OK) {
                fprintf(stderr, "fill-history: cannot record exits: %s\n", sqlite3_errmsg(w->db));
                return -EIO;
        }
        w->n_exits = 0;
        return 0;
}

static int writer_flush(Writer *w) {
        int r;

        if (w->n_items == 0)
                return exits_flush(w);
        for (size_t i = 0; i < w->n_items; i++)
                w->events[i] = &w->items[i].e;
        r = store_events_add(w->store, w->events, w->n_items);
        if (r < 0) {
                fprintf(stderr, "fill-history: cannot write events: %s (%s)\n", strerror(-r), store_errmsg(w->store));
                return r;
        }
        w->n_items = 0;
        return exits_flush(w);
}

static void exit_add(Writer *w, const Slot *s, int64_t usec) {
        if (w->n_exits == w->size_exits) {
                size_t size = w->size_exits ? w->size_exits * 2 : 1024;
                Exit *l = reallocarray(w->exits, size, sizeof *l);

                if (!l) {
                        fputs("fill-history: out of memory\n", stderr);
                        exit(EXIT_FAILURE);
                }
                w->exits = l;
                w->size_exits = size;
        }
        w->exits[w->n_exits++] = (Exit) { .slot = s, .pid_start = s->pid_start, .usec = usec };
}

/* What capguardd does about a verdict (judge.c, enforce()). */
static EventAction enforce(Node *n, const Verdict *v, int64_t t, int64_t dry_run_until, Item *it) {
        if (!v->violation)
                return EVENT_ACTION_NONE;
        if (v->action != POLICY_ACTION_KILL)
                return EVENT_ACTION_AUDIT;
        if (t < dry_run_until)
                return EVENT_ACTION_WOULD_KILL;
        if (rng_chance(&n->rng, KILL_FAIL_FRACTION)) {
                (void) snprintf(it->detail, sizeof it->detail, "SIGKILL to pid %d failed: %s", (int) it->e.pid,
                                strerror(rng_chance(&n->rng, 0.7) ? EPERM : ESRCH));
                it->e.action_detail = it->detail;
                return EVENT_ACTION_KILL_FAILED;
        }
        return EVENT_ACTION_KILLED;
}

/* The daemon's words for a container it could not judge (judge.c, record_unknown()). */
static void unknown_reason(Node *n, const Slot *s, char *buf, size_t size) {
        unsigned x = (unsigned) rng_below(&n->rng, 100);

        if (x < 40)
                (void) snprintf(buf, size, "its init (pid %d) exited before it could be judged", (int) s->pid);
        else if (x < 65)
                (void) snprintf(buf, size, "its init (pid %d) exited before its final sets could be read", (int) s->pid);
        else if (x < 80)
                (void) snprintf(buf, size, "its runtime state %s/%s/%s/state.json could not be read: %s",
                                s->runtime == RUNTIME_DOCKER ? "/run/docker/runtime-runc" : "/run/containerd/runc",
                                s->runtime_namespace, s->id, strerror(EBADMSG));
        else if (x < 90)
                (void) snprintf(buf, size,
                                "pid %d is not its init: the process started at another time than runc recorded",
                                (int) s->pid);
        else
                (void) snprintf(buf, size, "its init (pid %d) did not reach the container's sets within 10 s",
                                (int) s->pid);
}

typedef struct Span {
        int64_t start, end, dry_run_until, check_since;
} Span;

/* One verdict on s at t: a new incarnation unless rejudge. */
static int emit(Writer *w, Node *n, Slot *s, int64_t t, bool rejudge, const Span *span, Counts *c) {
        Item *it = &w->items[w->n_items++];
        const Verdict *v;
        bool unknown = false;
        uint64_t held;
        int r;

        if (!rejudge) {
                int64_t started = t - rng_between(&n->rng, 2000, 150000); /* runc start to verdict */
                uint64_t ticks;

                if (s->started && started <= s->last_usec)
                        started = s->last_usec + (t - s->last_usec) / 2;
                ticks = (uint64_t) ((started - n->boot_usec[n->boot]) / (USEC_PER_SEC / TICKS_PER_SEC));
                if (s->live) {
                        /* the last one exited a moment before this one started */
                        int64_t exited = started - rng_between(&n->rng, 200000, 5000000);

                        if (exited < s->last_usec)
                                exited = s->last_usec + (started - s->last_usec) / 2;
                        exit_add(w, s, exited);
                }
                if (s->started && s->boot == n->boot && ticks <= s->pid_start)
                        ticks = s->pid_start + 1;
                s->pid = n->next_pid;
                n->next_pid += (pid_t) rng_between(&n->rng, 1, 60);
                if (n->next_pid >= PID_MAX)
                        n->next_pid = 300 + n->next_pid % PID_MAX;
                s->pid_start = ticks;
                s->boot = n->boot;
                s->started = s->live = true;
                s->violating = rng_chance(&n->rng, s->p_violation);
                unknown = rng_chance(&n->rng, UNKNOWN_FRACTION);
                c->incarnations++;
        } else
                c->rejudged++;

        it->e = (Event) {
                .time_usec = t,
                .container_id = s->id,
                .runtime = s->runtime,
                .runtime_namespace = s->runtime_namespace,
                .pid = s->pid,
                .pid_start = s->pid_start,
                .policy_version = w->policy_version,
                .no_new_privs = -1,
                .seccomp = -1,
        };
        _Static_assert(sizeof it->e.boot_id == sizeof n->boot_id[0], "a boot id as journald writes it");
        memcpy(it->e.boot_id, n->boot_id[s->boot], sizeof it->e.boot_id);

        if (unknown) {
                /* no metadata, no facts: the daemon could not read them */
                unknown_reason(n, s, it->reason, sizeof it->reason);
                it->reasons[0] = it->reason;
                it->reasons[1] = NULL;
                it->e.reasons = it->reasons;
                it->e.verdict = EVENT_VERDICT_UNKNOWN;
                it->e.action = EVENT_ACTION_NONE;
                s->live = false;
                exit_add(w, s, t);
        } else {
                v = s->violating ? &s->v_bad : &s->v_ok;
                it->e.k8s_namespace = s->k8s_namespace;
                it->e.pod = s->pod;
                it->e.container = s->container;
                it->e.image = s->image;
                it->e.sandbox = s->sandbox;
                it->e.has_declared = s->has_declared;
                if (s->has_declared) {
                        /* the config declares the list for every set but ambient; the kernel
                         * empties permitted and effective at a non-root exec */
                        uint64_t d = (s->violating ? s->bad : s->ok).mask[CAP_SET_BOUNDING];

                        it->e.declared.mask[CAP_SET_BOUNDING] = it->e.declared.mask[CAP_SET_PERMITTED] =
                                it->e.declared.mask[CAP_SET_EFFECTIVE] = d;
                }
                it->e.uid = s->uid;
                it->e.caps = s->violating ? s->bad : s->ok;
                it->e.no_new_privs = s->no_new_privs;
                it->e.seccomp = s->seccomp;
                it->e.verdict = v->violation ? EVENT_VERDICT_VIOLATION : EVENT_VERDICT_OK;
                it->e.rule = v->rule ? v->rule->name : NULL;
                memcpy(it->e.excess, v->excess, sizeof it->e.excess);
                it->e.reasons = v->reasons;
                it->e.action = enforce(n, v, t, span->dry_run_until, it);
                if (it->e.action == EVENT_ACTION_KILLED) {
                        s->live = false;
                        exit_add(w, s, t + rng_between(&n->rng, 2000, 20000));
                }
        }

        s->last_usec = t;
        c->events++;
        c->verdict[it->e.verdict]++;
        c->action[it->e.action]++;
        c->used[s - n->slots] = true;
        held = event_excess_any(&it->e);
        for (CapSet k = 0; k < _CAP_SET_MAX; k++)
                held |= it->e.caps.mask[k];
        if (it->e.verdict == EVENT_VERDICT_VIOLATION && t >= span->check_since && it->e.k8s_namespace &&
            streq(it->e.k8s_namespace, CHECK_NAMESPACE) && (held & caps_parse(CHECK_CAP)))
                c->check++;

        if (w->export) {
                r = export_entry(w, &it->e, n->boot);
                if (r < 0) {
                        fprintf(stderr, "fill-history: cannot write the journal export: %s\n", strerror(-r));
                        return r;
                }
        }
        return w->n_items == BATCH ? writer_flush(w) : 0;
}

static int policy_revise(Writer *w, unsigned revision, int64_t t) {
        _cleanup_free_ char *yaml = xasprintf(POLICY, revision);
        bool created;
        int r;

        r = writer_flush(w);
        if (r < 0)
                return r;
        r = store_policy_add(w->store, yaml, strlen(yaml), "/etc/capguard/policy.yaml", t, &w->policy_version,
                             &created);
        if (r < 0)
                fprintf(stderr, "fill-history: cannot store the policy: %s\n", strerror(-r));
        return r;
}

static int cmp_i64(const void *a, const void *b) {
        int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;

        return x < y ? -1 : x > y;
}

static int fill(Writer *w, Node *n, uint64_t total, const Span *span, Counts *c) {
        int64_t reloads[POLICY_REVISIONS], reboot;
        size_t next_reload = 0;
        double x = (double) span->start;
        int r;

        for (size_t i = 0; i < POLICY_REVISIONS; i++)
                reloads[i] = span->start + (int64_t) ((0.05 + 0.9 * rng_unit(&n->rng)) * (double) (span->end - span->start));
        qsort(reloads, POLICY_REVISIONS, sizeof reloads[0], cmp_i64);
        reboot = span->start + (int64_t) ((0.35 + 0.15 * rng_unit(&n->rng)) * (double) (span->end - span->start));
        n->boot_usec[0] = span->start - rng_between(&n->rng, 1, 3) * USEC_PER_DAY;
        n->boot_usec[0] -= rng_between(&n->rng, 0, USEC_PER_DAY);
        n->boot_usec[1] = reboot + 45 * USEC_PER_SEC;
        n->next_pid = 1500;

        r = policy_revise(w, 1, span->start - 3 * USEC_PER_DAY);
        if (r < 0)
                return r;

        while (c->events < total) {
                /* The earliest of the k verdicts left, each uniform over [x, end): the
                 * order statistics, drawn in order without sorting N numbers. */
                uint64_t k = total - c->events;
                double u = rng_unit(&n->rng);
                int64_t t = (int64_t) (x + ((double) span->end - x) * -expm1(log1p(-u) / (double) k));

                if (t >= span->end)
                        t = span->end - 1;

                /* whichever of the reboot and the next revision came first */
                if (n->boot == 0 && t >= reboot &&
                    (next_reload == POLICY_REVISIONS || reboot <= reloads[next_reload])) {
                        for (size_t i = 0; i < n->n_slots; i++)
                                if (n->slots[i].live) {
                                        exit_add(w, &n->slots[i], reboot);
                                        n->slots[i].live = false;
                                }
                        n->boot = 1;
                        n->next_pid = 1500;
                        /* nothing starts before the node is up again and the kubelet with it */
                        x = (double) (n->boot_usec[1] + 20 * USEC_PER_SEC);
                        continue;
                }

                if (next_reload < POLICY_REVISIONS && t >= reloads[next_reload]) {
                        /* the daemon re-judges every live container under the new version */
                        int64_t at = reloads[next_reload];

                        r = policy_revise(w, (unsigned) next_reload + 2, at);
                        if (r < 0)
                                return r;
                        for (size_t i = 0; i < n->n_slots && c->events < total; i++)
                                if (n->slots[i].live) {
                                        at += rng_between(&n->rng, 50, 400);
                                        r = emit(w, n, &n->slots[i], at, true, span, c);
                                        if (r < 0)
                                                return r;
                                }
                        next_reload++;
                        if ((double) at > x)
                                x = (double) at;
                        continue; /* t was drawn for more verdicts than are left */
                }

                x = (double) t;
                r = emit(w, n, slot_pick(n), t, false, span, c);
                if (r < 0)
                        return r;
        }
        return writer_flush(w);
}

static int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *ret) {
        char *end;
        unsigned long long v;

        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno != 0 || end == s || *end || *s == '-' || v < min || v > max)
                return -EINVAL;
        *ret = v;
        return 0;
}

static void help(void) {
        printf("Usage: fill-history --db PATH --events N [--seed S] [--days D] [--end T] [--journal-export FILE]\n\n"
               "Fills a new capguard database with N synthetic verdicts of a Kubernetes node, spread\n"
               "over the D days (default 30) before T (default now; as capctl --until takes it).\n"
               "--journal-export writes them as capguardd's journal entries too, in the Journal Export\n"
               "Format (\"-\" for stdout), for systemd-journal-remote --output=X.journal FILE.\n");
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "db", required_argument, NULL, 'd' },
                { "events", required_argument, NULL, 'n' },
                { "seed", required_argument, NULL, 's' },
                { "days", required_argument, NULL, 'D' },
                { "end", required_argument, NULL, 'e' },
                { "journal-export", required_argument, NULL, 'j' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        const char *db_path = NULL, *export_path = NULL;
        uint64_t total = 0, seed = 1, days = 30, t0;
        int64_t now = (int64_t) now_usec(CLOCK_REALTIME), end = now;
        _cleanup_store_ Store *store = NULL;
        _cleanup_fclose_ FILE *export_file = NULL;
        _cleanup_(policy_freep) Policy *policy = NULL;
        _cleanup_free_ char *yaml = NULL;
        PolicyError perr = {};
        _cleanup_(node_done) Node node = {};
        _cleanup_free_ Item *items = NULL;
        _cleanup_free_ Event **events = NULL;
        _cleanup_free_ bool *used_slots = NULL;
        Writer w = {};
        Counts c = {};
        Span span;
        char from[EVENT_TIME_MAX], to[EVENT_TIME_MAX], since[EVENT_TIME_MAX];
        double secs;
        size_t used = 0, used_ns = 0;
        int opt, r;

        while ((opt = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (opt) {
                case 'd':
                        db_path = optarg;
                        break;
                case 'n':
                        if (parse_u64(optarg, 1, UINT64_C(1) << 40, &total) < 0) {
                                fprintf(stderr, "fill-history: invalid --events '%s'\n", optarg);
                                return EXIT_FAILURE;
                        }
                        break;
                case 's':
                        if (parse_u64(optarg, 0, UINT64_MAX, &seed) < 0) {
                                fprintf(stderr, "fill-history: invalid --seed '%s'\n", optarg);
                                return EXIT_FAILURE;
                        }
                        break;
                case 'D':
                        if (parse_u64(optarg, 1, 3650, &days) < 0) {
                                fprintf(stderr, "fill-history: invalid --days '%s': 1 to 3650\n", optarg);
                                return EXIT_FAILURE;
                        }
                        break;
                case 'e':
                        if (parse_timestamp(optarg, now, &end) < 0) {
                                fprintf(stderr, "fill-history: invalid --end '%s'\n", optarg);
                                return EXIT_FAILURE;
                        }
                        break;
                case 'j':
                        export_path = optarg;
                        break;
                case 'h':
                        help();
                        return EXIT_SUCCESS;
                default:
                        return EXIT_FAILURE;
                }
        if (!db_path || total == 0 || optind < argc) {
                help();
                return EXIT_FAILURE;
        }
        /* a history is written in time order, from the start: not after another one */
        if (access(db_path, F_OK) >= 0) {
                fprintf(stderr, "fill-history: %s exists; remove it first\n", db_path);
                return EXIT_FAILURE;
        }

        /* The heap's top grows and shrinks by a few hundred KiB with each entry built: keep
         * it, or brk() and the page faults behind it take most of the time. */
        (void) mallopt(M_TRIM_THRESHOLD, 256 << 20);
        (void) mallopt(M_TOP_PAD, 16 << 20);

        span = (Span) { .start = end - (int64_t) days * USEC_PER_DAY, .end = end };
        span.dry_run_until = span.start + (int64_t) (DRY_RUN_FRACTION * (double) (span.end - span.start));
        span.check_since = end - USEC_PER_DAY;

        yaml = xasprintf(POLICY, 1u);
        r = policy_parse(yaml, strlen(yaml), &policy, &perr);
        if (r < 0) {
                fprintf(stderr, "fill-history: internal error: policy:%u:%u: %s\n", perr.line, perr.column, perr.message);
                return EXIT_FAILURE;
        }

        node.rng.state = seed;
        node.policy = policy;
        if (cap_profile_mask("docker-default", &node.docker_default) < 0)
                return EXIT_FAILURE;
        random_hex(&node.rng, node.machine_id, 32);
        random_hex(&node.rng, node.boot_id[0], 32);
        random_hex(&node.rng, node.boot_id[1], 32);
        node_build(&node);

        /* The indexes of a million rows outgrow SQLite's page cache: read them through the
         * file's mapping rather than a pread() for every page. Before the first open. */
        (void) sqlite3_config(SQLITE_CONFIG_MMAP_SIZE, (sqlite3_int64) 4 << 30, (sqlite3_int64) 4 << 30);

        r = store_open(db_path, STORE_READ_WRITE, &store);
        if (r < 0) {
                fprintf(stderr, "fill-history: cannot open %s: %s\n", db_path, strerror(-r));
                return EXIT_FAILURE;
        }
        /* a checkpoint every 64 MiB of log rather than every 4: the same index pages are
         * rewritten batch after batch, and copied back once per checkpoint */
        r = store_set_autocheckpoint(store, 16384);
        if (r < 0)
                fprintf(stderr, "fill-history: cannot set the checkpoint interval, ignoring: %s\n", strerror(-r));
        if (sqlite3_open_v2(db_path, &w.db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
            sqlite3_prepare_v2(w.db,
                               "UPDATE containers SET exited = ?5 WHERE runtime = ?1 AND runtime_namespace = ?2 "
                               "AND container_id = ?3 AND pid_start = ?4 AND exited IS NULL",
                               -1, &w.exited, NULL) != SQLITE_OK) {
                fprintf(stderr, "fill-history: cannot open %s: %s\n", db_path, sqlite3_errmsg(w.db));
                return EXIT_FAILURE;
        }
        sqlite3_busy_timeout(w.db, 5000);

        if (export_path) {
                if (streq(export_path, "-"))
                        export_file = fdopen(dup(STDOUT_FILENO), "we");
                else
                        export_file = fopen(export_path, "wxe");
                if (!export_file) {
                        fprintf(stderr, "fill-history: cannot create %s: %m\n", export_path);
                        return EXIT_FAILURE;
                }
                (void) setvbuf(export_file, NULL, _IOFBF, 1 << 20);
        }

        w.store = store;
        w.export = export_file;
        w.node = &node;
        w.items = items = calloc(BATCH, sizeof *items);
        w.events = events = calloc(BATCH, sizeof *events);
        c.used = used_slots = calloc(node.n_slots, sizeof *used_slots);
        if (!items || !events || !used_slots) {
                fputs("fill-history: out of memory\n", stderr);
                return EXIT_FAILURE;
        }

        t0 = now_usec(CLOCK_MONOTONIC);
        r = fill(&w, &node, total, &span, &c);
        sqlite3_finalize(w.exited);
        sqlite3_close(w.db);
        free(w.exits);
        if (r < 0)
                return EXIT_FAILURE;
        if (export_file && fflush(export_file) != 0) {
                fprintf(stderr, "fill-history: cannot write %s: %m\n", export_path);
                return EXIT_FAILURE;
        }
        r = store_optimize(store);
        if (r < 0)
                fprintf(stderr, "fill-history: cannot optimise %s, ignoring: %s\n", db_path, strerror(-r));
        store = store_close(store);
        secs = (double) (now_usec(CLOCK_MONOTONIC) - t0) / 1e6;

        for (size_t i = 0; i < node.n_slots; i++)
                used += c.used[i];
        for (size_t j = 0; j < ELEMENTSOF(namespaces); j++)
                for (size_t i = 0; i < node.n_slots; i++)
                        if (c.used[i] && node.slots[i].k8s_namespace && streq(node.slots[i].k8s_namespace, namespaces[j].name)) {
                                used_ns++;
                                break;
                        }

        fprintf(stderr,
                "fill-history: %" PRIu64 " events from %s to %s in %.2f s (%.0f events/s)\n"
                "fill-history: verdicts: ok %" PRIu64 " (%.1f%%), violation %" PRIu64 " (%.1f%%), unknown %" PRIu64 " (%.1f%%)\n"
                "fill-history: actions: none %" PRIu64 ", audit %" PRIu64 ", would-kill %" PRIu64 ", killed %" PRIu64
                ", kill-failed %" PRIu64 "\n"
                "fill-history: %zu containers in %zu namespaces (and Docker's), %" PRIu64 " incarnations, %" PRIu64
                " re-judged under %d policy revisions\n"
                "fill-history: check: %" PRIu64 " violations in namespace " CHECK_NAMESPACE " hold CAP_" CHECK_CAP
                " since %s\n",
                c.events, event_format_time(span.start, from), event_format_time(span.end, to), secs,
                (double) c.events / secs,
                c.verdict[EVENT_VERDICT_OK], 100.0 * (double) c.verdict[EVENT_VERDICT_OK] / (double) c.events,
                c.verdict[EVENT_VERDICT_VIOLATION], 100.0 * (double) c.verdict[EVENT_VERDICT_VIOLATION] / (double) c.events,
                c.verdict[EVENT_VERDICT_UNKNOWN], 100.0 * (double) c.verdict[EVENT_VERDICT_UNKNOWN] / (double) c.events,
                c.action[EVENT_ACTION_NONE], c.action[EVENT_ACTION_AUDIT], c.action[EVENT_ACTION_WOULD_KILL],
                c.action[EVENT_ACTION_KILLED], c.action[EVENT_ACTION_KILL_FAILED],
                used, used_ns, c.incarnations, c.rejudged, POLICY_REVISIONS,
                c.check, event_format_time(span.check_since, since));
        return EXIT_SUCCESS;
}
