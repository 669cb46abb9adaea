/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _pure_ __attribute__((pure))
#define _fallthrough_ __attribute__((fallthrough))
#define _const_ __attribute__((const))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _warn_unused_result_ __attribute__((warn_unused_result))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
#define STRLEN(x) (sizeof("" x "") - 1)

static inline void freep(void *p) {
        free(*(void **) p);
}

static inline void closep(int *fd) {
        if (*fd >= 0) {
                int saved = errno;
                (void) close(*fd);
                errno = saved;
        }
}

static inline void fclosep(FILE **f) {
        if (*f)
                (void) fclose(*f);
}

#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)

/* Hands ownership out of a cleanup variable: the variable is reset so its destructor is a no-op. */
#define TAKE_PTR(p)                             \
        ({                                      \
                __typeof__(p) _taken_ = (p);    \
                (p) = NULL;                     \
                _taken_;                        \
        })

#define TAKE_FD(fd)                             \
        ({                                      \
                int _taken_fd_ = (fd);          \
                (fd) = -EBADF;                  \
                _taken_fd_;                     \
        })

/* Defines a NULL-accepting pointer-to-pointer destructor for use with _cleanup_(). */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)         \
        static inline void func##p(type *p) {           \
                if (*p)                                 \
                        func(*p);                       \
        }

static inline int negative_errno(void) {
        /* Callers rely on a negative return after a failed libc call, even if errno got lost. */
        return errno > 0 ? -errno : -EIO;
}

static inline const char *strna(const char *s) {
        return s ?: "n/a";
}

#define streq(a, b) (strcmp((a), (b)) == 0)
