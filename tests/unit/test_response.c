/* test_response.c — what a result keeps of its response and how it shows: header lines and
 * body bytes kept per response (keep.c), the block they share with the result's strings, the
 * body's JSON value (json, text, base64), the header object, display widths for the table, and
 * --write-out templates. */
#include "afetch_tool.h"
#include "escape.h"
#include "keep.h"
#include "response.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

#define LINE(k, text) keep_header_line((k), (text), sizeof(text) - 1)

static struct fetch_keep started(int64_t body_max, bool headers)
{
    afetch_options opts;
    afetch_options_init(&opts);
    opts.body_max = body_max;
    opts.keep_headers = headers;
    struct fetch_keep k = {0};
    keep_start(&k, &opts);
    return k;
}

/* The fields of k packed into a result, as "name=value;" each. */
static void fields_text(struct fetch_keep *k, char *out, size_t size)
{
    afetch_result r = {0};
    char *block = keep_pack(k, false, &r, 0, NULL, NULL);
    out[0] = '\0';
    for (size_t i = 0; block && r.headers && i < r.header_count; i++) {
        size_t used = strlen(out);
        snprintf(out + used, size - used, "%s=%s;", r.headers[i].name, r.headers[i].value);
    }
    free(block);
}

static void test_header_lines(struct tap *t)
{
    struct fetch_keep k = started(0, true);
    char got[256];
    LINE(&k, "HTTP/1.1 302 Found\r\n");
    LINE(&k, "Location: /next\r\n");
    LINE(&k, "\r\n");
    LINE(&k, "HTTP/1.1 200 OK\r\n");
    LINE(&k, "Content-Type:  text/plain \r\n");
    LINE(&k, "X-Folded: one\r\n");
    LINE(&k, " \t two  \r\n");
    LINE(&k, "no colon here\r\n");
    LINE(&k, ": empty name\r\n");
    LINE(&k, "Set-Cookie: a=1\r\n");
    LINE(&k, "SET-COOKIE: b=2\r\n");
    LINE(&k, "X-Empty:\r\n");
    LINE(&k, "\r\n");
    fields_text(&k, got, sizeof got);
    ok(t,
       strcmp(got, "content-type=text/plain;x-folded=one two;set-cookie=a=1;set-cookie=b=2;"
                   "x-empty=;") == 0,
       "a status line drops the last response's fields; names lower-cased, values trimmed, a "
       "folded line joined, lines without a name skipped (got %s)",
       got);
    ok(t, k.response == 2, "two responses counted");
    keep_release(&k);

    k = started(0, false);
    LINE(&k, "HTTP/1.1 200 OK\r\n");
    LINE(&k, "X-A: 1\r\n");
    fields_text(&k, got, sizeof got);
    ok(t, k.field_count == 0 && got[0] == '\0', "without keep_headers nothing is kept");
    keep_release(&k);

    k = started(0, true);
    afetch_result r = {0};
    char *block = keep_pack(&k, false, &r, 0, NULL, NULL);
    ok(t, block && r.headers == NULL, "no status line: headers NULL");
    free(block);
    LINE(&k, "HTTP/1.0 200 OK\r\n");
    block = keep_pack(&k, false, &r, 0, NULL, NULL);
    ok(t, block && r.headers != NULL && r.header_count == 0,
       "a response without fields (and no buffer yet): none, not NULL");
    free(block);
    keep_release(&k);
}

static void test_fields_cap(struct tap *t)
{
    struct fetch_keep k = started(0, true);
    LINE(&k, "HTTP/1.1 200 OK\r\n");
    char line[1100];
    memset(line, 'x', sizeof line);
    memcpy(line, "X-Big: ", 7);
    memcpy(line + sizeof line - 2, "\r\n", 2);
    bool going = true;
    size_t lines = 0;
    while (going && lines < 1000) {
        going = keep_header_line(&k, line, sizeof line);
        lines++;
    }
    ok(t, !going && k.fields_too_large && k.fields_len <= KEEP_FIELDS_MAX,
       "fields past %d bytes stop the transfer (after %zu lines, %zu bytes kept)", KEEP_FIELDS_MAX,
       lines, k.fields_len);
    keep_release(&k);
}

static void test_body_bytes(struct tap *t)
{
    struct fetch_keep k = started(5, false);
    LINE(&k, "HTTP/1.1 302 Found\r\n");
    keep_body_bytes(&k, "redirect", 8, 8);
    LINE(&k, "HTTP/1.1 200 OK\r\n");
    keep_body_bytes(&k, "abc", 3, -1);
    keep_body_bytes(&k, "defgh", 5, -1);
    afetch_result r = {0};
    const char *src[] = {"one", NULL, "two"};
    const char *a, *b, *c;
    const char **dst[] = {&a, &b, &c};
    char *block = keep_pack(&k, true, &r, 3, src, dst);
    ok(t, block && r.body == block && r.body_length == 5 && memcmp(r.body, "abcde", 6) == 0,
       "the body is the last response's, cut at body_max and terminated");
    ok(t, r.body_truncated, "and marked as cut");
    ok(t, block && strcmp(a, "one") == 0 && b == NULL && strcmp(c, "two") == 0,
       "the strings share the block");
    ok(t, k.body == NULL && k.body_cap == 0, "the buffer went to the result");
    free(block);

    k.body_max = 4;
    LINE(&k, "HTTP/1.1 200 OK\r\n");
    block = keep_pack(&k, true, &r, 0, NULL, NULL);
    ok(t, block && r.body_length == 0 && r.body[0] == '\0' && !r.body_truncated,
       "an empty body is \"\", not NULL");
    free(block);
    block = keep_pack(&k, false, &r, 0, NULL, NULL);
    ok(t, block && r.body == NULL && r.headers == NULL, "without with_body no body");
    free(block);
    keep_release(&k);
}

static char *body_json(const char *body, size_t len, bool cut, const char *type,
                       const char **encoding)
{
    afetch_result r = {
        .body = body, .body_length = len, .body_truncated = cut, .content_type = type};
    cJSON *node = response_body_json(&r, encoding);
    char *text = node ? cJSON_PrintUnformatted(node) : NULL;
    cJSON_Delete(node);
    return text;
}

static void expect_body(struct tap *t, const char *body, size_t len, bool cut, const char *type,
                        const char *want_encoding, const char *want, const char *what)
{
    const char *encoding = NULL;
    char *got = body_json(body, len, cut, type, &encoding);
    ok(t, got && encoding && strcmp(encoding, want_encoding) == 0 && strcmp(got, want) == 0,
       "%s: %s %s (got %s %s)", what, want_encoding, want, encoding ? encoding : "NULL",
       got ? got : "NULL");
    free(got);
}

#define BODY(t, body, cut, type, enc, want, what)                                                  \
    expect_body((t), (body), sizeof(body) - 1, (cut), (type), (enc), (want), (what))

static void test_body_values(struct tap *t)
{
    BODY(t, "{\"a\": [1, 2]}\n", false, "application/json", "json", "{\"a\":[1,2]}", "JSON");
    BODY(t, "[1]", false, " Application/Vnd.Api+JSON ; charset=utf-8", "json", "[1]",
         "+json, case and parameters");
    BODY(t, "[1]", false, "application/jsonp", "text", "\"[1]\"", "not a JSON type");
    BODY(t, "[1]", false, "application/+json", "text", "\"[1]\"", "an empty subtype before +json");
    BODY(t, "[1]", false, NULL, "text", "\"[1]\"", "no Content-Type");
    BODY(t, "[1]", true, "application/json", "text", "\"[1]\"", "a cut body is never parsed");
    BODY(t, "[1] x", false, "application/json", "text", "\"[1] x\"", "garbage after the value");
    BODY(t, "\"\\u0000\"", false, "application/json", "text", "\"\\\"\\\\u0000\\\"\"",
         "an escaped NUL keeps it text");
    BODY(t, "a\tb\x1b", false, "text/plain", "text", "\"a\\tb\\u001b\"", "controls escaped");
    BODY(t, "a\0b", false, "text/plain", "base64", "\"YQBi\"", "a NUL byte");
    BODY(t, "\xff", false, "text/plain", "base64", "\"/w==\"", "a stray byte");
    BODY(t, "\xc0\xaf", false, "text/plain", "base64", "\"wK8=\"", "an overlong form");
    BODY(t, "\xed\xa0\x80", false, "text/plain", "base64", "\"7aCA\"", "a surrogate");
    BODY(t, "\xf4\x90\x80\x80", false, "text/plain", "base64", "\"9JCAgA==\"", "past U+10FFFF");
    BODY(t, "a\xc3", true, "text/plain", "text", "\"a\"", "a cut two-byte character dropped");
    BODY(t, "a\xe2\x82", true, "text/plain", "text", "\"a\"", "a cut three-byte one too");
    BODY(t, "a\xe0\x80", true, "text/plain", "base64", "\"YeCA\"",
         "but not a cut that could never be whole (overlong)");
    BODY(t, "a\xc3", false, "text/plain", "base64", "\"YcM=\"", "uncut, that is not text");
    char deep[2 * 201 + 1];
    memset(deep, '[', 201);
    memset(deep + 201, ']', 201);
    deep[402] = '\0';
    const char *encoding;
    char *got = body_json(deep, 402, false, "application/json", &encoding);
    ok(t, got && strcmp(encoding, "text") == 0, "201 levels deep stays text");
    free(got);
    deep[401] = '\0'; /* a body is always terminated */
    got = body_json(deep + 1, 400, false, "application/json", &encoding);
    ok(t, got && strcmp(encoding, "json") == 0, "200 levels deep is parsed");
    free(got);
    afetch_result none = {0};
    cJSON *node = response_body_json(&none, &encoding);
    ok(t, cJSON_IsNull(node) && encoding == NULL, "no body: null");
    cJSON_Delete(node);
}

static void test_base64(struct tap *t)
{
    static const char *const vectors[][2] = {{"", ""},
                                             {"f", "Zg=="},
                                             {"fo", "Zm8="},
                                             {"foo", "Zm9v"},
                                             {"foob", "Zm9vYg=="},
                                             {"fooba", "Zm9vYmE="},
                                             {"foobar", "Zm9vYmFy"}};
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        char out[16];
        response_base64((const unsigned char *)vectors[i][0], strlen(vectors[i][0]), out);
        ok(t, strcmp(out, vectors[i][1]) == 0, "RFC 4648 base64 of \"%s\"", vectors[i][0]);
    }
}

static void test_headers_object(struct tap *t)
{
    afetch_header h[] = {{"x-b", "1"},        {"set-cookie", "a"}, {"x-a", "\xff"},
                         {"set-cookie", "b"}, {"x-b", "2"},        {"x-b", "3"}};
    afetch_result r = {.headers = h, .header_count = 6};
    cJSON *node = response_headers_json(&r);
    char *got = node ? cJSON_PrintUnformatted(node) : NULL;
    ok(t,
       got && strcmp(got, "{\"x-b\":[\"1\",\"2\",\"3\"],\"set-cookie\":[\"a\",\"b\"],"
                          "\"x-a\":\"\xef\xbf\xbd\"}") == 0,
       "names in first-seen order, repeats as arrays in order, U+FFFD (got %s)",
       got ? got : "NULL");
    free(got);
    cJSON_Delete(node);
    r.header_count = 0;
    node = response_headers_json(&r);
    got = node ? cJSON_PrintUnformatted(node) : NULL;
    ok(t, got && strcmp(got, "{}") == 0, "a response without fields: {}");
    free(got);
    cJSON_Delete(node);
}

static void test_columns(struct tap *t)
{
    ok(t, afetch_text_columns("abc", 3) == 3, "ASCII: a column each");
    ok(t, afetch_text_columns("\xe4\xb8\xad\xe6\x96\x87", 6) == 4, "CJK: two each");
    ok(t, afetch_text_columns("e\xcc\x81", 3) == 1, "a combining accent: none");
    ok(t, afetch_text_columns("\xf0\x9f\x98\x80", 4) == 2, "an emoji: two");
    ok(t, afetch_text_fit("ab\xe4\xb8\xad", 5, 3) == 2,
       "a wide character that does not fit is left out");
    ok(t, afetch_text_fit("ab\xe4\xb8\xad", 5, 4) == 5, "one that fits is kept");
    ok(t, afetch_text_fit("\xc3\xa9\xc3\xa9", 4, 1) == 2, "cut between characters");
}

static void expect_template_error(struct tap *t, const char *text, const char *want)
{
    char err[512] = "";
    afetch_template *tpl = afetch_template_new(text, err, sizeof err);
    ok(t, !tpl && strstr(err, want), "template '%s' refused: %s", text, err);
    afetch_template_free(tpl);
}

static void test_templates(struct tap *t)
{
    expect_template_error(t, "%{stauts}", "did you mean %{status}?");
    expect_template_error(t, "%{time.totl}", "did you mean %{time.total}?");
    expect_template_error(t, "%{time}", "the names are index url");
    expect_template_error(t, "%{url", "without a closing");
    char err[512];
    afetch_template *tpl = afetch_template_new("%{url} %{status}\\n", err, sizeof err);
    ok(t, tpl != NULL, "a good template compiles");
    afetch_template_free(tpl);
}

int main(void)
{
    struct tap t = {0};
    test_header_lines(&t);
    test_fields_cap(&t);
    test_body_bytes(&t);
    test_body_values(&t);
    test_base64(&t);
    test_headers_object(&t);
    test_columns(&t);
    test_templates(&t);
    return tap_done(&t);
}
