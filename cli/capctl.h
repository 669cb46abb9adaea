/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "capguard/macro.h"
#include "capguard/store.h"

/* Parsed global options (the only globals: see STYLE.md). */
extern const char *arg_db;

/* Exit codes shared by every verb: 1 is kept for "the answer is no" (violations found, no rows). */
enum {
        CAPCTL_EXIT_OK = 0,
        CAPCTL_EXIT_NO = 1,
        CAPCTL_EXIT_ERROR = 2,
};

typedef struct Verb {
        const char *name;
        const char *synopsis;
        const char *summary;
        int (*run)(int argc, char *argv[]);
} Verb;

int verb_decode(int argc, char *argv[]);
int verb_scan(int argc, char *argv[]);
int verb_policy(int argc, char *argv[]);
int verb_events(int argc, char *argv[]);

/* "capctl VERB: message" on stderr, one line. Returns CAPCTL_EXIT_ERROR. */
int cli_error(const char *verb, const char *format, ...) _printf_(2, 3);

/* Runs getopt_long with our own one-line messages for an unknown option or a missing argument.
 * Returns the option, -1 at the end, or '?' after printing the error. */
int cli_getopt(const char *verb, int argc, char *argv[], const char *shortopts, const struct option *longopts);

/* Copies s into buf, replacing bytes that could steer a terminal with '?'. */
const char *cli_printable(const char *s, char *buf, size_t size);

/* --db, else $CAPGUARD_DB, else the default. */
const char *cli_db_path(void);

/* Opens the database, printing one line that says what is wrong and what to do on failure. */
int cli_open_store(const char *verb, StoreMode mode, Store **ret);
