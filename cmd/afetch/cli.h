/* cli.h — what the command line (and the config file) asked for, shared by the files of the
 * afetch command. */
#ifndef AFETCH_CLI_H
#define AFETCH_CLI_H

#include "afetch.h"
#include "afetch_tool.h"

enum exit_code {
    EXIT_ALL_OK = 0,
    EXIT_SOME_FAILED = 1,
    EXIT_USAGE = 2,
    EXIT_INTERRUPTED = 130,
    EXIT_OUTPUT_CLOSED = 141, /* as if killed by SIGPIPE, which is ignored */
};

/* --loops at most. */
#define LOOPS_MAX 1024

/* How a run fetches: one event loop, one URL at a time, or a pool of blocking threads. */
enum runner { RUN_ASYNC, RUN_SYNC, RUN_THREADS };
extern const char *const runner_names[3];

/* A list of option values that grows as they come; the strings are argv's or owned ones. */
struct str_list {
    const char **items; /* owned array */
    size_t count, cap;
};

struct cli {
    afetch_options opts;
    enum runner runner;
    bool compare; /* run each of compared, show the last one's results */
    enum runner compared[3];
    size_t compared_count;
    char *mode_dirs[3]; /* owned: with --compare and -o, DIR/MODE for each mode compared */
    unsigned threads;   /* --threads N; 0: not given */
    int progress;       /* --progress 1, --no-progress 0, else -1: on a terminal */
    afetch_format format;
    bool as_completed, fail_fast, quiet;
    bool verbose, trace;   /* -v, --trace: afetch_options.verbosity 1 and 2 */
    const char *protocols; /* --proto, checked once the input exists */
    unsigned shard_k, shard_n;
    const char *timeline;             /* --timeline FILE.svg */
    const char *results;              /* --results FILE */
    afetch_results_mode results_mode; /* --resume, --resume-failed */
    const char **headers;             /* -H values, the config file's first; owned array */
    size_t header_count, header_cap;
    struct str_list resolve, connect_to;   /* --resolve, --connect-to */
    struct str_list cookies, cookie_files; /* -b NAME=VALUE, -b FILE */
    char *cookie;                          /* owned: the -b NAME=VALUE ones joined by "; " */
    char *body; /* -d, --data-binary, --data-json: owned; opts.body points at it */
    size_t body_size;
    bool body_json;          /* the body came from --data-json */
    const char *body_option; /* the option that gave it, for messages */
    bool list_on_stdin;      /* no operand, or "-": standard input holds the list */
    bool stdin_read;         /* a body option read standard input (@-) */
    char **owned;            /* copies of config file values that settings point into */
    size_t owned_count, owned_cap;
    char **operands; /* the lists and URLs, in command-line order (slots of argv) */
    int operand_count;

    const char *write_out;           /* -w TEMPLATE, compiled once all options are in */
    afetch_template *template;       /* owned: write_out compiled */
    afetch_status_range accept[250]; /* --accept, merged: 250 ranges cover any list */
};

/* Fills c from the config file (if one applies) and then argv, which wins; long options match
 * only in full. Returns -1 to go on, with the operands in c->operands (argv is reordered), or an
 * exit code after printing why (or the help). */
int cli_parse(struct cli *c, int argc, char **argv);
/* Frees what cli_parse allocated. */
void cli_free(struct cli *c);
/* Prints the one-line "afetch: <what>: <detail>" and returns the usage exit code. */
int usage_error(const char *what, const char *detail);

#endif
