/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "capguard/cap-json.h"
#include "capguard/macro.h"
#include "capguard/oci-json.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct json_tokener *, json_tokener_free);

static bool is_json_space(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_digit(char c) {
        return c >= '0' && c <= '9';
}

static size_t digits(const char *buf, size_t len, size_t i) {
        while (i < len && is_digit(buf[i]))
                i++;
        return i;
}

/* At a number json-c has read: past it if it is one as RFC 8259 (and Go) have it,
 * -? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?, and nothing of a number follows; or 0.
 * Written apart from json-prune.c's scan on purpose: this parse is the reference the fuzz
 * target holds that scan to, both ways. */
static size_t number_end(const char *buf, size_t len, size_t i) {
        if (i < len && buf[i] == '-')
                i++;
        if (i >= len || !is_digit(buf[i]))
                return 0;
        i = buf[i] == '0' ? i + 1 : digits(buf, len, i);
        if (i < len && buf[i] == '.') {
                if (++i >= len || !is_digit(buf[i]))
                        return 0;
                i = digits(buf, len, i);
        }
        if (i < len && (buf[i] == 'e' || buf[i] == 'E')) {
                if (++i < len && (buf[i] == '+' || buf[i] == '-'))
                        i++;
                if (i >= len || !is_digit(buf[i]))
                        return 0;
                i = digits(buf, len, i);
        }
        if (i < len && (is_digit(buf[i]) || buf[i] == '.' || buf[i] == 'e' || buf[i] == 'E' || buf[i] == '+' ||
                        buf[i] == '-'))
                return 0;
        return i;
}

static bool is_letter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* At a letter outside strings: past true, false or null, or 0 for anything else json-c takes
 * (NaN, Infinity). */
static size_t literal_end(const char *buf, size_t len, size_t i) {
        static const char *const words[] = { "true", "false", "null" };

        for (size_t k = 0; k < ELEMENTSOF(words); k++) {
                size_t n = strlen(words[k]);

                if (len - i >= n && memcmp(buf + i, words[k], n) == 0 && (len - i == n || !is_letter(buf[i + n])))
                        return i + n;
        }
        return 0;
}

/* Checks the text where json-c, even in strict mode, takes what Go (like json_prune_parse())
 * refuses: single quotes, which json-c takes for string delimiters; control bytes in a string;
 * numbers outside RFC 8259's grammar ("-07", "-.5"); literals but true, false and null (NaN,
 * Infinity). And counts the object keys in it, the strings followed by ':'. Only called on
 * text json-c has parsed: every string is closed, and outside strings a '-' or a digit starts
 * a number. */
static int check_text_count_keys(const char *buf, size_t len, size_t *ret) {
        size_t n = 0;

        for (size_t i = 0; i < len; i++) {
                size_t j;

                if (buf[i] == '\'')
                        return -EBADMSG;
                if (is_letter(buf[i])) {
                        j = literal_end(buf, len, i);
                        if (j == 0)
                                return -EBADMSG;
                        i = j - 1;
                        continue;
                }
                if (buf[i] == '-' || is_digit(buf[i])) {
                        j = number_end(buf, len, i);
                        if (j == 0)
                                return -EBADMSG;
                        i = j - 1;
                        continue;
                }
                if (buf[i] != '"')
                        continue;

                for (i++; i < len && buf[i] != '"'; i++) {
                        if ((unsigned char) buf[i] < 0x20)
                                return -EBADMSG;
                        if (buf[i] == '\\')
                                i++;
                }
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

        r = check_text_count_keys(buf, len, &text_keys);
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
