/* sink_syslog.h — the syslog alert sink's core: formats one alert as one RFC 3164 or
 * RFC 5424 message (one line, escaped, capped) and sends it without ever blocking, to a
 * local datagram socket (/dev/log), a udp:// server or a tcp:// server (RFC 6587
 * octet counting). The sink framework wraps it; it logs nothing itself.
 *
 * Message text (SPEC.md): "[watchlist] term, term: title link (feed)".
 *   RFC 3164 (local socket): "<PRI>Mmm dd hh:mm:ss ident[pid]: text", local time, no
 *     hostname (what journald and rsyslog expect on /dev/log).
 *   RFC 5424 (servers): "<PRI>1 2024-03-05T07:08:09.123456Z host ident pid alert
 *     [feedwatchd@32473 watchlist=".." feed=".." item=".."] text", UTC; no BOM before
 *     the text (it is always valid UTF-8; a BOM ends up as stray bytes in most stores).
 * Escaping: control characters become \n \r \t or \xNN (C0, DEL), C1 controls and
 * U+2028/U+2029 become \uNNNN, bytes that are not UTF-8 become \xNN and a backslash
 * becomes \\, so one alert is one line. In SD-PARAM values '"' and ']' are escaped too.
 * A message longer than the cap is cut at a character boundary, never inside an escape,
 * and ends in SINK_SYSLOG_MARK. */
#ifndef FEEDWATCHD_SINK_SYSLOG_H
#define FEEDWATCHD_SINK_SYSLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "conf.h"

struct buf;

#define SINK_SYSLOG_CAP_DGRAM	2048	/* default cap: unix and udp datagrams */
#define SINK_SYSLOG_CAP_STREAM	8192	/* default cap: tcp */
#define SINK_SYSLOG_CAP_MIN	1024	/* smaller caps are raised to this */
#define SINK_SYSLOG_CAP_MAX	65000	/* larger caps are lowered to this */
#define SINK_SYSLOG_MARK	"...[truncated]"
#define SINK_SYSLOG_SDID	"feedwatchd@32473"
#define SINK_SYSLOG_MSGID	"alert"
#define SINK_SYSLOG_APPNAME_MAX	48	/* ident is cut to this (RFC 5424 APP-NAME) */
#define SINK_SYSLOG_SDVALUE_MAX	128	/* each SD-PARAM value is cut to this many bytes */

/* One alert as the syslog sink renders it. Every string is borrowed for the call. */
struct sink_syslog_alert {
	int severity;			/* LOG_WARNING etc. (the watchlist's priority) */
	const char *watchlist;
	const char *const *terms;	/* the matched terms, joined with ", " */
	size_t n_terms;
	const char *title;		/* NULL: "(untitled)" */
	const char *link;		/* NULL: left out */
	const char *feed_name;
	const char *item_id;		/* RFC 5424 structured data only */
};

/* What the sender contributes besides the alert: the clock, its pid and host name. */
struct sink_syslog_origin {
	struct timespec now;		/* CLOCK_REALTIME */
	pid_t pid;
	const char *hostname;		/* RFC 5424 only; NULL or "": "-" */
};

enum sink_syslog_status {
	SINK_SYSLOG_SENT,		/* handed to the kernel whole (tcp: or queued in the sink) */
	SINK_SYSLOG_RETRY_LATER,	/* no receiver yet, its buffer is full, or tcp is still
					 * connecting: keep the alert and try again later */
	SINK_SYSLOG_FAILED,		/* this will not work as it is (bad address, permission,
					 * not a socket, ...): see sink_syslog_error() */
};

struct sink_syslog;

/* Formats one alert for cs (facility, ident, format) into out and returns its length;
 * out is NUL-terminated. The message is at most min(cap, outlen - 1) bytes (cap is
 * clamped to SINK_SYSLOG_CAP_MIN..SINK_SYSLOG_CAP_MAX; outlen must exceed CAP_MIN).
 * Pure: no I/O, no clock (the RFC 3164 timestamp is local time per TZ). */
size_t sink_syslog_format(const struct conf_sink *cs, const struct sink_syslog_alert *a,
    const struct sink_syslog_origin *o, size_t cap, char *out, size_t outlen);

/* Appends s[0..n) to out escaped for one syslog line (see above); sd also escapes
 * '"' and ']' for an RFC 5424 SD-PARAM value. Shared with tests. */
void sink_syslog_escape(struct buf *out, const char *s, size_t n, bool sd);

/* PRI for a facility (already shifted, LOG_DAEMON) and a severity (LOG_WARNING). */
int sink_syslog_pri(int facility, int severity);

/* Creates the sink for cs and copies what it needs from it; connects on the first send.
 * cap 0 means the default for the transport. Returns NULL with a message in err when
 * cs->server is not udp://host:port or tcp://host:port. */
struct sink_syslog *sink_syslog_open(const struct conf_sink *cs, size_t cap, char *err,
    size_t errlen);

/* Formats the alert with the current time, getpid() and the host name, then sends it. */
enum sink_syslog_status sink_syslog_emit(struct sink_syslog *s,
    const struct sink_syslog_alert *a);

/* Sends one formatted message (len bytes, at most the cap; longer is FAILED) as one
 * datagram or one octet-counted frame, (re)connecting first when needed. Never blocks
 * and never raises SIGPIPE. */
enum sink_syslog_status sink_syslog_send(struct sink_syslog *s, const char *msg, size_t len);

/* tcp only: finishes a connect or writes the rest of a frame that the kernel took only
 * in part. Call it when sink_syslog_fd() is writable; SENT means nothing is pending. */
enum sink_syslog_status sink_syslog_flush(struct sink_syslog *s);

/* The socket (or -1) and whether the sink waits for it to become writable (tcp connect
 * in progress or a partly written frame); for the event loop. */
int sink_syslog_fd(const struct sink_syslog *s);
bool sink_syslog_wants_write(const struct sink_syslog *s);

/* The effective message cap in bytes. */
size_t sink_syslog_cap(const struct sink_syslog *s);

/* Why the last send did not say SENT, e.g. "connect /dev/log: No such file or
 * directory"; "" after a SENT. Owned by the sink, valid until its next call. */
const char *sink_syslog_error(const struct sink_syslog *s);

/* Closes the socket and frees the sink (NULL is fine). */
void sink_syslog_close(struct sink_syslog *s);

#endif
