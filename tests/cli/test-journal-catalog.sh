#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# systemd/capguard.catalog is what journalctl takes: `journalctl --update-catalog` imports it
# into a scratch root without a word, `--list-catalog` lists exactly capguard's MESSAGE_IDs
# (those of include/capguard/journal-event.h), and every entry has a subject, says who
# defines it and where to read more, and substitutes only fields capguardd sends.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/tap.sh
source "$CAPGUARD_SOURCE_ROOT/tests/lib/tap.sh"

src=$CAPGUARD_SOURCE_ROOT
catalog=$src/systemd/capguard.catalog
header=$src/include/capguard/journal-event.h

command -v journalctl >/dev/null || tap_skip_all "journalctl (Debian package systemd) is not installed"

tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT

# The ids as the C code spells them: SD_ID128_MAKE_STR(0e,2b,...) -> 0e2b...
declare -A ids=()
while read -r kind bytes; do
        ids[$kind]=${bytes//,/}
done < <(sed -n 's/^#define CAPGUARD_MESSAGE_\([A-Z]*\)_STR *SD_ID128_MAKE_STR(\([0-9a-f,]*\)).*/\1 \2/p' "$header")
is "${#ids[@]}" 4 "journal-event.h names four MESSAGE_IDs (violation, kill, compliant, unknown)"

# --- import into a scratch root --------------------------------------------------------------

root=$tmp/root
install -D -m 0644 "$catalog" "$root/usr/lib/systemd/catalog/capguard.catalog"
rc=0
out=$(journalctl --root="$root" --update-catalog 2>&1) || rc=$?
is "$rc" 0 "journalctl --update-catalog takes the catalog"
is "$out" "" "... without a warning"
check "... and writes the database" test -s "$root/var/lib/systemd/catalog/database"

list=$(journalctl --root="$root" --list-catalog 2>&1) || true
is "$(wc -l <<<"$list")" 4 "--list-catalog lists four entries"
for kind in VIOLATION KILL COMPLIANT UNKNOWN; do
        id=${ids[$kind]:-none}
        check "--list-catalog lists $kind ($id) as capguard's" grep -qE "^$id capguard: .+" <<<"$list"
done

# --- each entry --------------------------------------------------------------------------------

fields=$(grep -o '"\(CAPGUARD_[A-Z_]*\|OBJECT_PID\)"' "$src/lib/journal-event.c" | tr -d '"' | sort -u)
for kind in VIOLATION KILL COMPLIANT UNKNOWN; do
        id=${ids[$kind]:-none}
        entry=$(journalctl --root="$root" --dump-catalog "$id" 2>&1) || true
        check "$kind: a Subject" grep -qE '^Subject: .{10,}' <<<"$entry"
        check "$kind: Defined-By: capguard" grep -qx 'Defined-By: capguard' <<<"$entry"
        check "$kind: Documentation: man:capguardd(8) man:capguard.yaml(5)" \
                grep -qx 'Documentation: man:capguardd(8) man:capguard.yaml(5)' <<<"$entry"
        check "$kind: an explanation" test "$(sed '1,/^$/d' <<<"$entry" | wc -w)" -ge 40
        bad=""
        for f in $(grep -o '@[A-Z_]*@' <<<"$entry" | tr -d @ | sort -u); do
                grep -qx "$f" <<<"$fields" || bad+=" $f"
        done
        is "${bad# }" "" "$kind: substitutes only fields capguardd sends"
done

for page in capguardd.8 capguard.yaml.5; do
        check "man page $page, named by every entry, is shipped" test -f "$src/man/$page"
done

# --- and the check can fail --------------------------------------------------------------------

broken=$tmp/broken
install -D -m 0644 "$catalog" "$broken/usr/lib/systemd/catalog/capguard.catalog"
sed -i '0,/^-- /s/^-- \([0-9a-f]*\)$/-- not-an-id/' "$broken/usr/lib/systemd/catalog/capguard.catalog"
rc=0
out=$(journalctl --root="$broken" --update-catalog 2>&1) || rc=$?
check "a catalog with a bad id is refused" test "$rc" -ne 0 -o -n "$out"

tap_done
