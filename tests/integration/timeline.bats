#!/usr/bin/env bats
# --timeline FILE.svg: the waterfall chart is well-formed XML, renders, has a panel per mode,
# marks failures, survives hostile URLs and SIGINT, and an unwritable path is exit 2.

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

# need TOOL PACKAGE: fail with the Debian package to install when TOOL is missing.
need() {
    command -v "$1" >/dev/null || {
        echo "$1 is missing: apt-get install $2 (scripts/deps.sh test)" >&2
        return 1
    }
}

# absent PATTERN FILE: FILE has no match for the (byte-wise) PATTERN. A bare `! grep` would not
# fail a bats test: set -e ignores negated commands.
absent() {
    if LC_ALL=C grep -q -e "$1" "$2"; then
        echo "$2 matches $1:" >&2
        LC_ALL=C grep -n -e "$1" "$2" | head -3 >&2
        return 1
    fi
}

# is_png FILE: a PNG of more than 1000 bytes.
is_png() {
    [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] || {
        echo "$1 is not a PNG" >&2
        return 1
    }
    [ "$(stat -c %s "$1")" -gt 1000 ] || {
        echo "$1 is only $(stat -c %s "$1") bytes" >&2
        return 1
    }
}

@test "--timeline writes an SVG that xmllint accepts, one row per URL" {
    need xmllint libxml2-utils
    local svg="$BATS_TEST_TMPDIR/t.svg"
    run --separate-stderr afetch --timeline "$svg" "$BASE/delay/200" "$BASE/delay/50" "$BASE/"
    dump
    [ "$status" -eq 0 ]
    [ -s "$svg" ]
    xmllint --noout "$svg"
    head -c 5 "$svg" | grep -qx '<?xml'
    grep -q '<svg xmlns="http://www.w3.org/2000/svg"' "$svg"
    [ "$(grep -o 'data-index="[0-9]*"' "$svg" | sort -u | wc -l)" -eq 3 ]
    grep -q '>async · 3 URLs · 3 ok · 0 failed' "$svg"
    # no temporary file left beside it
    [ "$(ls -A "$BATS_TEST_TMPDIR" | grep -c afetch)" -eq 0 ]
}

@test "--timeline: rsvg-convert renders it to a PNG" {
    need rsvg-convert librsvg2-bin
    local svg="$BATS_TEST_TMPDIR/t.svg" png="$BATS_TEST_TMPDIR/t.png"
    run --separate-stderr afetch -q --timeline "$svg" "$BASE/delay/300" "$BASE/delay/100" \
        "$BASE/status/500"
    dump
    [ "$status" -eq 1 ]
    rsvg-convert "$svg" -o "$png"
    is_png "$png"
}

@test "--timeline with --compare: one panel per mode, on one axis" {
    need xmllint libxml2-utils
    local svg="$BATS_TEST_TMPDIR/c.svg" list="$BATS_TEST_TMPDIR/urls.txt"
    write_list "$list" "$BASE/delay/300" "$BASE/delay/200" "$BASE/delay/100"
    run --separate-stderr afetch --compare=sync,async --timeline "$svg" "$list"
    dump
    [ "$status" -eq 0 ]
    xmllint --noout "$svg"
    grep -q '>sync · 3 URLs · 3 ok' "$svg"
    grep -q '>async · 3 URLs · 3 ok' "$svg"
    [ "$(grep -c 'data-index=' "$svg")" -eq 6 ]
    # sync comes first, as it ran first
    [ "$(grep -n '>sync · ' "$svg" | cut -d: -f1)" -lt "$(grep -n '>async · ' "$svg" | cut -d: -f1)" ]
}

@test "--timeline marks failures with their error code" {
    need xmllint libxml2-utils
    local svg="$BATS_TEST_TMPDIR/f.svg" port
    port="$(closed_port)"
    run --separate-stderr afetch --timeline "$svg" "$BASE/delay/50" "$BASE/status/404" \
        "http://127.0.0.1:$port/" "file:///etc/passwd"
    dump
    [ "$status" -eq 1 ]
    xmllint --noout "$svg"
    grep -q '>http 404</text>' "$svg"
    grep -q '>connect</text>' "$svg"
    grep -q '>protocol</text>' "$svg"
    grep -q 'fill="url(#stripes)"' "$svg"
    grep -q '>async · 4 URLs · 1 ok · 3 failed' "$svg"
}

@test "--timeline escapes hostile URLs and control bytes" {
    need xmllint libxml2-utils
    local svg="$BATS_TEST_TMPDIR/h.svg" list="$BATS_TEST_TMPDIR/hostile.txt"
    printf '%s\n' "$BASE/delay/10?q=<script>alert(1)</script>&x=\"'" >"$list"
    printf 'http://x.test/\001\033[31m\377\376<b>\n' >>"$list"
    printf '{"url": "%s/?</svg><script>"}\n' "$BASE" >>"$list"
    run --separate-stderr afetch --timeline "$svg" "$list"
    dump
    xmllint --noout "$svg"
    absent '<script' "$svg"
    absent '<b>' "$svg"
    grep -q '&lt;script&gt;' "$svg"
    absent $'[\x01-\x09\x0b-\x1f\x7f]' "$svg"
    iconv -f UTF-8 -t UTF-8 "$svg" >/dev/null
    [ "$(grep -c 'data-index=' "$svg")" -eq 3 ]
}

@test "--timeline gets mode 0666 less the umask (027: 0640), also after --threads" {
    local svg="$BATS_TEST_TMPDIR/mode.svg"
    umask 027
    run --separate-stderr afetch --threads 2 --timeline "$svg" "$BASE/" "$BASE/bytes/3"
    dump
    [ "$status" -eq 0 ]
    [ "$(stat -c %a "$svg")" = 640 ]
}

@test "--timeline to an unwritable path: exit 2 before anything is fetched, one line naming it" {
    local tag dir="$BATS_TEST_TMPDIR/locked" svg
    tag="$(uniq_tag)"
    for svg in /proc/x.svg "$BATS_TEST_TMPDIR/no/such/dir/t.svg" "$BATS_TEST_TMPDIR"/; do
        run --separate-stderr afetch --json --timeline "$svg" "$BASE/delay/10?$tag"
        dump
        [ "$status" -eq 2 ]
        [ -z "$output" ]
        [ "$(grep -c . <<<"$stderr")" -eq 1 ]
        [[ "$stderr" == "afetch: --timeline: "*"$svg"* ]]
        [ ! -e "$BATS_TEST_TMPDIR/no" ]
    done
    [ -z "$(server_request "$tag")" ]
    # /proc is the case root meets too (access() says yes to root, creating a file says no);
    # a directory without write permission stops everyone else
    if [ "$(id -u)" -ne 0 ]; then
        mkdir "$dir"
        chmod 0555 "$dir"
        run --separate-stderr afetch --timeline "$dir/t.svg" "$BASE/delay/10?$tag"
        chmod 0755 "$dir"
        [ "$status" -eq 2 ]
        [[ "$stderr" == *"--timeline: cannot write $dir/t.svg"* ]]
        [ -z "$(server_request "$tag")" ]
    fi
}

@test "--timeline refuses a name that does not end in .svg (any case), before fetching" {
    local tag name
    tag="$(uniq_tag)"
    for name in x.png x.svgz x noext.SVG.txt; do
        run --separate-stderr afetch --timeline "$BATS_TEST_TMPDIR/$name" "$BASE/?$tag"
        dump
        [ "$status" -eq 2 ]
        [ -z "$output" ]
        [[ "$stderr" == "afetch: --timeline: "*"$name"*"does not end in .svg"* ]]
        [ ! -e "$BATS_TEST_TMPDIR/$name" ]
    done
    [ -z "$(server_request "$tag")" ]
    run --separate-stderr afetch --timeline "$BATS_TEST_TMPDIR/UPPER.SVG" "$BASE/?$tag"
    dump
    [ "$status" -eq 0 ]
    grep -q '<svg' "$BATS_TEST_TMPDIR/UPPER.SVG"
    # the writability probe leaves nothing behind
    [ -z "$(ls -A "$BATS_TEST_TMPDIR" | grep afetch-probe)" ]
}

@test "--timeline is written after SIGINT, with the cancelled transfers" {
    need xmllint libxml2-utils
    local svg="$BATS_TEST_TMPDIR/i.svg" tag
    tag="$(uniq_tag)"
    afetch_bg "$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/err" --timeline "$svg" \
        "$BASE/delay/0?$tag-a" "$BASE/delay/20000?$tag-b"
    wait_for_log "$tag-b" 1
    kill -INT "$AFETCH_BG_PID"
    wait_exit "$AFETCH_BG_PID" 30
    cat "$BATS_TEST_TMPDIR/err"
    [ "$WAIT_STATUS" -eq 130 ]
    xmllint --noout "$svg"
    grep -q '>cancelled</text>' "$svg"
    # the fast one may or may not have finished first (valgrind is slow)
    grep -Eq '>async · 2 URLs · [01] ok · [12] failed \([12] cancelled\)' "$svg"
    [ "$(grep -c 'data-index=' "$svg")" -eq 2 ]
}

@test "--timeline renders in headless chromium" {
    command -v chromium >/dev/null || skip "chromium is not installed"
    local svg="$BATS_TEST_TMPDIR/b.svg" png="$BATS_TEST_TMPDIR/b.png"
    run --separate-stderr afetch -q --compare=sync,async --timeline "$svg" \
        "$BASE/delay/200" "$BASE/status/404" "$BASE/delay/100"
    dump
    [ "$status" -eq 1 ]
    HOME="$BATS_TEST_TMPDIR" timeout 120 chromium --headless --no-sandbox --disable-gpu \
        --user-data-dir="$BATS_TEST_TMPDIR/chromium" --window-size=1000,400 \
        --screenshot="$png" "file://$svg" 3>&- || true
    is_png "$png"
}
