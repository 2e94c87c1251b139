/* errcode.c — the one place an internal error code becomes the name a result shows. */
#include "errcode.h"

#include "afetch.h"

#include <stddef.h>

const char *err_name(enum err_code code)
{
    static const char *const names[] = {
        [ERR_INVALID_INPUT] = AFETCH_E_INVALID_INPUT,
        [ERR_PROTOCOL] = AFETCH_E_PROTOCOL,
        [ERR_DNS] = AFETCH_E_DNS,
        [ERR_CONNECT] = AFETCH_E_CONNECT,
        [ERR_TLS] = AFETCH_E_TLS,
        [ERR_TIMEOUT] = AFETCH_E_TIMEOUT,
        [ERR_TOO_MANY_REDIRECTS] = AFETCH_E_TOO_MANY_REDIRECTS,
        [ERR_HTTP] = AFETCH_E_HTTP,
        [ERR_NETWORK] = AFETCH_E_NETWORK,
        [ERR_BAD_RESPONSE] = AFETCH_E_BAD_RESPONSE,
        [ERR_DENIED] = AFETCH_E_DENIED,
        [ERR_TOO_LARGE] = AFETCH_E_TOO_LARGE,
        [ERR_WRITE] = AFETCH_E_WRITE,
        [ERR_EXISTS] = AFETCH_E_EXISTS,
        [ERR_CANCELLED] = AFETCH_E_CANCELLED,
        [ERR_INTERNAL] = AFETCH_E_INTERNAL,
    };
    return (size_t)code < sizeof names / sizeof names[0] ? names[code] : NULL;
}
