/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "capguard/event-stats.h"

static int table_count(StatsTable *t, const char *key) {
        /* Linear: a node has tens of namespaces and rules, not thousands. */
        for (size_t i = 0; i < t->n; i++)
                if (strcmp(t->items[i].key, key) == 0) {
                        t->items[i].n++;
                        return 0;
                }

        if (t->n >= t->allocated) {
                size_t m = t->allocated ? t->allocated * 2 : 16;
                StatsCount *p = reallocarray(t->items, m, sizeof *p);

                if (!p)
                        return -ENOMEM;
                t->items = p;
                t->allocated = m;
        }
        t->items[t->n].key = strdup(key);
        if (!t->items[t->n].key)
                return -ENOMEM;
        t->items[t->n++].n = 1;
        return 0;
}

int event_stats_add(EventStats *s, const Event *e) {
        uint64_t excess;
        int r;

        if (!s || !e)
                return -EINVAL;
        if ((r = table_count(&s->by_namespace, e->k8s_namespace ?: "")) < 0 ||
            (r = table_count(&s->by_rule, e->rule ?: "")) < 0)
                return r;
        excess = event_excess_any(e);
        CAP_FOREACH(c, excess)
                s->by_cap[c]++;
        s->total++;
        return 0;
}

static int compare_count(const void *a, const void *b) {
        const StatsCount *x = a, *y = b;

        if (x->n != y->n)
                return x->n > y->n ? -1 : 1;
        return strcmp(x->key, y->key);
}

void event_stats_sort(EventStats *s) {
        if (s->by_namespace.n > 0)
                qsort(s->by_namespace.items, s->by_namespace.n, sizeof(StatsCount), compare_count);
        if (s->by_rule.n > 0)
                qsort(s->by_rule.items, s->by_rule.n, sizeof(StatsCount), compare_count);
}

static void table_done(StatsTable *t) {
        for (size_t i = 0; i < t->n; i++)
                free(t->items[i].key);
        free(t->items);
        *t = (StatsTable) {};
}

void event_stats_done(EventStats *s) {
        if (!s)
                return;
        table_done(&s->by_namespace);
        table_done(&s->by_rule);
        *s = (EventStats) {};
}
