/* cmd_opml.c — `feedwatchd import-opml FILE`: print a [feed "name"] section for every
 * OPML outline with an xmlUrl, ready to paste into (or include from) the configuration.
 * Names come from the outline's text, made unique and safe for a section header. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "feed.h"
#include "log.h"
#include "url.h"
#include "util.h"

#define OPML_MAX_BYTES (64u * 1024 * 1024)

struct opml_out {
	char **names;
	size_t n;
	size_t skipped;
};

static void opml_feed_cb(const char *title, const char *xml_url, void *arg);

/* A section name from a title: no quotes, backslashes or control characters, at most 64
 * characters; "feed" when nothing is left. */
static char *
section_name(const char *title, const char *url)
{
	const char *src = title ? title : url;
	struct buf b;

	buf_init(&b, 0);
	for (const char *c = src; *c && b.len < 64; c++) {
		unsigned char u = (unsigned char)*c;
		if (u < 0x20 || *c == '"' || *c == '\\' || *c == ']' || *c == '[')
			continue;
		buf_appendc(&b, *c);
	}
	char *s = str_squeeze_space(buf_steal(&b));
	/* do not end inside a UTF-8 sequence */
	size_t n = strlen(s);
	s[utf8_valid_prefix(s, n)] = '\0';
	if (*s == '\0') {
		free(s);
		s = xstrdup("feed");
	}
	return s;
}

/* feed_opml_cb: prints one section. */
static void
opml_feed_cb(const char *title, const char *xml_url, void *arg)
{
	struct opml_out *o = arg;
	char *name, *unique;

	if (!url_is_http(xml_url)) {
		o->skipped++;
		log_warnx("import-opml: skipping '%s': not an http(s) URL", log_esc(xml_url));
		return;
	}
	name = section_name(title, xml_url);
	unique = xstrdup(name);
	for (int k = 2;; k++) {
		bool taken = false;
		for (size_t i = 0; i < o->n && !taken; i++)
			taken = strcmp(o->names[i], unique) == 0;
		if (!taken)
			break;
		free(unique);
		unique = xasprintf("%s %d", name, k);
	}
	free(name);
	o->names = xreallocarray(o->names, o->n + 1, sizeof *o->names);
	o->names[o->n++] = unique;
	printf("[feed \"%s\"]\nurl = %s\n\n", unique, xml_url);
}

int
cmd_opml(int argc, char **argv)
{
	struct opml_out o = { 0 };
	struct buf data;
	char chunk[65536], err[256];
	ssize_t n;
	int fd, status = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: feedwatchd import-opml FILE\n");
		return 2;
	}
	fd = strcmp(argv[1], "-") == 0 ? 0 : open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		log_errorx("import-opml: %s: %s", argv[1], strerror(errno));
		return 1;
	}
	buf_init(&data, OPML_MAX_BYTES);
	while ((n = read(fd, chunk, sizeof chunk)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || buf_append(&data, chunk, (size_t)n) < 0) {
			log_errorx("import-opml: %s: %s", argv[1], n < 0 ? strerror(errno) :
			    "larger than 64 MiB");
			status = 1;
			break;
		}
	}
	if (fd != 0)
		close(fd);
	if (status == 0) {
		printf("; feeds imported from %s\n\n", argv[1]);
		if (feed_opml_parse(data.data ? data.data : "", data.len, opml_feed_cb, &o, err,
		    sizeof err) < 0) {
			log_errorx("import-opml: %s: %s", argv[1], err);
			status = 1;
		} else {
			log_info("import-opml: %zu feeds%s", o.n, o.skipped ? " (some skipped)" : "");
		}
	}
	for (size_t i = 0; i < o.n; i++)
		free(o.names[i]);
	free(o.names);
	buf_free(&data);
	return status;
}
