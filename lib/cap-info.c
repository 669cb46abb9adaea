/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "capguard/cap-info.h"
#include "capguard/capability.h"

/* Keyed by name, not number: the number always comes from libcap. Written for the container
 * case: what the capability means for the node and the workloads next to this one. */
static const struct {
        const char *name;
        const char *text;
} descriptions[] = {
        { "CAP_CHOWN", "change the owner of any file it can reach, whatever the file's owner" },
        { "CAP_DAC_OVERRIDE", "read, write and execute any file it can reach, ignoring permission bits" },
        { "CAP_DAC_READ_SEARCH", "read any file and walk any directory; with open_by_handle_at it can escape to the host filesystem" },
        { "CAP_FOWNER", "act as the owner of any file: chmod, utimes, set ACLs and flags on files it does not own" },
        { "CAP_FSETID", "keep set-user-ID and set-group-ID bits when modifying files it does not own" },
        { "CAP_KILL", "send signals to processes of other users in its PID namespace" },
        { "CAP_SETGID", "switch to any group ID and forge group IDs over UNIX sockets" },
        { "CAP_SETUID", "switch to any user ID, including root, and forge user IDs over UNIX sockets" },
        { "CAP_SETPCAP", "grant its own bounding-set capabilities to its inheritable set and drop others' bits" },
        { "CAP_LINUX_IMMUTABLE", "set and clear the immutable and append-only flags on files" },
        { "CAP_NET_BIND_SERVICE", "bind ports below 1024" },
        { "CAP_NET_BROADCAST", "send broadcast and listen to multicast (unused by the kernel today)" },
        { "CAP_NET_ADMIN", "reconfigure networking: interfaces, routes, firewall rules, traffic on the node's networks if it shares them" },
        { "CAP_NET_RAW", "open raw and packet sockets: sniff and spoof other workloads' traffic on the node" },
        { "CAP_IPC_LOCK", "lock memory (mlock) beyond limits, pinning node memory" },
        { "CAP_IPC_OWNER", "bypass permission checks on System V IPC objects" },
        { "CAP_SYS_MODULE", "load and unload kernel modules: full control of the node's kernel" },
        { "CAP_SYS_RAWIO", "raw I/O on devices and ports (iopl, /dev/mem): read and write the node's memory and disks" },
        { "CAP_SYS_CHROOT", "call chroot and change mount namespaces with setns" },
        { "CAP_SYS_PTRACE", "trace and inject code into any process it can see, including other containers sharing its PID namespace" },
        { "CAP_SYS_PACCT", "switch process accounting on and off" },
        { "CAP_SYS_ADMIN", "mount filesystems, create namespaces, use bpf and many admin interfaces: most of root, a common container escape" },
        { "CAP_SYS_BOOT", "reboot the node and load a new kernel (kexec)" },
        { "CAP_SYS_NICE", "raise priorities and set real-time scheduling, starving other workloads of CPU" },
        { "CAP_SYS_RESOURCE", "override resource limits, quotas and reserved disk space" },
        { "CAP_SYS_TIME", "set the node's system clock, which breaks TLS, logs and leases everywhere on it" },
        { "CAP_SYS_TTY_CONFIG", "configure and hang up terminals" },
        { "CAP_MKNOD", "create device nodes (access still limited by the device cgroup)" },
        { "CAP_LEASE", "take leases on files it does not own" },
        { "CAP_AUDIT_WRITE", "write records to the kernel audit log" },
        { "CAP_AUDIT_CONTROL", "change audit rules and disable auditing on the node" },
        { "CAP_SETFCAP", "set file capabilities, so a binary it writes gains capabilities when run" },
        { "CAP_MAC_OVERRIDE", "override mandatory access control (AppArmor, SELinux, Smack)" },
        { "CAP_MAC_ADMIN", "change the mandatory access control policy" },
        { "CAP_SYSLOG", "read and clear the kernel log, which leaks kernel addresses" },
        { "CAP_WAKE_ALARM", "set timers that wake the node from suspend" },
        { "CAP_BLOCK_SUSPEND", "keep the node from suspending" },
        { "CAP_AUDIT_READ", "read the kernel audit log over multicast netlink" },
        { "CAP_PERFMON", "use perf events and other performance monitoring to observe the whole node" },
        { "CAP_BPF", "load BPF programs and maps: read kernel memory, trace the node" },
        { "CAP_CHECKPOINT_RESTORE", "checkpoint and restore processes, choose PIDs, read other processes' memory maps" },
};

const char *capability_describe(unsigned cap) {
        const char *name = capability_to_name(cap);

        if (!name)
                return NULL;

        for (size_t i = 0; i < ELEMENTSOF(descriptions); i++)
                if (strcmp(descriptions[i].name, name) == 0)
                        return descriptions[i].text;

        return NULL;
}
