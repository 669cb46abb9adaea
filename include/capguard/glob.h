/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* Shell globs as fnmatch(3) reads them without flags: "*" and "?" match any characters,
 * "/" and a leading "." included; "[...]" classes with "!" or "^" negation and
 * "[:alpha:]"-style names; "\" quotes the next character. */

/* 0 if pattern is one fnmatch() takes as written; -EINVAL otherwise, with *ret_problem (if
 * given) a static phrase saying why ("is empty", "has an unbalanced '['", ...). */
int glob_validate(const char *pattern, const char **ret_problem);

/* Whether s fits pattern. NULL is taken for "", which only globs of stars fit. */
bool glob_fits(const char *pattern, const char *s);

/* Whether pattern holds none of the special characters, so it fits only itself. */
bool glob_is_literal(const char *pattern);
