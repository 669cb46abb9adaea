/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "capguard/cap-json.h"
#include "capguard/docker-config.h"
#include "capguard/oci-config.h"

void docker_config_done(DockerConfig *c) {
        if (!c)
                return;
        free(c->name);
        free(c->image);
        free(c->k8s_namespace);
        free(c->pod);
        free(c->container);
        *c = (DockerConfig) {};
}

/* A cleaned copy of string member key of o into *ret; absent is fine. */
static int take_string(json_object *o, const char *key, size_t max, char **ret, bool *sanitized) {
        json_object *v;
        const char *s;
        bool altered = false;
        int r;

        r = oci_json_member(o, key, json_type_string, &v);
        if (r <= 0)
                return r;

        s = json_object_get_string(v);
        if (s[0] == '/' && streq(key, "Name")) /* Docker keeps names as "/name" */
                s++;
        free(*ret);
        *ret = oci_text_sanitize(s, strlen(s), max, &altered);
        if (!*ret)
                return -ENOMEM;
        *sanitized |= altered;
        return 0;
}

int docker_config_parse(const char *buf, size_t len, DockerConfig *ret) {
        _cleanup_json_ json_object *root = NULL;
        _cleanup_(docker_config_done) DockerConfig c = {};
        json_object *config, *labels, *type;
        int r;

        if (!buf || !ret)
                return -EINVAL;

        r = oci_json_parse(buf, len, &root);
        if (r < 0)
                return r;
        if (!json_object_is_type(root, json_type_object))
                return -EBADMSG;

        r = take_string(root, "Name", OCI_K8S_NAME_MAX, &c.name, &c.sanitized);
        if (r < 0)
                return r;

        r = oci_json_member(root, "Config", json_type_object, &config);
        if (r < 0)
                return r;
        if (r > 0) {
                r = take_string(config, "Image", OCI_IMAGE_MAX, &c.image, &c.sanitized);
                if (r < 0)
                        return r;

                r = oci_json_member(config, "Labels", json_type_object, &labels);
                if (r < 0)
                        return r;
                if (r > 0) {
                        if ((r = take_string(labels, "io.kubernetes.pod.namespace", OCI_K8S_NAME_MAX,
                                             &c.k8s_namespace, &c.sanitized)) < 0 ||
                            (r = take_string(labels, "io.kubernetes.pod.name", OCI_K8S_NAME_MAX, &c.pod,
                                             &c.sanitized)) < 0 ||
                            (r = take_string(labels, "io.kubernetes.container.name", OCI_K8S_NAME_MAX,
                                             &c.container, &c.sanitized)) < 0)
                                return r;

                        r = oci_json_member(labels, "io.kubernetes.docker.type", json_type_string, &type);
                        if (r < 0)
                                return r;
                        c.sandbox = r > 0 && streq(json_object_get_string(type), "podsandbox");
                }
        }

        *ret = c;
        c = (DockerConfig) {};
        return 0;
}
