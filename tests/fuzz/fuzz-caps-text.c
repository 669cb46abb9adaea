/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Differential: a config's capability sets read from their text, the fast way where every name
 * is a plain string (oci_capabilities_parse_text()), and from json-c's tree
 * (oci_capabilities_parse()): the same sets and unknown names in the same order, or both
 * refused. */
#include <string.h>

#include "capguard/cap-json.h"
#include "capguard/json-prune.h"
#include "capguard/oci-config.h"
#include "capguard/oci-json.h"
#include "fuzz.h"

static bool same_unknown(const OciUnknownCaps *a, const OciUnknownCaps *b) {
        if (a->n != b->n || a->more != b->more)
                return false;
        for (size_t i = 0; i < a->n; i++)
                if (strcmp(a->names[i], b->names[i]) != 0)
                        return false;
        return true;
}

/* Only on text the pruner checked, as capguardd's always is. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const JsonKeep none[] = { {} };
        _cleanup_json_ json_object *checked = NULL, *tree = NULL;
        OciUnknownCaps ua = {}, ub = {};
        CapSets a = {}, b = {};
        int ra, rb;

        if (json_prune_parse((const char *) data, size, none, &checked) < 0)
                return 0;
        ra = oci_capabilities_parse_text((const char *) data, size, oci_capset_keys, &a, &ua);
        rb = oci_json_parse((const char *) data, size, &tree);
        if (rb >= 0)
                rb = oci_capabilities_parse(tree, oci_capset_keys, &b, &ub);
        if (ra == -ENOMEM || rb == -ENOMEM)
                goto done;
        if ((ra < 0) != (rb < 0))
                __builtin_trap();
        if (ra >= 0 && (memcmp(&a, &b, sizeof a) != 0 || !same_unknown(&ua, &ub)))
                __builtin_trap();
done:
        oci_unknown_caps_done(&ua);
        oci_unknown_caps_done(&ub);
        return 0;
}
