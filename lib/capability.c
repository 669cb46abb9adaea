/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/capability.h>

#include "capguard/capability.h"

static const char *const capset_names[_CAP_SET_MAX] = {
        [CAP_SET_INHERITABLE] = "inheritable",
        [CAP_SET_PERMITTED] = "permitted",
        [CAP_SET_EFFECTIVE] = "effective",
        [CAP_SET_BOUNDING] = "bounding",
        [CAP_SET_AMBIENT] = "ambient",
};

static const char *const capset_status_keys[_CAP_SET_MAX] = {
        [CAP_SET_INHERITABLE] = "CapInh",
        [CAP_SET_PERMITTED] = "CapPrm",
        [CAP_SET_EFFECTIVE] = "CapEff",
        [CAP_SET_BOUNDING] = "CapBnd",
        [CAP_SET_AMBIENT] = "CapAmb",
};

static const char *const capset_json_keys[_CAP_SET_MAX] = {
        [CAP_SET_INHERITABLE] = "cap_inh",
        [CAP_SET_PERMITTED] = "cap_prm",
        [CAP_SET_EFFECTIVE] = "cap_eff",
        [CAP_SET_BOUNDING] = "cap_bnd",
        [CAP_SET_AMBIENT] = "cap_amb",
};

const char *capset_to_string(CapSet s) {
        return s >= 0 && s < _CAP_SET_MAX ? capset_names[s] : NULL;
}

CapSet capset_from_string(const char *s) {
        if (!s)
                return _CAP_SET_INVALID;
        for (CapSet i = 0; i < _CAP_SET_MAX; i++)
                if (strcmp(capset_names[i], s) == 0)
                        return i;
        return _CAP_SET_INVALID;
}

const char *capset_status_key(CapSet s) {
        return s >= 0 && s < _CAP_SET_MAX ? capset_status_keys[s] : NULL;
}

const char *capset_json_key(CapSet s) {
        return s >= 0 && s < _CAP_SET_MAX ? capset_json_keys[s] : NULL;
}

unsigned capability_last(void) {
        /* libcap asks the running kernel (PR_CAPBSET_READ probing), so a newer kernel's
         * capabilities count without rebuilding anything. */
        cap_value_t n = cap_max_bits();

        if (n <= 0)
                n = CAP_LAST_CAP + 1;
        if (n > CAP_MASK_BITS)
                n = CAP_MASK_BITS;
        return (unsigned) n - 1;
}

uint64_t capability_mask_all(void) {
        unsigned last = capability_last();

        return last >= CAP_MASK_BITS - 1 ? UINT64_MAX : (UINT64_C(1) << (last + 1)) - 1;
}

const char *capability_to_name(unsigned cap) {
        /* Filled on first use from libcap, so names follow the installed libcap rather than a
         * table of our own. Not thread-safe; capguard is single-threaded. */
        static char names[CAP_MASK_BITS][CAP_NAME_MAX];

        if (cap >= CAP_MASK_BITS)
                return NULL;

        if (names[cap][0] == '\0') {
                char *n = cap_to_name((cap_value_t) cap);

                if (n && strncasecmp(n, "cap_", 4) == 0 && strlen(n) < CAP_NAME_MAX) {
                        for (size_t i = 0; n[i]; i++)
                                names[cap][i] = (char) toupper((unsigned char) n[i]);
                } else
                        /* libcap answers with the bare number for bits it has no name for. */
                        (void) snprintf(names[cap], sizeof names[cap], "CAP_%u", cap);
                cap_free(n);
        }

        return names[cap];
}

static int parse_decimal_cap(const char *s, unsigned *ret) {
        unsigned v = 0;

        if (!*s || strlen(s) > 2)
                return -EINVAL;
        for (const char *p = s; *p; p++) {
                if (!isdigit((unsigned char) *p))
                        return -EINVAL;
                v = v * 10 + (unsigned) (*p - '0');
        }
        if (s[0] == '0' && s[1])
                return -EINVAL;
        if (v >= CAP_MASK_BITS)
                return -EINVAL;

        *ret = v;
        return 0;
}

typedef struct CapName {
        char name[CAP_NAME_MAX]; /* as libcap names it: "cap_net_raw"; "" for a free slot */
        unsigned value;
} CapName;

/* Open addressing, at most half full: every verdict looks up some 60 names from the OCI
 * config, and cap_from_name() costs a locale and a scan of its table for each. */
#define CAP_NAME_SLOTS 256
_Static_assert(CAP_NAME_SLOTS >= 2 * CAP_MASK_BITS, "a table at most half full");

/* FNV-1a */
static unsigned cap_name_hash(const char *s, size_t n) {
        uint32_t h = 2166136261U;

        for (size_t i = 0; i < n; i++)
                h = (h ^ (unsigned char) s[i]) * 16777619U;
        return h & (CAP_NAME_SLOTS - 1);
}

/* libcap's names; lower is n bytes, n < CAP_NAME_MAX, NUL-terminated. */
static const CapName *cap_name_find(const char *lower, size_t n) {
        static CapName slots[CAP_NAME_SLOTS];
        static bool filled;

        if (!filled) {
                for (unsigned c = 0; c < CAP_MASK_BITS; c++) {
                        char *name = cap_to_name((cap_value_t) c);
                        size_t len = name ? strlen(name) : 0;

                        if (len > 4 && strncmp(name, "cap_", 4) == 0 && len < CAP_NAME_MAX) {
                                unsigned i = cap_name_hash(name, len);

                                while (slots[i].name[0])
                                        i = (i + 1) & (CAP_NAME_SLOTS - 1);
                                memcpy(slots[i].name, name, len + 1);
                                slots[i].value = c;
                        }
                        cap_free(name);
                }
                filled = true;
        }
        for (unsigned i = cap_name_hash(lower, n); slots[i].name[0]; i = (i + 1) & (CAP_NAME_SLOTS - 1))
                if (memcmp(slots[i].name, lower, n + 1) == 0)
                        return &slots[i];
        return NULL;
}

int capability_from_name(const char *s, unsigned *ret) {
        const CapName *found;
        char buf[CAP_NAME_MAX];
        cap_value_t v;
        size_t n;

        if (!s || !ret)
                return -EINVAL;

        if (strncasecmp(s, "cap_", 4) == 0)
                s += 4;
        if (*s >= '0' && *s <= '9')
                return parse_decimal_cap(s, ret);

        /* "cap_" and s in lower case, ASCII whatever the locale */
        memcpy(buf, "cap_", 4);
        for (n = 4; *s; s++, n++) {
                char c = *s;

                if (n + 1 >= sizeof buf)
                        return -EINVAL;
                if (c >= 'A' && c <= 'Z')
                        c = (char) (c - 'A' + 'a');
                else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
                        return -EINVAL;
                buf[n] = c;
        }
        if (n == 4)
                return -EINVAL;
        buf[n] = '\0';

        found = cap_name_find(buf, n);
        if (found) {
                *ret = found->value;
                return 0;
        }
        if (cap_from_name(buf, &v) < 0 || v < 0 || v >= CAP_MASK_BITS)
                return -EINVAL;

        *ret = (unsigned) v;
        return 0;
}

int capability_mask_parse(const char *s, uint64_t *ret) {
        uint64_t v = 0;
        size_t n = 0;

        if (!s || !ret)
                return -EINVAL;

        if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
                s += 2;

        for (; s[n]; n++) {
                unsigned char c = (unsigned char) s[n];
                unsigned d;

                if (n >= 16)
                        return -EINVAL;
                if (c >= '0' && c <= '9')
                        d = c - '0';
                else if (c >= 'a' && c <= 'f')
                        d = c - 'a' + 10;
                else if (c >= 'A' && c <= 'F')
                        d = c - 'A' + 10;
                else
                        return -EINVAL;
                v = (v << 4) | d;
        }
        if (n == 0)
                return -EINVAL;

        *ret = v;
        return 0;
}

int capability_list_parse(const char *s, uint64_t *ret, const char **ret_bad, size_t *ret_bad_len) {
        static const char separators[] = ", \t\n";
        uint64_t mask = 0;

        if (!s || !ret)
                return -EINVAL;

        for (const char *p = s; *p;) {
                char token[CAP_NAME_MAX];
                size_t len;
                unsigned cap;

                p += strspn(p, separators);
                len = strcspn(p, separators);
                if (len == 0)
                        break;

                if (len < sizeof token) {
                        memcpy(token, p, len);
                        token[len] = '\0';

                        if (strcasecmp(token, "all") == 0) {
                                mask |= capability_mask_all();
                                p += len;
                                continue;
                        }
                        if (capability_from_name(token, &cap) >= 0) {
                                mask |= cap_bit(cap);
                                p += len;
                                continue;
                        }
                }

                if (ret_bad)
                        *ret_bad = p;
                if (ret_bad_len)
                        *ret_bad_len = len;
                return -EINVAL;
        }

        *ret = mask;
        return 0;
}

char *capability_mask_to_names(uint64_t mask, const char *separator) {
        size_t seplen = strlen(separator), size = 1, off = 0;
        char *buf;

        CAP_FOREACH(c, mask)
                size += strlen(capability_to_name(c)) + seplen;

        buf = malloc(size);
        if (!buf)
                return NULL;

        buf[0] = '\0';
        CAP_FOREACH(c, mask) {
                const char *name = capability_to_name(c);
                size_t n = strlen(name);

                if (off > 0) {
                        memcpy(buf + off, separator, seplen);
                        off += seplen;
                }
                memcpy(buf + off, name, n + 1);
                off += n;
        }

        return buf;
}
