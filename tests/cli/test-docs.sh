#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The docs against the code, both ways. What `capctl --help`, `capctl VERB --help` and
# `capguardd --help` print is the truth:
#   - every verb has a subsection in capctl(1) and is offered by the bash completion, and every
#     verb capctl(1) or the completion has is one capctl knows;
#   - every long option is in capctl(1) (its verb's subsection, FILTERS, or the introduction
#     of VERBS for those all verbs take) or capguardd(8), and is offered by the completion;
#     every option those document or offer is one the code prints;
#   - the completion script parses, and completes verbs, options and their values, asking
#     capctl for container ids, rule names and capabilities with the --db of the command line.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/tap.sh
source "$CAPGUARD_SOURCE_ROOT/tests/lib/tap.sh"

man1=$CAPGUARD_SOURCE_ROOT/man/capctl.1
man8=$CAPGUARD_SOURCE_ROOT/man/capguardd.8
completion=$CAPGUARD_SOURCE_ROOT/shell-completion/bash/capctl

for f in "$man1" "$man8" "$completion"; do
        [[ -f $f ]] || bail_out "$f does not exist"
done
[[ -x ${CAPCTL:-} ]] || bail_out "CAPCTL does not name the capctl binary"
[[ -x ${CAPGUARDD:-} ]] || bail_out "CAPGUARDD does not name the capguardd binary"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Nothing here may read the node's database or signal its daemon.
export CAPGUARD_DB=$tmp/none.db
export CAPGUARD_PID_FILE=$tmp/none.pid

# ---------------------------------------------------------------------------
# Reading help texts and man pages
# ---------------------------------------------------------------------------

# help_options: the long options of a --help text on stdin: those the usage lines name, and
# the first of each option line ("  --db PATH  ...", "  -h --help  ..."); not those that
# descriptions mention.
help_options() {
        grep -E -- '^Usage:|^ +(capctl|capguardd) |^  (-[a-zA-Z] )?--[a-z]' |
                sed -E 's/^  ((-[a-zA-Z] )?--[a-z][a-z0-9-]*).*/\1/' |
                grep -oE -- '--[a-z][a-z0-9-]*' | sort -u || true
}

# roff_plain FILE: the roff source with the escapes of dashes, fonts and quotes undone, so
# that "\-\-since" reads "--since".
roff_plain() {
        sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\&//g' -e 's/\\c$//' \
                -e 's/\\(aq/'"'"'/g' -e 's/\\(dq/"/g' -e 's/\\e/\\/g' "$1"
}

# section NAME: the lines of .SH NAME in $page, up to the next .SH.
section() {
        awk -v want="$1" '/^\.SH / { name = substr($0, 5); gsub(/"/, "", name); f = (name == want); next } f' <<<"$page"
}

# subsection NAME: the lines of .SS NAME ("NAME" or "capctl NAME ...") in $page, up to the
# next .SS or .SH.
subsection() {
        awk -v want="$1" '
                /^\.S[HS] / {
                        name = substr($0, 5); gsub(/"/, "", name); sub(/^capctl /, "", name); sub(/ .*/, "", name)
                        f = ($1 == ".SS" && name == want); next
                }
                f' <<<"$page"
}

# subsection_names: the names of the .SS of section VERBS.
subsection_names() {
        section VERBS | awk '/^\.SS / { name = substr($0, 5); gsub(/"/, "", name); sub(/^capctl /, "", name); sub(/ .*/, "", name); print name }'
}

# verbs_intro: section VERBS before its first .SS: what all verbs share.
verbs_intro() {
        section VERBS | awk '/^\.SS / { f = 1 } !f'
}

# documented_options [--synopsis]: the options that the roff on stdin lists in .TP tags, and
# with --synopsis in the lines before its first .PP (a verb's synopsis); not those its prose
# mentions.
documented_options() {
        awk -v syn="$([[ ${1-} == --synopsis ]] && echo 1 || echo 0)" \
                '/^\.PP/ { syn = 0 } syn || prev == ".TP" { print } { prev = $1 }' |
                grep -oE -- '--[a-z][a-z0-9-]*' | sort -u || true
}

# mentions OPTION: whether stdin names OPTION as a whole word.
mentions() {
        grep -qE -- "(^|[^[:alnum:]-])$1([^[:alnum:]-]|\$)"
}

# in_list WORD LIST: whether WORD is one of the lines of LIST.
in_list() {
        [[ $'\n'$2$'\n' == *$'\n'"$1"$'\n'* ]]
}

# ---------------------------------------------------------------------------
# The completion
# ---------------------------------------------------------------------------

if bash -n "$completion" 2>"$tmp/err"; then
        ok "the completion script parses (bash -n)"
else
        not_ok "the completion script parses (bash -n)"
        diag "$(cat "$tmp/err")"
fi
# shellcheck source-path=SCRIPTDIR source=../../shell-completion/bash/capctl
if source "$completion" 2>"$tmp/err" && declare -F _capctl >/dev/null && complete -p capctl >/dev/null 2>&1; then
        ok "sourcing the completion script defines _capctl and registers it for capctl"
else
        not_ok "sourcing the completion script defines _capctl and registers it for capctl"
        diag "$(cat "$tmp/err")"
        tap_done || true
        exit 1
fi

# completions WORD...: what the completion offers for the command line WORD... (split as bash
# splits it, "=" a word of its own), the cursor at the end of the last word; sorted, one per line.
# The command is $CAPCTL, so that the completion asks the capctl under test.
completions() {
        (
                set +euo pipefail
                COMP_WORDS=("$CAPCTL" "$@")
                COMP_CWORD=$#
                COMP_LINE="${COMP_WORDS[*]}"
                COMP_POINT=${#COMP_LINE}
                COMPREPLY=()
                _capctl capctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}" >/dev/null 2>&1
                ((${#COMPREPLY[@]} == 0)) || printf '%s\n' "${COMPREPLY[@]}" | sort
        )
}

# completes DESC WANT WORD...: the completion of WORD... is exactly the lines of WANT.
completes() {
        local desc=$1 want=$2
        shift 2
        [[ -z $want ]] || want=$(printf '%s\n' "$want" | sort | tr '\n' ' ')
        is "$(completions "$@" | tr '\n' ' ')" "$want" "$desc"
}

completes "capctl vio<TAB> completes to violations" "violations" vio
completes "capctl events --act<TAB> completes to --action" "--action" events --act
completes "capctl events --action k<TAB> offers killed and kill-failed" $'killed\nkill-failed' events --action k
completes "capctl events --action=k<TAB> offers killed and kill-failed" $'killed\nkill-failed' events --action = k
completes "capctl events --verdict v<TAB> completes to violation" "violation" events --verdict v
completes "capctl policy r<TAB> completes to rules" "rules" policy r
completes "capctl events --cap net_ra<TAB> completes to NET_RAW" "NET_RAW" events --cap net_ra
completes "capctl events --cap CAP_NET_RA<TAB> completes to CAP_NET_RAW" "CAP_NET_RAW" events --cap CAP_NET_RA
completes "capctl decode NET_RAW,sys_adm<TAB> completes the last name" "NET_RAW,SYS_ADMIN" decode NET_RAW,sys_adm

# the values of --action and --verdict are those the code's help names
for opt in action verdict; do
        want=$("$CAPCTL" events --help | sed -nE "s/^  --$opt [A-Z]+ +//p" | sed -E 's/,? or /, /; s/, /\n/g')
        if [[ -z $want ]]; then
                not_ok "capctl events --$opt <TAB> offers the values 'capctl events --help' names"
                diag "'capctl events --help' has no line '  --$opt X  a, b or c' to read them from"
                continue
        fi
        completes "capctl events --$opt <TAB> offers the values 'capctl events --help' names" "$want" events --"$opt" ""
done

# Container ids and rule names come from the database named on the command line, not from
# $CAPGUARD_DB.
if [[ -x ${FILL_EVENTS:-} ]]; then
        db=$tmp/completion.db
        "$FILL_EVENTS" --db "$db" --count 3
        "$CAPCTL" --db "$db" policy load "$CAPGUARD_SOURCE_ROOT/policies/default.yaml" >/dev/null 2>&1 ||
                bail_out "cannot load policies/default.yaml into $db"
        ids=$("$CAPCTL" --db "$db" containers --all --quiet | sort)
        rules=$("$CAPCTL" --db "$db" policy rules | sort)
        check "the scratch database has containers and rules" test -n "$ids" -a -n "$rules"
        completes "capctl --db DB events --container <TAB> offers DB's container ids" "$ids" --db "$db" events --container ""
        completes "capctl --db=DB explain 01<TAB> completes DB's container id" "$(grep '^01' <<<"$ids")" --db = "$db" explain 01
        completes "capctl --db DB violations --rule <TAB> offers DB's rule names" "$rules" --db "$db" violations --rule ""
        completes "capctl events --container <TAB> without --db asks \$CAPGUARD_DB (none here)" "" events --container ""
else
        tap_skip "container ids and rule names from the command line's --db" "FILL_EVENTS does not name the fill-events helper"
fi

# ---------------------------------------------------------------------------
# capctl: verbs
# ---------------------------------------------------------------------------

page=$(roff_plain "$man1")
top_help=$("$CAPCTL" --help)
verbs=$(awk '/^Verbs:/ { f = 1; next } f && /^$/ { exit } f { print $1 }' <<<"$top_help")
[[ -n $verbs ]] || bail_out "'capctl --help' lists no verbs under 'Verbs:'"
man_verbs=$(subsection_names)
offered_verbs=$(completions "")

for verb in $verbs; do
        if in_list "$verb" "$man_verbs"; then
                ok "capctl.1 has a subsection for verb '$verb'"
        else
                not_ok "capctl.1 has a subsection for verb '$verb'"
                diag "'capctl --help' lists verb '$verb', but section VERBS of capctl.1 has no '.SS $verb'"
        fi
        if in_list "$verb" "$offered_verbs" && grep -qw -- "$verb" "$completion"; then
                ok "the completion offers verb '$verb'"
        else
                not_ok "the completion offers verb '$verb'"
                diag "'capctl --help' lists verb '$verb', but 'capctl <TAB>' does not offer it (add it to __capctl_verbs)"
        fi
done
for verb in $man_verbs; do
        in_list "$verb" "$verbs" && continue
        not_ok "capctl.1 documents verb '$verb', which capctl has"
        diag "capctl.1 has '.SS $verb' in VERBS, but 'capctl --help' does not list verb '$verb': missing in cli/capctl.c?"
done
for verb in $offered_verbs; do
        in_list "$verb" "$verbs" && continue
        [[ $verb == help ]] && continue         # capctl help: the same as --help
        not_ok "the completion offers verb '$verb', which capctl has"
        diag "'capctl <TAB>' offers verb '$verb', but 'capctl --help' does not list it: missing in cli/capctl.c?"
done

# ---------------------------------------------------------------------------
# capctl: options
# ---------------------------------------------------------------------------

# global options: before "Verbs:" in capctl --help
global_opts=$(sed '/^Verbs:/q' <<<"$top_help" | help_options)
global_doc=$(section "GLOBAL OPTIONS" | documented_options)
global_offered=$(completions --)
for opt in $global_opts; do
        if in_list "$opt" "$global_doc"; then
                ok "capctl.1 documents global option $opt"
        else
                not_ok "capctl.1 documents global option $opt"
                diag "'capctl --help' prints $opt, but section GLOBAL OPTIONS of capctl.1 does not list it"
        fi
        check "the completion offers global option $opt" in_list "$opt" "$global_offered"
done
for opt in $global_doc; do
        in_list "$opt" "$global_opts" && continue
        not_ok "capctl.1's global option $opt is one capctl has"
        diag "GLOBAL OPTIONS of capctl.1 lists $opt, but 'capctl --help' does not print it: missing in cli/capctl.c?"
done

filters=$(section FILTERS | documented_options)
intro=$(verbs_intro)
events_opts=""

for verb in $verbs; do
        rc=0
        "$CAPCTL" "$verb" --help >"$tmp/help" 2>"$tmp/err" || rc=$?
        if ((rc != 0)); then
                not_ok "capctl $verb --help succeeds"
                diag "exit $rc: $(head -c 300 "$tmp/err")"
                continue
        fi
        # the verb's own help and its line in capctl --help
        opts=$({ help_options <"$tmp/help"; awk -v v="$verb" '/^Verbs:/ { f = 1; next } f && $1 == v' <<<"$top_help" |
                grep -oE -- '--[a-z][a-z0-9-]*'; } | sort -u || true)
        [[ $verb == events ]] && events_opts=$opts
        sub=$(subsection "$verb")
        documented=$(documented_options --synopsis <<<"$sub")
        has_filters=false
        grep -q FILTERS <<<"$sub" && has_filters=true

        # code -> man page: listed in the verb's synopsis or option tags, or in those of FILTERS
        # when the verb refers to them, or named by the introduction (--help)
        for opt in $opts; do
                if in_list "$opt" "$documented" || { $has_filters && in_list "$opt" "$filters"; } ||
                        mentions "$opt" <<<"$intro"; then
                        ok "capctl.1 documents 'capctl $verb $opt'"
                else
                        not_ok "capctl.1 documents 'capctl $verb $opt'"
                        diag "'capctl $verb --help' prints $opt, but capctl.1 lists it neither in the '$verb' subsection of VERBS (synopsis or option list)$($has_filters && echo ", nor in FILTERS"), nor in the introduction of VERBS"
                fi
        done
        # man page -> code
        for opt in $documented; do
                in_list "$opt" "$opts" && continue
                not_ok "capctl.1's 'capctl $verb $opt' is an option capctl has"
                diag "capctl.1 lists $opt for '$verb', but 'capctl $verb --help' does not print it: missing in the code?"
        done

        # code <-> completion; policy's options belong to its subcommands, below
        [[ $verb == policy ]] && continue
        offered=$(completions "$verb" --)
        for opt in $opts; do
                if in_list "$opt" "$offered"; then
                        ok "the completion offers 'capctl $verb $opt'"
                else
                        not_ok "the completion offers 'capctl $verb $opt'"
                        diag "'capctl $verb --help' prints $opt, but 'capctl $verb --<TAB>' does not offer it (__capctl_options[$verb])"
                fi
        done
        for opt in $offered; do
                in_list "$opt" "$opts" && continue
                not_ok "the completion's 'capctl $verb $opt' is an option capctl has"
                diag "'capctl $verb --<TAB>' offers $opt, but 'capctl $verb --help' does not print it"
        done
done

# FILTERS lists what events takes (all of them, --verdict too)
for opt in $filters; do
        if in_list "$opt" "$events_opts"; then
                ok "capctl.1's filter $opt is one 'capctl events' has"
        else
                not_ok "capctl.1's filter $opt is one 'capctl events' has"
                diag "FILTERS of capctl.1 lists $opt, but 'capctl events --help' does not print it: missing in cli/filters.h?"
        fi
done

# policy subcommands, from the usage lines of capctl policy --help: "capctl policy SUB [...]"
policy_help=$("$CAPCTL" policy --help)
policy_doc=$(subsection policy)
policy_offered=$(completions policy "")
subs=$(sed -nE 's/^(Usage:)? *capctl policy ([a-z]+).*/\2/p' <<<"$policy_help")
[[ -n $subs ]] || not_ok "'capctl policy --help' names its subcommands in usage lines"
for sub in $subs; do
        if grep -qE "^\.B[IR]? $sub( |\$)" <<<"$policy_doc"; then
                ok "capctl.1 documents 'capctl policy $sub'"
        else
                not_ok "capctl.1 documents 'capctl policy $sub'"
                diag "'capctl policy --help' has subcommand '$sub', but the 'policy' subsection of capctl.1 has no tag for it"
        fi
        check "the completion offers 'capctl policy $sub'" in_list "$sub" "$policy_offered"
        sub_opts=$(grep -E "^(Usage:)? *capctl policy $sub( |\$)" <<<"$policy_help" | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u || true)
        offered=$(completions policy "$sub" --)
        for opt in $sub_opts; do
                if in_list "$opt" "$offered"; then
                        ok "the completion offers 'capctl policy $sub $opt'"
                else
                        not_ok "the completion offers 'capctl policy $sub $opt'"
                        diag "'capctl policy --help' prints '$sub ... $opt', but 'capctl policy $sub --<TAB>' does not offer it"
                fi
        done
        for opt in $offered; do
                [[ $opt == --help ]] && continue
                in_list "$opt" "$sub_opts" && continue
                not_ok "the completion's 'capctl policy $sub $opt' is an option capctl has"
                diag "'capctl policy $sub --<TAB>' offers $opt, but 'capctl policy --help' does not print it for '$sub'"
        done
done
for sub in $policy_offered; do
        in_list "$sub" "$subs" && continue
        not_ok "the completion's 'capctl policy $sub' is a subcommand capctl has"
        diag "'capctl policy <TAB>' offers '$sub', but 'capctl policy --help' does not name it"
done

# ---------------------------------------------------------------------------
# capguardd
# ---------------------------------------------------------------------------

page=$(roff_plain "$man8")
daemon_opts=$("$CAPGUARDD" --help | help_options)
[[ -n $daemon_opts ]] || not_ok "'capguardd --help' prints options"
daemon_doc=$(section OPTIONS | documented_options)
for opt in $daemon_opts; do
        if in_list "$opt" "$daemon_doc"; then
                ok "capguardd.8 documents $opt"
        else
                not_ok "capguardd.8 documents $opt"
                diag "'capguardd --help' prints $opt, but section OPTIONS of capguardd.8 does not list it"
        fi
done
for opt in $({ section SYNOPSIS | grep -oE -- '--[a-z][a-z0-9-]*'; echo "$daemon_doc"; } | sort -u); do
        in_list "$opt" "$daemon_opts" && continue
        not_ok "capguardd.8's $opt is an option capguardd has"
        diag "capguardd.8 lists $opt, but 'capguardd --help' does not print it: missing in daemon/capguardd.c?"
done

tap_done
