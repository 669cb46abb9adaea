/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "capctl.h"
#include "capguard/cap-json.h"
#include "capguard/daemon-pid.h"
#include "capguard/fileio.h"
#include "capguard/policy.h"
#include "capguard/store.h"
#include "capguard/time-util.h"
#include "policy-test.h"

/* Read a little past the parser's own limit, so that it is the parser that says "too large". */
#define POLICY_READ_MAX (POLICY_SIZE_MAX + 1)

static void help(void) {
        printf("Usage: capctl policy validate FILE...\n"
               "       capctl policy load FILE\n"
               "       capctl policy list [--json]\n"
               "       capctl policy show [--version N]\n"
               "       capctl policy test [--json] [FILE]\n"
               "       capctl policy rules\n"
               "\n"
               "validate  check policy files; errors as FILE:LINE:COLUMN: message\n"
               "load      validate FILE, store it as a new version, make it active, and tell a\n"
               "          running capguardd to reload; a refused file changes nothing\n"
               "list      every stored version, the active one marked\n"
               "show      the YAML of the active version (or of version N), as loaded\n"
               "test      judge every container running now against FILE (default: the active\n"
               "          policy), without acting; exit 0 if all comply, 1 if any violates\n"
               "rules     the names of the active policy's rules, in order, one per line\n"
               "\n"
               "The format is described in capguard.yaml(5).\n");
}

/* Reads and validates one file; prints the error and returns -EINVAL if refused. */
static int load_file(const char *verb, const char *path, char **ret_text, size_t *ret_len, Policy **ret) {
        _cleanup_free_ char *text = NULL, *msg = NULL;
        _cleanup_(policy_freep) Policy *p = NULL;
        PolicyError e = {};
        size_t len;
        int r;

        r = read_operator_file(path, POLICY_READ_MAX, &text, &len);
        if (r == -EFBIG) {
                cli_error(verb, "%s: larger than %d bytes, the most a policy may be", path, POLICY_SIZE_MAX);
                return -EINVAL;
        }
        if (r == -EBADFD) {
                cli_error(verb, "%s: not a regular file", path);
                return -EINVAL;
        }
        if (r < 0) {
                cli_error(verb, "cannot read %s: %s", path, strerror(-r));
                return r;
        }

        r = policy_parse(text, len, &p, &e);
        if (r == -EINVAL) {
                if (policy_error_format(path, &e, &msg) < 0)
                        return -ENOMEM;
                /* The FILE:LINE:COLUMN form, alone on its line, is what editors jump to. */
                fprintf(stderr, "%s\n", msg);
                return -EINVAL;
        }
        if (r < 0) {
                cli_error(verb, "%s: %s", path, strerror(-r));
                return r;
        }

        if (ret_text)
                *ret_text = TAKE_PTR(text);
        if (ret_len)
                *ret_len = len;
        if (ret)
                *ret = TAKE_PTR(p);
        return 0;
}

/* Verbs that take files and no options still refuse "-x" rather than reading a file of that name. */
static int no_options(const char *verb, int argc, char *argv[]) {
        static const struct option none[] = { {} };
        int c;

        while ((c = cli_getopt(verb, argc, argv, "", none)) >= 0)
                return -EINVAL;
        return 0;
}

static int policy_validate(int argc, char *argv[]) {
        int bad = 0;

        if (no_options("policy validate", argc, argv) < 0)
                return CAPCTL_EXIT_ERROR;
        if (optind >= argc)
                return cli_error("policy validate", "no file given");

        for (int i = optind; i < argc; i++) {
                _cleanup_(policy_freep) Policy *p = NULL;

                if (load_file("policy validate", argv[i], NULL, NULL, &p) < 0) {
                        bad++;
                        continue;
                }
                printf("%s: valid, version %u, %zu %s\n", argv[i], p->version, p->n_rules,
                       p->n_rules == 1 ? "rule" : "rules");
        }

        return bad ? CAPCTL_EXIT_ERROR : CAPCTL_EXIT_OK;
}

static int ensure_parent_dir(const char *path) {
        _cleanup_free_ char *dir = strdup(path);
        char *slash;

        if (!dir)
                return -ENOMEM;
        slash = strrchr(dir, '/');
        if (!slash || slash == dir)
                return 0;
        *slash = '\0';
        /* The daemon's unit creates it (StateDirectory=); this is for a node without it yet. */
        if (mkdir(dir, 0750) < 0 && errno != EEXIST)
                return negative_errno();
        return 0;
}

static int policy_load(int argc, char *argv[]) {
        _cleanup_free_ char *text = NULL, *source = NULL;
        _cleanup_(policy_freep) Policy *p = NULL;
        _cleanup_store_ Store *s = NULL;
        const char *file;
        unsigned version;
        size_t len;
        bool created;
        pid_t pid;
        int r;

        if (no_options("policy load", argc, argv) < 0)
                return CAPCTL_EXIT_ERROR;
        if (argc - optind != 1)
                return cli_error("policy load", argc - optind < 1 ? "no file given" : "one file at a time");
        file = argv[optind];

        if (load_file("policy load", file, &text, &len, &p) < 0)
                return CAPCTL_EXIT_ERROR;

        r = ensure_parent_dir(cli_db_path());
        if (r < 0)
                return cli_error("policy load", "cannot create the directory of %s: %s", cli_db_path(), strerror(-r));
        if (cli_open_store("policy load", STORE_READ_WRITE, &s) < 0)
                return CAPCTL_EXIT_ERROR;

        source = realpath(file, NULL);
        r = store_policy_add(s, text, len, source ?: file, (int64_t) now_usec(CLOCK_REALTIME), &version, &created);
        if (r < 0)
                return cli_error("policy load", "cannot store %s in %s: %s", file, cli_db_path(),
                                 r == -EIO ? store_errmsg(s) : strerror(-r));

        if (!created) {
                printf("%s is already the active policy, version %u\n", file, version);
                return CAPCTL_EXIT_OK;
        }
        printf("%s loaded as policy version %u\n", file, version);

        r = daemon_signal(getenv("CAPGUARD_PID_FILE") ?: CAPGUARD_PID_FILE, SIGHUP, &pid);
        if (r >= 0)
                printf("capguardd (pid %d) told to reload\n", (int) pid);
        else if (r == -ESRCH)
                printf("capguardd is not running; it will use version %u when it starts\n", version);
        else
                fprintf(stderr, "capctl policy load: could not tell capguardd to reload: %s; "
                        "it will use version %u after 'systemctl reload capguard'\n", strerror(-r), version);

        return CAPCTL_EXIT_OK;
}

static const char *format_usec(int64_t usec, char buf[static 32]) {
        time_t t = (time_t) (usec / 1000000);
        struct tm tm;

        if (!gmtime_r(&t, &tm) || strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
                (void) snprintf(buf, 32, "%" PRId64, usec);
        return buf;
}

static int list_row(const StorePolicy *p, void *userdata) {
        bool json = *(bool *) userdata;
        char when[32];

        format_usec(p->loaded_at_usec, when);
        if (json) {
                _cleanup_json_ json_object *o = json_object_new_object();

                if (!o ||
                    json_add(o, "version", json_object_new_int64(p->version)) < 0 ||
                    json_add(o, "loaded_at", json_object_new_string(when)) < 0 ||
                    json_add(o, "active", json_object_new_boolean(p->active)) < 0 ||
                    json_add(o, "digest", json_object_new_string(p->digest)) < 0 ||
                    json_add_string_or_null(o, "source", p->source) < 0)
                        return -ENOMEM;
                return json_print_line(stdout, o);
        }

        printf("%7u  %-20s  %-6s  %.12s  %s\n", p->version, when, p->active ? "active" : "", p->digest,
               strna(p->source));
        return 0;
}

static int policy_list(int argc, char *argv[]) {
        static const struct option options[] = {
                { "json", no_argument, NULL, 'j' },
                {},
        };
        _cleanup_store_ Store *s = NULL;
        bool json = false;
        int c, r;

        while ((c = cli_getopt("policy list", argc, argv, "", options)) >= 0)
                switch (c) {
                case 'j':
                        json = true;
                        break;
                default:
                        return CAPCTL_EXIT_ERROR;
                }
        if (optind < argc)
                return cli_error("policy list", "unexpected argument '%s'", argv[optind]);

        if (cli_open_store("policy list", STORE_READ_ONLY, &s) < 0)
                return CAPCTL_EXIT_ERROR;

        if (!json)
                printf("%7s  %-20s  %-6s  %-12s  %s\n", "VERSION", "LOADED", "", "DIGEST", "SOURCE");
        r = store_policy_list(s, list_row, &json);
        if (r < 0)
                return cli_error("policy list", "cannot read %s: %s", cli_db_path(), strerror(-r));
        return CAPCTL_EXIT_OK;
}

static int parse_version(const char *s, unsigned *ret) {
        char *end;
        unsigned long v;

        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno || *end || end == s || s[0] == '-' || v == 0 || v > UINT_MAX)
                return -EINVAL;
        *ret = (unsigned) v;
        return 0;
}

static int policy_show(int argc, char *argv[]) {
        static const struct option options[] = {
                { "version", required_argument, NULL, 'v' },
                {},
        };
        _cleanup_store_ Store *s = NULL;
        StorePolicy p = {};
        unsigned version = 0;
        int c, r;

        while ((c = cli_getopt("policy show", argc, argv, "", options)) >= 0)
                switch (c) {
                case 'v':
                        if (parse_version(optarg, &version) < 0)
                                return cli_error("policy show", "invalid version '%s'", optarg);
                        break;
                default:
                        return CAPCTL_EXIT_ERROR;
                }
        if (optind < argc)
                return cli_error("policy show", "unexpected argument '%s'", argv[optind]);

        if (cli_open_store("policy show", STORE_READ_ONLY, &s) < 0)
                return CAPCTL_EXIT_ERROR;

        r = store_policy_get(s, version, &p);
        if (r == -ENOENT)
                return version ? cli_error("policy show", "no policy version %u", version)
                               : cli_error("policy show", "no active policy; load one with 'capctl policy load'");
        if (r < 0)
                return cli_error("policy show", "cannot read %s: %s", cli_db_path(), strerror(-r));

        fputs(p.yaml, stdout);
        store_policy_done(&p);
        return fflush(stdout) == 0 ? CAPCTL_EXIT_OK : cli_error("policy show", "failed to write output: %m");
}

/* The active policy, parsed: what `policy test` without a file and `policy rules` read. Prints
 * the error (none_hint saying what to do when there is none) and returns CAPCTL_EXIT_ERROR. */
static int load_active(const char *verb, const char *none_hint, Policy **ret, unsigned *ret_version) {
        _cleanup_store_ Store *s = NULL;
        PolicyError e = {};
        StorePolicy sp = {};
        unsigned version;
        int r;

        if (cli_open_store(verb, STORE_READ_ONLY, &s) < 0)
                return CAPCTL_EXIT_ERROR;
        r = store_policy_get(s, 0, &sp);
        if (r == -ENOENT)
                return cli_error(verb, "no active policy; %s", none_hint);
        if (r < 0)
                return cli_error(verb, "cannot read %s: %s", cli_db_path(), strerror(-r));
        version = sp.version;
        r = policy_parse(sp.yaml, strlen(sp.yaml), ret, &e);
        store_policy_done(&sp);
        if (r < 0)
                return cli_error(verb, "active policy version %u no longer parses: %s", version,
                                 e.message[0] ? e.message : strerror(-r));
        if (ret_version)
                *ret_version = version;
        return 0;
}

static int policy_rules(int argc, char *argv[]) {
        _cleanup_(policy_freep) Policy *p = NULL;
        char buf[POLICY_RULE_NAME_MAX + 1];

        if (no_options("policy rules", argc, argv) < 0)
                return CAPCTL_EXIT_ERROR;
        if (optind < argc)
                return cli_error("policy rules", "unexpected argument '%s'", argv[optind]);
        if (load_active("policy rules", "load one with 'capctl policy load'", &p, NULL) != 0)
                return CAPCTL_EXIT_ERROR;

        for (size_t i = 0; i < p->n_rules; i++)
                puts(cli_printable(p->rules[i].name, buf, sizeof buf));
        return fflush(stdout) == 0 ? CAPCTL_EXIT_OK : cli_error("policy rules", "failed to write output: %m");
}

static int policy_test(int argc, char *argv[]) {
        static const struct option options[] = {
                { "json", no_argument, NULL, 'j' },
                {},
        };
        _cleanup_(policy_freep) Policy *p = NULL;
        unsigned version = 0;
        bool json = false;
        int c;

        while ((c = cli_getopt("policy test", argc, argv, "", options)) >= 0)
                switch (c) {
                case 'j':
                        json = true;
                        break;
                default:
                        return CAPCTL_EXIT_ERROR;
                }
        if (argc - optind > 1)
                return cli_error("policy test", "one file at a time");

        if (optind < argc) {
                if (load_file("policy test", argv[optind], NULL, NULL, &p) < 0)
                        return CAPCTL_EXIT_ERROR;
        } else if (load_active("policy test", "name a file or load one", &p, &version) != 0)
                return CAPCTL_EXIT_ERROR;

        return policy_test_run(p, version, json);
}

int verb_policy(int argc, char *argv[]) {
        static const struct {
                const char *name;
                int (*run)(int argc, char *argv[]);
        } subverbs[] = {
                { "validate", policy_validate },
                { "load", policy_load },
                { "list", policy_list },
                { "show", policy_show },
                { "test", policy_test },
                { "rules", policy_rules },
        };

        if (argc < 2)
                return cli_error("policy", "no subcommand; see 'capctl policy --help'");
        if (streq(argv[1], "--help") || streq(argv[1], "-h") || streq(argv[1], "help")) {
                help();
                return CAPCTL_EXIT_OK;
        }

        for (size_t i = 0; i < ELEMENTSOF(subverbs); i++)
                if (streq(subverbs[i].name, argv[1])) {
                        for (int j = 2; j < argc; j++)
                                if (streq(argv[j], "--help") || streq(argv[j], "-h")) {
                                        help();
                                        return CAPCTL_EXIT_OK;
                                }
                        optind = 0;
                        return subverbs[i].run(argc - 1, argv + 1);
                }

        return cli_error("policy", "unknown subcommand '%s'; see 'capctl policy --help'", argv[1]);
}
