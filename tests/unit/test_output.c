/* test_output.c — a result's JSON line: its numbers (written by output.c, not by cJSON) parse
 * back to the values they stand for, in the shortest form, and unknown ones are null. */
#include "afetch.h"
#include "output.h"
#include "tap.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The JSON line of r, parsed; NULL if it is not one JSON object ending in a newline. */
static cJSON *line_of(const afetch_result *r, char *text, size_t size)
{
    afetch_output *o = afetch_output_new(stdout, AFETCH_FORMAT_JSONL, "async");
    size_t len = 0;
    char *line = o ? output_json_line(o, r, &len) : NULL;
    afetch_output_free(o);
    if (!line)
        return NULL;
    snprintf(text, size, "%.*s", (int)(len ? len - 1 : 0), line); /* without the newline */
    cJSON *json = len > 0 && line[len - 1] == '\n' ? cJSON_Parse(line) : NULL;
    free(line);
    return json;
}

static afetch_result result_with(double seconds, size_t index, int64_t bytes)
{
    return (afetch_result){.index = index,
                           .url = "http://127.0.0.1/",
                           .effective_url = "http://127.0.0.1/",
                           .ok = true,
                           .status = 200,
                           .bytes = bytes,
                           .attempts = 1,
                           .time = {.start = seconds,
                                    .dns = -1,
                                    .connect = 0,
                                    .tls = -1,
                                    .ttfb = seconds,
                                    .total = seconds}};
}

static double time_field(const cJSON *json, const char *name)
{
    const cJSON *v = cJSON_GetObjectItem(cJSON_GetObjectItem(json, "time"), name);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static void test_seconds(struct tap *t)
{
    const struct {
        double seconds;
        const char *text;
    } cases[] = {
        {0, "\"total\":0}"},
        {2, "\"total\":2}"},
        {1.5, "\"total\":1.5}"},
        {0.00001, "\"total\":0.00001}"},
        {0.000248, "\"total\":0.000248}"},
        {123.000001, "\"total\":123.000001}"},
        {0.0000004, "\"total\":0}"},
        {0.0000006, "\"total\":0.000001}"},
        {59.9999996, "\"total\":60}"},
        {86400.25, "\"total\":86400.25}"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[2048];
        afetch_result r = result_with(cases[i].seconds, 0, 0);
        cJSON *json = line_of(&r, text, sizeof text);
        ok(t, json && strstr(text, cases[i].text), "%.7f s is written %s: %s", cases[i].seconds,
           cases[i].text, text);
        cJSON_Delete(json);
    }
    /* any time parses back to itself rounded to microseconds */
    unsigned bad = 0;
    for (unsigned i = 0; i < 20000; i++) {
        double seconds = (double)((i * 2654435761u) % 100000000u) / 1e6 + (i % 7) * 1e-7;
        char text[2048];
        afetch_result r = result_with(seconds, i, 0);
        cJSON *json = line_of(&r, text, sizeof text);
        double want = round(seconds * 1e6) / 1e6;
        if (!json || fabs(time_field(json, "start") - want) > 1e-9 ||
            time_field(json, "connect") != 0 || !isnan(time_field(json, "dns")))
            bad++;
        cJSON_Delete(json);
    }
    ok(t, bad == 0, "20,000 times parse back to themselves in microseconds (%u did not)", bad);
}

static void test_integers(struct tap *t)
{
    const size_t indexes[] = {0, 9, 10, 4294967296u, (size_t)1 << 52};
    const int64_t sizes[] = {0, 1024, INT64_C(5000000000000), INT64_MAX};
    for (size_t i = 0; i < sizeof indexes / sizeof indexes[0]; i++) {
        for (size_t j = 0; j < sizeof sizes / sizeof sizes[0]; j++) {
            char text[2048], want[128];
            afetch_result r = result_with(1, indexes[i], sizes[j]);
            cJSON *json = line_of(&r, text, sizeof text);
            snprintf(want, sizeof want, "{\"index\":%zu,", indexes[i]);
            bool index_ok = json && strncmp(text, want, strlen(want)) == 0;
            snprintf(want, sizeof want, "\"bytes\":%lld,", (long long)sizes[j]);
            ok(t,
               index_ok && strstr(text, want) && strstr(text, "\"status\":200,") &&
                   strstr(text, "\"attempts\":1,"),
               "index %zu and %lld bytes are written whole: %.120s", indexes[i],
               (long long)sizes[j], text);
            cJSON_Delete(json);
        }
    }
    char text[2048];
    afetch_result r = result_with(1, 3, 0);
    r.status = 0;
    r.redirects = -1;
    cJSON *json = line_of(&r, text, sizeof text);
    ok(t,
       json && cJSON_IsNull(cJSON_GetObjectItem(json, "status")) &&
           cJSON_IsNull(cJSON_GetObjectItem(json, "redirects")),
       "no status and unknown redirects are null: %s", text);
    cJSON_Delete(json);
}

int main(void)
{
    struct tap t = {0};
    test_seconds(&t);
    test_integers(&t);
    return tap_done(&t);
}
