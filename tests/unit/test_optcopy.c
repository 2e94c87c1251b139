/* test_optcopy.c — afetch_loop_new copies the options it keeps: the caller builds them (the
 * struct and every string and list) on the heap, makes a loop, then scribbles over and frees
 * them all before the loop runs a single transfer. A small HTTP server on 127.0.0.1 (a thread
 * of this test) answers each request with the request's own head as its body, so the result
 * shows what was sent: the user agent, headers, cookie, method and body of the copied
 * options. Under ASan a loop that still reads the caller's memory is a use-after-free. */
#include "afetch.h"
#include "listener.h"
#include "tap.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Answers one connection: reads the request up to its blank line (and the body that
 * Content-Length announces), then sends all of it back as the body. */
static void echo_one(int conn)
{
    char req[8192];
    size_t len = 0;
    ssize_t got;
    while (len < sizeof req - 1 && (got = read(conn, req + len, sizeof req - 1 - len)) > 0) {
        len += (size_t)got;
        req[len] = '\0';
        char *end = strstr(req, "\r\n\r\n");
        if (!end)
            continue;
        const char *cl = strstr(req, "Content-Length: ");
        size_t want = (size_t)(end + 4 - req) + (cl && cl < end ? strtoul(cl + 16, NULL, 10) : 0);
        if (len >= want)
            break;
    }
    char head[128];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n",
                     len);
    if (write(conn, head, (size_t)n) != n || write(conn, req, len) != (ssize_t)len)
        perror("echo server: write");
    close(conn);
}

static void *serve(void *arg)
{
    int fd = *(int *)arg, conn;
    while ((conn = accept(fd, NULL, NULL)) >= 0)
        echo_one(conn);
    return NULL;
}

/* A heap copy of s, as a caller's own string would be. */
static char *own(const char *s)
{
    char *copy = strdup(s);
    if (!copy)
        abort();
    return copy;
}

/* Overwrites s with 'X's and frees it: the loop must not see either. */
static void scrub(char *s)
{
    memset(s, 'X', strlen(s));
    free(s);
}

struct caller {
    afetch_options *opts;
    char *user_agent, *method, *body, *body_type, *cookie, *protocols, *header, *jar;
    const char **headers;
    afetch_status_range *accept;
};

static void build(struct caller *c, const char *jar)
{
    c->opts = malloc(sizeof *c->opts);
    c->headers = malloc(sizeof *c->headers);
    c->accept = malloc(sizeof *c->accept);
    if (!c->opts || !c->headers || !c->accept)
        abort();
    afetch_options_init(c->opts);
    c->opts->timeout = 20;
    c->opts->body_max = 4096;
    c->opts->user_agent = c->user_agent = own("copied-agent/1");
    c->opts->method = c->method = own("PUT");
    c->opts->body = c->body = own("copied-body");
    c->opts->body_size = strlen(c->body);
    c->opts->body_type = c->body_type = own("text/x-copied");
    c->opts->cookie = c->cookie = own("crumb=copied");
    c->opts->protocols = c->protocols = own("http");
    c->opts->cookie_jar = c->jar = own(jar);
    c->headers[0] = c->header = own("X-Copied: yes");
    c->opts->headers = c->headers;
    c->opts->header_count = 1;
    *c->accept = (afetch_status_range){200, 200};
    c->opts->accept = c->accept;
    c->opts->accept_count = 1;
}

static void destroy(struct caller *c)
{
    scrub(c->user_agent);
    scrub(c->method);
    scrub(c->body);
    scrub(c->body_type);
    scrub(c->cookie);
    scrub(c->protocols);
    scrub(c->header);
    scrub(c->jar);
    memset(c->headers, 0xff, sizeof *c->headers);
    free(c->headers);
    *c->accept = (afetch_status_range){500, 599}; /* would make the 200 an "http" failure */
    free(c->accept);
    memset(c->opts, 0xff, sizeof *c->opts);
    free(c->opts);
}

static bool sent(const afetch_result *r, const char *line)
{
    return r && r->body && strstr(r->body, line);
}

int main(void)
{
    struct tap t = {0};
    unsigned port = 0;
    int fd = loopback_listener(8, &port);
    pthread_t server;
    if (fd < 0 || pthread_create(&server, NULL, serve, &fd) != 0) {
        puts("Bail out! no server on 127.0.0.1");
        return 1;
    }
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/echo", port);
    afetch_global_init();

    char dir[] = "/tmp/afetch-test-optcopy-XXXXXX", jar[sizeof dir + 8];
    if (!mkdtemp(dir)) {
        puts("Bail out! no temporary directory");
        return 1;
    }
    snprintf(jar, sizeof jar, "%s/jar", dir);
    struct caller c;
    build(&c, jar);
    afetch_loop *loop = afetch_loop_new(c.opts);
    destroy(&c);
    if (!ok(&t, loop != NULL, "a loop made from the options"))
        return tap_done(&t);
    afetch_future *fs[2] = {afetch_fetch(loop, &(afetch_request){.url = url}),
                            afetch_fetch(loop, &(afetch_request){.url = url})};
    size_t failed = afetch_gather(loop, fs, 2, AFETCH_RETURN_ERRORS);
    const afetch_result *r = afetch_future_result(fs[0]);
    ok(&t, failed == 0 && r && r->ok && r->status == 200,
       "both fetched, status 200 accepted by the copied accept list (failed %zu, %s)", failed,
       r && r->error_code ? r->error_code : "ok");
    ok(&t, sent(r, "PUT /echo HTTP/1.1\r\n"), "the copied method was sent");
    ok(&t, sent(r, "\r\nUser-Agent: copied-agent/1\r\n"), "the copied user agent was sent");
    ok(&t, sent(r, "\r\nX-Copied: yes\r\n"), "the copied header was sent");
    ok(&t, sent(r, "\r\nCookie: crumb=copied\r\n"), "the copied cookie was sent");
    ok(&t, sent(r, "\r\nContent-Type: text/x-copied\r\n"), "the copied body type was sent");
    ok(&t, sent(r, "\r\n\r\ncopied-body"), "the copied body was sent");
    ok(&t, !sent(r, "XXX"), "nothing of the scrubbed strings was sent");
    ok(&t, sent(afetch_future_result(fs[1]), "\r\nUser-Agent: copied-agent/1\r\n"),
       "the second transfer sends the same");
    ok(&t, afetch_loop_save_cookies(loop) == 0 && access(jar, F_OK) == 0,
       "the cookie jar goes to the copied path");
    if (r && r->body && t.failed)
        printf("# the server saw:\n# %s\n", r->body);
    for (size_t i = 0; i < 2; i++)
        afetch_future_free(fs[i]);
    afetch_loop_free(loop);
    afetch_global_cleanup();
    shutdown(fd, SHUT_RDWR);
    close(fd);
    pthread_join(server, NULL);
    unlink(jar);
    rmdir(dir);
    return tap_done(&t);
}
