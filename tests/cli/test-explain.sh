#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# capctl explain against a scratch database: two policy versions loaded with `capctl policy
# load`, and events recorded through the store's own API by tests/helpers/send-event.c --db:
#   A  a1b2c3dd...  containerd payments/api-7d9f/api, two incarnations: the first judged by
#                   version 1 (excess SYS_ADMIN), the second by version 2's rule payments, which
#                   allows SYS_PTRACE and denies NET_RAW (excess NET_RAW and SYS_ADMIN)
#   B  a1b2ffee...  docker, a terminal escape in its name, no declared sets, judged by a policy
#                   version the database does not have
#   web, web2       runc: web compliant, web2 not judged (its facts could not be read)
#   f00d            judged by version 1, whose text is then made unparsable (needs sqlite3)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/tap.sh
source "$CAPGUARD_SOURCE_ROOT/tests/lib/tap.sh"

command -v jq >/dev/null || tap_skip_all "jq is not installed"
[[ -x ${SEND_EVENT:-} ]] || tap_skip_all "SEND_EVENT does not name the send-event helper"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export CAPGUARD_DB=$tmp/explain.db
export CAPGUARD_PID_FILE=$tmp/none.pid
export NO_COLOR=1

run() { # run ARGS...: sets out, err, rc
        rc=0
        "$CAPCTL" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
        out=$(cat "$tmp/out") err=$(cat "$tmp/err")
}

# has DESC LINE: $out has LINE, whole
has() {
        check "$1" grep -qxF -- "$2" <<<"$out"
}

# no_escape TEXT: TEXT has no escape byte that could steer a terminal
no_escape() {
        ! grep -q $'\x1b' <<<"$1"
}

# jqis DESC FILTER WANT: FILTER applied to $out gives WANT (compact)
jqis() {
        is "$(jq -c "$2" <<<"$out")" "$3" "$1"
}

cat >"$tmp/v1.yaml" <<'YAML'
version: 1
rules:
  - name: docker-default
    match: {}
    capabilities:
      profile: docker-default
YAML
cat >"$tmp/v2.yaml" <<'YAML'
version: 1
defaults:
  action: audit
rules:
  - name: system
    match:
      k8s_namespace: ["kube-system"]
    allow: true
  - name: web-pods
    match: {k8s_namespace: ["team-*"], pod: ["web-*"]}
    capabilities:
      profile: pss-restricted
  - name: payments
    match:
      k8s_namespace: [payments]
      image: ["registry.example/*"]
    capabilities:
      profile: docker-default
      allow: [SYS_PTRACE]
      deny: [NET_RAW]
    action: kill
  - name: docker-default
    match: {}
    capabilities:
      profile: docker-default
YAML
"$CAPCTL" policy load "$tmp/v1.yaml" >/dev/null 2>&1 || bail_out "capctl policy load v1 failed"
"$CAPCTL" policy load "$tmp/v2.yaml" >/dev/null 2>&1 || bail_out "capctl policy load v2 failed"

A=a1b2c3$(printf 'd%.0s' {1..58})
B=a1b2ff$(printf 'e%.0s' {1..58})
base=1764331200000000 # 2025-11-28T12:00:00Z
docker_default=a80425fb
plus_admin=a82425fb # docker-default + SYS_ADMIN
send() { "$SEND_EVENT" --db "$CAPGUARD_DB" "$@" || bail_out "send-event $*"; }

k8s=(--runtime containerd --runtime-namespace k8s.io --k8s-namespace payments --pod api-7d9f --container api
     --image registry.example/api:1.2 --uid 0 --no-new-privs 0 --seccomp 2)
send --container-id "$A" "${k8s[@]}" --pid 100 --pid-start 1000 --time "$base" \
        --cap eff=$plus_admin --cap prm=$plus_admin --cap bnd=$plus_admin \
        --declared eff=$plus_admin --declared prm=$plus_admin --declared bnd=$plus_admin \
        --verdict violation --rule docker-default --policy-version 1 \
        --excess eff=200000 --excess prm=200000 --excess bnd=200000 \
        --reason "bounding set holds CAP_SYS_ADMIN beyond what rule 'docker-default' allows" --action audit
# the second incarnation: its runtime declared SYS_ADMIN in eff and prm only, NET_RAW inheritable
send --container-id "$A" "${k8s[@]}" --pid 200 --pid-start 2000 --time $((base + 60000000)) \
        --cap eff=$plus_admin --cap prm=$plus_admin --cap bnd=$plus_admin \
        --declared eff=$plus_admin --declared prm=$plus_admin --declared bnd=$docker_default --declared inh=2000 \
        --verdict violation --rule payments --policy-version 2 \
        --excess eff=202000 --excess prm=202000 --excess bnd=202000 \
        --reason "bounding set holds CAP_NET_RAW, CAP_SYS_ADMIN beyond what rule 'payments' allows" \
        --action kill-failed --action-detail "pidfd_send_signal: Operation not permitted"
send --container-id "$B" --runtime docker --runtime-namespace moby --container $'evil\e[2J' --image nginx \
        --pid 300 --pid-start 3000 --time $((base + 120000000)) --cap bnd=$docker_default --uid 0 --seccomp 2 \
        --no-new-privs 1 --verdict ok --rule docker-default --policy-version 9 --action none
send --container-id web --runtime runc --container web --pid 400 --pid-start 4000 --time $((base + 180000000)) \
        --cap bnd=2000 --declared bnd=2000 --uid 1000 --seccomp 2 --no-new-privs 1 \
        --verdict ok --rule docker-default --policy-version 2 --action none
send --container-id web2 --runtime runc --pid 500 --pid-start 5000 --time $((base + 240000000)) \
        --verdict unknown --policy-version 2 --action none --reason "state.json is truncated"
send --container-id f00d --runtime runc --pid 600 --pid-start 6000 --time $((base + 300000000)) \
        --cap bnd=$docker_default --verdict ok --rule docker-default --policy-version 1 --action none

# --- which container ---------------------------------------------------------------------

run explain zz
is "$rc" 1 "no container has the prefix: exit 1"
is "$err" "capctl explain: no container has an id starting with 'zz'" "no container: one line says so"
is "$out" "" "no container: nothing on stdout"

run explain a1b2
is "$rc" 2 "a prefix of two containers: exit 2"
is "$(head -n 1 <<<"$err")" "capctl explain: 'a1b2' fits 2 containers:" "ambiguous: says how many"
is "$(tail -n +2 <<<"$err" | awk '{ print $1 }' | tr '\n' ' ')" "$A $B " "ambiguous: lists both, full ids"
check "ambiguous: with names and first seen" grep -qxF \
        "  $A  payments/api-7d9f/api  first seen 2025-11-28T12:01:00.000000Z" <<<"$err"
check "ambiguous: no escape byte in a name" no_escape "$err"
is "$out" "" "ambiguous: nothing on stdout"

run explain --json a1
is "$rc" 2 "ambiguous with --json: exit 2"
is "$out" "" "ambiguous with --json: nothing on stdout"

run explain web
is "$rc" 0 "a whole id that starts others too is that container: exit 0"
check "a whole id: that container" grep -qx "Container web" <<<"$out"
run explain we
is "$rc" 2 "a prefix of web and web2: exit 2"

bad() { # bad DESC TOKEN ARGS...
        local desc=$1 token=$2
        shift 2
        run "$@"
        is "$rc" 2 "$desc: exit 2"
        is "$(wc -l <<<"$err")" 1 "$desc: one line"
        check "$desc: names '$token'" grep -qF -- "$token" <<<"$err"
        is "$out" "" "$desc: nothing on stdout"
}
bad "a prefix that is no id" "../x" explain ../x
bad "no prefix" "prefix" explain
bad "two prefixes" "web2" explain web web2
bad "an unknown option" "--frobnicate" explain --frobnicate web

# --- the text ----------------------------------------------------------------------------

run explain a1b2c
is "$rc" 0 "explain: exit 0"
is "$err" "" "explain: nothing on stderr"
has "the container" "Container $A"
has "its runtime" "  runtime:      containerd, namespace k8s.io"
has "its Kubernetes names" "  kubernetes:   payments/api-7d9f/api"
has "its image" "  image:        registry.example/api:1.2"
has "the latest incarnation's pid" "  pid:          200"
has "its facts" "  no_new_privs: no"
has "first seen" "  first seen:   2025-11-28T12:01:00.000000Z"
has "live" "  exited:       live"
has "two incarnations" "  incarnations: 2, the latest shown"

has "the table's legend" "Capabilities, declared/actual (y held, - not, ? unknown); * beyond what rule 'payments' allows:"
has "the table's header" "    CAPABILITY                EFF  PRM  BND  INH  AMB"
has "a capability declared and held" "    CAP_CHOWN                 y/y  y/y  y/y  -/-  -/-"
has "held beyond the rule, and in bounding beyond what was declared" \
        "  * CAP_SYS_ADMIN             y/y  y/y  -/y  -/-  -/-"
has "declared inheritable, not held" "  * CAP_NET_RAW               y/y  y/y  y/y  y/-  -/-"
is "$(grep -c '^  [ *] CAP_' <<<"$out")" 15 "one row per capability declared or held"

has "the verdict" "  verdict:      violation"
has "the action and why the kill failed" "  action:       kill-failed (pidfd_send_signal: Operation not permitted)"
has "the policy version" "  policy:       version 2"

has "the rules' policy" "Rules of policy version 2:"
has "a rule that did not fit, and why" \
        "  rule 'system' (line 5) did not fit: k8s_namespace 'payments' fits none of [kube-system]"
has "another, with a glob" "  rule 'web-pods' (line 9) did not fit: k8s_namespace 'payments' fits none of [team-*]"
has "the rule that judged" "  judged by rule 'payments' (policy line 13)"
has "a rule after it" "  rule 'docker-default' (line 22) not reached"

has "the excess" "Excess, beyond what rule 'payments' allows:"
has "an excess capability and its sets" "  CAP_SYS_ADMIN (bounding, permitted, effective)"
has "what it lets the workload do" \
        "    mount filesystems, create namespaces, use bpf and many admin interfaces: most of root, a common container escape"
has "where to allow it" "    allow it in rule 'payments' (line 13):"
has "the YAML: the rule's block" "        capabilities:"
has "the YAML: its profile" "          profile: docker-default"
has "the YAML: allowed with the rule's own" "          allow: [CAP_SYS_PTRACE, CAP_SYS_ADMIN]"
has "the YAML: the deny list kept" "          deny: [CAP_NET_RAW]"
has "a denied capability of the profile" \
        "    allow it in rule 'payments' (line 13) by taking it out of its deny list:"

has "the history" "History, 2 events, oldest first:"
is "$(sed -n '/^History/,$p' <<<"$out" | grep -c '^  20')" 2 "history: one line per event of both incarnations"
has "history: the first incarnation's event" \
        "  2025-11-28T12:00:00.000000Z  violation  docker-default        1       audit        CAP_SYS_ADMIN"
has "history: the latest" \
        "  2025-11-28T12:01:00.000000Z  violation  payments              2       kill-failed  CAP_NET_RAW,CAP_SYS_ADMIN"

run explain a1b2f
is "$rc" 0 "explain, a Docker container: exit 0"
has "a name instead of Kubernetes names, made printable" "  name:         evil?[2J"
check "no escape byte" no_escape "$out"
has "declared sets unknown" "  declared: unknown (the OCI config could not be read)"
has "unknown declared in the table" "    CAP_NET_RAW               ?/-  ?/-  ?/y  ?/-  ?/-"
has "a policy version no longer stored" "Rules: policy version 9 is no longer in the database"
has "compliant: no excess" "Excess: none"

run explain web
has "a fact not known" "  rule 'system' (line 5) did not fit: k8s_namespace (not known) fits none of [kube-system]"
has "judged by the last rule" "  judged by rule 'docker-default' (policy line 22)"

run explain web2
is "$rc" 0 "explain, not judged: exit 0"
has "not judged: the sets held are unknown" "  actual: unknown (the facts could not be read)"
has "not judged: no rule tried" "  none was tried: the facts could not be read"
has "not judged: the first rule not reached" "  rule 'system' (line 5) not reached"
has "not judged: the reason" "  reasons:      state.json is truncated"
has "not judged: the excess is unknown" "Excess: unknown (the facts could not be read)"

# --- --json ------------------------------------------------------------------------------

run explain --json a1b2c
is "$rc" 0 "--json: exit 0"
is "$(wc -l <<<"$out")" 1 "--json: one line"
jqis "--json: the keys" 'keys' '["actual","container","declared","events","excess","policy_error","rules","verdict"]'
jqis "--json: the container" '.container | [.container_id, .runtime, .runtime_namespace, .k8s_namespace, .pod, .container, .image, .sandbox, .pid, .first_seen, .exited, .incarnations]' \
        "[\"$A\",\"containerd\",\"k8s.io\",\"payments\",\"api-7d9f\",\"api\",\"registry.example/api:1.2\",false,200,\"2025-11-28T12:01:00.000000Z\",null,2]"
jqis "--json: declared" '[.declared.cap_inh, (.declared.cap_bnd | index("CAP_SYS_ADMIN")), (.declared.cap_eff | index("CAP_SYS_ADMIN") != null)]' \
        '[["CAP_NET_RAW"],null,true]'
jqis "--json: actual" '[.actual.cap_inh, (.actual.cap_bnd | length)]' '[[],15]'
jqis "--json: the verdict" '.verdict' \
        '{"time":"2025-11-28T12:01:00.000000Z","verdict":"violation","rule":"payments","policy_version":2,"action":"kill-failed","action_detail":"pidfd_send_signal: Operation not permitted","reasons":["bounding set holds CAP_NET_RAW, CAP_SYS_ADMIN beyond what rule '"'"'payments'"'"' allows"]}'
jqis "--json: the rules" '.rules | map([.name, .line, .outcome])' \
        '[["system",5,"no-match"],["web-pods",9,"no-match"],["payments",13,"judged"],["docker-default",22,"not-reached"]]'
jqis "--json: why a rule did not fit" '.rules[0].mismatch' '{"key":"k8s_namespace","value":"payments","patterns":["kube-system"]}'
jqis "--json: no mismatch for the others" '.rules[2:] | map(.mismatch)' '[null,null]'
jqis "--json: the excess" '.excess | map([.capability, (.sets | join(","))])' \
        '[["CAP_NET_RAW","bounding,permitted,effective"],["CAP_SYS_ADMIN","bounding,permitted,effective"]]'
jqis "--json: what it allows" '.excess[1].description | startswith("mount filesystems")' 'true'
jqis "--json: the YAML that would allow it" '.excess[1].allow_yaml' \
        '"    capabilities:\n      profile: docker-default\n      allow: [CAP_SYS_PTRACE, CAP_SYS_ADMIN]\n      deny: [CAP_NET_RAW]"'
jqis "--json: the whole history" '.events | map(.id)' '[1,2]'
jqis "--json: events as capctl events --json prints them" '.events[1]' \
        "$("$CAPCTL" events --json --container "$A" | jq -c 'select(.id == 2)')"

run explain --json a1b2f
jqis "--json: declared null when unknown" '.declared' 'null'
jqis "--json: no rules without the policy" '[.rules, .policy_error]' '[null,"policy version 9 is no longer in the database"]'
jqis "--json: the name, escaped" '.container.container' '"evil\u001b[2J"'
jqis "--json: no excess" '.excess' '[]'

run explain --json web2
jqis "--json, not judged: actual null, every rule not reached" '[.actual, (.rules | map(.outcome) | unique)]' '[null,["not-reached"]]'

# --- a policy version that no longer parses ----------------------------------------------

if command -v sqlite3 >/dev/null; then
        sqlite3 "$CAPGUARD_DB" "UPDATE policy_versions SET yaml = 'version: [' WHERE version = 1"
        run explain f00d
        is "$rc" 0 "a policy that does not parse: still exit 0"
        check "a policy that does not parse: says so" grep -q "^Rules: policy version 1 does not parse: " <<<"$out"
        has "and goes on" "History, 1 event, oldest first:"

        sqlite3 "$CAPGUARD_DB" "UPDATE containers SET exited = $((base + 360000000)) WHERE container_id = 'web'"
        run explain web
        has "an exited container: when" "  exited:       2025-11-28T12:06:00.000000Z"
        run explain --json web
        jqis "--json: an exited container: when" '.container.exited' '"2025-11-28T12:06:00.000000Z"'

        sqlite3 "$CAPGUARD_DB" "DELETE FROM events WHERE container = (SELECT id FROM containers WHERE container_id = 'web')"
        run explain web
        is "$rc" 0 "a container without events left: exit 0"
        has "without events: no verdict" "Verdict: none is recorded"
        has "without events: the declared sets still" "    CAP_NET_RAW               -/?  -/?  y/?  -/?  -/?"
        has "without events: no history" "History, 0 events, oldest first:"
        run explain --json web
        jqis "--json, without events" '[.verdict, .actual, .rules, .policy_error, .events, .excess, .declared.cap_bnd]' \
                '[null,null,null,"no verdict is recorded",[],[],["CAP_NET_RAW"]]'
else
        tap_skip "a policy that does not parse" "sqlite3 is not installed"
fi

tap_done
