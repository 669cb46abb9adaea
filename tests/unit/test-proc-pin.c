/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <signal.h>
#include <sys/wait.h>

#include "capguard/proc-pin.h"
#include "capguard/proc-stat.h"
#include "check-util.h"

static int proc_fd = -EBADF;

static pid_t spawn(void) {
        pid_t pid = fork();

        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                pause();
                _exit(0);
        }
        return pid;
}

START_TEST(test_pin_and_kill) {
        ProcPin p = PROC_PIN_NULL, q = PROC_PIN_NULL;
        pid_t pid = spawn();
        int status;

        ck_assert_int_eq(proc_pin(proc_fd, pid, 0, &p), 0);
        ck_assert_int_eq(p.pid, pid);
        ck_assert_uint_gt(p.start, 0);
        ck_assert_int_eq(proc_pin_alive(&p), 1);
        ck_assert_int_eq(proc_pin_verify(&p), 0);

        /* the runtime's record of the start time must match, or it is another process */
        ck_assert_int_eq(proc_pin(proc_fd, pid, p.start, &q), 0);
        proc_pin_release(&q);
        ck_assert_int_eq(proc_pin(proc_fd, pid, p.start + 1, &q), -ESTALE);
        ck_assert_int_eq(q.pidfd, -EBADF);

        ck_assert_int_eq(proc_pin_kill(&p), 0);
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

        /* gone: it is neither alive, nor verifiable, nor can the signal go to anyone else */
        ck_assert_int_eq(proc_pin_alive(&p), 0);
        ck_assert_int_eq(proc_pin_verify(&p), -ESRCH);
        ck_assert_int_eq(proc_pin_kill(&p), -ESRCH);
        proc_pin_release(&p);
        ck_assert_int_eq(proc_pin(proc_fd, pid, 0, &p), -ESRCH);
}
END_TEST

START_TEST(test_zombie_is_gone) {
        ProcPin p = PROC_PIN_NULL;
        pid_t pid = fork();

        ck_assert_int_ge(pid, 0);
        if (pid == 0)
                _exit(0);
        /* not reaped yet: a zombie has nothing left to judge or kill */
        for (int i = 0; i < 200; i++) {
                char path[32];
                ProcStat st;

                (void) snprintf(path, sizeof path, "%d/stat", (int) pid);
                if (proc_stat_read_at(proc_fd, path, &st) == 0 && st.state == 'Z')
                        break;
                usleep(1000);
        }
        ck_assert_int_eq(proc_pin(proc_fd, pid, 0, &p), -ESRCH);
        waitpid(pid, NULL, 0);
}
END_TEST

START_TEST(test_init_stage) {
        /* runc: parked opening exec.fifo */
        ck_assert_int_eq(init_stage_from("runc:[2:INIT]", "futex_wait_queue"), INIT_STAGE_RUNTIME);
        ck_assert_int_eq(init_stage_from("runc:[2:INIT]", "0"), INIT_STAGE_RUNTIME);
        ck_assert_int_eq(init_stage_from("runc:[2:INIT]", NULL), INIT_STAGE_RUNTIME);
        ck_assert_int_eq(init_stage_from("runc:[2:INIT]", "wait_for_partner"), INIT_STAGE_PARKED);
        /* not runc's wait: only crun's init parks in select() */
        ck_assert_int_eq(init_stage_from("runc:[2:INIT]", "poll_schedule_timeout.constprop.0"), INIT_STAGE_RUNTIME);

        /* crun: parked in select() on exec.fifo (tests/fixtures/crun-created/meta), with or
         * without the compiler's suffix */
        ck_assert_int_eq(init_stage_from("crun", "poll_schedule_timeout.constprop.0"), INIT_STAGE_PARKED);
        ck_assert_int_eq(init_stage_from("crun", "poll_schedule_timeout"), INIT_STAGE_PARKED);
        ck_assert_int_eq(init_stage_from("crun", "wait_for_partner"), INIT_STAGE_PARKED);
        ck_assert_int_eq(init_stage_from("crun", "0"), INIT_STAGE_RUNTIME);
        ck_assert_int_eq(init_stage_from("crun", ""), INIT_STAGE_RUNTIME);
        ck_assert_int_eq(init_stage_from("crun", "poll_schedule"), INIT_STAGE_RUNTIME);
        ck_assert_int_eq(init_stage_from("crun", "do_select"), INIT_STAGE_RUNTIME);
        ck_assert_int_eq(init_stage_from("crun", "unix_stream_read_generic"), INIT_STAGE_RUNTIME);

        /* anything else is the workload, wherever it waits */
        ck_assert_int_eq(init_stage_from("sleep", "hrtimer_nanosleep"), INIT_STAGE_WORKLOAD);
        ck_assert_int_eq(init_stage_from("sleep", "wait_for_partner"), INIT_STAGE_WORKLOAD);
        ck_assert_int_eq(init_stage_from("sh", "poll_schedule_timeout.constprop.0"), INIT_STAGE_WORKLOAD);
        ck_assert_int_eq(init_stage_from("crun-x", "poll_schedule_timeout.constprop.0"), INIT_STAGE_WORKLOAD);
        ck_assert_str_eq(init_stage_to_string(INIT_STAGE_PARKED), "parked");
}
END_TEST

static void check_fixture_stage(const char *case_dir) {
        _cleanup_free_ char *comm = NULL, *wchan = NULL;

        /* the fixtures that caught an init parked say where it waited */
        wchan = fixture_meta(case_dir, "wchan");
        if (!wchan)
                return;
        comm = fixture_meta(case_dir, "comm");
        ck_assert_ptr_nonnull(comm);
        ck_assert_msg(init_stage_from(comm, wchan) == INIT_STAGE_PARKED, "%s: %s in %s", case_dir, comm, wchan);
}

START_TEST(test_init_stage_fixtures) {
        fixture_foreach(check_fixture_stage);
}
END_TEST

START_TEST(test_effective_seccomp) {
        /* a parked init of a container with a profile and noNewPrivileges: crun loads the filter
         * after exec.fifo, before the entrypoint (runc before it parks: the kernel says 2) */
        ck_assert_int_eq(effective_seccomp(INIT_STAGE_PARKED, 0, true, 1), 2);

        /* anything less and the kernel's word stands */
        ck_assert_int_eq(effective_seccomp(INIT_STAGE_PARKED, 0, true, 0), 0);   /* loaded already if it would be */
        ck_assert_int_eq(effective_seccomp(INIT_STAGE_PARKED, 0, true, -1), 0);  /* no config read */
        ck_assert_int_eq(effective_seccomp(INIT_STAGE_PARKED, 0, false, 1), 0);  /* no profile */
        ck_assert_int_eq(effective_seccomp(INIT_STAGE_WORKLOAD, 0, true, 1), 0); /* it runs without one */
        ck_assert_int_eq(effective_seccomp(INIT_STAGE_RUNTIME, 0, true, 1), 0);  /* never judged there */
        ck_assert_int_eq(effective_seccomp(INIT_STAGE_PARKED, 2, true, 1), 2);
        ck_assert_int_eq(effective_seccomp(INIT_STAGE_PARKED, 1, true, 1), 1);   /* strict: not ours to change */
        ck_assert_int_eq(effective_seccomp(INIT_STAGE_PARKED, -1, true, 1), -1); /* the kernel did not say */
        ck_assert_int_eq(effective_seccomp(INIT_STAGE_WORKLOAD, 2, false, 0), 2);
}
END_TEST

START_TEST(test_init_stage_live) {
        /* a process of ours is, as far as capguard can tell, a workload */
        ProcPin p = PROC_PIN_NULL;
        InitStage s = INIT_STAGE_RUNTIME;
        pid_t pid = spawn();

        ProcStatus st = {};

        ck_assert_int_eq(proc_pin(proc_fd, pid, 0, &p), 0);
        ck_assert_int_eq(proc_pin_read_status(&p, proc_fd, &s, &st), 0);
        ck_assert_int_eq(s, INIT_STAGE_WORKLOAD);
        /* the status is the pinned child's, as read with the stage */
        ck_assert_int_eq(st.pid, pid);
        ck_assert_int_eq(st.ppid, getpid());
        ck_assert_int_eq(st.uid[1], geteuid());
        ck_assert_int_eq(proc_pin_kill(&p), 0);
        /* a zombie: not reaped yet, but exited */
        for (int i = 0; i < 200 && proc_pin_alive(&p) != 0; i++)
                usleep(1000);
        ck_assert_int_eq(proc_pin_read_status(&p, proc_fd, &s, &st), -ESRCH);
        waitpid(pid, NULL, 0);
        ck_assert_int_eq(proc_pin_read_status(&p, proc_fd, &s, NULL), -ESRCH);
        proc_pin_release(&p);
}
END_TEST

int main(void) {
        Suite *s = suite_create("proc-pin");
        TCase *tc = tcase_create("pin");

        proc_fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        tcase_add_test(tc, test_pin_and_kill);
        tcase_add_test(tc, test_zombie_is_gone);
        tcase_add_test(tc, test_init_stage);
        tcase_add_test(tc, test_init_stage_fixtures);
        tcase_add_test(tc, test_effective_seccomp);
        tcase_add_test(tc, test_init_stage_live);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
