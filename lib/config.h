/* config.h — the config file reader's limits for the unit tests and fuzz target, and (until
 * afetch.h carries them) the public declarations of afetch_config_parse/load/path. */
#ifndef AFETCH_CONFIG_H
#define AFETCH_CONFIG_H

#include "afetch.h"

#include <stdbool.h>
#include <stddef.h>

/* Longest line, not counting its "\n" or "\r\n"; a longer one is an error. */
#define CONFIG_LINE_MAX 4096
/* Largest file afetch_config_load reads; a larger one is an error. */
#define CONFIG_FILE_MAX (1024 * 1024)
/* Room the parser gives a callback for its reason. */
#define CONFIG_REASON_SIZE 512

/* A copy of the public declarations, so that the library builds before afetch.h has them.
 * Once they are in afetch.h (with AFETCH_HAS_CONFIG_API defined there), this block drops out;
 * it may then be deleted. */
#ifndef AFETCH_HAS_CONFIG_API
#define AFETCH_HAS_CONFIG_API

/* ---- Config file: "key = value" lines ---- */
/* Called once per setting in file order; line is 1-based. Return 0 to go on, or -1 to stop
 * (the callback has then written a reason into err; the parser prefixes it with NAME:LINE: ). */
typedef int afetch_config_fn(void *arg, const char *key, const char *value, unsigned line,
                             char *err, size_t err_size);

/* Parses text (len bytes, not necessarily NUL-terminated), one setting a line:
 *   key = value
 * Blank lines and comment lines (first non-blank character '#') are skipped; a '#' after a
 * value is part of the value. Keys are [a-z0-9-]+. The value is everything after the first '='
 * with blanks (spaces, tabs) around it trimmed; it may be empty (the callback decides). One
 * pair of double quotes around the whole value is removed, so "  x  " keeps its spaces; there
 * are no escapes, so ""x"" gives "x" and a lone or unpaired quote stays. CRLF line ends and a UTF-8
 * BOM are accepted. Errors: a line without '=', a bad key, a NUL byte or other control character
 * (tab aside), a line longer than CONFIG_LINE_MAX bytes, or a callback's -1. Returns 0, or -1
 * with "NAME:LINE: reason" in err (NAME is name, "config" if NULL). */
int afetch_config_parse(const char *text, size_t len, const char *name, afetch_config_fn *fn,
                        void *arg, char *err, size_t err_size);

/* Reads the file at path (at most 1 MiB: larger is an error) and parses it, named by path.
 * Returns 0, or -1 with a one-line reason naming the file (and line) in err. */
int afetch_config_load(const char *path, afetch_config_fn *fn, void *arg, char *err,
                       size_t err_size);

/* Which config file applies: explicit_path (from --config) if not NULL; else $AFETCH_CONFIG if
 * set and non-empty; else $XDG_CONFIG_HOME/afetch/fetch.conf if XDG_CONFIG_HOME is absolute;
 * else $HOME/.config/afetch/fetch.conf if HOME is absolute. Writes the path into out (make it
 * PATH_MAX bytes) and returns true if the file should be read: an explicit or $AFETCH_CONFIG
 * path always (loading reports it if missing), a default path only if it exists. A path that
 * does not fit leaves out empty, which afetch_config_load reports. Pure apart from getenv and
 * access(). */
bool afetch_config_path(const char *explicit_path, char *out, size_t out_size);

#endif /* AFETCH_HAS_CONFIG_API */

#endif
