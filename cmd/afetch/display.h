/* display.h — standard error for people: the progress line and log lines, which share it. */
#ifndef AFETCH_DISPLAY_H
#define AFETCH_DISPLAY_H

#include "afetch.h"

#include <pthread.h>
#include <stdatomic.h>

/* The progress line and the log share standard error: a log line first clears the progress
 * line, which the next update redraws. Only the main thread draws; log lines may come from
 * worker threads (--threads), so whatever is drawn or cleared holds the lock.
 * On a terminal the line is cut to its width, less one column, so that it never wraps (a
 * wrapped line cannot be redrawn in place: each redraw would leave one behind). The width is
 * measured again after a SIGWINCH, which the handler counts in *window_changes. Under
 * TERM=dumb the line is redrawn with a carriage return and blanks, no escape sequences. */
struct display {
    bool progress;
    bool plain;                        /* TERM=dumb */
    size_t total;                      /* entries in the input if counted; 0: unknown */
    const atomic_uint *window_changes; /* SIGWINCHes so far, or NULL */
    pthread_mutex_t lock;              /* guards what follows and the writes to standard error */
    double last_draw;
    bool drawn;
    size_t drawn_columns;  /* of the line drawn */
    bool measured;         /* columns is known */
    unsigned seen_changes; /* *window_changes when columns was measured */
    unsigned columns;      /* of standard error when it is a terminal; 0: no limit */
};

#define DISPLAY_INIT(show_progress)                                                                \
    ((struct display){.progress = (show_progress), .lock = PTHREAD_MUTEX_INITIALIZER})

/* The width of the terminal fd is, 80 when it will not say, or 0 when fd is no terminal. */
unsigned terminal_width(int fd);

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
