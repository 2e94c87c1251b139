#!/usr/bin/env bats
# Terminal manners: progress line, colour, NO_COLOR, -v and --trace, run in a real pseudo-
# terminal with script(1).
bats_require_minimum_version 1.5.0
load helpers

setup_file() { start_server; }
teardown_file() { stop_server; }

# in_terminal CMD...: runs CMD with stdout and stderr on a pseudo-terminal; prints what the
# terminal received.
in_terminal() {
    local cmd
    printf -v cmd '%q ' "$@"
    script -qec "$cmd" /dev/null
}

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
