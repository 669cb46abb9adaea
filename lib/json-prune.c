/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#  include <emmintrin.h>
#endif

#include "capguard/cap-json.h"
#include "capguard/json-prune.h"
#include "capguard/macro.h"
#include "capguard/oci-config.h"

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

/* Inlined where the scan calls it: runtimes write their state without white space, and a call
 * for each token to find none was a tenth of the scan. */
static inline const char *skip_ws(const char *p, const char *end) {
        while (p < end && is_space(*p))
                p++;
        return p;
}

const char *json_text_skip_space(const char *p, const char *end) {
        return skip_ws(p, end);
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

/* Past the bytes at p that string_plain allows. Sixteen at a time where SSE2 is there: a
 * state file's strings are paths and cgroup names of tens of bytes, and this loop was a
 * quarter of its scan, byte by byte. */
static inline const char *plain_end(const char *p, const char *end) {
#ifdef __SSE2__
        const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'), control = _mm_set1_epi8(0x1f);

        while (end - p >= 16) {
                __m128i v = _mm_loadu_si128((const __m128i *) (const void *) p);
                /* '"', '\\', or a byte up to 0x1f: one that saturates to 0 less 0x1f */
                __m128i stop = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                                            _mm_cmpeq_epi8(_mm_subs_epu8(v, control), _mm_setzero_si128()));
                unsigned mask = (unsigned) _mm_movemask_epi8(stop);

                if (mask != 0)
                        return p + __builtin_ctz(mask);
                p += 16;
        }
#endif
        while (p < end && string_plain[(unsigned char) *p])
                p++;
        return p;
}

/* At '"': past the closing quote, or NULL where the string is not well formed. *escaped is
 * set if it has a backslash. */
static const char *string_end(const char *p, const char *end, bool *escaped) {
        for (p++;;) {
                p = plain_end(p, end);
                if (p >= end)
                        return NULL;
                if (*p == '"')
                        return p + 1;
                if (*p != '\\')
                        return NULL; /* a control byte */

                *escaped = true;
                if (++p >= end)
                        return NULL;
                switch (*p) {
                case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
                        p++;
                        break;
                case 'u':
                        if (end - p < 5)
                                return NULL;
                        for (int i = 1; i <= 4; i++)
                                if (!is_hex(p[i]))
                                        return NULL;
                        p += 5;
                        break;
                default:
                        return NULL;
                }
        }
}

static const char *digits_end(const char *p, const char *end) {
        while (p < end && is_digit(*p))
                p++;
        return p;
}

/* -? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)? : past it, or NULL. */
static const char *number_end(const char *p, const char *end) {
        if (p < end && *p == '-')
                p++;
        if (p >= end || !is_digit(*p))
                return NULL;
        p = *p == '0' ? p + 1 : digits_end(p, end);
        if (p < end && *p == '.') {
                if (++p >= end || !is_digit(*p))
                        return NULL;
                p = digits_end(p, end);
        }
        if (p < end && (*p == 'e' || *p == 'E')) {
                p++;
                if (p < end && (*p == '+' || *p == '-'))
                        p++;
                if (p >= end || !is_digit(*p))
                        return NULL;
                p = digits_end(p, end);
        }
        return p;
}

static const char *literal_end(const char *p, const char *end, const char *word, size_t n) {
        return (size_t) (end - p) >= n && memcmp(p, word, n) == 0 ? p + n : NULL;
}

/* At a member's key: past it, its ':' and the white space around that, to the value; or
 * NULL. *key_end is past the key's closing quote. */
static const char *member_value(const char *p, const char *end, bool *escaped, const char **key_end) {
        if (p >= end || *p != '"')
                return NULL;
        p = string_end(p, end, escaped);
        if (!p)
                return NULL;
        *key_end = p;
        p = skip_ws(p, end);
        if (p >= end || *p != ':')
                return NULL;
        return skip_ws(p + 1, end);
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

/* At a member's key: past it and its ':' to the value. *ret_escaped says whether the key has
 * a backslash, *ret_end is past its closing quote. */
static int scan_key(Pruner *s, bool *ret_escaped, const char **ret_end) {
        bool escaped = false;
        const char *key_end = NULL, *p = member_value(s->p, s->end, &escaped, &key_end);

        if (!p)
                return -EBADMSG;
        s->p = p;
        *ret_escaped = escaped;
        *ret_end = key_end;
        return 0;
}

/* At the value's first byte, at depth: past its last. As json-c counts depth, the top object
 * is at 1, and every value in a container one deeper than the container, a scalar too.
 *
 * A loop, not a descent: skipping is most of what the pruner does (of a runc state's 1,700
 * tokens it keeps a dozen), and a call or two a token was most of its cost. */
static int scan_value(Pruner *s, unsigned depth) {
        const char *p = s->p, *end = s->end, *key_end;
        uint64_t objects = 0; /* a bit for each open container, the innermost lowest: an object? */
        unsigned open = 0;
        bool escaped;

        _Static_assert(OCI_JSON_DEPTH_MAX < 64, "one bit for each open container");

        for (;;) {
                /* at a value, at depth + open */
                if (!p || p >= end || depth + open > OCI_JSON_DEPTH_MAX)
                        return -EBADMSG;
                switch (*p) {
                case '{':
                case '[':
                        objects = objects << 1 | (*p == '{');
                        open++;
                        p = skip_ws(p + 1, end);
                        if (p < end && *p == (objects & 1 ? '}' : ']')) {
                                p++;
                                objects >>= 1;
                                open--;
                                break;
                        }
                        if (objects & 1)
                                p = member_value(p, end, &escaped, &key_end);
                        continue;
                case '"':
                        p = string_end(p, end, &escaped);
                        break;
                case 't':
                        p = literal_end(p, end, "true", 4);
                        break;
                case 'f':
                        p = literal_end(p, end, "false", 5);
                        break;
                case 'n':
                        p = literal_end(p, end, "null", 4);
                        break;
                default:
                        p = number_end(p, end);
                        break;
                }

                /* past a value: close the containers it ends, or go on to the next value */
                for (;;) {
                        if (!p)
                                return -EBADMSG;
                        if (open == 0) {
                                s->p = p;
                                return 0;
                        }
                        p = skip_ws(p, end);
                        if (p >= end)
                                return -EBADMSG;
                        if (*p == (objects & 1 ? '}' : ']')) {
                                p++;
                                objects >>= 1;
                                open--;
                                continue;
                        }
                        if (*p != ',')
                                return -EBADMSG;
                        p = skip_ws(p + 1, end);
                        if (objects & 1)
                                p = member_value(p, end, &escaped, &key_end);
                        break;
                }
        }
}

const char *json_text_plain_string(const char *p, const char *end, size_t *ret_len) {
        const char *q = end - p > 1 ? memchr(p + 1, '"', (size_t) (end - p - 1)) : NULL;

        if (!q || memchr(p + 1, '\\', (size_t) (q - p - 1)))
                return NULL;
        *ret_len = (size_t) (q - p - 1);
        return q + 1;
}

/* What most kept members are, the capability sets, runc's labels and the annotations, the
 * init's pid and the user: strings without escapes, true, false, null and integers of up to
 * 18 digits, in arrays and objects. Built here they cost a third of what json-c's tokener
 * takes for them (which sets up a locale for each value), to the same tree: the differential
 * fuzz target holds both to that. Anything else, an escape or another number, leaves the
 * value to json-c, the reference. At a value the scan has checked: 1 and *ret_next past it,
 * 0 for json-c, -ENOMEM. */
static int parse_plain(const char *p, const char *end, const char **ret_next, json_object **ret) {
        _cleanup_json_ json_object *o = NULL;
        size_t len;
        int r;

        switch (*p) {
        case '"': {
                const char *next = json_text_plain_string(p, end, &len);

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
        case '0' ... '9': {
                /* what json-c makes of up to 18 digits, which no int64 overflows: pids, start
                 * times, uids. Anything longer, negative, a fraction or an exponent is its. */
                int64_t v = 0;
                const char *q = p;

                for (; q < end && is_digit(*q) && q - p < 18; q++)
                        v = v * 10 + (*q - '0');
                if (q < end && (is_digit(*q) || *q == '.' || *q == 'e' || *q == 'E'))
                        return 0;
                o = json_object_new_int64(v);
                if (!o)
                        return -ENOMEM;
                *ret_next = q;
                break;
        }
        case '[':
        case '{': {
                bool object = *p == '{';
                size_t n = 0;

                o = object ? json_object_new_object() : json_object_new_array();
                if (!o)
                        return -ENOMEM;
                p = skip_ws(p + 1, end);
                while (*p != ']' && *p != '}') {
                        _cleanup_json_ json_object *v = NULL;
                        char key[256];

                        if (object) {
                                const char *k = p + 1;

                                p = json_text_plain_string(p, end, &len);
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
                        if (object ? json_object_object_add(o, key, v) < 0 : json_object_array_add(o, v) < 0)
                                return -ENOMEM;
                        v = NULL;
                        n++;
                        p = skip_ws(p, end);
                        if (*p == ',')
                                p = skip_ws(p + 1, end);
                }
                /* A key given twice is kept once, as json-c keeps it: the object holds fewer
                 * members than the text. json-c's path refuses it, as oci_json_parse() does. */
                if (object && json_object_object_length(o) != (int) n)
                        return 0;
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
                *ret = TAKE_PTR(o); /* with no key twice: parse_plain() checked */
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
                        if (r >= 0 && k && k->raw) {
                                v = json_object_new_string_len(value_start, (int) (s->p - value_start));
                                if (!v)
                                        r = -ENOMEM;
                        } else if (r >= 0 && k)
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
