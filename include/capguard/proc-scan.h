/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "capguard/container-resolve.h"
#include "capguard/proc-status.h"

typedef struct ProcEntry {
        ProcStatus status;
        CgroupContainer container; /* match == CGROUP_MATCH_NONE for a host process */
} ProcEntry;

/* Called once per process; a negative return stops the scan and is returned by proc_scan(). */
typedef int (*proc_scan_func_t)(const ProcEntry *e, void *userdata);

/* Walks every process below proc_fd (an fd of /proc), reading each one's status and cgroup once.
 * A process that exits mid-scan is skipped. Fails on any other error, naming the pid in
 * *ret_failed_pid (if given) so the caller can say which. */
int proc_scan(int proc_fd, const RuntimeRoots *roots, proc_scan_func_t func, void *userdata, pid_t *ret_failed_pid);

/* Reads one process, as proc_scan() does. -ESRCH once it has gone. */
int proc_entry_read(int proc_fd, pid_t pid, const RuntimeRoots *roots, ProcEntry *ret);
