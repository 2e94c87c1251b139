/* test_errcode.c — err_name, the one mapping from the internal error codes to the names results
 * carry: each code has its AFETCH_E_* name, no two share one, and the codes that are no error
 * have none. */
#include "afetch.h"
#include "errcode.h"
#include "tap.h"

#include <string.h>

int main(void)
{
    struct tap t = {0};
    static const struct {
        enum err_code code;
        const char *name;
    } expected[] = {
        {ERR_INVALID_INPUT, AFETCH_E_INVALID_INPUT},
        {ERR_PROTOCOL, AFETCH_E_PROTOCOL},
        {ERR_DNS, AFETCH_E_DNS},
        {ERR_CONNECT, AFETCH_E_CONNECT},
        {ERR_TLS, AFETCH_E_TLS},
        {ERR_TIMEOUT, AFETCH_E_TIMEOUT},
        {ERR_TOO_MANY_REDIRECTS, AFETCH_E_TOO_MANY_REDIRECTS},
        {ERR_HTTP, AFETCH_E_HTTP},
        {ERR_NETWORK, AFETCH_E_NETWORK},
        {ERR_BAD_RESPONSE, AFETCH_E_BAD_RESPONSE},
        {ERR_DENIED, AFETCH_E_DENIED},
        {ERR_TOO_LARGE, AFETCH_E_TOO_LARGE},
        {ERR_WRITE, AFETCH_E_WRITE},
        {ERR_EXISTS, AFETCH_E_EXISTS},
        {ERR_CANCELLED, AFETCH_E_CANCELLED},
        {ERR_INTERNAL, AFETCH_E_INTERNAL},
    };
    size_t n = sizeof expected / sizeof expected[0];
    ok(&t, n == ERR_INTERNAL, "every error code is listed (%zu)", n);
    for (size_t i = 0; i < n; i++) {
        const char *name = err_name(expected[i].code);
        ok(&t, name && strcmp(name, expected[i].name) == 0, "code %d is \"%s\" (got %s)",
           (int)expected[i].code, expected[i].name, name ? name : "NULL");
        for (size_t j = 0; j < i; j++)
            if (name && err_name(expected[j].code) && strcmp(name, err_name(expected[j].code)) == 0)
                ok(&t, false, "\"%s\" names two codes", name);
    }
    ok(&t, err_name(ERR_NONE) == NULL, "no error: no name");
    ok(&t, err_name(ERR_SKIPPED) == NULL, "a skipped entry is no error: no name");
    ok(&t, err_name((enum err_code)(ERR_SKIPPED + 1)) == NULL, "past the last code: no name");
    return tap_done(&t);
}
