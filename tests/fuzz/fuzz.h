/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* libFuzzer's entry point; fuzz-main.c provides a driver that replays a corpus without it. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
