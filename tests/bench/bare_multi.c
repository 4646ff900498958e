/* bare_multi.c — the practical floor for polling: a bare libcurl multi loop that GETs
 * every URL of a list once (with If-None-Match when given), at most N at a time, and
 * discards the bodies. bench-poll.sh measures its CPU time beside the daemon's. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t
discard_cb(char *p, size_t s, size_t n, void *u)
{
	(void)p, (void)u;
	return s * n;
}

int
main(int argc, char **argv)
{
	FILE *f;
	char line[4096];
	char **urls = NULL;
	size_t n = 0, cap = 0, next = 0, done = 0, ok = 0;
	int parallel, running = 0;
	const char *etag;
	CURLM *m;

	if (argc != 4) {
		fprintf(stderr, "usage: bare_multi URLFILE PARALLEL ETAG|-\n");
		return 2;
	}
	f = fopen(argv[1], "r");
	if (!f)
		return 1;
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = 0;
		if (n == cap)
			urls = realloc(urls, (cap = cap ? cap * 2 : 1024) * sizeof *urls);
		urls[n++] = strdup(line);
	}
	fclose(f);
	parallel = atoi(argv[2]);
	etag = strcmp(argv[3], "-") ? argv[3] : NULL;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	m = curl_multi_init();
	curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, (long)parallel);
	while (done < n) {
		while (running < parallel && next < n) {
			CURL *e = curl_easy_init();
			struct curl_slist *h = NULL;
			curl_easy_setopt(e, CURLOPT_URL, urls[next++]);
			curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard_cb);
			curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
			curl_easy_setopt(e, CURLOPT_PROXY, "");
			if (etag) {
				char hdr[256];
				snprintf(hdr, sizeof hdr, "If-None-Match: %s", etag);
				h = curl_slist_append(h, hdr);
			}
			curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
			curl_easy_setopt(e, CURLOPT_PRIVATE, h);
			curl_multi_add_handle(m, e);
			running++;
		}
		int still, numfds;
		curl_multi_perform(m, &still);
		curl_multi_poll(m, NULL, 0, 1000, &numfds);
		CURLMsg *msg;
		int left;
		while ((msg = curl_multi_info_read(m, &left))) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			long code = 0;
			struct curl_slist *h;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &code);
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&h);
			if (msg->data.result == CURLE_OK && (code == 200 || code == 304))
				ok++;
			curl_multi_remove_handle(m, msg->easy_handle);
			curl_easy_cleanup(msg->easy_handle);
			curl_slist_free_all(h);
			running--;
			done++;
		}
	}
	curl_multi_cleanup(m);
	printf("%zu %zu\n", n, ok);
	return ok == n ? 0 : 1;
}
