/* fetch.h — one transfer on an easy handle: setting it up from the options and a request,
 * following its redirects (redirect.h decides what goes along to each hop), streaming the final
 * body past the size cap, the digest and the saved file, turning the outcome into
 * a result, and deciding whether it deserves another try. Shared by the loop's tasks and the
 * sync runner, so both modes produce the same records. */
#ifndef AFETCH_FETCH_H
#define AFETCH_FETCH_H

#include "afetch.h"
#include "errcode.h"
#include "redirect.h"
#include "keep.h"
#include "save.h"
#include "session.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <stdatomic.h>

/* Per-transfer state the callbacks write into; reused from transfer to transfer. */
struct fetch_io {
    int64_t bytes;
    int64_t max_bytes; /* 0: no cap */
    bool too_large, denied, write_failed;
    bool out_of_fds; /* EMFILE/ENFILE on connect: the owner may try again with fewer at once */
    int64_t content_length; /* of the response being read; -1: none seen yet */
    const char *bad_length; /* what is wrong with a response's Content-Length, else NULL */
    int write_errno;
    bool deny_private;
    bool fresh_connect; /* set by the owner: no connection can be idle, skip looking for one */
    const struct session *session; /* set by the owner: its run's lists and cookies, or NULL */
    const char *output; /* set by the owner: the request's own file name under -o, or NULL */
    struct save save;
    EVP_MD_CTX *sha;                   /* while hashing; kept for the next transfer */
    const volatile sig_atomic_t *stop; /* blocking runs: abort the transfer when set ... */
    const atomic_int *abort;           /* ... or when this is set, from another thread */
    const char *url; /* the URL being fetched (borrowed), whose password the result never holds */
    char errbuf[CURL_ERROR_SIZE];
    /* Redirects, which fetch_follow follows hop by hop on the same handle: */
    CURL *easy;                  /* the handle, for on_body to see a redirect's response */
    bool follow;                 /* opts->follow_redirects */
    bool body_seen;              /* on_body has looked at this hop's response */
    bool redirect_body;          /* this hop's body belongs to a redirect: neither kept nor
                                    counted, as libcurl's own following skipped it */
    struct curl_slist *headers;  /* borrowed: the request's headers, for every hop */
    struct redirect_chain chain; /* where the hops have gone */
    curl_off_t earlier_us[5];    /* the timing phases of the hops before this one, summed */
    enum err_code hop_error;     /* what ended the chain between two hops, or ERR_NONE */
    struct fetch_keep keep;
    /* The request's body, for every hop that keeps it (io->chain.body_dropped): */
    const char *body; /* borrowed; NULL: none */
    size_t body_size;
    const char *body_type;           /* NULL: the form type, which libcurl sends by itself */
    struct curl_slist *body_headers; /* owned: a hop's headers and the body's, when it has some */
};

void fetch_io_init(struct fetch_io *io);
/* Frees what the io keeps between transfers (and drops an unfinished saved file). */
void fetch_io_release(struct fetch_io *io);

/* The request headers: the options' then the request's, a name in the request replacing the
 * same name in the options; then the options' cookie as a Cookie header, unless one of those
 * is a Cookie header. NULL when there are none or when out of memory (*failed says which).
 * The caller frees the list with curl_slist_free_all. */
struct curl_slist *fetch_headers_new(const afetch_options *opts, const afetch_request *req,
                                     bool *failed);

/* A URL whose host is an internationalized name, with that host in its ASCII (punycode) form,
 * so that no locale decides whether it can be fetched. Returns 0 and *ascii = NULL when url
 * needs no change, 0 and a new URL in *ascii (the caller frees), or -1 with the reason in msg
 * when the name is not a valid IDN. */
int fetch_ascii_url(const char *url, char **ascii, char *msg, size_t msg_size);

/* What a request asks for itself of the fields method, body (with body_size and body_type) and
 * user: a NULL field, or a NULL own, leaves it to the options. */

/* The method a request is sent with: its own, else the options' (HEAD with head), else POST
 * when it sends a body and GET when not. */
const char *fetch_method(const afetch_options *opts, const afetch_request *own);

/* The body a request sends, with its size and type: its own, else the options'; NULL: none. */
const char *fetch_body(const afetch_options *opts, const afetch_request *own, size_t *size,
                       const char **type);

/* Resets easy and sets it up to fetch url (entry index) into io, with the method, body, login
 * and file name of own over opts. headers and own's strings must outlive the transfer. Returns
 * ERR_NONE, or an error code when the transfer cannot start, with the reason in io->errbuf, or
 * ERR_SKIPPED when opts->skip_existing finds the body's file there already (io->save.final is
 * its path: fetch_skipped, then fetch_abandon). */
enum err_code fetch_prepare(CURL *easy, const afetch_options *opts, size_t index, const char *url,
                            const afetch_request *own, struct curl_slist *headers,
                            struct fetch_io *io);

/* After a transfer on easy ended with rc: whether it was a redirect to follow. If so, easy is set
 * up for the next hop (same io, the saved file and digest kept open for the final body) and the
 * caller runs it again. If the chain ends here with an error instead (too many redirects, no
 * time left, a bad Location), fetch_finish reports it. */
bool fetch_follow(CURL *easy, CURLcode rc, const afetch_options *opts, struct fetch_io *io);

/* Fills r from the finished transfer (all but index, url, label, attempts and time.start) and
 * commits or drops the saved file. The effective URL and the error message come redacted
 * (redact.h): no password of io->url, nor of any URL in them, survives. The strings r gains,
 * and the body and header fields it keeps (keep.h), live in one block that *strings receives
 * and the caller frees. Returns the error r carries the name of (ERR_NONE when ok). */
enum err_code fetch_finish(CURL *easy, CURLcode rc, const afetch_options *opts, struct fetch_io *io,
                           afetch_result *r, char **strings);

/* Whether a failed transfer failed only for want of file descriptors: a socket refused with
 * EMFILE/ENFILE, or libcurl's resolver thread unable to start (its socket pair). */
bool fetch_starved(CURLcode rc, const struct fetch_io *io);

/* Drops what a transfer that will not finish left behind (a partial saved file). */
void fetch_abandon(struct fetch_io *io);

/* Sets r up as ok without a transfer, skipped because its file exists at path (--skip-existing),
 * a copy of path held in *strings (caller frees). */
void fetch_skipped(afetch_result *r, const char *path, char **strings);

/* Sets r up as failed with code and a copy of message held in *strings (caller frees), redacted
 * like fetch_finish's: url (may be NULL) is the request's. */
void fetch_fail(afetch_result *r, enum err_code code, const char *message, const char *url,
                char **strings);
/* The same for a request that came with an error code of its own (afetch_request.error_code),
 * which r carries as it is. */
void fetch_fail_named(afetch_result *r, const char *name, const char *message, const char *url,
                      char **strings);

/* The error code of a finished transfer, ERR_NONE when it is ok: what the callbacks saw in io
 * (an error between hops, the size cap, a bad Content-Length, a failed write, a denied address)
 * first, then libcurl's rc, then whether opts->accept (else: below 400) takes the status. */
enum err_code fetch_classify(CURLcode rc, long status, const afetch_options *opts,
                             const struct fetch_io *io);

/* Seconds to wait before trying r's request (own over opts) again, after it failed with code
 * (fetch_finish's answer), or -1 when it gets no other try: only idempotent methods (RFC 9110: GET,
 * HEAD, OPTIONS, TRACE, PUT, DELETE; never POST or PATCH), only connect errors, timeouts and
 * statuses 408, 429, 500, 502, 503 and 504, at most opts->retries more times. Honours Retry-After.
 * rng is the caller's random state. */
double fetch_retry_delay(CURL *easy, const afetch_options *opts, const afetch_request *own,
                         const afetch_result *r, enum err_code code, uint64_t *rng);

/* A seed for fetch_retry_delay's random state. */
uint64_t fetch_rng_seed(const void *salt);

#endif
