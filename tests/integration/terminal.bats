#!/usr/bin/env bats
# Terminal manners: progress line, colour, NO_COLOR, -v and --trace, the table's width, no
# arguments on a terminal; run in real pseudo-terminals with script(1) (the bytes written) and
# tmux (the screen a terminal emulator is left with).
bats_require_minimum_version 1.5.0
load helpers

setup_file() { start_server; }
teardown_file() { stop_server; }

@test "terminal: a progress line with done/total, redrawn, then cleared; rows in colour" {
    command -v script >/dev/null || skip "script(1) not installed"
    local list="$BATS_TEST_TMPDIR/t.txt"
    seq 0 19 | sed "s|^|$BASE/delay/100?p=|" >"$list"
    run in_terminal ${AFETCH_WRAPPER:-} "$AFETCH" -j 5 "$list"
    [ "$status" -eq 0 ] || echo "$output" | cat -v
    [ "$status" -eq 0 ]
    [[ "$output" == *"/20 done"* ]]            # the total is known ahead for a list file
    [[ "$output" == *"in flight"* ]]
    [[ "$output" == *$'\e[32m200'* ]]           # ok rows in green
    # the progress line is cleared before the summary
    [[ "$output" == *$'\r\e[K'"async: 20 URLs"* ]]
}

@test "terminal: NO_COLOR and --no-progress turn both off; a pipe never gets them" {
    command -v script >/dev/null || skip "script(1) not installed"
    run in_terminal env NO_COLOR=1 ${AFETCH_WRAPPER:-} "$AFETCH" --no-progress "$BASE/?c=1"
    [ "$status" -eq 0 ]
    [[ "$output" == *"200"* ]]
    [ "$(grep -c $'\e' <<<"$output")" -eq 0 ]
    run --separate-stderr afetch "$BASE/?c=2"
    [ "$status" -eq 0 ]
    [ "$(grep -c $'\e' <<<"$output$stderr")" -eq 0 ]
}

@test "--progress forces the progress line on a pipe" {
    run --separate-stderr afetch -q --progress "$BASE/?f=1" "$BASE/?f=2"
    [ "$status" -eq 0 ]
    [[ "$stderr" == *"2/2 done"* ]]
}

@test "-v logs each transfer's start and end; --trace adds loop events" {
    run --separate-stderr afetch -q -v "$BASE/?v=1" "$BASE/status/503?v=2"
    [ "$status" -eq 1 ]
    [[ "$stderr" == *"start #0 $BASE/?v=1"* ]]
    [[ "$stderr" == *"end #0 $BASE/?v=1: ok"* ]]
    [[ "$stderr" == *"end #1 $BASE/status/503?v=2: http"* ]]
    [ "$(grep -c 'loop:' <<<"$stderr")" -eq 0 ]
    run --separate-stderr afetch -q --trace "$BASE/?v=3"
    [ "$status" -eq 0 ]
    # one loop's events are "loop: ...", each of several loops' "loop N: ..."
    [[ "$stderr" =~ loop( [0-9]+)?:\ socket.*watch ]]
    [[ "$stderr" =~ loop( [0-9]+)?:\ timer ]]
    [[ "$stderr" == *"start #0"* ]]
}

# need TOOL PACKAGE: fail with the Debian package to install when TOOL is missing.
need() {
    command -v "$1" >/dev/null || {
        echo "$1 is missing: apt-get install $2 (scripts/deps.sh test)" >&2
        return 1
    }
}

# in_tmux COLS CMD...: runs CMD in a detached tmux window COLS wide and 50 high (a real
# terminal emulator), waits up to 60 s for it to end, and prints the screen as it was left;
# CMD's exit status goes to $BATS_TEST_TMPDIR/rc.
in_tmux() {
    local cols="$1" sock="$BATS_TEST_TMPDIR/tmux.sock" cmd i
    shift
    printf -v cmd '%q ' "$@"
    rm -f "$BATS_TEST_TMPDIR/rc"
    printf '%s\n' "$cmd; echo \$? >'$BATS_TEST_TMPDIR/rc'; sleep 600" >"$BATS_TEST_TMPDIR/pane.sh"
    tmux -S "$sock" -f /dev/null new-session -d -x "$cols" -y 50 "bash '$BATS_TEST_TMPDIR/pane.sh'"
    for i in $(seq 600); do
        [ -s "$BATS_TEST_TMPDIR/rc" ] && break
        sleep 0.1
    done
    tmux -S "$sock" capture-pane -p
    tmux -S "$sock" kill-server
}

# widths: the terminal columns of each line on stdin (escape sequences and carriage returns
# dropped; East Asian wide characters take two), one a line, then the line itself.
widths() {
    "$PYTHON" -c 'import re, sys, unicodedata
for line in sys.stdin.read().split("\n"):
    text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", line).replace("\r", "")
    if not text:
        continue
    width = sum(0 if unicodedata.combining(c) else
                2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    print(width, text)'
}

# progress_lines: the progress lines drawn in the terminal output on stdin, one a line (each
# redraw starts with a carriage return).
progress_lines() {
    tr '\r' '\n' | sed 's/\x1b\[K//g' | grep ' done' || true
}

@test "terminal: a 60-column terminal keeps no stale progress line (tmux's screen at the end)" {
    need tmux tmux
    local list="$BATS_TEST_TMPDIR/t.txt" screen
    seq 0 59 | sed "s|^|$BASE/delay/100?stale=|" >"$list"
    screen="$(in_tmux 60 ${AFETCH_WRAPPER:-} "$AFETCH" -q -j 10 "$list")"
    echo "$screen"
    [ "$(cat "$BATS_TEST_TMPDIR/rc")" -eq 0 ]
    [[ "$screen" == *"async: 60 URLs, 60 ok"* ]]
    # before: a wrapped line per redraw stayed behind, ~27 of them
    [ "$(grep -c ' done' <<<"$screen")" -eq 0 ]
    [ "$(grep -c . <<<"$screen")" -le 2 ] # the summary, which may wrap once
}

@test "terminal: progress lines fit the width, also after a resize (SIGWINCH)" {
    local list="$BATS_TEST_TMPDIR/t.txt" tag lines
    tag="$(uniq_tag)"
    seq 0 19 | sed "s|^|$BASE/delay/300?$tag=|" >"$list"
    # the window narrows from 60 to 40 columns once a few results have been drawn
    run in_terminal sh -c 'stty cols 60; "$@" & pid=$!
        while [ "$(grep -c "$0" "$SERVER_LOG")" -lt 7 ]; do sleep 0.1; done
        stty cols 40; wait $pid' "$tag" ${AFETCH_WRAPPER:-} "$AFETCH" -q -j 2 "$list"
    [ "$status" -eq 0 ] || echo "$output" | cat -v
    [ "$status" -eq 0 ]
    lines="$(progress_lines <<<"$output" | widths)"
    echo "$lines"
    # never the last column (no wrap): 59 at most, at first wider than 39, 39 for the last one
    [ "$(awk '$1 > 59' <<<"$lines" | grep -c .)" -eq 0 ]
    [ "$(head -n 1 <<<"$lines" | awk '{print $1}')" -gt 39 ]
    [[ "$(tail -n 1 <<<"$lines")" == *"20/20 done"* ]]
    [ "$(tail -n 1 <<<"$lines" | awk '{print $1}')" -le 39 ]
}

@test "terminal: TERM=dumb gets no escape sequence, progress line and rows included" {
    local list="$BATS_TEST_TMPDIR/t.txt"
    seq 0 9 | sed "s|^|$BASE/delay/100?dumb=|" >"$list"
    run in_terminal env TERM=dumb ${AFETCH_WRAPPER:-} "$AFETCH" -j 2 "$list"
    echo "$output" | cat -v
    [ "$status" -eq 0 ]
    [[ "$output" == *"/10 done"* ]]
    [[ "$output" == *"async: 10 URLs, 10 ok"* ]]
    [ "$(grep -c $'\e' <<<"$output")" -eq 0 ]
}

@test "terminal: table rows fit 60 columns, a long or wide URL cut in the middle; a pipe gets them whole" {
    local list="$BATS_TEST_TMPDIR/t.txt" long wide rows
    long="$BASE/status/404?q=$(printf 'x%.0s' $(seq 1 80))-end"
    wide="$BASE/bytes/3?$(printf '日本語%.0s' $(seq 1 12))"
    printf '%s\n' "$BASE/bytes/10" "$long" "$wide" >"$list"
    printf '{"url": "%s", "label": "%s"}\n' "$BASE/bytes/5" "a label that is long, really long" >>"$list"
    run in_terminal sh -c 'stty cols 60; exec "$@"' sh ${AFETCH_WRAPPER:-} "$AFETCH" --no-progress "$list"
    [ "$status" -eq 1 ]
    rows="$(grep -v 'async:' <<<"$output" | widths)"
    echo "$rows"
    [ "$(grep -c . <<<"$rows")" -eq 5 ] # the header and four rows, none wrapped
    [ "$(awk '$1 > 60' <<<"$rows" | grep -c .)" -eq 0 ]
    # the host and the end stay, the middle gives way; the error message is cut at its end
    grep -E "^[0-9]+ +1 404 .* http://127.*….*-end  HTTP.*…$" <<<"$rows"
    grep -E "^[0-9]+ +2 200 .* http://127.*….*語" <<<"$rows"
    grep -E "^[0-9]+ +3 200 .* http://127.*….*5 \(a label.*…\)$" <<<"$rows"
    # the fixed columns are narrow: the first URL starts before column 35
    [ "$(grep -E '^[0-9]+ +0 ' <<<"$rows" | sed 's/^[0-9]* //' | grep -bo 'http' | cut -d: -f1)" -lt 35 ]
    run --separate-stderr afetch "$list"
    [ "$status" -eq 1 ]
    [[ "$output" == *"$long  HTTP status 404"* ]]
    [[ "$output" == *"$wide"* ]]
    [[ "$output" == *"(a label that is long, really long)"* ]]
    [ "$(grep -c '…' <<<"$output")" -eq 0 ]
}

@test "terminal: no arguments with standard input a terminal is exit 2 with a hint; afetch - reads it" {
    run in_terminal sh -c '"$@"; echo "rc=$?"' sh ${AFETCH_WRAPPER:-} "$AFETCH"
    echo "$output"
    [[ "$output" == *"afetch: no URL or list given, and standard input is a terminal; try"*"afetch -"* ]]
    [[ "$output" == *"rc=2"* ]]
    [ "$(grep -c . <<<"$output")" -eq 2 ]
    # "-" reads the terminal on purpose: a URL typed, then ^D
    run bash -c 'printf "%s\n\004" "$1" | timeout 60 script -qec "$2 -; echo rc=\$?" /dev/null' \
        sh "$BASE/?typed=1" "${AFETCH_WRAPPER:+$AFETCH_WRAPPER }$AFETCH"
    echo "$output"
    [[ "$output" == *"200"*"$BASE/?typed=1"* ]]
    [[ "$output" == *"rc=0"* ]]
}

@test "terminal: --jsonl lines never share a row with the progress line" {
    local list="$BATS_TEST_TMPDIR/t.txt" mode
    seq 0 11 | sed "s|^|$BASE/delay/150?jt=|" >"$list"
    for mode in "--loops 1" "--loops 2" "--threads 3"; do
        # shellcheck disable=SC2086
        run in_terminal ${AFETCH_WRAPPER:-} "$AFETCH" --jsonl -j 3 $mode "$list"
        [ "$status" -eq 0 ] || echo "$output" | cat -v
        [ "$status" -eq 0 ]
        # every stretch between carriage returns and newlines that holds a result starts with it
        "$PYTHON" -c 'import re, sys
text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", sys.stdin.read())
rows = [r for r in re.split(r"[\r\n]", text) if "\"index\"" in r]
bad = [r for r in rows if not r.startswith("{")]
print(len(rows), "result rows;", len(bad), "glued:", bad[:2])
sys.exit(1 if bad or len(rows) != 12 else 0)' <<<"$output"
        [[ "$output" == *"done"* ]] # the progress line was drawn
    done
}
