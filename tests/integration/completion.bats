#!/usr/bin/env bats
# scripts/afetch-completion.bash: the completion function called as bash calls it (COMP_WORDS,
# COMP_CWORD), and its option lists kept equal to what `afetch --help` documents.
bats_require_minimum_version 1.5.0
load helpers

ROOT="$BATS_TEST_DIRNAME/../.."

setup() {
    # shellcheck source=../../scripts/afetch-completion.bash
    source "$ROOT/scripts/afetch-completion.bash"
    # a directory to complete file names in
    cd "$BATS_TEST_TMPDIR"
    mkdir -p certs saved
    : >ca.pem
    : >list.txt
}

# comp WORD...: complete the last WORD of the command line "WORD..." and print the candidates
# one a line, sorted. bash has already split "--opt=value" at "=" (COMP_WORDBREAKS) when a test
# passes "--opt" "=" "value".
comp() {
    COMP_WORDS=("$@")
    COMP_CWORD=$(($# - 1))
    COMP_LINE="$*"
    COMP_POINT=${#COMP_LINE}
    COMPREPLY=()
    _afetch afetch "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
    if [ "${#COMPREPLY[@]}" -gt 0 ]; then
        printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort
    fi
}

# The options --help documents, one a line: long ones (--x), then short ones (-x).
help_long() {
    afetch --help | grep -oE -- '--[a-z][a-z0-9-]*' | LC_ALL=C sort -u
}
help_short() {
    afetch --help | grep -oE -- '(^|[[:space:]])-[A-Za-z],' | tr -d ' ,' | LC_ALL=C sort -u
}

# The on/off options --help documents (no value, and not help, version or the config ones),
# and the opposite of each: no-NAME, or NAME for no-NAME.
help_flags() {
    afetch --help | sed -nE 's/^ +(-[A-Za-z], )?--([a-z0-9-]+)(\[=[A-Z]+\])?( {2,}.*)?$/\2/p' |
        grep -vxE 'help|version|config|no-config' | LC_ALL=C sort -u
}
opposites() {
    help_flags | sed -E 's/^no-//; t; s/^/no-/' | sed 's/^/--/' | LC_ALL=C sort -u
}

@test "completion: sourcing registers _afetch for afetch" {
    run complete -p afetch
    [ "$status" -eq 0 ]
    [ "$output" = "complete -F _afetch afetch" ]
}

@test "completion: afetch --js completes to --json and --jsonl" {
    run comp afetch --js
    [ "$status" -eq 0 ]
    [ "$output" = "$(printf '%s\n' --json --jsonl)" ]
}

@test "completion: every long option in --help completes to itself" {
    local opts missing=() opt
    opts="$(help_long)"
    [ "$(wc -l <<<"$opts")" -ge 30 ]
    for opt in $opts; do
        comp afetch "$opt" | grep -qx -- "$opt" || missing+=("$opt")
    done
    echo "not completed: ${missing[*]}"
    [ "${#missing[@]}" -eq 0 ]
}

@test "completion: afetch - offers exactly the short and long options of --help, and the opposites" {
    run comp afetch -
    [ "$status" -eq 0 ]
    diff <(echo "$output") <({ help_short; help_long; opposites; } | LC_ALL=C sort -u)
}

@test "every on/off option of --help has an opposite: accepted, completed, in the man page" {
    local opt missing=() flags
    flags="$(help_flags)"
    [ "$(wc -l <<<"$flags")" -ge 20 ]
    for opt in $(opposites); do
        run --separate-stderr afetch --no-config "$opt" --version
        [ "$status" -eq 0 ] || missing+=("$opt:rejected")
        comp afetch "$opt" | grep -qx -- "$opt" || missing+=("$opt:not-completed")
        # groff escapes the dashes: --no-json is written \-\-no\-json
        local escaped=${opt//-/\\\\-}
        grep -q -- "$escaped" "$ROOT/docs/afetch.1" || missing+=("$opt:not-in-afetch.1")
    done
    echo "problems: ${missing[*]}"
    [ "${#missing[@]}" -eq 0 ]
}

@test "completion: files after --cacert, --config and --timeline" {
    local opt
    for opt in --cacert --config --timeline; do
        run comp afetch "$opt" ""
        [ "$output" = "$(printf '%s\n' ca.pem certs list.txt saved)" ]
        run comp afetch "$opt" c
        [ "$output" = "$(printf '%s\n' ca.pem certs)" ]
    done
    # the --opt=FILE form, as bash splits it
    run comp afetch --cacert = c
    [ "$output" = "$(printf '%s\n' ca.pem certs)" ]
}

@test "completion: only directories after -o and --output-dir" {
    run comp afetch -o ""
    [ "$output" = "$(printf '%s\n' certs saved)" ]
    run comp afetch --json --output-dir s
    [ "$output" = saved ]
}

@test "completion: list files as positional arguments, also after --" {
    run comp afetch --json l
    [ "$output" = list.txt ]
    run comp afetch -j 10 ""
    [ "$output" = "$(printf '%s\n' ca.pem certs list.txt saved)" ]
    run comp afetch -- --
    [ -z "$output" ]
    : >--odd.txt
    run comp afetch -- --o
    [ "$output" = "--odd.txt" ]
}

@test "completion: --proto offers the schemes, one comma-separated item at a time" {
    run comp afetch --proto ""
    [ "$output" = "$(printf '%s\n' http https)" ]
    run comp afetch --proto http,
    [ "$output" = "http,https" ]
    run comp afetch --proto = https,h
    [ "$output" = "https,http" ]
}

@test "completion: --compare=LIST offers sync, threads and async, one item at a time" {
    # as bash splits it: "--compare" "=" ""
    run comp afetch --compare = ""
    [ "$output" = "$(printf '%s\n' async sync threads)" ]
    run comp afetch --compare = th
    [ "$output" = threads ]
    run comp afetch --compare = sync,
    [ "$output" = "$(printf '%s\n' sync,async sync,threads)" ]
    # as one word (no = in COMP_WORDBREAKS)
    run comp afetch --compare=s
    [ "$output" = --compare=sync ]
    # a separate word after --compare is a list, not a mode
    run comp afetch --compare l
    [ "$output" = list.txt ]
}

@test "completion: a body option offers files after @, nothing for text" {
    local opt
    for opt in -d --data --data-binary --data-json; do
        run comp afetch "$opt" @li
        echo "$opt: $output"
        [ "$output" = @list.txt ]
        run comp afetch "$opt" "a="
        [ -z "$output" ]
    done
    run comp afetch --data-json = @ca
    [ "$output" = @ca.pem ]
}

@test "completion: nothing is offered for a number or free-text argument" {
    local opt
    for opt in -j --parallel --threads -t --timeout --retry --max-size -H --header -A --shard \
        -u --user; do
        run comp afetch "$opt" ""
        echo "$opt: $output"
        [ -z "$output" ]
    done
    run comp afetch -X P
    [ "$output" = "$(printf '%s\n' PATCH POST PUT)" ]
}

@test "completion: files after -b, --cookie, -c and --cookie-jar; nothing after a proxy or a mapping" {
    local opt
    for opt in -b --cookie -c --cookie-jar; do
        run comp afetch "$opt" c
        [ "$output" = "$(printf '%s\n' ca.pem certs)" ]
    done
    for opt in -x --proxy --noproxy --resolve --connect-to; do
        run comp afetch "$opt" ""
        echo "$opt: $output"
        [ -z "$output" ]
    done
}
