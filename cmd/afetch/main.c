/* main.c — the afetch command: reads the options, opens the inputs, runs the library in the
 * chosen mode(s) and maps the outcome to an exit code. All the fetching lives in lib/. */
#include "cli.h"
#include "display.h"
#include "recording.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <unistd.h>

/* Set by the first SIGINT or SIGTERM; the library reads it through afetch_options.stop. */
static volatile sig_atomic_t interrupted;
/* SIGINTs and SIGTERMs so far. */
static volatile sig_atomic_t signals_seen;
/* The loop of the concurrent run under way, for the signal handler to wake. */
static afetch_loop *volatile running_loop;
/* SIGWINCHes so far: the progress line and the table measure the terminal again after one. The
 * handler may run on any thread, hence an atomic (lock-free, so safe in a handler). */
static atomic_uint window_changes;

/* The first signal stops gently: nothing new starts, what runs is cancelled (its temporary
 * file removed), the output is completed, exit 130. Stopping never waits for input, so a
 * second signal (an impatient hand) is taken like the first and cannot cut the output short.
 * Only a third exits at once: the way out when a reader that no longer reads holds up the
 * output, at the price of a cut output and maybe a temporary file in -o DIR. */
static void on_interrupt(int signum)
{
    if (++signals_seen >= 3)
        _exit(EXIT_INTERRUPTED);
    if (!interrupted)
        interrupted = signum;
    afetch_loop *loop = running_loop;
    if (loop)
        afetch_loop_wake(loop);
}

static void on_window_change(int signum)
{
    (void)signum;
    atomic_fetch_add(&window_changes, 1);
}

/* Called by main before any thread starts: a signal's disposition is the whole process's. */
static void install_signal_handlers(void)
{
    /* A closed pipe must come back as EPIPE, not kill us; libcurl wants the same. */
    signal(SIGPIPE, SIG_IGN);
    /* SA_RESTART: a write to a slow reader goes on (the loop's epoll_wait, a wait for input
     * and a retry's nanosleep return at once regardless). Input is read by a thread of its
     * own that takes no signals, so no read holds up a stop. The two signals do not interrupt
     * each other's handler, so that the count stays exact. */
    struct sigaction action = {.sa_handler = on_interrupt, .sa_flags = SA_RESTART};
    sigemptyset(&action.sa_mask);
    sigaddset(&action.sa_mask, SIGINT);
    sigaddset(&action.sa_mask, SIGTERM);
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);
    struct sigaction resize = {.sa_handler = on_window_change, .sa_flags = SA_RESTART};
    sigemptyset(&resize.sa_mask);
    sigaction(SIGWINCH, &resize, NULL);
}

/* A transfer holds one socket once connected. Resolving a name (a socket pair) and happy
 * eyeballs (a second socket) need more for a moment; if that runs the process out, the library
 * lowers the window itself and tries the starved transfer again, so the estimate can be lean.
 * The process itself (standard streams, the loop, its wake-ups, the lists) keeps FDS_SPARE, or a
 * quarter of a smaller limit, but no fewer than FDS_SPARE_MIN. */
enum { FDS_PER_TRANSFER = 1, FDS_SPARE = 64, FDS_SPARE_MIN = 16 };
/* What each loop of a run on several loops takes: an epoll, an eventfd, libcurl's wake-up
 * socket pair. */
enum { FDS_PER_LOOP = 4 };

static rlim_t spare_fds(rlim_t limit)
{
    rlim_t quarter = limit / 4;
    return quarter > FDS_SPARE ? FDS_SPARE : quarter < FDS_SPARE_MIN ? FDS_SPARE_MIN : quarter;
}

/* The transfers a run can have in flight: -j, or the length of a shorter list when it can be
 * counted ahead (URL arguments and regular files; not a pipe, which is read once). */
static unsigned window_for_work(const struct cli *c)
{
    size_t work = count_entries(c->operand_count, c->operands);
    if (work && c->shard_n)
        work = (work + c->shard_n - c->shard_k) / c->shard_n;
    return work && work < c->opts.parallel ? (unsigned)work : c->opts.parallel;
}

/* Raises the soft open-file limit to the hard one (and the hard one too where -j needs more
 * and the process may), then lowers -j, with a warning, if even that is not enough for the
 * window the work needs: better fewer transfers than EMFILE. */
static void fit_parallel_to_fd_limit(struct cli *c)
{
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return;
    /* a loop of its own: an epoll, an eventfd, libcurl's wake-up socket pair */
    unsigned loops = c->opts.loops < c->opts.parallel ? c->opts.loops : c->opts.parallel;
    rlim_t spare = FDS_SPARE + (rlim_t)(loops > 1 ? loops : 0) * FDS_PER_LOOP;
    rlim_t needed = (rlim_t)c->opts.parallel * FDS_PER_TRANSFER + spare;
    struct rlimit wanted = {.rlim_cur = limit.rlim_max > needed ? limit.rlim_max : needed,
                            .rlim_max = limit.rlim_max > needed ? limit.rlim_max : needed};
    if (setrlimit(RLIMIT_NOFILE, &wanted) != 0) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
    getrlimit(RLIMIT_NOFILE, &limit);
    if (limit.rlim_cur >= needed)
        return;
    unsigned window = window_for_work(c); /* counted only now that it matters */
    spare = spare_fds(limit.rlim_cur) + (rlim_t)(loops > 1 ? loops : 0) * FDS_PER_LOOP;
    rlim_t room = limit.rlim_cur > spare ? (limit.rlim_cur - spare) / FDS_PER_TRANSFER : 1;
    if (room >= window)
        return;
    unsigned fitted = room > 1 ? (unsigned)room : 1;
    char asked[64];
    if (window < c->opts.parallel)
        snprintf(asked, sizeof asked, "%u URLs at once", window);
    else
        snprintf(asked, sizeof asked, "--parallel %u", window);
    fprintf(stderr,
            "afetch: warning: %s need%s %llu open files, the limit is %llu; using --parallel %u\n",
            asked, window < c->opts.parallel ? "" : "s",
            (unsigned long long)(window * FDS_PER_TRANSFER + spare),
            (unsigned long long)limit.rlim_cur, fitted);
    c->opts.parallel = fitted;
}

/* The extensions of list files: a missing name.ext with one of them is taken for that file. */
static bool list_extension(const char *ext)
{
    static const char *const known[] = {"txt",   "list",   "lst",  "urls", "csv", "tsv", "json",
                                        "jsonl", "ndjson", "conf", "log",  "in",  "out", "md"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcasecmp(ext, known[i]) == 0)
            return true;
    return false;
}

/* A host name: labels of letters, digits, '-' (or UTF-8) joined by dots, two at least, the last
 * one of letters only and two of them at least. */
static bool host_name(const char *name)
{
    const char *last = strrchr(name, '.');
    if (!last || strlen(last + 1) < 2)
        return false;
    for (const char *p = name; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        bool letter = isalpha(ch) || ch >= 0x80;
        if (ch == '.' ? p == name || p[-1] == '.' : !(letter || isdigit(ch) || ch == '-'))
            return false;
        if (p > last && !letter)
            return false;
    }
    return true;
}

/* An IPv4 address, or an IPv6 one in brackets. */
static bool address_literal(const char *name)
{
    unsigned char binary[16];
    char inside[64];
    size_t len = strlen(name);
    if (name[0] != '[')
        return inet_pton(AF_INET, name, binary) == 1;
    if (len < 3 || len - 2 >= sizeof inside || name[len - 1] != ']')
        return false;
    snprintf(inside, sizeof inside, "%.*s", (int)(len - 2), name + 1);
    return inet_pton(AF_INET6, inside, binary) == 1;
}

/* Whether arg, a list file that is not there, looks like host[:port][/path] typed without a
 * scheme; if so, the URL it most likely means goes to url: http:// for an address, localhost or
 * a port, https:// for a name (as a list line without a scheme gets). */
static bool looks_like_url(const char *arg, char *url, size_t size)
{
    size_t host_len = strcspn(arg, "/");
    const char *close = arg[0] == '[' ? memchr(arg, ']', host_len) : NULL;
    size_t name_len = arg[0] == '[' ? (close ? (size_t)(close - arg) + 1 : 0) : strcspn(arg, ":/");
    const char *port = arg + name_len, *end = arg + host_len;
    bool has_port = port < end && *port == ':' && end - port >= 2 && end - port <= 6;
    for (const char *p = port + 1; has_port && p < end; p++)
        has_port = *p >= '0' && *p <= '9';
    if (name_len == 0 || name_len >= 256 || (port < end && !has_port))
        return false;
    char name[256];
    snprintf(name, sizeof name, "%.*s", (int)name_len, arg);
    bool numeric = address_literal(name), local = strcasecmp(name, "localhost") == 0;
    if (!numeric && !local &&
        (!host_name(name) || (!has_port && !*end && list_extension(strrchr(name, '.') + 1))))
        return false;
    snprintf(url, size, "%s://%s", numeric || local || has_port ? "http" : "https", arg);
    return true;
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
            char url[512];
            if (!strstr(argv[i], "://") && access(argv[i], F_OK) != 0 && errno == ENOENT &&
                looks_like_url(argv[i], url, sizeof url))
                print_error("%s: not a file; did you mean %s?", argv[i], url);
            else
                print_error("%s", strstr(argv[i], "://") ? "out of memory" : err);
            return EXIT_USAGE;
        }
    }
    return -1;
}

/* The summary line; with --resume, results_file names where the entries done before are. */
static void print_summary(const char *mode, const afetch_summary *s, const char *results_file,
                          size_t resumed_failed)
{
    fprintf(stderr, "%s: %zu URL%s, %zu ok, %zu failed, %lld bytes, %.3f s, parallel %u", mode,
            s->urls, s->urls == 1 ? "" : "s", s->ok, s->failed, (long long)s->bytes, s->elapsed,
            s->parallel);
    if (s->loops > 1)
        fprintf(stderr, ", %u loops", s->loops);
    if (s->skipped)
        fprintf(stderr, "; %zu skipped (their file exists)", s->skipped);
    if (s->resumed) {
        char shown[4 * 256];
        size_t len = strlen(results_file);
        afetch_escape_terminal(results_file, len < 256 ? len : 256, shown, sizeof shown);
        fprintf(stderr, "; %zu done before, in %s", s->resumed, shown);
        if (resumed_failed)
            fprintf(stderr, " (%zu of them failed)", resumed_failed);
    }
    fputc('\n', stderr);
}

/* One run's plumbing: where requests come from, where results go, and how to stop early when
 * the output is gone. */
struct run {
    afetch_next_fn *next;
    void *next_arg;
    int (*ready_fd)(void *next_arg); /* for a next that may wait, else NULL */
    struct display *display;
    bool out_is_terminal;
    unsigned window_changes;   /* when the table last measured the terminal */
    afetch_timeline *timeline; /* --timeline, or NULL */
    bool timeline_failed;      /* out of memory while adding to it */
    const afetch_input *in;    /* maps a shard's numbering back to whole-list indexes */
    size_t entries;            /* entries next() has handed out so far */
    afetch_output *out;
    afetch_loop *loop; /* during a concurrent run */
    bool stopped;
    afetch_results *results;        /* --results FILE, or NULL */
    int results_errno;              /* why writing it failed, which stopped the run; or 0 */
    size_t resumed, resumed_failed; /* entries done by an earlier run, not fetched again */
    bool list_changed;              /* an index of FILE had another URL: the run stopped */
    char changed[1200];             /* what list_changed says */
};

/* Nothing new starts; what runs is cancelled unless it may finish (gently). */
static void stop_run(struct run *run, bool gently)
{
    if (run->stopped)
        return;
    run->stopped = true;
    if (run->loop && !gently)
        afetch_loop_cancel(run->loop);
}

/* --resume: whether an earlier run finished the entry req, which is then not fetched. A
 * result for its index with another URL stops the run: the list changed. */
static bool done_before(struct run *run, const afetch_request *req)
{
    switch (afetch_results_check(run->results, req->index, req->url, run->changed,
                                 sizeof run->changed)) {
    case AFETCH_RESUME_FETCH:
        return false;
    case AFETCH_RESUME_DONE_FAILED:
        run->resumed_failed++;
        /* fall through */
    case AFETCH_RESUME_DONE_OK:
        run->resumed++;
        if (run->display && run->display->total > 0)
            run->display->total--; /* the progress line counts what this run fetches */
        return true;
    case AFETCH_RESUME_CHANGED:
        run->list_changed = true;
        stop_run(run, true); /* what runs belongs to the list as it was checked so far */
        return true;
    }
    return false;
}

/* Numbers each entry by its position in the whole list, so that its result and an indexed
 * saved name carry that position whatever part of the list this run fetches; leaves out
 * what --resume finds done. */
static afetch_next run_next(void *arg, afetch_request *req)
{
    struct run *run = arg;
    for (;;) {
        if (run->stopped || interrupted)
            return AFETCH_NEXT_END;
        afetch_next got = run->next(run->next_arg, req);
        if (got != AFETCH_NEXT_ENTRY)
            return got;
        req->numbered = true;
        req->index = afetch_input_position(run->in, run->entries++);
        if (!run->results || !done_before(run, req))
            return got;
    }
}

static int run_ready_fd(void *arg)
{
    struct run *run = arg;
    return run->ready_fd ? run->ready_fd(run->next_arg) : -1;
}

static void run_deliver(void *arg, const afetch_result *r)
{
    struct run *run = arg;
    if (run->display && run->out_is_terminal)
        clear_progress(run->display); /* the row takes the progress line's place */
    unsigned changes = atomic_load(&window_changes);
    if (run->out_is_terminal && run->window_changes != changes) {
        run->window_changes = changes;
        afetch_output_set_terminal(run->out, terminal_width(STDOUT_FILENO));
    }
    afetch_output_result(run->out, r);
    if (run->timeline && afetch_timeline_add(run->timeline, r) != 0)
        run->timeline_failed = true;
    /* a result that cannot be kept is fetched again by --resume: better to stop here */
    if (run->results && afetch_results_add(run->results, r) != 0 && !run->results_errno)
        run->results_errno = errno;
    if (afetch_output_failed(run->out) || run->results_errno)
        stop_run(run, false);
}

/* A batch of results is over: what the output held back is written. */
static void run_flush(void *arg)
{
    struct run *run = arg;
    if (run->display && run->out_is_terminal)
        clear_progress(run->display); /* the lines take the progress line's place */
    afetch_output_flush(run->out);
    if (afetch_output_failed(run->out))
        stop_run(run, false);
}

/* The threads of a threads run: --threads N, else as many as the window, at most 64. */
static unsigned thread_count(const struct cli *c)
{
    if (c->threads)
        return c->threads;
    return c->opts.parallel < 64 ? c->opts.parallel : 64;
}

/* Runs once with runner; -1 when out of memory. */
static int run_mode(const struct cli *c, struct run *run, enum runner runner, afetch_summary *s)
{
    bool progress = run->display && run->display->progress;
    afetch_stream stream = {.next = run_next,
                            .next_arg = run,
                            .ready_fd = run_ready_fd,
                            .deliver = run_deliver,
                            .deliver_arg = run,
                            .mode = c->fail_fast ? AFETCH_FAIL_FAST : AFETCH_RETURN_ERRORS,
                            .as_completed = c->as_completed,
                            .progress = progress ? draw_progress : NULL,
                            .progress_arg = run->display,
                            .flush = run_flush};
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

/* run_mode, drawn as one panel of the timeline. */
static int run_once(const struct cli *c, struct run *run, enum runner runner, afetch_summary *s)
{
    if (run->timeline && afetch_timeline_panel(run->timeline, runner_names[runner]) != 0)
        run->timeline_failed = true;
    int rc = run_mode(c, run, runner, s);
    if (run->timeline)
        afetch_timeline_panel_elapsed(run->timeline, s->elapsed);
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

/* Reads all of in into rec, for --compare; waiting for a pipe ends with a signal. 0, or -1
 * when out of memory. */
static int record_input(afetch_input *in, struct recording *rec)
{
    afetch_request req;
    afetch_next got;
    int rc = 0;
    while (rc == 0 && !interrupted && (got = afetch_input_next(in, &req)) != AFETCH_NEXT_END) {
        if (got == AFETCH_NEXT_ENTRY) {
            rc = record_one(rec, &req);
        } else {
            struct pollfd ready = {.fd = afetch_input_ready_fd(in), .events = POLLIN};
            poll(&ready, 1, 100);
        }
    }
    return rc;
}

/* --compare: the list is read once into memory, then run in each mode on fresh connections.
 * Only the last mode's results are printed; the others are counted. */
static int run_compare(const struct cli *c, struct run *base, afetch_summary *s,
                       afetch_compare *cmp)
{
    struct recording rec = {0};
    int rc = record_input(base->next_arg, &rec);
    afetch_output *counted = afetch_output_new(stdout, AFETCH_FORMAT_NONE, "compare");
    *cmp = (afetch_compare){0};
    for (size_t i = 0; rc == 0 && counted && i < c->compared_count && !interrupted; i++) {
        enum runner runner = c->compared[i];
        bool last = i + 1 == c->compared_count;
        struct run run = *base;
        run.next = replay_next;
        run.next_arg = &rec;
        run.ready_fd = NULL;
        run.out = last ? base->out : counted;
        rec.next = 0;
        /* every mode starts from the -b cookies alone; the jar keeps the last mode's */
        struct cli mode = *c;
        if (!last)
            mode.opts.cookie_jar = NULL;
        if (c->opts.output_dir)
            mode.opts.output_dir = c->mode_dirs[runner];
        double cpu = cpu_seconds();
        rc = run_once(&mode, &run, runner, s);
        base->timeline_failed |= run.timeline_failed;
        clear_progress(run.display);
        cmp->modes[cmp->count++] = (afetch_mode_stats){.mode = runner_names[runner],
                                                       .elapsed = s->elapsed,
                                                       .cpu = cpu_seconds() - cpu,
                                                       .urls = s->urls,
                                                       .loops = s->loops};
        if (!last)
            print_summary(runner_names[runner], s, NULL, 0);
    }
    afetch_output_free(counted);
    recording_free(&rec);
    return counted ? rc : -1;
}

/* A mode as the comparison shows it: "async ×4 loops" when it ran on several. */
static const char *mode_label(const afetch_mode_stats *m, char *buf, size_t size)
{
    if (m->loops < 2)
        return m->mode;
    snprintf(buf, size, "%s ×%u loops", m->mode, m->loops);
    return buf;
}

/* The comparison for people, on standard error. */
static void print_compare(const afetch_compare *cmp)
{
    char label[64];
    /* "×" is two bytes that show as one column */
    int width = 8;
    for (size_t i = 0; i < cmp->count; i++) {
        const char *shown = mode_label(&cmp->modes[i], label, sizeof label);
        int columns = (int)strlen(shown) - (cmp->modes[i].loops > 1);
        width = columns > width ? columns : width;
    }
    fprintf(stderr, "%-*s %10s %10s %9s %8s\n", width, "mode", "elapsed", "req/s", "cpu",
            "speedup");
    for (size_t i = 0; i < cmp->count; i++) {
        const afetch_mode_stats *m = &cmp->modes[i];
        double rate = m->elapsed > 0 ? (double)m->urls / m->elapsed : 0;
        double speedup = m->elapsed > 0 ? cmp->modes[0].elapsed / m->elapsed : 0;
        fprintf(stderr, "%-*s %8.2f s %10.1f %7.2f s %7.1f×\n", width + (m->loops > 1),
                mode_label(m, label, sizeof label), m->elapsed, rate, m->cpu, speedup);
    }
    for (size_t i = 0; i < cmp->count; i++)
        fprintf(stderr, "%s %.2f s · ", mode_label(&cmp->modes[i], label, sizeof label),
                cmp->modes[i].elapsed);
    const afetch_mode_stats *last = &cmp->modes[cmp->count - 1];
    fprintf(stderr, "speedup %.1f×\n",
            last->elapsed > 0 ? cmp->modes[0].elapsed / last->elapsed : 0);
}

/* Writes the --timeline file, also after failures and interrupts; -1 after saying why. */
static int save_timeline(const struct cli *c, struct run *run)
{
    if (!c->timeline)
        return 0;
    int rc = run->timeline_failed ? -1 : afetch_timeline_save(run->timeline, c->timeline);
    if (rc != 0)
        print_error("cannot write the timeline %s: %s", c->timeline,
                    run->timeline_failed ? "out of memory" : strerror(errno));
    afetch_timeline_free(run->timeline);
    run->timeline = NULL;
    return rc;
}

/* What the command line asked of the output beyond its format. */
static void set_up_output(const struct cli *c, afetch_output *out)
{
    const char *no_color = getenv("NO_COLOR");
    const char *term = getenv("TERM");
    if (isatty(STDOUT_FILENO) && !(no_color && *no_color) && !(term && !strcmp(term, "dumb")))
        afetch_output_set_color(out, true);
    afetch_output_set_terminal(out, terminal_width(STDOUT_FILENO));
    afetch_output_show_response(out, c->opts.body_max > 0, c->opts.keep_headers);
    if (c->template)
        afetch_output_set_template(out, c->template);
}

/* --results FILE, opened (and with --resume, read) before anything is fetched. 0, or -1 after
 * saying why. */
static int open_results(const struct cli *c, struct run *run)
{
    char err[1024];
    if (!c->results)
        return 0;
    run->results = afetch_results_open(c->results, c->results_mode, err, sizeof err);
    if (!run->results) {
        print_error("--results: %s", err);
        return -1;
    }
    if (afetch_results_cut(run->results) > 0)
        print_error("warning: %s ended in a torn line (%lld bytes, a write cut short); cut away",
                    c->results, afetch_results_cut(run->results));
    afetch_results_show_response(run->results, c->opts.body_max > 0, c->opts.keep_headers);
    return 0;
}

/* The exit status of a run whose output is complete, after saying what went wrong. */
static int verdict(const struct cli *c, const struct run *run, int rc, const afetch_summary *s,
                   int results_closed)
{
    if (run->results_errno || results_closed != 0) {
        print_error("cannot write the results file %s: %s; it keeps the whole lines written, "
                    "and --resume goes on from there",
                    c->results, strerror(run->results_errno ? run->results_errno : results_closed));
        return EXIT_USAGE;
    }
    if (s->cookie_jar_errno) {
        fprintf(stderr, "afetch: cannot write the cookie jar %s: %s\n", c->opts.cookie_jar,
                strerror(s->cookie_jar_errno));
        return EXIT_USAGE;
    }
    if (run->list_changed) {
        print_error("%s", run->changed);
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
    if (afetch_input_error(run->in)) {
        print_error("%s; the results above stand", afetch_input_error(run->in));
        return EXIT_USAGE;
    }
    return s->failed || run->resumed_failed ? EXIT_SOME_FAILED : EXIT_ALL_OK;
}

static int run_and_report(const struct cli *c, afetch_input *in, struct display *display)
{
    const char *mode = c->compare ? "compare" : runner_names[c->runner];
    afetch_output *out = afetch_output_new(stdout, c->format, mode);
    if (!out) {
        fputs("afetch: out of memory\n", stderr);
        return EXIT_USAGE;
    }
    set_up_output(c, out);
    afetch_summary summary = {0};
    afetch_compare cmp = {0};
    struct run run = {.next = afetch_input_next,
                      .next_arg = in,
                      .ready_fd = afetch_input_ready_fd,
                      .in = in,
                      .out = out,
                      .display = display,
                      .out_is_terminal = isatty(STDOUT_FILENO),
                      .window_changes = atomic_load(&window_changes)};
    if (open_results(c, &run) != 0) {
        afetch_output_free(out);
        return EXIT_USAGE;
    }
    run.timeline = c->timeline ? afetch_timeline_new() : NULL;
    run.timeline_failed = c->timeline && !run.timeline;
    int rc =
        c->compare ? run_compare(c, &run, &summary, &cmp) : run_once(c, &run, c->runner, &summary);
    clear_progress(display);
    /* durable first: the file is what survives whatever happens to standard output */
    int results_closed = afetch_results_close(run.results) != 0 ? errno : 0;
    summary.resumed = run.resumed;
    int timeline_saved = save_timeline(c, &run);
    int written = afetch_output_finish(out, &summary, c->compare ? &cmp : NULL);
    int write_errno = errno;
    afetch_output_free(out);
    if (written != 0 && write_errno == EPIPE)
        return EXIT_OUTPUT_CLOSED; /* the reader went away: quietly */
    const char *last = c->compare && cmp.count ? cmp.modes[cmp.count - 1].mode : mode;
    print_summary(last, &summary, c->results, run.resumed_failed);
    if (strcmp(last, "async") == 0 && summary.parallel < c->opts.parallel && summary.urls > 0)
        fprintf(
            stderr,
            "afetch: warning: out of file descriptors; the window shrank to %u at its narrowest\n",
            summary.parallel);
    if (c->compare && cmp.count == c->compared_count)
        print_compare(&cmp);
    if (written != 0) {
        fprintf(stderr, "afetch: standard output: %s\n", strerror(write_errno));
        return EXIT_USAGE;
    }
    if (timeline_saved != 0)
        return EXIT_USAGE;
    return verdict(c, &run, rc, &summary, results_closed);
}

int main(int argc, char **argv)
{
    install_signal_handlers();
    struct cli c = {.runner = RUN_ASYNC, .format = AFETCH_FORMAT_TABLE, .progress = -1};
    int code = cli_parse(&c, argc, argv);
    if (code < 0 && c.operand_count == 0 && isatty(STDIN_FILENO))
        code = usage_error("no URL or list given, and standard input is a terminal; try "
                           "afetch URL..., afetch LIST, or afetch - to type URLs",
                           NULL);
    if (code >= 0) {
        cli_free(&c);
        return code;
    }
    if (afetch_global_init() != 0) {
        fputs("afetch: libcurl failed to start\n", stderr);
        cli_free(&c);
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
        code = open_inputs(in, c.operand_count, c.operands);
    if (code < 0 && c.shard_n)
        afetch_input_set_shard(in, c.shard_k, c.shard_n);
    struct display display =
        DISPLAY_INIT(c.progress == 1 || (c.progress == -1 && isatty(STDERR_FILENO)));
    const char *term = getenv("TERM");
    display.plain = term && strcmp(term, "dumb") == 0;
    display.window_changes = &window_changes;
    if (display.progress)
        display.total = count_entries(c.operand_count, c.operands);
    if (display.total && c.shard_n)
        display.total = (display.total + c.shard_n - c.shard_k) / c.shard_n;
    c.opts.log = log_to_stderr;
    c.opts.log_arg = &display;
    if (code < 0)
        code = run_and_report(&c, in, &display);
    afetch_input_free(in);
    afetch_global_cleanup();
    cli_free(&c);
    return code;
}
