/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capguard/journal-event.h"
#include "journal-queue.h"
#include "log.h"
#include "manager.h"
#include "writer.h"

static void journal(Manager *m, const Event *e) {
        _cleanup_(journal_fields_done) JournalFields f = {};
        _cleanup_free_ char *line = NULL;
        int r;

        r = journal_event_build(e, &f);
        if (r >= 0)
                r = journal_queue_send(m->journal_queue, &f);
        if (r >= 0)
                return;
        /* No journald (a container, early boot): the same record on stderr, one line. */
        if (journal_event_format_line(e, &line) >= 0)
                fprintf(stderr, "%s\n", line);
        else
                log_oom();
}

/* A transaction's worth: handed over at once, not when the loop is done with a burst. */
#define KICK_BATCH 256

static int on_kick(sd_event_source *s, void *userdata) {
        Manager *m = userdata;

        m->kick = sd_event_source_disable_unref(m->kick);
        writer_kick(m->writer);
        return 0;
}

static void kick_later(Manager *m, int waiting) {
        int r;

        if (waiting >= KICK_BATCH) {
                writer_kick(m->writer);
                return;
        }
        if (m->kick)
                return;
        r = sd_event_add_defer(m->event, &m->kick, on_kick, m);
        if (r < 0) {
                log_warning_errno(r, "Failed to schedule the store's writes, asking for them now: %m");
                writer_kick(m->writer);
                return;
        }
        /* once nothing else is pending: a burst shares the wakeup, and its transactions */
        (void) sd_event_source_set_priority(m->kick, SD_EVENT_PRIORITY_IDLE);
        (void) sd_event_source_set_description(m->kick, "store-kick");
}

void record_event(Manager *m, Event *e) {
        int r;

        /* The journal at once, from the loop: it is how operators hear of a verdict. The
         * store on the writer's thread, which keeps what it cannot write yet. */
        journal(m, e);
        if (!m->writer) {
                event_done(e);
                return;
        }
        r = writer_push_event(m->writer, e);
        if (r < 0) {
                log_oom();
                event_done(e);
                return;
        }
        kick_later(m, r);
}

void record_exit(Manager *m, Runtime runtime, const char *ns, const char *id, uint64_t pid_start) {
        Event e = {
                .runtime = runtime,
                .pid_start = pid_start,
                .time_usec = (int64_t) now_usec(CLOCK_REALTIME),
        };
        int r = -ENOMEM;

        if (!m->writer)
                return;
        memcpy(e.boot_id, m->boot_id, sizeof e.boot_id);
        /* after the verdict, which may not be written yet */
        if ((!*ns || (e.runtime_namespace = strdup(ns))) && (e.container_id = strdup(id)))
                r = writer_push_exit(m->writer, &e);
        if (r < 0) {
                log_warning("Out of memory: the store will not say when container %s exited", id);
                event_done(&e);
                return;
        }
        kick_later(m, r);
}
