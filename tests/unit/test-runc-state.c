/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <libgen.h>
#include <linux/capability.h>
#include <time.h>

#include "capguard/oci-config.h"
#include "capguard/runc-state.h"
#include "check-util.h"

static void ck_same_init(const RuncState *init, const RuncState *full) {
        ck_assert_str_eq(init->id, full->id);
        ck_assert_int_eq(init->init_pid, full->init_pid);
        ck_assert_uint_eq(init->init_start, full->init_start);
        ck_assert_int_eq(init->created_usec, full->created_usec);
        ck_assert_pstr_eq(init->bundle, full->bundle);
        ck_assert_int_eq(init->engine, full->engine);
        /* the sets left alone */
        ck_assert(!init->has_caps);
        for (CapSet c = 0; c < _CAP_SET_MAX; c++)
                ck_assert_uint_eq(init->caps.mask[c], 0);
        ck_assert_uint_eq(init->unknown_caps.n, 0);
        ck_assert_int_eq(init->no_new_privs, 0);
}

/* The whole state, and each time what RUNC_STATE_INIT makes of the same text: whatever the
 * whole parse accepts, the init's parse accepts with the same identity. */
static int parse(const char *json, RuncState *ret) {
        _cleanup_runc_state_ RuncState init = {};
        int r = runc_state_parse(json, strlen(json), RUNC_STATE_SETS, ret);

        if (r >= 0) {
                ck_assert_msg(runc_state_parse(json, strlen(json), RUNC_STATE_INIT, &init) == 0, "init refused: %s", json);
                ck_same_init(&init, ret);
        }
        return r;
}

static void parse_ok(const char *json, RuncState *ret) {
        int r = parse(json, ret);

        ck_assert_msg(r == 0, "refused (%d): %s", r, json);
}

static int64_t usec_of(int year, int mon, int day, int h, int m, int s, int usec) {
        struct tm tm = { .tm_year = year - 1900, .tm_mon = mon - 1, .tm_mday = day, .tm_hour = h, .tm_min = m, .tm_sec = s };

        return (int64_t) timegm(&tm) * 1000000 + usec;
}

static void check_fixture(const char *case_dir) {
        _cleanup_runc_state_ RuncState s = {};
        _cleanup_oci_config_ OciConfig c = {};
        _cleanup_free_ char *id = NULL, *pid = NULL, *bundle = NULL, *config_src = NULL, *captured = NULL;
        _cleanup_free_ char *config = NULL;
        char path[512];
        size_t len;
        int dir_fd, r;
        int64_t captured_usec;

        (void) snprintf(path, sizeof path, "%s/%s/state.json", FIXTURES_DIR, case_dir);
        if (access(path, R_OK) < 0)
                return;

        dir_fd = open(FIXTURES_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ck_assert_int_ge(dir_fd, 0);
        (void) snprintf(path, sizeof path, "%s/state.json", case_dir);
        r = runc_state_read_at(dir_fd, path, RUNC_STATE_SETS, &s);
        ck_assert_msg(r == 0, "%s refused: %d", path, r);
        {
                _cleanup_runc_state_ RuncState init = {};

                ck_assert_int_eq(runc_state_read_at(dir_fd, path, RUNC_STATE_INIT, &init), 0);
                ck_same_init(&init, &s);
        }
        close(dir_fd);

        id = fixture_meta(case_dir, "container_id");
        pid = fixture_meta(case_dir, "init_pid");
        ck_assert_ptr_nonnull(id);
        ck_assert_ptr_nonnull(pid);
        ck_assert_str_eq(s.id, id);
        ck_assert_int_eq(s.init_pid, atoi(pid));
        ck_assert_uint_gt(s.init_start, 0);

        /* the bundle: meta says for standalone runc, else it is where config.json came from */
        bundle = fixture_meta(case_dir, "bundle");
        if (!bundle) {
                config_src = fixture_meta(case_dir, "source_config_json");
                ck_assert_ptr_nonnull(config_src);
                bundle = strdup(dirname(config_src));
        }
        ck_assert_ptr_nonnull(s.bundle);
        ck_assert_str_eq(s.bundle, bundle);

        /* created moments before capture */
        captured = fixture_meta(case_dir, "captured");
        ck_assert_ptr_nonnull(captured);
        {
                int y, mo, d, h, mi, se;

                ck_assert_int_eq(sscanf(captured, "%d-%d-%dT%d:%d:%dZ", &y, &mo, &d, &h, &mi, &se), 6);
                captured_usec = usec_of(y, mo, d, h, mi, se, 0);
        }
        ck_assert_msg(s.created_usec <= captured_usec + 1000000 && s.created_usec > captured_usec - 60 * 1000000,
                      "%s: created %lld, captured %s", case_dir, (long long) s.created_usec, captured);

        /* runc's copy of the sets is the spec's */
        (void) snprintf(path, sizeof path, "%s/config.json", case_dir);
        config = fixture_read(path, &len);
        ck_assert_int_eq(oci_config_parse(config, len, _RUNTIME_INVALID, &c), 0);
        ck_assert(s.has_caps);
        ck_assert_msg(memcmp(&s.caps, &c.caps, sizeof s.caps) == 0, "%s: sets differ from config.json", case_dir);
        ck_assert_int_eq(s.no_new_privs, c.no_new_privs);
        ck_assert_uint_eq(s.unknown_caps.n, 0);
}

START_TEST(test_fixtures) {
        ck_assert_uint_ge(fixture_foreach(check_fixture), 7);
}
END_TEST

START_TEST(test_k8s_default) {
        _cleanup_runc_state_ RuncState s = {};
        _cleanup_free_ char *text = NULL;
        size_t len;

        text = fixture_read("containerd-k8s-default/state.json", &len);
        ck_assert_int_eq(runc_state_parse(text, len, RUNC_STATE_SETS, &s), 0);
        ck_assert_str_eq(s.id, "capguard-fx-k8s-default");
        ck_assert_int_eq(s.init_pid, 25831);
        ck_assert_uint_eq(s.init_start, 183880);
        /* "2026-11-28T12:25:20.711705504Z", nanoseconds cut to microseconds */
        ck_assert_int_eq(s.created_usec, usec_of(2026, 11, 28, 12, 25, 20, 711705));
        /* the annotations are labels too; the bundle is the last one */
        ck_assert_str_eq(s.bundle, "/run/containerd/io.containerd.runtime.v2.task/k8s.io/capguard-fx-k8s-default");
        ck_assert(s.has_caps);
        ck_assert_uint_eq(s.caps.mask[CAP_SET_BOUNDING], 0xa80425fbULL);
        ck_assert_uint_eq(s.caps.mask[CAP_SET_EFFECTIVE], 0xa80425fbULL);
        ck_assert_uint_eq(s.caps.mask[CAP_SET_PERMITTED], 0xa80425fbULL);
        ck_assert_uint_eq(s.caps.mask[CAP_SET_INHERITABLE], 0);   /* null in the file */
        ck_assert_uint_eq(s.caps.mask[CAP_SET_AMBIENT], 0);       /* null in the file */
        ck_assert_int_eq(s.no_new_privs, 1);
}
END_TEST

START_TEST(test_declared_sets) {
        _cleanup_runc_state_ RuncState runc = {}, restricted = {}, docker = {};
        _cleanup_free_ char *a = NULL, *b = NULL, *d = NULL;
        size_t la, lb, ld;

        /* declared ambient; the kernel kept none (no inheritable): status says CapAmb 0 */
        a = fixture_read("runc-default/state.json", &la);
        ck_assert_int_eq(runc_state_parse(a, la, RUNC_STATE_SETS, &runc), 0);
        ck_assert_uint_eq(runc.caps.mask[CAP_SET_AMBIENT], 0x20000420ULL);
        ck_assert_uint_eq(runc.caps.mask[CAP_SET_BOUNDING], 0x20000420ULL);

        b = fixture_read("docker-restricted/state.json", &lb);
        ck_assert_int_eq(runc_state_parse(b, lb, RUNC_STATE_SETS, &restricted), 0);
        ck_assert_uint_eq(restricted.caps.mask[CAP_SET_BOUNDING], cap_bit(CAP_NET_BIND_SERVICE));
        ck_assert_uint_eq(restricted.caps.mask[CAP_SET_EFFECTIVE], 0);
        ck_assert_int_eq(restricted.no_new_privs, 1);

        /* Docker without --security-opt no-new-privileges: runc omits the key */
        d = fixture_read("docker-default/state.json", &ld);
        ck_assert_int_eq(runc_state_parse(d, ld, RUNC_STATE_SETS, &docker), 0);
        ck_assert_int_eq(docker.no_new_privs, 0);
        ck_assert_uint_eq(docker.caps.mask[CAP_SET_EFFECTIVE], 0xa80425fbULL);
}
END_TEST

#define STATE(id, pid, start, created, config)                          \
        "{\"id\":" id ",\"init_process_pid\":" pid ",\"init_process_start\":" start \
        ",\"created\":" created ",\"config\":" config "}"
#define STATE_CONFIG(config) STATE("\"c1\"", "4242", "183880", "\"2026-11-28T12:25:20.711705504Z\"", config)
#define STATE_LABELS(labels) STATE_CONFIG("{\"labels\":" labels "}")

START_TEST(test_bundle) {
        static const struct {
                const char *json, *bundle;
        } cases[] = {
                { STATE_LABELS("[\"bundle=/run/b\"]"), "/run/b" },
                /* an annotation named "bundle" is an earlier label: runc's own comes last */
                { STATE_LABELS("[\"bundle=/forged\",\"a=b\",\"bundle=/real\"]"), "/real" },
                { STATE_LABELS("[\"bundle=/forged\"" ",\"a=b\"]"), NULL },
                { STATE_LABELS("[\"bundle=/real\",null]"), NULL },
                { STATE_LABELS("[]"), NULL },
                { STATE_LABELS("null"), NULL },
                { STATE_CONFIG("{}"), NULL },
                { STATE_LABELS("[\"bundle\"]"), NULL },
                { STATE_LABELS("[\"bundlex=/a\"]"), NULL },
                { STATE_LABELS("[\"bundle=/a=b c\"]"), "/a=b c" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_runc_state_ RuncState s = {};

                parse_ok(cases[i].json, &s);
                if (cases[i].bundle)
                        ck_assert_msg(s.bundle && streq(s.bundle, cases[i].bundle), "case %zu: %s", i, strna(s.bundle));
                else
                        ck_assert_msg(!s.bundle, "case %zu: %s", i, s.bundle);
        }
}
END_TEST

#define STATE_CGROUPS(paths)                                                                   \
        "{\"id\":\"c1\",\"init_process_pid\":4242,\"init_process_start\":183880,"                   \
        "\"created\":\"2026-11-28T12:25:20.711705504Z\",\"config\":{},\"cgroup_paths\":" paths "}"

START_TEST(test_engine) {
        static const struct {
                const char *json;
                Runtime engine;
        } cases[] = {
                /* CRI-O and podman under the systemd driver, Docker */
                { STATE_CGROUPS("{\"\":\"/sys/fs/cgroup/kubepods.slice/kubepods-pod1.slice/crio-c1.scope\"}"), RUNTIME_CRIO },
                { STATE_CGROUPS("{\"pids\":\"/sys/fs/cgroup/pids/machine.slice/libpod-c1.scope\","
                                "\"\":\"/sys/fs/cgroup/unified/machine.slice/libpod-c1.scope\"}"), RUNTIME_PODMAN },
                { STATE_CGROUPS("{\"\":\"/sys/fs/cgroup/system.slice/docker-c1.scope\"}"), RUNTIME_DOCKER },
                /* CRI-O's monitor is not the container; another id's cgroup is not this one's */
                { STATE_CGROUPS("{\"\":\"/sys/fs/cgroup/system.slice/crio-conmon-c1.scope\"}"), _RUNTIME_INVALID },
                { STATE_CGROUPS("{\"\":\"/sys/fs/cgroup/system.slice/crio-c2.scope\"}"), _RUNTIME_INVALID },
                { STATE_CGROUPS("{\"memory\":\"/sys/fs/cgroup/memory/docker/"
                                "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"}"), _RUNTIME_INVALID },
                /* runc's own layouts name no engine */
                { STATE_CGROUPS("{\"\":\"/sys/fs/cgroup/c1\"}"), _RUNTIME_INVALID },
                { STATE_CGROUPS("{\"\":\"relative/crio-c1.scope\",\"pids\":\"/sys/fs/cgroup/pids/crio-c1.scope\"}"), RUNTIME_CRIO },
                { STATE_CGROUPS("{}"), _RUNTIME_INVALID },
                { STATE_CGROUPS("null"), _RUNTIME_INVALID },
                { STATE_CONFIG("{}"), _RUNTIME_INVALID },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_runc_state_ RuncState s = {};

                parse_ok(cases[i].json, &s);
                ck_assert_msg(s.engine == cases[i].engine, "case %zu: %d", i, s.engine);
        }

        /* a path that is not a string is not runc's */
        {
                _cleanup_runc_state_ RuncState s = {};

                ck_assert_int_eq(parse(STATE_CGROUPS("{\"\":42}"), &s), -EBADMSG);
                ck_assert_int_eq(parse(STATE_CGROUPS("[\"/crio-c1.scope\"]"), &s), -EBADMSG);
        }
}
END_TEST

START_TEST(test_created) {
        static const struct {
                const char *created;
                int64_t usec;
        } good[] = {
                { "\"2026-11-28T12:25:20Z\"", 0 },
                { "\"2026-11-28T12:25:20.5Z\"", 500000 },
                { "\"2026-11-28T12:25:20.000001Z\"", 1 },
                { "\"2026-11-28T12:25:20.9999999Z\"", 999999 },
                { "\"2026-11-28T13:25:20+01:00\"", 0 },
                { "\"2026-11-28T11:55:20-00:30\"", 0 },
        };
        static const char *const bad[] = {
                "\"\"", "\"2026-11-28\"", "\"2026-11-28T12:25:20\"", "\"2026-11-28 12:25:20Z\"",
                "\"2026-11-28T12:25:20z\"", "\"2026-11-28T12:25:20.Z\"", "\"2026-11-28T12:25:20.1234567890Z\"",
                "\"2026-02-30T12:25:20Z\"", "\"2026-13-01T12:25:20Z\"", "\"2026-11-28T24:00:00Z\"",
                "\"2026-11-28T23:59:60Z\"", "\"2026-11-28T12:25:20+1:00\"", "\"2026-11-28T12:25:20+24:00\"",
                "\"2026-11-28T12:25:20Z \"", "\"+2026-11-28T12:25:20Z\"", "\"2026-11-28T12:25:20\\u0000Z\"",
                "1764332720", "null", "{}",
        };

        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                _cleanup_runc_state_ RuncState s = {};
                _cleanup_free_ char *json = NULL;

                ck_assert_int_ne(asprintf(&json, STATE("\"c1\"", "1", "1", "%s", "{}"), good[i].created), -1);
                parse_ok(json, &s);
                ck_assert_msg(s.created_usec == usec_of(2026, 11, 28, 12, 25, 20, (int) good[i].usec),
                              "case %zu: %lld", i, (long long) s.created_usec);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_free_ char *json = NULL;
                RuncState s;

                ck_assert_int_ne(asprintf(&json, STATE("\"c1\"", "1", "1", "%s", "{}"), bad[i]), -1);
                ck_assert_msg(parse(json, &s) == -EBADMSG, "case %zu accepted: %s", i, bad[i]);
        }
}
END_TEST

START_TEST(test_bad) {
        static const char *const cases[] = {
                /* missing what runc always writes */
                "{}",
                "{\"init_process_pid\":1,\"init_process_start\":1,\"created\":\"2026-11-28T12:25:20Z\",\"config\":{}}",
                "{\"id\":\"c1\",\"init_process_start\":1,\"created\":\"2026-11-28T12:25:20Z\",\"config\":{}}",
                "{\"id\":\"c1\",\"init_process_pid\":1,\"created\":\"2026-11-28T12:25:20Z\",\"config\":{}}",
                "{\"id\":\"c1\",\"init_process_pid\":1,\"init_process_start\":1,\"config\":{}}",
                "{\"id\":\"c1\",\"init_process_pid\":1,\"init_process_start\":1,\"created\":\"2026-11-28T12:25:20Z\"}",
                /* ids nothing else would accept */
                STATE("\"\"", "1", "1", "\"2026-11-28T12:25:20Z\"", "{}"),
                STATE("\"../../etc\"", "1", "1", "\"2026-11-28T12:25:20Z\"", "{}"),
                STATE("\"a/b\"", "1", "1", "\"2026-11-28T12:25:20Z\"", "{}"),
                STATE("\".hidden\"", "1", "1", "\"2026-11-28T12:25:20Z\"", "{}"),
                STATE("\"a+b\"", "1", "1", "\"2026-11-28T12:25:20Z\"", "{}"),
                STATE("\"c1\\n\"", "1", "1", "\"2026-11-28T12:25:20Z\"", "{}"),
                STATE("\"c1\\u0000x\"", "1", "1", "\"2026-11-28T12:25:20Z\"", "{}"),
                STATE("\"0123456789012345678901234567890123456789012345678901234567890123456789012345x\"",
                      "1", "1", "\"2026-11-28T12:25:20Z\"", "{}"),
                STATE("7", "1", "1", "\"2026-11-28T12:25:20Z\"", "{}"),
                STATE("null", "1", "1", "\"2026-11-28T12:25:20Z\"", "{}"),
                /* pids and start times */
                STATE("\"c1\"", "0", "1", "\"2026-11-28T12:25:20Z\"", "{}"),
                STATE("\"c1\"", "-1", "1", "\"2026-11-28T12:25:20Z\"", "{}"),
                STATE("\"c1\"", "2147483648", "1", "\"2026-11-28T12:25:20Z\"", "{}"),
                STATE("\"c1\"", "1.0", "1", "\"2026-11-28T12:25:20Z\"", "{}"),
                STATE("\"c1\"", "\"1\"", "1", "\"2026-11-28T12:25:20Z\"", "{}"),
                STATE("\"c1\"", "1", "-1", "\"2026-11-28T12:25:20Z\"", "{}"),
                STATE("\"c1\"", "1", "1.5", "\"2026-11-28T12:25:20Z\"", "{}"),
                STATE("\"c1\"", "1", "9223372036854775807", "\"2026-11-28T12:25:20Z\"", "{}"),
                STATE("\"c1\"", "1", "18446744073709551616", "\"2026-11-28T12:25:20Z\"", "{}"),
                STATE("\"c1\"", "1", "Infinity", "\"2026-11-28T12:25:20Z\"", "{}"),
                /* config */
                STATE_CONFIG("[]"),
                STATE_CONFIG("null"),
                STATE_CONFIG("{\"capabilities\":[]}"),
                STATE_CONFIG("{\"capabilities\":{\"Bounding\":\"CAP_SYS_ADMIN\"}}"),
                STATE_CONFIG("{\"capabilities\":{\"Effective\":[1]}}"),
                STATE_CONFIG("{\"no_new_privileges\":1}"),
                STATE_CONFIG("{\"no_new_privileges\":\"false\"}"),
                STATE_LABELS("\"bundle=/a\""),
                STATE_LABELS("[\"bundle=/a\",7]"),
                STATE_LABELS("[\"a=b\",{}]"),
                /* the bundle is a path: refused, not cleaned */
                STATE_LABELS("[\"bundle=relative/dir\"]"),
                STATE_LABELS("[\"bundle=\"]"),
                STATE_LABELS("[\"bundle=/a\\nb\"]"),
                STATE_LABELS("[\"bundle=/a\\u0000b\"]"),
                STATE_LABELS("[\"bundle=/a\\u001b[2J\"]"),
                /* not a state file */
                "", "[]", "null", "{\"id\":\"c1\"", "{\"process\":{}}",
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                RuncState s = { .init_pid = -7 };

                ck_assert_msg(parse(cases[i], &s) == -EBADMSG, "case %zu accepted: %s", i, cases[i]);
                ck_assert_int_eq(s.init_pid, -7); /* untouched */
        }
}
END_TEST

START_TEST(test_limits) {
        _cleanup_runc_state_ RuncState a = {}, b = {};

        parse_ok(STATE("\"0123456789012345678901234567890123456789012345678901234567890123456789012345\"",
                       "2147483647", "9223372036854775806", "\"0001-01-01T00:00:00Z\"", "{}"), &a);
        ck_assert_uint_eq(strlen(a.id), CONTAINER_ID_MAX);
        ck_assert_int_eq(a.init_pid, 2147483647);
        ck_assert_uint_eq(a.init_start, UINT64_C(9223372036854775806));
        ck_assert_int_lt(a.created_usec, 0);    /* Go's zero time */

        parse_ok(STATE("\"c1\"", "1", "0", "\"9999-12-31T23:59:59.999999999Z\"", "{\"capabilities\":null}"), &b);
        ck_assert_uint_eq(b.init_start, 0);
        ck_assert(!b.has_caps);
}
END_TEST

START_TEST(test_caps) {
        _cleanup_runc_state_ RuncState s = {};
        /* Go matches field names regardless of case: runc would read these, so they are not
         * silently skipped */
        static const char *const refused[] = {
                STATE_CONFIG("{\"capabilities\":{\"Bounding\":[\"CAP_KILL\"],\"bounding\":[\"CAP_SYS_ADMIN\"]}}"),
                STATE_CONFIG("{\"capabilities\":{\"BOUNDING\":[\"CAP_SYS_ADMIN\"]}}"),
                STATE_CONFIG("{\"Capabilities\":{}}"),
                STATE_CONFIG("{\"no_new_privileges\":false,\"No_New_Privileges\":true}"),
                STATE_LABELS("[]" ",\"Labels\":[\"bundle=/forged\"]"),
        };

        /* runc's keys are Go's field names */
        parse_ok(STATE_CONFIG("{\"capabilities\":{\"Bounding\":[\"CAP_KILL\",\"CAP_LATER\"],\"Effective\":null,"
                              "\"Ambient\":[]},\"no_new_privileges\":true}"), &s);
        ck_assert(s.has_caps);
        ck_assert_uint_eq(s.caps.mask[CAP_SET_BOUNDING], cap_bit(CAP_KILL));
        ck_assert_uint_eq(s.caps.mask[CAP_SET_EFFECTIVE], 0);
        ck_assert_uint_eq(s.unknown_caps.n, 1);
        ck_assert_str_eq(s.unknown_caps.names[0], "CAP_LATER");
        ck_assert_int_eq(s.no_new_privs, 1);

        for (size_t i = 0; i < ELEMENTSOF(refused); i++) {
                RuncState t;

                ck_assert_msg(parse(refused[i], &t) == -EBADMSG, "case %zu accepted: %s", i, refused[i]);
        }
}
END_TEST

START_TEST(test_init_only) {
        /* the sets are neither read nor checked: what is wrong only there does not matter */
        static const char *const sets_only[] = {
                STATE_CONFIG("{\"capabilities\":{\"Bounding\":[\"CAP_KILL\"],\"bounding\":[\"CAP_SYS_ADMIN\"]}}"),
                STATE_CONFIG("{\"capabilities\":{\"Bounding\":\"CAP_KILL\"}}"),
                STATE_CONFIG("{\"capabilities\":[],\"no_new_privileges\":\"yes\"}"),
                STATE_CONFIG("{\"Capabilities\":{}}"),
        };
        /* what names the container and its bundle is checked all the same */
        static const char *const refused[] = {
                STATE_LABELS("[]" ",\"Labels\":[\"bundle=/forged\"]"),
                STATE("\"c1\"", "1", "0", "\"not a time\"", "{}"),
                STATE("\"c1\"", "0", "0", "\"0001-01-01T00:00:00Z\"", "{}"),
        };

        for (size_t i = 0; i < ELEMENTSOF(sets_only); i++) {
                _cleanup_runc_state_ RuncState init = {};
                RuncState t;

                ck_assert_msg(parse(sets_only[i], &t) == -EBADMSG, "case %zu accepted whole: %s", i, sets_only[i]);
                ck_assert_msg(runc_state_parse(sets_only[i], strlen(sets_only[i]), RUNC_STATE_INIT, &init) == 0,
                              "case %zu refused: %s", i, sets_only[i]);
                ck_assert_str_eq(init.id, "c1");
                ck_assert(!init.has_caps);
        }
        for (size_t i = 0; i < ELEMENTSOF(refused); i++) {
                RuncState t;

                ck_assert_msg(runc_state_parse(refused[i], strlen(refused[i]), RUNC_STATE_INIT, &t) == -EBADMSG,
                              "case %zu accepted: %s", i, refused[i]);
        }
        /* no parts but those */
        {
                RuncState t;

                ck_assert_int_eq(runc_state_parse(sets_only[0], strlen(sets_only[0]), 1 << 5, &t), -EINVAL);
        }
}
END_TEST

static void check_prefixes(const char *case_dir) {
        _cleanup_runc_state_ RuncState full = {};
        _cleanup_free_ char *text = NULL;
        char path[512];
        size_t len, end;

        (void) snprintf(path, sizeof path, "%s/%s/state.json", FIXTURES_DIR, case_dir);
        if (access(path, R_OK) < 0)
                return;
        (void) snprintf(path, sizeof path, "%s/state.json", case_dir);
        text = fixture_read(path, &len);
        ck_assert_int_eq(runc_state_parse(text, len, RUNC_STATE_SETS, &full), 0);
        for (end = len; end > 0 && strchr(" \t\r\n", text[end - 1]); end--)
                ;

        for (size_t n = 0; n < len; n++) {
                _cleanup_runc_state_ RuncState s = {};
                int r = runc_state_parse(text, n, RUNC_STATE_SETS, &s);

                if (n < end) {
                        ck_assert_msg(r == -EBADMSG, "%s: prefix %zu gave %d", path, n, r);
                        continue;
                }
                ck_assert_int_eq(r, 0);
                ck_assert_uint_eq(s.init_start, full.init_start);
        }
}

START_TEST(test_truncated) {
        fixture_foreach(check_prefixes);
}
END_TEST

START_TEST(test_nesting) {
        /* a deep array where runc writes none: refused before it costs anything */
        size_t n = 100000;
        _cleanup_free_ char *json = malloc(2 * n + 256);
        char *p = json;
        RuncState s;

        ck_assert_ptr_nonnull(json);
        p = stpcpy(p, "{\"id\":\"c1\",\"init_process_pid\":1,\"init_process_start\":1,"
                      "\"created\":\"2026-11-28T12:25:20Z\",\"config\":{\"mounts\":");
        memset(p, '[', n);
        p += n;
        memset(p, ']', n);
        p += n;
        strcpy(p, "}}");
        ck_assert_int_eq(parse(json, &s), -EBADMSG);
}
END_TEST

static Suite *suite(void) {
        Suite *s = suite_create("runc-state");
        TCase *tc = tcase_create("parse");

        tcase_add_test(tc, test_fixtures);
        tcase_add_test(tc, test_k8s_default);
        tcase_add_test(tc, test_declared_sets);
        tcase_add_test(tc, test_bundle);
        tcase_add_test(tc, test_engine);
        tcase_add_test(tc, test_created);
        tcase_add_test(tc, test_bad);
        tcase_add_test(tc, test_limits);
        tcase_add_test(tc, test_caps);
        tcase_add_test(tc, test_init_only);
        tcase_add_test(tc, test_truncated);
        tcase_add_test(tc, test_nesting);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return run_suite(suite());
}
