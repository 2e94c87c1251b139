/* test_fetchpolicy.c — the library's own guards, with no command line in front of them: what a
 * program that fills afetch_options itself gets. Real libcurl transfers, to 127.0.0.1 only. */
#include "afetch.h"
#include "listener.h"
#include "tap.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct one {
    const char *url;
    bool pulled;
    char code[32];
};

static afetch_next next_request(void *arg, afetch_request *req)
{
    struct one *one = arg;
    if (one->pulled)
        return AFETCH_NEXT_END;
    one->pulled = true;
    *req = (afetch_request){.url = one->url};
    return AFETCH_NEXT_ENTRY;
}

static void deliver(void *arg, const afetch_result *r)
{
    struct one *one = arg;
    snprintf(one->code, sizeof one->code, "%s", r->ok ? "ok" : r->error_code);
}

/* The error code of fetching url once with opts, in sync mode; "ok" when it worked. */
static const char *fetch_code(const afetch_options *opts, const char *url, struct one *one)
{
    *one = (struct one){.url = url};
    snprintf(one->code, sizeof one->code, "nothing delivered");
    afetch_stream stream = {
        .next = next_request, .next_arg = one, .deliver = deliver, .deliver_arg = one};
    afetch_summary summary;
    if (afetch_run_sync(opts, &stream, &summary) != 0)
        snprintf(one->code, sizeof one->code, "run failed");
    return one->code;
}

/* Without the environment ignored, libcurl would look the proxy up (dns) instead of judging
 * 127.0.0.1 (denied); no packet leaves the machine either way. */
static void deny_private_ignores_proxy_environment(struct tap *t)
{
    afetch_options opts;
    afetch_options_init(&opts);
    opts.timeout = 10;
    struct one one;
    const char *variables[] = {"http_proxy", "all_proxy", "ALL_PROXY"};
    for (size_t i = 0; i < sizeof variables / sizeof variables[0]; i++) {
        setenv(variables[i], "http://nosuchproxy.invalid:1/", 1);
        opts.deny_private = true;
        const char *code = fetch_code(&opts, "http://127.0.0.1:1/", &one);
        ok(t, strcmp(code, "denied") == 0, "deny_private with %s set: denied (got %s)",
           variables[i], code);
        opts.deny_private = false;
        code = fetch_code(&opts, "http://127.0.0.1:1/", &one);
        ok(t, strcmp(code, "dns") == 0, "without deny_private, %s is used: dns (got %s)",
           variables[i], code);
        unsetenv(variables[i]);
    }
}

/* libcurl reads a timeout of 0 ms as none: 0.0004 s must be 1 ms, not a hang (alarm ends it). */
static void tiny_timeout_is_not_unlimited(struct tap *t)
{
    unsigned port = 0;
    int listener = loopback_listener(8, &port); /* the kernel connects; nobody answers */
    if (!ok(t, listener >= 0, "a silent listener on 127.0.0.1"))
        return;
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/", port);
    afetch_options opts;
    afetch_options_init(&opts);
    opts.timeout = 0.0004;
    opts.low_speed_time = 0; /* else the low-speed guard would end the wait after 20 s */
    struct one one;
    const char *code = fetch_code(&opts, url, &one);
    ok(t, strcmp(code, "timeout") == 0, "timeout 0.0004 against a silent server: timeout (got %s)",
       code);
    close(listener);
}

int main(void)
{
    struct tap t = {0};
    /* a guard against a hang that would be a failure too: SIGALRM ends the test */
    alarm(60);
    if (afetch_global_init() != 0) {
        ok(&t, 0, "libcurl starts");
        return tap_done(&t);
    }
    deny_private_ignores_proxy_environment(&t);
    tiny_timeout_is_not_unlimited(&t);
    afetch_global_cleanup();
    return tap_done(&t);
}
