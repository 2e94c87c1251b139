/* version.c — which afetch, and which libraries under it, this is. */
#include "afetch_tool.h"
#include "loop.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>

char *afetch_versions(char *buf, size_t size)
{
    const curl_version_info_data *curl = curl_version_info(CURLVERSION_NOW);
    int ev_major, ev_minor;
    loop_version(&ev_major, &ev_minor);
    snprintf(buf, size, "afetch %s\nlibcurl %s (%s)\nlibev %d.%d\ncJSON %s\n", AFETCH_VERSION,
             curl->version, curl->ssl_version ? curl->ssl_version : "no TLS", ev_major, ev_minor,
             cJSON_Version());
    return buf;
}
