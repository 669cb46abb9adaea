/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capguard/event.h"

/* Writes the verdicts, and when the containers judged exited, into the store on a thread of
 * its own, through a connection of its own, in the order they were handed over. On the event
 * loop a verdict committed alone took 140 us, a burst's 17 us each, and a store locked by
 * another writer held the loop for up to the busy timeout: now the loop only judges, kills and
 * journals. What the store does not take (locked, disk full) waits, in order, and is tried
 * again later; beyond WRITER_PENDING_MAX the oldest are dropped, and said so (they are in the
 * journal). */

#define WRITER_PENDING_MAX 100000

typedef struct Writer Writer;
struct Checkpointer;

/* Opens db_path (which must exist, migrated) and starts the thread. checkpointer, if not NULL,
 * is asked for a checkpoint a second after the first write since the last, and whenever the
 * write-ahead log grows by another 12 MiB; without one SQLite checkpoints in the commits, on
 * this thread. */
int writer_start(const char *db_path, struct Checkpointer *checkpointer, Writer **ret);

/* Hand over a verdict: *e is the writer's from then on, and zeroed. Never blocks on the
 * store. Returns how many items the thread has not taken yet; -ENOMEM leaves *e the caller's.
 * The thread, if it sleeps, is not woken: writer_kick() does that. */
int writer_push_event(Writer *w, Event *e);

/* The incarnation e names (runtime, runtime_namespace, container_id, pid_start, boot_id)
 * exited at e->time_usec: marked once what was handed over before is written. As
 * writer_push_event(); nothing else of e is read. */
int writer_push_exit(Writer *w, Event *e);

/* Wakes the thread for what was handed over. Waking it costs the caller more than the rest of
 * a hand-over, and a thread woken for each verdict of a burst commits each alone: the loop
 * kicks once it has nothing else to do, or once a batch waits. */
void writer_kick(Writer *w);

/* Waits until everything handed over so far is written: 0, or the store's error when it
 * failed to take it (it is kept, and tried again). */
int writer_sync(Writer *w);

/* Whether the latest write failed: verdicts are waiting for the store. */
bool writer_failing(Writer *w);

/* An eventfd that turns readable when writer_failing() changes, for the loop to say so (read
 * it to rearm). */
int writer_state_fd(Writer *w);

/* Tries once more to write what waits, stops the thread and closes its connection. NULL.
 * *ret_lost, if not NULL: how many verdicts and exits could not be written. */
Writer *writer_stop(Writer *w, size_t *ret_lost);
