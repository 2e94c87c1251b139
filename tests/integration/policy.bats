#!/usr/bin/env bats
# What afetch agrees to fetch: --proto, scheme-less lines, redirects,
# --deny-private, --max-size, --compressed, TLS verification (-k, --cacert).

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
    start_server
    start_tls_server
}

teardown_file() {
    stop_tls_server
    stop_server
}

@test "--help lists the new options" {
    run --separate-stderr afetch --help
    dump
    [ "$status" -eq 0 ]
    local opt
    for opt in --proto --max-redirs --low-speed-limit --low-speed-time --deny-private \
        --max-size --compressed --retry --retry-delay -k --insecure --cacert \
        -o --output-dir --overwrite --hash; do
        if ! grep -qe "$opt\b" <<<"$output"; then
            echo "option missing from --help: $opt"
            false
        fi
    done
}

# ----------------------------------------------------------------------- --proto

@test "--proto https: http entries fail with protocol (naming the line), nothing is sent" {
    local tag list="$BATS_TEST_TMPDIR/proto.txt"
    tag="$(uniq_tag)"
    write_list "$list" "# comment" "$BASE/?$tag" "$TLS_BASE/?$tag-tls"
    run --separate-stderr afetch --json -k --proto https "$list"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '[.results[].ok] == [false, true]'
    echo "$output" | jqt '.results[0].error.code == "protocol"
        and (.results[0].error.message | contains("proto.txt:2"))'
    [ "$(server_request "$tag" | wc -l)" -eq 0 ]
}

@test "--proto http: https entries fail with protocol; http ones work" {
    run --separate-stderr afetch --json -k --proto http "$TLS_BASE/" "$BASE/"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '[.results[].ok] == [false, true] and .results[0].error.code == "protocol"'
}

@test "--proto http,https (the default, spelled out) allows both" {
    run --separate-stderr afetch --json -k --proto http,https "$TLS_BASE/" "$BASE/"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '[.results[].ok] == [true, true]'
}

@test "--proto with an unknown protocol name: exit 2, one line naming --proto" {
    local bad
    for bad in bogus "http,nope"; do
        run --separate-stderr afetch --proto "$bad" "$BASE/"
        echo "--proto $bad"
        dump
        [ "$status" -eq 2 ]
        [ -z "$output" ]
        [[ "$stderr" == *--proto* ]]
        [ "$(grep -c . <<<"$stderr")" -eq 1 ]
    done
}

@test "--proto http: a redirect to https fails with protocol" {
    run --separate-stderr afetch --json -k --proto http \
        "$BASE/redirect-to?url=$TLS_BASE/"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '.results[0].ok == false and .results[0].error.code == "protocol"'
    # without the restriction the same redirect is followed
    run --separate-stderr afetch --json -k "$BASE/redirect-to?url=$TLS_BASE/"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt --arg t "$TLS_BASE/" '.results[0].ok == true
        and .results[0].redirects == 1 and .results[0].effective_url == $t'
}

@test "a redirect to file:, ftp: or gopher: fails with protocol" {
    local target
    for target in "file:///etc/passwd" "ftp://127.0.0.1:$PORT/" "gopher://127.0.0.1:$PORT/"; do
        run --separate-stderr afetch --json "$BASE/redirect-to?url=$target"
        echo "target $target"
        dump
        [ "$status" -eq 1 ]
        echo "$output" | jqt '.results[0].ok == false and .results[0].error.code == "protocol"
            and .results[0].bytes < 100'
    done
}

# ---------------------------------------------------------- lines without scheme

@test "a line without scheme is https: against the plain server it fails, never as protocol" {
    local tag
    tag="$(uniq_tag)"
    run --separate-stderr afetch --json -t 10 - <<<"127.0.0.1:$PORT/?$tag"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '.results[0].ok == false and .results[0].error.code != "protocol"'
    # no plain HTTP request reached the server
    [ "$(server_request "$tag" | wc -l)" -eq 0 ]
}

@test "a line without scheme reaches the TLS server over https with -k" {
    local tag
    tag="$(uniq_tag)"
    run --separate-stderr afetch --json -k - <<<"127.0.0.1:$TLS_PORT/?$tag"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '.results[0].ok == true and .results[0].status == 200
        and (.results[0].effective_url | startswith("https://"))'
    grep -qF "$tag" "$TLS_LOG"
}

# -------------------------------------------------------------------- redirects

@test "--max-redirs default is 10" {
    run --separate-stderr afetch --json "$BASE/redirect/10" "$BASE/redirect/11"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '.results[0].ok == true and .results[0].redirects == 10'
    echo "$output" | jqt '.results[1].ok == false and .results[1].error.code == "too-many-redirects"'
}

@test "--max-redirs 0 refuses any redirect" {
    run --separate-stderr afetch --json --max-redirs 0 "$BASE/redirect/1" "$BASE/"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '.results[0].error.code == "too-many-redirects" and .results[1].ok == true'
}

# ---------------------------------------------------------------- --deny-private

@test "without --deny-private, loopback in several spellings is fetched" {
    run --separate-stderr afetch --json "http://127.0.0.1:$PORT/" "http://localhost:$PORT/" \
        "http://2130706433:$PORT/" "http://[::ffff:127.0.0.1]:$PORT/" "http://0.0.0.0:$PORT/"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '[.results[].ok] == [true, true, true, true, true]'
}

@test "--deny-private refuses loopback in every spelling, before anything is sent" {
    local tag
    tag="$(uniq_tag)"
    run --separate-stderr afetch --json --deny-private \
        "http://127.0.0.1:$PORT/?$tag-1" "http://localhost:$PORT/?$tag-2" \
        "http://2130706433:$PORT/?$tag-3" "http://[::ffff:127.0.0.1]:$PORT/?$tag-4" \
        "http://0.0.0.0:$PORT/?$tag-5"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '(.results | length) == 5
        and all(.results[]; .ok == false and .error.code == "denied")'
    [ "$(server_request "$tag" | wc -l)" -eq 0 ]
}

@test "--deny-private: a redirect to loopback is denied too" {
    local tag
    tag="$(uniq_tag)"
    run --separate-stderr afetch --json --deny-private \
        "http://localhost:$PORT/redirect-to?url=http://127.0.0.1:$PORT/?$tag"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '.results[0].ok == false and .results[0].error.code == "denied"'
    [ "$(server_request "$tag" | wc -l)" -eq 0 ]
}

@test "--deny-private judges the IPv4 inside NAT64, 6to4 and Teredo addresses: denied, not connect" {
    # Offline none of these can be reached, so connect would be the error without the judgement:
    # 64:ff9b::/96 NAT64 and 2002::/16 6to4 of 127.0.0.1, Teredo with client 127.0.0.1, and the
    # local-use NAT64 prefix 64:ff9b:1::/48, refused whole.
    run --separate-stderr afetch --json -t 10 --deny-private "http://[64:ff9b::7f00:1]/" \
        "http://[2002:7f00:1::]/" "http://[2001:0:808:808:8000:63bf:80ff:fffe]/" \
        "http://[64:ff9b:1::808:808]/" "http://[64:ff9b::10.0.0.1]:$PORT/"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '(.results | length) == 5
        and all(.results[]; .ok == false and .error.code == "denied")'
}

# afetch with one more variable in its environment: with_env NAME=VALUE [afetch args...]
with_env() {
    export "${1?}"
    shift
    afetch "$@"
}

@test "--deny-private with a proxy variable set: exit 2 naming it, before anything is sent" {
    local var tag
    for var in http_proxy https_proxy HTTPS_PROXY all_proxy ALL_PROXY; do
        tag="$(uniq_tag)"
        run --separate-stderr with_env "$var=http://127.0.0.1:1/" --json --deny-private \
            "http://10.0.0.1/secret?$tag" "$BASE/?$tag"
        echo "with $var"
        dump
        [ "$status" -eq 2 ]
        [ -z "$output" ]
        [ "$(grep -c . <<<"$stderr")" -eq 1 ]
        [[ "$stderr" == *"--deny-private"*"proxy"*"($var is set)"* ]]
        [ "$(server_request "$tag" | wc -l)" -eq 0 ]
    done
    # from the config file too
    local conf="$BATS_TEST_TMPDIR/deny.conf"
    echo "deny-private = true" >"$conf"
    run --separate-stderr with_env "http_proxy=http://127.0.0.1:1/" --config "$conf" "$BASE/"
    dump
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"(http_proxy is set)"* ]]
}

@test "--deny-private: proxy variables libcurl ignores (empty, or HTTP_PROXY) are no refusal" {
    local assignment
    for assignment in "http_proxy=" "HTTP_PROXY=http://127.0.0.1:1/" "all_proxy="; do
        run --separate-stderr with_env "$assignment" --json --deny-private "$BASE/"
        echo "with $assignment"
        dump
        [ "$status" -eq 1 ]
        echo "$output" | jqt '.results[0].error.code == "denied"'
    done
}

@test "without --deny-private, http_proxy is used as before (the test server as the proxy)" {
    local tag
    tag="$(uniq_tag)"
    run --separate-stderr with_env "http_proxy=$BASE/" --json "http://proxied.invalid/?$tag"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '.results[0].ok == true and .results[0].status == 200'
    [ "$(server_request "$tag" | wc -l)" -eq 1 ]
}

@test "--deny-private applies to https and in --sync mode" {
    run --separate-stderr afetch --json --deny-private -k "$TLS_BASE/"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '.results[0].error.code == "denied"'
    run --separate-stderr afetch --json --sync --deny-private "$BASE/"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '.results[0].error.code == "denied"'
}

@test "--deny-private leaves name errors alone: an .invalid host is still dns" {
    run --separate-stderr afetch --json --deny-private "http://nosuchhost.invalid/"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '.results[0].error.code == "dns"'
}

# -------------------------------------------------------------------- --max-size

@test "--max-size 1M: a 2,000,000-byte body is too-large; 1000 bytes under 1k is ok" {
    run --separate-stderr afetch --json --max-size 1M "$BASE/bytes/2000000" "$BASE/bytes/1000"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '.results[0].ok == false and .results[0].error.code == "too-large"'
    echo "$output" | jqt '.results[1].ok == true and .results[1].bytes == 1000'
    run --separate-stderr afetch --json --max-size 1k "$BASE/bytes/1000"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '.results[0].ok == true and .results[0].bytes == 1000'
}

@test "--max-size: suffixes are 1024-based and the limit itself is allowed" {
    run --separate-stderr afetch --json --max-size 1k "$BASE/bytes/1024" "$BASE/bytes/1025"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '[.results[].ok] == [true, false] and .results[1].error.code == "too-large"'
    run --separate-stderr afetch --json --max-size 2000 "$BASE/bytes/2000" "$BASE/bytes/2001"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '[.results[].ok] == [true, false] and .results[1].error.code == "too-large"'
    run --separate-stderr afetch --json --max-size 1M "$BASE/bytes/1048576" "$BASE/bytes/1048577"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '[.results[].ok] == [true, false]'
    run --separate-stderr afetch --json --max-size 1G "$BASE/bytes/3000000"
    dump
    [ "$status" -eq 0 ]
    run --separate-stderr afetch --json --max-size 0 "$BASE/bytes/3000000"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '.results[0].bytes == 3000000'
}

@test "--max-size stops an endless body quickly" {
    run --separate-stderr afetch --json -t 30 --max-size 1M "$BASE/endless" "$BASE/?after-endless"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '.results[0].ok == false and .results[0].error.code == "too-large"'
    echo "$output" | jqt '.results[1].ok == true'
    # the transfer's own time (the wall clock adds valgrind's start and exit); -t is 30 s
    echo "$output" | jqt '.results[0].time.total < 20'
}

@test "--max-size in --sync mode" {
    run --separate-stderr afetch --json --sync --max-size 1k "$BASE/bytes/5000" "$BASE/bytes/10"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '[.results[].ok] == [false, true] and .results[0].error.code == "too-large"'
}

@test "invalid --max-size values are usage errors" {
    local bad
    for bad in 12x abc -1 1kk ""; do
        run --separate-stderr afetch --max-size "$bad" "$BASE/"
        echo "--max-size '$bad'"
        dump
        [ "$status" -eq 2 ]
        [ -z "$output" ]
        [[ "$stderr" == *--max-size* ]]
    done
}

# ------------------------------------------------------------------ --compressed

@test "without --compressed, bytes count the gzip body as sent; with it, the decoded body" {
    local raw
    raw="$(server_body "$BASE/gzip-small" | wc -c)"
    echo "compressed length: $raw"
    [ "$raw" -gt 0 ] && [ "$raw" -lt 1200 ]
    local tag
    tag="$(uniq_tag)"
    run --separate-stderr afetch --json "$BASE/gzip-small?$tag-plain"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt --argjson n "$raw" '.results[0].ok == true and .results[0].bytes == $n'
    run --separate-stderr afetch --json --compressed "$BASE/gzip-small?$tag-comp"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '.results[0].ok == true and .results[0].bytes == 1200'
    # --compressed asks for it; the default does not
    server_request "$tag-comp" | jqt '.headers["accept-encoding"] | contains("gzip")'
    server_request "$tag-plain" | jqt '(.headers["accept-encoding"] // "") | contains("gzip") | not'
}

@test "--compressed --max-size 1M: a gzip bomb is too-large and memory stays small" {
    run --separate-stderr afetch --json --compressed --max-size 1M "$BASE/gzip-bomb" "$BASE/?after-bomb"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '.results[0].ok == false and .results[0].error.code == "too-large"'
    echo "$output" | jqt '.results[1].ok == true'
    if [ -n "${AFETCH_WRAPPER:-}" ]; then
        return 0 # the wrapper's own memory would be measured
    fi
    local out="$BATS_TEST_TMPDIR/bomb.json" err="$BATS_TEST_TMPDIR/bomb.err" res
    res="$(maxrss_kb "$out" "$err" --json --compressed --max-size 1M "$BASE/gzip-bomb")"
    echo "status and max RSS (KB): $res"
    [ "${res%% *}" -eq 1 ]
    [ "${res##* }" -lt 100000 ]
    jqt '.results[0].error.code == "too-large"' <"$out"
}

@test "--compressed without a limit streams the whole 100 MiB bomb in small memory" {
    # inflating 100 MiB under valgrind takes minutes and its RSS says nothing of afetch's
    [ -z "${AFETCH_WRAPPER:-}" ] || skip "not under valgrind: 100 MiB of inflate"
    run --separate-stderr afetch --json -t 120 --compressed "$BASE/gzip-bomb"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '.results[0].ok == true and .results[0].bytes == 104857600'
    if [ -n "${AFETCH_WRAPPER:-}" ]; then
        return 0
    fi
    local out="$BATS_TEST_TMPDIR/bomb2.json" err="$BATS_TEST_TMPDIR/bomb2.err" res
    res="$(maxrss_kb "$out" "$err" --json -t 120 --compressed "$BASE/gzip-bomb")"
    echo "status and max RSS (KB): $res"
    [ "${res%% *}" -eq 0 ]
    [ "${res##* }" -lt 100000 ]
}

@test "without --compressed the bomb is just ~100 KB of bytes" {
    run --separate-stderr afetch --json --max-size 1M "$BASE/gzip-bomb"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '.results[0].ok == true and .results[0].bytes < 1048576
        and .results[0].bytes > 1000'
}

# ---------------------------------------------------------------------------- TLS

@test "TLS is verified by default: a self-signed server gives tls" {
    run --separate-stderr afetch --json "$TLS_BASE/" "$BASE/"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '.results[0].ok == false and .results[0].error.code == "tls"'
    echo "$output" | jqt '.results[1].ok == true'
}

@test "-k and --insecure accept the self-signed server" {
    local flag
    for flag in -k --insecure; do
        run --separate-stderr afetch --json "$flag" "$TLS_BASE/" "$TLS_BASE/bytes/100"
        echo "flag $flag"
        dump
        [ "$status" -eq 0 ]
        echo "$output" | jqt '[.results[].ok] == [true, true] and [.results[].bytes] == [3, 100]'
        echo "$output" | jqt 'all(.results[]; (.time.tls | type) == "number")'
    done
}

@test "--cacert with the server's certificate verifies it (by IP and by name)" {
    run --separate-stderr afetch --json --cacert "$TLS_CERT" "$TLS_BASE/" \
        "https://localhost:$TLS_PORT/"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '[.results[].ok] == [true, true]'
}

@test "--cacert with some other CA still fails with tls" {
    local other="$BATS_TEST_TMPDIR/other.pem"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
        -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
        -keyout "$BATS_TEST_TMPDIR/other.key" -out "$other" 2>/dev/null
    run --separate-stderr afetch --json --cacert "$other" "$TLS_BASE/"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '.results[0].error.code == "tls"'
}

@test "--cacert with a missing file: exit 2 naming it" {
    run --separate-stderr afetch --json --cacert "$BATS_TEST_TMPDIR/nonexistent-ca.pem" "$TLS_BASE/"
    dump
    [ "$status" -eq 2 ]
    [ -z "$output" ]
    [[ "$stderr" == *nonexistent-ca.pem* ]]
}

@test "TLS verification in --sync mode: tls without -k, ok with it" {
    run --separate-stderr afetch --json --sync "$TLS_BASE/"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '.results[0].error.code == "tls"'
    run --separate-stderr afetch --json --sync -k "$TLS_BASE/"
    dump
    [ "$status" -eq 0 ]
}
