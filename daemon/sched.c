/* sched.c — the polling policy: when each feed is polled next. */
#include "sched.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "date.h"
#include "feed.h"

static int64_t jittered(int64_t base, double jitter, uint64_t *rng);

uint64_t
sched_seed(void)
{
	uint64_t s = 0;

	if (getrandom(&s, sizeof s, GRND_NONBLOCK) != (ssize_t)sizeof s)
		s = (uint64_t)time(NULL) ^ ((uint64_t)clock() << 32);
	return s ? s : 0x9e3779b97f4a7c15ULL;
}

double
sched_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return (double)(z >> 11) / (double)(1ULL << 53);
}

/* base spread uniformly over [base * (1 - jitter), base * (1 + jitter)]. */
static int64_t
jittered(int64_t base, double jitter, uint64_t *rng)
{
	double f = 1.0 + jitter * (2.0 * sched_random(rng) - 1.0);

	return (int64_t)((double)base * f);
}

int64_t
sched_after_success(const struct sched_policy *p, int64_t ttl_ms, int64_t max_age_ms,
    uint64_t *rng)
{
	int64_t base = p->interval_ms, hint = ttl_ms > max_age_ms ? ttl_ms : max_age_ms;

	/* a hint can slow polling down (politeness), never speed it up */
	if (hint > base)
		base = hint < SCHED_HINT_MAX_MS ? hint : (SCHED_HINT_MAX_MS > p->interval_ms ?
		    SCHED_HINT_MAX_MS : p->interval_ms);
	if (hint > p->interval_ms) {
		/* never earlier than the hint: jitter only upwards */
		return base + (int64_t)((double)base * p->jitter * sched_random(rng));
	}
	return jittered(base, p->jitter, rng);
}

int64_t
sched_after_failure(const struct sched_policy *p, int failures, int64_t retry_after_ms,
    uint64_t *rng)
{
	int64_t cap = p->interval_ms > SCHED_BACKOFF_MAX_MS ? p->interval_ms : SCHED_BACKOFF_MAX_MS;
	int64_t d = p->interval_ms;

	for (int i = 1; i < failures && d < cap; i++)
		d *= 2;
	if (d > cap)
		d = cap;
	/* "equal jitter": half fixed, half random, so retries of many feeds spread out */
	d = d / 2 + (int64_t)((double)(d / 2) * sched_random(rng));
	if (retry_after_ms > SCHED_RETRY_AFTER_MAX_MS)
		retry_after_ms = SCHED_RETRY_AFTER_MAX_MS;
	if (retry_after_ms > d)
		d = retry_after_ms;
	return d;
}

int64_t
sched_initial(const struct sched_policy *p, uint64_t *rng)
{
	return (int64_t)((double)p->interval_ms * p->jitter * sched_random(rng));
}

int64_t
sched_parse_retry_after(const char *v, int64_t now_ms)
{
	const char *c;
	int64_t t;

	if (v == NULL)
		return -1;
	while (*v == ' ' || *v == '\t')
		v++;
	if (*v == '\0')
		return -1;
	for (c = v; *c && isdigit((unsigned char)*c); c++)
		;
	if (c > v && (*c == '\0' || *c == ' ')) {
		if (c - v > 9)
			return SCHED_RETRY_AFTER_MAX_MS;
		return strtoll(v, NULL, 10) * 1000;
	}
	if (!isalpha((unsigned char)*v))
		return -1;	/* neither delta-seconds nor an HTTP-date */
	t = date_parse(v);
	if (t == FEED_NO_DATE)
		return -1;
	t = t * 1000 - now_ms;
	return t > 0 ? t : 0;
}

int64_t
sched_parse_max_age(const char *cc)
{
	int64_t best = -1;
	const char *p = cc;

	if (cc == NULL)
		return -1;
	while (*p) {
		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		if (!strncasecmp(p, "no-cache", 8) || !strncasecmp(p, "no-store", 8))
			return -1;
		if (!strncasecmp(p, "max-age=", 8) || !strncasecmp(p, "s-maxage=", 9)) {
			const char *v = strchr(p, '=') + 1;
			if (*v == '"')
				v++;
			if (isdigit((unsigned char)*v)) {
				long long s = strtoll(v, NULL, 10);
				if (s > 10LL * 365 * 86400)
					s = 10LL * 365 * 86400;
				if (s * 1000 > best)
					best = s * 1000;
			}
		}
		while (*p && *p != ',')
			p++;
	}
	return best;
}

double
sched_time_scale(void)
{
	const char *s = getenv("FEEDWATCHD_TIME_SCALE");
	double v;

	if (s == NULL || *s == '\0')
		return 1.0;
	v = strtod(s, NULL);
	return v > 0 && v <= 1.0 ? v : 1.0;
}
