#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# capguardd and bad input: state files that are not JSON, symlinks, huge, or name a pid that is
# gone or not the container's are recorded with the reason and the daemon goes on; a database
# locked by a long query or on a full disk delays the history, never the journal, and loses
# nothing; an inotify queue that overflows costs a rescan, not a container; a journald that
# reads nothing holds up no verdict.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../stack/lib.sh
source "$CAPGUARD_SOURCE_ROOT/tests/stack/lib.sh"

[[ $EUID -eq 0 ]] || tap_skip_all "needs root"
stack_require journald
command -v jq >/dev/null || tap_skip_all "jq is not installed"
command -v sqlite3 >/dev/null || tap_skip_all "sqlite3 is not installed"

CAPGUARDD=${CAPGUARDD:?the capguardd binary}
work=$(mktemp -d)
cleanup_add rm -rf "$work"
root=$work/root
mkdir -p "$root"
export CAPGUARD_DB=$work/capguard.db
tag=$$-$RANDOM

# host processes stand in for containers here: let them all pass
printf 'version: 1\nrules:\n  - name: all\n    match: {}\n    allow: true\n' >"$work/policy.yaml"

"$CAPGUARDD" --db "$CAPGUARD_DB" --pid-file "$work/pid" --default-policy "$work/policy.yaml" \
        --watch "runc:$root" >"$work/daemon.log" 2>&1 &
daemon=$!
cleanup_add kill "$daemon"
for _ in $(seq 100); do [[ -s $work/pid ]] && break; sleep 0.05; done
check "capguardd started" test -s "$work/pid"

start_of() { awk '{ sub(/.*\) /, ""); print $20 }' "/proc/$1/stat"; }

state() { # state ID PID START -> a runc-style state.json on stdout
        jq -cn --arg id "$1" --argjson pid "$2" --argjson start "$3" --arg b "$root/$1" \
                '{id: $id, init_process_pid: $pid, init_process_start: $start,
                  created: "2026-11-28T12:00:00Z", config: {labels: ["bundle=" + $b]}}'
}

put() { # put ID CONTENT: the state file written aside, then renamed in, as runc does
        mkdir -p "$root/$1"
        printf '%s' "$2" >"$root/$1/state.json.tmp"
        mv "$root/$1/state.json.tmp" "$root/$1/state.json"
}

journal_of() { # journal_of ID TRIES -> capguardd's journal entries for the container, once there
        local got=""
        for _ in $(seq "$2"); do
                got=$(journalctl -o json --no-pager "CAPGUARD_CONTAINER_ID=$1" 2>/dev/null || true)
                [[ -n $got ]] && break
                sleep 0.1
        done
        printf '%s' "$got"
}

reason_of() { # reason_of ID -> the verdict and first reason, once recorded
        local got=""
        for _ in $(seq 60); do
                got=$("$CAPCTL" events --json 2>/dev/null |
                        jq -r --arg id "$1" 'select(.container_id == $id) | "\(.verdict): \(.reasons[0] // "")"' || true)
                [[ -n $got ]] && break
                sleep 0.05
        done
        printf '%s\n' "$got"
}

sleep 1000 &
live=$!
cleanup_add kill "$live"

# not JSON
put "garbage-$tag" '{"id": "garbage-'"$tag"'", "init_process_pid": '
check "a truncated state file: unknown, with the reason" grep -q "^unknown: its runtime state .* could not be read" <<<"$(reason_of "garbage-$tag")"

# a symlink where the state file should be
mkdir -p "$root/link-$tag"
state "link-$tag" "$live" "$(start_of "$live")" >"$work/elsewhere.json"
ln -s "$work/elsewhere.json" "$root/link-$tag/state.json"
check "a symlinked state file is not followed" grep -q "^unknown: its runtime state .* could not be read: Too many levels of symbolic links" \
        <<<"$(reason_of "link-$tag")"

# huge
mkdir -p "$root/huge-$tag"
head -c $((5 * 1024 * 1024)) /dev/zero | tr '\0' ' ' >"$root/huge-$tag/state.json.tmp"
mv "$root/huge-$tag/state.json.tmp" "$root/huge-$tag/state.json"
check "a huge state file: unknown, File too large" grep -q "^unknown: .*File too large" <<<"$(reason_of "huge-$tag")"

# a pid that is gone
sleep 1000 &
gone=$!
gone_start=$(start_of "$gone")
kill "$gone"
wait "$gone" 2>/dev/null || true
put "gone-$tag" "$(state "gone-$tag" "$gone" "$gone_start")"
check "a pid that has exited: unknown, with the reason" grep -q "^unknown: its init (pid $gone) exited before it could be judged" \
        <<<"$(reason_of "gone-$tag")"

# a pid that is not the container's: right pid, another start time
put "stale-$tag" "$(state "stale-$tag" "$live" 12345)"
check "a pid that started at another time: not taken for the init" grep -q "^unknown: pid $live is not its init" \
        <<<"$(reason_of "stale-$tag")"

# ... and the daemon goes on: a good one after all that
put "good-$tag" "$(state "good-$tag" "$live" "$(start_of "$live")")"
is "$(reason_of "good-$tag" | cut -d: -f1)" ok "after bad input, the next container is judged"
check "capguardd still runs" kill -0 "$daemon"

# a database locked by a long query: the journal at once, the store once it is free
sleep 1000 &
locked_pid=$!
cleanup_add kill "$locked_pid"
( sqlite3 "$CAPGUARD_DB" <<SQL
.timeout 100
BEGIN EXCLUSIVE;
SELECT 'locked';
.shell sleep 3
COMMIT;
SQL
) >/dev/null 2>&1 &
lock=$!
sleep 0.5
put "locked-$tag" "$(state "locked-$tag" "$locked_pid" "$(start_of "$locked_pid")")"
journal=$(journal_of "locked-$tag" 20)
check "while the database is locked, the verdict reaches the journal" test -n "$journal"
wait "$lock" 2>/dev/null || true
is "$(reason_of "locked-$tag" | cut -d: -f1)" ok "once the lock is gone, the verdict is in the database"
check "the daemon said it kept the verdict" grep -q "keeping them until the store recovers" "$work/daemon.log"

# --- a second daemon for each fault below, on its own root and database ---------------------

start_second() { # start_second NAME DB ROOT: sets second; its STATUS= lines go to $work/NAME.messages
        "$NOTIFY_LISTEN" "$work/$1.notify" 120 >"$work/$1.messages" &
        cleanup_add kill "$!"
        for _ in $(seq 50); do [[ -S $work/$1.notify ]] && break; sleep 0.02; done
        NOTIFY_SOCKET=$work/$1.notify "$CAPGUARDD" --db "$2" --pid-file "$work/$1.pid" --default-policy "$work/policy.yaml" \
                --watch "runc:$3" >"$work/$1.log" 2>&1 &
        second=$!
        cleanup_add kill "$second"
        for _ in $(seq 100); do [[ -s $work/$1.pid ]] && return 0; sleep 0.05; done
        return 1
}

judged_in() { # judged_in DB PREFIX N: until N containers named PREFIX* are judged ok there
        local n
        for _ in $(seq 100); do
                n=$("$CAPCTL" --db "$1" events --json --container "$2" 2>/dev/null | jq -s 'map(select(.verdict == "ok")) | length')
                [[ ${n:-0} -ge $3 ]] && return 0
                sleep 0.1
        done
        diag "only ${n:-0} of $3 containers $2* judged"
        return 1
}

spawn_sleepers() { # spawn_sleepers N: N host processes, their pids in sleepers[]
        sleepers=()
        for ((i = 0; i < $1; i++)); do
                sleep 1000 &
                sleepers+=($!)
                cleanup_add kill "$!"
        done
}

put_in() { # put_in ROOT ID PID: a state file under ROOT, renamed in as runc does
        mkdir -p "$1/$2"
        jq -cn --arg id "$2" --argjson pid "$3" --argjson start "$(start_of "$3")" --arg b "$1/$2" \
                '{id: $id, init_process_pid: $pid, init_process_start: $start,
                  created: "2026-11-28T12:00:00Z", config: {labels: ["bundle=" + $b]}}' >"$1/$2/state.json.tmp"
        mv "$1/$2/state.json.tmp" "$1/$2/state.json"
}

# an inotify queue that overflows: the kernel drops events and says so; the daemon rescans
queued=/proc/sys/fs/inotify/max_queued_events
old_queued=$(cat "$queued")
cleanup_add sh -c "echo $old_queued >$queued"
echo 8 >"$queued"  # read when the daemon creates its inotify instance
mkdir -p "$work/root-overflow"
start_second overflow "$work/overflow.db" "$work/root-overflow" || bail_out "capguardd (overflow) did not start"
echo "$old_queued" >"$queued"
spawn_sleepers 30
kill -STOP "$second"
for ((i = 0; i < 30; i++)); do
        put_in "$work/root-overflow" "ovf$i-$tag" "${sleepers[i]}"
done
kill -CONT "$second"
check "inotify overflow: every container is judged all the same" judged_in "$work/overflow.db" "ovf" 30
check "inotify overflow: the daemon rescanned" grep -q "inotify queue overflowed, rescanning every root" "$work/overflow.log"
check "inotify overflow: capguardd still runs" kill -0 "$second"
kill "$second"

# a journald that reads nothing: its socket takes net.unix.max_dgram_qlen entries at most, and
# a loop that waited for it would judge no container past those until it read again. With the
# socket full, enough containers that capguardd's own queue fills too: the oldest entries go,
# and STATUS= says how many.
journald_pid=$(pidof systemd-journald | awk '{ print $1 }')
if [[ -n $journald_pid ]]; then
        mkdir -p "$work/root-stuck"
        start_second stuck "$work/stuck.db" "$work/root-stuck" || bail_out "capguardd (stuck) did not start"
        queue_max=256 # JOURNAL_QUEUE_MAX
        n=$((queue_max + 30))
        spawn_sleepers "$n"
        cleanup_add kill -CONT "$journald_pid"
        kill -STOP "$journald_pid"
        # its socket full before the first verdict: every entry of capguardd's has to wait
        filled=$("$SEND_EVENT" --container-id "capguard-filler-$$" --runtime runc --fill 2>&1) ||
                diag "send-event --fill: $filled"
        for ((i = 0; i < n; i++)); do
                put_in "$work/root-stuck" "stuck$i-$tag" "${sleepers[i]}"
        done
        ok=0
        judged_in "$work/stuck.db" "stuck" "$n" && ok=1
        sleep 1.5 # STATUS= at most once a second
        kill -CONT "$journald_pid"
        check "journald stopped: every container is judged meanwhile" test "$ok" -eq 1
        dropped=$(sed -n 's/^STATUS=.*; \([0-9]*\) journal entries dropped.*/\1/p' "$work/stuck.messages" | tail -n 1)
        # the queue holds 256: the rest go
        least=$((n - queue_max))
        check "journald stopped: STATUS= says ${dropped:-no} journal entries were dropped (at least $least)" \
                test "${dropped:-0}" -ge "$least"
        check "journald stopped: the daemon said it drops entries" grep -q "dropping the oldest of those waiting" "$work/stuck.log"
        journal=$(journal_of "stuck$((n - 1))-$tag" 50)
        check "journald reading again: the last entry reaches the journal" test -n "$journal"
        check "journald stopped: capguardd still runs" kill -0 "$second"
        kill "$second"
        kill "${sleepers[@]}" 2>/dev/null || true
else
        not_ok "journald stopped: no systemd-journald to stop"
fi

# a full disk: the journal at once, the store once there is room again
if mountpoint -q /proc && mkdir -p "$work/full" && mount -t tmpfs -o size=1m tmpfs "$work/full" 2>/dev/null; then
        cleanup_add umount -l "$work/full"
        mkdir -p "$work/root-full"
        start_second full "$work/full/capguard.db" "$work/root-full" || bail_out "capguardd (full) did not start"
        dd if=/dev/zero of="$work/full/filler" bs=4k 2>/dev/null || true  # until ENOSPC
        spawn_sleepers 40
        for ((i = 0; i < 40; i++)); do
                put_in "$work/root-full" "full$i-$tag" "${sleepers[i]}"
        done
        journal=$(journal_of "full39-$tag" 50)
        check "a full disk: the verdicts reach the journal" test -n "$journal"
        for _ in $(seq 50); do
                grep -q "keeping them until the store recovers" "$work/full.log" && break
                sleep 0.1
        done
        check "a full disk: the daemon says it keeps the verdicts" grep -q "keeping them until the store recovers" "$work/full.log"
        check "a full disk: capguardd still runs" kill -0 "$second"
        rm -f "$work/full/filler"
        check "room again: every verdict is written, none lost" judged_in "$work/full/capguard.db" "full" 40
        check "room again: the daemon says so" grep -q "The store is back" "$work/full.log"
        sleep 1.5 # STATUS= at most once a second
        check "a full disk: STATUS= said verdicts wait for the store" grep -q "^STATUS=.*store unavailable" "$work/full.messages"
        last_status=$(grep "^STATUS=" "$work/full.messages" | tail -n 1)
        check "room again: STATUS= no longer says so ($last_status)" bash -c '! grep -q "store unavailable" <<<"$1"' _ "$last_status"
        kill "$second"
else
        not_ok "a full disk: cannot mount a small tmpfs to fill"
fi

tap_done
