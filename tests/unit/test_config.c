/* test_config.c — the config file reader: the line format, its errors and their NAME:LINE, the
 * file limits, where the file is looked for, generated files parsed back exactly, and the
 * "did you mean" of an unknown key (afetch_closest_name). */
#include "config.h"
#include "tap.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/afetch-test-config-XXXXXX";

/* What the callback saw: every setting, as "line:key=value|" appended to seen. */
struct record {
    char seen[8192];
    int calls;
    int stop_at;        /* return -1 on this call (1-based); 0: never */
    const char *reason; /* written into err when stopping; NULL: none */
    size_t err_size;    /* the room the parser gave */
};

static int record_fn(void *arg, const char *key, const char *value, unsigned line, char *err,
                     size_t err_size)
{
    struct record *r = arg;
    size_t used = strlen(r->seen);
    snprintf(r->seen + used, sizeof r->seen - used, "%u:%s=%s|", line, key, value);
    r->calls++;
    r->err_size = err_size;
    if (r->calls != r->stop_at)
        return 0;
    if (r->reason)
        snprintf(err, err_size, "%s", r->reason);
    return -1;
}

/* Parses len bytes of text as "t.conf"; returns the result and fills r and err. */
static int parse(const char *text, size_t len, struct record *r, char *err, size_t err_size)
{
    err[0] = '\0';
    return afetch_config_parse(text, len, "t.conf", record_fn, r, err, err_size);
}

/* text (a C string) must parse into exactly want. */
static void expect(struct tap *t, const char *text, const char *want, const char *what)
{
    struct record r = {0};
    char err[600];
    int rc = parse(text, strlen(text), &r, err, sizeof err);
    ok(t, rc == 0 && strcmp(r.seen, want) == 0, "%s: got rc %d '%s' (want '%s') %s", what, rc,
       r.seen, want, err);
}

/* len bytes of text must fail with exactly want in err, after the settings in seen. */
static void expect_error_n(struct tap *t, const char *text, size_t len, const char *want,
                           const char *seen)
{
    struct record r = {0};
    char err[600];
    int rc = parse(text, len, &r, err, sizeof err);
    ok(t, rc == -1 && strcmp(err, want) == 0 && strcmp(r.seen, seen) == 0,
       "error '%s' (got rc %d, '%s', seen '%s')", want, rc, err, r.seen);
}

static void expect_error(struct tap *t, const char *text, const char *want)
{
    expect_error_n(t, text, strlen(text), want, "");
}

static void test_lines(struct tap *t)
{
    expect(t, "parallel = 100\ntimeout=5\n", "1:parallel=100|2:timeout=5|", "two settings");
    expect(t, "", "", "empty text");
    expect(t, "\n\n   \n\t\n", "", "blank lines only");
    expect(t, "# a comment\n\n   # indented = comment\nkey = v\n", "4:key=v|",
           "comments and blanks are skipped but counted");
    expect(t, "#=\n#\n", "", "comment lines holding '='");
    expect(t, "  key  \t=\t  value with  inner  spaces \t \n", "1:key=value with  inner  spaces|",
           "blanks around key and value trimmed, inner ones kept");
    expect(t, "header = X-A: a=b==c", "1:header=X-A: a=b==c|", "the value runs past a second '='");
    expect(t, "user-agent = a # not a comment", "1:user-agent=a # not a comment|",
           "a '#' after a value is part of it");
    expect(t, "key=\nother =   \n", "1:key=|2:other=|", "empty values reach the callback");
    expect(t, "a-1 = x\n0 = y\n- = z\n", "1:a-1=x|2:0=y|3:-=z|", "digits and '-' in keys");
    expect(t, "k = tab\there\n", "1:k=tab\there|", "a tab inside a value");
    expect(t,
           "k = b\xC3\xBC"
           "cher\n",
           "1:k=b\xC3\xBC"
           "cher|",
           "UTF-8 in a value");
    expect(t, "k = 1\nk = 2\n", "1:k=1|2:k=2|", "a repeated key is passed each time");
    expect(t, "last = no newline", "1:last=no newline|", "a last line without a newline");
}

static void test_quotes(struct tap *t)
{
    expect(t, "ua = \"  x  \"", "1:ua=  x  |", "quotes keep leading and trailing spaces");
    expect(t, "ua =   \"x\"   \n", "1:ua=x|", "blanks outside the quotes are trimmed");
    expect(t, "ua = \"\"\n", "1:ua=|", "\"\" is the empty value");
    expect(t, "ua = \"\"x\"\"\n", "1:ua=\"x\"|", "one pair only: \"\"x\"\" gives \"x\"");
    expect(t, "ua = \" a \" b \"\n", "1:ua= a \" b |", "inner quotes are plain characters");
    expect(t, "ua = \"\n", "1:ua=\"|", "a lone quote stays");
    expect(t, "ua = \"abc\n", "1:ua=\"abc|", "an opening quote without its pair stays");
    expect(t, "ua = abc\"\n", "1:ua=abc\"|", "a closing quote without its pair stays");
    expect(t, "h = X: \"etag\"\n", "1:h=X: \"etag\"|", "quotes at the end only stay");
    expect(t, "ua = \"#x\"\n", "1:ua=#x|", "a quoted '#'");
}

static void test_line_ends(struct tap *t)
{
    expect(t, "a = 1\r\nb = 2\r\n", "1:a=1|2:b=2|", "CRLF");
    expect(t, "a = 1\r\nb = 2\n", "1:a=1|2:b=2|", "CRLF and LF mixed");
    expect(t, "a = 1 \t\r\n", "1:a=1|", "blanks before CRLF");
    expect(t, "a = \"x \"\r\n", "1:a=x |", "a quoted value before CRLF");
    expect(t, "a = 1\r", "1:a=1|", "a CR at the very end");
    expect(t, "\r\n\r\n# c\r\na = 1", "4:a=1|", "blank CRLF lines counted");
    expect(t,
           "\xEF\xBB\xBF"
           "a = 1\n",
           "1:a=1|", "a UTF-8 BOM");
    expect(t, "\xEF\xBB\xBF", "", "a BOM alone");
    expect(t, "\xEF\xBB\xBF\r\n# c\r\nk = v\r\n", "3:k=v|", "BOM and CRLF");
    expect(t,
           "\xEF\xBB\xBF"
           "# c\n",
           "", "BOM then a comment");
    expect_error_n(t,
                   "a = 1\n\xEF\xBB\xBF"
                   "b = 2\n",
                   15,
                   "t.conf:2: '\\xEF\\xBB\\xBFb' is not a valid key (lowercase letters, digits "
                   "and '-')",
                   "1:a=1|");
    expect_error(t,
                 "\xEF\xBB\xBF\xEF\xBB\xBF"
                 "a = 1\n",
                 "t.conf:1: '\\xEF\\xBB\\xBFa' is not a valid key (lowercase letters, digits and "
                 "'-')");
}

static void test_syntax_errors(struct tap *t)
{
    expect_error(t, "novalue\n", "t.conf:1: expected 'key = value'");
    expect_error(t, "# c\n\n  just words  \n", "t.conf:3: expected 'key = value'");
    expect_error(t, "= x\n", "t.conf:1: missing key before '='");
    expect_error(t, "   =\n", "t.conf:1: missing key before '='");
    expect_error(t, "Parallel = 1",
                 "t.conf:1: 'Parallel' is not a valid key (lowercase letters, digits and '-')");
    expect_error(t, "user agent = x",
                 "t.conf:1: 'user agent' is not a valid key (lowercase letters, digits and '-')");
    expect_error(t, "a_b = 1",
                 "t.conf:1: 'a_b' is not a valid key (lowercase letters, digits and '-')");
    expect(t, "--parallel = 1\n", "1:--parallel=1|",
           "'--parallel' is a key ([a-z0-9-]+) for the "
           "callback to refuse");
    expect_error(t, "\"k\" = 1",
                 "t.conf:1: '\"k\"' is not a valid key (lowercase letters, digits and '-')");
    expect_error(t, "a#b = 1",
                 "t.conf:1: 'a#b' is not a valid key (lowercase letters, digits and '-')");
    expect_error(t, "k\xFF = 1",
                 "t.conf:1: 'k\\xFF' is not a valid key (lowercase letters, digits and '-')");
}

static void test_bad_bytes(struct tap *t)
{
    expect_error_n(t, "a = 1\nb = \0\n", 11, "t.conf:2: NUL byte in the line", "1:a=1|");
    expect_error_n(t, "# \0 in a comment\n", 17, "t.conf:1: NUL byte in the line", "");
    expect_error_n(t, "\0", 1, "t.conf:1: NUL byte in the line", "");
    expect_error(t, "a = \x1b[31mred\n", "t.conf:1: control character 0x1B in the line");
    expect_error(t, "a = 1\rb = 2\n", "t.conf:1: control character 0x0D in the line");
    expect_error(t, "a = 1\r\r\n", "t.conf:1: control character 0x0D in the line");
    expect_error(t, "a = x\x7f\n", "t.conf:1: control character 0x7F in the line");
    expect_error_n(t, "a = 1\n\f\n", 8, "t.conf:2: control character 0x0C in the line", "1:a=1|");
    expect_error(t, "\v = 1\n", "t.conf:1: control character 0x0B in the line");
}

static void test_long_lines(struct tap *t)
{
    static char text[3 * CONFIG_LINE_MAX];
    memset(text, 'x', sizeof text);
    memcpy(text, "key = ", 6);
    struct record r = {0};
    char err[600];
    int rc = parse(text, CONFIG_LINE_MAX, &r, err, sizeof err);
    ok(t, rc == 0 && r.calls == 1 && strlen(r.seen) == CONFIG_LINE_MAX + 1,
       "a line of exactly %d bytes is fine (rc %d, %s)", CONFIG_LINE_MAX, rc, err);
    memcpy(text + CONFIG_LINE_MAX, "\r\n", 2);
    memset(&r, 0, sizeof r);
    rc = parse(text, CONFIG_LINE_MAX + 2, &r, err, sizeof err);
    ok(t, rc == 0 && r.calls == 1, "its CRLF does not count (rc %d, %s)", rc, err);
    memset(text + CONFIG_LINE_MAX, 'x', 2);
    expect_error_n(t, text, CONFIG_LINE_MAX + 1, "t.conf:1: line longer than 4096 bytes", "");
    memcpy(text, "# c\n", 4);
    expect_error_n(t, text, sizeof text, "t.conf:2: line longer than 4096 bytes", "");
    char key[200], want[200];
    memset(key, 'K', sizeof key);
    memcpy(key + 190, " = v", 5);
    memset(want, 'K', sizeof want);
    memcpy(want, "t.conf:1: '", 11);
    snprintf(want + 11 + 48, sizeof want - 11 - 48,
             "...' is not a valid key (lowercase letters, digits and '-')");
    expect_error(t, key, want);
    expect_error(t, "a\tb = 1",
                 "t.conf:1: 'a\\x09b' is not a valid key (lowercase letters, digits and '-')");
}

static void test_callback_errors(struct tap *t)
{
    const char *text = "a = 1\n# c\nb = 2\nc = 3\n";
    struct record r = {.stop_at = 2, .reason = "parallel: 'x' is not a whole number"};
    char err[600];
    int rc = parse(text, strlen(text), &r, err, sizeof err);
    ok(t, rc == -1 && strcmp(err, "t.conf:3: parallel: 'x' is not a whole number") == 0,
       "the callback's reason gets NAME:LINE: (%s)", err);
    ok(t, r.calls == 2 && strcmp(r.seen, "1:a=1|3:b=2|") == 0, "nothing after the stop (%s)",
       r.seen);
    ok(t, r.err_size == CONFIG_REASON_SIZE, "the callback gets %d bytes for its reason (%zu)",
       CONFIG_REASON_SIZE, r.err_size);
    r = (struct record){.stop_at = 1};
    rc = parse(text, strlen(text), &r, err, sizeof err);
    ok(t, rc == -1 && strcmp(err, "t.conf:1: a: not accepted") == 0,
       "a stop without a reason names the key (%s)", err);
    r = (struct record){.stop_at = 1, .reason = "no"};
    rc = afetch_config_parse(text, strlen(text), NULL, record_fn, &r, err, sizeof err);
    ok(t, rc == -1 && strcmp(err, "config:1: no") == 0, "a NULL name reads 'config' (%s)", err);
}

static void test_buffers(struct tap *t)
{
    struct record r = {0};
    ok(t, afetch_config_parse("x\n", 2, "t", record_fn, &r, NULL, 0) == -1,
       "an error with no err buffer");
    char small[8] = "zzzzzzz";
    ok(t,
       afetch_config_parse("x\n", 2, "t.conf", record_fn, &r, small, sizeof small) == -1 &&
           strcmp(small, "t.conf:") == 0,
       "a small err buffer gets a terminated prefix (%s)", small);
    ok(t,
       afetch_config_parse(NULL, 0, "t", record_fn, &r, small, sizeof small) == 0 && r.calls == 0,
       "NULL text of length 0");
    expect_error_n(t, "a = 1\nb = 2\nzzz", 7, "t.conf:2: expected 'key = value'", "1:a=1|");
    memset(&r, 0, sizeof r);
    char err[100];
    ok(t, parse("k = 12345", 7, &r, err, sizeof err) == 0 && strcmp(r.seen, "1:k=123|") == 0,
       "text need not be NUL-terminated: only len bytes count (%s)", r.seen);
}

/* ---- files ---- */

static void write_file(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

static void write_text(const char *path, const char *text)
{
    write_file(path, text, strlen(text));
}

static void test_load(struct tap *t)
{
    char path[256], err[600], want[700];
    struct record r = {0};
    snprintf(path, sizeof path, "%s/fetch.conf", dir);
    write_text(path, "# mine\nparallel = 7\r\n");
    int rc = afetch_config_load(path, record_fn, &r, err, sizeof err);
    ok(t, rc == 0 && strcmp(r.seen, "2:parallel=7|") == 0, "a file loads (%s)", r.seen);
    write_text(path, "parallel = 7\nnope\n");
    rc = afetch_config_load(path, record_fn, &r, err, sizeof err);
    snprintf(want, sizeof want, "%s:2: expected 'key = value'", path);
    ok(t, rc == -1 && strcmp(err, want) == 0, "errors name the file and line (%s)", err);
    snprintf(path, sizeof path, "%s/missing.conf", dir);
    rc = afetch_config_load(path, record_fn, &r, err, sizeof err);
    snprintf(want, sizeof want, "%s: No such file or directory", path);
    ok(t, rc == -1 && strcmp(err, want) == 0, "a missing file (%s)", err);
    rc = afetch_config_load(dir, record_fn, &r, err, sizeof err);
    snprintf(want, sizeof want, "%s: Is a directory", dir);
    ok(t, rc == -1 && strcmp(err, want) == 0, "a directory (%s)", err);
    rc = afetch_config_load("", record_fn, &r, err, sizeof err);
    ok(t, rc == -1 && strstr(err, "empty path"), "an empty path (%s)", err);
    memset(&r, 0, sizeof r);
    rc = afetch_config_load("/dev/null", record_fn, &r, err, sizeof err);
    ok(t, rc == 0 && r.calls == 0, "/dev/null is an empty config");
    snprintf(path, sizeof path, "%s/fifo.conf", dir);
    mkfifo(path, 0600);
    rc = afetch_config_load(path, record_fn, &r, err, sizeof err);
    snprintf(want, sizeof want, "%s: not a regular file", path);
    ok(t, rc == -1 && strcmp(err, want) == 0, "a FIFO is refused without waiting for a writer (%s)",
       err);
    rc = afetch_config_load("/dev/zero", record_fn, &r, err, sizeof err);
    ok(t, rc == -1 && strcmp(err, "/dev/zero: not a regular file") == 0, "so is a device (%s)",
       err);
}

/* A file of exactly size bytes: comment lines, then one setting. */
static void write_sized(const char *path, size_t size)
{
    char *text = malloc(size);
    if (!text)
        exit(1);
    memset(text, 'c', size);
    for (size_t i = 0; i < size; i += 100) {
        text[i] = '#';
        if (i + 99 < size)
            text[i + 99] = '\n';
    }
    memcpy(text + size - 6, "\nk = 1", 6);
    write_file(path, text, size);
    free(text);
}

static void test_load_limit(struct tap *t)
{
    char path[256], err[600], want[700];
    snprintf(path, sizeof path, "%s/big.conf", dir);
    write_sized(path, CONFIG_FILE_MAX);
    struct record r = {0};
    int rc = afetch_config_load(path, record_fn, &r, err, sizeof err);
    ok(t, rc == 0 && r.calls == 1, "a file of exactly 1 MiB loads (rc %d, %d calls, %s)", rc,
       r.calls, rc ? err : "");
    write_sized(path, CONFIG_FILE_MAX + 1);
    memset(&r, 0, sizeof r);
    rc = afetch_config_load(path, record_fn, &r, err, sizeof err);
    snprintf(want, sizeof want, "%s: larger than 1 MiB; not a config file?", path);
    ok(t, rc == -1 && strcmp(err, want) == 0 && r.calls == 0,
       "one byte more is refused before parsing (%s)", err);
    unlink(path);
}

/* ---- where the file is ---- */

static void set_env(const char *name, const char *value)
{
    if (value)
        setenv(name, value, 1);
    else
        unsetenv(name);
}

/* With the three variables set as given (NULL: unset), afetch_config_path(explicit) must
 * return want_read and write want_path. */
static void expect_path(struct tap *t, const char *explicit_path, const char *env, const char *xdg,
                        const char *home, bool want_read, const char *want_path, const char *what)
{
    set_env("AFETCH_CONFIG", env);
    set_env("XDG_CONFIG_HOME", xdg);
    set_env("HOME", home);
    char out[512] = "junk";
    bool read = afetch_config_path(explicit_path, out, sizeof out);
    ok(t, read == want_read && strcmp(out, want_path) == 0, "%s: got %d '%s' (want %d '%s')", what,
       read, out, want_read, want_path);
}

static void make_dir(const char *path)
{
    if (mkdir(path, 0700) != 0) {
        perror(path);
        exit(1);
    }
}

static void test_path(struct tap *t)
{
    char xdg[256], home[256], xdg_conf[300], home_conf[300], p[300];
    snprintf(xdg, sizeof xdg, "%s/xdg", dir);
    snprintf(home, sizeof home, "%s/home", dir);
    snprintf(xdg_conf, sizeof xdg_conf, "%s/afetch/fetch.conf", xdg);
    snprintf(home_conf, sizeof home_conf, "%s/.config/afetch/fetch.conf", home);
    expect_path(t, "/no/such.conf", "/env.conf", xdg, home, true, "/no/such.conf",
                "--config wins and must be read, even if missing");
    expect_path(t, "", "/env.conf", xdg, home, true, "", "an empty --config is still explicit");
    expect_path(t, NULL, "/env.conf", xdg, home, true, "/env.conf", "$AFETCH_CONFIG, missing");
    expect_path(t, NULL, "rel.conf", xdg, home, true, "rel.conf", "a relative $AFETCH_CONFIG");
    expect_path(t, NULL, "", xdg, home, false, xdg_conf, "an empty $AFETCH_CONFIG is unset");
    expect_path(t, NULL, NULL, NULL, home, false, home_conf, "no default file: nothing to read");
    expect_path(t, NULL, NULL, NULL, NULL, false, "", "no HOME, no XDG_CONFIG_HOME");
    expect_path(t, NULL, NULL, NULL, "relative/home", false, "", "a relative HOME is ignored");
    make_dir(home);
    snprintf(p, sizeof p, "%s/.config", home);
    make_dir(p);
    snprintf(p, sizeof p, "%s/.config/afetch", home);
    make_dir(p);
    write_text(home_conf, "");
    expect_path(t, NULL, NULL, NULL, home, true, home_conf, "$HOME/.config/afetch/fetch.conf");
    expect_path(t, NULL, NULL, "", home, true, home_conf, "an empty XDG_CONFIG_HOME");
    expect_path(t, NULL, NULL, "rel/xdg", home, true, home_conf, "a relative XDG_CONFIG_HOME");
    expect_path(t, NULL, NULL, xdg, home, false, xdg_conf,
                "XDG_CONFIG_HOME replaces ~/.config: no fallback to HOME");
    make_dir(xdg);
    snprintf(p, sizeof p, "%s/afetch", xdg);
    make_dir(p);
    write_text(xdg_conf, "");
    expect_path(t, NULL, NULL, xdg, home, true, xdg_conf, "$XDG_CONFIG_HOME/afetch/fetch.conf");
    expect_path(t, NULL, "", xdg, home, true, xdg_conf, "the XDG file with an empty env");
}

static void test_path_too_long(struct tap *t)
{
    char out[16] = "junk";
    set_env("AFETCH_CONFIG", NULL);
    ok(t, afetch_config_path("/a/path/longer/than/sixteen", out, sizeof out) && out[0] == '\0',
       "an explicit path that does not fit: read, as '' ('%s')", out);
    set_env("XDG_CONFIG_HOME", "/x");
    strcpy(out, "junk");
    ok(t, !afetch_config_path(NULL, out, sizeof out) && out[0] == '\0',
       "a default path that does not fit: not read ('%s')", out);
    ok(t, !afetch_config_path(NULL, NULL, 0), "no out buffer at all");
}

/* ---- generated files ---- */

struct gen {
    uint32_t seed;
    char text[16384], want[16384];
    size_t len, want_len;
    unsigned line;
};

static uint32_t next(struct gen *g, uint32_t n)
{
    g->seed = g->seed * 1103515245u + 12345u;
    return (g->seed >> 16) % n;
}

static void put(struct gen *g, const char *s)
{
    size_t n = strlen(s);
    memcpy(g->text + g->len, s, n);
    g->len += n;
}

static const char *const blanks[] = {"", " ", "\t", "  \t "};
static const char value_chars[] = "abcXYZ019 =#\"'\t:/.,-_\xC3\xA9";

/* A value of random characters; *plain says whether it is usable unquoted (no blank or quote
 * at either end, so that trimming and unquoting leave it alone). */
static void random_value(struct gen *g, char *value, size_t size, bool *plain)
{
    size_t n = next(g, 12);
    for (size_t i = 0; i < n && i + 1 < size; i++)
        value[i] = value_chars[next(g, sizeof value_chars - 1)];
    value[n < size ? n : size - 1] = '\0';
    size_t len = strlen(value);
    *plain = len == 0 || (value[0] != ' ' && value[0] != '\t' && value[0] != '"' &&
                          value[len - 1] != ' ' && value[len - 1] != '\t' && value[len - 1] != '"');
}

/* Appends one line (setting, comment or blank) and its line end; settings go to want too. */
static void random_line(struct gen *g)
{
    static const char *const keys[] = {"parallel", "header", "a", "x-1", "fail-fast", "0"};
    static const char *const ends[] = {"\n", "\r\n"};
    g->line++;
    uint32_t kind = next(g, 5);
    put(g, blanks[next(g, 4)]);
    if (kind == 0) {
        put(g, "# comment = with \"quotes\" ");
    } else if (kind >= 2) {
        const char *key = keys[next(g, 6)];
        char value[32];
        bool plain;
        random_value(g, value, sizeof value, &plain);
        bool quote = !plain || next(g, 4) == 0;
        put(g, key);
        put(g, blanks[next(g, 4)]);
        put(g, "=");
        put(g, blanks[next(g, 4)]);
        put(g, quote ? "\"" : "");
        put(g, value);
        put(g, quote ? "\"" : "");
        g->want_len += (size_t)snprintf(g->want + g->want_len, sizeof g->want - g->want_len,
                                        "%u:%s=%s|", g->line, key, value);
    }
    put(g, blanks[next(g, 4)]);
    put(g, ends[next(g, 2)]);
}

static void test_generated(struct tap *t)
{
    struct gen g = {.seed = 4242};
    int bad = 0;
    for (int i = 0; i < 3000 && !bad; i++) {
        g.len = g.want_len = g.line = 0;
        g.want[0] = '\0';
        if (next(&g, 3) == 0)
            put(&g, "\xEF\xBB\xBF");
        size_t lines = next(&g, 40);
        for (size_t k = 0; k < lines; k++)
            random_line(&g);
        if (lines > 0 && next(&g, 2) == 0) /* no line end on the last line */
            g.len -= g.text[g.len - 2] == '\r' ? 2 : 1;
        struct record r = {0};
        char err[600];
        if (parse(g.text, g.len, &r, err, sizeof err) != 0 || strcmp(r.seen, g.want) != 0) {
            bad = 1;
            printf("# text: %.*s\n# want: %s\n# got:  %s %s\n", (int)g.len, g.text, g.want, r.seen,
                   err);
        }
    }
    ok(t, !bad, "3000 generated files parse back to exactly their settings");
}

/* Whether afetch_closest_name(typed) over names is want (NULL: no suggestion). */
static bool suggests(const char *typed, const char *want)
{
    static const char *const names[] = {"insecure", "json",    "jsonl",      "timeout", "head",
                                        "help",     "headers", "output-dir", "url"};
    const char *got = afetch_closest_name(typed, names, sizeof names / sizeof names[0]);
    return want ? got && strcmp(got, want) == 0 : got == NULL;
}

static void test_closest_name(struct tap *t)
{
    ok(t, suggests("insecur", "insecure") && suggests("insecuree", "insecure"),
       "one letter missing or extra");
    ok(t, suggests("tiemout", "timeout") && suggests("timeuot", "timeout"),
       "two neighbours swapped count as one edit");
    ok(t, suggests("jsn", "json") && suggests("JSON", "json") && suggests("URL", "url"),
       "ASCII case is ignored");
    ok(t, suggests("output", "output-dir") && suggests("in", "insecure"),
       "the start of exactly one name");
    ok(t, suggests("jsonn", NULL), "a tie (json, jsonl) suggests nothing");
    ok(t, suggests("he", NULL), "the start of several names, all two edits away: nothing");
    ok(t, suggests("ab", NULL) && suggests("", NULL), "too little typed to guess from");
    ok(t, suggests("foo", NULL) && suggests("completely-different", NULL), "nothing close");
    char longer[200];
    memset(longer, 'x', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    ok(t, suggests(longer, NULL), "a long name is no trouble");
    ok(t, afetch_closest_name("json", NULL, 0) == NULL, "no names, no suggestion");
}

static void cleanup(void)
{
    char p[300];
    const char *files[] = {
        "fetch.conf", "home/.config/afetch/fetch.conf", "home/.config/afetch", "home/.config",
        "home",       "xdg/afetch/fetch.conf",          "xdg/afetch",          "xdg"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, files[i]);
        remove(p);
    }
    rmdir(dir);
}

int main(void)
{
    struct tap t = {0};
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_lines(&t);
    test_quotes(&t);
    test_line_ends(&t);
    test_syntax_errors(&t);
    test_bad_bytes(&t);
    test_long_lines(&t);
    test_callback_errors(&t);
    test_buffers(&t);
    test_load(&t);
    test_load_limit(&t);
    test_path(&t);
    test_path_too_long(&t);
    test_generated(&t);
    test_closest_name(&t);
    cleanup();
    return tap_done(&t);
}
