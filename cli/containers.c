/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>

#include "capctl.h"
#include "capguard/cap-json.h"
#include "capguard/event.h"
#include "capguard/store.h"

typedef struct ContainersOutput {
        bool json, quiet, color;
        void *ids; /* tsearch set of the ids printed by --quiet: incarnations share an id */
        size_t n;
} ContainersOutput;

static void help(void) {
        printf("Usage: capctl containers [--all] [--json] [--quiet]\n"
               "\n"
               "List the containers live now, as capguardd recorded them, with their latest verdict.\n"
               "\n"
               "  --all      every container ever seen, exited ones too\n"
               "  --json     one object per container incarnation, one line each\n"
               "  --quiet    only the container ids, one per line\n"
               "  -h --help  show this help\n"
               "\n"
               "Exit status: 0 if containers were listed, 1 if there are none, 2 on error.\n");
}

static json_object *container_to_json(const StoreContainer *c, const Event *latest) {
        _cleanup_json_ json_object *o = json_object_new_object();
        char first[EVENT_TIME_MAX], exited[EVENT_TIME_MAX];

        if (!o)
                return NULL;
        if (json_add_string_or_null(o, "container_id", c->container_id) < 0 ||
            json_add_string_or_null(o, "runtime", runtime_to_string(c->runtime)) < 0 ||
            json_add_string_or_null(o, "runtime_namespace", c->runtime_namespace) < 0 ||
            json_add_string_or_null(o, "k8s_namespace", c->k8s_namespace) < 0 ||
            json_add_string_or_null(o, "pod", c->pod) < 0 ||
            json_add_string_or_null(o, "container", c->container) < 0 ||
            json_add_string_or_null(o, "image", c->image) < 0 ||
            json_add(o, "sandbox", json_object_new_boolean(c->sandbox)) < 0 ||
            json_add(o, "pid", json_object_new_int64(c->pid)) < 0 ||
            json_add(o, "pid_start", json_object_new_uint64(c->pid_start)) < 0 ||
            json_add_string_or_null(o, "boot_id", *c->boot_id ? c->boot_id : NULL) < 0 ||
            json_add(o, "first_seen", json_object_new_string(event_format_time(c->first_seen_usec, first))) < 0 ||
            json_add_string_or_null(o, "exited", c->exited_usec ? event_format_time(c->exited_usec, exited) : NULL) < 0 ||
            (latest ? json_add(o, "latest", event_to_json(latest)) : json_add_null(o, "latest")) < 0)
                return NULL;
        return TAKE_PTR(o);
}

static void print_header(void) {
        printf("%-12s %-10s %-40s %-8s %-9s %-11s %s\n", "CONTAINER", "RUNTIME", "NAMESPACE/POD/CONTAINER", "STATE",
               "VERDICT", "ACTION", "RULE");
}

static void print_row(const StoreContainer *c, const Event *latest, const ContainersOutput *out) {
        char id[12 + 1], names[3 * 256], tmp[3 * 256], rule[256];
        const char *color = NULL;

        if (c->k8s_namespace || c->pod)
                (void) snprintf(tmp, sizeof tmp, "%s/%s/%s", c->k8s_namespace ?: "-", c->pod ?: "-", c->container ?: "-");
        else
                (void) snprintf(tmp, sizeof tmp, "%s", c->container ?: "-");
        if (out->color && latest && latest->verdict == EVENT_VERDICT_VIOLATION)
                color = latest->action == EVENT_ACTION_KILLED ? ANSI_RED : ANSI_YELLOW;

        printf("%s%-12s %-10s %-40s %-8s %-9s %-11s %s%s\n",
               color ?: "",
               cli_printable(c->container_id, id, sizeof id),
               runtime_to_string(c->runtime) ?: "-",
               cli_printable(tmp, names, sizeof names),
               c->exited_usec ? "exited" : "live",
               latest ? event_verdict_to_string(latest->verdict) : "-",
               latest ? event_action_to_string(latest->action) : "-",
               cli_printable(latest && latest->rule ? latest->rule : "-", rule, sizeof rule),
               color ? ANSI_NORMAL : "");
}

static int compare_str(const void *a, const void *b) {
        return strcmp(a, b);
}

static int print_container(const StoreContainer *c, const Event *latest, void *userdata) {
        ContainersOutput *out = userdata;
        int r;

        if (out->quiet) {
                char buf[1024];
                char *id;

                if (tfind(c->container_id, &out->ids, compare_str))
                        return 0;
                id = strdup(c->container_id);
                if (!id || !tsearch(id, &out->ids, compare_str)) {
                        free(id);
                        return -ENOMEM;
                }
                puts(cli_printable(c->container_id, buf, sizeof buf));
        } else if (out->json) {
                _cleanup_json_ json_object *o = container_to_json(c, latest);

                if (!o)
                        return -ENOMEM;
                r = json_print_line(stdout, o);
                if (r < 0)
                        return r;
        } else {
                if (out->n == 0)
                        print_header();
                print_row(c, latest, out);
        }
        out->n++;
        return 0;
}

int verb_containers(int argc, char *argv[]) {
        enum { ARG_ALL = 0x100, ARG_JSON, ARG_QUIET };
        static const struct option options[] = {
                { "all", no_argument, NULL, ARG_ALL },
                { "json", no_argument, NULL, ARG_JSON },
                { "quiet", no_argument, NULL, ARG_QUIET },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        _cleanup_store_ Store *s = NULL;
        ContainersOutput out = {};
        ContainerQuery q = {};
        int c, r;

        while ((c = cli_getopt("containers", argc, argv, "hq", options)) >= 0)
                switch (c) {
                case ARG_ALL:
                        q.all = true;
                        break;
                case ARG_JSON:
                        out.json = true;
                        break;
                case 'q':
                case ARG_QUIET:
                        out.quiet = true;
                        break;
                case 'h':
                        help();
                        return CAPCTL_EXIT_OK;
                default:
                        return CAPCTL_EXIT_ERROR;
                }
        if (optind < argc)
                return cli_error("containers", "unexpected argument '%s'", argv[optind]);

        if (cli_open_store("containers", STORE_READ_ONLY, &s) < 0)
                return CAPCTL_EXIT_ERROR;

        out.color = cli_use_color();
        r = store_containers_query(s, &q, print_container, &out);
        tdestroy(out.ids, free);
        if (r < 0)
                return cli_error("containers", "cannot read %s: %s", cli_db_path(),
                                 r == -EIO ? store_errmsg(s) : strerror(-r));

        if (out.n == 0 && !out.json && !out.quiet)
                puts(q.all ? "No containers recorded." : "No live containers.");
        if (fflush(stdout) != 0)
                return cli_error("containers", "failed to write output: %m");
        return out.n > 0 ? CAPCTL_EXIT_OK : CAPCTL_EXIT_NO;
}
