/* display.c — the progress line (redrawn at most 10 times a second), log lines and messages. */
#include "display.h"

#include "afetch_tool.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

unsigned terminal_width(int fd)
{
    struct winsize size;
    if (!isatty(fd))
        return 0;
    return ioctl(fd, TIOCGWINSZ, &size) == 0 && size.ws_col > 0 ? size.ws_col : 80;
}

/* With the lock held. */
static void clear_drawn(struct display *d)
{
    if (!d->drawn)
        return;
    if (d->plain)
        fprintf(stderr, "\r%*s\r", (int)d->drawn_columns, "");
    else
        fputs("\r\033[K", stderr);
    d->drawn = false;
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
 * ETA; within columns (SIZE_MAX: no limit) the fields that fit, from the first, and at least the
 * first one cut to fit. */
static void format_progress(size_t total, const afetch_progress *p, size_t columns, char *line,
                            size_t size)
{
    double rate = p->elapsed > 0 ? (double)p->done / p->elapsed : 0;
    char fields[7][48];
    size_t count = 0;
    if (total)
        snprintf(fields[count++], sizeof fields[0], "%zu/%zu done", p->done, total);
    else
        snprintf(fields[count++], sizeof fields[0], "%zu done", p->done);
    snprintf(fields[count++], sizeof fields[0], "%zu ok", p->ok);
    snprintf(fields[count++], sizeof fields[0], "%zu failed", p->failed);
    snprintf(fields[count++], sizeof fields[0], "%zu in flight", p->in_flight);
    snprintf(fields[count++], sizeof fields[0], "%.1f MB", (double)p->bytes / 1e6);
    snprintf(fields[count++], sizeof fields[0], "%.0f/s", rate);
    if (total && rate > 0 && p->done < total)
        snprintf(fields[count++], sizeof fields[0], "ETA %.0f s", (double)(total - p->done) / rate);
    size_t len = (size_t)snprintf(line, size, "%s", fields[0]);
    if (afetch_text_columns(line, len) > columns) {
        len = afetch_text_fit(line, len, columns);
        line[len] = '\0';
    }
    for (size_t i = 1; i < count; i++) {
        /* " · " is four bytes and three columns */
        if (afetch_text_columns(line, len) + 3 + strlen(fields[i]) > columns)
            break;
        len += (size_t)snprintf(line + len, size - len, " \xc2\xb7 %s", fields[i]);
    }
}

/* afetch_stream.progress: one line, redrawn at most 10 times a second. */
void draw_progress(void *arg, const afetch_progress *p)
{
    struct display *d = arg;
    double now = now_seconds();
    bool finished = d->total && p->done == d->total;
    pthread_mutex_lock(&d->lock);
    if (finished || now - d->last_draw >= 0.1) {
        unsigned changes = d->window_changes ? atomic_load(d->window_changes) : 0;
        if (!d->measured || changes != d->seen_changes) {
            d->columns = terminal_width(STDERR_FILENO);
            d->seen_changes = changes;
            d->measured = true;
        }
        char line[400];
        format_progress(d->total, p, d->columns ? d->columns - 1 : SIZE_MAX, line, sizeof line);
        size_t len = strlen(line);
        size_t columns = afetch_text_columns(line, len);
        if (d->plain) /* blanks over what is left of the longer line drawn before */
            fprintf(stderr, "\r%.*s%*s", (int)len, line,
                    d->drawn && d->drawn_columns > columns ? (int)(d->drawn_columns - columns) : 0,
                    "");
        else
            fprintf(stderr, "\r\033[K%.*s", (int)len, line);
        d->last_draw = now;
        d->drawn = true;
        d->drawn_columns = columns;
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
