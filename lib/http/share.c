/* share.c — a CURLSH with a mutex per curl_lock_data, locked and unlocked by libcurl's lock
 * callbacks. Cookies (SHARE_COOKIES) go in the same way: one share per run serves them all. */
#include "share.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

struct share {
    CURLSH *handle;
    pthread_mutex_t locks[CURL_LOCK_DATA_LAST];
};

/* CURLSHOPT_LOCKFUNC */
static void lock(CURL *easy, curl_lock_data data, curl_lock_access access, void *arg)
{
    (void)easy;
    (void)access; /* shared or single: one mutex serves both */
    struct share *s = arg;
    pthread_mutex_lock(&s->locks[data]);
}

/* CURLSHOPT_UNLOCKFUNC */
static void unlock(CURL *easy, curl_lock_data data, void *arg)
{
    (void)easy;
    struct share *s = arg;
    pthread_mutex_unlock(&s->locks[data]);
}

struct share *share_new(unsigned what)
{
    struct share *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_init(&s->locks[i], NULL);
    static const struct {
        unsigned bit;
        curl_lock_data data;
    } kinds[] = {{SHARE_DNS, CURL_LOCK_DATA_DNS},
                 {SHARE_TLS_SESSIONS, CURL_LOCK_DATA_SSL_SESSION},
                 {SHARE_COOKIES, CURL_LOCK_DATA_COOKIE}};
    s->handle = curl_share_init();
    bool refused = !s->handle ||
                   curl_share_setopt(s->handle, CURLSHOPT_LOCKFUNC, lock) != CURLSHE_OK ||
                   curl_share_setopt(s->handle, CURLSHOPT_UNLOCKFUNC, unlock) != CURLSHE_OK ||
                   curl_share_setopt(s->handle, CURLSHOPT_USERDATA, s) != CURLSHE_OK;
    for (size_t i = 0; !refused && i < sizeof kinds / sizeof kinds[0]; i++)
        if (what & kinds[i].bit)
            refused = curl_share_setopt(s->handle, CURLSHOPT_SHARE, kinds[i].data) != CURLSHE_OK;
    if (refused) {
        share_free(s);
        return NULL;
    }
    return s;
}

CURLSH *share_handle(const struct share *s)
{
    return s ? s->handle : NULL;
}

void share_free(struct share *s)
{
    if (!s)
        return;
    if (s->handle)
        curl_share_cleanup(s->handle);
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_destroy(&s->locks[i]);
    free(s);
}
