/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "capguard/proc-status.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        ProcStatus st;

        (void) proc_status_parse((const char *) data, size, &st);
        return 0;
}
