/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "capguard/proc-scan.h"

/* A container as its processes show it: what it really holds, whatever its config declared. */
typedef struct ContainerProcs {
        CgroupContainer cg;
        pid_t init_pid;   /* its first process: the lowest pid whose parent is outside it */
        CapSets caps;     /* the union over all its processes: what any of them holds */
        uint32_t uid;     /* the init process's effective uid */
        int no_new_privs; /* 1 only if every process has it, -1 if the kernel did not say */
        int seccomp;      /* the weakest mode of any process, -1 if the kernel did not say */
        unsigned n_procs;
} ContainerProcs;

/* Every container with at least one process under proc_fd, sorted by runtime, namespace, id. */
int container_list_collect(int proc_fd, const RuntimeRoots *roots, ContainerProcs **ret, size_t *ret_n);
