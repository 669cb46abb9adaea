/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "capctl.h"
#include "capguard/capability.h"
#include "capguard/time-parse.h"
#include "filters.h"

static int parse_time(const char *verb, const char *option, const char *arg, int64_t now_usec, int64_t *ret) {
        int64_t t;
        int r;

        r = parse_timestamp(arg, now_usec, &t);
        if (r < 0)
                return cli_error(verb, "invalid %s '%s': expected 30m, 2h, 7d, or a date and time such as \"2026-11-28 09:00\"",
                                 option, arg);
        /* 0 says "unbounded" in an EventQuery; the epoch itself bounds nothing anyway */
        *ret = t > 0 ? t : 1;
        return 0;
}

static int parse_text(const char *verb, const char *option, const char *arg, const char **ret) {
        if (!*arg)
                return cli_error(verb, "%s needs a value", option);
        *ret = arg;
        return 0;
}

int filter_parse(const char *verb, int c, const char *arg, int64_t now_usec, EventQuery *q) {
        unsigned cap;
        int r;

        switch (c) {
        case ARG_FILTER_SINCE:
                r = parse_time(verb, "--since", arg, now_usec, &q->since_usec);
                break;
        case ARG_FILTER_UNTIL:
                r = parse_time(verb, "--until", arg, now_usec, &q->until_usec);
                break;
        case ARG_FILTER_CONTAINER: {
                EventQuery probe = { .container_prefix = arg };

                if (event_query_check(&probe) < 0)
                        return cli_error(verb, "invalid --container '%s': expected the start of a container id", arg);
                q->container_prefix = arg;
                r = 0;
                break;
        }
        case ARG_FILTER_NAMESPACE:
                r = parse_text(verb, "--namespace", arg, &q->k8s_namespace);
                break;
        case ARG_FILTER_POD:
                r = parse_text(verb, "--pod", arg, &q->pod);
                break;
        case ARG_FILTER_IMAGE:
                r = parse_text(verb, "--image", arg, &q->image_glob);
                break;
        case ARG_FILTER_RULE:
                r = parse_text(verb, "--rule", arg, &q->rule);
                break;
        case ARG_FILTER_CAP:
                if (capability_from_name(arg, &cap) < 0)
                        return cli_error(verb, "unknown capability '%s'", arg);
                q->caps = cap_bit(cap);
                r = 0;
                break;
        case ARG_FILTER_ACTION:
                q->action = event_action_from_string(arg);
                if (q->action < 0)
                        return cli_error(verb, "invalid --action '%s': expected none, audit, would-kill, killed or kill-failed",
                                         arg);
                q->by_action = true;
                r = 0;
                break;
        case ARG_FILTER_VERDICT:
                q->verdict = event_verdict_from_string(arg);
                if (q->verdict < 0)
                        return cli_error(verb, "invalid --verdict '%s': expected ok, violation or unknown", arg);
                q->by_verdict = true;
                r = 0;
                break;
        default:
                return 0;
        }
        return r == 0 ? 1 : CAPCTL_EXIT_ERROR;
}

int filter_check(const char *verb, const EventQuery *q) {
        if (q->since_usec > 0 && q->until_usec > 0 && q->since_usec > q->until_usec)
                return cli_error(verb, "--since is later than --until: nothing can match");
        return 0;
}
