/* log.c — a run's diagnostic lines (log.h). */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>

void log_line(const afetch_options *opts, unsigned level, const char *format, ...)
{
    if (!opts->log || opts->verbosity < level)
        return;
    char line[512];
    va_list ap;
    va_start(ap, format);
    int n = vsnprintf(line, sizeof line, format, ap);
    va_end(ap);
    /* a URL in the line may hold anything: the line goes out escaped for a terminal; one
     * byte can become at most four */
    char shown[4 * sizeof line];
    size_t len = n < 0 ? 0 : (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
    afetch_escape_terminal(line, len, shown, sizeof shown);
    opts->log(opts->log_arg, shown);
}

void log_transfer_start(const afetch_options *opts, const afetch_result *r)
{
    log_line(opts, 1, "start #%zu %s (try %u)", r->index, r->url, r->attempts);
}

void log_transfer_end(const afetch_options *opts, const afetch_result *r, bool again)
{
    log_line(opts, 1, "end #%zu %s: %s%s%.3f s%s", r->index, r->url, r->ok ? "ok " : r->error_code,
             r->ok ? "" : " ", r->time.total, again ? ", will try again" : "");
}
