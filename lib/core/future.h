/* future.h — a future: one result that is pending until its producer settles it.
 * Embeddable: the producer (a task) holds it as its first member and supplies the hooks that
 * cancel and release it; one consumer (a gather) may register a continuation. */
#ifndef AFETCH_FUTURE_H
#define AFETCH_FUTURE_H

#include "afetch.h"

struct future_ops {
    void (*cancel)(afetch_future *f);  /* stop the work; must settle f as cancelled */
    void (*release)(afetch_future *f); /* free the producer's memory; f is settled */
};

typedef void future_continuation(void *arg, afetch_future *f);

struct afetch_future {
    afetch_state state;
    afetch_result result; /* valid once settled */
    const struct future_ops *ops;
    future_continuation *then; /* called once, when settled */
    void *then_arg;
};

void future_init(afetch_future *f, const struct future_ops *ops, size_t index);
/* Settles f with its result as filled in, DONE or FAILED by result.ok, and runs the
 * continuation. A settled future stays as it is. */
void future_settle(afetch_future *f);
/* Settles f as cancelled: error "cancelled", and runs the continuation. */
void future_settle_cancelled(afetch_future *f);
/* Registers the continuation (NULL: none); if f has settled already it runs at once. */
void future_then(afetch_future *f, future_continuation *then, void *arg);

#endif
