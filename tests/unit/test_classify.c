/* test_classify.c — the error code a finished transfer gets (fetch_classify, lib/http/fetch.c):
 * each libcurl failure to its documented code, the final status against the default rule (below
 * 400) and against an --accept list, and what the callbacks saw (size cap, bad Content-Length,
 * write failure, denied address, an error between redirect hops) winning over libcurl's code. */
#include "errcode.h"
#include "fetch.h"
#include "tap.h"

#include <string.h>

static bool is(const char *code, const char *want)
{
    return code == want || (code && want && strcmp(code, want) == 0);
}

static const char *of(CURLcode rc, long status, const afetch_options *opts,
                      const struct fetch_io *io)
{
    return err_name(fetch_classify(rc, status, opts, io));
}

static void curl_codes(struct tap *t, const afetch_options *opts, const struct fetch_io *io)
{
    const struct {
        CURLcode rc;
        const char *code;
    } table[] = {
        {CURLE_COULDNT_RESOLVE_HOST, AFETCH_E_DNS},
        {CURLE_COULDNT_RESOLVE_PROXY, AFETCH_E_DNS},
        {CURLE_COULDNT_CONNECT, AFETCH_E_CONNECT},
        {CURLE_OPERATION_TIMEDOUT, AFETCH_E_TIMEOUT},
        {CURLE_SSL_CONNECT_ERROR, AFETCH_E_TLS},
        {CURLE_PEER_FAILED_VERIFICATION, AFETCH_E_TLS},
        {CURLE_SSL_CACERT_BADFILE, AFETCH_E_TLS},
        {CURLE_TOO_MANY_REDIRECTS, AFETCH_E_TOO_MANY_REDIRECTS},
        {CURLE_UNSUPPORTED_PROTOCOL, AFETCH_E_PROTOCOL},
        {CURLE_URL_MALFORMAT, AFETCH_E_INVALID_INPUT},
        {CURLE_SEND_ERROR, AFETCH_E_NETWORK},
        {CURLE_RECV_ERROR, AFETCH_E_NETWORK},
        {CURLE_GOT_NOTHING, AFETCH_E_NETWORK},
        {CURLE_PARTIAL_FILE, AFETCH_E_NETWORK},
        {CURLE_WEIRD_SERVER_REPLY, AFETCH_E_BAD_RESPONSE},
        {CURLE_HTTP2, AFETCH_E_BAD_RESPONSE},
        {CURLE_BAD_CONTENT_ENCODING, AFETCH_E_BAD_RESPONSE},
        {CURLE_FILESIZE_EXCEEDED, AFETCH_E_TOO_LARGE},
        {CURLE_ABORTED_BY_CALLBACK, AFETCH_E_CANCELLED},
        {CURLE_OUT_OF_MEMORY, AFETCH_E_INTERNAL},
        {CURLE_FAILED_INIT, AFETCH_E_INTERNAL},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        ok(t, is(of(table[i].rc, 0, opts, io), table[i].code), "libcurl's %s is %s",
           curl_easy_strerror(table[i].rc), table[i].code);
    /* libcurl 7.88 calls response headers over 100 KB "out of memory" once a status is in */
    ok(t, is(of(CURLE_OUT_OF_MEMORY, 200, opts, io), AFETCH_E_BAD_RESPONSE),
       "out of memory with a status read is bad-response (headers too large)");
}

static void statuses(struct tap *t, afetch_options *opts, const struct fetch_io *io)
{
    const long fine[] = {200, 204, 301, 304, 399};
    for (size_t i = 0; i < sizeof fine / sizeof fine[0]; i++)
        ok(t, of(CURLE_OK, fine[i], opts, io) == NULL, "status %ld is ok by default", fine[i]);
    const long bad[] = {400, 404, 429, 500, 503, 599};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ok(t, is(of(CURLE_OK, bad[i], opts, io), AFETCH_E_HTTP), "status %ld is http by default",
           bad[i]);

    const afetch_status_range accept[] = {{200, 299}, {404, 404}};
    opts->accept = accept;
    opts->accept_count = 2;
    ok(t, of(CURLE_OK, 404, opts, io) == NULL, "--accept 200-299,404: 404 is ok");
    ok(t, of(CURLE_OK, 250, opts, io) == NULL, "--accept 200-299,404: 250 is ok");
    ok(t, is(of(CURLE_OK, 301, opts, io), AFETCH_E_HTTP), "--accept 200-299,404: 301 is http");
    ok(t, is(of(CURLE_OK, 403, opts, io), AFETCH_E_HTTP), "--accept 200-299,404: 403 is http");
    opts->accept = NULL;
    opts->accept_count = 0;
}

/* What the callbacks saw comes first: libcurl only knows the transfer was aborted. */
static void callbacks_first(struct tap *t, const afetch_options *opts)
{
    struct fetch_io io;
    fetch_io_init(&io);
    io.too_large = true;
    ok(t, is(of(CURLE_WRITE_ERROR, 200, opts, &io), AFETCH_E_TOO_LARGE),
       "the size cap hit: too-large");
    fetch_io_init(&io);
    io.bad_length = "is not a number";
    ok(t, is(of(CURLE_WRITE_ERROR, 200, opts, &io), AFETCH_E_BAD_RESPONSE),
       "a bad Content-Length: bad-response");
    fetch_io_init(&io);
    io.write_failed = true;
    ok(t, is(of(CURLE_WRITE_ERROR, 200, opts, &io), AFETCH_E_WRITE), "a failed save: write");
    fetch_io_init(&io);
    io.denied = true;
    ok(t, is(of(CURLE_COULDNT_CONNECT, 0, opts, &io), AFETCH_E_DENIED),
       "an address deny-private refused: denied, not connect");
    fetch_io_init(&io);
    io.hop_error = ERR_TIMEOUT;
    ok(t, is(of(CURLE_OK, 302, opts, &io), AFETCH_E_TIMEOUT),
       "an error between redirect hops wins over the 3xx that completed");
    fetch_io_init(&io);
    io.too_large = true;
    ok(t, of(CURLE_OK, 200, opts, &io) == NULL,
       "a transfer that completed is judged by its status alone");
}

int main(void)
{
    struct tap t = {0};
    afetch_options opts;
    afetch_options_init(&opts);
    struct fetch_io io;
    fetch_io_init(&io);
    curl_codes(&t, &opts, &io);
    statuses(&t, &opts, &io);
    callbacks_first(&t, &opts);
    return tap_done(&t);
}
