/* response.h — JSON values for what a result carries from the server: strings made valid
 * UTF-8, and the kept body and header fields (--body, --headers). */
#ifndef AFETCH_RESPONSE_H
#define AFETCH_RESPONSE_H

#include "afetch.h"

#include <cjson/cJSON.h>

/* A JSON string node for s whose invalid UTF-8 bytes become U+FFFD (cJSON escapes the
 * controls); NULL s: JSON null. NULL when out of memory. */
cJSON *json_string(const char *s);

/* Whether a Content-Type names JSON: application/json or a type/subtype+json, parameters and
 * letter case aside. */
bool response_is_json_type(const char *content_type);

/* A JSON body nested deeper than this stays text. */
#define RESPONSE_JSON_DEPTH 200

/* r's kept body as a JSON value (see afetch_output_show_response), with its encoding's name
 * ("json", "text", "base64") in *encoding; JSON null and NULL when r has none. NULL when out of
 * memory. */
cJSON *response_body_json(const afetch_result *r, const char **encoding);

/* r's kept header fields as an object: lower-case names in the order they first came, a name
 * received more than once holding an array of its values; JSON null when r has none. NULL when
 * out of memory. */
cJSON *response_headers_json(const afetch_result *r);

/* The bytes of s (len of them) that are UTF-8 text: all of them when they are valid UTF-8
 * without a NUL byte; when cut is set (the body was cut at its cap), also all but an unfinished
 * character at the end. (size_t)-1 when they are not text. */
size_t response_text_length(const char *s, size_t len, bool cut);

/* Writes the base64 (RFC 4648, padded) of the len bytes at s into out, which holds
 * 4 * ((len + 2) / 3) + 1 bytes, and terminates it. */
void response_base64(const unsigned char *s, size_t len, char *out);

#endif
