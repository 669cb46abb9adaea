#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# capctl decode against capsh --decode (libcap's own decoder) and against known masks.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/tap.sh
source "$CAPGUARD_SOURCE_ROOT/tests/lib/tap.sh"

command -v capsh >/dev/null || tap_skip_all "capsh (libcap2-bin) is not installed"
command -v jq >/dev/null || tap_skip_all "jq is not installed"

last=$(cat /proc/sys/kernel/cap_last_cap)

# Every mask agrees with capsh, name for name.
for mask in 00000000a80425fb 0000000020000420 00000000a82425fb 0000000000000400 0 \
            000001fffeffffff 000001ffffffffff "$(printf '%x' $(( (1 << (last + 1)) - 1 )))"; do
        want=$(capsh --decode="$mask" | sed 's/.*=//' | tr ',' '\n' | { grep -v '^$' || true; } | tr '[:lower:]' '[:upper:]' | sort)
        got=$("$CAPCTL" decode --json "$mask" | jq -r '.caps[]' | sort)
        is "$got" "$want" "decode $mask names what capsh names"
done

# JSON shape: one line per mask, mask normalised to 16 digits, Docker default marked.
out=$("$CAPCTL" decode --json 0xa82425fb 0x20000420)
is "$(wc -l <<<"$out")" 2 "one JSON line per mask"
is "$(jq -r '.mask' <<<"$out" | head -1)" 00000000a82425fb "mask printed as the kernel does"
is "$(jq -c '.beyond_docker_default' <<<"$out" | head -1)" '["CAP_SYS_ADMIN"]' "SYS_ADMIN is beyond Docker's default"
is "$(jq -r '.count' <<<"$out" | tail -1)" 3 "runc default has 3"

# Names in, mask out: any case, with or without CAP_, ALL.
is "$("$CAPCTL" decode --json net_raw,CAP_SYS_ADMIN | jq -r .mask)" 0000000000202000 "names build a mask"
is "$("$CAPCTL" decode --json ALL | jq -r .count)" $((last + 1)) "ALL is every capability this kernel knows"

# Table: each capability on a line, with its consequence, '*' beyond Docker's default.
text=$("$CAPCTL" decode 00000000a82425fb)
check "table names the count" grep -q '^00000000a82425fb: 15 capabilities, 1 beyond Docker' <<<"$text"
check "SYS_ADMIN is starred" grep -Eq '^  CAP_SYS_ADMIN +\* mount' <<<"$text"
check "NET_RAW explained, not starred" grep -Eq '^  CAP_NET_RAW +  .*sniff' <<<"$text"
is "$(grep -c '^  CAP_' <<<"$text")" 15 "one line per capability"

# A bit past the kernel's last capability is shown, not dropped.
high=$(printf '%x' $(( 1 << (last + 1) )))
is "$("$CAPCTL" decode --json "$high" | jq -r '.unknown_to_kernel[0]')" "CAP_$((last + 1))" "unknown bit named by number"

tap_done
