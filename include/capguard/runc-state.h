/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "capguard/capability.h"
#include "capguard/macro.h"
#include "capguard/oci-config.h"
#include "capguard/runtime.h"

/* runc's state.json: /run/runc/<id>/ standalone (and under CRI-O and podman),
 * /run/containerd/runc/<ns>/<id>/ under containerd, /run/docker/runtime-runc/moby/<id>/
 * under Docker. runc writes it (atomically) once the container's init exists; the config
 * part is runc's translation of the bundle's config.json, annotations included, so the same
 * rules hold as for oci_config_parse(). */

/* Real files are 6-32 KiB (the whole libcontainer config, seccomp rules included). */
#define RUNC_STATE_SIZE_MAX (4 * 1024 * 1024)

typedef struct RuncState {
        /* A valid container id (container_id_is_valid()): runc also allows '+' and longer
         * ids, which nothing else in capguard accepts either. Callers check that it names
         * the directory the file was found in. */
        char id[CONTAINER_ID_MAX + 1];
        pid_t init_pid;
        /* The init's start, in clock ticks after boot: field 22 of /proc/<pid>/stat. With
         * init_pid it names one process; a pid alone may have been reused since. */
        uint64_t init_start;
        int64_t created_usec;   /* CLOCK_REALTIME */
        /* The bundle directory, from the last of config.labels, which runc appends after a
         * "key=value" label for every annotation: an annotation named "bundle" is an earlier
         * label and is never taken for it. An absolute path, refused (-EBADMSG) if it would
         * need cleaning; NULL if the last label is no "bundle=". */
        char *bundle;
        /* The engine that had runc make it, where the cgroups runc put it in say so
         * (cgroup_paths: crio-<id>.scope, libpod-<id>.scope, docker-<id>.scope, /docker/<id>,
         * for this id); _RUNTIME_INVALID where they do not. What /proc/<pid>/cgroup would
         * say of its init, without a read of it. */
        Runtime engine;
        /* config.capabilities, runc's copy of the spec's sets. has_caps false: null there,
         * runc drops nothing. */
        CapSets caps;
        bool has_caps;
        OciUnknownCaps unknown_caps;
        int no_new_privs;       /* config.no_new_privileges: 0 or 1, absent means 0 */
} RuncState;

void runc_state_done(RuncState *s);
#define _cleanup_runc_state_ _cleanup_(runc_state_done)

typedef enum RuncStateParts {
        RUNC_STATE_INIT = 0,      /* id, init_pid, init_start, created_usec, bundle, engine */
        RUNC_STATE_SETS = 1 << 0, /* and caps, has_caps, unknown_caps, no_new_privs */
} RuncStateParts;

/* id, init_process_pid, init_process_start, created (RFC 3339) and config must be there and
 * well formed; -EBADMSG otherwise, or for a member of the wrong type. -EFBIG above
 * RUNC_STATE_SIZE_MAX. *ret is written only on success.
 *
 * Without RUNC_STATE_SETS config.capabilities and config.no_new_privileges are neither read
 * nor checked, and those fields are left zero: capguardd takes the declared sets from the
 * bundle's config.json, and parsing runc's copy was 40% of a state file's cost. Whatever
 * RUNC_STATE_SETS accepts, RUNC_STATE_INIT accepts with the same identity. */
int runc_state_parse(const char *buf, size_t len, RuncStateParts parts, RuncState *ret);

/* Reads dir_fd/path (no symlinks, at most RUNC_STATE_SIZE_MAX) and parses it. */
int runc_state_read_at(int dir_fd, const char *path, RuncStateParts parts, RuncState *ret);
