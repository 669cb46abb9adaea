/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>

#include "capguard/fileio.h"
#include "capguard/proc-stat.h"

/* Fields are numbered as in proc(5): 1 pid, 2 comm, 3 state, 4 ppid, 22 starttime. */
#define FIELD_STATE 3
#define FIELD_PPID 4
#define FIELD_STARTTIME 22

static int parse_u64(const char *s, size_t len, uint64_t max, uint64_t *ret) {
        uint64_t v = 0;

        if (len == 0 || len > 20)
                return -EBADMSG;
        for (size_t i = 0; i < len; i++) {
                unsigned d;

                if (s[i] < '0' || s[i] > '9')
                        return -EBADMSG;
                d = (unsigned) (s[i] - '0');
                if (v > (max - d) / 10)
                        return -EBADMSG;
                v = v * 10 + d;
        }
        *ret = v;
        return 0;
}

/* Fields we do not keep are still checked: the kernel prints decimal numbers there, some
 * signed (tpgid, priority, nice), some 64-bit (rsslim). */
static bool is_decimal(const char *s, size_t len) {
        uint64_t ignored;

        if (len > 0 && s[0] == '-') {
                s++;
                len--;
        }
        return parse_u64(s, len, UINT64_MAX, &ignored) >= 0;
}

static bool is_letter(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static int parse_field(unsigned field, const char *s, size_t len, ProcStat *st) {
        uint64_t u;

        switch (field) {
        case FIELD_STATE:
                if (len != 1 || !is_letter(s[0]))
                        return -EBADMSG;
                st->state = s[0];
                return 0;
        case FIELD_PPID:
                if (parse_u64(s, len, INT_MAX, &u) < 0)
                        return -EBADMSG;
                st->ppid = (pid_t) u;
                return 0;
        case FIELD_STARTTIME:
                return parse_u64(s, len, UINT64_MAX, &st->starttime);
        default:
                return is_decimal(s, len) ? 0 : -EBADMSG;
        }
}

/* "<pid> (" and the name up to the last ')'. Returns where the fields after it begin. */
static const char *parse_pid_comm(const char *buf, const char *end, ProcStat *st) {
        const char *open, *close;
        uint64_t pid;
        size_t n;

        open = memchr(buf, '(', (size_t) (end - buf));
        if (!open || open == buf || open[-1] != ' ')
                return NULL;
        if (parse_u64(buf, (size_t) (open - 1 - buf), INT_MAX, &pid) < 0 || pid == 0)
                return NULL;

        /* Everything after the name is numbers and a state letter: the last ')' is its end. */
        close = memrchr(open + 1, ')', (size_t) (end - open - 1));
        if (!close)
                return NULL;
        n = (size_t) (close - open - 1);
        if (n > PROC_STAT_COMM_MAX || memchr(open + 1, '\0', n))
                return NULL;

        st->pid = (pid_t) pid;
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char) open[1 + i];

                st->comm[i] = c < 0x20 || c == 0x7f ? '?' : (char) c;
        }
        st->comm[n] = '\0';
        return close + 1;
}

int proc_stat_parse(const char *buf, size_t len, ProcStat *ret) {
        ProcStat st = {};
        const char *p, *end;
        unsigned field;

        if (!buf || !ret)
                return -EINVAL;

        /* The kernel hands out the whole line in one read: without its '\n' this is a torn
         * or forged copy, whose last number may be cut short. */
        if (len == 0 || buf[len - 1] != '\n')
                return -EBADMSG;
        end = buf + len - 1;

        p = parse_pid_comm(buf, end, &st);
        if (!p)
                return -EBADMSG;

        /* Then " <field 3> <field 4> ...", one space before each. */
        for (field = FIELD_STATE; p < end; field++) {
                const char *s = p + 1, *e;

                if (*p != ' ')
                        return -EBADMSG;
                e = memchr(s, ' ', (size_t) (end - s)) ?: end;
                if (parse_field(field, s, (size_t) (e - s), &st) < 0)
                        return -EBADMSG;
                p = e;
        }
        if (field <= FIELD_STARTTIME)
                return -EBADMSG;

        *ret = st;
        return 0;
}

int proc_stat_read_at(int dir_fd, const char *path, ProcStat *ret) {
        char buf[PROC_STAT_SIZE_MAX];
        size_t len;
        int r;

        r = read_proc_file_at(dir_fd, path, buf, sizeof buf, &len);
        if (r < 0)
                return r;

        return proc_stat_parse(buf, len, ret);
}
