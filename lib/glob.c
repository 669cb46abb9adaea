/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fnmatch.h>
#include <string.h>

#include "capguard/glob.h"
#include "capguard/macro.h"

static const char *const class_names[] = {
        "alnum", "alpha", "blank", "cntrl", "digit", "graph",
        "lower", "print", "punct", "space", "upper", "xdigit",
};

static bool class_name_is_valid(const char *name, size_t len) {
        for (size_t i = 0; i < ELEMENTSOF(class_names); i++)
                if (strlen(class_names[i]) == len && memcmp(class_names[i], name, len) == 0)
                        return true;
        return false;
}

/* p points just past "[:", "[." or "[=" inside a bracket expression; finds the closing
 * ":]", ".]" or "=]". Returns the character after it, or NULL. */
static const char *skip_bracket_term(const char *p, char delim, const char **ret_problem) {
        const char *end;

        for (end = p; *end; end++)
                if (end[0] == delim && end[1] == ']')
                        break;
        if (!*end) {
                *ret_problem = "has an unterminated '[:', '[.' or '[=' inside '[...]'";
                return NULL;
        }
        if (delim == ':' && !class_name_is_valid(p, (size_t) (end - p))) {
                *ret_problem = "names an unknown character class (valid: alnum, alpha, blank, cntrl, "
                               "digit, graph, lower, print, punct, space, upper, xdigit)";
                return NULL;
        }
        if (end == p) {
                *ret_problem = "has an empty '[::]', '[..]' or '[==]'";
                return NULL;
        }
        return end + 2;
}

/* p points just past "["; returns the character after the matching "]", or NULL. */
static const char *skip_bracket(const char *p, const char **ret_problem) {
        if (*p == '!' || *p == '^')
                p++;
        /* A "]" right after the opening (and negation) is a member, not the end. */
        if (*p == ']')
                p++;

        while (*p != ']') {
                if (*p == '\0') {
                        *ret_problem = "has an unbalanced '['";
                        return NULL;
                }
                if (*p == '\\') {
                        if (p[1] == '\0') {
                                *ret_problem = "ends in a lone '\\'";
                                return NULL;
                        }
                        p += 2;
                } else if (*p == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
                        p = skip_bracket_term(p + 2, p[1], ret_problem);
                        if (!p)
                                return NULL;
                } else
                        p++;
        }
        return p + 1;
}

int glob_validate(const char *pattern, const char **ret_problem) {
        const char *problem = NULL;

        if (!pattern)
                return -EINVAL;

        if (*pattern == '\0')
                problem = "is empty";

        for (const char *p = pattern; !problem && *p;) {
                if (*p == '\\') {
                        if (p[1] == '\0')
                                problem = "ends in a lone '\\'";
                        p += 2;
                } else if (*p == '[') {
                        p = skip_bracket(p + 1, &problem);
                        if (!p)
                                break;
                } else
                        p++;
        }

        if (problem) {
                if (ret_problem)
                        *ret_problem = problem;
                return -EINVAL;
        }
        return 0;
}

bool glob_fits(const char *pattern, const char *s) {
        return fnmatch(pattern, s ?: "", 0) == 0;
}

bool glob_is_literal(const char *pattern) {
        return !strpbrk(pattern, "*?[\\");
}
