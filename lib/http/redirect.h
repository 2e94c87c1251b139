/* redirect.h — the rules of following a redirect, which afetch does itself, one hop at a time,
 * because libcurl has no way to choose the headers of each hop: where the next hop goes (the
 * Location resolved against the current URL), with which method, and which of the request's
 * headers and URL credentials go along. Pure policy over strings; fetch.c applies it to the
 * easy handle.
 *
 * The origin is the first URL's scheme, host and port. Credentials (URL user info and headers
 * that redirect_credential_header names) go to it only: once a hop leaves it they stay behind
 * for the rest of the chain, even if a later hop comes back (the way back was chosen by a host
 * that was not trusted with them). --location-trusted lifts that rule. Once a hop goes from
 * https to cleartext, no custom header and no credential is sent for the rest of the chain,
 * trusted or not: anyone on the path could read them, and every later Location came over a
 * connection anyone could have altered. A custom Host header goes only to the origin's host,
 * as libcurl does.
 *
 * A login (afetch_options.user, a request's user) is a credential like URL user info, and takes
 * its place: it goes where the first URL's user info would, on every hop that may have
 * credentials. The request's body is no credential: it goes on every hop that keeps the method
 * (307, 308), as with libcurl, and stays behind for good once a hop turns the request into a
 * GET. */
#ifndef AFETCH_REDIRECT_H
#define AFETCH_REDIRECT_H

#include "afetch.h"
#include "errcode.h"

#include <curl/curl.h>

/* One request's chain of hops; reused from request to request. */
struct redirect_chain {
    char *url;                  /* owned: the current hop's URL */
    const char *method;         /* the current hop's: the request's, or "GET" after a 303 */
    long count;                 /* redirects followed */
    char *origin;               /* owned: "scheme://host:port" of the first URL; NULL: unknown
                                   (or not yet known: it is parsed at the first redirect) */
    char *user, *password;      /* owned: the login's, else (from the first redirect on) the
                                   first URL's credentials, decoded; NULL: none */
    bool login;                 /* they came from a login: it overrides user info in a URL */
    bool origin_learned;        /* origin (and URL credentials) read from the first URL */
    bool at_origin;             /* the current hop is at the origin */
    bool left_origin;           /* some hop was not */
    bool left_tls;              /* some hop went from https to another scheme */
    bool send_credentials;      /* the current hop gets user and password through the
                                   options (its URL has none, or the login overrides it) */
    bool body_dropped;          /* a hop turned the request into a GET: no body from here on */
    struct curl_slist *headers; /* owned: after a redirect, the current hop's headers */
};

void redirect_init(struct redirect_chain *c);
void redirect_release(struct redirect_chain *c);

/* Starts c over at url (hop 0) with method. login ("name:password", split at the first ':';
 * NULL: none) replaces the URL's user info. 0, or -1 when out of memory. */
int redirect_start(struct redirect_chain *c, const char *url, const char *method,
                   const char *login);

/* Moves c on to the hop a response with status and a Location header asks for, honouring
 * opts->max_redirects and opts->location_trusted; all is the request's full header list.
 * Returns ERR_NONE, or the error code that ends the chain (ERR_TOO_MANY_REDIRECTS;
 * ERR_PROTOCOL for a scheme libcurl does not know; ERR_BAD_RESPONSE for a Location that is no
 * URL; ERR_INTERNAL) with a one-line reason in msg; c is then unchanged. */
enum err_code redirect_follow(struct redirect_chain *c, const char *location, long status,
                              const afetch_options *opts, const struct curl_slist *all, char *msg,
                              size_t msg_size);

/* The headers for the current hop: all on the first, afterwards what may go there (NULL:
 * none). */
struct curl_slist *redirect_headers(const struct redirect_chain *c, struct curl_slist *all);

/* Whether a "Name: value" line is a credential by its name: it contains auth, token, key,
 * secret, session, cookie, password or credential, in any case (Authorization,
 * Proxy-Authorization, Cookie, X-Api-Key, X-Auth-Token, X-Session-Id ...). */
bool redirect_credential_header(const char *line);

/* The method a hop after a status response uses: 303 turns everything but HEAD into GET, 301
 * and 302 turn POST into GET (as libcurl and browsers do), other statuses keep it. */
const char *redirect_method(const char *method, long status);

/* Whether the hop after a status response still sends the request's body: only if
 * redirect_method keeps the method (a 303 drops it even from a GET that had one). */
bool redirect_keeps_body(const char *method, long status);

#endif
