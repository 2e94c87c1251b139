/* display.c — the progress line (redrawn at most 10 times a second) and log lines. */
#include "display.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void clear_progress(struct display *d)
{
    if (d->drawn) {
        fputs("\r\033[K", stderr);
        d->drawn = false;
    }
}

void log_to_stderr(void *arg, const char *line)
{
    struct display *d = arg;
    if (d->progress)
        clear_progress(d);
    fprintf(stderr, "afetch: %s\n", line);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* afetch_stream.progress: one line, redrawn at most 10 times a second. */
void draw_progress(void *arg, const afetch_progress *p)
{
    struct display *d = arg;
    double now = now_seconds();
    if (now - d->last_draw < 0.1 && !(d->total && p->done == d->total))
        return;
    d->last_draw = now;
    double rate = p->elapsed > 0 ? (double)p->done / p->elapsed : 0;
    char done[64], eta[32] = "";
    if (d->total) {
        snprintf(done, sizeof done, "%zu/%zu", p->done, d->total);
        if (rate > 0 && p->done < d->total)
            snprintf(eta, sizeof eta, " · ETA %.0f s", (double)(d->total - p->done) / rate);
    } else {
        snprintf(done, sizeof done, "%zu", p->done);
    }
    fprintf(stderr, "\r\033[K%s done · %zu ok · %zu failed · %zu in flight · %.1f MB · %.0f/s%s",
            done, p->ok, p->failed, p->in_flight, (double)p->bytes / 1e6, rate, eta);
    d->drawn = true;
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
