/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <getopt.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>

#include "capguard/event.h"
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
int verb_violations(int argc, char *argv[]);
int verb_containers(int argc, char *argv[]);
int verb_status(int argc, char *argv[]);
int verb_stats(int argc, char *argv[]);
int verb_prune(int argc, char *argv[]);
int verb_explain(int argc, char *argv[]);

/* An event as `capctl events --json` prints it; NULL if out of memory. */
json_object *event_to_json(const Event *e);

/* "capctl VERB: message" on stderr, one line. Returns CAPCTL_EXIT_ERROR. */
int cli_error(const char *verb, const char *format, ...) _printf_(2, 3);

/* Runs getopt_long with our own one-line messages for an unknown option or a missing argument.
 * Returns the option, -1 at the end, or '?' after printing the error. */
int cli_getopt(const char *verb, int argc, char *argv[], const char *shortopts, const struct option *longopts);

/* Copies s into buf, replacing bytes that could steer a terminal with '?'. */
const char *cli_printable(const char *s, char *buf, size_t size);

/* Colour only on a terminal, and never with NO_COLOR set (https://no-color.org) or TERM=dumb. */
bool cli_use_color(void);
#define ANSI_RED "\x1b[31m"
#define ANSI_YELLOW "\x1b[33m"
#define ANSI_GREEN "\x1b[32m"
#define ANSI_GREY "\x1b[90m"
#define ANSI_BOLD "\x1b[1m"
#define ANSI_NORMAL "\x1b[0m"

/* stdout's terminal width in columns; 0 when stdout is not a terminal (output is not cut). */
unsigned cli_terminal_width(void);

/* --db, else $CAPGUARD_DB, else the default. */
const char *cli_db_path(void);

/* Opens the database, printing one line that says what is wrong and what to do on failure. */
int cli_open_store(const char *verb, StoreMode mode, Store **ret);
