/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "capguard/proc-stat.h"
#include "checkpointer.h"
#include "log.h"
#include "manager.h"
#include "writer.h"

/* Retention runs at start and then once a day; when exactly does not matter, so the timer
 * lets the kernel coalesce it with other wake-ups within an hour. */
#define PRUNE_INTERVAL_USEC (24ULL * 3600 * 1000 * 1000)
#define PRUNE_ACCURACY_USEC (3600ULL * 1000 * 1000)

static void prune_now(Manager *m) {
        uint64_t now = now_usec(CLOCK_REALTIME), events = 0, containers = 0;
        int r;

        if (m->retention_usec == 0 || m->retention_usec >= now)
                return;

        /* Verdicts waiting for the store go first, or a pruned day could come back. */
        r = writer_sync(m->writer);
        if (r < 0) {
                log_warning_errno(r, "Verdicts are waiting for the store, pruning the history tomorrow: %m");
                return;
        }

        r = store_prune(m->store, (int64_t) (now - m->retention_usec), false, &events, &containers);
        if (r < 0) {
                /* The next day's run tries again; nothing is lost but disk space meanwhile. */
                log_warning_errno(r, "Failed to prune the history, ignoring: %m");
                return;
        }
        if (events > 0 || containers > 0)
                log_info("Pruned %llu events and %llu containers older than the retention",
                         (unsigned long long) events, (unsigned long long) containers);
        (void) store_daemon_pruned(m->store, getpid(), (int64_t) now);
        r = store_optimize(m->store);
        if (r < 0)
                log_debug_errno(r, "Failed to refresh the query planner's statistics, ignoring: %m");
        /* the loop's connection does not checkpoint: the log a large prune left is copied now */
        if (m->checkpointer)
                checkpointer_request(m->checkpointer);
}

static int on_prune(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        prune_now(m);
        (void) sd_event_source_set_time_relative(s, PRUNE_INTERVAL_USEC);
        return sd_event_source_set_enabled(s, SD_EVENT_ON);
}

int maintenance_start(Manager *m) {
        int r;

        prune_now(m);
        if (m->retention_usec == 0)
                return 0;

        r = sd_event_add_time_relative(m->event, &m->prune_timer, CLOCK_BOOTTIME, PRUNE_INTERVAL_USEC,
                                       PRUNE_ACCURACY_USEC, on_prune, m);
        if (r < 0)
                return log_error_errno(r, "Failed to schedule pruning the history: %m");
        (void) sd_event_source_set_description(m->prune_timer, "prune");
        return 0;
}

/* For `capctl status`: who we are, since when, what we watch. */
void maintenance_record_start(Manager *m) {
        _cleanup_(store_daemon_done) StoreDaemon d = {};
        ProcStat st;
        int r;

        d = (StoreDaemon) {
                .pid = getpid(),
                .started_usec = (int64_t) now_usec(CLOCK_REALTIME),
                .dry_run = m->dry_run,
                .retention_usec = m->retention_usec,
        };
        if (proc_stat_read_at(m->proc_fd, "self/stat", &st) >= 0)
                d.pid_start = st.starttime;

        d.version = strdup(CAPGUARD_VERSION);
        d.roots = calloc(m->n_watch_roots + 1, sizeof *d.roots);
        if (!d.version || !d.roots) {
                log_oom();
                return;
        }
        for (size_t i = 0; i < m->n_watch_roots; i++) {
                const WatchRoot *w = &m->watch_roots[i];

                if (asprintf(&d.roots[i], "%s:%s", runtime_to_string(w->runtime) ?: "unknown", w->path) < 0) {
                        d.roots[i] = NULL;
                        log_oom();
                        return;
                }
        }

        r = store_daemon_started(m->store, &d);
        if (r < 0)
                log_warning_errno(r, "Failed to record this daemon in the store (capctl status cannot see it), ignoring: %m");
}

void maintenance_record_stop(Manager *m) {
        int r = store_daemon_stopped(m->store, getpid(), (int64_t) now_usec(CLOCK_REALTIME));

        if (r < 0)
                log_debug_errno(r, "Failed to record that this daemon stops, ignoring: %m");
}
