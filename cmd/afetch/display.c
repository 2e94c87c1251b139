/* display.c — the progress line (redrawn at most 10 times a second), log lines and messages. */
#include "display.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* With the lock held. */
static void clear_drawn(struct display *d)
{
    if (d->drawn) {
        fputs("\r\033[K", stderr);
        d->drawn = false;
    }
}

void print_error(const char *format, ...)
{
    char text[2048];
    va_list ap;
    va_start(ap, format);
    int n = vsnprintf(text, sizeof text, format, ap);
    va_end(ap);
    char shown[4 * sizeof text]; /* one byte becomes four at most */
    size_t len = n < 0 ? 0 : (size_t)n < sizeof text ? (size_t)n : sizeof text - 1;
    afetch_escape_terminal(text, len, shown, sizeof shown);
    fprintf(stderr, "afetch: %s\n", shown);
}

void clear_progress(struct display *d)
{
    pthread_mutex_lock(&d->lock);
    clear_drawn(d);
    pthread_mutex_unlock(&d->lock);
}

void log_to_stderr(void *arg, const char *line)
{
    struct display *d = arg;
    pthread_mutex_lock(&d->lock);
    clear_drawn(d);
    fprintf(stderr, "afetch: %s\n", line);
    pthread_mutex_unlock(&d->lock);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The progress line's text: done (of the total, when known), ok, failed, in flight, MB, rate,
 * ETA. */
static void format_progress(size_t total, const afetch_progress *p, char *line, size_t size)
{
    double rate = p->elapsed > 0 ? (double)p->done / p->elapsed : 0;
    char done[64], eta[32] = "";
    if (total) {
        snprintf(done, sizeof done, "%zu/%zu", p->done, total);
        if (rate > 0 && p->done < total)
            snprintf(eta, sizeof eta, " · ETA %.0f s", (double)(total - p->done) / rate);
    } else {
        snprintf(done, sizeof done, "%zu", p->done);
    }
    snprintf(line, size, "%s done · %zu ok · %zu failed · %zu in flight · %.1f MB · %.0f/s%s", done,
             p->ok, p->failed, p->in_flight, (double)p->bytes / 1e6, rate, eta);
}

/* afetch_stream.progress: one line, redrawn at most 10 times a second. */
void draw_progress(void *arg, const afetch_progress *p)
{
    struct display *d = arg;
    double now = now_seconds();
    bool finished = d->total && p->done == d->total;
    pthread_mutex_lock(&d->lock);
    if (finished || now - d->last_draw >= 0.1) {
        char line[256];
        format_progress(d->total, p, line, sizeof line);
        fprintf(stderr, "\r\033[K%s", line);
        d->last_draw = now;
        d->drawn = true;
    }
    pthread_mutex_unlock(&d->lock);
}

/* A list file to count ahead, or NULL: only a regular file can be read twice. O_NONBLOCK, so
 * that opening a FIFO does not wait for its writer. */
static FILE *open_countable(const char *path)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (fd < 0)
        return NULL;
    FILE *f = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? fdopen(fd, "r") : NULL;
    if (!f)
        close(fd);
    return f;
}

/* Entries in the list files, for the progress line's total; 0 if any source cannot be counted
 * ahead (standard input, a pipe, a FIFO: what is read once is gone). Counts the lines that are
 * not blank or comments. */
size_t count_entries(int argc, char **argv)
{
    size_t total = 0;
    for (int i = 0; i < argc; i++) {
        if (strstr(argv[i], "://")) {
            total++;
            continue;
        }
        FILE *f = strcmp(argv[i], "-") == 0 ? NULL : open_countable(argv[i]);
        if (!f)
            return 0;
        char line[4096];
        bool fresh = true; /* at the start of a line */
        while (fgets(line, sizeof line, f)) {
            const char *p = line + strspn(line, " \t\r");
            if (fresh && *p && *p != '\n' && *p != '#')
                total++;
            fresh = strchr(line, '\n') != NULL;
        }
        fclose(f);
    }
    return argc ? total : 0;
}
