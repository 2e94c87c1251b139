/* test_redirect.c — the redirect rules without a network: which header names are credentials,
 * the method after each status, Location resolution, and what goes along to each hop of a
 * chain (origin, sticky leaving, https -> http, --location-trusted, URL credentials). */
#include "redirect.h"
#include "tap.h"

#include <string.h>

static void test_credential_names(struct tap *t)
{
    static const char *const credentials[] = {
        "Authorization: Bearer x",
        "Proxy-Authorization: Basic x",
        "Cookie: a=b",
        "X-Api-Key: k",
        "X-Auth-Token: t",
        "X-Session-Id: s",
        "x-client-secret: s",
        "X-CSRF-TOKEN: t",
        "Set-Cookie2: x",
        "X-Password: p",
        "X-Credentials: c",
        "X-Token;",
    };
    static const char *const others[] = {
        "X-Trace: auth token key secret", "Accept: */*",     "User-Agent: keyboard",
        "Content-Type: text/plain",       "X-Request-Id: 1",
    };
    for (size_t i = 0; i < sizeof credentials / sizeof credentials[0]; i++)
        ok(t, redirect_credential_header(credentials[i]), "'%s' is a credential", credentials[i]);
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
        ok(t, !redirect_credential_header(others[i]), "'%s' is not", others[i]);
}

static void test_methods(struct tap *t)
{
    ok(t, strcmp(redirect_method("POST", 303), "GET") == 0, "POST 303 -> GET");
    ok(t, strcmp(redirect_method("PUT", 303), "GET") == 0, "PUT 303 -> GET");
    ok(t, strcmp(redirect_method("HEAD", 303), "HEAD") == 0, "HEAD 303 stays HEAD");
    ok(t, strcmp(redirect_method("POST", 301), "GET") == 0, "POST 301 -> GET");
    ok(t, strcmp(redirect_method("POST", 302), "GET") == 0, "POST 302 -> GET");
    ok(t, strcmp(redirect_method("PUT", 302), "PUT") == 0, "PUT 302 stays PUT");
    ok(t, strcmp(redirect_method("POST", 307), "POST") == 0, "POST 307 stays POST");
    ok(t, strcmp(redirect_method("POST", 308), "POST") == 0, "POST 308 stays POST");
    ok(t, strcmp(redirect_method("DELETE", 301), "DELETE") == 0, "DELETE 301 stays");
    ok(t, !redirect_keeps_body("POST", 303) && !redirect_keeps_body("GET", 303),
       "303 drops the body, even a GET's");
    ok(t, !redirect_keeps_body("POST", 302) && !redirect_keeps_body("POST", 301),
       "POST 301/302 drops it");
    ok(t,
       redirect_keeps_body("PUT", 302) && redirect_keeps_body("POST", 307) &&
           redirect_keeps_body("PATCH", 308),
       "PUT 302, POST 307, PATCH 308 keep it");
}

static bool has_header(const struct curl_slist *list, const char *prefix)
{
    for (; list; list = list->next)
        if (strncmp(list->data, prefix, strlen(prefix)) == 0)
            return true;
    return false;
}

struct fixture {
    afetch_options opts;
    struct curl_slist *all;
    struct redirect_chain chain;
    char msg[256];
};

static void fixture_start(struct fixture *f, const char *url)
{
    afetch_options_init(&f->opts);
    f->all = NULL;
    f->all = curl_slist_append(f->all, "Authorization: Bearer a");
    f->all = curl_slist_append(f->all, "X-Api-Key: k");
    f->all = curl_slist_append(f->all, "X-Trace: t");
    f->all = curl_slist_append(f->all, "Host: origin.test");
    redirect_init(&f->chain);
    redirect_start(&f->chain, url, "GET", NULL);
}

static void fixture_end(struct fixture *f)
{
    redirect_release(&f->chain);
    curl_slist_free_all(f->all);
}

static enum err_code hop(struct fixture *f, const char *location)
{
    return redirect_follow(&f->chain, location, 302, &f->opts, f->all, f->msg, sizeof f->msg);
}

/* which of the fixture's headers the current hop sends: "AKTH" letters */
static const char *sent(const struct fixture *f)
{
    static char out[5];
    const struct curl_slist *h = redirect_headers(&f->chain, f->all);
    char *p = out;
    if (has_header(h, "Authorization"))
        *p++ = 'A';
    if (has_header(h, "X-Api-Key"))
        *p++ = 'K';
    if (has_header(h, "X-Trace"))
        *p++ = 'T';
    if (has_header(h, "Host"))
        *p++ = 'H';
    *p = '\0';
    return out;
}

static void test_chain(struct tap *t)
{
    struct fixture f;
    enum err_code code;
    fixture_start(&f, "http://u:p@a.test/x/y");
    ok(t, strcmp(sent(&f), "AKTH") == 0, "hop 0 sends everything");
    code = hop(&f, "../z?q");
    ok(t, !code && strcmp(f.chain.url, "http://u:p@a.test/z?q") == 0,
       "relative Location resolved with the user info kept: %s", f.chain.url);
    ok(t, strcmp(sent(&f), "AKTH") == 0 && !f.chain.send_credentials, "same origin: all go");
    code = hop(&f, "http://A.TEST:80/abs");
    ok(t, !code && f.chain.send_credentials && strcmp(sent(&f), "AKTH") == 0,
       "same origin spelled otherwise, absolute: all go, credentials through the options");
    code = hop(&f, "//b.test/");
    ok(t,
       !code && strcmp(f.chain.url, "http://b.test/") == 0 && !f.chain.send_credentials &&
           strcmp(sent(&f), "T") == 0,
       "another host: only X-Trace (got %s, %s)", sent(&f), f.chain.url);
    code = hop(&f, "http://a.test/back");
    ok(t, !code && !f.chain.send_credentials && strcmp(sent(&f), "TH") == 0,
       "back at the origin: still no credential (got %s)", sent(&f));
    ok(t, f.chain.count == 4, "four redirects counted");
    fixture_end(&f);

    fixture_start(&f, "http://a.test/");
    code = hop(&f, "http://a.test:8080/");
    ok(t, !code && strcmp(sent(&f), "T") == 0, "another port: only X-Trace");
    fixture_end(&f);

    fixture_start(&f, "http://a.test/");
    code = hop(&f, "https://a.test/");
    ok(t, !code && strcmp(sent(&f), "T") == 0, "http -> https is another origin: only X-Trace");
    fixture_end(&f);

    fixture_start(&f, "https://u:p@a.test/");
    f.opts.location_trusted = true;
    code = hop(&f, "https://b.test/");
    ok(t, !code && strcmp(sent(&f), "AKT") == 0 && f.chain.send_credentials,
       "trusted: credentials go to another host (got %s)", sent(&f));
    code = hop(&f, "http://u2:p2@b.test/");
    ok(t,
       !code && strcmp(sent(&f), "") == 0 && !f.chain.send_credentials &&
           strcmp(f.chain.url, "http://b.test/") == 0,
       "https -> http: nothing at all, trusted or not (got %s, %s)", sent(&f), f.chain.url);
    code = hop(&f, "https://a.test/");
    ok(t, !code && strcmp(sent(&f), "") == 0, "and nothing for the rest of the chain");
    fixture_end(&f);

    fixture_start(&f, "a.test:8443/");
    code = hop(&f, "https://a.test:8443/b");
    ok(t, !code && strcmp(sent(&f), "AKTH") == 0, "a scheme-less first URL is https");
    fixture_end(&f);
}

/* A login (-u, an entry's user) goes where URL user info would, and wins over it. */
static void test_login(struct tap *t)
{
    struct fixture f;
    afetch_options_init(&f.opts);
    f.all = NULL;
    redirect_init(&f.chain);
    redirect_start(&f.chain, "http://url:info@a.test/", "POST", "u:p:w");
    ok(t,
       f.chain.send_credentials && strcmp(f.chain.user, "u") == 0 &&
           strcmp(f.chain.password, "p:w") == 0,
       "hop 0 sends the login, split at the first colon, over the URL's user info");
    ok(t, !hop(&f, "http://x:y@a.test/own") && f.chain.send_credentials,
       "at the origin it goes on, also to a Location with user info of its own");
    ok(t, !hop(&f, "http://b.test/") && !f.chain.send_credentials, "not to another host");
    ok(t, !hop(&f, "http://a.test/") && !f.chain.send_credentials, "nor back at the origin");
    ok(t, f.chain.body_dropped && strcmp(f.chain.method, "GET") == 0,
       "the first 302 made the POST a GET without its body");
    fixture_end(&f);

    redirect_init(&f.chain);
    f.opts.location_trusted = true;
    redirect_start(&f.chain, "https://a.test/", "PUT", "u:");
    ok(t, strcmp(f.chain.password, "") == 0, "\"u:\" is an empty password");
    ok(t, !hop(&f, "https://b.test/") && f.chain.send_credentials, "trusted: to another host");
    ok(t, !hop(&f, "http://b.test/") && !f.chain.send_credentials, "never from https to http");
    fixture_end(&f);
}

static void test_body_dropped(struct tap *t)
{
    struct fixture f;
    fixture_start(&f, "http://a.test/");
    f.chain.method = "POST";
    enum err_code code = redirect_follow(&f.chain, "/b", 307, &f.opts, f.all, f.msg, sizeof f.msg);
    ok(t, !code && !f.chain.body_dropped && strcmp(f.chain.method, "POST") == 0,
       "307 keeps the method and the body");
    code = redirect_follow(&f.chain, "/c", 303, &f.opts, f.all, f.msg, sizeof f.msg);
    ok(t, !code && f.chain.body_dropped && strcmp(f.chain.method, "GET") == 0, "303: GET, no body");
    code = redirect_follow(&f.chain, "/d", 307, &f.opts, f.all, f.msg, sizeof f.msg);
    ok(t, !code && f.chain.body_dropped, "and no body for the rest of the chain");
    redirect_start(&f.chain, "http://a.test/", "POST", NULL);
    ok(t, !f.chain.body_dropped && !f.chain.send_credentials, "a new start forgets it");
    fixture_end(&f);
}

static void test_errors(struct tap *t)
{
    struct fixture f;
    fixture_start(&f, "http://a.test/");
    f.opts.max_redirects = 1;
    enum err_code code = hop(&f, "/1");
    ok(t, !code, "first redirect within the limit");
    code = hop(&f, "/2");
    ok(t,
       code == ERR_TOO_MANY_REDIRECTS && f.chain.count == 1 &&
           strcmp(f.chain.url, "http://a.test/1") == 0,
       "the second is too many, and the chain stays where it was");
    fixture_end(&f);

    fixture_start(&f, "http://a.test/");
    code = hop(&f, "http://[::1");
    ok(t, code == ERR_BAD_RESPONSE && f.msg[0], "no URL: %s", f.msg);
    code = hop(&f, "foo://a.test/");
    ok(t, code == ERR_PROTOCOL, "unknown scheme: protocol");
    code = hop(&f, "/with space");
    ok(t, !code && strcmp(f.chain.url, "http://a.test/with%20space") == 0,
       "a space is encoded, as libcurl's following does: %s", f.chain.url);
    fixture_end(&f);
}

int main(void)
{
    struct tap t = {0};
    test_credential_names(&t);
    test_methods(&t);
    test_chain(&t);
    test_login(&t);
    test_body_dropped(&t);
    test_errors(&t);
    return tap_done(&t);
}
