/* urllist.c — afetch_input: entries from list files, stdin and arguments: trimming, comments,
 * CRLF, BOM, JSON lines (parsed with cJSON) and URL checks (libcurl's URL parser). A regular
 * file is read directly; a pipe, FIFO, terminal or device through a pump (a reader thread), so
 * that reading never blocks the caller's loop. */
#include "urllist.h"

#include "afetch_tool.h"
#include "errcode.h"
#include "pump.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

struct source {
    char *name;        /* file name, "<stdin>" or NULL for a bare URL */
    FILE *file;        /* a regular file, or the caller's stream: read directly */
    int fd;            /* else a descriptor whose reads may block, read by pump; -1: none */
    bool own_fd;       /* closed with the input (not stdin) */
    struct pump *pump; /* while fd is being read */
    char *url;
    bool borrowed; /* the caller of urllist_add_file closes it */
    size_t line_no;
    bool started; /* a BOM is only looked for at the start of a source */
};

struct afetch_input {
    struct source *sources;
    size_t count, current;
    char *line;        /* LINE_LIMIT + 1 bytes: the line being gathered, then handed out */
    size_t kept;       /* bytes of it gathered so far */
    bool too_long;     /* the line went past LINE_LIMIT: the rest of it is skipped */
    char *buffer;      /* CHUNK bytes, for reading a FILE */
    const char *chunk; /* what the current source gave and the line has not taken yet: */
    size_t chunk_len, chunk_pos; /* chunk[chunk_pos..chunk_len) */
    char *protocols;             /* NULL: http,https */
    cJSON *json;                 /* the current JSON entry, kept while its strings are in use */
    const char **headers;
    size_t headers_cap;
    char *header_text;
    size_t header_text_cap;
    char *json_body;           /* the current entry's "json", as text */
    unsigned shard_k, shard_n; /* keep entries p with p % n == k - 1; n == 0: all */
    size_t entries;            /* entries seen, kept or not */
    char where[300];
    char message[600];
    char error[400];
};

afetch_input *afetch_input_new(void)
{
    return calloc(1, sizeof(afetch_input));
}

void afetch_input_free(afetch_input *in)
{
    if (!in)
        return;
    for (size_t i = 0; i < in->count; i++) {
        struct source *s = &in->sources[i];
        pump_stop(s->pump);
        if (s->file && s->file != stdin && !s->borrowed)
            fclose(s->file);
        if (s->own_fd)
            close(s->fd);
        free(s->name);
        free(s->url);
    }
    free(in->sources);
    free(in->line);
    free(in->buffer);
    free(in->protocols);
    cJSON_Delete(in->json);
    free(in->headers);
    free(in->header_text);
    free(in->json_body);
    free(in);
}

static struct source *push_source(afetch_input *in)
{
    struct source *grown = realloc(in->sources, (in->count + 1) * sizeof *grown);
    if (!grown)
        return NULL;
    in->sources = grown;
    struct source *s = &in->sources[in->count];
    memset(s, 0, sizeof *s);
    s->fd = -1;
    return s;
}

/* A new source named name, counted; NULL when out of memory. */
static struct source *add_named(afetch_input *in, const char *name)
{
    struct source *s = push_source(in);
    char *copy = strdup(name);
    if (!s || !copy) {
        free(copy);
        return NULL;
    }
    s->name = copy;
    in->count++;
    return s;
}

int urllist_add_file(afetch_input *in, FILE *file, const char *name)
{
    struct source *s = add_named(in, name);
    if (!s)
        return -1;
    s->file = file;
    s->borrowed = true;
    return 0;
}

/* Opens path ("-": takes standard input) into *fd, and says whether it is a regular file.
 * O_NONBLOCK: opening a FIFO must not wait for a writer here; its pump waits instead. -1 with
 * errno (EISDIR for a directory). */
static int open_list(const char *path, bool is_stdin, int *fd, bool *regular)
{
    *fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (*fd < 0)
        return -1;
    struct stat st;
    int rc = fstat(*fd, &st);
    if (rc == 0 && S_ISDIR(st.st_mode)) {
        errno = EISDIR;
        rc = -1;
    }
    if (rc != 0 && !is_stdin) {
        int saved = errno;
        close(*fd);
        errno = saved;
    }
    *regular = rc == 0 && S_ISREG(st.st_mode);
    return rc;
}

int afetch_input_add_path(afetch_input *in, const char *path, char *err, size_t err_size)
{
    bool is_stdin = strcmp(path, "-") == 0, regular;
    const char *name = is_stdin ? "<stdin>" : path;
    int fd;
    if (open_list(path, is_stdin, &fd, &regular) != 0) {
        snprintf(err, err_size, "%s: %s", name, strerror(errno));
        return -1;
    }
    FILE *file = !regular ? NULL : is_stdin ? stdin : fdopen(fd, "r");
    struct source *s = !regular || file ? add_named(in, name) : NULL;
    if (!s) {
        if (file && file != stdin)
            fclose(file);
        else if (!is_stdin)
            close(fd);
        snprintf(err, err_size, "%s: out of memory", name);
        return -1;
    }
    s->file = file;
    s->fd = regular ? -1 : fd;
    s->own_fd = !regular && !is_stdin;
    return 0;
}

int afetch_input_add_url(afetch_input *in, const char *url)
{
    struct source *s = push_source(in);
    char *copy = strdup(url);
    if (!s || !copy) {
        free(copy);
        return -1;
    }
    s->url = copy;
    in->count++;
    return 0;
}

const char *afetch_input_error(const afetch_input *in)
{
    return in->error[0] ? in->error : NULL;
}

static void fail(afetch_request *req, enum err_code code, char *msg, size_t msg_size,
                 const char *where, const char *reason, const char *detail)
{
    snprintf(msg, msg_size, "%s: %s%s%s", where, reason, detail ? ": " : "", detail ? detail : "");
    req->error_code = err_name(code);
    req->error_message = msg;
}

/* Whether scheme is one of the comma-separated names in list, ignoring case. */
static bool listed(const char *list, const char *scheme)
{
    size_t len = strlen(scheme);
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ",");
        if (n == len && strncasecmp(p, scheme, len) == 0)
            return true;
        p += n + (p[n] == ',');
    }
    return false;
}

void urllist_parse_url(const char *line, const char *where, const char *protocols,
                       afetch_request *req, char *msg, size_t msg_size)
{
    if (!protocols)
        protocols = "http,https";
    req->url = line;
    CURLU *url = curl_url();
    if (!url) {
        fail(req, ERR_INTERNAL, msg, msg_size, where, "out of memory", NULL);
        return;
    }
    CURLUcode rc =
        curl_url_set(url, CURLUPART_URL, line, CURLU_DEFAULT_SCHEME | CURLU_NON_SUPPORT_SCHEME);
    char *scheme = NULL;
    if (rc != CURLUE_OK) {
        fail(req, ERR_INVALID_INPUT, msg, msg_size, where, "not a URL", curl_url_strerror(rc));
    } else if (curl_url_get(url, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
               !listed(protocols, scheme)) {
        char detail[160];
        snprintf(detail, sizeof detail, "\"%.40s\" (allowed: %.80s)", scheme ? scheme : "?",
                 protocols);
        fail(req, ERR_PROTOCOL, msg, msg_size, where, "scheme not allowed", detail);
    }
    curl_free(scheme);
    curl_url_cleanup(url);
}

/* RFC 9110 token characters: what a method or a header name may be made of. */
static bool is_token(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!strchr("!#$%&'*+-.^_`|~", *s) && !(*s >= '0' && *s <= '9') &&
            !((*s | 0x20) >= 'a' && (*s | 0x20) <= 'z'))
            return false;
    return true;
}

/* Builds "Name: value" lines from a JSON object of strings into in's buffers. */
static const char *json_headers(afetch_input *in, const cJSON *object, afetch_request *req)
{
    size_t count = 0, text = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, object)
    {
        if (!cJSON_IsString(item) || !is_token(item->string))
            return "\"headers\" must map header names to strings";
        if (strpbrk(item->valuestring, "\r\n"))
            return "a header value holds a line break";
        count++;
        text += strlen(item->string) + strlen(item->valuestring) + 3;
    }
    if (count > in->headers_cap) {
        const char **grown = realloc(in->headers, count * sizeof *grown);
        if (!grown)
            return "out of memory";
        in->headers = grown;
        in->headers_cap = count;
    }
    if (text > in->header_text_cap) {
        char *grown = realloc(in->header_text, text);
        if (!grown)
            return "out of memory";
        in->header_text = grown;
        in->header_text_cap = text;
    }
    char *cursor = in->header_text;
    size_t i = 0;
    cJSON_ArrayForEach(item, object)
    {
        in->headers[i++] = cursor;
        cursor += sprintf(cursor, "%s: %s", item->string, item->valuestring) + 1;
    }
    req->headers = in->headers;
    req->header_count = count;
    return NULL;
}

/* Whether the JSON entry has a key none of its readers knows; then req fails naming it. A key
 * silently dropped once lost a request's headers to a typo ("header"). */
static bool unknown_key(afetch_input *in, afetch_request *req)
{
    static const char *const known[] = {"url",  "label", "method", "headers",
                                        "body", "json",  "user",   "output"};
    const size_t count = sizeof known / sizeof known[0];
    const cJSON *item;
    cJSON_ArrayForEach(item, in->json)
    {
        size_t i = 0;
        while (i < count && strcmp(item->string, known[i]) != 0)
            i++;
        if (i < count)
            continue;
        const char *close = afetch_closest_name(item->string, known, count);
        char reason[160];
        snprintf(reason, sizeof reason, "unknown key \"%.60s\"%s%s%s", item->string,
                 close ? "; did you mean \"" : "", close ? close : "", close ? "\"?" : "");
        fail(req, ERR_INVALID_INPUT, in->message, sizeof in->message, in->where, reason, NULL);
        return true;
    }
    return false;
}

/* What is wrong with an entry's "output", or NULL: it names a file under -o DIR, so it is
 * relative and never climbs ("a/../b" would still stay inside, but says something else). */
static const char *bad_output(const cJSON *output)
{
    if (!cJSON_IsString(output) || !output->valuestring[0])
        return "\"output\" must be a file name (a relative path)";
    const char *p = output->valuestring;
    if (*p == '/')
        return "\"output\" must be relative to -o DIR, not start with '/'";
    for (; *p; p += strcspn(p, "/"), p += *p == '/')
        if (strncmp(p, "..", 2) == 0 && (p[2] == '/' || !p[2]))
            return "\"output\" must stay inside -o DIR: no \"..\"";
    return NULL;
}

/* ---- The "json" of an entry, as written: cJSON keeps numbers as doubles, so that printing
 * its tree would turn 12345678901234567891 into 1.2345678901234567e+19. The text has passed
 * cJSON_Parse, which these walkers follow (blanks are the bytes up to 32, as for cJSON). */

static const char *skip_blanks(const char *p)
{
    while (*p && (unsigned char)*p <= 32)
        p++;
    return p;
}

/* Past the end of the string whose opening quote is at p (at the NUL if it is not closed). */
static const char *skip_string(const char *p)
{
    for (p++; *p && *p != '"'; p++)
        if (*p == '\\' && p[1])
            p++;
    return *p ? p + 1 : p;
}

/* Past the end of the value at p. */
static const char *skip_value(const char *p)
{
    if (*p == '"')
        return skip_string(p);
    if (*p != '{' && *p != '[') {
        while (*p && (unsigned char)*p > 32 && !strchr(",}]", *p))
            p++;
        return p;
    }
    int depth = 0;
    do {
        if (*p == '"') {
            p = skip_string(p);
            continue;
        }
        depth += *p == '{' || *p == '[';
        depth -= *p == '}' || *p == ']';
        p++;
    } while (*p && depth > 0);
    return p;
}

/* Whether the string from start to end (quotes included) is key. */
static bool string_is(const char *start, const char *end, const char *key)
{
    size_t len = (size_t)(end - start);
    if (!memchr(start, '\\', len))
        return len == strlen(key) + 2 && strncmp(start + 1, key, len - 2) == 0;
    cJSON *decoded = cJSON_ParseWithLength(start, len); /* escapes: let cJSON read them */
    bool same = cJSON_IsString(decoded) && strcmp(decoded->valuestring, key) == 0;
    cJSON_Delete(decoded);
    return same;
}

/* The text of the first member key of the object in text, as cJSON_GetObjectItem finds it:
 * *start and *end. false if there is none. */
static bool raw_member(const char *text, const char *key, const char **start, const char **end)
{
    const char *p = skip_blanks(text);
    if (*p != '{')
        return false;
    for (p = skip_blanks(p + 1); *p == '"'; p = skip_blanks(p + 1)) {
        const char *name_end = skip_string(p);
        bool match = string_is(p, name_end, key);
        p = skip_blanks(name_end);
        if (*p != ':')
            return false;
        *start = skip_blanks(p + 1);
        *end = skip_value(*start);
        if (match)
            return true;
        p = skip_blanks(*end);
        if (*p != ',')
            return false;
    }
    return false;
}

/* The entry's "json" value as the body: its text, blanks outside strings dropped. */
static const char *json_body(afetch_input *in, const char *text, afetch_request *req)
{
    const char *start, *end;
    if (!raw_member(text, "json", &start, &end))
        return "\"json\" could not be read";
    size_t len = (size_t)(end - start);
    char *copy = realloc(in->json_body, len + 1);
    if (!copy)
        return "out of memory";
    in->json_body = copy;
    memcpy(copy, start, len);
    copy[len] = '\0';
    cJSON_Minify(copy);
    req->body = copy;
    req->body_size = strlen(copy);
    req->body_type = "application/json";
    return NULL;
}

/* Reads "body", "json" and "user" into req. */
static const char *json_payload(afetch_input *in, const char *text, afetch_request *req)
{
    const cJSON *body = cJSON_GetObjectItemCaseSensitive(in->json, "body");
    const cJSON *json = cJSON_GetObjectItemCaseSensitive(in->json, "json");
    const cJSON *user = cJSON_GetObjectItemCaseSensitive(in->json, "user");
    if (body && json)
        return "\"body\" and \"json\" together: an entry has one body";
    if (body && !cJSON_IsString(body))
        return "\"body\" must be a string";
    if (user && !(cJSON_IsString(user) && strchr(user->valuestring, ':')))
        return "\"user\" must be a string \"name:password\"";
    req->user = user ? user->valuestring : NULL;
    if ((body || json) && req->method && strcasecmp(req->method, "HEAD") == 0)
        return "a HEAD request cannot send a body";
    if (json)
        return json_body(in, text, req);
    if (body) {
        req->body = body->valuestring;
        req->body_size = strlen(body->valuestring);
    }
    return NULL;
}

/* A list line shown as an entry's url (a JSON entry without a good "url") must not show the
 * password of its "user": the text of each string value of a "user" key becomes "***" (fewer
 * stars for a shorter one: the line cannot grow). Keys are matched as written (one spelled
 * with escapes is missed); a string left open runs to the end of the line. */
static void hide_logins(char *text)
{
    for (char *p = strchr(text, '"'); p; p = strchr(p, '"')) {
        const char *key_end = skip_string(p);
        bool user = key_end - p == 6 && strncmp(p, "\"user\"", 6) == 0;
        const char *colon = skip_blanks(key_end);
        char *value = p + (skip_blanks(colon + (*colon == ':')) - p);
        p += key_end - p;
        if (!user || *colon != ':' || *value != '"')
            continue;
        const char *value_end = skip_string(value);
        size_t closing = value_end[-1] == '"' && value_end - value > 1;
        size_t len = (size_t)(value_end - value) - 1 - closing, stars = len < 3 ? len : 3;
        memset(value + 1, '*', stars);
        memmove(value + 1 + stars, value_end - closing, strlen(value_end - closing) + 1);
        p = value + 1 + stars + closing;
    }
}

/* Reads {"url": …, "label": …, "method": …, "headers": {…}, "body"|"json": …, "user": …,
 * "output": …}. */
static const char *json_entry(afetch_input *in, const char *text, afetch_request *req)
{
    const cJSON *json = in->json;
    if (!cJSON_IsObject(json))
        return "not a JSON object";
    const cJSON *url = cJSON_GetObjectItemCaseSensitive(json, "url");
    const cJSON *label = cJSON_GetObjectItemCaseSensitive(json, "label");
    const cJSON *method = cJSON_GetObjectItemCaseSensitive(json, "method");
    const cJSON *headers = cJSON_GetObjectItemCaseSensitive(json, "headers");
    const cJSON *output = cJSON_GetObjectItemCaseSensitive(json, "output");
    if (!cJSON_IsString(url))
        return "JSON entry has no \"url\" string";
    req->url = url->valuestring;
    if (label && !cJSON_IsNull(label) && !cJSON_IsString(label))
        return "\"label\" must be a string";
    req->label = cJSON_IsString(label) ? label->valuestring : NULL;
    if (method && !(cJSON_IsString(method) && is_token(method->valuestring)))
        return "\"method\" must be an HTTP method name";
    req->method = method ? method->valuestring : NULL;
    if (output && !cJSON_IsNull(output) && bad_output(output))
        return bad_output(output);
    req->output = cJSON_IsString(output) ? output->valuestring : NULL;
    if (headers && !cJSON_IsObject(headers))
        return "\"headers\" must be an object";
    const char *problem = headers ? json_headers(in, headers, req) : NULL;
    return problem ? problem : json_payload(in, text, req);
}

/* Whether a string in json (valid JSON text) holds the escape \u0000: cJSON's strings end at
 * the NUL it decodes to, so a URL or label would silently lose the rest. */
static bool json_holds_nul(const char *json, const char *end)
{
    bool in_string = false;
    for (const char *p = json; p < end; p++) {
        if (*p == '"')
            in_string = !in_string;
        else if (in_string && *p == '\\' && *++p == 'u' && strncmp(p + 1, "0000", 4) == 0)
            return true;
    }
    return false;
}

/* Parses text, one JSON value and nothing after it, into in->json; NULL, or what is wrong. */
static const char *json_parse(afetch_input *in, const char *text)
{
    const char *end = NULL;
    cJSON_Delete(in->json);
    in->json = cJSON_ParseWithOpts(text, &end, false);
    if (!in->json)
        return "invalid JSON";
    if (end[strspn(end, " \t\r\n")])
        return "text after the JSON object";
    if (json_holds_nul(text, end))
        return "a JSON string holds \\u0000 (a NUL byte)";
    return NULL;
}

static void parse_entry(afetch_input *in, char *text, afetch_request *req)
{
    if (text[0] != '{') {
        urllist_parse_url(text, in->where, in->protocols, req, in->message, sizeof in->message);
        return;
    }
    req->url = text;
    const char *problem = json_parse(in, text);
    if (!problem && !(cJSON_IsObject(in->json) && unknown_key(in, req)))
        problem = json_entry(in, text, req);
    if (problem)
        fail(req, ERR_INVALID_INPUT, in->message, sizeof in->message, in->where, problem, NULL);
    else if (!req->error_code)
        urllist_parse_url(req->url, in->where, in->protocols, req, in->message, sizeof in->message);
    if (req->url == text)
        hide_logins(text);
}

static char *trim(char *s, size_t len)
{
    while (len > 0 && strchr(" \t\r\n\v\f", s[len - 1]))
        s[--len] = '\0';
    while (*s && strchr(" \t\v\f", *s))
        s++;
    return s;
}

enum { LINE_LIMIT = 64 * 1024, CHUNK = 64 * 1024 };

/* Why reading s stopped early, as in->error: "name:line: reason". */
static void read_failed(afetch_input *in, const struct source *s, const char *reason)
{
    snprintf(in->error, sizeof in->error, "%s:%zu: %s", s->name, s->line_no + 1, reason);
}

/* Points in->chunk at the next bytes of s: PUMP_BYTES, or what else there is (never blocks on a
 * pumped source). */
static enum pump_got refill(afetch_input *in, struct source *s)
{
    int err = 0;
    enum pump_got got;
    in->chunk_pos = in->chunk_len = 0;
    if (s->file) {
        if (!in->buffer && !(in->buffer = malloc(CHUNK))) {
            read_failed(in, s, "out of memory");
            return PUMP_ERROR;
        }
        in->chunk = in->buffer;
        in->chunk_len = fread(in->buffer, 1, CHUNK, s->file);
        err = errno;
        got = in->chunk_len ? PUMP_BYTES : ferror(s->file) ? PUMP_ERROR : PUMP_END;
    } else if (!s->pump && !(s->pump = pump_start(s->fd))) {
        err = errno;
        got = PUMP_ERROR;
    } else {
        got = pump_take(s->pump, &in->chunk, &in->chunk_len, &err);
    }
    if (got == PUMP_ERROR && !in->error[0])
        read_failed(in, s, strerror(err));
    return got;
}

/* Gathers the next line of s into in->line, keeping at most LINE_LIMIT bytes: the rest of a
 * longer line is skipped, so memory stays bounded whatever the input. PUMP_BYTES when a line is
 * complete (in->kept bytes), PUMP_EMPTY when s has nothing yet (what was gathered stays for the
 * next call), PUMP_END at its end or after an error (in->error). A NUL byte means binary data,
 * not a list: reading ends there, also on an endless /dev/zero. */
static enum pump_got gather_line(afetch_input *in, struct source *s)
{
    for (;;) {
        if (in->chunk_pos == in->chunk_len) {
            enum pump_got got = refill(in, s);
            if (got == PUMP_EMPTY)
                return got;
            if (got != PUMP_BYTES) /* the last line may lack its newline */
                return got == PUMP_END && (in->kept || in->too_long) ? PUMP_BYTES : PUMP_END;
        }
        const char *start = in->chunk + in->chunk_pos;
        size_t avail = in->chunk_len - in->chunk_pos;
        const char *newline = memchr(start, '\n', avail);
        size_t n = newline ? (size_t)(newline - start) : avail;
        if (memchr(start, '\0', n)) {
            read_failed(in, s, "a NUL byte: binary data, not a list of URLs");
            return PUMP_END;
        }
        size_t room = LINE_LIMIT - in->kept, taken = n < room ? n : room;
        memcpy(in->line + in->kept, start, taken);
        in->kept += taken;
        in->too_long = in->too_long || n > room;
        in->chunk_pos += n + (newline != NULL);
        if (newline)
            return PUMP_BYTES;
    }
}

/* Reads the next line of s that holds an entry into *text: PUMP_BYTES, PUMP_EMPTY (nothing
 * yet) or PUMP_END (at its end, or after a read error). *problem says what is wrong with it. */
static enum pump_got next_line(afetch_input *in, struct source *s, char **text,
                               const char **problem)
{
    enum pump_got got;
    if (!in->line && !(in->line = malloc(LINE_LIMIT + 1))) {
        read_failed(in, s, "out of memory");
        return PUMP_END;
    }
    while ((got = gather_line(in, s)) == PUMP_BYTES) {
        size_t n = in->kept;
        bool too_long = in->too_long;
        in->kept = 0;
        in->too_long = false;
        in->line[n] = '\0';
        s->line_no++;
        char *line = in->line;
        if (!s->started && n >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0)
            line += 3, n -= 3;
        s->started = true;
        *problem = too_long ? "the line is longer than 64 KiB" : NULL;
        line = trim(line, n);
        if (too_long && strlen(line) > 200)
            line[200] = '\0'; /* the result shows where it started, not all of it */
        if (*line && *line != '#') {
            snprintf(in->where, sizeof in->where, "%s:%zu", s->name, s->line_no);
            *text = line;
            return PUMP_BYTES;
        }
    }
    return got;
}

/* Done with s: its pump ends now, not with the input. */
static void end_source(afetch_input *in, struct source *s)
{
    pump_stop(s->pump);
    s->pump = NULL;
    in->chunk_pos = in->chunk_len = 0;
    in->kept = 0;
    in->too_long = false;
    in->current++;
}

int afetch_input_set_protocols(afetch_input *in, const char *list, char *err, size_t err_size)
{
    const char *const *known = curl_version_info(CURLVERSION_NOW)->protocols;
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ",");
        bool found = false;
        for (size_t i = 0; known[i] && !found; i++)
            found = strlen(known[i]) == n && strncasecmp(known[i], p, n) == 0;
        if (!found) {
            snprintf(err, err_size, "'%.*s' is not a protocol libcurl knows",
                     (int)(n > 40 ? 40 : n), p);
            return -1;
        }
        p += n + (p[n] == ',');
    }
    char *copy = strdup(list);
    if (!copy) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    free(in->protocols);
    in->protocols = copy;
    return 0;
}

void afetch_input_set_shard(afetch_input *in, unsigned k, unsigned n)
{
    in->shard_k = k;
    in->shard_n = n;
}

size_t afetch_input_position(const afetch_input *in, size_t i)
{
    return in->shard_n ? i * in->shard_n + in->shard_k - 1 : i;
}

/* Whether the entry just read belongs to this shard; counts it either way. */
static bool in_shard(afetch_input *in)
{
    size_t position = in->entries++;
    return !in->shard_n || position % in->shard_n == in->shard_k - 1;
}

afetch_next afetch_input_next(void *arg, afetch_request *req)
{
    afetch_input *in = arg;
    *req = (afetch_request){0};
    while (in->current < in->count && !in->error[0]) {
        struct source *s = &in->sources[in->current];
        if (s->url) {
            in->current++;
            if (!in_shard(in))
                continue;
            urllist_parse_url(s->url, "argument", in->protocols, req, in->message,
                              sizeof in->message);
            return AFETCH_NEXT_ENTRY;
        }
        const char *problem = NULL;
        char *text = NULL;
        enum pump_got got = next_line(in, s, &text, &problem);
        if (got == PUMP_EMPTY)
            return AFETCH_NEXT_WAIT;
        if (got != PUMP_BYTES) {
            end_source(in, s);
            continue;
        }
        if (!in_shard(in))
            continue;
        if (problem) {
            req->url = text;
            fail(req, ERR_INVALID_INPUT, in->message, sizeof in->message, in->where, problem, NULL);
        } else {
            parse_entry(in, text, req);
        }
        return AFETCH_NEXT_ENTRY;
    }
    return AFETCH_NEXT_END;
}

int afetch_input_ready_fd(void *arg)
{
    afetch_input *in = arg;
    const struct source *s = in->current < in->count ? &in->sources[in->current] : NULL;
    return s && s->pump ? pump_ready_fd(s->pump) : -1;
}
