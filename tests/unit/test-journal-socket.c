/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "capguard/journal-event.h"
#include "capguard/journal-socket.h"
#include "check-util.h"

static char dir[] = "/tmp/capguard-jsock-XXXXXX";
static char path[128];

/* journald's end: a datagram socket bound at path */
static int listen_at(void) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

        ck_assert_int_ge(fd, 0);
        (void) unlink(path);
        strcpy(sa.sun_path, path);
        ck_assert_int_eq(bind(fd, (struct sockaddr *) &sa, sizeof sa), 0);
        return fd;
}

static size_t receive(int fd, char *buf, size_t size, int *ret_passed_fd) {
        union {
                struct cmsghdr cmsg;
                char b[CMSG_SPACE(sizeof(int))];
        } control = {};
        struct iovec iov = { .iov_base = buf, .iov_len = size - 1 };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control, .msg_controllen = sizeof control };
        struct cmsghdr *c;
        ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

        ck_assert_int_ge(n, 0);
        buf[n] = '\0';
        *ret_passed_fd = -1;
        c = CMSG_FIRSTHDR(&mh);
        if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
                memcpy(ret_passed_fd, CMSG_DATA(c), sizeof(int));
        return (size_t) n;
}

#define FIELD(s) { .iov_base = (void *) (s), .iov_len = sizeof(s) - 1 }

START_TEST(test_send) {
        const struct iovec fields[] = { FIELD("MESSAGE=hello"), FIELD("CAPGUARD_POD=web-0 x=y"), FIELD("PRIORITY=6") };
        const struct iovec bad[] = { FIELD("MESSAGE=two\nFORGED=1") };
        JournalSocket j = JOURNAL_SOCKET_INIT(path);
        char buf[4096];
        int l = listen_at(), passed;

        /* one datagram, each field on a line of its own */
        ck_assert_int_eq(journal_socket_send(&j, fields, ELEMENTSOF(fields)), 0);
        ck_assert_uint_eq(receive(l, buf, sizeof buf, &passed), strlen("MESSAGE=hello\nCAPGUARD_POD=web-0 x=y\nPRIORITY=6\n"));
        ck_assert_str_eq(buf, "MESSAGE=hello\nCAPGUARD_POD=web-0 x=y\nPRIORITY=6\n");
        ck_assert_int_eq(passed, -1);

        /* a newline in a value would make a field of its own: refused, nothing sent */
        ck_assert_int_eq(journal_socket_send(&j, bad, 1), -EINVAL);
        ck_assert_int_lt(recv(l, buf, sizeof buf, MSG_DONTWAIT), 0);

        /* journald restarted: its socket bound anew at the same path, and reached again */
        close(l);
        l = listen_at();
        ck_assert_int_eq(journal_socket_send(&j, fields, 1), 0);
        receive(l, buf, sizeof buf, &passed);
        ck_assert_str_eq(buf, "MESSAGE=hello\n");

        /* journald gone, its socket file with it: an error, where sd_journal_sendv() says 0 */
        close(l);
        ck_assert_int_eq(unlink(path), 0);
        ck_assert_int_eq(journal_socket_send(&j, fields, 1), -ENOENT);
        ck_assert_int_lt(j.fd, 0);
        /* a socket file that nobody listens on */
        l = listen_at();
        close(l);
        ck_assert_int_eq(journal_socket_send(&j, fields, 1), -ECONNREFUSED);
        journal_socket_close(&j);
}
END_TEST

START_TEST(test_large_entry) {
        /* larger than a datagram may be: in a sealed memfd, as journald takes it */
        size_t big = 512 * 1024;
        _cleanup_free_ char *value = malloc(big), *back = malloc(big + 64);
        struct iovec fields[2] = { FIELD("MESSAGE=large") };
        JournalSocket j = JOURNAL_SOCKET_INIT(path);
        char buf[64];
        int l = listen_at(), passed, seals;
        ssize_t n;

        ck_assert_ptr_nonnull(value);
        ck_assert_ptr_nonnull(back);
        memcpy(value, "CAPGUARD_REASON=", 16);
        memset(value + 16, 'r', big - 16);
        fields[1] = (struct iovec) { .iov_base = value, .iov_len = big };

        ck_assert_int_eq(journal_socket_send(&j, fields, 2), 0);
        ck_assert_uint_eq(receive(l, buf, sizeof buf, &passed), 0);
        ck_assert_int_ge(passed, 0);
        seals = fcntl(passed, F_GET_SEALS);
        ck_assert_int_eq(seals & (F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW), F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW);
        n = pread(passed, back, big + 64, 0);
        ck_assert_int_eq(n, (ssize_t) (strlen("MESSAGE=large\n") + big + 1));
        ck_assert_int_eq(memcmp(back, "MESSAGE=large\nCAPGUARD_REASON=rrr", 33), 0);
        ck_assert_int_eq(back[n - 1], '\n');
        close(passed);
        close(l);
        journal_socket_close(&j);
}
END_TEST

START_TEST(test_event) {
        Event e = { .container_id = (char *) "abc", .verdict = EVENT_VERDICT_OK, .action = EVENT_ACTION_NONE,
                    .pid = 42, .no_new_privs = -1, .seccomp = -1 };
        JournalSocket j = JOURNAL_SOCKET_INIT(path);
        char buf[8192];
        int l = listen_at(), passed;

        ck_assert_int_eq(journal_event_send(&j, &e), 0);
        receive(l, buf, sizeof buf, &passed);
        ck_assert_msg(strncmp(buf, "MESSAGE_ID=" CAPGUARD_MESSAGE_COMPLIANT_STR "\nPRIORITY=6\nMESSAGE=", 57) == 0, "%s", buf);
        ck_assert_ptr_nonnull(strstr(buf, "\nCAPGUARD_CONTAINER_ID=abc\n"));
        ck_assert_ptr_nonnull(strstr(buf, "\nCAPGUARD_PID=42\n"));
        close(l);
        journal_socket_close(&j);
}
END_TEST

int main(void) {
        Suite *s = suite_create("journal-socket");
        TCase *tc = tcase_create("send");
        int r;

        if (!mkdtemp(dir))
                return EXIT_FAILURE;
        (void) snprintf(path, sizeof path, "%s/socket", dir);
        tcase_add_test(tc, test_send);
        tcase_add_test(tc, test_large_entry);
        tcase_add_test(tc, test_event);
        suite_add_tcase(s, tc);
        r = run_suite(s);
        (void) unlink(path);
        (void) rmdir(dir);
        return r;
}
