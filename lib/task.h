/* task.h — a task: one request's future, its copy of the request, and while it runs, a slot
 * (easy handle + counters) borrowed from its loop. Shared by the engine and the sync runner. */
#ifndef AFETCH_TASK_H
#define AFETCH_TASK_H

#include "fetch.h"
#include "future.h"

struct task {
    afetch_future future; /* first member: a task is its future */
    void *owner;              /* the loop or runner the task belongs to */
    struct task *prev, *next; /* in the owner's waiting or running list */
    struct slot *slot;        /* while running */
    struct curl_slist *headers; /* owned, when the request had headers of its own */
    char *result_strings;       /* owned; what the result's strings point into */
    const char *method;
    double started;             /* owner's clock */
    char strings[];             /* url, label, method */
};

/* A transfer slot: an easy handle and what its callbacks write, reused from task to task. */
struct slot {
    CURL *easy;
    struct fetch_io io;
};

/* Copies req into a new task numbered index. A request that carries an error is settled at
 * birth. The headers are built only if the request has its own. NULL when out of memory. */
struct task *task_new(const afetch_request *req, size_t index, const afetch_options *opts,
                      const struct future_ops *ops);
void task_free(struct task *t);

/* Prepares slot's easy handle for t; 0, or -1 with t settled as failed. */
int task_prepare(struct task *t, struct slot *slot, const afetch_options *opts,
                 struct curl_slist *shared_headers);
/* Settles t from its slot's finished transfer. */
void task_finish(struct task *t, CURLcode rc, const afetch_options *opts);

/* Adds r to the run's totals. */
void summary_count(afetch_summary *summary, const afetch_result *r);
/* A monotonic clock, seconds. */
double clock_seconds(void);

#endif
