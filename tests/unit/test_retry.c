/* test_retry.c — which failures get another try and when (fetch_retry_delay, lib/http/fetch.c):
 * connect errors, timeouts and statuses 408, 429, 500, 502, 503 and 504 of idempotent methods,
 * at most opts->retries more times, after a backoff that doubles from retry_delay with equal
 * jitter (half fixed, half random) and never passes 60 s. No easy handle: no Retry-After. */
#include "fetch.h"
#include "tap.h"

#include <math.h>

/* A result and the error it carries the name of, as fetch_finish leaves them. */
struct failure {
    afetch_result r;
    enum err_code code;
};

static struct failure failed(enum err_code code, long status, unsigned attempts)
{
    return (struct failure){
        .r = {.error_code = err_name(code), .status = status, .attempts = attempts}, .code = code};
}

static double delay(const afetch_options *opts, const afetch_request *own, struct failure f)
{
    uint64_t rng = 42;
    return fetch_retry_delay(NULL, opts, own, &f.r, f.code, &rng);
}

static void which(struct tap *t, const afetch_options *opts)
{
    ok(t, delay(opts, NULL, failed(ERR_CONNECT, 0, 1)) > 0, "a connect error is retried");
    ok(t, delay(opts, NULL, failed(ERR_TIMEOUT, 0, 1)) > 0, "a timeout is retried");
    const long again[] = {408, 429, 500, 502, 503, 504};
    for (size_t i = 0; i < sizeof again / sizeof again[0]; i++)
        ok(t, delay(opts, NULL, failed(ERR_HTTP, again[i], 1)) > 0, "status %ld is retried",
           again[i]);
    const long final[] = {400, 401, 403, 404, 410, 501, 505};
    for (size_t i = 0; i < sizeof final / sizeof final[0]; i++)
        ok(t, delay(opts, NULL, failed(ERR_HTTP, final[i], 1)) == -1, "status %ld is not retried",
           final[i]);
    const enum err_code other[] = {ERR_DNS,       ERR_TLS,    ERR_NETWORK, ERR_TOO_LARGE,
                                   ERR_CANCELLED, ERR_DENIED, ERR_WRITE};
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++)
        ok(t, delay(opts, NULL, failed(other[i], 0, 1)) == -1, "a %s error is not retried",
           err_name(other[i]));
    struct failure fine = {.r = {.ok = true, .status = 200, .attempts = 1}};
    ok(t, delay(opts, NULL, fine) == -1, "a success is not retried");
}

static void methods(struct tap *t, const afetch_options *opts)
{
    const char *idempotent[] = {"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE", "get"};
    for (size_t i = 0; i < sizeof idempotent / sizeof idempotent[0]; i++) {
        afetch_request own = {.method = idempotent[i]};
        ok(t, delay(opts, &own, failed(ERR_HTTP, 503, 1)) > 0, "%s is retried", idempotent[i]);
    }
    const char *not_idempotent[] = {"POST", "PATCH", "CONNECT"};
    for (size_t i = 0; i < sizeof not_idempotent / sizeof not_idempotent[0]; i++) {
        afetch_request own = {.method = not_idempotent[i]};
        ok(t, delay(opts, &own, failed(ERR_HTTP, 503, 1)) == -1, "%s is never retried",
           not_idempotent[i]);
    }
    afetch_request body = {.body = "x", .body_size = 1};
    ok(t, delay(opts, &body, failed(ERR_CONNECT, 0, 1)) == -1,
       "a request with a body and no method (POST) is not retried");
}

static void attempts_and_backoff(struct tap *t, afetch_options *opts)
{
    opts->retries = 2;
    opts->retry_delay = 1.0;
    ok(t, delay(opts, NULL, failed(ERR_CONNECT, 0, 2)) > 0,
       "retries 2: after the 2nd attempt, one more");
    ok(t, delay(opts, NULL, failed(ERR_CONNECT, 0, 3)) == -1,
       "retries 2: after the 3rd attempt, no more");
    opts->retries = 0;
    ok(t, delay(opts, NULL, failed(ERR_CONNECT, 0, 1)) == -1, "retries 0: never again");

    opts->retries = 100;
    bool within = true, spread = false;
    for (unsigned n = 1; n <= 6; n++) {
        double base = pow(2.0, n - 1), lo = 1e9, hi = 0;
        uint64_t rng = 0x9E3779B97F4A7C15ULL * n;
        for (int k = 0; k < 200; k++) {
            struct failure f = failed(ERR_TIMEOUT, 0, n);
            double d = fetch_retry_delay(NULL, opts, NULL, &f.r, f.code, &rng);
            within &= d >= 0.5 * base && d <= base;
            lo = d < lo ? d : lo;
            hi = d > hi ? d : hi;
        }
        spread |= hi - lo > 0.25 * base; /* jitter, not one fixed value */
    }
    ok(t, within, "the wait after attempt n is within [0.5, 1] x 1 s x 2^(n-1)");
    ok(t, spread, "the waits are jittered");

    bool capped = true;
    uint64_t rng = 7;
    for (unsigned n = 7; n <= 60; n++) {
        struct failure f = failed(ERR_TIMEOUT, 0, n);
        double d = fetch_retry_delay(NULL, opts, NULL, &f.r, f.code, &rng);
        capped &= d >= 30 && d <= 60;
    }
    ok(t, capped, "from 2^6 s on, the wait stays within [30, 60] s: the 60 s cap");
}

int main(void)
{
    struct tap t = {0};
    afetch_options opts;
    afetch_options_init(&opts);
    opts.retries = 3;
    opts.retry_delay = 1.0;
    which(&t, &opts);
    methods(&t, &opts);
    attempts_and_backoff(&t, &opts);
    return tap_done(&t);
}
