#!/usr/bin/env bats
# Correctness at scale: many URLs, every index once and in order; tight descriptor limits.
# Speed is measured by scripts/bench, not asserted here.
bats_require_minimum_version 1.5.0
load helpers

setup_file() { start_server; }
teardown_file() { stop_server; }

# How many URLs a big test uses: fewer under valgrind, which is ~50x slower.
big() {
    if [ -n "${AFETCH_WRAPPER:-}" ]; then echo 1000; else echo "$1"; fi
}

@test "scale: 10,000 URLs at -j 500, every index once and in input order" {
    local n list="$BATS_TEST_TMPDIR/big.txt"
    n=$(big 10000)
    seq 0 $((n - 1)) | sed "s|^|$BASE/?i=|" >"$list"
    run --separate-stderr afetch --jsonl -j 500 -t 60 "$list"
    [ "$status" -eq 0 ] || dump
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq "$n" ]
    # index i must carry URL ?i=i, on line i
    printf '%s\n' "${lines[@]}" | jq -s -e --argjson n "$n" '
        length == $n and
        ([.[] | .index] == [range(0; $n)]) and
        all(.[]; .ok and (.index as $i | .url | endswith("?i=\($i)")))' >/dev/null
}

@test "scale: a stalled first URL does not stop the others; output waits for it, in order" {
    local n list="$BATS_TEST_TMPDIR/stall.txt"
    n=$(big 3000)
    { echo "$BASE/delay/1500"; seq 1 $((n - 1)) | sed "s|^|$BASE/?s=|"; } >"$list"
    run --separate-stderr afetch --jsonl -j 100 "$list"
    [ "$status" -eq 0 ] || dump
    [ "$status" -eq 0 ]
    printf '%s\n' "${lines[@]}" | jqt -s "[.[] | .index] == [range(0; $n)]"
    # the rest ran during the stall: more than a window of them started before the first one
    # ended (by afetch's own clock, which a busy machine slows for both alike)
    printf '%s\n' "${lines[@]}" | jqt -s '(.[0].time | .start + .total) as $stalled_until
        | [.[1:][] | select(.time.start < $stalled_until)] | length > 100'
}

@test "scale: under a tight descriptor limit every transfer still succeeds" {
    local list="$BATS_TEST_TMPDIR/fds.txt" host=127.0.0.1
    # a name that resolves to loopback through the resolver (not libcurl's built-in
    # localhost) exercises the resolver's descriptors too, where this machine has one
    local name
    name=$(hostname)
    if getent ahostsv4 "$name" 2>/dev/null | grep -q '^127\.'; then host=$name; fi
    seq 0 599 | sed "s|^|http://$host:$PORT/delay/50?f=|" >"$list"
    tight() {
        ulimit -n 200 || return 99
        afetch --json -j 400 "$list"
    }
    run --separate-stderr tight
    [ "$status" -eq 0 ] || dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '.summary.ok == 600 and .summary.parallel <= 400'
    [[ "$stderr" == *"warning:"* ]]
}

@test "scale: descriptors held by another owner shrink the window, it grows back, every transfer succeeds" {
    local list="$BATS_TEST_TMPDIR/held.txt"
    seq 0 599 | sed "s|^|$BASE/delay/50?h=|" >"$list"
    # afetch sizes -j by the limit (200: -j 136) but finds 100 of its descriptors taken
    crowded() {
        ulimit -n 200 || return 99
        local i
        for i in $(seq 11 110); do eval "exec $i</dev/null"; done
        afetch -v --json -j 400 "$list"
    }
    run --separate-stderr crowded
    [ "$status" -eq 0 ] || dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '.summary.ok == 600 and .summary.parallel < 136'
    echo "$output" | jqt '[.results[].index] == [range(600)]'
    [[ "$stderr" == *"afetch: out of file descriptors: window "* ]]
    [[ "$stderr" == *" again"* ]]
    [[ "$stderr" == *"warning: out of file descriptors; the window shrank to"* ]]
}
