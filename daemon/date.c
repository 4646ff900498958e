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
 * already holds every field. Arithmetic is 64-bit throughout (days_from_civil), years
 * 1900-9999 only. */
#include "date.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

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

struct zone_name {
	const char *name;
	int offset_min;			/* east of UTC */
};

static int64_t days_from_civil(int64_t y, int m, int d);
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d);
static bool is_leap(int y);
static int days_in_month(int y, int m);
static int64_t fields_to_epoch(const struct date_fields *f);
static bool is_digit(char c);
static bool is_alpha(char c);
static char lower(char c);
static int digits_at(const char *s, int n);
static size_t count_digits(const char *s);
static bool skip_fraction(const char **pp);
static bool parse_zone_offset(const char **pp, bool need_sign, int *out);
static bool lookup_zone(const char *w, size_t n, int *out);
static int lookup_month(const char *w, size_t n);
static bool is_weekday(const char *w, size_t n);
static bool word_eq(const char *w, size_t n, const char *lit);
static int64_t iso_parse(const char *s);
static int64_t rfc_parse(const char *s);

/* Zones seen in feeds, in minutes east of UTC. Ambiguous abbreviations take the reading
 * most common in news feeds: IST = India (not Irish or Israel), CST = US Central (not
 * China), AST = Atlantic (not Arabia), BST = British Summer Time (not Bangladesh). */
static const struct zone_name zones[] = {
	{ "UT", 0 }, { "UTC", 0 }, { "GMT", 0 }, { "Z", 0 }, { "WET", 0 },
	{ "WEST", 60 }, { "BST", 60 }, { "IST", 330 },
	{ "CET", 60 }, { "MET", 60 }, { "MEZ", 60 }, { "WAT", 60 },
	{ "CEST", 120 }, { "MEST", 120 }, { "MESZ", 120 }, { "EET", 120 }, { "SAST", 120 },
	{ "CAT", 120 },
	{ "EEST", 180 }, { "MSK", 180 }, { "TRT", 180 }, { "EAT", 180 }, { "AST", -240 },
	{ "MSD", 240 }, { "GST", 240 },
	{ "PKT", 300 }, { "NPT", 345 }, { "ICT", 420 }, { "WIB", 420 },
	{ "HKT", 480 }, { "SGT", 480 }, { "AWST", 480 }, { "PHT", 480 }, { "MYT", 480 },
	{ "JST", 540 }, { "KST", 540 },
	{ "ACST", 570 }, { "ACDT", 630 }, { "AEST", 600 }, { "AEDT", 660 },
	{ "NZST", 720 }, { "NZDT", 780 },
	{ "ADT", -180 }, { "NST", -210 }, { "NDT", -150 }, { "BRT", -180 }, { "ART", -180 },
	{ "EST", -300 }, { "EDT", -240 }, { "CST", -360 }, { "CDT", -300 },
	{ "MST", -420 }, { "MDT", -360 }, { "PST", -480 }, { "PDT", -420 },
	{ "AKST", -540 }, { "AKDT", -480 }, { "HST", -600 },
};

static const char *const month_names[12] = {
	"january", "february", "march", "april", "may", "june", "july", "august",
	"september", "october", "november", "december",
};

static const char *const weekday_names[7] = {
	"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
};

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The inverse of days_from_civil(). */
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

static int
days_in_month(int y, int m)
{
	static const int dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* Checks every field and converts; FEED_NO_DATE when any is out of range. */
static int64_t
fields_to_epoch(const struct date_fields *f)
{
	int64_t t;

	if (f->year < 1900 || f->year > 9999 || f->month < 1 || f->month > 12 ||
	    f->day < 1 || f->day > days_in_month(f->year, f->month) ||
	    f->hour < 0 || f->hour > 23 || f->min < 0 || f->min > 59 ||
	    f->sec < 0 || f->sec > 60)
		return FEED_NO_DATE;
	t = days_from_civil(f->year, f->month, f->day) * 86400 +
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

/* The value of exactly n digits at s, or -1 when they are not all digits. */
static int
digits_at(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static size_t
count_digits(const char *s)
{
	size_t n = 0;

	while (is_digit(s[n]))
		n++;
	return n;
}

/* Skips a decimal fraction of seconds (".123" or ",5"): we keep whole seconds. */
static bool
skip_fraction(const char **pp)
{
	const char *p = *pp;

	if ((*p != '.' && *p != ',') || !is_digit(p[1]))
		return false;
	p++;
	while (is_digit(*p))
		p++;
	*pp = p;
	return true;
}

/* Parses "+hh", "+hhmm", "+hh:mm" (or with "-"); with need_sign false also "+h" and
 * "+h:mm" as in "GMT+2". Stores minutes east of UTC and advances *pp. */
static bool
parse_zone_offset(const char **pp, bool need_sign, int *out)
{
	const char *p = *pp;
	int sign, hh, mm = 0;
	size_t n;

	if (*p != '+' && *p != '-')
		return false;
	sign = *p == '-' ? -1 : 1;
	p++;
	n = count_digits(p);
	if (n == 4) {
		hh = digits_at(p, 2);
		mm = digits_at(p + 2, 2);
		p += 4;
	} else if (n == 2 || (n == 1 && !need_sign)) {
		hh = digits_at(p, (int)n);
		p += n;
		if (*p == ':') {
			if (count_digits(p + 1) != 2)
				return false;
			mm = digits_at(p + 1, 2);
			p += 3;
		}
	} else {
		return false;
	}
	if (hh > 23 || mm > 59)
		return false;
	*out = sign * (hh * 60 + mm);
	*pp = p;
	return true;
}

/* Named zones (table above) and single military letters. RFC 1123 notes that RFC 822
 * got the military signs backwards, so RFC 2822 says to read them as "-0000": we do,
 * they mean UTC here. */
static bool
lookup_zone(const char *w, size_t n, int *out)
{
	if (n == 1 && is_alpha(w[0]) && lower(w[0]) != 'j') {
		*out = 0;
		return true;
	}
	for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
		if (word_eq(w, n, zones[i].name)) {
			*out = zones[i].offset_min;
			return true;
		}
	}
	return false;
}

/* 1-12 for a full English month name, its three-letter abbreviation or "Sept"; else 0. */
static int
lookup_month(const char *w, size_t n)
{
	for (int i = 0; i < 12; i++) {
		if ((n == 3 && strncasecmp(w, month_names[i], 3) == 0) ||
		    word_eq(w, n, month_names[i]))
			return i + 1;
	}
	if (word_eq(w, n, "sept"))
		return 9;
	return 0;
}

static bool
is_weekday(const char *w, size_t n)
{
	for (int i = 0; i < 7; i++) {
		if ((n == 3 && strncasecmp(w, weekday_names[i], 3) == 0) ||
		    word_eq(w, n, weekday_names[i]))
			return true;
	}
	/* "Tues", "Thur", "Thurs", "Wed." are common too. */
	return word_eq(w, n, "tues") || word_eq(w, n, "thur") || word_eq(w, n, "thurs");
}

/* Case-insensitive comparison of the word w[0..n) with the literal lit. */
static bool
word_eq(const char *w, size_t n, const char *lit)
{
	return strlen(lit) == n && strncasecmp(w, lit, n) == 0;
}

/* RFC 3339 / ISO 8601 / W3C-DTF; FEED_NO_DATE unless the whole text fits. */
static int64_t
iso_parse(const char *s)
{
	struct date_fields f = { 0, 1, 1, 0, 0, 0, NO_ZONE };
	const char *p = s;
	bool compact = false;
	size_t n = count_digits(p);

	if (n == 8) {				/* 20230129 */
		f.year = digits_at(p, 4);
		f.month = digits_at(p + 4, 2);
		f.day = digits_at(p + 6, 2);
		p += 8;
		compact = true;
	} else if (n == 4) {
		f.year = digits_at(p, 4);
		p += 4;
		if (*p == '-') {
			n = count_digits(p + 1);
			if (n < 1 || n > 2)
				return FEED_NO_DATE;
			f.month = digits_at(p + 1, (int)n);
			p += 1 + n;
			if (*p == '-') {
				n = count_digits(p + 1);
				if (n < 1 || n > 2)
					return FEED_NO_DATE;
				f.day = digits_at(p + 1, (int)n);
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
	if (count_digits(p) == 2 && p[2] == ':') {
		f.hour = digits_at(p, 2);
		if (count_digits(p + 3) != 2)
			return FEED_NO_DATE;
		f.min = digits_at(p + 3, 2);
		p += 5;
		if (*p == ':') {
			if (count_digits(p + 1) != 2)
				return FEED_NO_DATE;
			f.sec = digits_at(p + 1, 2);
			p += 3;
			skip_fraction(&p);
		}
	} else if (compact && (count_digits(p) == 4 || count_digits(p) == 6)) {
		n = count_digits(p);
		f.hour = digits_at(p, 2);
		f.min = digits_at(p + 2, 2);
		if (n == 6)
			f.sec = digits_at(p + 4, 2);
		p += n;
		if (n == 6)
			skip_fraction(&p);
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
		if (!parse_zone_offset(&p, true, &f.zone_min))
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
			    !parse_zone_offset(&p, true, &f.zone_min))
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
					if (!parse_zone_offset(&p, false, &f.zone_min))
						return FEED_NO_DATE;
				}
			} else {
				return FEED_NO_DATE;
			}
			continue;
		}
		if (is_digit(*p)) {
			n = count_digits(p);
			if (p[n] == ':') {		/* h:mm[:ss[.frac]] */
				if (have_time || n > 2 || count_digits(p + n + 1) != 2)
					return FEED_NO_DATE;
				f.hour = digits_at(p, (int)n);
				f.min = digits_at(p + n + 1, 2);
				p += n + 3;
				if (*p == ':') {
					if (count_digits(p + 1) != 2)
						return FEED_NO_DATE;
					f.sec = digits_at(p + 1, 2);
					p += 3;
					skip_fraction(&p);
				}
				have_time = true;
				continue;
			}
			if (n == 4 && f.year < 0) {
				f.year = digits_at(p, 4);
			} else if (n <= 2 && f.day < 0 && f.year < 0 && !have_time) {
				f.day = digits_at(p, (int)n);
			} else if (n <= 2 && f.day < 0 && f.month != 0 && !have_time) {
				f.day = digits_at(p, (int)n);	/* "2023 Jan 29" */
			} else if (n == 2 && f.year < 0 && f.day >= 0) {
				f.year = digits_at(p, 2);
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
