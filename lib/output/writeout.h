/* writeout.h — writing a result through a --write-out template (afetch_template, afetch_tool.h). */
#ifndef AFETCH_WRITEOUT_H
#define AFETCH_WRITEOUT_H

#include "afetch_tool.h"

/* Writes r through t to out; strings escaped for a terminal when escape is set, else raw.
 * Returns 0, or -1 when a write failed. */
int template_write(FILE *out, const afetch_template *t, const afetch_result *r, bool escape);

#endif
