/* fetch.h — one transfer on an easy handle: setting it up from the options and a request,
 * counting the body as it streams past, and turning the outcome into a result. Shared by the
 * loop's tasks and the sync runner, so both modes produce the same records. */
#ifndef AFETCH_FETCH_H
#define AFETCH_FETCH_H

#include "afetch.h"

#include <curl/curl.h>

/* Per-transfer state the callbacks write into; lives as long as the transfer. */
struct fetch_io {
    int64_t bytes;
    char errbuf[CURL_ERROR_SIZE];
};

/* The request headers: the options' then the request's, a name in the request replacing the
 * same name in the options. NULL when there are none or when out of memory (*failed says which).
 * The caller frees the list with curl_slist_free_all. */
struct curl_slist *fetch_headers_new(const afetch_options *opts, const afetch_request *req,
                                     bool *failed);

/* Resets easy and sets it up for one transfer of url. headers must outlive the transfer.
 * Returns 0, or -1 if libcurl refused an option. */
int fetch_prepare(CURL *easy, const afetch_options *opts, const char *url, const char *method,
                  struct curl_slist *headers, struct fetch_io *io);

/* Fills r from the finished transfer. The strings r gains (effective URL, content type, error
 * message) live in one block that *strings receives and the caller frees. */
void fetch_finish(CURL *easy, CURLcode rc, const afetch_options *opts, const struct fetch_io *io,
                  afetch_result *r, char **strings);

/* Sets r up as failed with code and a copy of message held in *strings (caller frees). */
void fetch_fail(afetch_result *r, const char *code, const char *message, char **strings);

#endif
