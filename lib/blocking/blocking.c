/* blocking.c — prepare, perform, collect, and wait out a retry's delay or for input. */
#include "blocking.h"

#include "clock.h"
#include "log.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <time.h>

static bool stopped(const struct blocking *b)
{
    const struct fetch_io *io = &b->slot.io;
    return (io->stop && *io->stop) || (io->abort && atomic_load(io->abort));
}

/* Sleeps for a retry's delay; false if a stop came first. A signal ends nanosleep early; an
 * abort from another thread is seen within 50 ms. */
static bool wait_for_retry(const struct blocking *b, double seconds)
{
    double until = clock_seconds() + seconds;
    for (double left = seconds; left > 0 && !stopped(b); left = until - clock_seconds()) {
        double nap = left < 0.05 ? left : 0.05;
        struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)(nap * 1e9)};
        if (nanosleep(&ts, NULL) != 0 && errno != EINTR)
            break;
    }
    return !stopped(b);
}

int blocking_init(struct blocking *b, const afetch_options *opts, struct curl_slist *shared,
                  const struct session *session, double started, const atomic_int *abort)
{
    *b = (struct blocking){.opts = opts, .shared_headers = shared, .started = started};
    fetch_io_init(&b->slot.io);
    b->slot.io.session = session;
    b->slot.io.stop = abort ? NULL : opts->stop;
    b->slot.io.abort = abort;
    b->rng = fetch_rng_seed(b);
    b->slot.easy = curl_easy_init();
    return b->slot.easy ? 0 : -1;
}

void blocking_release(struct blocking *b)
{
    fetch_io_release(&b->slot.io);
    curl_easy_cleanup(b->slot.easy);
    b->slot.easy = NULL;
}

bool blocking_run(struct blocking *b, struct task *t)
{
    t->future.result.time.start = clock_seconds() - b->started;
    for (;;) {
        if (stopped(b)) {
            task_forget_result(t);
            return false;
        }
        if (task_prepare(t, &b->slot, b->opts, b->shared_headers) != 0)
            return true; /* its result says why */
        const afetch_result *r = &t->future.result;
        log_transfer_start(b->opts, r);
        CURLcode rc = curl_easy_perform(b->slot.easy);
        while (fetch_follow(b->slot.easy, rc, b->opts, &b->slot.io))
            rc = curl_easy_perform(b->slot.easy);
        double delay = task_collect(t, rc, b->opts, &b->rng);
        log_transfer_end(b->opts, r, delay >= 0);
        if (delay < 0)
            return true;
        if (!wait_for_retry(b, delay)) {
            task_forget_result(t);
            return false;
        }
        task_forget_result(t);
    }
}

bool blocking_wait_input(const afetch_stream *stream, int ms)
{
    int fd = stream->ready_fd ? stream->ready_fd(stream->next_arg) : -1;
    if (fd < 0)
        return false;
    struct pollfd ready = {.fd = fd, .events = POLLIN};
    poll(&ready, 1, ms);
    return true;
}
