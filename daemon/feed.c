/* feed.c — the streaming feed parser: bytes in, entries out.
 *
 * This is the only file that includes libxml2's XML parser. Bytes pass through three
 * stages:
 *   1. sniff: the first bytes decide JSON Feed or XML, and which encoding applies
 *      (BOM > caller's charset > XML declaration > UTF-8);
 *   2. a byte pre-filter (ASCII-compatible encodings only) that makes the most common
 *      malformations well-formed before libxml2 sees them, because libxml2 2.9's recover
 *      mode is lossy: after any error it silently drops every later entity reference,
 *      so one stray "&" in a link would eat all "&amp;" and "&lt;" that follow, and a bare
 *      "<" halts the parse. Bare "&" and "<" become "&amp;"/"&lt;", unknown named
 *      references become literal text, invalid UTF-8 becomes U+FFFD, and a raw NUL
 *      becomes a byte libxml2 reports as an invalid character (so the damaged entry is
 *      dropped, not silently truncated). It copies nothing it does not change: runs of
 *      unchanged bytes go on as slices of the caller's chunk;
 *   3. libxml2's push parser with SAX2 callbacks and no tree, fed in slices of exactly
 *      FEED_XML_SLICE bytes whatever the caller's chunks were (libxml2's recovery from
 *      broken markup depends on how much input it holds, so the same document must
 *      always reach it cut the same way); a stack of frames tracks
 *      where we are (feed, entry, field), text is captured only inside fields we want,
 *      and each entry is handed to the caller when it closes.
 *
 * Safety: entity declarations are ignored (never registered, so never expanded), the
 * external entity loader refuses everything, no DTD is loaded, and NOENT, DTDLOAD and
 * HUGE are never set, so libxml2's own depth, name and text limits stay in force. Each
 * captured text is capped at max_text bytes. */
#include "feed.h"

#include <libxml/HTMLparser.h>
#include <libxml/entities.h>
#include <libxml/hash.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <iconv.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#ifdef __SSE2__
#include <emmintrin.h>
#include <tmmintrin.h>	/* SSSE3, only in functions built for it (see pf_scan_utf8) */
#endif

#include "crypto.h"
#include "date.h"
#include "feed_internal.h"
#include "html.h"
#include "log.h"
#include "url.h"

#define FEED_DEFAULT_MAX_TEXT	(1024 * 1024)
#define FEED_MAX_JSON		(32 * 1024 * 1024)
#define FEED_SNIFF_BYTES	512
#define FEED_MAX_FRAMES		256	/* nesting depth (libxml2's recover mode has no limit) */
#define FEED_MAX_ATTRS		256	/* attributes in one tag (libxml2 checks pairs) */
#define FEED_AMP_LOOKAHEAD	34	/* "&" + longest entity name we accept + ";" */
#define FEED_XML_SLICE		(16 * 1024)	/* libxml2 reads the stream in slices this big */
#define FEED_TEXT_KEEP		(256 * 1024)	/* capture buffer kept between fields */
#define FEED_IDS_KEEP		64	/* a spare parser keeps an id table this big (cleared per use) */
#define FEED_PINNED_ENCODINGS	32	/* legacy encodings whose converter stays loaded */

/* Namespaces we know, by URI. */
enum feed_ns {
	NS_OTHER, NS_RSS, NS_RSS090, NS_RDF, NS_ATOM10, NS_ATOM03, NS_CONTENT, NS_DC,
	NS_DCTERMS, NS_MEDIA, NS_XHTML, NS_ITUNES, NS_XML,
};

/* Elements we act on, whatever their namespace spelling. */
enum feed_tag {
	TAG_OTHER,
	TAG_RSS, TAG_RDF, TAG_FEED, TAG_CHANNEL, TAG_ITEM, TAG_ENTRY,
	TAG_TITLE, TAG_LINK, TAG_DESCRIPTION, TAG_GUID, TAG_PUBDATE, TAG_AUTHOR, TAG_CATEGORY,
	TAG_ENCLOSURE, TAG_TTL,
	TAG_ATOM_ID, TAG_ATOM_SUMMARY, TAG_ATOM_CONTENT, TAG_ATOM_PUBLISHED, TAG_ATOM_UPDATED,
	TAG_ATOM_ISSUED, TAG_ATOM_MODIFIED, TAG_ATOM_CREATED, TAG_ATOM_NAME, TAG_ATOM_EMAIL,
	TAG_CONTENT_ENCODED, TAG_DC_CREATOR, TAG_DC_DATE, TAG_DC_SUBJECT, TAG_DC_TITLE,
	TAG_DC_DESCRIPTION, TAG_DCTERMS_MODIFIED,
	TAG_MEDIA_CONTENT, TAG_MEDIA_DESCRIPTION, TAG_MEDIA_TITLE, TAG_MEDIA_GROUP,
	TAG_ITUNES_SUMMARY, TAG_XHTML_BODY,
};

/* What a frame of the element stack is. */
enum feed_ctx {
	CTX_DOC,	/* outside the root, or the root of an unknown document */
	CTX_FEED,	/* rss, rdf:RDF, channel, atom:feed: feed-level fields live here */
	CTX_ENTRY,	/* item / entry */
	CTX_AUTHOR,	/* atom:author inside an entry */
	CTX_GROUP,	/* media:group inside an entry */
	CTX_FIELD,	/* capturing text for one field */
	CTX_SKIP,	/* an element we ignore, with everything inside it */
};

/* Which field a capture fills. */
enum feed_field {
	F_NONE,
	F_FEED_TITLE, F_FEED_LINK, F_FEED_TTL,
	F_TITLE, F_LINK, F_SUMMARY, F_CONTENT, F_GUID, F_ATOM_ID, F_PUBDATE, F_DCDATE,
	F_PUBLISHED, F_UPDATED, F_CREATED, F_AUTHOR, F_AUTHOR_NAME, F_AUTHOR_EMAIL,
	F_CATEGORY, F_CONTENT_ENCODED, F_MEDIA_DESC, F_MEDIA_TITLE, F_DC_TITLE, F_DC_DESC,
	F_ITUNES_SUMMARY,
};

/* (the entry's dates are kept in an array in this order) */
_Static_assert(F_DCDATE == F_PUBDATE + 1 && F_PUBLISHED == F_PUBDATE + 2 &&
    F_UPDATED == F_PUBDATE + 3 && F_CREATED == F_PUBDATE + 4, "date fields in a row");

/* How a capture treats what is inside the field. */
enum feed_textmode {
	TM_TEXT,	/* plain text (Atom type="text") */
	TM_MAYBE_HTML,	/* RSS: text that may hold escaped HTML; child tags serialised */
	TM_HTML,	/* Atom type="html": escaped HTML */
	TM_XHTML,	/* Atom type="xhtml": child elements serialised, wrapper div dropped */
};

struct feed_frame {
	enum feed_ctx ctx;
	enum feed_tag tag;
	char *base;		/* effective xml:base; owned when own_base */
	bool own_base;
	bool serial;		/* serialised markup inside a captured field */
	bool wrapper;		/* the xhtml div we do not serialise */
	bool closed;		/* closed early by recovery: its end does nothing */
};

/* The bytes of a document that is not yet known to be XML or JSON, and how to decode it. */
enum feed_mode { MODE_SNIFF, MODE_XML, MODE_JSON, MODE_DONE };

/* Byte pre-filter state: where we are lexically, so CDATA and comments stay untouched. */
enum prefilter_state {
	PF_TEXT, PF_TAG, PF_CDATA, PF_COMMENT, PF_PI,
	PF_DQUOTE, PF_SQUOTE,	/* only stop tables: inside a tag's quoted value */
	PF_NSTATES
};

struct feed_parser {
	struct feed_parser_options opts;
	char *base_url;
	char *charset;
	feed_entry_cb cb;
	void *cb_arg;
	struct feed_meta meta;
	char *error;
	bool failed;		/* fatal: no more entries */
	bool stopped;		/* the callback asked to stop */
	bool seen_bytes;	/* any non-whitespace byte */

	enum feed_mode mode;

	/* XML */
	xmlParserCtxtPtr ctxt;
	bool utf8;		/* sanitize UTF-8 */
	bool ascii_compat;	/* run the pre-filter */
	enum prefilter_state pf_state;
	char pf_ref[16];	/* a character reference replacing an HTML entity */
	bool pf_bad_utf8, pf_bare_amp, pf_bare_lt, pf_unknown_entity, pf_html_entity;
	char pf_quote;		/* in PF_TAG: the open attribute quote, or 0 */
	int pf_attrs;		/* in PF_TAG: attribute values so far */
	bool pf_fail;		/* the pre-filter refused the document */

	int depth;		/* number of frames in use */
	int overflow;		/* elements deeper than FEED_MAX_FRAMES, ignored */

	/* the field being captured */
	enum feed_field field;
	enum feed_textmode textmode;
	int field_depth;	/* frame index of the field element */
	bool field_feedlevel;

	/* the entry being built */
	bool in_entry;
	bool entry_damaged;
	struct feed_entry_draft draft;
	char *e_rsslink, *e_atomlink, *e_guid, *e_atomid, *e_about;
	bool e_atomlink_html;
	bool e_guid_permalink;
	bool e_title_html;	/* a title of this entry came out of the HTML parser */
	int64_t e_date[5];	/* pubDate, dc:date, published, updated, created (enum feed_field */
	bool e_date_set[5];	/* order, from F_PUBDATE): parsed as they close, first wins */
	char *e_summary, *e_content_encoded, *e_content, *e_media_desc, *e_itunes_summary;
	char *e_media_title, *e_dc_title, *e_dc_desc;
	char *e_author_name, *e_author_email;
	bool feed_link_html;

	/* namespace URIs are interned per parser context: the namespaces of the URIs seen,
	 * by address (a feed alternates between a few: RSS, dc:, content:, xml:base's) */
	struct { const xmlChar *uri; enum feed_ns ns; } ns_memo[8];
	/* so are element names: the tags of the names seen, by address (this document's
	 * dictionary only: cleared with the parser) */
	struct { const xmlChar *name; enum feed_ns ns; enum feed_tag tag; } tag_memo[32];

	size_t ids_n;		/* ids handed out in this document (in ids, below) */
	/* fallback ids that collided: base hash -> the last "#k" given, so that a feed of
	 * thousands of identical items costs linear time, not quadratic */
	struct { uint64_t h; int k; } *dups;
	size_t dups_cap, dups_n;

	/* The buffers: feed_parser_new clears every field above this point and keeps these
	 * (emptied) from the spare parser, so they stay together here. */
	struct buf sniff;	/* first bytes, until the mode is known */
	struct buf json;	/* a JSON document, whole */
	struct buf pf_tail;	/* bytes held back across a chunk boundary */
	struct buf pf_join;	/* pf_tail + the next chunk, reused */
	struct buf xml_stage;	/* filtered bytes short of a whole slice (see xml_emit) */
	struct buf text;	/* the field being captured */
	uint64_t *ids;		/* ids handed out (64-bit hashes, open addressing) */
	size_t ids_cap;

	/* last: feed_parser_new leaves it uninitialised (frame_push sets every field of a
	 * frame it opens), so a small document never touches most of its 6 KB */
	struct feed_frame frames[FEED_MAX_FRAMES];
};

static void feed_global_init(void);
static xmlParserInputPtr feed_refuse_loader_cb(const char *url, const char *id,
    xmlParserCtxtPtr ctxt);
static void feed_silent_cb(void *ctx, const char *msg, ...);
static int feed_sniff(struct feed_parser *p, bool final);
static int feed_xml_start(struct feed_parser *p, const char *data, size_t len);	/* bytes used */
static void encoding_pin(const char *name);
static int feed_xml_push(struct feed_parser *p, const char *data, size_t len, bool final);
static void xml_emit(struct feed_parser *p, const char *s, size_t n);
static void xml_slice(struct feed_parser *p, const char *s, size_t n, bool last);
static void prefilter_init(void);
static inline size_t prefilter_scan(const unsigned char *s, size_t i, size_t n,
    const uint8_t *stop, const char c[6], bool high);
static void feed_prefilter(struct feed_parser *p, const char *data, size_t len, bool final);
static size_t prefilter_amp(struct feed_parser *p, const char *s, size_t n, bool final,
    const char **rep, size_t *replen);
static bool xml_entity_name(const char *name, size_t len);
static uint32_t html_entity_cp(const char *name, size_t len);
static bool utf8_incomplete(const char *s, size_t n);
static size_t utf8_trim_partial(const char *s, size_t n);
static char *strip_space(char *s);
static enum feed_ns ns_of(struct feed_parser *p, const xmlChar *uri);
static enum feed_tag tag_of(enum feed_ns ns, const char *name);
static enum feed_tag tag_lookup(struct feed_parser *p, enum feed_ns ns, const xmlChar *name);
static void feed_start_cb(void *ctx, const xmlChar *localname, const xmlChar *prefix,
    const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces, int nb_attributes,
    int nb_defaulted, const xmlChar **attributes);
static void feed_end_cb(void *ctx, const xmlChar *localname, const xmlChar *prefix,
    const xmlChar *uri);
static void feed_chars_cb(void *ctx, const xmlChar *ch, int len);
static xmlEntityPtr feed_get_entity_cb(void *ctx, const xmlChar *name);
static void feed_entity_decl_cb(void *ctx, const xmlChar *name, int type,
    const xmlChar *public_id, const xmlChar *system_id, xmlChar *content);
static void feed_xml_error_cb(void *ctx, xmlErrorPtr err);
static const char *attr_get(struct feed_parser *p, const xmlChar **attributes, int n,
    const char *name, enum feed_ns ns, size_t *len);
static char *attr_dup(struct feed_parser *p, const xmlChar **attributes, int n,
    const char *name, enum feed_ns ns);
static void frame_push(struct feed_parser *p, enum feed_ctx ctx, enum feed_tag tag,
    const xmlChar **attributes, int nb_attributes);
static void capture_begin(struct feed_parser *p, enum feed_field field,
    enum feed_textmode mode);
static void capture_end(struct feed_parser *p);
static void capture_abandon(struct feed_parser *p);
static void serial_start(struct feed_parser *p, const char *name, const xmlChar **attributes,
    int nb_attributes);
static void serial_end(struct feed_parser *p, const char *name);
static void buf_append_escaped(struct buf *b, const char *s, size_t n, bool attr);
static enum feed_textmode atom_textmode(struct feed_parser *p, const xmlChar **attributes,
    int n);
static void entry_begin(struct feed_parser *p);
static void entry_end(struct feed_parser *p, bool truncated);
static void entry_reset(struct feed_parser *p);
static void feed_root(struct feed_parser *p, enum feed_tag tag, enum feed_ns ns,
    const xmlChar **attributes, int nb_attributes);
static void handle_link(struct feed_parser *p, bool feedlevel, const xmlChar **attributes,
    int n);
static void handle_enclosure(struct feed_parser *p, const xmlChar **attributes, int n,
    bool media);
static int64_t parse_length(const char *s);
static bool ids_insert(struct feed_parser *p, const char *id);
static void take(char **slot, char *value);
static void feed_meta_utf8(struct feed_parser *p);

static const char *const ns_uris[] = {
	[NS_RSS090] = "http://my.netscape.com/rdf/simple/0.9/",
	[NS_RDF] = "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
	[NS_ATOM10] = "http://www.w3.org/2005/Atom",
	[NS_ATOM03] = "http://purl.org/atom/ns#",
	[NS_CONTENT] = "http://purl.org/rss/1.0/modules/content/",
	[NS_DC] = "http://purl.org/dc/elements/1.1/",
	[NS_DCTERMS] = "http://purl.org/dc/terms/",
	[NS_MEDIA] = "http://search.yahoo.com/mrss/",
	[NS_XHTML] = "http://www.w3.org/1999/xhtml",
	[NS_ITUNES] = "http://www.itunes.com/dtds/podcast-1.0.dtd",
	[NS_XML] = "http://www.w3.org/XML/1998/namespace",
};

/* The bytes the pre-filter must look at in each lexical state, six per state (repeated to
 * fill): the SSE2 scan compares with them, prefilter_init builds pf_stop from them. NUL is
 * one in text and tags (see feed_prefilter), not in CDATA, comments and PIs. */
static const char pf_stop_bytes[PF_NSTATES][6] = {
	[PF_TEXT] = { '&', '<', 0, 0, 0, 0 },
	[PF_TAG] = { '&', '<', '"', '\'', '>', 0 },
	[PF_CDATA] = { ']', ']', ']', ']', ']', ']' },
	[PF_COMMENT] = { '-', '-', '-', '-', '-', '-' },
	[PF_PI] = { '?', '?', '?', '?', '?', '?' },
	[PF_DQUOTE] = { '"', '<', '&', 0, 0, 0 },
	[PF_SQUOTE] = { '\'', '<', '&', 0, 0, 0 },
};
/* pf_stop[utf8][state][byte]: the same sets as tables, plus every byte >= 0x80 in UTF-8 */
static uint8_t pf_stop[2][PF_NSTATES][256];
#ifdef __SSE2__
/* Whether this CPU runs pf_scan_utf8 (SSSE3: every x86-64 CPU since about 2008; the
 * build's baseline is SSE2), and whether a test turned it off (feed_prefilter_simd). */
static bool pf_simd_utf8, pf_simd_refused;
#endif
static xmlHashTablePtr html_entities;	/* name -> xmlEntity, built on demand, kept */

const char *
feed_format_name(enum feed_format format)
{
	switch (format) {
	case FEED_FORMAT_RSS09X: return "rss0.9x";
	case FEED_FORMAT_RSS20: return "rss2.0";
	case FEED_FORMAT_RSS10: return "rss1.0";
	case FEED_FORMAT_ATOM03: return "atom0.3";
	case FEED_FORMAT_ATOM10: return "atom1.0";
	case FEED_FORMAT_JSONFEED: return "jsonfeed";
	case FEED_FORMAT_UNKNOWN: break;
	}
	return NULL;
}

/* One-time libxml2 setup: no external entity is ever loaded, nothing goes to stderr. */
static void
feed_global_init(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	xmlInitParser();
	xmlSetExternalEntityLoader(feed_refuse_loader_cb);
	xmlSetGenericErrorFunc(NULL, feed_silent_cb);
	html_entities = xmlHashCreate(64);
	prefilter_init();
}

bool
feed_prefilter_simd(bool on)
{
#ifdef __SSE2__
	pf_simd_refused = !on;
	prefilter_init();
	return pf_simd_utf8;
#else
	(void)on;
	return false;
#endif
}

/* xmlExternalEntityLoader: refuses every external entity, DTD and XInclude. */
static xmlParserInputPtr
feed_refuse_loader_cb(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
	return NULL;
}

/* xmlGenericErrorFunc: libxml2's stray messages are dropped; ours come via serror. */
static void
feed_silent_cb(void *ctx, const char *msg, ...)
{
}

/* The last parser freed, with its buffers, for the next feed_parser_new. The daemon parses
 * document after document; allocating and freeing the same buffers for each made glibc
 * give the top of its heap back to the kernel at one free and fault it in again at the
 * next document (page faults are dear on a virtual machine: in a profile of small feeds,
 * a fifth of the parse time). What it keeps is bounded (spare_keep). The process is
 * single-threaded (like url.c's memo). */
static struct feed_parser *parser_spare;

/* Buffers that outgrew what a spare parser keeps are freed; the rest are emptied. */
static void
spare_keep(struct buf *b, size_t keep)
{
	if (b->cap > keep)
		buf_free(b);
	else
		buf_reset(b);
}

void
feed_parser_spare_drop(void)
{
	struct feed_parser *p = parser_spare;

	if (p == NULL)
		return;
	parser_spare = NULL;
	buf_free(&p->sniff);
	buf_free(&p->json);
	buf_free(&p->pf_tail);
	buf_free(&p->pf_join);
	buf_free(&p->xml_stage);
	buf_free(&p->text);
	free(p->ids);
	free(p);
}

struct feed_parser *
feed_parser_new(const struct feed_parser_options *opts, feed_entry_cb cb, void *arg)
{
	struct feed_parser *p = parser_spare;

	if (p) {
		/* its buffers were emptied by feed_parser_free; the id table is cleared */
		parser_spare = NULL;
		if (p->ids)
			memset(p->ids, 0, p->ids_cap * sizeof *p->ids);
	} else {
		p = xmalloc(sizeof *p);
		buf_init(&p->sniff, 0);
		buf_init(&p->json, 0);
		buf_init(&p->pf_tail, 0);
		buf_init(&p->pf_join, 0);
		buf_init(&p->xml_stage, 0);
		buf_init(&p->text, 0);
		p->ids = NULL;
		p->ids_cap = 0;
	}
	memset(p, 0, offsetof(struct feed_parser, sniff));

	feed_global_init();
	if (opts)
		p->opts = *opts;
	if (p->opts.max_text == 0)
		p->opts.max_text = FEED_DEFAULT_MAX_TEXT;
	p->base_url = p->opts.base_url ? xstrdup(p->opts.base_url) : NULL;
	p->charset = p->opts.charset && *p->opts.charset ? xstrdup(p->opts.charset) : NULL;
	p->opts.base_url = p->base_url;
	p->opts.charset = p->charset;
	p->cb = cb;
	p->cb_arg = arg;
	p->json.limit = FEED_MAX_JSON;
	p->text.limit = p->opts.max_text;
	feed_draft_init(&p->draft);
	return p;
}

void
feed_parser_free(struct feed_parser *p)
{
	if (p == NULL)
		return;
	if (p->ctxt) {
		/* libxml2 builds a stub document to hold an internal subset's entity
		 * declarations even in SAX mode ("expat compatibility"): ours to free */
		if (p->ctxt->myDoc)
			xmlFreeDoc(p->ctxt->myDoc);
		xmlFreeParserCtxt(p->ctxt);
	}
	for (int i = 0; i < p->depth; i++)
		if (p->frames[i].own_base)
			free(p->frames[i].base);
	entry_reset(p);
	feed_draft_clear(&p->draft);
	free(p->meta.title);
	free(p->meta.link);
	free(p->error);
	free(p->dups);
	free(p->base_url);
	free(p->charset);
	if (p->ids_cap > FEED_IDS_KEEP) {
		free(p->ids);
		p->ids = NULL;
		p->ids_cap = 0;
	}
	spare_keep(&p->sniff, FEED_SNIFF_BYTES * 2);
	spare_keep(&p->json, FEED_TEXT_KEEP);
	spare_keep(&p->pf_tail, FEED_TEXT_KEEP);
	spare_keep(&p->pf_join, FEED_TEXT_KEEP + FEED_XML_SLICE);
	spare_keep(&p->xml_stage, FEED_XML_SLICE + 1);
	spare_keep(&p->text, FEED_TEXT_KEEP);
	feed_parser_spare_drop();	/* (a parser freed while another is live) */
	parser_spare = p;
}

const struct feed_meta *
feed_parser_meta(const struct feed_parser *p)
{
	return &p->meta;
}

struct feed_meta *
feed_meta_mut(struct feed_parser *p)
{
	return &p->meta;
}

const char *
feed_base_url(const struct feed_parser *p)
{
	return p->base_url;
}

const char *
feed_parser_error(const struct feed_parser *p)
{
	return p->error;
}

void
feed_note_error(struct feed_parser *p, const char *fmt, ...)
{
	va_list ap;
	char msg[512];

	p->meta.bozo = true;
	if (p->error)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	/* one line, printable, UTF-8 */
	for (char *c = msg; *c; c++)
		if (*c == '\n' || *c == '\r' || *c == '\t')
			*c = ' ';
	str_trim(msg);
	p->error = utf8_sanitize(msg, strlen(msg));
}

int
feed_parser_push(struct feed_parser *p, const char *chunk, size_t len)
{
	if (p->failed || p->stopped)
		return -1;
	if (!p->seen_bytes)
		for (size_t i = 0; i < len && !p->seen_bytes; i++)
			if (!strchr(" \t\r\n", chunk[i]))
				p->seen_bytes = true;
	switch (p->mode) {
	case MODE_SNIFF: {
		/* only the first FEED_SNIFF_BYTES are copied: what they decide must not
		 * depend on how the document was cut into chunks */
		size_t take = FEED_SNIFF_BYTES - p->sniff.len;
		int rc;

		if (take > len)
			take = len;
		buf_append(&p->sniff, chunk, take);
		if (p->sniff.len < FEED_SNIFF_BYTES)
			return 0;
		rc = feed_sniff(p, false);
		if (rc < 0 || take == len)
			return rc;
		return feed_parser_push(p, chunk + take, len - take);
	}
	case MODE_JSON:
		if (buf_append(&p->json, chunk, len) < 0) {
			feed_note_error(p, "JSON document larger than %d MiB",
			    FEED_MAX_JSON / (1024 * 1024));
			p->failed = true;
			return -1;
		}
		return 0;
	case MODE_XML:
		return feed_xml_push(p, chunk, len, false);
	case MODE_DONE:
		break;
	}
	return -1;
}

int
feed_parser_finish(struct feed_parser *p)
{
	if (p->mode == MODE_SNIFF && !p->failed) {
		if (!p->seen_bytes) {
			p->mode = MODE_DONE;
			free(p->error);
			p->error = xstrdup("empty document");
			return -1;
		}
		feed_sniff(p, true);
	}
	if (p->mode == MODE_JSON && !p->failed) {
		p->mode = MODE_DONE;
		if (feed_json_parse(p, p->json.data, p->json.len) < 0)
			return -1;
		return 0;
	}
	if (p->mode == MODE_XML) {
		if (!p->failed && !p->stopped)
			feed_xml_push(p, NULL, 0, true);
		p->mode = MODE_DONE;
		/* the document ended inside an entry: keep it only if it is whole enough */
		if (p->in_entry && !p->stopped) {
			feed_note_error(p, "document ends inside an entry");
			if (!p->failed)
				entry_end(p, true);
			else
				entry_reset(p);
		}
		if (p->meta.format == FEED_FORMAT_UNKNOWN) {
			if (!p->error)
				p->error = xstrdup("not a feed: no RSS, RDF or Atom root element");
			else if (strncmp(p->error, "not a feed", 10) != 0 &&
			    strstr(p->error, "ncoding") == NULL) {
				char *e = xasprintf("not a feed: %s", p->error);
				free(p->error);
				p->error = e;
			}
			return -1;
		}
		if (p->pf_bad_utf8)
			feed_note_error(p, "input is not proper UTF-8; invalid bytes were "
			    "replaced with U+FFFD");
		if (p->pf_bare_amp)
			feed_note_error(p, "a bare '&' was read as text");
		if (p->pf_bare_lt)
			feed_note_error(p, "a bare '<' was read as text");
		if (p->pf_unknown_entity)
			feed_note_error(p, "an undefined entity was read as text");
		/* HTML entities are defined by an RSS 0.91 DOCTYPE; without one they are a
		 * well-formedness error we recovered from */
		if (p->pf_html_entity && p->ctxt && !p->ctxt->hasExternalSubset &&
		    !p->ctxt->hasPErefs)
			feed_note_error(p, "an HTML entity without a DTD was read as its character");
		if (p->ctxt && p->ctxt->errNo != XML_ERR_OK && !p->meta.bozo)
			/* an error libxml2 did not route through serror (encoding set-up) */
			feed_note_error(p, "the parser stopped on an error it did not describe "
			    "(code %d, often an encoding conversion): entries may be missing",
			    p->ctxt->errNo);
		feed_meta_utf8(p);
		return 0;
	}
	return p->meta.format == FEED_FORMAT_UNKNOWN || p->failed ? -1 : 0;
}

int
feed_parse_buffer(const struct feed_parser_options *opts, const char *data, size_t len,
    feed_entry_cb cb, void *arg, struct feed_parser **out_parser)
{
	struct feed_parser *p = feed_parser_new(opts, cb, arg);
	int rc;

	feed_parser_push(p, data, len);
	rc = feed_parser_finish(p);
	if (out_parser)
		*out_parser = p;
	else
		feed_parser_free(p);
	return rc;
}

/* The encoding a legacy label's documents are really written in, where glibc's converter
 * for the label itself refuses bytes that the superset decodes: the Windows code pages
 * browsers read these labels as (WHATWG Encoding Standard). A feed declared "euc-kr" but
 * written in CP949, "Shift_JIS" in CP932, "gb2312" in GB18030, "tis-620" with Windows-874
 * curly quotes or "us-ascii" with one "é" would otherwise stop at that byte and lose every
 * later entry. CP932 also keeps "~" and the backslash ASCII, where glibc's Shift_JIS
 * makes them U+203E and U+00A5 (in links too). Each superset decodes every one- and
 * two-byte sequence glibc decodes for its labels (checked), except that CP949 refuses
 * C1 bytes (0x80-0xA0) standing alone, which no Korean text has. Left as they are:
 * ISO-8859-1 and -11 and GBK, whose Windows forms refuse bytes they decode, and big5,
 * which glibc already reads as CP950. NULL: decode with the label as it is. */
static const char *
charset_superset(const char *label)
{
	static const struct {
		const char *superset;
		const char *labels[10];
	} map[] = {
		{ "CP932", { "shift_jis", "shift-jis", "sjis", "x-sjis", "ms_kanji", "csshiftjis" } },
		{ "CP949", { "euc-kr", "cseuckr", "korean", "ks_c_5601-1987", "ks_c_5601-1989",
		    "ksc5601", "ksc_5601", "csksc56011987", "iso-ir-149" } },
		{ "GB18030", { "gb2312", "gb_2312", "gb_2312-80", "csgb2312", "chinese",
		    "csiso58gb231280", "iso-ir-58", "euc-cn" } },
		{ "CP874", { "tis-620", "tis620" } },
		{ "CP1252", { "us-ascii", "ascii", "ansi_x3.4-1968", "iso646-us", "us", "cp367",
		    "ibm367", "csascii", "iso-ir-6" } },
	};

	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		for (size_t k = 0; k < sizeof map[i].labels / sizeof map[i].labels[0] &&
		    map[i].labels[k]; k++)
			if (strcasecmp(label, map[i].labels[k]) == 0)
				return map[i].superset;
	return NULL;
}

/* Returns true when s (NUL-terminated, lower-cased here) names UTF-8 or an alias. */
static bool
charset_is_utf8(const char *s)
{
	return strcasecmp(s, "utf-8") == 0 || strcasecmp(s, "utf8") == 0 ||
	    strcasecmp(s, "unicode-1-1-utf-8") == 0;
}

/* Returns true when the charset name is one whose bytes below 0x80 mean ASCII. */
static bool
charset_ascii_compat(const char *s)
{
	return strncasecmp(s, "utf-16", 6) != 0 && strncasecmp(s, "utf16", 5) != 0 &&
	    strncasecmp(s, "utf-32", 6) != 0 && strncasecmp(s, "ucs-", 4) != 0 &&
	    strncasecmp(s, "ucs2", 4) != 0 && strncasecmp(s, "ucs4", 4) != 0 &&
	    strncasecmp(s, "ebcdic", 6) != 0 && strncasecmp(s, "ibm037", 6) != 0;
}

/* Decides the document type and encoding from the first bytes, then starts parsing. */
static int
feed_sniff(struct feed_parser *p, bool final)
{
	const unsigned char *s = (const unsigned char *)p->sniff.data;
	size_t n = p->sniff.len, i = 0;
	int rc;

	if (n >= 3 && s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf)
		i = 3;
	while (i < n && strchr(" \t\r\n", s[i]))
		i++;
	if (i < n && s[i] == '{') {
		p->mode = MODE_JSON;
		rc = buf_append(&p->json, p->sniff.data, p->sniff.len);
		buf_free(&p->sniff);
		return rc;
	}
	p->mode = MODE_XML;
	rc = p->sniff.len >= 4 || final ? feed_xml_start(p, p->sniff.data, p->sniff.len) : 0;
	if (rc >= 0)
		rc = feed_xml_push(p, p->sniff.data + rc, p->sniff.len - (size_t)rc, false);
	buf_free(&p->sniff);
	(void)final;
	return rc;
}

/* Reads encoding="..." from an XML declaration at the start of s, into out. */
static bool
xmldecl_encoding(const char *s, size_t n, char *out, size_t outlen)
{
	const char *end, *e;
	size_t k;

	if (n < 6 || memcmp(s, "<?xml", 5) != 0 || !strchr(" \t\r\n", s[5]))
		return false;	/* only the XML declaration names the encoding */
	end = memmem(s, n, "?>", 2);
	if (end == NULL)
		return false;
	e = memmem(s, (size_t)(end - s), "encoding", 8);
	if (e == NULL)
		return false;
	e += 8;
	while (e < end && (*e == ' ' || *e == '=' || *e == '\t' || *e == '\r' || *e == '\n'))
		e++;
	if (e >= end || (*e != '"' && *e != '\''))
		return false;
	char q = *e++;
	for (k = 0; e + k < end && e[k] != q && k + 1 < outlen; k++)
		out[k] = e[k];
	out[k] = '\0';
	return true;
}

/* Keeps glibc's converter module for a legacy encoding loaded for the life of the
 * process. libxml2 opens an iconv converter per document and closes it at the end; when
 * the last converter of an encoding closes, glibc unloads its gconv module, so every
 * fetch of a windows-1252 or Shift_JIS feed mapped, relocated and unmapped a shared
 * library (in a profile of small real-world feeds, more time than the parse itself).
 * One converter held per encoding name keeps the module resident; later opens only
 * take a reference. At most FEED_PINNED_ENCODINGS names (a hostile feed cannot make us
 * hold more), failures included, so an unknown name is not retried. */
static void
encoding_pin(const char *name)
{
	static struct { char name[32]; iconv_t cd; } pinned[FEED_PINNED_ENCODINGS];
	static size_t n_pinned;

	if (name == NULL || name[0] == '\0' || strlen(name) >= sizeof pinned[0].name)
		return;
	for (size_t i = 0; i < n_pinned; i++)
		if (strcasecmp(pinned[i].name, name) == 0)
			return;
	if (n_pinned == FEED_PINNED_ENCODINGS)
		return;
	strcpy(pinned[n_pinned].name, name);
	pinned[n_pinned].cd = iconv_open("UTF-8", name);	/* (iconv_t)-1 when unknown */
	n_pinned++;
}

/* Creates the push parser for the encoding the first bytes and the caller ask for. */
static int
feed_xml_start(struct feed_parser *p, const char *data, size_t len)
{
	static xmlSAXHandler sax;
	const unsigned char *s = (const unsigned char *)data;
	char declared[64] = "";
	bool bom8 = len >= 3 && s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf;
	bool bom16 = len >= 2 && ((s[0] == 0xff && s[1] == 0xfe) || (s[0] == 0xfe && s[1] == 0xff));
	bool zeros = len >= 4 && (s[0] == 0 || s[1] == 0);	/* UTF-16/32 without BOM */

	if (len < 4)
		bom16 = zeros = false;
	const char *override = NULL;
	int options = XML_PARSE_NONET | XML_PARSE_RECOVER | XML_PARSE_NOWARNING;

	if (!sax.initialized) {
		sax.initialized = XML_SAX2_MAGIC;
		sax.startElementNs = feed_start_cb;
		sax.endElementNs = feed_end_cb;
		sax.characters = feed_chars_cb;
		sax.ignorableWhitespace = feed_chars_cb;
		sax.cdataBlock = feed_chars_cb;
		sax.getEntity = feed_get_entity_cb;
		sax.entityDecl = feed_entity_decl_cb;
		sax.serror = feed_xml_error_cb;
		/* no internalSubset/externalSubset/resolveEntity/getParameterEntity: no DTD
		 * is ever built or loaded */
	}
	xmldecl_encoding(data + (bom8 ? 3 : 0), len - (bom8 ? 3 : 0), declared, sizeof declared);
	if (!bom8 && !bom16 && !zeros) {
		/* decoded with its superset, which then stands in for the declaration */
		const char *label = p->charset ? p->charset : declared;
		const char *wider = label[0] && !charset_is_utf8(label) ?
		    charset_superset(label) : NULL;
		if (wider)
			override = wider;
	}
	if (bom8 || bom16 || zeros) {
		p->utf8 = bom8;
		p->ascii_compat = bom8;
	} else if (override || p->charset) {
		if (override == NULL)
			override = p->charset;
		p->utf8 = charset_is_utf8(override);
		p->ascii_compat = charset_ascii_compat(override);
	} else if (declared[0]) {
		p->utf8 = charset_is_utf8(declared);
		p->ascii_compat = charset_ascii_compat(declared);
	} else {
		p->utf8 = p->ascii_compat = true;
	}
	if (!p->utf8 && !bom16 && !zeros)
		encoding_pin(override ? override : declared);

	/* UTF-16/32: libxml2 detects the encoding (and skips the BOM) from the first four
	 * bytes given at creation */
	p->ctxt = xmlCreatePushParserCtxt(&sax, p, (bom16 || zeros) && !bom8 ? data : NULL,
	    (bom16 || zeros) && !bom8 ? 4 : 0, NULL);
	if (p->ctxt == NULL)
		fatalx("libxml2: cannot create a parser context");
	if (override) {
		xmlCharEncodingHandlerPtr h = xmlFindCharEncodingHandler(override);
		if (h == NULL) {
			feed_note_error(p, "unsupported encoding '%s'", log_esc(override));
			p->failed = true;
			return -1;
		}
		/* UTF-8 needs no converter: libxml2 reads it natively */
		if (!p->utf8)
			xmlSwitchToEncoding(p->ctxt, h);
		else
			xmlCharEncCloseFunc(h);
		options |= XML_PARSE_IGNORE_ENC;
	}
	xmlCtxtUseOptions(p->ctxt, options);
	return (bom16 || zeros) && !bom8 ? 4 : 0;
}

/* Passes bytes through the pre-filter (or, for UTF-16/32, straight) into libxml2. */
static int
feed_xml_push(struct feed_parser *p, const char *data, size_t len, bool final)
{
	if (p->ascii_compat)
		feed_prefilter(p, data, len, final);
	else
		xml_emit(p, data, len);
	if (p->pf_fail && !p->failed && !p->stopped) {
		/* parse what came before the refused part, then stop */
		xml_slice(p, p->xml_stage.data, p->xml_stage.len, false);
		buf_reset(&p->xml_stage);
		p->failed = true;
	}
	if (final && !p->failed && !p->stopped) {
		xml_slice(p, p->xml_stage.data, p->xml_stage.len, true);
		buf_reset(&p->xml_stage);
	}
	return p->failed || p->stopped ? -1 : 0;
}

/* Appends n bytes to the stream libxml2 reads. libxml2 gets the stream in slices of
 * exactly FEED_XML_SLICE bytes (and the rest at the end), whatever the sizes of the
 * chunks the caller pushed: its push parser recovers from malformed markup differently
 * depending on how much input it holds when it meets the damage, so with the caller's
 * cuts the same broken document could lose different entries on two fetches. Slices
 * that lie whole inside the caller's bytes are parsed in place; only the bytes around
 * the cuts are copied to xml_stage. */
static void
xml_emit(struct feed_parser *p, const char *s, size_t n)
{
	struct buf *stage = &p->xml_stage;

	if (n == 0 || p->failed || p->stopped || p->pf_fail)
		return;
	if (stage->cap == 0)
		buf_reserve(stage, FEED_XML_SLICE);	/* its size for good: no regrowth */
	if (stage->len > 0) {
		size_t take = FEED_XML_SLICE - stage->len;
		if (take > n)
			take = n;
		buf_append(stage, s, take);
		s += take;
		n -= take;
		if (stage->len < FEED_XML_SLICE)
			return;
		xml_slice(p, stage->data, stage->len, false);
		buf_reset(stage);
	}
	while (n >= FEED_XML_SLICE && !p->failed && !p->stopped) {
		xml_slice(p, s, FEED_XML_SLICE, false);
		s += FEED_XML_SLICE;
		n -= FEED_XML_SLICE;
	}
	if (n > 0 && !p->failed && !p->stopped)
		buf_append(stage, s, n);
}

/* Gives libxml2 one slice (at most FEED_XML_SLICE bytes; last: the end of the document)
 * and notes when it stopped: our callback asked to, or libxml2 halted on a limit. */
static void
xml_slice(struct feed_parser *p, const char *s, size_t n, bool last)
{
	if (p->failed || p->stopped)
		return;
	xmlParseChunk(p->ctxt, n ? s : NULL, (int)n, last);
	if (p->stopped) {
		xmlStopParser(p->ctxt);
		return;
	}
	if (p->ctxt->instate == XML_PARSER_EOF && !last) {
		/* a resource limit or a fatal encoding error */
		if (!p->error)
			feed_note_error(p, "parse halted");
		p->failed = true;
	}
}

/* Builds pf_stop from pf_stop_bytes. In a UTF-8 document every byte >= 0x80 is checked
 * too; in a legacy single-byte encoding such bytes are characters libxml2 converts. */
static void
prefilter_init(void)
{
#ifdef __SSE2__
	pf_simd_utf8 = !pf_simd_refused && __builtin_cpu_supports("ssse3");
#endif
	for (int utf8 = 0; utf8 < 2; utf8++)
		for (int st = 0; st < PF_NSTATES; st++) {
			for (int k = 0; k < 6; k++)
				pf_stop[utf8][st][(unsigned char)pf_stop_bytes[st][k]] = 1;
			for (int b = 0x80; utf8 && b < 0x100; b++)
				pf_stop[utf8][st][b] = 1;
		}
}

#ifdef __SSE2__
/* The UTF-8 check of pf_scan_utf8: Keiser and Lemire, "Validating UTF-8 in less than one
 * instruction per byte" (Software: Practice and Experience, 2021). Each byte is classed
 * with the one before it by three 16-entry tables (high nibble of the first, low nibble of
 * the first, high nibble of the second byte); a pair whose three classes share a bit is an
 * error. The bits: */
enum {
	U8_TOO_SHORT = 1 << 0,	/* a lead byte or ASCII, then a lead byte or ASCII */
	U8_TOO_LONG = 1 << 1,	/* ASCII, then a continuation byte */
	U8_OVERLONG_3 = 1 << 2,	/* E0 80..9F */
	U8_TOO_LARGE = 1 << 3,	/* F4 90..BF, F5..FF 90..BF */
	U8_SURROGATE = 1 << 4,	/* ED A0..BF */
	U8_OVERLONG_2 = 1 << 5,	/* C0, C1 */
	U8_TOO_LARGE_1000 = 1 << 6,	/* F5..FF 80..8F */
	U8_OVERLONG_4 = 1 << 6,	/* F0 80..8F */
	U8_TWO_CONTS = 1 << 7,	/* a continuation byte, then one more: checked apart */
	U8_CARRY = U8_TOO_SHORT | U8_TOO_LONG | U8_TWO_CONTS,
};
static const uint8_t u8_byte1_high[16] = {
	U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG,	/* 0___ ASCII */
	U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG,
	U8_TWO_CONTS, U8_TWO_CONTS, U8_TWO_CONTS, U8_TWO_CONTS,	/* 10__ continuation */
	U8_TOO_SHORT | U8_OVERLONG_2,				/* 1100 */
	U8_TOO_SHORT,						/* 1101 */
	U8_TOO_SHORT | U8_OVERLONG_3 | U8_SURROGATE,		/* 1110 */
	U8_TOO_SHORT | U8_TOO_LARGE | U8_TOO_LARGE_1000 | U8_OVERLONG_4,	/* 1111 */
};
static const uint8_t u8_byte1_low[16] = {
	U8_CARRY | U8_OVERLONG_3 | U8_OVERLONG_2 | U8_OVERLONG_4,	/* ___0000 */
	U8_CARRY | U8_OVERLONG_2,				/* ___0001 */
	U8_CARRY, U8_CARRY,					/* ___001_ */
	U8_CARRY | U8_TOO_LARGE,				/* ___0100 */
	U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000,		/* ___0101 */
	U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000,		/* ___011_ */
	U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000,
	U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000,		/* ___1___ */
	U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000,
	U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000,
	U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000,
	U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000,
	U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000 | U8_SURROGATE,	/* ___1101 */
	U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000,
	U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000,
};
static const uint8_t u8_byte2_high[16] = {
	U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT,	/* 0___ ASCII */
	U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT,
	U8_TOO_LONG | U8_OVERLONG_2 | U8_TWO_CONTS | U8_OVERLONG_3 | U8_TOO_LARGE_1000 |
	    U8_OVERLONG_4,					/* 1000 */
	U8_TOO_LONG | U8_OVERLONG_2 | U8_TWO_CONTS | U8_OVERLONG_3 | U8_TOO_LARGE,	/* 1001 */
	U8_TOO_LONG | U8_OVERLONG_2 | U8_TWO_CONTS | U8_SURROGATE | U8_TOO_LARGE,	/* 101_ */
	U8_TOO_LONG | U8_OVERLONG_2 | U8_TWO_CONTS | U8_SURROGATE | U8_TOO_LARGE,
	U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT,	/* 11__ lead */
};
/* Bytes at the end of a block that may not end it (a lead still waiting for more) are
 * those above these: F0.. three from the end, E0.. two, C0.. one. */
static const uint8_t u8_tail_max[16] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xef, 0xdf, 0xbf,
};

/* The first byte of the character that ends at s[at - 1], or at: the place from where
 * the byte-wise code of feed_prefilter takes over after the vector scan (never before i). */
static size_t
pf_char_start(const unsigned char *s, size_t i, size_t at)
{
	size_t j = at;

	while (j > i && at - j < 3 && (s[j - 1] & 0xc0) == 0x80)
		j--;
	if (j > i && s[j - 1] >= 0xc0)
		j--;
	return j;
}

/* prefilter_scan for a UTF-8 document: passes over 16 bytes at a time as long as they
 * hold no stop byte (c[0..5]) and are valid UTF-8, text in any script included. Returns
 * the index of the first stop byte, or of the first byte of a character the vector check
 * could not pass (invalid, or running past the last whole block), which the byte-wise
 * code then judges. s[i] is at the start of a character. */
__attribute__((target("ssse3"))) static size_t
pf_scan_utf8(const unsigned char *s, size_t i, size_t n, const char c[6])
{
	const __m128i v0 = _mm_set1_epi8(c[0]), v1 = _mm_set1_epi8(c[1]);
	const __m128i v2 = _mm_set1_epi8(c[2]), v3 = _mm_set1_epi8(c[3]);
	const __m128i v4 = _mm_set1_epi8(c[4]), v5 = _mm_set1_epi8(c[5]);
	const __m128i t1h = _mm_loadu_si128((const __m128i *)(const void *)u8_byte1_high);
	const __m128i t1l = _mm_loadu_si128((const __m128i *)(const void *)u8_byte1_low);
	const __m128i t2h = _mm_loadu_si128((const __m128i *)(const void *)u8_byte2_high);
	const __m128i tail = _mm_loadu_si128((const __m128i *)(const void *)u8_tail_max);
	const __m128i nibble = _mm_set1_epi8(0x0f), zero = _mm_setzero_si128();
	__m128i prev = zero;	/* the block before (none: as if ASCII) */
	bool pending = false;	/* it ended inside a character */
	size_t b = i;

	while (b + 16 <= n) {
		__m128i in = _mm_loadu_si128((const __m128i *)(const void *)(s + b));
		__m128i eq = _mm_or_si128(
		    _mm_or_si128(_mm_cmpeq_epi8(in, v0), _mm_cmpeq_epi8(in, v1)),
		    _mm_or_si128(_mm_cmpeq_epi8(in, v2), _mm_cmpeq_epi8(in, v3)));
		unsigned stops, bad = 0, m;

		eq = _mm_or_si128(eq, _mm_or_si128(_mm_cmpeq_epi8(in, v4), _mm_cmpeq_epi8(in, v5)));
		stops = (unsigned)_mm_movemask_epi8(eq);
		if (_mm_movemask_epi8(in) || pending) {
			__m128i prev1 = _mm_alignr_epi8(in, prev, 15);
			__m128i prev2 = _mm_alignr_epi8(in, prev, 14);
			__m128i prev3 = _mm_alignr_epi8(in, prev, 13);
			__m128i cls = _mm_and_si128(_mm_and_si128(
			    _mm_shuffle_epi8(t1h, _mm_and_si128(_mm_srli_epi16(prev1, 4), nibble)),
			    _mm_shuffle_epi8(t1l, _mm_and_si128(prev1, nibble))),
			    _mm_shuffle_epi8(t2h, _mm_and_si128(_mm_srli_epi16(in, 4), nibble)));
			/* third and fourth bytes of a character must be continuations: exactly
			 * where the pair check found two continuations in a row */
			__m128i third = _mm_subs_epu8(prev2, _mm_set1_epi8((char)(0xe0 - 0x80)));
			__m128i fourth = _mm_subs_epu8(prev3, _mm_set1_epi8((char)(0xf0 - 0x80)));
			__m128i must = _mm_and_si128(_mm_or_si128(third, fourth),
			    _mm_set1_epi8((char)0x80));
			__m128i err = _mm_xor_si128(must, cls);

			bad = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(err, zero)) ^ 0xffffu;
			pending = _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_subs_epu8(in, tail),
			    zero)) != 0xffff;
		}
		if ((m = stops | bad) != 0) {
			size_t at = b + (size_t)__builtin_ctz(m);
			/* a stop byte the check passed ends a whole character; an error is
			 * found on a later byte of its character, so back up to the first */
			return (bad & (m & -m)) ? pf_char_start(s, i, at) : at;
		}
		prev = in;
		b += 16;
	}
	return pending ? pf_char_start(s, i, b) : b;
}
#endif

/* Returns the index of the first byte of s[i..n) in the stop set, which is c[0..5] and,
 * when high, every byte >= 0x80 (the same set as stop[]). Most of a feed is text with
 * nothing to repair, so SSE2 looks at 16 bytes at a time where it is available. Inlined,
 * so that the stop bytes, constants at each call, need no setting up per call. */
static inline __attribute__((always_inline)) size_t
prefilter_scan(const unsigned char *s, size_t i, size_t n, const uint8_t *stop, const char c[6],
    bool high)
{
#ifdef __SSE2__
	const __m128i v0 = _mm_set1_epi8(c[0]), v1 = _mm_set1_epi8(c[1]);
	const __m128i v2 = _mm_set1_epi8(c[2]), v3 = _mm_set1_epi8(c[3]);
	const __m128i v4 = _mm_set1_epi8(c[4]), v5 = _mm_set1_epi8(c[5]);

	while (i + 16 <= n) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		__m128i eq = _mm_or_si128(
		    _mm_or_si128(_mm_cmpeq_epi8(v, v0), _mm_cmpeq_epi8(v, v1)),
		    _mm_or_si128(_mm_cmpeq_epi8(v, v2), _mm_cmpeq_epi8(v, v3)));
		eq = _mm_or_si128(eq, _mm_or_si128(_mm_cmpeq_epi8(v, v4),
		    _mm_cmpeq_epi8(v, v5)));
		unsigned m = (unsigned)_mm_movemask_epi8(eq);

		if (high)
			m |= (unsigned)_mm_movemask_epi8(v);
		if (m) {
			i += (size_t)__builtin_ctz(m);
			if (s[i] < 0x80 || !pf_simd_utf8)
				return i;
			/* non-ASCII text (after ASCII, so at the start of a character):
			 * checked as UTF-8 16 bytes at a time too */
			i = pf_scan_utf8(s, i, n, c);
			break;
		}
		i += 16;
	}
#else
	(void)c, (void)high;
#endif
	while (i < n && !stop[s[i]])
		i++;
	return i;
}

/* The length of the valid UTF-8 character at u (n bytes available), or 0: the valid forms
 * inline (accented Latin, CJK, Hangul, curly quotes, emoji), the rest (invalid or cut
 * short) by utf8_char_len. */
static inline size_t
prefilter_utf8_len(const unsigned char *u, size_t n)
{
	if (u[0] >= 0xc2 && u[0] <= 0xdf && n >= 2 && (u[1] & 0xc0) == 0x80)
		return 2;
	if (u[0] >= 0xe0 && u[0] <= 0xef && n >= 3 && (u[1] & 0xc0) == 0x80 &&
	    (u[2] & 0xc0) == 0x80 && (u[0] != 0xe0 || u[1] >= 0xa0) &&	/* no overlong */
	    (u[0] != 0xed || u[1] < 0xa0))				/* no surrogate */
		return 3;
	if (u[0] >= 0xf0 && u[0] <= 0xf4 && n >= 4 && (u[1] & 0xc0) == 0x80 &&
	    (u[2] & 0xc0) == 0x80 && (u[3] & 0xc0) == 0x80 &&
	    (u[0] != 0xf0 || u[1] >= 0x90) &&				/* no overlong */
	    (u[0] != 0xf4 || u[1] < 0x90))				/* <= U+10FFFF */
		return 4;
	return utf8_char_len((const char *)u, n);
}

/* Hands libxml2 the filtered form of data (see the file comment): unchanged bytes pass
 * as slices of data itself; only what must change is replaced. Bytes that cannot be
 * judged yet (an "&" near the end, a split UTF-8 sequence, "<!--", a possible "]]>")
 * wait in pf_tail for the next chunk, so the result never depends on where chunks end.
 * The lexical state lives in locals while scanning and is stored back on the way out. */
static void
feed_prefilter(struct feed_parser *p, const char *data, size_t len, bool final)
{
	const unsigned char *s = (const unsigned char *)data;
	const uint8_t (*stop)[256] = pf_stop[p->utf8];
	const bool utf8 = p->utf8;
	enum prefilter_state st = p->pf_state;
	char quote = p->pf_quote;
	int attrs = p->pf_attrs;
	size_t n = len, i = 0, seg = 0;	/* s[seg..i) is unchanged and not yet handed on */
	const char *rep;
	size_t replen, used;

#define PF_REPLACE(nbytes, r, rlen) do {					\
		xml_emit(p, (const char *)s + seg, i - seg);			\
		xml_emit(p, (r), (rlen));					\
		i += (nbytes);							\
		seg = i;							\
	} while (0)

	if (p->pf_tail.len) {
		/* join the held-back bytes with the new ones (pf_join is reused) */
		buf_reset(&p->pf_join);
		buf_append(&p->pf_join, p->pf_tail.data, p->pf_tail.len);
		buf_append(&p->pf_join, data, len);
		buf_reset(&p->pf_tail);
		s = (const unsigned char *)p->pf_join.data;
		n = p->pf_join.len;
	}
	if (n == 0)
		return;	/* (data may be NULL at the end of the document) */
	while (i < n) {
		unsigned char c;

		switch (st) {
		case PF_TEXT:
			i = prefilter_scan(s, i, n, stop[PF_TEXT], pf_stop_bytes[PF_TEXT], utf8);
			break;
		case PF_TAG:
			if (quote == '"')	/* an attribute value: skip to its end */
				i = prefilter_scan(s, i, n, stop[PF_DQUOTE], pf_stop_bytes[PF_DQUOTE], utf8);
			else if (quote)
				i = prefilter_scan(s, i, n, stop[PF_SQUOTE], pf_stop_bytes[PF_SQUOTE], utf8);
			else
				i = prefilter_scan(s, i, n, stop[PF_TAG], pf_stop_bytes[PF_TAG], utf8);
			break;
		case PF_CDATA:
			i = prefilter_scan(s, i, n, stop[PF_CDATA], pf_stop_bytes[PF_CDATA], utf8);
			break;
		case PF_COMMENT:
			i = prefilter_scan(s, i, n, stop[PF_COMMENT], pf_stop_bytes[PF_COMMENT], utf8);
			break;
		case PF_PI:
			i = prefilter_scan(s, i, n, stop[PF_PI], pf_stop_bytes[PF_PI], utf8);
			break;
		default:
			break;
		}
		if (i >= n)
			break;
		c = s[i];
		if (c >= 0x80) {	/* only a stop byte in a UTF-8 document */
			/* a run of non-ASCII text (Cyrillic, CJK...) in one go, through the
			 * spaces and punctuation between its words: back to the vector scan
			 * only at a byte that matters or after a stretch of plain ASCII */
			const uint8_t *tbl = stop[st == PF_TAG && quote ?
			    (quote == '"' ? PF_DQUOTE : PF_SQUOTE) : st];
			size_t k = 1, ascii = 0;
			while (i < n) {
				if (s[i] >= 0x80) {
					if ((k = prefilter_utf8_len(s + i, n - i)) == 0)
						break;
					i += k;
					ascii = 0;
				} else if (tbl[s[i]] || ++ascii > 16) {
					break;
				} else {
					i++;
				}
			}
			if (k > 0)
				continue;
			if (!final && utf8_incomplete((const char *)s + i, n - i))
				goto hold;	/* a sequence split across chunks */
			PF_REPLACE(1, "\xef\xbf\xbd", 3);
			p->pf_bad_utf8 = true;
			continue;
		}
		if (st >= PF_CDATA) {
			/* CDATA, comment, PI: only their terminator matters */
			const char *term = st == PF_CDATA ? "]]>" : st == PF_COMMENT ? "-->" : "?>";
			size_t tl = st == PF_PI ? 2 : 3;
			if (n - i < tl) {
				if (!final)
					goto hold;
				i = n;
			} else if (memcmp(s + i, term, tl) == 0) {
				i += tl;
				st = PF_TEXT;
			} else {
				i++;
			}
			continue;
		}
		switch (c) {
		case '\0':
			/* NUL: libxml2 would silently cut the text here; make it report an
			 * invalid character instead, so the damaged entry is dropped */
			PF_REPLACE(1, "\x01", 1);
			break;
		case '"': case '\'': case '>':
			/* only in PF_TAG: track quotes, count attribute values (each is
			 * quoted), see the tag end */
			if (quote == (char)c)
				quote = 0;
			else if (c == '>')
				st = PF_TEXT;
			else if ((quote = (char)c) && ++attrs > FEED_MAX_ATTRS) {
				/* libxml2 compares every pair of attributes: refuse the flood */
				xml_emit(p, (const char *)s + seg, i - seg);
				feed_note_error(p, "a tag with more than %d attributes",
				    FEED_MAX_ATTRS);
				p->pf_fail = true;
				goto out;
			}
			i++;
			break;
		case '&':
			/* the references feeds are full of, without the general parse */
			if (n - i >= 5 && (memcmp(s + i + 1, "amp;", 4) == 0 ||
			    memcmp(s + i + 1, "lt;", 3) == 0 || memcmp(s + i + 1, "gt;", 3) == 0)) {
				i += s[i + 1] == 'a' ? 5 : 4;
				break;
			}
			used = prefilter_amp(p, (const char *)s + i, n - i, final, &rep, &replen);
			if (used == 0)
				goto hold;
			if (rep)
				PF_REPLACE(used, rep, replen);
			else
				i += used;
			break;
		default: {	/* '<' */
			unsigned char d;

			if (st == PF_TAG) {
				if (quote) {	/* not allowed in attribute values */
					PF_REPLACE(1, "&lt;", 4);
					p->pf_bare_lt = true;
				} else {
					i++;
				}
				break;
			}
			if (n - i < 9 && !final)
				goto hold;
			d = n - i >= 2 ? s[i + 1] : ' ';
			if (d == '!') {
				if (n - i >= 9 && memcmp(s + i + 2, "[CDATA[", 7) == 0) {
					i += 9;
					st = PF_CDATA;
				} else if (n - i >= 4 && s[i + 2] == '-' && s[i + 3] == '-') {
					i += 4;
					st = PF_COMMENT;
				} else {
					i++;	/* <!DOCTYPE and its declarations */
				}
			} else if (d == '?') {
				i += 2;
				st = PF_PI;
			} else if (d == '/' || d == '_' || d == ':' || (d >= 'a' && d <= 'z') ||
			    (d >= 'A' && d <= 'Z') || d >= 0x80) {
				/* a tag: most ("<item>", "</title>") end before any byte that
				 * matters inside one, and are passed over in one step */
				size_t e = prefilter_scan(s, i + 1, n, stop[PF_TAG],
				    pf_stop_bytes[PF_TAG], utf8);
				if (e < n && s[e] == '>') {
					i = e + 1;
					break;
				}
				st = PF_TAG;
				quote = 0;
				attrs = 0;
				i = e;
			} else {
				PF_REPLACE(1, "&lt;", 4);
				p->pf_bare_lt = true;
			}
			break;
		}
		}
	}
	xml_emit(p, (const char *)s + seg, n - seg);
	goto out;
hold:
	xml_emit(p, (const char *)s + seg, i - seg);
	buf_append(&p->pf_tail, s + i, n - i);
out:
	p->pf_state = st;
	p->pf_quote = quote;
	p->pf_attrs = attrs;
#undef PF_REPLACE
}

/* The length of s[0..n) without a UTF-8 sequence cut short at its end. */
static size_t
utf8_trim_partial(const char *s, size_t n)
{
	size_t lead = n;

	/* back over at most three continuation bytes to the sequence's first byte */
	while (lead > 0 && n - lead < 3 && ((unsigned char)s[lead - 1] & 0xc0) == 0x80)
		lead--;
	if (lead > 0 && utf8_incomplete(s + lead - 1, n - lead + 1))
		return lead - 1;
	return n;
}

/* True when s[0..n) is the valid beginning of a longer UTF-8 sequence. */
static bool
utf8_incomplete(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t need = u[0] >= 0xf0 && u[0] <= 0xf4 ? 4 : u[0] >= 0xe0 && u[0] <= 0xef ? 3 :
	    u[0] >= 0xc2 && u[0] <= 0xdf ? 2 : 0;

	if (need == 0 || n >= need)
		return false;
	for (size_t i = 1; i < n; i++)
		if ((u[i] & 0xc0) != 0x80)
			return false;
	return true;
}

/* True for the names of XML's five predefined entities. */
static bool
xml_entity_name(const char *name, size_t len)
{
	switch (len) {
	case 2:
		return (name[0] == 'l' || name[0] == 'g') && name[1] == 't';
	case 3:
		return memcmp(name, "amp", 3) == 0;
	case 4:
		return memcmp(name, "quot", 4) == 0 || memcmp(name, "apos", 4) == 0;
	default:
		return false;
	}
}

/* Judges the "&" at s. Returns the bytes it covers, or 0 when more input is needed to
 * decide. *rep is NULL when those bytes pass unchanged (a valid reference), else the
 * *replen bytes that replace them ("&amp;" for a bare "&" or an unknown entity, a
 * character reference for an HTML entity). */
static size_t
prefilter_amp(struct feed_parser *p, const char *s, size_t n, bool final, const char **rep,
    size_t *replen)
{
	size_t k = 1;

	*rep = NULL;
	if (n >= 2 && s[1] == '#') {
		k = 2;
		bool hex = n > 2 && (s[2] == 'x' || s[2] == 'X');
		if (hex)
			k++;
		size_t digits = 0;
		while (k < n && k < FEED_AMP_LOOKAHEAD &&
		    (hex ? ((s[k] >= '0' && s[k] <= '9') || (s[k] >= 'a' && s[k] <= 'f') ||
			       (s[k] >= 'A' && s[k] <= 'F'))
			 : (s[k] >= '0' && s[k] <= '9')))
			k++, digits++;
		if (k == n && !final && k < FEED_AMP_LOOKAHEAD)
			return 0;
		if (digits > 0 && k < n && s[k] == ';')
			return k + 1;
	} else {
		while (k < n && k < FEED_AMP_LOOKAHEAD &&
		    ((s[k] >= 'a' && s[k] <= 'z') || (s[k] >= 'A' && s[k] <= 'Z') ||
			(k > 1 && s[k] >= '0' && s[k] <= '9') || (k > 1 && (s[k] == '.' || s[k] == '-' ||
			s[k] == '_'))))
			k++;
		if (k == n && !final && k < FEED_AMP_LOOKAHEAD)
			return 0;
		if (k > 1 && k < n && s[k] == ';') {
			uint32_t cp;
			if (xml_entity_name(s + 1, k - 1))
				return k + 1;
			cp = html_entity_cp(s + 1, k - 1);
			if (cp) {
				/* an HTML entity: as a character reference, which libxml2 handles
				 * in text and attributes alike */
				*replen = (size_t)snprintf(p->pf_ref, sizeof p->pf_ref, "&#%u;",
				    (unsigned)cp);
				*rep = p->pf_ref;
				p->pf_html_entity = true;
				return k + 1;
			}
			/* an entity we will not expand: show it as the text it is */
			p->pf_unknown_entity = true;
			*rep = "&amp;";
			*replen = 5;
			return 1;
		}
	}
	p->pf_bare_amp = true;
	*rep = "&amp;";
	*replen = 5;
	return 1;
}

/* The code point of an HTML named entity that is not one of XML's five, or 0. */
static uint32_t
html_entity_cp(const char *name, size_t len)
{
	char tmp[FEED_AMP_LOOKAHEAD + 1];
	const htmlEntityDesc *d;

	if (len >= sizeof tmp || xml_entity_name(name, len))
		return 0;
	memcpy(tmp, name, len);
	tmp[len] = '\0';
	d = htmlEntityLookup((const xmlChar *)tmp);
	return d ? d->value : 0;
}

/* getEntity: HTML named entities (&nbsp; and friends, common in feeds without a DTD)
 * come back as predefined entities, which libxml2 inserts as literal text and never
 * expands further. Declared entities are never registered, so nothing else exists. */
static xmlEntityPtr
feed_get_entity_cb(void *ctx, const xmlChar *name)
{
	struct feed_parser *p = ctx;
	const htmlEntityDesc *desc;
	xmlEntityPtr ent;
	xmlChar utf8[8];
	int len;

	ent = xmlHashLookup(html_entities, name);
	if (ent == NULL) {
		desc = htmlEntityLookup(name);
		if (desc == NULL)
			return NULL;
		len = xmlCopyCharMultiByte(utf8, (int)desc->value);
		utf8[len > 0 ? len : 0] = '\0';
		ent = xmlNewEntity(NULL, name, XML_INTERNAL_PREDEFINED_ENTITY, NULL, NULL, utf8);
		if (ent == NULL)
			return NULL;
		xmlHashAddEntry(html_entities, name, ent);
	}
	if (!p->ctxt->hasExternalSubset && !p->ctxt->hasPErefs)
		feed_note_error(p, "undefined entity '&%s;' read as HTML", (const char *)name);
	return ent;
}

/* entityDecl: declarations are ignored, so no entity can ever expand (billion laughs,
 * quadratic blow-up, external entities: none of them get a definition). */
static void
feed_entity_decl_cb(void *ctx, const xmlChar *name, int type, const xmlChar *public_id,
    const xmlChar *system_id, xmlChar *content)
{
	struct feed_parser *p = ctx;

	feed_note_error(p, "entity declaration '%s' ignored", log_esc((const char *)name));
}

/* serror: every libxml2 diagnostic for this document. Character damage drops the
 * entry being read; encoding failures and resource limits end the document. */
static void
feed_xml_error_cb(void *ctx, xmlErrorPtr err)
{
	struct feed_parser *p = ctx;
	char msg[400];

	if (err->level == XML_ERR_WARNING)
		return;
	snprintf(msg, sizeof msg, "line %d: %s", err->line, err->message ? err->message : "error");
	feed_note_error(p, "%s", msg);
	switch (err->code) {
	case XML_ERR_INVALID_CHAR:
	case XML_ERR_INVALID_CHARREF:
	case XML_ERR_INVALID_DEC_CHARREF:
	case XML_ERR_INVALID_HEX_CHARREF:
	case XML_I18N_CONV_FAILED:
		if (p->in_entry)
			p->entry_damaged = true;
		break;
	case XML_ERR_UNSUPPORTED_ENCODING:
	case XML_ERR_UNKNOWN_ENCODING:
	case XML_I18N_NO_HANDLER:
		p->failed = true;
		xmlStopParser(p->ctxt);
		break;
	default:
		break;
	}
}

/* Maps a namespace URI to what we know of it. libxml2 interns URIs, so those seen are
 * remembered by address. */
static enum feed_ns
ns_of(struct feed_parser *p, const xmlChar *uri)
{
	const char *u = (const char *)uri;
	__typeof__(p->ns_memo[0]) *m;

	if (uri == NULL)
		return NS_RSS;
	m = &p->ns_memo[((uintptr_t)uri >> 4) % (sizeof p->ns_memo / sizeof p->ns_memo[0])];
	if (m->uri == uri)
		return m->ns;
	enum feed_ns ns = NS_OTHER;
	for (size_t i = 0; i < sizeof ns_uris / sizeof ns_uris[0]; i++)
		if (ns_uris[i] && strcmp(u, ns_uris[i]) == 0)
			ns = (enum feed_ns)i;
	if (ns == NS_OTHER) {
		if (!strcmp(u, "http://purl.org/rss/1.0/") ||
		    !strcmp(u, "http://backend.userland.com/rss2") ||
		    !strcmp(u, "http://backend.userland.com/rss"))
			ns = NS_RSS;
		else if (!strcmp(u, "http://search.yahoo.com/mrss"))
			ns = NS_MEDIA;
		else if (!strcmp(u, "http://purl.org/atom/ns#draft-ietf-atompub-format-08"))
			ns = NS_ATOM10;
	}
	m->uri = uri;
	m->ns = ns;
	return ns;
}

/* Maps (namespace, local name) to a tag. */
static enum feed_tag
tag_of(enum feed_ns ns, const char *n)
{
	switch (ns) {
	case NS_RSS:
	case NS_RSS090:
		switch (n[0]) {
		case 'a': if (!strcmp(n, "author")) return TAG_AUTHOR; break;
		case 'c':
			if (!strcmp(n, "channel")) return TAG_CHANNEL;
			if (!strcmp(n, "category")) return TAG_CATEGORY;
			break;
		case 'd': if (!strcmp(n, "description")) return TAG_DESCRIPTION; break;
		case 'e': if (!strcmp(n, "enclosure")) return TAG_ENCLOSURE; break;
		case 'g': if (!strcmp(n, "guid")) return TAG_GUID; break;
		case 'i': if (!strcmp(n, "item")) return TAG_ITEM; break;
		case 'l': if (!strcmp(n, "link")) return TAG_LINK; break;
		case 'p': if (!strcmp(n, "pubDate")) return TAG_PUBDATE; break;
		case 'r': if (!strcmp(n, "rss")) return TAG_RSS; break;
		case 't':
			if (!strcmp(n, "title")) return TAG_TITLE;
			if (!strcmp(n, "ttl")) return TAG_TTL;
			break;
		case 'f': if (!strcmp(n, "feed")) return TAG_FEED; break;
		}
		return TAG_OTHER;
	case NS_ATOM10:
	case NS_ATOM03:
		switch (n[0]) {
		case 'a': if (!strcmp(n, "author")) return TAG_AUTHOR; break;
		case 'c':
			if (!strcmp(n, "content")) return TAG_ATOM_CONTENT;
			if (!strcmp(n, "category")) return TAG_CATEGORY;
			if (!strcmp(n, "created")) return TAG_ATOM_CREATED;
			break;
		case 'e':
			if (!strcmp(n, "entry")) return TAG_ENTRY;
			if (!strcmp(n, "email")) return TAG_ATOM_EMAIL;
			break;
		case 'f': if (!strcmp(n, "feed")) return TAG_FEED; break;
		case 'i':
			if (!strcmp(n, "id")) return TAG_ATOM_ID;
			if (!strcmp(n, "issued")) return TAG_ATOM_ISSUED;
			break;
		case 'l': if (!strcmp(n, "link")) return TAG_LINK; break;
		case 'm': if (!strcmp(n, "modified")) return TAG_ATOM_MODIFIED; break;
		case 'n': if (!strcmp(n, "name")) return TAG_ATOM_NAME; break;
		case 'p': if (!strcmp(n, "published")) return TAG_ATOM_PUBLISHED; break;
		case 's': if (!strcmp(n, "summary")) return TAG_ATOM_SUMMARY; break;
		case 't': if (!strcmp(n, "title")) return TAG_TITLE; break;
		case 'u': if (!strcmp(n, "updated")) return TAG_ATOM_UPDATED; break;
		}
		return TAG_OTHER;
	case NS_RDF:
		return !strcmp(n, "RDF") ? TAG_RDF : TAG_OTHER;
	case NS_CONTENT:
		return !strcmp(n, "encoded") ? TAG_CONTENT_ENCODED : TAG_OTHER;
	case NS_DC:
		if (!strcmp(n, "creator") || !strcmp(n, "contributor")) return TAG_DC_CREATOR;
		if (!strcmp(n, "date")) return TAG_DC_DATE;
		if (!strcmp(n, "subject")) return TAG_DC_SUBJECT;
		if (!strcmp(n, "title")) return TAG_DC_TITLE;
		if (!strcmp(n, "description")) return TAG_DC_DESCRIPTION;
		return TAG_OTHER;
	case NS_DCTERMS:
		return !strcmp(n, "modified") ? TAG_DCTERMS_MODIFIED : TAG_OTHER;
	case NS_MEDIA:
		if (!strcmp(n, "content")) return TAG_MEDIA_CONTENT;
		if (!strcmp(n, "description")) return TAG_MEDIA_DESCRIPTION;
		if (!strcmp(n, "title")) return TAG_MEDIA_TITLE;
		if (!strcmp(n, "group")) return TAG_MEDIA_GROUP;
		return TAG_OTHER;
	case NS_ITUNES:
		return !strcmp(n, "summary") ? TAG_ITUNES_SUMMARY : TAG_OTHER;
	case NS_XHTML:
		return !strcmp(n, "body") ? TAG_XHTML_BODY : TAG_OTHER;
	default:
		return TAG_OTHER;
	}
}

/* tag_of for a name from libxml2's dictionary, remembered by its address: a feed repeats
 * a dozen names thousands of times. */
static enum feed_tag
tag_lookup(struct feed_parser *p, enum feed_ns ns, const xmlChar *name)
{
	size_t slot = ((uintptr_t)name >> 3) % (sizeof p->tag_memo / sizeof p->tag_memo[0]);
	__typeof__(p->tag_memo[0]) *m = &p->tag_memo[slot];

	if (m->name != name || m->ns != ns) {
		m->name = name;
		m->ns = ns;
		m->tag = tag_of(ns, (const char *)name);
	}
	return m->tag;
}

/* Finds attribute `name` (no namespace, or namespace ns) among SAX2 attributes. */
static const char *
attr_get(struct feed_parser *p, const xmlChar **a, int n, const char *name, enum feed_ns ns,
    size_t *len)
{
	for (int i = 0; i < n; i++, a += 5) {
		/* (an attribute in no namespace is asked for with NS_OTHER) */
		if ((ns != NS_OTHER) != (a[2] != NULL) || strcmp((const char *)a[0], name) != 0)
			continue;
		if (ns == NS_OTHER || ns_of(p, a[2]) == ns) {
			*len = (size_t)(a[4] - a[3]);
			return (const char *)a[3];
		}
	}
	return NULL;
}

/* Returns a malloc'd, trimmed copy of an attribute, or NULL when absent or blank. */
static char *
attr_dup(struct feed_parser *p, const xmlChar **a, int n, const char *name, enum feed_ns ns)
{
	size_t len;
	const char *v = attr_get(p, a, n, name, ns, &len);
	char *s;

	if (v == NULL)
		return NULL;
	s = xstrndup_trim(v, len);
	if (*s == '\0') {
		free(s);
		return NULL;
	}
	return s;
}

/* Pushes a frame, computing its xml:base from the parent's. */
static void
frame_push(struct feed_parser *p, enum feed_ctx ctx, enum feed_tag tag,
    const xmlChar **attributes, int nb_attributes)
{
	struct feed_frame *f = &p->frames[p->depth];
	const char *parent = p->depth > 0 ? p->frames[p->depth - 1].base : p->base_url;
	char *xb = nb_attributes ? attr_dup(p, attributes, nb_attributes, "base", NS_XML) : NULL;

	f->ctx = ctx;
	f->tag = tag;
	f->serial = false;
	f->wrapper = false;
	f->closed = false;
	if (xb) {
		f->base = url_resolve(parent, xb);
		f->own_base = f->base != NULL;
		if (!f->own_base)
			f->base = (char *)parent;
		free(xb);
	} else {
		f->base = (char *)parent;
		f->own_base = false;
	}
	p->depth++;
}

/* Starts capturing the text of a field whose element is the top frame. */
static void
capture_begin(struct feed_parser *p, enum feed_field field, enum feed_textmode mode)
{
	p->field = field;
	p->textmode = mode;
	p->field_depth = p->depth - 1;
	p->frames[p->field_depth].ctx = CTX_FIELD;
	buf_reset(&p->text);
}

/* Empties the capture buffer after its text was taken. It keeps its room for the next
 * field (no chain of reallocations per field), unless one huge field made it big. */
static void
capture_release(struct feed_parser *p)
{
	if (p->text.cap > FEED_TEXT_KEEP)
		buf_free(&p->text);
	else
		buf_reset(&p->text);
}

/* Drops the current capture (its element was cut or damaged). */
static void
capture_abandon(struct feed_parser *p)
{
	p->field = F_NONE;
	capture_release(p);
}

/* Removes every ASCII whitespace character, in place: feeds wrap and indent long links,
 * and a URL never holds raw whitespace. Returns s. */
static char *
strip_space(char *s)
{
	char *w = s;

	while ((unsigned char)*w > ' ')	/* most links have none: skip to the first */
		w++;
	for (const char *r = w; *r; r++)
		if (!(*r == ' ' || (*r >= '\t' && *r <= '\r')))	/* \t \n \v \f \r */
			*w++ = *r;
	*w = '\0';
	return s;
}

/* Stores `value` (owned) into *slot unless the slot is taken. */
static void
take(char **slot, char *value)
{
	if (value == NULL)
		return;
	if (*slot == NULL)
		*slot = value;
	else
		free(value);
}

/* Finishes the current capture and stores the text where it belongs. */
static void
capture_end(struct feed_parser *p)
{
	enum feed_field field = p->field;
	char *raw, *v = NULL;
	const char *base = p->frames[p->field_depth].base;

	p->field = F_NONE;
	if (p->text.truncated) {
		feed_note_error(p, "a text field longer than %zu bytes was cut", p->opts.max_text);
		/* the cut may have split a character: drop its first bytes too, so that the
		 * text stays UTF-8 (libxml2 hands out nothing else) */
		p->text.len = utf8_trim_partial(p->text.data, p->text.len);
		p->text.data[p->text.len] = '\0';
	}
	if (field >= F_PUBDATE && field <= F_CREATED) {
		/* a date is parsed where it lies in the capture buffer: no copy */
		int k = field - F_PUBDATE;
		char *t = p->text.data ? str_trim(p->text.data) : NULL;

		if (t && *t && !p->e_date_set[k]) {
			p->e_date[k] = date_parse(t);
			p->e_date_set[k] = true;
		}
		capture_release(p);
		return;
	}
	if (field == F_LINK || field == F_FEED_LINK) {
		/* resolved where it lies in the capture buffer: url_resolve makes the copy */
		v = p->text.data ? url_resolve(base, strip_space(p->text.data)) : NULL;
		take(field == F_FEED_LINK ? &p->meta.link : &p->e_rsslink, v);
		capture_release(p);
		return;
	}
	/* an exact-size copy (see capture_release). Titles squeeze their spaces later;
	 * other text is trimmed as it is copied. */
	if (field == F_TITLE || field == F_FEED_TITLE || field == F_MEDIA_TITLE ||
	    field == F_DC_TITLE)
		raw = xstrndup(p->text.data ? p->text.data : "", p->text.len);
	else
		raw = xstrndup_trim(p->text.data ? p->text.data : "", p->text.len);
	capture_release(p);

	switch (field) {
	case F_TITLE:
	case F_FEED_TITLE:
	case F_MEDIA_TITLE:
	case F_DC_TITLE:
		if (p->textmode == TM_TEXT) {
			v = str_squeeze_space(raw);
			raw = NULL;
		} else if (p->textmode == TM_HTML || p->textmode == TM_XHTML) {
			v = html_to_line(raw, strlen(raw), p->opts.max_text);
			p->e_title_html = true;
		} else {
			v = feed_plain_title(raw, p->opts.max_text, &p->e_title_html);
			raw = NULL;
		}
		if (v && *v == '\0') {
			free(v);
			v = NULL;
		}
		if (field == F_FEED_TITLE)
			take(&p->meta.title, v);
		else if (field == F_TITLE)
			take(&p->draft.title, v);
		else if (field == F_MEDIA_TITLE)
			take(&p->e_media_title, v);
		else
			take(&p->e_dc_title, v);
		break;
	case F_FEED_TTL:
		p->meta.ttl_minutes = atoi(raw);
		if (p->meta.ttl_minutes < 0)
			p->meta.ttl_minutes = 0;
		break;
	default:
		v = raw;
		raw = NULL;
		if (*v == '\0') {
			free(v);
			break;
		}
		switch (field) {
		case F_SUMMARY: take(&p->e_summary, v); break;
		case F_CONTENT: take(&p->e_content, v); break;
		case F_CONTENT_ENCODED: take(&p->e_content_encoded, v); break;
		case F_MEDIA_DESC: take(&p->e_media_desc, v); break;
		case F_DC_DESC: take(&p->e_dc_desc, v); break;
		case F_ITUNES_SUMMARY: take(&p->e_itunes_summary, v); break;
		case F_GUID: take(&p->e_guid, v); break;
		case F_ATOM_ID: take(&p->e_atomid, v); break;
		case F_AUTHOR:
		case F_CATEGORY:
			str_squeeze_space(v);
			strlist_add_unique(field == F_AUTHOR ? &p->draft.authors : &p->draft.categories, v);
			break;
		case F_AUTHOR_NAME: take(&p->e_author_name, str_squeeze_space(v)); break;
		case F_AUTHOR_EMAIL: take(&p->e_author_email, v); break;
		default: free(v); break;
		}
		break;
	}
	free(raw);
}

/* Text mode of an Atom text construct from its type (1.0) or type/mode (0.3). */
static enum feed_textmode
atom_textmode(struct feed_parser *p, const xmlChar **a, int n)
{
	size_t tl = 0, ml = 0;
	const char *t = attr_get(p, a, n, "type", NS_OTHER, &tl);
	const char *m = attr_get(p, a, n, "mode", NS_OTHER, &ml);

#define IS(s, l, lit) ((l) == sizeof(lit) - 1 && strncasecmp((s), (lit), (l)) == 0)
	if (m && IS(m, ml, "xml"))
		return TM_XHTML;
	if (m && IS(m, ml, "escaped"))
		return TM_HTML;
	if (t == NULL || IS(t, tl, "text") || IS(t, tl, "text/plain"))
		return TM_TEXT;
	if (IS(t, tl, "html") || IS(t, tl, "text/html"))
		return TM_HTML;
	if (IS(t, tl, "xhtml") || IS(t, tl, "application/xhtml+xml"))
		return TM_XHTML;
#undef IS
	return TM_TEXT;
}

/* Appends s HTML-escaped. */
static void
buf_append_escaped(struct buf *b, const char *s, size_t n, bool attr)
{
	size_t i = 0, run = 0;

	while (i < n) {
		const char *rep = NULL;
		switch (s[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = attr ? "&quot;" : NULL; break;
		}
		if (rep) {
			buf_append(b, s + run, i - run);
			buf_appends(b, rep);
			run = i + 1;
		}
		i++;
	}
	buf_append(b, s + run, n - run);
}

/* Serialises a start tag inside a captured field as HTML. */
static void
serial_start(struct feed_parser *p, const char *name, const xmlChar **a, int n)
{
	buf_appendc(&p->text, '<');
	buf_appends(&p->text, name);
	for (int i = 0; i < n; i++, a += 5) {
		buf_appendc(&p->text, ' ');
		buf_appends(&p->text, (const char *)a[0]);
		buf_appends(&p->text, "=\"");
		buf_append_escaped(&p->text, (const char *)a[3], (size_t)(a[4] - a[3]), true);
		buf_appendc(&p->text, '"');
	}
	buf_appendc(&p->text, '>');
}

/* Serialises an end tag; void elements have none in HTML. */
static void
serial_end(struct feed_parser *p, const char *name)
{
	static const char *const voids[] = { "br", "img", "hr", "input", "meta", "link",
		"area", "base", "col", "embed", "param", "source", "track", "wbr", NULL };

	for (int i = 0; voids[i]; i++)
		if (!strcmp(name, voids[i]))
			return;
	buf_appends(&p->text, "</");
	buf_appends(&p->text, name);
	buf_appendc(&p->text, '>');
}

/* Sets the format from the root element, or stops at once for what is not a feed. */
static void
feed_root(struct feed_parser *p, enum feed_tag tag, enum feed_ns ns,
    const xmlChar **a, int n)
{
	size_t len;
	const char *v;

	switch (tag) {
	case TAG_RSS:
		v = attr_get(p, a, n, "version", NS_OTHER, &len);
		if (v && len >= 4 && !strncmp(v, "0.9", 3))
			p->meta.format = FEED_FORMAT_RSS09X;
		else
			p->meta.format = FEED_FORMAT_RSS20;
		break;
	case TAG_CHANNEL:
		p->meta.format = FEED_FORMAT_RSS20;
		break;
	case TAG_RDF:
		p->meta.format = FEED_FORMAT_RSS10;	/* 0.90 is told by its children */
		break;
	case TAG_FEED:
		p->meta.format = ns == NS_ATOM03 ? FEED_FORMAT_ATOM03 : FEED_FORMAT_ATOM10;
		if (ns == NS_RSS) {
			v = attr_get(p, a, n, "version", NS_OTHER, &len);
			p->meta.format = v && !strncmp(v, "0.3", 3) ? FEED_FORMAT_ATOM03 :
			    FEED_FORMAT_ATOM10;
		}
		break;
	default:
		break;
	}
}

/* Handles an Atom-style <link> (attributes) at feed or entry level. */
static void
handle_link(struct feed_parser *p, bool feedlevel, const xmlChar **a, int n)
{
	char *rel = attr_dup(p, a, n, "rel", NS_OTHER);
	char *href = attr_dup(p, a, n, "href", NS_OTHER);
	char *type = attr_dup(p, a, n, "type", NS_OTHER);
	const char *base = p->frames[p->depth - 1].base;
	bool html = type == NULL || strstr(type, "html") != NULL;

	if (href == NULL)
		goto out;
	strip_space(href);
	if (rel == NULL || !strcmp(rel, "alternate") ||
	    !strcmp(rel, "http://www.iana.org/assignments/relation/alternate")) {
		char **slot = feedlevel ? &p->meta.link : &p->e_atomlink;
		bool *slot_html = feedlevel ? &p->feed_link_html : &p->e_atomlink_html;
		if (*slot == NULL || (html && !*slot_html && type != NULL)) {
			free(*slot);
			*slot = url_resolve(base, href);
			*slot_html = html && type != NULL;
		}
	} else if (!strcmp(rel, "enclosure") && !feedlevel) {
		char *len = attr_dup(p, a, n, "length", NS_OTHER);
		char *url = url_resolve(base, href);
		if (url)
			feed_draft_add_enclosure(&p->draft, url, type, parse_length(len));
		type = NULL;
		free(len);
	}
out:
	free(rel);
	free(href);
	free(type);
}

/* Handles <enclosure> (RSS) or <media:content>. */
static void
handle_enclosure(struct feed_parser *p, const xmlChar **a, int n, bool media)
{
	char *href = attr_dup(p, a, n, "url", NS_OTHER);
	char *type = attr_dup(p, a, n, "type", NS_OTHER);
	char *len = attr_dup(p, a, n, media ? "fileSize" : "length", NS_OTHER);
	char *url = href ? url_resolve(p->frames[p->depth - 1].base, strip_space(href)) : NULL;

	if (url)
		feed_draft_add_enclosure(&p->draft, url, type, parse_length(len));
	else
		free(type);
	free(href);
	free(len);
}

/* A non-negative decimal length, or -1. */
static int64_t
parse_length(const char *s)
{
	int64_t v = 0;

	if (s == NULL || *s == '\0')
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (INT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

/* startElementNs: decides what the element is and what to capture. */
static void
feed_start_cb(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri,
    int nb_namespaces, const xmlChar **namespaces, int nb_attributes, int nb_defaulted,
    const xmlChar **a)
{
	struct feed_parser *p = ctx;
	const char *name = (const char *)localname;
	enum feed_ns ns;
	enum feed_tag tag;
	enum feed_ctx parent;
	int n = nb_attributes;

	/* libxml2 2.9 drops entity references after any error; we recover ourselves */
	p->ctxt->wellFormed = 1;
	if (p->stopped || p->failed)
		return;
	if (p->depth >= FEED_MAX_FRAMES) {
		feed_note_error(p, "excessive depth: more than %d nested elements", FEED_MAX_FRAMES);
		p->failed = true;
		p->overflow++;
		xmlStopParser(p->ctxt);
		return;
	}
	parent = p->depth ? p->frames[p->depth - 1].ctx : CTX_DOC;

	/* inside a captured field: markup is content */
	if (parent == CTX_FIELD || (p->depth && p->frames[p->depth - 1].serial)) {
		ns = ns_of(p, uri);
		tag = tag_lookup(p, ns, localname);
		/* an RSS field left open by mistake: a sibling field closes it */
		if (p->textmode != TM_XHTML && p->textmode != TM_HTML && tag != TAG_OTHER &&
		    parent == CTX_FIELD && p->depth - 1 == p->field_depth &&
		    ns != NS_XHTML) {
			feed_note_error(p, "a field was not closed before <%s>", log_esc(name));
			capture_end(p);
			p->frames[p->depth - 1].ctx = p->depth >= 2 ? p->frames[p->depth - 2].ctx :
			    CTX_FEED;
			p->frames[p->depth - 1].closed = true;
			parent = p->frames[p->depth - 1].ctx;
			/* fall through to normal handling below */
		} else {
			frame_push(p, CTX_SKIP, TAG_OTHER, a, n);
			p->frames[p->depth - 1].serial = true;
			if (p->textmode == TM_XHTML && parent == CTX_FIELD &&
			    p->depth - 2 == p->field_depth && !strcmp(name, "div") &&
			    str_is_blank(p->text.data)) {
				buf_reset(&p->text);
				p->frames[p->depth - 1].wrapper = true;
				return;
			}
			serial_start(p, name, a, n);
			return;
		}
	} else {
		ns = ns_of(p, uri);
		tag = tag_lookup(p, ns, localname);
	}

	if (parent == CTX_SKIP) {
		frame_push(p, CTX_SKIP, TAG_OTHER, NULL, 0);
		return;
	}

	if (p->depth == 0) {
		feed_root(p, tag, ns, a, n);
		if (p->meta.format == FEED_FORMAT_UNKNOWN) {
			free(p->error);
			p->error = xasprintf("not a feed: the root element is <%s>", log_esc(name));
			p->failed = true;
			xmlStopParser(p->ctxt);
			return;
		}
		frame_push(p, CTX_FEED, tag, a, n);
		if (tag == TAG_CHANNEL)
			p->frames[0].ctx = CTX_FEED;
		return;
	}

	if (ns == NS_RSS090 && p->meta.format == FEED_FORMAT_RSS10)
		p->meta.format = FEED_FORMAT_RSS09X;

	switch (parent) {
	case CTX_FEED:
		switch (tag) {
		case TAG_CHANNEL:
			frame_push(p, CTX_FEED, tag, a, n);
			return;
		case TAG_ITEM:
		case TAG_ENTRY:
			frame_push(p, CTX_ENTRY, tag, a, n);
			entry_begin(p);
			if (tag == TAG_ITEM)
				p->e_about = attr_dup(p, a, n, "about", NS_RDF);
			return;
		case TAG_TITLE:
			frame_push(p, CTX_FIELD, tag, a, n);
			p->field_feedlevel = true;
			capture_begin(p, F_FEED_TITLE, (ns == NS_ATOM10 || ns == NS_ATOM03) ?
			    atom_textmode(p, a, n) : TM_MAYBE_HTML);
			return;
		case TAG_LINK:
			if (ns == NS_ATOM10 || ns == NS_ATOM03) {
				frame_push(p, CTX_SKIP, tag, a, n);
				handle_link(p, true, a, n);
				return;
			}
			frame_push(p, CTX_FIELD, tag, a, n);
			p->field_feedlevel = true;
			capture_begin(p, F_FEED_LINK, TM_TEXT);
			return;
		case TAG_TTL:
			frame_push(p, CTX_FIELD, tag, a, n);
			p->field_feedlevel = true;
			capture_begin(p, F_FEED_TTL, TM_TEXT);
			return;
		default:
			frame_push(p, CTX_SKIP, tag, NULL, 0);
			return;
		}
	case CTX_ENTRY:
	case CTX_GROUP:
	case CTX_AUTHOR: {
		enum feed_field field = F_NONE;
		enum feed_textmode mode = TM_TEXT;
		bool atom = ns == NS_ATOM10 || ns == NS_ATOM03;

		if (parent == CTX_AUTHOR) {
			if (tag == TAG_ATOM_NAME)
				field = F_AUTHOR_NAME;
			else if (tag == TAG_ATOM_EMAIL)
				field = F_AUTHOR_EMAIL;
			if (field == F_NONE) {
				frame_push(p, CTX_SKIP, tag, NULL, 0);
				return;
			}
			frame_push(p, CTX_FIELD, tag, a, n);
			p->field_feedlevel = false;
			capture_begin(p, field, TM_TEXT);
			return;
		}
		switch (tag) {
		case TAG_ITEM:
		case TAG_ENTRY:
			/* an entry inside an entry: the previous one was never closed */
			feed_note_error(p, "<%s> not closed before the next one", log_esc(name));
			entry_end(p, false);
			for (int i = p->depth - 1; i >= 0; i--) {
				bool was_entry = p->frames[i].ctx == CTX_ENTRY && !p->frames[i].closed;
				p->frames[i].ctx = CTX_FEED;
				p->frames[i].closed = true;
				if (was_entry)
					break;
			}
			frame_push(p, CTX_ENTRY, tag, a, n);
			entry_begin(p);
			if (tag == TAG_ITEM)
				p->e_about = attr_dup(p, a, n, "about", NS_RDF);
			return;
		case TAG_TITLE:
			field = F_TITLE;
			mode = atom ? atom_textmode(p, a, n) : TM_MAYBE_HTML;
			break;
		case TAG_LINK:
			if (atom) {
				frame_push(p, CTX_SKIP, tag, a, n);
				handle_link(p, false, a, n);
				return;
			}
			field = F_LINK;
			break;
		case TAG_DESCRIPTION: field = F_SUMMARY; mode = TM_MAYBE_HTML; break;
		case TAG_ATOM_SUMMARY: field = F_SUMMARY; mode = atom_textmode(p, a, n); break;
		case TAG_ATOM_CONTENT:
			if (attr_get(p, a, n, "src", NS_OTHER, &(size_t){0}) != NULL)
				break;
			field = F_CONTENT;
			mode = atom_textmode(p, a, n);
			break;
		case TAG_CONTENT_ENCODED: field = F_CONTENT_ENCODED; mode = TM_MAYBE_HTML; break;
		case TAG_XHTML_BODY: field = F_CONTENT_ENCODED; mode = TM_XHTML; break;
		case TAG_GUID: {
			size_t len;
			const char *pl = attr_get(p, a, n, "isPermaLink", NS_OTHER, &len);
			p->e_guid_permalink = !(pl && len == 5 && !strncasecmp(pl, "false", 5));
			field = F_GUID;
			break;
		}
		case TAG_ATOM_ID: field = F_ATOM_ID; break;
		case TAG_PUBDATE: field = F_PUBDATE; break;
		case TAG_DC_DATE: field = F_DCDATE; break;
		case TAG_ATOM_PUBLISHED:
		case TAG_ATOM_ISSUED: field = F_PUBLISHED; break;
		case TAG_ATOM_UPDATED:
		case TAG_ATOM_MODIFIED:
		case TAG_DCTERMS_MODIFIED: field = F_UPDATED; break;
		case TAG_ATOM_CREATED: field = F_CREATED; break;
		case TAG_AUTHOR:
			if (atom) {
				frame_push(p, CTX_AUTHOR, tag, a, n);
				free(p->e_author_name);
				free(p->e_author_email);
				p->e_author_name = p->e_author_email = NULL;
				return;
			}
			field = F_AUTHOR;
			break;
		case TAG_DC_CREATOR: field = F_AUTHOR; break;
		case TAG_CATEGORY:
			if (atom) {
				char *term = attr_dup(p, a, n, "term", NS_OTHER);
				if (term == NULL)
					term = attr_dup(p, a, n, "label", NS_OTHER);
				if (term)
					strlist_add_unique(&p->draft.categories, str_squeeze_space(term));
				frame_push(p, CTX_SKIP, tag, NULL, 0);
				return;
			}
			field = F_CATEGORY;
			break;
		case TAG_DC_SUBJECT: field = F_CATEGORY; break;
		case TAG_ENCLOSURE:
			frame_push(p, CTX_SKIP, tag, a, n);
			handle_enclosure(p, a, n, false);
			return;
		case TAG_MEDIA_CONTENT:
			/* media:content may hold media:title/description: look inside */
			frame_push(p, CTX_GROUP, tag, a, n);
			handle_enclosure(p, a, n, true);
			return;
		case TAG_MEDIA_GROUP:
			frame_push(p, CTX_GROUP, tag, a, n);
			return;
		case TAG_MEDIA_DESCRIPTION: field = F_MEDIA_DESC; mode = TM_TEXT; break;
		case TAG_MEDIA_TITLE: field = F_MEDIA_TITLE; mode = TM_MAYBE_HTML; break;
		case TAG_DC_TITLE: field = F_DC_TITLE; mode = TM_MAYBE_HTML; break;
		case TAG_DC_DESCRIPTION: field = F_DC_DESC; break;
		case TAG_ITUNES_SUMMARY: field = F_ITUNES_SUMMARY; break;
		default:
			break;
		}
		if (field == F_NONE) {
			frame_push(p, CTX_SKIP, tag, NULL, 0);
			return;
		}
		frame_push(p, CTX_FIELD, tag, a, n);
		p->field_feedlevel = false;
		capture_begin(p, field, mode);
		return;
	}
	case CTX_DOC:
	case CTX_FIELD:
	case CTX_SKIP:
		frame_push(p, CTX_SKIP, tag, NULL, 0);
		return;
	}
}

/* endElementNs: closes what the matching start opened. */
static void
feed_end_cb(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri)
{
	struct feed_parser *p = ctx;
	struct feed_frame *f;

	p->ctxt->wellFormed = 1;
	if (p->stopped)
		return;
	if (p->overflow > 0) {
		p->overflow--;
		return;
	}
	if (p->depth == 0)
		return;
	f = &p->frames[p->depth - 1];
	if (f->closed) {
		/* nothing: recovery already closed it */
	} else if (f->serial) {
		if (!f->wrapper)
			serial_end(p, (const char *)localname);
	} else if (f->ctx == CTX_FIELD && p->field != F_NONE && p->depth - 1 == p->field_depth) {
		capture_end(p);
	} else if (f->ctx == CTX_ENTRY) {
		entry_end(p, false);
	} else if (f->ctx == CTX_AUTHOR) {
		char *who = p->e_author_name ? p->e_author_name : p->e_author_email;
		if (who)
			strlist_add_unique(&p->draft.authors, xstrdup(who));
		free(p->e_author_name);
		free(p->e_author_email);
		p->e_author_name = p->e_author_email = NULL;
	}
	if (f->own_base)
		free(f->base);
	p->depth--;
}

/* characters / cdataBlock: text of the field being captured. */
static void
feed_chars_cb(void *ctx, const xmlChar *ch, int len)
{
	struct feed_parser *p = ctx;
	struct feed_frame *f;

	p->ctxt->wellFormed = 1;
	if (p->stopped || p->field == F_NONE || p->depth == 0 || p->overflow)
		return;
	f = &p->frames[p->depth - 1];
	if (f->serial)
		buf_append_escaped(&p->text, (const char *)ch, (size_t)len, false);
	else if (f->ctx == CTX_FIELD) {
		if (p->textmode == TM_XHTML)
			buf_append_escaped(&p->text, (const char *)ch, (size_t)len, false);
		else
			buf_append(&p->text, ch, (size_t)len);
	}
}

/* Starts a new entry. */
static void
entry_begin(struct feed_parser *p)
{
	entry_reset(p);
	p->in_entry = true;
	p->entry_damaged = false;
}

/* Frees what the entry being built holds apart from the draft. */
static void
entry_reset(struct feed_parser *p)
{
	char **strs[] = { &p->e_rsslink, &p->e_atomlink, &p->e_guid, &p->e_atomid, &p->e_about,
		&p->e_summary, &p->e_content_encoded, &p->e_content,
		&p->e_media_desc, &p->e_itunes_summary, &p->e_media_title, &p->e_dc_title,
		&p->e_dc_desc, &p->e_author_name, &p->e_author_email };

	for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
		if (*strs[i]) {	/* (most are NULL by now: the entry took them) */
			free(*strs[i]);
			*strs[i] = NULL;
		}
	memset(p->e_date_set, 0, sizeof p->e_date_set);
	p->e_atomlink_html = false;
	p->e_guid_permalink = true;
	p->e_title_html = false;
	p->in_entry = false;
	feed_draft_clear(&p->draft);
}

/* Picks the first present value of a list of candidates and takes it. */
static char *
first_of(char **a, char **b, char **c)
{
	char **pick = *a ? a : *b ? b : c;
	char *v = *pick;

	*pick = NULL;
	return v;
}

/* The first date present among the candidates (date fields). */
static int64_t
first_date(const struct feed_parser *p, enum feed_field a, enum feed_field b, enum feed_field c)
{
	const enum feed_field cand[] = { a, b, c };

	for (int i = 0; i < 3; i++)
		if (p->e_date_set[cand[i] - F_PUBDATE])
			return p->e_date[cand[i] - F_PUBDATE];
	return FEED_NO_DATE;
}

/* Completes the entry and hands it on; a truncated one only when it is whole enough. */
static void
entry_end(struct feed_parser *p, bool truncated)
{
	struct feed_entry_draft *d = &p->draft;

	if (p->field != F_NONE && p->field_depth >= 0)
		capture_abandon(p);
	if (p->entry_damaged) {
		entry_reset(p);
		return;
	}
	if (truncated && !(d->title && (p->e_rsslink || p->e_atomlink || p->e_guid ||
	    p->e_atomid))) {
		entry_reset(p);
		return;
	}
	take(&d->title, first_of(&p->e_media_title, &p->e_dc_title, &p->e_dc_title));
	/* (first_of takes one; the other is freed by entry_reset) */
	take(&d->link, first_of(&p->e_rsslink, &p->e_atomlink, &p->e_atomlink));
	if (d->link == NULL && p->e_guid && p->e_guid_permalink && url_is_http(p->e_guid)) {
		char *g = strip_space(xstrdup(p->e_guid));
		d->link = url_resolve(NULL, g);
		free(g);
	}
	d->guid = first_of(&p->e_guid, &p->e_atomid, &p->e_about);
	take(&d->summary, first_of(&p->e_summary, &p->e_media_desc, &p->e_itunes_summary));
	take(&d->summary, p->e_dc_desc);
	p->e_dc_desc = NULL;
	take(&d->content, first_of(&p->e_content_encoded, &p->e_content, &p->e_content));
	d->published = first_date(p, F_PUBDATE, F_DCDATE, p->e_date_set[F_PUBLISHED - F_PUBDATE] ?
	    F_PUBLISHED : F_CREATED);
	d->updated = first_date(p, F_UPDATED, F_UPDATED, F_UPDATED);
	p->in_entry = false;
	feed_emit(p, d);
	entry_reset(p);
}

/* --- shared with feed_json.c ------------------------------------------------------ */

void
strlist_add_unique(struct strlist *l, char *s)
{
	if (s == NULL)
		return;
	if (str_is_blank(s)) {
		free(s);
		return;
	}
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], s)) {
			free(s);
			return;
		}
	l->v = xreallocarray(l->v, l->n + 1, sizeof *l->v);
	l->v[l->n++] = s;
}

void
strlist_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void
feed_draft_init(struct feed_entry_draft *d)
{
	memset(d, 0, sizeof *d);
	d->published = d->updated = FEED_NO_DATE;
}

void
feed_draft_clear(struct feed_entry_draft *d)
{
	char **strs[] = { &d->guid, &d->title, &d->link, &d->summary, &d->content };

	for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
		if (*strs[i]) {	/* (an emitted entry's draft is clear already) */
			free(*strs[i]);
			*strs[i] = NULL;
		}
	if (d->authors.v)
		strlist_free(&d->authors);
	if (d->categories.v)
		strlist_free(&d->categories);
	if (d->enclosures) {
		for (size_t i = 0; i < d->n_enclosures; i++) {
			free(d->enclosures[i].url);
			free(d->enclosures[i].type);
		}
		free(d->enclosures);
		d->enclosures = NULL;
		d->n_enclosures = 0;
	}
	d->published = d->updated = FEED_NO_DATE;
}

void
feed_draft_add_enclosure(struct feed_entry_draft *d, char *url, char *type, int64_t length)
{
	for (size_t i = 0; i < d->n_enclosures; i++)
		if (!strcmp(d->enclosures[i].url, url)) {
			free(url);
			free(type);
			return;
		}
	d->enclosures = xreallocarray(d->enclosures, d->n_enclosures + 1, sizeof *d->enclosures);
	d->enclosures[d->n_enclosures++] = (struct feed_enclosure){ url, type, length };
}

char *
feed_plain_title(char *s, size_t max_text, bool *via_html)
{
	char *line;

	if (!html_looks_like_markup(s))
		return str_squeeze_space(s);	/* in place: most titles are plain */
	if (via_html)
		*via_html = true;
	line = html_to_line(s, strlen(s), max_text);
	free(s);
	return line;
}

/* FNV-1a, for the per-document id set. */
static uint64_t
id_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h ? h : 1;
}

/* Adds id to the document's set; false when it was there already. */
static bool
ids_insert(struct feed_parser *p, const char *id)
{
	uint64_t h = id_hash(id);
	size_t i;

	if (p->ids_n * 2 >= p->ids_cap) {
		size_t cap = p->ids_cap ? p->ids_cap * 2 : 64;
		uint64_t *t = xcalloc(cap, sizeof *t);
		for (size_t k = 0; k < p->ids_cap; k++) {
			if (!p->ids[k])
				continue;
			for (i = p->ids[k] & (cap - 1); t[i]; i = (i + 1) & (cap - 1))
				;
			t[i] = p->ids[k];
		}
		free(p->ids);
		p->ids = t;
		p->ids_cap = cap;
	}
	for (i = h & (p->ids_cap - 1); p->ids[i]; i = (i + 1) & (p->ids_cap - 1))
		if (p->ids[i] == h)
			return false;
	p->ids[i] = h;
	p->ids_n++;
	return true;
}

/* The "#k" counter of a colliding fallback id (starting at 1, so the first suffix is #2). */
static int *
dup_counter(struct feed_parser *p, uint64_t h)
{
	size_t i;

	if (p->dups_n * 2 >= p->dups_cap) {
		size_t cap = p->dups_cap ? p->dups_cap * 2 : 16;
		__typeof__(p->dups) t = xcalloc(cap, sizeof *t);
		for (size_t k = 0; k < p->dups_cap; k++) {
			if (!p->dups[k].h)
				continue;
			for (i = p->dups[k].h & (cap - 1); t[i].h; i = (i + 1) & (cap - 1))
				;
			t[i] = p->dups[k];
		}
		free(p->dups);
		p->dups = t;
		p->dups_cap = cap;
	}
	for (i = h & (p->dups_cap - 1); p->dups[i].h; i = (i + 1) & (p->dups_cap - 1))
		if (p->dups[i].h == h)
			return &p->dups[i].k;
	p->dups[i].h = h;
	p->dups[i].k = 1;
	p->dups_n++;
	return &p->dups[i].k;
}

/* The fallback id: a hash of title and date (and text when both are missing). */
static char *
hash_id(const struct feed_entry_draft *d)
{
	struct buf b;
	char date[32] = "", hex[65];
	int64_t t = d->published != FEED_NO_DATE ? d->published : d->updated;

	buf_init(&b, 0);
	if (t != FEED_NO_DATE)
		date_format_rfc3339(t, date, sizeof date);
	buf_appends(&b, d->title ? d->title : "");
	buf_appendc(&b, '\n');
	buf_appends(&b, date);
	if (d->title == NULL && t == FEED_NO_DATE) {
		buf_appendc(&b, '\n');
		buf_appends(&b, d->summary ? d->summary : d->content ? d->content : "");
	}
	crypto_sha256_hex(b.data, b.len, hex);
	buf_free(&b);
	return xasprintf("sha256:%.32s", hex);
}

static void ensure_utf8(char **s);

/* The feed-level strings, checked like an entry's. */
static void
feed_meta_utf8(struct feed_parser *p)
{
	ensure_utf8(&p->meta.title);
	ensure_utf8(&p->meta.link);
}

/* Replaces a string that is not valid UTF-8 (cannot happen from libxml2, but JSON and
 * truncation edges are cheaper to guard here than to prove). */
static void
ensure_utf8(char **s)
{
	size_t n;

	if (*s == NULL)
		return;
	n = strlen(*s);
	if (utf8_valid_prefix(*s, n) != n) {
		char *t = utf8_sanitize(*s, n);
		free(*s);
		*s = t;
	}
}

int
feed_emit(struct feed_parser *p, struct feed_entry_draft *d)
{
	struct feed_entry e;
	const char *id = NULL;
	char *own_id = NULL;	/* a fallback id; guid and link are used where they are */
	int rc;

	/* summary, content, guid, authors, categories and enclosure types are captured text
	 * or attribute values as libxml2 gave them: when the pre-filter has made every byte of
	 * a UTF-8 document valid, that text is whole characters (capture_end trims one a cut
	 * split), so it is not scanned again. In any
	 * other encoding libxml2's converter decides, and a bogus encoding name makes it
	 * pass bytes through as they are: check them (the fuzzer found that) */
	bool checked = p->mode == MODE_XML && p->utf8 && p->ascii_compat;

	if (!checked) {
		ensure_utf8(&d->summary);
		ensure_utf8(&d->content);
		ensure_utf8(&d->guid);
		for (size_t i = 0; i < d->authors.n; i++)
			ensure_utf8(&d->authors.v[i]);
		for (size_t i = 0; i < d->categories.n; i++)
			ensure_utf8(&d->categories.v[i]);
		for (size_t i = 0; i < d->n_enclosures; i++)
			ensure_utf8(&d->enclosures[i].type);
	}
	/* links may come out of url_resolve, titles out of the HTML parser: checked unless a
	 * title is the captured text itself, spaces squeezed */
	if (!checked || p->e_title_html)
		ensure_utf8(&d->title);
	ensure_utf8(&d->link);
	for (size_t i = 0; i < d->n_enclosures; i++)
		ensure_utf8(&d->enclosures[i].url);
	if (d->guid && !str_is_blank(d->guid) && ids_insert(p, d->guid))
		id = d->guid;
	else if (d->link && ids_insert(p, d->link))
		id = d->link;
	else {
		char *h = hash_id(d);
		if (ids_insert(p, h))
			id = own_id = h;
		else {
			int *k = dup_counter(p, id_hash(h));
			while (own_id == NULL) {
				char *alt = xasprintf("%s#%d", h, ++*k);
				if (ids_insert(p, alt))
					own_id = alt;
				else
					free(alt);
			}
			id = own_id;
			free(h);
		}
	}
	e = (struct feed_entry){
		.id = (char *)id, .title = d->title, .link = d->link, .summary = d->summary,
		.content = d->content, .published = d->published, .updated = d->updated,
		.authors = d->authors.v, .n_authors = d->authors.n,
		.categories = d->categories.v, .n_categories = d->categories.n,
		.enclosures = d->enclosures, .n_enclosures = d->n_enclosures,
	};
	p->meta.n_entries++;
	rc = p->cb ? p->cb(&e, p->cb_arg) : 0;
	free(own_id);
	feed_draft_clear(d);
	/* stopping libxml2 here would free the input its caller is still reading (the
	 * attributes of the element being started): the SAX callbacks ignore everything
	 * once stopped, and feed_xml_push stops the parser when xmlParseChunk returns */
	if (rc < 0)
		p->stopped = true;
	return rc;
}

/* Copies a string that may be NULL. */
static char *
dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

struct feed_entry *
feed_entry_dup(const struct feed_entry *e)
{
	struct feed_entry *c = xcalloc(1, sizeof *c);

	c->id = xstrdup(e->id);
	c->title = dup_or_null(e->title);
	c->link = dup_or_null(e->link);
	c->summary = dup_or_null(e->summary);
	c->content = dup_or_null(e->content);
	c->published = e->published;
	c->updated = e->updated;
	c->authors = xcalloc(e->n_authors + 1, sizeof *c->authors);
	for (size_t i = 0; i < e->n_authors; i++)
		c->authors[i] = xstrdup(e->authors[i]);
	c->n_authors = e->n_authors;
	c->categories = xcalloc(e->n_categories + 1, sizeof *c->categories);
	for (size_t i = 0; i < e->n_categories; i++)
		c->categories[i] = xstrdup(e->categories[i]);
	c->n_categories = e->n_categories;
	c->enclosures = xcalloc(e->n_enclosures + 1, sizeof *c->enclosures);
	for (size_t i = 0; i < e->n_enclosures; i++) {
		c->enclosures[i].url = xstrdup(e->enclosures[i].url);
		c->enclosures[i].type = dup_or_null(e->enclosures[i].type);
		c->enclosures[i].length = e->enclosures[i].length;
	}
	c->n_enclosures = e->n_enclosures;
	return c;
}

void
feed_entry_free(struct feed_entry *e)
{
	if (e == NULL)
		return;
	free(e->id);
	free(e->title);
	free(e->link);
	free(e->summary);
	free(e->content);
	for (size_t i = 0; i < e->n_authors; i++)
		free(e->authors[i]);
	free(e->authors);
	for (size_t i = 0; i < e->n_categories; i++)
		free(e->categories[i]);
	free(e->categories);
	for (size_t i = 0; i < e->n_enclosures; i++) {
		free(e->enclosures[i].url);
		free(e->enclosures[i].type);
	}
	free(e->enclosures);
	free(e);
}

/* --- OPML ------------------------------------------------------------------------------ */

struct opml_state {
	feed_opml_cb cb;
	void *arg;
	bool root_ok;
	bool failed;
	int depth;
	xmlParserCtxtPtr ctxt;
};

/* startElementNs for OPML: the root must be <opml>; every <outline xmlUrl> is a feed. */
static void
opml_start_cb(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri,
    int nb_namespaces, const xmlChar **namespaces, int nb_attributes, int nb_defaulted,
    const xmlChar **a)
{
	struct opml_state *o = ctx;
	char *title = NULL, *url = NULL;

	if (++o->depth > FEED_MAX_FRAMES) {
		o->failed = true;
		xmlStopParser(o->ctxt);
		return;
	}
	if (o->depth == 1) {
		o->root_ok = strcmp((const char *)localname, "opml") == 0;
		if (!o->root_ok)
			xmlStopParser(o->ctxt);
		return;
	}
	if (strcmp((const char *)localname, "outline") != 0)
		return;
	for (int i = 0; i < nb_attributes; i++, a += 5) {
		const char *name = (const char *)a[0];
		size_t len = (size_t)(a[4] - a[3]);
		if (strcasecmp(name, "xmlUrl") == 0 && url == NULL)
			url = str_trim(xstrndup((const char *)a[3], len));
		else if ((strcmp(name, "text") == 0 || (strcmp(name, "title") == 0 && !title)) &&
		    len > 0) {
			free(title);
			title = str_squeeze_space(xstrndup((const char *)a[3], len));
		}
	}
	if (url && *url)
		o->cb(title && *title ? title : NULL, url, o->arg);
	free(title);
	free(url);
}

static void
opml_end_cb(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri)
{
	struct opml_state *o = ctx;

	o->depth--;
}

/* serror: OPML files are often a little broken; keep going, report nothing */
static void
opml_error_cb(void *ctx, xmlErrorPtr err)
{
}

int
feed_opml_parse(const char *data, size_t len, feed_opml_cb cb, void *arg, char *err,
    size_t errlen)
{
	xmlSAXHandler sax;
	struct opml_state o = { .cb = cb, .arg = arg };

	feed_global_init();
	memset(&sax, 0, sizeof sax);
	sax.initialized = XML_SAX2_MAGIC;
	sax.startElementNs = opml_start_cb;
	sax.endElementNs = opml_end_cb;
	sax.getEntity = NULL;
	sax.entityDecl = NULL;
	sax.serror = opml_error_cb;
	o.ctxt = xmlCreatePushParserCtxt(&sax, &o, NULL, 0, NULL);
	if (o.ctxt == NULL)
		fatalx("libxml2: cannot create a parser context");
	xmlCtxtUseOptions(o.ctxt, XML_PARSE_NONET | XML_PARSE_RECOVER | XML_PARSE_NOWARNING);
	while (len > 0) {
		int slice = len > (1u << 20) ? (1 << 20) : (int)len;
		xmlParseChunk(o.ctxt, data, slice, 0);
		data += slice;
		len -= (size_t)slice;
		if (o.ctxt->instate == XML_PARSER_EOF)
			break;
	}
	xmlParseChunk(o.ctxt, NULL, 0, 1);
	if (o.ctxt->myDoc)
		xmlFreeDoc(o.ctxt->myDoc);
	xmlFreeParserCtxt(o.ctxt);
	if (!o.root_ok) {
		snprintf(err, errlen, "not an OPML document (no <opml> root element)");
		return -1;
	}
	if (o.failed) {
		snprintf(err, errlen, "OPML nested too deeply");
		return -1;
	}
	return 0;
}
