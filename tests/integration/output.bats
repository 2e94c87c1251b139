#!/usr/bin/env bats
# Output formats: table, summary line, --quiet, --json, --jsonl, --as-completed.

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
    start_server
}

teardown_file() {
    stop_server
}

@test "table: header line plus one row per URL in input order" {
    local port
    port="$(closed_port)"
    local urls=(
        "$BASE/delay/400?t0"
        "$BASE/bytes/1234"
        "$BASE/status/404"
        "http://127.0.0.1:$port/"
        "$BASE/delay/0?t4"
    )
    run --separate-stderr afetch "${urls[@]}"
    dump
    [ "$status" -eq 1 ]
    local -a lines
    mapfile -t lines <<<"$output"
    [ "${#lines[@]}" -eq 6 ]
    # header line is not a data row: no URL in it
    [[ "${lines[0]}" != *"://"* ]]
    local i first_idx
    first_idx="$(awk '{print $1}' <<<"${lines[1]}")"
    [[ "$first_idx" == 0 || "$first_idx" == 1 ]]
    for i in 0 1 2 3 4; do
        local row="${lines[$((i + 1))]}"
        echo "row $i: $row"
        # the URL after the seconds, first column the index; a failed row ends with its error
        [ "$(awk '{print $5}' <<<"$row")" = "${urls[$i]}" ]
        [ "$(awk '{print $1}' <<<"$row")" -eq $((first_idx + i)) ]
    done
    [[ "${lines[0]}" == *"URL  ERROR" ]]
    [ "$(awk '{print $NF}' <<<"${lines[2]}")" = "${urls[1]}" ]
    [[ "${lines[3]}" == *"${urls[2]}  HTTP status 404" ]]
    [[ "${lines[4]}" == *"${urls[3]}  Failed to connect"* ]]
    # status column: HTTP code, or error code for failed transfers
    [ "$(awk '{print $2}' <<<"${lines[1]}")" = "200" ]
    [ "$(awk '{print $2}' <<<"${lines[2]}")" = "200" ]
    [ "$(awk '{print $2}' <<<"${lines[3]}")" = "404" ]
    [ "$(awk '{print $2}' <<<"${lines[4]}")" = "connect" ]
    # bytes column
    [ "$(awk '{print $3}' <<<"${lines[2]}")" = "1234" ]
    # seconds column is a number
    [[ "$(awk '{print $4}' <<<"${lines[1]}")" =~ ^[0-9]+(\.[0-9]+)?s?$ ]]
}

@test "table: summary line goes to stderr and starts with the mode" {
    run --separate-stderr afetch "$BASE/?s1" "$BASE/?s2" "$BASE/status/500"
    dump
    [ "$status" -eq 1 ]
    grep -qE '^async: 3 URLs, 2 ok, 1 failed' <<<"$stderr"
    # the summary is not on stdout
    [ "$(grep -c 'URLs,' <<<"$output")" -eq 0 ]
    run --separate-stderr afetch --sync "$BASE/?s1" "$BASE/?s2"
    dump
    [ "$status" -eq 0 ]
    grep -qE '^sync: 2 URLs, 2 ok, 0 failed' <<<"$stderr"
}

@test "an empty list: exit 0, the summary says 0 URLs, --json is valid with no results" {
    local list="$BATS_TEST_TMPDIR/empty.txt"
    printf '# only a comment\n\n' >"$list"
    run --separate-stderr afetch "$list"
    dump
    [ "$status" -eq 0 ]
    [ -z "$output" ]
    grep -qE '^async: 0 URLs, 0 ok, 0 failed' <<<"$stderr"
    run --separate-stderr afetch --json <"$list"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt '.results == [] and .summary.urls == 0'
    grep -qE '^async: 0 URLs' <<<"$stderr"
}

@test "one URL is \"1 URL\" in the summary, more are URLs" {
    run --separate-stderr afetch "$BASE/?one"
    dump
    [ "$status" -eq 0 ]
    grep -qE '^async: 1 URL, 1 ok, 0 failed' <<<"$stderr"
    run --separate-stderr afetch --compare=sync,async "$BASE/?one"
    dump
    grep -qE '^sync: 1 URL, ' <<<"$stderr"
    grep -qE '^async: 1 URL, ' <<<"$stderr"
    [ "$(grep -c '1 URLs' <<<"$stderr")" -eq 0 ]
}

@test "-q prints no table rows on stdout but still the summary" {
    run --separate-stderr afetch -q "$BASE/?q1" "$BASE/?q2"
    dump
    [ "$status" -eq 0 ]
    [ "$(grep -c "$BASE" <<<"$output")" -eq 0 ]
    [ "$(grep -c . <<<"$output")" -le 1 ]
    grep -qE '^async: 2 URLs, 2 ok, 0 failed' <<<"$stderr"
    run --separate-stderr afetch --quiet "$BASE/status/404?q3"
    dump
    [ "$status" -eq 1 ]
    [ "$(grep -c "$BASE" <<<"$output")" -eq 0 ]
}

@test "--json: a single document with mode, results, summary" {
    run --separate-stderr afetch --json "$BASE/?j1" "$BASE/bytes/100"
    dump
    [ "$status" -eq 0 ]
    # exactly one JSON value on stdout
    [ "$(echo "$output" | jq -s 'length')" -eq 1 ]
    echo "$output" | jqt '.mode == "async" and (.results | type) == "array"'
    echo "$output" | jqt '.summary | keys == ["bytes","elapsed","failed","ok","parallel","urls"]'
    echo "$output" | jqt '.summary.urls == 2 and .summary.ok == 2 and .summary.failed == 0
        and .summary.bytes == 103 and (.summary.elapsed | type) == "number"
        and .summary.elapsed >= 0'
    echo "$output" | jqt 'has("compare") | not'
}

@test "--json parses and has every key also when URLs fail" {
    local port
    port="$(closed_port)"
    run --separate-stderr afetch --json -t "$(quick_timeout)" \
        "$BASE/status/500" "http://127.0.0.1:$port/" "http://nosuchhost.invalid/" \
        "$BASE/delay/30000" "$BASE/close" "file:///etc/passwd" "$BASE/"
    dump
    [ "$status" -eq 1 ]
    echo "$output" | jqt --argjson k "$RESULT_KEYS" 'all(.results[]; keys == $k)'
    echo "$output" | jqt --argjson k "$TIME_KEYS" 'all(.results[]; .time | type == "object" and keys == $k)'
    echo "$output" | jqt 'all(.results[0:6][]; .ok == false and (.error | type) == "object"
        and (.error.code | type) == "string" and (.error.message | type) == "string")'
    echo "$output" | jqt '.results[6].ok == true and .results[6].error == null'
    echo "$output" | jqt '.summary.urls == 7 and .summary.ok == 1 and .summary.failed == 6'
}

@test "result fields have the right types for a successful fetch" {
    run --separate-stderr afetch --json "$BASE/html"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt --argjson k "$RESULT_KEYS" '.results[0] | keys == $k'
    echo "$output" | jqt --arg b "$BASE" '.results[0]
        | (.index == 0) and (.url == "\($b)/html") and (.label == null)
          and (.ok == true) and (.status == 200) and (.http_version == "1.1")
          and (.effective_url == "\($b)/html") and (.redirects == 0)
          and ((.bytes | type) == "number" and .bytes > 0)
          and (.content_type == "text/html; charset=utf-8")
          and (.attempts == null or ((.attempts | type) == "number" and .attempts >= 1))
          and (.error == null)'
    echo "$output" | jqt '.results[0].time
        | ((.total | type) == "number") and .total >= 0
          and ((.start | type) == "number")
          and all(.dns, .connect, .ttfb; . == null or ((type == "number") and . >= 0))
          and (.tls == null or .tls == 0)'
}

@test "--jsonl: one result per line in input order with all 13 keys" {
    local list="$BATS_TEST_TMPDIR/l.txt"
    write_list "$list" \
        "$BASE/delay/500?l0" "$BASE/status/404?l1" "not a url" "$BASE/delay/0?l3"
    run --separate-stderr afetch --jsonl "$list"
    dump
    [ "$status" -eq 1 ]
    local -a lines
    mapfile -t lines <<<"$output"
    [ "${#lines[@]}" -eq 4 ]
    local i
    for i in 0 1 2 3; do
        echo "line $i: ${lines[$i]}"
        jqt --argjson k "$RESULT_KEYS" --argjson i "$i" \
            'keys == $k and .index == $i' <<<"${lines[$i]}"
    done
    jqt '.ok == false and .error.code == "http"' <<<"${lines[1]}"
    jqt '.ok == false and .error.code == "invalid-input"' <<<"${lines[2]}"
    jqt '.ok == true' <<<"${lines[3]}"
}

@test "--as-completed: every index once; fast result first" {
    run --separate-stderr afetch --jsonl --as-completed "$BASE/delay/800?ac0" "$BASE/delay/0?ac1"
    dump
    [ "$status" -eq 0 ]
    local -a lines
    mapfile -t lines <<<"$output"
    [ "${#lines[@]}" -eq 2 ]
    jqt '.index == 1' <<<"${lines[0]}"
    jqt '.index == 0' <<<"${lines[1]}"
    echo "$output" | jqt -s --argjson k "$RESULT_KEYS" 'all(.[]; keys == $k)'
}

@test "--as-completed with many URLs: each index exactly once" {
    local list="$BATS_TEST_TMPDIR/ac.txt"
    local i
    for i in $(seq 0 59); do
        echo "$BASE/delay/$(((59 - i) * 10))?ac=$i"
    done >"$list"
    echo "not a url" >>"$list"
    run --separate-stderr afetch --jsonl --as-completed -j 20 "$list"
    dump
    [ "$status" -eq 1 ]
    [ "$(grep -c . <<<"$output")" -eq 61 ]
    echo "$output" | jqt -s '[.[].index] | sort == [range(0; 61)]'
    echo "$output" | jqt -s --arg b "$BASE" \
        'all(.[]; .index == 60 or .url == "\($b)/delay/\((59 - .index) * 10)?ac=\(.index)")'
}

@test "--compare table mode prints a summary for both runs on stderr" {
    run --separate-stderr afetch --compare "$BASE/delay/100?c1" "$BASE/delay/100?c2"
    dump
    [ "$status" -eq 0 ]
    grep -q 'sync' <<<"$stderr"
    grep -q 'async' <<<"$stderr"
    # one table (the async run's): header + 2 rows
    [ "$(grep -c "$BASE" <<<"$output")" -eq 2 ]
}

@test "--compare --jsonl emits the async run's results" {
    run --separate-stderr afetch --compare --jsonl "$BASE/?cj0" "$BASE/status/404?cj1"
    dump
    [ "$status" -eq 1 ]
    local n
    n="$(grep -c . <<<"$output")"
    [ "$n" -eq 2 ]
    echo "$output" | jqt -s '[.[].index] == [0, 1] and [.[].ok] == [true, false]'
}

@test "label from JSON input shows up in --json and --jsonl" {
    local list="$BATS_TEST_TMPDIR/lab.txt"
    printf '{"url": "%s", "label": "home"}\n%s\n' "$BASE/?lab" "$BASE/html" >"$list"
    run --separate-stderr afetch --jsonl "$list"
    dump
    [ "$status" -eq 0 ]
    echo "$output" | jqt -s '[.[].label] == ["home", null]'
}

@test "--jsonl: lines are written a batch at a time, yet each reaches a reader while slower transfers still run (every runner)" {
    local mode out err i
    for mode in "--loops 1" "--loops 2" "--threads 2" "--sync"; do
        out="$BATS_TEST_TMPDIR/out.jsonl" err="$BATS_TEST_TMPDIR/err.txt"
        # --sync fetches in order: the fast ones first, then the one that takes 60 s
        # shellcheck disable=SC2086
        afetch_bg "$out" "$err" --jsonl -j 4 $mode "$BASE/?b=1" "$BASE/?b=2" "$BASE/?b=3" \
            "$BASE/delay/60000?b=slow"
        for i in $(seq 1 300); do
            [ "$(grep -c . "$out")" -ge 3 ] && break
            sleep 0.1
        done
        echo "$mode: $(cat "$out")"
        [ "$(grep -c . "$out")" -eq 3 ]  # whole lines, the slow one's still to come
        kill -0 "$AFETCH_BG_PID"          # and the run still waits for it
        jqt -s 'map(.index) == [0, 1, 2] and all(.[]; .ok)' <"$out"
        kill_bg
    done
}
