/* cmd_check.c — `feedwatchd check`: load and validate the configuration, print a short
 * summary and the warnings; every error on its own stderr line; exit 2 when broken. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "conf.h"
#include "log.h"
#include "sink_webhook.h"
#include "url.h"
#include "util.h"
#include "watch.h"

static void check_summary(const struct conf *c);

/* Prints what the configuration will do, one line per object. */
static void
check_summary(const struct conf *c)
{
	char ms[32];

	printf("%s: OK: %zu feeds, %zu watchlists, %zu sinks\n", c->path, c->n_feeds,
	    c->n_watchlists, c->n_sinks);
	for (size_t i = 0; i < c->n_feeds; i++) {
		const struct conf_feed *f = &c->feeds[i];
		int64_t iv = f->interval_ms ? f->interval_ms : c->daemon.interval_ms;
		snprintf(ms, sizeof ms, "%llds", (long long)(iv / 1000));
		printf("  feed '%s': %s every %s, watchlists: ", f->name, log_esc(f->url), ms);
		if (f->watchlists == NULL)
			printf("all");
		for (size_t k = 0; k < f->n_watchlists; k++)
			printf("%s%s", k ? ", " : "", f->watchlists[k]);
		printf("\n");
	}
	for (size_t i = 0; i < c->n_watchlists; i++) {
		const struct conf_watchlist *w = &c->watchlists[i];
		printf("  watchlist '%s': notify: ", w->name);
		if (w->notify == NULL)
			printf("all sinks");
		for (size_t k = 0; k < w->n_notify; k++)
			printf("%s%s", k ? ", " : "", w->notify[k]);
		printf("\n");
	}
	for (size_t i = 0; i < c->n_sinks; i++) {
		const struct conf_sink *s = &c->sinks[i];
		static const char *types[] = { "?", "syslog", "webhook", "stdout" };
		printf("  sink '%s': %s", s->name, types[s->type]);
		if (s->type == SINK_TYPE_SYSLOG)
			printf(" %s %s", s->format == SINK_FORMAT_RFC5424 ? "rfc5424" : "rfc3164",
			    s->server ? s->server : s->socket);
		if (s->type == SINK_TYPE_WEBHOOK) {
			char *shown = sink_webhook_redact_url(s->url);
			printf(" %s", log_esc(shown));
			free(shown);
		}
		printf("\n");
	}
}

int
cmd_check(int argc, char **argv)
{
	const char *path = NULL;
	struct conf_errors errs = { 0 };
	struct conf *c;
	struct watch *w;
	int ch;

	optind = 1;
	while ((ch = getopt(argc, argv, "c:")) != -1) {
		if (ch == 'c')
			path = optarg;
		else {
			fprintf(stderr, "usage: feedwatchd check [-c FILE]\n");
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "usage: feedwatchd check [-c FILE]\n");
		return 2;
	}
	path = conf_default_path(path);
	c = conf_load_partial(path, &errs);
	if (c != NULL) {
		w = watch_new(c, &errs);
		watch_free(w);
		/* what a webhook needs at start: its template and secret file */
		for (size_t i = 0; i < c->n_sinks; i++) {
			const struct conf_sink *cs = &c->sinks[i];
			char err[512];
			/* (a missing template file name is reported by conf.c already) */
			if (cs->type == SINK_TYPE_WEBHOOK && cs->url && url_is_http(cs->url) &&
			    !(cs->format == SINK_FORMAT_TEMPLATE && cs->template_path == NULL) &&
			    sink_webhook_check(cs, err, sizeof err) < 0) {
				errs.v = xreallocarray(errs.v, errs.n + 1, sizeof *errs.v);
				errs.v[errs.n++] = xasprintf("%s:%d: %s", cs->where.file, cs->where.line,
				    err);
			}
		}
	}
	if (errs.n > 0) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.v[i]);
		fprintf(stderr, "feedwatchd: %s: %zu error%s\n", path, errs.n,
		    errs.n == 1 ? "" : "s");
		conf_errors_free(&errs);
		conf_free(c);
		return 2;
	}
	check_summary(c);
	for (size_t i = 0; i < c->n_warnings; i++)
		fprintf(stderr, "warning: %s\n", c->warnings[i]);
	conf_free(c);
	return 0;
}
