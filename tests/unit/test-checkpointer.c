/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "capguard/store.h"
#include "check-util.h"
#include "checkpointer.h"

static char dir[] = "/tmp/capguard-checkpointer-XXXXXX";
static char path[256];

static void setup(void) {
        ck_assert_ptr_nonnull(mkdtemp(dir));
        (void) snprintf(path, sizeof path, "%s/capguard.db", dir);
}

static void teardown(void) {
        char cmd[300];

        (void) snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        (void) system(cmd);
}

typedef struct Hook {
        unsigned calls, last_pages;
} Hook;

static void on_commit(void *userdata, unsigned pages) {
        Hook *h = userdata;

        h->calls++;
        h->last_pages = pages;
}

static off_t size_of(const char *p) {
        struct stat st;

        ck_assert_int_eq(stat(p, &st), 0);
        return st.st_size;
}

/* n verdicts, in one transaction */
static void write_events(Store *s, unsigned first, unsigned n) {
        Event *batch[64], events[64];
        char ids[64][32];

        ck_assert_uint_le(n, 64);
        for (unsigned i = 0; i < n; i++) {
                (void) snprintf(ids[i], sizeof ids[i], "c%u", first + i);
                events[i] = (Event) {
                        .time_usec = 1000 + first + i,
                        .container_id = ids[i],
                        .runtime = RUNTIME_RUNC,
                        .pid = 100,
                        .pid_start = first + i,
                        .no_new_privs = -1,
                        .seccomp = -1,
                        .verdict = EVENT_VERDICT_OK,
                        .action = EVENT_ACTION_NONE,
                };
                batch[i] = &events[i];
        }
        ck_assert_int_eq(store_events_add(s, batch, n), 0);
}

/* The writer's commits only append to the log; the thread copies it into the database. */
START_TEST(test_copies_on_its_thread) {
        _cleanup_store_ Store *s = NULL;
        Checkpointer *c = NULL;
        Hook hook = {};
        off_t before;
        unsigned before_pages;
        bool copied = false;

        ck_assert_int_eq(store_open(path, STORE_READ_WRITE, &s), 0);
        ck_assert_int_eq(store_set_wal_hook(s, on_commit, &hook), 0);
        /* what migration and opening copied is in the database file already */
        ck_assert_int_eq(store_checkpoint(s), 0);
        before = size_of(path);

        for (unsigned i = 0; i < 10; i++)
                write_events(s, i * 64, 64);
        ck_assert_uint_eq(hook.calls, 10);
        ck_assert_uint_gt(hook.last_pages, 10);
        before_pages = hook.last_pages;
        /* the hook replaced SQLite's own checkpoints: nothing copied yet */
        ck_assert_int_eq(size_of(path), before);

        ck_assert_int_eq(checkpointer_start(path, &c), 0);
        checkpointer_request(c);
        for (int i = 0; i < 300 && !copied; i++) {
                copied = size_of(path) > before;
                if (!copied)
                        usleep(10 * 1000);
        }
        ck_assert_msg(copied, "the thread did not copy the log into the database");
        ck_assert_int_eq(checkpointer_take_error(c), 0);

        /* Once a copy has taken the whole log, the next commit starts it over. A commit made
         * while a copy runs leaves frames it did not take: ask again, give it time, commit. */
        for (int i = 0; i < 300; i++) {
                checkpointer_request(c);
                usleep(10 * 1000);
                write_events(s, 1000 + (unsigned) i, 1);
                if (hook.last_pages < before_pages)
                        break;
        }
        ck_assert_uint_lt(hook.last_pages, before_pages);

        /* requests pile up into one; stopping waits for the thread */
        for (int i = 0; i < 1000; i++)
                checkpointer_request(c);
        ck_assert_ptr_null(checkpointer_stop(c));
        ck_assert_ptr_null(checkpointer_stop(NULL));
}
END_TEST

START_TEST(test_refuses_what_it_cannot_open) {
        Checkpointer *c = NULL;
        char missing[300];

        (void) snprintf(missing, sizeof missing, "%s/no/such/dir/capguard.db", dir);
        ck_assert_int_lt(checkpointer_start(missing, &c), 0);
        ck_assert_ptr_null(c);
        ck_assert_int_eq(store_set_wal_hook(NULL, on_commit, NULL), -EINVAL);
}
END_TEST

int main(void) {
        Suite *s = suite_create("checkpointer");
        TCase *tc = tcase_create("checkpointer");
        int r;

        tcase_add_unchecked_fixture(tc, setup, NULL);
        tcase_add_test(tc, test_copies_on_its_thread);
        tcase_add_test(tc, test_refuses_what_it_cannot_open);
        suite_add_tcase(s, tc);
        r = run_suite(s);
        teardown();
        return r;
}
