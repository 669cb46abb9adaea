/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Docker's own record of a container, <data-root>/containers/<id>/config.v2.json: the name
 * and image a user gave it, and the Kubernetes labels cri-dockerd sets. Written by dockerd,
 * but every value in it was chosen by whoever ran the container. */

#define DOCKER_CONFIG_SIZE_MAX (4 * 1024 * 1024)

typedef struct DockerConfig {
        char *name;  /* without Docker's leading '/' */
        char *image; /* as the user named it */
        char *k8s_namespace, *pod, *container; /* io.kubernetes.* labels, if any */
        bool sandbox; /* io.kubernetes.docker.type=podsandbox */
        bool sanitized;
} DockerConfig;

void docker_config_done(DockerConfig *c);

/* -EBADMSG for text that is not such a file. Strings are cleaned with oci_text_sanitize(). */
int docker_config_parse(const char *buf, size_t len, DockerConfig *ret);
