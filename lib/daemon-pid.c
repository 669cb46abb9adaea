/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "capguard/daemon-pid.h"
#include "capguard/fileio.h"
#include "capguard/macro.h"

int pidfile_parse(const char *buf, size_t len, pid_t *ret) {
        long v = 0;
        size_t i = 0;

        if (len > 0 && buf[len - 1] == '\n')
                len--;
        if (len == 0 || len > 10 || buf[0] == '0')
                return -EBADMSG;
        for (; i < len; i++) {
                if (buf[i] < '0' || buf[i] > '9')
                        return -EBADMSG;
                v = v * 10 + (buf[i] - '0');
        }
        if (v > 0x3fffffff)
                return -EBADMSG;
        *ret = (pid_t) v;
        return 0;
}

static int comm_is(int pidfd_dir, const char *comm) {
        char buf[64];
        size_t len;
        int r;

        r = read_proc_file_at(pidfd_dir, "comm", buf, sizeof buf, &len);
        if (r < 0)
                return r;
        if (len > 0 && buf[len - 1] == '\n')
                buf[--len] = '\0';
        return streq(buf, comm);
}

int daemon_signal(const char *pidfile, int sig, pid_t *ret_pid) {
        _cleanup_close_ int pidfd = -EBADF, dir_fd = -EBADF;
        char buf[32], path[32];
        size_t len;
        pid_t pid;
        int r;

        r = read_file_at(AT_FDCWD, pidfile, buf, sizeof buf, &len);
        if (r == -ENOENT)
                return -ESRCH;
        if (r < 0)
                return r;
        r = pidfile_parse(buf, len, &pid);
        if (r < 0)
                return r;

        /* Pin the process first, then check who it is: a check before pinning would race
         * with the pid being reused. */
        pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
        if (pidfd < 0)
                return errno == ESRCH ? -ESRCH : negative_errno();

        (void) snprintf(path, sizeof path, "/proc/%d", (int) pid);
        dir_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0)
                return -ESRCH;
        r = comm_is(dir_fd, CAPGUARDD_COMM);
        if (r < 0)
                return r == -ENOENT ? -ESRCH : r;
        if (r == 0)
                return -ESRCH;

        /* /proc/<pid> was opened after the pidfd; if the pinned process had died and the pid
         * been reused in between, the signal below fails with ESRCH instead of going astray. */
        if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
                return negative_errno();

        if (ret_pid)
                *ret_pid = pid;
        return 0;
}
