/* test_hosts.c — the --per-host table (lib/http/hosts.c): one host per authority (host:port, any
 * case, without user info), counted references that free a host with its last one, parked tasks
 * kept first in, first out, and every host's parked tasks handed back in order for cancelling.
 * The limit itself (running against --per-host, the next parked task taking a finished one's
 * turn) is the engine's, and is exercised by the integration suites. Tasks here are bare
 * structs: the table only links them. */
#include "hosts.h"
#include "tap.h"

#include <string.h>

static void keys(struct tap *t, struct hosts *h)
{
    struct host *a = hosts_acquire(h, "http://Example.TEST:8080/a?x=1");
    struct host *b = hosts_acquire(h, "http://example.test:8080/b");
    struct host *c = hosts_acquire(h, "http://user:secret@example.test:8080#frag");
    struct host *d = hosts_acquire(h, "http://example.test:8081/a");
    struct host *e = hosts_acquire(h, "http://example.test/a");
    ok(t, a && a == b && b == c, "one host for any case, path, query or user info of host:port");
    ok(t, a && a->refs == 3, "each acquire takes a reference (3)");
    ok(t, a && strcmp(a->name, "example.test:8080") == 0, "named by its lowercased authority");
    ok(t, c && !strstr(c->name, "secret"), "the name holds no user info");
    ok(t, d && d != a && e && e != a && e != d, "another port, or none, is another host");
    ok(t, hosts_hash("http://EXAMPLE.test:8080/x") == hosts_hash("https://u@example.test:8080/"),
       "hosts_hash: one value for the same authority in any case, with or without user info");
    ok(t, hosts_hash("http://example.test:8080/") != hosts_hash("http://example.test:8081/"),
       "hosts_hash: another port hashes differently");
    hosts_release(h, a);
    hosts_release(h, b);
    struct host *again = hosts_acquire(h, "http://example.test:8080/");
    ok(t, again == c && c->refs == 2, "a host with references left survives a release");
    hosts_release(h, again);
    hosts_release(h, c);
    hosts_release(h, d);
    hosts_release(h, e);
}

static void parking(struct tap *t, struct hosts *h)
{
    struct task tasks[6] = {0};
    const char *urls[] = {"http://a.test/1", "http://b.test/1", "http://a.test/2",
                          "http://b.test/2", "http://a.test/3", "http://c.test/"};
    for (size_t i = 0; i < 6; i++) {
        tasks[i].host = hosts_acquire(h, urls[i]);
        tasks[i].place = TASK_PARKED;
        if (i < 5) /* c.test's task runs: nothing parked there */
            task_list_append(&tasks[i].host->parked, &tasks[i]);
    }
    struct host *a = tasks[0].host;
    ok(t, a->parked.count == 3 && a->parked.head == &tasks[0] && a->parked.tail == &tasks[4],
       "a.test holds its 3 parked tasks in arrival order");

    struct task_list out = {0};
    hosts_unpark_all(h, &out);
    ok(t, out.count == 5 && a->parked.count == 0 && tasks[1].host->parked.count == 0,
       "unparking everything empties every host (5 tasks out)");
    size_t a_seen = 0, b_seen = 0;
    bool in_order = true, waiting = true;
    for (struct task *p = out.head; p; p = p->next) {
        size_t i = (size_t)(p - tasks);
        if (p->host == a)
            in_order &= i == (size_t[]){0, 2, 4}[a_seen++];
        else
            in_order &= i == (size_t[]){1, 3}[b_seen++];
        waiting &= p->place == TASK_WAITING && p->host == tasks[i].host;
    }
    ok(t, in_order && a_seen == 3 && b_seen == 2, "each host's tasks come out first in, first out");
    ok(t, waiting, "unparked tasks are WAITING and keep their host");
    for (size_t i = 0; i < 6; i++)
        hosts_release(h, tasks[i].host);
}

static void many(struct tap *t, struct hosts *h)
{
    enum { N = 300 }; /* past 2 x 64 buckets: the table grows */
    static struct host *held[N];
    char url[64];
    bool distinct = true, found = true;
    for (int i = 0; i < N; i++) {
        snprintf(url, sizeof url, "http://h%d.test:%d/", i, 1000 + i);
        held[i] = hosts_acquire(h, url);
        distinct &= held[i] && (i == 0 || held[i] != held[i - 1]);
    }
    for (int i = 0; i < N; i++) {
        snprintf(url, sizeof url, "http://H%d.TEST:%d/again", i, 1000 + i);
        struct host *same = hosts_acquire(h, url);
        found &= same == held[i] && same->refs == 2;
        hosts_release(h, same);
    }
    ok(t, distinct && found, "%d hosts: each found again after the table grew", N);
    for (int i = 0; i < N; i++)
        hosts_release(h, held[i]);
}

int main(void)
{
    struct tap t = {0};
    struct hosts *h = hosts_new();
    if (!h) {
        puts("Bail out! out of memory");
        return 1;
    }
    keys(&t, h);
    parking(&t, h);
    many(&t, h);
    hosts_free(h); /* every host released: the leak checkers see nothing left */
    return tap_done(&t);
}
