/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capguard/container-resolve.h"
#include "log.h"
#include "manager.h"

/* The runtimes' state roots, watched when no --watch is given. */
static const struct {
        const char *path;
        RootLayout layout;
        Runtime runtime;
        const char *state_file;
} default_roots[] = {
        { "/run/containerd/runc", ROOT_NAMESPACED, RUNTIME_CONTAINERD, "state.json" }, /* k8s.io, default, ... */
        { "/run/docker/runtime-runc", ROOT_NAMESPACED, RUNTIME_DOCKER, "state.json" },  /* moby */
        { "/run/runc", ROOT_FLAT, RUNTIME_RUNC, "state.json" },                         /* runc, CRI-O, podman */
        { "/run/crun", ROOT_FLAT, RUNTIME_CRUN, "status" },
};

#define ROOT_MASK (IN_CREATE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)
#define ANCESTOR_MASK (IN_CREATE | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)
/* runc writes state.json and crun its status by rename (IN_MOVED_TO); IN_CLOSE_WRITE for a
 * runtime that writes in place. */
#define CONTAINER_MASK (IN_MOVED_TO | IN_CLOSE_WRITE | IN_CREATE | IN_DELETE_SELF | IN_ONLYDIR)

static int root_add(WatchRoot **roots, size_t *n, const char *path, RootLayout layout, Runtime runtime,
                    const char *state_file) {
        WatchRoot *p = reallocarray(*roots, *n + 1, sizeof *p);

        if (!p)
                return -ENOMEM;
        *roots = p;
        p[*n] = (WatchRoot) {
                .path = strdup(path),
                .layout = layout,
                .runtime = runtime,
                .state_file = state_file,
                .wd = -1,
                .ancestor_wd = -1,
        };
        if (!p[*n].path)
                return -ENOMEM;
        (*n)++;
        return 0;
}

int watch_roots_parse(char **specs, WatchRoot **ret, size_t *ret_n) {
        WatchRoot *roots = NULL;
        size_t n = 0;
        int r = 0;

        if (!specs || !*specs) {
                for (size_t i = 0; i < ELEMENTSOF(default_roots) && r >= 0; i++)
                        r = root_add(&roots, &n, default_roots[i].path, default_roots[i].layout, default_roots[i].runtime,
                                     default_roots[i].state_file);
        } else
                for (char **s = specs; *s && r >= 0; s++) {
                        const char *colon = strchr(*s, ':');
                        const char *dir = colon ? colon + 1 : NULL;
                        size_t tlen = colon ? (size_t) (colon - *s) : 0;
                        _cleanup_free_ char *sub = NULL;

                        if (!dir || dir[0] != '/') {
                                r = -EINVAL;
                                break;
                        }
                        if (tlen == 4 && strncmp(*s, "runc", 4) == 0)
                                r = root_add(&roots, &n, dir, ROOT_FLAT, RUNTIME_RUNC, "state.json");
                        else if (tlen == 4 && strncmp(*s, "crun", 4) == 0)
                                r = root_add(&roots, &n, dir, ROOT_FLAT, RUNTIME_CRUN, "status");
                        else if (tlen == 10 && strncmp(*s, "containerd", 10) == 0) {
                                /* containerd's state dir: its runc shim keeps <ns>/<id> under runc/ */
                                if (asprintf(&sub, "%s/runc", dir) < 0)
                                        r = -ENOMEM;
                                else
                                        r = root_add(&roots, &n, sub, ROOT_NAMESPACED, RUNTIME_CONTAINERD, "state.json");
                        } else
                                r = -EINVAL;
                }

        if (r < 0) {
                watch_roots_free(roots, n);
                return r;
        }
        *ret = roots;
        *ret_n = n;
        return 0;
}

void watch_roots_free(WatchRoot *roots, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(roots[i].path);
        free(roots);
}

static int watch_compare(const void *a, const void *b) {
        const Watch *x = a, *y = b;

        return x->wd < y->wd ? -1 : x->wd > y->wd;
}

Watch *watch_find(Manager *m, int wd) {
        Watch key = { .wd = wd };
        Watch **found = tfind(&key, &m->watches, watch_compare);

        return found ? *found : NULL;
}

static int watch_add(Manager *m, const char *path, uint32_t mask, WatchKind kind, WatchRoot *root, Watch **ret) {
        Watch *w;
        int wd;

        wd = inotify_add_watch(m->inotify_fd, path, mask | IN_DONT_FOLLOW);
        if (wd < 0)
                return negative_errno();

        /* inotify hands out the same wd for a path watched twice (a rescan) */
        w = watch_find(m, wd);
        if (w) {
                if (ret)
                        *ret = w;
                return 0;
        }

        w = calloc(1, sizeof *w);
        if (!w)
                return -ENOMEM;
        *w = (Watch) { .wd = wd, .kind = kind, .root = root, .path = strdup(path) };
        if (!w->path || !tsearch(w, &m->watches, watch_compare)) {
                free(w->path);
                free(w);
                (void) inotify_rm_watch(m->inotify_fd, wd);
                return -ENOMEM;
        }
        if (ret)
                *ret = w;
        return 0;
}

void free_watch(void *p) {
        Watch *w = p;

        free(w->path);
        free(w);
}

void watch_remove(Manager *m, Watch *w) {
        if (!w)
                return;
        (void) tdelete(w, &m->watches, watch_compare);
        /* the kernel drops a watch itself when its directory goes (IN_IGNORED); harmless else */
        (void) inotify_rm_watch(m->inotify_fd, w->wd);
        free(w->path);
        free(w);
}

static bool is_dir_at(int dir_fd, const char *name) {
        struct stat st;

        return fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) >= 0 && S_ISDIR(st.st_mode);
}

static int scan_containers(Manager *m, WatchRoot *root, const char *dir, const char *ns) {
        _cleanup_close_ int fd = -EBADF;
        DIR *d;
        struct dirent *de;

        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return errno == ENOENT ? 0 : negative_errno();
        d = fdopendir(fd);
        if (!d)
                return negative_errno();
        TAKE_FD(fd);

        while ((de = readdir(d))) {
                if (!container_id_is_valid(de->d_name, strlen(de->d_name)) || !is_dir_at(dirfd(d), de->d_name))
                        continue;
                if (root->layout == ROOT_NAMESPACED && !ns) {
                        _cleanup_free_ char *sub = NULL;
                        Watch *w;
                        int r;

                        if (asprintf(&sub, "%s/%s", dir, de->d_name) < 0) {
                                closedir(d);
                                return -ENOMEM;
                        }
                        r = watch_add(m, sub, ROOT_MASK, WATCH_NAMESPACE, root, &w);
                        if (r < 0) {
                                log_warning_errno(r, "Failed to watch %s, ignoring: %m", sub);
                                continue;
                        }
                        (void) scan_containers(m, root, sub, de->d_name);
                } else
                        (void) watch_add_container(m, root, ns ?: "", de->d_name);
        }
        closedir(d);
        return 0;
}

/* Watches the root if it exists, else its deepest existing ancestor, for it to appear. */
static int root_arm(Manager *m, WatchRoot *root) {
        _cleanup_free_ char *path = strdup(root->path);
        Watch *w;
        int r;

        if (!path)
                return -ENOMEM;

        r = watch_add(m, root->path, ROOT_MASK, WATCH_ROOT, root, &w);
        if (r >= 0) {
                root->wd = w->wd;
                if (root->ancestor_wd >= 0) {
                        Watch *a = watch_find(m, root->ancestor_wd);

                        /* another root may wait on the same ancestor: keep it if so */
                        bool shared = false;
                        for (size_t i = 0; i < m->n_watch_roots; i++)
                                if (&m->watch_roots[i] != root && m->watch_roots[i].ancestor_wd == root->ancestor_wd)
                                        shared = true;
                        if (a && !shared)
                                watch_remove(m, a);
                        root->ancestor_wd = -1;
                }
                return scan_containers(m, root, root->path, NULL);
        }
        if (r != -ENOENT && r != -ENOTDIR)
                return r;

        for (;;) {
                char *slash = strrchr(path, '/');

                if (!slash)
                        return -ENOENT;
                if (slash == path)
                        slash[1] = '\0';
                else
                        *slash = '\0';
                r = watch_add(m, path, ANCESTOR_MASK, WATCH_ANCESTOR, root, &w);
                if (r >= 0) {
                        root->ancestor_wd = w->wd;
                        return 0;
                }
                if (r != -ENOENT && r != -ENOTDIR)
                        return r;
                if (streq(path, "/"))
                        return r;
        }
}

int watch_setup(Manager *m) {
        for (size_t i = 0; i < m->n_watch_roots; i++) {
                int r = root_arm(m, &m->watch_roots[i]);

                if (r < 0)
                        return log_error_errno(r, "Failed to watch %s: %m", m->watch_roots[i].path);
        }
        return 0;
}

int watch_scan_all(Manager *m) {
        /* After an inotify overflow: every root again, each container not yet seen is added. */
        for (size_t i = 0; i < m->n_watch_roots; i++) {
                int r = root_arm(m, &m->watch_roots[i]);

                if (r < 0)
                        log_warning_errno(r, "Failed to rescan %s, ignoring: %m", m->watch_roots[i].path);
        }
        return 0;
}

int watch_add_container(Manager *m, WatchRoot *root, const char *ns, const char *id) {
        Tracked *t;
        Watch *w;
        int r;

        if (tracked_find(m, root, ns, id))
                return 0;

        r = tracked_add(m, root, ns, id, &t);
        if (r < 0)
                return log_error_errno(r, "Failed to track container %s: %m", id);

        /* A directory moved into place comes with its state file, and one read is all a
         * container needs of it: its exit is the directory's removal, which the watch on its
         * parent sees. Only a state file still to be written needs a watch of its own. */
        tracked_try(m, t);
        if (t->pin.pid > 0 || t->judged || t->failed)
                return 0;

        r = watch_add(m, t->dir, CONTAINER_MASK, WATCH_CONTAINER, root, &w);
        if (r < 0) {
                /* gone already: it never ran long enough to judge */
                tracked_gone(m, t);
                return r == -ENOENT ? 0 : log_warning_errno(r, "Failed to watch %s, ignoring: %m", t->dir);
        }
        w->tracked = t;
        t->wd = w->wd;

        /* The state file may have been written before the watch was in place. */
        tracked_try(m, t);
        return 0;
}

static void on_root_event(Manager *m, Watch *w, const struct inotify_event *ev) {
        bool namespaced_root = w->kind == WATCH_ROOT && w->root->layout == ROOT_NAMESPACED;
        _cleanup_free_ char *path = NULL;

        if (ev->len == 0 || !container_id_is_valid(ev->name, strlen(ev->name)))
                return;

        if (ev->mask & (IN_CREATE | IN_MOVED_TO)) {
                if (namespaced_root) {
                        Watch *ns;

                        if (asprintf(&path, "%s/%s", w->path, ev->name) < 0)
                                return (void) log_oom();
                        if (watch_add(m, path, ROOT_MASK, WATCH_NAMESPACE, w->root, &ns) >= 0)
                                (void) scan_containers(m, w->root, path, ev->name);
                } else {
                        const char *ns = w->kind == WATCH_NAMESPACE ? strrchr(w->path, '/') + 1 : "";

                        (void) watch_add_container(m, w->root, ns, ev->name);
                }
        } else if ((ev->mask & (IN_DELETE | IN_MOVED_FROM)) && !namespaced_root) {
                const char *ns = w->kind == WATCH_NAMESPACE ? strrchr(w->path, '/') + 1 : "";
                Tracked *t = tracked_find(m, w->root, ns, ev->name);

                if (t)
                        tracked_gone(m, t);
        }
}

static void on_ancestor_event(Manager *m, Watch *w, const struct inotify_event *ev) {
        /* Something appeared below an ancestor: every root waiting here tries again. */
        int wd = w->wd;

        if (!(ev->mask & (IN_CREATE | IN_MOVED_TO)))
                return;
        for (size_t i = 0; i < m->n_watch_roots; i++)
                if (m->watch_roots[i].ancestor_wd == wd) {
                        int r = root_arm(m, &m->watch_roots[i]);

                        if (r < 0)
                                log_warning_errno(r, "Failed to watch %s, ignoring: %m", m->watch_roots[i].path);
                        else if (m->watch_roots[i].wd >= 0)
                                log_info("Watching %s", m->watch_roots[i].path);
                }
}

static void on_self_gone(Manager *m, Watch *w) {
        /* A root (containerd restarted, /run/docker removed) or namespace dir went away:
         * wait for it again. Containers below it are gone with it. */
        if (w->kind == WATCH_ROOT) {
                WatchRoot *root = w->root;

                root->wd = -1;
                watch_remove(m, w);
                (void) root_arm(m, root);
        } else
                watch_remove(m, w);
}

int manager_on_inotify(sd_event_source *s, int fd, uint32_t revents, void *userdata);
int manager_on_inotify(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Manager *m = userdata;
        union {
                struct inotify_event ev;
                char raw[64 * 1024];
        } buf;
        ssize_t n;

        n = read(fd, &buf, sizeof buf);
        if (n < 0)
                return errno == EAGAIN || errno == EINTR ? 0 : log_error_errno(-errno, "Failed to read inotify events: %m");

        for (char *p = buf.raw; p < buf.raw + n;) {
                const struct inotify_event *ev = (const struct inotify_event *) p;
                Watch *w;

                p += sizeof *ev + ev->len;

                if (ev->mask & IN_Q_OVERFLOW) {
                        log_warning("inotify queue overflowed, rescanning every root");
                        (void) watch_scan_all(m);
                        continue;
                }

                w = watch_find(m, ev->wd);
                if (!w)
                        continue;
                if (ev->mask & IN_IGNORED) {
                        if (w->kind == WATCH_CONTAINER && w->tracked)
                                w->tracked->wd = -1;
                        if (w->kind == WATCH_ROOT)
                                w->root->wd = -1;
                        watch_remove(m, w);
                        continue;
                }

                switch (w->kind) {
                case WATCH_ANCESTOR:
                        on_ancestor_event(m, w, ev);
                        break;
                case WATCH_ROOT:
                case WATCH_NAMESPACE:
                        if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF))
                                on_self_gone(m, w);
                        else
                                on_root_event(m, w, ev);
                        break;
                case WATCH_CONTAINER:
                        if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
                                if (w->tracked)
                                        tracked_gone(m, w->tracked);
                        } else if (w->tracked && ev->len > 0 && streq(ev->name, w->root->state_file))
                                tracked_try(m, w->tracked);
                        break;
                }
        }
        return 0;
}
