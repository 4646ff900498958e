/* test_webhook.c — the webhook sink's pure parts and its backend on a real event loop:
 * the Standard Webhooks vector (WH-01), the GitHub hex vector (WH-02), two-secret
 * signatures (WH-14), base64, secret files (modes, whsec_, raw, limits), the bodies of
 * every format parsed back with jansson (Slack and Discord escaping and limits),
 * templates and their errors (with the shipped ntfy and Teams examples), URL redaction,
 * the verdict on each kind of answer (WH-07..WH-10), and that closing a sink abandons
 * its in-flight deliveries without calling them back. Expected signatures come from
 * Python's hmac/base64 (an independent implementation), not from this code. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <event2/event.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "crypto.h"
#include "http.h"
#include "sink.h"
#include "sink_webhook.h"
#include "util.h"

/* WH-01 */
#define SW_SECRET	"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define SW_ID		"msg_p5jXN8AQM9LWM0D4loKWxJek"
#define SW_TS		1614265330LL
#define SW_BODY		"{\"test\": 2432232314}"
#define SW_SIG		"v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
/* the same message signed with the raw secret "It's a Secret to Everybody" (Python) */
#define SW_SIG_RAW	"v1,i60amYKDVzH4LtHMsEULEtu/Jp+mNWxo6Fk82BE1V30="

static char tmpdir[256];

/* ---- helpers --------------------------------------------------------------------- */

/* Writes text to tmpdir/name with mode; returns the path (static buffer per call site). */
static const char *
write_file(const char *name, const char *text, mode_t mode)
{
	static char paths[8][512];
	static int k;
	char *p = paths[k++ % 8];
	FILE *f;

	snprintf(p, 512, "%s/%s", tmpdir, name);
	unlink(p);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(p, mode), 0);
	return p;
}

/* Characters as Discord counts them (UTF-16 code units). */
static size_t
units(const char *s)
{
	size_t n = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c & 0xC0) != 0x80)
			n += c >= 0xF0 ? 2 : 1;
	}
	return n;
}

static char *
repeat(const char *piece, size_t times)
{
	struct buf b;

	buf_init(&b, 0);
	for (size_t i = 0; i < times; i++)
		buf_appends(&b, piece);
	return buf_steal(&b);
}

/* An alert with every awkward thing in it. */
static char *
fixed_alert(const char *title, const char *snippet, const char *link)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:[s,s], s:{s:s, s:s, s:s}, "
	    "s:{s:s, s:s, s:s?, s:s, s:s, s:[s]}, s:s}",
	    "id", "fw_0123456789abcdef0123456789abcdef",
	    "time", "2024-03-05T07:08:09Z",
	    "watchlist", "korea-security",
	    "priority", "warning",
	    "matched", "NATO", "North Korea",
	    "feed", "name", "yonhap-nk", "title", "Yonhap <News> & Co", "url",
	    "https://en.yna.co.kr/RSS/northkorea.xml",
	    "item", "id", "item-1", "title", title, "link", link,
	    "published", "2024-03-05T06:00:00Z", "summary", "Summary \"quoted\" text",
	    "categories", "Politics",
	    "snippet", snippet);
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);

	json_decref(o);
	return s;
}

static json_t *
render_parse(enum conf_sink_format fmt, const struct webhook_template *t, const char *alert)
{
	char err[512];
	char *body = sink_webhook_render(fmt, t, alert, err, sizeof err);
	json_error_t jerr;
	json_t *o;

	if (body == NULL)
		fail_msg("render: %s", err);
	o = json_loads(body, 0, &jerr);
	if (o == NULL)
		fail_msg("body is not JSON (%s): %s", jerr.text, body);
	free(body);
	return o;
}

static int
setup(void **state)
{
	snprintf(tmpdir, sizeof tmpdir, "%s/test_webhook.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(tmpdir));
	return 0;
}

static int
teardown(void **state)
{
	char cmd[600];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- signatures -------------------------------------------------------------------- */

static void
test_standard_webhooks_vector(void **state)
{
	const char *p = write_file("sw.secret", SW_SECRET "\n", 0600);
	struct webhook_secrets sec;
	char err[256];
	char *sig;

	assert_int_equal(sink_webhook_secrets_load("ops", p, &sec, err, sizeof err), 0);
	assert_int_equal(sec.n, 1);
	assert_int_equal(sec.v[0].len, 24);
	sig = sink_webhook_sign(&sec, SW_ID, SW_TS, SW_BODY, strlen(SW_BODY));
	assert_string_equal(sig, SW_SIG);
	free(sig);
	/* one byte of the body changed: another signature */
	sig = sink_webhook_sign(&sec, SW_ID, SW_TS, "{\"test\": 2432232315}", 20);
	assert_string_not_equal(sig, SW_SIG);
	free(sig);
	/* the timestamp is signed too */
	sig = sink_webhook_sign(&sec, SW_ID, SW_TS + 1, SW_BODY, strlen(SW_BODY));
	assert_string_not_equal(sig, SW_SIG);
	free(sig);
	sink_webhook_secrets_clear(&sec);
	assert_int_equal(sec.n, 0);
}

static void
test_github_hex_vector(void **state)
{
	const char *key = "It's a Secret to Everybody";
	char hex[65];

	crypto_hmac_sha256_hex(key, strlen(key), "Hello, World!", 13, hex);
	assert_string_equal(hex, "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
	/* RFC 4231 test case 2 */
	crypto_hmac_sha256_hex("Jefe", 4, "what do ya want for nothing?", 28, hex);
	assert_string_equal(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	/* the existing SHA-256 helper is unchanged (FIPS 180-2 "abc") */
	crypto_sha256_hex("abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void
test_two_secrets(void **state)
{
	const char *p = write_file("two.secret",
	    "\n  " SW_SECRET "  \r\nIt's a Secret to Everybody\r\n\n", 0600);
	struct webhook_secrets sec;
	char err[256];
	char *sig;

	assert_int_equal(sink_webhook_secrets_load("ops", p, &sec, err, sizeof err), 0);
	assert_int_equal(sec.n, 2);
	sig = sink_webhook_sign(&sec, SW_ID, SW_TS, SW_BODY, strlen(SW_BODY));
	assert_string_equal(sig, SW_SIG " " SW_SIG_RAW);
	free(sig);
	sink_webhook_secrets_clear(&sec);
}

static void
test_base64(void **state)
{
	unsigned char out[64];
	char enc[64];

	assert_int_equal(crypto_base64_encode("", 0, enc), 0);
	assert_string_equal(enc, "");
	crypto_base64_encode("foobar", 6, enc);
	assert_string_equal(enc, "Zm9vYmFy");
	crypto_base64_encode("fooba", 5, enc);
	assert_string_equal(enc, "Zm9vYmE=");
	crypto_base64_encode("f", 1, enc);
	assert_string_equal(enc, "Zg==");
	assert_int_equal(crypto_base64_decode("Zm9vYmE=", 8, out), 5);
	assert_memory_equal(out, "fooba", 5);
	assert_int_equal(crypto_base64_decode("Zm9vYmE", 7, out), 5);	/* unpadded */
	assert_int_equal(crypto_base64_decode("Zg==", 4, out), 1);
	assert_int_equal(out[0], 'f');
	assert_int_equal(crypto_base64_decode("Zm9v YmE=", 9, out), -1);
	assert_int_equal(crypto_base64_decode("Zm9v!mE=", 8, out), -1);
	assert_int_equal(crypto_base64_decode("Z", 1, out), -1);
	assert_int_equal(crypto_base64_decode("Zh==", 4, out), -1);	/* stray bits */
	assert_int_equal(crypto_base64_decode("Zg=", 3, out), -1);	/* bad padding */
}

/* ---- secret files ---------------------------------------------------------------- */

static void
expect_secret_error(const char *text, mode_t mode, const char *want)
{
	const char *p = write_file("bad.secret", text, mode);
	struct webhook_secrets sec;
	char err[512];

	assert_int_equal(sink_webhook_secrets_load("ops", p, &sec, err, sizeof err), -1);
	if (strstr(err, want) == NULL)
		fail_msg("error '%s' does not say '%s'", err, want);
	assert_int_equal(sec.n, 0);
}

static void
test_secret_file_refusals(void **state)
{
	struct webhook_secrets sec;
	char err[512], want[600];
	const char *p;

	p = write_file("open.secret", SW_SECRET "\n", 0644);
	assert_int_equal(sink_webhook_secrets_load("ops", p, &sec, err, sizeof err), -1);
	snprintf(want, sizeof want, "sink 'ops': secret file %s is readable by others "
	    "(chmod 600 it)", p);
	assert_string_equal(err, want);
	expect_secret_error(SW_SECRET, 0640, "readable by others");
	expect_secret_error(SW_SECRET, 0604, "readable by others");
	expect_secret_error(SW_SECRET, 0620, "readable by others");
	expect_secret_error("", 0600, "is empty");
	expect_secret_error("\n  \n\r\n", 0600, "is empty");
	expect_secret_error("a\nb\nc\n", 0600, "more than 2 secrets");
	expect_secret_error("whsec_not*base64\n", 0600, "line 1: not base64");
	expect_secret_error("x\nwhsec_\n", 0600, "line 2: nothing after 'whsec_'");
	{
		char *big = repeat("k", WEBHOOK_SECRET_MAX + 1);
		expect_secret_error(big, 0600, "longer than");
		free(big);
	}
	/* missing file, directory */
	snprintf(want, sizeof want, "%s/none.secret", tmpdir);
	assert_int_equal(sink_webhook_secrets_load("ops", want, &sec, err, sizeof err), -1);
	assert_non_null(strstr(err, "No such file"));
	assert_int_equal(sink_webhook_secrets_load("ops", tmpdir, &sec, err, sizeof err), -1);
	/* the secret itself never appears in a message */
	p = write_file("open2.secret", "TopSecretValue\n", 0644);
	assert_int_equal(sink_webhook_secrets_load("ops", p, &sec, err, sizeof err), -1);
	assert_null(strstr(err, "TopSecretValue"));
	/* 0400 is fine */
	p = write_file("ro.secret", "TopSecretValue\n", 0400);
	assert_int_equal(sink_webhook_secrets_load("ops", p, &sec, err, sizeof err), 0);
	assert_int_equal(sec.v[0].len, 14);
	sink_webhook_secrets_clear(&sec);
}

/* ---- formats ------------------------------------------------------------------------ */

static void
test_format_json(void **state)
{
	char *a = fixed_alert("T", "s", "https://x.example/1");
	char err[128];
	char *body = sink_webhook_render(SINK_FORMAT_JSON, NULL, a, err, sizeof err);

	assert_string_equal(body, a);
	free(body);
	free(a);
}

static void
test_format_slack(void **state)
{
	char *a = fixed_alert("Sanctions <b>&</b> \"talks\" | NATO",
	    "…new «NATO» & <DPRK> <!channel> talks…",
	    "https://news.example.org/a?x=1&y=|2");
	json_t *o = render_parse(SINK_FORMAT_SLACK, NULL, a), *blocks, *sec, *t;
	const char *text, *fallback;

	fallback = json_string_value(json_object_get(o, "text"));
	assert_non_null(fallback);
	assert_string_equal(fallback, "[korea-security] NATO, North Korea: Sanctions &lt;b&gt;"
	    "&amp;&lt;/b&gt; \"talks\" | NATO");
	blocks = json_object_get(o, "blocks");
	assert_true(json_is_array(blocks));
	assert_int_equal(json_array_size(blocks), 1);
	sec = json_array_get(blocks, 0);
	assert_string_equal(json_string_value(json_object_get(sec, "type")), "section");
	t = json_object_get(sec, "text");
	assert_string_equal(json_string_value(json_object_get(t, "type")), "mrkdwn");
	text = json_string_value(json_object_get(t, "text"));
	assert_non_null(text);
	/* linked title: & in the URL as &amp;, | percent-encoded; label escaped */
	assert_non_null(strstr(text, "*<https://news.example.org/a?x=1&amp;y=%7C2|Sanctions "
	    "&lt;b&gt;&amp;&lt;/b&gt; \"talks\" | NATO>*"));
	assert_non_null(strstr(text, "\n>…new «NATO» &amp; &lt;DPRK&gt; &lt;!channel&gt; talks…"));
	assert_non_null(strstr(text, "*Watchlist:* korea-security"));
	assert_non_null(strstr(text, "*Feed:* Yonhap &lt;News&gt; &amp; Co (yonhap-nk)"));
	assert_non_null(strstr(text, "*Matched:* NATO, North Korea"));
	/* after the link: no raw '<', and '>' only as the quote mark at a line start */
	{
		const char *after = strstr(text, "NATO>*");
		assert_non_null(after);
		for (const char *p = after + 6; *p; p++)
			assert_true(*p != '<' && (*p != '>' || p[-1] == '\n'));
	}
	json_decref(o);
	free(a);
}

static void
test_format_slack_limits(void **state)
{
	char *title = repeat("&", 400);		/* escapes to 5 characters each */
	char *snip = repeat("ab<c ", 2000);
	char *link = repeat("x", 3000);
	char *lurl = xasprintf("https://x.example/%s", link);
	char *a = fixed_alert(title, snip, lurl);
	json_t *o = render_parse(SINK_FORMAT_SLACK, NULL, a);
	const char *text = json_string_value(json_object_get(json_object_get(
	    json_array_get(json_object_get(o, "blocks"), 0), "text"), "text"));

	assert_true(units(text) <= 3000);
	/* a cut never splits an entity: every & starts &amp; or &lt; or &gt; */
	for (const char *p = strchr(text, '&'); p; p = strchr(p + 1, '&'))
		assert_true(strncmp(p, "&amp;", 5) == 0 || strncmp(p, "&lt;", 4) == 0 ||
		    strncmp(p, "&gt;", 4) == 0);
	assert_non_null(strstr(text, "…"));
	/* a link too long for Slack is left out, the title stays */
	assert_null(strstr(text, "https://x.example/"));
	assert_true(units(json_string_value(json_object_get(o, "text"))) <= 3000);
	json_decref(o);
	free(a);
	free(title);
	free(snip);
	free(link);
	free(lurl);
}

static void
test_format_discord(void **state)
{
	char *a = fixed_alert("NATO & <DPRK> @everyone", "the «NATO» summit @here",
	    "https://news.example.org/a?x=1&y=2");
	json_t *o = render_parse(SINK_FORMAT_DISCORD, NULL, a), *e, *f, *am;

	e = json_array_get(json_object_get(o, "embeds"), 0);
	assert_non_null(e);
	assert_int_equal(json_array_size(json_object_get(o, "embeds")), 1);
	assert_string_equal(json_string_value(json_object_get(e, "title")),
	    "NATO & <DPRK> @everyone");
	assert_string_equal(json_string_value(json_object_get(e, "url")),
	    "https://news.example.org/a?x=1&y=2");
	assert_string_equal(json_string_value(json_object_get(e, "description")),
	    "the «NATO» summit @here");
	assert_string_equal(json_string_value(json_object_get(e, "timestamp")),
	    "2024-03-05T07:08:09Z");
	f = json_object_get(e, "fields");
	assert_int_equal(json_array_size(f), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(f, 0), "name")),
	    "Watchlist");
	assert_string_equal(json_string_value(json_object_get(json_array_get(f, 0), "value")),
	    "korea-security");
	assert_string_equal(json_string_value(json_object_get(json_array_get(f, 1), "value")),
	    "Yonhap <News> & Co (yonhap-nk)");
	assert_string_equal(json_string_value(json_object_get(json_array_get(f, 2), "value")),
	    "NATO, North Korea");
	/* nobody gets pinged by feed text */
	am = json_object_get(json_object_get(o, "allowed_mentions"), "parse");
	assert_true(json_is_array(am));
	assert_int_equal(json_array_size(am), 0);
	assert_null(json_object_get(o, "content"));
	json_decref(o);
	free(a);
	/* a link that is not http(s) is left out; an empty snippet falls back to the summary */
	a = fixed_alert("T", "", "javascript:alert(1)");
	o = render_parse(SINK_FORMAT_DISCORD, NULL, a);
	e = json_array_get(json_object_get(o, "embeds"), 0);
	assert_null(json_object_get(e, "url"));
	assert_string_equal(json_string_value(json_object_get(e, "description")),
	    "Summary \"quoted\" text");
	json_decref(o);
	free(a);
}

static void
test_format_discord_limits(void **state)
{
	char *title = repeat("é😀", 300);	/* 900 UTF-16 units */
	char *snip = repeat("word ", 2000);
	char *a = fixed_alert(title, snip, "https://x.example/");
	json_t *o = render_parse(SINK_FORMAT_DISCORD, NULL, a), *e, *f, *v;
	size_t total = 0, i;
	const char *t;

	e = json_array_get(json_object_get(o, "embeds"), 0);
	t = json_string_value(json_object_get(e, "title"));
	assert_true(units(t) <= 256);
	assert_true(units(t) >= 250);
	assert_non_null(strstr(t, "…"));
	assert_true(strncmp(t, "é😀é😀", strlen("é😀é😀")) == 0);
	total += units(t);
	t = json_string_value(json_object_get(e, "description"));
	assert_true(units(t) <= 4096);
	total += units(t);
	f = json_object_get(e, "fields");
	assert_true(json_array_size(f) <= 25);
	json_array_foreach(f, i, v) {
		assert_true(units(json_string_value(json_object_get(v, "name"))) <= 256);
		assert_true(units(json_string_value(json_object_get(v, "value"))) <= 1024);
		assert_true(units(json_string_value(json_object_get(v, "value"))) >= 1);
		total += units(json_string_value(json_object_get(v, "name")));
		total += units(json_string_value(json_object_get(v, "value")));
	}
	total += units(json_string_value(json_object_get(json_object_get(e, "footer"), "text")));
	assert_true(total <= 6000);
	json_decref(o);
	free(a);
	free(title);
	free(snip);
}

/* ---- templates ------------------------------------------------------------------------ */

static void
test_template_render(void **state)
{
	const char *p = write_file("all.tmpl",
	    "{\"id\": \"{{id}}\", \"t\": \"{{ time }}\", \"w\": \"{{watchlist}}\",\n"
	    " \"p\": \"{{priority}}\", \"m\": \"{{matched}}\", \"fn\": \"{{feed.name}}\",\n"
	    " \"ft\": \"{{feed.title}}\", \"fu\": \"{{feed.url}}\", \"ii\": \"{{item.id}}\",\n"
	    " \"it\": \"<{{item.title}}>\", \"il\": \"{{item.link}}\", \"ip\": "
	    "\"{{item.published}}\",\n \"is\": \"{{item.summary}}\", \"ic\": "
	    "\"{{item.categories}}\", \"s\": \"{{snippet}}\", \"x\": \"{ {not} }\"}\n", 0644);
	char err[512];
	struct webhook_template *t = sink_webhook_template_load(p, err, sizeof err);
	char *a = fixed_alert("Quote \" backslash \\ tab\t nl\n ctl\x01 sep\xe2\x80\xa8 end",
	    "«NATO» {{id}}", "https://x.example/?a=1&b=\"2\"");
	json_t *o;

	if (t == NULL)
		fail_msg("%s", err);
	o = render_parse(SINK_FORMAT_TEMPLATE, t, a);
	assert_string_equal(json_string_value(json_object_get(o, "id")),
	    "fw_0123456789abcdef0123456789abcdef");
	assert_string_equal(json_string_value(json_object_get(o, "t")), "2024-03-05T07:08:09Z");
	assert_string_equal(json_string_value(json_object_get(o, "w")), "korea-security");
	assert_string_equal(json_string_value(json_object_get(o, "p")), "warning");
	assert_string_equal(json_string_value(json_object_get(o, "m")), "NATO, North Korea");
	assert_string_equal(json_string_value(json_object_get(o, "fn")), "yonhap-nk");
	assert_string_equal(json_string_value(json_object_get(o, "ft")), "Yonhap <News> & Co");
	assert_string_equal(json_string_value(json_object_get(o, "fu")),
	    "https://en.yna.co.kr/RSS/northkorea.xml");
	assert_string_equal(json_string_value(json_object_get(o, "ii")), "item-1");
	/* the round trip proves the escaping */
	assert_string_equal(json_string_value(json_object_get(o, "it")),
	    "<Quote \" backslash \\ tab\t nl\n ctl\x01 sep\xe2\x80\xa8 end>");
	assert_string_equal(json_string_value(json_object_get(o, "il")),
	    "https://x.example/?a=1&b=\"2\"");
	assert_string_equal(json_string_value(json_object_get(o, "ip")), "2024-03-05T06:00:00Z");
	assert_string_equal(json_string_value(json_object_get(o, "is")), "Summary \"quoted\" text");
	assert_string_equal(json_string_value(json_object_get(o, "ic")), "Politics");
	/* a value holding "{{id}}" is not expanded again */
	assert_string_equal(json_string_value(json_object_get(o, "s")), "«NATO» {{id}}");
	assert_string_equal(json_string_value(json_object_get(o, "x")), "{ {not} }");
	json_decref(o);
	free(a);
	/* a null link renders as "" */
	a = fixed_alert("T", "s", NULL);
	o = render_parse(SINK_FORMAT_TEMPLATE, t, a);
	assert_string_equal(json_string_value(json_object_get(o, "il")), "");
	json_decref(o);
	free(a);
	sink_webhook_template_free(t);
}

static void
expect_template_error(const char *text, const char *want)
{
	const char *p = write_file("bad.tmpl", text, 0644);
	char err[512], full[700];
	struct webhook_template *t = sink_webhook_template_load(p, err, sizeof err);

	/* want: ":LINE: ..." after "template FILE", or any part of the message */
	if (want[0] == ':')
		snprintf(full, sizeof full, "template %s%s", p, want);
	else
		snprintf(full, sizeof full, "%s", want);
	if (t != NULL)
		fail_msg("template accepted: %s", text);
	if (strstr(err, full) == NULL)
		fail_msg("error '%s' does not say '%s'", err, full);
}

static void
test_template_errors(void **state)
{
	char err[512];

	expect_template_error("{\n \"a\": \"{{id}}\",\n \"b\": \"{{item.tittle}}\"\n}\n",
	    ":3: unknown placeholder {{item.tittle}} (known: id, time");
	expect_template_error("{\"a\": \"{{ }}\"}", ":1: unknown placeholder {{}}");
	expect_template_error("{\n\n\"a\": \"{{id\"}\n", ":3: '{{' without '}}'");
	expect_template_error("{\"a\": \"{{id\n}}\"}", ":1: '{{' without '}}'");
	expect_template_error("{\"a\": {{id}}}\n",
	    ":1: not JSON once filled in (a placeholder belongs inside a \"string\")");
	expect_template_error("{\n\"a\": \"x\",\n\"b\": \"{{matched}}\" \"c\"\n}",
	    ":3: not JSON");
	expect_template_error("", ":1: not JSON");
	expect_template_error("{\"a\": \"\xff\"}", "not JSON");
	/* an escape sequence cut by a placeholder ("\{{id}}") is caught too */
	expect_template_error("{\"a\": \"\\{{id}}\"}", ":1: a backslash right before");
	expect_template_error("{\"a\": \"\\\\{{id}}\", \"b\": \"\\\\\\{{id}}\"}",
	    ":1: a backslash right before");
	assert_null(sink_webhook_template_load("/nonexistent/x.tmpl", err, sizeof err));
	assert_string_equal(err, "template /nonexistent/x.tmpl: No such file or directory");
}

static void
test_template_examples(void **state)
{
	static const char *const files[] = { "tests/webhook/ntfy.tmpl",
		"tests/webhook/teams.tmpl" };
	char *a = fixed_alert("NATO \"summit\"", "the «NATO» summit", "https://x.example/1");

	for (size_t i = 0; i < 2; i++) {
		char err[512];
		struct webhook_template *t = sink_webhook_template_load(files[i], err, sizeof err);
		json_t *o;
		if (t == NULL)
			fail_msg("%s", err);
		o = render_parse(SINK_FORMAT_TEMPLATE, t, a);
		if (i == 0) {
			assert_string_equal(json_string_value(json_object_get(o, "title")),
			    "[korea-security] NATO \"summit\"");
			assert_string_equal(json_string_value(json_object_get(o, "click")),
			    "https://x.example/1");
			assert_non_null(json_string_value(json_object_get(o, "topic")));
		} else {
			json_t *c = json_object_get(json_array_get(json_object_get(o,
			    "attachments"), 0), "content");
			assert_string_equal(json_string_value(json_object_get(c, "type")),
			    "AdaptiveCard");
			assert_string_equal(json_string_value(json_object_get(json_array_get(
			    json_object_get(c, "actions"), 0), "url")), "https://x.example/1");
		}
		json_decref(o);
		sink_webhook_template_free(t);
	}
	free(a);
}

/* ---- redaction --------------------------------------------------------------------- */

static void
test_redact(void **state)
{
	static const char *const cases[][2] = {
		{ "https://hooks.slack.com/services/T000/B000/XXXXSECRET",
		  "https://hooks.slack.com/…" },
		{ "https://discord.com/api/webhooks/123/tok-en", "https://discord.com/…" },
		{ "http://user:pw@127.0.0.1:8080/hook?token=abc", "http://127.0.0.1:8080/…" },
		{ "http://127.0.0.1:8080?token=abc", "http://127.0.0.1:8080/…" },
		{ "http://[::1]:9/x#frag", "http://[::1]:9/…" },
		{ "https://example.com", "https://example.com" },
		{ "https://example.com/", "https://example.com/" },
		{ "not a url /secret", "(a URL that cannot be shown)" },
		{ "://x/secret", "(a URL that cannot be shown)" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *r = sink_webhook_redact_url(cases[i][0]);
		assert_string_equal(r, cases[i][1]);
		free(r);
	}
	char *r = sink_webhook_redact_url(NULL);
	assert_string_equal(r, "(no URL)");
	free(r);
}

/* ---- answers ----------------------------------------------------------------------- */

#define HOOK "https://hooks.example.com/services/SECRETTOKEN?sig=abc"

static enum sink_outcome
verdict(long status, enum http_result result, const char *retry_after, const char *location,
    const char *head, const char *error, bool *disable, int64_t *ra, char *err, size_t errlen)
{
	struct http_response r = { .result = result, .status = status,
		.retry_after = retry_after, .location = location, .error = error ? error : "" };

	return sink_webhook_outcome(&r, HOOK, head, head ? strlen(head) : 0,
	    1700000000000LL, disable, ra, err, errlen);
}

static void
test_outcomes(void **state)
{
	char err[768];
	bool dis;
	int64_t ra;

	assert_int_equal(verdict(200, HTTP_RESULT_OK, NULL, NULL, NULL, NULL, &dis, &ra, err,
	    sizeof err), SINK_DELIVERED);
	assert_false(dis);
	assert_int_equal(ra, -1);
	/* WH-11: a 2xx whose body was too big, or cut, still counts as delivered */
	assert_int_equal(verdict(204, HTTP_RESULT_TOO_BIG, NULL, NULL, NULL, NULL, &dis, &ra,
	    err, sizeof err), SINK_DELIVERED);
	assert_int_equal(verdict(299, HTTP_RESULT_NETWORK, NULL, NULL, NULL, NULL, &dis, &ra,
	    err, sizeof err), SINK_DELIVERED);
	/* WH-10: no answer */
	assert_int_equal(verdict(0, HTTP_RESULT_TIMEOUT, NULL, NULL, NULL, "timed out after "
	    "2000 ms", &dis, &ra, err, sizeof err), SINK_RETRY);
	assert_string_equal(err, "https://hooks.example.com/…: timed out after 2000 ms");
	/* connection errors that quote the URL are scrubbed */
	assert_int_equal(verdict(0, HTTP_RESULT_NETWORK, NULL, NULL, NULL,
	    "Failed to GET /services/SECRETTOKEN?sig=abc: refused", &dis, &ra, err, sizeof err),
	    SINK_RETRY);
	assert_null(strstr(err, "SECRETTOKEN"));
	assert_non_null(strstr(err, "Failed to GET /…: refused"));
	/* 408, 429, 5xx: retry; Retry-After in seconds or as a date */
	assert_int_equal(verdict(500, HTTP_RESULT_STATUS, NULL, NULL, "oops", NULL, &dis, &ra,
	    err, sizeof err), SINK_RETRY);
	assert_int_equal(ra, -1);
	assert_string_equal(err, "https://hooks.example.com/… answered HTTP 500");
	assert_int_equal(verdict(429, HTTP_RESULT_STATUS, "120", NULL, NULL, NULL, &dis, &ra,
	    err, sizeof err), SINK_RETRY);
	assert_int_equal(ra, 120000);
	assert_non_null(strstr(err, "HTTP 429 (Retry-After: 120 s)"));
	/* 1700000000 = Tue, 14 Nov 2023 22:13:20 GMT */
	assert_int_equal(verdict(503, HTTP_RESULT_STATUS, "Tue, 14 Nov 2023 22:18:20 GMT", NULL,
	    NULL, NULL, &dis, &ra, err, sizeof err), SINK_RETRY);
	assert_int_equal(ra, 300000);
	assert_int_equal(verdict(429, HTTP_RESULT_STATUS, "soon", NULL, NULL, NULL, &dis, &ra,
	    err, sizeof err), SINK_RETRY);
	assert_int_equal(ra, -1);
	assert_int_equal(verdict(408, HTTP_RESULT_STATUS, NULL, NULL, NULL, NULL, &dis, &ra,
	    err, sizeof err), SINK_RETRY);
	/* WH-09: a redirect is a failure, not followed; the Location is redacted too */
	assert_int_equal(verdict(301, HTTP_RESULT_STATUS, NULL,
	    "https://new.example.com/services/NEWTOKEN", NULL, NULL, &dis, &ra, err, sizeof err),
	    SINK_RETRY);
	assert_string_equal(err, "https://hooks.example.com/… answered a redirect (HTTP 301) "
	    "to https://new.example.com/…: redirects are not followed; update the webhook URL");
	assert_false(dis);
	assert_int_equal(verdict(302, HTTP_RESULT_STATUS, NULL, NULL, NULL, NULL, &dis, &ra,
	    err, sizeof err), SINK_RETRY);
	assert_non_null(strstr(err, "update the webhook URL"));
	/* WH-07: 410 disables */
	assert_int_equal(verdict(410, HTTP_RESULT_STATUS, NULL, NULL, "gone", NULL, &dis, &ra,
	    err, sizeof err), SINK_DEAD);
	assert_true(dis);
	assert_non_null(strstr(err, "410 Gone"));
	/* other 4xx: dead, with the first line of the body */
	assert_int_equal(verdict(400, HTTP_RESULT_STATUS, NULL, NULL,
	    "\r\n  invalid_payload: \x01 missing text\r\nsecond line", NULL, &dis, &ra, err,
	    sizeof err), SINK_DEAD);
	assert_false(dis);
	assert_string_equal(err, "https://hooks.example.com/… answered HTTP 400: "
	    "invalid_payload: \xef\xbf\xbd missing text");
	assert_int_equal(verdict(404, HTTP_RESULT_STATUS, NULL, NULL, NULL, NULL, &dis, &ra,
	    err, sizeof err), SINK_DEAD);
	assert_string_equal(err, "https://hooks.example.com/… answered HTTP 404");
	/* a head cut inside a character loses only that character */
	assert_int_equal(verdict(403, HTTP_RESULT_STATUS, NULL, NULL, "no \xc3\xa9t\xc3", NULL,
	    &dis, &ra, err, sizeof err), SINK_DEAD);
	assert_string_equal(err, "https://hooks.example.com/… answered HTTP 403: no \xc3\xa9t");
}

/* ---- configuration checks ----------------------------------------------------------- */

static struct conf_sink
hookconf(const char *url, enum conf_sink_format fmt, const char *tmpl, const char *secret)
{
	struct conf_sink cs;

	memset(&cs, 0, sizeof cs);
	cs.name = (char *)"ops";
	cs.type = SINK_TYPE_WEBHOOK;
	cs.url = (char *)url;
	cs.format = fmt;
	cs.template_path = (char *)tmpl;
	cs.secret_file = (char *)secret;
	cs.timeout_ms = 2000;
	return cs;
}

static void
test_check(void **state)
{
	char err[512];
	char *hdr_ok[] = { (char *)"Authorization: Bearer x", (char *)"Content-Type: text/plain" };
	char *hdr_bad[] = { (char *)"webhook-id: mine" };
	char *hdr_bad2[] = { (char *)"Bad Name: x" };
	const char *sec = write_file("ok.secret", SW_SECRET, 0600);
	const char *open_sec = write_file("open3.secret", SW_SECRET, 0644);
	const char *bad_t = write_file("bad2.tmpl", "{\"a\": \"{{nope}}\"}", 0644);
	struct conf_sink cs;

	cs = hookconf("http://127.0.0.1:9/h", SINK_FORMAT_JSON, NULL, sec);
	assert_int_equal(sink_webhook_check(&cs, err, sizeof err), 0);
	cs.headers = hdr_ok;
	cs.n_headers = 2;
	assert_int_equal(sink_webhook_check(&cs, err, sizeof err), 0);
	cs.headers = hdr_bad;
	cs.n_headers = 1;
	assert_int_equal(sink_webhook_check(&cs, err, sizeof err), -1);
	assert_non_null(strstr(err, "'webhook-id' is set by the sink itself"));
	cs.headers = hdr_bad2;
	assert_int_equal(sink_webhook_check(&cs, err, sizeof err), -1);
	assert_non_null(strstr(err, "is not 'Name: value'"));
	cs = hookconf("http://127.0.0.1:9/h", SINK_FORMAT_JSON, NULL, open_sec);
	assert_int_equal(sink_webhook_check(&cs, err, sizeof err), -1);
	assert_non_null(strstr(err, "readable by others (chmod 600 it)"));
	cs = hookconf("http://127.0.0.1:9/h", SINK_FORMAT_TEMPLATE, bad_t, NULL);
	assert_int_equal(sink_webhook_check(&cs, err, sizeof err), -1);
	assert_non_null(strstr(err, "sink 'ops': template "));
	assert_non_null(strstr(err, ":1: unknown placeholder {{nope}}"));
	cs = hookconf("file:///etc/secret/token", SINK_FORMAT_JSON, NULL, NULL);
	assert_int_equal(sink_webhook_check(&cs, err, sizeof err), -1);
	assert_null(strstr(err, "token"));
}


/* ---- digests (storm control) ------------------------------------------------------------- */

static void
test_digest_id(void **state)
{
	const char *a[] = { "fw_1", "fw_2", "fw_3" }, *b[] = { "fw_3", "fw_1", "fw_2" };
	const char *c[] = { "fw_1", "fw_2" };
	char x[40], y[40], z[40];

	sink_webhook_digest_id(a, 3, x);
	sink_webhook_digest_id(b, 3, y);
	sink_webhook_digest_id(c, 2, z);
	assert_string_equal(x, y);
	assert_string_not_equal(x, z);
	assert_int_equal(strlen(x), 36);
	assert_true(strncmp(x, "fwd_", 4) == 0);
	assert_null(strchr(x, '.'));
}

/* n alerts with distinct ids and awkward titles. */
static char **
digest_alerts(size_t n, const char *title_piece)
{
	char **v = xcalloc(n, sizeof *v);

	for (size_t i = 0; i < n; i++) {
		char *title = xasprintf("%s %zu", title_piece, i);
		char *link = xasprintf("https://x.example/%zu?a=1&b=2", i);
		char *snip = xasprintf("snippet %zu", i);
		v[i] = fixed_alert(title, snip, link);
		json_t *o = json_loads(v[i], 0, NULL);
		char id[32];
		snprintf(id, sizeof id, "fw_%04zu", i);
		json_object_set_new(o, "id", json_string(id));
		if (i % 2)
			json_object_set_new(o, "watchlist", json_string("other"));
		free(v[i]);
		v[i] = json_dumps(o, JSON_COMPACT);
		json_decref(o);
		free(title);
		free(link);
		free(snip);
	}
	return v;
}

static void
free_alerts(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static json_t *
digest_parse(enum conf_sink_format fmt, const struct webhook_template *t, char **v, size_t n)
{
	char err[256];
	char *body = sink_webhook_render_digest(fmt, t, "fwd_x", 1709622489, (const char *const *)v,
	    n, 30, 60000, err, sizeof err);
	json_t *o;

	if (body == NULL)
		fail_msg("%s", err);
	o = json_loads(body, 0, NULL);
	if (o == NULL)
		fail_msg("digest is not JSON: %s", body);
	free(body);
	return o;
}

static void
test_digest_json(void **state)
{
	char **v = digest_alerts(3, "T");
	json_t *o = digest_parse(SINK_FORMAT_JSON, NULL, v, 3), *al;

	assert_true(json_is_true(json_object_get(o, "digest")));
	assert_string_equal(json_string_value(json_object_get(o, "id")), "fwd_x");
	assert_string_equal(json_string_value(json_object_get(o, "time")), "2024-03-05T07:08:09Z");
	assert_int_equal(json_integer_value(json_object_get(o, "count")), 3);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(o, "rate_limit"),
	    "count")), 30);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(o, "rate_limit"),
	    "window_seconds")), 60);
	al = json_object_get(o, "alerts");
	assert_int_equal(json_array_size(al), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(al, 2), "id")),
	    "fw_0002");
	json_decref(o);
	free_alerts(v, 3);
}

static void
test_digest_slack_discord(void **state)
{
	char **v = digest_alerts(200, "NATO <b>&</b> [x](y) *bold* _it_");
	json_t *o = digest_parse(SINK_FORMAT_SLACK, NULL, v, 3), *blocks, *b;
	const char *t;
	size_t i, lines = 0;

	assert_string_equal(json_string_value(json_object_get(o, "text")),
	    "[feedwatchd] 3 alerts folded into one digest");
	blocks = json_object_get(o, "blocks");
	t = json_string_value(json_object_get(json_object_get(json_array_get(blocks, 0), "text"),
	    "text"));
	assert_string_equal(t, "*3 more alerts* were folded into this digest (rate limit: 30 "
	    "per min)");
	t = json_string_value(json_object_get(json_object_get(json_array_get(blocks, 1), "text"),
	    "text"));
	assert_non_null(strstr(t, "• [korea-security] <https://x.example/0?a=1&amp;b=2|NATO "
	    "&lt;b&gt;&amp;&lt;/b&gt; [x](y) *bold* _it_ 0> (yonhap-nk)\n"));
	assert_non_null(strstr(t, "• [other] <https://x.example/1?"));
	json_decref(o);
	/* 200 alerts: every section under 3000 characters, at most 50 blocks, all listed */
	o = digest_parse(SINK_FORMAT_SLACK, NULL, v, 200);
	blocks = json_object_get(o, "blocks");
	assert_true(json_array_size(blocks) <= 50);
	json_array_foreach(blocks, i, b) {
		t = json_string_value(json_object_get(json_object_get(b, "text"), "text"));
		assert_true(units(t) <= 3000);
		for (const char *p = t; (p = strstr(p, "• [")) != NULL; p++)
			lines++;
	}
	assert_int_equal(lines, 200);
	json_decref(o);
	/* Discord: one embed, markdown escaped, description within 4096 with "…and N more" */
	o = digest_parse(SINK_FORMAT_DISCORD, NULL, v, 200);
	b = json_array_get(json_object_get(o, "embeds"), 0);
	assert_string_equal(json_string_value(json_object_get(b, "title")),
	    "200 more alerts (rate limit: 30 per min)");
	t = json_string_value(json_object_get(b, "description"));
	assert_true(units(t) <= 4096);
	assert_non_null(strstr(t, "• \\[korea-security\\] [NATO \\<b\\>&\\</b\\> "
	    "\\[x\\]\\(y\\) \\*bold\\* \\_it\\_ 0](https://x.example/0?a=1&b=2) — "
	    "yonhap-nk\n"));
	assert_non_null(strstr(t, "…and "));
	assert_non_null(strstr(t, " more"));
	assert_int_equal(json_array_size(json_object_get(json_object_get(o, "allowed_mentions"),
	    "parse")), 0);
	json_decref(o);
	free_alerts(v, 200);
}

static void
test_digest_template(void **state)
{
	char err[512];
	struct webhook_template *t = sink_webhook_template_load("tests/webhook/ntfy.tmpl", err,
	    sizeof err);
	char **v = digest_alerts(3, "Title \"q\"");
	json_t *o;

	if (t == NULL)
		fail_msg("%s", err);
	o = digest_parse(SINK_FORMAT_TEMPLATE, t, v, 3);
	assert_string_equal(json_string_value(json_object_get(o, "title")),
	    "[korea-security, other] 3 alerts folded into one digest (rate limit: 30 per min)");
	assert_string_equal(json_string_value(json_object_get(o, "click")),
	    "https://x.example/0?a=1&b=2");
	assert_non_null(strstr(json_string_value(json_object_get(o, "message")),
	    "Title \"q\" 0; Title \"q\" 1; Title \"q\" 2"));
	assert_non_null(strstr(json_string_value(json_object_get(o, "message")),
	    "matched: NATO, North Korea"));
	json_decref(o);
	sink_webhook_template_free(t);
	free_alerts(v, 3);
}

/* ---- the backend on a real loop --------------------------------------------------------- */

struct got {
	int calls;
	enum sink_outcome out;
	char err[512];
	struct event_base *base;
};

static void
got_cb(void *arg, enum sink_outcome out, int64_t retry_after_ms, const char *err)
{
	struct got *g = arg;

	g->calls++;
	g->out = out;
	snprintf(g->err, sizeof g->err, "%s", err ? err : "");
	event_base_loopbreak(g->base);
}

/* A loopback listener that accepts nothing (connections wait in the backlog). */
static int
listener(int *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(listen(fd, 16), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

static void
run_for(struct event_base *base, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
}

static void
test_backend_close_abandons(void **state)
{
	struct event_base *base = event_base_new();
	struct http *h = http_new(base, 8, 4);
	struct sink_env env = { base, h };
	struct got g = { .base = base };
	char url[128], err[512];
	int port, fd = listener(&port);
	enum sink_outcome now;
	char *a = fixed_alert("T", "s", "https://x.example/");
	struct conf_sink cs;
	struct sink *s;

	snprintf(url, sizeof url, "http://127.0.0.1:%d/hook/SECRET", port);
	cs = hookconf(url, SINK_FORMAT_SLACK, NULL, NULL);
	s = sink_open(&cs, &env, err, sizeof err);
	if (s == NULL)
		fail_msg("%s", err);
	assert_true(sink_is_async(s));
	assert_true(s->max_in_flight >= 2);
	for (int i = 0; i < 3; i++)
		assert_int_equal(sink_start(s, a, 1, got_cb, &g, &now, err, sizeof err), 0);
	assert_int_equal(http_active(h), 3);
	run_for(base, 200);
	assert_int_equal(g.calls, 0);		/* nobody answers */
	sink_close(s);				/* abandons all three, no callback */
	assert_int_equal(http_active(h), 0);
	run_for(base, 50);
	assert_int_equal(g.calls, 0);
	close(fd);

	/* the port is closed now: a connection error -> SINK_RETRY, URL redacted */
	s = sink_open(&cs, &env, err, sizeof err);
	assert_non_null(s);
	assert_int_equal(sink_start(s, a, 1, got_cb, &g, &now, err, sizeof err), 0);
	run_for(base, 5000);
	assert_int_equal(g.calls, 1);
	assert_int_equal(g.out, SINK_RETRY);
	assert_null(strstr(g.err, "SECRET"));
	char want[64];
	snprintf(want, sizeof want, "http://127.0.0.1:%d/…: ", port);
	assert_non_null(strstr(g.err, want));
	sink_close(s);

	/* opening fails cleanly on a bad template, with the sink name */
	cs = hookconf(url, SINK_FORMAT_TEMPLATE, "/nonexistent.tmpl", NULL);
	assert_null(sink_open(&cs, &env, err, sizeof err));
	assert_string_equal(err, "sink 'ops': template /nonexistent.tmpl: No such file or "
	    "directory");
	free(a);
	http_free(h);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_standard_webhooks_vector),
		cmocka_unit_test(test_github_hex_vector),
		cmocka_unit_test(test_two_secrets),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_secret_file_refusals),
		cmocka_unit_test(test_format_json),
		cmocka_unit_test(test_format_slack),
		cmocka_unit_test(test_format_slack_limits),
		cmocka_unit_test(test_format_discord),
		cmocka_unit_test(test_format_discord_limits),
		cmocka_unit_test(test_template_render),
		cmocka_unit_test(test_template_errors),
		cmocka_unit_test(test_template_examples),
		cmocka_unit_test(test_redact),
		cmocka_unit_test(test_outcomes),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_digest_id),
		cmocka_unit_test(test_digest_json),
		cmocka_unit_test(test_digest_slack_discord),
		cmocka_unit_test(test_digest_template),
		cmocka_unit_test(test_backend_close_abandons),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
