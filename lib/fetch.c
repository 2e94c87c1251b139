/* fetch.c — easy handle set-up, body counting and result extraction (CURLINFO_*). */
#include "fetch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* CURLOPT_WRITEFUNCTION: bodies are counted, never kept. */
static size_t on_body(char *data, size_t size, size_t count, void *arg)
{
    (void)data;
    struct fetch_io *io = arg;
    io->bytes += (int64_t)(size * count);
    return size * count;
}

static size_t name_length(const char *header)
{
    const char *colon = strchr(header, ':');
    return colon ? (size_t)(colon - header) : strlen(header);
}

static bool names_header(const afetch_request *req, const char *header)
{
    size_t len = name_length(header);
    for (size_t i = 0; i < req->header_count; i++) {
        const char *own = req->headers[i];
        if (name_length(own) == len && strncasecmp(own, header, len) == 0)
            return true;
    }
    return false;
}

struct curl_slist *fetch_headers_new(const afetch_options *opts, const afetch_request *req,
                                     bool *failed)
{
    struct curl_slist *list = NULL;
    *failed = false;
    for (size_t i = 0; i < opts->header_count; i++) {
        if (req && names_header(req, opts->headers[i]))
            continue;
        struct curl_slist *grown = curl_slist_append(list, opts->headers[i]);
        if (!grown)
            goto oom;
        list = grown;
    }
    for (size_t i = 0; req && i < req->header_count; i++) {
        struct curl_slist *grown = curl_slist_append(list, req->headers[i]);
        if (!grown)
            goto oom;
        list = grown;
    }
    return list;
oom:
    curl_slist_free_all(list);
    *failed = true;
    return NULL;
}

static long to_ms(double seconds)
{
    return seconds > 0 ? (long)(seconds * 1000.0 + 0.5) : 0;
}

int fetch_prepare(CURL *easy, const afetch_options *opts, const char *url, const char *method,
                  struct curl_slist *headers, struct fetch_io *io)
{
    curl_easy_reset(easy);
    io->bytes = 0;
    io->errbuf[0] = '\0';
    if (!method)
        method = opts->head ? "HEAD" : opts->method;
    bool head = method && strcasecmp(method, "HEAD") == 0;
    bool get = !method || strcasecmp(method, "GET") == 0;
    const char *agent = opts->user_agent ? opts->user_agent : "afetch/" AFETCH_VERSION;

    CURLcode rc = CURLE_OK;
#define SET(option, value)                                                                         \
    do {                                                                                           \
        if (rc == CURLE_OK)                                                                        \
            rc = curl_easy_setopt(easy, option, value);                                            \
    } while (0)
    SET(CURLOPT_URL, url);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, io);
    SET(CURLOPT_ERRORBUFFER, io->errbuf);
    SET(CURLOPT_TIMEOUT_MS, to_ms(opts->timeout));
    SET(CURLOPT_CONNECTTIMEOUT_MS, to_ms(opts->connect_timeout));
    SET(CURLOPT_USERAGENT, agent);
    SET(CURLOPT_HTTPHEADER, headers);
    SET(CURLOPT_FOLLOWLOCATION, opts->follow_redirects ? 1L : 0L);
    SET(CURLOPT_MAXREDIRS, opts->max_redirects);
    /* Nothing but http(s), also after a redirect; a scheme-less URL is https, never guessed. */
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_DEFAULT_PROTOCOL, "https");
    /* A burst to one https host waits for ALPN and then multiplexes on one connection. Plain
     * http never multiplexes here, and waiting would queue the burst behind one HTTP/1.1
     * connection. */
    SET(CURLOPT_PIPEWAIT, strncasecmp(url, "http://", 7) != 0 ? 1L : 0L);
    if (head)
        SET(CURLOPT_NOBODY, 1L);
    else if (!get)
        SET(CURLOPT_CUSTOMREQUEST, method);
#undef SET
    return rc == CURLE_OK ? 0 : -1;
}

static const char *error_code_of(CURLcode rc)
{
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return AFETCH_E_DNS;
    case CURLE_COULDNT_CONNECT:
        return AFETCH_E_CONNECT;
    case CURLE_OPERATION_TIMEDOUT:
        return AFETCH_E_TIMEOUT;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_USE_SSL_FAILED:
        return AFETCH_E_TLS;
    case CURLE_TOO_MANY_REDIRECTS:
        return AFETCH_E_TOO_MANY_REDIRECTS;
    case CURLE_UNSUPPORTED_PROTOCOL:
        return AFETCH_E_PROTOCOL;
    case CURLE_URL_MALFORMAT:
        return AFETCH_E_INVALID_INPUT;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
        return AFETCH_E_NETWORK;
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_HTTP3:
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_RANGE_ERROR:
        return AFETCH_E_BAD_RESPONSE;
    default:
        return AFETCH_E_INTERNAL;
    }
}

static const char *http_version_name(long version)
{
    switch (version) {
    case CURL_HTTP_VERSION_1_0:
        return "1.0";
    case CURL_HTTP_VERSION_1_1:
        return "1.1";
    case CURL_HTTP_VERSION_2_0:
        return "2";
    case CURL_HTTP_VERSION_3:
        return "3";
    default:
        return NULL;
    }
}

/* A phase libcurl never reached reads 0; on success 0 is a real (reused-connection) value. */
static double phase_seconds(CURL *easy, CURLINFO info, bool reached_end)
{
    curl_off_t us = 0;
    if (curl_easy_getinfo(easy, info, &us) != CURLE_OK || (us == 0 && !reached_end))
        return -1;
    return (double)us / 1e6;
}

static void read_timing(CURL *easy, bool completed, afetch_timing *t)
{
    char *url = NULL;
    curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &url);
    bool tls = url && strncasecmp(url, "https:", 6) == 0;
    t->dns = phase_seconds(easy, CURLINFO_NAMELOOKUP_TIME_T, completed);
    t->connect = phase_seconds(easy, CURLINFO_CONNECT_TIME_T, completed);
    t->tls = tls ? phase_seconds(easy, CURLINFO_APPCONNECT_TIME_T, completed) : -1;
    t->ttfb = phase_seconds(easy, CURLINFO_STARTTRANSFER_TIME_T, completed);
    t->total = phase_seconds(easy, CURLINFO_TOTAL_TIME_T, true);
}

/* Copies the strings into one block: a\0b\0c\0; a NULL source stays NULL. */
static char *pack3(const char *a, const char *b, const char *c, const char **pa, const char **pb,
                   const char **pc)
{
    const char *src[3] = {a, b, c};
    const char **dst[3] = {pa, pb, pc};
    size_t total = 0;
    for (int i = 0; i < 3; i++)
        total += src[i] ? strlen(src[i]) + 1 : 0;
    char *block = malloc(total ? total : 1);
    if (!block)
        return NULL;
    char *p = block;
    for (int i = 0; i < 3; i++) {
        if (!src[i]) {
            *dst[i] = NULL;
            continue;
        }
        size_t len = strlen(src[i]) + 1;
        memcpy(p, src[i], len);
        *dst[i] = p;
        p += len;
    }
    return block;
}

void fetch_finish(CURL *easy, CURLcode rc, const afetch_options *opts, const struct fetch_io *io,
                  afetch_result *r, char **strings)
{
    long status = 0, version = 0, redirects = 0;
    char *effective = NULL, *type = NULL;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(easy, CURLINFO_HTTP_VERSION, &version);
    curl_easy_getinfo(easy, CURLINFO_REDIRECT_COUNT, &redirects);
    curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &effective);
    curl_easy_getinfo(easy, CURLINFO_CONTENT_TYPE, &type);
    (void)opts;

    r->status = status;
    r->http_version = status ? http_version_name(version) : NULL;
    r->redirects = redirects;
    r->bytes = io->bytes;
    r->attempts = 1;
    read_timing(easy, rc == CURLE_OK, &r->time);

    char message[CURL_ERROR_SIZE + 64];
    const char *message_src = NULL;
    if (rc != CURLE_OK) {
        r->ok = false;
        r->error_code = error_code_of(rc);
        message_src = io->errbuf[0] ? io->errbuf : curl_easy_strerror(rc);
    } else if (status >= 400) {
        r->ok = false;
        r->error_code = AFETCH_E_HTTP;
        snprintf(message, sizeof message, "HTTP status %ld", status);
        message_src = message;
    } else {
        r->ok = true;
        r->error_code = NULL;
    }
    *strings = pack3(effective, type, message_src, &r->effective_url, &r->content_type,
                     &r->error_message);
    if (!*strings) {
        r->effective_url = r->content_type = NULL;
        r->ok = false;
        r->error_code = AFETCH_E_INTERNAL;
        r->error_message = "out of memory";
    }
}

void fetch_fail(afetch_result *r, const char *code, const char *message, char **strings)
{
    const char *unused_a, *unused_b;
    r->ok = false;
    r->error_code = code;
    *strings = pack3(NULL, NULL, message, &unused_a, &unused_b, &r->error_message);
    if (!*strings)
        r->error_message = "out of memory";
}
