/* util.h — allocation wrappers and a bounded growable byte buffer.
 *
 * Out-of-memory policy: allocation failure is fatal (log one line, abort). feedwatchd
 * keeps every durable fact in SQLite and marks items seen in the same transaction that
 * queues their alerts, so dying on OOM loses nothing; systemd restarts the service. Code
 * that handles untrusted sizes caps them before allocating, so OOM means the machine,
 * not the input. */
#ifndef FEEDWATCHD_UTIL_H
#define FEEDWATCHD_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Returns a malloc'd string; the caller frees it. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A byte buffer that is always NUL-terminated and never grows past `limit` bytes
 * (0 = no limit). Appends past the limit are cut and set `truncated`. */
struct buf {
	char *data;
	size_t len;
	size_t cap;
	size_t limit;
	bool truncated;
};

void buf_init(struct buf *b, size_t limit);
/* Appends n bytes; returns 0, or -1 when the limit cut the append short. */
int buf_append(struct buf *b, const void *p, size_t n);
/* Makes room for n bytes (and the NUL) at once, for a buffer whose size is known. */
void buf_reserve(struct buf *b, size_t n);
int buf_appendc(struct buf *b, char c);
int buf_appends(struct buf *b, const char *s);
void buf_reset(struct buf *b);
/* Hands the contents to the caller (malloc'd, NUL-terminated) and resets the buffer. */
char *buf_steal(struct buf *b);
void buf_free(struct buf *b);

/* Trims ASCII whitespace at both ends in place; returns s. */
char *str_trim(char *s);
/* A copy of s[0..n) without the ASCII whitespace at its ends (malloc'd). */
char *xstrndup_trim(const char *s, size_t n);
/* Collapses every run of whitespace to one space and trims, in place; returns s. */
char *str_squeeze_space(char *s);
bool str_is_blank(const char *s);

/* Length of the longest prefix of s[0..n) that is valid UTF-8 (no overlongs, no
 * surrogates, nothing above U+10FFFF). */
size_t utf8_valid_prefix(const char *s, size_t n);
/* Decodes the UTF-8 character at s (at most n bytes) into *cp and returns its length
 * (1..4), or 0 when the bytes there are not UTF-8 (overlong, surrogate, above U+10FFFF,
 * cut short). The one UTF-8 decoder of the project. */
size_t utf8_decode(const char *s, size_t n, uint32_t *cp);
/* Length (1..4) of the valid UTF-8 character at s (at most n bytes), or 0. */
size_t utf8_char_len(const char *s, size_t n);
/* Copies s[0..n) into a malloc'd string, replacing every invalid UTF-8 sequence and
 * every C0 control except TAB, LF, CR with U+FFFD. */
char *utf8_sanitize(const char *s, size_t n);

#endif
