/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "check-util.h"
#include "fd-table.h"

/* The slots the kernel holds for this process's descriptors: /proc/self/status, FDSize. */
static unsigned fd_slots(void) {
        FILE *f = fopen("/proc/self/status", "re");
        char line[256];
        unsigned n = 0;

        ck_assert_ptr_nonnull(f);
        while (fgets(line, sizeof line, f))
                if (sscanf(line, "FDSize: %u", &n) == 1)
                        break;
        fclose(f);
        ck_assert_uint_gt(n, 0);
        return n;
}

static unsigned fds_open(void) {
        DIR *d = opendir("/proc/self/fd");
        unsigned n = 0;

        ck_assert_ptr_nonnull(d);
        while (readdir(d))
                n++;
        closedir(d);
        return n;
}

START_TEST(test_grows_and_leaves_nothing_open) {
        unsigned before = fds_open();

        /* each test runs in a fresh child of check's: its table is the small one fork() makes */
        ck_assert_uint_lt(fd_slots(), 4096);
        ck_assert_int_eq(fd_table_reserve(4096), 0);
        ck_assert_uint_ge(fd_slots(), 4096);
        ck_assert_uint_eq(fds_open(), before);
}
END_TEST

START_TEST(test_stays_within_the_limit) {
        struct rlimit rl, saved;
        unsigned before = fds_open();

        ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &saved), 0);
        rl = saved;
        rl.rlim_cur = 300;
        ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
        ck_assert_int_eq(fd_table_reserve(8192), 0);
        ck_assert_uint_ge(fd_slots(), 300);
        ck_assert_uint_lt(fd_slots(), 8192);
        ck_assert_uint_eq(fds_open(), before);

        /* no descriptor at all: nothing to grow, and nothing to open either */
        rl.rlim_cur = 0;
        ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
        ck_assert_int_eq(fd_table_reserve(8192), 0);
        ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &saved), 0); /* LeakSanitizer reads /proc at exit */
}
END_TEST

int main(void) {
        Suite *s = suite_create("fd-table");
        TCase *tc = tcase_create("fd-table");

        /* each test in a child of its own (meson sets CK_FORK=yes): a test's table must not be
         * the one the test before it grew */
        tcase_add_test(tc, test_grows_and_leaves_nothing_open);
        tcase_add_test(tc, test_stays_within_the_limit);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
