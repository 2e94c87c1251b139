/* fuzz_input.c — libFuzzer target for the list reader: any bytes read as a list file through
 * afetch_input must give well-formed entries (a URL, a known error code with a message, headers
 * that are "Name: value" lines, a user with a colon, a "json" body that is JSON itself), never a
 * crash, leak or overrun. */
#include "afetch.h"
#include "urllist.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const codes[] = {
    AFETCH_E_INVALID_INPUT,
    AFETCH_E_PROTOCOL,
    AFETCH_E_DNS,
    AFETCH_E_CONNECT,
    AFETCH_E_TLS,
    AFETCH_E_TIMEOUT,
    AFETCH_E_TOO_MANY_REDIRECTS,
    AFETCH_E_HTTP,
    AFETCH_E_NETWORK,
    AFETCH_E_BAD_RESPONSE,
    AFETCH_E_CANCELLED,
    AFETCH_E_INTERNAL,
};

static int known_code(const char *code)
{
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (strcmp(code, codes[i]) == 0)
            return 1;
    return 0;
}

/* strlen on every string, so ASan sees a read of each one while it must still be valid. */
static size_t check(const afetch_request *req)
{
    if (!req->url)
        abort();
    size_t touched = strlen(req->url);
    if (req->label)
        touched += strlen(req->label);
    if (req->method)
        touched += strlen(req->method);
    if (req->error_code && (!known_code(req->error_code) || !req->error_message))
        abort();
    if (req->error_message)
        touched += strlen(req->error_message);
    if (req->header_count && !req->headers)
        abort();
    for (size_t i = 0; i < req->header_count; i++)
        if (!req->headers[i] || !strchr(req->headers[i], ':'))
            abort();
    if (req->user && !strchr(req->user, ':'))
        abort();
    for (size_t i = 0; req->body && i < req->body_size; i++)
        touched += (unsigned char)req->body[i] == 0x7F;
    if (req->body_type) { /* "json": the value's own text, which must parse alone */
        cJSON *json = cJSON_ParseWithOpts(req->body, NULL, 1);
        if (!json || strlen(req->body) != req->body_size)
            abort();
        cJSON_Delete(json);
    }
    return touched;
}

/* A stream over a copy of exactly size bytes (no stray NUL after the data for the reader to
 * lean on); *copy is the caller's to free after closing the stream. */
static FILE *stream_of(const char *data, size_t size, char **copy)
{
    *copy = malloc(size ? size : 1);
    if (!*copy)
        abort();
    memcpy(*copy, data, size);
    /* POSIX lets fmemopen refuse a size of 0; an empty file is the same input */
    FILE *file = size ? fmemopen(*copy, size, "r") : fopen("/dev/null", "r");
    if (!file)
        abort();
    return file;
}

/* The text after the first line, repeated past the reader's 64 KiB line limit. */
static char *stretched(const char *text, size_t len, size_t *out_len)
{
    *out_len = 0;
    if (len == 0)
        return NULL;
    size_t copies = 70000 / len + 1;
    char *out = malloc(copies * len);
    if (!out)
        abort();
    for (size_t i = 0; i < copies; i++)
        memcpy(out + i * len, text, len);
    *out_len = copies * len;
    return out;
}

/* Reads every entry, checking each; the lengths go into the return value so that no read of
 * a string can be optimised away. */
static size_t read_all(afetch_input *in)
{
    afetch_request req;
    size_t touched = 0;
    while (afetch_input_next(in, &req) == AFETCH_NEXT_ENTRY)
        touched += check(&req);
    const char *error = afetch_input_error(in);
    return touched + (error ? strlen(error) : 0);
}

/* The whole input is one list file, and its text up to the first NUL one URL argument. The
 * first line, a comment to the reader, may also set things up: "#proto LIST" allows the schemes
 * in LIST, and "#long" adds a third source, the rest of the input stretched past 64 KiB. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    char *arg = malloc(size + 1), *copy, *long_copy = NULL, err[256] = "";
    if (!arg)
        abort();
    memcpy(arg, data, size);
    arg[size] = '\0';
    size_t first = strcspn(arg, "\n"), rest = first < size ? first + 1 : size, long_len;
    char *long_text =
        strncmp(arg, "#long", 5) == 0 ? stretched(text + rest, size - rest, &long_len) : NULL;
    afetch_input *in = afetch_input_new();
    FILE *file = stream_of(text, size, &copy), *long_file = NULL;
    if (!in || urllist_add_file(in, file, "fuzz") != 0 || afetch_input_add_url(in, arg) != 0)
        abort();
    if (long_text &&
        urllist_add_file(in, long_file = stream_of(long_text, long_len, &long_copy), "long") != 0)
        abort();
    if (strncmp(arg, "#proto ", 7) == 0) {
        arg[first] = '\0';
        if (afetch_input_set_protocols(in, arg + 7, err, sizeof err) != 0 && !err[0])
            abort();
    }
    if (read_all(in) == SIZE_MAX)
        abort();
    afetch_input_free(in);
    fclose(file);
    if (long_file)
        fclose(long_file);
    free(copy);
    free(long_copy);
    free(long_text);
    free(arg);
    return 0;
}
