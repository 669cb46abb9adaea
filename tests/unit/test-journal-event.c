/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <syslog.h>

#include "capguard/journal-event.h"
#include "check-util.h"

#ifndef CATALOG_FILE
#error "CATALOG_FILE must be defined"
#endif

#define DOCKER_ID "3f2a9c0d8e7b4a1f9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b"
#define SYS_ADMIN (UINT64_C(1) << 21)

static char **strv_new(const char *first, ...) {
        va_list ap;
        size_t n = 0;
        char **l;

        va_start(ap, first);
        for (const char *s = first; s; s = va_arg(ap, const char *))
                n++;
        va_end(ap);

        l = calloc(n + 1, sizeof *l);
        ck_assert_ptr_nonnull(l);
        n = 0;
        va_start(ap, first);
        for (const char *s = first; s; s = va_arg(ap, const char *))
                ck_assert_ptr_nonnull(l[n++] = strdup(s));
        va_end(ap);
        return l;
}

static char *xstrdup(const char *s) {
        char *d = strdup(s);

        ck_assert_ptr_nonnull(d);
        return d;
}

/* A Docker container in a Kubernetes pod holding CAP_SYS_ADMIN beyond its rule, audited. */
static void violation_event(Event *e) {
        *e = (Event) {
                .time_usec = INT64_C(1790000000123456),
                .container_id = xstrdup(DOCKER_ID),
                .runtime = RUNTIME_DOCKER,
                .runtime_namespace = xstrdup("moby"),
                .k8s_namespace = xstrdup("team-a"),
                .pod = xstrdup("web-0"),
                .container = xstrdup("web"),
                .image = xstrdup("registry.example/web:1.2"),
                .pid = 4242,
                .pid_start = 523438,
                .uid = 0,
                .caps.mask = {
                        [CAP_SET_INHERITABLE] = 0,
                        [CAP_SET_PERMITTED] = UINT64_C(0xa82425fb),
                        [CAP_SET_EFFECTIVE] = UINT64_C(0xa82425fb),
                        [CAP_SET_BOUNDING] = UINT64_C(0xa82425fb),
                        [CAP_SET_AMBIENT] = 0,
                },
                .no_new_privs = 0,
                .seccomp = 2,
                .verdict = EVENT_VERDICT_VIOLATION,
                .rule = xstrdup("teams-restricted"),
                .policy_version = 3,
                .excess = {
                        [CAP_SET_EFFECTIVE] = SYS_ADMIN,
                        [CAP_SET_BOUNDING] = SYS_ADMIN,
                        [CAP_SET_PERMITTED] = SYS_ADMIN,
                },
                .reasons = strv_new("effective set holds CAP_SYS_ADMIN beyond what rule 'teams-restricted' allows",
                                    "bounding set holds CAP_SYS_ADMIN beyond what rule 'teams-restricted' allows",
                                    NULL),
                .action = EVENT_ACTION_AUDIT,
        };
}

/* A standalone runc container that holds runc's default set, compliant: little is known. */
static void compliant_event(Event *e) {
        *e = (Event) {
                .container_id = xstrdup("capguard-fx-runc-default"),
                .runtime = RUNTIME_RUNC,
                .pid = 77,
                .uid = 1000,
                .caps.mask = {
                        [CAP_SET_PERMITTED] = UINT64_C(0x20000420),
                        [CAP_SET_EFFECTIVE] = UINT64_C(0x20000420),
                        [CAP_SET_BOUNDING] = UINT64_C(0x20000420),
                },
                .no_new_privs = 1,
                .seccomp = 0,
                .verdict = EVENT_VERDICT_OK,
                .rule = xstrdup("runc-default"),
                .policy_version = 1,
                .action = EVENT_ACTION_NONE,
        };
}

/* "KEY=value" of every field, checked against want (NULL-terminated), in order. */
static void assert_fields(const JournalFields *f, const char *const *want) {
        size_t n = 0;

        for (; want[n]; n++) {
                ck_assert_msg(n < f->n, "field %zu missing, want '%s'", n, want[n]);
                ck_assert_uint_eq(f->iov[n].iov_len, strlen(f->iov[n].iov_base));
                ck_assert_str_eq((const char *) f->iov[n].iov_base, want[n]);
        }
        ck_assert_msg(n == f->n, "%zu fields, want %zu; first extra: '%s'", f->n, n,
                      n < f->n ? (const char *) f->iov[n].iov_base : "");
}

/* The value of the first field named key, or NULL. */
static const char *field(const JournalFields *f, const char *key) {
        size_t kl = strlen(key);

        for (size_t i = 0; i < f->n; i++) {
                const char *s = f->iov[i].iov_base;

                if (strncmp(s, key, kl) == 0 && s[kl] == '=')
                        return s + kl + 1;
        }
        return NULL;
}

static size_t field_count(const JournalFields *f, const char *key) {
        size_t kl = strlen(key), n = 0;

        for (size_t i = 0; i < f->n; i++)
                if (strncmp(f->iov[i].iov_base, key, kl) == 0 && ((const char *) f->iov[i].iov_base)[kl] == '=')
                        n++;
        return n;
}

START_TEST(test_message_ids) {
        const char *ids[] = {
                CAPGUARD_MESSAGE_COMPLIANT_STR, CAPGUARD_MESSAGE_VIOLATION_STR,
                CAPGUARD_MESSAGE_KILL_STR, CAPGUARD_MESSAGE_UNKNOWN_STR,
        };
        sd_id128_t id;
        _cleanup_free_ char *catalog = NULL;
        size_t len;

        /* fixed for good: tools and the catalog know them by these digits */
        ck_assert_str_eq(CAPGUARD_MESSAGE_COMPLIANT_STR, "0e2b464faefa462bb8ec1fdf36b69076");
        ck_assert_str_eq(CAPGUARD_MESSAGE_VIOLATION_STR, "94241585da194009984848ad144486be");
        ck_assert_str_eq(CAPGUARD_MESSAGE_KILL_STR, "188dd0ff985e41b6927a5aefebbd390e");
        ck_assert_str_eq(CAPGUARD_MESSAGE_UNKNOWN_STR, "5014dc95778044908729eded9a611a7f");

        ck_assert_int_eq(sd_id128_from_string(CAPGUARD_MESSAGE_KILL_STR, &id), 0);
        ck_assert(sd_id128_equal(id, CAPGUARD_MESSAGE_KILL));
        ck_assert_int_eq(sd_id128_from_string(CAPGUARD_MESSAGE_VIOLATION_STR, &id), 0);
        ck_assert(sd_id128_equal(id, CAPGUARD_MESSAGE_VIOLATION));
        ck_assert_int_eq(sd_id128_from_string(CAPGUARD_MESSAGE_COMPLIANT_STR, &id), 0);
        ck_assert(sd_id128_equal(id, CAPGUARD_MESSAGE_COMPLIANT));
        ck_assert_int_eq(sd_id128_from_string(CAPGUARD_MESSAGE_UNKNOWN_STR, &id), 0);
        ck_assert(sd_id128_equal(id, CAPGUARD_MESSAGE_UNKNOWN));

        ck_assert_str_eq(journal_event_kind_message_id(JOURNAL_EVENT_COMPLIANT), CAPGUARD_MESSAGE_COMPLIANT_STR);
        ck_assert_str_eq(journal_event_kind_message_id(JOURNAL_EVENT_VIOLATION), CAPGUARD_MESSAGE_VIOLATION_STR);
        ck_assert_str_eq(journal_event_kind_message_id(JOURNAL_EVENT_KILL), CAPGUARD_MESSAGE_KILL_STR);
        ck_assert_str_eq(journal_event_kind_message_id(JOURNAL_EVENT_UNKNOWN), CAPGUARD_MESSAGE_UNKNOWN_STR);
        ck_assert_ptr_null(journal_event_kind_message_id(_JOURNAL_EVENT_KIND_MAX));

        /* every id has its entry in the catalog, as "-- <id>" */
        ck_assert_int_ge(read_operator_file(CATALOG_FILE, 1024 * 1024, &catalog, &len), 0);
        for (size_t i = 0; i < ELEMENTSOF(ids); i++) {
                char header[64];

                (void) snprintf(header, sizeof header, "\n-- %s\n", ids[i]);
                ck_assert_msg(strstr(catalog, header), "no catalog entry for %s", ids[i]);
                for (size_t j = 0; j < i; j++)
                        ck_assert_str_ne(ids[i], ids[j]);
        }
}
END_TEST

START_TEST(test_kind) {
        _cleanup_(event_done) Event e = {};

        violation_event(&e);
        ck_assert_int_eq(journal_event_kind(&e), JOURNAL_EVENT_VIOLATION);
        e.action = EVENT_ACTION_WOULD_KILL;
        ck_assert_int_eq(journal_event_kind(&e), JOURNAL_EVENT_VIOLATION);
        e.action = EVENT_ACTION_KILLED;
        ck_assert_int_eq(journal_event_kind(&e), JOURNAL_EVENT_KILL);
        e.action = EVENT_ACTION_KILL_FAILED;
        ck_assert_int_eq(journal_event_kind(&e), JOURNAL_EVENT_KILL);
        e.action = EVENT_ACTION_NONE;
        e.verdict = EVENT_VERDICT_OK;
        ck_assert_int_eq(journal_event_kind(&e), JOURNAL_EVENT_COMPLIANT);
        e.verdict = EVENT_VERDICT_UNKNOWN;
        ck_assert_int_eq(journal_event_kind(&e), JOURNAL_EVENT_UNKNOWN);
        e.verdict = _EVENT_VERDICT_MAX;
        ck_assert_int_eq(journal_event_kind(&e), _JOURNAL_EVENT_KIND_INVALID);
        ck_assert_int_eq(journal_event_kind(NULL), _JOURNAL_EVENT_KIND_INVALID);

        ck_assert_int_eq(journal_event_kind_priority(JOURNAL_EVENT_COMPLIANT), LOG_INFO);
        ck_assert_int_eq(journal_event_kind_priority(JOURNAL_EVENT_VIOLATION), LOG_WARNING);
        ck_assert_int_eq(journal_event_kind_priority(JOURNAL_EVENT_KILL), LOG_CRIT);
        ck_assert_int_eq(journal_event_kind_priority(JOURNAL_EVENT_UNKNOWN), LOG_WARNING);
        ck_assert_str_eq(journal_event_kind_to_string(JOURNAL_EVENT_KILL), "kill");
}
END_TEST

START_TEST(test_violation) {
        _cleanup_(event_done) Event e = {};
        _cleanup_(journal_fields_done) JournalFields f = {};
        static const char *const want[] = {
                "MESSAGE_ID=94241585da194009984848ad144486be",
                "PRIORITY=4",
                "MESSAGE=Container 3f2a9c0d8e7b (docker moby, team-a/web-0/web, image registry.example/web:1.2) "
                "violates rule 'teams-restricted': effective set holds CAP_SYS_ADMIN beyond what rule "
                "'teams-restricted' allows (and 1 more); audit only, left running",
                "SYSLOG_IDENTIFIER=capguardd",
                "CAPGUARD_CONTAINER_ID=" DOCKER_ID,
                "CAPGUARD_RUNTIME=docker",
                "CAPGUARD_RUNTIME_NAMESPACE=moby",
                "CAPGUARD_K8S_NAMESPACE=team-a",
                "CAPGUARD_POD=web-0",
                "CAPGUARD_CONTAINER=web",
                "CAPGUARD_IMAGE=registry.example/web:1.2",
                "OBJECT_PID=4242",
                "CAPGUARD_RULE=teams-restricted",
                "CAPGUARD_POLICY_VERSION=3",
                "CAPGUARD_EXCESS_CAPS=CAP_SYS_ADMIN",
                "CAPGUARD_CAP_INH=0000000000000000",
                "CAPGUARD_CAP_PRM=00000000a82425fb",
                "CAPGUARD_CAP_EFF=00000000a82425fb",
                "CAPGUARD_CAP_BND=00000000a82425fb",
                "CAPGUARD_CAP_AMB=0000000000000000",
                "CAPGUARD_UID=0",
                "CAPGUARD_NO_NEW_PRIVS=0",
                "CAPGUARD_SECCOMP=2",
                "CAPGUARD_VERDICT=violation",
                "CAPGUARD_ACTION=audit",
                "CAPGUARD_REASON=effective set holds CAP_SYS_ADMIN beyond what rule 'teams-restricted' allows",
                "CAPGUARD_REASON=bounding set holds CAP_SYS_ADMIN beyond what rule 'teams-restricted' allows",
                NULL,
        };

        violation_event(&e);
        ck_assert_int_eq(journal_event_build(&e, &f), 0);
        assert_fields(&f, want);
}
END_TEST

START_TEST(test_excess_names) {
        _cleanup_(event_done) Event e = {};
        _cleanup_(journal_fields_done) JournalFields f = {};

        /* the union over the sets, lowest bit first, space-separated */
        violation_event(&e);
        e.excess[CAP_SET_AMBIENT] = UINT64_C(1) << 12;     /* NET_ADMIN */
        e.excess[CAP_SET_INHERITABLE] = UINT64_C(1) << 40; /* CHECKPOINT_RESTORE */
        ck_assert_int_eq(journal_event_build(&e, &f), 0);
        ck_assert_str_eq(field(&f, "CAPGUARD_EXCESS_CAPS"), "CAP_NET_ADMIN CAP_SYS_ADMIN CAP_CHECKPOINT_RESTORE");
}
END_TEST

START_TEST(test_kill) {
        _cleanup_(event_done) Event e = {};
        _cleanup_(journal_fields_done) JournalFields killed = {}, failed = {}, would = {};

        violation_event(&e);
        e.action = EVENT_ACTION_KILLED;
        ck_assert_int_eq(journal_event_build(&e, &killed), 0);
        ck_assert_str_eq(field(&killed, "MESSAGE_ID"), "188dd0ff985e41b6927a5aefebbd390e");
        ck_assert_str_eq(field(&killed, "PRIORITY"), "2");
        ck_assert_str_eq(field(&killed, "CAPGUARD_ACTION"), "killed");
        ck_assert_ptr_null(field(&killed, "CAPGUARD_ACTION_DETAIL"));
        ck_assert_str_eq(field(&killed, "MESSAGE"),
                         "Container 3f2a9c0d8e7b (docker moby, team-a/web-0/web, image registry.example/web:1.2) "
                         "violates rule 'teams-restricted': effective set holds CAP_SYS_ADMIN beyond what rule "
                         "'teams-restricted' allows (and 1 more); killed");

        e.action = EVENT_ACTION_KILL_FAILED;
        e.action_detail = xstrdup("pidfd_send_signal: Operation not permitted");
        ck_assert_int_eq(journal_event_build(&e, &failed), 0);
        ck_assert_str_eq(field(&failed, "MESSAGE_ID"), CAPGUARD_MESSAGE_KILL_STR);
        ck_assert_str_eq(field(&failed, "PRIORITY"), "2");
        ck_assert_str_eq(field(&failed, "CAPGUARD_ACTION"), "kill-failed");
        ck_assert_str_eq(field(&failed, "CAPGUARD_ACTION_DETAIL"), "pidfd_send_signal: Operation not permitted");
        ck_assert_ptr_nonnull(strstr(field(&failed, "MESSAGE"), "; kill failed: pidfd_send_signal: Operation not permitted"));
        /* the detail comes right after the action */
        ck_assert_uint_eq(failed.n, killed.n + 1);
        ck_assert_int_eq(strncmp(failed.iov[killed.n - 3].iov_base, "CAPGUARD_ACTION=", 16), 0);
        ck_assert_int_eq(strncmp(failed.iov[killed.n - 2].iov_base, "CAPGUARD_ACTION_DETAIL=", 23), 0);

        free(e.action_detail);
        e.action_detail = NULL;
        e.action = EVENT_ACTION_WOULD_KILL;
        ck_assert_int_eq(journal_event_build(&e, &would), 0);
        ck_assert_str_eq(field(&would, "MESSAGE_ID"), CAPGUARD_MESSAGE_VIOLATION_STR);
        ck_assert_str_eq(field(&would, "PRIORITY"), "4");
        ck_assert_str_eq(field(&would, "CAPGUARD_ACTION"), "would-kill");
        ck_assert_ptr_nonnull(strstr(field(&would, "MESSAGE"), "; would be killed, but this is a dry run"));
}
END_TEST

START_TEST(test_compliant) {
        _cleanup_(event_done) Event e = {};
        _cleanup_(journal_fields_done) JournalFields f = {};
        static const char *const want[] = {
                "MESSAGE_ID=0e2b464faefa462bb8ec1fdf36b69076",
                "PRIORITY=6",
                "MESSAGE=Container capguard-fx-runc-default (runc) complies with rule 'runc-default'",
                "SYSLOG_IDENTIFIER=capguardd",
                "CAPGUARD_CONTAINER_ID=capguard-fx-runc-default",
                "CAPGUARD_RUNTIME=runc",
                "CAPGUARD_PID=77", /* not OBJECT_PID: see event_fields() */
                "CAPGUARD_RULE=runc-default",
                "CAPGUARD_POLICY_VERSION=1",
                "CAPGUARD_CAP_INH=0000000000000000",
                "CAPGUARD_CAP_PRM=0000000020000420",
                "CAPGUARD_CAP_EFF=0000000020000420",
                "CAPGUARD_CAP_BND=0000000020000420",
                "CAPGUARD_CAP_AMB=0000000000000000",
                "CAPGUARD_UID=1000",
                "CAPGUARD_NO_NEW_PRIVS=1",
                "CAPGUARD_SECCOMP=0",
                "CAPGUARD_VERDICT=ok",
                "CAPGUARD_ACTION=none",
                NULL,
        };

        compliant_event(&e);
        ck_assert_int_eq(journal_event_build(&e, &f), 0);
        assert_fields(&f, want);
}
END_TEST

START_TEST(test_unknown_and_absent) {
        _cleanup_(event_done) Event e = {
                .runtime = _RUNTIME_INVALID,
                .no_new_privs = -1,
                .seccomp = -1,
                .verdict = EVENT_VERDICT_UNKNOWN,
                .action = EVENT_ACTION_NONE,
                .runtime_namespace = xstrdup(""),
                .pod = xstrdup(""),
        };
        _cleanup_(journal_fields_done) JournalFields f = {}, g = {};
        static const char *const want[] = {
                "MESSAGE_ID=5014dc95778044908729eded9a611a7f",
                "PRIORITY=4",
                "MESSAGE=Container ? (unknown runtime) could not be judged: state.json is truncated",
                "SYSLOG_IDENTIFIER=capguardd",
                "CAPGUARD_VERDICT=unknown",
                "CAPGUARD_ACTION=none",
                "CAPGUARD_REASON=state.json is truncated",
                NULL,
        };

        /* nothing known: no sets, no uid, no pid, no empty fields */
        e.reasons = strv_new("", "state.json is truncated", NULL);
        ck_assert_int_eq(journal_event_build(&e, &f), 0);
        assert_fields(&f, want);

        /* /proc/<pid>/status was read: the sets are facts, zero or not */
        e.pid = 99;
        e.no_new_privs = 1;
        ck_assert_int_eq(journal_event_build(&e, &g), 0);
        ck_assert_str_eq(field(&g, "CAPGUARD_CAP_EFF"), "0000000000000000");
        ck_assert_str_eq(field(&g, "CAPGUARD_UID"), "0");
        ck_assert_str_eq(field(&g, "OBJECT_PID"), "99");
        ck_assert_ptr_null(field(&g, "CAPGUARD_SECCOMP"));
}
END_TEST

START_TEST(test_message_forms) {
        _cleanup_(event_done) Event e = {};
        _cleanup_(journal_fields_done) JournalFields a = {}, b = {}, c = {};

        /* a container named by Docker alone, no pod; a sandbox; no rule applies */
        compliant_event(&e);
        e.runtime = RUNTIME_CONTAINERD;
        e.runtime_namespace = xstrdup("k8s.io");
        e.pod = xstrdup("web-0");
        e.sandbox = true;
        free(e.rule);
        e.rule = NULL;
        ck_assert_int_eq(journal_event_build(&e, &a), 0);
        ck_assert_str_eq(field(&a, "MESSAGE"),
                         "Container capguard-fx-runc-default (containerd k8s.io, -/web-0/-, pod sandbox) "
                         "complies: no rule of the policy applies to it");

        e.policy_version = 0;
        free(e.pod);
        e.pod = NULL;
        e.container = xstrdup("quirky_name");
        e.sandbox = false;
        ck_assert_int_eq(journal_event_build(&e, &b), 0);
        ck_assert_str_eq(field(&b, "MESSAGE"),
                         "Container capguard-fx-runc-default (containerd k8s.io, quirky_name) complies: no policy is active");
        ck_assert_ptr_null(field(&b, "CAPGUARD_POLICY_VERSION"));
        ck_assert_ptr_null(field(&b, "CAPGUARD_RULE"));

        e.verdict = EVENT_VERDICT_VIOLATION;
        e.action = EVENT_ACTION_AUDIT;
        ck_assert_int_eq(journal_event_build(&e, &c), 0);
        ck_assert_str_eq(field(&c, "MESSAGE"),
                         "Container capguard-fx-runc-default (containerd k8s.io, quirky_name) violates the policy; "
                         "audit only, left running");
        ck_assert_ptr_null(field(&c, "CAPGUARD_EXCESS_CAPS"));
        ck_assert_ptr_null(field(&c, "CAPGUARD_REASON"));
}
END_TEST

/* Every kind of byte a container could put in its names to start a field or a line. */
static const char *const hostile[] = {
        "web\nCAPGUARD_RULE=forged",
        "web\rCAPGUARD_RULE=forged",
        "\x1b[31mred\x1b[0m",
        "del\x7f" "del",
        "tab\there",
        "c1\xc2\x9b" "31m",                   /* U+009B, a one-byte CSI */
        "ls\xe2\x80\xa8" "CAPGUARD_RULE=forged", /* U+2028 */
        "bidi\xe2\x80\xae" "dekrow",          /* U+202E */
        "bad\xff\xfeutf8\xc0\x8a",            /* invalid UTF-8, an overlong '\n' */
        "quote\" CAPGUARD_RULE=\"forged\\",
};

static void assert_clean(const JournalFields *f, size_t n_want) {
        ck_assert_uint_eq(f->n, n_want);
        ck_assert_uint_eq(field_count(f, "CAPGUARD_RULE"), 1);
        ck_assert_str_eq(field(f, "CAPGUARD_RULE"), "teams-restricted");
        for (size_t i = 0; i < f->n; i++) {
                const unsigned char *s = f->iov[i].iov_base;

                ck_assert_uint_eq(f->iov[i].iov_len, strlen((const char *) s));
                for (size_t j = 0; j < f->iov[i].iov_len; j++)
                        ck_assert_msg(s[j] >= 0x20 && s[j] != 0x7f, "control byte 0x%02x in field '%s'", s[j], s);
                ck_assert_ptr_null(strstr((const char *) s, "\xe2\x80\xa8"));
                ck_assert_ptr_null(strstr((const char *) s, "\xe2\x80\xae"));
                ck_assert_ptr_null(strstr((const char *) s, "\xc2\x9b"));
                ck_assert_ptr_null(strchr((const char *) s, '\xff'));
        }
}

START_TEST(test_hostile_strings) {
        for (size_t i = 0; i < ELEMENTSOF(hostile); i++) {
                _cleanup_(event_done) Event e = {};
                _cleanup_(journal_fields_done) JournalFields clean = {}, f = {};
                _cleanup_free_ char *line = NULL;

                violation_event(&e);
                e.action = EVENT_ACTION_KILL_FAILED;
                ck_assert_int_eq(journal_event_build(&e, &clean), 0);

                free(e.container), free(e.pod), free(e.image), free(e.k8s_namespace), free(e.runtime_namespace);
                e.container = xstrdup(hostile[i]);
                e.pod = xstrdup(hostile[i]);
                e.image = xstrdup(hostile[i]);
                e.k8s_namespace = xstrdup(hostile[i]);
                e.runtime_namespace = xstrdup(hostile[i]);
                e.action_detail = xstrdup(hostile[i]);
                free(e.reasons[1]);
                e.reasons[1] = xstrdup(hostile[i]);

                ck_assert_int_eq(journal_event_build(&e, &f), 0);
                /* the same fields as for clean names, plus the detail; none with a control byte */
                assert_clean(&f, clean.n + 1);
                ck_assert_ptr_null(strchr(field(&f, "MESSAGE"), '\n'));
                ck_assert_ptr_nonnull(strstr(field(&f, "MESSAGE"), "; kill failed: "));

                /* and on stderr: one line, no control byte, no second CAPGUARD_RULE pair */
                ck_assert_int_eq(journal_event_format_line(&e, &line), 0);
                for (const unsigned char *p = (const unsigned char *) line; *p; p++)
                        ck_assert_msg(*p >= 0x20 && *p != 0x7f, "control byte 0x%02x in line '%s'", *p, line);
                ck_assert_ptr_null(strstr(line, "\xe2\x80\xa8"));
                ck_assert_ptr_null(strstr(line, "\xe2\x80\xae"));
                ck_assert_ptr_null(strstr(line, "\xc2\x9b"));
                ck_assert_ptr_null(strchr(line, '\xff'));
                ck_assert_ptr_nonnull(strstr(line, " CAPGUARD_RULE=\"teams-restricted\""));
                ck_assert_ptr_null(strstr(strstr(line, " CAPGUARD_RULE=\"") + 1, " CAPGUARD_RULE=\""));
                ck_assert_ptr_null(strstr(line, " CAPGUARD_RULE=\"forged"));
        }
}
END_TEST

START_TEST(test_hostile_values) {
        _cleanup_(event_done) Event e = {};
        _cleanup_(journal_fields_done) JournalFields f = {};

        violation_event(&e);
        free(e.pod);
        e.pod = xstrdup("web\nCAPGUARD_RULE=forged\r\x1b[31m\x7f");
        ck_assert_int_eq(journal_event_build(&e, &f), 0);
        ck_assert_str_eq(field(&f, "CAPGUARD_POD"), "web?CAPGUARD_RULE=forged??[31m?");
        ck_assert_str_eq(field(&f, "MESSAGE"),
                         "Container 3f2a9c0d8e7b (docker moby, team-a/web?CAPGUARD_RULE=forged??[31m?/web, "
                         "image registry.example/web:1.2) violates rule 'teams-restricted': effective set holds "
                         "CAP_SYS_ADMIN beyond what rule 'teams-restricted' allows (and 1 more); audit only, left running");
}
END_TEST

START_TEST(test_long_value) {
        _cleanup_(event_done) Event e = {};
        _cleanup_(journal_fields_done) JournalFields f = {};
        _cleanup_free_ char *line = NULL;
        char *big;

        violation_event(&e);
        big = malloc(3 * JOURNAL_EVENT_VALUE_MAX + 1);
        ck_assert_ptr_nonnull(big);
        memset(big, '\n', 3 * JOURNAL_EVENT_VALUE_MAX);
        big[3 * JOURNAL_EVENT_VALUE_MAX] = '\0';
        free(e.image);
        e.image = big;
        ck_assert_int_eq(journal_event_build(&e, &f), 0);
        ck_assert_uint_eq(strlen(field(&f, "CAPGUARD_IMAGE")), JOURNAL_EVENT_VALUE_MAX);
        ck_assert_uint_le(strlen(field(&f, "MESSAGE")), JOURNAL_EVENT_VALUE_MAX);
        ck_assert_int_eq(journal_event_format_line(&e, &line), 0);
        ck_assert_ptr_null(strchr(line, '\n'));
}
END_TEST

START_TEST(test_format_line) {
        _cleanup_(event_done) Event e = {};
        _cleanup_free_ char *line = NULL, *hostile_line = NULL;

        violation_event(&e);
        ck_assert_int_eq(journal_event_format_line(&e, &line), 0);
        ck_assert_str_eq(line,
                "capguardd: warning: Container 3f2a9c0d8e7b (docker moby, team-a/web-0/web, image registry.example/web:1.2) "
                "violates rule 'teams-restricted': effective set holds CAP_SYS_ADMIN beyond what rule "
                "'teams-restricted' allows (and 1 more); audit only, left running"
                " MESSAGE_ID=\"94241585da194009984848ad144486be\""
                " CAPGUARD_CONTAINER_ID=\"" DOCKER_ID "\""
                " CAPGUARD_RUNTIME=\"docker\""
                " CAPGUARD_RUNTIME_NAMESPACE=\"moby\""
                " CAPGUARD_K8S_NAMESPACE=\"team-a\""
                " CAPGUARD_POD=\"web-0\""
                " CAPGUARD_CONTAINER=\"web\""
                " CAPGUARD_IMAGE=\"registry.example/web:1.2\""
                " OBJECT_PID=\"4242\""
                " CAPGUARD_RULE=\"teams-restricted\""
                " CAPGUARD_POLICY_VERSION=\"3\""
                " CAPGUARD_EXCESS_CAPS=\"CAP_SYS_ADMIN\""
                " CAPGUARD_CAP_INH=\"0000000000000000\""
                " CAPGUARD_CAP_PRM=\"00000000a82425fb\""
                " CAPGUARD_CAP_EFF=\"00000000a82425fb\""
                " CAPGUARD_CAP_BND=\"00000000a82425fb\""
                " CAPGUARD_CAP_AMB=\"0000000000000000\""
                " CAPGUARD_UID=\"0\""
                " CAPGUARD_NO_NEW_PRIVS=\"0\""
                " CAPGUARD_SECCOMP=\"2\""
                " CAPGUARD_VERDICT=\"violation\""
                " CAPGUARD_ACTION=\"audit\""
                " CAPGUARD_REASON=\"effective set holds CAP_SYS_ADMIN beyond what rule 'teams-restricted' allows\""
                " CAPGUARD_REASON=\"bounding set holds CAP_SYS_ADMIN beyond what rule 'teams-restricted' allows\"");

        /* control bytes escaped, not replaced, in values and in the message; quotes too */
        free(e.pod);
        e.pod = xstrdup("web\nCAPGUARD_RULE=forged\r\x1b[31m\x7f\t\"\\");
        e.action = EVENT_ACTION_KILLED;
        ck_assert_int_eq(journal_event_format_line(&e, &hostile_line), 0);
        ck_assert_ptr_nonnull(strstr(hostile_line, "capguardd: crit: Container 3f2a9c0d8e7b (docker moby, "
                                                   "team-a/web\\nCAPGUARD_RULE=forged\\r\\x1b[31m\\x7f\\t\\\"\\\\/web, "));
        ck_assert_ptr_nonnull(strstr(hostile_line, " CAPGUARD_POD=\"web\\nCAPGUARD_RULE=forged\\r\\x1b[31m\\x7f\\t\\\"\\\\\" "));
        ck_assert_ptr_nonnull(strstr(hostile_line, " MESSAGE_ID=\"" CAPGUARD_MESSAGE_KILL_STR "\""));
}
END_TEST

START_TEST(test_compliant_line) {
        _cleanup_(event_done) Event e = {};
        _cleanup_free_ char *line = NULL;

        compliant_event(&e);
        ck_assert_int_eq(journal_event_format_line(&e, &line), 0);
#define PREFIX "capguardd: info: Container capguard-fx-runc-default (runc) complies with rule 'runc-default' " \
               "MESSAGE_ID=\"0e2b464faefa462bb8ec1fdf36b69076\" CAPGUARD_CONTAINER_ID="
        ck_assert_int_eq(strncmp(line, PREFIX, STRLEN(PREFIX)), 0);
#undef PREFIX
        ck_assert_ptr_null(strstr(line, "PRIORITY"));
        ck_assert_ptr_null(strstr(line, "SYSLOG_IDENTIFIER"));
        ck_assert_ptr_null(strstr(line, "MESSAGE=\""));
}
END_TEST

START_TEST(test_invalid) {
        _cleanup_(event_done) Event e = {};
        JournalFields f = { .iov = (struct iovec *) &e, .n = 42 };
        char *line = (char *) &e;

        ck_assert_int_eq(journal_event_build(NULL, &f), -EINVAL);
        compliant_event(&e);
        e.action = _EVENT_ACTION_MAX;
        ck_assert_int_eq(journal_event_build(&e, &f), -EINVAL);
        ck_assert_int_eq(journal_event_format_line(&e, &line), -EINVAL);
        e.action = EVENT_ACTION_NONE;
        e.verdict = (EventVerdict) 7;
        ck_assert_int_eq(journal_event_build(&e, &f), -EINVAL);
        {
                JournalSocket j = JOURNAL_SOCKET_INIT("/nonexistent/socket");

                ck_assert_int_eq(journal_event_send(&j, &e), -EINVAL);
        }
        /* outputs untouched on failure */
        ck_assert_ptr_eq(f.iov, (struct iovec *) &e);
        ck_assert_uint_eq(f.n, 42);
        ck_assert_ptr_eq(line, (char *) &e);

        journal_fields_done(NULL);
}
END_TEST

int main(void) {
        Suite *s = suite_create("journal-event");
        TCase *tc = tcase_create("journal-event");

        tcase_add_test(tc, test_message_ids);
        tcase_add_test(tc, test_kind);
        tcase_add_test(tc, test_violation);
        tcase_add_test(tc, test_excess_names);
        tcase_add_test(tc, test_kill);
        tcase_add_test(tc, test_compliant);
        tcase_add_test(tc, test_unknown_and_absent);
        tcase_add_test(tc, test_message_forms);
        tcase_add_test(tc, test_hostile_strings);
        tcase_add_test(tc, test_hostile_values);
        tcase_add_test(tc, test_long_value);
        tcase_add_test(tc, test_format_line);
        tcase_add_test(tc, test_compliant_line);
        tcase_add_test(tc, test_invalid);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
