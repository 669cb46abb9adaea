/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "capguard/macro.h"
#include "capguard/time-util.h"
#include "journal-queue.h"
#include "log.h"

struct JournalQueue {
        JournalSocket *socket;
        sd_event *event;
        sd_event_source *writable; /* EPOLLOUT on the socket, on while entries wait */
        unsigned writable_generation; /* the socket's connection it watches */
        JournalFields ring[JOURNAL_QUEUE_MAX];
        size_t head, n;
        unsigned long dropped;
        journal_queue_dropped_t on_dropped;
        void *userdata;
        bool stuck; /* took nothing for JOURNAL_QUEUE_STALL_MSEC: until it takes one again */
};

static JournalFields *ring_at(JournalQueue *q, size_t i) {
        return &q->ring[(q->head + i) % JOURNAL_QUEUE_MAX];
}

static void drop_head(JournalQueue *q) {
        journal_fields_done(ring_at(q, 0));
        q->head = (q->head + 1) % JOURNAL_QUEUE_MAX;
        q->n--;
}

/* The oldest n waiting, counted, and said. */
static void drop(JournalQueue *q, size_t n) {
        q->dropped += n;
        while (n-- > 0)
                drop_head(q);
        if (q->on_dropped)
                q->on_dropped(q->userdata);
}

static int on_writable(sd_event_source *s, int fd, uint32_t revents, void *userdata);

/* Waits for the socket to turn writable. It may be another connection since the last time,
 * made after journald restarted, with the old one's fd number or not: epoll forgot the old one
 * when it was closed, and the new one is watched afresh. */
static int arm(JournalQueue *q) {
        int r;

        if (q->writable && q->writable_generation != q->socket->generation)
                q->writable = sd_event_source_disable_unref(q->writable);
        if (!q->writable) {
                r = sd_event_add_io(q->event, &q->writable, q->socket->fd, EPOLLOUT, on_writable, q);
                if (r < 0)
                        return r;
                q->writable_generation = q->socket->generation;
                (void) sd_event_source_set_description(q->writable, "journal-writable");
        }
        return sd_event_source_set_enabled(q->writable, SD_EVENT_ON);
}

/* Sends what waits, oldest first, until journald's queue is full again. */
static void flush(JournalQueue *q) {
        while (q->n > 0) {
                JournalFields *f = ring_at(q, 0);
                int r = journal_socket_try_send(q->socket, f->iov, f->n);

                if (r == -EAGAIN) {
                        r = arm(q);
                        if (r >= 0)
                                return;
                        log_warning_errno(r, "Failed to wait for journald, dropping %zu waiting entries: %m", q->n);
                } else if (r < 0)
                        log_warning_errno(r, "journald took no more entries, dropping %zu waiting ones (every verdict "
                                          "is in the database): %m", q->n);
                if (r < 0) {
                        drop(q, q->n);
                        break;
                }
                drop_head(q);
                if (q->stuck) {
                        log_info("journald reads again");
                        q->stuck = false;
                }
        }
        if (q->writable)
                (void) sd_event_source_set_enabled(q->writable, SD_EVENT_OFF);
}

static int on_writable(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        flush(userdata);
        return 0;
}

/* Whether journald's socket turned writable within msec. */
static bool wait_writable(JournalQueue *q, int msec) {
        return poll(&(struct pollfd) { .fd = q->socket->fd, .events = POLLOUT }, 1, msec) > 0;
}

int journal_queue_new(sd_event *event, JournalSocket *socket, journal_queue_dropped_t on_dropped, void *userdata,
                      JournalQueue **ret) {
        JournalQueue *q;

        if (!event || !socket || !ret)
                return -EINVAL;
        q = calloc(1, sizeof *q);
        if (!q)
                return -ENOMEM;
        q->event = sd_event_ref(event);
        q->socket = socket;
        q->on_dropped = on_dropped;
        q->userdata = userdata;
        *ret = q;
        return 0;
}

int journal_queue_send(JournalQueue *q, JournalFields *f) {
        int r;

        if (q->n == JOURNAL_QUEUE_MAX) {
                /* A burst outruns journald: wait for it, as a blocking send would have. One
                 * that takes nothing for that long is stuck, and the loop does not wait for it
                 * again until it reads: meanwhile the oldest entry goes for each new one. */
                if (!q->stuck && wait_writable(q, JOURNAL_QUEUE_STALL_MSEC))
                        flush(q);
                if (q->n == JOURNAL_QUEUE_MAX) {
                        if (!q->stuck)
                                log_warning("journald took no entry for %d ms: dropping the oldest of those waiting "
                                            "until it reads again (every verdict is in the database)",
                                            JOURNAL_QUEUE_STALL_MSEC);
                        q->stuck = true;
                        drop(q, 1);
                }
        }

        if (q->n == 0) {
                r = journal_socket_try_send(q->socket, f->iov, f->n);
                if (r >= 0) {
                        journal_fields_done(f);
                        return 0;
                }
                if (r != -EAGAIN)
                        return r;
                r = arm(q);
                if (r < 0)
                        return r;
        }
        *ring_at(q, q->n++) = *f;
        *f = (JournalFields) {};
        return 0;
}

size_t journal_queue_waiting(const JournalQueue *q) {
        return q ? q->n : 0;
}

unsigned long journal_queue_dropped(const JournalQueue *q) {
        return q ? q->dropped : 0;
}

JournalQueue *journal_queue_free(JournalQueue *q, uint64_t timeout_usec) {
        uint64_t deadline, now;

        if (!q)
                return NULL;

        q->on_dropped = NULL; /* its caller is going away: the log says what is dropped now */
        deadline = now_usec(CLOCK_MONOTONIC) + timeout_usec;
        for (;;) {
                flush(q);
                now = now_usec(CLOCK_MONOTONIC);
                if (q->n == 0 || now >= deadline || !wait_writable(q, (int) ((deadline - now + 999) / 1000)))
                        break;
        }
        if (q->n > 0) {
                log_warning("journald did not take %zu entries before exit, dropping them (every verdict is "
                            "in the database)", q->n);
                drop(q, q->n);
        }
        sd_event_source_disable_unref(q->writable);
        sd_event_unref(q->event);
        free(q);
        return NULL;
}
