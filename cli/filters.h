/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <getopt.h>
#include <stdint.h>

#include "capguard/store.h"

/* The options of the history verbs (events, violations, stats), parsed into an EventQuery.
 * Values point into argv, which outlives the query. */

enum {
        ARG_FILTER_SINCE = 0x100,
        ARG_FILTER_UNTIL,
        ARG_FILTER_CONTAINER,
        ARG_FILTER_NAMESPACE,
        ARG_FILTER_POD,
        ARG_FILTER_IMAGE,
        ARG_FILTER_RULE,
        ARG_FILTER_CAP,
        ARG_FILTER_ACTION,
        ARG_FILTER_VERDICT,
        _ARG_FILTER_MAX,
};

#define FILTER_TIME_OPTIONS                                              \
        { "since", required_argument, NULL, ARG_FILTER_SINCE },          \
        { "until", required_argument, NULL, ARG_FILTER_UNTIL }

#define FILTER_OPTIONS                                                   \
        FILTER_TIME_OPTIONS,                                             \
        { "container", required_argument, NULL, ARG_FILTER_CONTAINER },  \
        { "namespace", required_argument, NULL, ARG_FILTER_NAMESPACE },  \
        { "pod", required_argument, NULL, ARG_FILTER_POD },              \
        { "image", required_argument, NULL, ARG_FILTER_IMAGE },          \
        { "rule", required_argument, NULL, ARG_FILTER_RULE },            \
        { "cap", required_argument, NULL, ARG_FILTER_CAP },              \
        { "action", required_argument, NULL, ARG_FILTER_ACTION }

#define FILTER_VERDICT_OPTION { "verdict", required_argument, NULL, ARG_FILTER_VERDICT }

/* The help lines of FILTER_OPTIONS. */
#define FILTER_HELP                                                                        \
        "  --since T             at or after T: 30m, 2h, 7d (that long ago), or a time as\n"  \
        "                        journalctl takes it: \"2026-11-28 09:00\", yesterday, -1h\n" \
        "  --until T             at or before T\n"                                           \
        "  --container PREFIX    containers whose id starts with PREFIX\n"                   \
        "  --namespace NS        Kubernetes namespace NS\n"                                   \
        "  --pod NAME            pod NAME\n"                                                  \
        "  --image GLOB          images that fit GLOB (* ? [...])\n"                         \
        "  --rule NAME           judged by rule NAME\n"                                       \
        "  --cap CAP             CAP in the excess or in any of the five sets\n"            \
        "  --action A            none, audit, would-kill, killed or kill-failed\n"

/* Handles option c with its argument into q, now_usec being what relative times count back
 * from. 1 if c was a filter option, 0 if it is not one, CAPCTL_EXIT_ERROR (2) after printing
 * a one-line error naming the bad value. */
int filter_parse(const char *verb, int c, const char *arg, int64_t now_usec, EventQuery *q);

/* "--since is later than --until", and the like: CAPCTL_EXIT_ERROR after the message. */
int filter_check(const char *verb, const EventQuery *q);
