/* save.c — temp file, write, rename: a saved body is complete or absent, and inside the output
 * directory whatever its name says. */
#define _GNU_SOURCE /* renameat2, O_PATH */
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

/* Creates the file template names (its XXXXXX replaced) in the directory dir, with mode less
 * the umask. */
static int open_temp_at(int dir, char *template, mode_t mode)
{
    size_t len = strlen(template);
    if (len < 6 || strcmp(template + len - 6, "XXXXXX") != 0) {
        errno = EINVAL;
        return -1;
    }
    for (unsigned attempt = 0; attempt < 100; attempt++) {
        fill_random_name(template + len - 6, attempt);
        /* open applies the umask, or the directory's default ACL, to mode, so no thread ever
         * has to call umask, which changes it for the whole process */
        int fd = openat(dir, template, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    errno = EEXIST;
    return -1;
}

int save_open_temp(char *template, mode_t mode)
{
    return open_temp_at(AT_FDCWD, template, mode);
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

/* A directory descriptor to look up, create and rename in; O_PATH needs no read permission. */
#ifdef O_PATH
#define DIR_FLAGS (O_PATH | O_DIRECTORY | O_CLOEXEC)
#else
#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_CLOEXEC)
#endif

/* Why the directory that rel's first len bytes name (its last component named component, in
 * the directory at) could not be opened or made, into err. */
static void describe_directory(int at, const char *component, int error, const char *dir,
                               const char *rel, size_t len, char *err, size_t err_size)
{
    struct stat st;
    bool there = fstatat(at, component, &st, AT_SYMLINK_NOFOLLOW) == 0;
    if (there && S_ISLNK(st.st_mode))
        snprintf(err, err_size, "%s/%.*s is a symbolic link; afetch follows none inside -o DIR",
                 dir, (int)len, rel);
    else if (there && !S_ISDIR(st.st_mode))
        snprintf(err, err_size, "%s/%.*s is in the way: a file, not a directory", dir, (int)len,
                 rel);
    else
        snprintf(err, err_size, "cannot make the directory %s/%.*s: %s", dir, (int)len, rel,
                 strerror(error));
}

/* Opens the directory that holds rel's last component, walking rel from dir one component at a
 * time with O_NOFOLLOW: a symbolic link inside dir is never followed (dir itself may be one:
 * the user named it). With create, missing directories are made. Returns the descriptor and
 * points *leaf at the last component, or returns -1 with errno and, if err, the reason. */
static int open_parent(const char *dir, const char *rel, bool create, const char **leaf, char *err,
                       size_t err_size)
{
    int at = open(dir, DIR_FLAGS);
    if (at < 0) {
        if (err)
            snprintf(err, err_size, "cannot open %s: %s", dir, strerror(errno));
        return -1;
    }
    const char *p = rel;
    for (const char *slash; (slash = strchr(p, '/')) != NULL; p = slash + 1) {
        char component[SEGMENT_MAX + 1];
        snprintf(component, sizeof component, "%.*s", (int)(slash - p), p);
        int next = openat(at, component, DIR_FLAGS | O_NOFOLLOW);
        if (next < 0 && errno == ENOENT && create &&
            (mkdirat(at, component, 0777) == 0 || errno == EEXIST))
            next = openat(at, component, DIR_FLAGS | O_NOFOLLOW);
        int error = errno;
        if (next < 0 && err)
            describe_directory(at, component, error, dir, rel, (size_t)(slash - rel), err,
                               err_size);
        close(at);
        if (next < 0) {
            errno = error;
            return -1;
        }
        at = next;
    }
    *leaf = p;
    return at;
}

bool save_exists(const char *dir, const char *rel, char **path)
{
    const char *leaf;
    struct stat st;
    *path = NULL;
    int at = open_parent(dir, rel, false, &leaf, NULL, 0);
    if (at < 0)
        return false;
    bool found = fstatat(at, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
    close(at);
    return found && (*path = join(dir, rel)) != NULL;
}

/* Why the body cannot go to the name (an error code, the reason in err), ERR_SKIPPED, or
 * NULL. Decided before the transfer where it can be, so that no body is fetched only to be
 * dropped; a name that appears during the transfer is caught by the rename. */
static enum err_code check_final(const struct save *s, bool overwrite, bool skip_existing,
                                 char *err, size_t err_size)
{
    struct stat st;
    if (fstatat(s->dir, s->name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return ERR_NONE; /* a dangling symlink counts as a name in the way: lstat sees it */
    if (skip_existing && S_ISREG(st.st_mode))
        return ERR_SKIPPED;
    if (!overwrite) {
        snprintf(err, err_size, "%s exists (%s)", s->final,
                 skip_existing ? "not a regular file, so not skipped"
                               : "--overwrite replaces it, --skip-existing keeps it");
        return ERR_EXISTS;
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(err, err_size, "%s is a directory; --overwrite replaces only files", s->final);
        return ERR_WRITE;
    }
    return ERR_NONE;
}

enum err_code save_begin(struct save *s, const char *dir, const char *rel, bool overwrite,
                         bool skip_existing, char *err, size_t err_size)
{
    *s = SAVE_NONE;
    const char *leaf;
    s->final = join(dir, rel);
    if (!s->final) {
        snprintf(err, err_size, "out of memory");
        return ERR_INTERNAL;
    }
    s->dir = open_parent(dir, rel, true, &leaf, err, err_size);
    if (s->dir < 0) {
        save_abort(s);
        return ERR_WRITE;
    }
    s->name = strdup(leaf);
    s->temp = strdup(".afetch-XXXXXX");
    if (!s->name || !s->temp) {
        save_abort(s);
        snprintf(err, err_size, "out of memory");
        return ERR_INTERNAL;
    }
    enum err_code code = check_final(s, overwrite, skip_existing, err, err_size);
    if (code == ERR_SKIPPED) {
        char *final = s->final;
        s->final = NULL;
        save_abort(s);
        s->final = final; /* the caller takes it */
        return code;
    }
    if (code) {
        save_abort(s);
        return code;
    }
    s->fd = open_temp_at(s->dir, s->temp, 0666);
    if (s->fd < 0) {
        snprintf(err, err_size, "cannot create a file in %s: %s", dir, strerror(errno));
        save_abort(s);
        return ERR_WRITE;
    }
    return ERR_NONE;
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

/* Renames within dir without replacing: RENAME_NOREPLACE where the kernel and filesystem have
 * it, else a hard link (which fails on an existing name) and an unlink. */
static int rename_noreplace(int dir, const char *from, const char *to)
{
#ifdef RENAME_NOREPLACE
    if (renameat2(dir, from, dir, to, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS)
        return -1;
#endif
    if (linkat(dir, from, dir, to, 0) != 0)
        return -1;
    unlinkat(dir, from, 0);
    return 0;
}

/* A commit that failed after closing the file: save_abort no longer knows it exists. */
static enum err_code drop_closed_temp(struct save *s, enum err_code code)
{
    unlinkat(s->dir, s->temp, 0);
    save_abort(s);
    return code;
}

enum err_code save_commit(struct save *s, bool overwrite, bool skip_existing, char **path,
                          char *err, size_t err_size)
{
    *path = NULL;
    int closed = close(s->fd); /* a delayed write error (NFS, quota) shows here */
    s->fd = -1;
    if (closed != 0) {
        snprintf(err, err_size, "writing %s: %s", s->final, strerror(errno));
        return drop_closed_temp(s, ERR_WRITE);
    }
    /* rename replaces a symbolic link at the name; it never writes through it */
    int moved = overwrite ? renameat(s->dir, s->temp, s->dir, s->name)
                          : rename_noreplace(s->dir, s->temp, s->name);
    if (moved != 0) {
        bool exists = !overwrite && errno == EEXIST;
        struct stat st;
        if (exists && skip_existing && fstatat(s->dir, s->name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            S_ISREG(st.st_mode)) {
            *path = s->final;
            s->final = NULL;
            return drop_closed_temp(s, ERR_SKIPPED);
        }
        if (exists)
            snprintf(err, err_size, "%s appeared during the transfer (--overwrite replaces it)",
                     s->final);
        else
            snprintf(err, err_size, "saving %s: %s", s->final, strerror(errno));
        return drop_closed_temp(s, exists ? ERR_EXISTS : ERR_WRITE);
    }
    *path = s->final;
    s->final = NULL;
    save_abort(s);
    return ERR_NONE;
}

void save_abort(struct save *s)
{
    if (s->fd >= 0) {
        close(s->fd);
        unlinkat(s->dir, s->temp, 0);
    }
    if (s->dir >= 0)
        close(s->dir);
    free(s->temp);
    free(s->name);
    free(s->final);
    *s = SAVE_NONE;
}
