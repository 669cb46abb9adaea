/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sqlite3.h>

#include "capguard/store.h"

/* Statements the daemon runs for every verdict: prepared once and kept, since preparing
 * (parsing the SQL) costs far more than running them. */
typedef enum StoreStmt {
        STORE_STMT_CONTAINER_UPSERT,
        STORE_STMT_EVENT_INSERT,
        STORE_STMT_EVENT_EXISTS,
        STORE_STMT_CONTAINER_EXITED,
        _STORE_STMT_MAX,
} StoreStmt;

struct Store {
        sqlite3 *db;
        StoreMode mode;
        sqlite3_stmt *cached[_STORE_STMT_MAX];
};

DEFINE_TRIVIAL_CLEANUP_FUNC(sqlite3_stmt *, sqlite3_finalize);
#define _cleanup_stmt_ _cleanup_(sqlite3_finalizep)

/* SQLite result code to a negative errno. */
int store_errno(int rc);

/* Prepares sql (never built from data: values are bound). */
int store_prepare(Store *s, const char *sql, sqlite3_stmt **ret);

/* The kept statement id for sql, reset and unbound; borrowed: release with store_stmt_reset()
 * (or _cleanup_stmt_reset_), never finalize. */
int store_prepare_cached(Store *s, StoreStmt id, const char *sql, sqlite3_stmt **ret);

static inline void store_stmt_resetp(sqlite3_stmt **st) {
        if (*st) {
                (void) sqlite3_reset(*st);
                (void) sqlite3_clear_bindings(*st);
        }
}
#define _cleanup_stmt_reset_ _cleanup_(store_stmt_resetp)

/* Runs a statement that returns no rows. */
int store_exec(Store *s, const char *sql);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK */
int store_begin(Store *s);
int store_commit(Store *s);
void store_rollback(Store *s);

/* A malloc'd copy of a text column, NULL for SQL NULL; -ENOMEM only on allocation failure. */
int store_column_strdup(sqlite3_stmt *st, int col, char **ret);
