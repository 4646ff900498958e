/* conf.h — the configuration: read from INI files into a fresh struct conf that is
 * either wholly valid or reported as broken (every error, as "file:line: message").
 * A reload builds a new struct conf and swaps it in only when it is valid. */
#ifndef FEEDWATCHD_CONF_H
#define FEEDWATCHD_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef FEEDWATCHD_SYSCONFDIR
#define FEEDWATCHD_SYSCONFDIR "/etc"
#endif
#define CONF_DEFAULT_PATH FEEDWATCHD_SYSCONFDIR "/feedwatchd/feedwatchd.conf"

struct conf_where {
	char *file;
	int line;
};

struct conf_daemon {
	char *state_dir;
	int64_t interval_ms;
	double jitter;			/* fraction of the interval, 0..0.5 */
	int max_concurrent;
	int max_per_host;
	int64_t timeout_ms;
	int64_t max_feed_size;
	int backlog;
	char *user_agent;
	bool allow_private_redirects;
};

struct conf_feed {
	char *name;
	struct conf_where where;
	char *url;
	int64_t interval_ms;		/* 0: the daemon's */
	char **watchlists;		/* NULL: every watchlist */
	size_t n_watchlists;
	char **headers;
	size_t n_headers;
};

struct conf_watchlist {
	char *name;
	struct conf_where where;
	char *keywords, *match, *exclude, *fields;	/* as written; NULL when absent */
	struct conf_where keywords_at, match_at, exclude_at, fields_at;
	int priority;			/* syslog severity, LOG_* */
	char **notify;			/* NULL: every sink */
	size_t n_notify;
};

enum conf_sink_type { SINK_TYPE_NONE, SINK_TYPE_SYSLOG, SINK_TYPE_WEBHOOK, SINK_TYPE_STDOUT };
enum conf_sink_format {
	SINK_FORMAT_DEFAULT, SINK_FORMAT_RFC3164, SINK_FORMAT_RFC5424,
	SINK_FORMAT_JSON, SINK_FORMAT_SLACK, SINK_FORMAT_DISCORD, SINK_FORMAT_TEMPLATE,
};

struct conf_sink {
	char *name;
	struct conf_where where;
	enum conf_sink_type type;
	enum conf_sink_format format;
	/* syslog */
	int facility;			/* LOG_DAEMON etc. (already shifted) */
	char *ident;
	char *socket;
	char *server;			/* udp://host:port or tcp://host:port */
	/* webhook */
	char *url;
	char *template_path;
	char *secret_file;
	int64_t timeout_ms;
	int64_t retry_for_ms, retry_min_ms, retry_max_ms;
	int rate_count;			/* 0: no limit */
	int64_t rate_window_ms;
	char **headers;
	size_t n_headers;
};

struct conf {
	char *path;
	struct conf_daemon daemon;
	struct conf_feed *feeds;
	size_t n_feeds;
	struct conf_watchlist *watchlists;
	size_t n_watchlists;
	struct conf_sink *sinks;
	size_t n_sinks;
	char **warnings;		/* things that work but are probably not meant */
	size_t n_warnings;
};

/* The reported problems of one load, each "file:line: message". */
struct conf_errors {
	char **v;
	size_t n;
};

/* Reads path (and its includes) into a new struct conf. Returns it when valid, else
 * NULL with every problem in errs (which the caller frees with conf_errors_free). */
struct conf *conf_load(const char *path, struct conf_errors *errs);
/* The same, but returns what could be read even when there were errors (NULL only when
 * the file could not be read), so that later checks can report their problems too. */
struct conf *conf_load_partial(const char *path, struct conf_errors *errs);
void conf_free(struct conf *c);
void conf_errors_free(struct conf_errors *errs);

/* The path to use: -c, else $FEEDWATCHD_CONFIG, else CONF_DEFAULT_PATH. */
const char *conf_default_path(const char *from_cli);

const struct conf_watchlist *conf_watchlist_find(const struct conf *c, const char *name);
const struct conf_sink *conf_sink_find(const struct conf *c, const char *name);

/* Value parsers shared with tests: return 0 or -1. */
int conf_parse_duration_ms(const char *s, int64_t *out);
int conf_parse_size(const char *s, int64_t *out);
int conf_parse_percent(const char *s, double *out);
int conf_parse_rate(const char *s, int *count, int64_t *window_ms);
int conf_parse_priority(const char *s, int *out);
int conf_parse_facility(const char *s, int *out);
/* Splits a comma list into trimmed, non-blank items; returns the count. */
size_t conf_split_list(const char *s, char ***out);

#endif
