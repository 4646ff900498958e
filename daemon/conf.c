/* conf.c — reads the INI configuration (inih) into a fresh struct conf.
 *
 * One table lists every key with its section, type, default, bounds and help; every
 * problem is reported as "file:line: message" and all of them are collected, not just
 * the first. inih is wrapped with our own line reader for two reasons: Debian's build
 * has no INI_HANDLER_LINENO, so the reader counts lines; and it is built with
 * INI_MAX_LINE 200, so a longer line (a watchlist of a thousand keywords) would be split
 * silently into bogus values — the reader instead hands it over as continuation pieces,
 * which the handler joins back exactly. */
#include "conf.h"

#include <errno.h>
#include <glob.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "log.h"
#include "url.h"
#include "util.h"

#define CONF_MAX_INCLUDE_DEPTH 8
#define CONF_PIECE 180		/* longest piece handed to inih (its buffer is 200) */

enum conf_section { SEC_NONE, SEC_DAEMON, SEC_FEED, SEC_WATCHLIST, SEC_SINK };

enum conf_type {
	T_STR, T_DURATION, T_SIZE, T_PERCENT, T_INT, T_BOOL, T_LIST, T_MULTI, T_PRIORITY,
	T_FACILITY, T_SINKTYPE, T_FORMAT, T_RATE, T_TEXT, T_INCLUDE,
};

/* One configuration key. Offsets point into the section's struct. */
struct conf_key {
	enum conf_section section;
	const char *name;
	enum conf_type type;
	size_t offset;
	int64_t min, max;	/* for numbers, durations (ms), sizes */
	const char *help;
};

#define D(f) offsetof(struct conf_daemon, f)
#define F(f) offsetof(struct conf_feed, f)
#define W(f) offsetof(struct conf_watchlist, f)
#define S(f) offsetof(struct conf_sink, f)
#define SEC 1000LL
#define DAY (86400 * SEC)

static const struct conf_key conf_keys[] = {
	{ SEC_DAEMON, "state_dir", T_STR, D(state_dir), 0, 0, "SQLite state lives here" },
	{ SEC_DAEMON, "interval", T_DURATION, D(interval_ms), SEC, 7 * DAY, "default poll interval" },
	{ SEC_DAEMON, "jitter", T_PERCENT, D(jitter), 0, 50, "spread of poll times, in percent" },
	{ SEC_DAEMON, "max_concurrent", T_INT, D(max_concurrent), 1, 10000, "transfers in flight" },
	{ SEC_DAEMON, "max_per_host", T_INT, D(max_per_host), 1, 1000, "transfers per host" },
	{ SEC_DAEMON, "timeout", T_DURATION, D(timeout_ms), SEC, 3600 * SEC, "whole transfer" },
	{ SEC_DAEMON, "max_feed_size", T_SIZE, D(max_feed_size), 1024, 1LL << 32, "decoded bytes" },
	{ SEC_DAEMON, "backlog", T_INT, D(backlog), 0, 100000, "alerts on a new feed's first fetch" },
	{ SEC_DAEMON, "user_agent", T_STR, D(user_agent), 0, 0, "User-Agent header" },
	{ SEC_DAEMON, "allow_private_redirects", T_BOOL, D(allow_private_redirects), 0, 0,
	  "follow redirects into private address space" },
	{ SEC_DAEMON, "include", T_INCLUDE, 0, 0, 0, "more configuration files (glob)" },

	{ SEC_FEED, "url", T_STR, F(url), 0, 0, "the feed's http(s) URL" },
	{ SEC_FEED, "interval", T_DURATION, F(interval_ms), SEC, 7 * DAY, "poll interval" },
	{ SEC_FEED, "watchlists", T_LIST, F(watchlists), 0, 0, "watchlists applied" },
	{ SEC_FEED, "header", T_MULTI, F(headers), 0, 0, "extra request header; may repeat" },

	{ SEC_WATCHLIST, "keywords", T_TEXT, W(keywords), 0, 0, "any of these terms" },
	{ SEC_WATCHLIST, "match", T_TEXT, W(match), 0, 0, "a boolean expression" },
	{ SEC_WATCHLIST, "exclude", T_TEXT, W(exclude), 0, 0, "terms that veto a match" },
	{ SEC_WATCHLIST, "fields", T_TEXT, W(fields), 0, 0, "title, summary, content, categories" },
	{ SEC_WATCHLIST, "priority", T_PRIORITY, W(priority), 0, 0, "syslog severity" },
	{ SEC_WATCHLIST, "notify", T_LIST, W(notify), 0, 0, "sink names" },

	{ SEC_SINK, "type", T_SINKTYPE, S(type), 0, 0, "syslog, webhook or stdout" },
	{ SEC_SINK, "facility", T_FACILITY, S(facility), 0, 0, "syslog facility" },
	{ SEC_SINK, "ident", T_STR, S(ident), 0, 0, "syslog tag" },
	{ SEC_SINK, "socket", T_STR, S(socket), 0, 0, "local syslog socket" },
	{ SEC_SINK, "server", T_STR, S(server), 0, 0, "udp://host:port or tcp://host:port" },
	{ SEC_SINK, "format", T_FORMAT, S(format), 0, 0, "message format" },
	{ SEC_SINK, "url", T_STR, S(url), 0, 0, "webhook URL" },
	{ SEC_SINK, "template", T_STR, S(template_path), 0, 0, "template file" },
	{ SEC_SINK, "secret_file", T_STR, S(secret_file), 0, 0, "signing secret(s)" },
	{ SEC_SINK, "timeout", T_DURATION, S(timeout_ms), SEC, 600 * SEC, "one attempt" },
	{ SEC_SINK, "retry_for", T_DURATION, S(retry_for_ms), 0, 30 * DAY, "keep retrying this long" },
	{ SEC_SINK, "retry_min", T_DURATION, S(retry_min_ms), 100, DAY, "first retry delay" },
	{ SEC_SINK, "retry_max", T_DURATION, S(retry_max_ms), SEC, 7 * DAY, "longest retry delay" },
	{ SEC_SINK, "rate_limit", T_RATE, S(rate_count), 0, 0, "N/s, N/min or N/h" },
	{ SEC_SINK, "header", T_MULTI, S(headers), 0, 0, "extra request header; may repeat" },
};

/* One load in progress. */
struct conf_loader {
	struct conf *conf;
	struct conf_errors *errs;
	/* the file being read */
	const char *file;
	FILE *fp;
	int line;		/* physical line of what inih is looking at */
	int depth;
	/* the long line being handed over in pieces */
	char *pending;
	size_t pending_off;
	bool piece_is_continuation;	/* the piece inih now holds continues a split line */
	bool piece_joins_bare;		/* ... and joins without a space */
	bool line_is_continuation;	/* an indented continuation the user wrote */
	/* the section being read */
	enum conf_section section;
	void *current;			/* struct conf_feed / _watchlist / _sink, or daemon */
	bool skip_section;		/* the header was broken; its keys are ignored */
	const struct conf_key *last_key;
	char *list_raw;			/* the text of the list key being read, whole */
	bool key_set[64];		/* keys set in the current section (conf_keys index) */
	bool had_key;			/* inih reads indented lines after a key as continuations */
	char **includes;		/* files still to read */
	size_t n_includes;
	char **seen;			/* files read (real paths), to read each once */
	size_t n_seen;
};

static void conf_error(struct conf_loader *l, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void conf_errorx(struct conf_errors *errs, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void conf_warning(struct conf *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static char *conf_reader(char *str, int num, void *stream);
static void conf_line_begin(struct conf_loader *l, const char *line);
static int conf_handler(void *user, const char *section, const char *name, const char *value);
static int conf_read_file(struct conf_loader *l, const char *path);
static bool conf_section_begin(struct conf_loader *l, const char *section);
static void conf_set(struct conf_loader *l, const struct conf_key *k, const char *value);
static void conf_defaults(struct conf *c);
static void conf_validate(struct conf_loader *l);
static const char *closest_key(enum conf_section sec, const char *name);
static void strv_free(char **v, size_t n);

/* Appends "file:line: message" to the load's errors. */
static void
conf_error(struct conf_loader *l, int line, const char *fmt, ...)
{
	va_list ap;
	char msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	conf_errorx(l->errs, "%s:%d: %s", l->file, line, msg);
}

static void
conf_errorx(struct conf_errors *errs, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		fatalx("out of memory");
	va_end(ap);
	errs->v = xreallocarray(errs->v, errs->n + 1, sizeof *errs->v);
	errs->v[errs->n++] = s;
}

static void
conf_warning(struct conf *c, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		fatalx("out of memory");
	va_end(ap);
	c->warnings = xreallocarray(c->warnings, c->n_warnings + 1, sizeof *c->warnings);
	c->warnings[c->n_warnings++] = s;
}

void
conf_errors_free(struct conf_errors *errs)
{
	strv_free(errs->v, errs->n);
	errs->v = NULL;
	errs->n = 0;
}

static void
strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

const char *
conf_default_path(const char *from_cli)
{
	const char *env = getenv("FEEDWATCHD_CONFIG");

	if (from_cli && *from_cli)
		return from_cli;
	if (env && *env)
		return env;
	return CONF_DEFAULT_PATH;
}

/* Returns true when the line is "  key = value" (not a section or comment). */
static bool
is_key_line(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '[' || *s == ';' || *s == '#' || *s == '\0' || *s == '\n')
		return false;
	return strpbrk(s, "=:") != NULL;
}

/* Looks at a whole line before inih does: starts sections (inih tells the handler only
 * of keys, so an empty or repeated section would go unseen) and reports lines inih
 * would reject, with their line numbers. */
static void
conf_line_begin(struct conf_loader *l, const char *line)
{
	const char *s = line + strspn(line, " \t");
	const char *close;

	if (*s == '\0' || *s == ';' || *s == '#' || l->line_is_continuation)
		return;
	if (*s == '[') {
		close = strrchr(s, ']');
		l->had_key = false;
		l->last_key = NULL;
		free(l->list_raw);
		l->list_raw = NULL;
		if (close == NULL || !str_is_blank(close + 1)) {
			conf_error(l, l->line, "section header without a closing ']'");
			l->skip_section = true;
			l->section = SEC_NONE;
			return;
		}
		char *inner = str_trim(xstrndup(s + 1, (size_t)(close - s - 1)));
		if (!conf_section_begin(l, inner)) {
			l->skip_section = true;
			l->section = SEC_NONE;
		}
		free(inner);
		return;
	}
	if (strpbrk(s, "=:") == NULL)
		conf_error(l, l->line, "expected 'key = value', a [section] or a comment");
	else
		l->had_key = true;
}

/* ini_reader: hands inih one line at a time (counting lines), and a line too long for
 * inih's buffer as a first piece plus indented continuation pieces. */
static char *
conf_reader(char *str, int num, void *stream)
{
	struct conf_loader *l = stream;
	size_t cap = (size_t)num - 3 < CONF_PIECE ? (size_t)num - 3 : CONF_PIECE;
	char *line = NULL;
	size_t lcap = 0;
	ssize_t n;

	l->piece_is_continuation = false;
	l->line_is_continuation = false;
	if (l->pending == NULL) {
		n = getline(&line, &lcap, l->fp);
		if (n < 0) {
			free(line);
			return NULL;
		}
		l->line++;
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		if (strlen(line) != (size_t)n) {
			conf_error(l, l->line, "NUL byte in line");
			line[0] = '\0';
			n = 0;
		}
		l->line_is_continuation = (line[0] == ' ' || line[0] == '\t') &&
		    !str_is_blank(line) && l->had_key;
		conf_line_begin(l, line);
		if ((size_t)n <= cap) {
			snprintf(str, (size_t)num, "%s\n", line);
			free(line);
			return str;
		}
		if (!is_key_line(line) && !l->line_is_continuation) {
			if (line[strspn(line, " \t")] == '[')
				conf_error(l, l->line, "section header too long");
			/* a long comment: drop it */
			snprintf(str, (size_t)num, "\n");
			free(line);
			return str;
		}
		l->pending = line;
		l->pending_off = 0;
	} else {
		l->piece_is_continuation = true;
	}
	/* the next piece: cut at a space where possible, never before a character that
	 * inih would read as a comment start, and never inside a UTF-8 sequence */
	const char *rest = l->pending + l->pending_off;
	size_t len = strlen(rest), cut = len <= cap ? len : cap;
	if (cut < len) {
		size_t k = cut;
		while (k > cap / 2 && rest[k] != ' ')
			k--;
		if (rest[k] == ' ')
			cut = k;
		while (cut > 1 && ((rest[cut] & 0xc0) == 0x80 || rest[cut] == ';' ||
		    rest[cut] == '#' || rest[cut] == '['))
			cut--;
	}
	if (l->piece_is_continuation) {
		/* inih strips the indent and joins nothing: remember how to join */
		l->piece_joins_bare = rest[0] != ' ';
		snprintf(str, (size_t)num, " %.*s\n", (int)cut, rest);
	} else {
		snprintf(str, (size_t)num, "%.*s\n", (int)cut, rest);
	}
	l->pending_off += cut;
	if (l->pending[l->pending_off] == '\0') {
		free(l->pending);
		l->pending = NULL;
	}
	return str;
}

/* Reads one file into the load. Returns 0, or -1 when it could not be opened. */
static int
conf_read_file(struct conf_loader *l, const char *path)
{
	const char *saved_file = l->file;
	FILE *saved_fp = l->fp;
	int saved_line = l->line;
	enum conf_section saved_sec = l->section;
	int rc;

	char real[PATH_MAX];

	if (realpath(path, real) != NULL) {
		for (size_t i = 0; i < l->n_seen; i++)
			if (!strcmp(l->seen[i], real))
				return 0;	/* read already (an include loop) */
		l->seen = xreallocarray(l->seen, l->n_seen + 1, sizeof *l->seen);
		l->seen[l->n_seen++] = xstrdup(real);
	}
	l->fp = fopen(path, "re");
	if (l->fp == NULL) {
		l->fp = saved_fp;
		return -1;
	}
	l->file = path;
	l->line = 0;
	l->section = SEC_NONE;
	l->current = NULL;
	l->skip_section = false;
	l->last_key = NULL;
	l->had_key = false;
	rc = ini_parse_stream(conf_reader, l, conf_handler, l);
	if (rc < 0)
		conf_error(l, 0, "cannot read the file");
	free(l->pending);
	l->pending = NULL;
	free(l->list_raw);
	l->list_raw = NULL;
	fclose(l->fp);
	l->fp = saved_fp;
	l->file = saved_file;
	l->line = saved_line;
	l->section = saved_sec;
	return 0;
}

/* Parses `type "name"` into its parts. */
static bool
split_section(const char *section, char *type, size_t tlen, char *name, size_t nlen)
{
	const char *sp = strchr(section, ' ');
	size_t k;

	if (sp == NULL) {
		snprintf(type, tlen, "%s", section);
		name[0] = '\0';
		return true;
	}
	snprintf(type, tlen, "%.*s", (int)(sp - section), section);
	while (*sp == ' ')
		sp++;
	k = strlen(sp);
	if (k < 2 || sp[0] != '"' || sp[k - 1] != '"')
		return false;
	snprintf(name, nlen, "%.*s", (int)(k - 2), sp + 1);
	return true;
}

/* Starts a new section. Returns false when the header is broken. */
static bool
conf_section_begin(struct conf_loader *l, const char *section)
{
	struct conf *c = l->conf;
	char type[64], name[256];

	l->skip_section = false;
	l->last_key = NULL;
	memset(l->key_set, 0, sizeof l->key_set);
	if (!split_section(section, type, sizeof type, name, sizeof name)) {
		conf_error(l, l->line, "section [%s]: the name must be in double quotes, "
		    "like [feed \"news\"]", log_esc(section));
		return false;
	}
	if (strcmp(type, "daemon") == 0) {
		if (name[0])
			conf_error(l, l->line, "[daemon] takes no name");
		l->section = SEC_DAEMON;
		l->current = &c->daemon;
		return true;
	}
	if (strcmp(type, "feed") && strcmp(type, "watchlist") && strcmp(type, "sink")) {
		conf_error(l, l->line, "unknown section [%s] (expected daemon, feed, watchlist "
		    "or sink)", log_esc(section));
		return false;
	}
	if (name[0] == '\0') {
		conf_error(l, l->line, "[%s] needs a name: [%s \"NAME\"]", type, type);
		return false;
	}
	for (const char *ch = name; *ch; ch++)
		if ((unsigned char)*ch < 0x20 || *ch == '"' || *ch == '\\') {
			conf_error(l, l->line, "[%s \"%s\"]: the name may not hold quotes, "
			    "backslashes or control characters", type, log_esc(name));
			return false;
		}
#define ADD_SECTION(arr, n, kind, sec)                                                   \
	do {                                                                             \
		for (size_t i = 0; i < c->n; i++)                                        \
			if (strcmp(c->arr[i].name, name) == 0) {                         \
				conf_error(l, l->line, "[%s \"%s\"] is defined twice "   \
				    "(first at %s:%d)", type, name, c->arr[i].where.file,  \
				    c->arr[i].where.line);                               \
				return false;                                            \
			}                                                                \
		c->arr = xreallocarray(c->arr, c->n + 1, sizeof *c->arr);                \
		memset(&c->arr[c->n], 0, sizeof c->arr[c->n]);                           \
		c->arr[c->n].name = xstrdup(name);                                       \
		c->arr[c->n].where.file = xstrdup(l->file);                              \
		c->arr[c->n].where.line = l->line;                                       \
		l->current = &c->arr[c->n++];                                            \
		l->section = sec;                                                        \
	} while (0)
	if (strcmp(type, "feed") == 0)
		ADD_SECTION(feeds, n_feeds, feed, SEC_FEED);
	else if (strcmp(type, "watchlist") == 0) {
		ADD_SECTION(watchlists, n_watchlists, watchlist, SEC_WATCHLIST);
		((struct conf_watchlist *)l->current)->priority = LOG_NOTICE;
	} else {
		ADD_SECTION(sinks, n_sinks, sink, SEC_SINK);
		struct conf_sink *s = l->current;
		s->facility = LOG_DAEMON;
		s->timeout_ms = 10 * SEC;
		s->retry_for_ms = DAY;
		s->retry_min_ms = 5 * SEC;
		s->retry_max_ms = 3600 * SEC;
	}
#undef ADD_SECTION
	return true;
}

/* ini_handler: one key (or one continuation piece of a key). */
static int
conf_handler(void *user, const char *section, const char *name, const char *value)
{
	struct conf_loader *l = user;
	static const char *const secnames[] = { "", "daemon", "feed", "watchlist", "sink" };
	const struct conf_key *k = NULL;

	(void)section;	/* sections are tracked by conf_line_begin */
	if (l->section == SEC_NONE) {
		if (!l->skip_section)
			conf_error(l, l->line, "key '%s' outside any section", log_esc(name));
		return 1;
	}
	if (l->skip_section)
		return 1;
	/* a continuation: join it to the key before */
	if ((l->piece_is_continuation || l->line_is_continuation) && l->last_key &&
	    strcmp(l->last_key->name, name) == 0) {
		const struct conf_key *lk = l->last_key;
		char **slot = NULL;
		if (lk->type == T_TEXT || lk->type == T_STR)
			slot = (char **)((char *)l->current + lk->offset);
		if (lk->type == T_MULTI) {
			char ***vp = (char ***)((char *)l->current + lk->offset);
			size_t *np = (size_t *)((char *)vp + sizeof(char **));
			if (*np > 0)
				slot = &(*vp)[*np - 1];
		}
		if (lk->type == T_LIST && l->list_raw) {
			/* join the text, then split the whole list again */
			char ***vp = (char ***)((char *)l->current + lk->offset);
			size_t *np = (size_t *)((char *)vp + sizeof(char **));
			char *joined = xasprintf("%s%s%s", l->list_raw,
			    l->piece_is_continuation && l->piece_joins_bare ? "" : " ", value);
			free(l->list_raw);
			l->list_raw = joined;
			strv_free(*vp, *np);
			*np = conf_split_list(joined, vp);
			return 1;
		}
		if (l->line_is_continuation && !l->piece_is_continuation) {
			/* "    interval = 2m" under "url = ..." is read by inih as more url */
			const char *eq = strpbrk(value, "=:");
			if (eq) {
				char *key = str_trim(xstrndup(value, (size_t)(eq - value)));
				for (size_t i = 0; i < sizeof conf_keys / sizeof conf_keys[0]; i++)
					if (conf_keys[i].section == l->section &&
					    !strcmp(conf_keys[i].name, key)) {
						conf_error(l, l->line, "indented '%s' reads as a "
						    "continuation of '%s'; remove the indentation",
						    log_esc(key), lk->name);
						free(key);
						return 1;
					}
				free(key);
			}
		}
		if (slot && *slot) {
			char *joined = xasprintf("%s%s%s", *slot,
			    l->piece_is_continuation && l->piece_joins_bare ? "" : " ", value);
			free(*slot);
			*slot = joined;
			return 1;
		}
		conf_error(l, l->line, "'%s' cannot continue over several lines", name);
		return 1;
	}
	for (size_t i = 0; i < sizeof conf_keys / sizeof conf_keys[0]; i++)
		if (conf_keys[i].section == l->section && strcmp(conf_keys[i].name, name) == 0) {
			k = &conf_keys[i];
			break;
		}
	if (k == NULL) {
		const char *near = closest_key(l->section, name);
		if (near)
			conf_error(l, l->line, "unknown key '%s' in [%s] (did you mean '%s'?)",
			    log_esc(name), secnames[l->section], near);
		else
			conf_error(l, l->line, "unknown key '%s' in [%s]", log_esc(name),
			    secnames[l->section]);
		l->last_key = NULL;
		return 1;
	}
	l->last_key = k;
	size_t idx = (size_t)(k - conf_keys);
	if (idx < sizeof l->key_set && l->key_set[idx] && k->type != T_MULTI &&
	    k->type != T_INCLUDE) {
		conf_error(l, l->line, "'%s' is set twice in this section", k->name);
		return 1;
	}
	if (idx < sizeof l->key_set)
		l->key_set[idx] = true;
	conf_set(l, k, value);
	return 1;
}

/* Levenshtein distance, for "did you mean". */
static int
edit_distance(const char *a, const char *b)
{
	int la = (int)strlen(a), lb = (int)strlen(b), d[64];

	if (la > 62 || lb > 62)
		return 99;
	for (int j = 0; j <= lb; j++)
		d[j] = j;
	for (int i = 1; i <= la; i++) {
		int prev = d[0];
		d[0] = i;
		for (int j = 1; j <= lb; j++) {
			int t = d[j];
			int best = prev + (a[i - 1] != b[j - 1]);
			if (d[j] + 1 < best)
				best = d[j] + 1;
			if (d[j - 1] + 1 < best)
				best = d[j - 1] + 1;
			d[j] = best;
			prev = t;
		}
	}
	return d[lb];
}

/* The known key of the section nearest to name, when it is a likely typo. */
static const char *
closest_key(enum conf_section sec, const char *name)
{
	const char *best = NULL;
	int bestd = 3;

	for (size_t i = 0; i < sizeof conf_keys / sizeof conf_keys[0]; i++) {
		if (conf_keys[i].section != sec)
			continue;
		int dd = edit_distance(name, conf_keys[i].name);
		if (dd < bestd) {
			bestd = dd;
			best = conf_keys[i].name;
		}
	}
	return best;
}

/* Parses and stores one value. */
static void
conf_set(struct conf_loader *l, const struct conf_key *k, const char *value)
{
	void *field = (char *)l->current + k->offset;
	int64_t v;
	double pct;
	int iv;
	char *end;

	switch (k->type) {
	case T_STR:
	case T_TEXT: {
		char **slot = field;
		free(*slot);
		*slot = xstrdup(value);
		if (k->section == SEC_WATCHLIST) {
			struct conf_watchlist *w = l->current;
			struct conf_where *at = k->offset == W(keywords) ? &w->keywords_at :
			    k->offset == W(match) ? &w->match_at :
			    k->offset == W(exclude) ? &w->exclude_at : &w->fields_at;
			at->file = w->where.file;
			at->line = l->line;
		}
		break;
	}
	case T_DURATION:
		if (conf_parse_duration_ms(value, &v) < 0) {
			conf_error(l, l->line, "%s: '%s' is not a duration (like 30s, 5m, 2h)",
			    k->name, log_esc(value));
			break;
		}
		if (v < k->min || v > k->max) {
			conf_error(l, l->line, "%s: %s is out of range (%lld ms to %lld ms)",
			    k->name, log_esc(value), (long long)k->min, (long long)k->max);
			break;
		}
		*(int64_t *)field = v;
		break;
	case T_SIZE:
		if (conf_parse_size(value, &v) < 0 || v < k->min || v > k->max) {
			conf_error(l, l->line, "%s: '%s' is not a size from %lld bytes to %lld "
			    "bytes (like 512K, 16M)", k->name, log_esc(value), (long long)k->min,
			    (long long)k->max);
			break;
		}
		*(int64_t *)field = v;
		break;
	case T_PERCENT:
		if (conf_parse_percent(value, &pct) < 0 || pct * 100 < k->min || pct * 100 > k->max) {
			conf_error(l, l->line, "%s: '%s' is not a percentage from %lld%% to %lld%%",
			    k->name, log_esc(value), (long long)k->min, (long long)k->max);
			break;
		}
		*(double *)field = pct;
		break;
	case T_INT:
		errno = 0;
		v = strtoll(value, &end, 10);
		if (errno || end == value || *end || v < k->min || v > k->max) {
			conf_error(l, l->line, "%s: '%s' is not a whole number from %lld to %lld",
			    k->name, log_esc(value), (long long)k->min, (long long)k->max);
			break;
		}
		*(int *)field = (int)v;
		break;
	case T_BOOL:
		if (!strcasecmp(value, "yes") || !strcasecmp(value, "true") || !strcmp(value, "1") ||
		    !strcasecmp(value, "on"))
			*(bool *)field = true;
		else if (!strcasecmp(value, "no") || !strcasecmp(value, "false") ||
		    !strcmp(value, "0") || !strcasecmp(value, "off"))
			*(bool *)field = false;
		else
			conf_error(l, l->line, "%s: '%s' is not yes or no", k->name, log_esc(value));
		break;
	case T_LIST: {
		char ***vp = field;
		size_t *np = (size_t *)((char *)field + sizeof(char **));
		strv_free(*vp, *np);
		*np = conf_split_list(value, vp);
		free(l->list_raw);
		l->list_raw = xstrdup(value);
		if (*np == 0) {
			conf_error(l, l->line, "%s: the list is empty", k->name);
			free(*vp);
			*vp = NULL;
		}
		break;
	}
	case T_MULTI: {
		char ***vp = field;
		size_t *np = (size_t *)((char *)field + sizeof(char **));
		if (strchr(value, ':') == NULL || value[0] == ':') {
			conf_error(l, l->line, "%s: '%s' is not 'Name: value'", k->name,
			    log_esc(value));
			break;
		}
		*vp = xreallocarray(*vp, *np + 1, sizeof **vp);
		(*vp)[(*np)++] = xstrdup(value);
		break;
	}
	case T_PRIORITY:
		if (conf_parse_priority(value, &iv) < 0)
			conf_error(l, l->line, "priority: '%s' is not a syslog severity (emerg, "
			    "alert, crit, err, warning, notice, info, debug)", log_esc(value));
		else
			*(int *)field = iv;
		break;
	case T_FACILITY:
		if (conf_parse_facility(value, &iv) < 0)
			conf_error(l, l->line, "facility: '%s' is not a syslog facility (daemon, "
			    "user, local0 ... local7, ...)", log_esc(value));
		else
			*(int *)field = iv;
		break;
	case T_SINKTYPE: {
		enum conf_sink_type *t = field;
		if (!strcmp(value, "syslog"))
			*t = SINK_TYPE_SYSLOG;
		else if (!strcmp(value, "webhook"))
			*t = SINK_TYPE_WEBHOOK;
		else if (!strcmp(value, "stdout"))
			*t = SINK_TYPE_STDOUT;
		else
			conf_error(l, l->line, "type: '%s' is not syslog, webhook or stdout",
			    log_esc(value));
		break;
	}
	case T_FORMAT: {
		static const struct { const char *name; enum conf_sink_format f; } formats[] = {
			{ "rfc3164", SINK_FORMAT_RFC3164 }, { "rfc5424", SINK_FORMAT_RFC5424 },
			{ "json", SINK_FORMAT_JSON }, { "slack", SINK_FORMAT_SLACK },
			{ "discord", SINK_FORMAT_DISCORD }, { "template", SINK_FORMAT_TEMPLATE },
		};
		enum conf_sink_format *f = field;
		*f = SINK_FORMAT_DEFAULT;
		for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
			if (!strcmp(value, formats[i].name))
				*f = formats[i].f;
		if (*f == SINK_FORMAT_DEFAULT)
			conf_error(l, l->line, "format: '%s' is not one of rfc3164, rfc5424, json, "
			    "slack, discord, template", log_esc(value));
		break;
	}
	case T_RATE: {
		struct conf_sink *s = l->current;
		if (conf_parse_rate(value, &s->rate_count, &s->rate_window_ms) < 0)
			conf_error(l, l->line, "rate_limit: '%s' is not N/s, N/min or N/h",
			    log_esc(value));
		break;
	}
	case T_INCLUDE: {
		glob_t g;
		int rc = glob(value, 0, NULL, &g);
		if (rc == GLOB_NOMATCH) {
			if (strpbrk(value, "*?[") == NULL)
				conf_error(l, l->line, "include: %s: no such file", log_esc(value));
			break;
		}
		if (rc != 0) {
			conf_error(l, l->line, "include: %s: cannot expand", log_esc(value));
			break;
		}
		l->includes = xreallocarray(l->includes, l->n_includes + g.gl_pathc,
		    sizeof *l->includes);
		for (size_t i = 0; i < g.gl_pathc; i++)
			l->includes[l->n_includes++] = xstrdup(g.gl_pathv[i]);
		globfree(&g);
		break;
	}
	}
}

static void
conf_defaults(struct conf *c)
{
	c->daemon.state_dir = xstrdup("/var/lib/feedwatchd");
	c->daemon.interval_ms = 5 * 60 * SEC;
	c->daemon.jitter = 0.10;
	c->daemon.max_concurrent = 64;
	c->daemon.max_per_host = 4;
	c->daemon.timeout_ms = 30 * SEC;
	c->daemon.max_feed_size = 16 * 1024 * 1024;
	c->daemon.backlog = 0;
	c->daemon.user_agent = xstrdup("feedwatchd/" FEEDWATCHD_VERSION
	    " (+https://example.org/feedwatchd)");
	c->daemon.allow_private_redirects = false;
}

/* Cross-checks: required keys, references between sections, and likely mistakes. */
static void
conf_validate(struct conf_loader *l)
{
	struct conf *c = l->conf;
	struct conf_errors *e = l->errs;

	for (size_t i = 0; i < c->n_feeds; i++) {
		struct conf_feed *f = &c->feeds[i];
		if (f->url == NULL)
			conf_errorx(e, "%s:%d: feed '%s' has no url", f->where.file, f->where.line,
			    f->name);
		else if (!url_is_http(f->url))
			conf_errorx(e, "%s:%d: feed '%s': url '%s' is not an http:// or https:// URL",
			    f->where.file, f->where.line, f->name, log_esc(f->url));
		for (size_t k = 0; k < f->n_watchlists; k++)
			if (!conf_watchlist_find(c, f->watchlists[k]))
				conf_errorx(e, "%s:%d: feed '%s': no watchlist named '%s'",
				    f->where.file, f->where.line, f->name, log_esc(f->watchlists[k]));
	}
	for (size_t i = 0; i < c->n_watchlists; i++) {
		struct conf_watchlist *w = &c->watchlists[i];
		if (w->keywords == NULL && w->match == NULL)
			conf_errorx(e, "%s:%d: watchlist '%s' needs keywords or match",
			    w->where.file, w->where.line, w->name);
		for (size_t k = 0; k < w->n_notify; k++)
			if (!conf_sink_find(c, w->notify[k]))
				conf_errorx(e, "%s:%d: watchlist '%s': no sink named '%s'",
				    w->where.file, w->where.line, w->name, log_esc(w->notify[k]));
	}
	for (size_t i = 0; i < c->n_sinks; i++) {
		struct conf_sink *s = &c->sinks[i];
		const char *file = s->where.file;
		int line = s->where.line;
		switch (s->type) {
		case SINK_TYPE_NONE:
			conf_errorx(e, "%s:%d: sink '%s' has no type (syslog, webhook or stdout)",
			    file, line, s->name);
			break;
		case SINK_TYPE_SYSLOG:
			if (s->format != SINK_FORMAT_DEFAULT && s->format != SINK_FORMAT_RFC3164 &&
			    s->format != SINK_FORMAT_RFC5424)
				conf_errorx(e, "%s:%d: sink '%s': a syslog sink's format is rfc3164 or "
				    "rfc5424", file, line, s->name);
			if (s->socket && s->server)
				conf_errorx(e, "%s:%d: sink '%s': set socket or server, not both",
				    file, line, s->name);
			if (s->server && strncmp(s->server, "udp://", 6) && strncmp(s->server, "tcp://", 6))
				conf_errorx(e, "%s:%d: sink '%s': server must be udp://host:port or "
				    "tcp://host:port", file, line, s->name);
			if (s->format == SINK_FORMAT_DEFAULT)
				s->format = s->server ? SINK_FORMAT_RFC5424 : SINK_FORMAT_RFC3164;
			if (s->socket == NULL && s->server == NULL)
				s->socket = xstrdup("/dev/log");
			if (s->ident == NULL)
				s->ident = xstrdup("feedwatchd");
			break;
		case SINK_TYPE_WEBHOOK:
			if (s->url == NULL)
				conf_errorx(e, "%s:%d: sink '%s' has no url", file, line, s->name);
			else if (!url_is_http(s->url))
				/* only the scheme: the rest of a webhook URL may hold its token */
				conf_errorx(e, "%s:%d: sink '%s': url must be http:// or https:// "
				    "(got '%.*s...')", file, line, s->name,
				    (int)(strcspn(s->url, ":") < 16 ? strcspn(s->url, ":") + 1 : 16),
				    log_esc(s->url));
			if (s->format == SINK_FORMAT_DEFAULT)
				s->format = SINK_FORMAT_JSON;
			if (s->format == SINK_FORMAT_RFC3164 || s->format == SINK_FORMAT_RFC5424)
				conf_errorx(e, "%s:%d: sink '%s': a webhook's format is json, slack, "
				    "discord or template", file, line, s->name);
			if (s->format == SINK_FORMAT_TEMPLATE && s->template_path == NULL)
				conf_errorx(e, "%s:%d: sink '%s': format = template needs template = "
				    "FILE", file, line, s->name);
			if (s->retry_min_ms > s->retry_max_ms)
				conf_errorx(e, "%s:%d: sink '%s': retry_min is larger than retry_max",
				    file, line, s->name);
			break;
		case SINK_TYPE_STDOUT:
			if (s->format != SINK_FORMAT_DEFAULT && s->format != SINK_FORMAT_JSON)
				conf_errorx(e, "%s:%d: sink '%s': a stdout sink writes JSON lines",
				    file, line, s->name);
			s->format = SINK_FORMAT_JSON;
			break;
		}
	}
	if (e->n)
		return;
	/* warnings: valid, but probably not what was meant */
	for (size_t i = 0; i < c->n_watchlists; i++) {
		bool used = false;
		for (size_t f = 0; f < c->n_feeds && !used; f++) {
			if (c->feeds[f].watchlists == NULL)
				used = true;
			for (size_t k = 0; k < c->feeds[f].n_watchlists && !used; k++)
				used = !strcmp(c->feeds[f].watchlists[k], c->watchlists[i].name);
		}
		if (!used && c->n_feeds)
			conf_warning(c, "%s:%d: watchlist '%s' is used by no feed",
			    c->watchlists[i].where.file, c->watchlists[i].where.line,
			    c->watchlists[i].name);
	}
	for (size_t i = 0; i < c->n_sinks; i++) {
		bool used = false;
		for (size_t w = 0; w < c->n_watchlists && !used; w++) {
			if (c->watchlists[w].notify == NULL)
				used = true;
			for (size_t k = 0; k < c->watchlists[w].n_notify && !used; k++)
				used = !strcmp(c->watchlists[w].notify[k], c->sinks[i].name);
		}
		if (!used)
			conf_warning(c, "%s:%d: sink '%s' is notified by no watchlist",
			    c->sinks[i].where.file, c->sinks[i].where.line, c->sinks[i].name);
	}
	if (c->n_feeds == 0)
		conf_warning(c, "%s: no [feed] sections: nothing will be polled", c->path);
	if (c->n_watchlists == 0)
		conf_warning(c, "%s: no [watchlist] sections: nothing will alert", c->path);
	if (c->n_sinks == 0)
		conf_warning(c, "%s: no [sink] sections: alerts will go nowhere", c->path);
}

struct conf *
conf_load_partial(const char *path, struct conf_errors *errs)
{
	struct conf *c = xcalloc(1, sizeof *c);
	struct conf_loader l = { .conf = c, .errs = errs, .file = path };

	c->path = xstrdup(path);
	conf_defaults(c);
	if (conf_read_file(&l, path) < 0) {
		conf_errorx(errs, "%s: %s", path, strerror(errno));
		strv_free(l.seen, l.n_seen);
		conf_free(c);
		return NULL;
	}
	/* includes, in the order found, each file once */
	for (int depth = 0; l.includes && depth < CONF_MAX_INCLUDE_DEPTH; depth++) {
		char **inc = l.includes;
		size_t n = l.n_includes;
		l.includes = NULL;
		l.n_includes = 0;
		for (size_t i = 0; i < n; i++)
			if (conf_read_file(&l, inc[i]) < 0)
				conf_errorx(errs, "%s: %s (included)", inc[i], strerror(errno));
		strv_free(inc, n);
	}
	if (l.includes)
		conf_errorx(errs, "%s: includes nested more than %d deep", path,
		    CONF_MAX_INCLUDE_DEPTH);
	strv_free(l.includes, l.n_includes);
	strv_free(l.seen, l.n_seen);
	conf_validate(&l);
	return c;
}

struct conf *
conf_load(const char *path, struct conf_errors *errs)
{
	size_t before = errs->n;
	struct conf *c = conf_load_partial(path, errs);

	if (c && errs->n > before) {
		conf_free(c);
		return NULL;
	}
	return c;
}

void
conf_free(struct conf *c)
{
	if (c == NULL)
		return;
	free(c->path);
	free(c->daemon.state_dir);
	free(c->daemon.user_agent);
	for (size_t i = 0; i < c->n_feeds; i++) {
		struct conf_feed *f = &c->feeds[i];
		free(f->name);
		free(f->where.file);
		free(f->url);
		strv_free(f->watchlists, f->n_watchlists);
		strv_free(f->headers, f->n_headers);
	}
	free(c->feeds);
	for (size_t i = 0; i < c->n_watchlists; i++) {
		struct conf_watchlist *w = &c->watchlists[i];
		free(w->name);
		free(w->where.file);
		free(w->keywords);
		free(w->match);
		free(w->exclude);
		free(w->fields);
		strv_free(w->notify, w->n_notify);
	}
	free(c->watchlists);
	for (size_t i = 0; i < c->n_sinks; i++) {
		struct conf_sink *s = &c->sinks[i];
		free(s->name);
		free(s->where.file);
		free(s->ident);
		free(s->socket);
		free(s->server);
		free(s->url);
		free(s->template_path);
		free(s->secret_file);
		strv_free(s->headers, s->n_headers);
	}
	free(c->sinks);
	strv_free(c->warnings, c->n_warnings);
	free(c);
}

const struct conf_watchlist *
conf_watchlist_find(const struct conf *c, const char *name)
{
	for (size_t i = 0; i < c->n_watchlists; i++)
		if (strcmp(c->watchlists[i].name, name) == 0)
			return &c->watchlists[i];
	return NULL;
}

const struct conf_sink *
conf_sink_find(const struct conf *c, const char *name)
{
	for (size_t i = 0; i < c->n_sinks; i++)
		if (strcmp(c->sinks[i].name, name) == 0)
			return &c->sinks[i];
	return NULL;
}

int
conf_parse_duration_ms(const char *s, int64_t *out)
{
	char *end;
	double v;
	int64_t mult;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || v < 0)
		return -1;
	while (*end == ' ')
		end++;
	if (!strcmp(end, "ms"))
		mult = 1;
	else if (!strcmp(end, "") || !strcmp(end, "s"))
		mult = SEC;
	else if (!strcmp(end, "m") || !strcmp(end, "min"))
		mult = 60 * SEC;
	else if (!strcmp(end, "h"))
		mult = 3600 * SEC;
	else if (!strcmp(end, "d"))
		mult = DAY;
	else
		return -1;
	if (v * (double)mult > 1e15)
		return -1;
	*out = (int64_t)(v * (double)mult + 0.5);
	return 0;
}

int
conf_parse_size(const char *s, int64_t *out)
{
	char *end;
	double v;
	int64_t mult = 1;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || v < 0)
		return -1;
	while (*end == ' ')
		end++;
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': mult = 1024; end++; break;
	case 'm': case 'M': mult = 1024 * 1024; end++; break;
	case 'g': case 'G': mult = 1024 * 1024 * 1024; end++; break;
	default: return -1;
	}
	if (*end == 'i')
		end++;
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end != '\0' || v * (double)mult > 1e15)
		return -1;
	*out = (int64_t)(v * (double)mult);
	return 0;
}

int
conf_parse_percent(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || v < 0)
		return -1;
	while (*end == ' ')
		end++;
	if (*end == '%')
		end++;
	if (*end != '\0')
		return -1;
	*out = v / 100.0;
	return 0;
}

int
conf_parse_rate(const char *s, int *count, int64_t *window_ms)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno || end == s || n < 1 || n > 1000000)
		return -1;
	while (*end == ' ')
		end++;
	if (*end++ != '/')
		return -1;
	while (*end == ' ')
		end++;
	if (!strcmp(end, "s") || !strcmp(end, "sec") || !strcmp(end, "second"))
		*window_ms = SEC;
	else if (!strcmp(end, "m") || !strcmp(end, "min") || !strcmp(end, "minute"))
		*window_ms = 60 * SEC;
	else if (!strcmp(end, "h") || !strcmp(end, "hour"))
		*window_ms = 3600 * SEC;
	else
		return -1;
	*count = (int)n;
	return 0;
}

int
conf_parse_priority(const char *s, int *out)
{
	static const struct { const char *name; int v; } t[] = {
		{ "emerg", LOG_EMERG }, { "alert", LOG_ALERT }, { "crit", LOG_CRIT },
		{ "err", LOG_ERR }, { "error", LOG_ERR }, { "warning", LOG_WARNING },
		{ "warn", LOG_WARNING }, { "notice", LOG_NOTICE }, { "info", LOG_INFO },
		{ "debug", LOG_DEBUG },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (!strcasecmp(s, t[i].name)) {
			*out = t[i].v;
			return 0;
		}
	return -1;
}

int
conf_parse_facility(const char *s, int *out)
{
	static const struct { const char *name; int v; } t[] = {
		{ "kern", LOG_KERN }, { "user", LOG_USER }, { "mail", LOG_MAIL },
		{ "daemon", LOG_DAEMON }, { "auth", LOG_AUTH }, { "syslog", LOG_SYSLOG },
		{ "lpr", LOG_LPR }, { "news", LOG_NEWS }, { "uucp", LOG_UUCP }, { "cron", LOG_CRON },
		{ "authpriv", LOG_AUTHPRIV }, { "ftp", LOG_FTP },
		{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 },
		{ "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
		{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (!strcasecmp(s, t[i].name)) {
			*out = t[i].v;
			return 0;
		}
	return -1;
}

size_t
conf_split_list(const char *s, char ***out)
{
	char **v = NULL;
	size_t n = 0;
	const char *p = s;

	while (*p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		char *item = str_trim(xstrndup(p, len));
		if (*item) {
			v = xreallocarray(v, n + 1, sizeof *v);
			v[n++] = item;
		} else {
			free(item);
		}
		p += len;
		if (*p == ',')
			p++;
	}
	*out = v;
	return n;
}
