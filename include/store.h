/* store.h — the durable state: feeds, seen items, the alert ledger and the outbox of
 * sink deliveries, in one SQLite database, state_dir/feedwatchd.db (WAL mode).
 * store.c is the only file that includes sqlite3.h.
 *
 * One connection, one thread. Functions return 0 / -1 (store_open: pointer / NULL). On -1,
 * store_error() holds one line saying what was being done with SQLite's message, for the
 * caller to log with its own context (feed name, sink); store_error_kind() says what to do
 * about it. The store logs only the creation or migration of the database (info) and
 * SQLite's own notices (debug).
 *
 * Transactions. The items of one fetch are marked seen, their alerts claimed, their
 * outbox rows queued and the feed's new validators saved between
 * store_begin(st, STORE_SYNC_AUTO) and store_commit(): a kill -9 or a power cut at any
 * moment leaves all of it or none, so no alert is lost (SPEC "Semantics"). A function
 * called outside a transaction runs in a transaction of its own (durable). Inside a
 * transaction the first error kills it: every later call returns -1 with that first
 * error, store_commit() rolls back and returns -1, and nothing of it is marked seen — the
 * items come again at the next poll and alert then. If a fetch's commit fails, also
 * forget the ETag/Last-Modified you copied into your struct store_feed, or the next poll
 * gets a 304 and the items are never seen.
 *
 * Times are wall-clock Unix milliseconds (next poll times survive restarts). Strings passed
 * in are copied; strings in returned structs are owned by the struct (see the free
 * functions). Item keys and canonical links longer than STORE_KEY_MAX bytes are stored
 * as "sha256:" + their hash, so rows stay small whatever a feed sends. */
#ifndef FEEDWATCHD_STORE_H
#define FEEDWATCHD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STORE_SCHEMA_VERSION	2	/* PRAGMA user_version of a current database */
#define STORE_DB_NAME		"feedwatchd.db"
#define STORE_KEY_MAX		512
#define STORE_DAY_MS		(24 * 3600 * INT64_C(1000))

struct store;

struct store_options {
	int busy_timeout_ms;	/* how long a write waits for another process's lock; 0 = 5000 */
	bool lock;		/* take state_dir/feedwatchd.lock (flock) so that a second daemon
				 * on the same state_dir is refused; the CLI leaves it false */
	int schema_max;		/* tests only: stop migrating at this version; 0 = latest */
};

/* Creates state_dir (mode 0750, parents too) if missing, opens state_dir/feedwatchd.db,
 * checks it (PRAGMA quick_check) before writing anything — a damaged file is refused and
 * left byte-identical — then sets WAL, synchronous=FULL, the busy timeout, foreign keys,
 * and migrates the schema one atomic step at a time. opts may be NULL. Returns NULL with
 * one line in err (e.g. "state database /x/feedwatchd.db is damaged (...); it was not
 * modified: restore it from a backup or move it away"). The caller frees with
 * store_close(). Test hook: FEEDWATCHD_CRASH=mid-migration|before-commit|after-commit
 * in the environment makes the store abort() at that point. */
struct store *store_open(const char *state_dir, const struct store_options *opts,
    char *err, size_t errlen);
/* Closes the connection. Never deletes the -wal or -shm file (SQLITE_FCNTL_PERSIST_WAL). */
void store_close(struct store *st);

enum store_errkind {
	STORE_ERR_NONE = 0,
	STORE_ERR_BUSY,		/* another process held the lock past the busy timeout: retry later */
	STORE_ERR_FULL,		/* disk full or file-size limit (SQLITE_FULL, ENOSPC, EFBIG): log at
				 * LOG_ERR, retry later; nothing was marked seen */
	STORE_ERR_IO,		/* I/O error, e.g. fsync failed (SQLITE_IOERR): what is on disk is
				 * uncertain; the daemon should exit non-zero (ST-05) and restart */
	STORE_ERR_CORRUPT,	/* the database is damaged */
	STORE_ERR_OTHER,	/* anything else: misuse, constraint, ... */
};

/* The last error as one line (owned by the store, valid until the next call). */
const char *store_error(const struct store *st);
enum store_errkind store_error_kind(const struct store *st);
/* The database's path (owned by the store). */
const char *store_path(const struct store *st);
/* Reads one PRAGMA on the store's own connection into out as text, for tests and
 * diagnostics ("journal_mode" → "wal", "synchronous" → "2" (FULL) outside transactions,
 * "1" (NORMAL) inside AUTO and LAZY ones). name: letters, digits, '_', ' ', '='. */
int store_pragma(struct store *st, const char *name, char *out, size_t outlen);

/* ------------------------------------------------------------------ transactions */

/* Every commit survives kill -9. What differs is whether store_commit() waits for the
 * disk (fsync), i.e. whether a power cut or kernel crash can undo the commit. A lost
 * non-durable commit is undone together with every later one, never out of order, and
 * the next durable commit makes it durable too. */
enum store_sync {
	STORE_SYNC_AUTO,	/* fetch transactions: fsync at commit if and only if the
				 * transaction marked an item seen or changed, claimed an alert or
				 * queued an outbox row; a fetch of unchanged items costs no fsync */
	STORE_SYNC_FULL,	/* always fsync at commit */
	STORE_SYNC_LAZY,	/* never fsync: for changes whose loss only means work done
				 * again (304 bookkeeping, next poll times, delivered and retry
				 * marks, pruning) */
};

/* Starts a write transaction (BEGIN IMMEDIATE: the write lock is taken now, waiting up
 * to the busy timeout, so a later step cannot fail with BUSY). */
int store_begin(struct store *st, enum store_sync sync);
/* Commits. On -1 the transaction did not happen and nothing of it is marked — with one
 * exception: STORE_ERR_IO from a STORE_SYNC_AUTO commit whose fsync failed, where the
 * commit is visible in this process but not known to be on disk. On STORE_ERR_IO the
 * daemon should exit non-zero (ST-05): after a restart the state is consistent either
 * way (seen items and their outbox rows, both or neither). */
int store_commit(struct store *st);
/* Abandons the transaction (no-op outside one). */
void store_rollback(struct store *st);
bool store_in_transaction(const struct store *st);

/* ------------------------------------------------------------------ feeds */

/* The state of one configured feed, kept by name. Strings are owned by the struct: free
 * them with store_feed_free(); change them with store_setstr(). */
struct store_feed {
	int64_t id;		/* row id: pass it to store_item_check() and store_alert_claim() */
	char *name;
	char *config_url;	/* the url of the configuration this state belongs to */
	char *url;		/* the URL to fetch: config_url, or where a 301/308 pointed */
	char *etag;		/* as received, echoed verbatim; NULL if none */
	char *last_modified;	/* as received; NULL if none */
	int64_t next_poll_ms;	/* 0: as soon as possible */
	int failures;		/* consecutive failed fetches */
	int last_status;	/* last HTTP status, 0 if none (transport error) */
	char *last_error;	/* NULL after a success */
	bool disabled;		/* 410 Gone (or another permanent reason): do not poll */
	char *disabled_reason;
	bool fetched_once;	/* a first fetch has completed (backlog applies before that) */
	int64_t last_success_ms;
	/* Set by store_feed_get(), not stored: */
	bool created;		/* the feed was new to the store */
	bool url_reset;		/* the configured URL changed: url, validators, failures,
				 * disabled and fetched_once were reset, next poll is now */
};

/* Gets the state of feed `name`, creating it (url = config_url, next poll 0) if new.
 * When the stored config_url differs from config_url, the feed's fetch state is reset
 * (see url_reset; the items it has seen stay seen). Fills *out (free it with
 * store_feed_free()). */
int store_feed_get(struct store *st, const char *name, const char *config_url,
    int64_t now_ms, struct store_feed *out);
/* Writes every field of f (by f->id). Save a fetch's new ETag/Last-Modified and
 * fetched_once in the same transaction as its items, never before them: validators
 * committed without the items would turn the next poll into a 304 and lose them. For
 * feeds that answered 304 or failed, batch the saves: store_begin(STORE_SYNC_LAZY),
 * store_feed_save() for each, store_commit() (one commit, no fsync). */
int store_feed_save(struct store *st, const struct store_feed *f);
/* Frees the strings of f and zeroes it (the struct itself is the caller's). */
void store_feed_free(struct store_feed *f);
/* Replaces *slot with a copy of value (NULL allowed), freeing the old string. */
void store_setstr(char **slot, const char *value);

/* ------------------------------------------------------------------ items */

enum store_item_state {
	STORE_ITEM_NEW,		/* never seen in this feed: match it */
	STORE_ITEM_UNCHANGED,	/* seen, same content hash (or a pruned item that came back):
				 * nothing to do */
	STORE_ITEM_CHANGED,	/* seen, content changed: match it again; store_alert_claim()
				 * lets through only watchlists that did not match before */
};

/* Marks item_key (the parser's id) seen in feed_id with content_hash and says whether it
 * is new, unchanged or changed. Costs one indexed read for an unchanged item (last seen is
 * rewritten at most every 12 hours). Use inside the fetch's transaction. */
int store_item_check(struct store *st, int64_t feed_id, const char *item_key,
    uint64_t content_hash, int64_t now_ms, enum store_item_state *state);

/* 64 bits of SHA-256 of data: a content hash for store_item_check(). */
uint64_t store_hash64(const void *data, size_t len);

/* ------------------------------------------------------------------ alert ledger */

/* One (item, watchlist) match, lent to store_alert_claim(). */
struct store_alert {
	int64_t feed_id;
	const char *item_key;
	const char *canon_link;	/* the item's canonical link, or NULL: the same link in two
				 * feeds alerts once per watchlist */
	const char *watchlist;
	const char *alert_id;	/* alert_make_id(); may be NULL when record_only */
	bool record_only;	/* a match that will not be sent (first-fetch backlog): record
				 * it so a later edit does not alert; claims no link */
};

enum store_claim {
	STORE_CLAIM_NEW,	/* first match: queue the alert (unless record_only) */
	STORE_CLAIM_SEEN_ITEM,	/* this item matched this watchlist before: no alert */
	STORE_CLAIM_SEEN_LINK,	/* another item with the same canonical link alerted for this
				 * watchlist: no alert (this item is recorded too) */
};

/* The alert ledger: at most one alert per (item, watchlist) ever, and per (canonical
 * link, watchlist). Records the claim; use inside the fetch's transaction, then queue
 * the alert's outbox rows in the same transaction. */
int store_alert_claim(struct store *st, const struct store_alert *a, int64_t now_ms,
    enum store_claim *result);
/* Counts the alerts claimed for sending since since_ms (e.g. local midnight). */
int store_alerts_since(struct store *st, int64_t since_ms, int64_t *n);

/* ------------------------------------------------------------------ outbox */

enum store_outbox_state {
	STORE_OUTBOX_PENDING = 0,	/* to deliver at due_ms */
	STORE_OUTBOX_DEAD = 1,		/* given up; `outbox retry` makes it pending again */
	/* Delivered rows are deleted: the ledger already records the alert for good, the
	 * log records the delivery, and keeping payloads would grow the file by a row per
	 * alert and sink for no reader. */
};

/* One outbox row; strings owned by the row. */
struct store_outbox_row {
	int64_t id;
	char *alert_id;
	char *sink;
	char *payload;		/* the alert JSON */
	int64_t created_ms;
	int64_t since_ms;	/* start of the current delivery window (created, or when
				 * retried by hand): count retry_for from here */
	int64_t due_ms;
	int attempts;
	char *last_error;	/* NULL if none */
	enum store_outbox_state state;
};

/* Queues payload for sink, due at due_ms; *id (may be NULL) gets the row id. */
int store_outbox_add(struct store *st, const char *alert_id, const char *sink,
    const char *payload, int64_t due_ms, int64_t now_ms, int64_t *id);

/* Position in a pass over the due rows; zero it to start a pass. */
struct store_outbox_cursor {
	bool started;
	int64_t due_ms;
	int64_t id;
};

/* Returns in *rows (malloc'd; free with store_outbox_rows_free()) up to `limit` pending
 * rows of sink with due_ms <= now_ms, in order of (due_ms, id), after *cursor, and
 * advances *cursor. *n == 0: the pass is over. Memory is bounded by limit, whatever the
 * backlog. Start each pass with a zeroed cursor (rows retried or requeued behind the
 * cursor are found by the next pass). */
int store_outbox_next_due(struct store *st, const char *sink, int64_t now_ms, size_t limit,
    struct store_outbox_cursor *cursor, struct store_outbox_row **rows, size_t *n);
void store_outbox_rows_free(struct store_outbox_row *rows, size_t n);

/* Delivered: deletes the row (no-op if it is gone). */
int store_outbox_delivered(struct store *st, int64_t id);
/* Failed, try again at next_due_ms: attempts + 1, error kept. */
int store_outbox_retry(struct store *st, int64_t id, int64_t next_due_ms, const char *error);
/* Failed for good: the row turns dead, attempts + 1, error kept. */
int store_outbox_dead(struct store *st, int64_t id, const char *error);

/* Called for each row, lent for the call; return 0 to go on, -1 to stop (then
 * store_outbox_list() returns -1 with "stopped by the caller"). Must not call the store. */
typedef int (*store_outbox_cb)(const struct store_outbox_row *row, void *arg);
/* Streams rows in id order: state < 0 for all states, sink NULL for all sinks. */
int store_outbox_list(struct store *st, int state, const char *sink, store_outbox_cb cb,
    void *arg);
/* `outbox retry ID`: row id (pending or dead) becomes pending, due now, attempts 0,
 * since_ms now. *found tells whether the row exists. */
int store_outbox_requeue(struct store *st, int64_t id, int64_t now_ms, bool *found);
/* `outbox retry --all-dead`; *n (may be NULL) gets the number of rows. */
int store_outbox_requeue_dead(struct store *st, int64_t now_ms, int64_t *n);
/* `outbox purge --dead`: deletes every dead row; *n (may be NULL) gets the number. */
int store_outbox_purge_dead(struct store *st, int64_t *n);
/* Pending and dead rows of sink (NULL: all sinks); either pointer may be NULL. */
int store_outbox_count(struct store *st, const char *sink, int64_t *pending, int64_t *dead);

/* ------------------------------------------------------------------ pruning */

struct store_retention {
	int64_t items_ms;	/* items not seen in their feed this long become tombstones;
				 * 0 = 30 days */
	int64_t tombstones_ms;	/* tombstones are forgotten after this; 0 = 400 days */
	int64_t ledger_ms;	/* ledger rows (of items no longer kept) and canonical links
				 * are forgotten after this; 0 = 400 days */
};

struct store_prune_stats {
	int64_t items, tombstones, alerts, links;	/* rows removed by this call */
	bool more;		/* the budget ran out: call again (from a timer) */
};

/* Prunes at most `budget` rows of each kind in one lazy transaction, so the event loop
 * is never held long: an item unseen for items_ms leaves a tombstone (feed, 64-bit hash
 * of its key) so that it does not alert again if it reappears. r may be NULL (defaults);
 * budget 0 = 1000. Run it daily, and again while stats->more. */
int store_prune(struct store *st, int64_t now_ms, const struct store_retention *r,
    size_t budget, struct store_prune_stats *stats);

#endif
