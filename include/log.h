/* log.h — the operational log (OpenBSD style), separate from the alert sinks.
 *
 * Lines go to stderr as "feedwatchd: LEVEL: message". Under systemd (JOURNAL_STREAM set)
 * each line carries a "<N>" severity prefix that journald reads. Text that comes from
 * feeds or servers must pass through log_esc() before it is logged. */
#ifndef FEEDWATCHD_LOG_H
#define FEEDWATCHD_LOG_H

#include <syslog.h>

enum log_verbosity { LOG_QUIET = -1, LOG_NORMAL = 0, LOG_VERBOSE = 1 };

void log_init(const char *progname, int verbosity);
void log_set_verbosity(int verbosity);

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));  /* + strerror(errno) */
void log_errorx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));   /* + strerror(errno) */
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Escapes untrusted text for one log line: control characters and bytes that are not
 * UTF-8 become \xNN, and the result is cut to about 200 bytes with "...". Returns one
 * of a few rotating static buffers: valid until the fourth call after this one. */
const char *log_esc(const char *s);

#endif
