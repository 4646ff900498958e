/* cmd_parse.c — `feedwatchd parse`: read one feed from a file, a URL or stdin and print
 * it as one JSON object (SPEC.md, "Output formats"). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "date.h"
#include "feed.h"
#include "http.h"
#include "log.h"
#include "util.h"

#define PARSE_MAX_URL_BYTES (64u * 1024 * 1024)

struct parse_run {
	struct feed_parser_options opts;
	struct feed_parser *parser;
	json_t *entries;
	char charset[64];
};

static int parse_entry_cb(const struct feed_entry *e, void *arg);
static int parse_body_cb(const char *data, size_t len, const char *content_type, void *arg);
static json_t *json_text(const char *s);
static json_t *json_date(int64_t t);
static int parse_push(struct parse_run *run, const char *data, size_t n);
static void parser_ensure(struct parse_run *run);

/* A JSON string, or null for NULL. */
static json_t *
json_text(const char *s)
{
	json_t *v;

	if (s == NULL)
		return json_null();
	v = json_string(s);
	if (v == NULL) {	/* not UTF-8: cannot happen by the parser's contract */
		char *t = utf8_sanitize(s, strlen(s));
		v = json_string(t);
		free(t);
	}
	return v;
}

/* An RFC 3339 UTC date, or null. */
static json_t *
json_date(int64_t t)
{
	char buf[40];

	if (t == FEED_NO_DATE)
		return json_null();
	return json_string(date_format_rfc3339(t, buf, sizeof buf));
}

/* feed_entry_cb: turns each entry into JSON as it arrives. */
static int
parse_entry_cb(const struct feed_entry *e, void *arg)
{
	struct parse_run *run = arg;
	json_t *o = json_object(), *a;

	json_object_set_new(o, "id", json_text(e->id));
	json_object_set_new(o, "title", json_text(e->title));
	json_object_set_new(o, "link", json_text(e->link));
	json_object_set_new(o, "summary", json_text(e->summary));
	json_object_set_new(o, "content", json_text(e->content));
	json_object_set_new(o, "published", json_date(e->published));
	json_object_set_new(o, "updated", json_date(e->updated));
	a = json_array();
	for (size_t i = 0; i < e->n_authors; i++)
		json_array_append_new(a, json_text(e->authors[i]));
	json_object_set_new(o, "authors", a);
	a = json_array();
	for (size_t i = 0; i < e->n_categories; i++)
		json_array_append_new(a, json_text(e->categories[i]));
	json_object_set_new(o, "categories", a);
	a = json_array();
	for (size_t i = 0; i < e->n_enclosures; i++) {
		const struct feed_enclosure *enc = &e->enclosures[i];
		json_array_append_new(a, json_pack("{s:o, s:o, s:o}", "url", json_text(enc->url),
		    "type", json_text(enc->type),
		    "length", enc->length >= 0 ? json_integer(enc->length) : json_null()));
	}
	json_object_set_new(o, "enclosures", a);
	json_array_append_new(run->entries, o);
	return 0;
}

/* Creates the parser once the charset is known. */
/* Pushes a read's bytes into the parser. FEEDWATCHD_TEST_CHUNKS="3,1,17,..." (a test
 * hook) cuts them into pieces of those sizes in turn, so that tests can show that where
 * the chunks end never changes the result (RELIABILITY RB-02). */
static int
parse_push(struct parse_run *run, const char *data, size_t n)
{
	static const char *pattern;
	static const char *next;
	static bool looked;

	if (!looked) {
		looked = true;
		pattern = getenv("FEEDWATCHD_TEST_CHUNKS");
		if (pattern && (strspn(pattern, "0123456789,") != strlen(pattern) ||
		    strpbrk(pattern, "123456789") == NULL))
			pattern = NULL;	/* not a list of sizes, or no size above 0 */
	}
	while (pattern && *pattern && n > 0) {
		char *end;
		size_t piece;

		if (next == NULL || *next == '\0')
			next = pattern;
		piece = strtoul(next, &end, 10);
		next = *end == ',' ? end + 1 : end;
		if (piece == 0)
			continue;
		if (piece > n)
			piece = n;
		if (feed_parser_push(run->parser, data, piece) < 0)
			return -1;
		data += piece;
		n -= piece;
	}
	return n > 0 ? feed_parser_push(run->parser, data, n) : 0;
}

static void
parser_ensure(struct parse_run *run)
{
	if (run->parser == NULL)
		run->parser = feed_parser_new(&run->opts, parse_entry_cb, run);
}

/* http_body_cb: the HTTP charset applies unless --charset was given. */
static int
parse_body_cb(const char *data, size_t len, const char *content_type, void *arg)
{
	struct parse_run *run = arg;

	if (run->parser == NULL && run->opts.charset == NULL &&
	    http_content_type_charset(content_type, run->charset, sizeof run->charset) == 0)
		run->opts.charset = run->charset;
	parser_ensure(run);
	feed_parser_push(run->parser, data, len);
	return 0;
}

int
cmd_parse(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "base", required_argument, NULL, 'b' },
		{ "charset", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct parse_run run = { 0 };
	const char *src;
	const struct feed_meta *meta;
	char err[512];
	json_t *out;
	int c, rc, status = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "b:C:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'b': run.opts.base_url = optarg; break;
		case 'C': run.opts.charset = optarg; break;
		case 'h':
			printf("usage: feedwatchd parse [--base URL] [--charset NAME] FILE|URL|-\n");
			return 0;
		default:
			fprintf(stderr, "usage: feedwatchd parse [--base URL] [--charset NAME] FILE|URL|-\n");
			return 2;
		}
	}
	if (optind != argc - 1) {
		log_errorx("parse: expected one FILE, URL or - (see feedwatchd parse --help)");
		return 2;
	}
	src = argv[optind];
	run.entries = json_array();

	if (!strncmp(src, "http://", 7) || !strncmp(src, "https://", 8)) {
		if (run.opts.base_url == NULL)
			run.opts.base_url = src;
		if (http_get_blocking(src, PARSE_MAX_URL_BYTES, parse_body_cb, &run, err,
		    sizeof err) < 0) {
			log_errorx("parse: %s", err);
			status = 1;
			goto out;
		}
		parser_ensure(&run);
	} else {
		int fd = strcmp(src, "-") == 0 ? 0 : open(src, O_RDONLY | O_CLOEXEC);
		char chunk[64 * 1024];
		ssize_t n;

		if (fd < 0) {
			log_errorx("parse: %s: %s", src, strerror(errno));
			status = 1;
			goto out;
		}
		parser_ensure(&run);
		while ((n = read(fd, chunk, sizeof chunk)) != 0) {
			if (n < 0) {
				if (errno == EINTR)
					continue;
				log_errorx("parse: %s: %s", src, strerror(errno));
				status = 1;
				break;
			}
			if (parse_push(&run, chunk, (size_t)n) < 0)
				break;
		}
		if (fd != 0)
			close(fd);
		if (status)
			goto out;
	}
	rc = feed_parser_finish(run.parser);
	meta = feed_parser_meta(run.parser);
	if (rc < 0) {
		log_errorx("parse: %s: %s", src, feed_parser_error(run.parser) ?
		    feed_parser_error(run.parser) : "not a feed");
		status = 1;
		goto out;
	}
	if (meta->bozo)
		log_warnx("parse: %s: malformed feed recovered: %s", src,
		    feed_parser_error(run.parser) ? feed_parser_error(run.parser) : "?");
	out = json_object();
	json_object_set_new(out, "format", json_text(feed_format_name(meta->format)));
	json_object_set_new(out, "bozo", json_boolean(meta->bozo));
	json_object_set_new(out, "title", json_text(meta->title));
	json_object_set_new(out, "link", json_text(meta->link));
	json_object_set(out, "entries", run.entries);
	json_dumpf(out, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(out);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		log_errorx("parse: writing the output: %s", strerror(errno));
		status = 1;
	}
out:
	json_decref(run.entries);
	feed_parser_free(run.parser);
	return status;
}
