/* sync.c — the sequential baseline: one easy handle, reused, one blocking curl_easy_perform
 * after another. Same tasks and results as the loop, none of its concurrency. */
#include "task.h"

#include <stdlib.h>

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

static void run_one(struct task *t, struct slot *slot, const afetch_options *opts,
                    struct curl_slist *shared, double started)
{
    if (task_prepare(t, slot, opts, shared) != 0)
        return;
    t->future.result.time.start = clock_seconds() - started;
    CURLcode rc = curl_easy_perform(slot->easy);
    task_finish(t, rc, opts);
}

int afetch_run_sync(const afetch_options *opts, const afetch_stream *stream,
                    afetch_summary *summary)
{
    *summary = (afetch_summary){.parallel = 1};
    bool failed = false;
    struct slot slot = {.easy = curl_easy_init()};
    struct curl_slist *shared = fetch_headers_new(opts, NULL, &failed);
    if (!slot.easy || failed) {
        curl_easy_cleanup(slot.easy);
        return -1;
    }
    double started = clock_seconds();
    bool tripped = false;
    int status = 0;
    afetch_request req = {0};
    for (size_t index = 0; stream->next(stream->next_arg, &req); index++) {
        struct task *t = task_new(&req, index, opts, &sync_ops);
        if (!t) {
            status = -1;
            break;
        }
        if (t->future.state == AFETCH_PENDING) {
            if (tripped)
                future_settle_cancelled(&t->future);
            else
                run_one(t, &slot, opts, shared, started);
        }
        tripped = tripped || (stream->mode == AFETCH_FAIL_FAST && !t->future.result.ok);
        summary_count(summary, &t->future.result);
        stream->deliver(stream->deliver_arg, &t->future.result);
        afetch_future_free(&t->future);
        req = (afetch_request){0};
    }
    summary->elapsed = clock_seconds() - started;
    curl_slist_free_all(shared);
    curl_easy_cleanup(slot.easy);
    return status;
}
