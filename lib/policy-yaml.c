/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Policy YAML (capguard.yaml(5)) to Policy, in two steps: yaml-tree.c turns the document into a
 * tree, refusing what we do not take of YAML and enforcing the size limits on the way in; this
 * file checks that tree against the format, key by key. Every refusal names its place. */
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "capguard/cap-profile.h"
#include "capguard/capability.h"
#include "capguard/glob.h"
#include "capguard/policy.h"
#include "capguard/runtime.h"
#include "capguard/yaml-tree.h"

/* Refuses the policy at node n, or the whole file if n is NULL. */
_printf_(3, 4)
static int fail(PolicyError *e, const YNode *n, const char *fmt, ...) {
        va_list ap;

        e->line = n ? n->line : 0;
        e->column = n ? n->column : 0;
        va_start(ap, fmt);
        (void) vsnprintf(e->message, sizeof e->message, fmt, ap);
        va_end(ap);
        return -EINVAL;
}

#define QUOTE_MAX 72

/* Policy text shown in a message: control characters escaped (a message may reach a terminal),
 * long text cut at a character boundary. */
static const char *quote(const char *s, char buf[static QUOTE_MAX]) {
        size_t o = 0;

        for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
                bool continuation = (*p & 0xc0) == 0x80;

                if (!continuation && o >= QUOTE_MAX - 8) {
                        memcpy(buf + o, "...", 4);
                        return buf;
                }
                if (*p < 0x20 || *p == 0x7f)
                        o += (size_t) snprintf(buf + o, QUOTE_MAX - o, "\\x%02x", *p);
                else
                        buf[o++] = (char) *p;
        }
        buf[o] = '\0';
        return buf;
}

static void join(const char *const *names, size_t n, char *buf, size_t size) {
        size_t o = 0;

        buf[0] = '\0';
        for (size_t i = 0; i < n && names[i] && o < size; i++)
                o += (size_t) snprintf(buf + o, size - o, "%s%s", i > 0 ? ", " : "", names[i]);
}

/* "a list", "'yes'", ... for "expected X, got Y" */
static const char *describe(const YNode *n, char buf[static QUOTE_MAX + 32]) {
        char q[QUOTE_MAX];

        switch (n->type) {
        case YNODE_SEQUENCE:
                return "a list";
        case YNODE_MAPPING:
                return "a mapping";
        default:
                if (ynode_is_null(n))
                        return "an empty value";
                (void) snprintf(buf, QUOTE_MAX + 32, "%s'%s'", n->plain ? "" : "the quoted string ",
                                quote(n->value, q));
                return buf;
        }
}

static int expect_string(const YNode *n, const char *key, const char **ret, PolicyError *e) {
        char d[QUOTE_MAX + 32];

        if (n->type != YNODE_SCALAR || ynode_is_null(n))
                return fail(e, n, "expected a string for '%s', got %s", key, describe(n, d));
        *ret = n->value;
        return 0;
}

static int expect_bool(const YNode *n, const char *key, bool *ret, PolicyError *e) {
        static const char *const truths[] = { "true", "True", "TRUE" };
        static const char *const lies[] = { "false", "False", "FALSE" };
        char d[QUOTE_MAX + 32];

        if (n->type == YNODE_SCALAR && n->plain)
                for (size_t i = 0; i < ELEMENTSOF(truths); i++) {
                        if (streq(n->value, truths[i])) {
                                *ret = true;
                                return 0;
                        }
                        if (streq(n->value, lies[i])) {
                                *ret = false;
                                return 0;
                        }
                }
        return fail(e, n, "expected true or false for '%s', got %s", key, describe(n, d));
}

/* Checks that n is a list of at most max non-empty strings; what names one ("capability name"). */
static int expect_list(const YNode *n, const char *key, const char *what, size_t max, PolicyError *e) {
        char d[QUOTE_MAX + 32];

        if (n->type != YNODE_SEQUENCE)
                return fail(e, n, "expected a list of %ss for '%s', got %s", what, key, describe(n, d));
        if (n->n_children > max)
                return fail(e, n, "'%s' has %zu entries, more than the limit of %zu", key, n->n_children, max);
        for (size_t i = 0; i < n->n_children; i++) {
                const YNode *c = n->children[i];

                if (c->type != YNODE_SCALAR || ynode_is_null(c))
                        return fail(e, c, "expected a %s in '%s', got %s", what, key, describe(c, d));
        }
        return 0;
}

/* Looks up the keys of mapping n, all of which must be among keys[] and none twice: values[i]
 * is then the value of keys[i], or NULL. what says where the mapping is ("a rule"). */
static int map_lookup(const YNode *n, const char *what, const char *const keys[], size_t n_keys,
                      const YNode *values[], PolicyError *e) {
        const YNode *key_nodes[8] = {};
        char d[QUOTE_MAX + 32], q[QUOTE_MAX];

        assert(n_keys <= ELEMENTSOF(key_nodes));

        if (n->type != YNODE_MAPPING)
                return fail(e, n, "expected a mapping for %s, got %s", what, describe(n, d));

        for (size_t i = 0; i < n_keys; i++)
                values[i] = NULL;

        for (size_t c = 0; c + 1 < n->n_children; c += 2) {
                const YNode *key = n->children[c];
                size_t i;

                for (i = 0; i < n_keys; i++)
                        if (streq(key->value, keys[i]))
                                break;
                if (i == n_keys) {
                        char allowed[256];

                        join(keys, n_keys, allowed, sizeof allowed);
                        return fail(e, key, "unknown key '%s' in %s; allowed keys: %s",
                                    quote(key->value, q), what, allowed);
                }
                if (key_nodes[i])
                        return fail(e, key, "duplicate key '%s' (first given at line %u)", keys[i],
                                    key_nodes[i]->line);
                key_nodes[i] = key;
                values[i] = n->children[c + 1];
        }
        return 0;
}

static int parse_version(const YNode *root, unsigned *ret, PolicyError *e) {
        /* Looked at before anything else: a newer format may have keys this build does not
         * know, and "newer than" is the only useful thing to say about it. */
        const YNode *v = ynode_map_get(root, "version");
        char d[QUOTE_MAX + 32];
        unsigned long long version = 0;

        if (!v)
                return fail(e, NULL, "missing required key 'version'");

        if (v->type != YNODE_SCALAR || !v->plain || !*v->value ||
            strspn(v->value, "0123456789") != strlen(v->value))
                return fail(e, v, "expected an integer for 'version', got %s", describe(v, d));

        for (const char *p = v->value; *p && version <= POLICY_VERSION; p++)
                version = version * 10 + (unsigned) (*p - '0');
        if (version == 0)
                return fail(e, v, "version 0 is not valid; this capguard understands version %u",
                            POLICY_VERSION);
        if (version > POLICY_VERSION)
                return fail(e, v, "version %s is newer than this capguard understands (%u)",
                            quote(v->value, d), POLICY_VERSION);

        *ret = (unsigned) version;
        return 0;
}

static int parse_action(const YNode *n, PolicyAction *ret, PolicyError *e) {
        const char *s = NULL;
        char q[QUOTE_MAX];
        PolicyAction a;
        int r;

        r = expect_string(n, "action", &s, e);
        if (r < 0)
                return r;
        a = policy_action_from_string(s);
        if (a < 0)
                return fail(e, n, "unknown action '%s'; valid actions: audit, kill", quote(s, q));
        *ret = a;
        return 0;
}

static int parse_defaults(const YNode *n, Policy *p, PolicyError *e) {
        static const char *const keys[] = { "action" };
        const YNode *v[ELEMENTSOF(keys)];
        int r;

        r = map_lookup(n, "'defaults'", keys, ELEMENTSOF(keys), v, e);
        if (r < 0)
                return r;
        if (v[0])
                return parse_action(v[0], &p->default_action, e);
        return 0;
}

static int check_runtime_glob(const YNode *n, PolicyError *e) {
        const char *names[_RUNTIME_MAX];
        char valid[128], q[QUOTE_MAX];

        for (Runtime rt = 0; rt < _RUNTIME_MAX; rt++) {
                names[rt] = runtime_to_string(rt);
                if (glob_fits(n->value, names[rt]))
                        return 0;
        }

        /* A typo would otherwise silently never fit. */
        join(names, _RUNTIME_MAX, valid, sizeof valid);
        if (glob_is_literal(n->value))
                return fail(e, n, "unknown runtime '%s'; valid runtimes: %s", quote(n->value, q), valid);
        return fail(e, n, "pattern '%s' fits no runtime; valid runtimes: %s", quote(n->value, q), valid);
}

static int parse_globs(const YNode *n, PolicyMatchKey k, char ***ret, PolicyError *e) {
        const char *key = policy_match_key_to_string(k);
        char **l;
        int r;

        r = expect_list(n, key, "string", POLICY_LIST_MAX, e);
        if (r < 0)
                return r;
        if (n->n_children == 0)
                return fail(e, n, "expected at least one pattern in '%s'; omit the key to fit any %s",
                            key, key);

        for (size_t i = 0; i < n->n_children; i++) {
                const YNode *c = n->children[i];
                const char *problem = NULL;
                char q[QUOTE_MAX];

                if (glob_validate(c->value, &problem) < 0)
                        return fail(e, c, "pattern '%s' in '%s' %s", quote(c->value, q), key, problem);
                if (k == MATCH_RUNTIME) {
                        r = check_runtime_glob(c, e);
                        if (r < 0)
                                return r;
                }
        }

        l = calloc(n->n_children + 1, sizeof *l);
        if (!l)
                return -ENOMEM;
        *ret = l; /* owned by the rule from here on, so freed with it on any failure */
        for (size_t i = 0; i < n->n_children; i++) {
                l[i] = strdup(n->children[i]->value);
                if (!l[i])
                        return -ENOMEM;
        }
        return 0;
}

static int parse_match(const YNode *n, PolicyRule *rule, PolicyError *e) {
        const char *keys[_MATCH_KEY_MAX];
        const YNode *v[_MATCH_KEY_MAX];
        int r;

        for (PolicyMatchKey k = 0; k < _MATCH_KEY_MAX; k++)
                keys[k] = policy_match_key_to_string(k);

        r = map_lookup(n, "'match'", keys, _MATCH_KEY_MAX, v, e);
        if (r < 0)
                return r;

        for (PolicyMatchKey k = 0; k < _MATCH_KEY_MAX; k++)
                if (v[k]) {
                        r = parse_globs(v[k], k, &rule->match[k], e);
                        if (r < 0)
                                return r;
                }
        return 0;
}

static int parse_caps(const YNode *n, const char *key, uint64_t *ret, PolicyError *e) {
        uint64_t mask = 0;
        int r;

        r = expect_list(n, key, "capability name", POLICY_LIST_MAX, e);
        if (r < 0)
                return r;

        for (size_t i = 0; i < n->n_children; i++) {
                const YNode *c = n->children[i];
                char q[QUOTE_MAX];
                unsigned cap;

                if (strcasecmp(c->value, "ALL") == 0)
                        mask |= capability_mask_all();
                else if (capability_from_name(c->value, &cap) >= 0)
                        mask |= cap_bit(cap);
                else
                        return fail(e, c, "unknown capability '%s' in '%s'", quote(c->value, q), key);
        }

        *ret = mask;
        return 0;
}

static int parse_sets(const YNode *n, unsigned *ret, PolicyError *e) {
        unsigned sets = 0;
        int r;

        r = expect_list(n, "sets", "capability set", POLICY_LIST_MAX, e);
        if (r < 0)
                return r;
        if (n->n_children == 0)
                return fail(e, n, "expected at least one capability set in 'sets'");

        for (size_t i = 0; i < n->n_children; i++) {
                const YNode *c = n->children[i];
                CapSet s = capset_from_string(c->value);
                char q[QUOTE_MAX];

                if (s < 0)
                        return fail(e, c,
                                    "unknown capability set '%s'; valid sets: bounding, permitted, "
                                    "effective, inheritable, ambient",
                                    quote(c->value, q));
                sets |= 1u << s;
        }

        *ret = sets;
        return 0;
}

static int parse_profile(const YNode *n, PolicyRule *rule, PolicyError *e) {
        const char *s = NULL;
        char valid[160], q[QUOTE_MAX];
        size_t n_profiles = 0;
        int r;

        r = expect_string(n, "profile", &s, e);
        if (r < 0)
                return r;

        r = cap_profile_mask(s, &rule->profile_mask);
        if (r == -ENOENT) {
                while (cap_profile_names[n_profiles])
                        n_profiles++;
                join(cap_profile_names, n_profiles, valid, sizeof valid);
                return fail(e, n, "unknown profile '%s'; valid profiles: %s", quote(s, q), valid);
        }
        if (r < 0)
                return fail(e, n, "profile '%s' names a capability libcap does not know", quote(s, q));

        rule->profile = strdup(s);
        return rule->profile ? 0 : -ENOMEM;
}

enum { CAPS_PROFILE, CAPS_ALLOW, CAPS_DENY, CAPS_SETS, _CAPS_KEY_MAX };

static int parse_capabilities(const YNode *n, PolicyRule *rule, PolicyError *e) {
        static const char *const keys[_CAPS_KEY_MAX] = { "profile", "allow", "deny", "sets" };
        const YNode *v[_CAPS_KEY_MAX];
        int r;

        r = map_lookup(n, "'capabilities'", keys, _CAPS_KEY_MAX, v, e);
        if (r < 0)
                return r;

        if (!v[CAPS_PROFILE])
                return fail(e, n, "missing required key 'profile' in 'capabilities'; "
                                  "'profile: none' starts from no capabilities");
        r = parse_profile(v[CAPS_PROFILE], rule, e);
        if (r < 0)
                return r;

        if (v[CAPS_ALLOW]) {
                r = parse_caps(v[CAPS_ALLOW], "allow", &rule->allow_caps, e);
                if (r < 0)
                        return r;
        }
        if (v[CAPS_DENY]) {
                r = parse_caps(v[CAPS_DENY], "deny", &rule->deny_caps, e);
                if (r < 0)
                        return r;
        }

        rule->sets = POLICY_SETS_DEFAULT;
        if (v[CAPS_SETS]) {
                r = parse_sets(v[CAPS_SETS], &rule->sets, e);
                if (r < 0)
                        return r;
        }

        rule->has_capabilities = true;
        return 0;
}

static int parse_require(const YNode *n, PolicyRule *rule, PolicyError *e) {
        const char *keys[_REQUIRE_MAX];
        const YNode *v[_REQUIRE_MAX];
        int r;

        for (PolicyRequire q = 0; q < _REQUIRE_MAX; q++)
                keys[q] = policy_require_to_string(q);

        r = map_lookup(n, "'require'", keys, _REQUIRE_MAX, v, e);
        if (r < 0)
                return r;

        for (PolicyRequire q = 0; q < _REQUIRE_MAX; q++)
                if (v[q]) {
                        bool b;

                        r = expect_bool(v[q], keys[q], &b, e);
                        if (r < 0)
                                return r;
                        rule->require[q] = b;
                }
        return 0;
}

static bool rule_name_is_valid(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || n > POLICY_RULE_NAME_MAX)
                return false;
        if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
                return false;
        return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

static int parse_rule_name(const YNode *n, const Policy *p, PolicyRule *rule, PolicyError *e) {
        const char *s = NULL;
        char q[QUOTE_MAX];
        int r;

        r = expect_string(n, "name", &s, e);
        if (r < 0)
                return r;
        if (!rule_name_is_valid(s))
                return fail(e, n,
                            "invalid rule name '%s': use 1 to %u characters of a-z, 0-9, '.', '_' and '-', "
                            "starting with a letter or digit",
                            quote(s, q), POLICY_RULE_NAME_MAX);

        /* The rule being parsed is the last one in p. */
        for (size_t i = 0; i + 1 < p->n_rules; i++)
                if (streq(p->rules[i].name, s))
                        return fail(e, n, "duplicate rule name '%s' (first used by the rule at line %u)", s,
                                    p->rules[i].line);

        rule->name = strdup(s);
        return rule->name ? 0 : -ENOMEM;
}

enum { RULE_NAME, RULE_MATCH, RULE_ALLOW, RULE_CAPABILITIES, RULE_REQUIRE, RULE_ACTION, _RULE_KEY_MAX };

/* A rule that fits must do something: exempt, or check. */
static int check_rule_effect(const YNode *n, const YNode *v[], const PolicyRule *rule, PolicyError *e) {
        static const int checks[] = { RULE_CAPABILITIES, RULE_REQUIRE, RULE_ACTION };
        static const char *const check_names[] = { "capabilities", "require", "action" };

        if (rule->allow) {
                for (size_t i = 0; i < ELEMENTSOF(checks); i++)
                        if (v[checks[i]])
                                return fail(e, v[checks[i]],
                                            "rule '%s' has 'allow: true', so its '%s' would never apply; "
                                            "remove one of them",
                                            rule->name, check_names[i]);
                return 0;
        }

        if (rule->has_capabilities)
                return 0;
        for (PolicyRequire q = 0; q < _REQUIRE_MAX; q++)
                if (policy_rule_requires(rule, q))
                        return 0;

        return fail(e, n, "rule '%s' checks nothing; give it 'capabilities', 'require' or 'allow: true'",
                    rule->name);
}

static int parse_rule(const YNode *n, const Policy *p, PolicyRule *rule, PolicyError *e) {
        static const char *const keys[_RULE_KEY_MAX] = {
                "name", "match", "allow", "capabilities", "require", "action",
        };
        const YNode *v[_RULE_KEY_MAX];
        int r;

        r = map_lookup(n, "a rule", keys, _RULE_KEY_MAX, v, e);
        if (r < 0)
                return r;

        rule->line = n->line;
        rule->column = n->column;

        if (!v[RULE_NAME])
                return fail(e, n, "missing required key 'name' in a rule");
        r = parse_rule_name(v[RULE_NAME], p, rule, e);
        if (r < 0)
                return r;

        if (!v[RULE_MATCH])
                return fail(e, n, "rule '%s' has no 'match'; 'match: {}' fits every container", rule->name);
        r = parse_match(v[RULE_MATCH], rule, e);
        if (r < 0)
                return r;

        if (v[RULE_ALLOW]) {
                r = expect_bool(v[RULE_ALLOW], "allow", &rule->allow, e);
                if (r < 0)
                        return r;
        }
        if (v[RULE_CAPABILITIES]) {
                r = parse_capabilities(v[RULE_CAPABILITIES], rule, e);
                if (r < 0)
                        return r;
        }
        if (v[RULE_REQUIRE]) {
                r = parse_require(v[RULE_REQUIRE], rule, e);
                if (r < 0)
                        return r;
        }
        if (v[RULE_ACTION]) {
                r = parse_action(v[RULE_ACTION], &rule->action, e);
                if (r < 0)
                        return r;
                rule->has_action = true;
        }

        return check_rule_effect(n, v, rule, e);
}

static int parse_rules(const YNode *n, Policy *p, PolicyError *e) {
        char d[QUOTE_MAX + 32];

        if (n->type != YNODE_SEQUENCE)
                return fail(e, n, "expected a list of rules for 'rules', got %s", describe(n, d));
        if (n->n_children > POLICY_RULES_MAX)
                return fail(e, n, "'rules' has %zu rules, more than the limit of %u", n->n_children,
                            POLICY_RULES_MAX);
        if (n->n_children == 0)
                return 0;

        p->rules = calloc(n->n_children, sizeof *p->rules);
        if (!p->rules)
                return -ENOMEM;

        for (size_t i = 0; i < n->n_children; i++) {
                /* Counted before it is filled, so that policy_free() releases a half-parsed rule. */
                PolicyRule *rule = &p->rules[p->n_rules++];
                int r;

                for (PolicyRequire q = 0; q < _REQUIRE_MAX; q++)
                        rule->require[q] = -1;

                r = parse_rule(n->children[i], p, rule, e);
                if (r < 0)
                        return r;
        }
        return 0;
}

enum { TOP_VERSION, TOP_DEFAULTS, TOP_RULES, _TOP_KEY_MAX };

static int parse_policy(const YNode *root, Policy *p, PolicyError *e) {
        static const char *const keys[_TOP_KEY_MAX] = { "version", "defaults", "rules" };
        const YNode *v[_TOP_KEY_MAX];
        char d[QUOTE_MAX + 32];
        int r;

        if (!root)
                return fail(e, NULL, "missing required key 'version'");
        if (root->type != YNODE_MAPPING)
                return fail(e, root, "expected a mapping for the policy, got %s", describe(root, d));

        r = parse_version(root, &p->version, e);
        if (r < 0)
                return r;

        r = map_lookup(root, "the policy", keys, _TOP_KEY_MAX, v, e);
        if (r < 0)
                return r;
        if (v[TOP_DEFAULTS]) {
                r = parse_defaults(v[TOP_DEFAULTS], p, e);
                if (r < 0)
                        return r;
        }
        if (v[TOP_RULES]) {
                r = parse_rules(v[TOP_RULES], p, e);
                if (r < 0)
                        return r;
        }
        return 0;
}

int policy_parse(const char *buf, size_t len, Policy **ret, PolicyError *ret_error) {
        _cleanup_(policy_freep) Policy *p = NULL;
        _cleanup_(ynode_freep) YNode *root = NULL;
        static const YamlLimits limits = {
                .depth_max = POLICY_DEPTH_MAX,
                .string_max = POLICY_STRING_MAX,
        };
        YamlError yaml_error = {};
        PolicyError error = {};
        int r;

        if (!buf && len > 0)
                return -EINVAL;
        if (!ret)
                return -EINVAL;

        if (len > POLICY_SIZE_MAX) {
                (void) fail(&error, NULL, "file is %zu bytes, more than the limit of %u KiB", len,
                            POLICY_SIZE_MAX / 1024);
                r = -EFBIG;
                goto finish;
        }

        r = yaml_tree_parse(buf ?: "", len, &limits, &root, &yaml_error);
        if (r == -EINVAL) {
                _Static_assert(sizeof error.message == sizeof yaml_error.message, "messages differ in size");
                error.line = yaml_error.line;
                error.column = yaml_error.column;
                memcpy(error.message, yaml_error.message, sizeof error.message);
        }
        if (r < 0)
                goto finish;

        p = calloc(1, sizeof *p);
        if (!p) {
                r = -ENOMEM;
                goto finish;
        }
        p->default_action = POLICY_ACTION_AUDIT;

        r = parse_policy(root, p, &error);
        if (r < 0)
                goto finish;

        *ret = TAKE_PTR(p);
finish:
        if (r < 0 && r != -ENOMEM && ret_error)
                *ret_error = error;
        return r;
}
