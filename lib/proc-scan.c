/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "capguard/proc-scan.h"

static inline void closedirp(DIR **d) {
        if (*d)
                (void) closedir(*d);
}

static bool process_gone(int r) {
        /* ESRCH: reading a file of a process that has just been reaped */
        return r == -ENOENT || r == -ESRCH;
}

int proc_entry_read(int proc_fd, pid_t pid, const RuntimeRoots *roots, ProcEntry *ret) {
        char path[32];
        ProcEntry e = {};
        int r;

        if (pid <= 0 || !ret)
                return -EINVAL;

        /* Both files by path below /proc rather than through an fd of /proc/<pid>: that saves
         * an open and a close per process, and the two reads can only disagree if the pid is
         * reused in between, which takes a full turn of the pid space. Whoever acts on a
         * process (the daemon) pins it with a pidfd instead. */
        (void) snprintf(path, sizeof path, "%d/status", (int) pid);
        r = proc_status_read_at(proc_fd, path, &e.status);
        if (r < 0)
                return process_gone(r) ? -ESRCH : r;

        e.container = (CgroupContainer) { .match = CGROUP_MATCH_NONE, .runtime = _RUNTIME_INVALID };
        if (!e.status.kthread) {
                (void) snprintf(path, sizeof path, "%d/cgroup", (int) pid);
                r = proc_cgroup_read_at(proc_fd, path, &e.container);
                if (r < 0)
                        return process_gone(r) ? -ESRCH : r;

                r = container_resolve(&e.container, roots);
                if (r < 0)
                        return r;
        }

        *ret = e;
        return 0;
}

static pid_t parse_pid_name(const char *s) {
        long v = 0;

        if (!*s || *s == '0')
                return 0;
        for (; *s; s++) {
                if (*s < '0' || *s > '9' || v > 0x3fffffff)
                        return 0;
                v = v * 10 + (*s - '0');
        }
        return (pid_t) v;
}

int proc_scan(int proc_fd, const RuntimeRoots *roots, proc_scan_func_t func, void *userdata, pid_t *ret_failed_pid) {
        _cleanup_(closedirp) DIR *d = NULL;
        int fd;

        if (!func)
                return -EINVAL;

        fd = openat(proc_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        d = fdopendir(fd);
        if (!d) {
                int r = negative_errno();
                (void) close(fd);
                return r;
        }

        for (;;) {
                struct dirent *de;
                ProcEntry e;
                pid_t pid;
                int r;

                errno = 0;
                de = readdir(d);
                if (!de) {
                        if (errno != 0)
                                return negative_errno();
                        break;
                }

                pid = parse_pid_name(de->d_name);
                if (pid <= 0)
                        continue;

                r = proc_entry_read(proc_fd, pid, roots, &e);
                if (r == -ESRCH)
                        continue;
                if (r < 0) {
                        if (ret_failed_pid)
                                *ret_failed_pid = pid;
                        return r;
                }

                r = func(&e, userdata);
                if (r < 0)
                        return r;
        }

        return 0;
}
