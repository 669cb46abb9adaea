/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "capguard/container-resolve.h"
#include "capguard/event.h"
#include "capguard/journal-socket.h"
#include "capguard/policy.h"
#include "capguard/proc-pin.h"
#include "capguard/runtime.h"
#include "capguard/store.h"
#include "capguard/time-util.h"

/* How a runtime lays out its state: runc's root holds <id>/state.json, or <ns>/<id>/state.json
 * where the runtime has namespaces (containerd's /run/containerd/runc, Docker's
 * /run/docker/runtime-runc); crun's holds <id>/status. */
typedef enum RootLayout {
        ROOT_FLAT,
        ROOT_NAMESPACED,
} RootLayout;

typedef struct WatchRoot {
        char *path;
        RootLayout layout;
        Runtime runtime;  /* whose containers live here; containerd's "moby" namespace is Docker's */
        const char *state_file; /* "state.json" (runc) or "status" (crun) */
        int wd;           /* on path itself, -1 while it does not exist */
        int ancestor_wd;  /* on the deepest existing ancestor while path does not exist */
} WatchRoot;

typedef enum WatchKind {
        WATCH_ANCESTOR,   /* waiting for a root to appear */
        WATCH_ROOT,       /* a root: children are containers, or namespaces */
        WATCH_NAMESPACE,  /* a namespace dir of a namespaced root: children are containers */
        WATCH_CONTAINER,  /* a container's state dir */
} WatchKind;

typedef struct Watch {
        int wd;
        WatchKind kind;
        WatchRoot *root;
        char *path;
        struct Tracked *tracked; /* WATCH_CONTAINER */
} Watch;

/* A container capguardd has seen, from its state dir appearing until it goes away. */
typedef struct Tracked {
        struct Manager *manager;
        WatchRoot *root;
        char *dir;        /* its state dir */
        char *bundle;     /* a runc container's bundle, as its state file names it */
        char ns[RUNTIME_NAMESPACE_MAX + 1];
        char id[CONTAINER_ID_MAX + 1];
        Runtime runtime;
        int wd;

        ProcPin pin;                 /* its init, once the state file named it */
        int64_t first_seen_usec;
        uint64_t first_try_usec;     /* CLOCK_MONOTONIC, for the wait for final sets */
        unsigned retries;
        sd_event_source *retry;      /* waiting for the init to reach its final sets */
        unsigned judged_version;     /* policy version of its last verdict; 0: none yet */
        bool judged, failed;
} Tracked;

typedef struct Manager {
        sd_event *event;
        sd_event_source *inotify_source, *sigterm, *sigint, *sighup;
        int inotify_fd;
        int proc_fd, root_fd;
        RuntimeRoots roots;

        WatchRoot *watch_roots;
        size_t n_watch_roots;
        void *watches;   /* tsearch tree of Watch, by wd */
        void *tracked;   /* tsearch tree of Tracked, by root, id and namespace */
        size_t n_tracked;

        Store *store;
        JournalSocket journal;
        struct JournalQueue *journal_queue; /* entries journald has not taken yet */
        char *db_path;
        Policy *policy;
        unsigned policy_version;
        uint64_t node_bounding;
        char boot_id[BOOT_ID_STRING_MAX]; /* part of every incarnation's key; "" if unreadable */
        bool dry_run;
        bool started;    /* the first full scan is done */

        struct Writer *writer;             /* the store's writes, on a thread of their own */
        sd_event_source *kick;             /* wakes it once the loop is idle */
        sd_event_source *writer_state;     /* it failed or recovered: STATUS= says so */
        struct Checkpointer *checkpointer; /* copies the write-ahead log into the database */

        uint64_t retention_usec;     /* 0: keep every event */
        sd_event_source *prune_timer;

        uint64_t n_verdicts, n_violations, n_kills;
        uint64_t last_status_usec;
        sd_event_source *status_timer; /* the changes since, once a second is up */
        char *pid_file;
} Manager;

typedef struct ManagerConfig {
        const char *db_path;
        const char *default_policy;  /* loaded when the store has no active policy */
        const char *pid_file;
        bool dry_run;
        uint64_t retention_usec;
        /* --watch TYPE:DIR; NULL for the defaults */
        char **watch;
} ManagerConfig;

int manager_new(const ManagerConfig *c, Manager **ret);
Manager *manager_free(Manager *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(Manager *, manager_free);
int manager_startup(Manager *m);
int manager_run(Manager *m);

/* watch.c */
int watch_roots_parse(char **specs, WatchRoot **ret, size_t *ret_n);
void watch_roots_free(WatchRoot *roots, size_t n);
int watch_setup(Manager *m);
int watch_scan_all(Manager *m);
int watch_add_container(Manager *m, WatchRoot *root, const char *ns, const char *id);
Watch *watch_find(Manager *m, int wd);
void watch_remove(Manager *m, Watch *w);
void free_watch(void *w);

/* judge.c */
int tracked_add(Manager *m, WatchRoot *root, const char *ns, const char *id, Tracked **ret);
Tracked *tracked_find(Manager *m, WatchRoot *root, const char *ns, const char *id);
void tracked_gone(Manager *m, Tracked *t);
void tracked_free_all(Manager *m);
void tracked_try(Manager *m, Tracked *t);
void tracked_rejudge_all(Manager *m);

/* record.c */
void record_event(Manager *m, Event *e);   /* takes ownership of *e */
/* The incarnation exited now: stored after its verdict. */
void record_exit(Manager *m, Runtime runtime, const char *ns, const char *id, uint64_t pid_start);

/* maintenance.c */
int maintenance_start(Manager *m);
void maintenance_record_start(Manager *m);
void maintenance_record_stop(Manager *m);

/* manager.c */
void manager_update_status(Manager *m, bool force);
