/* text.h — Unicode folding of plain text for matching, with a map back to the original.
 *
 * text_fold() turns plain UTF-8 text into the form the watchlist engine scans:
 *   - NFKC + full case folding (utf8proc), default-ignorable characters (soft hyphen,
 *     zero-width space, ...) removed; full-width letters, ligatures and compatibility
 *     forms become their plain letters ("ＮＡＴＯ" → "nato", "ﬁ" → "fi", "ß" → "ss",
 *     "ς"/"Σ" → "σ");
 *   - Turkish: dotless "ı" folds to "i" and the dot of "İ" is dropped, so "DİYARBAKIR",
 *     "Diyarbakır" and "diyarbakir" fold alike (other diacritics stay significant);
 *   - "word-normalised": every maximal run of non-word characters becomes one space,
 *     every no-boundary character (see below) is a word of its own (with its combining
 *     marks), and the result always starts and ends with one space: " north korea s
 *     missile tests " is the folded form of "North Korea’s missile-tests", " 북 한 은 "
 *     that of "북한은", " 北 约 nato 成 员 " that of "北约NATO成员".
 * Word characters are letters (L*), numbers (N*) and combining marks (M*) of every script;
 * everything else (punctuation incl. apostrophes and hyphens, symbols, spaces, controls)
 * separates words. No-boundary characters are word characters of scripts written without
 * spaces between words: Han, Hiragana, Katakana, Hangul, Bopomofo, Thai, Lao, Khmer and
 * Myanmar. A term made of them matches inside a longer run ("북한" in "북한은"), as
 * each of its characters is a word.
 *
 * text.c is the only file that includes utf8proc.h. */
#ifndef FEEDWATCHD_TEXT_H
#define FEEDWATCHD_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* Largest input text_fold() reads; longer input is cut (at a character boundary). */
#define TEXT_MAX_INPUT ((size_t)1 << 30)

/* A folded text, reusable for many inputs: text_fold_init(), text_fold() any number of
 * times, text_fold_free(). Owns its buffers. */
struct text_fold {
	char *s;		/* folded, word-normalised UTF-8, NUL-terminated */
	size_t len;		/* bytes in s */
	uint32_t *map;		/* len + 1 entries: map[i] = byte offset in the original of
				 * the character that produced s[i]; map[len] = input length */
	size_t cap;		/* allocated entries of s and map */
	void *cache;		/* per-folder cache of folded code points (private) */
};

/* Classes of a code point, as returned by text_char_class(). */
#define TEXT_WORD	0x1	/* letter, number or combining mark */
#define TEXT_NOBOUND	0x2	/* word character of a no-boundary script (Han, Kana, ...) */
#define TEXT_MARK	0x4	/* combining mark (also TEXT_WORD) */

void text_fold_init(struct text_fold *f);
void text_fold_free(struct text_fold *f);

/* Folds s[0..n) (UTF-8; invalid bytes count as U+FFFD, a separator) into f, replacing
 * what f held. Never fails (out of memory is fatal). */
void text_fold(struct text_fold *f, const char *s, size_t n);

/* Byte offset in the original just past the character that produced f->s[e - 1]: the
 * original end of a match that ends at folded offset e (0 < e <= f->len). */
size_t text_orig_end(const struct text_fold *f, size_t e);

/* The TEXT_* classes of code point cp (0 for a separator). */
unsigned text_char_class(uint32_t cp);

/* Decodes one UTF-8 character at s[0..n) (n > 0) into *cp; returns its length in bytes
 * (1 with *cp = U+FFFD for an invalid or truncated sequence). */
size_t text_utf8_decode(const char *s, size_t n, uint32_t *cp);

/* Folds a whole string and returns it without the leading and trailing space
 * ("North-Korea's" → "north korea s"); "" when it holds no word character. The caller
 * frees the result. */
char *text_fold_string(const char *s, size_t n);

#endif
