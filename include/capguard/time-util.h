/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>
#include <time.h>

/* Microseconds on clock: CLOCK_REALTIME for what is recorded, CLOCK_MONOTONIC for intervals. */
uint64_t now_usec(clockid_t clock);
