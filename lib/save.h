/* save.h — one body saved to a file, all or nothing: it streams into a temporary file created
 * with O_EXCL in the target directory and is renamed into place only when the transfer
 * succeeded, never over an existing file unless asked. */
#ifndef AFETCH_SAVE_H
#define AFETCH_SAVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

struct save {
    int fd;      /* -1 when not saving */
    char *temp;  /* owned */
    char *final; /* owned */
};

#define SAVE_NONE ((struct save){.fd = -1})

/* Opens the temporary file for the body of url at index in dir. Returns NULL, or an error code
 * (AFETCH_E_EXISTS, AFETCH_E_WRITE, AFETCH_E_INTERNAL) with a reason in err. */
const char *save_begin(struct save *s, const char *dir, size_t index, const char *url,
                       bool overwrite, char *err, size_t err_size);
/* Appends n bytes; 0, or -1 with errno set. */
int save_write(struct save *s, const void *data, size_t n);
/* Moves the file into place and hands its path over (*path, the caller frees). Returns NULL,
 * or an error code with a reason in err; the temporary file is gone either way. */
const char *save_commit(struct save *s, bool overwrite, char **path, char *err, size_t err_size);
/* Drops the temporary file. No effect when not saving. */
void save_abort(struct save *s);

/* mkstemp, but with the mode given, less the umask (mkstemp's is always 0600): 0666 for files
 * meant to be read like any other the user makes, without calling umask (process-wide) from a
 * thread. The template ends in XXXXXX. Returns the descriptor, or -1 with errno set. */
int save_open_temp(char *template, mode_t mode);

/* Fills a stream; 0, or -1 with errno set. */
typedef int save_writer_fn(void *arg, FILE *f);

/* A whole file at path, all or nothing: write() fills a temporary file beside path (created
 * with mode, less the umask), which is flushed to disk and renamed over path. Returns 0, or -1
 * with errno set; no temporary file is left either way. */
int save_file_whole(const char *path, mode_t mode, save_writer_fn *write, void *arg);

#endif
