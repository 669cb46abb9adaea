# shellcheck shell=bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# tests/lib/tap.sh - TAP for capguard's bash tests (meson runs them with protocol TAP).
# Sourced. Every assertion returns 0 (a failure is a "not ok" line and tap_done's status),
# so tests can run under `set -euo pipefail`. A test that cannot run here says why with
# tap_skip_all; under CI=true that fails instead.
# ---------------------------------------------------------------------------
# TAP
# ---------------------------------------------------------------------------

_tap_n=0
_tap_failed=0
_tap_plan=""

_tap_ci() { [[ ${CI:-} == true ]]; }

tap_plan() {
	_tap_plan=$1
	printf '1..%s\n' "$1"
}

# tap_done: print the plan if none was given up front; returns 1 if a test failed.
tap_done() {
	[[ -n $_tap_plan ]] || printf '1..%s\n' "$_tap_n"
	if [[ -n $_tap_plan && $_tap_plan != "$_tap_n" ]]; then
		diag "planned $_tap_plan tests, ran $_tap_n"
		return 1
	fi
	((_tap_failed == 0))
}

diag() {
	local line
	while IFS= read -r line; do
		printf '# %s\n' "$line"
	done <<<"$*"
}

ok() {
	_tap_n=$((_tap_n + 1))
	printf 'ok %d - %s\n' "$_tap_n" "$*"
}

not_ok() {
	_tap_n=$((_tap_n + 1))
	_tap_failed=$((_tap_failed + 1))
	printf 'not ok %d - %s\n' "$_tap_n" "$*"
}

# is GOT WANT DESC
is() {
	if [[ $1 == "$2" ]]; then
		ok "$3"
	else
		not_ok "$3"
		printf '#   got:  %s\n#   want: %s\n' "'$1'" "'$2'"
	fi
}

# check DESC CMD...: ok if CMD succeeds.
check() {
	local desc=$1
	shift
	# what the command prints is no TAP: stdout is the protocol's
	if "$@" >&2; then ok "$desc"; else not_ok "$desc"; diag "  failed: $*"; fi
}

# tap_skip DESC REASON: one skipped test (a failure under CI=true).
tap_skip() {
	if _tap_ci; then
		not_ok "$1"
		diag "  CI=true, cannot skip: $2"
		return 0
	fi
	_tap_n=$((_tap_n + 1))
	printf 'ok %d - %s # SKIP %s\n' "$_tap_n" "$1" "$2"
}

bail_out() {
	printf 'Bail out! %s\n' "$*"
	exit 1
}

# tap_skip_all REASON: the whole file cannot run here. Call before any test output.
tap_skip_all() {
	if _tap_ci; then
		bail_out "$* (CI=true: a test that cannot run fails)"
	fi
	if ((_tap_n > 0)) || [[ -n $_tap_plan ]]; then
		bail_out "$* (tap_skip_all after tests had run)"
	fi
	printf '1..0 # SKIP %s\n' "$*"
	exit 0
}

