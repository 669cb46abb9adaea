/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

/* What to keep of an object: each member whose key Go would read into the field name (as
 * oci_json_member() matches them), all of its value, or, where keep is set and the value is
 * an object, only what keep says of that in turn. A list ends with a NULL name; an empty list
 * keeps an object's type and none of its members. */
typedef struct JsonKeep {
        const char *name;
        const struct JsonKeep *keep;
        /* the value's text, as the scan checked it, in a json string instead of a tree: for a
         * caller that reads it faster itself (oci_capabilities_parse_text()) */
        bool raw;
} JsonKeep;

/* Checks that buf is one JSON object as oci_json_parse() does (RFC 8259 strictly, at most
 * OCI_JSON_DEPTH_MAX deep, no NUL, nothing but white space after it), but builds a tree of
 * only the members keep names: a runtime's state file is mostly what capguard never reads
 * (mounts, seccomp rules, environment), and a json-c tree of all of it costs ten times the
 * scan. Kept values are parsed by json-c, and refused if one repeats a key, as
 * oci_json_parse() refuses; a key that a kept object repeats is refused too. -EBADMSG,
 * -EFBIG above INT_MAX, -ENOMEM. */
int json_prune_parse(const char *buf, size_t len, const JsonKeep *keep, json_object **ret);

/* For text json_prune_parse() checked (a raw member's, say). */
/* Past the white space at p. */
const char *json_text_skip_space(const char *p, const char *end);
/* At a string's '"': past it if it has no escape, its bytes then being its value, the
 * *ret_len at p + 1; NULL where it has a backslash, for json-c to decode. */
const char *json_text_plain_string(const char *p, const char *end, size_t *ret_len);
