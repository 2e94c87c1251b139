/* response.c — server strings as valid UTF-8 JSON, and a result's kept body and header fields
 * as JSON values: parsed JSON, text or base64 for the body; an object for the fields. */
#include "response.h"

#include "escape.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

cJSON *json_string(const char *s)
{
    if (!s)
        return cJSON_CreateNull();
    size_t len = strlen(s);
    char small[512];
    size_t need = utf8_repair(s, len, small, sizeof small);
    if (need == len)
        return cJSON_CreateString(s); /* already valid */
    if (need < sizeof small)
        return cJSON_CreateString(small);
    char *repaired = malloc(need + 1);
    if (!repaired)
        return NULL;
    utf8_repair(s, len, repaired, need + 1);
    cJSON *node = cJSON_CreateString(repaired);
    free(repaired);
    return node;
}

bool response_is_json_type(const char *type)
{
    if (!type)
        return false;
    while (*type == ' ' || *type == '\t')
        type++;
    size_t n = strcspn(type, "; \t");
    static const char json[] = "application/json", suffix[] = "+json";
    size_t suffix_len = sizeof suffix - 1;
    if (n == sizeof json - 1 && strncasecmp(type, json, n) == 0)
        return true;
    const char *slash = memchr(type, '/', n);
    size_t subtype = slash ? n - (size_t)(slash + 1 - type) : 0;
    return slash && slash > type && subtype > suffix_len &&
           strncasecmp(type + n - suffix_len, suffix, suffix_len) == 0;
}

/* Whether the len bytes at s (1 to 3) begin a valid UTF-8 sequence that was cut off: filling
 * the rest with the lowest or the highest continuation byte makes it whole. */
static bool unfinished_sequence(const unsigned char *s, size_t len)
{
    unsigned char lead = s[0];
    size_t whole = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC2 ? 2 : 0;
    if (len >= whole)
        return false;
    for (unsigned fill = 0x80; fill <= 0xBF; fill += 0x3F) {
        unsigned char probe[4];
        memcpy(probe, s, len);
        memset(probe + len, (int)fill, whole - len);
        if (utf8_sequence(probe, whole) == whole)
            return true;
    }
    return false;
}

size_t response_text_length(const char *s, size_t len, bool cut)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        size_t n = utf8_sequence(p + i, len - i);
        if (n == 0)
            return cut && len - i < 4 && unfinished_sequence(p + i, len - i) ? i : (size_t)-1;
        if (p[i] == 0)
            return (size_t)-1; /* a C string, as cJSON keeps text, would end here */
        i += n;
    }
    return len;
}

void response_base64(const unsigned char *s, size_t len, char *out)
{
    static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t group = (uint32_t)s[i] << 16;
        if (i + 1 < len)
            group |= (uint32_t)s[i + 1] << 8;
        if (i + 2 < len)
            group |= s[i + 2];
        out[o++] = digits[group >> 18];
        out[o++] = digits[(group >> 12) & 63];
        out[o++] = i + 1 < len ? digits[(group >> 6) & 63] : '=';
        out[o++] = i + 2 < len ? digits[group & 63] : '=';
    }
    out[o] = '\0';
}

/* "\u0000" in a JSON text: cJSON would end that string at the NUL it decodes, so such a body
 * stays text rather than lose the rest of the string. */
static bool escapes_nul(const char *s, size_t len)
{
    static const char nul[] = "\\u0000";
    for (const char *p = s; (p = memchr(p, '\\', len - (size_t)(p - s))) != NULL; p++)
        if ((size_t)(s + len - p) >= sizeof nul - 1 && memcmp(p, nul, sizeof nul - 1) == 0)
            return true;
    return false;
}

/* Whether the arrays and objects of a JSON text nest at most max deep (strings skipped). */
static bool nests_within(const char *s, size_t len, unsigned max)
{
    unsigned depth = 0;
    bool in_string = false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (in_string) {
            i += c == '\\'; /* the escaped character cannot end the string */
            in_string = c != '"';
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > max)
                return false;
        } else if ((c == ']' || c == '}') && depth > 0) {
            depth--;
        }
    }
    return true;
}

/* The body parsed, if it is whole JSON text; else NULL. cJSON itself stops at 1000 levels
 * (CJSON_NESTING_LIMIT); RESPONSE_JSON_DEPTH keeps a result within what jq 1.6 reads (256
 * levels), so one hostile body cannot stop a pipeline. cJSON reads only valid UTF-8 here, so
 * what it prints is valid too. */
static cJSON *parsed_body(const afetch_result *r, size_t text_len)
{
    if (r->body_truncated || text_len != r->body_length ||
        !response_is_json_type(r->content_type) || escapes_nul(r->body, r->body_length) ||
        !nests_within(r->body, r->body_length, RESPONSE_JSON_DEPTH))
        return NULL;
    /* the length counts the NUL after the body, which ends the text */
    return cJSON_ParseWithLengthOpts(r->body, r->body_length + 1, NULL, true);
}

static cJSON *text_node(const char *s, size_t len)
{
    if (s[len] == '\0')
        return cJSON_CreateString(s);
    char *copy = malloc(len + 1);
    if (!copy)
        return NULL;
    memcpy(copy, s, len);
    copy[len] = '\0';
    cJSON *node = cJSON_CreateString(copy);
    free(copy);
    return node;
}

static cJSON *base64_node(const char *s, size_t len)
{
    char *text = malloc(4 * ((len + 2) / 3) + 1);
    if (!text)
        return NULL;
    response_base64((const unsigned char *)s, len, text);
    cJSON *node = cJSON_CreateString(text);
    free(text);
    return node;
}

cJSON *response_body_json(const afetch_result *r, const char **encoding)
{
    *encoding = NULL;
    if (!r->body)
        return cJSON_CreateNull();
    size_t text_len = response_text_length(r->body, r->body_length, r->body_truncated);
    bool text = text_len != (size_t)-1;
    cJSON *node = text ? parsed_body(r, text_len) : NULL;
    if (node) {
        *encoding = "json";
        return node;
    }
    *encoding = text ? "text" : "base64";
    return text ? text_node(r->body, text_len) : base64_node(r->body, r->body_length);
}

static int by_name_then_place(const void *a, const void *b)
{
    const afetch_header *x = *(const afetch_header *const *)a;
    const afetch_header *y = *(const afetch_header *const *)b;
    int order = strcmp(x->name, y->name);
    return order ? order : (x > y) - (x < y);
}

/* The values of the n fields at group (one name) as a string, or an array when n > 1. */
static cJSON *field_value(const afetch_header *const *group, size_t n)
{
    if (n == 1)
        return json_string(group[0]->value);
    cJSON *values = cJSON_CreateArray();
    for (size_t i = 0; values && i < n; i++) {
        cJSON *value = json_string(group[i]->value);
        if (!value) {
            cJSON_Delete(values);
            return NULL;
        }
        cJSON_AddItemToArray(values, value);
    }
    return values;
}

/* Sorting by name groups a repeated field's values (in order) in O(n log n), however many
 * fields a server sends; group_at then lists the groups in the order their names first came. */
cJSON *response_headers_json(const afetch_result *r)
{
    if (!r->headers)
        return cJSON_CreateNull();
    size_t n = r->header_count;
    const afetch_header **sorted = malloc((n ? n : 1) * sizeof *sorted);
    size_t *group_at = malloc((n ? n : 1) * sizeof *group_at);
    cJSON *o = cJSON_CreateObject();
    if (!sorted || !group_at || !o)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        sorted[i] = &r->headers[i];
        group_at[i] = SIZE_MAX;
    }
    qsort(sorted, n, sizeof *sorted, by_name_then_place);
    for (size_t i = 0; i < n; i++)
        if (i == 0 || strcmp(sorted[i - 1]->name, sorted[i]->name) != 0)
            group_at[sorted[i] - r->headers] = i;
    for (size_t i = 0; i < n; i++) {
        size_t start = group_at[i], end = start + 1;
        if (start == SIZE_MAX)
            continue;
        while (end < n && strcmp(sorted[end]->name, sorted[start]->name) == 0)
            end++;
        cJSON *name = json_string(sorted[start]->name);
        cJSON *value = field_value(sorted + start, end - start);
        if (!name || !value) {
            cJSON_Delete(name);
            cJSON_Delete(value);
            goto fail;
        }
        cJSON_AddItemToObject(o, name->valuestring, value);
        cJSON_Delete(name);
    }
    free(sorted);
    free(group_at);
    return o;
fail:
    free(sorted);
    free(group_at);
    cJSON_Delete(o);
    return NULL;
}
