/* session.c — a run's --resolve and --connect-to lists, and its cookie store: a curl share
 * whose lock callbacks take a mutex, and one easy handle of its own (the keeper) that reads the
 * cookie files into the store and lists the store for the jar. */
#include "session.h"

#include "save.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct session {
    struct curl_slist *resolve, *connect_to;
    CURLSH *share; /* NULL: the cookie engine is off */
    CURL *keeper;  /* attached to the share */
    bool locks_ready;
    pthread_mutex_t locks[CURL_LOCK_DATA_LAST]; /* one per kind of shared data */
};

/* CURLSHOPT_LOCKFUNC: libcurl locks the store around every read and change, from whichever
 * thread's transfer needs it; the share's own bookkeeping is locked too. */
static void on_lock(CURL *easy, curl_lock_data data, curl_lock_access access, void *arg)
{
    (void)easy, (void)access;
    struct session *s = arg;
    pthread_mutex_lock(&s->locks[(unsigned)data < CURL_LOCK_DATA_LAST ? data : 0]);
}

/* CURLSHOPT_UNLOCKFUNC */
static void on_unlock(CURL *easy, curl_lock_data data, void *arg)
{
    (void)easy;
    struct session *s = arg;
    pthread_mutex_unlock(&s->locks[(unsigned)data < CURL_LOCK_DATA_LAST ? data : 0]);
}

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

/* The share, its locks and the keeper; then the files are read into the store. 0, or -1 when
 * out of memory. */
static int start_cookies(struct session *s, const afetch_options *opts)
{
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_init(&s->locks[i], NULL);
    s->locks_ready = true;
    s->share = curl_share_init();
    if (!s->share || curl_share_setopt(s->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_COOKIE) ||
        curl_share_setopt(s->share, CURLSHOPT_LOCKFUNC, on_lock) ||
        curl_share_setopt(s->share, CURLSHOPT_UNLOCKFUNC, on_unlock) ||
        curl_share_setopt(s->share, CURLSHOPT_USERDATA, s))
        return -1;
    s->keeper = curl_easy_init();
    if (!s->keeper || curl_easy_setopt(s->keeper, CURLOPT_SHARE, s->share))
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
    if (ok && (opts->cookie_file_count > 0 || opts->cookie_jar))
        ok = start_cookies(s, opts) == 0;
    if (!ok) {
        session_free(s);
        return NULL;
    }
    return s;
}

void session_free(struct session *s)
{
    if (!s)
        return;
    curl_easy_cleanup(s->keeper);
    curl_share_cleanup(s->share); /* takes the locks */
    if (s->locks_ready)
        for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
            pthread_mutex_destroy(&s->locks[i]);
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
        rc = curl_easy_setopt(easy, CURLOPT_SHARE, s->share);
    /* the share holds the store; "" turns the engine on for this handle and reads no file */
    if (s && s->share && rc == CURLE_OK)
        rc = curl_easy_setopt(easy, CURLOPT_COOKIEFILE, "");
    return rc;
}

void session_detach(const struct session *s, CURL *easy)
{
    /* frees the "" of session_attach; the share's store is untouched */
    if (s && s->share)
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
