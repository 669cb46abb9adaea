#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# capguardd on real crun (/run/crun, its status file): verdicts from the containers' final
# sets, never crun's own; the init judged while parked in select() on exec.fifo; a kill before
# the entrypoint writes a byte; seccomp counted for a parked init that loads its filter only
# after exec.fifo (noNewPrivileges); containers found at start judged once.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../stack/lib.sh
source "$CAPGUARD_SOURCE_ROOT/tests/stack/lib.sh"

[[ $EUID -eq 0 ]] || tap_skip_all "needs root"
stack_require journald crun
command -v jq >/dev/null || tap_skip_all "jq is not installed"

CAPGUARDD=${CAPGUARDD:?the capguardd binary}
work=$(mktemp -d)
cleanup_add rm -rf "$work"
mkdir -p "$work/out"
export CAPGUARD_DB=$work/capguard.db
export CAPGUARD_PID_FILE=$work/capguardd.pid

# `crun spec`'s set (AUDIT_WRITE, KILL, NET_BIND_SERVICE) is inside Docker's default; crun's
# own, the node's whole set, is not.
CRUN_DEFAULT=0000000020000420
CRUN_DEFAULT_CAPS='["CAP_AUDIT_WRITE","CAP_KILL","CAP_NET_BIND_SERVICE"]'

cat >"$work/policy.yaml" <<'YAML'
version: 1
defaults:
  action: audit
rules:
  - name: kill-extra
    match:
      container_id: ["*killme*"]
    capabilities:
      profile: docker-default
    action: kill
  - name: baseline
    match: {}
    capabilities:
      profile: docker-default
YAML

# A filter runc and crun both load: allow all but one system call.
SECCOMP='{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
          "syscalls": [{"names": ["kexec_load"], "action": "SCMP_ACT_ERRNO"}]}'

# shellcheck source-path=SCRIPTDIR source=../lib/daemon.sh
source "$CAPGUARD_SOURCE_ROOT/tests/lib/daemon.sh"
cleanup_add stop_daemon

events_of() { # events_of CONTAINER_ID -> JSON lines
        "$CAPCTL" events --json 2>/dev/null | jq -c --arg id "$1" 'select(.container_id == $id)' || true
}

wait_event() { # wait_event CONTAINER_ID [COUNT]: until it has COUNT events (default 1)
        local n=${2:-1}
        for _ in $(seq 100); do
                [[ $(events_of "$1" | wc -l) -ge $n ]] && return 0
                sleep 0.05
        done
        return 1
}

crun_status() { # crun_status NAME -> created, running, stopped, or gone
        "$CRUN" state "$1" 2>/dev/null | jq -r .status 2>/dev/null || echo gone
}

start_daemon --debug || bail_out "capguardd did not start"
ok "capguardd started and wrote its pid file"

# --- compliant: judged on the final sets, not crun's ------------------------------------------

name=$(stack_name crun-ok)
crun_run "$name" -- sleep 1000 || bail_out "crun_run failed"
is "$(proc_field "$STACK_PID" CapEff)" "$CRUN_DEFAULT" "crun spec: the workload holds crun spec's set"
wait_event "$name" || not_ok "no verdict for the crun container"
ev=$(events_of "$name")
is "$(jq -r '[.verdict, .rule, .action, .runtime] | join(" ")' <<<"$ev")" "ok baseline none crun" \
        "crun spec: compliant, runtime crun (not unknown)"
is "$(jq -c ".cap_eff | sort" <<<"$ev")" "$CRUN_DEFAULT_CAPS" "crun spec: judged on its final effective set, not crun's"
is "$(jq -c ".cap_bnd | sort" <<<"$ev")" "$CRUN_DEFAULT_CAPS" "crun spec: and its final bounding set"
is "$(jq -r .pid <<<"$ev")" "$STACK_PID" "crun spec: the pid in crun's status is the judged init"
is "$(jq -r '[.no_new_privs, .seccomp] | join(" ")' <<<"$ev")" "true 0" "crun spec: NoNewPrivs, no seccomp profile"
is "$(crun_status "$name")" running "the compliant container runs"

# --- judged while parked in select() on exec.fifo ------------------------------------------

parked=$(stack_name crun-parked)
crun_run "$parked" --create-only -- sleep 1000 || bail_out "crun create failed"
wait_event "$parked" || not_ok "no verdict for the created crun container"
is "$(events_of "$parked" | jq -r '[.verdict, .pid] | join(" ")')" "ok $STACK_PID" \
        "crun create: judged before crun start, on its init"
is "$(crun_status "$parked")" created "crun create: still created, not started"
check "crun create: the init waits in select() on exec.fifo" \
        grep -q '^poll_schedule_timeout' "/proc/$STACK_PID/wchan"

# --- audit: a violation with the right excess ---------------------------------------------

admin=$(stack_name crun-admin)
crun_run "$admin" --caps AUDIT_WRITE,KILL,NET_BIND_SERVICE,SYS_ADMIN -- sleep 1000 || bail_out "crun_run failed"
wait_event "$admin" || not_ok "no verdict for the SYS_ADMIN crun container"
ev=$(events_of "$admin")
is "$(jq -r '[.verdict, .rule, .action] | join(" ")' <<<"$ev")" "violation baseline audit" \
        "crun + SYS_ADMIN: violation, audit"
is "$(jq -r '.excess | join(",")' <<<"$ev")" CAP_SYS_ADMIN "crun + SYS_ADMIN: SYS_ADMIN is the only excess"
is "$(crun_status "$admin")" running "an audited crun container keeps running"

# --- an engine's container under crun: the cgroup the engine names says whose -----------------

# CRI-O and podman run crun with its default root; each puts the container in a cgroup named
# after it (crio-<id>.scope, libpod-<id>.scope).
crio=$(stack_name crun-crio)
crun_run "$crio" --jq ".linux.cgroupsPath = \"/crio-$crio.scope\"" -- sleep 1000 || bail_out "crun_run failed"
wait_event "$crio" || not_ok "no verdict for the container in crio-<id>.scope"
is "$(events_of "$crio" | jq -r '[.runtime, .verdict] | join(" ")')" "cri-o ok" \
        "crun in crio-<id>.scope: runtime cri-o"
pod=$(stack_name crun-podman)
crun_run "$pod" --jq ".linux.cgroupsPath = \"/libpod-$pod.scope\"" -- sleep 1000 || bail_out "crun_run failed"
wait_event "$pod" || not_ok "no verdict for the container in libpod-<id>.scope"
is "$(events_of "$pod" | jq -r .runtime)" podman "crun in libpod-<id>.scope: runtime podman"
# a scope named after another container says nothing of this one
notcrio=$(stack_name crun-notcrio)
crun_run "$notcrio" --jq ".linux.cgroupsPath = \"/crio-x$notcrio.scope\"" -- sleep 1000 || bail_out "crun_run failed"
wait_event "$notcrio" || not_ok "no verdict for the container in another's crio- scope"
is "$(events_of "$notcrio" | jq -r .runtime)" crun "crun in a crio- scope named for another id: runtime crun"

# --- kill before the entrypoint runs ----------------------------------------------------------

# By hand, as an engine does it: `crun create`, then at once `crun start` (crun_run would wait
# for a pid that capguardd may have killed already).
mount_jq=".mounts += [{destination: \"/out\", type: \"bind\", source: \"$work/out\", options: [\"rbind\", \"rw\"]}]"
kill_name=$(stack_name killme-crun)
kb=$work/bundle-$kill_name
cleanup_add _stack_oci_rm "$CRUN" "$kill_name" "$kb"
mkdir -p "$kb" && cp -a "$(_stack_rootfs)" "$kb/rootfs"
"$CRUN" spec --bundle "$kb"
jq --arg m "$kill_name" '.process.terminal = false | .process.args = ["sh", "-c", "echo ran > /out/\($m); sleep 1000"]
        | .process.capabilities = ({} | .bounding = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SYS_ADMIN"]
                | .effective = .bounding | .permitted = .bounding)' "$kb/config.json" |
        jq "$mount_jq" >"$kb/config.json.new" && mv "$kb/config.json.new" "$kb/config.json"
"$CRUN" --cgroup-manager=cgroupfs create --bundle "$kb" "$kill_name" </dev/null >/dev/null 2>&1 ||
        not_ok "crun create $kill_name"
# a killed init leaves no reader on exec.fifo, which crun start would then wait for
timeout 10 "$CRUN" start "$kill_name" >/dev/null 2>&1 || true
wait_event "$kill_name" || true
is "$(events_of "$kill_name" | jq -r '[.verdict, .rule, .action] | join(" ")')" "violation kill-extra killed" \
        "crun killme: killed"
sleep 0.5
check "crun killme: not running" bash -c "[[ \$('$CRUN' state '$kill_name' 2>/dev/null | jq -r .status) != running ]]"
check "crun killme: its entrypoint never wrote its marker" test ! -e "$work/out/$kill_name"

# A control: the same container under the audit rule does write it, so the check can fail.
marker=$(stack_name crun-marker)
crun_run "$marker" --caps AUDIT_WRITE,KILL,NET_BIND_SERVICE,SYS_ADMIN --jq "$mount_jq" \
        -- sh -c "echo ran > /out/$marker; sleep 1000" || bail_out "crun_run failed"
for _ in $(seq 50); do
        [[ -e $work/out/$marker ]] && break
        sleep 0.1
done
check "control: an audited container's entrypoint writes its marker" test -e "$work/out/$marker"

# --- seccomp: a parked init loads its filter only after exec.fifo with noNewPrivileges -------

sc=$(stack_name crun-seccomp)
crun_run "$sc" --create-only --no-new-privs true --jq ".linux.seccomp = $SECCOMP" -- sleep 1000 ||
        bail_out "crun create failed"
wait_event "$sc" || not_ok "no verdict for the seccomp crun container"
is "$(proc_field "$STACK_PID" Seccomp)" 0 "parked, noNewPrivileges: the kernel shows no filter yet"
is "$(events_of "$sc" | jq -r .seccomp)" 2 "parked, noNewPrivileges, a profile: recorded as seccomp 2 (filter)"
check "the daemon says why, at debug level" grep -q "Container $sc: init $STACK_PID parked without its seccomp filter yet" \
        "$work/daemon.log"
if "$CRUN" start "$sc" 2>/dev/null && wait_workload "$STACK_PID"; then
        is "$(proc_field "$STACK_PID" Seccomp)" 2 "started: the workload runs under the filter"
else
        not_ok "crun start $sc"
fi

nosc=$(stack_name crun-noseccomp)
crun_run "$nosc" --create-only --no-new-privs true -- sleep 1000 || bail_out "crun create failed"
wait_event "$nosc" || not_ok "no verdict for the crun container without a profile"
is "$(events_of "$nosc" | jq -r .seccomp)" 0 "parked, no profile: seccomp 0"

# --- containers that were there at start ---------------------------------------------------

mine() { # this test's events (other tests' containers may come and go on the node meanwhile)
        "$CAPCTL" events --json | jq -c --arg p "-$$-" 'select(.container_id | contains($p))' | wc -l
}
before=$(mine)
stop_daemon
late=$(stack_name crun-late)
crun_run "$late" -- sleep 1000 || bail_out "crun_run failed"
start_daemon || bail_out "capguardd did not restart"
wait_event "$late" || not_ok "no verdict for a crun container started while capguardd was down"
is "$(events_of "$late" | jq -r '[.verdict, .runtime] | join(" ")')" "ok crun" "a crun container found at start is judged"
sleep 0.5
is "$(mine)" "$((before + 1))" "a restart judges only the new container, no duplicates"

is "$("$CAPCTL" events --json | jq -r 'select(.runtime == "crun" and .verdict == "unknown") | .container_id' | wc -l)" 0 \
        "no crun container recorded as unknown"
stop_daemon
check "no errors in the daemon log" bash -c "! grep -Ei 'assert|sanitizer|runtime error' '$work/daemon.log'"

tap_done
