/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* A timestamp as container runtimes write one into their state files: runc's "created" (Go's
 * time.Time, RFC 3339 with up to nine fraction digits) and crun's (C, six digits, "Z"):
 * "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+hh:mm|-hh:mm)", nothing before or after it. Fractions
 * are cut to microseconds. A date or time that does not exist ("02-30", "24:00", a leap
 * second) is refused. Returns microseconds since the epoch (negative before it) in *ret, or
 * -EBADMSG; len bytes of s are read, an embedded NUL is refused. */
int rfc3339_parse_usec(const char *s, size_t len, int64_t *ret);
