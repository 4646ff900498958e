/* test_feed_simd.c — the pre-filter's vector UTF-8 scan (SSSE3) must change nothing but
 * speed. It only passes over bytes that need no repair, and leaves everything else to the
 * byte-wise code every other CPU runs; so a parse with it must equal a parse without it,
 * byte for byte, on any input. Generated documents put valid characters of every length,
 * every kind of invalid sequence, markup and entities at every offset of a 16-byte block
 * (in text, CDATA, comments and attribute values); the fixture corpus adds the real
 * shapes. Each is parsed with the scan on and off, in one piece and in random chunks. */
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

/* Pieces documents are made of: first those that make well-formed text anywhere (ASCII,
 * references, valid UTF-8 of 2, 3 and 4 bytes), then damage: markup out of place and the
 * invalid forms of UTF-8 (stray continuation, overlong, surrogate, above U+10FFFF, bytes
 * never used, a character cut short by ASCII or by another lead byte). */
static const char *const pieces[] = {
	"a", "word ", "  ", "\n", "x=1", "]", "-", "?", ">",
	"&amp;", "&lt;", "&#x263A;", "&#233;",
	"\xc3\xa9", "\xd0\x96", "\xc2\x80", "\xdf\xbf",				/* 2 bytes */
	"\xe6\xbc\xa2", "\xed\x95\x9c", "\xe2\x80\x94", "\xe0\xa0\x80", "\xef\xbf\xbd",
	"\xed\x9f\xbf", "\xee\x80\x80",						/* 3 bytes */
	"\xf0\x9f\x98\x80", "\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf", "\xf3\xa0\x80\x81",
#define CLEAN_PIECES 28
	"]]", "--", "'", "\"", "&bogus;", "& ", "&", "<br/>", "< ",		/* damage */
	"\x80", "\xbf", "\xc0\x80", "\xc1\xbf", "\xe0\x80\x80", "\xe0\x9f\xbf",
	"\xed\xa0\x80", "\xed\xbf\xbf", "\xf0\x80\x80\x80", "\xf0\x8f\xbf\xbf",
	"\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xf8\x88\x80\x80\x80", "\xfe", "\xff",
	"\xe6\xbc", "\xe6", "\xf0\x9f\x98", "\xc3", "\xc3\xc3\xa9", "\xe6\xbc\xe6\xbc\xa2",
	"\xc3\xa9\x80\x80", "\xf0\x9f\x98\x80\x80",
};

/* Clean text, or (damaged) text with one piece in four taken from the damage. */
static void
append_text(struct buf *b, unsigned *seed, size_t n, bool damaged)
{
	const size_t all = sizeof pieces / sizeof pieces[0];

	for (size_t i = 0; i < n; i++) {
		bool bad = damaged && rand_r(seed) % 4 == 0;
		size_t k = bad ? CLEAN_PIECES + (size_t)rand_r(seed) % (all - CLEAN_PIECES) :
		    (size_t)rand_r(seed) % CLEAN_PIECES;
		buf_appends(b, pieces[k]);
	}
}

/* A random RSS document of a few items; its sections start at random offsets, so that
 * characters straddle the 16-byte blocks everywhere. */
static void
make_doc(struct buf *b, unsigned *seed)
{
	int items = 1 + rand_r(seed) % 4;

	buf_reset(b);
	buf_appends(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>"
	    "<title>T</title>\n");
	for (int i = 0; i < items; i++) {
		bool damaged = rand_r(seed) % 6 == 0;

		buf_appends(b, "<item>");
		for (int pad = rand_r(seed) % 17; pad > 0; pad--)
			buf_appendc(b, ' ');
		buf_appends(b, "<title>");
		append_text(b, seed, (size_t)(rand_r(seed) % 24), damaged);
		buf_appends(b, "</title><link>http://example.org/");
		append_text(b, seed, (size_t)(rand_r(seed) % 6), false);
		buf_appends(b, "</link><guid isPermaLink=\"false\" note=\"");
		append_text(b, seed, (size_t)(rand_r(seed) % 12), damaged && rand_r(seed) % 2);
		buf_appends(b, "\">g");
		buf_appendc(b, (char)('0' + i));
		buf_appends(b, "</guid><description><![CDATA[");
		append_text(b, seed, (size_t)(rand_r(seed) % 60), damaged);
		buf_appends(b, "]]>");
		append_text(b, seed, (size_t)(rand_r(seed) % 30), damaged);
		buf_appends(b, "<!-- ");
		append_text(b, seed, (size_t)(rand_r(seed) % 10), damaged);
		buf_appends(b, " --></description></item>\n");
	}
	buf_appends(b, "</channel></rss>\n");
}

static int
record_cb(const struct feed_entry *e, void *arg)
{
	record_entry(arg, e);
	return 0;
}

/* Parses data in chunks of `chunk` bytes (0: one piece); returns everything it produced. */
static char *
parse(const char *data, size_t len, size_t chunk)
{
	struct feed_parser_options opts = { .base_url = "http://example.org/feed.xml" };
	struct buf out;
	struct feed_parser *p;
	const struct feed_meta *m;
	char num[96];

	buf_init(&out, 0);
	p = feed_parser_new(&opts, record_cb, &out);
	if (chunk == 0)
		chunk = len ? len : 1;
	for (size_t off = 0; off < len; off += chunk)
		if (feed_parser_push(p, data + off, len - off < chunk ? len - off : chunk) != 0)
			break;
	snprintf(num, sizeof num, "rc %d", feed_parser_finish(p));
	m = feed_parser_meta(p);
	record_str(&out, "", num);
	snprintf(num, sizeof num, "bozo %d entries %zu", (int)m->bozo, m->n_entries);
	record_str(&out, "", num);
	record_str(&out, "error ", feed_parser_error(p));
	feed_parser_free(p);
	return buf_steal(&out);
}

/* Parses with the vector scan and without; returns 1 (and says so) when they differ. */
static int
compare(const char *what, const char *data, size_t len, size_t chunk, size_t *entries,
    size_t *bozo)
{
	char *with, *without;
	int bad;

	assert_true(feed_prefilter_simd(true));
	with = parse(data, len, chunk);
	feed_prefilter_simd(false);
	without = parse(data, len, chunk);
	feed_prefilter_simd(true);
	bad = strcmp(with, without) != 0;
	if (bad)
		print_message("# %s (chunks of %zu): the vector scan changed the result\n"
		    "# with:\n%s# without:\n%s", what, chunk, with, without);
	assert_int_equal(utf8_valid_prefix(with, strlen(with)), strlen(with));
	for (const char *s = with; (s = strstr(s, "\nid ")) != NULL; s++)
		(*entries)++;
	*bozo += strstr(with, "\nbozo 1") != NULL;
	free(with);
	free(without);
	return bad;
}

static void
test_generated_documents(void **state)
{
	struct buf doc;
	unsigned seed = 20261129;
	size_t entries = 0, bozo = 0;
	int bad = 0;

	(void)state;
	if (!feed_prefilter_simd(true))
		skip();	/* no SSSE3: the byte-wise path is the only one */
	buf_init(&doc, 0);
	for (int i = 0; i < 4000 && bad < 3; i++) {
		char what[32];

		make_doc(&doc, &seed);
		snprintf(what, sizeof what, "generated #%d", i);
		bad += compare(what, doc.data, doc.len, 0, &entries, &bozo);
		bad += compare(what, doc.data, doc.len, 1 + (size_t)rand_r(&seed) % 40, &entries,
		    &bozo);
	}
	buf_free(&doc);
	print_message("# %zu entries compared; %zu parses recovered from damage\n",
	    entries, bozo);
	assert_true(entries > 8000);	/* the documents were parsed, not refused */
	assert_true(bozo > 1000 && bozo < 7000);	/* damaged ones and clean ones */
	assert_int_equal(bad, 0);
}

static void
test_fixture_corpus(void **state)
{
	const char *patterns[] = { "tests/feeds/*.xml", "tests/feeds/malformed/*.xml",
		"tests/feeds/bad/*.xml" };
	size_t docs = 0, entries = 0, bozo = 0;
	int bad = 0;

	(void)state;
	if (!feed_prefilter_simd(true))
		skip();
	for (size_t k = 0; k < sizeof patterns / sizeof patterns[0]; k++) {
		glob_t g;

		if (glob(patterns[k], 0, NULL, &g) != 0)
			continue;
		for (size_t i = 0; i < g.gl_pathc; i++) {
			struct buf data;

			if (!record_load(g.gl_pathv[i], &data))
				continue;
			bad += compare(g.gl_pathv[i], data.data, data.len, 0, &entries,
			    &bozo);
			bad += compare(g.gl_pathv[i], data.data, data.len, 7 + i % 23, &entries,
			    &bozo);
			buf_free(&data);
			docs++;
		}
		globfree(&g);
	}
	print_message("# %zu documents, %zu entries compared\n", docs, entries);
	assert_true(docs >= 60);	/* the corpus was found */
	assert_int_equal(bad, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generated_documents),
		cmocka_unit_test(test_fixture_corpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
