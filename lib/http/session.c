/* session.c — a run's --resolve and --connect-to lists, whether it goes direct (no proxy
 * anywhere), and its share (share.c): the cookie store, with one easy handle of its own (the
 * keeper) that reads the cookie files into it and lists it for the jar, and in a run on several
 * loops the DNS and TLS session caches. */
#include "session.h"

#include "save.h"
#include "share.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

struct session {
    struct curl_slist *resolve, *connect_to;
    struct share *share;  /* NULL: nothing shared (one loop, no cookies) */
    bool cookies;         /* the cookie engine is on: the share holds the store */
    bool direct;          /* no proxy in the options or the environment (session_look_around) */
    bool no_proxy_option; /* the options name no --noproxy list */
    CURL *keeper;         /* with cookies: attached to the share */
};

/* Copies n strings into *list; false when out of memory. */
static bool append_all(struct curl_slist **list, const char *const *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct curl_slist *grown = curl_slist_append(*list, items[i]);
        if (!grown)
            return false;
        *list = grown;
    }
    return true;
}

/* Whether the environment has a variable libcurl may take a proxy from: http_proxy,
 * HTTPS_PROXY, all_proxy, no_proxy... all end in "_proxy", in either case. */
static bool environment_names_proxy(void)
{
    extern char **environ;
    for (char **e = environ; e && *e; e++) {
        const char *eq = strchr(*e, '=');
        size_t n = eq ? (size_t)(eq - *e) : strlen(*e);
        if (n >= 6 && strncasecmp(*e + n - 6, "_proxy", 6) == 0)
            return true;
    }
    return false;
}

/* The keeper, then the files are read into the store. 0, or -1 when out of memory. */
static int start_cookies(struct session *s, const afetch_options *opts)
{
    s->keeper = curl_easy_init();
    if (!s->keeper || curl_easy_setopt(s->keeper, CURLOPT_SHARE, share_handle(s->share)))
        return -1;
    for (size_t i = 0; i < opts->cookie_file_count; i++)
        if (curl_easy_setopt(s->keeper, CURLOPT_COOKIEFILE, opts->cookie_files[i]))
            return -1;
    /* reads the files now, once, into the share: a transfer that named them would read them
     * again at its start, undoing what responses had changed since */
    return curl_easy_setopt(s->keeper, CURLOPT_COOKIELIST, "RELOAD") ? -1 : 0;
}

struct session *session_new(const afetch_options *opts)
{
    struct session *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    bool ok = append_all(&s->resolve, opts->resolve, opts->resolve_count) &&
              append_all(&s->connect_to, opts->connect_to, opts->connect_to_count);
    s->cookies = opts->cookie_file_count > 0 || opts->cookie_jar;
    session_look_around(s, opts);
    s->no_proxy_option = !opts->noproxy;
    /* several loops share their DNS cache and TLS sessions: N loops need not resolve every name
     * and make every full handshake N times */
    unsigned what =
        (s->cookies ? SHARE_COOKIES : 0) | (opts->loops > 1 ? SHARE_DNS | SHARE_TLS_SESSIONS : 0);
    if (ok && what)
        ok = (s->share = share_new(what)) != NULL;
    if (ok && s->cookies)
        ok = start_cookies(s, opts) == 0;
    if (!ok) {
        session_free(s);
        return NULL;
    }
    return s;
}

void session_look_around(struct session *s, const afetch_options *opts)
{
    if (s)
        s->direct = !opts->proxy && !environment_names_proxy();
}

void session_free(struct session *s)
{
    if (!s)
        return;
    curl_easy_cleanup(s->keeper);
    share_free(s->share); /* after every handle that used it */
    curl_slist_free_all(s->resolve);
    curl_slist_free_all(s->connect_to);
    free(s);
}

CURLcode session_attach(const struct session *s, CURL *easy)
{
    CURLcode rc = CURLE_OK;
    if (s && s->resolve)
        rc = curl_easy_setopt(easy, CURLOPT_RESOLVE, s->resolve);
    if (s && s->connect_to && rc == CURLE_OK)
        rc = curl_easy_setopt(easy, CURLOPT_CONNECT_TO, s->connect_to);
    if (s && s->share && rc == CURLE_OK)
        rc = curl_easy_setopt(easy, CURLOPT_SHARE, share_handle(s->share));
    /* the share holds the store; "" turns the engine on for this handle and reads no file */
    if (s && s->cookies && rc == CURLE_OK)
        rc = curl_easy_setopt(easy, CURLOPT_COOKIEFILE, "");
    /* "" is no proxy (and no exceptions): libcurl 7.88 would otherwise read up to six
     * variables for each transfer */
    if (s && s->direct && rc == CURLE_OK)
        rc = curl_easy_setopt(easy, CURLOPT_PROXY, "");
    if (s && s->direct && s->no_proxy_option && rc == CURLE_OK)
        rc = curl_easy_setopt(easy, CURLOPT_NOPROXY, "");
    return rc;
}

void session_detach(const struct session *s, CURL *easy)
{
    /* frees the "" of session_attach; the share's store is untouched */
    if (s && s->cookies)
        curl_easy_setopt(easy, CURLOPT_COOKIEFILE, (char *)NULL);
}

/* Whether a Netscape line's expiry (the fifth field; 0 for a session cookie) has passed. */
static bool expired(const char *line, time_t now)
{
    for (int tabs = 0; tabs < 4; tabs++) {
        line = strchr(line, '\t');
        if (!line)
            return false;
        line++;
    }
    long long expires = strtoll(line, NULL, 10);
    return expires > 0 && expires < (long long)now;
}

/* save_writer_fn: the jar, in Netscape format, without expired cookies. */
static int write_jar(void *cookies, FILE *f)
{
    fputs("# Netscape HTTP Cookie File\n"
          "# https://curl.se/docs/http-cookies.html\n"
          "# This file was generated by afetch. Edit at your own risk.\n\n",
          f);
    time_t now = time(NULL);
    for (const struct curl_slist *c = cookies; c; c = c->next)
        if (!expired(c->data, now))
            fprintf(f, "%s\n", c->data);
    return 0;
}

int session_save_cookies(const struct session *s, const char *path)
{
    struct curl_slist *cookies = NULL;
    if (s && s->keeper)
        curl_easy_getinfo(s->keeper, CURLINFO_COOKIELIST, &cookies);
    /* The signal that ends the process at once (the third): held back on this thread until the
     * jar is in place (or gone), it cannot strand the temporary file. */
    sigset_t hold, before;
    sigemptyset(&hold);
    sigaddset(&hold, SIGINT);
    sigaddset(&hold, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &hold, &before);
    int rc = save_file_whole(path, 0600, write_jar, cookies);
    int e = errno;
    pthread_sigmask(SIG_SETMASK, &before, NULL);
    curl_slist_free_all(cookies);
    errno = e;
    return rc;
}
