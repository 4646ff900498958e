/* util.c — allocation wrappers (fatal on OOM; see util.h), a bounded byte buffer and
 * small string helpers shared by every module. */
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static void oom(size_t n) __attribute__((noreturn));

static void
oom(size_t n)
{
	fatalx("out of memory allocating %zu bytes", n);
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (p == NULL)
		oom(n);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (p == NULL)
		oom(n * size);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (q == NULL)
		oom(n);
	return q;
}

void *
xreallocarray(void *p, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		oom(SIZE_MAX);
	return xrealloc(p, n * size);
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		oom(strlen(fmt));
	va_end(ap);
	return s;
}

void
buf_init(struct buf *b, size_t limit)
{
	b->data = NULL;
	b->len = b->cap = 0;
	b->limit = limit;
	b->truncated = false;
}

int
buf_append(struct buf *b, const void *p, size_t n)
{
	int rc = 0;

	if (b->limit && b->len + n > b->limit) {
		n = b->limit > b->len ? b->limit - b->len : 0;
		b->truncated = true;
		rc = -1;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (cap < b->len + n + 1)
			cap *= 2;
		b->data = xrealloc(b->data, cap);
		b->cap = cap;
	}
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return rc;
}

void
buf_reserve(struct buf *b, size_t n)
{
	if (b->cap < n + 1) {
		b->data = xrealloc(b->data, n + 1);
		if (b->cap == 0)
			b->data[0] = '\0';
		b->cap = n + 1;
	}
}

int
buf_appendc(struct buf *b, char c)
{
	return buf_append(b, &c, 1);
}

int
buf_appends(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	b->truncated = false;
	if (b->data)
		b->data[0] = '\0';
}

char *
buf_steal(struct buf *b)
{
	char *s = b->data ? b->data : xstrdup("");

	b->data = NULL;
	b->len = b->cap = 0;
	b->truncated = false;
	return s;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	buf_init(b, b->limit);
}

static int
is_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');	/* \t \n \v \f \r */
}

char *
str_trim(char *s)
{
	size_t n = strlen(s), i = 0;

	while (n > 0 && is_space((unsigned char)s[n - 1]))
		n--;
	while (i < n && is_space((unsigned char)s[i]))
		i++;
	if (i > 0)	/* (a long field with nothing to trim is not moved) */
		memmove(s, s + i, n - i);
	s[n - i] = '\0';
	return s;
}

char *
xstrndup_trim(const char *s, size_t n)
{
	size_t i = 0;

	while (n > 0 && is_space((unsigned char)s[n - 1]))
		n--;
	while (i < n && is_space((unsigned char)s[i]))
		i++;
	return xstrndup(s + i, n - i);
}

char *
str_squeeze_space(char *s)
{
	char *w = s;
	const char *r = s;
	bool space = false;

	/* the common case first: text with single inner spaces needs no rewriting */
	while (*r && !is_space((unsigned char)*r))
		r++;
	while (*r == ' ' && r != s && r[1] && !is_space((unsigned char)r[1])) {
		for (r++; *r && !is_space((unsigned char)*r); r++)
			;
	}
	w = (char *)r;
	for (; *r; r++) {
		if (is_space((unsigned char)*r)) {
			space = w != s;
			continue;
		}
		if (space)
			*w++ = ' ';
		space = false;
		*w++ = *r;
	}
	*w = '\0';
	return s;
}

bool
str_is_blank(const char *s)
{
	for (; s && *s; s++)
		if (!is_space((unsigned char)*s))
			return false;
	return true;
}

size_t
utf8_decode(const char *str, size_t n, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned char c;
	size_t len;
	uint32_t v;

	if (n == 0)
		return 0;
	c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, v = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, v = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, v = c & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && v < 0x800) || (len == 4 && (v < 0x10000 || v > 0x10ffff)) ||
	    (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

size_t
utf8_char_len(const char *s, size_t n)
{
	uint32_t cp;

	return utf8_decode(s, n, &cp);
}

size_t
utf8_valid_prefix(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, k;

	while (i < n) {
		/* plain ASCII eight bytes at a time */
		while (i + 8 <= n) {
			uint64_t w;
			memcpy(&w, s + i, 8);
			if (w & 0x8080808080808080ULL)
				break;
			i += 8;
		}
		if (i >= n)
			break;
		unsigned char c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		/* the two- and three-byte forms inline: most non-ASCII text is made of them */
		if (c >= 0xc2 && c <= 0xdf) {
			if (n - i < 2 || (s[i + 1] & 0xc0) != 0x80)
				break;
			i += 2;
			continue;
		}
		if (c >= 0xe0 && c <= 0xef && n - i >= 3 && (s[i + 1] & 0xc0) == 0x80 &&
		    (s[i + 2] & 0xc0) == 0x80 && (c != 0xe0 || s[i + 1] >= 0xa0) &&
		    (c != 0xed || s[i + 1] < 0xa0)) {
			i += 3;	/* not overlong (e0), not a surrogate (ed) */
			continue;
		}
		if ((k = utf8_char_len(str + i, n - i)) == 0)
			break;
		i += k;
	}
	return i;
}

char *
utf8_sanitize(const char *s, size_t n)
{
	struct buf b;
	size_t i = 0, k;

	buf_init(&b, 0);
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		k = utf8_char_len(s + i, n - i);
		if (k == 0 || (c < 0x20 && c != '\t' && c != '\n' && c != '\r')) {
			buf_append(&b, "\xef\xbf\xbd", 3);
			i++;
			continue;
		}
		buf_append(&b, s + i, k);
		i += k;
	}
	return buf_steal(&b);
}
