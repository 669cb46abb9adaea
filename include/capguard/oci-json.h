/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capguard/macro.h"

/* JSON as Go runtimes (runc, containerd, Docker) write it, read as strictly as Go would read
 * it: what json-c and Go could read differently is refused. */

/* The deepest value, as json-c counts (the top-level object is 1, a value inside it 2, ...).
 * Real files go 8 deep (Docker's seccomp rules), and the schema has no recursion: a deeper
 * file is not a runtime's. */
#define OCI_JSON_DEPTH_MAX 32

/* Parses text written by a Go runtime into an object: at most OCI_JSON_DEPTH_MAX deep,
 * nothing but white space after it, and no object key given twice. json-c keeps the last of
 * two equal keys and cuts a key at an escaped NUL ("a\u0000b" becomes "a"), while Go merges
 * duplicates: a file the two could read differently is refused. Go never writes one. So is
 * what json-c takes even in strict mode and Go refuses: control bytes in strings, numbers
 * outside RFC 8259 ("-07", "-.5"), NaN and Infinity. */
int oci_json_parse(const char *buf, size_t len, json_object **ret);

/* Whether text that json-c parsed into o repeats an object key or holds what Go refuses:
 * -EBADMSG if so, see above. */
int oci_json_check_keys(const char *buf, size_t len, json_object *o);

/* Whether Go's encoding/json reads an object member named k into the struct field named
 * field: names compared regardless of case, U+212A KELVIN SIGN taken for k and U+017F LONG S
 * for s. */
bool oci_json_key_matches(const char *k, const char *field) _pure_;

/* The member key of o, where Go reads o into a struct: 1 if it has the given type, and *ret
 * borrows it; 0 if absent or null (Go reads null as "not set"); -EBADMSG if of another type.
 * Go matches field names regardless of case, and takes U+212A KELVIN SIGN for k and U+017F
 * LONG S for s: a key that matches only that way is refused too (-EBADMSG), since Go would
 * read it and we would not. Not for maps (annotations), whose keys Go matches exactly. */
int oci_json_member(json_object *o, const char *key, json_type type, json_object **ret);

/* An integer v in [min, max], else -EBADMSG. json-c clamps what does not fit an int64 to
 * INT64_MIN or INT64_MAX: a max below INT64_MAX refuses a clamped value. */
int oci_json_int_range(json_object *v, int64_t min, int64_t max, int64_t *ret);
