#!/usr/bin/env bats
# Long runs that lose nothing: --results FILE (durable JSON Lines), --resume and
# --resume-failed after kill -9, SIGINT, SIGTERM and a full disk; --shard with --resume.

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
    start_server
}

teardown_file() {
    stop_server
}

teardown() {
    kill_bg
    if [ -n "${TMPFS_DIR:-}" ] && mountpoint -q "$TMPFS_DIR"; then
        umount "$TMPFS_DIR" || umount -l "$TMPFS_DIR"
    fi
}

# valid_jsonl FILE: every line of FILE is one JSON object and the file ends with a newline.
valid_jsonl() {
    "$PYTHON" -c 'import json, sys
data = open(sys.argv[1], "rb").read()
assert data == b"" or data.endswith(b"\n"), "no newline at the end"
for n, line in enumerate(data.split(b"\n")[:-1], 1):
    assert isinstance(json.loads(line), dict), "line %d is no object" % n' "$1"
}

# requests TAG: how many requests the server has logged with TAG in their path.
requests() {
    grep -cF -- "$1" "$SERVER_LOG" || true
}

@test "--results FILE: the JSON lines of --jsonl, appended as they come, while stdout shows the table" {
    local f="$BATS_TEST_TMPDIR/r.jsonl" list="$BATS_TEST_TMPDIR/l.txt" tag
    tag="$(uniq_tag)"
    write_list "$list" "$BASE/bytes/3?$tag" "$BASE/status/404?$tag" "not a url"
    echo '{"earlier": "line"}' >"$f"
    run --separate-stderr afetch --results "$f" "$list"
    dump
    [ "$status" -eq 1 ]
    [[ "${lines[0]}" == *"STATUS"*"BYTES"* ]]
    [ "${#lines[@]}" -eq 4 ]
    cat "$f"
    valid_jsonl "$f"
    [ "$(sed -n 1p "$f")" = '{"earlier": "line"}' ]
    jqt -s --argjson k "$RESULT_KEYS" '.[1:] | map(.index) == [0, 1, 2] and all(.[]; keys == $k)' <"$f"
    # the same lines as --jsonl prints, --as-completed too (times aside)
    rm "$f"
    run --separate-stderr afetch --jsonl --as-completed --results "$f" "$list"
    [ "$status" -eq 1 ]
    diff <(echo "$output") "$f"
}

@test "--results with --body keeps the body in FILE; --resume reads a 5 MB line (past 4 MiB) by its start" {
    local f="$BATS_TEST_TMPDIR/big.jsonl" tag
    tag="$(uniq_tag)"
    run --separate-stderr afetch --jsonl --body=8M --results "$f" "$BASE/bytes/5000000?$tag" "$BASE/bytes/2?$tag"
    [ "$status" -eq 0 ]
    [ "$(wc -l <"$f")" -eq 2 ]
    [ "$(head -1 "$f" | wc -c)" -gt 5000000 ]
    jqt -s '.[0].body_encoding == "text" and (.[0].body | length) == 5000000' <"$f"
    run --separate-stderr afetch --jsonl --body=8M --results "$f" --resume "$BASE/bytes/5000000?$tag" "$BASE/bytes/2?$tag"
    dump
    [ "$status" -eq 0 ]
    [ -z "$output" ]
    [ "$(requests "$tag")" -eq 2 ]
    [[ "$stderr" == *"; 2 done before, in $f" ]]
}

@test "--resume fetches only what has no final result: 404, 410, invalid input stay; 503, 408, 429, connect go again" {
    local f="$BATS_TEST_TMPDIR/r.jsonl" list="$BATS_TEST_TMPDIR/l.txt" tag port
    tag="$(uniq_tag)"
    port="$(closed_port)"
    write_list "$list" "$BASE/bytes/1?$tag" "$BASE/status/404?$tag" "$BASE/status/410?$tag" \
        "not a url $tag" "$BASE/status/503?$tag" "$BASE/status/408?$tag" "$BASE/status/429?$tag" \
        "http://127.0.0.1:$port/$tag"
    run --separate-stderr afetch --json --results "$f" "$list"
    [ "$status" -eq 1 ]
    [ "$(requests "$tag")" -eq 6 ]
    run --separate-stderr afetch --json --results "$f" --resume "$list"
    dump
    [ "$status" -eq 1 ]
    # only the ones another try may fix, as their results say
    echo "$output" | jqt '[.results[].index] == [4, 5, 6, 7]'
    echo "$output" | jqt '.summary.resumed == 4 and .summary.urls == 4'
    [ "$(requests "$tag")" -eq 9 ]
    [ "$(grep -cF "/bytes/1?$tag" "$SERVER_LOG")" -eq 1 ]
    [[ "$stderr" == *"; 4 done before, in $f (3 of them failed)" ]]
    [ "$(wc -l <"$f")" -eq 12 ]
    valid_jsonl "$f"
    # --resume-failed fetches those failed for good too, never an ok one
    run --separate-stderr afetch --json --results "$f" --resume-failed "$list"
    dump
    echo "$output" | jqt '[.results[].index] == [1, 2, 3, 4, 5, 6, 7]'
    [ "$(grep -cF "/bytes/1?$tag" "$SERVER_LOG")" -eq 1 ]
    [ "$(grep -cF "/status/404?$tag" "$SERVER_LOG")" -eq 2 ]
}

@test "--resume: exit 0 once all is ok, 1 while an earlier failure stands; the table leaves done ones out" {
    local f="$BATS_TEST_TMPDIR/r.jsonl" tag
    tag="$(uniq_tag)"
    run --separate-stderr afetch --results "$f" "$BASE/bytes/1?$tag" "$BASE/flaky/1?key=$tag"
    [ "$status" -eq 1 ]
    run --separate-stderr afetch --results "$f" --resume "$BASE/bytes/1?$tag" "$BASE/flaky/1?key=$tag"
    dump
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 2 ]
    [[ "${lines[1]}" == *"     1  200 "* ]]
    run --separate-stderr afetch --results "$f" --resume "$BASE/bytes/1?$tag" "$BASE/flaky/1?key=$tag"
    dump
    [ "$status" -eq 0 ]
    [ -z "$output" ]
    [[ "$stderr" == "async: 0 URLs, 0 ok, 0 failed, 0 bytes, "*"; 2 done before, in $f" ]]
    rm "$f"
    run --separate-stderr afetch --results "$f" --resume "$BASE/bytes/1?$tag" "$BASE/status/404?$tag"
    [ "$status" -eq 1 ]
    run --separate-stderr afetch --results "$f" --resume "$BASE/bytes/1?$tag" "$BASE/status/404?$tag"
    dump
    [ "$status" -eq 1 ] # the 404 of the run before stands
    [ -z "$output" ]
}

@test "--resume with a missing FILE is a first run; FILE is made with mode 0666 less the umask" {
    local f="$BATS_TEST_TMPDIR/new.jsonl"
    run --separate-stderr bash -c 'umask 027 && "$@"' _ "$AFETCH" --results "$f" --resume "$BASE/bytes/1"
    [ "$status" -eq 0 ]
    [ "$(wc -l <"$f")" -eq 1 ]
    [ "$(stat -c %a "$f")" = 640 ]
}

@test "a torn last line is cut away before appending, never read as a result (with and without --resume)" {
    local f="$BATS_TEST_TMPDIR/torn.jsonl" tag
    tag="$(uniq_tag)"
    run --separate-stderr afetch --results "$f" "$BASE/bytes/1?$tag" "$BASE/bytes/2?$tag"
    [ "$status" -eq 0 ]
    # the process died in the middle of writing index 1's line: a whole-looking prefix, no newline
    head -c -1 "$f" >"$f.tmp" && mv "$f.tmp" "$f"
    run --separate-stderr afetch --results "$f" --resume "$BASE/bytes/1?$tag" "$BASE/bytes/2?$tag"
    dump
    [ "$status" -eq 0 ]
    [[ "${stderr_lines[0]}" == "afetch: warning: $f ended in a torn line ("*" bytes, a write cut short); cut away" ]]
    [ "$(grep -cF "/bytes/2?$tag" "$SERVER_LOG")" -eq 2 ]
    [ "$(grep -cF "/bytes/1?$tag" "$SERVER_LOG")" -eq 1 ]
    valid_jsonl "$f"
    jqt -s 'map(.index) == [0, 1]' <"$f"
    # without --resume, the torn line goes too: the next line starts a line of its own
    printf '{"index":0,"url":"' >>"$f"
    run --separate-stderr afetch --results "$f" "$BASE/bytes/1?$tag"
    [ "$status" -eq 0 ]
    [[ "${stderr_lines[0]}" == "afetch: warning: $f ended in a torn line (18 bytes"* ]]
    valid_jsonl "$f"
    [ "$(wc -l <"$f")" -eq 3 ]
    # a file named by mistake, whose last line lacks its newline, loses nothing
    local notes="$BATS_TEST_TMPDIR/notes.txt"
    printf 'first line\nno newline at the end' >"$notes"
    run --separate-stderr afetch --results "$notes" "$BASE/bytes/1?$tag"
    [ "$status" -eq 2 ]
    [ "$stderr" = "afetch: --results: $notes does not end in a newline, and its last line is no result afetch wrote; not a results file?" ]
    [ "$(cat "$notes")" = "$(printf 'first line\nno newline at the end')" ]
}

@test "--resume: a list that changed under FILE stops with exit 2 naming the index; passwords compare hidden" {
    local f="$BATS_TEST_TMPDIR/r.jsonl" tag
    tag="$(uniq_tag)"
    local secret="http://user:s3cret@127.0.0.1:$PORT/bytes/1?$tag"
    run --separate-stderr afetch --results "$f" "$secret" "$BASE/bytes/2?$tag"
    [ "$status" -eq 0 ]
    ! grep -q s3cret "$f"
    # the same list: the result says user:***, and it is the same URL
    run --separate-stderr afetch --results "$f" --resume "$secret" "$BASE/bytes/2?$tag"
    dump
    [ "$status" -eq 0 ]
    [ "$(requests "$tag")" -eq 2 ]
    # index 0 now names another URL: nothing is fetched, one line names the mismatch
    run --separate-stderr afetch --results "$f" --resume "$BASE/bytes/9?$tag" "$BASE/bytes/2?$tag"
    dump
    [ "$status" -eq 2 ]
    [ -z "$output" ]
    [[ "${stderr_lines[1]}" == "afetch: $f has a result for index 0 with another URL than the list's $BASE/bytes/9?$tag: the list changed"* ]]
    [ "$(requests "$tag")" -eq 2 ]
    [ "$(wc -l <"$f")" -eq 2 ]
}

@test "--results and --resume: usage errors, a FILE that is no results file, one in use" {
    run --separate-stderr afetch --resume "$BASE/"
    [ "$status" -eq 2 ]
    [ "$stderr" = "afetch: --resume: needs --results FILE: the results to resume from" ]
    run --separate-stderr afetch --resume-failed "$BASE/"
    [ "$stderr" = "afetch: --resume-failed: needs --results FILE: the results to resume from" ]
    run --separate-stderr afetch --results - "$BASE/"
    [ "$status" -eq 2 ]
    run --separate-stderr afetch --compare --results "$BATS_TEST_TMPDIR/c.jsonl" "$BASE/"
    [ "$status" -eq 2 ]
    [ "$stderr" = "afetch: --results: goes with one mode, not --compare" ]
    run --separate-stderr afetch --results "$BATS_TEST_TMPDIR" "$BASE/"
    [ "$status" -eq 2 ]
    [[ "$stderr" == "afetch: --results: cannot open $BATS_TEST_TMPDIR: Is a directory" ]]
    # a list given as FILE by mistake: refused at its first line, nothing fetched
    local list="$BATS_TEST_TMPDIR/urls.txt" tag
    tag="$(uniq_tag)"
    write_list "$list" "$BASE/bytes/1?$tag"
    run --separate-stderr afetch --results "$list" --resume "$list"
    dump
    [ "$status" -eq 2 ]
    [ "$stderr" = "afetch: --results: $list:1: not a result line (not a JSON object); --resume reads the results files afetch writes" ]
    [ "$(cat "$list")" = "$BASE/bytes/1?$tag" ]
    [ "$(requests "$tag")" -eq 0 ]
    # a second afetch on the same FILE while the first runs
    local f="$BATS_TEST_TMPDIR/busy.jsonl"
    afetch_bg /dev/null /dev/null --results "$f" "$BASE/delay/60000?$tag"
    wait_for_log "delay/60000?$tag" 1 30
    run --separate-stderr afetch --results "$f" "$BASE/bytes/1?$tag"
    [ "$status" -eq 2 ]
    [ "$stderr" = "afetch: --results: $f: another afetch is writing it" ]
}

@test "--resume with -o: a file saved by a run killed before its result line counts as done" {
    local f="$BATS_TEST_TMPDIR/r.jsonl" dir="$BATS_TEST_TMPDIR/out" tag
    tag="$(uniq_tag)"
    run --separate-stderr afetch --results "$f" -o "$dir" "$BASE/bytes/3?$tag" "$BASE/bytes/4?$tag"
    [ "$status" -eq 0 ]
    # kill -9 between the rename and the write: the file is there, its line is not
    head -1 "$f" >"$f.tmp" && mv "$f.tmp" "$f"
    run --separate-stderr afetch --json --results "$f" --resume -o "$dir" "$BASE/bytes/3?$tag" "$BASE/bytes/4?$tag"
    dump
    [ "$status" -eq 0 ]
    [ "$(requests "$tag")" -eq 2 ]
    local n="000001-127.0.0.1-$PORT-bytes-4-$tag"
    echo "$output" | jqt --arg p "$dir/$n" '.results == [.results[0]] and .results[0].index == 1
        and .results[0].skipped and .results[0].path == $p'
    jqt -s --arg p "$dir/$n" '.[1].skipped and .[1].path == $p' <"$f"
    [ "$(cat "$dir/$n")" = "xxxx" ]
}

# list_for_kills TAG N: N entries, most fast, every 9th slow, every 7th a 404, every 11th a
# 410, two bad ones; each tagged k=TAG-INDEX for the log.
list_for_kills() {
    local tag=$1 n=$2 i
    for ((i = 0; i < n; i++)); do
        if ((i == 17 || i == n - 3)); then
            echo "not a url k=$tag-$i"
        elif ((i % 9 == 4)); then
            echo "$BASE/delay/250?k=$tag-$i"
        elif ((i % 7 == 3)); then
            echo "$BASE/status/404?k=$tag-$i"
        elif ((i % 11 == 5)); then
            echo "$BASE/status/410?k=$tag-$i"
        else
            echo "$BASE/bytes/$((i % 50))?k=$tag-$i"
        fi
    done
}

# snapshot FILE SNAPS: after a run died, note how long the server log is and which indexes FILE
# holds whole lines for: none of those may be requested again.
snapshot() {
    sleep 0.3 # requests the dead process sent are logged by now
    "$PYTHON" -c 'import json, sys
data = open(sys.argv[1], "rb").read() if __import__("os").path.exists(sys.argv[1]) else b""
done = [json.loads(l)["index"] for l in data.split(b"\n")[:-1]]
log = sum(1 for _ in open(sys.argv[2], "rb"))
open(sys.argv[3], "a").write(json.dumps({"log": log, "done": done}) + "\n")' "$1" "$SERVER_LOG" "$2"
}

# check_resumed LIST FILE SNAPS TAG [DIR]: FILE is valid JSON Lines holding every index of LIST
# once, with its URL; no request went out for an index after a snapshot had its line; with
# DIR, each ok result's file is there with its bytes.
check_resumed() {
    "$PYTHON" - "$@" "$SERVER_LOG" <<'PY'
import json, os, re, sys
list_file, results, snaps, tag = sys.argv[1:5]
dirname = sys.argv[5] if len(sys.argv) == 7 else None
log_file = sys.argv[-1]
urls = [l.strip() for l in open(list_file)]
data = open(results, "rb").read()
assert data.endswith(b"\n"), "FILE does not end in a newline"
recs = [json.loads(l) for l in data.split(b"\n")[:-1]]
indexes = sorted(r["index"] for r in recs)
assert indexes == list(range(len(urls))), "indexes: %d lines for %d entries, first wrong %s" % (
    len(indexes), len(urls), next((i for i, x in enumerate(indexes) if i != x), None))
for r in recs:
    assert r["url"] == urls[r["index"]], r
    assert r["error"] is None or r["error"]["code"] in ("http", "invalid-input"), r
    if dirname and r["ok"]:
        assert r["path"] and os.path.exists(r["path"]), r
        size = re.search(r"/bytes/(\d+)\?", urls[r["index"]])
        assert not size or os.path.getsize(r["path"]) == int(size.group(1)), r
log = [json.loads(l)["path"] for l in open(log_file, "rb")]
pattern = re.compile(r"k=%s-(\d+)" % re.escape(tag))
kills = 0
for line in open(snaps):
    snap = json.loads(line)
    kills += 1
    done = set(snap["done"])
    for path in log[snap["log"]:]:
        m = pattern.search(path)
        assert not (m and int(m.group(1)) in done), "index %s fetched again after its line" % m.group(1)
print("%d lines, %d interruptions checked" % (len(recs), kills))
PY
}

# interrupt_and_resume SIGNAL ROUNDS MAX_MS LIST FILE SNAPS [ARGS...]: ROUNDS times, start a
# resumed run and send SIGNAL after a random 0..MAX_MS ms; then one run to the end.
interrupt_and_resume() {
    local sig=$1 rounds=$2 max_ms=$3 list=$4 f=$5 snaps=$6 round ms
    shift 6
    for ((round = 1; round <= rounds; round++)); do
        ms=$((RANDOM % max_ms))
        afetch_bg /dev/null "$BATS_TEST_TMPDIR/err.$round" -j 16 --results "$f" --resume "$@" "$list"
        sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
        kill "-$sig" "$AFETCH_BG_PID" 2>/dev/null || true
        wait_exit "$AFETCH_BG_PID" 30
        echo "round $round: $sig after $ms ms, exit $WAIT_STATUS, $(wc -l <"$f" 2>/dev/null || echo 0) lines"
        # killed (137; 130 or 143 too when the signal came before afetch set its handlers up,
        # a moment that is long under valgrind), interrupted (130), or done before (0, 1)
        [[ "$WAIT_STATUS" =~ ^(137|143|130|0|1)$ ]] || { cat "$BATS_TEST_TMPDIR/err.$round"; false; }
        snapshot "$f" "$snaps"
    done
    run --separate-stderr afetch -j 16 --results "$f" --resume "$@" "$list"
    echo "last run: exit $status; $stderr"
    [ "$status" -eq 1 ] # the 404s, 410s and bad entries
}

# The slowest part of a round is afetch starting: under valgrind, seconds.
max_kill_ms() {
    [ -z "${AFETCH_WRAPPER:-}" ] && echo "$1" || echo $(($1 * 4))
}

@test "kill -9 at random moments, 12 times, then --resume: every index once, nothing fetched twice" {
    local list="$BATS_TEST_TMPDIR/kill.txt" f="$BATS_TEST_TMPDIR/kill.jsonl" tag
    local snaps="$BATS_TEST_TMPDIR/snaps" dir="$BATS_TEST_TMPDIR/saved"
    tag="$(uniq_tag)"
    list_for_kills "$tag" 2500 >"$list"
    interrupt_and_resume KILL 12 "$(max_kill_ms 900)" "$list" "$f" "$snaps" -o "$dir"
    check_resumed "$list" "$f" "$snaps" "$tag" "$dir"
    # the summary of the last run counts what was done before
    [[ "$stderr" == *" done before, in $f ("*" of them failed)" ]]
}

@test "SIGINT at random moments, 8 times, then --resume: every index once, no cancelled line" {
    local list="$BATS_TEST_TMPDIR/int.txt" f="$BATS_TEST_TMPDIR/int.jsonl" tag
    local snaps="$BATS_TEST_TMPDIR/snaps"
    tag="$(uniq_tag)"
    list_for_kills "$tag" 1500 >"$list"
    interrupt_and_resume INT 8 "$(max_kill_ms 700)" "$list" "$f" "$snaps"
    check_resumed "$list" "$f" "$snaps" "$tag"
}

@test "SIGTERM at random moments, 8 times, with --sync and --threads too: every index once" {
    local list="$BATS_TEST_TMPDIR/term.txt" f="$BATS_TEST_TMPDIR/term.jsonl" tag
    local snaps="$BATS_TEST_TMPDIR/snaps"
    tag="$(uniq_tag)"
    list_for_kills "$tag" 600 >"$list"
    interrupt_and_resume TERM 4 "$(max_kill_ms 700)" "$list" "$f" "$snaps" --threads 8
    interrupt_and_resume TERM 4 "$(max_kill_ms 700)" "$list" "$f" "$snaps" --sync
    check_resumed "$list" "$f" "$snaps" "$tag"
}

@test "the README's GNU parallel recipe with --results and --resume restarts cleanly after kill -9" {
    command -v parallel >/dev/null || skip "GNU parallel not installed"
    local list="$BATS_TEST_TMPDIR/p.txt" tag k
    tag="$(uniq_tag)"
    list_for_kills "$tag" 800 >"$list"
    cd "$BATS_TEST_TMPDIR"
    # the first try dies: four shards killed at once
    for k in 1 2 3 4; do
        afetch_bg /dev/null /dev/null --shard "$k/4" --results "shard$k.jsonl" --resume "$list"
    done
    sleep 0.$((RANDOM % 9 + 1))
    kill -KILL $(cat "$BATS_TEST_TMPDIR/bg.pids") 2>/dev/null || true
    kill_bg
    sleep 0.3
    cat shard?.jsonl >all-before.jsonl 2>/dev/null || : >all-before.jsonl
    snapshot all-before.jsonl snaps
    # the recipe, as in the README: the same command again until it is done
    parallel --will-cite -j 4 "$AFETCH" -q --shard {}/4 --results shard{}.jsonl --resume "$list" ::: 1 2 3 4 || true
    for k in 1 2 3 4; do
        valid_jsonl "shard$k.jsonl"
        jqt -s "all(.[]; .index % 4 == $k - 1)" <"shard$k.jsonl"
    done
    cat shard?.jsonl >all.jsonl
    check_resumed "$list" all.jsonl snaps "$tag"
}

# tmpfs_or_skip SIZE: mounts a tmpfs of SIZE at $TMPFS_DIR (teardown unmounts it), or skips.
tmpfs_or_skip() {
    TMPFS_DIR="$BATS_TEST_TMPDIR/small"
    mkdir -p "$TMPFS_DIR"
    mount -t tmpfs -o "size=$1" tmpfs "$TMPFS_DIR" 2>"$BATS_TEST_TMPDIR/mount.err" ||
        skip "cannot mount a tmpfs here ($(cat "$BATS_TEST_TMPDIR/mount.err")): needs root"
}

@test "a full disk under -o: write results, FILE stays valid, --resume after freeing space completes" {
    tmpfs_or_skip 512k
    local f="$TMPFS_DIR/r.jsonl" dir="$TMPFS_DIR/out" tag i
    tag="$(uniq_tag)"
    head -c 300000 /dev/zero >"$TMPFS_DIR/filler"
    for i in 1 2 3 4 5 6; do echo "$BASE/bytes/60000?$tag-$i"; done >"$BATS_TEST_TMPDIR/l.txt"
    run --separate-stderr afetch --json -j 1 --results "$f" -o "$dir" "$BATS_TEST_TMPDIR/l.txt"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt '[.results[] | select(.ok | not) | .error.code] | length >= 2 and all(. == "write")'
    valid_jsonl "$f"
    [ "$(wc -l <"$f")" -eq 6 ]
    [ -z "$(find "$dir" -name '.afetch-*')" ]
    rm "$TMPFS_DIR/filler"
    run --separate-stderr afetch --json --results "$f" --resume -o "$dir" "$BATS_TEST_TMPDIR/l.txt"
    dump
    [ "$status" -eq 0 ]
    valid_jsonl "$f"
    # every index has its ok line last, and its file
    jqt -s 'group_by(.index) | map(last.ok) == [true, true, true, true, true, true]' <"$f"
    [ "$(find "$dir" -type f | wc -l)" -eq 6 ]
}

@test "a full disk under FILE: the run stops with exit 2, FILE keeps whole lines, --resume goes on" {
    tmpfs_or_skip 128k
    local f="$TMPFS_DIR/r.jsonl" tag i
    tag="$(uniq_tag)"
    for i in $(seq 1 200); do echo "$BASE/bytes/1?$tag-$i"; done >"$BATS_TEST_TMPDIR/l.txt"
    # leave room for a few lines only
    head -c $((128 * 1024 - 4096)) /dev/zero >"$TMPFS_DIR/filler" 2>/dev/null || true
    run --separate-stderr afetch -q -j 4 --results "$f" "$BATS_TEST_TMPDIR/l.txt"
    dump
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"afetch: cannot write the results file $f: No space left on device; it keeps the whole lines written, and --resume goes on from there" ]]
    valid_jsonl "$f"
    local before
    before="$(wc -l <"$f")"
    [ "$before" -lt 200 ]
    rm "$TMPFS_DIR/filler"
    run --separate-stderr afetch -q --results "$f" --resume "$BATS_TEST_TMPDIR/l.txt"
    dump
    [ "$status" -eq 0 ]
    [[ "$stderr" == *"; $before done before, in $f" ]]
    valid_jsonl "$f"
    jqt -s 'map(.index) | sort == [range(0; 200)]' <"$f"
}

@test "FILE is flushed to disk (fdatasync) while results come, at least once a second, and at the end" {
    command -v strace >/dev/null || skip "strace not installed"
    [ -z "${AFETCH_WRAPPER:-}" ] || skip "strace of the wrapper is not the point"
    local f="$BATS_TEST_TMPDIR/sync.jsonl" trace="$BATS_TEST_TMPDIR/trace" i
    for i in $(seq 1 8); do echo "$BASE/delay/500?s=$i"; done >"$BATS_TEST_TMPDIR/l.txt"
    # (LeakSanitizer cannot run under a tracer: an ASan build leaves leaks to the other tests)
    ASAN_OPTIONS=detect_leaks=0 run strace -f -qq -e trace=fdatasync -o "$trace" \
        "$AFETCH" -q --sync --results "$f" "$BATS_TEST_TMPDIR/l.txt"
    cat "$trace"
    [ "$status" -eq 0 ]
    # 4 s of results, one every half second: flushed every second or so, then at the end
    [ "$(grep -c 'fdatasync(' "$trace")" -ge 3 ]
}
