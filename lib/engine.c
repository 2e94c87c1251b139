/* engine.c — afetch_loop: tasks on the event loop. Owns the admission window (at most
 * `parallel` transfers in the multi, the rest waiting in FIFO order), the pool of transfer
 * slots, and the two ways of gathering: a fixed array of futures and an unbounded stream. */
#include "gather.h"
#include "loop.h"
#include "task.h"

#include <stdlib.h>

/* An intrusive doubly linked list of tasks. */
struct task_list {
    struct task *head, *tail;
    size_t count;
};

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
    struct slot *slots;         /* `parallel` of them; spare ones are on the free stack */
    struct slot **spare;
    size_t spare_count;
    struct task_list waiting, running;
    size_t next_index;
    double started;
    struct stream_run *stream; /* during afetch_run_stream */
    struct array_run *array;   /* during afetch_gather */
};

static void list_append(struct task_list *list, struct task *t)
{
    t->next = NULL;
    t->prev = list->tail;
    if (list->tail)
        list->tail->next = t;
    else
        list->head = t;
    list->tail = t;
    list->count++;
}

static void list_unlink(struct task_list *list, struct task *t)
{
    if (t->prev)
        t->prev->next = t->next;
    else
        list->head = t->next;
    if (t->next)
        t->next->prev = t->prev;
    else
        list->tail = t->prev;
    t->prev = t->next = NULL;
    list->count--;
}

/* Starts waiting tasks while the window has room. */
static void admit(afetch_loop *L)
{
    while (L->waiting.head && L->spare_count > 0) {
        struct task *t = L->waiting.head;
        list_unlink(&L->waiting, t);
        struct slot *slot = L->spare[--L->spare_count];
        if (task_prepare(t, slot, L->opts, L->headers) != 0) {
            L->spare[L->spare_count++] = slot;
            continue;
        }
        t->started = clock_seconds();
        t->future.result.time.start = t->started - L->started;
        list_append(&L->running, t);
        if (loop_add(L->loop, slot->easy) != 0) {
            list_unlink(&L->running, t);
            L->spare[L->spare_count++] = slot;
            t->slot = NULL;
            fetch_fail(&t->future.result, AFETCH_E_INTERNAL, "libcurl refused the transfer",
                       &t->result_strings);
            future_settle(&t->future);
        }
    }
}

/* future_ops.cancel: take the task out of the window or the queue, then settle it. */
static void cancel_task(afetch_future *f)
{
    struct task *t = (struct task *)f;
    afetch_loop *L = t->owner;
    if (t->slot) {
        loop_remove(L->loop, t->slot->easy);
        list_unlink(&L->running, t);
        L->spare[L->spare_count++] = t->slot;
        t->slot = NULL;
        t->future.result.attempts = 1;
    } else {
        list_unlink(&L->waiting, t);
    }
    future_settle_cancelled(f);
}

static void release_task(afetch_future *f)
{
    task_free((struct task *)f);
}

static const struct future_ops task_ops = {.cancel = cancel_task, .release = release_task};

static void cancel_list(struct task_list *list)
{
    while (list->head)
        afetch_future_cancel(&list->head->future);
}

static void cancel_everything(void *arg)
{
    afetch_loop *L = arg;
    cancel_list(&L->waiting);
    cancel_list(&L->running);
}

/* loop hook: a transfer ended. */
static void on_done(void *arg, CURL *easy, CURLcode rc)
{
    afetch_loop *L = arg;
    struct task *t = NULL;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&t);
    struct slot *slot = t->slot;
    list_unlink(&L->running, t);
    task_finish(t, rc, L->opts); /* may free t */
    L->spare[L->spare_count++] = slot;
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
    admit(L);
    if (L->stream) {
        pull(L);
        if (stream_finished(L->stream))
            loop_stop(L->loop);
    } else if (L->array && L->array->settled == L->array->n) {
        loop_stop(L->loop);
    }
}

void afetch_options_init(afetch_options *opts)
{
    *opts = (afetch_options){.parallel = 50,
                             .timeout = 30,
                             .connect_timeout = 10,
                             .follow_redirects = true,
                             .max_redirects = 10};
}

afetch_loop *afetch_loop_new(const afetch_options *opts)
{
    afetch_loop *L = calloc(1, sizeof *L);
    if (!L)
        return NULL;
    L->opts = opts;
    unsigned n = opts->parallel ? opts->parallel : 1;
    L->slots = calloc(n, sizeof *L->slots);
    L->spare = calloc(n, sizeof *L->spare);
    struct loop_hooks hooks = {.done = on_done, .drained = on_drained, .arg = L};
    L->loop = loop_new(&hooks, (long)n);
    bool failed = false;
    L->headers = fetch_headers_new(opts, NULL, &failed);
    if (!L->slots || !L->spare || !L->loop || failed)
        goto fail;
    for (unsigned i = 0; i < n; i++) {
        L->slots[i].easy = curl_easy_init();
        if (!L->slots[i].easy)
            goto fail;
        L->spare[L->spare_count++] = &L->slots[n - 1 - i];
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
    cancel_everything(L);
    loop_free(L->loop);
    for (unsigned i = 0; L->slots && i < (L->opts->parallel ? L->opts->parallel : 1); i++)
        if (L->slots[i].easy)
            curl_easy_cleanup(L->slots[i].easy);
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
        list_append(&L->waiting, t); /* starts when the window has room */
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
    struct stream_run *run = L->stream;
    const afetch_result *r = &f->result;
    summary_count(run->summary, r);
    run->stream->deliver(run->stream->deliver_arg, r);
    task_free((struct task *)f);
}

static void stop_reading(afetch_loop *L)
{
    L->stream->input_done = true;
    L->stream->out_of_memory = true;
    cancel_everything(L);
}

/* Reads requests while the window and the reorder backlog have room. After a fail-fast trip
 * every remaining request is read and cancelled at once, so each still gets its result. */
static void pull(afetch_loop *L)
{
    struct stream_run *run = L->stream;
    while (!run->input_done) {
        bool tripped = run->gather.tripped;
        if (!tripped && (L->waiting.count > 0 || L->spare_count == 0 ||
                         gather_backlog(&run->gather) >= run->backlog_cap))
            return;
        afetch_request req = {0};
        if (!run->stream->next(run->stream->next_arg, &req)) {
            run->input_done = true;
            return;
        }
        struct task *t = task_for(L, &req);
        if (!t) {
            stop_reading(L);
            return;
        }
        bool settled = t->future.state != AFETCH_PENDING;
        if (gather_push(&run->gather, &t->future) != 0) {
            task_free(t);
            stop_reading(L);
            return;
        }
        if (settled)
            continue; /* delivered, and freed, by the push */
        if (tripped) {
            afetch_future_cancel(&t->future);
        } else {
            list_append(&L->waiting, t);
            admit(L);
        }
    }
}

int afetch_run_stream(afetch_loop *L, const afetch_stream *stream, afetch_summary *summary)
{
    unsigned parallel = L->opts->parallel ? L->opts->parallel : 1;
    struct stream_run run = {.stream = stream,
                             .summary = summary,
                             .backlog_cap = parallel * 16 > 4096 ? parallel * 16 : 4096};
    *summary = (afetch_summary){.parallel = parallel};
    gather_init(&run.gather, stream->mode, stream->as_completed, deliver_to_stream,
                cancel_everything, L);
    L->stream = &run;
    L->started = clock_seconds();
    pull(L);
    if (!stream_finished(&run))
        loop_run(L->loop);
    summary->elapsed = clock_seconds() - L->started;
    L->stream = NULL;
    gather_release(&run.gather);
    return run.out_of_memory ? -1 : 0;
}

void afetch_loop_cancel(afetch_loop *L)
{
    if (L->stream)
        L->stream->input_done = true;
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
