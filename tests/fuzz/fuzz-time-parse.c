/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Durations and timestamps come from the command line of capctl and capguardd. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capguard/macro.h"
#include "capguard/time-parse.h"
#include "fuzz.h"

/* 2026-01-15 12:34:56.789012 UTC: fixed, so that every input replays the same way */
#define NOW INT64_C(1768480496789012)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static bool tz_set = false;
        char buf[FORMAT_DURATION_MAX];
        uint64_t d = 4242, d2;
        int64_t t = 4242, t2;
        char *s;
        int rd, rt;

        if (!tz_set) {
                /* a zone with DST, when the machine has it; local time is where mktime() is */
                (void) setenv("TZ", access("/usr/share/zoneinfo/Europe/Berlin", R_OK) == 0 ? "Europe/Berlin" : "UTC", 1);
                tzset();
                tz_set = true;
        }

        s = malloc(size + 1);
        if (!s)
                return 0;
        memcpy(s, data, size);
        s[size] = '\0';

        rd = parse_duration(s, &d);
        if (rd < 0) {
                if ((rd != -EINVAL && rd != -ERANGE) || d != 4242)
                        __builtin_trap();
        } else {
                /* every duration fits a timestamp, and prints as text that reads back the same */
                if (rd != 0 || d > INT64_MAX)
                        __builtin_trap();
                if (parse_duration(format_duration(d, buf, sizeof buf), &d2) != 0 || d2 != d)
                        __builtin_trap();
        }

        rt = parse_timestamp(s, NOW, &t);
        if (rt < 0) {
                if ((rt != -EINVAL && rt != -ERANGE) || t != 4242)
                        __builtin_trap();
        } else if (rt != 0)
                __builtin_trap();

        /* a duration with its unit is, as a timestamp, that long before now */
        if (rd == 0 && !streq(s, "0")) {
                if (rt != 0 || t != NOW - (int64_t) d)
                        __builtin_trap();
                if (parse_timestamp(s, NOW, &t2) != 0 || t2 != t)
                        __builtin_trap();
        }

        free(s);
        return 0;
}
