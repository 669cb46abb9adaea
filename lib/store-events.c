/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "capguard/cap-json.h"
#include "store-internal.h"

/* The mask columns (cap_*, excess_*) follow CapSet's order: inh, prm, eff, bnd, amb. */
_Static_assert(CAP_SET_INHERITABLE == 0 && CAP_SET_PERMITTED == 1 && CAP_SET_EFFECTIVE == 2 &&
               CAP_SET_BOUNDING == 3 && CAP_SET_AMBIENT == 4 && _CAP_SET_MAX == 5,
               "the mask columns are in CapSet order");

/* Parameters of the events INSERT, in the order of its column list. */
enum {
        INS_TIME = 1,
        INS_CONTAINER,
        INS_PID,
        INS_UID,
        INS_CAPS,
        INS_NO_NEW_PRIVS = INS_CAPS + _CAP_SET_MAX,
        INS_SECCOMP,
        INS_VERDICT,
        INS_RULE,
        INS_POLICY_VERSION,
        INS_EXCESS,
        INS_REASONS = INS_EXCESS + _CAP_SET_MAX,
        INS_ACTION,
        INS_ACTION_DETAIL,
};

/* Columns of EVENT_COLUMNS, in its order. */
#define EVENT_COLUMNS                                                                                  \
        "e.id AS id, e.time AS time, c.container_id, c.runtime, c.runtime_namespace, c.k8s_namespace, " \
        "c.pod, c.container, c.image, c.sandbox, e.pid, c.pid_start, e.uid, "                          \
        "e.cap_inh, e.cap_prm, e.cap_eff, e.cap_bnd, e.cap_amb, e.no_new_privs, e.seccomp, e.verdict, " \
        "e.rule, e.policy_version, e.excess_inh, e.excess_prm, e.excess_eff, e.excess_bnd, "           \
        "e.excess_amb, e.reasons, e.action, e.action_detail"
enum {
        COL_ID,
        COL_TIME,
        COL_CONTAINER_ID,
        COL_RUNTIME,
        COL_RUNTIME_NAMESPACE,
        COL_K8S_NAMESPACE,
        COL_POD,
        COL_CONTAINER,
        COL_IMAGE,
        COL_SANDBOX,
        COL_PID,
        COL_PID_START,
        COL_UID,
        COL_CAPS,
        COL_NO_NEW_PRIVS = COL_CAPS + _CAP_SET_MAX,
        COL_SECCOMP,
        COL_VERDICT,
        COL_RULE,
        COL_POLICY_VERSION,
        COL_EXCESS,
        COL_REASONS = COL_EXCESS + _CAP_SET_MAX,
        COL_ACTION,
        COL_ACTION_DETAIL,
};

/* ---- binding ---- */

static int bind_int64(sqlite3_stmt *st, int i, int64_t v) {
        return store_errno(sqlite3_bind_int64(st, i, v));
}

/* SQLite has no unsigned type: masks and start times go in as their two's complement int64,
 * and come back exactly through the inverse cast, top bit included. */
static int bind_uint64(sqlite3_stmt *st, int i, uint64_t v) {
        return bind_int64(st, i, (int64_t) v);
}

static int bind_text(sqlite3_stmt *st, int i, const char *s) {
        return store_errno(s ? sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i));
}

/* Metadata: NULL and "" both mean unknown, stored as NULL so that a later event can fill it in. */
static int bind_text_known(sqlite3_stmt *st, int i, const char *s) {
        return bind_text(st, i, s && *s ? s : NULL);
}

/* -1 (unknown) is NULL. */
static int bind_int_known(sqlite3_stmt *st, int i, int v) {
        return store_errno(v < 0 ? sqlite3_bind_null(st, i) : sqlite3_bind_int(st, i, v));
}

/* ?1 to ?4 of every statement that names one incarnation. Absent parts are '', as in the
 * table, because its UNIQUE key would treat NULLs as all different. */
static int bind_container_key(sqlite3_stmt *st, Runtime runtime, const char *runtime_namespace,
                              const char *container_id, uint64_t pid_start) {
        int r;

        if ((r = bind_text(st, 1, runtime_to_string(runtime) ?: "")) < 0 ||
            (r = bind_text(st, 2, runtime_namespace ?: "")) < 0 ||
            (r = bind_text(st, 3, container_id)) < 0 ||
            (r = bind_uint64(st, 4, pid_start)) < 0)
                return r;
        return 0;
}

static int bind_reasons(sqlite3_stmt *st, int i, char *const *reasons) {
        _cleanup_json_ json_object *a = json_object_new_array();
        const char *text;

        if (!a)
                return -ENOMEM;
        for (char *const *p = reasons; p && *p; p++) {
                /* json_object_array_add() would store a failed constructor's NULL as null */
                json_object *s = json_object_new_string(*p);

                if (!s || json_object_array_add(a, s) < 0) {
                        json_object_put(s);
                        return -ENOMEM;
                }
        }

        text = json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        if (!text)
                return -ENOMEM;
        /* text lives only as long as a: let SQLite copy it */
        return store_errno(sqlite3_bind_text(st, i, text, -1, SQLITE_TRANSIENT));
}

/* Steps a statement that returns no rows. */
static int step_done(sqlite3_stmt *st) {
        int r = sqlite3_step(st);

        return r == SQLITE_DONE ? 0 : store_errno(r) ?: -EIO;
}

/* ---- writing ---- */

static int event_check(const Event *e) {
        if (!e->container_id || !*e->container_id)
                return -EINVAL;
        if (!event_verdict_to_string(e->verdict) || !event_action_to_string(e->action))
                return -EINVAL;
        return 0;
}

/* Creates the incarnation's row, or completes the one there: metadata read later (a config
 * that was not there yet at the first verdict) fills in what was unknown, and never
 * overwrites what was recorded. */
static int container_upsert(Store *s, const Event *e, int64_t *ret_id) {
        _cleanup_stmt_reset_ sqlite3_stmt *st = NULL;
        int r;

        r = store_prepare_cached(s, STORE_STMT_CONTAINER_UPSERT,
                          "INSERT INTO containers (runtime, runtime_namespace, container_id, pid_start, pid, "
                          "                        k8s_namespace, pod, container, image, sandbox, first_seen) "
                          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) "
                          "ON CONFLICT (runtime, runtime_namespace, container_id, pid_start) DO UPDATE SET "
                          "  k8s_namespace = coalesce(k8s_namespace, excluded.k8s_namespace),"
                          "  pod = coalesce(pod, excluded.pod),"
                          "  container = coalesce(container, excluded.container),"
                          "  image = coalesce(image, excluded.image),"
                          "  sandbox = max(sandbox, excluded.sandbox),"
                          /* a verdict retried after -EBUSY may arrive after a newer one */
                          "  first_seen = min(first_seen, excluded.first_seen) "
                          "RETURNING id",
                          &st);
        if (r < 0)
                return r;

        if ((r = bind_container_key(st, e->runtime, e->runtime_namespace, e->container_id, e->pid_start)) < 0 ||
            (r = bind_int64(st, 5, e->pid)) < 0 ||
            (r = bind_text_known(st, 6, e->k8s_namespace)) < 0 ||
            (r = bind_text_known(st, 7, e->pod)) < 0 ||
            (r = bind_text_known(st, 8, e->container)) < 0 ||
            (r = bind_text_known(st, 9, e->image)) < 0 ||
            (r = bind_int64(st, 10, e->sandbox)) < 0 ||
            (r = bind_int64(st, 11, e->time_usec)) < 0)
                return r;

        /* With RETURNING, the row is written by the first step. */
        r = sqlite3_step(st);
        if (r != SQLITE_ROW)
                return store_errno(r) ?: -EIO;
        *ret_id = sqlite3_column_int64(st, 0);
        return 0;
}

static int event_insert(Store *s, const Event *e, int64_t container, int64_t *ret_id) {
        _cleanup_stmt_reset_ sqlite3_stmt *st = NULL;
        int r;

        r = store_prepare_cached(s, STORE_STMT_EVENT_INSERT,
                          "INSERT INTO events (time, container, pid, uid, "
                          "                    cap_inh, cap_prm, cap_eff, cap_bnd, cap_amb, "
                          "                    no_new_privs, seccomp, verdict, rule, policy_version, "
                          "                    excess_inh, excess_prm, excess_eff, excess_bnd, excess_amb, "
                          "                    reasons, action, action_detail) "
                          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                          &st);
        if (r < 0)
                return r;

        if ((r = bind_int64(st, INS_TIME, e->time_usec)) < 0 ||
            (r = bind_int64(st, INS_CONTAINER, container)) < 0 ||
            (r = bind_int64(st, INS_PID, e->pid)) < 0 ||
            (r = bind_int64(st, INS_UID, e->uid)) < 0 ||
            (r = bind_int_known(st, INS_NO_NEW_PRIVS, e->no_new_privs < 0 ? -1 : e->no_new_privs != 0)) < 0 ||
            (r = bind_int_known(st, INS_SECCOMP, e->seccomp)) < 0 ||
            (r = bind_text(st, INS_VERDICT, event_verdict_to_string(e->verdict))) < 0 ||
            (r = bind_text_known(st, INS_RULE, e->rule)) < 0 ||
            (r = bind_int64(st, INS_POLICY_VERSION, e->policy_version)) < 0 ||
            (r = bind_reasons(st, INS_REASONS, e->reasons)) < 0 ||
            (r = bind_text(st, INS_ACTION, event_action_to_string(e->action))) < 0 ||
            (r = bind_text_known(st, INS_ACTION_DETAIL, e->action_detail)) < 0)
                return r;
        for (CapSet c = 0; c < _CAP_SET_MAX; c++)
                if ((r = bind_uint64(st, INS_CAPS + c, e->caps.mask[c])) < 0 ||
                    (r = bind_uint64(st, INS_EXCESS + c, e->excess[c])) < 0)
                        return r;

        r = step_done(st);
        if (r < 0)
                return r;
        *ret_id = sqlite3_last_insert_rowid(s->db);
        return 0;
}

int store_event_add(Store *s, const Event *e, int64_t *ret_id) {
        int64_t container = 0, id = 0;
        int r;

        if (!s || !e)
                return -EINVAL;
        r = event_check(e);
        if (r < 0)
                return r;
        if (s->mode != STORE_READ_WRITE)
                return -EROFS;

        r = store_begin(s);
        if (r < 0)
                return r;

        r = container_upsert(s, e, &container);
        if (r >= 0)
                r = event_insert(s, e, container, &id);
        if (r >= 0)
                r = store_commit(s);
        if (r < 0) {
                /* all or nothing: a caller that retries must not find half of it there */
                store_rollback(s);
                return r;
        }

        if (ret_id)
                *ret_id = id;
        return 0;
}

int store_events_add(Store *s, Event *const *events, size_t n) {
        int r;

        if (!s || (!events && n > 0))
                return -EINVAL;
        for (size_t i = 0; i < n; i++) {
                r = event_check(events[i]);
                if (r < 0)
                        return r;
        }
        if (s->mode != STORE_READ_WRITE)
                return -EROFS;

        /* One transaction for a burst: the commit, not the rows, is what costs. */
        r = store_begin(s);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n && r >= 0; i++) {
                int64_t container = 0, id = 0;

                r = container_upsert(s, events[i], &container);
                if (r >= 0)
                        r = event_insert(s, events[i], container, &id);
                if (r >= 0)
                        events[i]->id = id;
        }
        if (r >= 0)
                r = store_commit(s);
        if (r < 0) {
                store_rollback(s);
                for (size_t i = 0; i < n; i++)
                        events[i]->id = 0;
                return r;
        }
        return 0;
}

int store_event_exists(Store *s, Runtime runtime, const char *runtime_namespace, const char *container_id,
                       uint64_t pid_start, unsigned policy_version) {
        _cleanup_stmt_reset_ sqlite3_stmt *st = NULL;
        int r;

        if (!s || !container_id)
                return -EINVAL;

        r = store_prepare_cached(s, STORE_STMT_EVENT_EXISTS,
                          "SELECT 1 FROM containers c, events e "
                          "WHERE c.runtime = ?1 AND c.runtime_namespace = ?2 AND c.container_id = ?3 "
                          "  AND c.pid_start = ?4 AND e.container = c.id AND e.policy_version = ?5 "
                          "LIMIT 1",
                          &st);
        if (r < 0)
                return r;
        if ((r = bind_container_key(st, runtime, runtime_namespace, container_id, pid_start)) < 0 ||
            (r = bind_int64(st, 5, policy_version)) < 0)
                return r;

        r = sqlite3_step(st);
        if (r == SQLITE_ROW)
                return 1;
        return r == SQLITE_DONE ? 0 : store_errno(r) ?: -EIO;
}

int store_container_exited(Store *s, Runtime runtime, const char *runtime_namespace, const char *container_id,
                           uint64_t pid_start, int64_t time_usec) {
        _cleanup_stmt_reset_ sqlite3_stmt *st = NULL;
        int r;

        if (!s || !container_id)
                return -EINVAL;
        if (s->mode != STORE_READ_WRITE)
                return -EROFS;

        r = store_prepare_cached(s, STORE_STMT_CONTAINER_EXITED,
                          "UPDATE containers SET exited = ?5 "
                          "WHERE runtime = ?1 AND runtime_namespace = ?2 AND container_id = ?3 AND pid_start = ?4 "
                          "  AND exited IS NULL",
                          &st);
        if (r < 0)
                return r;
        if ((r = bind_container_key(st, runtime, runtime_namespace, container_id, pid_start)) < 0 ||
            (r = bind_int64(st, 5, time_usec)) < 0)
                return r;

        r = step_done(st);
        if (r < 0)
                return r;
        return sqlite3_changes(s->db) > 0 ? 0 : -ENOENT;
}

/* ---- reading ---- */

/* A copy of a text column; NULL for NULL and for '' (how the key columns say "none"). */
static int column_strdup_known(sqlite3_stmt *st, int col, char **ret) {
        const unsigned char *t = sqlite3_column_text(st, col);

        if (!t || !*t) {
                *ret = NULL;
                return 0;
        }
        *ret = strdup((const char *) t);
        return *ret ? 0 : -ENOMEM;
}

static uint64_t column_uint64(sqlite3_stmt *st, int col) {
        return (uint64_t) sqlite3_column_int64(st, col);
}

/* NULL (unknown) is -1. */
static int column_int_known(sqlite3_stmt *st, int col) {
        return sqlite3_column_type(st, col) == SQLITE_NULL ? -1 : sqlite3_column_int(st, col);
}

static Runtime column_runtime(sqlite3_stmt *st, int col) {
        const char *t = (const char *) sqlite3_column_text(st, col);

        return t && *t ? runtime_from_string(t) : _RUNTIME_INVALID;
}

/* The JSON array of the reasons column, as a NULL-terminated array; NULL for []. */
static int column_reasons(sqlite3_stmt *st, int col, char ***ret) {
        const char *text = (const char *) sqlite3_column_text(st, col);
        _cleanup_json_ json_object *a = NULL;
        char **v;
        size_t n;

        a = text ? json_tokener_parse(text) : NULL;
        if (!a || !json_object_is_type(a, json_type_array))
                return -EBADMSG;

        n = json_object_array_length(a);
        if (n == 0) {
                *ret = NULL;
                return 0;
        }

        v = calloc(n + 1, sizeof *v);
        if (!v)
                return -ENOMEM;
        /* v is NULL-terminated at every step, so the caller's event_done() can free a partial one */
        *ret = v;
        for (size_t i = 0; i < n; i++) {
                json_object *o = json_object_array_get_idx(a, i);

                if (!json_object_is_type(o, json_type_string))
                        return -EBADMSG;
                v[i] = strdup(json_object_get_string(o));
                if (!v[i])
                        return -ENOMEM;
        }
        return 0;
}

static int event_from_row(sqlite3_stmt *st, Event *ret) {
        _cleanup_(event_done) Event e = {
                .id = sqlite3_column_int64(st, COL_ID),
                .time_usec = sqlite3_column_int64(st, COL_TIME),
                .runtime = column_runtime(st, COL_RUNTIME),
                .sandbox = sqlite3_column_int(st, COL_SANDBOX) != 0,
                .pid = (pid_t) sqlite3_column_int64(st, COL_PID),
                .pid_start = column_uint64(st, COL_PID_START),
                .uid = (uint32_t) sqlite3_column_int64(st, COL_UID),
                .no_new_privs = column_int_known(st, COL_NO_NEW_PRIVS),
                .seccomp = column_int_known(st, COL_SECCOMP),
                .verdict = event_verdict_from_string((const char *) sqlite3_column_text(st, COL_VERDICT)),
                .policy_version = (unsigned) sqlite3_column_int64(st, COL_POLICY_VERSION),
                .action = event_action_from_string((const char *) sqlite3_column_text(st, COL_ACTION)),
        };
        int r;

        if (e.verdict < 0 || e.action < 0)
                return -EBADMSG;

        for (CapSet c = 0; c < _CAP_SET_MAX; c++) {
                e.caps.mask[c] = column_uint64(st, COL_CAPS + c);
                e.excess[c] = column_uint64(st, COL_EXCESS + c);
        }

        if ((r = column_strdup_known(st, COL_CONTAINER_ID, &e.container_id)) < 0 ||
            (r = column_strdup_known(st, COL_RUNTIME_NAMESPACE, &e.runtime_namespace)) < 0 ||
            (r = column_strdup_known(st, COL_K8S_NAMESPACE, &e.k8s_namespace)) < 0 ||
            (r = column_strdup_known(st, COL_POD, &e.pod)) < 0 ||
            (r = column_strdup_known(st, COL_CONTAINER, &e.container)) < 0 ||
            (r = column_strdup_known(st, COL_IMAGE, &e.image)) < 0 ||
            (r = column_strdup_known(st, COL_RULE, &e.rule)) < 0 ||
            (r = column_strdup_known(st, COL_ACTION_DETAIL, &e.action_detail)) < 0 ||
            (r = column_reasons(st, COL_REASONS, &e.reasons)) < 0)
                return r;
        if (!e.container_id)
                return -EBADMSG;

        *ret = e;
        e = (Event) {};
        return 0;
}

/* A query's SQL is put together from constant fragments only, never from a value: each value
 * is bound to the "?" of the fragment added with it, in order. A filter (#5) is one more
 * " AND ... ?" fragment with its value, as the limit is here; a text value would add a
 * text variant of QueryBuilder.params. Errors are sticky, so building reads straight. */
typedef struct QueryBuilder {
        char sql[2048];
        size_t len;
        int64_t params[16];
        size_t n_params;
        int error;
} QueryBuilder;

static void query_add(QueryBuilder *b, const char *fragment) {
        size_t n = strlen(fragment);

        if (b->error < 0)
                return;
        if (n >= sizeof b->sql - b->len) {
                b->error = -E2BIG;
                return;
        }
        memcpy(b->sql + b->len, fragment, n + 1);
        b->len += n;
}

/* fragment has exactly one "?", for value. */
static void query_add_int64(QueryBuilder *b, const char *fragment, int64_t value) {
        if (b->error >= 0 && b->n_params >= ELEMENTSOF(b->params))
                b->error = -E2BIG;
        query_add(b, fragment);
        if (b->error >= 0)
                b->params[b->n_params++] = value;
}

static int query_prepare(Store *s, const QueryBuilder *b, sqlite3_stmt **ret) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        if (b->error < 0)
                return b->error;

        r = store_prepare(s, b->sql, &st);
        if (r < 0)
                return r;
        for (size_t i = 0; i < b->n_params; i++) {
                r = bind_int64(st, (int) i + 1, b->params[i]);
                if (r < 0)
                        return r;
        }

        *ret = TAKE_PTR(st);
        return 0;
}

static void events_query_build(QueryBuilder *b, const EventQuery *q) {
        bool limited = q && q->limit > 0;

        if (limited)
                query_add(b, "SELECT * FROM (");
        /* The join is a WHERE term so that every filter is one more " AND ...". */
        query_add(b, "SELECT " EVENT_COLUMNS " FROM events e, containers c WHERE c.id = e.container");
        if (limited) {
                /* The newest N, walking the time index backwards, then put back in order. The
                 * id breaks ties: within one microsecond, the order they were recorded in. */
                query_add(b, " ORDER BY e.time DESC, e.id DESC");
                query_add_int64(b, " LIMIT ?", (uint64_t) q->limit > INT64_MAX ? -1 : (int64_t) q->limit);
                query_add(b, ") ORDER BY time, id");
        } else
                query_add(b, " ORDER BY e.time, e.id");
}

int store_events_query(Store *s, const EventQuery *q, int (*func)(const Event *e, void *userdata), void *userdata) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        QueryBuilder b = {};
        int r;

        if (!s || !func)
                return -EINVAL;

        events_query_build(&b, q);
        r = query_prepare(s, &b, &st);
        if (r < 0)
                return r;

        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
                Event e;

                r = event_from_row(st, &e);
                if (r < 0)
                        return r;
                r = func(&e, userdata);
                event_done(&e);
                if (r < 0)
                        return r;
        }

        return r == SQLITE_DONE ? 0 : store_errno(r) ?: -EIO;
}

/* ---- live containers ---- */

typedef struct ContainerList {
        StoreContainer *items;
        size_t n, allocated;
} ContainerList;

static void container_list_done(ContainerList *l) {
        for (size_t i = 0; i < l->n; i++) {
                free(l->items[i].runtime_namespace);
                free(l->items[i].container_id);
        }
        free(l->items);
        *l = (ContainerList) {};
}

static int container_list_add_row(ContainerList *l, sqlite3_stmt *st) {
        StoreContainer *c;
        int r;

        if (l->n >= l->allocated) {
                size_t m = l->allocated ? l->allocated * 2 : 64;
                StoreContainer *p = reallocarray(l->items, m, sizeof *p);

                if (!p)
                        return -ENOMEM;
                l->items = p;
                l->allocated = m;
        }

        c = &l->items[l->n];
        *c = (StoreContainer) {
                .runtime = column_runtime(st, 0),
                .pid = (pid_t) sqlite3_column_int64(st, 3),
                .pid_start = column_uint64(st, 4),
                .first_seen_usec = sqlite3_column_int64(st, 5),
        };
        /* counted before the copies, so that container_list_done() frees a partial row too */
        l->n++;
        if ((r = column_strdup_known(st, 1, &c->runtime_namespace)) < 0 ||
            (r = column_strdup_known(st, 2, &c->container_id)) < 0)
                return r;
        return c->container_id ? 0 : -EBADMSG;
}

static int containers_live_read(Store *s, ContainerList *l) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = store_prepare(s,
                          "SELECT runtime, runtime_namespace, container_id, pid, pid_start, first_seen "
                          "FROM containers WHERE exited IS NULL ORDER BY first_seen, id",
                          &st);
        if (r < 0)
                return r;

        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
                r = container_list_add_row(l, st);
                if (r < 0)
                        return r;
        }
        return r == SQLITE_DONE ? 0 : store_errno(r) ?: -EIO;
}

int store_containers_live(Store *s, int (*func)(const StoreContainer *c, void *userdata), void *userdata) {
        _cleanup_(container_list_done) ContainerList l = {};
        int r;

        if (!s || !func)
                return -EINVAL;

        /* Read them all first: the statement is done (and its read transaction closed) before
         * func runs, so func can mark rows exited without reading under its own writes. */
        r = containers_live_read(s, &l);
        if (r < 0)
                return r;

        for (size_t i = 0; i < l.n; i++) {
                r = func(&l.items[i], userdata);
                if (r < 0)
                        return r;
        }
        return 0;
}
