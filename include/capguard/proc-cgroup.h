/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include "capguard/runtime.h"

#define PROC_CGROUP_SIZE_MAX (64 * 1024)

/* How a container id was found in a cgroup path, strongest first. */
typedef enum CgroupMatch {
        CGROUP_MATCH_NONE,
        /* the path alone identifies runtime and container: docker-<id>.scope,
         * cri-containerd-<id>.scope, crio-<id>[.scope], libpod-<id>.scope, /docker/<id> */
        CGROUP_MATCH_CERTAIN,
        /* kubelet's cgroupfs layout, .../kubepods.../pod<uid>/<id>: a container, runtime unknown */
        CGROUP_MATCH_KUBEPODS,
        /* /<ns>/<id>: containerd's default without a cgroup parent; only a containerd task of
         * that name confirms it */
        CGROUP_MATCH_NS_ID,
        /* /<id>: standalone runc's and crun's default; only their state dir confirms it */
        CGROUP_MATCH_ID,
} CgroupMatch;

typedef struct CgroupContainer {
        CgroupMatch match;
        Runtime runtime;                        /* _RUNTIME_INVALID where the path does not say */
        char id[CONTAINER_ID_MAX + 1];
        char ns[RUNTIME_NAMESPACE_MAX + 1];     /* the runtime's namespace where known, else "" */
} CgroupContainer;

/* Finds the container of a process in the text of /proc/<pid>/cgroup (v1, v2 or hybrid). The
 * innermost container wins, so a container nested in another (kind, docker-in-docker) is
 * named, not its host. Returns 1 with *ret filled, 0 with ret->match == CGROUP_MATCH_NONE for
 * a process in no recognised container, -EBADMSG for text that is not a cgroup file. */
int proc_cgroup_parse(const char *buf, size_t len, CgroupContainer *ret);

/* The container one cgroup path names ("/kubepods.slice/.../crio-<id>.scope"), as one line of
 * /proc/<pid>/cgroup would: 1 with *ret filled, 0 with ret->match == CGROUP_MATCH_NONE, or
 * -EBADMSG for a path that is not absolute or has too many components. A path under a cgroup
 * mount ("/sys/fs/cgroup/...") gives the same CGROUP_MATCH_CERTAIN answers; the weaker matches
 * count components and need the path relative to the hierarchy's root. */
int proc_cgroup_match_path(const char *path, size_t len, CgroupContainer *ret);

/* Reads and parses dir_fd/path, as proc_status_read_at() does. */
int proc_cgroup_read_at(int dir_fd, const char *path, CgroupContainer *ret);
