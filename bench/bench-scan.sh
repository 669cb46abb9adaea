#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# capctl scan against pscap -a (libcap-ng-utils) on this node: the same question, every
# process's capabilities. Interleaved runs, so both see the same node and the same caches.
# Usage: bench-scan.sh CAPCTL [ROUNDS] [EXTRA-PROCESSES]
# EXTRA-PROCESSES sleeping processes are started first, for a node as busy as a real one.
set -euo pipefail

capctl=$1
rounds=${2:-200}
extra=${3:-0}
command -v pscap >/dev/null || { echo "pscap (libcap-ng-utils) is not installed" >&2; exit 1; }

pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
for ((i = 0; i < extra; i++)); do
        sleep 600 &
        pids+=($!)
done

names=(pscap capctl-scan capctl-scan-json)
run() {
        case $1 in
                pscap) pscap -a ;;
                capctl-scan) "$capctl" scan ;;
                capctl-scan-json) "$capctl" scan --json ;;
        esac >/dev/null
}

# Blocks of runs, the commands taking turns, timed by bash itself (real, user+sys in seconds).
blocks=10 per_block=$(( (rounds + 9) / 10 ))
declare -A real cpu
for n in "${names[@]}"; do real[$n]=0 cpu[$n]=0; run "$n"; done   # warm up
TIMEFORMAT='%3R %3U %3S'
for ((b = 0; b < blocks; b++)); do
        for n in "${names[@]}"; do
                t=$( { time (for ((i = 0; i < per_block; i++)); do run "$n"; done) ; } 2>&1 )
                read -r r u s <<<"$t"
                real[$n]=$(awk -v a="${real[$n]}" -v b="$r" 'BEGIN { print a + b }')
                cpu[$n]=$(awk -v a="${cpu[$n]}" -v b="$u" -v c="$s" 'BEGIN { print a + b + c }')
        done
done

runs=$(( blocks * per_block ))
procs=$(find /proc -maxdepth 1 -name '[0-9]*' | wc -l)
echo "processes on the node: $procs, runs per command: $runs"
printf '%-18s %12s %12s\n' command "wall ms/run" "CPU ms/run"
for n in "${names[@]}"; do
        awk -v n="$n" -v w="${real[$n]}" -v c="${cpu[$n]}" -v r="$runs" \
                'BEGIN { printf "%-18s %12.2f %12.2f\n", n, w * 1000 / r, c * 1000 / r }'
done
