/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "capguard/container-resolve.h"

static int open_root(int root_fd, const char *path) {
        int fd;

        /* Relative to root_fd, so tests can point the whole lookup at a fixture tree. */
        while (*path == '/')
                path++;
        fd = openat(root_fd, path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT || errno == ENOTDIR ? -EBADF : negative_errno();
        return fd;
}

int runtime_roots_open(int root_fd, RuntimeRoots *ret) {
        RuntimeRoots roots = RUNTIME_ROOTS_NULL;
        struct {
                const char *path;
                int *fd;
        } table[] = {
                { CONTAINERD_TASKS_ROOT, &roots.containerd_tasks_fd },
                { RUNC_ROOT, &roots.runc_fd },
                { CRUN_ROOT, &roots.crun_fd },
        };

        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                int fd = open_root(root_fd, table[i].path);

                if (fd < 0 && fd != -EBADF) {
                        runtime_roots_close(&roots);
                        return fd;
                }
                *table[i].fd = fd;
        }

        *ret = roots;
        return 0;
}

void runtime_roots_close(RuntimeRoots *r) {
        if (!r)
                return;
        closep(&r->containerd_tasks_fd);
        closep(&r->runc_fd);
        closep(&r->crun_fd);
        *r = (RuntimeRoots) RUNTIME_ROOTS_NULL;
}

static bool dir_exists_at(int dir_fd, const char *a, const char *b) {
        char path[RUNTIME_NAMESPACE_MAX + 1 + CONTAINER_ID_MAX + 1];
        struct stat st;

        if (dir_fd < 0)
                return false;
        /* Both parts passed container_id_is_valid(): no "/", no "..", so no escape. */
        if (b)
                (void) snprintf(path, sizeof path, "%s/%s", a, b);
        else
                (void) snprintf(path, sizeof path, "%s", a);
        return fstatat(dir_fd, path, &st, AT_SYMLINK_NOFOLLOW) >= 0 && S_ISDIR(st.st_mode);
}

static void set_runtime(CgroupContainer *c, Runtime r, const char *ns) {
        c->runtime = r;
        if (ns)
                (void) snprintf(c->ns, sizeof c->ns, "%s", ns);
}

int container_resolve(CgroupContainer *c, const RuntimeRoots *roots) {
        static const RuntimeRoots none = RUNTIME_ROOTS_NULL;

        if (!c)
                return -EINVAL;
        if (!roots)
                roots = &none;

        switch (c->match) {
        case CGROUP_MATCH_CERTAIN:
                return 1;

        case CGROUP_MATCH_KUBEPODS:
                /* A container either way; the roots only say whose. */
                if (dir_exists_at(roots->containerd_tasks_fd, "k8s.io", c->id))
                        set_runtime(c, RUNTIME_CONTAINERD, "k8s.io");
                else if (dir_exists_at(roots->runc_fd, c->id, NULL))
                        set_runtime(c, RUNTIME_CRIO, NULL);
                return 1;

        case CGROUP_MATCH_NS_ID:
                if (dir_exists_at(roots->containerd_tasks_fd, c->ns, c->id)) {
                        set_runtime(c, streq(c->ns, "moby") ? RUNTIME_DOCKER : RUNTIME_CONTAINERD, NULL);
                        return 1;
                }
                break;

        case CGROUP_MATCH_ID:
                if (dir_exists_at(roots->runc_fd, c->id, NULL)) {
                        set_runtime(c, RUNTIME_RUNC, NULL);
                        return 1;
                }
                if (dir_exists_at(roots->crun_fd, c->id, NULL)) {
                        set_runtime(c, RUNTIME_CRUN, NULL);
                        return 1;
                }
                break;

        case CGROUP_MATCH_NONE:
                break;
        }

        *c = (CgroupContainer) { .match = CGROUP_MATCH_NONE, .runtime = _RUNTIME_INVALID };
        return 0;
}
