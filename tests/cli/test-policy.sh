#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# capctl policy validate/load/list/show against a scratch database.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/tap.sh
source "$CAPGUARD_SOURCE_ROOT/tests/lib/tap.sh"

command -v jq >/dev/null || tap_skip_all "jq is not installed"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export CAPGUARD_DB=$tmp/state/capguard.db
policies=$CAPGUARD_SOURCE_ROOT/policies
bad=$FIXTURES_DIR/policy

run() { # run ARGS...: sets out, err, rc
        rc=0
        "$CAPCTL" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
        out=$(cat "$tmp/out") err=$(cat "$tmp/err")
}

# validate: the shipped policies are valid
run policy validate "$policies"/*.yaml
is "$rc" 0 "the shipped policies validate"
is "$(grep -c ': valid, version 1, ' <<<"$out")" "$(find "$policies" -name '*.yaml' | wc -l)" "one line per file"

# validate: an error names FILE:LINE:COLUMN, exit 2, nothing on stdout for it
run policy validate "$bad/bad-unknown-capability.yaml"
is "$rc" 2 "an invalid policy exits 2"
check "the error is FILE:LINE:COLUMN: message" grep -Eq "^$bad/bad-unknown-capability.yaml:[0-9]+:[0-9]+: .*" <<<"$err"
is "$out" "" "nothing on stdout"

run policy validate "$bad/bad-missing-version.yaml"
check "a whole-file fault is FILE: message" grep -Eq "^$bad/bad-missing-version.yaml: [^0-9]" <<<"$err"

run policy validate "$policies/default.yaml" "$bad/bad-syntax.yaml"
is "$rc" 2 "one bad file among good ones fails the run"
check "the good one is still reported" grep -q "default.yaml: valid" <<<"$out"

run policy validate "$tmp/missing.yaml"
is "$rc" 2 "a missing file exits 2"
check "and says so" grep -q "missing.yaml" <<<"$err"

run policy validate -x "$policies/default.yaml"
is "$rc" 2 "an unknown option is not taken for a file"

# load: creates the database, prints the version
run policy load "$policies/default.yaml"
is "$rc" 0 "load the default policy"
check "says version 1" grep -q "loaded as policy version 1" <<<"$out"
check "the database exists" test -f "$CAPGUARD_DB"

run policy load "$policies/default.yaml"
check "loading it again adds no version" grep -q "already the active policy, version 1" <<<"$out"

# a refused file leaves the active policy as it was
run policy load "$bad/bad-unknown-capability.yaml"
is "$rc" 2 "loading an invalid policy fails"
run policy show
is "$out" "$(cat "$policies/default.yaml")" "the active policy is unchanged, text for text"

run policy load "$policies/pss-baseline.yaml"
check "a second policy is version 2" grep -q "loaded as policy version 2" <<<"$out"

run policy list --json
is "$(jq -r 'select(.active) | .version' <<<"$out")" 2 "list: version 2 is active"
is "$(jq -r '.version' <<<"$out" | tr '\n' ' ')" "1 2 " "list: every version, oldest first"
is "$(jq -r 'select(.version == 1) | .source' <<<"$out")" "$(realpath "$policies/default.yaml")" "list: the source file"
is "$(jq -r 'select(.version == 2) | .digest' <<<"$out")" "$(sha256sum <"$policies/pss-baseline.yaml" | cut -d' ' -f1)" \
        "list: the digest is the file's sha256"

run policy list
check "list table marks the active version" grep -Eq '^ +2 +[0-9T:-]+Z +active' <<<"$out"

run policy show --version 1
is "$out" "$(cat "$policies/default.yaml")" "show --version 1"
run policy show --version 7
is "$rc" 2 "show of a missing version exits 2"
run policy show --version abc
is "$rc" 2 "show --version abc exits 2"
check "naming the bad token" grep -q "'abc'" <<<"$err"

# what a database that is not ours, or too new, looks like to an operator
run --db "$tmp/nothing.db" policy list
is "$rc" 2 "no database: exit 2"
check "and what to do" grep -q "no database at $tmp/nothing.db" <<<"$err"

sqlite3 "$tmp/new.db" "CREATE TABLE t (x); PRAGMA user_version = 999;"
run --db "$tmp/new.db" policy list
check "a newer schema is named as such" grep -q "newer capguard" <<<"$err"

run policy frobnicate
is "$rc" 2 "unknown subcommand exits 2"
check "naming it" grep -q "'frobnicate'" <<<"$err"

tap_done
