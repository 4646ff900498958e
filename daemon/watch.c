/* watch.c — compiles the configured watchlists into one match set and matches feed
 * entries against it. */
#include "watch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "util.h"

#define WATCH_MAX_TEXT (1024 * 1024)	/* plain text matched per field */
#define WATCH_EXCERPT_CHARS 500

struct watch {
	struct match_set *set;
};

struct watch *
watch_new(const struct conf *c, struct conf_errors *errs)
{
	struct watch *w = xcalloc(1, sizeof *w);
	char err[512];
	size_t before = errs->n;

	w->set = match_set_new();
	for (size_t i = 0; i < c->n_watchlists; i++) {
		const struct conf_watchlist *cw = &c->watchlists[i];
		if (cw->keywords == NULL && cw->match == NULL)
			continue;	/* conf.c reports it */
		struct match_watchlist_spec spec = {
			.keywords = cw->keywords, .match = cw->match,
			.exclude = cw->exclude, .fields = cw->fields,
		};
		if (match_set_add_watchlist(w->set, cw->name, &spec, err, sizeof err) < 0) {
			/* name the line of the setting the message is about */
			const struct conf_where *at = &cw->where;
			if (strstr(err, "': keywords:") && cw->keywords_at.line)
				at = &cw->keywords_at;
			else if (strstr(err, "': match:") && cw->match_at.line)
				at = &cw->match_at;
			else if (strstr(err, "': exclude:") && cw->exclude_at.line)
				at = &cw->exclude_at;
			else if (strstr(err, "': fields:") && cw->fields_at.line)
				at = &cw->fields_at;
			errs->v = xreallocarray(errs->v, errs->n + 1, sizeof *errs->v);
			errs->v[errs->n++] = xasprintf("%s:%d: %s", at->file ? at->file :
			    cw->where.file, at->line, err);
		}
	}
	if (errs->n == before && match_set_compile(w->set, err, sizeof err) < 0) {
		errs->v = xreallocarray(errs->v, errs->n + 1, sizeof *errs->v);
		errs->v[errs->n++] = xasprintf("%s: %s", c->path, err);
	}
	if (errs->n > before) {
		watch_free(w);
		return NULL;
	}
	return w;
}

void
watch_free(struct watch *w)
{
	if (w == NULL)
		return;
	match_set_free(w->set);
	free(w);
}

int
watch_find(const struct watch *w, const char *name)
{
	for (size_t i = 0; i < match_set_count(w->set); i++)
		if (strcmp(match_set_name(w->set, i), name) == 0)
			return (int)i;
	return -1;
}

/* Cuts s to at most max characters, at a word boundary when one is near, adding "…". */
static char *
excerpt(const char *s, size_t max)
{
	size_t i = 0, chars = 0, last_space = 0;

	while (s[i] && chars < max) {
		unsigned char c = (unsigned char)s[i];
		if (c == ' ')
			last_space = i;
		i += c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
		chars++;
	}
	if (s[i] == '\0')
		return xstrdup(s);
	if (last_space > i * 3 / 4)
		i = last_space;
	/* leave room for the ellipsis within max characters */
	while (i > 0 && chars >= max) {
		do
			i--;
		while (i > 0 && ((unsigned char)s[i] & 0xc0) == 0x80);
		chars--;
	}
	char *out = xmalloc(i + 4);
	memcpy(out, s, i);
	while (i > 0 && out[i - 1] == ' ')
		i--;
	memcpy(out + i, "\xe2\x80\xa6", 4);
	return out;
}

void
watch_text_of(const struct feed_entry *e, struct watch_text *out)
{
	char *flat;

	out->summary = e->summary ? html_to_text(e->summary, strlen(e->summary), WATCH_MAX_TEXT)
	    : NULL;
	out->content = e->content ? html_to_text(e->content, strlen(e->content), WATCH_MAX_TEXT)
	    : NULL;
	flat = xstrdup(out->summary ? out->summary : out->content ? out->content : "");
	str_squeeze_space(flat);
	out->summary_excerpt = excerpt(flat, WATCH_EXCERPT_CHARS);
	free(flat);
}

void
watch_text_free(struct watch_text *t)
{
	free(t->summary);
	free(t->content);
	free(t->summary_excerpt);
	memset(t, 0, sizeof *t);
}

size_t
watch_entry(const struct watch *w, const struct feed_entry *e, const struct watch_text *text,
    char *const *only, size_t n_only, struct match_result *res)
{
	struct match_item_text item = {
		.title = e->title, .summary = text->summary, .content = text->content,
		.categories = (const char *const *)e->categories, .n_categories = e->n_categories,
	};
	size_t n = match_item(w->set, &item, res), kept = 0;

	if (only == NULL)
		return n;
	/* keep the fires of the allowed watchlists, free the others' owned parts */
	for (size_t i = 0; i < n; i++) {
		bool allowed = false;
		for (size_t k = 0; k < n_only && !allowed; k++)
			allowed = strcmp(res->fires[i].name, only[k]) == 0;
		if (allowed) {
			res->fires[kept++] = res->fires[i];
		} else {
			free(res->fires[i].terms);
			free(res->fires[i].snippet);
		}
	}
	res->n_fires = kept;
	return kept;
}
