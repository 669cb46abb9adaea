/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>

#include "capguard/sha256.h"
#include "check-util.h"

START_TEST(test_vectors) {
        /* FIPS 180-4 examples, plus the lengths around the padding boundaries */
        static const struct {
                const char *in, *digest;
        } v[] = {
                { "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
                { "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
                { "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
                { "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
                  "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
        };
        char hex[SHA256_HEX_SIZE];

        for (size_t i = 0; i < ELEMENTSOF(v); i++)
                ck_assert_str_eq(sha256_hex(v[i].in, strlen(v[i].in), hex), v[i].digest);
}
END_TEST

START_TEST(test_against_sha256sum) {
        /* Every length from 0 to 200 against coreutils, across both padding cases. */
        char buf[201], hex[SHA256_HEX_SIZE], cmd[512], want[SHA256_HEX_SIZE];

        for (size_t i = 0; i < sizeof buf; i++)
                buf[i] = (char) ('a' + i % 26);
        for (size_t n = 0; n <= 200; n += 1) {
                FILE *f;

                (void) snprintf(cmd, sizeof cmd, "printf '%%s' '%.*s' | sha256sum", (int) n, buf);
                f = popen(cmd, "r");
                ck_assert_ptr_nonnull(f);
                ck_assert_int_eq(fscanf(f, "%64s", want), 1);
                pclose(f);
                ck_assert_msg(streq(sha256_hex(buf, n, hex), want), "length %zu", n);
        }
}
END_TEST

int main(void) {
        Suite *s = suite_create("sha256");
        TCase *tc = tcase_create("digest");

        tcase_add_test(tc, test_vectors);
        tcase_add_test(tc, test_against_sha256sum);
        tcase_set_timeout(tc, 60);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
