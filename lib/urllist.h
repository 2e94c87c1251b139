/* urllist.h — the input's pure part, the URL check behind afetch_input (declared in afetch.h),
 * exposed for the unit tests. afetch_input reads incrementally: a list of any length costs one
 * line of memory. */
#ifndef AFETCH_URLLIST_H
#define AFETCH_URLLIST_H

#include "afetch.h"

/* Checks one trimmed line of text (not JSON) and fills req with it, or with an error naming
 * where (e.g. "urls.txt:3"). msg receives the error text. Pure: no I/O. */
void urllist_parse_url(const char *line, const char *where, afetch_request *req, char *msg,
                       size_t msg_size);

#endif
