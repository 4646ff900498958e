/* feed.h — the streaming feed parser: bytes in, entries out.
 *
 * One parser reads one document of any supported format (RSS 0.90–0.94/2.0, RSS 1.0,
 * Atom 0.3/1.0, JSON Feed 1.0/1.1), fed in chunks of any size, and hands each entry to
 * the caller's callback as soon as the entry closes (XML is parsed in 16 KiB slices, so
 * an entry comes out at most one slice after its last byte, or at the end of the
 * document; the entries never depend on how the chunks were cut). It keeps no document
 * tree, so peak memory does not grow with the number of entries. It never loads anything from the
 * network or the file system (no external entities, no DTDs, no XInclude). */
#ifndef FEEDWATCHD_FEED_H
#define FEEDWATCHD_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum feed_format {
	FEED_FORMAT_UNKNOWN = 0,
	FEED_FORMAT_RSS09X,	/* RSS 0.90 (RDF) and 0.91–0.94 */
	FEED_FORMAT_RSS20,
	FEED_FORMAT_RSS10,	/* RDF Site Summary */
	FEED_FORMAT_ATOM03,
	FEED_FORMAT_ATOM10,
	FEED_FORMAT_JSONFEED,
};

/* "rss2.0", "atom1.0", ... as in SPEC.md; NULL for FEED_FORMAT_UNKNOWN. */
const char *feed_format_name(enum feed_format format);

/* A date that is absent or could not be parsed. */
#define FEED_NO_DATE INT64_MIN

struct feed_enclosure {
	char *url;		/* absolute */
	char *type;		/* NULL when absent */
	int64_t length;		/* -1 when absent or not a number */
};

/* One entry, lent to the callback for the duration of the call: copy what you keep.
 * Every string is valid UTF-8. */
struct feed_entry {
	char *id;		/* never NULL: guid / atom:id / rdf:about, else link, else a hash */
	char *title;		/* plain text, or NULL */
	char *link;		/* absolute, or NULL */
	char *summary;		/* may hold HTML, or NULL */
	char *content;		/* may hold HTML, or NULL */
	int64_t published;	/* Unix seconds, or FEED_NO_DATE */
	int64_t updated;	/* Unix seconds, or FEED_NO_DATE */
	char **authors;
	size_t n_authors;
	char **categories;
	size_t n_categories;
	struct feed_enclosure *enclosures;
	size_t n_enclosures;
};

/* What the parser learnt about the document as a whole. Fields fill in as the parse
 * goes on; they are final after feed_parser_finish(). */
struct feed_meta {
	enum feed_format format;
	bool bozo;		/* a malformed document was recovered */
	char *title;		/* plain text, or NULL */
	char *link;		/* absolute, or NULL */
	int ttl_minutes;	/* RSS <ttl>, or 0 */
	size_t n_entries;
};

/* Called for each entry as it closes. Return 0 to go on, -1 to stop the parse. */
typedef int (*feed_entry_cb)(const struct feed_entry *entry, void *arg);

struct feed_parser_options {
	const char *base_url;	/* the document's URL, for relative links; may be NULL */
	const char *charset;	/* an HTTP charset parameter, or NULL */
	size_t max_text;	/* cap on one text field in bytes; 0 = default (1 MiB) */
};

/* Returns a new parser; the caller frees it with feed_parser_free(). */
struct feed_parser *feed_parser_new(const struct feed_parser_options *opts,
    feed_entry_cb cb, void *arg);

/* Feeds the next chunk. Returns 0 while the document may go on (also after a recovered
 * error: see feed_meta.bozo), or -1 once the parse has failed for good or the callback
 * asked to stop; feed_parser_error() then says why. */
int feed_parser_push(struct feed_parser *p, const char *chunk, size_t len);

/* Ends the document. Returns 0 when the bytes were a feed (possibly with bozo set), or -1
 * with feed_parser_error() set: not a feed, empty body, or a fatal error. Entries handed
 * out before a fatal error stay valid. */
int feed_parser_finish(struct feed_parser *p);

/* Metadata, owned by the parser. */
const struct feed_meta *feed_parser_meta(const struct feed_parser *p);

/* The first error that made the parse fail or set bozo, as one line, or NULL. Owned by
 * the parser. */
const char *feed_parser_error(const struct feed_parser *p);

void feed_parser_free(struct feed_parser *p);

/* A deep copy of an entry (for keeping it past the callback); free it with
 * feed_entry_free(). */
struct feed_entry *feed_entry_dup(const struct feed_entry *e);
void feed_entry_free(struct feed_entry *e);

/* One-shot convenience: parses a whole buffer. Returns what feed_parser_finish() returns. */
int feed_parse_buffer(const struct feed_parser_options *opts, const char *data, size_t len,
    feed_entry_cb cb, void *arg, struct feed_parser **out_parser);

/* OPML (subscription lists): calls cb for every outline with an xmlUrl, with its text
 * (or title, or NULL) and the URL, in document order. Returns 0, or -1 with a one-line
 * reason in err when the document is not OPML or is broken beyond recovery. Same
 * hardening as feeds: no external entity, no DTD, bounded depth. */
typedef void (*feed_opml_cb)(const char *title, const char *xml_url, void *arg);
int feed_opml_parse(const char *data, size_t len, feed_opml_cb cb, void *arg, char *err,
    size_t errlen);

#endif
