/* fuzz_savename.c — libFuzzer target for savename_build: for any URL text and index the name
 * is a safe single path component: the index, then '-' and only [A-Za-z0-9._-], no "..", at
 * most SAVENAME_MAX bytes, the same every time, and nothing written past the buffer. And for
 * savename_path (--names url, basename, a list entry's "output"): a relative path of such
 * components, none starting with '.' or '-', at most SAVEPATH_MAX bytes. */
#include "savename.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(int cond)
{
    if (!cond)
        abort();
}

/* An index taken from the data without using up any of it: a hash, shifted so that every
 * number of digits from 1 to 20 turns up. */
static size_t index_of(const uint8_t *data, size_t size)
{
    uint64_t h = 14695981039346656037u;
    for (size_t i = 0; i < size; i++)
        h = (h ^ data[i]) * 1099511628211u;
    return (size_t)(h >> (h % 64));
}

static void check_name(const char *name, size_t len, size_t index)
{
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%06zu", index);
    require(len > 0 && len <= SAVENAME_MAX && strlen(name) == len);
    require(strncmp(name, digits, (size_t)n) == 0);
    require(name[n] == '-' || name[n] == '\0');
    require(name[len - 1] != '-' && name[len - 1] != '.');
    require(!strstr(name, "..") && !strchr(name, '/'));
    require(strcmp(name, ".") != 0 && strcmp(name, "..") != 0 && name[0] != '.');
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        require((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '_' || c == '.' || c == '-');
    }
}

static bool name_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
}

static void check_path(const char *path, size_t len)
{
    require(strlen(path) == len && len <= SAVEPATH_MAX);
    for (const char *c = path; *c;) {
        size_t n = strcspn(c, "/");
        require(n > 0 && n <= SEGMENT_MAX);
        require(c[0] != '.' && c[0] != '-' && c[n - 1] != '.' && c[n - 1] != '-');
        for (size_t i = 0; i < n; i++)
            require(name_byte((unsigned char)c[i]) && !(i > 0 && c[i] == '.' && c[i - 1] == '.'));
        c += n + (c[n] == '/');
    }
}

static void paths(const char *url, size_t index)
{
    char *out = malloc(SAVEPATH_SIZE);
    require(out != NULL);
    static const afetch_names schemes[] = {AFETCH_NAMES_URL, AFETCH_NAMES_BASENAME};
    for (size_t i = 0; i < 2; i++) {
        size_t len = savename_path(schemes[i], index, url, NULL, out, SAVEPATH_SIZE);
        /* nothing only for a path past SAVEPATH_MAX: sanitising never lengthens a component
         * beyond "index.html" and a host's "-PORT", so only a long URL can get there */
        require(len > 0 || strlen(url) > SAVEPATH_MAX - 16);
        check_path(out, len);
    }
    check_path(out, savename_path(AFETCH_NAMES_INDEXED, index, url, url, out, SAVEPATH_SIZE));
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *url = malloc(size + 1);
    char *out = malloc(SAVENAME_SIZE);
    char *again = malloc(SAVENAME_SIZE);
    char *small = malloc(SAVENAME_SIZE - 1);
    require(url && out && again && small);
    memcpy(url, data, size);
    url[size] = '\0';
    size_t index = index_of(data, size);

    size_t len = savename_build(index, url, out, SAVENAME_SIZE);
    check_name(out, len, index);
    require(savename_build(index, url, again, SAVENAME_SIZE) == len && strcmp(out, again) == 0);
    require(savename_build(index, url, small, SAVENAME_SIZE - 1) == 0 && small[0] == '\0');
    paths(url, index);

    free(url);
    free(out);
    free(again);
    free(small);
    return 0;
}
