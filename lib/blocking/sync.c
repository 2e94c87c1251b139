/* sync.c — the sequential baseline: one easy handle, reused, one blocking curl_easy_perform
 * after another. Same tasks, results and retry policy as the loop, none of its concurrency. */
#include "blocking.h"
#include "clock.h"
#include "summary.h"

#include <errno.h>
#include <stdlib.h>

/* How long one wait for input lasts before the stop flag is looked at again. */
enum { WAIT_SLICE_MS = 100 };

static bool stopped(const afetch_options *opts)
{
    return opts->stop && *opts->stop;
}

int afetch_run_sync(const afetch_options *opts, const afetch_stream *stream,
                    afetch_summary *summary)
{
    *summary = (afetch_summary){.parallel = 1};
    bool failed = false;
    struct curl_slist *shared = fetch_headers_new(opts, NULL, &failed);
    struct session *session = session_new(opts);
    struct blocking runner;
    double started = clock_seconds();
    bool ready = blocking_init(&runner, opts, shared, session, started, NULL) == 0;
    int status = ready && !failed && session ? 0 : -1;
    bool tripped = false;
    size_t index = 0;
    while (status == 0 && !stopped(opts)) {
        afetch_request req = {0};
        afetch_next got = stream->next(stream->next_arg, &req);
        if (got == AFETCH_NEXT_WAIT && blocking_wait_input(stream, WAIT_SLICE_MS))
            continue;
        if (got != AFETCH_NEXT_ENTRY)
            break;
        struct task *t = task_new(&req, index++, opts, &task_local_ops);
        if (!t) {
            status = -1;
            break;
        }
        if (t->future.state == AFETCH_PENDING) {
            if (!tripped && blocking_run(&runner, t))
                future_settle(&t->future);
            else
                future_settle_cancelled(&t->future);
        }
        tripped = tripped || (stream->mode == AFETCH_FAIL_FAST && !t->future.result.ok);
        task_deliver(t, stream, summary);
        stream_flush(stream); /* the next transfer blocks */
        report_progress(stream, summary, 0, started);
    }
    summary->elapsed = clock_seconds() - started;
    blocking_release(&runner);
    if (session && opts->cookie_jar && session_save_cookies(session, opts->cookie_jar) != 0)
        summary->cookie_jar_errno = errno;
    session_free(session);
    curl_slist_free_all(shared);
    return status;
}
