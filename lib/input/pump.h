/* pump.h — a reader thread for one descriptor whose reads may block (a pipe, a FIFO, a
 * terminal, a device): it reads ahead into a few fixed buffers, so that taking bytes never
 * blocks, and makes a descriptor of its own readable when it has something new. Setting
 * O_NONBLOCK on the input instead would leak to every process sharing it (a shell's terminal). */
#ifndef AFETCH_PUMP_H
#define AFETCH_PUMP_H

#include <stddef.h>

struct pump;

/* Bytes one read asks for; a chunk is at most this long. */
enum { PUMP_CHUNK = 64 * 1024 };

/* Starts a thread reading fd, which stays the caller's to close after pump_stop. NULL, with
 * errno set, when out of memory or descriptors, or when no thread can start. */
struct pump *pump_start(int fd);

enum pump_got {
    PUMP_BYTES, /* a chunk of input */
    PUMP_EMPTY, /* nothing yet: pump_ready_fd turns readable when there is */
    PUMP_END,   /* the end of the input */
    PUMP_ERROR, /* a read failed */
};

/* The next chunk read, valid until the next call (*bytes, *len); PUMP_ERROR sets *err to the
 * read's errno. Never blocks. */
enum pump_got pump_take(struct pump *p, const char **bytes, size_t *len, int *err);

/* Readable (level-triggered) once pump_take has something other than PUMP_EMPTY again; only
 * pump_take reads it. */
int pump_ready_fd(const struct pump *p);

/* Ends the thread, also one waiting for input that never comes, and frees p (NULL: nothing). */
void pump_stop(struct pump *p);

#endif
