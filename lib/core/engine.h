/* engine.h — what a run on several loops (crew.c) needs of engine.c: afetch_loops that work as
 * one loop of several ("workers"), each run on a thread of its own. A worker takes the tasks the
 * dispatcher hands it, runs them under the run's shared window, and hands each back once it
 * has settled; the dispatcher alone settles tasks, gathers and delivers. */
#ifndef AFETCH_ENGINE_H
#define AFETCH_ENGINE_H

#include "task.h"

#include <stdatomic.h>

struct window;

/* How a worker fits into its run. The callbacks run on the worker's thread. */
struct worker_config {
    unsigned index;                /* the worker's number among the run's loops, from 0 */
    struct window *window;         /* the run's, shared by its loops */
    struct session *session;       /* the run's, shared by its loops (session.h) */
    double started;                /* the run's start, clock_seconds() */
    const atomic_bool *cancelled;  /* set by the dispatcher: cancel everything, start nothing */
    const atomic_bool *all_handed; /* set by the dispatcher: the input has ended, every entry
                                      is handed over */
    /* Hands tasks back to the dispatcher: the callee takes them all and empties settled.
     * A task's cut_short says that it was cancelled before its result was final. Also called
     * with no task when the worker ran out of work to start. */
    void (*hand_back)(void *arg, struct task_list *settled);
    /* Wakes worker index: the window has a slot for it. */
    void (*wake)(void *arg, unsigned index);
    void *arg;
};

/* A worker for a run with opts. NULL when out of memory. Freed with afetch_loop_free, from any
 * thread, once worker_run has returned and every task has been handed back. */
afetch_loop *worker_new(const afetch_options *opts, const struct worker_config *config);
/* The worker's thread: runs it until worker_close. */
void worker_run(afetch_loop *L);

/* From the dispatcher's thread: */
/* Hands the tasks over (tasks is emptied); they start as the window lets them. */
void worker_hand(afetch_loop *L, struct task_list *tasks);
/* Makes the worker look at its config's cancelled flag at once. */
void worker_poke(afetch_loop *L);
/* Makes worker_run return. The worker holds no task by then. */
void worker_close(afetch_loop *L);
/* Tasks handed over and not started yet, plus transfers running: what the worker has on its
 * plate, about (it changes all the time). Parked and retrying tasks do not count. */
size_t worker_load(afetch_loop *L);

#endif
