/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "capguard/cap-json.h"
#include "capguard/crun-status.h"
#include "capguard/fileio.h"
#include "capguard/oci-config.h"
#include "capguard/rfc3339.h"

void crun_status_done(CrunStatus *s) {
        if (!s)
                return;
        free(s->bundle);
        *s = (CrunStatus) {};
}

/* A member as crun reads it (json_object_object_get(): the exact key): 1 if it has the given
 * type, 0 if absent or null, -EBADMSG if of another type. */
static int member(json_object *o, const char *key, json_type type, json_object **ret) {
        json_object *v;

        if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
                return 0;
        if (!json_object_is_type(v, type))
                return -EBADMSG;

        *ret = v;
        return 1;
}

/* A required integer member in [min, max]. */
static int member_int_range(json_object *o, const char *key, int64_t min, int64_t max, int64_t *ret) {
        json_object *v;
        int r;

        r = member(o, key, json_type_int, &v);
        if (r <= 0)
                return r < 0 ? r : -EBADMSG;
        return oci_json_int_range(v, min, max, ret);
}

static int parse_init(json_object *root, CrunStatus *s) {
        int64_t pid, start;
        int r;

        r = member_int_range(root, "pid", 1, INT_MAX, &pid);
        if (r < 0)
                return r;
        /* 0 is what crun's reader assumes for a file without it ("backwards compatibility"):
         * unknown, and proc_pin() would then take whichever process has the pid now. */
        r = member_int_range(root, "process-start-time", 1, INT64_MAX - 1, &start);
        if (r < 0)
                return r;

        s->pid = (pid_t) pid;
        s->start = (uint64_t) start;
        return 0;
}

static int parse_created(json_object *root, CrunStatus *s) {
        json_object *v;
        int r;

        r = member(root, "created", json_type_string, &v);
        if (r <= 0)
                return r;

        r = rfc3339_parse_usec(json_object_get_string(v), (size_t) json_object_get_string_len(v),
                               &s->created_usec);
        if (r < 0)
                return r;
        s->has_created = true;
        return 0;
}

static int parse_bundle(json_object *root, CrunStatus *s) {
        json_object *v;
        const char *dir;
        size_t len;
        int r;

        r = member(root, "bundle", json_type_string, &v);
        if (r <= 0)
                return r;

        /* crun makes it absolute (getcwd() or realpath()) before it writes it. */
        dir = json_object_get_string(v);
        len = (size_t) json_object_get_string_len(v);
        return oci_bundle_path(dir, len, &s->bundle);
}

int crun_status_parse(const char *buf, size_t len, CrunStatus *ret) {
        _cleanup_crun_status_ CrunStatus s = {};
        _cleanup_json_ json_object *root = NULL;
        int r;

        if (!buf || !ret)
                return -EINVAL;
        if (len > CRUN_STATUS_SIZE_MAX)
                return -EFBIG;

        /* One object, no key twice, no NUL, nothing after it: crun writes nothing else. */
        r = oci_json_parse(buf, len, &root);
        if (r < 0)
                return r;

        r = parse_init(root, &s);
        if (r < 0)
                return r;
        r = parse_created(root, &s);
        if (r < 0)
                return r;
        r = parse_bundle(root, &s);
        if (r < 0)
                return r;

        *ret = s;
        s = (CrunStatus) {};
        return 0;
}

int crun_status_read_at(int dir_fd, const char *path, CrunStatus *ret) {
        _cleanup_free_ char *buf = NULL;
        size_t len;
        int r;

        r = read_full_file_at(dir_fd, path, CRUN_STATUS_SIZE_MAX, &buf, &len);
        if (r < 0)
                return r;

        return crun_status_parse(buf, len, ret);
}
