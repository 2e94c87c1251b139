#!/usr/bin/env bats
# Following redirects: which headers and URL credentials go along to each hop (the origin
# rule, the https -> http rule, --location-trusted, entry headers), and what afetch's own
# following keeps of libcurl's: methods after 30x, the timeout over all hops, only the final
# body saved and hashed, timing over all hops, the redirect limit, bad Locations. Hops go
# between 127.0.0.1 and 127.0.0.2 (both loopback), two ports, and http and https.

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

# Every credential value holds "secret"; X-Trace is no credential.
CREDS=(-H 'Authorization: Bearer secret-a' -H 'Proxy-Authorization: Basic secret-p'
    -H 'Cookie: sid=secret-c' -H 'X-Api-Key: secret-k' -H 'X-Auth-Token: secret-t'
    -H 'X-Session-Id: secret-s')
TRACE=(-H 'X-Trace: trace-1')

ALL_ARRIVED='has("authorization") and has("proxy-authorization") and has("cookie")
    and has("x-api-key") and has("x-auth-token") and has("x-session-id")
    and .["x-trace"] == "trace-1"'
NO_CREDENTIAL='(has("authorization") or has("proxy-authorization") or has("cookie")
    or has("x-api-key") or has("x-auth-token") or has("x-session-id")) | not'

# headers_at LOG PREFIX: the headers (a JSON object, lowercase names) of the one request in
# LOG whose path starts with PREFIX; fails unless exactly one arrived.
headers_at() {
    local found
    found="$(jq -c --arg p "$2" 'select(.path | startswith($p)) | .headers' "$1")"
    if [ "$(grep -c . <<<"$found")" -ne 1 ]; then
        echo "expected one request at $2 in $1, got: ${found:-none}" >&2
        return 1
    fi
    echo "$found"
}

# method_at LOG PREFIX: the method of the one request in LOG whose path starts with PREFIX.
method_at() {
    headers_at "$1" "$2" >/dev/null || return 1
    jq -r --arg p "$2" 'select(.path | startswith($p)) | .method' "$1"
}

# to URL: a path on the plain server that redirects (302) to URL.
to() {
    echo "$BASE/redirect-to?url=$(urlenc "$1")"
}

# ---------------------------------------------------------------- which headers go along

@test "same origin: relative and absolute redirects keep every custom header" {
    local tag
    tag="$(uniq_tag)"
    run --separate-stderr afetch --json "${CREDS[@]}" "${TRACE[@]}" \
        "$(to "/echo?$tag-rel")" "$(to "$BASE/echo?$tag-abs")"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt 'all(.results[]; .ok and .redirects == 1)'
    headers_at "$SERVER_LOG" "/echo?$tag-rel" | jqt "$ALL_ARRIVED"
    headers_at "$SERVER_LOG" "/echo?$tag-abs" | jqt "$ALL_ARRIVED"
}

@test "another host (127.0.0.1 -> 127.0.0.2, same port): credential headers stay behind, X-Trace goes" {
    local tag mode
    tag="$(uniq_tag)"
    for mode in async sync threads; do
        local -a runner=()
        [ "$mode" = sync ] && runner=(--sync)
        [ "$mode" = threads ] && runner=(--threads 2)
        run --separate-stderr afetch --json "${runner[@]}" "${CREDS[@]}" "${TRACE[@]}" \
            "$(to "$HOST2_BASE/echo?$tag-$mode")"
        echo "mode $mode"
        dump
        [ "$status" -eq 0 ]
        echo "$output" | jqt --arg u "$HOST2_BASE/echo?$tag-$mode" \
            '.results[0] | .ok and .redirects == 1 and .effective_url == $u'
        # the first hop had them all; the other host got none of them
        headers_at "$SERVER_LOG" "/redirect-to?url=$(urlenc "$HOST2_BASE/echo?$tag-$mode")" |
            jqt "$ALL_ARRIVED"
        headers_at "$HOST2_LOG" "/echo?$tag-$mode" | jqt "$NO_CREDENTIAL"
        headers_at "$HOST2_LOG" "/echo?$tag-$mode" | jqt '.["x-trace"] == "trace-1"'
    done
    [ "$(grep -c secret "$HOST2_LOG")" -eq 0 ]
}

@test "another port on the same host: credential headers stay behind, X-Trace goes" {
    local tag
    tag="$(uniq_tag)"
    run --separate-stderr afetch --json "${CREDS[@]}" "${TRACE[@]}" "$(to "$PORT2_BASE/echo?$tag")"
    dump
    [ "$status" -eq 0 ]
    headers_at "$PORT2_LOG" "/echo?$tag" | jqt "$NO_CREDENTIAL"
    headers_at "$PORT2_LOG" "/echo?$tag" | jqt '.["x-trace"] == "trace-1"'
    [ "$(grep -c secret "$PORT2_LOG")" -eq 0 ]
}

@test "https -> http: no custom header goes along, for the rest of the chain, trusted or not" {
    local tag trusted
    tag="$(uniq_tag)"
    for trusted in "" --location-trusted; do
        # https -> http -> back to https
        local back="$TLS_BASE/echo?$tag$trusted-back"
        local down="$BASE/redirect-to?url=$(urlenc "$back")&t=$tag$trusted"
        run --separate-stderr afetch --json --cacert "$TLS_CERT" ${trusted:+"$trusted"} \
            "${CREDS[@]}" "${TRACE[@]}" "$TLS_BASE/redirect-to?url=$(urlenc "$down")"
        echo "with ${trusted:-no option}"
        dump
        [ "$status" -eq 0 ]
        echo "$output" | jqt --arg u "$back" '.results[0] | .ok and .redirects == 2
            and .effective_url == $u'
        headers_at "$SERVER_LOG" "/redirect-to?url=$(urlenc "$back")" |
            jqt 'has("x-trace") or has("authorization") or has("x-api-key") | not'
        headers_at "$TLS_LOG" "/echo?$tag$trusted-back" |
            jqt 'has("x-trace") or has("authorization") or has("x-api-key") | not'
    done
    [ "$(grep -F "$tag" "$SERVER_LOG" | grep -c secret)" -eq 0 ]
}

@test "--location-trusted: credential headers follow to another host; the config key too" {
    local tag
    tag="$(uniq_tag)"
    run --separate-stderr afetch --json --location-trusted "${CREDS[@]}" "${TRACE[@]}" \
        "$(to "$HOST2_BASE/echo?$tag-cli")"
    dump
    [ "$status" -eq 0 ]
    headers_at "$HOST2_LOG" "/echo?$tag-cli" | jqt "$ALL_ARRIVED"

    local conf="$BATS_TEST_TMPDIR/fetch.conf"
    printf 'location-trusted = true\n' >"$conf"
    run --separate-stderr afetch --json --config "$conf" "${CREDS[@]}" "${TRACE[@]}" \
        "$(to "$HOST2_BASE/echo?$tag-conf")"
    dump
    [ "$status" -eq 0 ]
    headers_at "$HOST2_LOG" "/echo?$tag-conf" | jqt "$ALL_ARRIVED"

    # the command line overrides the file
    run --separate-stderr afetch --json --config "$conf" --no-location-trusted "${CREDS[@]}" \
        "${TRACE[@]}" "$(to "$HOST2_BASE/echo?$tag-off")"
    dump
    [ "$status" -eq 0 ]
    headers_at "$HOST2_LOG" "/echo?$tag-off" | jqt "$NO_CREDENTIAL"
}

@test "headers of a JSON list entry follow the same rule" {
    local tag list="$BATS_TEST_TMPDIR/list.jsonl"
    tag="$(uniq_tag)"
    local headers='{"Authorization": "Bearer secret-a", "X-Api-Key": "secret-k",
        "Cookie": "c=secret-c", "X-Session-Id": "secret-s", "X-Trace": "trace-1"}'
    jq -nc --arg u "$(to "$HOST2_BASE/echo?$tag-far")" --argjson h "$headers" \
        '{url: $u, headers: $h}' >"$list"
    jq -nc --arg u "$(to "/echo?$tag-near")" --argjson h "$headers" \
        '{url: $u, headers: $h}' >>"$list"
    run --separate-stderr afetch --json "$list"
    dump
    [ "$status" -eq 0 ]
    headers_at "$HOST2_LOG" "/echo?$tag-far" | jqt "$NO_CREDENTIAL"
    headers_at "$HOST2_LOG" "/echo?$tag-far" | jqt '.["x-trace"] == "trace-1"'
    headers_at "$SERVER_LOG" "/echo?$tag-near" | jqt '.authorization == "Bearer secret-a"
        and .["x-api-key"] == "secret-k" and .cookie == "c=secret-c"
        and .["x-session-id"] == "secret-s"'
}

@test "a chain that leaves the origin and comes back brings no credential back" {
    local tag
    tag="$(uniq_tag)"
    local away="$HOST2_BASE/redirect-to?url=$(urlenc "$BASE/echo?$tag")"
    run --separate-stderr afetch --json "${CREDS[@]}" "${TRACE[@]}" \
        "http://user:pw-$tag@127.0.0.1:$PORT/redirect-to?url=$(urlenc "$away")"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '.results[0] | .ok and .redirects == 2'
    headers_at "$SERVER_LOG" "/echo?$tag" | jqt "$NO_CREDENTIAL"
    headers_at "$SERVER_LOG" "/echo?$tag" | jqt '.["x-trace"] == "trace-1"'
}

@test "a custom Host header goes to the first host only" {
    local tag
    tag="$(uniq_tag)"
    run --separate-stderr afetch --json -H 'Host: origin.test' \
        "$(to "/echo?$tag-near")" "$(to "$HOST2_BASE/echo?$tag-far")"
    dump
    [ "$status" -eq 0 ]
    headers_at "$SERVER_LOG" "/echo?$tag-near" | jqt '.host == "origin.test"'
    headers_at "$HOST2_LOG" "/echo?$tag-far" | jqt --arg h "${HOST2_BASE#http://}" '.host == $h'
}

# ---------------------------------------------------------------------- URL credentials

@test "URL credentials go to the first origin only: not to another host, port or scheme" {
    local tag
    tag="$(uniq_tag)"
    local creds="http://user:pw@127.0.0.1:$PORT"
    run --separate-stderr afetch --json --cacert "$TLS_CERT" \
        "$creds/redirect-to?url=$(urlenc "$HOST2_BASE/echo?$tag-host")" \
        "$creds/redirect-to?url=$(urlenc "//127.0.0.2:$PORT/echo?$tag-netpath")" \
        "$creds/redirect-to?url=$(urlenc "$PORT2_BASE/echo?$tag-port")" \
        "$creds/redirect-to?url=$(urlenc "$TLS_BASE/echo?$tag-scheme")" \
        "$creds/redirect-to?url=$(urlenc "/echo?$tag-rel")" \
        "$creds/redirect-to?url=$(urlenc "$BASE/echo?$tag-abs")"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt 'all(.results[]; .ok and .redirects == 1)'
    headers_at "$HOST2_LOG" "/echo?$tag-host" | jqt 'has("authorization") | not'
    headers_at "$HOST2_LOG" "/echo?$tag-netpath" | jqt 'has("authorization") | not'
    headers_at "$PORT2_LOG" "/echo?$tag-port" | jqt 'has("authorization") | not'
    headers_at "$TLS_LOG" "/echo?$tag-scheme" | jqt 'has("authorization") | not'
    # the same origin gets them, also from an absolute Location without them (as libcurl did)
    local basic="Basic $(printf 'user:pw' | base64)"
    headers_at "$SERVER_LOG" "/echo?$tag-rel" | jqt --arg b "$basic" '.authorization == $b'
    headers_at "$SERVER_LOG" "/echo?$tag-abs" | jqt --arg b "$basic" '.authorization == $b'
}

@test "--location-trusted: URL credentials follow to another host" {
    local tag
    tag="$(uniq_tag)"
    run --separate-stderr afetch --json --location-trusted \
        "http://user:pw@127.0.0.1:$PORT/redirect-to?url=$(urlenc "$HOST2_BASE/echo?$tag")"
    dump
    [ "$status" -eq 0 ]
    headers_at "$HOST2_LOG" "/echo?$tag" |
        jqt --arg b "Basic $(printf 'user:pw' | base64)" '.authorization == $b'
}

# ----------------------------------------------------------- what libcurl's following did

@test "methods after a redirect: 303 and POST after 301/302 become GET; 307, 308 keep it; HEAD stays" {
    local tag
    tag="$(uniq_tag)"
    run --separate-stderr afetch --json -X POST \
        "$BASE/redirect-to?code=303&url=$(urlenc "/echo?$tag-post303")" \
        "$BASE/redirect-to?code=301&url=$(urlenc "/echo?$tag-post301")" \
        "$BASE/redirect-to?code=302&url=$(urlenc "/echo?$tag-post302")" \
        "$BASE/redirect-to?code=307&url=$(urlenc "/echo?$tag-post307")" \
        "$BASE/redirect-to?code=308&url=$(urlenc "/echo?$tag-post308")"
    dump
    [ "$status" -eq 0 ]
    [ "$(method_at "$SERVER_LOG" "/echo?$tag-post303")" = GET ]
    [ "$(method_at "$SERVER_LOG" "/echo?$tag-post301")" = GET ]
    [ "$(method_at "$SERVER_LOG" "/echo?$tag-post302")" = GET ]
    [ "$(method_at "$SERVER_LOG" "/echo?$tag-post307")" = POST ]
    [ "$(method_at "$SERVER_LOG" "/echo?$tag-post308")" = POST ]
    run --separate-stderr afetch --json -X PUT \
        "$BASE/redirect-to?code=303&url=$(urlenc "/echo?$tag-put303")" \
        "$BASE/redirect-to?code=302&url=$(urlenc "/echo?$tag-put302")"
    dump
    [ "$status" -eq 0 ]
    [ "$(method_at "$SERVER_LOG" "/echo?$tag-put303")" = GET ]
    [ "$(method_at "$SERVER_LOG" "/echo?$tag-put302")" = PUT ]
    run --separate-stderr afetch --json -I "$BASE/redirect-to?code=303&url=$(urlenc "/echo?$tag-head")"
    dump
    [ "$status" -eq 0 ]
    [ "$(method_at "$SERVER_LOG" "/echo?$tag-head")" = HEAD ]
}

@test "-t covers the whole chain, not each hop" {
    local started elapsed
    started=$(now_ms)
    # each hop takes 2 s, under -t 3; the two together do not
    run --separate-stderr afetch --json -t 3 \
        "$BASE/redirect-to?delay=2000&url=$(urlenc "$BASE/delay/2000")"
    elapsed=$(($(now_ms) - started))
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '.results[0] | .ok == false and .error.code == "timeout"
        and .redirects == 1'
    [ "$elapsed" -lt 20000 ]
}

@test "only the final body is saved, hashed and counted" {
    local dir="$BATS_TEST_TMPDIR/saved"
    run --separate-stderr afetch --json -o "$dir" --hash "$(to "/")"
    dump
    [ "$status" -eq 0 ]
    local want
    want="$(printf 'ok\n' | sha256_of -)"
    echo "$output" | jqt --arg h "$want" '.results[0] | .ok and .bytes == 3 and .sha256 == $h
        and .redirects == 1'
    [ "$(cat "$dir"/*)" = "ok" ]
    [ "$(find "$dir" -type f | wc -l)" -eq 1 ]
}

@test "timing covers every hop" {
    run --separate-stderr afetch --json "$BASE/redirect-to?delay=800&url=$(urlenc "$BASE/delay/800")"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '.results[0] | .ok and .redirects == 1 and .time.total >= 1.5
        and .time.ttfb >= 1.5 and .time.ttfb <= .time.total'
}

@test "--max-redirs: the limit's error carries the last redirect's status and count" {
    run --separate-stderr afetch --json --max-redirs 2 "$BASE/redirect/5"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt --arg u "$BASE/redirect/3" '.results[0] | .ok == false
        and .error.code == "too-many-redirects" and .status == 302 and .redirects == 2
        and .effective_url == $u'
}

@test "a 3xx without Location is the final response; --no-follow keeps a redirect's body" {
    run --separate-stderr afetch --json "$BASE/status/302" "$BASE/status/301"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt 'all(.results[]; .ok and .redirects == 0) and .results[0].status == 302'
    run --separate-stderr afetch --json --no-follow "$(to "/")"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '.results[0] | .ok and .status == 302 and .redirects == 0
        and .bytes == ("redirect\n" | length)'
}

@test "a Location that is no URL is bad-response; an unknown scheme is protocol" {
    run --separate-stderr afetch --json "$(to "http://[::1")" "$(to "foo://127.0.0.1/")"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '[.results[].error.code] == ["bad-response", "protocol"]'
    echo "$output" | jqt 'all(.results[]; .status == 302 and .redirects == 0)'
}
