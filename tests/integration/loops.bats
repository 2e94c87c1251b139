#!/usr/bin/env bats
# --loops N: one event loop per thread, fed by the main thread. Order, the global -j, --per-host,
# --rate, --fail-fast, signals, HTTP/2 and the shared TLS sessions hold across the loops.
# (scripts/run-tests.sh also runs the whole integration suite with AFETCH_LOOPS=4 on the ASan
# build, and this file and basic.bats under ThreadSanitizer.)
bats_require_minimum_version 1.5.0
load helpers

setup_file() {
    start_server
    start_tls_server
}

teardown_file() {
    stop_server
    stop_tls_server
}

teardown() { kill_bg; }

# How many URLs a big test uses: fewer under valgrind, which is ~50x slower.
big() {
    if [ -n "${AFETCH_WRAPPER:-}" ]; then echo 1000; else echo "$1"; fi
}

# server_text URL: the plain-text answer of the test server at URL.
server_text() {
    "$PYTHON" -c 'import sys, urllib.request, ssl
ctx = ssl.create_default_context(cafile=sys.argv[2]) if len(sys.argv) > 2 else None
print(urllib.request.urlopen(sys.argv[1], timeout=10, context=ctx).read().decode().strip())' "$@"
}

@test "--loops 4: 10,000 URLs at -j 500, every index once and in input order" {
    local n list="$BATS_TEST_TMPDIR/big.txt"
    n=$(big 10000)
    seq 0 $((n - 1)) | sed "s|^|$BASE/?i=|" >"$list"
    run --separate-stderr afetch --loops 4 --jsonl -j 500 -t 60 "$list"
    [ "$status" -eq 0 ] || dump
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq "$n" ]
    printf '%s\n' "${lines[@]}" | jq -s -e --argjson n "$n" '
        length == $n and
        ([.[] | .index] == [range(0; $n)]) and
        all(.[]; .ok and (.index as $i | .url | endswith("?i=\($i)")))' >/dev/null
    [[ "$stderr" == *"async: $n URLs, $n ok, 0 failed"*", parallel 500, 4 loops"* ]]
}

@test "--loops 4: a list of one host spreads over every loop; with --per-host it stays on one" {
    local list="$BATS_TEST_TMPDIR/spread.txt"
    seq 0 199 | sed "s|^|$BASE/delay/20?s=|" >"$list"
    run --separate-stderr afetch --loops 4 -j 20 --trace -q "$list"
    [ "$status" -eq 0 ] || dump
    [ "$status" -eq 0 ]
    # --trace numbers each loop's socket and timer events
    [ "$(grep -o '^afetch: loop [0-9]*:' <<<"$stderr" | sort -u | wc -l)" -eq 4 ]
    run --separate-stderr afetch --loops 4 -j 20 --per-host 20 --trace -q "$list"
    [ "$status" -eq 0 ] || dump
    [ "$status" -eq 0 ]
    [ "$(grep -o '^afetch: loop [0-9]*:' <<<"$stderr" | sort -u | wc -l)" -eq 1 ]
}

@test "--loops 4: -j stays one limit across all loops" {
    local key list="$BATS_TEST_TMPDIR/j.txt"
    key="j-$(uniq_tag)"
    seq 0 39 | sed "s|^|$BASE/inflight/300?key=$key\&i=|" >"$list"
    run --separate-stderr afetch --loops 4 -j 6 --json "$list"
    [ "$status" -eq 0 ] || dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '.summary.ok == 40 and [.results[].index] == [range(40)]'
    local most
    most=$(server_text "$BASE/max-inflight?key=$key")
    echo "most in flight at once: $most"
    [ "$most" -le 6 ] && [ "$most" -ge 4 ]
}

@test "--loops 4 --per-host 2: at most 2 in flight to each host, and a slow host does not hold up another" {
    local a b list="$BATS_TEST_TMPDIR/hosts.txt"
    a="a-$(uniq_tag)"
    b="b-$(uniq_tag)"
    # host A: 127.0.0.1, slow; host B: localhost (another authority on the same server), fast
    {
        seq 0 9 | sed "s|^|$BASE/inflight/600?key=$a\&i=|"
        seq 0 9 | sed "s|^|http://localhost:$PORT/inflight/50?key=$b\&i=|"
    } >"$list"
    run --separate-stderr afetch --loops 4 --per-host 2 -j 50 --json "$list"
    [ "$status" -eq 0 ] || dump
    [ "$status" -eq 0 ]
    [ "$(server_text "$BASE/max-inflight?key=$a")" -eq 2 ]
    [ "$(server_text "$BASE/max-inflight?key=$b")" -eq 2 ]
    # B's ten, two at a time, took about 0.25 s while A's took 3 s
    echo "$output" | jqt '[.results[10:][] | .time.start] | max < 1.5'
}

@test "--loops 4 --rate: starts per second stay within 5% of the asked rate, across the loops" {
    [ -z "${AFETCH_WRAPPER:-}" ] || skip "a rate is a timing: not measured under valgrind"
    local list="$BATS_TEST_TMPDIR/rate.txt"
    seq 0 399 | sed "s|^|$BASE/?rate=|" >"$list"
    run --separate-stderr afetch --loops 4 --jsonl --rate 40 -j 50 "$list"
    [ "$status" -eq 0 ] || dump
    [ "$status" -eq 0 ]
    local started
    started=$(printf '%s\n' "${lines[@]}" | jq -s '[.[] | select(.time.start < 5.0)] | length')
    echo "started in the first 5 s: $started"
    [ "$started" -ge 190 ] && [ "$started" -le 211 ]
    # the turns go in input order, as on one loop
    printf '%s\n' "${lines[@]}" | jqt -s 'map(.time.start) | . == sort'
}

@test "--loops 4 --fail-fast: the first failure cancels every loop's transfers, every entry reported" {
    local list="$BATS_TEST_TMPDIR/ff.txt" t0 t1
    {
        seq 0 39 | sed "s|^|$BASE/delay/20000?ff=|"
        echo "$BASE/status/500"
        seq 41 299 | sed "s|^|$BASE/delay/20000?ff=|"
    } >"$list"
    t0=$(now_ms)
    run --separate-stderr afetch --loops 4 -j 100 --json --fail-fast "$list"
    t1=$(now_ms)
    [ "$status" -eq 1 ] || dump
    [ "$status" -eq 1 ]
    echo "took $((t1 - t0)) ms"
    [ $((t1 - t0)) -lt 15000 ]
    echo "$output" | jqt '(.results | length) == 300 and [.results[].index] == [range(300)]'
    echo "$output" | jqt '.results[40].error.code == "http"'
    echo "$output" | jqt '[.results[] | select(.index != 40) | .error.code] | all(. == "cancelled")'
}

@test "--loops 4: SIGINT cancels every loop at once: exit 130, valid JSON, no temporary file in -o" {
    local tag list="$BATS_TEST_TMPDIR/slow.txt" out="$BATS_TEST_TMPDIR/out.json"
    local err="$BATS_TEST_TMPDIR/err.txt" dir="$BATS_TEST_TMPDIR/saved" t0 t1
    tag="$(uniq_tag)"
    seq 1 60 | sed "s|^|$BASE/drip/100000?$tag-|" >"$list"
    afetch_bg "$out" "$err" --loops 4 -j 40 --json -o "$dir" "$list"
    wait_for_log "$tag" 40 30
    t0=$(now_ms)
    kill -INT "$AFETCH_BG_PID"
    wait_exit "$AFETCH_BG_PID" 20
    t1=$(now_ms)
    echo "status $WAIT_STATUS after $((t1 - t0)) ms"
    cat "$err"
    [ "$WAIT_STATUS" -eq 130 ]
    [ $((t1 - t0)) -lt 10000 ]
    jqt '[.results[].index] == [range(.results | length)] and (.results | length) >= 40' <"$out"
    jqt 'all(.results[]; .error.code == "cancelled")' <"$out"
    [ -z "$(ls -A "$dir")" ]
}

@test "once the input has ended, a loop running many transfers closes each connection after it; --per-host keeps them" {
    # n - 1 URLs that take a while (so that all of them run at once before any ends, also with
    # two loops fed in batches), the first of them shorter, and, last, one that counts how many
    # of their connections are still open a while later. Every loop runs at least 128 at once
    # (the closing round's minimum).
    local list="$BATS_TEST_TMPDIR/close.txt" loops per_host n tag wait_ms=6000
    [ -n "${AFETCH_WRAPPER:-}" ] && wait_ms=12000
    for loops in 1 2; do
        for per_host in "" "--per-host 1000"; do
            n=$((150 * loops))
            tag=$(uniq_tag)
            {
                echo "$BASE/delay/200?key=$tag&i=1"
                seq 2 $((n - 1)) | sed "s|^|$BASE/delay/1500?key=$tag\&i=|"
                echo "$BASE/open-after/$wait_ms?of=$tag"
            } >"$list"
            # shellcheck disable=SC2086 # $per_host: no option, or the option and its value
            run --separate-stderr afetch --loops "$loops" $per_host -j "$n" --jsonl --body "$list"
            echo "--loops $loops ${per_host:-(no --per-host)}: $(tail -n 1 <<<"$output" | jq -c .body)"
            [ "$status" -eq 0 ] || dump
            [ "$status" -eq 0 ]
            [ "${#lines[@]}" -eq "$n" ]
            # one loop, its -j full, reads the end of its input only once a transfer has ended:
            # the shorter first one, which keeps its connection
            if [ -n "$per_host" ]; then
                tail -n 1 <<<"$output" | jqt --argjson n "$n" '.ok and (.body | tonumber) == $n - 1'
            else
                tail -n 1 <<<"$output" | jqt '.ok and (.body | tonumber) <= 1'
            fi
        done
    done
}

@test "--loops 4: TLS sessions are shared, so the loops do not each make a full handshake" {
    local list="$BATS_TEST_TMPDIR/tls.txt" before after
    # starts 250 ms apart, each transfer 2 s: eight connections, spread over the loops
    seq 0 7 | sed "s|^|$TLS_BASE/delay/2000?tls=|" >"$list"
    before=$(server_text "$TLS_BASE/tls-handshakes" "$TLS_CERT" | tr '\n' ' ')
    run --separate-stderr afetch --loops 4 -j 8 --rate 4 --cacert "$TLS_CERT" --json "$list"
    [ "$status" -eq 0 ] || dump
    [ "$status" -eq 0 ]
    after=$(server_text "$TLS_BASE/tls-handshakes" "$TLS_CERT" | tr '\n' ' ')
    echo "before: $before; after: $after (each reading adds one full handshake)"
    local full resumed
    full=$(($(awk '{print $2}' <<<"$after") - $(awk '{print $2}' <<<"$before") - 1))
    resumed=$(($(awk '{print $4}' <<<"$after") - $(awk '{print $4}' <<<"$before")))
    echo "afetch: $full full, $resumed resumed"
    [ "$full" -le 2 ] && [ "$resumed" -ge 5 ]
}

@test "--loops 4 over HTTP/2: every URL multiplexed; a loop opens one connection; --per-host keeps one" {
    command -v nghttpd >/dev/null || skip "nghttpd (Debian's nghttp2-server) is not installed"
    mkdir -p "$BATS_TEST_TMPDIR/www"
    head -c 2048 /dev/urandom >"$BATS_TEST_TMPDIR/www/2k"
    local port key="$BATS_TEST_TMPDIR/h2-key.pem" cert="$BATS_TEST_TMPDIR/h2-cert.pem" i
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
        -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
        -keyout "$key" -out "$cert" 2>/dev/null
    port=$(closed_port)
    nghttpd -a 127.0.0.1 -d "$BATS_TEST_TMPDIR/www" -v "$port" "$key" "$cert" \
        >"$BATS_TEST_TMPDIR/h2.log" 2>&1 3>&- &
    echo $! >>"$BATS_TEST_TMPDIR/bg.pids"
    for i in $(seq 1 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
        sleep 0.05
    done
    local list="$BATS_TEST_TMPDIR/h2.txt"
    seq 0 79 | sed "s|^|https://127.0.0.1:$port/2k?i=|" >"$list"
    sessions() { grep -o '^\[id=[0-9]*\]' "$BATS_TEST_TMPDIR/h2.log" | sort -u | wc -l; }
    local before after
    before=$(sessions)
    run --separate-stderr afetch --loops 4 --json --cacert "$cert" -j 20 "$list"
    [ "$status" -eq 0 ] || dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '.summary.ok == 80 and all(.results[]; .http_version == "2" and .bytes == 2048)'
    sleep 0.2
    after=$(sessions)
    echo "without --per-host: $((after - before)) sessions"
    # a connection a loop (4 at most), far below the 20 transfers at a time; on a loaded machine
    # (ASan, 4 test files at once) a loop was once seen to open a second one, before its first
    # had its ALPN answer, so twice that is the bound
    [ $((after - before)) -ge 1 ] && [ $((after - before)) -le 8 ]
    before=$after
    run --separate-stderr afetch --loops 4 --json --cacert "$cert" -j 20 --per-host 20 "$list"
    [ "$status" -eq 0 ] || dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '.summary.ok == 80 and all(.results[]; .http_version == "2")'
    sleep 0.2
    after=$(sessions)
    echo "with --per-host: $((after - before)) sessions"
    [ $((after - before)) -eq 1 ]
}

@test "--compare runs its async arm on the loops and says how many; sync and threads do not change" {
    local list="$BATS_TEST_TMPDIR/cmp.txt"
    seq 0 9 | sed "s|^|$BASE/?c=|" >"$list"
    run --separate-stderr afetch --compare --loops 3 -j 6 --json "$list"
    [ "$status" -eq 0 ] || dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '.compare.async.loops == 3 and (.compare.sync | has("loops") | not)
        and (.compare.threads | has("loops") | not) and .summary.ok == 10'
    [[ "$stderr" == *"async ×3 loops "* ]]
    [[ "$stderr" == *"async: 10 URLs, 10 ok, 0 failed"*", 3 loops"* ]]
    [[ "$stderr" == *"threads: 10 URLs, 10 ok, 0 failed"*"parallel 6"$'\n'* ]]
}

@test "--loops: at most -j loops; 1 is the single loop; config key loops; AFETCH_LOOPS as the default" {
    run --separate-stderr afetch --loops 8 -j 2 -q "$BASE/?l=1" "$BASE/?l=2" "$BASE/?l=3"
    dump
    [ "$status" -eq 0 ]
    [[ "$stderr" == *"parallel 2, 2 loops"* ]]
    run --separate-stderr afetch --loops 1 -q "$BASE/?l=1"
    [ "$status" -eq 0 ]
    [[ "$stderr" == *"parallel 50"$'\n'* || "$stderr" == *"parallel 50" ]]
    [[ "$stderr" != *"loops"* ]]
    local conf="$BATS_TEST_TMPDIR/fetch.conf"
    printf 'loops = 3\n' >"$conf"
    run --separate-stderr afetch --config "$conf" -q "$BASE/?l=1"
    dump
    [ "$status" -eq 0 ]
    [[ "$stderr" == *", 3 loops"* ]]
    AFETCH_LOOPS=2 run --separate-stderr afetch --no-config -q "$BASE/?l=1"
    dump
    [ "$status" -eq 0 ]
    [[ "$stderr" == *", 2 loops"* ]]
    # the command line, then the config file, win over the environment
    AFETCH_LOOPS=2 run --separate-stderr afetch --config "$conf" --loops 4 -q "$BASE/?l=1"
    [ "$status" -eq 0 ]
    [[ "$stderr" == *", 4 loops"* ]]
    AFETCH_LOOPS=2 run --separate-stderr afetch --config "$conf" -q "$BASE/?l=1"
    [ "$status" -eq 0 ]
    [[ "$stderr" == *", 3 loops"* ]]
}

@test "--loops and AFETCH_LOOPS: a bad value is a usage error naming it, and nothing is fetched" {
    local tag v
    tag="$(uniq_tag)"
    for v in 0 -1 1.5 abc '' 1025 99999999999999999999; do
        run --separate-stderr afetch --loops "$v" "$BASE/?$tag"
        [ "$status" -eq 2 ]
        [[ "$stderr" == "afetch: --loops: "* ]]
    done
    run --separate-stderr afetch --loops
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"--loops: needs a value"* ]]
    AFETCH_LOOPS=0 run --separate-stderr afetch "$BASE/?$tag"
    [ "$status" -eq 2 ]
    [[ "$stderr" == "afetch: AFETCH_LOOPS: '0' is not a whole number from 1 to 1024" ]]
    local conf="$BATS_TEST_TMPDIR/bad.conf"
    printf 'loops = many\n' >"$conf"
    run --separate-stderr afetch --config "$conf" "$BASE/?$tag"
    [ "$status" -eq 2 ]
    [[ "$stderr" == "afetch: $conf:1: --loops: 'many' is not a whole number from 1 to 1024" ]]
    [ -z "$(server_request "$tag")" ]
}
