#!/usr/bin/env bats
# Command-line options: help/version, validation, request shaping, fail-fast.

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
    start_server
}

teardown_file() {
    stop_server
}

@test "--help prints usage listing every option on stdout, exit 0" {
    run --separate-stderr afetch --help
    dump
    [ "$status" -eq 0 ]
    local opt
    for opt in -j --parallel --sync --compare --json --jsonl --as-completed \
        --fail-fast -t --timeout --connect-timeout -X --method -I --head \
        -H --header -A --user-agent --no-follow --max-redirs -q --quiet \
        -h --help -V --version; do
        if ! grep -qe "$opt\b" <<<"$output"; then
            echo "option missing from --help: $opt"
            false
        fi
    done
}

@test "-h is the same as --help" {
    run --separate-stderr afetch -h
    [ "$status" -eq 0 ]
    local short="$output"
    run --separate-stderr afetch --help
    [ "$status" -eq 0 ]
    [ "$short" = "$output" ]
    [ -n "$output" ]
}

@test "--version mentions afetch, libcurl, libev and cJSON; exit 0" {
    run --separate-stderr afetch --version
    dump
    [ "$status" -eq 0 ]
    grep -qi 'afetch' <<<"$output"
    grep -qi 'libcurl' <<<"$output"
    grep -qi 'libev' <<<"$output"
    grep -qi 'cjson' <<<"$output"
    # versions look like versions
    grep -qE '[0-9]+\.[0-9]+' <<<"$output"
}

@test "-V is the same as --version" {
    run --separate-stderr afetch -V
    dump
    [ "$status" -eq 0 ]
    grep -qi 'libcurl' <<<"$output"
}

@test "unknown option: exit 2, one-line error naming it on stderr" {
    run --separate-stderr afetch --bogus-option "$BASE/"
    dump
    [ "$status" -eq 2 ]
    [ -z "$output" ]
    [[ "$stderr" == *--bogus-option* ]]
    [ "$(grep -c . <<<"$stderr")" -eq 1 ]
}

@test "unknown short option: exit 2" {
    run --separate-stderr afetch -Z "$BASE/"
    dump
    [ "$status" -eq 2 ]
    [ -z "$output" ]
    [ -n "$stderr" ]
}

@test "-j 0 is rejected with exit 2" {
    run --separate-stderr afetch -j 0 "$BASE/"
    dump
    [ "$status" -eq 2 ]
    [ -z "$output" ]
    [[ "$stderr" == *-j* || "$stderr" == *parallel* ]]
}

@test "-j out of range or not a number is rejected with exit 2" {
    local bad
    for bad in 100001 -1 abc 5x ""; do
        run --separate-stderr afetch --parallel "$bad" "$BASE/"
        echo "value '$bad' -> status $status, stderr: $stderr"
        [ "$status" -eq 2 ]
        [ -z "$output" ]
    done
}

@test "-j bounds 1 and 100000 are accepted" {
    run --separate-stderr afetch --json -j 1 "$BASE/?j1" "$BASE/?j1b"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '.summary.parallel == 1 and .summary.ok == 2'
    run --separate-stderr afetch --json --parallel 100000 "$BASE/?j2"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '.summary.ok == 1'
    # 100000 needs ~300000 descriptors: granted, or lowered to fit with a warning
    if [[ "$stderr" == *"warning: --parallel 100000"* ]]; then
        echo "$output" | jqt '.summary.parallel < 100000 and .summary.parallel >= 1'
    else
        echo "$output" | jqt '.summary.parallel == 100000'
    fi
}

@test "default parallelism is 50" {
    run --separate-stderr afetch --json "$BASE/"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '.summary.parallel == 50'
}

@test "bad numeric values for timeouts and max-redirs are rejected with exit 2" {
    local args
    for args in "-t abc" "--timeout -1" "--connect-timeout xyz" "--max-redirs lots" "-t"; do
        # shellcheck disable=SC2086
        run --separate-stderr afetch $args "$BASE/"
        echo "args '$args' -> status $status, stderr: $stderr"
        [ "$status" -eq 2 ]
        [ -z "$output" ]
    done
}

@test "--as-completed without --jsonl is a usage error" {
    run --separate-stderr afetch --as-completed "$BASE/"
    dump
    [ "$status" -eq 2 ]
    [ -z "$output" ]
}

@test "--as-completed with --json: one document, results in completion order" {
    run --separate-stderr afetch --json --as-completed "$BASE/delay/800" "$BASE/delay/0"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '[.results[].index] == [1, 0]'
    echo "$output" | jqt '.summary.urls == 2 and .summary.ok == 2'
}

@test "fractional --timeout and --connect-timeout accepted" {
    run --separate-stderr afetch --json -t 10.5 --connect-timeout 2.5 "$BASE/delay/50"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '.results[0].ok == true'
}

# afetch under an outer time limit: a hang is a failure (status 124), not a stuck suite.
afetch_within() {
    local seconds="$1"
    shift
    # shellcheck disable=SC2086
    timeout "$seconds" ${AFETCH_WRAPPER:-} "$AFETCH" "$@"
}

@test "-t 0.0004 is 1 ms, never 'no limit': a silent server times out (async, sync, threads, config)" {
    local conf="$BATS_TEST_TMPDIR/tiny.conf" mode
    printf '%s\n' "timeout = 0.0004" "low-speed-time = 0" >"$conf"
    # without the low-speed guard (--low-speed-time 0), only -t can end the wait
    for mode in "-t 0.0004" "--sync -t 0.0004" "--threads 2 -t 0.0004" "--config $conf"; do
        # shellcheck disable=SC2086
        run --separate-stderr afetch_within 30 --json --low-speed-time 0 $mode "$BASE/silent"
        echo "mode: $mode"
        dump
        [ "$status" -eq 1 ]
        echo "$output" | jqt '.results[0].ok == false and .results[0].error.code == "timeout"'
    done
}

@test "--low-speed-time 0.0004 is 1 s, never 'no guard': a drip times out" {
    run --separate-stderr afetch_within 20 --json -t 60 --low-speed-limit 100000 \
        --low-speed-time 0.0004 "$BASE/drip/30"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '.results[0].error.code == "timeout"'
}

@test "--max-size rounds a fraction up to a whole byte: 0.4 is 1 byte, never 'no limit'" {
    run --separate-stderr afetch --json --max-size 0.4 "$BASE/bytes/1" "$BASE/bytes/2"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '[.results[].ok] == [true, false] and .results[1].error.code == "too-large"'
    # 0.001k is 1.024 bytes: 2, not 1
    run --separate-stderr afetch --json --max-size 0.001k "$BASE/bytes/2" "$BASE/bytes/3"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '[.results[].ok] == [true, false] and .results[1].error.code == "too-large"'
    # the config key too; and an explicit 0 is still no limit
    local conf="$BATS_TEST_TMPDIR/size.conf"
    echo "max-size = 0.4" >"$conf"
    run --separate-stderr afetch --json --config "$conf" "$BASE/bytes/2"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '.results[0].error.code == "too-large"'
    run --separate-stderr afetch --json --max-size 0 "$BASE/bytes/100000"
    dump
    [ "$status" -eq 0 ]
}

@test "--rate so small that its gap overflows (the second start never comes) is a usage error" {
    run --separate-stderr afetch_within 20 --json --rate 0x1p-1074 "$BASE/" "$BASE/?second"
    dump
    [ "$status" -eq 2 ]
    [ -z "$output" ]
    [[ "$stderr" == *--rate* ]]
}

@test "-H headers (repeatable) reach the server" {
    local tag
    tag="$(uniq_tag)"
    run --separate-stderr afetch --json -H "X-One: 1" --header "X-Two: second value" "$BASE/echo?$tag"
    dump
    [ "$status" -eq 0 ]
    server_request "$tag" | jqt '.headers["x-one"] == "1" and .headers["x-two"] == "second value"'
}

@test "-A sets the User-Agent; default is afetch/VERSION" {
    local tag
    tag="$(uniq_tag)"
    run --separate-stderr afetch --json -A "my-agent/9.9" "$BASE/echo?$tag-custom"
    dump
    [ "$status" -eq 0 ]
    run --separate-stderr afetch --json --user-agent "long-form/1" "$BASE/echo?$tag-long"
    dump
    [ "$status" -eq 0 ]
    run --separate-stderr afetch --json "$BASE/echo?$tag-default"
    dump
    [ "$status" -eq 0 ]
    server_request "$tag-custom" | jqt '.headers["user-agent"] == "my-agent/9.9"'
    server_request "$tag-long" | jqt '.headers["user-agent"] == "long-form/1"'
    server_request "$tag-default" | jqt '.headers["user-agent"] | test("^afetch/[0-9]")'
}

@test "-X sets the method" {
    local tag
    tag="$(uniq_tag)"
    run --separate-stderr afetch --json -X POST "$BASE/echo?$tag-post"
    dump
    [ "$status" -eq 0 ]
    run --separate-stderr afetch --json --method DELETE "$BASE/echo?$tag-del"
    dump
    [ "$status" -eq 0 ]
    server_request "$tag-post" | jqt '.method == "POST"'
    server_request "$tag-del" | jqt '.method == "DELETE"'
}

@test "-I sends HEAD and reports 0 body bytes" {
    local tag
    tag="$(uniq_tag)"
    run --separate-stderr afetch --json -I "$BASE/bytes/5000?$tag-short" "$BASE/echo?$tag-echo"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt 'all(.results[]; .ok == true and .status == 200 and .bytes == 0)'
    echo "$output" | jqt '.results[0].content_type == "application/octet-stream"'
    run --separate-stderr afetch --json --head "$BASE/bytes/100?$tag-long"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '.results[0].bytes == 0'
    server_request "$tag-short" | jqt '.method == "HEAD"'
    server_request "$tag-echo" | jqt '.method == "HEAD"'
    server_request "$tag-long" | jqt '.method == "HEAD"'
}

@test "--fail-fast: one /status/500 among long delays cancels the rest" {
    local list="$BATS_TEST_TMPDIR/ff.txt"
    write_list "$list" \
        "$BASE/delay/20000?ff=0" \
        "$BASE/delay/20000?ff=1" \
        "$BASE/delay/200/then-fail?ff=2" \
        "$BASE/status/500?ff=3" \
        "$BASE/delay/20000?ff=4" \
        "$BASE/delay/20000?ff=5"
    run --separate-stderr afetch --json --fail-fast "$list"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '(.results | length) == 6 and [.results[].index] == [range(0;6)]'
    echo "$output" | jqt '.results[3].ok == false and .results[3].error.code == "http" and .results[3].status == 500'
    echo "$output" | jqt '[.results[] | select(.error.code == "cancelled")] | length >= 4'
    echo "$output" | jqt 'all(.results[0,1,4,5]; .ok == false and .error.code == "cancelled")'
    echo "$output" | jqt '.summary.urls == 6 and .summary.failed >= 5'
    # generous: far less than the 20 s the delayed requests would take
    echo "$output" | jqt '.summary.elapsed < 15'
}

@test "--fail-fast with -j 1: entries after the failure are cancelled before starting" {
    local tag
    tag="$(uniq_tag)"
    run --separate-stderr afetch --json --fail-fast -j 1 \
        "$BASE/?$tag-0" "$BASE/status/404?$tag-1" "$BASE/?$tag-2" "$BASE/?$tag-3"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '(.results | length) == 4 and [.results[].index] == [0,1,2,3]'
    echo "$output" | jqt '[.results[] | .error.code] == [null, "http", "cancelled", "cancelled"]'
    [ "$(server_request "$tag-2" | wc -l)" -eq 0 ]
    [ "$(server_request "$tag-3" | wc -l)" -eq 0 ]
}

@test "--fail-fast --sync: later entries are cancelled" {
    local tag
    tag="$(uniq_tag)"
    run --separate-stderr afetch --json --sync --fail-fast \
        "$BASE/?$tag-0" "$BASE/status/500?$tag-1" "$BASE/?$tag-2"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '.mode == "sync" and (.results | length) == 3'
    echo "$output" | jqt '[.results[] | .error.code] == [null, "http", "cancelled"]'
    [ "$(server_request "$tag-2" | wc -l)" -eq 0 ]
}

@test "--fail-fast with everything ok behaves normally" {
    run --separate-stderr afetch --json --fail-fast "$BASE/?a" "$BASE/delay/100" "$BASE/html"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt 'all(.results[]; .ok == true) and .summary.ok == 3'
}

@test "--fail-fast counts an invalid input line as the first failure" {
    local list="$BATS_TEST_TMPDIR/ffbad.txt"
    write_list "$list" "not a url" "$BASE/delay/20000?ffb=1" "$BASE/delay/20000?ffb=2"
    run --separate-stderr afetch --json --fail-fast "$list"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '(.results | length) == 3'
    echo "$output" | jqt '.results[0].error.code == "invalid-input"'
    echo "$output" | jqt 'all(.results[1,2]; .error.code == "cancelled")'
}

@test "-j beyond the open-file limit is lowered with a one-line warning, and the run works" {
    # a list on a pipe cannot be counted ahead: the window is -j's
    lowered() {
        ulimit -n 256 || return 99
        printf '%s\n' "$BASE/?fd=1" "$BASE/?fd=2" | afetch -j 500 --json
    }
    run --separate-stderr lowered
    dump
    [ "$status" -eq 0 ]
    # 256 - 64 spare = 192 transfers; valgrind keeps a few descriptors of its own, so read it
    [[ "$stderr" =~ "warning: --parallel 500 needs "[0-9]+" open files, the limit is "[0-9]+"; using --parallel "([0-9]+) ]]
    local fitted=${BASH_REMATCH[1]}
    [ "$fitted" -ge 150 ] && [ "$fitted" -le 192 ]
    echo "$output" | jqt ".summary.parallel == $fitted and .summary.ok == 2"
}

# expect_unknown_option MESSAGE ARGS...: afetch ARGS... exits 2 before fetching anything, with
# exactly the one line "afetch: MESSAGE" on stderr.
expect_unknown_option() {
    local message="$1"
    shift
    run --separate-stderr afetch "$@"
    dump
    [ "$status" -eq 2 ]
    [ -z "$output" ]
    [ "$stderr" = "afetch: $message" ]
}

@test "long options match only in full: a start of one is unknown and nothing is fetched" {
    local tag
    tag="$(uniq_tag)"
    cd "$BATS_TEST_TMPDIR"
    # once --user-agent, --output-dir (a directory named report.pdf), --insecure and
    # --http2-prior-knowledge (--user is an option of its own now)
    expect_unknown_option "unknown option --user-ag; did you mean --user-agent?" \
        --user-ag x "$BASE/echo?$tag-user"
    expect_unknown_option "unknown option --output; did you mean --output-dir?" \
        --output report.pdf "$BASE/echo?$tag-output"
    [ ! -e report.pdf ]
    expect_unknown_option "unknown option --in; did you mean --insecure?" \
        --in "$BASE/echo?$tag-in"
    expect_unknown_option "unknown option --http2; did you mean --http2-prior-knowledge?" \
        --http2 "$BASE/echo?$tag-http2"
    [ "$(server_request "$tag" | wc -l)" -eq 0 ]
}

@test "an unknown long option suggests the close one, or points to --help" {
    expect_unknown_option "unknown option --insecur; did you mean --insecure?" --insecur "$BASE/"
    expect_unknown_option "unknown option --paralel; did you mean --parallel?" \
        --paralel 4 "$BASE/"
    expect_unknown_option "unknown option --tiemout; did you mean --timeout?" --tiemout=5 "$BASE/"
    expect_unknown_option "unknown option --foo; see afetch --help" --foo "$BASE/"
    expect_unknown_option "unknown option --foo; see afetch --help" "$BASE/" --foo=bar
    # --no starts --no-progress, --no-config and --no-follow: no single guess
    expect_unknown_option "unknown option --no; see afetch --help" --no "$BASE/"
}

@test "--opt=value works for options taking a value" {
    local tag
    tag="$(uniq_tag)"
    run --separate-stderr afetch --json --timeout=5 --header=X-Eq:\ yes --max-redirs=3 \
        "$BASE/echo?$tag"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '.results[0].ok == true'
    server_request "$tag" | jqt '.headers["x-eq"] == "yes"'
}

@test "a flag given a value (--json=1) is an error naming it" {
    local tag
    tag="$(uniq_tag)"
    expect_unknown_option "--json: takes no value, got '1'" --json=1 "$BASE/?$tag"
    expect_unknown_option "--insecure: takes no value, got 'yes'" --insecure=yes "$BASE/?$tag"
    [ "$(server_request "$tag" | wc -l)" -eq 0 ]
}

@test "a missing value names the option as typed: --timeout, -t" {
    expect_unknown_option "--timeout: needs a value (see afetch --help)" "$BASE/" --timeout
    expect_unknown_option "-t: needs a value (see afetch --help)" "$BASE/" -t
}

@test "a value that starts with -- is a value: -H, --header, -A" {
    local tag
    tag="$(uniq_tag)"
    run --separate-stderr afetch --json -H "--X-Dash: one" --header "--X-Other: two" \
        -A --looks-like-an-option "$BASE/echo?$tag"
    dump
    [ "$status" -eq 0 ]
    server_request "$tag" | jqt '.headers["--x-dash"] == "one" and .headers["--x-other"] == "two"
        and .headers["user-agent"] == "--looks-like-an-option"'
}

@test "options before, between and after operands; short clusters; -- ends the options" {
    local tag list="$BATS_TEST_TMPDIR/-list.txt"
    tag="$(uniq_tag)"
    write_list "$list" "$BASE/?$tag-2"
    cd "$BATS_TEST_TMPDIR"
    run --separate-stderr afetch -j1 "$BASE/?$tag-0" --json -kt5 "$BASE/?$tag-1" -- -list.txt
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt --arg t "$tag" \
        '[.results[].url | sub(".*\\?"; "")] == ["\($t)-0", "\($t)-1", "\($t)-2"]'
    echo "$output" | jqt '.summary.parallel == 1'
}

@test "-o '' is a usage error before anything is fetched, never the root directory" {
    # it used to join "" and the name into "/000000-..." (as root: a file in /); the URL here
    # has nothing listening, so an old binary fails the exit code without writing anywhere
    local port scratch="$BATS_TEST_TMPDIR/scratch"
    port="$(closed_port)"
    mkdir -p "$scratch"
    cd "$scratch"
    run --separate-stderr afetch --json -o "" "http://127.0.0.1:$port/x"
    dump
    [ "$status" -eq 2 ]
    [ -z "$output" ]
    [ "${#stderr_lines[@]}" -eq 1 ]
    [[ "$stderr" == "afetch: --output-dir: ''"* ]]
    [ -z "$(ls -A "$scratch")" ]
    [ -z "$(find / -maxdepth 1 -name "000000-127.0.0.1-$port-*")" ]
    run --separate-stderr afetch --json --output-dir= "http://127.0.0.1:$port/x"
    [ "$status" -eq 2 ]
    [[ "$stderr" == "afetch: --output-dir: ''"* ]]
}

@test "-o naming a file, or a path under a file: usage error naming it, nothing fetched" {
    local file="$BATS_TEST_TMPDIR/somefile" tag
    tag="$(uniq_tag)"
    echo "data" >"$file"
    run --separate-stderr afetch --json -o "$file" "$BASE/bytes/3?$tag"
    dump
    [ "$status" -eq 2 ]
    [ -z "$output" ]
    [ "$stderr" = "afetch: --output-dir: '$file' is not a directory" ]
    run --separate-stderr afetch --json -o "$file/sub/deeper" "$BASE/bytes/3?$tag"
    dump
    [ "$status" -eq 2 ]
    [ -z "$output" ]
    [ "${#stderr_lines[@]}" -eq 1 ]
    [[ "$stderr" == "afetch: --output-dir: cannot create '$file/sub': Not a directory" ]]
    [ "$(cat "$file")" = "data" ]
    [ -z "$(server_request "$tag")" ]
}

# The long options --help shows with a value (--name VALUE, --name=VALUE, --name[=VALUE]).
value_options() {
    afetch --help | grep -oE -- "--[a-z0-9-]+(\[=| [A-Z']|=[A-Z])" |
        sed -E "s/^--//; s/(\[=| .|=.)$//" | sort -u
}

# names_option NAME TEXT: TEXT names the option NAME (--name, or the config key name).
names_option() {
    grep -qE -- "(^|[^a-z-])(--)?$1([^a-z0-9-]|$)" <<<"$2" || {
        echo "does not name $1: $2" >&2
        return 1
    }
}

@test "every value error names its option: each value option of --help, command line and config file" {
    local file="$BATS_TEST_TMPDIR/a-file" conf="$BATS_TEST_TMPDIR/bad.conf" tag name missing=()
    tag="$(uniq_tag)"
    cd "$BATS_TEST_TMPDIR" # where a relative name such as t.png would land
    : >"$file"
    declare -A bad=(
        [accept]=99 [body]=1X [cacert]=/nonexistent/ca.pem [compare]=sync,bogus
        [config]=/nonexistent/fetch.conf [connect-timeout]=-1 [connect-to]=abc [cookie]=-
        [cookie-jar]=- [header]=no-colon [low-speed-limit]=abc [low-speed-time]=abc
        [max-redirs]=lots [max-size]=10X [method]='a b' [noproxy]=$'a\nb' [output-dir]="$file"
        [parallel]=0 [per-host]=0 [proto]='' [proxy]=ftp://p.example [rate]=0 [resolve]=abc
        [retry]=101 [retry-delay]=soon [shard]=5/4 [threads]=0 [timeline]=t.png [timeout]=abc
        [user-agent]=$'a\nb' [write-out]='%{bogus}' [data]=@/nonexistent/body
        [data-binary]=@/nonexistent/body [data-json]='{bad' [user]=no-colon
        [names]=bogus [results]=- [loops]=0
    )
    for name in $(value_options); do
        [ -n "${bad[$name]+set}" ] || missing+=("$name")
    done
    echo "value options without a bad value here: ${missing[*]}"
    [ "${#missing[@]}" -eq 0 ]
    [ "${#bad[@]}" -ge 38 ]
    for name in "${!bad[@]}"; do
        # --name=VALUE works for every value option, optional values included
        run --separate-stderr afetch "--$name=${bad[$name]}" "$BASE/?$tag"
        echo "--$name=${bad[$name]} -> $status: $stderr"
        [ "$status" -eq 2 ]
        [ -z "$output" ]
        [ "${#stderr_lines[@]}" -eq 1 ]
        names_option "$name" "$stderr"
        # the same as a config file setting (a file value is one line; config is no key)
        [[ "$name" != config && "${bad[$name]}" != *$'\n'* ]] || continue
        printf '%s = %s\n' "$name" "${bad[$name]}" >"$conf"
        run --separate-stderr afetch --config "$conf" "$BASE/?$tag"
        echo "file: $name = ${bad[$name]} -> $status: $stderr"
        [ "$status" -eq 2 ]
        [ -z "$output" ]
        [ "${#stderr_lines[@]}" -eq 1 ]
        names_option "$name" "$stderr"
    done
    # short forms are named too
    run --separate-stderr afetch -j abc "$BASE/?$tag"
    [[ "$stderr" == *--parallel* ]]
    run --separate-stderr afetch -o "$file" "$BASE/?$tag"
    [[ "$stderr" == *--output-dir* ]]
    [ -z "$(server_request "$tag")" ]
}

@test "contradicting options on the command line: --head -X POST, -I -o, --no-follow --max-redirs" {
    local tag dir="$BATS_TEST_TMPDIR/saved"
    tag="$(uniq_tag)"
    run --separate-stderr afetch --head -X POST "$BASE/?$tag"
    dump
    [ "$status" -eq 2 ]
    [ "$stderr" = "afetch: --head: sends HEAD requests: it goes with no --method" ]
    run --separate-stderr afetch -I -o "$dir" "$BASE/?$tag"
    dump
    [ "$status" -eq 2 ]
    [ "$stderr" = "afetch: --head: fetches no bodies: --output-dir would save empty files" ]
    run --separate-stderr afetch -X HEAD -o "$dir" "$BASE/?$tag"
    [ "$status" -eq 2 ]
    [[ "$stderr" == "afetch: --method HEAD: fetches no bodies"* ]]
    [ ! -e "$dir" ]
    run --separate-stderr afetch --no-follow --max-redirs 3 "$BASE/?$tag"
    dump
    [ "$status" -eq 2 ]
    [[ "$stderr" == "afetch: --max-redirs: "*"--no-follow"* ]]
    [ -z "$(server_request "$tag")" ]
    # what agrees is fine: -I -X HEAD, --max-redirs with following
    run --separate-stderr afetch -I -X HEAD --max-redirs 3 --json "$BASE/?$tag"
    dump
    [ "$status" -eq 0 ]
    [ "$(server_request "$tag" | jq -r .method)" = HEAD ]
}

@test "--overwrite without -o: a one-line warning, and the run goes on" {
    run --separate-stderr afetch --overwrite --json "$BASE/?ow"
    dump
    [ "$status" -eq 0 ]
    [ "$(grep -c . <<<"$stderr")" -eq 2 ]
    [[ "${stderr_lines[0]}" == "afetch: warning: --overwrite does nothing without --output-dir" ]]
    echo "$output" | jqt '.summary.ok == 1'
}

@test "with ulimit -n 64, 10 URLs keep -j 10 (and the default -j): the window fits the work" {
    local list="$BATS_TEST_TMPDIR/ten.txt"
    seq 0 9 | sed "s|^|$BASE/delay/50?ul=|" >"$list"
    small() {
        ulimit -n 64 || return 99
        afetch --json "$@"
    }
    run --separate-stderr small -j 10 "$list"
    dump
    [ "$status" -eq 0 ]
    [ -z "$stderr" ] || [[ "$stderr" != *warning* ]]
    echo "$output" | jqt '.summary.parallel == 10 and .summary.ok == 10'
    # URL arguments are counted too; -j stays what was asked when the work fits
    run --separate-stderr small $(seq 0 9 | sed "s|^|$BASE/delay/50?ua=|")
    dump
    [ "$status" -eq 0 ]
    [[ "$stderr" != *warning* ]]
    echo "$output" | jqt '.summary.parallel == 50 and .summary.ok == 10'
}

@test "numbers as people write them: a blank, a sign or hexadecimal is refused, naming the option" {
    local opt value
    for opt in --parallel --timeout --max-size --rate --retry; do
        for value in " 5" "+3" "0x10" "-0"; do
            run --separate-stderr afetch "$opt" "$value" "$BASE/?odd"
            echo "$opt '$value' -> $status: $stderr"
            [ "$status" -eq 2 ]
            [[ "$stderr" == *"$opt"* ]]
        done
        run --separate-stderr afetch -q "$opt" 3 "$BASE/?odd"
        [ "$status" -eq 0 ]
    done
    # a decimal point and an exponent stay fine where fractions are
    run --separate-stderr afetch -q --timeout .5 --max-size 1e4 "$BASE/?odd"
    [ "$status" -eq 0 ]
}
