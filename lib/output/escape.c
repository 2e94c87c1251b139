/* escape.c — UTF-8 checking and repair, and the one terminal escaper. */
#include "escape.h"

#include "afetch_tool.h"

#include <stdio.h>
#include <string.h>

size_t utf8_sequence(const unsigned char *s, size_t len)
{
    if (len == 0)
        return 0;
    if (s[0] < 0x80)
        return 1;
    size_t need = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 ? 2 : 0;
    if (need == 0 || s[0] > 0xF4 || need > len)
        return 0;
    unsigned cp = s[0] & (0x7Fu >> need);
    for (size_t i = 1; i < need; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3Fu);
    }
    bool overlong = (need == 3 && cp < 0x800) || (need == 4 && cp < 0x10000);
    bool not_scalar = cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF);
    return overlong || not_scalar ? 0 : need;
}

/* Appends n bytes to out while there is room (keeping one byte for the NUL); counts them all. */
static void append(char *out, size_t size, size_t *used, const char *bytes, size_t n)
{
    if (*used < size) {
        size_t room = size - 1 - *used;
        memcpy(out + *used, bytes, n < room ? n : room);
    }
    *used += n;
}

static size_t terminate(char *out, size_t size, size_t used)
{
    if (size > 0)
        out[used < size ? used : size - 1] = '\0';
    return used;
}

/* How many bytes from p on are ASCII. */
static size_t ascii_run(const unsigned char *p, size_t len)
{
    size_t n = 0;
    while (n < len && p[n] < 0x80)
        n++;
    return n;
}

size_t utf8_repair(const char *s, size_t len, char *out, size_t size)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t used = 0;
    for (size_t i = 0; i < len;) {
        size_t ascii = ascii_run(p + i, len - i); /* most text: one copy, not one a byte */
        if (ascii) {
            append(out, size, &used, s + i, ascii);
            i += ascii;
            continue;
        }
        size_t n = utf8_sequence(p + i, len - i);
        if (n) {
            append(out, size, &used, s + i, n);
            i += n;
        } else {
            append(out, size, &used, "\xEF\xBF\xBD", 3);
            i++;
        }
    }
    return terminate(out, size, used);
}

/* The code point of the valid n-byte UTF-8 sequence at p. */
static unsigned code_point(const unsigned char *p, size_t n)
{
    unsigned cp = n == 1 ? p[0] : p[0] & (0x7Fu >> n);
    for (size_t i = 1; i < n; i++)
        cp = (cp << 6) | (p[i] & 0x3Fu);
    return cp;
}

/* Valid characters a terminal would still act on instead of show: the C1 controls (CSI is
 * 0x9B), the bidi marks, embeddings, overrides and isolates that reorder the text around them
 * ("Trojan Source"), and the line and paragraph separators. */
static bool unshowable(unsigned cp)
{
    return (cp >= 0x80 && cp <= 0x9F) || cp == 0x061C || cp == 0x200E || cp == 0x200F ||
           (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

size_t afetch_escape_terminal(const char *s, size_t len, char *out, size_t size)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t used = 0;
    for (size_t i = 0; i < len;) {
        size_t n = utf8_sequence(p + i, len - i);
        char escaped[8];
        if (n == 0 || p[i] < 0x20 || p[i] == 0x7F) {
            snprintf(escaped, sizeof escaped, "\\x%02X", p[i]);
            append(out, size, &used, escaped, 4);
            i++;
        } else if (n > 1 && unshowable(code_point(p + i, n))) {
            snprintf(escaped, sizeof escaped, "\\u%04X", code_point(p + i, n));
            append(out, size, &used, escaped, 6);
            i += n;
        } else {
            append(out, size, &used, s + i, n);
            i += n;
        }
    }
    return terminate(out, size, used);
}

struct range {
    unsigned first, last;
};

static bool in_ranges(unsigned cp, const struct range *r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (cp >= r[i].first && cp <= r[i].last)
            return true;
    return false;
}

/* Columns of one character (Unicode's East Asian Width W/F and the emoji blocks; combining
 * marks, zero-width spaces and joiners, variation selectors). */
static size_t char_columns(unsigned cp)
{
    static const struct range none[] = {
        {0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x0610, 0x061A},
        {0x064B, 0x065F}, {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF}, {0x200B, 0x200F},
        {0x20D0, 0x20FF}, {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F}, {0xE0100, 0xE01EF},
    };
    static const struct range wide[] = {
        {0x1100, 0x115F},   {0x2E80, 0x303E},   {0x3041, 0x33FF},   {0x3400, 0x4DBF},
        {0x4E00, 0x9FFF},   {0xA000, 0xA4CF},   {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},
        {0xFE30, 0xFE4F},   {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},   {0x1F300, 0x1F64F},
        {0x1F900, 0x1F9FF}, {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD},
    };
    if (cp < 0x300)
        return 1;
    if (in_ranges(cp, none, sizeof none / sizeof none[0]))
        return 0;
    return in_ranges(cp, wide, sizeof wide / sizeof wide[0]) ? 2 : 1;
}

/* Walks s while the characters fit in columns; the columns they take, and in *bytes (if not
 * NULL) their length. A stray byte counts as one column. */
static size_t utf8_fit_columns(const char *s, size_t len, size_t columns, size_t *bytes)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t used = 0, i = 0;
    while (i < len) {
        size_t n = utf8_sequence(p + i, len - i);
        size_t width = n ? char_columns(code_point(p + i, n)) : 1;
        if (used + width > columns)
            break;
        used += width;
        i += n ? n : 1;
    }
    if (bytes)
        *bytes = i;
    return used;
}

size_t afetch_text_columns(const char *s, size_t len)
{
    return utf8_fit_columns(s, len, (size_t)-1, NULL);
}

size_t afetch_text_fit(const char *s, size_t len, size_t columns)
{
    size_t bytes;
    utf8_fit_columns(s, len, columns, &bytes);
    return bytes;
}

size_t json_escape_controls(const char *json, size_t len, char *out, size_t size)
{
    const unsigned char *p = (const unsigned char *)json;
    size_t used = 0;
    if (!memchr(json, 0x7F, len) && !memchr(json, 0xC2, len)) { /* nearly every line */
        append(out, size, &used, json, len);
        return terminate(out, size, used);
    }
    for (size_t i = 0; i < len; i++) {
        unsigned code = p[i] == 0x7F                                     ? 0x7F
                        : p[i] == 0xC2 && i + 1 < len && p[i + 1] < 0xA0 ? p[i + 1]
                                                                         : 0;
        if (code >= 0x7F) {
            char escaped[7];
            snprintf(escaped, sizeof escaped, "\\u%04x", code);
            append(out, size, &used, escaped, 6);
            i += code != 0x7F; /* a C1 control is two bytes */
        } else {
            append(out, size, &used, json + i, 1);
        }
    }
    return terminate(out, size, used);
}
