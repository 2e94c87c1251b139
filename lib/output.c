/* output.c — results for people (a table) and for programs (JSON, JSON Lines, through cJSON).
 * Streams: each result is written as it is delivered, so output costs no memory per URL. */
#include "afetch.h"
#include "escape.h"

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
    bool color;
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

void afetch_output_set_color(afetch_output *o, bool color)
{
    o->color = color;
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

/* A JSON string node for s: cJSON escapes control characters; invalid UTF-8 bytes become
 * U+FFFD here, so the document is always valid UTF-8. NULL s: JSON null. */
static cJSON *json_string(const char *s)
{
    if (!s)
        return cJSON_CreateNull();
    size_t len = strlen(s);
    char small[512];
    size_t need = utf8_repair(s, len, small, sizeof small);
    if (need == len)
        return cJSON_CreateString(s); /* already valid */
    if (need < sizeof small)
        return cJSON_CreateString(small);
    char *repaired = malloc(need + 1);
    if (!repaired)
        return NULL;
    utf8_repair(s, len, repaired, need + 1);
    cJSON *node = cJSON_CreateString(repaired);
    free(repaired);
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
    cJSON_AddItemToObject(o, "status",
                          r->status ? cJSON_CreateNumber(r->status) : cJSON_CreateNull());
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
    cJSON_AddItemToObject(o, "path", json_string(r->path));
    cJSON_AddItemToObject(o, "sha256", json_string(r->sha256));
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
    size_t len = strlen(text);
    size_t need = json_escape_controls(text, len, NULL, 0);
    char *escaped = need == len ? text : malloc(need + 1);
    if (escaped && escaped != text)
        json_escape_controls(text, len, escaped, need + 1);
    int rc = escaped ? fprintf(o->out, "%s%s%s", before, escaped, after) : -1;
    if (escaped != text)
        free(escaped);
    free(text);
    check(o, rc);
    return rc < 0 ? -1 : 0;
}

/* Writes s for a terminal: see afetch_escape_terminal. */
static int put_escaped(FILE *out, const char *s)
{
    size_t len = strlen(s);
    char small[1024];
    size_t need = afetch_escape_terminal(s, len, small, sizeof small);
    char *text = need < sizeof small ? small : malloc(need + 1);
    if (!text)
        return -1;
    if (text != small)
        afetch_escape_terminal(s, len, text, need + 1);
    int rc = fwrite(text, 1, need, out) == need ? 0 : -1;
    if (text != small)
        free(text);
    return rc;
}

static void table_header(afetch_output *o)
{
    check(o,
          fprintf(o->out, "%6s  %-18s %12s %9s  %s\n", "#", "STATUS", "BYTES", "SECONDS", "URL"));
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
    /* green ok, yellow a cancelled one, red every other failure */
    const char *on = !o->color                                        ? ""
                     : r->ok                                          ? "\033[32m"
                     : strcmp(r->error_code, AFETCH_E_CANCELLED) == 0 ? "\033[33m"
                                                                      : "\033[31m";
    const char *off = o->color ? "\033[0m" : "";
    check(o, fprintf(o->out, "%6zu  %s%-18s%s %12lld %9s  ", r->index, on, status, off,
                     (long long)r->bytes, seconds));
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

static double speedup_over(const afetch_mode_stats *base, const afetch_mode_stats *m)
{
    return m->elapsed > 0 ? round(base->elapsed / m->elapsed * 100) / 100 : 0;
}

/* {"sync": {"elapsed", "cpu", "speedup"}, "async": {..., "loops"}, ..., "speedup": the last
 * mode's over the first} */
static cJSON *compare_json(const afetch_compare *c)
{
    cJSON *o = cJSON_CreateObject();
    for (size_t i = 0; i < c->count; i++) {
        const afetch_mode_stats *m = &c->modes[i];
        cJSON *entry = cJSON_CreateObject();
        cJSON_AddItemToObject(entry, "elapsed", json_seconds(m->elapsed));
        cJSON_AddItemToObject(entry, "cpu", json_seconds(m->cpu));
        cJSON_AddItemToObject(entry, "speedup", cJSON_CreateNumber(speedup_over(&c->modes[0], m)));
        if (m->loops > 0)
            cJSON_AddItemToObject(entry, "loops", cJSON_CreateNumber(m->loops));
        cJSON_AddItemToObject(o, m->mode, entry);
    }
    if (c->count > 0)
        cJSON_AddItemToObject(
            o, "speedup", cJSON_CreateNumber(speedup_over(&c->modes[0], &c->modes[c->count - 1])));
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
