#!/usr/bin/env bats
# Saving bodies: -o/--output-dir, file names, --overwrite, failures leave
# nothing behind; --hash.

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
    start_server
}

teardown_file() {
    stop_server
}

teardown() {
    kill_bg
}

# xs N: N bytes of "x", the body of /bytes/N.
xs() {
    head -c "$1" /dev/zero | tr '\0' x
}

# listing DIR: the names in DIR (hidden ones too), one a line, sorted.
listing() {
    ls -A "$1" | LC_ALL=C sort
}

@test "-o saves each body under its index and sanitized URL; path holds the file" {
    local dir="$BATS_TEST_TMPDIR/out"
    run --separate-stderr afetch --json -o "$dir" "$BASE/bytes/10" "$BASE/html" "$BASE/echo" "$BASE/"
    dump
    [ "$status" -eq 0 ]
    local n0="000000-127.0.0.1-$PORT-bytes-10" n3="000003-127.0.0.1-$PORT-index.html"
    local n1="000001-127.0.0.1-$PORT-html" n2="000002-127.0.0.1-$PORT-echo"
    echo "--- files:"
    listing "$dir"
    [ "$(listing "$dir")" = "$(printf '%s\n' "$n0" "$n1" "$n2" "$n3" | LC_ALL=C sort)" ]
    [ "$(cat "$dir/$n0")" = "xxxxxxxxxx" ]
    [ "$(cat "$dir/$n3")" = "ok" ]
    [ "$(stat -c %s "$dir/$n1")" -eq "$(echo "$output" | jq '.results[1].bytes')" ]
    echo "$output" | jqt --arg d "$dir" --arg a "$n0" --arg b "$n1" --arg c "$n2" --arg e "$n3" \
        '[.results[].path] == ["\($d)/\($a)", "\($d)/\($b)", "\($d)/\($c)", "\($d)/\($e)"]'
}

@test "--output-dir (long form) works and a relative DIR is reported as given" {
    cd "$BATS_TEST_TMPDIR"
    run --separate-stderr afetch --json --output-dir rel "$BASE/bytes/7"
    dump
    [ "$status" -eq 0 ]
    local n="000000-127.0.0.1-$PORT-bytes-7"
    [ -f "rel/$n" ]
    echo "$output" | jqt --arg p "rel/$n" '.results[0].path == $p'
}

@test "without -o, path is null; with -o, failed results have null path" {
    run --separate-stderr afetch --json "$BASE/bytes/5"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '.results[0] | has("path") and .path == null and has("sha256") and .sha256 == null'
}

@test "query strings and odd characters collapse into single dashes; dots collapse" {
    local dir="$BATS_TEST_TMPDIR/q"
    run --separate-stderr afetch --json -o "$dir" \
        "$BASE/bytes/5?x=1&y=~z" "$BASE/bytes/6?v=a..b...c" "$BASE/bytes/4?__ok.._" \
        "$BASE/bytes/2?a=%20b"
    dump
    [ "$status" -eq 0 ]
    listing "$dir"
    [ "$(listing "$dir" | head -3)" = "$(printf '%s\n' \
        "000000-127.0.0.1-$PORT-bytes-5-x-1-y-z" \
        "000001-127.0.0.1-$PORT-bytes-6-v-a.b.c" \
        "000002-127.0.0.1-$PORT-bytes-4-__ok._")" ]
    [ "$(cat "$dir/000001-127.0.0.1-$PORT-bytes-6-v-a.b.c")" = "xxxxxx" ]
    # a percent escape: the contract does not say whether it is decoded first
    local last
    last="$(listing "$dir" | tail -1)"
    [[ "$last" == "000003-127.0.0.1-$PORT-bytes-2-a-b" ||
        "$last" == "000003-127.0.0.1-$PORT-bytes-2-a-20b" ]]
}

@test "hostile URLs cannot escape DIR, make hidden files or overlong names" {
    local dir="$BATS_TEST_TMPDIR/hostile" long
    long="$(head -c 600 /dev/zero | tr '\0' a)"
    run --separate-stderr afetch --json -o "$dir" \
        "$BASE/bytes/3?/../../../../escaped" \
        "$BASE/bytes/3?%2F..%2F..%2Fescaped2" \
        "$BASE/bytes/3?$long" \
        "$BASE/bytes/3?.hidden"
    dump
    [ "$status" -eq 0 ]
    listing "$dir"
    [ "$(listing "$dir" | wc -l)" -eq 4 ]
    # nothing landed outside DIR
    [ -z "$(find "$BATS_TEST_TMPDIR" -name '*escaped*' -not -path "$dir/*")" ]
    local f
    while read -r f; do
        [ "${#f}" -le 200 ]
        [[ "$f" != .* ]]
        [[ "$f" =~ ^[0-9]{6}-127\.0\.0\.1-$PORT-bytes-3 ]]
        [[ "$f" =~ ^[A-Za-z0-9._-]+$ ]]
        [[ "$f" != *..* ]]
        [ "$(cat "$dir/$f")" = "xxx" ]
    done < <(listing "$dir")
    echo "$output" | jqt --arg d "$dir/" 'all(.results[]; .path | startswith($d)
        and (ltrimstr($d) | contains("/") | not))'
}

@test "failed transfers leave nothing in DIR, not even temp files" {
    local dir="$BATS_TEST_TMPDIR/fails" port
    port="$(closed_port)"
    run --separate-stderr afetch --json -o "$dir" --max-size 4k \
        "$BASE/status/404" \
        "http://127.0.0.1:$port/" \
        "$BASE/reset-mid-body" \
        "$BASE/short-body" \
        "$BASE/bytes/5000" \
        "$BASE/close" \
        "$BASE/bytes/8"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '[.results[].ok] == [false, false, false, false, false, false, true]'
    echo "$output" | jqt '.results[4].error.code == "too-large"'
    echo "$output" | jqt 'all(.results[0:6][]; .path == null) and .results[6].path != null'
    listing "$dir"
    [ "$(listing "$dir")" = "000006-127.0.0.1-$PORT-bytes-8" ]
}

@test "a timed-out transfer leaves nothing in DIR" {
    local dir="$BATS_TEST_TMPDIR/slow"
    run --separate-stderr afetch --json -o "$dir" -t 2 "$BASE/drip/20"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '.results[0].error.code == "timeout" and .results[0].path == null'
    [ -z "$(ls -A "$dir" 2>/dev/null)" ]
}

@test "an existing file is not overwritten: error exists; --overwrite replaces it" {
    local dir="$BATS_TEST_TMPDIR/exist" n
    n="000000-127.0.0.1-$PORT-bytes-12"
    mkdir -p "$dir"
    echo "old content" >"$dir/$n"
    run --separate-stderr afetch --json -o "$dir" "$BASE/bytes/12" "$BASE/bytes/2"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '.results[0].ok == false and .results[0].error.code == "exists"'
    echo "$output" | jqt '.results[1].ok == true'
    [ "$(cat "$dir/$n")" = "old content" ]
    listing "$dir"
    [ "$(listing "$dir" | wc -l)" -eq 2 ]
    run --separate-stderr afetch --json -o "$dir" --overwrite "$BASE/bytes/12" "$BASE/bytes/2"
    dump
    [ "$status" -eq 0 ]
    [ "$(cat "$dir/$n")" = "$(xs 12)" ]
    echo "$output" | jqt --arg p "$dir/$n" '.results[0].ok == true and .results[0].path == $p'
    [ "$(listing "$dir" | wc -l)" -eq 2 ]
}

@test "an existing file with a failing URL keeps its content" {
    local dir="$BATS_TEST_TMPDIR/exist2" n
    n="000000-127.0.0.1-$PORT-short-body"
    mkdir -p "$dir"
    echo "keep me" >"$dir/$n"
    run --separate-stderr afetch --json -o "$dir" --overwrite "$BASE/short-body"
    dump
    [ "$status" -eq 1 ]
    [ "$(cat "$dir/$n")" = "keep me" ]
    [ "$(listing "$dir")" = "$n" ]
}

@test "the name comes from the URL as given, not from a redirect" {
    local dir="$BATS_TEST_TMPDIR/redir"
    run --separate-stderr afetch --json -o "$dir" "$BASE/redirect/1"
    dump
    [ "$status" -eq 0 ]
    [ "$(listing "$dir")" = "000000-127.0.0.1-$PORT-redirect-1" ]
    [ "$(cat "$dir/000000-127.0.0.1-$PORT-redirect-1")" = "done" ]
}

@test "Content-Disposition never picks the file name" {
    local dir="$BATS_TEST_TMPDIR/cd"
    run --separate-stderr afetch --json -o "$dir" \
        "$BASE/content-disposition?name=..%2F..%2Fcd-evil" "$BASE/content-disposition?name=.bashrc"
    dump
    [ "$status" -eq 0 ]
    listing "$dir"
    [ "$(listing "$dir" | wc -l)" -eq 2 ]
    listing "$dir" | head -1 | grep -q "^000000-127.0.0.1-$PORT-content-disposition-name-"
    listing "$dir" | tail -1 | grep -q "^000001-127.0.0.1-$PORT-content-disposition-name-.bashrc$"
    [ ! -e "$dir/.bashrc" ]
    [ -z "$(find "$BATS_TEST_TMPDIR" -name 'cd-evil*')" ]
    [ "$(cat "$dir/$(listing "$dir" | head -1)")" = "cd" ]
}

@test "a symlink in the way is never written through" {
    local dir="$BATS_TEST_TMPDIR/sym" victim="$BATS_TEST_TMPDIR/victim" n
    n="000000-127.0.0.1-$PORT-bytes-9"
    mkdir -p "$dir"
    echo "victim" >"$victim"
    ln -s "$victim" "$dir/$n"
    run --separate-stderr afetch --json -o "$dir" "$BASE/bytes/9"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '.results[0].error.code == "exists"'
    [ "$(cat "$victim")" = "victim" ]
    run --separate-stderr afetch --json -o "$dir" --overwrite "$BASE/bytes/9"
    dump
    [ "$status" -eq 0 ]
    # the link itself was replaced by the body; its target is untouched
    [ "$(cat "$victim")" = "victim" ]
    [ ! -L "$dir/$n" ]
    [ "$(cat "$dir/$n")" = "$(xs 9)" ]
}

@test "DIR that is a regular file: usage error before anything is fetched" {
    local notdir="$BATS_TEST_TMPDIR/plain-file" tag
    tag="$(uniq_tag)"
    echo "i am a file" >"$notdir"
    run --separate-stderr afetch --json -o "$notdir" "$BASE/bytes/3?$tag" "$BASE/bytes/4?$tag"
    dump
    [ "$status" -eq 2 ]
    [ -z "$output" ]
    [ "$stderr" = "afetch: --output-dir: '$notdir' is not a directory" ]
    [ "$(cat "$notdir")" = "i am a file" ]
    [ -z "$(server_request "$tag")" ]
}

@test "DIR that cannot be created (under /proc): usage error naming it" {
    run --separate-stderr afetch --json -o "/proc/afetch-test-$$/out" "$BASE/bytes/3"
    dump
    [ "$status" -eq 2 ]
    [ -z "$output" ]
    [[ "$stderr" == "afetch: --output-dir: cannot create '/proc/afetch-test-$$': "* ]]
    [ "${#stderr_lines[@]}" -eq 1 ]
}

@test "-o with missing parents creates them all (mode from the umask) and saves" {
    cd "$BATS_TEST_TMPDIR"
    umask 027
    run --separate-stderr afetch --json -o nest/a/b "$BASE/bytes/6"
    dump
    [ "$status" -eq 0 ]
    local n="000000-127.0.0.1-$PORT-bytes-6"
    [ "$(cat "nest/a/b/$n")" = "$(xs 6)" ]
    stat -c '%n %a' nest nest/a nest/a/b "nest/a/b/$n"
    [ "$(stat -c %a nest nest/a nest/a/b | sort -u)" = 750 ]
    [ "$(stat -c %a "nest/a/b/$n")" = 640 ]
    echo "$output" | jqt --arg p "nest/a/b/$n" '.results[0].path == $p'
}

@test "files are saved with mode 0666 less the umask: 077 gives 0600, async and --threads" {
    local dir="$BATS_TEST_TMPDIR/private"
    umask 077
    run --separate-stderr afetch --json -o "$dir" "$BASE/bytes/1?m=0" "$BASE/bytes/1?m=1" \
        "$BASE/bytes/1?m=2"
    dump
    [ "$status" -eq 0 ]
    run --separate-stderr afetch --json --threads 3 -o "$dir" "$BASE/bytes/1?m=3" \
        "$BASE/bytes/1?m=4" "$BASE/bytes/1?m=5"
    dump
    [ "$status" -eq 0 ]
    ls -lA "$dir"
    [ "$(find "$dir" -type f | wc -l)" -eq 6 ]
    [ -z "$(find "$dir" -type f ! -perm 0600)" ]
    [ "$(stat -c %a "$dir")" = 700 ]
}

# no_temp_files DIR: fails when a temporary .afetch-* file was left in DIR.
no_temp_files() {
    local left
    left="$(find "$1" -maxdepth 1 -name '.afetch-*')"
    [ -z "$left" ] || {
        echo "temporary files left: $left" >&2
        return 1
    }
}

# wait_for_temp DIR: wait (up to 20 s) until a transfer has opened its temporary file in DIR.
wait_for_temp() {
    local i
    for i in $(seq 1 200); do
        [ -n "$(find "$1" -maxdepth 1 -name '.afetch-*' 2>/dev/null)" ] && return 0
        sleep 0.1
    done
    echo "no temporary file appeared in $1" >&2
    return 1
}

@test "a dangling symlink at the name: exists, and no temporary file left" {
    local dir="$BATS_TEST_TMPDIR/dangling" n
    n="000000-127.0.0.1-$PORT-bytes-9"
    mkdir -p "$dir"
    ln -s "$BATS_TEST_TMPDIR/nowhere" "$dir/$n"
    run --separate-stderr afetch --json -o "$dir" "$BASE/bytes/9" "$BASE/bytes/2"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt --arg f "$dir/$n" '.results[0].error.code == "exists"
        and (.results[0].error.message | contains($f)) and .results[1].ok'
    no_temp_files "$dir"
    [ -L "$dir/$n" ] && [ ! -e "$BATS_TEST_TMPDIR/nowhere" ]
    [ "$(listing "$dir" | wc -l)" -eq 2 ]
}

@test "a file created at the name during the transfer: exists, its content kept, no temp file" {
    local dir="$BATS_TEST_TMPDIR/race" out="$BATS_TEST_TMPDIR/race.json" n
    local err="$BATS_TEST_TMPDIR/race.err"
    n="000000-127.0.0.1-$PORT-drip-3"
    mkdir -p "$dir"
    afetch_bg "$out" "$err" --json -o "$dir" "$BASE/drip/3"
    wait_for_temp "$dir"
    echo "someone else's" >"$dir/$n"
    wait_exit "$AFETCH_BG_PID" 30
    cat "$out" "$err"
    [ "$WAIT_STATUS" -eq 1 ]
    jqt '.results[0].error.code == "exists" and .results[0].path == null' <"$out"
    [ "$(cat "$dir/$n")" = "someone else's" ]
    no_temp_files "$dir"
}

@test "a directory at the name with --overwrite: write, and no temporary file left" {
    local dir="$BATS_TEST_TMPDIR/isdir" n
    n="000000-127.0.0.1-$PORT-bytes-9"
    mkdir -p "$dir/$n"
    touch "$dir/$n/inside"
    run --separate-stderr afetch --json -o "$dir" --overwrite "$BASE/bytes/9" "$BASE/bytes/2"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt --arg f "$dir/$n" '.results[0].error.code == "write"
        and (.results[0].error.message | contains($f)) and .results[1].ok'
    [ -f "$dir/$n/inside" ]
    no_temp_files "$dir"
}

@test "a directory made at the name during the transfer, --overwrite: write, no temp file" {
    local dir="$BATS_TEST_TMPDIR/isdir2" out="$BATS_TEST_TMPDIR/isdir2.json" n
    local err="$BATS_TEST_TMPDIR/isdir2.err"
    n="000000-127.0.0.1-$PORT-drip-3"
    mkdir -p "$dir"
    afetch_bg "$out" "$err" --json -o "$dir" --overwrite "$BASE/drip/3"
    wait_for_temp "$dir"
    mkdir "$dir/$n"
    wait_exit "$AFETCH_BG_PID" 30
    cat "$out" "$err"
    [ "$WAIT_STATUS" -eq 1 ]
    jqt --arg f "$dir/$n" '.results[0].error.code == "write"
        and (.results[0].error.message | contains($f))' <"$out"
    [ -d "$dir/$n" ]
    no_temp_files "$dir"
}

@test "-o in --sync mode saves the same files" {
    local dir="$BATS_TEST_TMPDIR/sync"
    run --separate-stderr afetch --json --sync -o "$dir" "$BASE/bytes/10" "$BASE/status/404" "$BASE/"
    dump
    [ "$status" -eq 1 ]
    [ "$(listing "$dir")" = "$(printf '%s\n' "000000-127.0.0.1-$PORT-bytes-10" \
        "000002-127.0.0.1-$PORT-index.html")" ]
    echo "$output" | jqt '.results[1].path == null and .results[0].path != null'
}

@test "-o with --jsonl reports path on each line" {
    local dir="$BATS_TEST_TMPDIR/jl"
    run --separate-stderr afetch --jsonl -o "$dir" "$BASE/bytes/1" "$BASE/bytes/2"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt -s --arg d "$dir" --arg p "$PORT" \
        '[.[].path] == ["\($d)/000000-127.0.0.1-\($p)-bytes-1", "\($d)/000001-127.0.0.1-\($p)-bytes-2"]'
}

@test "many files with -j 20: every body saved with the right content" {
    local dir="$BATS_TEST_TMPDIR/many" list="$BATS_TEST_TMPDIR/many.txt" i
    for i in $(seq 0 99); do
        echo "$BASE/bytes/$((i * 37))"
    done >"$list"
    run --separate-stderr afetch --json -j 20 -o "$dir" "$list"
    [ "$status" -eq 0 ] || { dump; false; }
    [ "$(listing "$dir" | wc -l)" -eq 100 ]
    for i in 0 1 50 99; do
        local f
        f="$(printf '%06d' "$i")-127.0.0.1-$PORT-bytes-$((i * 37))"
        [ "$(stat -c %s "$dir/$f")" -eq $((i * 37)) ]
    done
}

# ------------------------------------------------------------------------- --hash

@test "--hash gives the SHA-256 of the body as lowercase hex" {
    run --separate-stderr afetch --json --hash "$BASE/bytes/1000" "$BASE/bytes/3000000" "$BASE/"
    dump
    [ "$status" -eq 0 ]
    local h0 h1 h2
    h0="$(xs 1000 | sha256_of -)"
    h1="$(xs 3000000 | sha256_of -)"
    h2="$(printf 'ok\n' | sha256_of -)"
    echo "$output" | jqt --arg a "$h0" --arg b "$h1" --arg c "$h2" \
        '[.results[].sha256] == [$a, $b, $c]'
    echo "$output" | jqt 'all(.results[]; .sha256 | test("^[0-9a-f]{64}$"))'
}

@test "--hash matches the saved file and is null without --hash" {
    local dir="$BATS_TEST_TMPDIR/h"
    run --separate-stderr afetch --json --hash -o "$dir" "$BASE/html"
    dump
    [ "$status" -eq 0 ]
    local f
    f="$(echo "$output" | jq -r '.results[0].path')"
    [ -f "$f" ]
    echo "$output" | jqt --arg h "$(sha256_of "$f")" '.results[0].sha256 == $h'
    run --separate-stderr afetch --json -o "$BATS_TEST_TMPDIR/h2" "$BASE/html"
    dump
    echo "$output" | jqt '.results[0].sha256 == null'
}

@test "--hash hashes the decoded body with --compressed, the raw one without" {
    local raw decoded
    raw="$(server_body "$BASE/gzip-small" | sha256_of -)"
    decoded="$(for i in $(seq 100); do echo "hello world"; done | sha256_of -)"
    run --separate-stderr afetch --json --hash "$BASE/gzip-small"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt --arg h "$raw" '.results[0].sha256 == $h'
    run --separate-stderr afetch --json --hash --compressed "$BASE/gzip-small"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt --arg h "$decoded" '.results[0].sha256 == $h'
}

@test "--hash in --sync mode gives the same digests" {
    run --separate-stderr afetch --json --hash --sync "$BASE/bytes/777" "$BASE/html"
    dump
    [ "$status" -eq 0 ]
    local s="$output"
    run --separate-stderr afetch --json --hash "$BASE/bytes/777" "$BASE/html"
    dump
    [ "$(echo "$s" | jq -c '[.results[].sha256]')" = "$(echo "$output" | jq -c '[.results[].sha256]')" ]
    echo "$s" | jqt --arg h "$(xs 777 | sha256_of -)" '.results[0].sha256 == $h'
}

@test "--shard with -o: a saved name starts with the whole-list index, as the result does" {
    local dir="$BATS_TEST_TMPDIR/shard" mode
    for mode in "" --sync --threads=2; do
        rm -rf "$dir"
        # shellcheck disable=SC2086
        run --separate-stderr afetch --json $mode --shard 2/2 -o "$dir" \
            "$BASE/bytes/1" "$BASE/bytes/2" "$BASE/bytes/3" "$BASE/bytes/4"
        dump
        [ "$status" -eq 0 ]
        [ "$(listing "$dir")" = "$(printf '%s\n' "000001-127.0.0.1-$PORT-bytes-2" \
            "000003-127.0.0.1-$PORT-bytes-4")" ]
        echo "$output" | jqt --arg d "$dir" --arg p "$PORT" \
            '[.results[] | [.index, .path]] == [[1, "\($d)/000001-127.0.0.1-\($p)-bytes-2"],
                                                [3, "\($d)/000003-127.0.0.1-\($p)-bytes-4"]]'
    done
}

@test "--names url mirrors host-port/path as directories; / is index.html, the query is appended" {
    local dir="$BATS_TEST_TMPDIR/mirror" h="127.0.0.1-$PORT"
    run --separate-stderr afetch --json --names url -o "$dir" \
        "$BASE/bytes/5?x=1&y=~z" "$BASE/" "$BASE/redirect/0" "$BASE/html" "$BASE//bytes///3"
    dump
    [ "$status" -eq 0 ]
    (cd "$dir" && find . -type f | LC_ALL=C sort) >"$BATS_TEST_TMPDIR/found"
    cat "$BATS_TEST_TMPDIR/found"
    [ "$(cat "$BATS_TEST_TMPDIR/found")" = "$(printf './%s\n' "$h/bytes/3" "$h/bytes/5-x-1-y-z" \
        "$h/html" "$h/index.html" "$h/redirect/0")" ]
    [ "$(cat "$dir/$h/bytes/5-x-1-y-z")" = "xxxxx" ]
    [ "$(cat "$dir/$h/index.html")" = "ok" ]
    echo "$output" | jqt --arg d "$dir/$h" \
        '[.results[].path] == ["\($d)/bytes/5-x-1-y-z", "\($d)/index.html", "\($d)/redirect/0",
                               "\($d)/html", "\($d)/bytes/3"]'
    # the same URL maps to the same file whatever its index: a second run finds them all
    run --separate-stderr afetch --json --names url -o "$dir" "$BASE/html" "$BASE/"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '[.results[].error.code] == ["exists", "exists"]'
}

@test "--names url: hostile paths stay inside DIR, no hidden names, no climbing" {
    local dir="$BATS_TEST_TMPDIR/mirror-hostile" h="127.0.0.1-$PORT"
    run --separate-stderr afetch --json --names url -o "$dir" \
        "$BASE/delay/0/%2e%2e/%2E%2E/%2e%2e/escaped" "$BASE/delay/0/.hidden/.x" \
        "$BASE/delay/0/a%2F..%2F..%2Fescaped2" "$BASE/delay/0/..."
    dump
    [ "$status" -eq 0 ]
    find "$dir"
    [ -z "$(find "$BATS_TEST_TMPDIR" -name '*escaped*' -not -path "$dir/*")" ]
    [ -z "$(find "$dir" -name '.*')" ]
    echo "$output" | jqt --arg d "$dir/$h" \
        '[.results[].path] == ["\($d)/delay/0/escaped", "\($d)/delay/0/hidden/x",
                               "\($d)/delay/0/a-.-.-escaped2", "\($d)/delay/0/index.html"]'
}

@test "--names basename: the last segment; a second URL with the same one gets exists" {
    local dir="$BATS_TEST_TMPDIR/base"
    run --separate-stderr afetch --json --sync --names basename -o "$dir" \
        "$BASE/bytes/4" "$BASE/redirect/0?n=1" "$BASE/bytes/../status/../bytes/4" "$BASE/"
    dump
    [ "$status" -eq 1 ]
    [ "$(listing "$dir")" = "$(printf '%s\n' 0-n-1 4 index.html)" ]
    echo "$output" | jqt --arg d "$dir" '[.results[] | .path // .error.code] ==
        ["\($d)/4", "\($d)/0-n-1", "exists", "\($d)/index.html"]'
    run --separate-stderr afetch --json --names basename --overwrite -o "$dir" "$BASE/bytes/6"
    [ "$status" -eq 0 ]
    [ "$(cat "$dir/6")" = "$(xs 6)" ]
}

@test "a list entry's \"output\" names its file under DIR; directories are made; it beats --names" {
    local dir="$BATS_TEST_TMPDIR/own/d" list="$BATS_TEST_TMPDIR/own.txt" tag
    tag="$(uniq_tag)"
    write_list "$list" \
        "{\"url\": \"$BASE/bytes/3\", \"output\": \"reports/2024/q1 summary.txt\"}" \
        "{\"url\": \"$BASE/bytes/4\", \"output\": null}" \
        "{\"url\": \"$BASE/bytes/5\", \"output\": \"../../escaped$tag\"}" \
        "{\"url\": \"$BASE/bytes/6\", \"output\": \"/tmp/escaped$tag\"}" \
        "{\"url\": \"$BASE/bytes/7\", \"output\": 7}" \
        "{\"url\": \"$BASE/bytes/8\", \"output\": \"a/./b//c.bin\"}" \
        "{\"url\": \"$BASE/bytes/9\", \"outptu\": \"x\"}"
    run --separate-stderr afetch --json --names url -o "$dir" "$list"
    dump
    [ "$status" -eq 1 ]
    [ "$(cat "$dir/reports/2024/q1-summary.txt")" = "xxx" ]
    [ -f "$dir/127.0.0.1-$PORT/bytes/4" ]
    [ "$(cat "$dir/a/b/c.bin")" = "$(xs 8)" ]
    [ -z "$(find "$BATS_TEST_TMPDIR" /tmp -maxdepth 2 -name "escaped$tag")" ]
    echo "$output" | jqt '[.results[].error.code] == [null, null, "invalid-input", "invalid-input",
        "invalid-input", null, "invalid-input"]'
    echo "$output" | jqt '.results[2].error.message | contains("no \"..\"")'
    echo "$output" | jqt '.results[3].error.message | contains("not start with")'
    echo "$output" | jqt '.results[6].error.message | contains("did you mean \"output\"")'
}

@test "a symlink planted in DIR is never followed: as a directory of the name, or as the name" {
    local dir="$BATS_TEST_TMPDIR/planted" outside="$BATS_TEST_TMPDIR/outside" h="127.0.0.1-$PORT"
    mkdir -p "$dir" "$outside"
    echo "victim" >"$outside/5"
    # a directory component that is a link to outside DIR, for --names url and for "output"
    ln -s "$outside" "$dir/$h"
    ln -s "$outside" "$dir/reports"
    printf '{"url": "%s", "output": "reports/5"}\n' "$BASE/bytes/7" >"$BATS_TEST_TMPDIR/l.txt"
    run --separate-stderr afetch --json --names url -o "$dir" "$BASE/bytes/5" "$BATS_TEST_TMPDIR/l.txt"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '[.results[].error.code] == ["write", "write"]'
    echo "$output" | jqt '.results[0].error.message | endswith("is a symbolic link; afetch follows none inside -o DIR")'
    [ "$(ls -A "$outside")" = "5" ]
    [ "$(cat "$outside/5")" = "victim" ]
    # a final name that is a link to a file outside: exists; --overwrite replaces the link itself
    rm "$dir/$h"
    mkdir -p "$dir/$h/bytes"
    ln -s "$outside/5" "$dir/$h/bytes/5"
    run --separate-stderr afetch --json --names url -o "$dir" --skip-existing "$BASE/bytes/5"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '.results[0].error.code == "exists"'
    run --separate-stderr afetch --json --names url -o "$dir" --overwrite "$BASE/bytes/5"
    dump
    [ "$status" -eq 0 ]
    [ ! -L "$dir/$h/bytes/5" ]
    [ "$(cat "$dir/$h/bytes/5")" = "xxxxx" ]
    [ "$(cat "$outside/5")" = "victim" ]
    [ -z "$(find "$dir" -name '.afetch-*')" ]
}

@test "--skip-existing: a file already saved is not fetched again; ok, skipped, its path" {
    local dir="$BATS_TEST_TMPDIR/skip" tag
    tag="$(uniq_tag)"
    run --separate-stderr afetch --json -o "$dir" "$BASE/bytes/3?$tag" "$BASE/status/404?$tag"
    [ "$status" -eq 1 ]
    local n="000000-127.0.0.1-$PORT-bytes-3-$tag"
    [ "$(grep -c -- "$tag" "$SERVER_LOG")" -eq 2 ]
    run --separate-stderr afetch --json -o "$dir" --skip-existing \
        "$BASE/bytes/3?$tag" "$BASE/status/404?$tag" "$BASE/bytes/4?$tag"
    dump
    [ "$status" -eq 1 ]
    # only the 404 and the new one went out again
    [ "$(grep -c -- "$tag" "$SERVER_LOG")" -eq 4 ]
    [ "$(grep -c -- "bytes/3?$tag" "$SERVER_LOG")" -eq 1 ]
    echo "$output" | jqt --arg p "$dir/$n" '.results[0] | .ok and .skipped == true and .path == $p
        and .attempts == 0 and .bytes == 0 and .status == null and .error == null'
    # "skipped" appears only when true: other results keep exactly their keys
    echo "$output" | jqt --argjson k "$RESULT_KEYS" '[.results[1:][] | keys == $k] == [true, true]'
    echo "$output" | jqt '.summary.ok == 2 and .summary.skipped == 1 and .summary.failed == 1'
    [[ "$stderr" == *"1 skipped (their file exists)"* ]]
    [ "$(cat "$dir/$n")" = "xxx" ]
    # the table shows it
    run --separate-stderr afetch -o "$dir" --skip-existing "$BASE/bytes/3?$tag"
    dump
    [ "$status" -eq 0 ]
    [[ "${lines[1]}" == *" skipped "*"exists: $dir/$n" ]]
    run --separate-stderr afetch -o "$dir" --skip-existing -w '%{skipped} %{path}\n' "$BASE/bytes/3?$tag"
    [ "$output" = "true $dir/$n" ]
}

@test "--skip-existing: a name taken during the run (two URLs, one basename) is skipped, not exists" {
    local dir="$BATS_TEST_TMPDIR/skip-race" mode
    for mode in --sync --threads=2 -j2; do
        rm -rf "$dir"
        run --separate-stderr afetch --json "$mode" --names basename --skip-existing -o "$dir" \
            "$BASE/delay/0?a" "$BASE/delay/1?a" "$BASE/delay/300?a" "$BASE/delay/0?a"
        dump
        [ "$status" -eq 0 ]
        echo "$output" | jqt '[.results[].ok] == [true, true, true, true]'
        echo "$output" | jqt '[.results[] | select(.skipped)] | length == 1'
        [ "$(listing "$dir")" = "$(printf '%s\n' 0-a 1-a 300-a)" ]
    done
}

@test "--skip-existing with --overwrite, or a bad --names: usage errors" {
    run --separate-stderr afetch -o "$BATS_TEST_TMPDIR/x" --skip-existing --overwrite "$BASE/"
    [ "$status" -eq 2 ]
    [ "$stderr" = "afetch: --skip-existing and --overwrite: choose one" ]
    run --separate-stderr afetch -o "$BATS_TEST_TMPDIR/x" --names flat "$BASE/"
    [ "$status" -eq 2 ]
    [ "$stderr" = "afetch: --names: 'flat' is none of indexed, url, basename" ]
}

@test "--compare -o DIR: each mode saves into DIR/MODE; a used DIR/MODE is a usage error" {
    local dir="$BATS_TEST_TMPDIR/cmp"
    run --separate-stderr afetch --json --compare=sync,threads,async -o "$dir" "$BASE/bytes/2" "$BASE/bytes/3"
    dump
    [ "$status" -eq 0 ]
    local m
    for m in sync threads async; do
        [ "$(listing "$dir/$m")" = "$(printf '%s\n' "000000-127.0.0.1-$PORT-bytes-2" \
            "000001-127.0.0.1-$PORT-bytes-3")" ]
    done
    echo "$output" | jqt --arg d "$dir/async/" 'all(.results[]; .path | startswith($d))'
    run --separate-stderr afetch --compare=sync,async -o "$dir" "$BASE/bytes/2"
    [ "$status" -eq 2 ]
    [[ "$stderr" == "afetch: --output-dir: --compare saves each mode in DIR/MODE, and $dir/sync is not empty"* ]]
    run --separate-stderr afetch --json --compare=sync,async --overwrite -o "$dir" "$BASE/bytes/2"
    [ "$status" -eq 0 ]
}
