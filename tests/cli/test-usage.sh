#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Bad input: one line on stderr naming the bad token, exit 2, nothing on stdout.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/tap.sh
source "$CAPGUARD_SOURCE_ROOT/tests/lib/tap.sh"

expect_error() { # expect_error TOKEN ARGS...
        local token=$1 out err rc=0
        shift
        out=$(mktemp) err=$(mktemp)
        "$CAPCTL" "$@" >"$out" 2>"$err" || rc=$?
        if [[ $rc -eq 2 && ! -s $out && $(wc -l <"$err") -eq 1 ]] && grep -qF -- "$token" "$err"; then
                ok "capctl $* -> exit 2 naming '$token'"
        else
                not_ok "capctl $* -> exit 2 naming '$token'"
                diag "exit $rc" "stdout: $(head -c 200 "$out")" "stderr: $(head -c 400 "$err")"
        fi
        rm -f "$out" "$err"
}

expect_error "NOT_A_CAP" decode NOT_A_CAP
expect_error "BOGUS" decode NET_RAW,BOGUS
expect_error "BOGUS" decode 0xa80425fb NET_RAW,BOGUS      # nothing printed for the good one either
expect_error "0x1ffffffffffffffff" decode 0x1ffffffffffffffff
expect_error "0xZZ" decode 0xZZ
expect_error "--frobnicate" decode --frobnicate 0
expect_error "--json=yes" decode --json=yes 0
expect_error "-q" decode -q 0
expect_error "no mask" decode
expect_error "--frobnicate" scan --frobnicate
expect_error "extra" scan extra
expect_error "--nope" --nope scan
expect_error "bogusverb" bogusverb

# help and version go to stdout and succeed
prints() { # prints PATTERN ARGS...: capctl ARGS exits 0 and its stdout matches PATTERN
        local pattern=$1
        shift
        "$CAPCTL" "$@" 2>/dev/null | grep -Eq -- "$pattern"
}
check "capctl --help" prints "^Verbs:" --help
check "capctl decode --help" prints "^Usage: capctl decode" decode --help
check "capctl scan --help" prints "^Usage: capctl scan" scan --help
check "capctl --version" prints "^capctl [0-9]+\.[0-9]+" --version

tap_done
