/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capguard/event.h"

static const char *const action_names[_EVENT_ACTION_MAX] = {
        [EVENT_ACTION_NONE] = "none",
        [EVENT_ACTION_AUDIT] = "audit",
        [EVENT_ACTION_WOULD_KILL] = "would-kill",
        [EVENT_ACTION_KILLED] = "killed",
        [EVENT_ACTION_KILL_FAILED] = "kill-failed",
};

static const char *const verdict_names[_EVENT_VERDICT_MAX] = {
        [EVENT_VERDICT_OK] = "ok",
        [EVENT_VERDICT_VIOLATION] = "violation",
        [EVENT_VERDICT_UNKNOWN] = "unknown",
};

void event_done(Event *e) {
        if (!e)
                return;
        free(e->container_id);
        free(e->runtime_namespace);
        free(e->k8s_namespace);
        free(e->pod);
        free(e->container);
        free(e->image);
        free(e->rule);
        for (char **r = e->reasons; r && *r; r++)
                free(*r);
        free(e->reasons);
        free(e->action_detail);
        *e = (Event) {};
}

const char *event_action_to_string(EventAction a) {
        return a >= 0 && a < _EVENT_ACTION_MAX ? action_names[a] : NULL;
}

EventAction event_action_from_string(const char *s) {
        for (EventAction a = 0; s && a < _EVENT_ACTION_MAX; a++)
                if (streq(action_names[a], s))
                        return a;
        return _EVENT_ACTION_INVALID;
}

const char *event_verdict_to_string(EventVerdict v) {
        return v >= 0 && v < _EVENT_VERDICT_MAX ? verdict_names[v] : NULL;
}

EventVerdict event_verdict_from_string(const char *s) {
        for (EventVerdict v = 0; s && v < _EVENT_VERDICT_MAX; v++)
                if (streq(verdict_names[v], s))
                        return v;
        return _EVENT_VERDICT_INVALID;
}

bool boot_id_is_valid(const char *s) {
        size_t len = s ? strlen(s) : 0;

        return len == 0 || (len == BOOT_ID_STRING_MAX - 1 && strspn(s, "0123456789abcdef") == len);
}

uint64_t event_excess_any(const Event *e) {
        uint64_t m = 0;

        for (CapSet s = 0; s < _CAP_SET_MAX; s++)
                m |= e->excess[s];
        return m;
}

const char *event_format_time(int64_t usec, char buf[static EVENT_TIME_MAX]) {
        time_t t = (time_t) (usec / 1000000);
        struct tm tm;
        size_t n;

        if (usec < 0 || !gmtime_r(&t, &tm) || (n = strftime(buf, EVENT_TIME_MAX, "%Y-%m-%dT%H:%M:%S", &tm)) == 0) {
                (void) snprintf(buf, EVENT_TIME_MAX, "@%" PRId64, usec);
                return buf;
        }
        (void) snprintf(buf + n, EVENT_TIME_MAX - n, ".%06dZ", (int) (usec % 1000000));
        return buf;
}
