/* fetch.c — easy handle set-up, body streaming (cap, digest, file), following redirects hop by
 * hop on the same handle, result extraction (CURLINFO_*) and the retry policy. */
#include "fetch.h"
#include "addrpolicy.h"

#include "redact.h"
#include "savename.h"

#include <arpa/inet.h>
#include <idn2.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

void fetch_io_init(struct fetch_io *io)
{
    memset(io, 0, sizeof *io);
    io->save = SAVE_NONE;
}

void fetch_io_release(struct fetch_io *io)
{
    save_abort(&io->save);
    EVP_MD_CTX_free(io->sha);
    io->sha = NULL;
    keep_release(&io->keep);
    redirect_release(&io->chain);
    curl_slist_free_all(io->body_headers);
    io->body_headers = NULL;
}

/* The Location a 3xx response on easy redirects to, as libcurl's own following would take it:
 * the first Location header, if not empty. NULL for any other response. Also valid while the
 * body arrives. */
static const char *redirect_location(CURL *easy, long *status)
{
    long code = 0;
    struct curl_header *h = NULL;
    char *resolved = NULL;
    if (curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code) != CURLE_OK || code < 300 ||
        code > 399)
        return NULL;
    *status = code;
    switch (curl_easy_header(easy, "Location", 0, CURLH_HEADER, -1, &h)) {
    case CURLHE_OK:
        return h->value[0] ? h->value : NULL;
    case CURLHE_NOT_BUILT_IN: /* a libcurl without the header API: known once the transfer ends */
        curl_easy_getinfo(easy, CURLINFO_REDIRECT_URL, &resolved);
        return resolved;
    default:
        return NULL;
    }
}

/* CURLOPT_WRITEFUNCTION: bodies stream past the cap, the digest, the file and what the result
 * keeps (body_max). A short return makes libcurl stop with CURLE_WRITE_ERROR; the flags say
 * why. */
static size_t on_body(char *data, size_t size, size_t count, void *arg)
{
    struct fetch_io *io = arg;
    size_t n = size * count;
    if (!io->body_seen) {
        long status;
        io->body_seen = true;
        io->redirect_body = io->follow && redirect_location(io->easy, &status);
    }
    if (io->redirect_body)
        return n;
    if (io->max_bytes > 0 && io->bytes + (int64_t)n > io->max_bytes) {
        io->too_large = true;
        return 0;
    }
    if (io->save.fd >= 0 && save_write(&io->save, data, n) != 0) {
        io->write_failed = true;
        io->write_errno = errno;
        return 0;
    }
    if (io->sha)
        EVP_DigestUpdate(io->sha, data, n);
    if (!keep_body_bytes(&io->keep, data, n, io->content_length))
        return 0;
    io->bytes += (int64_t)n;
    return n;
}

/* CURLOPT_XFERINFOFUNCTION, sync runs only: a non-zero return aborts the blocking transfer. */
static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    const struct fetch_io *io = arg;
    return (io->stop && *io->stop) || (io->abort && atomic_load(io->abort)) ? 1 : 0;
}

/* CURLOPT_OPENSOCKETFUNCTION. deny_private is judged here, on the address about to be
 * connected, after DNS and after every redirect, not on the URL's text. Running out of file
 * descriptors is noted, so that the owner can retry the transfer later instead of failing it. */
static curl_socket_t on_open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *address)
{
    struct fetch_io *io = arg;
    if (purpose == CURLSOCKTYPE_IPCXN && io->deny_private && addrpolicy_private(&address->addr)) {
        io->denied = true;
        return CURL_SOCKET_BAD;
    }
    curl_socket_t fd = socket(address->family, address->socktype, address->protocol);
    if (fd == CURL_SOCKET_BAD && (errno == EMFILE || errno == ENFILE))
        io->out_of_fds = true;
    return fd;
}

/* A Content-Length value, from p to end: blanks, digits, blanks, the line end. -1 with *why set
 * when it is anything else, or more than an int64_t holds. */
static int64_t parse_length(const char *p, const char *end, const char **why)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    while (end > p && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
        end--;
    if (p == end) {
        *why = "is empty";
        return -1;
    }
    int64_t value = 0;
    for (; p < end; p++) {
        if (*p < '0' || *p > '9') {
            *why = "is not a number";
            return -1;
        }
        if (value > (INT64_MAX - (*p - '0')) / 10) {
            *why = "is too large";
            return -1;
        }
        value = value * 10 + (*p - '0');
    }
    return value;
}

/* CURLOPT_HEADERFUNCTION. libcurl 7.88 reads on to the close past a Content-Length that
 * overflows, and takes "12abc" for 12: either would pass for a complete body. Such a value, or
 * two that differ, makes the response bad; each response (a redirect's too) starts afresh. */
static size_t on_header(char *line, size_t size, size_t count, void *arg)
{
    struct fetch_io *io = arg;
    size_t n = size * count;
    static const char name[] = "content-length:";
    if (n >= 5 && memcmp(line, "HTTP/", 5) == 0)
        io->content_length = -1;
    if (!keep_header_line(&io->keep, line, n))
        return 0;
    if (n < sizeof name - 1 || strncasecmp(line, name, sizeof name - 1) != 0)
        return n;
    const char *why = NULL;
    int64_t length = parse_length(line + sizeof name - 1, line + n, &why);
    if (!why && io->content_length >= 0 && length != io->content_length)
        why = "differs from an earlier one";
    if (why) {
        io->bad_length = why;
        return 0; /* libcurl stops the transfer */
    }
    io->content_length = length;
    return n;
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

/* Whether the options' or the request's headers hold a Cookie header of their own. */
static bool cookie_header_given(const afetch_options *opts, const afetch_request *req)
{
    const afetch_request cookie = {.headers = (const char *const[]){"Cookie"}, .header_count = 1};
    for (size_t i = 0; i < opts->header_count; i++)
        if (names_header(&cookie, opts->headers[i]))
            return true;
    for (size_t i = 0; req && i < req->header_count; i++)
        if (names_header(&cookie, req->headers[i]))
            return true;
    return false;
}

/* The options' cookie goes out as a header of its own, not as CURLOPT_COOKIE: libcurl 7.88
 * sends CURLOPT_COOKIE to wherever a redirect leads, but drops a custom Cookie header once a
 * redirect leaves the first host, port or scheme. Frees list and returns NULL when out of
 * memory. */
static struct curl_slist *append_cookie(struct curl_slist *list, const afetch_options *opts)
{
    size_t size = sizeof "Cookie: " + strlen(opts->cookie);
    char *line = malloc(size);
    struct curl_slist *grown = NULL;
    if (line) {
        snprintf(line, size, "Cookie: %s", opts->cookie);
        grown = curl_slist_append(list, line);
        free(line);
    }
    if (!grown)
        curl_slist_free_all(list);
    return grown;
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
    if (opts->cookie && !cookie_header_given(opts, req) && !(list = append_cookie(list, opts)))
        goto oom_freed;
    return list;
oom:
    curl_slist_free_all(list);
oom_freed:
    *failed = true;
    return NULL;
}

static bool is_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return false;
    return true;
}

int fetch_ascii_url(const char *url, char **ascii, char *msg, size_t msg_size)
{
    *ascii = NULL;
    if (is_ascii(url))
        return 0;
    CURLU *u = curl_url();
    char *host = NULL, *converted = NULL;
    int status = 0;
    if (u &&
        curl_url_set(u, CURLUPART_URL, url, CURLU_DEFAULT_SCHEME | CURLU_NON_SUPPORT_SCHEME) ==
            CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, CURLU_URLDECODE) == CURLUE_OK && !is_ascii(host)) {
        char *ace = NULL;
        int rc = idn2_to_ascii_8z(host, &ace, IDN2_NONTRANSITIONAL);
        if (rc != IDN2_OK) {
            snprintf(msg, msg_size, "not a valid internationalized host name: %s",
                     idn2_strerror(rc));
            status = -1;
        } else if (curl_url_set(u, CURLUPART_HOST, ace, 0) == CURLUE_OK &&
                   curl_url_get(u, CURLUPART_URL, &converted, 0) == CURLUE_OK) {
            *ascii = strdup(converted);
        }
        idn2_free(ace);
    }
    curl_free(converted);
    curl_free(host);
    curl_url_cleanup(u);
    return status;
}

const char *fetch_body(const afetch_options *opts, const afetch_request *own, size_t *size,
                       const char **type)
{
    const char *body = own && own->body ? own->body : opts->body;
    *size = own && own->body ? own->body_size : opts->body_size;
    *type = own && own->body ? own->body_type : opts->body_type;
    return body;
}

const char *fetch_method(const afetch_options *opts, const afetch_request *own)
{
    size_t size;
    const char *type;
    if (own && own->method)
        return own->method;
    if (opts->head || opts->method)
        return opts->head ? "HEAD" : opts->method;
    return fetch_body(opts, own, &size, &type) ? "POST" : "GET";
}

/* Seconds in whole units of 1/per_second s, rounded up: libcurl reads 0 as "no limit", which a
 * positive time must never become (-t 0.0004 is 1 ms). Clamped to what a long holds. */
static long whole_units(double seconds, double per_second)
{
    if (!(seconds > 0))
        return 0;
    double units = ceil(seconds * per_second - 1e-6); /* 1e-6: no extra unit for binary noise */
    if (units < 1)
        return 1;
    return units < (double)LONG_MAX ? (long)units : LONG_MAX;
}

/* Starts what the body streams into: the digest and the file. */
static enum err_code open_sinks(const afetch_options *opts, size_t index, const char *url,
                                struct fetch_io *io)
{
    if (opts->hash) {
        if (!io->sha)
            io->sha = EVP_MD_CTX_new();
        if (!io->sha || !EVP_DigestInit_ex(io->sha, EVP_sha256(), NULL)) {
            snprintf(io->errbuf, sizeof io->errbuf, "cannot start SHA-256");
            return ERR_INTERNAL;
        }
    }
    if (!opts->output_dir)
        return ERR_NONE;
    char rel[SAVEPATH_SIZE];
    if (savename_path(opts->names, index, url, io->output, rel, sizeof rel) == 0) {
        snprintf(io->errbuf, sizeof io->errbuf,
                 io->output ? "\"output\" leaves no file name once sanitised"
                            : "its file name would be longer than %d bytes",
                 SAVEPATH_MAX);
        return ERR_WRITE;
    }
    return save_begin(&io->save, opts->output_dir, rel, opts->overwrite, opts->skip_existing,
                      io->errbuf, sizeof io->errbuf);
}

/* Whether a list of "Name: value" lines (or curl's "Name;") has one for name. */
static bool lists_header(const struct curl_slist *list, const char *name)
{
    size_t len = strlen(name);
    for (; list; list = list->next)
        if (strcspn(list->data, ":;") == len && strncasecmp(list->data, name, len) == 0)
            return true;
    return false;
}

/* Appends "name: value" to *list; false when out of memory (*list is then freed). */
static bool append_header(struct curl_slist **list, const char *name, const char *value)
{
    size_t size = strlen(name) + strlen(value) + 3;
    char *line = malloc(size);
    struct curl_slist *grown = NULL;
    if (line) {
        snprintf(line, size, "%s: %s", name, value);
        grown = curl_slist_append(*list, line);
        free(line);
    }
    if (!grown)
        curl_slist_free_all(*list);
    *list = grown;
    return grown != NULL;
}

/* The headers a hop goes out with: hop, after the body's own unless hop names them already:
 * its Content-Type while the body is sent (a form body's is libcurl's default), and for a JSON
 * body Accept on every hop. Either hop itself or a list kept in io->body_headers; NULL with
 * *failed set when out of memory. */
static struct curl_slist *hop_headers(struct fetch_io *io, struct curl_slist *hop, bool sends_body,
                                      bool *failed)
{
    curl_slist_free_all(io->body_headers);
    io->body_headers = NULL;
    *failed = false;
    bool json = io->body && io->body_type && strcasecmp(io->body_type, "application/json") == 0;
    struct curl_slist *list = NULL;
    if (sends_body && io->body_type && !lists_header(hop, "Content-Type") &&
        !append_header(&list, "Content-Type", io->body_type))
        goto oom;
    if (json && !lists_header(hop, "Accept") && !append_header(&list, "Accept", "application/json"))
        goto oom;
    if (!list)
        return hop;
    for (; hop; hop = hop->next) {
        struct curl_slist *grown = curl_slist_append(list, hop->data);
        if (!grown)
            goto oom;
        list = grown;
    }
    return io->body_headers = list;
oom:
    curl_slist_free_all(list);
    *failed = true;
    return NULL;
}

/* The chain's credentials, when the current hop gets them through the options. */
static CURLcode set_credentials(CURL *easy, const struct redirect_chain *c)
{
    if (!c->send_credentials)
        return CURLE_OK;
    CURLcode rc = curl_easy_setopt(easy, CURLOPT_USERNAME, c->user);
    if (rc == CURLE_OK && c->password)
        rc = curl_easy_setopt(easy, CURLOPT_PASSWORD, c->password);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(easy, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
    return rc;
}

static CURLcode set_options(CURL *easy, const afetch_options *opts, const char *url,
                            const char *method, struct curl_slist *headers, struct fetch_io *io)
{
    bool head = strcasecmp(method, "HEAD") == 0;
    bool get = strcasecmp(method, "GET") == 0;
    const char *agent = opts->user_agent ? opts->user_agent : "afetch/" AFETCH_VERSION;
    const char *protocols = opts->protocols ? opts->protocols : "http,https";
    bool sends_body = io->body && !io->chain.body_dropped, failed;
    headers = hop_headers(io, headers, sends_body, &failed);
    CURLcode rc = failed ? CURLE_OUT_OF_MEMORY : set_credentials(easy, &io->chain);
#define SET(option, value)                                                                         \
    do {                                                                                           \
        if (rc == CURLE_OK)                                                                        \
            rc = curl_easy_setopt(easy, option, value);                                            \
    } while (0)
    SET(CURLOPT_URL, url);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, io);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, io);
    SET(CURLOPT_ERRORBUFFER, io->errbuf);
    SET(CURLOPT_TIMEOUT_MS, whole_units(opts->timeout, 1000));
    SET(CURLOPT_CONNECTTIMEOUT_MS, whole_units(opts->connect_timeout, 1000));
    SET(CURLOPT_LOW_SPEED_LIMIT, opts->low_speed_time > 0 ? opts->low_speed_limit : 0L);
    SET(CURLOPT_LOW_SPEED_TIME, whole_units(opts->low_speed_time, 1));
    SET(CURLOPT_USERAGENT, agent);
    SET(CURLOPT_HTTPHEADER, headers);
    /* fetch_follow follows redirects, so that each hop gets only the headers it may have */
    SET(CURLOPT_FOLLOWLOCATION, 0L);
    /* Only the allowed schemes, on every hop; a scheme-less URL is https, never guessed from
     * its host name (libcurl would guess ftp:// for ftp.example.com). */
    SET(CURLOPT_PROTOCOLS_STR, protocols);
    SET(CURLOPT_DEFAULT_PROTOCOL, "https");
    /* A burst to one https host waits for ALPN and then multiplexes on one connection. Plain
     * http multiplexes only with prior knowledge; else waiting would queue the burst behind one
     * HTTP/1.1 connection. */
    bool plain = strncasecmp(url, "http://", 7) == 0;
    SET(CURLOPT_PIPEWAIT, !plain || opts->http2_prior_knowledge ? 1L : 0L);
    /* libcurl 7.88 scans every connection of the host for one to reuse, O(n) per transfer:
     * in a first burst, when none can be idle yet, that scan is pure cost. */
    if (io->fresh_connect && plain && !opts->http2_prior_knowledge)
        SET(CURLOPT_FRESH_CONNECT, 1L);
    if (opts->http2_prior_knowledge) {
        SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE);
        /* Before 8.0.0, libcurl fails every request after the first on an h2c connection
         * ("Error in the HTTP2 framing layer", curl issue #10634): there, each h2c transfer
         * gets a connection of its own. */
        if (plain && curl_version_info(CURLVERSION_NOW)->version_num < 0x080000) {
            SET(CURLOPT_PIPEWAIT, 0L);
            SET(CURLOPT_FRESH_CONNECT, 1L);
            SET(CURLOPT_FORBID_REUSE, 1L);
        }
    }
    /* The Content-Length check refuses early; on_body enforces the cap on decoded bytes. */
    SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)opts->max_size);
    if (opts->compressed)
        SET(CURLOPT_ACCEPT_ENCODING, "");
    if (opts->insecure) {
        SET(CURLOPT_SSL_VERIFYPEER, 0L);
        SET(CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (opts->cacert)
        SET(CURLOPT_CAINFO, opts->cacert);
    /* Through a proxy the address connected to is the proxy's, never the target's: with
     * deny_private, no proxy (--proxy, http_proxy, all_proxy...) is used. */
    if (opts->deny_private)
        SET(CURLOPT_PROXY, "");
    else if (opts->proxy)
        SET(CURLOPT_PROXY, opts->proxy);
    if (opts->noproxy)
        SET(CURLOPT_NOPROXY, opts->noproxy);
    if (rc == CURLE_OK)
        rc = session_attach(io->session, easy);
    SET(CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
    SET(CURLOPT_OPENSOCKETDATA, io);
    if (io->stop || io->abort) {
        SET(CURLOPT_NOPROGRESS, 0L);
        SET(CURLOPT_XFERINFOFUNCTION, on_progress);
        SET(CURLOPT_XFERINFODATA, io);
    }
    if (sends_body) { /* libcurl adds Content-Length, and the form type unless a header is set */
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)io->body_size);
        SET(CURLOPT_POSTFIELDS, io->body);
    }
    if (head)
        SET(CURLOPT_NOBODY, 1L);
    else if (!get || sends_body) /* POSTFIELDS alone would make it a POST */
        SET(CURLOPT_CUSTOMREQUEST, method);
#undef SET
    return rc;
}

enum err_code fetch_prepare(CURL *easy, const afetch_options *opts, size_t index, const char *url,
                            const afetch_request *own, struct curl_slist *headers,
                            struct fetch_io *io)
{
    session_detach(io->session, easy);
    const char *method = fetch_method(opts, own);
    const char *login = own && own->user ? own->user : opts->user;
    curl_easy_reset(easy);
    save_abort(&io->save);
    io->bytes = 0;
    io->max_bytes = opts->max_size;
    io->too_large = io->denied = io->write_failed = io->out_of_fds = false;
    io->content_length = -1;
    io->bad_length = NULL;
    io->deny_private = opts->deny_private;
    io->url = url;
    io->errbuf[0] = '\0';
    io->easy = easy;
    io->follow = opts->follow_redirects;
    io->body_seen = io->redirect_body = false;
    io->headers = headers;
    io->hop_error = ERR_NONE;
    memset(io->earlier_us, 0, sizeof io->earlier_us);
    io->body = fetch_body(opts, own, &io->body_size, &io->body_type);
    if (redirect_start(&io->chain, url, method, login) != 0) {
        snprintf(io->errbuf, sizeof io->errbuf, "out of memory");
        return ERR_INTERNAL;
    }
    keep_start(&io->keep, opts);
    enum err_code code = open_sinks(opts, index, url, io);
    if (code)
        return code;
    if (set_options(easy, opts, url, method, headers, io) != CURLE_OK) {
        save_abort(&io->save);
        snprintf(io->errbuf, sizeof io->errbuf, "libcurl refused the transfer's options");
        return ERR_INTERNAL;
    }
    return ERR_NONE;
}

/* The timing phases libcurl measures, summed over the hops of a redirect chain as libcurl's own
 * following summed them. */
enum { PHASE_DNS, PHASE_CONNECT, PHASE_TLS, PHASE_TTFB, PHASE_TOTAL, PHASE_COUNT };

static const CURLINFO phase_info[PHASE_COUNT] = {
    CURLINFO_NAMELOOKUP_TIME_T, CURLINFO_CONNECT_TIME_T, CURLINFO_APPCONNECT_TIME_T,
    CURLINFO_STARTTRANSFER_TIME_T, CURLINFO_TOTAL_TIME_T};

/* Milliseconds of opts->timeout that the next hop may take (0: no limit); false when none is
 * left. The timeout is for the whole chain. */
static bool time_left(CURL *easy, const afetch_options *opts, const struct fetch_io *io,
                      long *left_ms)
{
    *left_ms = 0;
    if (opts->timeout <= 0)
        return true;
    curl_off_t us = 0;
    curl_easy_getinfo(easy, CURLINFO_TOTAL_TIME_T, &us);
    *left_ms = whole_units(opts->timeout, 1000) - (long)((us + io->earlier_us[PHASE_TOTAL]) / 1000);
    return *left_ms > 0;
}

/* Sets easy up for the chain's current hop: the first hop's options with this hop's URL,
 * method, headers, credentials and body, and what is left of the timeout. The handle's owner
 * (CURLOPT_PRIVATE) stays. */
static CURLcode start_hop(CURL *easy, const afetch_options *opts, struct fetch_io *io, long left_ms)
{
    char *owner = NULL;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, &owner);
    for (int i = 0; i < PHASE_COUNT; i++) {
        curl_off_t us = 0;
        curl_easy_getinfo(easy, phase_info[i], &us);
        io->earlier_us[i] += us;
    }
    session_detach(io->session, easy);
    curl_easy_reset(easy);
    io->fresh_connect = false; /* a hop may well reuse the connection it came over */
    io->body_seen = io->redirect_body = false;
    io->errbuf[0] = '\0';
    const struct redirect_chain *c = &io->chain;
    CURLcode rc = set_options(easy, opts, c->url, c->method, redirect_headers(c, io->headers), io);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(easy, CURLOPT_PRIVATE, owner);
    if (rc == CURLE_OK && left_ms > 0)
        rc = curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, left_ms);
    return rc;
}

bool fetch_follow(CURL *easy, CURLcode rc, const afetch_options *opts, struct fetch_io *io)
{
    long status = 0, left_ms;
    const char *location = rc == CURLE_OK && io->follow ? redirect_location(easy, &status) : NULL;
    if (!location)
        return false;
    if (!time_left(easy, opts, io, &left_ms)) {
        snprintf(io->errbuf, sizeof io->errbuf,
                 "the redirects took the whole timeout (%ld ms, for all hops together)",
                 whole_units(opts->timeout, 1000));
        io->hop_error = ERR_TIMEOUT;
        return false;
    }
    io->hop_error = redirect_follow(&io->chain, location, status, opts, io->headers, io->errbuf,
                                    sizeof io->errbuf);
    if (io->hop_error)
        return false;
    if (start_hop(easy, opts, io, left_ms) != CURLE_OK) {
        snprintf(io->errbuf, sizeof io->errbuf, "libcurl refused the redirect's options");
        io->hop_error = ERR_INTERNAL;
        return false;
    }
    return true;
}

static enum err_code error_code_of(CURLcode rc)
{
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return ERR_DNS;
    case CURLE_COULDNT_CONNECT:
        return ERR_CONNECT;
    case CURLE_OPERATION_TIMEDOUT:
        return ERR_TIMEOUT;
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
        return ERR_TLS;
    case CURLE_TOO_MANY_REDIRECTS:
        return ERR_TOO_MANY_REDIRECTS;
    case CURLE_UNSUPPORTED_PROTOCOL:
        return ERR_PROTOCOL;
    case CURLE_URL_MALFORMAT:
        return ERR_INVALID_INPUT;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
        return ERR_NETWORK;
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_HTTP3:
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_RANGE_ERROR:
        return ERR_BAD_RESPONSE;
    default:
        return ERR_INTERNAL;
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
static double phase_seconds(CURL *easy, const struct fetch_io *io, int phase, bool reached_end)
{
    curl_off_t us = 0;
    if (curl_easy_getinfo(easy, phase_info[phase], &us) != CURLE_OK)
        return -1;
    us += io->earlier_us[phase];
    return us == 0 && !reached_end ? -1 : (double)us / 1e6;
}

static void read_timing(CURL *easy, const struct fetch_io *io, bool completed, afetch_timing *t)
{
    char *url = NULL;
    curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &url);
    bool tls = url && strncasecmp(url, "https:", 6) == 0;
    t->dns = phase_seconds(easy, io, PHASE_DNS, completed);
    t->connect = phase_seconds(easy, io, PHASE_CONNECT, completed);
    t->tls = tls ? phase_seconds(easy, io, PHASE_TLS, completed) : -1;
    t->ttfb = phase_seconds(easy, io, PHASE_TTFB, completed);
    t->total = phase_seconds(easy, io, PHASE_TOTAL, true);
}

/* Copies n strings into one block "a\0b\0..." and points dst[i] at the copies (a NULL source
 * stays NULL). Returns the block, which the caller frees, or NULL when out of memory. */
static char *pack(size_t n, const char *const src[], const char **const dst[])
{
    size_t total = 1;
    for (size_t i = 0; i < n; i++)
        total += src[i] ? strlen(src[i]) + 1 : 0;
    char *block = malloc(total), *p = block;
    if (!block)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        *dst[i] = NULL;
        if (src[i]) {
            size_t len = strlen(src[i]) + 1;
            memcpy(p, src[i], len);
            *dst[i] = p;
            p += len;
        }
    }
    return block;
}

/* Whether a completed transfer's final status makes it ok. */
static bool accepted(const afetch_options *opts, long status)
{
    if (!opts->accept)
        return status < 400;
    for (size_t i = 0; i < opts->accept_count; i++)
        if (status >= opts->accept[i].first && status <= opts->accept[i].last)
            return true;
    return false;
}

enum err_code fetch_classify(CURLcode rc, long status, const afetch_options *opts,
                             const struct fetch_io *io)
{
    if (io->hop_error)
        return io->hop_error;
    if (rc == CURLE_OK)
        return accepted(opts, status) ? ERR_NONE : ERR_HTTP;
    if (io->too_large || rc == CURLE_FILESIZE_EXCEEDED)
        return ERR_TOO_LARGE;
    if (io->bad_length || io->keep.fields_too_large)
        return ERR_BAD_RESPONSE;
    if (io->keep.out_of_memory)
        return ERR_INTERNAL;
    if (io->write_failed)
        return ERR_WRITE;
    if (io->denied)
        return ERR_DENIED;
    if (rc == CURLE_ABORTED_BY_CALLBACK)
        return ERR_CANCELLED;
    /* libcurl 7.88 refuses response headers over 100 KB as "out of memory" */
    if (rc == CURLE_OUT_OF_MEMORY && status != 0)
        return ERR_BAD_RESPONSE;
    return error_code_of(rc);
}

static void describe(enum err_code code, CURLcode rc, long status, const afetch_options *opts,
                     const struct fetch_io *io, char *out, size_t size)
{
    if (code == ERR_HTTP)
        snprintf(out, size, "HTTP status %ld%s", status, opts->accept ? " (not in --accept)" : "");
    else if (code == ERR_TOO_LARGE)
        snprintf(out, size, "the body is larger than %lld bytes", (long long)io->max_bytes);
    else if (code == ERR_WRITE)
        snprintf(out, size, "saving the body: %s", strerror(io->write_errno));
    else if (code == ERR_DENIED)
        snprintf(out, size, "the address is loopback, private or otherwise not public");
    else if (io->bad_length)
        snprintf(out, size, "the response's Content-Length %s", io->bad_length);
    else if (io->keep.fields_too_large)
        snprintf(out, size, "the response's header fields pass %d KB, more than afetch keeps",
                 KEEP_FIELDS_MAX / 1024);
    else if (io->keep.out_of_memory)
        snprintf(out, size, "out of memory keeping the response");
    else if (code == ERR_CANCELLED)
        snprintf(out, size, "cancelled before it finished");
    else if (rc == CURLE_OUT_OF_MEMORY && status != 0)
        snprintf(out, size, "the response headers are too large (libcurl takes 100 KB)");
    else
        snprintf(out, size, "%s", io->errbuf[0] ? io->errbuf : curl_easy_strerror(rc));
}

/* Copies text into out (size bytes) with every copy of secret replaced by "***". */
static void blank_out(const char *text, const char *secret, char *out, size_t size)
{
    size_t n = strlen(secret), o = 0;
    for (const char *p = text; *p && o + 4 < size;) {
        if (n > 0 && strncmp(p, secret, n) == 0) {
            memcpy(out + o, "***", 3);
            o += 3;
            p += n;
        } else {
            out[o++] = *p++;
        }
    }
    out[o] = '\0';
}

/* libcurl names the proxy in some messages, in full when it cannot parse it ("Unsupported
 * proxy syntax in '...'"): neither the proxy URL nor its password ever reaches a result. */
static void hide_proxy(const char *proxy, char *message, size_t size)
{
    char *copy = malloc(size);
    if (!copy) {
        snprintf(message, size, "the transfer through the proxy failed");
        return;
    }
    blank_out(message, proxy, copy, size);   /* whole: one libcurl could not parse */
    redact_text(copy, proxy, message, size); /* its password, as written or decoded */
    free(copy);
}

/* The digest as lowercase hex into hex (65 bytes), or NULL. */
static const char *finish_digest(struct fetch_io *io, bool ok, char hex[65])
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    if (!io->sha || !ok || !EVP_DigestFinal_ex(io->sha, digest, &len) || len != 32)
        return NULL;
    for (unsigned i = 0; i < len; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    return hex;
}

enum err_code fetch_finish(CURL *easy, CURLcode rc, const afetch_options *opts, struct fetch_io *io,
                           afetch_result *r, char **strings)
{
    long status = 0, version = 0, redirects = io->chain.count;
    char *effective = NULL, *type = NULL;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(easy, CURLINFO_HTTP_VERSION, &version);
    curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &effective);
    curl_easy_getinfo(easy, CURLINFO_CONTENT_TYPE, &type);
    r->status = status;
    r->http_version = status ? http_version_name(version) : NULL;
    r->redirects = redirects;
    r->bytes = io->bytes;
    read_timing(easy, io, rc == CURLE_OK, &r->time);

    enum err_code code = fetch_classify(rc, status, opts, io);
    char message[CURL_ERROR_SIZE + 160];
    char *saved = NULL;
    if (code) {
        save_abort(&io->save);
        describe(code, rc, status, opts, io, message, sizeof message);
        if (opts->proxy)
            hide_proxy(opts->proxy, message, sizeof message);
    } else if (io->save.fd >= 0) {
        code = save_commit(&io->save, opts->overwrite, opts->skip_existing, &saved, message,
                           sizeof message);
        r->skipped = code == ERR_SKIPPED; /* a file appeared at the name meanwhile */
        code = r->skipped ? ERR_NONE : code;
    }
    char hex[65];
    const char *digest = finish_digest(io, !code, hex);

    r->ok = code == ERR_NONE;
    r->error_code = err_name(code);
    char *shown_url = effective ? redact_url_new(effective) : NULL;
    char *shown_message = code ? redact_text_new(message, io->url) : NULL;
    const char *src[] = {shown_url, type, shown_message, saved, digest};
    const char **dst[] = {&r->effective_url, &r->content_type, &r->error_message, &r->path,
                          &r->sha256};
    bool redacted = (shown_url || !effective) && (shown_message || !code);
    /* only a whole body is kept: one that completed, accepted or not */
    bool with_body = io->keep.body_max > 0 && rc == CURLE_OK;
    *strings = redacted ? keep_pack(&io->keep, with_body, r, 5, src, dst) : NULL;
    free(saved);
    free(shown_url);
    free(shown_message);
    if (!*strings) {
        r->effective_url = r->content_type = r->path = r->sha256 = NULL;
        r->body = NULL;
        r->headers = NULL;
        r->ok = false;
        r->error_code = err_name(ERR_INTERNAL);
        r->error_message = "out of memory";
        return ERR_INTERNAL;
    }
    return code;
}

bool fetch_starved(CURLcode rc, const struct fetch_io *io)
{
    /* libcurl 7.88 reports the resolver's failed socketpair() only in this message */
    return rc != CURLE_OK &&
           (io->out_of_fds || (rc == CURLE_COULDNT_RESOLVE_HOST &&
                               strstr(io->errbuf, "thread failed to start") != NULL));
}

void fetch_abandon(struct fetch_io *io)
{
    save_abort(&io->save);
}

void fetch_skipped(afetch_result *r, const char *path, char **strings)
{
    r->ok = r->skipped = true;
    r->error_code = r->error_message = NULL;
    const char *src[] = {path};
    const char **dst[] = {&r->path};
    *strings = pack(1, src, dst);
    if (!*strings) {
        r->ok = r->skipped = false;
        r->error_code = err_name(ERR_INTERNAL);
        r->error_message = "out of memory";
    }
}

void fetch_fail(afetch_result *r, enum err_code code, const char *message, const char *url,
                char **strings)
{
    fetch_fail_named(r, err_name(code), message, url, strings);
}

void fetch_fail_named(afetch_result *r, const char *name, const char *message, const char *url,
                      char **strings)
{
    r->ok = false;
    r->error_code = name;
    char *shown = message ? redact_text_new(message, url) : NULL;
    const char *src[] = {shown};
    const char **dst[] = {&r->error_message};
    *strings = shown || !message ? pack(1, src, dst) : NULL;
    free(shown);
    if (!*strings)
        r->error_message = "out of memory";
}

/* xorshift64*: jitter needs no more than that. */
static double next_random(uint64_t *state)
{
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    return (double)((*state * 0x2545F4914F6CDD1DULL) >> 11) / 9007199254740992.0;
}

uint64_t fetch_rng_seed(const void *salt)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t seed = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)(uintptr_t)salt ^
                    ((uint64_t)getpid() << 40);
    return seed ? seed : 0x9E3779B97F4A7C15ULL;
}

enum { RETRY_CAP_SECONDS = 60 };

static bool transient(enum err_code code, long status)
{
    if (code == ERR_CONNECT || code == ERR_TIMEOUT)
        return true;
    if (code != ERR_HTTP)
        return false;
    switch (status) {
    case 408:
    case 429:
    case 500:
    case 502:
    case 503:
    case 504:
        return true;
    default:
        return false;
    }
}

/* RFC 9110, 9.2.2: what a client may repeat on its own. */
static bool idempotent(const char *method)
{
    static const char *const methods[] = {"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"};
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (strcasecmp(method, methods[i]) == 0)
            return true;
    return false;
}

double fetch_retry_delay(CURL *easy, const afetch_options *opts, const afetch_request *own,
                         const afetch_result *r, enum err_code code, uint64_t *rng)
{
    if (r->ok || code == ERR_NONE || !idempotent(fetch_method(opts, own)) ||
        r->attempts > opts->retries || !transient(code, r->status))
        return -1;
    curl_off_t retry_after = 0;
    if (easy && curl_easy_getinfo(easy, CURLINFO_RETRY_AFTER, &retry_after) == CURLE_OK &&
        retry_after > 0)
        return retry_after < RETRY_CAP_SECONDS ? (double)retry_after : RETRY_CAP_SECONDS;
    /* exponential backoff, then "equal jitter": half fixed, half random */
    double delay = opts->retry_delay * pow(2.0, (double)(r->attempts - 1));
    if (delay > RETRY_CAP_SECONDS)
        delay = RETRY_CAP_SECONDS;
    return delay * (0.5 + 0.5 * next_random(rng));
}
