/* alert.c — builds the alert JSON of SPEC.md (jansson). */
#include "alert.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "date.h"
#include "util.h"

static json_t *jstr(const char *s);

/* A JSON string (valid UTF-8 guaranteed), or null. */
static json_t *
jstr(const char *s)
{
	json_t *v;
	char *t;

	if (s == NULL)
		return json_null();
	v = json_string(s);
	if (v)
		return v;
	t = utf8_sanitize(s, strlen(s));
	v = json_string(t);
	free(t);
	return v;
}

char *
alert_make_id(const char *feed_name, const char *item_id, const char *watchlist, char *out,
    size_t outlen)
{
	char *key = xasprintf("%s\n%s\n%s", feed_name, item_id, watchlist);
	char hex[65];

	crypto_sha256_hex(key, strlen(key), hex);
	free(key);
	snprintf(out, outlen, "fw_%.32s", hex);
	return out;
}

const char *
alert_priority_name(int priority)
{
	static const char *const names[] = { "emerg", "alert", "crit", "err", "warning",
		"notice", "info", "debug" };

	return priority >= 0 && priority < 8 ? names[priority] : "notice";
}

char *
alert_to_json(const char *id, int64_t unix_time, const struct match_fire *fire, int priority,
    const struct alert_feed *feed, const struct feed_entry *e, const struct watch_text *text)
{
	char when[40], pub[40];
	json_t *o, *matched, *cats;
	int64_t published = e->published != FEED_NO_DATE ? e->published : e->updated;
	char *s;

	matched = json_array();
	for (size_t i = 0; i < fire->n_terms; i++)
		json_array_append_new(matched, jstr(fire->terms[i].term));
	cats = json_array();
	for (size_t i = 0; i < e->n_categories; i++)
		json_array_append_new(cats, jstr(e->categories[i]));
	o = json_pack("{s:o, s:s, s:o, s:s, s:o, s:{s:o, s:o, s:o}, s:{s:o, s:o, s:o, s:o, s:o, s:o}, s:o}",
	    "id", jstr(id),
	    "time", date_format_rfc3339(unix_time, when, sizeof when),
	    "watchlist", jstr(fire->name),
	    "priority", alert_priority_name(priority),
	    "matched", matched,
	    "feed", "name", jstr(feed->name), "title", jstr(feed->title), "url", jstr(feed->url),
	    "item", "id", jstr(e->id), "title", jstr(e->title), "link", jstr(e->link),
	    "published", published != FEED_NO_DATE ?
		json_string(date_format_rfc3339(published, pub, sizeof pub)) : json_null(),
	    "summary", jstr(text->summary_excerpt ? text->summary_excerpt : ""),
	    "categories", cats,
	    "snippet", jstr(fire->snippet ? fire->snippet : ""));
	if (o == NULL)
		return xstrdup("{}");
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return s ? s : xstrdup("{}");
}
