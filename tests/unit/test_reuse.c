/* test_reuse.c — a loop's connections across runs. A stream run of many transfers ends in a
 * closing round (engine.c): once its input is over, each transfer's connection closes with
 * it. The loop may run again: a gather on it afterwards keeps its connection, as a loop that
 * never had a closing round does. A small keep-alive HTTP server on 127.0.0.1 (threads of this
 * test, one a connection) counts the connections open at each moment. */
#include "afetch.h"
#include "listener.h"
#include "tap.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { RUN_URLS = 150 };

static atomic_int open_connections;

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Answers requests on one connection until the client closes it: "/slow" after 400 ms, the
 * rest at once, each "ok" with keep-alive. */
static void *serve_connection(void *arg)
{
    int conn = (int)(intptr_t)arg;
    char req[4096];
    size_t len = 0;
    ssize_t got;
    while ((got = read(conn, req + len, sizeof req - 1 - len)) > 0) {
        len += (size_t)got;
        req[len] = '\0';
        char *end = strstr(req, "\r\n\r\n");
        if (!end) {
            if (len == sizeof req - 1)
                break;
            continue;
        }
        if (strncmp(req, "GET /slow", 9) == 0)
            sleep_ms(400);
        static const char answer[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n";
        if (write(conn, answer, sizeof answer - 1) != (ssize_t)(sizeof answer - 1))
            break;
        size_t used = (size_t)(end + 4 - req);
        memmove(req, req + used, len - used);
        len -= used;
    }
    atomic_fetch_sub(&open_connections, 1);
    close(conn);
    return NULL;
}

static void *accept_loop(void *arg)
{
    int fd = *(int *)arg, conn;
    while ((conn = accept(fd, NULL, NULL)) >= 0) {
        atomic_fetch_add(&open_connections, 1);
        pthread_t thread;
        if (pthread_create(&thread, NULL, serve_connection, (void *)(intptr_t)conn) == 0)
            pthread_detach(thread);
        else
            serve_connection((void *)(intptr_t)conn);
    }
    return NULL;
}

/* The connections open once they stop changing for 200 ms (at most 5 s of waiting). */
static int settled_connections(void)
{
    int last = atomic_load(&open_connections);
    for (int waited = 0; waited < 5000; waited += 200) {
        sleep_ms(200);
        int now = atomic_load(&open_connections);
        if (now == last)
            return now;
        last = now;
    }
    return last;
}

struct list {
    char fast[64], slow[64];
    size_t next;
};

/* afetch_next_fn: RUN_URLS slow URLs, fewer than -j: the loop reads the end of the list before
 * any transfer ends, and all of them run in the closing round. */
static afetch_next next_url(void *arg, afetch_request *req)
{
    struct list *l = arg;
    if (l->next == RUN_URLS)
        return AFETCH_NEXT_END;
    l->next++;
    req->url = l->slow;
    return AFETCH_NEXT_ENTRY;
}

static void count_ok(void *arg, const afetch_result *r)
{
    *(size_t *)arg += r->ok;
}

int main(void)
{
    struct tap t = {0};
    unsigned port = 0;
    int fd = loopback_listener(512, &port);
    pthread_t server;
    if (fd < 0 || pthread_create(&server, NULL, accept_loop, &fd) != 0) {
        puts("Bail out! no server on 127.0.0.1");
        return 1;
    }
    afetch_global_init();
    struct list list = {0};
    snprintf(list.fast, sizeof list.fast, "http://127.0.0.1:%u/fast", port);
    snprintf(list.slow, sizeof list.slow, "http://127.0.0.1:%u/slow", port);

    afetch_options opts;
    afetch_options_init(&opts);
    opts.parallel = 200;
    opts.loops = 1;
    opts.timeout = 20;
    afetch_loop *loop = afetch_loop_new(&opts);
    if (!ok(&t, loop != NULL, "a loop"))
        return tap_done(&t);

    size_t fetched = 0;
    afetch_stream stream = {
        .next = next_url, .next_arg = &list, .deliver = count_ok, .deliver_arg = &fetched};
    afetch_summary summary;
    int rc = afetch_run_stream(loop, &stream, &summary);
    ok(&t, rc == 0 && fetched == RUN_URLS, "the stream run fetched all %d (%zu ok)", RUN_URLS,
       fetched);
    int after_run = settled_connections();
    ok(&t, after_run == 0, "its closing round closed every connection (%d open)", after_run);

    afetch_future *f = afetch_fetch(loop, &(afetch_request){.url = list.fast});
    size_t failed = f ? afetch_gather(loop, &f, 1, AFETCH_RETURN_ERRORS) : 1;
    ok(&t, failed == 0, "a gather on the same loop afterwards");
    int after_gather = settled_connections();
    ok(&t, after_gather >= 1,
       "the gather's connection stays open: the closing round ended with its run (%d open)",
       after_gather);

    afetch_future_free(f);
    afetch_loop_free(loop);
    afetch_global_cleanup();
    shutdown(fd, SHUT_RDWR);
    close(fd);
    pthread_join(server, NULL);
    return tap_done(&t);
}
