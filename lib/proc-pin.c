/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "capguard/fileio.h"
#include "capguard/macro.h"
#include "capguard/proc-pin.h"
#include "capguard/proc-stat.h"
#include "capguard/proc-status.h"

static int read_start(int proc_fd, pid_t pid, ProcStat *ret) {
        char path[32];
        int r;

        (void) snprintf(path, sizeof path, "%d/stat", (int) pid);
        r = proc_stat_read_at(proc_fd, path, ret);
        if (r == -ENOENT)
                return -ESRCH;
        return r;
}

int proc_pin(int proc_fd, pid_t pid, uint64_t start, ProcPin *ret) {
        _cleanup_close_ int pidfd = -EBADF;
        ProcStat st;
        int r;

        if (pid <= 0 || !ret)
                return -EINVAL;

        /* The pidfd first: it names this process for good. Once the process has exited, a
         * signal through it fails instead of reaching whoever gets the pid next, and a pidfd
         * that does not poll readable means the pid is still this process's. */
        pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
        if (pidfd < 0)
                return errno == ESRCH ? -ESRCH : negative_errno();

        r = read_start(proc_fd, pid, &st);
        if (r < 0)
                return r;
        if (start != 0 && st.starttime != start)
                return -ESTALE;
        /* A zombie has let go of everything: nothing to judge or kill. */
        if (st.state == 'Z' || st.state == 'X')
                return -ESRCH;

        *ret = (ProcPin) { .pid = pid, .pidfd = TAKE_FD(pidfd), .start = st.starttime };
        return 0;
}

void proc_pin_release(ProcPin *p) {
        if (!p)
                return;
        closep(&p->pidfd);
        *p = (ProcPin) PROC_PIN_NULL;
}

int proc_pin_alive(const ProcPin *p) {
        struct pollfd pfd = { .fd = p->pidfd, .events = POLLIN };
        int r;

        if (p->pidfd < 0)
                return -EBADF;
        /* A pidfd polls readable once the process has exited. */
        r = poll(&pfd, 1, 0);
        if (r < 0)
                return negative_errno();
        return r == 0;
}

int proc_pin_verify(const ProcPin *p) {
        int r;

        /* The pidfd was opened before the start time was read. A process that has not exited
         * holds its pid, so while the pidfd does not poll readable, everything read below
         * /proc/<pid> since then, start time included, was this process's. */
        r = proc_pin_alive(p);
        if (r < 0)
                return r;
        return r > 0 ? 0 : -ESRCH;
}

int proc_pin_kill(const ProcPin *p) {
        if (syscall(SYS_pidfd_send_signal, p->pidfd, SIGKILL, NULL, 0) < 0)
                return negative_errno();
        return 0;
}

const char *init_stage_to_string(InitStage s) {
        switch (s) {
        case INIT_STAGE_RUNTIME:
                return "runtime";
        case INIT_STAGE_PARKED:
                return "parked";
        case INIT_STAGE_WORKLOAD:
                return "workload";
        }
        return NULL;
}

static bool startswith(const char *s, const char *prefix) {
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

InitStage init_stage_from(const char *comm, const char *wchan) {
        bool runc = streq(comm, "runc:[2:INIT]"), crun = streq(comm, "crun");

        /* runc's init names itself "runc:[2:INIT]" until it execs the entrypoint; crun's init
         * keeps the runtime's name, "crun". */
        if (!runc && !crun)
                return INIT_STAGE_WORKLOAD;
        if (!wchan)
                return INIT_STAGE_RUNTIME;
        /* Each drops to the container's sets, then waits on exec.fifo until `runc start` or
         * `crun start`. runc's blocks opening it: fifo_open() waits in wait_for_partner().
         * crun's opened it earlier and waits in select() for it to turn readable
         * (container_init()): poll_schedule_timeout(), which the kernel may print with a
         * suffix ("poll_schedule_timeout.constprop.0"). capguardd looks only once crun's status
         * file exists, which crun writes after its init has set the sets and synced. */
        if (streq(wchan, "wait_for_partner"))
                return INIT_STAGE_PARKED;
        if (crun && startswith(wchan, "poll_schedule_timeout"))
                return INIT_STAGE_PARKED;
        return INIT_STAGE_RUNTIME;
}

int effective_seccomp(InitStage stage, int kernel_seccomp, bool declared_seccomp, int declared_nnp) {
        /* With noNewPrivileges crun loads the filter only once exec.fifo has been read, as
         * close to execve() as it can (container_init()): while parked its init has none yet.
         * crun loads it before the entrypoint runs, or the container does not start. Without
         * noNewPrivileges it loads it before it drops the capabilities that takes, and runc
         * loads it before it parks either way (standard_init_linux.go, 1.1 and later): a
         * parked init then shows it already. */
        if (stage == INIT_STAGE_PARKED && kernel_seccomp == SECCOMP_MODE_DISABLED && declared_seccomp &&
            declared_nnp == 1)
                return SECCOMP_MODE_FILTER_;
        return kernel_seccomp;
}

int proc_pin_read_status(const ProcPin *p, int proc_fd, InitStage *ret_stage, ProcStatus *ret_status) {
        char path[32], wchan[128];
        ProcStatus st;
        size_t len;
        int r;

        /* wchan before status: an init seen parked, and still the runtime's after that, was
         * parked with its final sets when its status was read, or ran on into the workload. */
        (void) snprintf(path, sizeof path, "%d/wchan", (int) p->pid);
        r = read_proc_file_at(proc_fd, path, wchan, sizeof wchan, &len);
        if (r < 0)
                return r == -ENOENT ? -ESRCH : r;

        (void) snprintf(path, sizeof path, "%d/status", (int) p->pid);
        r = proc_status_read_at(proc_fd, path, &st);
        if (r < 0)
                return r == -ENOENT ? -ESRCH : r;

        r = proc_pin_verify(p);
        if (r < 0)
                return r;

        *ret_stage = init_stage_from(st.comm, wchan);
        if (ret_status)
                *ret_status = st;
        return 0;
}
