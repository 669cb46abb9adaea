/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capguard/event.h"
#include "capguard/macro.h"
#include "capguard/runtime.h"
#include "capguard/sha256.h"

/* The node's source of truth: every policy version, every container capguardd saw and every
 * verdict it took, in one SQLite database. */

#define STORE_DEFAULT_PATH "/var/lib/capguard/capguard.db"
#define STORE_SCHEMA_VERSION 4

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

/* Checkpoints: by default SQLite copies the write-ahead log into the database inside whichever
 * commit crosses 1,000 pages, which stalls that writer. A writer that cannot afford the stall
 * turns that off with store_set_autocheckpoint(s, 0) and calls store_checkpoint() when it has
 * time; it must, or the log grows without bound. */
int store_set_autocheckpoint(Store *s, unsigned pages);
/* A passive checkpoint: copies what no reader still needs, never waits for one. */
int store_checkpoint(Store *s);
/* Calls func after each commit with the pages in the log, for a writer that checkpoints
 * through another connection (another thread) when the log grows. Replaces SQLite's own
 * checkpoints, as store_set_autocheckpoint(s, 0) does. */
int store_set_wal_hook(Store *s, void (*func)(void *userdata, unsigned pages), void *userdata);

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

/* History: one row per container incarnation, keyed by (runtime, runtime_namespace,
 * container_id, pid_start, boot_id) — a restarted container with the same id is a new
 * incarnation, and so is one that starts at the same tick after a reboot —
 * and one event per verdict. All writers return -EROFS on a read-only store, and -EBUSY or
 * -ENOSPC when the database is locked or the disk is full: nothing is written then, and the
 * caller keeps the event to try again. */

/* Records e in one transaction: creates the container row, or fills in the metadata
 * (k8s_namespace, pod, container, image, sandbox) it lacked, then adds the event. e->id is
 * ignored; *ret_id (if given) is the new event's id. -EINVAL if e has no container id or an
 * out-of-range verdict or action. */
int store_event_add(Store *s, const Event *e, int64_t *ret_id);

/* store_event_add() for n events in one transaction, all or none; sets each one's id. */
int store_events_add(Store *s, Event *const *events, size_t n);

/* 1 if this incarnation already has a verdict under policy_version, 0 if not: a restarted
 * daemon does not judge it twice. runtime_namespace NULL where the runtime has none; boot_id
 * NULL or "" names the rows recorded before boot ids were. */
int store_event_exists(Store *s, Runtime runtime, const char *runtime_namespace, const char *container_id,
                       uint64_t pid_start, const char *boot_id, unsigned policy_version);

/* Marks the incarnation as exited at time_usec. -ENOENT if there is no such row still live. */
int store_container_exited(Store *s, Runtime runtime, const char *runtime_namespace, const char *container_id,
                           uint64_t pid_start, const char *boot_id, int64_t time_usec);

/* Gives the row recorded without a boot id (before schema 4) this one, once its process was
 * found still running. -ENOENT if the row has a boot id already or is gone; -EEXIST if this
 * boot has a row for the same incarnation already. */
int store_container_adopt(Store *s, int64_t row, const char *boot_id);

/* One container incarnation as recorded. */
typedef struct StoreContainer {
        int64_t row;              /* the store's id of the incarnation */
        Runtime runtime;          /* _RUNTIME_INVALID where it was unknown */
        char *runtime_namespace;  /* NULL where the runtime has none */
        char *container_id;
        pid_t pid;
        uint64_t pid_start;
        char boot_id[BOOT_ID_STRING_MAX]; /* "" where recorded before boot ids were */
        char *k8s_namespace, *pod, *container, *image; /* NULL where unknown */
        bool sandbox;
        int64_t first_seen_usec;
        int64_t exited_usec;      /* 0 while live */
        bool has_declared;        /* the OCI config's sets could be read */
        CapSets declared;
} StoreContainer;

void store_container_done(StoreContainer *c);

/* Calls func for every incarnation not yet marked exited, oldest first. The rows are read
 * before the first call, so func may write to the store (store_container_exited()). A
 * negative return from func stops and is returned. */
int store_containers_live(Store *s, int (*func)(const StoreContainer *c, void *userdata), void *userdata);

/* How many incarnations are not yet marked exited. */
int store_containers_count_live(Store *s, uint64_t *ret);

typedef struct ContainerQuery {
        bool all;                 /* false: only the live ones */
        const char *id_prefix;    /* NULL: any; else the container ids starting with it */
} ContainerQuery;

/* Calls func for each incarnation q selects, oldest first, with its latest event (NULL if it
 * has none left). Both are valid during the call only; func must not write to s. */
int store_containers_query(Store *s, const ContainerQuery *q,
                           int (*func)(const StoreContainer *c, const Event *latest, void *userdata),
                           void *userdata);

/* Which events: every field is a filter, and all given ones must hold. Zero-initialised, it
 * selects every event. */
typedef struct EventQuery {
        int64_t since_usec;          /* 0: from the first; else time >= since */
        int64_t until_usec;          /* 0: to the last; else time <= until */
        const char *container_prefix;/* the container id starts with it */
        const char *k8s_namespace;
        const char *pod;
        const char *image_glob;      /* * ? [...] as in the shell, case-sensitive */
        const char *rule;
        uint64_t caps;               /* one of these in the excess or in any of the five sets */
        bool by_verdict;
        EventVerdict verdict;
        bool by_action;
        EventAction action;
        size_t limit;                /* the newest this many; 0 = all */
        bool reverse;                /* newest first */
} EventQuery;

/* -EINVAL if q asks for something no event can be (a container prefix with other than
 * [A-Za-z0-9_.+-], an out-of-range verdict or action). */
int event_query_check(const EventQuery *q);

/* Calls func for each event that q selects (NULL selects all), oldest first (newest first
 * with q->reverse): with a limit, the newest q->limit of them. The Event is valid during the
 * call only. func must not write to s: the query's read transaction is open while it runs. A
 * negative return from func stops and is returned; -EBADMSG if a row is not what this build
 * wrote. */
int store_events_query(Store *s, const EventQuery *q, int (*func)(const Event *e, void *userdata), void *userdata);

/* How many events q selects (its limit and order ignored). */
int store_events_count(Store *s, const EventQuery *q, uint64_t *ret);

/* Retention: deletes the events older than before_usec, except the latest of each container
 * still live (so that it keeps its verdict), then the exited containers left without events.
 * In transactions of a few thousand rows, so the daemon's writes wait little. With dry_run
 * nothing is deleted and the counts say what would be. */
int store_prune(Store *s, int64_t before_usec, bool dry_run, uint64_t *ret_events, uint64_t *ret_containers);

/* Lets SQLite refresh its statistics when they went stale (PRAGMA optimize), so that the
 * query planner picks the right index for each filter. Cheap when nothing changed. */
int store_optimize(Store *s);

/* What capguardd writes of itself for `capctl status`. */
typedef struct StoreDaemon {
        pid_t pid;
        uint64_t pid_start;          /* field 22 of /proc/<pid>/stat: tells a recycled pid */
        int64_t started_usec;
        int64_t stopped_usec;        /* 0 while running (or if it died without saying) */
        int64_t last_prune_usec;     /* 0: never */
        char *version;
        char **roots;                /* "TYPE:DIR", NULL-terminated */
        bool dry_run;
        uint64_t retention_usec;     /* 0: keeps everything */
} StoreDaemon;

void store_daemon_done(StoreDaemon *d);

/* Replaces the record with d (stopped and last_prune cleared). */
int store_daemon_started(Store *s, const StoreDaemon *d);
/* Sets the stopped or last_prune time of the record of pid. -ENOENT if there is none. */
int store_daemon_stopped(Store *s, pid_t pid, int64_t time_usec);
int store_daemon_pruned(Store *s, pid_t pid, int64_t time_usec);
/* -ENOENT if no daemon ever wrote one. */
int store_daemon_get(Store *s, StoreDaemon *ret);
