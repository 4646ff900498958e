/* test_date.c — date_parse() and date_format_rfc3339(): every expected epoch value was
 * computed with GNU date ("date -u -d EXPR +%s", EXPR in the comment) when the test was
 * written, not with the code under test. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "feed.h"
#include "util.h"

#include "date_cases.h"

static void
test_good(void **state)
{
	const struct date_case *c = *state;
	int64_t got = date_parse(c->text);

	if (got != c->want)
		fail_msg("date_parse(\"%s\") = %" PRId64 ", want %" PRId64, c->text, got,
		    c->want);
}

static void
test_bad(void **state)
{
	const char *text = *state;
	int64_t got = date_parse(text);

	if (got != FEED_NO_DATE)
		fail_msg("date_parse(\"%s\") = %" PRId64 ", want FEED_NO_DATE", text, got);
}

static void
test_null_and_newlines(void **state)
{
	assert_true(date_parse(NULL) == FEED_NO_DATE);
	/* Feeds wrap dates in white space and line breaks. */
	assert_true(date_parse("\n\t 2023-01-29T12:00:00Z \r\n") == INT64_C(1674993600));
	assert_true(date_parse("\n Sun, 29 Jan 2023\n 12:00:00 GMT\n") == INT64_C(1674993600));
}

static void
test_long_and_binary(void **state)
{
	char big[4096];

	/* A date drowned in padding, and a huge comment, are refused without harm. */
	memset(big, ' ', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big + 2000, "2023-01-29", 10);
	assert_true(date_parse(big) == INT64_C(1674950400));	/* date -u -d 2023-01-29 +%s */
	memset(big, '(', sizeof(big) - 1);
	assert_true(date_parse(big) == FEED_NO_DATE);
	memset(big, '9', sizeof(big) - 1);
	assert_true(date_parse(big) == FEED_NO_DATE);
	assert_true(date_parse("2023-01-29\x01") == FEED_NO_DATE);
	assert_true(date_parse("Sun, 29 Jan 2023 12:00:00 \xc3\xa9") == FEED_NO_DATE);
}

struct fmt_case {
	int64_t t;
	const char *want;
};

static void
test_format(void **state)
{
	/* Expected strings from date -u -d @T +%Y-%m-%dT%H:%M:%SZ. */
	static const struct fmt_case cases[] = {
		{ 0, "1970-01-01T00:00:00Z" },
		{ -1, "1969-12-31T23:59:59Z" },
		{ 1, "1970-01-01T00:00:01Z" },
		{ -86400, "1969-12-31T00:00:00Z" },
		{ INT64_C(1674993600), "2023-01-29T12:00:00Z" },
		{ INT64_C(-2208988800), "1900-01-01T00:00:00Z" },
		{ INT64_C(253402300799), "9999-12-31T23:59:59Z" },
		{ INT64_C(951782400), "2000-02-29T00:00:00Z" },
		{ INT64_C(2147483648), "2038-01-19T03:14:08Z" },
	};
	char out[32];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_ptr_equal(date_format_rfc3339(cases[i].t, out, sizeof(out)), out);
		assert_string_equal(out, cases[i].want);
	}
	/* A short buffer is cut, never overrun; INT64_MIN does not crash. */
	memset(out, 'x', sizeof(out));
	date_format_rfc3339(0, out, 5);
	assert_string_equal(out, "1970");
	assert_int_equal(out[5], 'x');
	date_format_rfc3339(INT64_MIN, out, sizeof(out));
	date_format_rfc3339(INT64_MAX, out, sizeof(out));
}

static void
test_roundtrip(void **state)
{
	char out[32];
	/* Every format result parses back to the same instant, across the whole range. */
	const int64_t lo = INT64_C(-2208988800), hi = INT64_C(253402300799);
	uint64_t x = 88172645463325252ULL;

	for (int i = 0; i < 20000; i++) {
		int64_t t;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		t = lo + (int64_t)(x % (uint64_t)(hi - lo + 1));
		date_format_rfc3339(t, out, sizeof(out));
		if (date_parse(out) != t)
			fail_msg("round trip of %" PRId64 " via %s", t, out);
	}
}

static void
test_fuzz_no_crash(void **state)
{
	/* Random mutations of real dates: no crash, and any result is in range. */
	static const char *const seeds[] = {
		"Sun, 29 Jan 2023 12:00:00 GMT", "2023-01-29T12:00:00.123+05:30",
		"Sun Jan 29 12:00:00 +0000 2023", "29-Jan-23 12:00 (PST) GMT+2",
	};
	const char alphabet[] = "0123456789 :+-,.()TZJanGMTa\t";
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	char s[64];

	for (int i = 0; i < 50000; i++) {
		const char *seed = seeds[i % 4];
		size_t n = strlen(seed);
		int64_t t;

		memcpy(s, seed, n + 1);
		for (int k = 0; k < 3; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			s[x % n] = alphabet[(x >> 32) % (sizeof(alphabet) - 1)];
		}
		t = date_parse(s);
		if (t != FEED_NO_DATE && (t < INT64_C(-2208988800) - 86400 ||
		    t > INT64_C(253402300799) + 86400))
			fail_msg("date_parse(\"%s\") = %" PRId64 " out of range", s, t);
	}
}

int
main(void)
{
	size_t ng = sizeof(good) / sizeof(good[0]), nb = sizeof(bad) / sizeof(bad[0]);
	const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_null_and_newlines),
		cmocka_unit_test(test_long_and_binary),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_fuzz_no_crash),
	};
	size_t nf = sizeof(fixed) / sizeof(fixed[0]), n = 0;
	struct CMUnitTest *tests = xcalloc(ng + nb + nf, sizeof(*tests));
	int rc;

	for (size_t i = 0; i < ng; i++, n++) {
		tests[n].name = xasprintf("date_parse(\"%s\")", good[i].text);
		tests[n].test_func = test_good;
		tests[n].initial_state = (void *)&good[i];
	}
	for (size_t i = 0; i < nb; i++, n++) {
		tests[n].name = xasprintf("date_parse(\"%s\") is FEED_NO_DATE", bad[i]);
		tests[n].test_func = test_bad;
		tests[n].initial_state = (void *)bad[i];
	}
	memcpy(tests + n, fixed, sizeof(fixed));
	n += nf;
	rc = _cmocka_run_group_tests("date", tests, n, NULL, NULL);
	for (size_t i = 0; i < ng + nb; i++)
		free((char *)tests[i].name);
	free(tests);
	return rc;
}
