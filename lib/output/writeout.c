/* writeout.c — --write-out templates: compiled once into literal pieces and result fields, then
 * written a result at a time with no allocation. The names are the JSON result's keys. */
#include "writeout.h"

#include <stdlib.h>
#include <string.h>

enum field {
    F_INDEX,
    F_URL,
    F_LABEL,
    F_OK,
    F_STATUS,
    F_HTTP_VERSION,
    F_EFFECTIVE_URL,
    F_REDIRECTS,
    F_BYTES,
    F_CONTENT_TYPE,
    F_ATTEMPTS,
    F_TIME_START,
    F_TIME_DNS,
    F_TIME_CONNECT,
    F_TIME_TLS,
    F_TIME_TTFB,
    F_TIME_TOTAL,
    F_PATH,
    F_SKIPPED,
    F_SHA256,
    F_ERROR_CODE,
    F_ERROR_MESSAGE,
    F_COUNT,
    F_TEXT = -1, /* a piece of literal text */
};

static const char *const field_names[F_COUNT] = {
    "index",        "url",           "label",     "ok",           "status",
    "http_version", "effective_url", "redirects", "bytes",        "content_type",
    "attempts",     "time.start",    "time.dns",  "time.connect", "time.tls",
    "time.ttfb",    "time.total",    "path",      "skipped",      "sha256",
    "error.code",   "error.message",
};

struct piece {
    int field;      /* an enum field, or F_TEXT */
    size_t at, len; /* F_TEXT: where in the template's text */
};

struct afetch_template {
    size_t count;
    struct piece *pieces;
    char *text; /* the literal pieces, escapes resolved */
};

void afetch_template_free(afetch_template *t)
{
    if (!t)
        return;
    free(t->pieces);
    free(t->text);
    free(t);
}

static int field_named(const char *name, size_t len)
{
    for (int f = 0; f < F_COUNT; f++)
        if (strlen(field_names[f]) == len && memcmp(field_names[f], name, len) == 0)
            return f;
    return F_TEXT;
}

/* The reason an unknown name is refused, with the close one or else the whole list. */
static void unknown_name(const char *name, size_t len, char *err, size_t err_size)
{
    char typed[64];
    snprintf(typed, sizeof typed, "%.*s", (int)(len < 60 ? len : 60), name);
    const char *close = afetch_closest_name(typed, field_names, F_COUNT);
    if (close) {
        snprintf(err, err_size, "unknown name %%{%s}; did you mean %%{%s}?", typed, close);
        return;
    }
    char list[400] = "";
    for (int f = 0, used = 0; f < F_COUNT; f++)
        used += snprintf(list + used, sizeof list - (size_t)used, " %s", field_names[f]);
    snprintf(err, err_size, "unknown name %%{%s}; the names are%s", typed, list);
}

/* The character a backslash escape stands for, or 0 when it is none (kept as written). */
static char escaped(char c)
{
    switch (c) {
    case 'n':
        return '\n';
    case 'r':
        return '\r';
    case 't':
        return '\t';
    case '\\':
        return '\\';
    default:
        return 0;
    }
}

/* Adds literal byte c, extending the last piece when it is text. */
static void add_char(afetch_template *t, size_t *used, char c)
{
    struct piece *last = t->count ? &t->pieces[t->count - 1] : NULL;
    if (!last || last->field != F_TEXT)
        t->pieces[t->count++] = (struct piece){.field = F_TEXT, .at = *used};
    t->pieces[t->count - 1].len++;
    t->text[(*used)++] = c;
}

static int compile(afetch_template *t, const char *s, char *err, size_t err_size)
{
    size_t used = 0;
    for (const char *p = s; *p; p++) {
        if (p[0] == '\\' && escaped(p[1])) {
            add_char(t, &used, escaped(*++p));
        } else if (p[0] == '%' && p[1] == '%') {
            add_char(t, &used, *++p);
        } else if (p[0] == '%' && p[1] == '{') {
            const char *name = p + 2, *close = strchr(name, '}');
            if (!close) {
                snprintf(err, err_size, "'%%{' without a closing '}'");
                return -1;
            }
            int f = field_named(name, (size_t)(close - name));
            if (f == F_TEXT) {
                unknown_name(name, (size_t)(close - name), err, err_size);
                return -1;
            }
            t->pieces[t->count++] = (struct piece){.field = f};
            p = close;
        } else {
            add_char(t, &used, *p);
        }
    }
    return 0;
}

afetch_template *afetch_template_new(const char *text, char *err, size_t err_size)
{
    size_t len = strlen(text);
    afetch_template *t = calloc(1, sizeof *t);
    if (t) {
        t->pieces = malloc((len + 1) * sizeof *t->pieces); /* a piece per byte at most */
        t->text = malloc(len + 1);
    }
    if (!t || !t->pieces || !t->text) {
        afetch_template_free(t);
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    if (compile(t, text, err, err_size) != 0) {
        afetch_template_free(t);
        return NULL;
    }
    return t;
}

/* Writes len bytes of s, escaped for a terminal when escape is set; -1 on a write error. */
static int put_text(FILE *out, const char *s, size_t len, bool escape)
{
    if (!escape)
        return fwrite(s, 1, len, out) == len ? 0 : -1;
    char small[1024];
    size_t need = afetch_escape_terminal(s, len, small, sizeof small);
    char *shown = need < sizeof small ? small : malloc(need + 1);
    if (!shown)
        return -1;
    if (shown != small)
        afetch_escape_terminal(s, len, shown, need + 1);
    int rc = fwrite(shown, 1, need, out) == need ? 0 : -1;
    if (shown != small)
        free(shown);
    return rc;
}

static int put_string(FILE *out, const char *s, bool escape)
{
    return s ? put_text(out, s, strlen(s), escape) : 0;
}

/* Seconds with 6 decimals, as curl writes its times; nothing when unknown. */
static int put_seconds(FILE *out, double seconds)
{
    return seconds < 0 ? 0 : fprintf(out, "%.6f", seconds);
}

/* Writes field f of r: what JSON holds there, and nothing for null. */
static int put_field(FILE *out, int f, const afetch_result *r, bool escape)
{
    switch (f) {
    case F_INDEX:
        return fprintf(out, "%zu", r->index);
    case F_URL:
        return put_string(out, r->url, escape);
    case F_LABEL:
        return put_string(out, r->label, escape);
    case F_OK:
        return fputs(r->ok ? "true" : "false", out);
    case F_STATUS:
        return r->status ? fprintf(out, "%ld", r->status) : 0;
    case F_HTTP_VERSION:
        return put_string(out, r->http_version, escape);
    case F_EFFECTIVE_URL:
        return put_string(out, r->effective_url, escape);
    case F_REDIRECTS:
        return r->redirects < 0 ? 0 : fprintf(out, "%ld", r->redirects);
    case F_BYTES:
        return fprintf(out, "%lld", (long long)r->bytes);
    case F_CONTENT_TYPE:
        return put_string(out, r->content_type, escape);
    case F_ATTEMPTS:
        return fprintf(out, "%u", r->attempts);
    case F_TIME_START:
        return put_seconds(out, r->time.start);
    case F_TIME_DNS:
        return put_seconds(out, r->time.dns);
    case F_TIME_CONNECT:
        return put_seconds(out, r->time.connect);
    case F_TIME_TLS:
        return put_seconds(out, r->time.tls);
    case F_TIME_TTFB:
        return put_seconds(out, r->time.ttfb);
    case F_TIME_TOTAL:
        return put_seconds(out, r->time.total);
    case F_PATH:
        return put_string(out, r->path, escape);
    case F_SKIPPED:
        return fputs(r->skipped ? "true" : "false", out);
    case F_SHA256:
        return put_string(out, r->sha256, escape);
    case F_ERROR_CODE:
        return put_string(out, r->error_code, escape);
    case F_ERROR_MESSAGE:
        return put_string(out, r->error_message, escape);
    default:
        return 0;
    }
}

int template_write(FILE *out, const afetch_template *t, const afetch_result *r, bool escape)
{
    for (size_t i = 0; i < t->count; i++) {
        const struct piece *p = &t->pieces[i];
        int rc = p->field == F_TEXT ? (fwrite(t->text + p->at, 1, p->len, out) == p->len ? 0 : -1)
                                    : put_field(out, p->field, r, escape);
        if (rc < 0)
            return -1;
    }
    return 0;
}
