/* text.c — folds plain UTF-8 text for the watchlist engine (NFKC + case folding with
 * utf8proc, word normalisation) and keeps a map from every folded byte back to the
 * original text, so that a match can be shown as a snippet of what the feed said.
 *
 * ASCII is folded by a table, one byte at a time. Anything else is cut into segments (a
 * starter and the combining marks or Hangul jamo that follow it, the unit NFKC can
 * compose) and each segment goes through utf8proc; segments of one code point, by far
 * the most common, are cached per folder. */
#include "text.h"

#include <stdbool.h>
#include <string.h>
#include <utf8proc.h>

#include "util.h"

#define CACHE_SIZE	2048	/* entries of the per-folder code point cache */
#define CACHE_MAXOUT	4	/* longest folded form kept in the cache */
#define SEG_MAX		64	/* longest segment folded as one unit (code points) */

/* Options of the decomposition step and of the composition step. */
#define FOLD_DECOMPOSE	(UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | \
			 UTF8PROC_IGNORE | UTF8PROC_STABLE)
#define FOLD_COMPOSE	(UTF8PROC_COMPOSE | UTF8PROC_STABLE)

struct cache_entry {
	int32_t cp;		/* -1: empty */
	uint8_t n;
	uint8_t cls[CACHE_MAXOUT];
	int32_t out[CACHE_MAXOUT];
};

/* Emitter state while folding one text. */
struct emitter {
	struct text_fold *f;
	size_t o;		/* bytes written to f->s */
	int lc;			/* kind of the last character written: 0 space, 1 word, 2 no-boundary */
};

static const uint8_t ascii_word[128] = {
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1,
	['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
	['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1,
	['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1,
	['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1,
	['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1,
	['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1,
	['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1,
	['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1,
	['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
};

static void reserve(struct text_fold *f, size_t need);
static bool is_nobound_cp(uint32_t cp);
static bool joins_segment(uint32_t cp);
static size_t fold_segment(struct text_fold *f, const char *s, size_t n, int32_t *out,
    size_t outcap, uint8_t *cls);
static size_t fold_one(struct text_fold *f, uint32_t cp, const char *s, size_t n,
    int32_t *out, size_t outcap, uint8_t *cls);
static size_t turkish_fixup(int32_t *cps, size_t n);
static size_t last_starter(const struct text_fold *f, size_t o);
static inline void emit_space(struct emitter *e, uint32_t off);
static inline void emit_cp(struct emitter *e, int32_t cp, unsigned cls, uint32_t off);

static void
reserve(struct text_fold *f, size_t need)
{
	size_t cap;

	if (need <= f->cap)
		return;
	cap = f->cap ? f->cap : 256;
	while (cap < need)
		cap *= 2;
	f->s = xrealloc(f->s, cap);
	f->map = xreallocarray(f->map, cap, sizeof(*f->map));
	f->cap = cap;
}

/* Prepares an empty folder. */
void
text_fold_init(struct text_fold *f)
{
	memset(f, 0, sizeof(*f));
	reserve(f, 64);
	f->s[0] = '\0';
	f->map[0] = 0;
}

/* Frees a folder's buffers. */
void
text_fold_free(struct text_fold *f)
{
	free(f->s);
	free(f->map);
	free(f->cache);
	memset(f, 0, sizeof(*f));
}

/* Scripts written without spaces between words (see text.h). */
static bool
is_nobound_cp(uint32_t cp)
{
	if (cp < 0x0E00)
		return false;
	return (cp >= 0x0E00 && cp <= 0x0EFF)		/* Thai, Lao */
	    || (cp >= 0x1000 && cp <= 0x109F)		/* Myanmar */
	    || (cp >= 0x1100 && cp <= 0x11FF)		/* Hangul jamo */
	    || (cp >= 0x1780 && cp <= 0x17FF)		/* Khmer */
	    || (cp >= 0x2E80 && cp <= 0x2FDF)		/* CJK radicals */
	    || (cp >= 0x3005 && cp <= 0x3007)		/* 々 〆 〇 */
	    || (cp >= 0x3021 && cp <= 0x303B)		/* Hangzhou numerals, 〻 */
	    || (cp >= 0x3040 && cp <= 0x31FF)		/* kana, bopomofo, jamo, kanbun */
	    || (cp >= 0x3400 && cp <= 0x4DBF)		/* CJK ext. A */
	    || (cp >= 0x4E00 && cp <= 0x9FFF)		/* CJK unified */
	    || (cp >= 0xA960 && cp <= 0xA97F)		/* Hangul jamo ext. A */
	    || (cp >= 0xAC00 && cp <= 0xD7FF)		/* Hangul syllables, jamo ext. B */
	    || (cp >= 0xF900 && cp <= 0xFAFF)		/* CJK compatibility */
	    || (cp >= 0xFF66 && cp <= 0xFFDC)		/* half-width kana and Hangul */
	    || (cp >= 0x1AFF0 && cp <= 0x1B16F)		/* kana supplements */
	    || (cp >= 0x20000 && cp <= 0x3FFFF);	/* CJK ext. B and later */
}

/* Classifies a code point: word character, no-boundary script, combining mark. */
unsigned
text_char_class(uint32_t cp)
{
	unsigned c;

	if (cp < 0x80)
		return ascii_word[cp] ? TEXT_WORD : 0;
	if (cp > 0x10FFFF)
		return 0;
	switch (utf8proc_category((utf8proc_int32_t)cp)) {
	case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO:
	case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
		c = TEXT_WORD;
		break;
	case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME:
		c = TEXT_WORD | TEXT_MARK;
		break;
	default:
		return 0;
	}
	if (is_nobound_cp(cp))
		c |= TEXT_NOBOUND;
	return c;
}

/* Decodes one strict UTF-8 character (see text.h). */
size_t
text_utf8_decode(const char *str, size_t n, uint32_t *cp)
{
	size_t len = utf8_decode(str, n, cp);

	if (len == 0) {
		*cp = 0xFFFD;
		return 1;
	}
	return len;
}

/* True when cp continues the segment of the code point before it (NFKC may compose). */
static bool
joins_segment(uint32_t cp)
{
	if (cp < 0x300)
		return false;
	if (cp >= 0x1160 && cp <= 0x11FF)	/* Hangul medial vowels and final consonants */
		return true;
	return (text_char_class(cp) & TEXT_MARK) != 0;
}

/* Output offset where the last starter (a character that is not a combining mark) and
 * the marks after it begin, looking back at most 16 characters from o; after a space,
 * where the marks that follow it begin (o if none). */
static size_t
last_starter(const struct text_fold *f, size_t o)
{
	size_t b = o, a;
	uint32_t pc;
	int n;

	for (n = 0; n < 16 && b > 1; n++) {
		a = b - 1;
		while (a > 1 && ((unsigned char)f->s[a] & 0xC0) == 0x80)
			a--;
		text_utf8_decode(f->s + a, b - a, &pc);
		if (pc == ' ')
			return b;	/* marks without a starter: still reorder them */
		b = a;
		if (!joins_segment(pc))
			return b;
	}
	return b < o && f->s[b - 1] == ' ' ? b : o;
}

/* The Turkish rule of text.h, on a folded sequence: "ı" → "i", drop U+0307 after i/j. */
static size_t
turkish_fixup(int32_t *cps, size_t n)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		if (cps[i] == 0x131) {
			cps[o++] = 'i';
			continue;
		}
		if (cps[i] == 0x307 && o > 0 && (cps[o - 1] == 'i' || cps[o - 1] == 'j'))
			continue;
		cps[o++] = cps[i];
	}
	return o;
}

/* Folds the segment s[0..n) (valid UTF-8) into out[] with classes; returns the count. */
static size_t
fold_segment(struct text_fold *f, const char *s, size_t n, int32_t *out, size_t outcap,
    uint8_t *cls)
{
	utf8proc_ssize_t r;
	size_t i, k;

	(void)f;
	r = utf8proc_decompose((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, out,
	    (utf8proc_ssize_t)outcap, FOLD_DECOMPOSE);
	if (r < 0 || (size_t)r > outcap)
		return 0;	/* cannot happen for valid input within SEG_MAX; drop it */
	/* the Turkish rule goes before composition, so that "ı" + U+0301 composes to "í"
	 * as "i" + U+0301 does (folding stays idempotent) */
	r = (utf8proc_ssize_t)turkish_fixup(out, (size_t)r);
	r = utf8proc_normalize_utf32(out, r, FOLD_COMPOSE);
	if (r < 0)
		return 0;
	k = (size_t)r;
	for (i = 0; i < k; i++)
		cls[i] = (uint8_t)text_char_class((uint32_t)out[i]);
	return k;
}

/* Folds a segment of one code point cp (bytes s[0..n)), through the cache. */
static size_t
fold_one(struct text_fold *f, uint32_t cp, const char *s, size_t n, int32_t *out,
    size_t outcap, uint8_t *cls)
{
	struct cache_entry *ce;
	size_t k;

	if (f->cache == NULL) {
		f->cache = xcalloc(CACHE_SIZE, sizeof(struct cache_entry));
		for (k = 0; k < CACHE_SIZE; k++)
			((struct cache_entry *)f->cache)[k].cp = -1;
	}
	ce = (struct cache_entry *)f->cache + (cp * 2654435761u >> 21) % CACHE_SIZE;
	if (ce->cp == (int32_t)cp) {
		memcpy(out, ce->out, ce->n * sizeof(*out));
		memcpy(cls, ce->cls, ce->n);
		return ce->n;
	}
	k = fold_segment(f, s, n, out, outcap, cls);
	if (k <= CACHE_MAXOUT) {
		ce->cp = (int32_t)cp;
		ce->n = (uint8_t)k;
		memcpy(ce->out, out, k * sizeof(*out));
		memcpy(ce->cls, cls, k);
	}
	return k;
}

static inline void
emit_space(struct emitter *e, uint32_t off)
{
	if (e->lc != 0) {
		e->f->s[e->o] = ' ';
		e->f->map[e->o++] = off;
		e->lc = 0;
	}
}

static inline void
emit_cp(struct emitter *e, int32_t cp, unsigned cls, uint32_t off)
{
	uint8_t b[4];
	utf8proc_ssize_t k, i;

	if (!(cls & TEXT_WORD)) {
		emit_space(e, off);
		return;
	}
	if (!(cls & TEXT_MARK) || e->lc == 0) {
		int kind = (cls & TEXT_NOBOUND) ? 2 : 1;

		/* a no-boundary character is a word of its own */
		if (e->lc != 0 && (kind == 2 || e->lc == 2))
			emit_space(e, off);
		e->lc = kind;
	}
	k = utf8proc_encode_char(cp, b);
	for (i = 0; i < k; i++) {
		e->f->s[e->o] = (char)b[i];
		e->f->map[e->o++] = off;
	}
}

/* Folds plain UTF-8 text into f (see text.h). */
void
text_fold(struct text_fold *f, const char *s, size_t n)
{
	struct emitter e = { .f = f, .o = 0, .lc = 0 };
	int32_t cps[(SEG_MAX + 16) * 18 + 8];
	uint8_t cls[(SEG_MAX + 16) * 18 + 8];
	size_t i = 0, j, k, seglen, ncp, b;
	uint32_t cp, next, off;

	if (n > TEXT_MAX_INPUT) {
		n = TEXT_MAX_INPUT;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	/* ASCII never produces more than 2 bytes per input byte (a space after a
	 * no-boundary character, and the letter); other segments reserve what they need. */
	reserve(f, 2 * n + 4);
	f->s[e.o] = ' ';
	f->map[e.o++] = 0;
	while (i < n) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x80) {
			/* ASCII run, branch-free: a word byte always advances the output, a
			 * separator only right after a word byte (so runs collapse) */
			char *out = f->s;
			uint32_t *map = f->map;
			size_t o = e.o;
			unsigned pw;

			if (e.lc == 2 && ascii_word[c]) {
				out[o] = ' ';
				map[o++] = (uint32_t)i;
				e.lc = 0;
			}
			pw = e.lc != 0;
			for (; i < n && (c = (unsigned char)s[i]) < 0x80; i++) {
				unsigned w = ascii_word[c];

				/* letters and digits | 0x20 are lower case; others a space */
				out[o] = (char)(' ' + w * ((c | 0x20) - ' '));
				map[o] = (uint32_t)i;
				o += w | pw;
				pw = w;
			}
			e.o = o;
			e.lc = pw ? 1 : 0;
			continue;
		}
		seglen = text_utf8_decode(s + i, n - i, &cp);
		if (cp == 0xFFFD && seglen == 1) {
			emit_space(&e, (uint32_t)i);
			i++;
			continue;
		}
		if (utf8proc_get_property((utf8proc_int32_t)cp)->ignorable) {
			/* default-ignorable (soft hyphen, zero-width space, ...): dropped, and
			 * marks after it still attach to the character before it */
			i += seglen;
			continue;
		}
		j = i + seglen;
		ncp = 1;
		/* Gather the combining marks (and jamo) that follow. */
		while (j < n && (unsigned char)s[j] >= 0xCC && ncp < SEG_MAX) {
			size_t l = text_utf8_decode(s + j, n - j, &next);

			if ((next == 0xFFFD && l == 1) || !joins_segment(next))
				break;
			j += l;
			ncp++;
		}
		if (e.lc != 0 && joins_segment(cp) && (b = last_starter(f, e.o)) < e.o) {
			/* marks after a word character (possibly across ignorables such as a
			 * soft hyphen): fold them together with its last starter again */
			char tmp[16 * 4 + SEG_MAX * 4 + 8];
			size_t tl = e.o - b;

			memcpy(tmp, f->s + b, tl);
			memcpy(tmp + tl, s + i, j - i);
			tl += j - i;
			off = f->map[b];
			e.o = b;
			e.lc = f->s[b - 1] == ' ' ? 0 : 1;
			k = fold_segment(f, tmp, tl, cps, sizeof(cps) / sizeof(cps[0]), cls);
		} else if (ncp == 1) {
			off = (uint32_t)i;
			k = fold_one(f, cp, s + i, j - i, cps, sizeof(cps) / sizeof(cps[0]), cls);
		} else {
			off = (uint32_t)i;
			k = fold_segment(f, s + i, j - i, cps, sizeof(cps) / sizeof(cps[0]), cls);
		}
		reserve(f, e.o + 5 * k + 2 * (n - j) + 4);
		for (size_t m = 0; m < k; m++)
			emit_cp(&e, cps[m], cls[m], off);
		i = j;
	}
	if (e.lc != 0) {
		f->s[e.o] = ' ';
		f->map[e.o++] = (uint32_t)n;
	}
	f->s[e.o] = '\0';
	f->map[e.o] = (uint32_t)n;
	f->len = e.o;
}

/* Original end offset of a match ending at folded offset e. */
size_t
text_orig_end(const struct text_fold *f, size_t e)
{
	uint32_t last;

	if (e == 0)
		return 0;
	if (e > f->len)
		e = f->len;
	last = f->map[e - 1];
	while (e < f->len && f->map[e] == last)
		e++;
	return f->map[e];
}

/* Folds a string and trims the boundary spaces; the caller frees it. */
char *
text_fold_string(const char *s, size_t n)
{
	struct text_fold f;
	char *r;

	text_fold_init(&f);
	text_fold(&f, s, n);
	if (f.len <= 1)
		r = xstrdup("");
	else
		r = xstrndup(f.s + 1, f.len - 2);
	text_fold_free(&f);
	return r;
}
