/* sink_webhook.h — the webhook alert sink's parts that do not need the event loop: the
 * request bodies of each format, Standard Webhooks signing with the secret file, URL
 * redaction for log lines, and the verdict on a receiver's answer. sink_webhook.c wraps
 * them into the asynchronous backend sink_webhook_ops (include/sink.h).
 *
 * Formats (the `format` key of a webhook sink):
 *   json      the alert object of SPEC.md, byte for byte as queued in the outbox.
 *   slack     a Slack incoming-webhook payload: "text" (the notification fallback,
 *             "[watchlist] term, term: title") and "blocks" with one section whose
 *             mrkdwn text holds the linked title "*<link|title>*", the snippet as a
 *             quote, and "Watchlist · Feed · Matched" (& < > escaped as &amp; &lt; &gt;,
 *             the section under Slack's 3000-character limit).
 *   discord   a Discord webhook payload: one embed with title (at most 256 characters),
 *             url (the item link, when it is http or https), description (the snippet),
 *             fields Watchlist, Feed, Matched, timestamp (the alert time) and footer;
 *             "allowed_mentions" is empty so feed text can never ping anybody. Every
 *             part is kept within Discord's limits (title 256, description 4096, field
 *             value 1024, whole embed 6000 characters).
 *   template  the file named by `template`, read when the sink opens: a JSON document
 *             with {{field}} placeholders inside its strings. Fields: id, time,
 *             watchlist, priority, matched (terms joined with ", "), feed.name,
 *             feed.title, feed.url, item.id, item.title, item.link, item.published,
 *             item.summary, item.categories (joined with ", "), snippet. A missing
 *             value renders as "". Each value is escaped for a JSON string, so a
 *             placeholder belongs between double quotes. An unknown placeholder, a "{{"
 *             without "}}" or a template that is not JSON once filled in is an error
 *             when the sink opens ("template FILE:LINE: ..."). Examples for ntfy and
 *             Microsoft Teams: tests/webhook/ntfy.tmpl and tests/webhook/teams.tmpl.
 *
 * Requests: POST, Content-Type: application/json, User-Agent: feedwatchd/VERSION,
 * webhook-id (the alert id, the same on every attempt), webhook-timestamp (Unix seconds
 * at this attempt) and, with `secret_file`, webhook-signature: "v1,<base64 HMAC-SHA256
 * of id.timestamp.body>" per secret, space-separated. The secret file holds one secret
 * per line, at most two (old and new, during a rotation); "whsec_" + base64 is decoded,
 * any other line is used as raw bytes; the file must not be readable by group or
 * others. `header = Name: value` lines are added (they may replace Content-Type and
 * User-Agent, not the webhook-* headers).
 *
 * Storm control (`rate_limit`): beyond N messages in a window, the window's alerts are
 * folded into one digest sent at its end (sink_webhook_render_digest); their outbox rows
 * stay pending until the digest is answered, so nothing is dropped. See
 * tests/webhook/README.md. */
#ifndef FEEDWATCHD_SINK_WEBHOOK_H
#define FEEDWATCHD_SINK_WEBHOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "sink.h"

#define WEBHOOK_MAX_SECRETS	2
#define WEBHOOK_SECRET_MAX	512	/* bytes of one decoded secret */
#define WEBHOOK_ERR_HEAD	200	/* bytes of an error answer's body kept for the log */

struct http_response;

struct webhook_secrets {
	size_t n;
	struct {
		unsigned char key[WEBHOOK_SECRET_MAX];
		size_t len;
	} v[WEBHOOK_MAX_SECRETS];
};

/* Reads the secret file of sink `sink_name`. Returns 0, or -1 with a message in err
 * ("sink 'ops': secret file /x is readable by others (chmod 600 it)"). */
int sink_webhook_secrets_load(const char *sink_name, const char *path,
    struct webhook_secrets *out, char *err, size_t errlen);
/* Wipes the keys. */
void sink_webhook_secrets_clear(struct webhook_secrets *s);

/* The webhook-signature header value of one attempt: "v1,<base64>" per secret,
 * space-separated. Returns a malloc'd string; the caller frees it. */
char *sink_webhook_sign(const struct webhook_secrets *s, const char *id, long long timestamp,
    const char *body, size_t len);

/* A URL as log lines may show it: "scheme://host[:port]/…" when it has a path or query
 * (where Slack, Discord and most services keep their token), else as it is. Never
 * shows user:password. Returns a malloc'd string; the caller frees it. */
char *sink_webhook_redact_url(const char *url);

/* A template file read and checked. */
struct webhook_template;

/* Reads and checks a template file. Returns NULL with "template FILE:LINE: ..." in err. */
struct webhook_template *sink_webhook_template_load(const char *path, char *err,
    size_t errlen);
/* The same from text in memory; name is used in messages. */
struct webhook_template *sink_webhook_template_parse(const char *text, size_t len,
    const char *name, char *err, size_t errlen);
void sink_webhook_template_free(struct webhook_template *t);

/* The request body for one alert (alert_json: SPEC's alert object) in format fmt
 * (tmpl for SINK_FORMAT_TEMPLATE). Returns a malloc'd string, or NULL with err. */
char *sink_webhook_render(enum conf_sink_format fmt, const struct webhook_template *tmpl,
    const char *alert_json, char *err, size_t errlen);

/* The body of a digest: n alerts (their JSON) that the rate limit folded into one
 * message, in format fmt (a template gets one alert-shaped object: id, time, the
 * watchlists, the most severe priority, every matched term, item.title "N alerts folded
 * into one digest (rate limit: ...)", item.link the first alert's, summary and snippet
 * the titles; json gets {"id", "time", "digest": true, "count", "rate_limit": {"count",
 * "window_seconds"}, "alerts": [...]}; Slack and Discord a list of linked titles).
 * id is its webhook-id, rate_count/window_ms the configured limit. Returns a malloc'd
 * string, or NULL with err. */
char *sink_webhook_render_digest(enum conf_sink_format fmt, const struct webhook_template *tmpl,
    const char *id, int64_t now_s, const char *const *alerts, size_t n, int rate_count,
    int64_t window_ms, char *err, size_t errlen);
/* A digest's webhook-id: "fwd_" + 32 hex digits of SHA-256 over its sorted alert ids
 * (the same alerts give the same id). */
void sink_webhook_digest_id(const char *const *ids, size_t n, char out[40]);

/* What a receiver's answer means: the outcome, *disable for 410 Gone, *retry_after_ms
 * (Retry-After as a delay, else -1; now_ms is the wall clock for HTTP dates), and a
 * one-line reason in err (URLs redacted). head/head_len: the start of the answer's
 * body, if any (its first line is quoted for a 4xx). */
enum sink_outcome sink_webhook_outcome(const struct http_response *r, const char *url,
    const char *head, size_t head_len, int64_t now_ms, bool *disable,
    int64_t *retry_after_ms, char *err, size_t errlen);

/* Checks what a webhook sink needs at start (template, secret file, headers) without
 * opening it, for `feedwatchd check`. Returns 0, or -1 with err. */
int sink_webhook_check(const struct conf_sink *cs, char *err, size_t errlen);

#endif
