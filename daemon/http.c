/* http.c — HTTP over libcurl: the daemon's fetcher (the multi interface driven by
 * libevent, after curl's multi-event.c) and a blocking one-shot fetch for the command
 * line. Policy for both: http/https only (also on redirects), at most
 * HTTP_MAX_REDIRECTS redirects, every content coding curl supports, a cap on *decoded*
 * bytes counted in the write callback (CURLOPT_MAXFILESIZE checks only Content-Length in
 * 7.88), no proxies from the environment, no cookies, no Referer. */
#include "http.h"

#include <curl/curl.h>
#include <ctype.h>
#include <event2/event.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"
#include "netaddr.h"
#include "util.h"

struct http_blocking {
	CURL *easy;
	http_body_cb cb;
	void *arg;
	size_t max_bytes;
	size_t got;
	bool too_big;
	bool aborted;
};

static size_t http_blocking_write_cb(char *data, size_t size, size_t nmemb, void *userp);

/* CURLOPT_WRITEFUNCTION: counts decoded bytes and hands them on. */
static size_t
http_blocking_write_cb(char *data, size_t size, size_t nmemb, void *userp)
{
	struct http_blocking *h = userp;
	size_t n = size * nmemb;
	char *ct = NULL;

	if (h->got + n > h->max_bytes) {
		h->too_big = true;
		return 0;
	}
	h->got += n;
	curl_easy_getinfo(h->easy, CURLINFO_CONTENT_TYPE, &ct);
	if (h->cb(data, n, ct, h->arg) < 0) {
		h->aborted = true;
		return 0;
	}
	return n;
}

int
http_get_blocking(const char *url, size_t max_bytes, http_body_cb cb, void *arg, char *err,
    size_t errlen)
{
	struct http_blocking h = { .cb = cb, .arg = arg, .max_bytes = max_bytes };
	char curlerr[CURL_ERROR_SIZE] = "";
	long status = 0;
	CURLcode rc;
	int ret = -1;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	h.easy = curl_easy_init();
	if (h.easy == NULL) {
		snprintf(err, errlen, "cannot create a curl handle");
		return -1;
	}
	curl_easy_setopt(h.easy, CURLOPT_URL, url);
	curl_easy_setopt(h.easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h.easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h.easy, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h.easy, CURLOPT_MAXREDIRS, (long)HTTP_MAX_REDIRECTS);
	curl_easy_setopt(h.easy, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h.easy, CURLOPT_PROXY, "");
	curl_easy_setopt(h.easy, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(h.easy, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(h.easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h.easy, CURLOPT_USERAGENT,
	    "feedwatchd/" FEEDWATCHD_VERSION " (+https://example.org/feedwatchd)");
	curl_easy_setopt(h.easy, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(h.easy, CURLOPT_ERRORBUFFER, curlerr);
	curl_easy_setopt(h.easy, CURLOPT_WRITEFUNCTION, http_blocking_write_cb);
	curl_easy_setopt(h.easy, CURLOPT_WRITEDATA, &h);
	if ((curl_off_t)max_bytes > 0)
		curl_easy_setopt(h.easy, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max_bytes);
	rc = curl_easy_perform(h.easy);
	curl_easy_getinfo(h.easy, CURLINFO_RESPONSE_CODE, &status);
	if (h.too_big || rc == CURLE_FILESIZE_EXCEEDED)
		snprintf(err, errlen, "%s: response too large (more than %zu bytes)", url, max_bytes);
	else if (h.aborted)
		snprintf(err, errlen, "%s: transfer stopped", url);
	else if (rc != CURLE_OK)
		snprintf(err, errlen, "%s: %s", url, curlerr[0] ? curlerr : curl_easy_strerror(rc));
	else if (status < 200 || status > 299)
		snprintf(err, errlen, "%s: HTTP status %ld", url, status);
	else
		ret = 0;
	curl_easy_cleanup(h.easy);
	return ret;
}

int
http_content_type_charset(const char *ct, char *out, size_t outlen)
{
	const char *c;
	size_t n = 0;

	if (ct == NULL || outlen == 0)
		return -1;
	for (c = ct; (c = strchr(c, ';')) != NULL;) {
		c++;
		while (*c == ' ' || *c == '\t')
			c++;
		if (strncasecmp(c, "charset=", 8) != 0)
			continue;
		c += 8;
		if (*c == '"')
			c++;
		while (*c && *c != '"' && *c != ';' && !isspace((unsigned char)*c) && n + 1 < outlen)
			out[n++] = *c++;
		out[n] = '\0';
		return n ? 0 : -1;
	}
	return -1;
}

/* --- the daemon's fetcher ---------------------------------------------------------- */

/* The libcurl/libevent glue has three parts, as in curl's multi-event.c: one struct http
 * (the multi handle and its timer), one struct http_transfer per easy handle
 * (CURLOPT_PRIVATE), one struct http_sock per socket (curl_multi_assign). Easy handles
 * are removed only in http_drain(), never inside a libcurl callback. */

struct http {
	struct event_base *base;
	CURLM *multi;
	struct event *timer;
	int running;
	int max_total, max_per_host;
	struct http_transfer *queue_head, *queue_tail;	/* waiting, FIFO */
	struct http_transfer *active;			/* in libcurl */
	int n_active, n_queued;
};

struct http_sock {
	curl_socket_t fd;
	struct event *ev;
};

struct http_transfer {
	struct http *h;
	struct http_transfer *prev, *next;
	bool in_curl;
	CURL *easy;
	struct curl_slist *headers;
	char *url, *body, *host;
	size_t body_len;
	http_data_cb data;
	http_done_cb done;
	void *arg;
	size_t max_bytes, got;
	long timeout_ms;
	bool too_big, aborted, refused_private, origin_known, origin_private, allow_private;
	bool error_body;
	/* what the easy handle is made from, when the transfer leaves the queue: a queued
	 * transfer holds no curl handle (10,000 due feeds would hold 90 MB of them) */
	char *user_agent, *method;
	bool follow;
	long statuses[HTTP_MAX_REDIRECTS + 4];
	int n_statuses;
	char *etag, *last_modified, *retry_after, *cache_control, *content_type, *location;
	char errbuf[CURL_ERROR_SIZE];
};

static int http_socket_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp);
static int http_timer_cb(CURLM *multi, long timeout_ms, void *userp);
static void http_event_cb(evutil_socket_t fd, short kind, void *arg);
static void http_timeout_cb(evutil_socket_t fd, short kind, void *arg);
static size_t http_header_cb(char *line, size_t size, size_t nitems, void *userp);
static size_t http_write_cb(char *data, size_t size, size_t nmemb, void *userp);
static curl_socket_t http_opensocket_cb(void *clientp, curlsocktype purpose,
    struct curl_sockaddr *addr);
static void http_drain(struct http *h);
static void http_pump(struct http *h);
static void http_finish(struct http *h, struct http_transfer *t, CURLcode rc);
static void transfer_free(struct http_transfer *t);
static void transfer_activate(struct http_transfer *t);
static void list_unlink(struct http_transfer **head, struct http_transfer **tail,
    struct http_transfer *t);

struct http *
http_new(struct event_base *base, int max_total, int max_per_host)
{
	struct http *h = xcalloc(1, sizeof *h);

	curl_global_init(CURL_GLOBAL_DEFAULT);
	h->base = base;
	h->multi = curl_multi_init();
	if (h->multi == NULL)
		fatalx("curl: cannot create a multi handle");
	h->timer = evtimer_new(base, http_timeout_cb, h);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, http_socket_cb);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, http_timer_cb);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
	http_set_limits(h, max_total, max_per_host);
	return h;
}

void
http_set_limits(struct http *h, int max_total, int max_per_host)
{
	h->max_total = max_total > 0 ? max_total : 1;
	h->max_per_host = max_per_host > 0 ? max_per_host : 1;
	/* http_pump alone enforces the limits (per host:port or per limit_key): curl's own
	 * per-host cap would let one hung webhook sink starve another on the same host */
	curl_multi_setopt(h->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 0L);
	curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, (long)h->max_total);
	http_pump(h);
}

void
http_free(struct http *h)
{
	if (h == NULL)
		return;
	while (h->active)
		http_cancel(h->active);
	while (h->queue_head)
		http_cancel(h->queue_head);
	curl_multi_cleanup(h->multi);
	event_free(h->timer);
	free(h);
}

int
http_active(const struct http *h)
{
	return h->n_active + h->n_queued;
}

static void
list_unlink(struct http_transfer **head, struct http_transfer **tail, struct http_transfer *t)
{
	if (t->prev)
		t->prev->next = t->next;
	else
		*head = t->next;
	if (t->next)
		t->next->prev = t->prev;
	else if (tail)
		*tail = t->prev;
	t->prev = t->next = NULL;
}

/* The host:port a transfer counts against for max_per_host. */
static char *
host_key(const char *url)
{
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL, *key;

	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		curl_url_cleanup(u);
		return NULL;
	}
	curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
	key = xasprintf("%s:%s", host, port ? port : "");
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return key;
}

struct http_transfer *
http_start(struct http *h, const struct http_request *req, http_data_cb data,
    http_done_cb done, void *arg)
{
	struct http_transfer *t;
	char *line;

	if (req->url == NULL || !(strncmp(req->url, "http://", 7) == 0 ||
	    strncmp(req->url, "https://", 8) == 0))
		return NULL;
	t = xcalloc(1, sizeof *t);
	t->h = h;
	t->url = xstrdup(req->url);
	t->host = host_key(req->url);
	if (t->host == NULL) {
		transfer_free(t);
		return NULL;
	}
	if (req->limit_key) {
		free(t->host);
		t->host = xstrdup(req->limit_key);
	}
	t->error_body = req->error_body;
	t->data = data;
	t->done = done;
	t->arg = arg;
	t->max_bytes = req->max_bytes ? req->max_bytes : 16u * 1024 * 1024;
	t->timeout_ms = req->timeout_ms > 0 ? req->timeout_ms : 30000;
	t->allow_private = req->allow_private_redirects;
	t->user_agent = req->user_agent ? xstrdup(req->user_agent) : NULL;
	t->method = req->method ? xstrdup(req->method) : NULL;
	t->follow = req->follow_redirects;
	if (req->etag) {
		line = xasprintf("If-None-Match: %s", req->etag);
		t->headers = curl_slist_append(t->headers, line);
		free(line);
	}
	if (req->last_modified) {
		line = xasprintf("If-Modified-Since: %s", req->last_modified);
		t->headers = curl_slist_append(t->headers, line);
		free(line);
	}
	if (req->accept) {
		line = xasprintf("Accept: %s", req->accept);
		t->headers = curl_slist_append(t->headers, line);
		free(line);
	}
	for (size_t i = 0; i < req->n_headers; i++)
		t->headers = curl_slist_append(t->headers, req->headers[i]);
	if (req->body) {
		t->body = xmalloc(req->body_len + 1);
		memcpy(t->body, req->body, req->body_len);
		t->body[req->body_len] = '\0';
		t->body_len = req->body_len;
	}
	/* queue; http_pump starts it when there is room */
	t->prev = h->queue_tail;
	if (h->queue_tail)
		h->queue_tail->next = t;
	else
		h->queue_head = t;
	h->queue_tail = t;
	h->n_queued++;
	http_pump(h);
	return t;
}

void
http_cancel(struct http_transfer *t)
{
	struct http *h = t->h;

	if (t->in_curl) {
		curl_multi_remove_handle(h->multi, t->easy);
		list_unlink(&h->active, NULL, t);
		h->n_active--;
	} else {
		list_unlink(&h->queue_head, &h->queue_tail, t);
		h->n_queued--;
	}
	transfer_free(t);
	http_pump(h);
}

static void
transfer_free(struct http_transfer *t)
{
	if (t->easy)
		curl_easy_cleanup(t->easy);
	curl_slist_free_all(t->headers);
	free(t->user_agent);
	free(t->method);
	free(t->url);
	free(t->body);
	free(t->host);
	free(t->etag);
	free(t->last_modified);
	free(t->retry_after);
	free(t->cache_control);
	free(t->content_type);
	free(t->location);
	free(t);
}

/* Makes the easy handle of a transfer that leaves the queue. */
static void
transfer_activate(struct http_transfer *t)
{
	t->easy = curl_easy_init();
	if (t->easy == NULL)
		fatalx("curl: cannot create an easy handle");
	if (t->body) {
		curl_easy_setopt(t->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)t->body_len);
		curl_easy_setopt(t->easy, CURLOPT_POSTFIELDS, t->body);
	}
	if (t->method && strcmp(t->method, "GET") != 0 && strcmp(t->method, "POST") != 0)
		curl_easy_setopt(t->easy, CURLOPT_CUSTOMREQUEST, t->method);
	curl_easy_setopt(t->easy, CURLOPT_URL, t->url);
	curl_easy_setopt(t->easy, CURLOPT_PRIVATE, t);
	curl_easy_setopt(t->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(t->easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(t->easy, CURLOPT_FOLLOWLOCATION, t->follow ? 1L : 0L);
	curl_easy_setopt(t->easy, CURLOPT_MAXREDIRS, (long)HTTP_MAX_REDIRECTS);
	curl_easy_setopt(t->easy, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(t->easy, CURLOPT_PROXY, "");
	curl_easy_setopt(t->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(t->easy, CURLOPT_TIMEOUT_MS, t->timeout_ms);
	curl_easy_setopt(t->easy, CURLOPT_CONNECTTIMEOUT_MS,
	    t->timeout_ms < 15000 ? t->timeout_ms : 15000L);
	curl_easy_setopt(t->easy, CURLOPT_USERAGENT, t->user_agent);
	curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, t->headers);
	curl_easy_setopt(t->easy, CURLOPT_ERRORBUFFER, t->errbuf);
	curl_easy_setopt(t->easy, CURLOPT_HEADERFUNCTION, http_header_cb);
	curl_easy_setopt(t->easy, CURLOPT_HEADERDATA, t);
	curl_easy_setopt(t->easy, CURLOPT_WRITEFUNCTION, http_write_cb);
	curl_easy_setopt(t->easy, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(t->easy, CURLOPT_OPENSOCKETFUNCTION, http_opensocket_cb);
	curl_easy_setopt(t->easy, CURLOPT_OPENSOCKETDATA, t);
}

/* Starts waiting transfers while the limits allow, oldest first. */
static void
http_pump(struct http *h)
{
	struct http_transfer *t = h->queue_head, *next;

	while (t && h->n_active < h->max_total) {
		int same = 0;
		next = t->next;
		for (struct http_transfer *a = h->active; a; a = a->next)
			if (strcmp(a->host, t->host) == 0)
				same++;
		if (same < h->max_per_host) {
			list_unlink(&h->queue_head, &h->queue_tail, t);
			h->n_queued--;
			t->next = h->active;
			if (h->active)
				h->active->prev = t;
			h->active = t;
			h->n_active++;
			t->in_curl = true;
			transfer_activate(t);
			curl_multi_add_handle(h->multi, t->easy);
		}
		t = next;
	}
}

/* CURLMOPT_SOCKETFUNCTION: watch what libcurl asks us to watch. */
static int
http_socket_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct http *h = userp;
	struct http_sock *hs = socketp;
	short kind;

	if (what == CURL_POLL_REMOVE) {
		if (hs) {
			event_free(hs->ev);
			free(hs);
			curl_multi_assign(h->multi, s, NULL);
		}
		return 0;
	}
	kind = (short)(((what & CURL_POLL_IN) ? EV_READ : 0) |
	    ((what & CURL_POLL_OUT) ? EV_WRITE : 0) | EV_PERSIST);
	if (hs == NULL) {
		hs = xcalloc(1, sizeof *hs);
		hs->fd = s;
		curl_multi_assign(h->multi, s, hs);
	} else {
		event_free(hs->ev);
	}
	hs->ev = event_new(h->base, s, kind, http_event_cb, h);
	event_add(hs->ev, NULL);
	return 0;
}

/* CURLMOPT_TIMERFUNCTION: arm (never call back into libcurl from here). */
static int
http_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct http *h = userp;
	struct timeval tv;

	if (timeout_ms < 0) {
		evtimer_del(h->timer);
		return 0;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	evtimer_add(h->timer, &tv);
	return 0;
}

/* A socket is ready: let libcurl work, then collect finished transfers. */
static void
http_event_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct http *h = arg;
	int flags = ((kind & EV_READ) ? CURL_CSELECT_IN : 0) |
	    ((kind & EV_WRITE) ? CURL_CSELECT_OUT : 0);

	curl_multi_socket_action(h->multi, fd, flags, &h->running);
	http_drain(h);
}

/* libcurl's timer expired. */
static void
http_timeout_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct http *h = arg;

	curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &h->running);
	http_drain(h);
}

/* Hands finished transfers to their owners, then starts waiting ones. */
static void
http_drain(struct http *h)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(h->multi, &left)) != NULL) {
		struct http_transfer *t = NULL;
		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
		http_finish(h, t, msg->data.result);
	}
	http_pump(h);
}

/* Replaces *slot with a trimmed copy of the header value. */
static void
header_take(char **slot, const char *v, size_t n)
{
	while (n > 0 && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	while (n > 0 && (*v == ' ' || *v == '\t'))
		v++, n--;
	free(*slot);
	*slot = xstrndup(v, n);
}

/* CURLOPT_HEADERFUNCTION: records the headers of each response on the way. */
static size_t
http_header_cb(char *line, size_t size, size_t nitems, void *userp)
{
	struct http_transfer *t = userp;
	size_t n = size * nitems;
	const char *colon;
	size_t name_len;

	if (n >= 5 && strncmp(line, "HTTP/", 5) == 0) {
		const char *sp = memchr(line, ' ', n);
		long code = sp ? strtol(sp + 1, NULL, 10) : 0;
		if (code >= 100 && code < 200)
			return n;	/* interim answer */
		if (t->n_statuses < (int)(sizeof t->statuses / sizeof t->statuses[0]))
			t->statuses[t->n_statuses++] = code;
		/* a new response: its headers replace the previous one's */
		char **all[] = { &t->etag, &t->last_modified, &t->retry_after, &t->cache_control,
			&t->content_type, &t->location };
		for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
			free(*all[i]);
			*all[i] = NULL;
		}
		return n;
	}
	colon = memchr(line, ':', n);
	if (colon == NULL)
		return n;
	name_len = (size_t)(colon - line);
	const char *v = colon + 1;
	size_t vn = n - name_len - 1;
#define HDR(name) (name_len == sizeof(name) - 1 && strncasecmp(line, name, name_len) == 0)
	if (HDR("etag"))
		header_take(&t->etag, v, vn);
	else if (HDR("last-modified"))
		header_take(&t->last_modified, v, vn);
	else if (HDR("retry-after"))
		header_take(&t->retry_after, v, vn);
	else if (HDR("cache-control"))
		header_take(&t->cache_control, v, vn);
	else if (HDR("content-type"))
		header_take(&t->content_type, v, vn);
	else if (HDR("location"))
		header_take(&t->location, v, vn);
	else if (HDR("content-length")) {
		long code = t->n_statuses ? t->statuses[t->n_statuses - 1] : 0;
		char *tmp = NULL;
		header_take(&tmp, v, vn);
		unsigned long long cl = strtoull(tmp, NULL, 10);
		free(tmp);
		/* refuse an announced oversize body before reading any of it */
		if (code >= 200 && code < 300 && cl > t->max_bytes) {
			t->too_big = true;
			return 0;
		}
	}
#undef HDR
	return n;
}

/* CURLOPT_WRITEFUNCTION: decoded body bytes; counts them against the cap. */
static size_t
http_write_cb(char *data, size_t size, size_t nmemb, void *userp)
{
	struct http_transfer *t = userp;
	size_t n = size * nmemb;
	long code = t->n_statuses ? t->statuses[t->n_statuses - 1] : 0;

	if (t->got + n > t->max_bytes) {
		t->too_big = true;
		return 0;
	}
	t->got += n;
	if (t->data == NULL || ((code < 200 || code > 299) && !t->error_body))
		return n;	/* an error page: read (bounded) and drop */
	if (t->data(data, n, t->content_type, t->arg) < 0) {
		t->aborted = true;
		return 0;
	}
	return n;
}

/* CURLOPT_OPENSOCKETFUNCTION: the redirect policy, checked on the address actually
 * connected to (so DNS tricks and pinned names cannot get around it). */
static curl_socket_t
http_opensocket_cb(void *clientp, curlsocktype purpose, struct curl_sockaddr *addr)
{
	struct http_transfer *t = clientp;
	bool private = netaddr_is_private(&addr->addr, addr->addrlen);

	if (t->n_statuses == 0 && !t->origin_known) {
		t->origin_known = true;
		t->origin_private = private;
	} else if (t->n_statuses > 0 && private && !t->origin_private && !t->allow_private) {
		t->refused_private = true;
		return CURL_SOCKET_BAD;
	}
	return socket(addr->family, addr->socktype | SOCK_CLOEXEC, addr->protocol);
}

/* Builds the response of a finished transfer, hands it over and frees the transfer. */
static void
http_finish(struct http *h, struct http_transfer *t, CURLcode rc)
{
	struct http_response r = { 0 };
	char err[CURL_ERROR_SIZE + 128];
	char *eff = NULL;
	long status = 0, redirects = 0;

	curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(t->easy, CURLINFO_REDIRECT_COUNT, &redirects);
	curl_easy_getinfo(t->easy, CURLINFO_EFFECTIVE_URL, &eff);
	r.status = status;
	r.redirects = (int)redirects;
	r.etag = t->etag;
	r.last_modified = t->last_modified;
	r.retry_after = t->retry_after;
	r.cache_control = t->cache_control;
	r.content_type = t->content_type;
	r.location = t->location;
	r.effective_url = eff ? eff : t->url;
	r.body_bytes = t->got;
	r.permanent_redirect = t->n_statuses > 1;
	for (int i = 0; i + 1 < t->n_statuses; i++)
		if (t->statuses[i] != 301 && t->statuses[i] != 308)
			r.permanent_redirect = false;
	err[0] = '\0';
	if (t->too_big) {
		r.result = HTTP_RESULT_TOO_BIG;
		snprintf(err, sizeof err, "response too large (more than %zu bytes decoded)",
		    t->max_bytes);
	} else if (t->aborted) {
		r.result = HTTP_RESULT_ABORTED;
		snprintf(err, sizeof err, "transfer stopped by the reader");
	} else if (t->refused_private) {
		r.result = HTTP_RESULT_REFUSED;
		snprintf(err, sizeof err, "redirect into private address space refused "
		    "(allow_private_redirects = no)");
	} else if (rc == CURLE_UNSUPPORTED_PROTOCOL) {
		r.result = HTTP_RESULT_REFUSED;
		snprintf(err, sizeof err, "redirect to a non-http(s) URL refused");
	} else if (rc == CURLE_OPERATION_TIMEDOUT) {
		r.result = HTTP_RESULT_TIMEOUT;
		snprintf(err, sizeof err, "timed out after %ld ms", t->timeout_ms);
	} else if (rc == CURLE_TOO_MANY_REDIRECTS) {
		r.result = HTTP_RESULT_NETWORK;
		snprintf(err, sizeof err, "too many redirects (more than %d)", HTTP_MAX_REDIRECTS);
	} else if (rc == CURLE_FILESIZE_EXCEEDED) {
		r.result = HTTP_RESULT_TOO_BIG;
		snprintf(err, sizeof err, "response too large");
	} else if (rc != CURLE_OK) {
		r.result = HTTP_RESULT_NETWORK;
		snprintf(err, sizeof err, "%s", t->errbuf[0] ? t->errbuf : curl_easy_strerror(rc));
	} else if (status == 304) {
		r.result = HTTP_RESULT_NOT_MODIFIED;
	} else if (status >= 200 && status < 300) {
		r.result = HTTP_RESULT_OK;
	} else {
		r.result = HTTP_RESULT_STATUS;
		snprintf(err, sizeof err, "HTTP status %ld", status);
	}
	r.error = err;
	curl_multi_remove_handle(h->multi, t->easy);
	list_unlink(&h->active, NULL, t);
	h->n_active--;
	t->in_curl = false;
	if (t->done)
		t->done(&r, t->arg);
	transfer_free(t);
}
