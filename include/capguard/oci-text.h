/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Copies untrusted text for logs, journal fields and terminal tables: valid UTF-8 with no
 * control characters (C0, DEL, C1), no line or paragraph separators (U+2028, U+2029) and no
 * bidi controls (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069). Each of those, and
 * each byte that is not part of valid UTF-8 (a NUL included), is replaced by '?'. The copy is
 * cut to at most max bytes, on a character boundary. *ret_altered (if given) says whether the
 * copy differs from the input. NULL on OOM. */
char *oci_text_sanitize(const char *s, size_t len, size_t max, bool *ret_altered);

/* The same into out, which has room for min(len, max) + 1 bytes: the copy's length, without
 * the NUL that ends it. */
size_t oci_text_sanitize_to(const char *s, size_t len, size_t max, char *out, bool *ret_altered);
