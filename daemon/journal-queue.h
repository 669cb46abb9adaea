/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <systemd/sd-event.h>

#include "capguard/journal-event.h"
#include "capguard/journal-socket.h"

/* Journal entries journald has not taken yet. The loop must never wait for journald: a
 * journald that reads slowly or not at all (stopped, its disk stalled) would hold every
 * verdict and every kill behind the entry before. Entries it cannot take at once wait here, in
 * order, and go out as its socket turns writable. */
typedef struct JournalQueue JournalQueue;

/* Entries that may wait: some 600 KiB. A burst that fills the queue waits for journald, as
 * a blocking send would; a journald that takes nothing for JOURNAL_QUEUE_STALL_MSEC is stuck,
 * and until it reads again the oldest waiting entry is dropped (counted, logged) for each new
 * one: every verdict is in the database too. */
#define JOURNAL_QUEUE_MAX 256
#define JOURNAL_QUEUE_STALL_MSEC 250

/* Called after entries were dropped, with the userdata given: for the caller to say so. */
typedef void (*journal_queue_dropped_t)(void *userdata);

/* on_dropped may be NULL. */
int journal_queue_new(sd_event *event, JournalSocket *socket, journal_queue_dropped_t on_dropped, void *userdata,
                      JournalQueue **ret);

/* Sends f, or keeps it, after those already waiting; either way f is the queue's, and empty
 * after. A negative errno when journald cannot be reached at all (-ENOENT, -ECONNREFUSED, ...):
 * then f is left to the caller, and nothing was kept. */
int journal_queue_send(JournalQueue *q, JournalFields *f);

size_t journal_queue_waiting(const JournalQueue *q);
/* Entries dropped so far: journald stuck with the queue full, or gone while they waited. */
unsigned long journal_queue_dropped(const JournalQueue *q);

/* Gives journald up to timeout_usec to take what waits, then drops the rest (logged), and
 * frees q. NULL. */
JournalQueue *journal_queue_free(JournalQueue *q, uint64_t timeout_usec);
