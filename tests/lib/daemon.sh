# SPDX-License-Identifier: LGPL-2.1-or-later
# A capguardd for an integration test, in the background. The test sets CAPGUARDD, work (its
# scratch directory, holding policy.yaml), CAPGUARD_DB and CAPGUARD_PID_FILE, and registers
# stop_daemon with cleanup_add.
# shellcheck shell=bash

daemon_pid=""

start_daemon() { # start_daemon [ARGS...]: returns once the first full scan is done
        rm -f "$CAPGUARD_PID_FILE"
        "$CAPGUARDD" --db "$CAPGUARD_DB" --pid-file "$CAPGUARD_PID_FILE" \
                --default-policy "$work/policy.yaml" "$@" >>"$work/daemon.log" 2>&1 &
        daemon_pid=$!
        # ready once it has written its pid file (after the first full scan)
        for _ in $(seq 100); do
                [[ -s $CAPGUARD_PID_FILE ]] && return 0
                kill -0 "$daemon_pid" 2>/dev/null || break
                sleep 0.05
        done
        diag "capguardd did not start:" "$(tail -n 20 "$work/daemon.log")"
        return 1
}

stop_daemon() {
        [[ -n $daemon_pid ]] || return 0
        kill -TERM "$daemon_pid" 2>/dev/null || true
        wait "$daemon_pid" 2>/dev/null || true
        daemon_pid=""
}
