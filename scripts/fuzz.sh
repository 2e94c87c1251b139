#!/usr/bin/env bash
# fuzz.sh SECONDS TARGET... — runs the libFuzzer targets that tests/fuzz/fuzz.mk builds, each for
# SECONDS on a scratch copy of its seed corpus, FUZZ_JOBS at a time. Each run's output goes to
# build/fuzz/TARGET.log; this prints one TAP line per target, and the tail of the log of any
# target that found a crash, leak or timeout (the input is kept in build/fuzz/artifacts/TARGET/).
set -u
cd "$(dirname "$0")/.." || exit 2
seconds=${1:?usage: fuzz.sh SECONDS TARGET...}
shift
# libFuzzer takes 0, and a word, as "no time limit": neither may mean a run without end.
if ! [[ $seconds =~ ^[0-9]+$ ]] || [ "$((10#$seconds))" -eq 0 ]; then
    echo "fuzz.sh: FUZZ_SECONDS '$seconds' is not a whole number of seconds above 0" >&2
    exit 2
fi
dir=${FUZZ_DIR:-build/fuzz}
jobs=${FUZZ_JOBS:-1}

# run TARGET: fuzzes it and leaves its exit status in $dir/TARGET.status. The repository's seed
# corpus is only read: libFuzzer adds what it finds to the scratch copy.
run() {
    local target=$1 corpus=$dir/corpus/$1 artifacts=$dir/artifacts/$1
    rm -rf "$corpus" "$artifacts"
    mkdir -p "$corpus" "$artifacts"
    if [ -d "tests/fuzz/corpus/$target" ]; then
        cp -R "tests/fuzz/corpus/$target/." "$corpus/"
    fi
    "$dir/$target" -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" >"$dir/$target.log" 2>&1
    echo $? >"$dir/$target.status"
}

# stats TARGET: "N runs, N exec/s, cov N, ft N, corpus N" from the end of its log.
stats() {
    local log=$dir/$1.log line runs rate
    line=$(grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE|INITED)' "$log" | tail -1)
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    printf '%s runs, %s exec/s, cov %s, ft %s, corpus %s' "${runs:-?}" "${rate:-?}" \
        "$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$line")" \
        "$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$line")" \
        "$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$line")"
}

# report LOG: the sanitizer's or libFuzzer's account of the failure (what, and the stack), or
# the log's tail when there is none.
report() {
    local first
    first=$(grep -nE '==ERROR|runtime error|deadly signal|ALARM|out-of-memory|leak' "$1" |
        head -1 | cut -d: -f1)
    if [ -n "$first" ]; then
        tail -n "+$first" "$1" | grep -vE '^ *0x[0-9a-f]+: |^Shadow|^  [A-Z][a-z].*: ' | head -40
    else
        tail -20 "$1"
    fi
}

running=0
for target in "$@"; do
    rm -f "$dir/$target.status"
    run "$target" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
        wait -n
        running=$((running - 1))
    fi
done
wait

n=0 failed=0
for target in "$@"; do
    n=$((n + 1))
    status=$(cat "$dir/$target.status" 2>/dev/null || echo missing)
    if [ "$status" = 0 ]; then
        echo "ok $n - fuzz $target $seconds s ($(stats "$target"))"
        continue
    fi
    failed=$((failed + 1))
    echo "not ok $n - fuzz $target $seconds s: exit status $status, log $dir/$target.log"
    for crash in "$dir/artifacts/$target"/*; do
        [ -f "$crash" ] && echo "#   input $crash: $(head -c 64 "$crash" | od -An -tx1 | tr -d '\n')"
    done
    report "$dir/$target.log" | sed 's/^/#   /'
done
echo "1..$n"
[ "$failed" -eq 0 ]
