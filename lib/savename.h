/* savename.h — the file name under which a saved body lands: pure, no I/O, fuzzed (tests/fuzz).
 *
 * The name is the input index, zero-padded to 6 digits, a '-', then the URL's host, explicit
 * port, path and query (percent-decoded where libcurl can, fragment and user info dropped).
 * Every run of bytes outside [A-Za-z0-9._] becomes one '-', runs of '.' become one '.', and the
 * name never ends in '-' or '.'. A path that is empty or ends in '/' gets "index.html". libcurl
 * resolves "." and ".." segments first, so "https://example.com/a/../b?x=1&y=2" at index 0 is
 * "000000-example.com-b-x-1-y-2"; an IPv6 host "[::1]" becomes "1", a non-ASCII (IDN) host keeps
 * its ASCII letters ("bücher.example" is "b-cher.example": punycode would depend on the
 * locale). A name longer than SAVENAME_MAX keeps its start and the extension of the last path
 * segment (a '.' and 1-10 of [A-Za-z0-9_]), so that the type still shows: the end of the path
 * and the query are what goes. Text libcurl cannot parse is split by hand and sanitised as is;
 * if nothing of it is left, the name is the index alone.
 *
 * So a name is plain ASCII, never "." or "..", never starts with '.', never holds "..", '/',
 * NUL or a control byte, and is unique within a run because of the index. */
#ifndef AFETCH_SAVENAME_H
#define AFETCH_SAVENAME_H

#include <stddef.h>

#define SAVENAME_MAX 200  /* bytes in a name at most, without the NUL */
#define SAVENAME_SIZE 208 /* the smallest buffer savename_build accepts */

/* Writes into out (size bytes) the file name under which the body of url, at input position
 * index, is saved, and returns its length; returns 0 (and writes "" if it can) if size is below
 * SAVENAME_SIZE: a name is never truncated silently. */
size_t savename_build(size_t index, const char *url, char *out, size_t size);

#endif
