/* feed_internal.h — what the parser's format back-ends (feed.c for XML, feed_json.c for
 * JSON Feed) share. Not for other modules. */
#ifndef FEEDWATCHD_FEED_INTERNAL_H
#define FEEDWATCHD_FEED_INTERNAL_H

#include "feed.h"
#include "util.h"

/* A growable list of strings, owned. */
struct strlist {
	char **v;
	size_t n;
};

void strlist_add_unique(struct strlist *l, char *s);	/* takes s; drops blank/dup */
void strlist_free(struct strlist *l);

/* An entry under construction; strings are owned and NULL when absent. */
struct feed_entry_draft {
	char *guid;		/* guid / atom:id / rdf:about / JSON id */
	char *title, *link, *summary, *content;
	int64_t published, updated;
	struct strlist authors, categories;
	struct feed_enclosure *enclosures;
	size_t n_enclosures;
};

void feed_draft_init(struct feed_entry_draft *d);
void feed_draft_clear(struct feed_entry_draft *d);
/* Adds an enclosure unless its URL is already there; takes url and type. */
void feed_draft_add_enclosure(struct feed_entry_draft *d, char *url, char *type, int64_t length);

/* Gives the entry its id (with per-document uniqueness), hands it to the callback and
 * clears the draft. Returns the callback's result. */
int feed_emit(struct feed_parser *p, struct feed_entry_draft *d);

/* Records the first error (one line) and sets bozo. */
void feed_note_error(struct feed_parser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Frees the spare parser feed_parser_free keeps for the next feed_parser_new (tests: a
 * parse that starts from fresh memory, to compare with one that reuses it). */
void feed_parser_spare_drop(void);

/* Tests: turns the pre-filter's vector UTF-8 scan on (the default, where the CPU has
 * SSSE3) or off (the byte-wise path every other CPU takes). Returns whether it is on. */
bool feed_prefilter_simd(bool on);

struct feed_meta *feed_meta_mut(struct feed_parser *p);
const char *feed_base_url(const struct feed_parser *p);

/* Title text to one plain line: HTML reduced when it looks like markup (then *via_html,
 * unless NULL, is set). Takes s (malloc'd) and returns a malloc'd string. */
char *feed_plain_title(char *s, size_t max_text, bool *via_html);

/* feed_json.c: parses a whole JSON Feed document. Returns 0, or -1 when it is not a JSON
 * Feed or is broken (with the error noted). */
int feed_json_parse(struct feed_parser *p, const char *data, size_t len);

#endif
