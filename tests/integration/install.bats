#!/usr/bin/env bats
# make install / make uninstall (scripts/install.mk) into a DESTDIR: every file in place, the
# installed binary, man page and pkg-config file work, a C program builds against the installed
# shared or static library alone, the static library exports afetch_* only and the shared one
# exactly the functions of afetch.h, and uninstall removes exactly what install wrote.
bats_require_minimum_version 1.5.0
load helpers

ROOT="$BATS_TEST_DIRNAME/../.."

# The files install writes, relative to DESTDIR, for PREFIX=/usr.
INSTALLED='/usr/bin/afetch
/usr/include/afetch.h
/usr/lib/libafetch.a
/usr/lib/libafetch.so
/usr/lib/libafetch.so.0
/usr/lib/libafetch.so.0.1.0
/usr/lib/pkgconfig/afetch.pc
/usr/share/bash-completion/completions/afetch
/usr/share/man/man1/afetch.1'

# mk TARGET VAR=VALUE...: make in the repository root.
mk() {
    make -C "$ROOT" --no-print-directory "$@"
}

# files_under DIR: every regular file and symlink under DIR, relative to it, sorted.
files_under() {
    (cd "$1" && find . -type f -o -type l | sed 's|^\.||' | LC_ALL=C sort)
}

# pc ARGS...: pkg-config on the staged afetch.pc, relocated into the stage.
pc() {
    PKG_CONFIG_PATH="$STAGE/usr/lib/pkgconfig" pkg-config --define-variable=prefix="$STAGE/usr" "$@"
}

setup_file() {
    export BATS_NO_PARALLELIZE_WITHIN_FILE=true # the last test uninstalls the shared stage
    start_server
    export STAGE="$BATS_FILE_TMPDIR/stage"
    mk install DESTDIR="$STAGE" PREFIX=/usr >"$BATS_FILE_TMPDIR/install.out" 2>&1 || {
        cat "$BATS_FILE_TMPDIR/install.out" >&2
        return 1
    }
}
teardown_file() { stop_server; }

@test "install: exactly these files under DESTDIR/PREFIX, with their modes and links" {
    run files_under "$STAGE"
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$output" = "$INSTALLED" ]
    [ "$(stat -c %a "$STAGE/usr/bin/afetch")" = 755 ]
    [ "$(readlink "$STAGE/usr/lib/libafetch.so")" = libafetch.so.0 ]
    [ "$(readlink "$STAGE/usr/lib/libafetch.so.0")" = libafetch.so.0.1.0 ]
    run readelf -d "$STAGE/usr/lib/libafetch.so.0.1.0"
    [[ "$output" == *"Library soname: [libafetch.so.0]"* ]]
    local f
    for f in include/afetch.h lib/libafetch.a lib/libafetch.so.0.1.0 lib/pkgconfig/afetch.pc \
        share/bash-completion/completions/afetch share/man/man1/afetch.1; do
        echo "$f: $(stat -c %a "$STAGE/usr/$f")"
        [ "$(stat -c %a "$STAGE/usr/$f")" = 644 ]
    done
}

@test "install: the installed files are the built ones, not rebuilt" {
    cmp "$ROOT/build/afetch" "$STAGE/usr/bin/afetch"
    cmp "$ROOT/build/libafetch.a" "$STAGE/usr/lib/libafetch.a"
    cmp "$ROOT/build/libafetch.so.0.1.0" "$STAGE/usr/lib/libafetch.so.0.1.0"
    cmp "$ROOT/lib/afetch.h" "$STAGE/usr/include/afetch.h"
    cmp "$ROOT/docs/afetch.1" "$STAGE/usr/share/man/man1/afetch.1"
    cmp "$ROOT/scripts/afetch-completion.bash" "$STAGE/usr/share/bash-completion/completions/afetch"
}

@test "install: the installed binary runs" {
    AFETCH="$STAGE/usr/bin/afetch" run --separate-stderr afetch --version
    dump
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" =~ ^afetch\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
    AFETCH="$STAGE/usr/bin/afetch" run --separate-stderr afetch --jsonl "$BASE/status/204"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt -e '.status == 204 and .ok'
}

@test "install: the installed man page renders" {
    local page="$STAGE/usr/share/man/man1/afetch.1"
    if command -v man >/dev/null; then
        run --separate-stderr env MANWIDTH=80 man -P cat -l "$page"
    else
        run --separate-stderr groff -man -Tutf8 "$page"
    fi
    dump
    [ "$status" -eq 0 ]
    [[ "$output" == *"NAME"*"afetch"*"SYNOPSIS"* ]]
    [[ "$output" == *"--parallel"* ]]
}

@test "install: afetch.pc names the real prefix, the version and the link line" {
    run pkg-config --validate "$STAGE/usr/lib/pkgconfig/afetch.pc"
    dump
    [ "$status" -eq 0 ]
    # without relocation it describes the final location, not the DESTDIR
    run env PKG_CONFIG_PATH="$STAGE/usr/lib/pkgconfig" pkg-config --variable=libdir afetch
    [ "$output" = /usr/lib ]
    run env PKG_CONFIG_PATH="$STAGE/usr/lib/pkgconfig" pkg-config --variable=includedir afetch
    [ "$output" = /usr/include ]
    run pc --modversion afetch
    [ "$status" -eq 0 ]
    [ "$output" = "$(afetch --version | sed -n '1s/^afetch //p')" ]
    run pc --cflags afetch
    dump
    [[ " $output " == *" -I$STAGE/usr/include "* ]]
    # shared by default: libafetch.so brings its own dependencies
    run pc --libs afetch
    dump
    local words
    read -ra words <<<"$output" # pkg-config ends the line with a space
    [ "${words[*]}" = "-L$STAGE/usr/lib -lafetch" ]
    # --static adds them, for libafetch.a
    run pc --static --libs afetch
    dump
    [[ " $output " == *" -L$STAGE/usr/lib -lafetch "* ]]
    local lib
    for lib in -lcurl -lcjson -lcrypto -lidn2 -lev -lm -pthread; do
        [[ " $output " == *" $lib "* ]]
    done
}

# defined_globals LIB: the defined global (or exported dynamic) symbols of LIB, one a line,
# without the version node nm may append (name@@AFETCH_0).
defined_globals() {
    if [[ "$1" == *.a ]]; then
        nm -g --defined-only "$1"
    else
        nm -D --defined-only "$1"
    fi | awk 'NF == 3 { sub(/@.*/, "", $3); print $3 }' | LC_ALL=C sort -u
}

# public_functions: the functions lib/afetch.h declares, one a line (comments and typedefs of
# function types aside), so that the check below follows the header.
public_functions() {
    perl -0777 -ne 's{/\*.*?\*/}{}gs; print "$1\n" while /^(?!typedef)[^;{}#]*?\b(afetch_\w+)\s*\(/mg' \
        "$ROOT/lib/afetch.h" | LC_ALL=C sort -u
}

@test "install: the static library exports afetch_* only; the shared one exactly afetch.h's functions" {
    local public
    public="$(public_functions)"
    echo "afetch.h declares $(wc -l <<<"$public") functions"
    [[ "$public" == *afetch_loop_new* && "$public" == *afetch_gather* ]]
    [[ "$public" != *afetch_output_new* && "$public" != *afetch_next_fn* ]]
    # libafetch.a: the public API and the CLI's helpers (afetch_tool.h), nothing else
    run defined_globals "$STAGE/usr/lib/libafetch.a"
    [ "$status" -eq 0 ]
    local archive="$output"
    run comm -23 <(echo "$public") <(echo "$archive")
    echo "missing from the archive: $output"
    [ -z "$output" ]
    [[ "$archive" == *afetch_output_new* ]] # the CLI links these
    run grep -v '^afetch_' <<<"$archive"
    echo "not afetch_ in the archive: $output"
    [ -z "$output" ]
    # libafetch.so: the header's functions and its version node, exactly
    run defined_globals "$STAGE/usr/lib/libafetch.so.0.1.0"
    [ "$status" -eq 0 ]
    diff <(printf 'AFETCH_0\n%s\n' "$public" | LC_ALL=C sort) <(echo "$output")
}

# build_gather BIN LIBS...: examples/gather.c built against the installed header and LIBS.
build_gather() {
    local bin="$1" src="$BATS_TEST_TMPDIR/src"
    shift
    mkdir -p "$src"
    cp "$ROOT/examples/gather.c" "$src/" # away from lib/, so only the installed afetch.h is found
    # shellcheck disable=SC2046,SC2086
    run --separate-stderr ${CC:-cc} -std=c11 $(pc --cflags afetch) "$src/gather.c" "$@" -o "$bin"
    dump
    [ "$status" -eq 0 ]
}

# run_gather BIN: BIN fetches three URLs; their results come back in input order.
run_gather() {
    local cmd=("$1")
    # shellcheck disable=SC2206
    [ -z "${AFETCH_WRAPPER:-}" ] || cmd=($AFETCH_WRAPPER "$1")
    run --separate-stderr "${cmd[@]}" "$BASE/" "$BASE/status/404" "http://nosuchhost.invalid/"
    dump
    [ "$status" -eq 1 ]
    [ "${#lines[@]}" -eq 3 ]
    [[ "${lines[0]}" == "0 200 3 bytes "*" $BASE/" ]]
    [[ "${lines[1]}" == "1 http "*" $BASE/status/404" ]]
    [[ "${lines[2]}" == "2 dns "*" http://nosuchhost.invalid/" ]]
}

@test "install: a C program builds against the installed shared library alone, and runs" {
    local bin="$BATS_TEST_TMPDIR/gather"
    # shellcheck disable=SC2046
    build_gather "$bin" $(pc --libs afetch)
    run readelf -d "$bin"
    [[ "$output" == *"Shared library: [libafetch.so.0]"* ]]
    export LD_LIBRARY_PATH="$STAGE/usr/lib"
    run ldd "$bin"
    echo "$output"
    [[ "$output" == *"libafetch.so.0 => $STAGE/usr/lib/libafetch.so.0 "* ]]
    run_gather "$bin"
}

@test "install: a C program builds against the installed static library alone, and runs" {
    local bin="$BATS_TEST_TMPDIR/gather" libs
    libs=$(pc --static --libs afetch)
    # shellcheck disable=SC2086
    build_gather "$bin" ${libs/-lafetch/-l:libafetch.a}
    run readelf -d "$bin"
    [[ "$output" != *libafetch* ]]
    run_gather "$bin"
}

@test "install: PREFIX and LIBDIR are honoured, also in afetch.pc" {
    local d="$BATS_TEST_TMPDIR/d"
    run mk install DESTDIR="$d" PREFIX=/opt/afetch LIBDIR=/opt/afetch/lib64
    dump
    [ "$status" -eq 0 ]
    run files_under "$d"
    echo "$output"
    [ "$output" = '/opt/afetch/bin/afetch
/opt/afetch/include/afetch.h
/opt/afetch/lib64/libafetch.a
/opt/afetch/lib64/libafetch.so
/opt/afetch/lib64/libafetch.so.0
/opt/afetch/lib64/libafetch.so.0.1.0
/opt/afetch/lib64/pkgconfig/afetch.pc
/opt/afetch/share/bash-completion/completions/afetch
/opt/afetch/share/man/man1/afetch.1' ]
    grep -qx 'prefix=/opt/afetch' "$d/opt/afetch/lib64/pkgconfig/afetch.pc"
    grep -qx 'libdir=${prefix}/lib64' "$d/opt/afetch/lib64/pkgconfig/afetch.pc"
    run mk uninstall DESTDIR="$d" PREFIX=/opt/afetch LIBDIR=/opt/afetch/lib64
    [ "$status" -eq 0 ]
    run files_under "$d"
    [ -z "$output" ]
}

@test "uninstall: removes exactly the installed files and nothing else" {
    local d="$BATS_TEST_TMPDIR/d"
    mkdir -p "$d/usr/bin" "$d/usr/lib/pkgconfig" "$d/usr/share/man/man1"
    echo keep >"$d/usr/bin/other"
    echo keep >"$d/usr/lib/pkgconfig/other.pc"
    echo keep >"$d/usr/share/man/man1/other.1"
    run mk install DESTDIR="$d" PREFIX=/usr
    [ "$status" -eq 0 ]
    [ -x "$d/usr/bin/afetch" ]
    run mk uninstall DESTDIR="$d" PREFIX=/usr
    dump
    [ "$status" -eq 0 ]
    run files_under "$d"
    echo "$output"
    [ "$output" = "$(printf '%s\n' /usr/bin/other /usr/lib/pkgconfig/other.pc /usr/share/man/man1/other.1)" ]
    # and a second uninstall, with nothing left to remove, still succeeds
    run mk uninstall DESTDIR="$d" PREFIX=/usr
    [ "$status" -eq 0 ]
}

@test "uninstall: the DESTDIR of the full install is left without a file" {
    run mk uninstall DESTDIR="$STAGE" PREFIX=/usr
    dump
    [ "$status" -eq 0 ]
    run find "$STAGE" -type f -o -type l
    echo "$output"
    [ "$status" -eq 0 ]
    [ -z "$output" ]
}
