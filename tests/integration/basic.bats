#!/usr/bin/env bats
# Core fetching behaviour: ordering, completeness, modes, status/error codes.

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
    start_server
}

teardown_file() {
    stop_server
}

@test "single URL argument fetches and exits 0" {
    run --separate-stderr afetch --json "$BASE/"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt --arg u "$BASE/" '
        (.results | length) == 1
        and .results[0].index == 0
        and .results[0].url == $u
        and .results[0].ok == true
        and .results[0].status == 200
        and .results[0].bytes == 3
        and .results[0].error == null
        and .results[0].http_version == "1.1"
        and (.results[0].content_type | startswith("text/plain"))'
}

@test "results keep input order when completion order differs" {
    local list="$BATS_TEST_TMPDIR/urls.txt"
    write_list "$list" \
        "$BASE/delay/600?o=0" \
        "$BASE/delay/100?o=1" \
        "$BASE/delay/400?o=2" \
        "$BASE/delay/0?o=3" \
        "$BASE/delay/300?o=4"
    run --separate-stderr afetch --json "$list"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '[.results[].index] == [0,1,2,3,4]'
    echo "$output" | jqt --arg b "$BASE" '
        [.results[].url] == [
            "\($b)/delay/600?o=0", "\($b)/delay/100?o=1", "\($b)/delay/400?o=2",
            "\($b)/delay/0?o=3", "\($b)/delay/300?o=4"]'
    echo "$output" | jqt 'all(.results[]; .ok == true and .status == 200)'
    # body is "delayed MS\n": ties each result to its own response
    echo "$output" | jqt '[.results[].bytes] == [12, 12, 12, 10, 12]'
    echo "$output" | jqt '.mode == "async" and .summary.urls == 5 and .summary.ok == 5 and .summary.failed == 0'
}

@test "1000 URLs with -j 100: each present exactly once, in order, all ok" {
    local list="$BATS_TEST_TMPDIR/many.txt"
    local i
    for i in $(seq 0 999); do
        echo "$BASE/delay/100?i=$i"
    done >"$list"
    run --separate-stderr afetch --json -j 100 "$list"
    [ "$status" -eq 0 ] || { dump; false; }
    echo "$output" | jqt '(.results | length) == 1000'
    echo "$output" | jqt '[.results[].index] == [range(0; 1000)]'
    echo "$output" | jqt --arg b "$BASE" \
        '[.results[].url] == [range(0; 1000) | "\($b)/delay/100?i=\(.)"]'
    echo "$output" | jqt '[.results[].url] | unique | length == 1000'
    echo "$output" | jqt 'all(.results[]; .ok == true and .status == 200 and .bytes == 12)'
    echo "$output" | jqt '.summary.urls == 1000 and .summary.ok == 1000
        and .summary.failed == 0 and .summary.parallel == 100
        and .summary.bytes == 12000'
}

@test "-j 200: 400 slow URLs over 200 concurrent connections all succeed" {
    local list="$BATS_TEST_TMPDIR/wide.txt"
    local i
    for i in $(seq 0 399); do
        echo "$BASE/delay/100/wide?w=$i"
    done >"$list"
    run --separate-stderr afetch --jsonl -j 200 "$list"
    [ "$status" -eq 0 ] || { dump; false; }
    [ "$(grep -c . <<<"$output")" -eq 400 ]
    echo "$output" | jqt -s '[.[].index] == [range(0; 400)]'
    echo "$output" | jqt -s 'all(.[]; .ok == true and .status == 200 and .bytes == 12)'
}

@test "--sync gives the same url/ok/status/bytes per index as async" {
    local list="$BATS_TEST_TMPDIR/mixed.txt"
    write_list "$list" \
        "$BASE/delay/200" \
        "$BASE/bytes/1234" \
        "$BASE/status/404" \
        "$BASE/redirect/2" \
        "$BASE/" \
        "$BASE/html" \
        "$BASE/status/204"
    run --separate-stderr afetch --json "$list"
    dump
    [ "$status" -eq 1 ]
    local async_out="$output"
    run --separate-stderr afetch --json --sync "$list"
    dump
    [ "$status" -eq 1 ]
    local sync_out="$output"
    echo "$async_out" | jqt '.mode == "async"'
    echo "$sync_out" | jqt '.mode == "sync"'
    local proj='[.results[] | {index, url, ok, status, bytes, redirects}]'
    local a s
    a="$(echo "$async_out" | jq -cS "$proj")"
    s="$(echo "$sync_out" | jq -cS "$proj")"
    echo "async: $a"
    echo "sync:  $s"
    [ -n "$a" ]
    [ "$a" = "$s" ]
    echo "$sync_out" | jqt '(.results | length) == 7 and [.results[].index] == [range(0;7)]'
    echo "$sync_out" | jqt '[.results[].ok] == [true, true, false, true, true, true, true]'
    echo "$sync_out" | jqt '[.results[].status] == [200, 200, 404, 200, 200, 200, 204]'
}

@test "--compare reports sync/async elapsed and speedup plus results" {
    local list="$BATS_TEST_TMPDIR/cmp.txt"
    write_list "$list" \
        "$BASE/delay/200?c=0" \
        "$BASE/delay/200?c=1" \
        "$BASE/delay/200?c=2" \
        "$BASE/delay/200?c=3"
    run --separate-stderr afetch --json --compare "$list"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '.mode == "compare"'
    echo "$output" | jqt '
        (.compare.sync.elapsed | type) == "number"
        and (.compare.async.elapsed | type) == "number"
        and (.compare.speedup | type) == "number"
        and .compare.sync.elapsed > 0
        and .compare.async.elapsed > 0
        and .compare.speedup > 0'
    echo "$output" | jqt --arg b "$BASE" '
        (.results | length) == 4
        and [.results[].index] == [0,1,2,3]
        and [.results[].url] == [range(0;4) | "\($b)/delay/200?c=\(.)"]
        and all(.results[]; .ok == true and .status == 200)'
    echo "$output" | jqt '.summary.urls == 4 and .summary.ok == 4'
    echo "$output" | jqt '(.compare | keys) == ["async", "speedup", "sync", "threads"]
        and all(.compare.sync, .compare.threads, .compare.async;
                (.elapsed | type) == "number" and (.cpu | type) == "number" and .speedup > 0)'
    # all three runs (sync, threads, async) really happened: each URL was requested three times
    local n
    n="$(jq -r 'select(.path | test("/delay/200\\?c=[0-3]$")) | .path' "$SERVER_LOG" | wc -l)"
    echo "requests seen: $n"
    [ "$n" -eq 12 ]
    # a chosen subset runs only those modes, in that order
    run --separate-stderr afetch --json --compare=sync,async "$list"
    [ "$status" -eq 0 ]
    echo "$output" | jqt '(.compare | keys) == ["async", "speedup", "sync"]'
    run --separate-stderr afetch --compare=sync,bogus "$list"
    [ "$status" -eq 2 ]
}

@test "404 exits 1 with error code http" {
    run --separate-stderr afetch --json "$BASE/status/404"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '.results[0].ok == false and .results[0].status == 404
        and .results[0].error.code == "http"
        and (.results[0].error.message | type) == "string"'
    echo "$output" | jqt '.summary.ok == 0 and .summary.failed == 1'
}

@test "500 is not ok; 204 and 201 are ok" {
    run --separate-stderr afetch --json "$BASE/status/500" "$BASE/status/204" "$BASE/status/201"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '[.results[].ok] == [false, true, true]'
    echo "$output" | jqt '[.results[].status] == [500, 204, 201]'
    echo "$output" | jqt '.results[0].error.code == "http" and .results[1].error == null'
    echo "$output" | jqt '.results[1].bytes == 0'
}

@test "all ok exits 0; one failure among many exits 1 and others stay ok" {
    run --separate-stderr afetch --json "$BASE/?a" "$BASE/status/503" "$BASE/?b"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '[.results[].ok] == [true, false, true]'
    echo "$output" | jqt '.summary.ok == 2 and .summary.failed == 1 and .summary.urls == 3'
}

@test "redirects are followed by default" {
    run --separate-stderr afetch --json "$BASE/redirect/2"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt --arg b "$BASE" '.results[0]
        | .ok == true and .status == 200 and .redirects == 2
          and .url == "\($b)/redirect/2"
          and .effective_url == "\($b)/redirect/0"
          and .bytes == 5'
}

@test "--no-follow: /redirect/2 is ok with status 302 and 0 redirects" {
    run --separate-stderr afetch --json --no-follow "$BASE/redirect/2"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '.results[0] | .ok == true and .status == 302 and .redirects == 0 and .error == null'
}

@test "/redirect-loop fails with too-many-redirects" {
    run --separate-stderr afetch --json "$BASE/redirect-loop"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '.results[0] | .ok == false and .error.code == "too-many-redirects"'
}

@test "--max-redirs 1 with /redirect/3 fails with too-many-redirects" {
    run --separate-stderr afetch --json --max-redirs 1 "$BASE/redirect/3"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '.results[0] | .ok == false and .error.code == "too-many-redirects"'
}

@test "--max-redirs 3 with /redirect/3 succeeds" {
    run --separate-stderr afetch --json --max-redirs 3 "$BASE/redirect/3"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '.results[0] | .ok == true and .status == 200 and .redirects == 3'
}

@test "timeout: a short -t against /delay/30000 gives error code timeout" {
    # short, but every quick transfer meets it even on a busy machine (see quick_timeout)
    run --separate-stderr afetch --json -t "$(quick_timeout)" "$BASE/delay/30000" "$BASE/?fast"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '.results[0] | .ok == false and .error.code == "timeout"'
    echo "$output" | jqt '.results[1] | .ok == true and .status == 200'
}

@test "unresolvable host gives error code dns" {
    run --separate-stderr afetch --json "http://nosuchhost.invalid/"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '.results[0] | .ok == false and .error.code == "dns"
        and .url == "http://nosuchhost.invalid/"
        and (.status == null or .status == 0)'
}

@test "connection refused gives error code connect" {
    local port
    port="$(closed_port)"
    run --separate-stderr afetch --json "http://127.0.0.1:$port/"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '.results[0] | .ok == false and .error.code == "connect"
        and (.error.message | type == "string" and length > 0)'
}

@test "/close (empty reply) is a failure" {
    run --separate-stderr afetch --json "$BASE/close"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '.results[0] | .ok == false and .error != null
        and (.error.code | type) == "string"'
}

@test "body bytes are counted exactly, content type reported" {
    run --separate-stderr afetch --json "$BASE/bytes/0" "$BASE/bytes/1048576" "$BASE/bytes/10000000" "$BASE/html"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '[.results[].bytes][0:3] == [0, 1048576, 10000000]'
    echo "$output" | jqt '.results[1].content_type == "application/octet-stream"'
    echo "$output" | jqt '.results[3].content_type | startswith("text/html")'
    echo "$output" | jqt '.summary.bytes == ([.results[].bytes] | add)'
}

@test "error code is reported for a mix of failures in one run" {
    local port
    port="$(closed_port)"
    run --separate-stderr afetch --json -t "$(quick_timeout)" \
        "$BASE/status/404" \
        "http://127.0.0.1:$port/" \
        "$BASE/redirect-loop" \
        "$BASE/delay/30000" \
        "$BASE/"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '[.results[] | .error.code] == ["http", "connect", "too-many-redirects", "timeout", null]'
    echo "$output" | jqt '.summary.ok == 1 and .summary.failed == 4'
}
