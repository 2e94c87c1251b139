#!/usr/bin/env bash
# slowest.sh LIST [N]: print the N (default 10) slowest entries of LIST as "SECONDS<TAB>INDEX<TAB>URL", slowest first.
set -euo pipefail

usage() {
    echo "usage: ${0##*/} LIST [N]   (LIST a list file or -; N a positive count, default 10)" >&2
    exit 2
}
if [ $# -lt 1 ] || [ $# -gt 2 ]; then usage; fi
n=${2:-10}
[[ $n =~ ^[1-9][0-9]*$ ]] || usage

# afetch exits 1 when some URL is not ok: that is the normal case here, not a failure.
# Any other non-zero status (2: usage or unreadable list, 130: interrupted) is passed on.
fetch() {
    local rc=0
    "${AFETCH:-afetch}" "$@" || rc=$?
    [ "$rc" -le 1 ] || exit "$rc"
}

# time.total is null for entries never sent (invalid input); those are left out. Ties keep
# input order. awk reads everything (unlike head), so sort never dies of SIGPIPE.
fetch --jsonl -- "$1" |
    jq -r 'select(.time.total != null) | [.time.total, .index, .url] | @tsv' |
    LC_ALL=C sort -t "$(printf '\t')" -k1,1gr -k2,2n |
    awk -F '\t' -v n="$n" 'NR <= n { printf "%.3f\t%s\t%s\n", $1, $2, $3 }'
