/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "capctl.h"
#include "capguard/cap-json.h"
#include "capguard/capability.h"
#include "capguard/event-stats.h"
#include "capguard/store.h"
#include "capguard/time-util.h"
#include "filters.h"

#define STATS_DEFAULT_SINCE_USEC (7LL * 24 * 3600 * 1000 * 1000)
#define STATS_TOP 20       /* rows per table in the terminal; --json has them all */
#define LABEL_WIDTH 28

static void help(void) {
        printf("Usage: capctl stats [OPTIONS...]\n"
               "\n"
               "Count the violations per Kubernetes namespace, per rule and per capability, with a\n"
               "bar for each. By default over the last 7 days.\n"
               "\n"
               "  --json                one object, one line, every row\n"
               FILTER_HELP
               "  -h --help             show this help\n"
               "\n"
               "Exit status: 0 if violations were counted, 1 if there are none, 2 on error.\n");
}

static int add_event(const Event *e, void *userdata) {
        return event_stats_add(userdata, e);
}

static void print_bar(const char *label, uint64_t n, uint64_t max, unsigned bar_width, const char *color) {
        char buf[256];
        unsigned len = max > 0 ? (unsigned) ((n * bar_width + max - 1) / max) : 0;

        cli_printable(label, buf, sizeof buf);
        if (strlen(buf) > LABEL_WIDTH)
                strcpy(buf + LABEL_WIDTH - 3, "...");
        printf("  %-*s %8llu %s", LABEL_WIDTH, buf, (unsigned long long) n, color ?: "");
        for (unsigned i = 0; i < len; i++)
                putchar('#');
        printf("%s\n", color ? ANSI_NORMAL : "");
}

static void print_table(const char *title, const StatsTable *t, const char *none, unsigned bar_width,
                        const char *color) {
        printf("\n%s\n", title);
        for (size_t i = 0; i < t->n && i < STATS_TOP; i++)
                print_bar(*t->items[i].key ? t->items[i].key : none, t->items[i].n, t->items[0].n, bar_width, color);
        if (t->n > STATS_TOP)
                printf("  ... and %zu more (--json lists all)\n", t->n - STATS_TOP);
}

static void print_text(const EventStats *st, const EventQuery *q) {
        unsigned width = cli_terminal_width(), bar_width;
        const char *color = cli_use_color() ? ANSI_YELLOW : NULL;
        char since[EVENT_TIME_MAX];
        uint64_t max_cap = 0;
        unsigned shown = 0;

        /* label, count and spaces take 2 + 28 + 1 + 8 + 1 columns; the bar gets the rest */
        bar_width = width > 40 + 10 ? width - 40 - 1 : 40;
        printf("%llu violations since %s\n", (unsigned long long) st->total, event_format_time(q->since_usec, since));

        print_table("By namespace:", &st->by_namespace, "(not Kubernetes)", bar_width, color);
        print_table("By rule:", &st->by_rule, "(no rule)", bar_width, color);

        printf("\nBy capability (in excess):\n");
        for (unsigned c = 0; c < 64; c++)
                if (st->by_cap[c] > max_cap)
                        max_cap = st->by_cap[c];
        /* most first: pick the largest left each time, 64 at most */
        for (uint64_t done = 0; shown < STATS_TOP;) {
                unsigned best = 64;

                for (unsigned c = 0; c < 64; c++)
                        if (!(done & cap_bit(c)) && st->by_cap[c] > 0 && (best == 64 || st->by_cap[c] > st->by_cap[best]))
                                best = c;
                if (best == 64)
                        break;
                done |= cap_bit(best);
                print_bar(capability_to_name(best), st->by_cap[best], max_cap, bar_width, color);
                shown++;
        }
}

static json_object *table_to_json(const StatsTable *t, const char *key_name) {
        _cleanup_json_ json_object *a = json_object_new_array();

        if (!a)
                return NULL;
        for (size_t i = 0; i < t->n; i++) {
                _cleanup_json_ json_object *o = json_object_new_object();

                if (!o || json_add_string_or_null(o, key_name, *t->items[i].key ? t->items[i].key : NULL) < 0 ||
                    json_add(o, "violations", json_object_new_uint64(t->items[i].n)) < 0 ||
                    json_object_array_add(a, o) < 0)
                        return NULL;
                o = NULL; /* the array has it */
        }
        return TAKE_PTR(a);
}

static int print_json(const EventStats *st, const EventQuery *q) {
        _cleanup_json_ json_object *o = json_object_new_object(), *caps = json_object_new_array();
        char since[EVENT_TIME_MAX], until[EVENT_TIME_MAX];

        if (!o || !caps)
                return -ENOMEM;
        for (unsigned c = 0; c < 64; c++) {
                _cleanup_json_ json_object *row = NULL;

                if (st->by_cap[c] == 0)
                        continue;
                row = json_object_new_object();
                if (!row || json_add(row, "capability", json_object_new_string(capability_to_name(c))) < 0 ||
                    json_add(row, "violations", json_object_new_uint64(st->by_cap[c])) < 0 ||
                    json_object_array_add(caps, row) < 0)
                        return -ENOMEM;
                row = NULL;
        }
        if (json_add(o, "since", json_object_new_string(event_format_time(q->since_usec, since))) < 0 ||
            json_add_string_or_null(o, "until", q->until_usec ? event_format_time(q->until_usec, until) : NULL) < 0 ||
            json_add(o, "violations", json_object_new_uint64(st->total)) < 0 ||
            json_add(o, "by_namespace", table_to_json(&st->by_namespace, "namespace")) < 0 ||
            json_add(o, "by_rule", table_to_json(&st->by_rule, "rule")) < 0 ||
            json_add(o, "by_capability", TAKE_PTR(caps)) < 0)
                return -ENOMEM;
        return json_print_line(stdout, o);
}

int verb_stats(int argc, char *argv[]) {
        enum { ARG_JSON = _ARG_FILTER_MAX };
        static const struct option options[] = {
                { "json", no_argument, NULL, ARG_JSON },
                { "help", no_argument, NULL, 'h' },
                FILTER_OPTIONS,
                {},
        };
        int64_t now = (int64_t) now_usec(CLOCK_REALTIME);
        _cleanup_(event_stats_done) EventStats st = {};
        _cleanup_store_ Store *s = NULL;
        EventQuery q = {};
        bool json = false;
        int c, r;

        while ((c = cli_getopt("stats", argc, argv, "h", options)) >= 0) {
                r = filter_parse("stats", c, optarg, now, &q);
                if (r == CAPCTL_EXIT_ERROR)
                        return r;
                if (r == 1)
                        continue;
                switch (c) {
                case ARG_JSON:
                        json = true;
                        break;
                case 'h':
                        help();
                        return CAPCTL_EXIT_OK;
                default:
                        return CAPCTL_EXIT_ERROR;
                }
        }
        if (optind < argc)
                return cli_error("stats", "unexpected argument '%s'", argv[optind]);
        if (q.since_usec == 0)
                q.since_usec = now - STATS_DEFAULT_SINCE_USEC;
        if (filter_check("stats", &q) != 0)
                return CAPCTL_EXIT_ERROR;
        q.by_verdict = true;
        q.verdict = EVENT_VERDICT_VIOLATION;

        if (cli_open_store("stats", STORE_READ_ONLY, &s) < 0)
                return CAPCTL_EXIT_ERROR;
        r = store_events_query(s, &q, add_event, &st);
        if (r < 0)
                return cli_error("stats", "cannot read %s: %s", cli_db_path(), r == -EIO ? store_errmsg(s) : strerror(-r));
        event_stats_sort(&st);

        if (json)
                r = print_json(&st, &q);
        else if (st.total == 0)
                printf("No violations since %s.\n", event_format_time(q.since_usec, (char[EVENT_TIME_MAX]) {}));
        else
                print_text(&st, &q);
        if (r < 0 || fflush(stdout) != 0)
                return cli_error("stats", "failed to write output: %m");
        return st.total > 0 ? CAPCTL_EXIT_OK : CAPCTL_EXIT_NO;
}
