/* share.h — one libcurl share (CURLSH) for the easy handles of one run, on whatever threads
 * they run: each kind of data it holds has a mutex of its own. The loops of a run on several
 * loops share the DNS cache and the TLS session cache through it, so that N loops do not
 * resolve every name and make every full handshake N times. */
#ifndef AFETCH_SHARE_H
#define AFETCH_SHARE_H

#include <curl/curl.h>

/* What a share holds; any combination. */
enum {
    SHARE_DNS = 1 << 0,
    SHARE_TLS_SESSIONS = 1 << 1,
    SHARE_COOKIES = 1 << 2,
};

struct share;

/* A share of what (SHARE_* bits). NULL when out of memory or libcurl refuses one of them. */
struct share *share_new(unsigned what);
/* The handle to set as CURLOPT_SHARE; NULL for a NULL share. */
CURLSH *share_handle(const struct share *s);
/* Frees the share (NULL: nothing). Every easy handle that used it must be cleaned up first:
 * libcurl refuses to let go of a share still in use. */
void share_free(struct share *s);

#endif
