/* main.c — the afetch command: reads the options, opens the inputs, runs the library in the
 * chosen mode(s) and maps the outcome to an exit code. All the fetching lives in lib/. */
#include "cli.h"
#include "display.h"
#include "recording.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* Set by the first SIGINT or SIGTERM; the library reads it through afetch_options.stop. */
static volatile sig_atomic_t interrupted;
/* SIGINTs and SIGTERMs so far. */
static volatile sig_atomic_t signals_seen;
/* The loop of the concurrent run under way, for the signal handler to wake. */
static afetch_loop *volatile running_loop;

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
}

/* A transfer holds one socket once connected. Resolving a name (a socket pair) and happy
 * eyeballs (a second socket) need more for a moment; if that runs the process out, the library
 * lowers the window itself and tries the starved transfer again, so the estimate can be lean. */
enum { FDS_PER_TRANSFER = 1, FDS_SPARE = 64, FDS_PER_LOOP = 4 };

/* Raises the soft open-file limit to the hard one (and the hard one too where -j needs more
 * and the process may), then lowers -j, with a warning, if even that is not enough: better
 * fewer transfers than EMFILE. */
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
    rlim_t room = limit.rlim_cur > spare ? (limit.rlim_cur - spare) / FDS_PER_TRANSFER : 1;
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
            print_error("%s", strstr(argv[i], "://") ? "out of memory" : err);
            return EXIT_USAGE;
        }
    }
    return -1;
}

static void print_summary(const char *mode, const afetch_summary *s)
{
    fprintf(stderr, "%s: %zu URLs, %zu ok, %zu failed, %lld bytes, %.3f s, parallel %u", mode,
            s->urls, s->ok, s->failed, (long long)s->bytes, s->elapsed, s->parallel);
    if (s->loops > 1)
        fprintf(stderr, ", %u loops", s->loops);
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
    afetch_timeline *timeline; /* --timeline, or NULL */
    bool timeline_failed;      /* out of memory while adding to it */
    const afetch_input *in;    /* maps a shard's numbering back to whole-list indexes */
    afetch_output *out;
    afetch_loop *loop; /* during a concurrent run */
    bool stopped;
};

static afetch_next run_next(void *arg, afetch_request *req)
{
    struct run *run = arg;
    return run->stopped ? AFETCH_NEXT_END : run->next(run->next_arg, req);
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
    afetch_result global = *r;
    global.index = afetch_input_position(run->in, r->index);
    afetch_output_result(run->out, &global);
    if (run->timeline && afetch_timeline_add(run->timeline, &global) != 0)
        run->timeline_failed = true;
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
        double cpu = cpu_seconds();
        rc = run_once(c, &run, runner, s);
        base->timeline_failed |= run.timeline_failed;
        clear_progress(run.display);
        cmp->modes[cmp->count++] = (afetch_mode_stats){.mode = runner_names[runner],
                                                       .elapsed = s->elapsed,
                                                       .cpu = cpu_seconds() - cpu,
                                                       .urls = s->urls,
                                                       .loops = s->loops};
        if (!last)
            print_summary(runner_names[runner], s);
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

static int run_and_report(const struct cli *c, afetch_input *in, struct display *display)
{
    const char *mode = c->compare ? "compare" : runner_names[c->runner];
    afetch_output *out = afetch_output_new(stdout, c->format, mode);
    const char *no_color = getenv("NO_COLOR");
    const char *term = getenv("TERM");
    if (out && isatty(STDOUT_FILENO) && !(no_color && *no_color) &&
        !(term && !strcmp(term, "dumb")))
        afetch_output_set_color(out, true);
    if (!out) {
        fputs("afetch: out of memory\n", stderr);
        return EXIT_USAGE;
    }
    afetch_summary summary = {0};
    afetch_compare cmp = {0};
    struct run run = {.next = afetch_input_next,
                      .next_arg = in,
                      .ready_fd = afetch_input_ready_fd,
                      .in = in,
                      .out = out,
                      .display = display,
                      .out_is_terminal = isatty(STDOUT_FILENO),
                      .timeline = c->timeline ? afetch_timeline_new() : NULL};
    run.timeline_failed = c->timeline && !run.timeline;
    int rc =
        c->compare ? run_compare(c, &run, &summary, &cmp) : run_once(c, &run, c->runner, &summary);
    clear_progress(display);
    int timeline_saved = save_timeline(c, &run);
    int written = afetch_output_finish(out, &summary, c->compare ? &cmp : NULL);
    int write_errno = errno;
    afetch_output_free(out);
    if (written != 0 && write_errno == EPIPE)
        return EXIT_OUTPUT_CLOSED; /* the reader went away: quietly */
    const char *last = c->compare && cmp.count ? cmp.modes[cmp.count - 1].mode : mode;
    print_summary(last, &summary);
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
        print_error("%s; the results above stand", afetch_input_error(in));
        return EXIT_USAGE;
    }
    return summary.failed ? EXIT_SOME_FAILED : EXIT_ALL_OK;
}

int main(int argc, char **argv)
{
    install_signal_handlers();
    struct cli c = {.runner = RUN_ASYNC, .format = AFETCH_FORMAT_TABLE, .progress = -1};
    int code = cli_parse(&c, argc, argv);
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
