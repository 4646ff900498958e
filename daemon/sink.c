/* sink.c — the sink framework: picks the backend of a [sink] section and hands it alerts
 * parsed from their outbox JSON. */
#include "sink.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "sink_syslog.h"
#include "util.h"

#define SINK_MAX_TERMS 64

struct sink *
sink_open(const struct conf_sink *cs, const struct sink_env *env, char *err, size_t errlen)
{
	struct sink *s = xcalloc(1, sizeof *s);

	switch (cs->type) {
	case SINK_TYPE_STDOUT: s->ops = &sink_stdout_ops; break;
	case SINK_TYPE_SYSLOG: s->ops = &sink_syslog_ops; break;
	case SINK_TYPE_WEBHOOK: s->ops = &sink_webhook_ops; break;
	default:
		snprintf(err, errlen, "sink '%s': this kind of sink is not available yet", cs->name);
		free(s);
		return NULL;
	}
	s->name = xstrdup(cs->name);
	s->conf = *cs;
	if (env)
		s->env = *env;
	s->max_in_flight = 1;
	if (s->ops->open(s, err, errlen) < 0) {
		free(s->name);
		free(s);
		return NULL;
	}
	return s;
}

void
sink_close(struct sink *s)
{
	if (s == NULL)
		return;
	s->ops->close(s);
	free(s->name);
	free(s);
}

/* A string member of o, or NULL. */
static const char *
jget(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

bool
sink_is_async(const struct sink *s)
{
	return s->ops->start != NULL;
}

/* Parses an alert for the backends; returns the JSON root to free, or NULL. */
static json_t *sink_parse(const char *alert_json, int attempt, struct sink_alert *a,
    const char **terms, char *err, size_t errlen);

enum sink_outcome
sink_deliver(struct sink *s, const char *alert_json, int attempt, char *err, size_t errlen)
{
	const char *terms[SINK_MAX_TERMS];
	struct sink_alert a;
	json_t *root = sink_parse(alert_json, attempt, &a, terms, err, errlen);
	enum sink_outcome out;

	if (root == NULL)
		return SINK_DEAD;
	err[0] = '\0';
	out = s->ops->deliver(s, &a, err, errlen);
	json_decref(root);
	return out;
}

int
sink_start(struct sink *s, const char *alert_json, int attempt, sink_done_cb done, void *arg,
    enum sink_outcome *now_out, char *err, size_t errlen)
{
	const char *terms[SINK_MAX_TERMS];
	struct sink_alert a;
	json_t *root = sink_parse(alert_json, attempt, &a, terms, err, errlen);
	int rc;

	if (root == NULL) {
		*now_out = SINK_DEAD;
		return -1;
	}
	err[0] = '\0';
	rc = s->ops->start(s, &a, done, arg, err, errlen);
	*now_out = SINK_RETRY;
	json_decref(root);
	return rc;
}

static json_t *
sink_parse(const char *alert_json, int attempt, struct sink_alert *out, const char **terms,
    char *err, size_t errlen)
{
	static const char *const pri_names[] = { "emerg", "alert", "crit", "err", "warning",
		"notice", "info", "debug" };
	struct sink_alert a = { .json = alert_json, .priority = 5, .attempt = attempt };
	json_error_t jerr;
	json_t *root, *item, *feed, *matched, *t;
	const char *pri;
	size_t i;

	root = json_loads(alert_json, 0, &jerr);
	if (root == NULL || !json_is_object(root)) {
		snprintf(err, errlen, "outbox row is not alert JSON: %s", root ? "not an object" :
		    jerr.text);
		json_decref(root);
		return NULL;
	}
	item = json_object_get(root, "item");
	feed = json_object_get(root, "feed");
	matched = json_object_get(root, "matched");
	a.watchlist = jget(root, "watchlist");
	pri = jget(root, "priority");
	for (i = 0; pri && i < 8; i++)
		if (strcmp(pri, pri_names[i]) == 0)
			a.priority = (int)i;
	json_array_foreach(matched, i, t) {
		if (a.n_terms < SINK_MAX_TERMS && json_is_string(t))
			terms[a.n_terms++] = json_string_value(t);
	}
	a.terms = terms;
	a.title = jget(item, "title");
	a.link = jget(item, "link");
	a.item_id = jget(item, "id");
	a.feed_name = jget(feed, "name");
	a.id = jget(root, "id");
	if (a.watchlist == NULL)
		a.watchlist = "?";
	if (a.feed_name == NULL)
		a.feed_name = "?";
	if (a.id == NULL)
		a.id = "?";
	*out = a;
	return root;
}

/* --- the syslog backend's ops (the formatting and transport live in sink_syslog.c) --- */

static int
syslog_open(struct sink *s, char *err, size_t errlen)
{
	s->impl = sink_syslog_open(&s->conf, 0, err, errlen);
	return s->impl ? 0 : -1;
}

static enum sink_outcome
syslog_deliver(struct sink *s, const struct sink_alert *a, char *err, size_t errlen)
{
	struct sink_syslog_alert sa = {
		.severity = a->priority, .watchlist = a->watchlist, .terms = a->terms,
		.n_terms = a->n_terms, .title = a->title, .link = a->link,
		.feed_name = a->feed_name, .item_id = a->item_id,
	};

	switch (sink_syslog_emit(s->impl, &sa)) {
	case SINK_SYSLOG_SENT:
		return SINK_DELIVERED;
	case SINK_SYSLOG_RETRY_LATER:
		snprintf(err, errlen, "%s", sink_syslog_error(s->impl));
		return SINK_RETRY;
	case SINK_SYSLOG_FAILED:
		break;
	}
	snprintf(err, errlen, "%s", sink_syslog_error(s->impl));
	/* a broken socket path may be fixed by the operator: keep the alert */
	return SINK_RETRY;
}

static void
syslog_close(struct sink *s)
{
	sink_syslog_close(s->impl);
}

const struct sink_ops sink_syslog_ops = { "syslog", syslog_open, syslog_deliver, NULL,
	syslog_close };
