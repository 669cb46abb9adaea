/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "capguard/macro.h"
#include "fd-table.h"

int fd_table_reserve(unsigned n) {
        _cleanup_close_ int fd = -EBADF, high = -EBADF;
        struct rlimit rl;

        if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
                return -errno;
        if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < n)
                n = (unsigned) rl.rlim_cur;
        if (n == 0)
                return 0;

        /* The lowest free slot at or above n - 1: the table must reach it, and it stays that
         * large once the descriptor is closed. */
        fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        high = fcntl(fd, F_DUPFD_CLOEXEC, (int) (n - 1));
        if (high < 0)
                return -errno;
        return 0;
}
