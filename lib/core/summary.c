/* summary.c — a run's totals and its progress reports (summary.h). */
#include "summary.h"

#include "clock.h"

void summary_count(afetch_summary *summary, const afetch_result *r)
{
    summary->urls++;
    summary->ok += r->ok;
    summary->skipped += r->skipped;
    summary->failed += !r->ok;
    summary->bytes += r->bytes;
}

void report_progress(const afetch_stream *stream, const afetch_summary *summary, size_t in_flight,
                     double started)
{
    if (!stream->progress)
        return;
    afetch_progress p = {.done = summary->urls,
                         .ok = summary->ok,
                         .failed = summary->failed,
                         .in_flight = in_flight,
                         .bytes = summary->bytes,
                         .elapsed = clock_seconds() - started};
    stream->progress(stream->progress_arg, &p);
}
