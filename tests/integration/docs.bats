#!/usr/bin/env bats
# The documentation stays true: every option --help lists is in the README and the man page.
bats_require_minimum_version 1.5.0
load helpers

ROOT="$BATS_TEST_DIRNAME/../.."

# The long options --help prints, one per line.
help_options() {
    afetch --help | grep -oE -- '--[a-z][a-z-]+' | sort -u
}

@test "docs: --help lists at least the core options" {
    run help_options
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -ge 18 ]
}

@test "docs: every --help option is in README.md" {
    local missing=()
    for opt in $(help_options); do
        grep -qF -- "$opt" "$ROOT/README.md" || missing+=("$opt")
    done
    echo "missing from README: ${missing[*]}"
    [ "${#missing[@]}" -eq 0 ]
}

@test "docs: every --help option is in the man page" {
    local missing=()
    for opt in $(help_options); do
        # groff escapes the dashes: --fail-fast is written \-\-fail\-fast
        local escaped=${opt//-/\\\\-}
        grep -qF -- "$opt" "$ROOT/docs/afetch.1" || grep -q -- "$escaped" "$ROOT/docs/afetch.1" ||
            missing+=("$opt")
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
