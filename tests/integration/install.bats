#!/usr/bin/env bats
# make install / make uninstall (scripts/install.mk) into a DESTDIR: every file in place, the
# installed binary, man page and pkg-config file work, a C program builds against the installed
# library alone, and uninstall removes exactly what install wrote.
bats_require_minimum_version 1.5.0
load helpers

ROOT="$BATS_TEST_DIRNAME/../.."

# The files install writes, relative to DESTDIR, for PREFIX=/usr.
INSTALLED='/usr/bin/afetch
/usr/include/afetch.h
/usr/lib/libafetch.a
/usr/lib/pkgconfig/afetch.pc
/usr/share/bash-completion/completions/afetch
/usr/share/man/man1/afetch.1'

# mk TARGET VAR=VALUE...: make in the repository root.
mk() {
    make -C "$ROOT" --no-print-directory "$@"
}

# files_under DIR: every regular file under DIR, relative to it, sorted.
files_under() {
    (cd "$1" && find . -type f | sed 's|^\.||' | LC_ALL=C sort)
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

@test "install: exactly the six files under DESTDIR/PREFIX, with their modes" {
    run files_under "$STAGE"
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$output" = "$INSTALLED" ]
    [ "$(stat -c %a "$STAGE/usr/bin/afetch")" = 755 ]
    local f
    for f in include/afetch.h lib/libafetch.a lib/pkgconfig/afetch.pc \
        share/bash-completion/completions/afetch share/man/man1/afetch.1; do
        echo "$f: $(stat -c %a "$STAGE/usr/$f")"
        [ "$(stat -c %a "$STAGE/usr/$f")" = 644 ]
    done
}

@test "install: the installed files are the built ones, not rebuilt" {
    cmp "$ROOT/build/afetch" "$STAGE/usr/bin/afetch"
    cmp "$ROOT/build/libafetch.a" "$STAGE/usr/lib/libafetch.a"
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
    run pc --libs afetch
    dump
    [[ " $output " == *" -L$STAGE/usr/lib -lafetch "* ]]
    local lib
    for lib in -lcurl -lcjson -lcrypto -lidn2 -lev -lm -pthread; do
        [[ " $output " == *" $lib "* ]]
    done
}

@test "install: a C program builds against the installed header and library alone, and runs" {
    local src="$BATS_TEST_TMPDIR/src" bin="$BATS_TEST_TMPDIR/gather"
    mkdir "$src"
    cp "$ROOT/examples/gather.c" "$src/" # away from lib/, so only the installed afetch.h is found
    run --separate-stderr ${CC:-cc} -std=c11 $(pc --cflags afetch) "$src/gather.c" \
        $(pc --libs afetch) -o "$bin"
    dump
    [ "$status" -eq 0 ]
    local cmd=("$bin")
    # shellcheck disable=SC2206
    [ -z "${AFETCH_WRAPPER:-}" ] || cmd=($AFETCH_WRAPPER "$bin")
    run --separate-stderr "${cmd[@]}" "$BASE/" "$BASE/status/404" "http://nosuchhost.invalid/"
    dump
    [ "$status" -eq 1 ]
    [ "${#lines[@]}" -eq 3 ]
    [[ "${lines[0]}" == "0 200 3 bytes "*" $BASE/" ]]
    [[ "${lines[1]}" == "1 http "*" $BASE/status/404" ]]
    [[ "${lines[2]}" == "2 dns "*" http://nosuchhost.invalid/" ]]
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
    run find "$STAGE" -type f
    echo "$output"
    [ "$status" -eq 0 ]
    [ -z "$output" ]
}
