/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store-internal.h"

/* How long a writer or reader waits on the other before giving up with -EBUSY. */
#define STORE_BUSY_TIMEOUT_MS 5000

/* Each entry moves the schema from its index to index + 1. Never edit a released one: add. */
static const char *const migrations[] = {
        /* 0 -> 1: policy versions */
        "CREATE TABLE policy_versions ("
        "  version INTEGER PRIMARY KEY AUTOINCREMENT,"
        "  loaded_at INTEGER NOT NULL,"              /* usec since the epoch, UTC */
        "  digest TEXT NOT NULL,"                    /* sha256 of yaml, lowercase hex */
        "  source TEXT,"                             /* the file it was loaded from */
        "  yaml TEXT NOT NULL,"
        "  active INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1))"
        ");"
        /* at most one active version, enforced by the database itself */
        "CREATE UNIQUE INDEX policy_versions_active ON policy_versions (active) WHERE active = 1;",

        /* 1 -> 2: containers and one event per verdict (capguardd). Times are usec since the
         * epoch, UTC; capability masks are the kernel's uint64 stored through an int64 cast. */
        "CREATE TABLE containers ("
        "  id INTEGER PRIMARY KEY,"
        /* the incarnation's key: '' rather than NULL for an absent part, since UNIQUE
         * treats every NULL as distinct */
        "  runtime TEXT NOT NULL,"
        "  runtime_namespace TEXT NOT NULL,"
        "  container_id TEXT NOT NULL,"
        "  pid_start INTEGER NOT NULL,"              /* clock ticks after boot, /proc/<pid>/stat */
        "  pid INTEGER NOT NULL,"
        "  k8s_namespace TEXT,"                      /* NULL where unknown */
        "  pod TEXT,"
        "  container TEXT,"
        "  image TEXT,"
        "  sandbox INTEGER NOT NULL DEFAULT 0 CHECK (sandbox IN (0, 1)),"
        "  first_seen INTEGER NOT NULL,"
        "  exited INTEGER,"                          /* NULL while live */
        "  UNIQUE (runtime, runtime_namespace, container_id, pid_start)"
        ");"
        /* startup reconciliation reads the live ones; most rows have long exited */
        "CREATE INDEX containers_live ON containers (first_seen) WHERE exited IS NULL;"
        "CREATE TABLE events ("
        "  id INTEGER PRIMARY KEY,"
        "  time INTEGER NOT NULL,"
        "  container INTEGER NOT NULL REFERENCES containers (id),"
        "  pid INTEGER NOT NULL,"
        "  uid INTEGER NOT NULL,"
        "  cap_inh INTEGER NOT NULL,"
        "  cap_prm INTEGER NOT NULL,"
        "  cap_eff INTEGER NOT NULL,"
        "  cap_bnd INTEGER NOT NULL,"
        "  cap_amb INTEGER NOT NULL,"
        "  no_new_privs INTEGER CHECK (no_new_privs IN (0, 1)),"  /* NULL where unknown */
        "  seccomp INTEGER CHECK (seccomp >= 0),"                /* NULL where unknown */
        "  verdict TEXT NOT NULL CHECK (verdict IN ('ok', 'violation', 'unknown')),"
        "  rule TEXT,"
        /* not a foreign key: a verdict is kept whatever became of its policy */
        "  policy_version INTEGER NOT NULL,"         /* 0: no policy was active */
        "  excess_inh INTEGER NOT NULL,"
        "  excess_prm INTEGER NOT NULL,"
        "  excess_eff INTEGER NOT NULL,"
        "  excess_bnd INTEGER NOT NULL,"
        "  excess_amb INTEGER NOT NULL,"
        "  reasons TEXT NOT NULL,"                   /* a JSON array of strings */
        "  action TEXT NOT NULL CHECK (action IN ('none', 'audit', 'would-kill', 'killed', 'kill-failed')),"
        "  action_detail TEXT"
        ");"
        "CREATE INDEX events_time ON events (time);"
        /* also answers "judged under this policy version already?" after a restart */
        "CREATE INDEX events_container ON events (container, policy_version);"
        "CREATE INDEX events_verdict_time ON events (verdict, time);",

        /* 2 -> 3: capctl's filters, the declared sets, and the daemon's own record */
        "ALTER TABLE containers ADD COLUMN declared_inh INTEGER;"   /* NULL: config unreadable */
        "ALTER TABLE containers ADD COLUMN declared_prm INTEGER;"
        "ALTER TABLE containers ADD COLUMN declared_eff INTEGER;"
        "ALTER TABLE containers ADD COLUMN declared_bnd INTEGER;"
        "ALTER TABLE containers ADD COLUMN declared_amb INTEGER;"
        /* an index for every filter of `capctl events`: by id prefix (a range), by
         * namespace and pod, by image (a glob's literal head), by rule, by action; time
         * orders each so that --since/--until bound the walk */
        "CREATE INDEX containers_id ON containers (container_id);"
        "CREATE INDEX containers_k8s ON containers (k8s_namespace, pod);"
        "CREATE INDEX containers_image ON containers (image);"
        /* events, rebuilt: v2's CHECK (verdict IN (...)) and CHECK (action IN (...)) cost every
         * insert two ephemeral tables, a fifth of a verdict's CPU; the same checks are written
         * as comparisons. The columns and their order are v2's. */
        "CREATE TABLE events_v3 ("
        "  id INTEGER PRIMARY KEY,"
        "  time INTEGER NOT NULL,"
        "  container INTEGER NOT NULL REFERENCES containers (id),"
        "  pid INTEGER NOT NULL,"
        "  uid INTEGER NOT NULL,"
        "  cap_inh INTEGER NOT NULL,"
        "  cap_prm INTEGER NOT NULL,"
        "  cap_eff INTEGER NOT NULL,"
        "  cap_bnd INTEGER NOT NULL,"
        "  cap_amb INTEGER NOT NULL,"
        "  no_new_privs INTEGER CHECK (no_new_privs = 0 OR no_new_privs = 1),"
        "  seccomp INTEGER CHECK (seccomp >= 0),"
        "  verdict TEXT NOT NULL CHECK (verdict = 'ok' OR verdict = 'violation' OR verdict = 'unknown'),"
        "  rule TEXT,"
        "  policy_version INTEGER NOT NULL,"
        "  excess_inh INTEGER NOT NULL,"
        "  excess_prm INTEGER NOT NULL,"
        "  excess_eff INTEGER NOT NULL,"
        "  excess_bnd INTEGER NOT NULL,"
        "  excess_amb INTEGER NOT NULL,"
        "  reasons TEXT NOT NULL,"
        "  action TEXT NOT NULL CHECK (action = 'none' OR action = 'audit' OR action = 'would-kill' OR"
        "                              action = 'killed' OR action = 'kill-failed'),"
        "  action_detail TEXT"
        ");"
        "INSERT INTO events_v3 SELECT * FROM events;"
        "DROP TABLE events;" /* and v2's indexes with it */
        "ALTER TABLE events_v3 RENAME TO events;"
        "CREATE INDEX events_time ON events (time);"
        /* (container, time) answers the restart check too: an incarnation has few events */
        "CREATE INDEX events_container_time ON events (container, time);"
        "CREATE INDEX events_rule_time ON events (rule, time);"
        /* Partial: most verdicts on a sound node are compliant, and an index they are not in
         * costs their insert nothing. A query uses these when it says the same "<>" term. */
        "CREATE INDEX events_verdict_time ON events (verdict, time) WHERE verdict <> 'ok';"
        "CREATE INDEX events_action_time ON events (action, time) WHERE action <> 'none';"
        "CREATE TABLE daemon ("
        "  id INTEGER PRIMARY KEY CHECK (id = 1),"   /* one row: the daemon of this node */
        "  pid INTEGER NOT NULL,"
        "  pid_start INTEGER NOT NULL,"
        "  started INTEGER NOT NULL,"
        "  stopped INTEGER,"
        "  last_prune INTEGER,"
        "  version TEXT NOT NULL,"
        "  roots TEXT NOT NULL,"                      /* a JSON array of "TYPE:DIR" */
        "  dry_run INTEGER NOT NULL CHECK (dry_run IN (0, 1)),"
        "  retention INTEGER NOT NULL"                /* usec; 0 keeps everything */
        ");",

        /* 3 -> 4: the boot in the incarnation's key. pid_start counts from boot: a container
         * that Docker restarts at boot under the same id can start at the same tick with the
         * same pid as in the boot before, and would pass for that incarnation, judged already.
         * '' is a row written before: the daemon adopts it into the current boot if its
         * process still runs (manager.c), and it is never matched otherwise. Rebuilt for the
         * UNIQUE key; the columns before boot_id and the ids are v3's, so events still point
         * at their rows (foreign keys are not enforced while migrating). */
        "CREATE TABLE containers_v4 ("
        "  id INTEGER PRIMARY KEY,"
        "  runtime TEXT NOT NULL,"
        "  runtime_namespace TEXT NOT NULL,"
        "  container_id TEXT NOT NULL,"
        "  pid_start INTEGER NOT NULL,"
        "  pid INTEGER NOT NULL,"
        "  k8s_namespace TEXT,"
        "  pod TEXT,"
        "  container TEXT,"
        "  image TEXT,"
        "  sandbox INTEGER NOT NULL DEFAULT 0 CHECK (sandbox IN (0, 1)),"
        "  first_seen INTEGER NOT NULL,"
        "  exited INTEGER,"
        "  declared_inh INTEGER,"
        "  declared_prm INTEGER,"
        "  declared_eff INTEGER,"
        "  declared_bnd INTEGER,"
        "  declared_amb INTEGER,"
        "  boot_id TEXT NOT NULL DEFAULT '',"        /* /proc/sys/kernel/random/boot_id, 32 hex */
        "  UNIQUE (runtime, runtime_namespace, container_id, pid_start, boot_id)"
        ");"
        "INSERT INTO containers_v4 SELECT *, '' FROM containers;"
        "DROP TABLE containers;"
        "ALTER TABLE containers_v4 RENAME TO containers;"
        "CREATE INDEX containers_live ON containers (first_seen) WHERE exited IS NULL;"
        "CREATE INDEX containers_id ON containers (container_id);"
        "CREATE INDEX containers_k8s ON containers (k8s_namespace, pod);"
        "CREATE INDEX containers_image ON containers (image);",
};

_Static_assert(ELEMENTSOF(migrations) == STORE_SCHEMA_VERSION, "one migration per schema version");

int store_errno(int rc) {
        switch (rc & 0xff) {
        case SQLITE_OK:
        case SQLITE_ROW:
        case SQLITE_DONE:
                return 0;
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
                return -EBUSY;
        case SQLITE_NOMEM:
                return -ENOMEM;
        case SQLITE_READONLY:
                return -EROFS;
        case SQLITE_FULL:
                return -ENOSPC;
        case SQLITE_CANTOPEN:
                return -ENOENT;
        case SQLITE_PERM:
        case SQLITE_AUTH:
                return -EACCES;
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
                return -EBADMSG;
        case SQLITE_CONSTRAINT:
                return -EEXIST;
        case SQLITE_TOOBIG:
                return -E2BIG;
        default:
                return -EIO;
        }
}

int store_prepare(Store *s, const char *sql, sqlite3_stmt **ret) {
        return store_errno(sqlite3_prepare_v2(s->db, sql, -1, ret, NULL));
}

int store_prepare_cached(Store *s, StoreStmt id, const char *sql, sqlite3_stmt **ret) {
        int r;

        if (id < 0 || id >= _STORE_STMT_MAX)
                return -EINVAL;
        if (!s->cached[id]) {
                r = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->cached[id], NULL);
                if (r != SQLITE_OK)
                        return store_errno(r);
        }
        *ret = s->cached[id];
        return 0;
}

int store_exec(Store *s, const char *sql) {
        return store_errno(sqlite3_exec(s->db, sql, NULL, NULL, NULL));
}

/* A kept statement that returns no rows: BEGIN and COMMIT run for every verdict. */
static int exec_cached(Store *s, StoreStmt id, const char *sql) {
        _cleanup_stmt_reset_ sqlite3_stmt *st = NULL;
        int r;

        r = store_prepare_cached(s, id, sql, &st);
        if (r < 0)
                return r;
        return store_step_done(st);
}

int store_begin(Store *s) {
        /* IMMEDIATE takes the write lock now, so a read-then-write cannot deadlock later. */
        return exec_cached(s, STORE_STMT_BEGIN, "BEGIN IMMEDIATE");
}

int store_commit(Store *s) {
        return exec_cached(s, STORE_STMT_COMMIT, "COMMIT");
}

void store_rollback(Store *s) {
        (void) sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

int store_step_done(sqlite3_stmt *st) {
        int r = sqlite3_step(st);

        return r == SQLITE_DONE ? 0 : store_errno(r) ?: -EIO;
}

int store_column_strdup(sqlite3_stmt *st, int col, char **ret) {
        const unsigned char *t = sqlite3_column_text(st, col);

        if (!t) {
                *ret = NULL;
                return 0;
        }
        *ret = strdup((const char *) t);
        return *ret ? 0 : -ENOMEM;
}

void store_set_busy_timeout(Store *s, unsigned msec) {
        (void) sqlite3_busy_timeout(s->db, (int) msec);
}

int store_set_autocheckpoint(Store *s, unsigned pages) {
        if (!s)
                return -EINVAL;
        return store_errno(sqlite3_wal_autocheckpoint(s->db, (int) (pages > INT_MAX ? INT_MAX : pages)));
}

static int wal_hook(void *userdata, sqlite3 *db, const char *name, int pages) {
        Store *s = userdata;

        s->wal_hook(s->wal_hook_userdata, pages > 0 ? (unsigned) pages : 0);
        return SQLITE_OK;
}

int store_set_wal_hook(Store *s, void (*func)(void *userdata, unsigned pages), void *userdata) {
        if (!s || !func)
                return -EINVAL;
        s->wal_hook = func;
        s->wal_hook_userdata = userdata;
        (void) sqlite3_wal_hook(s->db, wal_hook, s);
        return 0;
}

int store_checkpoint(Store *s) {
        if (!s)
                return -EINVAL;
        if (s->mode != STORE_READ_WRITE)
                return -EROFS;
        return store_errno(sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL));
}

const char *store_errmsg(Store *s) {
        return s && s->db ? sqlite3_errmsg(s->db) : "no database";
}

int store_schema_version(Store *s, int *ret) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = store_prepare(s, "PRAGMA user_version", &st);
        if (r < 0)
                return r;
        if (sqlite3_step(st) != SQLITE_ROW)
                return store_errno(sqlite3_errcode(s->db)) ?: -EIO;
        *ret = sqlite3_column_int(st, 0);
        return 0;
}

static int migrate(Store *s) {
        int version, r;

        r = store_begin(s);
        if (r < 0)
                return r;

        r = store_schema_version(s, &version);
        if (r < 0)
                goto fail;
        if (version > STORE_SCHEMA_VERSION) {
                r = -EPROTONOSUPPORT;
                goto fail;
        }

        for (; version < STORE_SCHEMA_VERSION; version++) {
                char pragma[64];

                r = store_exec(s, migrations[version]);
                if (r < 0)
                        goto fail;
                /* PRAGMA takes no bound parameters; the number is ours. */
                (void) snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", version + 1);
                r = store_exec(s, pragma);
                if (r < 0)
                        goto fail;
        }

        return store_commit(s);

fail:
        store_rollback(s);
        return r;
}

static int check_version_read_only(Store *s) {
        int version, r;

        r = store_schema_version(s, &version);
        if (r < 0)
                return r;
        if (version > STORE_SCHEMA_VERSION)
                return -EPROTONOSUPPORT;
        if (version == 0)
                return -EBADMSG; /* an empty file, or someone else's database */
        if (version < STORE_SCHEMA_VERSION)
                return -EPROTO;
        return 0;
}

int store_open(const char *path, StoreMode mode, Store **ret) {
        _cleanup_store_ Store *s = NULL;
        int flags, r;

        if (!path || !ret)
                return -EINVAL;

        s = calloc(1, sizeof *s);
        if (!s)
                return -ENOMEM;
        s->mode = mode;

        if (mode == STORE_READ_ONLY) {
                struct stat st;

                /* SQLite would report a missing file only at the first query. */
                if (stat(path, &st) < 0)
                        return negative_errno();
                flags = SQLITE_OPEN_READONLY;
        } else
                flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
        flags |= SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_EXRESCODE;

        r = sqlite3_open_v2(path, &s->db, flags, NULL);
        if (r != SQLITE_OK)
                return store_errno(r);

        (void) sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS);
        (void) sqlite3_extended_result_codes(s->db, 1);

        if (mode == STORE_READ_ONLY) {
                r = check_version_read_only(s);
                if (r < 0)
                        return r;
        } else {
                /* WAL: readers (capctl) never block the writer (capguardd), and NORMAL sync
                 * is crash-safe in WAL mode. */
                r = store_exec(s, "PRAGMA journal_mode = WAL");
                if (r < 0)
                        return r;
                r = store_exec(s, "PRAGMA synchronous = NORMAL");
                if (r < 0)
                        return r;
                /* The -wal and -shm files stay when the last writer closes: a reader in the
                 * database's group, without write access to the directory, could not create
                 * them, and SQLite cannot read a WAL database without them. */
                {
                        int persist = 1;

                        (void) sqlite3_file_control(s->db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
                }
                /* After a burst, the log file is cut back to this size at the next checkpoint. */
                r = store_exec(s, "PRAGMA journal_size_limit = 16777216");
                if (r < 0)
                        return r;
                r = migrate(s);
                if (r < 0)
                        return r;
        }

        r = store_exec(s, "PRAGMA foreign_keys = ON");
        if (r < 0)
                return r;

        *ret = TAKE_PTR(s);
        return 0;
}

Store *store_close(Store *s) {
        if (!s)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(s->cached); i++)
                (void) sqlite3_finalize(s->cached[i]);
        /* sqlite3_close_v2() defers the close past any statement a caller leaked. */
        (void) sqlite3_close_v2(s->db);
        free(s);
        return NULL;
}
