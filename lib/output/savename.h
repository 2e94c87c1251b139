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

#include "afetch.h"

#include <stddef.h>

#define SAVENAME_MAX 200  /* bytes in a name at most, without the NUL */
#define SAVENAME_SIZE 208 /* the smallest buffer savename_build accepts */

/* Writes into out (size bytes) the file name under which the body of url, at input position
 * index, is saved, and returns its length; returns 0 (and writes "" if it can) if size is below
 * SAVENAME_SIZE: a name is never truncated silently. */
size_t savename_build(size_t index, const char *url, char *out, size_t size);

/* Paths (--names url and basename, and a list entry's "output") are relative, their components
 * separated by '/'. Each component is sanitised as a name is above, percent-decoded first
 * (within the component: "%2F" is a '-', never a separator), and never starts with '.' or '-',
 * so none is "." or ".." or hidden; one longer than SEGMENT_MAX keeps its start, then '-', eight
 * hex digits of a hash of the whole (two long names with the same start still differ) and the
 * extension. Empty components are dropped.
 *   url        HOST[-PORT]/DIR/.../FILE, as wget -x (a port only when the URL names one; a host
 *              with nothing left is "_"): "http://127.0.0.1:8080/a/b.pdf" is
 *              "127.0.0.1-8080/a/b.pdf"
 *   basename   FILE alone: "b.pdf"
 * FILE is the last path segment, "index.html" when the path is empty or ends in '/' (or nothing
 * of the segment is left), then the query as wget appends it, '?' and all, sanitised:
 * "/a/b.pdf?x=1" gives "b.pdf-x-1". The scheme, user info and fragment are dropped; libcurl has
 * resolved "." and ".." segments. */
#define SEGMENT_MAX 200    /* bytes in a component at most */
#define SAVEPATH_MAX 1024  /* bytes in a path at most, without the NUL */
#define SAVEPATH_SIZE 1025 /* the smallest buffer savename_path accepts */

/* Writes into out (size bytes) the path, relative to the -o directory, under which the body of
 * url at input position index is saved: output (a list entry's own name: its components
 * sanitised as above) if not NULL, else by names (AFETCH_NAMES_INDEXED: savename_build's name).
 * Returns its length; 0 (and "" if it can) if size is below SAVEPATH_SIZE, the path would be
 * longer than SAVEPATH_MAX, or nothing of output is left. */
size_t savename_path(afetch_names names, size_t index, const char *url, const char *output,
                     char *out, size_t size);

#endif
