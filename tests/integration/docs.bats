#!/usr/bin/env bats
# The documentation stays true: every option --help lists is in the README and the man page.
bats_require_minimum_version 1.5.0
load helpers

ROOT="$BATS_TEST_DIRNAME/../.."

# The long options --help prints, one per line (digits too: --http2-prior-knowledge).
help_options() {
    afetch --help | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u
}

# documents FILE OPT: FILE names OPT as a whole word, followed by a character that cannot go on
# with an option name, so --retry-delay does not count for --retry, nor --jsonl for --json.
# groff's escaped dashes (\-) read as plain ones.
documents() {
    sed 's/\\-/-/g' "$1" | grep -qE -- "$2([^a-z0-9-]|\$)"
}

@test "docs: --help lists at least the core options" {
    run help_options
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -ge 18 ]
}

@test "docs: every --help option is in README.md" {
    local missing=()
    for opt in $(help_options); do
        documents "$ROOT/README.md" "$opt" || missing+=("$opt")
    done
    echo "missing from README: ${missing[*]}"
    [ "${#missing[@]}" -eq 0 ]
}

@test "docs: every --help option is in the man page" {
    local missing=()
    for opt in $(help_options); do
        # groff escapes the dashes: --fail-fast is written \-\-fail\-fast
        documents "$ROOT/docs/afetch.1" "$opt" || missing+=("$opt")
    done
    echo "missing from afetch.1: ${missing[*]}"
    [ "${#missing[@]}" -eq 0 ]
}

@test "docs: the man page renders without warnings" {
    command -v groff >/dev/null || skip "groff not installed"
    run --separate-stderr groff -man -Tutf8 -ww -z "$ROOT/docs/afetch.1"
    echo "$stderr"
    [ "$status" -eq 0 ]
    [ -z "$stderr" ]
}
