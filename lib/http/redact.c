/* redact.c — the display form of URLs and error messages: passwords become "***" (redact.h). */
#include "redact.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define STARS "***"

/* Where the output goes: snprintf-style, counting what does not fit. */
struct writer {
    char *out;
    size_t size, used;
};

static void emit(struct writer *w, const char *bytes, size_t n)
{
    if (w->used < w->size) {
        size_t room = w->size - 1 - w->used;
        memcpy(w->out + w->used, bytes, n < room ? n : room);
    }
    w->used += n;
}

static size_t finish(struct writer *w)
{
    if (w->size > 0)
        w->out[w->used < w->size ? w->used : w->size - 1] = '\0';
    return w->used;
}

/* A span of the input: [start, end). */
struct span {
    size_t start, end;
};

static bool ascii_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool scheme_char(char c)
{
    return ascii_alpha(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
}

/* Where the authority of a whole URL starts: after "scheme:" and its slashes (libcurl takes
 * "http:/host" and "http:///host" too), else at 0: a URL without a scheme, fetched as https,
 * begins with its authority ("user:pw@host/x" has no scheme, since no '/' follows "user:"). */
static size_t first_authority(const char *s)
{
    size_t i = 0;
    if (!ascii_alpha(s[0]))
        return 0;
    while (scheme_char(s[i]))
        i++;
    if (s[i] != ':' || s[i + 1] != '/')
        return 0;
    for (i++; s[i] == '/'; i++)
        ;
    return i;
}

/* The password in the authority at s + a, if any: after the first ':' of the userinfo, up to
 * the last '@' before the path. Empty passwords are not reported: there is nothing to hide. */
static bool password_at(const char *s, size_t a, struct span *pw)
{
    size_t at = strcspn(s + a, "/?#");
    while (at > 0 && s[a + at - 1] != '@')
        at--;
    if (at == 0)
        return false;
    const char *colon = memchr(s + a, ':', at - 1);
    if (!colon || (size_t)(colon - s) + 1 == a + at - 1)
        return false;
    *pw = (struct span){(size_t)(colon - s) + 1, a + at - 1};
    return true;
}

/* The next password in an authority that follows a "://" at or after *scan; moves *scan to
 * that authority. Searching on from there finds the next "://" after it: an authority holds
 * no '/', so one can only begin at its last byte, and its authority comes later still. */
static bool next_password(const char *s, size_t *scan, struct span *pw)
{
    const char *mark;
    while ((mark = strstr(s + *scan, "://")) != NULL) {
        size_t a = (size_t)(mark - s) + 3;
        while (s[a] == '/')
            a++;
        *scan = a;
        if (password_at(s, a, pw))
            return true;
    }
    return false;
}

/* The passwords to hide in s, in order: the whole-URL authority first when url_mode. */
struct finder {
    const char *s;
    size_t scan;
    bool first_pending;
};

static bool find_next(struct finder *f, struct span *pw)
{
    if (f->first_pending) {
        f->first_pending = false;
        f->scan = first_authority(f->s);
        if (password_at(f->s, f->scan, pw))
            return true;
    }
    return next_password(f->s, &f->scan, pw);
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Whether the text at t (n bytes) starts with the secret, read percent-decoded if decode; the
 * length matched, or 0. */
static size_t match_secret(const char *t, size_t n, const char *secret, size_t len, bool decode)
{
    size_t matched = 0;
    for (size_t i = 0; i < len; matched++) {
        char c = secret[i++];
        if (decode && c == '%' && i + 1 < len && hex_value(secret[i]) >= 0 &&
            hex_value(secret[i + 1]) >= 0) {
            c = (char)(hex_value(secret[i]) * 16 + hex_value(secret[i + 1]));
            i += 2;
        }
        if (matched >= n || t[matched] != c)
            return 0;
    }
    return matched;
}

/* Copies s with the finder's passwords, and the secret wherever it appears, as "***". */
static size_t redact(const char *s, bool url_mode, const char *secret, size_t secret_len, char *out,
                     size_t size)
{
    struct writer w = {out, size, 0};
    struct finder f = {.s = s, .first_pending = url_mode};
    struct span pw;
    bool more = find_next(&f, &pw);
    size_t len = strlen(s);
    if (!more && secret_len == 0) { /* nearly every URL: nothing to star out */
        emit(&w, s, len);
        return finish(&w);
    }
    for (size_t i = 0; i < len;) {
        size_t hit = 0;
        if (more && i == pw.start)
            hit = pw.end - pw.start;
        else if (secret_len > 0 && !(hit = match_secret(s + i, len - i, secret, secret_len, false)))
            hit = match_secret(s + i, len - i, secret, secret_len, true);
        if (hit == 0) {
            emit(&w, s + i, 1);
            i++;
            continue;
        }
        emit(&w, STARS, strlen(STARS));
        i += hit;
        if (more && pw.start < i && i < pw.end)
            i = pw.end; /* a secret ran into the next password: hide all of it */
        while (more && pw.start < i)
            more = find_next(&f, &pw);
    }
    return finish(&w);
}

size_t redact_url(const char *url, char *out, size_t size)
{
    return redact(url, true, NULL, 0, out, size);
}

size_t redact_text(const char *text, const char *url, char *out, size_t size)
{
    struct finder f = {.s = url ? url : "", .first_pending = true};
    struct span pw = {0, 0};
    if (url)
        find_next(&f, &pw);
    return redact(text, false, url ? url + pw.start : NULL, pw.end - pw.start, out, size);
}

char *redact_url_new(const char *url)
{
    size_t need = redact_url(url, NULL, 0);
    char *out = malloc(need + 1);
    if (out)
        redact_url(url, out, need + 1);
    return out;
}

char *redact_text_new(const char *text, const char *url)
{
    size_t need = redact_text(text, url, NULL, 0);
    char *out = malloc(need + 1);
    if (out)
        redact_text(text, url, out, need + 1);
    return out;
}
