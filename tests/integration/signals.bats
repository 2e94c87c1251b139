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

@test "with standard output blocked, a second SIGINT waits like the first, a third exits at once" {
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
    kill -INT "$AFETCH_BG_PID"
    sleep 0.5
    # the second is taken like the first: the output is to be completed, which waits for the
    # reader (or for it to go away)
    kill -0 "$AFETCH_BG_PID"
    kill -INT "$AFETCH_BG_PID"
    wait_exit "$AFETCH_BG_PID" 10
    echo "status $WAIT_STATUS"
    cat "$err"
    [ "$WAIT_STATUS" -eq 130 ]
}

@test "two quick SIGINTs during a run: exit 130 and one valid JSON document" {
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
    cat "$out" "$err"
    [ "$WAIT_STATUS" -eq 130 ]
    jqt '(.results | length) == 5 and all(.results[]; .error.code == "cancelled")' <"$out"
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

@test "SIGINT while the input pipe is idle: valid JSON with the results so far, exit 130 (--sync, --threads, async)" {
    local tag fifo="$BATS_TEST_TMPDIR/in.fifo" out="$BATS_TEST_TMPDIR/out.json"
    local err="$BATS_TEST_TMPDIR/err.txt" mode
    tag="$(uniq_tag)"
    mkfifo "$fifo"
    for mode in sync threads async; do
        echo "# $mode"
        local -a args=(--sync)
        [ "$mode" = sync ] || args=(--threads 4)
        [ "$mode" != async ] || args=(-j 4)
        afetch_bg_stdin "$fifo" "$out" "$err" --json "${args[@]}" -
        {
            echo "$BASE/?$tag-$mode"
            hold_open 60 # the pipe stays open, with nothing more to read
        } >"$fifo" 3>&- &
        track_bg
        wait_for_log "$tag-$mode" 1 30
        sleep 0.5
        interrupt_within_10s INT "$out" "$err"
        jqt --arg m "$mode" '.mode == $m and (.results | length) == 1 and .results[0].ok
            and .summary.urls == 1' <"$out"
        kill_bg
    done
}

@test "SIGINT while waiting for a list FIFO's first writer: exit 130 at once" {
    local fifo="$BATS_TEST_TMPDIR/list.fifo" out="$BATS_TEST_TMPDIR/out.json"
    local err="$BATS_TEST_TMPDIR/err.txt"
    local tag
    tag="$(uniq_tag)"
    mkfifo "$fifo"
    afetch_bg "$out" "$err" --json "$BASE/?$tag" "$fifo"
    wait_for_log "$tag" 1 30 # running, and now waiting for the FIFO
    sleep 0.5
    interrupt_within_10s TERM "$out" "$err"
    jqt '(.results | length) == 1 and .results[0].ok and .summary.urls == 1' <"$out"
}

@test "a second SIGINT while stopping: still valid JSON, exit 130, no temporary file in -o DIR" {
    local tag fifo="$BATS_TEST_TMPDIR/in.fifo" out="$BATS_TEST_TMPDIR/out.json"
    local err="$BATS_TEST_TMPDIR/err.txt" dir="$BATS_TEST_TMPDIR/saved"
    tag="$(uniq_tag)"
    mkfifo "$fifo"
    afetch_bg_stdin "$fifo" "$out" "$err" --json -o "$dir" -
    {
        echo "$BASE/drip/60?$tag"
        hold_open 60
    } >"$fifo" 3>&- &
    track_bg
    # the transfer has begun once its temporary file exists
    local i
    for i in $(seq 1 300); do
        ls -A "$dir" 2>/dev/null | grep -q '^\.afetch-' && break
        sleep 0.1
    done
    sleep 1
    ls -A "$dir"
    ls -A "$dir" | grep -q '^\.afetch-'
    kill -INT "$AFETCH_BG_PID"
    sleep 0.1 # two signals sent together would arrive as one
    kill -INT "$AFETCH_BG_PID" 2>/dev/null || true
    wait_exit "$AFETCH_BG_PID" 20
    echo "status $WAIT_STATUS"
    cat "$out" "$err"
    ls -A "$dir"
    [ "$WAIT_STATUS" -eq 130 ]
    jqt '(.results | length) == 1 and .results[0].error.code == "cancelled"' <"$out"
    [ -z "$(ls -A "$dir")" ]
}

@test "a reader that goes away while the input waits: afetch ends at once with 141, on one loop and on two" {
    local mode fifo="$BATS_TEST_TMPDIR/in.fifo"
    for mode in 1 2; do
        rm -f "$fifo"
        mkfifo "$fifo"
        # the list's writer sends one URL, then keeps the FIFO open (the input waits)
        { echo "$BASE/?gone=$mode"; hold_open 120; } >"$fifo" &
        track_bg
        # standard output is a pipe whose reader is gone by the time the line is written
        run timeout 60 bash -c '$1 "$2" --jsonl --loops "$3" - <"$4" | true
            echo "afetch: ${PIPESTATUS[0]}"' _ "${AFETCH_WRAPPER:-}" "$AFETCH" "$mode" "$fifo"
        echo "--loops $mode -> $status: $output"
        [ "$status" -eq 0 ] # not timeout's 124: before, the run waited on the input for good
        [[ "$output" == *"afetch: 141"* ]]
        kill_bg
    done
}
