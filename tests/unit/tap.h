/* tap.h — the smallest TAP producer: ok(cond, name) and done(). Each test binary prints a plan
 * at the end and exits non-zero if any check failed. */
#ifndef AFETCH_TAP_H
#define AFETCH_TAP_H

#include <stdio.h>

struct tap {
    int run, failed;
};

#define ok(t, cond, ...) tap_check((t), (cond), __FILE__, __LINE__, __VA_ARGS__)

__attribute__((format(printf, 5, 6))) static inline int
tap_check(struct tap *t, int cond, const char *file, int line, const char *fmt, ...);

#include <stdarg.h>

static inline int tap_check(struct tap *t, int cond, const char *file, int line, const char *fmt,
                            ...)
{
    va_list ap;
    va_start(ap, fmt);
    t->run++;
    printf("%sok %d - ", cond ? "" : "not ", t->run);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    if (!cond) {
        t->failed++;
        printf("#   failed at %s:%d\n", file, line);
    }
    return cond;
}

static inline int tap_done(struct tap *t)
{
    printf("1..%d\n", t->run);
    return t->failed ? 1 : 0;
}

#endif
