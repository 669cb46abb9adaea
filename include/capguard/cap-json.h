/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-c/json.h>
#include <stdint.h>

#include "capguard/macro.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put);
#define _cleanup_json_ _cleanup_(json_object_putp)

/* An array of "CAP_" names, lowest bit first. NULL on OOM. */
json_object *capability_mask_to_json(uint64_t mask);

/* The 16-digit hex form the kernel prints in /proc/<pid>/status. */
#define CAP_MASK_HEX_MAX 17
const char *capability_mask_to_hex(uint64_t mask, char buf[static CAP_MASK_HEX_MAX]);

/* Adds key: value, taking the reference to value even on failure. value NULL (a constructor
 * that failed) is -ENOMEM, not JSON null: say null with json_add_null(). */
int json_add(json_object *o, const char *key, json_object *value);
int json_add_null(json_object *o, const char *key);
/* JSON null for NULL or "". */
int json_add_string_or_null(json_object *o, const char *key, const char *value);

/* One object per line, as every capguard --json output is. */
int json_print_line(FILE *f, json_object *o);
