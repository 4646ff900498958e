/* url.c — resolves the links found in feeds against their base (the document URL or an
 * xml:base), with the curl URL API, and refuses the schemes a link must never carry.
 *
 * What we do ourselves, and why:
 *  - Clean-up as browsers do (WHATWG URL): strip leading and trailing spaces and C0
 *    controls, drop every tab, CR and LF inside ("java\nscript:" is "javascript:"), and
 *    percent-encode what no URL may hold raw (space, other controls, DEL, bytes that are
 *    not UTF-8), so that every result is valid UTF-8 with no whitespace in it.
 *  - Schemes: http, https and ftp links are kept (checked with curl, returned as written,
 *    not normalised); mailto, magnet and tel links are returned as written; every other
 *    scheme (javascript, data, vbscript, file, and anything unknown) gives NULL.
 *  - Fragment-only references ("#top"): libcurl 7.88 drops the last path segment of the
 *    base for them, so we append the fragment to the base ourselves (RFC 3986 5.2.2).
 * Everything else (dot segments, "?q", "//host/x", "../x") is curl's resolution, which
 * follows RFC 3986 and percent-encodes non-ASCII bytes of a relative reference.
 *
 * The feed parser calls url_resolve() for every link, so the common cases are cheap
 * (tests/unit/test_url_fast.c compares every result with the plain implementation):
 * a link with nothing to clean is copied once, a plain http(s) URL is checked by hand
 * against a subset of what curl accepts (url_parses_fast()), the last base is cleaned
 * and checked once, not once per link (base_memo), and a relative reference of
 * printable ASCII against a plain http(s) base ("/a/b.html", "b.html", "../x?q", "?q",
 * "#f") is joined by hand into the very string curl would give (url_resolve_fast();
 * curl still resolves "//host/x", dot segments left after the join, and the rest):
 * a few hundred instructions instead of tens of thousands. */
#include "url.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

/* Longest link we accept; anything longer is not a link a reader would follow. */
#define URL_MAX_LEN (64 * 1024)

/* Limits of the fast check in url_parses_fast(): DNS limits (RFC 1035), far below
 * curl's own (8 MB of input, no limit on labels), so being inside them proves nothing
 * curl would refuse. */
#define URL_FAST_LABEL_MAX 63
#define URL_FAST_HOST_MAX 253

enum url_scheme {
	SCHEME_NONE,		/* a relative reference */
	SCHEME_HIER,		/* http, https, ftp: resolvable, checked with curl */
	SCHEME_OPAQUE,		/* mailto, magnet, tel: kept as written */
	SCHEME_BAD,		/* everything else */
};

/* The last base url_resolve() was given, cleaned and checked once: a feed resolves
 * every link of every entry against the same base (the document URL or one xml:base),
 * so cleaning it and having curl validate it again on every call was most of the cost.
 * Keyed by the base's text (strcmp), never by its pointer, which callers free and reuse.
 * Not thread-safe: one static memo, and the daemon resolves links on one thread only.
 * It is never freed; its pointers stay reachable, so LeakSanitizer does not report it. */
struct url_base_memo {
	char *raw;		/* the base exactly as passed in; NULL: empty memo */
	char *clean;		/* url_clean(raw), NULL when blank or too long */
	bool usable;		/* clean is an absolute http/https/ftp URL curl accepts */
	char *join;		/* curl's spelling of clean without its fragment, when
				 * url_resolve_fast() may use it (url_base_join()); or NULL */
	size_t join_len;	/* strlen(join) */
	size_t origin;		/* length of "scheme://host[:port]" in join */
	size_t path_end;	/* where the path ends in join ('?' or the end) */
	bool fragment;		/* clean has a fragment that curl keeps (not "#" alone) */
};

static struct url_base_memo base_memo;

static bool url_clean_keeps(unsigned char c);
static bool url_printable(const char *s);
static char *url_clean(const char *s);
static enum url_scheme url_scheme_of(const char *s);
static bool url_parses_fast(const char *url, bool http_only);
static bool url_parses(const char *url, bool http_only);
static bool url_dot_segment(const char *path, size_t n);
static void url_base_join(struct url_base_memo *m);
static const struct url_base_memo *url_base_lookup(const char *base);
static char *url_resolve_fast(const struct url_base_memo *m, const char *ref);
static char *url_resolve_curl(const char *base, const char *ref);
static bool tracking_param(const char *p, size_t n);

/* True for a byte url_clean() copies as it is wherever it stands: printable ASCII. */
static bool
url_clean_keeps(unsigned char c)
{
	return c > 0x20 && c < 0x7f;
}

/* True when s is 1 to URL_MAX_LEN bytes of printable ASCII: url_clean() copies it as it
 * is, and url_resolve_fast() takes no other reference. */
static bool
url_printable(const char *s)
{
	const char *p = s;

	while (url_clean_keeps((unsigned char)*p))
		p++;
	return *p == '\0' && p != s && p - s <= URL_MAX_LEN;
}

/* Trims and cleans a reference as described at the top; NULL when nothing is left.
 * Most links need no change at all: the scan below only copies runs of bytes that stay
 * as they are (printable ASCII and well-formed UTF-8 sequences), and a string with no
 * byte to change is returned as one copy, without building it piece by piece. */
static char *
url_clean(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t a = 0, n = strlen(s), i = 0, run = 0;
	bool changed = false;
	struct buf b;

	while (a < n && (unsigned char)s[a] <= 0x20)
		a++;
	while (n > a && (unsigned char)s[n - 1] <= 0x20)
		n--;
	if (n == a || n - a > URL_MAX_LEN)
		return NULL;
	s += a;
	n -= a;
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		size_t k;

		if (url_clean_keeps(c)) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xf4) {
			k = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
			if (k <= n - i && utf8_valid_prefix(s + i, k) == k) {
				i += k;
				continue;
			}
		}
		/* s[i] changes: copy the run before it, then drop or escape it. */
		if (!changed) {
			buf_init(&b, 0);
			changed = true;
		}
		buf_append(&b, s + run, i - run);
		if (c != '\t' && c != '\n' && c != '\r') {
			char esc[3] = { '%', hex[c >> 4], hex[c & 15] };

			buf_append(&b, esc, 3);
		}
		run = ++i;
	}
	if (!changed)
		return xstrndup(s, n);
	buf_append(&b, s + run, n - run);
	return buf_steal(&b);
}

/* Classifies the scheme of s, if it has one (RFC 3986: ALPHA *(ALPHA / DIGIT / "+" /
 * "-" / ".") ":"). */
static enum url_scheme
url_scheme_of(const char *s)
{
	static const char *const hier[] = { "http", "https", "ftp" };
	static const char *const opaque[] = { "mailto", "magnet", "tel" };
	size_t n = 0;

	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return SCHEME_NONE;
	while ((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') ||
	    (s[n] >= '0' && s[n] <= '9') || s[n] == '+' || s[n] == '-' || s[n] == '.')
		n++;
	if (s[n] != ':')
		return SCHEME_NONE;
	for (size_t i = 0; i < sizeof(hier) / sizeof(hier[0]); i++)
		if (strlen(hier[i]) == n && strncasecmp(s, hier[i], n) == 0)
			return SCHEME_HIER;
	for (size_t i = 0; i < sizeof(opaque) / sizeof(opaque[0]); i++)
		if (strlen(opaque[i]) == n && strncasecmp(s, opaque[i], n) == 0)
			return SCHEME_OPAQUE;
	return SCHEME_BAD;
}

/* True when url is in a strict subset of absolute URLs that curl's URL parser (libcurl
 * 7.88, lib/urlapi.c parseurl(), and later) accepts, with a non-empty host; false means
 * "ask curl", never "invalid". The subset, and why curl takes each piece:
 *  - "http://" or "https://" (or "ftp://" unless http_only), in any case: curl
 *    lower-cases the scheme, and takes one to three slashes; we take exactly two.
 *  - A host name of ASCII letters, digits, '-' and '.', starting with a letter, in
 *    labels of 1 to 63 bytes, 253 in all. A first byte that is not a digit makes curl's
 *    ipv4_normalize() call it a name straight away; with no '%' there is nothing for
 *    urldecode_host() to decode, and none of these bytes is in the set hostname_check()
 *    refuses. No '@' (no user part), no '[' (no IPv6), nothing non-ASCII (no IDN).
 *  - An optional port of 1 to 5 digits without a leading zero, 1 to 65535: inside what
 *    Curl_parse_port() takes (digits only, at most 0xffff).
 *  - Then nothing, or a path, query and fragment ('/', '?' or '#' first) of printable
 *    ASCII only (0x21 to 0x7e): curl's junkscan() refuses only control bytes, DEL and
 *    space, and copies path, query and fragment as they are (dedotdotify() only
 *    rewrites, it cannot fail but for memory).
 * Length stays under URL_MAX_LEN, far below curl's CURL_MAX_INPUT_LENGTH (8 MB).
 * tests/unit/test_url_fast.c holds the proof by comparison with curl itself. */
static bool
url_parses_fast(const char *url, bool http_only)
{
	const char *p = url, *host, *label;
	unsigned long port;
	size_t k;

	if (strncasecmp(p, "http", 4) == 0) {
		p += 4;
		if (*p == 's' || *p == 'S')
			p++;
	} else if (!http_only && strncasecmp(p, "ftp", 3) == 0) {
		p += 3;
	} else {
		return false;
	}
	if (p[0] != ':' || p[1] != '/' || p[2] != '/')
		return false;
	host = label = p += 3;
	if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
		return false;
	for (;; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-')
			continue;
		if (p == label || p - label > URL_FAST_LABEL_MAX)
			return false;	/* an empty or overlong label */
		if (*p != '.')
			break;
		label = p + 1;
	}
	if (p - host > URL_FAST_HOST_MAX)
		return false;
	if (*p == ':') {
		p++;
		if (*p < '1' || *p > '9')
			return false;
		for (port = 0, k = 0; *p >= '0' && *p <= '9' && k < 5; p++, k++)
			port = port * 10 + (unsigned long)(*p - '0');
		if (port > 65535)
			return false;
	}
	if (*p != '\0' && *p != '/' && *p != '?' && *p != '#')
		return false;
	for (; *p != '\0'; p++)
		if (!url_clean_keeps((unsigned char)*p) || p - url >= URL_MAX_LEN)
			return false;
	return true;
}

/* True when curl accepts url as an absolute URL with a host (http/https only if asked). */
static bool
url_parses(const char *url, bool http_only)
{
	CURLU *h;
	char *scheme = NULL, *host = NULL;
	bool ok = false;

	if (url_parses_fast(url, http_only))
		return true;
	if ((h = curl_url()) == NULL)
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

/* True when the path path[0..n) has a segment "." or "..": the only segments curl's
 * dedotdotify() (libcurl 7.88) rewrites in a path that starts with '/' and holds no '?'
 * (it copies every other segment as it is, "%2e" and ".x" included). */
static bool
url_dot_segment(const char *path, size_t n)
{
	const char *p = memchr(path, '.', n), *end = path + n;

	for (; p != NULL; p = memchr(p + 1, '.', (size_t)(end - p - 1))) {
		if (p != path && p[-1] != '/')
			continue;	/* not the first byte of a segment */
		if (p + 1 == end || p[1] == '/' ||
		    (p[1] == '.' && (p + 2 == end || p[2] == '/')))
			return true;
	}
	return false;
}

/* Spells m->clean as curl would give it back, for url_resolve_fast(), when the base is a
 * URL url_parses_fast() takes as http/https and its path has no dot segment; leaves
 * m->join NULL otherwise. What curl 7.88 does with such a base (parseurl(), then
 * curl_url_get(CURLUPART_URL)): the scheme in lower case; host and port as written (a
 * host that starts with a letter is neither an IPv4 number to normalise nor has a '%'
 * to decode, and the port has no leading zero to drop); an empty path becomes "/"; the
 * fragment starts at the first '#' and the query at the first '?' before it, and either
 * is dropped when empty ("?" or "#" alone). The fragment is left out of join: a '#'
 * reference replaces it, and any other reference goes to curl when there is one. */
static void
url_base_join(struct url_base_memo *m)
{
	const char *s = m->clean, *host, *path, *q;
	size_t plen, qlen;
	struct buf b;

	m->join = NULL;
	if (!url_parses_fast(s, true))
		return;
	host = strchr(s, ':') + 3;
	path = host + strcspn(host, "/?#");
	plen = strcspn(path, "?#");
	if (url_dot_segment(path, plen))
		return;
	buf_init(&b, 0);
	buf_appends(&b, host - s == 8 ? "https://" : "http://");
	buf_append(&b, host, (size_t)(path - host));
	m->origin = b.len;
	if (plen <= 1)
		buf_appendc(&b, '/');
	else
		buf_append(&b, path, plen);
	m->path_end = b.len;
	q = path + plen;
	if (*q == '?') {
		qlen = strcspn(q, "#");
		if (qlen > 1)
			buf_append(&b, q, qlen);
		q += qlen;
	}
	m->fragment = q[0] == '#' && q[1] != '\0';
	m->join_len = b.len;
	m->join = buf_steal(&b);
}

/* The memo entry for base (not NULL), filled now if base is not the last one seen. */
static const struct url_base_memo *
url_base_lookup(const char *base)
{
	struct url_base_memo *m = &base_memo;

	if (m->raw != NULL && strcmp(m->raw, base) == 0)
		return m;
	free(m->raw);
	free(m->clean);
	free(m->join);
	m->raw = xstrdup(base);
	m->clean = url_clean(base);
	m->usable = m->clean != NULL && url_scheme_of(m->clean) == SCHEME_HIER &&
	    url_parses(m->clean, false);
	m->join = NULL;
	if (m->usable)
		url_base_join(m);
	return m;
}

/* Resolves the relative reference ref, printable ASCII (url_printable()), against the
 * memo's base by hand, with the result url_resolve_curl() would give, byte for byte;
 * NULL means "ask curl", never "invalid". The base is m->join (see url_base_join()).
 * Other bytes are left to curl: concat_url() would percent-encode them. The reference:
 *  - "#f": url_resolve_curl() appends it to curl's spelling of the base without its
 *    fragment, and url_clean() finds nothing to change in two clean strings joined.
 *  - Anything else only when the base has no fragment (curl 7.88's concat_url() would
 *    look for '?' and '/' in it), the reference has no ':' before its first '/', '?' or
 *    '#' (curl would take what precedes it for a scheme) and does not start with "//"
 *    (a new host, which curl parses and may rewrite). Then it is joined as
 *    concat_url() does: "/p" replaces the base's path; "?q" its query; any other
 *    reference replaces what follows the base path's last '/', after one leading "./"
 *    is skipped and each leading "../" has cut one more segment off the base (never its
 *    first '/'); a '/' goes between them unless the reference now starts with '/' or
 *    '?' or the base was cut down to "/" (so "x" against "http://h//a" gives
 *    "http://h/x", where RFC 3986 would give "http://h//x").
 *  - curl then parses the joined URL again. Its host is the base's, and the path
 *    dedotdotify() would rewrite when it has a "." or ".." segment: we leave those to
 *    curl; the rest comes out as in url_base_join() (an empty path as "/", an empty
 *    query or fragment dropped).
 * A result longer than URL_MAX_LEN goes to curl too (url_clean() refuses it there). */
static char *
url_resolve_fast(const struct url_base_memo *m, const char *ref)
{
	const char *j = m->join, *use = ref, *q, *f;
	size_t n, end, plen, qlen = 0, flen = 0, len;
	bool slash = false, root_path;
	int up = 0;
	char *out, *o;

	if (j == NULL)
		return NULL;
	if (ref[0] == '#') {
		n = strlen(ref);
		if (m->join_len + n > URL_MAX_LEN)
			return NULL;
		out = xmalloc(m->join_len + n + 1);
		memcpy(out, j, m->join_len);
		memcpy(out + m->join_len, ref, n + 1);
		return out;
	}
	if (m->fragment)
		return NULL;
	if (ref[strcspn(ref, ":/?#")] == ':')
		return NULL;
	if (ref[0] == '/') {
		if (ref[1] == '/')
			return NULL;
		end = m->origin;
	} else if (ref[0] == '?') {
		end = m->path_end;
	} else {
		/* The base path starts with '/', so there is a last one. */
		for (end = m->path_end - 1; j[end] != '/'; end--)
			;
		root_path = end == m->origin;	/* concat_url(): protsep == NULL */
		if (use[0] == '.' && use[1] == '/')
			use += 2;
		while (use[0] == '.' && use[1] == '.' && use[2] == '/') {
			up++;
			use += 3;
		}
		while (!root_path && up-- > 0) {
			size_t k = end;

			while (k > m->origin + 1 && j[k - 1] != '/')
				k--;
			if (k == m->origin + 1) {
				end = k;	/* no '/' left after the first one */
				break;
			}
			end = k - 1;
		}
		slash = !(use[0] == '/' || use[0] == '?' ||
		    (!root_path && end == m->origin + 1));
	}
	plen = strcspn(use, "?#");
	if (url_dot_segment(use, plen))
		return NULL;
	q = use + plen;
	if (*q == '?') {
		qlen = strcspn(q, "#");
		f = q + qlen;
		if (qlen == 1)
			qlen = 0;
	} else {
		f = q;
	}
	if (*f == '#' && f[1] != '\0')
		flen = strlen(f);
	/* No path at all ("./?q" against "http://h/x"): curl writes "/". */
	if (end == m->origin && !slash && plen == 0)
		slash = true;
	len = end + slash + plen + qlen + flen;
	if (len > URL_MAX_LEN)
		return NULL;
	o = out = xmalloc(len + 1);
	memcpy(o, j, end);
	o += end;
	if (slash)
		*o++ = '/';
	memcpy(o, use, plen);
	o += plen;
	memcpy(o, q, qlen);
	o += qlen;
	memcpy(o, f, flen);
	o[flen] = '\0';
	return out;
}

/* Resolves the relative reference ref against the absolute base with curl; NULL when
 * curl refuses either. */
static char *
url_resolve_curl(const char *base, const char *ref)
{
	const unsigned flags = CURLU_NON_SUPPORT_SCHEME;
	CURLU *h = curl_url();
	char *out = NULL, *res = NULL, *joined;

	if (h == NULL)
		return NULL;
	if (curl_url_set(h, CURLUPART_URL, base, flags) != CURLUE_OK)
		goto done;
	if (ref[0] == '#') {
		/* RFC 3986 5.2.2: the base with its own fragment replaced. */
		if (curl_url_set(h, CURLUPART_FRAGMENT, NULL, 0) != CURLUE_OK ||
		    curl_url_get(h, CURLUPART_URL, &out, 0) != CURLUE_OK)
			goto done;
		joined = xasprintf("%s%s", out, ref);
		res = url_clean(joined);
		free(joined);
		goto done;
	}
	if (curl_url_set(h, CURLUPART_URL, ref, flags) != CURLUE_OK ||
	    curl_url_get(h, CURLUPART_URL, &out, 0) != CURLUE_OK)
		goto done;
	/* curl decodes percent-escapes in host names ("//%01x/"): clean again. */
	res = url_clean(out);
done:
	curl_free(out);
	curl_url_cleanup(h);
	return res;
}

/* Resolves ref against base, with the clean-up and scheme policy described above. */
char *
url_resolve(const char *base, const char *ref)
{
	const struct url_base_memo *m;
	char *r, *res;

	if (ref == NULL || (r = url_clean(ref)) == NULL)
		return NULL;
	switch (url_scheme_of(r)) {
	case SCHEME_OPAQUE:
		return r;
	case SCHEME_HIER:
		if (url_parses(r, false))
			return r;
		free(r);
		return NULL;
	case SCHEME_BAD:
		free(r);
		return NULL;
	case SCHEME_NONE:
		break;
	}
	/* A relative reference: it needs an absolute, hierarchical base. */
	if (base == NULL || !(m = url_base_lookup(base))->usable)
		return r;
	if (!url_printable(r) || (res = url_resolve_fast(m, r)) == NULL)
		res = url_resolve_curl(m->clean, r);
	if (res == NULL)
		return r;
	free(r);
	return res;
}

/* True for an absolute http(s) URL that curl accepts and that names a host. */
bool
url_is_http(const char *url)
{
	if (url == NULL || (strncasecmp(url, "http://", 7) != 0 &&
	    strncasecmp(url, "https://", 8) != 0))
		return false;
	return url_parses(url, true);
}

/* True for query parameters that only track where a click came from. */
static bool
tracking_param(const char *p, size_t n)
{
	static const char *const names[] = { "fbclid", "gclid", "mc_cid", "mc_eid", "ocid",
		"dclid", "msclkid", "igshid", NULL };
	size_t k = strcspn(p, "=&");

	if (k > n)
		k = n;
	if (k > 4 && strncmp(p, "utm_", 4) == 0)
		return true;
	for (int i = 0; names[i]; i++)
		if (strlen(names[i]) == k && strncmp(p, names[i], k) == 0)
			return true;
	return false;
}

/* The canonical form of a story's link (see url.h); a malloc'd string. */
char *
url_canonical(const char *url)
{
	CURLU *u;
	char *host = NULL, *query = NULL, *out = NULL, *res;

	if (url == NULL)
		return NULL;
	if (!url_is_http(url))
		return xstrdup(url);
	u = curl_url();
	if (u == NULL || curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK)
		goto fallback;
	curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0);
	{
		char *port = NULL, *scheme = NULL;
		if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK &&
		    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
		    ((!strcmp(scheme, "https") && !strcmp(port, "443")) ||
		    (!strcmp(scheme, "http") && !strcmp(port, "80"))))
			curl_url_set(u, CURLUPART_PORT, NULL, 0);
		curl_free(port);
		curl_free(scheme);
	}
	if (curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
		for (char *c = host; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c - 'A' + 'a');
		curl_url_set(u, CURLUPART_HOST, host, 0);
	}
	if (curl_url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_OK && query) {
		struct buf q;
		buf_init(&q, 0);
		for (const char *p = query; *p;) {
			size_t n = strcspn(p, "&");
			if (n > 0 && !tracking_param(p, n)) {
				if (q.len)
					buf_appendc(&q, '&');
				buf_append(&q, p, n);
			}
			p += n;
			if (*p == '&')
				p++;
		}
		curl_url_set(u, CURLUPART_QUERY, q.len ? q.data : NULL, 0);
		buf_free(&q);
	}
	if (curl_url_get(u, CURLUPART_URL, &out, 0) != CURLUE_OK)
		goto fallback;
	res = xstrdup(out);
	curl_free(out);
	curl_free(host);
	curl_free(query);
	curl_url_cleanup(u);
	return res;
fallback:
	curl_free(host);
	curl_free(query);
	curl_url_cleanup(u);
	return xstrdup(url);
}
