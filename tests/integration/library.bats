#!/usr/bin/env bats
# The library used directly from C: examples/gather.c fetches its arguments as futures on one
# loop, gathers them and prints one line per URL in argument order.
bats_require_minimum_version 1.5.0
load helpers

GATHER="${GATHER:-$BATS_TEST_DIRNAME/../../build/examples/gather}"

setup_file() { start_server; }
teardown_file() { stop_server; }

gather() {
    if [ -n "${AFETCH_WRAPPER:-}" ]; then
        # shellcheck disable=SC2086
        $AFETCH_WRAPPER "$GATHER" "$@"
    else
        "$GATHER" "$@"
    fi
}

@test "library: three futures gathered in declaration order, not completion order" {
    run --separate-stderr gather "$BASE/delay/500?g=0" "$BASE/delay/0?g=1" "$BASE/delay/250?g=2"
    dump
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 3 ]
    [[ "${lines[0]}" == "0 200 "*"g=0" ]]
    [[ "${lines[1]}" == "1 200 "*"g=1" ]]
    [[ "${lines[2]}" == "2 200 "*"g=2" ]]
}

@test "library: errors are results; the gather reports how many failed" {
    local port
    port="$(closed_port)"
    run --separate-stderr gather "$BASE/status/503" "http://127.0.0.1:$port/" "$BASE/" "not a url"
    dump
    [ "$status" -eq 1 ]
    [ "${#lines[@]}" -eq 4 ]
    [[ "${lines[0]}" == "0 http "* ]]
    [[ "${lines[1]}" == "1 connect "* ]]
    [[ "${lines[2]}" == "2 200 "* ]]
    [[ "${lines[3]}" == "3 invalid-input "* ]]
}
