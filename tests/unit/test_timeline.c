/* test_timeline.c — the SVG waterfall: panels, rows, failed and cancelled bars, hostile URLs,
 * the row cap, write errors, and saving by rename. */
#include "escape.h"
#include "tap.h"
#include "timeline.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HOSTILE                                                                                    \
    "http://evil.test/<script>alert(1)</script>&\"'\x01\x1b[31m\xff\xfe\xc3("                      \
    "\xe2\x80\xae"                                                                                 \
    "gnp.exe\xef\xbf\xbe"

static afetch_result result(size_t index, const char *url, double start, double dns, double con,
                            double tls, double ttfb, double total)
{
    return (afetch_result){.index = index,
                           .url = url,
                           .ok = true,
                           .status = 200,
                           .attempts = 1,
                           .time = {start, dns, con, tls, ttfb, total}};
}

static afetch_result failed(afetch_result r, const char *code, long status)
{
    r.ok = false;
    r.error_code = code;
    r.error_message = "it <went> wrong & \x07"
                      "badly";
    r.status = status;
    return r;
}

/* The document in a malloc'd string (NULL if writing failed). */
static char *render(const afetch_timeline *tl)
{
    char *doc = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&doc, &len);
    if (!f)
        return NULL;
    int rc = afetch_timeline_write_svg(tl, f);
    fclose(f);
    if (rc != 0) {
        free(doc);
        return NULL;
    }
    return doc;
}

static bool has(const char *doc, const char *needle)
{
    return doc && strstr(doc, needle);
}

static size_t occurrences(const char *doc, const char *needle)
{
    size_t n = 0;
    for (const char *p = doc; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* Valid UTF-8, and no byte XML 1.0 forbids: no control but newline. */
static bool xml_bytes_ok(const char *doc)
{
    const unsigned char *u = (const unsigned char *)doc;
    size_t len = strlen(doc);
    for (size_t i = 0; i < len;) {
        size_t k = utf8_sequence(u + i, len - i);
        if (k == 0 || (u[i] < 0x20 && u[i] != '\n'))
            return false;
        if (k == 3 && u[i] == 0xEF && u[i + 1] == 0xBF && u[i + 2] >= 0xBE)
            return false;
        i += k;
    }
    return true;
}

/* xmllint's verdict on doc where it is installed; true (and a skip) where it is not. */
static void check_xmllint(struct tap *t, const char *doc, const char *what)
{
    if (system("command -v xmllint >/dev/null 2>&1") != 0) {
        ok(t, 1, "%s: well-formed # SKIP xmllint is not installed", what);
        return;
    }
    char path[] = "/tmp/test_timeline-XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    bool written = f && fputs(doc, f) >= 0;
    if (f)
        fclose(f);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "xmllint --noout %s", path);
    ok(t, written && system(cmd) == 0, "%s: xmllint accepts it", what);
    unlink(path);
}

static void add_sync_panel(struct tap *t, afetch_timeline *tl)
{
    afetch_result rs[] = {
        result(0, "http://127.0.0.1:8765/delay/1700/docs/asyncio-task.html", 0, 0.001, 0.002, -1,
               1.702, 1.704),
        result(1, "https://example.com/tls", 1.704, 0.01, 0.02, 0.09, 0.4, 1.2),
        failed(result(2, "http://127.0.0.1:8765/status/404", 2.904, 0, 0.001, -1, 0.01, 0.011),
               AFETCH_E_HTTP, 404),
        failed(result(3, "http://10.255.255.1/", 2.915, 0.001, -1, -1, -1, 3.0), AFETCH_E_TIMEOUT,
               0),
        failed(result(4, "http://127.0.0.1:8765/cancel-me", 5.915, 0, 0.001, -1, -1, 0.5),
               AFETCH_E_CANCELLED, 0),
        failed(result(5, "file:///etc/passwd", -1, -1, -1, -1, -1, -1), AFETCH_E_PROTOCOL, 0),
        result(6, HOSTILE, 6.5, -1, -1, -1, 0.2, 0.4),
        result(7, "http://notanumber.test/", 6.9, NAN, INFINITY, -1, 0.1, 0.3),
    };
    ok(t, afetch_timeline_panel(tl, "sync") == 0, "panel sync");
    int rc = 0;
    for (size_t i = 0; i < sizeof rs / sizeof rs[0]; i++)
        rc |= afetch_timeline_add(tl, &rs[i]);
    ok(t, rc == 0, "8 results added to sync");
}

static void add_async_panel(struct tap *t, afetch_timeline *tl)
{
    ok(t, afetch_timeline_panel(tl, "async") == 0, "panel async");
    int rc = 0;
    for (size_t i = 6; i-- > 0;) { /* completion order: input order must come back */
        char url[64];
        snprintf(url, sizeof url, "http://127.0.0.1:8765/delay/%zu00", i + 1);
        afetch_result r = result(i, url, 0.001 * (double)i, 0.001, 0.002, -1, 0.1 * (double)i,
                                 0.1 * (double)i + 0.01);
        rc |= afetch_timeline_add(tl, &r);
    }
    ok(t, rc == 0, "6 results added to async");
}

static void check_content(struct tap *t, const char *doc)
{
    ok(t, strncmp(doc, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg ", 44) == 0,
       "starts with the XML declaration and <svg");
    ok(t, strlen(doc) > 7 && strcmp(doc + strlen(doc) - 7, "</svg>\n") == 0, "ends with </svg>");
    ok(t, has(doc, ">sync \xC2\xB7 8 URLs \xC2\xB7 4 ok \xC2\xB7 4 failed (1 cancelled)"),
       "sync panel title with its counts");
    ok(t, has(doc, ">async \xC2\xB7 6 URLs \xC2\xB7 6 ok"), "async panel title");
    ok(t, has(doc, "\xC2\xB7 7.200 s"), "sync elapsed: the latest end");
    ok(t, occurrences(doc, "data-index=") == 14, "one row per result (%zu)",
       occurrences(doc, "data-index="));
    const char *a0 = strstr(doc, ">async "), *r0 = a0 ? strstr(a0, "data-index=\"0\"") : NULL;
    const char *r5 = a0 ? strstr(a0, "data-index=\"5\"") : NULL;
    ok(t, r0 && r5 && r0 < r5, "rows in input order whatever the arrival order");
    ok(t, !has(doc, "<script") && !has(doc, "</script"), "no raw <script> from the URL");
    ok(t, has(doc, "&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;&apos;"),
       "the hostile URL escaped in the tooltip");
    ok(t, has(doc, "\\x01\\x1B[31m\\xFF\\xFE\\xC3("), "controls and bad bytes shown as \\xNN");
    ok(t, !has(doc, "\xe2\x80\xae"), "no bidi override from the URL");
    ok(t, has(doc, "it &lt;went&gt; wrong &amp; \\x07badly"), "error message escaped");
    ok(t, xml_bytes_ok(doc), "valid UTF-8 with no forbidden characters");
    ok(t, has(doc, ">http 404</text>"), "a failed bar says its code and status");
    ok(t, has(doc, ">timeout</text>") && has(doc, ">protocol</text>"), "codes of failures");
    ok(t, has(doc, ">cancelled</text>") && has(doc, "class=\"cxl\""), "cancelled greyed");
    ok(t, occurrences(doc, "fill=\"url(#stripes)\"") == 1 + 2, "stripes on two bars + legend");
    ok(t, has(doc, ">1.704 s</text>"), "an ok bar says its time");
    ok(t, !has(doc, "nan") && !has(doc, "inf"), "no NaN or infinity written");
    ok(t, has(doc, ">7 s</text>") && !has(doc, ">8 s</text>"), "axis 0..7.2 s, 1 s ticks");
    ok(t, has(doc, "127.0.0.1:8765/delay/1700/docs\xE2\x80\xA6yncio-task.html"),
       "long URL shortened");
    ok(t, !has(doc, ">http://") && !has(doc, ">https://"), "scheme dropped in row labels");
}

static void test_document(struct tap *t)
{
    afetch_timeline *tl = afetch_timeline_new();
    ok(t, tl != NULL, "afetch_timeline_new");
    add_sync_panel(t, tl);
    add_async_panel(t, tl);
    char *doc = render(tl);
    ok(t, doc != NULL, "written to a memory stream");
    if (doc) {
        check_content(t, doc);
        check_xmllint(t, doc, "two panels");
    }
    free(doc);
    afetch_timeline_free(tl);
}

static void test_empty(struct tap *t)
{
    afetch_timeline *tl = afetch_timeline_new();
    char *doc = render(tl);
    ok(t, doc && has(doc, "no results") && has(doc, "</svg>"), "no panel: a valid page");
    if (doc)
        check_xmllint(t, doc, "no panel");
    free(doc);
    afetch_timeline_panel(tl, "<async> & \x1b");
    doc = render(tl);
    ok(t, doc && has(doc, ">&lt;async&gt; &amp; \\x1B \xC2\xB7 0 URLs") && has(doc, "no URLs"),
       "empty panel, title escaped");
    free(doc);
    afetch_timeline_free(tl);
    afetch_timeline_free(NULL);
}

/* n results into a fresh timeline, in input order or reversed. */
static char *capped(size_t n, bool reversed)
{
    afetch_timeline *tl = afetch_timeline_new();
    int rc = afetch_timeline_panel(tl, "async");
    for (size_t i = 0; i < n; i++) {
        afetch_result r = result(reversed ? n - 1 - i : i, "http://x.test/", 0.001 * (double)i, 0,
                                 0, -1, 0.001, 0.002);
        rc |= afetch_timeline_add(tl, &r);
    }
    char *doc = rc == 0 ? render(tl) : NULL;
    afetch_timeline_free(tl);
    return doc;
}

static void test_cap(struct tap *t)
{
    for (int reversed = 0; reversed < 2; reversed++) {
        char *doc = capped(TIMELINE_MAX_BARS + 500, reversed);
        const char *how = reversed ? "reversed" : "in order";
        ok(t, doc && has(doc, "first 2000 of 2500 shown"), "%s: the cap is stated", how);
        ok(t, doc && occurrences(doc, "data-index=") == TIMELINE_MAX_BARS, "%s: 2000 rows", how);
        ok(t,
           doc && has(doc, "data-index=\"0\"") && has(doc, "data-index=\"1999\"") &&
               !has(doc, "data-index=\"2000\""),
           "%s: the rows of the smallest indexes", how);
        ok(t, doc && has(doc, ">async \xC2\xB7 2500 URLs"), "%s: all counted", how);
        free(doc);
    }
    char *doc = capped(TIMELINE_MAX_BARS, false);
    ok(t, doc && !has(doc, "shown"), "exactly at the cap: no note");
    free(doc);
}

/* x and width of the first bar of row 1 of class cls; false if none. */
static bool bar_of_row1(const char *doc, const char *cls, double *x, double *w)
{
    const char *row = doc ? strstr(doc, "data-index=\"1\"") : NULL;
    const char *bar = row ? strstr(row, cls) : NULL;
    return bar && sscanf(bar, "%*s x=\"%lf\" y=\"%*[0-9.]\" width=\"%lf\"", x, w) == 2;
}

/* A transfer cancelled in flight has no total; it is drawn until the run stopped. */
static void test_elapsed(struct tap *t)
{
    afetch_timeline *tl = afetch_timeline_new();
    afetch_timeline_panel_elapsed(tl, 5); /* no panel yet: no effect */
    afetch_timeline_panel(tl, "async");
    afetch_result done = result(0, "http://x.test/a", 0, 0.001, 0.002, -1, 0.1, 0.2);
    afetch_result cut =
        failed(result(1, "http://x.test/b", 0.1, -1, -1, -1, -1, -1), AFETCH_E_CANCELLED, 0);
    afetch_timeline_add(tl, &done);
    afetch_timeline_add(tl, &cut);
    char *doc = render(tl);
    ok(t, has(doc, "\xC2\xB7 0.200 s</text>") && has(doc, ">0.20 s<"),
       "without the elapsed: the run ends with its last result");
    double x = 0, w = 0;
    ok(t, bar_of_row1(doc, "class=\"cxl\"", &x, &w) && w == 2, "the cancelled bar: a 2 px mark");
    free(doc);
    afetch_timeline_panel_elapsed(tl, 2.0);
    doc = render(tl);
    ok(t, has(doc, "\xC2\xB7 2.000 s</text>") && has(doc, ">2.0 s<"), "the elapsed: title, axis");
    ok(t, bar_of_row1(doc, "class=\"cxl\"", &x, &w) && fabs(x + w - 905) < 0.1,
       "the cancelled bar runs to the end of the run (x %.2f, width %.2f)", x, w);
    free(doc);
    afetch_timeline_free(tl);
}

/* Arbitrary bytes as URLs, titles and messages still make a well-formed document. */
static void test_random_bytes(struct tap *t)
{
    afetch_timeline *tl = afetch_timeline_new();
    unsigned long long seed = 42;
    char text[3][160];
    for (size_t i = 0; i < 300; i++) {
        for (size_t k = 0; k < 3; k++) {
            size_t len = (size_t)(seed >> 33) % (sizeof text[k] - 1);
            for (size_t j = 0; j < len; j++) {
                seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
                text[k][j] = (char)((seed >> 56) | 1); /* no NUL: the strings end at len */
            }
            text[k][len] = '\0';
        }
        if (i % 100 == 0)
            afetch_timeline_panel(tl, text[2]);
        afetch_result r = failed(result(i, text[0], 0.01 * (double)i, -1, 0.001, -1, 0.01, 0.02),
                                 AFETCH_E_NETWORK, 0);
        r.error_message = text[1];
        afetch_timeline_add(tl, &r);
    }
    char *doc = render(tl);
    ok(t, doc && xml_bytes_ok(doc), "random bytes: valid UTF-8, no forbidden characters");
    ok(t, doc && occurrences(doc, "data-index=") == 300, "random bytes: 300 rows");
    if (doc)
        check_xmllint(t, doc, "random bytes");
    free(doc);
    afetch_timeline_free(tl);
}

static void test_write_error(struct tap *t)
{
    afetch_timeline *tl = afetch_timeline_new();
    add_sync_panel(t, tl);
    FILE *full = fopen("/dev/full", "w");
    if (!full) {
        ok(t, 1, "write error # SKIP no /dev/full");
    } else {
        errno = 0;
        int rc = afetch_timeline_write_svg(tl, full);
        ok(t, rc == -1 && errno == ENOSPC, "a full device: -1 with ENOSPC (errno %d)", errno);
        fclose(full);
    }
    afetch_timeline_free(tl);
}

/* The names in dir, space-separated, sorted by readdir's whim; for a listing check. */
static void listing(const char *dir, char *out, size_t size)
{
    out[0] = '\0';
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            snprintf(out + strlen(out), size - strlen(out), "%s ", e->d_name);
    if (d)
        closedir(d);
}

static void test_save(struct tap *t)
{
    char dir[] = "/tmp/test_timeline-dir-XXXXXX", path[128], names[512];
    ok(t, mkdtemp(dir) != NULL, "temporary directory");
    snprintf(path, sizeof path, "%s/t.svg", dir);
    FILE *old = fopen(path, "w");
    fputs("old", old);
    fclose(old);
    old = fopen(path, "r"); /* keeps the old file: a rename replaces it, a rewrite would not */
    struct stat before, after;
    stat(path, &before);

    afetch_timeline *tl = afetch_timeline_new();
    add_sync_panel(t, tl);
    ok(t, afetch_timeline_save(tl, path) == 0, "afetch_timeline_save");
    listing(dir, names, sizeof names);
    ok(t, strcmp(names, "t.svg ") == 0, "only t.svg in the directory (%s)", names);
    char buf[8] = "";
    ok(t, fgets(buf, sizeof buf, old) && strcmp(buf, "old") == 0, "the old file was not touched");
    fclose(old);
    ok(t, stat(path, &after) == 0 && after.st_ino != before.st_ino, "replaced by a rename");
    mode_t mask = umask(0);
    umask(mask);
    ok(t, (after.st_mode & 0777) == (0666 & ~mask), "mode from the umask, not mkstemp's 0600");

    FILE *f = fopen(path, "r");
    char head[6] = "";
    ok(t, f && fread(head, 1, 5, f) == 5 && strcmp(head, "<?xml") == 0, "the file is the SVG");
    if (f)
        fclose(f);

    char bad[160];
    snprintf(bad, sizeof bad, "%s/missing/t.svg", dir);
    errno = 0;
    ok(t, afetch_timeline_save(tl, bad) == -1 && errno == ENOENT, "missing directory: -1, ENOENT");
    errno = 0;
    ok(t, afetch_timeline_save(tl, dir) == -1 && errno == EISDIR, "a directory: -1, EISDIR");
    listing(dir, names, sizeof names);
    ok(t, strcmp(names, "t.svg ") == 0, "failed saves leave nothing behind (%s)", names);
    afetch_timeline_free(tl);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    struct tap t = {0};
    test_document(&t);
    test_empty(&t);
    test_cap(&t);
    test_elapsed(&t);
    test_random_bytes(&t);
    test_write_error(&t);
    test_save(&t);
    return tap_done(&t);
}
