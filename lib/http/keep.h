/* keep.h — what a transfer keeps of its response for the result when asked (body_max,
 * keep_headers): the body up to its cap and the header fields, of the final response only. Each
 * new status line starts a new response (a redirect's, 100 Continue's, the final one's), whose
 * fields and body replace the last one's: that holds whether libcurl or afetch follows
 * redirects. Buffers are reused from transfer to transfer, and a kept body is handed to its
 * result without a copy. */
#ifndef AFETCH_KEEP_H
#define AFETCH_KEEP_H

#include "afetch.h"

/* The header fields kept of one response at most (names and values). libcurl 7.88 limits
 * each field to 100 KB but not their number. */
#define KEEP_FIELDS_MAX (300 * 1024)

struct fetch_keep {
    size_t body_max;   /* 0: keep no body */
    bool headers;      /* keep the header fields */
    unsigned response; /* status lines seen in this transfer */
    char *body;        /* body_len bytes of the current response; handed over or reused */
    size_t body_len, body_cap;
    bool body_truncated;
    char *fields; /* "name\0value\0" for each field of the current response; reused */
    size_t fields_len, fields_cap, field_count;
    bool fields_too_large; /* past KEEP_FIELDS_MAX: the transfer was stopped */
    bool out_of_memory;    /* a buffer could not grow: the transfer was stopped */
};

/* Sets k up for a new transfer with opts, keeping its buffers. */
void keep_start(struct fetch_keep *k, const afetch_options *opts);
/* Frees k's buffers. */
void keep_release(struct fetch_keep *k);

/* One line from CURLOPT_HEADERFUNCTION, n bytes with its line end. false when the transfer
 * must stop (fields_too_large, out_of_memory). */
bool keep_header_line(struct fetch_keep *k, const char *line, size_t n);
/* n body bytes of the current response; length_hint is its Content-Length (-1: unknown), to
 * size the buffer once. false when the transfer must stop (out_of_memory). */
bool keep_body_bytes(struct fetch_keep *k, const char *data, size_t n, int64_t length_hint);

/* Builds the block a result's strings live in: the n strings src (NULL stays NULL; dst[i]
 * receives each copy), and, when with_body, the body (r->body), and, when k keeps headers and
 * a response began, the fields (r->headers). The body buffer becomes the block's start, so it
 * is not copied. Returns the block, which the caller frees, or NULL when out of memory (r's
 * body and headers are then NULL). */
char *keep_pack(struct fetch_keep *k, bool with_body, afetch_result *r, size_t n,
                const char *const src[], const char **const dst[]);

#endif
