/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Copies the database's write-ahead log into the database on a thread of its own, through a
 * connection of its own. A checkpoint ends in fsync()s of the log and of the database, which
 * on a busy disk take milliseconds to seconds: on the event loop, every verdict behind them
 * would wait, a kill included. Commits in WAL mode with synchronous=NORMAL do not sync, so with
 * checkpoints here the loop never waits for the disk. */

typedef struct Checkpointer Checkpointer;

/* Opens db_path (which must exist, migrated) and starts the thread. */
int checkpointer_start(const char *db_path, Checkpointer **ret);

/* Asks for a passive checkpoint, soon; requests made while one runs are served by one more.
 * Never blocks. */
void checkpointer_request(Checkpointer *c);

/* The error of the latest failed checkpoint since the last call (negative errno), or 0;
 * -EBUSY, a reader in the way, is not one: the next checkpoint copies what it could not. */
int checkpointer_take_error(Checkpointer *c);

/* Stops the thread after the checkpoint it runs, and closes its connection. NULL. */
Checkpointer *checkpointer_stop(Checkpointer *c);
