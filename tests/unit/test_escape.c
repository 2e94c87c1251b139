/* test_escape.c — the terminal escaper (afetch_escape_terminal) and the UTF-8 repair for JSON:
 * what is escaped and how, what is kept, the snprintf contract, and idempotence. */
#include "afetch.h"
#include "escape.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

static char *escaped(const char *s, size_t len)
{
    size_t need = afetch_escape_terminal(s, len, NULL, 0);
    char *out = malloc(need + 1);
    if (out)
        afetch_escape_terminal(s, len, out, need + 1);
    return out;
}

/* want is the whole expected output for the len bytes at in. */
static void expect(struct tap *t, const char *in, size_t len, const char *want, const char *what)
{
    char *got = escaped(in, len);
    ok(t, got && strcmp(got, want) == 0, "%s: '%s' (got '%s')", what, want, got ? got : "NULL");
    free(got);
}

#define EXPECT(t, in, want, what) expect((t), (in), sizeof(in) - 1, (want), (what))

static void test_controls(struct tap *t)
{
    EXPECT(t, "a\x1b[31mb", "a\\x1B[31mb", "ESC (C0) as \\xNN");
    EXPECT(t, "\x01\x09\x0a\x0d\x1f", "\\x01\\x09\\x0A\\x0D\\x1F", "tab, newline, CR: all C0");
    EXPECT(t, "x\x7fy", "x\\x7Fy", "DEL");
    EXPECT(t, "a\0b", "a\\x00b", "NUL inside the length");
    EXPECT(t,
           "\xc2\x9b"
           "31m",
           "\\u009B31m", "CSI (U+009B), a C1 control");
    EXPECT(t, "\xc2\x80\xc2\x85\xc2\x9f", "\\u0080\\u0085\\u009F", "C1 bounds and NEL");
    EXPECT(t, "\xc2\xa0\xc2\xa9", "\xc2\xa0\xc2\xa9", "U+00A0 and U+00A9 just past C1: kept");
}

static void test_invalid_utf8(struct tap *t)
{
    EXPECT(t,
           "a\xff\xfe"
           "b",
           "a\\xFF\\xFEb", "stray bytes");
    EXPECT(t, "\xc3(", "\\xC3(", "truncated sequence");
    EXPECT(t, "\xc0\xaf", "\\xC0\\xAF", "overlong '/'");
    EXPECT(t, "\xed\xa0\x80", "\\xED\\xA0\\x80", "surrogate");
    EXPECT(t, "\xf4\x90\x80\x80", "\\xF4\\x90\\x80\\x80", "past U+10FFFF");
    EXPECT(t, "end\xe2\x80", "end\\xE2\\x80", "cut at the end");
}

static void test_bidi(struct tap *t)
{
    EXPECT(t,
           "abc\xe2\x80\xae"
           "fdp.exe",
           "abc\\u202Efdp.exe", "RLO (U+202E)");
    EXPECT(t, "\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad", "\\u202A\\u202B\\u202C\\u202D",
           "LRE, RLE, PDF, LRO");
    EXPECT(t, "\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9", "\\u2066\\u2067\\u2068\\u2069",
           "the isolates");
    EXPECT(t, "\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c", "\\u200E\\u200F\\u061C", "LRM, RLM, ALM");
    EXPECT(t, "\xe2\x80\xa8\xe2\x80\xa9", "\\u2028\\u2029", "line and paragraph separators");
    EXPECT(t, "\xe2\x80\xa7\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa",
           "\xe2\x80\xa7\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa",
           "neighbours of the ranges (U+2027, U+202F, U+2065, U+206A) kept");
}

static void test_kept(struct tap *t)
{
    EXPECT(t, "http://example.com/a?b=c#d", "http://example.com/a?b=c#d", "plain ASCII");
    EXPECT(t,
           "b\xc3\xbc"
           "cher \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80",
           "b\xc3\xbc"
           "cher \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80",
           "printable UTF-8 as it is");
    EXPECT(t, "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d", "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d",
           "right-to-left letters themselves are kept");
    EXPECT(t, "a\\x1Bb", "a\\x1Bb", "a backslash is kept");
    EXPECT(t, "", "", "empty");
}

static void test_contract(struct tap *t)
{
    const char in[] = "a\x1b\xe2\x80\xae"
                      "b";
    const char *full = "a\\x1B\\u202Eb";
    size_t need = strlen(full);
    ok(t, afetch_escape_terminal(in, sizeof in - 1, NULL, 0) == need, "size 0: the length needed");
    char small[6];
    memset(small, 'z', sizeof small);
    size_t got = afetch_escape_terminal(in, sizeof in - 1, small, sizeof small);
    ok(t, got == need && strcmp(small, "a\\x1B") == 0, "short buffer: a terminated prefix ('%s')",
       small);
    char one[1] = {'z'};
    afetch_escape_terminal(in, sizeof in - 1, one, 1);
    ok(t, one[0] == '\0', "size 1: just the NUL");

    char *once = escaped(in, sizeof in - 1);
    char *twice = once ? escaped(once, strlen(once)) : NULL;
    ok(t, once && twice && strcmp(once, twice) == 0, "escaping twice changes nothing");
    free(once);
    free(twice);
}

static void test_repair(struct tap *t)
{
    char out[32];
    size_t n = utf8_repair("a\xff"
                           "b\xe2\x80\xae",
                           6, out, sizeof out);
    ok(t,
       n == 8 && strcmp(out, "a\xef\xbf\xbd"
                             "b\xe2\x80\xae") == 0,
       "JSON strings: invalid bytes become U+FFFD, bidi stays (valid JSON)");

    /* runs of ASCII are copied whole: around bad bytes, at the ends, and cut by a small out */
    const char mixed[] = "plain\xc3\xa9\xc0 tail";
    n = utf8_repair(mixed, sizeof mixed - 1, out, sizeof out);
    ok(t, n == 15 && strcmp(out, "plain\xc3\xa9\xef\xbf\xbd tail") == 0,
       "ASCII runs before and after a valid and an invalid sequence");
    char small[4];
    n = utf8_repair(mixed, sizeof mixed - 1, small, sizeof small);
    ok(t, n == 15 && strcmp(small, "pla") == 0, "a run cut by the size: the count is still whole");
    n = utf8_repair("ascii only", 10, NULL, 0);
    ok(t, n == 10, "only counting, for a string that needs nothing");
}

int main(void)
{
    struct tap t = {0};
    test_controls(&t);
    test_invalid_utf8(&t);
    test_bidi(&t);
    test_kept(&t);
    test_contract(&t);
    test_repair(&t);
    return tap_done(&t);
}
