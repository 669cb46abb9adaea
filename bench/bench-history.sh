#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# capctl's filtered history queries against journalctl asked the same questions of capguardd's
# journal entries (#5). fill-history writes EVENTS synthetic verdicts of a Kubernetes node,
# spread over the last 30 days, into a database and, as the journal entries capguardd sends
# for them, into an export file that systemd-journal-remote turns into journal files (rotated
# at its default size, as journald's are). Both are kept in DIR and reused for an hour: the
# questions are about the last 24 hours. Each question is asked of both, the commands taking
# turns over ROUNDS rounds and timed wall-clock; median and p90 per command, and the rows
# each returned, which must agree.
# Usage: bench-history.sh CAPCTL FILL-HISTORY [DIR] [EVENTS] [ROUNDS]
set -euo pipefail
export LC_ALL=C TZ=UTC

capctl=$1
fill=$2
dir=${3:-history}
events=${4:-1000000}
rounds=${5:-20}
seed=1 days=30
ns=payments cap=CAP_SYS_ADMIN rule=restricted image='registry.example/payments/*'
remote=/lib/systemd/systemd-journal-remote
[[ -x $remote ]] || { echo "$remote is not installed (package systemd-journal-remote)" >&2; exit 1; }
command -v journalctl >/dev/null || { echo "journalctl is not installed (package systemd)" >&2; exit 1; }

mkdir -p "$dir"
db=$dir/history.db journal=$dir/journal stamp=$dir/stamp log=$dir/fill.log
want="events=$events seed=$seed days=$days"

fresh() {
        [[ -f $stamp && -f $db && -d $journal && $(cat "$stamp") == "$want" ]] &&
                [[ -n $(find "$stamp" -mmin -60) ]]
}

ms_since() { # ms_since START: milliseconds from START ($EPOCHREALTIME) to now
        awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", (b - a) * 1000 }'
}

if fresh; then
        echo "reusing the history in $dir ($want, filled $(stat -c %y "$stamp" | cut -d. -f1))"
else
        rm -rf "$db" "$db-wal" "$db-shm" "$journal" "$dir/export" "$stamp" "$log"
        echo "filling $dir: $want"
        t=$EPOCHREALTIME
        "$fill" --db "$db" --events "$events" --seed "$seed" --days "$days" --journal-export "$dir/export" 2>"$log" || {
                cat "$log" >&2
                exit 1
        }
        echo "fill-history wall ms: $(ms_since "$t")" >>"$log"
        mkdir "$journal"
        t=$EPOCHREALTIME
        "$remote" --output="$journal/history.journal" "$dir/export" 2>"$dir/remote.log" || {
                cat "$dir/remote.log" >&2
                exit 1
        }
        echo "systemd-journal-remote wall ms: $(ms_since "$t")" >>"$log"
        written=$(sed -n 's/^Finishing after writing \([0-9]*\) entries$/\1/p' "$dir/remote.log")
        [[ $written == "$events" ]] || {
                echo "systemd-journal-remote wrote ${written:-no} entries of $events:" >&2
                cat "$dir/remote.log" >&2
                exit 1
        }
        rm -f "$dir/export" "$dir/remote.log"
        echo "$want" >"$stamp"
fi
cat "$log"
echo "database: $(du -cb "$db"* | tail -1 | cut -f1) bytes; journal: $(du -cb "$journal"/*.journal | tail -1 | cut -f1)" \
     "bytes in $(find "$journal" -name "*.journal" | wc -l) files"

# A container of the namespace, by the 12 digits docker ps shows; the journal needs all 64.
id=$("$capctl" --db "$db" events --namespace "$ns" --limit 1 --json | grep -o '"container_id":"[0-9a-f]*"' | cut -d'"' -f4)
[[ ${#id} -eq 64 ]] || { echo "no container in namespace $ns" >&2; exit 1; }
prefix=${id:0:12}

# The journal has no glob match and no match on one word of a field: those are grep's on
# journalctl's JSON lines. --cap asks for the capability in the excess or in any of the five
# sets; for a violation here that is the excess (no rule of fill-history's policy allows
# CAP_SYS_ADMIN but an exemption, whose verdicts are never violations, and no inheritable set
# holds anything), so CAPGUARD_EXCESS_CAPS answers it.
questions=(ns-cap rule container image latest)
declare -A title=(
        [ns-cap]="violations --namespace $ns --since 24h --cap $cap"
        [rule]="violations --rule $rule --since 24h"
        [container]="events --container $prefix"
        [image]="violations --image '$image' --since 24h"
        [latest]="events --limit 100"
)
declare -A how=(
        [ns-cap]="CAPGUARD_K8S_NAMESPACE=$ns CAPGUARD_VERDICT=violation --since -24h | grep $cap in CAPGUARD_EXCESS_CAPS"
        [rule]="CAPGUARD_RULE=$rule CAPGUARD_VERDICT=violation --since -24h"
        [container]="CAPGUARD_CONTAINER_ID=<all 64 digits>"
        [image]="CAPGUARD_VERDICT=violation --since -24h | grep CAPGUARD_IMAGE ${image%\*}"
        [latest]="SYSLOG_IDENTIFIER=capguardd -n 100"
)
cap_re="\"CAPGUARD_EXCESS_CAPS\":\"([^\"]* )?${cap}[ \"]"
image_re="\"CAPGUARD_IMAGE\":\"${image%\*}"
image_re=${image_re//./\\.}

jc() { journalctl --directory="$journal" -o json --no-pager "$@"; }

run() { # run SYSTEM QUESTION: the answer, one JSON object a line
        case $1-$2 in
                capctl-ns-cap) "$capctl" --db "$db" violations --namespace "$ns" --since 24h --cap "$cap" --json ;;
                capctl-rule) "$capctl" --db "$db" violations --rule "$rule" --since 24h --json ;;
                capctl-container) "$capctl" --db "$db" events --container "$prefix" --json ;;
                capctl-image) "$capctl" --db "$db" violations --image "$image" --since 24h --json ;;
                capctl-latest) "$capctl" --db "$db" events --limit 100 --json ;;
                journal-ns-cap) jc --since -24h CAPGUARD_K8S_NAMESPACE="$ns" CAPGUARD_VERDICT=violation | grep -E "$cap_re" ;;
                journal-rule) jc --since -24h CAPGUARD_RULE="$rule" CAPGUARD_VERDICT=violation ;;
                journal-container) jc CAPGUARD_CONTAINER_ID="$id" ;;
                journal-image) jc --since -24h CAPGUARD_VERDICT=violation | grep -E "$image_re" ;;
                journal-latest) jc -n 100 SYSLOG_IDENTIFIER=capguardd ;;
        esac
}

# Into a file, counted after the clock stops: a pipe to wc would cost more than the query
# on a small answer. capctl exits 1 and grep 1 when nothing matched: the count says so.
out=$dir/answer
declare -A times rows differ
for q in "${questions[@]}"; do
        for s in capctl journal; do
                run "$s" "$q" >"$out" || true   # warm up
                times[$s-$q]=""
        done
        differ[$q]=0
done
for ((r = 0; r < rounds; r++)); do
        for q in "${questions[@]}"; do
                for s in capctl journal; do
                        t=$EPOCHREALTIME
                        run "$s" "$q" >"$out" || true
                        times[$s-$q]+="$(ms_since "$t") "
                        rows[$s-$q]=$(wc -l <"$out")
                done
                [[ ${rows[capctl-$q]} == "${rows[journal-$q]}" ]] || differ[$q]=$((differ[$q] + 1))
        done
done
rm -f "$out"

stats() { # stats "MS MS ...": median and p90 (nearest rank)
        tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{ v[NR] = $1 }
                END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
                      p = int(NR * 0.9); if (p < NR * 0.9) p++
                      printf "%8.1f %8.1f", m, v[p] }'
}

echo
echo "$rounds rounds, the commands taking turns; wall ms per query, rows returned"
echo "journalctl -o json over $journal with: (a grep where the journal has no match for it)"
for q in "${questions[@]}"; do
        printf '  %-10s %s\n' "$q" "${how[$q]}"
done
echo
printf '%-10s %-62s %8s %8s %7s   %8s %8s %7s\n' question "capctl --db DB ..." median p90 rows \
        "jctl med" p90 rows
status=0
for q in "${questions[@]}"; do
        printf '%-10s %-62s %s %7s   %s %7s' "$q" "${title[$q]}" "$(stats "${times[capctl-$q]}")" \
                "${rows[capctl-$q]}" "$(stats "${times[journal-$q]}")" "${rows[journal-$q]}"
        if ((differ[$q] > 1)); then
                printf '   rows DIFFER in %d of %d rounds\n' "${differ[$q]}" "$rounds"
                status=1
        elif ((differ[$q] == 1)); then
                # an event crossing the 24 h boundary between the two commands
                printf '   rows differed once\n'
        else
                echo
        fi
done
median=$(stats "${times[capctl-ns-cap]}" | awk '{ print $1 }')
awk -v m="$median" -v n="$events" 'BEGIN { printf "\ncapctl violations --namespace --since --cap over %d events: median %.1f ms, %s the 100 ms target\n",
        n, m, m < 100 ? "under" : "OVER" }'
exit $status
