/* fuzz_config.c — libFuzzer target for afetch_config_parse: for any bytes every setting handed
 * over has a [a-z0-9-]+ key and a value with no control character and no blank at either end
 * unless the line quoted it, both found on the line the parser names; errors read "f:LINE: ..."
 * and fit the buffer; nothing is read past the text. */
#include "config.h"

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

/* The text split into lines the simple way, to check the parser's claims against. */
struct lines {
    const char *text;
    size_t *start, *len; /* without "\n" or "\r\n" */
    unsigned count;
    unsigned last_line; /* the line of the previous setting */
    int calls, stop_at;
};

static void split(struct lines *l, const char *text, size_t size)
{
    if (size >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3;
        size -= 3;
    }
    l->text = text;
    l->start = malloc((size + 1) * sizeof *l->start);
    l->len = malloc((size + 1) * sizeof *l->len);
    require(l->start && l->len);
    for (size_t pos = 0; pos < size; l->count++) {
        const char *nl = memchr(text + pos, '\n', size - pos);
        size_t end = nl ? (size_t)(nl - text) : size;
        l->start[l->count] = pos;
        l->len[l->count] = end - pos - (end > pos && text[end - 1] == '\r');
        pos = end + 1;
    }
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Narrows [*s, *s + *n) to drop blanks at both ends. */
static void trim(const char **s, size_t *n)
{
    while (*n > 0 && is_blank(**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && is_blank((*s)[*n - 1]))
        (*n)--;
}

static bool same(const char *s, size_t n, const char *c_string)
{
    return strlen(c_string) == n && memcmp(s, c_string, n) == 0;
}

/* The line must be: blanks, the key, blanks, '=', blanks, the value or the value in quotes,
 * blanks; and a value with a blank at either end must have come in quotes. */
static void check_line(const char *s, size_t n, const char *key, const char *value)
{
    const char *eq = memchr(s, '=', n);
    require(eq != NULL);
    const char *k = s, *v = eq + 1;
    size_t k_len = (size_t)(eq - s), v_len = n - k_len - 1, value_len = strlen(value);
    trim(&k, &k_len);
    trim(&v, &v_len);
    require(same(k, k_len, key));
    bool quoted = v_len == value_len + 2 && v[0] == '"' && v[v_len - 1] == '"' &&
                  memcmp(v + 1, value, value_len) == 0;
    require(quoted || same(v, v_len, value));
    bool edge_blank = value_len && (is_blank(value[0]) || is_blank(value[value_len - 1]));
    require(!edge_blank || quoted);
    /* one pair of surrounding quotes is always removed */
    if (v_len >= 2 && v[0] == '"' && v[v_len - 1] == '"')
        require(quoted);
}

static int check_setting(void *arg, const char *key, const char *value, unsigned line, char *err,
                         size_t err_size)
{
    struct lines *l = arg;
    require(line > l->last_line && line >= 1 && line <= l->count);
    l->last_line = line;
    require(*key && strspn(key, "abcdefghijklmnopqrstuvwxyz0123456789-") == strlen(key));
    for (const unsigned char *p = (const unsigned char *)value; *p; p++)
        require((*p >= 0x20 || *p == '\t') && *p != 0x7F);
    require(strlen(key) + strlen(value) <= CONFIG_LINE_MAX);
    check_line(l->text + l->start[line - 1], l->len[line - 1], key, value);
    if (++l->calls != l->stop_at)
        return 0;
    if (l->calls % 2)
        snprintf(err, err_size, "%s: refused '%s'", key, value);
    return -1;
}

/* An error is "f:LINE: reason" within the buffer; a stop comes only from the setting chosen. */
static void check_error(const struct lines *l, int rc, const char *err, size_t err_size)
{
    if (rc == 0) {
        require(l->stop_at == 0 || l->calls < l->stop_at);
        return;
    }
    require(rc == -1 && strlen(err) < err_size);
    unsigned line;
    int used = 0;
    if (err_size > 40) {
        require(sscanf(err, "f:%u: %n", &line, &used) == 1 && used > 0 && err[used]);
        require(line >= 1 && line <= l->count);
    }
}

/* Parses text with a callback that stops at setting stop_at (0: never). */
static void parse_checked(const char *text, size_t size, int stop_at, size_t err_size)
{
    struct lines l = {.stop_at = stop_at};
    split(&l, text, size);
    char *err = malloc(err_size);
    require(err != NULL);
    memset(err, 'z', err_size);
    int rc = afetch_config_parse(text, size, "f", check_setting, &l, err, err_size);
    check_error(&l, rc, err, err_size);
    free(err);
    free(l.start);
    free(l.len);
}

/* The input is the text, on an exactly sized copy so that ASan catches any read past it. The
 * first byte also picks which setting the callback refuses and how big the error buffer is; a
 * text starting "#long" is parsed a second time repeated past the line limit. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size ? size : 1);
    require(text != NULL);
    memcpy(text, data, size);
    int stop_at = size ? data[0] % 8 : 0;
    size_t err_size = size && data[0] >= 0xF0 ? (size_t)(data[0] & 0x0F) + 1 : 600;
    parse_checked(text, size, stop_at, err_size);
    if (size > 5 && memcmp(data, "#long", 5) == 0) {
        size_t copies = 2 * CONFIG_LINE_MAX / size + 2;
        char *long_text = malloc(copies * size);
        require(long_text != NULL);
        for (size_t i = 0; i < copies; i++)
            memcpy(long_text + i * size, data, size);
        parse_checked(long_text, copies * size, 0, 600);
        free(long_text);
    }
    free(text);
    return 0;
}
