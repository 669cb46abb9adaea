/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <sqlite3.h>
#include <stdio.h>

#include "../../lib/store-internal.h" /* to fill the disk: PRAGMA max_page_count on the store's own connection */
#include "capguard/store.h"
#include "check-util.h"

static char dir[] = "/tmp/capguard-store-events-XXXXXX";
static char path[256];

static void setup(void) {
        ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void) {
        char cmd[300];

        (void) snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        (void) system(cmd);
}

static const char *fresh_path(const char *name) {
        (void) snprintf(path, sizeof path, "%s/%s", dir, name);
        (void) unlink(path);
        return path;
}

static void raw_exec(const char *p, const char *sql) {
        sqlite3 *db;

        ck_assert_int_eq(sqlite3_open(p, &db), SQLITE_OK);
        ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(db));
        sqlite3_close(db);
}

static void *mfree(void *p) {
        free(p);
        return NULL;
}

static char *xstrdup(const char *s) {
        char *t = strdup(s);

        ck_assert_ptr_nonnull(t);
        return t;
}

static char **strv_make(const char *a, const char *b) {
        char **v = calloc(3, sizeof *v);

        ck_assert_ptr_nonnull(v);
        v[0] = a ? xstrdup(a) : NULL;
        v[1] = a && b ? xstrdup(b) : NULL;
        return v;
}

#define BOOT_A "0123456789abcdef0123456789abcdef"
#define BOOT_B "fedcba9876543210fedcba9876543210"

/* A compliant containerd verdict with every fact known; tests change what they look at. */
static Event event_make(const char *id, int64_t time_usec) {
        return (Event) {
                .time_usec = time_usec,
                .container_id = xstrdup(id),
                .runtime = RUNTIME_CONTAINERD,
                .runtime_namespace = xstrdup("k8s.io"),
                .pid = 4242,
                .pid_start = 987654321,
                .boot_id = BOOT_A,
                .uid = 1000,
                .caps.mask = { 0, 0x5, 0x5, 0xa80425fb, 0 },
                .no_new_privs = 1,
                .seccomp = 2,
                .verdict = EVENT_VERDICT_OK,
                .policy_version = 1,
                .action = EVENT_ACTION_NONE,
        };
}

static int64_t add(Store *s, const Event *e) {
        int64_t id = 0;
        int r = store_event_add(s, e, &id);

        ck_assert_msg(r == 0, "store_event_add: %s (%s)", strerror(-r), store_errmsg(s));
        ck_assert_int_gt(id, 0);
        return id;
}

static void str_eq_or_null(const char *got, const char *want) {
        if (want)
                ck_assert_str_eq(got, want);
        else
                ck_assert_ptr_null(got);
}

static void event_assert_equal(const Event *got, const Event *want) {
        ck_assert_int_eq(got->time_usec, want->time_usec);
        ck_assert_str_eq(got->container_id, want->container_id);
        ck_assert_int_eq(got->runtime, want->runtime);
        str_eq_or_null(got->runtime_namespace, want->runtime_namespace);
        str_eq_or_null(got->k8s_namespace, want->k8s_namespace);
        str_eq_or_null(got->pod, want->pod);
        str_eq_or_null(got->container, want->container);
        str_eq_or_null(got->image, want->image);
        ck_assert_int_eq(got->sandbox, want->sandbox);
        ck_assert_int_eq(got->pid, want->pid);
        ck_assert_uint_eq(got->pid_start, want->pid_start);
        ck_assert_str_eq(got->boot_id, want->boot_id);
        ck_assert_uint_eq(got->uid, want->uid);
        for (CapSet c = 0; c < _CAP_SET_MAX; c++) {
                ck_assert_msg(got->caps.mask[c] == want->caps.mask[c], "%s: %#llx != %#llx", capset_to_string(c),
                              (unsigned long long) got->caps.mask[c], (unsigned long long) want->caps.mask[c]);
                ck_assert_msg(got->excess[c] == want->excess[c], "excess %s: %#llx != %#llx", capset_to_string(c),
                              (unsigned long long) got->excess[c], (unsigned long long) want->excess[c]);
        }
        ck_assert_int_eq(got->no_new_privs, want->no_new_privs);
        ck_assert_int_eq(got->seccomp, want->seccomp);
        ck_assert_int_eq(got->verdict, want->verdict);
        str_eq_or_null(got->rule, want->rule);
        ck_assert_uint_eq(got->policy_version, want->policy_version);
        ck_assert_int_eq(got->action, want->action);
        str_eq_or_null(got->action_detail, want->action_detail);

        if (!want->reasons || !want->reasons[0])
                ck_assert_msg(!got->reasons || !got->reasons[0], "no reasons expected");
        else {
                size_t i = 0;

                ck_assert_ptr_nonnull(got->reasons);
                for (; want->reasons[i]; i++)
                        ck_assert_str_eq(got->reasons[i], want->reasons[i]);
                ck_assert_ptr_null(got->reasons[i]);
        }
}

/* What a query passed to its callback, in order. */
typedef struct Seen {
        int64_t id[32];
        int64_t time[32];
        size_t n;
        const Event *want; /* compared field by field with the event of that id, if set */
        int64_t want_id;
        int stop_after;    /* return -ECANCELED after this many, if > 0 */
} Seen;

static int seen_cb(const Event *e, void *userdata) {
        Seen *s = userdata;

        ck_assert_uint_lt(s->n, ELEMENTSOF(s->id));
        s->id[s->n] = e->id;
        s->time[s->n] = e->time_usec;
        s->n++;
        if (s->want && e->id == s->want_id)
                event_assert_equal(e, s->want);
        if (s->stop_after > 0 && (int) s->n >= s->stop_after)
                return -ECANCELED;
        return 0;
}

static Seen query(Store *s, size_t limit) {
        Seen seen = {};

        ck_assert_int_eq(store_events_query(s, &(EventQuery) { .limit = limit }, seen_cb, &seen), 0);
        return seen;
}

START_TEST(test_round_trip) {
        _cleanup_store_ Store *s = NULL;
        _cleanup_(event_done) Event full = event_make("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                                                      1764331200123456);
        _cleanup_(event_done) Event bare = event_make("bare", 1764331201000001);
        Seen seen = {};
        int64_t id_full, id_bare;

        full.k8s_namespace = xstrdup("payments");
        full.pod = xstrdup("api-7d9f");
        full.container = xstrdup("api");
        full.image = xstrdup("registry.example/api@sha256:abc");
        full.sandbox = true;
        full.uid = UINT32_MAX - 1;
        /* every bit of every mask, the top one included, must come back exactly */
        full.caps.mask[CAP_SET_INHERITABLE] = UINT64_C(0x8000000000000000);
        full.caps.mask[CAP_SET_PERMITTED] = UINT64_MAX;
        full.caps.mask[CAP_SET_EFFECTIVE] = UINT64_C(0x8000000000000001);
        full.caps.mask[CAP_SET_BOUNDING] = UINT64_C(0xffffffffffffffff);
        full.caps.mask[CAP_SET_AMBIENT] = UINT64_C(0x7fffffffffffffff);
        full.excess[CAP_SET_EFFECTIVE] = UINT64_C(0x8000000000200000);
        full.excess[CAP_SET_BOUNDING] = UINT64_C(0x200000);
        full.pid_start = UINT64_MAX; /* the key's int64 cast, too */
        full.no_new_privs = 0;
        full.seccomp = 0;
        full.verdict = EVENT_VERDICT_VIOLATION;
        full.rule = xstrdup("no-sys-admin");
        full.policy_version = 7;
        full.action = EVENT_ACTION_KILL_FAILED;
        full.action_detail = xstrdup("pidfd_send_signal: Operation not permitted");
        /* quotes, backslashes, a newline and non-ASCII through the JSON text */
        full.reasons = strv_make("holds \"CAP_SYS_ADMIN\" in 'effective'\nand C:\\path", "bounding ∌ CAP_SYS_ADMIN\t{}[],");

        /* what is unknown stays unknown */
        bare.runtime = _RUNTIME_INVALID;
        bare.runtime_namespace = mfree(bare.runtime_namespace);
        bare.no_new_privs = -1;
        bare.seccomp = -1;
        bare.verdict = EVENT_VERDICT_UNKNOWN;
        bare.policy_version = 0;
        bare.action = EVENT_ACTION_AUDIT;
        bare.reasons = strv_make(NULL, NULL); /* empty, not NULL */

        ck_assert_int_eq(store_open(fresh_path("rt.db"), STORE_READ_WRITE, &s), 0);
        id_full = add(s, &full);
        id_bare = add(s, &bare);
        ck_assert_int_gt(id_bare, id_full);

        seen = (Seen) { .want = &full, .want_id = id_full };
        ck_assert_int_eq(store_events_query(s, NULL, seen_cb, &seen), 0);
        ck_assert_uint_eq(seen.n, 2);
        ck_assert_int_eq(seen.id[0], id_full);

        seen = (Seen) { .want = &bare, .want_id = id_bare };
        ck_assert_int_eq(store_events_query(s, NULL, seen_cb, &seen), 0);
        ck_assert_int_eq(seen.id[1], id_bare);

        /* and again from a second, read-only connection, as capctl reads it */
        s = store_close(s);
        ck_assert_int_eq(store_open(path, STORE_READ_ONLY, &s), 0);
        seen = (Seen) { .want = &full, .want_id = id_full };
        ck_assert_int_eq(store_events_query(s, NULL, seen_cb, &seen), 0);
        ck_assert_uint_eq(seen.n, 2);
}
END_TEST

START_TEST(test_query_order_and_limit) {
        /* recorded out of time order, as a verdict retried after -EBUSY would be */
        static const int64_t times[] = { 50, 10, 40, 20, 30, 40 };
        _cleanup_store_ Store *s = NULL;
        int64_t ids[ELEMENTSOF(times)];
        Seen seen;

        ck_assert_int_eq(store_open(fresh_path("order.db"), STORE_READ_WRITE, &s), 0);

        seen = query(s, 0);
        ck_assert_uint_eq(seen.n, 0);

        for (size_t i = 0; i < ELEMENTSOF(times); i++) {
                _cleanup_(event_done) Event e = event_make("c", times[i]);

                ids[i] = add(s, &e);
        }

        /* oldest first; at the same microsecond, in the order recorded */
        seen = query(s, 0);
        ck_assert_uint_eq(seen.n, 6);
        ck_assert_int_eq(seen.id[0], ids[1]);
        ck_assert_int_eq(seen.id[1], ids[3]);
        ck_assert_int_eq(seen.id[2], ids[4]);
        ck_assert_int_eq(seen.id[3], ids[2]);
        ck_assert_int_eq(seen.id[4], ids[5]);
        ck_assert_int_eq(seen.id[5], ids[0]);

        /* the newest two, still oldest first */
        seen = query(s, 2);
        ck_assert_uint_eq(seen.n, 2);
        ck_assert_int_eq(seen.id[0], ids[5]);
        ck_assert_int_eq(seen.id[1], ids[0]);

        seen = query(s, 3);
        ck_assert_uint_eq(seen.n, 3);
        ck_assert_int_eq(seen.time[0], 40);
        ck_assert_int_eq(seen.id[0], ids[2]);
        ck_assert_int_eq(seen.time[2], 50);

        seen = query(s, 1);
        ck_assert_uint_eq(seen.n, 1);
        ck_assert_int_eq(seen.id[0], ids[0]);

        seen = query(s, 100);
        ck_assert_uint_eq(seen.n, 6);
        seen = query(s, SIZE_MAX);
        ck_assert_uint_eq(seen.n, 6);

        /* the callback's error stops the walk and is returned */
        seen = (Seen) { .stop_after = 2 };
        ck_assert_int_eq(store_events_query(s, NULL, seen_cb, &seen), -ECANCELED);
        ck_assert_uint_eq(seen.n, 2);
}
END_TEST

START_TEST(test_upsert_keeps_metadata) {
        _cleanup_store_ Store *s = NULL;
        _cleanup_(event_done) Event first = event_make("meta", 1000), second = event_make("meta", 500),
                                    third = event_make("meta", 3000);
        _cleanup_(event_done) Event want = event_make("meta", 0);
        Seen seen;
        int64_t id;

        /* first verdict before the config was readable: nothing known */
        first.verdict = EVENT_VERDICT_UNKNOWN;
        first.k8s_namespace = xstrdup(""); /* "" is unknown too */
        /* then the metadata arrives, on a verdict retried with an older time */
        second.k8s_namespace = xstrdup("ns");
        second.pod = xstrdup("pod");
        second.container = xstrdup("ctr");
        second.image = xstrdup("img");
        second.sandbox = true;
        /* and what was recorded is never overwritten */
        third.k8s_namespace = xstrdup("other-ns");
        third.pod = xstrdup("other-pod");
        third.image = xstrdup("other-img");

        ck_assert_int_eq(store_open(fresh_path("upsert.db"), STORE_READ_WRITE, &s), 0);
        (void) add(s, &first);
        (void) add(s, &second);
        id = add(s, &third);

        want.time_usec = 3000;
        want.k8s_namespace = xstrdup("ns");
        want.pod = xstrdup("pod");
        want.container = xstrdup("ctr");
        want.image = xstrdup("img");
        want.sandbox = true;
        seen = (Seen) { .want = &want, .want_id = id };
        ck_assert_int_eq(store_events_query(s, NULL, seen_cb, &seen), 0);
        ck_assert_uint_eq(seen.n, 3);
        ck_assert_int_eq(seen.time[0], 500);
}
END_TEST

typedef struct Live {
        char ids[8][16];
        int64_t first_seen[8];
        size_t n;
        Store *mark_exited; /* mark each exited from inside the callback, if set */
} Live;

static int live_cb(const StoreContainer *c, void *userdata) {
        Live *l = userdata;

        ck_assert_uint_lt(l->n, ELEMENTSOF(l->ids));
        ck_assert_int_eq(c->runtime, RUNTIME_CONTAINERD);
        ck_assert_str_eq(c->runtime_namespace, "k8s.io");
        ck_assert_int_eq(c->pid, 4242);
        (void) snprintf(l->ids[l->n], sizeof l->ids[0], "%s@%llu", c->container_id,
                        (unsigned long long) c->pid_start);
        l->first_seen[l->n] = c->first_seen_usec;
        l->n++;
        if (l->mark_exited)
                ck_assert_int_eq(store_container_exited(l->mark_exited, c->runtime, c->runtime_namespace,
                                                        c->container_id, c->pid_start, c->boot_id, 9999),
                                 0);
        return 0;
}

START_TEST(test_exists_exited_live) {
        _cleanup_store_ Store *s = NULL;
        _cleanup_(event_done) Event a = event_make("a", 300), b = event_make("b", 100),
                                    a2 = event_make("a", 200), n = event_make("plain", 400);
        Live live = {};
        uint64_t count = 42;

        a2.pid_start = 1; /* the same id restarted: another incarnation */
        n.runtime = RUNTIME_RUNC;
        n.runtime_namespace = mfree(n.runtime_namespace);

        ck_assert_int_eq(store_open(fresh_path("live.db"), STORE_READ_WRITE, &s), 0);
        ck_assert_int_eq(store_event_exists(s, RUNTIME_CONTAINERD, "k8s.io", "a", a.pid_start, BOOT_A, 1), 0);

        (void) add(s, &a);
        (void) add(s, &b);
        (void) add(s, &a2);
        (void) add(s, &n);

        ck_assert_int_eq(store_event_exists(s, RUNTIME_CONTAINERD, "k8s.io", "a", a.pid_start, BOOT_A, 1), 1);
        ck_assert_int_eq(store_event_exists(s, RUNTIME_CONTAINERD, "k8s.io", "a", a.pid_start, BOOT_A, 2), 0);
        ck_assert_int_eq(store_event_exists(s, RUNTIME_CONTAINERD, "k8s.io", "a", 2, BOOT_A, 1), 0);
        ck_assert_int_eq(store_event_exists(s, RUNTIME_CONTAINERD, "moby", "a", a.pid_start, BOOT_A, 1), 0);
        ck_assert_int_eq(store_event_exists(s, RUNTIME_DOCKER, "k8s.io", "a", a.pid_start, BOOT_A, 1), 0);
        /* no namespace: NULL and "" name the same one */
        ck_assert_int_eq(store_event_exists(s, RUNTIME_RUNC, NULL, "plain", n.pid_start, BOOT_A, 1), 1);
        ck_assert_int_eq(store_event_exists(s, RUNTIME_RUNC, "", "plain", n.pid_start, BOOT_A, 1), 1);

        ck_assert_int_eq(store_container_exited(s, RUNTIME_RUNC, NULL, "plain", n.pid_start, BOOT_A, 500), 0);
        ck_assert_int_eq(store_container_exited(s, RUNTIME_RUNC, NULL, "plain", n.pid_start, BOOT_A, 600), -ENOENT);
        ck_assert_int_eq(store_container_exited(s, RUNTIME_CONTAINERD, "k8s.io", "nope", 1, BOOT_A, 600), -ENOENT);
        ck_assert_int_eq(store_container_exited(s, RUNTIME_CONTAINERD, NULL, "a", a.pid_start, BOOT_A, 600), -ENOENT);
        /* an exited incarnation keeps its history */
        ck_assert_int_eq(store_event_exists(s, RUNTIME_RUNC, NULL, "plain", n.pid_start, BOOT_A, 1), 1);

        /* the live ones, oldest first */
        ck_assert_int_eq(store_containers_count_live(s, &count), 0);
        ck_assert_uint_eq(count, 3);
        ck_assert_int_eq(store_containers_live(s, live_cb, &live), 0);
        ck_assert_uint_eq(live.n, 3);
        ck_assert_str_eq(live.ids[0], "b@987654321");
        ck_assert_str_eq(live.ids[1], "a@1");
        ck_assert_str_eq(live.ids[2], "a@987654321");
        ck_assert_int_eq(live.first_seen[0], 100);

        /* reconciliation marks them exited as it walks them */
        live = (Live) { .mark_exited = s };
        ck_assert_int_eq(store_containers_live(s, live_cb, &live), 0);
        ck_assert_uint_eq(live.n, 3);
        live = (Live) {};
        ck_assert_int_eq(store_containers_live(s, live_cb, &live), 0);
        ck_assert_uint_eq(live.n, 0);
        ck_assert_int_eq(store_containers_count_live(s, &count), 0);
        ck_assert_uint_eq(count, 0);
}
END_TEST

static int fail_cb(const StoreContainer *c _unused_, void *userdata _unused_) {
        return -ENOTRECOVERABLE;
}

START_TEST(test_refused) {
        _cleanup_store_ Store *s = NULL, *ro = NULL;
        _cleanup_(event_done) Event e = event_make("x", 1);
        int64_t id = -1;

        ck_assert_int_eq(store_open(fresh_path("refused.db"), STORE_READ_WRITE, &s), 0);

        e.verdict = _EVENT_VERDICT_MAX;
        ck_assert_int_eq(store_event_add(s, &e, &id), -EINVAL);
        e.verdict = EVENT_VERDICT_OK;
        e.action = 42;
        ck_assert_int_eq(store_event_add(s, &e, &id), -EINVAL);
        e.action = EVENT_ACTION_NONE;
        e.container_id = mfree(e.container_id);
        ck_assert_int_eq(store_event_add(s, &e, &id), -EINVAL);
        e.container_id = xstrdup("");
        ck_assert_int_eq(store_event_add(s, &e, &id), -EINVAL);
        ck_assert_int_eq(id, -1); /* written only on success */
        free(e.container_id);
        e.container_id = xstrdup("x");
        ck_assert_int_eq(store_event_add(s, &e, NULL), 0);

        ck_assert_int_eq(store_containers_live(s, fail_cb, NULL), -ENOTRECOVERABLE);

        ck_assert_int_eq(store_open(path, STORE_READ_ONLY, &ro), 0);
        ck_assert_int_eq(store_event_add(ro, &e, &id), -EROFS);
        ck_assert_int_eq(store_container_exited(ro, e.runtime, e.runtime_namespace, "x", e.pid_start, BOOT_A, 2), -EROFS);
        ck_assert_int_eq(store_event_exists(ro, e.runtime, e.runtime_namespace, "x", e.pid_start, BOOT_A, 1), 1);

        /* a row this build did not write is refused, not half read */
        raw_exec(path, "UPDATE events SET reasons = '{\"not\": \"an array\"}'");
        ck_assert_int_eq(store_events_query(ro, NULL, seen_cb, &(Seen) {}), -EBADMSG);
        raw_exec(path, "UPDATE events SET reasons = '[1]'");
        ck_assert_int_eq(store_events_query(ro, NULL, seen_cb, &(Seen) {}), -EBADMSG);
        raw_exec(path, "UPDATE events SET reasons = '[\"ok\"'");
        ck_assert_int_eq(store_events_query(ro, NULL, seen_cb, &(Seen) {}), -EBADMSG);

        /* and the schema refuses what the code would never write */
        {
                sqlite3 *db;

                ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
                ck_assert_int_ne(sqlite3_exec(db, "UPDATE events SET verdict = 'maybe'", NULL, NULL, NULL), SQLITE_OK);
                ck_assert_int_ne(sqlite3_exec(db, "UPDATE events SET action = 'explode'", NULL, NULL, NULL), SQLITE_OK);
                ck_assert_int_eq(sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL), SQLITE_OK);
                ck_assert_int_ne(sqlite3_exec(db, "UPDATE events SET container = 999", NULL, NULL, NULL), SQLITE_OK);
                ck_assert_int_ne(sqlite3_exec(db, "INSERT INTO containers (runtime, runtime_namespace, container_id, "
                                              "pid_start, boot_id, pid, first_seen) SELECT runtime, runtime_namespace, "
                                              "container_id, pid_start, boot_id, 1, 1 FROM containers",
                                              NULL, NULL, NULL),
                                 SQLITE_OK);
                sqlite3_close(db);
        }
}
END_TEST

/* The schema as release 1 wrote it, by hand: migration 0 -> 1 must never change. */
static const char v1_schema[] =
        "CREATE TABLE policy_versions ("
        "  version INTEGER PRIMARY KEY AUTOINCREMENT,"
        "  loaded_at INTEGER NOT NULL,"
        "  digest TEXT NOT NULL,"
        "  source TEXT,"
        "  yaml TEXT NOT NULL,"
        "  active INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1))"
        ");"
        "CREATE UNIQUE INDEX policy_versions_active ON policy_versions (active) WHERE active = 1;"
        "INSERT INTO policy_versions (loaded_at, digest, source, yaml, active) VALUES "
        "  (1000, 'aa', '/etc/capguard/old.yaml', 'version: 1\n# old\n', 0),"
        "  (2000, 'bb', NULL, 'version: 1\n', 1);"
        "PRAGMA user_version = 1;";

START_TEST(test_migrate_from_v1) {
        _cleanup_store_ Store *s = NULL, *ro = NULL;
        _cleanup_(event_done) Event e = event_make("after-upgrade", 5000);
        StorePolicy p = {};
        int version = -1;
        Seen seen;

        raw_exec(fresh_path("v1.db"), v1_schema);

        /* capctl does not migrate: it says the file is older */
        ck_assert_int_eq(store_open(path, STORE_READ_ONLY, &ro), -EPROTO);

        ck_assert_int_eq(store_open(path, STORE_READ_WRITE, &s), 0);
        ck_assert_int_eq(store_schema_version(s, &version), 0);
        ck_assert_int_eq(version, STORE_SCHEMA_VERSION);

        /* the policies survive, the active one still active */
        ck_assert_int_eq(store_policy_get(s, 0, &p), 0);
        ck_assert_uint_eq(p.version, 2);
        ck_assert_str_eq(p.yaml, "version: 1\n");
        store_policy_done(&p);
        ck_assert_int_eq(store_policy_get(s, 1, &p), 0);
        ck_assert_str_eq(p.source, "/etc/capguard/old.yaml");
        ck_assert_str_eq(p.yaml, "version: 1\n# old\n");
        ck_assert(!p.active);
        store_policy_done(&p);

        /* and the new tables are there and empty */
        seen = query(s, 0);
        ck_assert_uint_eq(seen.n, 0);
        e.policy_version = 2;
        (void) add(s, &e);
        ck_assert_int_eq(store_event_exists(s, e.runtime, e.runtime_namespace, e.container_id, e.pid_start, BOOT_A, 2), 1);

        /* opening it again migrates nothing twice */
        s = store_close(s);
        ck_assert_int_eq(store_open(path, STORE_READ_WRITE, &s), 0);
        ck_assert_int_eq(store_open(path, STORE_READ_ONLY, &ro), 0);
        seen = query(ro, 0);
        ck_assert_uint_eq(seen.n, 1);
}
END_TEST

/* A v2 database with events, as the release before the history verbs wrote it: the v3
 * migration rebuilds the events table and must keep every row as it was. */
START_TEST(test_migrate_from_v2_keeps_events) {
        _cleanup_store_ Store *s = NULL;
        _cleanup_free_ char *sql = fixture_read("store/v2-events.sql", NULL);
        Seen seen = {};
        int version = -1;

        raw_exec(fresh_path("v2.db"), sql);
        ck_assert_int_eq(store_open(path, STORE_READ_WRITE, &s), 0);
        ck_assert_int_eq(store_schema_version(s, &version), 0);
        ck_assert_int_eq(version, STORE_SCHEMA_VERSION);

        seen = query(s, 0);
        ck_assert_uint_eq(seen.n, 6);
        for (size_t i = 1; i < seen.n; i++)
                ck_assert_int_lt(seen.time[i - 1], seen.time[i]);
        /* the newest is fill-events' event 0: a kill that failed, its reasons intact */
        {
                uint64_t n = 0;

                ck_assert_int_eq(store_events_count(s, &(EventQuery) { .by_action = true, .action = EVENT_ACTION_KILL_FAILED }, &n), 0);
                ck_assert_uint_eq(n, 2);
                ck_assert_int_eq(store_events_count(s, &(EventQuery) { .caps = UINT64_C(1) << 63 }, &n), 0);
                ck_assert_uint_eq(n, 2);
        }
        /* v4 rebuilt the containers under the events: every row kept, without a boot, and
         * every event still pointing at its own */
        {
                sqlite3 *db;
                sqlite3_stmt *st;

                ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
                ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT count(*), sum(boot_id = ''), "
                                                        "  (SELECT count(*) FROM events e JOIN containers c ON e.container = c.id "
                                                        "   WHERE c.pid_start = 5000 + e.pid - 1000) "
                                                        "FROM containers", -1, &st, NULL), SQLITE_OK);
                ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
                ck_assert_int_eq(sqlite3_column_int(st, 0), 6);
                ck_assert_int_eq(sqlite3_column_int(st, 1), 6);
                ck_assert_int_eq(sqlite3_column_int(st, 2), 6);
                sqlite3_finalize(st);
                ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA foreign_key_check", -1, &st, NULL), SQLITE_OK);
                ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
                sqlite3_finalize(st);
                sqlite3_close(db);
        }
}
END_TEST

/* pid_start counts from boot: the same id, pid and tick in another boot is another incarnation */
START_TEST(test_boots) {
        _cleanup_store_ Store *s = NULL;
        _cleanup_(event_done) Event a = event_make("a", 100), b = event_make("a", 200), old = event_make("old", 50),
                                    bad = event_make("bad", 300);
        Seen seen = {};
        uint64_t count = 0;
        sqlite3 *db;

        memcpy(b.boot_id, BOOT_B, sizeof b.boot_id);
        b.policy_version = 2;
        ck_assert_int_eq(store_open(fresh_path("boots.db"), STORE_READ_WRITE, &s), 0);
        (void) add(s, &a);
        ck_assert_int_eq(store_event_exists(s, a.runtime, a.runtime_namespace, "a", a.pid_start, BOOT_A, 1), 1);
        ck_assert_int_eq(store_event_exists(s, a.runtime, a.runtime_namespace, "a", a.pid_start, BOOT_B, 1), 0);
        ck_assert_int_eq(store_event_exists(s, a.runtime, a.runtime_namespace, "a", a.pid_start, "", 1), 0);
        ck_assert_int_eq(store_event_exists(s, a.runtime, a.runtime_namespace, "a", a.pid_start, NULL, 1), 0);

        /* the next boot's incarnation gets its own row, live while the first is exited */
        ck_assert_int_eq(store_container_exited(s, a.runtime, a.runtime_namespace, "a", a.pid_start, BOOT_B, 150), -ENOENT);
        ck_assert_int_eq(store_container_exited(s, a.runtime, a.runtime_namespace, "a", a.pid_start, BOOT_A, 150), 0);
        seen.want_id = add(s, &b);
        ck_assert_int_eq(store_containers_count_live(s, &count), 0);
        ck_assert_uint_eq(count, 1);
        ck_assert_int_eq(store_event_exists(s, a.runtime, a.runtime_namespace, "a", a.pid_start, BOOT_B, 2), 1);
        ck_assert_int_eq(store_event_exists(s, a.runtime, a.runtime_namespace, "a", a.pid_start, BOOT_A, 2), 0);
        seen.want = &b;
        ck_assert_int_eq(store_events_query(s, &(EventQuery) {}, seen_cb, &seen), 0);
        ck_assert_uint_eq(seen.n, 2);
        ck_assert_int_eq(seen.id[1], seen.want_id);

        /* a boot id is 32 lowercase hex digits or nothing */
        memcpy(bad.boot_id, "0123456789ABCDEF0123456789ABCDEF", sizeof bad.boot_id);
        ck_assert_int_eq(store_event_add(s, &bad, NULL), -EINVAL);
        memcpy(bad.boot_id, "0123", 5);
        ck_assert_int_eq(store_event_add(s, &bad, NULL), -EINVAL);

        /* a row from before boot ids: adopted into a boot once, and never twice */
        memset(old.boot_id, 0, sizeof old.boot_id);
        (void) add(s, &old);
        ck_assert_int_eq(store_event_exists(s, old.runtime, old.runtime_namespace, "old", old.pid_start, "", 1), 1);
        ck_assert_int_eq(store_event_exists(s, old.runtime, old.runtime_namespace, "old", old.pid_start, BOOT_B, 1), 0);
        ck_assert_int_eq(store_container_adopt(s, 3, "nope"), -EINVAL);
        ck_assert_int_eq(store_container_adopt(s, 3, BOOT_B), 0);
        ck_assert_int_eq(store_container_adopt(s, 3, BOOT_B), -ENOENT);
        ck_assert_int_eq(store_event_exists(s, old.runtime, old.runtime_namespace, "old", old.pid_start, BOOT_B, 1), 1);
        ck_assert_int_eq(store_event_exists(s, old.runtime, old.runtime_namespace, "old", old.pid_start, "", 1), 0);

        /* one whose boot has a row of it already cannot become a second */
        (void) add(s, &old);
        ck_assert_int_eq(store_container_adopt(s, 4, BOOT_B), -EEXIST);

        /* and a row this build did not write is refused, not half read */
        ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
        ck_assert_int_eq(sqlite3_exec(db, "UPDATE containers SET boot_id = 'x' WHERE id = 4", NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(db);
        seen = (Seen) {};
        ck_assert_int_eq(store_events_query(s, &(EventQuery) {}, seen_cb, &seen), -EBADMSG);
}
END_TEST

START_TEST(test_locked_is_ebusy) {
        _cleanup_store_ Store *s = NULL;
        _cleanup_(event_done) Event e = event_make("busy", 1);
        Live live = {};
        sqlite3 *db;
        int64_t id = -1;

        ck_assert_int_eq(store_open(fresh_path("busy.db"), STORE_READ_WRITE, &s), 0);
        (void) add(s, &e);

        ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
        ck_assert_int_eq(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);

        store_set_busy_timeout(s, 50);
        e.container_id[0] = 'B'; /* a new container: nothing of it may be left behind */
        ck_assert_int_eq(store_event_add(s, &e, &id), -EBUSY);
        ck_assert_int_eq(id, -1);
        ck_assert_int_eq(store_container_exited(s, e.runtime, e.runtime_namespace, "busy", e.pid_start, BOOT_A, 2), -EBUSY);

        ck_assert_int_eq(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(db);

        ck_assert_int_eq(store_containers_live(s, live_cb, &live), 0);
        ck_assert_uint_eq(live.n, 1);
        ck_assert_int_eq(query(s, 0).n, 1);

        /* once the lock is gone, the retry goes through */
        (void) add(s, &e);
        ck_assert_int_eq(query(s, 0).n, 2);
}
END_TEST

START_TEST(test_reader_does_not_block_writer) {
        /* WAL: a long `capctl events` must not hold up capguardd's verdicts */
        _cleanup_store_ Store *w = NULL, *r = NULL;
        _cleanup_(event_done) Event e = event_make("wal", 1);
        sqlite3 *db;
        sqlite3_stmt *st;

        ck_assert_int_eq(store_open(fresh_path("wal.db"), STORE_READ_WRITE, &w), 0);
        (void) add(w, &e);

        ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
        ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT id FROM events", -1, &st, NULL), SQLITE_OK);
        ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW); /* a read transaction is open now */

        store_set_busy_timeout(w, 100);
        (void) add(w, &e);
        e.container_id[0] = 'W';
        (void) add(w, &e);

        /* the reader still sees its snapshot */
        ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
        sqlite3_finalize(st);
        sqlite3_close(db);

        ck_assert_int_eq(store_open(path, STORE_READ_ONLY, &r), 0);
        ck_assert_int_eq(query(r, 0).n, 3);
}
END_TEST

static int64_t count_rows(Store *s, const char *sql) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;

        ck_assert_int_eq(store_prepare(s, sql, &st), 0);
        ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
        return sqlite3_column_int64(st, 0);
}

START_TEST(test_full_is_enospc) {
        _cleanup_store_ Store *s = NULL;
        _cleanup_(event_done) Event e = event_make("full", 1);
        _cleanup_free_ char *big = malloc(8192);
        int64_t events, containers;
        int r = 0;

        ck_assert_ptr_nonnull(big);
        memset(big, 'x', 8191);
        big[8191] = '\0';
        e.reasons = strv_make(big, NULL);

        ck_assert_int_eq(store_open(fresh_path("full.db"), STORE_READ_WRITE, &s), 0);
        /* the file may not grow past what it has now: SQLite reports that as a full disk */
        ck_assert_int_eq(store_exec(s, "PRAGMA max_page_count = 1"), 0);

        for (int i = 0; i < 100 && r == 0; i++) {
                char id[16];

                (void) snprintf(id, sizeof id, "full-%d", i);
                free(e.container_id);
                e.container_id = xstrdup(id);
                events = count_rows(s, "SELECT count(*) FROM events");
                containers = count_rows(s, "SELECT count(*) FROM containers");
                r = store_event_add(s, &e, NULL);
        }
        ck_assert_int_eq(r, -ENOSPC);
        /* the failed one left nothing behind, not even its container */
        ck_assert_int_eq(count_rows(s, "SELECT count(*) FROM events"), events);
        ck_assert_int_eq(count_rows(s, "SELECT count(*) FROM containers"), containers);

        /* and once there is room again, the retry is written */
        ck_assert_int_eq(store_exec(s, "PRAGMA max_page_count = 1000000"), 0);
        ck_assert_int_eq(store_event_add(s, &e, NULL), 0);
        ck_assert_int_eq(count_rows(s, "SELECT count(*) FROM events"), events + 1);
}
END_TEST

int main(void) {
        Suite *s = suite_create("store-events");
        TCase *tc = tcase_create("events");
        int r;

        tcase_add_unchecked_fixture(tc, setup, NULL);
        tcase_add_test(tc, test_round_trip);
        tcase_add_test(tc, test_query_order_and_limit);
        tcase_add_test(tc, test_upsert_keeps_metadata);
        tcase_add_test(tc, test_exists_exited_live);
        tcase_add_test(tc, test_refused);
        tcase_add_test(tc, test_boots);
        tcase_add_test(tc, test_migrate_from_v1);
        tcase_add_test(tc, test_migrate_from_v2_keeps_events);
        tcase_add_test(tc, test_locked_is_ebusy);
        tcase_add_test(tc, test_reader_does_not_block_writer);
        tcase_add_test(tc, test_full_is_enospc);
        suite_add_tcase(s, tc);
        r = run_suite(s);
        teardown();
        return r;
}
