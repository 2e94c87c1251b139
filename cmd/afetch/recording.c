/* recording.c — deep copies of requests, and their replay. */
#include "recording.h"

#include <stdlib.h>
#include <string.h>

static char *dup_or_null(const char *s, bool *failed)
{
    char *copy = s ? strdup(s) : NULL;
    *failed = *failed || (s && !copy);
    return copy;
}

/* A body holds bytes, NUL bytes too. */
static char *dup_bytes(const char *s, size_t n, bool *failed)
{
    char *copy = s ? malloc(n + 1) : NULL;
    if (copy) {
        memcpy(copy, s, n);
        copy[n] = '\0';
    }
    *failed = *failed || (s && !copy);
    return copy;
}

int record_one(struct recording *rec, const afetch_request *req)
{
    if (rec->count == rec->cap) {
        size_t cap = rec->cap ? 2 * rec->cap : 64;
        afetch_request *grown = realloc(rec->requests, cap * sizeof *grown);
        if (!grown)
            return -1;
        rec->requests = grown;
        rec->cap = cap;
    }
    bool failed = false;
    afetch_request *copy = &rec->requests[rec->count];
    *copy = (afetch_request){.error_code = req->error_code,
                             .header_count = req->header_count,
                             .body_size = req->body_size};
    copy->url = dup_or_null(req->url, &failed);
    copy->label = dup_or_null(req->label, &failed);
    copy->method = dup_or_null(req->method, &failed);
    copy->error_message = dup_or_null(req->error_message, &failed);
    copy->body = dup_bytes(req->body, req->body_size, &failed);
    copy->body_type = dup_or_null(req->body_type, &failed);
    copy->user = dup_or_null(req->user, &failed);
    copy->output = dup_or_null(req->output, &failed);
    char **headers = req->header_count ? calloc(req->header_count, sizeof *headers) : NULL;
    failed = failed || (req->header_count && !headers);
    for (size_t i = 0; headers && i < req->header_count; i++)
        headers[i] = dup_or_null(req->headers[i], &failed);
    copy->headers = (const char *const *)headers;
    rec->count++; /* even when failed, so that the parts are freed */
    return failed ? -1 : 0;
}

void recording_free(struct recording *rec)
{
    for (size_t i = 0; i < rec->count; i++) {
        afetch_request *r = &rec->requests[i];
        free((char *)r->url);
        free((char *)r->label);
        free((char *)r->method);
        free((char *)r->error_message);
        free((char *)r->body);
        free((char *)r->body_type);
        free((char *)r->user);
        free((char *)r->output);
        for (size_t h = 0; r->headers && h < r->header_count; h++)
            free((char *)r->headers[h]);
        free((void *)r->headers);
    }
    free(rec->requests);
}

afetch_next replay_next(void *arg, afetch_request *req)
{
    struct recording *rec = arg;
    if (rec->next == rec->count)
        return AFETCH_NEXT_END;
    *req = rec->requests[rec->next++];
    return AFETCH_NEXT_ENTRY;
}
