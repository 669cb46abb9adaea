/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

/* Reads all of dir_fd/path into buf (NUL-terminated) without following a symlink in the last
 * component. -EFBIG if the file holds size or more bytes: whatever writes the file (a
 * container, a runtime) does not get to decide how much we read. */
int read_file_at(int dir_fd, const char *path, char *buf, size_t size, size_t *ret_len);

/* For files of /proc/<pid>, which are the kernel's: read_file_at() without the type check, in
 * one read(). -EFBIG if the file holds size - 1 bytes or more. */
int read_proc_file_at(int dir_fd, const char *path, char *buf, size_t size, size_t *ret_len);

/* Like read_file_at() into a malloc'd buffer of at most max_size bytes. */
int read_full_file_at(int dir_fd, const char *path, size_t max_size, char **ret, size_t *ret_len);

/* A file the operator named (a policy): symlinks are followed, as Kubernetes' ConfigMap mounts
 * need, but it must still be a regular file no larger than max_size. */
int read_operator_file(const char *path, size_t max_size, char **ret, size_t *ret_len);

/* A path that a container's owner had a say in (a bundle directory from runc's state): resolved
 * as if root_fd were "/", so no symlink or ".." in it leads elsewhere. Must be a regular file. */
int read_full_file_in_root(int root_fd, const char *path, size_t max_size, char **ret, size_t *ret_len);
