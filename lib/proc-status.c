/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <string.h>

#include "capguard/fileio.h"
#include "capguard/proc-status.h"

enum {
        FIELD_NAME = 1u << 0,
        FIELD_PID = 1u << 1,
        FIELD_PPID = 1u << 2,
        FIELD_UID = 1u << 3,
        FIELD_GID = 1u << 4,
        FIELD_CAPS = 1u << 5, /* shifted by CapSet */
        FIELDS_REQUIRED = FIELD_NAME | FIELD_PID | FIELD_UID | FIELD_GID |
                ((1u << _CAP_SET_MAX) - 1) * FIELD_CAPS,
};

const char *seccomp_mode_to_string(SeccompMode m) {
        switch (m) {
        case SECCOMP_MODE_DISABLED:
                return "disabled";
        case SECCOMP_MODE_STRICT_:
                return "strict";
        case SECCOMP_MODE_FILTER_:
                return "filter";
        default:
                return "unknown";
        }
}

static int parse_u64(const char *s, size_t len, uint64_t max, uint64_t *ret) {
        uint64_t v = 0;

        if (len == 0 || len > 20)
                return -EBADMSG;
        for (size_t i = 0; i < len; i++) {
                unsigned d;

                if (s[i] < '0' || s[i] > '9')
                        return -EBADMSG;
                d = (unsigned) (s[i] - '0');
                if (d > max || v > (max - d) / 10)
                        return -EBADMSG;
                v = v * 10 + d;
        }
        *ret = v;
        return 0;
}

static int parse_id_list(const char *s, size_t len, uint32_t ret[static 4]) {
        /* "0\t0\t0\t0": real, effective, saved, filesystem */
        size_t i = 0;

        for (unsigned k = 0; k < 4; k++) {
                size_t start = i;
                uint64_t v;

                while (i < len && s[i] != '\t' && s[i] != ' ')
                        i++;
                if (parse_u64(s + start, i - start, UINT32_MAX, &v) < 0)
                        return -EBADMSG;
                ret[k] = (uint32_t) v;
                if (k < 3) {
                        if (i >= len)
                                return -EBADMSG;
                        i++;
                }
        }
        return i == len ? 0 : -EBADMSG;
}

static int parse_hex_mask(const char *s, size_t len, uint64_t *ret) {
        char tmp[17];

        /* The kernel always prints 16 digits: fewer means a torn or forged read. */
        if (len != 16)
                return -EBADMSG;
        memcpy(tmp, s, len);
        tmp[len] = '\0';
        return capability_mask_parse(tmp, ret) < 0 ? -EBADMSG : 0;
}

static int parse_line(const char *key, size_t keylen, const char *v, size_t vlen,
                      ProcStatus *st, unsigned *seen) {
        uint64_t u;

#define KEY_IS(k) (keylen == STRLEN(k) && memcmp(key, k, keylen) == 0)

        if (KEY_IS("Name")) {
                if (vlen > PROC_COMM_MAX)
                        return -EBADMSG;
                memcpy(st->comm, v, vlen);
                st->comm[vlen] = '\0';
                *seen |= FIELD_NAME;
        } else if (KEY_IS("Pid")) {
                if (parse_u64(v, vlen, INT_MAX, &u) < 0)
                        return -EBADMSG;
                st->pid = (pid_t) u;
                *seen |= FIELD_PID;
        } else if (KEY_IS("PPid")) {
                if (parse_u64(v, vlen, INT_MAX, &u) < 0)
                        return -EBADMSG;
                st->ppid = (pid_t) u;
                *seen |= FIELD_PPID;
        } else if (KEY_IS("Uid")) {
                if (parse_id_list(v, vlen, st->uid) < 0)
                        return -EBADMSG;
                *seen |= FIELD_UID;
        } else if (KEY_IS("Gid")) {
                if (parse_id_list(v, vlen, st->gid) < 0)
                        return -EBADMSG;
                *seen |= FIELD_GID;
        } else if (KEY_IS("NoNewPrivs")) {
                if (parse_u64(v, vlen, 1, &u) < 0)
                        return -EBADMSG;
                st->no_new_privs = (int) u;
        } else if (KEY_IS("Kthread")) {
                /* since 6.7; older kernels are recognised by their parent, kthreadd */
                if (parse_u64(v, vlen, 1, &u) < 0)
                        return -EBADMSG;
                st->kthread = u;
        } else if (KEY_IS("NSpid")) {
                /* "1234\t56\t1": from the namespace of this /proc down to the process's own */
                const char *last = v;

                for (size_t i = 0; i < vlen; i++)
                        if (v[i] == '\t' || v[i] == ' ')
                                last = v + i + 1;
                if (parse_u64(last, vlen - (size_t) (last - v), INT_MAX, &u) < 0 || u == 0)
                        return -EBADMSG;
                st->ns_pid = (pid_t) u;
        } else if (KEY_IS("Seccomp")) {
                if (parse_u64(v, vlen, 2, &u) < 0)
                        return -EBADMSG;
                st->seccomp = (SeccompMode) u;
        } else if (keylen == 6 && memcmp(key, "Cap", 3) == 0) {
                for (CapSet s = 0; s < _CAP_SET_MAX; s++)
                        if (memcmp(key, capset_status_key(s), 6) == 0) {
                                if (parse_hex_mask(v, vlen, &st->caps.mask[s]) < 0)
                                        return -EBADMSG;
                                *seen |= FIELD_CAPS << s;
                                break;
                        }
        }
#undef KEY_IS

        return 0;
}

int proc_status_parse(const char *buf, size_t len, ProcStatus *ret) {
        ProcStatus st = {
                .no_new_privs = -1,
                .seccomp = SECCOMP_MODE_UNKNOWN,
        };
        unsigned seen = 0;
        const char *p = buf, *end = buf + len;

        if (!buf || !ret)
                return -EINVAL;

        while (p < end) {
                const char *eol = memchr(p, '\n', (size_t) (end - p)) ?: end;
                const char *colon = memchr(p, ':', (size_t) (eol - p));
                const char *v;
                int r;

                if (colon) {
                        v = colon + 1;
                        while (v < eol && (*v == '\t' || *v == ' '))
                                v++;
                        r = parse_line(p, (size_t) (colon - p), v, (size_t) (eol - v), &st, &seen);
                        if (r < 0)
                                return r;
                }
                p = eol + 1;
        }

        if ((seen & FIELDS_REQUIRED) != FIELDS_REQUIRED)
                return -EBADMSG;
        if (st.pid == 2 || st.ppid == 2)
                st.kthread = true;

        *ret = st;
        return 0;
}

int proc_status_read_at(int dir_fd, const char *path, ProcStatus *ret) {
        char buf[PROC_STATUS_SIZE_MAX];
        size_t len;
        int r;

        r = read_proc_file_at(dir_fd, path, buf, sizeof buf, &len);
        if (r < 0)
                return r;

        return proc_status_parse(buf, len, ret);
}
