#!/usr/bin/env bash
# broken-links.sh LIST: print "INDEX<TAB>STATUS-OR-ERROR<TAB>URL" for every entry of LIST that is not ok.
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

# An HTTP error shows its status (404); any other failure its error code (dns, timeout, ...).
fetch --jsonl -- "$1" |
    jq -r 'select(.ok | not)
           | [.index, (if .error.code == "http" then .status else .error.code end), .url]
           | @tsv'
