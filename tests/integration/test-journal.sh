#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# capguard's journal entries, through a real systemd-journald and read back with journalctl:
# each kind under its MESSAGE_ID and PRIORITY, field by field; container strings full of
# newlines, escape sequences and forged "KEY=" text add no field and no line; without a
# journald the entry goes to stderr; `journalctl -x` explains an entry from the catalog.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../stack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../stack/lib.sh"
stack_require journald
command -v jq >/dev/null || tap_skip_all "jq is not installed"
[[ -x ${SEND_EVENT:-} ]] || bail_out "SEND_EVENT does not name the built tests/helpers/send-event"

header=$CAPGUARD_SOURCE_ROOT/include/capguard/journal-event.h
message_id() { # message_id KIND: the id as journal-event.h spells it
        sed -n "s/^#define CAPGUARD_MESSAGE_$1_STR *SD_ID128_MAKE_STR(\([0-9a-f,]*\)).*/\1/p" "$header" | tr -d ,
}
ID_VIOLATION=$(message_id VIOLATION)
ID_KILL=$(message_id KILL)
ID_COMPLIANT=$(message_id COMPLIANT)
ID_UNKNOWN=$(message_id UNKNOWN)

# wait_entry MESSAGE_ID CONTAINER_ID: the entries, one JSON object a line, once there is one.
wait_entry() {
        local i out
        for ((i = 0; i < 100; i++)); do
                out=$(journalctl --no-pager -o json "MESSAGE_ID=$1" "CAPGUARD_CONTAINER_ID=$2" 2>/dev/null || true)
                if [[ -n $out ]]; then
                        printf '%s\n' "$out"
                        return 0
                fi
                sleep 0.1
        done
        return 1
}

# A process for OBJECT_PID: journald describes it (OBJECT_COMM, ...) when it is alive.
sleep 300 &
object_pid=$!
cleanup_add kill "$object_pid"

run=$$-$RANDOM
admin=$((1 << 21))
docker_default=a82425fb
with_admin=$(printf '%x' $((16#$docker_default | admin)))

# --- a kill, with every container string forged ------------------------------------------------

kill_id=capguard-journal-kill-$run
k8s_ns=$'team-a\nPRIORITY=0'
pod=$'web-0\nCAPGUARD_RULE=forged'
container=$'web\r\e[31mred\x7f'
image=$'registry.test/web:1\nMESSAGE=forged message'
reason2=$'bounding set holds CAP_SYS_ADMIN\nCAPGUARD_ACTION=none'

rc=0
"$SEND_EVENT" --container-id "$kill_id" --runtime containerd --runtime-namespace k8s.io \
        --k8s-namespace "$k8s_ns" --pod "$pod" --container "$container" --image "$image" \
        --pid "$object_pid" --uid 1000 --cap "prm=$with_admin" --cap "eff=$with_admin" --cap "bnd=$with_admin" \
        --excess "eff=$(printf '%x' $admin)" --excess "bnd=$(printf '%x' $admin)" \
        --no-new-privs 0 --seccomp 2 --verdict violation --rule teams-restricted --policy-version 7 \
        --reason "effective set holds CAP_SYS_ADMIN beyond what rule 'teams-restricted' allows" \
        --reason "$reason2" --action killed || rc=$?
is "$rc" 0 "send-event journals a kill"

if j=$(wait_entry "$ID_KILL" "$kill_id"); then
        is "$(wc -l <<<"$j")" 1 "kill: one entry"
        field() { jq -r --arg k "$1" '.[$k] | if type == "string" then . else "not a string: \(tojson)" end' <<<"$j"; }
        is "$(field MESSAGE_ID)" "$ID_KILL" "kill: MESSAGE_ID"
        is "$(field PRIORITY)" 2 "kill: PRIORITY crit, one of them"
        is "$(field SYSLOG_IDENTIFIER)" capguardd "kill: SYSLOG_IDENTIFIER"
        is "$(field MESSAGE)" "Container $kill_id (containerd k8s.io, team-a?PRIORITY=0/web-0?CAPGUARD_RULE=forged/web??[31mred?, image registry.test/web:1?MESSAGE=forged message) violates rule 'teams-restricted': effective set holds CAP_SYS_ADMIN beyond what rule 'teams-restricted' allows (and 1 more); killed" \
                "kill: MESSAGE, one line, control bytes replaced"
        is "$(field CAPGUARD_CONTAINER_ID)" "$kill_id" "kill: CAPGUARD_CONTAINER_ID"
        is "$(field CAPGUARD_RUNTIME)" containerd "kill: CAPGUARD_RUNTIME"
        is "$(field CAPGUARD_RUNTIME_NAMESPACE)" k8s.io "kill: CAPGUARD_RUNTIME_NAMESPACE"
        is "$(field CAPGUARD_K8S_NAMESPACE)" 'team-a?PRIORITY=0' "kill: CAPGUARD_K8S_NAMESPACE, newline replaced"
        is "$(field CAPGUARD_POD)" 'web-0?CAPGUARD_RULE=forged' "kill: CAPGUARD_POD, newline replaced"
        is "$(field CAPGUARD_CONTAINER)" 'web??[31mred?' "kill: CAPGUARD_CONTAINER, CR, ESC and DEL replaced"
        is "$(field CAPGUARD_IMAGE)" 'registry.test/web:1?MESSAGE=forged message' "kill: CAPGUARD_IMAGE"
        is "$(field OBJECT_PID)" "$object_pid" "kill: OBJECT_PID"
        is "$(field OBJECT_COMM)" sleep "kill: journald describes OBJECT_PID (OBJECT_COMM)"
        is "$(field CAPGUARD_RULE)" teams-restricted "kill: CAPGUARD_RULE, once: no forged second one"
        is "$(field CAPGUARD_POLICY_VERSION)" 7 "kill: CAPGUARD_POLICY_VERSION"
        is "$(field CAPGUARD_EXCESS_CAPS)" CAP_SYS_ADMIN "kill: CAPGUARD_EXCESS_CAPS"
        is "$(field CAPGUARD_CAP_EFF)" "00000000$with_admin" "kill: CAPGUARD_CAP_EFF, 16 hex digits"
        is "$(field CAPGUARD_CAP_BND)" "00000000$with_admin" "kill: CAPGUARD_CAP_BND"
        is "$(field CAPGUARD_CAP_PRM)" "00000000$with_admin" "kill: CAPGUARD_CAP_PRM"
        is "$(field CAPGUARD_CAP_INH)" 0000000000000000 "kill: CAPGUARD_CAP_INH"
        is "$(field CAPGUARD_CAP_AMB)" 0000000000000000 "kill: CAPGUARD_CAP_AMB"
        is "$(field CAPGUARD_UID)" 1000 "kill: CAPGUARD_UID"
        is "$(field CAPGUARD_NO_NEW_PRIVS)" 0 "kill: CAPGUARD_NO_NEW_PRIVS"
        is "$(field CAPGUARD_SECCOMP)" 2 "kill: CAPGUARD_SECCOMP"
        is "$(field CAPGUARD_VERDICT)" violation "kill: CAPGUARD_VERDICT"
        is "$(field CAPGUARD_ACTION)" killed "kill: CAPGUARD_ACTION, once: no forged second one"
        is "$(jq -c .CAPGUARD_REASON <<<"$j")" \
                "[\"effective set holds CAP_SYS_ADMIN beyond what rule 'teams-restricted' allows\",\"bounding set holds CAP_SYS_ADMIN?CAPGUARD_ACTION=none\"]" \
                "kill: CAPGUARD_REASON, one field per reason"
        is "$(jq -r 'keys[] | select(startswith("CAPGUARD_"))' <<<"$j" | sort | tr '\n' ' ')" \
                "CAPGUARD_ACTION CAPGUARD_CAP_AMB CAPGUARD_CAP_BND CAPGUARD_CAP_EFF CAPGUARD_CAP_INH CAPGUARD_CAP_PRM CAPGUARD_CONTAINER CAPGUARD_CONTAINER_ID CAPGUARD_EXCESS_CAPS CAPGUARD_IMAGE CAPGUARD_K8S_NAMESPACE CAPGUARD_NO_NEW_PRIVS CAPGUARD_POD CAPGUARD_POLICY_VERSION CAPGUARD_REASON CAPGUARD_RULE CAPGUARD_RUNTIME CAPGUARD_RUNTIME_NAMESPACE CAPGUARD_SECCOMP CAPGUARD_UID CAPGUARD_VERDICT " \
                "kill: exactly capguard's fields, none forged"
        # (journald's own _CMDLINE holds send-event's arguments as they were: not ours)
        is "$(jq '[to_entries[] | select(.key | test("^(CAPGUARD_|MESSAGE|PRIORITY$|SYSLOG_IDENTIFIER$|OBJECT_PID$)"))
                   | .value | if type == "array" then .[] else . end
                   | select(type != "string" or (explode | any(. < 32 or . == 127)))] | length' <<<"$j")" 0 \
                "kill: no value of ours holds a control byte (or is not text)"
        is "$(jq -r 'has("CODE_FILE"), has("CODE_LINE"), has("CODE_FUNC")' <<<"$j" | tr '\n' ' ')" "false false false " \
                "kill: no CODE_FILE/CODE_LINE/CODE_FUNC"
        is "$(jq -r '[.MESSAGE, .PRIORITY, .MESSAGE_ID] | map(type) | join(" ")' <<<"$j")" "string string string" \
                "kill: MESSAGE, PRIORITY, MESSAGE_ID each once"
else
        not_ok "kill: no entry for $kill_id under MESSAGE_ID $ID_KILL"
fi
# Nothing under the forged values either.
is "$(journalctl --no-pager -o json CAPGUARD_RULE=forged 2>/dev/null | wc -l)" 0 "no entry has CAPGUARD_RULE=forged"

# --- a violation, audited; a compliant container; one that could not be judged ----------------

audit_id=capguard-journal-audit-$run
"$SEND_EVENT" --container-id "$audit_id" --runtime docker --runtime-namespace moby --container web \
        --image "$STACK_IMAGE" --pid "$object_pid" --cap "eff=$with_admin" --cap "bnd=$with_admin" \
        --excess "eff=$(printf '%x' $admin)" --no-new-privs 0 --seccomp 2 --verdict violation \
        --rule baseline --policy-version 1 --reason "effective set holds CAP_SYS_ADMIN" --action audit || true
if j=$(wait_entry "$ID_VIOLATION" "$audit_id"); then
        is "$(jq -r .PRIORITY <<<"$j")" 4 "violation: PRIORITY warning"
        is "$(jq -r .CAPGUARD_ACTION <<<"$j")" audit "violation: CAPGUARD_ACTION audit"
        is "$(jq -r .MESSAGE <<<"$j")" \
                "Container $audit_id (docker moby, web, image $STACK_IMAGE) violates rule 'baseline': effective set holds CAP_SYS_ADMIN; audit only, left running" \
                "violation: MESSAGE"
        is "$(jq -r 'has("CAPGUARD_POD"), has("CAPGUARD_K8S_NAMESPACE"), has("CAPGUARD_ACTION_DETAIL")' <<<"$j" | tr '\n' ' ')" \
                "false false false " "violation: no field for what is not known"
else
        not_ok "violation: no entry for $audit_id under MESSAGE_ID $ID_VIOLATION"
fi

ok_id=capguard-journal-ok-$run
"$SEND_EVENT" --container-id "$ok_id" --runtime runc --pid "$object_pid" --uid 1000 \
        --cap eff=20000420 --cap prm=20000420 --cap bnd=20000420 --no-new-privs 1 --seccomp 2 \
        --verdict ok --rule runc-default --policy-version 1 --action none || true
if j=$(wait_entry "$ID_COMPLIANT" "$ok_id"); then
        is "$(jq -r .PRIORITY <<<"$j")" 6 "compliant: PRIORITY info"
        is "$(jq -r .CAPGUARD_VERDICT <<<"$j")" ok "compliant: CAPGUARD_VERDICT ok"
        is "$(jq -r 'has("CAPGUARD_EXCESS_CAPS"), has("CAPGUARD_REASON")' <<<"$j" | tr '\n' ' ')" "false false " \
                "compliant: no excess, no reasons"
        is "$(jq -r '[.CAPGUARD_PID, has("OBJECT_PID"), has("OBJECT_COMM")] | map(tostring) | join(" ")' <<<"$j")" \
                "$object_pid false false" "compliant: the pid in CAPGUARD_PID, so journald does not walk /proc for it"
else
        not_ok "compliant: no entry for $ok_id under MESSAGE_ID $ID_COMPLIANT"
fi

unknown_id=capguard-journal-unknown-$run
"$SEND_EVENT" --container-id "$unknown_id" --runtime runc --verdict unknown --action none \
        --reason "state.json is truncated" || true
if j=$(wait_entry "$ID_UNKNOWN" "$unknown_id"); then
        is "$(jq -r .PRIORITY <<<"$j")" 4 "unknown: PRIORITY warning"
        is "$(jq -r 'has("CAPGUARD_CAP_EFF"), has("OBJECT_PID")' <<<"$j" | tr '\n' ' ')" "false false " \
                "unknown: no sets, no pid when nothing was read"
else
        not_ok "unknown: no entry for $unknown_id under MESSAGE_ID $ID_UNKNOWN"
fi

# --- no journald: the same entry on stderr -----------------------------------------------------

if command -v unshare >/dev/null && unshare -m true 2>/dev/null; then
        # In a mount namespace of its own, an empty /run/systemd/journal: no socket to send to.
        rc=0
        err=$(unshare -m bash -c 'mount -t tmpfs tmpfs /run/systemd/journal && exec "$@"' _ \
                "$SEND_EVENT" --container-id "capguard-journal-nojournald-$run" --runtime docker \
                --pod "$pod" --verdict violation --rule teams-restricted --action killed 2>&1 >/dev/null) || rc=$?
        is "$rc" 2 "without journald: send-event says journald is unreachable (exit 2)"
        check "... and names why" grep -q '^send-event: journald not reachable: ' <<<"$err"
        line=$(grep '^capguardd: ' <<<"$err" || true)
        is "$(grep -c '^capguardd: ' <<<"$err")" 1 "... the entry is one line on stderr"
        check "... with its priority and message" grep -qF "capguardd: crit: Container capguard-journal-nojournald-$run (docker, -/web-0\\nCAPGUARD_RULE=forged/-) violates rule 'teams-restricted'; killed MESSAGE_ID=\"$ID_KILL\"" <<<"$line"
        check "... and its fields, escaped" grep -qF " CAPGUARD_POD=\"web-0\\nCAPGUARD_RULE=forged\" CAPGUARD_RULE=\"teams-restricted\" " <<<"$line"
else
        tap_skip "without journald: the entry goes to stderr" "cannot make a mount namespace here (unshare -m)"
fi

# --- journalctl -x explains the entry ------------------------------------------------------------

catalog_dir=/usr/lib/systemd/catalog
installed=$catalog_dir/capguard.catalog
if [[ -w $catalog_dir ]]; then
        # Only for this test, unless an identical one is installed already; a different one
        # (another capguard's) is put back afterwards.
        if [[ -e $installed ]] && cmp -s "$installed" "$CAPGUARD_SOURCE_ROOT/systemd/capguard.catalog"; then
                :
        else
                # (cleanups run last first: the file goes, then the database is rebuilt)
                cleanup_add journalctl --update-catalog
                if [[ -e $installed ]]; then
                        backup=$(mktemp)
                        cp -p "$installed" "$backup"
                        cleanup_add mv -f "$backup" "$installed"
                else
                        cleanup_add rm -f "$installed"
                fi
                install -m 0644 "$CAPGUARD_SOURCE_ROOT/systemd/capguard.catalog" "$installed"
        fi
        check "journalctl --update-catalog takes capguard.catalog" journalctl --update-catalog
        x=$(journalctl --no-pager -x -o short "MESSAGE_ID=$ID_KILL" "CAPGUARD_CONTAINER_ID=$kill_id" 2>&1 || true)
        check "journalctl -x: the kill's subject, fields substituted" \
                grep -qF "Subject: Container $kill_id breaks capguard kill rule 'teams-restricted': killed" <<<"$x"
        check "journalctl -x: Defined-By: capguard" grep -qF "Defined-By: capguard" <<<"$x"
        check "journalctl -x: what to do" grep -qF "capctl policy test FILE" <<<"$x"
        x=$(journalctl --no-pager -x -o short "MESSAGE_ID=$ID_VIOLATION" "CAPGUARD_CONTAINER_ID=$audit_id" 2>&1 || true)
        check "journalctl -x: the violation's subject" \
                grep -qF "Subject: Container $audit_id violates capguard rule 'baseline'" <<<"$x"
        check "journalctl -x: how to allow a capability in the policy" grep -qF "allow: [NET_ADMIN]" <<<"$x"
else
        tap_skip "journalctl -x explains the entry" "$catalog_dir is not writable"
fi

tap_done
