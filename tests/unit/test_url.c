/* test_url.c — url_resolve() and url_is_http(): RFC 3986 section 5.4 examples (the
 * expected strings are the RFC's), our scheme policy, clean-up of feed whitespace,
 * IRIs, and xml:base chains. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "url.h"
#include "util.h"

struct url_case {
	const char *base;
	const char *ref;
	const char *want;	/* NULL: url_resolve() must return NULL */
};

#define RFC_BASE "http://a/b/c/d;p?q"

static const struct url_case cases[] = {
	/* RFC 3986 5.4.1, normal examples ("g:h" and "" are policy cases below). */
	{ RFC_BASE, "g", "http://a/b/c/g" },
	{ RFC_BASE, "./g", "http://a/b/c/g" },
	{ RFC_BASE, "g/", "http://a/b/c/g/" },
	{ RFC_BASE, "/g", "http://a/g" },
	{ RFC_BASE, "//g", "http://g/" },	/* RFC: "http://g"; curl adds the root "/" */
	{ RFC_BASE, "?y", "http://a/b/c/d;p?y" },
	{ RFC_BASE, "g?y", "http://a/b/c/g?y" },
	{ RFC_BASE, "#s", "http://a/b/c/d;p?q#s" },
	{ RFC_BASE, "g#s", "http://a/b/c/g#s" },
	{ RFC_BASE, "g?y#s", "http://a/b/c/g?y#s" },
	{ RFC_BASE, ";x", "http://a/b/c/;x" },
	{ RFC_BASE, "g;x", "http://a/b/c/g;x" },
	{ RFC_BASE, "g;x?y#s", "http://a/b/c/g;x?y#s" },
	{ RFC_BASE, ".", "http://a/b/c/" },
	{ RFC_BASE, "./", "http://a/b/c/" },
	{ RFC_BASE, "..", "http://a/b/" },
	{ RFC_BASE, "../", "http://a/b/" },
	{ RFC_BASE, "../g", "http://a/b/g" },
	{ RFC_BASE, "../..", "http://a/" },
	{ RFC_BASE, "../../", "http://a/" },
	{ RFC_BASE, "../../g", "http://a/g" },
	/* RFC 3986 5.4.2, abnormal examples. */
	{ RFC_BASE, "../../../g", "http://a/g" },
	{ RFC_BASE, "../../../../g", "http://a/g" },
	{ RFC_BASE, "/./g", "http://a/g" },
	{ RFC_BASE, "/../g", "http://a/g" },
	{ RFC_BASE, "g.", "http://a/b/c/g." },
	{ RFC_BASE, ".g", "http://a/b/c/.g" },
	{ RFC_BASE, "g..", "http://a/b/c/g.." },
	{ RFC_BASE, "..g", "http://a/b/c/..g" },
	{ RFC_BASE, "./../g", "http://a/b/g" },
	{ RFC_BASE, "./g/.", "http://a/b/c/g/" },
	{ RFC_BASE, "g/./h", "http://a/b/c/g/h" },
	{ RFC_BASE, "g/../h", "http://a/b/c/h" },
	{ RFC_BASE, "g;x=1/./y", "http://a/b/c/g;x=1/y" },
	{ RFC_BASE, "g;x=1/../y", "http://a/b/c/y" },
	{ RFC_BASE, "g?y/./x", "http://a/b/c/g?y/./x" },
	{ RFC_BASE, "g?y/../x", "http://a/b/c/g?y/../x" },
	{ RFC_BASE, "g#s/./x", "http://a/b/c/g#s/./x" },
	{ RFC_BASE, "g#s/../x", "http://a/b/c/g#s/../x" },
	/* A base with a fragment: the fragment never carries over. */
	{ "http://a/b?q#f", "#g", "http://a/b?q#g" },
	{ "http://a/b?q#f", "c", "http://a/c" },
	{ "https://example.com/news/", "/img/x.png", "https://example.com/img/x.png" },
	{ "https://example.com:8443/a/b", "c", "https://example.com:8443/a/c" },
	{ "https://user@example.com/a/", "b", "https://user@example.com/a/b" },
	{ "http://[::1]:8080/feed", "item/1", "http://[::1]:8080/item/1" },
	{ "https://example.com/feed", "//cdn.example.net/x", "https://cdn.example.net/x" },
	{ "ftp://example.com/pub/", "file.txt", "ftp://example.com/pub/file.txt" },
	/* Absolute references are returned as written, not normalised. */
	{ RFC_BASE, "https://Example.COM/a/../b?x=%41", "https://Example.COM/a/../b?x=%41" },
	{ NULL, "HTTP://example.com/", "HTTP://example.com/" },
	{ RFC_BASE, "ftp://example.com/x", "ftp://example.com/x" },
	/* Harmless opaque schemes, kept as written. */
	{ RFC_BASE, "mailto:news@example.com", "mailto:news@example.com" },
	{ RFC_BASE, "magnet:?xt=urn:btih:c12fe1&dn=x", "magnet:?xt=urn:btih:c12fe1&dn=x" },
	{ RFC_BASE, "tel:+15555550100", "tel:+15555550100" },
	{ NULL, "MailTo:a@b.c", "MailTo:a@b.c" },
	/* Refused schemes, in any case and however they are hidden. */
	{ RFC_BASE, "javascript:alert(1)", NULL },
	{ RFC_BASE, "JavaScript:alert(1)", NULL },
	{ RFC_BASE, " \tjava\nscript:alert(1)", NULL },
	{ RFC_BASE, "java\r\nscript:alert(1)", NULL },
	{ RFC_BASE, "\x01javascript:alert(1)", NULL },
	{ RFC_BASE, "data:text/html;base64,PHNjcmlwdD4=", NULL },
	{ RFC_BASE, "DATA:image/png,x", NULL },
	{ RFC_BASE, "vbscript:msgbox", NULL },
	{ RFC_BASE, "file:///etc/passwd", NULL },
	{ NULL, "file:///etc/passwd", NULL },
	{ RFC_BASE, "g:h", NULL },
	{ RFC_BASE, "feed:https://example.com/rss", NULL },
	{ RFC_BASE, "http:g", NULL },		/* not a usable absolute URL */
	{ RFC_BASE, "http://a b/", NULL },	/* a space in the host */
	{ RFC_BASE, "https://", NULL },
	/* Blank references. */
	{ RFC_BASE, "", NULL },
	{ RFC_BASE, "   ", NULL },
	{ RFC_BASE, " \n\t\r ", NULL },
	{ NULL, "", NULL },
	/* White space from feeds: trimmed, and dropped inside. */
	{ RFC_BASE, "  \n  g  \n", "http://a/b/c/g" },
	{ RFC_BASE, "http://example.com/a\n/b\t/c", "http://example.com/a/b/c" },
	{ NULL, "\n   https://example.com/x   \n", "https://example.com/x" },
	{ "  https://example.com/dir/\n", "x", "https://example.com/dir/x" },
	/* Spaces and control bytes are percent-encoded, not passed on raw. */
	{ "https://example.com/", "a b.html", "https://example.com/a%20b.html" },
	{ NULL, "https://example.com/a b?q=c d", "https://example.com/a%20b?q=c%20d" },
	{ NULL, "https://example.com/\x7f", "https://example.com/%7F" },
	{ NULL, "https://example.com/x\xffy", "https://example.com/x%FFy" },
	/* No usable base: the cleaned reference comes back as it is. */
	{ NULL, "/x", "/x" },
	{ NULL, " ../x ", "../x" },
	{ "relative/base/", "x", "x" },
	{ "/abs/path", "x?y", "x?y" },
	{ "mailto:a@b.c", "x", "x" },
	{ "javascript:alert(1)", "x", "x" },
	{ "", "x", "x" },
	/* IRIs: UTF-8 stays UTF-8 in absolute links. */
	{ NULL, "https://例え.jp/パス", "https://例え.jp/パス" },
	{ "https://例え.jp/パス/", "x", "https://例え.jp/パス/x" },
	{ "https://example.com/", "//例え.jp/x", "https://例え.jp/x" },
};

static const char *
show(const char *s)
{
	return s != NULL ? s : "(null)";
}

/* A TAP-safe test name: control bytes shown as \xNN. */
static char *
case_name(const struct url_case *c)
{
	struct buf b;
	const char *parts[2] = { show(c->base), show(c->ref) };

	buf_init(&b, 0);
	buf_appends(&b, "url_resolve(");
	for (int k = 0; k < 2; k++) {
		buf_appends(&b, k ? ", \"" : "\"");
		for (const char *p = parts[k]; *p; p++) {
			char esc[8];

			if ((unsigned char)*p < 0x20 || *p == 0x7f) {
				snprintf(esc, sizeof(esc), "\\x%02x", (unsigned char)*p);
				buf_appends(&b, esc);
			} else {
				buf_appendc(&b, *p);
			}
		}
		buf_appendc(&b, '"');
	}
	buf_appendc(&b, ')');
	return buf_steal(&b);
}

static void
test_case(void **state)
{
	const struct url_case *c = *state;
	char *got = url_resolve(c->base, c->ref);

	if (c->want == NULL ? got != NULL : got == NULL || strcmp(got, c->want) != 0)
		fail_msg("url_resolve(\"%s\", \"%s\") = \"%s\", want \"%s\"", show(c->base),
		    show(c->ref), show(got), show(c->want));
	free(got);
}

static void
test_null_ref(void **state)
{
	assert_null(url_resolve(RFC_BASE, NULL));
	assert_null(url_resolve(NULL, NULL));
}

static void
test_relative_iri(void **state)
{
	/* A relative IRI path is percent-encoded as UTF-8 (E3 83 91 E3 82 B9 is "パス");
	 * hex case is curl's business, so compare without it. */
	char *got = url_resolve("https://example.com/a/", "パス?q=é");

	assert_non_null(got);
	if (strcasecmp(got, "https://example.com/a/%E3%83%91%E3%82%B9?q=%C3%A9") != 0)
		fail_msg("got %s", got);
	assert_true(url_is_http(got));
	free(got);
}

static void
test_xml_base_chain(void **state)
{
	/* <feed xml:base="../blog/"> <entry xml:base="2023/"> <link href="post.html">,
	 * fetched from http://example.com/feeds/rss.xml. */
	char *b1 = url_resolve("http://example.com/feeds/rss.xml", "../blog/");
	char *b2 = url_resolve(b1, "2023/");
	char *l = url_resolve(b2, "post.html?id=1#c");
	char *l2 = url_resolve(b2, "/about");
	char *b3 = url_resolve(b2, "https://mirror.example.org/x/");
	char *l3 = url_resolve(b3, "../y");

	assert_string_equal(b1, "http://example.com/blog/");
	assert_string_equal(b2, "http://example.com/blog/2023/");
	assert_string_equal(l, "http://example.com/blog/2023/post.html?id=1#c");
	assert_string_equal(l2, "http://example.com/about");
	assert_string_equal(b3, "https://mirror.example.org/x/");
	assert_string_equal(l3, "https://mirror.example.org/y");
	free(b1);
	free(b2);
	free(l);
	free(l2);
	free(b3);
	free(l3);
}

static void
test_xml_base_unknown_document(void **state)
{
	/* No document URL: the chain stays relative, and no step invents a host. */
	char *b1 = url_resolve(NULL, "/blog/");
	char *l = url_resolve(b1, "post.html");
	char *b2 = url_resolve(NULL, "https://example.com/blog/");
	char *l2 = url_resolve(b2, "post.html");

	assert_string_equal(b1, "/blog/");
	assert_string_equal(l, "post.html");
	assert_string_equal(l2, "https://example.com/blog/post.html");
	free(b1);
	free(l);
	free(b2);
	free(l2);
}

static void
test_long_ref(void **state)
{
	size_t n = 200 * 1024;
	char *big = xmalloc(n + 1);
	char *got;

	memset(big, 'a', n);
	big[n] = '\0';
	assert_null(url_resolve(RFC_BASE, big));	/* 200 KiB: not a link */
	big[4000] = '\0';
	got = url_resolve(RFC_BASE, big);
	assert_non_null(got);
	assert_int_equal(strlen(got), strlen("http://a/b/c/") + 4000);
	free(got);
	free(big);
}

static void
test_results_are_clean(void **state)
{
	/* Whatever goes in, what comes out has no white space, no control byte and is
	 * UTF-8 (garbage in bases and references, at random). */
	const char pool[] = "ab/.?#:%&= \t\n\x01\x7f\xc3\xa9\xff[]@";
	uint64_t x = 0x2545f4914f6cdd1dULL;
	char ref[24], base[40];

	for (int i = 0; i < 20000; i++) {
		char *got;

		for (size_t k = 0; k < sizeof(ref) - 1; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			ref[k] = pool[x % (sizeof(pool) - 1)];
		}
		ref[x % sizeof(ref)] = '\0';
		ref[sizeof(ref) - 1] = '\0';
		snprintf(base, sizeof(base), "http://h/%.20s", ref + 3);
		got = url_resolve(i % 3 ? base : NULL, ref);
		if (got == NULL)
			continue;
		for (const char *p = got; *p; p++)
			if ((unsigned char)*p <= 0x20 || *p == 0x7f)
				fail_msg("control or space in \"%s\"", got);
		if (utf8_valid_prefix(got, strlen(got)) != strlen(got))
			fail_msg("not UTF-8: \"%s\" from \"%s\" + \"%s\"", got, i % 3 ? base : "NULL", ref);
		assert_int_equal(utf8_valid_prefix(got, strlen(got)), strlen(got));
		free(got);
	}
}

static void
test_is_http(void **state)
{
	assert_true(url_is_http("http://example.com"));
	assert_true(url_is_http("https://example.com/a?b#c"));
	assert_true(url_is_http("HTTPS://EXAMPLE.COM/"));
	assert_true(url_is_http("http://127.0.0.1:8080/feed.xml"));
	assert_true(url_is_http("http://[::1]/x"));
	assert_true(url_is_http("https://例え.jp/パス"));
	assert_false(url_is_http(NULL));
	assert_false(url_is_http(""));
	assert_false(url_is_http("http://"));
	assert_false(url_is_http("http:example.com"));
	assert_false(url_is_http("//example.com/x"));
	assert_false(url_is_http("/x"));
	assert_false(url_is_http("ftp://example.com/"));
	assert_false(url_is_http("mailto:a@example.com"));
	assert_false(url_is_http("javascript:alert(1)"));
	assert_false(url_is_http("httpx://example.com"));
	assert_false(url_is_http(" http://example.com"));
	assert_false(url_is_http("http://exa mple.com/"));
}

/* url_canonical: the same story under different spellings of its link. */
static void
test_canonical(void **state)
{
	static const char *const canon_cases[][2] = {
		{ "https://News.Example.org/story/43?utm_source=rss&utm_medium=feed#comments",
		  "https://news.example.org/story/43" },
		{ "https://news.example.org/story/43", "https://news.example.org/story/43" },
		{ "HTTP://A.B/x?id=7&utm_campaign=z&p=2", "http://a.b/x?id=7&p=2" },
		{ "https://a.b:443/x?fbclid=123", "https://a.b/x" },
		{ "https://a.b/x?utm=keep", "https://a.b/x?utm=keep" },
		{ "https://a.b/Path/Case", "https://a.b/Path/Case" },
		{ "mailto:x@y", "mailto:x@y" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof canon_cases / sizeof canon_cases[0]; i++) {
		char *got = url_canonical(canon_cases[i][0]);
		if (strcmp(got, canon_cases[i][1]) != 0)
			fail_msg("%s: got %s, want %s", canon_cases[i][0], got, canon_cases[i][1]);
		free(got);
	}
	assert_null(url_canonical(NULL));
}

int
main(void)
{
	size_t nc = sizeof(cases) / sizeof(cases[0]);
	const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_null_ref),
		cmocka_unit_test(test_relative_iri),
		cmocka_unit_test(test_xml_base_chain),
		cmocka_unit_test(test_xml_base_unknown_document),
		cmocka_unit_test(test_long_ref),
		cmocka_unit_test(test_results_are_clean),
		cmocka_unit_test(test_is_http),
		cmocka_unit_test(test_canonical),
	};
	size_t nf = sizeof(fixed) / sizeof(fixed[0]);
	struct CMUnitTest *tests = xcalloc(nc + nf, sizeof(*tests));
	int rc;

	for (size_t i = 0; i < nc; i++) {
		tests[i].name = case_name(&cases[i]);
		tests[i].test_func = test_case;
		tests[i].initial_state = (void *)&cases[i];
	}
	memcpy(tests + nc, fixed, sizeof(fixed));
	rc = _cmocka_run_group_tests("url", tests, nc + nf, NULL, NULL);
	for (size_t i = 0; i < nc; i++)
		free((char *)tests[i].name);
	free(tests);
	return rc;
}
