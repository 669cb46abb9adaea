/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "capguard/proc-stat.h"
#include "check-util.h"

/* Shaped as this machine's kernel (6.x) prints it: 52 fields, a negative tpgid (-1), rsslim
 * at 2^64-1; pid and start time are those of runc-default's init (its state.json). */
#define STAT_HEAD "26455 ("
#define STAT_TAIL ") S 26441 26455 26455 0 -1 4194560 121 0 0 0 0 0 0 0 20 0 1 0 184330 1458176 129 " \
        "18446744073709551615 94502368468992 94502369149073 140727256412848 0 0 0 0 0 0 0 0 0 17 1 0 0 " \
        "0 0 0 94502369313232 94502369329096 94502386180096 140727256420150 140727256420162 "         \
        "140727256420162 140727256420329 0\n"

static const char stat_sleep[] = STAT_HEAD "sleep" STAT_TAIL;

static char *with_comm(const char *comm, size_t len) {
        char *s;

        ck_assert_int_ne(asprintf(&s, STAT_HEAD "%.*s" STAT_TAIL, (int) len, comm), -1);
        return s;
}

START_TEST(test_parse) {
        ProcStat st;

        ck_assert_int_eq(proc_stat_parse(stat_sleep, sizeof stat_sleep - 1, &st), 0);
        ck_assert_int_eq(st.pid, 26455);
        ck_assert_str_eq(st.comm, "sleep");
        ck_assert_int_eq(st.state, 'S');
        ck_assert_int_eq(st.ppid, 26441);
        /* the same init runc recorded in runc-default/state.json: init_process_start 184330 */
        ck_assert_uint_eq(st.starttime, 184330);
}
END_TEST

START_TEST(test_comm) {
        static const struct {
                const char *comm, *want;
        } cases[] = {
                { "a) (b", "a) (b" },
                { ") S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1 (", ") S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1 (" },
                { "runc:[2:INIT]", "runc:[2:INIT]" },
                { "", "" },
                { " ", " " },
                { "((", "((" },
                { "x\ny", "x?y" },                            /* a name may hold a newline */
                { "\x1b[2J\r\t\x7f", "?[2J???" },
                { "caf\xc3\xa9", "caf\xc3\xa9" },            /* kept, as the kernel prints it */
                { "kworker/u8:0-events_unbound", "kworker/u8:0-events_unbound" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *text = with_comm(cases[i].comm, strlen(cases[i].comm));
                ProcStat st;

                ck_assert_msg(proc_stat_parse(text, strlen(text), &st) == 0, "case %zu refused", i);
                ck_assert_msg(streq(st.comm, cases[i].want), "case %zu: \"%s\"", i, st.comm);
                ck_assert_int_eq(st.pid, 26455);
                ck_assert_int_eq(st.ppid, 26441);
                ck_assert_uint_eq(st.starttime, 184330);
        }

        {
                char longest[PROC_STAT_COMM_MAX + 1];
                _cleanup_free_ char *ok = NULL, *too_long = NULL;
                ProcStat st;

                memset(longest, 'n', sizeof longest);
                ok = with_comm(longest, PROC_STAT_COMM_MAX);
                too_long = with_comm(longest, PROC_STAT_COMM_MAX + 1);
                ck_assert_int_eq(proc_stat_parse(ok, strlen(ok), &st), 0);
                ck_assert_uint_eq(strlen(st.comm), PROC_STAT_COMM_MAX);
                ck_assert_int_eq(proc_stat_parse(too_long, strlen(too_long), &st), -EBADMSG);
        }
        {
                /* the kernel never prints a NUL */
                static const char nul[] = STAT_HEAD "a\0b" STAT_TAIL;
                ProcStat st;

                ck_assert_int_eq(proc_stat_parse(nul, sizeof nul - 1, &st), -EBADMSG);
        }
}
END_TEST

START_TEST(test_numbers) {
        static const struct {
                const char *text;
                int r;
                uint64_t starttime;
        } cases[] = {
                { "1 (a) S 0 0 0 0 -1 0 0 0 0 0 0 0 0 0 -2 -20 1 0 18446744073709551615 0\n", 0, UINT64_MAX },
                { "1 (a) S 0 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 0\n", 0, 0 },          /* exactly 22 fields */
                { "1 (a) S 0 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0\n", -EBADMSG, 0 },     /* 21 */
                { "1 (a) S 0 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 18446744073709551616 0\n", -EBADMSG, 0 },
                { "1 (a) S 0 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 -5 0\n", -EBADMSG, 0 },
                { "1 (a) S 2147483648 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0\n", -EBADMSG, 0 },
                { "1 (a) S -1 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0\n", -EBADMSG, 0 },
                { "1 (a) 1 0 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0\n", -EBADMSG, 0 },  /* no state */
                { "1 (a) SS 0 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0\n", -EBADMSG, 0 },
                { "1 (a) S 0 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 x\n", -EBADMSG, 0 },
                { "1 (a) S 0 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0x10\n", -EBADMSG, 0 },
                { "1 (a) S 0 0 0 0 - 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0\n", -EBADMSG, 0 },
                { "1 (a) S 0 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0 \n", -EBADMSG, 0 },  /* trailing space */
                { "1 (a) S 0 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5  0\n", -EBADMSG, 0 },  /* two spaces */
                { "1 (a) S 0 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5\t0\n", -EBADMSG, 0 },
                { "1 (a)  S 0 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0\n", -EBADMSG, 0 },
                { "1 (a)S 0 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0\n", -EBADMSG, 0 },
                { "0 (a) S 0 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0\n", -EBADMSG, 0 },   /* pid 0 */
                { "+1 (a) S 0 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0\n", -EBADMSG, 0 },
                { "-1 (a) S 0 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0\n", -EBADMSG, 0 },
                { "1(a) S 0 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0\n", -EBADMSG, 0 },
                { "1 a) S 0 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0\n", -EBADMSG, 0 },
                { "1 (a S 0 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0\n", -EBADMSG, 0 },
                { "1 (a) S 0 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0\nmore\n", -EBADMSG, 0 },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                ProcStat st = { .pid = -7 };
                int r = proc_stat_parse(cases[i].text, strlen(cases[i].text), &st);

                ck_assert_msg(r == cases[i].r, "case %zu gave %d", i, r);
                if (r == 0)
                        ck_assert_uint_eq(st.starttime, cases[i].starttime);
                else
                        ck_assert_int_eq(st.pid, -7); /* untouched */
        }
}
END_TEST

START_TEST(test_truncated) {
        /* A torn read is never taken for the real thing: the cut starttime "1843" would name
         * another process. */
        _cleanup_free_ char *odd = with_comm(") 1 2 (\n", 8);

        for (size_t n = 0; n < sizeof stat_sleep - 1; n++) {
                ProcStat st;

                ck_assert_msg(proc_stat_parse(stat_sleep, n, &st) == -EBADMSG, "prefix %zu accepted", n);
        }
        for (size_t n = 0; n < strlen(odd); n++) {
                ProcStat st;

                ck_assert_msg(proc_stat_parse(odd, n, &st) == -EBADMSG, "prefix %zu accepted", n);
        }
}
END_TEST

START_TEST(test_garbage) {
        static const char *const inputs[] = {
                "", "\n", "1\n", "1 ()\n", "1 (a)\n", "1 (a) S\n", "1 (a) S 1\n", ")\n", "(\n", "()\n",
                "Name:\tbash\nPid:\t1\n", "{\"pid\":1}\n",
        };

        for (size_t i = 0; i < ELEMENTSOF(inputs); i++) {
                ProcStat st;

                ck_assert_msg(proc_stat_parse(inputs[i], strlen(inputs[i]), &st) == -EBADMSG, "case %zu accepted", i);
        }
}
END_TEST

START_TEST(test_read_self) {
        ProcStat a, b;
        char name[17] = {};

        ck_assert_int_eq(proc_stat_read_at(AT_FDCWD, "/proc/self/stat", &a), 0);
        ck_assert_int_eq(proc_stat_read_at(AT_FDCWD, "/proc/self/stat", &b), 0);

        ck_assert_int_eq(a.pid, getpid());
        ck_assert_int_eq(a.ppid, getppid());
        ck_assert_int_eq(a.state, 'R');
        ck_assert_int_eq(prctl(PR_GET_NAME, name), 0);
        ck_assert_str_eq(a.comm, name);
        /* the start time is the process's, not the read's */
        ck_assert_uint_gt(a.starttime, 0);
        ck_assert_uint_eq(a.starttime, b.starttime);
}
END_TEST

START_TEST(test_read_child) {
        /* A child names itself to forge a line; its identity still reads right. */
        ProcStat self, st;
        int pipefd[2], dir_fd;
        char path[32], c;
        pid_t pid;

        ck_assert_int_eq(proc_stat_read_at(AT_FDCWD, "/proc/self/stat", &self), 0);
        ck_assert_int_eq(pipe2(pipefd, O_CLOEXEC), 0);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                if (prctl(PR_SET_NAME, "x) S 1 (\nforged") < 0)
                        _exit(1);
                (void) write(pipefd[1], "x", 1);
                pause();
                _exit(0);
        }
        close(pipefd[1]);
        ck_assert_int_eq(read(pipefd[0], &c, 1), 1);
        close(pipefd[0]);

        (void) snprintf(path, sizeof path, "/proc/%d", (int) pid);
        dir_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        ck_assert_int_ge(dir_fd, 0);
        ck_assert_int_eq(proc_stat_read_at(dir_fd, "stat", &st), 0);

        ck_assert_int_eq(st.pid, pid);
        ck_assert_int_eq(st.ppid, getpid());
        ck_assert_str_eq(st.comm, "x) S 1 (?forged");   /* 15 bytes: the kernel kept no more */
        ck_assert_uint_ge(st.starttime, self.starttime);

        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);

        /* reaped: the fd now names no process */
        {
                int r = proc_stat_read_at(dir_fd, "stat", &st);

                ck_assert_msg(r == -ESRCH || r == -ENOENT, "read of a reaped process gave %d", r);
        }
        close(dir_fd);
}
END_TEST

static Suite *suite(void) {
        Suite *s = suite_create("proc-stat");
        TCase *tc = tcase_create("parse");

        tcase_add_test(tc, test_parse);
        tcase_add_test(tc, test_comm);
        tcase_add_test(tc, test_numbers);
        tcase_add_test(tc, test_truncated);
        tcase_add_test(tc, test_garbage);
        tcase_add_test(tc, test_read_self);
        tcase_add_test(tc, test_read_child);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return run_suite(suite());
}
