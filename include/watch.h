/* watch.h — the configured watchlists, compiled: conf in, a matcher out; entries in,
 * the watchlists they fire out. Glue between conf.h, feed.h, html.h and match.h. */
#ifndef FEEDWATCHD_WATCH_H
#define FEEDWATCHD_WATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"
#include "feed.h"
#include "match.h"

struct watch;

/* Compiles every watchlist of c. Returns NULL with the problems appended to errs, each
 * as "file:line: watchlist 'x': match: ... at column N". The watch borrows nothing
 * from c after it returns. */
struct watch *watch_new(const struct conf *c, struct conf_errors *errs);
void watch_free(struct watch *w);

/* The plain text an entry is matched on: HTML reduced, owned. */
struct watch_text {
	char *summary;
	char *content;
	char *summary_excerpt;	/* at most 500 characters of plain summary (or content) */
};

void watch_text_of(const struct feed_entry *e, struct watch_text *out);
void watch_text_free(struct watch_text *t);

/* Matches an entry; only watchlists named in `only` (NULL: all) may fire. Returns the
 * number of fires left in res. */
size_t watch_entry(const struct watch *w, const struct feed_entry *e,
    const struct watch_text *text, char *const *only, size_t n_only, struct match_result *res);

/* Index of the watchlist called name, or -1. */
int watch_find(const struct watch *w, const char *name);

#endif
