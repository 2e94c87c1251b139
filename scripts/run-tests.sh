#!/usr/bin/env bash
# Runs every test suite — unit and integration, on the normal build, under ASan+UBSan and under
# valgrind — keeps each suite's TAP in build/tap/, and ends with one line: "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
tap_dir=build/tap
rm -rf "$tap_dir"
mkdir -p "$tap_dir"

passed=0 failed=0 skipped=0
# A sanitizer report must not pass for afetch's own exit 1 ("some URL failed").
export ASAN_OPTIONS=exitcode=86:detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=halt_on_error=1:exitcode=86:print_stacktrace=1
valgrind_cmd="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect"

# suite NAME COMMAND...: runs a TAP producer and adds up its ok / not ok lines. A producer that
# fails without a "not ok" line (a crash, a bad plan) counts as one failure.
suite() {
    local name=$1 out="$tap_dir/$1.tap" began=$SECONDS
    shift
    echo "# ---- $name"
    "$@" >"$out" 2>&1
    tally "$name" $? $((SECONDS - began))
}

# tally NAME STATUS SECONDS: adds up the TAP in build/tap/NAME.tap.
tally() {
    local name=$1 status=$2 out="$tap_dir/$1.tap" ok bad skip
    skip=$(grep -cE '^ok .*# (skip|SKIP)' "$out")
    ok=$(($(grep -c '^ok ' "$out") - skip))
    bad=$(grep -c '^not ok ' "$out")
    grep -E '^(not ok|#)' "$out" | grep -v '^# ----' | head -100
    if [ "$status" -ne 0 ] && [ "$bad" -eq 0 ]; then
        echo "not ok - $name exited with status $status"
        tail -20 "$out"
        bad=1
    fi
    echo "# $name: $ok passed, $bad failed, $skip skipped (${3}s)"
    passed=$((passed + ok))
    failed=$((failed + bad))
    skipped=$((skipped + skip))
}

units() {
    local dir=$1 status=0
    for t in "$dir"/tests/test_*; do
        echo "# $t"
        "$t" || status=1
    done
    return $status
}

suite unit units build
suite unit-asan units build/asan
# Files run side by side (GNU parallel, through bats --jobs); the tests of one file run in order,
# since they share its server. Each test polls for what it waits on, so a busy machine slows the
# suites down but does not fail them.
bats_jobs() {
    local jobs=$1
    shift
    bats --jobs "$jobs" --no-parallelize-within-files --tap "$@"
}

# The integration suites run on one loop (the single loop on the main thread) and again on four
# (the CLI's default number of loops comes from AFETCH_LOOPS); ASan and TSan check the loops'
# threads and handoffs, valgrind the single loop.
AFETCH_LOOPS=1 suite integration bats_jobs 4 tests/integration
AFETCH_LOOPS=4 suite integration-loops bats_jobs 4 tests/integration
AFETCH_LOOPS=4 AFETCH=$PWD/build/asan/afetch GATHER=$PWD/build/asan/examples/gather \
    suite integration-asan bats_jobs 4 tests/integration
# The fuzzers (60 s a target, one at a time) use one core while valgrind's files, two at a time,
# share the other.
fuzz_began=$SECONDS
FUZZ_JOBS=1 make --no-print-directory -s fuzz >"$tap_dir/fuzz.tap" 2>&1 &
fuzz_pid=$!
# valgrind is ~50x slower: it runs the fault-server suites and those that exercise memory most
# (the 100 mixed URLs of basic, saving, signals, threads, the config parser, the library, the
# proxy and cookie store of network, the bodies and header fields kept by responses); the
# option, timing, scale and packaging suites run plain and under ASan.
valgrind_files=()
for name in basic faults policy save hostile signals threads config library network responses; do
    valgrind_files+=("tests/integration/$name.bats")
done
AFETCH_LOOPS=1 AFETCH_WRAPPER=$valgrind_cmd suite integration-valgrind bats_jobs 2 "${valgrind_files[@]}"
AFETCH_LOOPS=4 TSAN_OPTIONS=halt_on_error=1:exitcode=86 AFETCH=$PWD/build/tsan/afetch \
    suite threads-tsan bats --tap tests/integration/threads.bats tests/integration/basic.bats \
    tests/integration/loops.bats
# the cookie store that every thread of --threads and every loop shares
AFETCH_LOOPS=4 TSAN_OPTIONS=halt_on_error=1:exitcode=86 AFETCH=$PWD/build/tsan/afetch \
    suite cookies-tsan bats --tap -f 'threads 8|in every mode' tests/integration/network.bats
echo "# ---- fuzz"
wait "$fuzz_pid"
tally fuzz $? $((SECONDS - fuzz_began))

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
