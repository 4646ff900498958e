/* log.c — the operational log: levels, stderr, journald severity prefixes, and
 * escaping of untrusted text. */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static void log_vwrite(int pri, int with_errno, const char *fmt, va_list ap);

static const char *log_progname = "feedwatchd";
static int log_verbosity = LOG_NORMAL;
static bool log_journal;

void
log_init(const char *progname, int verbosity)
{
	log_progname = progname;
	log_verbosity = verbosity;
	log_journal = getenv("JOURNAL_STREAM") != NULL;
}

void
log_set_verbosity(int verbosity)
{
	log_verbosity = verbosity;
}

static void
log_vwrite(int pri, int with_errno, const char *fmt, va_list ap)
{
	static const char *names[] = { "emerg", "alert", "crit", "error", "warning",
				       "notice", "info", "debug" };
	int saved = errno;
	char msg[2048];

	if (pri == LOG_DEBUG && log_verbosity < LOG_VERBOSE)
		return;
	if (pri >= LOG_INFO && log_verbosity < LOG_NORMAL)
		return;
	vsnprintf(msg, sizeof msg, fmt, ap);
	if (log_journal)
		fprintf(stderr, "<%d>", pri);
	if (with_errno)
		fprintf(stderr, "%s: %s: %s: %s\n", log_progname, names[pri], msg, strerror(saved));
	else
		fprintf(stderr, "%s: %s: %s\n", log_progname, names[pri], msg);
	fflush(stderr);
	errno = saved;
}

#define LOG_FN(name, pri, with_errno)                  \
	void name(const char *fmt, ...)                \
	{                                              \
		va_list ap;                            \
		va_start(ap, fmt);                     \
		log_vwrite(pri, with_errno, fmt, ap);  \
		va_end(ap);                            \
	}

LOG_FN(log_error, LOG_ERR, 1)
LOG_FN(log_errorx, LOG_ERR, 0)
LOG_FN(log_warn, LOG_WARNING, 1)
LOG_FN(log_warnx, LOG_WARNING, 0)
LOG_FN(log_info, LOG_INFO, 0)
LOG_FN(log_debug, LOG_DEBUG, 0)

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_CRIT, 1, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_CRIT, 0, fmt, ap);
	va_end(ap);
	exit(1);
}

const char *
log_esc(const char *s)
{
	enum { NBUF = 4, CAP = 200 };
	static char bufs[NBUF][CAP * 4 + 8];
	static int next;
	char *out = bufs[next];
	size_t o = 0, i = 0, n;

	next = (next + 1) % NBUF;
	if (s == NULL)
		return "(null)";
	n = strlen(s);
	while (i < n && o < CAP * 4) {
		unsigned char c = (unsigned char)s[i];
		size_t k = c >= 0x80 ? utf8_valid_prefix(s + i, n - i) : 0;
		if (c >= 0x80 && k > 0) {
			/* copy one whole valid code point */
			size_t len = (c >= 0xf0) ? 4 : (c >= 0xe0) ? 3 : 2;
			memcpy(out + o, s + i, len);
			o += len, i += len;
		} else if (c < 0x20 || c == 0x7f || c >= 0x80 || c == '\\') {
			o += (size_t)snprintf(out + o, 8, c == '\\' ? "\\\\" : "\\x%02x", c);
			i++;
		} else {
			out[o++] = (char)c;
			i++;
		}
		if (o >= CAP && i < n) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
	}
	out[o] = '\0';
	return out;
}
