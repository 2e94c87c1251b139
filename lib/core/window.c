/* window.c — the shared window: two atomic counters on the hot path (transfers in flight, and
 * loops waiting for a slot), a mutex for the rare rest (shrinking, growing back, the rate).
 *
 * Fairness: loop i's share is asked / loops (the first asked % loops loops get one more), so the
 * shares sum to asked. A loop may run more than its share while no other loop wants a slot; once
 * one does, every loop at or over its share stops taking slots, and each slot given back wakes a
 * loop that wants one. A loop wants slots from the moment tasks are handed to it (so that one
 * that got its batch first cannot take everyone's share before the others even look) until it
 * runs its share or has nothing left to start. A loop that takes its own freed slots back in the
 * same turn (the usual case) never needs to wake anyone. */
#include "window.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

struct window {
    atomic_uint in_flight;
    atomic_uint limit;   /* asked, or less after a descriptor shortage */
    atomic_uint waiters; /* loops marked in waiting[] */
    unsigned asked, loops;
    unsigned *share;      /* per loop */
    atomic_bool *waiting; /* per loop: wants slots (window_want) */
    pthread_mutex_t lock; /* guards the rest */
    unsigned clean, narrowest;
    double gap, next_start; /* rate: seconds between starts; when the next may start (0: any) */
};

struct window *window_new(unsigned asked, unsigned loops, double rate)
{
    struct window *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    asked = asked ? asked : 1;
    loops = loops < 1 ? 1 : loops > asked ? asked : loops;
    w->share = calloc(loops, sizeof *w->share);
    w->waiting = calloc(loops, sizeof *w->waiting);
    if (!w->share || !w->waiting) {
        window_free(w);
        return NULL;
    }
    w->asked = w->narrowest = asked;
    w->loops = loops;
    atomic_init(&w->in_flight, 0);
    atomic_init(&w->limit, asked);
    atomic_init(&w->waiters, 0);
    for (unsigned i = 0; i < loops; i++) {
        w->share[i] = asked / loops + (i < asked % loops);
        atomic_init(&w->waiting[i], false);
    }
    w->gap = rate > 0 ? 1.0 / rate : 0;
    pthread_mutex_init(&w->lock, NULL);
    return w;
}

void window_free(struct window *w)
{
    if (!w)
        return;
    if (w->share && w->waiting)
        pthread_mutex_destroy(&w->lock);
    free(w->share);
    free(w->waiting);
    free(w);
}

void window_want(struct window *w, unsigned loop)
{
    if (w->loops > 1 && !atomic_exchange(&w->waiting[loop], true))
        atomic_fetch_add(&w->waiters, 1);
}

void window_idle(struct window *w, unsigned loop)
{
    if (atomic_load_explicit(&w->waiting[loop], memory_order_relaxed) &&
        atomic_exchange(&w->waiting[loop], false))
        atomic_fetch_sub(&w->waiters, 1);
}

/* Whether a loop other than loop waits for a slot. */
static bool others_wait(struct window *w, unsigned loop)
{
    unsigned waiters = atomic_load(&w->waiters);
    return waiters > (atomic_load(&w->waiting[loop]) ? 1u : 0u);
}

bool window_take(struct window *w, unsigned loop, unsigned running)
{
    bool over_share = running >= w->share[loop];
    if (over_share && w->loops > 1) {
        window_idle(w, loop); /* it has its share */
        if (others_wait(w, loop))
            return false; /* give way */
    }
    bool marked = false;
    unsigned now = atomic_load(&w->in_flight);
    for (;;) {
        if (now >= atomic_load(&w->limit)) {
            if (over_share || w->loops == 1 || marked)
                return false;
            /* Marked first, then looked again: a slot given back in between is either seen
             * here or its giver sees the mark and wakes this loop. */
            window_want(w, loop);
            marked = true;
            now = atomic_load(&w->in_flight);
            continue;
        }
        if (atomic_compare_exchange_weak(&w->in_flight, &now, now + 1)) {
            if (running + 1 >= w->share[loop])
                window_idle(w, loop);
            return true;
        }
    }
}

int window_give(struct window *w, unsigned loop)
{
    atomic_fetch_sub(&w->in_flight, 1);
    if (w->loops == 1 || atomic_load(&w->waiters) == 0)
        return -1;
    for (unsigned i = 1; i < w->loops; i++) {
        unsigned other = (loop + i) % w->loops;
        if (atomic_load(&w->waiting[other]))
            return (int)other;
    }
    return -1;
}

unsigned window_share(struct window *w, unsigned loop)
{
    unsigned long long scaled =
        (unsigned long long)w->share[loop] * atomic_load(&w->limit) + w->asked - 1;
    unsigned share = (unsigned)(scaled / w->asked);
    return share > 0 ? share : 1;
}

unsigned window_in_flight(struct window *w)
{
    return atomic_load(&w->in_flight);
}

unsigned window_shrink(struct window *w)
{
    pthread_mutex_lock(&w->lock);
    unsigned now = atomic_load(&w->in_flight);
    unsigned limit = now > 0 ? now : 1;
    atomic_store(&w->limit, limit);
    if (limit < w->narrowest)
        w->narrowest = limit;
    w->clean = 0;
    pthread_mutex_unlock(&w->lock);
    return limit;
}

unsigned window_regrow(struct window *w)
{
    if (atomic_load_explicit(&w->limit, memory_order_relaxed) >= w->asked)
        return 0; /* the usual case: no lock */
    pthread_mutex_lock(&w->lock);
    unsigned limit = atomic_load(&w->limit), grown = 0;
    if (limit < w->asked && ++w->clean >= limit) {
        grown = limit + 1;
        atomic_store(&w->limit, grown);
        w->clean = 0;
    }
    pthread_mutex_unlock(&w->lock);
    return grown;
}

unsigned window_narrowest(struct window *w)
{
    pthread_mutex_lock(&w->lock);
    unsigned narrowest = w->narrowest;
    pthread_mutex_unlock(&w->lock);
    return narrowest;
}

bool window_rate_allows(struct window *w, double now, double *at)
{
    if (w->gap <= 0)
        return true;
    pthread_mutex_lock(&w->lock);
    if (w->next_start == 0)
        w->next_start = now; /* the first start: no catching up yet */
    bool allowed = now >= w->next_start;
    if (allowed)
        w->next_start = (w->next_start > now - w->gap ? w->next_start : now - w->gap) + w->gap;
    else
        *at = w->next_start;
    pthread_mutex_unlock(&w->lock);
    return allowed;
}
