/* date.c — turns the date spellings found in feeds into Unix seconds, and back.
 *
 * Two strict parsers, tried in turn:
 *  - iso_parse(): RFC 3339 / ISO 8601 / W3C-DTF ("2023", "2023-01", "2023-01-29",
 *    "2023-01-29T12:00Z", "...T12:00:00.123+05:30", "20230129T120000Z", "t"/"z", a space
 *    for the "T", "-05", "+0530", and a named zone after a space).
 *  - rfc_parse(): RFC 822/1123/850/2822 and asctime with real-world variants (weekday
 *    missing or wrong, full names, two-digit years, single-digit fields, no seconds,
 *    named, numeric, "GMT+2" and military zones, "(comments)", AM/PM, Twitter's
 *    "Sun Jan 29 12:00:00 +0000 2023").
 *
 * Neither guesses: a text that is not recognisably a date gives FEED_NO_DATE, never a
 * made-up time. We do not use curl_getdate(): it turns garbage such as "5" or "today"
 * into a time, rolls "Feb 30" over into March and does not know many zone names seen in
 * feeds, so validating its input would need this whole tokenizer anyway, which then
 * already holds every field. Arithmetic is 64-bit throughout, years 1900-9999 only. */
#include "date.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "feed.h"

/* Longest text we look at; real dates are far shorter. */
#define DATE_MAX_LEN 256
/* Sentinel for "no zone given". */
#define NO_ZONE INT32_MIN

struct date_fields {
	int year, month, day;		/* month 1-12 */
	int hour, min, sec;
	int zone_min;			/* minutes east of UTC, or NO_ZONE */
};

static int64_t days_since_epoch(int y, int m, int d, bool leap);
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d);
static bool is_leap(int y);
static int64_t fields_to_epoch(const struct date_fields *f);
static bool is_digit(char c);
static bool is_alpha(char c);
static char lower(char c);
static int two_digits(const char *s);
static size_t count_digits(const char *s);
static bool two_digits_only(const char *s);
static size_t scan_digits(const char *s, int *value);
static uint32_t word_key(const char *w, size_t n);
static uint32_t word_key3(const char *w);
static const char *skip_fraction(const char *p);
static const char *parse_zone_offset(const char *p, bool need_sign, int *out);
static bool lookup_zone(const char *w, size_t n, int *out);
static int lookup_month(const char *w, size_t n);
static bool is_weekday(const char *w, size_t n);
static bool word_eq(const char *w, size_t n, const char *lit);
static int64_t iso_parse(const char *s);
static int64_t rfc_parse(const char *s);
static bool rfc_canonical(const char *s, size_t n, int64_t *out);

/* A word of one to four letters, lower-cased, one byte per letter, as a number that a
 * switch can take: comparing it with these constants costs a few instructions, where
 * strncasecmp() over tables of names cost hundreds per word, most of date_parse(). */
#define KEY1(a) ((uint32_t)(unsigned char)(a))
#define KEY2(a, b) (KEY1(a) | KEY1(b) << 8)
#define KEY3(a, b, c) (KEY2(a, b) | KEY1(c) << 16)
#define KEY4(a, b, c, d) (KEY3(a, b, c) | KEY1(d) << 24)

static const char *const month_names[12] = {
	"january", "february", "march", "april", "may", "june", "july", "august",
	"september", "october", "november", "december",
};

static const char *const weekday_names[7] = {
	"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
};

/* Days before each month of a common year; [12] is the year. */
static const int days_before_month[13] = {
	0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365,
};

/* Days since 1970-01-01 of a valid proleptic Gregorian date of year 1 or later: whole
 * years by counting leap days, then a table for the months. Only for years we accept, so
 * it needs none of the negative-year care (and divisions) of civil_from_days(). */
static int64_t
days_since_epoch(int y, int m, int d, bool leap)
{
	unsigned py = (unsigned)y - 1;		/* whole years since 0001-01-01 */
	int64_t days = (int64_t)py * 365 + py / 4 - py / 100 + py / 400;

	days += days_before_month[m - 1] + (m > 2 && leap) + d - 1;
	return days - 719162;		/* 0001-01-01 to 1970-01-01 */
}

/* The date of a count of days since 1970-01-01, any count: the inverse of
 * days_since_epoch() (H. Hinnant's algorithm). */
static void
civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static bool
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Checks every field and converts; FEED_NO_DATE when any is out of range. */
static int64_t
fields_to_epoch(const struct date_fields *f)
{
	int64_t t;
	bool leap;

	if (f->year < 1900 || f->year > 9999 || f->month < 1 || f->month > 12)
		return FEED_NO_DATE;
	leap = is_leap(f->year);
	if (f->day < 1 ||
	    f->day > days_before_month[f->month] - days_before_month[f->month - 1] +
	    (f->month == 2 && leap) ||
	    f->hour < 0 || f->hour > 23 || f->min < 0 || f->min > 59 ||
	    f->sec < 0 || f->sec > 60)
		return FEED_NO_DATE;
	t = days_since_epoch(f->year, f->month, f->day, leap) * 86400 +
	    f->hour * 3600 + f->min * 60 + f->sec;
	if (f->zone_min != NO_ZONE)
		t -= (int64_t)f->zone_min * 60;
	return t;
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* The value of the two digits at s; the caller has checked that they are digits. */
static int
two_digits(const char *s)
{
	return (s[0] - '0') * 10 + (s[1] - '0');
}

static size_t
count_digits(const char *s)
{
	size_t n = 0;

	while (is_digit(s[n]))
		n++;
	return n;
}

/* Whether exactly two digits start at s, i.e. count_digits(s) == 2 without the loop. */
static bool
two_digits_only(const char *s)
{
	return is_digit(s[0]) && is_digit(s[1]) && !is_digit(s[2]);
}

/* count_digits() that also stores the value of the digits, exact for up to nine of them
 * (callers use it for four at most): one pass instead of counting and then reading. */
static size_t
scan_digits(const char *s, int *value)
{
	unsigned v = 0;		/* unsigned: a long run wraps instead of overflowing */
	size_t n = 0;

	while (is_digit(s[n])) {
		v = v * 10 + (unsigned)(s[n] - '0');
		n++;
	}
	*value = (int)(v & 0x7fffffff);
	return n;
}

/* The key (KEY1..KEY4 above) of the letters w[0..n), n at most 4. Setting bit 5
 * lower-cases a letter and turns no other byte into one, so a non-letter never matches. */
static uint32_t
word_key(const char *w, size_t n)
{
	uint32_t k = 0;

	for (size_t i = 0; i < n; i++)
		k |= KEY1(w[i] | 0x20) << (8 * i);
	return k;
}

/* Skips a decimal fraction of seconds (".123" or ",5") at p, if any: we keep whole seconds.
 * Helpers here return the advanced pointer rather than take a pointer to it, so that the
 * callers' cursor can stay in a register. */
static const char *
skip_fraction(const char *p)
{
	if ((*p != '.' && *p != ',') || !is_digit(p[1]))
		return p;
	p++;
	while (is_digit(*p))
		p++;
	return p;
}

/* Parses "+hh", "+hhmm", "+hh:mm" (or with "-") at p; with need_sign false also "+h" and
 * "+h:mm" as in "GMT+2". Stores minutes east of UTC and returns the end of the offset, or
 * returns NULL (and stores nothing) when there is no valid offset at p. */
static const char *
parse_zone_offset(const char *p, bool need_sign, int *out)
{
	int sign, hh, mm = 0;
	size_t n;

	if (*p != '+' && *p != '-')
		return NULL;
	sign = *p == '-' ? -1 : 1;
	p++;
	n = count_digits(p);
	if (n == 4) {
		hh = two_digits(p);
		mm = two_digits(p + 2);
		p += 4;
	} else if (n == 2 || (n == 1 && !need_sign)) {
		hh = n == 2 ? two_digits(p) : p[0] - '0';
		p += n;
		if (*p == ':') {
			if (!two_digits_only(p + 1))
				return NULL;
			mm = two_digits(p + 1);
			p += 3;
		}
	} else {
		return NULL;
	}
	if (hh > 23 || mm > 59)
		return NULL;
	*out = sign * (hh * 60 + mm);
	return p;
}

/* Named zones and single military letters, in minutes east of UTC. RFC 1123 notes that
 * RFC 822 got the military signs backwards, so RFC 2822 says to read them as "-0000": we
 * do, they mean UTC here. Ambiguous abbreviations take the reading most common in news
 * feeds: IST = India (not Irish or Israel), CST = US Central (not China), AST = Atlantic
 * (not Arabia), BST = British Summer Time (not Bangladesh). "Z" is the military letter. */
static bool
lookup_zone(const char *w, size_t n, int *out)
{
	if (n == 1 && is_alpha(w[0]) && lower(w[0]) != 'j') {
		*out = 0;
		return true;
	}
	if (n < 2 || n > 4)
		return false;
	switch (word_key(w, n)) {
	case KEY2('u', 't'): case KEY3('u', 't', 'c'): case KEY3('g', 'm', 't'):
	case KEY3('w', 'e', 't'):
		*out = 0;
		break;
	case KEY4('w', 'e', 's', 't'): case KEY3('b', 's', 't'): case KEY3('c', 'e', 't'):
	case KEY3('m', 'e', 't'): case KEY3('m', 'e', 'z'): case KEY3('w', 'a', 't'):
		*out = 60;
		break;
	case KEY3('i', 's', 't'):
		*out = 330;
		break;
	case KEY4('c', 'e', 's', 't'): case KEY4('m', 'e', 's', 't'):
	case KEY4('m', 'e', 's', 'z'): case KEY3('e', 'e', 't'): case KEY4('s', 'a', 's', 't'):
	case KEY3('c', 'a', 't'):
		*out = 120;
		break;
	case KEY4('e', 'e', 's', 't'): case KEY3('m', 's', 'k'): case KEY3('t', 'r', 't'):
	case KEY3('e', 'a', 't'):
		*out = 180;
		break;
	case KEY3('m', 's', 'd'): case KEY3('g', 's', 't'):
		*out = 240;
		break;
	case KEY3('p', 'k', 't'):
		*out = 300;
		break;
	case KEY3('n', 'p', 't'):
		*out = 345;
		break;
	case KEY3('i', 'c', 't'): case KEY3('w', 'i', 'b'):
		*out = 420;
		break;
	case KEY3('h', 'k', 't'): case KEY3('s', 'g', 't'): case KEY4('a', 'w', 's', 't'):
	case KEY3('p', 'h', 't'): case KEY3('m', 'y', 't'):
		*out = 480;
		break;
	case KEY3('j', 's', 't'): case KEY3('k', 's', 't'):
		*out = 540;
		break;
	case KEY4('a', 'c', 's', 't'):
		*out = 570;
		break;
	case KEY4('a', 'e', 's', 't'):
		*out = 600;
		break;
	case KEY4('a', 'c', 'd', 't'):
		*out = 630;
		break;
	case KEY4('a', 'e', 'd', 't'):
		*out = 660;
		break;
	case KEY4('n', 'z', 's', 't'):
		*out = 720;
		break;
	case KEY4('n', 'z', 'd', 't'):
		*out = 780;
		break;
	case KEY3('n', 'd', 't'):
		*out = -150;
		break;
	case KEY3('a', 'd', 't'): case KEY3('b', 'r', 't'): case KEY3('a', 'r', 't'):
		*out = -180;
		break;
	case KEY3('n', 's', 't'):
		*out = -210;
		break;
	case KEY3('a', 's', 't'): case KEY3('e', 'd', 't'):
		*out = -240;
		break;
	case KEY3('e', 's', 't'): case KEY3('c', 'd', 't'):
		*out = -300;
		break;
	case KEY3('c', 's', 't'): case KEY3('m', 'd', 't'):
		*out = -360;
		break;
	case KEY3('m', 's', 't'): case KEY3('p', 'd', 't'):
		*out = -420;
		break;
	case KEY3('p', 's', 't'): case KEY4('a', 'k', 'd', 't'):
		*out = -480;
		break;
	case KEY4('a', 'k', 's', 't'):
		*out = -540;
		break;
	case KEY3('h', 's', 't'):
		*out = -600;
		break;
	default:
		return false;
	}
	return true;
}

/* 1-12 for a full English month name, its three-letter abbreviation or "Sept"; else 0.
 * The first three letters pick the only month the word can be; the rest is then one
 * comparison with that month's name. */
static int
lookup_month(const char *w, size_t n)
{
	int m;

	if (n < 3)
		return 0;
	switch (word_key3(w)) {
	case KEY3('j', 'a', 'n'): m = 1; break;
	case KEY3('f', 'e', 'b'): m = 2; break;
	case KEY3('m', 'a', 'r'): m = 3; break;
	case KEY3('a', 'p', 'r'): m = 4; break;
	case KEY3('m', 'a', 'y'): m = 5; break;
	case KEY3('j', 'u', 'n'): m = 6; break;
	case KEY3('j', 'u', 'l'): m = 7; break;
	case KEY3('a', 'u', 'g'): m = 8; break;
	case KEY3('s', 'e', 'p'): m = 9; break;
	case KEY3('o', 'c', 't'): m = 10; break;
	case KEY3('n', 'o', 'v'): m = 11; break;
	case KEY3('d', 'e', 'c'): m = 12; break;
	default: return 0;
	}
	if (n == 3 || word_eq(w, n, month_names[m - 1]) || (m == 9 && word_eq(w, n, "sept")))
		return m;
	return 0;
}

/* Whether w[0..n) is an English weekday: full, three letters, "Tues", "Thur" or "Thurs"
 * (all common); as in lookup_month() the first three letters pick the candidate. */
static bool
is_weekday(const char *w, size_t n)
{
	int d;

	if (n < 3)
		return false;
	switch (word_key3(w)) {
	case KEY3('s', 'u', 'n'): d = 0; break;
	case KEY3('m', 'o', 'n'): d = 1; break;
	case KEY3('t', 'u', 'e'): d = 2; break;
	case KEY3('w', 'e', 'd'): d = 3; break;
	case KEY3('t', 'h', 'u'): d = 4; break;
	case KEY3('f', 'r', 'i'): d = 5; break;
	case KEY3('s', 'a', 't'): d = 6; break;
	default: return false;
	}
	return n == 3 || word_eq(w, n, weekday_names[d]) || word_eq(w, n, "tues") ||
	    word_eq(w, n, "thur") || word_eq(w, n, "thurs");
}

/* Case-insensitive comparison of the word w[0..n) with the lower-case literal lit; stops at
 * the first difference, so it never reads past the end of either. */
static bool
word_eq(const char *w, size_t n, const char *lit)
{
	for (size_t i = 0; i < n; i++) {
		if (lit[i] == '\0' || lower(w[i]) != lit[i])
			return false;
	}
	return lit[n] == '\0';
}

/* word_key(w, 3) without the loop: the month and weekday lookups run on every date. */
static uint32_t
word_key3(const char *w)
{
	return KEY3(w[0], w[1], w[2]) | KEY3(0x20, 0x20, 0x20);
}

/* RFC 3339 / ISO 8601 / W3C-DTF; FEED_NO_DATE unless the whole text fits. */
static int64_t
iso_parse(const char *s)
{
	struct date_fields f = { 0, 1, 1, 0, 0, 0, NO_ZONE };
	const char *p = s;
	bool compact = false;
	int v;
	size_t n = scan_digits(p, &v);	/* v is exact for the n <= 8 used below */

	if (n == 8) {				/* 20230129 */
		f.year = v / 10000;
		f.month = v / 100 % 100;
		f.day = v % 100;
		p += 8;
		compact = true;
	} else if (n == 4) {
		f.year = v;
		p += 4;
		if (*p == '-') {
			n = scan_digits(p + 1, &v);
			if (n < 1 || n > 2)
				return FEED_NO_DATE;
			f.month = v;
			p += 1 + n;
			if (*p == '-') {
				n = scan_digits(p + 1, &v);
				if (n < 1 || n > 2)
					return FEED_NO_DATE;
				f.day = v;
				p += 1 + n;
			} else if (*p != '\0') {
				return FEED_NO_DATE;
			}
		} else if (*p != '\0') {
			return FEED_NO_DATE;
		}
	} else {
		return FEED_NO_DATE;
	}
	if (*p == '\0')
		return fields_to_epoch(&f);

	/* The time: "T", "t" or one space, then hh:mm[:ss[.frac]] or hhmm[ss[.frac]]. */
	if (*p != 'T' && *p != 't' && *p != ' ')
		return FEED_NO_DATE;
	p++;
	if (two_digits_only(p) && p[2] == ':') {
		f.hour = two_digits(p);
		if (!two_digits_only(p + 3))
			return FEED_NO_DATE;
		f.min = two_digits(p + 3);
		p += 5;
		if (*p == ':') {
			if (!two_digits_only(p + 1))
				return FEED_NO_DATE;
			f.sec = two_digits(p + 1);
			p += 3;
			p = skip_fraction(p);
		}
	} else if (compact && ((n = count_digits(p)) == 4 || n == 6)) {
		f.hour = two_digits(p);
		f.min = two_digits(p + 2);
		if (n == 6)
			f.sec = two_digits(p + 4);
		p += n;
		if (n == 6)
			p = skip_fraction(p);
	} else {
		return FEED_NO_DATE;
	}

	/* The zone: none (UTC), "Z", "+hh[:mm]", "+hhmm", or after one space a numeric or
	 * named zone ("2023-01-29 12:00:00 +0000", "... UTC"). */
	if (*p == ' ' && (p[1] == '+' || p[1] == '-' || is_alpha(p[1])))
		p++;
	if (*p == 'Z' || *p == 'z') {
		f.zone_min = 0;
		p++;
	} else if (*p == '+' || *p == '-') {
		if ((p = parse_zone_offset(p, true, &f.zone_min)) == NULL)
			return FEED_NO_DATE;
	} else if (is_alpha(*p)) {
		const char *w = p;

		while (is_alpha(*p))
			p++;
		if (p - w < 2 || !lookup_zone(w, (size_t)(p - w), &f.zone_min))
			return FEED_NO_DATE;
	}
	if (*p != '\0')
		return FEED_NO_DATE;
	return fields_to_epoch(&f);
}

/* RFC 822 and friends: a token scan that accepts each field once, in the orders seen in
 * the wild, and refuses any word or number it cannot place. */
static int64_t
rfc_parse(const char *s)
{
	struct date_fields f = { -1, 0, -1, 0, 0, 0, NO_ZONE };
	const char *p = s;
	bool have_time = false, have_ampm = false, year2 = false, have_weekday = false;

	while (*p != '\0') {
		const char *w = p;
		size_t n;

		if (*p == ' ' || *p == '\t' || *p == ',' || *p == '\r' || *p == '\n') {
			p++;
			continue;
		}
		if (*p == '(') {		/* comment, e.g. "(PST)"; may nest */
			int depth = 0;

			do {
				if (*p == '(')
					depth++;
				else if (*p == ')')
					depth--;
				else if (*p == '\0')
					return FEED_NO_DATE;
				p++;
			} while (depth > 0);
			continue;
		}
		if ((*p == '+' || *p == '-') && is_digit(p[1]) && have_time) {
			if (f.zone_min != NO_ZONE ||
			    (p = parse_zone_offset(p, true, &f.zone_min)) == NULL)
				return FEED_NO_DATE;
			continue;
		}
		if (*p == '-' && w != s && (is_alpha(p[1]) || is_digit(p[1]))) {
			p++;			/* RFC 850 "29-Jan-23" */
			continue;
		}
		if (is_alpha(*p)) {
			int v;

			while (is_alpha(*p))
				p++;
			n = (size_t)(p - w);
			if (*p == '.')		/* "Jan.", "Wed." */
				p++;
			if (n > 12)
				return FEED_NO_DATE;
			if ((v = lookup_month(w, n)) != 0) {
				if (f.month != 0)
					return FEED_NO_DATE;
				f.month = v;
			} else if (is_weekday(w, n)) {
				if (have_weekday || f.month != 0 || have_time)
					return FEED_NO_DATE;
				have_weekday = true;	/* ignored: feeds get it wrong */
			} else if ((word_eq(w, n, "am") || word_eq(w, n, "pm")) && have_time &&
			    !have_ampm && f.zone_min == NO_ZONE) {
				if (f.hour < 1 || f.hour > 12)
					return FEED_NO_DATE;
				f.hour = f.hour % 12 + (lower(w[0]) == 'p' ? 12 : 0);
				have_ampm = true;
			} else if (lookup_zone(w, n, &v)) {
				if (f.zone_min != NO_ZONE) {
					/* "+0000 GMT": a name after a number only repeats it. */
					if (w[-1] != ' ' || n == 1)
						return FEED_NO_DATE;
					continue;
				}
				f.zone_min = v;
				/* "GMT+2", "UTC-05:00", "GMT+0200" */
				if ((*p == '+' || *p == '-') && is_digit(p[1]) &&
				    (word_eq(w, n, "gmt") || word_eq(w, n, "utc") ||
				    word_eq(w, n, "ut"))) {
					if ((p = parse_zone_offset(p, false, &f.zone_min)) == NULL)
						return FEED_NO_DATE;
				}
			} else {
				return FEED_NO_DATE;
			}
			continue;
		}
		if (is_digit(*p)) {
			int v;

			n = scan_digits(p, &v);	/* v is exact for the n <= 4 used below */
			if (p[n] == ':') {		/* h:mm[:ss[.frac]] */
				if (have_time || n > 2 || !two_digits_only(p + n + 1))
					return FEED_NO_DATE;
				f.hour = v;
				f.min = two_digits(p + n + 1);
				p += n + 3;
				if (*p == ':') {
					if (!two_digits_only(p + 1))
						return FEED_NO_DATE;
					f.sec = two_digits(p + 1);
					p += 3;
					p = skip_fraction(p);
				}
				have_time = true;
				continue;
			}
			if (n == 4 && f.year < 0) {
				f.year = v;
			} else if (n <= 2 && f.day < 0 && f.year < 0 && !have_time) {
				f.day = v;
			} else if (n <= 2 && f.day < 0 && f.month != 0 && !have_time) {
				f.day = v;	/* "2023 Jan 29" */
			} else if (n == 2 && f.year < 0 && f.day >= 0) {
				f.year = v;
				year2 = true;
			} else {
				return FEED_NO_DATE;
			}
			p += n;
			if (*p == '.' && !year2 && f.year < 0)	/* "29. Jan" */
				p++;
			continue;
		}
		return FEED_NO_DATE;
	}
	if (f.year < 0 || f.month == 0 || f.day < 0)
		return FEED_NO_DATE;
	if (year2)		/* RFC 2822 section 4.3 */
		f.year += f.year < 50 ? 2000 : 1900;
	/* Without a time we insist on a four-digit year (a bare "29 Jan 23" is too weak). */
	if (!have_time && year2)
		return FEED_NO_DATE;
	return fields_to_epoch(&f);
}

/* The form most RSS feeds write, "Thu, 01 Jun 2023 00:07:00 +0000" or "... GMT" (or any
 * other three-letter zone), read position by position: the answer rfc_parse gives for it,
 * without its tokenizer. False for anything else, which rfc_parse then reads. */
static bool
rfc_canonical(const char *s, size_t n, int64_t *out)
{
	struct date_fields f = { -1, 0, -1, 0, 0, 0, NO_ZONE };
	const char *z = s + 26;

	if ((n != 31 && n != 29) || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' ||
	    s[16] != ' ' || s[19] != ':' || s[22] != ':' || s[25] != ' ' ||
	    !is_digit(s[5]) || !is_digit(s[6]) || !is_digit(s[12]) || !is_digit(s[13]) ||
	    !is_digit(s[14]) || !is_digit(s[15]) || !two_digits_only(s + 17) ||
	    !two_digits_only(s + 20) || !two_digits_only(s + 23) ||
	    !is_alpha(s[0]) || !is_alpha(s[1]) || !is_alpha(s[2]) ||
	    !is_alpha(s[8]) || !is_alpha(s[9]) || !is_alpha(s[10]))
		return false;
	/* (no three-letter name is two of weekday, month and zone: rfc_parse, which tries a
	 * word as each in turn, reads these as this layout does) */
	if (!is_weekday(s, 3) || (f.month = lookup_month(s + 8, 3)) == 0)
		return false;
	if (n == 31) {
		if (parse_zone_offset(z, true, &f.zone_min) != s + 31)
			return false;
	} else if (!is_alpha(z[0]) || !is_alpha(z[1]) || !is_alpha(z[2]) ||
	    !lookup_zone(z, 3, &f.zone_min)) {
		return false;
	}
	f.day = two_digits(s + 5);
	f.year = two_digits(s + 12) * 100 + two_digits(s + 14);
	f.hour = two_digits(s + 17);
	f.min = two_digits(s + 20);
	f.sec = two_digits(s + 23);
	*out = fields_to_epoch(&f);
	return true;
}

/* Parses a feed date (see date.h); FEED_NO_DATE unless one of the strict parsers
 * accepts the whole text. */
int64_t
date_parse(const char *text)
{
	char tmp[DATE_MAX_LEN + 1];
	size_t a = 0, n;
	int64_t t;

	if (text == NULL)
		return FEED_NO_DATE;
	n = strlen(text);
	while (a < n && (text[a] == ' ' || text[a] == '\t' || text[a] == '\r' ||
	    text[a] == '\n'))
		a++;
	while (n > a && (text[n - 1] == ' ' || text[n - 1] == '\t' || text[n - 1] == '\r' ||
	    text[n - 1] == '\n'))
		n--;
	if (n == a || n - a > DATE_MAX_LEN)
		return FEED_NO_DATE;
	if (rfc_canonical(text + a, n - a, &t))
		return t;
	memcpy(tmp, text + a, n - a);
	tmp[n - a] = '\0';
	if (is_digit(tmp[0]) && (t = iso_parse(tmp)) != FEED_NO_DATE)
		return t;
	return rfc_parse(tmp);
}

/* Formats Unix seconds as RFC 3339 in UTC, "YYYY-MM-DDTHH:MM:SSZ". */
char *
date_format_rfc3339(int64_t t, char *out, size_t outlen)
{
	int64_t days, secs, y;
	int m, d;

	if (outlen == 0)
		return out;
	/* Floor division, so that times before 1970 print correctly. */
	days = t / 86400;
	secs = t % 86400;
	if (secs < 0) {
		secs += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	snprintf(out, outlen, "%04" PRId64 "-%02d-%02dT%02d:%02d:%02dZ", y, m, d,
	    (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
	return out;
}
