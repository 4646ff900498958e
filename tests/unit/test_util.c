/* test_util.c — the string helpers every parsed field passes through.
 * utf8_decode(), utf8_valid_prefix() and utf8_sanitize() are checked against the
 * definition of UTF-8 (RFC 3629) written out here independently: every one- to four-byte
 * sequence of interesting bytes, plus random strings compared with a byte-at-a-time
 * reference. str_squeeze_space() is compared with a one-rule reference on random text,
 * and str_trim() and xstrndup_trim() with each other and with trimming by hand. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* The length of the well-formed UTF-8 character at s (RFC 3629 table 3-7), or 0. */
static size_t
ref_char_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

/* The reference valid prefix: one character at a time. */
static size_t
ref_valid_prefix(const unsigned char *s, size_t n)
{
	size_t i = 0, k;

	while (i < n && (k = ref_char_len(s + i, n - i)) > 0)
		i += k;
	return i;
}

/* Every sequence of up to four bytes drawn from the boundary values of each byte range,
 * alone and embedded in ASCII (so the eight-byte fast path and the tail both see it). */
static void
test_boundary_sequences(void **state)
{
	static const unsigned char vals[] = {
		0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf,
		0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xff,
	};
	const size_t nv = sizeof vals;
	unsigned char buf[32];
	size_t checked = 0;

	(void)state;
	for (size_t len = 1; len <= 4; len++) {
		size_t total = 1;
		for (size_t i = 0; i < len; i++)
			total *= nv;
		for (size_t code = 0; code < total; code++) {
			size_t c = code;
			unsigned char seq[4];
			for (size_t i = 0; i < len; i++) {
				seq[i] = vals[c % nv];
				c /= nv;
			}
			for (size_t pad = 0; pad < 10; pad += 9) {
				memset(buf, 'a', sizeof buf);
				memcpy(buf + pad, seq, len);
				size_t n = pad + len + (pad ? 3 : 0);
				size_t got = utf8_valid_prefix((const char *)buf, n);
				size_t want = ref_valid_prefix(buf, n);
				if (got != want) {
					fprintf(stderr, "len %zu pad %zu bytes %02x %02x %02x %02x: "
					    "got %zu want %zu\n", len, pad, seq[0],
					    len > 1 ? seq[1] : 0, len > 2 ? seq[2] : 0,
					    len > 3 ? seq[3] : 0, got, want);
					fail();
				}
				uint32_t cp;
				size_t k = utf8_decode((const char *)seq, len, &cp);
				assert_int_equal(k, ref_char_len(seq, len));
				checked++;
			}
		}
	}
	assert_true(checked > 700000);
}

/* Random mixes of ASCII, valid characters of every length and stray bytes: the valid
 * prefix matches the reference, and utf8_sanitize() always returns valid UTF-8 that
 * keeps a valid input unchanged. */
static void
test_random_strings(void **state)
{
	static const char *const pieces[] = {
		"a", "plain ascii text ", "<", "\xc3\xa9", "\xe2\x80\x9c", "\xea\xb0\x80",
		"\xed\x9f\xbf", "\xef\xbf\xbd", "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf", "\x80",
		"\xc3", "\xe2\x80", "\xed\xa0\x80", "\xe0\x80\x80", "\xf4\x90\x80\x80", "\xff",
		"\xc0\xaf", "\xf0\x9f\x98",
	};
	const size_t np = sizeof pieces / sizeof pieces[0];
	uint64_t rng = 0x9e3779b97f4a7c15ULL;
	char buf[512];

	(void)state;
	for (int round = 0; round < 20000; round++) {
		size_t n = 0;
		rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
		int count = (int)(rng % 40);
		for (int j = 0; j < count; j++) {
			rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
			/* mostly valid pieces, a stray byte now and then */
			size_t pick = rng % 16 < 14 ? rng % 10 : rng % np;
			size_t len = strlen(pieces[pick]);
			if (n + len >= sizeof buf)
				break;
			memcpy(buf + n, pieces[pick], len);
			n += len;
		}
		size_t want = ref_valid_prefix((const unsigned char *)buf, n);
		assert_int_equal(utf8_valid_prefix(buf, n), want);
		char *clean = utf8_sanitize(buf, n);
		size_t cn = strlen(clean);
		assert_int_equal(ref_valid_prefix((const unsigned char *)clean, cn), cn);
		if (want == n && memchr(buf, '\0', n) == NULL) {
			assert_int_equal(cn, n);
			assert_memory_equal(clean, buf, n);
		}
		free(clean);
	}
}

/* The reference: drop leading and trailing white space, and make every inner run of
 * white space one ' '. */
static void
ref_squeeze(const char *in, char *out)
{
	bool pending = false, any = false;

	for (; *in; in++) {
		if (strchr(" \t\n\r\f\v", *in)) {
			pending = any;
			continue;
		}
		if (pending)
			*out++ = ' ';
		pending = false;
		any = true;
		*out++ = *in;
	}
	*out = '\0';
}

/* Random strings of words, single and multiple spaces, tabs and line breaks, at the
 * start, inside and at the end. */
static void
test_squeeze_space(void **state)
{
	static const char *const pieces[] = {
		"word", "x", "\xc3\xa9t\xc3\xa9", " ", " ", " ", "  ", "\t", "\n", "\r\n", "\f\v", ".",
	};
	uint64_t rng = 0x2545f4914f6cdd1dULL;
	char buf[256], want[256];

	(void)state;
	for (int round = 0; round < 50000; round++) {
		size_t n = 0;
		rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
		int count = (int)(rng % 12);
		for (int j = 0; j < count; j++) {
			rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
			const char *piece = pieces[rng % (sizeof pieces / sizeof pieces[0])];
			size_t len = strlen(piece);
			if (n + len >= sizeof buf)
				break;
			memcpy(buf + n, piece, len);
			n += len;
		}
		buf[n] = '\0';
		ref_squeeze(buf, want);
		{
			/* trimming: what squeezing leaves at the ends, and nothing else */
			char *copy = xstrndup_trim(buf, n), *inplace = str_trim(xstrdup(buf));
			size_t a = strspn(buf, " \t\n\r\f\v"), z = n;

			while (z > a && strchr(" \t\n\r\f\v", buf[z - 1]))
				z--;
			assert_int_equal(strlen(copy), z - a);
			assert_memory_equal(copy, buf + a, z - a);
			assert_string_equal(inplace, copy);
			free(copy);
			free(inplace);
		}
		assert_string_equal(str_squeeze_space(buf), want);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_boundary_sequences),
		cmocka_unit_test(test_random_strings),
		cmocka_unit_test(test_squeeze_space),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
