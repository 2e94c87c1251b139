/* hosts.c — a chained hash table of hosts, keyed by authority, growing as it fills. */
#include "hosts.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct hosts {
    struct host **buckets;
    size_t bucket_count, count;
};

struct hosts *hosts_new(void)
{
    struct hosts *h = calloc(1, sizeof *h);
    if (h) {
        h->bucket_count = 64;
        h->buckets = calloc(h->bucket_count, sizeof *h->buckets);
    }
    if (h && !h->buckets) {
        free(h);
        return NULL;
    }
    return h;
}

void hosts_free(struct hosts *h)
{
    if (h)
        free(h->buckets);
    free(h);
}

/* The authority of url: after "scheme://" (if any) up to the path, without "user@". */
static void authority(const char *url, const char **start, size_t *len)
{
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    size_t n = strcspn(p, "/?#");
    const char *at = memchr(p, '@', n);
    if (at) {
        n -= (size_t)(at + 1 - p);
        p = at + 1;
    }
    *start = p;
    *len = n;
}

static uint64_t hash(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)tolower((unsigned char)s[i])) * 1099511628211ULL;
    return h;
}

/* Whether host is named name (len bytes, any case); stored names are lowercase. */
static bool same(const struct host *host, const char *name, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (host->name[i] != (char)tolower((unsigned char)name[i]))
            return false;
    return host->name[len] == '\0';
}

static void grow(struct hosts *h)
{
    size_t count = h->bucket_count * 2;
    struct host **buckets = calloc(count, sizeof *buckets);
    if (!buckets)
        return; /* longer chains, still correct */
    for (size_t b = 0; b < h->bucket_count; b++) {
        for (struct host *host = h->buckets[b], *next; host; host = next) {
            next = host->next_in_bucket;
            size_t slot = hash(host->name, strlen(host->name)) % count;
            host->next_in_bucket = buckets[slot];
            buckets[slot] = host;
        }
    }
    free(h->buckets);
    h->buckets = buckets;
    h->bucket_count = count;
}

uint64_t hosts_hash(const char *url)
{
    const char *name;
    size_t len;
    authority(url, &name, &len);
    return hash(name, len);
}

struct host *hosts_acquire(struct hosts *h, const char *url)
{
    const char *name;
    size_t len;
    authority(url, &name, &len);
    struct host **bucket = &h->buckets[hash(name, len) % h->bucket_count];
    for (struct host *host = *bucket; host; host = host->next_in_bucket) {
        if (same(host, name, len)) {
            host->refs++;
            return host;
        }
    }
    struct host *host = calloc(1, sizeof *host + len + 1);
    if (!host)
        return NULL;
    for (size_t i = 0; i < len; i++)
        host->name[i] = (char)tolower((unsigned char)name[i]);
    host->refs = 1;
    host->next_in_bucket = *bucket;
    *bucket = host;
    if (++h->count > 2 * h->bucket_count)
        grow(h);
    return host;
}

void hosts_release(struct hosts *h, struct host *host)
{
    if (--host->refs > 0)
        return;
    struct host **link = &h->buckets[hash(host->name, strlen(host->name)) % h->bucket_count];
    while (*link != host)
        link = &(*link)->next_in_bucket;
    *link = host->next_in_bucket;
    h->count--;
    free(host);
}

void hosts_unpark_all(struct hosts *h, struct task_list *into)
{
    for (size_t b = 0; b < h->bucket_count; b++) {
        for (struct host *host = h->buckets[b]; host; host = host->next_in_bucket) {
            struct task *t;
            while ((t = host->parked.head)) {
                task_list_unlink(&host->parked, t);
                t->place = TASK_WAITING;
                task_list_append(into, t);
            }
        }
    }
}
