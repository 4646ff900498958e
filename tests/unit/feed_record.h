/* feed_record.h — what the parser tests that compare two parses share: a file read whole,
 * and every field of an entry written out as text, so that two parses compare with one
 * strcmp. Included by one test program each: the functions are static. */
#ifndef FEEDWATCHD_TEST_FEED_RECORD_H
#define FEEDWATCHD_TEST_FEED_RECORD_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>

#include "feed.h"
#include "util.h"

/* Reads the file at path into b (initialised here); false when it cannot be opened. */
static inline bool
record_load(const char *path, struct buf *b)
{
	FILE *f = fopen(path, "rb");
	char chunk[8192];
	size_t n;

	if (f == NULL)
		return false;
	buf_init(b, 0);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_append(b, chunk, n);
	fclose(f);
	return true;
}

/* Appends "name value\n" (value "(null)" when absent). */
static inline void
record_str(struct buf *b, const char *name, const char *s)
{
	buf_appends(b, name);
	buf_appends(b, s ? s : "(null)");
	buf_appendc(b, '\n');
}

/* Appends every field of e. */
static inline void
record_entry(struct buf *b, const struct feed_entry *e)
{
	char num[64];

	record_str(b, "id ", e->id);
	record_str(b, "title ", e->title);
	record_str(b, "link ", e->link);
	record_str(b, "summary ", e->summary);
	record_str(b, "content ", e->content);
	snprintf(num, sizeof num, "%" PRId64 " %" PRId64, e->published, e->updated);
	record_str(b, "dates ", num);
	for (size_t i = 0; i < e->n_authors; i++)
		record_str(b, "author ", e->authors[i]);
	for (size_t i = 0; i < e->n_categories; i++)
		record_str(b, "category ", e->categories[i]);
	for (size_t i = 0; i < e->n_enclosures; i++) {
		snprintf(num, sizeof num, " %" PRId64, e->enclosures[i].length);
		record_str(b, "enclosure ", e->enclosures[i].url);
		record_str(b, "  type ", e->enclosures[i].type);
		record_str(b, "  length", num);
	}
}

#endif
