#!/usr/bin/env bats
# Responses in the results: --body and --headers in the JSON, --accept deciding what is ok,
# -w/--write-out lines for scripts, and the table's error column.

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
    start_server
}

teardown_file() {
    stop_server
}

# valid_utf8 FILE: python's strict decoder accepts FILE.
valid_utf8() {
    "$PYTHON" -c 'import sys; open(sys.argv[1], "rb").read().decode("utf-8", "strict")' "$1"
}

# ---- --body ----

@test "--body: an API response's JSON is the body itself: jq '.body.items[].id' works (--json, --jsonl)" {
    run --separate-stderr afetch --jsonl --body "$BASE/api/items"
    dump
    [ "$status" -eq 0 ]
    [ "$(jq -c '[.body.items[].id]' <<<"$output")" = "[1,2,3]" ]
    echo "$output" | jqt '.body_encoding == "json" and .body_truncated == false and .body.total == 3'
    run --separate-stderr afetch --json --body "$BASE/api/items?a" "$BASE/api/items?b"
    dump
    [ "$status" -eq 0 ]
    [ "$(jq -c '[.results[].body.items[].id]' <<<"$output")" = "[1,2,3,1,2,3]" ]
}

@test "--body: json for JSON media types (+json, parameters, any case), text and base64 otherwise" {
    local hex_obj=7b2261223a317d # {"a":1}
    local urls=(
        "$BASE/body?type=application/problem%2Bjson&hex=$hex_obj"
        "$BASE/body?type=APPLICATION/Json%20%3B%20charset%3Dutf-8&hex=$hex_obj"
        "$BASE/body?type=text/plain&hex=$hex_obj"
        "$BASE/body?type=application/json&hex=7b2261223a" # {"a": — does not parse
        "$BASE/body?type=text/plain&hex=68c3a96c6c6f0a"  # héllo\n
        "$BASE/body?type=application/octet-stream&hex=00ff10"
        "$BASE/body?type=text/plain&hex=c0af"             # overlong '/'
        "$BASE/body?type=text/plain&hex=eda080"           # a surrogate
        "$BASE/body?type=text/plain&hex=610062"           # a, NUL, b: valid UTF-8, kept as base64
        "$BASE/body?type=application/json&hex=22610062220a" # "a\0b" JSON with a raw NUL
        "$BASE/body?type=application/json&hex=$(printf '{"a":"\\u0000z"}' | xxd -p)"
        "$BASE/body?type=application/jsonx&hex=$hex_obj"
    )
    run --separate-stderr afetch --jsonl --body "${urls[@]}"
    dump
    [ "$status" -eq 0 ]
    [ "$(jq -c '.body_encoding' <<<"$output" | tr '\n' ' ')" = \
        '"json" "json" "text" "text" "text" "base64" "base64" "base64" "base64" "base64" "text" "text" ' ]
    [ "$(jq -c 'select(.index < 2) | .body' <<<"$output" | tr '\n' ' ')" = '{"a":1} {"a":1} ' ]
    [ "$(jq -r 'select(.index == 4) | .body' <<<"$output")" = "héllo" ]
    # base64 holds the bytes exactly
    [ "$(jq -r 'select(.index == 5) | .body' <<<"$output" | base64 -d | xxd -p)" = "00ff10" ]
    [ "$(jq -r 'select(.index == 8) | .body' <<<"$output" | base64 -d | xxd -p)" = "610062" ]
    # an escaped NUL would cut cJSON's string: such a JSON body stays text, whole
    [ "$(jq -r 'select(.index == 10) | .body' <<<"$output")" = '{"a":"\u0000z"}' ]
    printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/out.jsonl"
    valid_utf8 "$BATS_TEST_TMPDIR/out.jsonl"
}

@test "--body=MAX: a longer body is cut at MAX and marked; the transfer still completes" {
    run --separate-stderr afetch --jsonl --body=1k --hash "$BASE/bytes/5000" \
        "$BASE/body?hex=c3a9&repeat=1000" "$BASE/body?type=application/octet-stream&hex=ff&repeat=3000" \
        "$BASE/api/items" "$BASE/body?hex=41&repeat=1024"
    dump
    [ "$status" -eq 0 ]
    # 'x' * 5000: text, the first 1024 bytes; bytes and the digest count the whole body
    echo "$output" | jqt 'select(.index == 0) | .ok and .bytes == 5000 and .body_encoding == "text"
        and .body_truncated and .body == ("x" * 1024)'
    [ "$(jq -r 'select(.index == 0) | .sha256' <<<"$output")" = \
        "$(head -c 5000 /dev/zero | tr '\0' x | sha256sum | cut -d' ' -f1)" ]
    # "é" is two bytes: the cut at 1024 falls between characters, never inside one
    echo "$output" | jqt 'select(.index == 1) | .body_truncated and .body == ("é" * 512)'
    # binary: base64 of exactly MAX bytes
    echo "$output" | jqt 'select(.index == 2) | .body_encoding == "base64" and .body_truncated'
    [ "$(jq -r 'select(.index == 2) | .body' <<<"$output" | base64 -d | wc -c)" -eq 1024 ]
    # JSON that does not fit is not parsed: its first 1k as text (103 bytes fit: whole here)
    echo "$output" | jqt 'select(.index == 3) | .body_encoding == "json"'
    # exactly MAX bytes is whole
    echo "$output" | jqt 'select(.index == 4) | .body_truncated == false and (.body | length) == 1024'
    run --separate-stderr afetch --jsonl --body=50 "$BASE/api/items"
    dump
    echo "$output" | jqt '.body_encoding == "text" and .body_truncated and (.body | length) == 50
        and (.body | startswith("{\"items\""))'
}

@test "--body: a multi-byte character cut at the last byte of MAX is dropped whole" {
    # "aé": MAX 2 holds "a" and the first byte of "é"
    run --separate-stderr afetch --jsonl --body=2 "$BASE/body?hex=61c3a9"
    dump
    echo "$output" | jqt '.body == "a" and .body_encoding == "text" and .body_truncated'
}

@test "--body: only the final response's body, after redirects, 103 Early Hints, errors" {
    run --separate-stderr afetch --jsonl --body "$BASE/redirect/2" "$BASE/interim" \
        "$BASE/status/404" "http://127.0.0.1:$(closed_port)/"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt 'select(.index == 0) | .redirects == 2 and .body == "done\n"'
    echo "$output" | jqt 'select(.index == 1) | .body == "final\n"'
    # an error status still has its body: what an API says about the error
    echo "$output" | jqt 'select(.index == 2) | .ok == false and .error.code == "http"
        and .body == "status 404\n" and .body_encoding == "text"'
    # no response: null, and the keys are there all the same
    echo "$output" | jqt 'select(.index == 3) | .error.code == "connect" and .body == null
        and .body_encoding == null and .body_truncated == false'
}

@test "--body: JSON nested deeper than 200 levels stays text, so jq can read every line" {
    run --separate-stderr afetch --jsonl --body=1M "$BASE/body?type=application/json&deep=200" \
        "$BASE/body?type=application/json&deep=201" "$BASE/body?type=application/json&deep=100000"
    dump
    [ "$status" -eq 0 ]
    [ "$(jq -c '.body_encoding' <<<"$output" | tr '\n' ' ')" = '"json" "text" "text" ' ]
    echo "$output" | jqt 'select(.index == 2) | (.body | length) == 200000'
}

@test "--body with -o and --hash: the body is saved and in the JSON" {
    local dir="$BATS_TEST_TMPDIR/saved"
    run --separate-stderr afetch --jsonl --body --hash -o "$dir" "$BASE/api/items"
    dump
    [ "$status" -eq 0 ]
    local path
    path="$(jq -r .path <<<"$output")"
    [ -f "$path" ]
    [ "$(jq -c . "$path")" = "$(jq -c .body <<<"$output")" ]
    [ "$(jq -r .sha256 <<<"$output")" = "$(sha256_of "$path")" ]
}

@test "--body in --sync and --threads runs gives the same bodies" {
    local mode
    for mode in --sync "--threads 2"; do
        # shellcheck disable=SC2086
        run --separate-stderr afetch --jsonl --body $mode "$BASE/api/items" "$BASE/bytes/3"
        dump
        [ "$status" -eq 0 ]
        [ "$(jq -c '.body' <<<"$output" | tr '\n' ' ')" = \
            "$(jq -c . <<<'{"items":[{"id":1,"name":"one"},{"id":2,"name":"two"},{"id":3,"name":"three"}],"total":3}') \"xxx\" " ]
    done
}

@test "--body: bad MAX, or no JSON output, is a usage error naming the option" {
    local bad
    for bad in 0 0k abc 1X -1; do
        run --separate-stderr afetch --json "--body=$bad" "$BASE/"
        echo "$bad: $stderr"
        [ "$status" -eq 2 ]
        [ "${#lines[@]}" -eq 0 ]
        [[ "$stderr" == "afetch: --body: '$bad' is not a size above 0"* ]]
    done
    run --separate-stderr afetch --body "$BASE/"
    [ "$status" -eq 2 ]
    [ "$stderr" = "afetch: --body: needs --json or --jsonl" ]
    run --separate-stderr afetch --headers -q "$BASE/"
    [ "$status" -eq 2 ]
    [ "$stderr" = "afetch: --headers: needs --json or --jsonl" ]
}

@test "results keep exactly their keys without --body and --headers; each adds only its own" {
    run --separate-stderr afetch --jsonl "$BASE/api/items" "http://127.0.0.1:$(closed_port)/"
    dump
    echo "$output" | jqt -s --argjson k "$RESULT_KEYS" 'map(keys == $k) | all'
    run --separate-stderr afetch --jsonl --body "$BASE/api/items"
    echo "$output" | jqt --argjson k "$RESULT_KEYS" \
        'keys == ($k + ["body", "body_encoding", "body_truncated"] | sort)'
    run --separate-stderr afetch --json --headers "$BASE/api/items"
    echo "$output" | jqt --argjson k "$RESULT_KEYS" '.results[0] | keys == ($k + ["headers"] | sort)'
}

# ---- --headers ----

@test "--headers: lower-case names; a repeated field is an array in order, a single one a string" {
    run --separate-stderr afetch --jsonl --headers "$BASE/multi-header"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '.headers["x-multi"] == ["a", "b", "c"]
        and .headers["set-cookie"] == ["a=1; Path=/", "b=2; Path=/"]
        and .headers["x-single"] == "one" and .headers["content-length"] == "6"
        and .headers["content-type"] == "text/plain"
        and ([.headers | keys[] | select(test("[A-Z]"))] | length) == 0'
    # names in the order they first came
    [ "$(jq -c '[.headers | keys_unsorted[] | select(startswith("x-"))]' <<<"$output")" = \
        '["x-multi","x-single"]' ]
}

@test "--headers: only the final response's: no redirect's Location, no 103's fields" {
    run --separate-stderr afetch --jsonl --headers "$BASE/redirect/1" "$BASE/interim"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt 'select(.index == 0) | .redirects == 1 and (.headers | has("location") | not)
        and .headers["content-length"] == "5"'
    echo "$output" | jqt 'select(.index == 1) | .headers["x-final"] == "yes"
        and (.headers | has("x-interim") | not)'
    # without following, the redirect is the final response
    run --separate-stderr afetch --jsonl --headers --no-follow "$BASE/redirect/1"
    echo "$output" | jqt '.headers.location == "/redirect/0"'
}

@test "--headers: bytes that are not UTF-8 become U+FFFD; the line stays valid JSON" {
    run --separate-stderr afetch --jsonl --headers --body \
        "$BASE/raw-header?name=X-Raw&hex=41ff42c0af43" "$BASE/raw-header?name=X-Raw&hex=1b5b33316dc29b"
    dump
    [ "$status" -eq 0 ]
    printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/out.jsonl"
    valid_utf8 "$BATS_TEST_TMPDIR/out.jsonl"
    echo "$output" | jqt 'select(.index == 0) | .headers["x-raw"] == "A\ufffdB\ufffd\ufffdC"'
    # controls are escaped in the JSON text, and read back as they came
    grep -qF '\u001b[31m\u009b' <<<"$output"
    echo "$output" | jqt 'select(.index == 1) | .headers["x-raw"] == "\u001b[31m\u009b"'
}

@test "--headers: trailer fields count too; past 300 KB in all the response is bad-response" {
    run --separate-stderr afetch --jsonl --headers "$BASE/trailers?n=2" "$BASE/trailers?n=6000"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt 'select(.index == 0) | .ok and .headers["x-trailer-1"] == ("x" * 48)'
    echo "$output" | jqt 'select(.index == 1) | .error.code == "bad-response"
        and (.error.message | contains("300 KB"))'
    # nothing is kept without --headers, so nothing is refused
    run --separate-stderr afetch --jsonl "$BASE/trailers?n=6000"
    [ "$status" -eq 0 ]
}

@test "--headers: no response, headers null" {
    run --separate-stderr afetch --jsonl --headers "http://127.0.0.1:$(closed_port)/"
    dump
    echo "$output" | jqt '.error.code == "connect" and .headers == null'
}

# ---- --accept ----

@test "--accept: a status in the list is ok, one outside is http; the exit code follows" {
    run --separate-stderr afetch --jsonl --accept 200-299,404 "$BASE/status/404" "$BASE/" \
        "$BASE/status/201"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt -s 'map(.ok) == [true, true, true] and map(.error) == [null, null, null]'
    run --separate-stderr afetch --jsonl --accept 404 "$BASE/status/404" "$BASE/"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt -s '.[0].ok and (.[1] | .ok == false and .status == 200
        and .error.code == "http" and .error.message == "HTTP status 200 (not in --accept)")'
    # with --no-follow a 3xx outside the list is not ok
    run --separate-stderr afetch --jsonl --no-follow --accept 200-299,301 "$BASE/redirect/1"
    [ "$status" -eq 1 ]
    echo "$output" | jqt '.status == 302 and .error.code == "http"'
}

@test "--accept: default unchanged: below 400 is ok (a 3xx with --no-follow), 404 is not" {
    run --separate-stderr afetch --jsonl --no-follow "$BASE/redirect/1" "$BASE/status/404"
    [ "$status" -eq 1 ]
    echo "$output" | jqt -s '.[0].ok and .[0].status == 302 and .[1].error.message == "HTTP status 404"'
}

@test "--accept: a bad list is a usage error naming the option" {
    local bad
    for bad in abc 299-200 99 600 1000 200, ,200 200- "200, 404" 2oo ""; do
        run --separate-stderr afetch --accept "$bad" "$BASE/"
        echo "'$bad': $stderr"
        [ "$status" -eq 2 ]
        [ "${#lines[@]}" -eq 0 ]
        [[ "$stderr" == "afetch: --accept: '"* ]]
        [ "$(grep -c . <<<"$stderr")" -eq 1 ]
    done
}

@test "--accept with --retry: a 503 outside the list is retried, one inside is ok at once" {
    local k1 k2
    k1="$(uniq_tag)a"
    k2="$(uniq_tag)b"
    run --separate-stderr afetch --jsonl --retry 3 --retry-delay 0.01 --accept 200-299 \
        "$BASE/flaky/2?key=$k1"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '.ok and .status == 200 and .attempts == 3'
    [ "$(server_count "$k1")" -eq 3 ]
    run --separate-stderr afetch --jsonl --retry 3 --retry-delay 0.01 --accept 200-299,503 \
        "$BASE/flaky/2?key=$k2"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '.ok and .status == 503 and .attempts == 1'
    [ "$(server_count "$k2")" -eq 1 ]
}

# ---- -w, --write-out ----

@test "-w: one line per result from the template, in input order; exit code as ever" {
    local closed
    closed="$(closed_port)"
    run --separate-stderr afetch -w '%{index} %{status} %{ok} %{url} [%{error.code}] %{bytes}\n' \
        "$BASE/bytes/7" "$BASE/status/404" "http://127.0.0.1:$closed/"
    dump
    [ "$status" -eq 1 ]
    [ "$output" = "0 200 true $BASE/bytes/7 [] 7
1 404 false $BASE/status/404 [http] 11
2  false http://127.0.0.1:$closed/ [connect] 0" ]
}

@test "-w: escapes \\n \\t \\\\ %%, times with 6 decimals, nested keys, null prints nothing" {
    run --separate-stderr afetch -w '%{time.total}|%{time.tls}|%{label}|%{http_version}\t%%{url}\\\n' \
        "$BASE/"
    dump
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^[0-9]+\.[0-9]{6}\|\|\|1\.1$'\t'%\{url\}\\$ ]]
    run --separate-stderr afetch --write-out='%{error.message}' "$BASE/status/500"
    [ "$status" -eq 1 ]
    [ "$output" = "HTTP status 500" ]
}

@test "-w: an unknown name is a usage error with the close name; -w with --json too" {
    run --separate-stderr afetch -w '%{stauts}\n' "$BASE/"
    [ "$status" -eq 2 ]
    [ -z "$output" ]
    [ "$stderr" = "afetch: --write-out: unknown name %{stauts}; did you mean %{status}?" ]
    run --separate-stderr afetch -w '%{time.totl}' "$BASE/"
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"did you mean %{time.total}?" ]]
    run --separate-stderr afetch -w '%{nothing_like_it}' "$BASE/"
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"unknown name %{nothing_like_it}; the names are index url"* ]]
    run --separate-stderr afetch -w '%{url' "$BASE/"
    [ "$status" -eq 2 ]
    [[ "$stderr" == "afetch: --write-out: "* ]]
    run --separate-stderr afetch -w '%{url}' --jsonl "$BASE/"
    [ "$status" -eq 2 ]
    [[ "$stderr" == "afetch: --write-out: "*"--json"* ]]
}

@test "-w: strings from the list are raw on a pipe and escaped on a terminal" {
    command -v script >/dev/null || skip "script(1) not installed"
    local list="$BATS_TEST_TMPDIR/list.txt"
    printf '{"url": "%s/", "label": "a\\u001b[31mb"}\n' "$BASE" >"$list"
    run --separate-stderr afetch -w '%{label}\n' "$list"
    [ "$status" -eq 0 ]
    [ "$output" = $'a\e[31mb' ]
    run in_terminal ${AFETCH_WRAPPER:-} "$AFETCH" --no-progress -w '%{label}\n' "$list"
    [ "$status" -eq 0 ]
    [[ "$output" == *'a\x1B[31mb'* ]]
    [ "$(grep -c $'\e\\[31' <<<"$output")" -eq 0 ]
}

# ---- the table's error column ----

@test "table: a failed row ends with its error message, whole on a pipe; ok rows have none" {
    local closed
    closed="$(closed_port)"
    run --separate-stderr afetch "$BASE/" "$BASE/status/404" "http://127.0.0.1:$closed/" \
        --accept 200,404 "$BASE/status/503"
    dump
    [ "$status" -eq 1 ]
    [[ "${lines[0]}" == *"URL  ERROR" ]]
    [[ "${lines[1]}" == *" $BASE/" ]]
    [[ "${lines[2]}" == *" $BASE/status/404" ]]
    [[ "${lines[3]}" == *" http://127.0.0.1:$closed/  Failed to connect to 127.0.0.1 port $closed"*"Couldn't connect to server" ]]
    [[ "${lines[4]}" == *" $BASE/status/503  HTTP status 503 (not in --accept)" ]]
}

@test "table: on a terminal the error message is cut to the width" {
    command -v script >/dev/null || skip "script(1) not installed"
    local closed
    closed="$(closed_port)"
    COLS=100 run in_terminal env NO_COLOR=1 ${AFETCH_WRAPPER:-} "$AFETCH" --no-progress \
        "http://127.0.0.1:$closed/"
    echo "$output" | cat -v
    local row
    row="$(grep -F "127.0.0.1:$closed/" <<<"$output" | tr -d '\r')"
    [[ "$row" == *"127.0.0.1:$closed/  Failed to"*"…" ]]
    # display width: the ellipsis is one column
    [ "$(printf '%s' "$row" | sed 's/…/./' | wc -c)" -eq 100 ]
}

# ---- the config file ----

@test "config: body, headers, accept and write-out are keys like the long options" {
    local conf="$BATS_TEST_TMPDIR/fetch.conf"
    printf 'body = 4\nheaders = true\naccept = 404\n' >"$conf"
    run --separate-stderr afetch --config "$conf" --jsonl "$BASE/status/404"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '.ok and .body == "stat" and .body_truncated and .headers["content-length"] == "11"'
    printf 'write-out = "%%{status} %%{url}\\n"\n' >"$conf"
    run --separate-stderr afetch --config "$conf" "$BASE/"
    dump
    [ "$output" = "200 $BASE/" ]
    # --json on the command line wins over the file's write-out
    run --separate-stderr afetch --config "$conf" --jsonl "$BASE/"
    [ "$status" -eq 0 ]
    echo "$output" | jqt '.status == 200'
}
