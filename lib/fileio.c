/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capguard/fileio.h"
#include "capguard/macro.h"

static int read_fd(int fd, char *buf, size_t size, size_t *ret_len) {
        size_t len = 0;

        for (;;) {
                ssize_t n;

                if (len + 1 >= size) {
                        char probe;

                        /* Full: only a read that returns 0 proves the file ends here. */
                        n = read(fd, &probe, 1);
                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n < 0)
                                return negative_errno();
                        if (n > 0)
                                return -EFBIG;
                        break;
                }

                n = read(fd, buf + len, size - 1 - len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (n == 0)
                        break;
                len += (size_t) n;
        }

        buf[len] = '\0';
        *ret_len = len;
        return 0;
}

/* A FIFO or device planted in a state directory must not block or feed us forever. */
static int check_regular(int fd, struct stat *ret) {
        if (fstat(fd, ret) < 0)
                return negative_errno();
        return S_ISREG(ret->st_mode) ? 0 : -EBADFD;
}

static int open_regular_at(int dir_fd, const char *path, struct stat *ret) {
        _cleanup_close_ int fd = -EBADF;
        int r;

        fd = openat(dir_fd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return negative_errno();
        r = check_regular(fd, ret);
        if (r < 0)
                return r;
        return TAKE_FD(fd);
}

int read_file_at(int dir_fd, const char *path, char *buf, size_t size, size_t *ret_len) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        size_t len;
        int r;

        if (!path || !buf || size == 0 || !ret_len)
                return -EINVAL;

        fd = open_regular_at(dir_fd, path, &st);
        if (fd < 0)
                return fd;

        r = read_fd(fd, buf, size, &len);
        if (r < 0)
                return r;

        *ret_len = len;
        return 0;
}

int read_proc_file_at(int dir_fd, const char *path, char *buf, size_t size, size_t *ret_len) {
        _cleanup_close_ int fd = -EBADF;
        ssize_t n;

        if (!path || !buf || size < 2 || !ret_len)
                return -EINVAL;

        fd = openat(dir_fd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
        if (fd < 0)
                return negative_errno();

        /* The files of /proc/<pid> are generated whole when read and handed out in one read()
         * up to its size (systemd's read_virtual_file() relies on the same): one read is a
         * consistent snapshot, and a short one is the end. Skipping the read that returns 0
         * is a quarter of a scan's system calls. A full buffer may have been cut short. */
        do
                n = read(fd, buf, size - 1);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return negative_errno();
        if ((size_t) n >= size - 1)
                return -EFBIG;

        buf[n] = '\0';
        *ret_len = (size_t) n;
        return 0;
}

/* Reads a regular file into buf of size bytes (one kept for a NUL): a short read is its end
 * (POSIX), which saves the read that returns 0; one that fills buf is read_fd()'s to finish. */
static int read_regular(int fd, char *buf, size_t size, size_t *ret_len) {
        ssize_t n;

        do
                n = read(fd, buf, size - 1);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return negative_errno();
        if ((size_t) n == size - 1) {
                /* rewind: read_fd() reads it all again and probes for the end */
                if (lseek(fd, 0, SEEK_SET) < 0)
                        return negative_errno();
                return read_fd(fd, buf, size, ret_len);
        }
        buf[n] = '\0';
        *ret_len = (size_t) n;
        return 0;
}

/* fd: a regular file, as st says, read from its start */
static int read_full_fd(int fd, const struct stat *st, size_t max_size, char **ret, size_t *ret_len) {
        _cleanup_free_ char *buf = NULL;
        size_t len, size;
        int r;

        if ((size_t) st->st_size >= max_size)
                return -EFBIG;

        /* /proc and friends report size 0: start small and let read_fd() say when it is full.
         * A file on disk gets a byte more than it holds, so that reading it whole reads short. */
        size = st->st_size > 0 ? (size_t) st->st_size + 2 : 4096;
        for (bool again = false;; again = true) {
                char *p;

                if (size > max_size)
                        size = max_size;
                p = realloc(buf, size);
                if (!p)
                        return -ENOMEM;
                buf = p;

                if (again && lseek(fd, 0, SEEK_SET) < 0)
                        return negative_errno();
                /* /proc's files (size 0) may read short before their end */
                r = st->st_size > 0 ? read_regular(fd, buf, size, &len) : read_fd(fd, buf, size, &len);
                if (r != -EFBIG)
                        break;
                if (size >= max_size)
                        return -EFBIG;
                size *= 2;
        }
        if (r < 0)
                return r;

        *ret = TAKE_PTR(buf);
        if (ret_len)
                *ret_len = len;
        return 0;
}

int read_full_file_at(int dir_fd, const char *path, size_t max_size, char **ret, size_t *ret_len) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;

        if (!path || !ret || max_size == 0)
                return -EINVAL;

        fd = open_regular_at(dir_fd, path, &st);
        if (fd < 0)
                return fd;

        return read_full_fd(fd, &st, max_size, ret, ret_len);
}

int read_operator_file(const char *path, size_t max_size, char **ret, size_t *ret_len) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        int r;

        if (!path || !ret || max_size == 0)
                return -EINVAL;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return negative_errno();
        r = check_regular(fd, &st);
        if (r < 0)
                return r;

        return read_full_fd(fd, &st, max_size, ret, ret_len);
}

int read_full_file_in_root(int root_fd, const char *path, size_t max_size, char **ret, size_t *ret_len) {
        struct open_how how = {
                .flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
                /* as if root_fd were "/": no symlink or ".." leads out of it, no magic links */
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        int r;

        if (!path || !ret || max_size == 0)
                return -EINVAL;

        fd = (int) syscall(SYS_openat2, root_fd, path, &how, sizeof how);
        if (fd < 0)
                return negative_errno();
        r = check_regular(fd, &st);
        if (r < 0)
                return r;

        return read_full_fd(fd, &st, max_size, ret, ret_len);
}
