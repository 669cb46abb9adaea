/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capguard/oci-text.h"

/* Length of the UTF-8 sequence at s and its code point in *ret; 0 if s does not start a valid
 * one: overlong forms, surrogates and values past U+10FFFF are not valid. */
static size_t utf8_decode(const uint8_t *s, size_t len, uint32_t *ret) {
        uint32_t c, min;
        size_t n;

        if (s[0] < 0x80) {
                *ret = s[0];
                return 1;
        }
        if ((s[0] & 0xe0) == 0xc0) {
                n = 2, c = s[0] & 0x1f, min = 0x80;
        } else if ((s[0] & 0xf0) == 0xe0) {
                n = 3, c = s[0] & 0x0f, min = 0x800;
        } else if ((s[0] & 0xf8) == 0xf0) {
                n = 4, c = s[0] & 0x07, min = 0x10000;
        } else
                return 0;

        if (len < n)
                return 0;
        for (size_t i = 1; i < n; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                c = (c << 6) | (s[i] & 0x3f);
        }
        if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
                return 0;

        *ret = c;
        return n;
}

/* Characters that end a line or steer a terminal or a journal viewer: with them, a value could
 * start a forged log line or reorder the columns of a table around it. */
static bool codepoint_is_unsafe(uint32_t c) {
        return c < 0x20 || (c >= 0x7f && c <= 0x9f) ||           /* C0, DEL, C1 */
               c == 0x2028 || c == 0x2029 ||                     /* line, paragraph separator */
               c == 0x061c || c == 0x200e || c == 0x200f ||      /* bidi marks */
               (c >= 0x202a && c <= 0x202e) ||                   /* bidi embeddings, overrides */
               (c >= 0x2066 && c <= 0x2069);                     /* bidi isolates */
}

size_t oci_text_sanitize_to(const char *s, size_t len, size_t max, char *out, bool *ret_altered) {
        const uint8_t *in = (const uint8_t *) s;
        bool altered = false;
        size_t o = 0;

        /* A replacement is never longer than what it replaces, so the copy never grows. */
        for (size_t i = 0; i < len;) {
                const char *src = s + i;
                size_t n = 0, m;
                uint32_t c = 0;

                /* printable ASCII, most of any value, goes as it is, a run at a time */
                while (i + n < len && in[i + n] >= 0x20 && in[i + n] < 0x7f)
                        n++;
                if (n > 0)
                        m = n;
                else {
                        m = n = utf8_decode(in + i, len - i, &c);
                        if (n == 0 || codepoint_is_unsafe(c)) {
                                src = "?";
                                m = 1;
                                n = n ?: 1; /* an invalid sequence: replace one byte, resynchronize */
                                altered = true;
                        }
                }
                if (o + m > max) {
                        /* cut on a character boundary: every ASCII byte is one */
                        if (src == s + i && in[i] < 0x80) {
                                memcpy(out + o, src, max - o);
                                o = max;
                        }
                        altered = true;
                        break;
                }
                memcpy(out + o, src, m);
                o += m;
                i += n;
        }
        out[o] = '\0';

        if (ret_altered)
                *ret_altered = altered;
        return o;
}

char *oci_text_sanitize(const char *s, size_t len, size_t max, bool *ret_altered) {
        size_t size = len < max ? len : max;
        char *out;

        if (size == SIZE_MAX)
                return NULL;
        out = malloc(size + 1);
        if (!out)
                return NULL;
        (void) oci_text_sanitize_to(s, len, max, out, ret_altered);
        return out;
}
