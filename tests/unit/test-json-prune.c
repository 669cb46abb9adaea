/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "capguard/cap-json.h"
#include "capguard/json-prune.h"
#include "capguard/oci-config.h"
#include "check-util.h"

static const JsonKeep keep_config[] = { { "capabilities" }, { "labels" }, {} };
static const JsonKeep keep[] = {
        { "id" }, { "pid" }, { "config", keep_config }, { "seccomp", (const JsonKeep[]) { {} } }, {}
};

/* json, pruned by keep, printed plain */
static char *pruned(const char *json) {
        _cleanup_json_ json_object *o = NULL;
        int r = json_prune_parse(json, strlen(json), keep, &o);

        ck_assert_msg(r == 0, "refused (%d): %s", r, json);
        return strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
}

static void ck_pruned(const char *json, const char *want) {
        _cleanup_free_ char *got = pruned(json);

        ck_assert_msg(streq(got, want), "%s: got %s, want %s", json, got, want);
}

static void ck_refused(const char *json) {
        json_object *o = NULL;
        int r = json_prune_parse(json, strlen(json), keep, &o);

        ck_assert_msg(r == -EBADMSG, "accepted (%d): %s", r, json);
        ck_assert_ptr_null(o);
}

START_TEST(test_keeps_what_is_named) {
        ck_pruned("{}", "{}");
        ck_pruned("{\"a\":1,\"id\":\"x\",\"b\":[{\"id\":2}],\"pid\":42}", "{\"id\":\"x\",\"pid\":42}");
        /* a kept object pruned in turn; an empty list keeps only that it is an object */
        ck_pruned("{\"config\":{\"mounts\":[1,2],\"labels\":[\"bundle=/b\"],\"capabilities\":{\"Bounding\":[]}},"
                  "\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"]}]}}",
                  "{\"config\":{\"labels\":[\"bundle=\\/b\"],\"capabilities\":{\"Bounding\":[]}},\"seccomp\":{}}");
        /* of another type than an object, kept whole, for the caller to refuse */
        ck_pruned("{\"config\":[1],\"seccomp\":null}", "{\"config\":[1],\"seccomp\":null}");
        ck_pruned("{\"config\":\"x\"}", "{\"config\":\"x\"}");
        /* keys as Go matches them, escaped or folded: kept under their own name */
        ck_pruned("{\"\\u0069d\":\"x\"}", "{\"id\":\"x\"}");
        ck_pruned("{\"ID\":1}", "{\"ID\":1}");
        ck_pruned("{\"\xe2\x84\xaa\":1,\"pi\\u0064\":2}", "{\"pid\":2}");
        /* every kind of value, skipped or kept */
        ck_pruned(" {\"x\" : [ -0.5e+3 , 0 , 1E9 , true , false , null , \"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\" , {} , [ ] ] ,"
                  "\"pid\" : -12.5e-1 } \n",
                  "{\"pid\":-12.5e-1}");
        ck_pruned("{\"id\":\"}\\\",\\\"pid\\\":1\"}", "{\"id\":\"}\\\",\\\"pid\\\":1\"}");
}
END_TEST

START_TEST(test_refuses) {
        static const char *const bad[] = {
                "", " ", "[]", "\"x\"", "1", "null",
                "{", "{\"id\"", "{\"id\":", "{\"id\":1", "{\"id\":1,", "{\"id\":1,}", "{,}", "{\"id\" 1}",
                "{\"a\":1}}", "{\"a\":1} x", "{\"a\":1}{}",
                "{'a':1}", "{a:1}", "{\"a\":'x'}",
                /* numbers as RFC 8259 has them, and nothing else */
                "{\"a\":01}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":-}", "{\"a\":1e}", "{\"a\":+1}", "{\"a\":0x1}",
                "{\"a\":NaN}", "{\"a\":Infinity}", "{\"pid\":01}",
                /* literals whole */
                "{\"a\":tru}", "{\"a\":nul}", "{\"a\":True}",
                /* strings: escapes, control bytes */
                "{\"a\":\"\\x\"}", "{\"a\":\"\\u12G4\"}", "{\"a\":\"\\u12\"}", "{\"a\":\"\t\"}", "{\"a\":\"x}",
                "{\"a\":[1,]}", "{\"a\":[,1]}", "{\"a\":[1 2]}",
                /* a key given twice where it is read, however it is spelled */
                "{\"id\":1,\"id\":2}", "{\"id\":1,\"\\u0069d\":2}", "{\"config\":{\"labels\":[],\"labels\":[]}}",
                "{\"config\":{\"capabilities\":{\"Bounding\":[],\"Bounding\":[\"CAP_SYS_ADMIN\"]}}}",
                /* json-c would cut this key at its NUL */
                "{\"id\\u0000\":1}",
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                ck_refused(bad[i]);

        /* a raw NUL, which json-c would stop at */
        {
                json_object *o = NULL;

                ck_assert_int_eq(json_prune_parse("{\"a\":1}\0", 8, keep, &o), -EBADMSG);
                ck_assert_int_eq(json_prune_parse("{\"a\":\"\0\"}", 8, keep, &o), -EBADMSG);
        }
        /* where nothing is read, a repeated key changes nothing that is */
        ck_pruned("{\"a\":1,\"a\":2,\"config\":{\"mounts\":{\"x\":1,\"x\":2}}}", "{\"config\":{}}");
}
END_TEST

/* {"id":"<len bytes of filler, byte b at pos>"} : at every length and position around the
 * sixteen bytes the scan may take at once, each byte must end the string, start an escape, be
 * refused or be part of it as it would be alone. */
START_TEST(test_string_bytes) {
        for (unsigned len = 1; len <= 40; len++)
                for (unsigned pos = 0; pos < len; pos++)
                        for (unsigned b = 1; b < 256; b++) {
                                _cleanup_json_ json_object *o = NULL;
                                char text[64], *q = stpcpy(text, "{\"id\":\"");
                                size_t n;
                                int r;

                                memset(q, 'a', len);
                                q[pos] = (char) b;
                                q = stpcpy(q + len, "\"}");
                                n = (size_t) (q - text);
                                r = json_prune_parse(text, n, keep, &o);
                                /* a control byte; a backslash before an 'a', no escape, or before the
                                 * closing quote, which it takes; a quote that ends the string early,
                                 * and what follows is no member: all refused */
                                if (b < 0x20 || b == '\\' || b == '"')
                                        ck_assert_msg(r == -EBADMSG, "byte 0x%02x at %u of %u: %d", b, pos, len, r);
                                else {
                                        json_object *id;

                                        ck_assert_msg(r == 0, "byte 0x%02x at %u of %u refused: %d", b, pos, len, r);
                                        ck_assert(json_object_object_get_ex(o, "id", &id));
                                        ck_assert_int_eq(json_object_get_string_len(id), (int) len);
                                        ck_assert_int_eq((unsigned char) json_object_get_string(id)[pos], b);
                                }
                        }
}
END_TEST

/* oci_json_parse(), the reference, refuses what the scan refuses: json-c alone, even strict,
 * takes a raw control byte in a string, numbers such as "-07" and "-.5", and NaN. */
START_TEST(test_json_c_lax) {
        static const char *const bad[] = {
                "{\"a\x05\":1}", "{\"a\":\"x\x05y\"}", "{\"a\":\"x\ty\"}", "{\"a\":\"x\ny\"}", "{\"a\":[\"\x1f\"]}",
                "{\"a\":-07.5e+3}", "{\"a\":-00}", "{\"a\":[1,-01]}", "{\"a\":00}", "{\"a\":[01]}",
                "{\"a\":-.5e+3}", "{\"a\":[-.5]}", "{\"a\":1.}", "{\"a\":1e}", "{\"a\":-}",
                "{\"d\":\t\n\nNaN}", "{\"a\":Infinity}", "{\"a\":-Infinity}", "{\"a\":[nan]}", "{\"a\":truex}",
                "{\"a\":True}", "{\"a\":nul}",
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                json_object *o = NULL;

                ck_refused(bad[i]);
                ck_assert_msg(oci_json_parse(bad[i], strlen(bad[i]), &o) == -EBADMSG, "oci_json_parse took case %zu", i);
        }
        /* between tokens, JSON's white space is white space; zeros where numbers may have them */
        {
                static const char *const good[] = {
                        "{\t\"a\"\n:\r\"x\x7f\"}", "{\"a\":[0,-0,10,-10,0.05,-0.0,1e05,1E-05,1e+00,-0e-0,100]}",
                        "{\"-07\":\"-07 00 NaN\"}", "{\"a\":[true,false,null],\"b\":true}",
                };

                for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                        _cleanup_json_ json_object *o = NULL, *p = NULL;

                        ck_assert_msg(oci_json_parse(good[i], strlen(good[i]), &o) == 0, "oci_json_parse refused %s", good[i]);
                        ck_assert_int_eq(json_prune_parse(good[i], strlen(good[i]), keep, &p), 0);
                }
        }
}
END_TEST

/* {"x":[[...[1]...]]} with the 1 at the given depth, as json-c counts it */
static char *nested(unsigned depth, const char *inner) {
        unsigned arrays = depth - 2;
        char *s = malloc(arrays * 2 + 64), *p = s;

        ck_assert_ptr_nonnull(s);
        p = stpcpy(p, "{\"x\":");
        memset(p, '[', arrays);
        p += arrays;
        p = stpcpy(p, inner);
        memset(p, ']', arrays);
        p += arrays;
        strcpy(p, "}");
        return s;
}

START_TEST(test_depth) {
        _cleanup_free_ char *ok = nested(OCI_JSON_DEPTH_MAX, "1"), *deep = nested(OCI_JSON_DEPTH_MAX + 1, "1");
        _cleanup_free_ char *empty = nested(OCI_JSON_DEPTH_MAX + 1, ""), *very = nested(1000000, "1");
        _cleanup_free_ char *a = pruned(ok), *b = NULL;

        ck_assert(streq(a, "{}"));
        ck_refused(deep);
        /* an empty array is as deep as its brackets */
        b = pruned(empty);
        ck_refused(very);
}
END_TEST

/* The same as json-c gives for the whole text, pruned by hand, for what runtimes write. */
START_TEST(test_fixtures) {
        static const char *const files[] = {
                "containerd-k8s-default/state.json", "containerd-k8s-default/config.json",
                "docker-cap-add-sys-admin/state.json", "runc-default/state.json", "crun-created/config.json",
        };

        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                _cleanup_json_ json_object *whole = NULL, *got = NULL, *want = json_object_new_object();
                _cleanup_free_ char *text = NULL;
                json_object *v, *config;
                size_t len;

                text = fixture_read(files[i], &len);
                ck_assert_int_eq(oci_json_parse(text, len, &whole), 0);
                ck_assert_int_eq(json_prune_parse(text, len, keep, &got), 0);

                if (json_object_object_get_ex(whole, "id", &v))
                        json_object_object_add(want, "id", json_object_get(v));
                if (json_object_object_get_ex(whole, "config", &config)) {
                        json_object *c = json_object_new_object();

                        if (json_object_object_get_ex(config, "capabilities", &v))
                                json_object_object_add(c, "capabilities", json_object_get(v));
                        if (json_object_object_get_ex(config, "labels", &v))
                                json_object_object_add(c, "labels", json_object_get(v));
                        json_object_object_add(want, "config", c);
                }
                ck_assert_msg(json_object_equal(got, want), "%s: got %s", files[i],
                              json_object_to_json_string(got));

                /* cut anywhere, it is refused, never misread */
                for (size_t cut = 0; cut < len; cut += 7) {
                        json_object *o = NULL;

                        ck_assert_int_eq(json_prune_parse(text, cut, keep, &o), -EBADMSG);
                }
        }
}
END_TEST

int main(void) {
        Suite *s = suite_create("json-prune");
        TCase *tc = tcase_create("parse");

        tcase_add_test(tc, test_keeps_what_is_named);
        tcase_add_test(tc, test_refuses);
        tcase_add_test(tc, test_string_bytes);
        tcase_add_test(tc, test_json_c_lax);
        tcase_add_test(tc, test_depth);
        tcase_add_test(tc, test_fixtures);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
