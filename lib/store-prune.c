/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "store-internal.h"

/* Rows per transaction: small enough that the daemon's next write waits milliseconds, not
 * the whole prune. */
#define PRUNE_CHUNK 5000

/* The events that retention removes: older than ?1, except the latest event of each live
 * container, which keeps its verdict however old. The inner join leaves out live containers
 * without events: a NULL in a NOT IN list would keep every row. */
#define PRUNE_EVENTS_WHERE                                                                     \
        "e.time < ?1 AND e.id NOT IN ("                                                        \
        "  SELECT l.id FROM containers c JOIN events l ON l.id = "                            \
        "    (SELECT id FROM events WHERE container = c.id ORDER BY time DESC, id DESC LIMIT 1) " \
        "  WHERE c.exited IS NULL)"

/* The containers left with nothing to tell. */
#define PRUNE_CONTAINERS_WHERE \
        "c.exited IS NOT NULL AND NOT EXISTS (SELECT 1 FROM events e WHERE e.container = c.id)"

static int count(Store *s, const char *sql, int64_t before_usec, uint64_t *ret) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = store_prepare(s, sql, &st);
        if (r < 0)
                return r;
        if (sqlite3_bind_parameter_count(st) > 0 && (r = store_bind_int64(st, 1, before_usec)) < 0)
                return r;
        r = sqlite3_step(st);
        if (r != SQLITE_ROW)
                return store_errno(r) ?: -EIO;
        *ret = store_column_uint64(st, 0);
        return 0;
}

/* Runs a chunked DELETE until it deletes less than a chunk. Each run is its own transaction. */
static int delete_chunks(Store *s, const char *sql, int64_t before_usec, uint64_t *ret) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        uint64_t total = 0;
        int r, n;

        r = store_prepare(s, sql, &st);
        if (r < 0)
                return r;
        do {
                (void) sqlite3_reset(st);
                if (sqlite3_bind_parameter_count(st) > 1 && (r = store_bind_int64(st, 1, before_usec)) < 0)
                        return r;
                if ((r = store_bind_int64(st, sqlite3_bind_parameter_count(st), PRUNE_CHUNK)) < 0)
                        return r;
                r = store_step_done(st);
                if (r < 0)
                        return r;
                n = sqlite3_changes(s->db);
                total += (uint64_t) n;
        } while (n >= PRUNE_CHUNK);

        *ret = total;
        return 0;
}

int store_prune(Store *s, int64_t before_usec, bool dry_run, uint64_t *ret_events, uint64_t *ret_containers) {
        uint64_t events = 0, containers = 0;
        int r;

        if (!s || !ret_events || !ret_containers)
                return -EINVAL;

        if (dry_run) {
                r = count(s, "SELECT count(*) FROM events e WHERE " PRUNE_EVENTS_WHERE, before_usec, &events);
                if (r < 0)
                        return r;
                /* the containers that would be left without events */
                r = count(s,
                          "SELECT count(*) FROM containers c WHERE c.exited IS NOT NULL AND NOT EXISTS "
                          "  (SELECT 1 FROM events e WHERE e.container = c.id AND NOT (" PRUNE_EVENTS_WHERE "))",
                          before_usec, &containers);
                if (r < 0)
                        return r;
        } else {
                if (s->mode != STORE_READ_WRITE)
                        return -EROFS;
                r = delete_chunks(s,
                                  "DELETE FROM events WHERE id IN "
                                  "  (SELECT e.id FROM events e WHERE " PRUNE_EVENTS_WHERE " LIMIT ?2)",
                                  before_usec, &events);
                if (r < 0)
                        return r;
                r = delete_chunks(s,
                                  "DELETE FROM containers WHERE id IN "
                                  "  (SELECT c.id FROM containers c WHERE " PRUNE_CONTAINERS_WHERE " LIMIT ?1)",
                                  before_usec, &containers);
                if (r < 0)
                        return r;
        }

        *ret_events = events;
        *ret_containers = containers;
        return 0;
}

int store_optimize(Store *s) {
        if (!s)
                return -EINVAL;
        if (s->mode != STORE_READ_WRITE)
                return -EROFS;
        return store_exec(s, "PRAGMA optimize");
}
