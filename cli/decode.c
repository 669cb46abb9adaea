/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "capctl.h"
#include "capguard/cap-info.h"
#include "capguard/cap-json.h"
#include "capguard/cap-profile.h"
#include "capguard/capability.h"

static void help(void) {
        printf("Usage: capctl decode [--json] MASK|NAMES...\n"
               "\n"
               "Name the capabilities in each hex MASK (as in /proc/PID/status, 0x optional),\n"
               "or build the mask of a comma-separated list of NAMES (NET_RAW,sys_admin, ALL).\n"
               "Capabilities beyond Docker's default set are marked with '*'.\n"
               "\n"
               "  --json     one object per argument, one line each\n"
               "  -h --help  show this help\n");
}

/* Reads a mask, or failing that a list of names. A lone number is a mask: CAP_12 names bit 12. */
static int parse_arg(const char *arg, uint64_t *ret) {
        const char *bad = NULL;
        size_t bad_len = 0;

        if (capability_mask_parse(arg, ret) >= 0)
                return 0;
        if (capability_list_parse(arg, ret, &bad, &bad_len) >= 0)
                return 0;

        if (!bad || bad_len == strlen(arg))
                return cli_error("decode", "'%s' is neither a capability mask nor a capability name", arg);
        return cli_error("decode", "unknown capability '%.*s' in '%s'", (int) bad_len, bad, arg);
}

static int print_json(uint64_t mask, uint64_t docker) {
        _cleanup_json_ json_object *o = json_object_new_object();
        char hex[CAP_MASK_HEX_MAX];
        uint64_t unknown = mask & ~capability_mask_all();

        if (!o ||
            json_add(o, "mask", json_object_new_string(capability_mask_to_hex(mask, hex))) < 0 ||
            json_add(o, "caps", capability_mask_to_json(mask)) < 0 ||
            json_add(o, "count", json_object_new_int(__builtin_popcountll(mask))) < 0 ||
            json_add(o, "beyond_docker_default", capability_mask_to_json(mask & ~docker)) < 0 ||
            json_add(o, "unknown_to_kernel", capability_mask_to_json(unknown)) < 0)
                return -ENOMEM;

        return json_print_line(stdout, o);
}

static void print_text(uint64_t mask, uint64_t docker) {
        char hex[CAP_MASK_HEX_MAX];
        uint64_t all = capability_mask_all();
        int n = __builtin_popcountll(mask), beyond = __builtin_popcountll(mask & ~docker);

        printf("%s: %d %s", capability_mask_to_hex(mask, hex), n, n == 1 ? "capability" : "capabilities");
        if (mask == all)
                printf(", every one this kernel knows");
        if (beyond > 0)
                printf(", %d beyond Docker's default", beyond);
        putchar('\n');

        CAP_FOREACH(c, mask) {
                const char *what = capability_describe(c);

                printf("  %-22s %c %s\n",
                       capability_to_name(c),
                       docker & cap_bit(c) ? ' ' : '*',
                       !(all & cap_bit(c)) ? "(not a capability this kernel knows)" : what ?: "");
        }
}

int verb_decode(int argc, char *argv[]) {
        static const struct option options[] = {
                { "json", no_argument, NULL, 'j' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        _cleanup_free_ uint64_t *masks = NULL;
        uint64_t docker;
        bool json = false;
        int c, n, r;

        while ((c = cli_getopt("decode", argc, argv, "h", options)) >= 0)
                switch (c) {
                case 'j':
                        json = true;
                        break;
                case 'h':
                        help();
                        return CAPCTL_EXIT_OK;
                default:
                        return CAPCTL_EXIT_ERROR;
                }

        n = argc - optind;
        if (n <= 0)
                return cli_error("decode", "no mask given; see 'capctl decode --help'");

        /* Every argument is checked before anything is printed: bad input prints nothing. */
        masks = calloc((size_t) n, sizeof *masks);
        if (!masks)
                return cli_error("decode", "out of memory");
        for (int i = 0; i < n; i++)
                if (parse_arg(argv[optind + i], &masks[i]) != 0)
                        return CAPCTL_EXIT_ERROR;

        r = cap_profile_mask("docker-default", &docker);
        if (r < 0)
                return cli_error("decode", "cannot resolve Docker's default set: %s", strerror(-r));

        for (int i = 0; i < n; i++) {
                if (json) {
                        r = print_json(masks[i], docker);
                        if (r < 0)
                                return cli_error("decode", "failed to print: %s", strerror(-r));
                } else {
                        if (i > 0)
                                putchar('\n');
                        print_text(masks[i], docker);
                }
        }

        return fflush(stdout) == 0 ? CAPCTL_EXIT_OK : cli_error("decode", "failed to write output: %m");
}
