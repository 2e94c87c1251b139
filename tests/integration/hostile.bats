#!/usr/bin/env bats
# Hostile or degenerate input: huge lines, empty lists, 100,000 lines, spaces,
# IDN hosts, invalid UTF-8, control characters.

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
    start_server
}

teardown_file() {
    stop_server
}

@test "a line over 64 KiB is invalid-input naming the limit; the next line still works" {
    local list="$BATS_TEST_TMPDIR/long.txt" tag
    tag="$(uniq_tag)"
    {
        printf '%s' "$BASE/?$tag-long-"
        head -c 70000 /dev/zero | tr '\0' a
        printf '\n'
        echo "$BASE/?$tag-next"
    } >"$list"
    run --separate-stderr afetch --json "$list"
    dump | cut -c 1-2000
    [ "$status" -eq 1 ]
    echo "$output" | jqt '(.results | length) == 2 and [.results[].index] == [0, 1]'
    echo "$output" | jqt '.results[0].ok == false and .results[0].error.code == "invalid-input"
        and (.results[0].error.message | contains("64 KiB"))'
    echo "$output" | jqt '.results[0].error.message | contains("long.txt:1")'
    echo "$output" | jqt '.results[1].ok == true'
    [ "$(server_request "$tag-long" | wc -l)" -eq 0 ]
    [ "$(server_request "$tag-next" | wc -l)" -eq 1 ]
}

@test "a 1 MiB line without a newline at the end of stdin is invalid-input, no crash" {
    run --separate-stderr afetch --json - < <(printf '%s' "$BASE/?"; head -c 1048576 /dev/zero | tr '\0' b)
    dump | cut -c 1-2000
    [ "$status" -eq 1 ]
    echo "$output" | jqt '(.results | length) == 1 and .results[0].error.code == "invalid-input"'
}

@test "empty inputs: exit 0 and zero results" {
    local empty="$BATS_TEST_TMPDIR/empty.txt" comments="$BATS_TEST_TMPDIR/comments.txt"
    : >"$empty"
    printf '# only\n\n   \n# comments\r\n' >"$comments"
    local src
    for src in "$empty" "$comments" /dev/null; do
        run --separate-stderr afetch --json "$src"
        echo "source $src"
        dump
        [ "$status" -eq 0 ]
        echo "$output" | jqt '.results == [] and .summary.urls == 0 and .summary.failed == 0'
    done
    run --separate-stderr afetch --jsonl "$empty"
    dump
    [ "$status" -eq 0 ]
    [ -z "$output" ]
    run --separate-stderr afetch --json </dev/null
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '.results == []'
    run --separate-stderr afetch "$comments"
    dump
    [ "$status" -eq 0 ]
}

@test "a directory as list (argument or stdin): exit 2, nothing on stdout" {
    local dir="$BATS_TEST_TMPDIR/list-dir"
    mkdir -p "$dir"
    run --separate-stderr afetch --json "$dir"
    dump
    [ "$status" -eq 2 ]
    [ -z "$output" ]
    [[ "$stderr" == *list-dir* ]]
    run --separate-stderr afetch --json - <"$dir"
    dump
    [ "$status" -eq 2 ]
    [ -n "$stderr" ]
}

@test "100,000 identical lines give 100,000 results, indexes in order" {
    local list="$BATS_TEST_TMPDIR/dup.txt" out="$BATS_TEST_TMPDIR/dup.jsonl"
    local err="$BATS_TEST_TMPDIR/dup.err"
    # the full 100,000 plain and under ASan; valgrind is ~50x slower, so ten times -j there
    local n=100000
    [ -z "${AFETCH_WRAPPER:-}" ] || n=1000
    yes "$BASE/" | head -n "$n" >"$list"
    local st=0
    afetch --jsonl -j 100 "$list" >"$out" 2>"$err" || st=$?
    echo "status $st"
    head -c 2000 "$err"
    [ "$st" -eq 0 ]
    [ "$(wc -l <"$out")" -eq "$n" ]
    # index k on line k+1, every one ok
    jq -r '"\(.index) \(.ok)"' <"$out" |
        awk 'NR - 1 != $1 || $2 != "true" { bad++; if (bad < 5) print "line " NR ": " $0 }
             END { exit bad > 0 }'
}

@test "URLs with spaces inside are invalid-input and never sent" {
    local list="$BATS_TEST_TMPDIR/spaces.txt" tag
    tag="$(uniq_tag)"
    write_list "$list" "$BASE/a b?$tag-1" "http://exa mple.com/" "$BASE/?$tag-x	y" "$BASE/?$tag-ok"
    run --separate-stderr afetch --json "$list"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '[.results[].ok] == [false, false, false, true]'
    echo "$output" | jqt 'all(.results[0:3][]; .error.code == "invalid-input")'
    [ "$(server_request "$tag" | wc -l)" -eq 1 ]
}

@test "a NUL byte in a line is binary data: reading ends there, exit 2 naming FILE:LINE" {
    local list="$BATS_TEST_TMPDIR/nul.txt"
    printf '%s\0junk\n%s\n' "$BASE/?nul" "$BASE/?after-nul" >"$list"
    run --separate-stderr afetch --json "$list"
    dump
    [ "$status" -eq 2 ]
    echo "$output" | jqt '.results == [] and .summary.urls == 0'
    [[ "$stderr" == *"nul.txt:1: a NUL byte"* ]]
}

@test "an IDN host gets a defined dns error, and the URL is reported as given" {
    run --separate-stderr afetch --json "http://bücher.invalid/" "$BASE/"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '.results[0].ok == false and .results[0].error.code == "dns"
        and .results[0].url == "http://bücher.invalid/"'
    echo "$output" | jqt '.results[1].ok == true'
    run --separate-stderr afetch "http://bücher.invalid/"
    dump
    [ "$status" -eq 1 ]
    grep -q dns <<<"$output"
}

@test "the IDN host gives dns whatever the locale (LC_ALL=C too)" {
    LC_ALL=C LANG=C run --separate-stderr afetch --json "http://bücher.invalid/"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '.results[0].error.code == "dns"'
    LC_ALL=C.UTF-8 run --separate-stderr afetch --json "http://bücher.invalid/"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '.results[0].error.code == "dns"'
}

@test "invalid UTF-8 in a URL: the JSON still parses and the url shows U+FFFD" {
    local list="$BATS_TEST_TMPDIR/badutf8.txt"
    printf '%s\xff\xfe%s\n%s\n' "$BASE/?bad-" "-utf8" "$BASE/?after-utf8" >"$list"
    run --separate-stderr afetch --json "$list"
    dump
    # libcurl's URL parser takes bytes >= 0x80 as they are (it only refuses control bytes), so
    # the URL is fetched, its raw bytes on the wire: both entries succeed
    [ "$status" -eq 0 ]
    echo "$output" | jqt '(.results | length) == 2'
    echo "$output" | jqt '.results[0].url | contains("\ufffd")'
    echo "$output" | jqt '.results[0].ok == true and .results[1].ok == true'
    # (the server reads the request line as Latin-1)
    server_request "bad-" | jqt '.path | endswith("?bad-\u00ff\u00fe-utf8")'
    run --separate-stderr afetch --jsonl "$list"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt -s 'length == 2 and (.[0].url | contains("\ufffd"))'
    # the table shows the bytes escaped
    run --separate-stderr afetch "$list"
    dump
    [ "$status" -eq 0 ]
    grep -qF '\xFF\xFE' <<<"$output"
}

@test "an ESC byte in a URL never reaches the terminal raw" {
    local list="$BATS_TEST_TMPDIR/esc.txt"
    printf '%s\x1b[31mred\x1b[0m\n%s\n' "$BASE/?esc-" "$BASE/?after-esc" >"$list"
    run --separate-stderr afetch "$list"
    dump | cat -v
    # libcurl's URL parser refuses a control byte ("Bad query"): the entry is invalid-input
    [ "$status" -eq 1 ]
    grep -qF '\x1B[31mred' <<<"$output"
    [ "$(grep -c $'\x1b' <<<"$output")" -eq 0 ]
    [ "$(grep -c $'\x1b' <<<"$stderr")" -eq 0 ]
    run --separate-stderr afetch --json "$list"
    dump | cat -v
    [ "$status" -eq 1 ]
    echo "$output" | jqt '.results[0].url | contains("\u001b[31mred")'
    echo "$output" | jqt '[.results[].ok] == [false, true] and .results[0].error.code == "invalid-input"'
    [ "$(grep -c $'\x1b' <<<"$output")" -eq 0 ]
}

@test "a redirect to file:///etc/passwd is refused; nothing of the file is read" {
    run --separate-stderr afetch --json "$BASE/redirect-to?url=file:///etc/passwd"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '.results[0].ok == false and .results[0].error.code == "protocol"'
    [ "$(grep -c 'root:' <<<"$output")" -eq 0 ]
}

@test "JSON lines with wrong types or header injection are invalid-input" {
    local list="$BATS_TEST_TMPDIR/badjson.txt"
    {
        echo '{"url": 5}'
        echo '{"url": ["http://127.0.0.1/"]}'
        printf '{"url": "%s", "headers": {"X-A": "a\\r\\nX-Injected: 1"}}\n' "$BASE/echo?inj"
        printf '{"url": "%s", "method": "GET /evil HTTP/1.1"}\n' "$BASE/echo?meth"
        echo '[1, 2, 3]'
        printf '%s\n' "$BASE/?after-badjson"
    } >"$list"
    run --separate-stderr afetch --json "$list"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '(.results | length) == 6'
    echo "$output" | jqt '[.results[].ok] == [false, false, false, false, false, true]'
    echo "$output" | jqt 'all(.results[0:5][]; .error.code == "invalid-input")'
    [ "$(server_request 'inj' | wc -l)" -eq 0 ]
    [ "$(server_request 'meth' | wc -l)" -eq 0 ]
}

@test "a line just under 64 KiB (a 60,000-byte query) is fetched" {
    local list="$BATS_TEST_TMPDIR/big-ok.txt"
    {
        printf '%s' "$BASE/?"
        head -c 60000 /dev/zero | tr '\0' q
        printf '\n%s\n' "$BASE/?short"
    } >"$list"
    run --separate-stderr afetch --json "$list"
    dump | cut -c 1-2000
    [ "$status" -eq 0 ]
    echo "$output" | jqt '[.results[].ok] == [true, true]'
}
