/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>
#include <stdio.h>
#include <sys/uio.h>
#include <systemd/sd-id128.h>

#include "capguard/event.h"
#include "capguard/journal-socket.h"
#include "capguard/macro.h"

/* One journal entry per verdict, in journald's native protocol, with a fixed MESSAGE_ID per
 * kind of entry that systemd/capguard.catalog explains (journalctl -x). The ids never change:
 * they are how operators and their tools find these entries. */

#define CAPGUARD_MESSAGE_COMPLIANT      SD_ID128_MAKE(0e,2b,46,4f,ae,fa,46,2b,b8,ec,1f,df,36,b6,90,76)
#define CAPGUARD_MESSAGE_COMPLIANT_STR  SD_ID128_MAKE_STR(0e,2b,46,4f,ae,fa,46,2b,b8,ec,1f,df,36,b6,90,76)
#define CAPGUARD_MESSAGE_VIOLATION      SD_ID128_MAKE(94,24,15,85,da,19,40,09,98,48,48,ad,14,44,86,be)
#define CAPGUARD_MESSAGE_VIOLATION_STR  SD_ID128_MAKE_STR(94,24,15,85,da,19,40,09,98,48,48,ad,14,44,86,be)
#define CAPGUARD_MESSAGE_KILL           SD_ID128_MAKE(18,8d,d0,ff,98,5e,41,b6,92,7a,5a,ef,eb,bd,39,0e)
#define CAPGUARD_MESSAGE_KILL_STR       SD_ID128_MAKE_STR(18,8d,d0,ff,98,5e,41,b6,92,7a,5a,ef,eb,bd,39,0e)
#define CAPGUARD_MESSAGE_UNKNOWN        SD_ID128_MAKE(50,14,dc,95,77,80,44,90,87,29,ed,ed,9a,61,1a,7f)
#define CAPGUARD_MESSAGE_UNKNOWN_STR    SD_ID128_MAKE_STR(50,14,dc,95,77,80,44,90,87,29,ed,ed,9a,61,1a,7f)

typedef enum JournalEventKind {
        JOURNAL_EVENT_COMPLIANT, /* verdict ok: PRIORITY info (6) */
        JOURNAL_EVENT_VIOLATION, /* verdict violation, audited or would-kill: warning (4) */
        JOURNAL_EVENT_KILL,      /* action killed or kill-failed, whatever the verdict: crit (2) */
        JOURNAL_EVENT_UNKNOWN,   /* the facts could not be read: warning (4) */
        _JOURNAL_EVENT_KIND_MAX,
        _JOURNAL_EVENT_KIND_INVALID = -EINVAL,
} JournalEventKind;

JournalEventKind journal_event_kind(const Event *e) _pure_;
int journal_event_kind_priority(JournalEventKind k) _const_;              /* LOG_INFO, ... */
const char *journal_event_kind_message_id(JournalEventKind k) _const_;    /* 32 hex digits */
const char *journal_event_kind_to_string(JournalEventKind k) _const_;     /* "compliant", ... */

/* Longest value of one field, in bytes; a longer one is cut on a character boundary. */
#define JOURNAL_EVENT_VALUE_MAX 8192

/* The fields of one entry: iov[i].iov_base is a NUL-terminated "KEY=value" and iov[i].iov_len
 * its length without the NUL, as sd_journal_sendv() takes them. They all lie in buf, one
 * allocation for the entry rather than three for each field. */
typedef struct JournalFields {
        struct iovec *iov;
        size_t n;
        char *buf;
} JournalFields;

void journal_fields_done(JournalFields *f);

/* The entry for e: MESSAGE_ID, PRIORITY, MESSAGE (one line), SYSLOG_IDENTIFIER=capguardd,
 * then CAPGUARD_CONTAINER_ID, CAPGUARD_RUNTIME, CAPGUARD_RUNTIME_NAMESPACE,
 * CAPGUARD_K8S_NAMESPACE, CAPGUARD_POD, CAPGUARD_CONTAINER, CAPGUARD_IMAGE, OBJECT_PID,
 * CAPGUARD_RULE, CAPGUARD_POLICY_VERSION, CAPGUARD_EXCESS_CAPS (space-separated CAP_ names of
 * the union of excess over all sets), CAPGUARD_CAP_INH, _PRM, _EFF, _BND, _AMB (16 hex digits,
 * in the order and form of /proc/<pid>/status), CAPGUARD_UID, CAPGUARD_NO_NEW_PRIVS (0, 1),
 * CAPGUARD_SECCOMP (0, 1, 2), CAPGUARD_VERDICT, CAPGUARD_ACTION, CAPGUARD_ACTION_DETAIL and
 * one CAPGUARD_REASON per reason, in this order.
 *
 * A field whose value is unknown is left out: a NULL or empty string, pid 0, policy version
 * 0, no excess, no_new_privs or seccomp < 0. The five sets and the uid come from the same
 * read of /proc/<pid>/status as NoNewPrivs and Seccomp, so for an unknown verdict they are
 * left out too when neither NoNewPrivs nor Seccomp is known (the status was never read).
 *
 * Field names are capguard's own. Every value, the container's strings included, passes
 * oci_text_sanitize() again: no control character (C0, DEL, C1), no line separator, no bidi
 * control, only valid UTF-8, so no byte of a container's can start a field or a line even in
 * a reader that ignores the native protocol's framing. -EINVAL for an Event whose verdict or
 * action is out of range, -ENOMEM. */
int journal_event_build(const Event *e, JournalFields *ret);

/* journal_event_build() + journal_socket_send(). A negative errno when journald cannot be
 * reached: -ENOENT when its socket does not exist, -ECONNREFUSED when nothing listens on it,
 * ...; the caller then falls back to journal_event_format_line() on stderr. */
int journal_event_send(JournalSocket *j, const Event *e);

/* The same entry as one line for stderr, when journald is not reachable:
 *   capguardd: warning: Container ...; audit only, left running MESSAGE_ID="..." CAPGUARD_CONTAINER_ID="..." ...
 * The priority by name (crit, warning, info), MESSAGE, then every other field as KEY="value".
 * Values are escaped C-style, \\ \" \n \r \t and \xNN for any other control byte, and
 * then cleaned like journal values (a C1 control, bidi control or invalid UTF-8 becomes '?').
 * MESSAGE, unquoted, is escaped the same way, so that no value can forge a KEY="value" pair
 * or end the line. The result has no trailing newline. */
int journal_event_format_line(const Event *e, char **ret);
