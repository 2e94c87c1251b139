/* timeline.h — the timeline's internals for the unit tests: its cap and its SVG writer (the rest
 * of its API is the CLI's, in afetch_tool.h). */
#ifndef AFETCH_TIMELINE_H
#define AFETCH_TIMELINE_H

#include "afetch_tool.h"

#include <stdio.h>

/* Rows drawn per panel at most; the results past it are counted, and the chart says so. The
 * rows kept are those of the smallest indexes, whatever order the results arrive in. */
#define TIMELINE_MAX_BARS 2000

/* Writes the SVG document (UTF-8). The axis runs from 0 to the latest end (start + total) of
 * any result of any panel. Returns 0, or -1 with errno after a write error. */
int afetch_timeline_write_svg(const afetch_timeline *t, FILE *out);

#endif
