/* loop.c — libev + libcurl multi socket glue.
 *
 * libcurl tells us which sockets to watch (CURLMOPT_SOCKETFUNCTION) and when to call it back
 * without socket activity (CURLMOPT_TIMERFUNCTION); libev waits; every wake-up becomes one
 * curl_multi_socket_action followed by one drain of curl_multi_info_read. */
#include "loop.h"

#include <ev.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

struct loop {
    struct ev_loop *ev;
    CURLM *multi;
    ev_timer timer; /* libcurl's single timeout */
    ev_timer alarm; /* the owner's single timer */
    ev_async poke;  /* wake-ups from signal handlers */
    ev_io input;    /* the owner's one descriptor to read (loop_watch) */
    ev_timer ticker;
    ev_prepare before_wait;
    struct loop_hooks hooks;
    struct watcher *spare; /* watchers of sockets libcurl stopped watching, for reuse */
    bool troubled;         /* a refusal of libcurl's has been reported */
    bool kept_running;     /* loop_keep_running */
};

/* One watched socket: an ev_io whose data points at the loop, attached to libcurl's socket
 * with curl_multi_assign. libcurl drops the watch of a kept-alive connection between two
 * transfers and asks again for the next, so watchers are recycled rather than allocated per
 * transfer. */
struct watcher {
    ev_io io; /* first: the ev_io libcurl hands back is the watcher */
    struct watcher *next_spare;
};

static ev_io *watcher_get(struct loop *l)
{
    struct watcher *w = l->spare;
    if (w)
        l->spare = w->next_spare;
    else if (!(w = malloc(sizeof *w)))
        return NULL;
    return &w->io;
}

static void watcher_put(struct loop *l, ev_io *io)
{
    struct watcher *w = (struct watcher *)io;
    w->next_spare = l->spare;
    l->spare = w;
}

static void trace(struct loop *l, const char *format, ...) __attribute__((format(printf, 2, 3)));

static void trace(struct loop *l, const char *format, ...)
{
    if (!l->hooks.trace)
        return;
    char line[256];
    va_list ap;
    va_start(ap, format);
    vsnprintf(line, sizeof line, format, ap);
    va_end(ap);
    l->hooks.trace(l->hooks.arg, line);
}

/* With tracing: warns when one turn of the loop's work took longer than 100 ms, the asyncio
 * debug mode's "slow callback" warning. */
static void check_duration(struct loop *l, double began, const char *what)
{
    if (!l->hooks.trace)
        return;
    ev_now_update(l->ev);
    double took = ev_now(l->ev) - began;
    if (took > 0.1)
        trace(l, "warning: %s took %.0f ms (more than 100 ms blocks every transfer)", what,
              took * 1000);
}

/* curl_multi_socket_action failed: its transfers may no longer progress as they should (until
 * their timeouts). Reported once per loop, so that a broken multi handle cannot flood the log. */
static void report_refusal(struct loop *l, CURLMcode rc)
{
    if (l->troubled || !l->hooks.trouble)
        return;
    l->troubled = true;
    char line[256];
    snprintf(line, sizeof line, "libcurl: curl_multi_socket_action: %s (reported once)",
             curl_multi_strerror(rc));
    l->hooks.trouble(l->hooks.arg, line);
}

static void act(struct loop *l, curl_socket_t fd, int action)
{
    int running;
    CURLMcode rc = curl_multi_socket_action(l->multi, fd, action, &running);
    if (rc != CURLM_OK)
        report_refusal(l, rc);
}

static void drain(struct loop *l)
{
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(l->multi, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        CURL *easy = msg->easy_handle; /* msg dies with the removal */
        CURLcode rc = msg->data.result;
        curl_multi_remove_handle(l->multi, easy);
        l->hooks.done(l->hooks.arg, easy, rc);
    }
    l->hooks.drained(l->hooks.arg);
}

static void on_io(struct ev_loop *ev, ev_io *io, int revents)
{
    (void)ev;
    int action = (revents & EV_READ ? CURL_CSELECT_IN : 0) |
                 (revents & EV_WRITE ? CURL_CSELECT_OUT : 0) |
                 (revents & EV_ERROR ? CURL_CSELECT_ERR : 0);
    struct loop *l = io->data; /* io may be freed inside socket_action */
    int fd = io->fd;
    double began = l->hooks.trace ? ev_time() : 0;
    if (l->hooks.trace)
        trace(l, "socket %d ready:%s%s%s", fd, action & CURL_CSELECT_IN ? " in" : "",
              action & CURL_CSELECT_OUT ? " out" : "", action & CURL_CSELECT_ERR ? " error" : "");
    act(l, fd, action);
    drain(l);
    check_duration(l, began, "handling a socket event");
}

static void on_timer(struct ev_loop *ev, ev_timer *t, int revents)
{
    (void)ev;
    (void)revents;
    struct loop *l = t->data;
    double began = l->hooks.trace ? ev_time() : 0;
    trace(l, "timer fired");
    act(l, CURL_SOCKET_TIMEOUT, 0);
    drain(l);
    check_duration(l, began, "handling libcurl's timer");
}

static void on_alarm(struct ev_loop *ev, ev_timer *t, int revents)
{
    (void)ev;
    (void)revents;
    struct loop *l = t->data;
    l->hooks.alarm(l->hooks.arg);
}

static void on_tick(struct ev_loop *ev, ev_timer *t, int revents)
{
    (void)ev;
    (void)revents;
    struct loop *l = t->data;
    l->hooks.tick(l->hooks.arg);
}

static void on_before_wait(struct ev_loop *ev, ev_prepare *w, int revents)
{
    (void)ev;
    (void)revents;
    struct loop *l = w->data;
    if (l->hooks.waiting)
        l->hooks.waiting(l->hooks.arg);
}

static void on_poke(struct ev_loop *ev, ev_async *a, int revents)
{
    (void)ev;
    (void)revents;
    struct loop *l = a->data;
    l->hooks.poked(l->hooks.arg);
}

static void on_input(struct ev_loop *ev, ev_io *io, int revents)
{
    (void)ev;
    (void)revents;
    struct loop *l = io->data;
    trace(l, "input %d ready", io->fd);
    l->hooks.readable(l->hooks.arg);
}

/* CURLMOPT_SOCKETFUNCTION: start, change or stop watching one socket. */
static int on_curl_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    (void)easy;
    struct loop *l = userp;
    ev_io *w = socketp;
    if (l->hooks.trace)
        trace(l, "socket %d: watch %s", (int)fd,
              what == CURL_POLL_REMOVE  ? "none (removed)"
              : what == CURL_POLL_INOUT ? "in and out"
              : what == CURL_POLL_OUT   ? "out"
                                        : "in");
    if (what == CURL_POLL_REMOVE) {
        if (w) {
            ev_io_stop(l->ev, w);
            watcher_put(l, w);
        }
        return 0;
    }
    if (!w) {
        /* -1 makes libcurl fail this multi's transfers: better than one never watched */
        w = watcher_get(l);
        if (!w)
            return -1;
        if (curl_multi_assign(l->multi, fd, w) != CURLM_OK) {
            watcher_put(l, w); /* unknown to libcurl, it would never come back to be freed */
            return -1;
        }
        ev_init(w, on_io);
        w->data = l;
    } else {
        ev_io_stop(l->ev, w);
    }
    int events = (what & CURL_POLL_IN ? EV_READ : 0) | (what & CURL_POLL_OUT ? EV_WRITE : 0);
    ev_io_set(w, fd, events);
    ev_io_start(l->ev, w);
    return 0;
}

/* CURLMOPT_TIMERFUNCTION: -1 stops the timer, 0 means "as soon as possible", else arm it.
 * Only arm here: calling socket_action from inside this callback would re-enter libcurl. */
static int on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
    (void)multi;
    struct loop *l = userp;
    ev_timer_stop(l->ev, &l->timer);
    trace(l, "timer: %ld ms", timeout_ms);
    if (timeout_ms >= 0) {
        ev_timer_set(&l->timer, (double)timeout_ms / 1000.0, 0.0);
        ev_timer_start(l->ev, &l->timer);
    }
    return 0;
}

struct loop *loop_new(const struct loop_hooks *hooks, long max_connections, long per_host)
{
    struct loop *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->hooks = *hooks;
    l->ev = ev_loop_new(EVBACKEND_EPOLL);
    if (!l->ev)
        l->ev = ev_loop_new(EVFLAG_AUTO);
    l->multi = curl_multi_init();
    if (!l->ev || !l->multi) {
        loop_free(l);
        return NULL;
    }
    ev_timer_init(&l->timer, on_timer, 0.0, 0.0);
    l->timer.data = l;
    ev_timer_init(&l->alarm, on_alarm, 0.0, 0.0);
    l->alarm.data = l;
    ev_init(&l->ticker, on_tick);
    l->ticker.data = l;
    ev_init(&l->input, on_input);
    l->input.data = l;
    ev_async_init(&l->poke, on_poke);
    l->poke.data = l;
    ev_async_start(l->ev, &l->poke);
    ev_prepare_init(&l->before_wait, on_before_wait);
    l->before_wait.data = l;
    ev_prepare_start(l->ev, &l->before_wait);
    /* neither the poke nor the prepare watcher may keep ev_run going alone */
    ev_unref(l->ev);
    ev_unref(l->ev);
    /* without any one of these the loop would not work as intended: no loop rather than that */
    if (curl_multi_setopt(l->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket) != CURLM_OK ||
        curl_multi_setopt(l->multi, CURLMOPT_SOCKETDATA, l) != CURLM_OK ||
        curl_multi_setopt(l->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer) != CURLM_OK ||
        curl_multi_setopt(l->multi, CURLMOPT_TIMERDATA, l) != CURLM_OK ||
        curl_multi_setopt(l->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX) != CURLM_OK ||
        curl_multi_setopt(l->multi, CURLMOPT_MAXCONNECTS, max_connections) != CURLM_OK ||
        curl_multi_setopt(l->multi, CURLMOPT_MAX_HOST_CONNECTIONS, per_host) != CURLM_OK) {
        loop_free(l);
        return NULL;
    }
    return l;
}

void loop_free(struct loop *l)
{
    if (!l)
        return;
    /* closing cached connections still calls on_curl_socket, which needs l->ev */
    if (l->multi)
        curl_multi_cleanup(l->multi);
    while (l->spare) {
        struct watcher *w = l->spare;
        l->spare = w->next_spare;
        free(w);
    }
    if (l->ev) {
        loop_keep_running(l, false);
        ev_timer_stop(l->ev, &l->timer);
        ev_timer_stop(l->ev, &l->alarm);
        ev_io_stop(l->ev, &l->input);
        loop_tick(l, 0);
        ev_ref(l->ev);
        ev_async_stop(l->ev, &l->poke);
        ev_ref(l->ev);
        ev_prepare_stop(l->ev, &l->before_wait);
        ev_loop_destroy(l->ev);
    }
    free(l);
}

int loop_add(struct loop *l, CURL *easy)
{
    return curl_multi_add_handle(l->multi, easy) == CURLM_OK ? 0 : -1;
}

void loop_remove(struct loop *l, CURL *easy)
{
    curl_multi_remove_handle(l->multi, easy);
}

void loop_alarm(struct loop *l, double seconds)
{
    ev_timer_stop(l->ev, &l->alarm);
    if (seconds >= 0) {
        ev_now_update(l->ev); /* count from now, not from the start of this loop pass */
        ev_timer_set(&l->alarm, seconds, 0.0);
        ev_timer_start(l->ev, &l->alarm);
    }
}

void loop_tick(struct loop *l, double interval)
{
    if (ev_is_active(&l->ticker)) {
        ev_ref(l->ev);
        ev_timer_stop(l->ev, &l->ticker);
    }
    if (interval > 0) {
        ev_timer_set(&l->ticker, interval, interval);
        ev_timer_start(l->ev, &l->ticker);
        ev_unref(l->ev); /* a display alone keeps no run going */
    }
}

void loop_poke(struct loop *l)
{
    ev_async_send(l->ev, &l->poke);
}

void loop_watch(struct loop *l, int fd)
{
    ev_io_stop(l->ev, &l->input);
    ev_io_set(&l->input, fd, EV_READ);
    ev_io_start(l->ev, &l->input);
}

void loop_unwatch(struct loop *l)
{
    ev_io_stop(l->ev, &l->input);
}

void loop_cap_connections(struct loop *l, long max)
{
    CURLMcode rc = curl_multi_setopt(l->multi, CURLMOPT_MAXCONNECTS, max);
    if (rc != CURLM_OK && l->hooks.trouble && !l->troubled) {
        l->troubled = true;
        char line[160];
        snprintf(line, sizeof line, "libcurl: CURLMOPT_MAXCONNECTS: %s (reported once)",
                 curl_multi_strerror(rc));
        l->hooks.trouble(l->hooks.arg, line);
    }
}

void loop_set_hooks(struct loop *l, const struct loop_hooks *hooks, struct loop_hooks *previous)
{
    if (previous)
        *previous = l->hooks;
    l->hooks = *hooks;
}

void loop_keep_running(struct loop *l, bool on)
{
    if (on == l->kept_running)
        return;
    l->kept_running = on;
    if (on)
        ev_ref(l->ev); /* the poke watcher's reference, which loop_new dropped */
    else
        ev_unref(l->ev);
}

void loop_run(struct loop *l)
{
    ev_run(l->ev, 0);
}

void loop_stop(struct loop *l)
{
    ev_break(l->ev, EVBREAK_ONE);
}

void loop_version(int *major, int *minor)
{
    *major = ev_version_major();
    *minor = ev_version_minor();
}
