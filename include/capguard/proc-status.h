/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "capguard/capability.h"

/* The kernel escapes the task name, so it may take up to 4 bytes per byte of TASK_COMM_LEN. */
#define PROC_COMM_MAX 64

/* /proc/<pid>/status is ~1.5 KiB today; anything far larger is not the kernel's. */
#define PROC_STATUS_SIZE_MAX (64 * 1024)

typedef enum SeccompMode {
        SECCOMP_MODE_UNKNOWN = -1, /* kernel without the field */
        SECCOMP_MODE_DISABLED = 0,
        SECCOMP_MODE_STRICT_ = 1,
        SECCOMP_MODE_FILTER_ = 2,
} SeccompMode;

typedef struct ProcStatus {
        char comm[PROC_COMM_MAX + 1];
        pid_t pid;
        pid_t ppid;
        uid_t uid[4]; /* real, effective, saved, filesystem */
        gid_t gid[4];
        CapSets caps;
        int no_new_privs; /* 0, 1, or -1 where the kernel does not say */
        bool kthread;     /* a kernel thread: never in a container */
        SeccompMode seccomp;
        pid_t ns_pid;     /* its pid in its own PID namespace (NSpid's last); 0 where the kernel does not say */
} ProcStatus;

const char *seccomp_mode_to_string(SeccompMode m) _const_;

/* Parses the text of /proc/<pid>/status. Name, Pid, Uid, Gid and all five capability sets must
 * be there and well formed (-EBADMSG otherwise); NoNewPrivs, Seccomp and NSpid are optional. */
int proc_status_parse(const char *buf, size_t len, ProcStatus *ret);

/* Reads and parses dir_fd/path: "status" below an fd of /proc/<pid>, or "<pid>/status" below
 * one of /proc. -ENOENT or -ESRCH when the process is gone. */
int proc_status_read_at(int dir_fd, const char *path, ProcStatus *ret);
