/* test_gather.c — futures and gather without any network: settle futures by hand in every
 * order and check what is delivered, when, and what fail-fast cancels. */
#include "gather.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

#define N 6

static void cancel_by_hand(afetch_future *f)
{
    future_settle_cancelled(f);
}

static int released;
static void release_by_hand(afetch_future *f)
{
    (void)f;
    released++;
}

static const struct future_ops hand_ops = {.cancel = cancel_by_hand, .release = release_by_hand};

struct log {
    size_t order[64];
    size_t count;
    int trips;
    afetch_future *futures;
    size_t n;
};

static void record(void *arg, afetch_future *f)
{
    struct log *log = arg;
    log->order[log->count++] = f->result.index;
}

static void cancel_rest(void *arg)
{
    struct log *log = arg;
    log->trips++;
    for (size_t i = 0; i < log->n; i++)
        afetch_future_cancel(&log->futures[i]);
}

static void settle(afetch_future *f, bool ok)
{
    f->result.ok = ok;
    f->result.error_code = ok ? NULL : AFETCH_E_HTTP;
    future_settle(f);
}

static void setup(afetch_future *fs, size_t n, struct log *log)
{
    memset(log, 0, sizeof *log);
    log->futures = fs;
    log->n = n;
    for (size_t i = 0; i < n; i++)
        future_init(&fs[i], &hand_ops, i);
}

static void test_in_order(struct tap *t)
{
    afetch_future fs[N];
    struct log log;
    struct gather g;
    setup(fs, N, &log);
    gather_init(&g, AFETCH_RETURN_ERRORS, false, record, cancel_rest, &log);
    for (size_t i = 0; i < N; i++)
        gather_push(&g, &fs[i]);
    ok(t, gather_backlog(&g) == N, "backlog counts every pushed future");
    /* completion order 3, 1, 5, 0, 4, 2 */
    size_t order[N] = {3, 1, 5, 0, 4, 2};
    settle(&fs[order[0]], true);
    settle(&fs[order[1]], false);
    settle(&fs[order[2]], true);
    ok(t, log.count == 0, "nothing delivered while index 0 is pending");
    settle(&fs[order[3]], true);
    ok(t, log.count == 2 && log.order[0] == 0 && log.order[1] == 1,
       "settling index 0 delivers the settled prefix 0, 1");
    settle(&fs[order[4]], true);
    settle(&fs[order[5]], true);
    bool in_order = log.count == N;
    for (size_t i = 0; i < log.count; i++)
        in_order = in_order && log.order[i] == i;
    ok(t, in_order, "all six delivered in declaration order");
    ok(t, log.trips == 0, "errors are results: a failure trips nothing");
    ok(t, gather_backlog(&g) == 0, "backlog empty at the end");
    gather_release(&g);
}

static void test_as_completed(struct tap *t)
{
    afetch_future fs[3];
    struct log log;
    struct gather g;
    setup(fs, 3, &log);
    gather_init(&g, AFETCH_RETURN_ERRORS, true, record, cancel_rest, &log);
    for (size_t i = 0; i < 3; i++)
        gather_push(&g, &fs[i]);
    settle(&fs[2], true);
    settle(&fs[0], true);
    settle(&fs[1], true);
    ok(t, log.count == 3 && log.order[0] == 2 && log.order[1] == 0 && log.order[2] == 1,
       "as completed: delivered in settle order 2, 0, 1");
    gather_release(&g);
}

static void test_fail_fast(struct tap *t)
{
    afetch_future fs[N];
    struct log log;
    struct gather g;
    setup(fs, N, &log);
    gather_init(&g, AFETCH_FAIL_FAST, false, record, cancel_rest, &log);
    for (size_t i = 0; i < N; i++)
        gather_push(&g, &fs[i]);
    settle(&fs[1], true);
    settle(&fs[3], false);
    ok(t, log.trips == 1, "the first failure trips once");
    ok(t, log.count == N, "every future delivered after the trip");
    size_t cancelled = 0;
    for (size_t i = 0; i < N; i++)
        cancelled += fs[i].state == AFETCH_CANCELLED;
    ok(t, cancelled == 4, "the four pending futures were cancelled (got %zu)", cancelled);
    ok(t, fs[1].state == AFETCH_DONE && fs[3].state == AFETCH_FAILED,
       "settled futures keep their own outcome");
    ok(t, strcmp(fs[0].result.error_code, AFETCH_E_CANCELLED) == 0 && !fs[0].result.ok,
       "a cancelled result says \"cancelled\" and is not ok");
    bool in_order = true;
    for (size_t i = 0; i < log.count; i++)
        in_order = in_order && log.order[i] == i;
    ok(t, in_order, "fail-fast still delivers in declaration order");
    settle(&fs[5], false);
    ok(t, log.trips == 1 && fs[5].state == AFETCH_CANCELLED, "a settled future stays settled");
    gather_release(&g);
}

static void test_settled_before_push(struct tap *t)
{
    afetch_future fs[2];
    struct log log;
    struct gather g;
    setup(fs, 2, &log);
    settle(&fs[0], false);
    gather_init(&g, AFETCH_RETURN_ERRORS, false, record, cancel_rest, &log);
    gather_push(&g, &fs[0]);
    ok(t, log.count == 1 && log.order[0] == 0, "a future settled before the push is delivered");
    gather_push(&g, &fs[1]);
    settle(&fs[1], true);
    ok(t, log.count == 2, "and the next one follows");
    gather_release(&g);
}

struct sequence {
    size_t next; /* the index expected next */
    bool in_order;
};

static void check_sequence(void *arg, afetch_future *f)
{
    struct sequence *seq = arg;
    seq->in_order = seq->in_order && f->result.index == seq->next;
    seq->next++;
}

static void test_ring_growth(struct tap *t)
{
    enum { ROUND = 300, ROUNDS = 3 };
    afetch_future *fs = calloc(ROUND * ROUNDS, sizeof *fs);
    struct sequence seq = {.in_order = true};
    struct gather g;
    for (size_t i = 0; i < ROUND * ROUNDS; i++)
        future_init(&fs[i], &hand_ops, i);
    gather_init(&g, AFETCH_RETURN_ERRORS, false, check_sequence, NULL, &seq);
    bool backlog_right = true;
    for (size_t round = 0; round < ROUNDS; round++) {
        /* each round: push 300, settle them from the back, the head last */
        size_t first = round * ROUND;
        for (size_t i = first; i < first + ROUND; i++)
            gather_push(&g, &fs[i]);
        for (size_t i = first + ROUND - 1; i > first; i--)
            settle(&fs[i], true);
        backlog_right = backlog_right && gather_backlog(&g) == ROUND;
        settle(&fs[first], true);
        backlog_right = backlog_right && gather_backlog(&g) == 0;
    }
    ok(t, backlog_right, "the backlog holds a stalled head's followers, then empties");
    ok(t, seq.in_order && seq.next == ROUND * ROUNDS,
       "the ring grows and wraps without losing or reordering futures");
    free(fs);
    gather_release(&g);
}

static void test_free_cancels(struct tap *t)
{
    afetch_future f;
    released = 0;
    future_init(&f, &hand_ops, 7);
    ok(t, afetch_future_result(&f) == NULL, "a pending future has no result");
    afetch_future_free(&f);
    ok(t, f.state == AFETCH_CANCELLED && released == 1,
       "freeing a pending future cancels it, then releases it");
    ok(t, afetch_future_result(&f)->index == 7, "the result keeps its index");
}

int main(void)
{
    struct tap t = {0};
    test_in_order(&t);
    test_as_completed(&t);
    test_fail_fast(&t);
    test_settled_before_push(&t);
    test_ring_growth(&t);
    test_free_cancels(&t);
    return tap_done(&t);
}
