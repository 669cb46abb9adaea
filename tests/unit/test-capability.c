/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <linux/capability.h>
#include <string.h>

#include "capguard/cap-info.h"
#include "capguard/cap-profile.h"
#include "capguard/capability.h"
#include "check-util.h"

START_TEST(test_names_round_trip) {
        /* Every capability the kernel knows has a name that parses back to its number. */
        for (unsigned c = 0; c <= capability_last(); c++) {
                const char *name = capability_to_name(c);
                unsigned back = 999;

                ck_assert_ptr_nonnull(name);
                ck_assert_msg(strncmp(name, "CAP_", 4) == 0, "%s", name);
                ck_assert_int_eq(capability_from_name(name, &back), 0);
                ck_assert_uint_eq(back, c);
        }
}
END_TEST

START_TEST(test_names_spellings) {
        static const char *const good[] = { "NET_RAW", "net_raw", "CAP_NET_RAW", "cap_net_raw", "Cap_Net_Raw", "CAP_13", "13" };
        static const char *const bad[] = { "", "CAP_", "NETRAW", "NET RAW", "NET-RAW", "CAP_NET_RAW_", "64", "CAP_64", "007",
                                           "-1", "cap_net_raw\n", "ALL", "CAP_ALL", "CAP_CAP_NET_RAW",
                                           "net_raw_net_raw_net_raw_net_raw_x" };
        unsigned c;

        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                c = 999;
                ck_assert_msg(capability_from_name(good[i], &c) == 0, "%s", good[i]);
                ck_assert_uint_eq(c, CAP_NET_RAW);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                c = 999;
                ck_assert_msg(capability_from_name(bad[i], &c) == -EINVAL, "'%s' accepted", bad[i]);
                ck_assert_uint_eq(c, 999); /* untouched on failure */
        }
}
END_TEST

START_TEST(test_unnamed_bits) {
        /* A bit libcap has no name for is still shown, and parses back. */
        unsigned c = 0;

        ck_assert_str_eq(capability_to_name(63), "CAP_63");
        ck_assert_int_eq(capability_from_name("CAP_63", &c), 0);
        ck_assert_uint_eq(c, 63);
        ck_assert_ptr_null(capability_to_name(64));
}
END_TEST

START_TEST(test_mask_parse) {
        uint64_t m = 1;

        ck_assert_int_eq(capability_mask_parse("00000000a80425fb", &m), 0);
        ck_assert_uint_eq(m, 0xa80425fbULL);
        ck_assert_int_eq(capability_mask_parse("0xA80425FB", &m), 0);
        ck_assert_uint_eq(m, 0xa80425fbULL);
        ck_assert_int_eq(capability_mask_parse("0", &m), 0);
        ck_assert_uint_eq(m, 0);
        ck_assert_int_eq(capability_mask_parse("ffffffffffffffff", &m), 0);
        ck_assert_uint_eq(m, UINT64_MAX);

        m = 42;
        ck_assert_int_eq(capability_mask_parse("", &m), -EINVAL);
        ck_assert_int_eq(capability_mask_parse("0x", &m), -EINVAL);
        ck_assert_int_eq(capability_mask_parse("1ffffffffffffffff", &m), -EINVAL);
        ck_assert_int_eq(capability_mask_parse("a8 0425fb", &m), -EINVAL);
        ck_assert_int_eq(capability_mask_parse("-1", &m), -EINVAL);
        ck_assert_int_eq(capability_mask_parse("0xg", &m), -EINVAL);
        ck_assert_int_eq(capability_mask_parse("NET_RAW", &m), -EINVAL);
        ck_assert_uint_eq(m, 42);
}
END_TEST

START_TEST(test_list_parse) {
        const char *bad = NULL;
        size_t bad_len = 0;
        uint64_t m = 0;

        ck_assert_int_eq(capability_list_parse("NET_RAW, sys_admin\tCAP_KILL", &m, NULL, NULL), 0);
        ck_assert_uint_eq(m, cap_bit(CAP_NET_RAW) | cap_bit(CAP_SYS_ADMIN) | cap_bit(CAP_KILL));

        ck_assert_int_eq(capability_list_parse("all", &m, NULL, NULL), 0);
        ck_assert_uint_eq(m, capability_mask_all());

        ck_assert_int_eq(capability_list_parse("", &m, NULL, NULL), 0);
        ck_assert_uint_eq(m, 0);

        ck_assert_int_eq(capability_list_parse("NET_RAW,BOGUS,KILL", &m, &bad, &bad_len), -EINVAL);
        ck_assert_uint_eq(bad_len, 5);
        ck_assert_int_eq(strncmp(bad, "BOGUS", 5), 0);

        ck_assert_int_eq(capability_list_parse("KILL,a_very_long_token_that_is_longer_than_any_name", &m, &bad, &bad_len), -EINVAL);
        ck_assert_uint_eq(bad_len, strlen("a_very_long_token_that_is_longer_than_any_name"));
}
END_TEST

START_TEST(test_mask_all_follows_kernel) {
        /* Never assume CAP_LAST_CAP == 40: the mask must be whatever the kernel says. */
        _cleanup_free_ char *text = NULL;
        size_t len;
        int fd = open("/proc/sys/kernel", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        unsigned long last;

        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(read_full_file_at(fd, "cap_last_cap", 64, &text, &len), 0);
        close(fd);
        last = strtoul(text, NULL, 10);
        ck_assert_uint_eq(capability_last(), last);
        ck_assert_uint_eq(capability_mask_all(), last >= 63 ? UINT64_MAX : (UINT64_C(1) << (last + 1)) - 1);
}
END_TEST

START_TEST(test_mask_to_names) {
        _cleanup_free_ char *s = capability_mask_to_names(cap_bit(CAP_CHOWN) | cap_bit(CAP_SYS_ADMIN), " ");
        _cleanup_free_ char *e = capability_mask_to_names(0, " ");

        ck_assert_str_eq(s, "CAP_CHOWN CAP_SYS_ADMIN");
        ck_assert_str_eq(e, "");
}
END_TEST

START_TEST(test_capsets) {
        ck_assert_str_eq(capset_to_string(CAP_SET_BOUNDING), "bounding");
        ck_assert_int_eq(capset_from_string("ambient"), CAP_SET_AMBIENT);
        ck_assert_int_eq(capset_from_string("Ambient"), _CAP_SET_INVALID);
        ck_assert_str_eq(capset_status_key(CAP_SET_EFFECTIVE), "CapEff");
        ck_assert_str_eq(capset_json_key(CAP_SET_INHERITABLE), "cap_inh");
        ck_assert_ptr_null(capset_to_string(_CAP_SET_MAX));
}
END_TEST

START_TEST(test_profiles) {
        /* The masks RUNTIMES.md measured on real runtimes. */
        uint64_t m;

        ck_assert_int_eq(cap_profile_mask("docker-default", &m), 0);
        ck_assert_uint_eq(m, 0xa80425fbULL);
        ck_assert_int_eq(cap_profile_mask("runc-default", &m), 0);
        ck_assert_uint_eq(m, 0x20000420ULL);
        ck_assert_int_eq(cap_profile_mask("pss-baseline", &m), 0);
        ck_assert_uint_eq(m, 0xa80425fbULL & ~cap_bit(CAP_NET_RAW));
        ck_assert_int_eq(cap_profile_mask("pss-restricted", &m), 0);
        ck_assert_uint_eq(m, cap_bit(CAP_NET_BIND_SERVICE));
        ck_assert_int_eq(cap_profile_mask("cri-o-default", &m), 0);
        ck_assert_uint_eq(__builtin_popcountll(m), 9);
        ck_assert_uint_eq(m & cap_bit(CAP_NET_RAW), 0);
        ck_assert_int_eq(cap_profile_mask("none", &m), 0);
        ck_assert_uint_eq(m, 0);
        ck_assert_int_eq(cap_profile_mask("docker", &m), -ENOENT);
        for (size_t i = 0; cap_profile_names[i]; i++)
                ck_assert_int_eq(cap_profile_mask(cap_profile_names[i], &m), 0);
}
END_TEST

START_TEST(test_descriptions) {
        /* Every capability this kernel knows is explained to the operator. */
        for (unsigned c = 0; c <= capability_last(); c++)
                ck_assert_msg(capability_describe(c), "no description for %s", capability_to_name(c));
        ck_assert_ptr_null(capability_describe(63));
        ck_assert_ptr_nonnull(strstr(capability_describe(CAP_NET_RAW), "sniff"));
}
END_TEST

static Suite *suite(void) {
        Suite *s = suite_create("capability");
        TCase *tc = tcase_create("core");

        tcase_add_test(tc, test_names_round_trip);
        tcase_add_test(tc, test_names_spellings);
        tcase_add_test(tc, test_unnamed_bits);
        tcase_add_test(tc, test_mask_parse);
        tcase_add_test(tc, test_list_parse);
        tcase_add_test(tc, test_mask_all_follows_kernel);
        tcase_add_test(tc, test_mask_to_names);
        tcase_add_test(tc, test_capsets);
        tcase_add_test(tc, test_profiles);
        tcase_add_test(tc, test_descriptions);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return run_suite(suite());
}
