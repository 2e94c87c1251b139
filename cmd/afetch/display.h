/* display.h — standard error for people: the progress line and log lines, which share it. */
#ifndef AFETCH_DISPLAY_H
#define AFETCH_DISPLAY_H

#include "afetch.h"

/* The progress line and the log share standard error: a log line first clears the progress
 * line, which the next update redraws. Only the main thread draws; log lines may come from
 * worker threads, each written in one call. */
struct display {
    bool progress;
    size_t total; /* entries in the input, when it could be counted; 0: unknown */
    double last_draw;
    bool drawn;
};

void clear_progress(struct display *d);
/* afetch_options.log (arg: the display). */
void log_to_stderr(void *arg, const char *line);
/* afetch_stream.progress (arg: the display). */
void draw_progress(void *arg, const afetch_progress *p);
/* Entries in the list files, for the progress line's total; 0 if any source cannot be counted
 * ahead: only regular files are, a pipe or FIFO is read once, by the run. */
size_t count_entries(int argc, char **argv);

#endif
