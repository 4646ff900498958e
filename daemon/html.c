/* html.c — reduces the HTML fragments found in feed summaries and titles to plain text,
 * with libxml2's HTML parser in push + SAX mode (no tree), for matching and for alerts.
 *
 * The pipeline: input bytes are cleaned (invalid UTF-8 and C0 controls become U+FFFD, so
 * libxml2 never falls back to ISO-8859-1) and pushed in chunks; the SAX callbacks gather
 * each run of text between two tags, decode the entity references that are still there
 * after libxml2's own decoding (feeds double-escape: "&amp;#78;ATO"), collapse white
 * space and append to the output, which is capped at max_out bytes: once it is full the
 * parser is stopped and no more input is read.
 *
 * Hostile input: libxml2 2.9's HTML parser scans its whole element stack for every end
 * tag, which is quadratic in the nesting depth, so past HTML_MAX_DEPTH open elements we
 * stop and return the text gathered so far. Errors go to a structured handler that
 * discards them: nothing reaches stderr; <meta charset> is ignored (IGNORE_ENC).
 *
 * Choices worth knowing: text without any markup (html_looks_like_markup() false) skips
 * the parser and keeps its own line breaks; C1 controls (U+0080-U+009F, from "&#146;"
 * or raw) are read as windows-1252 like HTML5 does, so no terminal CSI gets through;
 * numeric references to C0 controls are dropped by libxml2 at the first level and become
 * U+FFFD at the second; "<![CDATA[...]]>" in an HTML fragment stays as literal text. */
#include "html.h"

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Open elements we follow before giving up on the rest of the fragment. */
#define HTML_MAX_DEPTH 256
/* Bytes of input handed to libxml2 at a time. */
#define HTML_CHUNK (64 * 1024)
/* A text run longer than this is processed before its closing tag arrives. */
#define HTML_RUN_MAX (64 * 1024)
/* Longest entity reference we decode ourselves ("&#x0000010FFFF;" and names). */
#define HTML_ENT_MAX 40

enum html_kind {
	HK_INLINE = 0,
	HK_LINE,		/* a line break before and after: div, li, tr, ... */
	HK_PARA,		/* a blank line before and after: p, h1, ul, table, ... */
	HK_BR,			/* one line break */
	HK_CELL,		/* a space before and after: td, th */
	HK_PRE,			/* a paragraph whose line breaks are kept */
	HK_SKIP,		/* the content is dropped: script, style, ... */
};

struct html_elem {
	const char *name;
	enum html_kind kind;
};

struct html_state {
	htmlParserCtxtPtr ctxt;	/* NULL on the plain-text path */
	struct buf out;		/* the text so far; never more than max_out bytes */
	size_t max_out;		/* 0 = no cap */
	struct buf run;		/* text since the last tag, not yet decoded */
	struct buf tmp;		/* scratch for decoding */
	struct buf in;		/* scratch for cleaning input */
	bool one_line;		/* html_to_line(): every break is a space */
	bool keep_newlines;	/* line feeds in text are breaks (plain text, <pre>) */
	bool full;		/* the cap is reached */
	bool stopped;		/* parsing stopped (cap or depth) */
	bool pending_space;
	int pending_nl;		/* line breaks owed before the next text: 0, 1 or 2 */
	int depth;		/* open elements */
	int skip;		/* open elements whose content is dropped */
	int pre;		/* open <pre> elements */
};

static enum html_kind html_kind_of(const xmlChar *name);
static void html_stop(struct html_state *st);
static void html_break(struct html_state *st, int lines);
static void html_put(struct html_state *st, const char *p, size_t n);
static void html_put_cp(struct html_state *st, uint32_t cp);
static void html_emit(struct html_state *st, const char *s, size_t n);
static size_t html_entity(const char *s, size_t n, uint32_t *cp);
static uint32_t html_fix_cp(uint32_t cp);
static size_t utf8_encode(uint32_t cp, char *out);
static void html_flush_run(struct html_state *st, bool all);
static int html_char_len(const char *s, size_t n);
static size_t html_clean_len(const char *s, size_t n);
static void html_buf_reserve(struct buf *b, size_t cap);
static size_t html_push_clean(struct html_state *st, const char *s, size_t n, bool more);
static bool html_entity_syntax(const char *s, size_t n);
static bool html_markup_n(const char *s, size_t n);
static void html_start_cb(void *ctx, const xmlChar *name, const xmlChar **atts);
static void html_end_cb(void *ctx, const xmlChar *name);
static void html_chars_cb(void *ctx, const xmlChar *ch, int len);
static void html_error_cb(void *ctx, xmlErrorPtr err);
static void html_parse(struct html_state *st, const char *html, size_t len);
static char *html_convert(const char *html, size_t len, size_t max_out, bool one_line);

/* Sorted by name (see html_kind_of()). Images, iframes, audio and video say nothing
 * in text; their fallback content is dropped too. */
static const struct html_elem html_elems[] = {
	{ "address", HK_PARA }, { "article", HK_PARA }, { "aside", HK_PARA },
	{ "audio", HK_SKIP }, { "blockquote", HK_PARA }, { "br", HK_BR },
	{ "canvas", HK_SKIP }, { "caption", HK_LINE }, { "center", HK_LINE },
	{ "dd", HK_LINE }, { "details", HK_PARA }, { "div", HK_LINE }, { "dl", HK_PARA },
	{ "dt", HK_LINE }, { "figcaption", HK_LINE }, { "figure", HK_PARA },
	{ "footer", HK_PARA }, { "form", HK_LINE }, { "h1", HK_PARA }, { "h2", HK_PARA },
	{ "h3", HK_PARA }, { "h4", HK_PARA }, { "h5", HK_PARA }, { "h6", HK_PARA },
	{ "head", HK_SKIP }, { "header", HK_PARA }, { "hr", HK_PARA },
	{ "iframe", HK_SKIP }, { "li", HK_LINE }, { "main", HK_PARA }, { "math", HK_SKIP },
	{ "nav", HK_PARA }, { "noscript", HK_SKIP }, { "object", HK_SKIP },
	{ "ol", HK_PARA }, { "p", HK_PARA }, { "pre", HK_PRE }, { "script", HK_SKIP },
	{ "section", HK_PARA }, { "select", HK_SKIP }, { "style", HK_SKIP },
	{ "summary", HK_LINE }, { "svg", HK_SKIP }, { "table", HK_PARA },
	{ "td", HK_CELL }, { "template", HK_SKIP }, { "textarea", HK_SKIP },
	{ "th", HK_CELL }, { "title", HK_SKIP }, { "tr", HK_LINE }, { "ul", HK_PARA },
	{ "video", HK_SKIP },
};

/* What HTML5 makes of the C1 range, U+0080-U+009F (windows-1252); U+FFFD where
 * windows-1252 has no character. Raw C1 controls (U+009B is a terminal CSI) never
 * reach the output. */
static const uint16_t html_c1[32] = {
	0x20ac, 0xfffd, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0xfffd, 0x017d, 0xfffd,
	0xfffd, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0xfffd, 0x017e, 0x0178,
};

/* libxml2 hands us lower-case names; a linear scan of the few entries that share the
 * first letter is quicker than bsearch() with strcmp(). */
static enum html_kind
html_kind_of(const xmlChar *name)
{
	static const size_t n = sizeof(html_elems) / sizeof(html_elems[0]);
	size_t i = 0;

	while (i < n && (unsigned char)html_elems[i].name[0] < name[0])
		i++;
	for (; i < n && (unsigned char)html_elems[i].name[0] == name[0]; i++)
		if (strcmp((const char *)name, html_elems[i].name) == 0)
			return html_elems[i].kind;
	return HK_INLINE;
}

/* Stops the parser (if any): no more callbacks, no more input. */
static void
html_stop(struct html_state *st)
{
	st->stopped = true;
	if (st->ctxt != NULL)
		xmlStopParser(st->ctxt);
}

/* Asks for line breaks (1 = new line, 2 = blank line) before the next text. */
static void
html_break(struct html_state *st, int lines)
{
	if (st->one_line) {
		st->pending_space = true;
		return;
	}
	if (lines > 2)
		lines = 2;
	if (st->pending_nl < lines)
		st->pending_nl = lines;
}

/* Appends text (complete UTF-8 sequences, no white space at its ends) after the owed
 * separator; cuts at a character boundary and stops at the cap. */
static void
html_put(struct html_state *st, const char *p, size_t n)
{
	const char *sep = "";
	size_t seplen = 0;

	if (st->full)
		return;
	if (st->out.len > 0) {
		if (st->pending_nl > 0) {
			sep = st->pending_nl > 1 ? "\n\n" : "\n";
			seplen = (size_t)st->pending_nl;
		} else if (st->pending_space) {
			sep = " ";
			seplen = 1;
		}
	}
	if (st->max_out > 0 && st->out.len + seplen + n > st->max_out) {
		size_t room = st->max_out - st->out.len;

		st->full = true;
		html_stop(st);
		if (room <= seplen)
			return;
		n = room - seplen;
		while (n > 0 && ((unsigned char)p[n] & 0xc0) == 0x80)
			n--;
		if (n == 0)
			return;
	}
	buf_append(&st->out, sep, seplen);
	buf_append(&st->out, p, n);
	st->pending_nl = 0;
	st->pending_space = false;
}

static void
html_put_cp(struct html_state *st, uint32_t cp)
{
	char u[4];

	html_put(st, u, utf8_encode(cp, u));
}

/* Appends text, collapsing white space (NBSP included) into the owed separator. */
static void
html_emit(struct html_state *st, const char *s, size_t n)
{
	size_t i = 0;
	bool nl_breaks = st->keep_newlines || st->pre > 0;

	while (i < n && !st->full) {
		unsigned char c = (unsigned char)s[i], d;
		size_t j;

		switch (c) {
		case ' ': case '\t': case '\r': case '\f': case '\v':
			st->pending_space = true;
			i++;
			continue;
		case '\n':
			if (nl_breaks && !st->one_line) {
				if (st->pending_nl < 2 && st->out.len > 0)
					st->pending_nl++;
			} else {
				st->pending_space = true;
			}
			i++;
			continue;
		case 0xc2:
			d = i + 1 < n ? (unsigned char)s[i + 1] : 0;
			if (d == 0xa0) {
				st->pending_space = true;
				i += 2;
				continue;
			}
			if (d >= 0x80 && d <= 0x9f) {
				html_put_cp(st, html_c1[d - 0x80]);
				i += 2;
				continue;
			}
			break;
		default:
			if (c < 0x20 || c == 0x7f) {
				html_put_cp(st, 0xfffd);
				i++;
				continue;
			}
			break;
		}
		/* A run of ordinary bytes. */
		for (j = i + 1; j < n; j++) {
			c = (unsigned char)s[j];
			if (c <= 0x20 || c == 0x7f || c == 0xc2)
				break;
		}
		html_put(st, s + i, j - i);
		i = j;
	}
}

/* Maps a decoded code point to what we output: C0 controls (except tab, LF, CR), DEL,
 * surrogates and values beyond U+10FFFF become U+FFFD; C1 as in HTML5. */
static uint32_t
html_fix_cp(uint32_t cp)
{
	if (cp == '\t' || cp == '\n' || cp == '\r')
		return cp;
	if (cp < 0x20 || cp == 0x7f || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0xfffd;
	if (cp >= 0x80 && cp <= 0x9f)
		return html_c1[cp - 0x80];
	return cp;
}

static size_t
utf8_encode(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Recognises an entity reference at s (s[0] == '&'): "&#NN;", "&#xHH;" or "&name;" for
 * a name libxml2 knows. Returns its length and sets *cp, or returns 0. */
static size_t
html_entity(const char *s, size_t n, uint32_t *cp)
{
	char name[HTML_ENT_MAX];
	const htmlEntityDesc *ent;
	uint64_t v = 0;
	size_t i = 1, start;

	if (n > HTML_ENT_MAX)
		n = HTML_ENT_MAX;
	if (i < n && s[i] == '#') {
		bool hex = ++i < n && (s[i] == 'x' || s[i] == 'X');

		if (hex)
			i++;
		start = i;
		for (; i < n; i++) {
			char c = s[i];
			int d;

			if (c >= '0' && c <= '9')
				d = c - '0';
			else if (hex && c >= 'a' && c <= 'f')
				d = c - 'a' + 10;
			else if (hex && c >= 'A' && c <= 'F')
				d = c - 'A' + 10;
			else
				break;
			v = v * (hex ? 16 : 10) + (uint64_t)d;
			if (v > 0x110000)
				v = 0x110000;	/* saturate: "beyond U+10FFFF" */
		}
		if (i == start || i >= n || s[i] != ';')
			return 0;
		*cp = (uint32_t)v;
		return i + 1;
	}
	start = i;
	while (i < n && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
	    (i > start && s[i] >= '0' && s[i] <= '9')))
		i++;
	if (i == start || i >= n || s[i] != ';')
		return 0;
	memcpy(name, s + start, i - start);
	name[i - start] = '\0';
	if ((ent = htmlEntityLookup((const xmlChar *)name)) == NULL)
		return 0;
	*cp = ent->value;
	return i + 1;
}

/* Whether s (s[0] == '&') starts something shaped like an entity reference: "&name;",
 * "&#NN;" or "&#xHH;", known or not. */
static bool
html_entity_syntax(const char *s, size_t n)
{
	size_t i = 1, start;
	bool hex = false;

	if (n > HTML_ENT_MAX)
		n = HTML_ENT_MAX;
	if (i < n && s[i] == '#') {
		i++;
		if (i < n && (s[i] == 'x' || s[i] == 'X')) {
			hex = true;
			i++;
		}
		start = i;
		while (i < n && ((s[i] >= '0' && s[i] <= '9') || (hex &&
		    ((s[i] >= 'a' && s[i] <= 'f') || (s[i] >= 'A' && s[i] <= 'F')))))
			i++;
	} else {
		start = i;
		while (i < n && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (i > start && s[i] >= '0' && s[i] <= '9')))
			i++;
	}
	return i > start && i < n && s[i] == ';';
}

/* Decodes what is left of entity references in the gathered text run and emits it.
 * Unless all is set, keeps a possibly unfinished reference at the end for later. */
static void
html_flush_run(struct html_state *st, bool all)
{
	const char *s = st->run.data, *amp;
	size_t n = st->run.len, keep = 0, i = 0;

	if (n == 0)
		return;
	if (!all) {
		const char *tail = s + (n > HTML_ENT_MAX ? n - HTML_ENT_MAX : 0);

		if ((amp = memrchr(tail, '&', (size_t)(s + n - tail))) != NULL) {
			keep = (size_t)(s + n - amp);
			n -= keep;
		}
	}
	if (memchr(s, '&', n) == NULL) {
		html_emit(st, s, n);
	} else {
		buf_reset(&st->tmp);
		while (i < n) {
			uint32_t cp;
			size_t k;
			char u[4];

			amp = memchr(s + i, '&', n - i);
			if (amp == NULL) {
				buf_append(&st->tmp, s + i, n - i);
				break;
			}
			buf_append(&st->tmp, s + i, (size_t)(amp - (s + i)));
			i = (size_t)(amp - s);
			if ((k = html_entity(amp, n - i, &cp)) == 0) {
				buf_appendc(&st->tmp, '&');
				i++;
				continue;
			}
			buf_append(&st->tmp, u, utf8_encode(html_fix_cp(cp), u));
			i += k;
		}
		html_emit(st, st->tmp.data, st->tmp.len);
	}
	memmove(st->run.data, st->run.data + n, keep);
	st->run.len = keep;
	st->run.data[keep] = '\0';
}

/* The length of the character at s if it may go to libxml2 as it is (valid UTF-8, not
 * a C0 control other than tab, LF, CR); 0 when it is bad; -1 when it is cut short by
 * the end of s and might be complete with more bytes. */
static int
html_char_len(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned char c = u[0];
	size_t k;

	if (c < 0x80)
		return c >= 0x20 || c == '\t' || c == '\n' || c == '\r' ? 1 : 0;
	if (c >= 0xc2 && c <= 0xdf)
		k = 2;
	else if (c >= 0xe0 && c <= 0xef)
		k = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		k = 4;
	else
		return 0;
	for (size_t j = 1; j < k; j++) {
		if (j >= n)
			return -1;	/* cut short, valid so far */
		if ((u[j] & 0xc0) != 0x80)
			return 0;
		/* No overlongs, surrogates or values past U+10FFFF. */
		if (j == 1 && ((c == 0xe0 && u[1] < 0xa0) || (c == 0xed && u[1] > 0x9f) ||
		    (c == 0xf0 && u[1] < 0x90) || (c == 0xf4 && u[1] > 0x8f)))
			return 0;
	}
	return (int)k;
}

/* Length of the prefix of s[0..n) that html_char_len() accepts as it is. */
static size_t
html_clean_len(const char *s, size_t n)
{
	size_t i = 0;
	int k;

	for (;;) {
		while (i < n && (unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x80)
			i++;
		if (i >= n || (k = html_char_len(s + i, n - i)) <= 0)
			return i;
		i += (size_t)k;
	}
}

/* Hands s[0..n) to libxml2, each bad byte replaced with U+FFFD. Returns the bytes
 * consumed: all of them, except a character cut by the end of s when more input follows
 * (more is set). */
static size_t
html_push_clean(struct html_state *st, const char *s, size_t n, bool more)
{
	size_t i = html_clean_len(s, n);
	int k = i < n ? html_char_len(s + i, n - i) : 1;

	if (i == n || (more && k < 0 && i > 0)) {
		htmlParseChunk(st->ctxt, s, (int)i, 0);
		return i;
	}
	/* Slow path: copy with replacements. */
	buf_reset(&st->in);
	buf_append(&st->in, s, i);
	while (i < n) {
		k = html_char_len(s + i, n - i);
		if (k > 0) {
			buf_append(&st->in, s + i, (size_t)k);
			i += (size_t)k;
		} else if (k < 0 && more && st->in.len > 0) {
			break;
		} else {
			buf_append(&st->in, "\xef\xbf\xbd", 3);
			i++;
		}
	}
	htmlParseChunk(st->ctxt, st->in.data, (int)st->in.len, 0);
	return i;
}

/* Whether s[0..n) holds '<' followed by a letter, '/' or '!', or an entity reference. */
static bool
html_markup_n(const char *s, size_t n)
{
	/* from one '<' or '&' to the next (memchr is vectorised; most text has few), each
	 * kind searched again only after it was looked at, so the scan stays linear */
	const char *lt = memchr(s, '<', n), *amp = memchr(s, '&', n);

	while (lt || amp) {
		size_t i = (size_t)((lt && (!amp || lt < amp) ? lt : amp) - s);

		if (s[i] == '<') {
			char c = i + 1 < n ? s[i + 1] : ' ';

			if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '/' || c == '!')
				return true;
			lt = i + 1 < n ? memchr(s + i + 1, '<', n - i - 1) : NULL;
		} else {
			if (html_entity_syntax(s + i, n - i))
				return true;
			amp = i + 1 < n ? memchr(s + i + 1, '&', n - i - 1) : NULL;
		}
	}
	return false;
}

/* startElement: line breaks for blocks, bookkeeping for dropped content and depth. */
static void
html_start_cb(void *ctx, const xmlChar *name, const xmlChar **atts)
{
	struct html_state *st = ctx;
	enum html_kind kind;

	if (st->stopped)
		return;
	if (++st->depth > HTML_MAX_DEPTH) {
		html_flush_run(st, true);
		html_stop(st);
		return;
	}
	kind = html_kind_of(name);
	if (kind == HK_INLINE || (st->skip > 0 && kind != HK_SKIP))
		return;
	html_flush_run(st, true);
	switch (kind) {
	case HK_SKIP:
		st->skip++;
		break;
	case HK_LINE:
		html_break(st, 1);
		break;
	case HK_PRE:
		st->pre++;
		/* FALLTHROUGH */
	case HK_PARA:
		html_break(st, 2);
		break;
	case HK_BR:
		if (st->one_line)
			st->pending_space = true;
		else if (st->out.len > 0 && st->pending_nl < 2)
			st->pending_nl++;
		break;
	case HK_CELL:
		st->pending_space = true;
		break;
	case HK_INLINE:
		break;
	}
}

/* endElement */
static void
html_end_cb(void *ctx, const xmlChar *name)
{
	struct html_state *st = ctx;
	enum html_kind kind;

	if (st->stopped)
		return;
	if (st->depth > 0)
		st->depth--;
	kind = html_kind_of(name);
	if (kind == HK_INLINE || kind == HK_BR || (st->skip > 0 && kind != HK_SKIP))
		return;
	html_flush_run(st, true);
	switch (kind) {
	case HK_SKIP:
		if (st->skip > 0)
			st->skip--;
		break;
	case HK_LINE:
		html_break(st, 1);
		break;
	case HK_PRE:
		if (st->pre > 0)
			st->pre--;
		/* FALLTHROUGH */
	case HK_PARA:
		html_break(st, 2);
		break;
	case HK_CELL:
		st->pending_space = true;
		break;
	case HK_BR:
	case HK_INLINE:
		break;
	}
}

/* characters, ignorableWhitespace and cdataBlock: gathers the text of the current run. */
static void
html_chars_cb(void *ctx, const xmlChar *ch, int len)
{
	struct html_state *st = ctx;

	if (st->stopped || st->skip > 0 || len <= 0)
		return;
	/* No reference can span this piece: skip the copy. */
	if (st->run.len == 0 && memchr(ch, '&', (size_t)len) == NULL) {
		html_emit(st, (const char *)ch, (size_t)len);
		return;
	}
	buf_append(&st->run, ch, (size_t)len);
	if (st->run.len > HTML_RUN_MAX)
		html_flush_run(st, false);
}

/* serror: libxml2's complaints about tag soup are expected; drop them. */
static void
html_error_cb(void *ctx, xmlErrorPtr err)
{
}

/* Pushes the cleaned input through libxml2's HTML parser. */
static void
html_parse(struct html_state *st, const char *html, size_t len)
{
	xmlSAXHandler sax;
	size_t pos = 0;

	memset(&sax, 0, sizeof(sax));
	sax.initialized = XML_SAX2_MAGIC;	/* so that serror is used */
	sax.startElement = html_start_cb;
	sax.endElement = html_end_cb;
	sax.characters = html_chars_cb;
	sax.ignorableWhitespace = html_chars_cb;
	sax.cdataBlock = html_chars_cb;
	sax.serror = html_error_cb;
	st->ctxt = htmlCreatePushParserCtxt(&sax, st, NULL, 0, NULL, XML_CHAR_ENCODING_UTF8);
	if (st->ctxt == NULL)
		return;
	htmlCtxtUseOptions(st->ctxt, HTML_PARSE_NONET | HTML_PARSE_NOERROR |
	    HTML_PARSE_NOWARNING | HTML_PARSE_RECOVER | HTML_PARSE_IGNORE_ENC);
	/* Open a body first: text at the top level then goes into it, where libxml2 would
	 * otherwise wrap the first words in an implied <p> (and a paragraph break). */
	htmlParseChunk(st->ctxt, "<body>", 6, 0);
	while (pos < len && !st->stopped) {
		size_t n = len - pos > HTML_CHUNK ? HTML_CHUNK : len - pos;

		pos += html_push_clean(st, html + pos, n, pos + n < len);
	}
	if (!st->stopped)
		htmlParseChunk(st->ctxt, NULL, 0, 1);
	htmlFreeParserCtxt(st->ctxt);
	st->ctxt = NULL;
}

/* Gives an empty buffer room for cap bytes at once (it still grows past them). */
static void
html_buf_reserve(struct buf *b, size_t cap)
{
	if (b->data != NULL || cap < 64)
		return;
	b->data = xmalloc(cap);
	b->data[0] = '\0';
	b->cap = cap;
}

/* The common body of html_to_text() and html_to_line(). */
static char *
html_convert(const char *html, size_t len, size_t max_out, bool one_line)
{
	struct html_state st;
	char *res;
	size_t n;

	memset(&st, 0, sizeof(st));
	buf_init(&st.out, 0);
	buf_init(&st.run, 0);
	buf_init(&st.tmp, 0);
	buf_init(&st.in, 0);
	html_buf_reserve(&st.out, (max_out > 0 && max_out < len ? max_out : len) + 1);
	st.max_out = max_out;
	st.one_line = one_line;
	if (html == NULL)
		len = 0;
	if (len > 0 && html_markup_n(html, len)) {
		html_parse(&st, html, len);
		st.stopped = false;
		html_flush_run(&st, true);
	} else if (len > 0) {
		/* Plain text: keep its line structure, only clean and squeeze. */
		st.keep_newlines = true;
		if (html_clean_len(html, len) == len) {
			html_emit(&st, html, len);
		} else {
			char *clean = utf8_sanitize(html, len);

			html_emit(&st, clean, strlen(clean));
			free(clean);
		}
	}
	buf_free(&st.run);
	buf_free(&st.tmp);
	buf_free(&st.in);
	n = st.out.len;
	res = buf_steal(&st.out);
	if (html_clean_len(res, n) != n) {
		char *s = utf8_sanitize(res, n);	/* the last guard; never needed */

		free(res);
		res = s;
	}
	return res;
}

/* Converts an HTML fragment to plain text with line breaks (see html.h). */
char *
html_to_text(const char *html, size_t len, size_t max_out)
{
	return html_convert(html, len, max_out, false);
}

/* Converts an HTML fragment to one line of plain text (titles). */
char *
html_to_line(const char *html, size_t len, size_t max_out)
{
	return html_convert(html, len, max_out, true);
}

/* Cheap test: a tag opener or an entity reference somewhere in s. */
int
html_looks_like_markup(const char *s)
{
	return s != NULL && html_markup_n(s, strlen(s));
}
