/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "capguard/macro.h"
#include "capguard/store.h"
#include "checkpointer.h"
#include "thread.h"

struct Checkpointer {
        Store *store;      /* the thread's own connection: SQLite connections are not shared */
        int efd;           /* requests; its counter folds many into one */
        pthread_t thread;
        atomic_bool stop;
        atomic_int error;
};

static void *run(void *userdata) {
        Checkpointer *c = userdata;

        /* Behind the event loop on a busy CPU: the scheduler may queue both on one core while
         * the other idles (perf sched: the loop waited 2.7 ms behind a checkpoint). The unit's
         * filter of @resources refuses this: then the thread runs at the loop's priority. */
        (void) pthread_setschedparam(pthread_self(), SCHED_IDLE, &(struct sched_param) {});

        for (;;) {
                uint64_t n;
                int r;

                if (read(c->efd, &n, sizeof n) < 0 && errno != EINTR) {
                        atomic_store(&c->error, negative_errno()); /* said at the next request */
                        break;
                }
                if (atomic_load(&c->stop))
                        break;
                r = store_checkpoint(c->store);
                if (r < 0 && r != -EBUSY)
                        atomic_store(&c->error, r);
        }
        return NULL;
}

int checkpointer_start(const char *db_path, Checkpointer **ret) {
        _cleanup_free_ Checkpointer *c = NULL;
        int r;

        c = calloc(1, sizeof *c);
        if (!c)
                return -ENOMEM;
        c->efd = -EBADF;

        r = store_open(db_path, STORE_READ_WRITE, &c->store);
        if (r < 0)
                return r;
        c->efd = eventfd(0, EFD_CLOEXEC);
        if (c->efd < 0) {
                r = negative_errno();
                goto fail;
        }

        r = thread_start(&c->thread, run, c);
        if (r < 0)
                goto fail;

        *ret = TAKE_PTR(c);
        return 0;

fail:
        closep(&c->efd);
        store_close(c->store);
        return r;
}

void checkpointer_request(Checkpointer *c) {
        uint64_t one = 1;

        /* Fails only once the counter is near 2^64: a checkpoint is asked for already. */
        (void) !write(c->efd, &one, sizeof one);
}

int checkpointer_take_error(Checkpointer *c) {
        return atomic_exchange(&c->error, 0);
}

Checkpointer *checkpointer_stop(Checkpointer *c) {
        if (!c)
                return NULL;
        atomic_store(&c->stop, true);
        checkpointer_request(c);
        (void) pthread_join(c->thread, NULL);
        closep(&c->efd);
        store_close(c->store);
        free(c);
        return NULL;
}
