/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "capguard/macro.h"
#include "capguard/time-parse.h"

#define USEC_PER_MSEC   UINT64_C(1000)
#define USEC_PER_SEC    UINT64_C(1000000)
#define USEC_PER_MINUTE (UINT64_C(60) * USEC_PER_SEC)
#define USEC_PER_HOUR   (UINT64_C(60) * USEC_PER_MINUTE)
#define USEC_PER_DAY    (UINT64_C(24) * USEC_PER_HOUR)
#define USEC_PER_WEEK   (UINT64_C(7) * USEC_PER_DAY)
#define USEC_PER_MONTH  (UINT64_C(2629800) * USEC_PER_SEC)     /* 30.4375 d, as systemd */
#define USEC_PER_YEAR   (UINT64_C(31557600) * USEC_PER_SEC)    /* 365.25 d */

/* systemd's names (parse_sec()), but case-sensitive: "m" is a minute, "M" a month. */
static const struct {
        const char *name;
        uint64_t usec;
} units[] = {
        { "us", 1 },
        { "usec", 1 },
        { "ms", USEC_PER_MSEC },
        { "msec", USEC_PER_MSEC },
        { "s", USEC_PER_SEC },
        { "sec", USEC_PER_SEC },
        { "second", USEC_PER_SEC },
        { "seconds", USEC_PER_SEC },
        { "m", USEC_PER_MINUTE },
        { "min", USEC_PER_MINUTE },
        { "minute", USEC_PER_MINUTE },
        { "minutes", USEC_PER_MINUTE },
        { "h", USEC_PER_HOUR },
        { "hr", USEC_PER_HOUR },
        { "hour", USEC_PER_HOUR },
        { "hours", USEC_PER_HOUR },
        { "d", USEC_PER_DAY },
        { "day", USEC_PER_DAY },
        { "days", USEC_PER_DAY },
        { "w", USEC_PER_WEEK },
        { "week", USEC_PER_WEEK },
        { "weeks", USEC_PER_WEEK },
        { "M", USEC_PER_MONTH },
        { "month", USEC_PER_MONTH },
        { "months", USEC_PER_MONTH },
        { "y", USEC_PER_YEAR },
        { "year", USEC_PER_YEAR },
        { "years", USEC_PER_YEAR },
};

/* Not <ctype.h>: that depends on the locale, and these are ASCII grammars. */
static bool is_digit(char c) {
        return c >= '0' && c <= '9';
}

static bool is_letter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_blank(char c) {
        return c == ' ' || c == '\t';
}

static bool has_suffix(const char *s, size_t len, const char *suffix) {
        size_t n = strlen(suffix);

        return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

static bool mem_is(const char *s, size_t len, const char *word) {
        return strlen(word) == len && memcmp(s, word, len) == 0;
}

static int unit_lookup(const char *name, size_t len, uint64_t *ret) {
        for (size_t i = 0; i < ELEMENTSOF(units); i++)
                if (mem_is(name, len, units[i].name)) {
                        *ret = units[i].usec;
                        return 0;
                }
        return -EINVAL;
}

/* floor(mult * 0.<digits>), exactly and without floating point, for any number of digits:
 * Horner's rule from the last digit, since floor((a + floor(y)) / 10) == floor((a + y) / 10)
 * for an integer a. Each step stays below 10 * mult. */
static uint64_t fraction_of(const char *digits, size_t n, uint64_t mult) {
        uint64_t x = 0;

        for (size_t i = n; i > 0; i--)
                x = ((uint64_t) (digits[i - 1] - '0') * mult + x) / 10;
        return x;
}

/* Reads "<digits>[.<digits>]" at *p (before e). The integer part saturates, setting *overflow,
 * so that a syntax error further on can still be told apart from a number too large. */
static int read_number(const char **p, const char *e, uint64_t *ret_int, const char **ret_frac,
                       size_t *ret_frac_len, bool *overflow) {
        const char *q = *p, *frac = NULL;
        uint64_t n = 0;

        if (q >= e || !is_digit(*q))
                return -EINVAL;
        for (; q < e && is_digit(*q); q++)
                if (__builtin_mul_overflow(n, 10, &n) || __builtin_add_overflow(n, (uint64_t) (*q - '0'), &n)) {
                        n = UINT64_MAX;
                        *overflow = true;
                }
        if (q < e && *q == '.') {
                frac = ++q;
                while (q < e && is_digit(*q))
                        q++;
                if (q == frac)
                        return -EINVAL;
        }

        *p = q;
        *ret_int = n;
        *ret_frac = frac;
        *ret_frac_len = frac ? (size_t) (q - frac) : 0;
        return 0;
}

/* parse_duration() on s[0..len), which need not be terminated there. */
static int duration_parse(const char *s, size_t len, bool allow_bare_zero, uint64_t *ret) {
        const char *p = s, *e = s + len;
        uint64_t total = 0;
        bool overflow = false;

        if (allow_bare_zero && mem_is(s, len, "0")) {
                *ret = 0;
                return 0;
        }

        for (;;) {
                const char *frac, *unit, *after;
                uint64_t n, mult, v;
                size_t frac_len;
                int r;

                r = read_number(&p, e, &n, &frac, &frac_len, &overflow);
                if (r < 0)
                        return r;
                while (p < e && is_blank(*p))
                        p++;
                for (unit = p; p < e && is_letter(*p); p++)
                        ;
                if (unit_lookup(unit, (size_t) (p - unit), &mult) < 0)
                        return -EINVAL;

                if (__builtin_mul_overflow(n, mult, &v) ||
                    __builtin_add_overflow(v, fraction_of(frac, frac_len, mult), &v) ||
                    __builtin_add_overflow(total, v, &total))
                        overflow = true;

                for (after = p; p < e && is_blank(*p); p++)
                        ;
                if (p == e) {
                        if (p != after)
                                return -EINVAL;         /* trailing blanks */
                        break;
                }
        }

        if (overflow || total > INT64_MAX)
                return -ERANGE;
        *ret = total;
        return 0;
}

int parse_duration(const char *s, uint64_t *ret_usec) {
        if (!s)
                return -EINVAL;
        return duration_parse(s, strlen(s), true, ret_usec);
}

/* "@<seconds>[.<fraction>]", after the '@'. */
static int epoch_parse(const char *s, size_t len, int64_t *ret) {
        const char *p = s, *frac;
        uint64_t sec, v;
        size_t frac_len;
        bool overflow = false;
        int r;

        r = read_number(&p, s + len, &sec, &frac, &frac_len, &overflow);
        if (r < 0)
                return r;
        if (p != s + len)
                return -EINVAL;
        if (overflow || __builtin_mul_overflow(sec, USEC_PER_SEC, &v) ||
            __builtin_add_overflow(v, fraction_of(frac, frac_len, USEC_PER_SEC), &v) || v > INT64_MAX)
                return -ERANGE;
        *ret = (int64_t) v;
        return 0;
}

/* now moved by a duration (a unit required) back (sign < 0) or forth. */
static int relative_parse(const char *s, size_t len, int64_t now, int sign, int64_t *ret) {
        uint64_t d;
        int64_t t;
        int r;

        r = duration_parse(s, len, false, &d);
        if (r < 0)
                return r;
        /* d <= INT64_MAX */
        if (sign < 0 ? __builtin_sub_overflow(now, (int64_t) d, &t) : __builtin_add_overflow(now, (int64_t) d, &t))
                return -ERANGE;
        *ret = t;
        return 0;
}

/* Exactly two digits. */
static bool read_2(const char **p, const char *e, int *ret) {
        const char *q = *p;

        if (e - q < 2 || !is_digit(q[0]) || !is_digit(q[1]))
                return false;
        *ret = (q[0] - '0') * 10 + (q[1] - '0');
        *p = q + 2;
        return true;
}

static bool read_char(const char **p, const char *e, char c) {
        if (*p >= e || **p != c)
                return false;
        (*p)++;
        return true;
}

/* The calendar day that now falls on, in UTC or local time. */
static int day_of(int64_t now, bool utc, struct tm *ret) {
        /* floor, not truncation, before the epoch */
        time_t sec = (time_t) (now / (int64_t) USEC_PER_SEC - (now % (int64_t) USEC_PER_SEC < 0));

        if (!utc)
                tzset();        /* localtime_r(), unlike mktime(), need not read TZ afresh */
        if (!(utc ? gmtime_r(&sec, ret) : localtime_r(&sec, ret)))
                return -ERANGE;
        return 0;
}

/* tm (with tm_isdst -1) to usec, through timegm() or mktime(). With exact, fields that the
 * conversion had to normalise (month 13, Feb 30, hour 24, a local time in a DST gap) are
 * -EINVAL. */
static int tm_to_usec(struct tm *tm, bool utc, bool exact, unsigned usec, int64_t *ret) {
        struct tm want = *tm;
        time_t t;
        int64_t v;

        tm->tm_wday = -1;       /* left as is only when the conversion fails */
        t = utc ? timegm(tm) : mktime(tm);
        if (tm->tm_wday < 0)
                return -ERANGE;
        if (exact && (tm->tm_year != want.tm_year || tm->tm_mon != want.tm_mon || tm->tm_mday != want.tm_mday ||
                      tm->tm_hour != want.tm_hour || tm->tm_min != want.tm_min || tm->tm_sec != want.tm_sec))
                return -EINVAL;
        if (__builtin_mul_overflow((int64_t) t, (int64_t) USEC_PER_SEC, &v) ||
            __builtin_add_overflow(v, (int64_t) usec, &v))
                return -ERANGE;
        *ret = v;
        return 0;
}

static bool looks_like_date(const char *s, size_t len) {
        return len >= 5 && is_digit(s[0]) && is_digit(s[1]) && is_digit(s[2]) && is_digit(s[3]) && s[4] == '-';
}

static bool looks_like_time(const char *s, size_t len) {
        return len >= 3 && is_digit(s[0]) && is_digit(s[1]) && s[2] == ':';
}

/* "YYYY-MM-DD", "YYYY-MM-DD[ T]HH:MM[:SS[.f]]" or "HH:MM[:SS[.f]]", the zone suffix removed. */
static int calendar_parse(const char *s, size_t len, int64_t now, bool utc, int64_t *ret) {
        const char *p = s, *e = s + len;
        struct tm tm = {};
        unsigned usec = 0;
        bool have_time = true;
        int year_hi, year_lo, r;

        if (looks_like_date(s, len)) {
                if (!read_2(&p, e, &year_hi) || !read_2(&p, e, &year_lo) || !read_char(&p, e, '-') ||
                    !read_2(&p, e, &tm.tm_mon) || !read_char(&p, e, '-') || !read_2(&p, e, &tm.tm_mday))
                        return -EINVAL;
                tm.tm_year = year_hi * 100 + year_lo - 1900;
                tm.tm_mon -= 1;
                if (p == e)
                        have_time = false;
                else if (!read_char(&p, e, ' ') && !read_char(&p, e, 'T'))
                        return -EINVAL;
        } else {
                r = day_of(now, utc, &tm);
                if (r < 0)
                        return r;
        }

        tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
        if (have_time) {
                if (!read_2(&p, e, &tm.tm_hour) || !read_char(&p, e, ':') || !read_2(&p, e, &tm.tm_min))
                        return -EINVAL;
                if (read_char(&p, e, ':')) {
                        if (!read_2(&p, e, &tm.tm_sec))
                                return -EINVAL;
                        if (read_char(&p, e, '.')) {
                                const char *frac = p;

                                while (p < e && is_digit(*p))
                                        p++;
                                if (p == frac)
                                        return -EINVAL;
                                usec = (unsigned) fraction_of(frac, (size_t) (p - frac), USEC_PER_SEC);
                        }
                }
                if (p != e)
                        return -EINVAL;
        }

        tm.tm_isdst = -1;
        return tm_to_usec(&tm, utc, true, usec, ret);
}

/* "today" (delta 0), "yesterday" (-1), "tomorrow" (+1): midnight, as journalctl takes them. */
static int day_word_parse(int64_t now, bool utc, int delta, int64_t *ret) {
        struct tm tm;
        int r;

        r = day_of(now, utc, &tm);
        if (r < 0)
                return r;
        tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
        tm.tm_mday += delta;
        tm.tm_isdst = -1;
        /* not exact: where midnight falls in a DST gap, the day starts at the gap's end */
        return tm_to_usec(&tm, utc, false, 0, ret);
}

int parse_timestamp(const char *s, int64_t now, int64_t *ret_usec) {
        static const struct {
                const char *word;
                int delta;
        } day_words[] = {
                { "today", 0 },
                { "yesterday", -1 },
                { "tomorrow", +1 },
        };
        size_t len;
        bool utc = false;

        if (!s)
                return -EINVAL;
        len = strlen(s);

        if (streq(s, "now")) {
                *ret_usec = now;
                return 0;
        }
        if (s[0] == '@')
                return epoch_parse(s + 1, len - 1, ret_usec);
        if (s[0] == '-' || s[0] == '+')
                return relative_parse(s + 1, len - 1, now, s[0] == '-' ? -1 : +1, ret_usec);
        if (len > STRLEN(" ago") && has_suffix(s, len, " ago"))
                return relative_parse(s, len - STRLEN(" ago"), now, -1, ret_usec);

        /* What is left is a date, a time of day, a day word, or the bare-duration shorthand. */
        if (has_suffix(s, len, " UTC")) {
                utc = true;
                len -= STRLEN(" UTC");
        } else if (len >= 2 && s[len - 1] == 'Z' && is_digit(s[len - 2])) {
                utc = true;
                len -= 1;
        }

        for (size_t i = 0; i < ELEMENTSOF(day_words); i++)
                if (mem_is(s, len, day_words[i].word))
                        return day_word_parse(now, utc, day_words[i].delta, ret_usec);
        if (looks_like_date(s, len) || looks_like_time(s, len))
                return calendar_parse(s, len, now, utc, ret_usec);
        if (utc)
                return -EINVAL;         /* a zone after anything else */

        return relative_parse(s, len, now, -1, ret_usec);
}

const char *format_duration(uint64_t usec, char *buf, size_t size) {
        /* Days at most: months and years are averages, and "30d" reads better than "4w 2d". */
        static const struct {
                const char *suffix;
                uint64_t usec;
        } table[] = {
                { "d", USEC_PER_DAY },
                { "h", USEC_PER_HOUR },
                { "min", USEC_PER_MINUTE },
                { "s", USEC_PER_SEC },
                { "ms", USEC_PER_MSEC },
                { "us", 1 },
        };
        size_t l = 0;

        if (size == 0)
                return NULL;
        if (usec == 0) {
                (void) snprintf(buf, size, "0");
                return buf;
        }

        buf[0] = '\0';
        for (size_t i = 0; i < ELEMENTSOF(table) && usec > 0; i++) {
                uint64_t n = usec / table[i].usec;
                int k;

                if (n == 0)
                        continue;
                usec -= n * table[i].usec;
                k = snprintf(buf + l, size - l, "%s%" PRIu64 "%s", l > 0 ? " " : "", n, table[i].suffix);
                if (k < 0 || (size_t) k >= size - l)
                        break;          /* truncated, and terminated */
                l += (size_t) k;
        }
        return buf;
}
