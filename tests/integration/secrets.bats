#!/usr/bin/env bats
# Secrets and terminals: a password in a URL is sent but never shown (table, JSON, JSON Lines,
# -v log, timeline, error messages; every runner), and every string from a server, a list or the
# command line reaches the terminal escaped (C0, DEL, C1, bidi controls, invalid UTF-8).

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
    start_server
}

teardown_file() {
    stop_server
}

SECRET=PASSW0RD

# nowhere PATTERN FILE...: no FILE holds the fixed string PATTERN (byte-wise). A bare `! grep`
# would not fail a bats test: set -e ignores negated commands.
nowhere() {
    local pattern="$1" f
    shift
    for f in "$@"; do
        if LC_ALL=C grep -qF -e "$pattern" "$f"; then
            echo "$f holds $pattern:" >&2
            LC_ALL=C grep -nF -e "$pattern" "$f" | head -3 | cut -c1-300 >&2
            return 1
        fi
    done
}

# run_to NAME ARGS...: runs afetch with stdout and stderr in $BATS_TEST_TMPDIR/NAME.{out,err}
# and its exit code in $status, which must be one of afetch's own (0, 1, 2): a sanitizer's or
# valgrind's exit code fails the test.
run_to() {
    local name="$1"
    shift
    status=0
    afetch "$@" >"$BATS_TEST_TMPDIR/$name.out" 2>"$BATS_TEST_TMPDIR/$name.err" || status=$?
    if [ "$status" -gt 2 ]; then
        echo "afetch $* exited $status:" >&2
        cat "$BATS_TEST_TMPDIR/$name.err" >&2
        return 1
    fi
}

# The list of the password tests: one success, a dns and a connect failure, IPv6, an empty user.
secret_list() {
    local tag="$1" list="$BATS_TEST_TMPDIR/secrets.txt" port
    port="$(closed_port)"
    write_list "$list" \
        "http://user:$SECRET@127.0.0.1:$PORT/echo?$tag" \
        "http://user:$SECRET@nonexistent.invalid/" \
        "http://user:$SECRET@127.0.0.1:$port/" \
        "http://user:$SECRET@[::1]:$port/" \
        "http://:$SECRET@127.0.0.1:$port/"
    echo "$list"
}

@test "a password in a URL is shown nowhere: table, --json, --jsonl, -v, --timeline, dns and connect errors" {
    local tag list dir="$BATS_TEST_TMPDIR"
    tag="$(uniq_tag)"
    list="$(secret_list "$tag")"
    run_to table -v --timeline "$dir/t.svg" "$list"
    [ "$status" -eq 1 ]
    run_to json -v --json "$list"
    run_to jsonl -v --jsonl "$list"
    cat "$dir/table.out" "$dir/table.err"
    nowhere "$SECRET" "$dir"/*.out "$dir"/*.err "$dir/t.svg"
    # not vacuous: the URLs are there, with the password starred out
    [ "$(grep -c "user:\*\*\*@" "$dir/table.out")" -eq 4 ]
    grep -qF "http://:***@127.0.0.1:" "$dir/table.out"
    grep -qF "start #1 http://user:***@nonexistent.invalid/" "$dir/table.err"
    grep -qF "user:***@127.0.0.1:$PORT/echo?$tag" "$dir/t.svg"
    jq -e . "$dir/json.out" >/dev/null
    jq -c '.results[] | [.url, .effective_url, .error]' "$dir/json.out"
    jqt '.results[0].ok and (.results[0].effective_url | test("^http://user:\\*\\*\\*@127"))' \
        "$dir/json.out"
    jqt '.results[1].error.code == "dns" and .results[2].error.code == "connect"' "$dir/json.out"
    jqt -s '[.[] | .url | test(":\\*\\*\\*@")] | all and length == 5' "$dir/jsonl.out"
    # the server got the password: basic auth from the userinfo, three times (one per format)
    [ "$(server_request "$tag" | jq -r .headers.authorization | sort -u)" = \
        "Basic $(printf 'user:%s' "$SECRET" | base64)" ]
    [ "$(server_request "$tag" | wc -l)" -eq 3 ]
}

@test "a password never shows with --sync, --threads or --compare either" {
    local tag list dir="$BATS_TEST_TMPDIR"
    tag="$(uniq_tag)"
    list="$(secret_list "$tag")"
    run_to sync -v --sync "$list"
    run_to threads -v --threads 2 --json "$list"
    run_to compare -v --compare=sync,threads,async --timeline "$dir/c.svg" --jsonl "$list"
    cat "$dir"/*.err
    nowhere "$SECRET" "$dir"/*.out "$dir"/*.err "$dir/c.svg"
    [ "$(grep -c "user:\*\*\*@" "$dir/sync.out")" -eq 4 ]
    jqt '[.results[] | .url | test(":\\*\\*\\*@")] | all and length == 5' "$dir/threads.out"
    [ "$(grep -c ":\*\*\*@" "$dir/compare.out")" -eq 5 ]
    [ "$(grep -c 'start #0 http://user:\*\*\*@' "$dir/compare.err")" -eq 3 ]
    [ "$(server_request "$tag" | jq -r .headers.authorization | sort -u)" = \
        "Basic $(printf 'user:%s' "$SECRET" | base64)" ]
    [ "$(server_request "$tag" | wc -l)" -eq 5 ]
}

@test "a percent-encoded password is sent decoded and shown in neither form" {
    local tag dir="$BATS_TEST_TMPDIR"
    tag="$(uniq_tag)"
    run_to enc --json "http://user:pa%40ss-$SECRET@127.0.0.1:$PORT/echo?$tag" \
        "http://user:pa%40ss-$SECRET@nonexistent.invalid/"
    cat "$dir/enc.out" "$dir/enc.err"
    nowhere "$SECRET" "$dir/enc.out" "$dir/enc.err"
    nowhere "pa%40ss" "$dir/enc.out"
    nowhere "pa@ss" "$dir/enc.out"
    jqt --arg p "$PORT" --arg t "$tag" \
        '.results[0].url == "http://user:***@127.0.0.1:\($p)/echo?\($t)"' "$dir/enc.out"
    jqt '.results[1].url == "http://user:***@nonexistent.invalid/"' "$dir/enc.out"
    [ "$(server_request "$tag" | jq -r .headers.authorization)" = \
        "Basic $(printf 'user:pa@ss-%s' "$SECRET" | base64)" ]
}

@test "a password that libcurl quotes in an error message is starred out there too" {
    local dir="$BATS_TEST_TMPDIR"
    # the host repeats the password, and libcurl's message names the host; the URL's host is
    # shown as given (only the userinfo's password is hidden there)
    run_to quoted --json "http://user:$SECRET@$SECRET.invalid/"
    cat "$dir/quoted.out"
    jqt '.results[0].error.code == "dns"' "$dir/quoted.out"
    jqt '.results[0].error.message == "Could not resolve host: ***.invalid"' "$dir/quoted.out"
    jqt '.results[0].url == "http://user:***@PASSW0RD.invalid/"' "$dir/quoted.out"
}

@test "user@host has no password: the URL is shown as given" {
    local tag dir="$BATS_TEST_TMPDIR"
    tag="$(uniq_tag)"
    run_to user --json "http://someone@127.0.0.1:$PORT/echo?$tag"
    jqt --arg port "$PORT" --arg tag "$tag" \
        '.results[0].ok and .results[0].url == "http://someone@127.0.0.1:\($port)/echo?\($tag)"' \
        "$dir/user.out"
}

@test "a list entry that is not a valid request keeps its password out of the output" {
    local list="$BATS_TEST_TMPDIR/bad.txt" dir="$BATS_TEST_TMPDIR"
    {
        printf '{"url": "http://user:%s@127.0.0.1:%s/", "method": 5}\n' "$SECRET" "$PORT"
        printf 'ftp://user:%s@127.0.0.1/\n' "$SECRET"
        printf 'user:%s@bad host/\n' "$SECRET"
    } >"$list"
    run_to bad -v --jsonl "$list"
    cat "$dir/bad.out" "$dir/bad.err"
    nowhere "$SECRET" "$dir/bad.out" "$dir/bad.err"
    jqt -s 'length == 3 and ([.[] | .ok] | any | not)' "$dir/bad.out"
    jqt -s '[.[] | .url | contains(":***@")] | all' "$dir/bad.out"
    run_to badtable "$list"
    nowhere "$SECRET" "$dir/badtable.out" "$dir/badtable.err"
}

@test "C1 controls, bidi overrides and bad bytes in URLs and labels reach the terminal escaped" {
    local list="$BATS_TEST_TMPDIR/bidi.txt" dir="$BATS_TEST_TMPDIR"
    {
        printf '%s/?c1-\xc2\x9b31m-rlo-\xe2\x80\xae-ff-\xff\n' "$BASE"
        printf '{"url": "%s/?labelled", "label": "L-\xe2\x80\xae-\xe2\x81\xa6-\xc2\x85"}\n' "$BASE"
        # libcurl refuses it (invalid-input), so only the table shows it
        printf '%s/?esc-\x1b[0m-\x7f\n' "$BASE"
    } >"$list"
    run_to esc -v --timeline "$dir/e.svg" "$list"
    cat -v "$dir/esc.out" "$dir/esc.err"
    # the escaped forms: in the table, in the -v log, and in the timeline's text
    grep -qF '?c1-\u009B31m-rlo-\u202E-ff-\xFF' "$dir/esc.out"
    grep -qF '(L-\u202E-\u2066-\u0085)' "$dir/esc.out"
    grep -qF '?esc-\x1B[0m-\x7F' "$dir/esc.out"
    grep -qF 'start #0 '"$BASE"'/?c1-\u009B31m-rlo-\u202E-ff-\xFF (try 1)' "$dir/esc.err"
    grep -qF 'end #0 '"$BASE"'/?c1-\u009B31m-rlo-\u202E-ff-\xFF: ok' "$dir/esc.err"
    grep -qF '\u202E' "$dir/e.svg"
    # and none of the raw bytes
    for bytes in $'\xc2\x9b' $'\xc2\x85' $'\xe2\x80\xae' $'\xe2\x81\xa6' $'\xff' $'\x1b' $'\x7f'; do
        nowhere "$bytes" "$dir/esc.out" "$dir/esc.err" "$dir/e.svg"
    done
    LC_ALL=C.UTF-8 iconv -f UTF-8 -t UTF-8 "$dir/esc.out" >/dev/null
    LC_ALL=C.UTF-8 iconv -f UTF-8 -t UTF-8 "$dir/esc.err" >/dev/null
    # JSON keeps the characters (valid JSON): C1 as \u escapes, bidi as they are
    run_to escjson --json "$list"
    jqt '.results[1].label == "L-\u202e-\u2066-\u0085"' "$dir/escjson.out"
    LC_ALL=C grep -qF '\u009b' "$dir/escjson.out"
}

@test "an error message naming a file with control bytes is escaped" {
    local dir="$BATS_TEST_TMPDIR"
    run_to nofile "$dir/no-$(printf '\x1b\xe2\x80\xae')-such.txt"
    [ "$status" -eq 2 ]
    cat -v "$dir/nofile.err"
    grep -qF 'no-\x1B\u202E-such.txt' "$dir/nofile.err"
    nowhere $'\x1b' "$dir/nofile.err"
    nowhere $'\xe2\x80\xae' "$dir/nofile.err"
    run_to badopt "--no-such-$(printf '\x1b[2J')" "$BASE/"
    [ "$status" -eq 2 ]
    cat -v "$dir/badopt.err"
    grep -qF -- '--no-such-\x1B[2J' "$dir/badopt.err"
    nowhere $'\x1b' "$dir/badopt.err"
}

@test "invalid UTF-8 and controls in a server's Content-Type keep the JSON valid" {
    local dir="$BATS_TEST_TMPDIR"
    # "text/" 0xFF ESC "[31m" U+009B U+202E
    run_to ctype --json "$BASE/raw-header?name=Content-Type&hex=746578742fff1b5b33316dc29be280ae"
    cat -v "$dir/ctype.out"
    LC_ALL=C.UTF-8 iconv -f UTF-8 -t UTF-8 "$dir/ctype.out" >/dev/null
    jqt '.results[0].content_type == "text/\ufffd\u001b[31m\u009b\u202e"' "$dir/ctype.out"
    nowhere $'\x1b' "$dir/ctype.out"
    nowhere $'\xc2\x9b' "$dir/ctype.out"
}
