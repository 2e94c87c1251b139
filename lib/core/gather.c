/* gather.c — the reorder queue behind asyncio.gather-style delivery: a growable ring of
 * futures, flushed from its head while the head has settled. */
#include "gather.h"

#include <stdlib.h>

void gather_init(struct gather *g, afetch_gather_mode mode, bool as_completed,
                 gather_deliver_fn *deliver, gather_trip_fn *trip, void *arg)
{
    *g = (struct gather){.in_order = !as_completed,
                         .fail_fast = mode == AFETCH_FAIL_FAST,
                         .deliver = deliver,
                         .trip = trip,
                         .arg = arg};
}

void gather_release(struct gather *g)
{
    free(g->ring);
    g->ring = NULL;
    g->cap = g->head = g->len = 0;
}

size_t gather_backlog(const struct gather *g)
{
    return g->in_order ? g->len : g->unsettled;
}

/* Doubles the ring, unrolling it so the head lands at slot 0. */
static int grow(struct gather *g)
{
    size_t cap = g->cap ? 2 * g->cap : 64;
    afetch_future **ring = malloc(cap * sizeof *ring);
    if (!ring)
        return -1;
    for (size_t i = 0; i < g->len; i++)
        ring[i] = g->ring[(g->head + i) % g->cap];
    free(g->ring);
    g->ring = ring;
    g->cap = cap;
    g->head = 0;
    return 0;
}

/* Delivers the settled prefix. A delivery may settle other futures (and so call back in here);
 * the outer call then carries on with them. */
static void flush(struct gather *g)
{
    if (g->flushing)
        return;
    g->flushing = true;
    while (g->len > 0 && g->ring[g->head]->state != AFETCH_PENDING) {
        afetch_future *f = g->ring[g->head];
        g->head = (g->head + 1) % g->cap;
        g->len--;
        g->deliver(g->arg, f);
    }
    g->flushing = false;
}

static void on_settled(void *arg, afetch_future *f)
{
    struct gather *g = arg;
    bool trips = g->fail_fast && !g->tripped && !f->result.ok;
    if (trips)
        g->tripped = true;
    g->unsettled--;
    if (g->in_order)
        flush(g); /* f may be delivered, and freed, here */
    else
        g->deliver(g->arg, f);
    if (trips && g->trip)
        g->trip(g->arg);
}

int gather_push(struct gather *g, afetch_future *f)
{
    if (g->in_order) {
        if (g->len == g->cap && grow(g) != 0)
            return -1;
        g->ring[(g->head + g->len) % g->cap] = f;
        g->len++;
    }
    g->unsettled++;
    future_then(f, on_settled, g);
    return 0;
}

size_t backlog_cap(unsigned window, const afetch_options *opts)
{
    /* a kept body (or header fields) makes each waiting result weigh up to body_max */
    if (opts->body_max > 0 || opts->keep_headers)
        return (size_t)window * 2;
    return (size_t)window * 16 > 4096 ? (size_t)window * 16 : 4096;
}
