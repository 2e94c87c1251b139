/* test_retryq.c — the retry heap (lib/http/retryq.c): tasks come out in due order whatever order
 * they went in, ties and removals from the middle keep the heap whole, and it grows past its
 * first allocation. Tasks here are bare structs with only due set: the heap reads nothing else. */
#include "retryq.h"
#include "tap.h"

#include <stdlib.h>

#define MANY 100 /* past the first capacity (16) several times */

/* Pops everything; true when the dues come out never decreasing and count matches. */
static bool drains_in_order(struct retryq *q, size_t expect)
{
    double last = -1;
    size_t n = 0;
    for (struct task *t; (t = retryq_first(q)); n++) {
        if (t->due < last || q->heap[t->heap_slot] != t)
            return false;
        last = t->due;
        retryq_remove(q, t);
    }
    return n == expect && q->count == 0;
}

int main(void)
{
    struct tap t = {0};
    struct retryq q = {0};
    struct task *tasks = calloc(MANY, sizeof *tasks);
    if (!tasks) {
        puts("Bail out! out of memory");
        return 1;
    }

    ok(&t, retryq_first(&q) == NULL, "an empty heap has no first task");

    double dues[] = {5, 1, 4, 2, 3};
    for (size_t i = 0; i < 5; i++) {
        tasks[i].due = dues[i];
        retryq_push(&q, &tasks[i]);
    }
    ok(&t, retryq_first(&q) == &tasks[1], "the earliest due comes first (1 of 5, pushed second)");
    retryq_remove(&q, &tasks[2]); /* due 4: from the middle */
    ok(&t, q.count == 4 && retryq_first(&q) == &tasks[1], "removing from the middle: 4 left");
    retryq_remove(&q, &tasks[1]);
    ok(&t, retryq_first(&q) == &tasks[3], "after removing the first, the next earliest (2)");
    ok(&t, drains_in_order(&q, 3), "the rest drain in due order (3, 5 and no 4)");
    ok(&t, retryq_first(&q) == NULL, "drained: empty again");

    for (size_t i = 0; i < 6; i++) {
        tasks[i].due = i < 3 ? 7 : 9;
        retryq_push(&q, &tasks[i]);
    }
    struct task *first = retryq_first(&q);
    ok(&t, first && first->due == 7, "ties: one of the earliest comes first");
    ok(&t, drains_in_order(&q, 6), "ties drain whole, in due order");

    /* Pseudo-random dues, many ties, past the first capacity. */
    unsigned seed = 12345, refused = 0;
    for (size_t i = 0; i < MANY; i++) {
        seed = seed * 1103515245u + 12345u;
        tasks[i].due = (double)((seed >> 16) % 37);
        refused += retryq_push(&q, &tasks[i]) != 0;
    }
    ok(&t, refused == 0 && q.count == MANY && q.cap >= MANY, "%d tasks held (capacity grew to %zu)",
       MANY, q.cap);
    double earliest = 1e9;
    for (size_t i = 0; i < MANY; i++)
        earliest = tasks[i].due < earliest ? tasks[i].due : earliest;
    ok(&t, retryq_first(&q) && retryq_first(&q)->due == earliest, "the first is the earliest");
    for (size_t i = 0; i < MANY; i += 3) /* every third, from anywhere in the heap */
        retryq_remove(&q, &tasks[i]);
    ok(&t, drains_in_order(&q, MANY - (MANY + 2) / 3),
       "after removing every third task, the rest drain in due order");

    retryq_release(&q);
    ok(&t, q.heap == NULL && q.count == 0 && q.cap == 0, "released: back to empty");
    free(tasks);
    return tap_done(&t);
}
