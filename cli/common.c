/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "capctl.h"

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

bool cli_use_color(void) {
        const char *e = getenv("NO_COLOR"), *term = getenv("TERM");

        if (e && *e)
                return false;
        if (!term || streq(term, "dumb"))
                return false;
        return isatty(STDOUT_FILENO) == 1;
}

unsigned cli_terminal_width(void) {
        struct winsize ws = {};

        if (isatty(STDOUT_FILENO) != 1)
                return 0;
        if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0 || ws.ws_col == 0)
                return 80;
        return ws.ws_col;
}

const char *cli_db_path(void) {
        const char *e;

        if (arg_db)
                return arg_db;
        e = getenv("CAPGUARD_DB");
        return e && *e ? e : STORE_DEFAULT_PATH;
}

int cli_open_store(const char *verb, StoreMode mode, Store **ret) {
        const char *path = cli_db_path();
        int r;

        r = store_open(path, mode, ret);
        switch (r) {
        case 0:
                return 0;
        case -ENOENT:
                cli_error(verb, "no database at %s: load a policy with 'capctl policy load' or start capguardd", path);
                break;
        case -EPROTONOSUPPORT:
                cli_error(verb, "%s was written by a newer capguard (schema newer than %d); upgrade capctl", path,
                          STORE_SCHEMA_VERSION);
                break;
        case -EPROTO:
                cli_error(verb, "%s has an older schema; start capguardd or run 'capctl policy load' to migrate it",
                          path);
                break;
        case -EBADMSG:
                cli_error(verb, "%s is not a capguard database", path);
                break;
        case -EACCES:
                cli_error(verb, "cannot open %s: permission denied (run as root or as a member of its group)", path);
                break;
        case -EBUSY:
                cli_error(verb, "%s stayed locked by another writer; try again", path);
                break;
        default:
                cli_error(verb, "cannot open %s: %s", path, strerror(-r));
        }
        return r;
}
