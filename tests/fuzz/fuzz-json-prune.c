/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Differential: whatever json_prune_parse() accepts, json-c accepts whole, and the pruned tree
 * is what pruning json-c's whole tree gives; whatever oci_json_parse() accepts, the pruner
 * accepts. */
#include <string.h>

#include "capguard/cap-json.h"
#include "capguard/json-prune.h"
#include "capguard/oci-config.h"
#include "fuzz.h"

static const JsonKeep keep_config[] = { { "capabilities" }, { "labels" }, {} };
static const JsonKeep keep_linux[] = { { "seccomp", (const JsonKeep[]) { {} } }, {} };
static const JsonKeep keep_process[] = { { "capabilities", .raw = true }, { "user" }, {} };
static const JsonKeep keep[] = {
        { "id" }, { "init_process_pid" }, { "config", keep_config }, { "linux", keep_linux }, { "annotations" },
        { "process", keep_process }, {}
};

/* A raw member's text read by json-c as strictly as the scan checked it: the value it holds. */
static json_object *unraw_value(json_object *text) {
        struct json_tokener *tok = json_tokener_new_ex(OCI_JSON_DEPTH_MAX);
        json_object *o;

        if (!tok || !json_object_is_type(text, json_type_string))
                __builtin_trap();
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
        o = json_tokener_parse_ex(tok, json_object_get_string(text), json_object_get_string_len(text) + 1);
        if (json_tokener_get_error(tok) != json_tokener_success)
                __builtin_trap(); /* the scan passed a text json-c refuses */
        json_tokener_free(tok);
        return o;
}

/* The pruned tree with each raw member's text replaced by its value; keys as Go matches them,
 * as the pruner kept them. */
static void unraw(json_object *o, const JsonKeep *k) {
        json_object_object_foreach(o, name, v) {
                const JsonKeep *m = k;

                while (m->name && !oci_json_key_matches(name, m->name))
                        m++;
                if (!m->name)
                        continue;
                if (m->raw)
                        json_object_object_add(o, name, unraw_value(v)); /* replaces v in place */
                else if (m->keep && json_object_is_type(v, json_type_object))
                        unraw(v, m->keep);
        }
}

/* keep applied to json-c's whole tree: the reference */
static json_object *reference(json_object *o, const JsonKeep *k) {
        struct json_object_iterator it = json_object_iter_begin(o), end = json_object_iter_end(o);
        json_object *out = json_object_new_object();

        if (!out)
                __builtin_trap();
        for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
                const char *name = json_object_iter_peek_name(&it);
                json_object *v = json_object_iter_peek_value(&it);
                const JsonKeep *m = k;

                while (m->name && !oci_json_key_matches(name, m->name))
                        m++;
                if (!m->name)
                        continue;
                if (m->keep && json_object_is_type(v, json_type_object))
                        v = reference(v, m->keep);
                else
                        v = json_object_get(v);
                json_object_object_add(out, name, v);
        }
        return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_json_ json_object *whole = NULL, *pruned = NULL, *want = NULL;
        int r, rw;

        r = json_prune_parse((const char *) data, size, keep, &pruned);
        if (r < 0 && r != -EBADMSG && r != -ENOMEM && r != -EFBIG)
                __builtin_trap();
        rw = oci_json_parse((const char *) data, size, &whole);

        /* oci_json_parse() refuses a key given twice anywhere, the pruner only where it
         * reads: json-c itself must have taken the text */
        if (r >= 0 && rw < 0) {
                struct json_tokener *tok = json_tokener_new_ex(OCI_JSON_DEPTH_MAX);
                json_object *o;

                if (!tok)
                        return 0;
                json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
                o = json_tokener_parse_ex(tok, (const char *) data, (int) size);
                if (!o && json_tokener_get_error(tok) != json_tokener_continue)
                        __builtin_trap();
                json_object_put(o);
                json_tokener_free(tok);
                return 0;
        }
        /* and the other way: what json-c takes whole, keys given once, the scan takes too */
        if (rw >= 0 && r < 0 && r != -ENOMEM)
                __builtin_trap();
        if (r < 0 || rw < 0)
                return 0;

        want = reference(whole, keep);
        unraw(pruned, keep);
        if (!json_object_equal(pruned, want))
                __builtin_trap();
        return 0;
}
