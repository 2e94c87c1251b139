# shellcheck shell=bash
# Helpers for scripts/bench: messages, command quoting, and the Markdown report.
# Sourced, not run.

bench_log() { printf 'bench: %s\n' "$*" >&2; }
bench_die() {
    printf 'bench: error: %s\n' "$*" >&2
    exit 1
}

# A command line as a shell would accept it, quoting only the words that need it.
bench_quote() {
    local out="" w
    for w in "$@"; do
        if [[ $w =~ ^[A-Za-z0-9_./:=,@%+-]+$ ]]; then
            out+="$w "
        else
            out+="'${w//\'/\'\\\'\'}' "
        fi
    done
    printf '%s' "${out% }"
}

# 1234567 -> 1,234,567
bench_thousands() {
    printf '%s' "$1" | sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/' -e 'ta'
}

# An awk function for the report's programs: the median of a space-separated list of numbers
# ("" for an empty list).
BENCH_AWK_MEDIAN='
function median(list,    a, n, i, j, t) {
    n = split(list, a, " ")
    if (n == 0) return ""
    for (i = 2; i <= n; i++) {
        t = a[i] + 0
        for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]
        a[j + 1] = t
    }
    if (n % 2) return a[(n + 1) / 2] + 0
    return (a[n / 2] + a[n / 2 + 1]) / 2
}
'

# One workload's section of docs/BENCHMARKS.md, from the result files. Arguments: the
# workload id, its title, the ideal wall time in seconds ("" when there is none), a sentence
# on how the ideal is reached, the run date, the number of runs, and the mode (full/quick).
# Reads $BENCH_RESULTS (wid tool label run wall cpu rss_kb ok expected rc note),
# $BENCH_CMDS (wid tool label command), $BENCH_SKIPS (wid label reason) and $BENCH_COMPARE
# (wid run sync async speedup ok).
bench_render_workload() {
    local wid=$1 title=$2 ideal=$3 ideal_text=$4 date=$5 runs=$6 mode=$7
    printf '<!-- bench:%s -->\n' "$wid"
    printf '## %s: %s\n\n' "$wid" "$title"
    printf '%s run, %s, %s run(s) per tool; the median is shown. %s\n\n' \
        "$mode" "$date" "$runs" "$ideal_text"
    awk -F'\t' -v wid="$wid" -v ideal="$ideal" "$BENCH_AWK_MEDIAN"'
    function minmax(list,    a, n, i, lo, hi) {
        n = split(list, a, " ")
        lo = hi = a[1] + 0
        for (i = 2; i <= n; i++) {
            if (a[i] + 0 < lo) lo = a[i] + 0
            if (a[i] + 0 > hi) hi = a[i] + 0
        }
        return n > 1 ? sprintf("%.2f–%.2f", lo, hi) : "—"
    }
    $1 == wid {
        t = $2
        if (!(t in seen)) { seen[t] = 1; order[++ntools] = t; label[t] = $3 }
        wall[t] = wall[t] " " $5
        cpu[t] = cpu[t] " " $6
        rss[t] = rss[t] " " $7
        nruns[t]++
        okv = ($8 == "" ? -1 : $8 + 0)
        if (!(t in okmin) || okv < okmin[t]) okmin[t] = okv
        expected[t] = $9
        if (okv != $9 + 0) short[t]++
        if ($10 != 0) badrc[t]++
        if ($11 != "" && index(notes[t], $11) == 0)
            notes[t] = notes[t] (notes[t] == "" ? "" : "; ") $11
    }
    END {
        if (ntools == 0) { print "No tool was run on this workload.\n"; exit }
        best = ""
        for (i = 1; i <= ntools; i++) {
            t = order[i]
            med[t] = median(wall[t])
            if (t ~ /^afetch/ || short[t] > 0) continue
            if (best == "" || med[t] < best) { best = med[t]; bestlabel = label[t] }
        }
        print "| tool | wall s | wall range | CPU s | peak RSS MB | ok | × best peer | × ideal | notes |"
        print "|---|--:|--:|--:|--:|--:|--:|--:|---|"
        for (i = 1; i <= ntools; i++) {
            t = order[i]
            m = med[t]
            ok = (okmin[t] < 0 ? "?" : okmin[t]) "/" expected[t]
            if (short[t] > 0) ok = "**" ok " ✗**" (nruns[t] > 1 ? sprintf(" (%d of %d runs short)", short[t], nruns[t]) : "")
            vb = (best == "" || best == 0) ? "—" : sprintf("%.2f", m / best)
            vi = (ideal == "" ? "—" : sprintf("%.2f", m / ideal))
            n = notes[t]
            if (badrc[t] > 0) n = n (n == "" ? "" : "; ") sprintf("non-zero exit in %d of %d runs", badrc[t], nruns[t])
            printf "| %s | %.2f | %s | %.2f | %.1f | %s | %s | %s | %s |\n", label[t], m, minmax(wall[t]), median(cpu[t]), median(rss[t]) / 1024, ok, vb, vi, n
        }
        print ""
        if (best != "") printf "Best peer: %s, %.2f s. ", bestlabel, best
        if (ideal != "") printf "Ideal: %.2f s.", ideal
        print "\n"
    }' "$BENCH_RESULTS"

    if [ -s "$BENCH_COMPARE" ] && grep -q "^$wid	" "$BENCH_COMPARE"; then
        awk -F'\t' -v wid="$wid" "$BENCH_AWK_MEDIAN"'
        $1 == wid { s = s " " $3; a = a " " $4; x = x " " $5; n++; if ($6 != "ok") bad++ }
        END {
            printf "`afetch --compare` (the same list one URL at a time, then concurrently; median of %d): ", n
            printf "sync %.2f s, async %.2f s, **speedup %.2f×**", median(s), median(a), median(x)
            if (bad) printf " (**%d run(s) had failures**)", bad
            print ".\n"
        }' "$BENCH_COMPARE"
    fi

    if grep -q "^$wid	" "$BENCH_SKIPS"; then
        printf 'Not run here:\n\n'
        awk -F'\t' -v wid="$wid" '
            $1 == wid {
                if (!($3 in who)) order[++n] = $3
                who[$3] = who[$3] (who[$3] == "" ? "" : ", ") $2
            }
            END { for (i = 1; i <= n; i++) printf "- %s: %s\n", who[order[i]], order[i] }' "$BENCH_SKIPS"
        printf '\n'
    fi

    # shellcheck disable=SC2016 # literal backquotes and $TMP, for Markdown
    printf 'Commands (`$TMP` is the run'"'"'s temp dir, `PORT` the nginx port; `urls.txt` has one URL a line, `curl.cfg` a `url = "URL"` and an `output = "/dev/null"` line per URL, `xargs.txt` a `-o /dev/null URL` line per URL, `aria2.txt` each URL with an `out=INDEX` option line):\n\n```sh\n'
    awk -F'\t' -v wid="$wid" '$1 == wid { print $4 }' "$BENCH_CMDS"
    printf '```\n<!-- /bench:%s -->\n\n' "$wid"
}

# Copies the block <!-- bench:ID --> ... <!-- /bench:ID --> of file $2, if there is one.
bench_old_block() {
    [ -f "$2" ] || return 0
    awk -v id="$1" '
        $0 == "<!-- bench:" id " -->" { on = 1 }
        on { print }
        $0 == "<!-- /bench:" id " -->" { on = 0; print "" }' "$2"
}
