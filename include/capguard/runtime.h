/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#include "capguard/macro.h"

/* The engine that started a container. */
typedef enum Runtime {
        RUNTIME_CONTAINERD,
        RUNTIME_DOCKER,
        RUNTIME_CRIO,
        RUNTIME_PODMAN,
        RUNTIME_RUNC,
        RUNTIME_CRUN,
        _RUNTIME_MAX,
        _RUNTIME_INVALID = -EINVAL,
} Runtime;

const char *runtime_to_string(Runtime r) _const_;
Runtime runtime_from_string(const char *s) _pure_;

/* containerd's identifier rules (also Docker's and CRI-O's hex ids): [A-Za-z0-9._-], at most
 * 76 bytes, not starting with a dot. Anything that passes is safe as one path component. */
#define CONTAINER_ID_MAX 76
#define RUNTIME_NAMESPACE_MAX 76

bool container_id_is_valid(const char *s, size_t len) _pure_;
