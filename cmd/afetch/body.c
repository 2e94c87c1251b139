/* body.c — the request body options: -d/--data, --data-binary and --data-json, each TEXT or
 * @FILE (read once, at start-up; @- is standard input unless that is the list), joined and
 * checked into the one body every request without its own shares. */
#include "body.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* A file bigger than this is refused rather than read: -d @/dev/zero must not eat the memory. */
#define BODY_FILE_MAX (1024L * 1024 * 1024)

/* Reads all of file into *out (NUL-terminated; *size bytes before it). 0, or -1 with errno. */
static int read_stream(FILE *file, char **out, size_t *size)
{
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        len += fread(buf + len, 1, cap - 1 - len, file);
        if (ferror(file) || feof(file))
            break;
        if (cap > BODY_FILE_MAX) {
            errno = EFBIG;
            break;
        }
        char *grown = realloc(buf, 2 * cap);
        if (!grown)
            break;
        buf = grown;
        cap *= 2;
    }
    if (!buf || !feof(file)) {
        int saved = buf ? errno : ENOMEM;
        free(buf);
        errno = saved ? saved : EIO;
        return -1;
    }
    buf[len] = '\0';
    *out = buf;
    *size = len;
    return 0;
}

/* Reads path ("-": standard input) whole. 0, or -1 with errno. */
static int read_file(const char *path, char **out, size_t *size)
{
    FILE *file = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    struct stat st;
    if (!file)
        return -1;
    int rc = -1;
    if (fstat(fileno(file), &st) == 0 && S_ISDIR(st.st_mode))
        errno = EISDIR;
    else
        rc = read_stream(file, out, size);
    int saved = errno;
    if (file != stdin)
        fclose(file);
    errno = saved;
    return rc;
}

/* curl's -d @FILE: the file's carriage returns and line feeds are dropped. */
static void strip_line_ends(char *text, size_t *size)
{
    size_t kept = 0;
    for (size_t i = 0; i < *size; i++)
        if (text[i] != '\r' && text[i] != '\n')
            text[kept++] = text[i];
    text[kept] = '\0';
    *size = kept;
}

/* arg's bytes: the text itself, or the file after '@'. -1 to go on, or the usage exit code. */
static int body_bytes(struct cli *c, const char *arg, const char *name, char **out, size_t *size)
{
    char detail[4200];
    if (arg[0] != '@') {
        *size = strlen(arg);
        *out = strdup(arg);
        return *out ? -1 : usage_error(name, "out of memory");
    }
    const char *path = arg + 1;
    if (strcmp(path, "-") == 0 && (c->list_on_stdin || c->stdin_read))
        return usage_error(name, c->stdin_read ? "standard input (@-) can be read only once"
                                               : "@- reads standard input, which holds the list "
                                                 "here; give the list as a file");
    c->stdin_read = c->stdin_read || strcmp(path, "-") == 0;
    if (read_file(path, out, size) == 0)
        return -1;
    snprintf(detail, sizeof detail, "cannot read '%.4000s': %s", path, strerror(errno));
    return usage_error(name, detail);
}

/* --data-json's text: JSON (no NUL byte in it, nothing after the value), kept compact. */
static int check_json(char *text, size_t *size, const char *arg, const char *name)
{
    cJSON *json = memchr(text, '\0', *size) ? NULL : cJSON_ParseWithOpts(text, NULL, 1);
    if (!json) {
        char detail[4200];
        snprintf(detail, sizeof detail, "%s%.4000s%s is not valid JSON",
                 arg[0] == '@' ? "'" : "the value", arg[0] == '@' ? arg + 1 : "",
                 arg[0] == '@' ? "'" : "");
        return usage_error(name, detail);
    }
    cJSON_Delete(json);
    cJSON_Minify(text); /* blanks outside strings; numbers stay as written */
    *size = strlen(text);
    return -1;
}

static const char *const kind_names[] = {"--data", "--data-binary", "--data-json"};

/* Appends "&" and bytes to c's body, as curl joins its -d options. */
static int join(struct cli *c, char *bytes, size_t size, const char *name)
{
    char *grown = realloc(c->body, c->body_size + 1 + size + 1);
    if (!grown) {
        free(bytes);
        return usage_error(name, "out of memory");
    }
    c->body = grown;
    c->body[c->body_size] = '&';
    memcpy(c->body + c->body_size + 1, bytes, size + 1);
    c->body_size += 1 + size;
    free(bytes);
    return -1;
}

int take_body(struct cli *c, enum body_kind kind, const char *arg, const char *name)
{
    bool json = kind == BODY_JSON;
    if (c->body && (json || c->body_json)) {
        char detail[120];
        snprintf(detail, sizeof detail, "goes with no other body option (%s given before)",
                 c->body_option);
        return usage_error(name, detail);
    }
    char *bytes = NULL;
    size_t size = 0;
    int code = body_bytes(c, arg, name, &bytes, &size);
    if (code < 0 && kind == BODY_FORM && arg[0] == '@')
        strip_line_ends(bytes, &size);
    if (code < 0 && json)
        code = check_json(bytes, &size, arg, name);
    if (code >= 0) {
        free(bytes);
        return code;
    }
    if (c->body)
        return join(c, bytes, size, name);
    c->body = bytes;
    c->body_size = size;
    c->body_json = json;
    c->body_option = kind_names[kind];
    return -1;
}

int settle_body(struct cli *c)
{
    if (!c->body)
        return -1;
    const char *method = c->opts.method;
    if (c->opts.head || (method && strcasecmp(method, "HEAD") == 0))
        return usage_error(c->body_option, "a HEAD request (-I, -X HEAD) cannot send a body");
    c->opts.body = c->body;
    c->opts.body_size = c->body_size;
    c->opts.body_type = c->body_json ? "application/json" : NULL;
    return -1;
}
