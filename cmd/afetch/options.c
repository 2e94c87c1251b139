/* options.c — the command line and the config file: one table of options, an exact scan of argv
 * over it, one function that applies an option, and usage(). A config file key is an option's
 * long name. */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include "body.h"
#include "cli.h"
#include "display.h"

#include <ctype.h>
#include <dirent.h>
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

const char *const runner_names[3] = {"async", "sync", "threads"};

/* Where a config file setting came from, for its errors: "FILE:LINE: ", else "". */
static char error_where[400];
/* error_where when --output-dir was taken: the directory is checked once all options are in. */
static char output_dir_where[sizeof error_where];

enum long_only {
    OPT_SYNC = 256,
    OPT_PROTO,
    OPT_LOW_SPEED_LIMIT,
    OPT_LOW_SPEED_TIME,
    OPT_DENY_PRIVATE,
    OPT_MAX_SIZE,
    OPT_COMPRESSED,
    OPT_RETRY,
    OPT_RETRY_DELAY,
    OPT_CACERT,
    OPT_OVERWRITE,
    OPT_HASH,
    OPT_RATE,
    OPT_HTTP2_PRIOR_KNOWLEDGE,
    OPT_SHARD,
    OPT_PER_HOST,
    OPT_THREADS,
    OPT_TRACE,
    OPT_PROGRESS,
    OPT_CONFIG,
    OPT_NO_CONFIG,
    OPT_TIMELINE,
    OPT_COMPARE,
    OPT_JSON,
    OPT_JSONL,
    OPT_AS_COMPLETED,
    OPT_FAIL_FAST,
    OPT_CONNECT_TIMEOUT,
    OPT_FOLLOW,
    OPT_MAX_REDIRS,
    OPT_LOCATION_TRUSTED,
    OPT_NOPROXY,
    OPT_RESOLVE,
    OPT_CONNECT_TO,
    OPT_ACCEPT,
    OPT_BODY,
    OPT_HEADERS,
    OPT_DATA_BINARY,
    OPT_DATA_JSON,
    OPT_NAMES,
    OPT_SKIP_EXISTING,
    OPT_RESULTS,
    OPT_RESUME,
    OPT_RESUME_FAILED,
    OPT_LOOPS,
};

/* An option's val with this bit set is its opposite: --no-json is OPT_JSON | OPT_OFF, --no-follow
 * OPT_FOLLOW | OPT_OFF. Every on/off option has one, to undo what a config file turned on. */
enum { OPT_OFF = 1 << 10 };

/* Where each option's setting came from (by val without OPT_OFF), for settings that contradict
 * each other: the command line's wins over the config file's. */
enum origin { FROM_DEFAULT, FROM_FILE, FROM_COMMAND_LINE };
static unsigned char origins[OPT_OFF];
/* The config file applied, if any, for messages about two of its settings. */
static char config_file[400];

static const struct option long_options[] = {
    {"parallel", required_argument, NULL, 'j'},
    {"loops", required_argument, NULL, OPT_LOOPS},
    {"sync", no_argument, NULL, OPT_SYNC},
    {"no-sync", no_argument, NULL, OPT_SYNC | OPT_OFF},
    {"compare", optional_argument, NULL, OPT_COMPARE},
    {"no-compare", no_argument, NULL, OPT_COMPARE | OPT_OFF},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"verbose", no_argument, NULL, 'v'},
    {"no-verbose", no_argument, NULL, 'v' | OPT_OFF},
    {"trace", no_argument, NULL, OPT_TRACE},
    {"no-trace", no_argument, NULL, OPT_TRACE | OPT_OFF},
    {"progress", no_argument, NULL, OPT_PROGRESS},
    {"no-progress", no_argument, NULL, OPT_PROGRESS | OPT_OFF},
    {"config", required_argument, NULL, OPT_CONFIG},
    {"timeline", required_argument, NULL, OPT_TIMELINE},
    {"no-config", no_argument, NULL, OPT_NO_CONFIG},
    {"json", no_argument, NULL, OPT_JSON},
    {"no-json", no_argument, NULL, OPT_JSON | OPT_OFF},
    {"jsonl", no_argument, NULL, OPT_JSONL},
    {"no-jsonl", no_argument, NULL, OPT_JSONL | OPT_OFF},
    {"as-completed", no_argument, NULL, OPT_AS_COMPLETED},
    {"no-as-completed", no_argument, NULL, OPT_AS_COMPLETED | OPT_OFF},
    {"body", optional_argument, NULL, OPT_BODY},
    {"no-body", no_argument, NULL, OPT_BODY | OPT_OFF},
    {"headers", no_argument, NULL, OPT_HEADERS},
    {"no-headers", no_argument, NULL, OPT_HEADERS | OPT_OFF},
    {"write-out", required_argument, NULL, 'w'},
    {"results", required_argument, NULL, OPT_RESULTS},
    {"resume", no_argument, NULL, OPT_RESUME},
    {"no-resume", no_argument, NULL, OPT_RESUME | OPT_OFF},
    {"resume-failed", no_argument, NULL, OPT_RESUME_FAILED},
    {"no-resume-failed", no_argument, NULL, OPT_RESUME_FAILED | OPT_OFF},
    {"fail-fast", no_argument, NULL, OPT_FAIL_FAST},
    {"no-fail-fast", no_argument, NULL, OPT_FAIL_FAST | OPT_OFF},
    {"timeout", required_argument, NULL, 't'},
    {"connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT},
    {"method", required_argument, NULL, 'X'},
    {"head", no_argument, NULL, 'I'},
    {"no-head", no_argument, NULL, 'I' | OPT_OFF},
    {"header", required_argument, NULL, 'H'},
    {"user-agent", required_argument, NULL, 'A'},
    {"data", required_argument, NULL, 'd'},
    {"data-binary", required_argument, NULL, OPT_DATA_BINARY},
    {"data-json", required_argument, NULL, OPT_DATA_JSON},
    {"user", required_argument, NULL, 'u'},
    {"follow", no_argument, NULL, OPT_FOLLOW},
    {"no-follow", no_argument, NULL, OPT_FOLLOW | OPT_OFF},
    {"max-redirs", required_argument, NULL, OPT_MAX_REDIRS},
    {"location-trusted", no_argument, NULL, OPT_LOCATION_TRUSTED},
    {"no-location-trusted", no_argument, NULL, OPT_LOCATION_TRUSTED | OPT_OFF},
    {"accept", required_argument, NULL, OPT_ACCEPT},
    {"quiet", no_argument, NULL, 'q'},
    {"no-quiet", no_argument, NULL, 'q' | OPT_OFF},
    {"proto", required_argument, NULL, OPT_PROTO},
    {"low-speed-limit", required_argument, NULL, OPT_LOW_SPEED_LIMIT},
    {"low-speed-time", required_argument, NULL, OPT_LOW_SPEED_TIME},
    {"deny-private", no_argument, NULL, OPT_DENY_PRIVATE},
    {"no-deny-private", no_argument, NULL, OPT_DENY_PRIVATE | OPT_OFF},
    {"max-size", required_argument, NULL, OPT_MAX_SIZE},
    {"compressed", no_argument, NULL, OPT_COMPRESSED},
    {"no-compressed", no_argument, NULL, OPT_COMPRESSED | OPT_OFF},
    {"retry", required_argument, NULL, OPT_RETRY},
    {"retry-delay", required_argument, NULL, OPT_RETRY_DELAY},
    {"insecure", no_argument, NULL, 'k'},
    {"no-insecure", no_argument, NULL, 'k' | OPT_OFF},
    {"cacert", required_argument, NULL, OPT_CACERT},
    {"proxy", required_argument, NULL, 'x'},
    {"noproxy", required_argument, NULL, OPT_NOPROXY},
    {"resolve", required_argument, NULL, OPT_RESOLVE},
    {"connect-to", required_argument, NULL, OPT_CONNECT_TO},
    {"cookie", required_argument, NULL, 'b'},
    {"cookie-jar", required_argument, NULL, 'c'},
    {"output-dir", required_argument, NULL, 'o'},
    {"names", required_argument, NULL, OPT_NAMES},
    {"skip-existing", no_argument, NULL, OPT_SKIP_EXISTING},
    {"no-skip-existing", no_argument, NULL, OPT_SKIP_EXISTING | OPT_OFF},
    {"overwrite", no_argument, NULL, OPT_OVERWRITE},
    {"no-overwrite", no_argument, NULL, OPT_OVERWRITE | OPT_OFF},
    {"hash", no_argument, NULL, OPT_HASH},
    {"no-hash", no_argument, NULL, OPT_HASH | OPT_OFF},
    {"rate", required_argument, NULL, OPT_RATE},
    {"http2-prior-knowledge", no_argument, NULL, OPT_HTTP2_PRIOR_KNOWLEDGE},
    {"no-http2-prior-knowledge", no_argument, NULL, OPT_HTTP2_PRIOR_KNOWLEDGE | OPT_OFF},
    {"shard", required_argument, NULL, OPT_SHARD},
    {"per-host", required_argument, NULL, OPT_PER_HOST},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

static void usage(FILE *out)
{
    fputs("Usage: afetch [OPTIONS] [LIST|URL|-]...\n"
          "Fetch every URL of the lists concurrently and report each result in input order.\n"
          "An argument with :// is a URL, - is standard input, anything else a list file;\n"
          "with no arguments the list is read from standard input, unless it is a terminal\n"
          "(- reads one). A list has one URL a line (# comments, blank lines skipped) or a\n"
          "JSON object a line:\n"
          "  {\"url\": ..., \"label\": ..., \"method\": ..., \"headers\": {\"Name\": \"value\"},\n"
          "   \"body\": \"text\" or \"json\": VALUE, \"user\": \"name:password\"}\n"
          "(an entry's method, headers, body and user win over the options)\n"
          "(and \"output\": the file under -o DIR its body goes to)\n"
          "\n"
          "Modes:\n"
          "      --sync               one URL after another (the sequential baseline)\n"
          "      --threads N          N threads doing blocking transfers (the executor way)\n"
          "      --compare[=LIST]     run each mode of LIST (default sync,threads,async) on the\n"
          "                           same list; print their times and speedups, and the last\n"
          "                           mode's results\n"
          "  -j, --parallel N         transfers in flight at most (default 50)\n"
          "      --loops N            event loops, one thread each, sharing -j (default: the\n"
          "                           CPUs afetch may run on, or $AFETCH_LOOPS; at most -j)\n"
          "      --rate N             start at most N transfers a second (also with -j)\n"
          "      --per-host N         transfers in flight to one host at most\n"
          "      --shard K/N          fetch only entries whose index mod N is K-1 (indexes stay\n"
          "                           those of the whole list)\n"
          "      --fail-fast          the first failure cancels the rest (they report\n"
          "                           \"cancelled\"); default: errors are results\n"
          "Output:\n"
          "      --json               one JSON document: mode, results, summary\n"
          "      --jsonl              one JSON result a line\n"
          "      --as-completed       report results as they finish, not in input order\n"
          "      --body[=MAX]         add each final response's body to the JSON results: parsed\n"
          "                           JSON, else text, else base64; up to MAX (default 1M) kept\n"
          "                           per transfer in flight (k, M, G suffixes)\n"
          "      --headers            add each final response's header fields to the JSON results\n"
          "  -w, --write-out TMPL     a line per result instead of the table, e.g.\n"
          "                           '%{status} %{url} %{time.total}\\n' (names: the JSON keys)\n"
          "  -q, --quiet              no table, only the summary line\n"
          "      --results FILE       also append each result to FILE as a JSON line, as it\n"
          "                           comes, flushed to disk every second (not \"cancelled\")\n"
          "      --resume             with --results: read FILE first, fetch only the entries\n"
          "                           it has no final result for (ok, or failed for good: 4xx\n"
          "                           but 408/429, invalid-input...); with -o, --skip-existing\n"
          "      --resume-failed      --resume, also fetching those failed for good again\n"
          "      --timeline FILE.svg  draw each URL's fetch as a bar on a time axis (with\n"
          "                           --compare, one panel per mode)\n"
          "      --progress           a progress line on standard error (default: when it is a\n"
          "                           terminal); --no-progress: never\n"
          "  -v, --verbose            log each transfer's start and end on standard error\n"
          "      --trace              also log the loop's socket and timer events, and warn\n"
          "                           about callbacks slower than 100 ms\n"
          "Requests:\n"
          "  -t, --timeout SEC        limit for a whole transfer (default 30; 0: none)\n"
          "      --connect-timeout SEC  limit for connecting (default 10)\n"
          "  -X, --method M           request method (default GET)\n"
          "  -I, --head               send HEAD requests\n"
          "  -H, --header 'K: V'      add a request header (repeatable)\n"
          "  -A, --user-agent S       User-Agent (default afetch/" AFETCH_VERSION ")\n"
          "  -d, --data TEXT|@FILE    request body, sent as POST unless -X says otherwise, as\n"
          "                           application/x-www-form-urlencoded unless -H sets a\n"
          "                           Content-Type; @FILE is read once, without its CR and LF\n"
          "                           (as curl); @- is standard input; repeated: joined by &\n"
          "      --data-binary TEXT|@FILE  the same, the file sent byte for byte\n"
          "      --data-json TEXT|@FILE  a JSON body (checked, sent compact) with Content-Type\n"
          "                           and Accept application/json unless -H sets them\n"
          "  -u, --user USER:PASSWORD HTTP basic authentication (a credential: see\n"
          "                           --location-trusted); no prompt, USER: is an empty\n"
          "                           password\n"
          "      --no-follow          do not follow redirects (a 3xx is then ok)\n"
          "      --max-redirs N       redirects followed at most (default 10)\n"
          "      --location-trusted   let credentials follow redirects to other origins: -u, URL\n"
          "                           user info and -H headers such as Authorization, Cookie,\n"
          "                           X-Api-Key (default: only to the first URL's scheme, host\n"
          "                           and port); --no-location-trusted: the default. A redirect\n"
          "                           from https to http drops every -H header and -u either\n"
          "                           way. A body goes along on 307 and 308, not once a 303\n"
          "                           (or a 301, 302 after POST) made the request a GET\n"
          "      --accept LIST        final statuses that are ok, e.g. 200-299,301,404 (default:\n"
          "                           any below 400)\n"
          "      --compressed         ask for compressed bodies (sizes count decoded bytes)\n"
          "      --http2-prior-knowledge  speak HTTP/2 at once, also to http:// URLs\n"
          "Connections and cookies:\n"
          "  -x, --proxy URL          send every transfer through this proxy: [scheme://]\n"
          "                           [user:password@]host[:port], scheme http, https, socks4,\n"
          "                           socks4a, socks5 or socks5h (the password is never shown)\n"
          "      --noproxy LIST       hosts to reach directly, comma-separated; * for all\n"
          "      --resolve HOST:PORT:ADDR  connect to ADDR for HOST:PORT (repeatable)\n"
          "      --connect-to H1:P1:H2:P2  connect to H2:P2 for H1:P1; an empty part matches\n"
          "                           any (repeatable)\n"
          "  -b, --cookie NAME=VALUE  send this cookie to each URL (not after a redirect to\n"
          "                           another host, port or scheme); repeatable\n"
          "  -b, --cookie FILE        read cookies from FILE (Netscape format or Set-Cookie:\n"
          "                           lines) and keep those the responses set for later\n"
          "                           requests of the run\n"
          "  -c, --cookie-jar FILE    write every cookie to FILE at the end, all or nothing\n"
          "Limits and policy:\n"
          "      --proto LIST         schemes allowed, also for redirects (default http,https)\n"
          "      --deny-private       refuse loopback, private and link-local addresses\n"
          "      --max-size SIZE      largest body (decoded), e.g. 10M; k, M, G suffixes\n"
          "      --low-speed-limit B  a transfer slower than B bytes/s ...\n"
          "      --low-speed-time SEC ... for SEC seconds times out (default 10 and 20)\n"
          "      --retry N            try again N times after a transient failure (idempotent\n"
          "                           methods: GET, HEAD, OPTIONS, TRACE, PUT, DELETE)\n"
          "      --retry-delay SEC    backoff base, doubling each try (default 1, max 60)\n"
          "  -k, --insecure           do not verify TLS certificates\n"
          "      --cacert FILE        verify TLS certificates against FILE\n"
          "Saving:\n"
          "  -o, --output-dir DIR     save each successful body in DIR (created if missing),\n"
          "                           all or nothing; with --compare, in DIR/MODE\n"
          "      --names SCHEME       the files' names: indexed (000042-host-path, the\n"
          "                           default), url (host/path/file, as wget -x) or basename\n"
          "      --skip-existing      an entry whose file exists is not fetched: ok, skipped\n"
          "      --overwrite          let a saved body replace an existing file\n"
          "      --hash               add the SHA-256 of each body to its result\n"
          "Other:\n"
          "      --config FILE        read settings from FILE (default: $AFETCH_CONFIG, else\n"
          "                           $XDG_CONFIG_HOME/afetch/fetch.conf or\n"
          "                           ~/.config/afetch/fetch.conf); options given here win\n"
          "      --no-config          read no config file\n"
          "  -h, --help               this help\n"
          "  -V, --version            versions of afetch, libcurl, libev and cJSON\n"
          "\n"
          "Each on/off option has an opposite, to undo what a config file turned on: its long\n"
          "name with no- in front, or without it (as --progress and --no-progress).\n"
          "\n"
          "Exit status: 0 all URLs ok, 1 some URL not ok, 2 usage, input or config error,\n"
          "130 interrupted, 141 standard output closed by its reader.\n",
          out);
}

int usage_error(const char *what, const char *detail)
{
    print_error("%s%s%s%s", error_where, what, detail ? ": " : "", detail ? detail : "");
    return EXIT_USAGE;
}

/* A number as a person writes one: a decimal digit first (or a point and one), no sign, no
 * leading blank, no hexadecimal; strtol and strtod would take " 5", "+3" and "0x10". */
static bool plain_number(const char *text)
{
    const char *first = text[0] == '.' ? text + 1 : text;
    return isdigit((unsigned char)*first) && !strpbrk(text, "xX");
}

static bool parse_whole(const char *text, long min, long max, long *out)
{
    if (!plain_number(text))
        return false;
    char *end;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno || end == text || *end || value < min || value > max)
        return false;
    *out = value;
    return true;
}

static bool parse_seconds(const char *text, double *out)
{
    if (!plain_number(text))
        return false;
    char *end;
    errno = 0;
    double value = strtod(text, &end);
    if (errno || end == text || *end || !(value >= 0 && value <= 31536000))
        return false;
    *out = value;
    return true;
}

/* Bytes with an optional k, M or G (1024-based) suffix, a fraction rounded up to a whole byte:
 * 0 means no limit, which only an explicit 0 may mean (0.4 is 1 byte). */
static bool parse_size(const char *text, int64_t *out)
{
    if (!plain_number(text))
        return false;
    char *end;
    errno = 0;
    double value = strtod(text, &end);
    double unit = 1;
    if (*end && !end[1]) {
        const char *units = "kMG";
        const char *hit = strchr(units, *end);
        if (hit)
            unit = (double)(1LL << (10 * (hit - units + 1)));
        end += hit ? 1 : 0;
    }
    double bytes = value * unit;
    if (errno || end == text || *end || !(bytes >= 0 && bytes <= 9.0e18))
        return false;
    *out = (int64_t)ceil(bytes);
    return true;
}

static bool valid_header(const char *h)
{
    const char *colon = strchr(h, ':');
    return colon && colon != h && !strpbrk(h, "\r\n");
}

/* --compare=LIST: modes from sync, threads, async, each at most once, run in the order given. */
static int parse_compare_list(struct cli *c, const char *list)
{
    c->compared_count = 0;
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ",");
        size_t found = 3;
        for (size_t i = 0; i < 3; i++)
            if (strlen(runner_names[i]) == n && strncmp(runner_names[i], p, n) == 0)
                found = i;
        for (size_t i = 0; found < 3 && i < c->compared_count; i++)
            if (c->compared[i] == (enum runner)found)
                found = 3;
        if (found == 3 || c->compared_count == 3)
            return usage_error("--compare", "expects modes from sync,threads,async, each once");
        c->compared[c->compared_count++] = (enum runner)found;
        p += n + (p[n] == ',');
    }
    if (c->compared_count < 2)
        return usage_error("--compare", "needs two modes or more");
    return -1;
}

/* One status of an --accept list at *p: three digits from 100 to 599. */
static bool take_status(const char **p, long *status)
{
    const char *s = *p;
    if (s[0] < '1' || s[0] > '5' || !isdigit((unsigned char)s[1]) ||
        !isdigit((unsigned char)s[2]) || isdigit((unsigned char)s[3]))
        return false;
    *status = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
    *p = s + 3;
    return true;
}

/* --accept LIST: statuses and rising ranges, "200-299,301,404", merged into c->accept. */
static int parse_accept_list(struct cli *c, const char *list)
{
    bool ok[600] = {false};
    for (const char *p = list;;) {
        const char *item = p;
        long first, last;
        bool good = take_status(&p, &first);
        last = first;
        if (good && *p == '-') {
            p++;
            good = take_status(&p, &last) && last >= first;
        }
        if (!good || (*p && *p != ',')) {
            char detail[200];
            size_t len = strcspn(item, ",");
            if (len == 0)
                snprintf(detail, sizeof detail, "'%.60s' has an empty item", list);
            else
                snprintf(detail, sizeof detail,
                         "'%.*s' is not a status from 100 to 599 or a range such as 200-299",
                         (int)(len < 40 ? len : 40), item);
            return usage_error("--accept", detail);
        }
        for (long s = first; s <= last; s++)
            ok[s] = true;
        if (!*p++)
            break;
    }
    size_t n = 0;
    for (long s = 100; s < 600; s++)
        if (ok[s] && !ok[s - 1])
            c->accept[n++] = (afetch_status_range){s, s};
        else if (ok[s])
            c->accept[n - 1].last = s;
    c->opts.accept = c->accept;
    c->opts.accept_count = n;
    return -1;
}

/* --write-out: compiled once every option is in (one in the file may be replaced). */
static int compile_write_out(struct cli *c)
{
    char err[512];
    if (c->format != AFETCH_FORMAT_TABLE || c->quiet)
        return usage_error("--write-out", "replaces the table: it goes with neither --json, "
                                          "--jsonl nor --quiet");
    c->template = afetch_template_new(c->write_out, err, sizeof err);
    if (!c->template)
        return usage_error("--write-out", err);
    c->format = AFETCH_FORMAT_TEMPLATE;
    return -1;
}

/* Makes room for one more owned config value; false when out of memory. */
static bool grow_owned(struct cli *c)
{
    size_t cap = c->owned_cap ? 2 * c->owned_cap : 16;
    char **grown = realloc(c->owned, cap * sizeof *grown);
    if (!grown)
        return false;
    c->owned = grown;
    c->owned_cap = cap;
    return true;
}

/* Appends s to list; -1 to go on, or the usage exit code when out of memory. */
static int push(struct str_list *list, const char *s, const char *name)
{
    if (list->count == list->cap) {
        size_t cap = list->cap ? 2 * list->cap : 4;
        const char **grown = realloc(list->items, cap * sizeof *grown);
        if (!grown)
            return usage_error(name, "out of memory");
        list->items = grown;
        list->cap = cap;
    }
    list->items[list->count++] = s;
    return -1;
}

/* [scheme://][user:password@]host[:port] with a scheme libcurl takes for a proxy. libcurl
 * would quote a proxy it cannot parse, password and all, in its error message. */
static bool valid_proxy(const char *text)
{
    static const char *const schemes[] = {"http",    "https",  "socks4",
                                          "socks4a", "socks5", "socks5h"};
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL;
    bool ok = u && !strpbrk(text, " \t\r\n") &&
              curl_url_set(u, CURLUPART_URL, text,
                           CURLU_DEFAULT_SCHEME | CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
              curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
              curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && *host;
    bool known = false;
    for (size_t i = 0; ok && i < sizeof schemes / sizeof schemes[0]; i++)
        known = known || strcasecmp(scheme, schemes[i]) == 0;
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    return known;
}

/* A port as curl reads one: decimal, at most 65535; empty only where allowed. */
static bool valid_port(const char *p, size_t n, bool may_be_empty)
{
    if (n == 0)
        return may_be_empty;
    long port = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9' || (port = port * 10 + (p[i] - '0')) > 65535)
            return false;
    }
    return true;
}

/* An address of --resolve: an IPv4 or IPv6 literal, the latter maybe in brackets. */
static bool valid_address(const char *p, size_t n)
{
    char text[64];
    unsigned char binary[16];
    if (n >= 2 && p[0] == '[' && p[n - 1] == ']')
        p++, n -= 2;
    if (n == 0 || n >= sizeof text)
        return false;
    memcpy(text, p, n);
    text[n] = '\0';
    return inet_pton(AF_INET, text, binary) == 1 || inet_pton(AF_INET6, text, binary) == 1;
}

/* --resolve as libcurl 7.88 parses it: [+]HOST:PORT:ADDR[,ADDR...] or -HOST:PORT (which drops
 * an entry). libcurl fails every transfer over an entry it cannot parse. */
static bool valid_resolve(const char *entry)
{
    bool removal = *entry == '-';
    entry += *entry == '+' || removal;
    size_t host = strcspn(entry, ":");
    if (host == 0 || host >= 256 || !entry[host])
        return false;
    const char *port = entry + host + 1;
    size_t port_len = strcspn(port, ":");
    if (!valid_port(port, port_len, false))
        return false;
    if (removal)
        return !port[port_len];
    if (!port[port_len] || !port[port_len + 1])
        return false;
    for (const char *a = port + port_len + 1;; a++) {
        size_t n = strcspn(a, ",");
        if (!valid_address(a, n))
            return false;
        a += n;
        if (!*a)
            return true;
    }
}

/* One host part of --connect-to: empty, a name without ':', or an IPv6 literal in brackets.
 * Returns its length, or -1 when it is none of those. */
static long connect_to_host(const char *p)
{
    if (*p != '[')
        return (long)strcspn(p, ":");
    const char *close = strchr(p, ']');
    return close ? (long)(close - p) + 1 : -1;
}

/* --connect-to: HOST1:PORT1:HOST2:PORT2, as curl; every part may be empty. */
static bool valid_connect_to(const char *entry)
{
    const char *p = entry;
    for (int part = 0; part < 4; part++) {
        long n = part % 2 == 0 ? connect_to_host(p) : (long)strcspn(p, ":");
        if (n < 0 || (part % 2 == 1 && !valid_port(p, (size_t)n, true)))
            return false;
        p += n;
        if (part < 3 && *p++ != ':')
            return false;
    }
    return *p == '\0';
}

/* -b: a value with '=' in it is cookies to send as they are; anything else is a file to read
 * cookies from, which turns the cookie engine on ("" turns it on and reads nothing, as in
 * curl). */
static int take_cookie(struct cli *c, const char *arg)
{
    if (strchr(arg, '=')) {
        if (strpbrk(arg, "\r\n"))
            return usage_error("--cookie", "NAME=VALUE must be one line");
        return push(&c->cookies, arg, "--cookie");
    }
    if (strcmp(arg, "-") == 0)
        return usage_error("--cookie", "'-' would read standard input, which may carry the "
                                       "list; give a file");
    return push(&c->cookie_files, arg, "--cookie");
}

/* An output format chosen (on) or given up (off): --json, --jsonl and their opposites. */
static int take_format(struct cli *c, afetch_format format, bool on)
{
    if (!on) {
        if (c->format == format)
            c->format = AFETCH_FORMAT_TABLE;
        return -1;
    }
    if (c->format != AFETCH_FORMAT_TABLE && c->format != format)
        return usage_error("--json and --jsonl", "choose one");
    c->format = format;
    return -1;
}

/* The setting of an on/off option that is one bool, or NULL. */
static bool *flag_of(struct cli *c, int opt)
{
    switch (opt) {
    case 'I':
        return &c->opts.head;
    case 'k':
        return &c->opts.insecure;
    case 'q':
        return &c->quiet;
    case 'v':
        return &c->verbose;
    case OPT_TRACE:
        return &c->trace;
    case OPT_DENY_PRIVATE:
        return &c->opts.deny_private;
    case OPT_COMPRESSED:
        return &c->opts.compressed;
    case OPT_OVERWRITE:
        return &c->opts.overwrite;
    case OPT_SKIP_EXISTING:
        return &c->opts.skip_existing;
    case OPT_HASH:
        return &c->opts.hash;
    case OPT_HTTP2_PRIOR_KNOWLEDGE:
        return &c->opts.http2_prior_knowledge;
    case OPT_AS_COMPLETED:
        return &c->as_completed;
    case OPT_FAIL_FAST:
        return &c->fail_fast;
    case OPT_FOLLOW:
        return &c->opts.follow_redirects;
    case OPT_LOCATION_TRUSTED:
        return &c->opts.location_trusted;
    case OPT_HEADERS:
        return &c->opts.keep_headers;
    default:
        return NULL;
    }
}

/* An on/off option (opt without OPT_OFF) turned on or off. Returns -1 to go on, an exit code,
 * or -2 when opt is not one (nor, turned on, --compare or --body, which take a value). */
static int take_flag(struct cli *c, int opt, bool on)
{
    bool *flag = flag_of(c, opt);
    switch (opt) {
    case OPT_PROGRESS:
        c->progress = on;
        return -1;
    case OPT_SYNC:
        if (on || c->runner == RUN_SYNC)
            c->runner = on ? RUN_SYNC : RUN_ASYNC;
        return -1;
    case OPT_JSON:
    case OPT_JSONL:
        return take_format(c, opt == OPT_JSON ? AFETCH_FORMAT_JSON : AFETCH_FORMAT_JSONL, on);
    case OPT_COMPARE:
        if (!on)
            c->compare = false;
        return on ? -2 : -1;
    case OPT_BODY:
        if (!on)
            c->opts.body_max = 0;
        return on ? -2 : -1;
    case OPT_RESUME:
    case OPT_RESUME_FAILED: /* --no-resume-failed still resumes; --no-resume does not */
        if (on)
            c->results_mode =
                opt == OPT_RESUME ? AFETCH_RESULTS_RESUME : AFETCH_RESULTS_RESUME_FAILED;
        else if (opt == OPT_RESUME || c->results_mode == AFETCH_RESULTS_RESUME_FAILED)
            c->results_mode = opt == OPT_RESUME ? AFETCH_RESULTS_APPEND : AFETCH_RESULTS_RESUME;
        return -1;
    default:
        break;
    }
    if (!flag)
        return -2;
    *flag = on;
    if (opt == 'v' && !on)
        c->trace = false; /* --trace logs what -v does, and more */
    return -1;
}

/* Handles one option; returns -1 to go on, or an exit code. */
static int take_option(struct cli *c, int opt, const char *arg, const char *name)
{
    long whole;
    char detail[160];
    int flag = take_flag(c, opt & ~OPT_OFF, !(opt & OPT_OFF));
    if (flag != -2)
        return flag;
    switch (opt) {
    case 'j':
        if (!parse_whole(arg, 1, 100000, &whole)) {
            snprintf(detail, sizeof detail, "'%s' is not a whole number from 1 to 100000", arg);
            return usage_error("--parallel", detail);
        }
        c->opts.parallel = (unsigned)whole;
        return -1;
    case OPT_LOOPS:
        if (!parse_whole(arg, 1, LOOPS_MAX, &whole)) {
            snprintf(detail, sizeof detail, "'%s' is not a whole number from 1 to %d", arg,
                     LOOPS_MAX);
            return usage_error("--loops", detail);
        }
        c->opts.loops = (unsigned)whole;
        return -1;
    case 't':
    case OPT_CONNECT_TIMEOUT:
        if (!parse_seconds(arg, opt == 't' ? &c->opts.timeout : &c->opts.connect_timeout)) {
            snprintf(detail, sizeof detail, "'%s' is not a number of seconds", arg);
            return usage_error(opt == 't' ? "--timeout" : "--connect-timeout", detail);
        }
        return -1;
    case OPT_MAX_REDIRS:
        if (!parse_whole(arg, 0, 1000, &whole)) {
            snprintf(detail, sizeof detail, "'%s' is not a whole number from 0 to 1000", arg);
            return usage_error("--max-redirs", detail);
        }
        c->opts.max_redirects = whole;
        return -1;
    case 'H':
        if (!valid_header(arg)) {
            snprintf(detail, sizeof detail, "'%.100s' is not of the form 'Name: value'", arg);
            return usage_error("--header", detail);
        }
        if (c->header_count == c->header_cap) {
            size_t cap = c->header_cap ? 2 * c->header_cap : 8;
            const char **grown = realloc(c->headers, cap * sizeof *grown);
            if (!grown)
                return usage_error("--header", "out of memory");
            c->headers = grown;
            c->header_cap = cap;
        }
        c->headers[c->header_count++] = arg;
        return -1;
    case 'X':
        if (!*arg || strpbrk(arg, " \t\r\n:"))
            return usage_error("--method", "expects a method name such as GET or POST");
        c->opts.method = arg;
        return -1;
    case 'A':
        if (strpbrk(arg, "\r\n"))
            return usage_error("--user-agent", "must be one line");
        c->opts.user_agent = arg;
        return -1;
    case 'd':
    case OPT_DATA_BINARY:
    case OPT_DATA_JSON:
        return take_body(c,
                         opt == 'd'               ? BODY_FORM
                         : opt == OPT_DATA_BINARY ? BODY_BINARY
                                                  : BODY_JSON,
                         arg, name);
    case 'u': /* the value is a password: no message shows it */
        if (!strchr(arg, ':'))
            return usage_error(name, "expects USER:PASSWORD; afetch does not prompt for a "
                                     "password (USER: sends an empty one)");
        c->opts.user = arg;
        return -1;
    case OPT_PROTO:
        if (!*arg)
            return usage_error("--proto", "needs a scheme at least, such as https");
        c->protocols = arg;
        c->opts.protocols = arg;
        return -1;
    case OPT_LOW_SPEED_LIMIT:
        if (!parse_whole(arg, 0, LONG_MAX, &whole))
            return usage_error("--low-speed-limit", "expects bytes per second");
        c->opts.low_speed_limit = whole;
        return -1;
    case OPT_LOW_SPEED_TIME:
    case OPT_RETRY_DELAY: {
        double *target = opt == OPT_LOW_SPEED_TIME ? &c->opts.low_speed_time : &c->opts.retry_delay;
        if (!parse_seconds(arg, target))
            return usage_error(name, "expects a number of seconds");
        return -1;
    }
    case OPT_MAX_SIZE:
        if (!parse_size(arg, &c->opts.max_size)) {
            snprintf(detail, sizeof detail, "'%s' is not a size such as 512k or 10M", arg);
            return usage_error("--max-size", detail);
        }
        return -1;
    case OPT_RETRY:
        if (!parse_whole(arg, 0, 100, &whole))
            return usage_error("--retry", "expects a whole number from 0 to 100");
        c->opts.retries = (unsigned)whole;
        return -1;
    case OPT_CACERT:
        c->opts.cacert = arg;
        return -1;
    case 'o':
        c->opts.output_dir = arg;
        memcpy(output_dir_where, error_where, sizeof error_where);
        return -1;
    case 'x':
        if (!valid_proxy(arg)) /* never quoted: it may hold a password */
            return usage_error("--proxy", "expects [scheme://][user:password@]host[:port], the "
                                          "scheme one of http, https, socks4, socks4a, socks5, "
                                          "socks5h");
        c->opts.proxy = arg;
        return -1;
    case OPT_NOPROXY:
        if (strpbrk(arg, "\r\n"))
            return usage_error("--noproxy", "must be one line");
        c->opts.noproxy = arg;
        return -1;
    case OPT_RESOLVE:
    case OPT_CONNECT_TO: {
        bool resolve = opt == OPT_RESOLVE;
        if (!(resolve ? valid_resolve(arg) : valid_connect_to(arg))) {
            snprintf(detail, sizeof detail, "'%.100s' is not of the form %s", arg,
                     resolve ? "HOST:PORT:ADDRESS[,ADDRESS...]" : "HOST1:PORT1:HOST2:PORT2");
            return usage_error(resolve ? "--resolve" : "--connect-to", detail);
        }
        return push(resolve ? &c->resolve : &c->connect_to, arg, name);
    }
    case 'b':
        return take_cookie(c, arg);
    case 'c':
        if (!*arg || strcmp(arg, "-") == 0)
            return usage_error("--cookie-jar", "expects a file name (standard output carries "
                                               "the results)");
        c->opts.cookie_jar = arg;
        return -1;
    case OPT_NAMES: {
        static const char *const schemes[] = {"indexed", "url", "basename"};
        static const afetch_names names[] = {AFETCH_NAMES_INDEXED, AFETCH_NAMES_URL,
                                             AFETCH_NAMES_BASENAME};
        for (size_t i = 0; i < 3; i++)
            if (strcmp(arg, schemes[i]) == 0) {
                c->opts.names = names[i];
                return -1;
            }
        snprintf(detail, sizeof detail, "'%.60s' is none of indexed, url, basename", arg);
        return usage_error("--names", detail);
    }
    case OPT_RATE: {
        char *end;
        errno = 0;
        double rate = strtod(arg, &end);
        /* a rate so small that its gap overflows would never start a second transfer */
        if (!plain_number(arg) || errno || end == arg || *end || !(rate > 0 && rate <= 1e6) ||
            !isfinite(1.0 / rate))
            return usage_error("--rate", "expects transfers per second, more than 0");
        c->opts.rate = rate;
        return -1;
    }
    case OPT_PER_HOST:
        if (!parse_whole(arg, 1, 100000, &whole))
            return usage_error("--per-host", "expects a whole number from 1 to 100000");
        c->opts.per_host = (unsigned)whole;
        return -1;
    case OPT_SHARD: {
        unsigned k, n;
        char extra;
        if (sscanf(arg, "%u/%u%c", &k, &n, &extra) != 2 || n < 1 || k < 1 || k > n || n > 1000000)
            return usage_error("--shard", "expects K/N with 1 <= K <= N, e.g. 2/4");
        c->shard_k = k;
        c->shard_n = n;
        return -1;
    }
    case OPT_THREADS:
        if (!parse_whole(arg, 1, 1024, &whole))
            return usage_error("--threads", "expects a whole number from 1 to 1024");
        c->threads = (unsigned)whole;
        return -1;
    case OPT_COMPARE:
        c->compare = true;
        return parse_compare_list(c, arg ? arg : "sync,threads,async");
    case OPT_ACCEPT:
        return parse_accept_list(c, arg);
    case OPT_BODY:
        c->opts.body_max = 1 << 20;
        if (arg && (!parse_size(arg, &c->opts.body_max) || c->opts.body_max == 0)) {
            snprintf(detail, sizeof detail, "'%s' is not a size above 0 such as 64k or 2M", arg);
            return usage_error("--body", detail);
        }
        return -1;
    case 'w':
        c->write_out = arg;
        return -1;
    case OPT_RESULTS:
        if (!*arg || strcmp(arg, "-") == 0)
            return usage_error("--results", "expects a file name (standard output carries "
                                            "the table or --jsonl)");
        c->results = arg;
        return -1;
    case OPT_CONFIG:
    case OPT_NO_CONFIG:
        return -1; /* read before everything else */
    case OPT_TIMELINE:
        c->timeline = arg;
        return -1;
    case 'h':
        usage(stdout);
        return EXIT_ALL_OK;
    case 'V': {
        char versions[512];
        fputs(afetch_versions(versions, sizeof versions), stdout);
        return EXIT_ALL_OK;
    }
    default:
        return usage_error(name, "unknown option (see afetch --help)");
    }
}

/* The proxy variable of the environment that libcurl 7.88 would honour for a scheme of
 * protocols (a comma list), if one is set and not empty: SCHEME_proxy, also in upper case except
 * HTTP_PROXY (which libcurl ignores: CGI lets a request header set it), then all_proxy and
 * ALL_PROXY. NULL when there is none; else the name, in name or static. */
static const char *proxy_variable(const char *protocols, char name[32])
{
    for (const char *p = protocols; *p;) {
        size_t n = strcspn(p, ",");
        for (int upper = 0; upper < 2 && n > 0 && n < 24; upper++) {
            for (size_t i = 0; i < n; i++)
                name[i] =
                    (char)(upper ? toupper((unsigned char)p[i]) : tolower((unsigned char)p[i]));
            strcpy(name + n, upper ? "_PROXY" : "_proxy");
            const char *value = getenv(name);
            if (value && *value && strcmp(name, "HTTP_PROXY") != 0)
                return name;
        }
        p += n + (p[n] == ',');
    }
    static const char *const catch_all[] = {"all_proxy", "ALL_PROXY"};
    for (size_t i = 0; i < 2; i++) {
        const char *value = getenv(catch_all[i]);
        if (value && *value)
            return catch_all[i];
    }
    return NULL;
}

/* mkdir -p: makes each missing directory of path, mode 0777 less the umask. 0, or -1 with
 * errno set and the first one that could not be made in failed. */
static int make_directories(const char *path, char *failed, size_t size)
{
    snprintf(failed, size, "%s", path);
    if (strlen(path) >= size) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *end = failed + 1;; end++) { /* + 1: a leading / is the root, which exists */
        if (*end != '/' && *end != '\0')
            continue;
        char cut = *end;
        *end = '\0';
        if (mkdir(failed, 0777) != 0 && errno != EEXIST)
            return -1;
        if (!cut)
            return 0;
        *end = cut;
    }
}

/* Whether a file can be made in the directory named by the first len bytes of dir ("" the
 * current one), by making and removing one: access() says yes to root on a directory root
 * cannot write to (a read-only mount, an immutable one). 0, or an errno. */
static int probe_directory(const char *dir, size_t len)
{
    char probe[4200];
    if (len > 4000)
        return ENAMETOOLONG;
    const char *slash = len > 0 && dir[len - 1] != '/' ? "/" : "";
    snprintf(probe, sizeof probe, "%.*s%s.afetch-probe-XXXXXX", (int)len, dir, slash);
    int fd = mkstemp(probe);
    if (fd < 0)
        return errno;
    close(fd);
    unlink(probe);
    return 0;
}

/* --output-dir: made if missing, and a directory we may write to, before anything is fetched
 * (an empty DIR must never become "/"). -1 to go on, or the usage exit code. */
static int prepare_output_dir(const char *dir)
{
    char detail[PATH_MAX + 160], failed[PATH_MAX];
    struct stat st;
    int problem = 0;
    if (!*dir)
        snprintf(detail, sizeof detail, "'' names no directory (. is the current one)");
    else if (make_directories(dir, failed, sizeof failed) != 0)
        snprintf(detail, sizeof detail, "cannot create '%s': %s", failed, strerror(errno));
    else if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        snprintf(detail, sizeof detail, "'%s' is not a directory", dir);
    else if ((problem = probe_directory(dir, strlen(dir))) != 0)
        snprintf(detail, sizeof detail, "cannot write to '%s': %s", dir, strerror(problem));
    else
        return -1;
    memcpy(error_where, output_dir_where, sizeof error_where); /* its config file line, if any */
    int code = usage_error("--output-dir", detail);
    error_where[0] = '\0';
    return code;
}

/* Whether the directory at path has no entry (or is not there). */
static bool empty_directory(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return errno == ENOENT;
    const struct dirent *e;
    while ((e = readdir(d)) != NULL && (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")))
        ;
    closedir(d);
    return e == NULL;
}

/* -o with --compare: each mode saves into DIR/MODE, so that no mode finds the files of another
 * in its way ("exists" would make it look fast). A DIR/MODE that holds files from before is a
 * usage error unless --overwrite. -1 to go on, or the usage exit code. */
static int prepare_mode_dirs(struct cli *c)
{
    for (size_t i = 0; i < c->compared_count; i++) {
        enum runner mode = c->compared[i];
        size_t len = strlen(c->opts.output_dir) + strlen(runner_names[mode]) + 2;
        if (!(c->mode_dirs[mode] = malloc(len)))
            return usage_error("--output-dir", "out of memory");
        snprintf(c->mode_dirs[mode], len, "%s/%s", c->opts.output_dir, runner_names[mode]);
        if (!c->opts.overwrite && !empty_directory(c->mode_dirs[mode])) {
            char detail[PATH_MAX + 160];
            snprintf(detail, sizeof detail,
                     "--compare saves each mode in DIR/MODE, and %s is not empty; remove it, "
                     "choose another -o, or add --overwrite",
                     c->mode_dirs[mode]);
            return usage_error("--output-dir", detail);
        }
        if (prepare_output_dir(c->mode_dirs[mode]) >= 0)
            return EXIT_USAGE;
    }
    return -1;
}

/* A -b file must be there to read before anything is fetched. With --compare every mode reads
 * it again: a pipe would be empty the second time. */
static int check_cookie_file(const struct cli *c, const char *path)
{
    struct stat st;
    char detail[600];
    int problem = 0;
    if (access(path, R_OK) != 0 || stat(path, &st) != 0)
        problem = errno;
    else if (S_ISDIR(st.st_mode))
        problem = EISDIR;
    if (problem) {
        snprintf(detail, sizeof detail, "cannot read %.500s: %s", path, strerror(problem));
        return usage_error("--cookie", detail);
    }
    if (c->compare && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))) {
        snprintf(detail, sizeof detail,
                 "%.500s is a pipe, and --compare reads it once for each mode; give a file", path);
        return usage_error("--cookie", detail);
    }
    return -1;
}

/* A file written at the end of the run (the cookie jar, the timeline) goes through a temporary
 * file in its directory: find out now whether that works (probe_directory), rather than after
 * every URL was fetched. 0, or an errno. */
static int probe_writable(const char *path)
{
    struct stat st;
    if (strlen(path) > 4000)
        return ENAMETOOLONG;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return EISDIR;
    const char *slash = strrchr(path, '/');
    return probe_directory(path, slash ? (size_t)(slash - path) + 1 : 0);
}

static int check_cookie_jar(const char *path)
{
    char detail[600];
    int problem = probe_writable(path);
    if (!problem)
        return -1;
    snprintf(detail, sizeof detail, "cannot write %.500s: %s", path, strerror(problem));
    return usage_error("--cookie-jar", detail);
}

/* --timeline FILE.svg: SVG is what it gets, so the name must say so; and it must be writable. */
static int check_timeline(const char *path)
{
    char detail[600];
    size_t len = strlen(path);
    bool svg = len >= 4 && strcasecmp(path + len - 4, ".svg") == 0;
    int problem = svg ? probe_writable(path) : 0;
    if (!svg)
        snprintf(detail, sizeof detail, "'%.500s' does not end in .svg: the timeline is an SVG",
                 path);
    else if (problem)
        snprintf(detail, sizeof detail, "cannot write %.500s: %s", path, strerror(problem));
    else
        return -1;
    return usage_error("--timeline", detail);
}

/* The -b NAME=VALUE ones as one cookie string; -1 to go on, or an exit code. */
static int join_cookies(struct cli *c)
{
    size_t size = 1;
    for (size_t i = 0; i < c->cookies.count; i++)
        size += strlen(c->cookies.items[i]) + 2;
    if (c->cookies.count == 0 || !(c->cookie = malloc(size)))
        return c->cookies.count == 0 ? -1 : usage_error("--cookie", "out of memory");
    c->cookie[0] = '\0';
    for (size_t i = 0; i < c->cookies.count; i++) {
        if (i > 0)
            strcat(c->cookie, "; ");
        strcat(c->cookie, c->cookies.items[i]);
    }
    c->opts.cookie = c->cookie;
    return -1;
}

/* Proxy, lists and cookies: checked, then handed to the options. */
static int settle_network(struct cli *c)
{
    for (size_t i = 0; i < c->cookie_files.count; i++) {
        int code = *c->cookie_files.items[i] ? check_cookie_file(c, c->cookie_files.items[i]) : -1;
        if (code >= 0)
            return code;
    }
    if (c->opts.cookie_jar) {
        int code = check_cookie_jar(c->opts.cookie_jar);
        /* the engine on without a file: also for the modes of --compare that write no jar */
        if (code < 0 && c->cookie_files.count == 0)
            code = push(&c->cookie_files, "", "--cookie-jar");
        if (code >= 0)
            return code;
    }
    c->opts.resolve = c->resolve.items;
    c->opts.resolve_count = c->resolve.count;
    c->opts.connect_to = c->connect_to.items;
    c->opts.connect_to_count = c->connect_to.count;
    c->opts.cookie_files = c->cookie_files.items;
    c->opts.cookie_file_count = c->cookie_files.count;
    return join_cookies(c);
}

static bool from_file(int opt)
{
    return origins[opt] == FROM_FILE;
}

/* Two settings that contradict each other, given in one place: a usage error, naming the config
 * file when both come from it. */
static int contradiction(int opt, const char *what, const char *why)
{
    if (from_file(opt))
        snprintf(error_where, sizeof error_where, "%.380s: ", config_file);
    int code = usage_error(what, why);
    error_where[0] = '\0';
    return code;
}

/* Settings that contradict each other: given in one place (both on the command line, or both in
 * the config file), a usage error; one in each, the command line's wins and the file's is
 * undone. -1 to go on, or an exit code. */
static int settle_contradictions(struct cli *c)
{
    const char *method = c->opts.method;
    if (c->opts.head && method && strcasecmp(method, "HEAD") != 0) {
        if (origins['I'] == origins['X'])
            return contradiction('I', "--head", "sends HEAD requests: it goes with no --method");
        if (from_file('I'))
            c->opts.head = false;
        else
            c->opts.method = NULL;
    }
    int head = c->opts.head ? 'I' : c->opts.method && !strcasecmp(c->opts.method, "HEAD") ? 'X' : 0;
    if (head && c->opts.output_dir) {
        if (origins[head] == origins['o'])
            return contradiction(head, head == 'I' ? "--head" : "--method HEAD",
                                 "fetches no bodies: --output-dir would save empty files");
        if (!from_file(head))
            c->opts.output_dir = NULL;
        else if (head == 'I')
            c->opts.head = false;
        else
            c->opts.method = NULL;
    }
    if (!c->opts.follow_redirects && origins[OPT_MAX_REDIRS]) {
        if (origins[OPT_FOLLOW] == origins[OPT_MAX_REDIRS])
            return contradiction(OPT_FOLLOW, "--max-redirs",
                                 "limits the redirects followed, and --no-follow follows none");
        if (from_file(OPT_FOLLOW))
            c->opts.follow_redirects = true;
    }
    if (c->opts.overwrite && !c->opts.output_dir && origins[OPT_OVERWRITE] == FROM_COMMAND_LINE)
        print_error("warning: --overwrite does nothing without --output-dir");
    return -1;
}

/* --deny-private through a proxy: the only address afetch would see is the proxy's, so there
 * is nothing to judge. Refused for --proxy (unless --noproxy '*') and for a proxy variable of
 * the environment alike. -1 to go on, or the usage exit code. */
static int check_deny_private_proxy(const struct cli *c)
{
    if (!c->opts.deny_private)
        return -1;
    bool all_direct = c->opts.noproxy && strcmp(c->opts.noproxy, "*") == 0;
    if (c->opts.proxy && !all_direct)
        return usage_error("--deny-private",
                           "cannot judge the addresses behind a proxy (--proxy is set)");
    char variable[32], detail[160];
    const char *proxy = proxy_variable(c->protocols ? c->protocols : "http,https", variable);
    if (!proxy)
        return -1;
    snprintf(detail, sizeof detail,
             "cannot judge the addresses behind a proxy (%s is set); unset it", proxy);
    return usage_error("--deny-private", detail);
}

/* --results, --resume and --resume-failed; -1 to go on, or the usage exit code. */
static int settle_results(struct cli *c)
{
    const char *resume =
        c->results_mode == AFETCH_RESULTS_RESUME_FAILED ? "--resume-failed" : "--resume";
    if (c->results_mode != AFETCH_RESULTS_APPEND && !c->results)
        return usage_error(resume, "needs --results FILE: the results to resume from");
    if (c->results && c->compare)
        return usage_error("--results", "goes with one mode, not --compare");
    /* a body saved by a run that died before its result line was written is done too */
    if (c->results_mode != AFETCH_RESULTS_APPEND && !c->opts.overwrite)
        c->opts.skip_existing = true;
    return -1;
}

/* Checks the combination of settings and derives what follows from it. */
static int settle_options(struct cli *c)
{
    c->opts.verbosity = c->trace ? 2 : c->verbose ? 1 : 0;
    if (c->runner == RUN_SYNC && (c->threads || c->compare))
        return usage_error("--sync", "goes with neither --threads nor --compare");
    if (c->threads && !c->compare)
        c->runner = RUN_THREADS;
    bool json = c->format == AFETCH_FORMAT_JSON || c->format == AFETCH_FORMAT_JSONL;
    if ((c->opts.body_max || c->opts.keep_headers) && !json)
        return usage_error(c->opts.body_max ? "--body" : "--headers", "needs --json or --jsonl");
    if (c->write_out && compile_write_out(c) >= 0)
        return EXIT_USAGE;
    if (c->as_completed && c->format == AFETCH_FORMAT_TABLE)
        return usage_error("--as-completed", "goes with --json or --jsonl, whose results carry "
                                             "their index");
    if (c->quiet && c->format != AFETCH_FORMAT_TABLE)
        return usage_error("--quiet", "goes with the table output, not --json or --jsonl");
    if (c->quiet)
        c->format = AFETCH_FORMAT_NONE;
    if (check_deny_private_proxy(c) >= 0)
        return EXIT_USAGE;
    char detail[160];
    if (c->opts.cacert && access(c->opts.cacert, R_OK) != 0) {
        snprintf(detail, sizeof detail, "cannot read %.100s: %s", c->opts.cacert, strerror(errno));
        return usage_error("--cacert", detail);
    }
    if (c->opts.skip_existing && c->opts.overwrite)
        return usage_error("--skip-existing and --overwrite", "choose one");
    int code = settle_contradictions(c);
    if (code < 0)
        code = settle_results(c);
    if (code < 0 && c->timeline)
        code = check_timeline(c->timeline);
    if (code >= 0)
        return code;
    if (c->opts.output_dir && prepare_output_dir(c->opts.output_dir) >= 0)
        return EXIT_USAGE;
    if (c->opts.output_dir && c->compare && prepare_mode_dirs(c) >= 0)
        return EXIT_USAGE;
    if (settle_body(c) >= 0)
        return EXIT_USAGE;
    c->opts.headers = c->headers;
    c->opts.header_count = c->header_count;
    return settle_network(c);
}

/* Settings that choose among each other: one on the command line overrides the file's. */
static int group_of(int opt)
{
    switch (opt) {
    case OPT_SYNC:
    case OPT_THREADS:
    case OPT_COMPARE:
        return 1;
    case OPT_JSON:
    case OPT_JSONL:
    case 'q':
    case 'w':
        return 2;
    case 'd':
    case OPT_DATA_BINARY:
    case OPT_DATA_JSON:
        return 3;
    default:
        return 0;
    }
}

/* ---- The command line, matched exactly ----
 * getopt_long took any unambiguous start of a long option for the whole of it, so
 * "--user u:p" became --user-agent and "--output x" --output-dir. Options are matched only in
 * full (as curl does); short ones and their clusters (-kv, -j5, -t 5) work as with getopt. */

/* What the scan found. A positive value is an option's val (struct option). */
enum { SCAN_OPERAND = 0, SCAN_END = -1, SCAN_ERROR = -2 };

struct arg_scan {
    int argc;
    char **argv;
    int next;          /* the next token to look at */
    char *cluster;     /* the letters still to read of a short option token (-kv), or NULL */
    bool options_over; /* "--" was seen */
    char *arg;         /* the value of the option found (NULL if none), or the operand */
    char name[80];     /* the option found, for messages: "--timeout" or "-t" */
    char problem[300]; /* why the scan returned SCAN_ERROR */
};

static struct arg_scan arg_scan_start(int argc, char **argv)
{
    return (struct arg_scan){.argc = argc, .argv = argv, .next = 1};
}

/* A config key cannot choose another config file or print something and exit. */
static bool file_setting(const struct option *o)
{
    return o->val != OPT_CONFIG && o->val != OPT_NO_CONFIG && o->val != 'h' && o->val != 'V';
}

/* The long option (or, in_file, the config key) typed was most likely meant to be, or NULL. */
static const char *closest_option(const char *typed, bool in_file)
{
    const char *names[sizeof long_options / sizeof long_options[0]];
    size_t count = 0;
    for (const struct option *o = long_options; o->name; o++)
        if (!in_file || file_setting(o))
            names[count++] = o->name;
    return afetch_closest_name(typed, names, count);
}

/* The value of option o: attached to its token ("--timeout=5", "-t5"), else the next token,
 * whatever it looks like (-H --x takes "--x"). An optional value is only ever attached. */
static int take_value(struct arg_scan *s, const struct option *o, char *attached)
{
    s->arg = attached;
    if (!attached && o->has_arg == required_argument) {
        if (s->next >= s->argc) {
            snprintf(s->problem, sizeof s->problem, "%s: needs a value (see afetch --help)",
                     s->name);
            return SCAN_ERROR;
        }
        s->arg = s->argv[s->next++];
    }
    return o->val;
}

/* The next letter of the cluster; letters are the vals of the table's short options. */
static int scan_short(struct arg_scan *s)
{
    unsigned char letter = (unsigned char)*s->cluster++;
    const struct option *o = long_options;
    while (o->name && (o->val != letter || o->val >= 256))
        o++;
    if (letter >= 0x20 && letter < 0x7F)
        snprintf(s->name, sizeof s->name, "-%c", letter);
    else
        snprintf(s->name, sizeof s->name, "-\\x%02X", letter);
    char *rest = *s->cluster ? s->cluster : NULL;
    if (!o->name) {
        snprintf(s->problem, sizeof s->problem, "unknown option %s; see afetch --help", s->name);
        return SCAN_ERROR;
    }
    if (o->has_arg == no_argument) {
        s->cluster = rest;
        s->arg = NULL;
        return o->val;
    }
    s->cluster = NULL;
    return take_value(s, o, rest);
}

/* "--name" or "--name=value", name matched in full against the table. */
static int scan_long(struct arg_scan *s, char *token)
{
    char *name = token + 2, *equals = strchr(name, '=');
    size_t len = equals ? (size_t)(equals - name) : strlen(name);
    for (const struct option *o = long_options; o->name; o++) {
        if (strlen(o->name) != len || strncmp(o->name, name, len) != 0)
            continue;
        snprintf(s->name, sizeof s->name, "--%s", o->name);
        if (equals && o->has_arg == no_argument) {
            snprintf(s->problem, sizeof s->problem, "%s: takes no value, got '%.100s'", s->name,
                     equals + 1);
            return SCAN_ERROR;
        }
        return take_value(s, o, equals ? equals + 1 : NULL);
    }
    char typed[101];
    snprintf(typed, sizeof typed, "%.*s", (int)(len < 100 ? len : 100), name);
    const char *close = closest_option(typed, false);
    if (close)
        snprintf(s->problem, sizeof s->problem, "unknown option --%s; did you mean --%s?", typed,
                 close);
    else
        snprintf(s->problem, sizeof s->problem, "unknown option --%.100s; see afetch --help",
                 len ? typed : name);
    return SCAN_ERROR;
}

/* The next option (its val; s->arg and s->name set), operand (s->arg), the end, or an error
 * (s->problem). Operands may come before, between and after options; after "--" all are. */
static int scan_next(struct arg_scan *s)
{
    if (s->cluster)
        return scan_short(s);
    if (s->next >= s->argc) /* argc may even be 0 */
        return SCAN_END;
    char *token = s->argv[s->next++];
    s->arg = token;
    if (s->options_over || token[0] != '-' || token[1] == '\0')
        return SCAN_OPERAND;
    if (token[1] != '-') {
        s->cluster = token + 1;
        return scan_short(s);
    }
    if (token[2] == '\0') {
        s->options_over = true;
        return scan_next(s);
    }
    return scan_long(s, token);
}

/* What the config file needs to know of the command line before it is applied. */
struct prescan {
    const char *config; /* --config FILE */
    bool no_config;
    bool group_on_cli[4];
    bool operands, stdin_operand; /* any operand; "-" among them */
};

/* Returns -1 to go on, or the usage exit code after printing why the command line is wrong:
 * that is said before any config file is read. */
static int prescan(int argc, char **argv, struct prescan *p)
{
    struct arg_scan s = arg_scan_start(argc, argv);
    int opt;
    while ((opt = scan_next(&s)) != SCAN_END) {
        if (opt == SCAN_ERROR)
            return usage_error(s.problem, NULL);
        if (opt == SCAN_OPERAND) {
            p->operands = true;
            p->stdin_operand = p->stdin_operand || strcmp(s.arg, "-") == 0;
            continue;
        }
        if (opt == OPT_CONFIG)
            p->config = s.arg;
        else if (opt == OPT_NO_CONFIG)
            p->no_config = true;
        p->group_on_cli[group_of(opt)] = true;
    }
    return -1;
}

static const struct option *option_named(const char *key)
{
    for (const struct option *o = long_options; o->name; o++)
        if (strcmp(o->name, key) == 0)
            return o;
    return NULL;
}

/* A flag's value in the file: 1 true, 0 false, -1 neither. */
static int truth(const char *value)
{
    static const char *const yes[] = {"true", "yes", "on", "1"}, *const no[] = {"false", "no",
                                                                                "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (strcmp(value, yes[i]) == 0)
            return 1;
        if (strcmp(value, no[i]) == 0)
            return 0;
    }
    return -1;
}

struct file_context {
    struct cli *c;
    const struct prescan *cli;
    const char *path;
    bool reported; /* take_option printed the error already */
};

/* afetch_config_fn: one "key = value" of the file, applied like --key value. */
static int apply_setting(void *arg, const char *key, const char *value, unsigned line, char *err,
                         size_t err_size)
{
    struct file_context *f = arg;
    const struct option *o = option_named(key);
    if (o && !file_setting(o)) {
        snprintf(err, err_size, "%s: not a setting for a file", key);
        return -1;
    }
    if (!o) {
        const char *close = closest_option(key, true);
        snprintf(err, err_size, "unknown key %s; %s%s%s", key, close ? "did you mean " : "",
                 close ? close : "see afetch --help for the keys (the long options)",
                 close ? "?" : "");
        return -1;
    }
    if (group_of(o->val) && f->cli->group_on_cli[group_of(o->val)])
        return 0; /* the command line chose otherwise */
    int flag = o->has_arg == required_argument ? 1 : truth(value);
    const char *arg_value = NULL;
    if (o->has_arg == no_argument || (o->has_arg == optional_argument && flag >= 0)) {
        if (flag < 0) {
            snprintf(err, err_size, "%s: expects true or false, not '%.40s'", key, value);
            return -1;
        }
        if (flag == 0)
            return 0;
    } else {
        if (!*value) {
            snprintf(err, err_size, "%s: needs a value", key);
            return -1;
        }
        char *copy = strdup(value); /* settings keep pointers into it */
        if (!copy || (f->c->owned_count == f->c->owned_cap && !grow_owned(f->c))) {
            free(copy);
            snprintf(err, err_size, "out of memory");
            return -1;
        }
        arg_value = f->c->owned[f->c->owned_count++] = copy;
    }
    char name[64];
    snprintf(name, sizeof name, "--%s", key);
    snprintf(error_where, sizeof error_where, "%s:%u: ", f->path, line);
    int code = take_option(f->c, o->val, arg_value, name);
    error_where[0] = '\0';
    if (code >= 0) {
        f->reported = true;
        return -1;
    }
    origins[o->val & ~OPT_OFF] = FROM_FILE;
    return 0;
}

/* Applies the config file that applies, if any. -1 to go on, or an exit code. */
static int apply_config_file(struct cli *c, const struct prescan *p)
{
    char path[4096], err[1024];
    if (p->no_config || !afetch_config_path(p->config, path, sizeof path))
        return -1;
    struct file_context f = {.c = c, .cli = p, .path = path};
    snprintf(config_file, sizeof config_file, "%.380s", path);
    if (afetch_config_load(path, apply_setting, &f, err, sizeof err) == 0)
        return -1;
    /* "FILE:LINE: ..." names the key; "FILE: ..." (cannot read it) gets --config's name */
    size_t len = strlen(path);
    bool at_line =
        strncmp(err, path, len) == 0 && err[len] == ':' && isdigit((unsigned char)err[len + 1]);
    if (!f.reported)
        print_error("%s%s", p->config && !at_line ? "--config: " : "", err);
    return EXIT_USAGE;
}

/* The CPUs this process may run on (its affinity mask), at least 1. */
static unsigned usable_cpus(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return 1;
    int count = CPU_COUNT(&set);
    return count > 1 ? (unsigned)(count < LOOPS_MAX ? count : LOOPS_MAX) : 1;
}

/* --loops before the config file and the command line have their say: $AFETCH_LOOPS if set
 * (a bad value is a usage error naming it), else the usable CPUs. -1 to go on, or an exit
 * code. */
static int default_loops(struct cli *c)
{
    const char *env = getenv("AFETCH_LOOPS");
    long whole;
    if (!env || !*env) {
        c->opts.loops = usable_cpus();
        return -1;
    }
    if (!parse_whole(env, 1, LOOPS_MAX, &whole)) {
        char detail[160];
        snprintf(detail, sizeof detail, "'%.40s' is not a whole number from 1 to %d", env,
                 LOOPS_MAX);
        return usage_error("AFETCH_LOOPS", detail);
    }
    c->opts.loops = (unsigned)whole;
    return -1;
}

int cli_parse(struct cli *c, int argc, char **argv)
{
    afetch_options_init(&c->opts);
    struct prescan p = {0};
    int code = prescan(argc, argv, &p);
    c->list_on_stdin = !p.operands || p.stdin_operand; /* before a body option reads @- */
    if (code < 0)
        code = default_loops(c);
    if (code < 0)
        code = apply_config_file(c, &p);
    if (code >= 0)
        return code;
    /* The operands are gathered at the front of argv, each into a slot the scan has passed. */
    c->operands = argv + 1;
    c->operand_count = 0;
    struct arg_scan s = arg_scan_start(argc, argv);
    int opt;
    while ((opt = scan_next(&s)) != SCAN_END) {
        if (opt == SCAN_ERROR) /* the prescan has seen the same; kept for safety */
            return usage_error(s.problem, NULL);
        if (opt == SCAN_OPERAND) {
            c->operands[c->operand_count++] = s.arg;
            continue;
        }
        code = take_option(c, opt, s.arg, s.name);
        if (code >= 0)
            return code;
        origins[opt & ~OPT_OFF] = FROM_COMMAND_LINE;
    }
    return settle_options(c);
}

void cli_free(struct cli *c)
{
    for (size_t i = 0; i < c->owned_count; i++)
        free(c->owned[i]);
    free(c->owned);
    free(c->headers);
    struct str_list *lists[] = {&c->resolve, &c->connect_to, &c->cookies, &c->cookie_files};
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
        free(lists[i]->items);
    free(c->cookie);
    for (size_t i = 0; i < 3; i++)
        free(c->mode_dirs[i]);
    afetch_template_free(c->template);
    free(c->body);
}
