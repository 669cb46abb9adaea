#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The history verbs (events and violations filters, containers, stats, prune, status) against a
# database that tests/helpers/fill-events.c writes through the store's own API: 12 known
# events, event i of kind i % 4 at 2025-11-28T12:(11-i):00Z plus i ms:
#   0 payments/api-7d9f/api, containerd, violation, no-sys-admin, kill-failed,
#     excess CAP_SYS_ADMIN CAP_NET_RAW (+ bit 63), bounding holds CAP_CHOWN, image registry.example/api:1.2
#   1 web, docker, ok, default, none, image nginx:1.27
#   2 unknown, audit, nothing known
#   3 kube-system/evil?[2Jpod/x, runc, violation, restricted, killed, CAP_NET_ADMIN (ambient)
# Container i's id is "%02u" i, then "c0ffee", then 'a' to 64 characters.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/tap.sh
source "$CAPGUARD_SOURCE_ROOT/tests/lib/tap.sh"

command -v jq >/dev/null || tap_skip_all "jq is not installed"
command -v sqlite3 >/dev/null || tap_skip_all "sqlite3 is not installed"
[[ -x ${FILL_EVENTS:-} ]] || tap_skip_all "FILL_EVENTS does not name the fill-events helper"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export CAPGUARD_DB=$tmp/history.db
export CAPGUARD_PID_FILE=$tmp/none.pid
"$FILL_EVENTS" --db "$CAPGUARD_DB" --count 12

run() { # run ARGS...: sets out, err, rc
        rc=0
        "$CAPCTL" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
        out=$(cat "$tmp/out") err=$(cat "$tmp/err")
}

# count DESC WANT ARGS...: `capctl ARGS... --json` prints WANT lines, exit 0 (1 if WANT is 0)
count() {
        local desc=$1 want=$2
        shift 2
        run "$@" --json
        is "$(grep -c . <<<"$out" || true)" "$want" "$desc: $want events"
        is "$rc" "$([[ $want -gt 0 ]] && echo 0 || echo 1)" "$desc: exit status"
}

# ids DESC WANT ARGS...: the first two characters of each id, in order
ids() {
        local desc=$1 want=$2
        shift 2
        run "$@" --json
        is "$(jq -r '.container_id[0:2]' <<<"$out" | tr '\n' ' ')" "$want" "$desc"
}

# each filter alone
count "events" 12 events
count "violations" 6 violations
count "--namespace payments" 3 events --namespace payments
count "--namespace pay (whole names only)" 0 events --namespace pay
count "--pod api-7d9f" 3 events --pod api-7d9f
count "--image 'registry.example/*'" 3 events --image 'registry.example/*'
count "--image 'nginx:1.2?'" 3 events --image 'nginx:1.2?'
count "--image 'nginx'" 0 events --image nginx
count "--rule restricted" 3 events --rule restricted
count "--action killed" 3 events --action killed
count "--action none" 3 events --action none
count "--verdict unknown" 3 events --verdict unknown
count "--cap NET_ADMIN (ambient, inheritable)" 3 events --cap NET_ADMIN
count "--cap sys_admin (any case, no CAP_)" 3 events --cap sys_admin
count "--cap CAP_CHOWN (only in bounding sets)" 6 events --cap CAP_CHOWN
count "--cap CAP_SYS_MODULE (held by none)" 0 events --cap CAP_SYS_MODULE
count "--container 05" 1 events --container 05
count "--container 0" 10 events --container 0
count "--container 05c0ffeeaaaa (a longer prefix)" 1 events --container 05c0ffeeaaaa
count "--container of a full id" 1 events --container 11c0ffeeaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
count "--since 12:06 UTC (inclusive, to the microsecond)" 6 events --since "2025-11-28 12:06:00 UTC"
count "--until 12:02 UTC (event 9 is 9 ms later)" 2 events --until "2025-11-28T12:02:00Z"
count "--since @epoch" 6 events --since @1764331560
count "--since 1h (relative: nothing that recent)" 0 events --since 1h
count "--since 2h ago, --until now" 0 events --since "2h ago" --until now
count "--until yesterday (everything is older)" 12 events --until yesterday
count "--limit 4" 4 events --limit 4

# combined
count "violations --namespace payments --cap SYS_ADMIN --since 12:05" 2 \
        violations --namespace payments --cap SYS_ADMIN --since "2025-11-28 12:05 UTC"
count "events --verdict violation --action killed --rule restricted" 3 \
        events --verdict violation --action killed --rule restricted
count "--rule restricted --namespace payments (disjoint)" 0 events --rule restricted --namespace payments
count "--image glob and --container" 1 events --image 'registry.example/*' --container 04
count "--since and --until" 3 events --since "2025-11-28 12:03 UTC" --until "2025-11-28 12:05:30 UTC"

# order
ids "oldest first" "11 10 09 08 07 06 05 04 03 02 01 00 " events
ids "--reverse: newest first" "00 01 02 03 04 05 06 07 08 09 10 11 " events --reverse
ids "--limit 3: the newest three, oldest first" "02 01 00 " events --limit 3
ids "--limit 3 --reverse" "00 01 02 " events --limit 3 --reverse
ids "violations --reverse --limit 2" "00 03 " violations --reverse --limit 2

# nothing found
run violations --namespace nowhere
is "$rc" 1 "no rows: exit 1"
is "$out" "No violations." "no rows: the table says so"
is "$err" "" "no rows: nothing on stderr"

# bad input: exit 2, one line naming the token, nothing on stdout
bad() { # bad DESC TOKEN ARGS...
        local desc=$1 token=$2
        shift 2
        run "$@"
        is "$rc" 2 "$desc: exit 2"
        is "$(wc -l <<<"$err")" 1 "$desc: one line"
        check "$desc: names '$token'" grep -qF -- "$token" <<<"$err"
        is "$out" "" "$desc: nothing on stdout"
}
bad "a bad duration" "3x" events --since 3x
bad "a date that does not exist" "2026-02-30" events --until 2026-02-30
bad "a time that does not parse" "noon" events --since noon
bad "an unknown capability" "CAP_FLY" violations --cap CAP_FLY
bad "a prefix that is no id" "../x" events --container ../x
bad "an unknown action" "explode" events --action explode
bad "an unknown verdict" "maybe" events --verdict maybe
bad "violations has no --verdict" "--verdict" violations --verdict ok
bad "a limit of 0" "0" events --limit 0
bad "an empty namespace" "--namespace" events --namespace ""
bad "an unknown option" "--frobnicate" violations --frobnicate
bad "--since after --until" "--since" events --since "2025-11-28 13:00 UTC" --until "2025-11-28 12:00 UTC"

# the table: on a terminal coloured unless NO_COLOR, cut to its width; piped, neither
command -v script >/dev/null || tap_skip_all "script (bsdutils) is not installed"
tty_out=$(TERM=xterm COLUMNS=80 script -qec "stty cols 80; '$CAPCTL' violations" /dev/null)
check "a terminal: colour" grep -q $'\x1b\\[3[13]m' <<<"$tty_out"
check "a terminal: no line wider than 80 columns" \
        bash -c 'sed "s/\x1b\[[0-9;]*m//g; s/\r//" <<<"$1" | awk "length > 80 { exit 1 }"' _ "$tty_out"
tty_out=$(NO_COLOR=1 TERM=xterm script -qec "'$CAPCTL' violations" /dev/null)
check "a terminal with NO_COLOR: no colour" bash -c '! grep -q $'"'"'\x1b'"'"' <<<"$1"' _ "$tty_out"
run violations
check "a pipe: no escape byte" bash -c '! grep -q $'"'"'\x1b'"'"' "$1"' _ "$tmp/out"
check "a pipe: rows are not cut" bash -c 'awk "length > 120 { found = 1 } END { exit !found }" "$1"' _ "$tmp/out"

# containers
run containers --all
is "$rc" 0 "containers --all: exit 0"
is "$(wc -l <<<"$out")" 13 "containers --all: a header and 12 rows"
check "containers: a row with its latest verdict" \
        grep -Eq '^00c0ffeeaaaa +containerd +payments/api-7d9f/api +live +violation +kill-failed +no-sys-admin$' <<<"$out"
run containers --quiet
is "$(wc -l <<<"$out")" 12 "containers --quiet: 12 ids"
check "containers --quiet: full ids" grep -qx '05c0ffeeaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' <<<"$out"
run containers --json
is "$(jq -s -c 'map(select(.container_id | startswith("03"))) | .[0] | [.k8s_namespace, .runtime, .exited, .latest.action, .latest.rule]' <<<"$out")" \
        '["kube-system","runc",null,"killed","restricted"]' "containers --json: a container and its latest event"

# stats
run stats --since 2025-11-01 --json
is "$rc" 0 "stats: exit 0"
is "$(jq -c '[.violations, .by_namespace, .by_rule]' <<<"$out")" \
        '[6,[{"namespace":"kube-system","violations":3},{"namespace":"payments","violations":3}],[{"rule":"no-sys-admin","violations":3},{"rule":"restricted","violations":3}]]' \
        "stats --json: per namespace and rule"
is "$(jq -c '[.by_capability[] | select(.capability | startswith("CAP_N") or startswith("CAP_S")) | [.capability, .violations]]' <<<"$out")" \
        '[["CAP_NET_ADMIN",3],["CAP_NET_RAW",3],["CAP_SYS_ADMIN",3]]' "stats --json: per capability"
run stats --since 2025-11-01 --namespace payments --json
is "$(jq -c '[.violations, (.by_namespace | length)]' <<<"$out")" '[3,1]' "stats takes the filters"
run stats --since 2025-11-01
check "stats: a bar per row" grep -Eq '^  payments +3 #+$' <<<"$out"
run stats
is "$rc" 1 "stats, default last 7 days: none, exit 1"

# status, no daemon running
run status
is "$rc" 1 "status without a daemon: exit 1"
check "status: says so" grep -q '^capguardd: *not running' <<<"$out"
check "status: the live containers" grep -q '^containers: 12 live' <<<"$out"
run status --json
is "$(jq -c '[.running, .pid, .containers_live, .violations_last_day, (.database_bytes > 0)]' <<<"$out")" \
        '[false,null,12,0,true]' "status --json"

# a member of the database's group reads it without root, and without write access to the
# directory: the -wal and -shm files are kept for such readers
if [[ $(id -u) -eq 0 ]] && command -v setpriv >/dev/null; then
        ro=$tmp/ro
        chmod 0711 "$tmp"
        mkdir -m 0750 "$ro"
        (umask 0027; "$FILL_EVENTS" --db "$ro/h.db" --count 4)
        chgrp -R nogroup "$ro"
        rc=0
        out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$CAPCTL" --db "$ro/h.db" events --json 2>"$tmp/err") || rc=$?
        is "$rc" 0 "a group member reads without root"
        is "$(grep -c . <<<"$out")" 4 "and sees every event"
        check "no write access was needed" bash -c '! setpriv --reuid=nobody --regid=nogroup --clear-groups touch "$1/x" 2>/dev/null' _ "$ro"
else
        tap_skip "a group member reads without root" "not root, or no setpriv"
fi

# a query answers while a writer holds the write lock (the daemon in a transaction)
coproc writer { sqlite3 "$CAPGUARD_DB"; }
echo "BEGIN IMMEDIATE; UPDATE containers SET pid = pid; SELECT 'locked';" >&"${writer[1]}"
read -r -t 10 locked <&"${writer[0]}" || locked=
is "$locked" locked "a writer holds the lock"
run events --limit 1 --json
is "$rc" 0 "a query during a write transaction answers"
echo "COMMIT;" >&"${writer[1]}"
exec {writer[1]}>&-
wait "$writer_PID" || true

# prune: the latest event of a live container stays; exited containers go with their events
run prune --older-than 1d --dry-run
check "prune --dry-run: nothing while all are live" grep -q '^Would prune 0 events and 0 containers' <<<"$out"
sqlite3 "$CAPGUARD_DB" "UPDATE containers SET exited = 1764331200000000 WHERE container_id < '06'"
run prune --older-than 1d --dry-run
check "prune --dry-run: six exited containers" grep -q '^Would prune 6 events and 6 containers older than 1d' <<<"$out"
count "prune --dry-run deletes nothing" 12 events
run prune --older-than 1d
is "$rc" 0 "prune: exit 0"
check "prune: says what went" grep -q '^Pruned 6 events and 6 containers older than 1d' <<<"$out"
count "after prune" 6 events
run containers --all --quiet
is "$(wc -l <<<"$out")" 6 "after prune: six containers left"
bad "prune without --older-than" "--older-than" prune
bad "prune with a bad duration" "forever" prune --older-than forever
run --db "$tmp/missing.db" prune --older-than 1d
is "$rc" 2 "prune of a missing database: exit 2"
check "prune of a missing database does not create it" test ! -e "$tmp/missing.db"

tap_done
