/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The history filters against a generated database with known answers: every event is also
 * kept in memory, and each query's result is compared, id by id and in order, with what a
 * plain C predicate selects from that copy. Each filter alone, then combined. */
#include <fnmatch.h>
#include <stdio.h>

#include "capguard/store.h"
#include "check-util.h"

#define N_EVENTS 600
#define T0 INT64_C(1790000000000000) /* usec: an arbitrary day in 2026 */

static char dir[] = "/tmp/capguard-store-query-XXXXXX";
static char path[256];
static Store *store;

typedef struct Row {
        int64_t id, time;
        char id_text[65];
        const char *ns, *pod, *image, *rule;
        uint64_t caps[_CAP_SET_MAX], excess[_CAP_SET_MAX];
        EventVerdict verdict;
        EventAction action;
} Row;

static Row rows[N_EVENTS];

static const char *namespaces[] = { "payments", "kube-system", "team-a", NULL /* not Kubernetes */ };
static const char *pods[] = { "api-0", "api-1", "worker" };
static const char *images[] = { "registry.example/pay/api:1.2", "registry.example/pay/worker:3", "busybox:1" };
static const char *rules[] = { "docker-default", "no-net-raw", "kube-system-privileged", NULL };

static uint64_t rng = 42;
static uint64_t next(void) { /* splitmix64: the same database every run */
        uint64_t z = (rng += UINT64_C(0x9e3779b97f4a7c15));

        z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
        return z ^ (z >> 31);
}

static void fill(void) {
        Event *batch[N_EVENTS];
        Event events[N_EVENTS];

        for (size_t i = 0; i < N_EVENTS; i++) {
                Row *r = &rows[i];
                unsigned c = (unsigned) (next() % 40); /* 40 containers, with ids sharing prefixes */

                /* several events share a microsecond: the id must break the tie */
                r->time = T0 + (int64_t) (i / 3) * 60 * 1000000;
                (void) snprintf(r->id_text, sizeof r->id_text, "%02x%02x%060x", c % 4, c, c);
                r->ns = namespaces[c % ELEMENTSOF(namespaces)];
                r->pod = r->ns ? pods[c % ELEMENTSOF(pods)] : NULL;
                r->image = images[(c / 2) % ELEMENTSOF(images)];
                r->rule = rules[next() % ELEMENTSOF(rules)];
                r->verdict = (EventVerdict) (next() % _EVENT_VERDICT_MAX);
                r->action = r->verdict == EVENT_VERDICT_VIOLATION ? (EventAction) (1 + next() % 4) : EVENT_ACTION_NONE;
                for (CapSet s = 0; s < _CAP_SET_MAX; s++) {
                        r->caps[s] = next() & UINT64_C(0x1ffffffffff) & (s == CAP_SET_BOUNDING ? ~UINT64_C(0) : next());
                        r->excess[s] = r->verdict == EVENT_VERDICT_VIOLATION ? r->caps[s] & next() & next() : 0;
                }

                events[i] = (Event) {
                        .time_usec = r->time,
                        .container_id = r->id_text,
                        .runtime = RUNTIME_CONTAINERD,
                        .runtime_namespace = (char *) "k8s.io",
                        .k8s_namespace = (char *) r->ns,
                        .pod = (char *) r->pod,
                        .container = (char *) "app",
                        .image = (char *) r->image,
                        .pid = 100 + (pid_t) c,
                        .pid_start = 1000 + c,
                        .no_new_privs = -1,
                        .seccomp = -1,
                        .verdict = r->verdict,
                        .rule = (char *) r->rule,
                        .policy_version = 1,
                        .action = r->action,
                };
                memcpy(events[i].caps.mask, r->caps, sizeof r->caps);
                memcpy(events[i].excess, r->excess, sizeof r->excess);
                batch[i] = &events[i];
        }
        ck_assert_int_eq(store_events_add(store, batch, N_EVENTS), 0);
        for (size_t i = 0; i < N_EVENTS; i++)
                rows[i].id = events[i].id;
}

static void setup(void) {
        ck_assert_ptr_nonnull(mkdtemp(dir));
        (void) snprintf(path, sizeof path, "%s/q.db", dir);
        ck_assert_int_eq(store_open(path, STORE_READ_WRITE, &store), 0);
        fill();
}

static void teardown(void) {
        char cmd[300];

        store = store_close(store);
        (void) snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        (void) system(cmd);
}

/* The oracle: what q should select, in plain C. */
static bool row_fits(const Row *r, const EventQuery *q) {
        uint64_t all = 0;

        for (CapSet s = 0; s < _CAP_SET_MAX; s++)
                all |= r->caps[s] | r->excess[s];
        return (q->since_usec == 0 || r->time >= q->since_usec) &&
               (q->until_usec == 0 || r->time <= q->until_usec) &&
               (!q->container_prefix || strncmp(r->id_text, q->container_prefix, strlen(q->container_prefix)) == 0) &&
               (!q->k8s_namespace || (r->ns && streq(r->ns, q->k8s_namespace))) &&
               (!q->pod || (r->pod && streq(r->pod, q->pod))) &&
               (!q->image_glob || (r->image && fnmatch(q->image_glob, r->image, 0) == 0)) &&
               (!q->rule || (r->rule && streq(r->rule, q->rule))) &&
               (q->caps == 0 || (all & q->caps) != 0) &&
               (!q->by_verdict || r->verdict == q->verdict) &&
               (!q->by_action || r->action == q->action);
}

typedef struct Ids {
        int64_t id[N_EVENTS];
        size_t n;
} Ids;

static int collect(const Event *e, void *userdata) {
        Ids *ids = userdata;

        ck_assert_uint_lt(ids->n, N_EVENTS);
        ids->id[ids->n++] = e->id;
        return 0;
}

/* Runs q and compares with the oracle: same ids, same order. Returns how many. */
static size_t check_query(const EventQuery *q, const char *what) {
        Ids got = {}, want = {};
        uint64_t count = 0;

        for (size_t i = 0; i < N_EVENTS; i++) /* rows are in (time, id) order */
                if (row_fits(&rows[i], q))
                        want.id[want.n++] = rows[i].id;
        if (q->limit > 0 && want.n > q->limit) { /* the newest N */
                memmove(want.id, want.id + (want.n - q->limit), q->limit * sizeof want.id[0]);
                want.n = q->limit;
        }
        if (q->reverse)
                for (size_t i = 0; i < want.n / 2; i++) {
                        int64_t t = want.id[i];

                        want.id[i] = want.id[want.n - 1 - i];
                        want.id[want.n - 1 - i] = t;
                }

        ck_assert_int_eq(store_events_query(store, q, collect, &got), 0);
        ck_assert_msg(got.n == want.n, "%s: %zu events, expected %zu", what, got.n, want.n);
        for (size_t i = 0; i < want.n; i++)
                ck_assert_msg(got.id[i] == want.id[i], "%s: event %zu is id %lld, expected %lld", what, i,
                              (long long) got.id[i], (long long) want.id[i]);

        if (q->limit == 0) {
                ck_assert_int_eq(store_events_count(store, q, &count), 0);
                ck_assert_msg(count == want.n, "%s: count %llu, expected %zu", what, (unsigned long long) count, want.n);
        }
        return want.n;
}

/* Each filter alone, with a value that selects some but not all events, and one that
 * selects none: a filter that was ignored, or that excluded everything, fails. */
START_TEST(test_each_filter_alone) {
        size_t n;

#define ALONE(q, what)                                                                           \
        do {                                                                                     \
                n = check_query(&(q), what);                                                     \
                ck_assert_msg(n > 0 && n < N_EVENTS, "%s selects %zu of %d: not a useful case", what, n, N_EVENTS); \
        } while (0)

        ALONE(((EventQuery) { .since_usec = T0 + 100 * 60 * 1000000LL }), "since");
        ALONE(((EventQuery) { .until_usec = T0 + 100 * 60 * 1000000LL }), "until (inclusive)");
        ALONE(((EventQuery) { .container_prefix = "01" }), "container prefix");
        ALONE(((EventQuery) { .container_prefix = rows[0].id_text }), "container full id");
        ALONE(((EventQuery) { .k8s_namespace = "payments" }), "namespace");
        ALONE(((EventQuery) { .pod = "worker" }), "pod");
        ALONE(((EventQuery) { .image_glob = "registry.example/pay/*" }), "image glob");
        ALONE(((EventQuery) { .image_glob = "*:[0-2]" }), "image glob with a class");
        ALONE(((EventQuery) { .rule = "no-net-raw" }), "rule");
        ALONE(((EventQuery) { .caps = UINT64_C(1) << 21 }), "cap (CAP_SYS_ADMIN)");
        ALONE(((EventQuery) { .caps = UINT64_C(1) << 40 }), "cap (the highest)");
        ALONE(((EventQuery) { .by_verdict = true, .verdict = EVENT_VERDICT_VIOLATION }), "verdict");
        ALONE(((EventQuery) { .by_action = true, .action = EVENT_ACTION_KILLED }), "action");
        ALONE(((EventQuery) { .limit = 7 }), "limit");
        ALONE(((EventQuery) { .reverse = true, .limit = 10 }), "reverse with limit");
        ck_assert_uint_eq(check_query(&(EventQuery) { .reverse = true }, "reverse"), N_EVENTS);
#undef ALONE

        /* none */
        ck_assert_uint_eq(check_query(&(EventQuery) { .since_usec = T0 + 1000LL * 3600 * 1000000 }, "since: future"), 0);
        ck_assert_uint_eq(check_query(&(EventQuery) { .container_prefix = "ff" }, "prefix: none"), 0);
        ck_assert_uint_eq(check_query(&(EventQuery) { .k8s_namespace = "pay" }, "namespace: no prefix match"), 0);
        ck_assert_uint_eq(check_query(&(EventQuery) { .image_glob = "registry.example" }, "glob: whole string"), 0);
        ck_assert_uint_eq(check_query(&(EventQuery) { .rule = "NO-NET-RAW" }, "rule: case matters"), 0);
}
END_TEST

START_TEST(test_filters_combined) {
        static const char *prefixes[] = { NULL, "0", "02" };
        static const char *globs[] = { NULL, "registry.example/*" };
        size_t cases = 0, nonempty = 0;

        /* every combination of a few values of each filter: 3*4*2*2*3*2*3*2 = 3456 queries */
        for (size_t a = 0; a < ELEMENTSOF(prefixes); a++)
                for (size_t b = 0; b < ELEMENTSOF(namespaces); b++)
                        for (size_t c = 0; c < ELEMENTSOF(globs); c++)
                                for (int d = 0; d < 2; d++)
                                        for (size_t e = 0; e < 3; e++)
                                                for (int f = 0; f < 2; f++)
                                                        for (int g = 0; g < 3; g++)
                                                                for (int h = 0; h < 2; h++) {
                                                                        EventQuery q = {
                                                                                .container_prefix = prefixes[a],
                                                                                .k8s_namespace = namespaces[b],
                                                                                .image_glob = globs[c],
                                                                                .rule = d ? "docker-default" : NULL,
                                                                                .caps = e == 0 ? 0 : UINT64_C(1) << (e == 1 ? 13 : 21),
                                                                                .by_verdict = f,
                                                                                .verdict = EVENT_VERDICT_VIOLATION,
                                                                                .since_usec = g ? T0 + 20LL * 60 * 1000000 : 0,
                                                                                .until_usec = g == 2 ? T0 + 150LL * 60 * 1000000 : 0,
                                                                                .by_action = h,
                                                                                .action = EVENT_ACTION_AUDIT,
                                                                        };
                                                                        char what[128];

                                                                        (void) snprintf(what, sizeof what, "combination %zu%zu%zu%d%zu%d%d%d",
                                                                                        a, b, c, d, e, f, g, h);
                                                                        if (check_query(&q, what) > 0)
                                                                                nonempty++;
                                                                        cases++;
                                                                }
        /* enough of them select something for the comparison to mean something */
        ck_assert_uint_gt(nonempty, cases / 4);
}
END_TEST

START_TEST(test_bad_queries) {
        Ids got = {};
        uint64_t n;

        ck_assert_int_eq(store_events_query(store, &(EventQuery) { .container_prefix = "a*" }, collect, &got), -EINVAL);
        ck_assert_int_eq(store_events_query(store, &(EventQuery) { .container_prefix = "" }, collect, &got), -EINVAL);
        ck_assert_int_eq(store_events_query(store, &(EventQuery) { .container_prefix = "../x" }, collect, &got), -EINVAL);
        ck_assert_int_eq(store_events_count(store, &(EventQuery) { .by_action = true, .action = 99 }, &n), -EINVAL);
        ck_assert_uint_eq(got.n, 0);
}
END_TEST

typedef struct Latest {
        size_t n;
        size_t with_event;
        bool all_exited_known;
} Latest;

static int latest_cb(const StoreContainer *c, const Event *latest, void *userdata) {
        Latest *l = userdata;
        int64_t newest = 0;

        l->n++;
        if (!latest)
                return 0;
        l->with_event++;
        /* the latest event is the newest of that incarnation */
        for (size_t i = 0; i < N_EVENTS; i++)
                if (streq(rows[i].id_text, c->container_id) && rows[i].id > newest)
                        newest = rows[i].id;
        ck_assert_int_eq(latest->id, newest);
        ck_assert_str_eq(latest->container_id, c->container_id);
        return 0;
}

START_TEST(test_containers_and_prune) {
        Latest l = {};
        uint64_t events = 0, containers = 0, left = 0, before = 0;
        const Row *last = &rows[N_EVENTS - 1];

        ck_assert_int_eq(store_containers_query(store, &(ContainerQuery) { .all = true }, latest_cb, &l), 0);
        ck_assert_uint_eq(l.n, 40);
        ck_assert_uint_eq(l.with_event, 40);

        l = (Latest) {};
        ck_assert_int_eq(store_containers_query(store, &(ContainerQuery) { .id_prefix = "03" }, latest_cb, &l), 0);
        ck_assert_uint_eq(l.n, 10);

        /* every container but the last event's exits */
        for (size_t i = 0; i < N_EVENTS; i++)
                if (!streq(rows[i].id_text, last->id_text))
                        (void) store_container_exited(store, RUNTIME_CONTAINERD, "k8s.io", rows[i].id_text,
                                                      1000 + (uint64_t) strtoul(rows[i].id_text + 4, NULL, 16), "",
                                                      T0 + 1000LL * 3600 * 1000000);
        l = (Latest) {};
        ck_assert_int_eq(store_containers_query(store, &(ContainerQuery) {}, latest_cb, &l), 0);
        ck_assert_uint_eq(l.n, 1);

        /* a dry run counts, and deletes nothing */
        ck_assert_int_eq(store_events_count(store, NULL, &before), 0);
        ck_assert_int_eq(store_prune(store, T0 + 1000LL * 3600 * 1000000, true, &events, &containers), 0);
        ck_assert_uint_eq(events, N_EVENTS - 1); /* the live container keeps its latest */
        ck_assert_uint_eq(containers, 39);
        ck_assert_int_eq(store_events_count(store, NULL, &left), 0);
        ck_assert_uint_eq(left, before);

        ck_assert_int_eq(store_prune(store, T0 + 1000LL * 3600 * 1000000, false, &events, &containers), 0);
        ck_assert_uint_eq(events, N_EVENTS - 1);
        ck_assert_uint_eq(containers, 39);
        ck_assert_int_eq(store_events_count(store, NULL, &left), 0);
        ck_assert_uint_eq(left, 1);
        l = (Latest) {};
        ck_assert_int_eq(store_containers_query(store, &(ContainerQuery) { .all = true }, latest_cb, &l), 0);
        ck_assert_uint_eq(l.n, 1);
        ck_assert_uint_eq(l.with_event, 1);
}
END_TEST

START_TEST(test_daemon_record) {
        char *roots[] = { (char *) "containerd:/run/containerd/runc", (char *) "runc:/run/runc", NULL };
        StoreDaemon d = {
                .pid = 1234, .pid_start = 99, .started_usec = T0, .version = (char *) "0.1.0",
                .roots = roots, .dry_run = true, .retention_usec = 30ULL * 86400 * 1000000,
        };
        _cleanup_(store_daemon_done) StoreDaemon got = {};

        ck_assert_int_eq(store_daemon_get(store, &got), -ENOENT);
        ck_assert_int_eq(store_daemon_started(store, &d), 0);
        ck_assert_int_eq(store_daemon_pruned(store, 1234, T0 + 5), 0);
        ck_assert_int_eq(store_daemon_stopped(store, 4321, T0 + 9), -ENOENT); /* not that daemon's */
        ck_assert_int_eq(store_daemon_get(store, &got), 0);
        ck_assert_int_eq(got.pid, 1234);
        ck_assert_uint_eq(got.pid_start, 99);
        ck_assert_int_eq(got.started_usec, T0);
        ck_assert_int_eq(got.last_prune_usec, T0 + 5);
        ck_assert_int_eq(got.stopped_usec, 0);
        ck_assert_str_eq(got.version, "0.1.0");
        ck_assert_str_eq(got.roots[0], roots[0]);
        ck_assert_str_eq(got.roots[1], roots[1]);
        ck_assert_ptr_null(got.roots[2]);
        ck_assert(got.dry_run);
        ck_assert_uint_eq(got.retention_usec, d.retention_usec);
}
END_TEST

int main(void) {
        Suite *s = suite_create("store-query");
        TCase *tc = tcase_create("query");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 120);
        tcase_add_test(tc, test_each_filter_alone);
        tcase_add_test(tc, test_filters_combined);
        tcase_add_test(tc, test_bad_queries);
        tcase_add_test(tc, test_containers_and_prune);
        tcase_add_test(tc, test_daemon_record);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
