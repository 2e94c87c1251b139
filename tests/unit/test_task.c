/* test_task.c — a task's memory on the path where making it fails. libcurl's allocator is
 * swapped (curl_global_init_mem) for the C library's, except that it refuses to copy one marked
 * header line: task_new then fails after it converted an IDN host to punycode. Whatever it had
 * allocated must go with it; the unit suites run under ASan's leak checker (build/asan) and
 * valgrind, which fail the binary on a leak. */
#include "task.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

#define REFUSED "X-Refused-Copy:"

static void *alloc(size_t size)
{
    return malloc(size);
}

static void release(void *p)
{
    free(p);
}

static void *resize(void *p, size_t size)
{
    return realloc(p, size);
}

static void *zeroed(size_t count, size_t size)
{
    return calloc(count, size);
}

/* curl_slist_append copies each line with this: the marked one fails as if memory ran out. */
static char *copy(const char *s)
{
    return strncmp(s, REFUSED, strlen(REFUSED)) == 0 ? NULL : strdup(s);
}

static void cancel(afetch_future *f)
{
    future_settle_cancelled(f);
}

static void drop(afetch_future *f)
{
    task_free((struct task *)f);
}

static const struct future_ops ops = {.cancel = cancel, .release = drop};

int main(void)
{
    struct tap t = {0};
    if (curl_global_init_mem(CURL_GLOBAL_DEFAULT, alloc, release, resize, copy, zeroed) !=
        CURLE_OK) {
        puts("Bail out! curl_global_init_mem failed");
        return 1;
    }
    afetch_options opts;
    afetch_options_init(&opts);
    const char *refused[] = {REFUSED " 1"};

    afetch_request idn = {.url = "http://b\xC3\xBC"
                                 "cher.example/",
                          .headers = refused,
                          .header_count = 1};
    ok(&t, task_new(&idn, 0, &opts, &ops) == NULL,
       "an IDN URL whose headers cannot be copied: no task (and nothing leaks)");

    afetch_request plain = {.url = "http://example.test/", .headers = refused, .header_count = 1};
    ok(&t, task_new(&plain, 1, &opts, &ops) == NULL,
       "a plain URL whose headers cannot be copied: no task (and nothing leaks)");

    const char *fine[] = {"X-Fine: 1"};
    idn.headers = fine;
    struct task *made = task_new(&idn, 2, &opts, &ops);
    ok(&t, made && made->ascii_url && strstr(made->ascii_url, "xn--bcher-kva.example"),
       "with headers that copy, the task holds the punycode URL");
    afetch_future_free(made ? &made->future : NULL);

    curl_global_cleanup();
    return tap_done(&t);
}
