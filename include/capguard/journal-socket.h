/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <sys/uio.h>

/* Where journald takes entries in its native protocol. */
#define JOURNAL_SOCKET_PATH "/run/systemd/journal/socket"

/* A datagram socket connected to journald once, not addressed on every entry as
 * sd_journal_sendv() does: no path lookup per entry, and an error when there is no journald,
 * where sd_journal_sendv() reports success. */
typedef struct JournalSocket {
        int fd;
        const char *path;
        /* counts connections: a new one may have the fd number of the one it replaced */
        unsigned generation;
} JournalSocket;

#define JOURNAL_SOCKET_INIT(p) { .fd = -EBADF, .path = (p) }

void journal_socket_close(JournalSocket *j);

/* Sends one entry: fields[i] is "KEY=value", the value without a newline (journal_event_build()
 * makes them so). Connects on first use; a journald that was restarted since is connected to
 * again, once. An entry too large for a datagram goes in a sealed memfd, as the protocol
 * allows. -ENOENT when journald's socket does not exist, -ECONNREFUSED when nothing listens
 * on it, -EINVAL for a field with a newline, ... */
int journal_socket_send(JournalSocket *j, const struct iovec *fields, size_t n);

/* The same without waiting: -EAGAIN while journald's socket is full (net.unix.max_dgram_qlen
 * entries it has not read yet, or fewer when those fill our socket's send buffer first), where
 * journal_socket_send() would sleep until it reads. */
int journal_socket_try_send(JournalSocket *j, const struct iovec *fields, size_t n);
