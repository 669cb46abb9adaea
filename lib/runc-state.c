/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "capguard/cap-json.h"
#include "capguard/fileio.h"
#include "capguard/json-prune.h"
#include "capguard/proc-cgroup.h"
#include "capguard/rfc3339.h"
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
        int r;

        r = oci_json_member(o, key, json_type_int, &v);
        if (r <= 0)
                return r < 0 ? r : -EBADMSG;
        return oci_json_int_range(v, min, max, ret);
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

        return rfc3339_parse_usec(json_object_get_string(v), (size_t) json_object_get_string_len(v),
                                  &s->created_usec);
}

static int parse_bundle(json_object *config, RuncState *s) {
        json_object *labels, *last;
        const char *label, *dir;
        size_t n, len;
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
        return oci_bundle_path(dir, len, &s->bundle);
}

/* cgroup_paths: by controller ("" for the unified hierarchy), where runc put the container.
 * Optional, for a runc that wrote none. Every hierarchy names the same cgroup but in odd
 * setups; the first that names the engine of this id counts. */
static int parse_engine(json_object *root, RuncState *s) {
        json_object *paths;
        int r;

        s->engine = _RUNTIME_INVALID;
        r = oci_json_member(root, "cgroup_paths", json_type_object, &paths);
        if (r <= 0)
                return r;

        json_object_object_foreach(paths, key, v) {
                CgroupContainer c;

                (void) key;
                if (!json_object_is_type(v, json_type_string))
                        return -EBADMSG;
                /* a path it cannot read names no engine; that is no reason to refuse the state */
                r = proc_cgroup_match_path(json_object_get_string(v), (size_t) json_object_get_string_len(v), &c);
                if (r > 0 && s->engine < 0 && c.match == CGROUP_MATCH_CERTAIN && c.runtime >= 0 && streq(c.id, s->id))
                        s->engine = c.runtime;
        }
        return 0;
}

static int parse_sets(json_object *config, RuncState *s) {
        json_object *caps, *nnp;
        int r;

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
        return 0;
}

static int parse_config(json_object *root, RuncStateParts parts, RuncState *s) {
        json_object *config;
        int r;

        r = oci_json_member(root, "config", json_type_object, &config);
        if (r <= 0)
                return r < 0 ? r : -EBADMSG;

        if (parts & RUNC_STATE_SETS) {
                r = parse_sets(config, s);
                if (r < 0)
                        return r;
        }
        return parse_bundle(config, s);
}

/* What the parse_*() above read: of config, runc's whole copy of the spec, three members,
 * or only the labels. */
static const JsonKeep keep_config_sets[] = {
        { "capabilities" }, { "no_new_privileges" }, { "labels" }, {}
};
static const JsonKeep keep_config_init[] = {
        { "labels" }, {}
};
static const JsonKeep keep_state_sets[] = {
        { "id" }, { "init_process_pid" }, { "init_process_start" }, { "created" }, { "config", keep_config_sets },
        { "cgroup_paths" }, {}
};
static const JsonKeep keep_state_init[] = {
        { "id" }, { "init_process_pid" }, { "init_process_start" }, { "created" }, { "config", keep_config_init },
        { "cgroup_paths" }, {}
};

int runc_state_parse(const char *buf, size_t len, RuncStateParts parts, RuncState *ret) {
        _cleanup_runc_state_ RuncState s = {};
        _cleanup_json_ json_object *root = NULL;
        int r;

        if (!buf || !ret || (parts & ~RUNC_STATE_SETS))
                return -EINVAL;
        if (len > RUNC_STATE_SIZE_MAX)
                return -EFBIG;

        r = json_prune_parse(buf, len, parts & RUNC_STATE_SETS ? keep_state_sets : keep_state_init, &root);
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
        r = parse_config(root, parts, &s);
        if (r < 0)
                return r;
        r = parse_engine(root, &s);
        if (r < 0)
                return r;

        *ret = s;
        s = (RuncState) {};
        return 0;
}

int runc_state_read_at(int dir_fd, const char *path, RuncStateParts parts, RuncState *ret) {
        _cleanup_free_ char *buf = NULL;
        size_t len;
        int r;

        r = read_full_file_at(dir_fd, path, RUNC_STATE_SIZE_MAX, &buf, &len);
        if (r < 0)
                return r;

        return runc_state_parse(buf, len, parts, ret);
}
