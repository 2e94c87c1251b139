/* recording.h — a list held in memory and replayed, for --compare, which runs it once per
 * mode. */
#ifndef AFETCH_RECORDING_H
#define AFETCH_RECORDING_H

#include "afetch.h"

/* Requests kept in memory, for --compare, which runs the same list twice. */
struct recording {
    afetch_request *requests;
    size_t count, cap, next;
};

/* Appends a deep copy of req; 0, or -1 when out of memory. */
int record_one(struct recording *rec, const afetch_request *req);
void recording_free(struct recording *rec);
/* An afetch_next_fn (arg: the recording) from its start, or where the last replay stopped. */
afetch_next replay_next(void *arg, afetch_request *req);

#endif
