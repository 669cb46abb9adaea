/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store-internal.h"

/* A query's SQL is put together from constant fragments only, never from a value: each value
 * is bound to the "?" of the fragment added with it, in order. Errors are sticky, so building
 * reads straight. */
typedef struct QueryParam {
        bool is_text;
        int64_t number;
        const char *text; /* borrowed: the caller's query outlives the statement */
} QueryParam;

typedef struct QueryBuilder {
        char sql[4096];
        size_t len;
        QueryParam params[32];
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

static void query_add_param(QueryBuilder *b, const char *fragment, QueryParam p) {
        if (b->error >= 0 && b->n_params >= ELEMENTSOF(b->params))
                b->error = -E2BIG;
        query_add(b, fragment);
        if (b->error >= 0)
                b->params[b->n_params++] = p;
}

/* fragment has exactly one "?", for value. */
static void query_add_int64(QueryBuilder *b, const char *fragment, int64_t value) {
        query_add_param(b, fragment, (QueryParam) { .number = value });
}

static void query_add_text(QueryBuilder *b, const char *fragment, const char *value) {
        query_add_param(b, fragment, (QueryParam) { .is_text = true, .text = value });
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
                const QueryParam *p = &b->params[i];

                r = p->is_text ? store_bind_text(st, (int) i + 1, p->text)
                               : store_bind_int64(st, (int) i + 1, p->number);
                if (r < 0)
                        return r;
        }

        *ret = TAKE_PTR(st);
        return 0;
}

/* Container ids as the runtimes allow them (runc: [\w+-.]). Anything else in a prefix could
 * not match, and a range needs a character that sorts after every allowed one. */
static bool id_prefix_valid(const char *p) {
        if (!p || !*p || strlen(p) > 1024)
                return false;
        return p[strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.+-")] == '\0';
}

int event_query_check(const EventQuery *q) {
        if (!q)
                return 0;
        if (q->container_prefix && !id_prefix_valid(q->container_prefix))
                return -EINVAL;
        if ((q->by_verdict && !event_verdict_to_string(q->verdict)) ||
            (q->by_action && !event_action_to_string(q->action)))
                return -EINVAL;
        if (q->since_usec < 0 || q->until_usec < 0)
                return -EINVAL;
        return 0;
}

/* "abc" selects [ "abc", "abc\x7f" ): every id starting with it, and through the index. The
 * upper bound lives in upper, which must outlive the statement. */
static void query_add_id_prefix(QueryBuilder *b, const char *column_ge, const char *column_lt, const char *prefix,
                                char **upper) {
        if (b->error < 0)
                return;
        if (asprintf(upper, "%s\x7f", prefix) < 0) {
                *upper = NULL;
                b->error = -ENOMEM;
                return;
        }
        query_add_text(b, column_ge, prefix);
        query_add_text(b, column_lt, *upper);
}

/* The WHERE terms of q, each " AND ...", on events e joined with containers c. */
static void events_where(QueryBuilder *b, const EventQuery *q, char **upper) {
        if (!q)
                return;
        if (q->since_usec > 0)
                query_add_int64(b, " AND e.time >= ?", q->since_usec);
        if (q->until_usec > 0)
                query_add_int64(b, " AND e.time <= ?", q->until_usec);
        if (q->container_prefix)
                query_add_id_prefix(b, " AND c.container_id >= ?", " AND c.container_id < ?", q->container_prefix,
                                    upper);
        if (q->k8s_namespace)
                query_add_text(b, " AND c.k8s_namespace = ?", q->k8s_namespace);
        if (q->pod)
                query_add_text(b, " AND c.pod = ?", q->pod);
        if (q->image_glob)
                query_add_text(b, " AND c.image GLOB ?", q->image_glob);
        if (q->rule)
                query_add_text(b, " AND e.rule = ?", q->rule);
        if (q->caps != 0)
                query_add_int64(b,
                                " AND ((e.excess_inh | e.excess_prm | e.excess_eff | e.excess_bnd | e.excess_amb |"
                                "       e.cap_inh | e.cap_prm | e.cap_eff | e.cap_bnd | e.cap_amb) & ?) <> 0",
                                (int64_t) q->caps);
        /* The constant terms let the planner use the partial indexes on verdict and action. */
        if (q->by_verdict)
                query_add_text(b, q->verdict == EVENT_VERDICT_OK ? " AND e.verdict = ?" : " AND e.verdict = ? AND e.verdict <> 'ok'",
                               event_verdict_to_string(q->verdict));
        if (q->by_action)
                query_add_text(b, q->action == EVENT_ACTION_NONE ? " AND e.action = ?" : " AND e.action = ? AND e.action <> 'none'",
                               event_action_to_string(q->action));
}

static void events_query_build(QueryBuilder *b, const EventQuery *q, char **upper) {
        bool limited = q && q->limit > 0, reverse = q && q->reverse;

        if (limited)
                query_add(b, "SELECT * FROM (");
        /* The join is a WHERE term so that every filter is one more " AND ...". */
        query_add(b, "SELECT " STORE_EVENT_COLUMNS " FROM events e, containers c WHERE c.id = e.container");
        events_where(b, q, upper);
        if (limited) {
                /* The newest N, walking the time index backwards, then put in the order asked
                 * for. The id breaks ties: within one microsecond, the order they were recorded. */
                query_add(b, " ORDER BY e.time DESC, e.id DESC");
                query_add_int64(b, " LIMIT ?", (uint64_t) q->limit > INT64_MAX ? -1 : (int64_t) q->limit);
                query_add(b, reverse ? ") ORDER BY time DESC, id DESC" : ") ORDER BY time, id");
        } else
                query_add(b, reverse ? " ORDER BY e.time DESC, e.id DESC" : " ORDER BY e.time, e.id");
}

int store_events_query(Store *s, const EventQuery *q, int (*func)(const Event *e, void *userdata), void *userdata) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        _cleanup_free_ char *upper = NULL;
        QueryBuilder b = {};
        int r;

        if (!s || !func)
                return -EINVAL;
        r = event_query_check(q);
        if (r < 0)
                return r;

        events_query_build(&b, q, &upper);
        r = query_prepare(s, &b, &st);
        if (r < 0)
                return r;

        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
                Event e;

                r = store_event_from_row(st, 0, &e);
                if (r < 0)
                        return r;
                r = func(&e, userdata);
                event_done(&e);
                if (r < 0)
                        return r;
        }

        return r == SQLITE_DONE ? 0 : store_errno(r) ?: -EIO;
}

int store_events_count(Store *s, const EventQuery *q, uint64_t *ret) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        _cleanup_free_ char *upper = NULL;
        QueryBuilder b = {};
        int r;

        if (!s || !ret)
                return -EINVAL;
        r = event_query_check(q);
        if (r < 0)
                return r;

        query_add(&b, "SELECT count(*) FROM events e, containers c WHERE c.id = e.container");
        events_where(&b, q, &upper);
        r = query_prepare(s, &b, &st);
        if (r < 0)
                return r;

        r = sqlite3_step(st);
        if (r != SQLITE_ROW)
                return store_errno(r) ?: -EIO;
        *ret = store_column_uint64(st, 0);
        return 0;
}

int store_containers_query(Store *s, const ContainerQuery *q,
                           int (*func)(const StoreContainer *c, const Event *latest, void *userdata),
                           void *userdata) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        _cleanup_free_ char *upper = NULL;
        QueryBuilder b = {};
        int r;

        if (!s || !func)
                return -EINVAL;
        if (q && q->id_prefix && !id_prefix_valid(q->id_prefix))
                return -EINVAL;

        /* Each incarnation with its latest event, if any is left after pruning: the join is
         * on that event's id, found through the (container, time) index. */
        query_add(&b, "SELECT " STORE_CONTAINER_COLUMNS ", " STORE_EVENT_COLUMNS " "
                      "FROM containers c LEFT JOIN events e ON e.id = "
                      "  (SELECT id FROM events WHERE container = c.id ORDER BY time DESC, id DESC LIMIT 1) "
                      "WHERE 1");
        if (!q || !q->all)
                query_add(&b, " AND c.exited IS NULL");
        if (q && q->id_prefix)
                query_add_id_prefix(&b, " AND c.container_id >= ?", " AND c.container_id < ?", q->id_prefix, &upper);
        query_add(&b, " ORDER BY c.first_seen, c.id");

        r = query_prepare(s, &b, &st);
        if (r < 0)
                return r;

        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
                _cleanup_(store_container_done) StoreContainer c = {};
                _cleanup_(event_done) Event e = {};
                bool has_event = sqlite3_column_type(st, STORE_CONTAINER_N_COLUMNS) != SQLITE_NULL;

                r = store_container_from_row(st, 0, &c);
                if (r >= 0 && has_event)
                        r = store_event_from_row(st, STORE_CONTAINER_N_COLUMNS, &e);
                if (r < 0)
                        return r;
                r = func(&c, has_event ? &e : NULL, userdata);
                if (r < 0)
                        return r;
        }

        return r == SQLITE_DONE ? 0 : store_errno(r) ?: -EIO;
}
