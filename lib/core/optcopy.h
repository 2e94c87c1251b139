/* optcopy.h — a loop's own copy of the caller's afetch_options: the struct and everything it
 * points to (strings, lists, the body, the accepted statuses) in one allocation, so that the
 * caller may free or change its options as soon as afetch_loop_new returns. */
#ifndef AFETCH_OPTCOPY_H
#define AFETCH_OPTCOPY_H

#include "afetch.h"

/* A deep copy of opts, freed with free(). What is not data stays shared: log and log_arg,
 * and the stop flag, which the caller sets later on purpose. NULL when out of memory. */
afetch_options *options_copy(const afetch_options *opts);

#endif
