/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include "capguard/fileio.h"
#include "capguard/macro.h"

/* Where the fixtures captured from real runtimes live (set by meson). */
#ifndef FIXTURES_DIR
#error "FIXTURES_DIR must be defined"
#endif

/* Reads FIXTURES_DIR/path into a malloc'd, NUL-terminated buffer; fails the test if absent. */
static inline char *fixture_read(const char *path, size_t *ret_len) {
        char *buf = NULL;
        size_t len = 0;
        int dir_fd, r;

        dir_fd = open(FIXTURES_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ck_assert_msg(dir_fd >= 0, "cannot open %s", FIXTURES_DIR);
        r = read_full_file_at(dir_fd, path, 1024 * 1024, &buf, &len);
        close(dir_fd);
        ck_assert_msg(r >= 0, "cannot read fixture %s: %d", path, r);
        if (ret_len)
                *ret_len = len;
        return buf;
}

/* Runs one suite and turns its result into an exit status for meson. */
static inline int run_suite(Suite *s) {
        SRunner *sr = srunner_create(s);
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* Value of KEY in a fixture's "meta" file (KEY=VALUE lines), malloc'd, or NULL if absent. */
static inline char *fixture_meta(const char *case_dir, const char *key) {
        char path[512];
        _cleanup_free_ char *text = NULL;
        size_t klen = strlen(key);

        (void) snprintf(path, sizeof path, "%s/meta", case_dir);
        text = fixture_read(path, NULL);
        for (char *line = text; line && *line;) {
                char *eol = strchrnul(line, '\n');

                if ((size_t) (eol - line) > klen && strncmp(line, key, klen) == 0 && line[klen] == '=')
                        return strndup(line + klen + 1, (size_t) (eol - line - klen - 1));
                line = *eol ? eol + 1 : eol;
        }
        return NULL;
}

/* Calls f for each fixture case directory (one that has a "meta" file); returns how many. */
static inline unsigned fixture_foreach(void (*f)(const char *case_dir)) {
        DIR *d = opendir(FIXTURES_DIR);
        struct dirent *de;
        unsigned n = 0;

        ck_assert_ptr_nonnull(d);
        while ((de = readdir(d))) {
                char meta[512];

                if (de->d_name[0] == '.')
                        continue;
                (void) snprintf(meta, sizeof meta, "%s/%s/meta", FIXTURES_DIR, de->d_name);
                if (access(meta, R_OK) < 0)
                        continue;
                f(de->d_name);
                n++;
        }
        closedir(d);
        return n;
}
