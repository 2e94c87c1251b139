/* body.h — the request body options of the command line and the config file. */
#ifndef AFETCH_BODY_H
#define AFETCH_BODY_H

#include "cli.h"

enum body_kind {
    BODY_FORM,   /* -d, --data: TEXT as given, @FILE without its CR and LF bytes (as curl) */
    BODY_BINARY, /* --data-binary: TEXT or @FILE, byte for byte */
    BODY_JSON,   /* --data-json: TEXT or @FILE, valid JSON, sent compact */
};

/* Takes one body option (name as typed, for messages): reads @FILE now, joins -d and
 * --data-binary values with '&' as curl does; --data-json goes with no other. -1 to go on, or
 * the usage exit code after saying why. */
int take_body(struct cli *c, enum body_kind kind, const char *arg, const char *name);

/* Once all options are in: refuses a body with HEAD, and points c->opts at the body. -1 to go
 * on, or the usage exit code. */
int settle_body(struct cli *c);

#endif
