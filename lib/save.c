/* save.c — temp file, write, rename: a saved body is complete or absent. */
#define _GNU_SOURCE /* renameat2 */
#include "save.h"

#include "afetch.h"
#include "savename.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char *join(const char *dir, const char *name)
{
    size_t len = strlen(dir) + 1 + strlen(name) + 1;
    char *path = malloc(len);
    if (path)
        snprintf(path, len, "%s/%s", dir, name);
    return path;
}

/* Six letters or digits for a temporary name: random, or (without getrandom) from the clock. */
static void fill_random_name(char *x, unsigned attempt)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    unsigned char bytes[6];
    if (getrandom(bytes, sizeof bytes, GRND_NONBLOCK) != (ssize_t)sizeof bytes) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        unsigned long long mix = (unsigned long long)ts.tv_nsec * 2654435761u ^
                                 (unsigned long long)(uintptr_t)x ^ attempt;
        for (size_t i = 0; i < sizeof bytes; i++, mix >>= 8)
            bytes[i] = (unsigned char)mix;
    }
    for (size_t i = 0; i < sizeof bytes; i++)
        x[i] = alphabet[bytes[i] % (sizeof alphabet - 1)];
}

int save_open_temp(char *template, mode_t mode)
{
    size_t len = strlen(template);
    if (len < 6 || strcmp(template + len - 6, "XXXXXX") != 0) {
        errno = EINVAL;
        return -1;
    }
    for (unsigned attempt = 0; attempt < 100; attempt++) {
        fill_random_name(template + len - 6, attempt);
        /* open applies the umask (or the directory's default ACL) to mode, so no thread ever
         * has to call umask, which changes it for the whole process */
        int fd = open(template, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    errno = EEXIST;
    return -1;
}

/* A template for save_open_temp beside path: the same directory, so that the rename is atomic.
 * malloc'd, or NULL. */
static char *temp_beside(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t dir = slash ? (size_t)(slash - path) + 1 : 0;
    const char name[] = ".afetch-XXXXXX";
    char *temp = malloc(dir + sizeof name);
    if (temp) {
        memcpy(temp, path, dir);
        memcpy(temp + dir, name, sizeof name);
    }
    return temp;
}

/* Runs write() on fd, flushes the file to disk and closes it; 0, or -1 with errno. */
static int write_and_close(int fd, save_writer_fn *write, void *arg)
{
    FILE *f = fdopen(fd, "w");
    if (!f) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    errno = 0;
    int rc = write(arg, f), e = errno;
    if (rc == 0 && (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0))
        rc = -1, e = errno ? errno : EIO;
    if (fclose(f) != 0 && rc == 0) /* a delayed write error (NFS, quota) shows here */
        rc = -1, e = errno;
    errno = e;
    return rc;
}

int save_file_whole(const char *path, mode_t mode, save_writer_fn *write, void *arg)
{
    char *temp = temp_beside(path);
    if (!temp) {
        errno = ENOMEM;
        return -1;
    }
    int fd = save_open_temp(temp, mode);
    int rc = fd < 0 ? -1 : write_and_close(fd, write, arg);
    if (rc == 0 && rename(temp, path) != 0)
        rc = -1;
    int e = errno;
    if (fd >= 0 && rc != 0)
        unlink(temp);
    free(temp);
    errno = e;
    return rc;
}

/* Why the body cannot go to final (an error code, the reason in err), or NULL. Decided before
 * the transfer where it can be, so that no body is fetched only to be dropped; a name that
 * appears during the transfer is caught by the rename. */
static const char *check_final(const char *final, bool overwrite, char *err, size_t err_size)
{
    struct stat st;
    if (lstat(final, &st) != 0)
        return NULL; /* a dangling symlink counts as a name in the way: lstat sees it */
    if (!overwrite) {
        snprintf(err, err_size, "%s exists (--overwrite replaces it)", final);
        return AFETCH_E_EXISTS;
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(err, err_size, "%s is a directory; --overwrite replaces only files", final);
        return AFETCH_E_WRITE;
    }
    return NULL;
}

const char *save_begin(struct save *s, const char *dir, size_t index, const char *url,
                       bool overwrite, char *err, size_t err_size)
{
    *s = SAVE_NONE;
    char name[256];
    if (savename_build(index, url, name, sizeof name) == 0) {
        snprintf(err, err_size, "no file name for this URL");
        return AFETCH_E_INTERNAL;
    }
    s->final = join(dir, name);
    s->temp = join(dir, ".afetch-XXXXXX");
    if (!s->final || !s->temp) {
        save_abort(s);
        snprintf(err, err_size, "out of memory");
        return AFETCH_E_INTERNAL;
    }
    const char *code = check_final(s->final, overwrite, err, err_size);
    if (code) {
        save_abort(s);
        return code;
    }
    s->fd = save_open_temp(s->temp, 0666);
    if (s->fd < 0) {
        snprintf(err, err_size, "cannot create a file in %s: %s", dir, strerror(errno));
        save_abort(s);
        return AFETCH_E_WRITE;
    }
    return NULL;
}

int save_write(struct save *s, const void *data, size_t n)
{
    const char *p = data;
    while (n > 0) {
        ssize_t written = write(s->fd, p, n);
        if (written < 0 && errno == EINTR)
            continue;
        if (written < 0)
            return -1;
        p += written;
        n -= (size_t)written;
    }
    return 0;
}

/* Renames without replacing: RENAME_NOREPLACE where the kernel and filesystem have it, else a
 * hard link (which fails on an existing name) and an unlink. */
static int rename_noreplace(const char *from, const char *to)
{
#ifdef RENAME_NOREPLACE
    if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS)
        return -1;
#endif
    if (link(from, to) != 0)
        return -1;
    unlink(from);
    return 0;
}

/* A commit that failed after closing the file: save_abort no longer knows it exists. */
static const char *drop_closed_temp(struct save *s, const char *code)
{
    unlink(s->temp);
    save_abort(s);
    return code;
}

const char *save_commit(struct save *s, bool overwrite, char **path, char *err, size_t err_size)
{
    *path = NULL;
    int closed = close(s->fd); /* a delayed write error (NFS, quota) shows here */
    s->fd = -1;
    if (closed != 0) {
        snprintf(err, err_size, "writing %s: %s", s->final, strerror(errno));
        return drop_closed_temp(s, AFETCH_E_WRITE);
    }
    int moved = overwrite ? rename(s->temp, s->final) : rename_noreplace(s->temp, s->final);
    if (moved != 0) {
        bool exists = !overwrite && errno == EEXIST;
        if (exists)
            snprintf(err, err_size, "%s appeared during the transfer (--overwrite replaces it)",
                     s->final);
        else
            snprintf(err, err_size, "saving %s: %s", s->final, strerror(errno));
        return drop_closed_temp(s, exists ? AFETCH_E_EXISTS : AFETCH_E_WRITE);
    }
    free(s->temp);
    *path = s->final;
    *s = SAVE_NONE;
    return NULL;
}

void save_abort(struct save *s)
{
    if (s->fd >= 0) {
        close(s->fd);
        unlink(s->temp);
    }
    free(s->temp);
    free(s->final);
    *s = SAVE_NONE;
}
