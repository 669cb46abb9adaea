/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "capctl.h"
#include "capguard/store.h"

const char *arg_db = NULL;

static const Verb verbs[] = {
        { "decode", "[--json] MASK|NAMES...", "Name the capabilities in masks, and what each allows", verb_decode },
        { "scan", "[--containers-only] [--json]", "Show every process's capability sets, by container", verb_scan },
        { "policy", "validate|load|list|show|test ...", "Check, load and try out node policy", verb_policy },
        { "events", "[FILTERS] [--json] [--limit N]", "List the verdicts capguardd recorded, newest last", verb_events },
        { "violations", "[FILTERS] [--json] [--limit N]", "List the verdicts that found too many capabilities", verb_violations },
        { "containers", "[--all] [--json] [--quiet]", "List the containers with their latest verdict", verb_containers },
        { "explain", "[--json] ID-PREFIX", "Everything about one container: sets, rules, history", verb_explain },
        { "status", "[--json]", "Whether capguardd runs, its policy, what it found lately", verb_status },
        { "stats", "[--since T] [FILTERS] [--json]", "Violations per namespace, rule and capability", verb_stats },
        { "prune", "--older-than D [--dry-run]", "Delete history older than D", verb_prune },
};

static void help(FILE *f) {
        fprintf(f,
                "Usage: capctl [--help] [--version] [--db PATH] VERB [ARGS...]\n"
                "\n"
                "Inspect the capabilities containers hold on this node, and manage its policy.\n"
                "\n"
                "  --db PATH  the database (default $CAPGUARD_DB, else " STORE_DEFAULT_PATH ")\n"
                "\n"
                "Verbs:\n");
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                fprintf(f, "  %-10s %-34s %s\n", verbs[i].name, verbs[i].synopsis, verbs[i].summary);
        fprintf(f,
                "\n"
                "Run 'capctl VERB --help' for a verb's options.\n"
                "Exit status: 0 on success, 1 when the answer is no, 2 on error.\n");
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                { "db", required_argument, NULL, 'd' },
                {},
        };
        const char *name;
        int c;

        while ((c = cli_getopt(NULL, argc, argv, "+hV", options)) >= 0)
                switch (c) {
                case 'd':
                        if (!*optarg)
                                return cli_error(NULL, "--db needs a path");
                        arg_db = optarg;
                        break;
                case 'h':
                        help(stdout);
                        return CAPCTL_EXIT_OK;
                case 'V':
                        printf("capctl %s\n", CAPGUARD_VERSION);
                        return CAPCTL_EXIT_OK;
                default:
                        return CAPCTL_EXIT_ERROR;
                }

        if (optind >= argc) {
                help(stderr);
                return CAPCTL_EXIT_ERROR;
        }

        name = argv[optind];
        if (streq(name, "help")) {
                help(stdout);
                return CAPCTL_EXIT_OK;
        }

        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(verbs[i].name, name)) {
                        /* The verb parses its own options, with argv[0] being its name. */
                        int vargc = argc - optind;
                        char **vargv = argv + optind;

                        optind = 0;
                        return verbs[i].run(vargc, vargv);
                }

        return cli_error(NULL, "unknown verb '%s'; see 'capctl --help'", name);
}
