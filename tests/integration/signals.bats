#!/usr/bin/env bats
# SIGINT/SIGTERM during a run, and a reader that closes standard output.

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
    start_server
}

teardown_file() {
    stop_server
}

teardown() {
    kill_bg
    # the FIFO reader in the "second SIGINT" test
    if [ -n "${HOLD_PID:-}" ]; then
        kill -KILL "$HOLD_PID" 2>/dev/null || true
        wait "$HOLD_PID" 2>/dev/null || true
    fi
}

# slow_list TAG N MS: print N URLs that each take MS ms, tagged for the log.
slow_list() {
    local tag="$1" n="$2" ms="$3" i
    for i in $(seq 1 "$n"); do
        echo "$BASE/delay/$ms?$tag-$i"
    done
}

# interrupt_within_10s SIG FILE...: sends SIG to the afetch started with afetch_bg, shows
# FILE... (its output), and checks that it exited with 130 within 10 s.
interrupt_within_10s() {
    local sig=$1 t0 t1
    shift
    t0="$(now_ms)"
    kill "-$sig" "$AFETCH_BG_PID"
    wait_exit "$AFETCH_BG_PID" 20
    t1="$(now_ms)"
    echo "status $WAIT_STATUS after $((t1 - t0)) ms"
    cat "$@"
    [ "$WAIT_STATUS" -eq 130 ]
    [ $((t1 - t0)) -lt 10000 ]
}

@test "SIGINT cancels transfers in flight: exit 130, one valid JSON document" {
    local tag list="$BATS_TEST_TMPDIR/slow.txt" out="$BATS_TEST_TMPDIR/out.json"
    local err="$BATS_TEST_TMPDIR/err.txt"
    tag="$(uniq_tag)"
    slow_list "$tag" 20 30000 >"$list"
    afetch_bg "$out" "$err" --json -j 20 "$list"
    wait_for_log "$tag" 20 30
    interrupt_within_10s INT "$out" "$err"
    [ "$(jq -s 'length' <"$out")" -eq 1 ]
    jqt '(.results | length) == 20 and [.results[].index] == [range(0; 20)]' <"$out"
    jqt 'all(.results[]; .ok or .error.code == "cancelled")' <"$out"
    jqt 'any(.results[]; .error.code == "cancelled")' <"$out"
    jqt --argjson k "$RESULT_KEYS" 'all(.results[]; keys == $k)' <"$out"
    jqt '.summary.urls == 20 and .summary.failed >= 1' <"$out"
}

@test "SIGTERM with --jsonl: exit 130 and every line parses" {
    local tag list="$BATS_TEST_TMPDIR/slow.txt" out="$BATS_TEST_TMPDIR/out.jsonl"
    local err="$BATS_TEST_TMPDIR/err.txt"
    tag="$(uniq_tag)"
    {
        echo "$BASE/?$tag-fast"
        slow_list "$tag" 10 30000
    } >"$list"
    afetch_bg "$out" "$err" --jsonl -j 20 "$list"
    wait_for_log "$tag" 11 30
    # and the fast one's line is out (the server logs a request before it answers)
    local i
    for i in $(seq 1 300); do
        [ -s "$out" ] && break
        sleep 0.1
    done
    interrupt_within_10s TERM "$out" "$err"
    local line n=0
    while IFS= read -r line; do
        jqt --argjson k "$RESULT_KEYS" 'keys == $k and (.ok or .error.code == "cancelled")' <<<"$line"
        n=$((n + 1))
    done <"$out"
    [ "$n" -ge 1 ]
    head -1 "$out" | jqt '.index == 0 and .ok == true'
    jqt -s 'any(.[]; .error.code == "cancelled")' <"$out"
}

@test "SIGINT with --sync interrupts the blocking transfer: exit 130, valid JSON" {
    local tag list="$BATS_TEST_TMPDIR/slow.txt" out="$BATS_TEST_TMPDIR/out.json"
    local err="$BATS_TEST_TMPDIR/err.txt"
    tag="$(uniq_tag)"
    slow_list "$tag" 5 30000 >"$list"
    afetch_bg "$out" "$err" --json --sync "$list"
    wait_for_log "$tag" 1 30
    sleep 0.3
    interrupt_within_10s INT "$out" "$err"
    [ "$(jq -s 'length' <"$out")" -eq 1 ]
    jqt '.mode == "sync" and (.results | length) >= 1 and (.summary | type) == "object"' <"$out"
    jqt '.results[0].error.code == "cancelled"' <"$out"
    jqt 'all(.results[]; .error.code == "cancelled")' <"$out"
    # only the first URL was ever sent
    [ "$(server_request "$tag" | wc -l)" -eq 1 ]
}

@test "SIGINT in table mode: exit 130 and a summary line" {
    local tag list="$BATS_TEST_TMPDIR/slow.txt" out="$BATS_TEST_TMPDIR/out.txt"
    local err="$BATS_TEST_TMPDIR/err.txt"
    tag="$(uniq_tag)"
    slow_list "$tag" 3 30000 >"$list"
    afetch_bg "$out" "$err" "$list"
    wait_for_log "$tag" 3 30
    kill -INT "$AFETCH_BG_PID"
    wait_exit "$AFETCH_BG_PID" 20
    echo "status $WAIT_STATUS"
    cat "$out" "$err"
    [ "$WAIT_STATUS" -eq 130 ]
    grep -q cancelled "$out"
    grep -qE '^async: 3 URLs, 0 ok, 3 failed' "$err"
}

@test "a second SIGINT exits at once, even with standard output blocked" {
    # valgrind holds a signal back while it restarts a blocked write (SA_RESTART), so there the
    # handler would only run once the reader drains the pipe: the test would measure valgrind
    [ -z "${AFETCH_WRAPPER:-}" ] || skip "valgrind defers handlers during a restarted write"
    local tag list="$BATS_TEST_TMPDIR/many.txt" fifo="$BATS_TEST_TMPDIR/out.fifo"
    local err="$BATS_TEST_TMPDIR/err.txt" i
    tag="$(uniq_tag)"
    for i in $(seq 1 3000); do
        echo "$BASE/?$tag-$i"
    done >"$list"
    mkfifo "$fifo"
    # a reader that holds the FIFO open and never reads: afetch fills the pipe and blocks
    sleep 120 <"$fifo" 3>&- &
    HOLD_PID=$!
    afetch_bg "$fifo" "$err" --jsonl "$list"
    wait_for_log "$tag" 50 60
    # wait until the log stops growing (unchanged for 1 s): afetch is stuck writing
    local a b
    b="$(grep -cF -- "$tag" "$SERVER_LOG")"
    for i in $(seq 1 60); do
        sleep 1
        a="$b"
        b="$(grep -cF -- "$tag" "$SERVER_LOG")"
        [ "$a" -eq "$b" ] && break
    done
    echo "requests seen: $b"
    [ "$b" -lt 3000 ]
    kill -0 "$AFETCH_BG_PID"
    kill -INT "$AFETCH_BG_PID"
    sleep 0.5
    kill -INT "$AFETCH_BG_PID" 2>/dev/null || true
    wait_exit "$AFETCH_BG_PID" 10
    echo "status $WAIT_STATUS"
    cat "$err"
    [ "$WAIT_STATUS" -eq 130 ]
}

@test "two quick SIGINTs during a run: exit 130" {
    local tag list="$BATS_TEST_TMPDIR/slow.txt" out="$BATS_TEST_TMPDIR/out.json"
    local err="$BATS_TEST_TMPDIR/err.txt"
    tag="$(uniq_tag)"
    slow_list "$tag" 5 30000 >"$list"
    afetch_bg "$out" "$err" --json "$list"
    wait_for_log "$tag" 5 30
    kill -INT "$AFETCH_BG_PID"
    kill -INT "$AFETCH_BG_PID" 2>/dev/null || true
    wait_exit "$AFETCH_BG_PID" 10
    echo "status $WAIT_STATUS"
    [ "$WAIT_STATUS" -eq 130 ]
}

@test "SIGINT with -o: the interrupted download leaves no file, the finished one stays" {
    local tag dir="$BATS_TEST_TMPDIR/saved" out="$BATS_TEST_TMPDIR/out.json"
    local err="$BATS_TEST_TMPDIR/err.txt"
    tag="$(uniq_tag)"
    afetch_bg "$out" "$err" --json -o "$dir" "$BASE/bytes/10?$tag-a" "$BASE/drip/60?$tag-b"
    wait_for_log "$tag-b" 1 30
    # wait until a few bytes of the drip are on disk, in afetch's temp file
    local i part=
    for i in $(seq 1 300); do
        part="$(find "$dir" -name '.afetch-*' -size +1c 2>/dev/null)"
        [ -n "$part" ] && break
        sleep 0.1
    done
    echo "partial file: $part"
    [ -n "$part" ]
    kill -INT "$AFETCH_BG_PID"
    wait_exit "$AFETCH_BG_PID" 20
    echo "status $WAIT_STATUS"
    cat "$out" "$err"
    [ "$WAIT_STATUS" -eq 130 ]
    ls -A "$dir"
    [ "$(ls -A "$dir")" = "000000-127.0.0.1-$PORT-bytes-10-$tag-a" ]
    jqt '.results[0].ok == true and .results[1].error.code == "cancelled" and .results[1].path == null' <"$out"
}

@test "stdout closed by the reader: exit 141, nothing on stderr, the reader got a valid line" {
    local tag list="$BATS_TEST_TMPDIR/list.txt" err="$BATS_TEST_TMPDIR/err.txt"
    local got="$BATS_TEST_TMPDIR/got.txt" i
    tag="$(uniq_tag)"
    # 1000 URLs take afetch 5 s: the reader closes long before, however slowly it is scheduled
    for i in $(seq 1 1000); do
        echo "$BASE/delay/50?$tag-$i"
    done >"$list"
    local -a st
    afetch --jsonl -j 10 "$list" 2>"$err" | head -1 >"$got" || true
    st=("${PIPESTATUS[@]}")
    echo "pipe status: ${st[*]}"
    echo "--- stderr:"
    cat "$err"
    echo "--- got:"
    cat "$got"
    [ "${st[0]}" -eq 141 ]
    [ "${st[1]}" -eq 0 ]
    [ ! -s "$err" ]
    [ "$(wc -l <"$got")" -eq 1 ]
    jqt '.index == 0 and .ok == true' <"$got"
    # it stopped early instead of fetching the whole list
    sleep 0.5
    [ "$(server_request "$tag" | wc -l)" -lt 500 ]
}

@test "stdout closed by the reader in --json and table modes: exit 141 too" {
    local tag list="$BATS_TEST_TMPDIR/list.txt" err="$BATS_TEST_TMPDIR/err.txt" i
    tag="$(uniq_tag)"
    # 1000 URLs take afetch 5 s: the reader closes long before, however slowly it is scheduled
    for i in $(seq 1 1000); do
        echo "$BASE/delay/50?$tag-$i"
    done >"$list"
    local -a st
    afetch --json -j 10 "$list" 2>"$err" | head -c 10 >/dev/null || true
    st=("${PIPESTATUS[@]}")
    echo "json pipe status: ${st[*]}"
    cat "$err"
    [ "${st[0]}" -eq 141 ]
    [ ! -s "$err" ]
    afetch -j 10 "$list" 2>"$err" | head -1 >/dev/null || true
    st=("${PIPESTATUS[@]}")
    echo "table pipe status: ${st[*]}"
    cat "$err"
    [ "${st[0]}" -eq 141 ]
    # no error message (a summary line, if any, is not an error)
    [ "$(grep -ciE 'error|broken pipe' "$err")" -eq 0 ]
}
