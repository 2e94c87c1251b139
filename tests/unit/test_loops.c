/* test_loops.c — afetch_run_stream on several loops (afetch_options.loops), as a program using
 * the library sees it: every result once and in order, every stream callback on the caller's
 * thread, afetch_loop_cancel from a callback stopping all the loops. Real transfers, to
 * 127.0.0.1 only: a port nothing listens on (refused at once) and a listener that never
 * answers. */
#include "afetch.h"
#include "listener.h"
#include "tap.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct run {
    pthread_t caller;
    afetch_loop *loop;
    char urls[2][64];            /* refused, silent */
    size_t count, refused_first; /* entries; how many go to the refused port before the rest */
    size_t pulled, delivered, cancelled;
    size_t cancel_after; /* afetch_loop_cancel once this many are delivered (0: never) */
    bool in_order, on_caller, progress_seen;
};

static afetch_next next_request(void *arg, afetch_request *req)
{
    struct run *r = arg;
    r->on_caller &= pthread_equal(pthread_self(), r->caller);
    if (r->pulled == r->count)
        return AFETCH_NEXT_END;
    *req = (afetch_request){.url = r->urls[r->pulled < r->refused_first ? 0 : 1]};
    r->pulled++;
    return AFETCH_NEXT_ENTRY;
}

static void deliver(void *arg, const afetch_result *result)
{
    struct run *r = arg;
    r->on_caller &= pthread_equal(pthread_self(), r->caller);
    r->in_order &= result->index == r->delivered;
    r->cancelled += result->error_code && strcmp(result->error_code, "cancelled") == 0;
    if (++r->delivered == r->cancel_after)
        afetch_loop_cancel(r->loop);
}

static void progress(void *arg, const afetch_progress *p)
{
    (void)p;
    struct run *r = arg;
    r->on_caller &= pthread_equal(pthread_self(), r->caller);
    r->progress_seen = true;
}

/* Runs r's stream with opts; 0 or -1 as afetch_run_stream. */
static int run_stream(struct run *r, const afetch_options *opts, afetch_summary *summary)
{
    r->caller = pthread_self();
    r->in_order = r->on_caller = true;
    afetch_stream stream = {.next = next_request,
                            .next_arg = r,
                            .deliver = deliver,
                            .deliver_arg = r,
                            .progress = progress,
                            .progress_arg = r};
    r->loop = afetch_loop_new(opts);
    if (!r->loop)
        return -1;
    int rc = afetch_run_stream(r->loop, &stream, summary);
    afetch_loop_free(r->loop);
    return rc;
}

int main(void)
{
    struct tap t = {0};
    alarm(60); /* a hang fails the test too */
    unsigned refused_port = 0, silent_port = 0;
    /* backlog 1: connections to silent_port beyond the first hang */
    int refused = loopback_listener(1, &refused_port), silent = loopback_listener(1, &silent_port);
    if (refused >= 0)
        close(refused); /* nothing listens there now */
    if (!ok(&t, refused >= 0 && silent >= 0, "two ports on 127.0.0.1") ||
        !ok(&t, afetch_global_init() == 0, "libcurl starts"))
        return tap_done(&t);
    afetch_options opts;
    afetch_options_init(&opts);
    opts.parallel = 8;
    opts.loops = 3;

    struct run r = {.count = 300, .refused_first = 300};
    snprintf(r.urls[0], sizeof r.urls[0], "http://127.0.0.1:%u/", refused_port);
    snprintf(r.urls[1], sizeof r.urls[1], "http://127.0.0.1:%u/", silent_port);
    afetch_summary s;
    ok(&t, run_stream(&r, &opts, &s) == 0, "300 entries on 3 loops: the run ends");
    ok(&t, r.delivered == 300 && r.in_order, "each result once, in input order (%zu delivered)",
       r.delivered);
    ok(&t, s.urls == 300 && s.failed == 300 && s.loops == 3 && s.parallel == 8,
       "the summary: 300 URLs, all refused, 3 loops, -j 8 (%zu, %zu, %u, %u)", s.urls, s.failed,
       s.loops, s.parallel);
    ok(&t, r.on_caller && r.progress_seen,
       "next, deliver and progress all ran on the caller's thread");

    r = (struct run){.count = 200, .refused_first = 20, .cancel_after = 20};
    snprintf(r.urls[0], sizeof r.urls[0], "http://127.0.0.1:%u/", refused_port);
    snprintf(r.urls[1], sizeof r.urls[1], "http://127.0.0.1:%u/", silent_port);
    ok(&t, run_stream(&r, &opts, &s) == 0, "afetch_loop_cancel from deliver: the run ends");
    ok(&t, r.delivered == r.pulled && r.in_order && r.delivered >= 20,
       "every entry read is delivered, in order (%zu of %zu read)", r.delivered, r.pulled);
    ok(&t, r.cancelled == r.delivered - 20 && r.pulled < 200,
       "the transfers to the silent port were cancelled, and reading stopped (%zu cancelled)",
       r.cancelled);

    opts.loops = 0;
    r = (struct run){.count = 5, .refused_first = 5};
    snprintf(r.urls[0], sizeof r.urls[0], "http://127.0.0.1:%u/", refused_port);
    int rc = run_stream(&r, &opts, &s);
    ok(&t, rc == 0 && s.loops == 1 && r.delivered == 5,
       "loops 0: the one loop in the caller's thread (summary loops %u)", s.loops);

    close(silent);
    afetch_global_cleanup();
    return tap_done(&t);
}
