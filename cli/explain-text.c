/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* capctl explain: the text an operator reads. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "capguard/cap-info.h"
#include "explain.h"

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

int explain_print_text(const Explained *x) {
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
