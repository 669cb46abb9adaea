/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "capctl.h"
#include "capguard/event.h"
#include "capguard/store.h"
#include "capguard/time-parse.h"
#include "capguard/time-util.h"

static void help(void) {
        printf("Usage: capctl prune --older-than D [--dry-run]\n"
               "\n"
               "Delete the events older than D (30d, 12h, 2w, ...) and the exited containers left\n"
               "without events. The latest event of a container still live is kept, whatever\n"
               "its age. capguardd does the same once a day with its --retention.\n"
               "\n"
               "  --older-than D  the age beyond which events go\n"
               "  --dry-run       only count what would go\n"
               "  -h --help       show this help\n"
               "\n"
               "Exit status: 0 on success, 2 on error.\n");
}

int verb_prune(int argc, char *argv[]) {
        enum { ARG_OLDER_THAN = 0x100, ARG_DRY_RUN };
        static const struct option options[] = {
                { "older-than", required_argument, NULL, ARG_OLDER_THAN },
                { "dry-run", no_argument, NULL, ARG_DRY_RUN },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        uint64_t age = 0, now = now_usec(CLOCK_REALTIME), events = 0, containers = 0;
        _cleanup_store_ Store *s = NULL;
        const char *older_than = NULL;
        char when[EVENT_TIME_MAX];
        bool dry_run = false, have_age = false;
        struct stat st;
        int c, r;

        while ((c = cli_getopt("prune", argc, argv, "h", options)) >= 0)
                switch (c) {
                case ARG_OLDER_THAN:
                        if (parse_duration(optarg, &age) < 0)
                                return cli_error("prune", "invalid --older-than '%s': expected a duration such as 30d or 12h",
                                                 optarg);
                        older_than = optarg;
                        have_age = true;
                        break;
                case ARG_DRY_RUN:
                        dry_run = true;
                        break;
                case 'h':
                        help();
                        return CAPCTL_EXIT_OK;
                default:
                        return CAPCTL_EXIT_ERROR;
                }
        if (optind < argc)
                return cli_error("prune", "unexpected argument '%s'", argv[optind]);
        if (!have_age)
                return cli_error("prune", "--older-than is required: say how old an event must be to go");
        if (age >= now)
                return cli_error("prune", "--older-than %s reaches before 1970: nothing is that old", older_than);

        /* Read-write would create a missing database: a prune of nothing is a mistake to report. */
        if (stat(cli_db_path(), &st) < 0)
                return cli_error("prune", "no database at %s", cli_db_path());
        if (cli_open_store("prune", dry_run ? STORE_READ_ONLY : STORE_READ_WRITE, &s) < 0)
                return CAPCTL_EXIT_ERROR;

        r = store_prune(s, (int64_t) (now - age), dry_run, &events, &containers);
        if (r < 0)
                return cli_error("prune", "cannot prune %s: %s", cli_db_path(),
                                 r == -EIO ? store_errmsg(s) : strerror(-r));

        printf("%s %llu events and %llu containers older than %s (before %s).\n",
               dry_run ? "Would prune" : "Pruned", (unsigned long long) events, (unsigned long long) containers,
               older_than, event_format_time((int64_t) (now - age), when));
        if (fflush(stdout) != 0)
                return cli_error("prune", "failed to write output: %m");
        return CAPCTL_EXIT_OK;
}
