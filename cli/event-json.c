/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "capctl.h"
#include "capguard/cap-json.h"

static json_object *excess_by_set_to_json(const Event *e) {
        _cleanup_json_ json_object *o = json_object_new_object();

        if (!o)
                return NULL;
        for (CapSet s = 0; s < _CAP_SET_MAX; s++)
                if (e->excess[s] != 0 && json_add(o, capset_to_string(s), capability_mask_to_json(e->excess[s])) < 0)
                        return NULL;
        return TAKE_PTR(o);
}

/* What the OCI config declared, per set; NULL for JSON null where it could not be read. */
static int json_add_declared(json_object *o, const Event *e) {
        _cleanup_json_ json_object *d = NULL;

        if (!e->has_declared)
                return json_add_null(o, "declared");
        d = json_object_new_object();
        if (!d)
                return -ENOMEM;
        for (CapSet s = 0; s < _CAP_SET_MAX; s++)
                if (json_add(d, capset_json_key(s), capability_mask_to_json(e->declared.mask[s])) < 0)
                        return -ENOMEM;
        return json_add(o, "declared", TAKE_PTR(d));
}

static json_object *reasons_to_json(char *const *reasons) {
        _cleanup_json_ json_object *a = json_object_new_array();

        if (!a)
                return NULL;
        for (char *const *p = reasons; p && *p; p++) {
                json_object *s = json_object_new_string(*p);

                if (!s || json_object_array_add(a, s) < 0) {
                        json_object_put(s);
                        return NULL;
                }
        }
        return TAKE_PTR(a);
}

/* -1 (unknown) is null. */
static int json_add_int_known(json_object *o, const char *key, int v) {
        return v < 0 ? json_add_null(o, key) : json_add(o, key, json_object_new_int(v));
}

/* One event as `capctl events --json` prints it: the keys are an interface (#4, #5). */
json_object *event_to_json(const Event *e) {
        _cleanup_json_ json_object *o = json_object_new_object();
        char when[EVENT_TIME_MAX];

        if (!o)
                return NULL;

        if (json_add(o, "id", json_object_new_int64(e->id)) < 0 ||
            json_add(o, "time", json_object_new_string(event_format_time(e->time_usec, when))) < 0 ||
            json_add_string_or_null(o, "container_id", e->container_id) < 0 ||
            json_add_string_or_null(o, "runtime", runtime_to_string(e->runtime)) < 0 ||
            json_add_string_or_null(o, "runtime_namespace", e->runtime_namespace) < 0 ||
            json_add_string_or_null(o, "k8s_namespace", e->k8s_namespace) < 0 ||
            json_add_string_or_null(o, "pod", e->pod) < 0 ||
            json_add_string_or_null(o, "container", e->container) < 0 ||
            json_add_string_or_null(o, "image", e->image) < 0 ||
            json_add(o, "sandbox", json_object_new_boolean(e->sandbox)) < 0 ||
            json_add(o, "pid", json_object_new_int64(e->pid)) < 0 ||
            json_add(o, "pid_start", json_object_new_uint64(e->pid_start)) < 0 ||
            json_add_string_or_null(o, "boot_id", *e->boot_id ? e->boot_id : NULL) < 0 ||
            json_add(o, "uid", json_object_new_int64(e->uid)) < 0)
                return NULL;

        for (CapSet s = 0; s < _CAP_SET_MAX; s++)
                if (json_add(o, capset_json_key(s), capability_mask_to_json(e->caps.mask[s])) < 0)
                        return NULL;

        if ((e->no_new_privs < 0 ? json_add_null(o, "no_new_privs")
                                 : json_add(o, "no_new_privs", json_object_new_boolean(e->no_new_privs))) < 0 ||
            json_add_int_known(o, "seccomp", e->seccomp) < 0 ||
            json_add(o, "verdict", json_object_new_string(event_verdict_to_string(e->verdict))) < 0 ||
            json_add_string_or_null(o, "rule", e->rule) < 0 ||
            /* versions count from 1: 0 says no policy was active */
            (e->policy_version == 0 ? json_add_null(o, "policy_version")
                                    : json_add(o, "policy_version", json_object_new_int64(e->policy_version))) < 0 ||
            json_add(o, "excess", capability_mask_to_json(event_excess_any(e))) < 0 ||
            json_add(o, "excess_by_set", excess_by_set_to_json(e)) < 0 ||
            json_add(o, "reasons", reasons_to_json(e->reasons)) < 0 ||
            json_add(o, "action", json_object_new_string(event_action_to_string(e->action))) < 0 ||
            json_add_string_or_null(o, "action_detail", e->action_detail) < 0 ||
            json_add_declared(o, e) < 0)
                return NULL;

        return TAKE_PTR(o);
}

