/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "capguard/proc-status.h"

/* A process held by a pidfd and known by its start time, so that nothing capguard reads or
 * does later can land on another process that got the same pid. */
typedef struct ProcPin {
        pid_t pid;
        int pidfd;
        uint64_t start; /* field 22 of /proc/<pid>/stat */
} ProcPin;

#define PROC_PIN_NULL { .pid = 0, .pidfd = -EBADF, .start = 0 }

/* Pins pid, checking that it started at start (the runtime's record of its init) or, with
 * start 0, recording when it did. -ESRCH if the process is gone, -ESTALE if the pid now
 * belongs to a process that started at another time: not the one the runtime meant. */
int proc_pin(int proc_fd, pid_t pid, uint64_t start, ProcPin *ret);
void proc_pin_release(ProcPin *p);

/* Whether the pinned process still runs: 1 yes, 0 exited (a zombie counts as exited). */
int proc_pin_alive(const ProcPin *p);

/* Confirms, after reading /proc/<pid>/... files, that what was read was the pinned process:
 * the pid was not reused in between. 0 if so, -ESRCH if it went away meanwhile. */
int proc_pin_verify(const ProcPin *p);

/* SIGKILL through the pidfd. -ESRCH if it had exited already. */
int proc_pin_kill(const ProcPin *p);

/* Where a container's first process is in runc's or crun's start-up (see README.md, "the
 * timing trap", and tests/fixtures/runc-init-*, crun-created): the runtime's init still
 * holding the runtime's own sets, the init parked at the exec fifo with the container's final
 * sets before the entrypoint runs, or the entrypoint running. */
typedef enum InitStage {
        INIT_STAGE_RUNTIME,   /* "runc:[2:INIT]" or "crun", sets not final yet */
        INIT_STAGE_PARKED,    /* waiting on exec.fifo: final sets, no workload yet */
        INIT_STAGE_WORKLOAD,  /* exec'd the container's entrypoint */
} InitStage;

const char *init_stage_to_string(InitStage s);

/* Tells the stage from comm and wchan, as read from /proc/<pid>/status (Name) and
 * /proc/<pid>/wchan: parked is "runc:[2:INIT]" in wait_for_partner (opening exec.fifo), or "crun" in
 * poll_schedule_timeout* (select() on it) or wait_for_partner. */
InitStage init_stage_from(const char *comm, const char *wchan);

/* The seccomp mode the container's workload will run under, from what the kernel says of its
 * init now and what its OCI config declares (linux.seccomp present, process.noNewPrivileges:
 * -1 unknown, 0, 1): a parked init of a container with both may have no filter yet (mode 0:
 * crun loads it after exec.fifo), but the runtime loads it before the entrypoint runs, so that
 * is 2 (filter). Else kernel_seccomp. */
int effective_seccomp(InitStage stage, int kernel_seccomp, bool declared_seccomp, int declared_nnp);

/* One look at the pinned process: its status (sets, ids, NoNewPrivs, seccomp) and, from its
 * name there and its wchan, its stage. -ESRCH if it has exited. */
int proc_pin_read_status(const ProcPin *p, int proc_fd, InitStage *ret_stage, ProcStatus *ret_status);
