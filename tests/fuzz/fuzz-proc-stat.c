/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "capguard/proc-stat.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        ProcStat st, sentinel;
        int r;

        memset(&st, 0xaa, sizeof st);
        memcpy(&sentinel, &st, sizeof st);
        r = proc_stat_parse((const char *) data, size, &st);
        if (r < 0) {
                if (r != -EBADMSG || memcmp(&st, &sentinel, sizeof st) != 0)
                        __builtin_trap();
                return 0;
        }

        /* only a whole line is ever accepted */
        if (size == 0 || data[size - 1] != '\n')
                __builtin_trap();
        if (st.pid <= 0 || st.ppid < 0)
                __builtin_trap();
        if (!((st.state >= 'A' && st.state <= 'Z') || (st.state >= 'a' && st.state <= 'z')))
                __builtin_trap();
        /* the name cannot forge a line wherever it is printed */
        if (strnlen(st.comm, sizeof st.comm) > PROC_STAT_COMM_MAX)
                __builtin_trap();
        for (const char *p = st.comm; *p; p++)
                if ((unsigned char) *p < 0x20 || *p == 0x7f)
                        __builtin_trap();
        return 0;
}
