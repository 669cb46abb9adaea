/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* capctl explain: everything the store knows of one container, and its latest verdict replayed
 * against the policy version that took it: which rule decided, why the rules before it did not
 * fit, and what each capability in excess allows and which YAML would allow it. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "capctl.h"
#include "capguard/cap-info.h"
#include "capguard/cap-json.h"
#include "capguard/event.h"
#include "capguard/policy.h"
#include "capguard/store.h"

#define VERB "explain"

/* What cli_printable() copies of one string: more than any field the store keeps. */
#define TEXT_MAX 4096

/* The columns of the capability table, left to right. */
static const CapSet table_sets[] = {
        CAP_SET_EFFECTIVE, CAP_SET_PERMITTED, CAP_SET_BOUNDING, CAP_SET_INHERITABLE, CAP_SET_AMBIENT,
};
static const char *const table_headings[ELEMENTSOF(table_sets)] = { "EFF", "PRM", "BND", "INH", "AMB" };

/* Sets named in a sentence: widest first, as the verdicts' reasons name them. */
static const CapSet report_order[] = {
        CAP_SET_BOUNDING, CAP_SET_PERMITTED, CAP_SET_EFFECTIVE, CAP_SET_INHERITABLE, CAP_SET_AMBIENT,
};

typedef enum RuleOutcome {
        RULE_JUDGED,      /* the rule that decided */
        RULE_NO_MATCH,    /* tried before it, did not fit */
        RULE_NOT_REACHED, /* after it, or nothing was judged */
        _RULE_OUTCOME_MAX,
} RuleOutcome;

static const char *const rule_outcome_names[_RULE_OUTCOME_MAX] = {
        [RULE_JUDGED] = "judged",
        [RULE_NO_MATCH] = "no-match",
        [RULE_NOT_REACHED] = "not-reached",
};

typedef struct RuleReport {
        RuleOutcome outcome;
        PolicyMatchKey mismatch; /* the key that did not fit; _MATCH_KEY_INVALID if none does not */
} RuleReport;

/* Every incarnation of every container the prefix selects, oldest first. */
typedef struct Incarnations {
        StoreContainer *rows;
        size_t n, allocated;
} Incarnations;

/* One container id: its latest incarnation (index into Incarnations.rows) and how many. */
typedef struct IdGroup {
        size_t latest;
        size_t count;
} IdGroup;

typedef struct History {
        const char *id;
        Event *events; /* oldest first */
        size_t n, allocated;
} History;

typedef struct Explained {
        const StoreContainer *container; /* the latest incarnation */
        size_t incarnations;
        History history;
        const Event *latest;      /* the newest event, NULL if none is left */
        bool actual_known;        /* latest holds the sets the kernel reported */
        StorePolicy stored;
        Policy *policy;           /* the version that judged latest, NULL if there is none to replay */
        char *policy_problem;     /* why not, NULL if there is */
        ContainerFacts facts;
        RuleReport *rules;        /* one per rule of policy */
        const PolicyRule *judged; /* latest's rule in policy, NULL if it has none or policy lacks it */
} Explained;

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
static const char *format_names(const char *k8s_namespace, const char *pod, const char *container, char *buf,
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

static bool cap_known(unsigned cap) {
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
static bool rule_grants(const PolicyRule *r, unsigned cap) {
        return r && r->has_capabilities && ((r->profile_mask | r->allow_caps) & cap_bit(cap));
}

/* The "capabilities:" block of rule r (NULL: unknown) as it would read with cap allowed, indented
 * as a rule's keys are in the shipped policies: what to paste over the rule's own block. cap goes
 * into allow unless the profile or allow grants it already, and out of deny. */
static char *allow_yaml(const PolicyRule *r, unsigned cap) {
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
static void excess_sets(const Event *e, unsigned cap, char *buf, size_t size) {
        size_t len = 0;

        buf[0] = '\0';
        for (size_t i = 0; i < ELEMENTSOF(report_order); i++)
                if (e->excess[report_order[i]] & cap_bit(cap))
                        len += (size_t) snprintf(buf + len, len < size ? size - len : 0, "%s%s", len > 0 ? ", " : "",
                                                 capset_to_string(report_order[i]));
}

/* "[team-*, prod]" */
static const char *format_globs(char *const *globs, char *buf, size_t size) {
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

/* ---- JSON ---- */

static json_object *sets_to_json(const CapSets *sets) {
        _cleanup_json_ json_object *o = json_object_new_object();

        if (!o)
                return NULL;
        for (CapSet s = 0; s < _CAP_SET_MAX; s++)
                if (json_add(o, capset_json_key(s), capability_mask_to_json(sets->mask[s])) < 0)
                        return NULL;
        return TAKE_PTR(o);
}

static json_object *container_to_json(const Explained *x) {
        _cleanup_json_ json_object *o = json_object_new_object();
        const StoreContainer *c = x->container;
        char first[EVENT_TIME_MAX], exited[EVENT_TIME_MAX];

        if (!o)
                return NULL;
        if (json_add_string_or_null(o, "container_id", c->container_id) < 0 ||
            json_add_string_or_null(o, "runtime", runtime_to_string(c->runtime)) < 0 ||
            json_add_string_or_null(o, "runtime_namespace", c->runtime_namespace) < 0 ||
            json_add_string_or_null(o, "k8s_namespace", c->k8s_namespace) < 0 ||
            json_add_string_or_null(o, "pod", c->pod) < 0 ||
            json_add_string_or_null(o, "container", c->container) < 0 ||
            json_add_string_or_null(o, "image", c->image) < 0 ||
            json_add(o, "sandbox", json_object_new_boolean(c->sandbox)) < 0 ||
            json_add(o, "pid", json_object_new_int64(c->pid)) < 0 ||
            json_add(o, "first_seen", json_object_new_string(event_format_time(c->first_seen_usec, first))) < 0 ||
            json_add_string_or_null(o, "exited",
                                    c->exited_usec ? event_format_time(c->exited_usec, exited) : NULL) < 0 ||
            json_add(o, "incarnations", json_object_new_uint64(x->incarnations)) < 0)
                return NULL;
        return TAKE_PTR(o);
}

/* The verdict's keys of the latest event's object in "events", as `capctl events --json` has them. */
static json_object *verdict_to_json(json_object *event) {
        static const char *const keys[] = {
                "time", "verdict", "rule", "policy_version", "action", "action_detail", "reasons",
        };
        _cleanup_json_ json_object *o = json_object_new_object();

        if (!o)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                json_object *v = NULL;

                (void) json_object_object_get_ex(event, keys[i], &v);
                if ((v ? json_add(o, keys[i], json_object_get(v)) : json_add_null(o, keys[i])) < 0)
                        return NULL;
        }
        return TAKE_PTR(o);
}

static json_object *mismatch_to_json(const PolicyRule *r, PolicyMatchKey k, const ContainerFacts *f) {
        _cleanup_json_ json_object *o = json_object_new_object(), *patterns = json_object_new_array();

        if (!o || !patterns)
                return NULL;
        for (char *const *g = r->match[k]; g && *g; g++)
                if (json_object_array_add(patterns, json_object_new_string(*g)) < 0)
                        return NULL;
        if (json_add(o, "key", json_object_new_string(policy_match_key_to_string(k))) < 0 ||
            json_add_string_or_null(o, "value", container_facts_get(f, k)) < 0 ||
            json_add(o, "patterns", TAKE_PTR(patterns)) < 0)
                return NULL;
        return TAKE_PTR(o);
}

static json_object *rules_to_json(const Explained *x) {
        _cleanup_json_ json_object *a = json_object_new_array();

        if (!a)
                return NULL;
        for (size_t i = 0; i < x->policy->n_rules; i++) {
                const PolicyRule *r = &x->policy->rules[i];
                const RuleReport *rr = &x->rules[i];
                _cleanup_json_ json_object *o = json_object_new_object();

                if (!o ||
                    json_add(o, "name", json_object_new_string(r->name)) < 0 ||
                    json_add(o, "line", json_object_new_uint64(r->line)) < 0 ||
                    json_add(o, "outcome", json_object_new_string(rule_outcome_names[rr->outcome])) < 0 ||
                    (rr->mismatch >= 0 ? json_add(o, "mismatch", mismatch_to_json(r, rr->mismatch, &x->facts))
                                       : json_add_null(o, "mismatch")) < 0 ||
                    json_object_array_add(a, o) < 0)
                        return NULL;
                o = NULL; /* the array has it */
        }
        return TAKE_PTR(a);
}

static json_object *excess_to_json(const Explained *x) {
        _cleanup_json_ json_object *a = json_object_new_array();
        uint64_t excess = x->latest ? event_excess_any(x->latest) : 0;

        if (!a)
                return NULL;
        CAP_FOREACH(cap, excess) {
                _cleanup_json_ json_object *o = json_object_new_object(), *sets = json_object_new_array();
                _cleanup_free_ char *yaml = NULL;

                if (!o || !sets)
                        return NULL;
                for (size_t i = 0; i < ELEMENTSOF(report_order); i++)
                        if ((x->latest->excess[report_order[i]] & cap_bit(cap)) &&
                            json_object_array_add(sets, json_object_new_string(capset_to_string(report_order[i]))) < 0)
                                return NULL;
                if (cap_known(cap)) {
                        yaml = allow_yaml(x->judged, cap);
                        if (!yaml)
                                return NULL;
                }
                if (json_add(o, "capability", json_object_new_string(capability_to_name(cap))) < 0 ||
                    json_add_string_or_null(o, "description", capability_describe(cap)) < 0 ||
                    json_add(o, "sets", TAKE_PTR(sets)) < 0 ||
                    json_add_string_or_null(o, "allow_yaml", yaml) < 0 ||
                    json_object_array_add(a, o) < 0)
                        return NULL;
                o = NULL;
        }
        return TAKE_PTR(a);
}

static int print_json(const Explained *x) {
        _cleanup_json_ json_object *o = json_object_new_object(), *events = json_object_new_array();
        const Event *e = x->latest;

        if (!o || !events)
                return -ENOMEM;
        for (size_t i = 0; i < x->history.n; i++) {
                json_object *ev = event_to_json(&x->history.events[i]);

                if (!ev || json_object_array_add(events, ev) < 0) {
                        json_object_put(ev);
                        return -ENOMEM;
                }
        }

        if (json_add(o, "container", container_to_json(x)) < 0)
                return -ENOMEM;
        /* The config's sets are the incarnation's: the latest event carries them. */
        if (e ? !e->has_declared : !x->container->has_declared) {
                if (json_add_null(o, "declared") < 0)
                        return -ENOMEM;
        } else if (json_add(o, "declared", sets_to_json(e ? &e->declared : &x->container->declared)) < 0)
                return -ENOMEM;
        if ((x->actual_known ? json_add(o, "actual", sets_to_json(&e->caps)) : json_add_null(o, "actual")) < 0 ||
            (e ? json_add(o, "verdict",
                          verdict_to_json(json_object_array_get_idx(events, json_object_array_length(events) - 1)))
               : json_add_null(o, "verdict")) < 0 ||
            json_add_string_or_null(o, "policy_error", x->policy_problem) < 0 ||
            (x->policy ? json_add(o, "rules", rules_to_json(x)) : json_add_null(o, "rules")) < 0 ||
            json_add(o, "excess", excess_to_json(x)) < 0 ||
            json_add(o, "events", TAKE_PTR(events)) < 0)
                return -ENOMEM;

        return json_print_line(stdout, o);
}

/* ---- text ---- */

static void print_field(const char *label, const char *value) {
        char buf[TEXT_MAX], l[32];

        (void) snprintf(l, sizeof l, "%s:", label);
        printf("  %-14s%s\n", l, cli_printable(value ?: "-", buf, sizeof buf));
}

static void print_header(const Explained *x) {
        const StoreContainer *c = x->container;
        const Event *e = x->latest;
        char buf[TEXT_MAX], tmp[TEXT_MAX], when[EVENT_TIME_MAX];

        printf("Container %s\n", cli_printable(c->container_id, buf, sizeof buf));
        if (c->runtime_namespace)
                (void) snprintf(tmp, sizeof tmp, "%s, namespace %s", runtime_to_string(c->runtime) ?: "unknown",
                                c->runtime_namespace);
        else
                (void) snprintf(tmp, sizeof tmp, "%s", runtime_to_string(c->runtime) ?: "unknown");
        print_field("runtime", tmp);
        if (c->k8s_namespace || c->pod)
                print_field("kubernetes", format_names(c->k8s_namespace, c->pod, c->container, buf, sizeof buf));
        else
                print_field("name", c->container);
        print_field("image", c->image);
        print_field("sandbox", c->sandbox ? "yes" : "no");
        (void) snprintf(tmp, sizeof tmp, "%d", (int) c->pid);
        print_field("pid", tmp);
        if (x->actual_known) {
                (void) snprintf(tmp, sizeof tmp, "%u", (unsigned) e->uid);
                print_field("uid", tmp);
                print_field("no_new_privs", e->no_new_privs < 0 ? "unknown" : e->no_new_privs ? "yes" : "no");
                (void) snprintf(tmp, sizeof tmp, "%d (%s)", e->seccomp,
                                e->seccomp == 0 ? "disabled" : e->seccomp == 1 ? "strict" : "filter");
                print_field("seccomp", e->seccomp < 0 ? "unknown" : tmp);
        }
        print_field("first seen", event_format_time(c->first_seen_usec, when));
        print_field("exited", c->exited_usec ? event_format_time(c->exited_usec, when) : "live");
        if (x->incarnations > 1) {
                (void) snprintf(tmp, sizeof tmp, "%zu, the latest shown", x->incarnations);
                print_field("incarnations", tmp);
        }
}

static void print_capabilities(const Explained *x, bool color) {
        const Event *e = x->latest;
        bool has_declared = e ? e->has_declared : x->container->has_declared;
        const CapSets *declared = e ? &e->declared : &x->container->declared;
        uint64_t any = 0, excess = e ? event_excess_any(e) : 0;
        char rule[256];

        for (CapSet s = 0; s < _CAP_SET_MAX; s++)
                any |= (has_declared ? declared->mask[s] : 0) | (x->actual_known ? e->caps.mask[s] : 0);

        printf("\nCapabilities, declared/actual (y held, - not, ? unknown)");
        if (excess != 0)
                printf("; * beyond what rule '%s' allows",
                       cli_printable(e->rule ?: "-", rule, sizeof rule));
        printf(":\n");
        if (!has_declared)
                printf("  declared: unknown (the OCI config could not be read)\n");
        if (!x->actual_known)
                printf("  actual: unknown (%s)\n", e ? "the facts could not be read" : "no verdict is recorded");
        if (!has_declared && !x->actual_known)
                return;
        if (any == 0) {
                printf("  none, in any set\n");
                return;
        }

        printf("    %-24s", "CAPABILITY");
        for (size_t i = 0; i < ELEMENTSOF(table_sets); i++)
                printf("  %s", table_headings[i]);
        printf("\n");
        CAP_FOREACH(cap, any) {
                bool beyond = excess & cap_bit(cap);

                printf("%s  %c %-24s", color && beyond ? ANSI_YELLOW : "", beyond ? '*' : ' ', capability_to_name(cap));
                for (size_t i = 0; i < ELEMENTSOF(table_sets); i++) {
                        CapSet s = table_sets[i];

                        printf("  %c/%c", !has_declared ? '?' : declared->mask[s] & cap_bit(cap) ? 'y' : '-',
                               !x->actual_known ? '?' : e->caps.mask[s] & cap_bit(cap) ? 'y' : '-');
                }
                printf("%s\n", color && beyond ? ANSI_NORMAL : "");
        }
}

static void print_verdict(const Explained *x, bool color) {
        const Event *e = x->latest;
        char when[EVENT_TIME_MAX], tmp[TEXT_MAX], buf[TEXT_MAX];
        const char *c = NULL;

        if (!e) {
                printf("\nVerdict: none is recorded\n");
                return;
        }
        printf("\nVerdict, %s:\n", event_format_time(e->time_usec, when));
        if (color)
                c = e->action == EVENT_ACTION_KILLED || e->action == EVENT_ACTION_KILL_FAILED ? ANSI_RED
                    : e->verdict == EVENT_VERDICT_VIOLATION                                    ? ANSI_YELLOW
                                                                                               : NULL;
        printf("  %-14s%s%s%s\n", "verdict:", c ?: "", event_verdict_to_string(e->verdict), c ? ANSI_NORMAL : "");
        print_field("rule", e->rule);
        if (e->policy_version > 0)
                (void) snprintf(tmp, sizeof tmp, "version %u", e->policy_version);
        else
                (void) snprintf(tmp, sizeof tmp, "none was active");
        print_field("policy", tmp);
        if (e->action_detail)
                (void) snprintf(tmp, sizeof tmp, "%s (%s)", event_action_to_string(e->action), e->action_detail);
        else
                (void) snprintf(tmp, sizeof tmp, "%s", event_action_to_string(e->action));
        print_field("action", tmp);
        for (char **r = e->reasons; r && *r; r++)
                printf("  %-14s%s\n", r == e->reasons ? "reasons:" : "", cli_printable(*r, buf, sizeof buf));
}

static void print_rules(const Explained *x) {
        const Event *e = x->latest;
        char name[256], value[TEXT_MAX], globs[TEXT_MAX], rule[256];

        if (!x->policy) {
                printf("\nRules: %s\n", x->policy_problem);
                return;
        }
        printf("\nRules of policy version %u:\n", e->policy_version);
        if (e->verdict == EVENT_VERDICT_UNKNOWN)
                printf("  none was tried: the facts could not be read\n");
        else if (e->rule && !x->judged)
                printf("  rule '%s' that judged it is not in this version\n",
                       cli_printable(e->rule, rule, sizeof rule));
        else if (!e->rule)
                printf("  no rule fit: compliant\n");

        for (size_t i = 0; i < x->policy->n_rules; i++) {
                const PolicyRule *r = &x->policy->rules[i];
                const RuleReport *rr = &x->rules[i];
                const char *v;

                cli_printable(r->name, name, sizeof name);
                switch (rr->outcome) {
                case RULE_JUDGED:
                        printf("  judged by rule '%s' (policy line %u)%s\n", name, r->line,
                               r->allow ? ": exempt (allow: true)" : "");
                        break;
                case RULE_NO_MATCH:
                        if (rr->mismatch < 0) {
                                printf("  rule '%s' (line %u) did not fit when judged (it fits what is recorded now)\n",
                                       name, r->line);
                                break;
                        }
                        v = container_facts_get(&x->facts, rr->mismatch);
                        if (v && *v) {
                                char tmp[TEXT_MAX];

                                (void) snprintf(tmp, sizeof tmp, "'%s'", v);
                                cli_printable(tmp, value, sizeof value);
                        } else
                                (void) snprintf(value, sizeof value, "(not known)");
                        printf("  rule '%s' (line %u) did not fit: %s %s fits none of %s\n", name, r->line,
                               policy_match_key_to_string(rr->mismatch), value,
                               format_globs(r->match[rr->mismatch], globs, sizeof globs));
                        break;
                case RULE_NOT_REACHED:
                        printf("  rule '%s' (line %u) not reached\n", name, r->line);
                        break;
                default:
                        break;
                }
        }
}

static int print_excess(const Explained *x) {
        const Event *e = x->latest;
        uint64_t excess = e ? event_excess_any(e) : 0;
        char rule[256], sets[128];

        if (!e)
                return 0;
        if (!x->actual_known) {
                printf("\nExcess: unknown (the facts could not be read)\n");
                return 0;
        }
        if (excess == 0) {
                printf("\nExcess: none\n");
                return 0;
        }
        cli_printable(e->rule ?: "-", rule, sizeof rule);
        printf("\nExcess, beyond what rule '%s' allows:\n", rule);
        CAP_FOREACH(cap, excess) {
                const char *what = capability_describe(cap);
                _cleanup_free_ char *yaml = NULL;
                char *line, *save = NULL;

                excess_sets(e, cap, sets, sizeof sets);
                printf("  %s (%s)\n", capability_to_name(cap), sets);
                if (what)
                        printf("    %s\n", what);
                if (!cap_known(cap)) {
                        printf("    not a capability this kernel knows: no policy can allow it\n");
                        continue;
                }
                yaml = allow_yaml(x->judged, cap);
                if (!yaml)
                        return -ENOMEM;
                if (x->judged && (x->judged->deny_caps & cap_bit(cap)))
                        printf("    allow it in rule '%s' (line %u) %s its deny list:\n", rule, x->judged->line,
                               rule_grants(x->judged, cap) ? "by taking it out of" : "and take it out of");
                else if (x->judged)
                        printf("    allow it in rule '%s' (line %u):\n", rule, x->judged->line);
                else
                        printf("    allow it in rule '%s':\n", rule);
                for (line = strtok_r(yaml, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
                        printf("    %s\n", line);
        }
        return 0;
}

static void print_history(const Explained *x) {
        const History *h = &x->history;

        printf("\nHistory, %zu %s, oldest first:\n", h->n, h->n == 1 ? "event" : "events");
        if (h->n == 0)
                return;
        printf("  %-27s  %-9s  %-20s  %-6s  %-11s  %s\n", "TIME", "VERDICT", "RULE", "POLICY", "ACTION", "EXCESS");
        for (size_t i = 0; i < h->n; i++) {
                const Event *e = &h->events[i];
                _cleanup_free_ char *names = capability_mask_to_names(event_excess_any(e), ",");
                char when[EVENT_TIME_MAX], rule[256], version[16];

                (void) snprintf(version, sizeof version, "%u", e->policy_version);
                printf("  %-27s  %-9s  %-20s  %-6s  %-11s  %s\n", event_format_time(e->time_usec, when),
                       event_verdict_to_string(e->verdict), cli_printable(e->rule ?: "-", rule, sizeof rule),
                       e->policy_version > 0 ? version : "-", event_action_to_string(e->action),
                       names && *names ? names : "-");
        }
}

static int print_text(const Explained *x) {
        bool color = cli_use_color();
        int r;

        print_header(x);
        print_capabilities(x, color);
        print_verdict(x, color);
        if (x->latest)
                print_rules(x);
        r = print_excess(x);
        if (r < 0)
                return r;
        print_history(x);
        return 0;
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

        r = json ? print_json(&x) : print_text(&x);
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
