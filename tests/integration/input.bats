#!/usr/bin/env bats
# Input handling: list files, stdin, URL arguments, JSON lines, bad input.

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
    start_server
}

teardown_file() {
    stop_server
}

teardown() {
    kill_bg # afetch runs and FIFO writers started in the background
}

@test "invalid lines become failed results at their index; others still ok" {
    local list="$BATS_TEST_TMPDIR/urls.txt"
    # physical line numbers: 1 comment, 2 ok, 3 garbage, 4 bad JSON,
    # 5 file://, 6 ok, 7 ftp://, 8 ok
    write_list "$list" \
        "# header comment" \
        "$BASE/?l2" \
        "this is not a url" \
        '{"url": "broken' \
        "file:///etc/passwd" \
        "$BASE/?l6" \
        "ftp://x/" \
        "$BASE/?l8"
    run --separate-stderr afetch --json "$list"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '(.results | length) == 7 and [.results[].index] == [range(0;7)]'
    echo "$output" | jqt '[.results[].ok] == [true, false, false, false, true, false, true]'
    echo "$output" | jqt '[.results[] | .error.code] ==
        [null, "invalid-input", "invalid-input", "protocol", null, "protocol", null]'
    # messages name the file and the physical line
    echo "$output" | jqt '.results[1].error.message | contains("urls.txt:3")'
    echo "$output" | jqt '.results[2].error.message | contains("urls.txt:4")'
    echo "$output" | jqt --arg b "$BASE" '
        .results[0].url == "\($b)/?l2" and .results[4].url == "\($b)/?l6"
        and .results[6].url == "\($b)/?l8"'
    echo "$output" | jqt '.summary.urls == 7 and .summary.ok == 3 and .summary.failed == 4'
    # nothing was fetched for the bad lines: the server saw only the good ones
    [ "$(server_request '?l2' | wc -l)" -eq 1 ]
    [ "$(server_request '?l8' | wc -l)" -eq 1 ]
}

@test "invalid input alone still gives exit 1 (not a usage error) and all keys" {
    local list="$BATS_TEST_TMPDIR/bad.txt"
    write_list "$list" "not a url at all" "file:///etc/passwd"
    run --separate-stderr afetch --json "$list"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt --argjson k "$RESULT_KEYS" 'all(.results[]; (keys == $k))'
    echo "$output" | jqt '[.results[].error.code] == ["invalid-input", "protocol"]'
}

@test "comments, blank lines, surrounding whitespace are skipped/trimmed" {
    local list="$BATS_TEST_TMPDIR/commented.txt"
    printf '%s\n' \
        "# a comment" \
        "" \
        "   " \
        "  $BASE/?w1  " \
        "	$BASE/?w2	" \
        "#$BASE/?commented-out" \
        "" \
        "$BASE/?w3" >"$list"
    run --separate-stderr afetch --json "$list"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt --arg b "$BASE" \
        '[.results[].url] == ["\($b)/?w1", "\($b)/?w2", "\($b)/?w3"]'
    echo "$output" | jqt '[.results[].index] == [0,1,2] and all(.results[]; .ok)'
    [ "$(server_request 'commented-out' | wc -l)" -eq 0 ]
}

@test "CRLF line endings and a UTF-8 BOM are accepted" {
    local list="$BATS_TEST_TMPDIR/crlf.txt"
    printf '\xef\xbb\xbf%s\r\n# comment\r\n\r\n%s\r\n%s\r\n' \
        "$BASE/?bom1" "$BASE/?bom2" "$BASE/html?bom3" >"$list"
    run --separate-stderr afetch --json "$list"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt --arg b "$BASE" \
        '[.results[].url] == ["\($b)/?bom1", "\($b)/?bom2", "\($b)/html?bom3"]'
    echo "$output" | jqt 'all(.results[]; .ok == true and .status == 200)'
    # no stray \r reached the server
    server_request 'bom1' | jqt '.path == "/?bom1"'
    server_request 'bom3' | jqt '.path == "/html?bom3"'
}

@test "a BOM-prefixed first line that is a JSON object still parses" {
    local list="$BATS_TEST_TMPDIR/bomjson.txt"
    printf '\xef\xbb\xbf{"url": "%s", "label": "first"}\r\n' "$BASE/?bomjson" >"$list"
    run --separate-stderr afetch --json "$list"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '.results[0].label == "first" and .results[0].ok == true'
}

@test "stdin via '-'" {
    local list="$BATS_TEST_TMPDIR/stdin.txt"
    write_list "$list" "$BASE/?s1" "# c" "$BASE/?s2"
    run --separate-stderr afetch --json - <"$list"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt --arg b "$BASE" \
        '[.results[].url] == ["\($b)/?s1", "\($b)/?s2"] and all(.results[]; .ok)'
}

@test "no positional arguments reads stdin" {
    local list="$BATS_TEST_TMPDIR/stdin2.txt"
    write_list "$list" "$BASE/?n1" "$BASE/status/404?n2" "$BASE/?n3"
    run --separate-stderr afetch --json <"$list"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt --arg b "$BASE" \
        '[.results[].url] == ["\($b)/?n1", "\($b)/status/404?n2", "\($b)/?n3"]'
    echo "$output" | jqt '[.results[].ok] == [true, false, true]'
}

@test "bare URL arguments, several, keep argument order" {
    run --separate-stderr afetch --json "$BASE/delay/300?u1" "$BASE/html" "$BASE/?u3"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt --arg b "$BASE" \
        '[.results[].url] == ["\($b)/delay/300?u1", "\($b)/html", "\($b)/?u3"]'
    echo "$output" | jqt '[.results[].index] == [0,1,2]'
}

@test "list file, URL argument and stdin combine in argument order" {
    local a="$BATS_TEST_TMPDIR/a.txt" s="$BATS_TEST_TMPDIR/s.txt"
    write_list "$a" "$BASE/?f1" "$BASE/?f2"
    write_list "$s" "$BASE/?in1"
    run --separate-stderr afetch --json "$a" "$BASE/?arg" - <"$s"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt --arg b "$BASE" \
        '[.results[].url] == ["\($b)/?f1", "\($b)/?f2", "\($b)/?arg", "\($b)/?in1"]'
    echo "$output" | jqt '[.results[].index] == [0,1,2,3]'
}

@test "missing list file: exit 2, stderr names it, nothing on stdout" {
    local missing="$BATS_TEST_TMPDIR/no-such-list.txt"
    run --separate-stderr afetch --json "$missing"
    dump
    [ "$status" -eq 2 ]
    [ -z "$output" ]
    [[ "$stderr" == *no-such-list.txt* ]]
}

@test "a missing list file that looks like a host or URL: exit 2 with the URL it likely means" {
    local tag arg
    tag="$(uniq_tag)"
    cd "$BATS_TEST_TMPDIR"
    run --separate-stderr afetch "127.0.0.1:$PORT/$tag"
    dump
    [ "$status" -eq 2 ]
    [ -z "$output" ]
    [ "$stderr" = "afetch: 127.0.0.1:$PORT/$tag: not a file; did you mean http://127.0.0.1:$PORT/$tag?" ]
    [ -z "$(server_request "$tag")" ]
    run --separate-stderr afetch "localhost:$PORT"
    [ "$stderr" = "afetch: localhost:$PORT: not a file; did you mean http://localhost:$PORT?" ]
    run --separate-stderr afetch example.com/a/b
    [ "$stderr" = "afetch: example.com/a/b: not a file; did you mean https://example.com/a/b?" ]
    # names that look like files get the plain error
    for arg in urls.txt list.jsonl ./x.com ../a.b/c notes; do
        run --separate-stderr afetch "$arg"
        echo "$arg: $stderr"
        [ "$status" -eq 2 ]
        [[ "$stderr" == "afetch: $arg: No such file or directory" ]]
    done
}

@test "directory as list file: exit 2, stderr names it, nothing on stdout" {
    local dir="$BATS_TEST_TMPDIR/a-directory"
    mkdir -p "$dir"
    run --separate-stderr afetch "$dir"
    dump
    [ "$status" -eq 2 ]
    [ -z "$output" ]
    [[ "$stderr" == *a-directory* ]]
}

@test "missing list file among good input: still exit 2 and no stdout" {
    run --separate-stderr afetch --json "$BASE/?before" "$BATS_TEST_TMPDIR/gone.txt"
    dump
    [ "$status" -eq 2 ]
    [ -z "$output" ]
    [[ "$stderr" == *gone.txt* ]]
}

@test "JSON line input with label, method and headers" {
    local tag
    tag="$(uniq_tag)"
    local list="$BATS_TEST_TMPDIR/json.txt"
    {
        printf '{"url": "%s", "label": "echo-put", "method": "PUT", "headers": {"X-Test": "yes", "X-Other": "two words"}}\n' \
            "$BASE/echo?$tag-a"
        printf '%s\n' "$BASE/?$tag-b"
        printf '{"url": "%s"}\n' "$BASE/echo?$tag-c"
        printf '  {"label": "lbl", "url": "%s", "method": "HEAD"}  \n' "$BASE/bytes/500?$tag-d"
    } >"$list"
    run --separate-stderr afetch --json "$list"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '[.results[].label] == ["echo-put", null, null, "lbl"]'
    echo "$output" | jqt '[.results[].index] == [0,1,2,3] and all(.results[]; .ok)'
    echo "$output" | jqt --arg b "$BASE" --arg t "$tag" \
        '.results[0].url == "\($b)/echo?\($t)-a" and .results[2].url == "\($b)/echo?\($t)-c"'
    echo "$output" | jqt '.results[3].bytes == 0 and .results[3].status == 200'
    server_request "$tag-a" | jqt '.method == "PUT"
        and .headers["x-test"] == "yes" and .headers["x-other"] == "two words"'
    server_request "$tag-c" | jqt '.method == "GET" and (.headers | has("x-test") | not)'
    server_request "$tag-d" | jqt '.method == "HEAD"'
}

@test "an unknown key in a JSON line makes it invalid-input naming the key and line" {
    local tag list="$BATS_TEST_TMPDIR/keys.txt"
    tag="$(uniq_tag)"
    {
        printf '{"url": "%s", "header": {"Authorization": "Bearer t"}}\n' "$BASE/echo?$tag-0"
        printf '{"url": "%s", "payload": "data"}\n' "$BASE/echo?$tag-1"
        printf '{"url": "%s", "label": "fine", "method": "GET", "headers": {"X-A": "1"}}\n' \
            "$BASE/echo?$tag-2"
    } >"$list"
    run --separate-stderr afetch --json "$list"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt --arg f "$list" '.results[0].error.code == "invalid-input" and
        .results[0].error.message == "\($f):1: unknown key \"header\"; did you mean \"headers\"?"'
    echo "$output" | jqt --arg f "$list" '.results[1].error.code == "invalid-input" and
        .results[1].error.message == "\($f):2: unknown key \"payload\""'
    echo "$output" | jqt '.results[2].ok == true and .results[2].label == "fine"'
    [ "$(server_request "$tag-0" | wc -l)" -eq 0 ]
    [ "$(server_request "$tag-1" | wc -l)" -eq 0 ]
    server_request "$tag-2" | jqt '.headers["x-a"] == "1"'
}

@test "JSON line settings override/extend command-line ones" {
    local tag
    tag="$(uniq_tag)"
    local list="$BATS_TEST_TMPDIR/json2.txt"
    printf '{"url": "%s", "method": "DELETE", "headers": {"X-Line": "1"}}\n' "$BASE/echo?$tag-x" >"$list"
    printf '%s\n' "$BASE/echo?$tag-y" >>"$list"
    run --separate-stderr afetch --json -X POST -H "X-Cli: 2" "$list"
    dump
    [ "$status" -eq 0 ]
    server_request "$tag-x" | jqt '.method == "DELETE" and .headers["x-line"] == "1"'
    server_request "$tag-y" | jqt '.method == "POST" and .headers["x-cli"] == "2"'
}

@test "a line without scheme is taken as https (fails against the plain server)" {
    run --separate-stderr afetch --json -t 5 "$BASE/?first" - <<<"127.0.0.1:$PORT/?noscheme"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '(.results | length) == 2 and .results[0].ok == true'
    echo "$output" | jqt '.results[1].ok == false and .results[1].index == 1 and .results[1].error != null'
}

@test "a bare non-URL argument is a list file name, not a URL" {
    run --separate-stderr afetch --json "127.0.0.1-not-a-file"
    dump
    [ "$status" -eq 2 ]
    [ -z "$output" ]
    [[ "$stderr" == *127.0.0.1-not-a-file* ]]
}

@test "URL argument with unsupported scheme gives protocol error" {
    run --separate-stderr afetch --json "ftp://x/" "$BASE/"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '[.results[].ok] == [false, true] and .results[0].error.code == "protocol"'
}

@test "--progress with a piped list (process substitution, FIFO) fetches every URL" {
    local tag fifo="$BATS_TEST_TMPDIR/list.fifo"
    tag="$(uniq_tag)"
    # counting entries for the total used to read the pipe to its end first: 0 URLs, exit 0
    run --separate-stderr afetch --progress --jsonl <(printf '%s\n' "$BASE/?$tag-p1" "$BASE/?$tag-p2")
    dump
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 2 ]
    [ "$(server_request "$tag-p" | wc -l)" -eq 2 ]
    mkfifo "$fifo"
    printf '%s\n' "$BASE/?$tag-f1" "$BASE/?$tag-f2" "$BASE/?$tag-f3" >"$fifo" &
    run --separate-stderr afetch --progress --jsonl "$fifo"
    dump
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 3 ]
    [ "$(server_request "$tag-f" | wc -l)" -eq 3 ]
}

@test "--progress counts a regular list file ahead: the line shows done/total" {
    local tag list="$BATS_TEST_TMPDIR/counted.txt"
    tag="$(uniq_tag)"
    write_list "$list" "# two entries" "$BASE/?$tag-1" "" "$BASE/?$tag-2"
    run --separate-stderr afetch --progress --jsonl "$list"
    dump
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 2 ]
    [[ "$stderr" == *"2/2 done"* ]]
}

@test "a trickling pipe: the first URL is fetched before the second line is written" {
    local tag fifo="$BATS_TEST_TMPDIR/in.fifo" out="$BATS_TEST_TMPDIR/out.jsonl"
    local err="$BATS_TEST_TMPDIR/err.txt" saw="$BATS_TEST_TMPDIR/saw-first" i
    tag="$(uniq_tag)"
    mkfifo "$fifo"
    afetch_bg_stdin "$fifo" "$out" "$err" --jsonl -
    {
        echo "$BASE/?$tag-1"
        # the second line only once the first result is out (reading used to block the loop,
        # so the first transfer waited for the second line)
        for i in $(seq 1 300); do
            if [ -s "$out" ]; then
                touch "$saw"
                break
            fi
            sleep 0.1
        done
        echo "$BASE/?$tag-2"
    } >"$fifo" 3>&- &
    track_bg
    wait_exit "$AFETCH_BG_PID" 60
    echo "status $WAIT_STATUS"
    cat "$out" "$err"
    [ "$WAIT_STATUS" -eq 0 ]
    [ -e "$saw" ]
    jqt -s --arg b "$BASE" --arg t "$tag" \
        '[.[].url] == ["\($b)/?\($t)-1", "\($b)/?\($t)-2"] and all(.[]; .ok)' <"$out"
}

@test "a list FIFO opened before its writer is read to the end, not taken as empty" {
    local tag fifo="$BATS_TEST_TMPDIR/list.fifo" out="$BATS_TEST_TMPDIR/out.jsonl"
    local err="$BATS_TEST_TMPDIR/err.txt"
    tag="$(uniq_tag)"
    mkfifo "$fifo"
    afetch_bg "$out" "$err" --jsonl "$BASE/?$tag-arg" "$fifo"
    wait_for_log "$tag-arg" 1 30
    sleep 0.5 # afetch is waiting for the FIFO's first writer now
    kill -0 "$AFETCH_BG_PID"
    printf '%s\n' "$BASE/?$tag-f1" "$BASE/?$tag-f2" >"$fifo"
    wait_exit "$AFETCH_BG_PID" 30
    echo "status $WAIT_STATUS"
    cat "$out" "$err"
    [ "$WAIT_STATUS" -eq 0 ]
    jqt -s '(length == 3) and ([.[].index] == [0, 1, 2]) and all(.[]; .ok)' <"$out"
}

@test "-t 2 times out the first URL near 2 s while the next line is still to come" {
    local tag fifo="$BATS_TEST_TMPDIR/in.fifo" out="$BATS_TEST_TMPDIR/out.jsonl"
    local err="$BATS_TEST_TMPDIR/err.txt" took="$BATS_TEST_TMPDIR/took-ms" i
    tag="$(uniq_tag)"
    mkfifo "$fifo"
    afetch_bg_stdin "$fifo" "$out" "$err" -t 2 --jsonl --as-completed -
    {
        t0="$(now_ms)"
        echo "$BASE/delay/30000?$tag-slow"
        for i in $(seq 1 300); do
            if [ -s "$out" ]; then
                echo $(($(now_ms) - t0)) >"$took"
                break
            fi
            sleep 0.1
        done
        echo "$BASE/?$tag-fast"
    } >"$fifo" 3>&- &
    track_bg
    wait_exit "$AFETCH_BG_PID" 60
    echo "status $WAIT_STATUS; first result after $(cat "$took" 2>/dev/null) ms"
    cat "$out" "$err"
    [ "$WAIT_STATUS" -eq 1 ]
    [ -s "$took" ]
    [ "$(cat "$took")" -ge 1500 ] && [ "$(cat "$took")" -lt 20000 ]
    head -1 "$out" | jqt '.index == 0 and .error.code == "timeout" and .time.total < 10'
    sed -n 2p "$out" | jqt '.index == 1 and .ok'
}

@test "binary input ends reading: /dev/zero and a NUL byte give exit 2 naming FILE:LINE" {
    local tag out="$BATS_TEST_TMPDIR/out.json" err="$BATS_TEST_TMPDIR/err.txt"
    local list="$BATS_TEST_TMPDIR/nul.txt"
    tag="$(uniq_tag)"
    # endless NUL bytes without a newline: this used to spin for ever
    afetch_bg "$out" "$err" --json "$BASE/?$tag-before" /dev/zero
    wait_exit "$AFETCH_BG_PID" 30
    echo "status $WAIT_STATUS"
    cat "$out" "$err"
    [ "$WAIT_STATUS" -eq 2 ]
    jqt '(.results | length) == 1 and .results[0].ok and .summary.urls == 1' <"$out"
    grep -qF "afetch: /dev/zero:1: a NUL byte" "$err"
    afetch_bg_stdin /dev/zero "$out" "$err" --jsonl
    wait_exit "$AFETCH_BG_PID" 30
    cat "$out" "$err"
    [ "$WAIT_STATUS" -eq 2 ]
    [ ! -s "$out" ]
    grep -qF "afetch: <stdin>:1: a NUL byte" "$err"
    # in a regular file: the entries before it stand, nothing after it is read
    printf '%s\n%s\0junk\n%s\n' "$BASE/?$tag-x" "$BASE/?$tag-y" "$BASE/?$tag-z" >"$list"
    run --separate-stderr afetch --json "$list"
    dump
    [ "$status" -eq 2 ]
    echo "$output" | jqt --arg b "$BASE" --arg t "$tag" \
        '[.results[].url] == ["\($b)/?\($t)-x"] and .results[0].ok'
    [[ "$stderr" == *"nul.txt:2: a NUL byte"* ]]
    [ "$(server_request "$tag-y" | wc -l)" -eq 0 ]
    [ "$(server_request "$tag-z" | wc -l)" -eq 0 ]
}
