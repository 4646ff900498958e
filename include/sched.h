/* sched.h — when to poll next: interval with jitter, publisher hints (RSS <ttl>,
 * Cache-Control max-age), Retry-After, and exponential backoff on failures. Pure
 * functions over milliseconds; the daemon owns the timers and the clock. */
#ifndef FEEDWATCHD_SCHED_H
#define FEEDWATCHD_SCHED_H

#include <stdint.h>

/* Publisher hints are honoured up to this long (a news desk's interval is its choice,
 * but a hint may slow a feed down to at most this). */
#define SCHED_HINT_MAX_MS	(6 * 3600 * 1000LL)
/* Failures back off exponentially up to max(interval, this). */
#define SCHED_BACKOFF_MAX_MS	(4 * 3600 * 1000LL)
/* Retry-After is honoured up to this long. */
#define SCHED_RETRY_AFTER_MAX_MS (24 * 3600 * 1000LL)

struct sched_policy {
	int64_t interval_ms;
	double jitter;		/* fraction: 0.10 spreads each delay over +-10 % */
};

/* A small random generator (splitmix64); seed it with sched_seed(). */
uint64_t sched_seed(void);
double sched_random(uint64_t *state);	/* uniform in [0, 1) */

/* Delay after a successful poll (200 or 304). ttl_ms and max_age_ms are the feed's
 * hints, or -1 when absent. */
int64_t sched_after_success(const struct sched_policy *p, int64_t ttl_ms, int64_t max_age_ms,
    uint64_t *rng);

/* Delay after the n-th consecutive failure (n >= 1); retry_after_ms is what the server
 * asked for, or -1. The result is never shorter than retry_after_ms. */
int64_t sched_after_failure(const struct sched_policy *p, int failures, int64_t retry_after_ms,
    uint64_t *rng);

/* Delay for a feed that is due now at start-up: spread over the jitter window so that
 * many feeds never fire in one burst. */
int64_t sched_initial(const struct sched_policy *p, uint64_t *rng);

/* Retry-After in seconds or as an HTTP-date, as a delay from now_ms (Unix ms); -1 when
 * absent or malformed. */
int64_t sched_parse_retry_after(const char *value, int64_t now_ms);

/* max-age (or s-maxage) of a Cache-Control header in ms; -1 when absent, or when
 * no-cache/no-store make it meaningless. */
int64_t sched_parse_max_age(const char *cache_control);

/* Test hook: FEEDWATCHD_TIME_SCALE=0.001 makes every scheduled delay 1000 times shorter,
 * so that schedules of hours run in seconds. 1.0 when unset. */
double sched_time_scale(void);

#endif
