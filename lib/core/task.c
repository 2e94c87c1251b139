/* task.c — one request's life: copied in, prepared on a slot, finished into a result. */
#include "task.h"

#include "gather.h"
#include "summary.h"
#include "redact.h"
#include "savename.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static size_t size_of(const char *s)
{
    return s ? strlen(s) + 1 : 0;
}

static const char *copy_bytes(char **cursor, const char *s, size_t n)
{
    if (!s)
        return NULL;
    memcpy(*cursor, s, n);
    (*cursor)[n] = '\0';
    const char *copy = *cursor;
    *cursor += n + 1;
    return copy;
}

static const char *copy_into(char **cursor, const char *s)
{
    return s ? copy_bytes(cursor, s, strlen(s)) : NULL;
}

/* Copies what req asks for itself beyond url, label and headers. */
static void copy_own(afetch_request *own, char **cursor, const afetch_request *req)
{
    own->method = copy_into(cursor, req->method);
    own->body = copy_bytes(cursor, req->body, req->body_size);
    own->body_size = req->body ? req->body_size : 0;
    own->body_type = req->body ? copy_into(cursor, req->body_type) : NULL;
    own->user = copy_into(cursor, req->user);
    own->output = copy_into(cursor, req->output);
}

/* Why the request cannot be sent as asked, or NULL. */
static const char *unsendable(const afetch_options *opts, const afetch_request *own)
{
    size_t size;
    const char *type;
    if (fetch_body(opts, own, &size, &type) && strcasecmp(fetch_method(opts, own), "HEAD") == 0)
        return "a HEAD request cannot send a body";
    return NULL;
}

/* --skip-existing: whether t's file is there already, found before t takes a place in the
 * window or a turn of --rate; then t's result says so. */
static bool skip_at_birth(struct task *t, const afetch_options *opts)
{
    char rel[SAVEPATH_SIZE], *path;
    const char *url = t->ascii_url ? t->ascii_url : t->url;
    if (!opts->output_dir || !opts->skip_existing ||
        savename_path(opts->names, t->future.result.index, url, t->own.output, rel, sizeof rel) ==
            0 ||
        !save_exists(opts->output_dir, rel, &path))
        return false;
    fetch_skipped(&t->future.result, path, &t->result_strings);
    free(path);
    return true;
}

static void cancel_local(afetch_future *f)
{
    future_settle_cancelled(f);
}

static void release_local(afetch_future *f)
{
    task_free((struct task *)f);
}

const struct future_ops task_local_ops = {.cancel = cancel_local, .release = release_local};

struct task *task_new(const afetch_request *req, size_t index, const afetch_options *opts,
                      const struct future_ops *ops)
{
    const char *url = req->url ? req->url : "";
    size_t shown = redact_url(url, NULL, 0) + 1; /* the result's url: its display form */
    size_t strings = size_of(url) + shown + size_of(req->label) + size_of(req->method) +
                     (req->body ? req->body_size + 1 + size_of(req->body_type) : 0) +
                     size_of(req->user) + size_of(req->output);
    struct task *t = malloc(sizeof *t + strings);
    if (!t)
        return NULL;
    memset(t, 0, sizeof *t);
    future_init(&t->future, ops, req->numbered ? req->index : index);
    char *cursor = t->strings;
    t->url = copy_into(&cursor, url);
    t->future.result.url = cursor;
    cursor += redact_url(url, cursor, shown) + 1;
    t->future.result.label = copy_into(&cursor, req->label);
    copy_own(&t->own, &cursor, req);

    char idn_error[160];
    const char *problem = req->error_code ? NULL : unsendable(opts, &t->own);
    if (problem) {
        fetch_fail(&t->future.result, ERR_INVALID_INPUT, problem, url, &t->result_strings);
        future_settle(&t->future);
        return t;
    }
    if (!req->error_code && fetch_ascii_url(url, &t->ascii_url, idn_error, sizeof idn_error)) {
        fetch_fail(&t->future.result, ERR_INVALID_INPUT, idn_error, url, &t->result_strings);
        future_settle(&t->future);
        return t;
    }
    if (req->error_code) {
        fetch_fail_named(&t->future.result, req->error_code, req->error_message, url,
                         &t->result_strings);
        future_settle(&t->future);
        return t;
    }
    if (skip_at_birth(t, opts)) {
        future_settle(&t->future);
        return t;
    }
    if (req->header_count > 0) {
        bool failed;
        t->headers = fetch_headers_new(opts, req, &failed);
        if (failed) {
            task_free(t); /* with its punycode URL */
            return NULL;
        }
    }
    return t;
}

void task_free(struct task *t)
{
    if (!t)
        return;
    curl_slist_free_all(t->headers);
    free(t->result_strings);
    free(t->ascii_url);
    free(t);
}

int task_prepare(struct task *t, struct slot *slot, const afetch_options *opts,
                 struct curl_slist *shared_headers)
{
    struct curl_slist *headers = t->headers ? t->headers : shared_headers;
    afetch_result *r = &t->future.result;
    const char *url = t->ascii_url ? t->ascii_url : t->url;
    slot->io.output = t->own.output;
    if (!slot->easy && !(slot->easy = curl_easy_init())) {
        fetch_fail(r, ERR_INTERNAL, "out of memory for a libcurl handle", NULL, &t->result_strings);
        return -1;
    }
    enum err_code code =
        fetch_prepare(slot->easy, opts, r->index, url, &t->own, headers, &slot->io);
    if (!code && curl_easy_setopt(slot->easy, CURLOPT_PRIVATE, t) != CURLE_OK) {
        fetch_abandon(&slot->io);
        code = ERR_INTERNAL;
        snprintf(slot->io.errbuf, sizeof slot->io.errbuf, "libcurl refused the transfer");
    }
    if (code == ERR_SKIPPED) {
        fetch_skipped(r, slot->io.save.final, &t->result_strings);
        fetch_abandon(&slot->io);
        return -1;
    }
    if (code) {
        fetch_fail(r, code, slot->io.errbuf, url, &t->result_strings);
        return -1;
    }
    r->attempts++;
    t->slot = slot;
    return 0;
}

double task_collect(struct task *t, CURLcode rc, const afetch_options *opts, uint64_t *rng)
{
    struct slot *slot = t->slot;
    enum err_code code =
        fetch_finish(slot->easy, rc, opts, &slot->io, &t->future.result, &t->result_strings);
    double delay = fetch_retry_delay(slot->easy, opts, &t->own, &t->future.result, code, rng);
    t->slot = NULL;
    return delay;
}

void task_forget_result(struct task *t)
{
    afetch_result *r = &t->future.result;
    afetch_result kept = {.index = r->index,
                          .url = r->url,
                          .label = r->label,
                          .attempts = r->attempts,
                          .redirects = -1,
                          .time = {r->time.start, -1, -1, -1, -1, -1}};
    *r = kept;
    free(t->result_strings);
    t->result_strings = NULL;
}

void task_abandon(struct task *t)
{
    fetch_abandon(&t->slot->io);
    t->slot = NULL;
}

void task_deliver(struct task *t, const afetch_stream *stream, afetch_summary *summary)
{
    summary_count(summary, &t->future.result);
    stream->deliver(stream->deliver_arg, &t->future.result);
    task_free(t);
}

void stream_flush(const afetch_stream *stream)
{
    if (stream->flush)
        stream->flush(stream->deliver_arg);
}

enum task_pushed task_push_new(struct gather *g, struct task *t)
{
    if (!t)
        return TASK_PUSH_FAILED;
    bool settled = t->future.state != AFETCH_PENDING; /* t may be gone after the push */
    if (gather_push(g, &t->future) != 0) {
        task_free(t);
        return TASK_PUSH_FAILED;
    }
    return settled ? TASK_PUSHED_SETTLED : TASK_PUSHED_PENDING;
}

void task_list_append(struct task_list *list, struct task *t)
{
    t->next = NULL;
    t->prev = list->tail;
    if (list->tail)
        list->tail->next = t;
    else
        list->head = t;
    list->tail = t;
    list->count++;
}

void task_list_prepend(struct task_list *list, struct task *t)
{
    t->prev = NULL;
    t->next = list->head;
    if (list->head)
        list->head->prev = t;
    else
        list->tail = t;
    list->head = t;
    list->count++;
}

void task_list_unlink(struct task_list *list, struct task *t)
{
    if (t->prev)
        t->prev->next = t->next;
    else
        list->head = t->next;
    if (t->next)
        t->next->prev = t->prev;
    else
        list->tail = t->prev;
    t->prev = t->next = NULL;
    list->count--;
}

void task_list_move(struct task_list *into, struct task_list *from)
{
    if (!from->head)
        return;
    if (into->tail) {
        into->tail->next = from->head;
        from->head->prev = into->tail;
    } else {
        into->head = from->head;
    }
    into->tail = from->tail;
    into->count += from->count;
    *from = (struct task_list){0};
}
