/* engine.c — afetch_loop: tasks on the event loop. Owns the tasks waiting in FIFO order for a
 * slot of the admission window (window.h: at most `parallel` transfers in flight), the tasks
 * waiting for a retry (holding no slot), the pool of transfer slots, and the two ways of
 * gathering: a fixed array of futures and an unbounded stream. A stream run on several loops
 * is crew.c's; its loops are afetch_loops too, "workers" (engine.h), which settle nothing
 * themselves: they hand their tasks back to the dispatcher's thread. */
#include "clock.h"
#include "crew.h"
#include "engine.h"
#include "gather.h"
#include "hosts.h"
#include "log.h"
#include "loop.h"
#include "optcopy.h"
#include "retryq.h"
#include "summary.h"
#include "task.h"
#include "window.h"

#include <errno.h>
#include <pthread.h>
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

/* A worker's side of the handoffs with the dispatcher. */
struct worker {
    struct worker_config config;
    pthread_mutex_t lock;     /* guards inbox and closing */
    struct task_list inbox;   /* handed over, not taken yet */
    bool closing;             /* worker_close was called */
    atomic_size_t handed;     /* tasks in inbox */
    atomic_size_t plate;      /* waiting + running, as of the worker's last turn */
    struct task_list settled; /* the worker's thread only: settled, not handed back yet */
    size_t last_plate;
    unsigned connections; /* the cap on its connection cache, as last set */
};

struct afetch_loop {
    const afetch_options *opts; /* a loop's own copy (optcopy.h); a worker's is its run's */
    afetch_options *own_opts;   /* the copy, freed with the loop; NULL for a worker */
    struct loop *loop;
    struct curl_slist *headers; /* the options' headers, for requests without their own */
    struct session *session;    /* the lists, the cookie store and (several loops) the caches of
                                   every transfer: this loop's own, or a run's */
    bool own_session;
    struct window *window; /* the run's: this loop's own, or shared by a run's loops */
    bool own_window;
    unsigned index;      /* this loop's number among the loops sharing the window */
    unsigned slot_count; /* transfers this loop may run at once at most: -j */
    unsigned slots_made; /* slots[0..slots_made) are set up */
    struct slot *slots;
    struct slot **spare; /* set up and free */
    size_t spare_count;
    struct task_list waiting, running;
    struct retryq retrying;
    uint64_t rng;
    size_t next_index;
    double started;
    bool stopping;             /* opts->stop was seen: nothing new starts */
    bool closing_round;        /* connections close after their transfer (enter_closing_round) */
    size_t finished;           /* transfers that ended, reused connection or not */
    bool rate_blocked;         /* admission waits for the rate's next turn ... */
    double rate_at;            /* ... which comes then */
    struct hosts *hosts;       /* with opts->per_host */
    struct stream_run *stream; /* during afetch_run_stream */
    struct array_run *array;   /* during afetch_gather */
    struct crew *crew;         /* during afetch_run_stream on several loops */
    struct worker *worker;     /* set if this loop is a worker of a run on several loops */
};

static void give_back(afetch_loop *L, struct slot *slot)
{
    L->spare[L->spare_count++] = slot;
}

/* Whether a slot is free. A slot is set up the first time it runs: -j 10000 over a short list
 * costs only the transfers that actually run at once. */
static bool slot_free(const afetch_loop *L)
{
    return L->spare_count > 0 || L->slots_made < L->slot_count;
}

static struct slot *take_slot(afetch_loop *L)
{
    if (L->spare_count > 0)
        return L->spare[--L->spare_count];
    struct slot *slot = &L->slots[L->slots_made++];
    fetch_io_init(&slot->io);
    slot->io.session = L->session;
    return slot;
}

/* The window's slot of a transfer that ended or never began goes back; a loop waiting for one
 * is woken to take it. */
static void give_turn(afetch_loop *L)
{
    int waiting = window_give(L->window, L->index);
    if (waiting >= 0 && L->worker)
        L->worker->config.wake(L->worker->config.arg, (unsigned)waiting);
}

/* t has settled: its result is final, or it was cancelled. A worker hands it back to the
 * dispatcher, which settles it on its own thread; a loop of its own settles it here. */
static void finish(afetch_loop *L, struct task *t, bool cancelled)
{
    if (L->worker) {
        t->cut_short = cancelled;
        task_list_append(&L->worker->settled, t);
    } else if (cancelled) {
        future_settle_cancelled(&t->future); /* may free t */
    } else {
        future_settle(&t->future); /* may free t */
    }
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

/* In the closing round, easy's connection closes when its transfer ends. */
static void close_after_use(const afetch_loop *L, CURL *easy)
{
    if (L->closing_round)
        curl_easy_setopt(easy, CURLOPT_FORBID_REUSE, 1L);
}

/* Starts t on a free slot, in the window's slot just taken for it. */
static void start(afetch_loop *L, struct task *t)
{
    struct slot *slot = take_slot(L);
    afetch_result *r = &t->future.result;
    if (r->attempts == 0)
        r->time.start = clock_seconds() - L->started;
    t->place = TASK_RUNNING;
    slot->io.fresh_connect = L->finished == 0; /* until one ends, no connection is idle */
    bool started = task_prepare(t, slot, L->opts, L->headers) == 0;
    if (started) {
        close_after_use(L, slot->easy);
        task_list_append(&L->running, t);
        if (loop_add(L->loop, slot->easy) == 0) {
            log_transfer_start(L->opts, r);
            return;
        }
        task_list_unlink(&L->running, t);
        task_abandon(t);
        task_forget_result(t);
        fetch_fail(r, ERR_INTERNAL, "libcurl refused the transfer", NULL, &t->result_strings);
    }
    t->place = TASK_NEW;
    give_back(L, slot);
    give_turn(L);
    leave_host(L, t, true);
    finish(L, t, false);
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

static void arm_alarm(afetch_loop *L);

/* Starts waiting tasks while the window (and the rate, shared by a run's loops) has room. */
static void admit(afetch_loop *L)
{
    L->rate_blocked = false;
    while (!L->stopping && L->waiting.head &&
           window_take(L->window, L->index, (unsigned)L->running.count)) {
        struct task *t = L->waiting.head;
        if (!t->rate_booked && !window_rate_allows(L->window, clock_seconds(), &L->rate_at)) {
            give_turn(L);
            L->rate_blocked = true;
            arm_alarm(L);
            return;
        }
        t->rate_booked = false; /* its turn is taken now; another try needs another */
        task_list_unlink(&L->waiting, t);
        if (host_has_room(L, t))
            start(L, t);
        else
            give_turn(L); /* t is parked with its host, which holds no slot */
    }
    if (!L->waiting.head)
        window_idle(L->window, L->index);
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
    if (L->rate_blocked && (at < 0 || L->rate_at < at))
        at = L->rate_at;
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
        give_turn(L);
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

static void cancel_one(afetch_loop *L, struct task *t)
{
    take_out(L, t);
    finish(L, t, true);
}

/* future_ops.cancel */
static void cancel_task(afetch_future *f)
{
    struct task *t = (struct task *)f;
    cancel_one(t->owner, t);
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
        cancel_one(L, L->waiting.head);
    while (L->running.head)
        cancel_one(L, L->running.head);
    while (retryq_first(&L->retrying))
        cancel_one(L, retryq_first(&L->retrying));
}

/* Out of descriptors: the window becomes what runs now. */
static void shrink_window(afetch_loop *L)
{
    log_line(L->opts, 1, "out of file descriptors: window %u", window_shrink(L->window));
}

/* A shortage may pass (a burst of name lookups, another program's files): after a window's
 * worth of transfers end without one, the window grows by one again, up to -j. */
static void regrow_window(afetch_loop *L)
{
    unsigned grown = window_regrow(L->window);
    if (grown)
        log_line(L->opts, 1, "window %u again", grown);
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
        close_after_use(L, easy);
        if (loop_add(L->loop, easy) == 0)
            return;
        slot->io.hop_error = ERR_INTERNAL;
        snprintf(slot->io.errbuf, sizeof slot->io.errbuf, "libcurl refused the redirect");
    }
    task_list_unlink(&L->running, t);
    t->place = TASK_NEW;
    L->finished++;
    double delay = task_collect(t, rc, L->opts, &L->rng);
    const afetch_result *r = &t->future.result;
    log_transfer_end(L->opts, r, delay >= 0);
    give_back(L, slot);
    give_turn(L);
    leave_host(L, t, true);
    bool starved = fetch_starved(rc, &slot->io);
    if (!starved)
        regrow_window(L);
    if (starved && window_in_flight(L->window) > 0 && !L->stopping) {
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
    finish(L, t, false);
}

/* opts->stop set (a worker: its dispatcher says so): cancel what runs and waits, start and read
 * nothing more. A signal's flag is read by the thread it interrupts, never by a worker. */
static void notice_stop(afetch_loop *L)
{
    bool stop =
        L->worker ? atomic_load(L->worker->config.cancelled) : L->opts->stop && *L->opts->stop;
    if (stop && !L->stopping) {
        L->stopping = true;
        afetch_loop_cancel(L);
    }
}

static void end_turn(afetch_loop *L);

static void pull(afetch_loop *L);

static bool stream_finished(const struct stream_run *run)
{
    return run->input_done && gather_backlog(&run->gather) == 0;
}

/* A loop that runs this many transfers when its input ends has a closing round. */
enum { CLOSING_ROUND_MIN = 128 };

/* Whether no new task can come to this loop in this run: the input has ended (a worker's: its
 * dispatcher's, every entry handed over) and nothing waits here. Retries may still come due. */
static bool input_spent(const afetch_loop *L)
{
    if (L->waiting.head)
        return false;
    if (L->worker)
        return atomic_load(L->worker->config.all_handed) && atomic_load(&L->worker->handed) == 0;
    return L->stream && L->stream->input_done;
}

/* Once nothing new can start, the connections of a loop that runs many transfers close when
 * their transfers end instead of idling until the run ends: libcurl 7.88 walks its connections,
 * up to the one just used, whenever a handle leaves the multi handle (close_connect_only),
 * which at -j 10000 took a third of the run's CPU. Not with --per-host, whose parked tasks may
 * still reuse them, and not for a loop running a few, whose connections cost little to walk and
 * stay for a run a program may start next. */
static void enter_closing_round(afetch_loop *L)
{
    if (L->closing_round || L->stopping || L->hosts || L->running.count < CLOSING_ROUND_MIN ||
        !input_spent(L))
        return;
    L->closing_round = true;
    log_line(L->opts, 2, "closing round: %zu transfers left, each closes its connection",
             L->running.count);
    for (struct task *t = L->running.head; t; t = t->next)
        close_after_use(L, t->slot->easy);
}

/* loop hook: after a batch of completions, outside libcurl: refill the window, maybe stop. */
static void on_drained(void *arg)
{
    afetch_loop *L = arg;
    notice_stop(L);
    admit(L);
    if (L->worker) {
        /* its turn ends before the loop waits (on_worker_waiting): one hand-back for all the
         * events of a loop iteration, not one per event */
    } else if (L->stream) {
        pull(L);
        if (stream_finished(L->stream))
            loop_stop(L->loop);
    } else if (L->array && L->array->settled == L->array->n) {
        loop_stop(L->loop);
    }
    enter_closing_round(L);
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

/* The loop waits: what was delivered since it last did reaches the stream's reader now. */
static void on_waiting(void *arg)
{
    afetch_loop *L = arg;
    if (!L->stream)
        return;
    stream_flush(L->stream->stream);
    if (stream_finished(L->stream)) /* a failed write may have cancelled the run */
        loop_stop(L->loop);
}

/* A worker's loop waits: its turn is over. */
static void on_worker_waiting(void *arg)
{
    end_turn(arg);
}

/* loop hook: time to tell a progress display where the run stands. */
static void on_tick(void *arg)
{
    afetch_loop *L = arg;
    if (L->stream)
        report_progress(L->stream->stream, L->stream->summary, L->running.count, L->started);
}

/* loop hook: with verbosity 2, the loop's own events; a worker's are numbered from 1. */
static void on_trace(void *arg, const char *line)
{
    afetch_loop *L = arg;
    if (L->worker)
        log_line(L->opts, 2, "loop %u: %s", L->index + 1, line);
    else
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

static void on_worker_poked(void *arg);

/* A loop for opts under window, as loop index of those sharing it, its transfers in session (a
 * run's, borrowed; NULL: one of its own); worker says how it fits into a run on several loops
 * (NULL: a loop of its own). */
static afetch_loop *loop_create(const afetch_options *opts, struct window *window, unsigned index,
                                struct session *session, struct worker *worker)
{
    afetch_loop *L = calloc(1, sizeof *L);
    if (!L)
        return NULL;
    L->opts = opts;
    L->window = window;
    L->index = index;
    L->session = session;
    L->own_session = !session;
    L->worker = worker;
    /* A loop may run the whole window: its own loop's, or one that others leave unused. */
    L->slot_count = opts->parallel ? opts->parallel : 1;
    L->rng = fetch_rng_seed(L);
    L->slots = calloc(L->slot_count, sizeof *L->slots);
    L->spare = calloc(L->slot_count, sizeof *L->spare);
    struct loop_hooks hooks = {.done = on_done,
                               .drained = on_drained,
                               .alarm = on_alarm,
                               .poked = worker ? on_worker_poked : on_drained,
                               .readable = on_input_ready,
                               .tick = on_tick,
                               .waiting = worker ? on_worker_waiting : on_waiting,
                               .trace = opts->verbosity >= 2 && opts->log ? on_trace : NULL,
                               .trouble = on_trouble,
                               .arg = L};
    L->loop = loop_new(&hooks, (long)L->slot_count, (long)opts->per_host);
    if (opts->per_host > 0 && !(L->hosts = hosts_new()))
        goto fail;
    bool failed = false;
    L->headers = fetch_headers_new(opts, NULL, &failed);
    if (L->own_session)
        L->session = session_new(opts);
    if (!L->slots || !L->spare || !L->loop || failed || !L->session)
        goto fail;
    L->started = clock_seconds();
    return L;
fail:
    afetch_loop_free(L);
    return NULL;
}

afetch_loop *afetch_loop_new(const afetch_options *given)
{
    afetch_options *opts = options_copy(given);
    if (!opts)
        return NULL;
    unsigned parallel = opts->parallel ? opts->parallel : 1;
    struct window *window = window_new(parallel, 1, opts->rate);
    afetch_loop *L = window ? loop_create(opts, window, 0, NULL, NULL) : NULL;
    if (!L) {
        window_free(window);
        free(opts);
        return NULL;
    }
    L->own_window = true;
    L->own_opts = opts;
    return L;
}

void afetch_loop_free(afetch_loop *L)
{
    if (!L)
        return;
    if (L->loop)
        cancel_everything(L); /* a worker holds nothing by now */
    loop_free(L->loop);
    for (unsigned i = 0; i < L->slots_made; i++) {
        fetch_io_release(&L->slots[i].io);
        if (L->slots[i].easy)
            curl_easy_cleanup(L->slots[i].easy);
    }
    if (L->own_session)
        session_free(L->session); /* after the handles that use it */
    retryq_release(&L->retrying);
    hosts_free(L->hosts);
    curl_slist_free_all(L->headers);
    if (L->own_window)
        window_free(L->window);
    if (L->worker) {
        pthread_mutex_destroy(&L->worker->lock);
        free(L->worker);
    }
    free(L->slots);
    free(L->spare);
    free(L->own_opts); /* last: freeing the rest may still log */
    free(L);
}

/* ---- a worker: one loop of a run on several (engine.h) ---- */

/* loop hook of a worker: the dispatcher handed tasks over, or wants it to look at its flags. */
static void on_worker_poked(void *arg)
{
    afetch_loop *L = arg;
    struct worker *w = L->worker;
    pthread_mutex_lock(&w->lock);
    struct task_list handed = w->inbox;
    w->inbox = (struct task_list){0};
    bool closing = w->closing;
    pthread_mutex_unlock(&w->lock);
    atomic_fetch_sub(&w->handed, handed.count);
    bool cancelled = atomic_load(w->config.cancelled);
    for (struct task *t = handed.head, *next; t; t = next) {
        next = t->next;
        t->owner = L;
        if (cancelled)
            finish(L, t, true);
        else
            wait_in_line(L, t);
    }
    if (closing)
        loop_stop(L->loop);
    on_drained(L);
}

/* A worker's connections, idle ones included: as many as it runs, or twice its share of the
 * window if that is more. Each loop keeps its own idle connections, so with a cap of the whole
 * window each, the loops together could hold one window's worth of descriptors per loop; with
 * this, two at most, and fewer while a descriptor shortage has shrunk the window. (A cap of one
 * share made loops that run a little over it close and reopen connections all the time.) */
static void cap_connections(afetch_loop *L)
{
    struct worker *w = L->worker;
    unsigned share = 2 * window_share(L->window, L->index);
    unsigned cap = L->running.count > share ? (unsigned)L->running.count : share;
    if (cap != w->connections) {
        w->connections = cap;
        loop_cap_connections(L->loop, (long)cap);
    }
}

/* The end of a worker's turn: what settled goes back to the dispatcher, which also hears when
 * the worker has room for more. */
static void end_turn(afetch_loop *L)
{
    struct worker *w = L->worker;
    cap_connections(L);
    size_t plate = L->waiting.count + L->running.count;
    atomic_store(&w->plate, plate);
    bool emptier = plate < w->last_plate && L->waiting.count == 0;
    w->last_plate = plate;
    if (w->settled.count > 0 || emptier)
        w->config.hand_back(w->config.arg, &w->settled);
}

afetch_loop *worker_new(const afetch_options *opts, const struct worker_config *config)
{
    struct worker *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->config = *config;
    pthread_mutex_init(&w->lock, NULL);
    atomic_init(&w->handed, 0);
    atomic_init(&w->plate, 0);
    afetch_loop *L = loop_create(opts, config->window, config->index, config->session, w);
    if (!L) {
        pthread_mutex_destroy(&w->lock);
        free(w);
        return NULL;
    }
    L->started = config->started;
    loop_keep_running(L->loop, true); /* idle between batches */
    return L;
}

void worker_run(afetch_loop *L)
{
    loop_run(L->loop);
    end_turn(L); /* a stopped loop does not wait again */
}

void worker_hand(afetch_loop *L, struct task_list *tasks)
{
    struct worker *w = L->worker;
    atomic_fetch_add(&w->handed, tasks->count);
    pthread_mutex_lock(&w->lock);
    bool waiting = w->inbox.count > 0; /* then the worker is woken already */
    task_list_move(&w->inbox, tasks);
    pthread_mutex_unlock(&w->lock);
    if (!waiting)
        loop_poke(L->loop);
}

void worker_poke(afetch_loop *L)
{
    loop_poke(L->loop);
}

void worker_close(afetch_loop *L)
{
    pthread_mutex_lock(&L->worker->lock);
    L->worker->closing = true;
    pthread_mutex_unlock(&L->worker->lock);
    loop_poke(L->loop);
}

size_t worker_load(afetch_loop *L)
{
    return atomic_load(&L->worker->handed) + atomic_load(&L->worker->plate);
}

/* ---- futures and gathering on one loop ---- */

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
    session_look_around(L->session, L->opts);
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
        if (!tripped && (L->waiting.count > 0 || !slot_free(L) ||
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
    unsigned loops = L->opts->loops < parallel ? L->opts->loops : parallel;
    session_look_around(L->session, L->opts); /* before any loop's thread starts */
    if (loops > 1 && !L->worker) {
        /* this loop dispatches; its own transfers stay unused */
        int rc = crew_run(L->loop, L->opts, L->session, loops, stream, summary, &L->crew);
        if (rc != CREW_UNAVAILABLE) {
            if (afetch_loop_save_cookies(L) != 0)
                summary->cookie_jar_errno = errno;
            return rc;
        }
    }
    struct stream_run run = {
        .stream = stream, .summary = summary, .backlog_cap = backlog_cap(parallel, L->opts)};
    *summary = (afetch_summary){.parallel = parallel, .loops = 1};
    gather_init(&run.gather, stream->mode, stream->as_completed, deliver_to_stream,
                cancel_everything, L);
    L->stream = &run;
    L->started = clock_seconds();
    notice_stop(L);
    pull(L);
    enter_closing_round(L);
    if (stream->progress)
        loop_tick(L->loop, 0.1);
    if (!stream_finished(&run))
        loop_run(L->loop);
    loop_tick(L->loop, 0);
    stream_flush(stream);
    summary->elapsed = clock_seconds() - L->started;
    summary->parallel = window_narrowest(L->window);
    L->stream = NULL;
    L->closing_round = false; /* the loop may run again (a round starts only in a run) */
    gather_release(&run.gather);
    if (afetch_loop_save_cookies(L) != 0)
        summary->cookie_jar_errno = errno;
    return run.out_of_memory ? -1 : 0;
}

int afetch_loop_save_cookies(afetch_loop *L)
{
    return L->opts->cookie_jar ? session_save_cookies(L->session, L->opts->cookie_jar) : 0;
}

void afetch_loop_cancel(afetch_loop *L)
{
    if (L->crew) {
        crew_cancel(L->crew);
        return;
    }
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
