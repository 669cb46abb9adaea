/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "capguard/capability.h"
#include "capguard/macro.h"
#include "capguard/runtime.h"

/* One verdict on one container, as capguardd records it in the store and the journal and
 * capctl events prints it. Every string is owned by the Event and was sanitised where it came
 * from a container (oci_text_sanitize()): no control characters, valid UTF-8, bounded. */

/* The kernel's boot id as journald writes _BOOT_ID: 32 lowercase hex digits. */
#define BOOT_ID_STRING_MAX 33

typedef enum EventAction {
        EVENT_ACTION_NONE,        /* compliant */
        EVENT_ACTION_AUDIT,       /* violation, logged only */
        EVENT_ACTION_WOULD_KILL,  /* violation under a kill rule, --dry-run */
        EVENT_ACTION_KILLED,
        EVENT_ACTION_KILL_FAILED, /* action_detail says why */
        _EVENT_ACTION_MAX,
        _EVENT_ACTION_INVALID = -EINVAL,
} EventAction;

typedef enum EventVerdict {
        EVENT_VERDICT_OK,
        EVENT_VERDICT_VIOLATION,
        /* the facts could not be read (state file truncated, process gone): recorded with
         * what is known and the reason, never silently dropped */
        EVENT_VERDICT_UNKNOWN,
        _EVENT_VERDICT_MAX,
        _EVENT_VERDICT_INVALID = -EINVAL,
} EventVerdict;

typedef struct Event {
        int64_t id;                 /* the store's row id; 0 before it is stored */
        int64_t time_usec;          /* CLOCK_REALTIME of the verdict */

        /* the container */
        char *container_id;
        Runtime runtime;            /* _RUNTIME_INVALID where unknown */
        char *runtime_namespace;    /* "k8s.io", "moby", ...; NULL where the runtime has none */
        char *k8s_namespace, *pod, *container, *image; /* NULL where unknown */
        bool sandbox;

        /* the process judged: the container's init, pinned by its start time in this boot */
        pid_t pid;
        uint64_t pid_start;         /* field 22 of /proc/<pid>/stat, clock ticks after boot */
        char boot_id[BOOT_ID_STRING_MAX]; /* "" where unknown (recorded before schema 4) */

        /* what the OCI config declared, where it could be read */
        bool has_declared;
        CapSets declared;

        /* the facts, as the kernel reported them */
        uint32_t uid;
        CapSets caps;
        int no_new_privs;           /* -1 unknown */
        int seccomp;                /* -1 unknown, else 0, 1, 2 */

        /* the verdict */
        EventVerdict verdict;
        char *rule;                 /* NULL when no rule fits */
        unsigned policy_version;    /* 0 when no policy was active */
        uint64_t excess[_CAP_SET_MAX];
        char **reasons;             /* NULL-terminated; NULL or empty when compliant */
        EventAction action;
        char *action_detail;        /* why a kill failed; NULL otherwise */
} Event;

void event_done(Event *e);

const char *event_action_to_string(EventAction a) _const_;   /* "none", "audit", "would-kill", "killed", "kill-failed" */
EventAction event_action_from_string(const char *s) _pure_;
const char *event_verdict_to_string(EventVerdict v) _const_; /* "ok", "violation", "unknown" */
EventVerdict event_verdict_from_string(const char *s) _pure_;

/* The union of excess over all sets. */
uint64_t event_excess_any(const Event *e) _pure_;

/* "" (unknown) or BOOT_ID_STRING_MAX - 1 lowercase hex digits. */
bool boot_id_is_valid(const char *s) _pure_;

/* RFC 3339 in UTC with microseconds: "2026-11-28T12:00:00.123456Z". */
#define EVENT_TIME_MAX 32
const char *event_format_time(int64_t usec, char buf[static EVENT_TIME_MAX]);
