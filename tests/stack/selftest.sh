#!/usr/bin/env bash
# tests/stack/selftest.sh - TAP test of the test stack itself: real containers on
# containerd, Docker, standalone runc and crun get the capability sets we ask for, and
# lib.sh reads them back from /proc and cleans them up.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DOCKER_DEFAULT=00000000a80425fb
DOCKER_SYS_ADMIN=00000000a82425fb
RUNC_DEFAULT=0000000020000420
NET_BIND=0000000000000400
ZERO=0000000000000000

# five SET... : "CapInh CapPrm CapEff CapBnd CapAmb" as proc_caps prints them.
five() { printf '%s %s %s %s %s\n' "$@"; }

# section COMPONENT COUNT TITLE: true if COMPONENT is up; else skips COUNT tests.
section() {
	local i
	stack_have "$1" && return 0
	for ((i = 1; i <= $2; i++)); do
		tap_skip "$3 ($i/$2)" "$1: $STACK_WHY"
	done
	return 1
}

[[ $EUID -eq 0 ]] || tap_skip_all "needs root"
stack_have containerd || stack_have docker || stack_have runc || stack_have crun ||
	tap_skip_all "no container runtime is up (tests/stack/stack.sh up && tests/stack/stack.sh image)"

# --- the TAP helpers themselves can fail -----------------------------------------

output=$(is a b "mismatch" 2>&1)
case $output in
"not ok 1 - mismatch"*"got:  'a'"*"want: 'b'"*) ok "is() reports a mismatch as not ok, with got/want" ;;
*) not_ok "is() reports a mismatch as not ok" && diag "$output" ;;
esac
output=$( (tap_done) 2>&1) && rc=0 || rc=$?
is "$rc" 0 "tap_done succeeds with no failure so far"

# --- containerd --------------------------------------------------------------------

ctr_ids=()
if section containerd 9 "containerd"; then
	name=$(stack_name k8s)
	if ctr_run k8s.io "$name" \
		--annotation io.kubernetes.cri.container-type=container \
		--annotation io.kubernetes.cri.sandbox-namespace=team-a \
		--annotation io.kubernetes.cri.sandbox-name=web-0 \
		--annotation io.kubernetes.cri.container-name=web \
		--annotation "io.kubernetes.cri.image-name=$STACK_IMAGE" \
		-- sleep 1000; then
		pid=$STACK_PID
		ctr_ids+=("k8s.io/$name")
		is "$(proc_caps "$pid")" "$(five $ZERO $DOCKER_DEFAULT $DOCKER_DEFAULT $DOCKER_DEFAULT $ZERO)" \
			"ctr k8s.io default: CRI default sets"
		is "$(proc_field "$pid" Name)" sleep "ctr k8s.io: init pid runs the workload"
		is "$(jq -r '.annotations["io.kubernetes.cri.sandbox-namespace"]' \
			"/run/containerd/io.containerd.runtime.v2.task/k8s.io/$name/config.json")" team-a \
			"ctr k8s.io: annotation in the bundle's config.json"
		is "$(grep -c ":/k8s.io/$name\$" "/proc/$pid/cgroup")" "$(wc -l <"/proc/$pid/cgroup")" \
			"ctr k8s.io: every cgroup line ends in /k8s.io/<id>"
	else
		for t in sets workload annotation cgroup; do not_ok "ctr k8s.io default: $t (ctr_run failed)"; done
	fi

	name=$(stack_name priv)
	if ctr_run k8s.io "$name" --privileged --cap-drop CAP_SYS_RESOURCE -- sleep 1000; then
		host=$(host_cap_bnd)
		is "$(proc_caps "$STACK_PID")" "$(five $ZERO "$host" "$host" "$host" $ZERO)" \
			"ctr --privileged --cap-drop CAP_SYS_RESOURCE: the node's whole bounding set ($host)"
	else
		not_ok "ctr --privileged (ctr_run failed)"
	fi

	name=$(stack_name nbs)
	if ctr_run default "$name" --cap-drop ALL --cap-add NET_BIND_SERVICE -- sleep 1000; then
		is "$(proc_caps "$STACK_PID")" "$(five $ZERO $NET_BIND $NET_BIND $NET_BIND $ZERO)" \
			"ctr --cap-drop ALL --cap-add NET_BIND_SERVICE (root): only NET_BIND_SERVICE"
	else
		not_ok "ctr --cap-drop ALL (ctr_run failed)"
	fi

	name=$(stack_name user)
	if ctr_run default "$name" --user 1000 -- sleep 1000; then
		is "$(proc_field "$STACK_PID" Uid)" "$(printf '1000\t1000\t1000\t1000')" "ctr --user 1000: uid 1000"
		is "$(proc_caps "$STACK_PID")" "$(five $ZERO $ZERO $ZERO $DOCKER_DEFAULT $ZERO)" \
			"ctr --user 1000: no effective/permitted caps, default bounding set"
	else
		not_ok "ctr --user 1000: uid (ctr_run failed)"
		not_ok "ctr --user 1000: sets (ctr_run failed)"
	fi
	ctr_ids+=("default/$name")
	is "$(ctr_pid default "$name")" "${STACK_PID:-none}" "ctr_pid agrees with ctr task ls"
fi

# --- Docker ------------------------------------------------------------------------

docker_names=()
if section docker 8 "docker"; then
	name=$(stack_name dk)
	if docker_run "$name" -- sleep 1000; then
		pid=$STACK_PID id=$STACK_ID
		docker_names+=("$name")
		is "$(proc_caps "$pid")" "$(five $ZERO $DOCKER_DEFAULT $DOCKER_DEFAULT $DOCKER_DEFAULT $ZERO)" \
			"docker default: CapEff $DOCKER_DEFAULT"
		is "$(proc_field "$pid" Seccomp)" 2 "docker default: seccomp filter mode"
		check "docker_id is 64 hex" grep -Eqx '[0-9a-f]{64}' <<<"$id"
		is "$(grep -c ":/docker/$id\$" "/proc/$pid/cgroup")" "$(wc -l <"/proc/$pid/cgroup")" \
			"docker: every cgroup line ends in /docker/<id>"
		is "$("$CTR" -n moby task ls | awk -v id="$id" '$1 == id { print $2 }')" "$pid" \
			"docker: the container is task <id> in containerd's moby namespace, same pid"
		check "docker: runc state in /run/docker/runtime-runc/moby/<id>" \
			test -f "/run/docker/runtime-runc/moby/$id/state.json"
	else
		for t in sets seccomp id cgroup moby state; do not_ok "docker default: $t (docker_run failed)"; done
	fi

	name=$(stack_name dksa)
	if docker_run "$name" --cap-add SYS_ADMIN -- sleep 1000; then
		is "$(proc_caps "$STACK_PID")" "$(five $ZERO $DOCKER_SYS_ADMIN $DOCKER_SYS_ADMIN $DOCKER_SYS_ADMIN $ZERO)" \
			"docker --cap-add SYS_ADMIN: CapEff $DOCKER_SYS_ADMIN"
	else
		not_ok "docker --cap-add SYS_ADMIN (docker_run failed)"
	fi

	name=$(stack_name dkr)
	if docker_run "$name" --cap-drop ALL --cap-add NET_BIND_SERVICE --user 1000 \
		--security-opt no-new-privileges -- sleep 1000; then
		is "$(proc_caps "$STACK_PID") uid=$(proc_field "$STACK_PID" Uid | cut -f1) nnp=$(proc_field "$STACK_PID" NoNewPrivs)" \
			"$(five $ZERO $ZERO $ZERO $NET_BIND $ZERO) uid=1000 nnp=1" \
			"docker --cap-drop ALL --cap-add NET_BIND_SERVICE --user 1000: CapBnd $NET_BIND, CapEff 0"
	else
		not_ok "docker restricted (docker_run failed)"
	fi
	docker_names+=("$name")
fi

# --- standalone runc ----------------------------------------------------------------

runc_names=()
if section runc 6 "runc"; then
	name=$(stack_name rc)
	if runc_run "$name" -- sleep 1000; then
		runc_names+=("$name")
		is "$(proc_caps "$STACK_PID") nnp=$(proc_field "$STACK_PID" NoNewPrivs)" \
			"$(five $ZERO $RUNC_DEFAULT $RUNC_DEFAULT $RUNC_DEFAULT $ZERO) nnp=1" \
			"runc spec default: $RUNC_DEFAULT, no ambient, no_new_privs"
		is "$(jq -r .init_process_pid "/run/runc/$name/state.json")" "$STACK_PID" \
			"runc: state.json init_process_pid is the pid"
	else
		not_ok "runc default: sets (runc_run failed)"
		not_ok "runc default: state.json (runc_run failed)"
	fi

	name=$(stack_name rcm)
	if runc_run "$name" --caps-mask "$DOCKER_SYS_ADMIN" -- sleep 1000; then
		is "$(proc_caps "$STACK_PID")" "$(five $ZERO $DOCKER_SYS_ADMIN $DOCKER_SYS_ADMIN $DOCKER_SYS_ADMIN $ZERO)" \
			"runc --caps-mask $DOCKER_SYS_ADMIN"
	else
		not_ok "runc --caps-mask (runc_run failed)"
	fi

	name=$(stack_name rcu)
	if runc_run "$name" --caps-mask 0 --user 1000:1000 --no-new-privs false -- sleep 1000; then
		is "$(proc_caps "$STACK_PID") uid=$(proc_field "$STACK_PID" Uid | cut -f1) nnp=$(proc_field "$STACK_PID" NoNewPrivs)" \
			"$(five $ZERO $ZERO $ZERO $ZERO $ZERO) uid=1000 nnp=0" \
			"runc --caps-mask 0 --user 1000:1000 --no-new-privs false"
	else
		not_ok "runc --user (runc_run failed)"
	fi

	# The timing trap's second half: created, not started, the init already holds
	# the final sets but is still runc:[2:INIT].
	name=$(stack_name rcc)
	if runc_run "$name" --create-only -- sleep 1000; then
		is "$(proc_field "$STACK_PID" Name) $(proc_cap "$STACK_PID" CapEff)" "runc:[2:INIT] $RUNC_DEFAULT" \
			"runc create: init waits as runc:[2:INIT] holding the final sets"
		"$RUNC" start "$name" >&2 || true
		if wait_workload "$STACK_PID"; then ok "runc start: the same pid becomes the workload"; else not_ok "runc start: workload"; fi
	else
		not_ok "runc create (runc_run failed)"
		not_ok "runc start (runc_run failed)"
	fi
	runc_names+=("$name")
fi

# --- standalone crun ----------------------------------------------------------------

crun_names=()
if section crun 5 "crun"; then
	name=$(stack_name cr)
	crun_names+=("$name")
	if crun_run "$name" -- sleep 1000; then
		is "$(proc_caps "$STACK_PID") nnp=$(proc_field "$STACK_PID" NoNewPrivs)" \
			"$(five $ZERO $RUNC_DEFAULT $RUNC_DEFAULT $RUNC_DEFAULT $ZERO) nnp=1" \
			"crun spec default: $RUNC_DEFAULT (runc spec's), no ambient, no_new_privs"
		is "$(jq -r .pid "/run/crun/$name/status")" "$STACK_PID" "crun: status pid is the pid"
	else
		not_ok "crun default: sets (crun_run failed)"
		not_ok "crun default: status (crun_run failed)"
	fi

	name=$(stack_name crm)
	crun_names+=("$name")
	if crun_run "$name" --caps-mask "$DOCKER_SYS_ADMIN" -- sh -c 'sleep 1000'; then
		is "$(proc_caps "$STACK_PID")" "$(five $ZERO $DOCKER_SYS_ADMIN $DOCKER_SYS_ADMIN $DOCKER_SYS_ADMIN $ZERO)" \
			"crun --caps-mask $DOCKER_SYS_ADMIN"
	else
		not_ok "crun --caps-mask (crun_run failed)"
	fi

	# created, not started: crun's init keeps its name, holds the final sets already,
	# and waits in select() on exec.fifo
	name=$(stack_name crc)
	crun_names+=("$name")
	if crun_run "$name" --create-only -- sleep 1000; then
		is "$(proc_field "$STACK_PID" Name) $(proc_cap "$STACK_PID" CapEff)" "crun $RUNC_DEFAULT" \
			"crun create: init waits as crun holding the final sets"
		"$CRUN" start "$name" >&2 || true
		if wait_workload "$STACK_PID"; then ok "crun start: the same pid becomes the workload"; else not_ok "crun start: workload"; fi
	else
		not_ok "crun create (crun_run failed)"
		not_ok "crun start (crun_run failed)"
	fi
fi

# --- journald ------------------------------------------------------------------------

if section journald 1 "journald"; then
	token="capguard-selftest-$$-$RANDOM"
	printf '%s\n' "$token" | systemd-cat -t capguard-selftest
	found=""
	for _ in $(seq 1 50); do
		found=$(journalctl --no-pager -o json -t capguard-selftest |
			jq -r --arg t "$token" 'select(.MESSAGE == $t) | .SYSLOG_IDENTIFIER' | head -n1)
		[[ -n $found ]] && break
		sleep 0.1
	done
	is "$found" capguard-selftest "journald: systemd-cat -> journalctl -o json round-trip"
fi

# --- cleanup really removes what the helpers started ----------------------------------

cleanup_run
left=()
for c in "${ctr_ids[@]}"; do
	"$CTR" -n "${c%%/*}" containers ls -q | grep -xF "${c#*/}" >/dev/null && left+=("ctr:$c")
done
for c in "${docker_names[@]}"; do
	"$DOCKER" inspect "$c" >/dev/null 2>&1 && left+=("docker:$c")
done
for c in "${runc_names[@]}"; do
	"$RUNC" state "$c" >/dev/null 2>&1 && left+=("runc:$c")
done
for c in "${crun_names[@]}"; do
	"$CRUN" state "$c" >/dev/null 2>&1 && left+=("crun:$c")
done
is "${left[*]}" "" "cleanup_run removed every container the helpers started"

tap_done
