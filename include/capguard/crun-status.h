/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "capguard/macro.h"

/* crun's state file: /run/crun/<id>/status (crun's --root, default /run/crun). crun writes it
 * (status.tmp, then rename()) once the container's init has its final sets, after `crun
 * create` has synced with it: {"pid": 21196, "process-start-time": 1192682, "cgroup-path": "",
 * "scope": "", "rootfs": "rootfs", "systemd-cgroup": false, "bundle": "/tmp/b", "created":
 * "2026-11-28T15:13:28.721671Z", "owner": "root", "detached": true, "external_descriptors":
 * "[...]"}. It does not name the container: the directory it is in does. Next to it crun keeps
 * config.json, its copy of the bundle's spec, and exec.fifo until `crun start`. */

/* Real files are under 1 KiB; the paths in them (bundle, rootfs, cgroup-path, and the three of
 * external_descriptors, a JSON text in a string) are each at most PATH_MAX. */
#define CRUN_STATUS_SIZE_MAX (256 * 1024)

typedef struct CrunStatus {
        pid_t pid;              /* the container's init, as the host sees it */
        /* The init's start, in clock ticks after boot: field 22 of /proc/<pid>/stat, which crun
         * read itself. With pid it names one process; a pid alone may have been reused since. */
        uint64_t start;
        bool has_created;
        int64_t created_usec;   /* CLOCK_REALTIME, if has_created */
        /* An absolute path, refused (-EBADMSG) if it would need cleaning; NULL if absent. */
        char *bundle;
} CrunStatus;

void crun_status_done(CrunStatus *s);
#define _cleanup_crun_status_ _cleanup_(crun_status_done)

/* pid (1..INT_MAX) and process-start-time (1..INT64_MAX-1; crun writes it since 0.14) must be
 * JSON integers; created (RFC 3339) and bundle, where present and not null, strings. Keys are
 * matched exactly, as crun reads them; other members are not looked at. -EBADMSG for text that
 * is not one JSON object or breaks any of this, -EFBIG above CRUN_STATUS_SIZE_MAX, -ENOMEM.
 * *ret is written only on success. */
int crun_status_parse(const char *buf, size_t len, CrunStatus *ret);

/* Reads dir_fd/path (no symlinks, a regular file, at most CRUN_STATUS_SIZE_MAX) and parses it. */
int crun_status_read_at(int dir_fd, const char *path, CrunStatus *ret);
