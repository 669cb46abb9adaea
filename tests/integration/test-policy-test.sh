#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# capctl policy test on real containers: containerd with Kubernetes annotations, Docker
# (default, --cap-add, privileged, restricted) and runc; each verdict, rule and excess.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../stack/lib.sh
source "$CAPGUARD_SOURCE_ROOT/tests/stack/lib.sh"

[[ $EUID -eq 0 ]] || tap_skip_all "needs root"
stack_require containerd docker runc
command -v jq >/dev/null || tap_skip_all "jq is not installed"

work=$(mktemp -d)
cleanup_add rm -rf "$work"
export CAPGUARD_DB=$work/capguard.db

cat >"$work/policy.yaml" <<'YAML'
version: 1
defaults:
  action: audit
rules:
  - name: system-pods
    match:
      k8s_namespace: [kube-system]
    allow: true
  - name: teams-restricted
    match:
      k8s_namespace: ["team-*"]
    capabilities:
      profile: pss-restricted
    action: kill
  - name: docker-baseline
    match:
      runtime: [docker]
    capabilities:
      profile: pss-baseline
  - name: everything-else
    match: {}
    capabilities:
      profile: docker-default
YAML

k8s_annotations() { # NS POD CONTAINER
        printf -- '--annotation\0io.kubernetes.cri.container-type=container\0'
        printf -- '--annotation\0io.kubernetes.cri.sandbox-namespace=%s\0' "$1"
        printf -- '--annotation\0io.kubernetes.cri.sandbox-name=%s\0' "$2"
        printf -- '--annotation\0io.kubernetes.cri.container-name=%s\0' "$3"
        printf -- '--annotation\0io.kubernetes.cri.image-name=%s\0' "$STACK_IMAGE"
}

mapfile -d '' ann < <(k8s_annotations team-a web-0 web)
team=$(stack_name team)
ctr_run k8s.io "$team" "${ann[@]}" -- sleep 1000 || bail_out "ctr run failed"

mapfile -d '' ann < <(k8s_annotations kube-system coredns-0 coredns)
sys=$(stack_name sys)
ctr_run k8s.io "$sys" "${ann[@]}" -- sleep 1000 || bail_out "ctr run failed"

# the pod's sandbox, as the CRI plugin marks it
pause=$(stack_name pause)
ctr_run k8s.io "$pause" --annotation io.kubernetes.cri.container-type=sandbox \
        --annotation io.kubernetes.cri.sandbox-namespace=team-a --annotation io.kubernetes.cri.sandbox-name=web-0 \
        -- sleep 1000 || bail_out "ctr run (sandbox) failed"

priv=$(stack_name priv)
ctr_run default "$priv" --privileged --cap-drop CAP_SYS_RESOURCE -- sleep 1000 || bail_out "ctr run --privileged failed"

dflt=$(stack_name dflt)
docker_run "$dflt" -- sleep 1000 || bail_out "docker run failed"
dflt_id=$STACK_ID

admin=$(stack_name admin)
docker_run "$admin" --cap-add SYS_ADMIN -- sleep 1000 || bail_out "docker run --cap-add failed"
admin_id=$STACK_ID

restr=$(stack_name restr)
docker_run "$restr" --cap-drop ALL --cap-add NET_BIND_SERVICE --user 1000 --security-opt no-new-privileges -- sleep 1000 ||
        bail_out "docker run restricted failed"
restr_id=$STACK_ID

# Docker 20.10 cannot start --privileged on this machine, whose own bounding set lacks
# CAP_SYS_RESOURCE (../shared/RUNTIMES.md); the nearest it starts is every capability it knows.
dpriv=$(stack_name dpriv)
if docker_run "$dpriv" --privileged -- sleep 1000 2>/dev/null; then
        dpriv_how=--privileged
else
        dpriv=$(stack_name dall) # the failed run left a created container under the first name
        docker_run "$dpriv" --cap-add ALL --cap-drop SYS_RESOURCE -- sleep 1000 || bail_out "docker run --cap-add ALL failed"
        dpriv_how="--cap-add ALL --cap-drop SYS_RESOURCE"
fi
dpriv_id=$STACK_ID dpriv_pid=$STACK_PID

rc=$(stack_name runc)
runc_run "$rc" -- sleep 1000 || bail_out "runc run failed"

status=0
"$CAPCTL" policy test --json "$work/policy.yaml" >"$work/out" 2>"$work/err" || status=$?
is "$status" 1 "exit 1: some container violates"

verdict() { # ID -> "verdict rule action"
        jq -r --arg id "$1" 'select(.container_id == $id) | "\(.verdict) \(.rule) \(.action)"' "$work/out"
}
excess() { # ID -> excess names, comma separated
        jq -r --arg id "$1" 'select(.container_id == $id) | .excess | join(",")' "$work/out"
}
field() { # ID KEY
        jq -r --arg id "$1" --arg k "$2" 'select(.container_id == $id) | .[$k]' "$work/out"
}

dd_minus_nbs=$(stack_mask_to_caps 00000000a80421fb) # Docker's default without NET_BIND_SERVICE
is "$(verdict "$team")" "violation teams-restricted kill" "team-a container: restricted rule, kill"
is "$(excess "$team")" "$dd_minus_nbs" "team-a container: every default capability but NET_BIND_SERVICE is excess"
is "$(field "$team" k8s_namespace)/$(field "$team" pod)/$(field "$team" container)" "team-a/web-0/web" \
        "Kubernetes metadata from the CRI annotations"
is "$(field "$team" image)" "$STACK_IMAGE" "image from the CRI annotations"
reasons=$(jq -r --arg id "$team" 'select(.container_id == $id) | .reasons[]' "$work/out")
check "reasons: runs as root" grep -qi "root" <<<"$reasons"
check "reasons: no seccomp filter" grep -qi "seccomp" <<<"$reasons"

is "$(field "$team" sandbox)" false "a workload container is no sandbox"
is "$(field "$pause" sandbox)" true "the pod sandbox is recognised as such"
is "$(field "$pause" k8s_namespace)/$(field "$pause" pod)" "team-a/web-0" "the sandbox's pod"

is "$(verdict "$sys")" "ok system-pods none" "kube-system container: exempt"
is "$(excess "$sys")" "" "kube-system container: nothing excess"

is "$(verdict "$priv")" "violation everything-else audit" "privileged ctr container: docker-default rule"
is "$(field "$priv" privileged)" true "privileged ctr container: called privileged"
is "$(excess "$priv")" "$(stack_mask_to_caps "$(printf '%016x' $(( 0x$(host_cap_bnd) & ~0xa80425fb )))")" \
        "privileged ctr container: everything the node grants beyond Docker's default"

is "$(verdict "$dflt_id")" "violation docker-baseline audit" "docker default: baseline rule"
is "$(excess "$dflt_id")" "CAP_NET_RAW" "docker default: NET_RAW is excess under PSS baseline"
is "$(field "$dflt_id" container)" "$dflt" "docker container name from Docker's config"
is "$(field "$dflt_id" image)" "$STACK_IMAGE" "docker image from Docker's config"

is "$(verdict "$admin_id")" "violation docker-baseline audit" "docker --cap-add SYS_ADMIN: baseline rule"
is "$(excess "$admin_id")" "CAP_NET_RAW,CAP_SYS_ADMIN" "docker --cap-add SYS_ADMIN: NET_RAW and SYS_ADMIN excess"
is "$(jq -r --arg id "$admin_id" 'select(.container_id == $id) | .excess_by_set.effective | join(",")' "$work/out")" \
        "CAP_NET_RAW,CAP_SYS_ADMIN" "docker --cap-add SYS_ADMIN: excess per set"

is "$(verdict "$restr_id")" "ok docker-baseline none" "docker --cap-drop ALL --user 1000: compliant"

is "$(verdict "$dpriv_id")" "violation docker-baseline audit" "docker $dpriv_how: baseline rule"
want=$(stack_mask_to_caps "$(printf '%016x' $(( 0x$(proc_cap "$dpriv_pid" CapBnd) & ~0xa80405fb )))") # beyond PSS baseline
is "$(excess "$dpriv_id")" "$want" "docker $dpriv_how: everything beyond baseline is excess"

is "$(verdict "$rc")" "ok everything-else none" "runc default: within Docker's default"
is "$(field "$rc" runtime)" runc "runc container: runtime runc"

# every container the scan sees is judged exactly once
want=$("$CAPCTL" scan --containers-only --json | jq -r '.container_id' | sort -u)
is "$(jq -r '.container_id' "$work/out" | sort)" "$want" "one verdict per running container"

# the same through the store: load, then test the active version
"$CAPCTL" policy load "$work/policy.yaml" >/dev/null
status=0
"$CAPCTL" policy test --json >"$work/out2" || status=$?
is "$status" 1 "testing the active policy: same exit"
is "$(jq -r --arg id "$team" 'select(.container_id == $id) | .policy_version' "$work/out2")" 1 "verdicts name the stored version"

# a policy every container complies with
printf 'version: 1\nrules:\n  - name: all\n    match: {}\n    allow: true\n' >"$work/allow.yaml"
status=0
"$CAPCTL" policy test "$work/allow.yaml" >"$work/out3" || status=$?
is "$status" 0 "exit 0 when every container complies"
check "the table ends with the counts" grep -Eq '^[0-9]+ containers?, 0 violations$' "$work/out3"

tap_done
