/* savename.c — building the file name for a saved body from its index and URL (savename.h). */
#include "savename.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct span {
    const char *s;
    size_t n;
};

/* The pieces of a URL that go into a name; path.n == 0 means no path at all. */
struct parts {
    struct span host, port, path, query;
};

/* The sanitised text after the index prefix. Only cap bytes are stored, but len counts all of
 * them, so a URL of any length needs no allocation and the caller learns it must cut. */
struct body {
    char *out;
    size_t cap, len;
    char last; /* the last byte emitted; '-' at first, as the prefix ends in one */
};

static bool kept_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.';
}

static void feed(struct body *b, struct span text)
{
    for (size_t i = 0; i < text.n; i++) {
        char c = kept_byte((unsigned char)text.s[i]) ? text.s[i] : '-';
        /* One '-' per run of other bytes, one '.' per run of dots: never "..", and a leading
         * run is dropped because the prefix already ends in '-'. */
        if ((c == '-' || c == '.') && c == b->last)
            continue;
        if (b->len < b->cap)
            b->out[b->len] = c;
        b->len++;
        b->last = c;
    }
}

static struct span cstr(const char *s)
{
    return (struct span){s, strlen(s)};
}

/* Gets one part, percent-decoded when that is possible: decoding fails on a control byte or
 * NUL, and then the encoded form is used (sanitising it is just as safe, only less pretty). */
static struct span curl_part(CURLU *u, CURLUPart which, unsigned decode, char **owned)
{
    *owned = NULL;
    if (decode && curl_url_get(u, which, owned, CURLU_URLDECODE) != CURLUE_OK)
        *owned = NULL;
    if (!*owned && curl_url_get(u, which, owned, 0) != CURLUE_OK)
        *owned = NULL;
    return *owned ? cstr(*owned) : (struct span){"", 0};
}

/* Splits url with libcurl; false if it is not a URL libcurl accepts. owned[4] receives the
 * strings to curl_free. Without CURLU_DEFAULT_PORT, only a port written in the URL is returned;
 * CURLU_PUNYCODE is not used because its result depends on the locale. */
static bool parse_curl(const char *url, struct parts *p, char **owned)
{
    CURLU *u = curl_url();
    if (!u)
        return false;
    bool parsed = curl_url_set(u, CURLUPART_URL, url,
                               CURLU_DEFAULT_SCHEME | CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK;
    if (parsed) {
        p->host = curl_part(u, CURLUPART_HOST, 0, &owned[0]);
        p->port = curl_part(u, CURLUPART_PORT, 0, &owned[1]);
        p->path = curl_part(u, CURLUPART_PATH, 1, &owned[2]);
        p->query = curl_part(u, CURLUPART_QUERY, 1, &owned[3]);
    }
    curl_url_cleanup(u);
    return parsed;
}

/* The same split done by hand on text libcurl refused: the scheme, user info and fragment are
 * dropped, the rest split at the first '/' and the first '?'. A port stays in the host. */
static void parse_raw(const char *url, struct parts *p)
{
    const char *sep = strstr(url, "://");
    const char *start = sep ? sep + 3 : url;
    size_t end = strcspn(start, "#");
    size_t query_at = strcspn(start, "?#");
    size_t path_at = strcspn(start, "/?#");
    struct span authority = {start, path_at};
    for (size_t i = path_at; i > 0; i--)
        if (start[i - 1] == '@') {
            authority = (struct span){start + i, path_at - i};
            break;
        }
    p->host = authority;
    p->port = (struct span){"", 0};
    p->path = (struct span){start + path_at, query_at - path_at};
    p->query = query_at < end ? (struct span){start + query_at + 1, end - query_at - 1}
                              : (struct span){"", 0};
}

static bool gets_index_html(struct span path)
{
    return path.n == 0 || path.s[path.n - 1] == '/';
}

/* The extension of the path's last segment: a '.' and 1-10 bytes of [A-Za-z0-9_], as kept by
 * the sanitiser; empty if there is none. */
static struct span extension(struct span path)
{
    if (gets_index_html(path))
        return cstr(".html");
    size_t i = path.n;
    while (i > 0 && path.s[i - 1] != '.' && path.s[i - 1] != '/')
        i--;
    size_t n = path.n - i;
    if (i == 0 || path.s[i - 1] != '.' || n < 1 || n > 10)
        return (struct span){"", 0};
    for (size_t k = i; k < path.n; k++)
        if (!kept_byte((unsigned char)path.s[k]))
            return (struct span){"", 0};
    return (struct span){path.s + i - 1, n + 1};
}

static void feed_parts(struct body *b, const struct parts *p)
{
    feed(b, p->host);
    if (p->port.n) {
        feed(b, cstr(":"));
        feed(b, p->port);
    }
    feed(b, p->path);
    if (gets_index_html(p->path)) {
        feed(b, cstr("/"));
        feed(b, cstr("index.html"));
    }
    if (p->query.n) {
        feed(b, cstr("?"));
        feed(b, p->query);
    }
}

/* Ends the body: cut to fit keeping ext, no trailing '-' or '.', NUL-terminated. Returns its
 * length. */
static size_t finish(struct body *b, struct span ext)
{
    bool cut = b->len > b->cap;
    size_t len = cut ? b->cap - ext.n : b->len;
    while (len > 0 && (b->out[len - 1] == '-' || b->out[len - 1] == '.'))
        len--;
    if (cut) {
        memcpy(b->out + len, ext.s, ext.n);
        len += ext.n;
    }
    b->out[len] = '\0';
    return len;
}

size_t savename_build(size_t index, const char *url, char *out, size_t size)
{
    if (!out || size < SAVENAME_SIZE) {
        if (out && size > 0)
            out[0] = '\0';
        return 0;
    }
    int prefix = snprintf(out, size, "%06zu-", index);
    struct body b = {out + prefix, SAVENAME_MAX - (size_t)prefix, 0, '-'};
    struct parts p;
    char *owned[4] = {NULL, NULL, NULL, NULL};
    if (!url)
        url = "";
    if (!parse_curl(url, &p, owned))
        parse_raw(url, &p);
    feed_parts(&b, &p);
    size_t len = finish(&b, extension(p.path));
    for (size_t i = 0; i < 4; i++)
        curl_free(owned[i]);
    if (len == 0) { /* nothing usable in the URL: the index alone, without its '-' */
        out[prefix - 1] = '\0';
        return (size_t)prefix - 1;
    }
    return (size_t)prefix + len;
}
