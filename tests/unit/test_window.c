/* test_window.c — the shared admission window (lib/core/window.c), each promise of window.h driven
 * from one thread: shares sum to the asked window, a lone loop borrows slots the others do not
 * use and gives way once they want them, a slot given back names the loop to wake, the window
 * shrinks on a descriptor shortage and grows back a window's worth of clean ends later, the
 * narrowest size is remembered, and the rate clock spaces starts without bursts. */
#include "tap.h"
#include "window.h"

static void shares(struct tap *t)
{
    struct window *w = window_new(10, 3, 0);
    unsigned sum = 0;
    for (unsigned i = 0; i < 3; i++)
        sum += window_share(w, i);
    ok(t, sum == 10, "shares of 10 over 3 loops sum to 10 (got %u)", sum);
    ok(t, window_share(w, 0) == 4 && window_share(w, 1) == 3 && window_share(w, 2) == 3,
       "the first loop takes the remainder: 4, 3, 3");
    window_free(w);

    w = window_new(3, 5, 0); /* more loops than slots: as many loops as slots */
    ok(t, window_share(w, 0) == 1 && window_share(w, 2) == 1, "3 slots over 5 loops: shares of 1");
    window_free(w);
}

static void borrowing(struct tap *t)
{
    struct window *w = window_new(4, 2, 0);
    unsigned taken = 0;
    while (taken < 10 && window_take(w, 0, taken))
        taken++;
    ok(t, taken == 4, "with no other loop wanting, loop 0 borrows the whole window (took %u)",
       taken);
    ok(t, window_in_flight(w) == 4, "4 in flight");
    ok(t, !window_take(w, 1, 0), "loop 1 finds the window full");
    ok(t, window_give(w, 0) == 1, "a slot given back by loop 0 names loop 1 (it wants one)");
    ok(t, !window_take(w, 0, 3), "loop 0, over its share while loop 1 waits, gives way");
    ok(t, window_take(w, 1, 0), "loop 1 takes the freed slot");
    ok(t, window_give(w, 0) == 1, "loop 1, still under its share of 2, is named again");
    ok(t, window_take(w, 1, 1) && window_in_flight(w) == 4, "loop 1 takes its second slot");
    ok(t, window_give(w, 0) == -1, "loop 1 runs its share: it wants no more, nobody to wake");
    window_free(w);

    w = window_new(4, 2, 0);
    window_want(w, 1);
    ok(t, window_take(w, 0, 0) && window_take(w, 0, 1), "loop 0 takes up to its share of 2");
    ok(t, !window_take(w, 0, 2), "past its share, while loop 1 wants slots, loop 0 gets none");
    window_idle(w, 1);
    ok(t, window_take(w, 0, 2), "once loop 1 is idle, loop 0 borrows again");
    ok(t, window_give(w, 0) == -1, "no loop wants a slot: nobody to wake");
    window_free(w);
}

static void shrink_and_regrow(struct tap *t)
{
    struct window *w = window_new(4, 1, 0);
    ok(t, window_narrowest(w) == 4, "a new window's narrowest is the asked size");
    ok(t, window_regrow(w) == 0, "at full size it never grows");
    for (unsigned i = 0; i < 3; i++)
        window_take(w, 0, i);
    ok(t, window_shrink(w) == 3, "descriptors short with 3 running: the window becomes 3");
    ok(t, window_share(w, 0) == 3, "the loop's share shrinks with it");
    ok(t, !window_take(w, 0, 3), "a 4th transfer does not start");
    ok(t, window_regrow(w) == 0 && window_regrow(w) == 0, "2 clean ends: not grown yet");
    ok(t, window_regrow(w) == 4, "the 3rd clean end (a window's worth) grows it to 4");
    ok(t, window_regrow(w) == 0, "grown back to the asked size: no further growth");
    ok(t, window_take(w, 0, 3), "the 4th transfer starts again");
    for (unsigned i = 0; i < 4; i++)
        window_give(w, 0);
    ok(t, window_shrink(w) == 1, "short with nothing running: the window stays at 1, never 0");
    ok(t, window_narrowest(w) == 1, "the narrowest reported is 1");
    ok(t, window_regrow(w) == 2, "from 1, one clean end grows it to 2");
    ok(t, window_narrowest(w) == 1, "the narrowest stays 1 after regrowing");
    window_free(w);

    w = window_new(6, 3, 0);
    window_shrink(w); /* 1 slot for 3 loops */
    ok(t, window_share(w, 0) == 1 && window_share(w, 2) == 1, "a shrunk share is at least 1");
    window_free(w);
}

static void rate(struct tap *t)
{
    struct window *w = window_new(4, 1, 0);
    double at = -1;
    ok(t, window_rate_allows(w, 100.0, &at) && window_rate_allows(w, 100.0, &at),
       "without a rate every start is allowed");
    window_free(w);

    w = window_new(4, 1, 2.0); /* 2 a second: 0.5 s apart */
    ok(t, window_rate_allows(w, 100.0, &at), "the first start goes at once");
    ok(t, !window_rate_allows(w, 100.0, &at) && at == 100.5,
       "the second waits for its turn at +0.5 s");
    ok(t, window_rate_allows(w, 100.5, &at), "at +0.5 s it may start");
    ok(t, window_rate_allows(w, 110.0, &at), "after a 9.5 s pause: one start");
    ok(t, window_rate_allows(w, 110.0, &at), "and one more catches up");
    at = -1;
    ok(t, !window_rate_allows(w, 110.0, &at) && at == 110.5,
       "but no burst: the third waits until +0.5 s");
    window_free(w);
}

int main(void)
{
    struct tap t = {0};
    shares(&t);
    borrowing(&t);
    shrink_and_regrow(&t);
    rate(&t);
    return tap_done(&t);
}
