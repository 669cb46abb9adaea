#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# capctl scan on real containers with known sets: each process is attributed to its
# container (runtime, namespace, id) and shown with exactly the kernel's sets.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../stack/lib.sh
source "$CAPGUARD_SOURCE_ROOT/tests/stack/lib.sh"

[[ $EUID -eq 0 ]] || tap_skip_all "needs root"
stack_require containerd docker runc
command -v jq >/dev/null || tap_skip_all "jq is not installed"

node_bnd=$(host_cap_bnd)
scan_json=$(mktemp)
cleanup_add rm -f "$scan_json"

# expect PID WANT_ID RUNTIME NS INH PRM EFF BND AMB UID NNP DESC
expect() {
        local pid=$1 id=$2 runtime=$3 ns=$4 inh=$5 prm=$6 eff=$7 bnd=$8 amb=$9 uid=${10} nnp=${11} desc=${12}
        local row kernel
        row=$(jq -c --argjson pid "$pid" 'select(.pid == $pid)' "$scan_json")
        if [[ -z $row ]]; then
                not_ok "$desc: pid $pid is in the scan"
                return 0
        fi
        is "$(jq -r '[.container_id, .runtime, .runtime_namespace] | join(" ")' <<<"$row")" "$id $runtime $ns" \
                "$desc: attributed to $runtime $ns container"
        is "$(jq -r '[.cap_inh_hex, .cap_prm_hex, .cap_eff_hex, .cap_bnd_hex, .cap_amb_hex] | join(" ")' <<<"$row")" \
                "$inh $prm $eff $bnd $amb" "$desc: the sets asked for"
        kernel=$(proc_caps "$pid")
        is "$(jq -r '[.cap_inh_hex, .cap_prm_hex, .cap_eff_hex, .cap_bnd_hex, .cap_amb_hex] | join(" ")' <<<"$row")" \
                "$kernel" "$desc: the kernel's sets"
        is "$(jq -r '[.uid, .no_new_privs] | join(" ")' <<<"$row")" "$uid $nnp" "$desc: uid and NoNewPrivs"
}

Z=0000000000000000
DD=00000000a80425fb

# containerd, Kubernetes namespace, as the CRI plugin would start it
k8s=$(stack_name k8s)
ctr_run k8s.io "$k8s" \
        --annotation io.kubernetes.cri.container-type=container \
        --annotation io.kubernetes.cri.sandbox-namespace=team-a \
        --annotation io.kubernetes.cri.sandbox-name=web-0 \
        --annotation io.kubernetes.cri.container-name=web \
        -- sleep 1000 || bail_out "ctr run failed"
k8s_pid=$STACK_PID

priv=$(stack_name priv)
ctr_run default "$priv" --privileged --cap-drop CAP_SYS_RESOURCE -- sleep 1000 || bail_out "ctr run --privileged failed"
priv_pid=$STACK_PID

dflt=$(stack_name dflt)
docker_run "$dflt" -- sleep 1000 || bail_out "docker run failed"
dflt_pid=$STACK_PID dflt_id=$STACK_ID

admin=$(stack_name admin)
docker_run "$admin" --cap-add SYS_ADMIN -- sleep 1000 || bail_out "docker run --cap-add failed"
admin_pid=$STACK_PID admin_id=$STACK_ID

restr=$(stack_name restr)
docker_run "$restr" --cap-drop ALL --cap-add NET_BIND_SERVICE --user 1000 --security-opt no-new-privileges -- sleep 1000 ||
        bail_out "docker run restricted failed"
restr_pid=$STACK_PID restr_id=$STACK_ID

rc=$(stack_name runc)
runc_run "$rc" -- sleep 1000 || bail_out "runc run failed"
runc_pid=$STACK_PID

# a second process in a container belongs to it too
"$DOCKER" exec -d "$dflt" sleep 999
for _ in $(seq 50); do
        exec_pid=$(pgrep -f '^sleep 999$' || true)
        [[ -n $exec_pid ]] && break
        sleep 0.1
done

"$CAPCTL" scan --json >"$scan_json"

# containerd's default spec sets noNewPrivileges, Docker's does not
expect "$k8s_pid" "$k8s" containerd k8s.io $Z $DD $DD $DD $Z 0 true "ctr k8s.io default"
expect "$priv_pid" "$priv" containerd default $Z "$node_bnd" "$node_bnd" "$node_bnd" $Z 0 true "ctr --privileged"
expect "$dflt_pid" "$dflt_id" docker moby $Z $DD $DD $DD $Z 0 false "docker default"
expect "$admin_pid" "$admin_id" docker moby $Z 00000000a82425fb 00000000a82425fb 00000000a82425fb $Z 0 false "docker --cap-add SYS_ADMIN"
expect "$restr_pid" "$restr_id" docker moby $Z $Z $Z 0000000000000400 $Z 1000 true "docker --cap-drop ALL --user 1000"
expect "$runc_pid" "$rc" runc "" $Z 0000000020000420 0000000020000420 0000000020000420 $Z 0 true "runc default"
if [[ -n ${exec_pid:-} ]]; then
        expect "$exec_pid" "$dflt_id" docker moby $Z $DD $DD $DD $Z 0 false "docker exec'd process"
else
        not_ok "docker exec started a second process"
fi

is "$(jq -r --argjson p "$dflt_pid" 'select(.pid == $p) | .cap_eff | join(",")' "$scan_json")" \
        "$(stack_mask_to_caps $DD)" "names of Docker's default set"
is "$(jq -r --argjson p "$dflt_pid" 'select(.pid == $p) | .seccomp' "$scan_json")" 2 "Docker's default seccomp filter is seen"

# The runtimes' own processes are host processes.
shims=$(jq -r 'select(.comm | startswith("containerd-shim")) | .container_id' "$scan_json" | sort -u)
is "$shims" "null" "containerd shims are host processes"

# The table groups a container's processes under one heading.
table=$("$CAPCTL" scan --containers-only)
check "table: docker container with its 2 processes" grep -q "^container $dflt_id (docker moby, 2 processes)" <<<"$table"
check "table: runc container" grep -q "^container $rc (runc, 1 process)" <<<"$table"
no_host_group() { ! grep -q "^host" <<<"$table"; }
check "table: no host group with --containers-only" no_host_group
check "table: the SYS_ADMIN container's effective set" grep -Eq "^ +$admin_pid +0 +sleep .* a82425fb " <<<"$table"

tap_done
