# shellcheck shell=bash disable=SC2034 # STACK_* are results for the sourcing test
# tests/stack/lib.sh - sourced by capguard's bash integration tests (meson runs them
# with protocol TAP). Needs bash 4.3+, runs as root against the stack that
# tests/stack/stack.sh brings up.
#
#   source "$(dirname "${BASH_SOURCE[0]}")/../stack/lib.sh"
#   stack_require containerd docker       # before any output: skips (or, CI=true, bails)
#   docker_run web --cap-add SYS_ADMIN -- sleep 1000
#   is "$(proc_cap "$STACK_PID" CapEff)" 00000000a82425fb "docker --cap-add SYS_ADMIN"
#   tap_done
#
# Rules of use:
# - TAP goes to stdout; everything else a helper prints goes to stderr.
# - Call the *_run helpers directly, never inside $(...): they register cleanups
#   in this shell's EXIT trap and hand results back in STACK_PID, STACK_NAME,
#   STACK_ID. A test must not set its own EXIT trap; use cleanup_add.
# - ok/not_ok/is/check/tap_skip always return 0 (a failure is a "not ok" line and
#   tap_done's status), so tests can run under `set -euo pipefail`. The stack
#   helpers return non-zero on failure (with diag lines) and never exit: call them
#   as `if docker_run ...; then`. They do not rely on `set -e` themselves.

STACK_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
STACK_SH=$STACK_DIR/stack.sh
CAPGUARD_STACK_STATE=${CAPGUARD_STACK_STATE:-/run/capguard-test-stack}
STACK_TIMEOUT=${CAPGUARD_STACK_TIMEOUT:-30}
DOCKER=${DOCKER:-/usr/bin/docker}
CTR=${CTR:-/usr/bin/ctr}
RUNC=${RUNC:-/usr/sbin/runc}
CRUN=${CRUN:-/usr/bin/crun}
STACK_IMAGE=capguard.test/busybox:1
STACK_LABEL=capguard.test.stack
# Results of the last *_run: init pid, name, id (Docker: 64 hex), runc or crun bundle.
STACK_PID="" STACK_NAME="" STACK_ID="" STACK_BUNDLE=""

# Capability names by bit number, from libcap (capsh) and the running kernel's last cap.
STACK_CAP_NAMES=()
_stack_cap_last=$(cat /proc/sys/kernel/cap_last_cap)
IFS=, read -ra STACK_CAP_NAMES <<<"$(capsh --decode="$(printf '%x' $(( (1 << (_stack_cap_last + 1)) - 1 )))" |
	sed 's/^[^=]*=//' | tr '[:lower:]' '[:upper:]')"

# TAP helpers: ok, not_ok, is, check, diag, tap_skip, tap_skip_all, tap_done.
# shellcheck source-path=SCRIPTDIR source=../lib/tap.sh
source "$STACK_DIR/../lib/tap.sh"

# ---------------------------------------------------------------------------
# Cleanup registry: commands run in reverse order at exit.
# ---------------------------------------------------------------------------

_stack_cleanups=()

# cleanup_add CMD [ARGS...]: run CMD at exit (quoted as given), errors ignored.
cleanup_add() {
	local q
	printf -v q '%q ' "$@"
	_stack_cleanups+=("$q")
}

# cleanup_run: run the registered cleanups now (last first) and forget them.
cleanup_run() {
	local i
	for ((i = ${#_stack_cleanups[@]} - 1; i >= 0; i--)); do
		eval "${_stack_cleanups[i]}" </dev/null >/dev/null 2>&1 || true
	done
	_stack_cleanups=()
}

_stack_on_exit() {
	local rc=$?
	cleanup_run
	exit "$rc"
}
trap _stack_on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------
# Stack components
# ---------------------------------------------------------------------------

_stack_err() { printf 'lib.sh: %s\n' "$*" >&2; }

_stack_in_main_shell() {
	if [[ $BASHPID != "$$" ]]; then
		_stack_err "$1 must be called in the test's own shell, not inside \$(...) or a pipeline"
		return 1
	fi
}

_stack_image_ready_docker() {
	timeout 10 "$DOCKER" image inspect "$STACK_IMAGE" >/dev/null 2>&1
}

_stack_image_ready_ctr() {
	local ns
	for ns in k8s.io default; do
		"$CTR" -n "$ns" images ls -q 2>/dev/null | grep -xF "$STACK_IMAGE" >/dev/null || return 1
	done
}

# Load the test image (once, under stack.sh's lock) if it is missing.
_stack_ensure_image() {
	"$1" && return 0
	"$STACK_SH" image >&2 2>&1 || true
	"$1"
}

# The controllers still on cgroup2 in a hybrid layout (cgroup2 at /sys/fs/cgroup/unified,
# v1 hierarchies beside it), which crun refuses to run with; nothing otherwise.
_stack_hybrid_controllers() {
	[[ $(stat -f -c %T /sys/fs/cgroup 2>/dev/null) == tmpfs &&
		$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null) == cgroup2fs ]] || return 0
	tr '\n' ' ' </sys/fs/cgroup/unified/cgroup.controllers | sed 's/ *$//'
}

# stack_have COMPONENT: true if it is up (and has the test image where it applies).
#   journald   systemd-journald answers on /run/systemd/journal/socket
#   containerd ctr answers, the test image is in k8s.io and default
#   docker     docker info answers, the test image is loaded
#   runc       runc works, /run/runc is usable, the busybox folder can be built
#   crun       crun is installed, the cgroup layout lets it run (stack.sh up sees to it),
#              the busybox folder can be built
stack_have() {
	STACK_WHY=""
	if [[ $EUID -ne 0 ]]; then
		STACK_WHY="needs root"
		return 1
	fi
	case $1 in
	journald)
		if [[ ! -S /run/systemd/journal/socket ]] || ! pgrep -x systemd-journal >/dev/null 2>&1; then
			STACK_WHY="systemd-journald is not running (tests/stack/stack.sh up)"
			return 1
		fi
		;;
	containerd)
		if [[ ! -S /run/containerd/containerd.sock ]] ||
			! timeout 10 "$CTR" --connect-timeout 2s version >/dev/null 2>&1; then
			STACK_WHY="containerd is not running (tests/stack/stack.sh up)"
			return 1
		fi
		if ! _stack_ensure_image _stack_image_ready_ctr; then
			STACK_WHY="$STACK_IMAGE is not in containerd (tests/stack/stack.sh image)"
			return 1
		fi
		;;
	docker | dockerd)
		if ! timeout 10 "$DOCKER" info >/dev/null 2>&1; then
			STACK_WHY="dockerd is not running (tests/stack/stack.sh up)"
			return 1
		fi
		if ! _stack_ensure_image _stack_image_ready_docker; then
			STACK_WHY="$STACK_IMAGE is not in docker (tests/stack/stack.sh image)"
			return 1
		fi
		;;
	runc)
		if ! "$RUNC" --version >/dev/null 2>&1; then
			STACK_WHY="runc is not installed"
			return 1
		fi
		if ! _stack_rootfs >/dev/null; then
			STACK_WHY="cannot build the busybox folder (tests/stack/stack.sh rootfs)"
			return 1
		fi
		;;
	crun)
		if ! "$CRUN" --version >/dev/null 2>&1; then
			STACK_WHY="crun is not installed (Debian package crun)"
			return 1
		fi
		local controllers
		controllers=$(_stack_hybrid_controllers)
		if [[ -n $controllers ]]; then
			STACK_WHY="cgroup2 at /sys/fs/cgroup/unified still has controllers ($controllers): crun refuses a hybrid layout (tests/stack/stack.sh up moves them to v1)"
			return 1
		fi
		if ! _stack_rootfs >/dev/null; then
			STACK_WHY="cannot build the busybox folder (tests/stack/stack.sh rootfs)"
			return 1
		fi
		;;
	*)
		STACK_WHY="unknown stack component '$1'"
		return 1
		;;
	esac
}

# stack_require COMPONENT...: skip the whole file (bail under CI=true) unless all are up.
stack_require() {
	local c
	for c in "$@"; do
		stack_have "$c" || tap_skip_all "$c: $STACK_WHY"
	done
}

# stack_name PREFIX: a unique container name.
_stack_seq=0
stack_name() {
	_stack_seq=$((_stack_seq + 1))
	printf 'capguard-%s-%s-%s%s\n' "$1" "$$" "$_stack_seq" "$RANDOM"
}

# ---------------------------------------------------------------------------
# /proc
# ---------------------------------------------------------------------------

# proc_field PID FIELD: one field of /proc/PID/status (tabs kept between values).
proc_field() {
	local line
	line=$(grep -m1 "^$2:" "/proc/$1/status" 2>/dev/null) || return 1
	line=${line#*:}
	line=${line#"${line%%[![:space:]]*}"}
	printf '%s\n' "$line"
}

proc_cap() { proc_field "$1" "$2"; }

# proc_caps PID: "CapInh CapPrm CapEff CapBnd CapAmb" on one line.
proc_caps() {
	local f out=() v
	for f in CapInh CapPrm CapEff CapBnd CapAmb; do
		v=$(proc_field "$1" "$f") || return 1
		out+=("$v")
	done
	printf '%s\n' "${out[*]}"
}

# The node's own bounding set: what a "privileged" container can get here.
host_cap_bnd() { proc_field 1 CapBnd; }

# wait_workload PID: bounded wait until PID runs the container's command rather
# than the runtime's init (comm "runc:[2:INIT]" or "crun"), whose sets may not be final.
wait_workload() {
	local pid=$1 deadline=$((SECONDS + STACK_TIMEOUT)) name
	while ((SECONDS < deadline)); do
		name=$(proc_field "$pid" Name) || {
			_stack_err "pid $pid vanished before its workload started"
			return 1
		}
		case $name in
		runc:* | runc | crun) sleep 0.05 ;;
		*) return 0 ;;
		esac
	done
	_stack_err "pid $pid still '$name' after ${STACK_TIMEOUT}s"
	return 1
}

# _stack_wait_pid CMD...: poll CMD (prints a pid) until it gives one > 0.
_stack_wait_pid() {
	local deadline=$((SECONDS + STACK_TIMEOUT)) pid
	while ((SECONDS < deadline)); do
		pid=$("$@" 2>/dev/null) || pid=""
		if [[ $pid =~ ^[0-9]+$ && $pid -gt 0 ]]; then
			printf '%s\n' "$pid"
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# _stack_json_array WORD...: a JSON array of the words. (Not `jq --args`: jq 1.6 still takes
# a word such as "-c" among them for its own option.)
_stack_json_array() {
	local w
	for w in "$@"; do
		jq -n --arg s "$w" '$s' || return 1
	done | jq -cs .
}

_stack_cap_name() {
	local c=${1^^}
	[[ $c == CAP_* || $c == ALL ]] || c=CAP_$c
	printf '%s\n' "$c"
}

# stack_mask_to_caps HEX: capability names of a mask, comma separated.
stack_mask_to_caps() {
	local mask=$((16#$1)) i out=()
	for ((i = 0; i < ${#STACK_CAP_NAMES[@]}; i++)); do
		if (((mask >> i) & 1)); then
			out+=("${STACK_CAP_NAMES[i]}")
		fi
	done
	local IFS=,
	printf '%s\n' "${out[*]}"
}

# ---------------------------------------------------------------------------
# containerd (ctr)
# ---------------------------------------------------------------------------

# ctr_pid NS NAME
ctr_pid() {
	"$CTR" -n "$1" task ls 2>/dev/null | awk -v n="$2" '$1 == n && $2 > 0 { print $2; f = 1 } END { exit !f }'
}

# ctr_run NS NAME [FLAGS...] -- CMD...
#   Runs the test image detached as container NAME in namespace NS, waits for its
#   workload; sets STACK_PID, STACK_NAME, STACK_ID (= NAME). Flags go to `ctr run`,
#   (use --flag=value for flags not listed here), except:
#     --cap-add X / --cap-drop X  X with or without CAP_; "--cap-drop ALL" keeps
#                                 only the --cap-add ones (Docker's meaning; ctr
#                                 itself knows no ALL and applies adds first)
#     --user UID[:GID]            ctr 1.6 has no --user: uses a variant of the test
#                                 image whose config sets User (what runAsUser does)
#     --annotation K=V, --privileged, --label K=V  passed as they are
#   The container's output goes to $CAPGUARD_STACK_STATE/logs/ctr-NS-NAME.log.
ctr_run() {
	_stack_in_main_shell ctr_run || return 1
	STACK_PID="" STACK_NAME="" STACK_ID="" STACK_BUNDLE=""
	local ns=$1 name=$2 image=$STACK_IMAGE user="" drop_all=0 c
	shift 2 || return 1
	local flags=() adds=() drops=()
	while (($#)); do
		case $1 in
		--)
			shift
			break
			;;
		--cap-add)
			adds+=("$(_stack_cap_name "$2")")
			shift 2
			;;
		--cap-add=*)
			adds+=("$(_stack_cap_name "${1#*=}")")
			shift
			;;
		--cap-drop | --cap-drop=*)
			if [[ $1 == --cap-drop ]]; then c=$2 && shift 2; else c=${1#*=} && shift; fi
			c=$(_stack_cap_name "$c")
			if [[ $c == ALL ]]; then drop_all=1; else drops+=("$c"); fi
			;;
		--user | -u)
			user=$2
			shift 2
			;;
		--user=*)
			user=${1#*=}
			shift
			;;
		--annotation | --label | --env | --cwd | --mount)
			flags+=("$1" "$2")
			shift 2
			;;
		*)
			flags+=("$1")
			shift
			;;
		esac
	done
	(($#)) || { _stack_err "ctr_run: no command after --"; return 1; }
	if ((drop_all)); then
		drops=()
		for c in "${STACK_CAP_NAMES[@]}"; do
			[[ " ${adds[*]} " == *" $c "* ]] || drops+=("$c")
		done
	fi
	for c in "${adds[@]}"; do flags+=(--cap-add "$c"); done
	for c in "${drops[@]}"; do flags+=(--cap-drop "$c"); done
	if [[ -n $user ]]; then
		if ! [[ $user =~ ^[0-9]+(:[0-9]+)?$ ]]; then
			_stack_err "ctr_run: --user wants numeric UID[:GID], got '$user'"
			return 1
		fi
		image=$STACK_IMAGE-user-${user/:/-}
		if ! "$CTR" -n "$ns" images ls -q 2>/dev/null | grep -xF "$image" >/dev/null; then
			"$STACK_SH" image --user "$user" >&2 2>&1 || true
		fi
	fi
	local logdir=$CAPGUARD_STACK_STATE/logs
	mkdir -p "$logdir" || return 1
	cleanup_add _stack_ctr_rm "$ns" "$name"
	if ! "$CTR" -n "$ns" run -d --label "$STACK_LABEL=1" \
		--log-uri "file://$logdir/ctr-$ns-$name.log" \
		"${flags[@]}" "$image" "$name" "$@" >&2; then
		diag "ctr -n $ns run $name failed"
		return 1
	fi
	STACK_NAME=$name STACK_ID=$name STACK_PID=""
	STACK_PID=$(_stack_wait_pid ctr_pid "$ns" "$name") || {
		diag "ctr: no pid for $ns/$name"
		return 1
	}
	wait_workload "$STACK_PID" || { diag "ctr: $ns/$name did not reach its workload"; return 1; }
}

_stack_ctr_rm() {
	"$CTR" -n "$1" task kill -s SIGKILL "$2" >/dev/null 2>&1 || true
	"$CTR" -n "$1" task rm -f "$2" >/dev/null 2>&1 || true
	"$CTR" -n "$1" containers rm "$2" >/dev/null 2>&1 || true
	rm -f -- "$CAPGUARD_STACK_STATE/logs/ctr-$1-$2.log"
}

# ---------------------------------------------------------------------------
# Docker
# ---------------------------------------------------------------------------

docker_pid() {
	"$DOCKER" inspect -f '{{.State.Pid}}' "$1" 2>/dev/null
}

docker_id() {
	"$DOCKER" inspect -f '{{.Id}}' "$1" 2>/dev/null
}

# docker_run NAME [FLAGS...] -- CMD...
#   `docker run -d` of the test image, --network none unless FLAGS name a network;
#   waits for the workload; sets STACK_PID, STACK_NAME, STACK_ID (64 hex).
docker_run() {
	_stack_in_main_shell docker_run || return 1
	STACK_PID="" STACK_NAME="" STACK_ID="" STACK_BUNDLE=""
	local name=$1 flags=() net=0
	shift || return 1
	while (($#)); do
		case $1 in
		--)
			shift
			break
			;;
		--network | --net | --network=* | --net=*) net=1 ;;
		esac
		flags+=("$1")
		shift
	done
	(($#)) || { _stack_err "docker_run: no command after --"; return 1; }
	((net)) || flags+=(--network none)
	cleanup_add "$DOCKER" rm -f "$name"
	if ! "$DOCKER" run -d --name "$name" --label "$STACK_LABEL=1" "${flags[@]}" "$STACK_IMAGE" "$@" >/dev/null; then
		diag "docker run $name failed"
		return 1
	fi
	STACK_NAME=$name STACK_PID=""
	STACK_ID=$(docker_id "$name") || return 1
	STACK_PID=$(_stack_wait_pid docker_pid "$name") || {
		diag "docker: no pid for $name"
		return 1
	}
	wait_workload "$STACK_PID" || { diag "docker: $name did not reach its workload"; return 1; }
}

# ---------------------------------------------------------------------------
# Standalone runc
# ---------------------------------------------------------------------------

_stack_rootfs() {
	local dir=$CAPGUARD_STACK_STATE/image/rootfs
	if [[ -x $dir/bin/busybox && -f $CAPGUARD_STACK_STATE/image/rootfs.stamp ]]; then
		printf '%s\n' "$dir"
		return 0
	fi
	"$STACK_SH" rootfs 2>/dev/null
}

runc_pid() {
	"$RUNC" state "$1" 2>/dev/null | jq -er 'select(.status == "running" or .status == "created") | .pid'
}

# _stack_oci_bundle TOOL NAME [OPTIONS...] -- CMD...
#   For runc_run and crun_run: a bundle in $CAPGUARD_STACK_STATE/TOOL/NAME (a copy of the
#   busybox folder and `TOOL spec`, edited with jq as the options say), removed with its
#   container at cleanup. Sets STACK_BUNDLE, and _stack_create_only for --create-only.
_stack_oci_bundle() {
	local tool=$1 name=$2 edits=() caps=() caps_set=0 c list bin
	shift 2 || return 1
	case $tool in
	runc) bin=$RUNC ;;
	crun) bin=$CRUN ;;
	*) _stack_err "_stack_oci_bundle: unknown runtime '$tool'"; return 1 ;;
	esac
	_stack_create_only=0
	while (($#)); do
		case $1 in
		--)
			shift
			break
			;;
		--caps-mask)
			[[ $2 =~ ^[0-9a-fA-F]{1,16}$ ]] || { _stack_err "${tool}_run: bad mask '$2'"; return 1; }
			IFS=, read -ra caps <<<"$(stack_mask_to_caps "$2")"
			caps_set=1
			shift 2
			;;
		--caps)
			IFS=, read -ra list <<<"$2"
			caps=()
			for c in "${list[@]}"; do caps+=("$(_stack_cap_name "$c")"); done
			caps_set=1
			shift 2
			;;
		--user)
			local uid=${2%%:*} gid=0
			[[ $2 == *:* ]] && gid=${2#*:}
			edits+=(".process.user.uid = $uid | .process.user.gid = $gid")
			shift 2
			;;
		--no-new-privs)
			edits+=(".process.noNewPrivileges = $2")
			shift 2
			;;
		--annotation)
			edits+=(".annotations[$(jq -Rn --arg s "${2%%=*}" '$s')] = $(jq -Rn --arg s "${2#*=}" '$s')")
			shift 2
			;;
		--jq)
			edits+=("$2")
			shift 2
			;;
		--create-only)
			_stack_create_only=1
			shift
			;;
		*)
			_stack_err "${tool}_run: unknown option '$1'"
			return 1
			;;
		esac
	done
	(($#)) || { _stack_err "${tool}_run: no command after --"; return 1; }
	local rootfs bundle=$CAPGUARD_STACK_STATE/$tool/$name
	rootfs=$(_stack_rootfs) || { diag "$tool: no busybox folder"; return 1; }
	cleanup_add _stack_oci_rm "$bin" "$name" "$bundle"
	rm -rf -- "$bundle"
	mkdir -p "$bundle" && cp -a "$rootfs" "$bundle/rootfs" || return 1
	"$bin" spec --bundle "$bundle" || return 1
	local args filter
	args=$(_stack_json_array "$@") || return 1
	filter=".process.terminal = false | .process.args = $args"
	if ((caps_set)); then
		local capj
		capj=$(jq -cn '$ARGS.positional' --args "${caps[@]}") || return 1
		filter+=" | .process.capabilities = {bounding: $capj, effective: $capj, permitted: $capj, inheritable: [], ambient: []}"
	fi
	for c in "${edits[@]}"; do filter+=" | $c"; done
	if ! jq "$filter" "$bundle/config.json" >"$bundle/config.json.new"; then
		diag "$tool: jq edit failed: $filter"
		return 1
	fi
	mv "$bundle/config.json.new" "$bundle/config.json" || return 1
	STACK_BUNDLE=$bundle
}

_stack_oci_rm() { # _stack_oci_rm TOOL-BINARY NAME BUNDLE
	"$1" kill "$2" KILL >/dev/null 2>&1 || true
	"$1" delete -f "$2" >/dev/null 2>&1 || true
	rm -rf -- "$3"
}

# runc_run NAME [OPTIONS...] -- CMD...
#   A standalone runc container (state in /run/runc/NAME) from a bundle in
#   $CAPGUARD_STACK_STATE/runc/NAME: a copy of the busybox folder and `runc spec`,
#   edited with jq. Waits for the workload; sets STACK_PID, STACK_NAME, STACK_ID,
#   STACK_BUNDLE. Options:
#     --caps-mask HEX      bounding = effective = permitted = HEX, no inheritable/ambient
#     --caps LIST          the same from names (comma separated, CAP_ optional)
#     --user UID[:GID]     process.user
#     --no-new-privs BOOL  process.noNewPrivileges (runc spec: true)
#     --annotation K=V     an OCI annotation
#     --jq FILTER          any further edit of config.json (repeatable)
#     --create-only        `runc create` but not start: STACK_PID is then runc:[2:INIT]
runc_run() {
	_stack_in_main_shell runc_run || return 1
	STACK_PID="" STACK_NAME="" STACK_ID="" STACK_BUNDLE=""
	local name=$1 bundle
	shift || return 1
	_stack_oci_bundle runc "$name" "$@" || return 1
	bundle=$STACK_BUNDLE
	local verb=(run -d)
	((_stack_create_only)) && verb=(create)
	if ! "$RUNC" "${verb[@]}" --bundle "$bundle" "$name" </dev/null >"$bundle/stdio.log" 2>&1; then
		diag "runc ${verb[*]} $name failed:"
		diag "$(cat "$bundle/stdio.log")"
		return 1
	fi
	STACK_NAME=$name STACK_ID=$name STACK_BUNDLE=$bundle STACK_PID=""
	STACK_PID=$(_stack_wait_pid runc_pid "$name") || {
		diag "runc: no pid for $name"
		return 1
	}
	((_stack_create_only)) && return 0
	wait_workload "$STACK_PID" || { diag "runc: $name did not reach its workload"; return 1; }
}

# ---------------------------------------------------------------------------
# Standalone crun
# ---------------------------------------------------------------------------

crun_pid() {
	"$CRUN" state "$1" 2>/dev/null | jq -er 'select(.status == "running" or .status == "created") | .pid'
}

# crun_run NAME [OPTIONS...] -- CMD...
#   A standalone crun container (state in /run/crun/NAME, cgroupfs) from a bundle in
#   $CAPGUARD_STACK_STATE/crun/NAME: a copy of the busybox folder and `crun spec`,
#   edited with jq. `crun create`, then `crun start`, as engines do (`crun run` has
#   no exec.fifo wait). Waits for the workload; sets STACK_PID, STACK_NAME,
#   STACK_ID, STACK_BUNDLE. Options as runc_run's:
#     --caps-mask HEX | --caps LIST | --user UID[:GID] | --no-new-privs BOOL
#     --annotation K=V | --jq FILTER (repeatable)
#     --create-only        `crun create` but not start: STACK_PID is then crun's init,
#                          parked on exec.fifo with the container's final sets
crun_run() {
	_stack_in_main_shell crun_run || return 1
	STACK_PID="" STACK_NAME="" STACK_ID="" STACK_BUNDLE=""
	local name=$1 bundle
	shift || return 1
	_stack_oci_bundle crun "$name" "$@" || return 1
	bundle=$STACK_BUNDLE
	if ! "$CRUN" --cgroup-manager=cgroupfs create --bundle "$bundle" "$name" </dev/null >"$bundle/stdio.log" 2>&1; then
		diag "crun create $name failed:"
		diag "$(cat "$bundle/stdio.log")"
		return 1
	fi
	STACK_NAME=$name STACK_ID=$name STACK_BUNDLE=$bundle STACK_PID=""
	STACK_PID=$(_stack_wait_pid crun_pid "$name") || {
		diag "crun: no pid for $name"
		return 1
	}
	((_stack_create_only)) && return 0
	# bounded: crun start waits for a reader on exec.fifo, which a dead init never becomes
	if ! timeout "$STACK_TIMEOUT" "$CRUN" start "$name" </dev/null >>"$bundle/stdio.log" 2>&1; then
		diag "crun start $name failed:"
		diag "$(cat "$bundle/stdio.log")"
		return 1
	fi
	wait_workload "$STACK_PID" || { diag "crun: $name did not reach its workload"; return 1; }
}
