/* store.c — the durable state in SQLite: opening and checking the database, schema
 * migrations, feeds, seen items, the alert ledger, the outbox and pruning (see store.h).
 * The only file that includes sqlite3.h.
 *
 * Durability. The connection runs WAL with synchronous=FULL: a commit that marks items
 * seen and queues their alerts has its WAL fsync'd before store_commit() returns, so once
 * the daemon has acted on it (delivered an alert, dropped a fetch body) a power cut
 * cannot undo it. WAL+NORMAL alone survives kill -9 just as well, but a power cut could
 * roll back the last commits: items seen and alerts queued (maybe already sent) would
 * come back unseen, and if the items have meanwhile left the feed their alerts are lost.
 * Most fetches bring nothing new, though, and an fsync costs about a millisecond, so
 * STORE_SYNC_AUTO runs the transaction at NORMAL and fsyncs the WAL itself after COMMIT
 * (SQLITE_FCNTL_JOURNAL_POINTER, xSync) only when the transaction recorded something
 * that matters (txn_dirty). STORE_SYNC_LAZY never fsyncs (bookkeeping whose loss only
 * means repeated work). WAL frames are appended in order and recovery keeps a prefix, so
 * a lost lazy commit is lost with every later one, never alone. An fsync that fails is a
 * failed commit (STORE_ERR_IO), never retried and assumed.
 *
 * Cost. Statements are prepared once per connection (SQLITE_PREPARE_PERSISTENT) and
 * reset after each use. An unchanged item is one primary-key lookup: its last_seen is
 * rewritten at most every LAST_SEEN_STEP_MS, so a fetch of unchanged items writes no
 * page at all and its commit does no I/O. */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "crypto.h"
#include "log.h"
#include "util.h"

#define BUSY_TIMEOUT_DEFAULT_MS	5000
#define JOURNAL_SIZE_LIMIT	"67108864"	/* bytes: the WAL is cut back to this */
#define LAST_SEEN_STEP_MS	(12 * 3600 * INT64_C(1000))
#define ERROR_TEXT_MAX		1000	/* bytes of a delivery error kept in the outbox */
#define PRUNE_BUDGET_DEFAULT	1000

enum stmt_id {
	S_BEGIN,
	S_COMMIT,
	S_ROLLBACK,
	S_FEED_GET,
	S_FEED_INSERT,
	S_FEED_RESET,
	S_FEED_SAVE,
	S_ITEM_GET,
	S_ITEM_TOUCH,
	S_ITEM_CHANGE,
	S_ITEM_INSERT,
	S_ITEM_DELETE,
	S_TOMB_TAKE,
	S_TOMB_PUT,
	S_ALERT_GET,
	S_ALERT_INSERT,
	S_LINK_CLAIM,
	S_ALERTS_SINCE,
	S_OUTBOX_ADD,
	S_OUTBOX_DUE,
	S_OUTBOX_DELETE,
	S_OUTBOX_RETRY,
	S_OUTBOX_DEAD,
	S_OUTBOX_REQUEUE,
	S_OUTBOX_REQUEUE_DEAD,
	S_OUTBOX_PURGE_DEAD,
	S_OUTBOX_PENDING_ALL,
	S_OUTBOX_PENDING_SINK,
	S_OUTBOX_DEAD_ALL,
	S_OUTBOX_DEAD_SINK,
	S_PRUNE_ITEMS,
	S_PRUNE_TOMBS,
	S_TOMB_DELETE,
	S_PRUNE_ALERTS,
	S_ALERT_DELETE,
	S_PRUNE_LINKS,
	S_LINK_DELETE,
	NSTMT
};

#define OUTBOX_COLS "id, alert_id, sink, payload, created, since, due, attempts, last_error, state"

static const char *const stmt_sql[NSTMT] = {
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	[S_FEED_GET] = "SELECT id, config_url, url, etag, last_modified, next_poll, failures,"
	    " last_status, last_error, disabled, disabled_reason, fetched_once, last_success"
	    " FROM feeds WHERE name = ?1",
	[S_FEED_INSERT] = "INSERT INTO feeds(name, config_url, url, created)"
	    " VALUES(?1, ?2, ?2, ?3)",
	[S_FEED_RESET] = "UPDATE feeds SET config_url = ?2, url = ?2, etag = NULL,"
	    " last_modified = NULL, next_poll = 0, failures = 0, last_status = 0,"
	    " last_error = NULL, disabled = 0, disabled_reason = NULL, fetched_once = 0"
	    " WHERE id = ?1",
	[S_FEED_SAVE] = "UPDATE feeds SET config_url = ?2, url = ?3, etag = ?4,"
	    " last_modified = ?5, next_poll = ?6, failures = ?7, last_status = ?8,"
	    " last_error = ?9, disabled = ?10, disabled_reason = ?11, fetched_once = ?12,"
	    " last_success = ?13 WHERE id = ?1",
	[S_ITEM_GET] = "SELECT content_hash, last_seen FROM items WHERE feed_id = ?1 AND key = ?2",
	[S_ITEM_TOUCH] = "UPDATE items SET last_seen = ?3 WHERE feed_id = ?1 AND key = ?2",
	[S_ITEM_CHANGE] = "UPDATE items SET content_hash = ?3, last_seen = ?4"
	    " WHERE feed_id = ?1 AND key = ?2",
	[S_ITEM_INSERT] = "INSERT INTO items(feed_id, key, content_hash, first_seen, last_seen)"
	    " VALUES(?1, ?2, ?3, ?4, ?4)",
	[S_ITEM_DELETE] = "DELETE FROM items WHERE feed_id = ?1 AND key = ?2",
	[S_TOMB_TAKE] = "DELETE FROM tombstones WHERE feed_id = ?1 AND key_hash = ?2",
	[S_TOMB_PUT] = "INSERT OR REPLACE INTO tombstones(feed_id, key_hash, pruned)"
	    " VALUES(?1, ?2, ?3)",
	[S_ALERT_GET] = "SELECT sent FROM alerts WHERE feed_id = ?1 AND item_key = ?2"
	    " AND watchlist = ?3",
	[S_ALERT_INSERT] = "INSERT INTO alerts(feed_id, item_key, watchlist, alert_id, sent,"
	    " created) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
	[S_LINK_CLAIM] = "INSERT OR IGNORE INTO links(watchlist, link, alert_id, created)"
	    " VALUES(?1, ?2, ?3, ?4)",
	[S_ALERTS_SINCE] = "SELECT count(*) FROM alerts WHERE created >= ?1 AND sent = 1",
	[S_OUTBOX_ADD] = "INSERT INTO outbox(alert_id, sink, payload, created, since, due)"
	    " VALUES(?1, ?2, ?3, ?4, ?4, ?5)",
	[S_OUTBOX_DUE] = "SELECT " OUTBOX_COLS " FROM outbox"
	    " WHERE sink = ?1 AND state = 0 AND due <= ?2 AND (due, id) > (?3, ?4)"
	    " ORDER BY due, id LIMIT ?5",
	[S_OUTBOX_DELETE] = "DELETE FROM outbox WHERE id = ?1",
	[S_OUTBOX_RETRY] = "UPDATE outbox SET due = ?2, attempts = attempts + 1,"
	    " last_error = ?3 WHERE id = ?1 AND state = 0",
	[S_OUTBOX_DEAD] = "UPDATE outbox SET state = 1, attempts = attempts + 1,"
	    " last_error = ?2 WHERE id = ?1",
	[S_OUTBOX_REQUEUE] = "UPDATE outbox SET state = 0, due = ?2, since = ?2, attempts = 0"
	    " WHERE id = ?1",
	[S_OUTBOX_REQUEUE_DEAD] = "UPDATE outbox SET state = 0, due = ?1, since = ?1,"
	    " attempts = 0 WHERE state = 1",
	[S_OUTBOX_PURGE_DEAD] = "DELETE FROM outbox WHERE state = 1",
	[S_OUTBOX_PENDING_ALL] = "SELECT count(*) FROM outbox WHERE state = 0",
	[S_OUTBOX_PENDING_SINK] = "SELECT count(*) FROM outbox WHERE state = 0 AND sink = ?1",
	[S_OUTBOX_DEAD_ALL] = "SELECT count(*) FROM outbox WHERE state = 1",
	[S_OUTBOX_DEAD_SINK] = "SELECT count(*) FROM outbox WHERE state = 1 AND sink = ?1",
	[S_PRUNE_ITEMS] = "SELECT feed_id, key FROM items WHERE last_seen < ?1"
	    " ORDER BY last_seen LIMIT ?2",
	[S_PRUNE_TOMBS] = "SELECT feed_id, key_hash FROM tombstones WHERE pruned < ?1"
	    " ORDER BY pruned LIMIT ?2",
	[S_TOMB_DELETE] = "DELETE FROM tombstones WHERE feed_id = ?1 AND key_hash = ?2",
	/* A ledger row goes only once its item is gone from items (pruned to a tombstone,
	 * which answers UNCHANGED if the item returns): an item still in its feed could be
	 * edited and must still find its claims. */
	[S_PRUNE_ALERTS] = "SELECT a.feed_id, a.item_key, a.watchlist FROM alerts a"
	    " WHERE a.created < ?1 AND NOT EXISTS (SELECT 1 FROM items i"
	    " WHERE i.feed_id = a.feed_id AND i.key = a.item_key) ORDER BY a.created LIMIT ?2",
	[S_ALERT_DELETE] = "DELETE FROM alerts WHERE feed_id = ?1 AND item_key = ?2"
	    " AND watchlist = ?3",
	[S_PRUNE_LINKS] = "SELECT watchlist, link FROM links WHERE created < ?1"
	    " ORDER BY created LIMIT ?2",
	[S_LINK_DELETE] = "DELETE FROM links WHERE watchlist = ?1 AND link = ?2",
};

/* Schema migrations: step i takes user_version i to i + 1, in one transaction. Never
 * edit a step that has shipped; add one. */
static const char *const migrations[STORE_SCHEMA_VERSION] = {
	/* 1: feeds, seen items, the alert ledger and the outbox. */
	"CREATE TABLE feeds("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  config_url TEXT NOT NULL,"
	"  url TEXT NOT NULL,"
	"  etag TEXT,"
	"  last_modified TEXT,"
	"  next_poll INTEGER NOT NULL DEFAULT 0,"
	"  failures INTEGER NOT NULL DEFAULT 0,"
	"  last_status INTEGER NOT NULL DEFAULT 0,"
	"  last_error TEXT,"
	"  disabled INTEGER NOT NULL DEFAULT 0,"
	"  disabled_reason TEXT,"
	"  fetched_once INTEGER NOT NULL DEFAULT 0,"
	"  last_success INTEGER NOT NULL DEFAULT 0,"
	"  created INTEGER NOT NULL);"
	"CREATE TABLE items("
	"  feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,"
	"  key TEXT NOT NULL,"
	"  content_hash INTEGER NOT NULL,"
	"  first_seen INTEGER NOT NULL,"
	"  last_seen INTEGER NOT NULL,"
	"  PRIMARY KEY(feed_id, key)) WITHOUT ROWID;"
	"CREATE INDEX items_last_seen ON items(last_seen);"
	"CREATE TABLE alerts("
	"  feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,"
	"  item_key TEXT NOT NULL,"
	"  watchlist TEXT NOT NULL,"
	"  alert_id TEXT,"
	"  sent INTEGER NOT NULL,"	/* 1: alert queued; 0: match recorded only */
	"  created INTEGER NOT NULL,"
	"  PRIMARY KEY(feed_id, item_key, watchlist)) WITHOUT ROWID;"
	"CREATE INDEX alerts_created ON alerts(created);"
	"CREATE TABLE outbox("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  alert_id TEXT NOT NULL,"
	"  sink TEXT NOT NULL,"
	"  payload TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  since INTEGER NOT NULL,"
	"  due INTEGER NOT NULL,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  last_error TEXT,"
	"  state INTEGER NOT NULL DEFAULT 0 CHECK(state IN (0, 1)));"
	"CREATE INDEX outbox_pending ON outbox(sink, due, id) WHERE state = 0;"
	"CREATE INDEX outbox_dead ON outbox(sink, id) WHERE state = 1;",
	/* 2: tombstones of pruned items, and the canonical-link index. */
	"CREATE TABLE tombstones("
	"  feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,"
	"  key_hash INTEGER NOT NULL,"
	"  pruned INTEGER NOT NULL,"
	"  PRIMARY KEY(feed_id, key_hash)) WITHOUT ROWID;"
	"CREATE INDEX tombstones_pruned ON tombstones(pruned);"
	"CREATE TABLE links("
	"  watchlist TEXT NOT NULL,"
	"  link TEXT NOT NULL,"
	"  alert_id TEXT,"
	"  created INTEGER NOT NULL,"
	"  PRIMARY KEY(watchlist, link)) WITHOUT ROWID;"
	"CREATE INDEX links_created ON links(created);",
};

struct store {
	sqlite3 *db;
	char *dir;
	char *path;
	int lock_fd;
	sqlite3_stmt *stmt[NSTMT];
	bool in_txn;
	bool txn_failed;	/* an error happened in the open transaction */
	bool txn_lazy;		/* running at synchronous=NORMAL (AUTO or LAZY) */
	bool txn_dirty;		/* recorded seen items, claims or outbox rows */
	enum store_sync txn_sync;
	const char *crash;	/* FEEDWATCHD_CRASH, or NULL */
	enum store_errkind err_kind;
	char err[600];
};

static void sqlite_log_cb(void *arg, int code, const char *msg);
static int mkdir_p(const char *dir, char *err, size_t errlen);
static int lock_dir(struct store *st, char *err, size_t errlen);
static int check_damage(struct store *st, char *err, size_t errlen);
static int user_version(struct store *st, int *v);
static int migrate(struct store *st, int target, char *err, size_t errlen);
static int exec_sql(struct store *st, const char *sql, const char *what);
static const char *code_name(int rc);
static enum store_errkind kind_of(int rc, int sys_errno);
static int fail_db(struct store *st, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail_misuse(struct store *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static bool txn_dead(struct store *st);
static void crash_point(const struct store *st, const char *name);
static sqlite3_stmt *stmt_get(struct store *st, enum stmt_id id);
static int stmt_done(struct store *st, sqlite3_stmt *s, const char *what, int64_t arg);
static int stmt_count(struct store *st, sqlite3_stmt *s, const char *what, int64_t *n);
static void bind_text(sqlite3_stmt *s, int i, const char *v);
static char *col_strdup(sqlite3_stmt *s, int i);
static void row_read(sqlite3_stmt *s, struct store_outbox_row *r, bool copy);
static int op_begin(struct store *st, enum store_sync sync, bool *own);
static int op_end(struct store *st, bool own, int rc);
static int txn_commit(struct store *st, bool crash_points);
static void txn_sync_restore(struct store *st);
static int wal_sync(struct store *st);
static const char *key_norm(const char *key, char buf[80]);
static const char *cap_text(const char *s, char *buf, size_t buflen);
static int prune_rows(struct store *st, enum stmt_id select, int64_t cut, int64_t now_ms,
    size_t budget, int64_t *count);

/* SQLITE_CONFIG_LOG: SQLite's own notices (WAL recovery, corruption details). */
static void
sqlite_log_cb(void *arg, int code, const char *msg)
{
	(void)arg;
	log_debug("sqlite: %s (%s)", msg, code_name(code));
}

static int
mkdir_p(const char *dir, char *err, size_t errlen)
{
	char *p = xstrdup(dir);
	struct stat sb;

	for (char *s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;
			*s = '\0';
			if (mkdir(p, 0750) == -1 && errno != EEXIST) {
				snprintf(err, errlen, "cannot create state_dir %s: %s", p,
				    strerror(errno));
				free(p);
				return -1;
			}
			*s = c;
			if (c == '\0')
				break;
		}
	}
	free(p);
	if (stat(dir, &sb) == -1) {
		snprintf(err, errlen, "state_dir %s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "state_dir %s is not a directory", dir);
		return -1;
	}
	if (access(dir, W_OK | X_OK) == -1) {
		snprintf(err, errlen, "state_dir %s is not writable: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

static int
lock_dir(struct store *st, char *err, size_t errlen)
{
	char *lp = xasprintf("%s/feedwatchd.lock", st->dir);

	st->lock_fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (st->lock_fd == -1) {
		snprintf(err, errlen, "cannot open %s: %s", lp, strerror(errno));
		free(lp);
		return -1;
	}
	if (flock(st->lock_fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EWOULDBLOCK)
			snprintf(err, errlen, "another feedwatchd is using state_dir %s"
			    " (%s is locked)", st->dir, lp);
		else
			snprintf(err, errlen, "cannot lock %s: %s", lp, strerror(errno));
		free(lp);
		return -1;
	}
	free(lp);
	return 0;
}

/* PRAGMA quick_check before anything writes: a damaged file is refused untouched. */
static int
check_damage(struct store *st, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	char detail[300] = "";
	int rc;

	rc = sqlite3_prepare_v2(st->db, "PRAGMA quick_check(3)", -1, &s, NULL);
	if (rc == SQLITE_OK) {
		size_t len = 0;
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			const char *t = (const char *)sqlite3_column_text(s, 0);
			if (t == NULL)
				continue;
			if (strcmp(t, "ok") == 0 && len == 0)
				continue;
			len += (size_t)snprintf(detail + len, sizeof detail - len, "%s%s",
			    len ? "; " : "", t);
			if (len >= sizeof detail)
				len = sizeof detail - 1;
		}
		if (rc == SQLITE_DONE && detail[0] == '\0')
			rc = SQLITE_OK;
	}
	if (rc != SQLITE_OK && rc != SQLITE_DONE && detail[0] == '\0')
		snprintf(detail, sizeof detail, "%s", sqlite3_errmsg(st->db));
	sqlite3_finalize(s);
	if (rc == SQLITE_OK)
		return 0;
	if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) {
		snprintf(err, errlen, "state database %s is locked by another process (%s)",
		    st->path, detail);
		return -1;
	}
	for (char *c = detail; *c; c++)
		if (*c == '\n' || *c == '\r')
			*c = ' ';
	snprintf(err, errlen, "state database %s is damaged (%s); it was not modified:"
	    " restore it from a backup or move it away", st->path, detail);
	return -1;
}

static int
user_version(struct store *st, int *v)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL);

	if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		*v = sqlite3_column_int(s, 0);
		rc = SQLITE_OK;
	}
	if (rc != SQLITE_OK)
		fail_db(st, rc, "reading the schema version");
	sqlite3_finalize(s);
	return rc == SQLITE_OK ? 0 : -1;
}

/* Brings the schema to version target, one atomic step at a time: a crash in the
 * middle of a step leaves the previous version, and the next start reruns the step. */
static int
migrate(struct store *st, int target, char *err, size_t errlen)
{
	int v0;

	/* Up to date: no write lock needed (starting while another process holds one). */
	if (user_version(st, &v0) == -1)
		goto fail;
	if (v0 >= target)
		return 0;
	for (;;) {
		char sql[64];
		int v;

		if (exec_sql(st, "BEGIN IMMEDIATE", "starting a schema migration") == -1)
			goto fail;
		if (user_version(st, &v) == -1)
			goto fail_rollback;
		if (v > STORE_SCHEMA_VERSION) {
			snprintf(err, errlen, "state database %s has schema version %d, newer than"
			    " this feedwatchd understands (%d); it was not modified", st->path,
			    v, STORE_SCHEMA_VERSION);
			exec_sql(st, "ROLLBACK", "rolling back");
			return -1;
		}
		if (v >= target) {
			if (exec_sql(st, "COMMIT", "ending the schema check") == -1)
				goto fail;
			if (v0 == 0)
				log_info("state database %s created (schema %d)", st->path, v);
			else if (v > v0)
				log_info("state database %s: schema migrated from version %d to %d",
				    st->path, v0, v);
			return 0;
		}
		if (exec_sql(st, migrations[v], "migrating the schema") == -1)
			goto fail_rollback;
		if (v + 1 == target)
			crash_point(st, "mid-migration");
		snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
		if (exec_sql(st, sql, "setting the schema version") == -1)
			goto fail_rollback;
		if (exec_sql(st, "COMMIT", "committing a schema migration") == -1)
			goto fail_rollback;
	}
fail_rollback:
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
fail:
	snprintf(err, errlen, "state database %s: %s", st->path, st->err);
	return -1;
}

static int
exec_sql(struct store *st, const char *sql, const char *what)
{
	int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);

	if (rc != SQLITE_OK)
		return fail_db(st, rc, "%s", what);
	return 0;
}

static const char *
code_name(int rc)
{
	static char other[32];

	switch (rc) {
	case SQLITE_BUSY: return "SQLITE_BUSY";
	case SQLITE_BUSY_SNAPSHOT: return "SQLITE_BUSY_SNAPSHOT";
	case SQLITE_LOCKED: return "SQLITE_LOCKED";
	case SQLITE_FULL: return "SQLITE_FULL";
	case SQLITE_IOERR: return "SQLITE_IOERR";
	case SQLITE_IOERR_READ: return "SQLITE_IOERR_READ";
	case SQLITE_IOERR_SHORT_READ: return "SQLITE_IOERR_SHORT_READ";
	case SQLITE_IOERR_WRITE: return "SQLITE_IOERR_WRITE";
	case SQLITE_IOERR_FSYNC: return "SQLITE_IOERR_FSYNC";
	case SQLITE_IOERR_DIR_FSYNC: return "SQLITE_IOERR_DIR_FSYNC";
	case SQLITE_IOERR_TRUNCATE: return "SQLITE_IOERR_TRUNCATE";
	case SQLITE_IOERR_FSTAT: return "SQLITE_IOERR_FSTAT";
	case SQLITE_IOERR_SHMOPEN: return "SQLITE_IOERR_SHMOPEN";
	case SQLITE_IOERR_SHMSIZE: return "SQLITE_IOERR_SHMSIZE";
	case SQLITE_IOERR_SHMMAP: return "SQLITE_IOERR_SHMMAP";
	case SQLITE_CORRUPT: return "SQLITE_CORRUPT";
	case SQLITE_NOTADB: return "SQLITE_NOTADB";
	case SQLITE_CANTOPEN: return "SQLITE_CANTOPEN";
	case SQLITE_READONLY: return "SQLITE_READONLY";
	case SQLITE_CONSTRAINT_FOREIGNKEY: return "SQLITE_CONSTRAINT_FOREIGNKEY";
	case SQLITE_CONSTRAINT_PRIMARYKEY: return "SQLITE_CONSTRAINT_PRIMARYKEY";
	case SQLITE_CONSTRAINT_UNIQUE: return "SQLITE_CONSTRAINT_UNIQUE";
	case SQLITE_NOMEM: return "SQLITE_NOMEM";
	case SQLITE_MISUSE: return "SQLITE_MISUSE";
	case SQLITE_ERROR: return "SQLITE_ERROR";
	case SQLITE_NOTICE_RECOVER_WAL: return "SQLITE_NOTICE_RECOVER_WAL";
	default:
		snprintf(other, sizeof other, "SQLite code %d", rc);
		return other;
	}
}

static enum store_errkind
kind_of(int rc, int sys_errno)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return STORE_ERR_BUSY;
	case SQLITE_FULL:
		return STORE_ERR_FULL;
	case SQLITE_IOERR:
		if (rc == SQLITE_IOERR_FSYNC || rc == SQLITE_IOERR_DIR_FSYNC)
			return STORE_ERR_IO;	/* durability unknown: never assumed */
		if (sys_errno == ENOSPC || sys_errno == EFBIG || sys_errno == EDQUOT)
			return STORE_ERR_FULL;
		return STORE_ERR_IO;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return STORE_ERR_CORRUPT;
	default:
		return STORE_ERR_OTHER;
	}
}

/* Records an SQLite failure as the store's error; kills the open transaction. */
static int
fail_db(struct store *st, int rc, const char *fmt, ...)
{
	char what[256];
	int saved = errno, sys = sqlite3_system_errno(st->db);
	va_list ap;

	if (st->in_txn && st->txn_failed)
		return -1;	/* keep the first error of the transaction */
	/* The unix VFS reports errno as it is when SQLite asks, which may be after other
	 * calls; the errno left by the failing step is the better witness (EFBIG, ENOSPC). */
	if (sys == 0 && (rc & 0xff) == SQLITE_IOERR)
		sys = saved;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	st->err_kind = kind_of(rc, sys);
	if ((rc & 0xff) == SQLITE_IOERR && sys != 0)
		snprintf(st->err, sizeof st->err, "%s: %s (%s, errno %d: %s)", what,
		    sqlite3_errmsg(st->db), code_name(rc), sys, strerror(sys));
	else
		snprintf(st->err, sizeof st->err, "%s: %s (%s)", what, sqlite3_errmsg(st->db),
		    code_name(rc));
	for (char *c = st->err; *c; c++)
		if (*c == '\n' || *c == '\r')
			*c = ' ';
	if (st->in_txn)
		st->txn_failed = true;
	return -1;
}

static int
fail_misuse(struct store *st, const char *fmt, ...)
{
	va_list ap;

	if (st->in_txn && st->txn_failed)
		return -1;
	va_start(ap, fmt);
	vsnprintf(st->err, sizeof st->err, fmt, ap);
	va_end(ap);
	st->err_kind = STORE_ERR_OTHER;
	if (st->in_txn)
		st->txn_failed = true;
	return -1;
}

/* True when the open transaction has failed: the caller returns -1 at once. */
static bool
txn_dead(struct store *st)
{
	return st->in_txn && st->txn_failed;
}

static void
crash_point(const struct store *st, const char *name)
{
	if (st->crash != NULL && strcmp(st->crash, name) == 0) {
		fprintf(stderr, "feedwatchd: store: crash point '%s' (FEEDWATCHD_CRASH): abort\n",
		    name);
		abort();
	}
}

static sqlite3_stmt *
stmt_get(struct store *st, enum stmt_id id)
{
	if (st->stmt[id] == NULL) {
		int rc = sqlite3_prepare_v3(st->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
		    &st->stmt[id], NULL);
		if (rc != SQLITE_OK) {
			fail_db(st, rc, "preparing \"%.60s\"", stmt_sql[id]);
			st->stmt[id] = NULL;
			return NULL;
		}
	}
	return st->stmt[id];
}

/* Runs a statement that returns no row (or whose rows are ignored) and resets it. The
 * error says what was being done; arg is appended when non-negative (an id). */
static int
stmt_done(struct store *st, sqlite3_stmt *s, const char *what, int64_t arg)
{
	int rc = sqlite3_step(s);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		if (arg >= 0)
			fail_db(st, rc, "%s %" PRId64, what, arg);
		else
			fail_db(st, rc, "%s", what);
		sqlite3_reset(s);
		return -1;
	}
	sqlite3_reset(s);
	return 0;
}

static int
stmt_count(struct store *st, sqlite3_stmt *s, const char *what, int64_t *n)
{
	int rc = sqlite3_step(s);

	if (rc != SQLITE_ROW) {
		fail_db(st, rc, "%s", what);
		sqlite3_reset(s);
		return -1;
	}
	*n = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return 0;
}

/* Binds a string the caller keeps alive until the statement is reset; NULL as NULL. */
static void
bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
}

static char *
col_strdup(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t == NULL ? NULL : xstrndup((const char *)t, (size_t)sqlite3_column_bytes(s, i));
}

/* Fills r from a row of OUTBOX_COLS: copies, or pointers lent until the next step. */
static void
row_read(sqlite3_stmt *s, struct store_outbox_row *r, bool copy)
{
	r->id = sqlite3_column_int64(s, 0);
	if (copy) {
		r->alert_id = col_strdup(s, 1);
		r->sink = col_strdup(s, 2);
		r->payload = col_strdup(s, 3);
		r->last_error = col_strdup(s, 8);
	} else {
		r->alert_id = (char *)sqlite3_column_text(s, 1);
		r->sink = (char *)sqlite3_column_text(s, 2);
		r->payload = (char *)sqlite3_column_text(s, 3);
		r->last_error = (char *)sqlite3_column_text(s, 8);
	}
	r->created_ms = sqlite3_column_int64(s, 4);
	r->since_ms = sqlite3_column_int64(s, 5);
	r->due_ms = sqlite3_column_int64(s, 6);
	r->attempts = sqlite3_column_int(s, 7);
	r->state = sqlite3_column_int(s, 9) == STORE_OUTBOX_DEAD ? STORE_OUTBOX_DEAD
	    : STORE_OUTBOX_PENDING;
}

/* Joins the caller's transaction, or opens one for a multi-statement operation. */
static int
op_begin(struct store *st, enum store_sync sync, bool *own)
{
	*own = false;
	if (st->in_txn)
		return st->txn_failed ? -1 : 0;
	if (store_begin(st, sync) == -1)
		return -1;
	*own = true;
	return 0;
}

/* Ends what op_begin() opened: commits on success, rolls back on failure. */
static int
op_end(struct store *st, bool own, int rc)
{
	if (!own)
		return rc;
	if (rc == -1) {
		store_rollback(st);
		return -1;
	}
	return txn_commit(st, false);
}

static int
txn_commit(struct store *st, bool crash_points)
{
	sqlite3_stmt *s;
	int rc;

	if (!st->in_txn)
		return fail_misuse(st, "commit outside a transaction");
	if (st->txn_failed) {
		store_rollback(st);
		return -1;
	}
	/* the named crash points are about commits that matter (items seen, alerts
	 * claimed or queued), not the bookkeeping around them */
	crash_points = crash_points && st->txn_dirty;
	if (crash_points)
		crash_point(st, "before-commit");
	if ((s = stmt_get(st, S_COMMIT)) == NULL) {
		store_rollback(st);
		return -1;
	}
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		fail_db(st, rc, "committing");
		store_rollback(st);
		return -1;
	}
	st->in_txn = false;
	txn_sync_restore(st);
	if (st->txn_sync == STORE_SYNC_AUTO && st->txn_dirty && wal_sync(st) == -1)
		return -1;
	if (crash_points)
		crash_point(st, "after-commit");
	return 0;
}

/* Makes an AUTO transaction's commit durable: fsync of the WAL file. */
static int
wal_sync(struct store *st)
{
	sqlite3_file *f = NULL;
	int rc, e;

	if (sqlite3_file_control(st->db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &f) != SQLITE_OK
	    || f == NULL || f->pMethods == NULL) {
		snprintf(st->err, sizeof st->err, "committed, but there is no WAL file to sync");
		st->err_kind = STORE_ERR_IO;
		return -1;
	}
	errno = 0;
	rc = f->pMethods->xSync(f, SQLITE_SYNC_FULL);
	e = errno;
	if (rc != SQLITE_OK) {
		snprintf(st->err, sizeof st->err, "committed, but the fsync of the WAL failed"
		    " (%s, errno %d: %s): the change may not survive a power cut", code_name(rc),
		    e, strerror(e));
		st->err_kind = STORE_ERR_IO;
		return -1;
	}
	return 0;
}

/* After a lazy transaction, back to synchronous=FULL for everything else. */
static void
txn_sync_restore(struct store *st)
{
	if (!st->txn_lazy)
		return;
	st->txn_lazy = false;
	if (sqlite3_exec(st->db, "PRAGMA synchronous = FULL", NULL, NULL, NULL) != SQLITE_OK)
		log_warnx("state database %s: cannot restore synchronous=FULL: %s", st->path,
		    sqlite3_errmsg(st->db));
}

/* Long keys are replaced by their hash so that rows stay small. */
static const char *
key_norm(const char *key, char buf[80])
{
	char hex[65];
	size_t len = strlen(key);

	if (len <= STORE_KEY_MAX)
		return key;
	crypto_sha256_hex(key, len, hex);
	snprintf(buf, 80, "sha256:%s", hex);
	return buf;
}

/* Cuts an error text to what fits in buf, on a UTF-8 boundary. */
static const char *
cap_text(const char *s, char *buf, size_t buflen)
{
	size_t len;

	if (s == NULL || strlen(s) < buflen)
		return s;
	len = utf8_valid_prefix(s, buflen - 4);
	memcpy(buf, s, len);
	memcpy(buf + len, "...", 4);
	return buf;
}

/* Opens (creating, checking and migrating) the state database; see store.h. */
struct store *
store_open(const char *state_dir, const struct store_options *opts, char *err, size_t errlen)
{
	static bool configured;
	struct store_options o = { 0 };
	struct store *st;
	const char *crash;
	int rc, v, target;
	char mode[16];

	if (opts != NULL)
		o = *opts;
	if (o.busy_timeout_ms <= 0)
		o.busy_timeout_ms = BUSY_TIMEOUT_DEFAULT_MS;
	target = o.schema_max > 0 && o.schema_max < STORE_SCHEMA_VERSION ? o.schema_max
	    : STORE_SCHEMA_VERSION;
	if (!configured) {
		sqlite3_config(SQLITE_CONFIG_LOG, sqlite_log_cb, NULL);
		configured = true;
	}
	if (state_dir == NULL || *state_dir == '\0') {
		snprintf(err, errlen, "state_dir is empty");
		return NULL;
	}
	if (mkdir_p(state_dir, err, errlen) == -1)
		return NULL;

	st = xcalloc(1, sizeof(*st));
	st->lock_fd = -1;
	st->dir = xstrdup(state_dir);
	st->path = xasprintf("%s/%s", state_dir, STORE_DB_NAME);
	crash = getenv("FEEDWATCHD_CRASH");
	st->crash = crash != NULL && *crash != '\0' ? crash : NULL;
	if (o.lock && lock_dir(st, err, errlen) == -1)
		goto fail;

	rc = sqlite3_open_v2(st->path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
	    | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "cannot open state database %s: %s", st->path,
		    st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, o.busy_timeout_ms);
	{
		int persist = 1;	/* truncate, never unlink, the -wal file (ST-10) */
		sqlite3_file_control(st->db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
	}

	/* Read-only checks first: nothing may write to a damaged or foreign file, not even
	 * the checkpoint SQLite runs when the last connection closes. */
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	if (check_damage(st, err, errlen) == -1)
		goto fail;
	if (user_version(st, &v) == -1) {
		snprintf(err, errlen, "state database %s: %s", st->path, st->err);
		goto fail;
	}
	if (v > STORE_SCHEMA_VERSION) {
		snprintf(err, errlen, "state database %s has schema version %d, newer than this"
		    " feedwatchd understands (%d); it was not modified", st->path, v,
		    STORE_SCHEMA_VERSION);
		goto fail;
	}
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 0, NULL);

	if (store_pragma(st, "journal_mode = WAL", mode, sizeof mode) == -1
	    || strcmp(mode, "wal") != 0) {
		snprintf(err, errlen, "state database %s: cannot use WAL mode (%s)", st->path,
		    st->err[0] ? st->err : mode);
		goto fail;
	}
	if (exec_sql(st, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;"
	    " PRAGMA journal_size_limit = " JOURNAL_SIZE_LIMIT ";", "setting pragmas") == -1) {
		snprintf(err, errlen, "state database %s: %s", st->path, st->err);
		goto fail;
	}
	if (migrate(st, target, err, errlen) == -1)
		goto fail;
	st->err[0] = '\0';
	st->err_kind = STORE_ERR_NONE;
	return st;
fail:
	store_close(st);
	return NULL;
}

/* Finalizes the cached statements and closes the connection (the -wal file stays). */
void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	if (st->in_txn)
		store_rollback(st);
	for (int i = 0; i < NSTMT; i++)
		sqlite3_finalize(st->stmt[i]);
	if (st->db != NULL && sqlite3_close(st->db) != SQLITE_OK)
		log_warnx("closing state database %s: %s", st->path, sqlite3_errmsg(st->db));
	if (st->lock_fd != -1)
		close(st->lock_fd);
	free(st->dir);
	free(st->path);
	free(st);
}

/* The last error, one line. */
const char *
store_error(const struct store *st)
{
	return st->err;
}

/* What kind of failure the last error was. */
enum store_errkind
store_error_kind(const struct store *st)
{
	return st->err_kind;
}

/* The database file's path. */
const char *
store_path(const struct store *st)
{
	return st->path;
}

/* Reads a pragma on the store's connection (or sets one: "journal_mode = WAL"). */
int
store_pragma(struct store *st, const char *name, char *out, size_t outlen)
{
	sqlite3_stmt *s = NULL;
	char *sql;
	int rc;

	for (const char *c = name; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || *c == '_' || *c == ' ' || *c == '='
		    || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9')))
			return fail_misuse(st, "bad pragma name '%s'", name);
	sql = xasprintf("PRAGMA %s", name);
	rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
	free(sql);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(s, 0);
		snprintf(out, outlen, "%s", t ? (const char *)t : "");
	} else if (rc == SQLITE_DONE) {
		snprintf(out, outlen, "%s", "");
	} else {
		fail_db(st, rc, "PRAGMA %s", name);
		sqlite3_finalize(s);
		return -1;
	}
	sqlite3_finalize(s);
	return 0;
}

/* Starts a write transaction at the given durability. */
int
store_begin(struct store *st, enum store_sync sync)
{
	sqlite3_stmt *s;
	int rc;

	if (st->in_txn)
		return fail_misuse(st, "store_begin: a transaction is already open");
	/* PRAGMA synchronous acts when it is compiled, and not inside a transaction: it
	 * is run afresh (sqlite3_exec), never from the statement cache. */
	if (sync != STORE_SYNC_FULL) {
		if (exec_sql(st, "PRAGMA synchronous = NORMAL", "setting synchronous=NORMAL") == -1)
			return -1;
		st->txn_lazy = true;
	}
	if ((s = stmt_get(st, S_BEGIN)) == NULL) {
		txn_sync_restore(st);
		return -1;
	}
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		fail_db(st, rc, "starting a write transaction");
		txn_sync_restore(st);
		return -1;
	}
	st->in_txn = true;
	st->txn_failed = false;
	st->txn_dirty = false;
	st->txn_sync = sync;
	return 0;
}

/* Commits the open transaction (crash points before and after). */
int
store_commit(struct store *st)
{
	return txn_commit(st, true);
}

/* Abandons the open transaction, keeping the error that killed it. */
void
store_rollback(struct store *st)
{
	sqlite3_stmt *s;

	if (!st->in_txn)
		return;
	if (!sqlite3_get_autocommit(st->db) && (s = stmt_get(st, S_ROLLBACK)) != NULL) {
		sqlite3_step(s);
		sqlite3_reset(s);
	}
	if (!sqlite3_get_autocommit(st->db))	/* last resort */
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	st->in_txn = false;
	st->txn_failed = false;
	txn_sync_restore(st);
}

/* True between store_begin() and its commit or rollback. */
bool
store_in_transaction(const struct store *st)
{
	return st->in_txn;
}

/* Gets or creates a feed's state by name, resetting it when its configured URL changed. */
int
store_feed_get(struct store *st, const char *name, const char *config_url, int64_t now_ms,
    struct store_feed *out)
{
	sqlite3_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	if (txn_dead(st))
		return -1;
	if (name == NULL || config_url == NULL)
		return fail_misuse(st, "store_feed_get: name and config_url are required");
	if ((s = stmt_get(st, S_FEED_GET)) == NULL)
		return -1;
	bind_text(s, 1, name);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		out->id = sqlite3_column_int64(s, 0);
		out->name = xstrdup(name);
		out->config_url = col_strdup(s, 1);
		out->url = col_strdup(s, 2);
		out->etag = col_strdup(s, 3);
		out->last_modified = col_strdup(s, 4);
		out->next_poll_ms = sqlite3_column_int64(s, 5);
		out->failures = sqlite3_column_int(s, 6);
		out->last_status = sqlite3_column_int(s, 7);
		out->last_error = col_strdup(s, 8);
		out->disabled = sqlite3_column_int(s, 9) != 0;
		out->disabled_reason = col_strdup(s, 10);
		out->fetched_once = sqlite3_column_int(s, 11) != 0;
		out->last_success_ms = sqlite3_column_int64(s, 12);
		sqlite3_reset(s);
		if (out->config_url != NULL && strcmp(out->config_url, config_url) == 0)
			return 0;
		/* The configured URL changed: this is a new source under an old name. */
		if ((s = stmt_get(st, S_FEED_RESET)) == NULL)
			goto fail;
		sqlite3_bind_int64(s, 1, out->id);
		bind_text(s, 2, config_url);
		if (stmt_done(st, s, "resetting the state of feed", out->id) == -1)
			goto fail;
		store_setstr(&out->config_url, config_url);
		store_setstr(&out->url, config_url);
		store_setstr(&out->etag, NULL);
		store_setstr(&out->last_modified, NULL);
		store_setstr(&out->last_error, NULL);
		store_setstr(&out->disabled_reason, NULL);
		out->next_poll_ms = 0;
		out->failures = 0;
		out->last_status = 0;
		out->disabled = false;
		out->fetched_once = false;
		out->url_reset = true;
		return 0;
	}
	if (rc != SQLITE_DONE) {
		fail_db(st, rc, "reading the state of a feed");
		sqlite3_reset(s);
		goto fail;
	}
	sqlite3_reset(s);
	if ((s = stmt_get(st, S_FEED_INSERT)) == NULL)
		goto fail;
	bind_text(s, 1, name);
	bind_text(s, 2, config_url);
	sqlite3_bind_int64(s, 3, now_ms);
	if (stmt_done(st, s, "adding a feed", -1) == -1)
		goto fail;
	out->id = sqlite3_last_insert_rowid(st->db);
	out->name = xstrdup(name);
	out->config_url = xstrdup(config_url);
	out->url = xstrdup(config_url);
	out->created = true;
	return 0;
fail:
	store_feed_free(out);
	return -1;
}

/* Writes back every field of a feed's state. */
int
store_feed_save(struct store *st, const struct store_feed *f)
{
	sqlite3_stmt *s;

	if (txn_dead(st))
		return -1;
	if (f->config_url == NULL || f->url == NULL)
		return fail_misuse(st, "store_feed_save: feed %" PRId64 " has no URL", f->id);
	if ((s = stmt_get(st, S_FEED_SAVE)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, f->id);
	bind_text(s, 2, f->config_url);
	bind_text(s, 3, f->url);
	bind_text(s, 4, f->etag);
	bind_text(s, 5, f->last_modified);
	sqlite3_bind_int64(s, 6, f->next_poll_ms);
	sqlite3_bind_int(s, 7, f->failures);
	sqlite3_bind_int(s, 8, f->last_status);
	bind_text(s, 9, f->last_error);
	sqlite3_bind_int(s, 10, f->disabled);
	bind_text(s, 11, f->disabled_reason);
	sqlite3_bind_int(s, 12, f->fetched_once);
	sqlite3_bind_int64(s, 13, f->last_success_ms);
	if (stmt_done(st, s, "saving the state of feed", f->id) == -1)
		return -1;
	if (sqlite3_changes(st->db) == 0)
		return fail_misuse(st, "saving the state of feed %" PRId64 ": no such feed", f->id);
	return 0;
}

/* Frees the strings of a feed's state. */
void
store_feed_free(struct store_feed *f)
{
	if (f == NULL)
		return;
	free(f->name);
	free(f->config_url);
	free(f->url);
	free(f->etag);
	free(f->last_modified);
	free(f->last_error);
	free(f->disabled_reason);
	memset(f, 0, sizeof(*f));
}

/* Replaces an owned string with a copy. */
void
store_setstr(char **slot, const char *value)
{
	char *old = *slot;

	*slot = value != NULL ? xstrdup(value) : NULL;
	free(old);
}

/* Marks an item seen and says whether it is new, unchanged or changed. */
int
store_item_check(struct store *st, int64_t feed_id, const char *item_key,
    uint64_t content_hash, int64_t now_ms, enum store_item_state *state)
{
	char kbuf[80];
	const char *key;
	sqlite3_stmt *s;
	bool own;
	int rc;

	if (op_begin(st, STORE_SYNC_FULL, &own) == -1)
		return -1;
	key = key_norm(item_key, kbuf);
	if ((s = stmt_get(st, S_ITEM_GET)) == NULL)
		return op_end(st, own, -1);
	sqlite3_bind_int64(s, 1, feed_id);
	bind_text(s, 2, key);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		uint64_t old = (uint64_t)sqlite3_column_int64(s, 0);
		int64_t last_seen = sqlite3_column_int64(s, 1);
		sqlite3_reset(s);
		if (old == content_hash) {
			*state = STORE_ITEM_UNCHANGED;
			if (now_ms - last_seen < LAST_SEEN_STEP_MS)
				return op_end(st, own, 0);
			if ((s = stmt_get(st, S_ITEM_TOUCH)) == NULL)
				return op_end(st, own, -1);
			sqlite3_bind_int64(s, 1, feed_id);
			bind_text(s, 2, key);
			sqlite3_bind_int64(s, 3, now_ms);
			rc = stmt_done(st, s, "updating an item's last seen time in feed", feed_id);
			return op_end(st, own, rc);
		}
		*state = STORE_ITEM_CHANGED;
		if ((s = stmt_get(st, S_ITEM_CHANGE)) == NULL)
			return op_end(st, own, -1);
		sqlite3_bind_int64(s, 1, feed_id);
		bind_text(s, 2, key);
		sqlite3_bind_int64(s, 3, (int64_t)content_hash);
		sqlite3_bind_int64(s, 4, now_ms);
		rc = stmt_done(st, s, "updating a changed item in feed", feed_id);
		st->txn_dirty = true;
		return op_end(st, own, rc);
	}
	if (rc != SQLITE_DONE) {
		fail_db(st, rc, "looking up an item in feed %" PRId64, feed_id);
		sqlite3_reset(s);
		return op_end(st, own, -1);
	}
	sqlite3_reset(s);

	/* Unknown: a new item, or a pruned one back in the feed (its tombstone is taken). */
	if ((s = stmt_get(st, S_TOMB_TAKE)) == NULL)
		return op_end(st, own, -1);
	sqlite3_bind_int64(s, 1, feed_id);
	sqlite3_bind_int64(s, 2, (int64_t)store_hash64(key, strlen(key)));
	if (stmt_done(st, s, "looking up a tombstone in feed", feed_id) == -1)
		return op_end(st, own, -1);
	*state = sqlite3_changes(st->db) > 0 ? STORE_ITEM_UNCHANGED : STORE_ITEM_NEW;
	if ((s = stmt_get(st, S_ITEM_INSERT)) == NULL)
		return op_end(st, own, -1);
	sqlite3_bind_int64(s, 1, feed_id);
	bind_text(s, 2, key);
	sqlite3_bind_int64(s, 3, (int64_t)content_hash);
	sqlite3_bind_int64(s, 4, now_ms);
	rc = stmt_done(st, s, "marking an item seen in feed", feed_id);
	st->txn_dirty = true;
	return op_end(st, own, rc);
}

/* The first 64 bits of SHA-256. */
uint64_t
store_hash64(const void *data, size_t len)
{
	char hex[65];
	uint64_t h = 0;

	crypto_sha256_hex(data, len, hex);
	for (int i = 0; i < 16; i++) {
		char c = hex[i];
		h = h << 4 | (uint64_t)(c <= '9' ? c - '0' : c - 'a' + 10);
	}
	return h;
}

/* Claims (item, watchlist) and (canonical link, watchlist) in the alert ledger. */
int
store_alert_claim(struct store *st, const struct store_alert *a, int64_t now_ms,
    enum store_claim *result)
{
	char kbuf[80], lbuf[80];
	const char *key, *link;
	sqlite3_stmt *s;
	bool own, sent;
	int rc;

	if (op_begin(st, STORE_SYNC_FULL, &own) == -1)
		return -1;
	if (a->item_key == NULL || a->watchlist == NULL
	    || (a->alert_id == NULL && !a->record_only))
		return op_end(st, own, fail_misuse(st, "store_alert_claim: item_key, watchlist"
		    " and alert_id are required"));
	key = key_norm(a->item_key, kbuf);
	if ((s = stmt_get(st, S_ALERT_GET)) == NULL)
		return op_end(st, own, -1);
	sqlite3_bind_int64(s, 1, a->feed_id);
	bind_text(s, 2, key);
	bind_text(s, 3, a->watchlist);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc == SQLITE_ROW) {
		*result = STORE_CLAIM_SEEN_ITEM;
		return op_end(st, own, 0);
	}
	if (rc != SQLITE_DONE) {
		fail_db(st, rc, "reading the alert ledger of feed %" PRId64, a->feed_id);
		return op_end(st, own, -1);
	}

	*result = STORE_CLAIM_NEW;
	sent = !a->record_only;
	if (sent && a->canon_link != NULL && *a->canon_link != '\0') {
		link = key_norm(a->canon_link, lbuf);
		if ((s = stmt_get(st, S_LINK_CLAIM)) == NULL)
			return op_end(st, own, -1);
		bind_text(s, 1, a->watchlist);
		bind_text(s, 2, link);
		bind_text(s, 3, a->alert_id);
		sqlite3_bind_int64(s, 4, now_ms);
		if (stmt_done(st, s, "claiming a canonical link in feed", a->feed_id) == -1)
			return op_end(st, own, -1);
		if (sqlite3_changes(st->db) == 0) {
			*result = STORE_CLAIM_SEEN_LINK;
			sent = false;
		}
	}
	if ((s = stmt_get(st, S_ALERT_INSERT)) == NULL)
		return op_end(st, own, -1);
	sqlite3_bind_int64(s, 1, a->feed_id);
	bind_text(s, 2, key);
	bind_text(s, 3, a->watchlist);
	bind_text(s, 4, a->alert_id);
	sqlite3_bind_int(s, 5, sent);
	sqlite3_bind_int64(s, 6, now_ms);
	rc = stmt_done(st, s, "recording an alert in the ledger of feed", a->feed_id);
	st->txn_dirty = true;
	return op_end(st, own, rc);
}

/* Counts alerts claimed for sending since a time. */
int
store_alerts_since(struct store *st, int64_t since_ms, int64_t *n)
{
	sqlite3_stmt *s;

	if (txn_dead(st))
		return -1;
	if ((s = stmt_get(st, S_ALERTS_SINCE)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, since_ms);
	return stmt_count(st, s, "counting alerts", n);
}

/* Queues one delivery. */
int
store_outbox_add(struct store *st, const char *alert_id, const char *sink,
    const char *payload, int64_t due_ms, int64_t now_ms, int64_t *id)
{
	sqlite3_stmt *s;

	if (txn_dead(st))
		return -1;
	if (alert_id == NULL || sink == NULL || payload == NULL)
		return fail_misuse(st, "store_outbox_add: alert_id, sink and payload are required");
	if ((s = stmt_get(st, S_OUTBOX_ADD)) == NULL)
		return -1;
	bind_text(s, 1, alert_id);
	bind_text(s, 2, sink);
	bind_text(s, 3, payload);
	sqlite3_bind_int64(s, 4, now_ms);
	sqlite3_bind_int64(s, 5, due_ms);
	if (stmt_done(st, s, "queueing an alert in the outbox", -1) == -1)
		return -1;
	st->txn_dirty = true;
	if (id != NULL)
		*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

/* Returns the next due rows of a sink, at most limit, after the cursor. */
int
store_outbox_next_due(struct store *st, const char *sink, int64_t now_ms, size_t limit,
    struct store_outbox_cursor *cursor, struct store_outbox_row **rows, size_t *n)
{
	struct store_outbox_row *r = NULL;
	size_t cap = 0, len = 0;
	sqlite3_stmt *s;
	int rc;

	*rows = NULL;
	*n = 0;
	if (txn_dead(st))
		return -1;
	if (limit == 0)
		return 0;
	if ((s = stmt_get(st, S_OUTBOX_DUE)) == NULL)
		return -1;
	bind_text(s, 1, sink);
	sqlite3_bind_int64(s, 2, now_ms);
	sqlite3_bind_int64(s, 3, cursor->started ? cursor->due_ms : INT64_MIN);
	sqlite3_bind_int64(s, 4, cursor->started ? cursor->id : INT64_MIN);
	sqlite3_bind_int64(s, 5, limit > INT64_MAX ? INT64_MAX : (int64_t)limit);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap ? cap * 2 : (limit < 16 ? limit : 16);
			r = xreallocarray(r, cap, sizeof(*r));
		}
		row_read(s, &r[len++], true);
	}
	if (rc != SQLITE_DONE) {
		fail_db(st, rc, "reading due outbox rows of sink %s", sink);
		sqlite3_reset(s);
		store_outbox_rows_free(r, len);
		return -1;
	}
	sqlite3_reset(s);
	if (len > 0) {
		cursor->started = true;
		cursor->due_ms = r[len - 1].due_ms;
		cursor->id = r[len - 1].id;
	}
	*rows = r;
	*n = len;
	return 0;
}

/* Frees rows returned by store_outbox_next_due(). */
void
store_outbox_rows_free(struct store_outbox_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rows[i].alert_id);
		free(rows[i].sink);
		free(rows[i].payload);
		free(rows[i].last_error);
	}
	free(rows);
}

/* Deletes a delivered row. */
int
store_outbox_delivered(struct store *st, int64_t id)
{
	sqlite3_stmt *s;

	if (txn_dead(st))
		return -1;
	if ((s = stmt_get(st, S_OUTBOX_DELETE)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	return stmt_done(st, s, "removing delivered outbox row", id);
}

/* Reschedules a row after a failed attempt. */
int
store_outbox_retry(struct store *st, int64_t id, int64_t next_due_ms, const char *error)
{
	char ebuf[ERROR_TEXT_MAX];
	sqlite3_stmt *s;

	if (txn_dead(st))
		return -1;
	if ((s = stmt_get(st, S_OUTBOX_RETRY)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, next_due_ms);
	bind_text(s, 3, cap_text(error, ebuf, sizeof ebuf));
	return stmt_done(st, s, "rescheduling outbox row", id);
}

/* Gives up on a row. */
int
store_outbox_dead(struct store *st, int64_t id, const char *error)
{
	char ebuf[ERROR_TEXT_MAX];
	sqlite3_stmt *s;

	if (txn_dead(st))
		return -1;
	if ((s = stmt_get(st, S_OUTBOX_DEAD)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	bind_text(s, 2, cap_text(error, ebuf, sizeof ebuf));
	return stmt_done(st, s, "marking outbox row dead", id);
}

/* Streams outbox rows to a callback, in id order. */
int
store_outbox_list(struct store *st, int state, const char *sink, store_outbox_cb cb, void *arg)
{
	static const char sql[] = "SELECT " OUTBOX_COLS " FROM outbox"
	    " WHERE (?1 < 0 OR state = ?1) AND (?2 IS NULL OR sink = ?2) ORDER BY id";
	sqlite3_stmt *s = NULL;
	int rc;

	if (txn_dead(st))
		return -1;
	rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
	if (rc != SQLITE_OK)
		return fail_db(st, rc, "listing the outbox");
	sqlite3_bind_int(s, 1, state);
	bind_text(s, 2, sink);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_outbox_row r;
		row_read(s, &r, false);
		if (cb(&r, arg) != 0) {
			sqlite3_finalize(s);
			return fail_misuse(st, "listing the outbox: stopped by the caller");
		}
	}
	if (rc != SQLITE_DONE) {
		fail_db(st, rc, "listing the outbox");
		sqlite3_finalize(s);
		return -1;
	}
	sqlite3_finalize(s);
	return 0;
}

/* Makes one row pending and due now. */
int
store_outbox_requeue(struct store *st, int64_t id, int64_t now_ms, bool *found)
{
	sqlite3_stmt *s;

	if (txn_dead(st))
		return -1;
	if ((s = stmt_get(st, S_OUTBOX_REQUEUE)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, now_ms);
	if (stmt_done(st, s, "requeueing outbox row", id) == -1)
		return -1;
	if (found != NULL)
		*found = sqlite3_changes(st->db) > 0;
	return 0;
}

/* Makes every dead row pending and due now. */
int
store_outbox_requeue_dead(struct store *st, int64_t now_ms, int64_t *n)
{
	sqlite3_stmt *s;

	if (txn_dead(st))
		return -1;
	if ((s = stmt_get(st, S_OUTBOX_REQUEUE_DEAD)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, now_ms);
	if (stmt_done(st, s, "requeueing dead outbox rows", -1) == -1)
		return -1;
	if (n != NULL)
		*n = sqlite3_changes64(st->db);
	return 0;
}

/* Deletes every dead row. */
int
store_outbox_purge_dead(struct store *st, int64_t *n)
{
	sqlite3_stmt *s;

	if (txn_dead(st))
		return -1;
	if ((s = stmt_get(st, S_OUTBOX_PURGE_DEAD)) == NULL)
		return -1;
	if (stmt_done(st, s, "purging dead outbox rows", -1) == -1)
		return -1;
	if (n != NULL)
		*n = sqlite3_changes64(st->db);
	return 0;
}

/* Counts pending and dead rows. */
int
store_outbox_count(struct store *st, const char *sink, int64_t *pending, int64_t *dead)
{
	sqlite3_stmt *s;

	if (txn_dead(st))
		return -1;
	if (pending != NULL) {
		if ((s = stmt_get(st, sink ? S_OUTBOX_PENDING_SINK : S_OUTBOX_PENDING_ALL)) == NULL)
			return -1;
		if (sink != NULL)
			bind_text(s, 1, sink);
		if (stmt_count(st, s, "counting pending outbox rows", pending) == -1)
			return -1;
	}
	if (dead != NULL) {
		if ((s = stmt_get(st, sink ? S_OUTBOX_DEAD_SINK : S_OUTBOX_DEAD_ALL)) == NULL)
			return -1;
		if (sink != NULL)
			bind_text(s, 1, sink);
		if (stmt_count(st, s, "counting dead outbox rows", dead) == -1)
			return -1;
	}
	return 0;
}

/* Prunes old items (to tombstones), tombstones, ledger rows and links, within a budget. */
int
store_prune(struct store *st, int64_t now_ms, const struct store_retention *r, size_t budget,
    struct store_prune_stats *stats)
{
	struct store_retention ret = { 0 };
	bool own;
	int rc;

	memset(stats, 0, sizeof(*stats));
	if (r != NULL)
		ret = *r;
	if (ret.items_ms <= 0)
		ret.items_ms = 30 * STORE_DAY_MS;
	if (ret.tombstones_ms <= 0)
		ret.tombstones_ms = 400 * STORE_DAY_MS;
	if (ret.ledger_ms <= 0)
		ret.ledger_ms = 400 * STORE_DAY_MS;
	if (budget == 0)
		budget = PRUNE_BUDGET_DEFAULT;
	if (op_begin(st, STORE_SYNC_LAZY, &own) == -1)
		return -1;
	rc = prune_rows(st, S_PRUNE_ITEMS, now_ms - ret.items_ms, now_ms, budget, &stats->items);
	if (rc == 0)
		rc = prune_rows(st, S_PRUNE_TOMBS, now_ms - ret.tombstones_ms, now_ms, budget,
		    &stats->tombstones);
	if (rc == 0)
		rc = prune_rows(st, S_PRUNE_ALERTS, now_ms - ret.ledger_ms, now_ms, budget,
		    &stats->alerts);
	if (rc == 0)
		rc = prune_rows(st, S_PRUNE_LINKS, now_ms - ret.ledger_ms, now_ms, budget,
		    &stats->links);
	stats->more = stats->items >= (int64_t)budget || stats->tombstones >= (int64_t)budget
	    || stats->alerts >= (int64_t)budget || stats->links >= (int64_t)budget;
	return op_end(st, own, rc);
}

/* One kind of pruning: select up to budget victims older than cut (by primary key),
 * then delete each by its key, an item leaving its tombstone. Selecting first keeps
 * the deletes off a running SELECT of the same table. */
static int
prune_rows(struct store *st, enum stmt_id select, int64_t cut, int64_t now_ms, size_t budget,
    int64_t *count)
{
	struct victim { int64_t id; char *a, *b; } *v = xcalloc(budget, sizeof(*v));
	enum stmt_id del = select == S_PRUNE_ITEMS ? S_ITEM_DELETE
	    : select == S_PRUNE_TOMBS ? S_TOMB_DELETE
	    : select == S_PRUNE_ALERTS ? S_ALERT_DELETE : S_LINK_DELETE;
	size_t n = 0;
	sqlite3_stmt *s;
	int rc = SQLITE_DONE, ret = -1;

	if ((s = stmt_get(st, select)) == NULL)
		goto out;
	sqlite3_bind_int64(s, 1, cut);
	sqlite3_bind_int64(s, 2, (int64_t)budget);
	while (n < budget && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		/* Columns: items (feed_id, key), tombstones (feed_id, key_hash), alerts
		 * (feed_id, item_key, watchlist), links (watchlist, link). */
		if (select == S_PRUNE_LINKS) {
			v[n].a = col_strdup(s, 0);
			v[n].b = col_strdup(s, 1);
		} else {
			v[n].id = sqlite3_column_int64(s, 0);
			if (select == S_PRUNE_TOMBS)
				v[n].a = xasprintf("%lld", sqlite3_column_int64(s, 1));
			else
				v[n].a = col_strdup(s, 1);
			if (select == S_PRUNE_ALERTS)
				v[n].b = col_strdup(s, 2);
		}
		n++;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		fail_db(st, rc, "selecting rows to prune");
		sqlite3_reset(s);
		goto out;
	}
	sqlite3_reset(s);
	for (size_t i = 0; i < n; i++) {
		const char *a = v[i].a ? v[i].a : "";
		if (select == S_PRUNE_ITEMS) {
			if ((s = stmt_get(st, S_TOMB_PUT)) == NULL)
				goto out;
			sqlite3_bind_int64(s, 1, v[i].id);
			sqlite3_bind_int64(s, 2, (int64_t)store_hash64(a, strlen(a)));
			sqlite3_bind_int64(s, 3, now_ms);
			if (stmt_done(st, s, "adding a tombstone in feed", v[i].id) == -1)
				goto out;
		}
		if ((s = stmt_get(st, del)) == NULL)
			goto out;
		if (select == S_PRUNE_LINKS) {
			bind_text(s, 1, a);
			bind_text(s, 2, v[i].b);
		} else {
			sqlite3_bind_int64(s, 1, v[i].id);
			if (select == S_PRUNE_TOMBS)
				sqlite3_bind_int64(s, 2, strtoll(a, NULL, 10));
			else
				bind_text(s, 2, a);
			if (select == S_PRUNE_ALERTS)
				bind_text(s, 3, v[i].b);
		}
		if (stmt_done(st, s, "pruning", -1) == -1)
			goto out;
	}
	*count = (int64_t)n;
	ret = 0;
out:
	for (size_t i = 0; i < n; i++) {
		free(v[i].a);
		free(v[i].b);
	}
	free(v);
	return ret;
}
