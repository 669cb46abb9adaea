/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sqlite3.h>

#include "capguard/store.h"

struct Store {
        sqlite3 *db;
        StoreMode mode;
};

DEFINE_TRIVIAL_CLEANUP_FUNC(sqlite3_stmt *, sqlite3_finalize);
#define _cleanup_stmt_ _cleanup_(sqlite3_finalizep)

/* SQLite result code to a negative errno. */
int store_errno(int rc);

/* Prepares sql (never built from data: values are bound). */
int store_prepare(Store *s, const char *sql, sqlite3_stmt **ret);

/* Runs a statement that returns no rows. */
int store_exec(Store *s, const char *sql);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK */
int store_begin(Store *s);
int store_commit(Store *s);
void store_rollback(Store *s);

/* A malloc'd copy of a text column, NULL for SQL NULL; -ENOMEM only on allocation failure. */
int store_column_strdup(sqlite3_stmt *st, int col, char **ret);
