/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* capctl explain, in three files: explain.c finds the container and replays its verdict,
 * explain-text.c and explain-json.c print what it found. */

#include <stdbool.h>
#include <stdio.h>

#include "capctl.h"
#include "capguard/event.h"
#include "capguard/policy.h"
#include "capguard/store.h"

#define VERB "explain"

/* What cli_printable() copies of one string: more than any field the store keeps. */
#define TEXT_MAX 4096



typedef enum RuleOutcome {
        RULE_JUDGED,      /* the rule that decided */
        RULE_NO_MATCH,    /* tried before it, did not fit */
        RULE_NOT_REACHED, /* after it, or nothing was judged */
        _RULE_OUTCOME_MAX,
} RuleOutcome;


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

/* The columns of the capability table, left to right. */
extern const CapSet table_sets[_CAP_SET_MAX];
extern const char *const table_headings[_CAP_SET_MAX];
/* Sets named in a sentence: widest first, as the verdicts' reasons name them. */
extern const CapSet report_order[_CAP_SET_MAX];
extern const char *const rule_outcome_names[_RULE_OUTCOME_MAX];

const char *format_names(const char *k8s_namespace, const char *pod, const char *container, char *buf, size_t size);
bool cap_known(unsigned cap);
bool rule_grants(const PolicyRule *r, unsigned cap);
/* The rule's capabilities block as it would read with cap allowed; NULL if out of memory. */
char *allow_yaml(const PolicyRule *r, unsigned cap);
void excess_sets(const Event *e, unsigned cap, char *buf, size_t size);
const char *format_globs(char *const *globs, char *buf, size_t size);

int explain_print_text(const Explained *x);
int explain_print_json(const Explained *x);
