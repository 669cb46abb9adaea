/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "capguard/proc-cgroup.h"

/* The runtimes' state roots, as O_PATH directory fds (-EBADF where a root does not exist). They
 * confirm what a cgroup path alone cannot: that /<ns>/<id> really is a containerd task and /<id>
 * a runc or crun container. */
typedef struct RuntimeRoots {
        int containerd_tasks_fd; /* /run/containerd/io.containerd.runtime.v2.task */
        int runc_fd;             /* /run/runc */
        int crun_fd;             /* /run/crun */
} RuntimeRoots;

#define RUNTIME_ROOTS_NULL { .containerd_tasks_fd = -EBADF, .runc_fd = -EBADF, .crun_fd = -EBADF }

#define CONTAINERD_TASKS_ROOT "/run/containerd/io.containerd.runtime.v2.task"
#define RUNC_ROOT "/run/runc"
#define CRUN_ROOT "/run/crun"

/* Opens the roots below root_fd ("/" normally, a fixture tree in tests). A missing root is not
 * an error: its fd stays -EBADF. */
int runtime_roots_open(int root_fd, RuntimeRoots *ret);
void runtime_roots_close(RuntimeRoots *r);

/* Confirms c against the roots, filling in runtime and namespace where they tell. Returns 1 if
 * c is a container, 0 if not (c->match is then CGROUP_MATCH_NONE). */
int container_resolve(CgroupContainer *c, const RuntimeRoots *roots);
