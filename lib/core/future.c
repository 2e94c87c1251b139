/* future.c — the future's state machine: pending -> done | failed | cancelled, once. */
#include "future.h"

#include "errcode.h"

#include <string.h>

void future_init(afetch_future *f, const struct future_ops *ops, size_t index)
{
    memset(f, 0, sizeof *f);
    f->state = AFETCH_PENDING;
    f->ops = ops;
    f->result.index = index;
    f->result.redirects = -1;
    f->result.time = (afetch_timing){-1, -1, -1, -1, -1, -1};
}

static void settle(afetch_future *f, afetch_state state)
{
    if (f->state != AFETCH_PENDING)
        return;
    f->state = state;
    if (f->then)
        f->then(f->then_arg, f);
}

void future_settle(afetch_future *f)
{
    settle(f, f->result.ok ? AFETCH_DONE : AFETCH_FAILED);
}

void future_settle_cancelled(afetch_future *f)
{
    f->result.ok = false;
    f->result.error_code = err_name(ERR_CANCELLED);
    f->result.error_message = "cancelled before it finished";
    settle(f, AFETCH_CANCELLED);
}

void future_then(afetch_future *f, future_continuation *then, void *arg)
{
    f->then = then;
    f->then_arg = arg;
    if (then && f->state != AFETCH_PENDING)
        then(arg, f);
}

afetch_state afetch_future_state(const afetch_future *f)
{
    return f->state;
}

const afetch_result *afetch_future_result(const afetch_future *f)
{
    return f->state == AFETCH_PENDING ? NULL : &f->result;
}

void afetch_future_cancel(afetch_future *f)
{
    if (f->state == AFETCH_PENDING)
        f->ops->cancel(f);
}

void afetch_future_free(afetch_future *f)
{
    if (!f)
        return;
    afetch_future_cancel(f);
    f->ops->release(f);
}
