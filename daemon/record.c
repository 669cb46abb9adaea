/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capguard/journal-event.h"
#include "checkpointer.h"
#include "log.h"
#include "manager.h"

/* Verdicts waiting for the store beyond this are dropped, oldest first, and said so: they
 * are in the journal already, and the daemon's memory stays bounded. */
#define PENDING_MAX 100000
#define STORE_RETRY_FIRST_USEC (500 * 1000ULL)
#define STORE_RETRY_MAX_USEC (30 * 1000 * 1000ULL)
#define FLUSH_BATCH 256
/* The write-ahead log is copied into the database this long after the first write since the
 * last copy, and whenever it grows by CHECKPOINT_PAGES (12 MiB in 4 KiB pages; a verdict
 * committed alone writes about ten). The copy runs on the checkpointer's thread: its fsync()s
 * took the loop 1-20 ms each. Kept below 16 MiB, the log is not cut back (journal_size_limit)
 * by the commit that starts it over: that took the loop 12 ms. */
#define CHECKPOINT_DELAY_USEC (1000 * 1000ULL)
#define CHECKPOINT_PAGES 3000

static void journal(Manager *m, const Event *e) {
        _cleanup_free_ char *line = NULL;
        int r;

        r = journal_event_send(&m->journal, e);
        if (r >= 0)
                return;
        /* No journald (a container, early boot): the same record on stderr, one line. */
        if (journal_event_format_line(e, &line) >= 0)
                fprintf(stderr, "%s\n", line);
        else
                log_oom();
}

static int on_store_retry(sd_event_source *s, uint64_t usec, void *userdata);

static void schedule_flush(Manager *m) {
        int r;

        if (m->store_retry_delay == 0)
                m->store_retry_delay = STORE_RETRY_FIRST_USEC;
        if (m->store_retry)
                return;
        r = sd_event_add_time_relative(m->event, &m->store_retry, CLOCK_MONOTONIC,
                                       m->store_retry_delay ?: STORE_RETRY_FIRST_USEC, 0, on_store_retry, m);
        if (r < 0)
                log_error_errno(r, "Failed to schedule writing %zu verdicts to the store: %m", m->n_pending);
        else
                (void) sd_event_source_set_description(m->store_retry, "store-retry");
        m->store_retry_delay = m->store_retry_delay * 2 > STORE_RETRY_MAX_USEC ? STORE_RETRY_MAX_USEC : m->store_retry_delay * 2;
}

static void enqueue(Manager *m, Event *e) {
        Pending *p;

        if (m->n_pending >= PENDING_MAX) {
                Pending *old = m->pending;

                m->pending = old->next;
                if (!m->pending)
                        m->pending_tail = NULL;
                log_error("The store has been unavailable for %zu verdicts; dropping the verdict on container %s "
                          "from the store (it is in the journal)",
                          m->n_pending, strna(old->event.container_id));
                event_done(&old->event);
                free(old);
                m->n_pending--;
        }

        p = calloc(1, sizeof *p);
        if (!p) {
                log_oom();
                event_done(e);
                return;
        }
        p->event = *e;
        *e = (Event) {};
        if (m->pending_tail)
                m->pending_tail->next = p;
        else
                m->pending = p;
        m->pending_tail = p;
        m->n_pending++;
}

static void checkpoint(Manager *m) {
        int r;

        if (m->checkpointer) {
                r = checkpointer_take_error(m->checkpointer);
                checkpointer_request(m->checkpointer);
        } else
                /* no thread could be started: on the loop, stalls and all */
                r = store_checkpoint(m->store);
        if (r < 0 && r != -EBUSY)
                log_warning_errno(r, "Failed to checkpoint the database, ignoring: %m");
}

static int on_checkpoint(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        m->checkpoint = sd_event_source_disable_unref(m->checkpoint);
        checkpoint(m);
        return 0;
}

/* Installed only with a checkpointer: without one, the timer alone asks. */
void record_on_wal_commit(void *userdata, unsigned pages) {
        Manager *m = userdata;

        /* Once per CHECKPOINT_PAGES of growth: asked at every commit, the thread would sync the
         * disk twice a verdict. A copy that commits made during it leave incomplete cannot
         * start the log over: the next growth asks again. */
        if (pages < CHECKPOINT_PAGES)
                m->checkpoint_next_pages = CHECKPOINT_PAGES;
        else if (pages >= m->checkpoint_next_pages) {
                m->checkpoint_next_pages = pages + CHECKPOINT_PAGES;
                checkpoint(m);
        }
}

static void schedule_checkpoint(Manager *m) {
        int r;

        if (m->checkpoint)
                return;
        r = sd_event_add_time_relative(m->event, &m->checkpoint, CLOCK_MONOTONIC, CHECKPOINT_DELAY_USEC,
                                       100 * 1000, on_checkpoint, m);
        if (r < 0) {
                /* Then SQLite's own checkpoints again, in the commit: slower, never unbounded. */
                log_warning_errno(r, "Failed to schedule a checkpoint, letting SQLite checkpoint itself: %m");
                (void) store_set_autocheckpoint(m->store, 1000);
                return;
        }
        (void) sd_event_source_set_description(m->checkpoint, "store-checkpoint");
}

/* Writes every waiting verdict, in order, in transactions of at most FLUSH_BATCH. */
void record_flush(Manager *m) {
        size_t written = 0;

        while (m->pending) {
                Event *batch[FLUSH_BATCH];
                size_t n = 0;
                int r;

                for (Pending *q = m->pending; q && n < FLUSH_BATCH; q = q->next)
                        batch[n++] = &q->event;
                r = store_events_add(m->store, batch, n);
                if (r < 0) {
                        if (!m->store_failing)
                                log_warning_errno(r, "Failed to store %zu verdicts, keeping them until the store recovers: %m",
                                                  m->n_pending);
                        m->store_failing = true;
                        schedule_flush(m);
                        return;
                }
                for (size_t i = 0; i < n; i++) {
                        Pending *p = m->pending;

                        m->pending = p->next;
                        event_done(&p->event);
                        free(p);
                        m->n_pending--;
                }
                if (!m->pending)
                        m->pending_tail = NULL;
                written += n;
                schedule_checkpoint(m);
        }
        if (m->store_failing)
                log_notice("The store is back: %zu waiting verdicts written", written);
        m->store_failing = false;
        m->store_retry_delay = STORE_RETRY_FIRST_USEC;
}

static int on_flush(sd_event_source *s, void *userdata) {
        Manager *m = userdata;

        m->flush = sd_event_source_disable_unref(m->flush);
        if (!m->store_retry) /* while the store fails, the retry timer paces the attempts */
                record_flush(m);
        return 0;
}

static int on_store_retry(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        m->store_retry = sd_event_source_disable_unref(m->store_retry);
        record_flush(m);
        return 0;
}

void record_event(Manager *m, Event *e) {
        int r;

        /* The journal at once; the store once this turn of the event loop is done, so that a
         * burst of containers costs one transaction, not one each. */
        journal(m, e);

        if (!m->store) {
                event_done(e);
                return;
        }

        enqueue(m, e);
        if (m->flush || m->store_retry)
                return;
        r = sd_event_add_defer(m->event, &m->flush, on_flush, m);
        if (r < 0) {
                log_warning_errno(r, "Failed to schedule the store write, writing now: %m");
                record_flush(m);
        } else
                (void) sd_event_source_set_description(m->flush, "store-flush");
}

void record_free_pending(Manager *m) {
        while (m->pending) {
                Pending *p = m->pending;

                m->pending = p->next;
                event_done(&p->event);
                free(p);
        }
        m->pending_tail = NULL;
        if (m->n_pending > 0)
                log_error("Exiting with %zu verdicts not yet in the store (they are in the journal)", m->n_pending);
        m->n_pending = 0;
}
