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

# setup_file: start tests/server.py on a free 127.0.0.1 port.
# Exports PORT, BASE, SERVER_PID, SERVER_LOG (one JSON line per request).
start_server() {
    if [ ! -x "$AFETCH" ]; then
        echo "afetch binary not found or not executable: $AFETCH (run make)" >&2
        return 1
    fi
    local port_file="$BATS_FILE_TMPDIR/server.port"
    export SERVER_LOG="$BATS_FILE_TMPDIR/requests.jsonl"
    rm -f "$port_file" "$port_file.tmp" "$SERVER_LOG"
    : >"$SERVER_LOG"
    # fd 3 must be closed or bats waits for the background process.
    "$PYTHON" "$SERVER_PY" --port 0 --port-file "$port_file" \
        --log "$SERVER_LOG" \
        >"$BATS_FILE_TMPDIR/server.out" 2>&1 3>&- &
    export SERVER_PID=$!
    echo "$SERVER_PID" >"$BATS_FILE_TMPDIR/server.pid"
    local i
    for i in $(seq 1 100); do
        if [ -s "$port_file" ]; then
            break
        fi
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            echo "test server died:" >&2
            cat "$BATS_FILE_TMPDIR/server.out" >&2
            return 1
        fi
        sleep 0.05
    done
    if [ ! -s "$port_file" ]; then
        echo "test server did not write $port_file within 5 s" >&2
        stop_server
        return 1
    fi
    PORT="$(tr -d '[:space:]' <"$port_file")"
    export PORT
    export BASE="http://127.0.0.1:$PORT"
}

# teardown_file: stop the server started by start_server.
stop_server() {
    local pid="${SERVER_PID:-}"
    if [ -z "$pid" ] && [ -f "$BATS_FILE_TMPDIR/server.pid" ]; then
        pid="$(cat "$BATS_FILE_TMPDIR/server.pid")"
    fi
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

# The 13 keys every result object must have, sorted (jq `keys` order).
RESULT_KEYS='["attempts","bytes","content_type","effective_url","error","http_version","index","label","ok","redirects","status","time","url"]'
TIME_KEYS='["connect","dns","start","tls","total","ttfb"]'
