/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "capguard/cap-json.h"
#include "store-internal.h"

/* The mask columns (cap_*, excess_*, declared_*) follow CapSet's order: inh, prm, eff, bnd, amb. */
_Static_assert(CAP_SET_INHERITABLE == 0 && CAP_SET_PERMITTED == 1 && CAP_SET_EFFECTIVE == 2 &&
               CAP_SET_BOUNDING == 3 && CAP_SET_AMBIENT == 4 && _CAP_SET_MAX == 5,
               "the mask columns are in CapSet order");

int store_column_strdup_known(sqlite3_stmt *st, int col, char **ret) {
        const unsigned char *t = sqlite3_column_text(st, col);

        if (!t || !*t) {
                *ret = NULL;
                return 0;
        }
        *ret = strdup((const char *) t);
        return *ret ? 0 : -ENOMEM;
}

Runtime store_column_runtime(sqlite3_stmt *st, int col) {
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

/* The five declared_* columns from col: all NULL where the config could not be read. */
static bool column_declared(sqlite3_stmt *st, int col, CapSets *ret) {
        if (sqlite3_column_type(st, col) == SQLITE_NULL)
                return false;
        for (CapSet c = 0; c < _CAP_SET_MAX; c++)
                ret->mask[c] = store_column_uint64(st, col + c);
        return true;
}

/* '' (recorded before boot ids were) or 32 hex digits: anything else was not written here. */
static int column_boot_id(sqlite3_stmt *st, int col, char ret[static BOOT_ID_STRING_MAX]) {
        const char *text = (const char *) sqlite3_column_text(st, col);

        if (!boot_id_is_valid(text))
                return -EBADMSG;
        memcpy(ret, text ?: "", text ? strlen(text) + 1 : 1);
        return 0;
}

/* Offsets into STORE_EVENT_COLUMNS. */
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
        COL_DECLARED,
        COL_BOOT_ID = COL_DECLARED + _CAP_SET_MAX,
        _COL_EVENT_MAX,
};
_Static_assert(_COL_EVENT_MAX == STORE_EVENT_N_COLUMNS, "STORE_EVENT_COLUMNS and its offsets agree");

int store_event_from_row(sqlite3_stmt *st, int col, Event *ret) {
        _cleanup_(event_done) Event e = {
                .id = sqlite3_column_int64(st, col + COL_ID),
                .time_usec = sqlite3_column_int64(st, col + COL_TIME),
                .runtime = store_column_runtime(st, col + COL_RUNTIME),
                .sandbox = sqlite3_column_int(st, col + COL_SANDBOX) != 0,
                .pid = (pid_t) sqlite3_column_int64(st, col + COL_PID),
                .pid_start = store_column_uint64(st, col + COL_PID_START),
                .uid = (uint32_t) sqlite3_column_int64(st, col + COL_UID),
                .no_new_privs = store_column_int_known(st, col + COL_NO_NEW_PRIVS),
                .seccomp = store_column_int_known(st, col + COL_SECCOMP),
                .verdict = event_verdict_from_string((const char *) sqlite3_column_text(st, col + COL_VERDICT)),
                .policy_version = (unsigned) sqlite3_column_int64(st, col + COL_POLICY_VERSION),
                .action = event_action_from_string((const char *) sqlite3_column_text(st, col + COL_ACTION)),
        };
        int r;

        if (e.verdict < 0 || e.action < 0)
                return -EBADMSG;

        for (CapSet c = 0; c < _CAP_SET_MAX; c++) {
                e.caps.mask[c] = store_column_uint64(st, col + COL_CAPS + c);
                e.excess[c] = store_column_uint64(st, col + COL_EXCESS + c);
        }
        e.has_declared = column_declared(st, col + COL_DECLARED, &e.declared);
        r = column_boot_id(st, col + COL_BOOT_ID, e.boot_id);
        if (r < 0)
                return r;

        if ((r = store_column_strdup_known(st, col + COL_CONTAINER_ID, &e.container_id)) < 0 ||
            (r = store_column_strdup_known(st, col + COL_RUNTIME_NAMESPACE, &e.runtime_namespace)) < 0 ||
            (r = store_column_strdup_known(st, col + COL_K8S_NAMESPACE, &e.k8s_namespace)) < 0 ||
            (r = store_column_strdup_known(st, col + COL_POD, &e.pod)) < 0 ||
            (r = store_column_strdup_known(st, col + COL_CONTAINER, &e.container)) < 0 ||
            (r = store_column_strdup_known(st, col + COL_IMAGE, &e.image)) < 0 ||
            (r = store_column_strdup_known(st, col + COL_RULE, &e.rule)) < 0 ||
            (r = store_column_strdup_known(st, col + COL_ACTION_DETAIL, &e.action_detail)) < 0 ||
            (r = column_reasons(st, col + COL_REASONS, &e.reasons)) < 0)
                return r;
        if (!e.container_id)
                return -EBADMSG;

        *ret = e;
        e = (Event) {};
        return 0;
}

void store_container_done(StoreContainer *c) {
        if (!c)
                return;
        free(c->runtime_namespace);
        free(c->container_id);
        free(c->k8s_namespace);
        free(c->pod);
        free(c->container);
        free(c->image);
        *c = (StoreContainer) {};
}

/* Offsets into STORE_CONTAINER_COLUMNS. */
enum {
        CCOL_ROW,
        CCOL_RUNTIME,
        CCOL_RUNTIME_NAMESPACE,
        CCOL_CONTAINER_ID,
        CCOL_PID,
        CCOL_PID_START,
        CCOL_K8S_NAMESPACE,
        CCOL_POD,
        CCOL_CONTAINER,
        CCOL_IMAGE,
        CCOL_SANDBOX,
        CCOL_FIRST_SEEN,
        CCOL_EXITED,
        CCOL_DECLARED,
        CCOL_BOOT_ID = CCOL_DECLARED + _CAP_SET_MAX,
        _CCOL_MAX,
};
_Static_assert(_CCOL_MAX == STORE_CONTAINER_N_COLUMNS, "STORE_CONTAINER_COLUMNS and its offsets agree");

int store_container_from_row(sqlite3_stmt *st, int col, StoreContainer *ret) {
        _cleanup_(store_container_done) StoreContainer c = {
                .row = sqlite3_column_int64(st, col + CCOL_ROW),
                .runtime = store_column_runtime(st, col + CCOL_RUNTIME),
                .pid = (pid_t) sqlite3_column_int64(st, col + CCOL_PID),
                .pid_start = store_column_uint64(st, col + CCOL_PID_START),
                .sandbox = sqlite3_column_int(st, col + CCOL_SANDBOX) != 0,
                .first_seen_usec = sqlite3_column_int64(st, col + CCOL_FIRST_SEEN),
                .exited_usec = sqlite3_column_int64(st, col + CCOL_EXITED), /* NULL reads as 0 */
        };
        int r;

        c.has_declared = column_declared(st, col + CCOL_DECLARED, &c.declared);
        r = column_boot_id(st, col + CCOL_BOOT_ID, c.boot_id);
        if (r < 0)
                return r;
        if ((r = store_column_strdup_known(st, col + CCOL_RUNTIME_NAMESPACE, &c.runtime_namespace)) < 0 ||
            (r = store_column_strdup_known(st, col + CCOL_CONTAINER_ID, &c.container_id)) < 0 ||
            (r = store_column_strdup_known(st, col + CCOL_K8S_NAMESPACE, &c.k8s_namespace)) < 0 ||
            (r = store_column_strdup_known(st, col + CCOL_POD, &c.pod)) < 0 ||
            (r = store_column_strdup_known(st, col + CCOL_CONTAINER, &c.container)) < 0 ||
            (r = store_column_strdup_known(st, col + CCOL_IMAGE, &c.image)) < 0)
                return r;
        if (!c.container_id)
                return -EBADMSG;

        *ret = c;
        c = (StoreContainer) {};
        return 0;
}
