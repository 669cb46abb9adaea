/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <sys/stat.h>

#include "capguard/container-resolve.h"
#include "capguard/proc-cgroup.h"
#include "check-util.h"

#define ID64 "3f2a9c0d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f"

static const struct {
        const char *text;
        int r;
        CgroupMatch match;
        Runtime runtime;
        const char *id, *ns;
} cases[] = {
        /* Docker, systemd driver (cgroup v2) */
        { "0::/system.slice/docker-" ID64 ".scope\n", 1, CGROUP_MATCH_CERTAIN, RUNTIME_DOCKER, ID64, "moby" },
        /* Docker, cgroupfs driver, hybrid: every line agrees */
        { "12:pids:/docker/" ID64 "\n11:memory:/docker/" ID64 "\n1:name=systemd:/docker/" ID64 "\n0::/docker/" ID64 "\n",
          1, CGROUP_MATCH_CERTAIN, RUNTIME_DOCKER, ID64, "moby" },
        /* kubelet + containerd, systemd driver */
        { "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1234_5678.slice/cri-containerd-" ID64 ".scope\n",
          1, CGROUP_MATCH_CERTAIN, RUNTIME_CONTAINERD, ID64, "k8s.io" },
        /* kubelet + CRI-O, systemd driver; conmon's own scope is not the container */
        { "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-podabc.slice/crio-" ID64 ".scope\n",
          1, CGROUP_MATCH_CERTAIN, RUNTIME_CRIO, ID64, "" },
        { "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-podabc.slice/crio-conmon-" ID64 ".scope\n",
          0, CGROUP_MATCH_NONE, _RUNTIME_INVALID, NULL, NULL },
        /* CRI-O, cgroupfs driver */
        { "0::/kubepods/besteffort/podabc/crio-" ID64 "\n", 1, CGROUP_MATCH_CERTAIN, RUNTIME_CRIO, ID64, "" },
        /* podman */
        { "0::/machine.slice/libpod-" ID64 ".scope/container\n", 1, CGROUP_MATCH_CERTAIN, RUNTIME_PODMAN, ID64, "" },
        { "0::/machine.slice/libpod-conmon-" ID64 ".scope\n", 0, CGROUP_MATCH_NONE, _RUNTIME_INVALID, NULL, NULL },
        /* kubelet, cgroupfs driver: a container, runtime unknown from the path */
        { "4:memory:/kubepods/burstable/pod0e8f-11/" ID64 "\n0::/kubepods/burstable/pod0e8f-11/" ID64 "\n",
          1, CGROUP_MATCH_KUBEPODS, _RUNTIME_INVALID, ID64, "" },
        /* containerd without a cgroup parent (ctr run): /<ns>/<id>, to be confirmed */
        { "0::/k8s.io/web-0\n", 1, CGROUP_MATCH_NS_ID, RUNTIME_CONTAINERD, "web-0", "k8s.io" },
        /* runc standalone: /<id>, to be confirmed */
        { "0::/mybox\n", 1, CGROUP_MATCH_ID, _RUNTIME_INVALID, "mybox", "" },
        /* nested: kind node in Docker; the innermost container is named */
        { "0::/docker/" ID64 "/kubepods/besteffort/pod1/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
          1, CGROUP_MATCH_KUBEPODS, _RUNTIME_INVALID, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "" },
        /* the strongest match over all lines wins */
        { "1:name=systemd:/user.slice\n0::/system.slice/docker-" ID64 ".scope\n",
          1, CGROUP_MATCH_CERTAIN, RUNTIME_DOCKER, ID64, "moby" },
        /* paths may contain colons */
        { "0::/a:b/c\n", 0, CGROUP_MATCH_NONE, _RUNTIME_INVALID, NULL, NULL },
        /* host processes */
        { "0::/\n", 0, CGROUP_MATCH_NONE, _RUNTIME_INVALID, NULL, NULL },
        { "0::/user.slice/user-0.slice/session-1.scope\n", 0, CGROUP_MATCH_NONE, _RUNTIME_INVALID, NULL, NULL },
        /* two components look like containerd's /<ns>/<id>: only container_resolve() can tell */
        { "0::/system.slice/containerd.service\n", 1, CGROUP_MATCH_NS_ID, RUNTIME_CONTAINERD, "containerd.service", "system.slice" },
        /* not ids: too long, dot first, bad characters */
        { "0::/docker-" ID64 "00000000000000.scope/x/y\n", 0, CGROUP_MATCH_NONE, _RUNTIME_INVALID, NULL, NULL },
        { "0::/ns/.hidden\n", 0, CGROUP_MATCH_NONE, _RUNTIME_INVALID, NULL, NULL },
        { "0::/x/docker/" ID64 "X\n", 0, CGROUP_MATCH_NONE, _RUNTIME_INVALID, NULL, NULL },
        /* not cgroup files */
        { "", -EBADMSG },
        { "\n\n", -EBADMSG },
        { "garbage\n", -EBADMSG },
        { "0:/docker/x\n", -EBADMSG },
        { "x::/\n", -EBADMSG },
        { ":memory:/\n", -EBADMSG },
        { "0::relative/path\n", -EBADMSG },
        { "0::\n", -EBADMSG },
};

START_TEST(test_parse) {
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                CgroupContainer c = { .match = 99 };
                int r = proc_cgroup_parse(cases[i].text, strlen(cases[i].text), &c);

                ck_assert_msg(r == cases[i].r, "case %zu: got %d, want %d", i, r, cases[i].r);
                if (r < 0) {
                        ck_assert_int_eq(c.match, 99);
                        continue;
                }
                ck_assert_msg(c.match == cases[i].match, "case %zu: match %d", i, c.match);
                ck_assert_msg(c.runtime == cases[i].runtime, "case %zu: runtime %d", i, c.runtime);
                if (cases[i].id) {
                        ck_assert_str_eq(c.id, cases[i].id);
                        ck_assert_str_eq(c.ns, cases[i].ns);
                }
        }
}
END_TEST

/* One path, as runc's state.json gives them: under the cgroup mount, the scopes still match. */
START_TEST(test_match_path) {
        CgroupContainer c;
        static const char crio[] = "/sys/fs/cgroup/kubepods.slice/kubepods-besteffort.slice/crio-c1.scope";
        static const char mine[] = "/sys/fs/cgroup/unified/c1";

        ck_assert_int_eq(proc_cgroup_match_path(crio, strlen(crio), &c), 1);
        ck_assert_int_eq(c.match, CGROUP_MATCH_CERTAIN);
        ck_assert_int_eq(c.runtime, RUNTIME_CRIO);
        ck_assert_str_eq(c.id, "c1");

        ck_assert_int_eq(proc_cgroup_match_path(mine, strlen(mine), &c), 0);
        ck_assert_int_eq(c.match, CGROUP_MATCH_NONE);
        ck_assert_int_eq(proc_cgroup_match_path("/c1", 3, &c), 1);
        ck_assert_int_eq(c.match, CGROUP_MATCH_ID);

        ck_assert_int_eq(proc_cgroup_match_path("c1", 2, &c), -EBADMSG);
        ck_assert_int_eq(proc_cgroup_match_path("", 0, &c), -EBADMSG);
        ck_assert_int_eq(proc_cgroup_match_path(NULL, 0, &c), -EINVAL);
}
END_TEST

START_TEST(test_parse_deep_path) {
        /* A path deeper than we look at is refused, not overflowed. */
        char buf[4096] = "0::";

        for (int i = 0; i < 200; i++)
                strcat(buf, "/a");
        strcat(buf, "\n");
        {
                CgroupContainer c;
                ck_assert_int_eq(proc_cgroup_parse(buf, strlen(buf), &c), -EBADMSG);
        }
}
END_TEST

static int make_roots(char *tmpl, RuntimeRoots *roots) {
        /* A fixture tree: containerd tasks default/box, moby/<ID64>; runc's mybox; crun's cbox */
        char path[512];
        int root_fd;
        static const char *const dirs[] = {
                "run", "run/containerd", "run/containerd/io.containerd.runtime.v2.task",
                "run/containerd/io.containerd.runtime.v2.task/default",
                "run/containerd/io.containerd.runtime.v2.task/default/box",
                "run/containerd/io.containerd.runtime.v2.task/moby",
                "run/containerd/io.containerd.runtime.v2.task/moby/" ID64,
                "run/containerd/io.containerd.runtime.v2.task/k8s.io",
                "run/containerd/io.containerd.runtime.v2.task/k8s.io/" ID64,
                "run/runc", "run/runc/mybox", "run/crun", "run/crun/cbox",
        };

        ck_assert_ptr_nonnull(mkdtemp(tmpl));
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                (void) snprintf(path, sizeof path, "%s/%s", tmpl, dirs[i]);
                ck_assert_int_eq(mkdir(path, 0755), 0);
        }
        /* a symlink where a container dir would be must not confirm anything */
        (void) snprintf(path, sizeof path, "%s/run/runc/linked", tmpl);
        ck_assert_int_eq(symlink("/tmp", path), 0);

        root_fd = open(tmpl, O_PATH | O_DIRECTORY | O_CLOEXEC);
        ck_assert_int_ge(root_fd, 0);
        ck_assert_int_eq(runtime_roots_open(root_fd, roots), 0);
        return root_fd;
}

static int resolve_text(const char *text, const RuntimeRoots *roots, CgroupContainer *c) {
        ck_assert_int_ge(proc_cgroup_parse(text, strlen(text), c), 0);
        return container_resolve(c, roots);
}

START_TEST(test_resolve) {
        char tmpl[] = "/tmp/capguard-roots-XXXXXX";
        _cleanup_(runtime_roots_close) RuntimeRoots roots = RUNTIME_ROOTS_NULL;
        _cleanup_close_ int root_fd = make_roots(tmpl, &roots);
        CgroupContainer c;

        ck_assert_int_eq(resolve_text("0::/default/box\n", &roots, &c), 1);
        ck_assert_int_eq(c.runtime, RUNTIME_CONTAINERD);
        ck_assert_str_eq(c.ns, "default");

        /* Docker's containers are containerd tasks in "moby" */
        ck_assert_int_eq(resolve_text("0::/moby/" ID64 "\n", &roots, &c), 1);
        ck_assert_int_eq(c.runtime, RUNTIME_DOCKER);

        ck_assert_int_eq(resolve_text("0::/default/nobox\n", &roots, &c), 0);
        ck_assert_int_eq(c.match, CGROUP_MATCH_NONE);
        ck_assert_int_eq(resolve_text("0::/user.slice/box\n", &roots, &c), 0);

        ck_assert_int_eq(resolve_text("0::/mybox\n", &roots, &c), 1);
        ck_assert_int_eq(c.runtime, RUNTIME_RUNC);
        ck_assert_int_eq(resolve_text("0::/cbox\n", &roots, &c), 1);
        ck_assert_int_eq(c.runtime, RUNTIME_CRUN);
        ck_assert_int_eq(resolve_text("0::/init.scope\n", &roots, &c), 0);
        ck_assert_int_eq(resolve_text("0::/linked\n", &roots, &c), 0);

        ck_assert_int_eq(resolve_text("0::/kubepods/besteffort/pod1/" ID64 "\n", &roots, &c), 1);
        ck_assert_int_eq(c.runtime, RUNTIME_CONTAINERD);
        ck_assert_str_eq(c.ns, "k8s.io");

        /* No roots at all: only what the path proves */
        ck_assert_int_eq(resolve_text("0::/default/box\n", NULL, &c), 0);
        ck_assert_int_eq(resolve_text("0::/docker/" ID64 "\n", NULL, &c), 1);

        {
                char cmd[600];

                (void) snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpl);
                ck_assert_int_eq(system(cmd), 0);
        }
}
END_TEST

static void check_fixture(const char *case_dir) {
        char path[512];
        _cleanup_free_ char *text = NULL, *id = NULL, *runtime = NULL, *ns = NULL;
        CgroupContainer c;
        size_t len;
        int r;

        (void) snprintf(path, sizeof path, "%s/cgroup", case_dir);
        text = fixture_read(path, &len);
        r = proc_cgroup_parse(text, len, &c);
        ck_assert_msg(r >= 0, "%s refused", path);

        id = fixture_meta(case_dir, "container_id");
        runtime = fixture_meta(case_dir, "runtime");
        ns = fixture_meta(case_dir, "runtime_namespace");
        if (!id || !*id) {
                ck_assert_msg(r == 0 || c.match >= CGROUP_MATCH_NS_ID, "%s: host process taken for a container", case_dir);
                return;
        }

        ck_assert_msg(r == 1, "%s: container not found", case_dir);
        ck_assert_msg(streq(c.id, id), "%s: id %s, want %s", case_dir, c.id, id);
        /* What the path alone proves must agree with what the runtime said. */
        if (c.runtime >= 0 && runtime && !streq(runtime, "runc"))
                ck_assert_msg(streq(runtime_to_string(c.runtime), runtime), "%s: runtime %s", case_dir,
                              runtime_to_string(c.runtime));
        if (c.ns[0] && ns && *ns)
                ck_assert_msg(streq(c.ns, ns), "%s: ns %s", case_dir, c.ns);
}

START_TEST(test_fixtures) {
        ck_assert_uint_ge(fixture_foreach(check_fixture), 5);
}
END_TEST

static Suite *suite(void) {
        Suite *s = suite_create("proc-cgroup");
        TCase *tc = tcase_create("parse");

        tcase_add_test(tc, test_parse);
        tcase_add_test(tc, test_match_path);
        tcase_add_test(tc, test_parse_deep_path);
        tcase_add_test(tc, test_resolve);
        tcase_add_test(tc, test_fixtures);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return run_suite(suite());
}
