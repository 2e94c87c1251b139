/* log.h — the diagnostics of a run: lines through the options' log callback, escaped for a
 * terminal, and only at the verbosity they belong to. */
#ifndef AFETCH_LOG_H
#define AFETCH_LOG_H

#include "afetch.h"

#include <stdbool.h>

/* Logs one line through opts->log when verbosity is at least level (printf-style), escaped for
 * a terminal (afetch_escape_terminal). */
void log_line(const afetch_options *opts, unsigned level, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
/* With verbosity 1: a transfer starts, or ends (again: another try will follow). */
void log_transfer_start(const afetch_options *opts, const afetch_result *r);
void log_transfer_end(const afetch_options *opts, const afetch_result *r, bool again);

#endif
