/* summary.h — a run's totals (afetch_summary) as results are delivered, and what the stream's
 * progress callback hears of them. */
#ifndef AFETCH_SUMMARY_H
#define AFETCH_SUMMARY_H

#include "afetch.h"

/* Adds r to the run's totals. */
void summary_count(afetch_summary *summary, const afetch_result *r);
/* Tells the stream's progress callback, if any, where the run stands. */
void report_progress(const afetch_stream *stream, const afetch_summary *summary, size_t in_flight,
                     double started);

#endif
