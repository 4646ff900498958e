/* test_html.c — html_to_text(), html_to_line() and html_looks_like_markup(): expected
 * outputs written by hand from the HTML meaning of each input; hostile inputs (huge,
 * deep, invalid UTF-8, control bytes) checked for bounds, time and silence on stderr. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "html.h"
#include "util.h"

#define FFFD "\xef\xbf\xbd"

struct html_case {
	const char *in;
	const char *text;	/* html_to_text() */
	const char *line;	/* html_to_line(); NULL: same as text */
};

static const struct html_case cases[] = {
	/* Plain text: unchanged apart from white space; its line breaks stay. */
	{ "plain text", "plain text", NULL },
	{ "  lots   of\tspace  ", "lots of space", NULL },
	{ "line one\nline two\n\n\n\nline three", "line one\nline two\n\nline three",
	  "line one line two line three" },
	{ "a < b and c > d", "a < b and c > d", NULL },
	{ "AT&T and R&D", "AT&T and R&D", NULL },
	{ "x <3 y, 1<2", "x <3 y, 1<2", NULL },
	{ "& ; &; &#; <", "& ; &; &#; <", NULL },
	{ "Emoji 😀, 中文, ünïcödé", "Emoji 😀, 中文, ünïcödé", NULL },
	{ "", "", NULL },
	{ " \n\t ", "", NULL },
	/* A bare "<" or "&" among real markup survives literally. */
	{ "a < b <i>x</i> c", "a < b x c", NULL },
	{ "AT&T <b>rocks</b>", "AT&T rocks", NULL },
	{ "<b>5 > 3</b> & 2 < 4", "5 > 3 & 2 < 4", NULL },
	/* Paragraphs and blocks. */
	{ "<p>Hello <b>world</b></p><p>Second</p>", "Hello world\n\nSecond",
	  "Hello world Second" },
	{ "<p>a</p>\n\n<p>b</p>", "a\n\nb", "a b" },
	{ "<p>a<p>b", "a\n\nb", "a b" },
	{ "<h1>Title</h1>Body", "Title\n\nBody", "Title Body" },
	{ "<div>a</div><div>b</div>", "a\nb", "a b" },
	{ "text<div>x</div>more", "text\nx\nmore", "text x more" },
	{ "<blockquote>quoted</blockquote>after", "quoted\n\nafter", "quoted after" },
	{ "<hr>above<hr>below", "above\n\nbelow", "above below" },
	{ "<section><header>H</header><article>A</article><footer>F</footer></section>",
	  "H\n\nA\n\nF", "H A F" },
	{ "<figure><img src=x><figcaption>Cap</figcaption></figure>Text", "Cap\n\nText",
	  "Cap Text" },
	{ "<dl><dt>Term</dt><dd>Def</dd></dl>", "Term\nDef", "Term Def" },
	{ "<p>\n   Indented\n   text\n</p>", "Indented text", NULL },
	{ "   <p>  </p>  <div> </div> ", "", NULL },
	{ "<span>in</span><span>line</span> <a href='http://x/'>link</a>", "inline link",
	  NULL },
	/* <br> in its spellings; at most one blank line. */
	{ "x<br>y<br/>z<br />w<BR>v", "x\ny\nz\nw\nv", "x y z w v" },
	{ "a<br><br><br><br>b", "a\n\nb", "a b" },
	{ "<br>lead and trail<br>", "lead and trail", NULL },
	{ "a <br> b", "a\nb", "a b" },
	/* Lists and tables. */
	{ "<ul><li>one</li><li>two</li></ul>after", "one\ntwo\n\nafter", "one two after" },
	{ "<ol><li>one<li>two</ol>", "one\ntwo", "one two" },
	{ "<table><tr><th>H1</th><th>H2</th></tr><tr><td>a</td><td>b</td></tr></table>",
	  "H1 H2\na b", "H1 H2 a b" },
	/* <pre> keeps its line breaks (blank lines squeezed). */
	{ "<pre>line1\nline2\n\n\n\nline3</pre>after", "line1\nline2\n\nline3\n\nafter",
	  "line1 line2 line3 after" },
	/* Dropped content. */
	{ "<script>alert('x')</script>Safe", "Safe", NULL },
	{ "<script>if (a < b && c > d) document.write('<p>no</p>')</script>ok", "ok", NULL },
	{ "<style>p { color: red }</style>Styled", "Styled", NULL },
	{ "<noscript>Enable JS</noscript>Visible", "Visible", NULL },
	{ "<template><p>tpl</p></template>Out", "Out", NULL },
	{ "<title>T</title>Body", "Body", NULL },
	{ "<head><title>T</title></head><body>B</body>", "B", NULL },
	{ "<html><head><style>x</style></head><body><p>B</p></body></html>", "B", NULL },
	{ "<link rel=stylesheet href=x>Hello", "Hello", NULL },
	{ "<img src='x.png' alt='Picture'>Caption", "Caption", NULL },
	{ "A<img src=a.png alt=\"alt text\">B", "AB", NULL },
	{ "<!-- hidden comment -->Shown", "Shown", NULL },
	{ "<iframe src=x>fallback</iframe>Real", "Real", NULL },
	{ "a<noscript><p>x</p><br></noscript>b", "ab", NULL },
	{ "<video><p>No video support</p></video>Clip", "Clip", NULL },
	/* Unbalanced tags: the words survive, in order. */
	{ "<p>unclosed <b>bold <i>italic", "unclosed bold italic", NULL },
	{ "one </b>two </p>three </div>four", NULL, "one two three four" },
	{ "<b><i>x</b></i>y", "xy", NULL },
	{ "<div><p>a</div>b", NULL, "a b" },
	/* Entities: one level by the parser, a second one by us. */
	{ "caf&eacute; &#233; &#xE9; &lt;&gt;&quot;", "café é é <>\"", NULL },
	{ "Tom&nbsp;&nbsp;&nbsp;Jerry", "Tom Jerry", NULL },
	{ "&lt;b&gt;not a tag&lt;/b&gt;", "<b>not a tag</b>", NULL },
	{ "&amp;#78;ATO", "NATO", NULL },
	{ "&amp;#x4E;ATO &amp;#x4e;", "NATO N", NULL },
	{ "&amp;amp;", "&", NULL },
	{ "Q&amp;amp;A", "Q&A", NULL },
	{ "&amp;copy; 2023 &amp;eacute;", "© 2023 é", NULL },
	{ "&amp;lt;b&amp;gt;", "<b>", NULL },
	{ "&amp;nbsp;&amp;nbsp;x&amp;#160;y", "x y", NULL },
	{ "&amp;foo; &amp;T &amp;#; &amp;#x;", "&foo; &T &#; &#x;", NULL },
	{ "&amp;#0;|&amp;#1;|&amp;#x1F;|&amp;#xD800;|&amp;#xDFFF;|&amp;#x110000;|"
	  "&amp;#99999999999999999999;", FFFD "|" FFFD "|" FFFD "|" FFFD "|" FFFD "|"
	  FFFD "|" FFFD, NULL },
	{ "&amp;#x10FFFF;&amp;#128512;", "\xf4\x8f\xbf\xbf" "😀", NULL },
	{ "&#146;quoted&#148; &#150; &#128;", "\xe2\x80\x99quoted\xe2\x80\x9d \xe2\x80\x93 €",
	  NULL },
	{ "<b>x</b>\xc2\x9b[31m", "x\xe2\x80\xba[31m", NULL },	/* raw C1 CSI -> U+203A */
	/* Unicode is kept; NBSP is a space; other spaces are left alone. */
	{ "<b>Emoji</b> 😀 中文 — ünïcödé", "Emoji 😀 中文 — ünïcödé", NULL },
	{ "<i>a</i>\xe2\x80\x83" "b", "a\xe2\x80\x83" "b", NULL },
	{ "<i>a</i>\xc2\xa0\xc2\xa0 b", "a b", NULL },
	/* Bad bytes: U+FFFD, never a Latin-1 reading of the whole text. */
	{ "<b>caf\xe9</b> na\xc3\xafve", "caf" FFFD " naïve", NULL },
	{ "<b>x</b>\xff\xfe", "x" FFFD FFFD, NULL },
	{ "<b>a\x01" "b\x1b" "c</b>", "a" FFFD "b" FFFD "c", NULL },
	{ "<b>cut \xe2\x82</b>", "cut " FFFD FFFD, NULL },
	{ "<meta charset='iso-8859-1'><p>café</p>", "café", NULL },
	{ "<meta http-equiv=Content-Type content='text/html; charset=koi8-r'>café", "café",
	  NULL },
	/* Titles. */
	{ "Breaking:\n  <b>News</b>\n\nToday", "Breaking: News Today", NULL },
	{ "<h2>Big</h2>\n<p>Story</p>", "Big\n\nStory", "Big Story" },
};

/* A TAP-safe name: control bytes and line breaks shown as \xNN. */
static char *
case_name(const char *prefix, const char *s, size_t n)
{
	struct buf b;

	buf_init(&b, 0);
	buf_appends(&b, prefix);
	buf_appendc(&b, '"');
	for (size_t i = 0; i < n && i < 70; i++) {
		char esc[8];

		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			snprintf(esc, sizeof(esc), "\\x%02x", (unsigned char)s[i]);
			buf_appends(&b, esc);
		} else {
			buf_appendc(&b, s[i]);
		}
	}
	buf_appends(&b, n > 70 ? "...\"" : "\"");
	return buf_steal(&b);
}

static bool
is_utf8(const char *s)
{
	return utf8_valid_prefix(s, strlen(s)) == strlen(s);
}

static void
test_case(void **state)
{
	const struct html_case *c = *state;
	char *text = html_to_text(c->in, strlen(c->in), 0);
	char *line = html_to_line(c->in, strlen(c->in), 0);
	const char *want_line = c->line != NULL ? c->line : c->text;

	if (c->text != NULL && strcmp(text, c->text) != 0)
		fail_msg("html_to_text: got \"%s\", want \"%s\"", text, c->text);
	if (strcmp(line, want_line) != 0)
		fail_msg("html_to_line: got \"%s\", want \"%s\"", line, want_line);
	assert_true(is_utf8(text));
	assert_null(strchr(line, '\n'));
	free(text);
	free(line);
}

struct markup_case {
	const char *s;
	int want;
};

static const struct markup_case markup_cases[] = {
	{ "<p>", 1 }, { "a <b>bold", 1 }, { "</div>", 1 }, { "<!-- c -->", 1 },
	{ "x<Y", 1 }, { "&amp;", 1 }, { "&#39;", 1 }, { "&#x27;", 1 }, { "&nbsp;", 1 },
	{ "&foo;", 1 }, { "a&#X1F600;b", 1 }, { "a<!DOCTYPE", 1 },
	{ "", 0 }, { "plain", 0 }, { "a < b", 0 }, { "a<1", 0 }, { "AT&T", 0 }, { "&", 0 },
	{ "& amp;", 0 }, { "&#;", 0 }, { "&#x;", 0 }, { "&#xg;", 0 }, { "<", 0 },
	{ "x<", 0 }, { "&amp", 0 }, { "<3", 0 }, { "< p>", 0 }, { "&;", 0 }, { "&1a;", 0 },
	{ "R&D Q&A", 0 },
};

static void
test_looks_like_markup(void **state)
{
	assert_false(html_looks_like_markup(NULL));
	for (size_t i = 0; i < sizeof(markup_cases) / sizeof(markup_cases[0]); i++) {
		int got = html_looks_like_markup(markup_cases[i].s) != 0;

		if (got != markup_cases[i].want)
			fail_msg("html_looks_like_markup(\"%s\") = %d", markup_cases[i].s, got);
	}
}

static void
test_r_and_d(void **state)
{
	/* "R&D;" looks like an entity reference by shape, and that is all we promise. */
	assert_true(html_looks_like_markup("R&D; x"));
}

static void
test_null_and_len(void **state)
{
	char *s = html_to_text(NULL, 0, 0);

	assert_string_equal(s, "");
	free(s);
	/* len is honoured: nothing after it is read. */
	s = html_to_text("<b>abc</b>def", 9, 0);
	assert_string_equal(s, "abc");
	free(s);
	s = html_to_line("hello world", 5, 0);
	assert_string_equal(s, "hello");
	free(s);
}

static void
test_nul_bytes(void **state)
{
	static const char in[] = "<b>a\0b</b>c\0d";
	char *s = html_to_text(in, sizeof(in) - 1, 0);

	assert_string_equal(s, "a" FFFD "bc" FFFD "d");
	free(s);
	s = html_to_text("a\0b", 3, 0);	/* plain-text path */
	assert_string_equal(s, "a" FFFD "b");
	free(s);
}

static void
test_cap_small(void **state)
{
	char *s;

	s = html_to_text("<p>abc</p><p>def</p>", 20, 4);
	assert_string_equal(s, "abc");
	free(s);
	s = html_to_text("<p>abc</p><p>def</p>", 20, 5);	/* no room after "\n\n" */
	assert_string_equal(s, "abc");
	free(s);
	s = html_to_text("<p>abc</p><p>def</p>", 20, 6);
	assert_string_equal(s, "abc\n\nd");
	free(s);
	s = html_to_text("hello world", 11, 8);
	assert_string_equal(s, "hello wo");
	free(s);
	s = html_to_text("hello world", 11, 11);
	assert_string_equal(s, "hello world");
	free(s);
	/* Never half a character: "é" is two bytes, "😀" four. */
	s = html_to_text("<b>ééééé</b>", strlen("<b>ééééé</b>"), 7);
	assert_string_equal(s, "ééé");
	free(s);
	s = html_to_line("😀😀😀", strlen("😀😀😀"), 11);
	assert_string_equal(s, "😀😀");
	free(s);
	s = html_to_text("&amp;#x1F600;&amp;#x1F600;", 26, 6);
	assert_string_equal(s, "😀");
	free(s);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
test_cap_5mb(void **state)
{
	static const char para[] = "<p>Lorem <b>ipsum</b> dolor &amp; sit amet, caf&eacute; "
	    "&#8212; 中文 😀</p>\n";
	size_t n = 5 * 1024 * 1024, plen = sizeof(para) - 1, len = 0;
	char *in = xmalloc(n + 1), *s;
	double t0;

	while (len + plen <= n) {
		memcpy(in + len, para, plen);
		len += plen;
	}
	in[len] = '\0';
	t0 = now();
	s = html_to_text(in, len, 4096);
	assert_true(strlen(s) <= 4096);
	assert_true(strlen(s) > 4000);
	assert_true(is_utf8(s));
	assert_memory_equal(s, "Lorem ipsum dolor & sit amet, café — 中文 😀\n\nLorem", 54);
	free(s);
	s = html_to_line(in, len, 100);
	assert_true(strlen(s) <= 100 && strlen(s) > 90);
	assert_null(strchr(s, '\n'));
	free(s);
	/* Capped output means we stopped reading: far quicker than the whole parse. */
	if (now() - t0 > 1.0)
		fail_msg("capped conversion of 5 MB took %.2f s", now() - t0);
	/* One huge text node, and the whole thing uncapped, still work. */
	memset(in, 'x', n);
	in[n] = '\0';
	memcpy(in, "<b>", 3);
	s = html_to_text(in, n, 1000);
	assert_int_equal(strlen(s), 1000);
	free(s);
	s = html_to_text(in, n, 0);
	assert_int_equal(strlen(s), n - 3);
	free(s);
	free(in);
}

static void
test_deep_nesting(void **state)
{
	const int depth = 10000;
	struct buf b;
	char *s;
	double t0;

	buf_init(&b, 0);
	buf_appends(&b, "top");
	for (int i = 0; i < depth; i++)
		buf_appends(&b, "<div>");
	buf_appends(&b, "deep");
	for (int i = 0; i < depth; i++)
		buf_appends(&b, "</div>");
	t0 = now();
	s = html_to_text(b.data, b.len, 0);
	assert_true(is_utf8(s));
	assert_true(strncmp(s, "top", 3) == 0);
	free(s);
	if (now() - t0 > 2.0)
		fail_msg("10,000 nested <div>s took %.2f s", now() - t0);
	buf_free(&b);
}

static void
test_mismatched_nesting(void **state)
{
	/* 200,000 open <b>s then 200,000 stray </i>s: libxml2 scans its element stack for
	 * every end tag, so without a depth limit this is quadratic. */
	struct buf b;
	char *s;
	double t0;

	buf_init(&b, 0);
	buf_appends(&b, "start ");
	for (int i = 0; i < 200000; i++)
		buf_appends(&b, "<b>");
	for (int i = 0; i < 200000; i++)
		buf_appends(&b, "</i>x");
	t0 = now();
	s = html_to_text(b.data, b.len, 0);
	assert_true(strncmp(s, "start", 5) == 0);
	free(s);
	if (now() - t0 > 5.0)
		fail_msg("mismatched nesting took %.2f s", now() - t0);
	buf_free(&b);
}

static void
test_chunk_boundaries(void **state)
{
	/* Input goes to libxml2 in 64 KiB chunks and long text runs are decoded in 64 KiB
	 * pieces: a character or an entity reference cut at either edge must survive. */
	const size_t base = 64 * 1024;

	for (size_t pad = base - 12; pad <= base + 4; pad++) {
		struct buf in;
		char *s;

		buf_init(&in, 0);
		buf_appends(&in, "<b>");
		for (size_t i = 3; i < pad; i++)
			buf_appendc(&in, 'a');
		buf_appends(&in, "\xe2\x82\xac|&amp;#78;|\xff|&amp;amp;</b>");
		s = html_to_text(in.data, in.len, 0);
		if (strlen(s) != pad - 3 + strlen("\xe2\x82\xac|N|" FFFD "|&") ||
		    strcmp(s + pad - 3, "\xe2\x82\xac|N|" FFFD "|&") != 0)
			fail_msg("pad %zu: output ends with \"%s\"", pad,
			    s + (strlen(s) > 20 ? strlen(s) - 20 : 0));
		free(s);
		buf_free(&in);
	}
}

static void
test_no_stderr(void **state)
{
	/* Tag soup, bad bytes and bad entities: libxml2 must not print a word. */
	static const char *const soup[] = {
		"<p>a<b>c</p></i></zz><<<>>>&bogus;&#xFFFFFFFF;&#0;</",
		"<!DOCTYPE html PUBLIC \"x\" \"http://127.0.0.1:1/x.dtd\"><html><head>",
		"\xff\xfe<\x00p>\x80\x81",
		"<a href=\"x\" <b =c d='e>f</a>",
		"<?xml version='1.0' encoding='x-no-such'?><p>x",
		"<meta charset=x-no-such><p>x</p>",
		"<!-- unterminated comment",
		"<script>never closed",
		"</p></p></p></br></br>",
	};
	char path[] = "/tmp/test_html_stderr.XXXXXX";
	int fd = mkstemp(path), saved = dup(2);
	off_t size;

	assert_true(fd >= 0 && saved >= 0);
	fflush(stderr);
	dup2(fd, 2);
	for (size_t i = 0; i < sizeof(soup) / sizeof(soup[0]); i++) {
		size_t n = strlen(soup[i]) + (i == 2 ? 6 : 0);
		char *s = html_to_text(soup[i], n, 0);

		assert_true(is_utf8(s));
		free(s);
	}
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	size = lseek(fd, 0, SEEK_END);
	close(fd);
	unlink(path);
	assert_int_equal(size, 0);
}

static void
test_random_bytes(void **state)
{
	/* Random mixes of markup pieces and bytes: valid UTF-8 out, the cap honoured. */
	static const char *const pieces[] = {
		"<p>", "</p>", "<b>", "</i>", "<br>", "<script>", "</script>", "&amp;", "&#",
		"x;", "&lt;", "<!--", "-->", "\xc3", "\xa9", "\xff", "\x01", " ", "\n", "word",
		"<", ">", "&", "<pre>", "<td>", "&amp;#x", "41;", "\xc2\xa0", "\xc2\x85",
		"<style>", "<title>", "</title>", "<![CDATA[", "]]>",
	};
	uint64_t x = 0xdeadbeefcafef00dULL;
	struct buf b;

	buf_init(&b, 0);
	for (int i = 0; i < 3000; i++) {
		size_t cap = i % 5 == 0 ? 0 : (size_t)(i % 97) + 1;
		char *t, *l;

		buf_reset(&b);
		for (int k = 0; k < 40; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			buf_appends(&b, pieces[x % (sizeof(pieces) / sizeof(pieces[0]))]);
		}
		t = html_to_text(b.data, b.len, cap);
		l = html_to_line(b.data, b.len, cap);
		if (!is_utf8(t) || !is_utf8(l))
			fail_msg("invalid UTF-8 from input %d", i);
		if (cap > 0 && (strlen(t) > cap || strlen(l) > cap))
			fail_msg("cap %zu exceeded on input %d", cap, i);
		if (strchr(l, '\n') != NULL)
			fail_msg("line break in html_to_line output, input %d", i);
		for (const char *p = t; *p; p++)
			if ((unsigned char)*p < 0x20 && *p != '\n')
				fail_msg("control byte in output, input %d", i);
		if (t[0] == ' ' || t[0] == '\n' || (t[0] && (t[strlen(t) - 1] == ' ' ||
		    t[strlen(t) - 1] == '\n')))
			fail_msg("untrimmed output for input %d", i);
		free(t);
		free(l);
	}
	buf_free(&b);
}

int
main(void)
{
	size_t nc = sizeof(cases) / sizeof(cases[0]);
	const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_looks_like_markup),
		cmocka_unit_test(test_r_and_d),
		cmocka_unit_test(test_null_and_len),
		cmocka_unit_test(test_nul_bytes),
		cmocka_unit_test(test_cap_small),
		cmocka_unit_test(test_cap_5mb),
		cmocka_unit_test(test_chunk_boundaries),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_mismatched_nesting),
		cmocka_unit_test(test_no_stderr),
		cmocka_unit_test(test_random_bytes),
	};
	size_t nf = sizeof(fixed) / sizeof(fixed[0]);
	struct CMUnitTest *tests = xcalloc(nc + nf, sizeof(*tests));
	int rc;

	for (size_t i = 0; i < nc; i++) {
		tests[i].name = case_name("html ", cases[i].in, strlen(cases[i].in));
		tests[i].test_func = test_case;
		tests[i].initial_state = (void *)&cases[i];
	}
	memcpy(tests + nc, fixed, sizeof(fixed));
	rc = _cmocka_run_group_tests("html", tests, nc + nf, NULL, NULL);
	for (size_t i = 0; i < nc; i++)
		free((char *)tests[i].name);
	free(tests);
	return rc;
}
