/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A YAML document as a small tree of scalars, lists and mappings, each with its place in the
 * file, for parsers that check a format key by key (policy-yaml.c). What it refuses of YAML,
 * whatever the format: aliases, anchors, tags, a second document, NUL characters in strings,
 * keys that are not strings, and anything past the limits it is given. It never resolves or
 * follows anything, so no input makes it loop or grow beyond the input's size. */

#include <stdbool.h>
#include <stddef.h>

#include "capguard/macro.h"

typedef enum YNodeType {
        YNODE_SCALAR,
        YNODE_SEQUENCE,
        YNODE_MAPPING,
} YNodeType;

typedef struct YNode {
        YNodeType type;
        unsigned line, column;   /* 1-based */
        bool plain;              /* a scalar written without quotes */
        char *value;             /* a scalar's text (NUL-free) */
        struct YNode **children; /* a list's entries; a mapping's keys and values, alternating */
        size_t n_children, n_allocated;
} YNode;

typedef struct YamlLimits {
        unsigned depth_max; /* lists and mappings inside each other, the outermost counting 1 */
        size_t string_max;  /* bytes of a scalar */
} YamlLimits;

/* Where and why a document was refused; line and column are 1-based. */
typedef struct YamlError {
        unsigned line, column;
        char message[256];
} YamlError;

/* The one document in buf (UTF-8), or NULL for a stream without any (empty, or comments only).
 * -EINVAL with *ret_error filled for a refused one (a syntax error among them), -ENOMEM. */
int yaml_tree_parse(const char *buf, size_t len, const YamlLimits *limits, YNode **ret, YamlError *ret_error);

void ynode_free(YNode *n);
DEFINE_TRIVIAL_CLEANUP_FUNC(YNode *, ynode_free);

/* A plain "", "~" or "null" (YAML's core schema): a key given without a value. */
bool ynode_is_null(const YNode *n) _pure_;

/* The value of the first key in map that equals key, or NULL. */
const YNode *ynode_map_get(const YNode *map, const char *key) _pure_;
