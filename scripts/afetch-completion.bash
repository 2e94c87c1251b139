# bash completion for afetch. Installed as share/bash-completion/completions/afetch; or source it.
# Self-contained: needs only bash 4, not the bash-completion package.
# tests/integration/completion.bats checks the option lists below against `afetch --help`: its
# options, and the opposite of each on/off one (the last lines).

_afetch_long_opts='--sync --threads --compare --parallel --loops --rate --per-host --shard --fail-fast
--json --jsonl --as-completed --body --headers --write-out --quiet --results --resume
--resume-failed --timeline --progress
--no-progress --verbose --trace
--timeout --connect-timeout --method --head --header --user-agent --data --data-binary
--data-json --user --no-follow --max-redirs
--location-trusted --no-location-trusted --accept
--compressed --http2-prior-knowledge
--proto --deny-private --max-size --low-speed-limit --low-speed-time --retry --retry-delay
--insecure --cacert
--proxy --noproxy --resolve --connect-to --cookie --cookie-jar
--output-dir --names --skip-existing --overwrite --hash
--config --no-config --help --version
--no-sync --no-compare --no-fail-fast --no-json --no-jsonl --no-as-completed --no-body
--no-headers --no-quiet --no-verbose --no-trace --no-head --follow --no-compressed
--no-http2-prior-knowledge --no-deny-private --no-insecure --no-overwrite --no-hash
--no-skip-existing --no-resume --no-resume-failed'
_afetch_short_opts='-j -q -w -t -X -I -H -A -d -u -k -x -b -c -o -v -h -V'

# _afetch_list CUR ITEM...: complete the last item of the comma-separated list CUR with an ITEM
# not listed yet.
_afetch_list() {
    local cur=$1 head='' words='' item
    shift
    [[ $cur == *,* ]] && head=${cur%,*},
    for item in "$@"; do
        [[ ,$head == *,$item,* ]] || words+=" $item"
    done
    mapfile -t COMPREPLY < <(compgen -P "$head" -W "$words" -- "${cur##*,}")
}

# _afetch_values OPTION CUR: complete the argument CUR of OPTION into COMPREPLY. Returns 1 when
# OPTION takes no argument (CUR is then a word of its own).
_afetch_values() {
    local opt=$1 cur=$2
    case $opt in
    --config | --cacert | --timeline | --results | -b | --cookie | -c | --cookie-jar)
        compopt -o filenames 2>/dev/null || true
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
        ;;
    -o | --output-dir)
        compopt -o filenames 2>/dev/null || true
        mapfile -t COMPREPLY < <(compgen -d -- "$cur")
        ;;
    --proto)
        _afetch_list "$cur" http https
        ;;
    -X | --method)
        mapfile -t COMPREPLY < <(compgen -W 'GET HEAD POST PUT PATCH DELETE OPTIONS' -- "$cur")
        ;;
    --compare)
        _afetch_list "$cur" sync threads async
        ;;
    -d | --data | --data-binary | --data-json)
        # free text, or @FILE: a file name after the @
        [[ $cur == @* ]] && mapfile -t COMPREPLY < <(compgen -P @ -f -- "${cur#@}")
        ;;
    --names)
        mapfile -t COMPREPLY < <(compgen -W 'indexed url basename' -- "$cur")
        ;;
    -j | --parallel | --loops | --threads | --rate | --per-host | --shard | -t | --timeout | \
        --connect-timeout | -H | --header | -A | --user-agent | --max-redirs | --max-size | \
        --low-speed-limit | --low-speed-time | --retry | --retry-delay | -x | --proxy | \
        --noproxy | --resolve | --connect-to | --accept | -w | --write-out | -u | --user)
        COMPREPLY=() # a number or free text: nothing to offer
        ;;
    *)
        return 1
        ;;
    esac
    return 0
}

_afetch() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev='' prev2=''
    ((COMP_CWORD >= 1)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
    ((COMP_CWORD >= 2)) && prev2=${COMP_WORDS[COMP_CWORD - 2]}
    COMPREPLY=()

    # after a bare "--" every word is a list file
    local i
    for ((i = 1; i < COMP_CWORD; i++)); do
        if [[ ${COMP_WORDS[i]} == -- ]]; then
            compopt -o filenames 2>/dev/null || true
            mapfile -t COMPREPLY < <(compgen -f -- "$cur")
            return 0
        fi
    done

    # "--opt=value": with '=' in COMP_WORDBREAKS (the default) bash splits it into "--opt" "="
    # "value"; without, it is one word and the reply must keep the "--opt=" part.
    if [[ $cur == = && $prev == --* ]]; then
        _afetch_values "$prev" "" || true
        return 0
    fi
    if [[ $prev == = && $prev2 == --* ]]; then
        _afetch_values "$prev2" "$cur" || true
        return 0
    fi
    if [[ $cur == --*=* ]]; then
        local opt=${cur%%=*}
        _afetch_values "$opt" "${cur#*=}" || true
        for i in "${!COMPREPLY[@]}"; do
            COMPREPLY[i]=$opt=${COMPREPLY[i]}
        done
        return 0
    fi

    # the argument of the previous word (--compare takes its mode only as --compare=MODE)
    if [[ $prev != --compare ]] && _afetch_values "$prev" "$cur"; then
        return 0
    fi

    case $cur in
    --*)
        mapfile -t COMPREPLY < <(compgen -W "$_afetch_long_opts" -- "$cur")
        ;;
    -?*) ;; # a short option already typed (or with its argument attached)
    -)
        mapfile -t COMPREPLY < <(compgen -W "$_afetch_short_opts $_afetch_long_opts" -- "$cur")
        ;;
    *)
        # a list file (a URL or - are typed by hand)
        compopt -o filenames 2>/dev/null || true
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
        ;;
    esac
    return 0
}

complete -F _afetch afetch
