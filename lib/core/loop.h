/* loop.h — the event loop: one libev loop driving one libcurl multi handle through the multi
 * socket interface. The only module that sees <ev.h>. It reports each finished transfer, then
 * calls a drained hook once per batch, outside every libcurl callback, where the owner may add
 * and remove transfers. */
#ifndef AFETCH_LOOP_H
#define AFETCH_LOOP_H

#include <curl/curl.h>
#include <stdbool.h>

struct loop;

struct loop_hooks {
    void (*done)(void *arg, CURL *easy, CURLcode rc); /* easy is already out of the multi */
    void (*drained)(void *arg);
    void (*alarm)(void *arg);    /* the time set with loop_alarm has come */
    void (*poked)(void *arg);    /* someone called loop_poke */
    void (*readable)(void *arg); /* the descriptor given to loop_watch can be read */
    void (*tick)(void *arg);     /* every interval given to loop_tick */
    void (*waiting)(void *arg);  /* the loop is about to wait for events */
    /* If set: socket and timer events, and callbacks slower than 100 ms, one line each. */
    void (*trace)(void *arg, const char *line);
    /* If set: libcurl refused a call the loop relies on (its transfers may then stall until
     * their timeouts); one line, the first time only. */
    void (*trouble)(void *arg, const char *line);
    void *arg;
};

/* max_connections sizes libcurl's connection cache; per_host caps connections to one host (0:
 * no cap). NULL when out of memory, or when libcurl refuses one of the multi handle's settings. */
struct loop *loop_new(const struct loop_hooks *hooks, long max_connections, long per_host);
/* Frees the loop; the owner has removed its transfers first. */
void loop_free(struct loop *l);

/* 0, or -1 if libcurl refused the handle. */
int loop_add(struct loop *l, CURL *easy);
void loop_remove(struct loop *l, CURL *easy);

/* Calls the alarm hook once, seconds from now (replacing an earlier alarm); a negative value
 * clears the alarm. */
void loop_alarm(struct loop *l, double seconds);
/* Calls the tick hook every interval seconds while the loop runs (0 stops it). */
void loop_tick(struct loop *l, double interval);
/* Async-signal-safe: makes the loop call the poked hook soon, from the loop. */
void loop_poke(struct loop *l);
/* Calls the readable hook while fd can be read, until loop_unwatch; one descriptor at a time
 * (watching another replaces it). A watched descriptor keeps loop_run going. */
void loop_watch(struct loop *l, int fd);
void loop_unwatch(struct loop *l);

/* Lets libcurl keep max connections open at most, idle ones included: beyond it, a connection
 * that a transfer leaves idle closes (the oldest idle one does). */
void loop_cap_connections(struct loop *l, long max);

/* Replaces the hooks, keeping the old ones in previous (if not NULL) for the caller to put back;
 * not from inside a hook. */
void loop_set_hooks(struct loop *l, const struct loop_hooks *hooks, struct loop_hooks *previous);
/* While on, loop_run goes on even with nothing to watch, until loop_stop: for a loop that waits
 * for pokes from other threads. */
void loop_keep_running(struct loop *l, bool on);

/* Runs until loop_stop. */
void loop_run(struct loop *l);
void loop_stop(struct loop *l);

/* The version of the libev this was linked with. */
void loop_version(int *major, int *minor);

#endif
