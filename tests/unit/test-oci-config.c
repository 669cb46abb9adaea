/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <linux/capability.h>

#include "capguard/oci-config.h"
#include "check-util.h"

static int parse(const char *json, Runtime runtime, OciConfig *ret) {
        return oci_config_parse(json, strlen(json), runtime, ret);
}

/* Parses json, which must succeed, into a config the caller frees. */
static void parse_ok(const char *json, Runtime runtime, OciConfig *ret) {
        int r = parse(json, runtime, ret);

        ck_assert_msg(r == 0, "refused (%d): %s", r, json);
}

static uint64_t meta_mask(const char *case_dir, const char *key) {
        _cleanup_free_ char *v = fixture_meta(case_dir, key);
        uint64_t m;

        ck_assert_msg(v, "%s: meta lacks %s", case_dir, key);
        ck_assert_int_eq(capability_mask_parse(v, &m), 0);
        return m;
}

static bool meta_has(const char *case_dir, const char *key) {
        _cleanup_free_ char *v = fixture_meta(case_dir, key);

        return v != NULL;
}

static void ck_str_eq_or_null(const char *got, const char *want, const char *what) {
        if (!want)
                ck_assert_msg(!got, "%s: got \"%s\", want none", what, got);
        else
                ck_assert_msg(got && streq(got, want), "%s: got \"%s\", want \"%s\"", what, strna(got), want);
}

static void check_fixture(const char *case_dir) {
        _cleanup_oci_config_ OciConfig c = {};
        _cleanup_free_ char *runtime = NULL, *uid = NULL, *nnp = NULL, *seccomp = NULL;
        _cleanup_free_ char *k8s_ns = NULL, *k8s_pod = NULL, *k8s_container = NULL, *image = NULL;
        char path[512];
        int dir_fd, r;
        /* meta holds what /proc said. A case with final_cap_eff caught the init while it was
         * still the runtime's own process: only final_cap_eff describes the container. */
        bool transient = meta_has(case_dir, "final_cap_eff");

        (void) snprintf(path, sizeof path, "%s/%s/config.json", FIXTURES_DIR, case_dir);
        if (access(path, R_OK) < 0)
                return;

        runtime = fixture_meta(case_dir, "runtime");
        ck_assert_ptr_nonnull(runtime);
        dir_fd = open(FIXTURES_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ck_assert_int_ge(dir_fd, 0);
        (void) snprintf(path, sizeof path, "%s/config.json", case_dir);
        r = oci_config_read_at(dir_fd, path, runtime_from_string(runtime), &c);
        close(dir_fd);
        ck_assert_msg(r == 0, "%s refused: %d", path, r);

        ck_assert_msg(c.has_caps, "%s: no capabilities", case_dir);
        ck_assert_uint_eq(c.unknown_caps.n, 0);
        ck_assert(!c.sanitized);

        /* What the runtime was asked for is what the kernel shows for these sets. */
        if (transient)
                ck_assert_uint_eq(c.caps.mask[CAP_SET_EFFECTIVE], meta_mask(case_dir, "final_cap_eff"));
        else
                for (CapSet s = 0; s < _CAP_SET_MAX; s++)
                        if (s != CAP_SET_AMBIENT)
                                ck_assert_msg(c.caps.mask[s] == meta_mask(case_dir, capset_json_key(s)),
                                              "%s: %s", case_dir, capset_json_key(s));
        /* Ambient is what a runtime asks for, the kernel keeps only what is also permitted and
         * inheritable: never more than declared, maybe less (runc spec: declared, none kept). */
        ck_assert((meta_mask(case_dir, "cap_amb") & ~c.caps.mask[CAP_SET_AMBIENT]) == 0);

        uid = fixture_meta(case_dir, "uid");
        if (uid)
                ck_assert_uint_eq(c.uid, strtoul(uid, NULL, 10));
        nnp = fixture_meta(case_dir, "no_new_privs");
        if (nnp && !transient)
                ck_assert_int_eq(c.no_new_privs, atoi(nnp));
        /* Here a filter is there (2) exactly where the config has a profile: none of these
         * caught a parked init that had yet to load one. */
        seccomp = fixture_meta(case_dir, "seccomp");
        if (seccomp)
                ck_assert_msg(c.declared_seccomp == (atoi(seccomp) == 2), "%s: declared_seccomp", case_dir);

        ck_str_eq_or_null(c.argv0, "sleep", "argv0");
        ck_assert_ptr_nonnull(c.root_path);

        k8s_ns = fixture_meta(case_dir, "k8s_namespace");
        k8s_pod = fixture_meta(case_dir, "k8s_pod");
        k8s_container = fixture_meta(case_dir, "k8s_container");
        ck_str_eq_or_null(c.k8s_namespace, k8s_ns, "namespace");
        ck_str_eq_or_null(c.pod, k8s_pod, "pod");
        ck_str_eq_or_null(c.container, k8s_container, "container");
        if (k8s_ns) {
                image = fixture_meta(case_dir, "image");
                ck_str_eq_or_null(c.image, image, "image");
        }
        ck_assert(!c.sandbox);
}

START_TEST(test_fixtures) {
        ck_assert_uint_ge(fixture_foreach(check_fixture), 8);
}
END_TEST

START_TEST(test_k8s_default) {
        _cleanup_free_ char *text = NULL;
        size_t len;

        text = fixture_read("containerd-k8s-default/config.json", &len);

        {
                _cleanup_oci_config_ OciConfig c = {};

                ck_assert_int_eq(oci_config_parse(text, len, RUNTIME_CONTAINERD, &c), 0);
                ck_assert_str_eq(c.k8s_namespace, "team-a");
                ck_assert_str_eq(c.pod, "web-0");
                ck_assert_str_eq(c.container, "web");
                ck_assert_str_eq(c.image, "capguard.test/busybox:1");
                ck_assert(!c.sandbox);
                ck_assert_uint_eq(c.caps.mask[CAP_SET_BOUNDING], 0xa80425fbULL);
                ck_assert_uint_eq(c.caps.mask[CAP_SET_INHERITABLE], 0);
                ck_assert_uint_eq(c.caps.mask[CAP_SET_AMBIENT], 0);
                ck_assert_int_eq(c.no_new_privs, 1);
                ck_assert_str_eq(c.root_path, "rootfs");
        }
        {
                /* unknown runtime: no CRI-O keys in the file, so containerd's */
                _cleanup_oci_config_ OciConfig c = {};

                ck_assert_int_eq(oci_config_parse(text, len, _RUNTIME_INVALID, &c), 0);
                ck_assert_str_eq(c.k8s_namespace, "team-a");
                ck_assert_str_eq(c.pod, "web-0");
        }
        {
                /* on CRI-O, containerd's keys are anyone's */
                _cleanup_oci_config_ OciConfig c = {};

                ck_assert_int_eq(oci_config_parse(text, len, RUNTIME_CRIO, &c), 0);
                ck_assert_ptr_null(c.k8s_namespace);
                ck_assert_ptr_null(c.pod);
                ck_assert_ptr_null(c.container);
                ck_assert_ptr_null(c.image);
        }
}
END_TEST

START_TEST(test_declared_vs_actual) {
        /* The files hold the declared sets, which differ from the kernel's where the kernel
         * cannot honour them: runc spec's ambient set without inheritable stays empty. */
        _cleanup_oci_config_ OciConfig runc = {}, restricted = {}, priv = {};
        _cleanup_free_ char *a = NULL, *b = NULL, *d = NULL;
        size_t la, lb, ld;

        a = fixture_read("runc-default/config.json", &la);
        ck_assert_int_eq(oci_config_parse(a, la, RUNTIME_RUNC, &runc), 0);
        ck_assert_uint_eq(runc.caps.mask[CAP_SET_AMBIENT], 0x20000420ULL);
        ck_assert_uint_eq(runc.caps.mask[CAP_SET_INHERITABLE], 0);

        /* Docker leaves out the lists it empties: absent is empty */
        b = fixture_read("docker-restricted/config.json", &lb);
        ck_assert_int_eq(oci_config_parse(b, lb, RUNTIME_DOCKER, &restricted), 0);
        ck_assert(restricted.has_caps);
        ck_assert_uint_eq(restricted.caps.mask[CAP_SET_BOUNDING], cap_bit(CAP_NET_BIND_SERVICE));
        ck_assert_uint_eq(restricted.caps.mask[CAP_SET_EFFECTIVE], 0);
        ck_assert_uint_eq(restricted.caps.mask[CAP_SET_PERMITTED], 0);
        ck_assert_uint_eq(restricted.uid, 1000);
        ck_assert_uint_eq(restricted.gid, 0);
        ck_assert_int_eq(restricted.no_new_privs, 1);

        /* privileged: every capability the node has, named one by one (40 names) */
        d = fixture_read("containerd-privileged/config.json", &ld);
        ck_assert_int_eq(oci_config_parse(d, ld, RUNTIME_CONTAINERD, &priv), 0);
        ck_assert_uint_eq(priv.caps.mask[CAP_SET_BOUNDING], 0x1fffeffffffULL);
        ck_assert_ptr_null(priv.k8s_namespace);
}
END_TEST

#define CONFIG_WITH_ANNOTATIONS(a) "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"sh\"]},\"annotations\":{" a "}}"

START_TEST(test_sandbox) {
        static const struct {
                const char *json;
                Runtime runtime;
                bool sandbox;
        } cases[] = {
                { CONFIG_WITH_ANNOTATIONS("\"io.kubernetes.cri.container-type\":\"sandbox\""), RUNTIME_CONTAINERD, true },
                { CONFIG_WITH_ANNOTATIONS("\"io.kubernetes.cri.container-type\":\"container\""), RUNTIME_CONTAINERD, false },
                { CONFIG_WITH_ANNOTATIONS("\"io.kubernetes.cri-o.ContainerType\":\"sandbox\""), RUNTIME_CRIO, true },
                { CONFIG_WITH_ANNOTATIONS("\"io.kubernetes.cri-o.ContainerType\":\"sandbox\""), _RUNTIME_INVALID, true },
                { CONFIG_WITH_ANNOTATIONS("\"io.kubernetes.cri-o.ContainerType\":\"sandbox\""), RUNTIME_CONTAINERD, false },
                { CONFIG_WITH_ANNOTATIONS("\"io.kubernetes.cri.container-type\":\"Sandbox\""), RUNTIME_CONTAINERD, false },
                { CONFIG_WITH_ANNOTATIONS("\"io.kubernetes.cri.container-type\":\"sandbox\\n\""), RUNTIME_CONTAINERD, false },
                { CONFIG_WITH_ANNOTATIONS("\"io.kubernetes.cri.container-type\":\"sandbox\\u0000\""), RUNTIME_CONTAINERD, false },
                { CONFIG_WITH_ANNOTATIONS(""), RUNTIME_CONTAINERD, false },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_oci_config_ OciConfig c = {};

                parse_ok(cases[i].json, cases[i].runtime, &c);
                ck_assert_msg(c.sandbox == cases[i].sandbox, "case %zu", i);
        }
}
END_TEST

#define CRIO_ANNOTATIONS                                                \
        "\"io.kubernetes.pod.namespace\":\"team-b\","                   \
        "\"io.kubernetes.pod.name\":\"db-0\","                          \
        "\"io.kubernetes.container.name\":\"db\","                      \
        "\"io.kubernetes.cri-o.ImageName\":\"registry.test/x/db:2\","         \
        "\"io.kubernetes.cri-o.ContainerType\":\"container\""
/* what a pod could add on CRI-O, which copies a pod's annotations into the spec */
#define FORGED_CRI_ANNOTATIONS                                          \
        "\"io.kubernetes.cri.sandbox-namespace\":\"kube-system\","      \
        "\"io.kubernetes.cri.sandbox-name\":\"kube-apiserver\","        \
        "\"io.kubernetes.cri.container-type\":\"sandbox\""

START_TEST(test_crio) {
        static const char both[] = CONFIG_WITH_ANNOTATIONS(FORGED_CRI_ANNOTATIONS "," CRIO_ANNOTATIONS);
        static const Runtime believe_crio[] = { RUNTIME_CRIO, _RUNTIME_INVALID, RUNTIME_RUNC, RUNTIME_PODMAN };

        for (size_t i = 0; i < ELEMENTSOF(believe_crio); i++) {
                _cleanup_oci_config_ OciConfig c = {};

                parse_ok(both, believe_crio[i], &c);
                ck_assert_str_eq(c.k8s_namespace, "team-b");
                ck_assert_str_eq(c.pod, "db-0");
                ck_assert_str_eq(c.container, "db");
                ck_assert_str_eq(c.image, "registry.test/x/db:2");
                ck_assert(!c.sandbox);
        }

        {
                /* the caller knows it is containerd: its keys only */
                _cleanup_oci_config_ OciConfig c = {};

                parse_ok(both, RUNTIME_CONTAINERD, &c);
                ck_assert_str_eq(c.k8s_namespace, "kube-system");
                ck_assert_str_eq(c.pod, "kube-apiserver");
                ck_assert_ptr_null(c.container);
                ck_assert(c.sandbox);
        }
        {
                /* never mixed: one CRI-O key decides, the rest stays empty */
                _cleanup_oci_config_ OciConfig c = {};

                parse_ok(CONFIG_WITH_ANNOTATIONS(FORGED_CRI_ANNOTATIONS ",\"io.kubernetes.pod.name\":\"db-0\""),
                         _RUNTIME_INVALID, &c);
                ck_assert_ptr_null(c.k8s_namespace);
                ck_assert_str_eq(c.pod, "db-0");
                ck_assert(!c.sandbox);
        }
}
END_TEST

START_TEST(test_annotation_injection) {
        static const struct {
                const char *json_value, *want;
                bool sanitized;
        } cases[] = {
                { "team-a", "team-a", false },
                { "team-a\\nMESSAGE=forged", "team-a?MESSAGE=forged", true },
                { "team-a\\r\\n\\t", "team-a???", true },
                { "\\u001b[31mred\\u001b[0m", "?[31mred?[0m", true },
                { "a\\u007fb", "a?b", true },
                { "csi\\u009b2J", "csi?2J", true },                     /* C1 CSI */
                { "evil\\u202egnp.exe", "evil?gnp.exe", true },         /* right-to-left override */
                { "x\\u2066y\\u2069", "x?y?", true },
                { "line\\u2028sep", "line?sep", true },
                { "nul\\u0000byte", "nul?byte", true },
                { "caf\\u00e9 \\ud83d\\ude00", "caf\xc3\xa9 \xf0\x9f\x98\x80", false },  /* kept */
                { "lone\\ud800", "lone\xef\xbf\xbd", false },  /* json-c makes it U+FFFD */
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_oci_config_ OciConfig c = {};
                _cleanup_free_ char *json = NULL;

                ck_assert_int_ne(asprintf(&json, CONFIG_WITH_ANNOTATIONS("\"io.kubernetes.cri.sandbox-namespace\":\"%s\""),
                                          cases[i].json_value), -1);
                parse_ok(json, RUNTIME_CONTAINERD, &c);
                ck_assert_msg(streq(c.k8s_namespace, cases[i].want), "case %zu: \"%s\"", i, c.k8s_namespace);
                ck_assert_msg(c.sanitized == cases[i].sanitized, "case %zu", i);
        }
}
END_TEST

START_TEST(test_annotation_length) {
        _cleanup_free_ char *pod = malloc(1001), *image = malloc(1001), *json = NULL, *cut = NULL;
        _cleanup_oci_config_ OciConfig c = {};

        memset(pod, 'p', 1000);
        pod[1000] = '\0';
        memset(image, 'i', 1000);
        image[1000] = '\0';
        /* a two-byte character across the limit goes entirely */
        ck_assert_int_ne(asprintf(&cut, "%.*s\\u00e9", OCI_K8S_NAME_MAX - 1, pod), -1);

        ck_assert_int_ne(asprintf(&json, CONFIG_WITH_ANNOTATIONS(
                "\"io.kubernetes.cri.sandbox-name\":\"%s\","
                "\"io.kubernetes.cri.image-name\":\"%s\","
                "\"io.kubernetes.cri.container-name\":\"%s\","
                "\"io.kubernetes.cri.sandbox-namespace\":\"%.*s\""), pod, image, cut, OCI_K8S_NAME_MAX, pod), -1);
        parse_ok(json, RUNTIME_CONTAINERD, &c);

        ck_assert_uint_eq(strlen(c.pod), OCI_K8S_NAME_MAX);
        ck_assert_uint_eq(strlen(c.image), OCI_IMAGE_MAX);
        ck_assert_uint_eq(strlen(c.container), OCI_K8S_NAME_MAX - 1);
        ck_assert_uint_eq(strlen(c.k8s_namespace), OCI_K8S_NAME_MAX);   /* exactly the limit: kept */
        ck_assert(c.sanitized);
}
END_TEST

START_TEST(test_text_sanitize) {
        static const struct {
                const char *in;
                size_t len, max;
                const char *want;
                bool altered;
        } cases[] = {
                { "plain", 5, 64, "plain", false },
                { "", 0, 64, "", false },
                { "abc", 3, 0, "", true },
                { "abc", 3, 2, "ab", true },
                { "a\xff" "b", 3, 64, "a?b", true },                 /* not UTF-8 at all */
                { "\xc0\xaf", 2, 64, "??", true },                   /* overlong '/' */
                { "\xe0\x80\xaf", 3, 64, "???", true },              /* overlong, 3 bytes */
                { "\xed\xa0\x80", 3, 64, "???", true },              /* a surrogate */
                { "\xf4\x90\x80\x80", 4, 64, "????", true },         /* past U+10FFFF */
                { "\xe2\x82", 2, 64, "??", true },                   /* cut short */
                { "\xe2\x82\xac", 3, 64, "\xe2\x82\xac", false },    /* euro sign */
                { "\xe2\x82\xac", 3, 2, "", true },                  /* no half characters */
                { "\xc2\x85", 2, 64, "?", true },                    /* NEL, C1 */
                { "\xd8\x9c", 2, 64, "?", true },                    /* U+061C arabic letter mark */
                { "a\0b", 3, 64, "a?b", true },
                { "\t\n\v\f\r\x1b", 6, 64, "??????", true },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *out = NULL, *again = NULL;
                bool altered = !cases[i].altered, twice = true;

                out = oci_text_sanitize(cases[i].in, cases[i].len, cases[i].max, &altered);
                ck_assert_ptr_nonnull(out);
                ck_assert_msg(streq(out, cases[i].want), "case %zu: \"%s\"", i, out);
                ck_assert_msg(altered == cases[i].altered, "case %zu", i);

                /* what comes out passes unchanged */
                again = oci_text_sanitize(out, strlen(out), cases[i].max, &twice);
                ck_assert_str_eq(again, out);
                ck_assert(!twice);

                /* the same into a buffer of min(len, max) + 1, nothing written past it */
                {
                        size_t room = (cases[i].len < cases[i].max ? cases[i].len : cases[i].max) + 1;
                        char buf[256];

                        ck_assert_uint_lt(room, sizeof buf);
                        memset(buf, 'Z', sizeof buf);
                        altered = !cases[i].altered;
                        ck_assert_uint_eq(oci_text_sanitize_to(cases[i].in, cases[i].len, cases[i].max, buf, &altered),
                                          strlen(out));
                        ck_assert_str_eq(buf, out);
                        ck_assert(altered == cases[i].altered);
                        for (size_t j = room; j < sizeof buf; j++)
                                ck_assert_int_eq(buf[j], 'Z');
                }
        }
}
END_TEST

#define CONFIG_WITH_CAPS(caps) "{\"process\":{\"capabilities\":" caps "}}"

/* Capability sets read from the text, as capguardd reads a config's, and from json-c's tree:
 * the fast way where every name is a plain string, json-c's otherwise; the same either way. */
START_TEST(test_caps_text) {
        static const struct {
                const char *json;
                int r;
                uint64_t bounding;
                size_t n_unknown;
        } cases[] = {
                /* the fast way */
                { "{\"bounding\":[\"CAP_CHOWN\",\"CAP_KILL\"],\"effective\":null}", 0, 0x21, 0 },
                { "{ \"bounding\" : [ \"CAP_CHOWN\" , null , \"CAP_FUTURE\" ] , \"ambient\" : [ ] }", 0, 0x1, 1 },
                { "{}", 0, 0, 0 },
                { "{\"bounding\":[\"" "CAP_A_NAME_LONGER_THAN_SIXTY_FOUR_BYTES_IS_NO_CAPABILITY_OF_THE_KERNEL_AT_ALL" "\"]}", 0, 0, 1 },
                /* json-c's: an escape, an unknown key, a number */
                { "{\"bounding\":[\"\\u0043AP_CHOWN\"]}", 0, 0x1, 0 },
                { "{\"bounding\":[\"CAP_KILL\"],\"future\":{\"x\":[1]}}", 0, 0x20, 0 },
                { "{\"bounding\":[12]}", -EBADMSG, 0, 0 },
                /* refused as from the tree: another spelling, a set twice, not an object or array */
                { "{\"Bounding\":[\"CAP_CHOWN\"]}", -EBADMSG, 0, 0 },
                { "{\"bounding\":[\"CAP_CHOWN\"],\"bounding\":[]}", -EBADMSG, 0, 0 },
                { "{\"bounding\":\"CAP_CHOWN\"}", -EBADMSG, 0, 0 },
                { "[\"CAP_CHOWN\"]", -EBADMSG, 0, 0 },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                OciUnknownCaps u = {};
                CapSets caps = {};
                int r = oci_capabilities_parse_text(cases[i].json, strlen(cases[i].json), oci_capset_keys, &caps, &u);

                ck_assert_msg(r == cases[i].r, "case %zu: %d", i, r);
                if (r >= 0) {
                        ck_assert_msg(caps.mask[CAP_SET_BOUNDING] == cases[i].bounding, "case %zu", i);
                        ck_assert_msg(u.n == cases[i].n_unknown, "case %zu: %zu unknown", i, u.n);
                }
                oci_unknown_caps_done(&u);
        }
}
END_TEST

START_TEST(test_unknown_caps) {
        _cleanup_oci_config_ OciConfig c = {};

        parse_ok(CONFIG_WITH_CAPS("{"
                 "\"bounding\":[\"CAP_CHOWN\",\"CAP_FUTURE\",\"cap_kill\",\"NET_RAW\",\"CAP_12\",\"12\","
                               "\"CAP_SYS_ADMIN\\u0000x\",\"CAP_FUTURE\",null,\"CAP_SYS_ADMIN \",\"\"],"
                 "\"effective\":[\"CAP_FUTURE\",\"CAP_NEW\\nLINE\"],"
                 "\"ambient\":[]}"), RUNTIME_CONTAINERD, &c);

        ck_assert(c.has_caps);
        ck_assert_uint_eq(c.caps.mask[CAP_SET_BOUNDING], cap_bit(CAP_CHOWN) | cap_bit(CAP_KILL) | cap_bit(CAP_NET_RAW));
        ck_assert_uint_eq(c.caps.mask[CAP_SET_EFFECTIVE], 0);
        ck_assert_uint_eq(c.caps.mask[CAP_SET_AMBIENT], 0);

        /* distinct, cleaned; the sets are read effective before bounding */
        ck_assert_uint_eq(c.unknown_caps.n, 7);
        ck_assert(!c.unknown_caps.more);
        ck_assert_str_eq(c.unknown_caps.names[0], "CAP_FUTURE");
        ck_assert_str_eq(c.unknown_caps.names[1], "CAP_NEW?LINE");
        ck_assert_str_eq(c.unknown_caps.names[2], "CAP_12");
        ck_assert_str_eq(c.unknown_caps.names[3], "12");
        ck_assert_str_eq(c.unknown_caps.names[4], "CAP_SYS_ADMIN?x");
        ck_assert_str_eq(c.unknown_caps.names[5], "CAP_SYS_ADMIN ");
        ck_assert_str_eq(c.unknown_caps.names[6], "");
}
END_TEST

START_TEST(test_unknown_caps_many) {
        _cleanup_oci_config_ OciConfig c = {};
        _cleanup_free_ char *list = NULL, *json = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&list, &size);

        ck_assert_ptr_nonnull(f);
        fputs("[\"CAP_KILL\"", f);
        for (unsigned i = 0; i < 1000; i++)
                fprintf(f, ",\"CAP_X%u\"", i % 20);
        fputs("]", f);
        ck_assert_int_eq(fclose(f), 0);
        ck_assert_int_ne(asprintf(&json, CONFIG_WITH_CAPS("{\"permitted\":%s}"), list), -1);

        parse_ok(json, RUNTIME_RUNC, &c);
        ck_assert_uint_eq(c.caps.mask[CAP_SET_PERMITTED], cap_bit(CAP_KILL));
        ck_assert_uint_eq(c.unknown_caps.n, OCI_UNKNOWN_CAPS_MAX);
        ck_assert(c.unknown_caps.more);
        ck_assert_str_eq(c.unknown_caps.names[0], "CAP_X0");
        ck_assert_str_eq(c.unknown_caps.names[OCI_UNKNOWN_CAPS_MAX - 1], "CAP_X7");
}
END_TEST

START_TEST(test_defaults) {
        static const char *const no_caps[] = {
                "{\"process\":{}}",
                "{\"process\":{\"capabilities\":null,\"user\":null,\"args\":null,\"noNewPrivileges\":null},\"annotations\":null,\"root\":null}",
                "{\"process\":{\"args\":[]}}",
                "{\"process\":{\"args\":[null]}}",
                "{\"process\":{\"user\":{}}}",
        };

        for (size_t i = 0; i < ELEMENTSOF(no_caps); i++) {
                _cleanup_oci_config_ OciConfig c = {};

                parse_ok(no_caps[i], RUNTIME_RUNC, &c);
                /* no capabilities object: the runtime drops nothing */
                ck_assert(!c.has_caps);
                ck_assert_uint_eq(c.uid, 0);
                ck_assert_uint_eq(c.gid, 0);
                ck_assert_int_eq(c.no_new_privs, 0);
                ck_assert_ptr_null(c.argv0);
                ck_assert_ptr_null(c.root_path);
                ck_assert_ptr_null(c.k8s_namespace);
                ck_assert(!c.sandbox);
                ck_assert(!c.declared_seccomp);
        }

        {
                /* an empty object: asked to drop everything */
                _cleanup_oci_config_ OciConfig c = {};

                parse_ok(CONFIG_WITH_CAPS("{}"), RUNTIME_RUNC, &c);
                ck_assert(c.has_caps);
                for (CapSet s = 0; s < _CAP_SET_MAX; s++)
                        ck_assert_uint_eq(c.caps.mask[s], 0);
        }
        {
                _cleanup_oci_config_ OciConfig c = {};

                parse_ok("{\"process\":{\"user\":{\"uid\":4294967295,\"gid\":65534},\"noNewPrivileges\":true,"
                         "\"args\":[\"/bin/sh\\n-c\",\"x\"]},\"root\":{\"path\":\"/var/lib/x/merged\"}}", RUNTIME_RUNC, &c);
                ck_assert_uint_eq(c.uid, UINT32_MAX);
                ck_assert_uint_eq(c.gid, 65534);
                ck_assert_int_eq(c.no_new_privs, 1);
                ck_assert_str_eq(c.argv0, "/bin/sh?-c");
                ck_assert(c.sanitized);
                ck_assert_str_eq(c.root_path, "/var/lib/x/merged");
        }
}
END_TEST

START_TEST(test_seccomp) {
        static const struct {
                const char *json;
                bool declared;
        } cases[] = {
                { "{\"process\":{},\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[]}}}", true },
                /* an empty profile is still a filter the runtime loads */
                { "{\"process\":{},\"linux\":{\"seccomp\":{}}}", true },
                { "{\"process\":{},\"linux\":{\"seccomp\":null}}", false },
                { "{\"process\":{},\"linux\":{\"namespaces\":[]}}", false },
                { "{\"process\":{},\"linux\":null}", false },
                /* only linux.seccomp counts */
                { "{\"process\":{\"seccomp\":{}},\"seccomp\":{}}", false },
        };
        static const char *const refused[] = {
                "{\"process\":{},\"linux\":[]}",
                "{\"process\":{},\"linux\":{\"seccomp\":[]}}",
                "{\"process\":{},\"linux\":{\"seccomp\":true}}",
                /* Go would read these for the real keys */
                "{\"process\":{},\"linux\":{\"Seccomp\":{}}}",
                "{\"process\":{},\"Linux\":{\"seccomp\":{}}}",
        };
        _cleanup_oci_config_ OciConfig d = {};
        _cleanup_free_ char *text = NULL;
        size_t len;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_oci_config_ OciConfig c = {};

                parse_ok(cases[i].json, RUNTIME_RUNC, &c);
                ck_assert_msg(c.declared_seccomp == cases[i].declared, "case %zu: %s", i, cases[i].json);
        }
        for (size_t i = 0; i < ELEMENTSOF(refused); i++) {
                OciConfig c;

                ck_assert_msg(parse(refused[i], RUNTIME_RUNC, &c) == -EBADMSG, "case %zu accepted: %s", i, refused[i]);
        }

        /* --security-opt no-new-privileges keeps Docker's default profile */
        text = fixture_read("docker-restricted/config.json", &len);
        ck_assert_int_eq(oci_config_parse(text, len, RUNTIME_CONTAINERD, &d), 0);
        ck_assert(d.declared_seccomp);
        ck_assert_int_eq(d.no_new_privs, 1);
}
END_TEST

START_TEST(test_wrong_types) {
        static const char *const cases[] = {
                "{}",                                                   /* no process */
                "{\"process\":null}",
                "{\"process\":[]}",
                "{\"process\":\"sh\"}",
                CONFIG_WITH_CAPS("[]"),
                CONFIG_WITH_CAPS("\"CAP_SYS_ADMIN\""),
                CONFIG_WITH_CAPS("{\"bounding\":\"CAP_SYS_ADMIN\"}"),
                CONFIG_WITH_CAPS("{\"bounding\":{\"CAP_SYS_ADMIN\":true}}"),
                CONFIG_WITH_CAPS("{\"bounding\":[21]}"),
                CONFIG_WITH_CAPS("{\"bounding\":[[\"CAP_SYS_ADMIN\"]]}"),
                CONFIG_WITH_CAPS("{\"ambient\":[true]}"),
                "{\"process\":{\"user\":[]}}",
                "{\"process\":{\"user\":{\"uid\":\"0\"}}}",
                "{\"process\":{\"user\":{\"uid\":-1}}}",
                "{\"process\":{\"user\":{\"uid\":4294967296}}}",
                "{\"process\":{\"user\":{\"uid\":1000.0}}}",
                "{\"process\":{\"user\":{\"gid\":true}}}",
                "{\"process\":{\"user\":{\"uid\":NaN}}}",
                "{\"process\":{\"noNewPrivileges\":1}}",
                "{\"process\":{\"noNewPrivileges\":\"true\"}}",
                "{\"process\":{\"args\":\"sleep 1000\"}}",
                "{\"process\":{\"args\":[1000]}}",
                "{\"process\":{},\"root\":\"rootfs\"}",
                "{\"process\":{},\"root\":{\"path\":[]}}",
                "{\"process\":{},\"root\":{\"path\":\"rootfs\\n\"}}",    /* a path is refused, not cleaned */
                "{\"process\":{},\"root\":{\"path\":\"a\\u0000b\"}}",
                "{\"process\":{},\"annotations\":[]}",
                "{\"process\":{},\"annotations\":\"io.kubernetes.cri.sandbox-name=x\"}",
                "{\"process\":{},\"annotations\":{\"io.kubernetes.cri.sandbox-name\":7}}",
                "{\"process\":{},\"annotations\":{\"io.kubernetes.cri.container-type\":{}}}",
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                OciConfig c = { .uid = 4242 };

                ck_assert_msg(parse(cases[i], RUNTIME_CONTAINERD, &c) == -EBADMSG, "case %zu accepted: %s", i, cases[i]);
                ck_assert_uint_eq(c.uid, 4242); /* untouched */
        }
}
END_TEST

START_TEST(test_garbage) {
        static const char *const cases[] = {
                "", " ", "\n", "{", "}", "null", "true", "0", "\"process\"", "[]",
                "[{\"process\":{}}]",
                "{\"process\":{}} {\"process\":{}}",
                "{\"process\":{}}x",
                "{\"process\":{},}",
                "{process:{}}",
                "{'process':{}}",
                "{\"process\":{\"args\":['sh']}}",
                "{\"process\":{} /* comment */}",
                "{\"process\":{}} // comment",
                "\xef\xbb\xbf{\"process\":{}}",                          /* BOM */
                "process:\n  user: 0\n",
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                OciConfig c;

                ck_assert_msg(parse(cases[i], RUNTIME_CONTAINERD, &c) == -EBADMSG, "case %zu accepted: %s", i, cases[i]);
        }

        {
                /* a raw NUL: json-c would stop there */
                static const char nul[] = "{\"process\":{}}\0garbage";
                OciConfig c;

                ck_assert_int_eq(oci_config_parse(nul, sizeof nul - 1, RUNTIME_RUNC, &c), -EBADMSG);
        }
        {
                /* white space around is fine */
                _cleanup_oci_config_ OciConfig c = {};

                parse_ok(" \r\n\t{\"process\":{}}\n\n ", RUNTIME_RUNC, &c);
        }
}
END_TEST

START_TEST(test_duplicate_keys) {
        static const char *const refused[] = {
                /* Go would merge the two, json-c keeps the last */
                "{\"process\":{\"capabilities\":{\"bounding\":[\"CAP_SYS_ADMIN\"]}},\"process\":{}}",
                "{\"process\":{\"user\":{\"uid\":0,\"uid\":1000}}}",
                /* json-c cuts a key at an escaped NUL: this would alias the real key */
                "{\"process\":{},\"annotations\":{\"io.kubernetes.cri.sandbox-namespace\":\"team-a\","
                "\"io.kubernetes.cri.sandbox-namespace\\u0000x\":\"kube-system\"}}",
                "{\"process\":{},\"process\\u0000\":{\"capabilities\":{}}}",
                /* in a member that is read, however deep */
                "{\"process\":{\"user\":{\"uid\":1,\"uid\":0}}}",
                "{\"process\":{},\"annotations\":{\"a\":{\"b\":1,\"b\":2}}}",
                "{\"process\":{},\"linux\":{\"seccomp\":{},\"seccomp\":null}}",
                /* Go takes these for "process", "capabilities", "bounding": json-c would not */
                "{\"Process\":{}}",
                "{\"process\":{},\"PROCESS\":{\"capabilities\":{}}}",
                "{\"proce\xc5\xbfs\":{}}",                                        /* long s */
                "{\"process\":{\"capabilities\":{},\"Capabilities\":{\"bounding\":[\"CAP_SYS_ADMIN\"]}}}",
                "{\"process\":{\"capabilities\":{\"Bounding\":[\"CAP_SYS_ADMIN\"]}}}",
                "{\"process\":{\"noNewPrivileges\":true,\"nonewprivileges\":false}}",
                "{\"process\":{\"user\":{\"UID\":0}}}",
        };
        static const char *const accepted[] = {
                /* quotes and escapes inside keys and values do not confuse the count */
                "{\"a\\\"b\":1,\"process\":{},\"c\":\"d\\\":\\\\\",\"e\":\":\"}",
                "{\"a\\\\u0000\":1,\"a\":2,\"process\":{}}",
                "{\"process\":{},\"x\":[\"a\",\"b\" , \"c\" ],\"y\" : {\"z\" :\n\"w\"}}",
                /* in a value, a NUL is just another character to clean */
                "{\"process\":{\"args\":[\"a\\u0000b\"]}}",
                /* annotations are a map: Go matches its keys exactly, so do we */
                "{\"process\":{},\"annotations\":{\"io.kubernetes.cri.sandbox-name\":\"a\",\"IO.kubernetes.cri.sandbox-name\":\"b\"}}",
                /* duplicates in a member nobody reads: not parsed, and nothing read differs */
                "{\"process\":{},\"linux\":{\"x\":[{\"a\":1,\"a\":2}]}}",
                /* a Kelvin sign where no field has a k */
                "{\"process\":{},\"\xe2\x84\xaa" "ey\":1}",
        };

        for (size_t i = 0; i < ELEMENTSOF(refused); i++) {
                OciConfig c;

                ck_assert_msg(parse(refused[i], RUNTIME_CONTAINERD, &c) == -EBADMSG, "case %zu accepted", i);
        }
        for (size_t i = 0; i < ELEMENTSOF(accepted); i++) {
                _cleanup_oci_config_ OciConfig c = {};

                parse_ok(accepted[i], RUNTIME_CONTAINERD, &c);
        }
}
END_TEST

/* {"process":{},"x":[[...[1]...]]} with the 1 at the given depth, as json-c counts it. */
static char *nested(unsigned depth) {
        unsigned arrays = depth - 2;
        char *s = malloc(arrays * 2 + 64), *p = s;

        ck_assert_ptr_nonnull(s);
        p = stpcpy(p, "{\"process\":{},\"x\":");
        memset(p, '[', arrays);
        p += arrays;
        *p++ = '1';
        memset(p, ']', arrays);
        p += arrays;
        strcpy(p, "}");
        return s;
}

START_TEST(test_depth) {
        _cleanup_free_ char *ok = nested(OCI_JSON_DEPTH_MAX);
        _cleanup_free_ char *deep = nested(OCI_JSON_DEPTH_MAX + 1);
        _cleanup_free_ char *very_deep = nested(1000000);
        _cleanup_oci_config_ OciConfig c = {};
        OciConfig d;

        parse_ok(ok, RUNTIME_RUNC, &c);
        ck_assert_int_eq(parse(deep, RUNTIME_RUNC, &d), -EBADMSG);
        ck_assert_int_eq(parse(very_deep, RUNTIME_RUNC, &d), -EBADMSG);
        /* an empty array is as deep as its brackets */
        ck_assert_int_eq(parse("{\"process\":{},\"x\":[[[]]]}", RUNTIME_RUNC, &d), 0);
        oci_config_done(&d);
}
END_TEST

START_TEST(test_size) {
        size_t len = OCI_CONFIG_SIZE_MAX + 1;
        _cleanup_free_ char *big = malloc(len);
        OciConfig c;

        ck_assert_ptr_nonnull(big);
        memset(big, ' ', len);
        memcpy(big, "{\"process\":{}}", STRLEN("{\"process\":{}}"));
        ck_assert_int_eq(oci_config_parse(big, len, RUNTIME_RUNC, &c), -EFBIG);

        {
                _cleanup_oci_config_ OciConfig ok = {};

                ck_assert_int_eq(oci_config_parse(big, len - 1, RUNTIME_RUNC, &ok), 0);
        }
}
END_TEST

static void check_prefixes(const char *case_dir) {
        _cleanup_oci_config_ OciConfig full = {};
        _cleanup_free_ char *text = NULL;
        char path[512];
        size_t len, end;

        (void) snprintf(path, sizeof path, "%s/%s/config.json", FIXTURES_DIR, case_dir);
        if (access(path, R_OK) < 0)
                return;
        (void) snprintf(path, sizeof path, "%s/config.json", case_dir);
        text = fixture_read(path, &len);
        ck_assert_int_eq(oci_config_parse(text, len, _RUNTIME_INVALID, &full), 0);

        /* Only the trailing white space may go. */
        for (end = len; end > 0 && strchr(" \t\r\n", text[end - 1]); end--)
                ;

        for (size_t n = 0; n < len; n++) {
                _cleanup_oci_config_ OciConfig c = {};
                int r = oci_config_parse(text, n, _RUNTIME_INVALID, &c);

                if (n < end) {
                        ck_assert_msg(r == -EBADMSG, "%s: prefix %zu gave %d", path, n, r);
                        continue;
                }
                ck_assert_int_eq(r, 0);
                ck_assert(memcmp(&c.caps, &full.caps, sizeof c.caps) == 0);
                ck_assert_uint_eq(c.uid, full.uid);
        }
}

START_TEST(test_truncated) {
        fixture_foreach(check_prefixes);
}
END_TEST

static Suite *suite(void) {
        Suite *s = suite_create("oci-config");
        TCase *tc = tcase_create("parse");

        tcase_add_test(tc, test_fixtures);
        tcase_add_test(tc, test_k8s_default);
        tcase_add_test(tc, test_declared_vs_actual);
        tcase_add_test(tc, test_sandbox);
        tcase_add_test(tc, test_crio);
        tcase_add_test(tc, test_annotation_injection);
        tcase_add_test(tc, test_annotation_length);
        tcase_add_test(tc, test_text_sanitize);
        tcase_add_test(tc, test_caps_text);
        tcase_add_test(tc, test_unknown_caps);
        tcase_add_test(tc, test_unknown_caps_many);
        tcase_add_test(tc, test_defaults);
        tcase_add_test(tc, test_seccomp);
        tcase_add_test(tc, test_wrong_types);
        tcase_add_test(tc, test_garbage);
        tcase_add_test(tc, test_duplicate_keys);
        tcase_add_test(tc, test_depth);
        tcase_add_test(tc, test_size);
        tcase_add_test(tc, test_truncated);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return run_suite(suite());
}
