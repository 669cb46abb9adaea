/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* capctl explain --json: one object. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "capguard/cap-info.h"
#include "capguard/cap-json.h"
#include "explain.h"

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

int explain_print_json(const Explained *x) {
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
