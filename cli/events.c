/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "capctl.h"
#include "capguard/cap-json.h"
#include "capguard/event.h"
#include "capguard/store.h"
#include "capguard/time-util.h"
#include "filters.h"

typedef struct EventsOutput {
        bool json;
        bool color;
        unsigned width; /* the terminal's columns; 0: not a terminal, nothing is cut */
        size_t n;
} EventsOutput;

static void help(const char *verb) {
        bool violations = streq(verb, "violations");

        printf("Usage: capctl %s [OPTIONS...]\n"
               "\n"
               "%s\n"
               "\n"
               "  --json                one object per event, one line each\n"
               "  --limit N             only the newest N events\n"
               "  --reverse             newest first\n"
               FILTER_HELP
               "%s"
               "  -h --help             show this help\n"
               "\n"
               "All filters must hold. Exit status: 0 if events were listed, 1 if none fit, 2 on error.\n",
               verb,
               violations ? "List the verdicts that found a container holding more than its rule allows,\n"
                            "oldest first."
                          : "List the verdicts capguardd recorded, one for each container it judged,\n"
                            "compliant or not, oldest first.",
               violations ? "" : "  --verdict V           ok, violation or unknown\n");
}

/* A positive decimal integer, nothing else: no sign, no space, no "0x". */
static int parse_limit(const char *s, size_t *ret) {
        unsigned long long v;
        char *end;

        if (!*s || s[strspn(s, "0123456789")] != '\0')
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno != 0 || v == 0 || v > SIZE_MAX)
                return -EINVAL;
        *ret = (size_t) v;
        return 0;
}

/* ---- table ---- */

#define NAMES_WIDTH 32

/* The table shows seconds: the microseconds are in --json. */
static const char *format_time_seconds(int64_t usec, char buf[static EVENT_TIME_MAX]) {
        char *dot;

        event_format_time(usec, buf);
        dot = strchr(buf, '.');
        if (dot)
                strcpy(dot, "Z");
        return buf;
}

/* "namespace/pod/container" for a Kubernetes container, its name alone for others; on a
 * terminal cut to the column. */
static const char *format_names(const Event *e, bool cut, char *buf, size_t size) {
        char tmp[3 * 256];

        if (e->k8s_namespace || e->pod)
                (void) snprintf(tmp, sizeof tmp, "%s/%s/%s", e->k8s_namespace ?: "-", e->pod ?: "-",
                                e->container ?: "-");
        else
                (void) snprintf(tmp, sizeof tmp, "%s", e->container ?: "-");
        if (cut && strlen(tmp) > NAMES_WIDTH)
                strcpy(tmp + NAMES_WIDTH - 3, "...");
        return cli_printable(tmp, buf, size);
}

/* Comma-separated names without "CAP_", to keep the column narrow. */
static void format_excess(uint64_t mask, char *buf, size_t size) {
        size_t len = 0;

        buf[0] = '\0';
        if (mask == 0) {
                (void) snprintf(buf, size, "-");
                return;
        }
        CAP_FOREACH(c, mask) {
                const char *name = capability_to_name(c);

                if (strncmp(name, "CAP_", STRLEN("CAP_")) == 0)
                        name += STRLEN("CAP_");
                len += (size_t) snprintf(buf + len, len < size ? size - len : 0, "%s%s", len > 0 ? "," : "", name);
                if (len >= size)
                        break;
        }
}

/* A terminal gets lines that fit it; a pipe gets all of each. */
static void print_line(char *line, size_t n, const EventsOutput *out, const char *color) {
        if (out->width > 3 && n > out->width)
                strcpy(line + out->width - 3, "...");
        if (color)
                printf("%s%s%s\n", color, line, ANSI_NORMAL);
        else
                puts(line);
}

static void print_header(const EventsOutput *out) {
        char line[256];
        int n;

        n = snprintf(line, sizeof line, "%-20s %-12s %-10s %-*s %-9s %-20s %-11s %s", "TIME", "CONTAINER", "RUNTIME",
                     NAMES_WIDTH, "NAMESPACE/POD/CONTAINER", "VERDICT", "RULE", "ACTION", "EXCESS");
        if (n > 0 && (size_t) n < sizeof line)
                print_line(line, (size_t) n, out, NULL);
}

static const char *verdict_color(const Event *e) {
        if (e->action == EVENT_ACTION_KILLED || e->action == EVENT_ACTION_KILL_FAILED)
                return ANSI_RED;
        if (e->verdict == EVENT_VERDICT_VIOLATION)
                return ANSI_YELLOW;
        if (e->verdict == EVENT_VERDICT_UNKNOWN)
                return ANSI_GREY;
        return NULL;
}

static void print_row(const Event *e, const EventsOutput *out) {
        char when[EVENT_TIME_MAX], id[12 + 1], names[3 * 256], rule[256], excess[1024], line[2048];
        const char *color = out->color ? verdict_color(e) : NULL;
        int n;

        format_excess(event_excess_any(e), excess, sizeof excess);
        n = snprintf(line, sizeof line, "%-20s %-12s %-10s %-*s %-9s %-20s %-11s %s",
                     format_time_seconds(e->time_usec, when),
                     cli_printable(e->container_id, id, sizeof id),
                     runtime_to_string(e->runtime) ?: "-",
                     NAMES_WIDTH, format_names(e, out->width > 0, names, sizeof names),
                     event_verdict_to_string(e->verdict),
                     cli_printable(e->rule ?: "-", rule, sizeof rule),
                     event_action_to_string(e->action),
                     excess);
        if (n < 0)
                return;
        print_line(line, (size_t) n < sizeof line ? (size_t) n : sizeof line - 1, out, color);
}

static int print_event(const Event *e, void *userdata) {
        EventsOutput *out = userdata;
        int r;

        if (out->json) {
                _cleanup_json_ json_object *o = event_to_json(e);

                if (!o)
                        return -ENOMEM;
                r = json_print_line(stdout, o);
                if (r < 0)
                        return r;
        } else {
                if (out->n == 0)
                        print_header(out);
                print_row(e, out);
        }
        out->n++;
        return 0;
}

/* events and violations: the same query, violations fixing the verdict. */
static int run(const char *verb, int argc, char *argv[]) {
        enum { ARG_JSON = _ARG_FILTER_MAX, ARG_LIMIT, ARG_REVERSE };
        static const struct option events_options[] = {
                { "json", no_argument, NULL, ARG_JSON },
                { "limit", required_argument, NULL, ARG_LIMIT },
                { "reverse", no_argument, NULL, ARG_REVERSE },
                { "help", no_argument, NULL, 'h' },
                FILTER_OPTIONS,
                FILTER_VERDICT_OPTION,
                {},
        };
        bool violations = streq(verb, "violations");
        static const struct option violations_options[] = { /* the verdict is given */
                { "json", no_argument, NULL, ARG_JSON },
                { "limit", required_argument, NULL, ARG_LIMIT },
                { "reverse", no_argument, NULL, ARG_REVERSE },
                { "help", no_argument, NULL, 'h' },
                FILTER_OPTIONS,
                {},
        };
        int64_t now = (int64_t) now_usec(CLOCK_REALTIME);
        _cleanup_store_ Store *s = NULL;
        EventsOutput out = {};
        EventQuery q = {};
        int c, r;

        while ((c = cli_getopt(verb, argc, argv, "h", violations ? violations_options : events_options)) >= 0) {
                r = filter_parse(verb, c, optarg, now, &q);
                if (r == CAPCTL_EXIT_ERROR)
                        return r;
                if (r == 1)
                        continue;
                switch (c) {
                case ARG_JSON:
                        out.json = true;
                        break;
                case ARG_LIMIT:
                        if (parse_limit(optarg, &q.limit) < 0)
                                return cli_error(verb, "invalid --limit '%s': expected a positive integer", optarg);
                        break;
                case ARG_REVERSE:
                        q.reverse = true;
                        break;
                case 'h':
                        help(verb);
                        return CAPCTL_EXIT_OK;
                default:
                        return CAPCTL_EXIT_ERROR;
                }
        }
        if (optind < argc)
                return cli_error(verb, "unexpected argument '%s'", argv[optind]);
        if (filter_check(verb, &q) != 0)
                return CAPCTL_EXIT_ERROR;
        if (violations) {
                q.by_verdict = true;
                q.verdict = EVENT_VERDICT_VIOLATION;
        }

        if (cli_open_store(verb, STORE_READ_ONLY, &s) < 0)
                return CAPCTL_EXIT_ERROR;

        out.color = cli_use_color();
        out.width = cli_terminal_width();
        r = store_events_query(s, &q, print_event, &out);
        if (r < 0)
                return cli_error(verb, "cannot read %s: %s", cli_db_path(),
                                 r == -EIO ? store_errmsg(s) : strerror(-r));

        if (out.n == 0 && !out.json)
                puts(violations ? "No violations." : "No events.");
        if (fflush(stdout) != 0)
                return cli_error(verb, "failed to write output: %m");
        return out.n > 0 ? CAPCTL_EXIT_OK : CAPCTL_EXIT_NO;
}

int verb_events(int argc, char *argv[]) {
        return run("events", argc, argv);
}

int verb_violations(int argc, char *argv[]) {
        return run("violations", argc, argv);
}
