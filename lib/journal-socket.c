/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "capguard/journal-socket.h"
#include "capguard/macro.h"

void journal_socket_close(JournalSocket *j) {
        if (!j)
                return;
        closep(&j->fd);
        j->fd = -EBADF;
}

static int journal_socket_connect(JournalSocket *j) {
        _cleanup_close_ int fd = -EBADF;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };

        if (strlen(j->path) >= sizeof sa.sun_path)
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, j->path);

        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return negative_errno();
        if (connect(fd, (const struct sockaddr *) &sa, sizeof sa) < 0)
                return negative_errno();

        j->fd = TAKE_FD(fd);
        j->generation++;
        return 0;
}

/* The protocol's way for an entry larger than a datagram: the same bytes in a sealed memfd,
 * passed alone. */
static int send_memfd(JournalSocket *j, const struct iovec *iov, size_t n, int flags) {
        _cleanup_close_ int mfd = -EBADF;
        union {
                struct cmsghdr cmsg;
                char buf[CMSG_SPACE(sizeof(int))];
        } control = {};
        struct msghdr mh = { .msg_control = &control, .msg_controllen = sizeof control };
        struct cmsghdr *c;

        mfd = memfd_create("capguard-journal-entry", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (mfd < 0)
                return negative_errno();
        for (size_t i = 0; i < n; i++) {
                const char *p = iov[i].iov_base;
                size_t left = iov[i].iov_len;

                while (left > 0) {
                        ssize_t w = write(mfd, p, left);

                        if (w < 0 && errno == EINTR)
                                continue;
                        if (w < 0)
                                return negative_errno();
                        p += w;
                        left -= (size_t) w;
                }
        }
        if (fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
                return negative_errno();

        c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &mfd, sizeof(int));
        if (sendmsg(j->fd, &mh, MSG_NOSIGNAL | flags) < 0)
                return negative_errno();
        return 0;
}

static bool is_disconnect(int r) {
        /* journald went away (restarted, its socket bound anew) since we connected */
        return r == -ECONNREFUSED || r == -ENOTCONN || r == -ECONNRESET || r == -EPIPE;
}

static int send_entry(JournalSocket *j, const struct iovec *fields, size_t n, int flags) {
        _cleanup_free_ struct iovec *iov = NULL;
        static const char nl = '\n';
        struct msghdr mh = {};
        int r = 0;

        if (!j || !j->path || (!fields && n > 0) || n > SIZE_MAX / 2 / sizeof *iov)
                return -EINVAL;

        iov = malloc(2 * n * sizeof *iov);
        if (!iov && n > 0)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                /* a newline would start a field of its own */
                if (memchr(fields[i].iov_base, '\n', fields[i].iov_len))
                        return -EINVAL;
                iov[2 * i] = fields[i];
                iov[2 * i + 1] = (struct iovec) { .iov_base = (void *) &nl, .iov_len = 1 };
        }
        mh.msg_iov = iov;
        mh.msg_iovlen = 2 * n;

        for (unsigned attempt = 0; attempt < 2; attempt++) {
                if (j->fd < 0) {
                        r = journal_socket_connect(j);
                        if (r < 0)
                                return r;
                }
                if (sendmsg(j->fd, &mh, MSG_NOSIGNAL | flags) >= 0)
                        return 0;
                r = negative_errno();
                if (r == -EMSGSIZE || r == -ENOBUFS)
                        return send_memfd(j, iov, 2 * n, flags);
                if (!is_disconnect(r))
                        return r;
                journal_socket_close(j);
        }
        return r;
}

int journal_socket_send(JournalSocket *j, const struct iovec *fields, size_t n) {
        return send_entry(j, fields, n, 0);
}

int journal_socket_try_send(JournalSocket *j, const struct iovec *fields, size_t n) {
        return send_entry(j, fields, n, MSG_DONTWAIT);
}
