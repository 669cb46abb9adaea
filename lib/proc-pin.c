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

int proc_pin_verify(const ProcPin *p, int proc_fd) {
        ProcStat st;
        int r;

        r = proc_pin_alive(p);
        if (r <= 0)
                return r < 0 ? r : -ESRCH;
        /* alive and pinned, so the pid is still ours; the start time proves the files were too */
        r = read_start(proc_fd, p->pid, &st);
        if (r < 0)
                return r;
        return st.starttime == p->start ? 0 : -ESRCH;
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

InitStage init_stage_from(const char *comm, const char *wchan) {
        /* runc's init names itself "runc:[2:INIT]" until it execs the entrypoint; crun's init
         * keeps the runtime's name, "crun". */
        if (!streq(comm, "runc:[2:INIT]") && !streq(comm, "crun"))
                return INIT_STAGE_WORKLOAD;
        /* It drops to the container's sets, then blocks opening exec.fifo until `runc start`:
         * fifo_open() waits in wait_for_partner(). */
        if (wchan && streq(wchan, "wait_for_partner"))
                return INIT_STAGE_PARKED;
        return INIT_STAGE_RUNTIME;
}

int proc_pin_init_stage(const ProcPin *p, int proc_fd, InitStage *ret) {
        char path[32], wchan[128];
        ProcStat st;
        size_t len;
        int r;

        r = read_start(proc_fd, p->pid, &st);
        if (r < 0)
                return r;

        (void) snprintf(path, sizeof path, "%d/wchan", (int) p->pid);
        r = read_proc_file_at(proc_fd, path, wchan, sizeof wchan, &len);
        if (r < 0)
                return r == -ENOENT ? -ESRCH : r;

        r = proc_pin_verify(p, proc_fd);
        if (r < 0)
                return r;

        *ret = init_stage_from(st.comm, wchan);
        return 0;
}
