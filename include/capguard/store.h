/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capguard/macro.h"
#include "capguard/sha256.h"

/* The node's source of truth: every policy version (and, from capguardd on, containers and
 * verdicts) in one SQLite database. */

#define STORE_DEFAULT_PATH "/var/lib/capguard/capguard.db"
#define STORE_SCHEMA_VERSION 1

typedef struct Store Store;

typedef enum StoreMode {
        STORE_READ_ONLY,  /* queries: never creates, never migrates */
        STORE_READ_WRITE, /* creates the file and migrates the schema as needed */
} StoreMode;

/* Errors: -ENOENT no database there (read-only), -EPROTONOSUPPORT a newer schema than this
 * build knows, -EPROTO an older one opened read-only, -EBUSY locked beyond the busy timeout,
 * -ENOSPC disk full, -EROFS read-only file system or file, -EBADMSG not a capguard database. */
int store_open(const char *path, StoreMode mode, Store **ret);
Store *store_close(Store *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(Store *, store_close);
#define _cleanup_store_ _cleanup_(store_closep)

/* How long to wait for the other side's lock before -EBUSY (default 5 s). */
void store_set_busy_timeout(Store *s, unsigned msec);

/* SQLite's own words on the last failure, for the caller's log line. */
const char *store_errmsg(Store *s);
/* The schema version of the file (PRAGMA user_version). */
int store_schema_version(Store *s, int *ret);

typedef struct StorePolicy {
        unsigned version;
        int64_t loaded_at_usec; /* CLOCK_REALTIME */
        char digest[SHA256_HEX_SIZE];
        char *source;           /* the file it came from, or NULL */
        char *yaml;
        bool active;
} StorePolicy;

void store_policy_done(StorePolicy *p);

/* Stores yaml as a new version and makes it the active one, in one transaction. If the active
 * version already has this exact text, nothing is written: *ret_created is false and
 * *ret_version names the active version. */
int store_policy_add(Store *s, const char *yaml, size_t len, const char *source, int64_t now_usec,
                     unsigned *ret_version, bool *ret_created);

/* version 0: the active one. -ENOENT if there is none / no such version. */
int store_policy_get(Store *s, unsigned version, StorePolicy *ret);

/* Every version, oldest first, without the YAML text. A negative return from func stops. */
int store_policy_list(Store *s, int (*func)(const StorePolicy *p, void *userdata), void *userdata);
