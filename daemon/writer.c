/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "capguard/macro.h"
#include "capguard/store.h"
#include "capguard/time-util.h"
#include "checkpointer.h"
#include "log.h"
#include "thread.h"
#include "writer.h"

#define MIN(a, b) ((a) < (b) ? (a) : (b))

#define BATCH 256
#define RETRY_FIRST_USEC (500 * 1000ULL)
#define RETRY_MAX_USEC (30 * 1000 * 1000ULL)
/* Behind another writer (a policy load, a prune by capctl): worth a wait here, where it holds
 * up no verdict. */
#define BUSY_TIMEOUT_MS 1000
/* The write-ahead log is copied into the database this long after the first write since the
 * last copy, and whenever it grows by CHECKPOINT_PAGES (12 MiB in 4 KiB pages; a verdict
 * committed alone writes about ten). Kept below 16 MiB, the log is not cut back
 * (journal_size_limit) by the commit that starts it over. */
#define CHECKPOINT_DELAY_USEC (1000 * 1000ULL)
#define CHECKPOINT_PAGES 3000

typedef struct Item {
        struct Item *next;
        bool exit;
        Event event;
} Item;

typedef struct Queue {
        Item *head, *tail;
        size_t n;
} Queue;

struct Writer {
        Store *store;                /* the thread's own connection */
        Checkpointer *checkpointer;
        pthread_t thread;
        int efd;                     /* wakes the thread: kicks, syncs, stop */
        int state_fd;                /* readable once the store failed or recovered: for the loop */

        /* Handed over, newest first. The loop never takes a lock to hand over or kick: a lock
         * the thread held when it was preempted held the loop up to 1.6 ms (bench). */
        _Atomic(Item *) incoming;
        atomic_size_t n_incoming;
        atomic_bool sleeping, kicked, retry_now, stop, failing;

        /* what writer_sync() waits on, never taken by the loop otherwise */
        pthread_mutex_t lock;
        pthread_cond_t done;
        uint64_t pushed, settled;    /* items handed over (the loop's), written or dropped */
        unsigned rounds;
        int error;                   /* of the latest round */
        bool stopped;
        size_t lost;

        /* the thread's alone */
        Queue work;
        unsigned checkpoint_next_pages;
};

static void item_free(Item *i) {
        event_done(&i->event);
        free(i);
}

static Item *queue_pop(Queue *q) {
        Item *i = q->head;

        q->head = i->next;
        if (!q->head)
                q->tail = NULL;
        q->n--;
        return i;
}

static void queue_move(Queue *to, Queue *from) {
        if (!from->head)
                return;
        if (to->tail)
                to->tail->next = from->head;
        else
                to->head = from->head;
        to->tail = from->tail;
        to->n += from->n;
        *from = (Queue) {};
}

/* What was handed over since the last call, behind the work: the stack reversed is a queue,
 * oldest first, whose tail is the stack's top. */
static void take_incoming(Writer *w) {
        Item *i = atomic_exchange(&w->incoming, NULL);
        Queue q = { .tail = i };

        while (i) {
                Item *next = i->next;

                i->next = q.head;
                q.head = i;
                q.n++;
                i = next;
        }
        atomic_fetch_sub(&w->n_incoming, q.n);
        queue_move(&w->work, &q);
}

static void queue_free(Queue *q) {
        while (q->head)
                item_free(queue_pop(q));
}

static void on_wal_commit(void *userdata, unsigned pages) {
        Writer *w = userdata;

        /* Once per CHECKPOINT_PAGES of growth: asked at every commit, the checkpointer would
         * sync the disk twice a verdict. A copy that commits made during it leave incomplete
         * cannot start the log over: the next growth asks again. */
        if (pages < CHECKPOINT_PAGES)
                w->checkpoint_next_pages = CHECKPOINT_PAGES;
        else if (pages >= w->checkpoint_next_pages) {
                w->checkpoint_next_pages = pages + CHECKPOINT_PAGES;
                checkpointer_request(w->checkpointer);
        }
}

/* Writes the work in order, verdicts in transactions of up to BATCH; what is written is freed.
 * 0, or the error that stopped it; *ret_written says how many items were written either way. */
static int write_work(Writer *w, size_t *ret_written) {
        size_t written = 0;
        int r = 0;

        while (w->work.head) {
                Event *batch[BATCH];
                size_t n = 0;

                if (w->work.head->exit) {
                        Event *e = &w->work.head->event;

                        r = store_container_exited(w->store, e->runtime, e->runtime_namespace, e->container_id,
                                                   e->pid_start, e->boot_id, e->time_usec);
                        if (r < 0 && r != -ENOENT) /* -ENOENT: never judged, or marked already */
                                break;
                        n = 1;
                } else {
                        for (Item *i = w->work.head; i && !i->exit && n < BATCH; i = i->next)
                                batch[n++] = &i->event;
                        r = store_events_add(w->store, batch, n);
                        if (r < 0)
                                break;
                }
                for (size_t k = 0; k < n; k++)
                        item_free(queue_pop(&w->work));
                written += n;
                r = 0;
        }
        *ret_written = written;
        return r;
}

/* Beyond WRITER_PENDING_MAX waiting, the oldest go: they are in the journal, and the
 * daemon's memory stays bounded. */
static size_t drop_oldest(Writer *w) {
        size_t dropped = 0;

        while (w->work.n > WRITER_PENDING_MAX) {
                Item *old = queue_pop(&w->work);

                log_error("The store has been unavailable for %zu verdicts; dropping the %s of container %s "
                          "from the store (it is in the journal)",
                          w->work.n + 1, old->exit ? "exit" : "verdict", strna(old->event.container_id));
                item_free(old);
                dropped++;
        }
        return dropped;
}

/* Sleeps until kicked or deadline (CLOCK_MONOTONIC, UINT64_MAX: none). */
static void wait_until(Writer *w, uint64_t deadline) {
        struct pollfd pfd = { .fd = w->efd, .events = POLLIN };
        uint64_t now = now_usec(CLOCK_MONOTONIC), n;
        int timeout = -1;

        if (deadline != UINT64_MAX)
                timeout = deadline <= now ? 0 : (int) MIN((deadline - now + 999) / 1000, (uint64_t) INT_MAX);
        atomic_store(&w->sleeping, true);
        /* kicked between the last look and now: the kick may have found it awake */
        if (!atomic_load(&w->kicked) && !atomic_load(&w->stop) && !atomic_load(&w->retry_now))
                (void) poll(&pfd, 1, timeout);
        atomic_store(&w->sleeping, false);
        (void) !read(w->efd, &n, sizeof n); /* non-blocking: resets the counter, if it was set */
}

static void wake(Writer *w) {
        uint64_t one = 1;

        (void) !write(w->efd, &one, sizeof one);
}

static void *run(void *userdata) {
        Writer *w = userdata;
        uint64_t retry_delay = RETRY_FIRST_USEC, retry_at = 0, checkpoint_at = UINT64_MAX;
        bool failing = false, go = false, retry = false;

        for (;;) {
                uint64_t now = now_usec(CLOCK_MONOTONIC);
                size_t written = 0, dropped;
                bool last = atomic_load(&w->stop);
                int r;

                /* the kick before what it was for: pushed before it, taken after it */
                if (atomic_exchange(&w->kicked, false))
                        go = true;
                if (atomic_exchange(&w->retry_now, false))
                        retry = true;
                take_incoming(w);
                dropped = drop_oldest(w);
                if (dropped > 0) {
                        (void) pthread_mutex_lock(&w->lock);
                        w->settled += dropped;
                        (void) pthread_mutex_unlock(&w->lock);
                }

                if (now >= checkpoint_at) {
                        checkpoint_at = UINT64_MAX;
                        r = checkpointer_take_error(w->checkpointer);
                        if (r < 0 && r != -EBUSY)
                                log_warning_errno(r, "Failed to checkpoint the database, ignoring: %m");
                        checkpointer_request(w->checkpointer);
                }

                /* A round when kicked, not whenever something waits: the loop kicks once it is
                 * idle or a batch waits, and a thread that went on with whatever had come in
                 * during its last round committed a burst a verdict or two at a time. */
                if (!w->work.head)
                        go = retry = false;
                if (!last && (!w->work.head || (failing ? !retry && now < retry_at : !go))) {
                        wait_until(w, MIN(failing && w->work.head ? retry_at : UINT64_MAX, checkpoint_at));
                        continue;
                }
                go = retry = false;

                r = write_work(w, &written);
                if (r < 0) {
                        if (!failing)
                                log_warning_errno(r, "Failed to store %zu verdicts, keeping them until the store recovers: %m",
                                                  w->work.n);
                        failing = true;
                        retry_at = now_usec(CLOCK_MONOTONIC) + retry_delay;
                        retry_delay = MIN(retry_delay * 2, RETRY_MAX_USEC);
                } else {
                        if (failing)
                                log_notice("The store is back: the verdicts waiting for it are written");
                        failing = false;
                        retry_delay = RETRY_FIRST_USEC;
                }
                if (written > 0 && w->checkpointer && checkpoint_at == UINT64_MAX)
                        checkpoint_at = now_usec(CLOCK_MONOTONIC) + CHECKPOINT_DELAY_USEC;
                if (atomic_exchange(&w->failing, failing) != failing) {
                        uint64_t one = 1;

                        (void) !write(w->state_fd, &one, sizeof one);
                }

                (void) pthread_mutex_lock(&w->lock);
                w->settled += written;
                w->rounds++;
                w->error = r;
                (void) pthread_cond_broadcast(&w->done);
                (void) pthread_mutex_unlock(&w->lock);

                /* stopping: what came in during the last round is tried too, then no more */
                if (last && !atomic_load(&w->incoming))
                        break;
        }

        (void) pthread_mutex_lock(&w->lock);
        w->lost = w->work.n;
        queue_free(&w->work);
        w->stopped = true;
        (void) pthread_cond_broadcast(&w->done);
        (void) pthread_mutex_unlock(&w->lock);
        return NULL;
}

int writer_start(const char *db_path, Checkpointer *checkpointer, Writer **ret) {
        _cleanup_free_ Writer *w = NULL;
        int r;

        w = calloc(1, sizeof *w);
        if (!w)
                return -ENOMEM;
        w->checkpointer = checkpointer;
        w->efd = w->state_fd = -EBADF;

        r = store_open(db_path, STORE_READ_WRITE, &w->store);
        if (r < 0)
                return r;
        store_set_busy_timeout(w->store, BUSY_TIMEOUT_MS);
        r = checkpointer ? store_set_wal_hook(w->store, on_wal_commit, w) : 0;
        if (r < 0)
                goto fail;
        w->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (w->efd < 0) {
                r = negative_errno();
                goto fail;
        }
        w->state_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (w->state_fd < 0) {
                r = negative_errno();
                goto fail;
        }
        (void) pthread_mutex_init(&w->lock, NULL);
        (void) pthread_cond_init(&w->done, NULL);

        r = thread_start(&w->thread, run, w);
        if (r < 0) {
                (void) pthread_cond_destroy(&w->done);
                (void) pthread_mutex_destroy(&w->lock);
                goto fail;
        }

        *ret = TAKE_PTR(w);
        return 0;

fail:
        closep(&w->efd);
        closep(&w->state_fd);
        store_close(w->store);
        return r;
}

static int push(Writer *w, Event *e, bool exit) {
        Item *i;
        size_t n;

        if (!w || !e)
                return -EINVAL;
        i = calloc(1, sizeof *i);
        if (!i)
                return -ENOMEM;
        i->exit = exit;
        i->event = *e;
        *e = (Event) {};

        w->pushed++; /* the loop's: only writer_sync(), on the loop, reads it */
        i->next = atomic_load(&w->incoming);
        while (!atomic_compare_exchange_weak(&w->incoming, &i->next, i))
                ;
        n = atomic_fetch_add(&w->n_incoming, 1) + 1;
        return (int) MIN(n, (size_t) INT_MAX);
}

int writer_push_event(Writer *w, Event *e) {
        return push(w, e, false);
}

int writer_push_exit(Writer *w, Event *e) {
        return push(w, e, true);
}

void writer_kick(Writer *w) {
        atomic_store(&w->kicked, true);
        /* a thread that is writing sees the kick when its round ends */
        if (atomic_load(&w->sleeping))
                wake(w);
}

int writer_sync(Writer *w) {
        uint64_t target;
        unsigned rounds;
        int r = 0;

        if (!w)
                return 0;
        target = w->pushed;
        (void) pthread_mutex_lock(&w->lock);
        rounds = w->rounds;
        (void) pthread_mutex_unlock(&w->lock);

        /* what waits is written now, and a thread waiting to retry a failed store tries now */
        atomic_store(&w->retry_now, true);
        writer_kick(w);

        (void) pthread_mutex_lock(&w->lock);
        while (w->settled < target) {
                if (w->stopped) {
                        r = -ESHUTDOWN;
                        break;
                }
                if (w->rounds != rounds && w->error < 0) {
                        r = w->error;
                        break;
                }
                (void) pthread_cond_wait(&w->done, &w->lock);
        }
        (void) pthread_mutex_unlock(&w->lock);
        return r;
}

bool writer_failing(Writer *w) {
        return w && atomic_load(&w->failing);
}

int writer_state_fd(Writer *w) {
        return w ? w->state_fd : -EBADF;
}

Writer *writer_stop(Writer *w, size_t *ret_lost) {
        if (!w)
                return NULL;
        atomic_store(&w->stop, true);
        wake(w);
        (void) pthread_join(w->thread, NULL);

        /* the thread took whatever was handed over, and freed what it could not write */
        if (ret_lost)
                *ret_lost = w->lost;
        (void) pthread_cond_destroy(&w->done);
        (void) pthread_mutex_destroy(&w->lock);
        closep(&w->efd);
        closep(&w->state_fd);
        store_close(w->store);
        free(w);
        return NULL;
}
