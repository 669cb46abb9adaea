/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capguard/capability.h"
#include "capguard/macro.h"
#include "capguard/oci-json.h"
#include "capguard/oci-text.h"
#include "capguard/runtime.h"

/* The OCI runtime spec of a container (the bundle's config.json), as the runtime will apply it.
 *
 * Much of it is the container owner's to choose (image name, args, annotations), so nothing in
 * here is trusted: every string handed out is cleaned for display (see oci_text_sanitize()) and
 * every member that is read must have the type the spec gives it, as for runc, which would
 * refuse the file otherwise. Members that are not read are not looked at. */

/* Real files are 3-12 KiB; the limit is for callers reading one (read_full_file_at()). */
#define OCI_CONFIG_SIZE_MAX (4 * 1024 * 1024)

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

/* The spec's names of the five sets in process.capabilities, by CapSet. */
extern const char *const oci_capset_keys[_CAP_SET_MAX];

/* Reads an object of capability lists, one member per set, named by keys[CapSet]; an absent or
 * null list is empty. Names libcap knows count in any case, with or without "CAP_": runc wants
 * exactly "CAP_CHOWN" and ignores other spellings, so a set read here may hold a capability
 * the runtime will not grant, but never lacks one it grants unless that one is in *unknown.
 * Numbers ("CAP_12") are no runtime's names: unknown like any other. Unknown names are added
 * to *unknown (if given), which the caller zeroed and frees, also on failure. */
int oci_capabilities_parse(json_object *o, const char *const keys[static _CAP_SET_MAX], CapSets *ret,
                           OciUnknownCaps *unknown);

/* The same from the object's JSON text, which json_prune_parse() checked: the common case,
 * every name a string without escapes, read straight into the sets, without the json-c tree
 * of some 70 strings that took half a config's parse; anything else through json-c and
 * oci_capabilities_parse(), with the same result. -EBADMSG for text that is no object. */
int oci_capabilities_parse_text(const char *text, size_t len, const char *const keys[static _CAP_SET_MAX],
                                CapSets *ret, OciUnknownCaps *unknown);

/* A runtime's record of a bundle directory (runc's "bundle=" label, crun's "bundle"): a copy
 * of the len bytes at dir, which must be an absolute path that oci_text_sanitize() leaves as
 * it is; -EBADMSG otherwise. */
int oci_bundle_path(const char *dir, size_t len, char **ret);
