#!/usr/bin/env bash
# status-histogram.sh LIST: count the entries of LIST per HTTP status or error code, as "COUNT<TAB>KEY", most frequent first.
set -euo pipefail

usage() {
    echo "usage: ${0##*/} LIST   (a list file, or - for standard input)" >&2
    exit 2
}
[ $# -eq 1 ] || usage

# afetch exits 1 when some URL is not ok: that is the normal case here, not a failure.
# Any other non-zero status (2: usage or unreadable list, 130: interrupted) is passed on.
fetch() {
    local rc=0
    "${AFETCH:-afetch}" "$@" || rc=$?
    [ "$rc" -le 1 ] || exit "$rc"
}

# The key is the status when there is no error or an HTTP error (200, 404), else the error
# code (dns, timeout, ...). Ties are sorted by key.
fetch --jsonl -- "$1" |
    jq -r 'if .error == null or .error.code == "http" then .status else .error.code end' |
    LC_ALL=C sort | uniq -c |
    awk '{ printf "%d\t%s\n", $1, $2 }' |
    LC_ALL=C sort -t "$(printf '\t')" -k1,1nr -k2,2
