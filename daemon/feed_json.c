/* feed_json.c — JSON Feed 1.0 and 1.1 (jansson), the parser's second back-end. The
 * document arrives whole (feed.c buffers it up to a cap); entries leave through the same
 * feed_emit() as XML entries, so ids, dates and links follow the same rules. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "feed_internal.h"
#include "html.h"
#include "url.h"

static char *json_str(json_t *obj, const char *key);
static int json_item(struct feed_parser *p, json_t *item, const char *base);

/* Returns a malloc'd copy of obj[key] when it is a non-blank string, else NULL. */
static char *
json_str(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	char *s;

	if (!json_is_string(v))
		return NULL;
	s = str_trim(xstrndup(json_string_value(v), json_string_length(v)));
	if (*s == '\0') {
		free(s);
		return NULL;
	}
	return s;
}

/* Builds one entry from a JSON Feed item and emits it; returns the callback's result. */
static int
json_item(struct feed_parser *p, json_t *item, const char *base)
{
	struct feed_entry_draft d;
	json_t *v, *x;
	size_t i;
	char *s;

	if (!json_is_object(item))
		return 0;
	feed_draft_init(&d);
	v = json_object_get(item, "id");
	if (json_is_string(v))
		d.guid = json_str(item, "id");
	else if (json_is_integer(v))
		d.guid = xasprintf("%lld", (long long)json_integer_value(v));
	if ((s = json_str(item, "title")) != NULL) {
		d.title = feed_plain_title(s, 0, NULL);
		if (*d.title == '\0') {
			free(d.title);
			d.title = NULL;
		}
	}
	if ((s = json_str(item, "url")) != NULL) {
		d.link = url_resolve(base, s);
		free(s);
	}
	d.summary = json_str(item, "summary");
	d.content = json_str(item, "content_html");
	if (d.content == NULL)
		d.content = json_str(item, "content_text");
	if ((s = json_str(item, "date_published")) != NULL) {
		d.published = date_parse(s);
		free(s);
	}
	if ((s = json_str(item, "date_modified")) != NULL) {
		d.updated = date_parse(s);
		free(s);
	}
	json_array_foreach(json_object_get(item, "authors"), i, x)
		strlist_add_unique(&d.authors, json_str(x, "name"));
	if ((x = json_object_get(item, "author")) != NULL)
		strlist_add_unique(&d.authors, json_str(x, "name"));
	json_array_foreach(json_object_get(item, "tags"), i, x)
		if (json_is_string(x))
			strlist_add_unique(&d.categories,
			    str_squeeze_space(xstrndup(json_string_value(x), json_string_length(x))));
	json_array_foreach(json_object_get(item, "attachments"), i, x) {
		char *u = json_str(x, "url");
		char *url = u ? url_resolve(base, u) : NULL;
		json_t *size = json_object_get(x, "size_in_bytes");
		free(u);
		if (url)
			feed_draft_add_enclosure(&d, url, json_str(x, "mime_type"),
			    json_is_integer(size) && json_integer_value(size) >= 0 ?
			    json_integer_value(size) : -1);
	}
	int rc = feed_emit(p, &d);
	feed_draft_clear(&d);
	return rc;
}

int
feed_json_parse(struct feed_parser *p, const char *data, size_t len)
{
	struct feed_meta *meta = feed_meta_mut(p);
	json_error_t jerr;
	json_t *root, *items, *item;
	const char *version;
	char *home, *s;
	size_t i;

	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {	/* RFC 8259 allows ignoring it */
		data += 3;
		len -= 3;
	}
	root = json_loadb(data, len, 0, &jerr);
	if (root == NULL) {
		feed_note_error(p, "not a feed: invalid JSON at line %d: %s", jerr.line, jerr.text);
		return -1;
	}
	version = json_string_value(json_object_get(root, "version"));
	if (!json_is_object(root) || version == NULL || strstr(version, "jsonfeed.org/version/") == NULL) {
		feed_note_error(p, "not a feed: a JSON document without a JSON Feed version");
		json_decref(root);
		return -1;
	}
	meta->format = FEED_FORMAT_JSONFEED;
	meta->bozo = false;
	if ((s = json_str(root, "title")) != NULL) {
		meta->title = feed_plain_title(s, 0, NULL);
	}
	if ((home = json_str(root, "home_page_url")) != NULL) {
		meta->link = url_resolve(feed_base_url(p), home);
		free(home);
	}
	items = json_object_get(root, "items");
	json_array_foreach(items, i, item) {
		if (json_item(p, item, feed_base_url(p)) < 0)
			break;	/* the caller asked to stop */
	}
	json_decref(root);
	return 0;
}
