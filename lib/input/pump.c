/* pump.c — the reader thread of pump.h. It owns a ring of SLOTS buffers: the thread fills the
 * free ones, the consumer takes them in order and gives each back with its next take. A pipe
 * wakes the consumer (only after it found the ring empty), another one ends the thread's wait
 * for input. The ring is bounded, so an endless input costs no more memory than SLOTS chunks. */
#define _GNU_SOURCE /* pipe2 */
#include "pump.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

enum { SLOTS = 4 };

struct pump {
    int fd;
    int wake[2]; /* the thread writes a byte to [1] for a consumer that found nothing */
    int quit[2]; /* pump_stop writes a byte to [1] for a thread waiting for input */
    pthread_t thread;
    char *buffers; /* SLOTS chunks of PUMP_CHUNK bytes */

    pthread_mutex_t lock; /* guards everything below */
    pthread_cond_t room;  /* a slot was given back, or quitting */
    size_t len[SLOTS];
    size_t head, filled; /* the filled slots: head, head + 1, … (mod SLOTS) */
    bool holding;        /* the consumer holds the slot before head */
    bool ended, waiting, quitting;
    int error; /* of the read that ended the input; 0 at its end */
};

static size_t free_slots(const struct pump *p)
{
    return SLOTS - p->filled - p->holding;
}

/* With the lock held: a consumer that found nothing hears of what changed. */
static void wake_consumer(struct pump *p)
{
    if (p->waiting && write(p->wake[1], "", 1) >= 0)
        p->waiting = false;
}

/* Reads into buf once fd has input: bytes read, 0 at the end, -1 with *err, or -2 when
 * pump_stop asks the thread to end. poll first, so that the wait can be ended; EAGAIN comes
 * from a FIFO we opened with O_NONBLOCK. */
static long read_when_ready(struct pump *p, char *buf, int *err)
{
    for (;;) {
        struct pollfd fds[2] = {{.fd = p->fd, .events = POLLIN},
                                {.fd = p->quit[0], .events = POLLIN}};
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            *err = errno;
            return -1;
        }
        if (fds[1].revents)
            return -2;
        if (!fds[0].revents)
            continue;
        ssize_t n = read(p->fd, buf, PUMP_CHUNK);
        if (n >= 0)
            return n;
        if (errno != EINTR && errno != EAGAIN) {
            *err = errno;
            return -1;
        }
    }
}

static void *pump_main(void *arg)
{
    struct pump *p = arg;
    pthread_mutex_lock(&p->lock);
    while (!p->ended) {
        while (!p->quitting && free_slots(p) == 0)
            pthread_cond_wait(&p->room, &p->lock);
        if (p->quitting)
            break;
        /* the consumer never touches the slot after the filled ones */
        size_t slot = (p->head + p->filled) % SLOTS;
        pthread_mutex_unlock(&p->lock);
        int err = 0;
        long n = read_when_ready(p, p->buffers + slot * PUMP_CHUNK, &err);
        pthread_mutex_lock(&p->lock);
        if (n == -2)
            break;
        if (n > 0) {
            p->len[slot] = (size_t)n;
            p->filled++;
        } else {
            p->ended = true;
            p->error = err;
        }
        wake_consumer(p);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

/* The thread takes no signals meant for a handler: those belong to the thread that runs the
 * loop. Job control stays, so that reading the terminal from the background stops the process
 * (a blocked SIGTTIN would make the read fail instead), and so do faults. */
static int start_thread(struct pump *p)
{
    static const int kept[] = {SIGTTIN, SIGTTOU, SIGTSTP, SIGCONT, SIGSEGV,
                               SIGBUS,  SIGFPE,  SIGILL,  SIGABRT, SIGTRAP};
    sigset_t blocked, old;
    sigfillset(&blocked);
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
        sigdelset(&blocked, kept[i]);
    pthread_sigmask(SIG_SETMASK, &blocked, &old);
    int rc = pthread_create(&p->thread, NULL, pump_main, p);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

static void close_pair(int pair[2])
{
    for (int i = 0; i < 2; i++)
        if (pair[i] >= 0)
            close(pair[i]);
}

static void release(struct pump *p)
{
    close_pair(p->wake);
    close_pair(p->quit);
    pthread_cond_destroy(&p->room);
    pthread_mutex_destroy(&p->lock);
    free(p->buffers);
    free(p);
}

struct pump *pump_start(int fd)
{
    struct pump *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->fd = fd;
    p->wake[0] = p->wake[1] = p->quit[0] = p->quit[1] = -1;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->room, NULL);
    p->buffers = malloc((size_t)SLOTS * PUMP_CHUNK);
    if (!p->buffers || pipe2(p->wake, O_CLOEXEC | O_NONBLOCK) != 0 ||
        pipe2(p->quit, O_CLOEXEC | O_NONBLOCK) != 0) {
        int saved = p->buffers ? errno : ENOMEM;
        release(p);
        errno = saved;
        return NULL;
    }
    int rc = start_thread(p);
    if (rc != 0) {
        release(p);
        errno = rc;
        return NULL;
    }
    return p;
}

/* With the lock held: empties the wake pipe before the consumer says it waits. */
static void drain_wake(struct pump *p)
{
    char sink[16];
    while (read(p->wake[0], sink, sizeof sink) > 0)
        ;
}

enum pump_got pump_take(struct pump *p, const char **bytes, size_t *len, int *err)
{
    enum pump_got got;
    pthread_mutex_lock(&p->lock);
    if (p->holding) {
        p->holding = false;
        pthread_cond_signal(&p->room);
    }
    if (p->filled > 0) {
        *bytes = p->buffers + p->head * PUMP_CHUNK;
        *len = p->len[p->head];
        p->head = (p->head + 1) % SLOTS;
        p->filled--;
        p->holding = true;
        got = PUMP_BYTES;
    } else if (p->ended) {
        *err = p->error;
        got = p->error ? PUMP_ERROR : PUMP_END;
    } else {
        drain_wake(p);
        p->waiting = true;
        got = PUMP_EMPTY;
    }
    pthread_mutex_unlock(&p->lock);
    return got;
}

int pump_ready_fd(const struct pump *p)
{
    return p->wake[0];
}

void pump_stop(struct pump *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->quitting = true;
    pthread_cond_signal(&p->room);
    pthread_mutex_unlock(&p->lock);
    /* the thread may be in poll; the quit pipe is new and empty, so the byte always fits. (A
     * read that blocks although poll saw input, because another process took it first, is
     * the one wait this cannot end.) */
    ssize_t written = write(p->quit[1], "", 1);
    (void)written;
    pthread_join(p->thread, NULL);
    release(p);
}
