/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "capguard/container-list.h"

typedef struct Collect {
        ProcEntry *procs;
        size_t n, allocated;
} Collect;

static int collect(const ProcEntry *e, void *userdata) {
        Collect *c = userdata;

        if (e->container.match == CGROUP_MATCH_NONE)
                return 0;
        if (c->n >= c->allocated) {
                size_t m = c->allocated ? c->allocated * 2 : 64;
                ProcEntry *p = reallocarray(c->procs, m, sizeof *p);

                if (!p)
                        return -ENOMEM;
                c->procs = p;
                c->allocated = m;
        }
        c->procs[c->n++] = *e;
        return 0;
}

static int cg_compare(const CgroupContainer *a, const CgroupContainer *b) {
        int r;

        if (a->runtime != b->runtime)
                return a->runtime < b->runtime ? -1 : 1;
        r = strcmp(a->ns, b->ns);
        return r != 0 ? r : strcmp(a->id, b->id);
}

static int proc_compare(const void *x, const void *y) {
        const ProcEntry *a = x, *b = y;
        int r = cg_compare(&a->container, &b->container);

        if (r != 0)
                return r;
        return a->status.pid < b->status.pid ? -1 : a->status.pid > b->status.pid;
}

static bool pid_in(const ProcEntry *procs, size_t n, pid_t pid) {
        for (size_t i = 0; i < n; i++)
                if (procs[i].status.pid == pid)
                        return true;
        return false;
}

static void fold(ContainerProcs *c, const ProcEntry *group, size_t n) {
        const ProcEntry *init = NULL;

        *c = (ContainerProcs) {
                .cg = group[0].container,
                .no_new_privs = 1,
                .seccomp = SECCOMP_MODE_FILTER_,
                .n_procs = (unsigned) n,
        };

        for (size_t i = 0; i < n; i++) {
                const ProcStatus *st = &group[i].status;

                for (CapSet s = 0; s < _CAP_SET_MAX; s++)
                        c->caps.mask[s] |= st->caps.mask[s];
                if (st->no_new_privs < 0 || c->no_new_privs < 0)
                        c->no_new_privs = -1;
                else
                        c->no_new_privs &= st->no_new_privs;
                if ((int) st->seccomp < c->seccomp)
                        c->seccomp = st->seccomp;
                /* group is sorted by pid: the first whose parent is outside is the oldest */
                if (!init && !pid_in(group, n, st->ppid))
                        init = &group[i];
        }

        if (!init)
                init = &group[0];
        c->init_pid = init->status.pid;
        c->uid = init->status.uid[1];
}

int container_list_collect(int proc_fd, const RuntimeRoots *roots, ContainerProcs **ret, size_t *ret_n) {
        _cleanup_free_ ContainerProcs *list = NULL;
        Collect c = {};
        size_t n = 0;
        int r;

        if (!ret || !ret_n)
                return -EINVAL;

        r = proc_scan(proc_fd, roots, collect, &c, NULL);
        if (r < 0) {
                free(c.procs);
                return r;
        }

        if (c.n > 0) {
                qsort(c.procs, c.n, sizeof *c.procs, proc_compare);
                list = calloc(c.n, sizeof *list);
                if (!list) {
                        free(c.procs);
                        return -ENOMEM;
                }
        }

        for (size_t i = 0; i < c.n;) {
                size_t j = i + 1;

                while (j < c.n && cg_compare(&c.procs[i].container, &c.procs[j].container) == 0)
                        j++;
                fold(&list[n++], c.procs + i, j - i);
                i = j;
        }

        free(c.procs);
        *ret = TAKE_PTR(list);
        *ret_n = n;
        return 0;
}
