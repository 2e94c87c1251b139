/* timeline.h — a waterfall chart of fetch results as one plain SVG document: a panel per run
 * (the modes of --compare), a row per URL in input order, all panels on one time axis. */
#ifndef AFETCH_TIMELINE_H
#define AFETCH_TIMELINE_H

#include "afetch.h"

#include <stdio.h>

/* Rows drawn per panel at most; the results past it are counted, and the chart says so. The
 * rows kept are those of the smallest indexes, whatever order the results arrive in. */
#define TIMELINE_MAX_BARS 2000

struct timeline;

/* NULL when out of memory. */
struct timeline *timeline_new(void);
void timeline_free(struct timeline *t);

/* Starts a panel titled title (a mode: "sync", "threads", "async"); the results added next go
 * in it. Returns 0, or -1 when out of memory. */
int timeline_panel(struct timeline *t, const char *title);

/* Tells the current panel how long its run took (the summary's elapsed): the title shows it,
 * and a transfer cancelled in flight, whose total is unknown, is drawn up to it. Without it, the
 * panel's run ends with its last result. */
void timeline_panel_elapsed(struct timeline *t, double elapsed);

/* Adds one result to the current panel (one titled "results" is started if there is none).
 * Copies what it draws: index, url, ok, status, attempts, the error and the times (negative:
 * unknown). Returns 0, or -1 when out of memory. */
int timeline_add(struct timeline *t, const afetch_result *r);

/* Writes the SVG document (UTF-8). The axis runs from 0 to the latest end (start + total) of
 * any result of any panel. Returns 0, or -1 with errno after a write error. */
int timeline_write_svg(const struct timeline *t, FILE *out);

/* Writes the document to path all at once: a temporary file in the same directory, flushed to
 * disk, then renamed over path. Returns 0, or -1 with errno; no temporary file is left. */
int timeline_save(const struct timeline *t, const char *path);

#endif
