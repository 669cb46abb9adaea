#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# capguardd on real containerd (with Kubernetes annotations), Docker and runc: verdicts from
# the containers' final sets, kills before the entrypoint writes a byte, seccomp with
# noNewPrivileges, journal entries read back field by field, history rows, restart without
# duplicates, reload, dry run. (crun: test-daemon-crun.sh.)
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
mkdir -p "$work/out"
chmod 0777 "$work/out"
export CAPGUARD_DB=$work/capguard.db
export CAPGUARD_PID_FILE=$work/capguardd.pid  # where capctl policy load finds the daemon
cat >"$work/policy.yaml" <<'YAML'
version: 1
defaults:
  action: audit
rules:
  - name: kill-extra
    match:
      container: ["*killme*"]
    capabilities:
      profile: docker-default
    action: kill
  - name: kill-extra-ctr
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

wait_journal() { # wait_journal CONTAINER_ID -> the entries
        local out
        for _ in $(seq 60); do
                out=$(journalctl -o json --no-pager "CAPGUARD_CONTAINER_ID=$1" 2>/dev/null || true)
                [[ -n $out ]] && { printf '%s\n' "$out"; return 0; }
                sleep 0.1
        done
        return 1
}

start_daemon || bail_out "capguardd did not start"
ok "capguardd started and wrote its pid file"

# --- verdicts from final sets: compliant containers are never flagged --------------------

ok_name=$(stack_name ok)
docker_run "$ok_name" -- sleep 1000 || bail_out "docker run failed"
ok_id=$STACK_ID
wait_event "$ok_id" || not_ok "no verdict for the compliant Docker container"
is "$(events_of "$ok_id" | jq -r '[.verdict, .rule, .action] | join(" ")')" "ok baseline none" \
        "docker default: compliant, judged on its final sets, not runc's"
is "$(events_of "$ok_id" | jq -r '.cap_bnd | length')" 14 "docker default: the 14 default capabilities recorded"
is "$("$DOCKER" inspect -f '{{.State.Running}}' "$ok_name")" true "the compliant container runs"

rc=$(stack_name runc)
runc_run "$rc" -- sleep 1000 || bail_out "runc run failed"
wait_event "$rc" || not_ok "no verdict for the runc container"
is "$(events_of "$rc" | jq -r '[.verdict, .runtime] | join(" ")')" "ok runc" "runc default: compliant"

# CRI-O and podman run runc with its default root too, and name the container's cgroup after
# it; runc's state.json says where it put it (cgroup_paths).
rcrio=$(stack_name runc-crio)
runc_run "$rcrio" --jq ".linux.cgroupsPath = \"/crio-$rcrio.scope\"" -- sleep 1000 || bail_out "runc run failed"
wait_event "$rcrio" || not_ok "no verdict for the runc container in crio-<id>.scope"
is "$(events_of "$rcrio" | jq -r '[.verdict, .runtime] | join(" ")')" "ok cri-o" "runc in crio-<id>.scope: runtime cri-o"
rpod=$(stack_name runc-podman)
runc_run "$rpod" --jq ".linux.cgroupsPath = \"/libpod-x$rpod.scope\"" -- sleep 1000 || bail_out "runc run failed"
wait_event "$rpod" || not_ok "no verdict for the runc container in another's libpod- scope"
is "$(events_of "$rpod" | jq -r .runtime)" runc "runc in a libpod- scope named for another id: runtime runc"

restr=$(stack_name restr)
docker_run "$restr" --cap-drop ALL --cap-add NET_BIND_SERVICE --user 1000 -- sleep 1000 || bail_out "docker run failed"
restr_id=$STACK_ID
wait_event "$restr_id"
is "$(events_of "$restr_id" | jq -r '[.verdict, .uid, (.cap_bnd | join(","))] | join(" ")')" "ok 1000 CAP_NET_BIND_SERVICE" \
        "docker --cap-drop ALL --user 1000: compliant, uid 1000"

# Commits only append to the write-ahead log; the checkpointer copies it into the database
# within about a second. Read without its log, the database file has the verdict.
in_db_file=0
for _ in $(seq 50); do
        in_db_file=$(sqlite3 "file:$CAPGUARD_DB?immutable=1" \
                "SELECT count(*) FROM containers WHERE container_id = '$restr_id'" 2>/dev/null || echo 0)
        [[ $in_db_file -gt 0 ]] && break
        sleep 0.1
done
is "$in_db_file" 1 "the log is copied into the database file while capguardd runs"

# --- seccomp with noNewPrivileges -------------------------------------------------------------

# Docker's default profile applies: the workload runs under a filter, and so the record says.
nnp=$(stack_name nnp)
docker_run "$nnp" --security-opt no-new-privileges -- sleep 1000 || bail_out "docker run failed"
nnp_id=$STACK_ID
wait_event "$nnp_id" || not_ok "no verdict for the no-new-privileges Docker container"
is "$(events_of "$nnp_id" | jq -r '[.verdict, .no_new_privs, .seccomp] | join(" ")')" "ok true 2" \
        "docker --security-opt no-new-privileges: recorded with seccomp 2 (filter)"

# Caught parked for sure (created, never started): runc loads the filter before it parks on
# exec.fifo, noNewPrivileges or not (crun, which loads it after, is in test-daemon-crun.sh).
rs=$(stack_name runc-seccomp)
runc_run "$rs" --create-only --no-new-privs true --jq '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
        architectures: ["SCMP_ARCH_X86_64"], syscalls: [{names: ["kexec_load"], action: "SCMP_ACT_ERRNO"}]}' \
        -- sleep 1000 || bail_out "runc create failed"
wait_event "$rs" || not_ok "no verdict for the created runc container"
is "$(proc_field "$STACK_PID" Seccomp)" 2 "runc create, noNewPrivileges: the parked init has its filter already"
is "$(events_of "$rs" | jq -r .seccomp)" 2 "runc create, noNewPrivileges, a profile: recorded with seccomp 2"

# --- privileged: every capability of the node, judged as such ----------------------------

# ctr, since Docker 20.10 cannot start --privileged on this machine (its own bounding set lacks
# CAP_SYS_RESOURCE, ../shared/RUNTIMES.md): the node's whole set but that one
priv=$(stack_name priv)
ctr_run default "$priv" --privileged --cap-drop CAP_SYS_RESOURCE -- sleep 1000 || bail_out "ctr run --privileged failed"
wait_event "$priv" || not_ok "no verdict for the privileged container"
ev=$(events_of "$priv")
is "$(jq -r '[.verdict, .rule, .runtime] | join(" ")' <<<"$ev")" "violation baseline containerd" \
        "ctr --privileged: a violation of the baseline rule"
check "ctr --privileged: the first reason says privileged" jq -e '.reasons[0] | test("privileged")' <<<"$ev"
is "$(jq -r '.excess | join(",")' <<<"$ev")" \
        "$(stack_mask_to_caps "$(printf '%016x' $(( 0x$(host_cap_bnd) & ~0xa80425fb & ~(1 << 24) )))")" \
        "ctr --privileged: everything the node grants beyond Docker's default is the excess"

# --- audit: a violation is recorded and journaled, the container left running -----------

admin=$(stack_name admin)
docker_run "$admin" --cap-add SYS_ADMIN -- sleep 1000 || bail_out "docker run failed"
admin_id=$STACK_ID
wait_event "$admin_id"
ev=$(events_of "$admin_id")
is "$(jq -r '[.verdict, .rule, .action] | join(" ")' <<<"$ev")" "violation baseline audit" "docker --cap-add SYS_ADMIN: violation, audit"
is "$(jq -r '.excess | join(",")' <<<"$ev")" CAP_SYS_ADMIN "docker --cap-add SYS_ADMIN: SYS_ADMIN is the excess"
check "event time is RFC 3339 UTC with microseconds" grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z$' \
        <<<"$(jq -r .time <<<"$ev")"
is "$(jq -r .policy_version <<<"$ev")" 1 "event names the policy version"
is "$("$DOCKER" inspect -f '{{.State.Running}}' "$admin")" true "an audited container keeps running"

if j=$(wait_journal "$admin_id"); then
        j=$(head -n 1 <<<"$j")
        is "$(jq -r .PRIORITY <<<"$j")" 4 "journal: PRIORITY warning for a violation"
        is "$(jq -r .CAPGUARD_RULE <<<"$j")" baseline "journal: CAPGUARD_RULE"
        is "$(jq -r .CAPGUARD_EXCESS_CAPS <<<"$j")" CAP_SYS_ADMIN "journal: CAPGUARD_EXCESS_CAPS"
        is "$(jq -r .CAPGUARD_CAP_EFF <<<"$j")" 00000000a82425fb "journal: CAPGUARD_CAP_EFF in hex"
        is "$(jq -r .CAPGUARD_CAP_BND <<<"$j")" 00000000a82425fb "journal: CAPGUARD_CAP_BND in hex"
        is "$(jq -r .CAPGUARD_RUNTIME <<<"$j")" docker "journal: CAPGUARD_RUNTIME"
        is "$(jq -r .CAPGUARD_CONTAINER <<<"$j")" "$admin" "journal: CAPGUARD_CONTAINER (Docker's name)"
        is "$(jq -r .CAPGUARD_IMAGE <<<"$j")" "$STACK_IMAGE" "journal: CAPGUARD_IMAGE"
        is "$(jq -r .CAPGUARD_POLICY_VERSION <<<"$j")" 1 "journal: CAPGUARD_POLICY_VERSION"
        is "$(jq -r .CAPGUARD_ACTION <<<"$j")" audit "journal: CAPGUARD_ACTION"
        is "$(jq -r .OBJECT_PID <<<"$j")" "$(jq -r .pid <<<"$ev")" "journal: OBJECT_PID is the judged init"
        check "journal: a MESSAGE_ID" grep -Eq '^[0-9a-f]{32}$' <<<"$(jq -r .MESSAGE_ID <<<"$j")"
else
        not_ok "journal: no entry for the violating container"
fi

# --- kill before the workload runs ----------------------------------------------------------

kd=$(stack_name killme)
"$DOCKER" run -d --name "$kd" --network none --cap-add SYS_ADMIN -v "$work/out:/out" "$STACK_IMAGE" \
        sh -c "echo ran > /out/$kd; sleep 1000" >/dev/null 2>&1 || true
cleanup_add "$DOCKER" rm -f "$kd"
kd_id=$("$DOCKER" inspect -f '{{.Id}}' "$kd" 2>/dev/null || echo none)
wait_event "$kd_id" || true
ev=$(events_of "$kd_id")
is "$(jq -r '[.verdict, .rule, .action] | join(" ")' <<<"$ev")" "violation kill-extra killed" "docker killme: killed"
sleep 0.5
is "$("$DOCKER" inspect -f '{{.State.Running}}' "$kd" 2>/dev/null)" false "docker killme: not running"
check "docker killme: its entrypoint never wrote its marker" test ! -e "$work/out/$kd"
if j=$(wait_journal "$kd_id"); then
        is "$(head -n 1 <<<"$j" | jq -r .PRIORITY)" 2 "journal: PRIORITY crit for a kill"
        is "$(head -n 1 <<<"$j" | jq -r .CAPGUARD_ACTION)" killed "journal: CAPGUARD_ACTION killed"
else
        not_ok "journal: no entry for the killed container"
fi

kc=$(stack_name killme-ctr)
"$CTR" -n k8s.io run -d --cap-add CAP_SYS_ADMIN \
        --annotation io.kubernetes.cri.container-type=container \
        --annotation io.kubernetes.cri.sandbox-namespace=team-k --annotation io.kubernetes.cri.sandbox-name=bad-0 \
        --annotation io.kubernetes.cri.container-name=bad \
        --mount "type=bind,src=$work/out,dst=/out,options=rbind:rw" \
        "$STACK_IMAGE" "$kc" sh -c "echo ran > /out/$kc; sleep 1000" >/dev/null 2>&1 || true
cleanup_add _stack_ctr_rm k8s.io "$kc"
wait_event "$kc" || true
ev=$(events_of "$kc")
is "$(jq -r '[.verdict, .rule, .action] | join(" ")' <<<"$ev")" "violation kill-extra-ctr killed" "containerd killme: killed"
is "$(jq -r '[.k8s_namespace, .pod, .container] | join("/")' <<<"$ev")" "team-k/bad-0/bad" "containerd: Kubernetes metadata recorded"
sleep 0.5
check "containerd killme: its entrypoint never wrote its marker" test ! -e "$work/out/$kc"
check "containerd killme: no task runs" bash -c "! '$CTR' -n k8s.io task ls | awk '\$1 == \"$kc\" && \$3 == \"RUNNING\"' | grep -q ."

# --- journald stopped while a kill rule fires ---------------------------------------------
# journald's socket full and nobody reading it: the loop must not wait to send a verdict's
# entry, or the next container's entrypoint runs before it is judged. A helper fills the
# socket; a compliant container's entry then waits in capguardd, and the violating container
# after it must die all the same, with its verdict in the database.
journald_pid=$(pidof systemd-journald | awk '{ print $1 }')
if [[ -n $journald_pid ]]; then
        cleanup_add kill -CONT "$journald_pid"
        kill -STOP "$journald_pid"
        filled=$("$SEND_EVENT" --container-id "capguard-filler-$$" --runtime runc --fill 2>&1) || filled="failed: $filled"
        ja=$(stack_name nojournal-ok)
        "$DOCKER" run -d --name "$ja" --network none "$STACK_IMAGE" sleep 1000 >/dev/null 2>&1 || true
        cleanup_add "$DOCKER" rm -f "$ja"
        ja_id=$("$DOCKER" inspect -f '{{.Id}}' "$ja" 2>/dev/null || echo none)
        jk=$(stack_name killme-nojournal)
        "$DOCKER" run -d --name "$jk" --network none --cap-add SYS_ADMIN -v "$work/out:/out" "$STACK_IMAGE" \
                sh -c "echo ran > /out/$jk; sleep 1000" >/dev/null 2>&1 || true
        cleanup_add "$DOCKER" rm -f "$jk"
        jk_id=$("$DOCKER" inspect -f '{{.Id}}' "$jk" 2>/dev/null || echo none)
        wait_event "$jk_id" || true
        sleep 0.5
        # all read before journald reads again
        ja_ev=$(events_of "$ja_id" | jq -r .verdict)
        jk_ev=$(events_of "$jk_id" | jq -r '[.verdict, .action] | join(" ")')
        jk_running=$("$DOCKER" inspect -f '{{.State.Running}}' "$jk" 2>/dev/null || echo gone)
        jk_marker=$([[ -e $work/out/$jk ]] && echo written || echo none)
        kill -CONT "$journald_pid"
        check "journald stopped: a helper filled its socket ($filled entries)" grep -Eqx '[0-9]+' <<<"$filled"
        is "$ja_ev" ok "journald stopped: the compliant container is judged"
        is "$jk_ev" "violation killed" "journald stopped: the violating container is killed"
        is "$jk_running" false "journald stopped: the killed container does not run"
        is "$jk_marker" none "journald stopped: its entrypoint never wrote its marker"
        if j=$(wait_journal "$jk_id"); then
                is "$(head -n 1 <<<"$j" | jq -r .CAPGUARD_ACTION)" killed "journald reading again: the kill reaches the journal"
        else
                not_ok "journald reading again: no journal entry for the kill"
        fi
else
        not_ok "journald stopped while a kill rule fires: no systemd-journald to stop"
fi

# --- restart: no duplicate verdicts; exits recorded ------------------------------------------

before=$("$CAPCTL" events --json | wc -l)
stop_daemon
start_daemon || bail_out "capguardd did not restart"
sleep 0.5
is "$("$CAPCTL" events --json | wc -l)" "$before" "a restart under the same policy adds no verdicts"

# --- the boot in the incarnation's key ---------------------------------------------------------
# Start ticks count from boot: after a reboot the same container id, pid and tick would be
# another incarnation, not one judged already.

boot=$(tr -d - </proc/sys/kernel/random/boot_id)
rows_of() { # rows_of CONTAINER_ID -> "boot_id exited?" per row, oldest first
        sqlite3 -separator ' ' "$CAPGUARD_DB" \
                "SELECT boot_id, exited IS NOT NULL FROM containers WHERE container_id = '$1' ORDER BY id"
}
is "$(rows_of "$restr_id")" "$boot 0" "a container's row names this boot"
is "$(events_of "$restr_id" | jq -r .boot_id)" "$boot" "capctl events --json: boot_id"

# a row written before boot ids were, its process still running: adopted, not judged again
stop_daemon
sqlite3 "$CAPGUARD_DB" "UPDATE containers SET boot_id = '' WHERE container_id = '$restr_id'"
start_daemon || bail_out "capguardd did not restart"
sleep 0.5
is "$("$CAPCTL" events --json | wc -l)" "$before" "a row from before boot ids whose process runs: no new verdict"
is "$(rows_of "$restr_id")" "$boot 0" "...and it is recorded under this boot"

# a row of another boot: exited, and the container running now is judged as new
other=0123456789abcdef0123456789abcdef
stop_daemon
sqlite3 "$CAPGUARD_DB" "UPDATE containers SET boot_id = '$other' WHERE container_id = '$restr_id'"
start_daemon || bail_out "capguardd did not restart"
wait_event "$restr_id" 2 || true
is "$(rows_of "$restr_id" | tr '\n' ,)" "$other 1,$boot 0," "another boot's row is exited, this boot's container gets its own"
is "$(events_of "$restr_id" | tail -n 1 | jq -r '[.verdict, .boot_id] | join(" ")')" "ok $boot" \
        "...and its verdict"

"$DOCKER" rm -f "$restr" >/dev/null
for _ in $(seq 50); do
        exited=$(sqlite3 "$CAPGUARD_DB" "SELECT exited IS NOT NULL FROM containers WHERE container_id = '$restr_id' AND boot_id = '$boot'")
        [[ $exited == 1 ]] && break
        sleep 0.1
done
is "$exited" 1 "a removed container gets its exit time"

# --- a kill takes every process of the container ------------------------------------------
# Two runc containers with children, compliant now, killed once the reload below makes NET_RAW
# too much: one in its own PID namespace, whose init takes the rest with it, and one in the
# host's, whose other processes capguardd must find. runc alone: containerd's shim would kill
# the latter's rest itself once the init died.

children_of() { # children_of PID N: the pids of its N children, once it has them
        local got
        for _ in $(seq 100); do
                got=$(pgrep -P "$1" | tr '\n' ' ')
                [[ $(wc -w <<<"$got") -ge $2 ]] && { printf '%s\n' "$got"; return 0; }
                sleep 0.02
        done
        return 1
}

alive() { # alive PID...: those still running, neither gone nor a zombie
        local p
        for p; do
                [[ -r /proc/$p/stat ]] && [[ $(awk '{ sub(/.*\) /, ""); print $1 }' "/proc/$p/stat" 2>/dev/null) != Z ]] &&
                        printf '%s ' "$p"
        done
        return 0
}

kh=$(stack_name killme-hostpid)
runc_run "$kh" --caps NET_RAW,KILL --jq '.linux.namespaces |= map(select(.type != "pid"))' \
        -- sh -c 'sleep 1001 & sleep 1001 & wait' || bail_out "runc run (host PID namespace) failed"
kh_pid=$STACK_PID
kn=$(stack_name killme-ownpid)
runc_run "$kn" --caps NET_RAW,KILL -- sh -c 'sleep 1002 & sleep 1002 & wait' || bail_out "runc run failed"
kn_pid=$STACK_PID
kh_children=$(children_of "$kh_pid" 2) || not_ok "the host PID namespace container has no children"
kn_children=$(children_of "$kn_pid" 2) || not_ok "the own PID namespace container has no children"
wait_event "$kh" || true
wait_event "$kn" || true
is "$(events_of "$kh" | jq -r .verdict)$(events_of "$kn" | jq -r .verdict)" okok "NET_RAW under version 1: both compliant"

# --- reload: a new policy version re-judges what runs ----------------------------------------

sed 's/profile: docker-default/profile: pss-baseline/' "$work/policy.yaml" >"$work/policy2.yaml"
"$CAPCTL" policy load "$work/policy2.yaml" >"$work/load.out"
check "policy load told the daemon" grep -q "capguardd (pid $daemon_pid) told to reload" "$work/load.out"
wait_event "$ok_id" 2 || true
is "$(events_of "$ok_id" | tail -n 1 | jq -r '[.policy_version, .verdict, (.excess | join(","))] | join(" ")')" \
        "2 violation CAP_NET_RAW" "after reload the running container is judged under version 2"
wait_event "$kh" 2 || true
wait_event "$kn" 2 || true
is "$(events_of "$kh" | tail -n 1 | jq -r '[.policy_version, .verdict, .action] | join(" ")')" "2 violation killed" \
        "host PID namespace, version 2: killed"
is "$(events_of "$kn" | tail -n 1 | jq -r '[.policy_version, .verdict, .action] | join(" ")')" "2 violation killed" \
        "own PID namespace, version 2: killed"
sleep 0.3
is "$(alive $kh_pid $kh_children)" "" "host PID namespace: its init and both children are dead ($kh_pid $kh_children)"
is "$(alive $kn_pid $kn_children)" "" "own PID namespace: its init and both children are dead ($kn_pid $kn_children)"
check "host PID namespace: capguardd found the two other processes" \
        grep -q "Killed 2 more processes of container $kh" "$work/daemon.log"

# --- dry run ---------------------------------------------------------------------------------------

stop_daemon
start_daemon --dry-run || bail_out "capguardd --dry-run did not start"
dk=$(stack_name killme-dry)
docker_run "$dk" --cap-add SYS_ADMIN -- sleep 1000 || bail_out "docker run failed"
dk_id=$STACK_ID
wait_event "$dk_id"
is "$(events_of "$dk_id" | jq -r .action)" would-kill "--dry-run: would-kill"
is "$("$DOCKER" inspect -f '{{.State.Running}}' "$dk")" true "--dry-run: the container runs"

# --- a root that appears after the daemon started (containerd started late) ----------------

stop_daemon
late=$work/late
start_daemon --watch "containerd:$late" || bail_out "capguardd --watch did not start"
mkdir -p "$late/runc/default"
lr=$(stack_name late)
bundle=$work/bundle-$lr
mkdir -p "$bundle" && cp -a "$(_stack_rootfs)" "$bundle/rootfs"
"$RUNC" spec --bundle "$bundle"
jq '.process.terminal = false | .process.args = ["sleep", "1000"]' "$bundle/config.json" >"$bundle/c" && mv "$bundle/c" "$bundle/config.json"
"$RUNC" --root "$late/runc/default" run -d --bundle "$bundle" "$lr" >/dev/null 2>&1 </dev/null
cleanup_add "$RUNC" --root "$late/runc/default" delete -f "$lr"
wait_event "$lr" || true
is "$(events_of "$lr" | jq -r '[.verdict, .runtime, .runtime_namespace] | join(" ")')" "ok containerd default" \
        "a state root created after start is picked up"

stop_daemon
check "capguardd removed its pid file on exit" test ! -e "$work/capguardd.pid"
check "no errors in the daemon log" bash -c "! grep -Ei 'assert|sanitizer|runtime error' '$work/daemon.log'"

tap_done
