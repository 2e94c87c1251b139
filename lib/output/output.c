/* output.c — results for people (a table) and for programs (JSON, JSON Lines, through cJSON;
 * a --write-out template). Streams: each result is written as it is delivered, so output costs
 * no memory per URL. */
#include "output.h"

#include "escape.h"
#include "response.h"
#include "writeout.h"

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
    unsigned columns;                /* of the terminal written to; 0: not a terminal */
    bool body, headers;              /* JSON results show the kept response */
    const afetch_template *template; /* AFETCH_FORMAT_TEMPLATE */
    bool failed;
    int error;  /* errno of the first failed write */
    char *line; /* where a JSON line is printed (print_json); NULL until the first */
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
    if (o)
        free(o->line);
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

void afetch_output_set_terminal(afetch_output *o, unsigned columns)
{
    o->columns = columns;
}

void afetch_output_show_response(afetch_output *o, bool body, bool headers)
{
    o->body = body;
    o->headers = headers;
}

void afetch_output_set_template(afetch_output *o, const afetch_template *t)
{
    o->template = t;
}

static void check(afetch_output *o, int rc)
{
    if (rc < 0 && !o->failed) {
        o->failed = true;
        o->error = errno;
    }
}

/* Writes n in decimal, at least min_digits of it (zeros in front), so that it ends just
 * before end; returns where it starts. */
static char *decimal_before(char *end, unsigned long long n, int min_digits)
{
    for (int written = 0; n || written < min_digits; written++) {
        *--end = (char)('0' + n % 10);
        n /= 10;
    }
    return end;
}

/* Numbers go into the JSON as raw text written here: cJSON 1.7.15 prints every number as a
 * double with sprintf and reads it back with sscanf to check the digits, which cost more than
 * the rest of a result's line together. */
static cJSON *json_integer(long long n)
{
    char text[24], *end = text + sizeof text - 1;
    *end = '\0';
    char *start = decimal_before(end, n < 0 ? 0 - (unsigned long long)n : (unsigned long long)n, 1);
    if (n < 0)
        *--start = '-';
    return cJSON_CreateRaw(start);
}

/* Seconds rounded to microseconds ("0.000248", "2"); negative (unknown) becomes null. */
static cJSON *json_seconds(double seconds)
{
    if (seconds < 0)
        return cJSON_CreateNull();
    if (!(seconds < 1e12)) /* not a time a transfer takes; NaN too */
        return cJSON_CreateNumber(round(seconds * 1e6) / 1e6);
    unsigned long long micros = (unsigned long long)llround(seconds * 1e6);
    unsigned long long fraction = micros % 1000000;
    char text[32], *end = text + sizeof text - 1, *start = end;
    *end = '\0';
    if (fraction) {
        int digits = 6;
        for (; fraction % 10 == 0; fraction /= 10)
            digits--;
        start = decimal_before(start, fraction, digits);
        *--start = '.';
    }
    return cJSON_CreateRaw(decimal_before(start, micros / 1000000, 1));
}

/* body, body_encoding, body_truncated and headers, as asked. */
static void add_response(const afetch_output *out, cJSON *o, const afetch_result *r)
{
    if (out->body) {
        const char *encoding;
        cJSON_AddItemToObjectCS(o, "body", response_body_json(r, &encoding));
        cJSON_AddItemToObjectCS(o, "body_encoding", json_string(encoding));
        cJSON_AddItemToObjectCS(o, "body_truncated",
                                cJSON_CreateBool(r->body && r->body_truncated));
    }
    if (out->headers)
        cJSON_AddItemToObjectCS(o, "headers", response_headers_json(r));
}

static cJSON *result_json(const afetch_output *out, const afetch_result *r)
{
    cJSON *o = cJSON_CreateObject(), *time = cJSON_CreateObject();
    cJSON_AddItemToObjectCS(o, "index", json_integer((long long)r->index));
    cJSON_AddItemToObjectCS(o, "url", json_string(r->url));
    cJSON_AddItemToObjectCS(o, "label", json_string(r->label));
    cJSON_AddItemToObjectCS(o, "ok", cJSON_CreateBool(r->ok));
    cJSON_AddItemToObjectCS(o, "status", r->status ? json_integer(r->status) : cJSON_CreateNull());
    cJSON_AddItemToObjectCS(o, "http_version", json_string(r->http_version));
    cJSON_AddItemToObjectCS(o, "effective_url", json_string(r->effective_url));
    cJSON_AddItemToObjectCS(o, "redirects",
                            r->redirects < 0 ? cJSON_CreateNull() : json_integer(r->redirects));
    cJSON_AddItemToObjectCS(o, "bytes", json_integer(r->bytes));
    cJSON_AddItemToObjectCS(o, "content_type", json_string(r->content_type));
    cJSON_AddItemToObjectCS(o, "attempts", json_integer(r->attempts));
    cJSON_AddItemToObjectCS(time, "start", json_seconds(r->time.start));
    cJSON_AddItemToObjectCS(time, "dns", json_seconds(r->time.dns));
    cJSON_AddItemToObjectCS(time, "connect", json_seconds(r->time.connect));
    cJSON_AddItemToObjectCS(time, "tls", json_seconds(r->time.tls));
    cJSON_AddItemToObjectCS(time, "ttfb", json_seconds(r->time.ttfb));
    cJSON_AddItemToObjectCS(time, "total", json_seconds(r->time.total));
    cJSON_AddItemToObjectCS(o, "time", time);
    cJSON_AddItemToObjectCS(o, "path", json_string(r->path));
    cJSON_AddItemToObjectCS(o, "sha256", json_string(r->sha256));
    if (r->error_code) {
        cJSON *error = cJSON_CreateObject();
        cJSON_AddItemToObjectCS(error, "code", json_string(r->error_code));
        cJSON_AddItemToObjectCS(error, "message", json_string(r->error_message));
        cJSON_AddItemToObjectCS(o, "error", error);
    } else {
        cJSON_AddItemToObjectCS(o, "error", cJSON_CreateNull());
    }
    /* only when true: a result of a run without --skip-existing keeps exactly its old keys */
    if (r->skipped)
        cJSON_AddItemToObjectCS(o, "skipped", cJSON_CreateTrue());
    add_response(out, o, r); /* last: a results file is read up to "body" (results.c) */
    return o;
}

/* node as compact JSON text, DEL and C1 controls escaped, with room for one more byte; frees
 * node. NULL when out of memory. */
static char *json_text(cJSON *node, size_t *len)
{
    char *text = node ? cJSON_PrintUnformatted(node) : NULL;
    cJSON_Delete(node);
    if (!text)
        return NULL;
    *len = strlen(text);
    size_t need = json_escape_controls(text, *len, NULL, 0);
    if (need == *len) { /* the common case: nothing to escape, no copy */
        char *grown = realloc(text, *len + 2);
        if (!grown)
            free(text);
        return grown;
    }
    char *escaped = malloc(need + 2);
    if (escaped)
        json_escape_controls(text, *len, escaped, need + 1);
    free(text);
    *len = need;
    return escaped;
}

/* A JSON line that fits this is printed into the output's own buffer: no allocation, growth
 * and copy of a line's own (a result's line is about 600 bytes; one with a body may be more). */
enum { LINE_BUFFER = 16 * 1024 };

/* Prints node compactly and frees it; -1 when out of memory or the write failed. */
static int print_json(afetch_output *o, cJSON *node, const char *before, const char *after)
{
    size_t len = 0;
    const char *text = NULL;
    char *heap = NULL;
    if (node && (o->line || (o->line = malloc(LINE_BUFFER))) &&
        cJSON_PrintPreallocated(node, o->line, LINE_BUFFER, false)) {
        len = strlen(o->line);
        if (json_escape_controls(o->line, len, NULL, 0) == len) {
            text = o->line;
            cJSON_Delete(node);
        }
    }
    if (!text)
        text = heap = json_text(node, &len); /* too big, or controls to escape */
    int rc = !text || fputs(before, o->out) == EOF || fwrite(text, 1, len, o->out) != len ||
                     fputs(after, o->out) == EOF
                 ? -1
                 : 0;
    free(heap);
    check(o, rc);
    return rc;
}

void afetch_output_flush(void *arg)
{
    afetch_output *o = arg;
    if (!o->failed)
        check(o, fflush(o->out) == EOF ? -1 : 0);
}

char *output_json_line(const afetch_output *o, const afetch_result *r, size_t *len)
{
    char *line = json_text(result_json(o, r), len);
    if (line) {
        line[(*len)++] = '\n';
        line[*len] = '\0';
    }
    return line;
}

/* s escaped for a terminal (afetch_escape_terminal), in small or on the heap. */
struct shown {
    char small[1024];
    char *text;
    size_t len;
};

static int show(struct shown *t, const char *s)
{
    size_t len = strlen(s);
    t->len = afetch_escape_terminal(s, len, t->small, sizeof t->small);
    t->text = t->len < sizeof t->small ? t->small : malloc(t->len + 1);
    if (!t->text)
        return -1;
    if (t->text != t->small)
        afetch_escape_terminal(s, len, t->text, t->len + 1);
    return 0;
}

static void shown_free(struct shown *t)
{
    if (t->text != t->small)
        free(t->text);
}

static const char ellipsis[] = "\xe2\x80\xa6";

/* The len bytes at s (escaped) in room columns at most: whole, else cut between characters,
 * keeping the head (middle: the head and the tail) around "…". */
static int put_fitted(FILE *out, const char *s, size_t len, size_t room, bool middle)
{
    size_t columns = afetch_text_columns(s, len);
    if (columns <= room)
        return fwrite(s, 1, len, out) == len ? 0 : -1;
    if (room == 0)
        return 0;
    size_t tail_columns = middle ? (room - 1) * 2 / 5 : 0; /* the head, with the host, gets more */
    size_t head = afetch_text_fit(s, len, room - 1 - tail_columns);
    /* the shortest tail that fits: skip what would take more than tail_columns */
    size_t tail = afetch_text_fit(s, len, columns - tail_columns);
    while (tail < len && afetch_text_columns(s + tail, len - tail) > tail_columns) {
        size_t n = utf8_sequence((const unsigned char *)s + tail, len - tail);
        tail += n ? n : 1;
    }
    bool ok = fwrite(s, 1, head, out) == head && fputs(ellipsis, out) != EOF &&
              fwrite(s + tail, 1, len - tail, out) == len - tail;
    return ok ? 0 : -1;
}

/* The widths of a terminal table's columns: each fits what it usually holds (an index below
 * 1000, a status or the usual error codes, 8 digits of bytes, seconds below 1000); a longer
 * value takes what it needs, and the row's URL gives way. */
enum { T_INDEX = 3, T_STATUS = 9, T_BYTES = 8, T_SECONDS = 7 };

static void table_header(afetch_output *o)
{
    if (o->columns)
        check(o, fprintf(o->out, "%*s %-*s %*s %*s  %s\n", T_INDEX, "#", T_STATUS, "STATUS",
                         T_BYTES, "BYTES", T_SECONDS, "SECONDS", "URL  ERROR"));
    else
        check(o, fprintf(o->out, "%6s  %-18s %12s %9s  %s\n", "#", "STATUS", "BYTES", "SECONDS",
                         "URL  ERROR"));
}

/* The columns of a row's URL, label and error message, or of the room they get. */
struct cells {
    size_t url, label, error;
};

/* Shares room columns (of a terminal, after the fixed columns) among a row's cells of widths
 * need, when they do not all fit: the error message gets a third at most, and so does the label
 * of the rest, the URL the remainder; what the URL does not use goes to the label, then to the
 * error. Each cell gets one column at least. The separators, " (" ")" and "  ", come first. */
static struct cells share_room(size_t room, struct cells need, bool label, bool error)
{
    size_t separators = (label ? 3 : 0) + (error ? 2 : 0);
    if (need.url + need.label + need.error + separators <= room)
        return need;
    size_t left = room > separators ? room - separators : 0;
    struct cells got = {.error = need.error < left / 3 ? need.error : left / 3};
    left -= got.error;
    got.label = need.label < left / 3 ? need.label : left / 3;
    got.url = left - got.label;
    if (got.url > need.url) {
        size_t spare = got.url - need.url;
        size_t to_label = need.label - got.label < spare ? need.label - got.label : spare;
        got.url = need.url;
        got.label += to_label;
        got.error += spare - to_label;
    }
    /* each cell shows something, if only its "…" */
    size_t *least[] = {&got.label, &got.error};
    size_t needed[] = {need.label, need.error};
    for (size_t i = 0; i < 2; i++)
        if (*least[i] == 0 && needed[i] > 0 && got.url > 1) {
            *least[i] = 1;
            got.url--;
        }
    if (got.url == 0)
        got.url = 1;
    return got;
}

/* The URL (with its label) and the message of a row (the error, or where a skipped entry's
 * file is): whole on a pipe; on a terminal in the room its width leaves, the URL cut in the
 * middle (its host and last part stay), the label and the message at their end. */
static int put_url_and_message(afetch_output *o, const afetch_result *r, const char *message,
                               size_t room)
{
    struct shown url, label, note;
    if (show(&url, r->url) != 0)
        return -1;
    if (show(&label, r->label ? r->label : "") != 0) {
        shown_free(&url);
        return -1;
    }
    if (show(&note, message ? message : "") != 0) {
        shown_free(&url);
        shown_free(&label);
        return -1;
    }
    struct cells need = {afetch_text_columns(url.text, url.len),
                         afetch_text_columns(label.text, label.len),
                         afetch_text_columns(note.text, note.len)};
    struct cells got = o->columns ? share_room(room, need, r->label, message) : need;
    bool ok = put_fitted(o->out, url.text, url.len, got.url, true) == 0;
    if (ok && r->label)
        ok = fputs(" (", o->out) != EOF &&
             put_fitted(o->out, label.text, label.len, got.label, false) == 0 &&
             fputs(")", o->out) != EOF;
    if (ok && message)
        ok = fputs("  ", o->out) != EOF &&
             put_fitted(o->out, note.text, note.len, got.error, false) == 0;
    shown_free(&url);
    shown_free(&label);
    shown_free(&note);
    return ok ? 0 : -1;
}

/* The row's message: the error, or "exists: PATH" for an entry --skip-existing skipped. */
static int put_url_and_error(afetch_output *o, const afetch_result *r, size_t room)
{
    if (r->error_message || !r->skipped || !r->path)
        return put_url_and_message(o, r, r->error_message, room);
    size_t size = strlen(r->path) + sizeof "exists: ";
    char *exists = malloc(size);
    if (!exists)
        return -1;
    snprintf(exists, size, "exists: %s", r->path);
    int rc = put_url_and_message(o, r, exists, room);
    free(exists);
    return rc;
}

static void table_row(afetch_output *o, const afetch_result *r)
{
    char status[32];
    if (r->skipped)
        snprintf(status, sizeof status, "skipped");
    else if (r->status && (r->ok || strcmp(r->error_code, AFETCH_E_HTTP) == 0))
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
    int n = o->columns
                ? fprintf(o->out, "%*zu %s%-*s%s %*lld %*s  ", T_INDEX, r->index, on, T_STATUS,
                          status, off, T_BYTES, (long long)r->bytes, T_SECONDS, seconds)
                : fprintf(o->out, "%6zu  %s%-18s%s %12lld %9s  ", r->index, on, status, off,
                          (long long)r->bytes, seconds);
    check(o, n);
    size_t used = n > 0 ? (size_t)n - strlen(on) - strlen(off) : 0;
    check(o, put_url_and_error(o, r, o->columns > used ? o->columns - used : 0));
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
        print_json(o, result_json(o, r), o->written ? ",\n" : "\n", "");
        break;
    case AFETCH_FORMAT_JSONL: /* out's buffer holds the lines until afetch_output_flush */
        print_json(o, result_json(o, r), "", "\n");
        break;
    case AFETCH_FORMAT_TEMPLATE:
        if (o->template && template_write(o->out, o->template, r, o->columns > 0) != 0)
            check(o, -1);
        else
            check(o, fflush(o->out) == EOF ? -1 : 0); /* a line is a result, for a script */
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
    /* only when there are some, as a result's "skipped": runs without --skip-existing or
     * --resume keep exactly the old keys */
    if (s->skipped)
        cJSON_AddItemToObject(o, "skipped", cJSON_CreateNumber((double)s->skipped));
    if (s->resumed)
        cJSON_AddItemToObject(o, "resumed", cJSON_CreateNumber((double)s->resumed));
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
