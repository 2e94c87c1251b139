/* savename.c — building the file name for a saved body from its index and URL, or the path
 * under DIR that --names url / basename or a list entry's "output" gives it (savename.h). */
#include "savename.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <stdint.h>
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

/* Splits url with libcurl, the path and query percent-decoded if decode; false if it is not a
 * URL libcurl accepts. owned[4] receives the strings to curl_free. Without CURLU_DEFAULT_PORT, only
 * a port written in the URL is returned; CURLU_PUNYCODE is not used because its result depends on
 * the locale. */
static bool parse_curl(const char *url, struct parts *p, char **owned, unsigned decode)
{
    CURLU *u = curl_url();
    if (!u)
        return false;
    bool parsed = curl_url_set(u, CURLUPART_URL, url,
                               CURLU_DEFAULT_SCHEME | CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK;
    if (parsed) {
        p->host = curl_part(u, CURLUPART_HOST, 0, &owned[0]);
        p->port = curl_part(u, CURLUPART_PORT, 0, &owned[1]);
        p->path = curl_part(u, CURLUPART_PATH, decode, &owned[2]);
        p->query = curl_part(u, CURLUPART_QUERY, decode, &owned[3]);
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
    if (!parse_curl(url, &p, owned, 1))
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

/* ---- Paths: --names url and basename, and a list entry's own "output" ---- */

/* One component of a path being built: the sanitiser's rules, and no leading '.' or '-' either,
 * so that it is never "." or "..", nor a hidden (or temporary-looking) name. */
struct segment {
    char out[SEGMENT_MAX + 1];
    size_t len;    /* bytes emitted, also past SEGMENT_MAX (only that many are stored) */
    char last;     /* the last byte emitted */
    uint64_t hash; /* FNV-1a of every byte emitted, for a name that must be cut */
};

static void segment_byte(struct segment *g, unsigned char byte)
{
    char c = kept_byte(byte) ? (char)byte : '-';
    if ((c == '-' || c == '.') && (g->len == 0 || c == g->last))
        return;
    if (g->len < SEGMENT_MAX)
        g->out[g->len] = c;
    g->len++;
    g->last = c;
    g->hash = (g->hash ^ (unsigned char)c) * 1099511628211u;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Feeds text percent-decoded: within one component, "%2F" is a byte like any other (a '-'),
 * never a separator. */
static void segment_feed(struct segment *g, struct span text)
{
    for (size_t i = 0; i < text.n; i++) {
        int high = i + 2 < text.n && text.s[i] == '%' ? hex_value(text.s[i + 1]) : -1;
        int low = high >= 0 ? hex_value(text.s[i + 2]) : -1;
        if (low >= 0) {
            segment_byte(g, (unsigned char)(high * 16 + low));
            i += 2;
        } else {
            segment_byte(g, (unsigned char)text.s[i]);
        }
    }
}

static void segment_start(struct segment *g)
{
    g->len = 0;
    g->last = '-';
    g->hash = 14695981039346656037u;
}

/* Ends g: no trailing '-' or '.'; one longer than SEGMENT_MAX keeps its start, then '-', 8 hex
 * digits of the whole one's hash (so two long names that share their start still differ) and
 * ext. Returns its length; 0 when nothing is left. */
static size_t segment_finish(struct segment *g, struct span ext)
{
    bool cut = g->len > SEGMENT_MAX;
    size_t len = cut ? SEGMENT_MAX - 9 - ext.n : g->len;
    while (len > 0 && (g->out[len - 1] == '-' || g->out[len - 1] == '.'))
        len--;
    if (cut) {
        snprintf(g->out + len, sizeof g->out - len, "-%08x%.*s", (unsigned)(g->hash >> 32),
                 (int)ext.n, ext.s);
        len += 9 + ext.n;
    }
    g->out[len] = '\0';
    return len;
}

/* A path being built in out (size bytes); full once it would pass SAVEPATH_MAX. */
struct path {
    char *out;
    size_t len;
    bool full;
};

static void path_add(struct path *p, const struct segment *g, size_t len)
{
    if (len == 0 || p->full)
        return;
    size_t need = p->len + (p->len > 0) + len;
    if (need > SAVEPATH_MAX) {
        p->full = true;
        return;
    }
    if (p->len > 0)
        p->out[p->len++] = '/';
    memcpy(p->out + p->len, g->out, len);
    p->len += len;
    p->out[p->len] = '\0';
}

/* Adds each '/'-separated part of text but the last as a directory; returns the last one. */
static struct span add_directories(struct path *p, struct span text)
{
    struct segment g;
    for (;;) {
        const char *slash = memchr(text.s, '/', text.n);
        if (!slash)
            return text;
        segment_start(&g);
        segment_feed(&g, (struct span){text.s, (size_t)(slash - text.s)});
        path_add(p, &g, segment_finish(&g, (struct span){"", 0}));
        text.n -= (size_t)(slash - text.s) + 1;
        text.s = slash + 1;
    }
}

/* The file name of a URL: its last path segment, "index.html" when that is empty (or nothing of
 * it is left), then '?' and the query as wget writes them, sanitised. */
static size_t url_file(struct segment *g, struct span last, struct span query)
{
    segment_start(g);
    segment_feed(g, last);
    struct span ext = extension(last);
    if (g->len == 0) {
        segment_feed(g, cstr("index.html"));
        ext = cstr(".html");
    }
    if (query.n) {
        segment_feed(g, cstr("?"));
        segment_feed(g, query);
    }
    return segment_finish(g, ext);
}

/* host[-port]/dir/.../file of url (with_directories), or file alone. */
static void url_path(struct path *p, const char *url, bool with_directories)
{
    struct parts parts;
    char *owned[4] = {NULL, NULL, NULL, NULL};
    if (!parse_curl(url ? url : "", &parts, owned, 0))
        parse_raw(url ? url : "", &parts);
    struct segment g;
    struct span path = parts.path.n && parts.path.s[0] == '/'
                           ? (struct span){parts.path.s + 1, parts.path.n - 1}
                           : parts.path;
    if (with_directories) {
        segment_start(&g);
        segment_feed(&g, parts.host);
        if (parts.port.n) {
            segment_feed(&g, cstr(":"));
            segment_feed(&g, parts.port);
        }
        if (g.len == 0)
            segment_feed(&g, cstr("_"));
        path_add(p, &g, segment_finish(&g, (struct span){"", 0}));
    }
    struct path ignored = {.out = NULL, .full = true};
    struct span last = add_directories(with_directories ? p : &ignored, path);
    path_add(p, &g, url_file(&g, last, parts.query));
    for (size_t i = 0; i < 4; i++)
        curl_free(owned[i]);
}

/* A list entry's own name: each of its components sanitised; empty ones, "." and ".." are
 * dropped (the list reader refuses ".." and a leading '/' before it gets here). */
static void entry_path(struct path *p, const char *output)
{
    struct span last = add_directories(p, cstr(output));
    struct segment g;
    segment_start(&g);
    segment_feed(&g, last);
    path_add(p, &g, segment_finish(&g, extension(last)));
}

size_t savename_path(afetch_names names, size_t index, const char *url, const char *output,
                     char *out, size_t size)
{
    if (!out || size < SAVEPATH_SIZE) {
        if (out && size > 0)
            out[0] = '\0';
        return 0;
    }
    out[0] = '\0';
    if (!output && names == AFETCH_NAMES_INDEXED)
        return savename_build(index, url, out, size);
    struct path p = {.out = out};
    if (output)
        entry_path(&p, output);
    else
        url_path(&p, url, names == AFETCH_NAMES_URL);
    if (p.full || p.len == 0) {
        out[0] = '\0';
        return 0;
    }
    return p.len;
}
