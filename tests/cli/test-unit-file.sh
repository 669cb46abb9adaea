#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# systemd/capguard.service as meson configured it: `systemd-analyze verify` has nothing to say
# about it, `systemd-analyze security --offline=yes` rates its exposure at most 2.5, and the
# sandbox leaves the daemon what it cannot work without.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/tap.sh
source "$CAPGUARD_SOURCE_ROOT/tests/lib/tap.sh"

max_exposure=2.5
unit=${CAPGUARD_UNIT:?CAPGUARD_UNIT names the configured unit (set by meson)}

command -v systemd-analyze >/dev/null || tap_skip_all "systemd-analyze (Debian package systemd) is not installed"
[[ -f $unit ]] || bail_out "$unit is missing: meson configures it from systemd/capguard.service.in"

tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT

setting() { sed -n "s/^$1=//p" "$unit" | tail -n 1; }
one_of() { # one_of VALUE WORD...: VALUE is one of the words
        local v=$1 w
        shift
        for w; do [[ $v == "$w" ]] && return 0; done
        return 1
}
lacks() { ! grep -q "$@"; }

# --- the configured file ---------------------------------------------------------------------

check "every @placeholder@ is configured" lacks '@[a-z_]*@' "$unit"
exec_start=$(setting ExecStart)
absolute_capguardd() { [[ $1 == /*/capguardd ]]; }
check "ExecStart is an absolute path to capguardd ($exec_start)" absolute_capguardd "$exec_start"

# verify wants ExecStart to exist: the daemon as built, else a stand-in (only the binary's
# path differs from what is installed).
cp "$unit" "$tmp/capguard.service"
if [[ ! -x $exec_start ]]; then
        stand_in=${CAPGUARDD:-}
        if [[ -z $stand_in || ! -x $stand_in ]]; then
                stand_in=$(type -P true)
                diag "capguardd is not built here: verifying with ExecStart=$stand_in standing in for $exec_start"
        fi
        sed -i "s|^ExecStart=.*|ExecStart=$stand_in|" "$tmp/capguard.service"
fi

# --- systemd-analyze verify --------------------------------------------------------------------

# Only this unit's findings count (--recursive-errors=no), not those of whatever units of the
# host it orders itself against; the man pages are checked below against the source tree
# (--man=no: they are not installed where man(1) looks before `meson install`).
rc=0
out=$(cd "$tmp" && SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --man=no --recursive-errors=no \
        "$tmp/capguard.service" 2>&1) || rc=$?
is "$rc" 0 "systemd-analyze verify exits 0"
# It reports unknown keys and unparsable values, and still exits 0: its output must be empty.
is "$out" "" "systemd-analyze verify prints nothing"

read -ra docs <<<"$(setting Documentation)"
for doc in "${docs[@]}"; do
        page=${doc#man:}
        name=${page%(*}
        section=${page##*(}
        section=${section%)}
        check "Documentation=$doc is shipped (man/$name.$section)" test -f "$CAPGUARD_SOURCE_ROOT/man/$name.$section"
done

# --- systemd-analyze security ------------------------------------------------------------------

if systemd-analyze security --help 2>/dev/null | grep -q -- --offline ||
        systemd-analyze --help 2>/dev/null | grep -q -- --offline; then
        rc=0
        out=$(cd "$tmp" && systemd-analyze security --offline=yes --no-pager "$tmp/capguard.service" 2>&1) || rc=$?
        level=$(sed -n 's/.*Overall exposure level for capguard\.service: \([0-9][0-9.]*\).*/\1/p' <<<"$out")
        if [[ -n $level ]]; then
                diag "overall exposure level: $level (at most $max_exposure)"
                check "exposure $level is at most $max_exposure" awk -v l="$level" -v m="$max_exposure" 'BEGIN { exit !(l <= m) }'
        else
                not_ok "systemd-analyze security printed an overall exposure level"
                diag "exit $rc: $out"
        fi
        # each line that costs exposure, for whoever wants to bring the level down
        while IFS= read -r line; do diag "  $line"; done < <(grep '^✗' <<<"$out" | sed 's/  */ /g' || true)
else
        tap_skip "exposure is at most $max_exposure" "this systemd-analyze has no --offline (systemd < 250)"
fi

# --- what the daemon cannot work without -------------------------------------------------------

is "$(setting Type)" notify "Type=notify: READY=1 after the first full scan"
check "WatchdogSec= is set" test -n "$(setting WatchdogSec)"
is "$(setting CapabilityBoundingSet)" "CAP_KILL CAP_SYS_PTRACE" \
        "CapabilityBoundingSet: kill any uid's container, read its init's wchan; nothing else"
is "$(setting AmbientCapabilities)" "" "no ambient capabilities (root needs none)"
# The daemon must see every process of every container: no hidepid, no subset of /proc.
check "ProtectProc leaves every process visible" one_of "$(setting ProtectProc)" "" default
check "ProcSubset leaves /proc whole" one_of "$(setting ProcSubset)" "" all
# Capabilities in a user namespace of its own would be useless against the host's processes.
check "no PrivateUsers=" one_of "$(setting PrivateUsers)" "" no
is "$(setting StateDirectory)" capguard "StateDirectory=capguard (/var/lib/capguard)"
is "$(setting RuntimeDirectory)" capguard "RuntimeDirectory=capguard (/run/capguard)"
is "$(setting RestrictAddressFamilies)" AF_UNIX "RestrictAddressFamilies=AF_UNIX (journald, sd_notify)"
check "SystemCallFilter=@system-service" grep -qx 'SystemCallFilter=@system-service' "$unit"
# pidfd_open and pidfd_send_signal, how the daemon kills, are in @system-service (@process);
# SQLite's fchown() of its journal as root is in @privileged: refused with EPERM, not killed.
if systemd-analyze syscall-filter @system-service 2>/dev/null | grep -qx ' *@process' &&
        [[ $(systemd-analyze syscall-filter @process 2>/dev/null | grep -cwE 'pidfd_open|pidfd_send_signal') == 2 ]]; then
        ok "pidfd_open and pidfd_send_signal are in @system-service (@process)"
else
        not_ok "pidfd_open and pidfd_send_signal are in @system-service (@process)"
fi
is "$(setting SystemCallErrorNumber)" EPERM "a filtered system call fails with EPERM"

tap_done
