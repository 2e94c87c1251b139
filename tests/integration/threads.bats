#!/usr/bin/env bats
# --threads: the executor baseline gives the same records, in the same order, as the loop.
bats_require_minimum_version 1.5.0
load helpers

setup_file() { start_server; }
teardown_file() { stop_server; }

@test "--threads: results in input order though they finish out of order" {
    run --separate-stderr afetch --jsonl --threads 4 "$BASE/delay/600?t=0" "$BASE/delay/0?t=1" \
        "$BASE/delay/300?t=2" "$BASE/status/404?t=3"
    dump
    [ "$status" -eq 1 ]
    printf '%s\n' "${lines[@]}" | jqt -s '[.[].index] == [0, 1, 2, 3]'
    printf '%s\n' "${lines[@]}" | jqt -s '[.[].ok] == [true, true, true, false]'
    printf '%s\n' "${lines[@]}" | jqt -s '.[3].error.code == "http"'
    [[ "$stderr" == "threads: 4 URLs, 3 ok, 1 failed"* ]]
}

@test "--threads N runs N at a time" {
    run --separate-stderr afetch --json --threads 2 "$BASE/delay/1000?n=0" "$BASE/delay/1000?n=1" \
        "$BASE/delay/1000?n=2" "$BASE/delay/1000?n=3"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '.mode == "threads" and .summary.parallel == 2'
    # two waves: two in flight together, never three (a second's overlap leaves room for a
    # slow thread start under valgrind)
    echo "$output" | jqt "$JQ_AT_ONCE"' [.results[].time] | at_once == 2'
}

@test "--threads gives the same url/ok/status/bytes/error per index as async" {
    local list="$BATS_TEST_TMPDIR/mixed.txt" port
    port="$(closed_port)"
    write_list "$list" "$BASE/bytes/1000" "$BASE/status/500" "not a url" "http://127.0.0.1:$port/" \
        "$BASE/redirect/2" "file:///etc/passwd" "$BASE/delay/100"
    afetch --jsonl --threads 3 "$list" 2>/dev/null | jq -c '[.index, .url, .ok, .status, .bytes, .error.code]' >"$BATS_TEST_TMPDIR/threads" || true
    afetch --jsonl "$list" 2>/dev/null | jq -c '[.index, .url, .ok, .status, .bytes, .error.code]' >"$BATS_TEST_TMPDIR/async" || true
    diff "$BATS_TEST_TMPDIR/threads" "$BATS_TEST_TMPDIR/async"
    [ "$(wc -l <"$BATS_TEST_TMPDIR/async")" -eq 7 ]
}

@test "--threads: invalid entries at the head of the list are reported at once, in order" {
    # settled at birth and at the head: the gather delivers and frees them as they are pushed
    # (under ASan and valgrind this caught a read of the freed task)
    local list="$BATS_TEST_TMPDIR/head.txt"
    write_list "$list" "not a url" "::bad" "$BASE/bytes/10?h=2" "also not a url"
    run --separate-stderr afetch --json --threads 2 "$list"
    [ "$status" -eq 1 ] || dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '[.results[].index] == [0, 1, 2, 3]'
    echo "$output" | jqt '[.results[] | .error.code] == ["invalid-input", "invalid-input", null, "invalid-input"]'
    [[ "$stderr" == "threads: 4 URLs, 1 ok, 3 failed"* ]]
}

@test "--threads --fail-fast: the first failure cancels the rest, every entry reported" {
    local list="$BATS_TEST_TMPDIR/ff.txt"
    # the delays outlast any slow start of the failing request (cancelled, they cost nothing)
    { echo "$BASE/status/500"; seq 1 12 | sed "s|^|$BASE/delay/20000?ff=|"; } >"$list"
    run --separate-stderr afetch --json --threads 2 --fail-fast "$list"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '(.results | length) == 13 and [.results[].index] == [range(0; 13)]'
    echo "$output" | jqt '[.results[1:][] | .error.code] | all(. == "cancelled")'
}

@test "--threads with SIGINT: cancelled, valid JSON, exit 130" {
    local list="$BATS_TEST_TMPDIR/int.txt" out="$BATS_TEST_TMPDIR/out.json" err="$BATS_TEST_TMPDIR/err"
    local tag
    tag="$(uniq_tag)"
    seq 1 8 | sed "s|^|$BASE/delay/20000?$tag-|" >"$list"
    afetch_bg "$out" "$err" --json --threads 4 "$list"
    # not a fixed sleep: valgrind on a busy machine may take longer to start than any guess
    wait_for_log "$tag" 4
    kill -INT "$AFETCH_BG_PID"
    wait_exit "$AFETCH_BG_PID" 20
    cat "$out" "$err"
    [ "$WAIT_STATUS" -eq 130 ]
    jqt '.mode == "threads" and (.results | length) >= 1' <"$out"
    jqt 'all(.results[]; .error.code == "cancelled")' <"$out"
}

@test "--threads usage: a bad count and --sync with --threads are usage errors" {
    run --separate-stderr afetch --threads 0 "$BASE/"
    [ "$status" -eq 2 ]
    run --separate-stderr afetch --sync --threads 2 "$BASE/"
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"--sync"* ]]
}

@test "--threads 32 -o: 1,500 files all get mode 0644 under umask 022 (no thread changes it)" {
    # each worker used to call umask(0) and back; two racing left the process umask at 0 and
    # later files 0666 (in about half the runs here), so three runs. valgrind runs one thread at
    # a time, so it cannot race them: there one run of 200 files checks the same paths for leaks.
    local list="$BATS_TEST_TMPDIR/many.txt" dir round wrong n=1500 rounds=3
    [ -z "${AFETCH_WRAPPER:-}" ] || { n=200 && rounds=1; }
    seq 1 "$n" | sed "s|^|$BASE/bytes/1?mode=|" >"$list"
    umask 022
    for round in $(seq 1 "$rounds"); do
        dir="$BATS_TEST_TMPDIR/many$round"
        run --separate-stderr afetch --quiet --threads 32 -o "$dir" "$list"
        echo "$stderr"
        [ "$status" -eq 0 ]
        [ "$(find "$dir" -type f | wc -l)" -eq "$n" ]
        wrong="$(find "$dir" -type f ! -perm 0644 | wc -l)"
        echo "round $round: files not 0644: $wrong"
        [ "$wrong" -eq 0 ]
    done
}

@test "--threads -o --timeline: no thread calls umask, which is process-wide" {
    command -v strace >/dev/null || skip "strace is not installed"
    strace -f -qq -e trace=umask -o /dev/null true || skip "strace cannot trace here"
    local trace="$BATS_TEST_TMPDIR/trace" dir="$BATS_TEST_TMPDIR/traced"
    # the binary itself, not a wrapper: only its system calls matter here (LeakSanitizer
    # cannot run under ptrace)
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
        run --separate-stderr strace -f -qq -e trace=umask -o "$trace" "$AFETCH" --quiet --threads 4 \
        -o "$dir" --timeline "$BATS_TEST_TMPDIR/t.svg" "$BASE/bytes/1?u=1" "$BASE/bytes/1?u=2" \
        "$BASE/bytes/1?u=3" "$BASE/bytes/1?u=4"
    dump
    [ "$status" -eq 0 ]
    [ "$(find "$dir" -type f | wc -l)" -eq 4 ]
    cat "$trace"
    [ -z "$(grep umask "$trace")" ]
}

@test "--threads 8 -v --progress: log lines and the progress line share stderr safely" {
    # under the TSan build this raced on the display's state (workers log, the main thread draws)
    local list="$BATS_TEST_TMPDIR/progress.txt"
    seq 1 300 | sed "s|^|$BASE/delay/10?p=|" >"$list"
    run --separate-stderr afetch --quiet --threads 8 -v --progress "$list"
    [ "$status" -eq 0 ] || echo "$stderr" | tail -40
    [ "$status" -eq 0 ]
    [ "$(echo "$stderr" | grep -o 'afetch: start #' | wc -l)" -eq 300 ]
    [[ "$stderr" == *"300/300 done"* ]]
}
