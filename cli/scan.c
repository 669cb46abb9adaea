/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "capctl.h"
#include "capguard/cap-json.h"
#include "capguard/proc-scan.h"

typedef struct ScanResult {
        ProcEntry *entries;
        size_t n, allocated;
        bool containers_only;
} ScanResult;

/* Most processes share a handful of masks: build each mask's name array once and share it. */
typedef struct MaskCache {
        struct {
                uint64_t mask;
                json_object *names;
        } slot[64];
        size_t n;
} MaskCache;

static void mask_cache_done(MaskCache *c) {
        for (size_t i = 0; i < c->n; i++)
                json_object_put(c->slot[i].names);
}

static json_object *mask_cache_get(MaskCache *c, uint64_t mask) {
        json_object *a;

        for (size_t i = 0; i < c->n; i++)
                if (c->slot[i].mask == mask)
                        return json_object_get(c->slot[i].names);

        a = capability_mask_to_json(mask);
        if (a && c->n < ELEMENTSOF(c->slot)) {
                c->slot[c->n].mask = mask;
                c->slot[c->n++].names = json_object_get(a);
        }
        return a;
}

static void scan_result_done(ScanResult *s) {
        free(s->entries);
}

static void help(void) {
        printf("Usage: capctl scan [--containers-only] [--json]\n"
               "\n"
               "Read every process's capability sets, NoNewPrivs, seccomp mode and uid from\n"
               "/proc, and the container each belongs to. The table groups processes by\n"
               "container and shows masks in hex ('full': every capability this kernel knows).\n"
               "\n"
               "  --containers-only  leave out host processes\n"
               "  --json             one object per process, one line each\n"
               "  -h --help          show this help\n");
}

static int collect(const ProcEntry *e, void *userdata) {
        ScanResult *s = userdata;

        if (s->containers_only && e->container.match == CGROUP_MATCH_NONE)
                return 0;

        if (s->n >= s->allocated) {
                size_t m = s->allocated ? s->allocated * 2 : 256;
                ProcEntry *p = reallocarray(s->entries, m, sizeof *p);

                if (!p)
                        return -ENOMEM;
                s->entries = p;
                s->allocated = m;
        }
        s->entries[s->n++] = *e;
        return 0;
}

static int entry_compare(const void *a, const void *b) {
        const ProcEntry *x = a, *y = b;
        bool hx = x->container.match == CGROUP_MATCH_NONE, hy = y->container.match == CGROUP_MATCH_NONE;
        int r;

        /* host first, then containers by runtime, namespace and id; pids ascending within */
        if (hx != hy)
                return hx ? -1 : 1;
        if (!hx) {
                if (x->container.runtime != y->container.runtime)
                        return x->container.runtime < y->container.runtime ? -1 : 1;
                r = strcmp(x->container.ns, y->container.ns);
                if (r != 0)
                        return r;
                r = strcmp(x->container.id, y->container.id);
                if (r != 0)
                        return r;
        }
        return x->status.pid < y->status.pid ? -1 : x->status.pid > y->status.pid;
}

static bool same_group(const ProcEntry *a, const ProcEntry *b) {
        return a->container.match == b->container.match && a->container.runtime == b->container.runtime &&
                streq(a->container.ns, b->container.ns) && streq(a->container.id, b->container.id);
}

static int print_json(const ProcEntry *e, MaskCache *cache) {
        _cleanup_json_ json_object *o = json_object_new_object();
        const ProcStatus *st = &e->status;
        const CgroupContainer *c = &e->container;
        bool host = c->match == CGROUP_MATCH_NONE;

        if (!o)
                return -ENOMEM;

        if (json_add(o, "pid", json_object_new_int(st->pid)) < 0 ||
            json_add(o, "ppid", json_object_new_int(st->ppid)) < 0 ||
            json_add(o, "comm", json_object_new_string(st->comm)) < 0 ||
            json_add(o, "uid", json_object_new_int64(st->uid[1])) < 0 ||
            json_add(o, "gid", json_object_new_int64(st->gid[1])) < 0 ||
            json_add(o, "kernel_thread", json_object_new_boolean(st->kthread)) < 0)
                return -ENOMEM;

        for (CapSet s = 0; s < _CAP_SET_MAX; s++) {
                char key[16], hex[CAP_MASK_HEX_MAX];

                if (json_add(o, capset_json_key(s), mask_cache_get(cache, st->caps.mask[s])) < 0)
                        return -ENOMEM;
                (void) snprintf(key, sizeof key, "%s_hex", capset_json_key(s));
                if (json_add(o, key, json_object_new_string(capability_mask_to_hex(st->caps.mask[s], hex))) < 0)
                        return -ENOMEM;
        }

        if ((st->no_new_privs < 0 ? json_add_null(o, "no_new_privs")
                                  : json_add(o, "no_new_privs", json_object_new_boolean(st->no_new_privs))) < 0 ||
            (st->seccomp < 0 ? json_add_null(o, "seccomp")
                             : json_add(o, "seccomp", json_object_new_int(st->seccomp))) < 0 ||
            json_add_string_or_null(o, "container_id", host ? NULL : c->id) < 0 ||
            json_add_string_or_null(o, "runtime", host ? NULL : runtime_to_string(c->runtime)) < 0 ||
            json_add_string_or_null(o, "runtime_namespace", host ? NULL : c->ns) < 0)
                return -ENOMEM;

        return json_print_line(stdout, o);
}

static const char *mask_short(uint64_t mask, char buf[static CAP_MASK_HEX_MAX]) {
        if (mask != 0 && mask == capability_mask_all())
                return "full";
        (void) snprintf(buf, CAP_MASK_HEX_MAX, "%" PRIx64, mask);
        return buf;
}

static void print_group_header(const ProcEntry *e, size_t count) {
        const CgroupContainer *c = &e->container;

        if (c->match == CGROUP_MATCH_NONE)
                printf("host (%zu %s)\n", count, count == 1 ? "process" : "processes");
        else
                printf("container %s (%s%s%s, %zu %s)\n",
                       c->id,
                       strna(runtime_to_string(c->runtime)),
                       c->ns[0] ? " " : "", c->ns,
                       count, count == 1 ? "process" : "processes");
        printf("  %7s %6s %-16s %-3s %-8s %-11s %-11s %-11s %-11s %-11s\n",
               "PID", "UID", "COMM", "NNP", "SECCOMP", "EFF", "PRM", "BND", "INH", "AMB");
}

static void print_row(const ProcEntry *e) {
        const ProcStatus *st = &e->status;
        char comm[PROC_COMM_MAX + 1], m[_CAP_SET_MAX][CAP_MASK_HEX_MAX];

        printf("  %7d %6u %-16.16s %-3s %-8s %-11s %-11s %-11s %-11s %-11s\n",
               (int) st->pid, (unsigned) st->uid[1],
               cli_printable(st->comm, comm, sizeof comm),
               st->no_new_privs < 0 ? "?" : st->no_new_privs ? "yes" : "no",
               seccomp_mode_to_string(st->seccomp),
               mask_short(st->caps.mask[CAP_SET_EFFECTIVE], m[0]),
               mask_short(st->caps.mask[CAP_SET_PERMITTED], m[1]),
               mask_short(st->caps.mask[CAP_SET_BOUNDING], m[2]),
               mask_short(st->caps.mask[CAP_SET_INHERITABLE], m[3]),
               mask_short(st->caps.mask[CAP_SET_AMBIENT], m[4]));
}

static void print_table(const ScanResult *s) {
        for (size_t i = 0; i < s->n;) {
                size_t j = i + 1;

                while (j < s->n && same_group(&s->entries[i], &s->entries[j]))
                        j++;
                if (i > 0)
                        putchar('\n');
                print_group_header(&s->entries[i], j - i);
                for (; i < j; i++)
                        print_row(&s->entries[i]);
        }
}

int verb_scan(int argc, char *argv[]) {
        static const struct option options[] = {
                { "containers-only", no_argument, NULL, 'c' },
                { "json", no_argument, NULL, 'j' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        _cleanup_(runtime_roots_close) RuntimeRoots roots = RUNTIME_ROOTS_NULL;
        _cleanup_close_ int proc_fd = -EBADF, root_fd = -EBADF;
        _cleanup_(scan_result_done) ScanResult s = {};
        pid_t failed = 0;
        bool json = false;
        int c, r;

        while ((c = cli_getopt("scan", argc, argv, "h", options)) >= 0)
                switch (c) {
                case 'c':
                        s.containers_only = true;
                        break;
                case 'j':
                        json = true;
                        break;
                case 'h':
                        help();
                        return CAPCTL_EXIT_OK;
                default:
                        return CAPCTL_EXIT_ERROR;
                }
        if (optind < argc)
                return cli_error("scan", "unexpected argument '%s'", argv[optind]);

        proc_fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (proc_fd < 0)
                return cli_error("scan", "failed to open /proc: %m");

        root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0)
                return cli_error("scan", "failed to open /: %m");
        r = runtime_roots_open(root_fd, &roots);
        if (r < 0)
                return cli_error("scan", "failed to open the runtimes' state directories: %s", strerror(-r));

        r = proc_scan(proc_fd, &roots, collect, &s, &failed);
        if (r < 0) {
                if (failed > 0)
                        return cli_error("scan", "failed to read /proc/%d: %s", (int) failed, strerror(-r));
                return cli_error("scan", "failed to scan /proc: %s", strerror(-r));
        }

        if (s.n > 0) /* qsort()'s base must not be NULL, even for no elements */
                qsort(s.entries, s.n, sizeof *s.entries, entry_compare);

        if (json) {
                _cleanup_(mask_cache_done) MaskCache cache = {};

                for (size_t i = 0; i < s.n; i++) {
                        r = print_json(&s.entries[i], &cache);
                        if (r < 0)
                                return cli_error("scan", "failed to print: %s", strerror(-r));
                }
        } else
                print_table(&s);

        return fflush(stdout) == 0 ? CAPCTL_EXIT_OK : cli_error("scan", "failed to write output: %m");
}
