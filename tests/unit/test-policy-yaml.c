/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <linux/capability.h>
#include <string.h>

#include "capguard/cap-profile.h"
#include "capguard/glob.h"
#include "capguard/policy.h"
#include "check-util.h"

#ifndef POLICIES_DIR
#error "POLICIES_DIR must be defined"
#endif

static void closedirp(DIR **d) {
        if (*d)
                (void) closedir(*d);
}

/* Parses len bytes copied to a buffer of exactly that size, so that reading past the end (or
 * relying on a NUL) is a sanitizer finding. */
static int parse_exact(const char *text, size_t len, Policy **ret, PolicyError *e) {
        _cleanup_free_ char *copy = malloc(len ?: 1);

        ck_assert_ptr_nonnull(copy);
        memcpy(copy, text, len);
        return policy_parse(copy, len, ret, e);
}

static int parse_text(const char *text, Policy **ret, PolicyError *e) {
        return parse_exact(text, strlen(text), ret, e);
}

static Policy *parse_ok(const char *text) {
        PolicyError e = {};
        Policy *p = NULL;
        int r = parse_text(text, &p, &e);

        ck_assert_msg(r == 0, "refused (%d) at %u:%u: %s", r, e.line, e.column, e.message);
        ck_assert_ptr_nonnull(p);
        return p;
}

static uint64_t caps(const char *list) {
        uint64_t m = 0;

        ck_assert_int_eq(capability_list_parse(list, &m, NULL, NULL), 0);
        return m;
}

/* ---- every refusal, with its exact place ---- */

static const struct {
        const char *file;
        unsigned line, column;
        const char *message;
} bad[] = {
        /* YAML itself */
        { "bad-syntax.yaml", 4, 4,
          "YAML syntax error: did not find expected '-' indicator (while parsing a block collection at line 3, column 3)" },
        { "bad-syntax-flow.yaml", 3, 1,
          "YAML syntax error: did not find expected ',' or '}' (while parsing a flow mapping at line 2, column 10)" },
        { "bad-tab.yaml", 3, 1,
          "YAML syntax error: found character that cannot start any token (while scanning for the next token at line 3, column 1)" },
        { "bad-utf8.yaml", 3, 14, "YAML syntax error: invalid trailing UTF-8 octet" },
        { "bad-control-character.yaml", 3, 12, "YAML syntax error: control characters are not allowed" },
        { "bad-alias.yaml", 8, 19, "aliases are not supported" },
        { "bad-anchor.yaml", 5, 19, "anchors are not supported" },
        { "bad-tag.yaml", 3, 11, "tags are not supported" },
        { "bad-multiple-documents.yaml", 2, 1, "multiple documents are not supported" },
        { "bad-complex-key.yaml", 2, 3, "keys must be strings" },
        { "bad-depth.yaml", 5, 24, "nesting is deeper than the limit of 16 levels" },
        { "bad-nul.yaml", 3, 11, "strings must not contain NUL characters" },
        { "bad-duplicate-key.yaml", 8, 7, "duplicate key 'allow' (first given at line 7)" },
        { "bad-duplicate-top-key.yaml", 3, 1, "duplicate key 'version' (first given at line 1)" },

        /* version */
        { "bad-missing-version.yaml", 0, 0, "missing required key 'version'" },
        { "bad-empty.yaml", 0, 0, "missing required key 'version'" },
        { "bad-future-version.yaml", 1, 10, "version 2 is newer than this capguard understands (1)" },
        { "bad-version-zero.yaml", 1, 10, "version 0 is not valid; this capguard understands version 1" },
        { "bad-version-type.yaml", 1, 10, "expected an integer for 'version', got the quoted string '1'" },
        { "bad-version-float.yaml", 1, 10, "expected an integer for 'version', got '1.0'" },

        /* unknown keys */
        { "bad-unknown-top-key.yaml", 2, 1,
          "unknown key 'default' in the policy; allowed keys: version, defaults, rules" },
        { "bad-unknown-defaults-key.yaml", 3, 3, "unknown key 'profile' in 'defaults'; allowed keys: action" },
        { "bad-unknown-rule-key.yaml", 4, 5,
          "unknown key 'matches' in a rule; allowed keys: name, match, allow, capabilities, require, action" },
        { "bad-unknown-match-key.yaml", 5, 7,
          "unknown key 'namespace' in 'match'; allowed keys: k8s_namespace, pod, container, image, runtime, "
          "runtime_namespace, container_id" },
        { "bad-unknown-capabilities-key.yaml", 7, 7,
          "unknown key 'add' in 'capabilities'; allowed keys: profile, allow, deny, sets" },
        { "bad-unknown-require-key.yaml", 6, 7,
          "unknown key 'run_as_non_root' in 'require'; allowed keys: no_new_privs, non_root, seccomp" },

        /* types */
        { "bad-top-not-mapping.yaml", 1, 1, "expected a mapping for the policy, got a list" },
        { "bad-rules-not-list.yaml", 3, 3, "expected a list of rules for 'rules', got a mapping" },
        { "bad-rule-not-mapping.yaml", 3, 5, "expected a mapping for a rule, got 'a'" },
        { "bad-rule-name-type.yaml", 3, 11, "expected a string for 'name', got a list" },
        { "bad-match-null.yaml", 4, 11, "expected a mapping for 'match', got an empty value" },
        { "bad-match-not-list.yaml", 5, 22, "expected a list of strings for 'k8s_namespace', got 'team-a'" },
        { "bad-match-item-mapping.yaml", 7, 11, "expected a string in 'pod', got a mapping" },
        { "bad-match-empty-list.yaml", 5, 14,
          "expected at least one pattern in 'image'; omit the key to fit any image" },
        { "bad-capabilities-not-list.yaml", 7, 13,
          "expected a list of capability names for 'deny', got 'NET_RAW'" },
        { "bad-bool.yaml", 6, 17, "expected true or false for 'non_root', got 'yes'" },
        { "bad-bool-quoted.yaml", 5, 12, "expected true or false for 'allow', got the quoted string 'true'" },

        /* values */
        { "bad-unknown-capability.yaml", 7, 26, "unknown capability 'CAP_SYS_ADMINN' in 'allow'" },
        { "bad-capability-list-in-string.yaml", 7, 14, "unknown capability 'NET_RAW, MKNOD' in 'deny'" },
        { "bad-glob-bracket.yaml", 5, 23, "pattern 'team-[ab' in 'k8s_namespace' has an unbalanced '['" },
        { "bad-glob-empty.yaml", 5, 28, "pattern '' in 'container' is empty" },
        { "bad-glob-backslash.yaml", 5, 13, "pattern 'web\\' in 'pod' ends in a lone '\\'" },
        { "bad-glob-class.yaml", 5, 13,
          "pattern 'web-[[:letter:]]*' in 'pod' names an unknown character class (valid: alnum, alpha, "
          "blank, cntrl, digit, graph, lower, print, punct, space, upper, xdigit)" },
        { "bad-runtime.yaml", 5, 25,
          "unknown runtime 'dockerd'; valid runtimes: containerd, docker, cri-o, podman, runc, crun" },
        { "bad-runtime-glob.yaml", 5, 17,
          "pattern 'gvisor*' fits no runtime; valid runtimes: containerd, docker, cri-o, podman, runc, crun" },
        { "bad-rule-name.yaml", 3, 11,
          "invalid rule name 'Team_A': use 1 to 63 characters of a-z, 0-9, '.', '_' and '-', starting with "
          "a letter or digit" },
        { "bad-rule-name-long.yaml", 3, 11,
          "invalid rule name 'a123456789012345678901234567890123456789012345678901234567890123': use 1 to 63 "
          "characters of a-z, 0-9, '.', '_' and '-', starting with a letter or digit" },
        { "bad-rule-name-missing.yaml", 3, 5, "missing required key 'name' in a rule" },
        { "bad-duplicate-rule.yaml", 11, 11, "duplicate rule name 'web' (first used by the rule at line 3)" },
        { "bad-profile.yaml", 6, 16,
          "unknown profile 'restricted'; valid profiles: docker-default, pss-baseline, pss-restricted, "
          "runc-default, cri-o-default, none" },
        { "bad-profile-missing.yaml", 6, 7,
          "missing required key 'profile' in 'capabilities'; 'profile: none' starts from no capabilities" },
        { "bad-set.yaml", 7, 25,
          "unknown capability set 'eff'; valid sets: bounding, permitted, effective, inheritable, ambient" },
        { "bad-sets-empty.yaml", 7, 13, "expected at least one capability set in 'sets'" },
        { "bad-action.yaml", 6, 13, "unknown action 'block'; valid actions: audit, kill" },
        { "bad-default-action.yaml", 3, 11, "unknown action 'deny'; valid actions: audit, kill" },

        /* rules that cannot mean what they say */
        { "bad-match-missing.yaml", 3, 5, "rule 'a' has no 'match'; 'match: {}' fits every container" },
        { "bad-checks-nothing.yaml", 3, 5,
          "rule 'a' checks nothing; give it 'capabilities', 'require' or 'allow: true'" },
        { "bad-allow-and-capabilities.yaml", 6, 19,
          "rule 'a' has 'allow: true', so its 'capabilities' would never apply; remove one of them" },
};

START_TEST(test_bad_fixture) {
        char path[256];
        _cleanup_free_ char *text = NULL, *formatted = NULL, *expected = NULL;
        _cleanup_(policy_freep) Policy *p = NULL;
        PolicyError e = {};
        size_t len;

        (void) snprintf(path, sizeof path, "policy/%s", bad[_i].file);
        text = fixture_read(path, &len);

        ck_assert_int_eq(parse_exact(text, len, &p, &e), -EINVAL);
        ck_assert_ptr_null(p);
        ck_assert_str_eq(e.message, bad[_i].message);
        ck_assert_msg(e.line == bad[_i].line && e.column == bad[_i].column, "%s: at %u:%u, expected %u:%u",
                      bad[_i].file, e.line, e.column, bad[_i].line, bad[_i].column);

        /* as capctl prints it */
        ck_assert_int_eq(policy_error_format(bad[_i].file, &e, &formatted), 0);
        if (bad[_i].line > 0)
                ck_assert_int_ge(asprintf(&expected, "%s:%u:%u: %s", bad[_i].file, bad[_i].line,
                                          bad[_i].column, bad[_i].message), 0);
        else
                ck_assert_int_ge(asprintf(&expected, "%s: %s", bad[_i].file, bad[_i].message), 0);
        ck_assert_str_eq(formatted, expected);
}
END_TEST

START_TEST(test_bad_fixtures_all_listed) {
        /* Every bad-*.yaml fixture has its row above, so none goes untested. */
        _cleanup_(closedirp) DIR *d = opendir(FIXTURES_DIR "/policy");
        struct dirent *de;
        unsigned n = 0;

        ck_assert_ptr_nonnull(d);
        while ((de = readdir(d))) {
                bool found = false;

                if (strncmp(de->d_name, "bad-", 4) != 0)
                        continue;
                for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                        found = found || streq(bad[i].file, de->d_name);
                ck_assert_msg(found, "%s has no expectation", de->d_name);
                n++;
        }
        ck_assert_uint_eq(n, ELEMENTSOF(bad));
}
END_TEST

/* ---- limits ---- */

START_TEST(test_limit_size) {
        _cleanup_free_ char *big = malloc(POLICY_SIZE_MAX + 1);
        _cleanup_(policy_freep) Policy *p = NULL;
        PolicyError e = {};

        ck_assert_ptr_nonnull(big);
        /* a valid policy padded with a comment to one byte over the limit */
        memset(big, ' ', POLICY_SIZE_MAX + 1);
        memcpy(big, "version: 1\n#", 12);
        ck_assert_int_eq(policy_parse(big, POLICY_SIZE_MAX + 1, &p, &e), -EFBIG);
        ck_assert_ptr_null(p);
        ck_assert_uint_eq(e.line, 0);
        ck_assert_str_eq(e.message, "file is 262145 bytes, more than the limit of 256 KiB");

        /* exactly at the limit is fine */
        ck_assert_int_eq(policy_parse(big, POLICY_SIZE_MAX, &p, &e), 0);
        ck_assert_ptr_nonnull(p);
}
END_TEST

static char *rules_text(unsigned n) {
        size_t size = 64 + (size_t) n * 64, o;
        char *s = malloc(size);

        ck_assert_ptr_nonnull(s);
        o = (size_t) snprintf(s, size, "version: 1\nrules:\n");
        for (unsigned i = 0; i < n; i++)
                o += (size_t) snprintf(s + o, size - o, "- {name: r%u, match: {}, allow: true}\n", i);
        return s;
}

START_TEST(test_limit_rules) {
        _cleanup_free_ char *ok = rules_text(POLICY_RULES_MAX), *over = rules_text(POLICY_RULES_MAX + 1);
        _cleanup_(policy_freep) Policy *p = parse_ok(ok);
        PolicyError e = {};
        Policy *q = NULL;

        ck_assert_uint_eq(p->n_rules, POLICY_RULES_MAX);
        ck_assert_str_eq(p->rules[POLICY_RULES_MAX - 1].name, "r1023");

        ck_assert_int_eq(parse_text(over, &q, &e), -EINVAL);
        ck_assert_uint_eq(e.line, 3);
        ck_assert_uint_eq(e.column, 1);
        ck_assert_str_eq(e.message, "'rules' has 1025 rules, more than the limit of 1024");
}
END_TEST

static char *list_text(unsigned n) {
        size_t size = 128 + (size_t) n * 8, o;
        char *s = malloc(size);

        ck_assert_ptr_nonnull(s);
        o = (size_t) snprintf(s, size, "version: 1\nrules:\n- name: a\n  match:\n    pod: [");
        for (unsigned i = 0; i < n; i++)
                o += (size_t) snprintf(s + o, size - o, "%sp%u", i > 0 ? "," : "", i);
        (void) snprintf(s + o, size - o, "]\n  allow: true\n");
        return s;
}

START_TEST(test_limit_list) {
        _cleanup_free_ char *ok = list_text(POLICY_LIST_MAX), *over = list_text(POLICY_LIST_MAX + 1);
        _cleanup_(policy_freep) Policy *p = parse_ok(ok);
        PolicyError e = {};
        Policy *q = NULL;

        ck_assert_str_eq(p->rules[0].match[MATCH_POD][POLICY_LIST_MAX - 1], "p255");
        ck_assert_ptr_null(p->rules[0].match[MATCH_POD][POLICY_LIST_MAX]);

        ck_assert_int_eq(parse_text(over, &q, &e), -EINVAL);
        ck_assert_uint_eq(e.line, 5);
        ck_assert_uint_eq(e.column, 10);
        ck_assert_str_eq(e.message, "'pod' has 257 entries, more than the limit of 256");
}
END_TEST

static char *image_text(size_t n) {
        _cleanup_free_ char *image = malloc(n + 1);
        char *s;

        ck_assert_ptr_nonnull(image);
        memset(image, 'x', n);
        image[n] = '\0';
        ck_assert_int_ge(asprintf(&s, "version: 1\nrules:\n- name: a\n  match: {image: [%s]}\n  allow: true\n", image), 0);
        return s;
}

START_TEST(test_limit_string) {
        _cleanup_free_ char *ok = image_text(POLICY_STRING_MAX), *over = image_text(POLICY_STRING_MAX + 1);
        _cleanup_(policy_freep) Policy *p = parse_ok(ok);
        PolicyError e = {};
        Policy *q = NULL;

        ck_assert_uint_eq(strlen(p->rules[0].match[MATCH_IMAGE][0]), POLICY_STRING_MAX);

        ck_assert_int_eq(parse_text(over, &q, &e), -EINVAL);
        ck_assert_uint_eq(e.line, 4);
        ck_assert_uint_eq(e.column, 19);
        ck_assert_str_eq(e.message, "string is longer than the limit of 1024 bytes");
}
END_TEST

START_TEST(test_limit_depth) {
        /* 16 levels pass the YAML reader and fail on the format; 17 fail on the limit. */
        static const char sixteen[] =
                "version: 1\nrules: [{name: a, match: {pod: [[[[[[[[[[[[x]]]]]]]]]]]]}}]\n";
        _cleanup_free_ char *deep = malloc(POLICY_SIZE_MAX);
        Policy *p = NULL;
        PolicyError e = {};

        ck_assert_int_eq(parse_text(sixteen, &p, &e), -EINVAL);
        ck_assert_str_eq(e.message, "expected a string in 'pod', got a list");
        ck_assert_uint_eq(e.column, 33); /* the second "[" */

        /* Nesting as deep as the file can hold is refused at the limit, quickly. */
        ck_assert_ptr_nonnull(deep);
        memset(deep, '[', POLICY_SIZE_MAX);
        ck_assert_int_eq(policy_parse(deep, POLICY_SIZE_MAX, &p, &e), -EINVAL);
        ck_assert_uint_eq(e.line, 1);
        ck_assert_uint_eq(e.column, 17);
        ck_assert_str_eq(e.message, "nesting is deeper than the limit of 16 levels");
}
END_TEST

START_TEST(test_alias_bomb) {
        /* The "billion laughs": refused at the first alias, never expanded. */
        static const char bomb[] =
                "a: &a [x, x, x, x, x, x, x, x, x]\n"
                "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                "version: 1\n";
        Policy *p = NULL;
        PolicyError e = {};

        ck_assert_int_eq(parse_text(bomb, &p, &e), -EINVAL);
        ck_assert_str_eq(e.message, "anchors are not supported");
        ck_assert_uint_eq(e.line, 1);
        ck_assert_uint_eq(e.column, 4);
}
END_TEST

/* ---- odd inputs ---- */

START_TEST(test_empty_input) {
        Policy *p = NULL;
        PolicyError e = { .line = 9 };

        ck_assert_int_eq(policy_parse(NULL, 0, &p, &e), -EINVAL);
        ck_assert_uint_eq(e.line, 0);
        ck_assert_str_eq(e.message, "missing required key 'version'");
        ck_assert_int_eq(policy_parse("", 0, &p, NULL), -EINVAL);
        ck_assert_int_eq(policy_parse(NULL, 1, &p, NULL), -EINVAL);
        ck_assert_int_eq(policy_parse("version: 1", 10, NULL, NULL), -EINVAL);
}
END_TEST

START_TEST(test_empty_document) {
        Policy *p = NULL;
        PolicyError e = {};

        ck_assert_int_eq(parse_text("---\n", &p, &e), -EINVAL);
        ck_assert_str_eq(e.message, "expected a mapping for the policy, got an empty value");
        ck_assert_uint_eq(e.line, 2);
        ck_assert_uint_eq(e.column, 1);
}
END_TEST

START_TEST(test_messages_escape_control_characters) {
        /* What the file says is quoted in messages with control characters escaped, so an error
         * cannot repaint the operator's terminal. */
        Policy *p = NULL;
        PolicyError e = {};

        ck_assert_int_eq(parse_text("version: 1\n\"\\e[2J\\ttab\": 1\n", &p, &e), -EINVAL);
        ck_assert_str_eq(e.message,
                         "unknown key '\\x1b[2J\\x09tab' in the policy; allowed keys: version, defaults, rules");
        ck_assert_uint_eq(e.line, 2);
        ck_assert_uint_eq(e.column, 1);
}
END_TEST

START_TEST(test_messages_cut_long_text) {
        Policy *p = NULL;
        PolicyError e = {};

        ck_assert_int_eq(parse_text("version: 1\ndefaults: {action: "
                                    "kill-kill-kill-kill-kill-kill-kill-kill-kill-kill-kill-kill-kill-kill-kill}\n",
                                    &p, &e),
                         -EINVAL);
        ck_assert_str_eq(e.message,
                         "unknown action 'kill-kill-kill-kill-kill-kill-kill-kill-kill-kill-kill-kill-kill...'; "
                         "valid actions: audit, kill");
}
END_TEST

START_TEST(test_error_format) {
        PolicyError at = { .line = 3, .column = 7, .message = "boom" };
        PolicyError whole = { .message = "missing required key 'version'" };
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL, *d = NULL;

        ck_assert_int_eq(policy_error_format("/etc/capguard/policy.yaml", &at, &a), 0);
        ck_assert_str_eq(a, "/etc/capguard/policy.yaml:3:7: boom");
        ck_assert_int_eq(policy_error_format("p.yaml", &whole, &b), 0);
        ck_assert_str_eq(b, "p.yaml: missing required key 'version'");
        ck_assert_int_eq(policy_error_format(NULL, &at, &c), 0);
        ck_assert_str_eq(c, "3:7: boom");
        ck_assert_int_eq(policy_error_format(NULL, &whole, &d), 0);
        ck_assert_str_eq(d, "missing required key 'version'");
        ck_assert_int_eq(policy_error_format("x", NULL, &d), -EINVAL);
}
END_TEST

/* ---- what a good policy parses to ---- */

START_TEST(test_issue_example) {
        _cleanup_free_ char *text = NULL;
        _cleanup_(policy_freep) Policy *p = NULL;
        const PolicyRule *r;
        PolicyError e = {};
        size_t len;

        text = fixture_read("policy/good-issue-example.yaml", &len);
        ck_assert_int_eq(parse_exact(text, len, &p, &e), 0);

        ck_assert_uint_eq(p->version, 1);
        ck_assert_int_eq(p->default_action, POLICY_ACTION_AUDIT);
        ck_assert_uint_eq(p->n_rules, 3);

        r = &p->rules[0];
        ck_assert_str_eq(r->name, "system-pods");
        ck_assert_uint_eq(r->line, 6);
        ck_assert_uint_eq(r->column, 5);
        ck_assert(r->allow);
        ck_assert_str_eq(r->match[MATCH_K8S_NAMESPACE][0], "kube-system");
        ck_assert_ptr_null(r->match[MATCH_K8S_NAMESPACE][1]);
        ck_assert_ptr_null(r->match[MATCH_POD]);
        ck_assert(!r->has_capabilities);
        ck_assert(!r->has_action);

        r = &p->rules[1];
        ck_assert_str_eq(r->name, "teams-restricted");
        ck_assert_str_eq(r->match[MATCH_K8S_NAMESPACE][0], "team-*");
        ck_assert(r->has_capabilities);
        ck_assert_str_eq(r->profile, "pss-restricted");
        ck_assert_uint_eq(r->profile_mask, caps("NET_BIND_SERVICE"));
        ck_assert_uint_eq(r->allow_caps, caps("NET_BIND_SERVICE"));
        ck_assert_uint_eq(r->deny_caps, caps("NET_RAW"));
        ck_assert_uint_eq(r->sets, POLICY_SETS_DEFAULT);
        for (PolicyRequire q = 0; q < _REQUIRE_MAX; q++)
                ck_assert_int_eq(r->require[q], 1);
        ck_assert(r->has_action);
        ck_assert_int_eq(r->action, POLICY_ACTION_KILL);
        ck_assert_int_eq(policy_rule_action(p, r), POLICY_ACTION_KILL);

        r = &p->rules[2];
        ck_assert_str_eq(r->name, "everything-else");
        for (PolicyMatchKey k = 0; k < _MATCH_KEY_MAX; k++)
                ck_assert_ptr_null(r->match[k]);
        ck_assert_str_eq(r->profile, "docker-default");
        ck_assert_uint_eq(r->allow_caps | r->deny_caps, 0);
        for (PolicyRequire q = 0; q < _REQUIRE_MAX; q++) {
                ck_assert_int_eq(r->require[q], -1);
                ck_assert(!policy_rule_requires(r, q));
        }
        ck_assert_int_eq(policy_rule_action(p, r), POLICY_ACTION_AUDIT);
}
END_TEST

START_TEST(test_all_keys) {
        _cleanup_free_ char *text = NULL;
        _cleanup_(policy_freep) Policy *p = NULL;
        const PolicyRule *r;
        PolicyError e = {};
        size_t len;

        text = fixture_read("policy/good-all-keys.yaml", &len);
        ck_assert_int_eq(parse_exact(text, len, &p, &e), 0);
        ck_assert_int_eq(p->default_action, POLICY_ACTION_KILL);
        ck_assert_uint_eq(p->n_rules, 2);

        r = &p->rules[0];
        ck_assert_str_eq(r->name, "web.frontend_v2");
        ck_assert_str_eq(r->match[MATCH_K8S_NAMESPACE][1], "shop-*");
        ck_assert_str_eq(r->match[MATCH_POD][0], "frontend-*");
        ck_assert_str_eq(r->match[MATCH_CONTAINER][0], "nginx");
        ck_assert_str_eq(r->match[MATCH_IMAGE][0], "registry.example.com/*/nginx:1.2[0-9]*");
        ck_assert_str_eq(r->match[MATCH_RUNTIME][1], "cri-*");
        ck_assert_str_eq(r->match[MATCH_RUNTIME_NAMESPACE][0], "k8s.io");
        ck_assert_str_eq(r->match[MATCH_CONTAINER_ID][0], "[0-9a-f]*");
        ck_assert_str_eq(r->profile, "none");
        ck_assert_uint_eq(r->profile_mask, 0);
        ck_assert_uint_eq(r->allow_caps, caps("NET_BIND_SERVICE CHOWN NET_RAW")); /* 13 is NET_RAW */
        ck_assert_uint_eq(r->deny_caps, capability_mask_all());
        ck_assert_uint_eq(policy_rule_allowed(r), 0); /* deny wins */
        ck_assert_uint_eq(r->sets, (1u << _CAP_SET_MAX) - 1);
        ck_assert_int_eq(r->require[REQUIRE_NO_NEW_PRIVS], 0);
        ck_assert_int_eq(r->require[REQUIRE_NON_ROOT], 1);
        ck_assert_int_eq(r->require[REQUIRE_SECCOMP], 0);
        ck_assert_int_eq(policy_rule_action(p, r), POLICY_ACTION_AUDIT);

        r = &p->rules[1];
        ck_assert_str_eq(r->name, "0");
        ck_assert(!r->has_capabilities);
        ck_assert(policy_rule_requires(r, REQUIRE_SECCOMP));
        ck_assert(!policy_rule_requires(r, REQUIRE_NON_ROOT));
        ck_assert_int_eq(policy_rule_action(p, r), POLICY_ACTION_KILL);
}
END_TEST

START_TEST(test_minimal) {
        _cleanup_(policy_freep) Policy *p = parse_ok("version: 1\n");

        ck_assert_uint_eq(p->version, 1);
        ck_assert_uint_eq(p->n_rules, 0);
        ck_assert_ptr_null(p->rules);
        ck_assert_int_eq(p->default_action, POLICY_ACTION_AUDIT);
}
END_TEST

START_TEST(test_yaml_spellings) {
        /* Block and flow styles, quoting, comments, a document marker, "1" with leading zero. */
        _cleanup_(policy_freep) Policy *p = parse_ok("%YAML 1.1\n"
                                                     "--- # policy\n"
                                                     "version: 01\n"
                                                     "rules:\n"
                                                     "- name: 'quoted'\n"
                                                     "  match: {\"pod\": [ \"a*\" , 'b' ]}\n"
                                                     "  require:\n"
                                                     "    seccomp: TRUE\n"
                                                     "...\n");

        ck_assert_uint_eq(p->version, 1);
        ck_assert_str_eq(p->rules[0].name, "quoted");
        ck_assert_str_eq(p->rules[0].match[MATCH_POD][1], "b");
        ck_assert_int_eq(p->rules[0].require[REQUIRE_SECCOMP], 1);
}
END_TEST

START_TEST(test_profile_implications) {
        static const char text[] =
                "version: 1\n"
                "rules:\n"
                "- {name: restricted, match: {}, capabilities: {profile: pss-restricted}}\n"
                "- {name: relaxed, match: {}, capabilities: {profile: pss-restricted}, require: {non_root: false}}\n"
                "- {name: baseline, match: {}, capabilities: {profile: pss-baseline}}\n"
                "- {name: docker, match: {}, capabilities: {profile: docker-default}}\n";
        _cleanup_(policy_freep) Policy *p = parse_ok(text);

        for (PolicyRequire q = 0; q < _REQUIRE_MAX; q++) {
                ck_assert(policy_rule_requires(&p->rules[0], q));
                ck_assert(policy_rule_requires(&p->rules[1], q) == (q != REQUIRE_NON_ROOT));
                ck_assert(!policy_rule_requires(&p->rules[2], q));
                ck_assert(!policy_rule_requires(&p->rules[3], q));
        }
        ck_assert(policy_rule_forbids_privileged(&p->rules[0]));
        ck_assert(policy_rule_forbids_privileged(&p->rules[2]));
        ck_assert(!policy_rule_forbids_privileged(&p->rules[3]));
}
END_TEST

START_TEST(test_every_profile_parses) {
        for (const char *const *name = cap_profile_names; *name; name++) {
                _cleanup_free_ char *text = NULL;
                _cleanup_(policy_freep) Policy *p = NULL;
                uint64_t mask;

                ck_assert_int_ge(asprintf(&text, "version: 1\nrules: [{name: r, match: {}, capabilities: {profile: %s}}]\n",
                                          *name), 0);
                p = parse_ok(text);
                ck_assert_int_eq(cap_profile_mask(*name, &mask), 0);
                ck_assert_str_eq(p->rules[0].profile, *name);
                ck_assert_uint_eq(p->rules[0].profile_mask, mask);
        }
}
END_TEST

START_TEST(test_every_set_parses) {
        for (CapSet s = 0; s < _CAP_SET_MAX; s++) {
                _cleanup_free_ char *text = NULL;
                _cleanup_(policy_freep) Policy *p = NULL;

                ck_assert_int_ge(asprintf(&text, "version: 1\nrules: [{name: r, match: {}, capabilities: {profile: none, sets: [%s]}}]\n",
                                          capset_to_string(s)), 0);
                p = parse_ok(text);
                ck_assert_uint_eq(p->rules[0].sets, 1u << s);
        }
}
END_TEST

START_TEST(test_shipped_policies) {
        static const char *const files[] = { "default.yaml", "pss-baseline.yaml", "pss-restricted.yaml" };

        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                _cleanup_close_ int dir_fd = open(POLICIES_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                _cleanup_free_ char *text = NULL;
                _cleanup_(policy_freep) Policy *p = NULL;
                PolicyError e = {};
                size_t len;

                ck_assert_int_ge(dir_fd, 0);
                ck_assert_int_eq(read_full_file_at(dir_fd, files[i], POLICY_SIZE_MAX, &text, &len), 0);
                ck_assert_msg(parse_exact(text, len, &p, &e) == 0, "%s:%u:%u: %s", files[i], e.line, e.column,
                              e.message);
                ck_assert_uint_ge(p->n_rules, 1);
        }
}
END_TEST

START_TEST(test_glob_validate) {
        static const char *const good[] = {
                "*", "?", "a", "team-*", "[]]", "[!]a]", "[^a-z]", "[[:alpha:]]", "[[:xdigit:]_-]*", "a\\*",
                "[a\\]]", "[[.a.]]", "[[=e=]]", "x]", "**",
        };
        static const struct {
                const char *pattern, *problem;
        } bad_globs[] = {
                { "", "is empty" },
                { "[", "has an unbalanced '['" },
                { "[]", "has an unbalanced '['" },
                { "[!]", "has an unbalanced '['" },
                { "a[b-c", "has an unbalanced '['" },
                { "a\\", "ends in a lone '\\'" },
                { "[a\\", "ends in a lone '\\'" },
                { "[[:alpha:]", "has an unbalanced '['" },
                { "[[:alpha]]", "has an unterminated '[:', '[.' or '[=' inside '[...]'" },
                { "[[::]]", "names an unknown character class (valid: alnum, alpha, blank, cntrl, digit, graph, "
                            "lower, print, punct, space, upper, xdigit)" },
                { "[[..]]", "has an empty '[::]', '[..]' or '[==]'" },
        };

        for (size_t i = 0; i < ELEMENTSOF(good); i++)
                ck_assert_msg(glob_validate(good[i], NULL) == 0, "'%s' refused", good[i]);
        for (size_t i = 0; i < ELEMENTSOF(bad_globs); i++) {
                const char *problem = NULL;

                ck_assert_msg(glob_validate(bad_globs[i].pattern, &problem) == -EINVAL, "'%s' accepted",
                              bad_globs[i].pattern);
                ck_assert_str_eq(problem, bad_globs[i].problem);
        }
        ck_assert_int_eq(glob_validate(NULL, NULL), -EINVAL);

        ck_assert(glob_fits("*", NULL));
        ck_assert(glob_fits("**", ""));
        ck_assert(!glob_fits("?*", NULL));
        ck_assert(glob_fits("[]]x", "]x"));
        ck_assert(glob_fits("a\\*", "a*"));
        ck_assert(!glob_fits("a\\*", "ab"));
        ck_assert(glob_is_literal("kube-system"));
        ck_assert(!glob_is_literal("kube-*"));
        ck_assert(!glob_is_literal("a\\b"));
}
END_TEST

START_TEST(test_enum_strings) {
        for (PolicyAction a = 0; a < _POLICY_ACTION_MAX; a++)
                ck_assert_int_eq(policy_action_from_string(policy_action_to_string(a)), a);
        for (PolicyMatchKey k = 0; k < _MATCH_KEY_MAX; k++)
                ck_assert_int_eq(policy_match_key_from_string(policy_match_key_to_string(k)), k);
        for (PolicyRequire q = 0; q < _REQUIRE_MAX; q++)
                ck_assert_int_eq(policy_require_from_string(policy_require_to_string(q)), q);
        ck_assert_int_eq(policy_action_from_string("Kill"), -EINVAL);
        ck_assert_int_eq(policy_action_from_string(NULL), -EINVAL);
        ck_assert_ptr_null(policy_action_to_string(_POLICY_ACTION_MAX));
        ck_assert_ptr_null(policy_match_key_to_string(-1));
        policy_free(NULL);
}
END_TEST

static Suite *suite(void) {
        Suite *s = suite_create("policy-yaml");
        TCase *tc = tcase_create("refusals"), *tl = tcase_create("limits"), *tg = tcase_create("good");

        tcase_add_loop_test(tc, test_bad_fixture, 0, ELEMENTSOF(bad));
        tcase_add_test(tc, test_bad_fixtures_all_listed);
        tcase_add_test(tc, test_empty_input);
        tcase_add_test(tc, test_empty_document);
        tcase_add_test(tc, test_messages_escape_control_characters);
        tcase_add_test(tc, test_messages_cut_long_text);
        tcase_add_test(tc, test_error_format);
        suite_add_tcase(s, tc);

        tcase_add_test(tl, test_limit_size);
        tcase_add_test(tl, test_limit_rules);
        tcase_add_test(tl, test_limit_list);
        tcase_add_test(tl, test_limit_string);
        tcase_add_test(tl, test_limit_depth);
        tcase_add_test(tl, test_alias_bomb);
        suite_add_tcase(s, tl);

        tcase_add_test(tg, test_issue_example);
        tcase_add_test(tg, test_all_keys);
        tcase_add_test(tg, test_minimal);
        tcase_add_test(tg, test_yaml_spellings);
        tcase_add_test(tg, test_profile_implications);
        tcase_add_test(tg, test_every_profile_parses);
        tcase_add_test(tg, test_every_set_parses);
        tcase_add_test(tg, test_shipped_policies);
        tcase_add_test(tg, test_glob_validate);
        tcase_add_test(tg, test_enum_strings);
        suite_add_tcase(s, tg);
        return s;
}

int main(void) {
        return run_suite(suite());
}
