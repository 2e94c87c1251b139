/* results.c — afetch_results: the results file of --results and --resume. One whole JSON line
 * per write(2) on an O_APPEND descriptor, so that a process killed at any moment leaves whole
 * lines and at most one torn last line, which the next open cuts away; a thread of its own
 * flushes the file to disk (fdatasync) at least once a second, so the loop never waits for the
 * disk. With --resume the file is read first into a resume set (resume.h). */
#define _GNU_SOURCE /* flock, memrchr */
#include "afetch_tool.h"

#include "escape.h"
#include "output.h"
#include "redact.h"
#include "resume.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A result line is read up to its "body" (or "headers"), which come last: what comes before
 * is at most a few URLs and messages long, whatever the body held. A line whose part before
 * them is longer than this is no result afetch wrote. */
enum { READ_CHUNK = 64 * 1024, PREFIX_MAX = 4 * 1024 * 1024 };

struct afetch_results {
    char *path;
    int fd;
    off_t size;            /* the whole lines written: where a failed write cuts back to */
    off_t cut;             /* bytes of a torn last line cut away when opening */
    afetch_output *format; /* what a line holds: as --jsonl prints it */
    afetch_results_mode mode;
    struct resume_set done;
    int error; /* errno of the first failed write; nothing is written after it */

    pthread_t syncer;
    bool syncer_started;
    pthread_mutex_t lock; /* guards the three below */
    pthread_cond_t wake;  /* closing */
    bool dirty, closing;
    int sync_error; /* errno of the first failed fdatasync */
};

/* ---- Reading the results of earlier runs ---- */

struct reader {
    afetch_results *rf;
    char *line; /* the first PREFIX_MAX bytes of the line being read */
    size_t kept, len;
    size_t line_no;
    char *err;
    size_t err_size;
};

/* The part of a line before its top-level "body" or "headers" key, closed again. Inside a
 * string a quote is escaped, so the first `,"body":` of a line afetch wrote is the key. */
static size_t result_prefix(char *line, size_t len)
{
    static const char *const keys[] = {",\"body\":", ",\"headers\":"};
    for (size_t i = 0; i < 2; i++) {
        char *at = memmem(line, len, keys[i], strlen(keys[i]));
        if (at) {
            at[0] = '}';
            return (size_t)(at - line) + 1;
        }
    }
    return len;
}

/* Why the parsed line is no result, or NULL with its fields read. */
static const char *read_fields(const cJSON *o, uint64_t *index, uint64_t *hash,
                               enum resume_state *state)
{
    const cJSON *i = cJSON_GetObjectItemCaseSensitive(o, "index");
    const cJSON *url = cJSON_GetObjectItemCaseSensitive(o, "url");
    const cJSON *ok = cJSON_GetObjectItemCaseSensitive(o, "ok");
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(o, "status");
    const cJSON *error = cJSON_GetObjectItemCaseSensitive(o, "error");
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(error, "code");
    if (!cJSON_IsNumber(i) || i->valuedouble < 0 || i->valuedouble > 9007199254740992.0 ||
        i->valuedouble != (double)(uint64_t)i->valuedouble)
        return "no whole \"index\"";
    if (!cJSON_IsString(url) || !cJSON_IsBool(ok))
        return "no \"url\" string or \"ok\" flag";
    if (!cJSON_IsTrue(ok) && !cJSON_IsString(code))
        return "a failure without an error code";
    *index = (uint64_t)i->valuedouble;
    *hash = resume_hash(url->valuestring);
    long st = cJSON_IsNumber(status) ? (long)status->valuedouble : 0;
    *state = resume_classify(cJSON_IsTrue(ok), cJSON_IsString(code) ? code->valuestring : NULL, st);
    return NULL;
}

/* Takes the line just read into the resume set; -1 with the reason in r->err. */
static int take_line(struct reader *r)
{
    r->line_no++;
    if (r->kept == r->len && strspn(r->line, " \t\r") == r->kept)
        return 0; /* a blank line */
    size_t len = result_prefix(r->line, r->kept);
    const char *why = NULL;
    cJSON *o = NULL;
    if (r->kept < r->len && len == r->kept) {
        why = "a line longer than 4 MiB before its body";
    } else {
        r->line[len] = '\0';
        o = cJSON_ParseWithLength(r->line, len);
        why = cJSON_IsObject(o) ? NULL : "not a JSON object";
    }
    uint64_t index = 0, hash = 0;
    enum resume_state state = RESUME_AGAIN;
    why = why ? why : read_fields(o, &index, &hash, &state);
    cJSON_Delete(o);
    if (why) {
        snprintf(r->err, r->err_size,
                 "%s:%zu: not a result line (%s); --resume reads the results files afetch "
                 "writes",
                 r->rf->path, r->line_no, why);
        return -1;
    }
    if (resume_add(&r->rf->done, index, hash, state) != 0) {
        snprintf(r->err, r->err_size, "%s: out of memory", r->rf->path);
        return -1;
    }
    return 0;
}

/* Adds n bytes of a line to r (keeping its first PREFIX_MAX); at its end (newline) takes it. */
static int feed_line(struct reader *r, const char *bytes, size_t n, bool newline)
{
    size_t room = PREFIX_MAX - r->kept, taken = n < room ? n : room;
    memcpy(r->line + r->kept, bytes, taken);
    r->kept += taken;
    r->len += n;
    if (!newline)
        return 0;
    r->line[r->kept] = '\0';
    int rc = take_line(r);
    r->kept = r->len = 0;
    return rc;
}

/* Reads every whole line of the file into the resume set; *keep is where the last one ends.
 * -1 with the reason in err. */
static int read_results(afetch_results *rf, off_t *keep, char *err, size_t err_size)
{
    struct reader r = {.rf = rf, .line = malloc(PREFIX_MAX + 1), .err = err, .err_size = err_size};
    char *chunk = malloc(READ_CHUNK);
    off_t at = 0;
    int rc = r.line && chunk ? 0 : -1;
    if (rc)
        snprintf(err, err_size, "%s: out of memory", rf->path);
    *keep = 0;
    while (rc == 0) {
        ssize_t n = pread(rf->fd, chunk, READ_CHUNK, at);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n < 0)
                snprintf(err, err_size, "cannot read %s: %s", rf->path, strerror(errno));
            rc = n < 0 ? -1 : 0;
            break;
        }
        for (const char *p = chunk, *end = chunk + n; rc == 0 && p < end;) {
            const char *newline = memchr(p, '\n', (size_t)(end - p));
            size_t len = newline ? (size_t)(newline - p) : (size_t)(end - p);
            rc = feed_line(&r, p, len, newline != NULL);
            p += len + (newline != NULL);
            if (newline)
                *keep = at + (p - chunk);
        }
        at += n;
    }
    free(r.line);
    free(chunk);
    return rc;
}

/* Where the last whole line of the file (size bytes) ends, read from the end back. -1 with
 * errno when it cannot be read. */
static off_t find_last_line(int fd, off_t size)
{
    char chunk[4096];
    for (off_t end = size; end > 0;) {
        off_t start = end > (off_t)sizeof chunk ? end - (off_t)sizeof chunk : 0;
        ssize_t n = pread(fd, chunk, (size_t)(end - start), start);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? -1 : 0;
        const char *newline = memrchr(chunk, '\n', (size_t)n);
        if (newline)
            return start + (newline - chunk) + 1;
        end = start;
    }
    return 0;
}

/* ---- Writing ---- */

/* Flushes the file to disk at least once a second while lines come; never runs while nothing
 * was written. */
static void *sync_main(void *arg)
{
    afetch_results *rf = arg;
    pthread_mutex_lock(&rf->lock);
    while (!rf->closing) {
        struct timespec due;
        clock_gettime(CLOCK_MONOTONIC, &due);
        due.tv_sec += 1;
        while (!rf->closing && pthread_cond_timedwait(&rf->wake, &rf->lock, &due) != ETIMEDOUT)
            ;
        if (!rf->dirty)
            continue;
        rf->dirty = false;
        pthread_mutex_unlock(&rf->lock);
        int rc = fdatasync(rf->fd), error = errno;
        pthread_mutex_lock(&rf->lock);
        if (rc != 0 && !rf->sync_error)
            rf->sync_error = error;
    }
    pthread_mutex_unlock(&rf->lock);
    return NULL;
}

/* The thread takes no signals meant for a handler: those belong to the thread that runs the
 * loop (as pump.c's reader). */
static int start_syncer(afetch_results *rf)
{
    static const int kept[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP};
    sigset_t blocked, old;
    sigfillset(&blocked);
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
        sigdelset(&blocked, kept[i]);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&rf->wake, &attr);
    pthread_condattr_destroy(&attr);
    pthread_mutex_init(&rf->lock, NULL);
    pthread_sigmask(SIG_SETMASK, &blocked, &old);
    int rc = pthread_create(&rf->syncer, NULL, sync_main, rf);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    rf->syncer_started = rc == 0;
    if (rc != 0) {
        pthread_cond_destroy(&rf->wake);
        pthread_mutex_destroy(&rf->lock);
    }
    return rc;
}

/* A new file's name is only durable once its directory is: flushed once, when it is made. */
static void sync_directory_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    char dir[PATH_MAX];
    if (slash && slash - path >= (long)sizeof dir)
        return;
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) + (slash == path) : 1,
             slash ? path : ".");
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* Opens (or makes) path for reading and appending; a regular file, locked for this run. */
static int open_file(afetch_results *rf, char *err, size_t err_size)
{
    const char *path = rf->path;
    int flags = O_RDWR | O_APPEND | O_CLOEXEC | O_NONBLOCK;
    rf->fd = open(path, flags | O_CREAT | O_EXCL, 0666);
    bool made = rf->fd >= 0;
    if (!made && errno == EEXIST)
        rf->fd = open(path, flags);
    struct stat st;
    if (rf->fd < 0 || fstat(rf->fd, &st) != 0) {
        snprintf(err, err_size, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, err_size, "%s is not a regular file", path);
        return -1;
    }
    fcntl(rf->fd, F_SETFL, O_APPEND); /* O_NONBLOCK was for opening a FIFO by mistake */
    if (flock(rf->fd, LOCK_EX | LOCK_NB) != 0) {
        snprintf(err, err_size, "%s: %s", path,
                 errno == EWOULDBLOCK ? "another afetch is writing it" : strerror(errno));
        return -1;
    }
    if (made)
        sync_directory_of(path);
    rf->size = st.st_size;
    return 0;
}

/* Whether the bytes from keep to the end start like a line afetch writes: only such a torn
 * line is cut, never the last line of some other file named by mistake. */
static bool torn_result(int fd, off_t keep, off_t size)
{
    static const char start[] = "{\"index\":";
    char head[sizeof start - 1];
    size_t want = size - keep < (off_t)sizeof head ? (size_t)(size - keep) : sizeof head;
    return pread(fd, head, want, keep) == (ssize_t)want && memcmp(head, start, want) == 0;
}

/* Cuts a torn last line (a write the process died in) before anything is appended. */
static int cut_torn_line(afetch_results *rf, off_t keep, char *err, size_t err_size)
{
    if (keep >= 0 && keep < rf->size && !torn_result(rf->fd, keep, rf->size)) {
        snprintf(err, err_size,
                 "%s does not end in a newline, and its last line is no result afetch wrote; "
                 "not a results file?",
                 rf->path);
        return -1;
    }
    if (keep < 0 || (keep < rf->size && ftruncate(rf->fd, keep) != 0)) {
        snprintf(err, err_size, "cannot cut the torn last line of %s: %s", rf->path,
                 strerror(errno));
        return -1;
    }
    rf->cut = rf->size - keep;
    rf->size = keep;
    rf->dirty = rf->cut > 0;
    return 0;
}

afetch_results *afetch_results_open(const char *path, afetch_results_mode mode, char *err,
                                    size_t err_size)
{
    afetch_results *rf = calloc(1, sizeof *rf);
    if (rf)
        rf->fd = -1;
    if (!rf || !(rf->path = strdup(path)) ||
        !(rf->format = afetch_output_new(NULL, AFETCH_FORMAT_JSONL, "results"))) {
        snprintf(err, err_size, "%s: out of memory", path);
        afetch_results_close(rf);
        return NULL;
    }
    rf->mode = mode;
    off_t keep = 0;
    int rc = open_file(rf, err, err_size);
    if (rc == 0 && mode != AFETCH_RESULTS_APPEND)
        rc = read_results(rf, &keep, err, err_size);
    else if (rc == 0)
        keep = find_last_line(rf->fd, rf->size);
    if (rc == 0)
        rc = cut_torn_line(rf, keep, err, err_size);
    if (rc == 0 && start_syncer(rf) != 0) {
        snprintf(err, err_size, "%s: cannot start a thread", path);
        rc = -1;
    }
    if (rc != 0) {
        afetch_results_close(rf);
        return NULL;
    }
    return rf;
}

long long afetch_results_cut(const afetch_results *rf)
{
    return (long long)rf->cut;
}

void afetch_results_show_response(afetch_results *rf, bool body, bool headers)
{
    afetch_output_show_response(rf->format, body, headers);
}

afetch_resume afetch_results_check(afetch_results *rf, size_t index, const char *url, char *why,
                                   size_t why_size)
{
    if (rf->mode == AFETCH_RESULTS_APPEND || rf->done.count == 0)
        return AFETCH_RESUME_FETCH;
    /* a result's url is the display form, made valid UTF-8: compare like with like */
    char *shown = redact_url_new(url ? url : "");
    size_t len = shown ? strlen(shown) : 0, need = shown ? utf8_repair(shown, len, NULL, 0) : 0;
    char *repaired = shown ? malloc(need + 1) : NULL;
    if (repaired)
        utf8_repair(shown, len, repaired, need + 1);
    enum resume_state state;
    bool changed = false;
    bool found = repaired && resume_find(&rf->done, index, resume_hash(repaired), &state, &changed);
    if (changed)
        snprintf(why, why_size,
                 "%s has a result for index %zu with another URL than the list's %s: the list "
                 "changed; resume with the list those results came from, or use a new results "
                 "file",
                 rf->path, index, repaired);
    free(shown);
    free(repaired);
    if (!repaired) {
        snprintf(why, why_size, "out of memory");
        return AFETCH_RESUME_CHANGED;
    }
    if (changed)
        return AFETCH_RESUME_CHANGED;
    if (!found || state == RESUME_AGAIN ||
        (state == RESUME_FAILED && rf->mode == AFETCH_RESULTS_RESUME_FAILED))
        return AFETCH_RESUME_FETCH;
    return state == RESUME_OK ? AFETCH_RESUME_DONE_OK : AFETCH_RESUME_DONE_FAILED;
}

int afetch_results_add(afetch_results *rf, const afetch_result *r)
{
    if (rf->error) {
        errno = rf->error;
        return -1;
    }
    if (r->error_code && strcmp(r->error_code, AFETCH_E_CANCELLED) == 0)
        return 0; /* says nothing of the URL; a resumed run fetches it */
    size_t len;
    char *line = output_json_line(rf->format, r, &len);
    const char *p = line;
    size_t left = line ? len : 0;
    int error = line ? 0 : ENOMEM;
    while (left > 0) { /* one write, unless the disk fills up in the middle */
        ssize_t n = write(rf->fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            error = n < 0 ? errno : EIO;
            break;
        }
        p += n;
        left -= (size_t)n;
    }
    free(line);
    if (error) {
        /* what made it to the file of this line goes: the file keeps whole lines (and should
         * even that fail, nothing follows the piece, which the next open cuts as torn) */
        if (ftruncate(rf->fd, rf->size) != 0)
            error = error ? error : errno;
        rf->error = error;
        errno = error;
        return -1;
    }
    rf->size += (off_t)len;
    pthread_mutex_lock(&rf->lock);
    rf->dirty = true;
    pthread_mutex_unlock(&rf->lock);
    return 0;
}

int afetch_results_close(afetch_results *rf)
{
    if (!rf)
        return 0;
    int error = rf->error;
    if (rf->syncer_started) {
        pthread_mutex_lock(&rf->lock);
        rf->closing = true;
        pthread_cond_signal(&rf->wake);
        pthread_mutex_unlock(&rf->lock);
        pthread_join(rf->syncer, NULL);
        error = error ? error : rf->sync_error;
        pthread_cond_destroy(&rf->wake);
        pthread_mutex_destroy(&rf->lock);
    }
    if (rf->fd >= 0 && rf->syncer_started && fdatasync(rf->fd) != 0 && !error)
        error = errno;
    if (rf->fd >= 0 && close(rf->fd) != 0 && !error)
        error = errno;
    resume_release(&rf->done);
    afetch_output_free(rf->format);
    free(rf->path);
    free(rf);
    errno = error;
    return error ? -1 : 0;
}
