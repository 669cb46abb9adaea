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
        STORE_STMT_CONTAINER_ID,
        STORE_STMT_BEGIN,
        STORE_STMT_COMMIT,
        _STORE_STMT_MAX,
} StoreStmt;

struct Store {
        sqlite3 *db;
        StoreMode mode;
        sqlite3_stmt *cached[_STORE_STMT_MAX];
        void (*wal_hook)(void *userdata, unsigned pages);
        void *wal_hook_userdata;
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

/* Steps a statement that returns no rows. */
int store_step_done(sqlite3_stmt *st);

/* ---- values in and out ---- */

static inline int store_bind_int64(sqlite3_stmt *st, int i, int64_t v) {
        return store_errno(sqlite3_bind_int64(st, i, v));
}

/* SQLite has no unsigned type: masks and start times go in as their two's complement int64,
 * and come back exactly through the inverse cast, top bit included. */
static inline int store_bind_uint64(sqlite3_stmt *st, int i, uint64_t v) {
        return store_bind_int64(st, i, (int64_t) v);
}

static inline uint64_t store_column_uint64(sqlite3_stmt *st, int col) {
        return (uint64_t) sqlite3_column_int64(st, col);
}

/* s is not copied: it must outlive the statement's next reset. */
static inline int store_bind_text(sqlite3_stmt *st, int i, const char *s) {
        return store_errno(s ? sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i));
}

/* NULL (unknown) is -1. */
static inline int store_column_int_known(sqlite3_stmt *st, int col) {
        return sqlite3_column_type(st, col) == SQLITE_NULL ? -1 : sqlite3_column_int(st, col);
}

/* A copy of a text column; NULL for NULL and for '' (how the key columns say "none"). */
int store_column_strdup_known(sqlite3_stmt *st, int col, char **ret);
Runtime store_column_runtime(sqlite3_stmt *st, int col);

/* ---- rows ---- */

/* The columns store_event_from_row() reads, from events e joined with containers c. */
#define STORE_EVENT_COLUMNS                                                                            \
        "e.id AS id, e.time AS time, c.container_id, c.runtime, c.runtime_namespace, c.k8s_namespace, " \
        "c.pod, c.container, c.image, c.sandbox, e.pid, c.pid_start, e.uid, "                          \
        "e.cap_inh, e.cap_prm, e.cap_eff, e.cap_bnd, e.cap_amb, e.no_new_privs, e.seccomp, e.verdict, " \
        "e.rule, e.policy_version, e.excess_inh, e.excess_prm, e.excess_eff, e.excess_bnd, "           \
        "e.excess_amb, e.reasons, e.action, e.action_detail, "                                         \
        "c.declared_inh, c.declared_prm, c.declared_eff, c.declared_bnd, c.declared_amb, c.boot_id"
#define STORE_EVENT_N_COLUMNS 37

/* The columns store_container_from_row() reads, from containers c. */
#define STORE_CONTAINER_COLUMNS                                                                        \
        "c.id, c.runtime, c.runtime_namespace, c.container_id, c.pid, c.pid_start, c.k8s_namespace, "  \
        "c.pod, c.container, c.image, c.sandbox, c.first_seen, c.exited, "                            \
        "c.declared_inh, c.declared_prm, c.declared_eff, c.declared_bnd, c.declared_amb, c.boot_id"
#define STORE_CONTAINER_N_COLUMNS 19

/* Reads the row's columns from col on; -EBADMSG if they are not what this build writes. */
int store_event_from_row(sqlite3_stmt *st, int col, Event *ret);
int store_container_from_row(sqlite3_stmt *st, int col, StoreContainer *ret);
