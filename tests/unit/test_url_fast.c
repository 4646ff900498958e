/* test_url_fast.c — proves that the fast paths of daemon/url.c (the one-copy clean-up,
 * the hand check of simple http/https/ftp URLs, the memo of the last base, the hand
 * resolution of simple relative references) change no result: url_resolve() and
 * url_is_http() are compared, byte for byte and NULL for NULL, with the implementation
 * they replaced, kept below as the reference (ref_*, a verbatim copy of url.c before the
 * change, with every URL checked and every relative reference resolved by curl). The
 * inputs are the cases of test_url.c crossed with each other, and tens of thousands of
 * URLs and of (base, relative reference) pairs built at random (fixed seed) from pieces
 * chosen to sit on both sides of every rule of the fast paths, then mutated byte by
 * byte. */
#include <dlfcn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "url.h"
#include "util.h"

/* ---- the reference: daemon/url.c as it was before the fast paths ----------------------- */

#define REF_URL_MAX_LEN (64 * 1024)

enum ref_scheme {
	REF_SCHEME_NONE,
	REF_SCHEME_HIER,
	REF_SCHEME_OPAQUE,
	REF_SCHEME_BAD,
};

static char *ref_url_clean(const char *s);
static enum ref_scheme ref_url_scheme_of(const char *s);
static bool ref_url_parses(const char *url, bool http_only);
static char *ref_url_resolve_curl(const char *base, const char *ref);
static char *ref_url_resolve(const char *base, const char *ref);
static bool ref_url_is_http(const char *url);

static char *
ref_url_clean(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t a = 0, n = strlen(s), i = 0;
	struct buf b;

	while (a < n && (unsigned char)s[a] <= 0x20)
		a++;
	while (n > a && (unsigned char)s[n - 1] <= 0x20)
		n--;
	if (n == a || n - a > REF_URL_MAX_LEN)
		return NULL;
	s += a;
	n -= a;
	buf_init(&b, 0);
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		size_t k;

		if (c == '\t' || c == '\n' || c == '\r') {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xf4) {
			k = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
			if (k <= n - i && utf8_valid_prefix(s + i, k) == k) {
				buf_append(&b, s + i, k);
				i += k;
				continue;
			}
		}
		if (c <= 0x20 || c == 0x7f || c >= 0x80) {
			char esc[3] = { '%', hex[c >> 4], hex[c & 15] };

			buf_append(&b, esc, 3);
			i++;
			continue;
		}
		buf_appendc(&b, (char)c);
		i++;
	}
	return buf_steal(&b);
}

static enum ref_scheme
ref_url_scheme_of(const char *s)
{
	static const char *const hier[] = { "http", "https", "ftp" };
	static const char *const opaque[] = { "mailto", "magnet", "tel" };
	size_t n = 0;

	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return REF_SCHEME_NONE;
	while ((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') ||
	    (s[n] >= '0' && s[n] <= '9') || s[n] == '+' || s[n] == '-' || s[n] == '.')
		n++;
	if (s[n] != ':')
		return REF_SCHEME_NONE;
	for (size_t i = 0; i < sizeof(hier) / sizeof(hier[0]); i++)
		if (strlen(hier[i]) == n && strncasecmp(s, hier[i], n) == 0)
			return REF_SCHEME_HIER;
	for (size_t i = 0; i < sizeof(opaque) / sizeof(opaque[0]); i++)
		if (strlen(opaque[i]) == n && strncasecmp(s, opaque[i], n) == 0)
			return REF_SCHEME_OPAQUE;
	return REF_SCHEME_BAD;
}

static bool
ref_url_parses(const char *url, bool http_only)
{
	CURLU *h = curl_url();
	char *scheme = NULL, *host = NULL;
	bool ok = false;

	if (h == NULL)
		return false;
	if (curl_url_set(h, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
	    curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(h, CURLUPART_HOST, &host, 0) == CURLUE_OK && host[0] != '\0') {
		ok = !http_only || strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0;
	}
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(h);
	return ok;
}

static char *
ref_url_resolve_curl(const char *base, const char *ref)
{
	const unsigned flags = CURLU_NON_SUPPORT_SCHEME;
	CURLU *h = curl_url();
	char *out = NULL, *res = NULL, *joined;

	if (h == NULL)
		return NULL;
	if (curl_url_set(h, CURLUPART_URL, base, flags) != CURLUE_OK)
		goto done;
	if (ref[0] == '#') {
		if (curl_url_set(h, CURLUPART_FRAGMENT, NULL, 0) != CURLUE_OK ||
		    curl_url_get(h, CURLUPART_URL, &out, 0) != CURLUE_OK)
			goto done;
		joined = xasprintf("%s%s", out, ref);
		res = ref_url_clean(joined);
		free(joined);
		goto done;
	}
	if (curl_url_set(h, CURLUPART_URL, ref, flags) != CURLUE_OK ||
	    curl_url_get(h, CURLUPART_URL, &out, 0) != CURLUE_OK)
		goto done;
	res = ref_url_clean(out);
done:
	curl_free(out);
	curl_url_cleanup(h);
	return res;
}

static char *
ref_url_resolve(const char *base, const char *ref)
{
	char *r, *b = NULL, *res;

	if (ref == NULL || (r = ref_url_clean(ref)) == NULL)
		return NULL;
	switch (ref_url_scheme_of(r)) {
	case REF_SCHEME_OPAQUE:
		return r;
	case REF_SCHEME_HIER:
		if (ref_url_parses(r, false))
			return r;
		free(r);
		return NULL;
	case REF_SCHEME_BAD:
		free(r);
		return NULL;
	case REF_SCHEME_NONE:
		break;
	}
	if (base != NULL)
		b = ref_url_clean(base);
	if (b == NULL || ref_url_scheme_of(b) != REF_SCHEME_HIER || !ref_url_parses(b, false)) {
		free(b);
		return r;
	}
	res = ref_url_resolve_curl(b, r);
	free(b);
	if (res == NULL)
		return r;
	free(r);
	return res;
}

static bool
ref_url_is_http(const char *url)
{
	if (url == NULL || (strncasecmp(url, "http://", 7) != 0 &&
	    strncasecmp(url, "https://", 8) != 0))
		return false;
	return ref_url_parses(url, true);
}

/* ---- comparison ------------------------------------------------------------------------ */

/* What the comparisons saw, to show the generated inputs reach every outcome. */
struct diff_stats {
	unsigned long pairs, null, kept, resolved, http_checks, http_true, diffs;
	unsigned long by_hand;	/* resolved without a CURLU handle: url_resolve_fast() */
};

/* CURLU handles asked for so far: curl_url() below interposes libcurl's (the test
 * binary's definition is the one url.o binds to), so that the comparison can tell the
 * references url.c resolved by hand from those it left to curl. */
static unsigned long curl_handles;

CURLU *curl_url(void);
static void escape_into(struct buf *b, const char *s);
static void diff_one(struct diff_stats *st, const char *base, const char *ref);
static void diff_http(struct diff_stats *st, const char *url);
static void print_stats(const struct diff_stats *st);

/* Counts a handle, then asks libcurl's curl_url() for it. */
CURLU *
curl_url(void)
{
	static CURLU *(*real)(void);

	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT, "curl_url");
	assert_non_null(real);
	curl_handles++;
	return real();
}

/* Appends s to b in C-string syntax, non-printable bytes as \xNN; "NULL" for NULL. */
static void
escape_into(struct buf *b, const char *s)
{
	if (s == NULL) {
		buf_appends(b, "NULL");
		return;
	}
	buf_appendc(b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[8];

		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
			snprintf(esc, sizeof(esc), "\\x%02x", c);
			buf_appends(b, esc);
		} else {
			buf_appendc(b, (char)c);
		}
	}
	buf_appendc(b, '"');
}

/* Compares url_resolve(base, ref) with the reference; prints the first few mismatches. */
static void
diff_one(struct diff_stats *st, const char *base, const char *ref)
{
	unsigned long handles = curl_handles;
	char *got = url_resolve(base, ref);
	bool no_curl = curl_handles == handles;
	char *want = ref_url_resolve(base, ref);

	st->pairs++;
	if (want == NULL) {
		st->null++;
	} else if (ref != NULL && strstr(want, "://") != NULL && strstr(ref, "://") == NULL) {
		st->resolved++;
		st->by_hand += no_curl;
	} else {
		st->kept++;
	}
	if ((got == NULL) != (want == NULL) || (got != NULL && strcmp(got, want) != 0)) {
		if (st->diffs++ < 20) {
			struct buf b;

			buf_init(&b, 0);
			buf_appends(&b, "url_resolve(");
			escape_into(&b, base);
			buf_appends(&b, ", ");
			escape_into(&b, ref);
			buf_appends(&b, ") = ");
			escape_into(&b, got);
			buf_appends(&b, ", reference ");
			escape_into(&b, want);
			print_error("%s\n", b.data);
			buf_free(&b);
		}
	}
	free(got);
	free(want);
}

/* Compares url_is_http(url) with the reference. */
static void
diff_http(struct diff_stats *st, const char *url)
{
	bool got = url_is_http(url), want = ref_url_is_http(url);

	st->http_checks++;
	st->http_true += want;
	if (got != want && st->diffs++ < 20) {
		struct buf b;

		buf_init(&b, 0);
		escape_into(&b, url);
		print_error("url_is_http(%s) = %d, reference %d\n", b.data, got, want);
		buf_free(&b);
	}
}

/* Prints what the comparisons saw. */
static void
print_stats(const struct diff_stats *st)
{
	print_message("    %lu pairs: %lu NULL, %lu resolved (%lu by hand), %lu kept; "
	    "%lu url_is_http, %lu true\n", st->pairs, st->null, st->resolved, st->by_hand,
	    st->kept, st->http_checks, st->http_true);
}

/* ---- the inputs of test_url.c, every base with every reference ------------------------- */

static const char *const seed_bases[] = {
	NULL, "", "http://a/b/c/d;p?q", "http://a/b?q#f", "https://example.com/news/",
	"https://example.com:8443/a/b", "https://user@example.com/a/", "http://[::1]:8080/feed",
	"https://example.com/feed", "ftp://example.com/pub/", "  https://example.com/dir/\n",
	"https://example.com/", "relative/base/", "/abs/path", "mailto:a@b.c",
	"javascript:alert(1)", "https://例え.jp/パス/", "http://example.com/feeds/rss.xml",
	"http://example.com/blog/", "http://example.com/blog/2023/", "https://mirror.example.org/x/",
	"/blog/", "http://h/", "HTTP://EXAMPLE.COM", "http://a_b/", "http://a..b/x",
	"http://a:0/", "http://a:65536/", "http://a:/x", "http://1.2.3.4/x", "http:///a/b",
	"https://a/b#", "https://a/b?", "http://a/b c", "http://a/%zz/",
};

static const char *const seed_refs[] = {
	"g", "./g", "g/", "/g", "//g", "?y", "g?y", "#s", "g#s", "g?y#s", ";x", "g;x",
	"g;x?y#s", ".", "./", "..", "../", "../g", "../..", "../../", "../../g", "../../../g",
	"../../../../g", "/./g", "/../g", "g.", ".g", "g..", "..g", "./../g", "./g/.", "g/./h",
	"g/../h", "g;x=1/./y", "g;x=1/../y", "g?y/./x", "g?y/../x", "g#s/./x", "g#s/../x",
	"#g", "c", "/img/x.png", "item/1", "//cdn.example.net/x", "file.txt",
	"https://Example.COM/a/../b?x=%41", "HTTP://example.com/", "ftp://example.com/x",
	"mailto:news@example.com", "magnet:?xt=urn:btih:c12fe1&dn=x", "tel:+15555550100",
	"MailTo:a@b.c", "javascript:alert(1)", "JavaScript:alert(1)", " \tjava\nscript:alert(1)",
	"java\r\nscript:alert(1)", "\x01javascript:alert(1)", "data:text/html;base64,PHNjcmlwdD4=",
	"DATA:image/png,x", "vbscript:msgbox", "file:///etc/passwd", "g:h",
	"feed:https://example.com/rss", "http:g", "http://a b/", "https://", "", "   ",
	" \n\t\r ", "  \n  g  \n", "http://example.com/a\n/b\t/c", "\n   https://example.com/x   \n",
	"x", "a b.html", "https://example.com/a b?q=c d", "https://example.com/\x7f",
	"https://example.com/x\xffy", "/x", " ../x ", "x?y", "https://例え.jp/パス",
	"//例え.jp/x", "パス?q=é", "../blog/", "2023/", "post.html?id=1#c", "/about",
	"https://mirror.example.org/x/", "../y", "/blog/", "post.html",
	"https://example.com/blog/", "http://example.com", "https://example.com/a?b#c",
	"HTTPS://EXAMPLE.COM/", "http://127.0.0.1:8080/feed.xml", "http://[::1]/x", "http://",
	"http:example.com", "//example.com/x", "ftp://example.com/", "httpx://example.com",
	" http://example.com", "http://exa mple.com/",
};

static void
test_seed_cross(void **state)
{
	struct diff_stats st = { 0 };
	size_t nb = sizeof(seed_bases) / sizeof(seed_bases[0]);
	size_t nr = sizeof(seed_refs) / sizeof(seed_refs[0]);

	(void)state;
	for (size_t i = 0; i < nb; i++) {
		for (size_t j = 0; j < nr; j++)
			diff_one(&st, seed_bases[i], seed_refs[j]);
		diff_one(&st, seed_bases[i], NULL);
		if (seed_bases[i] != NULL)
			diff_http(&st, seed_bases[i]);
	}
	for (size_t j = 0; j < nr; j++)
		diff_http(&st, seed_refs[j]);
	print_stats(&st);
	assert_int_equal(st.diffs, 0);
}

/* ---- generated inputs ------------------------------------------------------------------ */

#define PIECES(a) (sizeof(a) / sizeof((a)[0]))

static const char *const g_pre[] = { "", "", "", "", "", "", " ", "\t", "\n ", "\x01", "\x7f" };
static const char *const g_scheme[] = {
	"http://", "http://", "https://", "https://", "HTTP://", "HtTpS://", "ftp://", "FTP://",
	"http:", "http:/", "http:///", "https:////", "mailto:", "javascript:", "file://", "//",
	"", "htp://", "http ://", "https:/\t/", "ftps://", "http:\\\\",
};
static const char *const g_user[] = {
	"", "", "", "", "", "", "", "user@", "user:pass@", "@", "a%40b@", ":@", "u;o@",
};
static const char *const g_host[] = {
	"example.com", "example.com", "www.example.org", "a", "a.b.c", "A.B.C", "a..b", "-a",
	"a-", "a_b", "xn--bcher-kva.example", "[::1]", "[::1", "[fe80::1%25eth0]", "[1:2::]",
	"1.2.3.4", "1.2.3.999", "0x7f.1", "123", "256.1.1.1", "1.2.3.4.5", "1a.com", "a.1",
	"%41", "a%41b", "a%00b", "ex ample", "例え.jp", "\xff", "a.b.", ".a", "a!b", "a{b",
	"a^b", "a\\b", "a=b", "a$b", "a*b", "a`b", "a'b", "a\"b", "a<b", "a,b", "a+b", "a&b",
	"a(b", "a;b", "a~b", "a|b", "", "LABEL63", "LABEL64", "HOST253", "HOST254", "a\tb",
	"xn--", "a.-b", "a-.b",
};
static const char *const g_port[] = {
	"", "", ":8080", ":443", "", ":", ":0", ":1", ":80", ":08080", ":8080", ":65535", ":65536",
	":99999", ":123456", ":abc", ":8080x", ":+1", ": 80", ":00001", ":443",
};
static const char *const g_path[] = {
	"", "/", "/a/b", "/index.html", "/", "/a/b/", "/a b", "/%", "/%41", "/%zz", "/\\",
	"/^", "/{x}", "/|", "/\"q\"", "/<x>", "/é", "/\xff", "/\xc3", "/\xe2\x82", "//",
	"/../", "/./x", "/a/..", "/\t/x", "/\n", "/~user", "/a;b=c", "/a`", "/a'b", "/a!$&()*+,=@",
	"/[x]", "/a:b", "/\x7f", "/a\rb", "/a b/c d", "/ \xc3\xa9",
};
static const char *const g_query[] = {
	"", "", "", "?q", "?a=1&b=2", "?", "?x y", "?%zz", "?a/b?c", "?\xff", "?#", "??",
};
static const char *const g_frag[] = {
	"", "", "", "#frag", "#", "#a#b", "#\x7f", "#a b", "#?x", "#/../x",
};
static const char *const g_rel[] = {
	"g", "../x", "./", "?y", "#s", "//host/x", "//a_b/x", "//[::1]:80/", "/abs", "a b",
	"é", "\xff", "..", "g?y#s", "%41", "", "  x  ", "\tg\n", "//", "///x", "//%41/",
	"//%01x/", "\\x", "x\\y", "#", "?", "../../../../x", "g;x", "javascript:x", "mailto:x",
	"HTTP:x", "a:b", ".:x", "//user@h/x",
};
static const char *const g_post[] = { "", "", "", "", "", "", " ", "\t", " \n", "\x01" };
static const char g_pool[] = "aZ09-._~:/?#[]@!$&'()*+,;=% \t\n\r\x01\x7f\\^{|}\"<>`\xc3\xa9\xff\x80";

/* xorshift64: a fixed sequence, so a failure names inputs anyone can rebuild. */
static uint64_t
rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* Half the time one of the first four pieces of a list (those are well-formed, so that
 * plenty of inputs are URLs the fast check takes, and mutations land next to them). */
#define PICK(x, a) ((a)[rnd(x) % 2 ? rnd(x) % 4 : rnd(x) % PIECES(a)])

/* Appends a host piece, expanding the long-label placeholders. */
static void
gen_host(struct buf *b, const char *h)
{
	size_t n = 0;
	bool labels = false;

	if (strcmp(h, "LABEL63") == 0)
		n = 63;
	else if (strcmp(h, "LABEL64") == 0)
		n = 64;
	else if (strcmp(h, "HOST253") == 0)
		n = 253, labels = true;
	else if (strcmp(h, "HOST254") == 0)
		n = 254, labels = true;
	if (n == 0) {
		buf_appends(b, h);
		return;
	}
	for (size_t i = 0; i < n; i++)
		buf_appendc(b, labels && i % 50 == 49 ? '.' : (char)('a' + i % 26));
	if (!labels)
		buf_appends(b, ".com");
}

/* Builds a random absolute-looking URL into b (emptied first). */
static void
gen_absolute(uint64_t *x, struct buf *b)
{
	buf_reset(b);
	buf_appends(b, PICK(x, g_pre));
	buf_appends(b, PICK(x, g_scheme));
	buf_appends(b, PICK(x, g_user));
	gen_host(b, PICK(x, g_host));
	buf_appends(b, PICK(x, g_port));
	buf_appends(b, PICK(x, g_path));
	if (rnd(x) % 3 == 0)
		buf_appends(b, PICK(x, g_path));
	buf_appends(b, PICK(x, g_query));
	buf_appends(b, PICK(x, g_frag));
	buf_appends(b, PICK(x, g_post));
}

/* Builds a random reference: absolute, or a relative one from pieces. */
static void
gen_ref(uint64_t *x, struct buf *b)
{
	if (rnd(x) % 2 == 0) {
		gen_absolute(x, b);
		return;
	}
	buf_reset(b);
	buf_appends(b, PICK(x, g_pre));
	buf_appends(b, PICK(x, g_rel));
	if (rnd(x) % 2)
		buf_appends(b, PICK(x, g_path));
	buf_appends(b, PICK(x, g_query));
	buf_appends(b, PICK(x, g_frag));
	buf_appends(b, PICK(x, g_post));
}

/* Replaces, inserts or deletes a few random bytes of b, sometimes. */
static void
mutate(uint64_t *x, struct buf *b)
{
	int edits = (int)(rnd(x) % 4);

	if (rnd(x) % 2)
		return;
	for (int e = 0; e < edits; e++) {
		size_t at = b->len ? rnd(x) % (b->len + 1) : 0;
		char c = g_pool[rnd(x) % (sizeof(g_pool) - 1)];

		switch (rnd(x) % 3) {
		case 0:
			if (at < b->len)
				b->data[at] = c;
			break;
		case 1: {
			char *tail = xstrdup(b->data + at);

			b->len = at;
			buf_appendc(b, c);
			buf_appends(b, tail);
			free(tail);
			break;
		}
		default:
			if (at < b->len) {
				memmove(b->data + at, b->data + at + 1, b->len - at);
				b->len--;
			}
			break;
		}
	}
}

/* What a generated run varies: the seed, how many bases, how bases and references are
 * made, and (absolute) the extras of test_generated: a NULL base one time in ten, every base
 * mutated, url_is_http checked on bases and references, and a base changed in place. */
struct gen_plan {
	uint64_t seed;
	int bases;
	void (*gen_base)(uint64_t *x, struct buf *b);
	void (*gen_ref)(uint64_t *x, struct buf *b);
	bool absolute;
};

/* Several references against one base, as in a feed (the memo hits), now and then another
 * base in between (it misses, and must not mix the two up); every pair compared with the
 * previous curl path into st. */
static void
run_plan(const struct gen_plan *plan, struct diff_stats *st)
{
	uint64_t x = plan->seed;
	struct buf base, ref, other;

	buf_init(&base, 0);
	buf_init(&ref, 0);
	buf_init(&other, 0);
	for (int i = 0; i < plan->bases; i++) {
		int nrefs = 1 + (int)(rnd(&x) % 10);
		bool null_base = plan->absolute && rnd(&x) % 10 == 0;

		plan->gen_base(&x, &base);
		if (plan->absolute || rnd(&x) % 4 == 0)
			mutate(&x, &base);
		if (plan->absolute)
			diff_http(st, base.data);
		for (int j = 0; j < nrefs; j++) {
			plan->gen_ref(&x, &ref);
			mutate(&x, &ref);
			diff_one(st, null_base ? NULL : base.data, ref.data);
			if (plan->absolute)
				diff_http(st, ref.data);
			if (rnd(&x) % 8 == 0) {
				plan->gen_base(&x, &other);
				diff_one(st, other.data, ref.data);
			}
		}
		/* The same buffer, one byte changed: the memo keys on text, not pointers. */
		if (plan->absolute && base.len > 8) {
			base.data[base.len - 1] = base.data[base.len - 1] == 'x' ? 'y' : 'x';
			diff_one(st, base.data, "g");
			diff_one(st, base.data, "#s");
		}
	}
	buf_free(&base);
	buf_free(&ref);
	buf_free(&other);
	print_stats(st);
}

static void
test_generated(void **state)
{
	const struct gen_plan plan = { 0x9e3779b97f4a7c15ULL, 15000, gen_absolute, gen_ref, true };
	struct diff_stats st = { 0 };

	(void)state;
	run_plan(&plan, &st);
	/* The inputs must reach every outcome, or the comparison proves little. */
	assert_true(st.null > st.pairs / 20);
	assert_true(st.resolved > st.pairs / 20);
	assert_true(st.kept > st.pairs / 20);
	assert_true(st.http_true > st.http_checks / 20);
	assert_true(st.http_true < st.http_checks - st.http_checks / 20);
	assert_int_equal(st.diffs, 0);
}

/* ---- relative references ------------------------------------------------------------- */

/* Bases: the first four pieces of each list make a base url_resolve_fast() joins by
 * hand; the others sit just outside (a scheme, host or port curl spells differently or
 * that url_parses_fast() leaves to curl, dot segments, "%2e", empty segments, a query or
 * fragment that is empty or holds '/', '?' or "..", bytes curl encodes). */
static const char *const r_scheme[] = {
	"http://", "https://", "HTTP://", "HtTpS://", "ftp://", "http:/", "http:///", " http://",
	"https:\\", "mailto:",
};
static const char *const r_host[] = {
	"example.com", "h", "Example.COM", "a-b.c9", "1.2.3.4", "[::1]", "[::FFFF:1.2.3.4]",
	"user@h", "a_b", "%41", "0x7f", "a.b.", "xn--d-kva", "123", "例え.jp", "",
};
static const char *const r_port[] = {
	"", ":8080", ":80", "", ":443", ":0", ":08", ":", ":65536", ":65535", ":x",
};
static const char *const r_bpath[] = {
	"/blog/2023/feed.xml", "/", "/a/b/", "", "/a", "/a/", "/a/b", "/a/b/c.html", "//", "//a",
	"//a/", "/a//b", "/a//", "/a/./b", "/a/../b", "/.", "/..", "/a/.", "/a/..", "/./",
	"/../", "/.a", "/a..", "/...", "/%2e/", "/%2E%2E/x", "/a;p", "/a:b", "/a@b", "/~u/",
	"/a\\b/", "/a%20b", "/a%", "/é/", "/a b/", "/\x7f/", "/a/b/c/d/e/f/g/h/",
};
static const char *const r_bquery[] = {
	"", "?q", "", "?a=1&b=/x", "?", "??", "?/../x", "?x;y", "?a#", "?é",
};
static const char *const r_bfrag[] = {
	"", "", "", "", "#", "#f", "#/x", "#?y", "#a/../b", "#é",
};

/* References: a lead, segments, a query and a fragment, on both sides of the same
 * rules (no scheme, no "//", no dot segment after "./" and "../" are taken, printable
 * ASCII, an empty query or fragment). */
static const char *const r_lead[] = {
	"", "/", "../", "?", "./", "../../", "#", "//", ".//", "./../", "../../../../", "/./",
	"/../", "///", ".", "..", "./?", "../?", "./#", "./.", "../..", ".../", "./../../",
};
static const char *const r_seg[] = {
	"g", "post.html", "2023", "a;p=1", "", ".", "..", "%2e", "%2E", "%2e%2e", ".g", "g.",
	"..g", "...", "a:b", "1x:y", ":", "a@b", "~u", "%", "%zz", "%41", "é", "\\",
	"x\\y", "a b", "*", "'", "(x)", "$", "!", "g=1", "[x]", "{x}", "|", "^", "`", "\"",
	"<x>",
};
static const char *const r_rquery[] = {
	"", "?q", "", "?a=1&b=2", "?", "?/./x", "?#", "??", "?a:b", "?x/../y", "?é", "? ",
};
static const char *const r_rfrag[] = {
	"", "#f", "", "", "#", "#/../x", "#?a", "#a#b", "#:", "#é", "# x",
};

/* Three times in four one of the first four pieces, as PICK() does half the time: a
 * pair is in the subset only when all its pieces are. */
#define PICK_NEAR(x, a) ((a)[rnd(x) % 4 ? rnd(x) % 4 : rnd(x) % PIECES(a)])

/* Builds a random base into b (emptied first). */
static void
gen_rel_base(uint64_t *x, struct buf *b)
{
	buf_reset(b);
	buf_appends(b, PICK_NEAR(x, r_scheme));
	buf_appends(b, PICK_NEAR(x, r_host));
	buf_appends(b, PICK_NEAR(x, r_port));
	buf_appends(b, PICK_NEAR(x, r_bpath));
	if (rnd(x) % 4 == 0)
		buf_appends(b, PICK_NEAR(x, r_bpath));
	buf_appends(b, PICK_NEAR(x, r_bquery));
	buf_appends(b, PICK_NEAR(x, r_bfrag));
}

/* Builds a random relative reference into b (emptied first). */
static void
gen_rel_ref(uint64_t *x, struct buf *b)
{
	int segs = (int)(rnd(x) % 5);

	buf_reset(b);
	buf_appends(b, PICK_NEAR(x, r_lead));
	for (int i = 0; i < segs; i++) {
		if (i > 0)
			buf_appendc(b, '/');
		buf_appends(b, PICK_NEAR(x, r_seg));
	}
	if (rnd(x) % 4 == 0)
		buf_appendc(b, '/');
	buf_appends(b, PICK_NEAR(x, r_rquery));
	buf_appends(b, PICK_NEAR(x, r_rfrag));
}

static void
test_relative(void **state)
{
	const struct gen_plan plan = { 0x2545f4914f6cdd1dULL, 10000, gen_rel_base, gen_rel_ref,
		false };
	struct diff_stats st = { 0 };

	(void)state;
	run_plan(&plan, &st);
	/* Both sides of the hand resolution must be well visited. */
	assert_true(st.by_hand > st.pairs / 5);
	assert_true(st.resolved - st.by_hand > st.pairs / 10);
	assert_true(st.kept + st.null > st.pairs / 20);
	assert_int_equal(st.diffs, 0);
}

/* Results on either side of URL_MAX_LEN (64 KiB), where url.c gives up on a link. */
static void
test_relative_long(void **state)
{
	static const char *const shapes[][2] = {
		{ "", "g" }, { "/", "g" }, { "?", "q" }, { "#", "f" }, { "", "g?q#f" },
		{ "../", "g/" },
	};
	struct diff_stats st = { 0 };
	size_t max = 64 * 1024;
	struct buf base, ref;

	(void)state;
	buf_init(&base, 0);
	buf_init(&ref, 0);
	for (size_t bl = max / 2 - 2; bl <= max / 2 + 2; bl++) {
		buf_reset(&base);
		buf_appends(&base, "http://h/");
		while (base.len < bl)
			buf_appends(&base, "ab/");
		for (size_t k = 0; k < sizeof(shapes) / sizeof(shapes[0]); k++) {
			for (size_t rl = max - bl - 12; rl <= max - bl + 12; rl++) {
				buf_reset(&ref);
				buf_appends(&ref, shapes[k][0]);
				while (ref.len + strlen(shapes[k][1]) < rl)
					buf_appendc(&ref, 'c');
				buf_appends(&ref, shapes[k][1]);
				diff_one(&st, base.data, ref.data);
			}
		}
	}
	buf_free(&base);
	buf_free(&ref);
	print_stats(&st);
	assert_true(st.by_hand > 0);
	assert_true(st.kept > 0);
	assert_int_equal(st.diffs, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_cross),
		cmocka_unit_test(test_generated),
		cmocka_unit_test(test_relative),
		cmocka_unit_test(test_relative_long),
	};

	return cmocka_run_group_tests_name("url_fast", tests, NULL, NULL);
}
