/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <sqlite3.h>
#include <stdio.h>
#include <sys/stat.h>

#include "capguard/store.h"
#include "check-util.h"

static char dir[] = "/tmp/capguard-store-XXXXXX";
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
        ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(db);
}

START_TEST(test_create_and_versions) {
        _cleanup_store_ Store *s = NULL;
        StorePolicy p = {};
        unsigned v = 0;
        bool created = false;
        int schema = -1;

        ck_assert_int_eq(store_open(fresh_path("a.db"), STORE_READ_WRITE, &s), 0);
        ck_assert_int_eq(store_schema_version(s, &schema), 0);
        ck_assert_int_eq(schema, STORE_SCHEMA_VERSION);

        ck_assert_int_eq(store_policy_get(s, 0, &p), -ENOENT);

        ck_assert_int_eq(store_policy_add(s, "version: 1\n", 11, "/etc/a.yaml", 1000, &v, &created), 0);
        ck_assert_uint_eq(v, 1);
        ck_assert(created);

        /* the same text again is no new version */
        ck_assert_int_eq(store_policy_add(s, "version: 1\n", 11, "/etc/b.yaml", 2000, &v, &created), 0);
        ck_assert_uint_eq(v, 1);
        ck_assert(!created);

        ck_assert_int_eq(store_policy_add(s, "version: 1\nrules: []\n", 21, NULL, 3000, &v, &created), 0);
        ck_assert_uint_eq(v, 2);
        ck_assert(created);

        ck_assert_int_eq(store_policy_get(s, 0, &p), 0);
        ck_assert_uint_eq(p.version, 2);
        ck_assert(p.active);
        ck_assert_ptr_null(p.source);
        ck_assert_str_eq(p.yaml, "version: 1\nrules: []\n");
        ck_assert_int_eq(p.loaded_at_usec, 3000);
        store_policy_done(&p);

        ck_assert_int_eq(store_policy_get(s, 1, &p), 0);
        ck_assert(!p.active);
        ck_assert_str_eq(p.source, "/etc/a.yaml");
        {
                char want[SHA256_HEX_SIZE];

                ck_assert_str_eq(p.digest, sha256_hex("version: 1\n", 11, want));
        }
        store_policy_done(&p);

        ck_assert_int_eq(store_policy_get(s, 99, &p), -ENOENT);

        /* going back to an older text makes a new version: history stays linear */
        ck_assert_int_eq(store_policy_add(s, "version: 1\n", 11, NULL, 4000, &v, &created), 0);
        ck_assert_uint_eq(v, 3);
}
END_TEST

static int count_cb(const StorePolicy *p, void *userdata) {
        unsigned *n = userdata;

        ck_assert_uint_eq(p->version, *n + 1);   /* oldest first */
        ck_assert_ptr_null(p->yaml);             /* the list leaves the text out */
        (*n)++;
        return 0;
}

START_TEST(test_list_and_one_active) {
        _cleanup_store_ Store *s = NULL;
        unsigned v, n = 0;

        ck_assert_int_eq(store_open(fresh_path("b.db"), STORE_READ_WRITE, &s), 0);
        for (int i = 0; i < 5; i++) {
                char y[32];

                (void) snprintf(y, sizeof y, "version: 1 # %d\n", i);
                ck_assert_int_eq(store_policy_add(s, y, strlen(y), NULL, i, &v, NULL), 0);
        }
        ck_assert_int_eq(store_policy_list(s, count_cb, &n), 0);
        ck_assert_uint_eq(n, 5);

        /* the schema itself refuses a second active version */
        {
                sqlite3 *db;

                ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
                ck_assert_int_ne(sqlite3_exec(db, "UPDATE policy_versions SET active = 1 WHERE version = 1", NULL, NULL, NULL),
                                 SQLITE_OK);
                sqlite3_close(db);
        }
}
END_TEST

START_TEST(test_read_only) {
        _cleanup_store_ Store *w = NULL, *r = NULL, *missing = NULL;
        StorePolicy p = {};
        unsigned v;

        ck_assert_int_eq(store_open(fresh_path("nothing.db"), STORE_READ_ONLY, &missing), -ENOENT);
        ck_assert_int_eq(access(path, F_OK), -1); /* and nothing was created */

        ck_assert_int_eq(store_open(fresh_path("c.db"), STORE_READ_WRITE, &w), 0);
        ck_assert_int_eq(store_policy_add(w, "version: 1\n", 11, NULL, 1, &v, NULL), 0);

        ck_assert_int_eq(store_open(path, STORE_READ_ONLY, &r), 0);
        ck_assert_int_eq(store_policy_get(r, 0, &p), 0);
        store_policy_done(&p);
        ck_assert_int_eq(store_policy_add(r, "x", 1, NULL, 1, &v, NULL), -EROFS);
}
END_TEST

START_TEST(test_schema_mismatch) {
        _cleanup_store_ Store *s = NULL, *t = NULL;
        int fd;

        /* a newer schema: neither read nor written */
        ck_assert_int_eq(store_open(fresh_path("new.db"), STORE_READ_WRITE, &s), 0);
        s = store_close(s);
        raw_exec(path, "PRAGMA user_version = 99");
        ck_assert_int_eq(store_open(path, STORE_READ_ONLY, &s), -EPROTONOSUPPORT);
        ck_assert_int_eq(store_open(path, STORE_READ_WRITE, &s), -EPROTONOSUPPORT);

        /* an empty SQLite file is not ours to read */
        raw_exec(fresh_path("empty.db"), "CREATE TABLE other (x)");
        ck_assert_int_eq(store_open(path, STORE_READ_ONLY, &t), -EBADMSG);

        /* not SQLite at all */
        fd = open(fresh_path("garbage.db"), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, "this is not a database, not at all, not even close....", 54), 54);
        for (int i = 0; i < 100; i++)
                ck_assert_int_eq(write(fd, "0123456789", 10), 10);
        close(fd);
        ck_assert_int_eq(store_open(path, STORE_READ_WRITE, &t), -EBADMSG);
}
END_TEST

START_TEST(test_refuses_symlink) {
        _cleanup_store_ Store *s = NULL;
        char target[300];

        ck_assert_int_eq(store_open(fresh_path("real.db"), STORE_READ_WRITE, &s), 0);
        s = store_close(s);
        (void) snprintf(target, sizeof target, "%s", path);
        ck_assert_int_eq(symlink(target, fresh_path("link.db")), 0);
        ck_assert_int_lt(store_open(path, STORE_READ_WRITE, &s), 0);
        ck_assert_ptr_null(s);
}
END_TEST

START_TEST(test_readers_do_not_block_writer) {
        /* WAL: a long query by capctl must not hold up capguardd's writes */
        _cleanup_store_ Store *w = NULL, *r = NULL;
        sqlite3 *db;
        sqlite3_stmt *st;
        unsigned v;

        ck_assert_int_eq(store_open(fresh_path("wal.db"), STORE_READ_WRITE, &w), 0);
        ck_assert_int_eq(store_policy_add(w, "a", 1, NULL, 1, &v, NULL), 0);

        ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
        ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT version FROM policy_versions", -1, &st, NULL), SQLITE_OK);
        ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW); /* a read transaction is open now */

        store_set_busy_timeout(w, 100);
        ck_assert_int_eq(store_policy_add(w, "b", 1, NULL, 2, &v, NULL), 0);
        ck_assert_uint_eq(v, 2);

        sqlite3_finalize(st);
        sqlite3_close(db);
}
END_TEST

START_TEST(test_locked_is_ebusy) {
        _cleanup_store_ Store *w = NULL;
        sqlite3 *db;
        unsigned v;

        ck_assert_int_eq(store_open(fresh_path("busy.db"), STORE_READ_WRITE, &w), 0);
        ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
        ck_assert_int_eq(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);

        store_set_busy_timeout(w, 50);
        ck_assert_int_eq(store_policy_add(w, "a", 1, NULL, 1, &v, NULL), -EBUSY);

        ck_assert_int_eq(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(db);
        /* and once the lock is gone, the write goes through */
        ck_assert_int_eq(store_policy_add(w, "a", 1, NULL, 1, &v, NULL), 0);
}
END_TEST

int main(void) {
        Suite *s = suite_create("store");
        TCase *tc = tcase_create("policy");
        int r;

        tcase_add_unchecked_fixture(tc, setup, NULL);
        tcase_add_test(tc, test_create_and_versions);
        tcase_add_test(tc, test_list_and_one_active);
        tcase_add_test(tc, test_read_only);
        tcase_add_test(tc, test_schema_mismatch);
        tcase_add_test(tc, test_refuses_symlink);
        tcase_add_test(tc, test_readers_do_not_block_writer);
        tcase_add_test(tc, test_locked_is_ebusy);
        suite_add_tcase(s, tc);
        r = run_suite(s);
        teardown();
        return r;
}
