/* clock.h — the one clock of a run: monotonic seconds, for elapsed times, timeouts and the rate. */
#ifndef AFETCH_CLOCK_H
#define AFETCH_CLOCK_H

/* A monotonic clock, seconds. */
double clock_seconds(void);

#endif
