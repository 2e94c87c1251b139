#!/usr/bin/env bats
# HTTP/2 against a real HTTP/2 server (nghttpd from nghttp2-server): multiplexing over HTTPS,
# and --http2-prior-knowledge over cleartext.
bats_require_minimum_version 1.5.0
load helpers

# _start_nghttpd NAME KEY CERT | _start_nghttpd NAME --no-tls: nghttpd on a free 127.0.0.1 port
# serving $BATS_FILE_TMPDIR/www, its verbose log in $BATS_FILE_TMPDIR/NAME.log. Sets _H2_PORT.
_start_nghttpd() {
    local name=$1 port i
    shift
    port=$(closed_port)
    local -a args=(-a 127.0.0.1 -d "$BATS_FILE_TMPDIR/www" -v)
    if [ "$1" = --no-tls ]; then args+=(--no-tls "$port"); else args+=("$port" "$1" "$2"); fi
    nghttpd "${args[@]}" >"$BATS_FILE_TMPDIR/$name.log" 2>&1 3>&- &
    echo $! >"$BATS_FILE_TMPDIR/$name.pid"
    for i in $(seq 1 600); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            _H2_PORT=$port
            return 0
        fi
        sleep 0.05
    done
    echo "nghttpd $name did not listen on $port:" >&2
    cat "$BATS_FILE_TMPDIR/$name.log" >&2
    return 1
}

setup_file() {
    command -v nghttpd >/dev/null || skip "nghttpd (Debian's nghttp2-server) is not installed"
    mkdir -p "$BATS_FILE_TMPDIR/www"
    head -c 2048 /dev/urandom >"$BATS_FILE_TMPDIR/www/2k"
    local key="$BATS_FILE_TMPDIR/h2-key.pem"
    export H2_CERT="$BATS_FILE_TMPDIR/h2-cert.pem"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
        -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
        -keyout "$key" -out "$H2_CERT" 2>/dev/null
    _start_nghttpd h2c --no-tls
    export H2C_BASE="http://127.0.0.1:$_H2_PORT"
    _start_nghttpd h2tls "$key" "$H2_CERT"
    export H2TLS_BASE="https://127.0.0.1:$_H2_PORT"
}

teardown_file() {
    local f
    for f in "$BATS_FILE_TMPDIR"/*.pid; do
        [ -f "$f" ] && _stop_pid "$(cat "$f")"
    done
}

@test "--http2-prior-knowledge: 40 URLs at -j 10 over cleartext HTTP/2 all succeed, all as HTTP/2" {
    local list="$BATS_TEST_TMPDIR/h2c.txt"
    seq 0 39 | sed "s|^|$H2C_BASE/2k?i=|" >"$list"
    run --separate-stderr afetch --json --http2-prior-knowledge -j 10 "$list"
    [ "$status" -eq 0 ] || dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '.summary.ok == 40 and ([.results[] | select(.http_version == "2" and .bytes == 2048)] | length) == 40'
    echo "$output" | jqt '[.results[].index] == [range(40)]'
}

@test "without --http2-prior-knowledge a cleartext HTTP/2-only server is a bad-response, not a hang" {
    run --separate-stderr afetch --json --timeout 10 "$H2C_BASE/2k"
    [ "$status" -eq 1 ] || dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '.results[0].ok == false and .results[0].error.code != "timeout"'
}

@test "https to an HTTP/2 server: 40 URLs at -j 10 share one multiplexed connection" {
    local list="$BATS_TEST_TMPDIR/h2.txt"
    seq 0 39 | sed "s|^|$H2TLS_BASE/2k?i=|" >"$list"
    local before
    before=$(grep -o '^\[id=[0-9]*\]' "$BATS_FILE_TMPDIR/h2tls.log" | sort -u | wc -l)
    # one loop: on several, each loop a host's URLs spill to has a connection of its own
    # (loops.bats: "--loops 4 over HTTP/2...")
    run --separate-stderr afetch --json --loops 1 --cacert "$H2_CERT" -j 10 "$list"
    [ "$status" -eq 0 ] || dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '.summary.ok == 40 and ([.results[] | select(.http_version == "2")] | length) == 40'
    # nghttpd numbers its sessions [id=N]: this run opened exactly one (wait for its log line,
    # which a busy nghttpd may write after afetch is gone)
    local after i
    for i in $(seq 1 100); do
        after=$(grep -o '^\[id=[0-9]*\]' "$BATS_FILE_TMPDIR/h2tls.log" | sort -u | wc -l)
        [ "$after" -gt "$before" ] && break
        sleep 0.1
    done
    echo "sessions before $before, after $after"
    [ $((after - before)) -eq 1 ]
}
