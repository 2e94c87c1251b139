/* retryq.c — the retry heap. */
#include "retryq.h"

#include <stdlib.h>

static void place(struct retryq *q, size_t i, struct task *t)
{
    q->heap[i] = t;
    t->heap_slot = i;
}

static void sift_up(struct retryq *q, size_t i)
{
    struct task *t = q->heap[i];
    while (i > 0 && q->heap[(i - 1) / 2]->due > t->due) {
        place(q, i, q->heap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    place(q, i, t);
}

static void sift_down(struct retryq *q, size_t i)
{
    struct task *t = q->heap[i];
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= q->count)
            break;
        if (child + 1 < q->count && q->heap[child + 1]->due < q->heap[child]->due)
            child++;
        if (q->heap[child]->due >= t->due)
            break;
        place(q, i, q->heap[child]);
        i = child;
    }
    place(q, i, t);
}

int retryq_push(struct retryq *q, struct task *t)
{
    if (q->count == q->cap) {
        size_t cap = q->cap ? 2 * q->cap : 16;
        struct task **heap = realloc(q->heap, cap * sizeof *heap);
        if (!heap)
            return -1;
        q->heap = heap;
        q->cap = cap;
    }
    place(q, q->count++, t);
    sift_up(q, q->count - 1);
    return 0;
}

struct task *retryq_first(const struct retryq *q)
{
    return q->count ? q->heap[0] : NULL;
}

void retryq_remove(struct retryq *q, struct task *t)
{
    size_t i = t->heap_slot;
    struct task *last = q->heap[--q->count];
    if (i == q->count)
        return;
    place(q, i, last);
    sift_up(q, i);
    sift_down(q, last->heap_slot);
}

void retryq_release(struct retryq *q)
{
    free(q->heap);
    *q = (struct retryq){0};
}
