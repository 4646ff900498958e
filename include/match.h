/* match.h — the watchlist engine: compiles every watchlist once, then tells for each item
 * which watchlists fire, with the terms that matched and a snippet. Pure: no I/O.
 *
 * The language (SPEC.md, Configuration → watchlist):
 *   keywords = NATO, DPRK, "North Korea", sanction*
 *       Comma-separated; any one of them makes the watchlist match. "Quoted phrases" may
 *       hold commas; an unquoted item with spaces (North Korea) is a phrase too; a trailing
 *       `*` makes a prefix term (sanction* finds sanctions, sanctioned).
 *   match = (DPRK OR "North Korea") AND (missile* OR sanction*) AND NOT title:"opinion"
 *       Terms, "phrases", prefix*, /regex/, field:term, field:"phrase", field:/regex/,
 *       AND, OR, NOT and parentheses. Operators are upper-case only: lower-case and, or,
 *       not are ordinary terms (quote "AND" to search for the word itself). NOT binds
 *       tightest, then AND, then OR; two terms side by side without an operator are
 *       joined by AND. An expression that would be true for an item holding none of its
 *       terms (`NOT sport`, `a OR NOT b`) is refused: it would fire on almost every item.
 *   exclude = sport*, "crossword"       any of them in the watchlist's fields vetoes it.
 *   fields  = title, summary, content, categories    where keywords, match and exclude
 *       look (default: all four). An explicit field:term looks at that field only,
 *       whether or not it is listed in fields.
 * A watchlist matches when (keywords has a term that occurs) OR (match holds), and no
 * exclude term occurs; when only one of keywords / match is given, that one decides.
 *
 * Terms match the folded text of text.h: case-insensitive, NFKC, on word boundaries
 * (letters, digits and marks of every script are word characters; apostrophes and
 * hyphens are not, so NATO finds "NATO's" and "anti-NATO" but not "seNATOr"). A term is
 * folded like the text, so a term is really a sequence of words ("U.S." is the phrase
 * "u s") and phrases match across any run of whitespace and punctuation ("North Korea"
 * finds "North-Korea" and "North\nKorea"). Terms whose first or last character belongs to
 * a no-boundary script (Han, Kana, Hangul, ...) need no boundary on that side ("북한"
 * finds "북한은", "朝鲜" finds "朝鲜导弹"). Diacritics stay significant ("cafe" does not
 * find "café"), except the Turkish dotted/dotless i (see text.h). A prefix term's match
 * (for the snippet) runs to the end of the word it starts.
 *
 * Regex terms /.../ are PCRE2 with UTF, UCP (\w, \b and \d are Unicode-aware) and
 * CASELESS, JIT-compiled when available, and run on the ORIGINAL plain text of each field
 * they look at (field:/re/ one field, else the watchlist's fields; each category on its
 * own, so ^ and $ frame one category), not on the folded text: punctuation and hyphens
 * are still there, but case folding is PCRE2's (no ß → ss). A
 * regex has a match limit: a pathological one (catastrophic backtracking) stops quickly,
 * counts as "no match" and is counted in match_result.regex_limit_hits. A regex that
 * matches the empty string is refused (it would fire on every item).
 *
 * Cost: all literal terms of all watchlists are compiled into one matcher that reads
 * each field once. Folded text is a sequence of words, and every term starts on a word
 * boundary, so the matcher hashes each word of the text once and looks it up in one
 * table of the first words of all terms (a phrase is then compared in place; a prefix
 * term is looked up by the word's first bytes, once per distinct prefix length). The
 * work per item grows with the text and the number of hits, not with the number of
 * terms. Regex terms run only on the fields they name, and only when the rest of their
 * watchlist's expression still depends on them.
 *
 * Errors name the watchlist, the setting and the 1-based column (in characters) in the
 * string as written: "watchlist 'combo': match: unbalanced '(' at column 17". Limits:
 * a term folds to at most 1024 bytes; parentheses and NOT nest at most 64 deep.
 *
 * Typical use (the daemon, `feedwatchd test`):
 *   set = match_set_new();
 *   for each [watchlist "name"]: match_set_add_watchlist(set, name, &spec, err, sizeof err)
 *   match_set_compile(set, err, sizeof err);
 *   match_result_init(&res);
 *   for each item: n = match_item(set, &item, &res); use res.fires[0 .. n)
 *   match_result_free(&res); match_set_free(set);
 * A reload builds a new set and swaps it in only when every add and the compile succeed. */
#ifndef FEEDWATCHD_MATCH_H
#define FEEDWATCHD_MATCH_H

#include <stddef.h>
#include <stdint.h>

/* The four fields of an item, in the order matches are reported. */
enum match_field {
	MATCH_TITLE = 0,
	MATCH_SUMMARY,
	MATCH_CONTENT,
	MATCH_CATEGORIES,
	MATCH_NFIELDS
};

/* "title", "summary", "content", "categories". */
const char *match_field_name(enum match_field field);

/* A watchlist as written in the configuration: each string is the raw value of its key,
 * or NULL when the key is absent. Borrowed for the duration of the call. */
struct match_watchlist_spec {
	const char *keywords;
	const char *match;
	const char *exclude;
	const char *fields;
};

/* The text of one item, lent for the duration of match_item(): plain UTF-8 (HTML already
 * reduced to text). NULL strings count as empty. */
struct match_item_text {
	const char *title;
	const char *summary;
	const char *content;
	const char *const *categories;
	size_t n_categories;
};

/* One matched term of a watchlist that fired. */
struct match_term {
	const char *term;		/* as the user wrote it, without quotes or field:
					 * (NATO, North Korea, sanction*, /dprk?/); owned by
					 * the match_set */
	enum match_field field;		/* field of its first occurrence */
};

/* One watchlist that fired for the item. */
struct match_fire {
	size_t watchlist;		/* index: order of match_set_add_watchlist() */
	const char *name;		/* owned by the match_set */
	struct match_term *terms;	/* deduplicated, in order of first occurrence
					 * (title, summary, content, categories; then position) */
	size_t n_terms;
	char *snippet;			/* ~80 characters of original text each side of the
					 * first match, which is wrapped in « »; "…" marks a
					 * cut; whitespace squeezed. Owned by the result */
	enum match_field snippet_field;
};

/* The outcome of match_item(); reusable across items and sets. Owned by the caller:
 * match_result_init() once, match_result_free() at the end. */
struct match_result {
	struct match_fire *fires;	/* in watchlist order */
	size_t n_fires;
	unsigned long regex_limit_hits;	/* regex runs stopped by the match limit (this item) */
	struct match_scratch *scratch;	/* private working memory */
	size_t fires_cap;
};

struct match_set;

/* A new, empty set. Free it with match_set_free(). */
struct match_set *match_set_new(void);
void match_set_free(struct match_set *set);

/* Parses and adds one watchlist (name and spec are copied). Returns 0, or -1 with a
 * message in err ("watchlist 'x': keywords: ..."); a failed add leaves the set as it was. */
int match_set_add_watchlist(struct match_set *set, const char *name,
    const struct match_watchlist_spec *spec, char *err, size_t errlen);

/* Builds the automaton; call once, after the last add and before match_item(). Returns 0,
 * or -1 with a message in err. */
int match_set_compile(struct match_set *set, char *err, size_t errlen);

/* Number of watchlists in the set, and the name of the i-th. */
size_t match_set_count(const struct match_set *set);
const char *match_set_name(const struct match_set *set, size_t i);

void match_result_init(struct match_result *res);
void match_result_free(struct match_result *res);

/* Matches one item against every watchlist of a compiled set. Fills res (replacing what
 * it held) and returns the number of watchlists that fired. The set is not modified, so
 * one set may serve several results at once. */
size_t match_item(const struct match_set *set, const struct match_item_text *item,
    struct match_result *res);

/* Low level, for benchmarks and tests: runs the literal matcher over text already folded
 * by text_fold() (or several such texts joined by '\n') and calls cb (if not NULL) for
 * every hit of every distinct literal pattern, with the pattern's index and the folded
 * offset just past the hit, in order of the hits' starts. Returns the number of hits. */
typedef void (*match_hit_cb)(void *arg, uint32_t pattern, size_t end);
size_t match_scan_folded(const struct match_set *set, const char *folded, size_t len,
    match_hit_cb cb, void *arg);

/* Number of distinct literal patterns of a compiled set. */
size_t match_set_patterns(const struct match_set *set);

#endif
