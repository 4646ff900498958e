/* http.c — HTTP over libcurl. For now: the blocking one-shot fetch used by the command
 * line. Policy shared with the daemon's fetcher: http/https only (also on redirects),
 * bounded redirects, every content coding curl supports, a cap on *decoded* bytes
 * counted in the write callback (CURLOPT_MAXFILESIZE only checks Content-Length), and no
 * proxies from the environment unless configured. */
#include "http.h"

#include <curl/curl.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

#define HTTP_MAX_REDIRECTS 5

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
