/* main.c — the afetch command: parses options, opens the inputs, runs the library in the chosen
 * mode and maps the outcome to an exit code. All the fetching lives in lib/. */
#include "afetch.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum exit_code {
    EXIT_ALL_OK = 0,
    EXIT_SOME_FAILED = 1,
    EXIT_USAGE = 2,
    EXIT_INTERRUPTED = 130,
    EXIT_OUTPUT_CLOSED = 141, /* as if killed by SIGPIPE, which is ignored */
};

/* Set by the first SIGINT or SIGTERM; the library reads it through afetch_options.stop. */
static volatile sig_atomic_t interrupted;
/* The loop of the concurrent run under way, for the signal handler to wake. */
static afetch_loop *volatile running_loop;

/* First signal: stop gently (cancel, flush, exit 130). Second: exit at once. */
static void on_interrupt(int signum)
{
    if (interrupted)
        _exit(EXIT_INTERRUPTED);
    interrupted = signum;
    afetch_loop *loop = running_loop;
    if (loop)
        afetch_loop_wake(loop);
}

static void install_signal_handlers(void)
{
    /* A closed pipe must come back as EPIPE, not kill us; libcurl wants the same. */
    signal(SIGPIPE, SIG_IGN);
    /* SA_RESTART: a write to a slow reader or a read of standard input goes on (the loop's
     * epoll_wait and a retry's nanosleep return at once regardless); a second signal exits. */
    struct sigaction action = {.sa_handler = on_interrupt, .sa_flags = SA_RESTART};
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);
}
/* How a run fetches: one event loop, one URL at a time, or a pool of blocking threads. */
enum runner { RUN_ASYNC, RUN_SYNC, RUN_THREADS };
static const char *const runner_names[] = {"async", "sync", "threads"};

struct cli {
    afetch_options opts;
    enum runner runner;
    bool compare;                /* run each of compared, show the last one's results */
    enum runner compared[3];
    size_t compared_count;
    unsigned threads;            /* --threads N; 0: not given */
    int progress;                /* --progress 1, --no-progress 0, else -1: on a terminal */
    afetch_format format;
    bool as_completed, fail_fast, quiet;
    const char *protocols; /* --proto, checked once the input exists */
    unsigned shard_k, shard_n;
    const char **headers;  /* points into argv */
    size_t header_count;
};

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
    OPT_COMPARE,
    OPT_JSON,
    OPT_JSONL,
    OPT_AS_COMPLETED,
    OPT_FAIL_FAST,
    OPT_CONNECT_TIMEOUT,
    OPT_NO_FOLLOW,
    OPT_MAX_REDIRS,
};

static const struct option long_options[] = {
    {"parallel", required_argument, NULL, 'j'},
    {"sync", no_argument, NULL, OPT_SYNC},
    {"compare", optional_argument, NULL, OPT_COMPARE},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"verbose", no_argument, NULL, 'v'},
    {"trace", no_argument, NULL, OPT_TRACE},
    {"progress", no_argument, NULL, OPT_PROGRESS},
    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
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
          "  -o, --output-dir DIR     save each successful body in DIR, all or nothing\n"
          "      --overwrite          let a saved body replace an existing file\n"
          "      --hash               add the SHA-256 of each body to its result\n"
          "Other:\n"
          "  -h, --help               this help\n"
          "  -V, --version            versions of afetch, libcurl, libev and cJSON\n"
          "\n"
          "Exit status: 0 all URLs ok, 1 some URL not ok, 2 usage, input or config error,\n"
          "130 interrupted, 141 standard output closed by its reader.\n",
          out);
}

/* Prints the one-line "afetch: <what>: <detail>" and returns the usage exit code. */
static int usage_error(const char *what, const char *detail)
{
    fprintf(stderr, "afetch: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
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

/* Bytes with an optional k, M or G (1024-based) suffix. */
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
    *out = (int64_t)bytes;
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
        if (errno || end == arg || *end || !(rate > 0 && rate <= 1e6))
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
        if (sscanf(arg, "%u/%u%c", &k, &n, &extra) != 2 || n < 1 || k < 1 || k > n ||
            n > 1000000)
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
    case 'q':
        c->quiet = true;
        return -1;
    case 'v':
        c->opts.verbosity = c->opts.verbosity > 1 ? c->opts.verbosity : 1;
        return -1;
    case OPT_TRACE:
        c->opts.verbosity = 2;
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
    case ':':
        return usage_error(name, "needs a value (see afetch --help)");
    default:
        return usage_error(name, "unknown option (see afetch --help)");
    }
}

/* Parses argv into c; returns -1 to go on, or an exit code. */
static int parse_args(struct cli *c, int argc, char **argv)
{
    afetch_options_init(&c->opts);
    int opt;
    opterr = 0; /* our own one-line errors instead of getopt's */
    while ((opt = getopt_long(argc, argv, ":j:t:X:IH:A:qhVko:v", long_options, NULL)) != -1) {
        /* for errors: the option as typed, or the bad letter of a short one */
        char letter[3] = {'-', (char)optopt, '\0'};
        bool short_one = (opt == '?' || opt == ':') && optopt > 0 && optopt < 256;
        const char *name = short_one ? letter : argv[optind - 1];
        int code = take_option(c, opt, optarg, name);
        if (code >= 0)
            return code;
    }
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
    if (c->opts.cacert && access(c->opts.cacert, R_OK) != 0)
        return usage_error(c->opts.cacert, strerror(errno)); /* --cacert */
    /* One level is created; a DIR that still cannot be written to is no usage error: each URL
     * reports "write", and the run goes on. */
    if (c->opts.output_dir)
        mkdir(c->opts.output_dir, 0777);
    c->opts.headers = c->headers;
    c->opts.header_count = c->header_count;
    return -1;
}

/* A transfer holds one socket once connected. Resolving a name (a socket pair) and happy
 * eyeballs (a second socket) need more for a moment; if that runs the process out, the library
 * lowers the window itself and tries the starved transfer again, so the estimate can be lean. */
enum { FDS_PER_TRANSFER = 1, FDS_SPARE = 64 };

/* Raises the open-file limit as far as -j needs (root may raise the hard limit too), and lowers
 * -j, with a warning, when even that is not enough: better fewer transfers than EMFILE. */
static void fit_parallel_to_fd_limit(struct cli *c)
{
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return;
    rlim_t needed = (rlim_t)c->opts.parallel * FDS_PER_TRANSFER + FDS_SPARE;
    if (limit.rlim_cur < needed) {
        struct rlimit wanted = {.rlim_cur = needed,
                                .rlim_max = limit.rlim_max > needed ? limit.rlim_max : needed};
        if (setrlimit(RLIMIT_NOFILE, &wanted) != 0) {
            limit.rlim_cur = limit.rlim_max;
            setrlimit(RLIMIT_NOFILE, &limit);
        }
        getrlimit(RLIMIT_NOFILE, &limit);
    }
    if (limit.rlim_cur >= needed)
        return;
    rlim_t room = limit.rlim_cur > FDS_SPARE ? (limit.rlim_cur - FDS_SPARE) / FDS_PER_TRANSFER : 1;
    unsigned fitted = room > 1 ? (unsigned)room : 1;
    fprintf(stderr,
            "afetch: warning: --parallel %u needs %llu open files, the limit is %llu; "
            "using --parallel %u\n",
            c->opts.parallel, (unsigned long long)needed, (unsigned long long)limit.rlim_cur,
            fitted);
    c->opts.parallel = fitted;
}

/* Opens every input before anything is fetched, so a bad file name costs no traffic. */
static int open_inputs(afetch_input *in, int argc, char **argv)
{
    char err[512];
    if (argc == 0 && afetch_input_add_path(in, "-", err, sizeof err) != 0)
        return usage_error(err, NULL);
    for (int i = 0; i < argc; i++) {
        int rc = strstr(argv[i], "://") ? afetch_input_add_url(in, argv[i])
                                        : afetch_input_add_path(in, argv[i], err, sizeof err);
        if (rc != 0) {
            fprintf(stderr, "afetch: %s\n", strstr(argv[i], "://") ? "out of memory" : err);
            return EXIT_USAGE;
        }
    }
    return -1;
}

static void print_summary(const char *mode, const afetch_summary *s)
{
    fprintf(stderr, "%s: %zu URLs, %zu ok, %zu failed, %lld bytes, %.3f s, parallel %u\n", mode,
            s->urls, s->ok, s->failed, (long long)s->bytes, s->elapsed, s->parallel);
}

/* Requests kept in memory, for --compare, which runs the same list twice. */
struct recording {
    afetch_request *requests;
    size_t count, cap, next;
};

static char *dup_or_null(const char *s, bool *failed)
{
    char *copy = s ? strdup(s) : NULL;
    *failed = *failed || (s && !copy);
    return copy;
}

static int record_one(struct recording *rec, const afetch_request *req)
{
    if (rec->count == rec->cap) {
        size_t cap = rec->cap ? 2 * rec->cap : 64;
        afetch_request *grown = realloc(rec->requests, cap * sizeof *grown);
        if (!grown)
            return -1;
        rec->requests = grown;
        rec->cap = cap;
    }
    bool failed = false;
    afetch_request *copy = &rec->requests[rec->count];
    *copy = (afetch_request){.error_code = req->error_code, .header_count = req->header_count};
    copy->url = dup_or_null(req->url, &failed);
    copy->label = dup_or_null(req->label, &failed);
    copy->method = dup_or_null(req->method, &failed);
    copy->error_message = dup_or_null(req->error_message, &failed);
    char **headers = req->header_count ? calloc(req->header_count, sizeof *headers) : NULL;
    failed = failed || (req->header_count && !headers);
    for (size_t i = 0; headers && i < req->header_count; i++)
        headers[i] = dup_or_null(req->headers[i], &failed);
    copy->headers = (const char *const *)headers;
    rec->count++; /* even when failed, so that the parts are freed */
    return failed ? -1 : 0;
}

static void recording_free(struct recording *rec)
{
    for (size_t i = 0; i < rec->count; i++) {
        afetch_request *r = &rec->requests[i];
        free((char *)r->url);
        free((char *)r->label);
        free((char *)r->method);
        free((char *)r->error_message);
        for (size_t h = 0; r->headers && h < r->header_count; h++)
            free((char *)r->headers[h]);
        free((void *)r->headers);
    }
    free(rec->requests);
}

static bool replay_next(void *arg, afetch_request *req)
{
    struct recording *rec = arg;
    if (rec->next == rec->count)
        return false;
    *req = rec->requests[rec->next++];
    return true;
}

/* The progress line and the log share standard error: a log line first clears the progress
 * line, which the next update redraws. Only the main thread draws; log lines may come from
 * worker threads, each written in one call. */
struct display {
    bool progress;
    size_t total; /* entries in the input, when it could be counted; 0: unknown */
    double last_draw;
    bool drawn;
};

static void clear_progress(struct display *d)
{
    if (d->drawn) {
        fputs("\r\033[K", stderr);
        d->drawn = false;
    }
}

static void log_to_stderr(void *arg, const char *line)
{
    struct display *d = arg;
    if (d->progress)
        clear_progress(d);
    fprintf(stderr, "afetch: %s\n", line);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* afetch_stream.progress: one line, redrawn at most 10 times a second. */
static void draw_progress(void *arg, const afetch_progress *p)
{
    struct display *d = arg;
    double now = now_seconds();
    if (now - d->last_draw < 0.1 && !(d->total && p->done == d->total))
        return;
    d->last_draw = now;
    double rate = p->elapsed > 0 ? (double)p->done / p->elapsed : 0;
    char done[64], eta[32] = "";
    if (d->total) {
        snprintf(done, sizeof done, "%zu/%zu", p->done, d->total);
        if (rate > 0 && p->done < d->total)
            snprintf(eta, sizeof eta, " · ETA %.0f s", (double)(d->total - p->done) / rate);
    } else {
        snprintf(done, sizeof done, "%zu", p->done);
    }
    fprintf(stderr, "\r\033[K%s done · %zu ok · %zu failed · %zu in flight · %.1f MB · %.0f/s%s",
            done, p->ok, p->failed, p->in_flight, (double)p->bytes / 1e6, rate, eta);
    d->drawn = true;
}

/* Entries in the list files, for the progress line's total; 0 if any source cannot be counted
 * ahead (standard input). Counts the lines that are not blank or comments. */
static size_t count_entries(int argc, char **argv)
{
    size_t total = 0;
    for (int i = 0; i < argc; i++) {
        if (strstr(argv[i], "://")) {
            total++;
            continue;
        }
        FILE *f = strcmp(argv[i], "-") == 0 ? NULL : fopen(argv[i], "r");
        if (!f)
            return 0;
        char line[4096];
        bool fresh = true; /* at the start of a line */
        while (fgets(line, sizeof line, f)) {
            const char *p = line + strspn(line, " \t\r");
            if (fresh && *p && *p != '\n' && *p != '#')
                total++;
            fresh = strchr(line, '\n') != NULL;
        }
        fclose(f);
    }
    return argc ? total : 0;
}

/* One run's plumbing: where requests come from, where results go, and how to stop early when
 * the output is gone. */
struct run {
    afetch_next_fn *next;
    void *next_arg;
    struct display *display;
    bool out_is_terminal;
    const afetch_input *in; /* maps a shard's numbering back to whole-list indexes */
    afetch_output *out;
    afetch_loop *loop; /* during a concurrent run */
    bool stopped;
};

static bool run_next(void *arg, afetch_request *req)
{
    struct run *run = arg;
    return !run->stopped && run->next(run->next_arg, req);
}

static void run_deliver(void *arg, const afetch_result *r)
{
    struct run *run = arg;
    if (run->display && run->out_is_terminal)
        clear_progress(run->display); /* the row takes the progress line's place */
    afetch_result global = *r;
    global.index = afetch_input_position(run->in, r->index);
    afetch_output_result(run->out, &global);
    if (afetch_output_failed(run->out) && !run->stopped) {
        run->stopped = true;
        if (run->loop)
            afetch_loop_cancel(run->loop);
    }
}

/* The threads of a threads run: --threads N, else as many as the window, at most 64. */
static unsigned thread_count(const struct cli *c)
{
    if (c->threads)
        return c->threads;
    return c->opts.parallel < 64 ? c->opts.parallel : 64;
}

/* Runs once with runner; -1 when out of memory. */
static int run_once(const struct cli *c, struct run *run, enum runner runner, afetch_summary *s)
{
    bool progress = run->display && run->display->progress;
    afetch_stream stream = {.next = run_next,
                            .next_arg = run,
                            .deliver = run_deliver,
                            .deliver_arg = run,
                            .mode = c->fail_fast ? AFETCH_FAIL_FAST : AFETCH_RETURN_ERRORS,
                            .as_completed = c->as_completed,
                            .progress = progress ? draw_progress : NULL,
                            .progress_arg = run->display};
    if (runner == RUN_SYNC)
        return afetch_run_sync(&c->opts, &stream, s);
    if (runner == RUN_THREADS)
        return afetch_run_threads(&c->opts, thread_count(c), &stream, s);
    run->loop = afetch_loop_new(&c->opts);
    if (!run->loop)
        return -1;
    running_loop = run->loop;
    int rc = afetch_run_stream(run->loop, &stream, s);
    running_loop = NULL;
    afetch_loop_free(run->loop);
    run->loop = NULL;
    return rc;
}

/* CPU seconds (user + system) of the whole process so far, all threads. */
static double cpu_seconds(void)
{
    struct rusage use;
    getrusage(RUSAGE_SELF, &use);
    return (double)use.ru_utime.tv_sec + (double)use.ru_utime.tv_usec / 1e6 +
           (double)use.ru_stime.tv_sec + (double)use.ru_stime.tv_usec / 1e6;
}

/* --compare: the list is read once into memory, then run in each mode on fresh connections.
 * Only the last mode's results are printed; the others are counted. */
static int run_compare(const struct cli *c, afetch_input *in, afetch_output *out, afetch_summary *s,
                       afetch_compare *cmp, struct display *display)
{
    struct recording rec = {0};
    afetch_request req;
    int rc = 0;
    while (rc == 0 && afetch_input_next(in, &req))
        rc = record_one(&rec, &req);
    afetch_output *counted = afetch_output_new(stdout, AFETCH_FORMAT_NONE, "compare");
    *cmp = (afetch_compare){0};
    for (size_t i = 0; rc == 0 && counted && i < c->compared_count && !interrupted; i++) {
        enum runner runner = c->compared[i];
        bool last = i + 1 == c->compared_count;
        struct run run = {.next = replay_next,
                          .next_arg = &rec,
                          .in = in,
                          .out = last ? out : counted,
                          .display = display,
                          .out_is_terminal = isatty(STDOUT_FILENO)};
        rec.next = 0;
        double cpu = cpu_seconds();
        rc = run_once(c, &run, runner, s);
        if (run.display)
            clear_progress(run.display);
        cmp->modes[cmp->count++] = (afetch_mode_stats){.mode = runner_names[runner],
                                                       .elapsed = s->elapsed,
                                                       .cpu = cpu_seconds() - cpu,
                                                       .urls = s->urls};
        if (!last)
            print_summary(runner_names[runner], s);
    }
    afetch_output_free(counted);
    recording_free(&rec);
    return counted ? rc : -1;
}

/* The comparison for people, on standard error. */
static void print_compare(const afetch_compare *cmp)
{
    fprintf(stderr, "%-8s %10s %10s %9s %8s\n", "mode", "elapsed", "req/s", "cpu", "speedup");
    for (size_t i = 0; i < cmp->count; i++) {
        const afetch_mode_stats *m = &cmp->modes[i];
        double rate = m->elapsed > 0 ? (double)m->urls / m->elapsed : 0;
        double speedup = m->elapsed > 0 ? cmp->modes[0].elapsed / m->elapsed : 0;
        fprintf(stderr, "%-8s %8.2f s %10.1f %7.2f s %7.1f×\n", m->mode, m->elapsed, rate,
                m->cpu, speedup);
    }
    for (size_t i = 0; i < cmp->count; i++)
        fprintf(stderr, "%s %.2f s · ", cmp->modes[i].mode, cmp->modes[i].elapsed);
    const afetch_mode_stats *last = &cmp->modes[cmp->count - 1];
    fprintf(stderr, "speedup %.1f×\n",
            last->elapsed > 0 ? cmp->modes[0].elapsed / last->elapsed : 0);
}

static int run_and_report(const struct cli *c, afetch_input *in, struct display *display)
{
    const char *mode = c->compare ? "compare" : runner_names[c->runner];
    afetch_output *out = afetch_output_new(stdout, c->format, mode);
    const char *no_color = getenv("NO_COLOR");
    const char *term = getenv("TERM");
    if (out && isatty(STDOUT_FILENO) && !(no_color && *no_color) && !(term && !strcmp(term, "dumb")))
        afetch_output_set_color(out, true);
    if (!out) {
        fputs("afetch: out of memory\n", stderr);
        return EXIT_USAGE;
    }
    afetch_summary summary = {0};
    afetch_compare cmp = {0};
    int rc;
    if (c->compare) {
        rc = run_compare(c, in, out, &summary, &cmp, display);
    } else {
        struct run run = {.next = afetch_input_next,
                          .next_arg = in,
                          .in = in,
                          .out = out,
                          .display = display,
                          .out_is_terminal = isatty(STDOUT_FILENO)};
        rc = run_once(c, &run, c->runner, &summary);
        clear_progress(display);
    }
    int written = afetch_output_finish(out, &summary, c->compare ? &cmp : NULL);
    int write_errno = errno;
    afetch_output_free(out);
    if (written != 0 && write_errno == EPIPE)
        return EXIT_OUTPUT_CLOSED; /* the reader went away: quietly */
    const char *last = c->compare && cmp.count ? cmp.modes[cmp.count - 1].mode : mode;
    print_summary(last, &summary);
    if (strcmp(last, "async") == 0 && summary.parallel < c->opts.parallel && summary.urls > 0)
        fprintf(stderr, "afetch: warning: out of file descriptors; ran with --parallel %u\n",
                summary.parallel);
    if (c->compare && cmp.count == c->compared_count)
        print_compare(&cmp);
    if (written != 0) {
        fprintf(stderr, "afetch: standard output: %s\n", strerror(write_errno));
        return EXIT_USAGE;
    }
    if (interrupted) {
        fputs("afetch: interrupted; the results above stand\n", stderr);
        return EXIT_INTERRUPTED;
    }
    if (rc != 0) {
        fputs("afetch: out of memory; the results above stand, the rest were not fetched\n",
              stderr);
        return EXIT_USAGE;
    }
    if (afetch_input_error(in)) {
        fprintf(stderr, "afetch: %s; the results above stand\n", afetch_input_error(in));
        return EXIT_USAGE;
    }
    return summary.failed ? EXIT_SOME_FAILED : EXIT_ALL_OK;
}

int main(int argc, char **argv)
{
    install_signal_handlers();
    struct cli c = {.runner = RUN_ASYNC, .format = AFETCH_FORMAT_TABLE, .progress = -1};
    c.headers = calloc((size_t)argc, sizeof *c.headers);
    if (!c.headers) {
        fputs("afetch: out of memory\n", stderr);
        return EXIT_USAGE;
    }
    int code = parse_args(&c, argc, argv);
    if (code >= 0) {
        free(c.headers);
        return code;
    }
    if (afetch_global_init() != 0) {
        fputs("afetch: libcurl failed to start\n", stderr);
        free(c.headers);
        return EXIT_USAGE;
    }
    if (c.runner != RUN_SYNC || c.compare)
        fit_parallel_to_fd_limit(&c);
    c.opts.stop = &interrupted;
    afetch_input *in = afetch_input_new();
    code = in ? -1 : EXIT_USAGE;
    char err[256];
    if (in && c.protocols && afetch_input_set_protocols(in, c.protocols, err, sizeof err) != 0)
        code = usage_error("--proto", err);
    if (code < 0)
        code = open_inputs(in, argc - optind, argv + optind);
    if (code < 0 && c.shard_n)
        afetch_input_set_shard(in, c.shard_k, c.shard_n);
    struct display display = {.progress = c.progress == 1 ||
                                          (c.progress == -1 && isatty(STDERR_FILENO))};
    if (display.progress)
        display.total = count_entries(argc - optind, argv + optind);
    if (display.total && c.shard_n)
        display.total = (display.total + c.shard_n - c.shard_k) / c.shard_n;
    c.opts.log = log_to_stderr;
    c.opts.log_arg = &display;
    if (code < 0)
        code = run_and_report(&c, in, &display);
    afetch_input_free(in);
    afetch_global_cleanup();
    free(c.headers);
    return code;
}
