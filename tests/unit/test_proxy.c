/* test_proxy.c — the library never puts a proxy URL or its password into a result, even for a
 * proxy libcurl cannot parse (its message quotes the proxy in full). The afetch command refuses
 * such proxies before a run; a library caller may not. No traffic: libcurl fails before it
 * connects. */
#include "afetch.h"
#include "tap.h"

#include <string.h>

/* The error message of fetching a closed port through proxy, or "" when it succeeded. */
static void message_through(const char *proxy, char *out, size_t size)
{
    afetch_options opts;
    afetch_options_init(&opts);
    opts.proxy = proxy;
    opts.connect_timeout = 2;
    afetch_loop *loop = afetch_loop_new(&opts);
    afetch_request req = {.url = "http://127.0.0.1:1/"};
    afetch_future *f = loop ? afetch_fetch(loop, &req) : NULL;
    out[0] = '\0';
    if (f) {
        afetch_gather(loop, &f, 1, AFETCH_RETURN_ERRORS);
        const afetch_result *r = afetch_future_result(f);
        if (r && r->error_message)
            snprintf(out, size, "%s", r->error_message);
    }
    afetch_future_free(f);
    afetch_loop_free(loop);
}

int main(void)
{
    struct tap t = {0};
    if (afetch_global_init() != 0)
        return 1;
    static const char *const proxies[] = {
        "bogus://user:pa55word@127.0.0.1:1", /* "Unsupported proxy scheme for '...'" */
        "http://user:pa55word@[::1",         /* "Unsupported proxy syntax in '...'" */
        "bogus://user:pa%35%35word@127.0.0.1:1",
    };
    char message[600];
    for (size_t i = 0; i < sizeof proxies / sizeof proxies[0]; i++) {
        message_through(proxies[i], message, sizeof message);
        ok(&t, message[0] != '\0', "%s: the transfer failed (%s)", proxies[i], message);
        ok(&t, !strstr(message, "pa55word") && !strstr(message, "pa%35%35word"),
           "%s: no password in the message", proxies[i]);
        ok(&t, !strstr(message, proxies[i]), "%s: no proxy URL in the message", proxies[i]);
    }
    afetch_global_cleanup();
    return tap_done(&t);
}
