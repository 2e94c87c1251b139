/* test_future.c — the public future API on a real loop with no server: a request that carries
 * an error (failed at birth), a connection refused on 127.0.0.1 (a bound port that does not
 * listen), an entry skipped because its file exists (ok without traffic), and cancellation.
 * Checks afetch_future_state before and after afetch_gather, afetch_future_cancel on pending
 * and settled futures, and what AFETCH_FAIL_FAST cancels. */
#include "afetch.h"
#include "tap.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static char refused_url[64], dir[] = "/tmp/afetch-test-future-XXXXXX", have[sizeof dir + 16];

/* A URL on 127.0.0.1 that refuses connections: its port is bound (so nobody else takes it)
 * but never listened on. Returns the socket, kept open until the end. */
static int refusing_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sa;
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) != 0)
        return -1;
    snprintf(refused_url, sizeof refused_url, "http://127.0.0.1:%u/", ntohs(sa.sin_port));
    return fd;
}

static const char *code_of(const afetch_future *f)
{
    const afetch_result *r = afetch_future_result(f);
    return r ? (r->error_code ? r->error_code : "ok") : "pending";
}

static const afetch_request bad = {.url = "http://bad.test/",
                                   .error_code = AFETCH_E_INVALID_INPUT,
                                   .error_message = "line 1: bad entry"};

static void states_and_cancel(struct tap *t, const afetch_options *opts)
{
    afetch_loop *loop = afetch_loop_new(opts);
    afetch_future *fs[4] = {
        afetch_fetch(loop, &(afetch_request){.url = "http://skip.test/", .output = "have.txt"}),
        afetch_fetch(loop, &(afetch_request){.url = refused_url}),
        afetch_fetch(loop, &(afetch_request){.url = refused_url}),
        afetch_fetch(loop, &bad),
    };
    ok(t, fs[0] && fs[1] && fs[2] && fs[3], "4 futures made");
    ok(t, afetch_future_state(fs[1]) == AFETCH_PENDING && afetch_future_result(fs[1]) == NULL,
       "before the gather a fetched future is PENDING, with no result");
    ok(t, afetch_future_state(fs[3]) == AFETCH_FAILED,
       "a request carrying an error is FAILED at once");
    afetch_future_cancel(fs[2]);
    ok(t, afetch_future_state(fs[2]) == AFETCH_CANCELLED, "cancelling a pending future: CANCELLED");
    ok(t, strcmp(code_of(fs[2]), AFETCH_E_CANCELLED) == 0, "its result says cancelled (got %s)",
       code_of(fs[2]));

    size_t failed = afetch_gather(loop, fs, 4, AFETCH_RETURN_ERRORS);
    ok(t, failed == 3, "gather counts 3 failures: refused, cancelled, bad (got %zu)", failed);
    ok(t, afetch_future_state(fs[0]) == AFETCH_DONE && afetch_future_result(fs[0])->skipped,
       "the skipped entry is DONE (%s)", code_of(fs[0]));
    ok(t,
       afetch_future_state(fs[1]) == AFETCH_FAILED && strcmp(code_of(fs[1]), AFETCH_E_CONNECT) == 0,
       "the refused connection is FAILED with connect (got %s)", code_of(fs[1]));
    ok(t, afetch_future_state(fs[2]) == AFETCH_CANCELLED, "the cancelled one stays CANCELLED");
    ok(t, strcmp(code_of(fs[3]), AFETCH_E_INVALID_INPUT) == 0,
       "the bad entry keeps its own error code (got %s)", code_of(fs[3]));

    afetch_future_cancel(fs[0]);
    afetch_future_cancel(fs[1]);
    ok(t, afetch_future_state(fs[0]) == AFETCH_DONE && strcmp(code_of(fs[0]), "ok") == 0,
       "cancelling a DONE future changes nothing");
    ok(t,
       afetch_future_state(fs[1]) == AFETCH_FAILED && strcmp(code_of(fs[1]), AFETCH_E_CONNECT) == 0,
       "cancelling a FAILED future changes nothing");
    for (size_t i = 0; i < 4; i++)
        afetch_future_free(fs[i]);
    afetch_loop_free(loop);
}

static void fail_fast(struct tap *t, const afetch_options *opts)
{
    enum { N = 6 };
    afetch_loop *loop = afetch_loop_new(opts);
    afetch_future *fs[N];
    fs[0] = afetch_fetch(loop, &bad);
    for (size_t i = 1; i < N; i++)
        fs[i] = afetch_fetch(loop, &(afetch_request){.url = refused_url});
    size_t failed = afetch_gather(loop, fs, N, AFETCH_FAIL_FAST);
    ok(t, failed == N, "fail-fast: every one of %d counts as a failure (got %zu)", N, failed);
    size_t cancelled = 0, settled = 0;
    for (size_t i = 1; i < N; i++) {
        settled += afetch_future_state(fs[i]) != AFETCH_PENDING;
        cancelled += afetch_future_state(fs[i]) == AFETCH_CANCELLED &&
                     strcmp(code_of(fs[i]), AFETCH_E_CANCELLED) == 0;
    }
    ok(t, settled == N - 1, "fail-fast: gather leaves nothing pending");
    ok(t, cancelled == N - 1, "the first failure cancels the other %d (%zu CANCELLED, cancelled)",
       N - 1, cancelled);
    ok(t, afetch_future_state(fs[0]) == AFETCH_FAILED, "the failure that tripped it stays FAILED");
    for (size_t i = 0; i < N; i++)
        afetch_future_free(fs[i]);
    afetch_loop_free(loop);
}

int main(void)
{
    struct tap t = {0};
    int port = refusing_port();
    if (port < 0 || !mkdtemp(dir)) {
        puts("Bail out! no refusing port or no temporary directory");
        return 1;
    }
    snprintf(have, sizeof have, "%s/have.txt", dir);
    FILE *f = fopen(have, "w");
    if (!f || fputs("here\n", f) < 0 || fclose(f) != 0) {
        puts("Bail out! cannot write the existing file");
        return 1;
    }
    afetch_global_init();
    afetch_options opts;
    afetch_options_init(&opts);
    opts.timeout = 10;
    opts.output_dir = dir;
    opts.skip_existing = true;
    states_and_cancel(&t, &opts);
    fail_fast(&t, &opts);
    afetch_global_cleanup();
    close(port);
    unlink(have);
    rmdir(dir);
    return tap_done(&t);
}
