#!/usr/bin/env bats
# The config file: fetch.conf.example against --help, where the file is looked for, settings
# reaching the run, command-line precedence, and errors naming FILE:LINE.

bats_require_minimum_version 1.5.0
load helpers

EXAMPLE="$BATS_TEST_DIRNAME/../../fetch.conf.example"

setup_file() {
    start_server
}

teardown_file() {
    stop_server
}

# Every test starts with no config in sight: a fresh HOME, no XDG_CONFIG_HOME or AFETCH_CONFIG.
setup() {
    export HOME="$BATS_TEST_TMPDIR/home"
    mkdir -p "$HOME"
    unset XDG_CONFIG_HOME AFETCH_CONFIG
    CONF="$BATS_TEST_TMPDIR/fetch.conf"
}

# conf LINE...: write the lines to $CONF.
conf() {
    printf '%s\n' "$@" >"$CONF"
}

# expect_config_error FILE LINE WORD [ARGS...]: afetch ARGS... must exit 2 before fetching
# anything, with one line on stderr, "afetch: FILE:LINE: ..." mentioning WORD.
expect_config_error() {
    local file="$1" line="$2" word="$3"
    shift 3
    run --separate-stderr afetch "$@" "$BASE/"
    dump
    [ "$status" -eq 2 ]
    [ -z "$output" ]
    [ "$(grep -c . <<<"$stderr")" -eq 1 ]
    [[ "$stderr" == "afetch: $file:$line: "* ]]
    [[ "$stderr" == *"$word"* ]]
}

# The long options --help lists, without those that cannot be config keys.
help_options() {
    afetch --help | grep -oE -- '--[a-z][a-z0-9-]*' | sed 's/^--//' | sort -u |
        grep -vxE 'config|no-config|help|version'
}

# The keys fetch.conf.example shows, as "# key = default" or "# key =".
example_keys() {
    sed -nE 's/^# ([a-z0-9-]+) =( .*)?$/\1/p' "$EXAMPLE" | sort -u
}

@test "fetch.conf.example as shipped (all comments) is a valid config" {
    run --separate-stderr afetch --config "$EXAMPLE" --json "$BASE/"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '.summary.ok == 1 and .summary.parallel == 50'
}

@test "fetch.conf.example with every default uncommented parses and runs" {
    sed -nE 's/^# ([a-z0-9-]+ = .+)$/\1/p' "$EXAMPLE" >"$CONF"
    cat "$CONF"
    [ "$(grep -c . "$CONF")" -ge 20 ]
    grep -qx 'parallel = 50' "$CONF"
    grep -qx 'fail-fast = false' "$CONF"
    grep -qx 'json = false' "$CONF"
    run --separate-stderr afetch --config "$CONF" --json "$BASE/"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '.mode == "async" and .summary.ok == 1 and .summary.parallel == 50'
}

@test "every long option of --help is a key in fetch.conf.example, and no other key is" {
    local missing extra
    [ "$(help_options | wc -l)" -ge 30 ]
    missing="$(comm -23 <(help_options) <(example_keys))"
    extra="$(comm -13 <(help_options) <(example_keys))"
    echo "in --help, not in the example: ${missing:-none}"
    echo "in the example, not in --help: ${extra:-none}"
    [ -z "$missing" ]
    [ -z "$extra" ]
    # and each appears once
    [ "$(sed -nE 's/^# ([a-z0-9-]+) =( .*)?$/\1/p' "$EXAMPLE" | sort | uniq -d)" = "" ]
}

@test "fetch.conf.example: each setting has a one-line explanation above it" {
    # setting, explanation, then a blank line (or the file's head) above them
    run awk '/^# [a-z0-9-]+ =( |$)/ {
                 if (prev !~ /^# ./ || prev ~ /^# [a-z0-9-]+ =( |$)/ || (NR > 2 && prev2 != ""))
                     { print "no one-line explanation: " $0; bad = 1 }
             }
             { prev2 = prev; prev = $0 }
             END { exit bad }' "$EXAMPLE"
    echo "$output"
    [ "$status" -eq 0 ]
}

@test "parallel from the config file is used" {
    conf "parallel = 7"
    run --separate-stderr afetch --config "$CONF" --json "$BASE/"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '.summary.parallel == 7'
}

@test "the command line wins over the config file" {
    conf "parallel = 7" "timeout = 0.001"
    run --separate-stderr afetch --config "$CONF" -j 3 --timeout 30 --json "$BASE/delay/50"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '.summary.parallel == 3 and .results[0].ok'
    run --separate-stderr afetch --parallel 4 --config "$CONF" -t 30 --json "$BASE/"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '.summary.parallel == 4'
}

@test "an output option in the file selects the output: json = true" {
    conf "json = true"
    run --separate-stderr afetch --config "$CONF" "$BASE/"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '.summary.ok == 1'
}

@test "repeated header keys are all sent, file ones before -H ones" {
    local tag
    tag="$(uniq_tag)"
    conf "header = X-Cfg-A: one" "header = X-Order: file1" "header = X-Order: file2"
    run --separate-stderr afetch --config "$CONF" -H 'X-Order: cli' "$BASE/delay/0/$tag"
    dump
    [ "$status" -eq 0 ]
    server_request "$tag"
    server_request "$tag" | jqt '.headers["x-cfg-a"] == "one"'
    server_request "$tag" | jqt '.headers["x-order"] == "file1, file2, cli"'
}

@test "flags take true/false, yes/no and 1/0" {
    local v
    for v in true yes 1; do
        conf "hash = $v"
        run --separate-stderr afetch --config "$CONF" --json "$BASE/"
        echo "hash = $v: status $status"
        [ "$status" -eq 0 ]
        echo "$output" | jqt '.results[0].sha256 | type == "string"'
    done
    for v in false no 0; do
        conf "hash = $v"
        run --separate-stderr afetch --config "$CONF" --json "$BASE/"
        echo "hash = $v: status $status"
        [ "$status" -eq 0 ]
        echo "$output" | jqt '.results[0].sha256 == null'
    done
}

@test "every flag the file turns on, its --no- form (or --follow) turns off on the command line" {
    local tag
    tag="$(uniq_tag)"
    conf "hash = true" "deny-private = true" "fail-fast = true" "head = true" "no-follow = true" \
        "http2-prior-knowledge = true" "verbose = true" "trace = true" "progress = true" \
        "compressed = true" "overwrite = true" "insecure = true" "location-trusted = true"
    run --separate-stderr afetch --config "$CONF" --json --no-hash --no-deny-private \
        --no-fail-fast --no-head --follow --no-http2-prior-knowledge --no-verbose --no-trace \
        --no-progress --no-compressed --no-overwrite --no-insecure --no-location-trusted \
        "$BASE/redirect/1?$tag-a" "$BASE/status/404?$tag-b" "$BASE/delay/300?$tag-c"
    dump
    [ "$status" -eq 1 ]
    # followed, loopback allowed, HTTP/1.1, no hash; the 404 cancelled nothing
    echo "$output" | jqt '.results[0].ok and .results[0].redirects == 1'
    echo "$output" | jqt '[.results[].http_version] == ["1.1", "1.1", "1.1"]'
    echo "$output" | jqt 'all(.results[]; .sha256 == null) and .results[2].ok'
    # no log lines, no progress line; GET without Accept-Encoding
    [ -z "$stderr" ] || [ "$(grep -vc '^async: ' <<<"$stderr")" -eq 0 ]
    [ "$(server_request "$tag" | jq -r .method | sort -u)" = GET ]
    [ "$(server_request "$tag" | jq -c '.headers["accept-encoding"]' | sort -u)" = null ]
    # the output group: each off again, the table comes back
    conf "jsonl = true" "as-completed = true" "headers = true" "body = 64k"
    run --separate-stderr afetch --config "$CONF" --no-jsonl --no-as-completed --no-headers \
        --no-body "$BASE/?$tag-d"
    dump
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" == *"STATUS"*"URL  ERROR" ]]
    local flag
    for flag in json quiet; do
        conf "$flag = true"
        run --separate-stderr afetch --config "$CONF" "--no-$flag" "$BASE/?$tag-e"
        dump
        [ "$status" -eq 0 ]
        [[ "$output" == *"STATUS"*"$BASE/?$tag-e"* ]]
    done
    for flag in sync compare; do
        conf "$flag = true"
        run --separate-stderr afetch --config "$CONF" "--no-$flag" --json "$BASE/?$tag-f"
        dump
        [ "$status" -eq 0 ]
        echo "$output" | jqt '.mode == "async" and (has("compare") | not)'
    done
}

@test "skip-existing, resume and resume-failed from the file: their --no- forms turn them off" {
    local tag dir="$BATS_TEST_TMPDIR/saved" results="$BATS_TEST_TMPDIR/r.jsonl"
    tag="$(uniq_tag)"
    mkdir "$dir"
    run --separate-stderr afetch --json -o "$dir" "$BASE/bytes/3?$tag-a"
    [ "$status" -eq 0 ]
    # the file keeps what is saved; --no-skip-existing makes it the "exists" error again
    conf "skip-existing = true"
    run --separate-stderr afetch --config "$CONF" --json -o "$dir" "$BASE/bytes/3?$tag-a"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '.results[0].skipped == true'
    run --separate-stderr afetch --config "$CONF" --no-skip-existing --json -o "$dir" \
        "$BASE/bytes/3?$tag-a"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '.results[0].error.code == "exists"'
    [ "$(server_request "$tag-a" | wc -l)" -eq 1 ]
    # an ok result and a 404 for good in the results file
    write_list "$BATS_TEST_TMPDIR/list.txt" "$BASE/?$tag-b" "$BASE/status/404?$tag-c"
    run --separate-stderr afetch --results "$results" "$BATS_TEST_TMPDIR/list.txt"
    [ "$status" -eq 1 ]
    conf "results = $results" "resume = true"
    run --separate-stderr afetch --config "$CONF" --no-resume --json "$BATS_TEST_TMPDIR/list.txt"
    dump
    echo "$output" | jqt '.summary.urls == 2 and (.summary | has("resumed") | not)'
    [ "$(server_request "$tag-b" | wc -l)" -eq 2 ]
    # resume-failed fetches the 404 again; --no-resume-failed leaves it, and still resumes
    conf "results = $results" "resume-failed = true"
    run --separate-stderr afetch --config "$CONF" --no-resume-failed --json \
        "$BATS_TEST_TMPDIR/list.txt"
    dump
    echo "$output" | jqt '.summary.urls == 0 and .summary.resumed == 2'
    [ "$(server_request "$tag-c" | wc -l)" -eq 2 ]
    run --separate-stderr afetch --config "$CONF" --json "$BATS_TEST_TMPDIR/list.txt"
    dump
    echo "$output" | jqt '.summary.urls == 1 and .summary.resumed == 1'
    [ "$(server_request "$tag-c" | wc -l)" -eq 3 ]
    [ "$(server_request "$tag-b" | wc -l)" -eq 2 ]
}

@test "a contradiction between the file and the command line: the command line wins" {
    local tag dir="$BATS_TEST_TMPDIR/saved"
    tag="$(uniq_tag)"
    conf "max-redirs = 3"
    run --separate-stderr afetch --config "$CONF" --no-follow --json "$BASE/redirect/1?$tag-a"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '.results[0].status == 302 and .results[0].redirects == 0'
    conf "no-follow = true"
    run --separate-stderr afetch --config "$CONF" --max-redirs 2 --json "$BASE/redirect/1?$tag-b"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '.results[0].status == 200 and .results[0].redirects == 1'
    conf "method = POST"
    run --separate-stderr afetch --config "$CONF" -I --json "$BASE/?$tag-c"
    dump
    [ "$status" -eq 0 ]
    [ "$(server_request "$tag-c" | jq -r .method)" = HEAD ]
    conf "head = true"
    run --separate-stderr afetch --config "$CONF" -o "$dir" --json "$BASE/bytes/7?$tag-d"
    dump
    [ "$status" -eq 0 ]
    [ "$(server_request "$tag-d" | jq -r .method)" = GET ]
    echo "$output" | jqt '.results[0].bytes == 7 and (.results[0].path | type == "string")'
    # both in the file: the file contradicts itself, exit 2 naming it; nothing fetched
    conf "head = true" "method = POST"
    run --separate-stderr afetch --config "$CONF" "$BASE/?$tag-e"
    dump
    [ "$status" -eq 2 ]
    [ "$stderr" = "afetch: $CONF: --head: sends HEAD requests: it goes with no --method" ]
    [ -z "$(server_request "$tag-e")" ]
    # --overwrite in the file is a default for runs with -o: no warning without one
    conf "overwrite = true"
    run --separate-stderr afetch --config "$CONF" "$BASE/?$tag-f"
    dump
    [ "$status" -eq 0 ]
    [[ "$stderr" != *warning* ]]
}

@test "an unknown key: exit 2, FILE:LINE and the key in one line" {
    conf "# my settings" "" "no-such-option = 1" "parallel = 5"
    expect_config_error "$CONF" 3 no-such-option --config "$CONF"
}

@test "an unknown key suggests the close one (keys match only in full), or points to --help" {
    conf "parallel = 2" "insecur = true"
    run --separate-stderr afetch --config "$CONF" "$BASE/"
    dump
    [ "$status" -eq 2 ]
    [ "$stderr" = "afetch: $CONF:2: unknown key insecur; did you mean insecure?" ]
    conf "output = report.pdf"
    run --separate-stderr afetch --config "$CONF" "$BASE/"
    dump
    [ "$status" -eq 2 ]
    [ "$stderr" = "afetch: $CONF:1: unknown key output; did you mean output-dir?" ]
    # config is no key, so a close miss of it suggests nothing
    conf "confg = x"
    run --separate-stderr afetch --config "$CONF" "$BASE/"
    dump
    [ "$status" -eq 2 ]
    [[ "$stderr" == "afetch: $CONF:1: unknown key confg; see afetch --help"* ]]
}

@test "a bad value: exit 2 naming FILE:LINE and the key" {
    conf "timeout = 5" "parallel = lots"
    expect_config_error "$CONF" 2 parallel --config "$CONF"
    conf "fail-fast = maybe"
    expect_config_error "$CONF" 1 fail-fast --config "$CONF"
    conf "# empty" "timeout ="
    expect_config_error "$CONF" 2 timeout --config "$CONF"
    conf "header = no colon here"
    expect_config_error "$CONF" 1 header --config "$CONF"
}

@test "a line that is not 'key = value', or a bad key: exit 2 with FILE:LINE" {
    conf "parallel 5"
    expect_config_error "$CONF" 1 "" --config "$CONF"
    conf "" "Parallel = 5"
    expect_config_error "$CONF" 2 Parallel --config "$CONF"
    conf "--parallel = 5"
    expect_config_error "$CONF" 1 parallel --config "$CONF"
}

@test "config, no-config, help and version are not config keys" {
    local key
    for key in config no-config help version; do
        conf "$key = true"
        expect_config_error "$CONF" 1 "$key" --config "$CONF"
    done
}

@test "a missing --config file: exit 2 naming it, nothing fetched" {
    local tag missing="$BATS_TEST_TMPDIR/no-such.conf"
    tag="$(uniq_tag)"
    run --separate-stderr afetch --config "$missing" "$BASE/$tag"
    dump
    [ "$status" -eq 2 ]
    [ -z "$output" ]
    [ "$(grep -c . <<<"$stderr")" -eq 1 ]
    [[ "$stderr" == "afetch: "*"$missing"* ]]
    [ -z "$(server_request "$tag")" ]
}

@test "a --config that is a directory: exit 2 naming it" {
    run --separate-stderr afetch --config "$BATS_TEST_TMPDIR" "$BASE/"
    dump
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"$BATS_TEST_TMPDIR"* ]]
}

@test "\$AFETCH_CONFIG is read; --config wins over it" {
    conf "parallel = 8"
    export AFETCH_CONFIG="$CONF"
    run --separate-stderr afetch --json "$BASE/"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '.summary.parallel == 8'
    printf 'parallel = 9\n' >"$BATS_TEST_TMPDIR/other.conf"
    run --separate-stderr afetch --config "$BATS_TEST_TMPDIR/other.conf" --json "$BASE/"
    dump
    echo "$output" | jqt '.summary.parallel == 9'
}

@test "a missing \$AFETCH_CONFIG file: exit 2 naming it" {
    local missing="$BATS_TEST_TMPDIR/gone.conf"
    export AFETCH_CONFIG="$missing"
    run --separate-stderr afetch "$BASE/"
    dump
    [ "$status" -eq 2 ]
    [[ "$stderr" == "afetch: "*"$missing"* ]]
}

@test "--no-config ignores a broken \$AFETCH_CONFIG" {
    conf "this is not a config"
    export AFETCH_CONFIG="$CONF"
    run --separate-stderr afetch --json "$BASE/"
    dump
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"$CONF:1:"* ]]
    run --separate-stderr afetch --no-config --json "$BASE/"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '.summary.ok == 1 and .summary.parallel == 50'
}

@test "--no-config also skips the default file" {
    mkdir -p "$HOME/.config/afetch"
    printf 'parallel = 11\n' >"$HOME/.config/afetch/fetch.conf"
    run --separate-stderr afetch --no-config --json "$BASE/"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '.summary.parallel == 50'
}

@test "\$XDG_CONFIG_HOME/afetch/fetch.conf is read, instead of ~/.config" {
    export XDG_CONFIG_HOME="$BATS_TEST_TMPDIR/xdg"
    mkdir -p "$XDG_CONFIG_HOME/afetch" "$HOME/.config/afetch"
    printf 'parallel = 9\n' >"$XDG_CONFIG_HOME/afetch/fetch.conf"
    printf 'parallel = 11\n' >"$HOME/.config/afetch/fetch.conf"
    run --separate-stderr afetch --json "$BASE/"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '.summary.parallel == 9'
}

@test "\$HOME/.config/afetch/fetch.conf is read when XDG_CONFIG_HOME is unset or relative" {
    mkdir -p "$HOME/.config/afetch"
    printf 'parallel = 11\n' >"$HOME/.config/afetch/fetch.conf"
    run --separate-stderr afetch --json "$BASE/"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '.summary.parallel == 11'
    export XDG_CONFIG_HOME=relative/xdg
    run --separate-stderr afetch --json "$BASE/"
    dump
    echo "$output" | jqt '.summary.parallel == 11'
}

@test "no config file anywhere: the defaults, no error" {
    export XDG_CONFIG_HOME="$BATS_TEST_TMPDIR/empty-xdg"
    run --separate-stderr afetch --json "$BASE/"
    dump
    [ "$status" -eq 0 ]
    [ -z "$stderr" ] || [[ "$stderr" != *afetch:* ]]
    echo "$output" | jqt '.summary.parallel == 50'
}

@test "CRLF line ends and a UTF-8 BOM are accepted" {
    local tag
    tag="$(uniq_tag)"
    printf '\xef\xbb\xbf# saved on Windows\r\nparallel = 6\r\nheader = X-Crlf: v\r\n' >"$CONF"
    run --separate-stderr afetch --config "$CONF" --json "$BASE/delay/0/$tag"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '.summary.parallel == 6'
    server_request "$tag" | jqt '.headers["x-crlf"] == "v"'
}

@test "quoted values keep their blanks; unquoted ones are trimmed" {
    local tag
    tag="$(uniq_tag)"
    conf 'user-agent = "agent with trailing blanks  "' 'output-dir = " spaced dir "'
    cd "$BATS_TEST_TMPDIR"
    run --separate-stderr afetch --config "$CONF" --json "$BASE/delay/0/$tag"
    dump
    [ "$status" -eq 0 ]
    server_request "$tag" | jqt '.headers["user-agent"] == "agent with trailing blanks  "'
    [ -d " spaced dir " ]
    echo "$output" | jqt '.results[0].path | startswith(" spaced dir /")'
    tag="$(uniq_tag)"
    conf 'user-agent =    plain agent   '
    run --separate-stderr afetch --config "$CONF" --json "$BASE/delay/0/$tag"
    dump
    [ "$status" -eq 0 ]
    server_request "$tag" | jqt '.headers["user-agent"] == "plain agent"'
}

@test "output-dir in the file is checked like -o: a file there is FILE:LINE, exit 2" {
    local file="$BATS_TEST_TMPDIR/not-a-dir"
    echo "data" >"$file"
    conf "# saving" "output-dir = $file"
    expect_config_error "$CONF" 2 "output-dir: '$file' is not a directory" --config "$CONF"
    conf "output-dir = $file/sub"
    expect_config_error "$CONF" 1 "output-dir: cannot create '$file/sub'" --config "$CONF"
    conf "output-dir = $BATS_TEST_TMPDIR/made/by/config"
    run --separate-stderr afetch --config "$CONF" --json "$BASE/bytes/2"
    dump
    [ "$status" -eq 0 ]
    [ -f "$BATS_TEST_TMPDIR/made/by/config/000000-127.0.0.1-$PORT-bytes-2" ]
}

@test "a config path that is not a regular file (FIFO, device) is refused at once: exit 2 naming it" {
    local fifo="$BATS_TEST_TMPDIR/conf.fifo" out="$BATS_TEST_TMPDIR/out" err="$BATS_TEST_TMPDIR/err"
    local tag
    tag="$(uniq_tag)"
    mkfifo "$fifo"
    # a FIFO nobody writes to used to block the open (and then the read) for ever
    AFETCH_CONFIG="$fifo" afetch_bg "$out" "$err" --json "$BASE/?$tag"
    wait_exit "$AFETCH_BG_PID" 20
    cat "$out" "$err"
    [ "$WAIT_STATUS" -eq 2 ]
    [ ! -s "$out" ]
    [ "$(grep -c . <"$err")" -eq 1 ]
    grep -qF "afetch: $fifo: not a regular file" "$err"
    afetch_bg "$out" "$err" --config /dev/zero --json "$BASE/?$tag"
    wait_exit "$AFETCH_BG_PID" 20
    cat "$out" "$err"
    [ "$WAIT_STATUS" -eq 2 ]
    grep -qF "afetch: --config: /dev/zero: not a regular file" "$err"
    [ -z "$(server_request "$tag")" ]
}

@test "--config /dev/null is an empty config, not an error" {
    run --separate-stderr afetch --config /dev/null --json "$BASE/"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '.summary.ok == 1'
}
