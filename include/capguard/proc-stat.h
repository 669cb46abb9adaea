/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* /proc/<pid>/stat is one line of ~52 fields, ~300 bytes; anything far larger is not the kernel's. */
#define PROC_STAT_SIZE_MAX 4096

/* The kernel prints up to 63 bytes of a task's name here (a kernel thread's or workqueue
 * worker's full name; 15 for any other task), unescaped, unlike status's Name: line. */
#define PROC_STAT_COMM_MAX 64

typedef struct ProcStat {
        pid_t pid;
        /* The task's name with every control byte (< 0x20, 0x7f) replaced by '?': any process
         * can name itself "x\n..." to forge a line where the name is printed. Bytes >= 0x80 are
         * kept, and may be a UTF-8 character the kernel cut in two. Not an identity: pid and
         * starttime are. */
        char comm[PROC_STAT_COMM_MAX + 1];
        char state;             /* 'R', 'S', 'D', 'Z', 'T', 't', 'X', 'I', ... */
        pid_t ppid;
        /* Field 22: when the process started, in clock ticks after boot
         * (sysconf(_SC_CLK_TCK)). runc records the same value for a container's init as
         * init_process_start: equal values mean the same process, not a reused pid. */
        uint64_t starttime;
} ProcStat;

/* Parses the text of /proc/<pid>/stat. The name is taken up to the last ')', since it may hold
 * ") " itself. The text must be one whole line ending in '\n', with at least the 22 fields the
 * kernel has always printed, all numbers but name and state: -EBADMSG otherwise. *ret is
 * written only on success. */
int proc_stat_parse(const char *buf, size_t len, ProcStat *ret);

/* Reads and parses dir_fd/path: "stat" below an fd of /proc/<pid>, or "<pid>/stat" below one
 * of /proc. -ENOENT or -ESRCH when the process is gone. */
int proc_stat_read_at(int dir_fd, const char *path, ProcStat *ret);
