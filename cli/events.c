/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "capctl.h"
#include "capguard/cap-json.h"
#include "capguard/event.h"
#include "capguard/store.h"

typedef struct EventsOutput {
        bool json;
        size_t n;
} EventsOutput;

static void help(void) {
        printf("Usage: capctl events [--json] [--limit N]\n"
               "\n"
               "List the verdicts capguardd recorded, one for each container it judged,\n"
               "compliant or not, newest last.\n"
               "\n"
               "  --json     one object per event, one line each\n"
               "  --limit N  only the newest N events\n"
               "  -h --help  show this help\n"
               "\n"
               "Exit status: 0 if events were listed, 1 if there are none, 2 on error.\n");
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

/* ---- --json ---- */

static json_object *excess_by_set_to_json(const Event *e) {
        _cleanup_json_ json_object *o = json_object_new_object();

        if (!o)
                return NULL;
        for (CapSet s = 0; s < _CAP_SET_MAX; s++)
                if (e->excess[s] != 0 && json_add(o, capset_to_string(s), capability_mask_to_json(e->excess[s])) < 0)
                        return NULL;
        return TAKE_PTR(o);
}

static json_object *reasons_to_json(char *const *reasons) {
        _cleanup_json_ json_object *a = json_object_new_array();

        if (!a)
                return NULL;
        for (char *const *p = reasons; p && *p; p++) {
                json_object *s = json_object_new_string(*p);

                if (!s || json_object_array_add(a, s) < 0) {
                        json_object_put(s);
                        return NULL;
                }
        }
        return TAKE_PTR(a);
}

/* -1 (unknown) is null. */
static int json_add_int_known(json_object *o, const char *key, int v) {
        return v < 0 ? json_add_null(o, key) : json_add(o, key, json_object_new_int(v));
}

static int print_json(const Event *e) {
        _cleanup_json_ json_object *o = json_object_new_object();
        char when[EVENT_TIME_MAX];

        if (!o)
                return -ENOMEM;

        if (json_add(o, "id", json_object_new_int64(e->id)) < 0 ||
            json_add(o, "time", json_object_new_string(event_format_time(e->time_usec, when))) < 0 ||
            json_add_string_or_null(o, "container_id", e->container_id) < 0 ||
            json_add_string_or_null(o, "runtime", runtime_to_string(e->runtime)) < 0 ||
            json_add_string_or_null(o, "runtime_namespace", e->runtime_namespace) < 0 ||
            json_add_string_or_null(o, "k8s_namespace", e->k8s_namespace) < 0 ||
            json_add_string_or_null(o, "pod", e->pod) < 0 ||
            json_add_string_or_null(o, "container", e->container) < 0 ||
            json_add_string_or_null(o, "image", e->image) < 0 ||
            json_add(o, "sandbox", json_object_new_boolean(e->sandbox)) < 0 ||
            json_add(o, "pid", json_object_new_int64(e->pid)) < 0 ||
            json_add(o, "pid_start", json_object_new_uint64(e->pid_start)) < 0 ||
            json_add(o, "uid", json_object_new_int64(e->uid)) < 0)
                return -ENOMEM;

        for (CapSet s = 0; s < _CAP_SET_MAX; s++)
                if (json_add(o, capset_json_key(s), capability_mask_to_json(e->caps.mask[s])) < 0)
                        return -ENOMEM;

        if ((e->no_new_privs < 0 ? json_add_null(o, "no_new_privs")
                                 : json_add(o, "no_new_privs", json_object_new_boolean(e->no_new_privs))) < 0 ||
            json_add_int_known(o, "seccomp", e->seccomp) < 0 ||
            json_add(o, "verdict", json_object_new_string(event_verdict_to_string(e->verdict))) < 0 ||
            json_add_string_or_null(o, "rule", e->rule) < 0 ||
            /* versions count from 1: 0 says no policy was active */
            (e->policy_version == 0 ? json_add_null(o, "policy_version")
                                    : json_add(o, "policy_version", json_object_new_int64(e->policy_version))) < 0 ||
            json_add(o, "excess", capability_mask_to_json(event_excess_any(e))) < 0 ||
            json_add(o, "excess_by_set", excess_by_set_to_json(e)) < 0 ||
            json_add(o, "reasons", reasons_to_json(e->reasons)) < 0 ||
            json_add(o, "action", json_object_new_string(event_action_to_string(e->action))) < 0 ||
            json_add_string_or_null(o, "action_detail", e->action_detail) < 0)
                return -ENOMEM;

        return json_print_line(stdout, o);
}

/* ---- table ---- */

/* The table shows seconds: the microseconds are in --json. */
static const char *format_time_seconds(int64_t usec, char buf[static EVENT_TIME_MAX]) {
        char *dot;

        event_format_time(usec, buf);
        dot = strchr(buf, '.');
        if (dot)
                strcpy(dot, "Z");
        return buf;
}

/* "namespace/pod/container" for a Kubernetes container, its name alone for others. */
static const char *format_names(const Event *e, char *buf, size_t size) {
        char tmp[3 * 256];

        if (e->k8s_namespace || e->pod)
                (void) snprintf(tmp, sizeof tmp, "%s/%s/%s", e->k8s_namespace ?: "-", e->pod ?: "-",
                                e->container ?: "-");
        else
                (void) snprintf(tmp, sizeof tmp, "%s", e->container ?: "-");
        return cli_printable(tmp, buf, size);
}

/* Comma-separated names without "CAP_", to keep the column narrow. */
static void print_excess(uint64_t mask) {
        const char *sep = "";

        if (mask == 0) {
                fputs("-", stdout);
                return;
        }
        CAP_FOREACH(c, mask) {
                const char *name = capability_to_name(c);

                if (strncmp(name, "CAP_", STRLEN("CAP_")) == 0)
                        name += STRLEN("CAP_");
                printf("%s%s", sep, name);
                sep = ",";
        }
}

static void print_header(void) {
        printf("%-20s %-12s %-10s %-32s %-9s %-20s %-11s %s\n",
               "TIME", "CONTAINER", "RUNTIME", "NAMESPACE/POD/CONTAINER", "VERDICT", "RULE", "ACTION", "EXCESS");
}

static void print_row(const Event *e) {
        char when[EVENT_TIME_MAX], id[12 + 1], names[3 * 256], rule[256];

        printf("%-20s %-12s %-10s %-32s %-9s %-20s %-11s ",
               format_time_seconds(e->time_usec, when),
               cli_printable(e->container_id, id, sizeof id),
               runtime_to_string(e->runtime) ?: "-",
               format_names(e, names, sizeof names),
               event_verdict_to_string(e->verdict),
               cli_printable(e->rule ?: "-", rule, sizeof rule),
               event_action_to_string(e->action));
        print_excess(event_excess_any(e));
        putchar('\n');
}

static int print_event(const Event *e, void *userdata) {
        EventsOutput *out = userdata;

        if (out->json) {
                int r = print_json(e);

                if (r < 0)
                        return r;
        } else {
                if (out->n == 0)
                        print_header();
                print_row(e);
        }
        out->n++;
        return 0;
}

int verb_events(int argc, char *argv[]) {
        static const struct option options[] = {
                { "json", no_argument, NULL, 'j' },
                { "limit", required_argument, NULL, 'n' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        _cleanup_store_ Store *s = NULL;
        EventsOutput out = {};
        EventQuery q = {};
        int c, r;

        while ((c = cli_getopt("events", argc, argv, "h", options)) >= 0)
                switch (c) {
                case 'j':
                        out.json = true;
                        break;
                case 'n':
                        if (parse_limit(optarg, &q.limit) < 0)
                                return cli_error("events", "invalid --limit '%s': expected a positive integer", optarg);
                        break;
                case 'h':
                        help();
                        return CAPCTL_EXIT_OK;
                default:
                        return CAPCTL_EXIT_ERROR;
                }
        if (optind < argc)
                return cli_error("events", "unexpected argument '%s'", argv[optind]);

        if (cli_open_store("events", STORE_READ_ONLY, &s) < 0)
                return CAPCTL_EXIT_ERROR;

        r = store_events_query(s, &q, print_event, &out);
        if (r < 0)
                return cli_error("events", "cannot read %s: %s", cli_db_path(),
                                 r == -EIO ? store_errmsg(s) : strerror(-r));

        if (out.n == 0 && !out.json)
                puts("No events.");
        if (fflush(stdout) != 0)
                return cli_error("events", "failed to write output: %m");
        return out.n > 0 ? CAPCTL_EXIT_OK : CAPCTL_EXIT_NO;
}
