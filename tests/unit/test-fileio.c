/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <sys/stat.h>

#include "capguard/fileio.h"
#include "check-util.h"

static char tmpdir[] = "/tmp/capguard-fileio-XXXXXX";
static int dir_fd = -EBADF;

static void setup(void) {
        ck_assert_ptr_nonnull(mkdtemp(tmpdir));
        dir_fd = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ck_assert_int_ge(dir_fd, 0);
}

static void write_file(const char *name, const char *text, size_t len) {
        int fd = openat(dir_fd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, text, len), (ssize_t) len);
        close(fd);
}

START_TEST(test_read) {
        char buf[16];
        size_t len = 0;

        write_file("small", "hello", 5);
        ck_assert_int_eq(read_file_at(dir_fd, "small", buf, sizeof buf, &len), 0);
        ck_assert_uint_eq(len, 5);
        ck_assert_str_eq(buf, "hello");

        /* exactly the buffer is too much: one byte is kept for the NUL */
        write_file("sixteen", "0123456789abcdef", 16);
        ck_assert_int_eq(read_file_at(dir_fd, "sixteen", buf, sizeof buf, &len), -EFBIG);
        write_file("fifteen", "0123456789abcde", 15);
        ck_assert_int_eq(read_file_at(dir_fd, "fifteen", buf, sizeof buf, &len), 0);
        ck_assert_uint_eq(len, 15);
}
END_TEST

START_TEST(test_refuses_links_and_specials) {
        char buf[64];
        size_t len;
        _cleanup_free_ char *p = NULL;

        write_file("target", "secret", 6);
        ck_assert_int_eq(symlinkat("target", dir_fd, "link"), 0);
        ck_assert_int_eq(read_file_at(dir_fd, "link", buf, sizeof buf, &len), -ELOOP);
        ck_assert_int_eq(read_full_file_at(dir_fd, "link", 1024, &p, &len), -ELOOP);
        ck_assert_ptr_null(p);

        /* a FIFO planted where a state file should be must not block us */
        ck_assert_int_eq(mkfifoat(dir_fd, "fifo", 0600), 0);
        ck_assert_int_eq(read_file_at(dir_fd, "fifo", buf, sizeof buf, &len), -EBADFD);

        ck_assert_int_eq(mkdirat(dir_fd, "dir", 0700), 0);
        ck_assert_int_eq(read_file_at(dir_fd, "dir", buf, sizeof buf, &len), -EBADFD);

        ck_assert_int_eq(read_file_at(dir_fd, "missing", buf, sizeof buf, &len), -ENOENT);
}
END_TEST

START_TEST(test_read_full) {
        _cleanup_free_ char *p = NULL, *q = NULL, *r = NULL;
        char big[10000];
        size_t len = 0;

        memset(big, 'x', sizeof big);
        write_file("big", big, sizeof big);
        ck_assert_int_eq(read_full_file_at(dir_fd, "big", sizeof big + 1, &p, &len), 0);
        ck_assert_uint_eq(len, sizeof big);
        ck_assert_int_eq(p[len], '\0');
        ck_assert_int_eq(read_full_file_at(dir_fd, "big", sizeof big, &q, &len), -EFBIG);
        ck_assert_ptr_null(q);

        /* /proc files report size 0 and still read whole */
        {
                int proc = open("/proc/self", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

                ck_assert_int_ge(proc, 0);
                ck_assert_int_eq(read_full_file_at(proc, "status", 1 << 20, &r, &len), 0);
                close(proc);
                ck_assert_ptr_nonnull(strstr(r, "CapBnd:"));
        }

        /* one past the first guess of 4 KiB: read again from the start into a larger buffer */
        {
                _cleanup_free_ char *maps = NULL;
                int proc = open("/proc/self", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

                ck_assert_int_ge(proc, 0);
                ck_assert_int_eq(read_full_file_at(proc, "smaps", 1 << 22, &maps, &len), 0);
                close(proc);
                ck_assert_uint_gt(len, 4096);
                ck_assert_uint_eq(strlen(maps), len);
                /* whole: from the lowest mapping, as maps lists it first, to the last one's flags */
                {
                        char first[256];
                        FILE *f = fopen("/proc/self/maps", "re");

                        ck_assert_ptr_nonnull(f);
                        ck_assert_ptr_nonnull(fgets(first, sizeof first, f));
                        fclose(f);
                        ck_assert_int_eq(strncmp(maps, first, strlen(first)), 0);
                }
                ck_assert_ptr_nonnull(strstr(maps + len - 128, "VmFlags:"));
                ck_assert_int_eq(maps[len - 1], '\n');
        }
}
END_TEST

static Suite *suite(void) {
        Suite *s = suite_create("fileio");
        TCase *tc = tcase_create("read");

        tcase_add_unchecked_fixture(tc, setup, NULL);
        tcase_add_test(tc, test_read);
        tcase_add_test(tc, test_refuses_links_and_specials);
        tcase_add_test(tc, test_read_full);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        int r = run_suite(suite());
        char cmd[128];

        (void) snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
        (void) system(cmd);
        return r;
}
