/* afetch_tool.h — the CLI's helpers that live in the library: the output writers (table, JSON,
 * JSON Lines, --write-out templates, --compare's totals), text widths for the table, the results
 * file of --results and --resume, the timeline, the config file, "did you mean" and the version
 * lines. Not installed, no ABI promise: libafetch.a keeps these names global for cmd/afetch, and
 * libafetch.so does not export them (scripts/libafetch.map lists afetch.h's functions only). */
#ifndef AFETCH_TOOL_H
#define AFETCH_TOOL_H

#include "afetch.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* ---- Output: results as a table, one JSON document or JSON Lines ---- */

typedef enum afetch_format {
    AFETCH_FORMAT_TABLE,    /* for people: URLs and labels escaped (afetch_escape_terminal) */
    AFETCH_FORMAT_JSON,     /* one document, streamed: {"mode", "results": [...], "summary"} */
    AFETCH_FORMAT_JSONL,    /* one result object a line, flushed by afetch_output_flush */
    AFETCH_FORMAT_NONE,     /* results are counted, not printed */
    AFETCH_FORMAT_TEMPLATE, /* a line a result from a template (afetch_output_set_template) */
} afetch_format;

/* The elapsed times of --compare. */
typedef struct afetch_mode_stats {
    const char *mode; /* "sync", "threads" or "async" */
    double elapsed;   /* wall seconds */
    double cpu;       /* user + system seconds of the whole process during the run */
    size_t urls;
    unsigned loops; /* async: the event loops it ran on (its summary's loops), else 0 */
} afetch_mode_stats;

typedef struct afetch_compare {
    afetch_mode_stats modes[3]; /* in the order they ran; speedups are against the first */
    size_t count;
} afetch_compare;

typedef struct afetch_output afetch_output;

/* Writes to out, which the caller keeps open. mode names the run ("async", "sync",
 * "compare"). NULL when out of memory. */
afetch_output *afetch_output_new(FILE *out, afetch_format format, const char *mode);
void afetch_output_free(afetch_output *output);
/* An afetch_deliver_fn (arg: the output). After a write error it writes nothing more. JSON
 * Lines are not flushed one by one: out's buffer holds them until afetch_output_flush. */
void afetch_output_result(void *output, const afetch_result *result);
/* The stream's flush (arg: the output): flushes out, so what was delivered reaches its reader
 * before the run waits. */
void afetch_output_flush(void *output);
/* Ends the output (closes the JSON document); compare may be NULL. Returns 0, or -1 when a
 * write failed at any point (errno tells why). */
int afetch_output_finish(afetch_output *output, const afetch_summary *summary,
                         const afetch_compare *compare);
/* Colours the table's status column (for a terminal; off by default). */
void afetch_output_set_color(afetch_output *output, bool color);
/* True once a write has failed, e.g. EPIPE when the reader went away. */
bool afetch_output_failed(const afetch_output *output);
/* Tells the output that it writes to a terminal columns wide (0, the default: not a terminal);
 * may be called again when the width changes. The table then fits each row to the width: narrow
 * fixed columns, the URL cut in the middle and the label and error message at their end, by
 * display width; a template escapes its strings (afetch_escape_terminal). Otherwise both write
 * them whole (a template raw, for scripts). */
void afetch_output_set_terminal(afetch_output *output, unsigned columns);
/* JSON results gain "body", "body_encoding" and "body_truncated" (body), and "headers"
 * (headers): null where a result has none. Without this call they have neither.
 * body is the parsed JSON value when the result's content_type is JSON (application/json or
 * a +json type), the body is whole, nests at most 200 levels, holds no \u0000 and parses;
 * else the text when it is valid UTF-8 with no NUL byte (a cut body ends at a character
 * boundary); else base64. body_encoding says which:
 * "json", "text" or "base64". headers is an object of lower-case names, a name received more
 * than once holding an array of its values in order; invalid UTF-8 becomes U+FFFD. */
void afetch_output_show_response(afetch_output *output, bool body, bool headers);

/* A --write-out template: text with %{name} for a result's JSON keys (index, url, label, ok,
 * status, http_version, effective_url, redirects, bytes, content_type, attempts, path,
 * skipped (true or false), sha256),
 * time.start, time.dns, time.connect, time.tls, time.ttfb, time.total, error.code and
 * error.message; and the escapes \n, \r, \t, \\ and %%. A value that is null in JSON
 * prints nothing; times print in seconds with 6 decimals. */
typedef struct afetch_template afetch_template;
/* NULL with a one-line reason in err (an unknown name, with the close one if any; an
 * unterminated %{), or NULL with "out of memory". */
afetch_template *afetch_template_new(const char *text, char *err, size_t err_size);
void afetch_template_free(afetch_template *t);
/* Results are written through t (borrowed; it must outlive the output) when the format is
 * AFETCH_FORMAT_TEMPLATE. */
void afetch_output_set_template(afetch_output *output, const afetch_template *t);

/* ---- Text widths, for the table ---- */
/* The columns a terminal takes to show the len bytes at s, valid UTF-8 without controls (what
 * the escaper writes): two for East Asian wide characters and emoji, none for combining marks
 * and zero-width characters, one for the rest. An approximation of wcwidth that needs no
 * locale. */
size_t afetch_text_columns(const char *s, size_t len);

/* The length in bytes of the longest start of s (len bytes of valid UTF-8) that fits in
 * columns, cut between characters. */
size_t afetch_text_fit(const char *s, size_t len, size_t columns);

/* ---- Results file: JSON Lines that survive the process (--results, --resume) ----
 * Each result goes to the file as one whole line in one write(2), appended, as --jsonl prints
 * it; a thread flushes the file to disk (fdatasync) at least once a second while lines come,
 * and closing flushes it once more. A process killed at any moment leaves whole lines and at
 * most one torn last line, which the next open cuts away. Cancelled results are not written:
 * they say nothing of their URL, and a resumed run fetches them. */

typedef struct afetch_results afetch_results;

typedef enum afetch_results_mode {
    AFETCH_RESULTS_APPEND,        /* just append */
    AFETCH_RESULTS_RESUME,        /* read the results there first, for afetch_results_check */
    AFETCH_RESULTS_RESUME_FAILED, /* the same, but failures for good are fetched again too */
} afetch_results_mode;

/* Opens path (made with mode 0666 less the umask if missing; a regular file, locked against
 * a second afetch) to append results to, and cuts a torn last line away. With a RESUME mode,
 * reads the results in it first: each line must be a result (a line up to its "body" may be
 * 4 MiB long); their URLs are kept as hashes, 16 bytes a line. NULL with a one-line reason
 * naming the file (and the line) in err. */
afetch_results *afetch_results_open(const char *path, afetch_results_mode mode, char *err,
                                    size_t err_size);
/* Bytes of a torn last line that opening cut away (0: none). */
long long afetch_results_cut(const afetch_results *rf);
/* The lines gain the kept response, as afetch_output_show_response says. */
void afetch_results_show_response(afetch_results *rf, bool body, bool headers);

typedef enum afetch_resume {
    AFETCH_RESUME_FETCH,       /* no final result for it yet: fetch it */
    AFETCH_RESUME_DONE_OK,     /* an earlier run has it ok */
    AFETCH_RESUME_DONE_FAILED, /* an earlier run has it failed for good: invalid-input,
                                  protocol, denied, too-large, too-many-redirects, or a status
                                  other than 408, 429 and 5xx (RESUME mode only) */
    AFETCH_RESUME_CHANGED,     /* an earlier run had another URL at index: a reason in why */
} afetch_resume;
/* What the results read at opening say of the entry at index whose URL (as given: it is
 * compared in its display form, the password hidden) is url. Always FETCH in APPEND mode. */
afetch_resume afetch_results_check(afetch_results *rf, size_t index, const char *url, char *why,
                                   size_t why_size);

/* Appends r as one line (a cancelled one: nothing). Returns 0, or -1 with errno; then what
 * made it to the file of that line is cut away again, and nothing more is written. */
int afetch_results_add(afetch_results *rf, const afetch_result *r);
/* Flushes the file to disk, closes and frees it (NULL: nothing). Returns 0, or -1 with errno
 * of the first failure to write or flush it. */
int afetch_results_close(afetch_results *rf);

/* ---- Timeline: a waterfall chart of results as one plain SVG document: a panel per run (the
 * modes of --compare), a row per URL in input order, all panels on one time axis ---- */

typedef struct afetch_timeline afetch_timeline;

/* NULL when out of memory. */
afetch_timeline *afetch_timeline_new(void);
void afetch_timeline_free(afetch_timeline *t);

/* Starts a panel titled title (a mode: "sync", "threads", "async"); the results added next go
 * in it. Returns 0, or -1 when out of memory. */
int afetch_timeline_panel(afetch_timeline *t, const char *title);

/* Tells the current panel how long its run took (the summary's elapsed): the title shows it,
 * and a transfer cancelled in flight, whose total is unknown, is drawn up to it. Without it, the
 * panel's run ends with its last result. */
void afetch_timeline_panel_elapsed(afetch_timeline *t, double elapsed);

/* Adds one result to the current panel (one titled "results" is started if there is none).
 * Copies what it draws: index, url, ok, status, attempts, the error and the times (negative:
 * unknown). Returns 0, or -1 when out of memory. */
int afetch_timeline_add(afetch_timeline *t, const afetch_result *r);

/* Writes the document to path all at once: a temporary file in the same directory, flushed to
 * disk, then renamed over path. Returns 0, or -1 with errno; no temporary file is left. */
int afetch_timeline_save(const afetch_timeline *t, const char *path);

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

/* For the "did you mean" of an unknown key or option (the config parser leaves keys to its
 * caller): the name among names[0..count) that typed was most likely meant to be. That is the
 * single nearest within two edits (insert, delete, replace, or swap neighbours; ASCII case
 * ignored; fewer edits than typed has bytes), else the only name typed is a start of. NULL when
 * none is close. The result is one of names. */
const char *afetch_closest_name(const char *typed, const char *const *names, size_t count);

/* Writes the versions of afetch and of the libraries it runs on into buf, one per line, and
 * returns buf. */
char *afetch_versions(char *buf, size_t size);

#endif
