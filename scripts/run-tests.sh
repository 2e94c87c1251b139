#!/usr/bin/env bash
# run-tests.sh [PART...] — runs the test suites of each PART, or of every part when none is named
# (`make test`, `make check`); `make unit`, `make integration`, `make asan`, `make valgrind` and
# `make tsan` run one each. The parts:
#   unit         the C unit tests on the normal build
#   integration  the bats suites on the normal build, one event loop
#   asan         the unit tests and the bats suites on the ASan+UBSan build, four loops
#   valgrind     the fault-server and memory-heavy bats suites under valgrind memcheck, one loop
#   tsan         the --threads and --loops suites, and the cookie store the loops share, under TSan
#   fuzz         every libFuzzer target replays its seed corpus and fuzzes for FUZZ_SECONDS
#                (default 10 here; `make fuzz` is the long run, 60 s a target)
# Each suite's TAP goes to build/tap/SUITE.tap; each suite ends with a line
# "# SUITE: N passed, N failed, N skipped (Ts)", the run with "N passed, N failed, N skipped".
# The exit status is 0 when no test failed.
set -u
cd "$(dirname "$0")/.." || exit 2
all_parts=(unit integration asan valgrind tsan fuzz)
parts=("$@")
[ $# -gt 0 ] || parts=("${all_parts[@]}")
for part in "${parts[@]}"; do
    case " ${all_parts[*]} " in
    *" $part "*) ;;
    *)
        echo "run-tests.sh: unknown part '$part' (parts: ${all_parts[*]})" >&2
        exit 2
        ;;
    esac
done
# wants PART: whether PART is to run
wants() {
    case " ${parts[*]} " in *" $1 "*) return 0 ;; esac
    return 1
}

tap_dir=build/tap
[ $# -gt 0 ] || rm -rf "$tap_dir"
mkdir -p "$tap_dir"

passed=0 failed=0 skipped=0
# A sanitizer report must not pass for afetch's own exit 1 ("some URL failed").
export ASAN_OPTIONS=exitcode=86:detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=halt_on_error=1:exitcode=86:print_stacktrace=1
export TSAN_OPTIONS=halt_on_error=1:exitcode=86
# Without inlined frames in its stacks valgrind starts each process ~10% sooner; a report still
# names the file and line.
valgrind_cmd="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect"
valgrind_cmd+=" --read-inline-info=no"

# start NAME COMMAND...: runs a TAP producer in the background, its output into
# build/tap/NAME.tap; finish NAME waits for it and adds it up. Suites started together run side
# by side; their tallies still come in the order in which they are finished.
declare -A started
start() {
    local name=$1
    shift
    rm -f "$tap_dir/$name.tap" "$tap_dir/$name.status"
    {
        began=$SECONDS status=0
        "$@" >"$tap_dir/$name.tap" 2>&1 || status=$?
        echo "$status $((SECONDS - began))" >"$tap_dir/$name.status"
    } &
    started[$name]=$!
}

finish() {
    local name=$1 status=1 secs=0
    echo "# ---- $name"
    wait "${started[$name]}"
    read -r status secs <"$tap_dir/$name.status"
    rm -f "$tap_dir/$name.status"
    tally "$name" "$status" "$secs"
}

# suite NAME COMMAND...: runs a TAP producer alone and adds it up.
suite() {
    start "$@"
    finish "$1"
}

# tally NAME STATUS SECONDS: adds up the TAP in build/tap/NAME.tap. A producer that fails without
# a "not ok" line (a crash, a bad plan) counts as one failure.
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

# Files run side by side (GNU parallel, through bats --jobs); the tests of one file run in order,
# since they share its server. Each test polls for what it waits on, so a busy machine slows the
# suites down but does not fail them.
bats_jobs() {
    local jobs=$1
    shift
    bats --jobs "$jobs" --no-parallelize-within-files --tap "$@"
}

# The integration suites run on one loop (the single loop on the main thread; AFETCH_LOOPS sets
# the CLI's default number of loops) on the normal build, and on four under ASan, which checks the
# loops' threads and handoffs as well as the memory: every test thus passes with one loop and with
# four. (A second plain run on four loops ran the same tests as the ASan one and was dropped.)
# TSan checks the threads, valgrind the single loop.
# bats --jobs starts a file when a slot frees, so the longest files go first and the short ones
# fill the slots at the end (by their times in `make test`); every other file follows.
integration_files=()
for name in resume faults loops hostile network basic requests options policy save redirects \
    signals; do
    integration_files+=("tests/integration/$name.bats")
done
for file in tests/integration/*.bats; do
    case " ${integration_files[*]} " in *" $file "*) ;; *) integration_files+=("$file") ;; esac
done

# valgrind is ~50x slower: it runs the fault-server suites and those that exercise memory most
# (the 100 mixed URLs of basic, saving, signals, threads, the config parser, the library, the
# proxy and cookie store of network, the bodies and header fields kept by responses); the
# option, timing, scale and packaging suites run plain and under ASan. Longest first, as above.
valgrind_files=()
for name in faults save policy basic network config hostile responses signals threads library; do
    valgrind_files+=("tests/integration/$name.bats")
done

start_valgrind() {
    AFETCH_LOOPS=1 AFETCH_WRAPPER=$valgrind_cmd \
        start integration-valgrind bats_jobs 4 "${valgrind_files[@]}"
}

# A fuzzer runs for a wall-clock time, so at a low priority it takes only the CPU the suites leave
# idle and still replays its whole corpus.
start_fuzz() {
    FUZZ_JOBS=1 start fuzz nice -n 10 make --no-print-directory -s fuzz \
        FUZZ_SECONDS="${FUZZ_SECONDS:-10}"
}

run_unit() {
    suite unit units build
}

run_integration() {
    AFETCH_LOOPS=1 suite integration bats_jobs 4 "${integration_files[@]}"
}

run_asan() {
    suite unit-asan units build/asan
    AFETCH_LOOPS=4 AFETCH=$PWD/build/asan/afetch GATHER=$PWD/build/asan/examples/gather \
        suite integration-asan bats_jobs 4 "${integration_files[@]}"
}

run_tsan() {
    AFETCH_LOOPS=4 AFETCH=$PWD/build/tsan/afetch \
        suite threads-tsan bats_jobs 3 tests/integration/loops.bats tests/integration/basic.bats \
        tests/integration/threads.bats
    # the cookie store that every thread of --threads and every loop shares
    AFETCH_LOOPS=4 AFETCH=$PWD/build/tsan/afetch \
        suite cookies-tsan bats --tap -f 'threads 8|in every mode' tests/integration/network.bats
}

# valgrind and the fuzzers burn CPU; the other parts mostly wait on the test server's delays.
# So valgrind and the fuzzers start first, in the background, and the others run beside them.
wants valgrind && start_valgrind
wants fuzz && start_fuzz
wants unit && run_unit
wants integration && run_integration
wants asan && run_asan
wants tsan && run_tsan
wants valgrind && finish integration-valgrind
wants fuzz && finish fuzz

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
