/* fuzz_redact.c — libFuzzer target for redact.h: the input is a request URL and a text, split at
 * the first newline. redact_url and redact_text return the length they need, always terminate,
 * never write past a short buffer (exact-size malloc'd buffers, so ASan sees one byte too many),
 * leave text without '@' or a secret alone, and redacting a display form again changes
 * nothing. */
#include "redact.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(int cond)
{
    if (!cond)
        abort();
}

/* redact_url or, with url set, redact_text on s */
static size_t apply(const char *s, const char *url, int text, char *out, size_t size)
{
    return text ? redact_text(s, url, out, size) : redact_url(s, out, size);
}

/* Runs the function with no buffer, the exact one and some short ones; returns the full
 * output (malloc'd, the caller frees) and its length in *need. */
static char *run(const char *s, const char *url, int text, size_t *need)
{
    *need = apply(s, url, text, NULL, 0);
    char *full = malloc(*need + 1);
    require(full != NULL);
    require(apply(s, url, text, full, *need + 1) == *need && strlen(full) == *need);
    size_t sizes[] = {1, 2, *need / 2, *need};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        if (sizes[i] == 0)
            continue; /* the NULL, 0 call above */
        char *out = malloc(sizes[i]);
        require(out != NULL);
        require(apply(s, url, text, out, sizes[i]) == *need);
        size_t kept = *need < sizes[i] ? *need : sizes[i] - 1;
        require(out[kept] == '\0' && memcmp(out, full, kept) == 0);
        free(out);
    }
    return full;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* C strings: the bytes up to the first NUL, split at the first newline */
    char *buf = malloc(size + 1);
    require(buf != NULL);
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *text = strchr(buf, '\n');
    if (text)
        *text++ = '\0';
    const char *url = buf;

    size_t need;
    char *shown = run(url, NULL, 0, &need);
    require(strchr(url, '@') || strcmp(shown, url) == 0);
    size_t again_need;
    char *again = run(shown, NULL, 0, &again_need);
    require(again_need == need && strcmp(again, shown) == 0);
    free(again);
    if (text) {
        char *scrubbed = run(text, url, 1, &need);
        require(strchr(url, '@') || strchr(text, '@') || strcmp(scrubbed, text) == 0);
        free(scrubbed);
        scrubbed = run(text, NULL, 1, &need);
        require(strchr(text, '@') || strcmp(scrubbed, text) == 0);
        free(scrubbed);
    }
    free(shown);
    free(buf);
    return 0;
}
