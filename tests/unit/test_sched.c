/* test_sched.c — the polling policy: jitter bounds, hints, backoff, Retry-After. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "sched.h"

#define MIN 60000LL
#define HOUR (60 * MIN)

static void
test_success_jitter(void **state)
{
	struct sched_policy p = { 5 * MIN, 0.10 };
	uint64_t rng = 42;
	int64_t lo = INT64_MAX, hi = 0;

	(void)state;
	for (int i = 0; i < 10000; i++) {
		int64_t d = sched_after_success(&p, -1, -1, &rng);
		assert_true(d >= 270000 && d <= 330000);
		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
	}
	/* the spread really covers the window */
	assert_true(lo < 275000);
	assert_true(hi > 325000);
}

static void
test_hints(void **state)
{
	struct sched_policy p = { 5 * MIN, 0.10 };
	uint64_t rng = 7;

	(void)state;
	for (int i = 0; i < 1000; i++) {
		/* FF-11: max-age=7200 or ttl 120 min: never earlier */
		int64_t d = sched_after_success(&p, -1, 7200 * 1000LL, &rng);
		assert_true(d >= 2 * HOUR && d <= 2 * HOUR * 11 / 10);
		d = sched_after_success(&p, 120 * MIN, -1, &rng);
		assert_true(d >= 2 * HOUR);
		/* a hint shorter than the interval changes nothing */
		d = sched_after_success(&p, 1 * MIN, -1, &rng);
		assert_true(d >= 270000 && d <= 330000);
		/* an absurd hint is clamped */
		d = sched_after_success(&p, -1, 30LL * 24 * HOUR, &rng);
		assert_true(d >= SCHED_HINT_MAX_MS && d <= SCHED_HINT_MAX_MS * 11 / 10);
	}
}

static void
test_backoff(void **state)
{
	struct sched_policy p = { 5 * MIN, 0.10 };
	uint64_t rng = 9;
	int64_t prev_max = 0;

	(void)state;
	for (int f = 1; f <= 12; f++) {
		int64_t expect = 5 * MIN;
		for (int i = 1; i < f && expect < SCHED_BACKOFF_MAX_MS; i++)
			expect *= 2;
		if (expect > SCHED_BACKOFF_MAX_MS)
			expect = SCHED_BACKOFF_MAX_MS;
		int64_t mx = 0;
		for (int i = 0; i < 200; i++) {
			int64_t d = sched_after_failure(&p, f, -1, &rng);
			assert_true(d >= expect / 2 && d <= expect);
			mx = d > mx ? d : mx;
		}
		assert_true(mx >= prev_max / 2);
		prev_max = mx;
	}
	/* FF-09/FF-10: Retry-After is a floor */
	for (int i = 0; i < 100; i++)
		assert_true(sched_after_failure(&p, 1, 3 * HOUR, &rng) >= 3 * HOUR);
	assert_true(sched_after_failure(&p, 1, 1000LL * HOUR, &rng) <= SCHED_RETRY_AFTER_MAX_MS);
}

static void
test_retry_after(void **state)
{
	int64_t now = 1675000000000LL;	/* 2023-01-29T13:46:40Z */

	(void)state;
	assert_int_equal(sched_parse_retry_after("120", now), 120000);
	assert_int_equal(sched_parse_retry_after(" 0", now), 0);
	assert_int_equal(sched_parse_retry_after("Sun, 29 Jan 2023 14:46:40 GMT", now), 3600000);
	assert_int_equal(sched_parse_retry_after("Sun, 29 Jan 2023 12:00:00 GMT", now), 0);
	assert_int_equal(sched_parse_retry_after("soon", now), -1);
	assert_int_equal(sched_parse_retry_after("-5", now), -1);
	assert_int_equal(sched_parse_retry_after("12abc", now), -1);
	assert_int_equal(sched_parse_retry_after("", now), -1);
	assert_int_equal(sched_parse_retry_after(NULL, now), -1);
	assert_int_equal(sched_parse_retry_after("99999999999999", now), SCHED_RETRY_AFTER_MAX_MS);
}

static void
test_max_age(void **state)
{
	(void)state;
	assert_int_equal(sched_parse_max_age("max-age=7200"), 7200000);
	assert_int_equal(sched_parse_max_age("public, max-age=60, s-maxage=600"), 600000);
	assert_int_equal(sched_parse_max_age("no-cache, max-age=60"), -1);
	assert_int_equal(sched_parse_max_age("private"), -1);
	assert_int_equal(sched_parse_max_age("max-age=\"30\""), 30000);
	assert_int_equal(sched_parse_max_age("max-age=x"), -1);
	assert_int_equal(sched_parse_max_age(NULL), -1);
}

static void
test_initial_spread(void **state)
{
	struct sched_policy p = { 5 * MIN, 0.10 };
	uint64_t rng = sched_seed();
	int buckets[10] = { 0 };

	(void)state;
	/* FF-22: 200 feeds due at start-up spread over the 30 s jitter window */
	for (int i = 0; i < 2000; i++) {
		int64_t d = sched_initial(&p, &rng);
		assert_true(d >= 0 && d < 30000);
		buckets[d / 3000]++;
	}
	for (int b = 0; b < 10; b++)
		assert_true(buckets[b] > 100);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_success_jitter),
		cmocka_unit_test(test_hints),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_retry_after),
		cmocka_unit_test(test_max_age),
		cmocka_unit_test(test_initial_spread),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
