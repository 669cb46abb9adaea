/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fill-events --db PATH [--count N]: writes N known events into the database at PATH through
 * store_event_add(), as capguardd would, so that the cli tests read rows of the real schema.
 * Event i is of kind i % 4 (see make_event()), was taken (N - 1 - i) minutes after
 * FILL_EVENTS_BASE plus i * 1000 + 7 microseconds, and the events are written newest first:
 * capctl must order them by time, not by insertion. Test-only; not installed. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capguard/store.h"

#define FILL_EVENTS_BASE INT64_C(1764331200000000) /* 2025-11-28T12:00:00Z */
/* kind 0 ran in this boot; the others were recorded before boot ids were */
#define FILL_EVENTS_BOOT_ID "b007b007b007b007b007b007b007b007"

#define CAP(n) (UINT64_C(1) << (n))
#define CHOWN 0
#define NET_RAW 13
#define NET_ADMIN 12
#define SYS_ADMIN 21

static int xstrdup(const char *s, char **ret) {
        if (!s) {
                *ret = NULL;
                return 0;
        }
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

static int set_reasons(Event *e, const char *a, const char *b) {
        e->reasons = calloc(3, sizeof *e->reasons);
        if (!e->reasons)
                return -ENOMEM;
        if (xstrdup(a, &e->reasons[0]) < 0 || (a && xstrdup(b, &e->reasons[1]) < 0))
                return -ENOMEM;
        return 0;
}

static int set_names(Event *e, const char *ns, const char *k8s_ns, const char *pod, const char *container,
                     const char *image) {
        if (xstrdup(ns, &e->runtime_namespace) < 0 || xstrdup(k8s_ns, &e->k8s_namespace) < 0 ||
            xstrdup(pod, &e->pod) < 0 || xstrdup(container, &e->container) < 0 || xstrdup(image, &e->image) < 0)
                return -ENOMEM;
        return 0;
}

/* 0: a Kubernetes container over its rule, the kill failed; 1: a compliant Docker one;
 * 2: one whose facts could not be read; 3: a runc one killed, its pod name carrying a
 * terminal escape that the table must not pass through. */
static int make_event(unsigned i, unsigned n, Event *e) {
        char id[65], prefix[9];

        /* a 64-hex-digit id, as Docker and containerd make them: "00c0ffeeaaaa..." */
        memset(id, 'a', sizeof id - 1);
        id[sizeof id - 1] = '\0';
        (void) snprintf(prefix, sizeof prefix, "%02uc0ffee", i % 100);
        memcpy(id, prefix, strlen(prefix));

        *e = (Event) {
                .time_usec = FILL_EVENTS_BASE + (int64_t) (n - 1 - i) * 60 * 1000000 + i * 1000 + 7,
                .pid = (pid_t) (1000 + i),
                .pid_start = 5000 + i,
                .no_new_privs = -1,
                .seccomp = -1,
        };
        if (xstrdup(id, &e->container_id) < 0)
                return -ENOMEM;

        switch (i % 4) {
        case 0:
                e->runtime = RUNTIME_CONTAINERD;
                memcpy(e->boot_id, FILL_EVENTS_BOOT_ID, sizeof e->boot_id);
                e->caps.mask[CAP_SET_EFFECTIVE] = e->caps.mask[CAP_SET_PERMITTED] = CAP(SYS_ADMIN) | CAP(NET_RAW);
                e->caps.mask[CAP_SET_BOUNDING] = CAP(63) | CAP(SYS_ADMIN) | CAP(NET_RAW) | CAP(CHOWN);
                e->no_new_privs = 0;
                e->seccomp = 0;
                e->verdict = EVENT_VERDICT_VIOLATION;
                e->policy_version = 3;
                e->excess[CAP_SET_EFFECTIVE] = CAP(SYS_ADMIN) | CAP(NET_RAW);
                e->excess[CAP_SET_BOUNDING] = CAP(63) | CAP(SYS_ADMIN);
                e->action = EVENT_ACTION_KILL_FAILED;
                if (set_names(e, "k8s.io", "payments", "api-7d9f", "api", "registry.example/api:1.2") < 0 ||
                    xstrdup("no-sys-admin", &e->rule) < 0 ||
                    xstrdup("pidfd_send_signal: Operation not permitted", &e->action_detail) < 0 ||
                    set_reasons(e, "holds \"CAP_SYS_ADMIN\" in 'effective'", "C:\\path {}[], ∌") < 0)
                        return -ENOMEM;
                break;
        case 1:
                e->runtime = RUNTIME_DOCKER;
                e->uid = 101;
                e->caps.mask[CAP_SET_BOUNDING] = UINT64_C(0xa80425fb);
                e->no_new_privs = 1;
                e->seccomp = 2;
                e->verdict = EVENT_VERDICT_OK;
                e->policy_version = 3;
                e->action = EVENT_ACTION_NONE;
                if (set_names(e, "moby", NULL, NULL, "web", "nginx:1.27") < 0 || xstrdup("default", &e->rule) < 0)
                        return -ENOMEM;
                break;
        case 2:
                e->runtime = _RUNTIME_INVALID;
                e->verdict = EVENT_VERDICT_UNKNOWN;
                e->action = EVENT_ACTION_AUDIT;
                if (set_reasons(e, "state.json is truncated", NULL) < 0)
                        return -ENOMEM;
                break;
        case 3:
                e->runtime = RUNTIME_RUNC;
                e->uid = 1000;
                e->sandbox = true;
                e->caps.mask[CAP_SET_AMBIENT] = e->caps.mask[CAP_SET_INHERITABLE] = CAP(NET_ADMIN);
                e->no_new_privs = 1;
                e->seccomp = 2;
                e->verdict = EVENT_VERDICT_VIOLATION;
                e->policy_version = 3;
                e->excess[CAP_SET_AMBIENT] = CAP(NET_ADMIN);
                e->action = EVENT_ACTION_KILLED;
                if (set_names(e, NULL, "kube-system", "evil\033[2Jpod", "x", NULL) < 0 ||
                    xstrdup("restricted", &e->rule) < 0 ||
                    set_reasons(e, "holds CAP_NET_ADMIN in 'ambient'", NULL) < 0)
                        return -ENOMEM;
                break;
        }
        return 0;
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "db", required_argument, NULL, 'd' },
                { "count", required_argument, NULL, 'n' },
                {},
        };
        _cleanup_store_ Store *s = NULL;
        const char *db = NULL;
        unsigned n = 6;
        int c, r;

        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (c) {
                case 'd':
                        db = optarg;
                        break;
                case 'n':
                        n = (unsigned) strtoul(optarg, NULL, 10);
                        break;
                default:
                        return EXIT_FAILURE;
                }
        if (!db || optind < argc) {
                fprintf(stderr, "Usage: fill-events --db PATH [--count N]\n");
                return EXIT_FAILURE;
        }

        r = store_open(db, STORE_READ_WRITE, &s);
        if (r < 0) {
                fprintf(stderr, "fill-events: cannot open %s: %s\n", db, strerror(-r));
                return EXIT_FAILURE;
        }

        for (unsigned i = 0; i < n; i++) {
                _cleanup_(event_done) Event e = {};

                r = make_event(i, n, &e);
                if (r >= 0)
                        r = store_event_add(s, &e, NULL);
                if (r < 0) {
                        fprintf(stderr, "fill-events: event %u: %s (%s)\n", i, strerror(-r), store_errmsg(s));
                        return EXIT_FAILURE;
                }
        }
        return EXIT_SUCCESS;
}
