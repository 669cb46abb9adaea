/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capguard/capability.h"
#include "capguard/macro.h"
#include "capguard/runtime.h"

/* The OCI runtime spec of a container (the bundle's config.json), as the runtime will apply it.
 *
 * Much of it is the container owner's to choose (image name, args, annotations), so nothing in
 * here is trusted: every string handed out is cleaned for display (see oci_text_sanitize()) and
 * every member that is read must have the type the spec gives it, as for runc, which would
 * refuse the file otherwise. Members that are not read are not looked at. */

/* Real files are 3-12 KiB; the limit is for callers reading one (read_full_file_at()). */
#define OCI_CONFIG_SIZE_MAX (4 * 1024 * 1024)

/* The deepest value, as json-c counts (the top-level object is 1, a value inside it 2, ...).
 * Real files go 8 deep (Docker's seccomp rules), and the schema has no recursion: a deeper
 * file is not a runtime's. */
#define OCI_JSON_DEPTH_MAX 32

/* Limits of the cleaned strings, in bytes. Kubernetes names are DNS subdomains (253) or
 * labels (63); image references have no hard limit, but 512 holds registry, path, tag and
 * digest. Longer values are cut, on a UTF-8 character boundary. */
#define OCI_K8S_NAME_MAX 253
#define OCI_IMAGE_MAX 512
#define OCI_ARGV0_MAX 512
#define OCI_CAP_NAME_MAX 64

/* Distinct capability names that libcap does not know, kept for the caller to report: a
 * runtime (or a kernel) may know capabilities newer than the installed libcap. */
#define OCI_UNKNOWN_CAPS_MAX 8

typedef struct OciUnknownCaps {
        char *names[OCI_UNKNOWN_CAPS_MAX]; /* distinct, cleaned, in the order they were read */
        size_t n;
        bool more;                         /* there were more than OCI_UNKNOWN_CAPS_MAX */
} OciUnknownCaps;

void oci_unknown_caps_done(OciUnknownCaps *u);

typedef struct OciConfig {
        /* process.capabilities: the sets the runtime is asked to give the container's first
         * process. A list that is absent (or null) is empty. has_caps is false when the spec has
         * no capabilities object at all: the runtime then drops nothing (runc keeps the full
         * set it runs with), so it means "everything", never "nothing". */
        CapSets caps;
        bool has_caps;
        OciUnknownCaps unknown_caps;

        uint32_t uid, gid;      /* process.user; absent means 0, as runc reads it */
        int no_new_privs;       /* process.noNewPrivileges: 0 or 1, absent means 0 */
        bool declared_seccomp;  /* linux.seccomp is there (not null): the runtime loads a filter */
        char *argv0;            /* process.args[0], cleaned; NULL if there are no args */
        /* root.path as written, maybe relative to the bundle; NULL if absent. A path that
         * would need cleaning is refused (-EBADMSG): cleaned, it would name another file. */
        char *root_path;

        /* Kubernetes metadata from the annotations, cleaned; NULL where absent. */
        char *k8s_namespace;
        char *pod;
        char *container;
        char *image;
        bool sandbox;           /* the pod's sandbox ("pause") container, not a workload */

        /* Some cleaned string differed from the file: a value held control characters, invalid
         * UTF-8 or was too long. Worth a warning: runtimes never write such values themselves. */
        bool sanitized;
} OciConfig;

void oci_config_done(OciConfig *c);
#define _cleanup_oci_config_ _cleanup_(oci_config_done)

/* Parses config.json. The runtime says whose Kubernetes annotations to believe:
 *   RUNTIME_CONTAINERD: containerd CRI's io.kubernetes.cri.* only;
 *   RUNTIME_CRIO: CRI-O's io.kubernetes.pod.*, io.kubernetes.container.name and
 *                 io.kubernetes.cri-o.* only;
 *   anything else (a runc state dir is shared by CRI-O, podman and plain runc): CRI-O's set if
 *   the file has any of it, else containerd's.
 * CRI-O copies a pod's own annotations into the spec, so on CRI-O a pod can carry forged
 * io.kubernetes.cri.* keys; CRI-O's own keys come from the kubelet's labels, which CRI-O
 * writes last. Never are the two sets mixed.
 *
 * Returns -EBADMSG for text that is not one JSON object, holds no "process" object or has a
 * member of the wrong type; -EFBIG above OCI_CONFIG_SIZE_MAX; -ENOMEM. *ret is written only
 * on success. */
int oci_config_parse(const char *buf, size_t len, Runtime runtime, OciConfig *ret);

/* Reads dir_fd/path (no symlinks, at most OCI_CONFIG_SIZE_MAX) and parses it. */
int oci_config_read_at(int dir_fd, const char *path, Runtime runtime, OciConfig *ret);

/* Shared with runc-state.c, whose state.json embeds runc's copy of the spec. */

/* Parses text written by a Go runtime into an object: at most OCI_JSON_DEPTH_MAX deep,
 * nothing but white space after it, and no object key given twice. json-c keeps the last of
 * two equal keys and cuts a key at an escaped NUL ("a\u0000b" becomes "a"), while Go merges
 * duplicates: a file the two could read differently is refused. Go never writes one. */
int oci_json_parse(const char *buf, size_t len, json_object **ret);

/* Whether text that json-c parsed into o repeats an object key: -EBADMSG if so, see above. */
int oci_json_check_keys(const char *buf, size_t len, json_object *o);

/* Whether Go's encoding/json reads an object member named k into the struct field named
 * field: names compared regardless of case, U+212A KELVIN SIGN taken for k and U+017F LONG S
 * for s. */
bool oci_json_key_matches(const char *k, const char *field) _pure_;

/* The member key of o, where Go reads o into a struct: 1 if it has the given type, and *ret
 * borrows it; 0 if absent or null (Go reads null as "not set"); -EBADMSG if of another type.
 * Go matches field names regardless of case, and takes U+212A KELVIN SIGN for k and U+017F
 * LONG S for s: a key that matches only that way is refused too (-EBADMSG), since Go would
 * read it and we would not. Not for maps (annotations), whose keys Go matches exactly. */
int oci_json_member(json_object *o, const char *key, json_type type, json_object **ret);

/* An integer v in [min, max], else -EBADMSG. json-c clamps what does not fit an int64 to
 * INT64_MIN or INT64_MAX: a max below INT64_MAX refuses a clamped value. */
int oci_json_int_range(json_object *v, int64_t min, int64_t max, int64_t *ret);

/* Reads an object of capability lists, one member per set, named by keys[CapSet]; an absent or
 * null list is empty. Names libcap knows count in any case, with or without "CAP_": runc wants
 * exactly "CAP_CHOWN" and ignores other spellings, so a set read here may hold a capability
 * the runtime will not grant, but never lacks one it grants unless that one is in *unknown.
 * Numbers ("CAP_12") are no runtime's names: unknown like any other. Unknown names are added
 * to *unknown (if given), which the caller zeroed and frees, also on failure. */
int oci_capabilities_parse(json_object *o, const char *const keys[static _CAP_SET_MAX], CapSets *ret,
                           OciUnknownCaps *unknown);

/* Copies untrusted text for logs, journal fields and terminal tables: valid UTF-8 with no
 * control characters (C0, DEL, C1), no line or paragraph separators (U+2028, U+2029) and no
 * bidi controls (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069). Each of those, and
 * each byte that is not part of valid UTF-8 (a NUL included), is replaced by '?'. The copy is
 * cut to at most max bytes, on a character boundary. *ret_altered (if given) says whether the
 * copy differs from the input. NULL on OOM. */
char *oci_text_sanitize(const char *s, size_t len, size_t max, bool *ret_altered);

/* A runtime's record of a bundle directory (runc's "bundle=" label, crun's "bundle"): a copy
 * of the len bytes at dir, which must be an absolute path that oci_text_sanitize() leaves as
 * it is; -EBADMSG otherwise. */
int oci_bundle_path(const char *dir, size_t len, char **ret);
