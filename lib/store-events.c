/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "capguard/cap-json.h"
#include "store-internal.h"

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

/* ---- binding ---- */

/* Metadata: NULL and "" both mean unknown, stored as NULL so that a later event can fill it in. */
static int bind_text_known(sqlite3_stmt *st, int i, const char *s) {
        return store_bind_text(st, i, s && *s ? s : NULL);
}

/* -1 (unknown) is NULL. */
static int bind_int_known(sqlite3_stmt *st, int i, int v) {
        return store_errno(v < 0 ? sqlite3_bind_null(st, i) : sqlite3_bind_int(st, i, v));
}

/* ?1 to ?5 of every statement that names one incarnation. Absent parts are '', as in the
 * table, because its UNIQUE key would treat NULLs as all different. */
static int bind_container_key(sqlite3_stmt *st, Runtime runtime, const char *runtime_namespace,
                              const char *container_id, uint64_t pid_start, const char *boot_id) {
        int r;

        if ((r = store_bind_text(st, 1, runtime_to_string(runtime) ?: "")) < 0 ||
            (r = store_bind_text(st, 2, runtime_namespace ?: "")) < 0 ||
            (r = store_bind_text(st, 3, container_id)) < 0 ||
            (r = store_bind_uint64(st, 4, pid_start)) < 0 ||
            (r = store_bind_text(st, 5, boot_id ?: "")) < 0)
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

/* ---- writing ---- */

static int event_check(const Event *e) {
        if (!e->container_id || !*e->container_id)
                return -EINVAL;
        if (!event_verdict_to_string(e->verdict) || !event_action_to_string(e->action))
                return -EINVAL;
        if (!boot_id_is_valid(e->boot_id))
                return -EINVAL;
        return 0;
}

/* Creates the incarnation's row, or completes the one there: metadata read later (a config
 * that was not there yet at the first verdict) fills in what was unknown, and never
 * overwrites what was recorded. */
static int container_upsert(Store *s, const Event *e, int64_t *ret_id) {
        _cleanup_stmt_reset_ sqlite3_stmt *st = NULL, *q = NULL;
        int64_t before;
        int r;

        /* No RETURNING: SQLite builds an ephemeral table for it on every run. A new row moves
         * the last rowid; a row that was there is looked up through the key's index. */
        r = store_prepare_cached(s, STORE_STMT_CONTAINER_UPSERT,
                          "INSERT INTO containers (runtime, runtime_namespace, container_id, pid_start, pid, "
                          "                        k8s_namespace, pod, container, image, sandbox, first_seen, "
                          "                        declared_inh, declared_prm, declared_eff, declared_bnd, declared_amb, "
                          "                        boot_id) "
                          "VALUES (?1, ?2, ?3, ?4, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?5) "
                          "ON CONFLICT (runtime, runtime_namespace, container_id, pid_start, boot_id) DO UPDATE SET "
                          "  k8s_namespace = coalesce(k8s_namespace, excluded.k8s_namespace),"
                          "  pod = coalesce(pod, excluded.pod),"
                          "  container = coalesce(container, excluded.container),"
                          "  image = coalesce(image, excluded.image),"
                          "  sandbox = max(sandbox, excluded.sandbox),"
                          "  declared_inh = coalesce(declared_inh, excluded.declared_inh),"
                          "  declared_prm = coalesce(declared_prm, excluded.declared_prm),"
                          "  declared_eff = coalesce(declared_eff, excluded.declared_eff),"
                          "  declared_bnd = coalesce(declared_bnd, excluded.declared_bnd),"
                          "  declared_amb = coalesce(declared_amb, excluded.declared_amb),"
                          /* a verdict retried after -EBUSY may arrive after a newer one */
                          "  first_seen = min(first_seen, excluded.first_seen)",
                          &st);
        if (r < 0)
                return r;

        if ((r = bind_container_key(st, e->runtime, e->runtime_namespace, e->container_id, e->pid_start,
                                       e->boot_id)) < 0 ||
            (r = store_bind_int64(st, 6, e->pid)) < 0 ||
            (r = bind_text_known(st, 7, e->k8s_namespace)) < 0 ||
            (r = bind_text_known(st, 8, e->pod)) < 0 ||
            (r = bind_text_known(st, 9, e->container)) < 0 ||
            (r = bind_text_known(st, 10, e->image)) < 0 ||
            (r = store_bind_int64(st, 11, e->sandbox)) < 0 ||
            (r = store_bind_int64(st, 12, e->time_usec)) < 0)
                return r;
        for (CapSet c = 0; c < _CAP_SET_MAX; c++) {
                r = e->has_declared ? store_bind_uint64(st, 13 + c, e->declared.mask[c])
                                    : store_errno(sqlite3_bind_null(st, 13 + c));
                if (r < 0)
                        return r;
        }

        before = sqlite3_last_insert_rowid(s->db);
        r = store_step_done(st);
        if (r < 0)
                return r;
        if (sqlite3_last_insert_rowid(s->db) != before) {
                *ret_id = sqlite3_last_insert_rowid(s->db);
                return 0;
        }

        r = store_prepare_cached(s, STORE_STMT_CONTAINER_ID,
                                 "SELECT id FROM containers "
                                 "WHERE runtime = ?1 AND runtime_namespace = ?2 AND container_id = ?3 AND pid_start = ?4 "
                                 "  AND boot_id = ?5",
                                 &q);
        if (r < 0)
                return r;
        if ((r = bind_container_key(q, e->runtime, e->runtime_namespace, e->container_id, e->pid_start,
                                    e->boot_id)) < 0)
                return r;
        r = sqlite3_step(q);
        if (r != SQLITE_ROW)
                return store_errno(r) ?: -EIO;
        *ret_id = sqlite3_column_int64(q, 0);
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

        if ((r = store_bind_int64(st, INS_TIME, e->time_usec)) < 0 ||
            (r = store_bind_int64(st, INS_CONTAINER, container)) < 0 ||
            (r = store_bind_int64(st, INS_PID, e->pid)) < 0 ||
            (r = store_bind_int64(st, INS_UID, e->uid)) < 0 ||
            (r = bind_int_known(st, INS_NO_NEW_PRIVS, e->no_new_privs < 0 ? -1 : e->no_new_privs != 0)) < 0 ||
            (r = bind_int_known(st, INS_SECCOMP, e->seccomp)) < 0 ||
            (r = store_bind_text(st, INS_VERDICT, event_verdict_to_string(e->verdict))) < 0 ||
            (r = bind_text_known(st, INS_RULE, e->rule)) < 0 ||
            (r = store_bind_int64(st, INS_POLICY_VERSION, e->policy_version)) < 0 ||
            (r = bind_reasons(st, INS_REASONS, e->reasons)) < 0 ||
            (r = store_bind_text(st, INS_ACTION, event_action_to_string(e->action))) < 0 ||
            (r = bind_text_known(st, INS_ACTION_DETAIL, e->action_detail)) < 0)
                return r;
        for (CapSet c = 0; c < _CAP_SET_MAX; c++)
                if ((r = store_bind_uint64(st, INS_CAPS + c, e->caps.mask[c])) < 0 ||
                    (r = store_bind_uint64(st, INS_EXCESS + c, e->excess[c])) < 0)
                        return r;

        r = store_step_done(st);
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
                       uint64_t pid_start, const char *boot_id, unsigned policy_version) {
        _cleanup_stmt_reset_ sqlite3_stmt *st = NULL;
        int r;

        if (!s || !container_id)
                return -EINVAL;

        r = store_prepare_cached(s, STORE_STMT_EVENT_EXISTS,
                          "SELECT 1 FROM containers c, events e "
                          "WHERE c.runtime = ?1 AND c.runtime_namespace = ?2 AND c.container_id = ?3 "
                          "  AND c.pid_start = ?4 AND c.boot_id = ?5 AND e.container = c.id AND e.policy_version = ?6 "
                          "LIMIT 1",
                          &st);
        if (r < 0)
                return r;
        if ((r = bind_container_key(st, runtime, runtime_namespace, container_id, pid_start, boot_id)) < 0 ||
            (r = store_bind_int64(st, 6, policy_version)) < 0)
                return r;

        r = sqlite3_step(st);
        if (r == SQLITE_ROW)
                return 1;
        return r == SQLITE_DONE ? 0 : store_errno(r) ?: -EIO;
}

int store_container_exited(Store *s, Runtime runtime, const char *runtime_namespace, const char *container_id,
                           uint64_t pid_start, const char *boot_id, int64_t time_usec) {
        _cleanup_stmt_reset_ sqlite3_stmt *st = NULL;
        int r;

        if (!s || !container_id)
                return -EINVAL;
        if (s->mode != STORE_READ_WRITE)
                return -EROFS;

        r = store_prepare_cached(s, STORE_STMT_CONTAINER_EXITED,
                          "UPDATE containers SET exited = ?6 "
                          "WHERE runtime = ?1 AND runtime_namespace = ?2 AND container_id = ?3 AND pid_start = ?4 "
                          "  AND boot_id = ?5 AND exited IS NULL",
                          &st);
        if (r < 0)
                return r;
        if ((r = bind_container_key(st, runtime, runtime_namespace, container_id, pid_start, boot_id)) < 0 ||
            (r = store_bind_int64(st, 6, time_usec)) < 0)
                return r;

        r = store_step_done(st);
        if (r < 0)
                return r;
        return sqlite3_changes(s->db) > 0 ? 0 : -ENOENT;
}


int store_container_adopt(Store *s, int64_t row, const char *boot_id) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        if (!s || !boot_id || !*boot_id || !boot_id_is_valid(boot_id))
                return -EINVAL;
        if (s->mode != STORE_READ_WRITE)
                return -EROFS;

        r = store_prepare(s, "UPDATE containers SET boot_id = ?2 WHERE id = ?1 AND boot_id = ''", &st);
        if (r < 0)
                return r;
        if ((r = store_bind_int64(st, 1, row)) < 0 || (r = store_bind_text(st, 2, boot_id)) < 0)
                return r;
        r = store_step_done(st);
        if (r < 0)
                return r;
        return sqlite3_changes(s->db) > 0 ? 0 : -ENOENT;
}
