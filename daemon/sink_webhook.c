/* sink_webhook.c — alerts as signed HTTP POSTs: the webhook sink. Bodies in four formats
 * (json, slack, discord, template), Standard Webhooks signing, URL redaction for the log,
 * and the asynchronous backend that sends through the daemon's shared fetcher (one
 * libcurl multi handle on the libevent loop: no thread, no blocking). Retry scheduling
 * is the daemon's: this file only says what each answer means (sink_webhook_outcome).
 * Formats and headers are described in include/sink_webhook.h. */
#include "sink_webhook.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crypto.h"
#include "date.h"
#include "http.h"
#include "log.h"
#include "sched.h"
#include "sink.h"
#include "util.h"

#define WEBHOOK_MAX_IN_FLIGHT	4		/* transfers of one sink at once */
#define WEBHOOK_MAX_FOLDED	200		/* alerts one digest carries at most */
#define WEBHOOK_MAX_ANSWER	(64 * 1024)	/* answer bytes read (and dropped) at most */
#define WEBHOOK_SECRET_FILE_MAX	8192
#define WEBHOOK_TEMPLATE_MAX	(256 * 1024)
#define WEBHOOK_BODY_MAX	(1024 * 1024)
#define WEBHOOK_USER_AGENT	"feedwatchd/" FEEDWATCHD_VERSION

/* Slack: a section's text holds at most 3000 characters. */
#define SLACK_TITLE_MAX		250
#define SLACK_LINK_MAX		1000
#define SLACK_NAME_MAX		100
#define SLACK_TERMS_MAX		300
#define SLACK_SNIPPET_MAX	1200
#define SLACK_TEXT_MAX		3000
/* Discord: title 256, description 4096, field value 1024, embed total 6000. */
#define DISCORD_TITLE_MAX	256
#define DISCORD_DESC_MAX	3000
#define DISCORD_FIELD_MAX	500
#define DISCORD_URL_MAX		2048

/* --- template fields ------------------------------------------------------------- */

struct tmpl_field {
	const char *name;
	const char *obj;	/* sub-object of the alert, or NULL */
	const char *key;
};

static const struct tmpl_field tmpl_fields[] = {
	{ "id", NULL, "id" },
	{ "time", NULL, "time" },
	{ "watchlist", NULL, "watchlist" },
	{ "priority", NULL, "priority" },
	{ "matched", NULL, "matched" },
	{ "feed.name", "feed", "name" },
	{ "feed.title", "feed", "title" },
	{ "feed.url", "feed", "url" },
	{ "item.id", "item", "id" },
	{ "item.title", "item", "title" },
	{ "item.link", "item", "link" },
	{ "item.published", "item", "published" },
	{ "item.summary", "item", "summary" },
	{ "item.categories", "item", "categories" },
	{ "snippet", NULL, "snippet" },
};
#define N_TMPL_FIELDS (sizeof tmpl_fields / sizeof tmpl_fields[0])

struct tmpl_part {
	char *lit;		/* literal text before the placeholder */
	size_t lit_len;
	int field;		/* index in tmpl_fields, or -1 (the last part) */
};

struct webhook_template {
	struct tmpl_part *parts;
	size_t n;
};

/* --- the backend ----------------------------------------------------------------- */

/* An alert the rate limit folded into the next digest: its outbox row stays pending
 * (the daemon counts it in flight) until the digest is answered. */
struct webhook_fold {
	sink_done_cb done;
	void *arg;
	char *id;
	char *json;
};

/* One POST: a single alert, or a digest carrying folds. Waits in w->queued until a
 * transfer slot is free, then runs in w->active. */
struct webhook_delivery {
	struct webhook *w;
	struct webhook_delivery *prev, *next;
	struct http_transfer *t;		/* NULL while queued */
	char *id;				/* webhook-id */
	char *body;
	size_t body_len;
	sink_done_cb done;			/* a single alert's */
	void *arg;
	struct webhook_fold *folds;		/* a digest's alerts */
	size_t n_folds;
	char head[WEBHOOK_ERR_HEAD];		/* the start of the answer's body */
	size_t head_len;
};

struct webhook_list {
	struct webhook_delivery *head, *tail;
	size_t n;
};

struct webhook {
	struct sink *s;
	char *shown_url;			/* redacted, for messages */
	char *limit_key;			/* the fetcher's per-host queue key */
	struct webhook_template *tmpl;
	struct webhook_secrets secrets;
	char **headers;				/* fixed request headers (custom + defaults) */
	size_t n_headers;
	struct webhook_list active, queued;
	bool redirect_logged;
	/* storm control: fixed windows from the first alert; beyond rate_count messages
	 * in a window, alerts are folded and sent as one digest at the window's end */
	int64_t window_ms;			/* scaled by FEEDWATCHD_TIME_SCALE */
	int64_t win_start;			/* monotonic ms, -1: no window open */
	int win_sent;
	struct webhook_fold *folded;
	size_t n_folded, cap_folded;
	struct event *win_timer;
};

static int webhook_open(struct sink *s, char *err, size_t errlen);
static int webhook_start(struct sink *s, const struct sink_alert *a, sink_done_cb done,
    void *arg, char *err, size_t errlen);
static void webhook_close(struct sink *s);
static int webhook_data_cb(const char *data, size_t len, const char *content_type, void *arg);
static void webhook_done_cb(const struct http_response *resp, void *arg);
static void webhook_window_cb(evutil_socket_t fd, short what, void *arg);
static void list_push(struct webhook_list *l, struct webhook_delivery *dv, bool front);
static void list_unlink(struct webhook_list *l, struct webhook_delivery *dv);
static int delivery_launch(struct webhook_delivery *dv, char *err, size_t errlen);
static void delivery_free(struct webhook_delivery *dv);
static void webhook_pump(struct webhook *w);
static void webhook_flush(struct webhook *w);
static int webhook_headers(const struct conf_sink *cs, char ***out, size_t *n_out, char *err,
    size_t errlen);
static int64_t mono_ms(void);
static void discord_escape(struct buf *b, const char *s, size_t max_units);
static char *digest_synthetic(json_t *alerts, const char *id, int64_t now_s, int rate_count,
    int64_t window_ms);
static void join_unique(struct buf *b, const char *v);
static void rate_text(int count, int64_t window_ms, char *out, size_t outlen);
static int cmp_str(const void *a, const void *b);
static void delivery_finish(struct webhook_delivery *dv, enum sink_outcome out,
    int64_t retry_after_ms, const char *err);
static int64_t wall_ms(void);

static int64_t wall_ms(void);
static json_t *jget(json_t *o, const char *key);
static const char *jstr(json_t *o, const char *key, const char *dflt);
static char *jjoin(json_t *arr);
static size_t utf16_units(const char *s, size_t n);
static size_t utf8_cut(const char *s, size_t max_units, bool *cut);
static char *text_cut(const char *s, size_t max_units);
static void slack_escape(struct buf *b, const char *s, size_t max_units);
static void slack_url(struct buf *b, const char *url);
static char *feed_label(json_t *feed);
static char *render_slack(json_t *a);
static char *render_discord(json_t *a);
static char *render_template(const struct webhook_template *t, json_t *a);
static void json_escape(struct buf *b, const char *s);
static bool is_http_url(const char *s);
static void scrub_url(char *err, const char *url);
static void first_line(const char *head, size_t n, char *out, size_t outlen);
static int secret_line(const char *sink_name, const char *path, int lineno, const char *line,
    struct webhook_secrets *out, char *err, size_t errlen);

const struct sink_ops sink_webhook_ops = { "webhook", webhook_open, NULL, webhook_start,
	webhook_close };

/* --- small helpers ---------------------------------------------------------------- */

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* qsort: strings in strcmp order. */
static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static json_t *
jget(json_t *o, const char *key)
{
	return json_is_object(o) ? json_object_get(o, key) : NULL;
}

/* A string member, or dflt when it is missing, null or not a string. */
static const char *
jstr(json_t *o, const char *key, const char *dflt)
{
	const char *v = json_string_value(jget(o, key));

	return v ? v : dflt;
}

/* The strings of a JSON array joined with ", " (malloc'd). */
static char *
jjoin(json_t *arr)
{
	struct buf b;
	json_t *v;
	size_t i;

	buf_init(&b, 0);
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v))
			continue;
		if (b.len)
			buf_appends(&b, ", ");
		buf_appends(&b, json_string_value(v));
	}
	return buf_steal(&b);
}

static bool
is_http_url(const char *s)
{
	return s && (strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0);
}

/* Characters as Discord and Slack count them (UTF-16 code units) in valid UTF-8. */
static size_t
utf16_units(const char *s, size_t n)
{
	size_t units = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c & 0xC0) != 0x80)
			units += c >= 0xF0 ? 2 : 1;
	}
	return units;
}

/* Bytes of the longest prefix of s within max_units, leaving room for "…" when the
 * text does not fit whole (then *cut is set). Never splits a character. */
static size_t
utf8_cut(const char *s, size_t max_units, bool *cut)
{
	size_t n = strlen(s), units = 0, i = 0;

	*cut = false;
	if (utf16_units(s, n) <= max_units)
		return n;
	*cut = true;
	while (i < n) {
		size_t cl = utf8_char_len(s + i, n - i);
		size_t u = cl == 4 ? 2 : 1;
		if (cl == 0)
			cl = 1;
		if (units + u + 1 > max_units)	/* + 1: the "…" */
			break;
		units += u;
		i += cl;
	}
	return i;
}

/* s with runs of white space squeezed, cut to max_units with "…" (malloc'd). */
static char *
text_cut(const char *s, size_t max_units)
{
	char *t = str_squeeze_space(xstrdup(s ? s : ""));
	bool cut;
	size_t n = utf8_cut(t, max_units, &cut);
	char *r;

	if (!cut)
		return t;
	r = xasprintf("%.*s…", (int)n, t);
	free(t);
	return r;
}

/* Appends s escaped for Slack's mrkdwn (& < > as entities), at most max_units long
 * after escaping, cut with "…" at a character boundary, never inside an entity. */
static void
slack_escape(struct buf *b, const char *s, size_t max_units)
{
	char *t = str_squeeze_space(xstrdup(s ? s : ""));
	size_t units = 0, i = 0, n = strlen(t), total = 0;
	bool fits;

	for (size_t k = 0; k < n; k++) {
		unsigned char c = (unsigned char)t[k];
		if (c == '&')
			total += 5;
		else if (c == '<' || c == '>')
			total += 4;
		else if ((c & 0xC0) != 0x80)
			total += c >= 0xF0 ? 2 : 1;
	}
	fits = total <= max_units;
	while (i < n) {
		const char *rep = NULL;
		size_t cl = utf8_char_len(t + i, n - i), u;
		if (cl == 0)
			cl = 1;
		if (t[i] == '&')
			rep = "&amp;";
		else if (t[i] == '<')
			rep = "&lt;";
		else if (t[i] == '>')
			rep = "&gt;";
		u = rep ? strlen(rep) : cl == 4 ? 2 : 1;
		if (!fits && units + u + 1 > max_units) {
			buf_appends(b, "…");
			break;
		}
		if (rep)
			buf_appends(b, rep);
		else
			buf_append(b, t + i, cl);
		units += u;
		i += cl;
	}
	free(t);
}

/* Appends a URL for Slack's <url|label>: '|', '<', '>', '"' and white space are
 * percent-encoded, '&' becomes &amp; (Slack unescapes the whole link). */
static void
slack_url(struct buf *b, const char *url)
{
	for (const char *p = url; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '&')
			buf_appends(b, "&amp;");
		else if (c == '|' || c == '<' || c == '>' || c == '"' || c <= ' ' || c == 0x7f) {
			char pct[4];
			snprintf(pct, sizeof pct, "%%%02X", c);
			buf_appends(b, pct);
		} else
			buf_appendc(b, (char)c);
	}
}

/* Appends s as the inside of a JSON string: '"', '\', control characters, U+2028 and
 * U+2029 escaped (s is valid UTF-8: it comes from jansson). */
static void
json_escape(struct buf *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		char esc[8];
		switch (*p) {
		case '"': buf_appends(b, "\\\""); continue;
		case '\\': buf_appends(b, "\\\\"); continue;
		case '\n': buf_appends(b, "\\n"); continue;
		case '\r': buf_appends(b, "\\r"); continue;
		case '\t': buf_appends(b, "\\t"); continue;
		case '\b': buf_appends(b, "\\b"); continue;
		case '\f': buf_appends(b, "\\f"); continue;
		default: break;
		}
		if (*p < 0x20 || *p == 0x7f) {
			snprintf(esc, sizeof esc, "\\u%04x", *p);
			buf_appends(b, esc);
		} else if (p[0] == 0xE2 && p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9)) {
			buf_appends(b, p[2] == 0xA8 ? "\\u2028" : "\\u2029");
			p += 2;
		} else {
			buf_appendc(b, (char)*p);
		}
	}
}

/* --- URL redaction -------------------------------------------------------------------- */

/* Shows scheme://host[:port] and hides the rest: see sink_webhook.h. */
char *
sink_webhook_redact_url(const char *url)
{
	const char *sep, *auth, *end, *at;
	size_t scheme_len;

	if (url == NULL)
		return xstrdup("(no URL)");
	sep = strstr(url, "://");
	if (sep == NULL || sep == url || strcspn(url, ":/?#@") != (size_t)(sep - url))
		return xstrdup("(a URL that cannot be shown)");
	scheme_len = (size_t)(sep - url);
	auth = sep + 3;
	end = auth + strcspn(auth, "/?#");
	/* user:password@ never shows */
	at = NULL;
	for (const char *p = auth; p < end; p++)
		if (*p == '@')
			at = p;
	if (at)
		auth = at + 1;
	if (*end == '\0' || (end[0] == '/' && end[1] == '\0'))
		return xasprintf("%.*s://%.*s%s", (int)scheme_len, url, (int)(end - auth), auth,
		    end);
	return xasprintf("%.*s://%.*s/…", (int)scheme_len, url, (int)(end - auth), auth);
}

/* Replaces the path and query of url wherever they appear in err with "/…" (libcurl's
 * messages may quote the URL). */
static void
scrub_url(char *err, const char *url)
{
	const char *sep = url ? strstr(url, "://") : NULL;
	const char *path;
	char *hit;
	size_t plen;

	if (sep == NULL)
		return;
	path = sep + 3 + strcspn(sep + 3, "/?#");
	plen = strlen(path);
	if (plen <= 1)
		return;
	while ((hit = strstr(err, path)) != NULL) {
		static const char mark[] = "/…";
		size_t ml = sizeof mark - 1;
		memmove(hit + ml, hit + plen, strlen(hit + plen) + 1);
		memcpy(hit, mark, ml);
	}
}

/* --- secrets and signatures ------------------------------------------------------ */

/* One line of the secret file into out (trimmed; not blank). */
static int
secret_line(const char *sink_name, const char *path, int lineno, const char *line,
    struct webhook_secrets *out, char *err, size_t errlen)
{
	size_t n = strlen(line);
	unsigned char *key;
	long got;

	if (out->n == WEBHOOK_MAX_SECRETS) {
		snprintf(err, errlen, "sink '%s': secret file %s holds more than %d secrets "
		    "(one per line: the current one, and the old one during a rotation)",
		    sink_name, path, WEBHOOK_MAX_SECRETS);
		return -1;
	}
	key = out->v[out->n].key;
	if (strncmp(line, "whsec_", 6) == 0) {
		unsigned char tmp[3 * (WEBHOOK_SECRET_FILE_MAX / 4) + 3];
		got = n - 6 <= WEBHOOK_SECRET_FILE_MAX ? crypto_base64_decode(line + 6, n - 6, tmp) : -1;
		if (got <= 0 || got > WEBHOOK_SECRET_MAX) {
			snprintf(err, errlen, "sink '%s': secret file %s, line %d: %s", sink_name,
			    path, lineno, got == 0 ? "nothing after 'whsec_'" : got < 0 ?
			    "not base64 after 'whsec_'" : "the secret is too long");
			explicit_bzero(tmp, sizeof tmp);
			return -1;
		}
		memcpy(key, tmp, (size_t)got);
		explicit_bzero(tmp, sizeof tmp);
		out->v[out->n].len = (size_t)got;
	} else {
		if (n > WEBHOOK_SECRET_MAX) {
			snprintf(err, errlen, "sink '%s': secret file %s, line %d: the secret is "
			    "longer than %d bytes", sink_name, path, lineno, WEBHOOK_SECRET_MAX);
			return -1;
		}
		memcpy(key, line, n);
		out->v[out->n].len = n;
	}
	out->n++;
	return 0;
}

/* Reads, checks (mode, size, count, base64) and decodes the secret file. */
int
sink_webhook_secrets_load(const char *sink_name, const char *path,
    struct webhook_secrets *out, char *err, size_t errlen)
{
	char data[WEBHOOK_SECRET_FILE_MAX + 1];
	struct stat st;
	size_t len = 0;
	ssize_t r;
	int fd, lineno = 0, rc = 0;
	char *line, *save = NULL;

	memset(out, 0, sizeof *out);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		snprintf(err, errlen, "sink '%s': secret file %s: %s", sink_name, path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "sink '%s': secret file %s is not a regular file",
		    sink_name, path);
		close(fd);
		return -1;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(err, errlen, "sink '%s': secret file %s is readable by others "
		    "(chmod 600 it)", sink_name, path);
		close(fd);
		return -1;
	}
	if (st.st_size > WEBHOOK_SECRET_FILE_MAX) {
		snprintf(err, errlen, "sink '%s': secret file %s is larger than %d bytes",
		    sink_name, path, WEBHOOK_SECRET_FILE_MAX);
		close(fd);
		return -1;
	}
	while (len < WEBHOOK_SECRET_FILE_MAX &&
	    ((r = read(fd, data + len, WEBHOOK_SECRET_FILE_MAX - len)) > 0 ||
	    (r < 0 && errno == EINTR)))
		if (r > 0)
			len += (size_t)r;
	close(fd);
	data[len] = '\0';
	if (memchr(data, '\0', len) != NULL) {
		snprintf(err, errlen, "sink '%s': secret file %s holds a NUL byte (write "
		    "binary secrets as whsec_ + base64)", sink_name, path);
		rc = -1;
	}
	for (line = strtok_r(data, "\n", &save); rc == 0 && line;
	    line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		str_trim(line);
		if (*line == '\0')
			continue;
		rc = secret_line(sink_name, path, lineno, line, out, err, errlen);
	}
	explicit_bzero(data, sizeof data);
	if (rc == 0 && out->n == 0) {
		snprintf(err, errlen, "sink '%s': secret file %s is empty", sink_name, path);
		rc = -1;
	}
	if (rc < 0)
		sink_webhook_secrets_clear(out);
	return rc;
}

/* Wipes every key (explicit_bzero, so the compiler keeps it). */
void
sink_webhook_secrets_clear(struct webhook_secrets *s)
{
	explicit_bzero(s, sizeof *s);
}

/* Standard Webhooks: one "v1," + base64 HMAC-SHA256 of id.timestamp.body per secret. */
char *
sink_webhook_sign(const struct webhook_secrets *s, const char *id, long long timestamp,
    const char *body, size_t len)
{
	unsigned char mac[CRYPTO_SHA256_LEN];
	char b64[4 * ((CRYPTO_SHA256_LEN + 2) / 3) + 1];
	struct buf msg, out;

	buf_init(&msg, 0);
	buf_init(&out, 0);
	buf_appends(&msg, id);
	buf_appendc(&msg, '.');
	{
		char ts[32];
		snprintf(ts, sizeof ts, "%lld", timestamp);
		buf_appends(&msg, ts);
	}
	buf_appendc(&msg, '.');
	buf_append(&msg, body, len);
	for (size_t i = 0; i < s->n; i++) {
		crypto_hmac_sha256(s->v[i].key, s->v[i].len, msg.data, msg.len, mac);
		crypto_base64_encode(mac, sizeof mac, b64);
		if (i)
			buf_appendc(&out, ' ');
		buf_appends(&out, "v1,");
		buf_appends(&out, b64);
	}
	buf_free(&msg);
	return buf_steal(&out);
}

/* --- templates -------------------------------------------------------------------- */

/* Splits the text at {{field}} placeholders, then checks that it is JSON once filled in. */
struct webhook_template *
sink_webhook_template_parse(const char *text, size_t len, const char *name, char *err,
    size_t errlen)
{
	struct webhook_template *t = xcalloc(1, sizeof *t);
	const char *p = text, *end = text + len;
	int line = 1;

	if (memchr(text, '\0', len) != NULL) {
		snprintf(err, errlen, "template %s: holds a NUL byte", name);
		goto fail;
	}
	for (;;) {
		const char *open = NULL;
		for (const char *q = p; q + 1 < end; q++)
			if (q[0] == '{' && q[1] == '{') {
				open = q;
				break;
			}
		struct tmpl_part part = { .field = -1 };
		const char *lit_end = open ? open : end;
		part.lit = xstrndup(p, (size_t)(lit_end - p));
		part.lit_len = (size_t)(lit_end - p);
		for (const char *q = p; q < lit_end; q++)
			line += *q == '\n';
		if (open) {
			const char *close = NULL, *a, *b;
			for (const char *q = open + 2; q + 1 < end; q++)
				if (q[0] == '}' && q[1] == '}') {
					close = q;
					break;
				}
			if (close == NULL || memchr(open, '\n', (size_t)(close - open))) {
				snprintf(err, errlen, "template %s:%d: '{{' without '}}' on the same "
				    "line", name, line);
				free(part.lit);
				goto fail;
			}
			{
				size_t bs = 0;
				for (const char *q = open; q > text && q[-1] == '\\'; q--)
					bs++;
				if (bs % 2) {
					snprintf(err, errlen, "template %s:%d: a backslash right before "
					    "'{{' would escape the value's first character", name, line);
					free(part.lit);
					goto fail;
				}
			}
			a = open + 2;
			b = close;
			while (a < b && (*a == ' ' || *a == '\t'))
				a++;
			while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
				b--;
			for (size_t f = 0; f < N_TMPL_FIELDS; f++)
				if (strlen(tmpl_fields[f].name) == (size_t)(b - a) &&
				    memcmp(tmpl_fields[f].name, a, (size_t)(b - a)) == 0)
					part.field = (int)f;
			if (part.field < 0) {
				char *bad = xstrndup(a, (size_t)(b - a) > 60 ? 60 : (size_t)(b - a));
				snprintf(err, errlen, "template %s:%d: unknown placeholder {{%s}} "
				    "(known: id, time, watchlist, priority, matched, feed.name, "
				    "feed.title, feed.url, item.id, item.title, item.link, "
				    "item.published, item.summary, item.categories, snippet)", name,
				    line, log_esc(bad));
				free(bad);
				free(part.lit);
				goto fail;
			}
			p = close + 2;
		}
		t->parts = xreallocarray(t->parts, t->n + 1, sizeof *t->parts);
		t->parts[t->n++] = part;
		if (open == NULL)
			break;
	}
	/* fill it in with awkward values: it must still be JSON */
	{
		static const char sample[] = "{\"id\":\"fw_0\",\"time\":\"2024-01-01T00:00:00Z\","
		    "\"watchlist\":\"w \\\"x\\\" \\\\\",\"priority\":\"notice\","
		    "\"matched\":[\"a\",\"b\\\"\"],\"feed\":{\"name\":\"f\",\"title\":null,"
		    "\"url\":\"http://example.org/f?a=1&b=2\"},\"item\":{\"id\":\"i\\n\","
		    "\"title\":\"T \\u00e9 \\u2028 \\u0001 </script>\",\"link\":null,"
		    "\"published\":null,\"summary\":\"s\\ts\",\"categories\":[]},"
		    "\"snippet\":\"\\u00abx\\u00bb {{id}}\"}";
		json_t *a = json_loads(sample, 0, NULL);
		char *body = render_template(t, a);
		json_error_t jerr;
		json_t *chk = json_loads(body, 0, &jerr);
		json_decref(a);
		free(body);
		if (chk == NULL) {
			snprintf(err, errlen, "template %s:%d: not JSON once filled in (a "
			    "placeholder belongs inside a \"string\"): %s", name,
			    jerr.line > 0 ? jerr.line : 1, jerr.text);
			goto fail;
		}
		json_decref(chk);
	}
	return t;
fail:
	sink_webhook_template_free(t);
	return NULL;
}

/* Reads a template file (at most WEBHOOK_TEMPLATE_MAX bytes) and parses it. */
struct webhook_template *
sink_webhook_template_load(const char *path, char *err, size_t errlen)
{
	struct webhook_template *t;
	struct buf b;
	char chunk[4096];
	size_t n;
	FILE *f = fopen(path, "re");

	if (f == NULL) {
		snprintf(err, errlen, "template %s: %s", path, strerror(errno));
		return NULL;
	}
	buf_init(&b, WEBHOOK_TEMPLATE_MAX + 1);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && !b.truncated)
		buf_append(&b, chunk, n);
	if (ferror(f)) {
		snprintf(err, errlen, "template %s: %s", path, strerror(errno));
		fclose(f);
		buf_free(&b);
		return NULL;
	}
	fclose(f);
	if (b.len > WEBHOOK_TEMPLATE_MAX) {
		snprintf(err, errlen, "template %s: larger than %d bytes", path,
		    WEBHOOK_TEMPLATE_MAX);
		buf_free(&b);
		return NULL;
	}
	t = sink_webhook_template_parse(b.data ? b.data : "", b.len, path, err, errlen);
	buf_free(&b);
	return t;
}

/* Frees a template (NULL is fine). */
void
sink_webhook_template_free(struct webhook_template *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->n; i++)
		free(t->parts[i].lit);
	free(t->parts);
	free(t);
}

/* Fills the template in with the alert's fields, each escaped for a JSON string. */
static char *
render_template(const struct webhook_template *t, json_t *a)
{
	struct buf b;

	buf_init(&b, 0);
	for (size_t i = 0; i < t->n; i++) {
		const struct tmpl_part *p = &t->parts[i];
		buf_append(&b, p->lit, p->lit_len);
		if (p->field < 0)
			continue;
		const struct tmpl_field *f = &tmpl_fields[p->field];
		json_t *v = jget(f->obj ? jget(a, f->obj) : a, f->key);
		if (json_is_string(v)) {
			json_escape(&b, json_string_value(v));
		} else if (json_is_array(v)) {
			char *s = jjoin(v);
			json_escape(&b, s);
			free(s);
		} else if (json_is_integer(v)) {
			char num[32];
			snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
			buf_appends(&b, num);
		}
	}
	return buf_steal(&b);
}

/* --- Slack and Discord ------------------------------------------------------------ */

/* "Feed title (name)", or the name alone (malloc'd). */
static char *
feed_label(json_t *feed)
{
	const char *title = jstr(feed, "title", NULL), *name = jstr(feed, "name", "?");

	if (title == NULL || str_is_blank(title))
		return xstrdup(name);
	return xasprintf("%s (%s)", title, name);
}

/* Slack incoming-webhook payload: text fallback and one mrkdwn section. */
static char *
render_slack(json_t *a)
{
	json_t *item = jget(a, "item"), *feed = jget(a, "feed"), *o;
	const char *title = jstr(item, "title", NULL), *link = jstr(item, "link", NULL);
	const char *snippet = jstr(a, "snippet", "");
	char *terms = jjoin(jget(a, "matched")), *feed_v = feed_label(feed), *out;
	struct buf text, fallback;

	if (title == NULL || str_is_blank(title))
		title = link && strlen(link) <= SLACK_TITLE_MAX ? link : "(untitled)";
	buf_init(&text, 0);
	buf_appendc(&text, '*');
	if (is_http_url(link) && strlen(link) <= SLACK_LINK_MAX) {
		buf_appendc(&text, '<');
		slack_url(&text, link);
		buf_appendc(&text, '|');
		slack_escape(&text, title, SLACK_TITLE_MAX);
		buf_appendc(&text, '>');
	} else {
		slack_escape(&text, title, SLACK_TITLE_MAX);
	}
	buf_appendc(&text, '*');
	if (!str_is_blank(snippet)) {
		buf_appends(&text, "\n>");
		slack_escape(&text, snippet, SLACK_SNIPPET_MAX);
	}
	buf_appends(&text, "\n*Watchlist:* ");
	slack_escape(&text, jstr(a, "watchlist", "?"), SLACK_NAME_MAX);
	buf_appends(&text, "  ·  *Feed:* ");
	slack_escape(&text, feed_v, 2 * SLACK_NAME_MAX);
	buf_appends(&text, "  ·  *Matched:* ");
	slack_escape(&text, terms, SLACK_TERMS_MAX);

	buf_init(&fallback, 0);
	buf_appendc(&fallback, '[');
	slack_escape(&fallback, jstr(a, "watchlist", "?"), SLACK_NAME_MAX);
	buf_appends(&fallback, "] ");
	slack_escape(&fallback, terms, SLACK_TERMS_MAX);
	buf_appends(&fallback, ": ");
	slack_escape(&fallback, title, SLACK_TITLE_MAX);

	o = json_pack("{s:s, s:[{s:s, s:{s:s, s:s}}]}",
	    "text", fallback.data ? fallback.data : "",
	    "blocks", "type", "section", "text", "type", "mrkdwn", "text",
	    text.data ? text.data : "");
	out = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(o);
	buf_free(&text);
	buf_free(&fallback);
	free(terms);
	free(feed_v);
	return out;
}

/* Discord webhook payload: one embed, mentions disabled. */
static char *
render_discord(json_t *a)
{
	json_t *item = jget(a, "item"), *feed = jget(a, "feed"), *embed, *fields, *o;
	const char *title = jstr(item, "title", NULL), *link = jstr(item, "link", NULL);
	const char *desc = jstr(a, "snippet", NULL);
	const char *when = jstr(a, "time", NULL);
	char *terms = jjoin(jget(a, "matched")), *out, *s;

	if (title == NULL || str_is_blank(title))
		title = "(untitled)";
	if (desc == NULL || str_is_blank(desc))
		desc = jstr(item, "summary", NULL);
	embed = json_object();
	s = text_cut(title, DISCORD_TITLE_MAX);
	json_object_set_new(embed, "title", json_string(s));
	free(s);
	if (is_http_url(link) && strlen(link) <= DISCORD_URL_MAX)
		json_object_set_new(embed, "url", json_string(link));
	if (desc && !str_is_blank(desc)) {
		s = text_cut(desc, DISCORD_DESC_MAX);
		json_object_set_new(embed, "description", json_string(s));
		free(s);
	}
	fields = json_array();
	{
		const char *names[] = { "Watchlist", "Feed", "Matched" };
		char *feed_v = feed_label(feed);
		const char *values[] = { jstr(a, "watchlist", "?"), feed_v, terms };
		for (size_t i = 0; i < 3; i++) {
			s = text_cut(str_is_blank(values[i]) ? "-" : values[i], DISCORD_FIELD_MAX);
			json_array_append_new(fields, json_pack("{s:s, s:s, s:b}", "name", names[i],
			    "value", s, "inline", i < 2));
			free(s);
		}
		free(feed_v);
	}
	json_object_set_new(embed, "fields", fields);
	if (when)
		json_object_set_new(embed, "timestamp", json_string(when));
	json_object_set_new(embed, "footer", json_pack("{s:s}", "text", "feedwatchd"));
	o = json_pack("{s:[o], s:{s:[]}}", "embeds", embed, "allowed_mentions", "parse");
	out = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(o);
	free(terms);
	return out;
}

/* Renders one alert's request body in the sink's format. */
char *
sink_webhook_render(enum conf_sink_format fmt, const struct webhook_template *tmpl,
    const char *alert_json, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *a;
	char *out = NULL;

	if (fmt == SINK_FORMAT_JSON || fmt == SINK_FORMAT_DEFAULT)
		return xstrdup(alert_json);
	a = json_loads(alert_json, 0, &jerr);
	if (!json_is_object(a)) {
		snprintf(err, errlen, "the alert is not a JSON object: %s",
		    a ? "another type" : jerr.text);
		json_decref(a);
		return NULL;
	}
	switch (fmt) {
	case SINK_FORMAT_SLACK:
		out = render_slack(a);
		break;
	case SINK_FORMAT_DISCORD:
		out = render_discord(a);
		break;
	case SINK_FORMAT_TEMPLATE:
		if (tmpl)
			out = render_template(tmpl, a);
		break;
	default:
		break;
	}
	json_decref(a);
	if (out == NULL)
		snprintf(err, errlen, "cannot render this alert in the sink's format");
	else if (strlen(out) > WEBHOOK_BODY_MAX) {
		snprintf(err, errlen, "the request body would be larger than %d bytes",
		    WEBHOOK_BODY_MAX);
		free(out);
		out = NULL;
	}
	return out;
}

/* --- answers ------------------------------------------------------------------------ */

/* The first line of an answer's body, trimmed, valid UTF-8, into out. */
static void
first_line(const char *head, size_t n, char *out, size_t outlen)
{
	size_t len = 0;
	char *s;

	while (n > 0 && (*head == ' ' || *head == '\t' || *head == '\r' || *head == '\n'))
		head++, n--;
	while (len < n && head[len] != '\n' && head[len] != '\r')
		len++;
	if (len == n) {
		/* the kept head may end inside a character: drop that part */
		size_t ok = utf8_valid_prefix(head, len);
		if (len - ok < 4)
			len = ok;
	}
	s = utf8_sanitize(head, len);
	str_squeeze_space(s);
	snprintf(out, outlen, "%s", s);
	free(s);
}

/* Maps an answer to delivered / retry / dead, with the reason for the log. */
enum sink_outcome
sink_webhook_outcome(const struct http_response *r, const char *url, const char *head,
    size_t head_len, int64_t now_ms, bool *disable, int64_t *retry_after_ms, char *err,
    size_t errlen)
{
	char *shown = sink_webhook_redact_url(url);
	long st = r->status;
	enum sink_outcome out;

	*disable = false;
	*retry_after_ms = -1;
	if (st >= 200 && st < 300) {
		/* the receiver took it: a body too big or cut short changes nothing */
		err[0] = '\0';
		out = SINK_DELIVERED;
	} else if (st == 0) {
		snprintf(err, errlen, "%s: %s", shown, r->error && r->error[0] ? r->error :
		    r->result == HTTP_RESULT_TIMEOUT ? "timed out" : "no answer");
		out = SINK_RETRY;
	} else if (st >= 300 && st < 400) {
		if (r->location && r->location[0]) {
			char *to = sink_webhook_redact_url(r->location);
			snprintf(err, errlen, "%s answered a redirect (HTTP %ld) to %s: redirects are "
			    "not followed; update the webhook URL", shown, st, to);
			free(to);
		} else {
			snprintf(err, errlen, "%s answered a redirect (HTTP %ld) without a "
			    "Location: update the webhook URL", shown, st);
		}
		out = SINK_RETRY;
	} else if (st == 408 || st == 429 || st >= 500) {
		*retry_after_ms = sched_parse_retry_after(r->retry_after, now_ms);
		if (*retry_after_ms >= 0)
			snprintf(err, errlen, "%s answered HTTP %ld (Retry-After: %lld s)", shown, st,
			    (long long)(*retry_after_ms / 1000));
		else
			snprintf(err, errlen, "%s answered HTTP %ld", shown, st);
		out = SINK_RETRY;
	} else if (st == 410) {
		*disable = true;
		snprintf(err, errlen, "%s answered 410 Gone: the webhook no longer exists; sink "
		    "disabled", shown);
		out = SINK_DEAD;
	} else if (st >= 400) {
		char line[WEBHOOK_ERR_HEAD + 1];
		first_line(head ? head : "", head ? head_len : 0, line, sizeof line);
		if (line[0])
			snprintf(err, errlen, "%s answered HTTP %ld: %s", shown, st, line);
		else
			snprintf(err, errlen, "%s answered HTTP %ld", shown, st);
		out = SINK_DEAD;
	} else {
		snprintf(err, errlen, "%s answered an unexpected HTTP status %ld", shown, st);
		out = SINK_RETRY;
	}
	scrub_url(err, url);
	free(shown);
	return out;
}

/* --- configuration checks ------------------------------------------------------------- */

/* The fixed request headers of a sink: custom ones, then the defaults they do not
 * replace. Refuses custom webhook-* headers (they belong to the signing). */
static int
webhook_headers(const struct conf_sink *cs, char ***out, size_t *n_out, char *err,
    size_t errlen)
{
	char **h = xcalloc(cs->n_headers + 2, sizeof *h);
	size_t n = 0;
	bool has_ct = false;

	for (size_t i = 0; i < cs->n_headers; i++) {
		const char *line = cs->headers[i];
		size_t nl = strcspn(line, ":");
		if (line[nl] != ':' || nl == 0 || strcspn(line, " \t") < nl ||
		    strpbrk(line, "\r\n") != NULL) {
			snprintf(err, errlen, "sink '%s': header '%s' is not 'Name: value'",
			    cs->name, log_esc(line));
			goto fail;
		}
		if (nl > 8 && strncasecmp(line, "webhook-", 8) == 0) {
			snprintf(err, errlen, "sink '%s': header '%.*s' is set by the sink itself "
			    "(webhook-id, webhook-timestamp, webhook-signature)", cs->name,
			    (int)nl, line);
			goto fail;
		}
		if (nl == 12 && strncasecmp(line, "content-type", 12) == 0)
			has_ct = true;
		h[n++] = xstrdup(line);
	}
	if (!has_ct)
		h[n++] = xstrdup("Content-Type: application/json");
	*out = h;
	*n_out = n;
	return 0;
fail:
	for (size_t i = 0; i < n; i++)
		free(h[i]);
	free(h);
	return -1;
}

/* Opens and closes what a webhook sink needs, without the event loop. */
int
sink_webhook_check(const struct conf_sink *cs, char *err, size_t errlen)
{
	char **h = NULL;
	size_t n = 0;

	if (cs->url == NULL || !is_http_url(cs->url)) {
		char *shown = sink_webhook_redact_url(cs->url);
		snprintf(err, errlen, "sink '%s': url must be http:// or https:// (got %s)",
		    cs->name, shown);
		free(shown);
		return -1;
	}
	if (webhook_headers(cs, &h, &n, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		free(h[i]);
	free(h);
	if (cs->format == SINK_FORMAT_TEMPLATE) {
		struct webhook_template *t;
		char terr[512];
		if (cs->template_path == NULL) {
			snprintf(err, errlen, "sink '%s': format = template needs template = FILE",
			    cs->name);
			return -1;
		}
		t = sink_webhook_template_load(cs->template_path, terr, sizeof terr);
		if (t == NULL) {
			snprintf(err, errlen, "sink '%s': %s", cs->name, terr);
			return -1;
		}
		sink_webhook_template_free(t);
	}
	if (cs->secret_file) {
		struct webhook_secrets sec;
		if (sink_webhook_secrets_load(cs->name, cs->secret_file, &sec, err, errlen) < 0)
			return -1;
		sink_webhook_secrets_clear(&sec);
	}
	return 0;
}

/* --- digests (storm control) ------------------------------------------------------- */

/* Appends s for Discord markdown: markdown characters backslash-escaped, white space
 * squeezed, at most max_units long (cut with "…"). */
static void
discord_escape(struct buf *b, const char *s, size_t max_units)
{
	char *t = text_cut(s, max_units);

	for (const char *p = t; *p; p++) {
		if (strchr("\\*_~`|>[]()#<:", *p) != NULL)
			buf_appendc(b, '\\');
		buf_appendc(b, *p);
	}
	free(t);
}

/* Hashes the sorted alert ids of a digest into its webhook-id. */
void
sink_webhook_digest_id(const char *const *ids, size_t n, char out[40])
{
	const char **v = xcalloc(n + 1, sizeof *v);
	char hex[65];
	struct buf b;

	memcpy(v, ids, n * sizeof *v);
	qsort(v, n, sizeof *v, cmp_str);
	buf_init(&b, 0);
	for (size_t i = 0; i < n; i++) {
		buf_appends(&b, v[i]);
		buf_appendc(&b, '\n');
	}
	crypto_sha256_hex(b.data ? b.data : "", b.len, hex);
	snprintf(out, 40, "fwd_%.32s", hex);
	buf_free(&b);
	free(v);
}

/* "30 per min", "5 per 10 s" (the configured, unscaled window). */
static void
rate_text(int count, int64_t window_ms, char *out, size_t outlen)
{
	if (window_ms == 1000)
		snprintf(out, outlen, "%d per s", count);
	else if (window_ms == 60000)
		snprintf(out, outlen, "%d per min", count);
	else if (window_ms == 3600000)
		snprintf(out, outlen, "%d per h", count);
	else
		snprintf(out, outlen, "%d per %lld s", count, (long long)(window_ms / 1000));
}

/* Appends ", v" to a comma list unless v is already in it. */
static void
join_unique(struct buf *b, const char *v)
{
	char *all = xasprintf(", %s, ", b->data ? b->data : "");
	char *key = xasprintf(", %s, ", v);

	if (strstr(all, key) == NULL) {
		if (b->len)
			buf_appends(b, ", ");
		buf_appends(b, v);
	}
	free(all);
	free(key);
}

/* A digest as one alert-shaped object, for templates: the receiver keeps its schema. */
static char *
digest_synthetic(json_t *alerts, const char *id, int64_t now_s, int rate_count,
    int64_t window_ms)
{
	static const char *const pri_names[] = { "emerg", "alert", "crit", "err", "warning",
		"notice", "info", "debug" };
	json_t *o, *matched = json_array(), *a, *t;
	struct buf wl, feeds, titles;
	const char *link = NULL, *feed_url = NULL;
	char when[40], rate[64], *title, *summary, *snippet, *out;
	int pri = 7;
	size_t i, k;

	buf_init(&wl, 0);
	buf_init(&feeds, 0);
	buf_init(&titles, 0);
	json_array_foreach(alerts, i, a) {
		json_t *item = jget(a, "item"), *feed = jget(a, "feed");
		const char *w = jstr(a, "watchlist", "?"), *f = jstr(feed, "name", "?");
		const char *p = jstr(a, "priority", "notice");
		join_unique(&wl, w);
		join_unique(&feeds, f);
		for (int x = 0; x < 8; x++)
			if (strcmp(p, pri_names[x]) == 0 && x < pri)
				pri = x;
		json_array_foreach(jget(a, "matched"), k, t) {
			bool have = false;
			json_t *u;
			size_t m;
			json_array_foreach(matched, m, u)
				have = have || json_equal(u, t);
			if (!have && json_is_string(t))
				json_array_append(matched, t);
		}
		if (link == NULL)
			link = jstr(item, "link", NULL);
		if (feed_url == NULL)
			feed_url = jstr(feed, "url", NULL);
		if (titles.len)
			buf_appends(&titles, "; ");
		buf_appends(&titles, jstr(item, "title", "(untitled)"));
	}
	rate_text(rate_count, window_ms, rate, sizeof rate);
	title = xasprintf("%zu alerts folded into one digest (rate limit: %s)",
	    json_array_size(alerts), rate);
	summary = text_cut(titles.data ? titles.data : "", 500);
	snippet = text_cut(titles.data ? titles.data : "", 1000);
	o = json_pack("{s:s, s:s, s:s, s:s, s:o, s:{s:s, s:n, s:s?}, "
	    "s:{s:s, s:s, s:s?, s:n, s:s, s:[]}, s:s}",
	    "id", id, "time", date_format_rfc3339(now_s, when, sizeof when),
	    "watchlist", wl.data ? wl.data : "", "priority", pri_names[pri],
	    "matched", matched,
	    "feed", "name", feeds.data ? feeds.data : "", "title", "url", feed_url,
	    "item", "id", id, "title", title, "link", link, "published", "summary", summary,
	    "categories",
	    "snippet", snippet);
	out = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(o);
	free(title);
	free(summary);
	free(snippet);
	buf_free(&wl);
	buf_free(&feeds);
	buf_free(&titles);
	return out;
}

/* Renders the digest of the alerts folded in one window, in the sink's format. */
char *
sink_webhook_render_digest(enum conf_sink_format fmt, const struct webhook_template *tmpl,
    const char *id, int64_t now_s, const char *const *alerts, size_t n, int rate_count,
    int64_t window_ms, char *err, size_t errlen)
{
	json_t *arr = json_array(), *a, *o = NULL;
	char rate[64], when[40], *out = NULL;
	size_t i, shown = 0;
	struct buf b;

	for (i = 0; i < n; i++) {
		a = json_loads(alerts[i], 0, NULL);
		if (json_is_object(a))
			json_array_append_new(arr, a);
		else
			json_decref(a);
	}
	n = json_array_size(arr);
	rate_text(rate_count, window_ms, rate, sizeof rate);
	date_format_rfc3339(now_s, when, sizeof when);
	buf_init(&b, 0);
	switch (fmt) {
	case SINK_FORMAT_DEFAULT:
	case SINK_FORMAT_JSON:
		o = json_pack("{s:s, s:s, s:b, s:I, s:{s:i, s:I}, s:O}", "id", id, "time", when,
		    "digest", 1, "count", (json_int_t)n, "rate_limit", "count", rate_count,
		    "window_seconds", (json_int_t)(window_ms / 1000), "alerts", arr);
		break;
	case SINK_FORMAT_SLACK: {
		json_t *blocks = json_array();
		char *head = xasprintf("*%zu more alerts* were folded into this digest (rate "
		    "limit: %s)", n, rate);
		char *fallback = xasprintf("[feedwatchd] %zu alerts folded into one digest", n);
		json_array_append_new(blocks, json_pack("{s:s, s:{s:s, s:s}}", "type", "section",
		    "text", "type", "mrkdwn", "text", head));
		json_array_foreach(arr, i, a) {
			json_t *item = jget(a, "item");
			const char *title = jstr(item, "title", NULL), *link = jstr(item, "link", NULL);
			struct buf line;
			buf_init(&line, 0);
			buf_appends(&line, "• [");
			slack_escape(&line, jstr(a, "watchlist", "?"), 60);
			buf_appends(&line, "] ");
			if (title == NULL || str_is_blank(title))
				title = "(untitled)";
			if (is_http_url(link) && strlen(link) <= 500) {
				buf_appendc(&line, '<');
				slack_url(&line, link);
				buf_appendc(&line, '|');
				slack_escape(&line, title, 150);
				buf_appendc(&line, '>');
			} else {
				slack_escape(&line, title, 150);
			}
			buf_appends(&line, " (");
			slack_escape(&line, jstr(jget(a, "feed"), "name", "?"), 60);
			buf_appends(&line, ")\n");
			if (utf16_units(b.data ? b.data : "", b.len) + line.len > 2900) {
				if (json_array_size(blocks) >= 40) {
					buf_free(&line);
					break;
				}
				json_array_append_new(blocks, json_pack("{s:s, s:{s:s, s:s}}", "type",
				    "section", "text", "type", "mrkdwn", "text", b.data));
				buf_reset(&b);
			}
			buf_append(&b, line.data, line.len);
			buf_free(&line);
			shown++;
		}
		if (shown < n) {
			char more[64];
			snprintf(more, sizeof more, "…and %zu more", n - shown);
			buf_appends(&b, more);
		}
		if (b.len)
			json_array_append_new(blocks, json_pack("{s:s, s:{s:s, s:s}}", "type",
			    "section", "text", "type", "mrkdwn", "text", b.data));
		o = json_pack("{s:s, s:o}", "text", fallback, "blocks", blocks);
		free(head);
		free(fallback);
		break;
	}
	case SINK_FORMAT_DISCORD: {
		char *title = xasprintf("%zu more alerts (rate limit: %s)", n, rate);
		json_array_foreach(arr, i, a) {
			json_t *item = jget(a, "item");
			const char *t = jstr(item, "title", NULL), *link = jstr(item, "link", NULL);
			struct buf line;
			buf_init(&line, 0);
			buf_appends(&line, "• \\[");
			discord_escape(&line, jstr(a, "watchlist", "?"), 60);
			buf_appends(&line, "\\] ");
			if (t == NULL || str_is_blank(t))
				t = "(untitled)";
			if (is_http_url(link) && strlen(link) <= 500 && strpbrk(link, "() <>") == NULL) {
				buf_appendc(&line, '[');
				discord_escape(&line, t, 150);
				buf_appends(&line, "](");
				buf_appends(&line, link);
				buf_appendc(&line, ')');
			} else {
				discord_escape(&line, t, 150);
			}
			buf_appends(&line, " — ");
			discord_escape(&line, jstr(jget(a, "feed"), "name", "?"), 60);
			buf_appendc(&line, '\n');
			if (utf16_units(b.data ? b.data : "", b.len) + utf16_units(line.data,
			    line.len) > 3900) {
				buf_free(&line);
				break;
			}
			buf_append(&b, line.data, line.len);
			buf_free(&line);
			shown++;
		}
		if (shown < n) {
			char more[64];
			snprintf(more, sizeof more, "…and %zu more", n - shown);
			buf_appends(&b, more);
		}
		o = json_pack("{s:[{s:s, s:s, s:s, s:{s:s}}], s:{s:[]}}", "embeds", "title", title,
		    "description", b.data ? b.data : "", "timestamp", when, "footer", "text",
		    "feedwatchd", "allowed_mentions", "parse");
		free(title);
		break;
	}
	case SINK_FORMAT_TEMPLATE:
		if (tmpl) {
			char *syn = digest_synthetic(arr, id, now_s, rate_count, window_ms);
			json_t *sa = syn ? json_loads(syn, 0, NULL) : NULL;
			if (sa)
				out = render_template(tmpl, sa);
			json_decref(sa);
			free(syn);
		}
		break;
	default:
		break;
	}
	if (o) {
		out = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(o);
	}
	buf_free(&b);
	json_decref(arr);
	if (out == NULL)
		snprintf(err, errlen, "cannot render a digest in the sink's format");
	return out;
}

/* --- the asynchronous backend ----------------------------------------------------- */

static void
list_push(struct webhook_list *l, struct webhook_delivery *dv, bool front)
{
	if (front) {
		dv->prev = NULL;
		dv->next = l->head;
		if (l->head)
			l->head->prev = dv;
		else
			l->tail = dv;
		l->head = dv;
	} else {
		dv->next = NULL;
		dv->prev = l->tail;
		if (l->tail)
			l->tail->next = dv;
		else
			l->head = dv;
		l->tail = dv;
	}
	l->n++;
}

static void
list_unlink(struct webhook_list *l, struct webhook_delivery *dv)
{
	if (dv->prev)
		dv->prev->next = dv->next;
	else
		l->head = dv->next;
	if (dv->next)
		dv->next->prev = dv->prev;
	else
		l->tail = dv->prev;
	dv->prev = dv->next = NULL;
	l->n--;
}

static void
delivery_free(struct webhook_delivery *dv)
{
	for (size_t i = 0; i < dv->n_folds; i++) {
		free(dv->folds[i].id);
		free(dv->folds[i].json);
	}
	free(dv->folds);
	free(dv->id);
	free(dv->body);
	free(dv);
}

/* Calls the delivery's owners back: the single alert's, or every folded alert's. */
static void
delivery_finish(struct webhook_delivery *dv, enum sink_outcome out, int64_t retry_after_ms,
    const char *err)
{
	if (dv->n_folds == 0) {
		dv->done(dv->arg, out, retry_after_ms, err);
		return;
	}
	for (size_t i = 0; i < dv->n_folds; i++)
		dv->folds[i].done(dv->folds[i].arg, out, retry_after_ms, err);
}

/* Starts the POST of a delivery: a fresh webhook-timestamp and signature. */
static int
delivery_launch(struct webhook_delivery *dv, char *err, size_t errlen)
{
	struct webhook *w = dv->w;
	struct sink *s = w->s;
	struct http_request req = { 0 };
	long long ts = (long long)time(NULL);
	char **hdrs = xcalloc(w->n_headers + 3, sizeof *hdrs);
	size_t n = 0;

	for (size_t i = 0; i < w->n_headers; i++)
		hdrs[n++] = w->headers[i];
	hdrs[n++] = xasprintf("webhook-id: %s", dv->id);
	hdrs[n++] = xasprintf("webhook-timestamp: %lld", ts);
	if (w->secrets.n > 0) {
		char *sig = sink_webhook_sign(&w->secrets, dv->id, ts, dv->body, dv->body_len);
		hdrs[n++] = xasprintf("webhook-signature: %s", sig);
		free(sig);
	}
	req.url = s->conf.url;
	req.method = "POST";
	req.body = dv->body;
	req.body_len = dv->body_len;
	req.headers = hdrs;
	req.n_headers = n;
	req.user_agent = WEBHOOK_USER_AGENT;
	req.max_bytes = WEBHOOK_MAX_ANSWER;
	req.timeout_ms = (long)s->conf.timeout_ms;
	req.follow_redirects = false;
#ifdef HTTP_HAVE_ERROR_BODY
	req.error_body = true;		/* a 4xx's first line goes into the dead row's error */
#endif
#ifdef HTTP_HAVE_LIMIT_KEY
	/* this sink's transfers queue among themselves (at most WEBHOOK_MAX_IN_FLIGHT), not
	 * behind another sink's or feed's on the same host: no head-of-line blocking */
	req.limit_key = w->limit_key;
#endif
	dv->head_len = 0;
	dv->t = http_start(s->env.http, &req, webhook_data_cb, webhook_done_cb, dv);
	for (size_t i = w->n_headers; i < n; i++)
		free(hdrs[i]);
	free(hdrs);
	if (dv->t == NULL) {
		snprintf(err, errlen, "%s: the URL cannot be used", w->shown_url);
		return -1;
	}
	list_push(&w->active, dv, false);
	return 0;
}

/* Starts queued deliveries while transfer slots are free; after a 410, answers them
 * at once instead (no further connection to a receiver that is gone). */
static void
webhook_pump(struct webhook *w)
{
	char err[256];

	while (w->queued.head && (w->s->disabled || w->active.n < WEBHOOK_MAX_IN_FLIGHT)) {
		struct webhook_delivery *dv = w->queued.head;
		list_unlink(&w->queued, dv);
		if (w->s->disabled) {
			snprintf(err, sizeof err, "%s: sink disabled after 410 Gone", w->shown_url);
			delivery_finish(dv, SINK_DEAD, -1, err);
			delivery_free(dv);
		} else if (delivery_launch(dv, err, sizeof err) < 0) {
			delivery_finish(dv, SINK_RETRY, -1, err);
			delivery_free(dv);
		}
	}
}

static int
webhook_open(struct sink *s, char *err, size_t errlen)
{
	struct webhook *w = xcalloc(1, sizeof *w);
	const struct conf_sink *cs = &s->conf;

	w->s = s;
	w->win_start = -1;
	s->impl = w;
	if (cs->url == NULL || !is_http_url(cs->url)) {
		char *shown = sink_webhook_redact_url(cs->url);
		snprintf(err, errlen, "sink '%s': url must be http:// or https:// (got %s)",
		    s->name, shown);
		free(shown);
		goto fail;
	}
	w->shown_url = sink_webhook_redact_url(cs->url);
	w->limit_key = xasprintf("webhook sink %s", s->name);
	if (webhook_headers(cs, &w->headers, &w->n_headers, err, errlen) < 0)
		goto fail;
	if (cs->format == SINK_FORMAT_TEMPLATE) {
		char terr[512];
		if (cs->template_path == NULL) {
			snprintf(err, errlen, "sink '%s': format = template needs template = FILE",
			    s->name);
			goto fail;
		}
		w->tmpl = sink_webhook_template_load(cs->template_path, terr, sizeof terr);
		if (w->tmpl == NULL) {
			snprintf(err, errlen, "sink '%s': %s", s->name, terr);
			goto fail;
		}
	}
	if (cs->secret_file &&
	    sink_webhook_secrets_load(s->name, cs->secret_file, &w->secrets, err, errlen) < 0)
		goto fail;
	s->max_in_flight = WEBHOOK_MAX_IN_FLIGHT;
	if (cs->rate_count > 0 && cs->rate_window_ms > 0 && s->env.base) {
		w->window_ms = (int64_t)((double)cs->rate_window_ms * sched_time_scale());
		if (w->window_ms < 1)
			w->window_ms = 1;
		w->win_timer = evtimer_new(s->env.base, webhook_window_cb, w);
		/* folded alerts count as in flight until their digest is answered */
		s->max_in_flight = WEBHOOK_MAX_IN_FLIGHT + WEBHOOK_MAX_FOLDED;
	}
	return 0;
fail:
	webhook_close(s);
	return -1;
}

static int
webhook_start(struct sink *s, const struct sink_alert *a, sink_done_cb done, void *arg,
    char *err, size_t errlen)
{
	struct webhook *w = s->impl;
	struct webhook_delivery *dv;
	char rerr[256];
	char *body;

	if (s->env.http == NULL) {
		snprintf(err, errlen, "no HTTP fetcher");
		return -1;
	}
	if (w->win_timer) {
		int64_t now = mono_ms();
		if (w->n_folded == 0 && (w->win_start < 0 || now >= w->win_start + w->window_ms)) {
			w->win_start = now;
			w->win_sent = 0;
		}
		if (w->n_folded > 0 || w->win_sent >= s->conf.rate_count) {
			struct webhook_fold *f;
			if (w->n_folded >= WEBHOOK_MAX_FOLDED) {
				snprintf(err, errlen, "rate limit: %d alerts already wait for this "
				    "window's digest", WEBHOOK_MAX_FOLDED);
				return -1;
			}
			if (w->n_folded == w->cap_folded) {
				w->cap_folded = w->cap_folded ? 2 * w->cap_folded : 16;
				w->folded = xreallocarray(w->folded, w->cap_folded, sizeof *w->folded);
			}
			f = &w->folded[w->n_folded++];
			f->done = done;
			f->arg = arg;
			f->id = xstrdup(a->id);
			f->json = xstrdup(a->json);
			if (!evtimer_pending(w->win_timer, NULL)) {
				int64_t left = w->win_start + w->window_ms - now;
				struct timeval tv;
				if (left < 0)
					left = 0;
				tv.tv_sec = (time_t)(left / 1000);
				tv.tv_usec = (suseconds_t)((left % 1000) * 1000);
				evtimer_add(w->win_timer, &tv);
			}
			return 0;
		}
	}
	body = sink_webhook_render(s->conf.format, w->tmpl, a->json, rerr, sizeof rerr);
	if (body == NULL) {
		snprintf(err, errlen, "%s", rerr);
		return -1;
	}
	dv = xcalloc(1, sizeof *dv);
	dv->w = w;
	dv->id = xstrdup(a->id);
	dv->body = body;
	dv->body_len = strlen(body);
	dv->done = done;
	dv->arg = arg;
	if (w->active.n < WEBHOOK_MAX_IN_FLIGHT && w->queued.n == 0) {
		if (delivery_launch(dv, err, errlen) < 0) {
			delivery_free(dv);
			return -1;
		}
	} else {
		list_push(&w->queued, dv, false);
	}
	if (w->win_timer)
		w->win_sent++;
	return 0;
}

/* The window is over: its folded alerts go out as one digest, which counts as the
 * first message of the next window. */
static void
webhook_flush(struct webhook *w)
{
	struct sink *s = w->s;
	struct webhook_delivery *dv;
	const char **ids, **jsons;
	char id[40], err[256];
	char *body;

	if (w->n_folded == 0)
		return;
	ids = xcalloc(w->n_folded, sizeof *ids);
	jsons = xcalloc(w->n_folded, sizeof *jsons);
	for (size_t i = 0; i < w->n_folded; i++) {
		ids[i] = w->folded[i].id;
		jsons[i] = w->folded[i].json;
	}
	sink_webhook_digest_id(ids, w->n_folded, id);
	body = sink_webhook_render_digest(s->conf.format, w->tmpl, id, (int64_t)time(NULL),
	    jsons, w->n_folded, s->conf.rate_count, s->conf.rate_window_ms, err, sizeof err);
	free(ids);
	free(jsons);
	dv = xcalloc(1, sizeof *dv);
	dv->w = w;
	dv->id = xstrdup(id);
	dv->folds = w->folded;
	dv->n_folds = w->n_folded;
	w->folded = NULL;
	w->n_folded = w->cap_folded = 0;
	w->win_start = mono_ms();
	w->win_sent = 1;
	if (body == NULL) {
		delivery_finish(dv, SINK_RETRY, -1, err);
		delivery_free(dv);
		return;
	}
	dv->body = body;
	dv->body_len = strlen(body);
	log_info("sink '%s': rate limit: %zu alerts folded into digest %s", log_esc(s->name),
	    dv->n_folds, id);
	list_push(&w->queued, dv, true);
	webhook_pump(w);
}

/* The window timer (evtimer). */
static void
webhook_window_cb(evutil_socket_t fd, short what, void *arg)
{
	webhook_flush(arg);
}

/* http_data_cb: keeps the start of the answer's body (for a 4xx's log line); the rest
 * is read up to WEBHOOK_MAX_ANSWER and dropped. */
static int
webhook_data_cb(const char *data, size_t len, const char *content_type, void *arg)
{
	struct webhook_delivery *dv = arg;
	size_t room = sizeof dv->head - dv->head_len;

	if (len > room)
		len = room;
	memcpy(dv->head + dv->head_len, data, len);
	dv->head_len += len;
	return 0;
}

/* http_done_cb: the receiver's verdict becomes the delivery's outcome. */
static void
webhook_done_cb(const struct http_response *resp, void *arg)
{
	struct webhook_delivery *dv = arg;
	struct webhook *w = dv->w;
	struct sink *s = w->s;
	char err[768];
	bool disable;
	int64_t retry_after;
	enum sink_outcome out;

	out = sink_webhook_outcome(resp, s->conf.url, dv->head, dv->head_len, wall_ms(),
	    &disable, &retry_after, err, sizeof err);
	list_unlink(&w->active, dv);
	dv->t = NULL;
	if (disable)
		s->disabled = true;
	if (resp->status >= 300 && resp->status < 400 && !w->redirect_logged) {
		w->redirect_logged = true;
		log_warnx("sink '%s': %s", log_esc(s->name), log_esc(err));
	}
	webhook_pump(w);
	delivery_finish(dv, out, retry_after, err);
	delivery_free(dv);
}

static void
webhook_close(struct sink *s)
{
	struct webhook *w = s->impl;

	if (w == NULL)
		return;
	while (w->active.head) {
		struct webhook_delivery *dv = w->active.head;
		list_unlink(&w->active, dv);
		http_cancel(dv->t);
		delivery_free(dv);
	}
	while (w->queued.head) {
		struct webhook_delivery *dv = w->queued.head;
		list_unlink(&w->queued, dv);
		delivery_free(dv);
	}
	for (size_t i = 0; i < w->n_folded; i++) {
		free(w->folded[i].id);
		free(w->folded[i].json);
	}
	free(w->folded);
	if (w->win_timer)
		event_free(w->win_timer);
	for (size_t i = 0; i < w->n_headers; i++)
		free(w->headers[i]);
	free(w->headers);
	sink_webhook_template_free(w->tmpl);
	sink_webhook_secrets_clear(&w->secrets);
	free(w->shown_url);
	free(w->limit_key);
	free(w);
	s->impl = NULL;
}
