# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# Minimal TAP for capguard's shell tests (meson runs them with protocol: 'tap').
# Sourced; the caller sets -euo pipefail.

tap_n=0
tap_failed=0

tap_ok() {      # tap_ok DESC
        tap_n=$((tap_n + 1))
        echo "ok $tap_n - $1"
}

tap_not_ok() {  # tap_not_ok DESC [DIAG...]
        tap_n=$((tap_n + 1))
        tap_failed=$((tap_failed + 1))
        echo "not ok $tap_n - $1"
        shift
        local line
        for line in "$@"; do
                printf '# %s\n' "$line"
        done
}

tap_check() {   # tap_check DESC CMD...: ok when CMD succeeds
        local desc=$1
        shift
        if "$@"; then tap_ok "$desc"; else tap_not_ok "$desc" "failed: $*"; fi
}

tap_is() {      # tap_is GOT WANT DESC
        if [[ "$1" == "$2" ]]; then
                tap_ok "$3"
        else
                tap_not_ok "$3" "got:  $1" "want: $2"
        fi
}

tap_diag() {
        printf '# %s\n' "$*"
}

tap_skip_all() { # a test that cannot run says why; under CI that is a failure
        if [[ "${CI:-}" == "true" ]]; then
                echo "Bail out! $*"
                exit 1
        fi
        echo "1..0 # SKIP $*"
        exit 0
}

tap_done() {
        echo "1..$tap_n"
        [[ $tap_failed -eq 0 ]]
}
