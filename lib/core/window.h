/* window.h — the admission window of one run, shared by all its loops, which may run on threads
 * of their own: at most `asked` transfers in flight across all of them (fewer while file
 * descriptors are short), a fair share of that for each loop while loops compete for it, and
 * the --rate clock all starts go by. Every function is safe to call from any loop's thread. */
#ifndef AFETCH_WINDOW_H
#define AFETCH_WINDOW_H

#include <stdbool.h>

struct window;

/* A window of asked transfers (>= 1) for loops loops (1 <= loops <= asked), with rate starts a
 * second at most (0: no limit). NULL when out of memory. */
struct window *window_new(unsigned asked, unsigned loops, double rate);
void window_free(struct window *w);

/* Marks loop as wanting slots: it has tasks to start and may be under its share. Loops at or
 * over their share then take no more, and window_give names it to be woken. */
void window_want(struct window *w, unsigned loop);
/* Takes a slot for one more transfer of loop, which runs running transfers now: true, or false
 * when the window is full, or when loop holds its share of it and another loop wants a slot.
 * A loop under its share that finds the window full is marked as wanting. */
bool window_take(struct window *w, unsigned loop, unsigned running);
/* Gives back a slot of loop's. Returns a loop that wants a slot (not loop itself), to be woken
 * so that it takes it, or -1. */
int window_give(struct window *w, unsigned loop);
/* loop has nothing left to start: it wants no slot. */
void window_idle(struct window *w, unsigned loop);
/* loop's share of the window as it stands now (shrunk or not), at least 1. */
unsigned window_share(struct window *w, unsigned loop);
/* Transfers in flight across all loops. */
unsigned window_in_flight(struct window *w);

/* Out of file descriptors: the window becomes what runs now (at least 1). Returns its size. */
unsigned window_shrink(struct window *w);
/* A transfer ended without a descriptor shortage. After a window's worth of them the window
 * grows by one, up to asked; returns the new size then, else 0. */
unsigned window_regrow(struct window *w);
/* The smallest the window has been. */
unsigned window_narrowest(struct window *w);

/* With a rate: whether a transfer may start now (clock_seconds()), booking its turn if so;
 * else *at is when the next turn comes. Starts are spaced 1/rate apart; after a pause at most
 * one extra start catches up, never a burst. Always true without a rate. */
bool window_rate_allows(struct window *w, double now, double *at);

#endif
