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

struct sink_ops {
	const char *name;
	/* Sets s->impl; returns 0, or -1 with a message in err. */
	int (*open)(struct sink *s, char *err, size_t errlen);
	/* Delivers one alert; on SINK_RETRY or SINK_DEAD, a reason in err. */
	enum sink_outcome (*deliver)(struct sink *s, const struct sink_alert *a, char *err,
	    size_t errlen);
	void (*close)(struct sink *s);
};

struct sink {
	const struct sink_ops *ops;
	char *name;
	struct conf_sink conf;		/* a shallow copy: strings belong to the conf */
	void *impl;
};

/* Opens the sink of a configuration section. Returns NULL with a message in err. The
 * conf it was made from must outlive it. */
struct sink *sink_open(const struct conf_sink *cs, char *err, size_t errlen);
/* Parses the alert JSON and delivers it. */
enum sink_outcome sink_deliver(struct sink *s, const char *alert_json, char *err, size_t errlen);
void sink_close(struct sink *s);

extern const struct sink_ops sink_stdout_ops;
extern const struct sink_ops sink_syslog_ops;

#endif
