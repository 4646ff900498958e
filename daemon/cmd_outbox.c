/* cmd_outbox.c — `feedwatchd outbox`: inspect and replay alert deliveries.
 *   list                 pending and dead rows with their last error
 *   retry ID             make one row due now (pending or dead)
 *   retry --all-dead     make every dead row pending again
 *   purge --dead         delete every dead row
 * Works beside a running daemon: SQLite's WAL lets both use the file; a running daemon
 * picks retried rows up at its next outbox pass. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "conf.h"
#include "date.h"
#include "log.h"
#include "store.h"
#include "util.h"

static int outbox_print_cb(const struct store_outbox_row *row, void *arg);

/* store_outbox_cb: one line per row. */
static int
outbox_print_cb(const struct store_outbox_row *row, void *arg)
{
	size_t *n = arg;
	char due[40];
	json_t *a = json_loads(row->payload, 0, NULL);
	const char *wl = a ? json_string_value(json_object_get(a, "watchlist")) : NULL;
	const char *title = a ? json_string_value(json_object_get(json_object_get(a, "item"),
	    "title")) : NULL;

	date_format_rfc3339(row->due_ms / 1000, due, sizeof due);
	printf("%-8lld %-8s %-12s %3d  %s  [%s] %s", (long long)row->id,
	    row->state == STORE_OUTBOX_DEAD ? "dead" : "pending", row->sink, row->attempts, due,
	    wl ? wl : "?", log_esc(title ? title : row->alert_id));
	if (row->last_error)
		printf("\n         last error: %s", log_esc(row->last_error));
	putchar('\n');
	json_decref(a);
	(*n)++;
	return 0;
}

int
cmd_outbox(int argc, char **argv)
{
	const char *usage = "usage: feedwatchd outbox [-c FILE] list|retry ID|retry --all-dead|"
	    "purge --dead\n";
	const char *path = NULL, *verb;
	struct conf_errors errs = { 0 };
	struct conf *c;
	struct store *st;
	char err[512];
	int ch, status = 0;
	int64_t now;

	optind = 1;
	while ((ch = getopt(argc, argv, "+c:")) != -1) {
		if (ch == 'c')
			path = optarg;
		else {
			fputs(usage, stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		fputs(usage, stderr);
		return 2;
	}
	verb = argv[optind];
	path = conf_default_path(path);
	c = conf_load(path, &errs);
	if (c == NULL) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.v[i]);
		conf_errors_free(&errs);
		return 2;
	}
	st = store_open(c->daemon.state_dir, NULL, err, sizeof err);
	if (st == NULL) {
		log_errorx("outbox: %s", err);
		conf_free(c);
		return 1;
	}
	now = (int64_t)time(NULL) * 1000;
	if (strcmp(verb, "list") == 0 && optind + 1 == argc) {
		size_t n = 0;
		int64_t pending = 0, dead = 0;
		printf("%-8s %-8s %-12s %3s  %-20s  %s\n", "ID", "STATE", "SINK", "TRY", "DUE", "ALERT");
		if (store_outbox_list(st, -1, NULL, outbox_print_cb, &n) < 0 ||
		    store_outbox_count(st, NULL, &pending, &dead) < 0) {
			log_errorx("outbox: %s", store_error(st));
			status = 1;
		} else {
			printf("%lld pending, %lld dead\n", (long long)pending, (long long)dead);
		}
	} else if (strcmp(verb, "retry") == 0 && optind + 2 == argc &&
	    strcmp(argv[optind + 1], "--all-dead") == 0) {
		int64_t n = 0;
		if (store_outbox_requeue_dead(st, now, &n) < 0) {
			log_errorx("outbox: %s", store_error(st));
			status = 1;
		} else {
			printf("%lld dead row%s pending again\n", (long long)n, n == 1 ? "" : "s");
		}
	} else if (strcmp(verb, "retry") == 0 && optind + 2 == argc) {
		char *end;
		long long id = strtoll(argv[optind + 1], &end, 10);
		bool found = false;
		if (*end || id <= 0) {
			log_errorx("outbox: retry: '%s' is not a row id (see outbox list)",
			    log_esc(argv[optind + 1]));
			status = 2;
		} else if (store_outbox_requeue(st, id, now, &found) < 0) {
			log_errorx("outbox: %s", store_error(st));
			status = 1;
		} else if (!found) {
			log_errorx("outbox: retry: no row %lld", id);
			status = 1;
		} else {
			printf("row %lld is due now\n", id);
		}
	} else if (strcmp(verb, "purge") == 0 && optind + 2 == argc &&
	    strcmp(argv[optind + 1], "--dead") == 0) {
		int64_t n = 0;
		if (store_outbox_purge_dead(st, &n) < 0) {
			log_errorx("outbox: %s", store_error(st));
			status = 1;
		} else {
			printf("%lld dead row%s deleted\n", (long long)n, n == 1 ? "" : "s");
		}
	} else {
		fputs(usage, stderr);
		status = 2;
	}
	store_close(st);
	conf_free(c);
	return status;
}
