/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <time.h>

#include "capguard/cap-json.h"
#include "capguard/fileio.h"
#include "capguard/runc-state.h"

/* libcontainer's configs.Capabilities has no JSON tags: Go writes the field names. */
static const char *const runc_capset_keys[_CAP_SET_MAX] = {
        [CAP_SET_INHERITABLE] = "Inheritable",
        [CAP_SET_PERMITTED] = "Permitted",
        [CAP_SET_EFFECTIVE] = "Effective",
        [CAP_SET_BOUNDING] = "Bounding",
        [CAP_SET_AMBIENT] = "Ambient",
};

void runc_state_done(RuncState *s) {
        if (!s)
                return;
        oci_unknown_caps_done(&s->unknown_caps);
        free(s->bundle);
        *s = (RuncState) {};
}

/* ---- created: RFC 3339, as Go's time.Time marshals itself ---- */

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

static int parse_rfc3339_usec(const char *s, size_t len, int64_t *ret) {
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
         * is one. Go never writes a leap second (":60"), so that is refused too. */
        if (!gmtime_r(&t, &check) || check.tm_year != year - 1900 || check.tm_mon != mon - 1 ||
            check.tm_mday != day || check.tm_hour != hour || check.tm_min != min || check.tm_sec != sec)
                return -EBADMSG;

        *ret = ((int64_t) t - zone) * 1000000 + usec;
        return 0;
}

/* ---- members ---- */

static int parse_id(json_object *root, RuncState *s) {
        json_object *v;
        size_t len;
        int r;

        r = oci_json_member(root, "id", json_type_string, &v);
        if (r <= 0)
                return r < 0 ? r : -EBADMSG;

        len = (size_t) json_object_get_string_len(v);
        /* Also refuses an embedded NUL: it is no id character. */
        if (!container_id_is_valid(json_object_get_string(v), len))
                return -EBADMSG;

        memcpy(s->id, json_object_get_string(v), len + 1);
        return 0;
}

/* A required integer member in [min, max]. */
static int json_member_int_range(json_object *o, const char *key, int64_t min, int64_t max, int64_t *ret) {
        json_object *v;
        int64_t i;
        int r;

        r = oci_json_member(o, key, json_type_int, &v);
        if (r <= 0)
                return r < 0 ? r : -EBADMSG;

        i = json_object_get_int64(v);
        if (i < min || i > max)
                return -EBADMSG;

        *ret = i;
        return 0;
}

static int parse_init(json_object *root, RuncState *s) {
        int64_t pid, start;
        int r;

        r = json_member_int_range(root, "init_process_pid", 1, INT_MAX, &pid);
        if (r < 0)
                return r;

        /* json-c clamps anything beyond int64 to INT64_MAX: that value says nothing, and no
         * start time comes near it (2.9 billion years at 100 Hz). */
        r = json_member_int_range(root, "init_process_start", 0, INT64_MAX - 1, &start);
        if (r < 0)
                return r;

        s->init_pid = (pid_t) pid;
        s->init_start = (uint64_t) start;
        return 0;
}

static int parse_created(json_object *root, RuncState *s) {
        json_object *v;
        int r;

        r = oci_json_member(root, "created", json_type_string, &v);
        if (r <= 0)
                return r < 0 ? r : -EBADMSG;

        return parse_rfc3339_usec(json_object_get_string(v), (size_t) json_object_get_string_len(v),
                                  &s->created_usec);
}

static int parse_bundle(json_object *config, RuncState *s) {
        json_object *labels, *last;
        const char *label, *dir;
        size_t n, len;
        bool altered;
        char *b;
        int r;

        r = oci_json_member(config, "labels", json_type_array, &labels);
        if (r <= 0)
                return r;

        /* Go would refuse a []string with anything but strings (or null) in it. */
        n = json_object_array_length(labels);
        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(labels, i);

                if (!json_object_is_type(e, json_type_null) && !json_object_is_type(e, json_type_string))
                        return -EBADMSG;
        }

        last = n > 0 ? json_object_array_get_idx(labels, n - 1) : NULL;
        if (!json_object_is_type(last, json_type_string))
                return 0;
        label = json_object_get_string(last);
        len = (size_t) json_object_get_string_len(last);
        if (len < STRLEN("bundle=") || memcmp(label, "bundle=", STRLEN("bundle=")) != 0)
                return 0;

        dir = label + STRLEN("bundle=");
        len -= STRLEN("bundle=");
        if (len == 0 || dir[0] != '/')
                return -EBADMSG;

        b = oci_text_sanitize(dir, len, PATH_MAX - 1, &altered);
        if (!b)
                return -ENOMEM;
        if (altered) {
                free(b);
                return -EBADMSG;
        }

        s->bundle = b;
        return 0;
}

static int parse_config(json_object *root, RuncState *s) {
        json_object *config, *caps, *nnp;
        int r;

        r = oci_json_member(root, "config", json_type_object, &config);
        if (r <= 0)
                return r < 0 ? r : -EBADMSG;

        r = oci_json_member(config, "capabilities", json_type_object, &caps);
        if (r < 0)
                return r;
        if (r > 0) {
                r = oci_capabilities_parse(caps, runc_capset_keys, &s->caps, &s->unknown_caps);
                if (r < 0)
                        return r;
                s->has_caps = true;
        }

        /* omitempty: runc leaves it out when false. */
        r = oci_json_member(config, "no_new_privileges", json_type_boolean, &nnp);
        if (r < 0)
                return r;
        s->no_new_privs = r > 0 && json_object_get_boolean(nnp);

        return parse_bundle(config, s);
}

int runc_state_parse(const char *buf, size_t len, RuncState *ret) {
        _cleanup_runc_state_ RuncState s = {};
        _cleanup_json_ json_object *root = NULL;
        int r;

        if (!buf || !ret)
                return -EINVAL;
        if (len > RUNC_STATE_SIZE_MAX)
                return -EFBIG;

        r = oci_json_parse(buf, len, &root);
        if (r < 0)
                return r;

        r = parse_id(root, &s);
        if (r < 0)
                return r;
        r = parse_init(root, &s);
        if (r < 0)
                return r;
        r = parse_created(root, &s);
        if (r < 0)
                return r;
        r = parse_config(root, &s);
        if (r < 0)
                return r;

        *ret = s;
        s = (RuncState) {};
        return 0;
}

int runc_state_read_at(int dir_fd, const char *path, RuncState *ret) {
        _cleanup_free_ char *buf = NULL;
        size_t len;
        int r;

        r = read_full_file_at(dir_fd, path, RUNC_STATE_SIZE_MAX, &buf, &len);
        if (r < 0)
                return r;

        return runc_state_parse(buf, len, ret);
}
