/* escape.c — UTF-8 checking and repair, and the one terminal escaper. */
#include "escape.h"

#include "afetch.h"

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

size_t utf8_repair(const char *s, size_t len, char *out, size_t size)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t used = 0;
    for (size_t i = 0; i < len;) {
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

size_t json_escape_controls(const char *json, size_t len, char *out, size_t size)
{
    const unsigned char *p = (const unsigned char *)json;
    size_t used = 0;
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
