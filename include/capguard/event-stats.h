/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "capguard/event.h"

/* Violations counted per Kubernetes namespace, per rule and per capability, for `capctl
 * stats`. Events without a namespace count under "" and without a rule under "". */

typedef struct StatsCount {
        char *key;
        uint64_t n;
} StatsCount;

typedef struct StatsTable {
        StatsCount *items;
        size_t n, allocated;
} StatsTable;

typedef struct EventStats {
        uint64_t total;
        StatsTable by_namespace, by_rule;
        uint64_t by_cap[64]; /* the excess of every set, each capability once per event */
} EventStats;

int event_stats_add(EventStats *s, const Event *e);
/* Most first; equal counts by key. */
void event_stats_sort(EventStats *s);
void event_stats_done(EventStats *s);
