/* resume.c — the set of indexes earlier runs have results for (resume.h): an array sorted once,
 * searched by halves. */
#include "resume.h"

#include "afetch.h"

#include <stdlib.h>
#include <string.h>

enum resume_state resume_classify(bool ok, const char *error_code, long status)
{
    if (ok)
        return RESUME_OK;
    if (!error_code)
        return RESUME_AGAIN;
    static const char *const for_good[] = {AFETCH_E_INVALID_INPUT, AFETCH_E_PROTOCOL,
                                           AFETCH_E_DENIED, AFETCH_E_TOO_LARGE,
                                           AFETCH_E_TOO_MANY_REDIRECTS};
    for (size_t i = 0; i < sizeof for_good / sizeof for_good[0]; i++)
        if (strcmp(error_code, for_good[i]) == 0)
            return RESUME_FAILED;
    if (strcmp(error_code, AFETCH_E_HTTP) != 0 || status <= 0)
        return RESUME_AGAIN;
    bool transient = status == 408 || status == 429 || (status >= 500 && status <= 599);
    return transient ? RESUME_AGAIN : RESUME_FAILED;
}

uint64_t resume_hash(const char *url)
{
    uint64_t h = 14695981039346656037u; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)url; *p; p++)
        h = (h ^ *p) * 1099511628211u;
    return h & ~(uint64_t)3 ? h & ~(uint64_t)3 : 4;
}

int resume_add(struct resume_set *set, uint64_t index, uint64_t url_hash, enum resume_state state)
{
    if (set->count == set->cap) {
        size_t cap = set->cap ? 2 * set->cap : 1024;
        struct resume_entry *grown = realloc(set->entries, cap * sizeof *grown);
        if (!grown)
            return -1;
        set->entries = grown;
        set->cap = cap;
    }
    /* a file appended in input order stays sorted: no sort needed at all */
    if (set->count && set->entries[set->count - 1].index > index)
        set->sorted = false;
    else if (set->count == 0)
        set->sorted = true;
    set->entries[set->count++] =
        (struct resume_entry){.index = index, .key = (url_hash & ~(uint64_t)3) | state};
    return 0;
}

static int by_index(const void *a, const void *b)
{
    const struct resume_entry *x = a, *y = b;
    return (x->index > y->index) - (x->index < y->index);
}

bool resume_find(struct resume_set *set, uint64_t index, uint64_t url_hash,
                 enum resume_state *state, bool *changed)
{
    if (!set->sorted && set->count > 1) {
        qsort(set->entries, set->count, sizeof *set->entries, by_index);
        set->sorted = true;
    }
    size_t low = 0, high = set->count; /* the first entry at or after index */
    while (low < high) {
        size_t mid = low + (high - low) / 2;
        if (set->entries[mid].index < index)
            low = mid + 1;
        else
            high = mid;
    }
    *state = RESUME_AGAIN;
    *changed = false;
    bool found = false;
    for (size_t i = low; i < set->count && set->entries[i].index == index; i++) {
        const struct resume_entry *e = &set->entries[i];
        enum resume_state s = (enum resume_state)(e->key & 3);
        *state = !found || s > *state ? s : *state;
        *changed = *changed || (e->key & ~(uint64_t)3) != (url_hash & ~(uint64_t)3);
        found = true;
    }
    return found;
}

void resume_release(struct resume_set *set)
{
    free(set->entries);
    *set = (struct resume_set){0};
}
