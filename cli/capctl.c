/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "capctl.h"

static const Verb verbs[] = {
        { "decode", "[--json] MASK|NAMES...", "Name the capabilities in masks, and what each allows", verb_decode },
        { "scan", "[--containers-only] [--json]", "Show every process's capability sets, by container", verb_scan },
};

int cli_error(const char *verb, const char *format, ...) {
        va_list ap;

        fputs(verb ? "capctl " : "capctl", stderr);
        if (verb)
                fputs(verb, stderr);
        fputs(": ", stderr);
        va_start(ap, format);
        vfprintf(stderr, format, ap);
        va_end(ap);
        fputc('\n', stderr);
        return CAPCTL_EXIT_ERROR;
}

static bool option_known(int opt, const char *shortopts, const struct option *longopts) {
        if (opt > 0 && opt != ':' && opt != '+' && strchr(shortopts, opt))
                return true;
        for (; longopts && longopts->name; longopts++)
                if (longopts->val == opt)
                        return true;
        return false;
}

int cli_getopt(const char *verb, int argc, char *argv[], const char *shortopts, const struct option *longopts) {
        int c;

        opterr = 0; /* getopt's own messages do not name the verb */
        c = getopt_long(argc, argv, shortopts, longopts, NULL);
        if (c != '?')
                return c;

        if (optopt == 0)
                cli_error(verb, "unknown option '%s'", argv[optind - 1]);
        else if (!option_known(optopt, shortopts, longopts))
                cli_error(verb, "unknown option '-%c'", optopt);
        else if (strchr(argv[optind - 1], '='))
                cli_error(verb, "option '%s' takes no argument", argv[optind - 1]);
        else
                cli_error(verb, "option '%s' needs an argument", argv[optind - 1]);
        return '?';
}

const char *cli_printable(const char *s, char *buf, size_t size) {
        size_t i = 0;

        for (; s[i] && i + 1 < size; i++) {
                unsigned char c = (unsigned char) s[i];

                buf[i] = c < 0x20 || c == 0x7f ? '?' : (char) c;
        }
        buf[i] = '\0';
        return buf;
}

static void help(FILE *f) {
        fprintf(f,
                "Usage: capctl [--help] [--version] VERB [ARGS...]\n"
                "\n"
                "Inspect the capabilities containers hold on this node.\n"
                "\n"
                "Verbs:\n");
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                fprintf(f, "  %-8s %-30s %s\n", verbs[i].name, verbs[i].synopsis, verbs[i].summary);
        fprintf(f,
                "\n"
                "Run 'capctl VERB --help' for a verb's options.\n"
                "Exit status: 0 on success, 1 when the answer is no, 2 on error.\n");
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                {},
        };
        const char *name;
        int c;

        while ((c = cli_getopt(NULL, argc, argv, "+hV", options)) >= 0)
                switch (c) {
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
