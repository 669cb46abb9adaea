/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "capguard/time-parse.h"
#include "check-util.h"

#define US      INT64_C(1)
#define MS      (INT64_C(1000) * US)
#define SEC     (INT64_C(1000000) * US)
#define MIN     (INT64_C(60) * SEC)
#define HOUR    (INT64_C(60) * MIN)
#define DAY     (INT64_C(24) * HOUR)
#define WEEK    (INT64_C(7) * DAY)
#define MONTH   (INT64_C(2629800) * SEC)        /* systemd's 30.4375 d */
#define YEAR    (INT64_C(31557600) * SEC)       /* 365.25 d */

/* Epoch seconds below are date(1)'s: date -u -d '2026-01-15 12:34:56 UTC' +%s, and so on. */
#define T_2026_01_15            INT64_C(1768435200)     /* 00:00:00 UTC */
#define NOW                     (INT64_C(1768480496) * SEC + 789012)    /* 2026-01-15 12:34:56.789012 UTC */

static void set_tz(const char *tz) {
        ck_assert_int_eq(setenv("TZ", tz, 1), 0);
        tzset();
}

static bool have_zone(const char *name) {
        char path[256];

        (void) snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", name);
        if (access(path, R_OK) == 0)
                return true;
        if (getenv("CI"))
                ck_abort_msg("%s is missing: install tzdata", path);
        fprintf(stderr, "%s is missing (no tzdata), skipping the %s cases\n", path, name);
        return false;
}

typedef struct {
        const char *in;
        int64_t want;
} Case;

typedef struct {
        const char *in;
        int error;
} Reject;

static void check_duration(const Case *c) {
        uint64_t v = 0;
        int r;

        r = parse_duration(c->in, &v);
        ck_assert_msg(r == 0, "parse_duration(\"%s\") = %d", c->in, r);
        ck_assert_msg(v == (uint64_t) c->want, "parse_duration(\"%s\") = %" PRIu64 ", want %" PRId64,
                      c->in, v, c->want);
}

static void check_timestamp(const Case *c, int64_t now) {
        int64_t v = 0;
        int r;

        r = parse_timestamp(c->in, now, &v);
        ck_assert_msg(r == 0, "parse_timestamp(\"%s\") = %d", c->in, r);
        ck_assert_msg(v == c->want, "parse_timestamp(\"%s\") = %" PRId64 ", want %" PRId64 " (off by %" PRId64 ")",
                      c->in, v, c->want, v - c->want);
}

START_TEST(test_duration_accepts) {
        static const Case cases[] = {
                /* the forms capctl's help shows */
                { "30m", 30 * MIN },
                { "2h", 2 * HOUR },
                { "7d", 7 * DAY },
                { "1h30m", HOUR + 30 * MIN },
                { "90s", 90 * SEC },
                { "2w", 2 * WEEK },
                { "500ms", 500 * MS },
                { "30d", 30 * DAY },
                /* every unit name */
                { "7us", 7 },
                { "7usec", 7 },
                { "7ms", 7 * MS },
                { "7msec", 7 * MS },
                { "7s", 7 * SEC },
                { "7sec", 7 * SEC },
                { "1second", SEC },
                { "7seconds", 7 * SEC },
                { "7m", 7 * MIN },
                { "7min", 7 * MIN },
                { "1minute", MIN },
                { "7minutes", 7 * MIN },
                { "7h", 7 * HOUR },
                { "7hr", 7 * HOUR },
                { "1hour", HOUR },
                { "7hours", 7 * HOUR },
                { "1day", DAY },
                { "7days", 7 * DAY },
                { "1week", WEEK },
                { "7weeks", 7 * WEEK },
                { "1M", MONTH },
                { "1month", MONTH },
                { "7months", 7 * MONTH },
                { "1y", YEAR },
                { "1year", YEAR },
                { "7years", 7 * YEAR },
                /* zero */
                { "0", 0 },
                { "0s", 0 },
                { "0h 0m", 0 },
                { "000001s", SEC },
                /* blanks between groups and before a unit, any order, repeats summed */
                { "1h 30min", HOUR + 30 * MIN },
                { "1h\t30m", HOUR + 30 * MIN },
                { "1h   30m", HOUR + 30 * MIN },
                { "2 weeks", 2 * WEEK },
                { "1 h 30 m", HOUR + 30 * MIN },
                { "30m1h", HOUR + 30 * MIN },
                { "1h1h", 2 * HOUR },
                { "1d 2h 3m 4s 5ms 6us", DAY + 2 * HOUR + 3 * MIN + 4 * SEC + 5 * MS + 6 },
                { "1y2M3w", YEAR + 2 * MONTH + 3 * WEEK },
                /* fractions, exact, truncated to whole microseconds */
                { "1.5h", 90 * MIN },
                { "0.5s", 500 * MS },
                { "1.25ms", 1250 },
                { "1.5y", INT64_C(47336400) * SEC },
                { "1.5M", INT64_C(3944700) * SEC },
                { "0.1us", 0 },
                { "1.9us", 1 },
                { "0.0000001s", 0 },
                { "0.9999999s", 999999 },
                { "0.000001s", 1 },
                { "2.50h", 150 * MIN },
                { "1.000000000000000000000000000001s", SEC },
                /* 0.333...3 (35 digits) of an hour lies just below 1200 s */
                { "0.33333333333333333333333333333333333h", 1200 * SEC - 1 },
                { "0.3333333333h", 1200 * SEC - 1 },
                { "0.1h 0.1h", 720 * SEC },
                /* the edge: INT64_MAX microseconds */
                { "9223372036854775807us", INT64_MAX },
                { "9223372036854775806us 1us", INT64_MAX },
                { "106751991d", INT64_C(106751991) * DAY },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                check_duration(&cases[i]);
}
END_TEST

/* Refused by both parsers, each with this error. */
static const Reject common_rejects[] = {
        { "", -EINVAL },
        { " ", -EINVAL },
        { "\t", -EINVAL },
        { "h", -EINVAL },
        { "m5", -EINVAL },
        { "5", -EINVAL },
        { "00", -EINVAL },
        { "0.0", -EINVAL },
        { "5x", -EINVAL },
        { "5mx", -EINVAL },
        { "--5m", -EINVAL },
        { "-+5m", -EINVAL },
        { "2h ago ago", -EINVAL },
        { "1h30", -EINVAL },
        { "1h 30", -EINVAL },
        { " 5m", -EINVAL },
        { "5m ", -EINVAL },
        { "5m\n", -EINVAL },
        { "5m x", -EINVAL },
        { "5m,", -EINVAL },
        { "1h,30m", -EINVAL },
        { "5 m in", -EINVAL },
        { "5.m", -EINVAL },
        { ".5m", -EINVAL },
        { "5..5m", -EINVAL },
        { "5.5.5m", -EINVAL },
        { "1e3s", -EINVAL },
        { "0x10s", -EINVAL },
        { "5H", -EINVAL },               /* units are case-sensitive */
        { "5MIN", -EINVAL },
        { "5Sec", -EINVAL },
        { "5mins", -EINVAL },
        { "5secs", -EINVAL },
        { "5hrs", -EINVAL },
        { "5\xc2\xb5s", -EINVAL },       /* "5µs" */
        { "\xef\xbc\x95s", -EINVAL },    /* a fullwidth '5' */
        { "infinity", -EINVAL },
        { "ago", -EINVAL },
        { "2h_ago", -EINVAL },
        /* too large */
        { "9999999999999999999d", -ERANGE },
        { "99999999999999999999999s", -ERANGE },
        { "18446744073709551616us", -ERANGE },
        { "9223372036854775808us", -ERANGE },
        { "9223372036854775807us 1us", -ERANGE },
        { "106751992d", -ERANGE },
        { "300000y", -ERANGE },
        { "1d 9999999999999999999d", -ERANGE },
        /* too large and garbage: garbage wins */
        { "99999999999999999999999x", -EINVAL },
        { "9999999999999999999d x", -EINVAL },
        { "9999999999999999999d 5", -EINVAL },
};

START_TEST(test_duration_rejects) {
        static const Reject only_here[] = {
                /* timestamps, not durations */
                { "-5m", -EINVAL },
                { "+5m", -EINVAL },
                { "2h ago", -EINVAL },
                { "now", -EINVAL },
                { "@5", -EINVAL },
                { "10:00", -EINVAL },
                { "2026-01-15", -EINVAL },
                { "0 ", -EINVAL },
                { " 0", -EINVAL },
        };
        const Reject *sets[] = { common_rejects, only_here };
        const size_t sizes[] = { ELEMENTSOF(common_rejects), ELEMENTSOF(only_here) };

        for (size_t k = 0; k < ELEMENTSOF(sets); k++)
                for (size_t i = 0; i < sizes[k]; i++) {
                        uint64_t v = 4242;
                        int r = parse_duration(sets[k][i].in, &v);

                        ck_assert_msg(r == sets[k][i].error, "parse_duration(\"%s\") = %d, want %d",
                                      sets[k][i].in, r, sets[k][i].error);
                        ck_assert_msg(v == 4242, "parse_duration(\"%s\") wrote its result on failure", sets[k][i].in);
                }
        ck_assert_int_eq(parse_duration(NULL, &(uint64_t) { 0 }), -EINVAL);
}
END_TEST

START_TEST(test_timestamp_accepts) {
        static const Case cases[] = {
                { "now", NOW },
                /* capctl's shorthand: a bare duration is that long ago */
                { "30m", NOW - 30 * MIN },
                { "2h", NOW - 2 * HOUR },
                { "7d", NOW - 7 * DAY },
                { "1h 30min", NOW - HOUR - 30 * MIN },
                { "1.5h", NOW - 90 * MIN },
                { "500ms", NOW - 500 * MS },
                /* signs and "ago" */
                { "-2h", NOW - 2 * HOUR },
                { "+2h", NOW + 2 * HOUR },
                { "+1h30m", NOW + HOUR + 30 * MIN },
                { "2h ago", NOW - 2 * HOUR },
                { "1h 30m ago", NOW - HOUR - 30 * MIN },
                { "1 week ago", NOW - WEEK },
                { "0s ago", NOW },
                { "-0s", NOW },
                /* day words: midnight, here UTC */
                { "today", T_2026_01_15 * SEC },
                { "yesterday", (T_2026_01_15 - 86400) * SEC },
                { "tomorrow", (T_2026_01_15 + 86400) * SEC },
                { "today UTC", T_2026_01_15 * SEC },
                { "yesterday UTC", (T_2026_01_15 - 86400) * SEC },
                /* epoch seconds */
                { "@0", 0 },
                { "@1700000000", INT64_C(1700000000) * SEC },
                { "@1700000000.5", INT64_C(1700000000) * SEC + 500 * MS },
                { "@1700000000.000001", INT64_C(1700000000) * SEC + 1 },
                { "@1700000000.1234567", INT64_C(1700000000) * SEC + 123456 },
                { "@9223372036854.775807", INT64_MAX },
                /* dates and times */
                { "2026-01-15", T_2026_01_15 * SEC },
                { "2026-01-15 10:00", (T_2026_01_15 + 36000) * SEC },
                { "2026-01-15 10:00:30", (T_2026_01_15 + 36030) * SEC },
                { "2026-01-15 10:00:30.123456", (T_2026_01_15 + 36030) * SEC + 123456 },
                { "2026-01-15 10:00:30.5", (T_2026_01_15 + 36030) * SEC + 500000 },
                { "2026-01-15 10:00:30.1234569", (T_2026_01_15 + 36030) * SEC + 123456 },
                { "2026-01-15T10:00", (T_2026_01_15 + 36000) * SEC },
                { "2026-01-15T10:00:30", (T_2026_01_15 + 36030) * SEC },
                { "2026-01-15T10:00:30.000001", (T_2026_01_15 + 36030) * SEC + 1 },
                { "2026-01-15T10:00:30Z", (T_2026_01_15 + 36030) * SEC },
                { "2026-01-15T10:00Z", (T_2026_01_15 + 36000) * SEC },
                { "2026-01-15T10:00:30.25Z", (T_2026_01_15 + 36030) * SEC + 250000 },
                { "2026-01-15 10:00:30 UTC", (T_2026_01_15 + 36030) * SEC },
                { "2026-01-15 UTC", T_2026_01_15 * SEC },
                { "2026-01-15Z", T_2026_01_15 * SEC },
                { "2026-01-15 23:59:59", (T_2026_01_15 + 86399) * SEC },
                { "2024-02-29", INT64_C(1709164800) * SEC },
                { "2026-07-01 12:00", INT64_C(1782907200) * SEC },
                { "2026-12-31 23:59:59", INT64_C(1798761599) * SEC },
                { "2000-01-01", INT64_C(946684800) * SEC },
                { "1970-01-01", 0 },
                { "1969-12-31 23:59:59", -SEC },
                { "9999-12-31 23:59:59", INT64_C(253402300799) * SEC },
                /* a time of day is today's */
                { "10:00", (T_2026_01_15 + 36000) * SEC },
                { "10:00:30", (T_2026_01_15 + 36030) * SEC },
                { "10:00:30.25", (T_2026_01_15 + 36030) * SEC + 250000 },
                { "10:00Z", (T_2026_01_15 + 36000) * SEC },
                { "10:00 UTC", (T_2026_01_15 + 36000) * SEC },
                { "00:00", T_2026_01_15 * SEC },
                { "23:59:59", (T_2026_01_15 + 86399) * SEC },
        };

        set_tz("UTC");
        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                check_timestamp(&cases[i], NOW);
}
END_TEST

START_TEST(test_timestamp_rejects) {
        static const Reject only_here[] = {
                /* a duration inside a timestamp needs its unit */
                { "0", -EINVAL },
                { "-0", -EINVAL },
                { "+0", -EINVAL },
                { "0 ago", -EINVAL },
                { "-", -EINVAL },
                { "+", -EINVAL },
                { " ago", -EINVAL },
                { "2h  ago", -EINVAL },
                { "2h ago ", -EINVAL },
                { "-2h ago", -EINVAL },
                { "- 2h", -EINVAL },
                { "2h UTC", -EINVAL },
                { "2hZ", -EINVAL },
                /* words */
                { "now ", -EINVAL },
                { " now", -EINVAL },
                { "Now", -EINVAL },
                { "now UTC", -EINVAL },
                { "nowZ", -EINVAL },
                { "today ", -EINVAL },
                { "todayZ", -EINVAL },
                { "today utc", -EINVAL },
                { "yesterday ago", -EINVAL },
                { "-yesterday", -EINVAL },
                /* epoch */
                { "@", -EINVAL },
                { "@abc", -EINVAL },
                { "@-1", -EINVAL },
                { "@+1", -EINVAL },
                { "@1.", -EINVAL },
                { "@.5", -EINVAL },
                { "@1e9", -EINVAL },
                { "@ 1", -EINVAL },
                { "@1 ", -EINVAL },
                { "@1s", -EINVAL },
                { "@1700000000 UTC", -EINVAL },
                { "@9999999999999999999", -ERANGE },
                { "@99999999999999999999999", -ERANGE },
                { "@9223372036854.775808", -ERANGE },
                { "@9223372036855", -ERANGE },
                /* fields out of range */
                { "2026-02-30", -EINVAL },
                { "2025-02-29", -EINVAL },
                { "2100-02-29", -EINVAL },
                { "2026-13-01", -EINVAL },
                { "2026-00-10", -EINVAL },
                { "2026-01-00", -EINVAL },
                { "2026-01-32", -EINVAL },
                { "2026-04-31", -EINVAL },
                { "24:00", -EINVAL },
                { "23:60", -EINVAL },
                { "23:59:60", -EINVAL },
                { "99:99", -EINVAL },
                { "2026-01-15 24:00", -EINVAL },
                { "2026-01-15 10:60:00", -EINVAL },
                /* shapes */
                { "2026-1-15", -EINVAL },
                { "26-01-15", -EINVAL },
                { "20260115", -EINVAL },
                { "2026/01/15", -EINVAL },
                { "2026-01-15 ", -EINVAL },
                { "2026-01-15T", -EINVAL },
                { "2026-01-15  10:00", -EINVAL },
                { "2026-01-15X10:00", -EINVAL },
                { "2026-01-15 10", -EINVAL },
                { "2026-01-15 10:", -EINVAL },
                { "2026-01-15 10:0", -EINVAL },
                { "2026-01-15 10:00:", -EINVAL },
                { "2026-01-15 10:00:0", -EINVAL },
                { "2026-01-15 10:00:00.", -EINVAL },
                { "2026-01-15 10:00:00.5.5", -EINVAL },
                { "2026-01-15 10:00:00,5", -EINVAL },
                { "2026-01-15 10:00 UTC UTC", -EINVAL },
                { "2026-01-15 10:00ZZ", -EINVAL },
                { "2026-01-15 10:00 Z", -EINVAL },
                { "2026-01-15 10:00 utc", -EINVAL },
                { "2026-01-15 10:00 CET", -EINVAL },
                { "2026-01-15 10:00:00 +0100", -EINVAL },
                { "2026-01-15 10:00 ago", -EINVAL },
                { "-2026-01-15", -EINVAL },
                { "1:00", -EINVAL },
                { "100:00", -EINVAL },
                { "10:00:00 xyz", -EINVAL },
                { "10:00 ago", -EINVAL },
                { "UTC", -EINVAL },
                { " UTC", -EINVAL },
                { "Z", -EINVAL },
                /* too far */
                { "-9999999999999999999d", -ERANGE },
                { "+106751991d", -ERANGE },
        };
        const Reject *sets[] = { common_rejects, only_here };
        const size_t sizes[] = { ELEMENTSOF(common_rejects), ELEMENTSOF(only_here) };

        set_tz("UTC");
        for (size_t k = 0; k < ELEMENTSOF(sets); k++)
                for (size_t i = 0; i < sizes[k]; i++) {
                        int64_t v = 4242;
                        int r = parse_timestamp(sets[k][i].in, NOW, &v);

                        ck_assert_msg(r == sets[k][i].error, "parse_timestamp(\"%s\") = %d, want %d",
                                      sets[k][i].in, r, sets[k][i].error);
                        ck_assert_msg(v == 4242, "parse_timestamp(\"%s\") wrote its result on failure", sets[k][i].in);
                }
        ck_assert_int_eq(parse_timestamp(NULL, NOW, &(int64_t) { 0 }), -EINVAL);
}
END_TEST

START_TEST(test_timestamp_now_edges) {
        int64_t v = 0;

        set_tz("UTC");
        /* now itself near the ends of int64_t */
        ck_assert_int_eq(parse_timestamp("+1us", INT64_MAX - 1, &v), 0);
        ck_assert_int_eq(v, INT64_MAX);
        ck_assert_int_eq(parse_timestamp("+1us", INT64_MAX, &v), -ERANGE);
        ck_assert_int_eq(parse_timestamp("-1us", INT64_MIN, &v), -ERANGE);
        ck_assert_int_eq(parse_timestamp("1us", INT64_MIN, &v), -ERANGE);
        ck_assert_int_eq(parse_timestamp("1us ago", INT64_MIN, &v), -ERANGE);
        ck_assert_int_eq(parse_timestamp("9223372036854775807us", 0, &v), 0);
        ck_assert_int_eq(v, -INT64_MAX);
        ck_assert_int_eq(parse_timestamp("now", INT64_MIN, &v), 0);
        ck_assert_int_eq(v, INT64_MIN);

        /* a now before the epoch: the day is the one it falls on, not the one after */
        ck_assert_int_eq(parse_timestamp("today", -1, &v), 0);
        ck_assert_int_eq(v, -DAY);
        ck_assert_int_eq(parse_timestamp("00:00:01", -1, &v), 0);
        ck_assert_int_eq(v, -DAY + SEC);
        ck_assert_int_eq(parse_timestamp("today", 0, &v), 0);
        ck_assert_int_eq(v, 0);
        ck_assert_int_eq(parse_timestamp("tomorrow", DAY - 1, &v), 0);
        ck_assert_int_eq(v, DAY);

        /* the last microsecond of a day and the first of the next */
        ck_assert_int_eq(parse_timestamp("today", (T_2026_01_15 + 86400) * SEC - 1, &v), 0);
        ck_assert_int_eq(v, T_2026_01_15 * SEC);
        ck_assert_int_eq(parse_timestamp("today", (T_2026_01_15 + 86400) * SEC, &v), 0);
        ck_assert_int_eq(v, (T_2026_01_15 + 86400) * SEC);

        /* months roll over: yesterday of the 1st, tomorrow of Dec 31st */
        ck_assert_int_eq(parse_timestamp("yesterday", INT64_C(1769904000) * SEC + HOUR, &v), 0);  /* 2026-02-01 */
        ck_assert_int_eq(v, INT64_C(1769817600) * SEC);                                            /* 2026-01-31 */
        ck_assert_int_eq(parse_timestamp("tomorrow", INT64_C(1798761599) * SEC, &v), 0);           /* 2026-12-31 23:59:59 */
        ck_assert_int_eq(v, INT64_C(1798761600) * SEC);                                             /* 2027-01-01 */
}
END_TEST

START_TEST(test_timestamp_berlin) {
        /* date(1) again: TZ=Europe/Berlin date -d '2026-01-15 12:00' +%s, ... */
        static const Case cases[] = {
                { "2026-01-15 12:00", INT64_C(1768474800) * SEC },              /* CET, UTC+1 */
                { "2026-07-01 12:00", INT64_C(1782900000) * SEC },              /* CEST, UTC+2 */
                { "2026-01-15", INT64_C(1768431600) * SEC },
                { "2026-01-15 12:00 UTC", INT64_C(1768478400) * SEC },          /* UTC stays UTC */
                { "2026-01-15T12:00Z", INT64_C(1768478400) * SEC },
                { "2026-03-29 01:59:59", INT64_C(1774745999) * SEC },           /* the last second of CET */
                { "2026-03-29 03:00", INT64_C(1774746000) * SEC },              /* the same instant + 1 s, CEST */
                { "2026-03-29 03:30", INT64_C(1774747800) * SEC },
                { "2h", NOW - 2 * HOUR },                                       /* relative forms ignore the zone */
                { "@1700000000", INT64_C(1700000000) * SEC },
        };
        /* 2026-01-15 23:30 UTC, which is already 00:30 on the 16th in Berlin */
        const int64_t late = (T_2026_01_15 + 23 * 3600 + 1800) * SEC;
        /* 2026-03-30 10:00 CEST, the day after clocks went forward */
        const int64_t after_dst = INT64_C(1774857600) * SEC;
        int64_t v = 0;

        if (!have_zone("Europe/Berlin"))
                return;
        set_tz("Europe/Berlin");

        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                check_timestamp(&cases[i], NOW);

        /* in the gap when clocks go forward: no such local time */
        ck_assert_int_eq(parse_timestamp("2026-03-29 02:30", NOW, &v), -EINVAL);
        ck_assert_int_eq(parse_timestamp("2026-03-29 02:00", NOW, &v), -EINVAL);
        /* twice when they go back: either is right */
        ck_assert_int_eq(parse_timestamp("2026-10-25 02:30", NOW, &v), 0);
        ck_assert_msg(v == INT64_C(1792888200) * SEC || v == INT64_C(1792891800) * SEC, "got %" PRId64, v);

        /* local midnight, not UTC's */
        check_timestamp(&(Case) { "today", INT64_C(1768518000) * SEC }, late);
        check_timestamp(&(Case) { "yesterday", INT64_C(1768431600) * SEC }, late);
        check_timestamp(&(Case) { "tomorrow", INT64_C(1768604400) * SEC }, late);
        check_timestamp(&(Case) { "today UTC", T_2026_01_15 * SEC }, late);
        check_timestamp(&(Case) { "10:00", INT64_C(1768554000) * SEC }, late);     /* 2026-01-16 10:00 CET */
        check_timestamp(&(Case) { "10:00 UTC", (T_2026_01_15 + 36000) * SEC }, late);
        check_timestamp(&(Case) { "10:00Z", (T_2026_01_15 + 36000) * SEC }, late);

        /* a day of 23 hours */
        check_timestamp(&(Case) { "today", INT64_C(1774821600) * SEC }, after_dst);
        check_timestamp(&(Case) { "yesterday", INT64_C(1774738800) * SEC }, after_dst);

        /* TZ is read at each call */
        set_tz("UTC");
        check_timestamp(&(Case) { "today", T_2026_01_15 * SEC }, late);
        check_timestamp(&(Case) { "2026-01-15 12:00", INT64_C(1768478400) * SEC }, NOW);
}
END_TEST

START_TEST(test_timestamp_offset_zone) {
        /* a zone behind UTC, without tzdata: POSIX TZ strings need no files */
        int64_t v = 0;

        set_tz("EST5");
        check_timestamp(&(Case) { "2026-01-15 12:00", (T_2026_01_15 + 17 * 3600) * SEC }, NOW);
        /* NOW is 07:34 in New York's winter: the same day */
        check_timestamp(&(Case) { "today", (T_2026_01_15 + 5 * 3600) * SEC }, NOW);
        /* 2026-01-15 02:00 UTC is still the 14th there */
        check_timestamp(&(Case) { "today", (T_2026_01_15 - 86400 + 5 * 3600) * SEC }, (T_2026_01_15 + 7200) * SEC);
        ck_assert_int_eq(parse_timestamp("2026-02-30", NOW, &v), -EINVAL);
}
END_TEST

START_TEST(test_format_duration) {
        static const struct {
                uint64_t usec;
                const char *want;
        } cases[] = {
                { 0, "0" },
                { 1, "1us" },
                { 999, "999us" },
                { 1000, "1ms" },
                { 1500 * MS, "1s 500ms" },
                { 30 * DAY, "30d" },
                { 2 * HOUR + 5 * MIN, "2h 5min" },
                { 90 * MIN, "1h 30min" },
                { WEEK, "7d" },
                { YEAR, "365d 6h" },
                { DAY + 2 * HOUR + 3 * MIN + 4 * SEC + 5 * MS + 6, "1d 2h 3min 4s 5ms 6us" },
                { UINT64_MAX, "213503982d 8h 1min 49s 551ms 615us" },
        };
        char buf[FORMAT_DURATION_MAX];

        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                ck_assert_str_eq(format_duration(cases[i].usec, buf, sizeof buf), cases[i].want);

        /* too small: cut, but terminated */
        ck_assert_str_eq(format_duration(2 * HOUR + 5 * MIN, buf, 5), "2h 5");
        ck_assert_str_eq(format_duration(2 * HOUR + 5 * MIN, buf, 1), "");
        ck_assert_str_eq(format_duration(0, buf, 1), "");
        ck_assert_ptr_null(format_duration(1, buf, 0));
}
END_TEST

START_TEST(test_format_round_trip) {
        static const uint64_t values[] = {
                0, 1, 999, 1000, 1001, 59 * SEC, 61 * SEC, HOUR - 1, 30 * DAY, YEAR, MONTH,
                INT64_C(1768480496789012), INT64_MAX - 1, INT64_MAX,
        };
        char buf[FORMAT_DURATION_MAX];

        for (size_t i = 0; i < ELEMENTSOF(values); i++) {
                uint64_t v = 0;

                format_duration(values[i], buf, sizeof buf);
                ck_assert_msg(parse_duration(buf, &v) == 0, "\"%s\" does not parse", buf);
                ck_assert_msg(v == values[i], "\"%s\" = %" PRIu64 ", want %" PRIu64, buf, v, values[i]);
        }
        /* what parse_duration() refuses, format_duration() still prints */
        ck_assert_int_eq(parse_duration(format_duration(UINT64_MAX, buf, sizeof buf), &(uint64_t) { 0 }), -ERANGE);
}
END_TEST

int main(void) {
        Suite *s = suite_create("time-parse");
        TCase *tc = tcase_create("parse");

        tcase_add_test(tc, test_duration_accepts);
        tcase_add_test(tc, test_duration_rejects);
        tcase_add_test(tc, test_timestamp_accepts);
        tcase_add_test(tc, test_timestamp_rejects);
        tcase_add_test(tc, test_timestamp_now_edges);
        tcase_add_test(tc, test_timestamp_berlin);
        tcase_add_test(tc, test_timestamp_offset_zone);
        tcase_add_test(tc, test_format_duration);
        tcase_add_test(tc, test_format_round_trip);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
