/* config.c — the config file format ("key = value" lines handed to a callback), reading the
 * file, and where it lives. What each key means is the caller's business (cmd/afetch). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BOM "\xEF\xBB\xBF"

/* err may be NULL when err_size is 0, as with snprintf. */
__attribute__((format(printf, 3, 4))) static void set_err(char *err, size_t err_size,
                                                          const char *fmt, ...)
{
    if (!err || err_size == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_size, fmt, ap);
    va_end(ap);
}

static bool blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Narrows [*s, *s + *n) to drop blanks at both ends. */
static void trim(const char **s, size_t *n)
{
    while (*n > 0 && blank(**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && blank((*s)[*n - 1]))
        (*n)--;
}

/* A config file is text meant for people: a control character is a mistake or an attempt to
 * smuggle a line break into a header, so it is refused before anything sees it. */
static int check_bytes(const char *s, size_t n, char *reason, size_t size)
{
    if (n > CONFIG_LINE_MAX) {
        set_err(reason, size, "line longer than %d bytes", CONFIG_LINE_MAX);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0) {
            set_err(reason, size, "NUL byte in the line");
            return -1;
        }
        if ((c < 0x20 && c != '\t') || c == 0x7F) {
            set_err(reason, size, "control character 0x%02X in the line", c);
            return -1;
        }
    }
    return 0;
}

static bool valid_key(const char *key, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = key[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return false;
    }
    return n > 0;
}

/* "'KEY' is not a valid key ...", the key cut short and every byte outside printable ASCII
 * shown as \xNN: a key is ASCII, so anything else (a BOM in the middle of the file, say) is
 * what the reader needs to see, and the file may not be ours. */
static void bad_key(const char *key, size_t n, char *reason, size_t size)
{
    enum { SHOWN = 48 };
    char shown[4 * SHOWN + 1];
    size_t used = 0;
    for (size_t i = 0; i < n && i < SHOWN; i++) {
        unsigned char c = (unsigned char)key[i];
        if (c >= 0x20 && c < 0x7F)
            shown[used++] = (char)c;
        else
            used += (size_t)snprintf(shown + used, sizeof shown - used, "\\x%02X", c);
    }
    shown[used] = '\0';
    set_err(reason, size, "'%s%s' is not a valid key (lowercase letters, digits and '-')", shown,
            n > SHOWN ? "..." : "");
}

/* One line without its line end: skipped, or split into key and value and handed to fn.
 * Returns 0, or -1 with the reason (without NAME:LINE) in reason. */
static int parse_line(const char *s, size_t n, unsigned line, afetch_config_fn *fn, void *arg,
                      char *reason, size_t size)
{
    if (check_bytes(s, n, reason, size) != 0)
        return -1;
    trim(&s, &n);
    if (n == 0 || s[0] == '#')
        return 0;
    const char *eq = memchr(s, '=', n);
    if (!eq) {
        set_err(reason, size, "expected 'key = value'");
        return -1;
    }
    const char *key = s, *value = eq + 1;
    size_t key_len = (size_t)(eq - s), value_len = n - key_len - 1;
    trim(&key, &key_len);
    trim(&value, &value_len);
    if (key_len == 0) {
        set_err(reason, size, "missing key before '='");
        return -1;
    }
    if (!valid_key(key, key_len)) {
        bad_key(key, key_len, reason, size);
        return -1;
    }
    /* quotes keep blanks at the ends that trimming would drop */
    if (value_len >= 2 && value[0] == '"' && value[value_len - 1] == '"') {
        value++;
        value_len -= 2;
    }
    char buf[CONFIG_LINE_MAX + 2]; /* key and value, each NUL-terminated */
    memcpy(buf, key, key_len);
    buf[key_len] = '\0';
    memcpy(buf + key_len + 1, value, value_len);
    buf[key_len + 1 + value_len] = '\0';
    reason[0] = '\0';
    if (fn(arg, buf, buf + key_len + 1, line, reason, size) == 0)
        return 0;
    if (!reason[0])
        set_err(reason, size, "%s: not accepted", buf);
    return -1;
}

int afetch_config_parse(const char *text, size_t len, const char *name, afetch_config_fn *fn,
                        void *arg, char *err, size_t err_size)
{
    if (len >= 3 && memcmp(text, BOM, 3) == 0) {
        text += 3;
        len -= 3;
    }
    unsigned line = 0;
    for (size_t pos = 0; pos < len;) {
        const char *start = text + pos;
        const char *nl = memchr(start, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - start) : len - pos;
        pos += n + (nl ? 1 : 0);
        if (n > 0 && start[n - 1] == '\r')
            n--;
        char reason[CONFIG_REASON_SIZE];
        if (parse_line(start, n, ++line, fn, arg, reason, sizeof reason) != 0) {
            set_err(err, err_size, "%s:%u: %s", name ? name : "config", line, reason);
            return -1;
        }
    }
    return 0;
}

/* Reads all of fd into *out (malloc'ed; the caller frees it), at most CONFIG_FILE_MAX bytes.
 * Reads to the end instead of trusting the size from fstat, which a file being written or one
 * under /proc gets wrong. */
static int read_all(int fd, const char *path, char **out, size_t *len, char *err, size_t err_size)
{
    size_t cap = 4096, used = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (buf && used == cap) {
            if (cap > CONFIG_FILE_MAX) {
                free(buf);
                set_err(err, err_size, "%s: larger than 1 MiB; not a config file?", path);
                return -1;
            }
            /* one byte past the limit tells a file of exactly the limit from a bigger one */
            size_t grown = cap * 2 > CONFIG_FILE_MAX ? CONFIG_FILE_MAX + 1 : cap * 2;
            char *bigger = realloc(buf, grown);
            if (!bigger)
                free(buf);
            buf = bigger;
            cap = grown;
        }
        if (!buf) {
            set_err(err, err_size, "%s: out of memory", path);
            return -1;
        }
        ssize_t got = read(fd, buf + used, cap - used);
        if (got < 0) {
            set_err(err, err_size, "%s: %s", path, strerror(errno));
            free(buf);
            return -1;
        }
        if (got == 0)
            break;
        used += (size_t)got;
    }
    *out = buf;
    *len = used;
    return 0;
}

/* Why fd is no config file to read, or NULL when it is: a regular file, or /dev/null (the usual
 * way to say "no settings"). A FIFO, a terminal or a device could block or never end. */
static const char *not_a_config(int fd)
{
    struct stat st, null;
    if (fstat(fd, &st) != 0)
        return strerror(errno);
    if (S_ISREG(st.st_mode))
        return NULL;
    if (S_ISDIR(st.st_mode))
        return strerror(EISDIR);
    if (S_ISCHR(st.st_mode) && stat("/dev/null", &null) == 0 && S_ISCHR(null.st_mode) &&
        st.st_rdev == null.st_rdev)
        return NULL;
    return "not a regular file";
}

int afetch_config_load(const char *path, afetch_config_fn *fn, void *arg, char *err,
                       size_t err_size)
{
    if (!path || !*path) {
        set_err(err, err_size, "config file: empty path, or a path too long");
        return -1;
    }
    /* O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then refuses it */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        set_err(err, err_size, "%s: %s", path, strerror(errno));
        return -1;
    }
    const char *refused = not_a_config(fd);
    if (refused) {
        set_err(err, err_size, "%s: %s", path, refused);
        close(fd);
        return -1;
    }
    char *text;
    size_t len;
    int rc = read_all(fd, path, &text, &len, err, err_size);
    close(fd);
    if (rc != 0)
        return -1;
    rc = afetch_config_parse(text, len, path, fn, arg, err, err_size);
    free(text);
    return rc;
}

/* Writes DIR SUFFIX into out; false (out emptied) when it does not fit. */
static bool join(char *out, size_t out_size, const char *dir, const char *suffix)
{
    int n = snprintf(out, out_size, "%s%s", dir, suffix);
    if (n >= 0 && (size_t)n < out_size)
        return true;
    if (out_size > 0)
        out[0] = '\0';
    return false;
}

bool afetch_config_path(const char *explicit_path, char *out, size_t out_size)
{
    const char *env = getenv("AFETCH_CONFIG");
    if (explicit_path || (env && *env)) {
        /* must be read even when it does not fit: loading "" then reports it */
        join(out, out_size, explicit_path ? explicit_path : env, "");
        return true;
    }
    /* relative bases are ignored (as the XDG spec says), so the working directory can never
     * choose the config */
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    bool fits;
    if (xdg && xdg[0] == '/')
        fits = join(out, out_size, xdg, "/afetch/fetch.conf");
    else if (home && home[0] == '/')
        fits = join(out, out_size, home, "/.config/afetch/fetch.conf");
    else
        fits = join(out, out_size, "", "");
    return fits && out[0] && access(out, F_OK) == 0;
}
