/* timeline.c — the waterfall chart: a capped copy of each result per panel, drawn as SVG. */
#include "timeline.h"

#include "escape.h"
#include "save.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Bytes kept of untrusted text: a 64 KiB URL must not cost 64 KiB a row. */
#define URL_KEEP 1024
#define MESSAGE_KEEP 300
#define TITLE_KEEP 100

/* The page, in pixels. Text is monospace, so a width in characters converts to pixels. */
#define SVG_W 1000.0
#define ROW_H 14.0
#define CHART_X 350.0 /* where second 0 is */
#define CHART_R 905.0 /* where the last second is; the rest holds the text after a bar */
#define TOP 84.0      /* heading, legend and the upper axis labels */
#define PANEL_HEAD 24.0
#define PANEL_GAP 12.0
#define BOTTOM 30.0
#define CHAR_11 6.63 /* advance of an 11 px monospace character */
#define CHAR_10 6.03

enum bar_kind { BAR_OK, BAR_FAILED, BAR_CANCELLED };

struct bar {
    size_t index;
    afetch_timing time; /* non-finite values made unknown (-1) */
    long status;
    unsigned attempts;
    enum bar_kind kind;
    char code[24];
    char *url;     /* readable: escaped for a terminal (safe_text) */
    char *message; /* readable, or NULL */
};

struct panel {
    char *title;
    struct bar *bars; /* kept rows; once full, a max-heap on index */
    size_t kept, room;
    size_t urls, ok, failed, cancelled;
    double end;     /* the latest start + total of any result added, kept or not */
    double elapsed; /* of the run, from afetch_timeline_panel_elapsed; -1: unknown */
};

struct afetch_timeline {
    struct panel *panels;
    size_t count, room;
};

/* ---- keeping results ---- */

/* A readable copy of at most max bytes of s, cut at a character and marked with an ellipsis;
 * escaped like the table (afetch_escape_terminal), so a hostile URL stays visible. */
static char *safe_text(const char *s, size_t max)
{
    size_t len = strlen(s), n = len > max ? max : len;
    for (int back = 0; n < len && back < 3 && ((unsigned char)s[n] & 0xC0) == 0x80; back++)
        n--;
    size_t need = afetch_escape_terminal(s, n, NULL, 0) + 1 + (n < len ? 3 : 0);
    char *out = malloc(need);
    if (!out)
        return NULL;
    size_t used = afetch_escape_terminal(s, n, out, need);
    if (n < len)
        memcpy(out + used, "\xE2\x80\xA6", 4);
    return out;
}

static double known(double v)
{
    return isfinite(v) && v >= 0 ? v : -1;
}

static int bar_set(struct bar *b, const afetch_result *r)
{
    char *url = safe_text(r->url ? r->url : "", URL_KEEP);
    char *message = r->error_message ? safe_text(r->error_message, MESSAGE_KEEP) : NULL;
    if (!url || (r->error_message && !message)) {
        free(url);
        free(message);
        return -1;
    }
    bool cancelled = r->error_code && strcmp(r->error_code, AFETCH_E_CANCELLED) == 0;
    const afetch_timing *tm = &r->time;
    *b = (struct bar){
        .index = r->index,
        .time = {known(tm->start), known(tm->dns), known(tm->connect), known(tm->tls),
                 known(tm->ttfb), known(tm->total)},
        .status = r->status,
        .attempts = r->attempts,
        .kind = r->ok       ? BAR_OK
                : cancelled ? BAR_CANCELLED
                            : BAR_FAILED,
        .url = url,
        .message = message,
    };
    snprintf(b->code, sizeof b->code, "%s", r->error_code ? r->error_code : "");
    return 0;
}

static void bar_clear(struct bar *b)
{
    free(b->url);
    free(b->message);
}

/* Restores the max-heap on index below i: the root is the row to drop for a smaller index. */
static void sift_down(struct bar *bars, size_t n, size_t i)
{
    for (;;) {
        size_t big = i, l = 2 * i + 1, r = 2 * i + 2;
        if (l < n && bars[l].index > bars[big].index)
            big = l;
        if (r < n && bars[r].index > bars[big].index)
            big = r;
        if (big == i)
            return;
        struct bar tmp = bars[i];
        bars[i] = bars[big];
        bars[big] = tmp;
        i = big;
    }
}

afetch_timeline *afetch_timeline_new(void)
{
    return calloc(1, sizeof(afetch_timeline));
}

void afetch_timeline_free(afetch_timeline *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->count; i++) {
        struct panel *p = &t->panels[i];
        for (size_t j = 0; j < p->kept; j++)
            bar_clear(&p->bars[j]);
        free(p->bars);
        free(p->title);
    }
    free(t->panels);
    free(t);
}

int afetch_timeline_panel(afetch_timeline *t, const char *title)
{
    if (t->count == t->room) {
        size_t room = t->room ? 2 * t->room : 4;
        struct panel *panels = realloc(t->panels, room * sizeof *panels);
        if (!panels)
            return -1;
        t->panels = panels;
        t->room = room;
    }
    char *copy = safe_text(title ? title : "", TITLE_KEEP);
    if (!copy)
        return -1;
    t->panels[t->count++] = (struct panel){.title = copy, .elapsed = -1};
    return 0;
}

void afetch_timeline_panel_elapsed(afetch_timeline *t, double elapsed)
{
    if (t->count > 0)
        t->panels[t->count - 1].elapsed = known(elapsed);
}

/* How long the panel's run took: as measured if known, else until its last result ended. */
static double panel_elapsed(const struct panel *p)
{
    return p->elapsed >= 0 ? p->elapsed : p->end;
}

static void count(struct panel *p, const afetch_result *r)
{
    p->urls++;
    p->ok += r->ok;
    bool cancelled = r->error_code && strcmp(r->error_code, AFETCH_E_CANCELLED) == 0;
    p->failed += !r->ok; /* as in the run's summary: a cancelled result is a failed one too */
    p->cancelled += !r->ok && cancelled;
    double start = known(r->time.start), total = known(r->time.total);
    if (start >= 0 && total >= 0 && start + total > p->end)
        p->end = start + total;
}

/* Appends b below the cap; the row that fills it turns the rows into a heap. */
static int keep(struct panel *p, struct bar *b)
{
    if (p->kept == p->room) {
        size_t room = p->room ? 2 * p->room : 64;
        room = room < TIMELINE_MAX_BARS ? room : TIMELINE_MAX_BARS;
        struct bar *bars = realloc(p->bars, room * sizeof *bars);
        if (!bars)
            return -1;
        p->bars = bars;
        p->room = room;
    }
    p->bars[p->kept++] = *b;
    if (p->kept == TIMELINE_MAX_BARS)
        for (size_t i = p->kept / 2; i-- > 0;)
            sift_down(p->bars, p->kept, i);
    return 0;
}

int afetch_timeline_add(afetch_timeline *t, const afetch_result *r)
{
    if (t->count == 0 && afetch_timeline_panel(t, "results") != 0)
        return -1;
    struct panel *p = &t->panels[t->count - 1];
    bool full = p->kept == TIMELINE_MAX_BARS;
    if (full && r->index >= p->bars[0].index) {
        count(p, r); /* in input order, every result past the cap ends here, cheaply */
        return 0;
    }
    struct bar b;
    if (bar_set(&b, r) != 0)
        return -1;
    if (full) {
        bar_clear(&p->bars[0]);
        p->bars[0] = b;
        sift_down(p->bars, p->kept, 0);
    } else if (keep(p, &b) != 0) {
        bar_clear(&b);
        return -1;
    }
    count(p, r);
    return 0;
}

/* ---- writing: every write goes through put*, which stops at the first error ---- */

struct svg {
    FILE *out;
    int err; /* errno of the first failure; nothing more is written after it */
};

static void put_raw(struct svg *s, const char *p, size_t n)
{
    if (!s->err && n > 0 && fwrite(p, 1, n, s->out) != n)
        s->err = errno ? errno : EIO;
}

__attribute__((format(printf, 2, 3))) static void put(struct svg *s, const char *fmt, ...)
{
    if (s->err)
        return;
    va_list ap;
    va_start(ap, fmt);
    if (vfprintf(s->out, fmt, ap) < 0)
        s->err = errno ? errno : EIO;
    va_end(ap);
}

/* What XML forbids or discourages (C0 controls, DEL, C1 controls, U+FFFE, U+FFFF; a label needs
 * no tab or newline either) and the bidirectional controls, which could make a label read as
 * another URL. */
static bool unshowable(const unsigned char *u, size_t k)
{
    if (k == 1)
        return u[0] < 0x20 || u[0] == 0x7F;
    if (k == 2)
        return u[0] == 0xC2 && u[1] < 0xA0;
    if (k != 3)
        return false;
    if (u[0] == 0xEF)
        return u[1] == 0xBF && u[2] >= 0xBE;
    if (u[0] != 0xE2)
        return false;
    return (u[1] == 0x80 && (u[2] == 0x8E || u[2] == 0x8F || (u[2] >= 0xAA && u[2] <= 0xAE))) ||
           (u[1] == 0x81 && u[2] >= 0xA6 && u[2] <= 0xA9);
}

static const char *xml_entity(unsigned char c)
{
    switch (c) {
    case '&':
        return "&amp;";
    case '<':
        return "&lt;";
    case '>':
        return "&gt;";
    case '"':
        return "&quot;";
    case '\'':
        return "&apos;";
    default:
        return NULL;
    }
}

/* Writes n bytes of text as XML character data or an attribute value. Whatever the bytes, the
 * output is well-formed: markup is escaped, anything XML cannot hold becomes U+FFFD. */
static void put_text_n(struct svg *s, const char *p, size_t n)
{
    const unsigned char *u = (const unsigned char *)p;
    size_t run = 0, i = 0;
    while (i < n) {
        size_t k = utf8_sequence(u + i, n - i);
        const char *sub = k == 0 || unshowable(u + i, k) ? "\xEF\xBF\xBD" : xml_entity(u[i]);
        k = k ? k : 1;
        if (sub) {
            put_raw(s, p + run, i - run);
            put_raw(s, sub, strlen(sub));
            run = i + k;
        }
        i += k;
    }
    put_raw(s, p + run, n - run);
}

/* Writes markup as it is. */
static void put_str(struct svg *s, const char *markup)
{
    put_raw(s, markup, strlen(markup));
}

static void put_text(struct svg *s, const char *text)
{
    put_text_n(s, text, strlen(text));
}

/* Byte offset of code point number cps in text (or its length). */
static size_t cp_offset(const char *text, size_t cps)
{
    size_t i = 0;
    for (; text[i]; i++)
        if (((unsigned char)text[i] & 0xC0) != 0x80 && cps-- == 0)
            break;
    return i;
}

/* A row's URL without its scheme; a long one keeps its head and tail around an ellipsis. */
static void put_short_url(struct svg *s, const char *url, size_t max)
{
    if (strncasecmp(url, "https://", 8) == 0)
        url += 8;
    else if (strncasecmp(url, "http://", 7) == 0)
        url += 7;
    size_t len = strlen(url), end = cp_offset(url, max);
    if (end == len) {
        put_text_n(s, url, len);
        return;
    }
    size_t tail = max / 3, cps = 0;
    for (size_t i = 0; i < len; i++)
        cps += ((unsigned char)url[i] & 0xC0) != 0x80;
    size_t from = cp_offset(url, cps - tail);
    put_text_n(s, url, cp_offset(url, max - tail - 1));
    put_raw(s, "\xE2\x80\xA6", 3);
    put_text_n(s, url + from, len - from);
}

/* Seconds with millisecond precision, or a dash when unknown. */
static void put_seconds(struct svg *s, const char *name, double v)
{
    if (v >= 0)
        put(s, "%s %.3f", name, v);
    else
        put(s, "%s \xE2\x80\x93", name);
}

/* ---- layout ---- */

struct layout {
    double range;   /* seconds the axis spans */
    double px;      /* pixels a second */
    double step;    /* seconds between ticks: 1, 2 or 5 times a power of ten */
    int decimals;   /* of a tick label */
    double index_r; /* right edge of the index column */
    size_t url_max; /* characters of a row's URL */
    double height;  /* of the page */
};

static void ticks(struct layout *L)
{
    double raw = L->range / 10; /* at most ten intervals, each wider than the label under it */
    int k = (int)floor(log10(raw));
    double base = pow(10, k);
    const double mult[] = {1, 2, 5, 10};
    size_t m = 0;
    while (m < 3 && mult[m] * base < raw * (1 - 1e-9))
        m++;
    if (m == 3)
        k++;
    L->step = mult[m] * base;
    L->decimals = k < 0 ? -k : 0;
}

static void layout(const afetch_timeline *t, struct layout *L)
{
    double end = 0, height = TOP;
    size_t top_index = 0;
    for (size_t i = 0; i < t->count; i++) {
        const struct panel *p = &t->panels[i];
        end = panel_elapsed(p) > end ? panel_elapsed(p) : end;
        for (size_t j = 0; j < p->kept; j++)
            top_index = p->bars[j].index > top_index ? p->bars[j].index : top_index;
        height += PANEL_HEAD + (double)(p->kept ? p->kept : 1) * ROW_H + PANEL_GAP;
    }
    L->range = end <= 0 ? 1 : end < 1e-3 ? 1e-3 : end; /* ticks below a millisecond mean little */
    L->px = (CHART_R - CHART_X) / L->range;
    ticks(L);
    int digits = snprintf(NULL, 0, "%zu", top_index);
    L->index_r = 8 + digits * CHAR_11;
    L->url_max = (size_t)((CHART_X - 16 - (L->index_r + 8)) / CHAR_11);
    L->height = height + (t->count ? 0 : ROW_H) + BOTTOM;
}

static double x_of(const struct layout *L, double seconds)
{
    return CHART_X + seconds * L->px;
}

/* The last tick's number: ticks run from 0 up to the end of the axis. */
static int tick_count(const struct layout *L)
{
    return (int)floor(L->range / L->step + 1e-9);
}

/* ---- the page ---- */

static void write_head(struct svg *s, const struct layout *L)
{
    put(s,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
        "viewBox=\"0 0 %.0f %.0f\" font-family=\"DejaVu Sans Mono, Menlo, Consolas, monospace\" "
        "font-size=\"11\">\n",
        SVG_W, L->height, SVG_W, L->height);
    put_str(s, "<title>afetch timeline</title>\n<style>\n"
               "text{fill:#222}\n"
               ".h{font:bold 15px 'DejaVu Sans',Helvetica,Arial,sans-serif}\n"
               ".p{font-weight:bold;font-size:12px}\n"
               ".cap{fill:#b35900}\n"
               ".i{fill:#888;text-anchor:end}\n"
               ".k,.tk{fill:#555;font-size:10px}\n"
               ".tk{text-anchor:middle}\n"
               ".d{fill:#666;font-size:10px}\n"
               ".e{fill:#c62828;font-size:10px;font-weight:bold}\n"
               ".c{fill:#888;font-size:10px}\n"
               ".in{fill:#fff}\n"
               ".g{stroke:#dfe3e8;stroke-width:1}\n"
               ".ax{stroke:#8a8f98;stroke-width:1}\n"
               ".z{fill:#f4f6f9}\n"
               ".dns{fill:#12939a}.con{fill:#f29d38}.tls{fill:#a56cd6}"
               ".wait{fill:#5fb67e}.xfer{fill:#3b7dd8}\n"
               ".fail{stroke:#c62828;stroke-width:1}\n"
               ".cxl{fill:#cfcfcf;stroke:#9a9a9a;stroke-width:1;stroke-dasharray:2 2}\n"
               "</style>\n"
               "<defs><pattern id=\"stripes\" width=\"6\" height=\"6\" "
               "patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
               "<rect width=\"2.5\" height=\"6\" fill=\"#d32f2f\" fill-opacity=\"0.6\"/>"
               "</pattern></defs>\n"
               "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n"
               "<text class=\"h\" x=\"8\" y=\"22\">afetch timeline</text>\n"
               "<text class=\"k\" x=\"150\" y=\"22\">seconds since the start of each run; "
               "one time axis for every panel</text>\n");
}

static void write_legend(struct svg *s)
{
    const char *const cls[] = {"dns", "con", "tls", "wait", "xfer", "cxl"};
    const char *const names[] = {"dns",      "connect",   "tls",   "wait (to first byte)",
                                 "transfer", "cancelled", "failed"};
    double x = 8, y = 36;
    for (size_t i = 0; i < 7; i++) {
        if (i < 6)
            put(s, "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"10\"/>", cls[i],
                x, y);
        else
            put(s,
                "<rect class=\"fail\" fill=\"url(#stripes)\" x=\"%.1f\" y=\"%.1f\" width=\"14\" "
                "height=\"10\"/>",
                x, y);
        put(s, "<text class=\"k\" x=\"%.1f\" y=\"%.1f\">%s</text>\n", x + 18, y + 9, names[i]);
        x += 18 + (double)strlen(names[i]) * CHAR_10 + 16;
    }
}

/* Tick labels at y, with a line between them and the rows. */
static void write_axis(struct svg *s, const struct layout *L, double y, bool upper)
{
    put(s, "<line class=\"ax\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", CHART_X,
        upper ? y + 4 : y - 12, CHART_R, upper ? y + 4 : y - 12);
    for (int i = 0; i <= tick_count(L); i++)
        put(s, "<text class=\"tk\" x=\"%.1f\" y=\"%.1f\">%.*f s</text>\n", x_of(L, i * L->step), y,
            L->decimals, i * L->step);
}

static void write_grid(struct svg *s, const struct layout *L, double top, double bottom)
{
    for (int i = 0; i <= tick_count(L); i++)
        put(s, "<line class=\"g\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
            x_of(L, i * L->step), top, x_of(L, i * L->step), bottom);
}

/* ---- one row ---- */

static void write_tooltip(struct svg *s, const struct bar *b)
{
    put(s, "<title>#%zu ", b->index);
    put_text(s, b->url);
    put(s, "\n");
    if (b->status > 0)
        put(s, "status %ld \xC2\xB7 ", b->status);
    put(s, "attempts %u\n", b->attempts);
    put_seconds(s, "start", b->time.start);
    put_seconds(s, " \xC2\xB7 dns", b->time.dns);
    put_seconds(s, " \xC2\xB7 connect", b->time.connect);
    put_seconds(s, " \xC2\xB7 tls", b->time.tls);
    put_seconds(s, " \xC2\xB7 ttfb", b->time.ttfb);
    put_seconds(s, " \xC2\xB7 total", b->time.total);
    put(s, " s");
    if (b->kind != BAR_OK) {
        put(s, "\nerror: ");
        put_text(s, b->code);
        put(s, ": ");
        put_text(s, b->message ? b->message : "");
    }
    put(s, "</title>");
}

static void write_rect(struct svg *s, const char *cls, double x0, double x1, double y)
{
    put(s, "<rect class=\"%s\" x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"10\"/>", cls, x0, y,
        x1 - x0);
}

/* The phases, each from the end of the last known one: an unknown phase takes no room, the
 * next known one spans it. Without a first byte the tail was spent waiting, not transferring. */
static void write_phases(struct svg *s, const struct layout *L, const struct bar *b, double y)
{
    const afetch_timing *tm = &b->time;
    const double ends[] = {tm->dns, tm->connect, tm->tls, tm->ttfb, tm->total};
    const char *const cls[] = {"dns", "con", "tls", "wait", tm->ttfb >= 0 ? "xfer" : "wait"};
    double prev = 0;
    for (size_t i = 0; i < 5; i++) {
        double v = ends[i] > tm->total ? tm->total : ends[i];
        if (v <= prev)
            continue;
        write_rect(s, cls[i], x_of(L, tm->start + prev), x_of(L, tm->start + v), y);
        prev = v;
    }
}

/* The bar itself, as one group carrying the tooltip. Returns its right edge (at least 2 px
 * wide, so that a fast transfer on a long axis still shows). A transfer cancelled in flight has
 * no total: it ran until the run stopped, at elapsed (if known). */
static double write_bar(struct svg *s, const struct layout *L, const struct bar *b, double y,
                        double elapsed)
{
    double x0 = x_of(L, b->time.start), x1 = x0 + 2;
    double end = b->time.total >= 0         ? b->time.start + b->time.total
                 : b->kind == BAR_CANCELLED ? elapsed
                                            : -1;
    if (end >= 0 && x_of(L, end) > x1)
        x1 = x_of(L, end);
    put(s, "<g>");
    write_tooltip(s, b);
    if (b->kind == BAR_CANCELLED)
        write_rect(s, "cxl", x0, x1, y);
    else if (b->time.total >= 0 && x1 > x0 + 2)
        write_phases(s, L, b, y);
    else
        write_rect(s, b->time.ttfb >= 0 ? "xfer" : "wait", x0, x1, y);
    if (b->kind == BAR_FAILED)
        put(s,
            "<rect class=\"fail\" fill=\"url(#stripes)\" x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" "
            "height=\"10\"/>",
            x0, y, x1 - x0);
    put(s, "</g>\n");
    return x1;
}

/* The note beside a bar: its time, or what went wrong. After the bar where it fits, else before
 * it, else inside it. */
static void write_note(struct svg *s, const struct bar *b, double x0, double x1, double y)
{
    char note[48];
    const char *cls = b->kind == BAR_OK ? "d" : b->kind == BAR_FAILED ? "e" : "c";
    if (b->kind == BAR_OK && b->time.total >= 0)
        snprintf(note, sizeof note, "%.3f s", b->time.total);
    else if (b->kind == BAR_FAILED && b->status > 0 && strcmp(b->code, AFETCH_E_HTTP) == 0)
        snprintf(note, sizeof note, "%s %ld", b->code, b->status);
    else
        snprintf(note, sizeof note, "%s", b->kind == BAR_OK ? "ok" : b->code);
    double w = (double)strlen(note) * CHAR_10;
    if (x1 + 5 + w <= SVG_W - 4)
        put(s, "<text class=\"%s\" x=\"%.1f\" y=\"%.1f\">", cls, x1 + 5, y);
    else if (x0 - 5 - w >= CHART_X)
        put(s, "<text class=\"%s\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", cls, x0 - 5, y);
    else
        put(s, "<text class=\"%s in\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", cls, x1 - 4, y);
    put_text(s, note);
    put(s, "</text>\n");
}

static void write_row(struct svg *s, const struct layout *L, const struct bar *b, double y,
                      double elapsed)
{
    double base = y + 10.5;
    put(s, "<g data-index=\"%zu\"><text class=\"i\" x=\"%.1f\" y=\"%.1f\">%zu</text>", b->index,
        L->index_r, base, b->index);
    put(s, "<text x=\"%.1f\" y=\"%.1f\">", L->index_r + 8, base);
    put_short_url(s, b->url, L->url_max);
    put(s, "</text>\n");
    double x0 = x_of(L, b->time.start >= 0 ? b->time.start : 0), x1 = x0;
    if (b->time.start >= 0)
        x1 = write_bar(s, L, b, y + 2, elapsed);
    write_note(s, b, x0, x1, base - 0.5);
    put(s, "</g>\n");
}

/* ---- one panel ---- */

static int by_index(const void *a, const void *b)
{
    size_t x = (*(const struct bar *const *)a)->index, y = (*(const struct bar *const *)b)->index;
    return x < y ? -1 : x > y;
}

static void write_panel_title(struct svg *s, const struct panel *p, double y)
{
    put(s, "<text class=\"p\" x=\"8\" y=\"%.1f\">", y);
    put_text(s, p->title);
    put(s, " \xC2\xB7 %zu URL%s \xC2\xB7 %zu ok \xC2\xB7 %zu failed", p->urls,
        p->urls == 1 ? "" : "s", p->ok, p->failed);
    if (p->cancelled)
        put(s, " (%zu cancelled)", p->cancelled);
    put(s, " \xC2\xB7 %.3f s", panel_elapsed(p));
    if (p->urls > p->kept)
        put(s, " \xC2\xB7 <tspan class=\"cap\">first %zu of %zu shown</tspan>", p->kept, p->urls);
    put(s, "</text>\n");
}

/* Returns the y where the next panel starts. */
static double write_panel(struct svg *s, const struct layout *L, const struct panel *p, double y)
{
    const struct bar **rows = malloc((p->kept ? p->kept : 1) * sizeof *rows);
    if (!rows) {
        s->err = s->err ? s->err : ENOMEM;
        return y;
    }
    for (size_t i = 0; i < p->kept; i++)
        rows[i] = &p->bars[i];
    qsort(rows, p->kept, sizeof *rows, by_index);
    put(s, "<g class=\"panel\">\n");
    write_panel_title(s, p, y + 16);
    double top = y + PANEL_HEAD, bottom = top + (double)(p->kept ? p->kept : 1) * ROW_H;
    for (size_t i = 1; i < p->kept; i += 2)
        put(s, "<rect class=\"z\" x=\"0\" y=\"%.1f\" width=\"%.0f\" height=\"%.0f\"/>\n",
            top + (double)i * ROW_H, SVG_W, ROW_H);
    write_grid(s, L, top, bottom);
    for (size_t i = 0; i < p->kept; i++)
        write_row(s, L, rows[i], top + (double)i * ROW_H, p->elapsed);
    if (p->kept == 0)
        put(s, "<text class=\"c\" x=\"%.1f\" y=\"%.1f\">no URLs</text>\n", CHART_X, top + 10);
    put(s, "</g>\n");
    free(rows);
    return bottom + PANEL_GAP;
}

int afetch_timeline_write_svg(const afetch_timeline *t, FILE *out)
{
    struct svg s = {.out = out};
    struct layout L;
    layout(t, &L);
    write_head(&s, &L);
    write_legend(&s);
    write_axis(&s, &L, TOP - 10, true);
    double y = TOP;
    for (size_t i = 0; i < t->count; i++)
        y = write_panel(&s, &L, &t->panels[i], y);
    if (t->count == 0) {
        put(&s, "<text class=\"c\" x=\"%.1f\" y=\"%.1f\">no results</text>\n", CHART_X, y + 10);
        y += ROW_H;
    }
    write_axis(&s, &L, y + 8, false);
    put(&s, "</svg>\n");
    if (!s.err && fflush(out) != 0)
        s.err = errno ? errno : EIO;
    if (s.err) {
        errno = s.err;
        return -1;
    }
    return 0;
}

/* ---- saving ---- */

/* save_writer_fn: the document. */
static int write_svg(void *t, FILE *f)
{
    return afetch_timeline_write_svg(t, f);
}

int afetch_timeline_save(const afetch_timeline *t, const char *path)
{
    /* save_writer_fn takes a mutable arg; write_svg only reads it */
    return save_file_whole(path, 0666, write_svg, (void *)t);
}
