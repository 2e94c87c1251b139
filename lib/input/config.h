/* config.h — the config file reader's limits, for the unit tests and the fuzz target (its API
 * is the CLI's: afetch_config_parse/load/path in afetch_tool.h). */
#ifndef AFETCH_CONFIG_H
#define AFETCH_CONFIG_H

#include "afetch_tool.h"

#include <stdbool.h>
#include <stddef.h>

/* Longest line, not counting its "\n" or "\r\n"; a longer one is an error. */
#define CONFIG_LINE_MAX 4096
/* Largest file afetch_config_load reads; a larger one is an error. */
#define CONFIG_FILE_MAX (1024 * 1024)
/* Room the parser gives a callback for its reason. */
#define CONFIG_REASON_SIZE 512

#endif
