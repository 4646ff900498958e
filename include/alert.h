/* alert.h — one alert as SPEC.md's JSON object: the durable record that sinks render. */
#ifndef FEEDWATCHD_ALERT_H
#define FEEDWATCHD_ALERT_H

#include <stdint.h>

#include "feed.h"
#include "match.h"
#include "watch.h"

struct alert_feed {
	const char *name;
	const char *title;	/* may be NULL */
	const char *url;
};

/* A stable id for (feed, item, watchlist): "fw_" + 32 hex digits, no dots, so it serves
 * as the Standard Webhooks webhook-id. Written into out (at least 40 bytes). */
char *alert_make_id(const char *feed_name, const char *item_id, const char *watchlist,
    char *out, size_t outlen);

/* "warning", "notice", ... for a syslog severity. */
const char *alert_priority_name(int priority);

/* Returns the alert as one line of compact JSON (malloc'd, the caller frees it). */
char *alert_to_json(const char *id, int64_t unix_time, const struct match_fire *fire,
    int priority, const struct alert_feed *feed, const struct feed_entry *e,
    const struct watch_text *text);

#endif
