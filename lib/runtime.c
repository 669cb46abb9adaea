/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "capguard/runtime.h"

static const char *const runtime_names[_RUNTIME_MAX] = {
        [RUNTIME_CONTAINERD] = "containerd",
        [RUNTIME_DOCKER] = "docker",
        [RUNTIME_CRIO] = "cri-o",
        [RUNTIME_PODMAN] = "podman",
        [RUNTIME_RUNC] = "runc",
        [RUNTIME_CRUN] = "crun",
};

const char *runtime_to_string(Runtime r) {
        return r >= 0 && r < _RUNTIME_MAX ? runtime_names[r] : NULL;
}

Runtime runtime_from_string(const char *s) {
        if (!s)
                return _RUNTIME_INVALID;
        for (Runtime r = 0; r < _RUNTIME_MAX; r++)
                if (strcmp(runtime_names[r], s) == 0)
                        return r;
        return _RUNTIME_INVALID;
}

bool container_id_is_valid(const char *s, size_t len) {
        if (!s || len == 0 || len > CONTAINER_ID_MAX || s[0] == '.')
                return false;

        for (size_t i = 0; i < len; i++) {
                char c = s[i];

                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-'))
                        return false;
        }
        return true;
}
