/* http.h — HTTP fetching (libcurl; http.c is the only file that includes the transfer API).
 * This first part is a blocking one-shot fetch for the command line (`parse`, `test`);
 * the daemon's event-driven fetcher grows beside it. */
#ifndef FEEDWATCHD_HTTP_H
#define FEEDWATCHD_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#define HTTP_MAX_REDIRECTS 5

/* Receives the decoded body as it arrives; content_type is the response's header value
 * or NULL. Return 0 to go on, -1 to abort the transfer. */
typedef int (*http_body_cb)(const char *data, size_t len, const char *content_type, void *arg);

/* GETs url (http/https only, at most 5 redirects, gzip/deflate/br/zstd accepted, decoded
 * body capped at max_bytes) and streams the body into cb. Returns 0 on a 2xx answer
 * whose body was read whole, -1 otherwise with a one-line reason in err. */
int http_get_blocking(const char *url, size_t max_bytes, http_body_cb cb, void *arg,
    char *err, size_t errlen);

/* --- the daemon's fetcher: libcurl's multi interface driven by libevent ------------ */

struct event_base;
struct http;
struct http_transfer;

/* How a transfer ended. */
enum http_result {
	HTTP_RESULT_OK,			/* 2xx, body read whole */
	HTTP_RESULT_NOT_MODIFIED,	/* 304 */
	HTTP_RESULT_STATUS,		/* any other final status (4xx, 5xx, a 3xx not followed) */
	HTTP_RESULT_TOO_BIG,		/* decoded body or Content-Length over the cap */
	HTTP_RESULT_TIMEOUT,
	HTTP_RESULT_REFUSED,		/* redirect into private space, or to another scheme */
	HTTP_RESULT_NETWORK,		/* DNS, connect, TLS, cut-off body, too many redirects */
	HTTP_RESULT_ABORTED,		/* the body callback asked to stop */
};

/* What the transfer learnt; lent to the done callback for the duration of the call. */
struct http_response {
	enum http_result result;
	long status;			/* final HTTP status, 0 when none */
	const char *etag;		/* response headers as received, or NULL */
	const char *last_modified;
	const char *retry_after;
	const char *cache_control;
	const char *content_type;
	const char *effective_url;	/* after redirects */
	const char *location;		/* a redirect's Location when it was not followed */
	bool permanent_redirect;	/* every redirect on the way was 301 or 308 */
	int redirects;
	size_t body_bytes;		/* decoded */
	const char *error;		/* one line, or "" */
};

struct http_request {
	const char *url;
	const char *method;		/* NULL: GET */
	const char *body;		/* POST body, or NULL */
	size_t body_len;
	const char *etag;		/* for If-None-Match, or NULL */
	const char *last_modified;	/* for If-Modified-Since, or NULL */
	char *const *headers;		/* extra "Name: value" lines */
	size_t n_headers;
	const char *user_agent;
	const char *accept;		/* NULL: none */
	size_t max_bytes;		/* cap on the decoded body */
	long timeout_ms;		/* whole transfer */
	bool follow_redirects;		/* at most HTTP_MAX_REDIRECTS */
	bool allow_private_redirects;
	bool error_body;		/* hand non-2xx bodies to the data callback too */
	const char *limit_key;		/* counts against max_per_host under this key instead
					 * of host:port (one webhook sink must not starve
					 * another on the same host); NULL: host:port */
};
#define HTTP_HAVE_ERROR_BODY 1
#define HTTP_HAVE_LIMIT_KEY 1

/* Body bytes of a 2xx answer as they arrive; return 0 to go on, -1 to stop. */
typedef int (*http_data_cb)(const char *data, size_t len, const char *content_type, void *arg);
/* The end of a transfer; always called exactly once, from the event loop. */
typedef void (*http_done_cb)(const struct http_response *resp, void *arg);

/* A fetcher on base with at most max_total transfers in flight, max_per_host per host
 * (more wait in a queue, so their time-outs do not run while they wait). */
struct http *http_new(struct event_base *base, int max_total, int max_per_host);
/* Cancels every transfer (their done callbacks are not called) and frees. */
void http_free(struct http *h);
void http_set_limits(struct http *h, int max_total, int max_per_host);

/* Starts (or queues) a transfer; the request is copied. Returns a handle valid until
 * done is called, or NULL when the URL is unusable (done is then not called). */
struct http_transfer *http_start(struct http *h, const struct http_request *req,
    http_data_cb data, http_done_cb done, void *arg);
/* Stops a transfer without calling its done callback. */
void http_cancel(struct http_transfer *t);
/* Transfers in flight and waiting. */
int http_active(const struct http *h);

/* Copies the charset parameter of a Content-Type value into out; returns 0, or -1 when
 * there is none. */
int http_content_type_charset(const char *content_type, char *out, size_t outlen);

#endif
