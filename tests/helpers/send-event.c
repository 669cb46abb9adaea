/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* send-event: journals one Event built from the command line, as capguardd does with a verdict,
 * so tests can put any bytes into its strings (they skip the cleaning capguardd's parsers do).
 * Not a test itself: tests/integration/test-journal.sh runs it (SEND_EVENT), and
 * tests/cli/test-explain.sh, with --db, to record events as capguardd does.
 *
 *   send-event [--container-id ID] [--runtime R] [--runtime-namespace NS] [--k8s-namespace NS]
 *              [--pod P] [--container C] [--image I] [--sandbox] [--pid PID] [--pid-start N]
 *              [--uid UID] [--cap SET=HEX]... [--declared SET=HEX]... [--excess SET=HEX]...
 *              [--no-new-privs 0|1] [--seccomp N] [--verdict V] [--rule R] [--policy-version N]
 *              [--reason TEXT]... [--action A] [--action-detail TEXT] [--time USEC]
 *              [--print-line | --print-fields | --db PATH | --fill]
 *
 * SET is inh, prm, eff, bnd or amb; a --declared set says the OCI config was read (the sets
 * not given are then empty). --db records the event in the database at PATH through
 * store_event_add() instead of journaling it; --time is its CLOCK_REALTIME in microseconds
 * (default 1764331200000000, 2025-11-28T12:00:00Z). --fill sends copies of the entry without
 * waiting until journald's socket takes no more (a journald that reads nothing: stopped), and
 * prints how many it took. Exit status: 0 journaled (printed, recorded, filled); 2 journald
 * could not be reached, and the entry went to stderr as journal_event_format_line() makes it,
 * as capguardd does; 1 anything else, journald reading all the while --fill sent included. */
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capguard/journal-event.h"
#include "capguard/store.h"

static const char *const set_names[_CAP_SET_MAX] = {
        [CAP_SET_INHERITABLE] = "inh",
        [CAP_SET_PERMITTED] = "prm",
        [CAP_SET_EFFECTIVE] = "eff",
        [CAP_SET_BOUNDING] = "bnd",
        [CAP_SET_AMBIENT] = "amb",
};

static int fail(const char *what, const char *arg) {
        fprintf(stderr, "send-event: %s: %s\n", what, arg);
        return EXIT_FAILURE;
}

static bool set_string(char **p, const char *s) {
        free(*p);
        *p = strdup(s);
        return *p != NULL;
}

static bool parse_set_mask(const char *arg, uint64_t masks[static _CAP_SET_MAX]) {
        const char *eq = strchr(arg, '=');

        if (!eq)
                return false;
        for (CapSet s = 0; s < _CAP_SET_MAX; s++)
                if (strlen(set_names[s]) == (size_t) (eq - arg) && strncmp(arg, set_names[s], (size_t) (eq - arg)) == 0)
                        return capability_mask_parse(eq + 1, &masks[s]) >= 0;
        return false;
}

static bool parse_number(const char *arg, long long min, long long max, long long *ret) {
        char *end;
        long long v;

        errno = 0;
        v = strtoll(arg, &end, 10);
        if (errno != 0 || end == arg || *end || v < min || v > max)
                return false;
        *ret = v;
        return true;
}

/* The datagrams a socket has sent but its peer has not read count against the sender's buffer
 * too: one that cannot send may be full itself. The peer's queue is full when a new socket
 * cannot send either. */
static int fill_journal(const Event *e) {
        _cleanup_(journal_fields_done) JournalFields f = {};
        JournalSocket j = JOURNAL_SOCKET_INIT(JOURNAL_SOCKET_PATH);
        unsigned long sent = 0;
        bool fresh = true;
        int r;

        r = journal_event_build(e, &f);
        if (r < 0)
                return fail("cannot build the entry", strerror(-r));
        while (sent < 100000) {
                r = journal_socket_try_send(&j, f.iov, f.n);
                if (r >= 0) {
                        sent++;
                        fresh = false;
                        continue;
                }
                if (r != -EAGAIN) {
                        journal_socket_close(&j);
                        fprintf(stderr, "send-event: journald not reachable: %s\n", strerror(-r));
                        return 2;
                }
                if (fresh)
                        break;
                journal_socket_close(&j);
                fresh = true;
        }
        journal_socket_close(&j);
        if (!fresh)
                return fail("journald keeps reading", "its socket never filled");
        printf("%lu\n", sent);
        return EXIT_SUCCESS;
}

int main(int argc, char *argv[]) {
        enum {
                ARG_CONTAINER_ID = 0x100, ARG_RUNTIME, ARG_RUNTIME_NAMESPACE, ARG_K8S_NAMESPACE, ARG_POD,
                ARG_CONTAINER, ARG_IMAGE, ARG_PID, ARG_UID, ARG_CAP, ARG_EXCESS, ARG_NO_NEW_PRIVS,
                ARG_SECCOMP, ARG_VERDICT, ARG_RULE, ARG_POLICY_VERSION, ARG_REASON, ARG_ACTION,
                ARG_ACTION_DETAIL, ARG_PRINT_LINE, ARG_PRINT_FIELDS, ARG_SANDBOX, ARG_PID_START,
                ARG_DECLARED, ARG_TIME, ARG_DB, ARG_FILL,
        };
        static const struct option options[] = {
                { "container-id", required_argument, NULL, ARG_CONTAINER_ID },
                { "runtime", required_argument, NULL, ARG_RUNTIME },
                { "runtime-namespace", required_argument, NULL, ARG_RUNTIME_NAMESPACE },
                { "k8s-namespace", required_argument, NULL, ARG_K8S_NAMESPACE },
                { "pod", required_argument, NULL, ARG_POD },
                { "container", required_argument, NULL, ARG_CONTAINER },
                { "image", required_argument, NULL, ARG_IMAGE },
                { "pid", required_argument, NULL, ARG_PID },
                { "uid", required_argument, NULL, ARG_UID },
                { "cap", required_argument, NULL, ARG_CAP },
                { "excess", required_argument, NULL, ARG_EXCESS },
                { "no-new-privs", required_argument, NULL, ARG_NO_NEW_PRIVS },
                { "seccomp", required_argument, NULL, ARG_SECCOMP },
                { "verdict", required_argument, NULL, ARG_VERDICT },
                { "rule", required_argument, NULL, ARG_RULE },
                { "policy-version", required_argument, NULL, ARG_POLICY_VERSION },
                { "reason", required_argument, NULL, ARG_REASON },
                { "action", required_argument, NULL, ARG_ACTION },
                { "action-detail", required_argument, NULL, ARG_ACTION_DETAIL },
                { "print-line", no_argument, NULL, ARG_PRINT_LINE },
                { "print-fields", no_argument, NULL, ARG_PRINT_FIELDS },
                { "sandbox", no_argument, NULL, ARG_SANDBOX },
                { "pid-start", required_argument, NULL, ARG_PID_START },
                { "declared", required_argument, NULL, ARG_DECLARED },
                { "time", required_argument, NULL, ARG_TIME },
                { "db", required_argument, NULL, ARG_DB },
                { "fill", no_argument, NULL, ARG_FILL },
                {}
        };
        _cleanup_(event_done) Event e = {
                .runtime = _RUNTIME_INVALID,
                .no_new_privs = -1,
                .seccomp = -1,
                .verdict = EVENT_VERDICT_VIOLATION,
                .action = EVENT_ACTION_AUDIT,
                .time_usec = INT64_C(1764331200000000),
        };
        bool print_line = false, print_fields = false, fill = false;
        const char *db = NULL;
        size_t n_reasons = 0;
        long long v;
        int c, r;

        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0) {
                bool ok = true;

                switch (c) {
                case ARG_CONTAINER_ID:
                        ok = set_string(&e.container_id, optarg);
                        break;
                case ARG_RUNTIME:
                        e.runtime = runtime_from_string(optarg);
                        ok = e.runtime >= 0;
                        break;
                case ARG_RUNTIME_NAMESPACE:
                        ok = set_string(&e.runtime_namespace, optarg);
                        break;
                case ARG_K8S_NAMESPACE:
                        ok = set_string(&e.k8s_namespace, optarg);
                        break;
                case ARG_POD:
                        ok = set_string(&e.pod, optarg);
                        break;
                case ARG_CONTAINER:
                        ok = set_string(&e.container, optarg);
                        break;
                case ARG_IMAGE:
                        ok = set_string(&e.image, optarg);
                        break;
                case ARG_PID:
                        ok = parse_number(optarg, 1, INT32_MAX, &v);
                        e.pid = (pid_t) v;
                        break;
                case ARG_UID:
                        ok = parse_number(optarg, 0, UINT32_MAX, &v);
                        e.uid = (uint32_t) v;
                        break;
                case ARG_CAP:
                        ok = parse_set_mask(optarg, e.caps.mask);
                        break;
                case ARG_EXCESS:
                        ok = parse_set_mask(optarg, e.excess);
                        break;
                case ARG_NO_NEW_PRIVS:
                        ok = parse_number(optarg, -1, 1, &v);
                        e.no_new_privs = (int) v;
                        break;
                case ARG_SECCOMP:
                        ok = parse_number(optarg, -1, 2, &v);
                        e.seccomp = (int) v;
                        break;
                case ARG_VERDICT:
                        e.verdict = event_verdict_from_string(optarg);
                        ok = e.verdict >= 0;
                        break;
                case ARG_RULE:
                        ok = set_string(&e.rule, optarg);
                        break;
                case ARG_POLICY_VERSION:
                        ok = parse_number(optarg, 0, UINT32_MAX, &v);
                        e.policy_version = (unsigned) v;
                        break;
                case ARG_REASON: {
                        char **l = realloc(e.reasons, (n_reasons + 2) * sizeof *l);

                        ok = l != NULL;
                        if (l) {
                                e.reasons = l;
                                l[n_reasons] = strdup(optarg);
                                l[n_reasons + 1] = NULL;
                                ok = l[n_reasons++] != NULL;
                        }
                        break;
                }
                case ARG_ACTION:
                        e.action = event_action_from_string(optarg);
                        ok = e.action >= 0;
                        break;
                case ARG_ACTION_DETAIL:
                        ok = set_string(&e.action_detail, optarg);
                        break;
                case ARG_PRINT_LINE:
                        print_line = true;
                        break;
                case ARG_PRINT_FIELDS:
                        print_fields = true;
                        break;
                case ARG_FILL:
                        fill = true;
                        break;
                case ARG_SANDBOX:
                        e.sandbox = true;
                        break;
                case ARG_PID_START:
                        ok = parse_number(optarg, 0, INT64_MAX, &v);
                        e.pid_start = (uint64_t) v;
                        break;
                case ARG_DECLARED:
                        ok = parse_set_mask(optarg, e.declared.mask);
                        e.has_declared = true;
                        break;
                case ARG_TIME:
                        ok = parse_number(optarg, 0, INT64_MAX, &v);
                        e.time_usec = (int64_t) v;
                        break;
                case ARG_DB:
                        db = optarg;
                        break;
                default:
                        return EXIT_FAILURE;
                }
                if (!ok)
                        return fail("bad value", optarg);
        }
        if (optind < argc)
                return fail("unexpected argument", argv[optind]);

        if (db) {
                _cleanup_store_ Store *s = NULL;

                r = store_open(db, STORE_READ_WRITE, &s);
                if (r < 0)
                        return fail("cannot open the database", strerror(-r));
                r = store_event_add(s, &e, NULL);
                if (r < 0)
                        return fail("cannot record the event", r == -EIO ? store_errmsg(s) : strerror(-r));
                return EXIT_SUCCESS;
        }

        if (fill)
                return fill_journal(&e);

        if (print_fields) {
                _cleanup_(journal_fields_done) JournalFields f = {};

                r = journal_event_build(&e, &f);
                if (r < 0)
                        return fail("cannot build the entry", strerror(-r));
                for (size_t i = 0; i < f.n; i++)
                        printf("%s\n", (const char *) f.iov[i].iov_base);
                return EXIT_SUCCESS;
        }

        if (!print_line) {
                JournalSocket j = JOURNAL_SOCKET_INIT(JOURNAL_SOCKET_PATH);

                r = journal_event_send(&j, &e);
                journal_socket_close(&j);
                if (r >= 0)
                        return EXIT_SUCCESS;
                if (r == -EINVAL || r == -ENOMEM)
                        return fail("cannot build the entry", strerror(-r));
                fprintf(stderr, "send-event: journald not reachable: %s\n", strerror(-r));
        }

        /* capguardd's fallback: the same entry, one line on stderr */
        {
                _cleanup_free_ char *line = NULL;

                r = journal_event_format_line(&e, &line);
                if (r < 0)
                        return fail("cannot format the entry", strerror(-r));
                fprintf(print_line ? stdout : stderr, "%s\n", line);
        }
        return print_line ? EXIT_SUCCESS : 2;
}
