#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# capctl scan agrees with the kernel on every process of the node, and misses none.
# Processes may change between two reads of /proc, so the check is over processes whose
# status was the same just before and just after the scan.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/tap.sh
source "$CAPGUARD_SOURCE_ROOT/tests/lib/tap.sh"

command -v jq >/dev/null || tap_skip_all "jq is not installed"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

snapshot() { # one line per process: pid uid inh prm eff bnd amb nnp seccomp
        local d
        for d in /proc/[0-9]*; do
                awk -v pid="${d#/proc/}" '
                        $1 == "Uid:" { uid = $3 }
                        $1 == "CapInh:" { inh = $2 } $1 == "CapPrm:" { prm = $2 } $1 == "CapEff:" { eff = $2 }
                        $1 == "CapBnd:" { bnd = $2 } $1 == "CapAmb:" { amb = $2 }
                        $1 == "NoNewPrivs:" { nnp = ($2 == 1 ? "true" : "false") } $1 == "Seccomp:" { sc = $2 }
                        END { if (eff != "") print pid, uid, inh, prm, eff, bnd, amb, nnp, sc }
                ' "$d/status" 2>/dev/null || true
        done | sort
}

snapshot >"$tmp/before"
"$CAPCTL" scan --json >"$tmp/scan.json"
snapshot >"$tmp/after"

jq -r '[.pid, .uid, .cap_inh_hex, .cap_prm_hex, .cap_eff_hex, .cap_bnd_hex, .cap_amb_hex, .no_new_privs, .seccomp] | map(tostring) | join(" ")' \
        "$tmp/scan.json" | sort >"$tmp/scan"

comm -12 "$tmp/before" "$tmp/after" >"$tmp/stable"
stable=$(wc -l <"$tmp/stable")
check "most processes held still during the scan ($stable)" test "$stable" -ge 10

missing=$(comm -23 "$tmp/stable" "$tmp/scan")
is "$missing" "" "every stable process is in the scan with exactly the kernel's sets, uid, NoNewPrivs and seccomp"

dups=$(jq -r .pid "$tmp/scan.json" | sort | uniq -d)
is "$dups" "" "no process listed twice"

# The names agree with the masks, set by set.
bad=$(jq -r '
        def bits: [range(0; 64)] as $r | . as $h | ($h | ascii_downcase | explode | map(if . >= 97 then . - 87 else . - 48 end)) as $d
                | [ $r[] | select(($d[15 - (. / 4 | floor)] / (pow(2; . % 4)) | floor) % 2 == 1) ];
        select(([.cap_eff[]] | length) != (.cap_eff_hex | bits | length)
            or ([.cap_bnd[]] | length) != (.cap_bnd_hex | bits | length)) | .pid' "$tmp/scan.json")
is "$bad" "" "name arrays hold one name per set bit"

# The containers-only view is exactly the scan's container processes.
want=$(jq -r 'select(.container_id != null) | .pid' "$tmp/scan.json" | sort -n)
got=$("$CAPCTL" scan --containers-only --json | jq -r '.pid' | sort -n)
if [[ -n "$want" ]]; then
        # containers may come and go between two scans; most must agree
        common=$(comm -12 <(echo "$want" | sort) <(echo "$got" | sort) | wc -l)
        check "--containers-only lists the container processes" test "$common" -ge 1
fi
is "$("$CAPCTL" scan --containers-only --json | jq -r 'select(.container_id == null) | .pid')" "" \
        "--containers-only lists no host process"

# Our own process is a host process with our own sets.
self=$(jq -c "select(.pid == $$)" "$tmp/scan.json")
is "$(jq -r .container_id <<<"$self")" null "this test's shell is a host process"
is "$(jq -r .cap_bnd_hex <<<"$self")" "$(awk '$1 == "CapBnd:" { print $2 }' /proc/$$/status)" "its bounding set is read right"

tap_done
