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

DEFINE_TRIVIAL_CLEANUP_FUNC(struct json_tokener *, json_tokener_free);

/* ---- untrusted text ---- */

/* Length of the UTF-8 sequence at s and its code point in *ret; 0 if s does not start a valid
 * one: overlong forms, surrogates and values past U+10FFFF are not valid. */
static size_t utf8_decode(const uint8_t *s, size_t len, uint32_t *ret) {
        uint32_t c, min;
        size_t n;

        if (s[0] < 0x80) {
                *ret = s[0];
                return 1;
        }
        if ((s[0] & 0xe0) == 0xc0) {
                n = 2, c = s[0] & 0x1f, min = 0x80;
        } else if ((s[0] & 0xf0) == 0xe0) {
                n = 3, c = s[0] & 0x0f, min = 0x800;
        } else if ((s[0] & 0xf8) == 0xf0) {
                n = 4, c = s[0] & 0x07, min = 0x10000;
        } else
                return 0;

        if (len < n)
                return 0;
        for (size_t i = 1; i < n; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                c = (c << 6) | (s[i] & 0x3f);
        }
        if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
                return 0;

        *ret = c;
        return n;
}

/* Characters that end a line or steer a terminal or a journal viewer: with them, a value could
 * start a forged log line or reorder the columns of a table around it. */
static bool codepoint_is_unsafe(uint32_t c) {
        return c < 0x20 || (c >= 0x7f && c <= 0x9f) ||           /* C0, DEL, C1 */
               c == 0x2028 || c == 0x2029 ||                     /* line, paragraph separator */
               c == 0x061c || c == 0x200e || c == 0x200f ||      /* bidi marks */
               (c >= 0x202a && c <= 0x202e) ||                   /* bidi embeddings, overrides */
               (c >= 0x2066 && c <= 0x2069);                     /* bidi isolates */
}

char *oci_text_sanitize(const char *s, size_t len, size_t max, bool *ret_altered) {
        const uint8_t *in = (const uint8_t *) s;
        bool altered = false;
        size_t size, o = 0;
        char *out;

        /* A replacement is never longer than what it replaces, so the copy never grows. */
        size = len < max ? len : max;
        if (size == SIZE_MAX)
                return NULL;
        out = malloc(size + 1);
        if (!out)
                return NULL;

        for (size_t i = 0; i < len;) {
                uint32_t c = 0;
                size_t n = utf8_decode(in + i, len - i, &c);
                const char *src = s + i;
                size_t m = n;

                if (n == 0 || codepoint_is_unsafe(c)) {
                        src = "?";
                        m = 1;
                        n = n ?: 1; /* an invalid sequence: replace one byte, resynchronize */
                        altered = true;
                }
                if (o + m > max) {
                        altered = true;
                        break;
                }
                memcpy(out + o, src, m);
                o += m;
                i += n;
        }
        out[o] = '\0';

        if (ret_altered)
                *ret_altered = altered;
        return out;
}

/* ---- JSON as Go runtimes write it ---- */

static bool is_json_space(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Counts the object keys in the text: the strings followed by ':'. Refuses single quotes,
 * which json-c takes for string delimiters even in strict mode, and which the count would
 * otherwise not see. Only called on text json-c has parsed, so every string is closed. */
static int count_text_keys(const char *buf, size_t len, size_t *ret) {
        size_t n = 0;

        for (size_t i = 0; i < len; i++) {
                size_t j;

                if (buf[i] == '\'')
                        return -EBADMSG;
                if (buf[i] != '"')
                        continue;

                for (i++; i < len && buf[i] != '"'; i++)
                        if (buf[i] == '\\')
                                i++;
                if (i >= len)
                        return -EBADMSG;

                for (j = i + 1; j < len && is_json_space(buf[j]); j++)
                        ;
                if (j < len && buf[j] == ':')
                        n++;
        }

        *ret = n;
        return 0;
}

/* Recursion is bounded by OCI_JSON_DEPTH_MAX, which the tokener enforced. */
static size_t count_tree_keys(json_object *o) {
        size_t n = 0;

        if (json_object_is_type(o, json_type_object)) {
                struct json_object_iterator it = json_object_iter_begin(o), end = json_object_iter_end(o);

                for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it))
                        n += 1 + count_tree_keys(json_object_iter_peek_value(&it));
        } else if (json_object_is_type(o, json_type_array)) {
                size_t k = json_object_array_length(o);

                for (size_t i = 0; i < k; i++)
                        n += count_tree_keys(json_object_array_get_idx(o, i));
        }
        return n;
}

int oci_json_parse(const char *buf, size_t len, json_object **ret) {
        _cleanup_(json_tokener_freep) struct json_tokener *tok = NULL;
        _cleanup_json_ json_object *o = NULL;
        size_t end;
        int r;

        if (!buf || !ret)
                return -EINVAL;
        if (len > INT_MAX)
                return -EFBIG;
        /* No JSON text holds a raw NUL; json-c would stop reading there. */
        if (memchr(buf, '\0', len))
                return -EBADMSG;
        /* A torn file, most often, does not end like an object: no need to build a tree. */
        for (end = len; end > 0 && is_json_space(buf[end - 1]); end--)
                ;
        if (end == 0 || buf[end - 1] != '}')
                return -EBADMSG;

        tok = json_tokener_new_ex(OCI_JSON_DEPTH_MAX);
        if (!tok)
                return -ENOMEM;
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT);

        /* NULL also for the document "null" and for text that ends too early; json-c (0.16)
         * does not tell an allocation failure apart either. */
        o = json_tokener_parse_ex(tok, buf, (int) len);
        if (!o || !json_object_is_type(o, json_type_object))
                return -EBADMSG;

        end = json_tokener_get_parse_end(tok);
        for (size_t i = end; i < len; i++)
                if (!is_json_space(buf[i]))
                        return -EBADMSG;

        r = oci_json_check_keys(buf, len, o);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(o);
        return 0;
}

int oci_json_check_keys(const char *buf, size_t len, json_object *o) {
        size_t text_keys;
        int r;

        r = count_text_keys(buf, len, &text_keys);
        if (r < 0)
                return r;
        return text_keys == count_tree_keys(o) ? 0 : -EBADMSG;
}

static char ascii_tolower(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c - 'A' + 'a') : c;
}

/* Whether Go's encoding/json would take key k for the struct field named field: it compares
 * names ignoring case, and the only non-ASCII characters that fold to ASCII letters are the
 * Kelvin sign (k) and the long s. */
bool oci_json_key_matches(const char *k, const char *field) {
        for (; *field; field++) {
                char f = ascii_tolower(*field);

                if (f == 'k' && strncmp(k, "\xe2\x84\xaa", 3) == 0)         /* U+212A */
                        k += 3;
                else if (f == 's' && strncmp(k, "\xc5\xbf", 2) == 0)         /* U+017F */
                        k += 2;
                else if (*k && ascii_tolower(*k) == f)
                        k++;
                else
                        return false;
        }
        return *k == '\0';
}

int oci_json_member(json_object *o, const char *key, json_type type, json_object **ret) {
        struct json_object_iterator it = json_object_iter_begin(o), end = json_object_iter_end(o);
        json_object *v = NULL;

        for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
                const char *k = json_object_iter_peek_name(&it);

                if (streq(k, key))
                        v = json_object_iter_peek_value(&it);
                else if (oci_json_key_matches(k, key))
                        return -EBADMSG;
        }

        if (!v || json_object_is_type(v, json_type_null))
                return 0;
        if (!json_object_is_type(v, type))
                return -EBADMSG;

        *ret = v;
        return 1;
}

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

int oci_json_int_range(json_object *v, int64_t min, int64_t max, int64_t *ret) {
        int64_t i;

        if (!json_object_is_type(v, json_type_int))
                return -EBADMSG;
        i = json_object_get_int64(v);
        if (i < min || i > max)
                return -EBADMSG;
        *ret = i;
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
static const char *const oci_capset_keys[_CAP_SET_MAX] = {
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

        r = oci_json_member(process, "capabilities", json_type_object, &caps);
        if (r < 0)
                return r;
        if (r > 0) {
                r = oci_capabilities_parse(caps, oci_capset_keys, &c->caps, &c->unknown_caps);
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
        { "capabilities" }, { "user" }, { "noNewPrivileges" }, { "args" }, {}
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
