/* crew.c — the dispatcher of a run on several loops: their threads, which loop gets which
 * entry, the two handoffs, gathering, and stopping them all at once.
 *
 * An entry goes to the loop its host hashes to, so that one host's transfers share one loop's
 * connections (keep-alive, one HTTP/2 connection) and its --per-host count. Without --per-host,
 * it spills to the loop with the least work when its own loop has its share of the window to
 * do already and another has less than that (so that, as on one loop, the first -j entries
 * start at once: each loop starts its own in input order, and runs its share while others
 * wait), or when its loop has clearly more than the least (half a share more). A list of one
 * host, the common case, spreads over every loop; the hosts of a list of many mostly stay where
 * they hash to. The dispatcher keeps the loops' work (entries handed over and not started, plus
 * transfers) at twice the window at most, so that a loop that frees a slot finds its next task
 * in hand, and tops it up only once it fell below one and a half windows: reading (and waking a
 * loop) for every transfer that ends would cost two thread switches per transfer. Parked and
 * retrying tasks do not count, as on one loop.
 *
 * With --rate, the dispatcher takes the turns of the shared clock for new entries itself: it
 * holds them back and hands one over per turn, in input order, when the loops could start it at
 * once (so that starts keep the input's order, as on one loop, and a full window saves up no
 * burst). The loops take turns for retries only. */
#include "crew.h"

#include "clock.h"
#include "engine.h"
#include "gather.h"
#include "hosts.h"
#include "loop.h"
#include "session.h"
#include "summary.h"
#include "window.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>

/* Entries for one loop are handed over this many at a time at most (and the rest at the end of
 * a reading pass): one lock and one wake-up per batch, not per entry. */
enum { HAND_BATCH = 64 };

struct member {
    afetch_loop *loop;
    pthread_t thread;
    bool started;
    struct task_list batch; /* routed here, not handed over yet */
    size_t load;            /* during a reading pass: its load, plus what was routed since */
};

struct crew {
    struct loop *home; /* the caller's loop: the dispatcher waits on it */
    const afetch_options *opts;
    const afetch_stream *stream;
    afetch_summary *summary;
    struct gather gather;
    struct window *window;
    struct session *session; /* borrowed: the home loop's, for every loop */
    struct member *members;
    unsigned count;
    pthread_mutex_t lock;      /* guards returned */
    struct task_list returned; /* handed back by the loops, not settled yet */
    struct task_list paced;    /* --rate: read, waiting here for their turn, in input order */
    atomic_bool cancelled;     /* every loop cancels what it holds and starts nothing */
    atomic_bool all_handed;    /* the input has ended and the loops have every entry */
    size_t outstanding;        /* handed to a loop and not back yet */
    size_t next_index, backlog_cap, parallel;
    size_t ahead;      /* the loops' load at most, in all ... */
    size_t low_water;  /* ... topped up once it is below this */
    size_t loop_share; /* a loop's share of the window */
    size_t slack;      /* how much more load a host's loop may have than the least loaded one */
    double started;
    bool input_done, out_of_memory, stopping;
};

/* ---- on the loops' threads ---- */

/* worker_config.hand_back. The dispatcher is woken only if it has nothing of the loops' to take
 * yet: otherwise a wake-up is on its way, and it reads on after taking what is there. */
static void take_back(void *arg, struct task_list *settled)
{
    struct crew *c = arg;
    pthread_mutex_lock(&c->lock);
    bool waiting = c->returned.count > 0;
    task_list_move(&c->returned, settled);
    pthread_mutex_unlock(&c->lock);
    if (!waiting)
        loop_poke(c->home);
}

/* worker_config.wake */
static void wake_member(void *arg, unsigned index)
{
    struct crew *c = arg;
    worker_poke(c->members[index].loop);
}

static void *member_thread(void *loop)
{
    worker_run(loop);
    return NULL;
}

/* ---- on the dispatcher's thread ---- */

static void deliver(void *arg, afetch_future *f)
{
    struct crew *c = arg;
    task_deliver((struct task *)f, c->stream, c->summary);
    report_progress(c->stream, c->summary, window_in_flight(c->window), c->started);
}

/* Every loop cancels what it holds, now and whatever it is handed later, and what waits for its
 * turn here is cancelled (also gather's trip). */
static void cancel_loops(void *arg)
{
    struct crew *c = arg;
    atomic_store(&c->cancelled, true);
    for (unsigned i = 0; i < c->count; i++)
        worker_poke(c->members[i].loop);
    struct task_list paced = c->paced;
    c->paced = (struct task_list){0};
    for (struct task *t = paced.head, *next; t; t = next) {
        next = t->next;
        future_settle_cancelled(&t->future); /* may free t */
    }
}

static void end_input(struct crew *c)
{
    c->input_done = true;
    loop_unwatch(c->home);
}

void crew_cancel(struct crew *c)
{
    end_input(c);
    cancel_loops(c);
}

/* opts->stop set (a signal): read nothing more, cancel everything. */
static void notice_stop(struct crew *c)
{
    if (c->opts->stop && *c->opts->stop && !c->stopping) {
        c->stopping = true;
        crew_cancel(c);
    }
}

/* Settles what the loops handed back; delivering may cancel the run (a closed output). */
static void collect(struct crew *c)
{
    pthread_mutex_lock(&c->lock);
    struct task_list back = c->returned;
    c->returned = (struct task_list){0};
    pthread_mutex_unlock(&c->lock);
    for (struct task *t = back.head, *next; t; t = next) {
        next = t->next;
        c->outstanding--;
        if (t->cut_short)
            future_settle_cancelled(&t->future); /* may free t */
        else
            future_settle(&t->future);
    }
}

/* The loop for t: its host's, unless that has clearly more work than another and may spill. */
static struct member *route(struct crew *c, const struct task *t)
{
    struct member *home = &c->members[hosts_hash(t->url) % c->count];
    if (c->opts->per_host > 0 || home->load < c->loop_share)
        return home;
    struct member *least = home;
    for (unsigned i = 0; i < c->count; i++)
        if (c->members[i].load < least->load)
            least = &c->members[i];
    if (least->load < c->loop_share)
        return least; /* where it can start now */
    return home->load > least->load + c->slack ? least : home;
}

/* Hands m its batch. Every loop with a batch coming is marked as wanting slots first, so that
 * the first to look cannot take the others' shares of the window before they have theirs. */
static void hand(struct crew *c, struct member *m)
{
    for (unsigned i = 0; i < c->count; i++)
        if (c->members[i].batch.count > 0)
            window_want(c->window, i);
    c->outstanding += m->batch.count;
    worker_hand(m->loop, &m->batch);
}

static void wait_for_input(struct crew *c)
{
    const afetch_stream *stream = c->stream;
    int fd = stream->ready_fd ? stream->ready_fd(stream->next_arg) : -1;
    if (fd >= 0)
        loop_watch(c->home, fd);
    else
        end_input(c);
}

/* Reads one entry and routes it; false when reading stops here (the input waits or ended, or
 * memory ran out). *load grows by what went to a loop. */
static bool read_one(struct crew *c, bool tripped, size_t *load)
{
    afetch_request req = {0};
    afetch_next got = c->stream->next(c->stream->next_arg, &req);
    if (got == AFETCH_NEXT_WAIT) {
        wait_for_input(c);
        return false;
    }
    if (got != AFETCH_NEXT_ENTRY) {
        end_input(c);
        return false;
    }
    struct task *t = task_new(&req, c->next_index++, c->opts, &task_local_ops);
    enum task_pushed pushed = task_push_new(&c->gather, t);
    if (pushed == TASK_PUSH_FAILED) {
        c->out_of_memory = true;
        crew_cancel(c);
        return false;
    }
    if (pushed == TASK_PUSHED_SETTLED)
        return true;
    if (tripped || atomic_load(&c->cancelled)) {
        future_settle_cancelled(&t->future);
        return true;
    }
    ++*load;
    if (c->opts->rate > 0) {
        task_list_append(&c->paced, t);
        return true;
    }
    struct member *m = route(c, t);
    task_list_append(&m->batch, t);
    m->load++;
    if (m->batch.count >= HAND_BATCH)
        hand(c, m);
    return true;
}

/* Each loop's load as it stands; returns their sum. */
static size_t refresh_loads(struct crew *c)
{
    size_t load = 0;
    for (unsigned i = 0; i < c->count; i++)
        load += c->members[i].load = worker_load(c->members[i].loop);
    return load;
}

/* --rate: routes the entries whose turn has come, one a turn, while the loops could start them
 * at once; home's alarm brings the next turn. The loads are fresh. */
static void release_paced(struct crew *c)
{
    size_t load = 0;
    for (unsigned i = 0; i < c->count; i++)
        load += c->members[i].load;
    double now = clock_seconds(), at;
    while (c->paced.head && load < c->parallel) {
        if (!window_rate_allows(c->window, now, &at)) {
            loop_alarm(c->home, at > now ? at - now : 0);
            return;
        }
        struct task *t = c->paced.head;
        task_list_unlink(&c->paced, t);
        t->rate_booked = true;
        struct member *m = route(c, t);
        task_list_append(&m->batch, t);
        m->load++;
        load++;
    }
}

static void hand_batches(struct crew *c)
{
    for (unsigned i = 0; i < c->count; i++)
        if (c->members[i].batch.count > 0)
            hand(c, &c->members[i]);
}

/* Once the input has ended and the last entry is handed over, the loops hear it (they close
 * connections then, engine.c's closing round). */
static void tell_all_handed(struct crew *c)
{
    if (!c->input_done || c->paced.head || atomic_load(&c->all_handed))
        return;
    atomic_store(&c->all_handed, true);
    for (unsigned i = 0; i < c->count; i++)
        worker_poke(c->members[i].loop);
}

/* Reads entries while the loops' load and the reorder backlog have room and the input has them
 * ready, then hands over what is left of the batches. After a fail-fast trip every remaining
 * entry is read and cancelled at once, so each still gets its result. */
static void pull(struct crew *c)
{
    if (c->stopping)
        end_input(c);
    size_t load = refresh_loads(c) + c->paced.count;
    size_t up_to = load < c->low_water ? c->ahead : 0;
    while (!c->input_done) {
        bool tripped = c->gather.tripped;
        if (!tripped && (load >= up_to || gather_backlog(&c->gather) >= c->backlog_cap))
            break;
        if (!read_one(c, tripped, &load))
            break;
    }
    release_paced(c);
    hand_batches(c);
    tell_all_handed(c);
}

static bool done(struct crew *c)
{
    return c->input_done && c->outstanding == 0 && !c->paced.head &&
           gather_backlog(&c->gather) == 0;
}

static void stop_when_done(struct crew *c)
{
    if (done(c))
        loop_stop(c->home);
}

/* home's poked hook: results came back, a loop wants work, or a signal came. */
static void on_poke(void *arg)
{
    struct crew *c = arg;
    collect(c);
    notice_stop(c);
    pull(c);
    stop_when_done(c);
}

/* home's readable hook: the input that made pull wait has more. */
static void on_input(void *arg)
{
    struct crew *c = arg;
    loop_unwatch(c->home);
    pull(c);
    stop_when_done(c);
}

/* home's alarm hook: with --rate, the next turn has come. */
static void on_turn(void *arg)
{
    struct crew *c = arg;
    refresh_loads(c);
    release_paced(c);
    hand_batches(c);
    tell_all_handed(c);
}

static void on_tick(void *arg)
{
    struct crew *c = arg;
    report_progress(c->stream, c->summary, window_in_flight(c->window), c->started);
}

/* home runs no transfers of its own during the run. */
static void no_transfer(void *arg, CURL *easy, CURLcode rc)
{
    (void)arg;
    (void)easy;
    (void)rc;
}

static void nothing(void *arg)
{
    (void)arg;
}

/* ---- setting up and tearing down ---- */

/* The loops and their threads (which take no signals: a signal's handler runs on the
 * dispatcher's thread, whose flag only it reads). false if any could not be made. */
static bool start_members(struct crew *c)
{
    struct worker_config config = {.window = c->window,
                                   .session = c->session,
                                   .started = c->started,
                                   .cancelled = &c->cancelled,
                                   .all_handed = &c->all_handed,
                                   .hand_back = take_back,
                                   .wake = wake_member,
                                   .arg = c};
    for (unsigned i = 0; i < c->count; i++) {
        config.index = i;
        if (!(c->members[i].loop = worker_new(c->opts, &config)))
            return false;
    }
    sigset_t all, kept;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &kept);
    bool started = true;
    for (unsigned i = 0; started && i < c->count; i++) {
        struct member *m = &c->members[i];
        started = m->started = pthread_create(&m->thread, NULL, member_thread, m->loop) == 0;
    }
    pthread_sigmask(SIG_SETMASK, &kept, NULL);
    return started;
}

/* Stops the threads and frees the loops; they hold no task by now. */
static void stop_members(struct crew *c)
{
    for (unsigned i = 0; c->members && i < c->count; i++) {
        struct member *m = &c->members[i];
        if (m->started) {
            worker_close(m->loop);
            pthread_join(m->thread, NULL);
        }
        afetch_loop_free(m->loop);
    }
    free(c->members);
    window_free(c->window);
    pthread_mutex_destroy(&c->lock);
}

static bool set_up(struct crew *c, unsigned loops)
{
    unsigned parallel = c->opts->parallel ? c->opts->parallel : 1;
    c->count = loops;
    c->parallel = parallel;
    c->ahead = 2 * (size_t)parallel;
    c->low_water = c->ahead - c->ahead / 4;
    c->loop_share = parallel / loops;
    c->slack = c->loop_share / 2;
    c->backlog_cap = backlog_cap(parallel, c->opts);
    pthread_mutex_init(&c->lock, NULL);
    atomic_init(&c->cancelled, false);
    atomic_init(&c->all_handed, false);
    c->window = window_new(parallel, loops, c->opts->rate);
    c->members = calloc(loops, sizeof *c->members);
    return c->window && c->members && start_members(c);
}

/* The home loop waits: what was delivered since it last did reaches the stream's reader now. */
static void on_waiting(void *arg)
{
    struct crew *c = arg;
    stream_flush(c->stream);
    stop_when_done(c); /* a failed write may have cancelled the run: no poke would come */
}

/* Runs the loops until every entry has been delivered. */
static void run(struct crew *c)
{
    struct loop_hooks hooks = {.done = no_transfer,
                               .drained = nothing,
                               .alarm = on_turn,
                               .poked = on_poke,
                               .readable = on_input,
                               .tick = on_tick,
                               .waiting = on_waiting,
                               .arg = c},
                      kept;
    loop_set_hooks(c->home, &hooks, &kept);
    loop_keep_running(c->home, true);
    notice_stop(c);
    pull(c);
    if (c->stream->progress)
        loop_tick(c->home, 0.1);
    if (!done(c))
        loop_run(c->home);
    loop_alarm(c->home, -1);
    loop_tick(c->home, 0);
    loop_keep_running(c->home, false);
    loop_set_hooks(c->home, &kept, NULL);
    stream_flush(c->stream);
}

int crew_run(struct loop *home, const afetch_options *opts, struct session *session, unsigned loops,
             const afetch_stream *stream, afetch_summary *summary, struct crew **running)
{
    struct crew c = {.home = home,
                     .opts = opts,
                     .session = session,
                     .stream = stream,
                     .summary = summary,
                     .started = clock_seconds()};
    if (!set_up(&c, loops)) {
        stop_members(&c);
        return CREW_UNAVAILABLE;
    }
    *summary = (afetch_summary){.parallel = opts->parallel, .loops = loops};
    gather_init(&c.gather, stream->mode, stream->as_completed, deliver, cancel_loops, &c);
    *running = &c;
    run(&c);
    *running = NULL;
    summary->elapsed = clock_seconds() - c.started;
    summary->parallel = window_narrowest(c.window);
    gather_release(&c.gather);
    stop_members(&c);
    return c.out_of_memory ? -1 : 0;
}
