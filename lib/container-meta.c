/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capguard/container-meta.h"
#include "capguard/container-resolve.h"
#include "capguard/docker-config.h"
#include "capguard/fileio.h"
#include "capguard/oci-config.h"
#include "capguard/runc-state.h"

void container_meta_done(ContainerMeta *m) {
        if (!m)
                return;
        free(m->name);
        free(m->k8s_namespace);
        free(m->pod);
        free(m->container);
        free(m->image);
        *m = (ContainerMeta) {};
}

void container_meta_facts(const CgroupContainer *c, const ContainerMeta *m, ContainerFacts *ret) {
        *ret = (ContainerFacts) {
                .id = c->id,
                .runtime = runtime_to_string(c->runtime),
                .runtime_namespace = c->ns,
                .k8s_namespace = m->k8s_namespace,
                .pod = m->pod,
                .container = m->container ?: m->name,
                .image = m->image,
                .sandbox = m->sandbox,
                .no_new_privs = -1,
                .seccomp = -1,
        };
}

static void keep_error(int *first, int r) {
        if (r < 0 && *first == 0)
                *first = r;
}

static void take(char **dst, char **src) {
        /* the first source that knows a value wins */
        if (!*dst && *src)
                *dst = TAKE_PTR(*src);
}

static void merge_oci(ContainerMeta *m, OciConfig *oci) {
        take(&m->k8s_namespace, &oci->k8s_namespace);
        take(&m->pod, &oci->pod);
        take(&m->container, &oci->container);
        take(&m->image, &oci->image);
        m->sandbox |= oci->sandbox;
        if (oci->has_caps) {
                m->has_declared = true;
                m->declared = oci->caps;
        }
        m->declared_no_new_privs = oci->no_new_privs;
        m->declared_seccomp = oci->declared_seccomp;
        m->declared_uid = oci->uid;
}

static int read_oci(int root_fd, const char *path, Runtime runtime, ContainerMeta *m, bool in_root) {
        _cleanup_free_ char *text = NULL;
        _cleanup_oci_config_ OciConfig oci = {};
        size_t len;
        int r;

        r = in_root ? read_full_file_in_root(root_fd, path, OCI_CONFIG_SIZE_MAX, &text, &len)
                    : read_full_file_at(root_fd, path, OCI_CONFIG_SIZE_MAX, &text, &len);
        if (r < 0)
                return r;
        r = oci_config_parse(text, len, runtime, &oci);
        if (r < 0)
                return r;
        merge_oci(m, &oci);
        return 0;
}

static int read_pid_file(int root_fd, const char *path, pid_t *ret) {
        char buf[32];
        size_t len;
        long v;
        char *end;
        int r;

        r = read_file_at(root_fd, path, buf, sizeof buf, &len);
        if (r < 0)
                return r;
        errno = 0;
        v = strtol(buf, &end, 10);
        if (errno || end == buf || (*end && *end != '\n') || v <= 0 || v > 0x3fffffff)
                return -EBADMSG;
        *ret = (pid_t) v;
        return 0;
}

static int load_containerd(int root_fd, const CgroupContainer *c, ContainerMeta *m, int *err) {
        char dir[512], path[600];
        int r, r2;

        /* ids and namespaces passed container_id_is_valid(): no "/" or ".." in them */
        (void) snprintf(dir, sizeof dir, "%s/%s/%s", &CONTAINERD_TASKS_ROOT[1], c->ns, c->id);

        (void) snprintf(path, sizeof path, "%s/config.json", dir);
        r = read_oci(root_fd, path, c->runtime, m, false);
        keep_error(err, r);

        /* the shim writes init.pid only once runc create has returned */
        (void) snprintf(path, sizeof path, "%s/init.pid", dir);
        r2 = read_pid_file(root_fd, path, &m->runtime_init_pid);
        if (r2 != -ENOENT)
                keep_error(err, r2);
        return r;
}

/* path absolute: as if root_fd were "/" */
static int load_config(int root_fd, const CgroupContainer *c, const char *dir, bool in_root, ContainerMeta *m,
                       int *err) {
        char path[600];
        int r;

        if (!dir || dir[0] != '/')
                return 0;
        if ((size_t) snprintf(path, sizeof path, "%s/config.json", dir + 1) >= sizeof path) {
                keep_error(err, -ENAMETOOLONG);
                return -ENAMETOOLONG;
        }
        r = read_oci(root_fd, path, c->runtime, m, in_root);
        keep_error(err, r);
        return r;
}

static int load_runc(int root_fd, const char *state_root, const CgroupContainer *c, ContainerMeta *m, int *err) {
        _cleanup_runc_state_ RuncState st = {};
        char path[600];
        int r;

        (void) snprintf(path, sizeof path, "%s/%s/state.json", state_root + 1, c->id);
        r = runc_state_read_at(root_fd, path, RUNC_STATE_INIT, &st);
        if (r < 0) {
                keep_error(err, r);
                return r;
        }
        if (!streq(st.id, c->id)) { /* a state file that names another container is not this one's */
                keep_error(err, -EBADMSG);
                return -EBADMSG;
        }
        m->runtime_init_pid = st.init_pid;
        /* whoever ran runc chose the bundle: no symlink in it leads out of root_fd */
        return load_config(root_fd, c, st.bundle, true, m, err);
}

static int load_docker(int root_fd, const CgroupContainer *c, ContainerMeta *m, int *err) {
        _cleanup_free_ char *text = NULL;
        _cleanup_(docker_config_done) DockerConfig d = {};
        char path[600];
        size_t len;
        int r;

        (void) snprintf(path, sizeof path, "%s/containers/%s/config.v2.json", &DOCKER_ROOT[1], c->id);
        r = read_full_file_at(root_fd, path, DOCKER_CONFIG_SIZE_MAX, &text, &len);
        if (r >= 0)
                r = docker_config_parse(text, len, &d);
        if (r < 0) {
                keep_error(err, r);
                return r;
        }

        take(&m->name, &d.name);
        take(&m->image, &d.image);
        take(&m->k8s_namespace, &d.k8s_namespace);
        take(&m->pod, &d.pod);
        take(&m->container, &d.container);
        m->sandbox |= d.sandbox;
        return 0;
}

int container_meta_load(int root_fd, const CgroupContainer *c, ContainerMeta *ret, int *ret_error) {
        ContainerMeta m = { .declared_no_new_privs = -1, .declared_uid = -1 };
        int err = 0;

        if (!c || !ret)
                return -EINVAL;

        switch (c->runtime) {
        case RUNTIME_DOCKER:
                (void) load_docker(root_fd, c, &m, &err);
                _fallthrough_;
        case RUNTIME_CONTAINERD:
                if (c->ns[0])
                        (void) load_containerd(root_fd, c, &m, &err);
                break;
        case RUNTIME_RUNC:
        case RUNTIME_CRIO:
        case RUNTIME_PODMAN:
                (void) load_runc(root_fd, RUNC_ROOT, c, &m, &err);
                break;
        case RUNTIME_CRUN: {
                char dir[512];

                (void) snprintf(dir, sizeof dir, "%s/%s", CRUN_ROOT, c->id);
                (void) load_config(root_fd, c, dir, false, &m, &err);
                break;
        }
        default:
                err = -ENOENT;
        }

        *ret = m;
        if (ret_error)
                *ret_error = err;
        return err;
}

static int load_one(int root_fd, const CgroupContainer *c, const char *dir, bool in_root, ContainerMeta *ret,
                    int *ret_error) {
        ContainerMeta m = { .declared_no_new_privs = -1, .declared_uid = -1 };
        int err = 0;

        if (!c || !ret)
                return -EINVAL;
        (void) load_config(root_fd, c, dir, in_root, &m, &err);
        *ret = m;
        if (ret_error)
                *ret_error = err;
        return err;
}

int container_meta_load_bundle(int root_fd, const CgroupContainer *c, const char *bundle, ContainerMeta *ret,
                               int *ret_error) {
        return load_one(root_fd, c, bundle, true, ret, ret_error);
}

int container_meta_load_state_dir(int root_fd, const CgroupContainer *c, const char *dir, ContainerMeta *ret,
                                  int *ret_error) {
        return load_one(root_fd, c, dir, false, ret, ret_error);
}
