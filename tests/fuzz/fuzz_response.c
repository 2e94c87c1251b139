/* fuzz_response.c — libFuzzer target for what a result keeps of a response and how JSON shows
 * it: any bytes, fed as header lines (keep_header_line) and as a body (keep_body_bytes) with any
 * cap and Content-Type, packed into a result (keep_pack) and written as a JSON line with body and
 * headers. The line must be valid UTF-8, without DEL or C1 controls, and parse back as one JSON
 * object whose body_encoding names a form the body really has. */
#include "afetch_tool.h"
#include "escape.h"
#include "keep.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(int cond)
{
    if (!cond)
        abort();
}

static int valid_utf8(const char *s, size_t len)
{
    for (size_t i = 0, n; i < len; i += n)
        if ((n = utf8_sequence((const unsigned char *)s + i, len - i)) == 0)
            return 0;
    return 1;
}

static const char *const types[] = {"application/json", "text/plain", "application/x+json",
                                    "APPLICATION/JSON; charset=utf-8", NULL};

/* Header lines: the input up to its first NUL, split at '\n' (each line keeps its '\n'). */
static size_t feed_lines(struct fetch_keep *k, const char *s, size_t size)
{
    const char *end = memchr(s, '\0', size);
    size_t len = end ? (size_t)(end - s) : size;
    for (size_t at = 0; at < len;) {
        const char *nl = memchr(s + at, '\n', len - at);
        size_t n = nl ? (size_t)(nl - (s + at)) + 1 : len - at;
        if (!keep_header_line(k, s + at, n))
            break;
        at += n;
    }
    return end ? len + 1 : size;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    afetch_options opts;
    afetch_options_init(&opts);
    opts.body_max = 1 + data[0] % 64;
    opts.keep_headers = data[1] & 1;
    const char *type = types[(data[1] >> 1) % 5];
    char *in = malloc(size); /* an exact copy: reading past it is caught */
    require(in != NULL);
    memcpy(in, data, size);
    struct fetch_keep k = {0};
    keep_start(&k, &opts);
    keep_header_line(&k, "HTTP/1.1 200 OK\r\n", 17);
    size_t used = 2 + feed_lines(&k, in + 2, size - 2);
    if (used < size)
        keep_body_bytes(&k, in + used, size - used, -1);

    afetch_result r = {.url = "http://x/", .status = 200, .redirects = 0};
    const char *src[] = {type};
    const char **dst[] = {&r.content_type};
    char *block = keep_pack(&k, data[1] & 2, &r, 1, src, dst);
    require(block != NULL);

    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    require(out != NULL);
    afetch_output *o = afetch_output_new(out, AFETCH_FORMAT_JSONL, "async");
    require(o != NULL);
    afetch_output_show_response(o, true, true);
    afetch_output_result(o, &r);
    afetch_output_free(o);
    fclose(out);

    require(len > 0 && text[len - 1] == '\n' && valid_utf8(text, len));
    for (size_t i = 0; i < len; i++)
        require(text[i] != 0x7F && !((unsigned char)text[i] == 0xC2 && i + 1 < len &&
                                     (unsigned char)text[i + 1] < 0xA0));
    cJSON *doc = cJSON_ParseWithLength(text, len);
    require(cJSON_IsObject(doc));
    const cJSON *encoding = cJSON_GetObjectItemCaseSensitive(doc, "body_encoding");
    const cJSON *body = cJSON_GetObjectItemCaseSensitive(doc, "body");
    if (!r.body)
        require(cJSON_IsNull(encoding) && cJSON_IsNull(body));
    else if (strcmp(encoding->valuestring, "base64") == 0)
        require(cJSON_IsString(body) && strlen(body->valuestring) == 4 * ((r.body_length + 2) / 3));
    else if (strcmp(encoding->valuestring, "text") == 0)
        require(cJSON_IsString(body) && valid_utf8(body->valuestring, strlen(body->valuestring)) &&
                memcmp(body->valuestring, r.body, strlen(body->valuestring)) == 0);
    else
        require(strcmp(encoding->valuestring, "json") == 0 && !r.body_truncated);
    cJSON_Delete(doc);
    free(text);
    free(block);
    keep_release(&k);
    free(in);
    return 0;
}
