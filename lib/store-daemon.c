/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "capguard/cap-json.h"
#include "store-internal.h"

void store_daemon_done(StoreDaemon *d) {
        if (!d)
                return;
        free(d->version);
        for (char **p = d->roots; p && *p; p++)
                free(*p);
        free(d->roots);
        *d = (StoreDaemon) {};
}

static int roots_to_json(char *const *roots, char **ret) {
        _cleanup_json_ json_object *a = json_object_new_array();
        const char *text;

        if (!a)
                return -ENOMEM;
        for (char *const *p = roots; p && *p; p++) {
                json_object *o = json_object_new_string(*p);

                if (!o || json_object_array_add(a, o) < 0) {
                        json_object_put(o);
                        return -ENOMEM;
                }
        }
        text = json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        *ret = text ? strdup(text) : NULL;
        return *ret ? 0 : -ENOMEM;
}

static int roots_from_json(const char *text, char ***ret) {
        _cleanup_json_ json_object *a = text ? json_tokener_parse(text) : NULL;
        char **v;
        size_t n;

        if (!a || !json_object_is_type(a, json_type_array))
                return -EBADMSG;
        n = json_object_array_length(a);
        v = calloc(n + 1, sizeof *v);
        if (!v)
                return -ENOMEM;
        *ret = v; /* NULL-terminated at every step: store_daemon_done() frees a partial one */
        for (size_t i = 0; i < n; i++) {
                json_object *o = json_object_array_get_idx(a, i);

                if (!json_object_is_type(o, json_type_string))
                        return -EBADMSG;
                if (!(v[i] = strdup(json_object_get_string(o))))
                        return -ENOMEM;
        }
        return 0;
}

int store_daemon_started(Store *s, const StoreDaemon *d) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        _cleanup_free_ char *roots = NULL;
        int r;

        if (!s || !d || !d->version)
                return -EINVAL;
        if (s->mode != STORE_READ_WRITE)
                return -EROFS;

        r = roots_to_json(d->roots, &roots);
        if (r < 0)
                return r;
        r = store_prepare(s,
                          "INSERT OR REPLACE INTO daemon (id, pid, pid_start, started, stopped, last_prune, "
                          "                               version, roots, dry_run, retention) "
                          "VALUES (1, ?, ?, ?, NULL, NULL, ?, ?, ?, ?)",
                          &st);
        if (r < 0)
                return r;
        if ((r = store_bind_int64(st, 1, d->pid)) < 0 ||
            (r = store_bind_uint64(st, 2, d->pid_start)) < 0 ||
            (r = store_bind_int64(st, 3, d->started_usec)) < 0 ||
            (r = store_bind_text(st, 4, d->version)) < 0 ||
            (r = store_bind_text(st, 5, roots)) < 0 ||
            (r = store_bind_int64(st, 6, d->dry_run)) < 0 ||
            (r = store_bind_uint64(st, 7, d->retention_usec)) < 0)
                return r;
        return store_step_done(st);
}

static int daemon_set_time(Store *s, const char *sql, pid_t pid, int64_t time_usec) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        if (!s)
                return -EINVAL;
        if (s->mode != STORE_READ_WRITE)
                return -EROFS;
        r = store_prepare(s, sql, &st);
        if (r < 0)
                return r;
        if ((r = store_bind_int64(st, 1, time_usec)) < 0 || (r = store_bind_int64(st, 2, pid)) < 0)
                return r;
        r = store_step_done(st);
        if (r < 0)
                return r;
        return sqlite3_changes(s->db) > 0 ? 0 : -ENOENT;
}

int store_daemon_stopped(Store *s, pid_t pid, int64_t time_usec) {
        return daemon_set_time(s, "UPDATE daemon SET stopped = ?1 WHERE pid = ?2", pid, time_usec);
}

int store_daemon_pruned(Store *s, pid_t pid, int64_t time_usec) {
        return daemon_set_time(s, "UPDATE daemon SET last_prune = ?1 WHERE pid = ?2", pid, time_usec);
}

int store_daemon_get(Store *s, StoreDaemon *ret) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        _cleanup_(store_daemon_done) StoreDaemon d = {};
        int r;

        if (!s || !ret)
                return -EINVAL;
        r = store_prepare(s,
                          "SELECT pid, pid_start, started, stopped, last_prune, version, roots, dry_run, retention "
                          "FROM daemon WHERE id = 1",
                          &st);
        if (r < 0)
                return r;
        r = sqlite3_step(st);
        if (r == SQLITE_DONE)
                return -ENOENT;
        if (r != SQLITE_ROW)
                return store_errno(r) ?: -EIO;

        d = (StoreDaemon) {
                .pid = (pid_t) sqlite3_column_int64(st, 0),
                .pid_start = store_column_uint64(st, 1),
                .started_usec = sqlite3_column_int64(st, 2),
                .stopped_usec = sqlite3_column_int64(st, 3),
                .last_prune_usec = sqlite3_column_int64(st, 4),
                .dry_run = sqlite3_column_int(st, 7) != 0,
                .retention_usec = store_column_uint64(st, 8),
        };
        if ((r = store_column_strdup(st, 5, &d.version)) < 0 ||
            (r = roots_from_json((const char *) sqlite3_column_text(st, 6), &d.roots)) < 0)
                return r;
        if (!d.version)
                return -EBADMSG;

        *ret = d;
        d = (StoreDaemon) {};
        return 0;
}
