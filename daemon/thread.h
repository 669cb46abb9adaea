/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <pthread.h>
#include <signal.h>

/* Starts a thread with every signal blocked: signals are the event loop's (signalfd), and a
 * thread must not take one. 0 or a negative errno. */
static inline int thread_start(pthread_t *ret, void *(*fn)(void *), void *arg) {
        sigset_t all, saved;
        int r;

        sigfillset(&all);
        (void) pthread_sigmask(SIG_SETMASK, &all, &saved);
        r = -pthread_create(ret, NULL, fn, arg);
        (void) pthread_sigmask(SIG_SETMASK, &saved, NULL);
        return r;
}
