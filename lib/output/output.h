/* output.h — what the results file (results.c) borrows from the output: one result as the line
 * --jsonl prints for it. */
#ifndef AFETCH_OUTPUT_H
#define AFETCH_OUTPUT_H

#include "afetch_tool.h"

/* r as one line of JSON Lines, '\n' included, exactly as o would write it with
 * AFETCH_FORMAT_JSONL (its afetch_output_show_response settings apply), in a new string of *len
 * bytes that the caller frees. NULL when out of memory. */
char *output_json_line(const afetch_output *o, const afetch_result *r, size_t *len);

#endif
