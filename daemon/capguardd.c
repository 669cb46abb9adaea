/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "capguard/daemon-pid.h"
#include "capguard/time-parse.h"
#include "fd-table.h"
#include "log.h"
#include "manager.h"

#ifndef CAPGUARD_DEFAULT_POLICY
#define CAPGUARD_DEFAULT_POLICY "/usr/share/capguard/policies/default.yaml"
#endif

/* Parsed command line: the only globals (STYLE.md). */
static const char *arg_db = STORE_DEFAULT_PATH;
static const char *arg_default_policy = CAPGUARD_DEFAULT_POLICY;
static const char *arg_pid_file = CAPGUARD_PID_FILE;
static bool arg_dry_run = false;
static uint64_t arg_retention_usec = 30ULL * 24 * 3600 * 1000 * 1000; /* 30 days */
static char **arg_watch = NULL;
static size_t arg_n_watch = 0;

static void help(void) {
        printf("Usage: capguardd [OPTIONS...]\n"
               "\n"
               "Judge every container on this node by the capabilities it really holds.\n"
               "\n"
               "  --db PATH              the database (default " STORE_DEFAULT_PATH ")\n"
               "  --default-policy FILE  loaded when the database has no active policy\n"
               "                         (default " CAPGUARD_DEFAULT_POLICY ")\n"
               "  --watch TYPE:DIR       watch DIR instead of the runtimes' default state roots;\n"
               "                         TYPE runc, containerd or crun; repeatable\n"
               "  --dry-run              never kill: a kill verdict is recorded as would-kill\n"
               "  --pid-file PATH        (default " CAPGUARD_PID_FILE ", '' for none)\n"
               "  --retention D          prune events older than D (30d, 12h, ...) at start and\n"
               "                         daily; 0 keeps everything (default 30d)\n"
               "  --debug                log debug messages\n"
               "  -h --help              show this help\n"
               "  --version              show the version\n");
}

static int parse_argv(int argc, char *argv[]) {
        enum { ARG_DB = 0x100, ARG_DEFAULT_POLICY, ARG_WATCH, ARG_DRY_RUN, ARG_PID_FILE, ARG_RETENTION, ARG_DEBUG, ARG_VERSION };
        static const struct option options[] = {
                { "db", required_argument, NULL, ARG_DB },
                { "default-policy", required_argument, NULL, ARG_DEFAULT_POLICY },
                { "watch", required_argument, NULL, ARG_WATCH },
                { "dry-run", no_argument, NULL, ARG_DRY_RUN },
                { "pid-file", required_argument, NULL, ARG_PID_FILE },
                { "retention", required_argument, NULL, ARG_RETENTION },
                { "debug", no_argument, NULL, ARG_DEBUG },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                {},
        };
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case ARG_DB:
                        arg_db = optarg;
                        break;
                case ARG_DEFAULT_POLICY:
                        arg_default_policy = *optarg ? optarg : NULL;
                        break;
                case ARG_WATCH: {
                        char **p = reallocarray(arg_watch, arg_n_watch + 2, sizeof *p);

                        if (!p)
                                return log_oom();
                        arg_watch = p;
                        arg_watch[arg_n_watch++] = optarg;
                        arg_watch[arg_n_watch] = NULL;
                        break;
                }
                case ARG_DRY_RUN:
                        arg_dry_run = true;
                        break;
                case ARG_PID_FILE:
                        arg_pid_file = *optarg ? optarg : NULL;
                        break;
                case ARG_RETENTION:
                        if (parse_duration(optarg, &arg_retention_usec) < 0) {
                                log_error("Invalid --retention '%s': expected a duration such as 30d, or 0", optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_DEBUG:
                        log_set_max_level(LOG_DEBUG);
                        break;
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("capguardd %s\n", CAPGUARD_VERSION);
                        return 0;
                default:
                        return -EINVAL;
                }

        if (optind < argc) {
                log_error("Unexpected argument '%s'", argv[optind]);
                return -EINVAL;
        }
        return 1;
}

int main(int argc, char *argv[]) {
        _cleanup_(manager_freep) Manager *m = NULL;
        ManagerConfig c;
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0) {
                free(arg_watch);
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        }

        c = (ManagerConfig) {
                .db_path = arg_db,
                .default_policy = arg_default_policy,
                .pid_file = arg_pid_file,
                .dry_run = arg_dry_run,
                .retention_usec = arg_retention_usec,
                .watch = arg_watch,
        };

        /* before manager_new() starts the store's threads */
        r = fd_table_reserve(FD_TABLE_RESERVE);
        if (r < 0)
                log_warning_errno(r, "Failed to grow the descriptor table, ignoring: %m");

        r = manager_new(&c, &m);
        if (r >= 0)
                r = manager_startup(m);
        if (r >= 0)
                r = manager_run(m);
        if (r < 0)
                (void) sd_notifyf(false, "STATUS=Failed: %s\nERRNO=%d", strerror(-r), -r);

        m = manager_free(m);
        free(arg_watch);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
