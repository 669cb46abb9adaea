/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <signal.h>
#include <sys/types.h>

#define CAPGUARD_RUNTIME_DIR "/run/capguard"
#define CAPGUARD_PID_FILE CAPGUARD_RUNTIME_DIR "/capguardd.pid"
#define CAPGUARDD_COMM "capguardd"

/* Parses a pid file's text: a decimal pid and an optional newline. */
int pidfile_parse(const char *buf, size_t len, pid_t *ret);

/* Sends sig to the capguardd named by pidfile, through a pidfd and only after checking that
 * the pid is a capguardd (a stale pid file must not make us signal whoever has that pid now).
 * -ESRCH when no capguardd runs there. */
int daemon_signal(const char *pidfile, int sig, pid_t *ret_pid);
