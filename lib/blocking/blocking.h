/* blocking.h — one task run to its final result with blocking curl_easy_perform, retries
 * included, on an easy handle of its own. Shared by the sync runner and the worker threads;
 * it never settles the task, so that the caller decides on which thread that happens. */
#ifndef AFETCH_BLOCKING_H
#define AFETCH_BLOCKING_H

#include "task.h"

struct blocking {
    const afetch_options *opts;
    struct slot slot;
    struct curl_slist *shared_headers; /* borrowed */
    uint64_t rng;
    double started; /* the run's start, clock_seconds() */
};

/* 0, or -1 when out of memory. shared (headers) and session are the run's, borrowed.
 * Transfers stop when opts->stop is set; on a worker thread pass
 * abort instead (not NULL), which the owning thread sets, also when it sees opts->stop: a
 * signal's flag is for the thread that polls it. */
int blocking_init(struct blocking *b, const afetch_options *opts, struct curl_slist *shared,
                  const struct session *session, double started, const atomic_int *abort);
void blocking_release(struct blocking *b);

/* Runs t until its result is final: true. False if a stop came before it could start, or
 * while it waited for a retry: the caller then settles it as cancelled. */
bool blocking_run(struct blocking *b, struct task *t);

/* After the stream's next() answered AFETCH_NEXT_WAIT: waits up to ms milliseconds for its
 * ready descriptor (a signal ends the wait early too), so that the caller can look at its stop
 * flag between waits. False when the stream has no such descriptor: its input ends there. */
bool blocking_wait_input(const afetch_stream *stream, int ms);

#endif
