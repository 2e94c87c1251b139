# Shared helpers for afetch integration tests (bats >= 1.5).
#
# Environment:
#   AFETCH          path to the binary (default: build/afetch in the repo)
#   AFETCH_WRAPPER  optional command prefix, e.g.
#                   "valgrind --error-exitcode=99 -q --leak-check=full"
#                   For an ASan build use AFETCH=build/asan/afetch and
#                   AFETCH_WRAPPER="env ASAN_OPTIONS=exitcode=99" (ASan's
#                   default exit code 1 looks like "some URL failed").
#   PYTHON          interpreter for tests/server.py (default /usr/bin/python3)

AFETCH="${AFETCH:-$BATS_TEST_DIRNAME/../../build/afetch}"
# No developer's own config file may change what the tests see (config.bats sets its own).
unset AFETCH_CONFIG
export XDG_CONFIG_HOME="${BATS_RUN_TMPDIR:-/tmp}/no-config-here"
SERVER_PY="$BATS_TEST_DIRNAME/../server.py"
PYTHON="${PYTHON:-/usr/bin/python3}"
[ -x "$PYTHON" ] || PYTHON=python3

# jqt [jq options] FILTER: read JSON on stdin; succeed only when jq prints
# exactly "true". (jq 1.6's -e returns 0 on empty input, which would make
# assertions vacuous when afetch prints nothing.)
jqt() {
    local out
    out="$(jq "$@")" || {
        echo "jq failed on: ${*: -1}" >&2
        return 1
    }
    if [ "$out" != "true" ]; then
        echo "jq filter not true (got: ${out:-<no output>}): ${*: -1}" >&2
        return 1
    fi
}

# Run the binary, under $AFETCH_WRAPPER when set (word-split on purpose).
afetch() {
    if [ -n "${AFETCH_WRAPPER:-}" ]; then
        # shellcheck disable=SC2086
        $AFETCH_WRAPPER "$AFETCH" "$@"
    else
        "$AFETCH" "$@"
    fi
}

# _launch_server NAME [server.py options...]: start tests/server.py on a free
# 127.0.0.1 port with $BATS_FILE_TMPDIR/NAME.{port,pid,out} as its files.
# Sets _LAUNCHED_PID and _LAUNCHED_PORT.
_launch_server() {
    local name="$1"
    shift
    if [ ! -x "$AFETCH" ]; then
        echo "afetch binary not found or not executable: $AFETCH (run make)" >&2
        return 1
    fi
    local port_file="$BATS_FILE_TMPDIR/$name.port"
    rm -f "$port_file" "$port_file.tmp"
    # fd 3 must be closed or bats waits for the background process.
    "$PYTHON" "$SERVER_PY" --port 0 --port-file "$port_file" "$@" \
        >"$BATS_FILE_TMPDIR/$name.out" 2>&1 3>&- &
    _LAUNCHED_PID=$!
    echo "$_LAUNCHED_PID" >"$BATS_FILE_TMPDIR/$name.pid"
    local i
    # a generous deadline: python starts slowly on a busy machine; the loop ends at once when ready
    for i in $(seq 1 600); do
        if [ -s "$port_file" ]; then
            break
        fi
        if ! kill -0 "$_LAUNCHED_PID" 2>/dev/null; then
            echo "test server $name died:" >&2
            cat "$BATS_FILE_TMPDIR/$name.out" >&2
            return 1
        fi
        sleep 0.05
    done
    if [ ! -s "$port_file" ]; then
        echo "test server $name did not write $port_file within 30 s" >&2
        _stop_pid "$_LAUNCHED_PID"
        return 1
    fi
    _LAUNCHED_PORT="$(tr -d '[:space:]' <"$port_file")"
}

# _stop_pid PID: TERM, wait up to 5 s, then KILL.
_stop_pid() {
    local pid="$1"
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    local i
    for i in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# setup_file: start tests/server.py on a free 127.0.0.1 port.
# Exports PORT, BASE, SERVER_PID, SERVER_LOG (one JSON line per request).
start_server() {
    export SERVER_LOG="$BATS_FILE_TMPDIR/requests.jsonl"
    rm -f "$SERVER_LOG"
    : >"$SERVER_LOG"
    _launch_server server --log "$SERVER_LOG" || return 1
    export SERVER_PID="$_LAUNCHED_PID"
    export PORT="$_LAUNCHED_PORT"
    export BASE="http://127.0.0.1:$PORT"
}

# _stop_launched NAME PID: stop the server _launch_server started as NAME, by PID or, when
# PID is empty (another process set it up), by its pid file.
_stop_launched() {
    local pid="$2"
    if [ -z "$pid" ] && [ -f "$BATS_FILE_TMPDIR/$1.pid" ]; then
        pid="$(cat "$BATS_FILE_TMPDIR/$1.pid")"
    fi
    _stop_pid "$pid"
}

# teardown_file: stop the server started by start_server.
stop_server() {
    _stop_launched server "${SERVER_PID:-}"
}

# setup_file: a second server speaking HTTPS with a fresh self-signed
# certificate for 127.0.0.1 and localhost (made with the openssl CLI).
# Exports TLS_PORT, TLS_BASE, TLS_CERT (PEM path), TLS_SERVER_PID, TLS_LOG.
start_tls_server() {
    local cert="$BATS_FILE_TMPDIR/tls-cert.pem" key="$BATS_FILE_TMPDIR/tls-key.pem"
    if ! openssl req -x509 -newkey rsa:2048 -nodes -days 2 \
        -subj /CN=localhost \
        -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
        -keyout "$key" -out "$cert" >"$BATS_FILE_TMPDIR/openssl.out" 2>&1; then
        echo "openssl could not make a certificate:" >&2
        cat "$BATS_FILE_TMPDIR/openssl.out" >&2
        return 1
    fi
    export TLS_LOG="$BATS_FILE_TMPDIR/tls-requests.jsonl"
    : >"$TLS_LOG"
    _launch_server tls-server --log "$TLS_LOG" --tls-cert "$cert" --tls-key "$key" || return 1
    export TLS_SERVER_PID="$_LAUNCHED_PID"
    export TLS_PORT="$_LAUNCHED_PORT"
    export TLS_BASE="https://127.0.0.1:$TLS_PORT"
    export TLS_CERT="$cert"
}

# teardown_file: stop the server started by start_tls_server.
stop_tls_server() {
    _stop_launched tls-server "${TLS_SERVER_PID:-}"
}

# setup_file, after start_server: two more plain servers, for redirects between origins:
# 127.0.0.2 on the same port as the first (only the host differs) and 127.0.0.1 on another
# port (only the port differs). Exports HOST2_BASE, HOST2_LOG, PORT2_BASE, PORT2_LOG.
start_origin_servers() {
    export HOST2_LOG="$BATS_FILE_TMPDIR/host2-requests.jsonl"
    export PORT2_LOG="$BATS_FILE_TMPDIR/port2-requests.jsonl"
    : >"$HOST2_LOG"
    : >"$PORT2_LOG"
    _launch_server host2 --host 127.0.0.2 --port "$PORT" --log "$HOST2_LOG" || return 1
    export HOST2_PID="$_LAUNCHED_PID"
    export HOST2_BASE="http://127.0.0.2:$_LAUNCHED_PORT"
    _launch_server port2 --log "$PORT2_LOG" || return 1
    export PORT2_PID="$_LAUNCHED_PID"
    export PORT2_BASE="http://127.0.0.1:$_LAUNCHED_PORT"
}

# teardown_file: stop the servers started by start_origin_servers.
stop_origin_servers() {
    _stop_launched host2 "${HOST2_PID:-}"
    _stop_launched port2 "${PORT2_PID:-}"
}

# urlenc S: S percent-encoded for a query value (a URL inside /redirect-to?url=...).
urlenc() {
    "$PYTHON" -c 'import sys, urllib.parse
print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"
}

# A 127.0.0.1 port that was free a moment ago and has nothing listening.
closed_port() {
    "$PYTHON" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# write_list FILE LINE...: write a list file, one argument per line.
write_list() {
    local f="$1"
    shift
    printf '%s\n' "$@" >"$f"
}

# Unique token for tagging requests in the server log.
uniq_tag() {
    echo "t${BATS_TEST_NUMBER:-0}-$$-$RANDOM$RANDOM"
}

# server_request TAG: print the logged request(s) whose path contains TAG.
server_request() {
    jq -c --arg t "$1" 'select(.path | contains($t))' "$SERVER_LOG"
}

# print something useful when an assertion fails
dump() {
    echo "status: ${status:-}"
    echo "--- stdout:"
    echo "${output:-}"
    echo "--- stderr:"
    echo "${stderr:-}"
}

# The 15 keys every result object must have, sorted (jq `keys` order).
RESULT_KEYS='["attempts","bytes","content_type","effective_url","error","http_version","index","label","ok","path","redirects","sha256","status","time","url"]'
TIME_KEYS='["connect","dns","start","tls","total","ttfb"]'

# server_count KEY: how many counted requests (/flaky, /retry-after*,
# /status-count) the plain server has seen for KEY.
server_count() {
    "$PYTHON" -c 'import sys, urllib.parse, urllib.request
url = sys.argv[1] + "/count?key=" + urllib.parse.quote(sys.argv[2])
print(urllib.request.urlopen(url, timeout=10).read().decode().strip())' "$BASE" "$1"
}

# server_body URL: the raw (undecoded) response body of URL, on stdout.
server_body() {
    "$PYTHON" -c 'import sys, urllib.request
sys.stdout.buffer.write(urllib.request.urlopen(sys.argv[1], timeout=30).read())' "$1"
}

# now_ms: wall clock in milliseconds.
now_ms() {
    echo $(($(date +%s%N) / 1000000))
}

# wait_for_log TAG N [SECS]: wait until the plain server has logged at least N
# requests whose path contains TAG (default 30 s). Fails on timeout.
wait_for_log() {
    local tag="$1" n="$2" secs="${3:-30}" i c=0
    for i in $(seq 1 $((secs * 10))); do
        c="$(grep -cF -- "$tag" "$SERVER_LOG" || true)"
        [ "$c" -ge "$n" ] && return 0
        sleep 0.1
    done
    echo "server saw $c of $n requests tagged $tag within $secs s" >&2
    return 1
}

# afetch_bg OUT ERR ARGS...: start afetch in the background with stdout to OUT
# and stderr to ERR (either may be a FIFO or /dev/null). The process is afetch
# itself (or its $AFETCH_WRAPPER, which keeps the pid), so signals sent to
# $AFETCH_BG_PID reach it. SIGINT is reset to default: a non-interactive shell
# starts background commands with SIGINT ignored.
afetch_bg() {
    local out="$1" err="$2"
    shift 2
    _afetch_exec "$@" >"$out" 2>"$err" 3>&- &
    AFETCH_BG_PID=$!
    echo "$AFETCH_BG_PID" >>"$BATS_TEST_TMPDIR/bg.pids"
}

# afetch_bg_stdin IN OUT ERR ARGS...: afetch_bg with standard input from IN (a file or a FIFO;
# opening a FIFO waits for its writer in the background job, not in the test).
afetch_bg_stdin() {
    local in="$1" out="$2" err="$3"
    shift 3
    _afetch_exec "$@" <"$in" >"$out" 2>"$err" 3>&- &
    AFETCH_BG_PID=$!
    echo "$AFETCH_BG_PID" >>"$BATS_TEST_TMPDIR/bg.pids"
}

# hold_open SECS: sleeps in short naps, so that a kill ends it (and what it holds open) soon.
hold_open() {
    local i
    for i in $(seq 1 $(($1 * 10))); do
        sleep 0.1
    done
}

# track_bg: kill_bg also stops the background job just started ($!), e.g. a FIFO writer.
track_bg() {
    echo "$!" >>"$BATS_TEST_TMPDIR/bg.pids"
}

_afetch_exec() {
    trap - INT QUIT
    if [ -n "${AFETCH_WRAPPER:-}" ]; then
        # shellcheck disable=SC2086
        exec $AFETCH_WRAPPER "$AFETCH" "$@"
    else
        exec "$AFETCH" "$@"
    fi
}

# wait_exit PID SECS: wait up to SECS for PID to end; on success sets
# WAIT_STATUS to its exit status. On timeout kills it and fails.
wait_exit() {
    local pid="$1" secs="$2" i
    for i in $(seq 1 $((secs * 20))); do
        if ! kill -0 "$pid" 2>/dev/null; then
            WAIT_STATUS=0
            wait "$pid" || WAIT_STATUS=$?
            return 0
        fi
        sleep 0.05
    done
    echo "process $pid still running after $secs s; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    return 1
}

# teardown helper: kill whatever afetch_bg started in this test and is still alive.
kill_bg() {
    local f="$BATS_TEST_TMPDIR/bg.pids" pid
    [ -f "$f" ] || return 0
    while read -r pid; do
        if kill -0 "$pid" 2>/dev/null; then
            kill -KILL "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done <"$f"
    rm -f "$f"
}

# maxrss_kb OUT ERR ARGS...: run afetch (no wrapper) with stdout to OUT and
# stderr to ERR, then print "STATUS MAXRSS_KB" (peak resident set of the child).
maxrss_kb() {
    local out="$1" err="$2"
    shift 2
    "$PYTHON" -c 'import resource, subprocess, sys
with open(sys.argv[1], "wb") as o, open(sys.argv[2], "wb") as e:
    rc = subprocess.call(sys.argv[3:], stdout=o, stderr=e)
print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$out" "$err" "$AFETCH" "$@"
}

# sha256_of FILE: lowercase hex SHA-256 of FILE ("-" for stdin).
sha256_of() {
    sha256sum "$1" | awk '{print $1}'
}

# start_blackhole: a 127.0.0.1 port whose accept queue is full, so a new
# connection attempt hangs (its SYNs are dropped) until the client gives up.
# Exports BLACKHOLE_PORT and BLACKHOLE_PID; stop it with stop_blackhole.
start_blackhole() {
    local port_file="$BATS_TEST_TMPDIR/blackhole.port"
    rm -f "$port_file"
    "$PYTHON" -c 'import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(0)
port = s.getsockname()[1]
fill = []
for _ in range(4):
    c = socket.socket()
    c.setblocking(False)
    try:
        c.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    fill.append(c)
time.sleep(0.3)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write("%d\n" % port)
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(300)' "$port_file" >/dev/null 2>&1 3>&- &
    export BLACKHOLE_PID=$!
    local i
    for i in $(seq 1 600); do
        [ -s "$port_file" ] && break
        sleep 0.05
    done
    [ -s "$port_file" ] || { stop_blackhole; echo "blackhole did not start within 30 s" >&2; return 1; }
    BLACKHOLE_PORT="$(tr -d '[:space:]' <"$port_file")"
    export BLACKHOLE_PORT
}

stop_blackhole() {
    [ -n "${BLACKHOLE_PID:-}" ] || return 0
    kill -KILL "$BLACKHOLE_PID" 2>/dev/null || true
    wait "$BLACKHOLE_PID" 2>/dev/null || true
    BLACKHOLE_PID=
}

# A -t for a run that mixes quick local transfers with /delay/30000, which must time out: every
# quick one meets it with a wide margin even on a busy machine, under valgrind too.
quick_timeout() {
    if [ -n "${AFETCH_WRAPPER:-}" ]; then echo 10; else echo 2; fi
}

# jq: `at_once` reads an array of result .time objects and gives the most transfers in flight at
# one moment, by afetch's own clock (each runs from start to start + total), which a busy machine
# stretches but cannot reorder. One that starts as another ends (within 1 ms) does not overlap it.
# shellcheck disable=SC2034
JQ_AT_ONCE='def at_once: . as $t | [$t[] as $a | [$t[] | select(.start <= $a.start
    and $a.start < .start + .total - 0.001)] | length] | max;'

# in_terminal CMD...: runs CMD with stdout and stderr on a pseudo-terminal COLS wide (default
# 80); prints what the terminal received. script(1) hands its command to $SHELL, which may be
# dash (or unset, meaning /bin/sh) where CI runs; %q quotes for bash, so bash it is.
in_terminal() {
    local cmd
    printf -v cmd '%q ' "$@"
    SHELL="$BASH" script -qec "stty cols ${COLS:-80}; $cmd" /dev/null
}
