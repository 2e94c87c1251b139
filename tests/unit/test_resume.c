/* test_resume.c — what --resume takes as done: which failures are for good, and the set of
 * indexes read from a results file (out of order, repeated, with another URL). */
#include "resume.h"
#include "tap.h"

#include "afetch.h"

#include <stdlib.h>

static void test_classify(struct tap *t)
{
    ok(t, resume_classify(true, NULL, 200) == RESUME_OK, "ok is done");
    ok(t, resume_classify(true, NULL, 0) == RESUME_OK, "ok without a status (skipped) is done");
    static const long for_good[] = {400, 401, 403, 404, 410, 451, 499, 301, 200};
    for (size_t i = 0; i < sizeof for_good / sizeof for_good[0]; i++)
        ok(t, resume_classify(false, AFETCH_E_HTTP, for_good[i]) == RESUME_FAILED,
           "http %ld is failed for good", for_good[i]);
    static const long again[] = {408, 429, 500, 502, 503, 504, 599};
    for (size_t i = 0; i < sizeof again / sizeof again[0]; i++)
        ok(t, resume_classify(false, AFETCH_E_HTTP, again[i]) == RESUME_AGAIN,
           "http %ld may pass another time", again[i]);
    static const char *const codes_for_good[] = {AFETCH_E_INVALID_INPUT, AFETCH_E_PROTOCOL,
                                                 AFETCH_E_DENIED, AFETCH_E_TOO_LARGE,
                                                 AFETCH_E_TOO_MANY_REDIRECTS};
    for (size_t i = 0; i < 5; i++)
        ok(t, resume_classify(false, codes_for_good[i], 0) == RESUME_FAILED, "%s is for good",
           codes_for_good[i]);
    static const char *const codes_again[] = {
        AFETCH_E_DNS,          AFETCH_E_CONNECT,        AFETCH_E_TLS,
        AFETCH_E_TIMEOUT,      AFETCH_E_NETWORK,        AFETCH_E_WRITE,
        AFETCH_E_EXISTS,       AFETCH_E_CANCELLED,      AFETCH_E_INTERNAL,
        AFETCH_E_BAD_RESPONSE, "a-code-from-the-future"};
    for (size_t i = 0; i < sizeof codes_again / sizeof codes_again[0]; i++)
        ok(t, resume_classify(false, codes_again[i], 0) == RESUME_AGAIN, "%s goes again",
           codes_again[i]);
    ok(t, resume_classify(false, AFETCH_E_HTTP, 0) == RESUME_AGAIN, "http without a status");
    ok(t, resume_classify(false, NULL, 0) == RESUME_AGAIN, "a failure without a code");
}

static void test_set(struct tap *t)
{
    struct resume_set set = {0};
    uint64_t a = resume_hash("http://a/"), b = resume_hash("http://b/");
    ok(t, a != b && a != 0 && resume_hash("") != 0, "hashes differ and are never 0");
    /* out of order, as --as-completed writes them; index 5 twice: a 503, then ok */
    resume_add(&set, 9, a, RESUME_FAILED);
    resume_add(&set, 5, b, RESUME_AGAIN);
    resume_add(&set, 1, a, RESUME_OK);
    resume_add(&set, 5, b, RESUME_OK);
    resume_add(&set, 7, a, RESUME_AGAIN);
    enum resume_state state;
    bool changed;
    ok(t, resume_find(&set, 1, a, &state, &changed) && state == RESUME_OK && !changed, "1 ok");
    ok(t, resume_find(&set, 5, b, &state, &changed) && state == RESUME_OK && !changed,
       "5: the best of its results");
    ok(t, resume_find(&set, 7, a, &state, &changed) && state == RESUME_AGAIN, "7 goes again");
    ok(t, resume_find(&set, 9, a, &state, &changed) && state == RESUME_FAILED, "9 for good");
    ok(t,
       !resume_find(&set, 0, a, &state, &changed) && !resume_find(&set, 6, a, &state, &changed) &&
           !resume_find(&set, 10, a, &state, &changed),
       "absent indexes, before, between and after");
    ok(t, resume_find(&set, 1, b, &state, &changed) && changed, "another URL at 1: changed");
    resume_release(&set);
    ok(t, !resume_find(&set, 1, a, &state, &changed), "an empty set knows nothing");

    /* a million results in input order: found, and no sort needed */
    for (uint64_t i = 0; i < 1000000; i++)
        resume_add(&set, i, resume_hash("http://x/") + i * 4, i % 3 ? RESUME_OK : RESUME_FAILED);
    bool all = true;
    for (uint64_t i = 0; i < 1000000 && all; i += 997)
        all = resume_find(&set, i, resume_hash("http://x/") + i * 4, &state, &changed) &&
              !changed && state == (i % 3 ? RESUME_OK : RESUME_FAILED);
    ok(t, all && set.cap * sizeof *set.entries <= 32u << 20,
       "a million results, 16 bytes each (%zu MB reserved)", set.cap * sizeof *set.entries >> 20);
    resume_release(&set);
}

int main(void)
{
    struct tap t = {0};
    test_classify(&t);
    test_set(&t);
    return tap_done(&t);
}
