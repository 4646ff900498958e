/* sink_syslog.c — the syslog sink's core: one alert as one escaped, capped RFC 3164 or
 * RFC 5424 message, sent without blocking over a unix datagram socket, connected UDP or
 * TCP with RFC 6587 octet counting. The sink framework (sink.c) wraps it, keeps what
 * could not be sent in the outbox and does the logging; this file only reports. */
#include "sink_syslog.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "util.h"

/* A bounded writer into a caller's array. Once a piece does not fit, the writer is full
 * and takes nothing more, so what it holds is always a prefix made of whole pieces.
 * With p == NULL it only counts. */
struct wr {
	char *p;
	size_t len;
	size_t room;
	bool full;
};

enum ss_kind { SS_UNIX, SS_UDP, SS_TCP };
enum ss_state { SS_CLOSED, SS_CONNECTING, SS_CONNECTED };

struct sink_syslog {
	struct conf_sink conf;		/* our copy: facility, format, ident */
	enum ss_kind kind;
	char *path;			/* SS_UNIX */
	char *host, *port;		/* SS_UDP, SS_TCP */
	unsigned next_ai;		/* which resolved address to try next (tcp) */
	int fd;
	enum ss_state state;
	size_t cap;
	char hostname[256];
	char *msg;			/* cap + 1 bytes, for sink_syslog_emit */
	char *pend;			/* tcp: the unwritten rest of a frame */
	size_t pend_len, pend_off;
	char err[320];
};

static void wr_put(struct wr *w, const char *s, size_t n);
static void wr_puts(struct wr *w, const char *s);
static void wr_escape(struct wr *w, const char *s, size_t n, bool sd);
static void wr_escape_cut(struct wr *w, const char *s, size_t max, bool sd, const char *mark);
static void ident_clean(const char *ident, char *out, size_t outlen);
static void hostname_clean(const char *host, char *out, size_t outlen);
static void head_rfc3164(struct wr *w, int pri, const char *ident,
    const struct sink_syslog_origin *o);
static void head_rfc5424(struct wr *w, int pri, const char *ident,
    const struct sink_syslog_alert *a, const struct sink_syslog_origin *o);
static void body_prefix(struct wr *w, const struct sink_syslog_alert *a);
static void body_suffix(struct wr *w, const struct sink_syslog_alert *a);
static void body_render(struct wr *w, const struct sink_syslog_alert *a, size_t title_max);
static void body_fit(struct wr *w, const struct sink_syslog_alert *a);
static enum conf_sink_format format_of(const struct conf_sink *cs);
static size_t cap_clamp(size_t cap);
static int server_parse(struct sink_syslog *s, const char *server, char *err, size_t errlen);
static enum sink_syslog_status ss_fail(struct sink_syslog *s, enum sink_syslog_status st,
    const char *what, int err);
static void ss_disconnect(struct sink_syslog *s);
static enum sink_syslog_status ss_connect(struct sink_syslog *s);
static enum sink_syslog_status ss_connect_unix(struct sink_syslog *s);
static enum sink_syslog_status ss_connect_inet(struct sink_syslog *s);
static enum sink_syslog_status ss_connect_check(struct sink_syslog *s);
static bool ss_peer_closed(struct sink_syslog *s);
static enum sink_syslog_status ss_send_dgram(struct sink_syslog *s, const char *msg,
    size_t len);
static enum sink_syslog_status ss_send_tcp(struct sink_syslog *s, const char *msg,
    size_t len);
static enum sink_syslog_status ss_flush_pending(struct sink_syslog *s);
static bool errno_is_retry(int e);

/* ---- formatting ---------------------------------------------------------------- */

static void
wr_put(struct wr *w, const char *s, size_t n)
{
	if (w->full || n > w->room - w->len) {
		w->full = true;
		return;
	}
	if (w->p)
		memcpy(w->p + w->len, s, n);
	w->len += n;
}

static void
wr_puts(struct wr *w, const char *s)
{
	wr_put(w, s, strlen(s));
}

/* Each character becomes one piece, so a cut never falls inside an escape or inside a
 * multi-byte character. */
static void
wr_escape(struct wr *w, const char *s, size_t n, bool sd)
{
	const unsigned char *u = (const unsigned char *)s;
	char tmp[8];
	size_t i = 0, k;
	uint32_t cp;

	while (i < n && !w->full) {
		unsigned char c = u[i];
		k = utf8_decode((const char *)u + i, n - i, &cp);
		if (k == 0) {
			snprintf(tmp, sizeof tmp, "\\x%02x", c);
			wr_puts(w, tmp);
			i++;
			continue;
		}
		if (k == 1) {
			if (c == '\n')
				wr_puts(w, "\\n");
			else if (c == '\r')
				wr_puts(w, "\\r");
			else if (c == '\t')
				wr_puts(w, "\\t");
			else if (c == '\\')
				wr_puts(w, "\\\\");
			else if (c < 0x20 || c == 0x7f) {
				snprintf(tmp, sizeof tmp, "\\x%02x", c);
				wr_puts(w, tmp);
			} else if (sd && (c == '"' || c == ']')) {
				tmp[0] = '\\', tmp[1] = (char)c;
				wr_put(w, tmp, 2);
			} else
				wr_put(w, s + i, 1);
		} else if ((cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029) {
			/* C1 controls (NEL) and the Unicode line/paragraph separators */
			snprintf(tmp, sizeof tmp, "\\u%04x", cp);
			wr_puts(w, tmp);
		} else
			wr_put(w, s + i, k);
		i += k;
	}
}

/* Escapes s[0..n) for one syslog line (see sink_syslog.h) onto out. */
void
sink_syslog_escape(struct buf *out, const char *s, size_t n, bool sd)
{
	struct wr count = { NULL, 0, SIZE_MAX, false }, w;

	wr_escape(&count, s, n, sd);
	w = (struct wr){ xmalloc(count.len + 1), 0, count.len, false };
	wr_escape(&w, s, n, sd);
	buf_append(out, w.p, w.len);
	free(w.p);
}

/* Escapes the whole of s when it fits in max bytes, else the longest prefix that fits
 * together with mark, then mark. */
static void
wr_escape_cut(struct wr *w, const char *s, size_t max, bool sd, const char *mark)
{
	size_t n = strlen(s), mlen = strlen(mark);
	struct wr v = { NULL, 0, max, false };

	wr_escape(&v, s, n, sd);
	if (!v.full) {
		wr_escape(w, s, n, sd);
		return;
	}
	v = (struct wr){ w->p ? w->p + w->len : NULL, 0, max > mlen ? max - mlen : 0, false };
	if (w->full || max > w->room - w->len) {
		w->full = true;
		return;
	}
	wr_escape(&v, s, n, sd);
	w->len += v.len;
	wr_put(w, mark, mlen);
}

/* PRI from a shifted facility and a severity. */
int
sink_syslog_pri(int facility, int severity)
{
	return (facility & LOG_FACMASK) | (severity & LOG_PRIMASK);
}

/* APP-NAME / TAG: printable ASCII without the characters that end a 3164 tag. */
static void
ident_clean(const char *ident, char *out, size_t outlen)
{
	size_t o = 0;

	if (ident == NULL || *ident == '\0')
		ident = "feedwatchd";
	for (const unsigned char *p = (const unsigned char *)ident;
	    *p && o < SINK_SYSLOG_APPNAME_MAX && o + 1 < outlen; p++)
		out[o++] = (*p > 32 && *p < 127 && *p != ':' && *p != '[' && *p != ']') ?
		    (char)*p : '_';
	out[o] = '\0';
}

/* HOSTNAME: printable ASCII, at most 255 characters, "-" when unknown. */
static void
hostname_clean(const char *host, char *out, size_t outlen)
{
	size_t o = 0;

	if (host == NULL || *host == '\0')
		host = "-";
	for (const unsigned char *p = (const unsigned char *)host;
	    *p && o < 255 && o + 1 < outlen; p++)
		out[o++] = (*p > 32 && *p < 127) ? (char)*p : '_';
	out[o] = '\0';
}

static void
head_rfc3164(struct wr *w, int pri, const char *ident, const struct sink_syslog_origin *o)
{
	static const char mon[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
					 "Aug", "Sep", "Oct", "Nov", "Dec" };
	char tmp[400];
	struct tm tm;
	time_t t = o->now.tv_sec;

	if (localtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof tm);
	snprintf(tmp, sizeof tmp, "<%d>%s %2d %02d:%02d:%02d %s[%ld]: ", pri,
	    mon[tm.tm_mon % 12], tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ident,
	    (long)o->pid);
	wr_puts(w, tmp);
}

static void
head_rfc5424(struct wr *w, int pri, const char *ident, const struct sink_syslog_alert *a,
    const struct sink_syslog_origin *o)
{
	char tmp[700], host[256];
	struct tm tm;
	time_t t = o->now.tv_sec;

	if (gmtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof tm);
	hostname_clean(o->hostname, host, sizeof host);
	snprintf(tmp, sizeof tmp, "<%d>1 %04d-%02d-%02dT%02d:%02d:%02d.%06ldZ %s %s %ld "
	    SINK_SYSLOG_MSGID " [" SINK_SYSLOG_SDID, pri, tm.tm_year + 1900, tm.tm_mon + 1,
	    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long)(o->now.tv_nsec / 1000),
	    host, ident, (long)o->pid);
	wr_puts(w, tmp);
	wr_puts(w, " watchlist=\"");
	wr_escape_cut(w, a->watchlist ? a->watchlist : "", SINK_SYSLOG_SDVALUE_MAX, true,
	    "...");
	wr_puts(w, "\" feed=\"");
	wr_escape_cut(w, a->feed_name ? a->feed_name : "", SINK_SYSLOG_SDVALUE_MAX, true,
	    "...");
	wr_puts(w, "\" item=\"");
	wr_escape_cut(w, a->item_id ? a->item_id : "", SINK_SYSLOG_SDVALUE_MAX, true, "...");
	wr_puts(w, "\"] ");
}

/* "[watchlist] term, term: " */
static void
body_prefix(struct wr *w, const struct sink_syslog_alert *a)
{
	const char *wl = a->watchlist ? a->watchlist : "";

	wr_puts(w, "[");
	wr_escape(w, wl, strlen(wl), false);
	wr_puts(w, "] ");
	for (size_t i = 0; i < a->n_terms; i++) {
		const char *t = a->terms[i] ? a->terms[i] : "";
		if (i > 0)
			wr_puts(w, ", ");
		wr_escape(w, t, strlen(t), false);
	}
	if (a->n_terms > 0)
		wr_puts(w, ": ");
}

/* " link (feed)" */
static void
body_suffix(struct wr *w, const struct sink_syslog_alert *a)
{
	if (a->link && *a->link) {
		wr_puts(w, " ");
		wr_escape(w, a->link, strlen(a->link), false);
	}
	if (a->feed_name && *a->feed_name) {
		wr_puts(w, " (");
		wr_escape(w, a->feed_name, strlen(a->feed_name), false);
		wr_puts(w, ")");
	}
}

/* The text; the title is cut to title_max bytes (with the mark) when that is not 0. */
static void
body_render(struct wr *w, const struct sink_syslog_alert *a, size_t title_max)
{
	const char *title = a->title ? a->title : "(untitled)";

	body_prefix(w, a);
	if (title_max > 0)
		wr_escape_cut(w, title, title_max, false, SINK_SYSLOG_MARK);
	else
		wr_escape(w, title, strlen(title), false);
	body_suffix(w, a);
}

/* Writes the text into what is left of w. When it does not fit, the title is cut so
 * that the link and the feed name survive; when even they do not fit, the text is cut
 * at the end. Either way the mark shows where. */
static void
body_fit(struct wr *w, const struct sink_syslog_alert *a)
{
	size_t start = w->len, left = w->room - w->len, mlen = strlen(SINK_SYSLOG_MARK);
	struct wr pre = { NULL, 0, left, false }, suf = { NULL, 0, left, false };

	body_render(w, a, 0);
	if (!w->full)
		return;
	w->len = start, w->full = false;
	body_prefix(&pre, a);
	body_suffix(&suf, a);
	if (!pre.full && !suf.full && pre.len + suf.len + mlen + 16 <= left) {
		body_render(w, a, left - pre.len - suf.len);
		return;
	}
	w->room = start + (left > mlen ? left - mlen : 0);
	body_render(w, a, 0);
	w->room = start + left;
	w->full = false;
	wr_puts(w, SINK_SYSLOG_MARK);
}

static enum conf_sink_format
format_of(const struct conf_sink *cs)
{
	if (cs->format == SINK_FORMAT_RFC3164 || cs->format == SINK_FORMAT_RFC5424)
		return cs->format;
	return cs->server ? SINK_FORMAT_RFC5424 : SINK_FORMAT_RFC3164;
}

static size_t
cap_clamp(size_t cap)
{
	return cap < SINK_SYSLOG_CAP_MIN ? SINK_SYSLOG_CAP_MIN :
	    cap > SINK_SYSLOG_CAP_MAX ? SINK_SYSLOG_CAP_MAX : cap;
}

/* Renders one alert as one capped message (see sink_syslog.h). */
size_t
sink_syslog_format(const struct conf_sink *cs, const struct sink_syslog_alert *a,
    const struct sink_syslog_origin *o, size_t cap, char *out, size_t outlen)
{
	struct wr w;
	char ident[SINK_SYSLOG_APPNAME_MAX + 1];
	int pri = sink_syslog_pri(cs->facility, a->severity);

	if (outlen == 0)
		return 0;
	cap = cap_clamp(cap);
	if (cap > outlen - 1)
		cap = outlen - 1;
	w = (struct wr){ out, 0, cap, false };
	ident_clean(cs->ident, ident, sizeof ident);
	if (format_of(cs) == SINK_FORMAT_RFC5424)
		head_rfc5424(&w, pri, ident, a, o);
	else
		head_rfc3164(&w, pri, ident, o);
	if (!w.full)
		body_fit(&w, a);
	out[w.len] = '\0';
	return w.len;
}

/* ---- transport ----------------------------------------------------------------- */

static int
server_parse(struct sink_syslog *s, const char *server, char *err, size_t errlen)
{
	const char *h = server + 6, *hend, *p = NULL;
	char *end;
	long port;

	if (!strncmp(server, "udp://", 6))
		s->kind = SS_UDP;
	else if (!strncmp(server, "tcp://", 6))
		s->kind = SS_TCP;
	else {
		snprintf(err, errlen, "server '%s' is not udp://host:port or tcp://host:port",
		    server);
		return -1;
	}
	if (*h == '[') {
		hend = strchr(h, ']');
		if (hend == NULL || (hend[1] != '\0' && hend[1] != ':'))
			goto bad;
		h++;
		if (hend[1] == ':')
			p = hend + 2;
	} else {
		hend = strrchr(h, ':');
		if (hend && memchr(h, ':', (size_t)(hend - h)))
			goto bad;	/* a bare IPv6 address: needs [brackets] */
		if (hend)
			p = hend + 1;
		else
			hend = h + strlen(h);
	}
	if (hend == h || memchr(h, '/', (size_t)(hend - h)))
		goto bad;
	if (p) {
		errno = 0;
		port = strtol(p, &end, 10);
		if (*p < '0' || *p > '9' || *end != '\0' || errno || port < 1 || port > 65535)
			goto bad;
	} else
		port = 514;
	s->host = xstrndup(h, (size_t)(hend - h));
	s->port = xasprintf("%ld", port);
	return 0;
bad:
	snprintf(err, errlen, "server '%s' is not %.3s://host:port", server, server);
	return -1;
}

/* Creates a sink from its configuration; it connects on the first send. */
struct sink_syslog *
sink_syslog_open(const struct conf_sink *cs, size_t cap, char *err, size_t errlen)
{
	struct sink_syslog *s = xcalloc(1, sizeof *s);
	struct sockaddr_un sun;

	s->fd = -1;
	s->conf.name = xstrdup(cs->name ? cs->name : "syslog");
	s->conf.type = SINK_TYPE_SYSLOG;
	s->conf.facility = cs->facility;
	s->conf.format = format_of(cs);
	s->conf.ident = xstrdup(cs->ident ? cs->ident : "feedwatchd");
	if (cs->server) {
		s->conf.server = xstrdup(cs->server);
		if (server_parse(s, cs->server, err, errlen) < 0) {
			sink_syslog_close(s);
			return NULL;
		}
	} else {
		s->kind = SS_UNIX;
		s->path = xstrdup(cs->socket ? cs->socket : "/dev/log");
		if (strlen(s->path) >= sizeof sun.sun_path || s->path[0] == '\0') {
			snprintf(err, errlen, "socket path '%s' is empty or longer than %zu bytes",
			    s->path, sizeof sun.sun_path - 1);
			sink_syslog_close(s);
			return NULL;
		}
	}
	s->cap = cap_clamp(cap ? cap :
	    s->kind == SS_TCP ? SINK_SYSLOG_CAP_STREAM : SINK_SYSLOG_CAP_DGRAM);
	s->msg = xmalloc(s->cap + 1);
	if (gethostname(s->hostname, sizeof s->hostname - 1) < 0)
		s->hostname[0] = '\0';
	s->hostname[sizeof s->hostname - 1] = '\0';
	return s;
}

/* Closes the socket and frees the sink; NULL is fine. */
void
sink_syslog_close(struct sink_syslog *s)
{
	if (s == NULL)
		return;
	ss_disconnect(s);
	free(s->conf.name);
	free(s->conf.ident);
	free(s->conf.server);
	free(s->path);
	free(s->host);
	free(s->port);
	free(s->msg);
	free(s);
}

/* The effective message cap. */
size_t
sink_syslog_cap(const struct sink_syslog *s)
{
	return s->cap;
}

/* The socket, or -1 when not connected. */
int
sink_syslog_fd(const struct sink_syslog *s)
{
	return s->fd;
}

/* Whether the sink waits for its socket to become writable. */
bool
sink_syslog_wants_write(const struct sink_syslog *s)
{
	return s->fd >= 0 && (s->state == SS_CONNECTING || s->pend_len > s->pend_off);
}

/* Why the last call did not say SENT ("" after a SENT). */
const char *
sink_syslog_error(const struct sink_syslog *s)
{
	return s->err;
}

/* Records why (what: strerror(err)) and returns st. */
static enum sink_syslog_status
ss_fail(struct sink_syslog *s, enum sink_syslog_status st, const char *what, int err)
{
	if (err)
		snprintf(s->err, sizeof s->err, "%s: %s", what, strerror(err));
	else
		snprintf(s->err, sizeof s->err, "%s", what);
	return st;
}

static void
ss_disconnect(struct sink_syslog *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->state = SS_CLOSED;
	free(s->pend);
	s->pend = NULL;
	s->pend_len = s->pend_off = 0;
}

/* No receiver yet, or its queue is full: worth trying again later. */
static bool
errno_is_retry(int e)
{
	return e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS || e == ECONNREFUSED ||
	    e == ENOENT || e == EINTR || e == ENOTCONN || e == ECONNRESET || e == EPIPE ||
	    e == ETIMEDOUT || e == EHOSTUNREACH || e == ENETUNREACH || e == ECONNABORTED ||
	    e == EADDRNOTAVAIL || e == ENOMEM;
}

static enum sink_syslog_status
ss_connect(struct sink_syslog *s)
{
	return s->kind == SS_UNIX ? ss_connect_unix(s) : ss_connect_inet(s);
}

static enum sink_syslog_status
ss_connect_unix(struct sink_syslog *s)
{
	struct sockaddr_un sun;
	char what[sizeof sun.sun_path + 16];
	int e;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, s->path, strlen(s->path) + 1);
	snprintf(what, sizeof what, "connect %s", s->path);
	s->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return ss_fail(s, errno_is_retry(errno) || errno == EMFILE || errno == ENFILE ?
		    SINK_SYSLOG_RETRY_LATER : SINK_SYSLOG_FAILED, "socket", errno);
	if (connect(s->fd, (struct sockaddr *)&sun, sizeof sun) < 0) {
		e = errno;
		ss_disconnect(s);
		if (e == EPROTOTYPE)
			return ss_fail(s, SINK_SYSLOG_FAILED, what, e);	/* a stream socket */
		return ss_fail(s, errno_is_retry(e) ? SINK_SYSLOG_RETRY_LATER :
		    SINK_SYSLOG_FAILED, what, e);
	}
	s->state = SS_CONNECTED;
	return SINK_SYSLOG_SENT;
}

/* Resolves host:port (a number costs no lookup; a name in /etc/hosts is quick; a DNS
 * name is looked up here, on each reconnect) and connects without waiting: tcp may be
 * left SS_CONNECTING. */
static enum sink_syslog_status
ss_connect_inet(struct sink_syslog *s)
{
	struct addrinfo hints, *res = NULL, *ai;
	char what[300];
	unsigned n = 0, i;
	int rc, e = 0;

	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = s->kind == SS_TCP ? SOCK_STREAM : SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICSERV | AI_NUMERICHOST;
	rc = getaddrinfo(s->host, s->port, &hints, &res);
	if (rc == EAI_NONAME) {
		hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
		rc = getaddrinfo(s->host, s->port, &hints, &res);
	}
	snprintf(what, sizeof what, "connect %s", s->conf.server);
	if (rc != 0) {
		snprintf(s->err, sizeof s->err, "resolve %s: %s", s->host, gai_strerror(rc));
		return rc == EAI_AGAIN || rc == EAI_SYSTEM || rc == EAI_MEMORY ?
		    SINK_SYSLOG_RETRY_LATER : SINK_SYSLOG_FAILED;
	}
	for (ai = res; ai; ai = ai->ai_next)
		n++;
	/* start at next_ai so that a refused address gives way to the next one */
	for (i = 0; i < n; i++) {
		unsigned k = (s->next_ai + i) % n;
		ai = res;
		for (unsigned j = 0; j < k; j++)
			ai = ai->ai_next;
		s->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (s->fd < 0) {
			e = errno;
			continue;
		}
		if (connect(s->fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			s->state = SS_CONNECTED;
			s->next_ai = k;
			break;
		}
		e = errno;
		if (e == EINPROGRESS && s->kind == SS_TCP) {
			s->state = SS_CONNECTING;
			s->next_ai = k;		/* ss_connect_check() moves on if it fails */
			break;
		}
		ss_disconnect(s);
	}
	freeaddrinfo(res);
	if (s->state == SS_CONNECTING)
		return ss_connect_check(s);
	if (s->state == SS_CONNECTED)
		return SINK_SYSLOG_SENT;
	s->next_ai++;
	return ss_fail(s, errno_is_retry(e) || e == EINPROGRESS ? SINK_SYSLOG_RETRY_LATER :
	    SINK_SYSLOG_FAILED, what, e);
}

/* tcp: has the connect finished? SENT when it has, RETRY_LATER while it has not or
 * when it failed (the next send starts over). */
static enum sink_syslog_status
ss_connect_check(struct sink_syslog *s)
{
	struct pollfd pfd = { .fd = s->fd, .events = POLLOUT };
	char what[300];
	int e = 0;
	socklen_t elen = sizeof e;

	snprintf(what, sizeof what, "connect %s", s->conf.server);
	if (poll(&pfd, 1, 0) == 0)
		return ss_fail(s, SINK_SYSLOG_RETRY_LATER, "connecting, not connected yet", 0);
	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &e, &elen) < 0)
		e = errno;
	if (e == 0 && (pfd.revents & (POLLERR | POLLHUP)))
		e = ECONNREFUSED;
	if (e != 0) {
		ss_disconnect(s);
		s->next_ai++;		/* the next try starts with the next address */
		return ss_fail(s, errno_is_retry(e) ? SINK_SYSLOG_RETRY_LATER :
		    SINK_SYSLOG_FAILED, what, e);
	}
	s->state = SS_CONNECTED;
	return SINK_SYSLOG_SENT;
}

/* tcp: a receiver that went away (restart) leaves a connection that still accepts one
 * write and loses it; its EOF is already visible, so look before writing (as rsyslog's
 * omfwd does). */
static bool
ss_peer_closed(struct sink_syslog *s)
{
	char c[256];
	ssize_t n;

	for (int i = 0; i < 16; i++) {
		n = recv(s->fd, c, sizeof c, MSG_DONTWAIT);
		if (n > 0)
			continue;	/* a receiver has nothing to say; drop it */
		if (n == 0)
			return true;
		return !(errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR);
	}
	return false;
}

static enum sink_syslog_status
ss_send_dgram(struct sink_syslog *s, const char *msg, size_t len)
{
	enum sink_syslog_status st;
	ssize_t n;
	int e;

	/* Two rounds: a socket whose receiver was restarted says ECONNREFUSED once; the
	 * second round reconnects to the new one (SL-08). */
	for (int round = 0; round < 2; round++) {
		if (s->fd < 0 && (st = ss_connect(s)) != SINK_SYSLOG_SENT)
			return st;
		n = send(s->fd, msg, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n >= 0 && (size_t)n == len)
			return SINK_SYSLOG_SENT;
		e = n < 0 ? errno : EMSGSIZE;
		if (e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS || e == EINTR)
			return ss_fail(s, SINK_SYSLOG_RETRY_LATER, "send (receiver busy)", e);
		if (e == EMSGSIZE)
			return ss_fail(s, SINK_SYSLOG_FAILED, "send", e);
		ss_disconnect(s);
		if (!errno_is_retry(e) && e != EDESTADDRREQ)
			return ss_fail(s, SINK_SYSLOG_FAILED, "send", e);
		ss_fail(s, SINK_SYSLOG_RETRY_LATER, "send", e);
	}
	return SINK_SYSLOG_RETRY_LATER;
}

/* Writes what is left of a partly written frame. */
static enum sink_syslog_status
ss_flush_pending(struct sink_syslog *s)
{
	ssize_t n;

	while (s->pend_off < s->pend_len) {
		n = send(s->fd, s->pend + s->pend_off, s->pend_len - s->pend_off,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			int e = errno;
			if (e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS || e == EINTR)
				return ss_fail(s, SINK_SYSLOG_RETRY_LATER,
				    "send (the rest of the last frame is still pending)", e);
			ss_disconnect(s);
			return ss_fail(s, errno_is_retry(e) ? SINK_SYSLOG_RETRY_LATER :
			    SINK_SYSLOG_FAILED, "send", e);
		}
		s->pend_off += (size_t)n;
	}
	free(s->pend);
	s->pend = NULL;
	s->pend_len = s->pend_off = 0;
	return SINK_SYSLOG_SENT;
}

static enum sink_syslog_status
ss_send_tcp(struct sink_syslog *s, const char *msg, size_t len)
{
	enum sink_syslog_status st;
	char hdr[24];
	struct iovec iov[2];
	size_t total;
	ssize_t n;
	int e;

	for (int round = 0; round < 2; round++) {
		if (s->fd < 0 && (st = ss_connect(s)) != SINK_SYSLOG_SENT)
			return st;
		if (s->state == SS_CONNECTING && (st = ss_connect_check(s)) != SINK_SYSLOG_SENT)
			return st;
		if (s->pend && (st = ss_flush_pending(s)) != SINK_SYSLOG_SENT)
			return st;
		if (ss_peer_closed(s)) {
			ss_disconnect(s);
			ss_fail(s, SINK_SYSLOG_RETRY_LATER, "the receiver closed the connection",
			    0);
			continue;
		}
		/* RFC 6587 3.4.1: MSG-LEN SP SYSLOG-MSG */
		snprintf(hdr, sizeof hdr, "%zu ", len);
		iov[0] = (struct iovec){ hdr, strlen(hdr) };
		iov[1] = (struct iovec){ (void *)msg, len };
		total = iov[0].iov_len + len;
		struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
		n = sendmsg(s->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n >= 0 && (size_t)n == total)
			return SINK_SYSLOG_SENT;
		if (n > 0) {
			/* The frame is begun: it must be finished before anything else. */
			s->pend_len = total - (size_t)n;
			s->pend_off = 0;
			s->pend = xmalloc(s->pend_len);
			for (size_t k = (size_t)n, o = 0; k < total; k++, o++)
				s->pend[o] = k < iov[0].iov_len ? hdr[k] : msg[k - iov[0].iov_len];
			return SINK_SYSLOG_SENT;
		}
		e = n < 0 ? errno : EIO;
		if (e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS || e == EINTR)
			return ss_fail(s, SINK_SYSLOG_RETRY_LATER, "send (receiver busy)", e);
		ss_disconnect(s);
		if (!errno_is_retry(e))
			return ss_fail(s, SINK_SYSLOG_FAILED, "send", e);
		ss_fail(s, SINK_SYSLOG_RETRY_LATER, "send", e);
	}
	return SINK_SYSLOG_RETRY_LATER;
}

/* Sends one formatted message as one datagram or one octet-counted frame. */
enum sink_syslog_status
sink_syslog_send(struct sink_syslog *s, const char *msg, size_t len)
{
	s->err[0] = '\0';
	if (len > s->cap)
		return ss_fail(s, SINK_SYSLOG_FAILED, "message longer than the cap", 0);
	return s->kind == SS_TCP ? ss_send_tcp(s, msg, len) : ss_send_dgram(s, msg, len);
}

/* tcp: completes a connect or a partly written frame. */
enum sink_syslog_status
sink_syslog_flush(struct sink_syslog *s)
{
	enum sink_syslog_status st;

	s->err[0] = '\0';
	if (s->kind != SS_TCP || s->fd < 0)
		return SINK_SYSLOG_SENT;
	if (s->state == SS_CONNECTING && (st = ss_connect_check(s)) != SINK_SYSLOG_SENT)
		return st;
	return s->pend ? ss_flush_pending(s) : SINK_SYSLOG_SENT;
}

/* Formats an alert with the current time, pid and host name, and sends it. */
enum sink_syslog_status
sink_syslog_emit(struct sink_syslog *s, const struct sink_syslog_alert *a)
{
	struct sink_syslog_origin o = { .pid = getpid(), .hostname = s->hostname };
	size_t len;

	clock_gettime(CLOCK_REALTIME, &o.now);
	len = sink_syslog_format(&s->conf, a, &o, s->cap, s->msg, s->cap + 1);
	return sink_syslog_send(s, s->msg, len);
}
