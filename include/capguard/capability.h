/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capguard/macro.h"

/* The kernel prints each set as a 64-bit mask; bits past the kernel's last capability are
 * kept as read, so nothing here depends on what CAP_LAST_CAP happens to be today. */
#define CAP_MASK_BITS 64

/* "CAP_" + the longest name libcap knows, or "CAP_" + a decimal number. */
#define CAP_NAME_MAX 32

typedef enum CapSet {
        CAP_SET_INHERITABLE,
        CAP_SET_PERMITTED,
        CAP_SET_EFFECTIVE,
        CAP_SET_BOUNDING,
        CAP_SET_AMBIENT,
        _CAP_SET_MAX,
        _CAP_SET_INVALID = -EINVAL,
} CapSet;

typedef struct CapSets {
        uint64_t mask[_CAP_SET_MAX];
} CapSets;

/* "inheritable", "permitted", ... */
const char *capset_to_string(CapSet s) _const_;
CapSet capset_from_string(const char *s) _pure_;
/* "CapInh", "CapPrm", ... as in /proc/<pid>/status */
const char *capset_status_key(CapSet s) _const_;
/* "cap_inh", "cap_prm", ... as in capguard's JSON */
const char *capset_json_key(CapSet s) _const_;

/* The highest capability number the running kernel knows (at least CAP_LAST_CAP of libcap's
 * headers if the kernel cannot be asked). */
unsigned capability_last(void);
/* Every capability the running kernel knows. */
uint64_t capability_mask_all(void);

/* "CAP_NET_RAW", or "CAP_<n>" for a bit libcap has no name for. Never NULL for cap < 64. */
const char *capability_to_name(unsigned cap);

/* Accepts "NET_RAW", "net_raw", "CAP_NET_RAW", "cap_net_raw", or "CAP_<n>"/"<n>" for a
 * capability the kernel knows. -EINVAL if it names none. */
int capability_from_name(const char *s, unsigned *ret);

/* A mask in hex: 1 to 16 digits, optional "0x"/"0X". -EINVAL otherwise. */
int capability_mask_parse(const char *s, uint64_t *ret);

/* A list of capability names separated by commas and/or white space; "ALL" (any case) stands
 * for every capability the kernel knows. On -EINVAL, *ret_bad (if given) points at the first
 * offending token inside s and *ret_bad_len holds its length. */
int capability_list_parse(const char *s, uint64_t *ret, const char **ret_bad, size_t *ret_bad_len);

/* Space-separated names of the bits in mask, "" for 0. Returns NULL on OOM. */
char *capability_mask_to_names(uint64_t mask, const char *separator);

/* Iterates the set bits of a mask, lowest first. */
#define CAP_FOREACH(c, mask)                                    \
        for (unsigned c = 0; c < CAP_MASK_BITS; c++)            \
                if ((mask) & (UINT64_C(1) << c))

static inline uint64_t cap_bit(unsigned cap) {
        return cap < CAP_MASK_BITS ? UINT64_C(1) << cap : 0;
}
