/* crew.h — a stream run on several event loops (afetch_options.loops), one thread each. The
 * calling thread is the dispatcher: it reads the input, numbers the entries and hands them to
 * the loops (workers, engine.h) in batches; the loops hand settled tasks back the same way; the
 * dispatcher settles, gathers in input order and delivers them, and draws the progress. Each
 * handoff is a list under a mutex plus a wake-up of the loop it is for. */
#ifndef AFETCH_CREW_H
#define AFETCH_CREW_H

#include "afetch.h"

struct crew;
struct loop;
struct session;

/* What crew_run returns when it could not set up the loops and read nothing: the caller runs
 * the stream on its own loop instead. */
enum { CREW_UNAVAILABLE = 1 };

/* Runs stream on loops (>= 2) loops of their own, dispatching from the calling thread, which
 * waits on home: the caller's loop, whose hooks it borrows meanwhile, so that a poke (a
 * signal's afetch_loop_wake) reaches the run. Every loop's transfers use session (the caller
 * loop's: one cookie store and one set of caches for the run). *running points at the run
 * meanwhile, for crew_cancel. Returns as afetch_run_stream does, or CREW_UNAVAILABLE. */
int crew_run(struct loop *home, const afetch_options *opts, struct session *session, unsigned loops,
             const afetch_stream *stream, afetch_summary *summary, struct crew **running);

/* afetch_loop_cancel: nothing more is read, every loop cancels what it holds. */
void crew_cancel(struct crew *c);

#endif
