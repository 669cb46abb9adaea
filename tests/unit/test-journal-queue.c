/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "capguard/journal-event.h"
#include "check-util.h"
#include "journal-queue.h"

/* A journald that reads only when told to: a datagram socket bound in a scratch directory. */
static char dir[] = "/tmp/capguard-journal-queue-XXXXXX";
static char path[100];
static int journald = -1;

static void bind_journald(void) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };

        (void) snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
        journald = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        ck_assert_int_ge(journald, 0);
        ck_assert_int_eq(bind(journald, (struct sockaddr *) &sa, sizeof sa), 0);
}

static void setup(void) {
        ck_assert_ptr_nonnull(mkdtemp(dir));
        (void) snprintf(path, sizeof path, "%s/socket", dir);
        bind_journald();
}

static void teardown(void) {
        close(journald);
        (void) unlink(path);
        (void) rmdir(dir);
}

/* journald restarted: its socket bound anew at the same path, what it had unread gone */
static void restart_journald(void) {
        teardown();
        ck_assert_int_eq(mkdir(dir, 0700), 0);
        bind_journald();
}

/* capguardd's side: its socket to journald at socket_path, its event loop, the queue. The
 * queue holds on to j: a Sender stays where it is. */
typedef struct Sender {
        JournalSocket j;
        sd_event *e;
        JournalQueue *q;
        unsigned drop_calls; /* how often the queue said it dropped entries */
} Sender;

static void count_drops(void *userdata) {
        ((Sender *) userdata)->drop_calls++;
}

static void sender_start(Sender *s, const char *socket_path) {
        *s = (Sender) { .j = JOURNAL_SOCKET_INIT(socket_path) };
        ck_assert_int_ge(sd_event_new(&s->e), 0);
        ck_assert_int_eq(journal_queue_new(s->e, &s->j, count_drops, s, &s->q), 0);
}

static void sender_stop(Sender *s) {
        ck_assert_ptr_null(journal_queue_free(s->q, 0));
        journal_socket_close(&s->j);
        sd_event_unref(s->e);
}

/* Entry i, as capguardd builds one, its container named c<i>. */
static void entry(unsigned i, JournalFields *ret) {
        char id[32];
        Event e = {
                .container_id = id,
                .runtime = RUNTIME_RUNC,
                .verdict = EVENT_VERDICT_OK,
                .action = EVENT_ACTION_NONE,
                .no_new_privs = -1,
                .seccomp = -1,
        };

        (void) snprintf(id, sizeof id, "c%u", i);
        ck_assert_int_eq(journal_event_build(&e, ret), 0);
}

/* Sends entries 0, 1, ... until one has to wait (journald's socket is full: max_dgram_qlen
 * datagrams, or fewer when they fill the sender's buffer first), then more after it; how many. */
static unsigned fill(JournalQueue *q, unsigned more) {
        unsigned n = 0;

        for (unsigned waiting = 0; waiting <= more; n++) {
                JournalFields f = {};

                entry(n, &f);
                ck_assert_int_eq(journal_queue_send(q, &f), 0);
                ck_assert_ptr_null(f.iov); /* the queue's now, sent or kept */
                if (journal_queue_waiting(q) > 0)
                        waiting++;
        }
        return n;
}

/* The next entry journald has, by the number of its container; -1 if none waits. */
static int next_received(void) {
        char buf[8192];
        ssize_t n = recv(journald, buf, sizeof buf - 1, 0);
        const char *id;

        if (n < 0) {
                ck_assert_int_eq(errno, EAGAIN);
                return -1;
        }
        buf[n] = '\0';
        id = strstr(buf, "\nCAPGUARD_CONTAINER_ID=c");
        ck_assert_ptr_nonnull(id);
        return atoi(id + strlen("\nCAPGUARD_CONTAINER_ID=c"));
}

/* Reads what journald was sent, running the loop that sends what waits, into got[]. */
static unsigned drain(sd_event *e, JournalQueue *q, int *got, unsigned max) {
        unsigned n = 0;

        for (int idle = 0; idle < 100;) {
                int i = next_received();

                if (i >= 0) {
                        ck_assert_uint_lt(n, max);
                        got[n++] = i;
                        idle = 0;
                        continue;
                }
                if (journal_queue_waiting(q) == 0)
                        break;
                ck_assert_int_ge(sd_event_run(e, 10 * 1000), 0);
                idle++;
        }
        ck_assert_uint_eq(journal_queue_waiting(q), 0);
        return n;
}

START_TEST(test_never_waits_and_keeps_order) {
        Sender s;
        unsigned total;
        int *got;

        sender_start(&s, path);

        /* journald reads nothing meanwhile: with a blocking send this would hang here */
        total = fill(s.q, 100);
        ck_assert_uint_eq(journal_queue_waiting(s.q), 101);

        /* once journald reads, everything arrives, in order, nothing dropped */
        got = calloc(total, sizeof *got);
        ck_assert_ptr_nonnull(got);
        ck_assert_uint_eq(drain(s.e, s.q, got, total), total);
        for (unsigned i = 0; i < total; i++)
                ck_assert_int_eq(got[i], (int) i);
        ck_assert_uint_eq(journal_queue_dropped(s.q), 0);
        ck_assert_uint_eq(s.drop_calls, 0);

        sender_stop(&s);
        free(got);
}
END_TEST

START_TEST(test_full_drops_the_oldest_waiting) {
        unsigned extra = 5, total, direct;
        Sender s;
        int *got;

        sender_start(&s, path);

        /* what went straight to journald, then a queue's worth and extra more */
        total = fill(s.q, JOURNAL_QUEUE_MAX + extra - 1);
        direct = total - JOURNAL_QUEUE_MAX - extra;
        ck_assert_uint_eq(journal_queue_waiting(s.q), JOURNAL_QUEUE_MAX);
        ck_assert_uint_eq(journal_queue_dropped(s.q), extra);
        ck_assert_uint_eq(s.drop_calls, extra);

        /* what went straight, then the newest JOURNAL_QUEUE_MAX of the rest */
        got = calloc(total, sizeof *got);
        ck_assert_ptr_nonnull(got);
        ck_assert_uint_eq(drain(s.e, s.q, got, total), direct + JOURNAL_QUEUE_MAX);
        for (unsigned i = 0; i < direct; i++)
                ck_assert_int_eq(got[i], (int) i);
        for (unsigned i = 0; i < JOURNAL_QUEUE_MAX; i++)
                ck_assert_int_eq(got[direct + i], (int) (direct + extra + i));

        sender_stop(&s);
        free(got);
}
END_TEST

typedef struct Reader {
        unsigned total, n;
        int *got;
} Reader;

/* A journald that keeps reading, slower than entries come */
static void *slow_reader(void *userdata) {
        Reader *r = userdata;

        for (int idle = 0; r->n < r->total && idle < 3000;) {
                int i;

                (void) poll(&(struct pollfd) { .fd = journald, .events = POLLIN }, 1, 10);
                i = next_received();
                if (i < 0) {
                        idle++;
                        continue;
                }
                idle = 0;
                r->got[r->n++] = i;
                usleep(20);
        }
        return NULL;
}

START_TEST(test_burst_waits_for_a_slow_journald) {
        Reader r = { .total = 2000 }; /* more than any socket and the queue hold */
        Sender s;
        pthread_t t;

        r.got = calloc(r.total, sizeof *r.got);
        ck_assert_ptr_nonnull(r.got);
        sender_start(&s, path);
        ck_assert_int_eq(pthread_create(&t, NULL, slow_reader, &r), 0);

        /* more than journald's socket and the queue hold: the sender waits, nothing goes */
        for (unsigned i = 0; i < r.total; i++) {
                JournalFields f = {};

                entry(i, &f);
                ck_assert_int_eq(journal_queue_send(s.q, &f), 0);
                if (i % 16 == 0)
                        ck_assert_int_ge(sd_event_run(s.e, 0), 0);
        }
        while (journal_queue_waiting(s.q) > 0)
                ck_assert_int_ge(sd_event_run(s.e, 10 * 1000), 0);
        ck_assert_int_eq(pthread_join(t, NULL), 0);

        ck_assert_uint_eq(journal_queue_dropped(s.q), 0);
        ck_assert_uint_eq(r.n, r.total);
        for (unsigned i = 0; i < r.total; i++)
                ck_assert_int_eq(r.got[i], (int) i);

        sender_stop(&s);
        free(r.got);
}
END_TEST

START_TEST(test_journald_restarts) {
        unsigned total, n;
        Sender s;
        int *got;

        sender_start(&s, path);
        total = fill(s.q, 100);

        /* what the old journald held is lost with it; what waited goes to the new one, whose
         * socket is watched afresh even where it got the old one's fd number */
        restart_journald();
        got = calloc(total, sizeof *got);
        ck_assert_ptr_nonnull(got);
        n = drain(s.e, s.q, got, total);
        ck_assert_uint_gt(n, 0);
        for (unsigned i = 1; i < n; i++)
                ck_assert_int_eq(got[i], got[i - 1] + 1);
        ck_assert_int_eq(got[n - 1], (int) total - 1);
        ck_assert_uint_ge(s.j.generation, 2);
        ck_assert_uint_eq(journal_queue_dropped(s.q), 0);

        sender_stop(&s);
        free(got);
}
END_TEST

START_TEST(test_journald_gone) {
        unsigned waiting;
        Sender s;

        sender_start(&s, path);
        (void) fill(s.q, 20);
        waiting = (unsigned) journal_queue_waiting(s.q);

        /* journald gone for good, its socket's path with it: what waits is dropped, counted,
         * and said once */
        teardown();
        journald = -1;
        for (unsigned i = 0; i < 100 && journal_queue_waiting(s.q) > 0; i++)
                ck_assert_int_ge(sd_event_run(s.e, 10 * 1000), 0);
        ck_assert_uint_eq(journal_queue_waiting(s.q), 0);
        ck_assert_uint_eq(journal_queue_dropped(s.q), waiting);
        ck_assert_uint_eq(s.drop_calls, 1);

        sender_stop(&s);
}
END_TEST

START_TEST(test_no_journald) {
        char missing[300];
        JournalFields f = {};
        Sender s;

        (void) snprintf(missing, sizeof missing, "%s/none", dir);
        sender_start(&s, missing);

        /* refused at once, and the entry left to the caller (capguardd writes it to stderr) */
        entry(1, &f);
        ck_assert_int_eq(journal_queue_send(s.q, &f), -ENOENT);
        ck_assert_ptr_nonnull(f.iov);
        ck_assert_uint_eq(journal_queue_waiting(s.q), 0);
        journal_fields_done(&f);

        sender_stop(&s);
        ck_assert_ptr_null(journal_queue_free(NULL, 0));
}
END_TEST

START_TEST(test_free_gives_up_on_a_stuck_journald) {
        Sender s;

        sender_start(&s, path);
        (void) fill(s.q, 2);
        ck_assert_uint_eq(journal_queue_waiting(s.q), 3);

        /* nothing reads: it returns after the timeout, not never */
        ck_assert_ptr_null(journal_queue_free(s.q, 50 * 1000));
        s.q = NULL;
        sender_stop(&s);
}
END_TEST

int main(void) {
        Suite *s = suite_create("journal-queue");
        TCase *tc = tcase_create("journal-queue");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_never_waits_and_keeps_order);
        tcase_add_test(tc, test_full_drops_the_oldest_waiting);
        tcase_add_test(tc, test_burst_waits_for_a_slow_journald);
        tcase_add_test(tc, test_journald_restarts);
        tcase_add_test(tc, test_journald_gone);
        tcase_add_test(tc, test_no_journald);
        tcase_add_test(tc, test_free_gives_up_on_a_stuck_journald);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
