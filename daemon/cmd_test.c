/* cmd_test.c — `feedwatchd test`: run the configured watchlists over one feed and show
 * what would alert and why, so a watchlist can be tried before it is trusted. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alert.h"
#include "cmd.h"
#include "conf.h"
#include "feed.h"
#include "http.h"
#include "log.h"
#include "util.h"
#include "watch.h"

#define TEST_MAX_URL_BYTES (64u * 1024 * 1024)

struct test_run {
	const struct conf *conf;
	struct watch *watch;
	struct match_result res;
	struct feed_parser_options opts;
	struct feed_parser *parser;
	char charset[64];
	char *only[1];
	size_t n_only;
	bool json;
	const char *src;
	char *feed_name;
	size_t items, alerts;
};

static int test_entry_cb(const struct feed_entry *e, void *arg);
static int test_body_cb(const char *data, size_t len, const char *content_type, void *arg);
static void print_cut(const char *s, int width);

/* Prints s in exactly `width` columns (cut with "…", padded), counting characters. */
static void
print_cut(const char *s, int width)
{
	int cols = 0;
	size_t i = 0, n = strlen(s);

	while (i < n && cols < width) {
		size_t k = ((unsigned char)s[i] < 0x80) ? 1 : ((unsigned char)s[i] < 0xe0) ? 2 :
		    ((unsigned char)s[i] < 0xf0) ? 3 : 4;
		if (cols == width - 1 && i + k < n) {
			fputs("\xe2\x80\xa6", stdout);
			cols++;
			i = n;
			break;
		}
		fwrite(s + i, 1, k, stdout);
		i += k;
		cols++;
	}
	for (; cols < width; cols++)
		putchar(' ');
}

/* feed_entry_cb: matches one entry and prints what fires. */
static int
test_entry_cb(const struct feed_entry *e, void *arg)
{
	struct test_run *run = arg;
	struct watch_text text;
	const struct feed_meta *meta = feed_parser_meta(run->parser);
	size_t n;

	run->items++;
	watch_text_of(e, &text);
	n = watch_entry(run->watch, e, &text, run->n_only ? run->only : NULL, run->n_only,
	    &run->res);
	for (size_t i = 0; i < n; i++) {
		const struct match_fire *fire = &run->res.fires[i];
		const struct conf_watchlist *cw = conf_watchlist_find(run->conf, fire->name);
		char id[48];
		run->alerts++;
		if (run->json) {
			struct alert_feed feed = { run->feed_name, meta->title, run->src };
			alert_make_id(run->feed_name, e->id, fire->name, id, sizeof id);
			char *js = alert_to_json(id, (int64_t)time(NULL), fire,
			    cw ? cw->priority : 5, &feed, e, &text);
			puts(js);
			free(js);
			continue;
		}
		struct buf terms;
		buf_init(&terms, 0);
		for (size_t t = 0; t < fire->n_terms; t++) {
			if (t)
				buf_appends(&terms, ", ");
			buf_appends(&terms, fire->terms[t].term);
		}
		print_cut(e->title ? e->title : "(untitled)", 44);
		fputs("  ", stdout);
		print_cut(fire->name, 18);
		fputs("  ", stdout);
		fputs(terms.data, stdout);
		putchar('\n');
		printf("    %s: %s\n", match_field_name(fire->snippet_field),
		    fire->snippet ? fire->snippet : "");
		if (e->link)
			printf("    %s\n", e->link);
		buf_free(&terms);
	}
	watch_text_free(&text);
	return 0;
}

/* http_body_cb */
static int
test_body_cb(const char *data, size_t len, const char *content_type, void *arg)
{
	struct test_run *run = arg;

	if (run->parser == NULL) {
		if (http_content_type_charset(content_type, run->charset, sizeof run->charset) == 0)
			run->opts.charset = run->charset;
		run->parser = feed_parser_new(&run->opts, test_entry_cb, run);
	}
	feed_parser_push(run->parser, data, len);
	return 0;
}

int
cmd_test(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *usage = "usage: feedwatchd test [-c FILE] [-w NAME] [--json] FILE|URL|-\n";
	struct test_run run = { 0 };
	struct conf_errors errs = { 0 };
	struct conf *conf;
	const char *path = NULL, *only = NULL, *slash;
	char err[512];
	int c, status = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:w:jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 'w': only = optarg; break;
		case 'j': run.json = true; break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (optind != argc - 1) {
		fputs(usage, stderr);
		return 2;
	}
	run.src = argv[optind];
	path = conf_default_path(path);
	conf = conf_load(path, &errs);
	if (conf)
		run.watch = watch_new(conf, &errs);
	if (errs.n) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.v[i]);
		conf_errors_free(&errs);
		watch_free(run.watch);
		conf_free(conf);
		return 2;
	}
	run.conf = conf;
	if (only) {
		if (watch_find(run.watch, only) < 0) {
			log_errorx("test: %s: no watchlist named '%s'", path, log_esc(only));
			watch_free(run.watch);
			conf_free(conf);
			return 2;
		}
		run.only[0] = (char *)only;
		run.n_only = 1;
	}
	slash = strrchr(run.src, '/');
	run.feed_name = xstrdup(strcmp(run.src, "-") == 0 ? "stdin" : slash && slash[1] ?
	    slash + 1 : run.src);
	match_result_init(&run.res);

	if (!strncmp(run.src, "http://", 7) || !strncmp(run.src, "https://", 8)) {
		run.opts.base_url = run.src;
		if (http_get_blocking(run.src, TEST_MAX_URL_BYTES, test_body_cb, &run, err,
		    sizeof err) < 0) {
			log_errorx("test: %s", err);
			status = 1;
		}
		if (run.parser == NULL)
			run.parser = feed_parser_new(&run.opts, test_entry_cb, &run);
	} else {
		int fd = strcmp(run.src, "-") == 0 ? 0 : open(run.src, O_RDONLY | O_CLOEXEC);
		char chunk[64 * 1024];
		ssize_t n;

		if (fd < 0) {
			log_errorx("test: %s: %s", run.src, strerror(errno));
			status = 1;
		} else {
			run.parser = feed_parser_new(&run.opts, test_entry_cb, &run);
			while ((n = read(fd, chunk, sizeof chunk)) != 0) {
				if (n < 0 && errno == EINTR)
					continue;
				if (n < 0) {
					log_errorx("test: %s: %s", run.src, strerror(errno));
					status = 1;
					break;
				}
				feed_parser_push(run.parser, chunk, (size_t)n);
			}
			if (fd != 0)
				close(fd);
		}
	}
	if (status == 0 && feed_parser_finish(run.parser) < 0) {
		log_errorx("test: %s: %s", run.src, feed_parser_error(run.parser));
		status = 1;
	} else if (status == 0) {
		if (feed_parser_meta(run.parser)->bozo)
			log_warnx("test: %s: malformed feed recovered: %s", run.src,
			    feed_parser_error(run.parser));
		if (!run.json)
			printf("%zu item%s, %zu alert%s\n", run.items, run.items == 1 ? "" : "s",
			    run.alerts, run.alerts == 1 ? "" : "s");
	}
	match_result_free(&run.res);
	feed_parser_free(run.parser);
	watch_free(run.watch);
	conf_free(conf);
	free(run.feed_name);
	return status;
}
