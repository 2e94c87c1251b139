/* hosts.h — per-host admission state for --per-host: each host's running count and the tasks
 * parked until it has room, kept in a hash table of hosts that have tasks. */
#ifndef AFETCH_HOSTS_H
#define AFETCH_HOSTS_H

#include "task.h"

#include <stdint.h>

struct host {
    struct host *next_in_bucket;
    size_t refs;             /* tasks that point here */
    unsigned running;        /* of those, transfers in flight */
    struct task_list parked; /* of those, tasks waiting for this host to have room */
    char name[];             /* the URL's authority, lowercased, without user info */
};

struct hosts;

struct hosts *hosts_new(void);
/* Frees the table; every host must have been released. */
void hosts_free(struct hosts *hosts);
/* The host of url, created on first use; each call takes a reference. NULL when out of memory. */
struct host *hosts_acquire(struct hosts *hosts, const char *url);
/* Drops a reference; the host is freed with its last one. */
void hosts_release(struct hosts *hosts, struct host *host);
/* A hash of url's host as this table keys it (its authority, any case): one value for every URL
 * that counts against the same --per-host limit. */
uint64_t hosts_hash(const char *url);
/* Moves every parked task, of every host, to the end of into (as TASK_WAITING); they keep their
 * host references. For cancelling everything. */
void hosts_unpark_all(struct hosts *hosts, struct task_list *into);

#endif
