/* afetch.h — libafetch's public API: fetch many URLs concurrently on an event loop (or one
 * loop per core) and hand their results over in declaration order, like asyncio.gather.
 *
 * Ownership at a glance:
 *   afetch_loop_new / afetch_loop_free      the caller owns the loop
 *   afetch_fetch / afetch_future_free       the caller owns each future it fetched
 *   afetch_result                           borrowed, its body and headers too: valid as long
 *                                           as its future (or, in a stream, until the
 *                                           deliver callback returns)
 *   afetch_options, afetch_request          borrowed only during the call: the library copies
 *                                           what it keeps (but log_arg and the stop flag are
 *                                           pointers the caller keeps valid for the run)
 * Nothing here is thread-safe; one loop belongs to one thread. A stream run with
 * afetch_options.loops > 1 starts threads of its own and stops them before it returns; every
 * callback of afetch_stream still runs on the caller's thread, only the log may come from any. */
#ifndef AFETCH_H
#define AFETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#define AFETCH_VERSION "0.1.0"

/* Statuses first to last (inclusive), 100-599. */
typedef struct afetch_status_range {
    long first, last;
} afetch_status_range;

/* How a saved body is named under the output directory (afetch_options.names). */
typedef enum afetch_names {
    AFETCH_NAMES_INDEXED,  /* 000042-example.com-docs-index.html: the index, then the URL */
    AFETCH_NAMES_URL,      /* example.com/docs/index.html: host and path as directories */
    AFETCH_NAMES_BASENAME, /* index.html: the last path segment alone */
} afetch_names;

/* Settings shared by every transfer of a loop or a sync run. */
typedef struct afetch_options {
    unsigned parallel; /* transfers in flight at most (the window), >= 1 */
    /* Event loops for afetch_run_stream, each with a thread and a libcurl multi handle of its
     * own; at most parallel are used. 0 or 1: one, in the caller's thread. With more, the
     * caller's thread reads, gathers and delivers while the loops share the window, the --rate
     * clock, the DNS cache and TLS sessions; a host's URLs go to one loop (so per_host and
     * connection reuse stay exact), spilling over to the others when it has more than its
     * share and per_host is 0. afetch_fetch and afetch_gather always use the one loop. */
    unsigned loops;
    double timeout;             /* seconds for a whole transfer; 0: no limit (times are rounded
                                   up to libcurl's unit, so a positive one never becomes 0) */
    double connect_timeout;     /* seconds to connect; 0: libcurl's default */
    long low_speed_limit;       /* bytes/s; slower than this for low_speed_time is a timeout */
    double low_speed_time;      /* seconds; 0: no low-speed guard */
    const char *method;         /* NULL: GET (POST with a body), or HEAD when head is set */
    bool head;                  /* send HEAD, expect no body */
    const char *const *headers; /* "Name: value" lines sent with every request */
    size_t header_count;
    const char *body; /* sent with every request that has none of its own (NULL:
                         none); bytes, NUL bytes allowed. Without method or head the
                         method is POST. A HEAD request with a body fails as
                         invalid-input */
    size_t body_size;
    const char *body_type;      /* the body's Content-Type unless a header names one; NULL:
                                   application/x-www-form-urlencoded. "application/json" also
                                   sends Accept: application/json unless a header names Accept */
    const char *user;           /* "name:password" (split at the first ':') for HTTP basic
                                   authentication, in place of a URL's user info; NULL: none.
                                   It follows redirects as URL user info does and is never
                                   shown */
    const char *user_agent;     /* NULL: "afetch/" AFETCH_VERSION */
    bool follow_redirects;      /* with it, the final response decides ok; without, 3xx is ok */
    long max_redirects;         /* with follow_redirects; >= 0 */
    bool location_trusted;      /* credentials follow redirects to other origins (curl's -L
                                   --location-trusted); never from https to http */
    const char *protocols;      /* allowed schemes, also for redirects: "http,https" */
    bool deny_private;          /* refuse loopback, private, link-local, unspecified addresses;
                                   also ignores the proxy environment (http_proxy...): through
                                   a proxy, the target's address cannot be judged */
    int64_t max_size;           /* body bytes (decoded) at most; 0: no limit */
    bool compressed;            /* ask for compressed bodies; bytes count them decoded */
    bool http2_prior_knowledge; /* speak HTTP/2 at once, also over plain http */
    double rate;                /* transfers started per second at most; 0: no limit */
    unsigned per_host;          /* transfers in flight to one host at most; 0: no limit */
    unsigned retries;           /* extra tries for transient failures of idempotent methods
                                   (RFC 9110: GET, HEAD, OPTIONS, TRACE, PUT, DELETE) */
    double retry_delay;         /* seconds, the base of the exponential backoff */
    bool insecure;              /* do not verify TLS peers */
    const char *cacert;         /* CA bundle file; NULL: the system's */
    const char *output_dir;     /* save successful bodies here; NULL: count them only */
    afetch_names names;         /* the file each body goes to (a request's output wins) */
    bool overwrite;             /* saving may replace an existing file */
    bool skip_existing;         /* an entry whose file is there (a regular file) is not fetched:
                                   its result is ok, skipped, with that path */
    bool hash;                  /* SHA-256 of each body into the result */
    /* Connections. NULL proxy: libcurl's proxy environment (http_proxy, https_proxy,
     * all_proxy, no_proxy; never HTTP_PROXY) applies, as it is when a run or gather starts. */
    const char *proxy;          /* every transfer through it: [scheme://][user:pw@]host[:port];
                                   afetch never prints it; ignored under deny_private */
    const char *noproxy;        /* hosts reached directly, comma-separated; "*": all */
    const char *const *resolve; /* "[+]HOST:PORT:ADDR[,ADDR...]" or "-HOST:PORT", as curl */
    size_t resolve_count;
    const char *const *connect_to; /* "HOST1:PORT1:HOST2:PORT2", as curl; parts may be empty */
    size_t connect_to_count;
    /* Cookies. With cookie_files or cookie_jar the cookie engine is on: one store for the
     * whole run (a loop, a sync or a threads run), filled from the files when it starts; a
     * cookie a response sets is sent by later requests where the cookie rules allow. */
    const char *cookie;              /* "NAME=VALUE[; ...]" sent to each URL's own origin
                                        (not after a redirect to another); NULL: none */
    const char *const *cookie_files; /* Netscape format or "Set-Cookie:" lines, read when a
                                        run starts; "" reads nothing (the engine alone) */
    size_t cookie_file_count;
    const char *cookie_jar; /* every cookie, written when a run ends (mode 0600); NULL: none */
    /* The final statuses that make a completed transfer ok; any other is an "http" error. NULL:
     * every status below 400 (2xx, and a 3xx that stayed final: not followed, or one without a
     * Location). Retries still go by the status, so a 503 outside the list is tried again. */
    const afetch_status_range *accept;
    size_t accept_count;
    /* Keep the final response's body, up to body_max bytes, in the result (a longer one is cut
     * there and marked; the transfer itself goes on). Each transfer in flight, and each result
     * waiting for an earlier one to be delivered in order, holds up to that much; with body_max
     * or keep_headers, at most 2 x parallel results are in flight or waiting. 0: keep none, and
     * bodies only stream. */
    int64_t body_max;
    bool keep_headers; /* keep the final response's header fields in the result */
    /* Diagnostics, one line at a time (no newline), from any thread of a run: with
     * verbosity 1 each transfer's start and end, with 2 also the loop's socket and timer
     * events and a warning when one callback ran longer than 100 ms. Lines show URLs in their
     * display form (see afetch_result) and come escaped (afetch_escape_terminal): safe to print
     * as they are. */
    void (*log)(void *arg, const char *line);
    void *log_arg;
    unsigned verbosity;
    /* Set (by a signal handler, say) to stop a run: nothing new starts, what runs is
     * cancelled. A loop also needs afetch_loop_wake to notice at once. NULL: never. */
    const volatile sig_atomic_t *stop;
} afetch_options;

/* Fills opts with the defaults: 50 in flight, 30 s timeout, 10 s connect timeout, a transfer
 * slower than 10 bytes/s for 20 s times out, GET, no body, follow up to 10 redirects, http and
 * https only, no retries (a 1 s backoff base when enabled), TLS verified. Redirects carry
 * credentials (user, URL user info, and headers whose names contain auth, token, key, secret,
 * session, cookie, password or credential) only while the chain stays at the first URL's
 * scheme, host and port, and no custom header at all once a hop went from https to http. A
 * body goes along where the method stays (307, 308), not where it becomes GET (303; POST
 * after 301, 302). */
void afetch_options_init(afetch_options *opts);

/* One entry to fetch. A request the list parser already found bad carries error_code and
 * error_message; it becomes a failed result without any network traffic. */
typedef struct afetch_request {
    const char *url;
    const char *label;          /* NULL: none */
    const char *method;         /* NULL: the options' method */
    const char *const *headers; /* sent after the options' headers; a name given here wins */
    size_t header_count;
    const char *body; /* NULL: the options' body, if any */
    size_t body_size;
    const char *body_type;  /* body's Content-Type, as in afetch_options */
    const char *user;       /* "name:password"; NULL: the options' user, if any */
    const char *error_code; /* NULL for a good request */
    const char *error_message;
    const char *output; /* where under output_dir its body goes (a relative path, sanitised
                           like the names); NULL: as the options' names say */
    /* The index its result carries (and an indexed saved name starts with) when numbered is
     * set: its position in a whole list of which only a part is fetched (a shard, a resumed
     * run). Without it, requests are numbered in call order from 0. */
    bool numbered;
    size_t index;
} afetch_request;

/* One header field of a response. */
typedef struct afetch_header {
    const char *name;  /* in lower case */
    const char *value; /* raw bytes, without the blanks around it */
} afetch_header;

/* Seconds; a negative value means unknown. start counts from the start of the run, the others
 * from the start of the transfer, as libcurl measures them. */
typedef struct afetch_timing {
    double start, dns, connect, tls, ttfb, total;
} afetch_timing;

/* What became of one request. Strings are NULL where unknown.
 *
 * No password is handed out: url and effective_url are display forms, in which the password of
 * a URL's userinfo reads "***" ("http://user:***@host/"; "user@host" has none to hide), and
 * error_message has the request's password starred out wherever it appears, as written or
 * percent-decoded, and that of any URL in it. The request itself is sent with the URL as given.
 * The strings are otherwise raw: escape them (afetch_escape_terminal) before a terminal sees
 * them; the table and the log lines already do. */
typedef struct afetch_result {
    size_t index;    /* declaration (input) position, from 0 */
    const char *url; /* display form */
    const char *label;
    bool ok;                   /* completed, and final status < 400 */
    long status;               /* final HTTP status; 0: no response */
    const char *http_version;  /* "1.0", "1.1", "2", "3" */
    const char *effective_url; /* display form */
    long redirects;            /* -1: unknown */
    int64_t bytes;             /* body bytes received */
    const char *content_type;
    unsigned attempts; /* tries made; 0 when nothing was sent */
    afetch_timing time;
    const char *path;          /* where the body was saved (output_dir), else NULL */
    bool skipped;              /* skip_existing found the file at path: ok, nothing saved (and
                                  nothing fetched, unless the file appeared meanwhile) */
    const char *sha256;        /* hex digest of the body (hash), else NULL */
    const char *error_code;    /* NULL when ok, else a stable code such as "timeout" */
    const char *error_message; /* NULL when ok, else one human-readable line */
    /* With body_max: the final response's body (after redirects), body_length raw bytes with a
     * NUL after them (the body may hold NULs too), cut at body_max bytes when body_truncated;
     * NULL when no response came back complete. */
    const char *body;
    size_t body_length;
    bool body_truncated;
    /* With keep_headers: the last response's header fields, in the order received (trailers
     * last), a repeated name once per field; NULL when no response began. Earlier
     * responses (redirects, 1xx) are not among them. */
    const afetch_header *headers;
    size_t header_count;
} afetch_result;

/* The error codes a result can carry. */
#define AFETCH_E_INVALID_INPUT "invalid-input"
#define AFETCH_E_PROTOCOL "protocol"
#define AFETCH_E_DNS "dns"
#define AFETCH_E_CONNECT "connect"
#define AFETCH_E_TLS "tls"
#define AFETCH_E_TIMEOUT "timeout"
#define AFETCH_E_TOO_MANY_REDIRECTS "too-many-redirects"
#define AFETCH_E_HTTP "http"       /* a status not accepted (see afetch_options.accept) */
#define AFETCH_E_NETWORK "network" /* the connection broke: reset, nothing or too little sent */
#define AFETCH_E_BAD_RESPONSE "bad-response" /* the server's answer was not valid HTTP */
#define AFETCH_E_DENIED "denied"             /* deny_private refused the address */
#define AFETCH_E_TOO_LARGE "too-large"       /* the body passed max_size */
#define AFETCH_E_WRITE "write"               /* saving the body failed */
#define AFETCH_E_EXISTS "exists"             /* the file to save to exists, and no overwrite */
#define AFETCH_E_CANCELLED "cancelled"
#define AFETCH_E_INTERNAL "internal" /* out of memory or a libcurl setup failure */

typedef enum afetch_state {
    AFETCH_PENDING,
    AFETCH_DONE,      /* settled with a result that is ok */
    AFETCH_FAILED,    /* settled with a result that is not ok */
    AFETCH_CANCELLED, /* settled by cancellation; the result says "cancelled" */
} afetch_state;

typedef enum afetch_gather_mode {
    AFETCH_RETURN_ERRORS, /* every future runs to its end; errors are results */
    AFETCH_FAIL_FAST,     /* the first result that is not ok cancels the rest */
} afetch_gather_mode;

/* Totals of one run. */
typedef struct afetch_summary {
    size_t urls, ok, failed;
    size_t skipped; /* of the ok ones, skipped because their file existed (skip_existing) */
    size_t resumed; /* set by the caller: entries not run at all, done by an earlier run */
    int64_t bytes;
    double elapsed;    /* wall seconds */
    unsigned parallel; /* the window: -j, or the narrowest it shrank to when descriptors ran out */
    int cookie_jar_errno; /* 0, or why the options' cookie_jar could not be written */
    unsigned loops;       /* afetch_run_stream: the event loops it ran on; 0 for sync and threads */
} afetch_summary;

typedef struct afetch_loop afetch_loop;
typedef struct afetch_future afetch_future;

/* Process-wide set-up of libcurl; call once before any other function, and the cleanup once
 * at the end. Returns 0, or -1 when libcurl cannot start. */
int afetch_global_init(void);
void afetch_global_cleanup(void);

/* A loop: one libev loop driving one libcurl multi handle. It copies opts, every string and
 * list in it too, so the caller may change or free them as soon as this returns; only the log
 * callback's log_arg and the stop flag are used where they are, and must outlive the loop.
 * NULL when out of memory. */
afetch_loop *afetch_loop_new(const afetch_options *opts);
void afetch_loop_free(afetch_loop *loop);

/* Schedules req and returns its future, numbered in call order (unless req is numbered). The
 * transfer starts when the window has room; it makes progress only while the loop runs
 * (afetch_gather). NULL when out of memory. */
afetch_future *afetch_fetch(afetch_loop *loop, const afetch_request *req);

afetch_state afetch_future_state(const afetch_future *future);
/* The result, or NULL while the future is pending. */
const afetch_result *afetch_future_result(const afetch_future *future);
/* Stops a pending future's transfer; its result becomes "cancelled". No effect once settled. */
void afetch_future_cancel(afetch_future *future);
/* Cancels the future if pending, then frees it. */
void afetch_future_free(afetch_future *future);

/* Runs the loop until every one of the n futures has settled. Returns how many are not ok. */
size_t afetch_gather(afetch_loop *loop, afetch_future *const *futures, size_t n,
                     afetch_gather_mode mode);

/* A stream of requests, too many to hold at once: the library pulls the next request only when
 * it has room and delivers each result, in declaration order unless as_completed is set. What
 * next() fills in is copied before the next call. */
typedef enum afetch_next {
    AFETCH_NEXT_END,   /* the input is over */
    AFETCH_NEXT_ENTRY, /* req is filled in */
    AFETCH_NEXT_WAIT,  /* nothing yet (a pipe being written slowly): ask again once the
                          stream's ready_fd is readable; meanwhile transfers go on */
} afetch_next;
typedef afetch_next afetch_next_fn(void *arg, afetch_request *req);
typedef void afetch_deliver_fn(void *arg, const afetch_result *result);

/* Where a run stands, for a progress display. */
typedef struct afetch_progress {
    size_t done, ok, failed; /* delivered so far */
    size_t in_flight;        /* transfers running now */
    int64_t bytes;
    double elapsed;
} afetch_progress;

typedef struct afetch_stream {
    afetch_next_fn *next;
    void *next_arg;
    /* Required if next() may answer AFETCH_NEXT_WAIT (else NULL; a WAIT then ends the input):
     * called with next_arg after each WAIT, it returns a descriptor that turns readable when
     * next() may have more. The library only polls it. */
    int (*ready_fd)(void *next_arg);
    afetch_deliver_fn *deliver;
    void *deliver_arg;
    afetch_gather_mode mode; /* with FAIL_FAST, every request after the trip is "cancelled" */
    bool as_completed;       /* deliver as each finishes instead of in order */
    /* If set: called after each delivery and about every 100 ms while transfers run. */
    void (*progress)(void *arg, const afetch_progress *progress);
    void *progress_arg;
    /* If set: called with deliver_arg after a batch of deliveries, before the run waits for
     * anything (the network, the input, a timer), and once at the end; so deliver may hold
     * its output back and write a batch at a time, and a reader still sees every result as
     * soon as the run stops to wait. */
    void (*flush)(void *deliver_arg);
} afetch_stream;

/* Runs the stream on the loop until every request has been delivered: on the loop itself, or
 * with options.loops > 1 on that many loops of their own, from this thread (the loop then
 * waits for their results; afetch_loop_wake and afetch_loop_cancel reach them all). Then it
 * writes the cookie jar if the options name one (a failure to: summary->cookie_jar_errno).
 * Returns 0, or -1 when out of memory (the results delivered so far stand; the rest are not
 * delivered). */
int afetch_run_stream(afetch_loop *loop, const afetch_stream *stream, afetch_summary *summary);

/* The sequential baseline: one reused easy handle, one blocking transfer after another, the
 * same results; the cookie jar as with afetch_run_stream. opts is read during the call only
 * (so with afetch_run_threads). Returns 0, or -1 when out of memory. */
int afetch_run_sync(const afetch_options *opts, const afetch_stream *stream,
                    afetch_summary *summary);

/* The executor baseline (asyncio's run_in_executor): threads workers, each doing blocking
 * transfers on its own easy handle, all sharing one cookie store; the same results, in the same
 * order; the cookie jar as with afetch_run_stream. Returns 0, or -1 when out of memory or no
 * thread could start. */
int afetch_run_threads(const afetch_options *opts, unsigned threads, const afetch_stream *stream,
                       afetch_summary *summary);

/* Writes every cookie of the loop's store to the options' cookie_jar, all or nothing (a
 * temporary file in the same directory, flushed, then renamed). afetch_run_stream does it at
 * its end; after afetch_gather the caller does. Returns 0 (also without a jar), or -1 with
 * errno. */
int afetch_loop_save_cookies(afetch_loop *loop);

/* Async-signal-safe: wakes the loop so that it looks at opts->stop at once; in a run on several
 * loops, this loop then stops them all. */
void afetch_loop_wake(afetch_loop *loop);

/* Cancels every pending future of the loop; a stream being run reads no further. For an
 * interrupted run or a closed output: the cancelled results are still delivered. */
void afetch_loop_cancel(afetch_loop *loop);

/* ---- Input: list files, stdin and URL arguments, read one entry at a time ---- */

typedef struct afetch_input afetch_input;

afetch_input *afetch_input_new(void);
void afetch_input_free(afetch_input *input);
/* Adds a list file ("-": stdin), opened now and read after the sources added before. Returns 0,
 * or -1 with a one-line reason naming the file in err. */
int afetch_input_add_path(afetch_input *input, const char *path, char *err, size_t err_size);
/* Adds one URL given as an argument. Returns 0, or -1 when out of memory. */
int afetch_input_add_url(afetch_input *input, const char *url);
/* An afetch_next_fn (arg: the input): one line, one entry; blank and '#' lines skipped, CRLF
 * and a BOM accepted, "{...}" lines read as JSON. A bad entry comes back carrying its error.
 * The strings stay valid until the next call. Regular files are read directly; a pipe, FIFO,
 * terminal or device is read ahead by a thread, and while it has no whole line yet the answer
 * is AFETCH_NEXT_WAIT. A NUL byte (binary data) ends the input with an error. */
afetch_next afetch_input_next(void *input, afetch_request *req);
/* afetch_stream.ready_fd for afetch_input_next (arg: the input). */
int afetch_input_ready_fd(void *input);
/* The read error that ended the input early ("file:line: reason"), or NULL. */
const char *afetch_input_error(const afetch_input *input);
/* Keeps only shard k of n (1 <= k <= n): the entries whose position p (from 0, counting every
 * entry, bad ones too) has p % n == k - 1. Entry number i of the shard is at position
 * i * n + k - 1, which afetch_input_position turns back. */
void afetch_input_set_shard(afetch_input *input, unsigned k, unsigned n);
/* The position in the whole input of the shard's entry number i. */
size_t afetch_input_position(const afetch_input *input, size_t i);
/* Entries whose scheme is not in the comma-separated list become "protocol" errors (default
 * "http,https"). Returns 0, or -1 with a reason in err when a name is not a protocol libcurl
 * knows. */
int afetch_input_set_protocols(afetch_input *input, const char *list, char *err, size_t err_size);

/* ---- Text for people ---- */

/* Copies the len bytes at s into out so that a terminal shows them and acts on none: C0
 * controls, DEL and bytes that are not UTF-8 become \xNN; C1 controls (U+0080-U+009F), bidi
 * controls (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069) and the line and paragraph
 * separators (U+2028, U+2029) become \uXXXX (hex digits in capitals); every other valid UTF-8
 * character stays as it is. A backslash stays too, so escaping twice changes nothing. Returns
 * the length the full result needs (excluding the NUL), like snprintf; out is always
 * terminated if size > 0. The one escaper behind the table, the log lines, the timeline's
 * text and the command's messages. */
size_t afetch_escape_terminal(const char *s, size_t len, char *out, size_t size);

#endif
