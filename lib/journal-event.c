/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

/* No CODE_FILE=, CODE_LINE=, CODE_FUNC=: they would name this file for every verdict. */
#define SD_JOURNAL_SUPPRESS_LOCATION 1

#include "capguard/cap-json.h"
#include "capguard/journal-event.h"
#include "capguard/oci-config.h"

static const struct {
        const char *name;
        const char *message_id;
        int priority;
} kinds[_JOURNAL_EVENT_KIND_MAX] = {
        [JOURNAL_EVENT_COMPLIANT] = { "compliant", CAPGUARD_MESSAGE_COMPLIANT_STR, LOG_INFO },
        [JOURNAL_EVENT_VIOLATION] = { "violation", CAPGUARD_MESSAGE_VIOLATION_STR, LOG_WARNING },
        [JOURNAL_EVENT_KILL] = { "kill", CAPGUARD_MESSAGE_KILL_STR, LOG_CRIT },
        [JOURNAL_EVENT_UNKNOWN] = { "unknown", CAPGUARD_MESSAGE_UNKNOWN_STR, LOG_WARNING },
};

/* The journal's field names for the five sets, by CapSet. */
static const char *const cap_fields[_CAP_SET_MAX] = {
        [CAP_SET_INHERITABLE] = "CAPGUARD_CAP_INH",
        [CAP_SET_PERMITTED] = "CAPGUARD_CAP_PRM",
        [CAP_SET_EFFECTIVE] = "CAPGUARD_CAP_EFF",
        [CAP_SET_BOUNDING] = "CAPGUARD_CAP_BND",
        [CAP_SET_AMBIENT] = "CAPGUARD_CAP_AMB",
};

JournalEventKind journal_event_kind(const Event *e) {
        if (!e)
                return _JOURNAL_EVENT_KIND_INVALID;

        /* A kill that failed is the most urgent of all: the container still runs. */
        if (e->action == EVENT_ACTION_KILLED || e->action == EVENT_ACTION_KILL_FAILED)
                return JOURNAL_EVENT_KILL;

        switch (e->verdict) {
        case EVENT_VERDICT_OK:
                return JOURNAL_EVENT_COMPLIANT;
        case EVENT_VERDICT_VIOLATION:
                return JOURNAL_EVENT_VIOLATION;
        case EVENT_VERDICT_UNKNOWN:
                return JOURNAL_EVENT_UNKNOWN;
        default:
                return _JOURNAL_EVENT_KIND_INVALID;
        }
}

int journal_event_kind_priority(JournalEventKind k) {
        return k >= 0 && k < _JOURNAL_EVENT_KIND_MAX ? kinds[k].priority : -EINVAL;
}

const char *journal_event_kind_message_id(JournalEventKind k) {
        return k >= 0 && k < _JOURNAL_EVENT_KIND_MAX ? kinds[k].message_id : NULL;
}

const char *journal_event_kind_to_string(JournalEventKind k) {
        return k >= 0 && k < _JOURNAL_EVENT_KIND_MAX ? kinds[k].name : NULL;
}

static const char *priority_to_string(int priority) {
        switch (priority) {
        case LOG_CRIT:
                return "crit";
        case LOG_WARNING:
                return "warning";
        default:
                return "info";
        }
}

void journal_fields_done(JournalFields *f) {
        if (!f)
                return;
        free(f->iov);
        free(f->buf);
        *f = (JournalFields) {};
}

static bool isempty(const char *s) {
        return !s || !*s;
}

/* journald's rule, kept for our own names: A-Z, 0-9 and '_', not starting with a digit or
 * '_' (those are journald's trusted fields), at most 64 bytes. Only assert() calls it, which
 * a release build (NDEBUG) compiles out. */
_unused_ static bool field_name_is_valid(const char *key) {
        size_t n = strlen(key);

        if (n == 0 || n > 64 || key[0] == '_' || (key[0] >= '0' && key[0] <= '9'))
                return false;
        for (size_t i = 0; i < n; i++)
                if (!((key[i] >= 'A' && key[i] <= 'Z') || (key[i] >= '0' && key[i] <= '9') || key[i] == '_'))
                        return false;
        return true;
}

/* ---- MESSAGE ---- */

/* Docker's and CRI's 64-hex ids are shown by their first 12 digits, as docker ps does. */
static int id_display_len(const char *id) {
        size_t n = strlen(id);

        if (n != 64 || strspn(id, "0123456789abcdef") != n)
                return (int) (n > JOURNAL_EVENT_VALUE_MAX ? JOURNAL_EVENT_VALUE_MAX : n);
        return 12;
}

/* A line as it is written: a string builder that remembers running out of memory, so that
 * the message reads as the sentence it builds and fails once, at the end. */
typedef struct Line {
        char *buf;
        size_t len, size;
        bool oom;
} Line;

/* Room for need bytes after the used ones of *buf (*size allocated): doubled, and 256 at
 * least. 0 or -ENOMEM. */
static int buf_reserve(char **buf, size_t *size, size_t used, size_t need) {
        size_t n = *size * 2;
        char *p;

        if (*size - used >= need)
                return 0;
        if (n < used + need)
                n = used + need;
        if (n < 256)
                n = 256;
        p = realloc(*buf, n);
        if (!p)
                return -ENOMEM;
        *buf = p;
        *size = n;
        return 0;
}

static void line_add(Line *l, const char *s, size_t n) {
        if (l->oom || buf_reserve(&l->buf, &l->size, l->len, n + 1) < 0) {
                l->oom = true;
                return;
        }
        memcpy(l->buf + l->len, s, n);
        l->len += n;
        l->buf[l->len] = '\0';
}

static void line_puts(Line *l, const char *s) {
        line_add(l, s, strlen(s));
}

/* "docker moby, team-a/web-0/web, image registry/web:1" */
static void message_who(Line *l, const Event *e) {
        const char *runtime = runtime_to_string(e->runtime);

        line_puts(l, runtime ?: "unknown runtime");
        if (!isempty(e->runtime_namespace)) {
                line_puts(l, " ");
                line_puts(l, e->runtime_namespace);
        }
        if (!isempty(e->k8s_namespace) || !isempty(e->pod)) {
                line_puts(l, ", ");
                line_puts(l, isempty(e->k8s_namespace) ? "-" : e->k8s_namespace);
                line_puts(l, "/");
                line_puts(l, isempty(e->pod) ? "-" : e->pod);
                line_puts(l, "/");
                line_puts(l, isempty(e->container) ? "-" : e->container);
        } else if (!isempty(e->container)) {
                line_puts(l, ", ");
                line_puts(l, e->container);
        }
        if (e->sandbox)
                line_puts(l, ", pod sandbox");
        if (!isempty(e->image)) {
                line_puts(l, ", image ");
                line_puts(l, e->image);
        }
}

static void message_reasons(Line *l, const Event *e) {
        size_t n = 0;

        for (char **r = e->reasons; r && *r; r++)
                if (!isempty(*r))
                        n++;
        if (n == 0)
                return;

        for (char **r = e->reasons; *r; r++)
                if (!isempty(*r)) {
                        line_puts(l, ": ");
                        line_puts(l, *r);
                        break;
                }
        if (n > 1) {
                char more[48];

                (void) snprintf(more, sizeof more, " (and %zu more)", n - 1);
                line_puts(l, more);
        }
}

/* One line for a human; every detail is in a field of its own as well. Untrusted strings go
 * in as they are: the caller cleans or escapes the whole line. */
static int message_build(const Event *e, char **ret) {
        Line l = {};

        if (isempty(e->container_id))
                line_puts(&l, "Container ? (");
        else {
                line_puts(&l, "Container ");
                line_add(&l, e->container_id, (size_t) id_display_len(e->container_id));
                line_puts(&l, " (");
        }
        message_who(&l, e);
        line_puts(&l, ") ");

        switch (e->verdict) {
        case EVENT_VERDICT_OK:
                if (!isempty(e->rule)) {
                        line_puts(&l, "complies with rule '");
                        line_puts(&l, e->rule);
                        line_puts(&l, "'");
                } else if (e->policy_version > 0)
                        line_puts(&l, "complies: no rule of the policy applies to it");
                else
                        line_puts(&l, "complies: no policy is active");
                break;
        case EVENT_VERDICT_VIOLATION:
                if (!isempty(e->rule)) {
                        line_puts(&l, "violates rule '");
                        line_puts(&l, e->rule);
                        line_puts(&l, "'");
                } else
                        line_puts(&l, "violates the policy");
                message_reasons(&l, e);
                break;
        default:
                line_puts(&l, "could not be judged");
                message_reasons(&l, e);
                break;
        }

        switch (e->action) {
        case EVENT_ACTION_AUDIT:
                line_puts(&l, "; audit only, left running");
                break;
        case EVENT_ACTION_WOULD_KILL:
                line_puts(&l, "; would be killed, but this is a dry run");
                break;
        case EVENT_ACTION_KILLED:
                line_puts(&l, "; killed");
                break;
        case EVENT_ACTION_KILL_FAILED:
                line_puts(&l, "; kill failed");
                if (!isempty(e->action_detail)) {
                        line_puts(&l, ": ");
                        line_puts(&l, e->action_detail);
                }
                break;
        default:
                break;
        }

        if (l.oom) {
                free(l.buf);
                return -ENOMEM;
        }
        *ret = l.buf;
        return 0;
}

/* ---- the fields, for either output ---- */

typedef int (*FieldSink)(void *userdata, const char *key, const char *value);

static int sink_uint(FieldSink sink, void *userdata, const char *key, uint64_t v) {
        char buf[21], *p = buf + sizeof buf;

        /* "%" PRIu64, six times an entry, without printf's machinery */
        *--p = '\0';
        do
                *--p = (char) ('0' + v % 10);
        while (v /= 10);
        return sink(userdata, key, p);
}

static int sink_optional(FieldSink sink, void *userdata, const char *key, const char *value) {
        return isempty(value) ? 0 : sink(userdata, key, value);
}

/* Whether /proc/<pid>/status was read: see journal_event_build() in the header. */
static bool event_has_process_facts(const Event *e) {
        return e->verdict != EVENT_VERDICT_UNKNOWN || e->no_new_privs >= 0 || e->seccomp >= 0;
}

/* Hands every field to sink, raw, in the documented order. */
static int event_fields(const Event *e, JournalEventKind kind, const char *message, FieldSink sink, void *userdata) {
        uint64_t excess = event_excess_any(e);
        int r;

#define EMIT(call)                      \
        do {                            \
                r = (call);             \
                if (r < 0)              \
                        return r;       \
        } while (false)

        EMIT(sink(userdata, "MESSAGE_ID", kinds[kind].message_id));
        EMIT(sink_uint(sink, userdata, "PRIORITY", (uint64_t) kinds[kind].priority));
        EMIT(sink(userdata, "MESSAGE", message));
        EMIT(sink(userdata, "SYSLOG_IDENTIFIER", "capguardd"));

        EMIT(sink_optional(sink, userdata, "CAPGUARD_CONTAINER_ID", e->container_id));
        EMIT(sink_optional(sink, userdata, "CAPGUARD_RUNTIME", runtime_to_string(e->runtime)));
        EMIT(sink_optional(sink, userdata, "CAPGUARD_RUNTIME_NAMESPACE", e->runtime_namespace));
        EMIT(sink_optional(sink, userdata, "CAPGUARD_K8S_NAMESPACE", e->k8s_namespace));
        EMIT(sink_optional(sink, userdata, "CAPGUARD_POD", e->pod));
        EMIT(sink_optional(sink, userdata, "CAPGUARD_CONTAINER", e->container));
        EMIT(sink_optional(sink, userdata, "CAPGUARD_IMAGE", e->image));
        /* journald, seeing a privileged sender name a live process, adds its OBJECT_COMM,
         * OBJECT_EXE, OBJECT_UID, OBJECT_SYSTEMD_CGROUP, ... That walk through /proc costs it
         * about 250 us an entry, five times what the rest of the entry does: it is worth it
         * for a violation, not for each compliant container of a burst, whose pid goes in a
         * field of ours instead (and whose whole record is in the database). */
        if (e->pid > 0)
                EMIT(sink_uint(sink, userdata, kind == JOURNAL_EVENT_COMPLIANT ? "CAPGUARD_PID" : "OBJECT_PID", (uint64_t) e->pid));

        EMIT(sink_optional(sink, userdata, "CAPGUARD_RULE", e->rule));
        if (e->policy_version > 0)
                EMIT(sink_uint(sink, userdata, "CAPGUARD_POLICY_VERSION", e->policy_version));
        if (excess != 0) {
                _cleanup_free_ char *names = capability_mask_to_names(excess, " ");
                if (!names)
                        return -ENOMEM;
                EMIT(sink(userdata, "CAPGUARD_EXCESS_CAPS", names));
        }

        if (event_has_process_facts(e)) {
                for (CapSet s = 0; s < _CAP_SET_MAX; s++) {
                        char hex[CAP_MASK_HEX_MAX];

                        EMIT(sink(userdata, cap_fields[s], capability_mask_to_hex(e->caps.mask[s], hex)));
                }
                EMIT(sink_uint(sink, userdata, "CAPGUARD_UID", e->uid));
        }
        if (e->no_new_privs >= 0)
                EMIT(sink_uint(sink, userdata, "CAPGUARD_NO_NEW_PRIVS", e->no_new_privs > 0));
        if (e->seccomp >= 0)
                EMIT(sink_uint(sink, userdata, "CAPGUARD_SECCOMP", (uint64_t) e->seccomp));

        EMIT(sink(userdata, "CAPGUARD_VERDICT", event_verdict_to_string(e->verdict)));
        EMIT(sink(userdata, "CAPGUARD_ACTION", event_action_to_string(e->action)));
        EMIT(sink_optional(sink, userdata, "CAPGUARD_ACTION_DETAIL", e->action_detail));
        for (char **reason = e->reasons; reason && *reason; reason++)
                EMIT(sink_optional(sink, userdata, "CAPGUARD_REASON", *reason));
#undef EMIT

        return 0;
}

static int event_check(const Event *e, JournalEventKind *ret_kind) {
        JournalEventKind k;

        if (!e)
                return -EINVAL;
        k = journal_event_kind(e);
        if (k < 0 || !event_verdict_to_string(e->verdict) || !event_action_to_string(e->action))
                return -EINVAL;

        *ret_kind = k;
        return 0;
}

/* ---- the journal ---- */

/* JournalFields as it is filled: until the end, iov_base holds the field's offset in buf,
 * which may move as it grows. */
typedef struct FieldsBuilder {
        JournalFields f;
        size_t used, size, n_alloc;
} FieldsBuilder;

static void fields_builder_done(FieldsBuilder *b) {
        journal_fields_done(&b->f);
}

static int journal_sink(void *userdata, const char *key, const char *value) {
        FieldsBuilder *b = userdata;
        size_t kl = strlen(key), vl = strlen(value), need;
        char *field;

        assert(field_name_is_valid(key));

        /* "KEY=", the value cleaned (never longer than it was), a NUL */
        need = kl + 1 + (vl < JOURNAL_EVENT_VALUE_MAX ? vl : JOURNAL_EVENT_VALUE_MAX) + 1;
        if (buf_reserve(&b->f.buf, &b->size, b->used, need) < 0)
                return -ENOMEM;
        if (b->f.n == b->n_alloc) {
                size_t n = b->n_alloc ? b->n_alloc * 2 : 32;
                struct iovec *iov = reallocarray(b->f.iov, n, sizeof *iov);

                if (!iov)
                        return -ENOMEM;
                b->f.iov = iov;
                b->n_alloc = n;
        }

        field = b->f.buf + b->used;
        memcpy(field, key, kl);
        field[kl] = '=';
        /* Defence in depth: the Event's strings were cleaned where they were read. */
        vl = oci_text_sanitize_to(value, vl, JOURNAL_EVENT_VALUE_MAX, field + kl + 1, NULL);
        b->f.iov[b->f.n++] = (struct iovec) { .iov_base = (void *) (uintptr_t) b->used, .iov_len = kl + 1 + vl };
        b->used += kl + 1 + vl + 1;
        return 0;
}

int journal_event_build(const Event *e, JournalFields *ret) {
        _cleanup_(fields_builder_done) FieldsBuilder b = {};
        _cleanup_free_ char *message = NULL;
        JournalEventKind kind;
        int r;

        r = event_check(e, &kind);
        if (r < 0)
                return r;
        r = message_build(e, &message);
        if (r < 0)
                return r;
        /* an entry's usual size at once: most take some 1.2 KiB */
        if (buf_reserve(&b.f.buf, &b.size, 0, 2048) < 0)
                return -ENOMEM;
        r = event_fields(e, kind, message, journal_sink, &b);
        if (r < 0)
                return r;

        /* to size: an entry may wait a while for journald (daemon/journal-queue.c), and a
         * shrinking realloc() stays in place */
        if (b.f.n > 0) { /* always: MESSAGE_ID and the rest; a realloc() to 0 would free */
                char *buf = realloc(b.f.buf, b.used);
                struct iovec *iov = reallocarray(b.f.iov, b.f.n, sizeof *iov);

                if (buf)
                        b.f.buf = buf;
                if (iov)
                        b.f.iov = iov;
        }
        for (size_t i = 0; i < b.f.n; i++)
                b.f.iov[i].iov_base = b.f.buf + (uintptr_t) b.f.iov[i].iov_base;
        *ret = b.f;
        b.f = (JournalFields) {};
        return 0;
}

int journal_event_send(JournalSocket *j, const Event *e) {
        _cleanup_(journal_fields_done) JournalFields f = {};
        int r;

        r = journal_event_build(e, &f);
        if (r < 0)
                return r;
        return journal_socket_send(j, f.iov, f.n);
}

/* ---- stderr ---- */

/* C-style escapes for the control bytes, '"' and '\', then the same cleaning as a journal
 * value for what escaping leaves (C1 and bidi controls, invalid UTF-8). */
static char *line_escape(const char *s) {
        size_t len = strnlen(s, JOURNAL_EVENT_VALUE_MAX);
        _cleanup_free_ char *esc = NULL;
        size_t o = 0;

        esc = malloc(len * 4 + 1);
        if (!esc)
                return NULL;

        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char) s[i];

                switch (c) {
                case '\\':
                case '"':
                        esc[o++] = '\\';
                        esc[o++] = (char) c;
                        break;
                case '\n':
                        esc[o++] = '\\';
                        esc[o++] = 'n';
                        break;
                case '\r':
                        esc[o++] = '\\';
                        esc[o++] = 'r';
                        break;
                case '\t':
                        esc[o++] = '\\';
                        esc[o++] = 't';
                        break;
                default:
                        if (c < 0x20 || c == 0x7f)
                                o += (size_t) sprintf(esc + o, "\\x%02x", c);
                        else
                                esc[o++] = (char) c;
                }
        }
        esc[o] = '\0';

        return oci_text_sanitize(esc, o, o, NULL);
}

static int line_sink(void *userdata, const char *key, const char *value) {
        FILE *f = userdata;
        _cleanup_free_ char *esc = NULL;

        assert(field_name_is_valid(key));

        /* The line's prefix says these already. */
        if (streq(key, "MESSAGE") || streq(key, "PRIORITY") || streq(key, "SYSLOG_IDENTIFIER"))
                return 0;

        esc = line_escape(value);
        if (!esc)
                return -ENOMEM;
        fprintf(f, " %s=\"%s\"", key, esc);
        return 0;
}

int journal_event_format_line(const Event *e, char **ret) {
        _cleanup_free_ char *message = NULL, *esc = NULL, *buf = NULL;
        JournalEventKind kind;
        size_t size = 0;
        int r;

        r = event_check(e, &kind);
        if (r < 0)
                return r;
        r = message_build(e, &message);
        if (r < 0)
                return r;
        esc = line_escape(message);
        if (!esc)
                return -ENOMEM;

        {
                _cleanup_(fclosep) FILE *f = open_memstream(&buf, &size);
                if (!f)
                        return -ENOMEM;

                fprintf(f, "capguardd: %s: %s", priority_to_string(kinds[kind].priority), esc);
                r = event_fields(e, kind, message, line_sink, f);
                if (r >= 0 && (fflush(f) != 0 || ferror(f)))
                        r = -ENOMEM;
        }
        if (r < 0)
                return r;

        *ret = TAKE_PTR(buf);
        return 0;
}
