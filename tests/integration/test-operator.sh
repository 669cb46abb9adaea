#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# What an operator asks of a node where capguardd runs on real Docker and containerd:
# capctl status (the daemon, its record, its counts), containers, explain (sets declared and
# held, the rule, the excess and the YAML that would allow it, the history), and retention.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../stack/lib.sh
source "$CAPGUARD_SOURCE_ROOT/tests/stack/lib.sh"

[[ $EUID -eq 0 ]] || tap_skip_all "needs root"
stack_require journald containerd docker runc
command -v jq >/dev/null || tap_skip_all "jq is not installed"
command -v sqlite3 >/dev/null || tap_skip_all "sqlite3 is not installed"

CAPGUARDD=${CAPGUARDD:?the capguardd binary}
work=$(mktemp -d)
cleanup_add rm -rf "$work"
export CAPGUARD_DB=$work/capguard.db
export CAPGUARD_PID_FILE=$work/capguardd.pid
cat >"$work/policy.yaml" <<'YAML'
version: 1
defaults:
  action: audit
rules:
  - name: system
    match:
      k8s_namespace: ["kube-system"]
    capabilities:
      profile: docker-default
      allow: [CAP_NET_ADMIN]
  - name: baseline
    match: {}
    capabilities:
      profile: docker-default
YAML

# shellcheck source-path=SCRIPTDIR source=../lib/daemon.sh
source "$CAPGUARD_SOURCE_ROOT/tests/lib/daemon.sh"
cleanup_add stop_daemon

events_of() { # events_of CONTAINER_ID -> JSON lines
        "$CAPCTL" events --json --container "$1" 2>/dev/null || true
}

wait_for() { # wait_for COMMAND...: until it succeeds, 5 s at most
        for _ in $(seq 100); do
                "$@" >/dev/null 2>&1 && return 0
                sleep 0.05
        done
        return 1
}

jqe() { jq -e "$@" >/dev/null; }

has_events() { [[ $(events_of "$1" | wc -l) -ge ${2:-1} ]]; }

start_daemon || bail_out "capguardd did not start"

# --- containers on two runtimes ---------------------------------------------------------

admin=$(stack_name admin)
docker_run "$admin" --cap-add SYS_ADMIN -- sleep 1000 || bail_out "docker run failed"
admin_id=$STACK_ID
wait_for has_events "$admin_id" || not_ok "no verdict for the SYS_ADMIN container"

plain=$(stack_name plain)
docker_run "$plain" -- sleep 1000 || bail_out "docker run failed"
plain_id=$STACK_ID
wait_for has_events "$plain_id" || not_ok "no verdict for the plain container"

# --- status ------------------------------------------------------------------------------

rc=0
st=$("$CAPCTL" status --json) || rc=$?
is "$rc" 0 "status with the daemon running: exit 0"
is "$(jq -r '[.running, .pid] | join(" ")' <<<"$st")" "true $daemon_pid" "status: running, with the daemon's pid"
check "status: an uptime from the daemon's own record" jqe '.uptime_sec >= 0 and .uptime_sec < 600' <<<"$st"
check "status: the default roots it watches" jqe '.watched_roots | index("containerd:/run/containerd/runc") and index("docker:/run/docker/runtime-runc") and index("runc:/run/runc")' <<<"$st"
is "$(jq -r '[.policy_version, .dry_run, .retention_sec] | join(" ")' <<<"$st")" "1 false 2592000" \
        "status: policy version, not a dry run, retention 30 days by default"
check "status: the containers live" jqe '.containers_live >= 2' <<<"$st"
check "status: the violation of the last hour" jqe '.violations_last_hour >= 1 and .violations_last_day >= .violations_last_hour' <<<"$st"
check "status: no kills" jqe '.kills_last_day == 0' <<<"$st"
check "status: the database's size" jqe '.database_bytes > 0' <<<"$st"
out=$("$CAPCTL" status)
check "status, the text: running with its pid" grep -Eq "^capguardd: +running, pid $daemon_pid, up " <<<"$out"
check "status, the text: the policy" grep -Eq '^policy: +version 1, loaded ' <<<"$out"

# --- containers --------------------------------------------------------------------------

out=$("$CAPCTL" containers --json)
is "$(jq -r --arg id "$admin_id" 'select(.container_id == $id) | [.runtime, .container, .exited, .latest.verdict, .latest.rule] | map(tostring) | join(" ")' <<<"$out")" \
        "docker $admin null violation baseline" "containers: the SYS_ADMIN container, live, with its verdict"
check "containers --quiet: full ids" grep -qx "$plain_id" <<<"$("$CAPCTL" containers --quiet)"
check "containers: the declared sets are recorded" \
        jqe -s --arg id "$admin_id" 'any(.[]; .container_id == $id and (.latest.declared.cap_bnd | index("CAP_SYS_ADMIN")))' <<<"$out"

"$DOCKER" rm -f "$plain" >/dev/null
gone() { "$CAPCTL" containers --quiet | grep -qx "$plain_id" && return 1 || return 0; }
wait_for gone || not_ok "the removed container is still listed as live"
ok "containers: a removed container is no longer live"
check "containers --all: still listed, exited" \
        jqe -s --arg id "$plain_id" 'any(.[]; .container_id == $id and .exited != null)' <<<"$("$CAPCTL" containers --all --json)"

# --- explain -----------------------------------------------------------------------------

if "$CAPCTL" explain --help >/dev/null 2>&1; then
        rc=0
        out=$("$CAPCTL" explain "${admin_id:0:12}" 2>"$work/err") || rc=$?
        is "$rc" 0 "explain: exit 0"
        check "explain: the container" grep -qF "$admin_id" <<<"$out"
        check "explain: SYS_ADMIN declared and held" grep -Eq 'CAP_SYS_ADMIN +.*y/y' <<<"$out"
        check "explain: judged by rule baseline" grep -qi "judged by rule 'baseline'" <<<"$out"
        check "explain: why rule system did not fit" grep -Eqi "system.*k8s_namespace" <<<"$out"
        check "explain: what SYS_ADMIN lets it do" grep -qi "mount" <<<"$out"
        check "explain: the YAML that would allow it" grep -Eq 'allow: \[CAP_SYS_ADMIN\]' <<<"$out"
        j=$("$CAPCTL" explain --json "${admin_id:0:12}")
        is "$(jq -r '[.container.container_id, .verdict.rule, (.excess | map(.capability) | join(","))] | join(" ")' <<<"$j")" \
                "$admin_id baseline CAP_SYS_ADMIN" "explain --json: the container, its rule, its excess"
        is "$(jq -r '.events | length' <<<"$j")" "$(events_of "$admin_id" | wc -l)" "explain --json: its whole history"
        rc=0
        "$CAPCTL" explain 0123456789abcdef0 >/dev/null 2>&1 || rc=$?
        is "$rc" 1 "explain: no such container, exit 1"
else
        not_ok "capctl explain is missing"
fi

# --- retention ---------------------------------------------------------------------------

stop_daemon
rc=0
out=$("$CAPCTL" status) || rc=$?
is "$rc" 1 "status after the daemon stopped: exit 1"
check "status: not running, since when" grep -Eq '^capguardd: +not running \(stopped ' <<<"$out"

before=$("$CAPCTL" events --json | wc -l)
sleep 1.1
start_daemon --retention 1s || bail_out "capguardd --retention did not start"
check "--retention: the removed container's events are pruned" bash -c '[[ -z $("$1" events --json --container "$2") ]]' _ "$CAPCTL" "$plain_id"
check "--retention: the live container keeps its latest verdict" has_events "$admin_id"
check "--retention: the exited container is gone" \
        bash -c '! "$1" containers --all --quiet | grep -qx "$2"' _ "$CAPCTL" "$plain_id"
check "--retention: fewer events than before" test "$("$CAPCTL" events --json | wc -l)" -lt "$before"
check "--retention: status tells when it last pruned" jqe '.last_prune != null and .retention_sec == 1' <<<"$("$CAPCTL" status --json)"

tap_done
