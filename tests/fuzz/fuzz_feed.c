/* fuzz_feed.c — libFuzzer target for the streaming feed parser (RELIABILITY RB-01, RB-02).
 *
 * Input layout: the first two bytes are a seed, the rest is the document. The document is
 * parsed twice with the same options: once in one piece (feed_parse_buffer) and once
 * pushed in chunks whose sizes (1..4096) come from the seed. The two runs must agree on
 * the return code, on every field of every entry (compared deeply) and on the metadata.
 * Every string handed out must be valid UTF-8, every entry must have an id, and ids must
 * be unique within the document. Any disagreement aborts, so libFuzzer saves the input.
 *
 * Seed bits:  0-1  chunk mode: 0 fixed size, 1 random 1..4096, 2 random 1..16,
 *                  3 random mix of tiny and large
 *             2-3  options: 0 defaults, 1 small max_text (exercises truncation),
 *                  2 charset "iso-8859-1", 3 no base URL
 *             4-15 parameter: the fixed size - 1 in mode 0; PRNG seed otherwise
 * When bit 15 is set, a third run stops the parse from the callback after the first
 * entry, to exercise the early-stop path (no comparison; ASan checks leaks).
 * The verdict compared is feed_parser_finish()'s (what feed_parse_buffer returns). With
 * FUZZ_STRICT=1 in the environment it also checks that a push that returned -1 is followed
 * by a finish that returns -1, with feed_parser_error() set, and that the error message is
 * valid UTF-8. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feed.h"
#include "log.h"
#include "util.h"

/* What one parse produced: deep copies of the entries, the metadata and the result. */
struct fz_run {
	struct feed_entry **entries;	/* feed_entry_dup() copies */
	size_t n, cap;
	int rc;
	enum feed_format format;
	bool bozo;
	char *title;
	char *link;
	int ttl_minutes;
	size_t n_entries;
	size_t stop_after;	/* callback returns -1 after this many entries; 0 = never */
	bool push_failed;	/* some feed_parser_push returned -1 */
};

/* FUZZ_STRICT=1 adds checks of the push/finish/error return contract of feed.h that go
 * beyond RB-01/RB-02 (see the brief's findings before turning it on for long runs). */
static bool fz_strict;
/* FUZZ_NO_STOP=1 skips the early-stop run (to look past a known finding there). */
static bool fz_no_stop;
/* FUZZ_ONLY=TEXT: only failures whose message holds TEXT abort; the others abandon the
 * input (longjmp; memory is leaked, run with detect_leaks=0). For minimizing one kind of
 * finding with -minimize_crash=1 without it turning into another kind. */
static const char *fz_only;
static jmp_buf fz_jmp;
/* FUZZ_CUTS=N,N,...: push the document cut at these offsets instead of the seed's chunk
 * sizes (to replay a split found outside the fuzzer). */
static const char *fz_cuts;
/* FUZZ_DUMP=1: print both runs' results to stderr (to see what differs). */
static bool fz_dump_on;
/* Which parse is running, for the failure message. */
static const char *fz_phase = "";

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *fz_dup(const char *s);
static void fz_run_free(struct fz_run *r);
static void fz_check_utf8(const char *s, const char *what);
static void fz_check_entry(const struct feed_entry *e);
static int fz_collect_cb(const struct feed_entry *e, void *arg);
static void fz_take_meta(struct fz_run *r, struct feed_parser *p, int rc);
static void fz_parse_oneshot(const struct feed_parser_options *o, const char *d, size_t n,
    struct fz_run *r);
static void fz_parse_chunked(const struct feed_parser_options *o, const char *d, size_t n,
    unsigned seed, struct fz_run *r);
static size_t fz_next_chunk(unsigned mode, unsigned param, uint32_t *state);
static bool fz_str_eq(const char *a, const char *b);
static void fz_compare(const struct fz_run *a, const struct fz_run *b);
static void fz_compare_entry(size_t i, const struct feed_entry *a, const struct feed_entry *b);
static void fz_check_unique_ids(const struct fz_run *r);
static int fz_strcmp_cb(const void *a, const void *b);
static void fz_dump(const char *what, const struct fz_run *r);
static void fz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* libFuzzer's one-time setup: keep the parser's log lines off the fuzzer's output. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	log_init("fuzz_feed", getenv("FUZZ_VERBOSE") ? LOG_VERBOSE : LOG_QUIET);
	fz_strict = getenv("FUZZ_STRICT") != NULL && strcmp(getenv("FUZZ_STRICT"), "0") != 0;
	fz_no_stop = getenv("FUZZ_NO_STOP") != NULL && strcmp(getenv("FUZZ_NO_STOP"), "0") != 0;
	fz_dump_on = getenv("FUZZ_DUMP") != NULL && strcmp(getenv("FUZZ_DUMP"), "0") != 0;
	fz_cuts = getenv("FUZZ_CUTS") != NULL && *getenv("FUZZ_CUTS") ? getenv("FUZZ_CUTS") : NULL;
	fz_only = getenv("FUZZ_ONLY") != NULL && *getenv("FUZZ_ONLY") ? getenv("FUZZ_ONLY") : NULL;
	return 0;
}

static void
fz_fail(const char *fmt, ...)
{
	va_list ap;
	char msg[1024];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (fz_only != NULL && strstr(msg, fz_only) == NULL)
		longjmp(fz_jmp, 1);
	fprintf(stderr, "fuzz_feed: MISMATCH: %s%s\n", msg, fz_phase);
	abort();
}

static void
fz_dump(const char *what, const struct fz_run *r)
{
	fprintf(stderr, "== %s: rc %d format %d bozo %d ttl %d n_entries %zu title [%s] link [%s]\n",
	    what, r->rc, (int)r->format, r->bozo, r->ttl_minutes, r->n_entries,
	    r->title ? r->title : "(null)", r->link ? r->link : "(null)");
	for (size_t i = 0; i < r->n; i++) {
		const struct feed_entry *e = r->entries[i];
		fprintf(stderr, "  [%zu] id [%s] title [%s] link [%s] published %lld updated %lld\n"
		    "       summary [%.200s] content [%.200s]\n", i, e->id,
		    e->title ? e->title : "(null)", e->link ? e->link : "(null)",
		    (long long)e->published, (long long)e->updated,
		    e->summary ? e->summary : "(null)", e->content ? e->content : "(null)");
		for (size_t k = 0; k < e->n_authors; k++)
			fprintf(stderr, "       author [%s]\n", e->authors[k]);
		for (size_t k = 0; k < e->n_categories; k++)
			fprintf(stderr, "       category [%s]\n", e->categories[k]);
		for (size_t k = 0; k < e->n_enclosures; k++)
			fprintf(stderr, "       enclosure [%s] [%s] %lld\n", e->enclosures[k].url,
			    e->enclosures[k].type ? e->enclosures[k].type : "(null)",
			    (long long)e->enclosures[k].length);
	}
}

static char *
fz_dup(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static void
fz_run_free(struct fz_run *r)
{
	for (size_t i = 0; i < r->n; i++)
		feed_entry_free(r->entries[i]);
	free(r->entries);
	free(r->title);
	free(r->link);
}

static void
fz_check_utf8(const char *s, const char *what)
{
	size_t n;

	if (s == NULL)
		return;
	n = strlen(s);
	if (utf8_valid_prefix(s, n) != n)
		fz_fail("%s is not valid UTF-8 at byte %zu of %zu", what,
		    utf8_valid_prefix(s, n), n);
}

/* The per-entry contract of feed.h, checked on the lent entry itself. */
static void
fz_check_entry(const struct feed_entry *e)
{
	if (e->id == NULL)
		fz_fail("entry id is NULL");
	if (e->id[0] == '\0')
		fz_fail("entry id is empty");
	fz_check_utf8(e->id, "id");
	fz_check_utf8(e->title, "title");
	fz_check_utf8(e->link, "link");
	fz_check_utf8(e->summary, "summary");
	fz_check_utf8(e->content, "content");
	for (size_t i = 0; i < e->n_authors; i++) {
		if (e->authors[i] == NULL)
			fz_fail("authors[%zu] is NULL", i);
		fz_check_utf8(e->authors[i], "author");
	}
	for (size_t i = 0; i < e->n_categories; i++) {
		if (e->categories[i] == NULL)
			fz_fail("categories[%zu] is NULL", i);
		fz_check_utf8(e->categories[i], "category");
	}
	for (size_t i = 0; i < e->n_enclosures; i++) {
		if (e->enclosures[i].url == NULL)
			fz_fail("enclosures[%zu].url is NULL", i);
		fz_check_utf8(e->enclosures[i].url, "enclosure url");
		fz_check_utf8(e->enclosures[i].type, "enclosure type");
	}
}

/* feed_entry_cb: checks the entry and keeps a deep copy. */
static int
fz_collect_cb(const struct feed_entry *e, void *arg)
{
	struct fz_run *r = arg;

	fz_check_entry(e);
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 8;
		r->entries = xreallocarray(r->entries, r->cap, sizeof *r->entries);
	}
	r->entries[r->n++] = feed_entry_dup(e);
	if (r->stop_after && r->n >= r->stop_after)
		return -1;
	return 0;
}

static void
fz_take_meta(struct fz_run *r, struct feed_parser *p, int rc)
{
	const struct feed_meta *m;

	r->rc = rc;
	if (rc != 0 && rc != -1)
		fz_fail("parse returned %d, not 0 or -1", rc);
	if (p == NULL)
		fz_fail("no parser handed back");
	if (rc == -1 && feed_parser_error(p) == NULL)
		fz_fail("parse failed but feed_parser_error() is NULL");
	if (fz_strict)	/* feed.h promises one line, not UTF-8; log_esc() cleans it */
		fz_check_utf8(feed_parser_error(p), "error message");
	m = feed_parser_meta(p);
	if (m == NULL)
		fz_fail("feed_parser_meta() is NULL");
	fz_check_utf8(m->title, "feed title");
	fz_check_utf8(m->link, "feed link");
	if (m->format != FEED_FORMAT_UNKNOWN && feed_format_name(m->format) == NULL)
		fz_fail("format %d has no name", (int)m->format);
	r->format = m->format;
	r->bozo = m->bozo;
	r->title = fz_dup(m->title);
	r->link = fz_dup(m->link);
	r->ttl_minutes = m->ttl_minutes;
	r->n_entries = m->n_entries;
}

static void
fz_parse_oneshot(const struct feed_parser_options *o, const char *d, size_t n,
    struct fz_run *r)
{
	struct feed_parser *p = NULL;
	int rc;

	rc = feed_parse_buffer(o, d, n, fz_collect_cb, r, &p);
	fz_take_meta(r, p, rc);
	feed_parser_free(p);
}

/* The next chunk length for the seed's mode; state is a xorshift32 PRNG. */
static size_t
fz_next_chunk(unsigned mode, unsigned param, uint32_t *state)
{
	uint32_t x = *state;

	if (mode == 0)
		return (size_t)param + 1;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	switch (mode) {
	case 1:
		return x % 4096 + 1;
	case 2:
		return x % 16 + 1;
	default:
		return (x & 0x80000000u) ? x % 4096 + 1 : (x >> 8) % 8 + 1;
	}
}

static void
fz_parse_chunked(const struct feed_parser_options *o, const char *d, size_t n,
    unsigned seed, struct fz_run *r)
{
	struct feed_parser *p;
	unsigned mode = seed & 3, param = (seed >> 4) & 0xfff;
	uint32_t state = seed * 2654435761u | 1;
	size_t off = 0;
	const char *cut = fz_cuts;
	int rc = 0, frc;

	p = feed_parser_new(o, fz_collect_cb, r);
	if (p == NULL)
		fz_fail("feed_parser_new returned NULL");
	while (off < n) {
		size_t len = fz_next_chunk(mode, param, &state);
		if (fz_cuts != NULL) {
			char *end;
			unsigned long long at = cut && *cut ? strtoull(cut, &end, 10) : n;
			cut = cut && *cut ? (*end == ',' ? end + 1 : end) : NULL;
			len = at > off ? (size_t)(at - off) : 1;
		}
		if (len > n - off)
			len = n - off;
		rc = feed_parser_push(p, d + off, len);
		off += len;
		if (rc != 0)
			break;
	}
	frc = feed_parser_finish(p);
	if (fz_strict && rc != 0 && frc == 0)
		fz_fail("feed_parser_push returned -1 but feed_parser_finish returned 0");
	if (fz_strict && rc != 0 && feed_parser_error(p) == NULL)
		fz_fail("feed_parser_push returned -1 but feed_parser_error() is NULL");
	r->push_failed = rc != 0;
	fz_take_meta(r, p, frc);	/* the verdict is finish's, as in feed_parse_buffer */
	feed_parser_free(p);
}

static bool
fz_str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

#define FZ_STR(field, what)                                                          \
	do {                                                                         \
		if (!fz_str_eq(a->field, b->field))                                  \
			fz_fail("entry %zu: %s differs: one-shot \"%s\" / chunked \"%s\"", \
			    i, what, a->field ? a->field : "(null)",                 \
			    b->field ? b->field : "(null)");                         \
	} while (0)

static void
fz_compare_entry(size_t i, const struct feed_entry *a, const struct feed_entry *b)
{
	FZ_STR(id, "id");
	FZ_STR(title, "title");
	FZ_STR(link, "link");
	FZ_STR(summary, "summary");
	FZ_STR(content, "content");
	if (a->published != b->published)
		fz_fail("entry %zu: published differs: %lld / %lld", i,
		    (long long)a->published, (long long)b->published);
	if (a->updated != b->updated)
		fz_fail("entry %zu: updated differs: %lld / %lld", i,
		    (long long)a->updated, (long long)b->updated);
	if (a->n_authors != b->n_authors)
		fz_fail("entry %zu: %zu / %zu authors", i, a->n_authors, b->n_authors);
	for (size_t k = 0; k < a->n_authors; k++)
		FZ_STR(authors[k], "author");
	if (a->n_categories != b->n_categories)
		fz_fail("entry %zu: %zu / %zu categories", i, a->n_categories, b->n_categories);
	for (size_t k = 0; k < a->n_categories; k++)
		FZ_STR(categories[k], "category");
	if (a->n_enclosures != b->n_enclosures)
		fz_fail("entry %zu: %zu / %zu enclosures", i, a->n_enclosures, b->n_enclosures);
	for (size_t k = 0; k < a->n_enclosures; k++) {
		FZ_STR(enclosures[k].url, "enclosure url");
		FZ_STR(enclosures[k].type, "enclosure type");
		if (a->enclosures[k].length != b->enclosures[k].length)
			fz_fail("entry %zu: enclosure %zu length %lld / %lld", i, k,
			    (long long)a->enclosures[k].length,
			    (long long)b->enclosures[k].length);
	}
}

static void
fz_compare(const struct fz_run *a, const struct fz_run *b)
{
	if (a->rc != b->rc)
		fz_fail("return code: one-shot %d / chunked %d", a->rc, b->rc);
	if (a->n != b->n)
		fz_fail("entry count: one-shot %zu / chunked %zu", a->n, b->n);
	for (size_t i = 0; i < a->n; i++)
		fz_compare_entry(i, a->entries[i], b->entries[i]);
	if (a->format != b->format)
		fz_fail("format: one-shot %d / chunked %d", (int)a->format, (int)b->format);
	if (a->bozo != b->bozo)
		fz_fail("bozo: one-shot %d / chunked %d", a->bozo, b->bozo);
	if (!fz_str_eq(a->title, b->title))
		fz_fail("feed title: one-shot \"%s\" / chunked \"%s\"",
		    a->title ? a->title : "(null)", b->title ? b->title : "(null)");
	if (!fz_str_eq(a->link, b->link))
		fz_fail("feed link: one-shot \"%s\" / chunked \"%s\"",
		    a->link ? a->link : "(null)", b->link ? b->link : "(null)");
	if (a->ttl_minutes != b->ttl_minutes)
		fz_fail("ttl: one-shot %d / chunked %d", a->ttl_minutes, b->ttl_minutes);
	if (a->n_entries != b->n_entries)
		fz_fail("meta n_entries: one-shot %zu / chunked %zu", a->n_entries, b->n_entries);
}

static int
fz_strcmp_cb(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
fz_check_unique_ids(const struct fz_run *r)
{
	char **ids;

	if (r->n < 2)
		return;
	ids = xcalloc(r->n, sizeof *ids);
	for (size_t i = 0; i < r->n; i++)
		ids[i] = r->entries[i]->id;
	qsort(ids, r->n, sizeof *ids, fz_strcmp_cb);
	for (size_t i = 1; i < r->n; i++)
		if (strcmp(ids[i - 1], ids[i]) == 0)
			fz_fail("two entries share the id \"%s\"", ids[i]);
	free(ids);
}

/* libFuzzer's entry point: one input, two (or three) parses, every check above. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct feed_parser_options o = { .base_url = "http://example.com/feeds/news.xml" };
	struct fz_run one = { 0 }, chunked = { 0 };
	const char *doc;
	size_t len;
	unsigned seed;

	if (size < 2)
		return -1;	/* not added to the corpus */
	seed = (unsigned)data[0] << 8 | data[1];
	doc = (const char *)data + 2;
	len = size - 2;
	switch ((seed >> 2) & 3) {
	case 1:
		o.max_text = 64 + (seed >> 4) % 256;
		break;
	case 2:
		o.charset = "iso-8859-1";
		break;
	case 3:
		o.base_url = NULL;
		break;
	}

	if (fz_only != NULL && setjmp(fz_jmp) != 0)
		return 0;
	fz_phase = " (one-shot run)";
	fz_parse_oneshot(&o, doc, len, &one);
	fz_phase = " (chunked run)";
	fz_parse_chunked(&o, doc, len, seed, &chunked);
	fz_phase = "";
	if (fz_dump_on) {
		fprintf(stderr, "== seed 0x%04x: chunk mode %u, options %u, parameter %u\n", seed,
		    seed & 3, (seed >> 2) & 3, (seed >> 4) & 0xfff);
		fz_dump("one-shot", &one);
		fz_dump("chunked", &chunked);
	}
	fz_compare(&one, &chunked);
	fz_check_unique_ids(&one);
	if (one.n_entries != one.n)
		fz_fail("meta n_entries %zu, but %zu callbacks", one.n_entries, one.n);
	fz_run_free(&one);
	fz_run_free(&chunked);

	if ((seed & 0x8000) != 0 && !fz_no_stop) {
		struct fz_run stop = { .stop_after = 1 };
		fz_phase = " (early-stop run)";
		fz_parse_chunked(&o, doc, len, seed, &stop);
		if (stop.n > 1)
			fz_fail("callback asked to stop, yet %zu entries came", stop.n);
		if (fz_strict && stop.n == 1 && stop.rc != -1)
			fz_fail("callback asked to stop, yet feed_parser_finish returned %d", stop.rc);
		fz_run_free(&stop);
	}
	return 0;
}
