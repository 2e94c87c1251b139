/* threads.c — the executor baseline (asyncio's run_in_executor): N worker threads, each with
 * its own easy handle doing blocking transfers. The calling thread alone reads the input,
 * settles futures, gathers and delivers; workers only run tasks handed to them. */
#include "blocking.h"
#include "clock.h"
#include "gather.h"
#include "summary.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

struct pool {
    const afetch_options *opts;
    const afetch_stream *stream;
    afetch_summary *summary;
    struct gather gather;
    struct curl_slist *shared_headers;
    struct session *session; /* one cookie store for every worker */
    double started;
    size_t next_index, in_flight, backlog_cap;
    unsigned threads;
    bool input_done, out_of_memory;
    bool input_waiting; /* next() answered AFETCH_NEXT_WAIT: more input is to come */
    atomic_int abort;   /* transfers under way stop: fail-fast or a stop request */

    pthread_mutex_t lock; /* guards todo, done and closing */
    pthread_cond_t work_ready, done_ready;
    struct task_list todo, done;
    bool closing;
};

struct worker {
    struct pool *pool;
    struct blocking runner;
    pthread_t thread;
    bool started;
};

static void *work(void *arg)
{
    struct worker *w = arg;
    struct pool *p = w->pool;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!p->todo.head && !p->closing)
            pthread_cond_wait(&p->work_ready, &p->lock);
        struct task *t = p->todo.head;
        if (!t)
            break; /* closing */
        task_list_unlink(&p->todo, t);
        pthread_mutex_unlock(&p->lock);
        t->cut_short = !blocking_run(&w->runner, t);
        pthread_mutex_lock(&p->lock);
        task_list_append(&p->done, t);
        pthread_cond_signal(&p->done_ready);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

static void deliver(void *arg, afetch_future *f)
{
    struct pool *p = arg;
    task_deliver((struct task *)f, p->stream, p->summary);
    report_progress(p->stream, p->summary, p->in_flight, p->started);
}

/* Fail-fast or a stop: transfers under way abort, queued ones are cancelled here. */
static void abort_all(void *arg)
{
    struct pool *p = arg;
    atomic_store(&p->abort, 1);
    pthread_mutex_lock(&p->lock);
    struct task_list queued = p->todo;
    p->todo = (struct task_list){0};
    pthread_mutex_unlock(&p->lock);
    for (struct task *t = queued.head, *next; t; t = next) {
        next = t->next;
        p->in_flight--;
        future_settle_cancelled(&t->future); /* may free t */
    }
}

static bool stop_requested(const struct pool *p)
{
    return p->opts->stop && *p->opts->stop;
}

/* Reads requests while the queue and the reorder backlog have room. */
static void feed(struct pool *p)
{
    while (!p->input_done) {
        if (stop_requested(p)) {
            p->input_done = true;
            abort_all(p);
            return;
        }
        bool tripped = p->gather.tripped;
        if (!tripped && (p->in_flight >= 2 * (size_t)p->threads ||
                         gather_backlog(&p->gather) >= p->backlog_cap))
            return;
        afetch_request req = {0};
        afetch_next got = p->stream->next(p->stream->next_arg, &req);
        p->input_waiting = got == AFETCH_NEXT_WAIT;
        if (got != AFETCH_NEXT_ENTRY) {
            p->input_done = !p->input_waiting;
            return;
        }
        struct task *t = task_new(&req, p->next_index++, p->opts, &task_local_ops);
        enum task_pushed pushed = task_push_new(&p->gather, t);
        if (pushed == TASK_PUSH_FAILED) {
            p->out_of_memory = p->input_done = true;
            abort_all(p);
            return;
        }
        if (pushed == TASK_PUSHED_SETTLED)
            continue;
        if (tripped) {
            future_settle_cancelled(&t->future);
            continue;
        }
        p->in_flight++;
        pthread_mutex_lock(&p->lock);
        task_list_append(&p->todo, t);
        pthread_cond_signal(&p->work_ready);
        pthread_mutex_unlock(&p->lock);
    }
}

/* Waits up to ms milliseconds for finished tasks (so that feed notices a stop or new input
 * soon) and settles them here. */
static void collect(struct pool *p, long ms)
{
    pthread_mutex_lock(&p->lock);
    if (!p->done.head) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += ms * 1000 * 1000;
        until.tv_sec += until.tv_nsec / 1000000000;
        until.tv_nsec %= 1000000000;
        pthread_cond_timedwait(&p->done_ready, &p->lock, &until);
    }
    struct task_list done = p->done;
    p->done = (struct task_list){0};
    pthread_mutex_unlock(&p->lock);
    for (struct task *t = done.head, *next; t; t = next) {
        next = t->next;
        p->in_flight--;
        if (t->cut_short)
            future_settle_cancelled(&t->future);
        else
            future_settle(&t->future); /* may free t */
    }
}

/* Waits for a finished task or new input, whichever the pool waits for, at most 100 ms so that
 * feed notices a stop soon. With both, finished tasks are waited for in short naps: a condition
 * variable and a descriptor cannot be waited for at once. */
static void wait_for_something(struct pool *p)
{
    if (!p->input_waiting || p->input_done)
        collect(p, 100);
    else if (p->in_flight > 0)
        collect(p, 10);
    else if (!blocking_wait_input(p->stream, 100))
        p->input_done = true;
}

static unsigned start_workers(struct pool *p, struct worker *workers)
{
    unsigned started = 0;
    for (unsigned i = 0; i < p->threads; i++) {
        workers[i].pool = p;
        if (blocking_init(&workers[i].runner, p->opts, p->shared_headers, p->session, p->started,
                          &p->abort) != 0)
            break;
        workers[i].started = pthread_create(&workers[i].thread, NULL, work, &workers[i]) == 0;
        if (!workers[i].started) {
            blocking_release(&workers[i].runner);
            break;
        }
        started++;
    }
    return started;
}

static void stop_workers(struct pool *p, struct worker *workers, unsigned count)
{
    pthread_mutex_lock(&p->lock);
    p->closing = true;
    pthread_cond_broadcast(&p->work_ready);
    pthread_mutex_unlock(&p->lock);
    for (unsigned i = 0; i < count; i++) {
        pthread_join(workers[i].thread, NULL);
        blocking_release(&workers[i].runner);
    }
}

int afetch_run_threads(const afetch_options *opts, unsigned threads, const afetch_stream *stream,
                       afetch_summary *summary)
{
    *summary = (afetch_summary){.parallel = threads ? threads : 1};
    bool failed = false;
    struct pool p = {.opts = opts,
                     .stream = stream,
                     .summary = summary,
                     .threads = threads ? threads : 1,
                     .started = clock_seconds(),
                     .shared_headers = fetch_headers_new(opts, NULL, &failed),
                     .session = session_new(opts)};
    p.backlog_cap = backlog_cap(p.threads, opts);
    struct worker *workers = calloc(p.threads, sizeof *workers);
    if (failed || !workers || !p.session) {
        session_free(p.session);
        curl_slist_free_all(p.shared_headers);
        free(workers);
        return -1;
    }
    pthread_mutex_init(&p.lock, NULL);
    pthread_cond_init(&p.work_ready, NULL);
    pthread_cond_init(&p.done_ready, NULL);
    gather_init(&p.gather, stream->mode, stream->as_completed, deliver, abort_all, &p);
    unsigned running = start_workers(&p, workers);
    summary->parallel = running;
    if (running == 0)
        p.out_of_memory = p.input_done = true;
    for (feed(&p); !p.input_done || p.in_flight > 0; feed(&p)) {
        stream_flush(stream);
        wait_for_something(&p);
        report_progress(stream, summary, p.in_flight, p.started);
    }
    stop_workers(&p, workers, running);
    stream_flush(stream);
    summary->elapsed = clock_seconds() - p.started;
    if (opts->cookie_jar && session_save_cookies(p.session, opts->cookie_jar) != 0)
        summary->cookie_jar_errno = errno;
    session_free(p.session);
    gather_release(&p.gather);
    pthread_cond_destroy(&p.done_ready);
    pthread_cond_destroy(&p.work_ready);
    pthread_mutex_destroy(&p.lock);
    curl_slist_free_all(p.shared_headers);
    free(workers);
    return p.out_of_memory ? -1 : 0;
}
