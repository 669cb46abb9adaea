/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <time.h>

#include "capguard/rfc3339.h"

static int parse_digits(const char **p, const char *end, size_t n, int *ret) {
        int v = 0;

        if ((size_t) (end - *p) < n)
                return -EBADMSG;
        for (size_t i = 0; i < n; i++) {
                char c = (*p)[i];

                if (c < '0' || c > '9')
                        return -EBADMSG;
                v = v * 10 + (c - '0');
        }
        *p += n;
        *ret = v;
        return 0;
}

static int expect(const char **p, const char *end, char c) {
        if (*p >= end || **p != c)
                return -EBADMSG;
        (*p)++;
        return 0;
}

/* ".123456789": up to nanoseconds, kept to microseconds. */
static int parse_fraction(const char **p, const char *end, int *ret_usec) {
        int usec = 0;
        size_t n = 0;

        if (*p >= end || **p != '.') {
                *ret_usec = 0;
                return 0;
        }
        for ((*p)++; *p < end && **p >= '0' && **p <= '9'; (*p)++, n++)
                if (n < 6)
                        usec = usec * 10 + (**p - '0');
        if (n == 0 || n > 9)
                return -EBADMSG;
        for (; n < 6; n++)
                usec *= 10;

        *ret_usec = usec;
        return 0;
}

/* "Z", or "+hh:mm"/"-hh:mm": seconds east of UTC. */
static int parse_zone(const char **p, const char *end, int *ret) {
        int sign, h, m;

        if (*p < end && **p == 'Z') {
                (*p)++;
                *ret = 0;
                return 0;
        }
        if (*p >= end || (**p != '+' && **p != '-'))
                return -EBADMSG;
        sign = **p == '-' ? -1 : 1;
        (*p)++;
        if (parse_digits(p, end, 2, &h) < 0 || expect(p, end, ':') < 0 || parse_digits(p, end, 2, &m) < 0)
                return -EBADMSG;
        if (h > 23 || m > 59)
                return -EBADMSG;

        *ret = sign * (h * 3600 + m * 60);
        return 0;
}

int rfc3339_parse_usec(const char *s, size_t len, int64_t *ret) {
        const char *p = s, *end = s + len;
        struct tm tm = {}, check;
        int year, mon, day, hour, min, sec, usec, zone;
        time_t t;

        if (parse_digits(&p, end, 4, &year) < 0 || expect(&p, end, '-') < 0 ||
            parse_digits(&p, end, 2, &mon) < 0 || expect(&p, end, '-') < 0 ||
            parse_digits(&p, end, 2, &day) < 0 || expect(&p, end, 'T') < 0 ||
            parse_digits(&p, end, 2, &hour) < 0 || expect(&p, end, ':') < 0 ||
            parse_digits(&p, end, 2, &min) < 0 || expect(&p, end, ':') < 0 ||
            parse_digits(&p, end, 2, &sec) < 0 ||
            parse_fraction(&p, end, &usec) < 0 ||
            parse_zone(&p, end, &zone) < 0 || p != end)
                return -EBADMSG;

        tm = (struct tm) {
                .tm_year = year - 1900, .tm_mon = mon - 1, .tm_mday = day,
                .tm_hour = hour, .tm_min = min, .tm_sec = sec,
        };
        t = timegm(&tm);

        /* timegm() normalizes "02-31" into March: only a date that survives the round trip
         * is one. No runtime writes a leap second (":60"), so that is refused too. */
        if (!gmtime_r(&t, &check) || check.tm_year != year - 1900 || check.tm_mon != mon - 1 ||
            check.tm_mday != day || check.tm_hour != hour || check.tm_min != min || check.tm_sec != sec)
                return -EBADMSG;

        *ret = ((int64_t) t - zone) * 1000000 + usec;
        return 0;
}
