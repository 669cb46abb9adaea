/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "capguard/cap-profile.h"
#include "capguard/capability.h"

/* Kept as names, resolved through libcap, so no capability number is written down here. */
static const struct {
        const char *name;
        const char *caps;
} profiles[] = {
        /* Docker's and containerd's defaults (moby oci/caps/defaults.go, containerd oci/spec.go) */
        { "docker-default",
          "AUDIT_WRITE CHOWN DAC_OVERRIDE FOWNER FSETID KILL MKNOD NET_BIND_SERVICE NET_RAW "
          "SETFCAP SETGID SETPCAP SETUID SYS_CHROOT" },
        /* Pod Security Standards, baseline: the Docker defaults without NET_RAW */
        { "pss-baseline",
          "AUDIT_WRITE CHOWN DAC_OVERRIDE FOWNER FSETID KILL MKNOD NET_BIND_SERVICE "
          "SETFCAP SETGID SETPCAP SETUID SYS_CHROOT" },
        /* Pod Security Standards, restricted: drop ALL, add back NET_BIND_SERVICE at most */
        { "pss-restricted", "NET_BIND_SERVICE" },
        /* `runc spec` */
        { "runc-default", "AUDIT_WRITE KILL NET_BIND_SERVICE" },
        /* CRI-O's default_capabilities */
        { "cri-o-default",
          "CHOWN DAC_OVERRIDE FSETID FOWNER SETGID SETUID SETPCAP NET_BIND_SERVICE KILL" },
        { "none", "" },
};

const char *const cap_profile_names[] = {
        "docker-default", "pss-baseline", "pss-restricted", "runc-default", "cri-o-default", "none", NULL,
};

int cap_profile_mask(const char *name, uint64_t *ret) {
        if (!name || !ret)
                return -EINVAL;

        for (size_t i = 0; i < ELEMENTSOF(profiles); i++)
                if (strcmp(profiles[i].name, name) == 0)
                        /* The lists are ours and fixed: a failure here means libcap lost a name. */
                        return capability_list_parse(profiles[i].caps, ret, NULL, NULL);

        return -ENOENT;
}
