/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "capguard/capability.h"
#include "capguard/policy.h"
#include "capguard/proc-cgroup.h"

/* What the runtime's own files say of a container: names and the sets it was declared with.
 * Every string came from someone who can start a container and has been sanitised: no control
 * characters, valid UTF-8, bounded length. */
typedef struct ContainerMeta {
        char *name;          /* Docker's container name */
        char *k8s_namespace;
        char *pod;
        char *container;
        char *image;
        bool sandbox;        /* the Kubernetes pause container */
        bool has_declared;
        CapSets declared;    /* process.capabilities of the OCI config */
        int declared_no_new_privs;   /* -1 where no config was read */
        bool declared_seccomp;       /* the config has linux.seccomp */
        int64_t declared_uid;   /* -1 where the config does not say */
        pid_t runtime_init_pid; /* the runtime's record of the init pid, 0 if none */
} ContainerMeta;

#define DOCKER_ROOT "/var/lib/docker"

/* Reads what the runtimes keep of c below root_fd ("/" normally): containerd's task bundle,
 * runc's and crun's state, Docker's container config. Best effort: a missing or malformed file
 * leaves its fields empty; the first such error is returned in *ret_error, if given. */
int container_meta_load(int root_fd, const CgroupContainer *c, ContainerMeta *ret, int *ret_error);
void container_meta_done(ContainerMeta *m);

/* The same, where the caller has read the runtime's state already and knows where the config
 * is: the config.json of a runc bundle (as the state file names it; resolved as if root_fd
 * were "/", since whoever ran runc chose it), or crun's own copy in its state directory dir.
 * Absolute paths; a NULL bundle (a state file that names none) leaves everything empty. */
int container_meta_load_bundle(int root_fd, const CgroupContainer *c, const char *bundle, ContainerMeta *ret,
                               int *ret_error);
int container_meta_load_state_dir(int root_fd, const CgroupContainer *c, const char *dir, ContainerMeta *ret,
                                  int *ret_error);

/* The policy engine's facts from what the runtime says of c: id, runtime, namespaces, pod,
 * container (Docker's name where no Kubernetes one), image, sandbox. The caller adds what the
 * kernel says: sets, uid, NoNewPrivs, seccomp. The strings are borrowed from c and m. */
void container_meta_facts(const CgroupContainer *c, const ContainerMeta *m, ContainerFacts *ret);
