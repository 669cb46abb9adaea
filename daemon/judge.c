/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <search.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capguard/container-meta.h"
#include "capguard/crun-status.h"
#include "capguard/proc-cgroup.h"
#include "capguard/proc-scan.h"
#include "capguard/proc-status.h"
#include "capguard/runc-state.h"
#include "log.h"
#include "manager.h"

/* How long a container's init may stay in the runtime's hands before we give up waiting for
 * its final sets. runc takes milliseconds; this is for a runtime that hangs. */
#define FINAL_SETS_TIMEOUT_USEC (10 * 1000 * 1000ULL)
#define RETRY_FIRST_USEC 100ULL
#define RETRY_MAX_USEC (5 * 1000ULL)

/* By root, id and namespace: the id first, where two containers differ most. */
static int tracked_compare(const void *a, const void *b) {
        const Tracked *x = a, *y = b;
        int r;

        if (x->root != y->root)
                return x->root < y->root ? -1 : 1;
        r = strcmp(x->id, y->id);
        return r != 0 ? r : strcmp(x->ns, y->ns);
}

Tracked *tracked_find(Manager *m, WatchRoot *root, const char *ns, const char *id) {
        Tracked k = { .root = root }, **found;

        /* longer than any tracked one's: not tracked */
        if (strlen(ns) >= sizeof k.ns || strlen(id) >= sizeof k.id)
                return NULL;
        strcpy(k.ns, ns);
        strcpy(k.id, id);
        found = tfind(&k, &m->tracked, tracked_compare);
        return found ? *found : NULL;
}

static void tracked_free(Tracked *t) {
        sd_event_source_disable_unref(t->retry);
        proc_pin_release(&t->pin);
        free(t->dir);
        free(t->bundle);
        free(t);
}

int tracked_add(Manager *m, WatchRoot *root, const char *ns, const char *id, Tracked **ret) {
        Tracked *t;
        int r;

        if (strlen(ns) >= sizeof t->ns || strlen(id) >= sizeof t->id)
                return -EINVAL;
        t = calloc(1, sizeof *t);
        if (!t)
                return -ENOMEM;
        t->pin = (ProcPin) PROC_PIN_NULL;
        t->manager = m;
        t->wd = -1;
        t->root = root;
        t->runtime = root->runtime == RUNTIME_CONTAINERD && streq(ns, "moby") ? RUNTIME_DOCKER : root->runtime;
        strcpy(t->ns, ns);
        strcpy(t->id, id);
        r = *ns ? asprintf(&t->dir, "%s/%s/%s", root->path, ns, id) : asprintf(&t->dir, "%s/%s", root->path, id);
        if (r < 0 || !tsearch(t, &m->tracked, tracked_compare)) {
                tracked_free(t);
                return -ENOMEM;
        }
        t->first_seen_usec = (int64_t) now_usec(CLOCK_REALTIME);
        m->n_tracked++;
        *ret = t;
        return 0;
}

void tracked_gone(Manager *m, Tracked *t) {
        Watch *w = t->wd >= 0 ? watch_find(m, t->wd) : NULL;

        if (t->pin.pid > 0 && t->judged)
                record_exit(m, t->runtime, t->ns, t->id, t->pin.start);
        if (w)
                watch_remove(m, w);
        (void) tdelete(t, &m->tracked, tracked_compare);
        m->n_tracked--;
        tracked_free(t);
        manager_update_status(m, false);
}

static void free_node(void *p) {
        tracked_free(p);
}

void tracked_free_all(Manager *m) {
        tdestroy(m->tracked, free_node);
        m->tracked = NULL;
        m->n_tracked = 0;
}

static int strdup_or_null(const char *s, char **ret) {
        if (!s || !*s) {
                *ret = NULL;
                return 0;
        }
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

static int event_container(Event *e, const Tracked *t, const ContainerFacts *f) {
        e->runtime = t->runtime;
        e->pid = t->pin.pid;
        e->pid_start = t->pin.start;
        memcpy(e->boot_id, t->manager->boot_id, sizeof e->boot_id);
        e->policy_version = 0;
        e->no_new_privs = -1;
        e->seccomp = -1;
        e->time_usec = (int64_t) now_usec(CLOCK_REALTIME);
        if (strdup_or_null(t->id, &e->container_id) < 0 || strdup_or_null(t->ns, &e->runtime_namespace) < 0)
                return -ENOMEM;
        if (f) {
                e->sandbox = f->sandbox;
                if (strdup_or_null(f->k8s_namespace, &e->k8s_namespace) < 0 ||
                    strdup_or_null(f->pod, &e->pod) < 0 ||
                    strdup_or_null(f->container, &e->container) < 0 ||
                    strdup_or_null(f->image, &e->image) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* Records that a container could not be judged, with what is known and why. Once. */
static void record_unknown(Manager *m, Tracked *t, const char *format, ...) _printf_(3, 4);
static void record_unknown(Manager *m, Tracked *t, const char *format, ...) {
        Event e = {};
        va_list ap;
        char *reason = NULL;

        if (t->failed)
                return;
        t->failed = true;

        va_start(ap, format);
        if (vasprintf(&reason, format, ap) < 0)
                reason = NULL;
        va_end(ap);

        e.reasons = calloc(2, sizeof *e.reasons);
        if (!reason || !e.reasons || event_container(&e, t, NULL) < 0) {
                free(reason);
                event_done(&e);
                log_oom();
                return;
        }
        e.reasons[0] = reason;
        e.verdict = EVENT_VERDICT_UNKNOWN;
        e.action = EVENT_ACTION_NONE;
        e.policy_version = m->policy_version;
        record_event(m, &e);
}

static int dup_reasons(char **in, char ***ret) {
        size_t n = 0;
        char **out;

        while (in && in[n])
                n++;
        out = calloc(n + 1, sizeof *out);
        if (!out)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                if (!(out[i] = strdup(in[i]))) {
                        for (size_t j = 0; j < i; j++)
                                free(out[j]);
                        free(out);
                        return -ENOMEM;
                }
        *ret = out;
        return 0;
}

typedef struct KillRest {
        Manager *m;
        const Tracked *t;
        unsigned killed;
} KillRest;

static int kill_rest_one(const ProcEntry *pe, void *userdata) {
        KillRest *k = userdata;
        ProcPin pin = PROC_PIN_NULL;
        CgroupContainer again;
        char path[32];

        if (pe->container.match == CGROUP_MATCH_NONE || !streq(pe->container.id, k->t->id) ||
            pe->status.pid == k->t->pin.pid)
                return 0;
        /* pin it, then make sure the pinned process is still in that container */
        if (proc_pin(k->m->proc_fd, pe->status.pid, 0, &pin) < 0)
                return 0;
        (void) snprintf(path, sizeof path, "%d/cgroup", (int) pin.pid);
        if (proc_cgroup_read_at(k->m->proc_fd, path, &again) > 0 && streq(again.id, k->t->id) &&
            proc_pin_verify(&pin) >= 0 && proc_pin_kill(&pin) >= 0)
                k->killed++;
        proc_pin_release(&pin);
        return 0;
}

/* st: the init's status */
static EventAction enforce(Manager *m, Tracked *t, const ProcStatus *st, const Verdict *v, char **ret_detail) {
        int r;

        if (!v->violation)
                return EVENT_ACTION_NONE;
        if (v->action != POLICY_ACTION_KILL)
                return EVENT_ACTION_AUDIT;
        if (m->dry_run)
                return EVENT_ACTION_WOULD_KILL;

        /* The init first: in a container with its own PID namespace that takes every process
         * with it, and a container caught before `runc start` has no other. */
        r = proc_pin_kill(&t->pin);
        if (r < 0) {
                if (asprintf(ret_detail, "SIGKILL to pid %d failed: %s", (int) t->pin.pid, strerror(-r)) < 0)
                        *ret_detail = NULL;
                return EVENT_ACTION_KILL_FAILED;
        }

        /* An init that is pid 1 of its own PID namespace takes every process in it, nested
         * namespaces too: the kernel kills them when it dies. One that is not (the host's PID
         * namespace, or one it shares with a pod's other containers) leaves its other
         * processes running: find them, by a scan of every process on the node, which is why
         * it is not done for the others. */
        if (st->ns_pid != 1) {
                KillRest k = { .m = m, .t = t };

                (void) proc_scan(m->proc_fd, &m->roots, kill_rest_one, &k, NULL);
                if (k.killed > 0)
                        log_info("Killed %u more processes of container %s", k.killed, t->id);
        }
        m->n_kills++;
        return EVENT_ACTION_KILLED;
}

/* st: the init's status, read when it was seen at stage */
static void judge_now(Manager *m, Tracked *t, InitStage stage, const ProcStatus *st) {
        _cleanup_(container_meta_done) ContainerMeta meta = {};
        ContainerFacts f;
        Verdict v = {};
        Event e = {};
        CgroupContainer cg;
        char *detail = NULL;
        int r;

        cg = (CgroupContainer) { .match = CGROUP_MATCH_CERTAIN, .runtime = t->runtime };
        (void) snprintf(cg.id, sizeof cg.id, "%s", t->id);
        (void) snprintf(cg.ns, sizeof cg.ns, "%s", t->ns);
        /* what runc's state says was read already; crun's copy of the config is beside its
         * status, wherever that root is */
        if (t->root->runtime == RUNTIME_RUNC)
                (void) container_meta_load_bundle(m->root_fd, &cg, t->bundle, &meta, NULL);
        else if (t->root->runtime == RUNTIME_CRUN)
                (void) container_meta_load_state_dir(m->root_fd, &cg, t->dir, &meta, NULL);
        else
                (void) container_meta_load(m->root_fd, &cg, &meta, NULL);

        container_meta_facts(&cg, &meta, &f);
        f.caps = st->caps;
        f.uid = st->uid[1];
        f.no_new_privs = st->no_new_privs;
        /* A parked init may not have the filter its workload will run under yet. */
        f.seccomp = effective_seccomp(stage, st->seccomp, meta.declared_seccomp, meta.declared_no_new_privs);
        if (f.seccomp != st->seccomp)
                log_debug("Container %s: init %d parked without its seccomp filter yet, which its config declares "
                          "with noNewPrivileges: the runtime loads it before the entrypoint, seccomp %d",
                          t->id, (int) t->pin.pid, f.seccomp);

        if (event_container(&e, t, &f) < 0)
                goto oom;
        e.has_declared = meta.has_declared;
        e.declared = meta.declared;
        e.uid = f.uid;
        e.caps = f.caps;
        e.no_new_privs = f.no_new_privs;
        e.seccomp = f.seccomp;
        e.policy_version = m->policy_version;

        if (m->policy) {
                r = policy_evaluate(m->policy, &f, m->node_bounding, &v);
                if (r < 0) {
                        event_done(&e);
                        return record_unknown(m, t, "it could not be judged: %s", strerror(-r));
                }
        }

        e.action = enforce(m, t, st, &v, &detail);
        e.action_detail = detail;
        e.verdict = v.violation ? EVENT_VERDICT_VIOLATION : EVENT_VERDICT_OK;
        memcpy(e.excess, v.excess, sizeof e.excess);
        if ((v.rule && !(e.rule = strdup(v.rule->name))) || dup_reasons(v.reasons, &e.reasons) < 0) {
                verdict_done(&v);
                goto oom;
        }
        verdict_done(&v);

        t->judged = true;
        t->judged_version = m->policy_version;
        m->n_verdicts++;
        if (e.verdict == EVENT_VERDICT_VIOLATION)
                m->n_violations++;
        record_event(m, &e);
        manager_update_status(m, false);
        return;

oom:
        event_done(&e);
        log_oom();
}

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata) {
        Tracked *t = userdata;

        t->retry = sd_event_source_disable_unref(t->retry);
        tracked_try(t->manager, t);
        return 0;
}

static void schedule_retry(Manager *m, Tracked *t) {
        uint64_t delay = RETRY_FIRST_USEC << (t->retries < 6 ? t->retries : 6);
        int r;

        if (delay > RETRY_MAX_USEC)
                delay = RETRY_MAX_USEC;
        t->retries++;
        if (t->retry)
                return;
        /* accuracy 1 us: 0 would mean sd-event's default of 250 ms, far past `runc start` */
        r = sd_event_add_time_relative(m->event, &t->retry, CLOCK_MONOTONIC, delay, 1, on_retry, t);
        if (r < 0)
                log_warning_errno(r, "Failed to schedule another look at container %s: %m", t->id);
        else
                (void) sd_event_source_set_description(t->retry, "final-sets");
}

/* The init that the runtime's state file names, and when it started: runc's state.json or
 * crun's status; and, from runc's, the engine that had it made (_RUNTIME_INVALID where it
 * does not say or, for crun, cannot). 1 if read, 0 if not written yet, or a negative errno
 * (recorded). */
static int read_state(Manager *m, Tracked *t, pid_t *ret_pid, uint64_t *ret_start, Runtime *ret_engine) {
        _cleanup_free_ char *path = NULL;
        int r;

        if (asprintf(&path, "%s/%s", t->dir, t->root->state_file) < 0)
                return log_oom();

        if (t->root->runtime == RUNTIME_CRUN) {
                _cleanup_crun_status_ CrunStatus st = {};

                /* It names no container: its directory does, and that is t->id. */
                r = crun_status_read_at(AT_FDCWD, path, &st);
                if (r >= 0) {
                        *ret_pid = st.pid;
                        *ret_start = st.start;
                        *ret_engine = _RUNTIME_INVALID;
                }
        } else {
                _cleanup_runc_state_ RuncState st = {};

                r = runc_state_read_at(AT_FDCWD, path, RUNC_STATE_INIT, &st);
                if (r >= 0 && !streq(st.id, t->id)) {
                        record_unknown(m, t, "its runtime state %s names another container", path);
                        return -EBADMSG;
                }
                if (r >= 0) {
                        *ret_pid = st.init_pid;
                        *ret_start = st.init_start;
                        *ret_engine = st.engine;
                        free(t->bundle);
                        t->bundle = TAKE_PTR(st.bundle);
                }
        }
        if (r == -ENOENT)
                return 0; /* not written yet: the watch tells us when */
        if (r < 0) {
                record_unknown(m, t, "its runtime state %s could not be read: %s", path, strerror(-r));
                return r;
        }
        return 1;
}

static int pin_from_state(Manager *m, Tracked *t) {
        const char *runtime = t->root->runtime == RUNTIME_CRUN ? "crun" : "runc";
        Runtime engine = _RUNTIME_INVALID;
        CgroupContainer cg;
        uint64_t init_start = 0;
        pid_t init_pid = 0;
        char cpath[32];
        int r;

        r = read_state(m, t, &init_pid, &init_start, &engine);
        if (r <= 0)
                return r;

        r = proc_pin(m->proc_fd, init_pid, init_start, &t->pin);
        /* runc and crun run CRI-O's, podman's and Docker's containers too: the engine names
         * the cgroup after the container it made (crio-<id>.scope, ...). runc's state says
         * where it put it; crun's does not, and its init's cgroup is read. */
        if (t->runtime == RUNTIME_RUNC && engine >= 0)
                t->runtime = engine;
        else if (r >= 0 && t->runtime == RUNTIME_CRUN) {
                (void) snprintf(cpath, sizeof cpath, "%d/cgroup", (int) t->pin.pid);
                if (proc_cgroup_read_at(m->proc_fd, cpath, &cg) > 0 && cg.match == CGROUP_MATCH_CERTAIN &&
                    cg.runtime >= 0 && streq(cg.id, t->id))
                        t->runtime = cg.runtime;
        }

        /* Judged before a restart under this very policy (or found dead then): nothing new.
         * Only a container that was there at start can have been: one whose state appeared
         * since is new, and a burst of them needs no query each. */
        if (m->store && !m->started &&
            store_event_exists(m->store, t->runtime, t->ns, t->id, init_start, m->boot_id, m->policy_version) > 0) {
                t->judged = true;
                t->judged_version = m->policy_version;
                if (t->pin.pid <= 0)
                        t->pin.start = init_start;
                return 0;
        }

        /* what is known of it goes on record, under the identity the runtime gave it */
        if (r < 0) {
                t->pin.pid = init_pid;
                t->pin.start = init_start;
        }
        if (r == -ESTALE) {
                record_unknown(m, t, "pid %d is not its init: the process started at another time than %s recorded",
                               (int) init_pid, runtime);
                return r;
        }
        if (r < 0) {
                record_unknown(m, t, "its init (pid %d) exited before it could be judged", (int) init_pid);
                return r;
        }

        t->first_try_usec = now_usec(CLOCK_MONOTONIC);
        return 1;
}

void tracked_try(Manager *m, Tracked *t) {
        InitStage stage;
        ProcStatus st;
        int r;

        if (t->failed || (t->judged && t->judged_version == m->policy_version))
                return;

        if (t->pin.pid <= 0) {
                r = pin_from_state(m, t);
                if (r <= 0)
                        return;
        }

        r = proc_pin_read_status(&t->pin, m->proc_fd, &stage, &st);
        if (r == -ESRCH)
                return record_unknown(m, t, "its init (pid %d) exited before its final sets could be read",
                                      (int) t->pin.pid);
        if (r < 0)
                return record_unknown(m, t, "its init (pid %d) could not be read: %s", (int) t->pin.pid, strerror(-r));

        log_debug("Container %s: init %d %s after %llu us, try %u", t->id, (int) t->pin.pid, init_stage_to_string(stage),
                  (unsigned long long) (now_usec(CLOCK_MONOTONIC) - t->first_try_usec), t->retries);
        if (stage == INIT_STAGE_RUNTIME) {
                /* Still the runtime's own init with the runtime's sets (README.md, "the timing
                 * trap"): a verdict now would judge runc or crun, not the container. */
                if (now_usec(CLOCK_MONOTONIC) - t->first_try_usec > FINAL_SETS_TIMEOUT_USEC)
                        return record_unknown(m, t, "its init (pid %d) did not reach the container's sets within %llu s",
                                              (int) t->pin.pid, FINAL_SETS_TIMEOUT_USEC / 1000000);
                return schedule_retry(m, t);
        }

        judge_now(m, t, stage, &st);
}

static void rejudge_node(const void *node, VISIT which, void *closure) {
        Tracked *t = *(Tracked **) node;
        Tracked ***list = closure;

        if (which == postorder || which == leaf)
                *(*list)++ = t;
}

void tracked_rejudge_all(Manager *m) {
        _cleanup_free_ Tracked **all = calloc(m->n_tracked + 1, sizeof *all);
        Tracked **p = all;

        if (!all)
                return (void) log_oom();
        /* collect first: judging may remove containers from the tree */
        twalk_r(m->tracked, rejudge_node, &p);
        for (Tracked **i = all; i < p; i++) {
                if ((*i)->pin.pidfd < 0) /* never pinned: read its state afresh */
                        (*i)->pin = (ProcPin) PROC_PIN_NULL;
                (*i)->failed = false;
                tracked_try(m, *i);
        }
}
