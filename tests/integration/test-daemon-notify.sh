#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# capguardd speaks systemd's notify protocol: READY=1 after the first scan, STATUS= with counts,
# WATCHDOG=1 when WatchdogSec= asks for it, RELOADING=1/READY=1 on SIGHUP, STOPPING=1 on
# SIGTERM. A listener on a datagram socket stands in for systemd.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/tap.sh
source "$CAPGUARD_SOURCE_ROOT/tests/lib/tap.sh"

[[ $EUID -eq 0 ]] || tap_skip_all "needs root"
CAPGUARDD=${CAPGUARDD:?the capguardd binary}
NOTIFY_LISTEN=${NOTIFY_LISTEN:?the notify-listen helper}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/root"
printf 'version: 1\nrules:\n  - name: all\n    match: {}\n    allow: true\n' >"$work/policy.yaml"

"$NOTIFY_LISTEN" "$work/notify" 4 >"$work/messages" &
listener=$!
for _ in $(seq 50); do [[ -S $work/notify ]] && break; sleep 0.02; done

# the watchdog every 200 ms: sd-event pings at half that
NOTIFY_SOCKET=$work/notify WATCHDOG_USEC=200000 "$CAPGUARDD" --db "$work/db" --pid-file "$work/pid" \
        --default-policy "$work/policy.yaml" --watch "runc:$work/root" >"$work/log" 2>&1 &
daemon=$!
for _ in $(seq 100); do [[ -s $work/pid ]] && break; sleep 0.02; done
# a container judged within a second of the last STATUS= (READY's): its count must not wait
# for the next container, which may never come
sleep 1000 &
sleeper=$!
start=$(awk '{ sub(/.*\) /, ""); print $20 }' "/proc/$sleeper/stat")
mkdir -p "$work/root/c1"
printf '{"id":"c1","init_process_pid":%d,"init_process_start":%s,"created":"2026-11-28T12:00:00Z","config":{}}' \
        "$sleeper" "$start" >"$work/root/c1/state.json.tmp"
mv "$work/root/c1/state.json.tmp" "$work/root/c1/state.json"
sleep 2
kill -HUP "$daemon"
sleep 0.5
kill -TERM "$daemon"
wait "$daemon" && rc=0 || rc=$?
kill "$sleeper"
wait "$listener" || true

is "$rc" 0 "capguardd exits 0 on SIGTERM"
check "READY=1 after the first scan" grep -q "READY=1" "$work/messages"
check "STATUS= with the policy and counts" grep -Eq "STATUS=Policy version 1; [0-9]+ containers live; [0-9]+ verdicts" "$work/messages"
is "$(awk '/^RELOADING=1/ { exit } /^STATUS=.* 1 verdicts/ { print "sent"; exit }' "$work/messages")" sent \
        "STATUS= counts a verdict within a second of the last one, unasked"
watchdogs=$(grep -c "WATCHDOG=1" "$work/messages" || true)
check "WATCHDOG=1 pings while running ($watchdogs)" test "$watchdogs" -ge 3
check "RELOADING=1 on SIGHUP" grep -q "RELOADING=1" "$work/messages"
is "$(awk '/RELOADING=1/ { r = 1; next } r && /^READY=1$/ { print "ready"; exit }' "$work/messages")" ready \
        "READY=1 again after the reload"
check "STOPPING=1 on SIGTERM" grep -q "STOPPING=1" "$work/messages"
is "$(tail -n 1 "$work/messages" | grep -c STOPPING=1)" 1 "STOPPING=1 is the last word"

tap_done
