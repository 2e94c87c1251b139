/* session.h — what every transfer of one run shares beyond the options: the --resolve and
 * --connect-to lists as libcurl wants them, the cookie store (filled from the cookie files when
 * the run starts, written to the jar, all or nothing, when it ends) and, in a run on several
 * loops, the DNS and TLS session caches, all in one locked curl share (share.h) that worker
 * threads and loops use at once. A run owns one session; there is nothing process-wide. */
#ifndef AFETCH_SESSION_H
#define AFETCH_SESSION_H

#include "afetch.h"

#include <curl/curl.h>

struct session;

/* Builds the session of a run from opts and reads the cookie files (a file that cannot be read
 * adds nothing: callers check them first). NULL when out of memory. */
struct session *session_new(const afetch_options *opts);
/* Frees s (NULL: nothing); every easy handle that used it is cleaned up already. */
void session_free(struct session *s);

/* Reads the environment again for whether a proxy may be named there: at the start of each run,
 * before its threads start, so that a program that changes http_proxy between runs is heard. */
void session_look_around(struct session *s, const afetch_options *opts);

/* Sets easy, freshly reset, up to use s: the lists, the cookie store if the engine is on, and
 * no proxy when neither the options nor the environment (as session_look_around last read it)
 * name one. s may be NULL. */
CURLcode session_attach(const struct session *s, CURL *easy);

/* Lets go of what session_attach gave easy; call it before curl_easy_reset, which in libcurl
 * 7.88 forgets the list of cookie files without freeing it. s may be NULL. */
void session_detach(const struct session *s, CURL *easy);

/* Writes every cookie of the store to path, all or nothing: a temporary file in the same
 * directory (mode 0600: cookies are secrets), flushed to disk, then renamed over path.
 * SIGINT and SIGTERM wait while this thread writes, so that a signal cannot leave half a jar or
 * the temporary file. Returns 0, or -1 with errno. */
int session_save_cookies(const struct session *s, const char *path);

#endif
