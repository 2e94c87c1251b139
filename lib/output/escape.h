/* escape.h — making untrusted text safe to show: valid UTF-8 for JSON, and (afetch.h's
 * afetch_escape_terminal) nothing a terminal would act on. Every string from a server, a list or
 * the command line that people see goes through these. Pure functions over caller buffers;
 * fuzzed (tests/fuzz). */
#ifndef AFETCH_ESCAPE_H
#define AFETCH_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>

/* Length (1-4) of the valid UTF-8 sequence at the start of the len bytes at s, or 0 if none
 * starts there (a stray byte, a truncated, overlong or surrogate sequence). */
size_t utf8_sequence(const unsigned char *s, size_t len);

/* Copies s into out with every invalid UTF-8 byte replaced by U+FFFD. Returns the length the
 * full result needs (excluding the NUL), like snprintf; out is always terminated if size > 0. */
size_t utf8_repair(const char *s, size_t len, char *out, size_t size);

/* The terminal escaper, afetch_escape_terminal, is public: see afetch.h. */

/* The display width helpers, afetch_text_columns and afetch_text_fit, are the CLI's: see
 * afetch_tool.h. */

/* Rewrites JSON text so that DEL and the C1 controls, which JSON allows raw, appear as \u00XX
 * escapes too. Only valid inside JSON text made by a serializer: those bytes can only occur in
 * strings there. Returns the length needed, like snprintf. */
size_t json_escape_controls(const char *json, size_t len, char *out, size_t size);

#endif
