/* date.h — the date spellings found in feeds, to Unix seconds, and back to RFC 3339. */
#ifndef FEEDWATCHD_DATE_H
#define FEEDWATCHD_DATE_H

#include <stddef.h>
#include <stdint.h>

/* Parses RFC 822/1123 and their real-world variants (two-digit years, missing weekday,
 * named and military zones, "GMT+2"), RFC 3339 / ISO 8601 / W3C-DTF (date only,
 * minutes only, fractions, "Z", "+hh:mm", "+hhmm"), and a few common others. Returns
 * Unix seconds, or FEED_NO_DATE (INT64_MIN) when the text is not a date it trusts:
 * never a made-up one. */
int64_t date_parse(const char *text);

/* Writes "YYYY-MM-DDTHH:MM:SSZ" (UTC) into out (at least 32 bytes); returns out. */
char *date_format_rfc3339(int64_t t, char *out, size_t outlen);

#endif
