/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"

static int max_level = LOG_INFO;

void log_set_max_level(int level) {
        max_level = level;
}

int log_full(int priority, int error, const char *format, ...) {
        static int to_journal = -1;
        va_list ap;
        int saved = errno;

        if (priority > max_level)
                return error;
        if (to_journal < 0)
                /* systemd sets JOURNAL_STREAM when stderr is connected to the journal */
                to_journal = getenv("JOURNAL_STREAM") != NULL;

        if (to_journal)
                fprintf(stderr, "<%d>", priority);
        else
                fputs("capguardd: ", stderr);

        errno = error < 0 ? -error : saved;
        va_start(ap, format);
        vfprintf(stderr, format, ap);
        va_end(ap);
        fputc('\n', stderr);
        errno = saved;
        return error;
}
