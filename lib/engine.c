/* engine.c — afetch_loop: tasks on the event loop. Owns the admission window (at most
 * `parallel` transfers in the multi, the rest waiting in FIFO order), the tasks waiting for a
 * retry (holding no slot), the pool of transfer slots, and the two ways of gathering: a fixed
 * array of futures and an unbounded stream. */
#include "gather.h"
#include "hosts.h"
#include "loop.h"
#include "retryq.h"
#include "task.h"

#include <stdio.h>
#include <stdlib.h>

struct stream_run {
    const afetch_stream *stream;
    struct gather gather;
    afetch_summary *summary;
    size_t backlog_cap;
    bool input_done, out_of_memory;
};

struct array_run {
    afetch_future *const *futures;
    size_t n, settled, failed;
};

struct afetch_loop {
    const afetch_options *opts;
    struct loop *loop;
    struct curl_slist *headers; /* the options' headers, for requests without their own */
    unsigned slot_count;        /* the window asked for */
    unsigned window;            /* the window in force: lowered when file descriptors run out */
    unsigned narrowest;         /* the smallest window this run, for the summary */
    unsigned clean_finishes;    /* transfers ended without a descriptor shortage since the window
                                   last changed */
    struct slot *slots;         /* spare ones are on the free stack */
    struct slot **spare;
    size_t spare_count;
    struct task_list waiting, running;
    struct retryq retrying;
    uint64_t rng;
    size_t next_index;
    double started;
    bool stopping;             /* opts->stop was seen: nothing new starts */
    size_t finished;           /* transfers that ended, reused connection or not */
    double next_start;         /* with opts->rate: when the next transfer may start */
    bool rate_blocked;         /* admission waits for next_start */
    struct hosts *hosts;       /* with opts->per_host */
    struct stream_run *stream; /* during afetch_run_stream */
    struct array_run *array;   /* during afetch_gather */
};

static void give_back(afetch_loop *L, struct slot *slot)
{
    L->spare[L->spare_count++] = slot;
}

/* The next task parked with host goes first in line; it keeps its host reference. */
static void unpark_one(afetch_loop *L, struct host *host)
{
    struct task *next = host->parked.head;
    if (next) {
        task_list_unlink(&host->parked, next);
        next->place = TASK_WAITING;
        task_list_prepend(&L->waiting, next);
    }
}

/* t no longer holds a turn at its host: a transfer ended or never began, or an unparked task
 * left the line. The host's next parked task takes the turn. */
static void leave_host(afetch_loop *L, struct task *t, bool was_running)
{
    struct host *host = t->host;
    if (!host)
        return;
    t->host = NULL;
    host->running -= was_running;
    unpark_one(L, host);
    hosts_release(L->hosts, host);
}

/* Starts t on a spare slot. */
static void start(afetch_loop *L, struct task *t)
{
    struct slot *slot = L->spare[--L->spare_count];
    afetch_result *r = &t->future.result;
    if (r->attempts == 0)
        r->time.start = clock_seconds() - L->started;
    t->place = TASK_RUNNING;
    slot->io.fresh_connect = L->finished == 0; /* until one ends, no connection is idle */
    bool started = task_prepare(t, slot, L->opts, L->headers) == 0;
    if (started) {
        task_list_append(&L->running, t);
        if (loop_add(L->loop, slot->easy) == 0) {
            log_transfer_start(L->opts, r);
            return;
        }
        task_list_unlink(&L->running, t);
        task_abandon(t);
        task_forget_result(t);
        fetch_fail(r, AFETCH_E_INTERNAL, "libcurl refused the transfer", NULL, &t->result_strings);
    }
    t->place = TASK_NEW;
    give_back(L, slot);
    leave_host(L, t, true);
    future_settle(&t->future); /* may free t */
}

/* With --per-host: whether t's host has room; if not, t is parked with its host. */
static bool host_has_room(afetch_loop *L, struct task *t)
{
    if (!L->hosts)
        return true;
    if (!t->host && !(t->host = hosts_acquire(L->hosts, t->url)))
        return true; /* out of memory: no limit rather than no progress */
    if (t->host->running < L->opts->per_host) {
        t->host->running++;
        return true;
    }
    t->place = TASK_PARKED;
    task_list_append(&t->host->parked, t);
    return false;
}

/* With --rate: whether a transfer may start now, and if so, books its turn. Starts are spaced
 * 1/rate apart; after a pause at most one extra start catches up, never a burst. */
static bool rate_allows(afetch_loop *L)
{
    if (L->opts->rate <= 0)
        return true;
    double now = clock_seconds(), gap = 1.0 / L->opts->rate;
    if (L->next_start == 0)
        L->next_start = now; /* the first start: no catching up yet */
    if (now < L->next_start)
        return false;
    L->next_start = (L->next_start > now - gap ? L->next_start : now - gap) + gap;
    return true;
}

static void arm_alarm(afetch_loop *L);

/* Starts waiting tasks while the window (and the rate) has room. */
static void admit(afetch_loop *L)
{
    L->rate_blocked = false;
    while (!L->stopping && L->waiting.head && L->running.count < L->window) {
        if (!rate_allows(L)) {
            L->rate_blocked = true;
            arm_alarm(L);
            return;
        }
        struct task *t = L->waiting.head;
        task_list_unlink(&L->waiting, t);
        if (host_has_room(L, t))
            start(L, t);
    }
}

static void wait_in_line(afetch_loop *L, struct task *t)
{
    t->place = TASK_WAITING;
    task_list_append(&L->waiting, t);
}

/* Sets the loop's one alarm for what comes first: a retry falling due, or the rate letting the
 * next transfer start. */
static void arm_alarm(afetch_loop *L)
{
    struct task *first = retryq_first(&L->retrying);
    double at = first ? first->due : -1;
    if (L->rate_blocked && (at < 0 || L->next_start < at))
        at = L->next_start;
    double in = at - clock_seconds();
    loop_alarm(L->loop, at < 0 ? -1 : in < 0 ? 0 : in);
}

/* Takes t out of wherever it waits or runs; a running transfer is dropped. */
static void take_out(afetch_loop *L, struct task *t)
{
    switch (t->place) {
    case TASK_WAITING:
        task_list_unlink(&L->waiting, t);
        leave_host(L, t, false);
        break;
    case TASK_PARKED:
        task_list_unlink(&t->host->parked, t);
        hosts_release(L->hosts, t->host);
        t->host = NULL;
        break;
    case TASK_RUNNING: {
        struct slot *slot = t->slot;
        loop_remove(L->loop, slot->easy);
        task_list_unlink(&L->running, t);
        task_abandon(t);
        give_back(L, slot);
        leave_host(L, t, true);
        break;
    }
    case TASK_RETRYING:
        retryq_remove(&L->retrying, t);
        arm_alarm(L);
        break;
    case TASK_NEW:
        break;
    }
    t->place = TASK_NEW;
}

/* future_ops.cancel */
static void cancel_task(afetch_future *f)
{
    struct task *t = (struct task *)f;
    take_out(t->owner, t);
    future_settle_cancelled(f);
}

static void release_task(afetch_future *f)
{
    task_free((struct task *)f);
}

static const struct future_ops task_ops = {.cancel = cancel_task, .release = release_task};

static void cancel_everything(void *arg)
{
    afetch_loop *L = arg;
    if (L->hosts)
        hosts_unpark_all(L->hosts, &L->waiting);
    while (L->waiting.head)
        afetch_future_cancel(&L->waiting.head->future);
    while (L->running.head)
        afetch_future_cancel(&L->running.head->future);
    while (retryq_first(&L->retrying))
        afetch_future_cancel(&retryq_first(&L->retrying)->future);
}

/* Out of descriptors: the window becomes what runs now. */
static void shrink_window(afetch_loop *L)
{
    L->window = (unsigned)L->running.count;
    if (L->window < L->narrowest)
        L->narrowest = L->window;
    L->clean_finishes = 0;
    log_line(L->opts, 1, "out of file descriptors: window %u", L->window);
}

/* A shortage may pass (a burst of name lookups, another program's files): after a window's
 * worth of transfers end without one, the window grows by one again, up to -j. */
static void regrow_window(afetch_loop *L)
{
    if (L->window >= L->slot_count || ++L->clean_finishes < L->window)
        return;
    L->window++;
    L->clean_finishes = 0;
    log_line(L->opts, 1, "window %u again", L->window);
}

/* loop hook: a transfer ended; its task settles, or waits for another try. */
static void on_done(void *arg, CURL *easy, CURLcode rc)
{
    afetch_loop *L = arg;
    struct task *t = NULL;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&t);
    struct slot *slot = t->slot;
    if (fetch_follow(easy, rc, L->opts, &slot->io)) {
        /* the next hop runs on the same slot, in the same turn at its host */
        if (loop_add(L->loop, easy) == 0)
            return;
        slot->io.hop_error = AFETCH_E_INTERNAL;
        snprintf(slot->io.errbuf, sizeof slot->io.errbuf, "libcurl refused the redirect");
    }
    task_list_unlink(&L->running, t);
    t->place = TASK_NEW;
    L->finished++;
    double delay = task_collect(t, rc, L->opts, &L->rng);
    const afetch_result *r = &t->future.result;
    log_transfer_end(L->opts, r, delay >= 0);
    give_back(L, slot);
    leave_host(L, t, true);
    bool starved = fetch_starved(rc, &slot->io);
    if (!starved)
        regrow_window(L);
    if (starved && L->running.count > 0 && !L->stopping) {
        /* Not the URL's fault: the process is out of descriptors. Run fewer at once and
         * give this one its turn again as soon as one finishes. */
        shrink_window(L);
        task_forget_result(t);
        t->future.result.attempts--;
        t->place = TASK_WAITING;
        task_list_prepend(&L->waiting, t);
        return;
    }
    if (delay >= 0 && !L->stopping) {
        t->due = clock_seconds() + delay;
        if (retryq_push(&L->retrying, t) == 0) {
            task_forget_result(t);
            t->place = TASK_RETRYING;
            arm_alarm(L);
            return;
        }
    }
    future_settle(&t->future); /* may free t */
}

/* opts->stop set: cancel what runs and waits, start and read nothing more. */
static void notice_stop(afetch_loop *L)
{
    if (L->opts->stop && *L->opts->stop && !L->stopping) {
        L->stopping = true;
        afetch_loop_cancel(L);
    }
}

static void pull(afetch_loop *L);

static bool stream_finished(const struct stream_run *run)
{
    return run->input_done && gather_backlog(&run->gather) == 0;
}

/* loop hook: after a batch of completions, outside libcurl: refill the window, maybe stop. */
static void on_drained(void *arg)
{
    afetch_loop *L = arg;
    notice_stop(L);
    admit(L);
    if (L->stream) {
        pull(L);
        if (stream_finished(L->stream))
            loop_stop(L->loop);
    } else if (L->array && L->array->settled == L->array->n) {
        loop_stop(L->loop);
    }
}

/* loop hook: retries have come due; they queue up behind the tasks already waiting. */
static void on_alarm(void *arg)
{
    afetch_loop *L = arg;
    double now = clock_seconds();
    struct task *t;
    while ((t = retryq_first(&L->retrying)) && t->due <= now) {
        retryq_remove(&L->retrying, t);
        wait_in_line(L, t);
    }
    arm_alarm(L);
    on_drained(L);
}

/* loop hook: the input that made pull wait has more. The watch ends here (pull starts it again
 * if it has to wait again): a level-triggered watch left on while the window is full would
 * spin. */
static void on_input_ready(void *arg)
{
    afetch_loop *L = arg;
    loop_unwatch(L->loop);
    on_drained(L);
}

/* loop hook: time to tell a progress display where the run stands. */
static void on_tick(void *arg)
{
    afetch_loop *L = arg;
    if (L->stream)
        report_progress(L->stream->stream, L->stream->summary, L->running.count, L->started);
}

/* loop hook: with verbosity 2, the loop's own events. */
static void on_trace(void *arg, const char *line)
{
    afetch_loop *L = arg;
    log_line(L->opts, 2, "loop: %s", line);
}

/* loop hook: libcurl refused the loop a call; said whatever the verbosity. */
static void on_trouble(void *arg, const char *line)
{
    afetch_loop *L = arg;
    log_line(L->opts, 0, "%s", line);
}

void afetch_loop_wake(afetch_loop *L)
{
    loop_poke(L->loop);
}

void afetch_options_init(afetch_options *opts)
{
    *opts = (afetch_options){.parallel = 50,
                             .timeout = 30,
                             .connect_timeout = 10,
                             .low_speed_limit = 10,
                             .low_speed_time = 20,
                             .follow_redirects = true,
                             .max_redirects = 10,
                             .protocols = "http,https",
                             .retry_delay = 1};
}

afetch_loop *afetch_loop_new(const afetch_options *opts)
{
    afetch_loop *L = calloc(1, sizeof *L);
    if (!L)
        return NULL;
    L->opts = opts;
    L->slot_count = opts->parallel ? opts->parallel : 1;
    L->window = L->narrowest = L->slot_count;
    L->rng = fetch_rng_seed(L);
    L->slots = calloc(L->slot_count, sizeof *L->slots);
    L->spare = calloc(L->slot_count, sizeof *L->spare);
    struct loop_hooks hooks = {.done = on_done,
                               .drained = on_drained,
                               .alarm = on_alarm,
                               .poked = on_drained,
                               .readable = on_input_ready,
                               .tick = on_tick,
                               .trace = opts->verbosity >= 2 && opts->log ? on_trace : NULL,
                               .trouble = on_trouble,
                               .arg = L};
    L->loop = loop_new(&hooks, (long)L->slot_count, (long)opts->per_host);
    if (opts->per_host > 0 && !(L->hosts = hosts_new()))
        goto fail;
    bool failed = false;
    L->headers = fetch_headers_new(opts, NULL, &failed);
    if (!L->slots || !L->spare || !L->loop || failed)
        goto fail;
    /* A slot gets its easy handle when it first runs (task_prepare): -j 10000 over a short
     * list costs only the transfers that actually run at once. */
    for (unsigned i = 0; i < L->slot_count; i++) {
        struct slot *slot = &L->slots[L->slot_count - 1 - i];
        fetch_io_init(&slot->io);
        give_back(L, slot);
    }
    L->started = clock_seconds();
    return L;
fail:
    afetch_loop_free(L);
    return NULL;
}

void afetch_loop_free(afetch_loop *L)
{
    if (!L)
        return;
    if (L->loop)
        cancel_everything(L);
    loop_free(L->loop);
    for (unsigned i = 0; L->slots && i < L->slot_count; i++) {
        fetch_io_release(&L->slots[i].io);
        if (L->slots[i].easy)
            curl_easy_cleanup(L->slots[i].easy);
    }
    retryq_release(&L->retrying);
    hosts_free(L->hosts);
    curl_slist_free_all(L->headers);
    free(L->slots);
    free(L->spare);
    free(L);
}

static struct task *task_for(afetch_loop *L, const afetch_request *req)
{
    struct task *t = task_new(req, L->next_index, L->opts, &task_ops);
    if (!t)
        return NULL;
    L->next_index++;
    t->owner = L;
    return t;
}

afetch_future *afetch_fetch(afetch_loop *L, const afetch_request *req)
{
    struct task *t = task_for(L, req);
    if (!t)
        return NULL;
    if (t->future.state == AFETCH_PENDING)
        wait_in_line(L, t); /* starts when the window has room */
    return &t->future;
}

/* ---- gathering a fixed array ---- */

static void count_settled(void *arg, afetch_future *f)
{
    struct array_run *run = arg;
    run->settled++;
    run->failed += !f->result.ok;
}

static void cancel_array(void *arg)
{
    struct array_run *run = arg;
    for (size_t i = 0; i < run->n; i++)
        afetch_future_cancel(run->futures[i]);
}

size_t afetch_gather(afetch_loop *L, afetch_future *const *futures, size_t n,
                     afetch_gather_mode mode)
{
    struct array_run run = {.futures = futures, .n = n};
    notice_stop(L);
    struct gather g;
    /* The array already holds declaration order, so settle order is enough here. */
    gather_init(&g, mode, true, count_settled, cancel_array, &run);
    for (size_t i = 0; i < n; i++)
        gather_push(&g, futures[i]);
    L->array = &run;
    admit(L);
    if (run.settled < n)
        loop_run(L->loop);
    L->array = NULL;
    for (size_t i = 0; i < n; i++)
        future_then(futures[i], NULL, NULL);
    gather_release(&g);
    return run.failed;
}

/* ---- gathering a stream ---- */

static void deliver_to_stream(void *arg, afetch_future *f)
{
    afetch_loop *L = arg;
    task_deliver((struct task *)f, L->stream->stream, L->stream->summary);
    report_progress(L->stream->stream, L->stream->summary, L->running.count, L->started);
}

/* Reads no more of the stream's input. */
static void end_input(afetch_loop *L)
{
    L->stream->input_done = true;
    loop_unwatch(L->loop);
}

/* next() has nothing yet: pull again once its descriptor is readable. Without one (a stream
 * that breaks its contract), the input ends here. */
static void wait_for_input(afetch_loop *L)
{
    const afetch_stream *stream = L->stream->stream;
    int fd = stream->ready_fd ? stream->ready_fd(stream->next_arg) : -1;
    if (fd >= 0)
        loop_watch(L->loop, fd);
    else
        end_input(L);
}

/* Out of memory for a new task: read no more, cancel what runs; the results so far stand. */
static void give_up_for_memory(afetch_loop *L)
{
    end_input(L);
    L->stream->out_of_memory = true;
    cancel_everything(L);
}

/* Reads requests while the window and the reorder backlog have room, and the input has them
 * ready. After a fail-fast trip every remaining request is read and cancelled at once, so each
 * still gets its result. */
static void pull(afetch_loop *L)
{
    struct stream_run *run = L->stream;
    if (L->stopping)
        end_input(L);
    while (!run->input_done) {
        bool tripped = run->gather.tripped;
        if (!tripped && (L->waiting.count > 0 || L->spare_count == 0 ||
                         gather_backlog(&run->gather) >= run->backlog_cap))
            return;
        afetch_request req = {0};
        afetch_next got = run->stream->next(run->stream->next_arg, &req);
        if (got == AFETCH_NEXT_WAIT) {
            wait_for_input(L);
            return;
        }
        if (got != AFETCH_NEXT_ENTRY) {
            end_input(L);
            return;
        }
        struct task *t = task_for(L, &req);
        enum task_pushed pushed = task_push_new(&run->gather, t);
        if (pushed == TASK_PUSH_FAILED) {
            give_up_for_memory(L);
            return;
        }
        if (pushed == TASK_PUSHED_SETTLED)
            continue;
        if (tripped) {
            afetch_future_cancel(&t->future);
        } else {
            wait_in_line(L, t);
            admit(L);
        }
    }
}

int afetch_run_stream(afetch_loop *L, const afetch_stream *stream, afetch_summary *summary)
{
    unsigned parallel = L->slot_count;
    struct stream_run run = {
        .stream = stream, .summary = summary, .backlog_cap = backlog_cap(parallel)};
    *summary = (afetch_summary){.parallel = parallel};
    gather_init(&run.gather, stream->mode, stream->as_completed, deliver_to_stream,
                cancel_everything, L);
    L->stream = &run;
    L->started = clock_seconds();
    notice_stop(L);
    pull(L);
    if (stream->progress)
        loop_tick(L->loop, 0.1);
    if (!stream_finished(&run))
        loop_run(L->loop);
    loop_tick(L->loop, 0);
    summary->elapsed = clock_seconds() - L->started;
    summary->parallel = L->narrowest;
    L->stream = NULL;
    gather_release(&run.gather);
    return run.out_of_memory ? -1 : 0;
}

void afetch_loop_cancel(afetch_loop *L)
{
    if (L->stream)
        end_input(L);
    cancel_everything(L);
}

int afetch_global_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void afetch_global_cleanup(void)
{
    curl_global_cleanup();
}
