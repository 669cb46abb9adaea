/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "capguard/fileio.h"
#include "capguard/proc-cgroup.h"

#define PATH_COMPONENTS_MAX 64

typedef struct Span {
        const char *p;
        size_t len;
} Span;

static bool span_startswith(Span s, const char *prefix) {
        size_t n = strlen(prefix);

        return s.len >= n && memcmp(s.p, prefix, n) == 0;
}

static bool span_endswith(Span s, const char *suffix) {
        size_t n = strlen(suffix);

        return s.len >= n && memcmp(s.p + s.len - n, suffix, n) == 0;
}

static bool span_eq(Span s, const char *str) {
        return s.len == strlen(str) && memcmp(s.p, str, s.len) == 0;
}

static bool span_is_hex64(Span s) {
        if (s.len != 64)
                return false;
        for (size_t i = 0; i < s.len; i++)
                if (!((s.p[i] >= '0' && s.p[i] <= '9') || (s.p[i] >= 'a' && s.p[i] <= 'f')))
                        return false;
        return true;
}

static void set_result(CgroupContainer *c, CgroupMatch m, Runtime r, Span id, const char *ns, size_t nslen) {
        *c = (CgroupContainer) { .match = m, .runtime = r };
        memcpy(c->id, id.p, id.len);
        c->id[id.len] = '\0';
        if (ns) {
                memcpy(c->ns, ns, nslen);
                c->ns[nslen] = '\0';
        }
}

/* "<prefix><id><suffix>" with a valid id in between; prefix is pl bytes long. */
static bool match_wrapped(Span comp, const char *prefix, size_t pl, const char *suffix, Span *ret_id) {
        size_t sl = strlen(suffix);
        Span id;

        if (comp.len <= pl + sl || memcmp(comp.p, prefix, pl) != 0 || !span_endswith(comp, suffix))
                return false;
        id = (Span) { comp.p + pl, comp.len - pl - sl };
        if (!container_id_is_valid(id.p, id.len))
                return false;
        *ret_id = id;
        return true;
}

static const struct {
        const char *prefix;
        size_t prefix_len;
        const char *conmon; /* the runtime monitor's own scope, which is not the container */
        Runtime runtime;
        const char *ns;
} scope_rules[] = {
#define RULE(prefix, conmon, runtime, ns) { prefix, sizeof(prefix) - 1, conmon, runtime, ns }
        RULE("docker-", NULL, RUNTIME_DOCKER, "moby"),
        RULE("cri-containerd-", NULL, RUNTIME_CONTAINERD, "k8s.io"),
        RULE("crio-", "crio-conmon-", RUNTIME_CRIO, NULL),
        RULE("libpod-", "libpod-conmon-", RUNTIME_PODMAN, NULL),
#undef RULE
};

static bool match_component(const Span *comps, size_t i, CgroupContainer *ret) {
        Span c = comps[i], id;

        for (size_t k = 0; k < ELEMENTSOF(scope_rules); k++) {
                const char *prefix = scope_rules[k].prefix, *ns = scope_rules[k].ns;
                size_t pl = scope_rules[k].prefix_len;

                /* the first byte alone turns most components away, without a call */
                if (c.len == 0 || c.p[0] != prefix[0])
                        continue;
                if (scope_rules[k].conmon && span_startswith(c, scope_rules[k].conmon))
                        continue;
                /* systemd driver: "<prefix><id>.scope"; CRI-O under cgroupfs drops ".scope" */
                if (match_wrapped(c, prefix, pl, ".scope", &id) ||
                    (scope_rules[k].runtime == RUNTIME_CRIO && match_wrapped(c, prefix, pl, "", &id))) {
                        set_result(ret, CGROUP_MATCH_CERTAIN, scope_rules[k].runtime, id, ns, ns ? strlen(ns) : 0);
                        return true;
                }
        }

        if (!span_is_hex64(c))
                return false;

        /* Docker's cgroupfs driver: /docker/<id> (possibly below a parent of its own) */
        if (i > 0 && span_eq(comps[i - 1], "docker")) {
                set_result(ret, CGROUP_MATCH_CERTAIN, RUNTIME_DOCKER, c, "moby", 4);
                return true;
        }

        /* kubelet's cgroupfs driver: /kubepods[/<qos>]/pod<uid>/<id> */
        for (size_t j = 0; j < i; j++)
                if (span_startswith(comps[j], "kubepods")) {
                        set_result(ret, CGROUP_MATCH_KUBEPODS, _RUNTIME_INVALID, c, NULL, 0);
                        return true;
                }

        return false;
}

static int match_path(const char *path, size_t len, CgroupContainer *ret) {
        Span comps[PATH_COMPONENTS_MAX];
        size_t n = 0;

        if (len == 0 || path[0] != '/')
                return -EBADMSG;

        for (size_t i = 0; i < len;) {
                size_t start;

                while (i < len && path[i] == '/')
                        i++;
                if (i >= len)
                        break;
                start = i;
                while (i < len && path[i] != '/')
                        i++;
                if (n >= ELEMENTSOF(comps))
                        return -EBADMSG;
                comps[n++] = (Span) { path + start, i - start };
        }

        for (size_t i = n; i > 0; i--)
                if (match_component(comps, i - 1, ret))
                        return 1;

        if (n == 2 && container_id_is_valid(comps[0].p, comps[0].len) &&
            container_id_is_valid(comps[1].p, comps[1].len)) {
                set_result(ret, CGROUP_MATCH_NS_ID, RUNTIME_CONTAINERD, comps[1], comps[0].p, comps[0].len);
                return 1;
        }
        if (n == 1 && container_id_is_valid(comps[0].p, comps[0].len)) {
                set_result(ret, CGROUP_MATCH_ID, _RUNTIME_INVALID, comps[0], NULL, 0);
                return 1;
        }

        return 0;
}

int proc_cgroup_match_path(const char *path, size_t len, CgroupContainer *ret) {
        CgroupContainer c = { .match = CGROUP_MATCH_NONE, .runtime = _RUNTIME_INVALID };
        int r;

        if (!path || !ret)
                return -EINVAL;
        r = match_path(path, len, &c);
        if (r < 0)
                return r;
        *ret = c;
        return r;
}

int proc_cgroup_parse(const char *buf, size_t len, CgroupContainer *ret) {
        CgroupContainer best = { .match = CGROUP_MATCH_NONE, .runtime = _RUNTIME_INVALID };
        const char *p = buf, *end = buf + len;
        unsigned lines = 0;

        if (!buf || !ret)
                return -EINVAL;

        while (p < end) {
                const char *eol = memchr(p, '\n', (size_t) (end - p)) ?: end;
                const char *c1, *c2;
                CgroupContainer c;
                int r;

                if (eol == p) {
                        p = eol + 1;
                        continue;
                }

                /* "hierarchy-ID:controllers:path", and the path may itself hold colons */
                c1 = memchr(p, ':', (size_t) (eol - p));
                c2 = c1 ? memchr(c1 + 1, ':', (size_t) (eol - c1 - 1)) : NULL;
                if (!c2 || c1 == p)
                        return -EBADMSG;
                for (const char *q = p; q < c1; q++)
                        if (*q < '0' || *q > '9')
                                return -EBADMSG;

                r = match_path(c2 + 1, (size_t) (eol - c2 - 1), &c);
                if (r < 0)
                        return r;
                /* Lines disagree only in odd setups; the most certain match wins, then the first. */
                if (r > 0 && (best.match == CGROUP_MATCH_NONE || c.match < best.match))
                        best = c;

                lines++;
                p = eol + 1;
        }

        if (lines == 0)
                return -EBADMSG;

        *ret = best;
        return best.match != CGROUP_MATCH_NONE;
}

int proc_cgroup_read_at(int dir_fd, const char *path, CgroupContainer *ret) {
        char buf[PROC_CGROUP_SIZE_MAX];
        size_t len;
        int r;

        r = read_proc_file_at(dir_fd, path, buf, sizeof buf, &len);
        if (r < 0)
                return r;

        return proc_cgroup_parse(buf, len, ret);
}
