#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# capctl events against scratch databases that tests/helpers/fill-events.c writes through the
# store's own API: six known events (see that file), recorded newest first.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/tap.sh
source "$CAPGUARD_SOURCE_ROOT/tests/lib/tap.sh"

command -v jq >/dev/null || tap_skip_all "jq is not installed"
[[ -x ${FILL_EVENTS:-} ]] || tap_skip_all "FILL_EVENTS does not name the fill-events helper"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export CAPGUARD_DB=$tmp/events.db

run() { # run ARGS...: sets out, err, rc
        rc=0
        "$CAPCTL" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
        out=$(cat "$tmp/out") err=$(cat "$tmp/err")
}

# jqis DESC FILTER WANT: FILTER applied to $out (slurped) gives WANT
jqis() {
        is "$(jq -c -s "$2" <<<"$out")" "$3" "$1"
}

# no database, an empty one, and one of the schema before events
run events
is "$rc" 2 "no database: exit 2"
check "and says where it looked" grep -q "no database at $CAPGUARD_DB" <<<"$err"

"$FILL_EVENTS" --db "$CAPGUARD_DB" --count 0
run events --json
is "$rc" 1 "no events: exit 1"
is "$out" "" "no events: nothing on stdout with --json"
run events
is "$rc" 1 "no events, table: exit 1"
is "$out" "No events." "no events, table: says so"

sqlite3 "$tmp/v1.db" "CREATE TABLE policy_versions (version INTEGER PRIMARY KEY); PRAGMA user_version = 1;"
run --db "$tmp/v1.db" events
is "$rc" 2 "an older schema: exit 2"
check "and what to do" grep -q "older schema" <<<"$err"

rm -f "$CAPGUARD_DB"*
"$FILL_EVENTS" --db "$CAPGUARD_DB" --count 6

# --json: one object per line, oldest first
run events --json
is "$rc" 0 "events --json: exit 0"
is "$(wc -l <<<"$out")" 6 "one line per event"
jqis "six JSON objects: one per line" 'length == 6 and all(type == "object")' 'true'
jqis "newest last: ordered by time, not as recorded" 'map(.pid)' '[1005,1004,1003,1002,1001,1000]'
jqis "times ascending" '[.[].time] == ([.[].time] | sort)' 'true'
jqis "the keys" '.[0] | keys' \
        '["action","action_detail","boot_id","cap_amb","cap_bnd","cap_eff","cap_inh","cap_prm","container","container_id","declared","excess","excess_by_set","id","image","k8s_namespace","no_new_privs","pid","pid_start","pod","policy_version","reasons","rule","runtime","runtime_namespace","sandbox","seccomp","time","uid","verdict"]'
jqis "every line has the same keys" 'map(keys) | unique | length' '1'

# the newest: a Kubernetes container over its rule, whose kill failed
newest='.[5]'
jqis "time: RFC 3339, UTC, microseconds" "$newest.time" '"2025-11-28T12:05:00.000007Z"'
jqis "an older one's microseconds" '.[1].time' '"2025-11-28T12:01:00.004007Z"'
jqis "container_id" "$newest.container_id" "\"00c0ffee$(printf 'a%.0s' {1..56})\""
jqis "runtime" "$newest.runtime" '"containerd"'
jqis "runtime_namespace" "$newest.runtime_namespace" '"k8s.io"'
jqis "k8s_namespace" "$newest.k8s_namespace" '"payments"'
jqis "pod" "$newest.pod" '"api-7d9f"'
jqis "container" "$newest.container" '"api"'
jqis "image" "$newest.image" '"registry.example/api:1.2"'
jqis "sandbox" "$newest.sandbox" 'false'
jqis "pid" "$newest.pid" '1000'
jqis "boot_id" "$newest.boot_id" '"b007b007b007b007b007b007b007b007"'
jqis "boot_id: null where it was not recorded" '.[4].boot_id' 'null'
jqis "uid" "$newest.uid" '0'
jqis "cap_eff" "$newest.cap_eff" '["CAP_NET_RAW","CAP_SYS_ADMIN"]'
jqis "cap_prm" "$newest.cap_prm" '["CAP_NET_RAW","CAP_SYS_ADMIN"]'
jqis "cap_bnd, its top bit included" "$newest.cap_bnd" '["CAP_CHOWN","CAP_NET_RAW","CAP_SYS_ADMIN","CAP_63"]'
jqis "cap_inh" "$newest.cap_inh" '[]'
jqis "cap_amb" "$newest.cap_amb" '[]'
jqis "no_new_privs" "$newest.no_new_privs" 'false'
jqis "seccomp" "$newest.seccomp" '0'
jqis "verdict" "$newest.verdict" '"violation"'
jqis "rule" "$newest.rule" '"no-sys-admin"'
jqis "policy_version" "$newest.policy_version" '3'
jqis "excess: the union over the sets" "$newest.excess" '["CAP_NET_RAW","CAP_SYS_ADMIN","CAP_63"]'
jqis "excess_by_set: only the sets with excess" "$newest.excess_by_set" \
        '{"effective":["CAP_NET_RAW","CAP_SYS_ADMIN"],"bounding":["CAP_SYS_ADMIN","CAP_63"]}'
jqis "reasons, quotes and backslashes intact" "$newest.reasons" \
        '["holds \"CAP_SYS_ADMIN\" in '"'"'effective'"'"'","C:\\path {}[], ∌"]'
jqis "action" "$newest.action" '"kill-failed"'
jqis "action_detail" "$newest.action_detail" '"pidfd_send_signal: Operation not permitted"'

# a compliant Docker container
jqis "compliant: verdict, action, no excess, no reasons" '.[4] | [.verdict, .action, .excess, .excess_by_set, .reasons]' \
        '["ok","none",[],{},[]]'
jqis "compliant: runtime, names, nnp, seccomp, uid" '.[4] | [.runtime, .runtime_namespace, .k8s_namespace, .pod, .container, .image, .no_new_privs, .seccomp, .uid]' \
        '["docker","moby",null,null,"web","nginx:1.27",true,2,101]'
jqis "compliant: the docker default bounding set" '.[4].cap_bnd | length' '14'

# facts that could not be read are null, not made up
jqis "unknown: null where nothing is known" '.[3] | [.runtime, .runtime_namespace, .k8s_namespace, .pod, .container, .image, .no_new_privs, .seccomp, .rule, .policy_version, .action_detail]' \
        '[null,null,null,null,null,null,null,null,null,null,null]'
jqis "unknown: verdict, reason, action" '.[3] | [.verdict, .reasons, .action]' '["unknown",["state.json is truncated"],"audit"]'

# a killed runc container; the escape in its pod name is JSON-escaped, not dropped
jqis "killed: action, sandbox, ambient excess" '.[2] | [.action, .sandbox, .excess_by_set, .runtime, .runtime_namespace]' \
        '["killed",true,{"ambient":["CAP_NET_ADMIN"]},"runc",null]'
jqis "killed: the pod name as recorded" '.[2].pod == "evil\u001b[2Jpod"' 'true'
check "no raw escape byte in the JSON" bash -c '! grep -q $'"'"'\x1b'"'"' "$1"' _ "$tmp/out"

# --limit: the newest N, still oldest first
run events --json --limit 2
is "$rc" 0 "--limit 2: exit 0"
jqis "--limit 2: the two newest, oldest first" 'map(.pid)' '[1001,1000]'
run events --json --limit 1
jqis "--limit 1: the newest" 'map(.pid)' '[1000]'
run events --json --limit 100
jqis "--limit above the count: all" 'length' '6'
run events --limit=3 --json
jqis "--limit=3" 'map(.pid)' '[1002,1001,1000]'

for bad in 0 -1 abc 1x ' 5' +5 0x10 99999999999999999999999 ''; do
        run events --limit "$bad"
        if [[ $rc -eq 2 && -z $out && $(wc -l <<<"$err") -eq 1 ]] && grep -qF -- "'$bad'" <<<"$err"; then
                ok "--limit '$bad': exit 2, one line naming it"
        else
                not_ok "--limit '$bad': exit 2, one line naming it"
                diag "exit $rc" "stdout: $out" "stderr: $err"
        fi
done
run events --limit
is "$rc" 2 "--limit without a value: exit 2"
run events extra
is "$rc" 2 "an unexpected argument: exit 2"
check "naming it" grep -q "'extra'" <<<"$err"
run events --frobnicate
is "$rc" 2 "an unknown option: exit 2"

# the table
run events
is "$rc" 0 "table: exit 0"
is "$(wc -l <<<"$out")" 7 "table: a header and one row per event"
check "table: the header" grep -Eq '^TIME +CONTAINER +RUNTIME +NAMESPACE/POD/CONTAINER +VERDICT +RULE +ACTION +EXCESS$' <<<"$out"
last=$(tail -n 1 <<<"$out")
check "table: the newest last, to the second, id cut to 12" \
        grep -Eq '^2025-11-28T12:05:00Z +00c0ffeeaaaa +containerd +payments/api-7d9f/api +violation +no-sys-admin +kill-failed +NET_RAW,SYS_ADMIN,63$' <<<"$last"
check "table: a compliant row" \
        grep -Eq '^2025-11-28T12:04:00Z +01c0ffeeaaaa +docker +web +ok +default +none +-$' <<<"$out"
check "table: an unknown row" \
        grep -Eq '^2025-11-28T12:03:00Z +02c0ffeeaaaa +- +- +unknown +- +audit +-$' <<<"$out"
check "table: the escape is neutralised" grep -Fq 'kube-system/evil?[2Jpod/x' <<<"$out"
check "table: no raw escape byte" bash -c '! grep -q $'"'"'\x1b'"'"' "$1"' _ "$tmp/out"
run events --limit 1
is "$(wc -l <<<"$out")" 2 "table --limit 1: the header and one row"

run events --help
is "$rc" 0 "--help: exit 0"
check "--help: usage" grep -q '^Usage: capctl events' <<<"$out"
run --help
check "capctl --help lists events" grep -Eq '^  events ' <<<"$out"

tap_done
