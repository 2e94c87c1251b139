#!/usr/bin/env bats
# The documentation stays true: every option --help lists, and every opposite (--no-NAME) afetch
# takes, is in the README and the man page; every make target they name exists; no false claims.
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

# takes_flag OPT: afetch takes OPT as an on/off option (one taking a value would swallow
# --version and read the list from standard input). In a scratch directory: an option that
# names a file (--cookie-jar, -o) would make one called "--version".
takes_flag() {
    (cd "$BATS_TEST_TMPDIR" && afetch "$1" --version </dev/null 2>/dev/null) | grep -q '^libev '
}

# The on/off options --help lists, with and without "no-".
flag_options() {
    afetch --help | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u |
        grep -vxE -- '--(help|version|no-config)' | while read -r opt; do
            takes_flag "$opt" && echo "$opt"
        done
}

@test "docs: every opposite afetch takes (--no-NAME, or NAME for a --no-NAME) is in README.md and the man page" {
    local opt other missing=() tried=0
    for opt in $(flag_options); do
        if [[ "$opt" == --no-* ]]; then other="--${opt#--no-}"; else other="--no-${opt#--}"; fi
        # an opposite --help leaves out, but which afetch takes
        takes_flag "$other" || continue
        tried=$((tried + 1))
        documents "$ROOT/README.md" "$other" || missing+=("README:$other")
        documents "$ROOT/docs/afetch.1" "$other" || missing+=("afetch.1:$other")
    done
    echo "opposites tried: $tried; missing: ${missing[*]}"
    [ "$tried" -ge 20 ]
    [ "${#missing[@]}" -eq 0 ]
}

# The make targets a document names: `make TARGET...` and "the Makefile's `TARGET`".
named_targets() {
    grep -ohE -- "\`make [^\`]*\`|Makefile's \`[^\`]*\`" "$@" |
        sed -E "s/^\`make //; s/^Makefile's \`//; s/\`$//" | tr ' ' '\n' | grep -vE '^$|=|^-' |
        sort -u
}

# The Makefile's targets, from make's database (-q runs no recipe; an outer make's flags stay
# out). A directory such as examples/ is listed too, as "Not a target", and is skipped.
make_rules() {
    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -rpq -C "$ROOT" 2>/dev/null |
        awk '/^# Not a target:/ { skip = 1; next } skip { skip = 0; next }
             /^[a-zA-Z0-9_.\/-]+:/ { sub(/:.*/, ""); print }'
}

@test "docs: every make target README, the docs and the examples name exists" {
    local target missing=() targets rules
    targets="$(named_targets "$ROOT/README.md" "$ROOT"/docs/*.md "$ROOT"/examples/*.c)"
    echo "targets: $targets"
    [ "$(grep -c . <<<"$targets")" -ge 4 ]
    rules="$(make_rules)"
    for target in $targets; do
        grep -qxF -- "$target" <<<"$rules" || missing+=("$target")
    done
    echo "no such target: ${missing[*]}"
    [ "${#missing[@]}" -eq 0 ]
}

@test "docs: README does not call afetch thread-free (the resolver, --loops, --threads and the reader use threads)" {
    run grep -niE 'no threads|without threads|thread-free|single-threaded' "$ROOT/README.md"
    echo "$output"
    [ "$status" -eq 1 ]
}

@test "docs: the table header in README's examples is the one afetch prints" {
    local header examples
    # a refused connection needs no server; a pipe gets the table whole
    run --separate-stderr afetch --no-config "http://127.0.0.1:1/"
    header="${lines[0]}"
    [[ "$header" == *"#  STATUS"* ]]
    examples="$(grep -E '^ +#  STATUS' "$ROOT/README.md")"
    [ "$(grep -c . <<<"$examples")" -ge 2 ]
    echo "afetch prints: '$header'"
    echo "README shows: $examples"
    [ "$(grep -cvxF -- "$header" <<<"$examples")" -eq 0 ]
}
