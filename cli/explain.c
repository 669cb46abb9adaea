/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* capctl explain: everything the store knows of one container, and its latest verdict replayed
 * against the policy version that took it: which rule decided, why the rules before it did not
 * fit, and what each capability in excess allows and which YAML would allow it. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "explain.h"
#include "capguard/cap-info.h"
#include "capguard/cap-json.h"
#include "capguard/event.h"
#include "capguard/policy.h"
#include "capguard/store.h"


/* The columns of the capability table, left to right. */
const CapSet table_sets[_CAP_SET_MAX] = {
        CAP_SET_EFFECTIVE, CAP_SET_PERMITTED, CAP_SET_BOUNDING, CAP_SET_INHERITABLE, CAP_SET_AMBIENT,
};
const char *const table_headings[_CAP_SET_MAX] = { "EFF", "PRM", "BND", "INH", "AMB" };
/* Sets named in a sentence: widest first, as the verdicts' reasons name them. */
const CapSet report_order[_CAP_SET_MAX] = {
        CAP_SET_BOUNDING, CAP_SET_PERMITTED, CAP_SET_EFFECTIVE, CAP_SET_INHERITABLE, CAP_SET_AMBIENT,
};
const char *const rule_outcome_names[_RULE_OUTCOME_MAX] = {
        [RULE_JUDGED] = "judged",
        [RULE_NO_MATCH] = "no-match",
        [RULE_NOT_REACHED] = "not-reached",
};

static void help(void) {
        printf("Usage: capctl explain [--json] ID-PREFIX\n"
               "\n"
               "Everything capguard recorded about one container, chosen by the start of its id: its\n"
               "names, the capability sets its runtime declared next to those it holds, which rule\n"
               "judged it and why each rule before did not fit, what each capability in excess allows\n"
               "and the YAML that would allow it, and its history.\n"
               "\n"
               "  --json     one object, one line\n"
               "  -h --help  show this help\n"
               "\n"
               "Exit status: 0 if one container has that prefix, 1 if none has it, 2 if several have\n"
               "it (they are listed) or on error.\n");
}

/* ---- copies: the store's rows are valid during its callbacks only ---- */

static int strdup_or_null(const char *s, char **ret) {
        if (!s) {
                *ret = NULL;
                return 0;
        }
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

static int container_copy(const StoreContainer *src, StoreContainer *ret) {
        _cleanup_(store_container_done) StoreContainer c = *src;

        c.runtime_namespace = c.container_id = c.k8s_namespace = c.pod = c.container = c.image = NULL;
        if (strdup_or_null(src->runtime_namespace, &c.runtime_namespace) < 0 ||
            strdup_or_null(src->container_id, &c.container_id) < 0 ||
            strdup_or_null(src->k8s_namespace, &c.k8s_namespace) < 0 || strdup_or_null(src->pod, &c.pod) < 0 ||
            strdup_or_null(src->container, &c.container) < 0 || strdup_or_null(src->image, &c.image) < 0)
                return -ENOMEM;
        *ret = c;
        c = (StoreContainer) {};
        return 0;
}

static int event_copy(const Event *src, Event *ret) {
        _cleanup_(event_done) Event e = *src;
        size_t n = 0;

        e.container_id = e.runtime_namespace = e.k8s_namespace = e.pod = e.container = e.image = NULL;
        e.rule = e.action_detail = NULL;
        e.reasons = NULL;
        if (strdup_or_null(src->container_id, &e.container_id) < 0 ||
            strdup_or_null(src->runtime_namespace, &e.runtime_namespace) < 0 ||
            strdup_or_null(src->k8s_namespace, &e.k8s_namespace) < 0 || strdup_or_null(src->pod, &e.pod) < 0 ||
            strdup_or_null(src->container, &e.container) < 0 || strdup_or_null(src->image, &e.image) < 0 ||
            strdup_or_null(src->rule, &e.rule) < 0 || strdup_or_null(src->action_detail, &e.action_detail) < 0)
                return -ENOMEM;
        if (src->reasons) {
                while (src->reasons[n])
                        n++;
                e.reasons = calloc(n + 1, sizeof *e.reasons);
                if (!e.reasons)
                        return -ENOMEM;
                for (size_t i = 0; i < n; i++)
                        if (strdup_or_null(src->reasons[i], &e.reasons[i]) < 0)
                                return -ENOMEM;
        }
        *ret = e;
        e = (Event) {};
        return 0;
}

/* Room for one more of n items of size in *array, doubling. */
static int grow(void *array, size_t n, size_t *allocated, size_t size) {
        void *p;
        size_t want;

        if (n < *allocated)
                return 0;
        want = *allocated ? *allocated * 2 : 16;
        p = reallocarray(*(void **) array, want, size);
        if (!p)
                return -ENOMEM;
        *(void **) array = p;
        *allocated = want;
        return 0;
}

static void incarnations_done(Incarnations *inc) {
        for (size_t i = 0; i < inc->n; i++)
                store_container_done(&inc->rows[i]);
        free(inc->rows);
        *inc = (Incarnations) {};
}

static int collect_incarnation(const StoreContainer *c, const Event *latest, void *userdata) {
        Incarnations *inc = userdata;
        int r;

        r = grow(&inc->rows, inc->n, &inc->allocated, sizeof *inc->rows);
        if (r < 0)
                return r;
        r = container_copy(c, &inc->rows[inc->n]);
        if (r < 0)
                return r;
        inc->n++;
        return 0;
}

static int collect_event(const Event *e, void *userdata) {
        History *h = userdata;
        int r;

        /* The prefix query also selects the ids that go on after this one. */
        if (!e->container_id || !streq(e->container_id, h->id))
                return 0;
        r = grow(&h->events, h->n, &h->allocated, sizeof *h->events);
        if (r < 0)
                return r;
        r = event_copy(e, &h->events[h->n]);
        if (r < 0)
                return r;
        h->n++;
        return 0;
}

static void explained_done(Explained *x) {
        for (size_t i = 0; i < x->history.n; i++)
                event_done(&x->history.events[i]);
        free(x->history.events);
        store_policy_done(&x->stored);
        policy_free(x->policy);
        free(x->policy_problem);
        free(x->rules);
        *x = (Explained) {};
}

/* ---- which container ---- */

static int compare_incarnations(const void *a, const void *b, void *userdata) {
        const StoreContainer *rows = userdata;
        size_t i = *(const size_t *) a, j = *(const size_t *) b;
        int c = strcmp(rows[i].container_id, rows[j].container_id);

        if (c != 0)
                return c;
        return i < j ? -1 : i > j;
}

/* The ids among inc, each once and in order, with the latest (last seen) incarnation of each. */
static int group_ids(const Incarnations *inc, IdGroup **ret, size_t *ret_n) {
        _cleanup_free_ size_t *order = NULL;
        _cleanup_free_ IdGroup *groups = NULL;
        size_t n = 0;

        order = calloc(inc->n ?: 1, sizeof *order);
        groups = calloc(inc->n ?: 1, sizeof *groups);
        if (!order || !groups)
                return -ENOMEM;
        for (size_t i = 0; i < inc->n; i++)
                order[i] = i;
        qsort_r(order, inc->n, sizeof *order, compare_incarnations, inc->rows);

        for (size_t i = 0; i < inc->n; i++) {
                if (i > 0 && streq(inc->rows[order[i]].container_id, inc->rows[order[i - 1]].container_id)) {
                        groups[n - 1].latest = order[i]; /* sorted by first seen within the id */
                        groups[n - 1].count++;
                        continue;
                }
                groups[n++] = (IdGroup) { .latest = order[i], .count = 1 };
        }

        *ret = TAKE_PTR(groups);
        *ret_n = n;
        return 0;
}

/* "namespace/pod/container" for a Kubernetes container, its name alone for others, printable. */
const char *format_names(const char *k8s_namespace, const char *pod, const char *container, char *buf,
                                size_t size) {
        char tmp[TEXT_MAX];

        if (k8s_namespace || pod)
                (void) snprintf(tmp, sizeof tmp, "%s/%s/%s", k8s_namespace ?: "-", pod ?: "-", container ?: "-");
        else
                (void) snprintf(tmp, sizeof tmp, "%s", container ?: "-");
        return cli_printable(tmp, buf, size);
}

static int print_candidates(const char *prefix, const Incarnations *inc, const IdGroup *groups, size_t n) {
        char p[256];

        cli_error(VERB, "'%s' fits %zu containers:", cli_printable(prefix, p, sizeof p), n);
        for (size_t i = 0; i < n; i++) {
                const StoreContainer *c = &inc->rows[groups[i].latest];
                char id[256], names[TEXT_MAX], when[EVENT_TIME_MAX];

                fprintf(stderr, "  %s  %s  first seen %s\n", cli_printable(c->container_id, id, sizeof id),
                        format_names(c->k8s_namespace, c->pod, c->container, names, sizeof names),
                        event_format_time(c->first_seen_usec, when));
        }
        return CAPCTL_EXIT_ERROR;
}

/* ---- the replay ---- */

static void facts_from_event(const Event *e, ContainerFacts *ret) {
        *ret = (ContainerFacts) {
                .id = e->container_id,
                .runtime = runtime_to_string(e->runtime),
                .runtime_namespace = e->runtime_namespace,
                .k8s_namespace = e->k8s_namespace,
                .pod = e->pod,
                .container = e->container,
                .image = e->image,
                .sandbox = e->sandbox,
                .caps = e->caps,
                .uid = e->uid,
                .no_new_privs = e->no_new_privs,
                .seccomp = e->seccomp,
        };
}

_printf_(2, 3)
static int set_problem(Explained *x, const char *format, ...) {
        va_list ap;
        int n;

        va_start(ap, format);
        n = vasprintf(&x->policy_problem, format, ap);
        va_end(ap);
        if (n < 0) {
                x->policy_problem = NULL;
                return -ENOMEM;
        }
        return 0;
}

/* The policy version that took the latest verdict, parsed; or, in x->policy_problem, why there
 * is none to replay. Fails only when the store cannot be read. */
static int load_policy(Store *s, Explained *x) {
        const Event *e = x->latest;
        PolicyError error = {};
        int r;

        if (!e)
                return set_problem(x, "no verdict is recorded");
        if (e->policy_version == 0)
                return set_problem(x, "no policy was active when it was judged");

        r = store_policy_get(s, e->policy_version, &x->stored);
        if (r == -ENOENT)
                return set_problem(x, "policy version %u is no longer in the database", e->policy_version);
        if (r < 0)
                return r;
        if (!x->stored.yaml)
                return set_problem(x, "policy version %u has no text in the database", e->policy_version);

        r = policy_parse(x->stored.yaml, strlen(x->stored.yaml), &x->policy, &error);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                _cleanup_free_ char *message = NULL;

                x->policy = NULL;
                if (policy_error_format(NULL, &error, &message) < 0)
                        return -ENOMEM;
                return set_problem(x, "policy version %u does not parse: %s", e->policy_version, message);
        }
        return 0;
}

/* Each rule's part: the one the verdict names decided, those before it did not fit (and why, as
 * far as what is recorded tells), those after were not reached. */
static int judge_rules(Explained *x) {
        const Policy *p = x->policy;
        const Event *e = x->latest;
        size_t judged = SIZE_MAX;

        if (!p)
                return 0;
        x->rules = calloc(p->n_rules ?: 1, sizeof *x->rules);
        if (!x->rules)
                return -ENOMEM;

        for (size_t i = 0; e->rule && i < p->n_rules; i++)
                if (streq(p->rules[i].name, e->rule)) {
                        judged = i;
                        x->judged = &p->rules[i];
                        break;
                }

        for (size_t i = 0; i < p->n_rules; i++) {
                RuleReport *rr = &x->rules[i];

                rr->mismatch = _MATCH_KEY_INVALID;
                if (e->verdict == EVENT_VERDICT_UNKNOWN || (judged != SIZE_MAX && i > judged))
                        rr->outcome = RULE_NOT_REACHED;
                else if (i == judged)
                        rr->outcome = RULE_JUDGED;
                else {
                        rr->outcome = RULE_NO_MATCH;
                        rr->mismatch = policy_rule_mismatch(&p->rules[i], &x->facts);
                }
        }
        return 0;
}

bool cap_known(unsigned cap) {
        return cap <= capability_last();
}

/* "[CAP_A, CAP_B]", or "[ALL]" for every capability the kernel knows. */
static int write_caps(FILE *f, uint64_t mask) {
        _cleanup_free_ char *names = NULL;
        uint64_t all = capability_mask_all();

        if ((mask & all) == all)
                return fputs("[ALL]", f) < 0 ? -EIO : 0;
        names = capability_mask_to_names(mask, ", ");
        if (!names)
                return -ENOMEM;
        return fprintf(f, "[%s]", names) < 0 ? -EIO : 0;
}

/* Whether rule r grants cap through its profile or allow list, whatever its deny list says. */
bool rule_grants(const PolicyRule *r, unsigned cap) {
        return r && r->has_capabilities && ((r->profile_mask | r->allow_caps) & cap_bit(cap));
}

/* The "capabilities:" block of rule r (NULL: unknown) as it would read with cap allowed, indented
 * as a rule's keys are in the shipped policies: what to paste over the rule's own block. cap goes
 * into allow unless the profile or allow grants it already, and out of deny. */
char *allow_yaml(const PolicyRule *r, unsigned cap) {
        _cleanup_free_ char *buf = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        bool caps = r && r->has_capabilities;
        uint64_t allow = (caps ? r->allow_caps : 0) | (rule_grants(r, cap) ? 0 : cap_bit(cap)),
                 deny = caps ? r->deny_caps & ~cap_bit(cap) : 0;
        size_t size = 0;

        f = open_memstream(&buf, &size);
        if (!f)
                return NULL;
        fputs("    capabilities:\n", f);
        if (caps)
                fprintf(f, "      profile: %s\n", r->profile);
        if (allow != 0) {
                fputs("      allow: ", f);
                if (write_caps(f, allow) < 0)
                        return NULL;
                fputc('\n', f);
        }
        if (deny != 0) {
                fputs("      deny: ", f);
                if (write_caps(f, deny) < 0)
                        return NULL;
                fputc('\n', f);
        }
        if (caps && r->sets != POLICY_SETS_DEFAULT) {
                const char *sep = "";

                fputs("      sets: [", f);
                for (size_t i = 0; i < ELEMENTSOF(report_order); i++)
                        if (r->sets & (1u << report_order[i])) {
                                fprintf(f, "%s%s", sep, capset_to_string(report_order[i]));
                                sep = ", ";
                        }
                fputs("]\n", f);
        }
        if (fclose(TAKE_PTR(f)) != 0)
                return NULL;
        /* no newline after the last line */
        if (size > 0 && buf[size - 1] == '\n')
                buf[size - 1] = '\0';
        return TAKE_PTR(buf);
}

/* The sets in which latest holds cap beyond its rule: "bounding, permitted". */
void excess_sets(const Event *e, unsigned cap, char *buf, size_t size) {
        size_t len = 0;

        buf[0] = '\0';
        for (size_t i = 0; i < ELEMENTSOF(report_order); i++)
                if (e->excess[report_order[i]] & cap_bit(cap))
                        len += (size_t) snprintf(buf + len, len < size ? size - len : 0, "%s%s", len > 0 ? ", " : "",
                                                 capset_to_string(report_order[i]));
}

/* "[team-*, prod]" */
const char *format_globs(char *const *globs, char *buf, size_t size) {
        char tmp[TEXT_MAX];
        size_t len = 0;

        len += (size_t) snprintf(tmp, sizeof tmp, "[");
        for (char *const *g = globs; g && *g; g++)
                len += (size_t) snprintf(tmp + len, len < sizeof tmp ? sizeof tmp - len : 0, "%s%s",
                                         g == globs ? "" : ", ", *g);
        if (len + 1 < sizeof tmp)
                strcpy(tmp + len, "]");
        return cli_printable(tmp, buf, size);
}

/* ---- the verb ---- */

static int explain(Store *s, const StoreContainer *c, size_t incarnations, bool json) {
        _cleanup_(explained_done) Explained x = {
                .container = c,
                .incarnations = incarnations,
                .history.id = c->container_id,
        };
        EventQuery q = { .container_prefix = c->container_id };
        int r;

        r = store_events_query(s, &q, collect_event, &x.history);
        if (r < 0)
                return cli_error(VERB, "cannot read %s: %s", cli_db_path(), r == -EIO ? store_errmsg(s) : strerror(-r));
        if (x.history.n > 0) {
                x.latest = &x.history.events[x.history.n - 1];
                x.actual_known = x.latest->verdict != EVENT_VERDICT_UNKNOWN;
                facts_from_event(x.latest, &x.facts);
        }

        r = load_policy(s, &x);
        if (r == -ENOMEM)
                return cli_error(VERB, "out of memory");
        if (r < 0)
                return cli_error(VERB, "cannot read policy version %u from %s: %s", x.latest->policy_version,
                                 cli_db_path(), r == -EIO ? store_errmsg(s) : strerror(-r));
        if (judge_rules(&x) < 0)
                return cli_error(VERB, "out of memory");

        r = json ? explain_print_json(&x) : explain_print_text(&x);
        if (r < 0)
                return cli_error(VERB, "failed to print: %s", strerror(-r));
        if (fflush(stdout) != 0)
                return cli_error(VERB, "failed to write output: %m");
        return CAPCTL_EXIT_OK;
}

int verb_explain(int argc, char *argv[]) {
        enum { ARG_JSON = 0x100 };
        static const struct option options[] = {
                { "json", no_argument, NULL, ARG_JSON },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        _cleanup_(incarnations_done) Incarnations inc = {};
        _cleanup_free_ IdGroup *groups = NULL;
        _cleanup_store_ Store *s = NULL;
        const IdGroup *chosen = NULL;
        const char *prefix;
        bool json = false;
        char p[256];
        size_t n = 0;
        int c, r;

        while ((c = cli_getopt(VERB, argc, argv, "h", options)) >= 0)
                switch (c) {
                case ARG_JSON:
                        json = true;
                        break;
                case 'h':
                        help();
                        return CAPCTL_EXIT_OK;
                default:
                        return CAPCTL_EXIT_ERROR;
                }
        if (optind >= argc)
                return cli_error(VERB, "no container id prefix given");
        if (argc - optind > 1)
                return cli_error(VERB, "unexpected argument '%s'", cli_printable(argv[optind + 1], p, sizeof p));
        prefix = argv[optind];
        if (event_query_check(&(EventQuery) { .container_prefix = prefix }) < 0)
                return cli_error(VERB, "invalid container id prefix '%s': expected the start of a container id",
                                 cli_printable(prefix, p, sizeof p));

        if (cli_open_store(VERB, STORE_READ_ONLY, &s) < 0)
                return CAPCTL_EXIT_ERROR;

        r = store_containers_query(s, &(ContainerQuery) { .all = true, .id_prefix = prefix }, collect_incarnation,
                                   &inc);
        if (r < 0)
                return cli_error(VERB, "cannot read %s: %s", cli_db_path(), r == -EIO ? store_errmsg(s) : strerror(-r));
        if (inc.n == 0) {
                fprintf(stderr, "capctl " VERB ": no container has an id starting with '%s'\n",
                        cli_printable(prefix, p, sizeof p));
                return CAPCTL_EXIT_NO;
        }

        if (group_ids(&inc, &groups, &n) < 0)
                return cli_error(VERB, "out of memory");
        /* A whole id is that container, even where longer ids start with it. */
        for (size_t i = 0; i < n; i++)
                if (n == 1 || streq(inc.rows[groups[i].latest].container_id, prefix)) {
                        chosen = &groups[i];
                        break;
                }
        if (!chosen)
                return print_candidates(prefix, &inc, groups, n);

        return explain(s, &inc.rows[chosen->latest], chosen->count, json);
}
