#!/usr/bin/env bats
# Connections and cookies: -x/--proxy through a real proxy (tinyproxy on 127.0.0.1, one open and
# one with BasicAuth), --noproxy, the proxy environment, --resolve, --connect-to, -b/--cookie and
# -c/--cookie-jar, in every run mode. A second test server on 127.0.0.2 is "another host".
bats_require_minimum_version 1.5.0
load helpers

PROXY_PASSWORD="s3cr3t-pw"
WRONG_PASSWORD="wr0ng-pw"
MODES=("" "--sync" "--threads 2" "--compare=sync,threads,async")

# The developer's own proxy settings must not change what the tests see.
unset http_proxy https_proxy all_proxy no_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY NO_PROXY

# start_proxy NAME [CONFIG LINE...]: tinyproxy in the foreground (-d) on a free 127.0.0.1 port,
# logging to $BATS_FILE_TMPDIR/NAME.log; prints the port. A port taken in between is retried.
start_proxy() {
    local name=$1 try port i
    shift
    local conf="$BATS_FILE_TMPDIR/$name.conf" log="$BATS_FILE_TMPDIR/$name.log"
    for try in 1 2 3 4 5; do
        port="$(closed_port)"
        {
            echo "Port $port"
            echo "Listen 127.0.0.1"
            echo "Allow 127.0.0.1"
            echo "Timeout 30"
            echo "LogLevel Info"
            echo 'ViaProxyName "afetch-test-proxy"'
            printf '%s\n' "$@"
        } >"$conf"
        tinyproxy -d -c "$conf" >"$log" 2>&1 3>&- &
        echo $! >"$BATS_FILE_TMPDIR/$name.pid"
        for i in $(seq 1 100); do
            if grep -q "Accepting connections" "$log"; then
                echo "$port"
                return 0
            fi
            kill -0 "$(cat "$BATS_FILE_TMPDIR/$name.pid")" 2>/dev/null || break
            sleep 0.05
        done
        _stop_pid "$(cat "$BATS_FILE_TMPDIR/$name.pid")"
    done
    echo "tinyproxy $name did not start:" >&2
    cat "$log" >&2
    return 1
}

setup_file() {
    start_server
    start_tls_server
    export SERVER2_LOG="$BATS_FILE_TMPDIR/requests2.jsonl"
    : >"$SERVER2_LOG"
    _launch_server server2 --host 127.0.0.2 --log "$SERVER2_LOG"
    export SERVER2_PID="$_LAUNCHED_PID" BASE2="http://127.0.0.2:$_LAUNCHED_PORT"
    if command -v tinyproxy >/dev/null; then
        PROXY_PORT="$(start_proxy proxy)"
        AUTH_PROXY_PORT="$(start_proxy auth-proxy "BasicAuth user $PROXY_PASSWORD")"
        export PROXY_PORT AUTH_PROXY_PORT PROXY="http://127.0.0.1:$PROXY_PORT"
    fi
}

teardown_file() {
    local name
    for name in proxy auth-proxy; do
        [ -f "$BATS_FILE_TMPDIR/$name.pid" ] && _stop_pid "$(cat "$BATS_FILE_TMPDIR/$name.pid")"
    done
    _stop_launched server2 "${SERVER2_PID:-}"
    stop_tls_server
    stop_server
}

teardown() {
    kill_bg
}

need_proxy() {
    [ -n "${PROXY_PORT:-}" ] || skip "tinyproxy is not installed (scripts/deps.sh test installs it)"
}

# logged LOG TAG: the requests LOG (a server's JSON lines) holds whose path contains TAG.
logged() {
    jq -c --arg t "$2" 'select(.path | contains($t))' "$1"
}

# jar_lines JAR: the cookie lines of a Netscape jar, comments and blank lines left out.
jar_lines() {
    grep -v -e '^#' -e '^$' "$1" || true
}

# ---- proxy ----

@test "-x: every transfer goes through the proxy, in every mode" {
    need_proxy
    local mode tag
    for mode in "${MODES[@]}"; do
        tag="$(uniq_tag)"
        # shellcheck disable=SC2086 # the mode is one or two words
        run --separate-stderr afetch --jsonl $mode -x "$PROXY" "$BASE/echo?$tag-a" "$BASE/echo?$tag-b"
        [ "$status" -eq 0 ] || { echo "mode: $mode"; dump; return 1; }
        # the origin saw every request come through tinyproxy, which adds a Via header
        logged "$SERVER_LOG" "$tag" | jqt -s 'length >= 2 and
            all(.headers.via // "" | contains("afetch-test-proxy"))'
    done
}

@test "--noproxy: listed hosts bypass the proxy, * bypasses it for all" {
    need_proxy
    local tag
    tag="$(uniq_tag)"
    run afetch -q -x "$PROXY" --noproxy 127.0.0.1 "$BASE/echo?$tag-listed"
    [ "$status" -eq 0 ]
    run afetch -q -x "$PROXY" --noproxy '*' "$BASE/echo?$tag-star"
    [ "$status" -eq 0 ]
    run afetch -q -x "$PROXY" --noproxy other.example "$BASE/echo?$tag-unlisted"
    [ "$status" -eq 0 ]
    logged "$SERVER_LOG" "$tag-listed" | jqt -s 'length == 1 and .[0].headers.via == null'
    logged "$SERVER_LOG" "$tag-star" | jqt -s 'length == 1 and .[0].headers.via == null'
    logged "$SERVER_LOG" "$tag-unlisted" | jqt -s 'length == 1 and (.[0].headers.via | contains("tinyproxy"))'
}

@test "proxy environment: http_proxy and no_proxy work; HTTP_PROXY is ignored (libcurl's rule); -x wins" {
    need_proxy
    local tag closed
    tag="$(uniq_tag)"
    closed="$(closed_port)"
    http_proxy="$PROXY" run afetch -q "$BASE/echo?$tag-env"
    [ "$status" -eq 0 ]
    http_proxy="$PROXY" no_proxy=127.0.0.1 run afetch -q "$BASE/echo?$tag-noenv"
    [ "$status" -eq 0 ]
    HTTP_PROXY="$PROXY" run afetch -q "$BASE/echo?$tag-upper"
    [ "$status" -eq 0 ]
    http_proxy="http://127.0.0.1:$closed" run afetch -q -x "$PROXY" "$BASE/echo?$tag-x"
    [ "$status" -eq 0 ]
    logged "$SERVER_LOG" "$tag-env" | jqt -s 'length == 1 and (.[0].headers.via | contains("tinyproxy"))'
    logged "$SERVER_LOG" "$tag-noenv" | jqt -s 'length == 1 and .[0].headers.via == null'
    logged "$SERVER_LOG" "$tag-upper" | jqt -s 'length == 1 and .[0].headers.via == null'
    logged "$SERVER_LOG" "$tag-x" | jqt -s 'length == 1 and (.[0].headers.via | contains("tinyproxy"))'
}

@test "-x user:password@: the proxy's BasicAuth lets it through; the password is never printed" {
    need_proxy
    local tag
    tag="$(uniq_tag)"
    run --separate-stderr afetch --jsonl -v -x "http://user:$PROXY_PASSWORD@127.0.0.1:$AUTH_PROXY_PORT" \
        "$BASE/echo?$tag"
    dump
    [ "$status" -eq 0 ]
    logged "$SERVER_LOG" "$tag" | jqt -s 'length == 1 and (.[0].headers.via | contains("tinyproxy"))'
    [[ "$output$stderr" != *"$PROXY_PASSWORD"* ]]
}

@test "-x with a wrong password: a clear failure for http and https, the password never printed" {
    need_proxy
    local tag
    tag="$(uniq_tag)"
    run --separate-stderr afetch --jsonl -v --cacert "$TLS_CERT" \
        -x "http://user:$WRONG_PASSWORD@127.0.0.1:$AUTH_PROXY_PORT" "$BASE/echo?$tag" "$TLS_BASE/echo?$tag"
    dump
    [ "$status" -eq 1 ]
    # tinyproxy 1.11 refuses with 401 (a proxy following RFC 9110 says 407); an https URL's
    # CONNECT tunnel is refused the same way
    printf '%s\n' "${lines[@]}" | jqt -s '.[0].error.code == "http" and .[0].status == 401'
    printf '%s\n' "${lines[@]}" | jqt -s '.[1].error.code == "network" and
        (.[1].error.message | test("CONNECT tunnel failed, response 401"))'
    [[ "$output$stderr" != *"$WRONG_PASSWORD"* ]]
    [ -z "$(logged "$SERVER_LOG" "$tag")" ]
    [ -z "$(logged "$TLS_LOG" "$tag")" ]
}

@test "--proxy: an unreachable or malformed proxy is reported without its password" {
    local closed conf="$BATS_TEST_TMPDIR/proxy.conf"
    closed="$(closed_port)"
    run --separate-stderr afetch --jsonl -x "http://user:$WRONG_PASSWORD@127.0.0.1:$closed" "$BASE/"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '.error.code == "connect"'
    [[ "$output$stderr" != *"$WRONG_PASSWORD"* ]]
    local bad
    for bad in "ftp://user:$WRONG_PASSWORD@127.0.0.1:1" "http://user:$WRONG_PASSWORD@" \
        "http://user:$WRONG_PASSWORD@127.0.0.1:1/ x"; do
        run --separate-stderr afetch -x "$bad" "$BASE/"
        dump
        [ "$status" -eq 2 ]
        [[ "$stderr" == "afetch: --proxy: expects [scheme://][user:password@]host[:port]"* ]]
        [[ "$output$stderr" != *"$WRONG_PASSWORD"* ]]
    done
    echo "proxy = ftp://user:$WRONG_PASSWORD@127.0.0.1:1" >"$conf"
    run --separate-stderr afetch --config "$conf" "$BASE/"
    [ "$status" -eq 2 ]
    [[ "$stderr" == "afetch: $conf:1: --proxy: expects"* ]]
    [[ "$stderr" != *"$WRONG_PASSWORD"* ]]
}

@test "-x: https goes through a CONNECT tunnel, which the proxy logs" {
    need_proxy
    local tag
    tag="$(uniq_tag)"
    run --separate-stderr afetch --jsonl --cacert "$TLS_CERT" -x "$PROXY" "$TLS_BASE/echo?$tag"
    dump
    [ "$status" -eq 0 ]
    grep -F "CONNECT 127.0.0.1:$TLS_PORT" "$BATS_FILE_TMPDIR/proxy.log"
    [ -n "$(logged "$TLS_LOG" "$tag")" ]
}

@test "--deny-private with -x is a usage error, unless --noproxy '*'" {
    local tag
    tag="$(uniq_tag)"
    run --separate-stderr afetch --deny-private -x "http://127.0.0.1:1" "$BASE/?$tag"
    [ "$status" -eq 2 ]
    [ "$stderr" = "afetch: --deny-private: cannot judge the addresses behind a proxy (--proxy is set)" ]
    run --separate-stderr afetch --deny-private -x "http://127.0.0.1:1" --noproxy 127.0.0.1 "$BASE/?$tag"
    [ "$status" -eq 2 ]
    [ -z "$(logged "$SERVER_LOG" "$tag")" ]
    # every host direct: the addresses are afetch's to judge again
    run --separate-stderr afetch --jsonl --deny-private -x "http://127.0.0.1:1" --noproxy '*' "$BASE/?$tag"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '.error.code == "denied"'
}

# ---- --resolve and --connect-to ----

@test "--resolve: a .test name reaches the local server, in every mode" {
    local mode tag url
    tag="$(uniq_tag)"
    url="http://afetch-resolve.test:$PORT/echo?$tag"
    # .test never resolves: without the mapping the name fails
    run --separate-stderr afetch --jsonl "$url-none"
    [ "$status" -eq 1 ]
    echo "$output" | jqt '.error.code == "dns"'
    for mode in "${MODES[@]}"; do
        # shellcheck disable=SC2086
        run --separate-stderr afetch --jsonl $mode --resolve "afetch-resolve.test:$PORT:127.0.0.1" "$url"
        [ "$status" -eq 0 ] || { echo "mode: $mode"; dump; return 1; }
    done
    logged "$SERVER_LOG" "$tag" | jqt -s --arg h "afetch-resolve.test:$PORT" \
        'length == 6 and all(.headers.host == $h)'
}

@test "--resolve: several addresses (the first refusing), + and - forms" {
    local tag
    tag="$(uniq_tag)"
    run --separate-stderr afetch --jsonl --resolve "+multi.test:$PORT:127.0.0.3,127.0.0.1" \
        --resolve "-gone.test:80" --resolve "v6.test:443:[::1]" "http://multi.test:$PORT/echo?$tag"
    dump
    [ "$status" -eq 0 ]
    [ -n "$(logged "$SERVER_LOG" "$tag")" ]
}

@test "--resolve and --connect-to: a malformed value is exit 2 naming the option; nothing is fetched" {
    local key bad
    key="$(uniq_tag)"
    for bad in "host:80" "host:port:127.0.0.1" ":80:127.0.0.1" "host:80:" "host:80:not-an-ip" \
        "host:99999:127.0.0.1" "host:80:127.0.0.1,,x"; do
        run --separate-stderr afetch --resolve "$bad" "$BASE/status-count/200?key=$key"
        echo "$bad -> $status $stderr"
        [ "$status" -eq 2 ]
        [ "$stderr" = "afetch: --resolve: '$bad' is not of the form HOST:PORT:ADDRESS[,ADDRESS...]" ]
    done
    for bad in "a:b:c" "a:x:b:80" "a:80:b:80:c" "[::1:80:b:80" "a:80:b:99999" "a:80:b"; do
        run --separate-stderr afetch --connect-to "$bad" "$BASE/status-count/200?key=$key"
        echo "$bad -> $status $stderr"
        [ "$status" -eq 2 ]
        [ "$stderr" = "afetch: --connect-to: '$bad' is not of the form HOST1:PORT1:HOST2:PORT2" ]
    done
    [ "$(server_count "$key")" -eq 0 ]
}

@test "--connect-to: ::HOST:PORT takes every URL to the local server, HOST:PORT:... only that one" {
    local mode tag
    tag="$(uniq_tag)"
    for mode in "${MODES[@]}"; do
        # shellcheck disable=SC2086
        run --separate-stderr afetch --jsonl $mode --connect-to "::127.0.0.1:$PORT" \
            "http://nowhere.test/echo?$tag-a" "http://elsewhere.test:8080/echo?$tag-b"
        [ "$status" -eq 0 ] || { echo "mode: $mode"; dump; return 1; }
    done
    logged "$SERVER_LOG" "$tag-a" | jqt -s 'length == 6 and all(.headers.host == "nowhere.test")'
    logged "$SERVER_LOG" "$tag-b" | jqt -s 'length == 6 and all(.headers.host == "elsewhere.test:8080")'
    run --separate-stderr afetch --jsonl --connect-to "only.test:80:127.0.0.1:$PORT" \
        --connect-to "[::1]:80:127.0.0.1:$PORT" "http://only.test/echo?$tag-c" "http://other.test/echo?$tag-d"
    dump
    [ "$status" -eq 1 ]
    printf '%s\n' "${lines[@]}" | jqt -s '.[0].ok == true and .[1].error.code == "dns"'
}

# ---- cookies ----

@test "cookies: a cookie a response sets is sent by later requests to that host, in every mode" {
    local mode tag list="$BATS_TEST_TMPDIR/list.txt" jar="$BATS_TEST_TMPDIR/jar.txt"
    # Two at a time: the first handle sets the cookie and goes on with delay b; the second, done
    # with delay a first, sends the echo. Only a store shared by the handles has the cookie there.
    for mode in "-j 2" "--sync" "--threads 2" "--compare=sync,threads,async -j 2 --threads 2"; do
        tag="$(uniq_tag)"
        write_list "$list" "$BASE/set-cookie?name=seen&value=$tag" "$BASE/delay/300?$tag-a" \
            "$BASE/delay/600?$tag-b" "$BASE/echo?$tag-after"
        # shellcheck disable=SC2086
        run --separate-stderr afetch --jsonl $mode -c "$jar" "$list"
        [ "$status" -eq 0 ] || { echo "mode: $mode"; dump; return 1; }
        logged "$SERVER_LOG" "$tag-after" | jqt -s --arg c "seen=$tag" 'length >= 1 and all(.headers.cookie == $c)'
    done
    # without a cookie file or jar there is no cookie engine: nothing is kept
    tag="$(uniq_tag)"
    write_list "$list" "$BASE/set-cookie?name=seen&value=$tag" "$BASE/echo?$tag-after"
    run afetch -q --sync "$list"
    [ "$status" -eq 0 ]
    logged "$SERVER_LOG" "$tag-after" | jqt -s 'length == 1 and .[0].headers.cookie == null'
}

@test "cookies: one set by 127.0.0.1 is not sent to 127.0.0.2" {
    local tag list="$BATS_TEST_TMPDIR/list.txt"
    tag="$(uniq_tag)"
    write_list "$list" "$BASE/set-cookie?name=host&value=one" "$BASE2/echo?$tag-other" "$BASE/echo?$tag-same"
    run --separate-stderr afetch --jsonl --sync -b "" "$list"
    dump
    [ "$status" -eq 0 ]
    logged "$SERVER2_LOG" "$tag-other" | jqt -s 'length == 1 and .[0].headers.cookie == null'
    logged "$SERVER_LOG" "$tag-same" | jqt -s 'length == 1 and .[0].headers.cookie == "host=one"'
}

@test "cookies: a Secure cookie goes only over https, from a file or from a response" {
    local tag file="$BATS_TEST_TMPDIR/cookies.txt"
    tag="$(uniq_tag)"
    # not 127.0.0.1: libcurl counts 127.0.0.1 and localhost as secure even over http
    printf 'sec.test\tFALSE\t/\tFALSE\t0\tplain\t1\nsec.test\tFALSE\t/\tTRUE\t0\tsafe\t1\n' >"$file"
    local http="http://sec.test:$PORT" https="https://sec.test:$TLS_PORT"
    run --separate-stderr afetch --jsonl --sync -k -b "$file" --resolve "sec.test:$PORT:127.0.0.1" \
        --resolve "sec.test:$TLS_PORT:127.0.0.1" "$http/echo?$tag-1" "$https/echo?$tag-2" \
        "$https/set-cookie?name=fresh&value=1&attrs=Secure" "$http/echo?$tag-3" "$https/echo?$tag-4"
    dump
    [ "$status" -eq 0 ]
    logged "$SERVER_LOG" "$tag-1" | jqt -s '.[0].headers.cookie == "plain=1"'
    logged "$TLS_LOG" "$tag-2" | jqt -s '.[0].headers.cookie | split("; ") | sort == ["plain=1", "safe=1"]'
    logged "$SERVER_LOG" "$tag-3" | jqt -s '.[0].headers.cookie == "plain=1"'
    logged "$TLS_LOG" "$tag-4" | jqt -s '.[0].headers.cookie | split("; ") | sort == ["fresh=1", "plain=1", "safe=1"]'
}

@test "-b NAME=VALUE: sent with every request, in every mode; repeated ones are joined" {
    local mode tag
    for mode in "${MODES[@]}"; do
        tag="$(uniq_tag)"
        # shellcheck disable=SC2086
        run --separate-stderr afetch --jsonl $mode -b "a=1" -b "b=2; c=3" "$BASE/echo?$tag-x" "$BASE/echo?$tag-y"
        [ "$status" -eq 0 ] || { echo "mode: $mode"; dump; return 1; }
        logged "$SERVER_LOG" "$tag" | jqt -s 'length >= 2 and all(.headers.cookie == "a=1; b=2; c=3")'
    done
    # a Cookie header of the request's own (JSON line) or from -H replaces it
    tag="$(uniq_tag)"
    printf '{"url": "%s", "headers": {"Cookie": "own=1"}}\n' "$BASE/echo?$tag-json" |
        afetch -q -b a=1 - 2>/dev/null
    afetch -q -b a=1 -H "Cookie: h=1" "$BASE/echo?$tag-h" 2>/dev/null
    logged "$SERVER_LOG" "$tag-json" | jqt -s 'length == 1 and .[0].headers.cookie == "own=1"'
    logged "$SERVER_LOG" "$tag-h" | jqt -s 'length == 1 and .[0].headers.cookie == "h=1"'
}

@test "-b NAME=VALUE: not sent after a redirect to another host, port or scheme; sent within the origin" {
    local tag
    tag="$(uniq_tag)"
    run --separate-stderr afetch --jsonl --cacert "$TLS_CERT" -b "secret=1" \
        "$BASE/redirect-to?url=$BASE2/echo%3F$tag-host" \
        "$BASE/redirect-to?url=http://localhost:$PORT/echo%3F$tag-name" \
        "$BASE/redirect-to?url=$TLS_BASE/echo%3F$tag-scheme" \
        "$BASE/redirect-to?url=/echo%3F$tag-same"
    dump
    [ "$status" -eq 0 ]
    printf '%s\n' "${lines[@]}" | jqt -s 'length == 4 and all(.redirects == 1)'
    logged "$SERVER2_LOG" "$tag-host" | jqt -s 'length == 1 and .[0].headers.cookie == null'
    logged "$SERVER_LOG" "/echo?$tag-name" | jqt -s 'length == 1 and .[0].headers.cookie == null'
    logged "$TLS_LOG" "$tag-scheme" | jqt -s 'length == 1 and .[0].headers.cookie == null'
    logged "$SERVER_LOG" "/echo?$tag-same" | jqt -s 'length == 1 and .[0].headers.cookie == "secret=1"'
}

@test "-b FILE: Netscape lines and Set-Cookie lines are read; a missing or unreadable file is exit 2 first" {
    local tag file="$BATS_TEST_TMPDIR/cookies.txt" key
    tag="$(uniq_tag)"
    {
        echo "# Netscape HTTP Cookie File"
        printf '127.0.0.1\tFALSE\t/\tFALSE\t0\tfromfile\tyes\n'
        printf '127.0.0.1\tFALSE\t/\tFALSE\t1\texpired\tgone\n'
        printf '127.0.0.2\tFALSE\t/\tFALSE\t0\tforeign\tno\n'
        echo "Set-Cookie: header=line; Domain=127.0.0.1; Path=/"
    } >"$file"
    run --separate-stderr afetch --jsonl -b "$file" "$BASE/echo?$tag"
    dump
    [ "$status" -eq 0 ]
    logged "$SERVER_LOG" "$tag" | jqt -s '.[0].headers.cookie | split("; ") | sort == ["fromfile=yes", "header=line"]'
    key="$(uniq_tag)"
    run --separate-stderr afetch -b "$BATS_TEST_TMPDIR/missing.txt" "$BASE/status-count/200?key=$key"
    [ "$status" -eq 2 ]
    [ "$stderr" = "afetch: --cookie: cannot read $BATS_TEST_TMPDIR/missing.txt: No such file or directory" ]
    run --separate-stderr afetch -b "$BATS_TEST_TMPDIR" "$BASE/status-count/200?key=$key"
    [ "$status" -eq 2 ]
    [ "$stderr" = "afetch: --cookie: cannot read $BATS_TEST_TMPDIR: Is a directory" ]
    run --separate-stderr afetch -b - "$BASE/status-count/200?key=$key"
    [ "$status" -eq 2 ]
    [[ "$stderr" == "afetch: --cookie: '-' would read standard input"* ]]
    [ "$(server_count "$key")" -eq 0 ]
}

@test "-c JAR: every cookie written at the end, Netscape format, mode 0600, no temporary file left" {
    local tag dir="$BATS_TEST_TMPDIR/jars" jar
    mkdir -p "$dir"
    jar="$dir/jar.txt"
    echo "old content" >"$jar"
    tag="$(uniq_tag)"
    run --separate-stderr afetch --jsonl -c "$jar" "$BASE/set-cookie?name=a&value=$tag" \
        "$BASE2/set-cookie?name=b&value=two&attrs=Path=/x;%20Max-Age=3600" \
        "$BASE/set-cookie?name=gone&value=1&attrs=Max-Age=0"
    dump
    [ "$status" -eq 0 ]
    cat "$jar"
    [ "$(head -1 "$jar")" = "# Netscape HTTP Cookie File" ]
    [ "$(jar_lines "$jar" | wc -l)" -eq 2 ]
    jar_lines "$jar" | grep -qxF "$(printf '127.0.0.1\tFALSE\t/\tFALSE\t0\ta\t%s' "$tag")"
    jar_lines "$jar" | grep -qE "^127\.0\.0\.2	FALSE	/x	FALSE	[0-9]{10,}	b	two$"
    [ "$(stat -c %a "$jar")" = 600 ]
    [ "$(ls -A "$dir")" = jar.txt ]
    # a run that sets no cookie writes a jar with none
    run afetch -q -c "$jar" "$BASE/?$tag"
    [ "$status" -eq 0 ]
    [ "$(head -1 "$jar")" = "# Netscape HTTP Cookie File" ]
    [ -z "$(jar_lines "$jar")" ]
}

@test "-c JAR in a missing directory, under a file, or a directory itself: exit 2 before any request" {
    local key jar
    key="$(uniq_tag)"
    : >"$BATS_TEST_TMPDIR/file"
    mkdir -p "$BATS_TEST_TMPDIR/dir"
    for jar in "$BATS_TEST_TMPDIR/missing/jar.txt" "$BATS_TEST_TMPDIR/file/jar.txt" "$BATS_TEST_TMPDIR/dir"; do
        run --separate-stderr afetch -c "$jar" "$BASE/status-count/200?key=$key"
        echo "$jar -> $status $stderr"
        [ "$status" -eq 2 ]
        [[ "$stderr" == "afetch: --cookie-jar: cannot write $jar: "* ]]
    done
    run --separate-stderr afetch -c - "$BASE/status-count/200?key=$key"
    [ "$status" -eq 2 ]
    [ "$(server_count "$key")" -eq 0 ]
    [ "$(ls -A "$BATS_TEST_TMPDIR/dir")" = "" ]
}

@test "--compare: every mode starts from the -b cookies alone; the jar holds the last mode's" {
    local tag list="$BATS_TEST_TMPDIR/list.txt" file="$BATS_TEST_TMPDIR/cookies.txt"
    local jar="$BATS_TEST_TMPDIR/jar.txt"
    tag="$(uniq_tag)"
    printf '127.0.0.1\tFALSE\t/\tFALSE\t0\tn\tfromfile\n' >"$file"
    write_list "$list" "$BASE/echo?$tag-before" "$BASE/set-cookie?name=n&value=changed-$tag" \
        "$BASE/set-cookie?name=m$tag&value=1" "$BASE/echo?$tag-after"
    run --separate-stderr afetch --jsonl --compare=sync,threads,async -j 1 --threads 1 -b "$file" \
        -c "$jar" "$list"
    dump
    [ "$status" -eq 0 ]
    logged "$SERVER_LOG" "$tag-before" | jqt -s 'length == 3 and all(.headers.cookie == "n=fromfile")'
    logged "$SERVER_LOG" "$tag-after" | jqt -s --arg t "$tag" 'length == 3 and
        all(.headers.cookie | split("; ") | sort == ["m\($t)=1", "n=changed-\($t)"])'
    [ "$(jar_lines "$jar" | wc -l)" -eq 2 ]
    jar_lines "$jar" | grep -qF "	n	changed-$tag"
    # each mode reads the cookie file again: a pipe would be empty the second time
    mkfifo "$BATS_TEST_TMPDIR/fifo"
    run --separate-stderr afetch --compare -b "$BATS_TEST_TMPDIR/fifo" "$BASE/"
    [ "$status" -eq 2 ]
    [[ "$stderr" == "afetch: --cookie: $BATS_TEST_TMPDIR/fifo is a pipe, and --compare reads it"* ]]
}

@test "-c JAR: SIGINT mid-run still writes the whole jar, and no temporary file, in every mode" {
    local tag dir out="$BATS_TEST_TMPDIR/out.json" err="$BATS_TEST_TMPDIR/err.txt" mode
    for mode in --sync "-j 1" "--threads 1"; do
        dir="$BATS_TEST_TMPDIR/jars-${mode// /}"
        mkdir -p "$dir"
        tag="$(uniq_tag)"
        # shellcheck disable=SC2086
        afetch_bg "$out" "$err" --json $mode -c "$dir/jar.txt" "$BASE/set-cookie?name=a&value=$tag" \
            "$BASE/delay/30000?$tag-slow" "$BASE/set-cookie?name=never&value=1"
        wait_for_log "$tag-slow" 1 30
        kill -INT "$AFETCH_BG_PID"
        wait_exit "$AFETCH_BG_PID" 20
        echo "mode: $mode"
        cat "$out" "$err"
        [ "$WAIT_STATUS" -eq 130 ]
        jqt '.results[1].error.code == "cancelled"' <"$out"
        [ "$(ls -A "$dir")" = jar.txt ]
        [ "$(jar_lines "$dir/jar.txt")" = "$(printf '127.0.0.1\tFALSE\t/\tFALSE\t0\ta\t%s' "$tag")" ]
    done
}

@test "--threads 8: 200 responses each set a cookie into one store; the jar holds them all" {
    local tag list="$BATS_TEST_TMPDIR/list.txt" jar="$BATS_TEST_TMPDIR/jar.txt" i
    tag="$(uniq_tag)"
    for i in $(seq 1 200); do
        echo "$BASE/set-cookie?name=c$i&value=$tag"
    done >"$list"
    echo "$BASE/delay/200?$tag-last" >>"$list"
    run --separate-stderr afetch -q --threads 8 -c "$jar" "$list"
    echo "$stderr"
    [ "$status" -eq 0 ]
    [ "$(jar_lines "$jar" | grep -c "	$tag$")" -eq 200 ]
    [ "$(jar_lines "$jar" | cut -f6 | sort -u | wc -l)" -eq 200 ]
}

@test "config file: proxy, noproxy, resolve, connect-to, cookie and cookie-jar keys" {
    local tag conf="$BATS_TEST_TMPDIR/fetch.conf" jar="$BATS_TEST_TMPDIR/jar.txt"
    tag="$(uniq_tag)"
    cat >"$conf" <<EOF
proxy = http://127.0.0.1:1
noproxy = *
resolve = conf.test:$PORT:127.0.0.1
connect-to = ::127.0.0.1:$PORT
cookie = a=1
cookie = b=2
cookie-jar = $jar
EOF
    run --separate-stderr afetch --jsonl --config "$conf" "http://conf.test:$PORT/set-cookie?name=j&value=1" \
        "http://other.test/echo?$tag"
    dump
    [ "$status" -eq 0 ]
    logged "$SERVER_LOG" "$tag" | jqt -s 'length == 1 and .[0].headers.cookie == "a=1; b=2"'
    jar_lines "$jar" | grep -qF "conf.test	FALSE	/	FALSE	0	j	1"
}
