/* daemon.c — the running daemon.
 *
 * Data flows one way: a feed's timer fires → http.c fetches (bytes go straight into the
 * streaming parser; entries are copied as they close) → when the transfer ends whole,
 * one store transaction marks the items seen, claims their alerts in the ledger and
 * queues one outbox row per (alert, sink) → the outbox pump hands due rows to the sinks.
 * A kill -9 at any moment therefore loses no alert: an item is never seen without its
 * queued alerts. Each feed has an explicit state, changed only by feed_set_state(). */
#include "daemon.h"

#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "alert.h"
#include "conf.h"
#include "feed.h"
#include "http.h"
#include "log.h"
#include "notify.h"
#include "sched.h"
#include "sink.h"
#include "store.h"
#include "url.h"
#include "util.h"
#include "watch.h"

#define DAEMON_STOP_GRACE_MS	5000	/* SIGTERM: in-flight work may finish this long */
#define DAEMON_TIMER_MARGIN_MS	10	/* timers may fire a little early; a Retry-After or
					 * max-age floor must never be undercut */
#define DAEMON_OUTBOX_SWEEP_MS	30000	/* look for due outbox rows at least this often */
#define DAEMON_OUTBOX_BATCH	64
#define DAEMON_OUTBOX_PER_PUMP	1000	/* rows per pump: the loop never stalls on a backlog */
#define DAEMON_PRUNE_MS		(24 * 3600 * 1000LL)
#define DAEMON_MAX_ENTRIES	20000	/* entries kept from one document */
#define DAEMON_ACCEPT "application/rss+xml, application/atom+xml, application/feed+json, " \
	"application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.1"

enum feed_state { FEED_IDLE, FEED_FETCHING, FEED_BACKOFF, FEED_DISABLED };

struct daemon;

/* One configured feed at run time. */
struct feed_rt {
	struct daemon *d;
	char *name;
	const struct conf_feed *cf;	/* in d->conf; replaced on reload */
	struct store_feed st;
	enum feed_state state;
	struct event *timer;
	struct http_transfer *xfer;
	struct feed_parser *parser;
	char charset[64];
	struct feed_entry **entries;
	size_t n_entries, cap_entries;
	bool too_many_entries;
	int64_t ttl_ms;
	bool polled;			/* `once`: done */
	bool dirty;			/* st changed; saved by the next state flush */
};

struct sink_rt;

/* One asynchronous delivery in flight. */
struct delivery {
	struct daemon *d;
	struct sink_rt *sr;
	struct delivery *next;
	int64_t row_id;
	int attempts;			/* before this one */
	int64_t since_ms;
	char *alert_id;
};

/* One sink at run time. */
struct sink_rt {
	struct sink *sink;
	int64_t blocked_until_ms;	/* the receiver said "later": do not try before */
	int failures;
	struct delivery *in_flight;	/* asynchronous deliveries under way */
	int n_in_flight;
};

struct daemon {
	struct event_base *base;
	const char *conf_path;
	struct conf *conf;
	struct watch *watch;
	struct store *store;
	struct http *http;
	struct feed_rt **feeds;
	size_t n_feeds;
	struct sink_rt *sinks;
	size_t n_sinks;
	struct event *ev_term, *ev_int, *ev_hup, *ev_outbox, *ev_prune, *ev_stop, *ev_flush;
	struct event *ev_watchdog, *ev_status;
	uint64_t watchdog_usec;
	bool flush_armed;
	bool once, stopping;
	int exit_code;
	size_t once_left;
	uint64_t rng;
	double scale;
};

static int64_t now_ms(void);
static struct timeval ms_tv(int64_t ms);
static void feed_set_state(struct feed_rt *f, enum feed_state state);
static void feed_schedule(struct feed_rt *f, int64_t delay_ms);
static void feed_poll_cb(evutil_socket_t fd, short what, void *arg);
static void feed_fetch(struct feed_rt *f);
static int feed_data_cb(const char *data, size_t len, const char *content_type, void *arg);
static int fetch_entry_cb(const struct feed_entry *e, void *arg);
static void feed_done_cb(const struct http_response *r, void *arg);
static void feed_failed(struct feed_rt *f, int status, const char *error, int64_t retry_after_ms);
static int feed_commit(struct feed_rt *f, const struct http_response *r);
static void feed_discard(struct feed_rt *f);
static struct feed_rt *feed_rt_new(struct daemon *d, const struct conf_feed *cf);
static void feed_rt_free(struct feed_rt *f);
static void feed_once_done(struct feed_rt *f);
static void once_deliver(struct daemon *d);
static bool outbox_pump(struct daemon *d);
static void outbox_cb(evutil_socket_t fd, short what, void *arg);
static void outbox_arm(struct daemon *d, int64_t delay_ms);
static void prune_cb(evutil_socket_t fd, short what, void *arg);
static void signal_cb(evutil_socket_t sig, short what, void *arg);
static void stop_cb(evutil_socket_t fd, short what, void *arg);
static void daemon_stop(struct daemon *d);
static void daemon_reload(struct daemon *d);
static int sinks_open(struct daemon *d, const struct conf *c, struct sink_rt **out,
    size_t *n_out);
static void sinks_close(struct sink_rt *s, size_t n);
static void delivery_done_cb(void *arg, enum sink_outcome out, int64_t retry_after_ms,
    const char *err);
static void outbox_outcome(struct daemon *d, struct sink_rt *sr, int64_t row_id, int attempts,
    int64_t since_ms, const char *alert_id, enum sink_outcome out, int64_t retry_after_ms,
    const char *err, int64_t now);
static void sink_dead_all(struct daemon *d, struct sink_rt *sr, const char *why);
static void store_failed(struct daemon *d, const char *what);
static void libevent_log_cb(int severity, const char *msg);
static void watchdog_cb(evutil_socket_t fd, short what, void *arg);
static void status_cb(evutil_socket_t fd, short what, void *arg);
static void status_update(struct daemon *d);
static void feed_mark_dirty(struct feed_rt *f);
static void state_flush(struct daemon *d);
static void flush_cb(evutil_socket_t fd, short what, void *arg);
static void feed_after(struct feed_rt *f, int64_t delay_ms);

/* Wall-clock Unix milliseconds (what the store keeps). */
static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct timeval
ms_tv(int64_t ms)
{
	struct timeval tv;

	if (ms < 0)
		ms = 0;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)((ms % 1000) * 1000);
	return tv;
}

/* event_set_log_callback: libevent's messages go through our log. */
static void
libevent_log_cb(int severity, const char *msg)
{
	if (severity >= EVENT_LOG_ERR)
		log_errorx("libevent: %s", msg);
	else if (severity == EVENT_LOG_WARN)
		log_warnx("libevent: %s", msg);
	else
		log_debug("libevent: %s", msg);
}

/* WATCHDOG=1 comes from a timer of the event loop itself: a stalled loop stops it. */
static void
watchdog_cb(evutil_socket_t fd, short what, void *arg)
{
	notify_send("WATCHDOG=1");
}

/* STATUS= for `systemctl status`: "212 feeds, 3 failing, 41 alerts today, 0 pending". */
static void
status_update(struct daemon *d)
{
	size_t failing = 0, disabled = 0;
	int64_t today = 0, pending = 0, dead = 0;
	time_t t = time(NULL);
	struct tm tm;

	if (!notify_enabled())
		return;
	for (size_t i = 0; i < d->n_feeds; i++) {
		if (d->feeds[i] && d->feeds[i]->st.failures > 0)
			failing++;
		if (d->feeds[i] && d->feeds[i]->state == FEED_DISABLED)
			disabled++;
	}
	localtime_r(&t, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	store_alerts_since(d->store, (int64_t)mktime(&tm) * 1000, &today);
	store_outbox_count(d->store, NULL, &pending, &dead);
	char dis[32] = "";
	if (disabled)
		snprintf(dis, sizeof dis, ", %zu disabled", disabled);
	notify_send("STATUS=%zu feeds, %zu failing%s, %lld alerts today, %lld pending%s",
	    d->n_feeds, failing, dis, (long long)today, (long long)pending,
	    dead ? ", some dead (see outbox list)" : "");
}

static void
status_cb(evutil_socket_t fd, short what, void *arg)
{
	status_update(arg);
}

/* The one place a feed's state changes. */
static void
feed_set_state(struct feed_rt *f, enum feed_state state)
{
	static const char *const names[] = { "idle", "fetching", "backoff", "disabled" };

	if (f->state != state)
		log_debug("feed '%s': %s -> %s", log_esc(f->name), names[f->state], names[state]);
	f->state = state;
}

/* Arms the feed's timer; delay_ms is already scaled. */
static void
feed_schedule(struct feed_rt *f, int64_t delay_ms)
{
	struct timeval tv = ms_tv(delay_ms > 0 ? delay_ms + DAEMON_TIMER_MARGIN_MS : 0);

	if (f->d->stopping || f->state == FEED_DISABLED)
		return;
	evtimer_add(f->timer, &tv);
}

static struct sched_policy
feed_policy(const struct feed_rt *f)
{
	struct sched_policy p = {
		.interval_ms = f->cf->interval_ms ? f->cf->interval_ms : f->d->conf->daemon.interval_ms,
		.jitter = f->d->conf->daemon.jitter,
	};
	return p;
}

/* Scales a policy delay for the test clock. */
static int64_t
scaled(const struct daemon *d, int64_t ms)
{
	return (int64_t)((double)ms * d->scale);
}

/* The feed's timer fired. */
static void
feed_poll_cb(evutil_socket_t fd, short what, void *arg)
{
	feed_fetch(arg);
}

/* Starts one fetch of the feed. */
static void
feed_fetch(struct feed_rt *f)
{
	struct daemon *d = f->d;
	struct http_request req = {
		.url = f->st.url,
		.etag = f->st.etag,
		.last_modified = f->st.last_modified,
		.headers = f->cf->headers,
		.n_headers = f->cf->n_headers,
		.user_agent = d->conf->daemon.user_agent,
		.accept = DAEMON_ACCEPT,
		.max_bytes = (size_t)d->conf->daemon.max_feed_size,
		.timeout_ms = d->conf->daemon.timeout_ms,
		.follow_redirects = true,
		.allow_private_redirects = d->conf->daemon.allow_private_redirects,
	};

	if (d->stopping || f->state == FEED_FETCHING || f->state == FEED_DISABLED)
		return;
	feed_discard(f);
	feed_set_state(f, FEED_FETCHING);
	log_debug("feed '%s': GET %s", log_esc(f->name), log_esc(f->st.url));
	f->xfer = http_start(d->http, &req, feed_data_cb, feed_done_cb, f);
	if (f->xfer == NULL)
		feed_failed(f, 0, "the URL cannot be fetched", -1);
}

/* Drops what a fetch collected. */
static void
feed_discard(struct feed_rt *f)
{
	feed_parser_free(f->parser);
	f->parser = NULL;
	for (size_t i = 0; i < f->n_entries; i++)
		feed_entry_free(f->entries[i]);
	f->n_entries = 0;
	f->too_many_entries = false;
}

/* http_data_cb: the body goes straight into the streaming parser. */
static int
feed_data_cb(const char *data, size_t len, const char *content_type, void *arg)
{
	struct feed_rt *f = arg;

	if (f->parser == NULL) {
		struct feed_parser_options opts = { .base_url = f->st.url };
		if (http_content_type_charset(content_type, f->charset, sizeof f->charset) == 0)
			opts.charset = f->charset;
		f->parser = feed_parser_new(&opts, fetch_entry_cb, f);
	}
	/* a document that is not a feed: stop downloading it */
	if (feed_parser_push(f->parser, data, len) < 0 &&
	    feed_parser_meta(f->parser)->format == FEED_FORMAT_UNKNOWN)
		return -1;
	return 0;
}

/* feed_entry_cb: keep a copy until the transfer has ended whole. */
static int
fetch_entry_cb(const struct feed_entry *e, void *arg)
{
	struct feed_rt *f = arg;

	if (f->n_entries >= DAEMON_MAX_ENTRIES) {
		f->too_many_entries = true;
		return 0;
	}
	if (f->n_entries == f->cap_entries) {
		f->cap_entries = f->cap_entries ? 2 * f->cap_entries : 32;
		f->entries = xreallocarray(f->entries, f->cap_entries, sizeof *f->entries);
	}
	f->entries[f->n_entries++] = feed_entry_dup(e);
	return 0;
}

/* A fetch failed: count it, back off, remember why. */
static void
feed_failed(struct feed_rt *f, int status, const char *error, int64_t retry_after_ms)
{
	struct daemon *d = f->d;
	struct sched_policy pol = feed_policy(f);
	int64_t delay, now = now_ms();

	feed_discard(f);
	f->st.failures++;
	f->st.last_status = status;
	store_setstr(&f->st.last_error, error);
	delay = scaled(d, sched_after_failure(&pol, f->st.failures, retry_after_ms, &d->rng));
	f->st.next_poll_ms = now + delay;
	/* say it at the first failure and then at 2, 4, 8, ...: no log floods */
	if ((f->st.failures & (f->st.failures - 1)) == 0)
		log_warnx("feed '%s': %s (%d failure%s in a row); next try in %llds",
		    log_esc(f->name), log_esc(error), f->st.failures, f->st.failures == 1 ? "" : "s",
		    (long long)(delay / 1000));
	feed_mark_dirty(f);
	feed_set_state(f, FEED_BACKOFF);
	if (d->once)
		d->exit_code = 1;
	feed_after(f, delay);
}

/* A fetch is over (whatever its outcome): schedule the next, or finish `once`, or let a
 * stopping daemon end as soon as its last transfer is done. */
static void
feed_after(struct feed_rt *f, int64_t delay_ms)
{
	struct daemon *d = f->d;

	if (d->once) {
		feed_once_done(f);
		return;
	}
	if (d->stopping) {
		if (http_active(d->http) == 0) {
			outbox_pump(d);
			event_base_loopbreak(d->base);
		}
		return;
	}
	if (delay_ms >= 0)
		feed_schedule(f, delay_ms);
}

/* The delay after a successful poll (200 or 304): the interval, or later when the
 * publisher asks (RSS <ttl>, Cache-Control max-age); scaled for the test clock. */
static int64_t
success_delay(struct feed_rt *f, const struct http_response *r)
{
	struct sched_policy pol = feed_policy(f);

	return scaled(f->d, sched_after_success(&pol, f->ttl_ms > 0 ? f->ttl_ms : -1,
	    sched_parse_max_age(r->cache_control), &f->d->rng));
}

/* The body was not a feed (or broke beyond recovery): fail with the parser's own words.
 * The message is copied first, because feed_failed frees the parser. */
static void
feed_failed_parse(struct feed_rt *f, const struct http_response *r)
{
	const char *pe;
	char *e;

	feed_parser_finish(f->parser);	/* words a stopped parse as "not a feed: ..." */
	pe = feed_parser_error(f->parser);
	e = xstrdup(pe ? pe : "not a feed");
	feed_failed(f, (int)r->status, e, -1);
	free(e);
}

/* http_done_cb: a transfer ended. */
static void
feed_done_cb(const struct http_response *r, void *arg)
{
	struct feed_rt *f = arg;
	struct daemon *d = f->d;
	int64_t now = now_ms(), delay = 0;

	f->xfer = NULL;
	switch (r->result) {
	case HTTP_RESULT_OK:
		if (f->parser == NULL)
			f->parser = feed_parser_new(NULL, fetch_entry_cb, f);
		if (feed_parser_finish(f->parser) < 0) {
			/* validators stay as they were, no alerts */
			feed_failed_parse(f, r);
			return;
		}
		if (feed_parser_meta(f->parser)->bozo)
			log_info("feed '%s': malformed feed recovered: %s", log_esc(f->name),
			    log_esc(feed_parser_error(f->parser)));
		f->ttl_ms = feed_parser_meta(f->parser)->ttl_minutes * 60000LL;
		/* the next poll time is saved in the fetch's own transaction */
		delay = success_delay(f, r);
		f->st.next_poll_ms = now + delay;
		if (feed_commit(f, r) < 0) {
			feed_failed(f, (int)r->status, "could not save the state (see above)", -1);
			return;
		}
		break;
	case HTTP_RESULT_NOT_MODIFIED:
		if (f->st.failures > 0)
			log_info("feed '%s': recovered after %d failures", log_esc(f->name),
			    f->st.failures);
		f->st.failures = 0;
		f->st.last_status = 304;
		store_setstr(&f->st.last_error, NULL);
		f->st.last_success_ms = now;
		break;
	case HTTP_RESULT_ABORTED:
		if (f->parser && feed_parser_error(f->parser)) {
			/* we stopped the download: the body is not a feed */
			feed_failed_parse(f, r);
			return;
		}
		feed_failed(f, (int)r->status, r->error, -1);
		return;
	case HTTP_RESULT_STATUS:
		if (r->status == 410) {
			log_warnx("feed '%s': 410 Gone: the feed is disabled (remove it from the "
			    "configuration, or change its url to enable it again)", log_esc(f->name));
			feed_discard(f);
			f->st.disabled = true;
			f->st.last_status = 410;
			store_setstr(&f->st.disabled_reason, "410 Gone");
			feed_set_state(f, FEED_DISABLED);
			feed_mark_dirty(f);
			feed_after(f, -1);
			return;
		}
		feed_failed(f, (int)r->status, r->error,
		    (r->status == 429 || r->status == 503) ?
		    sched_parse_retry_after(r->retry_after, now) : -1);
		return;
	default:
		feed_failed(f, (int)r->status, r->error[0] ? r->error : "transfer failed", -1);
		return;
	}
	/* a 304: next poll at the interval, or later if the publisher asks */
	if (r->result == HTTP_RESULT_NOT_MODIFIED) {
		delay = success_delay(f, r);
		f->st.next_poll_ms = now + delay;
		feed_mark_dirty(f);
	}
	feed_discard(f);
	feed_set_state(f, FEED_IDLE);
	if (!d->once)
		outbox_pump(d);
	feed_after(f, delay);
}

/* The content hash that tells an edited item from an unchanged one. */
static uint64_t
entry_hash(const struct feed_entry *e)
{
	struct buf b;
	uint64_t h;

	buf_init(&b, 0);
	buf_appends(&b, e->title ? e->title : "");
	buf_appendc(&b, '\x1f');
	buf_appends(&b, e->link ? e->link : "");
	buf_appendc(&b, '\x1f');
	buf_appends(&b, e->summary ? e->summary : "");
	buf_appendc(&b, '\x1f');
	buf_appends(&b, e->content ? e->content : "");
	for (size_t i = 0; i < e->n_categories; i++) {
		buf_appendc(&b, '\x1f');
		buf_appends(&b, e->categories[i]);
	}
	h = store_hash64(b.data, b.len);
	buf_free(&b);
	return h;
}

/* True when entry i is among the `backlog` newest of the document: by date when every
 * entry has one, else by document order (feeds list the newest first). */
static bool
in_backlog(struct feed_rt *f, size_t i, int backlog)
{
	size_t newer = 0;
	bool dated = true;

	if (backlog <= 0)
		return false;
	for (size_t k = 0; k < f->n_entries && dated; k++)
		dated = f->entries[k]->published != FEED_NO_DATE ||
		    f->entries[k]->updated != FEED_NO_DATE;
	if (!dated)
		return i < (size_t)backlog;
	int64_t ti = f->entries[i]->published != FEED_NO_DATE ? f->entries[i]->published :
	    f->entries[i]->updated;
	for (size_t k = 0; k < f->n_entries; k++) {
		int64_t tk = f->entries[k]->published != FEED_NO_DATE ? f->entries[k]->published :
		    f->entries[k]->updated;
		if (tk > ti || (tk == ti && k < i))
			newer++;
	}
	return newer < (size_t)backlog;
}

/* One transaction for a whole fetch: items seen, alerts claimed and queued, the feed's
 * validators and schedule saved. Returns 0, or -1 (rolled back: nothing happened). */
static int
feed_commit(struct feed_rt *f, const struct http_response *r)
{
	struct daemon *d = f->d;
	struct store *st = d->store;
	const struct feed_meta *meta = feed_parser_meta(f->parser);
	bool first = !f->st.fetched_once;
	size_t n_new = 0, n_changed = 0, n_alerts = 0;
	int64_t now = now_ms();
	struct match_result res;
	int rc = -1;
	/* what the transaction changes in f->st, to put back if it fails: new validators
	 * kept in memory without their items would turn the next poll into a 304 and lose
	 * the items for good */
	char *old_url = xstrdup(f->st.url);
	char *old_etag = f->st.etag ? xstrdup(f->st.etag) : NULL;
	char *old_lm = f->st.last_modified ? xstrdup(f->st.last_modified) : NULL;

	match_result_init(&res);
	/* AUTO: fsync at commit only when items were seen anew or alerts queued */
	if (store_begin(st, STORE_SYNC_AUTO) < 0)
		goto out;
	if (r->permanent_redirect && r->effective_url && strcmp(r->effective_url, f->st.url) != 0) {
		log_info("feed '%s': moved permanently to %s", log_esc(f->name),
		    log_esc(r->effective_url));
		store_setstr(&f->st.url, r->effective_url);
	}
	store_setstr(&f->st.etag, r->etag);
	store_setstr(&f->st.last_modified, r->last_modified);
	for (size_t i = 0; i < f->n_entries; i++) {
		const struct feed_entry *e = f->entries[i];
		enum store_item_state state;
		struct watch_text text;
		size_t n;

		if (store_item_check(st, f->st.id, e->id, entry_hash(e), now, &state) < 0)
			goto out;
		if (state == STORE_ITEM_UNCHANGED)
			continue;
		if (state == STORE_ITEM_NEW)
			n_new++;
		else
			n_changed++;
		watch_text_of(e, &text);
		n = watch_entry(d->watch, e, &text, f->cf->watchlists, f->cf->n_watchlists, &res);
		char *canon = n ? url_canonical(e->link) : NULL;
		for (size_t k = 0; k < n; k++) {
			const struct match_fire *fire = &res.fires[k];
			const struct conf_watchlist *cw = conf_watchlist_find(d->conf, fire->name);
			char id[48];
			enum store_claim claim;
			struct store_alert a = {
				.feed_id = f->st.id, .item_key = e->id, .canon_link = canon,
				.watchlist = fire->name,
				.alert_id = alert_make_id(f->name, e->id, fire->name, id, sizeof id),
				.record_only = first && !in_backlog(f, i, d->conf->daemon.backlog),
			};
			if (store_alert_claim(st, &a, now, &claim) < 0) {
				watch_text_free(&text);
				free(canon);
				goto out;
			}
			if (claim != STORE_CLAIM_NEW || a.record_only)
				continue;
			struct alert_feed af = { f->name, meta->title, f->st.url };
			char *json = alert_to_json(id, now / 1000, fire, cw ? cw->priority : LOG_NOTICE,
			    &af, e, &text);
			for (size_t s = 0; s < d->n_sinks; s++) {
				bool notify = cw == NULL || cw->notify == NULL;
				for (size_t w = 0; cw && w < cw->n_notify && !notify; w++)
					notify = strcmp(cw->notify[w], d->sinks[s].sink->name) == 0;
				if (notify && store_outbox_add(st, id, d->sinks[s].sink->name, json,
				    now, now, NULL) < 0) {
					free(json);
					watch_text_free(&text);
					free(canon);
					goto out;
				}
			}
			free(json);
			n_alerts++;
			log_info("feed '%s': alert [%s] %s", log_esc(f->name), log_esc(fire->name),
			    log_esc(e->title ? e->title : e->id));
		}
		watch_text_free(&text);
		free(canon);
	}
	if (f->st.failures > 0)
		log_info("feed '%s': recovered after %d failures", log_esc(f->name), f->st.failures);
	f->st.fetched_once = true;
	f->st.failures = 0;
	f->st.last_status = (int)r->status;
	store_setstr(&f->st.last_error, NULL);
	f->st.last_success_ms = now;
	if (store_feed_save(st, &f->st) < 0)
		goto out;
	if (store_commit(st) < 0)
		goto out;
	f->dirty = false;
	rc = 0;
	if (!first && n_new > 1 && n_new == f->n_entries)
		log_warnx("feed '%s': all %zu items are new: items may have been missed (poll it "
		    "more often)", log_esc(f->name), n_new);
	if (f->too_many_entries)
		log_warnx("feed '%s': more than %d entries; the rest were ignored",
		    log_esc(f->name), DAEMON_MAX_ENTRIES);
	log_info("feed '%s': %zu items, %zu new, %zu changed, %zu alert%s%s", log_esc(f->name),
	    f->n_entries, n_new, n_changed, n_alerts, n_alerts == 1 ? "" : "s",
	    first ? " (first fetch)" : "");
out:
	if (rc < 0) {
		store_failed(d, f->name);
		store_rollback(st);
		store_setstr(&f->st.url, old_url);
		store_setstr(&f->st.etag, old_etag);
		store_setstr(&f->st.last_modified, old_lm);
		f->st.fetched_once = !first;
	}
	free(old_url);
	free(old_etag);
	free(old_lm);
	match_result_free(&res);
	return rc;
}

/* Bookkeeping that may wait (a 304, a failure, a schedule) is saved in batches: one
 * lazy transaction a second for every feed that changed, not one per feed. Losing it to
 * a crash only means a poll done again. */
static void
feed_mark_dirty(struct feed_rt *f)
{
	struct daemon *d = f->d;
	struct timeval tv = ms_tv(1000);

	f->dirty = true;
	if (!d->flush_armed && !d->once) {
		d->flush_armed = true;
		evtimer_add(d->ev_flush, &tv);
	}
}

/* Saves every dirty feed in one lazy transaction. */
static void
state_flush(struct daemon *d)
{
	bool any = false;

	d->flush_armed = false;
	for (size_t i = 0; i < d->n_feeds && !any; i++)
		any = d->feeds[i] && d->feeds[i]->dirty;
	if (!any)
		return;
	if (store_begin(d->store, STORE_SYNC_LAZY) < 0) {
		store_failed(d, "saving feed state");
		return;
	}
	for (size_t i = 0; i < d->n_feeds; i++) {
		struct feed_rt *f = d->feeds[i];
		if (f == NULL || !f->dirty)
			continue;
		if (store_feed_save(d->store, &f->st) < 0) {
			store_failed(d, f->name);
			store_rollback(d->store);
			return;
		}
	}
	if (store_commit(d->store) < 0) {
		store_failed(d, "saving feed state");
		return;
	}
	for (size_t i = 0; i < d->n_feeds; i++)
		if (d->feeds[i])
			d->feeds[i]->dirty = false;
}

/* The batch timer. */
static void
flush_cb(evutil_socket_t fd, short what, void *arg)
{
	state_flush(arg);
}

/* Logs a store failure with its severity; an I/O error ends the daemon (what is on disk
 * is uncertain; systemd restarts it and the outbox resends). */
static void
store_failed(struct daemon *d, const char *what)
{
	enum store_errkind kind = store_error_kind(d->store);

	log_errorx("state: %s: %s", log_esc(what), store_error(d->store));
	if (kind == STORE_ERR_IO || kind == STORE_ERR_CORRUPT) {
		log_errorx("state: the database cannot be trusted any more; stopping");
		d->exit_code = 1;
		event_base_loopbreak(d->base);
	}
}

/* `once`, every feed polled: deliver what is due; end the loop when no delivery is
 * still in flight (asynchronous sinks answer later). */
static void
once_deliver(struct daemon *d)
{
	int in_flight = 0;

	while (outbox_pump(d))
		;
	for (size_t s = 0; s < d->n_sinks; s++)
		in_flight += d->sinks[s].n_in_flight;
	if (in_flight == 0)
		event_base_loopbreak(d->base);
}

/* `once`: this feed is done; when all are, deliver and end the loop. */
static void
feed_once_done(struct feed_rt *f)
{
	struct daemon *d = f->d;

	if (f->polled)
		return;
	f->polled = true;
	if (--d->once_left == 0) {
		state_flush(d);
		once_deliver(d);
	}
}

/* Next delay of a sink that failed n times in a row. */
static int64_t
sink_backoff(const struct daemon *d, const struct conf_sink *cs, int attempts)
{
	int64_t delay = cs->retry_min_ms ? cs->retry_min_ms : 5000;
	int64_t cap = cs->retry_max_ms ? cs->retry_max_ms : 3600000;
	uint64_t rng = d->rng;

	for (int i = 1; i < attempts && delay < cap; i++)
		delay *= 2;
	if (delay > cap)
		delay = cap;
	return delay / 2 + (int64_t)((double)(delay / 2) * sched_random(&rng));
}

/* Hands due outbox rows to their sinks. A sink that asks for "later" is left alone until
 * its backoff ends, so one slow receiver never holds up another. */
static bool
outbox_pump(struct daemon *d)
{
	int64_t now = now_ms(), next = scaled(d, DAEMON_OUTBOX_SWEEP_MS);
	bool in_tx = false;
	size_t handled = 0;

	for (size_t s = 0; s < d->n_sinks; s++) {
		struct sink_rt *sr = &d->sinks[s];
		struct store_outbox_cursor cur = { 0 };
		bool stop = false;

		if (sr->blocked_until_ms > now) {
			if (sr->blocked_until_ms - now < next)
				next = sr->blocked_until_ms - now;
			continue;
		}
		while (!stop) {
			struct store_outbox_row *rows = NULL;
			size_t n = 0;
			if (handled >= DAEMON_OUTBOX_PER_PUMP) {
				next = 0;	/* more to do: come back at once, after other events */
				break;
			}
			if (store_outbox_next_due(d->store, sr->sink->name, now, DAEMON_OUTBOX_BATCH,
			    &cur, &rows, &n) < 0) {
				store_failed(d, "reading the outbox");
				break;
			}
			if (n == 0)
				break;
			if (!in_tx && store_begin(d->store, STORE_SYNC_LAZY) == 0)
				in_tx = true;
			for (size_t i = 0; i < n && !stop; i++) {
				char err[512];
				enum sink_outcome out;
				handled++;
				if (sink_is_async(sr->sink)) {
					bool busy = false;
					for (struct delivery *x = sr->in_flight; x && !busy; x = x->next)
						busy = x->row_id == rows[i].id;
					if (busy)
						continue;
					if (sr->sink->disabled || sr->n_in_flight >= sr->sink->max_in_flight) {
						stop = true;
						break;
					}
					struct delivery *dv = xcalloc(1, sizeof *dv);
					*dv = (struct delivery){ d, sr, sr->in_flight, rows[i].id,
						rows[i].attempts, rows[i].since_ms, xstrdup(rows[i].alert_id) };
					if (sink_start(sr->sink, rows[i].payload, rows[i].attempts + 1,
					    delivery_done_cb, dv, &out, err, sizeof err) == 0) {
						sr->in_flight = dv;
						sr->n_in_flight++;
						continue;
					}
					free(dv->alert_id);
					free(dv);
				} else {
					out = sink_deliver(sr->sink, rows[i].payload, rows[i].attempts + 1,
					    err, sizeof err);
				}
				outbox_outcome(d, sr, rows[i].id, rows[i].attempts, rows[i].since_ms,
				    rows[i].alert_id, out, -1, err, now);
				if (out == SINK_RETRY) {
					if (sr->blocked_until_ms - now < next)
						next = sr->blocked_until_ms - now;
					stop = true;
				}
			}
			store_outbox_rows_free(rows, n);
		}
	}
	if (in_tx && store_commit(d->store) < 0)
		store_failed(d, "recording deliveries");
	if (!d->once)
		outbox_arm(d, next);
	return handled >= DAEMON_OUTBOX_PER_PUMP;
}

static void
outbox_arm(struct daemon *d, int64_t delay_ms)
{
	struct timeval tv = ms_tv(delay_ms > 0 ? delay_ms + DAEMON_TIMER_MARGIN_MS : 0);

	evtimer_add(d->ev_outbox, &tv);
}

/* Records what became of one delivery: delivered, retry later (this row and, for a while,
 * the whole sink), or given up. */
static void
outbox_outcome(struct daemon *d, struct sink_rt *sr, int64_t row_id, int attempts,
    int64_t since_ms, const char *alert_id, enum sink_outcome out, int64_t retry_after_ms,
    const char *err, int64_t now)
{
	const char *name = sr->sink->name;

	if (out == SINK_DELIVERED) {
		if (store_outbox_delivered(d->store, row_id) < 0)
			store_failed(d, "recording a delivery");
		if (sr->failures > 0)
			log_info("sink '%s': delivering again", log_esc(name));
		sr->failures = 0;
		return;
	}
	if (out == SINK_DEAD) {
		log_errorx("sink '%s': alert %s cannot be delivered: %s", log_esc(name),
		    log_esc(alert_id), log_esc(err));
		if (store_outbox_dead(d->store, row_id, err) < 0)
			store_failed(d, "recording a dead delivery");
		if (sr->sink->disabled)
			sink_dead_all(d, sr, err);
		return;
	}
	sr->failures++;
	int64_t delay = scaled(d, sink_backoff(d, &sr->sink->conf, attempts + 1));
	if (retry_after_ms >= 0 && scaled(d, retry_after_ms) > delay)
		delay = scaled(d, retry_after_ms);
	int64_t retry_for = sr->sink->conf.retry_for_ms;
	if (retry_for > 0 && now - since_ms > scaled(d, retry_for)) {
		log_errorx("sink '%s': alert %s given up after %d attempts: %s", log_esc(name),
		    log_esc(alert_id), attempts + 1, log_esc(err));
		if (store_outbox_dead(d->store, row_id, err) < 0)
			store_failed(d, "recording a dead delivery");
	} else if (store_outbox_retry(d->store, row_id, now + delay, err) < 0) {
		store_failed(d, "recording a retry");
	}
	if ((sr->failures & (sr->failures - 1)) == 0)
		log_warnx("sink '%s': %s; will retry (%d failure%s in a row)", log_esc(name),
		    log_esc(err), sr->failures, sr->failures == 1 ? "" : "s");
	if (now + delay > sr->blocked_until_ms)
		sr->blocked_until_ms = now + delay;
}

/* The receiver is gone for good (410): every pending row of the sink turns dead, kept
 * for `outbox retry` once the operator has fixed the URL. */
static int
collect_ids_cb(const struct store_outbox_row *row, void *arg)
{
	struct buf *ids = arg;

	buf_append(ids, &row->id, sizeof row->id);
	return 0;
}

static void
sink_dead_all(struct daemon *d, struct sink_rt *sr, const char *why)
{
	struct buf ids;

	buf_init(&ids, 0);
	if (store_outbox_list(d->store, STORE_OUTBOX_PENDING, sr->sink->name, collect_ids_cb,
	    &ids) == 0) {
		for (size_t k = 0; k + sizeof(int64_t) <= ids.len; k += sizeof(int64_t)) {
			int64_t id;
			memcpy(&id, ids.data + k, sizeof id);
			store_outbox_dead(d->store, id, why);
		}
	}
	if (ids.len)
		log_warnx("sink '%s': disabled; %zu pending alerts kept as dead rows (fix the "
		    "sink, reload, then: feedwatchd outbox retry --all-dead)",
		    log_esc(sr->sink->name), ids.len / sizeof(int64_t));
	buf_free(&ids);
}

/* sink_done_cb: an asynchronous delivery ended. */
static void
delivery_done_cb(void *arg, enum sink_outcome out, int64_t retry_after_ms, const char *err)
{
	struct delivery *dv = arg, **pp;
	struct daemon *d = dv->d;
	struct sink_rt *sr = dv->sr;
	bool own_tx = !store_in_transaction(d->store);

	for (pp = &sr->in_flight; *pp; pp = &(*pp)->next)
		if (*pp == dv) {
			*pp = dv->next;
			break;
		}
	sr->n_in_flight--;
	if (own_tx)
		store_begin(d->store, STORE_SYNC_LAZY);
	outbox_outcome(d, sr, dv->row_id, dv->attempts, dv->since_ms, dv->alert_id, out,
	    retry_after_ms, err ? err : "", now_ms());
	if (own_tx && store_commit(d->store) < 0)
		store_failed(d, "recording a delivery");
	free(dv->alert_id);
	free(dv);
	if (d->stopping) {
		if (http_active(d->http) == 0)
			event_base_loopbreak(d->base);
		return;
	}
	if (d->once) {
		if (d->once_left == 0)
			once_deliver(d);
		return;
	}
	/* more may be due: from the loop, not from inside the sink's callback chain */
	outbox_arm(d, 0);
}

/* The outbox timer: deliver what is due. */
static void
outbox_cb(evutil_socket_t fd, short what, void *arg)
{
	outbox_pump(arg);
}

/* Daily pruning, in small lazy transactions. */
static void
prune_cb(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	struct store_prune_stats stats = { 0 };
	struct timeval tv;

	if (store_prune(d->store, now_ms(), NULL, 0, &stats) < 0)
		store_failed(d, "pruning");
	else if (stats.items || stats.tombstones || stats.alerts || stats.links)
		log_info("state: pruned %lld items, %lld tombstones, %lld ledger rows",
		    (long long)stats.items, (long long)stats.tombstones, (long long)stats.alerts);
	tv = ms_tv(stats.more ? 1000 : scaled(d, DAEMON_PRUNE_MS));
	evtimer_add(d->ev_prune, &tv);
}

/* SIGTERM, SIGINT, SIGHUP: loop events, so the work happens here, not in a handler. */
static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;

	if (sig == SIGHUP)
		daemon_reload(d);
	else
		daemon_stop(d);
}

/* Stops scheduling; in-flight transfers may finish for DAEMON_STOP_GRACE_MS. */
static void
daemon_stop(struct daemon *d)
{
	struct timeval tv = ms_tv(DAEMON_STOP_GRACE_MS);

	if (d->stopping) {
		event_base_loopbreak(d->base);
		return;
	}
	log_info("stopping");
	notify_send("STOPPING=1");
	d->stopping = true;
	for (size_t i = 0; i < d->n_feeds; i++)
		evtimer_del(d->feeds[i]->timer);
	evtimer_del(d->ev_prune);
	if (http_active(d->http) == 0) {
		outbox_pump(d);
		event_base_loopbreak(d->base);
		return;
	}
	d->ev_stop = evtimer_new(d->base, stop_cb, d);
	evtimer_add(d->ev_stop, &tv);
}

/* The stop grace period is over, or it is checked again. */
static void
stop_cb(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;

	if (http_active(d->http) > 0)
		log_warnx("stopping with %d transfers unfinished (they run again at the next "
		    "start)", http_active(d->http));
	event_base_loopbreak(d->base);
}

static int
sinks_open(struct daemon *d, const struct conf *c, struct sink_rt **out, size_t *n_out)
{
	struct sink_rt *s = xcalloc(c->n_sinks + 1, sizeof *s);
	struct sink_env env = { d->base, d->http };
	char err[512];

	for (size_t i = 0; i < c->n_sinks; i++) {
		s[i].sink = sink_open(&c->sinks[i], &env, err, sizeof err);
		if (s[i].sink == NULL) {
			log_errorx("%s:%d: %s", c->sinks[i].where.file, c->sinks[i].where.line, err);
			sinks_close(s, i);
			return -1;
		}
	}
	*out = s;
	*n_out = c->n_sinks;
	return 0;
}

static void
sinks_close(struct sink_rt *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		/* closing abandons the deliveries (their rows stay pending) */
		sink_close(s[i].sink);
		while (s[i].in_flight) {
			struct delivery *dv = s[i].in_flight;
			s[i].in_flight = dv->next;
			free(dv->alert_id);
			free(dv);
		}
	}
	free(s);
}

/* Makes the run-time state of a configured feed, with its stored state. */
static struct feed_rt *
feed_rt_new(struct daemon *d, const struct conf_feed *cf)
{
	struct feed_rt *f = xcalloc(1, sizeof *f);

	f->d = d;
	f->name = xstrdup(cf->name);
	f->cf = cf;
	f->timer = evtimer_new(d->base, feed_poll_cb, f);
	if (store_feed_get(d->store, cf->name, cf->url, now_ms(), &f->st) < 0) {
		store_failed(d, cf->name);
		feed_rt_free(f);
		return NULL;
	}
	if (f->st.url_reset)
		log_info("feed '%s': the configured url changed; polling it afresh", log_esc(f->name));
	if (f->st.disabled) {
		f->state = FEED_DISABLED;
		log_warnx("feed '%s': disabled (%s); change its url to enable it again",
		    log_esc(f->name), f->st.disabled_reason ? f->st.disabled_reason : "?");
	}
	return f;
}

static void
feed_rt_free(struct feed_rt *f)
{
	if (f == NULL)
		return;
	if (f->xfer)
		http_cancel(f->xfer);
	feed_discard(f);
	free(f->entries);
	event_free(f->timer);
	store_feed_free(&f->st);
	free(f->name);
	free(f);
}

/* The first poll of a feed: when the stored schedule says, spread over the jitter
 * window when it is due now (no poll storm at start-up or after a restart). */
static void
feed_start(struct feed_rt *f)
{
	struct daemon *d = f->d;
	struct sched_policy pol = feed_policy(f);
	int64_t now = now_ms(), delay;

	if (f->state == FEED_DISABLED)
		return;
	if (d->once) {
		feed_schedule(f, 0);
		return;
	}
	if (f->st.next_poll_ms > now)
		delay = f->st.next_poll_ms - now;
	else
		delay = scaled(d, sched_initial(&pol, &d->rng));
	feed_schedule(f, delay);
}

/* SIGHUP: build the new world beside the old one; swap only when all of it is valid. */
static void
daemon_reload(struct daemon *d)
{
	struct conf_errors errs = { 0 };
	struct conf *nc;
	struct watch *nw = NULL;
	struct sink_rt *ns = NULL;
	size_t n_ns = 0;
	struct feed_rt **nf;
	size_t n_nf = 0;

	struct timespec mono;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	notify_send("RELOADING=1\nMONOTONIC_USEC=%llu", (unsigned long long)mono.tv_sec * 1000000ULL +
	    (unsigned long long)(mono.tv_nsec / 1000));
	log_info("reloading %s", d->conf_path);
	state_flush(d);
	nc = conf_load(d->conf_path, &errs);
	if (nc)
		nw = watch_new(nc, &errs);
	if (errs.n) {
		for (size_t i = 0; i < errs.n; i++)
			log_errorx("reload: %s", errs.v[i]);
		log_errorx("reload failed: keeping the running configuration");
		conf_errors_free(&errs);
		watch_free(nw);
		conf_free(nc);
		notify_send("READY=1");
		status_update(d);
		return;
	}
	if (sinks_open(d, nc, &ns, &n_ns) < 0) {
		log_errorx("reload failed: keeping the running configuration");
		watch_free(nw);
		conf_free(nc);
		notify_send("READY=1");
		status_update(d);
		return;
	}
	/* feeds: keep the ones that stay (with their state), add new ones, drop the rest */
	nf = xcalloc(nc->n_feeds + 1, sizeof *nf);
	for (size_t i = 0; i < nc->n_feeds; i++) {
		struct feed_rt *f = NULL;
		for (size_t k = 0; k < d->n_feeds; k++)
			if (d->feeds[k] && strcmp(d->feeds[k]->name, nc->feeds[i].name) == 0) {
				f = d->feeds[k];
				d->feeds[k] = NULL;
				break;
			}
		if (f && strcmp(f->cf->url, nc->feeds[i].url) != 0) {
			/* a new url is a new feed for fetching purposes */
			feed_rt_free(f);
			f = NULL;
		}
		if (f) {
			f->cf = &nc->feeds[i];
		} else {
			f = feed_rt_new(d, &nc->feeds[i]);
			if (f == NULL)
				continue;
			n_nf++;
			nf[i] = f;
			continue;
		}
		nf[i] = f;
	}
	for (size_t k = 0; k < d->n_feeds; k++)
		if (d->feeds[k]) {
			log_info("feed '%s': removed from the configuration", log_esc(d->feeds[k]->name));
			feed_rt_free(d->feeds[k]);
		}
	free(d->feeds);
	d->feeds = nf;
	d->n_feeds = nc->n_feeds;
	sinks_close(d->sinks, d->n_sinks);
	d->sinks = ns;
	d->n_sinks = n_ns;
	watch_free(d->watch);
	d->watch = nw;
	conf_free(d->conf);
	d->conf = nc;
	http_set_limits(d->http, nc->daemon.max_concurrent, nc->daemon.max_per_host);
	for (size_t i = 0; i < d->n_feeds; i++)
		if (d->feeds[i] && !evtimer_pending(d->feeds[i]->timer, NULL) &&
		    d->feeds[i]->state != FEED_FETCHING)
			feed_start(d->feeds[i]);
	log_info("configuration reloaded: %zu feeds, %zu watchlists, %zu sinks (%zu new feeds)",
	    nc->n_feeds, nc->n_watchlists, nc->n_sinks, n_nf);
	outbox_pump(d);
	notify_send("READY=1");
	status_update(d);
}

int
daemon_run(const char *conf_path, bool once)
{
	struct daemon d = { .conf_path = conf_path, .once = once };
	struct conf_errors errs = { 0 };
	/* a short busy timeout: the loop must not stall long behind another process's
	 * lock (an `outbox` command); a write that times out is retried later */
	struct store_options so = { .lock = !once, .busy_timeout_ms = 1000 };
	char err[512];
	struct timeval tv;

	d.rng = sched_seed();
	d.scale = sched_time_scale();
	d.conf = conf_load(conf_path, &errs);
	if (d.conf)
		d.watch = watch_new(d.conf, &errs);
	if (errs.n) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.v[i]);
		conf_errors_free(&errs);
		watch_free(d.watch);
		conf_free(d.conf);
		return 2;
	}
	for (size_t i = 0; i < d.conf->n_warnings; i++)
		log_warnx("%s", d.conf->warnings[i]);
	d.store = store_open(d.conf->daemon.state_dir, &so, err, sizeof err);
	if (d.store == NULL) {
		log_errorx("%s", err);
		watch_free(d.watch);
		conf_free(d.conf);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	event_set_log_callback(libevent_log_cb);
	d.base = event_base_new();
	if (d.base == NULL)
		fatalx("libevent: cannot create an event base");
	d.http = http_new(d.base, d.conf->daemon.max_concurrent, d.conf->daemon.max_per_host);
	if (sinks_open(&d, d.conf, &d.sinks, &d.n_sinks) < 0) {
		http_free(d.http);
		store_close(d.store);
		watch_free(d.watch);
		conf_free(d.conf);
		event_base_free(d.base);
		return 2;
	}
	d.ev_term = evsignal_new(d.base, SIGTERM, signal_cb, &d);
	d.ev_int = evsignal_new(d.base, SIGINT, signal_cb, &d);
	d.ev_hup = evsignal_new(d.base, SIGHUP, signal_cb, &d);
	evsignal_add(d.ev_term, NULL);
	evsignal_add(d.ev_int, NULL);
	evsignal_add(d.ev_hup, NULL);
	d.ev_outbox = evtimer_new(d.base, outbox_cb, &d);
	d.ev_prune = evtimer_new(d.base, prune_cb, &d);

	d.ev_flush = evtimer_new(d.base, flush_cb, &d);
	d.feeds = xcalloc(d.conf->n_feeds + 1, sizeof *d.feeds);
	d.n_feeds = d.conf->n_feeds;
	/* one transaction for all feeds' state (new feeds are created in it) */
	if (store_begin(d.store, STORE_SYNC_LAZY) < 0)
		store_failed(&d, "reading feed state");
	for (size_t i = 0; i < d.n_feeds; i++) {
		d.feeds[i] = feed_rt_new(&d, &d.conf->feeds[i]);
		if (d.feeds[i] && !(once && d.feeds[i]->state == FEED_DISABLED))
			d.once_left++;
	}
	if (store_in_transaction(d.store) && store_commit(d.store) < 0)
		store_failed(&d, "reading feed state");
	for (size_t i = 0; i < d.n_feeds; i++)
		if (d.feeds[i])
			feed_start(d.feeds[i]);
	log_info("started: %zu feeds, %zu watchlists, %zu sinks; state in %s", d.n_feeds,
	    d.conf->n_watchlists, d.n_sinks, store_path(d.store));
	if (!once) {
		/* configuration and state loaded, first polls armed: ready */
		d.watchdog_usec = notify_init();
		d.ev_status = event_new(d.base, -1, EV_PERSIST, status_cb, &d);
		tv = ms_tv(10000);
		evtimer_add(d.ev_status, &tv);
		if (d.watchdog_usec > 0) {
			d.ev_watchdog = event_new(d.base, -1, EV_PERSIST, watchdog_cb, &d);
			tv = ms_tv((int64_t)(d.watchdog_usec / 2000));
			evtimer_add(d.ev_watchdog, &tv);
		}
		notify_send("READY=1");
		status_update(&d);
	}
	/* deliver what a previous run left pending, then keep the outbox moving */
	outbox_pump(&d);
	if (!once) {
		tv = ms_tv(60000);
		evtimer_add(d.ev_prune, &tv);
	}
	if (once && d.once_left == 0)
		log_warnx("no feeds to poll");
	else
		event_base_dispatch(d.base);

	if (once) {
		int64_t pending = 0;
		while (outbox_pump(&d))
			;
		if (store_outbox_count(d.store, NULL, &pending, NULL) == 0 && pending > 0) {
			log_warnx("%lld alert deliveries are still pending (they are kept for the "
			    "next run)", (long long)pending);
			d.exit_code = 1;
		}
	}
	state_flush(&d);
	for (size_t i = 0; i < d.n_feeds; i++)
		feed_rt_free(d.feeds[i]);
	free(d.feeds);
	sinks_close(d.sinks, d.n_sinks);
	http_free(d.http);
	event_free(d.ev_flush);
	event_free(d.ev_term);
	event_free(d.ev_int);
	event_free(d.ev_hup);
	event_free(d.ev_outbox);
	event_free(d.ev_prune);
	if (d.ev_stop)
		event_free(d.ev_stop);
	if (d.ev_watchdog)
		event_free(d.ev_watchdog);
	if (d.ev_status)
		event_free(d.ev_status);
	store_close(d.store);
	watch_free(d.watch);
	conf_free(d.conf);
	event_base_free(d.base);
	log_info("stopped");
	return d.exit_code;
}
