#!/usr/bin/env bats
# Requests with a body and a login: -d/--data, --data-binary, --data-json, -u/--user and the list
# entry keys "body", "json" and "user"; what reaches the server (method, Content-Type, Accept,
# body bytes, Basic credentials), on redirects and retries, in every mode; and that the password
# never shows. The server logs each request's body ("body", "body_hex") next to its headers.

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
    start_server
    start_tls_server
    start_origin_servers
}

teardown_file() {
    stop_origin_servers
    stop_tls_server
    stop_server
}

# at LOG PREFIX: the one request (JSON) in LOG whose path starts with PREFIX; fails unless
# exactly one arrived.
at() {
    local found
    found="$(jq -c --arg p "$2" 'select(.path | startswith($p))' "$1")"
    if [ "$(grep -c . <<<"$found")" -ne 1 ]; then
        echo "expected one request at $2 in $1, got: ${found:-none}" >&2
        return 1
    fi
    echo "$found"
}

# basic NAME:PASSWORD: the Authorization header value that login makes.
basic() {
    printf 'Basic %s' "$(printf '%s' "$1" | base64)"
}

# to URL [CODE]: a path on the plain server that redirects (CODE, default 302) to URL.
to() {
    echo "$BASE/redirect-to?code=${2:-302}&url=$(urlenc "$1")"
}

FORM='application/x-www-form-urlencoded'

# ------------------------------------------------------------------------------ -d and friends

@test "-d sends a POST with the exact body, its length and the form Content-Type" {
    local tag
    tag="$(uniq_tag)"
    run --separate-stderr afetch --json -d 'name=a b&x=%41' "$BASE/echo?$tag"
    dump
    [ "$status" -eq 0 ]
    at "$SERVER_LOG" "/echo?$tag" | jqt --arg f "$FORM" '.method == "POST"
        and .body == "name=a b&x=%41" and .headers["content-length"] == "14"
        and .headers["content-type"] == $f'
    # an empty body is a body: a POST with Content-Length 0
    run --separate-stderr afetch --json --data '' "$BASE/echo?$tag-empty"
    dump
    [ "$status" -eq 0 ]
    at "$SERVER_LOG" "/echo?$tag-empty" | jqt '.method == "POST" and .body == ""
        and .headers["content-length"] == "0"'
}

@test "-d with -X PUT sends a PUT with the body; -X GET a GET with it (as curl)" {
    local tag
    tag="$(uniq_tag)"
    run --separate-stderr afetch --json -X PUT -d 'v=1' "$BASE/echo?$tag-put"
    dump
    [ "$status" -eq 0 ]
    at "$SERVER_LOG" "/echo?$tag-put" | jqt '.method == "PUT" and .body == "v=1"'
    run --separate-stderr afetch --json -d 'v=2' -X GET "$BASE/echo?$tag-get"
    dump
    [ "$status" -eq 0 ]
    at "$SERVER_LOG" "/echo?$tag-get" | jqt '.method == "GET" and .body == "v=2"'
}

@test "a Content-Type from -H or from the entry's headers replaces the form type" {
    local tag list="$BATS_TEST_TMPDIR/ct.txt"
    tag="$(uniq_tag)"
    run --separate-stderr afetch --json -d 'plain' -H 'Content-Type: text/plain' "$BASE/echo?$tag-h"
    dump
    [ "$status" -eq 0 ]
    at "$SERVER_LOG" "/echo?$tag-h" | jqt '.headers["content-type"] == "text/plain"
        and .body == "plain"'
    printf '{"url": "%s", "headers": {"content-type": "text/csv"}}\n' "$BASE/echo?$tag-e" >"$list"
    run --separate-stderr afetch --json -d 'a,b' "$list"
    dump
    [ "$status" -eq 0 ]
    at "$SERVER_LOG" "/echo?$tag-e" | jqt '.headers["content-type"] == "text/csv"
        and .body == "a,b"'
}

@test "--data @FILE drops CR and LF (as curl); --data-binary @FILE sends every byte, NUL too" {
    local tag file="$BATS_TEST_TMPDIR/body.bin"
    tag="$(uniq_tag)"
    printf 'a=1\r\n&b=\0x\n' >"$file"
    run --separate-stderr afetch --json --data "@$file" "$BASE/echo?$tag-data"
    dump
    [ "$status" -eq 0 ]
    at "$SERVER_LOG" "/echo?$tag-data" | jqt '.body_hex == "613d3126623d0078"'
    run --separate-stderr afetch --json --data-binary "@$file" "$BASE/echo?$tag-bin"
    dump
    [ "$status" -eq 0 ]
    at "$SERVER_LOG" "/echo?$tag-bin" | jqt --arg h "$(od -An -tx1 -v "$file" | tr -d ' \n')" \
        '.body_hex == $h and .headers["content-length"] == "11"'
    # a literal value is sent as given, line ends and all
    run --separate-stderr afetch --json -d $'x\r\ny' "$BASE/echo?$tag-text"
    dump
    [ "$status" -eq 0 ]
    at "$SERVER_LOG" "/echo?$tag-text" | jqt '.body == "x\r\ny"'
}

@test "repeated -d and --data-binary values are joined with & (as curl)" {
    local tag
    tag="$(uniq_tag)"
    run --separate-stderr afetch --json -d a=1 --data-binary b=2 -d c=3 "$BASE/echo?$tag"
    dump
    [ "$status" -eq 0 ]
    at "$SERVER_LOG" "/echo?$tag" | jqt '.body == "a=1&b=2&c=3"'
}

@test "--data @FILE that is missing or a directory: exit 2 naming the option and the file" {
    local tag missing="$BATS_TEST_TMPDIR/no-such-body"
    tag="$(uniq_tag)"
    run --separate-stderr afetch --json --data "@$missing" "$BASE/echo?$tag"
    dump
    [ "$status" -eq 2 ]
    [ -z "$output" ]
    [[ "$stderr" == *"--data"*"$missing"*"No such file"* ]]
    run --separate-stderr afetch --json --data-binary "@$BATS_TEST_TMPDIR" "$BASE/echo?$tag"
    dump
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"--data-binary"*"$BATS_TEST_TMPDIR"*"directory"* ]]
    [ "$(grep -cF -- "$tag" "$SERVER_LOG")" -eq 0 ]
}

@test "-d @- reads standard input; when the list is standard input it is a usage error" {
    local tag list="$BATS_TEST_TMPDIR/list.txt"
    tag="$(uniq_tag)"
    write_list "$list" "$BASE/echo?$tag-1" "$BASE/echo?$tag-2"
    run --separate-stderr afetch --json --data-binary @- "$list" <<<"from stdin"
    dump
    [ "$status" -eq 0 ]
    at "$SERVER_LOG" "/echo?$tag-1" | jqt '.body == "from stdin\n"'
    at "$SERVER_LOG" "/echo?$tag-2" | jqt '.body == "from stdin\n"'
    # no operand, or "-": standard input is the list
    run --separate-stderr afetch --json -d @- <<<"$BASE/echo?$tag-3"
    dump
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"-d"*"standard input"* ]]
    run --separate-stderr afetch --json -d @- "$BASE/echo?$tag-4" - <<<"$BASE/echo?$tag-5"
    dump
    [ "$status" -eq 2 ]
    [ "$(grep -cF -- "$tag-" "$SERVER_LOG")" -eq 2 ]
}

# ---------------------------------------------------------------------------------- JSON

@test "--data-json sends compact JSON, numbers as written, with Content-Type and Accept JSON" {
    local tag file="$BATS_TEST_TMPDIR/doc.json"
    tag="$(uniq_tag)"
    run --separate-stderr afetch --json --data-json '{ "id": 12345678901234567891,
        "s": "a  b\u00e9", "l": [1, 2.50] }' "$BASE/echo?$tag"
    dump
    [ "$status" -eq 0 ]
    at "$SERVER_LOG" "/echo?$tag" | jqt '.method == "POST"
        and .body == "{\"id\":12345678901234567891,\"s\":\"a  b\\u00e9\",\"l\":[1,2.50]}"
        and .headers["content-type"] == "application/json"
        and .headers.accept == "application/json"'
    printf '[\n  true,\n  null\n]\n' >"$file"
    run --separate-stderr afetch --json --data-json "@$file" -X PATCH "$BASE/echo?$tag-file"
    dump
    [ "$status" -eq 0 ]
    at "$SERVER_LOG" "/echo?$tag-file" | jqt '.method == "PATCH" and .body == "[true,null]"'
}

@test "--data-json: Content-Type and Accept from -H win" {
    local tag
    tag="$(uniq_tag)"
    run --separate-stderr afetch --json --data-json '{}' -H 'Content-Type: application/vnd.x+json' \
        -H 'Accept: text/plain' "$BASE/echo?$tag"
    dump
    [ "$status" -eq 0 ]
    at "$SERVER_LOG" "/echo?$tag" | jqt '.headers["content-type"] == "application/vnd.x+json"
        and .headers.accept == "text/plain" and .body == "{}"'
}

@test "--data-json that is not JSON: exit 2 naming the option (and the file); nothing sent" {
    local tag file="$BATS_TEST_TMPDIR/bad.json" bad
    tag="$(uniq_tag)"
    for bad in '{"a": 1' '{"a": 1} x' '' 'nope'; do
        run --separate-stderr afetch --json --data-json "$bad" "$BASE/echo?$tag"
        dump
        [ "$status" -eq 2 ]
        [ -z "$output" ]
        [[ "$stderr" == "afetch: --data-json: "*"not valid JSON"* ]]
    done
    printf '{"a": 1}\0' >"$file"
    run --separate-stderr afetch --json --data-json "@$file" "$BASE/echo?$tag"
    dump
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"--data-json"*"$file"*"not valid JSON"* ]]
    [ "$(grep -cF -- "$tag" "$SERVER_LOG")" -eq 0 ]
}

@test "--data-json goes with no other body option" {
    run --separate-stderr afetch --json -d a=1 --data-json '{}' "$BASE/"
    dump
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"--data-json"*"--data"* ]]
    run --separate-stderr afetch --json --data-json '{}' --data-binary x "$BASE/"
    dump
    [ "$status" -eq 2 ]
}

# ---------------------------------------------------------------------------- list entries

@test "entry keys body, json and user apply to their entry and win over the options" {
    local tag list="$BATS_TEST_TMPDIR/entries.txt"
    tag="$(uniq_tag)"
    {
        printf '{"url": "%s", "body": "entry=1"}\n' "$BASE/echo?$tag-body"
        printf '{"url": "%s", "json": {"n": 12345678901234567891, "a": [1, {}]}}\n' \
            "$BASE/echo?$tag-json"
        printf '{"url": "%s", "json": null}\n' "$BASE/echo?$tag-null"
        printf '{"url": "%s", "user": "eu:e:p"}\n' "$BASE/echo?$tag-user"
        printf '{"url": "%s", "method": "PUT", "body": "put"}\n' "$BASE/echo?$tag-put"
        printf '%s\n' "$BASE/echo?$tag-plain"
    } >"$list"
    run --separate-stderr afetch --json -d opt=1 -u ou:op "$list"
    dump
    [ "$status" -eq 0 ]
    local opt entry
    opt="$(basic ou:op)"
    entry="$(basic eu:e:p)"
    at "$SERVER_LOG" "/echo?$tag-body" | jqt --arg f "$FORM" --arg a "$opt" '.method == "POST"
        and .body == "entry=1" and .headers["content-type"] == $f and .headers.authorization == $a'
    at "$SERVER_LOG" "/echo?$tag-json" | jqt '.body == "{\"n\":12345678901234567891,\"a\":[1,{}]}"
        and .headers["content-type"] == "application/json"
        and .headers.accept == "application/json"'
    at "$SERVER_LOG" "/echo?$tag-null" | jqt '.body == "null"'
    at "$SERVER_LOG" "/echo?$tag-user" | jqt --arg a "$entry" '.headers.authorization == $a
        and .body == "opt=1"'
    at "$SERVER_LOG" "/echo?$tag-put" | jqt '.method == "PUT" and .body == "put"'
    at "$SERVER_LOG" "/echo?$tag-plain" | jqt --arg a "$opt" '.method == "POST"
        and .body == "opt=1" and .headers.authorization == $a'
    # without the options, an entry without keys is a plain GET
    run --separate-stderr afetch --json "$BASE/echo?$tag-bare"
    at "$SERVER_LOG" "/echo?$tag-bare" | jqt '.method == "GET" and (has("body") | not)
        and (.headers | has("authorization") | not)'
}

@test "entry errors: body and json together, wrong types, HEAD with a body: invalid-input naming the line" {
    local tag list="$BATS_TEST_TMPDIR/bad-entries.txt"
    tag="$(uniq_tag)"
    {
        printf '{"url": "%s", "body": "a", "json": {}}\n' "$BASE/echo?$tag-both"
        printf '{"url": "%s", "body": 5}\n' "$BASE/echo?$tag-num"
        printf '{"url": "%s", "body": null}\n' "$BASE/echo?$tag-null"
        printf '{"url": "%s", "user": "nocolon"}\n' "$BASE/echo?$tag-colon"
        printf '{"url": "%s", "user": ["a:b"]}\n' "$BASE/echo?$tag-type"
        printf '{"url": "%s", "method": "HEAD", "json": 1}\n' "$BASE/echo?$tag-head"
        printf '{"url": "%s", "bodi": "x"}\n' "$BASE/echo?$tag-typo"
        printf '%s\n' "$BASE/echo?$tag-good"
    } >"$list"
    run --separate-stderr afetch --json "$list"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '[.results[].ok] == [false, false, false, false, false, false, false, true]'
    echo "$output" | jqt 'all(.results[0:7][]; .error.code == "invalid-input" and .attempts == 0)'
    echo "$output" | jqt '[.results[0:7][] | .error.message | capture("entries.txt:(?<n>[0-9]+): ").n]
        == ["1", "2", "3", "4", "5", "6", "7"]'
    echo "$output" | jqt '.results[0].error.message | contains("\"body\" and \"json\"")'
    echo "$output" | jqt '.results[1].error.message | contains("\"body\" must be a string")'
    echo "$output" | jqt '.results[3].error.message | contains("\"user\" must be")'
    echo "$output" | jqt '.results[5].error.message | contains("HEAD")'
    echo "$output" | jqt '.results[6].error.message | contains("did you mean \"body\"")'
    [ "$(grep -cF -- "$tag" "$SERVER_LOG")" -eq 1 ]
}

@test "-I (or -X HEAD) with a body is a usage error; an entry HEAD with the option's body is invalid-input" {
    local tag list="$BATS_TEST_TMPDIR/head.txt"
    tag="$(uniq_tag)"
    run --separate-stderr afetch --json -I -d x "$BASE/echo?$tag"
    dump
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"--data"*"HEAD"* ]]
    run --separate-stderr afetch --json --data-json 1 -X HEAD "$BASE/echo?$tag"
    dump
    [ "$status" -eq 2 ]
    printf '{"url": "%s", "method": "HEAD"}\n%s\n' "$BASE/echo?$tag-head" "$BASE/echo?$tag-post" \
        >"$list"
    run --separate-stderr afetch --json -d x "$list"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '.results[0].error.code == "invalid-input" and .results[1].ok'
    at "$SERVER_LOG" "/echo?$tag-post" | jqt '.method == "POST"'
    [ "$(grep -cF -- "$tag" "$SERVER_LOG")" -eq 1 ]
}

# ------------------------------------------------------------------------------------ -u

@test "-u sends Basic credentials; -u without a colon is exit 2 and does not echo the value" {
    local tag
    tag="$(uniq_tag)"
    run --separate-stderr afetch --json -u 'al:pw:with:colons' "$BASE/echo?$tag-a"
    dump
    [ "$status" -eq 0 ]
    at "$SERVER_LOG" "/echo?$tag-a" | jqt --arg a "$(basic al:pw:with:colons)" \
        '.headers.authorization == $a and .method == "GET"'
    # USER: is an empty password; -u wins over the URL's user info (as in curl)
    run --separate-stderr afetch --json --user 'al:' "http://x:y@127.0.0.1:$PORT/echo?$tag-b"
    dump
    [ "$status" -eq 0 ]
    at "$SERVER_LOG" "/echo?$tag-b" | jqt --arg a "$(basic al:)" '.headers.authorization == $a'
    run --separate-stderr afetch --json -u 'onlysecretname' "$BASE/echo?$tag-c"
    dump
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"--user"*"USER:PASSWORD"* || "$stderr" == *"-u"*"USER:PASSWORD"* ]]
    [[ "$stderr" != *onlysecretname* ]]
}

@test "the password of -u and of an entry's user never shows: table, JSON, -v, --trace, errors" {
    local tag list="$BATS_TEST_TMPDIR/users.txt" port conf="$BATS_TEST_TMPDIR/u.conf"
    tag="$(uniq_tag)"
    port="$(closed_port)"
    {
        printf '{"url": "%s", "user": "e:ENTRYPW"}\n' "$BASE/echo?$tag-1"
        printf '{"url": "http://127.0.0.1:%s/", "user": "e:ENTRYPW"}\n' "$port"
        printf '{"url": "%s", "user": "e:ENTRYPW", "bogus": 1}\n' "$BASE/echo?$tag-2"
        printf '{"user": "e:ENTRYPW", "url": "%s"\n' "$BASE/echo?$tag-3"
        printf '{"user": 1, "url": "%s", "user": "e:ENTRYPW"\n' "$BASE/echo?$tag-4"
        printf '{"url": 5, "user" :  "e:ENTRYPW"}\n'
    } >"$list"
    local args
    for args in "" "--json" "--jsonl" "-v" "--trace --sync" "-v --threads 2" "--json --compare"; do
        # shellcheck disable=SC2086
        run --separate-stderr afetch $args -u 'o:OPTIONPW' "$list" "$BASE/status/404" \
            "$(to "$BASE/status/500")" "$BASE/redirect-loop"
        echo "afetch $args"
        dump
        [ "$status" -eq 1 ]
        [[ "$output$stderr" == *"$tag-1"* ]]
        [[ "$output$stderr" != *OPTIONPW* && "$output$stderr" != *ENTRYPW* ]]
    done
    # the requests did carry them
    jq -r --arg t "$tag-1" 'select(.path | contains($t)) | .headers.authorization' "$SERVER_LOG" |
        sort -u | grep -qx "$(basic e:ENTRYPW)"
    # usage and config file errors
    for args in "--usr=o:OPTIONPW" "-u o:OPTIONPW --bogus" "-u OPTIONPW"; do
        # shellcheck disable=SC2086
        run --separate-stderr afetch $args "$BASE/"
        dump
        [ "$status" -eq 2 ]
        [[ "$output$stderr" != *OPTIONPW* ]]
    done
    printf 'user = OPTIONPW\n' >"$conf"
    run --separate-stderr afetch --config "$conf" "$BASE/"
    dump
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"u.conf:1"* && "$stderr" != *OPTIONPW* ]]
}

@test "-u goes to the first origin only: not to another host, port or https -> http; --location-trusted lets it" {
    local tag
    tag="$(uniq_tag)"
    local creds
    creds="$(basic al:PW)"
    run --separate-stderr afetch --json --cacert "$TLS_CERT" -u al:PW \
        "$(to "$HOST2_BASE/echo?$tag-host")" \
        "$(to "$PORT2_BASE/echo?$tag-port")" \
        "$(to "/echo?$tag-same")" \
        "$TLS_BASE/redirect-to?url=$(urlenc "$BASE/echo?$tag-down")"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt 'all(.results[]; .ok and .redirects == 1)'
    at "$SERVER_LOG" "/redirect-to?code=302&url=$(urlenc "$HOST2_BASE/echo?$tag-host")" |
        jqt --arg a "$creds" '.headers.authorization == $a'
    at "$HOST2_LOG" "/echo?$tag-host" | jqt '.headers | has("authorization") | not'
    at "$PORT2_LOG" "/echo?$tag-port" | jqt '.headers | has("authorization") | not'
    at "$SERVER_LOG" "/echo?$tag-same" | jqt --arg a "$creds" '.headers.authorization == $a'
    at "$SERVER_LOG" "/echo?$tag-down" | jqt '.headers | has("authorization") | not'
    # trusted: to the other host too, but still not from https to http
    run --separate-stderr afetch --json --cacert "$TLS_CERT" -u al:PW --location-trusted \
        "$(to "$HOST2_BASE/echo?$tag-trusted")" \
        "$TLS_BASE/redirect-to?url=$(urlenc "$BASE/echo?$tag-tdown")"
    dump
    [ "$status" -eq 0 ]
    at "$HOST2_LOG" "/echo?$tag-trusted" | jqt --arg a "$creds" '.headers.authorization == $a'
    at "$SERVER_LOG" "/echo?$tag-tdown" | jqt '.headers | has("authorization") | not'
    # an entry's user follows the same rule
    local list="$BATS_TEST_TMPDIR/user-redirect.txt"
    printf '{"url": "%s", "user": "e:EPW"}\n' "$(to "$HOST2_BASE/echo?$tag-entry")" >"$list"
    run --separate-stderr afetch --json "$list"
    dump
    [ "$status" -eq 0 ]
    at "$HOST2_LOG" "/echo?$tag-entry" | jqt '.headers | has("authorization") | not'
    [ "$(grep -c PW "$HOST2_LOG")" -eq 0 ]
}

# ------------------------------------------------------------------- redirects and retries

@test "a body on redirects: 307 and 308 send it again (to another origin too), 303 and POST after 302 drop it" {
    local tag
    tag="$(uniq_tag)"
    run --separate-stderr afetch --json -d 'k=v' \
        "$(to "/echo?$tag-307" 307)" \
        "$(to "$HOST2_BASE/echo?$tag-308" 308)" \
        "$(to "/echo?$tag-303" 303)" \
        "$(to "/echo?$tag-302" 302)" \
        "$(to "/echo?$tag-301" 301)"
    dump
    [ "$status" -eq 0 ]
    at "$SERVER_LOG" "/echo?$tag-307" | jqt --arg f "$FORM" '.method == "POST" and .body == "k=v"
        and .headers["content-type"] == $f'
    at "$HOST2_LOG" "/echo?$tag-308" | jqt '.method == "POST" and .body == "k=v"'
    local hop
    for hop in 303 302 301; do
        at "$SERVER_LOG" "/echo?$tag-$hop" | jqt '.method == "GET" and (has("body") | not)
            and (.headers | has("content-type") or has("content-length") | not)'
    done
    # PUT keeps its method and body on a 302; a 303 makes any method a GET without a body
    run --separate-stderr afetch --json -X PUT --data-json '{"a":1}' \
        "$(to "/echo?$tag-put302" 302)" "$(to "/echo?$tag-put303" 303)"
    dump
    [ "$status" -eq 0 ]
    at "$SERVER_LOG" "/echo?$tag-put302" | jqt '.method == "PUT" and .body == "{\"a\":1}"
        and .headers["content-type"] == "application/json"'
    at "$SERVER_LOG" "/echo?$tag-put303" | jqt '.method == "GET" and (has("body") | not)
        and (.headers | has("content-type") | not) and .headers.accept == "application/json"'
}

@test "retries: PUT and DELETE are retried with their body; POST and PATCH never are" {
    local k
    k="$(uniq_tag)"
    run --separate-stderr afetch --json --retry 2 --retry-delay 0.05 -X PUT -d 'again=1' \
        "$BASE/flaky/1?key=$k-put"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '.results[0] | .ok and .attempts == 2'
    [ "$(server_count "$k-put")" -eq 2 ]
    [ "$(jq -c --arg p "/flaky/1?key=$k-put" 'select(.path == $p) | [.method, .body]' \
        "$SERVER_LOG" | uniq -c | awk '{$1 = $1} 1')" = '2 ["PUT","again=1"]' ]
    run --separate-stderr afetch --json --retry 2 --retry-delay 0.05 -X DELETE \
        "$BASE/flaky/1?key=$k-delete"
    dump
    [ "$status" -eq 0 ]
    [ "$(server_count "$k-delete")" -eq 2 ]
    local list="$BATS_TEST_TMPDIR/retry.txt"
    {
        printf '{"url": "%s", "body": "once"}\n' "$BASE/flaky/1?key=$k-post"
        printf '{"url": "%s", "method": "PATCH", "json": 1}\n' "$BASE/flaky/1?key=$k-patch"
    } >"$list"
    run --separate-stderr afetch --json --retry 2 --retry-delay 0.05 "$list"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt 'all(.results[]; .status == 503 and .attempts == 1)'
    [ "$(server_count "$k-post")" -eq 1 ]
    [ "$(server_count "$k-patch")" -eq 1 ]
}

# -------------------------------------------------------------------------- modes, config

@test "every mode sends the bodies and logins: --sync, --threads, --compare" {
    local tag mode list="$BATS_TEST_TMPDIR/modes.txt"
    tag="$(uniq_tag)"
    for mode in "--sync" "--threads 2" "--compare=sync,threads,async"; do
        local m="${mode%% *}"
        m="${m#--}"
        m="${m%%=*}"
        {
            printf '{"url": "%s", "json": [%s], "user": "e:p"}\n' "$BASE/echo?$tag-$m-e" 7
            printf '%s\n' "$BASE/echo?$tag-$m-o"
        } >"$list"
        # shellcheck disable=SC2086
        run --separate-stderr afetch --json $mode -d 'o=1' "$list"
        echo "mode $mode"
        dump
        [ "$status" -eq 0 ]
        local n=1
        [ "$m" = compare ] && n=3
        [ "$(jq -c --arg t "/echo?$tag-$m-e" 'select(.path == $t) | [.method, .body,
            .headers.authorization]' "$SERVER_LOG" | sort | uniq -c | awk '{print $1}')" -eq "$n" ]
        jq -c --arg t "/echo?$tag-$m-e" 'select(.path == $t)' "$SERVER_LOG" | head -1 |
            jqt --arg a "$(basic e:p)" '.body == "[7]" and .headers.authorization == $a'
        jq -c --arg t "/echo?$tag-$m-o" 'select(.path == $t)' "$SERVER_LOG" |
            jqt -s 'all(.[]; .method == "POST" and .body == "o=1")'
    done
}

@test "config file: data, data-json and user keys; the command line's body wins over the file's" {
    local tag conf="$BATS_TEST_TMPDIR/body.conf"
    tag="$(uniq_tag)"
    printf 'data = from=file\nuser = cf:cpw\n' >"$conf"
    run --separate-stderr afetch --config "$conf" --json "$BASE/echo?$tag-file"
    dump
    [ "$status" -eq 0 ]
    at "$SERVER_LOG" "/echo?$tag-file" | jqt --arg a "$(basic cf:cpw)" '.method == "POST"
        and .body == "from=file" and .headers.authorization == $a'
    run --separate-stderr afetch --config "$conf" --json --data-json '[1]' "$BASE/echo?$tag-cli"
    dump
    [ "$status" -eq 0 ]
    at "$SERVER_LOG" "/echo?$tag-cli" | jqt '.body == "[1]"
        and .headers["content-type"] == "application/json"'
    printf 'data-json = {"a":\n' >"$conf"
    run --separate-stderr afetch --config "$conf" --json "$BASE/echo?$tag-bad"
    dump
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"body.conf:1: --data-json"*"not valid JSON"* ]]
}
