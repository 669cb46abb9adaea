/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "capctl.h"
#include "capguard/cap-json.h"
#include "capguard/container-list.h"
#include "capguard/container-meta.h"
#include "policy-test.h"

typedef struct Judged {
        const ContainerProcs *c;
        ContainerMeta meta;
        ContainerFacts facts;
        Verdict verdict;
} Judged;

static void facts_from(ContainerFacts *f, const ContainerProcs *c, const ContainerMeta *m) {
        container_meta_facts(&c->cg, m, f);
        f->caps = c->caps;
        f->uid = c->uid;
        f->no_new_privs = c->no_new_privs;
        f->seccomp = c->seccomp;
}

static json_object *reasons_to_json(char **reasons) {
        _cleanup_json_ json_object *a = json_object_new_array();

        if (!a)
                return NULL;
        for (char **r = reasons; r && *r; r++) {
                json_object *s = json_object_new_string(*r);

                if (!s || json_object_array_add(a, s) < 0) {
                        json_object_put(s);
                        return NULL;
                }
        }
        return TAKE_PTR(a);
}

static const char *action_string(const Verdict *v, const Policy *p) {
        if (!v->violation)
                return "none";
        return policy_action_to_string(v->action);
}

static int print_json(const Judged *j, const Policy *p, unsigned version) {
        _cleanup_json_ json_object *o = json_object_new_object(), *by_set = json_object_new_object();
        const ContainerFacts *f = &j->facts;
        const Verdict *v = &j->verdict;

        if (!o || !by_set)
                return -ENOMEM;

        for (CapSet s = 0; s < _CAP_SET_MAX; s++)
                if (v->excess[s] && json_add(by_set, capset_to_string(s), capability_mask_to_json(v->excess[s])) < 0)
                        return -ENOMEM;

        if (json_add(o, "container_id", json_object_new_string(f->id)) < 0 ||
            json_add_string_or_null(o, "runtime", f->runtime) < 0 ||
            json_add_string_or_null(o, "runtime_namespace", f->runtime_namespace) < 0 ||
            json_add_string_or_null(o, "k8s_namespace", f->k8s_namespace) < 0 ||
            json_add_string_or_null(o, "pod", f->pod) < 0 ||
            json_add_string_or_null(o, "container", f->container) < 0 ||
            json_add_string_or_null(o, "image", f->image) < 0 ||
            json_add(o, "sandbox", json_object_new_boolean(f->sandbox)) < 0 ||
            json_add(o, "pid", json_object_new_int(j->c->init_pid)) < 0 ||
            json_add(o, "processes", json_object_new_int((int) j->c->n_procs)) < 0 ||
            json_add(o, "verdict", json_object_new_string(v->violation ? "violation" : "ok")) < 0 ||
            json_add_string_or_null(o, "rule", v->rule ? v->rule->name : NULL) < 0 ||
            json_add(o, "action", json_object_new_string(action_string(v, p))) < 0 ||
            json_add(o, "excess", capability_mask_to_json(v->excess_any)) < 0 ||
            json_add(o, "excess_by_set", json_object_get(by_set)) < 0 ||
            json_add(o, "privileged", json_object_new_boolean(v->privileged)) < 0 ||
            json_add(o, "reasons", reasons_to_json(v->reasons)) < 0 ||
            (version ? json_add(o, "policy_version", json_object_new_int64(version))
                     : json_add_null(o, "policy_version")) < 0)
                return -ENOMEM;

        return json_print_line(stdout, o);
}

static void print_row(const Judged *j, const Policy *p) {
        const ContainerFacts *f = &j->facts;
        const Verdict *v = &j->verdict;
        _cleanup_free_ char *excess = capability_mask_to_names(v->excess_any, ",");
        char where[256], buf[256];

        if (f->k8s_namespace && *f->k8s_namespace)
                (void) snprintf(where, sizeof where, "%s/%s/%s", f->k8s_namespace, strna(f->pod), strna(f->container));
        else
                (void) snprintf(where, sizeof where, "%s", f->container && *f->container ? f->container : "-");

        printf("%-12.12s %-10s %-40.40s %-9s %-16.16s %-6s %s\n",
               f->id, strna(f->runtime), cli_printable(where, buf, sizeof buf),
               v->violation ? "VIOLATION" : "ok",
               v->rule ? v->rule->name : "-",
               action_string(v, p),
               excess && *excess ? excess : "-");
        for (char **r = v->reasons; r && *r; r++)
                printf("    %s\n", cli_printable(*r, buf, sizeof buf));
}

static int node_bounding_set(int proc_fd, uint64_t *ret) {
        ProcStatus st;
        int r;

        /* PID 1's bounding set is what the node itself can grant. */
        r = proc_status_read_at(proc_fd, "1/status", &st);
        if (r < 0)
                return r;
        *ret = st.caps.mask[CAP_SET_BOUNDING];
        return 0;
}

int policy_test_run(const Policy *p, unsigned version, bool json) {
        _cleanup_(runtime_roots_close) RuntimeRoots roots = RUNTIME_ROOTS_NULL;
        _cleanup_close_ int proc_fd = -EBADF, root_fd = -EBADF;
        _cleanup_free_ ContainerProcs *list = NULL;
        _cleanup_free_ Judged *judged = NULL;
        uint64_t node_bnd;
        size_t n = 0, violations = 0;
        int r, ret = CAPCTL_EXIT_OK;

        proc_fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (proc_fd < 0)
                return cli_error("policy test", "failed to open /proc: %m");
        root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0)
                return cli_error("policy test", "failed to open /: %m");
        r = runtime_roots_open(root_fd, &roots);
        if (r < 0)
                return cli_error("policy test", "failed to open the runtimes' state directories: %s", strerror(-r));
        r = node_bounding_set(proc_fd, &node_bnd);
        if (r < 0)
                return cli_error("policy test", "cannot read the node's bounding set from /proc/1/status: %s",
                                 strerror(-r));

        r = container_list_collect(proc_fd, &roots, &list, &n);
        if (r < 0)
                return cli_error("policy test", "failed to scan /proc: %s", strerror(-r));

        judged = calloc(n ?: 1, sizeof *judged);
        if (!judged)
                return cli_error("policy test", "out of memory");

        for (size_t i = 0; i < n; i++) {
                Judged *j = &judged[i];
                int meta_error = 0;

                j->c = &list[i];
                (void) container_meta_load(root_fd, &list[i].cg, &j->meta, &meta_error);
                if (meta_error < 0 && meta_error != -ENOENT && !json)
                        fprintf(stderr, "capctl policy test: metadata of container %s incomplete: %s\n", list[i].cg.id,
                                strerror(-meta_error));
                facts_from(&j->facts, &list[i], &j->meta);
                r = policy_evaluate(p, &j->facts, node_bnd, &j->verdict);
                if (r < 0) {
                        ret = cli_error("policy test", "cannot judge container %s: %s", list[i].cg.id, strerror(-r));
                        goto finish;
                }
                if (j->verdict.violation)
                        violations++;
        }

        if (!json)
                printf("%-12s %-10s %-40s %-9s %-16s %-6s %s\n", "CONTAINER", "RUNTIME", "NAMESPACE/POD/CONTAINER",
                       "VERDICT", "RULE", "ACTION", "EXCESS");
        for (size_t i = 0; i < n; i++) {
                if (json) {
                        r = print_json(&judged[i], p, version);
                        if (r < 0) {
                                ret = cli_error("policy test", "failed to print: %s", strerror(-r));
                                goto finish;
                        }
                } else
                        print_row(&judged[i], p);
        }
        if (!json)
                printf("\n%zu %s, %zu %s\n", n, n == 1 ? "container" : "containers", violations,
                       violations == 1 ? "violation" : "violations");

        ret = violations > 0 ? CAPCTL_EXIT_NO : CAPCTL_EXIT_OK;
finish:
        for (size_t i = 0; i < n; i++) {
                verdict_done(&judged[i].verdict);
                container_meta_done(&judged[i].meta);
        }
        if (fflush(stdout) != 0)
                return cli_error("policy test", "failed to write output: %m");
        return ret;
}
