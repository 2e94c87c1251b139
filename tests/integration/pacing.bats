#!/usr/bin/env bats
# Politeness and scale-out: --rate, --per-host and --shard (with the GNU parallel recipe).
bats_require_minimum_version 1.5.0
load helpers

setup_file() { start_server; }
teardown_file() { stop_server; }

@test "--rate: starts per second are near the asked rate: never 1.5x too fast, never starved" {
    [ -z "${AFETCH_WRAPPER:-}" ] || skip "a rate is a timing: not measured under valgrind"
    local list="$BATS_TEST_TMPDIR/rate.txt"
    seq 0 199 | sed "s|^|$BASE/?rate=|" >"$list"
    run --separate-stderr afetch --jsonl --rate 40 -j 50 "$list"
    [ "$status" -eq 0 ] || dump
    [ "$status" -eq 0 ]
    # 40/s for 2.5 s: 101 starts. Precision is for scripts/bench; here a busy machine may slow
    # the starts but never speed them up, so: at most 150 (unpaced, all 200 start at once) and
    # at least 50 (half the rate)
    local started
    started=$(printf '%s\n' "${lines[@]}" | jq -s '[.[] | select(.time.start < 2.5)] | length')
    echo "started in the first 2.5 s: $started"
    [ "$started" -ge 50 ] && [ "$started" -le 150 ]
}

@test "--rate: also paces a concurrent window, and a bad value is a usage error" {
    run --separate-stderr afetch --json --rate 0 "$BASE/"
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"--rate"* ]]
    run --separate-stderr afetch --json --rate 20 -j 10 "$BASE/?p=1" "$BASE/?p=2" "$BASE/?p=3"
    [ "$status" -eq 0 ]
    # three starts 50 ms apart: the third not before ~0.1 s
    echo "$output" | jqt '.results[2].time.start >= 0.09'
}

@test "--per-host: at most N in flight to one host, and a slow host does not hold up another" {
    local list="$BATS_TEST_TMPDIR/hosts.txt"
    # host A: 127.0.0.1, slow; host B: localhost (another authority on the same server), fast
    { seq 0 5 | sed "s|^|$BASE/delay/600?a=|"; seq 0 5 | sed "s|^|http://localhost:$PORT/?b=|"; } >"$list"
    run --separate-stderr afetch --json --per-host 2 -j 50 "$list"
    [ "$status" -eq 0 ] || dump
    [ "$status" -eq 0 ]
    # A ran two at a time (three waves of 0.6 s), by afetch's own clock: a busy machine may
    # stretch the waves but not make them overlap
    echo "$output" | jqt "$JQ_AT_ONCE"' [.results[0:6][].time] | at_once == 2'
    # B did not wait for A's waves: all of B started before the first of A ended
    echo "$output" | jqt '([.results[6:][] | .time.start] | max)
        < ([.results[0:6][].time | .start + .total] | min)'
}

@test "--shard K/N: four shards cover the list once, keeping whole-list indexes" {
    local list="$BATS_TEST_TMPDIR/shard.txt"
    { echo "# a comment does not count"; seq 0 20 | sed "s|^|$BASE/?s=|"; echo "not a url"; } >"$list"
    local k
    for k in 1 2 3 4; do
        afetch --jsonl --shard "$k/4" "$list" >"$BATS_TEST_TMPDIR/part$k.jsonl" 2>/dev/null || true
    done
    afetch --jsonl "$list" >"$BATS_TEST_TMPDIR/whole.jsonl" 2>/dev/null || true
    # shard k holds exactly the indexes i with i % 4 == k-1
    for k in 1 2 3 4; do
        jqt -s "all(.[]; .index % 4 == $k - 1)" <"$BATS_TEST_TMPDIR/part$k.jsonl"
    done
    # merged by index, the shards give the unsharded run's url/ok per index
    cat "$BATS_TEST_TMPDIR"/part?.jsonl | jq -s -c 'sort_by(.index) | map([.index, .url, .ok])' >"$BATS_TEST_TMPDIR/merged"
    jq -s -c 'map([.index, .url, .ok])' <"$BATS_TEST_TMPDIR/whole.jsonl" >"$BATS_TEST_TMPDIR/expected"
    diff "$BATS_TEST_TMPDIR/merged" "$BATS_TEST_TMPDIR/expected"
    [ "$(wc -l <"$BATS_TEST_TMPDIR/whole.jsonl")" -eq 22 ]
}

@test "--shard: the README's GNU parallel recipe merges four shards into the whole run" {
    command -v parallel >/dev/null || skip "GNU parallel not installed"
    local list="$BATS_TEST_TMPDIR/recipe.txt"
    seq 0 99 | sed "s|^|$BASE/delay/20?r=|" >"$list"
    # the recipe, as in the README: shards in parallel, JSON Lines merged by index
    parallel --will-cite -j 4 "$AFETCH" --jsonl --shard {}/4 "$list" ::: 1 2 3 4 2>/dev/null |
        jq -s -c 'sort_by(.index) | map(.index)' >"$BATS_TEST_TMPDIR/merged"
    [ "$(cat "$BATS_TEST_TMPDIR/merged")" = "$(seq -s, 0 99 | sed 's/^/[/; s/$/]/')" ]
    run --separate-stderr afetch --shard 5/4 "$list"
    [ "$status" -eq 2 ]
}
