/* keep.c — the body and header fields a transfer keeps for its result, and the one block that
 * result's strings, body and fields share. */
#include "keep.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A slot reuses a body buffer up to BODY_REUSE_MAX; a bigger one left by a transfer whose body
 * was not handed over is freed, so an idle slot holds little. */
enum { BODY_FIRST_CAP = 16 * 1024, BODY_REUSE_MAX = 64 * 1024, FIELDS_FIRST_CAP = 2048 };

void keep_start(struct fetch_keep *k, const afetch_options *opts)
{
    if (k->body_cap > BODY_REUSE_MAX) {
        free(k->body);
        k->body = NULL;
        k->body_cap = 0;
    }
    k->body_max = 0;
    if (opts->body_max > 0)
        k->body_max =
            (uint64_t)opts->body_max < SIZE_MAX / 2 ? (size_t)opts->body_max : SIZE_MAX / 2;
    k->headers = opts->keep_headers;
    k->response = 0;
    k->body_len = k->fields_len = k->field_count = 0;
    k->body_truncated = k->fields_too_large = k->out_of_memory = false;
}

void keep_release(struct fetch_keep *k)
{
    free(k->body);
    free(k->fields);
    k->body = k->fields = NULL;
    k->body_cap = k->fields_cap = 0;
}

/* Makes room for need bytes in *buf; false (and out_of_memory) when it cannot. */
static bool reserve(struct fetch_keep *k, char **buf, size_t *cap, size_t need, size_t first,
                    size_t most)
{
    if (need <= *cap)
        return true;
    size_t grown = *cap ? 2 * *cap : first;
    if (grown < need)
        grown = need;
    if (grown > most)
        grown = most;
    char *p = realloc(*buf, grown);
    if (!p) {
        k->out_of_memory = true;
        return false;
    }
    *buf = p;
    *cap = grown;
    return true;
}

static bool blank(char c)
{
    return c == ' ' || c == '\t';
}

/* The bytes from p to end without the blanks and line end around them. */
static void trim(const char **p, const char **end)
{
    while (*p < *end && blank(**p))
        (*p)++;
    while (*end > *p && (blank((*end)[-1]) || (*end)[-1] == '\r' || (*end)[-1] == '\n'))
        (*end)--;
}

/* Appends n bytes and a NUL to the fields. libcurl refuses a NUL byte in a field; should one
 * come anyway, the text ends there, as a C string would. */
static bool add_field_text(struct fetch_keep *k, const char *text, size_t n)
{
    const char *nul = memchr(text, '\0', n);
    if (nul)
        n = (size_t)(nul - text);
    if (k->fields_len + n + 1 > KEEP_FIELDS_MAX) {
        k->fields_too_large = true;
        return false;
    }
    if (!reserve(k, &k->fields, &k->fields_cap, k->fields_len + n + 1, FIELDS_FIRST_CAP,
                 KEEP_FIELDS_MAX))
        return false;
    memcpy(k->fields + k->fields_len, text, n);
    k->fields[k->fields_len + n] = '\0';
    k->fields_len += n + 1;
    return true;
}

/* An obsolete folded line (it starts with a blank) continues the last value, after a space. */
static bool fold_into_last(struct fetch_keep *k, const char *p, const char *end)
{
    trim(&p, &end);
    if (k->field_count == 0 || p == end)
        return true;
    k->fields[k->fields_len - 1] = ' '; /* the last value's NUL */
    if (add_field_text(k, p, (size_t)(end - p)))
        return true;
    k->fields[k->fields_len - 1] = '\0';
    return false;
}

bool keep_header_line(struct fetch_keep *k, const char *line, size_t n)
{
    if (n >= 5 && memcmp(line, "HTTP/", 5) == 0) {
        k->response++;
        k->fields_len = k->field_count = k->body_len = 0;
        k->body_truncated = false;
        return true;
    }
    if (!k->headers || n == 0)
        return true;
    const char *end = line + n;
    if (blank(line[0]))
        return fold_into_last(k, line, end);
    const char *colon = memchr(line, ':', n);
    if (!colon || colon == line)
        return true; /* the blank line that ends the fields, or not a field */
    size_t start = k->fields_len;
    if (!add_field_text(k, line, (size_t)(colon - line)))
        return false;
    for (char *c = k->fields + start; *c; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
    const char *value = colon + 1;
    trim(&value, &end);
    if (!add_field_text(k, value, (size_t)(end - value))) {
        k->fields_len = start;
        return false;
    }
    k->field_count++;
    return true;
}

bool keep_body_bytes(struct fetch_keep *k, const char *data, size_t n, int64_t length_hint)
{
    if (k->body_max == 0)
        return true;
    size_t room = k->body_max - k->body_len;
    size_t take = n < room ? n : room;
    if (take < n)
        k->body_truncated = true;
    if (take == 0)
        return true;
    /* a Content-Length sizes the buffer once; a lying one costs at most body_max */
    size_t first = BODY_FIRST_CAP;
    if (length_hint > 0)
        first = (uint64_t)length_hint < k->body_max ? (size_t)length_hint + 1 : k->body_max + 1;
    if (!reserve(k, &k->body, &k->body_cap, k->body_len + take + 1, first, k->body_max + 1))
        return false;
    memcpy(k->body + k->body_len, data, take);
    k->body_len += take;
    return true;
}

static size_t aligned(size_t offset, size_t alignment)
{
    return (offset + alignment - 1) / alignment * alignment;
}

/* Points r->headers at count entries at h, filled from the fields copied to text. */
static void index_fields(afetch_header *h, size_t count, const char *text)
{
    for (size_t i = 0; i < count; i++) {
        h[i].name = text;
        text += strlen(text) + 1;
        h[i].value = text;
        text += strlen(text) + 1;
    }
}

char *keep_pack(struct fetch_keep *k, bool with_body, afetch_result *r, size_t n,
                const char *const src[], const char **const dst[])
{
    bool with_fields = k->headers && k->response > 0;
    size_t body_part = with_body ? k->body_len + 1 : 0;
    size_t fields_at = aligned(body_part, alignof(afetch_header));
    size_t strings_at = fields_at + (with_fields ? k->field_count * sizeof(afetch_header) : 0);
    size_t total = strings_at + (with_fields ? k->fields_len : 0) + 1;
    for (size_t i = 0; i < n; i++)
        total += src[i] ? strlen(src[i]) + 1 : 0;
    r->body = NULL;
    r->headers = NULL;
    char *block = with_body ? realloc(k->body, total) : malloc(total);
    if (!block)
        return NULL;
    if (with_body) {
        k->body = NULL; /* the result owns it now */
        k->body_cap = 0;
        block[k->body_len] = '\0';
        r->body = block;
        r->body_length = k->body_len;
        r->body_truncated = k->body_truncated;
    }
    char *p = block + strings_at;
    for (size_t i = 0; i < n; i++) {
        *dst[i] = NULL;
        if (src[i]) {
            size_t len = strlen(src[i]) + 1;
            memcpy(p, src[i], len);
            *dst[i] = p;
            p += len;
        }
    }
    if (with_fields) {
        if (k->fields_len > 0) /* else fields may be NULL */
            memcpy(p, k->fields, k->fields_len);
        afetch_header *h = (afetch_header *)(void *)(block + fields_at);
        index_fields(h, k->field_count, p);
        r->headers = h;
        r->header_count = k->field_count;
    }
    return block;
}
