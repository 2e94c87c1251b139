/* sync.c — the sequential baseline: one easy handle, reused, one blocking curl_easy_perform
 * after another. Same tasks, results and retry policy as the loop, none of its concurrency. */
#include "task.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <time.h>

struct sync_run {
    const afetch_options *opts;
    struct slot slot;
    struct curl_slist *shared_headers;
    uint64_t rng;
    double started;
};

static bool stopped(const afetch_options *opts)
{
    return opts->stop && *opts->stop;
}

/* Sleeps for a retry's delay; false if a stop came first (a signal ends nanosleep early). */
static bool wait_for_retry(const afetch_options *opts, double seconds)
{
    double until = clock_seconds() + seconds;
    for (double left = seconds; left > 0 && !stopped(opts); left = until - clock_seconds()) {
        struct timespec ts = {.tv_sec = (time_t)left,
                              .tv_nsec = (long)((left - floor(left)) * 1e9)};
        if (nanosleep(&ts, NULL) != 0 && errno != EINTR)
            break;
    }
    return !stopped(opts);
}

/* Runs t to its final result, trying again while the retry policy allows. */
static void run_task(struct sync_run *run, struct task *t)
{
    t->future.result.time.start = clock_seconds() - run->started;
    for (;;) {
        if (stopped(run->opts)) {
            task_forget_result(t);
            future_settle_cancelled(&t->future);
            return;
        }
        if (task_prepare(t, &run->slot, run->opts, run->shared_headers) != 0)
            break;
        CURLcode rc = curl_easy_perform(run->slot.easy);
        double delay = task_collect(t, rc, run->opts, &run->rng);
        if (delay < 0 || !wait_for_retry(run->opts, delay))
            break;
        task_forget_result(t);
    }
    future_settle(&t->future);
}

/* Sync tasks are never cancelled from outside and are freed by the runner itself. */
static void cancel_sync(afetch_future *f)
{
    future_settle_cancelled(f);
}

static void release_sync(afetch_future *f)
{
    task_free((struct task *)f);
}

static const struct future_ops sync_ops = {.cancel = cancel_sync, .release = release_sync};

int afetch_run_sync(const afetch_options *opts, const afetch_stream *stream,
                    afetch_summary *summary)
{
    *summary = (afetch_summary){.parallel = 1};
    bool failed = false;
    struct sync_run run = {.opts = opts, .rng = fetch_rng_seed(&run)};
    fetch_io_init(&run.slot.io);
    run.slot.io.stop = opts->stop;
    run.slot.easy = curl_easy_init();
    run.shared_headers = fetch_headers_new(opts, NULL, &failed);
    int status = !run.slot.easy || failed ? -1 : 0;
    run.started = clock_seconds();
    bool tripped = false;
    afetch_request req = {0};
    for (size_t index = 0; status == 0 && !stopped(opts) && stream->next(stream->next_arg, &req);
         index++) {
        struct task *t = task_new(&req, index, opts, &sync_ops);
        if (!t) {
            status = -1;
            break;
        }
        if (t->future.state == AFETCH_PENDING) {
            if (tripped)
                future_settle_cancelled(&t->future);
            else
                run_task(&run, t);
        }
        tripped = tripped || (stream->mode == AFETCH_FAIL_FAST && !t->future.result.ok);
        summary_count(summary, &t->future.result);
        stream->deliver(stream->deliver_arg, &t->future.result);
        afetch_future_free(&t->future);
        req = (afetch_request){0};
    }
    summary->elapsed = clock_seconds() - run.started;
    fetch_io_release(&run.slot.io);
    curl_slist_free_all(run.shared_headers);
    curl_easy_cleanup(run.slot.easy);
    return status;
}
