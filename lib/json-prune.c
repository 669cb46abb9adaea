/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "capguard/cap-json.h"
#include "capguard/json-prune.h"
#include "capguard/macro.h"
#include "capguard/oci-config.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct json_tokener *, json_tokener_free);

/* Longest key that can match a field of ours: the longest field name with every letter
 * written as the three bytes of U+212A. */
#define KEY_MATCH_MAX (3 * 32)

typedef struct Pruner {
        const char *p, *end;
        struct json_tokener *tok; /* one for every kept value */
} Pruner;

static bool is_space(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static const char *skip_ws(const char *p, const char *end) {
        while (p < end && is_space(*p))
                p++;
        return p;
}

static void skip_space(Pruner *s) {
        s->p = skip_ws(s->p, s->end);
}

static bool is_hex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_digit(char c) {
        return c >= '0' && c <= '9';
}

/* Bytes that neither end a string nor start an escape, nor are refused in one: most of a
 * state file is strings, and this is its inner loop. */
static const bool string_plain[256] = {
        [0x20 ... 0x21] = true,  /* '"' is 0x22 */
        [0x23 ... 0x5b] = true,  /* '\\' is 0x5c */
        [0x5d ... 0xff] = true,
};

/* At '"': past the closing quote. *ret_escaped says whether there was a backslash. */
static int scan_string(Pruner *s, bool *ret_escaped) {
        bool escaped = false;

        for (s->p++; s->p < s->end; s->p++) {
                unsigned char c;

                while (s->p < s->end && string_plain[(unsigned char) *s->p])
                        s->p++;
                if (s->p >= s->end)
                        break;
                c = (unsigned char) *s->p;

                if (c == '"') {
                        s->p++;
                        if (ret_escaped)
                                *ret_escaped = escaped;
                        return 0;
                }
                if (c < 0x20)
                        return -EBADMSG;
                if (c != '\\')
                        continue;

                escaped = true;
                if (++s->p >= s->end)
                        return -EBADMSG;
                switch (*s->p) {
                case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
                        break;
                case 'u':
                        if (s->end - s->p < 5)
                                return -EBADMSG;
                        for (int i = 1; i <= 4; i++)
                                if (!is_hex(s->p[i]))
                                        return -EBADMSG;
                        s->p += 4;
                        break;
                default:
                        return -EBADMSG;
                }
        }
        return -EBADMSG;
}

static void skip_digits(Pruner *s) {
        while (s->p < s->end && is_digit(*s->p))
                s->p++;
}

/* -? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)? */
static int scan_number(Pruner *s) {
        if (s->p < s->end && *s->p == '-')
                s->p++;
        if (s->p >= s->end || !is_digit(*s->p))
                return -EBADMSG;
        if (*s->p == '0')
                s->p++;
        else
                skip_digits(s);
        if (s->p < s->end && *s->p == '.') {
                s->p++;
                if (s->p >= s->end || !is_digit(*s->p))
                        return -EBADMSG;
                skip_digits(s);
        }
        if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
                s->p++;
                if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
                        s->p++;
                if (s->p >= s->end || !is_digit(*s->p))
                        return -EBADMSG;
                skip_digits(s);
        }
        return 0;
}

static int scan_literal(Pruner *s, const char *word) {
        size_t n = strlen(word);

        if ((size_t) (s->end - s->p) < n || memcmp(s->p, word, n) != 0)
                return -EBADMSG;
        s->p += n;
        return 0;
}

/* After a member or an element: 1 past the container's close, 0 past a ',' and the white
 * space after it, or -EBADMSG. */
static int after_value(Pruner *s, char close) {
        skip_space(s);
        if (s->p >= s->end)
                return -EBADMSG;
        if (*s->p == close) {
                s->p++;
                return 1;
        }
        if (*s->p != ',')
                return -EBADMSG;
        s->p++;
        skip_space(s);
        return 0;
}

/* At a member's key: past it and its ':' to the value. *ret_escaped as scan_string() says,
 * *ret_end past the key's closing quote; both optional. */
static int scan_key(Pruner *s, bool *ret_escaped, const char **ret_end) {
        int r;

        if (s->p >= s->end || *s->p != '"')
                return -EBADMSG;
        r = scan_string(s, ret_escaped);
        if (r < 0)
                return r;
        if (ret_end)
                *ret_end = s->p;
        skip_space(s);
        if (s->p >= s->end || *s->p != ':')
                return -EBADMSG;
        s->p++;
        skip_space(s);
        return 0;
}

static int scan_value(Pruner *s, unsigned depth);

/* At '{' or '[', at depth: past the matching close. */
static int scan_container(Pruner *s, unsigned depth) {
        char close = *s->p == '{' ? '}' : ']';
        bool object = close == '}';
        int r;

        s->p++;
        skip_space(s);
        if (s->p < s->end && *s->p == close) {
                s->p++;
                return 0;
        }
        for (;;) {
                if (object) {
                        r = scan_key(s, NULL, NULL);
                        if (r < 0)
                                return r;
                }
                r = scan_value(s, depth + 1);
                if (r < 0)
                        return r;
                r = after_value(s, close);
                if (r != 0)
                        return r < 0 ? r : 0;
        }
}

/* At the value's first byte: past its last. As json-c counts depth, the top object is at 1,
 * and every value in a container one deeper than the container, a scalar too. */
static int scan_value(Pruner *s, unsigned depth) {
        if (s->p >= s->end || depth > OCI_JSON_DEPTH_MAX)
                return -EBADMSG;
        switch (*s->p) {
        case '{':
        case '[':
                return scan_container(s, depth);
        case '"':
                return scan_string(s, NULL);
        case 't':
                return scan_literal(s, "true");
        case 'f':
                return scan_literal(s, "false");
        case 'n':
                return scan_literal(s, "null");
        default:
                return scan_number(s);
        }
}

/* At a string the scan has checked: one without escapes, whose bytes are its value, and past
 * it; NULL, where it has a backslash. */
static const char *plain_string(const char *p, const char *end, size_t *ret_len) {
        const char *q = memchr(p + 1, '"', (size_t) (end - p - 1));

        if (!q || memchr(p + 1, '\\', (size_t) (q - p - 1)))
                return NULL;
        *ret_len = (size_t) (q - p - 1);
        return q + 1;
}

/* What most kept members are, the capability sets, runc's labels and the annotations:
 * strings without escapes, true, false and null, in arrays and objects. Built here they cost
 * a third of what json-c's tokener takes for them, to the same tree (the differential fuzz
 * target holds both to that); a number or an escape leaves the value to json-c, whose
 * numbers are the reference. At a value the scan has checked: 1 and *ret_next past it, 0 for
 * json-c, -ENOMEM. */
static int parse_plain(const char *p, const char *end, const char **ret_next, json_object **ret) {
        _cleanup_json_ json_object *o = NULL;
        size_t len;
        int r;

        switch (*p) {
        case '"': {
                const char *next = plain_string(p, end, &len);

                if (!next)
                        return 0;
                o = json_object_new_string_len(p + 1, (int) len);
                if (!o)
                        return -ENOMEM;
                *ret_next = next;
                break;
        }
        case 't':
        case 'f':
                o = json_object_new_boolean(*p == 't');
                if (!o)
                        return -ENOMEM;
                *ret_next = p + (*p == 't' ? 4 : 5);
                break;
        case 'n':
                *ret_next = p + 4;
                break; /* json-c's null is NULL */
        case '[':
        case '{': {
                bool object = *p == '{';

                o = object ? json_object_new_object() : json_object_new_array();
                if (!o)
                        return -ENOMEM;
                p = skip_ws(p + 1, end);
                while (*p != ']' && *p != '}') {
                        _cleanup_json_ json_object *v = NULL;
                        char key[256];

                        if (object) {
                                const char *k = p + 1;

                                p = plain_string(p, end, &len);
                                if (!p || len >= sizeof key)
                                        return 0;
                                memcpy(key, k, len);
                                key[len] = '\0';
                                p = skip_ws(p, end);
                                p = skip_ws(p + 1, end); /* past the ':' */
                        }
                        r = parse_plain(p, end, &p, &v);
                        if (r <= 0)
                                return r;
                        /* a key given twice is kept once, as json-c keeps it: then
                         * oci_json_check_keys() counts more keys in the text than in the tree */
                        if (object ? json_object_object_add(o, key, v) < 0 : json_object_array_add(o, v) < 0)
                                return -ENOMEM;
                        v = NULL;
                        p = skip_ws(p, end);
                        if (*p == ',')
                                p = skip_ws(p + 1, end);
                }
                *ret_next = p + 1;
                break;
        }
        default:
                return 0;
        }
        *ret = TAKE_PTR(o);
        return 1;
}

/* The text at [start, end) is one value the scan has checked, and something follows it in
 * the buffer (a ',', '}' or white space), which json-c needs to see a number end. */
static int parse_span(Pruner *s, const char *start, const char *end, json_object **ret) {
        _cleanup_json_ json_object *o = NULL;
        size_t len = (size_t) (end - start);
        const char *next;
        int r;

        if (end >= s->end) /* a member's value with nothing after it: no object ends there */
                return -EBADMSG;

        r = parse_plain(start, end, &next, &o);
        if (r < 0)
                return r;
        if (r > 0 && next == end) { /* it cannot end elsewhere: the scan found it ends there */
                if (o && oci_json_check_keys(start, len, o) < 0)
                        return -EBADMSG;
                *ret = TAKE_PTR(o);
                return 0;
        }
        json_object_put(TAKE_PTR(o));
        /* Not JSON_TOKENER_STRICT: that refuses the byte after the value, and the scan was
         * stricter. json-c stops after the value, or after white space that follows it. */
        if (!s->tok) {
                s->tok = json_tokener_new_ex(OCI_JSON_DEPTH_MAX);
                if (!s->tok)
                        return -ENOMEM;
        } else
                json_tokener_reset(s->tok);

        o = json_tokener_parse_ex(s->tok, start, (int) len + 1);
        if (json_tokener_get_error(s->tok) != json_tokener_success)
                return -EBADMSG; /* also for an allocation failure: json-c does not tell */
        for (size_t i = len; i < json_tokener_get_parse_end(s->tok); i++)
                if (!is_space(start[i]))
                        return -EBADMSG;
        if (json_tokener_get_parse_end(s->tok) < len)
                return -EBADMSG;
        if (o && oci_json_check_keys(start, len, o) < 0)
                return -EBADMSG;

        *ret = TAKE_PTR(o); /* NULL for null */
        return 0;
}

/* The key whose text (quotes included) is at [start, end), as Go reads it, in buf. 0 if it
 * is too long to be one of ours. */
static int decode_key(Pruner *s, const char *start, const char *end, bool escaped, char *buf, size_t size) {
        _cleanup_json_ json_object *k = NULL;
        const char *text = start + 1;
        size_t len = (size_t) (end - start) - 2;
        int r;

        if (escaped) {
                r = parse_span(s, start, end, &k);
                if (r < 0)
                        return r;
                if (!json_object_is_type(k, json_type_string))
                        return -EBADMSG;
                text = json_object_get_string(k);
                len = (size_t) json_object_get_string_len(k);
                /* json-c would cut it there, and take it for another key: refused, as
                 * oci_json_parse() refuses it */
                if (memchr(text, '\0', len))
                        return -EBADMSG;
        }
        if (len >= size)
                return 0;
        memcpy(buf, text, len);
        buf[len] = '\0';
        return 1;
}

static const JsonKeep *keep_find(const JsonKeep *keep, const char *key) {
        for (; keep->name; keep++)
                if (oci_json_key_matches(key, keep->name))
                        return keep;
        return NULL;
}

/* At '{': the members keep names, into a new object; past the matching '}'. */
static int prune_object(Pruner *s, const JsonKeep *keep, unsigned depth, json_object **ret) {
        _cleanup_json_ json_object *out = NULL;
        int r;

        if (depth > OCI_JSON_DEPTH_MAX)
                return -EBADMSG;
        out = json_object_new_object();
        if (!out)
                return -ENOMEM;

        s->p++;
        skip_space(s);
        if (s->p < s->end && *s->p == '}') {
                s->p++;
                *ret = TAKE_PTR(out);
                return 0;
        }
        for (;;) {
                _cleanup_json_ json_object *v = NULL;
                const char *key_start = s->p, *key_end, *value_start;
                char key[KEY_MATCH_MAX + 1];
                const JsonKeep *k = NULL;
                bool escaped;

                r = scan_key(s, &escaped, &key_end);
                if (r < 0)
                        return r;
                r = decode_key(s, key_start, key_end, escaped, key, sizeof key);
                if (r < 0)
                        return r;
                if (r > 0)
                        k = keep_find(keep, key);

                value_start = s->p;
                if (k && k->keep && s->p < s->end && *s->p == '{')
                        r = prune_object(s, k->keep, depth + 1, &v);
                else {
                        r = scan_value(s, depth + 1);
                        if (r >= 0 && k)
                                r = parse_span(s, value_start, s->p, &v);
                }
                if (r < 0)
                        return r;
                if (k) {
                        /* json-c would keep the last of two equal keys; Go would merge them */
                        if (json_object_object_get_ex(out, key, NULL))
                                return -EBADMSG;
                        if (json_object_object_add(out, key, v) < 0)
                                return -ENOMEM;
                        v = NULL; /* out's now */
                }

                r = after_value(s, '}');
                if (r < 0)
                        return r;
                if (r > 0) {
                        *ret = TAKE_PTR(out);
                        return 0;
                }
        }
}

int json_prune_parse(const char *buf, size_t len, const JsonKeep *keep, json_object **ret) {
        _cleanup_json_ json_object *o = NULL;
        Pruner s = { .p = buf, .end = buf + len };
        int r;

        if (!buf || !keep || !ret)
                return -EINVAL;
        if (len > INT_MAX)
                return -EFBIG;
        /* No JSON text holds a raw NUL; json-c would stop reading there. */
        if (memchr(buf, '\0', len))
                return -EBADMSG;

        skip_space(&s);
        if (s.p >= s.end || *s.p != '{')
                return -EBADMSG;
        /* A torn file, most often, does not end like an object: no need to scan it. */
        while (s.end > s.p && is_space(s.end[-1]))
                s.end--;
        if (s.end[-1] != '}')
                return -EBADMSG;
        r = prune_object(&s, keep, 1, &o);
        if (r >= 0) {
                skip_space(&s);
                if (s.p != s.end)
                        r = -EBADMSG;
        }
        if (s.tok)
                json_tokener_free(s.tok);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(o);
        return 0;
}
