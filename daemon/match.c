/* match.c — the watchlist engine (see match.h for the language): parses watchlists,
 * compiles every literal term of every watchlist into one word-hash matcher, and per
 * item scans each field once, evaluates the watchlists whose terms were hit, and reports
 * terms and a snippet.
 *
 * Patterns are terms folded by text.c with a space before and (unless a prefix) after:
 * folded text is word-normalised (" w1 w2 ... ", one space between words, and each
 * Han/Kana/Hangul/... character a word of its own), so " nato " occurs in it exactly
 * where NATO occurs as a whole word, " sanction" where a word starts with "sanction",
 * and " 북 한 " wherever 북한 occurs. The matcher hashes each word of the text once (8
 * bytes at a time) and looks it up in a table of first words.
 *
 * Why not Aho–Corasick: a dense AC automaton for 10,000 keywords has ~90,000 states
 * (~14 MB of transitions) and, measured on news text, ran 4-5x slower at 10,000
 * keywords than at 10 (cache misses on every byte). The word table for 10,000 keywords
 * is 256 KB, one probe per word.
 *
 * The only file that includes pcre2.h. Pure: no I/O, no logging. */
#include "match.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "text.h"
#include "util.h"

#define MAX_DEPTH	64		/* nesting of parentheses and NOT in match */
#define MAX_PATTERN	1024		/* bytes of one folded term */
#define MAX_TABLE	(128u << 20)	/* transition table entries (512 MiB) */
#define REGEX_MATCH_LIMIT	200000
#define REGEX_DEPTH_LIMIT	5000
#define REGEX_HEAP_LIMIT	20000	/* KiB */
#define SNIPPET_CONTEXT	80		/* characters each side of the match */
#define SNIPPET_SLACK	20		/* how far to look for a word boundary */
#define ALL_FIELDS	0x0F

enum term_kind { KIND_KEYWORD, KIND_LEAF, KIND_EXCLUDE };

/* Kinds of patterns. Every pattern starts with a space (a word boundary):
 *   PAT_WORD    " nato "          one whole word: the word's hash decides
 *   PAT_PHRASE  " north korea "   first word's hash, then a compare of the whole
 *               " north korea"    (a prefix phrase: the last word may go on)
 *   PAT_PREFIX  " sanction"       one word's beginning: hash of the word's first bytes */
enum { PAT_WORD, PAT_PHRASE, PAT_PREFIX };

/* Open-addressing hash table of words: slot = 32-bit tag (never 0) and the index in
 * cand[] of a list: count, then pattern ids. */
struct wslot {
	uint32_t tag;
	uint32_t list;
};

#define FILTER_BITS	(1u << 17)	/* 16 KB: stays in L1, turns away most words */
#define SLOT_ONE	0x80000000u	/* wslot.list holds the only pattern itself */

/* Where the scanner finds a pattern: its bytes in the arena and what kind it is. */
struct pinfo {
	uint32_t off;		/* in match_set.arena */
	uint16_t len;
	uint16_t w1len;		/* bytes of its first word */
	uint8_t kind;		/* PAT_WORD, PAT_PHRASE, PAT_PREFIX */
	uint8_t ext;		/* a prefix: a hit extends to the end of the word */
};

struct wtable {
	uint64_t filter[FILTER_BITS / 64];	/* Bloom filter (2 bits) of the keys' hashes */
	struct wslot *slot;
	uint64_t mask;		/* slots - 1 */
	uint32_t *cand;
	size_t n_cand;
};

/* One literal term as it occurs in one watchlist. */
struct term {
	char *written;		/* as the user wrote it (no quotes, no field:) */
	char *pat;		/* folded pattern with its boundary spaces */
	uint32_t pattern;	/* distinct pattern id (after compile) */
	uint32_t wl;
	uint32_t leaf;		/* KIND_LEAF: global leaf index */
	uint8_t kind;
	uint8_t mask;		/* fields it looks at */
};

/* A leaf of a match expression: a literal term or a regex. */
struct leaf {
	int64_t term;		/* global term index, or -1 for a regex */
	pcre2_code *re;
	char *written;		/* regex as written, with its slashes */
	uint8_t mask;
	bool positive;		/* under an even number of NOTs */
};

enum node_op { NODE_LEAF, NODE_AND, NODE_OR, NODE_NOT };

struct node {
	uint8_t op;
	uint32_t a;		/* LEAF: global leaf; NOT: child node; AND/OR: first kid */
	uint32_t n;		/* AND/OR: number of kids */
};

struct watchlist {
	char *name;
	uint8_t fields;
	bool has_keywords;
	bool has_regex;
	struct node *nodes;	/* nodes of match (none: no match) */
	size_t n_nodes;
	uint32_t root;
	uint32_t leaf0, leaf1;	/* its leaves in match_set.leaves */
	uint32_t *kids;
	size_t n_kids;
};

struct match_set {
	struct watchlist *wl;
	size_t n_wl, cap_wl;
	struct term *terms;
	size_t n_terms, cap_terms;
	struct leaf *leaves;
	size_t n_leaves, cap_leaves;
	bool compiled;
	/* after compile */
	char **pats;		/* distinct patterns (borrowed from terms) */
	uint32_t *pat_len;
	size_t n_pats;
	uint32_t *ref_start;	/* n_pats + 1: terms of pattern p are ref[ref_start[p]..] */
	uint32_t *ref;
	uint32_t *regex_wl;	/* watchlists with regex leaves */
	size_t n_regex_wl;
	uint8_t fields_used;
	struct pinfo *pi;	/* per pattern */
	char *arena;		/* every pattern, one after the other */
	struct wtable words;	/* first word → patterns (PAT_WORD, PAT_PHRASE) */
	struct wtable prefixes;	/* prefix → patterns (PAT_PREFIX) */
	uint16_t plens[MAX_PATTERN + 1];	/* distinct prefix lengths, ascending */
	size_t n_plens;
	pcre2_match_context *mctx;
};

/* Per-item record of one pattern. */
struct prec {
	uint32_t gen;
	uint8_t mask;		/* fields where it occurs */
	uint32_t start[MATCH_NFIELDS];	/* first occurrence, original offsets */
	uint32_t end[MATCH_NFIELDS];
};

/* A candidate term of a fired watchlist. */
struct found {
	uint64_t key;		/* field << 32 | start */
	uint32_t id;		/* pattern, or (1 << 31) | leaf for regexes */
	uint32_t seq;
	const char *written;
	uint8_t field;
	uint32_t start, end;
};

struct match_scratch {
	const struct match_set *set;
	size_t n_pats, n_wl, n_leaves;
	uint32_t gen;
	struct prec *prec;
	uint32_t *touched;
	size_t n_touched, cap_touched;
	uint32_t *wstamp;
	uint8_t *wstate;
	uint32_t *cand;
	size_t n_cand;
	uint32_t *leafstamp;	/* literal leaf true / regex leaf evaluated when == gen */
	uint8_t *regval;
	uint8_t *regfield;
	uint32_t *regstart, *regend;
	uint32_t *hits;		/* global term indices of positive hits */
	size_t n_hits, cap_hits;
	struct found *found;
	size_t cap_found;
	struct text_fold fold;
	struct buf cats;	/* categories joined by ", " */
	uint32_t *catoff;
	size_t cap_catoff;
	const char *orig[MATCH_NFIELDS];
	size_t origlen[MATCH_NFIELDS];
	pcre2_match_data *md;
	unsigned long limit_hits;
};

#define WS_KEYWORD	0x1
#define WS_EXCLUDED	0x2

/* Parser state for one setting of one watchlist. */
struct parser {
	struct match_set *set;
	uint32_t wl;
	const char *what;	/* "keywords", "match", ... */
	const char *s;
	size_t n, i;
	char *err;
	size_t errlen;
	const char *wlname;
	uint8_t fields;
	/* match only */
	struct node *nodes;
	size_t n_nodes, cap_nodes;
	uint32_t *kids;
	size_t n_kids, cap_kids;
	int depth;
	/* current token */
	int tok;
	size_t tpos;		/* byte offset of the token */
	int tkind;		/* TERM_WORD, TERM_PHRASE, TERM_REGEX */
	const char *ttext;
	size_t tlen;
	size_t ttextpos;	/* byte offset of ttext */
	bool tprefix;
	int tfield;		/* -1: none */
};

enum { TOK_END, TOK_LP, TOK_RP, TOK_AND, TOK_OR, TOK_NOT, TOK_TERM };
enum { TERM_WORD, TERM_PHRASE, TERM_REGEX };

static const char *const field_names[MATCH_NFIELDS] = {
	"title", "summary", "content", "categories"
};

static size_t column(const char *s, size_t pos);
static int perr(struct parser *p, size_t pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool is_space(char c);
static int field_lookup(const char *s, size_t n);
static int add_literal(struct parser *p, const char *text, size_t n, bool prefix,
    size_t pos, const char *written, size_t wlen, uint8_t kind, uint8_t mask,
    uint32_t leaf);
static int parse_list(struct parser *p, uint8_t kind);
static int parse_fields(struct parser *p);
static int lex_next(struct parser *p);
static int lex_phrase(struct parser *p, size_t q);
static int lex_regex(struct parser *p, size_t q);
static int64_t parse_or(struct parser *p);
static int64_t parse_and(struct parser *p);
static int64_t parse_unary(struct parser *p);
static int64_t parse_primary(struct parser *p);
static int64_t new_node(struct parser *p, uint8_t op, uint32_t a, uint32_t n);
static int64_t new_nary(struct parser *p, uint8_t op, const uint32_t *kids, size_t n);
static int64_t add_leaf_term(struct parser *p);
static bool starts_operand(int tok);
static bool eval_static(const struct watchlist *w, const struct node *nd);
static void rollback(struct match_set *set, size_t n_terms, size_t n_leaves);
static int build_tables(struct match_set *set, char *err, size_t errlen);
static void wtable_build(struct wtable *t, const struct match_set *set, const uint32_t *pats,
    size_t n);
static int cmp_hpair(const void *a, const void *b);
static inline uint32_t hash_tag(uint64_t h);
static inline uint64_t hmix(uint64_t h, uint64_t x);
static uint64_t word_hash(const unsigned char *p, size_t n);
static inline size_t wtable_find(const struct match_set *set, const struct wtable *t,
    uint64_t h, const unsigned char *w, size_t n, const uint32_t **list, uint32_t *one);
static inline bool filter_has(const struct wtable *t, uint64_t h);
static inline void filter_add(struct wtable *t, uint64_t h);
static void scratch_fit(struct match_result *res, const struct match_set *set);
static void scan_field(const struct match_set *set, struct match_scratch *sc, int field,
    uint32_t base);
static void forward_hit(void *arg, uint32_t pattern, size_t end);
static inline size_t scan_words(const struct match_set *set, const unsigned char *t,
    size_t len, void (*hit)(void *, uint32_t, size_t), void *arg);
static inline void record_hit(void *arg, uint32_t p, size_t end);
static bool eval_node(const struct match_set *set, struct match_scratch *sc,
    const struct watchlist *w, const struct node *nd);
static bool eval_regex(const struct match_set *set, struct match_scratch *sc,
    uint32_t leaf);
static void fire(const struct match_set *set, struct match_scratch *sc,
    struct match_result *res, uint32_t wi, bool kw, bool m);
static int cmp_u32(const void *a, const void *b);
static int cmp_found_id(const void *a, const void *b);
static int cmp_found_key(const void *a, const void *b);
static char *make_snippet(const char *t, size_t n, size_t ms, size_t me);
static void snip_append(struct buf *b, const char *s, size_t n, bool *pending);
static bool snip_is_space(const char *t, size_t i, size_t n);
static void clear_fires(struct match_result *res);

/* The name of a field, as in the configuration. */
const char *
match_field_name(enum match_field field)
{
	return (unsigned)field < MATCH_NFIELDS ? field_names[field] : "?";
}

/* ---- parsing ------------------------------------------------------------------- */

/* 1-based column, in characters, of byte offset pos of s. */
static size_t
column(const char *s, size_t pos)
{
	size_t i, c = 1;

	for (i = 0; i < pos && s[i]; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			c++;
	return c;
}

static int
perr(struct parser *p, size_t pos, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (pos == SIZE_MAX)
		snprintf(p->err, p->errlen, "watchlist '%s': %s: %s", p->wlname, p->what, msg);
	else
		snprintf(p->err, p->errlen, "watchlist '%s': %s: %s at column %zu", p->wlname,
		    p->what, msg, column(p->s, pos));
	return -1;
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Field index of the name s[0..n) (case-insensitive), or -1. */
static int
field_lookup(const char *s, size_t n)
{
	int f;

	for (f = 0; f < MATCH_NFIELDS; f++)
		if (strlen(field_names[f]) == n && strncasecmp(field_names[f], s, n) == 0)
			return f;
	return -1;
}

/* Folds a literal term and records it for watchlist p->wl. */
static int
add_literal(struct parser *p, const char *text, size_t n, bool prefix, size_t pos,
    const char *written, size_t wlen, uint8_t kind, uint8_t mask, uint32_t leaf)
{
	struct match_set *set = p->set;
	char *folded, *pat;
	size_t fl, i;
	uint32_t first, last;
	bool lead, trail;
	struct term *t;

	folded = text_fold_string(text, n);
	fl = strlen(folded);
	if (fl == 0) {
		free(folded);
		return perr(p, pos, "term '%.*s' has no letters or digits", (int)wlen, written);
	}
	if (fl > MAX_PATTERN) {
		free(folded);
		return perr(p, pos, "term too long (more than %d bytes)", MAX_PATTERN);
	}
	text_utf8_decode(folded, fl, &first);
	i = fl - 1;
	while (i > 0 && ((unsigned char)folded[i] & 0xC0) == 0x80)
		i--;
	text_utf8_decode(folded + i, fl - i, &last);
	/* every word (and every no-boundary character) of folded text stands between
	 * spaces, so a pattern starts with one; it ends with one unless it is a prefix
	 * (and a prefix of one no-boundary character is that character) */
	(void)first;
	lead = true;
	trail = !prefix || (text_char_class(last) & TEXT_NOBOUND);
	pat = xasprintf("%s%s%s", lead ? " " : "", folded, trail ? " " : "");
	free(folded);

	if (set->n_terms == set->cap_terms) {
		set->cap_terms = set->cap_terms ? 2 * set->cap_terms : 64;
		set->terms = xreallocarray(set->terms, set->cap_terms, sizeof(*set->terms));
	}
	t = &set->terms[set->n_terms++];
	memset(t, 0, sizeof(*t));
	t->written = xstrndup(written, wlen);
	t->pat = pat;
	t->wl = p->wl;
	t->kind = kind;
	t->mask = mask;
	t->leaf = leaf;
	return 0;
}

/* Parses a comma-separated list of terms (keywords, exclude). */
static int
parse_list(struct parser *p, uint8_t kind)
{
	const char *s = p->s;
	size_t i = 0, n = p->n, start, end, q, k;
	bool any = false, prefix;

	if (str_is_blank(s))
		return perr(p, SIZE_MAX, "no terms");
	for (;;) {
		while (i < n && is_space(s[i]))
			i++;
		start = i;
		prefix = false;
		if (i < n && s[i] == '"') {
			q = i + 1;
			while (q < n && s[q] != '"')
				q++;
			if (q >= n)
				return perr(p, i, "unterminated quote");
			end = q;
			k = q + 1;
			if (k < n && s[k] == '*') {
				prefix = true;
				k++;
			}
			while (k < n && is_space(s[k]))
				k++;
			if (k < n && s[k] != ',')
				return perr(p, k, "unexpected text after phrase");
			start = i + 1;
			while (end > start && is_space(s[end - 1]))
				end--;
			if (end > start && s[end - 1] == '*') {
				prefix = true;
				end--;
			}
			if (add_literal(p, s + start, end - start, prefix, i, s + start,
			    end - start + (prefix ? 1 : 0), kind, p->fields, 0) < 0)
				return -1;
			i = k;
		} else {
			q = i;
			while (q < n && s[q] != ',') {
				if (s[q] == '"')
					return perr(p, q, "unexpected '\"'");
				q++;
			}
			end = q;
			while (end > start && is_space(s[end - 1]))
				end--;
			if (end == start)
				return perr(p, start, "empty term");
			if (s[start] == '/' && end - start > 1 && s[end - 1] == '/')
				return perr(p, start,
				    "regular expressions are only allowed in match");
			k = end;
			if (s[end - 1] == '*') {
				prefix = true;
				k = end - 1;
			}
			for (size_t j = start; j < k; j++)
				if (s[j] == '*')
					return perr(p, j, "'*' may only end a term");
			if (add_literal(p, s + start, k - start, prefix, start, s + start,
			    end - start, kind, p->fields, 0) < 0)
				return -1;
			i = q;
		}
		any = true;
		if (i >= n)
			break;
		i++;	/* the comma */
		while (i < n && is_space(s[i]))
			i++;
		if (i >= n)
			return perr(p, i, "empty term");
	}
	return any ? 0 : perr(p, SIZE_MAX, "no terms");
}

/* Parses "title, summary, ..." into p->fields. */
static int
parse_fields(struct parser *p)
{
	const char *s = p->s;
	size_t i = 0, n = p->n, start, end;
	int f;

	p->fields = 0;
	while (i < n) {
		while (i < n && (is_space(s[i]) || s[i] == ','))
			i++;
		if (i >= n)
			break;
		start = i;
		while (i < n && s[i] != ',' && !is_space(s[i]))
			i++;
		end = i;
		if ((f = field_lookup(s + start, end - start)) < 0)
			return perr(p, start, "unknown field '%.*s' (title, summary, content, "
			    "categories)", (int)(end - start), s + start);
		p->fields |= (uint8_t)(1u << f);
	}
	if (p->fields == 0)
		return perr(p, SIZE_MAX, "no fields");
	return 0;
}

static int
lex_phrase(struct parser *p, size_t q)
{
	const char *s = p->s;
	size_t e = q + 1, a, b;

	while (e < p->n && s[e] != '"')
		e++;
	if (e >= p->n)
		return perr(p, q, "unterminated quote");
	a = q + 1;
	b = e;
	while (a < b && is_space(s[a]))
		a++;
	while (b > a && is_space(s[b - 1]))
		b--;
	p->tprefix = false;
	if (b > a && s[b - 1] == '*') {
		p->tprefix = true;
		b--;
	}
	if (b == a)
		return perr(p, q, "empty phrase");
	e++;
	if (e < p->n && s[e] == '*') {
		p->tprefix = true;
		e++;
	}
	if (e < p->n && !is_space(s[e]) && s[e] != '(' && s[e] != ')')
		return perr(p, e, "unexpected text after phrase");
	p->tok = TOK_TERM;
	p->tkind = TERM_PHRASE;
	p->ttext = s + a;
	p->tlen = b - a;
	p->ttextpos = a;
	p->i = e;
	return 0;
}

static int
lex_regex(struct parser *p, size_t q)
{
	const char *s = p->s;
	size_t e = q + 1;

	while (e < p->n && s[e] != '/') {
		if (s[e] == '\\' && e + 1 < p->n)
			e++;
		e++;
	}
	if (e >= p->n)
		return perr(p, q, "unterminated regex");
	if (e == q + 1)
		return perr(p, q, "empty regex");
	p->tok = TOK_TERM;
	p->tkind = TERM_REGEX;
	p->ttext = s + q + 1;
	p->tlen = e - q - 1;
	p->ttextpos = q + 1;
	p->tprefix = false;
	e++;
	if (e < p->n && !is_space(s[e]) && s[e] != '(' && s[e] != ')')
		return perr(p, e, "unexpected text after regex");
	p->i = e;
	return 0;
}

/* Reads the next token of a match expression. */
static int
lex_next(struct parser *p)
{
	const char *s = p->s;
	size_t i = p->i, w, colon = SIZE_MAX, j;

	while (i < p->n && is_space(s[i]))
		i++;
	p->tpos = i;
	p->tfield = -1;
	if (i >= p->n) {
		p->tok = TOK_END;
		p->i = i;
		return 0;
	}
	switch (s[i]) {
	case '(':
		p->tok = TOK_LP;
		p->i = i + 1;
		return 0;
	case ')':
		p->tok = TOK_RP;
		p->i = i + 1;
		return 0;
	case '"':
		return lex_phrase(p, i);
	case '/':
		return lex_regex(p, i);
	}
	w = i;
	while (w < p->n && !is_space(s[w]) && s[w] != '(' && s[w] != ')' && s[w] != '"') {
		if (s[w] == ':' && colon == SIZE_MAX)
			colon = w;
		w++;
	}
	if ((w - i == 3 && memcmp(s + i, "AND", 3) == 0)) {
		p->tok = TOK_AND;
		p->i = w;
		return 0;
	}
	if (w - i == 2 && memcmp(s + i, "OR", 2) == 0) {
		p->tok = TOK_OR;
		p->i = w;
		return 0;
	}
	if (w - i == 3 && memcmp(s + i, "NOT", 3) == 0) {
		p->tok = TOK_NOT;
		p->i = w;
		return 0;
	}
	if (colon != SIZE_MAX && colon > i) {
		bool letters = true;

		for (j = i; j < colon; j++)
			if (!((s[j] >= 'a' && s[j] <= 'z') || (s[j] >= 'A' && s[j] <= 'Z')))
				letters = false;
		if (letters) {
			int f = field_lookup(s + i, colon - i);

			if (f < 0)
				return perr(p, i, "unknown field '%.*s' (title, summary, content, "
				    "categories)", (int)(colon - i), s + i);
			j = colon + 1;
			if (j < p->n && s[j] == '/') {
				if (lex_regex(p, j) < 0)
					return -1;
			} else if (j < p->n && s[j] == '"') {
				if (lex_phrase(p, j) < 0)
					return -1;
			} else if (j == w) {
				return perr(p, i, "expected a term after '%.*s:'", (int)(colon - i),
				    s + i);
			} else {
				p->tfield = f;
				i = j;
				goto word;
			}
			p->tfield = f;
			p->tpos = i;
			return 0;
		}
	}
	if (w < p->n && s[w] == '"')
		return perr(p, w, "unexpected '\"'");
word:
	p->tok = TOK_TERM;
	p->tkind = TERM_WORD;
	p->tprefix = false;
	p->ttext = s + i;
	p->tlen = w - i;
	p->ttextpos = i;
	if (s[w - 1] == '*') {
		p->tprefix = true;
		p->tlen--;
	}
	for (j = 0; j < p->tlen; j++)
		if (p->ttext[j] == '*')
			return perr(p, i + j, "'*' may only end a term");
	if (w < p->n && s[w] == '"')
		return perr(p, w, "unexpected '\"'");
	p->i = w;
	return 0;
}

static int64_t
new_node(struct parser *p, uint8_t op, uint32_t a, uint32_t n)
{
	if (p->n_nodes == p->cap_nodes) {
		p->cap_nodes = p->cap_nodes ? 2 * p->cap_nodes : 16;
		p->nodes = xreallocarray(p->nodes, p->cap_nodes, sizeof(*p->nodes));
	}
	p->nodes[p->n_nodes] = (struct node){ .op = op, .a = a, .n = n };
	return (int64_t)p->n_nodes++;
}

static int64_t
new_nary(struct parser *p, uint8_t op, const uint32_t *kids, size_t n)
{
	uint32_t first;

	if (n == 1)
		return kids[0];
	if (p->n_kids + n > p->cap_kids) {
		while (p->n_kids + n > p->cap_kids)
			p->cap_kids = p->cap_kids ? 2 * p->cap_kids : 16;
		p->kids = xreallocarray(p->kids, p->cap_kids, sizeof(*p->kids));
	}
	first = (uint32_t)p->n_kids;
	memcpy(p->kids + p->n_kids, kids, n * sizeof(*kids));
	p->n_kids += n;
	return new_node(p, op, first, (uint32_t)n);
}

static bool
starts_operand(int tok)
{
	return tok == TOK_TERM || tok == TOK_LP || tok == TOK_NOT;
}

static int64_t
parse_or(struct parser *p)
{
	uint32_t *kids = NULL;
	size_t n = 0, cap = 0;
	int64_t r;
	for (;;) {
		r = parse_and(p);
		if (r < 0)
			goto fail;
		if (n == cap) {
			cap = cap ? 2 * cap : 8;
			kids = xreallocarray(kids, cap, sizeof(*kids));
		}
		kids[n++] = (uint32_t)r;
		if (p->tok != TOK_OR)
			break;
		if (lex_next(p) < 0)
			goto fail;
		if (!starts_operand(p->tok)) {
			if (p->tok == TOK_END || p->tok == TOK_RP)
				perr(p, p->tpos, "expected a term after 'OR'");
			else
				perr(p, p->tpos, "unexpected '%s'", p->tok == TOK_AND ? "AND" : "OR");
			goto fail;
		}
	}
	r = new_nary(p, NODE_OR, kids, n);
	free(kids);
	return r;
fail:
	free(kids);
	return -1;
}

static int64_t
parse_and(struct parser *p)
{
	uint32_t *kids = NULL;
	size_t n = 0, cap = 0;
	int64_t r;

	for (;;) {
		r = parse_unary(p);
		if (r < 0)
			goto fail;
		if (n == cap) {
			cap = cap ? 2 * cap : 8;
			kids = xreallocarray(kids, cap, sizeof(*kids));
		}
		kids[n++] = (uint32_t)r;
		if (p->tok == TOK_AND) {
			if (lex_next(p) < 0)
				goto fail;
			if (!starts_operand(p->tok)) {
				if (p->tok == TOK_END || p->tok == TOK_RP)
					perr(p, p->tpos, "expected a term after 'AND'");
				else
					perr(p, p->tpos, "unexpected '%s'",
					    p->tok == TOK_AND ? "AND" : "OR");
				goto fail;
			}
			continue;
		}
		if (!starts_operand(p->tok))
			break;
		/* adjacent operands: implicit AND */
	}
	r = new_nary(p, NODE_AND, kids, n);
	free(kids);
	return r;
fail:
	free(kids);
	return -1;
}

static int64_t
parse_unary(struct parser *p)
{
	int64_t r;
	size_t pos = p->tpos;

	if (p->tok == TOK_NOT) {
		if (++p->depth > MAX_DEPTH)
			return perr(p, pos, "expression nested too deeply");
		if (lex_next(p) < 0)
			return -1;
		if (!starts_operand(p->tok)) {
			if (p->tok == TOK_END || p->tok == TOK_RP)
				return perr(p, p->tpos, "expected a term after 'NOT'");
			return perr(p, p->tpos, "unexpected '%s'", p->tok == TOK_AND ? "AND" : "OR");
		}
		r = parse_unary(p);
		p->depth--;
		if (r < 0)
			return -1;
		return new_node(p, NODE_NOT, (uint32_t)r, 0);
	}
	return parse_primary(p);
}

static int64_t
parse_primary(struct parser *p)
{
	int64_t r;
	size_t pos = p->tpos;

	switch (p->tok) {
	case TOK_LP:
		if (++p->depth > MAX_DEPTH)
			return perr(p, pos, "expression nested too deeply");
		if (lex_next(p) < 0)
			return -1;
		if (p->tok == TOK_RP)
			return perr(p, pos, "empty parentheses");
		if (p->tok == TOK_END)
			return perr(p, pos, "unbalanced '('");
		if (!starts_operand(p->tok))
			return perr(p, p->tpos, "unexpected '%s'", p->tok == TOK_AND ? "AND" : "OR");
		r = parse_or(p);
		if (r < 0)
			return -1;
		if (p->tok != TOK_RP)
			return perr(p, pos, "unbalanced '('");
		p->depth--;
		if (lex_next(p) < 0)
			return -1;
		return r;
	case TOK_TERM:
		r = add_leaf_term(p);
		if (r < 0)
			return -1;
		if (lex_next(p) < 0)
			return -1;
		return r;
	case TOK_RP:
		return perr(p, pos, "unbalanced ')'");
	case TOK_AND:
	case TOK_OR:
		return perr(p, pos, "unexpected '%s'", p->tok == TOK_AND ? "AND" : "OR");
	default:
		return perr(p, pos, "expected a term");
	}
}

/* Adds the current term token as a leaf; returns its node. */
static int64_t
add_leaf_term(struct parser *p)
{
	struct match_set *set = p->set;
	struct leaf *lf;
	uint32_t li = (uint32_t)set->n_leaves;
	uint8_t mask = p->tfield >= 0 ? (uint8_t)(1u << p->tfield) : p->fields;

	if (set->n_leaves == set->cap_leaves) {
		set->cap_leaves = set->cap_leaves ? 2 * set->cap_leaves : 32;
		set->leaves = xreallocarray(set->leaves, set->cap_leaves, sizeof(*set->leaves));
	}
	lf = &set->leaves[set->n_leaves];
	memset(lf, 0, sizeof(*lf));
	lf->mask = mask;
	lf->term = -1;
	if (p->tkind == TERM_REGEX) {
		int ec;
		PCRE2_SIZE eo;
		pcre2_match_data *md;

		lf->re = pcre2_compile((PCRE2_SPTR)p->ttext, p->tlen,
		    PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS | PCRE2_MATCH_INVALID_UTF |
		    PCRE2_NEVER_BACKSLASH_C, &ec, &eo, NULL);
		if (lf->re == NULL) {
			PCRE2_UCHAR msg[256];

			pcre2_get_error_message(ec, msg, sizeof(msg));
			return perr(p, p->ttextpos + (eo <= p->tlen ? eo : p->tlen),
			    "regex error: %s", (const char *)msg);
		}
		(void)pcre2_jit_compile(lf->re, PCRE2_JIT_COMPLETE);
		md = pcre2_match_data_create(1, NULL);
		ec = pcre2_match(lf->re, (PCRE2_SPTR)"", 0, 0, 0, md, NULL);
		pcre2_match_data_free(md);
		if (ec >= 0) {
			pcre2_code_free(lf->re);
			lf->re = NULL;
			return perr(p, p->ttextpos - 1, "regex matches empty text");
		}
		lf->written = xasprintf("/%.*s/", (int)p->tlen, p->ttext);
		set->n_leaves++;
		set->wl[p->wl].has_regex = true;	/* provisional: rolled back with the wl */
	} else {
		size_t wlen = p->tlen + (p->tprefix ? 1 : 0);

		if (add_literal(p, p->ttext, p->tlen, p->tprefix, p->tpos, p->ttext, wlen,
		    KIND_LEAF, mask, li) < 0)
			return -1;
		lf->term = (int64_t)set->n_terms - 1;
		set->n_leaves++;
	}
	return new_node(p, NODE_LEAF, li, 0);
}

/* Value of the expression when no term occurs (regexes do not match). */
static bool
eval_static(const struct watchlist *w, const struct node *nd)
{
	uint32_t k;

	switch (nd->op) {
	case NODE_LEAF:
		return false;
	case NODE_NOT:
		return !eval_static(w, &w->nodes[nd->a]);
	case NODE_AND:
		for (k = 0; k < nd->n; k++)
			if (!eval_static(w, &w->nodes[w->kids[nd->a + k]]))
				return false;
		return true;
	default:
		for (k = 0; k < nd->n; k++)
			if (eval_static(w, &w->nodes[w->kids[nd->a + k]]))
				return true;
		return false;
	}
}

/* Marks each leaf positive or negative by the parity of NOTs above it. */
static void mark_polarity(struct match_set *set, const struct watchlist *w,
    const struct node *nd, bool positive);

static void
mark_polarity(struct match_set *set, const struct watchlist *w, const struct node *nd,
    bool positive)
{
	uint32_t k;

	switch (nd->op) {
	case NODE_LEAF:
		set->leaves[nd->a].positive = positive;
		break;
	case NODE_NOT:
		mark_polarity(set, w, &w->nodes[nd->a], !positive);
		break;
	default:
		for (k = 0; k < nd->n; k++)
			mark_polarity(set, w, &w->nodes[w->kids[nd->a + k]], positive);
	}
}

static void
rollback(struct match_set *set, size_t n_terms, size_t n_leaves)
{
	while (set->n_terms > n_terms) {
		struct term *t = &set->terms[--set->n_terms];

		free(t->written);
		free(t->pat);
	}
	while (set->n_leaves > n_leaves) {
		struct leaf *l = &set->leaves[--set->n_leaves];

		pcre2_code_free(l->re);
		free(l->written);
	}
}

/* Allocates an empty set (see match.h). */
struct match_set *
match_set_new(void)
{
	struct match_set *set = xcalloc(1, sizeof(*set));

	set->mctx = pcre2_match_context_create(NULL);
	pcre2_set_match_limit(set->mctx, REGEX_MATCH_LIMIT);
	pcre2_set_depth_limit(set->mctx, REGEX_DEPTH_LIMIT);
	pcre2_set_heap_limit(set->mctx, REGEX_HEAP_LIMIT);
	return set;
}

/* Frees a set and everything it owns; NULL is fine. */
void
match_set_free(struct match_set *set)
{
	size_t i;

	if (set == NULL)
		return;
	rollback(set, 0, 0);
	for (i = 0; i < set->n_wl; i++) {
		free(set->wl[i].name);
		free(set->wl[i].nodes);
		free(set->wl[i].kids);
	}
	free(set->wl);
	free(set->terms);
	free(set->leaves);
	free(set->pats);
	free(set->pat_len);
	free(set->ref_start);
	free(set->ref);
	free(set->regex_wl);
	free(set->pi);
	free(set->arena);
	free(set->words.slot);
	free(set->words.cand);
	free(set->prefixes.slot);
	free(set->prefixes.cand);
	pcre2_match_context_free(set->mctx);
	free(set);
}

/* Number of watchlists added. */
size_t
match_set_count(const struct match_set *set)
{
	return set->n_wl;
}

/* Name of the i-th watchlist, or NULL past the end. */
const char *
match_set_name(const struct match_set *set, size_t i)
{
	return i < set->n_wl ? set->wl[i].name : NULL;
}

/* Number of distinct literal patterns (after compile). */
size_t
match_set_patterns(const struct match_set *set)
{
	return set->n_pats;
}


/* Parses one watchlist into the set; on error the set is left as it was. */
int
match_set_add_watchlist(struct match_set *set, const char *name,
    const struct match_watchlist_spec *spec, char *err, size_t errlen)
{
	struct parser p;
	struct watchlist *w;
	size_t n_terms = set->n_terms, n_leaves = set->n_leaves, i;
	int64_t root;

	memset(&p, 0, sizeof(p));
	p.set = set;
	p.err = err;
	p.errlen = errlen;
	p.wlname = name;
	p.wl = (uint32_t)set->n_wl;
	p.fields = ALL_FIELDS;
	if (set->compiled) {
		snprintf(err, errlen, "watchlist '%s': the set is already compiled", name);
		return -1;
	}
	for (i = 0; i < set->n_wl; i++)
		if (strcmp(set->wl[i].name, name) == 0) {
			snprintf(err, errlen, "watchlist '%s': defined twice", name);
			return -1;
		}
	if ((spec->keywords == NULL || str_is_blank(spec->keywords)) && spec->match == NULL) {
		snprintf(err, errlen, "watchlist '%s': needs keywords or match", name);
		return -1;
	}
	if (set->n_wl == set->cap_wl) {
		set->cap_wl = set->cap_wl ? 2 * set->cap_wl : 8;
		set->wl = xreallocarray(set->wl, set->cap_wl, sizeof(*set->wl));
	}
	w = &set->wl[set->n_wl];
	memset(w, 0, sizeof(*w));

	if (spec->fields != NULL) {
		p.what = "fields";
		p.s = spec->fields;
		p.n = strlen(spec->fields);
		if (parse_fields(&p) < 0)
			goto fail;
	}
	w->fields = p.fields;
	if (spec->keywords != NULL) {
		p.what = "keywords";
		p.s = spec->keywords;
		p.n = strlen(spec->keywords);
		if (parse_list(&p, KIND_KEYWORD) < 0)
			goto fail;
		w->has_keywords = true;
	}
	if (spec->exclude != NULL) {
		p.what = "exclude";
		p.s = spec->exclude;
		p.n = strlen(spec->exclude);
		if (parse_list(&p, KIND_EXCLUDE) < 0)
			goto fail;
	}
	if (spec->match != NULL) {
		p.what = "match";
		p.s = spec->match;
		p.n = strlen(spec->match);
		if (lex_next(&p) < 0)
			goto fail;
		if (p.tok == TOK_END) {
			perr(&p, SIZE_MAX, "empty expression");
			goto fail;
		}
		root = parse_or(&p);
		if (root < 0)
			goto fail;
		if (p.tok == TOK_RP) {
			perr(&p, p.tpos, "unbalanced ')'");
			goto fail;
		}
		w->nodes = p.nodes;
		w->n_nodes = p.n_nodes;
		w->kids = p.kids;
		w->n_kids = p.n_kids;
		p.nodes = NULL;
		p.kids = NULL;
		w->root = (uint32_t)root;
		w->leaf0 = (uint32_t)n_leaves;
		w->leaf1 = (uint32_t)set->n_leaves;
		if (eval_static(w, &w->nodes[w->root])) {
			snprintf(err, errlen, "watchlist '%s': match: the expression holds for items "
			    "that contain none of its terms (put a positive term beside NOT)", name);
			free(w->nodes);
			free(w->kids);
			w->nodes = NULL;
			w->kids = NULL;
			goto fail;
		}
		mark_polarity(set, w, &w->nodes[w->root], true);
	}
	w->name = xstrdup(name);
	set->n_wl++;
	free(p.nodes);
	free(p.kids);
	return 0;
fail:
	free(p.nodes);
	free(p.kids);
	rollback(set, n_terms, n_leaves);
	return -1;
}

/* ---- compile ------------------------------------------------------------------- */

#define HSEED	0x243F6A8885A308D3ull
#define ONES	0x0101010101010101ull
#define HIGHS	0x8080808080808080ull
#define SPACES	0x2020202020202020ull

static inline uint64_t
hmix(uint64_t h, uint64_t x)
{
	h = (h ^ x) * 0x9E3779B97F4A7C15ull;
	return h ^ (h >> 29);
}

/* The hash of a word, as the scanner computes it: 8-byte little-endian chunks, then the
 * rest (possibly nothing). */
static uint64_t
word_hash(const unsigned char *p, size_t n)
{
	uint64_t h = HSEED, x;
	size_t i = 0, k;

	for (; i + 8 <= n; i += 8) {
		memcpy(&x, p + i, 8);
		h = hmix(h, x);
	}
	x = 0;
	for (k = 0; i + k < n; k++)
		x |= (uint64_t)p[i + k] << (8 * k);
	/* no length: words never hold a 0 byte, so the zero padding is unambiguous */
	return hmix(h, x);
}

static inline uint32_t
hash_tag(uint64_t h)
{
	return (uint32_t)(h >> 32) | 1;
}

static inline bool
filter_has(const struct wtable *t, uint64_t h)
{
	uint64_t a = h >> 47, b = (h >> 30) & (FILTER_BITS - 1);

	return (t->filter[a / 64] >> (a % 64)) & (t->filter[b / 64] >> (b % 64)) & 1;
}

static inline void
filter_add(struct wtable *t, uint64_t h)
{
	uint64_t a = h >> 47, b = (h >> 30) & (FILTER_BITS - 1);

	t->filter[a / 64] |= 1ull << (a % 64);
	t->filter[b / 64] |= 1ull << (b % 64);
}

/* The patterns keyed by the word w[0..n) with hash h: returns their number and points
 * *list at their ids (*one holds the id when there is only one). */
static inline size_t
wtable_find(const struct match_set *set, const struct wtable *t, uint64_t h,
    const unsigned char *w, size_t n, const uint32_t **list, uint32_t *one)
{
	uint32_t tag = hash_tag(h);
	uint64_t i = h & t->mask;

	if (!filter_has(t, h))
		return 0;
	for (;;) {
		const struct wslot *sl = &t->slot[i];

		if (sl->tag == tag) {
			uint32_t p = sl->list & SLOT_ONE ? sl->list & ~SLOT_ONE : t->cand[sl->list + 1];
			const struct pinfo *pi = &set->pi[p];

			if (pi->w1len == n && memcmp(set->arena + pi->off + 1, w, n) == 0) {
				if (sl->list & SLOT_ONE) {
					*one = p;
					*list = one;
					return 1;
				}
				*list = &t->cand[sl->list + 1];
				return t->cand[sl->list];
			}
		} else if (sl->tag == 0) {
			return 0;
		}
		i = (i + 1) & t->mask;
	}
}

struct hpair {
	uint64_t h;
	uint32_t p;
	const char *key;
	uint16_t len;
};

static int
cmp_hpair(const void *a, const void *b)
{
	const struct hpair *x = a, *y = b;
	int c;

	if (x->h != y->h)
		return x->h < y->h ? -1 : 1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	if ((c = memcmp(x->key, y->key, x->len)) != 0)
		return c;
	return x->p < y->p ? -1 : x->p > y->p;
}

/* Builds a table keyed by the first word (for prefixes: the whole prefix) of pats[]. */
static void
wtable_build(struct wtable *t, const struct match_set *set, const uint32_t *pats, size_t n)
{
	struct hpair *hp = xmalloc((n + 1) * sizeof(*hp));
	size_t slots = 16, i, j;

	while (slots < 2 * n + 16)
		slots *= 2;
	t->slot = xcalloc(slots, sizeof(*t->slot));
	t->mask = slots - 1;
	t->cand = xmalloc((2 * n + 1) * sizeof(*t->cand));
	t->n_cand = 0;
	for (i = 0; i < n; i++) {
		uint32_t p = pats[i];

		hp[i].p = p;
		hp[i].key = set->arena + set->pi[p].off + 1;
		hp[i].len = set->pi[p].w1len;
		hp[i].h = word_hash((const unsigned char *)hp[i].key, hp[i].len);
	}
	qsort(hp, n, sizeof(*hp), cmp_hpair);
	for (i = 0; i < n; i = j) {
		uint64_t k = hp[i].h & t->mask;

		for (j = i + 1; j < n && hp[j].h == hp[i].h && hp[j].len == hp[i].len
		    && memcmp(hp[j].key, hp[i].key, hp[i].len) == 0; j++)
			;
		while (t->slot[k].tag != 0)
			k = (k + 1) & t->mask;
		filter_add(t, hp[i].h);
		t->slot[k].tag = hash_tag(hp[i].h);
		if (j - i == 1) {
			t->slot[k].list = SLOT_ONE | hp[i].p;
			continue;
		}
		t->slot[k].list = (uint32_t)t->n_cand;
		t->cand[t->n_cand++] = (uint32_t)(j - i);
		for (size_t m = i; m < j; m++)
			t->cand[t->n_cand++] = hp[m].p;
	}
	free(hp);
}

static int
build_tables(struct match_set *set, char *err, size_t errlen)
{
	uint32_t *wp = xmalloc((set->n_pats + 1) * sizeof(*wp));
	uint32_t *pp = xmalloc((set->n_pats + 1) * sizeof(*pp));
	size_t nw = 0, np = 0, p, k;
	uint64_t lens[MAX_PATTERN / 64 + 1] = { 0 };

	size_t total = 0;

	if (set->n_pats >= SLOT_ONE) {
		snprintf(err, errlen, "too many terms");
		free(wp);
		free(pp);
		return -1;
	}
	for (p = 0; p < set->n_pats; p++)
		total += set->pat_len[p];
	set->arena = xmalloc(total + 1);
	set->pi = xcalloc(set->n_pats + 1, sizeof(*set->pi));
	for (p = 0, total = 0; p < set->n_pats; p++) {
		const char *s = set->pats[p];
		size_t len = set->pat_len[p], w = 1;
		struct pinfo *pi = &set->pi[p];
		uint32_t cp;

		memcpy(set->arena + total, s, len);
		pi->off = (uint32_t)total;
		pi->len = (uint16_t)len;
		total += len;
		while (w < len && s[w] != ' ')
			w++;
		pi->w1len = (uint16_t)(w - 1);
		if (s[len - 1] != ' ') {
			k = len - 1;
			while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
				k--;
			text_utf8_decode(s + k, len - k, &cp);
			pi->ext = !(text_char_class(cp) & TEXT_NOBOUND);
		}
		if (w == len) {
			pi->kind = PAT_PREFIX;
			lens[(w - 1) / 64] |= 1ull << ((w - 1) % 64);
			pp[np++] = (uint32_t)p;
		} else {
			pi->kind = w + 1 == len ? PAT_WORD : PAT_PHRASE;
			wp[nw++] = (uint32_t)p;
		}
	}
	set->n_plens = 0;
	for (k = 1; k <= MAX_PATTERN; k++)
		if (lens[k / 64] & (1ull << (k % 64)))
			set->plens[set->n_plens++] = (uint16_t)k;
	wtable_build(&set->words, set, wp, nw);
	wtable_build(&set->prefixes, set, pp, np);
	free(wp);
	free(pp);
	return 0;
}

/* Deduplicates the patterns and builds the word tables. */
int
match_set_compile(struct match_set *set, char *err, size_t errlen)
{
	size_t i, hcap, p;
	uint32_t *hash, *count;

	if (set->compiled) {
		snprintf(err, errlen, "the watchlists are already compiled");
		return -1;
	}
	/* distinct patterns */
	hcap = 16;
	while (hcap < 2 * set->n_terms + 16)
		hcap *= 2;
	hash = xmalloc(hcap * sizeof(*hash));
	memset(hash, 0xFF, hcap * sizeof(*hash));
	set->pats = xmalloc((set->n_terms + 1) * sizeof(*set->pats));
	set->pat_len = xmalloc((set->n_terms + 1) * sizeof(*set->pat_len));
	set->n_pats = 0;
	for (i = 0; i < set->n_terms; i++) {
		const char *s = set->terms[i].pat;
		uint64_t h = 1469598103934665603ull;
		size_t k;

		for (k = 0; s[k]; k++)
			h = (h ^ (unsigned char)s[k]) * 1099511628211ull;
		k = (size_t)h & (hcap - 1);
		while (hash[k] != UINT32_MAX && strcmp(set->pats[hash[k]], s) != 0)
			k = (k + 1) & (hcap - 1);
		if (hash[k] == UINT32_MAX) {
			hash[k] = (uint32_t)set->n_pats;
			set->pats[set->n_pats] = set->terms[i].pat;
			set->pat_len[set->n_pats++] = (uint32_t)strlen(s);
		}
		set->terms[i].pattern = hash[k];
	}
	free(hash);
	/* pattern → terms */
	count = xcalloc(set->n_pats + 1, sizeof(*count));
	for (i = 0; i < set->n_terms; i++)
		count[set->terms[i].pattern + 1]++;
	for (p = 0; p < set->n_pats; p++)
		count[p + 1] += count[p];
	set->ref_start = count;
	set->ref = xmalloc((set->n_terms + 1) * sizeof(*set->ref));
	{
		uint32_t *fill = xmalloc((set->n_pats + 1) * sizeof(*fill));

		memcpy(fill, count, (set->n_pats + 1) * sizeof(*fill));
		for (i = 0; i < set->n_terms; i++)
			set->ref[fill[set->terms[i].pattern]++] = (uint32_t)i;
		free(fill);
	}
	set->regex_wl = xmalloc((set->n_wl + 1) * sizeof(*set->regex_wl));
	for (i = 0; i < set->n_wl; i++)
		if (set->wl[i].has_regex)
			set->regex_wl[set->n_regex_wl++] = (uint32_t)i;
	set->fields_used = 0;
	for (i = 0; i < set->n_terms; i++)
		set->fields_used |= set->terms[i].mask;
	if (build_tables(set, err, errlen) < 0)
		return -1;
	set->compiled = true;
	return 0;
}

/* ---- matching ------------------------------------------------------------------ */

/* The scanner: for every word of the folded text t[0..len), look its hash up among the
 * first words of the patterns (and its beginnings among the prefixes); call hit() for
 * each pattern that occurs there. Inlined into its two callers with their callback. */
static inline __attribute__((always_inline)) size_t
scan_words(const struct match_set *set, const unsigned char *t, size_t len,
    void (*hit)(void *, uint32_t, size_t), void *arg)
{
	const struct wtable *wt = &set->words;
	size_t i = 0, hits = 0, ws, n, k;
	uint64_t h, x, v, z;

	while (i < len) {
		if (t[i] == ' ') {
			i++;
			continue;
		}
		ws = i;
		h = HSEED;
		for (;;) {
			if (i + 8 <= len) {
				memcpy(&x, t + i, 8);
				v = x ^ SPACES;
				z = (v - ONES) & ~v & HIGHS;
				if (z != 0) {
					unsigned b = (unsigned)__builtin_ctzll(z) >> 3;

					x &= b ? ~0ull >> (64 - 8 * b) : 0;
					h = hmix(h, x);
					i += b;
					break;
				}
				h = hmix(h, x);
				i += 8;
			} else {
				unsigned b = 0;

				x = 0;
				while (i < len && t[i] != ' ') {
					x |= (uint64_t)t[i++] << (8 * b);
					if (++b == 8) {
						h = hmix(h, x);
						x = 0;
						b = 0;
					}
				}
				h = hmix(h, x);
				break;
			}
		}
		n = i - ws;
		{
			const uint32_t *c;
			uint32_t one;
			size_t nc = wtable_find(set, wt, h, t + ws, n, &c, &one);

			for (k = 0; k < nc; k++) {
				uint32_t p = c[k];
				const struct pinfo *pi = &set->pi[p];

				if (pi->kind == PAT_WORD) {
					hit(arg, p, i + 1);
					hits++;
				} else if (ws >= 1 && ws - 1 + pi->len <= len
				    && memcmp(t + ws - 1, set->arena + pi->off, pi->len) == 0) {
					hit(arg, p, ws - 1 + pi->len);
					hits++;
				}
			}
		}
		for (k = 0; k < set->n_plens && set->plens[k] <= n; k++) {
			size_t L = set->plens[k], nc, m;
			const uint32_t *c;
			uint32_t one;

			nc = wtable_find(set, &set->prefixes, word_hash(t + ws, L), t + ws, L, &c,
			    &one);
			for (m = 0; m < nc; m++) {
				hit(arg, c[m], ws + L);
				hits++;
			}
		}
	}
	return hits;
}

struct cb_arg {
	match_hit_cb cb;
	void *arg;
};

/* Forwards a hit to the caller of match_scan_folded(). */
static void
forward_hit(void *arg, uint32_t pattern, size_t end)
{
	struct cb_arg *a = arg;

	if (a->cb != NULL)
		a->cb(a->arg, pattern, end);
}

/* Runs the literal matcher over folded text, reporting every hit to cb. */
size_t
match_scan_folded(const struct match_set *set, const char *folded, size_t len,
    match_hit_cb cb, void *arg)
{
	struct cb_arg a = { cb, arg };

	if (!set->compiled || set->n_pats == 0)
		return 0;
	return scan_words(set, (const unsigned char *)folded, len, forward_hit, &a);
}

/* Prepares an empty result. */
void
match_result_init(struct match_result *res)
{
	memset(res, 0, sizeof(*res));
}

static void
clear_fires(struct match_result *res)
{
	size_t i;

	for (i = 0; i < res->n_fires; i++) {
		free(res->fires[i].terms);
		free(res->fires[i].snippet);
	}
	res->n_fires = 0;
}

/* Frees what a result holds (fires, snippets, scratch). */
void
match_result_free(struct match_result *res)
{
	struct match_scratch *sc = res->scratch;

	clear_fires(res);
	free(res->fires);
	if (sc != NULL) {
		free(sc->prec);
		free(sc->touched);
		free(sc->wstamp);
		free(sc->wstate);
		free(sc->cand);
		free(sc->leafstamp);
		free(sc->regval);
		free(sc->regfield);
		free(sc->regstart);
		free(sc->regend);
		free(sc->hits);
		free(sc->found);
		free(sc->catoff);
		text_fold_free(&sc->fold);
		buf_free(&sc->cats);
		pcre2_match_data_free(sc->md);
		free(sc);
	}
	memset(res, 0, sizeof(*res));
}

/* Sizes the scratch for set (a result may be used with several sets in turn). */
static void
scratch_fit(struct match_result *res, const struct match_set *set)
{
	struct match_scratch *sc = res->scratch;

	if (sc == NULL) {
		sc = res->scratch = xcalloc(1, sizeof(*sc));
		text_fold_init(&sc->fold);
		buf_init(&sc->cats, 0);
		sc->md = pcre2_match_data_create(1, NULL);
	}
	if (sc->set == set && sc->n_pats == set->n_pats && sc->n_wl == set->n_wl
	    && sc->n_leaves == set->n_leaves && sc->gen != UINT32_MAX)
		return;
	sc->set = set;
	sc->n_pats = set->n_pats;
	sc->n_wl = set->n_wl;
	sc->n_leaves = set->n_leaves;
	sc->gen = 0;
	free(sc->prec);
	free(sc->wstamp);
	free(sc->wstate);
	free(sc->cand);
	free(sc->leafstamp);
	free(sc->regval);
	free(sc->regfield);
	free(sc->regstart);
	free(sc->regend);
	sc->prec = xcalloc(set->n_pats + 1, sizeof(*sc->prec));
	sc->wstamp = xcalloc(set->n_wl + 1, sizeof(*sc->wstamp));
	sc->wstate = xcalloc(set->n_wl + 1, 1);
	sc->cand = xcalloc(set->n_wl + 1, sizeof(*sc->cand));
	sc->leafstamp = xcalloc(set->n_leaves + 1, sizeof(*sc->leafstamp));
	sc->regval = xcalloc(set->n_leaves + 1, 1);
	sc->regfield = xcalloc(set->n_leaves + 1, 1);
	sc->regstart = xcalloc(set->n_leaves + 1, sizeof(uint32_t));
	sc->regend = xcalloc(set->n_leaves + 1, sizeof(uint32_t));
}

struct rec_arg {
	const struct match_set *set;
	struct match_scratch *sc;
	int field;
	uint32_t base;
};

/* Records the first occurrence of pattern p in the field being scanned. */
static inline __attribute__((always_inline)) void
record_hit(void *arg, uint32_t p, size_t end)
{
	struct rec_arg *a = arg;
	const struct match_set *set = a->set;
	struct match_scratch *sc = a->sc;
	struct prec *pr = &sc->prec[p];
	uint8_t bit = (uint8_t)(1u << a->field);
	size_t fs, fe, len = sc->fold.len;

	if (pr->gen != sc->gen) {
		pr->gen = sc->gen;
		pr->mask = 0;
		if (sc->n_touched == sc->cap_touched) {
			sc->cap_touched = sc->cap_touched ? 2 * sc->cap_touched : 64;
			sc->touched = xreallocarray(sc->touched, sc->cap_touched,
			    sizeof(*sc->touched));
		}
		sc->touched[sc->n_touched++] = p;
	}
	if (pr->mask & bit)
		return;
	pr->mask |= bit;
	fe = end;
	fs = fe - set->pi[p].len + 1;	/* after the leading space */
	if (set->arena[set->pi[p].off + set->pi[p].len - 1] == ' ')
		fe--;
	else if (set->pi[p].ext)
		while (fe < len && sc->fold.s[fe] != ' ')
			fe++;
	if (fe > len)
		fe = len;
	pr->start[a->field] = a->base + sc->fold.map[fs];
	pr->end[a->field] = a->base + (uint32_t)text_orig_end(&sc->fold, fe);
}

/* Scans sc->fold (one field, or one category at base) and records what occurs. */
static void
scan_field(const struct match_set *set, struct match_scratch *sc, int field, uint32_t base)
{
	struct rec_arg a = { set, sc, field, base };

	scan_words(set, (const unsigned char *)sc->fold.s, sc->fold.len, record_hit, &a);
}

/* Runs regex leaf on the fields it looks at, once per item. */
static bool
eval_regex(const struct match_set *set, struct match_scratch *sc, uint32_t li)
{
	const struct leaf *lf = &set->leaves[li];
	PCRE2_SIZE *ov;
	int f, rc;

	if (sc->leafstamp[li] == sc->gen)
		return sc->regval[li];
	sc->leafstamp[li] = sc->gen;
	sc->regval[li] = 0;
	ov = pcre2_get_ovector_pointer(sc->md);
	for (f = 0; f < MATCH_NFIELDS; f++) {
		size_t nparts = 1, k;

		if (!(lf->mask & (1u << f)))
			continue;
		if (f == MATCH_CATEGORIES) {
			nparts = 0;
			/* one run per category: ^ and $ keep their meaning */
			for (k = 0; sc->catoff != NULL && sc->catoff[k] != UINT32_MAX; k++)
				nparts++;
		}
		for (k = 0; k < nparts; k++) {
			const char *t = sc->orig[f];
			size_t a = 0, b = sc->origlen[f];

			if (f == MATCH_CATEGORIES) {
				a = sc->catoff[k];
				b = sc->catoff[k + 1] != UINT32_MAX ? sc->catoff[k + 1] - 2 :
				    sc->origlen[f];
			}
			rc = pcre2_match(lf->re, (PCRE2_SPTR)(t + a), b - a, 0, 0, sc->md,
			    set->mctx);
			if (rc >= 0) {
				sc->regval[li] = 1;
				sc->regfield[li] = (uint8_t)f;
				sc->regstart[li] = (uint32_t)(a + ov[0]);
				sc->regend[li] = (uint32_t)(a + ov[1]);
				return true;
			}
			if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT
			    || rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT)
				sc->limit_hits++;
		}
	}
	return false;
}

static bool
eval_node(const struct match_set *set, struct match_scratch *sc, const struct watchlist *w,
    const struct node *nd)
{
	uint32_t k;

	switch (nd->op) {
	case NODE_LEAF: {
		const struct leaf *lf = &set->leaves[nd->a];

		if (lf->term < 0)
			return eval_regex(set, sc, nd->a);
		return sc->leafstamp[nd->a] == sc->gen;
	}
	case NODE_NOT:
		return !eval_node(set, sc, w, &w->nodes[nd->a]);
	case NODE_AND:
		for (k = 0; k < nd->n; k++)
			if (!eval_node(set, sc, w, &w->nodes[w->kids[nd->a + k]]))
				return false;
		return true;
	default:
		for (k = 0; k < nd->n; k++)
			if (eval_node(set, sc, w, &w->nodes[w->kids[nd->a + k]]))
				return true;
		return false;
	}
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int
cmp_found_id(const void *a, const void *b)
{
	const struct found *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int
cmp_found_key(const void *a, const void *b)
{
	const struct found *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Records watchlist wi as fired: its terms in order and the snippet. */
static void
fire(const struct match_set *set, struct match_scratch *sc, struct match_result *res,
    uint32_t wi, bool kw, bool m)
{
	const struct watchlist *w = &set->wl[wi];
	struct match_fire *fi;
	size_t i, n = 0, k;

	/* literal hits */
	for (i = 0; i < sc->n_hits; i++) {
		const struct term *t = &set->terms[sc->hits[i]];
		const struct prec *pr;
		uint8_t both;
		int f;

		if (t->wl != wi)
			continue;
		if (t->kind == KIND_KEYWORD ? !kw : !m)
			continue;
		if (t->kind == KIND_LEAF && !set->leaves[t->leaf].positive)
			continue;
		pr = &sc->prec[t->pattern];
		both = pr->mask & t->mask;
		if (both == 0)
			continue;
		f = __builtin_ctz(both);
		if (n == sc->cap_found) {
			sc->cap_found = sc->cap_found ? 2 * sc->cap_found : 32;
			sc->found = xreallocarray(sc->found, sc->cap_found, sizeof(*sc->found));
		}
		sc->found[n] = (struct found){
			.key = (uint64_t)f << 32 | pr->start[f], .id = t->pattern,
			.seq = (uint32_t)n, .written = t->written, .field = (uint8_t)f,
			.start = pr->start[f], .end = pr->end[f],
		};
		n++;
	}
	/* regex hits (all positive regex leaves, for provenance) */
	if (m && w->has_regex) {
		for (i = w->leaf0; i < w->leaf1; i++) {
			const struct leaf *lf = &set->leaves[i];

			if (lf->term >= 0 || !lf->positive)
				continue;
			if (!eval_regex(set, sc, (uint32_t)i))
				continue;
			if (n == sc->cap_found) {
				sc->cap_found = sc->cap_found ? 2 * sc->cap_found : 32;
				sc->found = xreallocarray(sc->found, sc->cap_found,
				    sizeof(*sc->found));
			}
			sc->found[n] = (struct found){
				.key = (uint64_t)sc->regfield[i] << 32 | sc->regstart[i],
				.id = (1u << 31) | (uint32_t)i, .seq = (uint32_t)n,
				.written = lf->written, .field = sc->regfield[i],
				.start = sc->regstart[i], .end = sc->regend[i],
			};
			n++;
		}
	}
	if (n == 0)
		return;		/* cannot happen: something made it fire */
	/* dedupe by pattern, keep the first occurrence, then order by occurrence */
	qsort(sc->found, n, sizeof(*sc->found), cmp_found_id);
	for (i = 0, k = 0; i < n; i++)
		if (k == 0 || sc->found[k - 1].id != sc->found[i].id)
			sc->found[k++] = sc->found[i];
	n = k;
	qsort(sc->found, n, sizeof(*sc->found), cmp_found_key);

	if (res->n_fires == res->fires_cap) {
		res->fires_cap = res->fires_cap ? 2 * res->fires_cap : 4;
		res->fires = xreallocarray(res->fires, res->fires_cap, sizeof(*res->fires));
	}
	fi = &res->fires[res->n_fires++];
	fi->watchlist = wi;
	fi->name = w->name;
	fi->n_terms = n;
	fi->terms = xreallocarray(NULL, n, sizeof(*fi->terms));
	for (i = 0; i < n; i++) {
		fi->terms[i].term = sc->found[i].written;
		fi->terms[i].field = (enum match_field)sc->found[i].field;
	}
	fi->snippet_field = (enum match_field)sc->found[0].field;
	fi->snippet = make_snippet(sc->orig[sc->found[0].field],
	    sc->origlen[sc->found[0].field], sc->found[0].start, sc->found[0].end);
}

/* Matches one item against every watchlist of the set (see match.h). */
size_t
match_item(const struct match_set *set, const struct match_item_text *item,
    struct match_result *res)
{
	struct match_scratch *sc;
	size_t i, k, n_cand;
	int f;

	clear_fires(res);
	res->regex_limit_hits = 0;
	if (!set->compiled)
		return 0;
	scratch_fit(res, set);
	sc = res->scratch;
	if (++sc->gen == UINT32_MAX) {
		/* stamps wrap: start afresh */
		sc->set = NULL;
		scratch_fit(res, set);
		sc->gen = 1;
	}
	sc->n_touched = 0;
	sc->n_hits = 0;
	sc->limit_hits = 0;

	sc->orig[MATCH_TITLE] = item->title ? item->title : "";
	sc->orig[MATCH_SUMMARY] = item->summary ? item->summary : "";
	sc->orig[MATCH_CONTENT] = item->content ? item->content : "";
	buf_reset(&sc->cats);
	buf_appends(&sc->cats, "");
	if (sc->cap_catoff < item->n_categories + 1) {
		sc->cap_catoff = item->n_categories + 1;
		sc->catoff = xreallocarray(sc->catoff, sc->cap_catoff, sizeof(*sc->catoff));
	}
	for (i = 0; i < item->n_categories; i++) {
		if (i > 0)
			buf_appends(&sc->cats, ", ");
		sc->catoff[i] = (uint32_t)sc->cats.len;
		buf_appends(&sc->cats, item->categories[i] ? item->categories[i] : "");
	}
	sc->catoff[item->n_categories] = UINT32_MAX;
	sc->orig[MATCH_CATEGORIES] = sc->cats.data;
	for (f = 0; f < MATCH_NFIELDS; f++)
		sc->origlen[f] = strlen(sc->orig[f]);
	if (sc->origlen[MATCH_CATEGORIES] > UINT32_MAX / 2)
		sc->origlen[MATCH_CATEGORIES] = 0;

	/* 1. one pass of the automaton per field */
	if (set->n_pats > 0) {
		for (f = 0; f < MATCH_CATEGORIES; f++) {
			if (!(set->fields_used & (1u << f)) || sc->origlen[f] == 0)
				continue;
			text_fold(&sc->fold, sc->orig[f], sc->origlen[f]);
			scan_field(set, sc, f, 0);
		}
		if (set->fields_used & (1u << MATCH_CATEGORIES)) {
			for (i = 0; i < item->n_categories; i++) {
				const char *c = sc->orig[MATCH_CATEGORIES] + sc->catoff[i];
				size_t cl = (i + 1 < item->n_categories ? sc->catoff[i + 1] - 2 :
				    sc->origlen[MATCH_CATEGORIES]) - sc->catoff[i];

				text_fold(&sc->fold, c, cl);
				scan_field(set, sc, MATCH_CATEGORIES, sc->catoff[i]);
			}
		}
	}

	/* 2. the terms hit tell which watchlists to evaluate */
	n_cand = 0;
	for (i = 0; i < sc->n_touched; i++) {
		uint32_t p = sc->touched[i];
		const struct prec *pr = &sc->prec[p];

		for (k = set->ref_start[p]; k < set->ref_start[p + 1]; k++) {
			const struct term *t = &set->terms[set->ref[k]];

			if (sc->wstamp[t->wl] != sc->gen) {
				sc->wstamp[t->wl] = sc->gen;
				sc->wstate[t->wl] = 0;
				sc->cand[n_cand++] = t->wl;
			}
			if (!(pr->mask & t->mask))
				continue;
			switch (t->kind) {
			case KIND_KEYWORD:
				sc->wstate[t->wl] |= WS_KEYWORD;
				break;
			case KIND_EXCLUDE:
				sc->wstate[t->wl] |= WS_EXCLUDED;
				continue;
			default:
				sc->leafstamp[t->leaf] = sc->gen;
				break;
			}
			if (sc->n_hits == sc->cap_hits) {
				sc->cap_hits = sc->cap_hits ? 2 * sc->cap_hits : 64;
				sc->hits = xreallocarray(sc->hits, sc->cap_hits, sizeof(*sc->hits));
			}
			sc->hits[sc->n_hits++] = set->ref[k];
		}
	}
	for (i = 0; i < set->n_regex_wl; i++) {
		uint32_t wi = set->regex_wl[i];

		if (sc->wstamp[wi] != sc->gen) {
			sc->wstamp[wi] = sc->gen;
			sc->wstate[wi] = 0;
			sc->cand[n_cand++] = wi;
		}
	}
	qsort(sc->cand, n_cand, sizeof(*sc->cand), cmp_u32);

	/* 3. evaluate */
	for (i = 0; i < n_cand; i++) {
		const struct watchlist *w = &set->wl[sc->cand[i]];
		bool kw, m;

		if (sc->wstate[sc->cand[i]] & WS_EXCLUDED)
			continue;
		kw = w->has_keywords && (sc->wstate[sc->cand[i]] & WS_KEYWORD);
		m = w->n_nodes > 0 && eval_node(set, sc, w, &w->nodes[w->root]);
		if (kw || m)
			fire(set, sc, res, sc->cand[i], kw, m);
	}
	res->regex_limit_hits = sc->limit_hits;
	return res->n_fires;
}

/* ---- snippets ------------------------------------------------------------------ */

/* Appends s[0..n) to b, squeezing whitespace and controls into single spaces (pending
 * until more text follows) and replacing invalid UTF-8. */
static void
snip_append(struct buf *b, const char *s, size_t n, bool *pending)
{
	size_t i = 0, l;
	uint32_t cp;

	while (i < n) {
		l = text_utf8_decode(s + i, n - i, &cp);
		if (cp <= 0x20 || cp == 0x7F || cp == 0x85 || cp == 0xA0 || cp == 0x1680
		    || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029
		    || cp == 0x202F || cp == 0x205F || cp == 0x3000 || (cp >= 0x80 && cp < 0xA0)) {
			*pending = true;
		} else {
			if (*pending && b->len > 0)
				buf_appendc(b, ' ');
			*pending = false;
			if (cp == 0xFFFD && l == 1)
				buf_appends(b, "\xEF\xBF\xBD");
			else
				buf_append(b, s + i, l);
		}
		i += l;
	}
}

static bool
snip_is_space(const char *t, size_t i, size_t n)
{
	uint32_t cp;

	text_utf8_decode(t + i, n - i, &cp);
	return cp <= 0x20 || cp == 0xA0 || cp == 0x3000 || (cp >= 0x2000 && cp <= 0x200A);
}

/* The snippet around t[ms..me) (see struct match_fire). */
static char *
make_snippet(const char *t, size_t n, size_t ms, size_t me)
{
	struct buf b;
	size_t l = ms, r = me, k;
	int c;
	bool pending = false, cutl, cutr;

	if (ms > n)
		ms = n;
	if (me > n || me < ms)
		me = ms;
	for (c = 0; l > 0 && c < SNIPPET_CONTEXT; c++) {
		l--;
		while (l > 0 && ((unsigned char)t[l] & 0xC0) == 0x80)
			l--;
	}
	cutl = l > 0;
	if (cutl) {
		/* start after a space if one is near */
		for (k = l, c = 0; k < ms && c < SNIPPET_SLACK; c++) {
			if (snip_is_space(t, k, n)) {
				l = k;
				break;
			}
			k++;
			while (k < ms && ((unsigned char)t[k] & 0xC0) == 0x80)
				k++;
		}
		while (l < ms && snip_is_space(t, l, n))
			l++;
	}
	for (c = 0; r < n && c < SNIPPET_CONTEXT; c++) {
		r++;
		while (r < n && ((unsigned char)t[r] & 0xC0) == 0x80)
			r++;
	}
	cutr = r < n;
	if (cutr) {
		/* end before a space if one is near */
		for (k = r, c = 0; k > me && c < SNIPPET_SLACK; c++) {
			if (snip_is_space(t, k, n)) {
				r = k;
				break;
			}
			k--;
			while (k > me && ((unsigned char)t[k] & 0xC0) == 0x80)
				k--;
		}
	}
	buf_init(&b, 0);
	buf_appends(&b, "");
	if (cutl)
		buf_appends(&b, "…");
	snip_append(&b, t + l, ms - l, &pending);
	if (pending && b.len > 0)
		buf_appendc(&b, ' ');
	buf_appends(&b, "«");
	pending = false;
	/* a long regex match is shown by its beginning */
	for (k = ms, c = 0; k < me && c < 2 * SNIPPET_CONTEXT; c++) {
		k++;
		while (k < me && ((unsigned char)t[k] & 0xC0) == 0x80)
			k++;
	}
	snip_append(&b, t + ms, k - ms, &pending);
	if (k < me)
		buf_appends(&b, "…");
	buf_appends(&b, "»");
	pending = false;
	snip_append(&b, t + me, r - me, &pending);
	if (cutr)
		buf_appends(&b, "…");
	return buf_steal(&b);
}
