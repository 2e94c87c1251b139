/* redact.h — keeping the password of a URL out of everything afetch shows. The request goes out
 * with the URL as given; the result carries the display form of its url and effective_url and
 * error messages scrubbed of the password, so the table, JSON, the log and the timeline, which
 * all print results, cannot show it. Pure functions; fuzzed (tests/fuzz/fuzz_redact.c).
 *
 * The password is what libcurl sends as one: in an authority ("scheme://" and its slashes, or
 * the start of a URL without a scheme, up to the first '/', '?' or '#'), the userinfo runs to the
 * last '@' and the password from its first ':' on. "user@host" has none; ":pw@host" has one. */
#ifndef AFETCH_REDACT_H
#define AFETCH_REDACT_H

#include <stddef.h>

/* Copies url into out with the password of each authority in it replaced by "***"
 * ("http://user:***@host/"); authorities after a later "://" count too (a URL in a query, or a
 * list line that is not a URL). Returns the length the full result needs, like snprintf; out is
 * always terminated if size > 0. */
size_t redact_url(const char *url, char *out, size_t size);

/* Copies text (an error message) into out with the password of every "scheme://" authority in
 * it replaced by "***", and also every verbatim occurrence of url's password, as written or
 * percent-decoded. A one-letter password thus stars out that letter everywhere: a garbled
 * message is the price of never showing it. url may be NULL. Returns the length needed. */
size_t redact_text(const char *text, const char *url, char *out, size_t size);

/* The same, into a new string the caller frees; NULL when out of memory. */
char *redact_url_new(const char *url);
char *redact_text_new(const char *text, const char *url);

#endif
