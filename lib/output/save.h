/* save.h — one body saved to a file, all or nothing: it streams into a temporary file created
 * with O_EXCL in the target directory and is renamed into place only when the transfer
 * succeeded, never over an existing file unless asked. The target is a path relative to the
 * output directory, walked one component at a time from a descriptor of that directory, never
 * through a symbolic link: whatever a URL, a list entry or a link planted in the directory
 * says, nothing is read or written outside it. */
#ifndef AFETCH_SAVE_H
#define AFETCH_SAVE_H

#include "errcode.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

struct save {
    int fd;      /* the temporary file; -1 when not saving */
    int dir;     /* the directory the file goes in; -1 when not saving */
    char *temp;  /* owned: the temporary file's name in dir */
    char *name;  /* owned: the final name in dir */
    char *final; /* owned: the whole path, output directory first, for results and messages */
};

#define SAVE_NONE ((struct save){.fd = -1, .dir = -1})

/* Opens the temporary file for a body that goes to rel (from savename_path) under dir, making
 * the missing directories of rel (mode 0777 less the umask). Returns ERR_NONE; ERR_SKIPPED when
 * skip_existing is set and a regular file is at the name already (s->final is its path, and
 * nothing is written); or an error code (ERR_EXISTS, ERR_WRITE, ERR_INTERNAL) with a reason in
 * err, for instance when a component of rel is a symbolic link. */
enum err_code save_begin(struct save *s, const char *dir, const char *rel, bool overwrite,
                         bool skip_existing, char *err, size_t err_size);
/* Whether a regular file is at rel under dir already, found without making anything or
 * following a link; if so, its path (dir/rel) goes to *path, which the caller frees. */
bool save_exists(const char *dir, const char *rel, char **path);
/* Appends n bytes; 0, or -1 with errno set. */
int save_write(struct save *s, const void *data, size_t n);
/* Moves the file into place and hands its path over (*path, the caller frees). Returns ERR_NONE;
 * ERR_SKIPPED (skip_existing, and a file appeared at the name meanwhile: *path is its path);
 * or an error code with a reason in err. The temporary file is gone either way. */
enum err_code save_commit(struct save *s, bool overwrite, bool skip_existing, char **path,
                          char *err, size_t err_size);
/* Drops the temporary file. No effect when not saving. */
void save_abort(struct save *s);

/* mkstemp, but with the mode given, less the umask; mkstemp's is always 0600: 0666 for files
 * meant to be read like any other the user makes, without calling umask, process-wide, from a
 * thread. The template ends in XXXXXX. Returns the descriptor, or -1 with errno set. */
int save_open_temp(char *template, mode_t mode);

/* Fills a stream; 0, or -1 with errno set. */
typedef int save_writer_fn(void *arg, FILE *f);

/* A whole file at path, all or nothing: write() fills a temporary file beside path (created
 * with mode, less the umask), which is flushed to disk and renamed over path. Returns 0, or -1
 * with errno set; no temporary file is left either way. */
int save_file_whole(const char *path, mode_t mode, save_writer_fn *write, void *arg);

#endif
