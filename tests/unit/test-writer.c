/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capguard/store.h"
#include "check-util.h"
#include "checkpointer.h"
#include "writer.h"

#define BOOT "0123456789abcdef0123456789abcdef"

static char dir[] = "/tmp/capguard-writer-XXXXXX";
static char path[256];

static void setup(void) {
        Store *s;

        ck_assert_ptr_nonnull(mkdtemp(dir));
        (void) snprintf(path, sizeof path, "%s/capguard.db", dir);
        /* created and migrated, as the daemon's own connection leaves it */
        ck_assert_int_eq(store_open(path, STORE_READ_WRITE, &s), 0);
        store_close(s);
}

static void teardown(void) {
        char cmd[300];

        (void) snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        (void) system(cmd);
}

static Event verdict(unsigned i) {
        char id[32];
        Event e = {
                .time_usec = 1000 + i,
                .runtime = RUNTIME_RUNC,
                .pid = 100,
                .pid_start = i,
                .verdict = EVENT_VERDICT_OK,
                .action = EVENT_ACTION_NONE,
                .no_new_privs = -1,
                .seccomp = -1,
                .policy_version = 1,
                .boot_id = BOOT,
        };

        (void) snprintf(id, sizeof id, "c%u", i);
        e.container_id = strdup(id);
        ck_assert_ptr_nonnull(e.container_id);
        return e;
}

static Event exit_of(unsigned i, int64_t when) {
        Event e = verdict(i);

        e.time_usec = when;
        return e;
}

static void push_verdict(Writer *w, unsigned i) {
        Event e = verdict(i);

        ck_assert_int_gt(writer_push_event(w, &e), 0);
        ck_assert_ptr_null(e.container_id); /* the writer's now */
}

static void push_exit(Writer *w, unsigned i, int64_t when) {
        Event e = exit_of(i, when);

        ck_assert_int_gt(writer_push_exit(w, &e), 0);
}

static sqlite3 *db_open(void) {
        sqlite3 *db;

        ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
        sqlite3_busy_timeout(db, 5000);
        return db;
}

static int64_t query_int(const char *sql) {
        sqlite3 *db = db_open();
        sqlite3_stmt *st;
        int64_t v = -1;

        ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
        if (sqlite3_step(st) == SQLITE_ROW)
                v = sqlite3_column_type(st, 0) == SQLITE_NULL ? -2 : sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        sqlite3_close(db);
        return v;
}

/* How often writer_failing() changed since the last look, as the loop hears of it. */
static uint64_t state_changes(Writer *w) {
        uint64_t n = 0;

        if (read(writer_state_fd(w), &n, sizeof n) < 0)
                ck_assert_int_eq(errno, EAGAIN);
        return n;
}

START_TEST(test_writes_in_order) {
        Writer *w;
        size_t lost = 99;

        ck_assert_int_eq(writer_start(path, NULL, &w), 0);
        /* not kicked, the thread takes nothing: each hand-over says how many wait, which is
         * how the loop knows to kick for a batch */
        for (unsigned i = 0; i < 3; i++) {
                Event e = verdict(i);

                ck_assert_int_eq(writer_push_event(w, &e), (int) i + 1);
        }
        /* more than a transaction's worth, and an exit in their midst, after its verdict */
        for (unsigned i = 3; i < 300; i++) {
                push_verdict(w, i);
                if (i == 5)
                        push_exit(w, 5, 5555);
        }
        /* an exit handed over right behind its verdict: marked, not lost to the order */
        push_verdict(w, 1000);
        push_exit(w, 1000, 7777);
        /* an exit of an incarnation never judged: nothing to mark, no error */
        push_exit(w, 2000, 8888);
        writer_kick(w);
        ck_assert_int_eq(writer_sync(w), 0);
        ck_assert(!writer_failing(w));
        ck_assert_uint_eq(state_changes(w), 0);

        ck_assert_int_eq(query_int("SELECT count(*) FROM events"), 301);
        /* in the order handed over: row ids follow the verdicts' times */
        ck_assert_int_eq(query_int("SELECT count(*) FROM events a JOIN events b ON b.id = a.id + 1 WHERE b.time < a.time"), 0);
        ck_assert_int_eq(query_int("SELECT exited FROM containers WHERE container_id = 'c5'"), 5555);
        ck_assert_int_eq(query_int("SELECT exited FROM containers WHERE container_id = 'c1000'"), 7777);
        ck_assert_int_eq(query_int("SELECT exited FROM containers WHERE container_id = 'c6'"), -2);
        ck_assert_int_eq(query_int("SELECT count(*) FROM containers WHERE container_id = 'c2000'"), 0);

        ck_assert_ptr_null(writer_stop(w, &lost));
        ck_assert_uint_eq(lost, 0);
}
END_TEST

START_TEST(test_hand_over_while_writing) {
        Writer *w;
        size_t lost = 99;

        /* handed over while the thread takes and writes: none lost, none out of order */
        ck_assert_int_eq(writer_start(path, NULL, &w), 0);
        for (unsigned i = 0; i < 5000; i++) {
                push_verdict(w, i);
                if (i % 7 == 0)
                        writer_kick(w);
        }
        writer_kick(w);
        ck_assert_int_eq(writer_sync(w), 0);
        ck_assert_int_eq(query_int("SELECT count(*) FROM events"), 5000);
        ck_assert_int_eq(query_int("SELECT count(*) FROM events a JOIN events b ON b.id = a.id + 1 WHERE b.time <> a.time + 1"), 0);
        ck_assert_ptr_null(writer_stop(w, &lost));
        ck_assert_uint_eq(lost, 0);
}
END_TEST

START_TEST(test_store_locked) {
        sqlite3 *locker = db_open();
        Writer *w;
        size_t lost = 99;
        int r;

        ck_assert_int_eq(writer_start(path, NULL, &w), 0);
        /* another writer holds the database */
        ck_assert_int_eq(sqlite3_exec(locker, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
        push_verdict(w, 1);
        push_verdict(w, 2);
        writer_kick(w);
        r = writer_sync(w);
        ck_assert_msg(r == -EBUSY, "sync while locked: %d", r);
        ck_assert(writer_failing(w));
        ck_assert_uint_eq(state_changes(w), 1);
        /* tried again, still locked: no change to tell */
        ck_assert_int_eq(writer_sync(w), -EBUSY);
        ck_assert_uint_eq(state_changes(w), 0);

        /* kept, in order, and written once the lock is gone */
        push_verdict(w, 3);
        ck_assert_int_eq(sqlite3_exec(locker, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
        ck_assert_int_eq(writer_sync(w), 0);
        ck_assert(!writer_failing(w));
        ck_assert_uint_eq(state_changes(w), 1);
        ck_assert_int_eq(query_int("SELECT count(*) FROM events"), 3);
        ck_assert_int_eq(query_int("SELECT time FROM events ORDER BY id LIMIT 1 OFFSET 2"), 1003);

        /* locked again at exit: what could not be written is counted, not hidden */
        ck_assert_int_eq(sqlite3_exec(locker, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
        push_verdict(w, 4);
        push_exit(w, 1, 42);
        ck_assert_ptr_null(writer_stop(w, &lost));
        ck_assert_uint_eq(lost, 2);
        ck_assert_int_eq(sqlite3_exec(locker, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(locker);
        ck_assert_int_eq(query_int("SELECT count(*) FROM events"), 3);
}
END_TEST

START_TEST(test_checkpoints) {
        Checkpointer *c;
        Writer *w;
        char wal[300];
        struct stat st;

        ck_assert_int_eq(checkpointer_start(path, &c), 0);
        ck_assert_int_eq(writer_start(path, c, &w), 0);
        for (unsigned i = 0; i < 50; i++)
                push_verdict(w, i);
        writer_kick(w);
        ck_assert_int_eq(writer_sync(w), 0);

        /* a second after the first write the log is copied: read without it, the database
         * file has the verdicts */
        (void) snprintf(wal, sizeof wal, "%s-wal", path);
        ck_assert_int_eq(stat(wal, &st), 0);
        /* the checkpointer runs at idle priority: on a CI machine busy with other tests it may
         * wait a while for a CPU, which is not what this test is about */
        for (int tries = 0; tries < 600; tries++) {
                char uri[400];
                sqlite3 *db;
                sqlite3_stmt *q;
                int64_t n = 0;

                (void) snprintf(uri, sizeof uri, "file:%s?immutable=1", path);
                ck_assert_int_eq(sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL), SQLITE_OK);
                if (sqlite3_prepare_v2(db, "SELECT count(*) FROM events", -1, &q, NULL) == SQLITE_OK &&
                    sqlite3_step(q) == SQLITE_ROW)
                        n = sqlite3_column_int64(q, 0);
                sqlite3_finalize(q);
                sqlite3_close(db);
                if (n == 50)
                        break;
                ck_assert_msg(tries < 599, "the database file has %lld verdicts of 50 after 30 s", (long long) n);
                (void) usleep(50 * 1000);
        }
        ck_assert_ptr_null(writer_stop(w, NULL));
        ck_assert_ptr_null(checkpointer_stop(c));
}
END_TEST

int main(void) {
        Suite *s = suite_create("writer");
        TCase *tc = tcase_create("writer");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_writes_in_order);
        tcase_add_test(tc, test_hand_over_while_writing);
        tcase_add_test(tc, test_store_locked);
        tcase_add_test(tc, test_checkpoints);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
