/* output.c — results for people (a table) and for programs (JSON, JSON Lines, through cJSON).
 * Streams: each result is written as it is delivered, so output costs no memory per URL. */
#include "afetch.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct afetch_output {
    FILE *out;
    afetch_format format;
    const char *mode;
    size_t written; /* results so far */
    bool failed;
    int error; /* errno of the first failed write */
};

afetch_output *afetch_output_new(FILE *out, afetch_format format, const char *mode)
{
    afetch_output *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    *o = (afetch_output){.out = out, .format = format, .mode = mode};
    return o;
}

void afetch_output_free(afetch_output *o)
{
    free(o);
}

bool afetch_output_failed(const afetch_output *o)
{
    return o->failed;
}

static void check(afetch_output *o, int rc)
{
    if (rc < 0 && !o->failed) {
        o->failed = true;
        o->error = errno;
    }
}

/* Length of the valid UTF-8 sequence at s, or 0 if none starts there. */
static size_t utf8_sequence(const unsigned char *s)
{
    if (s[0] < 0x80)
        return 1;
    size_t len = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 ? 2 : 0;
    if (len == 0 || s[0] > 0xF4)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    unsigned cp = s[0] & (0x7F >> len);
    for (size_t i = 1; i < len; i++)
        cp = (cp << 6) | (s[i] & 0x3F);
    bool overlong = (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
    bool invalid = cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF);
    return overlong || invalid ? 0 : len;
}

/* A JSON string node for s: cJSON escapes control characters; invalid UTF-8 bytes become
 * U+FFFD here, so the document is always valid UTF-8. NULL s: JSON null. */
static cJSON *json_string(const char *s)
{
    if (!s)
        return cJSON_CreateNull();
    size_t len = strlen(s), bad = 0;
    for (size_t i = 0; i < len;) {
        size_t n = utf8_sequence((const unsigned char *)s + i);
        bad += n == 0;
        i += n ? n : 1;
    }
    if (bad == 0)
        return cJSON_CreateString(s);
    char *clean = malloc(len + 2 * bad + 1), *p = clean;
    if (!clean)
        return NULL;
    for (size_t i = 0; i < len;) {
        size_t n = utf8_sequence((const unsigned char *)s + i);
        if (n) {
            memcpy(p, s + i, n);
            p += n;
            i += n;
        } else {
            memcpy(p, "\xEF\xBF\xBD", 3);
            p += 3;
            i++;
        }
    }
    *p = '\0';
    cJSON *node = cJSON_CreateString(clean);
    free(clean);
    return node;
}

/* Seconds rounded to microseconds; negative (unknown) becomes null. */
static cJSON *json_seconds(double seconds)
{
    return seconds < 0 ? cJSON_CreateNull() : cJSON_CreateNumber(round(seconds * 1e6) / 1e6);
}

static cJSON *result_json(const afetch_result *r)
{
    cJSON *o = cJSON_CreateObject(), *time = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "index", cJSON_CreateNumber((double)r->index));
    cJSON_AddItemToObject(o, "url", json_string(r->url));
    cJSON_AddItemToObject(o, "label", json_string(r->label));
    cJSON_AddItemToObject(o, "ok", cJSON_CreateBool(r->ok));
    cJSON_AddItemToObject(o, "status", r->status ? cJSON_CreateNumber(r->status) : cJSON_CreateNull());
    cJSON_AddItemToObject(o, "http_version", json_string(r->http_version));
    cJSON_AddItemToObject(o, "effective_url", json_string(r->effective_url));
    cJSON_AddItemToObject(o, "redirects",
                          r->redirects < 0 ? cJSON_CreateNull() : cJSON_CreateNumber(r->redirects));
    cJSON_AddItemToObject(o, "bytes", cJSON_CreateNumber((double)r->bytes));
    cJSON_AddItemToObject(o, "content_type", json_string(r->content_type));
    cJSON_AddItemToObject(o, "attempts", cJSON_CreateNumber(r->attempts));
    cJSON_AddItemToObject(time, "start", json_seconds(r->time.start));
    cJSON_AddItemToObject(time, "dns", json_seconds(r->time.dns));
    cJSON_AddItemToObject(time, "connect", json_seconds(r->time.connect));
    cJSON_AddItemToObject(time, "tls", json_seconds(r->time.tls));
    cJSON_AddItemToObject(time, "ttfb", json_seconds(r->time.ttfb));
    cJSON_AddItemToObject(time, "total", json_seconds(r->time.total));
    cJSON_AddItemToObject(o, "time", time);
    if (r->error_code) {
        cJSON *error = cJSON_CreateObject();
        cJSON_AddItemToObject(error, "code", json_string(r->error_code));
        cJSON_AddItemToObject(error, "message", json_string(r->error_message));
        cJSON_AddItemToObject(o, "error", error);
    } else {
        cJSON_AddItemToObject(o, "error", cJSON_CreateNull());
    }
    return o;
}

/* Prints node compactly and frees it; -1 when out of memory or the write failed. */
static int print_json(afetch_output *o, cJSON *node, const char *before, const char *after)
{
    char *text = node ? cJSON_PrintUnformatted(node) : NULL;
    cJSON_Delete(node);
    if (!text) {
        check(o, -1);
        return -1;
    }
    int rc = fprintf(o->out, "%s%s%s", before, text, after);
    free(text);
    check(o, rc);
    return rc < 0 ? -1 : 0;
}

/* Writes s for a terminal: control characters (C0, DEL, C1) and invalid UTF-8 as \xNN, so
 * text from a list or a server cannot drive the terminal. */
static int put_escaped(FILE *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = utf8_sequence(p);
        bool c1 = n == 2 && p[0] == 0xC2 && p[1] < 0xA0;
        if (n == 0 || *p < 0x20 || *p == 0x7F || c1) {
            if (fprintf(out, "\\x%02X", *p) < 0)
                return -1;
            p++;
            continue;
        }
        if (fwrite(p, 1, n, out) != n)
            return -1;
        p += n;
    }
    return 0;
}

static void table_header(afetch_output *o)
{
    check(o, fprintf(o->out, "%6s  %-18s %12s %9s  %s\n", "#", "STATUS", "BYTES", "SECONDS", "URL"));
}

static void table_row(afetch_output *o, const afetch_result *r)
{
    char status[32];
    if (r->status && (r->ok || strcmp(r->error_code, AFETCH_E_HTTP) == 0))
        snprintf(status, sizeof status, "%ld", r->status);
    else
        snprintf(status, sizeof status, "%.18s", r->error_code ? r->error_code : "?");
    char seconds[32] = "-";
    if (r->time.total >= 0)
        snprintf(seconds, sizeof seconds, "%.3f", r->time.total);
    check(o, fprintf(o->out, "%6zu  %-18s %12lld %9s  ", r->index, status, (long long)r->bytes,
                     seconds));
    check(o, put_escaped(o->out, r->url));
    if (r->label) {
        check(o, fputs(" (", o->out));
        check(o, put_escaped(o->out, r->label));
        check(o, fputs(")", o->out));
    }
    check(o, fputc('\n', o->out) == EOF ? -1 : 0);
}

void afetch_output_result(void *arg, const afetch_result *r)
{
    afetch_output *o = arg;
    if (o->failed)
        return;
    switch (o->format) {
    case AFETCH_FORMAT_TABLE:
        if (o->written == 0)
            table_header(o);
        table_row(o, r);
        break;
    case AFETCH_FORMAT_JSON:
        if (o->written == 0)
            check(o, fprintf(o->out, "{\"mode\":\"%s\",\"results\":[", o->mode));
        print_json(o, result_json(r), o->written ? ",\n" : "\n", "");
        break;
    case AFETCH_FORMAT_JSONL:
        if (print_json(o, result_json(r), "", "\n") == 0)
            check(o, fflush(o->out) == EOF ? -1 : 0);
        break;
    case AFETCH_FORMAT_NONE:
        break;
    }
    o->written++;
}

static cJSON *summary_json(const afetch_summary *s)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "urls", cJSON_CreateNumber((double)s->urls));
    cJSON_AddItemToObject(o, "ok", cJSON_CreateNumber((double)s->ok));
    cJSON_AddItemToObject(o, "failed", cJSON_CreateNumber((double)s->failed));
    cJSON_AddItemToObject(o, "bytes", cJSON_CreateNumber((double)s->bytes));
    cJSON_AddItemToObject(o, "elapsed", json_seconds(s->elapsed));
    cJSON_AddItemToObject(o, "parallel", cJSON_CreateNumber(s->parallel));
    return o;
}

static double speedup(const afetch_compare *c)
{
    return c->async_elapsed > 0 ? c->sync_elapsed / c->async_elapsed : 0;
}

static cJSON *compare_json(const afetch_compare *c)
{
    cJSON *o = cJSON_CreateObject(), *sync = cJSON_CreateObject(), *async = cJSON_CreateObject();
    cJSON_AddItemToObject(sync, "elapsed", json_seconds(c->sync_elapsed));
    cJSON_AddItemToObject(async, "elapsed", json_seconds(c->async_elapsed));
    cJSON_AddItemToObject(o, "sync", sync);
    cJSON_AddItemToObject(o, "async", async);
    cJSON_AddItemToObject(o, "speedup", cJSON_CreateNumber(round(speedup(c) * 100) / 100));
    return o;
}

int afetch_output_finish(afetch_output *o, const afetch_summary *summary,
                         const afetch_compare *compare)
{
    if (o->format == AFETCH_FORMAT_JSON && !o->failed) {
        if (o->written == 0)
            check(o, fprintf(o->out, "{\"mode\":\"%s\",\"results\":[", o->mode));
        print_json(o, summary_json(summary), "\n],\"summary\":", compare ? "" : "}\n");
        if (compare)
            print_json(o, compare_json(compare), ",\"compare\":", "}\n");
    }
    if (!o->failed)
        check(o, fflush(o->out) == EOF ? -1 : 0);
    if (o->failed)
        errno = o->error;
    return o->failed ? -1 : 0;
}
