/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "capguard/cap-json.h"
#include "capguard/capability.h"

json_object *capability_mask_to_json(uint64_t mask) {
        _cleanup_json_ json_object *a = json_object_new_array();

        if (!a)
                return NULL;

        CAP_FOREACH(c, mask) {
                json_object *s = json_object_new_string(capability_to_name(c));

                if (!s || json_object_array_add(a, s) < 0) {
                        json_object_put(s);
                        return NULL;
                }
        }

        return TAKE_PTR(a);
}

const char *capability_mask_to_hex(uint64_t mask, char buf[static CAP_MASK_HEX_MAX]) {
        /* "%016" PRIx64, five times an entry, without printf's machinery */
        for (int i = 15; i >= 0; i--, mask >>= 4)
                buf[i] = "0123456789abcdef"[mask & 0xf];
        buf[16] = '\0';
        return buf;
}

int json_add(json_object *o, const char *key, json_object *value) {
        /* json-c would store a NULL value as JSON null: here it means a constructor failed. */
        if (!value || json_object_object_add(o, key, value) < 0) {
                json_object_put(value);
                return -ENOMEM;
        }
        return 0;
}

int json_print_line(FILE *f, json_object *o) {
        const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);

        if (!s)
                return -ENOMEM;
        if (fputs(s, f) < 0 || fputc('\n', f) < 0)
                return -EIO;
        return 0;
}

int json_add_null(json_object *o, const char *key) {
        return json_object_object_add(o, key, NULL) < 0 ? -ENOMEM : 0;
}

int json_add_string_or_null(json_object *o, const char *key, const char *value) {
        return value && *value ? json_add(o, key, json_object_new_string(value)) : json_add_null(o, key);
}
