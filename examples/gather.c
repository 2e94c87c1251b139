/* gather.c — libafetch from C: fetch the URLs given as arguments as futures on one loop,
 * gather them, and print each result in the order given, like asyncio.gather.
 *
 *   cc gather.c $(pkg-config --cflags --libs afetch)
 *   (or, in the source tree, `make build/examples/gather`)
 *   ./gather https://example.org/ https://example.com/ */
#include "afetch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* s made safe for a terminal (cut to fit buf): a URL or a server's message may hold escape
 * sequences. Results carry no password already. */
static const char *shown(const char *s, char *buf, size_t size)
{
    afetch_escape_terminal(s, strlen(s), buf, size);
    return buf;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s URL...\n", argv[0]);
        return 2;
    }
    size_t n = (size_t)argc - 1;
    afetch_options opts;
    afetch_options_init(&opts);
    opts.timeout = 10;

    afetch_global_init();
    afetch_loop *loop = afetch_loop_new(&opts);
    afetch_future **futures = calloc(n, sizeof *futures);
    if (!loop || !futures) {
        fputs("out of memory\n", stderr);
        return 2;
    }
    for (size_t i = 0; i < n; i++) {
        futures[i] = afetch_fetch(loop, &(afetch_request){.url = argv[i + 1]});
        if (!futures[i]) {
            fputs("out of memory\n", stderr);
            return 2;
        }
    }

    size_t failed = afetch_gather(loop, futures, n, AFETCH_RETURN_ERRORS);

    for (size_t i = 0; i < n; i++) {
        const afetch_result *r = afetch_future_result(futures[i]);
        char url[1024], message[1024];
        if (r->ok)
            printf("%zu %ld %lld bytes %.3f s %s\n", r->index, r->status, (long long)r->bytes,
                   r->time.total, shown(r->url, url, sizeof url));
        else
            printf("%zu %s (%s) %s\n", r->index, r->error_code,
                   shown(r->error_message, message, sizeof message),
                   shown(r->url, url, sizeof url));
        afetch_future_free(futures[i]);
    }
    free(futures);
    afetch_loop_free(loop);
    afetch_global_cleanup();
    return failed ? 1 : 0;
}
