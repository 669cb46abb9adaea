/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capctl.h"
#include "capguard/cap-json.h"
#include "capguard/daemon-pid.h"
#include "capguard/event.h"
#include "capguard/proc-stat.h"
#include "capguard/store.h"
#include "capguard/time-parse.h"
#include "capguard/time-util.h"

#define USEC_PER_HOUR (3600LL * 1000 * 1000)

typedef struct Status {
        bool running;                /* the pid file names a live capguardd */
        pid_t pid;
        bool have_record;
        StoreDaemon record;
        bool record_current;         /* the record is the running daemon's */
        bool have_policy;
        StorePolicy policy;
        uint64_t live;
        uint64_t violations_hour, violations_day, kills_hour, kills_day;
        uint64_t db_bytes;           /* the database with its write-ahead log */
} Status;

static void status_done(Status *st) {
        store_daemon_done(&st->record);
        store_policy_done(&st->policy);
}

static void help(void) {
        printf("Usage: capctl status [--json]\n"
               "\n"
               "Whether capguardd runs on this node, since when and with which policy, what it\n"
               "watches, and what it found in the last hour and day.\n"
               "\n"
               "  --json     one object, one line\n"
               "  -h --help  show this help\n"
               "\n"
               "Exit status: 0 if capguardd runs, 1 if it does not, 2 on error.\n");
}

static int count_events(Store *s, int64_t since, bool kills, uint64_t *ret) {
        EventQuery q = { .since_usec = since };

        if (kills) {
                q.by_action = true;
                q.action = EVENT_ACTION_KILLED;
        } else {
                q.by_verdict = true;
                q.verdict = EVENT_VERDICT_VIOLATION;
        }
        return store_events_count(s, &q, ret);
}

/* The start time of pid, to tell whether the record in the store is the running daemon's. */
static int pid_start_time(pid_t pid, uint64_t *ret) {
        char path[32];
        ProcStat ps;
        int r;

        (void) snprintf(path, sizeof path, "/proc/%d/stat", (int) pid);
        r = proc_stat_read_at(AT_FDCWD, path, &ps);
        if (r < 0)
                return r;
        *ret = ps.starttime;
        return 0;
}

static int gather(Store *s, Status *st) {
        int64_t now = (int64_t) now_usec(CLOCK_REALTIME);
        _cleanup_free_ char *wal = NULL;
        struct stat sb;
        uint64_t start;
        int r;

        r = daemon_signal(getenv("CAPGUARD_PID_FILE") ?: CAPGUARD_PID_FILE, 0, &st->pid);
        st->running = r >= 0;

        r = store_daemon_get(s, &st->record);
        if (r < 0 && r != -ENOENT)
                return r;
        st->have_record = r >= 0;
        st->record_current = st->running && st->have_record && st->record.pid == st->pid &&
                             pid_start_time(st->pid, &start) >= 0 && start == st->record.pid_start;

        r = store_policy_get(s, 0, &st->policy);
        if (r < 0 && r != -ENOENT)
                return r;
        st->have_policy = r >= 0;

        r = store_containers_count_live(s, &st->live);
        if (r < 0)
                return r;
        if ((r = count_events(s, now - USEC_PER_HOUR, false, &st->violations_hour)) < 0 ||
            (r = count_events(s, now - 24 * USEC_PER_HOUR, false, &st->violations_day)) < 0 ||
            (r = count_events(s, now - USEC_PER_HOUR, true, &st->kills_hour)) < 0 ||
            (r = count_events(s, now - 24 * USEC_PER_HOUR, true, &st->kills_day)) < 0)
                return r;

        if (stat(cli_db_path(), &sb) >= 0)
                st->db_bytes += (uint64_t) sb.st_size;
        if (asprintf(&wal, "%s-wal", cli_db_path()) >= 0 && stat(wal, &sb) >= 0)
                st->db_bytes += (uint64_t) sb.st_size;
        return 0;
}

static const char *format_span(uint64_t usec, char *buf, size_t size) {
        uint64_t sec = usec / 1000000, d = sec / 86400, h = sec / 3600 % 24, m = sec / 60 % 60;

        if (d > 0)
                (void) snprintf(buf, size, "%llud %lluh", (unsigned long long) d, (unsigned long long) h);
        else if (h > 0)
                (void) snprintf(buf, size, "%lluh %llumin", (unsigned long long) h, (unsigned long long) m);
        else
                (void) snprintf(buf, size, "%llumin %llus", (unsigned long long) m, (unsigned long long) (sec % 60));
        return buf;
}

static void print_text(const Status *st) {
        int64_t now = (int64_t) now_usec(CLOCK_REALTIME);
        bool color = cli_use_color();
        char when[EVENT_TIME_MAX], span[FORMAT_DURATION_MAX], buf[1024];

        if (st->running) {
                printf("capguardd:  %srunning%s, pid %d", color ? ANSI_GREEN : "", color ? ANSI_NORMAL : "", (int) st->pid);
                if (st->record_current)
                        printf(", up %s (since %s)", format_span((uint64_t) (now - st->record.started_usec), span, sizeof span),
                               event_format_time(st->record.started_usec, when));
                putchar('\n');
        } else {
                printf("capguardd:  %snot running%s", color ? ANSI_RED : "", color ? ANSI_NORMAL : "");
                if (st->have_record && st->record.stopped_usec)
                        printf(" (stopped %s)", event_format_time(st->record.stopped_usec, when));
                else if (st->have_record)
                        printf(" (last started %s, pid %d)", event_format_time(st->record.started_usec, when),
                               (int) st->record.pid);
                putchar('\n');
        }
        if (st->have_record) {
                printf("mode:       %s\n", st->record.dry_run ? "dry run (a kill rule's verdicts are recorded as would-kill)"
                                                           : "kills where a rule says so");
                if (st->record.retention_usec)
                        printf("retention:  %s", format_duration(st->record.retention_usec, span, sizeof span));
                else
                        printf("retention:  keeps everything");
                if (st->record.last_prune_usec)
                        printf(", last pruned %s", event_format_time(st->record.last_prune_usec, when));
                putchar('\n');
                for (char **p = st->record.roots; p && *p; p++)
                        printf("%s %s\n", p == st->record.roots ? "watching:  " : "           ", cli_printable(*p, buf, sizeof buf));
        }
        if (st->have_policy)
                printf("policy:     version %u, loaded %s%s%s\n", st->policy.version,
                       event_format_time(st->policy.loaded_at_usec, when), st->policy.source ? " from " : "",
                       st->policy.source ? cli_printable(st->policy.source, buf, sizeof buf) : "");
        else
                printf("policy:     none active\n");
        printf("containers: %llu live\n", (unsigned long long) st->live);
        printf("violations: %llu in the last hour, %llu in the last day\n", (unsigned long long) st->violations_hour,
               (unsigned long long) st->violations_day);
        printf("kills:      %llu in the last hour, %llu in the last day\n", (unsigned long long) st->kills_hour,
               (unsigned long long) st->kills_day);
        printf("database:   %s, %.1f MiB\n", cli_printable(cli_db_path(), buf, sizeof buf),
               (double) st->db_bytes / (1024.0 * 1024.0));
}

static int print_json(const Status *st) {
        _cleanup_json_ json_object *o = json_object_new_object(), *roots = json_object_new_array();
        char started[EVENT_TIME_MAX], stopped[EVENT_TIME_MAX], pruned[EVENT_TIME_MAX];
        int64_t now = (int64_t) now_usec(CLOCK_REALTIME);
        const StoreDaemon *d = st->have_record ? &st->record : NULL;

        if (!o || !roots)
                return -ENOMEM;
        for (char **p = d ? d->roots : NULL; p && *p; p++)
                if (json_object_array_add(roots, json_object_new_string(*p)) < 0)
                        return -ENOMEM;

        if (json_add(o, "running", json_object_new_boolean(st->running)) < 0 ||
            (st->running ? json_add(o, "pid", json_object_new_int64(st->pid)) : json_add_null(o, "pid")) < 0 ||
            (st->record_current ? json_add(o, "uptime_sec", json_object_new_int64((now - d->started_usec) / 1000000))
                                : json_add_null(o, "uptime_sec")) < 0 ||
            json_add_string_or_null(o, "started", d ? event_format_time(d->started_usec, started) : NULL) < 0 ||
            json_add_string_or_null(o, "stopped", d && d->stopped_usec ? event_format_time(d->stopped_usec, stopped) : NULL) < 0 ||
            json_add_string_or_null(o, "version", d ? d->version : NULL) < 0 ||
            (d ? json_add(o, "dry_run", json_object_new_boolean(d->dry_run)) : json_add_null(o, "dry_run")) < 0 ||
            (d ? json_add(o, "retention_sec", json_object_new_int64((int64_t) (d->retention_usec / 1000000)))
               : json_add_null(o, "retention_sec")) < 0 ||
            json_add_string_or_null(o, "last_prune", d && d->last_prune_usec ? event_format_time(d->last_prune_usec, pruned) : NULL) < 0 ||
            json_add(o, "watched_roots", TAKE_PTR(roots)) < 0 ||
            (st->have_policy ? json_add(o, "policy_version", json_object_new_int64(st->policy.version))
                             : json_add_null(o, "policy_version")) < 0 ||
            json_add(o, "containers_live", json_object_new_uint64(st->live)) < 0 ||
            json_add(o, "violations_last_hour", json_object_new_uint64(st->violations_hour)) < 0 ||
            json_add(o, "violations_last_day", json_object_new_uint64(st->violations_day)) < 0 ||
            json_add(o, "kills_last_hour", json_object_new_uint64(st->kills_hour)) < 0 ||
            json_add(o, "kills_last_day", json_object_new_uint64(st->kills_day)) < 0 ||
            json_add(o, "database", json_object_new_string(cli_db_path())) < 0 ||
            json_add(o, "database_bytes", json_object_new_uint64(st->db_bytes)) < 0)
                return -ENOMEM;
        return json_print_line(stdout, o);
}

int verb_status(int argc, char *argv[]) {
        enum { ARG_JSON = 0x100 };
        static const struct option options[] = {
                { "json", no_argument, NULL, ARG_JSON },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        _cleanup_(status_done) Status st = {};
        _cleanup_store_ Store *s = NULL;
        bool json = false;
        int c, r;

        while ((c = cli_getopt("status", argc, argv, "h", options)) >= 0)
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
        if (optind < argc)
                return cli_error("status", "unexpected argument '%s'", argv[optind]);

        if (cli_open_store("status", STORE_READ_ONLY, &s) < 0)
                return CAPCTL_EXIT_ERROR;
        r = gather(s, &st);
        if (r < 0)
                return cli_error("status", "cannot read %s: %s", cli_db_path(), r == -EIO ? store_errmsg(s) : strerror(-r));

        if (json)
                r = print_json(&st);
        else
                print_text(&st);
        if (r < 0 || fflush(stdout) != 0)
                return cli_error("status", "failed to write output: %m");
        return st.running ? CAPCTL_EXIT_OK : CAPCTL_EXIT_NO;
}
