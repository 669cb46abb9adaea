/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <search.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-id128.h>
#include <time.h>
#include <unistd.h>

#include "capguard/fileio.h"
#include "capguard/proc-status.h"
#include "checkpointer.h"
#include "journal-queue.h"
#include "log.h"
#include "manager.h"
#include "writer.h"

int manager_on_inotify(sd_event_source *s, int fd, uint32_t revents, void *userdata);

#define STATUS_INTERVAL_USEC 1000000

static void send_status(Manager *m) {
        unsigned long dropped = journal_queue_dropped(m->journal_queue);
        char journal[80] = "";

        if (dropped > 0)
                (void) snprintf(journal, sizeof journal, "; %lu journal entries dropped (journald stuck or gone)",
                                dropped);
        m->last_status_usec = now_usec(CLOCK_MONOTONIC);
        (void) sd_notifyf(false,
                          "STATUS=Policy version %u; %zu containers live; %llu verdicts, %llu violations, %llu kills%s%s",
                          m->policy_version, m->n_tracked, (unsigned long long) m->n_verdicts,
                          (unsigned long long) m->n_violations, (unsigned long long) m->n_kills,
                          writer_failing(m->writer) ? "; store unavailable, verdicts waiting" : "", journal);
}

static int on_status_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        send_status(userdata);
        return 0;
}

void manager_update_status(Manager *m, bool force) {
        uint64_t next = m->last_status_usec + STATUS_INTERVAL_USEC;
        int r;

        if (force || now_usec(CLOCK_MONOTONIC) >= next) {
                if (m->status_timer)
                        (void) sd_event_source_set_enabled(m->status_timer, SD_EVENT_OFF);
                return send_status(m);
        }

        /* At most once a second: a burst of containers must not turn into a burst of
         * notifies. What changed since goes out when the second is up, once: the status must
         * not stay behind after a burst, and an idle daemon must not wake for it. */
        if (!m->status_timer) {
                r = sd_event_add_time(m->event, &m->status_timer, CLOCK_MONOTONIC, next, 0, on_status_timer, m);
                if (r >= 0)
                        (void) sd_event_source_set_description(m->status_timer, "status");
        } else if (sd_event_source_get_enabled(m->status_timer, NULL) > 0)
                return; /* already due */
        else {
                r = sd_event_source_set_time(m->status_timer, next);
                if (r >= 0)
                        r = sd_event_source_set_enabled(m->status_timer, SD_EVENT_ONESHOT);
        }
        if (r < 0)
                send_status(m);
}

/* journald stuck or gone: STATUS= counts what it lost. */
static void on_journal_dropped(void *userdata) {
        manager_update_status(userdata, false);
}

/* The store failed, or took what waited again: STATUS= says whether verdicts wait for it. */
static int on_writer_state(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        uint64_t n;

        (void) !read(fd, &n, sizeof n);
        manager_update_status(userdata, false);
        return 0;
}

static int load_policy(Manager *m, const char *default_policy) {
        _cleanup_(policy_freep) Policy *p = NULL;
        StorePolicy sp = {};
        PolicyError e = {};
        int r;

        r = store_policy_get(m->store, 0, &sp);
        if (r == -ENOENT && default_policy) {
                _cleanup_free_ char *text = NULL;
                size_t len;
                unsigned version;

                r = read_operator_file(default_policy, POLICY_SIZE_MAX + 1, &text, &len);
                if (r < 0)
                        return log_error_errno(r, "No active policy, and the default %s cannot be read: %m", default_policy);
                r = store_policy_add(m->store, text, len, default_policy, (int64_t) now_usec(CLOCK_REALTIME), &version, NULL);
                if (r < 0)
                        return log_error_errno(r, "Failed to store the default policy %s: %m", default_policy);
                log_notice("No active policy: loaded %s as version %u", default_policy, version);
                r = store_policy_get(m->store, 0, &sp);
        }
        if (r == -ENOENT) {
                log_warning("No active policy: every container is recorded as compliant until one is loaded");
                policy_free(m->policy);
                m->policy = NULL;
                m->policy_version = 0;
                return 0;
        }
        if (r < 0)
                return log_error_errno(r, "Failed to read the active policy from %s: %m", m->db_path);

        if (sp.version == m->policy_version && m->policy) {
                store_policy_done(&sp);
                return 0;
        }

        r = policy_parse(sp.yaml, strlen(sp.yaml), &p, &e);
        if (r < 0) {
                log_error("Active policy version %u does not parse (%u:%u: %s); keeping version %u", sp.version, e.line,
                          e.column, e.message, m->policy_version);
                store_policy_done(&sp);
                return -EINVAL;
        }

        policy_free(m->policy);
        m->policy = TAKE_PTR(p);
        m->policy_version = sp.version;
        log_info("Policy version %u active (%zu rules)", sp.version, m->policy->n_rules);
        store_policy_done(&sp);
        return 1;
}

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;
        int r;

        (void) sd_notify(false, "RELOADING=1");
        r = load_policy(m, NULL);
        if (r > 0) {
                /* a new version: every running container is judged again under it */
                tracked_rejudge_all(m);
        }
        manager_update_status(m, true);
        (void) sd_notify(false, "READY=1");
        return 0;
}

static int on_exit_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;

        log_info("Received SIG%s, exiting", si->ssi_signo == SIGTERM ? "TERM" : "INT");
        (void) sd_notify(false, "STOPPING=1");
        return sd_event_exit(m->event, 0);
}

static int write_pid_file(const char *path) {
        _cleanup_free_ char *tmp = NULL;
        _cleanup_close_ int fd = -EBADF;
        char buf[32];
        int n;

        if (asprintf(&tmp, "%s.XXXXXX", path) < 0)
                return -ENOMEM;
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        n = snprintf(buf, sizeof buf, "%d\n", (int) getpid());
        if (write(fd, buf, (size_t) n) != n || fchmod(fd, 0644) < 0 || rename(tmp, path) < 0) {
                int r = negative_errno();
                (void) unlink(tmp);
                return r;
        }
        return 0;
}

static int reconcile_one(const StoreContainer *c, void *userdata) {
        Manager *m = userdata;
        ProcPin pin = PROC_PIN_NULL;
        int r;

        /* Recorded in another boot: gone, whatever process holds its pid and start tick now. */
        if (streq(c->boot_id, m->boot_id) || !*c->boot_id) {
                r = proc_pin(m->proc_fd, c->pid, c->pid_start, &pin);
                proc_pin_release(&pin);
                if (r != -ESRCH && r != -ESTALE) {
                        /* recorded before boot ids were, and still running: this boot's */
                        if (!*c->boot_id && *m->boot_id) {
                                r = store_container_adopt(m->store, c->row, m->boot_id);
                                if (r < 0)
                                        log_warning_errno(r, "Failed to record container %s under this boot, ignoring: %m",
                                                          c->container_id);
                        }
                        return 0;
                }
        }
        r = store_container_exited(m->store, c->runtime, c->runtime_namespace, c->container_id, c->pid_start,
                                   c->boot_id, (int64_t) now_usec(CLOCK_REALTIME));
        if (r < 0 && r != -ENOENT)
                log_warning_errno(r, "Failed to record that container %s exited, ignoring: %m", c->container_id);
        return 0;
}

/* Start ticks count from boot: the boot id tells one boot's incarnation from another's. */
static int read_boot_id(char ret[static BOOT_ID_STRING_MAX]) {
        sd_id128_t id;
        int r;

        r = sd_id128_get_boot(&id);
        if (r < 0)
                return r;
        (void) sd_id128_to_string(id, ret);
        return 0;
}

/* Containers that exited while capguardd was not running get their exit time now, and those
 * recorded before boot ids were and still running get this boot's. Before the first scan, so
 * that it finds them judged already. */
static void reconcile_exited(Manager *m) {
        int r = store_containers_live(m->store, reconcile_one, m);

        if (r < 0)
                log_warning_errno(r, "Failed to reconcile the recorded containers, ignoring: %m");
}

int manager_new(const ManagerConfig *c, Manager **ret) {
        _cleanup_(manager_freep) Manager *m = NULL;
        ProcStatus init;
        int r;

        m = calloc(1, sizeof *m);
        if (!m)
                return log_oom();
        m->inotify_fd = m->proc_fd = m->root_fd = -EBADF;
        m->journal = (JournalSocket) JOURNAL_SOCKET_INIT(JOURNAL_SOCKET_PATH);
        m->roots = (RuntimeRoots) RUNTIME_ROOTS_NULL;
        m->dry_run = c->dry_run;
        m->retention_usec = c->retention_usec;

        r = watch_roots_parse(c->watch, &m->watch_roots, &m->n_watch_roots);
        if (r < 0)
                return log_error_errno(r, "Invalid --watch: TYPE:DIR with TYPE runc, containerd or crun and DIR absolute");

        m->proc_fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        m->root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (m->proc_fd < 0 || m->root_fd < 0)
                return log_error_errno(-errno, "Failed to open /proc or /: %m");
        r = runtime_roots_open(m->root_fd, &m->roots);
        if (r < 0)
                return log_error_errno(r, "Failed to open the runtimes' state directories: %m");

        /* The node's own bounding set, PID 1's: not ours, which the unit narrows. */
        r = proc_status_read_at(m->proc_fd, "1/status", &init);
        if (r < 0)
                return log_error_errno(r, "Failed to read the node's bounding set from /proc/1/status: %m");
        m->node_bounding = init.caps.mask[CAP_SET_BOUNDING];

        r = read_boot_id(m->boot_id);
        if (r < 0)
                log_warning_errno(r, "Failed to read this boot's id, recording containers without it: %m");

        m->db_path = strdup(c->db_path);
        if (!m->db_path)
                return log_oom();
        r = store_open(m->db_path, STORE_READ_WRITE, &m->store);
        if (r < 0)
                return log_error_errno(r, "Failed to open the database %s: %m", m->db_path);
        /* The loop's connection: the policy, start-up and maintenance. It must not stall
         * behind a long capctl query (fail fast), nor behind checkpoints, which the writer
         * asks of the checkpointer's thread. */
        store_set_busy_timeout(m->store, 200);
        r = store_set_autocheckpoint(m->store, 0);
        if (r < 0)
                log_warning_errno(r, "Failed to keep checkpoints off the event loop, ignoring: %m");
        r = checkpointer_start(m->db_path, &m->checkpointer);
        if (r < 0)
                log_warning_errno(r, "Failed to start checkpointing on a thread, letting SQLite checkpoint in the writer's commits: %m");
        r = writer_start(m->db_path, m->checkpointer, &m->writer);
        if (r < 0)
                return log_error_errno(r, "Failed to start writing verdicts to the database %s: %m", m->db_path);

        r = load_policy(m, c->default_policy);
        if (r < 0)
                return r;

        if (c->pid_file) {
                m->pid_file = strdup(c->pid_file);
                if (!m->pid_file)
                        return log_oom();
        }

        r = sd_event_default(&m->event);
        if (r < 0)
                return log_error_errno(r, "Failed to allocate the event loop: %m");
        r = journal_queue_new(m->event, &m->journal, on_journal_dropped, m, &m->journal_queue);
        if (r < 0)
                return log_error_errno(r, "Failed to set up the journal's queue: %m");
        r = sd_event_add_io(m->event, &m->writer_state, writer_state_fd(m->writer), EPOLLIN, on_writer_state, m);
        if (r < 0)
                return log_error_errno(r, "Failed to watch the database writer: %m");
        (void) sd_event_source_set_description(m->writer_state, "writer-state");

        *ret = TAKE_PTR(m);
        return 0;
}

int manager_startup(Manager *m) {
        sigset_t mask;
        int r;

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return log_error_errno(-errno, "Failed to block signals: %m");

        if ((r = sd_event_add_signal(m->event, &m->sigterm, SIGTERM, on_exit_signal, m)) < 0 ||
            (r = sd_event_add_signal(m->event, &m->sigint, SIGINT, on_exit_signal, m)) < 0 ||
            (r = sd_event_add_signal(m->event, &m->sighup, SIGHUP, on_sighup, m)) < 0)
                return log_error_errno(r, "Failed to watch signals: %m");

        m->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (m->inotify_fd < 0)
                return log_error_errno(-errno, "Failed to create an inotify instance: %m");
        r = sd_event_add_io(m->event, &m->inotify_source, m->inotify_fd, EPOLLIN, manager_on_inotify, m);
        if (r < 0)
                return log_error_errno(r, "Failed to watch inotify: %m");
        (void) sd_event_source_set_description(m->inotify_source, "inotify");
        (void) sd_event_source_set_description(m->sighup, "sighup");

        /* Only with WatchdogSec=: the loop pings at half the interval, and otherwise sleeps. */
        r = sd_event_set_watchdog(m->event, true);
        if (r < 0)
                log_warning_errno(r, "Failed to enable the watchdog, ignoring: %m");

        /* Every container running now is judged (once per policy version), then we are ready. */
        reconcile_exited(m);
        r = watch_setup(m);
        if (r < 0)
                return r;

        maintenance_record_start(m);
        r = maintenance_start(m);
        if (r < 0)
                return r;

        if (m->pid_file) {
                r = write_pid_file(m->pid_file);
                if (r < 0)
                        log_warning_errno(r, "Failed to write %s, ignoring: %m", m->pid_file);
        }

        log_info("Watching %zu runtime roots, %zu containers running, policy version %u%s", m->n_watch_roots,
                 m->n_tracked, m->policy_version, m->dry_run ? ", dry run: nothing is killed" : "");
        m->started = true;
        manager_update_status(m, true);
        (void) sd_notify(false, "READY=1");
        return 0;
}

int manager_run(Manager *m) {
        int r = sd_event_loop(m->event);

        return r < 0 ? log_error_errno(r, "Event loop failed: %m") : 0;
}

Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;

        tracked_free_all(m);
        m->kick = sd_event_source_disable_unref(m->kick);
        m->writer_state = sd_event_source_disable_unref(m->writer_state);
        if (m->writer) {
                size_t lost = 0;

                m->writer = writer_stop(m->writer, &lost);
                if (lost > 0)
                        log_error("Exiting with %zu verdicts and exits not written to the store (the verdicts are in the journal)",
                                  lost);
        }
        if (m->store && m->started)
                maintenance_record_stop(m);

        sd_event_source_disable_unref(m->inotify_source);
        sd_event_source_disable_unref(m->sigterm);
        sd_event_source_disable_unref(m->sigint);
        sd_event_source_disable_unref(m->sighup);
        sd_event_source_disable_unref(m->prune_timer);
        m->status_timer = sd_event_source_disable_unref(m->status_timer);
        /* what journald has not taken yet: a second, not an exit held up by a stuck journald */
        m->journal_queue = journal_queue_free(m->journal_queue, 1000 * 1000);
        sd_event_unref(m->event);

        tdestroy(m->watches, free_watch);
        closep(&m->inotify_fd);
        closep(&m->proc_fd);
        closep(&m->root_fd);
        journal_socket_close(&m->journal);
        runtime_roots_close(&m->roots);
        watch_roots_free(m->watch_roots, m->n_watch_roots);
        policy_free(m->policy);
        m->checkpointer = checkpointer_stop(m->checkpointer);
        store_close(m->store);
        free(m->db_path);
        if (m->pid_file)
                (void) unlink(m->pid_file);
        free(m->pid_file);
        free(m);
        return NULL;
}
