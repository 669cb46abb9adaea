/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <linux/capability.h>
#include <signal.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "capguard/proc-status.h"
#include "check-util.h"

/* Captured from this project's machine (Debian 12, kernel 6.x), trimmed of nothing. */
static const char status_host[] =
        "Name:\tbash\n"
        "Umask:\t0022\n"
        "State:\tS (sleeping)\n"
        "Tgid:\t1234\n"
        "Ngid:\t0\n"
        "Pid:\t1234\n"
        "PPid:\t1\n"
        "TracerPid:\t0\n"
        "Uid:\t0\t1\t2\t3\n"
        "Gid:\t4\t5\t6\t7\n"
        "FDSize:\t64\n"
        "Groups:\t0 \n"
        "NStgid:\t1234\n"
        "NSpid:\t1234\n"
        "VmRSS:\t    3940 kB\n"
        "Threads:\t1\n"
        "SigQ:\t0/95741\n"
        "CapInh:\t0000000000000000\n"
        "CapPrm:\t000001fffeffffff\n"
        "CapEff:\t000001fffeffffff\n"
        "CapBnd:\t000001fffeffffff\n"
        "CapAmb:\t0000000000000000\n"
        "NoNewPrivs:\t0\n"
        "Seccomp:\t0\n"
        "Seccomp_filters:\t0\n"
        "Speculation_Store_Bypass:\tthread vulnerable\n"
        "Cpus_allowed_list:\t0-1\n"
        "voluntary_ctxt_switches:\t150\n";

static char *replace_line(const char *key, const char *line) {
        /* status_host with the line starting with key replaced (or dropped when line is NULL) */
        const char *at = strstr(status_host, key);
        const char *eol;
        char *out;

        ck_assert_ptr_nonnull(at);
        eol = strchr(at, '\n') + 1;
        ck_assert_int_ne(asprintf(&out, "%.*s%s%s", (int) (at - status_host), status_host, line ?: "", eol), -1);
        return out;
}

START_TEST(test_parse_host) {
        ProcStatus st;

        ck_assert_int_eq(proc_status_parse(status_host, sizeof status_host - 1, &st), 0);
        ck_assert_str_eq(st.comm, "bash");
        ck_assert_int_eq(st.pid, 1234);
        ck_assert_int_eq(st.ppid, 1);
        ck_assert_uint_eq(st.uid[0], 0);
        ck_assert_uint_eq(st.uid[1], 1);
        ck_assert_uint_eq(st.uid[3], 3);
        ck_assert_uint_eq(st.gid[2], 6);
        ck_assert_uint_eq(st.caps.mask[CAP_SET_INHERITABLE], 0);
        ck_assert_uint_eq(st.caps.mask[CAP_SET_PERMITTED], 0x1fffeffffffULL);
        ck_assert_uint_eq(st.caps.mask[CAP_SET_EFFECTIVE], 0x1fffeffffffULL);
        ck_assert_uint_eq(st.caps.mask[CAP_SET_BOUNDING], 0x1fffeffffffULL);
        ck_assert_uint_eq(st.caps.mask[CAP_SET_AMBIENT], 0);
        ck_assert_int_eq(st.no_new_privs, 0);
        ck_assert_int_eq(st.seccomp, SECCOMP_MODE_DISABLED);
        ck_assert(!st.kthread);
        ck_assert_int_eq(st.ns_pid, 1234);
}
END_TEST

/* NSpid: the pid in each PID namespace from this /proc's down; the last is the process's own. */
START_TEST(test_parse_nspid) {
        static const struct {
                const char *line;
                pid_t want; /* -1: refused */
        } cases[] = {
                { "NSpid:\t1234\t1\n", 1 },
                { "NSpid:\t1234\t56\t7\n", 7 },
                { NULL, 0 },                      /* before 4.1 */
                { "NSpid:\t1234\t\n", -1 },
                { "NSpid:\t0\n", -1 },
                { "NSpid:\t1234\tx\n", -1 },
                { "NSpid:\t\n", -1 },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *text = replace_line("NSpid:", cases[i].line);
                ProcStatus st;
                int r = proc_status_parse(text, strlen(text), &st);

                if (cases[i].want < 0)
                        ck_assert_msg(r == -EBADMSG, "case %zu accepted", i);
                else {
                        ck_assert_msg(r == 0, "case %zu refused", i);
                        ck_assert_int_eq(st.ns_pid, cases[i].want);
                }
        }
}
END_TEST

START_TEST(test_parse_kthread) {
        _cleanup_free_ char *a = replace_line("Ngid:", "Kthread:\t1\n");
        _cleanup_free_ char *b = replace_line("PPid:", "PPid:\t2\n");  /* before Kthread: (6.7) */
        _cleanup_free_ char *c = replace_line("Ngid:", "Kthread:\t2\n");
        ProcStatus st;

        ck_assert_int_eq(proc_status_parse(a, strlen(a), &st), 0);
        ck_assert(st.kthread);
        ck_assert_int_eq(proc_status_parse(b, strlen(b), &st), 0);
        ck_assert(st.kthread);
        ck_assert_int_eq(proc_status_parse(c, strlen(c), &st), -EBADMSG);
}
END_TEST

START_TEST(test_parse_bad) {
        static const struct {
                const char *key, *line;
        } cases[] = {
                { "Name:", NULL },
                { "Pid:", NULL },
                { "Uid:", NULL },
                { "Gid:", NULL },
                { "CapInh:", NULL },
                { "CapPrm:", NULL },
                { "CapEff:", NULL },
                { "CapBnd:", NULL },
                { "CapAmb:", NULL },
                { "CapEff:", "CapEff:\t\n" },
                { "CapEff:", "CapEff:\t00000000000000000\n" },  /* 17 digits */
                { "CapEff:", "CapEff:\t0000000z00000000\n" },
                { "CapEff:", "CapEff:\ta80425fb\n" },                 /* 8 digits */
                { "CapEff:", "CapEff:\t-1\n" },
                { "Uid:", "Uid:\t0\t0\t0\n" },
                { "Uid:", "Uid:\t0\t0\t0\t0\t0\n" },
                { "Uid:", "Uid:\t4294967296\t0\t0\t0\n" },
                { "Uid:", "Uid:\t-1\t0\t0\t0\n" },
                { "Pid:", "Pid:\t99999999999\n" },
                { "Pid:", "Pid:\tabc\n" },
                { "NoNewPrivs:", "NoNewPrivs:\t2\n" },
                { "Seccomp:", "Seccomp:\t3\n" },
                { "Name:", "Name:\tthis-name-is-far-longer-than-any-escaped-comm-the-kernel-would-ever-print\n" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *text = replace_line(cases[i].key, cases[i].line);
                ProcStatus st = { .pid = -7 };

                ck_assert_msg(proc_status_parse(text, strlen(text), &st) == -EBADMSG, "case %zu accepted", i);
                ck_assert_int_eq(st.pid, -7); /* untouched */
        }
}
END_TEST

START_TEST(test_parse_optional) {
        /* Kernels before 4.10 have no NoNewPrivs line, before 3.8 no Seccomp line. */
        _cleanup_free_ char *a = replace_line("NoNewPrivs:", NULL);
        _cleanup_free_ char *b = replace_line("Seccomp:", NULL);
        ProcStatus st;

        ck_assert_int_eq(proc_status_parse(a, strlen(a), &st), 0);
        ck_assert_int_eq(st.no_new_privs, -1);
        ck_assert_int_eq(proc_status_parse(b, strlen(b), &st), 0);
        ck_assert_int_eq(st.seccomp, SECCOMP_MODE_UNKNOWN);
}
END_TEST

START_TEST(test_parse_truncated) {
        /* A torn read is never taken for the real thing: every prefix that ends before the
         * last capability set is complete is refused, and a longer one parses to the same sets. */
        const char *amb = strstr(status_host, "CapAmb:");
        size_t complete = (size_t) (strchr(amb, '\n') - status_host);
        ProcStatus full, st;

        ck_assert_int_eq(proc_status_parse(status_host, sizeof status_host - 1, &full), 0);
        for (size_t n = 0; n < sizeof status_host - 1; n++) {
                int r = proc_status_parse(status_host, n, &st);

                if (n < complete)
                        ck_assert_msg(r == -EBADMSG, "prefix %zu accepted", n);
                else if (r == 0)
                        ck_assert_msg(memcmp(&st.caps, &full.caps, sizeof st.caps) == 0, "prefix %zu", n);
                else
                        ck_assert_int_eq(r, -EBADMSG);
        }
}
END_TEST

START_TEST(test_parse_garbage) {
        static const char *const inputs[] = {
                "", "\n", ":", "::::\n\n", "\0\0\0\0", "CapEff", "Name:\n",
                "{\"not\": \"a status file\"}",
        };
        ProcStatus st;

        for (size_t i = 0; i < ELEMENTSOF(inputs); i++)
                ck_assert_int_eq(proc_status_parse(inputs[i], strlen(inputs[i]) + (i == 4 ? 4 : 0), &st), -EBADMSG);
}
END_TEST

static void check_fixture(const char *case_dir) {
        static const struct {
                const char *key;
                CapSet set;
        } sets[] = {
                { "cap_inh", CAP_SET_INHERITABLE },
                { "cap_prm", CAP_SET_PERMITTED },
                { "cap_eff", CAP_SET_EFFECTIVE },
                { "cap_bnd", CAP_SET_BOUNDING },
                { "cap_amb", CAP_SET_AMBIENT },
        };
        char path[512];
        _cleanup_free_ char *text = NULL, *uid = NULL, *nnp = NULL, *seccomp = NULL;
        size_t len;
        ProcStatus st;

        (void) snprintf(path, sizeof path, "%s/status", case_dir);
        text = fixture_read(path, &len);
        ck_assert_msg(proc_status_parse(text, len, &st) == 0, "%s refused", path);

        for (size_t i = 0; i < ELEMENTSOF(sets); i++) {
                _cleanup_free_ char *want = fixture_meta(case_dir, sets[i].key);
                uint64_t m;

                ck_assert_msg(want, "%s: meta lacks %s", case_dir, sets[i].key);
                ck_assert_int_eq(capability_mask_parse(want, &m), 0);
                ck_assert_msg(st.caps.mask[sets[i].set] == m, "%s: %s", case_dir, sets[i].key);
        }

        uid = fixture_meta(case_dir, "uid");
        if (uid)
                ck_assert_msg(st.uid[1] == strtoul(uid, NULL, 10), "%s: uid", case_dir);
        nnp = fixture_meta(case_dir, "no_new_privs");
        if (nnp)
                ck_assert_msg(st.no_new_privs == atoi(nnp), "%s: no_new_privs", case_dir);
        seccomp = fixture_meta(case_dir, "seccomp");
        if (seccomp)
                ck_assert_msg((int) st.seccomp == atoi(seccomp), "%s: seccomp", case_dir);
}

START_TEST(test_fixtures) {
        ck_assert_uint_ge(fixture_foreach(check_fixture), 5);
}
END_TEST

START_TEST(test_read_live_process) {
        /* A child sets known sets; what we read must be what the kernel holds. */
        cap_value_t keep[] = { CAP_CHOWN, CAP_KILL };
        int pipefd[2];
        pid_t pid;
        char c;

        if (geteuid() != 0) {
                if (getenv("CI"))
                        ck_abort_msg("needs root under CI");
                return;
        }

        ck_assert_int_eq(pipe2(pipefd, O_CLOEXEC), 0);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                cap_t caps = cap_init();

                for (unsigned i = 0; i <= capability_last(); i++)
                        if (i != CAP_CHOWN && i != CAP_KILL && i != CAP_SETPCAP)
                                (void) prctl(PR_CAPBSET_DROP, i, 0, 0, 0);
                cap_set_flag(caps, CAP_EFFECTIVE, 2, keep, CAP_SET);
                cap_set_flag(caps, CAP_PERMITTED, 2, keep, CAP_SET);
                cap_set_flag(caps, CAP_INHERITABLE, 1, &keep[1], CAP_SET);
                if (cap_set_proc(caps) < 0 ||
                    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_KILL, 0, 0) < 0 ||
                    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                        _exit(1);
                (void) write(pipefd[1], "x", 1);
                pause();
                _exit(0);
        }
        close(pipefd[1]);
        ck_assert_int_eq(read(pipefd[0], &c, 1), 1);
        close(pipefd[0]);

        {
                char path[32];
                int fd;
                ProcStatus st;

                (void) snprintf(path, sizeof path, "/proc/%d", (int) pid);
                fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
                ck_assert_int_ge(fd, 0);
                ck_assert_int_eq(proc_status_read_at(fd, "status", &st), 0);
                close(fd);

                ck_assert_int_eq(st.pid, pid);
                ck_assert_uint_eq(st.caps.mask[CAP_SET_EFFECTIVE], cap_bit(CAP_CHOWN) | cap_bit(CAP_KILL));
                ck_assert_uint_eq(st.caps.mask[CAP_SET_PERMITTED], cap_bit(CAP_CHOWN) | cap_bit(CAP_KILL));
                ck_assert_uint_eq(st.caps.mask[CAP_SET_INHERITABLE], cap_bit(CAP_KILL));
                ck_assert_uint_eq(st.caps.mask[CAP_SET_AMBIENT], cap_bit(CAP_KILL));
                ck_assert_uint_eq(st.caps.mask[CAP_SET_BOUNDING],
                                  cap_bit(CAP_CHOWN) | cap_bit(CAP_KILL) | cap_bit(CAP_SETPCAP));
                ck_assert_int_eq(st.no_new_privs, 1);
        }

        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
}
END_TEST

START_TEST(test_read_gone) {
        int dir_fd, r;
        ProcStatus st;
        pid_t pid = fork();

        ck_assert_int_ge(pid, 0);
        if (pid == 0)
                _exit(0);

        {
                char path[32];

                (void) snprintf(path, sizeof path, "/proc/%d", (int) pid);
                dir_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        }
        ck_assert_int_ge(dir_fd, 0);
        waitpid(pid, NULL, 0);
        r = proc_status_read_at(dir_fd, "status", &st);
        close(dir_fd);
        ck_assert_msg(r == -ESRCH || r == -ENOENT, "read of a reaped process gave %d", r);
}
END_TEST

static Suite *suite(void) {
        Suite *s = suite_create("proc-status");
        TCase *tc = tcase_create("parse");

        tcase_add_test(tc, test_parse_host);
        tcase_add_test(tc, test_parse_kthread);
        tcase_add_test(tc, test_parse_nspid);
        tcase_add_test(tc, test_parse_bad);
        tcase_add_test(tc, test_parse_optional);
        tcase_add_test(tc, test_parse_truncated);
        tcase_add_test(tc, test_parse_garbage);
        tcase_add_test(tc, test_fixtures);
        tcase_add_test(tc, test_read_live_process);
        tcase_add_test(tc, test_read_gone);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return run_suite(suite());
}
