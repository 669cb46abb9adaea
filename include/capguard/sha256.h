/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_SIZE 32
#define SHA256_HEX_SIZE (SHA256_DIGEST_SIZE * 2 + 1)

/* FIPS 180-4 SHA-256, for the digests of stored policy versions. */
void sha256(const void *data, size_t len, uint8_t ret[static SHA256_DIGEST_SIZE]);

/* Lowercase hex of the digest of data, NUL-terminated. */
const char *sha256_hex(const void *data, size_t len, char ret[static SHA256_HEX_SIZE]);
