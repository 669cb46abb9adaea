/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>
#include <syslog.h>

#include "capguard/macro.h"

/* The daemon's own diagnostics, on stderr: under systemd that is the journal (with a
 * "<priority>" prefix, which journald reads), on a terminal plain lines. Verdicts are not
 * logged here: they are structured journal entries of their own (record.c). */
/* Returns error, so that "return log_error_errno(r, ...);" reads as it should. */
int log_full(int priority, int error, const char *format, ...) _printf_(3, 4);

#define log_debug(...) log_full(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...) log_full(LOG_INFO, 0, __VA_ARGS__)
#define log_notice(...) log_full(LOG_NOTICE, 0, __VA_ARGS__)
#define log_warning(...) log_full(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...) log_full(LOG_ERR, 0, __VA_ARGS__)

/* With the error's text for %m; returns the (negative) error, for "return log_..._errno(r, ...)". */
#define log_debug_errno(r, ...) log_full(LOG_DEBUG, (r), __VA_ARGS__)
#define log_warning_errno(r, ...) log_full(LOG_WARNING, (r), __VA_ARGS__)
#define log_error_errno(r, ...) log_full(LOG_ERR, (r), __VA_ARGS__)
#define log_oom() log_error_errno(-ENOMEM, "Out of memory.")

void log_set_max_level(int level);
