/* errcode.h — why a transfer failed, as the library passes it around inside: an enum, compared
 * and switched on; a result carries its name (afetch.h's AFETCH_E_* strings), which err_name
 * makes where the result is filled in. */
#ifndef AFETCH_ERRCODE_H
#define AFETCH_ERRCODE_H

enum err_code {
    ERR_NONE, /* no error: 0, so that `if (code)` reads as "if it failed" */
    ERR_INVALID_INPUT,
    ERR_PROTOCOL,
    ERR_DNS,
    ERR_CONNECT,
    ERR_TLS,
    ERR_TIMEOUT,
    ERR_TOO_MANY_REDIRECTS,
    ERR_HTTP,
    ERR_NETWORK,
    ERR_BAD_RESPONSE,
    ERR_DENIED,
    ERR_TOO_LARGE,
    ERR_WRITE,
    ERR_EXISTS,
    ERR_CANCELLED,
    ERR_INTERNAL,
    /* Not an error, and never a result's code: skip_existing found the body's file in place
     * (save.h), so the entry is ok without a transfer. */
    ERR_SKIPPED,
};

/* The stable name a result carries for code (AFETCH_E_*); NULL for ERR_NONE and ERR_SKIPPED. */
const char *err_name(enum err_code code);

#endif
