/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Replays files and directories of inputs through a fuzz target, so that every corpus entry
 * and every crash ever found runs as a regression test in the normal (sanitized) build. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "capguard/fileio.h"
#include "capguard/macro.h"
#include "fuzz.h"

#define INPUT_MAX (1024 * 1024)

static int run_file(int dir_fd, const char *name, unsigned *count) {
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int r;

        r = read_full_file_at(dir_fd, name, INPUT_MAX, &buf, &len);
        if (r < 0) {
                fprintf(stderr, "Failed to read %s: %s\n", name, strerror(-r));
                return r;
        }
        (void) LLVMFuzzerTestOneInput((const uint8_t *) buf, len);
        (*count)++;
        return 0;
}

static int run_path(const char *path, unsigned *count) {
        struct stat st;
        DIR *d;
        struct dirent *de;
        int r = 0;

        if (stat(path, &st) < 0) {
                fprintf(stderr, "Failed to stat %s: %m\n", path);
                return -1;
        }
        if (!S_ISDIR(st.st_mode))
                return run_file(AT_FDCWD, path, count);

        d = opendir(path);
        if (!d) {
                fprintf(stderr, "Failed to open %s: %m\n", path);
                return -1;
        }
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                if (de->d_type == DT_DIR) {
                        char sub[4096];

                        (void) snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
                        if (run_path(sub, count) < 0)
                                r = -1;
                } else if (run_file(dirfd(d), de->d_name, count) < 0)
                        r = -1;
        }
        closedir(d);
        return r;
}

int main(int argc, char *argv[]) {
        unsigned count = 0;
        int r = 0;

        for (int i = 1; i < argc; i++)
                if (run_path(argv[i], &count) < 0)
                        r = 1;

        printf("%s: %u inputs\n", argv[0], count);
        return r == 0 && count > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
