/* resume.h — what the results of earlier runs say about each index, for --resume: whether it is
 * done (ok, or failed in a way another try would not change) and a hash of the URL it had, so
 * that a list that changed since is noticed. 16 bytes an index, not the URL itself: a million
 * results cost 16 MB. Pure: no I/O (results.c reads the file). */
#ifndef AFETCH_RESUME_H
#define AFETCH_RESUME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What one result says, worst first; an index with several results takes the best. */
enum resume_state {
    RESUME_AGAIN,  /* a failure another try may fix (a timeout, a 503, a full disk...) */
    RESUME_FAILED, /* a failure for good: invalid input, a 404, a denied address... */
    RESUME_OK,
};

struct resume_entry {
    uint64_t index;
    uint64_t key; /* the URL's hash with the low two bits replaced by the state */
};

struct resume_set {
    struct resume_entry *entries; /* owned */
    size_t count, cap;
    bool sorted; /* by index, for lookups */
};

/* What a result with these fields says: ok, or else error_code (and status for "http"). A
 * failure is for good when the list entry itself is wrong (invalid-input, protocol), policy
 * refused it (denied, too-large), it redirects in circles (too-many-redirects), or the server
 * answered with a status other than 408, 429 or 5xx; every other one may pass another time. */
enum resume_state resume_classify(bool ok, const char *error_code, long status);

/* The hash of a URL's display form (as a result's "url" holds it); never 0. */
uint64_t resume_hash(const char *url);

/* Records that index had url_hash and state. 0, or -1 when out of memory. */
int resume_add(struct resume_set *set, uint64_t index, uint64_t url_hash, enum resume_state state);

/* What is known of index: false when nothing. Otherwise true with *state the best of its
 * results and *changed set when one of them had a URL other than url_hash. Sorts the set on
 * the first call after an add. */
bool resume_find(struct resume_set *set, uint64_t index, uint64_t url_hash,
                 enum resume_state *state, bool *changed);

void resume_release(struct resume_set *set);

#endif
