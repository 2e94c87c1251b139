/* test_redact.c — passwords in URLs and error messages: the display form of URLs in their
 * ordinary and odd spellings, messages that quote the password, and the snprintf contract. */
#include "redact.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

static void url(struct tap *t, const char *in, const char *want)
{
    char *got = redact_url_new(in);
    ok(t, got && strcmp(got, want) == 0, "'%s' -> '%s' (got '%s')", in, want, got ? got : "NULL");
    free(got);
}

static void text(struct tap *t, const char *message, const char *request, const char *want)
{
    char *got = redact_text_new(message, request);
    ok(t, got && strcmp(got, want) == 0, "'%s' with %s -> '%s' (got '%s')", message,
       request ? request : "no URL", want, got ? got : "NULL");
    free(got);
}

static void test_urls(struct tap *t)
{
    url(t, "http://user:PASSW0RD@host/", "http://user:***@host/");
    url(t, "https://user:pw@host:8443/a?b=c#d", "https://user:***@host:8443/a?b=c#d");
    url(t, "http://user:pa%40ss@host/", "http://user:***@host/");
    url(t, "http://:pass@host/", "http://:***@host/");
    url(t, "http://user:@host/", "http://user:@host/");
    url(t, "http://user@host/", "http://user@host/");
    url(t, "http://host/", "http://host/");
    url(t, "http://u:p@h", "http://u:***@h");
    url(t, "http://u:p@[::1]:8080/", "http://u:***@[::1]:8080/");
    url(t, "http://u:p@[fe80::1%25eth0]/", "http://u:***@[fe80::1%25eth0]/");
    url(t, "http://[::1]:8080/x@y", "http://[::1]:8080/x@y");
}

static void test_odd_urls(struct tap *t)
{
    url(t, "http://u:p:q@host/", "http://u:***@host/");   /* first ':' splits */
    url(t, "http://u:p@q@host/", "http://u:***@host/");   /* up to the last '@' */
    url(t, "HTTP://u:p@host/", "HTTP://u:***@host/");     /* any case */
    url(t, "http:/u:p@host/", "http:/u:***@host/");       /* libcurl takes one slash */
    url(t, "http:////u:p@host/", "http:////u:***@host/"); /* or many */
    url(t, "user:pw@host/x", "user:***@host/x");          /* no scheme: https */
    url(t, "localhost:8080/x", "localhost:8080/x");       /* no '@', nothing */
    url(t, "http://host/?next=http://a:b@c/", "http://host/?next=http://a:***@c/");
    url(t, "http://host/a:b@c", "http://host/a:b@c"); /* in the path: no userinfo */
    url(t, "http://host?a:b@c", "http://host?a:b@c"); /* in the query: none */
    url(t, "{\"url\": \"http://u:secret@h/\", \"x\": 1}",
        "{\"url\": \"http://u:***@h/\", \"x\": 1}");
    url(t, "", "");
    url(t, "://u:p@h", "://u:***@h");
    url(t, "http://u:p@h:", "http://u:***@h:");
}

static void test_messages(struct tap *t)
{
    const char *req = "http://user:PASSW0RD@nonexistent.invalid/";
    text(t, "Could not resolve host: nonexistent.invalid", req,
         "Could not resolve host: nonexistent.invalid");
    text(t, "URL rejected: http://user:PASSW0RD@nonexistent.invalid/", req,
         "URL rejected: http://user:***@nonexistent.invalid/");
    text(t, "bad password PASSW0RD, PASSW0RD again", req, "bad password ***, *** again");
    text(t, "it said pa@ss and pa%40ss", "http://u:pa%40ss@h/", "it said *** and ***");
    text(t, "redirected to http://x:y@other/", req, "redirected to http://x:***@other/");
    text(t, "no password here: user@host", "http://user@host/", "no password here: user@host");
    text(t, "Failed to connect to ::1 port 1", "http://u:p@[::1]:1/",
         "Failed to connect to ::1 ***ort 1");
    text(t, "message", NULL, "message");
    text(t, "", req, "");
    /* the secret runs into a password of the text: all of both is hidden */
    text(t, "a://u:xyz@h", "http://v::x@h/", "a://u***@h");
}

static void test_contract(struct tap *t)
{
    const char *in = "http://u:secret@h/";
    size_t need = redact_url(in, NULL, 0);
    ok(t, need == strlen("http://u:***@h/"), "size 0: the length needed (%zu)", need);
    char small[12];
    memset(small, 'z', sizeof small);
    ok(t, redact_url(in, small, sizeof small) == need && strcmp(small, "http://u:**") == 0,
       "short buffer: a terminated prefix ('%s')", small);
    char one[1] = {'z'};
    redact_text("x", in, one, 1);
    ok(t, one[0] == '\0', "size 1: just the NUL");
}

int main(void)
{
    struct tap t = {0};
    test_urls(&t);
    test_odd_urls(&t);
    test_messages(&t);
    test_contract(&t);
    return tap_done(&t);
}
