/* retryq.h — tasks waiting to be tried again, ordered by when: a binary min-heap on task->due
 * that also removes any task in O(log n) (through task->heap_slot), for cancellation. */
#ifndef AFETCH_RETRYQ_H
#define AFETCH_RETRYQ_H

#include "task.h"

struct retryq {
    struct task **heap;
    size_t count, cap;
};

/* 0, or -1 when out of memory. */
int retryq_push(struct retryq *q, struct task *t);
/* The task due first, or NULL. */
struct task *retryq_first(const struct retryq *q);
void retryq_remove(struct retryq *q, struct task *t);
void retryq_release(struct retryq *q);

#endif
