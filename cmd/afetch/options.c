/* options.c — the command line and the config file: one table of options, an exact scan of argv
 * over it, one function that applies an option, and usage(). A config file key is an option's
 * long name. */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include "cli.h"
#include "display.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
    OPT_NO_PROGRESS,
    OPT_CONFIG,
    OPT_NO_CONFIG,
    OPT_TIMELINE,
    OPT_COMPARE,
    OPT_JSON,
    OPT_JSONL,
    OPT_AS_COMPLETED,
    OPT_FAIL_FAST,
    OPT_CONNECT_TIMEOUT,
    OPT_NO_FOLLOW,
    OPT_MAX_REDIRS,
    OPT_LOCATION_TRUSTED,
    OPT_NO_LOCATION_TRUSTED,
    OPT_LOOPS,
};

static const struct option long_options[] = {
    {"parallel", required_argument, NULL, 'j'},
    {"loops", required_argument, NULL, OPT_LOOPS},
    {"sync", no_argument, NULL, OPT_SYNC},
    {"compare", optional_argument, NULL, OPT_COMPARE},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"verbose", no_argument, NULL, 'v'},
    {"trace", no_argument, NULL, OPT_TRACE},
    {"progress", no_argument, NULL, OPT_PROGRESS},
    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
    {"config", required_argument, NULL, OPT_CONFIG},
    {"timeline", required_argument, NULL, OPT_TIMELINE},
    {"no-config", no_argument, NULL, OPT_NO_CONFIG},
    {"json", no_argument, NULL, OPT_JSON},
    {"jsonl", no_argument, NULL, OPT_JSONL},
    {"as-completed", no_argument, NULL, OPT_AS_COMPLETED},
    {"fail-fast", no_argument, NULL, OPT_FAIL_FAST},
    {"timeout", required_argument, NULL, 't'},
    {"connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT},
    {"method", required_argument, NULL, 'X'},
    {"head", no_argument, NULL, 'I'},
    {"header", required_argument, NULL, 'H'},
    {"user-agent", required_argument, NULL, 'A'},
    {"no-follow", no_argument, NULL, OPT_NO_FOLLOW},
    {"max-redirs", required_argument, NULL, OPT_MAX_REDIRS},
    {"location-trusted", no_argument, NULL, OPT_LOCATION_TRUSTED},
    {"no-location-trusted", no_argument, NULL, OPT_NO_LOCATION_TRUSTED},
    {"quiet", no_argument, NULL, 'q'},
    {"proto", required_argument, NULL, OPT_PROTO},
    {"low-speed-limit", required_argument, NULL, OPT_LOW_SPEED_LIMIT},
    {"low-speed-time", required_argument, NULL, OPT_LOW_SPEED_TIME},
    {"deny-private", no_argument, NULL, OPT_DENY_PRIVATE},
    {"max-size", required_argument, NULL, OPT_MAX_SIZE},
    {"compressed", no_argument, NULL, OPT_COMPRESSED},
    {"retry", required_argument, NULL, OPT_RETRY},
    {"retry-delay", required_argument, NULL, OPT_RETRY_DELAY},
    {"insecure", no_argument, NULL, 'k'},
    {"cacert", required_argument, NULL, OPT_CACERT},
    {"output-dir", required_argument, NULL, 'o'},
    {"overwrite", no_argument, NULL, OPT_OVERWRITE},
    {"hash", no_argument, NULL, OPT_HASH},
    {"rate", required_argument, NULL, OPT_RATE},
    {"http2-prior-knowledge", no_argument, NULL, OPT_HTTP2_PRIOR_KNOWLEDGE},
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
          "with no arguments the list is read from standard input. A list has one URL a line\n"
          "(# comments, blank lines skipped) or a JSON object a line:\n"
          "  {\"url\": ..., \"label\": ..., \"method\": ..., \"headers\": {\"Name\": \"value\"}}\n"
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
          "  -q, --quiet              no table, only the summary line\n"
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
          "      --no-follow          do not follow redirects (a 3xx is then ok)\n"
          "      --max-redirs N       redirects followed at most (default 10)\n"
          "      --location-trusted   let credentials follow redirects to other origins: URL\n"
          "                           user info and -H headers such as Authorization, Cookie,\n"
          "                           X-Api-Key (default: only to the first URL's scheme, host\n"
          "                           and port); --no-location-trusted: the default. A redirect\n"
          "                           from https to http drops every -H header either way\n"
          "      --compressed         ask for compressed bodies (sizes count decoded bytes)\n"
          "      --http2-prior-knowledge  speak HTTP/2 at once, also to http:// URLs\n"
          "Limits and policy:\n"
          "      --proto LIST         schemes allowed, also for redirects (default http,https)\n"
          "      --deny-private       refuse loopback, private and link-local addresses\n"
          "      --max-size SIZE      largest body (decoded), e.g. 10M; k, M, G suffixes\n"
          "      --low-speed-limit B  a transfer slower than B bytes/s ...\n"
          "      --low-speed-time SEC ... for SEC seconds times out (default 10 and 20)\n"
          "      --retry N            try again N times after a transient failure (GET, HEAD)\n"
          "      --retry-delay SEC    backoff base, doubling each try (default 1, max 60)\n"
          "  -k, --insecure           do not verify TLS certificates\n"
          "      --cacert FILE        verify TLS certificates against FILE\n"
          "Saving:\n"
          "  -o, --output-dir DIR     save each successful body in DIR (created if missing),\n"
          "                           all or nothing\n"
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
          "Exit status: 0 all URLs ok, 1 some URL not ok, 2 usage, input or config error,\n"
          "130 interrupted, 141 standard output closed by its reader.\n",
          out);
}

int usage_error(const char *what, const char *detail)
{
    print_error("%s%s%s%s", error_where, what, detail ? ": " : "", detail ? detail : "");
    return EXIT_USAGE;
}

static bool parse_whole(const char *text, long min, long max, long *out)
{
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

/* Handles one option; returns -1 to go on, or an exit code. */
static int take_option(struct cli *c, int opt, const char *arg, const char *name)
{
    long whole;
    char detail[160];
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
    case 'I':
        c->opts.head = true;
        return -1;
    case OPT_PROTO:
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
    case OPT_DENY_PRIVATE:
        c->opts.deny_private = true;
        return -1;
    case OPT_MAX_SIZE:
        if (!parse_size(arg, &c->opts.max_size)) {
            snprintf(detail, sizeof detail, "'%s' is not a size such as 512k or 10M", arg);
            return usage_error("--max-size", detail);
        }
        return -1;
    case OPT_COMPRESSED:
        c->opts.compressed = true;
        return -1;
    case OPT_RETRY:
        if (!parse_whole(arg, 0, 100, &whole))
            return usage_error("--retry", "expects a whole number from 0 to 100");
        c->opts.retries = (unsigned)whole;
        return -1;
    case 'k':
        c->opts.insecure = true;
        return -1;
    case OPT_CACERT:
        c->opts.cacert = arg;
        return -1;
    case 'o':
        c->opts.output_dir = arg;
        memcpy(output_dir_where, error_where, sizeof error_where);
        return -1;
    case OPT_OVERWRITE:
        c->opts.overwrite = true;
        return -1;
    case OPT_HASH:
        c->opts.hash = true;
        return -1;
    case OPT_RATE: {
        char *end;
        errno = 0;
        double rate = strtod(arg, &end);
        /* a rate so small that its gap overflows would never start a second transfer */
        if (errno || end == arg || *end || !(rate > 0 && rate <= 1e6) || !isfinite(1.0 / rate))
            return usage_error("--rate", "expects transfers per second, more than 0");
        c->opts.rate = rate;
        return -1;
    }
    case OPT_PER_HOST:
        if (!parse_whole(arg, 1, 100000, &whole))
            return usage_error("--per-host", "expects a whole number from 1 to 100000");
        c->opts.per_host = (unsigned)whole;
        return -1;
    case OPT_HTTP2_PRIOR_KNOWLEDGE:
        c->opts.http2_prior_knowledge = true;
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
    case OPT_SYNC:
        c->runner = RUN_SYNC;
        return -1;
    case OPT_THREADS:
        if (!parse_whole(arg, 1, 1024, &whole))
            return usage_error("--threads", "expects a whole number from 1 to 1024");
        c->threads = (unsigned)whole;
        return -1;
    case OPT_COMPARE:
        c->compare = true;
        return parse_compare_list(c, arg ? arg : "sync,threads,async");
    case OPT_JSON:
    case OPT_JSONL: {
        afetch_format format = opt == OPT_JSON ? AFETCH_FORMAT_JSON : AFETCH_FORMAT_JSONL;
        if (c->format != AFETCH_FORMAT_TABLE && c->format != format)
            return usage_error("--json and --jsonl", "choose one");
        c->format = format;
        return -1;
    }
    case OPT_AS_COMPLETED:
        c->as_completed = true;
        return -1;
    case OPT_FAIL_FAST:
        c->fail_fast = true;
        return -1;
    case OPT_NO_FOLLOW:
        c->opts.follow_redirects = false;
        return -1;
    case OPT_LOCATION_TRUSTED:
    case OPT_NO_LOCATION_TRUSTED:
        c->opts.location_trusted = opt == OPT_LOCATION_TRUSTED;
        return -1;
    case 'q':
        c->quiet = true;
        return -1;
    case 'v':
        c->opts.verbosity = c->opts.verbosity > 1 ? c->opts.verbosity : 1;
        return -1;
    case OPT_TRACE:
        c->opts.verbosity = 2;
        return -1;
    case OPT_CONFIG:
    case OPT_NO_CONFIG:
        return -1; /* read before everything else */
    case OPT_TIMELINE:
        c->timeline = arg;
        return -1;
    case OPT_PROGRESS:
    case OPT_NO_PROGRESS:
        c->progress = opt == OPT_PROGRESS;
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

/* --output-dir: made if missing, and a directory we may write to, before anything is fetched
 * (an empty DIR must never become "/"). -1 to go on, or the usage exit code. */
static int prepare_output_dir(const char *dir)
{
    char detail[PATH_MAX + 160], failed[PATH_MAX];
    struct stat st;
    if (!*dir)
        snprintf(detail, sizeof detail, "'' names no directory (. is the current one)");
    else if (make_directories(dir, failed, sizeof failed) != 0)
        snprintf(detail, sizeof detail, "cannot create '%s': %s", failed, strerror(errno));
    else if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        snprintf(detail, sizeof detail, "'%s' is not a directory", dir);
    else if (access(dir, W_OK | X_OK) != 0)
        snprintf(detail, sizeof detail, "cannot write to '%s': %s", dir, strerror(errno));
    else
        return -1;
    memcpy(error_where, output_dir_where, sizeof error_where); /* its config file line, if any */
    int code = usage_error("--output-dir", detail);
    error_where[0] = '\0';
    return code;
}

/* Checks the combination of settings and derives what follows from it. */
static int settle_options(struct cli *c)
{
    if (c->runner == RUN_SYNC && (c->threads || c->compare))
        return usage_error("--sync", "goes with neither --threads nor --compare");
    if (c->threads && !c->compare)
        c->runner = RUN_THREADS;
    if (c->as_completed && c->format == AFETCH_FORMAT_TABLE)
        return usage_error("--as-completed", "goes with --json or --jsonl, whose results carry "
                                             "their index");
    if (c->quiet && c->format != AFETCH_FORMAT_TABLE)
        return usage_error("--quiet", "goes with the table output, not --json or --jsonl");
    if (c->quiet)
        c->format = AFETCH_FORMAT_NONE;
    /* Through a proxy, the only address afetch sees is the proxy's: nothing to judge. */
    char variable[32], detail[160];
    const char *proxy = c->opts.deny_private
                            ? proxy_variable(c->protocols ? c->protocols : "http,https", variable)
                            : NULL;
    if (proxy) {
        snprintf(detail, sizeof detail,
                 "cannot judge the addresses behind a proxy (%s is set); unset it", proxy);
        return usage_error("--deny-private", detail);
    }
    if (c->opts.cacert && access(c->opts.cacert, R_OK) != 0)
        return usage_error(c->opts.cacert, strerror(errno)); /* --cacert */
    if (c->opts.output_dir && prepare_output_dir(c->opts.output_dir) >= 0)
        return EXIT_USAGE;
    c->opts.headers = c->headers;
    c->opts.header_count = c->header_count;
    return -1;
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
        return 2;
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
    bool group_on_cli[3];
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
    return 0;
}

/* Applies the config file that applies, if any. -1 to go on, or an exit code. */
static int apply_config_file(struct cli *c, const struct prescan *p)
{
    char path[4096], err[1024];
    if (p->no_config || !afetch_config_path(p->config, path, sizeof path))
        return -1;
    struct file_context f = {.c = c, .cli = p, .path = path};
    if (afetch_config_load(path, apply_setting, &f, err, sizeof err) == 0)
        return -1;
    if (!f.reported)
        print_error("%s", err);
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
    }
    return settle_options(c);
}

void cli_free(struct cli *c)
{
    for (size_t i = 0; i < c->owned_count; i++)
        free(c->owned[i]);
    free(c->owned);
    free(c->headers);
}
