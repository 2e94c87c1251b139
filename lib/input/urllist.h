/* urllist.h — the parts of afetch_input (declared in afetch.h) that the unit tests and fuzz
 * targets reach directly. afetch_input reads incrementally: a list of any length costs one
 * line of memory and one 64 KiB buffer (four for a pipe, read ahead by a thread). */
#ifndef AFETCH_URLLIST_H
#define AFETCH_URLLIST_H

#include "afetch.h"

#include <stdio.h>

/* Adds an open stream as a source named name; the caller keeps and closes it. 0, or -1 when
 * out of memory. */
int urllist_add_file(afetch_input *in, FILE *file, const char *name);

/* Checks one trimmed line of text (not JSON) and fills req with it, or with an error naming
 * where (e.g. "urls.txt:3"): a scheme outside protocols (comma-separated; NULL: http,https)
 * is a "protocol" error. msg receives the error text. Pure: no I/O. */
void urllist_parse_url(const char *line, const char *where, const char *protocols,
                       afetch_request *req, char *msg, size_t msg_size);

#endif
