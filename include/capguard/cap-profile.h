/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

/* Named sets of allowed capabilities, as the runtimes and Kubernetes define them:
 * "docker-default", "pss-baseline", "pss-restricted", "runc-default", "cri-o-default", "none".
 * -ENOENT for an unknown name. */
int cap_profile_mask(const char *name, uint64_t *ret);

/* The profile names, NULL-terminated, for help texts and validation messages. */
extern const char *const cap_profile_names[];
