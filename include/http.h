/* http.h — HTTP fetching (libcurl; http.c is the only file that includes the transfer API).
 * This first part is a blocking one-shot fetch for the command line (`parse`, `test`);
 * the daemon's event-driven fetcher grows beside it. */
#ifndef FEEDWATCHD_HTTP_H
#define FEEDWATCHD_HTTP_H

#include <stddef.h>

/* Receives the decoded body as it arrives; content_type is the response's header value
 * or NULL. Return 0 to go on, -1 to abort the transfer. */
typedef int (*http_body_cb)(const char *data, size_t len, const char *content_type, void *arg);

/* GETs url (http/https only, at most 5 redirects, gzip/deflate/br/zstd accepted, decoded
 * body capped at max_bytes) and streams the body into cb. Returns 0 on a 2xx answer
 * whose body was read whole, -1 otherwise with a one-line reason in err. */
int http_get_blocking(const char *url, size_t max_bytes, http_body_cb cb, void *arg,
    char *err, size_t errlen);

/* Copies the charset parameter of a Content-Type value into out; returns 0, or -1 when
 * there is none. */
int http_content_type_charset(const char *content_type, char *out, size_t outlen);

#endif
