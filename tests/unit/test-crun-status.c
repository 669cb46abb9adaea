/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <limits.h>
#include <sys/stat.h>
#include <time.h>

#include "capguard/crun-status.h"
#include "check-util.h"

#define FIXTURE "crun-created/crun-status"

static int parse(const char *json, CrunStatus *ret) {
        return crun_status_parse(json, strlen(json), ret);
}

static void parse_ok(const char *json, CrunStatus *ret) {
        int r = parse(json, ret);

        ck_assert_msg(r == 0, "refused (%d): %s", r, json);
}

static void parse_bad(const char *json, int want) {
        CrunStatus s = { .pid = -7 };
        int r = parse(json, &s);

        ck_assert_msg(r == want, "%s: %d, want %d", json, r, want);
        ck_assert_int_eq(s.pid, -7); /* untouched */
        ck_assert_ptr_null(s.bundle);
}

static int64_t usec_of(int year, int mon, int day, int h, int m, int s, int usec) {
        struct tm tm = { .tm_year = year - 1900, .tm_mon = mon - 1, .tm_mday = day, .tm_hour = h, .tm_min = m, .tm_sec = s };

        return (int64_t) timegm(&tm) * 1000000 + usec;
}

START_TEST(test_fixture) {
        _cleanup_crun_status_ CrunStatus s = {};
        _cleanup_free_ char *pid = NULL, *start = NULL, *bundle = NULL, *captured = NULL;
        int dir_fd, r, y, mo, d, h, mi, se;
        int64_t captured_usec;

        dir_fd = open(FIXTURES_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ck_assert_int_ge(dir_fd, 0);
        r = crun_status_read_at(dir_fd, FIXTURE, &s);
        close(dir_fd);
        ck_assert_msg(r == 0, "%s refused: %d", FIXTURE, r);

        /* what capture.sh read from /proc/<pid>/stat itself */
        pid = fixture_meta("crun-created", "init_pid");
        start = fixture_meta("crun-created", "process_start_time");
        bundle = fixture_meta("crun-created", "bundle");
        captured = fixture_meta("crun-created", "captured");
        ck_assert_ptr_nonnull(pid);
        ck_assert_ptr_nonnull(start);
        ck_assert_ptr_nonnull(bundle);
        ck_assert_ptr_nonnull(captured);
        ck_assert_int_eq(s.pid, atoi(pid));
        ck_assert_uint_eq(s.start, strtoull(start, NULL, 10));
        ck_assert_ptr_nonnull(s.bundle);
        ck_assert_str_eq(s.bundle, bundle);

        /* created moments before capture, to the microsecond crun writes */
        ck_assert(s.has_created);
        ck_assert_int_eq(sscanf(captured, "%d-%d-%dT%d:%d:%dZ", &y, &mo, &d, &h, &mi, &se), 6);
        captured_usec = usec_of(y, mo, d, h, mi, se, 0);
        ck_assert_msg(s.created_usec <= captured_usec + 1000000 && s.created_usec > captured_usec - 60 * 1000000,
                      "created %lld, captured %s", (long long) s.created_usec, captured);
        ck_assert_int_ne(s.created_usec % 1000000, 0);
}
END_TEST

START_TEST(test_example) {
        _cleanup_crun_status_ CrunStatus s = {};

        /* the example, as crun 1.8.1 writes it */
        parse_ok("{\"pid\": 21196, \"process-start-time\": 1192682, \"cgroup-path\": \"\", \"scope\": \"\", "
                 "\"rootfs\": \"rootfs\", \"systemd-cgroup\": false, \"bundle\": \"/tmp/crunb\", "
                 "\"created\": \"2026-11-28T15:13:28.721671Z\", \"owner\": \"root\", \"detached\": true, "
                 "\"external_descriptors\": \"[\\\"/dev/null\\\"]\"}", &s);
        ck_assert_int_eq(s.pid, 21196);
        ck_assert_uint_eq(s.start, 1192682);
        ck_assert_str_eq(s.bundle, "/tmp/crunb");
        ck_assert(s.has_created);
        ck_assert_int_eq(s.created_usec, usec_of(2026, 11, 28, 15, 13, 28, 721671));
}
END_TEST

#define STATUS(pid, start) "{\"pid\":" pid ",\"process-start-time\":" start "}"
#define STATUS_WITH(member) "{\"pid\":4242,\"process-start-time\":1596188," member "}"

START_TEST(test_optional) {
        _cleanup_crun_status_ CrunStatus a = {}, b = {}, c = {}, d = {};

        /* only pid and process-start-time are needed */
        parse_ok(STATUS("1", "1"), &a);
        ck_assert_int_eq(a.pid, 1);
        ck_assert_uint_eq(a.start, 1);
        ck_assert(!a.has_created);
        ck_assert_ptr_null(a.bundle);

        parse_ok(STATUS_WITH("\"created\":null,\"bundle\":null"), &b);
        ck_assert(!b.has_created);
        ck_assert_ptr_null(b.bundle);

        /* members crun writes but capguard does not read are not looked at, whatever they hold */
        parse_ok(STATUS_WITH("\"cgroup-path\":7,\"rootfs\":[],\"systemd-cgroup\":\"x\",\"owner\":{},\"id\":\"other\""), &c);
        ck_assert_int_eq(c.pid, 4242);

        /* crun reads its keys exactly (json-c), not the way Go matches them */
        parse_ok(STATUS_WITH("\"PID\":\"x\",\"Bundle\":7,\"bundle\":\"/a=b c\""), &d);
        ck_assert_int_eq(d.pid, 4242);
        ck_assert_str_eq(d.bundle, "/a=b c");
}
END_TEST

START_TEST(test_limits) {
        _cleanup_crun_status_ CrunStatus s = {};

        parse_ok(STATUS("2147483647", "9223372036854775806"), &s);
        ck_assert_int_eq(s.pid, INT_MAX);
        ck_assert_uint_eq(s.start, UINT64_C(9223372036854775806));
}
END_TEST

START_TEST(test_bad_init) {
        static const char *const cases[] = {
                /* missing */
                "{}",
                "{\"process-start-time\":1}",
                "{\"pid\":1}",
                "{\"pid\":null,\"process-start-time\":1}",
                "{\"pid\":1,\"process-start-time\":null}",
                /* pids */
                STATUS("0", "1"),
                STATUS("-1", "1"),
                STATUS("-2147483648", "1"),
                STATUS("2147483648", "1"),
                STATUS("99999999999999999999999", "1"),
                STATUS("1.0", "1"),
                STATUS("1e3", "1"),
                STATUS("\"1\"", "1"),
                STATUS("true", "1"),
                STATUS("[1]", "1"),
                /* start times: 0 is crun's "unknown", huge ones are json-c's clamp */
                STATUS("1", "0"),
                STATUS("1", "-1"),
                STATUS("1", "1.5"),
                STATUS("1", "\"1596188\""),
                STATUS("1", "9223372036854775807"),
                STATUS("1", "18446744073709551615"),
                STATUS("1", "18446744073709551616"),
                STATUS("1", "-9223372036854775809"),
                STATUS("1", "{}"),
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                parse_bad(cases[i], -EBADMSG);
}
END_TEST

START_TEST(test_bad_members) {
        static const char *const cases[] = {
                /* created: a string in RFC 3339 */
                STATUS_WITH("\"created\":1764332720"),
                STATUS_WITH("\"created\":\"\""),
                STATUS_WITH("\"created\":\"2026-11-28\""),
                STATUS_WITH("\"created\":\"2026-11-28T15:13:28.721671\""),
                STATUS_WITH("\"created\":\"2026-02-30T15:13:28Z\""),
                STATUS_WITH("\"created\":\"2026-11-28T15:13:28.721671Z \""),
                STATUS_WITH("\"created\":\"2026-11-28T15:13:28\\u0000Z\""),
                STATUS_WITH("\"created\":{}"),
                /* bundle: an absolute path, refused rather than cleaned */
                STATUS_WITH("\"bundle\":\"\""),
                STATUS_WITH("\"bundle\":\"relative/dir\""),
                STATUS_WITH("\"bundle\":\"/a\\nb\""),
                STATUS_WITH("\"bundle\":\"/a\\u0000b\""),
                STATUS_WITH("\"bundle\":\"/a\\u001b[2J\""),
                STATUS_WITH("\"bundle\":\"/a\\u202eb\""),
                STATUS_WITH("\"bundle\":\"/\xc3\x28\""),
                STATUS_WITH("\"bundle\":7"),
                STATUS_WITH("\"bundle\":[\"/a\"]"),
                /* a key twice: json-c would keep one, who knows which crun would */
                STATUS_WITH("\"pid\":1"),
                STATUS_WITH("\"bundle\":\"/a\",\"bundle\":\"/b\""),
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                parse_bad(cases[i], -EBADMSG);
}
END_TEST

#define T(text) { text, sizeof(text) - 1 }

START_TEST(test_garbage) {
        static const struct {
                const char *text;
                size_t len;
        } cases[] = {
                T(""),
                T("   \n"),
                T("null"),
                T("[]"),
                T("[{\"pid\":1,\"process-start-time\":1}]"),
                T("\"pid\""),
                T("{"),
                T("}"),
                T("{\"pid\":1,\"process-start-time\":1"),
                T("{\"pid\":1,\"process-start-time\":1}}"),
                T("{\"pid\":1,\"process-start-time\":1} x"),
                T("{\"pid\":1,\"process-start-time\":1}{}"),
                T("{'pid':1,'process-start-time':1}"),
                T("{pid:1,\"process-start-time\":1}"),
                T("{\"pid\":1,\"process-start-time\":1,}"),
                T("{\"pid\":01,\"process-start-time\":1}"),
                T("{\"pid\":1,\"process-start-time\":1}\0"),
                T("{\"pid\":1,\0\"process-start-time\":1}"),
                T("\xff\xfe{\"pid\":1,\"process-start-time\":1}"),
                T("pid=1 process-start-time=1"),
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                CrunStatus s = { .pid = -7 };
                int r = crun_status_parse(cases[i].text, cases[i].len, &s);

                ck_assert_msg(r == -EBADMSG, "case %zu: %d", i, r);
                ck_assert_int_eq(s.pid, -7);
        }
        ck_assert_int_eq(crun_status_parse(NULL, 0, &(CrunStatus) {}), -EINVAL);
}
END_TEST

START_TEST(test_truncated) {
        _cleanup_free_ char *text = NULL;
        size_t len, end;

        /* crun renames the file into place, but a torn copy must never parse */
        text = fixture_read(FIXTURE, &len);
        for (end = len; end > 0 && strchr(" \t\r\n", text[end - 1]); end--)
                ;
        for (size_t n = 0; n < len; n++) {
                _cleanup_crun_status_ CrunStatus s = {};
                int r = crun_status_parse(text, n, &s);

                if (n < end) {
                        ck_assert_msg(r == -EBADMSG, "prefix %zu gave %d", n, r);
                        continue;
                }
                ck_assert_int_eq(r, 0);
                ck_assert_int_gt(s.pid, 0);
        }
}
END_TEST

START_TEST(test_size) {
        size_t n = CRUN_STATUS_SIZE_MAX + 1;
        _cleanup_free_ char *big = malloc(n + 1);
        CrunStatus s = { .pid = -7 };
        char *p;

        /* valid JSON, padded past the limit with an unknown member */
        ck_assert_ptr_nonnull(big);
        p = stpcpy(big, "{\"pid\":1,\"process-start-time\":1,\"pad\":\"");
        memset(p, 'a', n - (size_t) (p - big) - 2);
        strcpy(big + n - 2, "\"}");
        ck_assert_uint_eq(strlen(big), n);
        ck_assert_int_eq(crun_status_parse(big, n, &s), -EFBIG);
        ck_assert_int_eq(s.pid, -7);

        /* the same, just inside the limit, parses */
        memmove(big + n - 3, "\"}", 3);
        ck_assert_int_eq(crun_status_parse(big, n - 1, &s), 0);
        crun_status_done(&s);
}
END_TEST

START_TEST(test_nesting) {
        size_t n = 100000;
        _cleanup_free_ char *json = malloc(2 * n + 128);
        CrunStatus s;
        char *p;

        /* deep nesting in a member nobody reads: still refused before it costs anything */
        ck_assert_ptr_nonnull(json);
        p = stpcpy(json, "{\"pid\":1,\"process-start-time\":1,\"x\":");
        memset(p, '[', n);
        p += n;
        memset(p, ']', n);
        p += n;
        strcpy(p, "}");
        ck_assert_int_eq(parse(json, &s), -EBADMSG);
}
END_TEST

START_TEST(test_read_at) {
        char tmpl[] = "/tmp/test-crun-status.XXXXXX", path[PATH_MAX];
        _cleanup_free_ char *text = NULL;
        CrunStatus s = { .pid = -7 };
        size_t len;
        int dir_fd;
        FILE *f;

        ck_assert_ptr_nonnull(mkdtemp(tmpl));
        dir_fd = open(tmpl, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ck_assert_int_ge(dir_fd, 0);

        text = fixture_read(FIXTURE, &len);
        (void) snprintf(path, sizeof path, "%s/status", tmpl);
        f = fopen(path, "we");
        ck_assert_ptr_nonnull(f);
        ck_assert_uint_eq(fwrite(text, 1, len, f), len);
        ck_assert_int_eq(fclose(f), 0);
        ck_assert_int_eq(crun_status_read_at(dir_fd, "status", &s), 0);
        ck_assert_int_gt(s.pid, 0);
        crun_status_done(&s);

        /* no symlink is followed, no FIFO read, no missing file taken for an empty one */
        (void) snprintf(path, sizeof path, "%s/link", tmpl);
        ck_assert_int_eq(symlink("status", path), 0);
        s.pid = -7;
        ck_assert_int_eq(crun_status_read_at(dir_fd, "link", &s), -ELOOP);
        (void) snprintf(path, sizeof path, "%s/fifo", tmpl);
        ck_assert_int_eq(mkfifo(path, 0600), 0);
        ck_assert_int_eq(crun_status_read_at(dir_fd, "fifo", &s), -EBADFD);
        ck_assert_int_eq(crun_status_read_at(dir_fd, "missing", &s), -ENOENT);

        /* too big for a status file: refused before it is read */
        (void) snprintf(path, sizeof path, "%s/big", tmpl);
        f = fopen(path, "we");
        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(ftruncate(fileno(f), CRUN_STATUS_SIZE_MAX + 1), 0);
        ck_assert_int_eq(fclose(f), 0);
        ck_assert_int_eq(crun_status_read_at(dir_fd, "big", &s), -EFBIG);
        ck_assert_int_eq(s.pid, -7);

        close(dir_fd);
        {
                char cmd[PATH_MAX + 16];

                (void) snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpl);
                ck_assert_int_eq(system(cmd), 0);
        }
}
END_TEST

static Suite *suite(void) {
        Suite *s = suite_create("crun-status");
        TCase *tc = tcase_create("parse");

        tcase_add_test(tc, test_fixture);
        tcase_add_test(tc, test_example);
        tcase_add_test(tc, test_optional);
        tcase_add_test(tc, test_limits);
        tcase_add_test(tc, test_bad_init);
        tcase_add_test(tc, test_bad_members);
        tcase_add_test(tc, test_garbage);
        tcase_add_test(tc, test_truncated);
        tcase_add_test(tc, test_size);
        tcase_add_test(tc, test_nesting);
        tcase_add_test(tc, test_read_at);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return run_suite(suite());
}
