/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <strings.h>

#include "capguard/cap-json.h"
#include "capguard/fileio.h"
#include "capguard/json-prune.h"
#include "capguard/oci-config.h"

int oci_bundle_path(const char *dir, size_t len, char **ret) {
        bool altered;
        char *b;

        if (len == 0 || dir[0] != '/')
                return -EBADMSG;
        b = oci_text_sanitize(dir, len, PATH_MAX - 1, &altered);
        if (!b)
                return -ENOMEM;
        if (altered) {
                free(b);
                return -EBADMSG;
        }
        *ret = b;
        return 0;
}

/* A value of a Go map[string]string, annotations: keys are matched exactly there. */
static int json_map_string(json_object *o, const char *key, json_object **ret) {
        json_object *v;

        if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
                return 0;
        if (!json_object_is_type(v, json_type_string))
                return -EBADMSG;

        *ret = v;
        return 1;
}

static int json_member_u32(json_object *o, const char *key, uint32_t *ret) {
        json_object *v;
        int64_t i;
        int r;

        /* An int, as Go wants for a uint32: 1000.0 is refused there too. */
        r = oci_json_member(o, key, json_type_int, &v);
        if (r <= 0)
                return r;
        i = json_object_get_int64(v);
        if (i < 0 || i > UINT32_MAX)
                return -EBADMSG;

        *ret = (uint32_t) i;
        return 1;
}

static int json_member_bool(json_object *o, const char *key, bool *ret) {
        json_object *v;
        int r;

        r = oci_json_member(o, key, json_type_boolean, &v);
        if (r <= 0)
                return r;

        *ret = json_object_get_boolean(v);
        return 1;
}

/* A cleaned copy of the string v; *sanitized is set if the copy differs, never cleared. */
static int text_copy(json_object *v, size_t max, char **ret, bool *sanitized) {
        bool altered;
        char *s;

        s = oci_text_sanitize(json_object_get_string(v), (size_t) json_object_get_string_len(v), max, &altered);
        if (!s)
                return -ENOMEM;

        *sanitized = *sanitized || altered;
        *ret = s;
        return 0;
}

/* A cleaned copy of a string member: 1, 0 if absent. */
static int json_member_text(json_object *o, const char *key, size_t max, char **ret, bool *sanitized) {
        json_object *v;
        int r;

        r = oci_json_member(o, key, json_type_string, &v);
        if (r <= 0)
                return r;

        r = text_copy(v, max, ret, sanitized);
        return r < 0 ? r : 1;
}

static int annotation_text(json_object *annotations, const char *key, size_t max, char **ret, bool *sanitized) {
        json_object *v;
        int r;

        r = json_map_string(annotations, key, &v);
        if (r <= 0)
                return r;

        return text_copy(v, max, ret, sanitized);
}

/* A copy of a string member that names a file: 1, 0 if absent. A cleaned path would name
 * another file, so one that needs cleaning is refused instead. */
static int json_member_path(json_object *o, const char *key, char **ret) {
        bool altered = false;
        char *s = NULL;
        int r;

        r = json_member_text(o, key, PATH_MAX - 1, &s, &altered);
        if (r <= 0)
                return r;
        if (altered) {
                free(s);
                return -EBADMSG;
        }

        *ret = s;
        return 1;
}

/* ---- capabilities ---- */

void oci_unknown_caps_done(OciUnknownCaps *u) {
        if (!u)
                return;
        for (size_t i = 0; i < u->n; i++)
                free(u->names[i]);
        *u = (OciUnknownCaps) {};
}

static int unknown_caps_add(OciUnknownCaps *u, const char *name, size_t len) {
        _cleanup_free_ char *s = NULL;

        if (!u)
                return 0;

        s = oci_text_sanitize(name, len, OCI_CAP_NAME_MAX, NULL);
        if (!s)
                return -ENOMEM;

        for (size_t i = 0; i < u->n; i++)
                if (streq(u->names[i], s))
                        return 0;
        if (u->n >= OCI_UNKNOWN_CAPS_MAX) {
                u->more = true;
                return 0;
        }
        u->names[u->n++] = TAKE_PTR(s);
        return 0;
}

static int capability_from_oci_name(const char *name, size_t len, unsigned *ret) {
        const char *p = name;

        /* "CAP_SYS_ADMIN\0junk" is no name to Go; C would read the first half. */
        if (strlen(name) != len)
                return -EINVAL;
        if (strncasecmp(p, "cap_", 4) == 0)
                p += 4;
        if (!isalpha((unsigned char) p[0]))
                return -EINVAL;

        return capability_from_name(name, ret);
}

static int parse_cap_list(json_object *list, uint64_t *mask, OciUnknownCaps *unknown) {
        size_t n = json_object_array_length(list);

        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(list, i);
                const char *name;
                size_t len;
                unsigned cap;
                int r;

                /* Go reads a null element as "", a name no runtime knows: nothing to grant. */
                if (json_object_is_type(e, json_type_null))
                        continue;
                if (!json_object_is_type(e, json_type_string))
                        return -EBADMSG;

                name = json_object_get_string(e);
                len = (size_t) json_object_get_string_len(e);
                if (capability_from_oci_name(name, len, &cap) >= 0) {
                        *mask |= cap_bit(cap);
                        continue;
                }
                r = unknown_caps_add(unknown, name, len);
                if (r < 0)
                        return r;
        }
        return 0;
}

int oci_capabilities_parse(json_object *o, const char *const keys[static _CAP_SET_MAX], CapSets *ret,
                           OciUnknownCaps *unknown) {
        CapSets caps = {};

        if (!o || !keys || !ret)
                return -EINVAL;

        for (CapSet s = 0; s < _CAP_SET_MAX; s++) {
                json_object *list;
                int r;

                r = oci_json_member(o, keys[s], json_type_array, &list);
                if (r < 0)
                        return r;
                if (r == 0)
                        continue;
                r = parse_cap_list(list, &caps.mask[s], unknown);
                if (r < 0)
                        return r;
        }

        *ret = caps;
        return 0;
}

/* ---- the same from text ---- */

static bool text_null(const char *p, const char *end) {
        return end - p >= 4 && memcmp(p, "null", 4) == 0;
}

static int cap_name_add(const char *name, size_t len, uint64_t *mask, OciUnknownCaps *unknown) {
        char buf[OCI_CAP_NAME_MAX];
        unsigned cap;

        /* longer ones are no capability's name: unknown, as from a json-c string */
        if (len < sizeof buf) {
                memcpy(buf, name, len);
                buf[len] = '\0';
                if (capability_from_oci_name(buf, len, &cap) >= 0) {
                        *mask |= cap_bit(cap);
                        return 0;
                }
        }
        return unknown_caps_add(unknown, name, len);
}

/* What capguard's own configs and every runtime's hold: an object of the five sets, each null
 * or an array of strings without escapes and nulls. 1 and the sets read, or 0 for anything
 * else, which oci_capabilities_parse() reads from json-c's tree: a key of another spelling, an
 * unknown or repeated one, an escape, another type. The same sets and unknown names either
 * way, in the same order: the fuzz target holds the two together. */
static int caps_plain(const char *p, const char *end, const char *const keys[static _CAP_SET_MAX], CapSets *ret,
                      OciUnknownCaps *unknown) {
        const char *lists[_CAP_SET_MAX] = {}; /* each set's '[', read in CapSet order below */
        CapSets caps = {};
        int r;

        p = json_text_skip_space(p, end);
        if (p >= end || *p != '{')
                return 0;
        p = json_text_skip_space(p + 1, end);
        while (p < end && *p != '}') {
                const char *key = p + 1;
                size_t key_len;
                CapSet set = _CAP_SET_MAX;

                if (*p != '"' || !(p = json_text_plain_string(p, end, &key_len)))
                        return 0;
                for (CapSet c = 0; c < _CAP_SET_MAX; c++)
                        if (strlen(keys[c]) == key_len && memcmp(key, keys[c], key_len) == 0)
                                set = c;
                if (set == _CAP_SET_MAX || lists[set])
                        return 0;
                p = json_text_skip_space(p, end);
                if (p >= end || *p != ':')
                        return 0;
                p = json_text_skip_space(p + 1, end);
                if (text_null(p, end)) {
                        p += 4; /* null: an empty set, as an absent one */
                        lists[set] = "";
                } else {
                        if (p >= end || *p != '[')
                                return 0;
                        lists[set] = p;
                        for (p = json_text_skip_space(p + 1, end); p < end && *p != ']';) {
                                size_t len;

                                if (text_null(p, end))
                                        p += 4;
                                else if (*p != '"' || !(p = json_text_plain_string(p, end, &len)))
                                        return 0;
                                p = json_text_skip_space(p, end);
                                if (p < end && *p == ',')
                                        p = json_text_skip_space(p + 1, end);
                        }
                        if (p >= end)
                                return 0;
                        p++; /* past the ']' */
                }
                p = json_text_skip_space(p, end);
                if (p < end && *p == ',')
                        p = json_text_skip_space(p + 1, end);
        }

        for (CapSet c = 0; c < _CAP_SET_MAX; c++) {
                if (!lists[c] || !*lists[c])
                        continue;
                for (p = json_text_skip_space(lists[c] + 1, end); p < end && *p != ']';) {
                        const char *name = p + 1;
                        size_t len = 0;

                        if (text_null(p, end))
                                p += 4;
                        else {
                                p = json_text_plain_string(p, end, &len);
                                if (!p) /* the first pass found it plain */
                                        return -EBADMSG;
                                r = cap_name_add(name, len, &caps.mask[c], unknown);
                                if (r < 0)
                                        return r;
                        }
                        p = json_text_skip_space(p, end);
                        if (p < end && *p == ',')
                                p = json_text_skip_space(p + 1, end);
                }
        }
        *ret = caps;
        return 1;
}

int oci_capabilities_parse_text(const char *text, size_t len, const char *const keys[static _CAP_SET_MAX],
                                CapSets *ret, OciUnknownCaps *unknown) {
        _cleanup_json_ json_object *o = NULL;
        int r;

        if (!text || !keys || !ret)
                return -EINVAL;
        r = caps_plain(text, text + len, keys, ret, unknown);
        if (r != 0)
                return r < 0 ? r : 0;

        /* the slow way: the fast one read nothing into *unknown before it gave up */
        r = oci_json_parse(text, len, &o);
        if (r < 0)
                return r;
        return oci_capabilities_parse(o, keys, ret, unknown);
}

/* ---- config.json ---- */

void oci_config_done(OciConfig *c) {
        if (!c)
                return;
        oci_unknown_caps_done(&c->unknown_caps);
        free(c->argv0);
        free(c->root_path);
        free(c->k8s_namespace);
        free(c->pod);
        free(c->container);
        free(c->image);
        *c = (OciConfig) {};
}

/* The spec's names, spelled out: they must not change if capset_to_string()'s ever do. */
const char *const oci_capset_keys[_CAP_SET_MAX] = {
        [CAP_SET_INHERITABLE] = "inheritable",
        [CAP_SET_PERMITTED] = "permitted",
        [CAP_SET_EFFECTIVE] = "effective",
        [CAP_SET_BOUNDING] = "bounding",
        [CAP_SET_AMBIENT] = "ambient",
};

static int parse_user(json_object *process, OciConfig *c) {
        json_object *user;
        int r;

        r = oci_json_member(process, "user", json_type_object, &user);
        if (r <= 0)
                return r;

        r = json_member_u32(user, "uid", &c->uid);
        if (r < 0)
                return r;
        r = json_member_u32(user, "gid", &c->gid);
        if (r < 0)
                return r;
        return 0;
}

static int parse_args(json_object *process, OciConfig *c) {
        json_object *args, *a0;
        int r;

        r = oci_json_member(process, "args", json_type_array, &args);
        if (r <= 0 || json_object_array_length(args) == 0)
                return r;

        a0 = json_object_array_get_idx(args, 0);
        if (json_object_is_type(a0, json_type_null))
                return 0;
        if (!json_object_is_type(a0, json_type_string))
                return -EBADMSG;

        return text_copy(a0, OCI_ARGV0_MAX, &c->argv0, &c->sanitized);
}

static int parse_process(json_object *root, OciConfig *c) {
        json_object *process, *caps;
        bool nnp = false;
        int r;

        /* runc and crun refuse to create a container without one. */
        r = oci_json_member(root, "process", json_type_object, &process);
        if (r <= 0)
                return r < 0 ? r : -EBADMSG;

        /* kept as its text (keep_process): most often read without json-c */
        r = oci_json_member(process, "capabilities", json_type_string, &caps);
        if (r < 0)
                return r;
        if (r > 0 && !streq(json_object_get_string(caps), "null")) {
                r = oci_capabilities_parse_text(json_object_get_string(caps), (size_t) json_object_get_string_len(caps),
                                                oci_capset_keys, &c->caps, &c->unknown_caps);
                if (r < 0)
                        return r;
                c->has_caps = true;
        }

        r = parse_user(process, c);
        if (r < 0)
                return r;

        r = json_member_bool(process, "noNewPrivileges", &nnp);
        if (r < 0)
                return r;
        c->no_new_privs = nnp;

        return parse_args(process, c);
}

static int parse_root(json_object *root, OciConfig *c) {
        json_object *o;
        int r;

        r = oci_json_member(root, "root", json_type_object, &o);
        if (r <= 0)
                return r;

        /* Written by the engine (containerd, Docker), not by the container's owner. */
        r = json_member_path(o, "path", &c->root_path);
        return r < 0 ? r : 0;
}

static int parse_linux(json_object *root, OciConfig *c) {
        json_object *linux_, *seccomp;
        int r;

        r = oci_json_member(root, "linux", json_type_object, &linux_);
        if (r <= 0)
                return r;

        /* Only whether there is one: its rules are the runtime's to apply. */
        r = oci_json_member(linux_, "seccomp", json_type_object, &seccomp);
        if (r < 0)
                return r;
        c->declared_seccomp = r > 0;
        return 0;
}

typedef struct K8sKeys {
        const char *namespace, *pod, *container, *image, *type;
} K8sKeys;

static const K8sKeys k8s_keys_containerd = {
        .namespace = "io.kubernetes.cri.sandbox-namespace",
        .pod = "io.kubernetes.cri.sandbox-name",
        .container = "io.kubernetes.cri.container-name",
        .image = "io.kubernetes.cri.image-name",
        .type = "io.kubernetes.cri.container-type",
};

static const K8sKeys k8s_keys_crio = {
        .namespace = "io.kubernetes.pod.namespace",
        .pod = "io.kubernetes.pod.name",
        .container = "io.kubernetes.container.name",
        .image = "io.kubernetes.cri-o.ImageName",
        .type = "io.kubernetes.cri-o.ContainerType",
};

static bool k8s_keys_present(json_object *annotations, const K8sKeys *k) {
        const char *const keys[] = { k->namespace, k->pod, k->container, k->image, k->type };

        for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                if (json_object_object_get_ex(annotations, keys[i], NULL))
                        return true;
        return false;
}

static const K8sKeys *k8s_keys_for(json_object *annotations, Runtime runtime) {
        switch (runtime) {
        case RUNTIME_CONTAINERD:
                return &k8s_keys_containerd;
        case RUNTIME_CRIO:
                return &k8s_keys_crio;
        default:
                /* CRI-O's first: see oci_config_parse() in the header for why. */
                return k8s_keys_present(annotations, &k8s_keys_crio) ? &k8s_keys_crio : &k8s_keys_containerd;
        }
}

static int parse_k8s_type(json_object *annotations, const char *key, bool *ret) {
        json_object *v;
        int r;

        r = json_map_string(annotations, key, &v);
        if (r < 0)
                return r;

        /* Compared raw: a value that needed cleaning is not "sandbox". */
        *ret = r > 0 && json_object_get_string_len(v) == STRLEN("sandbox") &&
                streq(json_object_get_string(v), "sandbox");
        return 0;
}

static int parse_annotations(json_object *root, Runtime runtime, OciConfig *c) {
        json_object *annotations;
        const K8sKeys *k;
        int r;

        r = oci_json_member(root, "annotations", json_type_object, &annotations);
        if (r <= 0)
                return r;

        k = k8s_keys_for(annotations, runtime);

        r = annotation_text(annotations, k->namespace, OCI_K8S_NAME_MAX, &c->k8s_namespace, &c->sanitized);
        if (r < 0)
                return r;
        r = annotation_text(annotations, k->pod, OCI_K8S_NAME_MAX, &c->pod, &c->sanitized);
        if (r < 0)
                return r;
        r = annotation_text(annotations, k->container, OCI_K8S_NAME_MAX, &c->container, &c->sanitized);
        if (r < 0)
                return r;
        r = annotation_text(annotations, k->image, OCI_IMAGE_MAX, &c->image, &c->sanitized);
        if (r < 0)
                return r;
        return parse_k8s_type(annotations, k->type, &c->sandbox);
}

/* What the parse_*() above read; the rest (mounts, environment, hooks, seccomp rules) is
 * checked and skipped. */
static const JsonKeep keep_process[] = {
        { "capabilities", .raw = true }, { "user" }, { "noNewPrivileges" }, { "args" }, {}
};
static const JsonKeep keep_linux[] = {
        { "seccomp", (const JsonKeep[]) { {} } }, /* whether there is one */
        {}
};
static const JsonKeep keep_config[] = {
        { "process", keep_process }, { "root" }, { "linux", keep_linux }, { "annotations" }, {}
};

int oci_config_parse(const char *buf, size_t len, Runtime runtime, OciConfig *ret) {
        _cleanup_oci_config_ OciConfig c = {};
        _cleanup_json_ json_object *root = NULL;
        int r;

        if (!buf || !ret)
                return -EINVAL;
        if (len > OCI_CONFIG_SIZE_MAX)
                return -EFBIG;

        r = json_prune_parse(buf, len, keep_config, &root);
        if (r < 0)
                return r;

        r = parse_process(root, &c);
        if (r < 0)
                return r;
        r = parse_root(root, &c);
        if (r < 0)
                return r;
        r = parse_linux(root, &c);
        if (r < 0)
                return r;
        r = parse_annotations(root, runtime, &c);
        if (r < 0)
                return r;

        *ret = c;
        c = (OciConfig) {};
        return 0;
}

int oci_config_read_at(int dir_fd, const char *path, Runtime runtime, OciConfig *ret) {
        _cleanup_free_ char *buf = NULL;
        size_t len;
        int r;

        r = read_full_file_at(dir_fd, path, OCI_CONFIG_SIZE_MAX, &buf, &len);
        if (r < 0)
                return r;

        return oci_config_parse(buf, len, runtime, ret);
}
