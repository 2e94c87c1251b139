/* test_input.c — the list parser on real files: what becomes an entry, what becomes an error
 * (and which line it names), and what is skipped. */
#include "afetch.h"
#include "tap.h"
#include "urllist.h"

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/afetch-test-input-XXXXXX";

/* Writes len bytes of text to a new file in dir and returns its path (static buffer). */
static const char *write_list(const char *name, const char *text, size_t len)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    fwrite(text, 1, len, f);
    fclose(f);
    return path;
}

#define LIST(name, literal) write_list(name, literal, sizeof(literal) - 1)

struct entry {
    char url[256], label[64], method[16], code[32], message[256];
    size_t headers;
    char header0[64];
    bool has_body;
    char body[128], body_type[32], user[64];
    size_t body_size;
};

/* The error that ended the last read_all early, or "". */
static char read_error[512];

/* Reads every entry of path into out; returns how many. */
static size_t read_all(const char *path, struct entry *out, size_t max)
{
    char err[256];
    afetch_input *in = afetch_input_new();
    if (afetch_input_add_path(in, path, err, sizeof err) != 0) {
        afetch_input_free(in);
        return (size_t)-1;
    }
    afetch_request req;
    size_t n = 0;
    while (n < max && afetch_input_next(in, &req) == AFETCH_NEXT_ENTRY) {
        struct entry *e = &out[n++];
        memset(e, 0, sizeof *e);
        snprintf(e->url, sizeof e->url, "%s", req.url ? req.url : "");
        snprintf(e->label, sizeof e->label, "%s", req.label ? req.label : "");
        snprintf(e->method, sizeof e->method, "%s", req.method ? req.method : "");
        snprintf(e->code, sizeof e->code, "%s", req.error_code ? req.error_code : "");
        snprintf(e->message, sizeof e->message, "%s", req.error_message ? req.error_message : "");
        e->headers = req.header_count;
        if (req.header_count)
            snprintf(e->header0, sizeof e->header0, "%s", req.headers[0]);
        e->has_body = req.body != NULL;
        e->body_size = req.body_size;
        if (req.body && req.body_size < sizeof e->body)
            memcpy(e->body, req.body, req.body_size);
        snprintf(e->body_type, sizeof e->body_type, "%s", req.body_type ? req.body_type : "");
        snprintf(e->user, sizeof e->user, "%s", req.user ? req.user : "");
    }
    const char *error = afetch_input_error(in);
    snprintf(read_error, sizeof read_error, "%s", error ? error : "");
    afetch_input_free(in);
    return n;
}

static void test_plain_lines(struct tap *t)
{
    struct entry e[8];
    const char *path = LIST("plain.txt", "\xEF\xBB\xBFhttp://a.test/1\r\n"
                                         "# a comment\n"
                                         "\n"
                                         "   \t  \n"
                                         "  https://b.test/2  \r\n"
                                         "\thttp://c.test/3");
    size_t n = read_all(path, e, 8);
    ok(t, n == 3, "three entries: comments, blank and whitespace-only lines skipped (got %zu)", n);
    ok(t, strcmp(e[0].url, "http://a.test/1") == 0, "BOM and CRLF removed: '%s'", e[0].url);
    ok(t, strcmp(e[1].url, "https://b.test/2") == 0, "whitespace trimmed: '%s'", e[1].url);
    ok(t, strcmp(e[2].url, "http://c.test/3") == 0, "last line without newline read");
    ok(t, !e[0].code[0] && !e[1].code[0] && !e[2].code[0], "good entries carry no error");
}

static void test_bad_lines(struct tap *t)
{
    struct entry e[8];
    const char *path = LIST("bad.txt", "http://ok.test/\n"
                                       "not a url\n"
                                       "file:///etc/passwd\n"
                                       "# skipped\n"
                                       "ftp://files.test/x\n"
                                       "example.test/path\n");
    size_t n = read_all(path, e, 8);
    ok(t, n == 5, "five entries (got %zu)", n);
    ok(t, strcmp(e[1].code, AFETCH_E_INVALID_INPUT) == 0, "text with spaces is invalid-input");
    ok(t, strstr(e[1].message, "bad.txt:2") != NULL, "the message names file and line: %s",
       e[1].message);
    ok(t, strcmp(e[2].code, AFETCH_E_PROTOCOL) == 0 && strstr(e[2].message, "bad.txt:3"),
       "file:// is refused as protocol: %s", e[2].message);
    ok(t, strcmp(e[3].code, AFETCH_E_PROTOCOL) == 0 && strstr(e[3].message, "bad.txt:5"),
       "ftp:// is refused as protocol, line numbers count skipped lines");
    ok(t, !e[4].code[0], "a scheme-less host/path is accepted (fetched as https)");
}

static void test_json_lines(struct tap *t)
{
    struct entry e[8];
    const char *path =
        LIST("json.txt", "{\"url\": \"http://j.test/\", \"label\": \"home\", \"method\": \"POST\","
                         " \"headers\": {\"X-Token\": \"abc\"}}\n"
                         "{\"url\": \"http://j.test/2\", \"label\": null}\n"
                         "{\"url\": 42}\n"
                         "{not json\n"
                         "{\"url\": \"http://j.test/\", \"headers\": {\"X\": \"a\\r\\nEvil: 1\"}}\n"
                         "{\"url\": \"http://j.test/\", \"method\": \"GET /x\"}\n"
                         "{\"url\": \"gopher://j.test/\"}\n");
    size_t n = read_all(path, e, 8);
    ok(t, n == 7, "seven JSON entries (got %zu)", n);
    ok(t,
       strcmp(e[0].url, "http://j.test/") == 0 && strcmp(e[0].label, "home") == 0 &&
           strcmp(e[0].method, "POST") == 0,
       "url, label and method read");
    ok(t, e[0].headers == 1 && strcmp(e[0].header0, "X-Token: abc") == 0,
       "headers become 'Name: value' lines: '%s'", e[0].header0);
    ok(t, !e[1].code[0] && !e[1].label[0], "a null label is no label");
    ok(t, strcmp(e[2].code, AFETCH_E_INVALID_INPUT) == 0 && strstr(e[2].message, "json.txt:3"),
       "a non-string url is invalid-input: %s", e[2].message);
    ok(t, strcmp(e[3].code, AFETCH_E_INVALID_INPUT) == 0 && strstr(e[3].message, "json.txt:4"),
       "broken JSON is invalid-input: %s", e[3].message);
    ok(t, strcmp(e[4].code, AFETCH_E_INVALID_INPUT) == 0, "a header with a line break is refused");
    ok(t, strcmp(e[5].code, AFETCH_E_INVALID_INPUT) == 0,
       "a method that is not a token is refused");
    ok(t, strcmp(e[6].code, AFETCH_E_PROTOCOL) == 0, "a JSON entry's scheme is checked too");
}

static void test_json_unknown_keys(struct tap *t)
{
    struct entry e[8];
    const char *path =
        LIST("keys.txt", "{\"url\": \"http://k.test/1\", \"header\": {\"X-A\": \"1\"}}\n"
                         "\n"
                         "{\"url\": \"http://k.test/3\", \"payload\": \"data\"}\n"
                         "{\"url\": \"http://k.test/4\", \"label\": \"l\", \"method\": \"PUT\","
                         " \"headers\": {\"X-B\": \"2\"}}\n"
                         "{\"URL\": \"http://k.test/5\"}\n");
    size_t n = read_all(path, e, 8);
    ok(t, n == 4, "four entries (got %zu)", n);
    ok(t,
       strcmp(e[0].code, AFETCH_E_INVALID_INPUT) == 0 &&
           strstr(e[0].message, "keys.txt:1: unknown key \"header\"; did you mean \"headers\"?"),
       "a misspelt key is invalid-input, named with the close one: %s", e[0].message);
    ok(t,
       strcmp(e[1].code, AFETCH_E_INVALID_INPUT) == 0 &&
           strstr(e[1].message, "keys.txt:3: unknown key \"payload\"") &&
           !strstr(e[1].message, "did you mean"),
       "a key nothing is close to is named alone: %s", e[1].message);
    ok(t,
       !e[2].code[0] && strcmp(e[2].label, "l") == 0 && strcmp(e[2].method, "PUT") == 0 &&
           strcmp(e[2].header0, "X-B: 2") == 0,
       "url, label, method and headers are the known keys: %s", e[2].message);
    ok(t, strstr(e[3].message, "keys.txt:5: unknown key \"URL\"; did you mean \"url\"?") != NULL,
       "keys match in full and case: %s", e[3].message);
}

static void test_json_strictness(struct tap *t)
{
    struct entry e[8];
    const char *path =
        LIST("strict.txt", "{\"url\": \"http://j.test/a\"} junk\n"
                           "{\"url\": \"http://j.test/b\"}{}\n"
                           "{\"url\": \"http://j.test/c\\u0000.evil.test/\"}\n"
                           "{\"url\": \"http://j.test/d\", \"label\": \"x\\u0000y\"}\n"
                           "{\"url\": \"http://j.test/e\", \"headers\": {\"X\": \"a\\u0000\"}}\n"
                           "{\"url\": \"http://j.test/f\\\\u0000\"}\n"
                           "{\"url\": \"http://j.test/g\"}  \t\r\n");
    size_t n = read_all(path, e, 8);
    ok(t, n == 7, "seven entries (got %zu)", n);
    ok(t, strcmp(e[0].code, AFETCH_E_INVALID_INPUT) == 0 && strstr(e[0].message, "strict.txt:1"),
       "text after the closing brace is invalid-input: %s", e[0].message);
    ok(t, strcmp(e[1].code, AFETCH_E_INVALID_INPUT) == 0 && strstr(e[1].message, "strict.txt:2"),
       "so is a second object: %s", e[1].message);
    ok(t,
       strcmp(e[2].code, AFETCH_E_INVALID_INPUT) == 0 && strstr(e[2].message, "strict.txt:3") &&
           strstr(e[2].message, "\\u0000"),
       "\\u0000 in the url is invalid-input, not a URL cut short: %s", e[2].message);
    ok(t, strcmp(e[3].code, AFETCH_E_INVALID_INPUT) == 0 && strstr(e[3].message, "strict.txt:4"),
       "\\u0000 in a label too: %s", e[3].message);
    ok(t, strcmp(e[4].code, AFETCH_E_INVALID_INPUT) == 0 && strstr(e[4].message, "strict.txt:5"),
       "\\u0000 in a header value too: %s", e[4].message);
    ok(t, !e[5].code[0] && strcmp(e[5].url, "http://j.test/f\\u0000") == 0,
       "an escaped backslash before u0000 is text, not a NUL: %s %s", e[5].url, e[5].message);
    ok(t, !e[6].code[0] && strcmp(e[6].url, "http://j.test/g") == 0,
       "trailing blanks after the object are fine: %s", e[6].message);
}

static void test_json_payload(struct tap *t)
{
    struct entry e[10];
    const char *path =
        LIST("payload.txt",
             "{\"url\": \"http://p.test/1\", \"body\": \"a=1&b\", \"user\": \"u:p:w\"}\n"
             "{\"url\": \"http://p.test/2\", \"json\" : { \"n\": 12345678901234567891, \"s\": \"x "
             "\\\" }\" } , \"label\": \"j\"}\n"
             "{\"url\": \"http://p.test/3\", \"j\\u0073on\": [1, 2.50, null], \"json\": 0}\n"
             "{\"url\": \"http://p.test/4\", \"body\": \"\", \"json\": null}\n"
             "{\"url\": \"http://p.test/5\", \"json\": null}\n"
             "{\"url\": \"http://p.test/6\", \"user\": \"nopassword\"}\n"
             "{\"url\": \"http://p.test/7\", \"method\": \"HEAD\", \"body\": \"x\"}\n"
             "{\"uri\": \"http://p.test/8\", \"user\":\"u:secret\", \"label\": \"user\"}\n"
             "{\"user\" : \"u:secret\\\"x\", \"user\": \"a\", \"x\": \"user\"\n");
    size_t n = read_all(path, e, 10);
    ok(t, n == 9, "nine entries (got %zu)", n);
    ok(t,
       e[0].has_body && e[0].body_size == 5 && strcmp(e[0].body, "a=1&b") == 0 &&
           !e[0].body_type[0] && strcmp(e[0].user, "u:p:w") == 0,
       "body (form type) and user read: '%s' '%s'", e[0].body, e[0].user);
    ok(t,
       strcmp(e[1].body, "{\"n\":12345678901234567891,\"s\":\"x \\\" }\"}") == 0 &&
           strcmp(e[1].body_type, "application/json") == 0 && strcmp(e[1].label, "j") == 0,
       "json: its text compact, numbers and strings as written: %s", e[1].body);
    ok(t, strcmp(e[2].body, "[1,2.50,null]") == 0,
       "a key spelt with escapes is the key (the first of two, as cJSON finds it): %s", e[2].body);
    ok(t, strcmp(e[3].code, AFETCH_E_INVALID_INPUT) == 0 && strstr(e[3].message, "payload.txt:4"),
       "body and json together: %s", e[3].message);
    ok(t, !e[4].code[0] && strcmp(e[4].body, "null") == 0 && e[4].body_size == 4,
       "json null is the body null");
    ok(t, strcmp(e[5].code, AFETCH_E_INVALID_INPUT) == 0 && !strstr(e[5].message, "nopassword"),
       "a user without a colon is refused, unechoed: %s", e[5].message);
    ok(t, strcmp(e[6].code, AFETCH_E_INVALID_INPUT) == 0 && strstr(e[6].message, "HEAD"),
       "HEAD with a body: %s", e[6].message);
    ok(t, strcmp(e[7].code, AFETCH_E_INVALID_INPUT) == 0 && !strstr(e[7].url, "secret"),
       "the line shown for a bad entry hides the user's password: %s", e[7].url);
    ok(t, !strstr(e[8].url, "secret") && strstr(e[8].url, "\"x\": \"user\""),
       "also in broken JSON, every user value: %s", e[8].url);
}

static void test_nul_and_empty(struct tap *t)
{
    struct entry e[4];
    static const char nul[] = "http://a.test/\nhttp://b.test/\0evil\nhttp://c.test/\n";
    size_t n = read_all(write_list("nul.txt", nul, sizeof nul - 1), e, 4);
    ok(t, n == 1 && strcmp(e[0].url, "http://a.test/") == 0,
       "a NUL byte ends reading: the entries before it stand, none after (%zu)", n);
    ok(t, strstr(read_error, "nul.txt:2: a NUL byte") != NULL, "the error names file and line: %s",
       read_error);
    ok(t, read_all(LIST("empty.txt", ""), e, 4) == 0, "an empty file has no entries");
    ok(t, read_all(LIST("comments.txt", "# a\n#b\n\n"), e, 4) == 0,
       "a file of comments has no entries");
}

static void test_unreadable(struct tap *t)
{
    char err[256], path[256];
    afetch_input *in = afetch_input_new();
    snprintf(path, sizeof path, "%s/missing.txt", dir);
    ok(t,
       afetch_input_add_path(in, path, err, sizeof err) == -1 && strstr(err, "missing.txt") &&
           strstr(err, "No such file"),
       "a missing file is refused, naming it: %s", err);
    ok(t, afetch_input_add_path(in, dir, err, sizeof err) == -1 && strstr(err, "directory"),
       "a directory is refused: %s", err);
    afetch_input_free(in);
}

static void test_sources_in_order(struct tap *t)
{
    char err[256];
    afetch_input *in = afetch_input_new();
    afetch_input_add_url(in, "http://first.test/");
    afetch_input_add_path(in, LIST("second.txt", "http://second.test/\n"), err, sizeof err);
    afetch_input_add_url(in, "nope nope");
    afetch_request req;
    bool a = afetch_input_next(in, &req) == AFETCH_NEXT_ENTRY &&
             strcmp(req.url, "http://first.test/") == 0;
    bool b = afetch_input_next(in, &req) == AFETCH_NEXT_ENTRY &&
             strcmp(req.url, "http://second.test/") == 0;
    bool c = afetch_input_next(in, &req) == AFETCH_NEXT_ENTRY && req.error_code &&
             strcmp(req.error_code, AFETCH_E_INVALID_INPUT) == 0 &&
             strstr(req.error_message, "argument");
    bool end = afetch_input_next(in, &req) == AFETCH_NEXT_END && afetch_input_error(in) == NULL;
    ok(t, a && b && c && end, "arguments and files are read in the order given");
    afetch_input_free(in);
}

static void test_long_line(struct tap *t)
{
    size_t big = 70 * 1024;
    char *text = malloc(big + 64);
    memcpy(text, "http://long.test/", 17);
    memset(text + 17, 'a', big - 17);
    strcpy(text + big, "\nhttp://after.test/\n");
    struct entry e[4];
    size_t n = read_all(write_list("long.txt", text, strlen(text)), e, 4);
    free(text);
    ok(t,
       n == 2 && strcmp(e[0].code, AFETCH_E_INVALID_INPUT) == 0 && strstr(e[0].message, "64 KiB"),
       "a line over 64 KiB is invalid-input: %s", n ? e[0].message : "");
    ok(t, n == 2 && strncmp(e[0].url, "http://long.test/aaa", 20) == 0 && strlen(e[0].url) <= 200,
       "its url shows how it starts, cut to 200 bytes (%zu)", strlen(e[0].url));
    ok(t, n == 2 && strcmp(e[1].url, "http://after.test/") == 0 && !e[1].code[0],
       "the line after it reads normally");
}

/* Writes text to fd and waits (up to 10 s) for the input's ready descriptor. */
static bool feed_and_wait(afetch_input *in, int fd, const char *text)
{
    if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
        return false;
    struct pollfd ready = {.fd = afetch_input_ready_fd(in), .events = POLLIN};
    return ready.fd >= 0 && poll(&ready, 1, 10000) == 1;
}

/* A FIFO is read by a thread: next() waits instead of blocking, also in the middle of a line,
 * and the ready descriptor says when to ask again. */
static void test_fifo_waits(struct tap *t)
{
    char path[256], err[256];
    snprintf(path, sizeof path, "%s/list.fifo", dir);
    mkfifo(path, 0600);
    afetch_input *in = afetch_input_new();
    ok(t, afetch_input_add_path(in, path, err, sizeof err) == 0,
       "a FIFO opens without a writer (%s)", err);
    afetch_request req;
    ok(t, afetch_input_next(in, &req) == AFETCH_NEXT_WAIT, "no writer yet: wait, not the end");
    int writer = open(path, O_WRONLY);
    bool woke = feed_and_wait(in, writer, "http://one.test/\nhttp://tw");
    afetch_next got = afetch_input_next(in, &req);
    ok(t, woke && got == AFETCH_NEXT_ENTRY && strcmp(req.url, "http://one.test/") == 0,
       "a whole line is an entry once the ready descriptor is readable");
    ok(t, afetch_input_next(in, &req) == AFETCH_NEXT_WAIT, "half a line: wait");
    woke = feed_and_wait(in, writer, "o.test/\n");
    got = afetch_input_next(in, &req);
    ok(t, woke && got == AFETCH_NEXT_ENTRY && strcmp(req.url, "http://two.test/") == 0,
       "the line goes on where it stopped: %s", got == AFETCH_NEXT_ENTRY ? req.url : "-");
    close(writer);
    struct pollfd ready = {.fd = afetch_input_ready_fd(in), .events = POLLIN};
    got = afetch_input_next(in, &req);
    for (int i = 0; got == AFETCH_NEXT_WAIT && i < 100; i++) {
        poll(&ready, 1, 100);
        got = afetch_input_next(in, &req);
    }
    ok(t, got == AFETCH_NEXT_END && !afetch_input_error(in), "the writer gone: the end");
    afetch_input_free(in);
}

static void test_protocols(struct tap *t)
{
    char err[256];
    afetch_input *in = afetch_input_new();
    ok(t,
       afetch_input_set_protocols(in, "https,gopherish", err, sizeof err) == -1 &&
           strstr(err, "gopherish"),
       "an unknown protocol name is refused, naming it: %s", err);
    ok(t, afetch_input_set_protocols(in, "HTTPS", err, sizeof err) == 0, "names ignore case");
    afetch_input_add_url(in, "http://plain.test/");
    afetch_input_add_url(in, "https://secure.test/");
    afetch_request req;
    bool plain = afetch_input_next(in, &req) == AFETCH_NEXT_ENTRY && req.error_code &&
                 strcmp(req.error_code, AFETCH_E_PROTOCOL) == 0;
    bool secure = afetch_input_next(in, &req) == AFETCH_NEXT_ENTRY && !req.error_code;
    ok(t, plain && secure, "with https only, an http:// entry is a protocol error");
    afetch_input_free(in);
}

static void test_parse_url(struct tap *t)
{
    afetch_request req = {0};
    char msg[256];
    urllist_parse_url("HTTPS://Example.test:8443/a?b=c#d", "x:1", NULL, &req, msg, sizeof msg);
    ok(t, req.error_code == NULL, "scheme case does not matter");
    req = (afetch_request){0};
    urllist_parse_url("http://", "x:2", NULL, &req, msg, sizeof msg);
    ok(t,
       req.error_code && strcmp(req.error_code, AFETCH_E_INVALID_INPUT) == 0 &&
           strncmp(msg, "x:2: ", 5) == 0,
       "no host is invalid-input: %s", msg);
}

int main(void)
{
    struct tap t = {0};
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_plain_lines(&t);
    test_bad_lines(&t);
    test_json_lines(&t);
    test_json_unknown_keys(&t);
    test_json_strictness(&t);
    test_json_payload(&t);
    test_nul_and_empty(&t);
    test_unreadable(&t);
    test_sources_in_order(&t);
    test_parse_url(&t);
    test_long_line(&t);
    test_protocols(&t);
    test_fifo_waits(&t);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        printf("# could not remove %s\n", dir);
    return tap_done(&t);
}
