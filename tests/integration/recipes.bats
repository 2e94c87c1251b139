#!/usr/bin/env bats
# The shell recipes in examples/recipes/ (afetch + jq) on a list mixing ok, 404, 500, a slow
# page, a DNS failure and a bad entry: exact output, exit 0 although afetch itself exits 1,
# and afetch's real failures (exit 2) passed on.
bats_require_minimum_version 1.5.0
load helpers

RECIPES="$BATS_TEST_DIRNAME/../../examples/recipes"

setup_file() {
    start_server
    # The recipes run ${AFETCH:-afetch}: one command, so $AFETCH_WRAPPER (valgrind, ASan
    # options) goes into a small script named afetch.
    export RECIPE_BIN="$BATS_FILE_TMPDIR/bin"
    mkdir -p "$RECIPE_BIN"
    # shellcheck disable=SC2016
    printf '#!/usr/bin/env bash\nexec %s %q "$@"\n' "${AFETCH_WRAPPER:-}" "$AFETCH" >"$RECIPE_BIN/afetch"
    chmod +x "$RECIPE_BIN/afetch"
    # The slow page must stay the slowest by a wide margin: on a busy machine a fast transfer
    # can take 0.1 s under ASan, and well over a second under valgrind.
    export SLOW_MS=1000
    [ -z "${AFETCH_WRAPPER:-}" ] || SLOW_MS=4000
    export LIST="$BATS_FILE_TMPDIR/urls.txt"
    write_list "$LIST" \
        "# a comment, skipped" \
        "$BASE/" \
        "$BASE/status/404" \
        "$BASE/delay/$SLOW_MS" \
        "$BASE/status/500" \
        "http://nosuchhost.invalid/" \
        "$BASE/status/404?again" \
        "not a url"
}
teardown_file() { stop_server; }

# The recipes' own shell logic needs no second run under valgrind or ASan options.
plain_only() {
    [ -z "${AFETCH_WRAPPER:-}" ] || skip "shell logic only; checked in the plain run"
}

# recipe NAME ARGS...: run examples/recipes/NAME with AFETCH set to the wrapper.
recipe() {
    local name=$1
    shift
    AFETCH="$RECIPE_BIN/afetch" "$RECIPES/$name" "$@"
}

@test "recipes: each is executable, starts with a one-line comment and uses set -euo pipefail" {
    local f n=0
    for f in "$RECIPES"/*.sh; do
        n=$((n + 1))
        echo "$f"
        [ -x "$f" ]
        [ "$(sed -n 1p "$f")" = "#!/usr/bin/env bash" ]
        [[ "$(sed -n 2p "$f")" == "# $(basename "$f") "* ]]
        grep -qx 'set -euo pipefail' "$f"
        grep -qF '"${AFETCH:-afetch}"' "$f"
    done
    [ "$n" -eq 3 ]
}

@test "broken-links.sh: index, status or error code and URL of every entry not ok" {
    run --separate-stderr recipe broken-links.sh "$LIST"
    dump
    [ "$status" -eq 0 ]
    [ "$output" = "$(printf '%s\t%s\t%s\n' \
        1 404 "$BASE/status/404" \
        3 500 "$BASE/status/500" \
        4 dns "http://nosuchhost.invalid/" \
        5 404 "$BASE/status/404?again" \
        6 invalid-input "not a url")" ]
}

@test "broken-links.sh: a list with nothing broken prints nothing and exits 0" {
    plain_only
    local list="$BATS_TEST_TMPDIR/ok.txt"
    write_list "$list" "$BASE/" "$BASE/status/204"
    run --separate-stderr recipe broken-links.sh "$list"
    dump
    [ "$status" -eq 0 ]
    [ -z "$output" ]
}

@test "status-histogram.sh: one count per status or error code, most frequent first" {
    run --separate-stderr recipe status-histogram.sh "$LIST"
    dump
    [ "$status" -eq 0 ]
    [ "$output" = "$(printf '%s\t%s\n' 2 200 2 404 1 500 1 dns 1 invalid-input)" ]
}

@test "status-histogram.sh: - reads the list from standard input" {
    plain_only
    run --separate-stderr recipe status-histogram.sh - <"$LIST"
    dump
    [ "$status" -eq 0 ]
    [ "$output" = "$(printf '%s\t%s\n' 2 200 2 404 1 500 1 dns 1 invalid-input)" ]
}

@test "slowest.sh LIST 1: the slow page, with its time and index" {
    run --separate-stderr recipe slowest.sh "$LIST" 1
    dump
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 1 ]
    [[ "${lines[0]}" =~ ^[0-9]+\.[0-9]{3}$'\t'2$'\t'"$BASE/delay/$SLOW_MS"$ ]]
    # its time.total, to the millisecond, is at least the server's delay
    awk -F '\t' -v ms="$SLOW_MS" '{ exit !($1 * 1000 >= ms) }' <<<"${lines[0]}"
}

@test "slowest.sh LIST [N]: every entry with a time (default 10), slowest first; N limits" {
    run --separate-stderr recipe slowest.sh "$LIST"
    dump
    [ "$status" -eq 0 ]
    # 7 entries; "not a url" was never sent and has no time
    [ "${#lines[@]}" -eq 6 ]
    [[ "$output" != *"not a url"* ]]
    [[ "${lines[0]}" == *$'\t'2$'\t'"$BASE/delay/$SLOW_MS" ]]
    cut -f1 <<<"$output" | sort -c -g -r
    [ "$(cut -f2 <<<"$output" | sort -n | tr '\n' ' ')" = "0 1 2 3 4 5 " ]
    local line
    for line in "${lines[@]}"; do
        [[ "$line" =~ ^[0-9]+\.[0-9]{3}$'\t'[0-9]+$'\t'[^$'\t']+$ ]]
    done
    run --separate-stderr recipe slowest.sh "$LIST" 3
    dump
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 3 ]
    [[ "${lines[0]}" == *$'\t'2$'\t'"$BASE/delay/$SLOW_MS" ]]
    cut -f1 <<<"$output" | sort -c -g -r
}

@test "recipes: afetch from PATH when AFETCH is unset" {
    plain_only
    run --separate-stderr env -u AFETCH PATH="$RECIPE_BIN:$PATH" "$RECIPES/broken-links.sh" "$LIST"
    dump
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 5 ]
    [ "${lines[2]}" = "$(printf '4\tdns\thttp://nosuchhost.invalid/')" ]
}

@test "recipes: an unreadable list is afetch's exit 2, passed on, with nothing printed" {
    plain_only
    local name
    for name in broken-links.sh slowest.sh status-histogram.sh; do
        run --separate-stderr recipe "$name" "$BATS_TEST_TMPDIR/no-such-list.txt"
        dump
        [ "$status" -eq 2 ]
        [ -z "$output" ]
        [[ "$stderr" == *"no-such-list.txt"* ]]
    done
}

@test "recipes: a wrong argument count or N is a usage error (exit 2)" {
    run --separate-stderr "$RECIPES/broken-links.sh"
    [ "$status" -eq 2 ]
    [[ "$stderr" == "usage: broken-links.sh LIST"* ]]
    run --separate-stderr "$RECIPES/status-histogram.sh" a b
    [ "$status" -eq 2 ]
    [[ "$stderr" == "usage: status-histogram.sh LIST"* ]]
    local n
    for n in 0 -1 x 1.5; do
        run --separate-stderr recipe slowest.sh "$LIST" "$n"
        [ "$status" -eq 2 ]
        [[ "$stderr" == "usage: slowest.sh LIST [N]"* ]]
        [ -z "$output" ]
    done
}
