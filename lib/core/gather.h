/* gather.h — hands settled futures over in declaration order (or as each settles) and trips
 * once, on the first result that is not ok, in fail-fast mode. It owns its queue, never the
 * futures: what happens to a delivered future is the deliverer's business. */
#ifndef AFETCH_GATHER_H
#define AFETCH_GATHER_H

#include "future.h"

typedef void gather_deliver_fn(void *arg, afetch_future *f);
typedef void gather_trip_fn(void *arg);

struct gather {
    afetch_future **ring; /* pushed, not yet delivered, in declaration order */
    size_t cap, head, len;
    size_t unsettled;
    bool in_order, fail_fast, tripped, flushing;
    gather_deliver_fn *deliver;
    gather_trip_fn *trip; /* fail-fast: cancel the rest */
    void *arg;
};

void gather_init(struct gather *g, afetch_gather_mode mode, bool as_completed,
                 gather_deliver_fn *deliver, gather_trip_fn *trip, void *arg);
/* Frees the queue; futures still in it are not delivered. */
void gather_release(struct gather *g);
/* Adds f as the next in declaration order. Returns 0, or -1 when out of memory. */
int gather_push(struct gather *g, afetch_future *f);
/* Futures pushed and not yet delivered: the reorder backlog. */
size_t gather_backlog(const struct gather *g);
/* The backlog a stream run lets build up behind a stalled head at most (counting the results in
 * flight), for a window of that many transfers: reading pauses there, so memory stays bounded.
 * When results keep bodies or header fields, that is twice the window. */
size_t backlog_cap(unsigned window, const afetch_options *opts);

#endif
