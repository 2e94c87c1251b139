/* task.h — a task: one request's future, its copy of the request, and while it runs, a slot
 * (easy handle + counters) borrowed from its loop. Shared by the engine and the sync runner. */
#ifndef AFETCH_TASK_H
#define AFETCH_TASK_H

#include "fetch.h"
#include "future.h"

struct gather;

/* Where a pending task is; the owner keeps one list or heap for each place. */
enum task_place { TASK_NEW, TASK_WAITING, TASK_PARKED, TASK_RUNNING, TASK_RETRYING };

struct task {
    afetch_future future; /* first member: a task is its future */
    void *owner;          /* the loop or runner the task belongs to */
    enum task_place place;
    struct task *prev, *next;   /* in the owner's waiting or running list */
    double due;                 /* when RETRYING: the clock_seconds() to start again */
    size_t heap_slot;           /* when RETRYING: position in the owner's retry heap */
    struct slot *slot;          /* when RUNNING */
    struct host *host;          /* when PARKED or RUNNING with a per-host limit */
    struct curl_slist *headers; /* owned, when the request had headers of its own */
    char *result_strings;       /* owned; what the result's strings point into */
    afetch_request own;         /* the request's own method, body (+ size, type), user and file
                                   name under -o, in strings; NULL where the options' apply */
    const char *url;            /* the request's URL, as given (in strings); the result's url is
                                   its display form, without the password */
    char *ascii_url;            /* owned: the URL with an IDN host in punycode, or NULL */
    bool cut_short;             /* a worker thread stopped it before its result was final */
    bool rate_booked;           /* holds its turn of --rate already: the dispatcher of a run on
                                   several loops handed it over at that turn */
    char strings[];             /* url, the result's url, label, method, body, body type, user,
                                   output */
};

/* An intrusive doubly linked list of tasks; a task is in at most one at a time. */
struct task_list {
    struct task *head, *tail;
    size_t count;
};

void task_list_append(struct task_list *list, struct task *t);
void task_list_prepend(struct task_list *list, struct task *t);
void task_list_unlink(struct task_list *list, struct task *t);
/* Appends every task of from to into, in order; from is left empty. */
void task_list_move(struct task_list *into, struct task_list *from);

/* A transfer slot: an easy handle and what its callbacks write, reused from task to task. */
struct slot {
    CURL *easy;
    struct fetch_io io;
};

/* The future_ops of a runner that settles its tasks on its own thread (sync, threads, a run
 * on several loops): cancelling a task no transfer holds settles it at once; a settled one is
 * freed with task_free. */
extern const struct future_ops task_local_ops;

/* Copies req into a new task numbered index (or req's own index when it is numbered). A request
 * that carries an error is settled at birth. The headers are built only if the request has its own.
 * NULL when out of memory. */
struct task *task_new(const afetch_request *req, size_t index, const afetch_options *opts,
                      const struct future_ops *ops);
void task_free(struct task *t);

/* Prepares slot's easy handle for t's next try, creating it on the slot's first use; 0, or -1 with
 * t's result set to the failure, or to an ok skipped one when --skip-existing found its file
 * (t is not settled: the caller does that). */
int task_prepare(struct task *t, struct slot *slot, const afetch_options *opts,
                 struct curl_slist *shared_headers);
/* Reads the result of t's finished transfer, without settling t, and lets go of the slot.
 * Returns the seconds to wait before another try, or -1 when this result is final. */
double task_collect(struct task *t, CURLcode rc, const afetch_options *opts, uint64_t *rng);
/* Forgets the result of the last try, so that t can run again. */
void task_forget_result(struct task *t);
/* Lets go of a running task's slot when it will not finish: drops its partial file. */
void task_abandon(struct task *t);

/* Counts t's settled result, hands it to the stream's deliver callback, and frees t. */
void task_deliver(struct task *t, const afetch_stream *stream, afetch_summary *summary);
/* Calls the stream's flush, if it has one: a batch of deliveries is over. */
void stream_flush(const afetch_stream *stream);
/* What became of a task just read from the input and pushed on the gather. */
enum task_pushed {
    TASK_PUSHED_PENDING, /* it waits to run */
    TASK_PUSHED_SETTLED, /* it was settled at birth (an invalid entry); the push may have
                            delivered and freed it, so the caller must not touch it again */
    TASK_PUSH_FAILED,    /* out of memory: t (which may be NULL) is freed */
};
/* Pushes t, newly made from the input, on g. */
enum task_pushed task_push_new(struct gather *g, struct task *t);

#endif
