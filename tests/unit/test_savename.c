/* test_savename.c — the file names of saved bodies: the documented examples, cutting long
 * names, hostile bytes, odd hosts, and the safety properties over many generated URLs. */
#include "savename.h"
#include "tap.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The promises of savename.h that hold for every URL; NULL if name keeps them all. */
static const char *broken_property(const char *name, size_t len)
{
    if (len != strlen(name))
        return "length differs from strlen";
    if (len == 0 || len > SAVENAME_MAX)
        return "empty or too long";
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || name[0] == '.')
        return "a dot name";
    if (strstr(name, "..") || strchr(name, '/'))
        return "holds '..' or '/'";
    size_t digits = strspn(name, "0123456789");
    if (digits < 6 || (name[digits] != '-' && name[digits] != '\0'))
        return "does not start with the index and '-'";
    if (name[len - 1] == '-')
        return "ends in '-'";
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (*p < 0x20 || *p == 0x7F || *p >= 0x80)
            return "holds a control or non-ASCII byte";
    return NULL;
}

static void expect(struct tap *t, size_t index, const char *url, const char *want)
{
    char out[SAVENAME_SIZE];
    size_t len = savename_build(index, url, out, sizeof out);
    ok(t, len == strlen(want) && strcmp(out, want) == 0, "%zu '%s' -> '%s' (got '%s')", index, url,
       want, out);
}

static void test_examples(struct tap *t)
{
    expect(t, 0, "http://127.0.0.1:8080/bytes/10", "000000-127.0.0.1-8080-bytes-10");
    expect(t, 3, "http://127.0.0.1:8080/", "000003-127.0.0.1-8080-index.html");
    expect(t, 42, "https://example.com/docs/", "000042-example.com-docs-index.html");
    expect(t, 7, "https://example.com", "000007-example.com-index.html");
    /* libcurl resolves dot segments before the name is built */
    expect(t, 5, "https://example.com/a/../b?x=1&y=2", "000005-example.com-b-x-1-y-2");
    expect(t, 5, "https://example.com/a/./b/", "000005-example.com-a-b-index.html");
    expect(t, 1, "https://example.com/?q=1", "000001-example.com-index.html-q-1");
}

static void test_parts(struct tap *t)
{
    expect(t, 0, "http://x.test:80/", "000000-x.test-80-index.html");
    expect(t, 0, "https://x.test/a#frag/ment", "000000-x.test-a");
    expect(t, 0, "https://user:secret@x.test/a", "000000-x.test-a");
    expect(t, 0, "x.test/page.html", "000000-x.test-page.html");
    expect(t, 0, "HTTP://Example.TEST/Read_Me.TXT", "000000-Example.TEST-Read_Me.TXT");
    expect(t, 0, "http://x.test/hello%20world.pdf", "000000-x.test-hello-world.pdf");
    expect(t, 0, "http://x.test/a...b", "000000-x.test-a.b");
    expect(t, 0, "http://x.test/a/-/b?", "000000-x.test-a-b");
    expect(t, 0, "http://x.test/tail.", "000000-x.test-tail");
    expect(t, 1234567, "http://x.test/a", "1234567-x.test-a");
    char want[64], out[SAVENAME_SIZE];
    snprintf(want, sizeof want, "%zu-x.test-a", (size_t)SIZE_MAX);
    savename_build(SIZE_MAX, "http://x.test/a", out, sizeof out);
    ok(t, strcmp(out, want) == 0, "the largest index is written in full: %s", out);
}

static void test_hosts(struct tap *t)
{
    expect(t, 0, "http://[::1]:8080/x", "000000-1-8080-x");
    expect(t, 0, "http://[fe80::1%25eth0]/", "000000-fe80-1-index.html");
    expect(t, 0,
           "https://b\xC3\xBC"
           "cher.example/",
           "000000-b-cher.example-index.html");
    expect(t, 0, "https://xn--bcher-kva.example/", "000000-xn-bcher-kva.example-index.html");
}

static void test_buffer_size(struct tap *t)
{
    char small[SAVENAME_SIZE - 1];
    memset(small, 'x', sizeof small);
    ok(t, savename_build(0, "http://a.test/", small, sizeof small) == 0 && small[0] == '\0',
       "a buffer below SAVENAME_SIZE gets nothing, and an empty string");
    ok(t, savename_build(0, "http://a.test/", NULL, 0) == 0, "no buffer at all gets 0");
    /* exact-size heap buffer, so a sanitizer build sees any overrun */
    char *exact = malloc(SAVENAME_SIZE);
    size_t len = savename_build(0, "http://a.test/", exact, SAVENAME_SIZE);
    ok(t, len > 0 && strcmp(exact, "000000-a.test-index.html") == 0, "SAVENAME_SIZE is enough");
    free(exact);
}

/* Builds "http://x.test/" + n times c + tail into buf. */
static const char *long_url(char *buf, size_t n, char c, const char *tail)
{
    size_t head = strlen("http://x.test/");
    memcpy(buf, "http://x.test/", head);
    memset(buf + head, c, n);
    strcpy(buf + head + n, tail);
    return buf;
}

static bool ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), k = strlen(tail);
    return n >= k && strcmp(s + n - k, tail) == 0;
}

static void test_long(struct tap *t)
{
    char url[4096], out[SAVENAME_SIZE];
    size_t len = savename_build(0, long_url(url, 500, 'a', ".tar.gz"), out, sizeof out);
    ok(t,
       len == SAVENAME_MAX && ends_with(out, "aaa.gz") &&
           strncmp(out, "000000-x.test-aaa", 17) == 0,
       "a long name is cut in the middle and keeps the last extension: %s", out);
    len = savename_build(0, long_url(url, 500, 'b', ".pdf?page=1&zoom=2"), out, sizeof out);
    ok(t, len == SAVENAME_MAX && ends_with(out, "bbb.pdf"), "the query goes, .pdf stays: %s", out);
    len = savename_build(0, long_url(url, 300, 'c', "/"), out, sizeof out);
    ok(t, len == SAVENAME_MAX && ends_with(out, "ccc.html"), "index.html keeps its .html");
    len = savename_build(0, long_url(url, 500, 'd', ".abcdefghijk"), out, sizeof out);
    ok(t, len == SAVENAME_MAX && ends_with(out, "ddd"), "an 11-byte extension is not kept");
    len = savename_build(0, long_url(url, 500, '-', "x.zip"), out, sizeof out);
    ok(t, strcmp(out, "000000-x.test-x.zip") == 0, "a run of '-' is one '-': %s", out);
    len = savename_build(0, long_url(url, 300, '&', ""), out, sizeof out);
    ok(t, strcmp(out, "000000-x.test") == 0, "no trailing '-' after a run is dropped: %s", out);
    len = savename_build(0, long_url(url, 1000, '/', "e.txt"), out, sizeof out);
    ok(t, strcmp(out, "000000-x.test-e.txt") == 0, "many slashes are one '-': %s", out);
    len = savename_build(9, long_url(url, 3000, 'f', ".json"), out, sizeof out);
    ok(t, len == SAVENAME_MAX && ends_with(out, "f.json") && !broken_property(out, len),
       "a 3000-byte path still fits");
    /* exactly SAVENAME_MAX without cutting: 7 prefix + "x.test-" (7) + 186 */
    len = savename_build(0, long_url(url, 186, 'g', ""), out, sizeof out);
    ok(t, len == SAVENAME_MAX && strspn(out + 14, "g") == 186, "a 200-byte name is left whole");
}

static void test_hostile(struct tap *t)
{
    expect(t, 0, "http://x.test/a%2Fb", "000000-x.test-a-b");
    expect(t, 0, "http://x.test/a%2F..%2F..%2Fetc%2Fpasswd", "000000-x.test-a-.-.-etc-passwd");
    expect(t, 0, "http://x.test/%2e%2e/%2E%2E/x", "000000-x.test-.-.-x");
    expect(t, 0, "http://x.test/x%0a%1b[31m", "000000-x.test-x-0a-1b-31m");
    expect(t, 0, "http://x.test/caf%C3%A9", "000000-x.test-caf");
    expect(t, 0, "http://x.test/\x01\x1b[2J", "000000-x.test-2J");
    expect(t, 0,
           "http://x.test/a\x7f"
           "b",
           "000000-x.test-a-b");
    expect(t, 0, "http://x.test/\xff\xfe\xc0\xaf.txt", "000000-x.test-.txt");
    expect(t, 0, "not a url", "000000-not-a-url-index.html");
    expect(t, 0, "", "000000-index.html");
    expect(t, 0, ".", "000000-.-index.html");
    expect(t, 0, "..", "000000-.-index.html");
    expect(t, 0, "http://us er:secret@x test/a b", "000000-x-test-a-b");
    expect(t, 0, "x://%/.&.&.&", "000000");
    expect(t, 0, "../../etc/passwd", "000000-.-etc-passwd"); /* host "..", path resolved */
    char out[SAVENAME_SIZE];
    size_t len = savename_build(0, NULL, out, sizeof out);
    ok(t, len && strcmp(out, "000000-index.html") == 0, "a NULL url is the empty one");
}

static const char alphabet[] = "aZ09._-/:?#@%[]&=.\x01\x1f\x7f\xc2\x85\xc3\xa9\xff";

/* A small fuzz run in every build: random URLs from bytes that matter to the name. */
static void test_properties(struct tap *t)
{
    static const char *starts[] = {"http://", "https://[::1]:1/", "", "x.test/", "ftp://a/"};
    char url[400], out[SAVENAME_SIZE];
    uint32_t seed = 12345;
    const char *problem = NULL;
    for (int i = 0; i < 20000 && !problem; i++) {
        size_t n = (size_t)snprintf(url, sizeof url, "%s", starts[i % 5]);
        size_t extra = i % 7 == 0 ? 390 - n : (seed >> 8) % 40;
        for (size_t k = 0; k < extra; k++) {
            seed = seed * 1103515245u + 12345u;
            url[n++] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
        }
        url[n] = '\0';
        size_t len = savename_build((size_t)i * 7919u, url, out, sizeof out);
        problem = broken_property(out, len);
        if (problem)
            printf("# '%s' -> '%s'\n", url, out);
    }
    ok(t, problem == NULL, "20000 random URLs keep every property (%s)", problem ? problem : "ok");
}

/* The promises of savename_path for every path; NULL if path keeps them all. */
static const char *broken_path_property(const char *path, size_t len)
{
    if (len != strlen(path) || len == 0 || len > SAVEPATH_MAX)
        return "empty, too long, or length differs from strlen";
    for (const char *c = path; *c;) {
        size_t n = strcspn(c, "/");
        if (n == 0 || n > SEGMENT_MAX)
            return "an empty or overlong component";
        if (c[0] == '.' || c[0] == '-' || c[n - 1] == '.' || c[n - 1] == '-')
            return "a component starts or ends with '.' or '-'";
        for (size_t i = 0; i < n; i++) {
            unsigned char b = (unsigned char)c[i];
            if (!((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') ||
                  b == '_' || b == '.' || b == '-'))
                return "a byte outside [A-Za-z0-9._-]";
            if (i > 0 && b == '.' && c[i - 1] == '.')
                return "holds '..'";
        }
        c += n + (c[n] == '/');
    }
    return NULL;
}

static void expect_path(struct tap *t, afetch_names names, const char *url, const char *output,
                        const char *want)
{
    char out[SAVEPATH_SIZE];
    size_t len = savename_path(names, 7, url, output, out, sizeof out);
    ok(t, len == strlen(want) && strcmp(out, want) == 0, "%s '%s' -> '%s' (got '%s')",
       output                      ? output
       : names == AFETCH_NAMES_URL ? "url"
                                   : "basename",
       url, want, out);
}

static void test_url_names(struct tap *t)
{
    afetch_names u = AFETCH_NAMES_URL, b = AFETCH_NAMES_BASENAME;
    expect_path(t, u, "http://127.0.0.1:8080/a/b.pdf", NULL, "127.0.0.1-8080/a/b.pdf");
    expect_path(t, u, "https://example.com/docs/", NULL, "example.com/docs/index.html");
    expect_path(t, u, "https://example.com", NULL, "example.com/index.html");
    expect_path(t, u, "https://example.com/a/../b?x=1&y=2", NULL, "example.com/b-x-1-y-2");
    expect_path(t, u, "https://example.com/?q=1", NULL, "example.com/index.html-q-1");
    expect_path(t, u, "https://user:secret@x.test/a#frag/x", NULL, "x.test/a");
    expect_path(t, u, "http://x.test//a///b", NULL, "x.test/a/b");
    expect_path(t, u, "http://x.test/a%2Fb", NULL, "x.test/a-b");
    expect_path(t, u, "http://x.test/a%2F..%2F..%2Fetc%2Fpasswd", NULL, "x.test/a-.-.-etc-passwd");
    expect_path(t, u, "http://x.test/%2e%2e/%2E%2E/x", NULL, "x.test/x");
    expect_path(t, u, "http://x.test/.hidden/.afetch-XXXXXX", NULL, "x.test/hidden/afetch-XXXXXX");
    expect_path(t, u, "http://x.test/a/...", NULL, "x.test/a/index.html");
    expect_path(t, u, "http://[::1]:8080/x", NULL, "1-8080/x");
    expect_path(t, u, "not a url", NULL, "not-a-url/index.html");
    expect_path(t, u, "", NULL, "_/index.html");
    expect_path(t, b, "http://x.test/a/b.pdf?x=1", NULL, "b.pdf-x-1");
    expect_path(t, b, "http://x.test/a/", NULL, "index.html");
    expect_path(t, b, "http://x.test/..%2F..%2Fpasswd", NULL, "passwd");
    expect_path(t, AFETCH_NAMES_INDEXED, "http://x.test/a", NULL, "000007-x.test-a");
}

static void test_entry_names(struct tap *t)
{
    afetch_names u = AFETCH_NAMES_INDEXED;
    expect_path(t, u, "http://x.test/a", "reports/2024 Q1.pdf", "reports/2024-Q1.pdf");
    expect_path(t, AFETCH_NAMES_URL, "http://x.test/a", "mine.txt", "mine.txt");
    expect_path(t, u, "http://x.test/a", "a/./b//c", "a/b/c");
    expect_path(t, u, "http://x.test/a", "../../x", "x");
    expect_path(t, u, "http://x.test/a", "/etc/passwd", "etc/passwd");
    char out[SAVEPATH_SIZE];
    ok(t, savename_path(u, 0, "http://x.test/", "...", out, sizeof out) == 0 && !out[0],
       "an output with nothing left gets no path");
    ok(t, savename_path(u, 0, "http://x.test/", "a/", out, sizeof out) == 1 && !strcmp(out, "a"),
       "a trailing '/' is dropped");
}

static void test_long_paths(struct tap *t)
{
    char url[8192], out[SAVEPATH_SIZE], other[SAVEPATH_SIZE];
    size_t len =
        savename_path(AFETCH_NAMES_URL, 0, long_url(url, 500, 'a', "1.pdf"), NULL, out, sizeof out);
    size_t len2 = savename_path(AFETCH_NAMES_URL, 0, long_url(url, 500, 'a', "2.pdf"), NULL, other,
                                sizeof other);
    ok(t,
       len == strlen("x.test/") + SEGMENT_MAX && ends_with(out, ".pdf") && len2 == len &&
           strcmp(out, other) != 0 && !broken_path_property(out, len),
       "a long component is cut to SEGMENT_MAX, keeps .pdf, and a hash keeps two apart: %s",
       out + 7);
    size_t n = strlen("http://x.test/");
    memcpy(url, "http://x.test/", n);
    for (int i = 0; i < 600; i++, n += 2)
        memcpy(url + n, "d/", 2);
    strcpy(url + n, "f");
    ok(t, savename_path(AFETCH_NAMES_URL, 0, url, NULL, out, sizeof out) == 0 && !out[0],
       "a path longer than SAVEPATH_MAX gets none");
    ok(t, savename_path(AFETCH_NAMES_BASENAME, 0, url, NULL, out, sizeof out) == 1,
       "its basename is fine");
    ok(t, savename_path(AFETCH_NAMES_URL, 0, "http://a/", NULL, out, SAVEPATH_SIZE - 1) == 0,
       "a buffer below SAVEPATH_SIZE gets nothing");
}

static void test_path_properties(struct tap *t)
{
    static const char *starts[] = {"http://", "https://[::1]:1/", "", "x.test/", "ftp://a/"};
    char url[400], out[SAVEPATH_SIZE];
    uint32_t seed = 54321;
    const char *problem = NULL;
    for (int i = 0; i < 30000 && !problem; i++) {
        size_t n = (size_t)snprintf(url, sizeof url, "%s", starts[i % 5]);
        size_t extra = i % 7 == 0 ? 390 - n : (seed >> 8) % 40;
        for (size_t k = 0; k < extra; k++) {
            seed = seed * 1103515245u + 12345u;
            url[n++] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
        }
        url[n] = '\0';
        afetch_names names = i % 3 == 0 ? AFETCH_NAMES_URL : AFETCH_NAMES_BASENAME;
        const char *output = i % 3 == 2 ? url : NULL;
        size_t len = savename_path(names, 0, url, output, out, sizeof out);
        problem = len == 0 && output ? NULL : broken_path_property(out, len);
        if (problem)
            printf("# '%s' -> '%s'\n", url, out);
    }
    ok(t, problem == NULL, "30000 random URLs and outputs give safe paths (%s)",
       problem ? problem : "ok");
}

int main(void)
{
    struct tap t = {0};
    test_examples(&t);
    test_parts(&t);
    test_hosts(&t);
    test_buffer_size(&t);
    test_long(&t);
    test_hostile(&t);
    test_properties(&t);
    test_url_names(&t);
    test_entry_names(&t);
    test_long_paths(&t);
    test_path_properties(&t);
    return tap_done(&t);
}
