/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <sys/stat.h>

#include "capguard/container-meta.h"
#include "capguard/daemon-pid.h"
#include "capguard/docker-config.h"
#include "check-util.h"

#define K8S_ID "capguard-fx-k8s-default"
#define DOCKER_ID "97336ffc0dc7635ecb049bfc14911a9bec90c69aa6ce5fea222370e7a4d70924"
#define CRUN_ID "capguard-fx-crun-created"
#define RUNC_ID "capguard-fx-runc-default"

static char root[] = "/tmp/capguard-meta-XXXXXX";
static char outside[] = "/tmp/capguard-outside-XXXXXX";

static void mkdirs(const char *rel) {
        char path[1024], *p;

        (void) snprintf(path, sizeof path, "%s/%s", root, rel);
        for (p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
                *p = '\0';
                (void) mkdir(path, 0755);
                *p = '/';
        }
        (void) mkdir(path, 0755);
}

static void put(const char *rel, const char *text, size_t len) {
        char path[1024];
        FILE *f;

        (void) snprintf(path, sizeof path, "%s/%s", root, rel);
        f = fopen(path, "we");
        ck_assert_ptr_nonnull(f);
        ck_assert_uint_eq(fwrite(text, 1, len, f), len);
        fclose(f);
}

static void put_fixture(const char *rel, const char *fixture) {
        size_t len;
        _cleanup_free_ char *text = fixture_read(fixture, &len);

        put(rel, text, len);
}

static void setup(void) {
        char path[1024];

        ck_assert_ptr_nonnull(mkdtemp(root));
        ck_assert_ptr_nonnull(mkdtemp(outside));

        mkdirs("run/containerd/io.containerd.runtime.v2.task/k8s.io/" K8S_ID);
        put_fixture("run/containerd/io.containerd.runtime.v2.task/k8s.io/" K8S_ID "/config.json",
                    "containerd-k8s-default/config.json");
        put("run/containerd/io.containerd.runtime.v2.task/k8s.io/" K8S_ID "/init.pid", "4242", 4);

        mkdirs("run/containerd/io.containerd.runtime.v2.task/moby/" DOCKER_ID);
        put_fixture("run/containerd/io.containerd.runtime.v2.task/moby/" DOCKER_ID "/config.json",
                    "docker-default/config.json");
        mkdirs("var/lib/docker/containers/" DOCKER_ID);
        put_fixture("var/lib/docker/containers/" DOCKER_ID "/config.v2.json", "docker-config/cri-dockerd.config.v2.json");

        /* runc's state names its bundle by absolute path: it is looked up inside root */
        mkdirs("run/runc/" RUNC_ID);
        put_fixture("run/runc/" RUNC_ID "/state.json", "runc-default/state.json");
        mkdirs("run/capguard-test-stack/runc/" RUNC_ID);
        put_fixture("run/capguard-test-stack/runc/" RUNC_ID "/config.json", "runc-default/config.json");

        /* crun keeps its copy of the spec next to its status file */
        mkdirs("run/crun/" CRUN_ID);
        put_fixture("run/crun/" CRUN_ID "/config.json", "crun-created/config.json");
        put_fixture("run/crun/" CRUN_ID "/status", "crun-created/crun-status");

        /* a bundle that is a symlink to a directory outside root must not be followed there */
        (void) snprintf(path, sizeof path, "%s/config.json", outside);
        {
                size_t len;
                _cleanup_free_ char *text = fixture_read("containerd-k8s-default/config.json", &len);
                FILE *f = fopen(path, "we");

                ck_assert_ptr_nonnull(f);
                fwrite(text, 1, len, f);
                fclose(f);
        }
        mkdirs("run/runc/evil");
        {
                static const char state[] =
                        "{\"id\":\"evil\",\"init_process_pid\":1,\"init_process_start\":1,"
                        "\"created\":\"2026-11-28T12:00:00Z\",\"config\":{\"labels\":[\"bundle=/linked\"]}}";

                put("run/runc/evil/state.json", state, sizeof state - 1);
        }
        (void) snprintf(path, sizeof path, "%s/linked", root);
        ck_assert_int_eq(symlink(outside, path), 0);

        /* crun's state directory is its own: a config.json there that is a symlink is refused */
        mkdirs("run/crun/linkcfg");
        {
                char target[1024];

                (void) snprintf(target, sizeof target, "%s/config.json", outside);
                (void) snprintf(path, sizeof path, "%s/run/crun/linkcfg/config.json", root);
                ck_assert_int_eq(symlink(target, path), 0);
        }
}

static void teardown(void) {
        char cmd[256];

        (void) snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", root, outside);
        (void) system(cmd);
}

static int open_root(void) {
        int fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);

        ck_assert_int_ge(fd, 0);
        return fd;
}

START_TEST(test_containerd_k8s) {
        _cleanup_close_ int fd = open_root();
        CgroupContainer c = { .match = CGROUP_MATCH_NS_ID, .runtime = RUNTIME_CONTAINERD, .id = K8S_ID, .ns = "k8s.io" };
        ContainerMeta m;
        int err = 1;

        ck_assert_int_eq(container_meta_load(fd, &c, &m, &err), 0);
        ck_assert_int_eq(err, 0);
        ck_assert_str_eq(m.k8s_namespace, "team-a");
        ck_assert_str_eq(m.pod, "web-0");
        ck_assert_str_eq(m.container, "web");
        ck_assert_str_eq(m.image, "capguard.test/busybox:1");
        ck_assert(!m.sandbox);
        ck_assert(m.has_declared);
        ck_assert_uint_eq(m.declared.mask[CAP_SET_BOUNDING], 0xa80425fbULL);
        ck_assert_int_eq(m.runtime_init_pid, 4242);
        container_meta_done(&m);
}
END_TEST

START_TEST(test_docker) {
        _cleanup_close_ int fd = open_root();
        CgroupContainer c = { .match = CGROUP_MATCH_CERTAIN, .runtime = RUNTIME_DOCKER, .id = DOCKER_ID, .ns = "moby" };
        ContainerMeta m;

        ck_assert_int_eq(container_meta_load(fd, &c, &m, NULL), 0);
        ck_assert_str_eq(m.name, "capguard-fx-cridockerd");
        ck_assert_str_eq(m.image, "capguard.test/busybox:1");
        /* cri-dockerd's labels stand in for the annotations Docker does not write */
        ck_assert_str_eq(m.k8s_namespace, "team-b");
        ck_assert_str_eq(m.pod, "api-0");
        ck_assert_str_eq(m.container, "api");
        ck_assert(m.has_declared);
        /* Docker's default seccomp profile, without --security-opt no-new-privileges */
        ck_assert(m.declared_seccomp);
        ck_assert_int_eq(m.declared_no_new_privs, 0);
        container_meta_done(&m);
}
END_TEST

START_TEST(test_runc_bundle_in_root) {
        _cleanup_close_ int fd = open_root();
        CgroupContainer c = { .match = CGROUP_MATCH_ID, .runtime = RUNTIME_RUNC, .id = RUNC_ID };
        CgroupContainer evil = { .match = CGROUP_MATCH_ID, .runtime = RUNTIME_RUNC, .id = "evil" };
        ContainerMeta m;
        int err = 0;

        ck_assert_int_eq(container_meta_load(fd, &c, &m, &err), 0);
        ck_assert(m.has_declared);
        ck_assert_uint_eq(m.declared.mask[CAP_SET_EFFECTIVE], 0x20000420ULL);
        ck_assert_int_gt(m.runtime_init_pid, 0);
        container_meta_done(&m);

        /* the symlinked bundle points outside root, where a config.json exists: not read */
        ck_assert_int_eq(container_meta_load(fd, &evil, &m, &err), -ENOENT);
        ck_assert(!m.has_declared);
        ck_assert_ptr_null(m.k8s_namespace);
        container_meta_done(&m);
}
END_TEST

START_TEST(test_crun) {
        _cleanup_close_ int fd = open_root();
        CgroupContainer c = { .match = CGROUP_MATCH_ID, .runtime = RUNTIME_CRUN, .id = CRUN_ID };
        ContainerMeta m;
        int err = 1;

        ck_assert_int_eq(container_meta_load(fd, &c, &m, &err), 0);
        ck_assert_int_eq(err, 0);
        ck_assert(m.has_declared);
        ck_assert_uint_eq(m.declared.mask[CAP_SET_BOUNDING], 0x20000420ULL);
        ck_assert_uint_eq(m.declared.mask[CAP_SET_EFFECTIVE], 0x20000420ULL);
        ck_assert_int_eq(m.declared_no_new_privs, 1);
        ck_assert(!m.declared_seccomp); /* crun spec has no profile */
        ck_assert_ptr_null(m.k8s_namespace);
        container_meta_done(&m);
}
END_TEST

START_TEST(test_known_config) {
        /* the daemon has read the state already and says where the config is */
        _cleanup_close_ int fd = open_root();
        CgroupContainer c = { .match = CGROUP_MATCH_CERTAIN, .runtime = RUNTIME_RUNC, .id = RUNC_ID };
        CgroupContainer cr = { .match = CGROUP_MATCH_CERTAIN, .runtime = RUNTIME_CRUN, .id = CRUN_ID };
        ContainerMeta m;
        int err = 1;

        ck_assert_int_eq(container_meta_load_bundle(fd, &c, "/run/capguard-test-stack/runc/" RUNC_ID, &m, &err), 0);
        ck_assert_int_eq(err, 0);
        ck_assert(m.has_declared);
        ck_assert_uint_eq(m.declared.mask[CAP_SET_EFFECTIVE], 0x20000420ULL);
        ck_assert_int_eq(m.runtime_init_pid, 0); /* no state read here */
        container_meta_done(&m);

        /* a bundle through a symlink that leaves root: not read */
        ck_assert_int_eq(container_meta_load_bundle(fd, &c, "/linked", &m, &err), -ENOENT);
        ck_assert_int_eq(err, -ENOENT);
        ck_assert(!m.has_declared);
        ck_assert_ptr_null(m.k8s_namespace);
        container_meta_done(&m);

        /* a state file that names no bundle, or a relative one: nothing known, nothing wrong */
        ck_assert_int_eq(container_meta_load_bundle(fd, &c, NULL, &m, &err), 0);
        ck_assert(!m.has_declared);
        ck_assert_int_eq(m.declared_no_new_privs, -1);
        ck_assert_int_eq(m.declared_uid, -1);
        container_meta_done(&m);
        ck_assert_int_eq(container_meta_load_bundle(fd, &c, "run/capguard-test-stack/runc/" RUNC_ID, &m, NULL), 0);
        ck_assert(!m.has_declared);
        container_meta_done(&m);

        ck_assert_int_eq(container_meta_load_state_dir(fd, &cr, "/run/crun/" CRUN_ID, &m, &err), 0);
        ck_assert(m.has_declared);
        ck_assert_uint_eq(m.declared.mask[CAP_SET_BOUNDING], 0x20000420ULL);
        ck_assert_int_eq(m.declared_no_new_privs, 1);
        container_meta_done(&m);
        ck_assert_int_eq(container_meta_load_state_dir(fd, &cr, "/run/crun/linkcfg", &m, &err), -ELOOP);
        ck_assert(!m.has_declared);
        container_meta_done(&m);
}
END_TEST

START_TEST(test_missing) {
        _cleanup_close_ int fd = open_root();
        CgroupContainer c = { .match = CGROUP_MATCH_NS_ID, .runtime = RUNTIME_CONTAINERD, .id = "gone", .ns = "default" };
        CgroupContainer k = { .match = CGROUP_MATCH_KUBEPODS, .runtime = _RUNTIME_INVALID, .id = "x" };
        ContainerMeta m;

        ck_assert_int_eq(container_meta_load(fd, &c, &m, NULL), -ENOENT);
        ck_assert_ptr_null(m.image);
        container_meta_done(&m);
        ck_assert_int_eq(container_meta_load(fd, &k, &m, NULL), -ENOENT);
        container_meta_done(&m);
}
END_TEST

START_TEST(test_docker_config_parse) {
        DockerConfig d;
        size_t len;
        _cleanup_free_ char *plain = fixture_read("docker-config/plain.config.v2.json", &len);
        static const char evil[] =
                "{\"Name\":\"/web\\nCAPGUARD_RULE=forged\",\"Config\":{\"Image\":\"a\\u001b[31mb\",\"Labels\":"
                "{\"io.kubernetes.pod.namespace\":\"ns\\r\\nX=1\"}}}";

        ck_assert_int_eq(docker_config_parse(plain, len, &d), 0);
        ck_assert_str_eq(d.name, "capguard-fx-plain");
        ck_assert_ptr_null(d.k8s_namespace);
        ck_assert(!d.sanitized);
        docker_config_done(&d);

        /* nothing a container's owner writes can put a newline or escape into our output */
        ck_assert_int_eq(docker_config_parse(evil, sizeof evil - 1, &d), 0);
        ck_assert(d.sanitized);
        ck_assert_ptr_null(strpbrk(d.name, "\n\r\x1b"));
        ck_assert_ptr_null(strpbrk(d.image, "\n\r\x1b"));
        ck_assert_ptr_null(strpbrk(d.k8s_namespace, "\n\r\x1b"));
        docker_config_done(&d);

        ck_assert_int_eq(docker_config_parse("[]", 2, &d), -EBADMSG);
        ck_assert_int_eq(docker_config_parse("{\"Name\":5}", 10, &d), -EBADMSG);
        ck_assert_int_eq(docker_config_parse("{\"Config\":[]}", 13, &d), -EBADMSG);
        ck_assert_int_eq(docker_config_parse("{", 1, &d), -EBADMSG);
        ck_assert_int_eq(docker_config_parse("", 0, &d), -EBADMSG);
}
END_TEST

START_TEST(test_pidfile) {
        pid_t pid = 0;

        ck_assert_int_eq(pidfile_parse("1234\n", 5, &pid), 0);
        ck_assert_int_eq(pid, 1234);
        ck_assert_int_eq(pidfile_parse("1234", 4, &pid), 0);
        ck_assert_int_eq(pidfile_parse("", 0, &pid), -EBADMSG);
        ck_assert_int_eq(pidfile_parse("0\n", 2, &pid), -EBADMSG);
        ck_assert_int_eq(pidfile_parse("-1\n", 3, &pid), -EBADMSG);
        ck_assert_int_eq(pidfile_parse("12 34\n", 6, &pid), -EBADMSG);
        ck_assert_int_eq(pidfile_parse("99999999999\n", 12, &pid), -EBADMSG);
        /* a pid file naming a process that is not capguardd is not signalled */
        {
                char path[] = "/tmp/capguard-pid-XXXXXX";
                int fd = mkstemp(path);
                char text[16];

                ck_assert_int_ge(fd, 0);
                (void) snprintf(text, sizeof text, "%d\n", (int) getpid());
                ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t) strlen(text));
                close(fd);
                ck_assert_int_eq(daemon_signal(path, 0, &pid), -ESRCH);
                unlink(path);
                ck_assert_int_eq(daemon_signal(path, 0, &pid), -ESRCH);
        }
}
END_TEST

int main(void) {
        Suite *s = suite_create("container-meta");
        TCase *tc = tcase_create("meta");
        int r;

        tcase_add_unchecked_fixture(tc, setup, NULL);
        tcase_add_test(tc, test_containerd_k8s);
        tcase_add_test(tc, test_docker);
        tcase_add_test(tc, test_runc_bundle_in_root);
        tcase_add_test(tc, test_crun);
        tcase_add_test(tc, test_known_config);
        tcase_add_test(tc, test_missing);
        tcase_add_test(tc, test_docker_config_parse);
        tcase_add_test(tc, test_pidfile);
        suite_add_tcase(s, tc);
        r = run_suite(s);
        teardown();
        return r;
}
