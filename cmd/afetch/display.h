/* display.h — standard error for people: the progress line and log lines, which share it. */
#ifndef AFETCH_DISPLAY_H
#define AFETCH_DISPLAY_H

#include "afetch.h"

#include <pthread.h>

/* The progress line and the log share standard error: a log line first clears the progress
 * line, which the next update redraws. Only the main thread draws; log lines may come from
 * worker threads (--threads), so whatever is drawn or cleared holds the lock. */
struct display {
    bool progress;
    size_t total;         /* entries in the input, when it could be counted; 0: unknown */
    pthread_mutex_t lock; /* guards last_draw, drawn and the writes to standard error */
    double last_draw;
    bool drawn;
};

#define DISPLAY_INIT(show_progress)                                                                \
    ((struct display){.progress = (show_progress), .lock = PTHREAD_MUTEX_INITIALIZER})

void clear_progress(struct display *d);
/* Writes "afetch: MESSAGE" (printf-style) as one line to standard error, escaped for a
 * terminal: file names, option values and config text can hold anything. */
void print_error(const char *format, ...) __attribute__((format(printf, 1, 2)));
/* afetch_options.log (arg: the display). The library has escaped the line already. */
void log_to_stderr(void *arg, const char *line);
/* afetch_stream.progress (arg: the display). */
void draw_progress(void *arg, const afetch_progress *p);
/* Entries in the list files, for the progress line's total; 0 if any source cannot be counted
 * ahead: only regular files are, a pipe or FIFO is read once, by the run. */
size_t count_entries(int argc, char **argv);

#endif
