/* fuzz_escape.c — libFuzzer target for escape.h and afetch_escape_terminal: for any bytes,
 * utf8_repair, afetch_escape_terminal and json_escape_controls return the length they need,
 * always terminate, never write past a short buffer (every buffer is malloc'd to its exact size,
 * so ASan sees one byte too many), and their full output keeps its promise: valid UTF-8; for a
 * terminal no C0, DEL, C1, bidi control or line separator, text without them unchanged, and
 * escaping twice the same as once; for JSON no DEL or C1. */
#include "afetch.h"
#include "escape.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef size_t escape_fn(const char *s, size_t len, char *out, size_t size);

static void require(int cond)
{
    if (!cond)
        abort();
}

static int valid_utf8(const char *s, size_t len)
{
    for (size_t i = 0, n; i < len; i += n)
        if ((n = utf8_sequence((const unsigned char *)s + i, len - i)) == 0)
            return 0;
    return 1;
}

/* A C0 control (NUL included) if c0_too, DEL, or a C1 control (0xC2 0x80-0x9F). */
static int has_control(const char *s, size_t len, int c0_too)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < len; i++) {
        if ((c0_too && p[i] < 0x20) || p[i] == 0x7F)
            return 1;
        if (p[i] == 0xC2 && i + 1 < len && p[i + 1] >= 0x80 && p[i + 1] <= 0x9F)
            return 1;
    }
    return 0;
}

/* A character a terminal would act on: C0 (NUL included), DEL, C1, a bidi control, U+2028 or
 * U+2029. s must be valid UTF-8. */
static int has_unshowable(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0, n; i < len; i += n) {
        n = utf8_sequence(p + i, len - i);
        unsigned cp = n == 1 ? p[0 + i] : p[i] & (0x7Fu >> n);
        for (size_t k = 1; k < n; k++)
            cp = (cp << 6) | (p[i + k] & 0x3Fu);
        if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x061C || cp == 0x200E ||
            cp == 0x200F || (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069))
            return 1;
    }
    return 0;
}

/* Runs fn with a buffer of exactly size bytes: the same length comes back, the text is
 * terminated within the buffer, and it is a prefix of the full output. */
static void check_short(escape_fn *fn, const char *in, size_t len, const char *full, size_t need,
                        size_t size)
{
    char *out = malloc(size ? size : 1);
    require(out != NULL);
    require(fn(in, len, out, size) == need);
    if (size > 0) {
        size_t kept = need < size ? need : size - 1;
        require(out[kept] == '\0' && memcmp(out, full, kept) == 0);
    }
    free(out);
}

/* Runs fn with no buffer, the exact buffer and some short ones; returns the full output
 * (malloc'd, the caller frees) and its length in *need. */
static char *run(escape_fn *fn, const char *in, size_t len, size_t *need)
{
    *need = fn(in, len, NULL, 0);
    char *full = malloc(*need + 1);
    require(full != NULL);
    require(fn(in, len, full, *need + 1) == *need && full[*need] == '\0');
    if (!memchr(in, '\0', len))
        require(strlen(full) == *need);
    size_t sizes[] = {1, 2, *need / 2, *need, len % (*need + 1)};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        check_short(fn, in, len, full, *need, sizes[i]);
    return full;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* an exact copy, so reading one byte past the input is caught too */
    char *in = malloc(size ? size : 1);
    require(in != NULL);
    memcpy(in, data, size);
    int clean = valid_utf8(in, size);
    size_t need;

    char *out = run(utf8_repair, in, size, &need);
    require(valid_utf8(out, need));
    require(!clean || (need == size && memcmp(out, in, size) == 0));
    free(out);

    out = run(afetch_escape_terminal, in, size, &need);
    require(valid_utf8(out, need) && !has_unshowable(out, need));
    require(!clean || has_unshowable(in, size) || (need == size && memcmp(out, in, size) == 0));
    size_t again_need;
    char *again = run(afetch_escape_terminal, out, need, &again_need);
    require(again_need == need && memcmp(again, out, need) == 0);
    free(again);
    free(out);

    out = run(json_escape_controls, in, size, &need);
    require(!has_control(out, need, 0));
    require(has_control(in, size, 0) || (need == size && memcmp(out, in, size) == 0));
    free(out);

    free(in);
    return 0;
}
