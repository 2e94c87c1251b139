/* closest.c — afetch_closest_name: which known name a mistyped one was meant to be, for the
 * "did you mean" of an unknown option, config key or list-entry key. Names are matched only in
 * full everywhere; this only ever suggests. */
#include "afetch_tool.h"

#include <string.h>
#include <strings.h>

/* Longer names are never guessed at; every name afetch knows is far shorter. */
enum { LONGEST = 64, MOST_EDITS = 2 };

static char fold(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static size_t smallest(size_t a, size_t b, size_t c)
{
    size_t m = a < b ? a : b;
    return m < c ? m : c;
}

/* Edits from a (n bytes) to b (m bytes, both at most LONGEST): insertions, deletions,
 * replacements and swaps of two neighbours (optimal string alignment), ASCII case ignored.
 * Keeps three rows of the table: row i lives in rows[i % 3]. */
static size_t edits(const char *a, size_t n, const char *b, size_t m)
{
    size_t rows[3][LONGEST + 1];
    for (size_t j = 0; j <= m; j++)
        rows[0][j] = j;
    for (size_t i = 1; i <= n; i++) {
        size_t *row = rows[i % 3], *up = rows[(i + 2) % 3], *up2 = rows[(i + 1) % 3];
        row[0] = i;
        for (size_t j = 1; j <= m; j++) {
            size_t replace = up[j - 1] + (fold(a[i - 1]) != fold(b[j - 1]));
            row[j] = smallest(up[j] + 1, row[j - 1] + 1, replace);
            bool swapped = i > 1 && j > 1 && fold(a[i - 1]) == fold(b[j - 2]) &&
                           fold(a[i - 2]) == fold(b[j - 1]);
            if (swapped && up2[j - 2] + 1 < row[j])
                row[j] = up2[j - 2] + 1;
        }
    }
    return rows[n % 3][m];
}

const char *afetch_closest_name(const char *typed, const char *const *names, size_t count)
{
    size_t len = strlen(typed), best_edits = MOST_EDITS + 1, prefixed_count = 0;
    const char *best = NULL, *prefixed = NULL;
    bool tied = false;
    for (size_t i = 0; i < count; i++) {
        size_t n = strlen(names[i]);
        if (len > 0 && n > len && strncasecmp(names[i], typed, len) == 0) {
            prefixed = names[i];
            prefixed_count++;
        }
        if (len > LONGEST || n > LONGEST || (len > n ? len - n : n - len) > MOST_EDITS)
            continue;
        size_t d = edits(typed, len, names[i], n);
        if (d < best_edits) {
            best = names[i];
            best_edits = d;
            tied = false;
        } else if (d == best_edits) {
            tied = true;
        }
    }
    /* as many edits as letters typed would turn anything short into anything short */
    if (best && !tied && best_edits < len)
        return best;
    return prefixed_count == 1 ? prefixed : NULL;
}
