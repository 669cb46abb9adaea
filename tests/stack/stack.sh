#!/usr/bin/env bash
# tests/stack/stack.sh - the real container stack for capguard's integration tests.
#
#   stack.sh up [journald|containerd|dockerd|crun ...]  start what is not running, wait until ready
#                                                  (crun: let it run on a hybrid cgroup layout)
#   stack.sh down                                  stop only what `up` started (and its containers)
#   stack.sh image [--user UID[:GID]]              build + load capguard.test/busybox:1 (no registry)
#   stack.sh rootfs                                build the busybox folder only, print its path
#   stack.sh status                                what runs, what this script started
#
# State (pid files, logs, image cache) lives in CAPGUARD_STACK_STATE (default
# /run/capguard-test-stack). `up` exits 0 when everything is ready; when something
# cannot start it names it and its log and exits 1 under CI=true, 2 otherwise (so a
# developer's run can go on and let the tests that need it skip).
set -euo pipefail

STATE=${CAPGUARD_STACK_STATE:-/run/capguard-test-stack}
TIMEOUT=${CAPGUARD_STACK_TIMEOUT:-30}
DOCKER=${DOCKER:-/usr/bin/docker}
DOCKERD=${DOCKERD:-/usr/sbin/dockerd}
CONTAINERD=${CONTAINERD:-/usr/bin/containerd}
CTR=${CTR:-/usr/bin/ctr}
RUNC=${RUNC:-/usr/sbin/runc}
CRUN=${CRUN:-/usr/bin/crun}
JOURNALD=${JOURNALD:-/lib/systemd/systemd-journald}
BUSYBOX=${BUSYBOX:-/bin/busybox}
CONTAINERD_SOCK=/run/containerd/containerd.sock
JOURNAL_SOCK=/run/systemd/journal/socket
IMAGE_REPO=capguard.test/busybox
IMAGE_TAG=1
IMAGE=$IMAGE_REPO:$IMAGE_TAG
CTR_NAMESPACES=(k8s.io default)
# Containers created through tests/stack/lib.sh carry this label; `down` removes them.
LABEL=capguard.test.stack

COMPONENTS=(journald containerd dockerd crun)

say() { printf 'stack: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

ci() { [[ ${CI:-} == true ]]; }

need_root() {
	[[ $EUID -eq 0 ]] || die "must run as root (it starts system daemons)"
}

# --- processes we started ---------------------------------------------------

# line FILE: its first line. (Not $(<FILE): under set -e, bash 5.2 exits when
# FILE is missing even where the failure is tested, e.g. for a pid that just ended.)
line() {
	local l=""
	{ IFS= read -r l <"$1"; } 2>/dev/null || [[ -n $l ]] || return 1
	printf '%s\n' "$l"
}

# Field 22 of /proc/PID/stat: start time in clock ticks, to tell a reused pid apart.
proc_starttime() {
	local stat rest
	stat=$(line "/proc/$1/stat") || return 1
	rest=${stat##*) }
	local -a f
	read -ra f <<<"$rest"
	printf '%s\n' "${f[19]}"
}

# Alive and not a zombie.
proc_alive() {
	local stat rest
	stat=$(line "/proc/$1/stat") || return 1
	rest=${stat##*) }
	[[ ${rest:0:1} != Z && ${rest:0:1} != X ]]
}

# Prints the pid of component NAME if this script started it and it still runs.
started_pid() {
	local name=$1 pid start
	[[ -f $STATE/$name.pid ]] || return 1
	pid=$(line "$STATE/$name.pid") || return 1
	start=$(line "$STATE/$name.start") || return 1
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	proc_alive "$pid" || return 1
	[[ $(proc_starttime "$pid" 2>/dev/null) == "$start" ]] || return 1
	printf '%s\n' "$pid"
}

forget() {
	rm -f "$STATE/$1.pid" "$STATE/$1.start" "$STATE/$1.cmdline"
}

# spawn NAME CMD... : start CMD detached (own session, cwd /, stdio to the log,
# without our lock fd) and record its pid and start time.
spawn() {
	local name=$1 log=$STATE/$1.log pid
	shift
	printf -- '--- %s: %s\n' "$(date -u +%FT%TZ)" "$*" >>"$log"
	LOG_OFFSET=$(stat -c %s "$log")
	(cd / && exec setsid "$@" </dev/null >>"$log" 2>&1 9>&-) &
	pid=$!
	printf '%s\n' "$pid" >"$STATE/$name.pid"
	proc_starttime "$pid" >"$STATE/$name.start" || true
	printf '%s\n' "$*" >"$STATE/$name.cmdline"
	SPAWNED_PID=$pid
}

# stop_pid NAME PID: SIGTERM, wait, then SIGKILL.
stop_pid() {
	local name=$1 pid=$2 grace=${3:-20} i
	proc_alive "$pid" || return 0
	say "stopping $name (pid $pid)"
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < grace * 10; i++)); do
		proc_alive "$pid" || return 0
		sleep 0.1
	done
	say "$name (pid $pid) ignored SIGTERM for ${grace}s, sending SIGKILL"
	kill -KILL "$pid" 2>/dev/null || true
	for ((i = 0; i < 50; i++)); do
		proc_alive "$pid" || return 0
		sleep 0.1
	done
	say "warning: $name (pid $pid) still there after SIGKILL"
	return 1
}

# wait_ready NAME PID CHECK...: poll CHECK until it succeeds, the process dies
# or TIMEOUT seconds pass.
wait_ready() {
	local name=$1 pid=$2 deadline=$((SECONDS + TIMEOUT))
	shift 2
	while ((SECONDS < deadline)); do
		if "$@" >/dev/null 2>&1; then
			return 0
		fi
		if [[ -n $pid ]] && ! proc_alive "$pid"; then
			FAIL_REASON="$name exited during startup"
			return 1
		fi
		sleep 0.2
	done
	FAIL_REASON="$name not ready after ${TIMEOUT}s ($*)"
	return 1
}

# log_tail NAME: the end of what the last spawn of NAME wrote to its log.
log_tail() {
	local log=$STATE/$1.log
	[[ -f $log ]] || return 0
	say "last lines of $log:"
	tail -c +"$((${LOG_OFFSET:-0} + 1))" "$log" | tail -n 15 | sed 's/^/stack:   | /' >&2
}

# --- readiness checks ---------------------------------------------------------

# running_pid COMM: the first live (not zombie) process named COMM.
running_pid() {
	local p
	for p in $(pgrep -x "$1" 2>/dev/null); do
		if proc_alive "$p"; then
			printf '%s\n' "$p"
			return 0
		fi
	done
	return 1
}

journald_running() {
	running_pid systemd-journal >/dev/null
}

# A line sent through the native stream (systemd-cat) and one through the syslog
# socket (logger) both come back out of journalctl.
journald_roundtrip() {
	[[ -S $JOURNAL_SOCK ]] || return 1
	local token i out
	token="capguard-stack-$$-$RANDOM-$(date +%s%N)"
	printf '%s cat\n' "$token" | systemd-cat -t capguard-stack || return 1
	logger -u /run/systemd/journal/dev-log -t capguard-stack "$token logger" || return 1
	for ((i = 0; i < 30; i++)); do
		out=$(journalctl --no-pager -o cat -t capguard-stack 2>/dev/null | grep -F "$token" || true)
		if grep -qF "$token cat" <<<"$out" && grep -qF "$token logger" <<<"$out"; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

ready_journald() { journald_roundtrip; }
ready_containerd() { containerd_ready; }
ready_dockerd() { dockerd_ready; }

containerd_ready() {
	[[ -S $CONTAINERD_SOCK ]] &&
		timeout 10 "$CTR" --address "$CONTAINERD_SOCK" --connect-timeout 2s version >/dev/null 2>&1
}

dockerd_ready() {
	timeout 10 "$DOCKER" info >/dev/null 2>&1
}

# --- up ------------------------------------------------------------------------

up_journald() {
	if journald_running; then
		if wait_ready journald "" journald_roundtrip; then
			say "journald: already running (not ours), round-trip ok"
			return 0
		fi
		FAIL_REASON="systemd-journald runs but the systemd-cat/logger -> journalctl round-trip failed"
		return 1
	fi
	[[ -x $JOURNALD ]] || { FAIL_REASON="$JOURNALD not found (Debian package systemd)"; return 1; }
	spawn journald "$JOURNALD"
	local pid=$SPAWNED_PID
	if ! wait_ready journald "$pid" test -S "$JOURNAL_SOCK" ||
		! wait_ready journald "$pid" journald_roundtrip; then
		log_tail journald
		stop_pid journald "$pid" 5 || true
		forget journald
		return 1
	fi
	# No systemd-journald-dev-log.socket here: give syslog(3) users /dev/log.
	if [[ ! -e /dev/log && ! -L /dev/log ]]; then
		ln -s /run/systemd/journal/dev-log /dev/log
		printf '/dev/log\n' >"$STATE/journald.devlog"
	fi
	say "journald: started (pid $pid), log $STATE/journald.log"
}

write_containerd_config() {
	cat >"$STATE/containerd.toml" <<-'EOF'
		# Written by capguard tests/stack/stack.sh: no systemd as PID 1, so runc uses
		# the cgroupfs driver; everything else is containerd's default.
		version = 2

		[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
		  SystemdCgroup = false
	EOF
}

up_containerd() {
	if containerd_ready; then
		say "containerd: already running (not ours)"
		return 0
	fi
	[[ -x $CONTAINERD ]] || { FAIL_REASON="$CONTAINERD not found"; return 1; }
	command -v "$RUNC" >/dev/null || { FAIL_REASON="$RUNC not found"; return 1; }
	write_containerd_config || return 1
	spawn containerd "$CONTAINERD" --config "$STATE/containerd.toml" --address "$CONTAINERD_SOCK"
	local pid=$SPAWNED_PID
	if ! wait_ready containerd "$pid" containerd_ready; then
		log_tail containerd
		stop_pid containerd "$pid" 5 || true
		forget containerd
		return 1
	fi
	if ! "$CTR" plugins ls 2>/dev/null | grep -E 'snapshotter\.v1[[:space:]]+overlayfs[[:space:]].*[[:space:]]ok' >/dev/null; then
		say "warning: containerd's overlayfs snapshotter is not ok; export CONTAINERD_SNAPSHOTTER=native for ctr"
	fi
	say "containerd: started (pid $pid), log $STATE/containerd.log"
}

up_dockerd() {
	if dockerd_ready; then
		say "dockerd: already running (not ours)"
		return 0
	fi
	[[ -x $DOCKERD ]] || { FAIL_REASON="$DOCKERD not found"; return 1; }
	[[ -x $DOCKER ]] || { FAIL_REASON="docker client $DOCKER not found"; return 1; }
	if ! containerd_ready; then
		FAIL_REASON="containerd is not running, and dockerd must share it"
		return 1
	fi
	printf '{}\n' >"$STATE/dockerd.json" || return 1
	local drivers=("${CAPGUARD_DOCKER_STORAGE_DRIVER:-overlay2}") drv pid
	[[ -z ${CAPGUARD_DOCKER_STORAGE_DRIVER:-} ]] && drivers+=(vfs)
	for drv in "${drivers[@]}"; do
		# --containerd: share the containerd above, so Docker's containers appear
		#   in its "moby" namespace, as on a real node.
		# --config-file: ignore any /etc/docker/daemon.json.
		# --iptables/--ip-forward/--ip-masq=false, --bridge=none: leave the host's
		#   firewall, forwarding and links alone (by default dockerd sets FORWARD to
		#   DROP, adds NAT rules and creates docker0); tests use --network none.
		# --exec-opt native.cgroupdriver=cgroupfs: no systemd as PID 1.
		spawn dockerd "$DOCKERD" \
			--config-file "$STATE/dockerd.json" \
			--containerd="$CONTAINERD_SOCK" \
			--iptables=false --ip-forward=false --ip-masq=false --bridge=none \
			--exec-opt native.cgroupdriver=cgroupfs \
			--storage-driver="$drv"
		pid=$SPAWNED_PID
		if wait_ready dockerd "$pid" dockerd_ready; then
			printf '%s\n' "$drv" >"$STATE/dockerd.storage-driver"
			say "dockerd: started (pid $pid, storage driver $drv), log $STATE/dockerd.log"
			return 0
		fi
		say "dockerd with storage driver $drv: $FAIL_REASON"
		log_tail dockerd
		stop_pid dockerd "$pid" 10 || true
		forget dockerd
	done
	FAIL_REASON="dockerd did not start with any storage driver (${drivers[*]})"
	return 1
}

# crun refuses a hybrid cgroup layout (v1 hierarchies, cgroup2 at /sys/fs/cgroup/unified)
# while cgroup2 has any controller: "cgroups in hybrid mode not supported, drop all
# controllers from cgroupv2". Debian 12's layout leaves hugetlb there. Mounting a v1
# hierarchy of a controller moves it off cgroup2 (it is not enabled in any
# cgroup.subtree_control there), which runc, containerd and dockerd do not mind. Each mount
# is recorded in $STATE/crun.cgroup-mounts ("PATH created|existing" for its directory) so that
# `down` undoes only what `up` did.
hybrid_controllers() {
	[[ $(stat -f -c %T /sys/fs/cgroup 2>/dev/null) == tmpfs &&
		$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null) == cgroup2fs ]] || return 0
	tr '\n' ' ' </sys/fs/cgroup/unified/cgroup.controllers | sed 's/ *$//'
}

# Controllers bound to a v1 hierarchy that is mounted nowhere. `down` unmounts what `up`
# mounted, but a hierarchy that still has cgroups (the runtimes made some) outlives its
# mount: the controller stays off cgroup2 and runc can no longer place containers in it,
# so their line for it reads "/". Mounting it again attaches the same hierarchy.
orphaned_controllers() {
	local mounted
	mounted=$(findmnt -rn -t cgroup -o FS-OPTIONS 2>/dev/null | tr ',' '\n')
	awk 'NR > 1 && $2 > 0 && $4 == 1 { print $1 }' /proc/cgroups | while read -r c; do
		grep -qx -- "$c" <<<"$mounted" || printf '%s ' "$c"
	done | sed 's/ *$//'
}

up_crun() {
	if ! "$CRUN" --version >/dev/null 2>&1; then
		say "crun: not installed, nothing to prepare (tests that need it skip; under CI=true they fail)"
		return 0
	fi
	local controllers c dir made
	controllers=$(hybrid_controllers)
	[[ -n $controllers ]] || controllers=$(orphaned_controllers)
	if [[ -z $controllers ]]; then
		say "crun: the cgroup layout lets it run"
		return 0
	fi
	for c in $controllers; do
		dir=/sys/fs/cgroup/$c
		if mountpoint -q "$dir"; then
			FAIL_REASON="$c is on cgroup2 but $dir is already a mount"
			return 1
		fi
		made=existing
		if [[ ! -d $dir ]]; then
			mkdir "$dir" || { FAIL_REASON="cannot create $dir"; return 1; }
			made=created
		fi
		if ! mount -t cgroup -o "$c" cgroup "$dir"; then
			[[ $made == created ]] && rmdir "$dir"
			FAIL_REASON="cannot mount the $c controller as a cgroup v1 hierarchy on $dir"
			return 1
		fi
		printf '%s %s\n' "$dir" "$made" >>"$STATE/crun.cgroup-mounts"
		say "crun: mounted the $c controller's v1 hierarchy on $dir"
	done
	controllers=$(hybrid_controllers)
	if [[ -n $controllers ]]; then
		FAIL_REASON="cgroup2 still has controllers ($controllers)"
		return 1
	fi
	say "crun: the cgroup layout lets it run"
}

cmd_up() {
	need_root
	local want=("$@") c pid missing=()
	((${#want[@]})) || want=("${COMPONENTS[@]}")
	for c in "${want[@]}"; do
		case $c in
		journald | containerd | dockerd | crun) ;;
		docker) c=dockerd ;;
		*) die "unknown component '$c' (journald, containerd, dockerd, crun)" ;;
		esac
		FAIL_REASON=""
		if pid=$(started_pid "$c"); then
			if wait_ready "$c" "$pid" "ready_$c"; then
				say "$c: already running (started by the stack, pid $pid)"
				continue
			fi
			say "FAILED: $c (pid $pid, started by the stack) does not answer: $FAIL_REASON; log: $STATE/$c.log"
			missing+=("$c")
			ci && exit 1
			continue
		fi
		forget "$c"
		if ! "up_$c"; then
			say "FAILED: $c: ${FAIL_REASON:-failed}; log: $STATE/$c.log"
			missing+=("$c")
			if ci; then
				say "CI=true: a component that cannot start is a hard failure"
				exit 1
			fi
		fi
	done
	if ((${#missing[@]})); then
		say "missing: ${missing[*]} (tests needing them will skip; under CI=true they fail)"
		exit 2
	fi
	say "up: ${want[*]} ready"
}

# --- down ----------------------------------------------------------------------

remove_docker_containers() {
	dockerd_ready || return 0
	local ids
	ids=$("$DOCKER" ps -aq --filter "label=$LABEL=1" 2>/dev/null) || return 0
	[[ -n $ids ]] || return 0
	say "removing docker containers labelled $LABEL: $(tr '\n' ' ' <<<"$ids")"
	# shellcheck disable=SC2086 # one id per word
	"$DOCKER" rm -f $ids >/dev/null 2>&1 || say "warning: docker rm -f failed"
}

remove_ctr_containers() {
	containerd_ready || return 0
	local ns id
	for ns in $("$CTR" namespaces ls -q 2>/dev/null); do
		for id in $("$CTR" -n "$ns" containers ls -q "labels.\"$LABEL\"==1" 2>/dev/null); do
			say "removing containerd container $ns/$id"
			"$CTR" -n "$ns" task kill -s SIGKILL "$id" >/dev/null 2>&1 || true
			"$CTR" -n "$ns" task rm -f "$id" >/dev/null 2>&1 || true
			"$CTR" -n "$ns" containers rm "$id" >/dev/null 2>&1 || say "warning: could not remove $ns/$id"
			rm -f -- "$STATE/logs/ctr-$ns-$id.log"
		done
	done
}

# Standalone runc containers made by lib.sh's runc_run have their bundle under $STATE/runc/.
remove_runc_containers() {
	command -v "$RUNC" >/dev/null || return 0
	local id bundle
	while read -r id bundle; do
		[[ $bundle == "$STATE/runc/"* ]] || continue
		say "removing runc container $id"
		"$RUNC" kill "$id" KILL >/dev/null 2>&1 || true
		"$RUNC" delete -f "$id" >/dev/null 2>&1 || say "warning: runc delete $id failed"
		rm -rf -- "$bundle"
	done < <("$RUNC" list -f json 2>/dev/null | jq -r '.[]? | "\(.id) \(.bundle)"' 2>/dev/null || true)
}

# Standalone crun containers made by lib.sh's crun_run have their bundle under $STATE/crun/.
remove_crun_containers() {
	command -v "$CRUN" >/dev/null || return 0
	local id bundle
	while read -r id bundle; do
		[[ $bundle == "$STATE/crun/"* ]] || continue
		say "removing crun container $id"
		"$CRUN" kill "$id" KILL >/dev/null 2>&1 || true
		"$CRUN" delete -f "$id" >/dev/null 2>&1 || say "warning: crun delete $id failed"
		rm -rf -- "$bundle"
	done < <("$CRUN" list -f json 2>/dev/null | jq -r '.[]? | "\(.id) \(.bundle)"' 2>/dev/null || true)
}

# Unmounts the v1 hierarchies up_crun mounted, newest first.
down_crun() {
	local record=$STATE/crun.cgroup-mounts dir made
	[[ -f $record ]] || return 0
	while read -r dir made; do
		[[ $dir == /sys/fs/cgroup/* ]] || continue
		if mountpoint -q "$dir"; then
			say "crun: unmounting $dir"
			umount "$dir" || say "warning: could not unmount $dir"
		fi
		if [[ $made == created ]] && ! mountpoint -q "$dir"; then
			rmdir "$dir" 2>/dev/null || say "warning: could not remove $dir"
		fi
	done < <(tac "$record")
	rm -f "$record"
}

cmd_down() {
	need_root
	local pid c
	remove_crun_containers
	remove_runc_containers
	if started_pid dockerd >/dev/null || started_pid containerd >/dev/null; then
		remove_docker_containers
		remove_ctr_containers
	fi
	for c in dockerd containerd journald; do
		if pid=$(started_pid "$c"); then
			stop_pid "$c" "$pid" 20 || true
		elif [[ -f $STATE/$c.pid ]]; then
			say "$c: pid file left from an earlier run, process gone"
		fi
		forget "$c"
	done
	if [[ -f $STATE/journald.devlog ]]; then
		if [[ $(readlink /dev/log 2>/dev/null) == /run/systemd/journal/dev-log ]]; then
			rm -f /dev/log
		fi
		rm -f "$STATE/journald.devlog"
	fi
	down_crun
	say "down: stopped what the stack had started (logs kept in $STATE)"
}

# --- image -----------------------------------------------------------------------

# The busybox folder: /bin/busybox plus a symlink per applet, a minimal /etc.
build_rootfs() {
	local dir=$STATE/image/rootfs bbsum stamp
	[[ -x $BUSYBOX ]] || die "$BUSYBOX not found (Debian package busybox-static)"
	if LC_ALL=C ldd "$BUSYBOX" >/dev/null 2>&1; then
		die "$BUSYBOX is dynamically linked; install busybox-static"
	fi
	bbsum=$(sha256sum "$BUSYBOX" | cut -d' ' -f1)
	stamp="busybox $bbsum layout 1"
	if [[ -f $STATE/image/rootfs.stamp && $(line "$STATE/image/rootfs.stamp") == "$stamp" && -x $dir/bin/busybox ]]; then
		return 0
	fi
	rm -rf -- "$dir" "$STATE/image/rootfs.stamp"
	mkdir -p "$dir"/{bin,etc,dev,proc,sys,tmp,root}
	cp "$BUSYBOX" "$dir/bin/busybox"
	chmod 0755 "$dir/bin/busybox"
	local applet
	for applet in $("$BUSYBOX" --list); do
		[[ $applet == busybox || $applet == */* ]] && continue
		ln -s busybox "$dir/bin/$applet"
	done
	for applet in sh sleep cat echo touch id grep; do
		[[ -L $dir/bin/$applet ]] || die "busybox lacks the applet $applet"
	done
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$dir/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$dir/etc/group"
	find "$dir" -type d -exec chmod 0755 {} +
	chmod 0644 "$dir/etc/passwd" "$dir/etc/group"
	chmod 1777 "$dir/tmp"
	chmod 0700 "$dir/root"
	printf '%s\n' "$stamp" >"$STATE/image/rootfs.stamp"
}

reproducible_tar() {
	tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=gnu "$@"
}

# build_archive TAG USER: a docker-archive tarball (manifest.json, config, one layer)
# from the busybox folder; prints its path. Byte-for-byte reproducible.
build_archive() {
	local tag=$1 user=$2 dir=$STATE/image work layer_sum cfg cfg_sum tarball
	tarball=$dir/image-$tag.tar
	if [[ ! -f $dir/layer.tar || $dir/layer.tar -ot $dir/rootfs.stamp ]]; then
		reproducible_tar -C "$dir/rootfs" -cf "$dir/layer.tar.new" .
		mv "$dir/layer.tar.new" "$dir/layer.tar"
	fi
	layer_sum=$(sha256sum "$dir/layer.tar" | cut -d' ' -f1)
	cfg=$(jq -cn --arg diff "sha256:$layer_sum" --arg user "$user" '{
		architecture: "amd64", os: "linux", created: "1970-01-01T00:00:00Z",
		config: ({Env: ["PATH=/bin"], Cmd: ["sh"], WorkingDir: "/"}
			+ (if $user == "" then {} else {User: $user} end)),
		rootfs: {type: "layers", diff_ids: [$diff]},
		history: [{created: "1970-01-01T00:00:00Z", created_by: "capguard tests/stack/stack.sh image (busybox-static)"}]
	}')
	cfg_sum=$(printf '%s' "$cfg" | sha256sum | cut -d' ' -f1)
	if [[ -f $tarball && -f $tarball.id && $(line "$tarball.id") == "sha256:$cfg_sum" ]]; then
		printf '%s\n' "$tarball"
		return 0
	fi
	work=$(mktemp -d "$dir/archive.XXXXXX")
	mkdir "$work/$layer_sum"
	cp "$dir/layer.tar" "$work/$layer_sum/layer.tar"
	printf '1.0' >"$work/$layer_sum/VERSION"
	printf '%s' "$cfg" >"$work/$cfg_sum.json"
	jq -cn --arg cfg "$cfg_sum.json" --arg layer "$layer_sum/layer.tar" --arg ref "$IMAGE_REPO:$tag" \
		'[{Config: $cfg, RepoTags: [$ref], Layers: [$layer]}]' >"$work/manifest.json"
	reproducible_tar -C "$work" -cf "$tarball.new" manifest.json "$cfg_sum.json" "$layer_sum"
	rm -rf -- "$work"
	mv "$tarball.new" "$tarball"
	printf 'sha256:%s\n' "$cfg_sum" >"$tarball.id"
	printf '%s\n' "$tarball"
}

# The config digest containerd has for REF in NS (same as Docker's image ID).
ctr_image_id() {
	local ns=$1 ref=$2 manifest
	manifest=$("$CTR" -n "$ns" images ls 2>/dev/null | awk -v r="$ref" '$1 == r { print $3 }')
	[[ -n $manifest ]] || return 1
	"$CTR" -n "$ns" content get "$manifest" 2>/dev/null | jq -r '.config.digest'
}

# load_image TAG USER: build if needed, then load into docker and containerd's
# namespaces, skipping where the same image ID is already present.
load_image() {
	local tag=$1 user=$2 ref=$IMAGE_REPO:$1 tarball id ns rc=0
	tarball=$(build_archive "$tag" "$user") || return 1
	id=$(line "$tarball.id") || return 1
	if dockerd_ready; then
		if [[ $("$DOCKER" image inspect -f '{{.Id}}' "$ref" 2>/dev/null) == "$id" ]]; then
			say "image: $ref already in docker"
		else
			"$DOCKER" load -i "$tarball" >&2 || { say "FAILED: docker load $tarball"; rc=1; }
		fi
	else
		say "image: dockerd not running, skipped docker load"
		rc=2
	fi
	if containerd_ready; then
		for ns in "${CTR_NAMESPACES[@]}"; do
			if [[ $(ctr_image_id "$ns" "$ref") == "$id" ]]; then
				say "image: $ref already in containerd namespace $ns"
			else
				"$CTR" -n "$ns" images import "$tarball" >&2 ||
					{ say "FAILED: ctr -n $ns images import $tarball"; rc=1; }
			fi
		done
	else
		say "image: containerd not running, skipped ctr import"
		rc=2
	fi
	return "$rc"
}

cmd_image() {
	need_root
	local user="" tag=$IMAGE_TAG rc=0
	while (($#)); do
		case $1 in
		--user)
			user=${2:?--user needs UID[:GID]}
			shift 2
			;;
		--user=*)
			user=${1#--user=}
			shift
			;;
		*) die "image: unknown argument '$1'" ;;
		esac
	done
	if [[ -n $user ]]; then
		[[ $user =~ ^[0-9]+(:[0-9]+)?$ ]] || die "image: --user wants numeric UID[:GID], got '$user'"
		tag=$IMAGE_TAG-user-${user/:/-}
	fi
	mkdir -p "$STATE/image"
	build_rootfs
	load_image "$tag" "$user" || rc=$?
	if ((rc == 0)); then
		say "image: $IMAGE_REPO:$tag ready (tarball $STATE/image/image-$tag.tar)"
	elif ((rc == 2)) && ci; then
		say "CI=true: image could not be loaded everywhere"
		exit 1
	fi
	return "$rc"
}

cmd_rootfs() {
	need_root
	mkdir -p "$STATE/image"
	build_rootfs
	printf '%s\n' "$STATE/image/rootfs"
}

# --- status ----------------------------------------------------------------------

cmd_status() {
	local c pid state ours line
	printf '%-11s %-8s %-8s %-6s %s\n' COMPONENT STATE PID OURS LOG
	for c in journald containerd dockerd; do
		state=down pid=- ours=no
		case $c in
		journald) journald_running && state=up && pid=$(running_pid systemd-journal) ;;
		containerd) containerd_ready && state=up && pid=$(running_pid containerd) ;;
		dockerd) dockerd_ready && state=up && pid=$(running_pid dockerd) ;;
		esac
		if line=$(started_pid "$c"); then
			ours=yes pid=$line
		fi
		printf '%-11s %-8s %-8s %-6s %s\n' "$c" "$state" "$pid" "$ours" \
			"$([[ $ours == yes ]] && printf '%s' "$STATE/$c.log" || printf -- '-')"
	done
	if [[ -f $STATE/dockerd.storage-driver ]] && started_pid dockerd >/dev/null; then
		printf 'dockerd storage driver: %s\n' "$(line "$STATE/dockerd.storage-driver")"
	fi
	printf 'runc: %s\n' "$("$RUNC" --version 2>/dev/null | head -n1 || echo missing)"
	printf 'crun: %s%s\n' "$("$CRUN" --version 2>/dev/null | head -n1 || echo missing)" \
		"$([[ -s $STATE/crun.cgroup-mounts ]] && printf ', v1 hierarchies mounted by the stack: %s' "$(cut -d' ' -f1 "$STATE/crun.cgroup-mounts" | tr '\n' ' ')")"
	local where=()
	if dockerd_ready && "$DOCKER" image inspect "$IMAGE" >/dev/null 2>&1; then where+=(docker); fi
	for c in "${CTR_NAMESPACES[@]}"; do
		if containerd_ready && ctr_image_id "$c" "$IMAGE" >/dev/null; then where+=("containerd:$c"); fi
	done
	printf 'image %s: %s\n' "$IMAGE" "${where[*]:-not loaded}"
	printf 'stack containers (label %s):\n' "$LABEL"
	if dockerd_ready; then
		"$DOCKER" ps -a --filter "label=$LABEL=1" --format '{{.Names}} {{.Status}}' 2>/dev/null | sed 's/^/  docker /' || true
	fi
	if containerd_ready; then
		for c in $("$CTR" namespaces ls -q 2>/dev/null); do
			"$CTR" -n "$c" containers ls -q "labels.\"$LABEL\"==1" 2>/dev/null | sed "s|^|  containerd $c/|" || true
		done
	fi
	"$RUNC" list -f json 2>/dev/null | jq -r --arg p "$STATE/runc/" \
		'.[]? | select(.bundle | startswith($p)) | "  runc \(.id) \(.status)"' 2>/dev/null || true
	"$CRUN" list -f json 2>/dev/null | jq -r --arg p "$STATE/crun/" \
		'.[]? | select(.bundle | startswith($p)) | "  crun \(.id) \(.status)"' 2>/dev/null || true
	printf 'state dir: %s\n' "$STATE"
}

usage() {
	sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "$0" >&2
	exit "${1:-2}"
}

main() {
	local cmd=${1:-}
	(($#)) && shift
	case $cmd in
	up | down | image | rootfs)
		mkdir -p "$STATE"
		exec 9>"$STATE/lock"
		flock -w $((TIMEOUT * 4)) 9 || die "another stack.sh holds $STATE/lock"
		"cmd_$cmd" "$@"
		;;
	status) cmd_status "$@" ;;
	-h | --help | help) usage 0 ;;
	*) usage ;;
	esac
}

main "$@"
