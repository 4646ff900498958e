/* test_feed_reuse.c — a parser built from the memory of the previous one (feed_parser_free
 * keeps its buffers for the next feed_parser_new) must give what a parser built from
 * fresh memory gives. Every document of the fixture corpus is parsed once from fresh
 * memory (the reference), then all of them one after another in several orders, with
 * parses stopped by the callback, failed documents and other options in between; each
 * result (metadata, error line and every field of every entry) must equal its reference
 * byte for byte. Runs from the repository root, like every test. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <glob.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feed.h"
#include "feed_internal.h"
#include "feed_record.h"
#include "util.h"

struct doc {
	char *path;
	char *data;
	size_t len;
};

struct corpus {
	struct doc *v;
	size_t n;
};

/* What the callback does: record everything, or ask to stop after the first entry. */
struct sink {
	struct buf *out;
	bool stop_early;
};

static void
corpus_add_glob(struct corpus *c, const char *pattern)
{
	glob_t g;

	if (glob(pattern, 0, NULL, &g) != 0)
		return;
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct buf b;

		if (!record_load(g.gl_pathv[i], &b))
			continue;
		c->v = xreallocarray(c->v, c->n + 1, sizeof *c->v);
		c->v[c->n].path = xstrdup(g.gl_pathv[i]);
		c->v[c->n].len = b.len;
		c->v[c->n].data = buf_steal(&b);
		c->n++;
	}
	globfree(&g);
}

static int
record_cb(const struct feed_entry *e, void *arg)
{
	struct sink *k = arg;

	record_entry(k->out, e);
	return k->stop_early ? -1 : 0;
}

/* Parses one document in chunks of `chunk` bytes; returns everything it produced. */
static char *
parse_doc(const struct doc *d, size_t chunk, const char *charset, bool stop_early)
{
	struct feed_parser_options opts = { .base_url = "http://example.org/feeds/x.xml",
		.charset = charset };
	struct buf out;
	struct sink k = { &out, stop_early };
	struct feed_parser *p;
	const struct feed_meta *m;
	char num[64];
	int rc = 0;

	buf_init(&out, 0);
	p = feed_parser_new(&opts, record_cb, &k);
	for (size_t off = 0; off < d->len && rc == 0; off += chunk)
		rc = feed_parser_push(p, d->data + off, d->len - off < chunk ? d->len - off : chunk);
	rc = feed_parser_finish(p);
	m = feed_parser_meta(p);
	snprintf(num, sizeof num, "rc %d format %d bozo %d ttl %d entries %zu", rc, (int)m->format,
	    (int)m->bozo, m->ttl_minutes, m->n_entries);
	record_str(&out, "", num);
	record_str(&out, "feed title ", m->title);
	record_str(&out, "feed link ", m->link);
	record_str(&out, "error ", feed_parser_error(p));
	feed_parser_free(p);
	return buf_steal(&out);
}

/* Starts parsing d and drops the parser half-way, as the daemon does when a download
 * fails: pushed up to a '<' past the sniffed start, so that the pre-filter holds bytes
 * back and a partial slice is staged when the parser is freed. */
static void
parse_abandoned(const struct doc *d)
{
	struct feed_parser_options opts = { 0 };
	struct buf out;
	struct sink k = { &out, false };
	struct feed_parser *p;
	const char *lt = d->len > 700 ? memchr(d->data + 700, '<', d->len - 700) : NULL;
	size_t cut = lt ? (size_t)(lt - d->data) + 1 : d->len / 2;

	buf_init(&out, 0);
	p = feed_parser_new(&opts, record_cb, &k);
	feed_parser_push(p, d->data, cut);
	feed_parser_free(p);
	buf_free(&out);
}

/* Parses doc i of c from a reused parser and compares with its fresh reference. */
static int
check_doc(const struct corpus *c, char **ref, size_t i, size_t chunk, const char *charset)
{
	char *got = parse_doc(&c->v[i], chunk, charset, false);
	int bad = strcmp(got, ref[i]) != 0;

	if (bad)
		print_message("# %s: a reused parser gave a different result\n", c->v[i].path);
	free(got);
	return bad;
}

static void
test_reused_parser_equals_fresh(void **state)
{
	struct corpus c = { NULL, 0 };
	const char *patterns[] = { "tests/feeds/*.xml", "tests/feeds/*.json",
		"tests/feeds/malformed/*.xml", "tests/fuzz/seeds/*" };
	char **ref, **ref_latin1;
	int bad = 0;

	(void)state;
	for (size_t k = 0; k < sizeof patterns / sizeof patterns[0]; k++)
		corpus_add_glob(&c, patterns[k]);
	assert_true(c.n >= 100);	/* the corpus was found */

	/* references: each parse starts from fresh memory */
	ref = xcalloc(c.n, sizeof *ref);
	ref_latin1 = xcalloc(c.n, sizeof *ref_latin1);
	for (size_t i = 0; i < c.n; i++) {
		feed_parser_spare_drop();
		ref[i] = parse_doc(&c.v[i], 4096, NULL, false);
		feed_parser_spare_drop();
		ref_latin1[i] = parse_doc(&c.v[i], 4096, "iso-8859-1", false);
	}
	feed_parser_spare_drop();

	/* forward, whole chunks of 4 KiB */
	for (size_t i = 0; i < c.n; i++)
		bad += check_doc(&c, ref, i, 4096, NULL);
	/* backward, each after a parse of another document stopped by its callback (pushed
	 * byte by byte, so that it stops with bytes held back in the pre-filter) */
	for (size_t i = c.n; i-- > 0;) {
		free(parse_doc(&c.v[(i * 7 + 3) % c.n], 1, NULL, true));
		bad += check_doc(&c, ref, i, 4096, NULL);
	}
	/* each after a parse abandoned half-way */
	for (size_t i = 0; i < c.n; i++) {
		parse_abandoned(&c.v[(i * 3 + 1) % c.n]);
		bad += check_doc(&c, ref, i, 4096, NULL);
	}
	/* interleaved with a forced charset, and after 1-byte pushes of a big document */
	for (size_t i = 0; i < c.n; i++) {
		bad += check_doc(&c, ref_latin1, i, 4096, "iso-8859-1");
		if (i % 17 == 0)
			free(parse_doc(&c.v[(i * 13) % c.n], 1, NULL, false));
		bad += check_doc(&c, ref, (i * 5 + 1) % c.n, 4096, NULL);
	}
	assert_int_equal(bad, 0);

	for (size_t i = 0; i < c.n; i++) {
		free(ref[i]);
		free(ref_latin1[i]);
		free(c.v[i].path);
		free(c.v[i].data);
	}
	free(ref);
	free(ref_latin1);
	free(c.v);
	feed_parser_spare_drop();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reused_parser_equals_fresh),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
