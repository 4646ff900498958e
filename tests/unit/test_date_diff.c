/* test_date_diff.c — differential test for date_parse(): the parser as it was before it was
 * made faster (kept below, verbatim but for ref_ names) is the reference, and date_parse()
 * must give the identical result for every text we can think of: the cases of test_date.c,
 * every one- to four-letter word where a zone, month or weekday goes, and hundreds of
 * thousands of dates built from realistic pieces, then mutated and cut at every position.
 * A speed-up that changes any answer fails here. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "date.h"
#include "date_cases.h"
#include "feed.h"

/* ---- the reference: daemon/date.c's parser before the speed-up ------------------------ */

/* Longest text we look at; real dates are far shorter. */
#define REF_DATE_MAX_LEN 256
/* Sentinel for "no zone given". */
#define REF_NO_ZONE INT32_MIN

struct ref_date_fields {
	int year, month, day;		/* month 1-12 */
	int hour, min, sec;
	int zone_min;			/* minutes east of UTC, or REF_NO_ZONE */
};

struct ref_zone_name {
	const char *name;
	int offset_min;			/* east of UTC */
};

static int64_t ref_days_from_civil(int64_t y, int m, int d);
static bool ref_is_leap(int y);
static int ref_days_in_month(int y, int m);
static int64_t ref_fields_to_epoch(const struct ref_date_fields *f);
static bool ref_is_digit(char c);
static bool ref_is_alpha(char c);
static char ref_lower(char c);
static int ref_digits_at(const char *s, int n);
static size_t ref_count_digits(const char *s);
static bool ref_skip_fraction(const char **pp);
static bool ref_parse_zone_offset(const char **pp, bool need_sign, int *out);
static bool ref_lookup_zone(const char *w, size_t n, int *out);
static int ref_lookup_month(const char *w, size_t n);
static bool ref_is_weekday(const char *w, size_t n);
static bool ref_word_eq(const char *w, size_t n, const char *lit);
static int64_t ref_iso_parse(const char *s);
static int64_t ref_rfc_parse(const char *s);
static int64_t ref_date_parse(const char *text);

/* Zones seen in feeds, in minutes east of UTC. Ambiguous abbreviations take the reading
 * most common in news feeds: IST = India (not Irish or Israel), CST = US Central (not
 * China), AST = Atlantic (not Arabia), BST = British Summer Time (not Bangladesh). */
static const struct ref_zone_name ref_zones[] = {
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

static const char *const ref_month_names[12] = {
	"january", "february", "march", "april", "may", "june", "july", "august",
	"september", "october", "november", "december",
};

static const char *const ref_weekday_names[7] = {
	"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
};

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t
ref_days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static bool
ref_is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
ref_days_in_month(int y, int m)
{
	static const int dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && ref_is_leap(y) ? 29 : dim[m - 1];
}

/* Checks every field and converts; FEED_NO_DATE when any is out of range. */
static int64_t
ref_fields_to_epoch(const struct ref_date_fields *f)
{
	int64_t t;

	if (f->year < 1900 || f->year > 9999 || f->month < 1 || f->month > 12 ||
	    f->day < 1 || f->day > ref_days_in_month(f->year, f->month) ||
	    f->hour < 0 || f->hour > 23 || f->min < 0 || f->min > 59 ||
	    f->sec < 0 || f->sec > 60)
		return FEED_NO_DATE;
	t = ref_days_from_civil(f->year, f->month, f->day) * 86400 +
	    f->hour * 3600 + f->min * 60 + f->sec;
	if (f->zone_min != REF_NO_ZONE)
		t -= (int64_t)f->zone_min * 60;
	return t;
}

static bool
ref_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
ref_is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static char
ref_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* The value of exactly n digits at s, or -1 when they are not all digits. */
static int
ref_digits_at(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!ref_is_digit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static size_t
ref_count_digits(const char *s)
{
	size_t n = 0;

	while (ref_is_digit(s[n]))
		n++;
	return n;
}

/* Skips a decimal fraction of seconds (".123" or ",5"): we keep whole seconds. */
static bool
ref_skip_fraction(const char **pp)
{
	const char *p = *pp;

	if ((*p != '.' && *p != ',') || !ref_is_digit(p[1]))
		return false;
	p++;
	while (ref_is_digit(*p))
		p++;
	*pp = p;
	return true;
}

/* Parses "+hh", "+hhmm", "+hh:mm" (or with "-"); with need_sign false also "+h" and
 * "+h:mm" as in "GMT+2". Stores minutes east of UTC and advances *pp. */
static bool
ref_parse_zone_offset(const char **pp, bool need_sign, int *out)
{
	const char *p = *pp;
	int sign, hh, mm = 0;
	size_t n;

	if (*p != '+' && *p != '-')
		return false;
	sign = *p == '-' ? -1 : 1;
	p++;
	n = ref_count_digits(p);
	if (n == 4) {
		hh = ref_digits_at(p, 2);
		mm = ref_digits_at(p + 2, 2);
		p += 4;
	} else if (n == 2 || (n == 1 && !need_sign)) {
		hh = ref_digits_at(p, (int)n);
		p += n;
		if (*p == ':') {
			if (ref_count_digits(p + 1) != 2)
				return false;
			mm = ref_digits_at(p + 1, 2);
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

/* Named ref_zones (table above) and single military letters. RFC 1123 notes that RFC 822
 * got the military signs backwards, so RFC 2822 says to read them as "-0000": we do,
 * they mean UTC here. */
static bool
ref_lookup_zone(const char *w, size_t n, int *out)
{
	if (n == 1 && ref_is_alpha(w[0]) && ref_lower(w[0]) != 'j') {
		*out = 0;
		return true;
	}
	for (size_t i = 0; i < sizeof(ref_zones) / sizeof(ref_zones[0]); i++) {
		if (ref_word_eq(w, n, ref_zones[i].name)) {
			*out = ref_zones[i].offset_min;
			return true;
		}
	}
	return false;
}

/* 1-12 for a full English month name, its three-letter abbreviation or "Sept"; else 0. */
static int
ref_lookup_month(const char *w, size_t n)
{
	for (int i = 0; i < 12; i++) {
		if ((n == 3 && strncasecmp(w, ref_month_names[i], 3) == 0) ||
		    ref_word_eq(w, n, ref_month_names[i]))
			return i + 1;
	}
	if (ref_word_eq(w, n, "sept"))
		return 9;
	return 0;
}

static bool
ref_is_weekday(const char *w, size_t n)
{
	for (int i = 0; i < 7; i++) {
		if ((n == 3 && strncasecmp(w, ref_weekday_names[i], 3) == 0) ||
		    ref_word_eq(w, n, ref_weekday_names[i]))
			return true;
	}
	/* "Tues", "Thur", "Thurs", "Wed." are common too. */
	return ref_word_eq(w, n, "tues") || ref_word_eq(w, n, "thur") || ref_word_eq(w, n, "thurs");
}

/* Case-insensitive comparison of the word w[0..n) with the literal lit. */
static bool
ref_word_eq(const char *w, size_t n, const char *lit)
{
	return strlen(lit) == n && strncasecmp(w, lit, n) == 0;
}

/* RFC 3339 / ISO 8601 / W3C-DTF; FEED_NO_DATE unless the whole text fits. */
static int64_t
ref_iso_parse(const char *s)
{
	struct ref_date_fields f = { 0, 1, 1, 0, 0, 0, REF_NO_ZONE };
	const char *p = s;
	bool compact = false;
	size_t n = ref_count_digits(p);

	if (n == 8) {				/* 20230129 */
		f.year = ref_digits_at(p, 4);
		f.month = ref_digits_at(p + 4, 2);
		f.day = ref_digits_at(p + 6, 2);
		p += 8;
		compact = true;
	} else if (n == 4) {
		f.year = ref_digits_at(p, 4);
		p += 4;
		if (*p == '-') {
			n = ref_count_digits(p + 1);
			if (n < 1 || n > 2)
				return FEED_NO_DATE;
			f.month = ref_digits_at(p + 1, (int)n);
			p += 1 + n;
			if (*p == '-') {
				n = ref_count_digits(p + 1);
				if (n < 1 || n > 2)
					return FEED_NO_DATE;
				f.day = ref_digits_at(p + 1, (int)n);
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
		return ref_fields_to_epoch(&f);

	/* The time: "T", "t" or one space, then hh:mm[:ss[.frac]] or hhmm[ss[.frac]]. */
	if (*p != 'T' && *p != 't' && *p != ' ')
		return FEED_NO_DATE;
	p++;
	if (ref_count_digits(p) == 2 && p[2] == ':') {
		f.hour = ref_digits_at(p, 2);
		if (ref_count_digits(p + 3) != 2)
			return FEED_NO_DATE;
		f.min = ref_digits_at(p + 3, 2);
		p += 5;
		if (*p == ':') {
			if (ref_count_digits(p + 1) != 2)
				return FEED_NO_DATE;
			f.sec = ref_digits_at(p + 1, 2);
			p += 3;
			ref_skip_fraction(&p);
		}
	} else if (compact && (ref_count_digits(p) == 4 || ref_count_digits(p) == 6)) {
		n = ref_count_digits(p);
		f.hour = ref_digits_at(p, 2);
		f.min = ref_digits_at(p + 2, 2);
		if (n == 6)
			f.sec = ref_digits_at(p + 4, 2);
		p += n;
		if (n == 6)
			ref_skip_fraction(&p);
	} else {
		return FEED_NO_DATE;
	}

	/* The zone: none (UTC), "Z", "+hh[:mm]", "+hhmm", or after one space a numeric or
	 * named zone ("2023-01-29 12:00:00 +0000", "... UTC"). */
	if (*p == ' ' && (p[1] == '+' || p[1] == '-' || ref_is_alpha(p[1])))
		p++;
	if (*p == 'Z' || *p == 'z') {
		f.zone_min = 0;
		p++;
	} else if (*p == '+' || *p == '-') {
		if (!ref_parse_zone_offset(&p, true, &f.zone_min))
			return FEED_NO_DATE;
	} else if (ref_is_alpha(*p)) {
		const char *w = p;

		while (ref_is_alpha(*p))
			p++;
		if (p - w < 2 || !ref_lookup_zone(w, (size_t)(p - w), &f.zone_min))
			return FEED_NO_DATE;
	}
	if (*p != '\0')
		return FEED_NO_DATE;
	return ref_fields_to_epoch(&f);
}

/* RFC 822 and friends: a token scan that accepts each field once, in the orders seen in
 * the wild, and refuses any word or number it cannot place. */
static int64_t
ref_rfc_parse(const char *s)
{
	struct ref_date_fields f = { -1, 0, -1, 0, 0, 0, REF_NO_ZONE };
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
		if ((*p == '+' || *p == '-') && ref_is_digit(p[1]) && have_time) {
			if (f.zone_min != REF_NO_ZONE ||
			    !ref_parse_zone_offset(&p, true, &f.zone_min))
				return FEED_NO_DATE;
			continue;
		}
		if (*p == '-' && w != s && (ref_is_alpha(p[1]) || ref_is_digit(p[1]))) {
			p++;			/* RFC 850 "29-Jan-23" */
			continue;
		}
		if (ref_is_alpha(*p)) {
			int v;

			while (ref_is_alpha(*p))
				p++;
			n = (size_t)(p - w);
			if (*p == '.')		/* "Jan.", "Wed." */
				p++;
			if (n > 12)
				return FEED_NO_DATE;
			if ((v = ref_lookup_month(w, n)) != 0) {
				if (f.month != 0)
					return FEED_NO_DATE;
				f.month = v;
			} else if (ref_is_weekday(w, n)) {
				if (have_weekday || f.month != 0 || have_time)
					return FEED_NO_DATE;
				have_weekday = true;	/* ignored: feeds get it wrong */
			} else if ((ref_word_eq(w, n, "am") || ref_word_eq(w, n, "pm")) && have_time &&
			    !have_ampm && f.zone_min == REF_NO_ZONE) {
				if (f.hour < 1 || f.hour > 12)
					return FEED_NO_DATE;
				f.hour = f.hour % 12 + (ref_lower(w[0]) == 'p' ? 12 : 0);
				have_ampm = true;
			} else if (ref_lookup_zone(w, n, &v)) {
				if (f.zone_min != REF_NO_ZONE) {
					/* "+0000 GMT": a name after a number only repeats it. */
					if (w[-1] != ' ' || n == 1)
						return FEED_NO_DATE;
					continue;
				}
				f.zone_min = v;
				/* "GMT+2", "UTC-05:00", "GMT+0200" */
				if ((*p == '+' || *p == '-') && ref_is_digit(p[1]) &&
				    (ref_word_eq(w, n, "gmt") || ref_word_eq(w, n, "utc") ||
				    ref_word_eq(w, n, "ut"))) {
					if (!ref_parse_zone_offset(&p, false, &f.zone_min))
						return FEED_NO_DATE;
				}
			} else {
				return FEED_NO_DATE;
			}
			continue;
		}
		if (ref_is_digit(*p)) {
			n = ref_count_digits(p);
			if (p[n] == ':') {		/* h:mm[:ss[.frac]] */
				if (have_time || n > 2 || ref_count_digits(p + n + 1) != 2)
					return FEED_NO_DATE;
				f.hour = ref_digits_at(p, (int)n);
				f.min = ref_digits_at(p + n + 1, 2);
				p += n + 3;
				if (*p == ':') {
					if (ref_count_digits(p + 1) != 2)
						return FEED_NO_DATE;
					f.sec = ref_digits_at(p + 1, 2);
					p += 3;
					ref_skip_fraction(&p);
				}
				have_time = true;
				continue;
			}
			if (n == 4 && f.year < 0) {
				f.year = ref_digits_at(p, 4);
			} else if (n <= 2 && f.day < 0 && f.year < 0 && !have_time) {
				f.day = ref_digits_at(p, (int)n);
			} else if (n <= 2 && f.day < 0 && f.month != 0 && !have_time) {
				f.day = ref_digits_at(p, (int)n);	/* "2023 Jan 29" */
			} else if (n == 2 && f.year < 0 && f.day >= 0) {
				f.year = ref_digits_at(p, 2);
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
	return ref_fields_to_epoch(&f);
}

/* Parses a feed date (see date.h); FEED_NO_DATE unless one of the strict parsers
 * accepts the whole text. */
static int64_t
ref_date_parse(const char *text)
{
	char tmp[REF_DATE_MAX_LEN + 1];
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
	if (n == a || n - a > REF_DATE_MAX_LEN)
		return FEED_NO_DATE;
	memcpy(tmp, text + a, n - a);
	tmp[n - a] = '\0';
	if (ref_is_digit(tmp[0]) && (t = ref_iso_parse(tmp)) != FEED_NO_DATE)
		return t;
	return ref_rfc_parse(tmp);
}

/* ---- the comparison -------------------------------------------------------------------- */

/* Texts compared one by one besides test_date.c's tables (date_cases.h): the literals of
 * its other tests (kept in step by hand). */
static const char *const seeds[] = {
	/* the literals of its other tests */
	"\n\t 2023-01-29T12:00:00Z \r\n",
	"\n Sun, 29 Jan 2023\n 12:00:00 GMT\n",
	"2023-01-29\x01",
	"Sun, 29 Jan 2023 12:00:00 \xc3\xa9",
	"Sun, 29 Jan 2023 12:00:00 GMT",
	"2023-01-29T12:00:00.123+05:30",
	"Sun Jan 29 12:00:00 +0000 2023",
	"29-Jan-23 12:00 (PST) GMT+2",
};

static const char *const weekdays[] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sunday", "Monday", "Tuesday",
	"Wednesday", "Thursday", "Friday", "Saturday", "Tues", "Thur", "Thurs", "Wed.", "Weds",
	"Su", "Sundays", "Funday", "Thursd", "T", "Tu", "Mo",
};

static const char *const months[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
	"January", "February", "March", "April", "June", "July", "August", "September",
	"October", "November", "December", "Sept", "Jan.", "Sept.", "Septe", "Janu", "Ja",
	"Foo", "Mai", "Juni", "Octobers", "Decembre", "Septembre", "Febuary", "M",
};

/* Every zone spelling the parser knows, the military letters' edge and some it does not. */
static const char *const zone_words[] = {
	"UT", "UTC", "GMT", "Z", "WET", "WEST", "BST", "IST", "CET", "MET", "MEZ", "WAT",
	"CEST", "MEST", "MESZ", "EET", "SAST", "CAT", "EEST", "MSK", "TRT", "EAT", "AST",
	"MSD", "GST", "PKT", "NPT", "ICT", "WIB", "HKT", "SGT", "AWST", "PHT", "MYT", "JST",
	"KST", "ACST", "ACDT", "AEST", "AEDT", "NZST", "NZDT", "ADT", "NST", "NDT", "BRT",
	"ART", "EST", "EDT", "CST", "CDT", "MST", "MDT", "PST", "PDT", "AKST", "AKDT", "HST",
	"A", "J", "N", "Y", "z", "j", "XYZ", "UTCX", "GMTT", "CEDT", "EDTX", "ESTT", "U",
	"PSTS", "NZ", "AK", "AE", "ES", "ET", "Europe", "am", "pm", "AM", "PM", "a.m.",
};

static const char *const numeric_zones[] = {
	"+0000", "-0000", "+0530", "-0930", "+05:30", "-05:00", "+14:00", "+2400", "+2359",
	"+05:60", "+0560", "-05", "+5", "+05", "+005", "+00000", "+05:3", "+05:300", "GMT+2",
	"GMT+02:00", "UTC-05:00", "GMT+0530", "GMT-0800", "UT+1", "GMT+24", "GMT+2:30",
	"GMT+", "GMT-", "EST+2", "+", "-", "+0000 GMT", "+0000 (UTC)", "-0800 (PST)",
	"(Pacific Standard Time)", "((a)b)", "(unclosed", "+0000 GMT+1", "GMT GMT",
};

static const char *const seps[] = { " ", ", ", ",", "  ", "", "\t", "-", " ,", ". ", "\n" };

static const char *const fractions[] = {
	"", "", "", ".1", ".25", ".123", ".123456", ".123456789012", ",5", ".", ",", ".x",
};

static const char *const tails[] = {
	"", "", "", "", "", " ", "x", " junk", "Z", "ZZ", "\x01", "\xc3\xa9", " \xff", "0",
	":", "+", " GMT", " (c)", ".", ",",
};

static uint64_t rng = 0x2545f4914f6cdd1dULL;
/* Set for half the generated dates: fields in range, so that many of them are dates. */
static bool tidy;
static unsigned long ncompared, naccepted, nmismatched;

static uint64_t
next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static unsigned
pick(unsigned n)
{
	return (unsigned)(next_rand() % n);
}

#define PICK(a) ((a)[pick(sizeof(a) / sizeof((a)[0]))])
/* A separator: any of seps[], or for tidy dates one of the usual three. */
#define SEP() (tidy ? seps[pick(3)] : PICK(seps))

/* Prints a text with its control and non-ASCII bytes escaped, for failure messages. */
static const char *
escaped(const char *s)
{
	static char out[1024];
	size_t o = 0;

	for (; *s != '\0' && o < sizeof(out) - 8; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
			o += (size_t)snprintf(out + o, sizeof(out) - o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	out[o] = '\0';
	return out;
}

/* Compares the two parsers on one text; reports (the first few) and counts mismatches. */
static void
compare(const char *s)
{
	int64_t got = date_parse(s), want = ref_date_parse(s);

	ncompared++;
	if (want != FEED_NO_DATE)
		naccepted++;
	if (got != want) {
		if (nmismatched < 20)
			print_error("date_parse(\"%s\") = %" PRId64 ", reference %" PRId64 "\n",
			    escaped(s), got, want);
		nmismatched++;
	}
}

/* Randomly upper- or lower-cases each letter of s into out. */
static void
odd_case(const char *s, char *out, size_t outlen)
{
	size_t i;
	unsigned mode = pick(4);	/* as is, lower, upper, mixed */

	for (i = 0; s[i] != '\0' && i + 1 < outlen; i++) {
		char c = s[i];

		if (mode == 1 || (mode == 3 && pick(2)))
			c = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
		else if (mode == 2 || mode == 3)
			c = (char)(c >= 'a' && c <= 'z' ? c - 32 : c);
		out[i] = c;
	}
	out[i] = '\0';
}

/* A number of ndigits digits (leading zeros kept) with value v. */
static void
number(char *out, size_t outlen, unsigned v, unsigned ndigits)
{
	snprintf(out, outlen, "%0*u", (int)ndigits, v);
}

/* A year: mostly realistic, sometimes 1-5 digits of anything. */
static void
gen_year(char *out, size_t outlen)
{
	static const unsigned years[] = {
		1899, 1900, 1969, 1970, 2000, 2023, 2024, 2100, 2038, 9999, 1600, 1904,
	};

	switch (tidy ? pick(4) : pick(5)) {
	case 0: case 1:
		number(out, outlen, PICK(years), 4);
		break;
	case 2:
		number(out, outlen, pick(100), 2);
		break;
	case 3:
		number(out, outlen, 1900 + pick(300), 4);
		break;
	default:
		number(out, outlen, pick(100000), 1 + pick(5));
		break;
	}
}

/* A day, hour, minute or second: mostly in range, sometimes just outside or odd widths. */
static void
gen_field(char *out, size_t outlen, unsigned lo, unsigned hi)
{
	switch (tidy ? 3 + pick(3) : pick(6)) {
	case 0:
		number(out, outlen, lo + pick(hi - lo + 1), 1);
		break;
	case 1:
		number(out, outlen, pick(2) ? hi + 1 : (lo > 0 ? lo - 1 : hi), 2);
		break;
	case 2:
		number(out, outlen, pick(1000), 1 + pick(3));
		break;
	default:
		number(out, outlen, lo + pick(hi - lo + 1), 2);
		break;
	}
}

/* A time "h:mm[:ss[.frac]]", perhaps out of range, perhaps with AM/PM. */
static void
gen_time(char *out, size_t outlen)
{
	char h[8], m[8], sec[8];

	gen_field(h, sizeof(h), 0, 23);
	gen_field(m, sizeof(m), 0, 59);
	gen_field(sec, sizeof(sec), 0, 60);
	switch (pick(6)) {
	case 0:
		snprintf(out, outlen, "%s:%s", h, m);
		break;
	case 1:
		snprintf(out, outlen, "%s:%s %s", h, m, pick(2) ? "PM" : "am");
		break;
	case 2:
		snprintf(out, outlen, "%s:%s:%s%s", h, m, sec, PICK(fractions));
		break;
	default:
		snprintf(out, outlen, "%s:%s:%s", h, m, sec);
		break;
	}
}

/* A zone for an RFC 822 date: named (odd case), numeric, or none. */
static void
gen_rfc_zone(char *out, size_t outlen)
{
	switch (pick(4)) {
	case 0:
		odd_case(PICK(zone_words), out, outlen);
		break;
	case 1:
		snprintf(out, outlen, "%s", PICK(numeric_zones));
		break;
	case 2:
		snprintf(out, outlen, "%c%02u%02u", pick(2) ? '+' : '-', pick(26), pick(62));
		break;
	default:
		out[0] = '\0';
		break;
	}
}

/* An RFC 822-like date in one of the orders seen in the wild, with random separators. */
static void
gen_rfc(char *out, size_t outlen)
{
	char wd[24], mon[24], day[8], year[8], tm[32], zone[48];

	odd_case(tidy ? weekdays[pick(17)] : PICK(weekdays), wd, sizeof(wd));
	odd_case(tidy ? months[pick(25)] : PICK(months), mon, sizeof(mon));
	gen_field(day, sizeof(day), 1, 31);
	if (pick(3) == 0)
		snprintf(day, sizeof(day), "%u", 28 + pick(4));	/* Feb 29/30 etc. */
	gen_year(year, sizeof(year));
	gen_time(tm, sizeof(tm));
	gen_rfc_zone(zone, sizeof(zone));
	if (pick(4) == 0)
		wd[0] = '\0';
	if (pick(8) == 0)
		tm[0] = '\0';
	switch (pick(6)) {
	case 0:		/* asctime */
		snprintf(out, outlen, "%s%s%s%s%s%s%s%s%s", wd, SEP(), mon, SEP(), day,
		    SEP(), tm, SEP(), year);
		break;
	case 1:		/* Twitter */
		snprintf(out, outlen, "%s %s %s %s %s %s", wd, mon, day, tm, zone, year);
		break;
	case 2:		/* "January 29, 2023 9:05 PM" */
		snprintf(out, outlen, "%s%s%s%s%s%s%s", mon, SEP(), day, SEP(), year,
		    SEP(), tm);
		break;
	case 3:		/* RFC 850 */
		snprintf(out, outlen, "%s%s%s-%s-%s %s %s", wd, SEP(), day, mon, year, tm,
		    zone);
		break;
	case 4:		/* "2023 Jan 29 12:00:00 GMT" */
		snprintf(out, outlen, "%s %s %s %s %s", year, mon, day, tm, zone);
		break;
	default:	/* RFC 822 */
		snprintf(out, outlen, "%s%s%s%s%s%s%s%s%s%s%s", wd, SEP(), day, SEP(),
		    mon, SEP(), year, SEP(), tm, SEP(), zone);
		break;
	}
}

/* An RFC 3339 / ISO 8601 date, extended or compact, with every kind of zone. */
static void
gen_iso(char *out, size_t outlen)
{
	static const char *const tsep[] = { "T", "t", " ", "", "  ", "_", "T", "T" };
	static const char *const isozones[] = {
		"Z", "z", "", "+05:30", "-05:00", "+0530", "-05", "+5", "+14:00", "+24:00",
		"+05:60", " +0200", " -0800", " UTC", " PST", " XYZ", " Z", " z", " G", " J",
		" gmt", "UTC", "Zulu", "ZZ", " +05:30", "+05:3", "+", "-", " ", "+0000 GMT",
	};
	char year[8], mon[8], day[8], h[8], m[8], sec[8], date[32], tm[48];

	gen_year(year, sizeof(year));
	gen_field(mon, sizeof(mon), 1, 12);
	gen_field(day, sizeof(day), 1, 31);
	if (pick(3) == 0)
		snprintf(day, sizeof(day), "%02u", 28 + pick(4));
	gen_field(h, sizeof(h), 0, 23);
	gen_field(m, sizeof(m), 0, 59);
	gen_field(sec, sizeof(sec), 0, 60);
	if (pick(4) == 0)	/* compact */
		snprintf(date, sizeof(date), "%s%s%s", year, mon, day);
	else if (pick(8) == 0)
		snprintf(date, sizeof(date), "%s-%s", year, mon);
	else
		snprintf(date, sizeof(date), "%s-%s-%s", year, mon, day);
	switch (pick(5)) {
	case 0:
		snprintf(tm, sizeof(tm), "%s:%s", h, m);
		break;
	case 1:
		snprintf(tm, sizeof(tm), "%s%s%s%s", h, m, sec, PICK(fractions));
		break;
	case 2:
		snprintf(tm, sizeof(tm), "%s%s", h, m);
		break;
	default:
		snprintf(tm, sizeof(tm), "%s:%s:%s%s", h, m, sec, PICK(fractions));
		break;
	}
	if (pick(6) == 0)
		snprintf(out, outlen, "%s", date);
	else
		snprintf(out, outlen, "%s%s%s%s", date, PICK(tsep), tm, PICK(isozones));
}

/* One random edit: replace, insert or delete a byte, flip a case, pad, or add a tail. */
static void
mutate(char *s, size_t cap)
{
	static const char alphabet[] = "0123456789 :+-,.()TZtzJanGMTaPpMm\t\r\n\x01\x7f\x80\xc3\xa9\xff";
	size_t n = strlen(s);
	unsigned op = pick(6);

	if (n == 0 || op == 5) {
		strncat(s, PICK(tails), cap - n - 1);
		return;
	}
	switch (op) {
	case 0:
		s[pick((unsigned)n)] = alphabet[pick(sizeof(alphabet) - 1)];
		break;
	case 1:
		if (n + 1 < cap) {
			size_t at = pick((unsigned)n + 1);

			memmove(s + at + 1, s + at, n - at + 1);
			s[at] = alphabet[pick(sizeof(alphabet) - 1)];
		}
		break;
	case 2: {
		size_t at = pick((unsigned)n);

		memmove(s + at, s + at + 1, n - at);
		break;
	}
	case 3: {
		size_t at = pick((unsigned)n);

		if ((s[at] >= 'a' && s[at] <= 'z') || (s[at] >= 'A' && s[at] <= 'Z'))
			s[at] ^= 0x20;
		break;
	}
	default:
		if (n + 2 < cap) {
			memmove(s + 1, s, n + 1);
			s[0] = pick(2) ? ' ' : '\n';
		}
		break;
	}
}

/* Compares s and every prefix of it. */
static void
compare_prefixes(const char *s)
{
	char buf[512];
	size_t n = strlen(s);

	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	for (size_t k = 0; k <= n; k++) {
		memcpy(buf, s, k);
		buf[k] = '\0';
		compare(buf);
	}
}

static void
check_no_mismatch(const char *what)
{
	print_message("# %s: %lu texts compared (%lu of them dates), %lu mismatches\n", what,
	    ncompared, naccepted, nmismatched);
	if (nmismatched != 0)
		fail_msg("%s: %lu of %lu texts parse differently from the reference", what,
		    nmismatched, ncompared);
}

static void
test_seeds(void **state)
{
	size_t ng = sizeof(good) / sizeof(good[0]), nb = sizeof(bad) / sizeof(bad[0]);
	size_t ns = sizeof(seeds) / sizeof(seeds[0]);

	ncompared = naccepted = nmismatched = 0;
	compare(NULL);
	for (size_t i = 0; i < ng + nb + ns; i++) {
		const char *seed = i < ng ? good[i].text : i < ng + nb ? bad[i - ng] : seeds[i - ng - nb];

		compare_prefixes(seed);
		for (int k = 0; k < 200; k++) {
			char buf[512];

			snprintf(buf, sizeof(buf), "%s", seed);
			for (unsigned e = 1 + pick(3); e > 0; e--)
				mutate(buf, sizeof(buf));
			compare(buf);
		}
	}
	check_no_mismatch("test_date.c cases, their prefixes and mutations");
}

/* Every word of one to four letters (lower case, then upper case for up to three) where a
 * zone, a month and a weekday go: the name lookups must agree on all of them. */
static void
test_all_short_words(void **state)
{
	char w[8], buf[96];
	unsigned total = 26 + 26 * 26 + 26 * 26 * 26 + 26 * 26 * 26 * 26;

	ncompared = naccepted = nmismatched = 0;
	for (unsigned i = 0; i < total; i++) {
		unsigned v = i, len = i < 26 ? 1 : i < 26 + 676 ? 2 : i < 26 + 676 + 17576 ? 3 : 4;

		v -= len >= 2 ? 26 : 0;
		v -= len >= 3 ? 676 : 0;
		v -= len >= 4 ? 17576 : 0;
		for (unsigned k = len; k > 0; k--) {
			w[k - 1] = (char)('a' + v % 26);
			v /= 26;
		}
		w[len] = '\0';
		for (int up = 0; up < (len < 4 ? 2 : 1); up++) {
			if (up)
				for (unsigned k = 0; k < len; k++)
					w[k] = (char)(w[k] - 32);
			snprintf(buf, sizeof(buf), "Sun, 29 Jan 2023 12:00:00 %s", w);
			compare(buf);
			snprintf(buf, sizeof(buf), "2023-01-29T12:00:00 %s", w);
			compare(buf);
			snprintf(buf, sizeof(buf), "29 %s 2023 12:00:00 GMT", w);
			compare(buf);
			snprintf(buf, sizeof(buf), "%s, 29 Jan 2023 12:00:00 +0000", w);
			compare(buf);
			snprintf(buf, sizeof(buf), "Jan 29 2023 9:05 %s", w);
			compare(buf);
		}
	}
	check_no_mismatch("all words of 1-4 letters as zone, month, weekday, am/pm");
}

/* Each known name in random case, and with each letter replaced by every other letter. */
static void
test_name_variants(void **state)
{
	static const char *const *const lists[] = { weekdays, months, zone_words };
	static const size_t lens[] = {
		sizeof(weekdays) / sizeof(weekdays[0]), sizeof(months) / sizeof(months[0]),
		sizeof(zone_words) / sizeof(zone_words[0]),
	};
	/* Where the word goes: between before[f] and after[f]. */
	static const char *const before[] = {
		"", "29 ", "Sun, 29 Jan 2023 12:00:00 ", "2023-01-29 12:00:00 ", "",
		"Sun, 29 Jan 2023 12:00:00 +0000 ", "Sun, 29 Jan 2023 12:00:00 ", "Jan 29 2023 9:05 ",
	};
	static const char *const after[] = {
		", 29 Jan 2023 12:00:00 GMT", " 2023 12:00:00 GMT", "", "", " 29 2023", "", "+2", "",
	};

	ncompared = naccepted = nmismatched = 0;
	for (size_t l = 0; l < 3; l++) {
		for (size_t i = 0; i < lens[l]; i++) {
			char w[32], buf[128];
			size_t n = strlen(lists[l][i]);

			for (size_t f = 0; f < sizeof(before) / sizeof(before[0]); f++) {
				for (int k = 0; k < 8; k++) {
					odd_case(lists[l][i], w, sizeof(w));
					snprintf(buf, sizeof(buf), "%s%s%s", before[f], w, after[f]);
					compare(buf);
				}
				for (size_t at = 0; at < n; at++) {
					for (char c = 'a'; c <= 'z'; c++) {
						snprintf(w, sizeof(w), "%s", lists[l][i]);
						w[at] = c;
						snprintf(buf, sizeof(buf), "%s%s%s", before[f], w, after[f]);
						compare(buf);
					}
				}
			}
		}
	}
	check_no_mismatch("known names in odd cases and one letter off");
}

/* Generated dates, each compared whole, after random edits, and cut at every position. */
static void
test_generated(void **state)
{
	char buf[512];

	ncompared = naccepted = nmismatched = 0;
	for (int i = 0; i < 60000; i++) {
		tidy = i % 4 < 2;
		if (i % 2 == 0)
			gen_rfc(buf, sizeof(buf));
		else
			gen_iso(buf, sizeof(buf));
		if (pick(3) == 0)
			strncat(buf, PICK(tails), sizeof(buf) - strlen(buf) - 1);
		compare(buf);
		if (i % 8 == 0)
			compare_prefixes(buf);
		for (unsigned e = pick(4); e > 0; e--) {
			mutate(buf, sizeof(buf));
			compare(buf);
		}
	}
	check_no_mismatch("generated dates");
}

/* The layout most RSS feeds write, "Thu, 01 Jun 2023 00:07:00 +0000" or "... GMT", which
 * date_parse reads position by position before its general parser: every field drawn
 * from values in and out of range and from words of every kind in every slot (months as
 * weekdays, weekdays and zones as months, months and weekdays as zones), then each byte
 * replaced in turn by a digit, a letter, a space or punctuation. */
static void
test_canonical_rfc822(void **state)
{
	static const char subst[] = "09aZ :,+-.\t";
	char buf[96], wd[16], mon[16], zone[16];

	ncompared = naccepted = nmismatched = 0;
	for (int i = 0; i < 40000; i++) {
		odd_case(pick(8) ? PICK(weekdays) : pick(2) ? PICK(months) : PICK(zone_words), wd,
		    sizeof(wd));
		odd_case(pick(8) ? PICK(months) : pick(2) ? PICK(weekdays) : PICK(zone_words), mon,
		    sizeof(mon));
		wd[3] = mon[3] = '\0';	/* (three letters, as the layout has) */
		switch (pick(4)) {
		case 0:
		case 1:
			snprintf(zone, sizeof(zone), "%c%02u%02u", pick(2) ? '+' : '-', pick(26),
			    pick(62));
			break;
		case 2:
			odd_case(pick(4) ? "GMT" : PICK(zone_words), zone, sizeof(zone));
			break;
		default:
			odd_case(pick(2) ? PICK(months) : PICK(weekdays), zone, sizeof(zone));
			zone[3] = '\0';
			break;
		}
		snprintf(buf, sizeof(buf), "%s, %02u %s %04u %02u:%02u:%02u %s", wd, pick(40), mon,
		    pick(3) ? 1990 + pick(40) : pick(10000), pick(26), pick(62), pick(62), zone);
		compare(buf);
		if (i % 16 == 0) {
			size_t len = strlen(buf);

			for (size_t k = 0; k < len; k++) {
				char keep = buf[k];

				buf[k] = subst[pick(sizeof(subst) - 1)];
				compare(buf);
				buf[k] = keep;
			}
		}
	}
	check_no_mismatch("RFC 822 dates in their usual layout");
	assert_true(naccepted > 10000);	/* many of them are dates */
}

/* Every calendar day of some years (leap, non-leap, century) with every day 0-32, and
 * every hour, minute and second just in and out of range. */
static void
test_calendar_edges(void **state)
{
	static const int years[] = { 1900, 1904, 1970, 2000, 2023, 2024, 2100, 9999 };
	char buf[96];

	ncompared = naccepted = nmismatched = 0;
	for (size_t y = 0; y < sizeof(years) / sizeof(years[0]); y++) {
		for (int m = 0; m <= 13; m++) {
			for (int d = 0; d <= 32; d++) {
				snprintf(buf, sizeof(buf), "%04d-%02d-%02d", years[y], m, d);
				compare(buf);
				snprintf(buf, sizeof(buf), "%d %s %d 12:00:00 GMT", d,
				    m >= 1 && m <= 12 ? months[m - 1] : "Foo", years[y]);
				compare(buf);
			}
		}
	}
	for (int h = 0; h <= 25; h++) {
		for (int mi = 0; mi <= 61; mi++) {
			for (int s = 58; s <= 61; s++) {
				snprintf(buf, sizeof(buf), "2024-02-29T%02d:%02d:%02dZ", h, mi, s);
				compare(buf);
				snprintf(buf, sizeof(buf), "Thu, 29 Feb 2024 %d:%02d:%02d +0000", h,
				    mi, s);
				compare(buf);
				snprintf(buf, sizeof(buf), "Feb 29, 2024 %d:%02d PM", h, mi);
				compare(buf);
			}
		}
	}
	for (int zh = 0; zh <= 25; zh++) {
		for (int zm = 0; zm <= 61; zm += 1) {
			snprintf(buf, sizeof(buf), "2023-01-29T12:00:00+%02d:%02d", zh, zm);
			compare(buf);
			snprintf(buf, sizeof(buf), "Sun, 29 Jan 2023 12:00:00 -%02d%02d", zh, zm);
			compare(buf);
			snprintf(buf, sizeof(buf), "Sun, 29 Jan 2023 12:00:00 GMT+%d:%02d", zh, zm);
			compare(buf);
		}
	}
	check_no_mismatch("calendar and clock edges");
}

/* Long texts: padding around a date, the length limit, long runs of one byte. */
static void
test_long(void **state)
{
	static char big[4096];

	ncompared = naccepted = nmismatched = 0;
	for (size_t len = 240; len < 270; len++) {
		memset(big, ' ', sizeof(big));
		memcpy(big + 100, "2023-01-29T12:00:00Z", 20);
		big[len] = '\0';
		compare(big);
		memset(big, '0', len);
		compare(big);
		memset(big, '(', len);
		compare(big);
		memset(big, 'a', len);
		compare(big);
		memset(big, ' ', len);
		memcpy(big, "Sun, 29 Jan 2023 12:00:00 GMT", 29);
		memset(big + 29, 'x', len - 29 < 5 ? len - 29 : 5);
		compare(big);
	}
	check_no_mismatch("long texts");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seeds),
		cmocka_unit_test(test_all_short_words),
		cmocka_unit_test(test_name_variants),
		cmocka_unit_test(test_generated),
		cmocka_unit_test(test_canonical_rfc822),
		cmocka_unit_test(test_calendar_edges),
		cmocka_unit_test(test_long),
	};

	return cmocka_run_group_tests_name("date_diff", tests, NULL, NULL);
}
