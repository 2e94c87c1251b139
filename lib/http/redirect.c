/* redirect.c — the next hop of a redirect chain: its URL, method, body, headers and
 * credentials. */
#include "redirect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void redirect_init(struct redirect_chain *c)
{
    memset(c, 0, sizeof *c);
}

void redirect_release(struct redirect_chain *c)
{
    free(c->url);
    free(c->origin);
    free(c->user);
    free(c->password);
    curl_slist_free_all(c->headers);
    redirect_init(c);
}

/* *out: a copy of the part, or NULL when the URL has none. 0, or -1 when out of memory. */
static int copy_part(CURLU *u, CURLUPart part, unsigned flags, char **out)
{
    char *value = NULL;
    *out = NULL;
    CURLUcode uc = curl_url_get(u, part, &value, flags);
    if (uc == CURLUE_OUT_OF_MEMORY)
        return -1;
    if (uc != CURLUE_OK)
        return 0;
    *out = strdup(value);
    curl_free(value);
    return *out ? 0 : -1;
}

/* "scheme://host:port" of u, the port spelled out even when it is the scheme's default; NULL
 * when u has no scheme or host. 0, or -1 when out of memory. */
static int origin_of(CURLU *u, char **out)
{
    char *scheme = NULL, *host = NULL, *port = NULL;
    int status = 0;
    *out = NULL;
    if (copy_part(u, CURLUPART_SCHEME, 0, &scheme) != 0 ||
        copy_part(u, CURLUPART_HOST, 0, &host) != 0 ||
        copy_part(u, CURLUPART_PORT, CURLU_DEFAULT_PORT, &port) != 0) {
        status = -1;
    } else if (scheme && host) {
        size_t size = strlen(scheme) + strlen(host) + (port ? strlen(port) : 0) + 5;
        if ((*out = malloc(size)))
            snprintf(*out, size, "%s://%s:%s", scheme, host, port ? port : "");
        else
            status = -1;
    }
    free(scheme);
    free(host);
    free(port);
    return status;
}

static bool is_https(CURLU *u)
{
    char *scheme = NULL;
    bool https = curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
                 strcasecmp(scheme, "https") == 0;
    curl_free(scheme);
    return https;
}

/* For the URLs of the chain itself: the first may lack a scheme, and gets https then, as
 * libcurl gives it. */
#define CHAIN_URL_FLAGS (CURLU_DEFAULT_SCHEME | CURLU_NON_SUPPORT_SCHEME)

/* c's credentials from login, "name:password". 0, or -1 when out of memory. */
static int take_login(struct redirect_chain *c, const char *login)
{
    size_t name = strcspn(login, ":");
    c->user = strndup(login, name);
    c->password = strdup(login[name] ? login + name + 1 : "");
    c->login = c->send_credentials = true;
    return c->user && c->password ? 0 : -1;
}

int redirect_start(struct redirect_chain *c, const char *url, const char *method, const char *login)
{
    redirect_release(c);
    c->method = method;
    c->at_origin = true;
    return (c->url = strdup(url)) && (!login || take_login(c, login) == 0) ? 0 : -1;
}

/* The origin and URL credentials of the first URL, which only a redirect needs: parsed at the
 * first one (most requests have none), while c->url is still the first URL. A URL libcurl
 * cannot parse has no origin: every hop counts as leaving it. 0, or -1 when out of memory. */
static int learn_origin(struct redirect_chain *c)
{
    CURLU *u = curl_url();
    if (!u)
        return -1;
    bool failed =
        curl_url_set(u, CURLUPART_URL, c->url, CHAIN_URL_FLAGS) == CURLUE_OK &&
        (origin_of(u, &c->origin) != 0 ||
         (!c->login && (copy_part(u, CURLUPART_USER, CURLU_URLDECODE, &c->user) != 0 ||
                        copy_part(u, CURLUPART_PASSWORD, CURLU_URLDECODE, &c->password) != 0)));
    curl_url_cleanup(u);
    c->origin_learned = !failed;
    return failed ? -1 : 0;
}

static bool contains_nocase(const char *s, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (strncasecmp(s + i, needle, n) == 0)
            return true;
    return false;
}

/* The name of a header line ends at ':' ("Name: value") or ';' (curl's "Name;", an empty
 * value). */
static size_t name_length(const char *line)
{
    return strcspn(line, ":;");
}

bool redirect_credential_header(const char *line)
{
    static const char *const marks[] = {"auth",    "token",  "key",      "secret",
                                        "session", "cookie", "password", "credential"};
    size_t len = name_length(line);
    for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++)
        if (contains_nocase(line, len, marks[i]))
            return true;
    return false;
}

bool redirect_keeps_body(const char *method, long status)
{
    if (status == 303)
        return strcasecmp(method, "HEAD") == 0;
    return !((status == 301 || status == 302) && strcasecmp(method, "POST") == 0);
}

const char *redirect_method(const char *method, long status)
{
    return redirect_keeps_body(method, status) ? method : "GET";
}

/* Where a hop stands against the chain so far. */
struct hop_rules {
    bool at_origin, left_origin, left_tls, trusted;
};

static bool header_goes(const char *line, const struct hop_rules *h)
{
    if (h->left_tls)
        return false;
    if (!h->at_origin && name_length(line) == 4 && strncasecmp(line, "Host", 4) == 0)
        return false;
    return !(h->left_origin && !h->trusted && redirect_credential_header(line));
}

/* *out: the lines of all that may go on a hop under h (NULL: none). 0, or -1 when out of
 * memory. */
static int filter_headers(const struct curl_slist *all, const struct hop_rules *h,
                          struct curl_slist **out)
{
    *out = NULL;
    for (; all; all = all->next) {
        if (!header_goes(all->data, h))
            continue;
        struct curl_slist *grown = curl_slist_append(*out, all->data);
        if (!grown) {
            curl_slist_free_all(*out);
            *out = NULL;
            return -1;
        }
        *out = grown;
    }
    return 0;
}

/* Sets u to the URL location names, relative to the current hop, as libcurl's own following
 * resolves it, and *was_tls to whether the current hop is https. ERR_NONE, or the error code with
 * a reason in msg. */
static enum err_code resolve(CURLU *u, const struct redirect_chain *c, const char *location,
                             bool *was_tls, char *msg, size_t msg_size)
{
    CURLUcode uc = curl_url_set(u, CURLUPART_URL, c->url, CHAIN_URL_FLAGS);
    *was_tls = uc == CURLUE_OK && is_https(u);
    if (uc == CURLUE_OK)
        uc = curl_url_set(u, CURLUPART_URL, location, CURLU_URLENCODE | CURLU_ALLOW_SPACE);
    if (uc == CURLUE_OK)
        return ERR_NONE;
    if (uc == CURLUE_OUT_OF_MEMORY) {
        snprintf(msg, msg_size, "out of memory");
        return ERR_INTERNAL;
    }
    snprintf(msg, msg_size, "the redirect target URL could not be parsed: %s",
             curl_url_strerror(uc));
    return uc == CURLUE_UNSUPPORTED_SCHEME ? ERR_PROTOCOL : ERR_BAD_RESPONSE;
}

/* Applies the credential rule to u's user info; *send: whether the hop gets the chain's
 * credentials through the options (u has none of its own, or they are a login's, which wins).
 * 0, or -1 when out of memory. */
static int settle_credentials(CURLU *u, const struct redirect_chain *c, const struct hop_rules *h,
                              bool *send)
{
    *send = false;
    if (h->left_tls || (h->left_origin && !h->trusted)) {
        CURLUcode a = curl_url_set(u, CURLUPART_USER, NULL, 0);
        CURLUcode b = curl_url_set(u, CURLUPART_PASSWORD, NULL, 0);
        return a == CURLUE_OUT_OF_MEMORY || b == CURLUE_OUT_OF_MEMORY ? -1 : 0;
    }
    char *own = NULL;
    if (copy_part(u, CURLUPART_USER, 0, &own) != 0)
        return -1;
    *send = c->user && (c->login || !own);
    free(own);
    return 0;
}

/* Everything the next hop gets. */
struct hop_plan {
    struct hop_rules rules;
    char *url;                  /* owned until committed */
    struct curl_slist *headers; /* owned until committed */
    bool send_credentials;
};

/* Plans the hop to u, the resolved Location, from the chain so far. 0, or -1 when out of
 * memory. */
static int plan_hop(CURLU *u, const struct redirect_chain *c, bool was_tls,
                    const afetch_options *opts, const struct curl_slist *all, struct hop_plan *p)
{
    char *origin = NULL, *url = NULL;
    if (origin_of(u, &origin) != 0)
        return -1;
    struct hop_rules *h = &p->rules;
    h->at_origin = c->origin && origin && strcasecmp(c->origin, origin) == 0;
    h->left_origin = c->left_origin || !h->at_origin;
    h->left_tls = c->left_tls || (was_tls && !is_https(u));
    h->trusted = opts->location_trusted;
    free(origin);
    if (settle_credentials(u, c, h, &p->send_credentials) != 0 ||
        curl_url_get(u, CURLUPART_URL, &url, 0) != CURLUE_OK)
        return -1;
    p->url = strdup(url);
    curl_free(url);
    if (!p->url || filter_headers(all, h, &p->headers) != 0) {
        free(p->url);
        p->url = NULL;
        return -1;
    }
    return 0;
}

enum err_code redirect_follow(struct redirect_chain *c, const char *location, long status,
                              const afetch_options *opts, const struct curl_slist *all, char *msg,
                              size_t msg_size)
{
    if (c->count >= opts->max_redirects) {
        snprintf(msg, msg_size, "Maximum (%ld) redirects followed", opts->max_redirects);
        return ERR_TOO_MANY_REDIRECTS;
    }
    if (!c->origin_learned && learn_origin(c) != 0) {
        snprintf(msg, msg_size, "out of memory");
        return ERR_INTERNAL;
    }
    CURLU *u = curl_url();
    bool was_tls = false;
    struct hop_plan p = {0};
    enum err_code code = u ? resolve(u, c, location, &was_tls, msg, msg_size) : ERR_INTERNAL;
    if (!code && plan_hop(u, c, was_tls, opts, all, &p) != 0)
        code = ERR_INTERNAL;
    curl_url_cleanup(u);
    if (code) {
        if (code == ERR_INTERNAL)
            snprintf(msg, msg_size, "out of memory");
        return code;
    }
    free(c->url);
    curl_slist_free_all(c->headers);
    c->url = p.url;
    c->headers = p.headers;
    c->body_dropped = c->body_dropped || !redirect_keeps_body(c->method, status);
    c->method = redirect_method(c->method, status);
    c->count++;
    c->at_origin = p.rules.at_origin;
    c->left_origin = p.rules.left_origin;
    c->left_tls = p.rules.left_tls;
    c->send_credentials = p.send_credentials;
    return ERR_NONE;
}

struct curl_slist *redirect_headers(const struct redirect_chain *c, struct curl_slist *all)
{
    return c->count > 0 ? c->headers : all;
}
