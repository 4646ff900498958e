/* sink.h — where alerts go. A sink is a backend behind a small ops table (open,
 * deliver, close); a new kind of sink is one new file and one line in the table in
 * sink.c. Sinks render from the alert JSON kept in the outbox, and none of them blocks
 * the event loop: a delivery either happens now or is reported as "retry later". */
#ifndef FEEDWATCHD_SINK_H
#define FEEDWATCHD_SINK_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"

enum sink_outcome {
	SINK_DELIVERED,
	SINK_RETRY,	/* keep the alert, try again later */
	SINK_DEAD,	/* this alert can never be delivered */
};

/* An alert as sinks read it, parsed from the outbox JSON; lent for one call. */
struct sink_alert {
	const char *json;		/* the whole alert object, one line */
	const char *id;			/* the alert id: stable across retries (webhook-id) */
	int attempt;			/* 1 for the first try */
	const char *watchlist;
	int priority;			/* syslog severity */
	const char *const *terms;
	size_t n_terms;
	const char *title;
	const char *link;
	const char *feed_name;
	const char *item_id;
};

struct sink;
struct event_base;
struct http;

/* What the daemon lends a sink for its life: the loop and the shared HTTP fetcher. */
struct sink_env {
	struct event_base *base;
	struct http *http;
};

/* The end of an asynchronous delivery, called from the event loop. retry_after_ms is
 * the receiver's Retry-After (a floor for the next attempt), or -1. */
typedef void (*sink_done_cb)(void *arg, enum sink_outcome out, int64_t retry_after_ms,
    const char *err);

struct sink_ops {
	const char *name;
	/* Sets s->impl; returns 0, or -1 with a message in err. */
	int (*open)(struct sink *s, char *err, size_t errlen);
	/* Synchronous backends: delivers one alert now; on SINK_RETRY or SINK_DEAD, a
	 * reason in err. NULL for asynchronous backends. */
	enum sink_outcome (*deliver)(struct sink *s, const struct sink_alert *a, char *err,
	    size_t errlen);
	/* Asynchronous backends: starts one delivery (copying what it needs of a) and
	 * returns 0; done is called exactly once, later, unless the sink is closed first.
	 * Returns -1 with err when it cannot start (the daemon retries later). */
	int (*start)(struct sink *s, const struct sink_alert *a, sink_done_cb done, void *arg,
	    char *err, size_t errlen);
	/* Closes; pending asynchronous deliveries are abandoned without their callbacks
	 * (their outbox rows stay pending and are retried). */
	void (*close)(struct sink *s);
};

struct sink {
	const struct sink_ops *ops;
	char *name;
	struct conf_sink conf;		/* a shallow copy: strings belong to the conf */
	struct sink_env env;
	int max_in_flight;		/* asynchronous deliveries at once (the backend sets it) */
	bool disabled;			/* the receiver said 410 Gone: deliver nothing more */
	void *impl;
};

/* Opens the sink of a configuration section. Returns NULL with a message in err. The
 * conf it was made from must outlive it. */
struct sink *sink_open(const struct conf_sink *cs, const struct sink_env *env, char *err,
    size_t errlen);
/* True for backends that deliver asynchronously (ops->start). */
bool sink_is_async(const struct sink *s);
/* Parses the alert JSON and delivers it (synchronous backends). */
enum sink_outcome sink_deliver(struct sink *s, const char *alert_json, int attempt, char *err,
    size_t errlen);
/* Parses the alert JSON and starts its delivery (asynchronous backends). Returns 0 when
 * started (done follows), or -1: then *now_out says what happened at once (a broken
 * row: SINK_DEAD; could not start: SINK_RETRY) with err. */
int sink_start(struct sink *s, const char *alert_json, int attempt, sink_done_cb done,
    void *arg, enum sink_outcome *now_out, char *err, size_t errlen);
void sink_close(struct sink *s);

extern const struct sink_ops sink_stdout_ops;
extern const struct sink_ops sink_syslog_ops;
extern const struct sink_ops sink_webhook_ops;

#endif
