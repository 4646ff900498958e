/* test_sink_syslog.c — the syslog sink's core: exact RFC 3164 and RFC 5424 strings, the
 * PRI matrix (SL-02), SD-PARAM escaping (SL-03), control characters and injection
 * (SL-04), the cap with its mark at character boundaries (SL-05), and the transport
 * against receivers this test binds itself: unix datagram, UDP and TCP on loopback,
 * missing and restarted receivers (SL-06, SL-08), a receiver that never reads (SL-07).
 *
 * Run as "test_sink_syslog drive --socket PATH | --server URL [options]" it is instead
 * the driver that tests/t_syslog.sh uses against a real rsyslogd: it reads commands on
 * stdin and answers one line each (see drive_usage below). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "sink_syslog.h"
#include "util.h"

#define T_MAR5	1709622489	/* 2024-03-05T07:08:09Z */
#define T_DEC25	1735171198	/* 2024-12-25T23:59:58Z */
#define MARK	SINK_SYSLOG_MARK

static const char *const terms2[] = { "NATO", "DPRK" };

/* ---- helpers -------------------------------------------------------------------- */

static struct conf_sink
mkconf(int facility, enum conf_sink_format format, const char *ident, const char *sock,
    const char *server)
{
	struct conf_sink cs;

	memset(&cs, 0, sizeof cs);
	cs.name = (char *)"syslog";
	cs.type = SINK_TYPE_SYSLOG;
	cs.facility = facility;
	cs.format = format;
	cs.ident = (char *)ident;
	cs.socket = (char *)sock;
	cs.server = (char *)server;
	return cs;
}

static struct sink_syslog_alert
std_alert(void)
{
	return (struct sink_syslog_alert){
		.severity = LOG_WARNING, .watchlist = "korea-security", .terms = terms2,
		.n_terms = 2, .title = "Missile launch reported", .link = "https://example.org/a",
		.feed_name = "yonhap-nk", .item_id = "guid-1",
	};
}

static struct sink_syslog_origin
std_origin(time_t t)
{
	return (struct sink_syslog_origin){
		.now = { .tv_sec = t, .tv_nsec = 123456789 }, .pid = 4242,
		.hostname = "wx1.example.org",
	};
}

static void
use_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

static bool
is_utf8(const char *s, size_t n)
{
	return utf8_valid_prefix(s, n) == n;
}

/* No byte of s is a C0 control or DEL: one line, no NUL. */
static bool
is_one_line(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] == 0x7f)
			return false;
	return true;
}

static bool
starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

static char *
repeat(const char *unit, size_t times)
{
	size_t u = strlen(unit);
	char *s = xmalloc(u * times + 1);

	for (size_t i = 0; i < times; i++)
		memcpy(s + i * u, unit, u);
	s[u * times] = '\0';
	return s;
}

static char *
escaped(const char *s, size_t n, bool sd)
{
	struct buf b;

	buf_init(&b, 0);
	sink_syslog_escape(&b, s, n, sd);
	return buf_steal(&b);
}

/* ---- formatting: exact strings --------------------------------------------------- */

static void
test_rfc3164_exact(void **state)
{
	struct conf_sink cs = mkconf(LOG_DAEMON, SINK_FORMAT_RFC3164, "feedwatchd", NULL, NULL);
	struct sink_syslog_alert a = std_alert();
	struct sink_syslog_origin o = std_origin(T_MAR5);
	char out[4096];
	size_t n;

	use_tz("UTC");
	n = sink_syslog_format(&cs, &a, &o, 2048, out, sizeof out);
	assert_string_equal(out, "<28>Mar  5 07:08:09 feedwatchd[4242]: [korea-security] "
	    "NATO, DPRK: Missile launch reported https://example.org/a (yonhap-nk)");
	assert_int_equal(n, strlen(out));

	o = std_origin(T_DEC25);
	sink_syslog_format(&cs, &a, &o, 2048, out, sizeof out);
	assert_string_equal(out, "<28>Dec 25 23:59:58 feedwatchd[4242]: [korea-security] "
	    "NATO, DPRK: Missile launch reported https://example.org/a (yonhap-nk)");
}

static void
test_rfc3164_local_time(void **state)
{
	struct conf_sink cs = mkconf(LOG_DAEMON, SINK_FORMAT_RFC3164, "feedwatchd", NULL, NULL);
	struct sink_syslog_alert a = std_alert();
	struct sink_syslog_origin o = std_origin(T_DEC25);
	char out[4096];

	use_tz("KST-9");	/* POSIX TZ: UTC+9, no tzdata needed */
	sink_syslog_format(&cs, &a, &o, 2048, out, sizeof out);
	assert_true(starts_with(out, "<28>Dec 26 08:59:58 feedwatchd[4242]: "));
	use_tz("UTC");
}

static void
test_rfc3164_minimal_alert(void **state)
{
	struct conf_sink cs = mkconf(LOG_LOCAL0, SINK_FORMAT_DEFAULT, NULL, "/dev/log", NULL);
	struct sink_syslog_alert a = { .severity = LOG_NOTICE, .watchlist = "w" };
	struct sink_syslog_origin o = std_origin(T_MAR5);
	char out[4096];

	use_tz("UTC");
	sink_syslog_format(&cs, &a, &o, 2048, out, sizeof out);
	/* default format on a socket is 3164; default ident; no terms, title, link, feed */
	assert_string_equal(out, "<133>Mar  5 07:08:09 feedwatchd[4242]: [w] (untitled)");
}

static void
test_rfc5424_exact(void **state)
{
	struct conf_sink cs = mkconf(LOG_DAEMON, SINK_FORMAT_RFC5424, "feedwatchd", NULL, NULL);
	struct sink_syslog_alert a = std_alert();
	struct sink_syslog_origin o = std_origin(T_MAR5);
	char out[4096];

	use_tz("KST-9");	/* RFC 5424 time is UTC whatever TZ says */
	sink_syslog_format(&cs, &a, &o, 2048, out, sizeof out);
	assert_string_equal(out, "<28>1 2024-03-05T07:08:09.123456Z wx1.example.org feedwatchd "
	    "4242 alert [feedwatchd@32473 watchlist=\"korea-security\" feed=\"yonhap-nk\" "
	    "item=\"guid-1\"] [korea-security] NATO, DPRK: Missile launch reported "
	    "https://example.org/a (yonhap-nk)");
	use_tz("UTC");
}

static void
test_rfc5424_default_for_server(void **state)
{
	struct conf_sink cs = mkconf(LOG_USER, SINK_FORMAT_DEFAULT, "fw", NULL,
	    "udp://127.0.0.1:514");
	struct sink_syslog_alert a = std_alert();
	struct sink_syslog_origin o = std_origin(T_MAR5);
	char out[4096];

	o.hostname = NULL;
	o.now.tv_nsec = 999;
	a.severity = LOG_ERR;
	sink_syslog_format(&cs, &a, &o, 2048, out, sizeof out);
	assert_true(starts_with(out, "<11>1 2024-03-05T07:08:09.000000Z - fw 4242 alert "
	    "[feedwatchd@32473 "));
}

static void
test_rfc5424_sd_escaping(void **state)
{
	struct conf_sink cs = mkconf(LOG_DAEMON, SINK_FORMAT_RFC5424, "feedwatchd", NULL, NULL);
	struct sink_syslog_alert a = std_alert();
	struct sink_syslog_origin o = std_origin(T_MAR5);
	char out[4096];
	const char *sd;

	a.watchlist = "a\"b";
	a.feed_name = "c\\d[x]";
	a.item_id = "e]f\ng";
	sink_syslog_format(&cs, &a, &o, 2048, out, sizeof out);
	sd = strchr(out, '[');
	assert_non_null(sd);
	/* '"', '\' and ']' escaped; '[' is not special inside a value; LF as \n */
	assert_string_equal(sd, "[feedwatchd@32473 watchlist=\"a\\\"b\" feed=\"c\\\\d[x\\]\" "
	    "item=\"e\\]f\\ng\"] [a\"b] NATO, DPRK: Missile launch reported "
	    "https://example.org/a (c\\\\d[x])");
}

static void
test_rfc5424_long_sd_values(void **state)
{
	struct conf_sink cs = mkconf(LOG_DAEMON, SINK_FORMAT_RFC5424, "feedwatchd", NULL, NULL);
	struct sink_syslog_alert a = std_alert();
	struct sink_syslog_origin o = std_origin(T_MAR5);
	char *id = repeat("]", 65536), out[4096], *item, *end;
	size_t n;

	a.item_id = id;
	n = sink_syslog_format(&cs, &a, &o, 2048, out, sizeof out);
	assert_true(n <= 2048);
	item = strstr(out, " item=\"");
	assert_non_null(item);
	item += 7;
	end = strstr(item, "...\"] [korea-security] NATO, DPRK: Missile");
	assert_non_null(end);
	/* 128 bytes at most including "...", whole "\]" pairs only */
	assert_true(end - item + 3 <= SINK_SYSLOG_SDVALUE_MAX);
	assert_true((end - item) % 2 == 0);
	assert_true(end - item >= SINK_SYSLOG_SDVALUE_MAX - 3 - 1);
	assert_true(ends_with(out, "(yonhap-nk)"));
	free(id);
}

static void
test_appname_limits(void **state)
{
	struct conf_sink cs = mkconf(LOG_DAEMON, SINK_FORMAT_RFC5424,
	    "a-very-long-ident-that-goes-on-and-on-and-on-past-48-chars", NULL, NULL);
	struct sink_syslog_alert a = std_alert();
	struct sink_syslog_origin o = std_origin(T_MAR5);
	char out[4096];

	sink_syslog_format(&cs, &a, &o, 2048, out, sizeof out);
	assert_true(starts_with(out, "<28>1 2024-03-05T07:08:09.123456Z wx1.example.org "
	    "a-very-long-ident-that-goes-on-and-on-and-on-pas 4242 alert ["));
	assert_int_equal(strlen("a-very-long-ident-that-goes-on-and-on-and-on-pas"), 48);

	/* space, ':' and brackets would end a 3164 tag early; é is not ASCII */
	cs = mkconf(LOG_DAEMON, SINK_FORMAT_RFC3164, "my app:[x]é", NULL, NULL);
	use_tz("UTC");
	sink_syslog_format(&cs, &a, &o, 2048, out, sizeof out);
	assert_true(starts_with(out, "<28>Mar  5 07:08:09 my_app__x___[4242]: [korea"));

	/* the host name: printable ASCII only */
	cs = mkconf(LOG_DAEMON, SINK_FORMAT_RFC5424, "fw", NULL, NULL);
	o.hostname = "bad host\n";
	sink_syslog_format(&cs, &a, &o, 2048, out, sizeof out);
	assert_true(starts_with(out, "<28>1 2024-03-05T07:08:09.123456Z bad_host_ fw 4242 "));
}

/* SL-02: PRI = facility * 8 + severity for every facility and severity. */
static void
test_pri_matrix(void **state)
{
	static const int facilities[] = { LOG_KERN, LOG_USER, LOG_MAIL, LOG_DAEMON, LOG_AUTH,
		LOG_SYSLOG, LOG_LPR, LOG_NEWS, LOG_UUCP, LOG_CRON, LOG_AUTHPRIV, LOG_FTP,
		LOG_LOCAL0, LOG_LOCAL1, LOG_LOCAL2, LOG_LOCAL3, LOG_LOCAL4, LOG_LOCAL5,
		LOG_LOCAL6, LOG_LOCAL7 };
	static const int codes[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 16, 17, 18, 19,
		20, 21, 22, 23 };
	struct sink_syslog_alert a = std_alert();
	struct sink_syslog_origin o = std_origin(T_MAR5);
	char out[4096], want[16];

	assert_int_equal(sink_syslog_pri(LOG_DAEMON, LOG_WARNING), 28);
	assert_int_equal(sink_syslog_pri(LOG_LOCAL3, LOG_ERR), 155);
	assert_int_equal(sink_syslog_pri(LOG_KERN, LOG_EMERG), 0);
	assert_int_equal(sink_syslog_pri(LOG_LOCAL7, LOG_DEBUG), 191);
	for (size_t f = 0; f < sizeof facilities / sizeof facilities[0]; f++) {
		for (int sev = 0; sev <= 7; sev++) {
			int pri = codes[f] * 8 + sev;
			struct conf_sink cs = mkconf(facilities[f], f % 2 ? SINK_FORMAT_RFC5424 :
			    SINK_FORMAT_RFC3164, "fw", NULL, NULL);
			assert_int_equal(sink_syslog_pri(facilities[f], sev), pri);
			a.severity = sev;
			sink_syslog_format(&cs, &a, &o, 2048, out, sizeof out);
			snprintf(want, sizeof want, f % 2 ? "<%d>1 " : "<%d>", pri);
			assert_true(!strncmp(out, want, strlen(want)));
			if (f % 2 == 0)	/* 3164: the timestamp follows at once */
				assert_true(!strncmp(out + strlen(want), "Mar  5 ", 7));
		}
	}
}

/* ---- escaping ------------------------------------------------------------------- */

static void
test_escape_controls(void **state)
{
	static const struct { const char *in; size_t n; const char *want; } cases[] = {
		{ "plain", 5, "plain" },
		{ "a\nb", 3, "a\\nb" },
		{ "a\rb", 3, "a\\rb" },
		{ "a\tb", 3, "a\\tb" },
		{ "a\0b", 3, "a\\x00b" },
		{ "\x01\x1b[31m\x1f", 7, "\\x01\\x1b[31m\\x1f" },
		{ "del\x7f", 4, "del\\x7f" },
		{ "back\\slash", 10, "back\\\\slash" },
		{ "<13>Jan  1 00:00:00 host evil: x", 32, "<13>Jan  1 00:00:00 host evil: x" },
		{ "\"q\" [b]", 7, "\"q\" [b]" },
		{ "북한 미사일", 16, "북한 미사일" },
		{ "€ 𝄞", 8, "€ 𝄞" },
		{ "nel\xc2\x85", 5, "nel\\u0085" },
		{ "c1\xc2\x80\xc2\x9f\xc2\xa0", 8, "c1\\u0080\\u009f\xc2\xa0" },
		{ "ls\xe2\x80\xa8ps\xe2\x80\xa9", 10, "ls\\u2028ps\\u2029" },
		{ "bad\xff", 4, "bad\\xff" },
		{ "cut\xc3", 4, "cut\\xc3" },
		{ "\xc3(", 2, "\\xc3(" },
		{ "overlong\xc0\xaf", 10, "overlong\\xc0\\xaf" },
		{ "surrogate\xed\xa0\x80", 12, "surrogate\\xed\\xa0\\x80" },
		{ "big\xf4\x90\x80\x80", 7, "big\\xf4\\x90\\x80\\x80" },
		{ "cont\x80", 5, "cont\\x80" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *got = escaped(cases[i].in, cases[i].n, false);
		if (strcmp(got, cases[i].want))
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, got, cases[i].want);
		assert_true(is_utf8(got, strlen(got)));
		assert_true(is_one_line(got, strlen(got)));
		free(got);
	}
}

static void
test_escape_sd(void **state)
{
	char *got = escaped("a\"b\\c]d[e\nf", 11, true);

	assert_string_equal(got, "a\\\"b\\\\c\\]d[e\\nf");
	free(got);
}

/* SL-04: a title with CR, LF, a leading "<13>" and controls stays one line. */
static void
test_injection_one_line(void **state)
{
	struct conf_sink cs = mkconf(LOG_DAEMON, SINK_FORMAT_RFC3164, "feedwatchd", NULL, NULL);
	struct sink_syslog_alert a = std_alert();
	struct sink_syslog_origin o = std_origin(T_MAR5);
	char out[4096];
	size_t n;

	use_tz("UTC");
	a.title = "<13>Jan  1 00:00:00 evil sshd[1]: fake\r\n<13>second\x1b[2J\x7f end";
	a.link = "https://example.org/x\ny";
	n = sink_syslog_format(&cs, &a, &o, 2048, out, sizeof out);
	assert_string_equal(out, "<28>Mar  5 07:08:09 feedwatchd[4242]: [korea-security] NATO, "
	    "DPRK: <13>Jan  1 00:00:00 evil sshd[1]: fake\\r\\n<13>second\\x1b[2J\\x7f end "
	    "https://example.org/x\\ny (yonhap-nk)");
	assert_true(is_one_line(out, n));

	cs.format = SINK_FORMAT_RFC5424;
	n = sink_syslog_format(&cs, &a, &o, 2048, out, sizeof out);
	assert_true(is_one_line(out, n));
	assert_non_null(strstr(out, "fake\\r\\n<13>second"));
}

/* ---- the cap (SL-05) ------------------------------------------------------------- */

static void
test_cap_64k_title(void **state)
{
	struct conf_sink cs = mkconf(LOG_DAEMON, SINK_FORMAT_RFC3164, "feedwatchd", NULL, NULL);
	struct sink_syslog_alert a = std_alert();
	struct sink_syslog_origin o = std_origin(T_MAR5);
	char *title = repeat("x", 65536), out[9000];
	size_t n;

	use_tz("UTC");
	a.title = title;
	n = sink_syslog_format(&cs, &a, &o, 2048, out, sizeof out);
	assert_int_equal(n, 2048);	/* ASCII fills the cap to the byte */
	assert_int_equal(strlen(out), 2048);
	/* the title is cut; the link and the feed survive */
	assert_true(ends_with(out, "xx" MARK " https://example.org/a (yonhap-nk)"));
	assert_true(starts_with(out, "<28>Mar  5 07:08:09 feedwatchd[4242]: [korea-security] "
	    "NATO, DPRK: xxxx"));

	n = sink_syslog_format(&cs, &a, &o, SINK_SYSLOG_CAP_STREAM, out, sizeof out);
	assert_int_equal(n, 8192);
	assert_true(ends_with(out, MARK " https://example.org/a (yonhap-nk)"));

	/* a short message is untouched by a large cap, and has no mark */
	a.title = "short";
	n = sink_syslog_format(&cs, &a, &o, SINK_SYSLOG_CAP_STREAM, out, sizeof out);
	assert_null(strstr(out, MARK));
	assert_int_equal(n, strlen(out));
	free(title);
}

/* Every cut position lands on a character boundary and outside an escape. */
static void
test_cap_utf8_boundaries(void **state)
{
	static const char *const units[] = { "한", "𝄞", "é", "\n", "\x01", "\xff", "a\xc2\x85" };
	struct sink_syslog_alert a = std_alert();
	struct sink_syslog_origin o = std_origin(T_MAR5);
	char out[2000];

	for (int fmt = 0; fmt < 2; fmt++) {
		struct conf_sink cs = mkconf(LOG_DAEMON, fmt ? SINK_FORMAT_RFC5424 :
		    SINK_FORMAT_RFC3164, "feedwatchd", NULL, NULL);
		for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
			char *title = repeat(units[u], 3000);
			a.title = title;
			for (size_t cap = 1024; cap < 1040; cap++) {
				size_t n = sink_syslog_format(&cs, &a, &o, cap, out, sizeof out);
				char *m = strstr(out, MARK);
				assert_true(n <= cap);
				assert_true(n + 6 > cap);	/* at most one piece (\\u0085) short */
				assert_true(is_utf8(out, n));
				assert_true(is_one_line(out, n));
				assert_non_null(m);
				assert_true(ends_with(out, MARK " https://example.org/a (yonhap-nk)"));
				/* an escape is never cut: the text before the mark has no
				 * dangling backslash or partial \xNN / \uNNNN */
				if (units[u][0] == '\n')
					assert_true(m[-1] == 'n' && m[-2] == '\\');
				if (units[u][0] == '\x01')
					assert_true(!strncmp(m - 4, "\\x01", 4));
				if (units[u][0] == '\xff')
					assert_true(!strncmp(m - 4, "\\xff", 4));
				if (units[u][1] == '\xc2')
					assert_true(m[-1] == 'a' || !strncmp(m - 6, "\\u0085", 6));
			}
			free(title);
		}
	}
}

static void
test_cap_long_link(void **state)
{
	struct conf_sink cs = mkconf(LOG_DAEMON, SINK_FORMAT_RFC3164, "feedwatchd", NULL, NULL);
	struct sink_syslog_alert a = std_alert();
	struct sink_syslog_origin o = std_origin(T_MAR5);
	char *link = repeat("/é", 40000), out[4096];
	size_t n;

	a.link = link;
	n = sink_syslog_format(&cs, &a, &o, 2048, out, sizeof out);
	/* the link cannot be kept whole: the text is cut at its end instead */
	assert_true(n <= 2048 && n >= 2045);
	assert_true(ends_with(out, MARK));
	assert_non_null(strstr(out, "Missile launch reported /é/é/é"));
	assert_true(is_utf8(out, n));
	free(link);
}

static void
test_cap_clamped(void **state)
{
	struct conf_sink cs = mkconf(LOG_DAEMON, SINK_FORMAT_RFC5424, "feedwatchd", NULL, NULL);
	struct sink_syslog_alert a = std_alert();
	struct sink_syslog_origin o = std_origin(T_MAR5);
	char *title = repeat("z", 100000), *big = xmalloc(70000), small[1500];
	size_t n;

	a.title = title;
	n = sink_syslog_format(&cs, &a, &o, 10, big, 70000);
	assert_int_equal(n, SINK_SYSLOG_CAP_MIN);
	n = sink_syslog_format(&cs, &a, &o, 1000000, big, 70000);
	assert_int_equal(n, SINK_SYSLOG_CAP_MAX);
	/* out smaller than the cap: out wins */
	n = sink_syslog_format(&cs, &a, &o, 2048, small, sizeof small);
	assert_int_equal(n, sizeof small - 1);
	assert_true(ends_with(small, MARK " https://example.org/a (yonhap-nk)"));
	free(title);
	free(big);
}

static void
test_many_terms(void **state)
{
	struct conf_sink cs = mkconf(LOG_DAEMON, SINK_FORMAT_RFC3164, "feedwatchd", NULL, NULL);
	struct sink_syslog_alert a = std_alert();
	struct sink_syslog_origin o = std_origin(T_MAR5);
	const char *terms[3000];
	char out[4096];
	size_t n;

	for (size_t i = 0; i < 3000; i++)
		terms[i] = "sanction*";
	a.terms = terms;
	a.n_terms = 3000;
	n = sink_syslog_format(&cs, &a, &o, 2048, out, sizeof out);
	assert_true(n <= 2048 && n > 2000);
	assert_true(ends_with(out, MARK));
}

/* ---- transport ------------------------------------------------------------------ */

struct tdir {
	char dir[64];
	char path[128];
};

static void
tdir_make(struct tdir *t)
{
	snprintf(t->dir, sizeof t->dir, "%s/fwsl.XXXXXX", "/tmp");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->path, sizeof t->path, "%s/log.sock", t->dir);
}

static void
tdir_clean(struct tdir *t)
{
	unlink(t->path);
	rmdir(t->dir);
}

static int
unix_receiver(const char *path, int rcvbuf)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	if (rcvbuf > 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	strcpy(sun.sun_path, path);
	unlink(path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof sun), 0);
	return fd;
}

/* Receives one datagram (waiting up to 2 s); returns its length or -1. */
static ssize_t
recv_wait(int fd, char *out, size_t outlen)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;

	if (poll(&p, 1, 2000) != 1)
		return -1;
	n = recv(fd, out, outlen - 1, MSG_DONTWAIT);
	if (n >= 0)
		out[n] = '\0';
	return n;
}

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
test_open_rejects(void **state)
{
	static const char *const bad[] = { "udp://", "tcp://:514", "udp://host:0",
		"tcp://host:65536", "tcp://host:x", "udp://::1:514", "udp://[::1", "tcp://h/p:1",
		"http://host:514", "udp://host:514x", "udp://host:" };
	static const char *const good[] = { "udp://127.0.0.1:514", "tcp://[::1]:6514",
		"udp://localhost", "tcp://syslog.example.org:601", "udp://[::1]" };
	char err[200], longpath[200];
	struct conf_sink cs;
	struct sink_syslog *s;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cs = mkconf(LOG_DAEMON, SINK_FORMAT_DEFAULT, "fw", NULL, bad[i]);
		err[0] = '\0';
		s = sink_syslog_open(&cs, 0, err, sizeof err);
		if (s)
			fail_msg("'%s' was accepted", bad[i]);
		assert_true(strlen(err) > 0);
	}
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		cs = mkconf(LOG_DAEMON, SINK_FORMAT_DEFAULT, "fw", NULL, good[i]);
		s = sink_syslog_open(&cs, 0, err, sizeof err);
		if (!s)
			fail_msg("'%s' was refused: %s", good[i], err);
		assert_int_equal(sink_syslog_cap(s), good[i][0] == 't' ? 8192 : 2048);
		assert_int_equal(sink_syslog_fd(s), -1);	/* connects on the first send */
		sink_syslog_close(s);
	}
	memset(longpath, 'a', sizeof longpath - 1);
	longpath[sizeof longpath - 1] = '\0';
	cs = mkconf(LOG_DAEMON, SINK_FORMAT_DEFAULT, "fw", longpath, NULL);
	assert_null(sink_syslog_open(&cs, 0, err, sizeof err));
	cs = mkconf(LOG_DAEMON, SINK_FORMAT_DEFAULT, "fw", "/dev/log", NULL);
	s = sink_syslog_open(&cs, 5000, err, sizeof err);
	assert_int_equal(sink_syslog_cap(s), 5000);
	sink_syslog_close(s);
	sink_syslog_close(NULL);
}

/* SL-01, SL-06, SL-08 in-process: missing socket, delivery, receiver replaced. */
static void
test_unix_lifecycle(void **state)
{
	struct tdir t;
	struct conf_sink cs;
	struct sink_syslog *s;
	struct sink_syslog_alert a = std_alert();
	char err[200], got[4096];
	int fd;

	tdir_make(&t);
	cs = mkconf(LOG_LOCAL3, SINK_FORMAT_DEFAULT, "feedwatchd", t.path, NULL);
	s = sink_syslog_open(&cs, 0, err, sizeof err);
	assert_non_null(s);

	/* no receiver: retry later, and say why */
	assert_int_equal(sink_syslog_emit(s, &a), SINK_SYSLOG_RETRY_LATER);
	assert_non_null(strstr(sink_syslog_error(s), "No such file or directory"));
	assert_int_equal(sink_syslog_emit(s, &a), SINK_SYSLOG_RETRY_LATER);

	/* the receiver appears: delivered, one datagram, 3164 without a host name */
	fd = unix_receiver(t.path, 0);
	a.severity = LOG_ERR;
	assert_int_equal(sink_syslog_emit(s, &a), SINK_SYSLOG_SENT);
	assert_string_equal(sink_syslog_error(s), "");
	assert_true(recv_wait(fd, got, sizeof got) > 0);
	assert_true(!strncmp(got, "<155>", 5));
	{
		char want[64];
		snprintf(want, sizeof want, " feedwatchd[%ld]: [korea-security] NATO, DPRK: ",
		    (long)getpid());
		assert_non_null(strstr(got, want));
		assert_true(strstr(got, want) == got + 5 + 15);	/* "Mmm dd hh:mm:ss" */
	}
	assert_int_equal(recv(fd, got, sizeof got, MSG_DONTWAIT), -1);	/* just one */

	/* a stale socket file with nobody behind it: retry later */
	close(fd);
	assert_int_equal(sink_syslog_emit(s, &a), SINK_SYSLOG_RETRY_LATER);
	/* the receiver is recreated at the same path: delivery resumes at once */
	fd = unix_receiver(t.path, 0);
	assert_int_equal(sink_syslog_emit(s, &a), SINK_SYSLOG_SENT);
	assert_true(recv_wait(fd, got, sizeof got) > 0);

	/* replaced while we hold a connection to the old one (rsyslog restart) */
	close(fd);
	fd = unix_receiver(t.path, 0);
	a.title = "after restart";
	assert_int_equal(sink_syslog_emit(s, &a), SINK_SYSLOG_SENT);
	assert_true(recv_wait(fd, got, sizeof got) > 0);
	assert_non_null(strstr(got, "after restart"));

	/* too long for the cap: refused, not cut here */
	assert_int_equal(sink_syslog_send(s, got, sink_syslog_cap(s) + 1), SINK_SYSLOG_FAILED);
	close(fd);
	sink_syslog_close(s);
	tdir_clean(&t);
}

/* SL-07: a receiver that never reads fills up; sends say RETRY_LATER quickly. */
static void
test_unix_receiver_full(void **state)
{
	struct tdir t;
	struct conf_sink cs;
	struct sink_syslog *s;
	struct sink_syslog_alert a = std_alert();
	char err[200];
	int fd, sent = 0, retry = 0;
	int64_t worst = 0;

	tdir_make(&t);
	fd = unix_receiver(t.path, 4096);
	cs = mkconf(LOG_DAEMON, SINK_FORMAT_DEFAULT, "feedwatchd", t.path, NULL);
	s = sink_syslog_open(&cs, 0, err, sizeof err);
	for (int i = 0; i < 2000 && retry < 50; i++) {
		int64_t t0 = now_us(), dt;
		enum sink_syslog_status st = sink_syslog_emit(s, &a);
		dt = now_us() - t0;
		if (dt > worst)
			worst = dt;
		if (st == SINK_SYSLOG_SENT)
			sent++;
		else {
			assert_int_equal(st, SINK_SYSLOG_RETRY_LATER);
			assert_non_null(strstr(sink_syslog_error(s), "Resource temporarily"));
			retry++;
		}
	}
	assert_true(sent > 0);
	assert_int_equal(retry, 50);
	assert_true(worst < 100000);	/* never blocks: well under 0.1 s per send */
	/* once the receiver reads, sending works again on the same connection */
	{
		char got[4096];
		while (recv(fd, got, sizeof got, MSG_DONTWAIT) > 0)
			;
	}
	assert_int_equal(sink_syslog_emit(s, &a), SINK_SYSLOG_SENT);
	close(fd);
	sink_syslog_close(s);
	tdir_clean(&t);
}

static void
test_unix_stream_socket_fails(void **state)
{
	struct tdir t;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct conf_sink cs;
	struct sink_syslog *s;
	struct sink_syslog_alert a = std_alert();
	char err[200];
	int fd;

	tdir_make(&t);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	strcpy(sun.sun_path, t.path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof sun), 0);
	listen(fd, 1);
	cs = mkconf(LOG_DAEMON, SINK_FORMAT_DEFAULT, "feedwatchd", t.path, NULL);
	s = sink_syslog_open(&cs, 0, err, sizeof err);
	assert_int_equal(sink_syslog_emit(s, &a), SINK_SYSLOG_FAILED);
	assert_non_null(strstr(sink_syslog_error(s), "connect"));
	close(fd);
	sink_syslog_close(s);
	tdir_clean(&t);
}

static int
inet_receiver(int type, int *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof sin;
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0), one = 1;

	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	if (type == SOCK_STREAM)
		assert_int_equal(listen(fd, 4), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

static void
test_udp(void **state)
{
	struct conf_sink cs;
	struct sink_syslog *s;
	struct sink_syslog_alert a = std_alert();
	char err[200], server[64], got[4096], want[64];
	int fd, port;

	fd = inet_receiver(SOCK_DGRAM, &port);
	snprintf(server, sizeof server, "udp://127.0.0.1:%d", port);
	cs = mkconf(LOG_LOCAL3, SINK_FORMAT_DEFAULT, "feedwatchd", NULL, server);
	s = sink_syslog_open(&cs, 0, err, sizeof err);
	assert_non_null(s);
	a.severity = LOG_ERR;
	assert_int_equal(sink_syslog_emit(s, &a), SINK_SYSLOG_SENT);
	assert_true(recv_wait(fd, got, sizeof got) > 0);
	assert_true(!strncmp(got, "<155>1 ", 7));	/* 5424 by default for a server */
	snprintf(want, sizeof want, " feedwatchd %ld alert [feedwatchd@32473 ", (long)getpid());
	assert_non_null(strstr(got, want));
	assert_true(ends_with(got, "] [korea-security] NATO, DPRK: Missile launch reported "
	    "https://example.org/a (yonhap-nk)"));
	close(fd);
	/* nobody listens now: UDP cannot know for sure, but it never fails hard or blocks */
	for (int i = 0; i < 5; i++) {
		enum sink_syslog_status st = sink_syslog_emit(s, &a);
		assert_true(st == SINK_SYSLOG_SENT || st == SINK_SYSLOG_RETRY_LATER);
	}
	sink_syslog_close(s);
}

/* accept() that gives up after 2 s instead of hanging the test. */
static int
accept_wait(int lfd)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };

	if (poll(&p, 1, 2000) != 1)
		return -1;
	return accept(lfd, NULL, NULL);
}

/* Sends until SENT (a tcp connect may need a moment); returns the last status. */
static enum sink_syslog_status
emit_until_sent(struct sink_syslog *s, const struct sink_syslog_alert *a)
{
	enum sink_syslog_status st = SINK_SYSLOG_RETRY_LATER;

	for (int i = 0; i < 200; i++) {
		st = sink_syslog_emit(s, a);
		if (st != SINK_SYSLOG_RETRY_LATER)
			break;
		if (sink_syslog_fd(s) >= 0 && sink_syslog_wants_write(s)) {
			struct pollfd p = { .fd = sink_syslog_fd(s), .events = POLLOUT };
			poll(&p, 1, 10);
		} else
			usleep(10000);
	}
	return st;
}

/* Waits up to 2 s for fd to be readable. s, when not NULL, is a sink sending to this
 * same thread's receiver: it is given the chance to write what it holds back. */
static bool
wait_readable(int fd, struct sink_syslog *s)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	for (int i = 0; i < 200; i++) {
		if (poll(&p, 1, s ? 10 : 2000) == 1)
			return true;
		if (s == NULL)
			return false;
		sink_syslog_flush(s);
	}
	return false;
}

/* Reads one octet-counted frame (RFC 6587) from a stream; returns the message length. */
static ssize_t
read_frame(int fd, char *out, size_t outlen, struct sink_syslog *s)
{
	char hdr[16];
	size_t h = 0, len, got = 0;

	while (h < sizeof hdr - 1) {
		if (!wait_readable(fd, s) || read(fd, hdr + h, 1) != 1)
			return -1;
		if (hdr[h] == ' ')
			break;
		if (hdr[h] < '0' || hdr[h] > '9')
			return -1;
		h++;
	}
	hdr[h] = '\0';
	len = strtoul(hdr, NULL, 10);
	if (len >= outlen)
		return -1;
	while (got < len) {
		ssize_t n;
		if (!wait_readable(fd, s) || (n = read(fd, out + got, len - got)) <= 0)
			return -1;
		got += (size_t)n;
	}
	out[len] = '\0';
	return (ssize_t)len;
}

static void
test_tcp(void **state)
{
	struct conf_sink cs;
	struct sink_syslog *s;
	struct sink_syslog_alert a = std_alert();
	char err[200], server[64], got[9000];
	int lfd, cfd, port;
	char *title = repeat("t", 20000);

	signal(SIGPIPE, SIG_DFL);	/* a SIGPIPE would kill this test */
	lfd = inet_receiver(SOCK_STREAM, &port);
	snprintf(server, sizeof server, "tcp://127.0.0.1:%d", port);
	cs = mkconf(LOG_DAEMON, SINK_FORMAT_RFC5424, "feedwatchd", NULL, server);
	s = sink_syslog_open(&cs, 0, err, sizeof err);
	assert_non_null(s);
	assert_int_equal(emit_until_sent(s, &a), SINK_SYSLOG_SENT);
	cfd = accept_wait(lfd);
	assert_true(cfd >= 0);
	assert_true(read_frame(cfd, got, sizeof got, NULL) > 0);
	assert_true(!strncmp(got, "<28>1 ", 6));
	assert_true(ends_with(got, "(yonhap-nk)"));

	/* a long title: cut to the stream cap, one frame */
	a.title = title;
	assert_int_equal(sink_syslog_emit(s, &a), SINK_SYSLOG_SENT);
	assert_int_equal(read_frame(cfd, got, sizeof got, NULL), 8192);
	assert_non_null(strstr(got, MARK));

	/* the receiver restarts: we notice its EOF and reconnect, nothing is lost */
	close(cfd);
	a.title = "after reconnect";
	assert_int_equal(emit_until_sent(s, &a), SINK_SYSLOG_SENT);
	cfd = accept_wait(lfd);
	assert_true(cfd >= 0);
	assert_true(read_frame(cfd, got, sizeof got, NULL) > 0);
	assert_non_null(strstr(got, "after reconnect"));
	close(cfd);

	/* nobody listening: retry later, never FAILED, never SIGPIPE */
	close(lfd);
	for (int i = 0; i < 5; i++)
		assert_int_equal(sink_syslog_emit(s, &a), SINK_SYSLOG_RETRY_LATER);
	assert_true(strlen(sink_syslog_error(s)) > 0);
	sink_syslog_close(s);
	free(title);
}

/* SL-07 over TCP: the receiver accepts but never reads. */
static void
test_tcp_receiver_full(void **state)
{
	struct conf_sink cs;
	struct sink_syslog *s;
	struct sink_syslog_alert a = std_alert();
	char err[200], server[64];
	char *title = repeat("f", 9000);
	int lfd, cfd, port, small = 4096, retry = 0, sent = 0;
	int64_t worst = 0;

	lfd = inet_receiver(SOCK_STREAM, &port);
	setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
	snprintf(server, sizeof server, "tcp://127.0.0.1:%d", port);
	cs = mkconf(LOG_DAEMON, SINK_FORMAT_RFC5424, "feedwatchd", NULL, server);
	s = sink_syslog_open(&cs, 0, err, sizeof err);
	a.title = title;
	assert_int_equal(emit_until_sent(s, &a), SINK_SYSLOG_SENT);
	cfd = accept_wait(lfd);
	for (int i = 0; i < 100000 && retry < 20; i++) {
		int64_t t0 = now_us(), dt;
		enum sink_syslog_status st = sink_syslog_emit(s, &a);
		dt = now_us() - t0;
		if (dt > worst)
			worst = dt;
		if (st == SINK_SYSLOG_SENT)
			sent++;
		else {
			assert_int_equal(st, SINK_SYSLOG_RETRY_LATER);
			retry++;
		}
	}
	assert_int_equal(retry, 20);
	assert_true(sent > 0);
	assert_true(worst < 100000);
	/* the receiver catches up: every frame arrives whole, in order, the partly written
	 * one completed by sink_syslog_flush(), then new frames follow */
	{
		char got[9000];
		ssize_t n;
		int frames = 0;
		bool drained = false;
		a.title = "after drain";
		while ((n = read_frame(cfd, got, sizeof got, s)) > 0) {
			frames++;
			assert_true(starts_with(got, "<28>1 "));
			if (strstr(got, "after drain"))
				break;
			assert_int_equal(n, 8192);
			if (!drained && sink_syslog_flush(s) == SINK_SYSLOG_SENT &&
			    sink_syslog_emit(s, &a) == SINK_SYSLOG_SENT)
				drained = true;
		}
		assert_true(n > 0);
		assert_true(drained);
		assert_int_equal(frames, sent + 2);	/* + the first one, + "after drain" */
		assert_false(sink_syslog_wants_write(s));
	}
	close(cfd);
	close(lfd);
	sink_syslog_close(s);
	free(title);
}

/* ---- the driver for tests/t_syslog.sh ------------------------------------------- */

/* Reverses the escapes \n \r \t \\ \xNN in place (a \x00 ends the string). */
static char *
drive_unescape(char *s)
{
	char *o = s, *p = s;

	while (*p) {
		if (*p != '\\' || p[1] == '\0') {
			*o++ = *p++;
			continue;
		}
		p++;
		switch (*p) {
		case 'n': *o++ = '\n'; p++; break;
		case 'r': *o++ = '\r'; p++; break;
		case 't': *o++ = '\t'; p++; break;
		case 'x': {
			char hex[3] = { p[1], p[1] ? p[2] : 0, 0 };
			*o++ = (char)strtol(hex, NULL, 16);
			p += p[1] && p[2] ? 3 : strlen(p);
			break;
		}
		default: *o++ = *p++; break;
		}
	}
	*o = '\0';
	return s;
}

static const char *
drive_status(enum sink_syslog_status st)
{
	return st == SINK_SYSLOG_SENT ? "SENT" : st == SINK_SYSLOG_RETRY_LATER ? "RETRY_LATER" :
	    "FAILED";
}

static int
drive_usage(void)
{
	fprintf(stderr,
	    "usage: test_sink_syslog drive (--socket PATH | --server URL) [--format rfc3164|"
	    "rfc5424]\n"
	    "       [--facility N] [--ident NAME] [--cap BYTES]\n"
	    "Prints \"READY pid=N\", then reads commands on stdin, one answer line each:\n"
	    "  send TITLE            emit one alert; \"SENT|RETRY_LATER|FAILED usec error\"\n"
	    "  burst N TITLE         emit N alerts; \"SENT a RETRY_LATER b FAILED c MAXUS m\"\n"
	    "  sev N | watchlist S | feed S | item S | link S | terms A,B   set a field\n"
	    "  flush                 sink_syslog_flush()\n"
	    "Strings may use \\n \\r \\t \\\\ \\xNN.\n");
	return 2;
}

static int
drive(int argc, char **argv)
{
	struct conf_sink cs = mkconf(LOG_DAEMON, SINK_FORMAT_DEFAULT, "feedwatchd", NULL, NULL);
	struct sink_syslog_alert a = std_alert();
	struct sink_syslog *s;
	char err[300], line[70000];
	char *wl = xstrdup(a.watchlist), *feed = xstrdup(a.feed_name), *item = xstrdup(a.item_id);
	char *link = xstrdup(a.link), *title = NULL, *termstr = xstrdup("NATO,DPRK");
	char **terms = NULL, *termcopy = NULL;
	size_t cap = 0;

	for (int i = 2; i < argc; i++) {
		if (i + 1 >= argc)
			return drive_usage();
		if (!strcmp(argv[i], "--socket"))
			cs.socket = argv[++i];
		else if (!strcmp(argv[i], "--server"))
			cs.server = argv[++i];
		else if (!strcmp(argv[i], "--format"))
			cs.format = !strcmp(argv[++i], "rfc5424") ? SINK_FORMAT_RFC5424 :
			    SINK_FORMAT_RFC3164;
		else if (!strcmp(argv[i], "--facility"))
			cs.facility = atoi(argv[++i]) << 3;
		else if (!strcmp(argv[i], "--ident"))
			cs.ident = argv[++i];
		else if (!strcmp(argv[i], "--cap"))
			cap = strtoul(argv[++i], NULL, 10);
		else
			return drive_usage();
	}
	if (!cs.socket && !cs.server)
		return drive_usage();
	signal(SIGPIPE, SIG_DFL);	/* MSG_NOSIGNAL must make this moot */
	s = sink_syslog_open(&cs, cap, err, sizeof err);
	if (s == NULL) {
		fprintf(stderr, "drive: %s\n", err);
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("READY pid=%ld\n", (long)getpid());
	a.terms = NULL;
	while (fgets(line, sizeof line, stdin)) {
		char *cmd = line, *arg;
		line[strcspn(line, "\n")] = '\0';
		arg = strchr(line, ' ');
		if (arg)
			*arg++ = '\0';
		else
			arg = line + strlen(line);
		/* re-split the terms each time (they may have changed) */
		free(terms);
		free(termcopy);
		terms = NULL;
		termcopy = xstrdup(termstr);
		a.n_terms = 0;
		if (*termstr) {
			char *dup = termcopy, *t;
			size_t n = 1;
			for (t = dup; *t; t++)
				n += *t == ',';
			terms = xcalloc(n, sizeof *terms);
			for (t = strtok(dup, ","); t; t = strtok(NULL, ","))
				terms[a.n_terms++] = t;
		}
		a.terms = (const char *const *)terms;
		if (!strcmp(cmd, "send")) {
			int64_t t0;
			enum sink_syslog_status st;
			free(title);
			title = xstrdup(arg);
			a.title = drive_unescape(title);
			t0 = now_us();
			st = sink_syslog_emit(s, &a);
			printf("%s %lld %s\n", drive_status(st), (long long)(now_us() - t0),
			    sink_syslog_error(s));
		} else if (!strcmp(cmd, "burst")) {
			long n = strtol(arg, &arg, 10);
			int counts[3] = { 0, 0, 0 };
			int64_t worst = 0;
			free(title);
			title = xstrdup(*arg == ' ' ? arg + 1 : arg);
			a.title = drive_unescape(title);
			for (long i = 0; i < n; i++) {
				int64_t t0 = now_us(), dt;
				counts[sink_syslog_emit(s, &a)]++;
				dt = now_us() - t0;
				if (dt > worst)
					worst = dt;
			}
			printf("SENT %d RETRY_LATER %d FAILED %d MAXUS %lld\n", counts[0], counts[1],
			    counts[2], (long long)worst);
		} else if (!strcmp(cmd, "flush")) {
			enum sink_syslog_status st = sink_syslog_flush(s);
			printf("%s 0 %s\n", drive_status(st), sink_syslog_error(s));
		} else if (!strcmp(cmd, "sev")) {
			a.severity = atoi(arg);
			printf("OK\n");
		} else if (!strcmp(cmd, "watchlist") || !strcmp(cmd, "feed") ||
		    !strcmp(cmd, "item") || !strcmp(cmd, "link") || !strcmp(cmd, "terms")) {
			char **field = !strcmp(cmd, "watchlist") ? &wl : !strcmp(cmd, "feed") ? &feed :
			    !strcmp(cmd, "item") ? &item : !strcmp(cmd, "link") ? &link : &termstr;
			free(*field);
			*field = drive_unescape(xstrdup(arg));
			printf("OK\n");
		} else if (!strcmp(cmd, "quit"))
			break;
		else
			printf("ERROR unknown command '%s'\n", cmd);
		/* the fields may have moved: point the alert at the current strings */
		a.watchlist = wl, a.feed_name = feed, a.item_id = item;
		a.link = *link ? link : NULL;
	}
	sink_syslog_close(s);
	free(terms);
	free(termcopy);
	free(title);
	free(wl), free(feed), free(item), free(link), free(termstr);
	return 0;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc3164_exact),
		cmocka_unit_test(test_rfc3164_local_time),
		cmocka_unit_test(test_rfc3164_minimal_alert),
		cmocka_unit_test(test_rfc5424_exact),
		cmocka_unit_test(test_rfc5424_default_for_server),
		cmocka_unit_test(test_rfc5424_sd_escaping),
		cmocka_unit_test(test_rfc5424_long_sd_values),
		cmocka_unit_test(test_appname_limits),
		cmocka_unit_test(test_pri_matrix),
		cmocka_unit_test(test_escape_controls),
		cmocka_unit_test(test_escape_sd),
		cmocka_unit_test(test_injection_one_line),
		cmocka_unit_test(test_cap_64k_title),
		cmocka_unit_test(test_cap_utf8_boundaries),
		cmocka_unit_test(test_cap_long_link),
		cmocka_unit_test(test_cap_clamped),
		cmocka_unit_test(test_many_terms),
		cmocka_unit_test(test_open_rejects),
		cmocka_unit_test(test_unix_lifecycle),
		cmocka_unit_test(test_unix_receiver_full),
		cmocka_unit_test(test_unix_stream_socket_fails),
		cmocka_unit_test(test_udp),
		cmocka_unit_test(test_tcp),
		cmocka_unit_test(test_tcp_receiver_full),
	};

	if (argc > 1 && !strcmp(argv[1], "drive"))
		return drive(argc, argv);
	use_tz("UTC");
	return cmocka_run_group_tests_name("sink_syslog", tests, NULL, NULL);
}
