/* optcopy.c — deep copies of afetch_options (optcopy.h). Two passes over the same code: the
 * first only measures, the second fills one block laid out as the struct, then the arrays of
 * pointers and of status ranges, then the bytes of every string. */
#include "optcopy.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

/* Where the next array and the next bytes go; with base NULL, nothing is written (measuring). */
struct block {
    char *base;
    size_t arrays, bytes; /* offsets: arrays grow from after the struct, bytes from bytes_start */
    size_t bytes_start;
};

static size_t aligned(size_t size)
{
    return (size + alignof(max_align_t) - 1) / alignof(max_align_t) * alignof(max_align_t);
}

/* Room for size bytes of an array; an empty one takes room too, so that it is not NULL (an
 * empty accept list, unlike none, accepts nothing). */
static void *take_array(struct block *b, size_t size)
{
    void *at = b->base ? b->base + b->arrays : NULL;
    b->arrays += aligned(size ? size : 1);
    return at;
}

/* len bytes of s and a NUL after them (bodies may hold NULs of their own). */
static const char *copy_bytes(struct block *b, const char *s, size_t len)
{
    if (!s)
        return NULL;
    char *at = b->base ? b->base + b->bytes_start + b->bytes : NULL;
    if (at) {
        memcpy(at, s, len);
        at[len] = '\0';
    }
    b->bytes += len + 1;
    return at;
}

static const char *copy_string(struct block *b, const char *s)
{
    return s ? copy_bytes(b, s, strlen(s)) : NULL;
}

static const char *const *copy_list(struct block *b, const char *const *list, size_t n)
{
    if (!list || n == 0)
        return NULL;
    const char **at = take_array(b, n * sizeof *list);
    for (size_t i = 0; i < n; i++) {
        const char *s = copy_string(b, list[i]);
        if (at)
            at[i] = s;
    }
    return at;
}

/* Fills (or, measuring, sizes) every pointer of to from from. */
static void copy_all(struct block *b, afetch_options *to, const afetch_options *from)
{
    to->method = copy_string(b, from->method);
    to->headers = copy_list(b, from->headers, from->header_count);
    to->body = copy_bytes(b, from->body, from->body_size);
    to->body_type = copy_string(b, from->body_type);
    to->user = copy_string(b, from->user);
    to->user_agent = copy_string(b, from->user_agent);
    to->protocols = copy_string(b, from->protocols);
    to->cacert = copy_string(b, from->cacert);
    to->output_dir = copy_string(b, from->output_dir);
    to->proxy = copy_string(b, from->proxy);
    to->noproxy = copy_string(b, from->noproxy);
    to->resolve = copy_list(b, from->resolve, from->resolve_count);
    to->connect_to = copy_list(b, from->connect_to, from->connect_to_count);
    to->cookie = copy_string(b, from->cookie);
    to->cookie_files = copy_list(b, from->cookie_files, from->cookie_file_count);
    to->cookie_jar = copy_string(b, from->cookie_jar);
    afetch_status_range *accept = NULL;
    if (from->accept) {
        accept = take_array(b, from->accept_count * sizeof *accept);
        if (accept && from->accept_count > 0)
            memcpy(accept, from->accept, from->accept_count * sizeof *accept);
    }
    to->accept = accept;
}

afetch_options *options_copy(const afetch_options *opts)
{
    afetch_options measured = *opts;
    struct block b = {.arrays = aligned(sizeof *opts)};
    copy_all(&b, &measured, opts);
    size_t bytes_start = b.arrays;
    char *base = malloc(bytes_start + b.bytes);
    if (!base)
        return NULL;
    afetch_options *copy = (afetch_options *)base;
    *copy = *opts;
    b = (struct block){.base = base, .arrays = aligned(sizeof *opts), .bytes_start = bytes_start};
    copy_all(&b, copy, opts);
    return copy;
}
