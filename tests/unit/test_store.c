/* test_store.c — the state store on real SQLite files in temporary directories: pragmas
 * (ST-01), reopen and migrations (ST-11), damaged files refused untouched (ST-07), item
 * states, the alert ledger and canonical links, rollback, the outbox (ST-12: 100,000
 * rows streamed), pruning with tombstones, a second process holding the lock (ST-06), a
 * file-size limit (ST-04), crash points, and, through a VFS shim that counts and fails
 * fsyncs of the WAL, the three sync modes and a failing fsync (ST-05).
 *
 * The binary has two more modes for tests/t_store_crash.sh (ST-02/ST-10 at store level):
 *   test_store --crash-worker DIR   fetch transactions, deliveries and pruning until killed
 *   test_store --crash-verify DIR   reopen, integrity_check, and check that no seen item
 *                                   lacks its ledger row and its outbox rows/deliveries */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store.h"
#include "util.h"

#define T0	INT64_C(1700000000000)	/* a fixed "now" in Unix ms */
#define HOUR	(3600 * INT64_C(1000))
#define DAY	STORE_DAY_MS

struct fixture {
	char dir[256];		/* the temporary directory; the state dir is dir/state */
	char state[300];
	char db[320];
};

static int rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw);
static int fx_setup(void **state);
static int fx_teardown(void **state);
static struct store *open_store(const char *dir, int busy_ms);
static char *pragma(struct store *st, const char *name);
static sqlite3 *raw_open(const char *path);
static char *raw_text(const char *path, const char *sql);
static int64_t raw_int(const char *path, const char *sql);
static char *read_file(const char *path, size_t *len);
static off_t file_size(const char *path);
static int64_t feed_id(struct store *st, const char *name);
static enum store_item_state check_item(struct store *st, int64_t feed, const char *key,
    uint64_t hash, int64_t now);
static enum store_claim claim(struct store *st, int64_t feed, const char *key,
    const char *link, const char *wl, bool record_only, int64_t now);
static int64_t pending_count(struct store *st);
static void make_big_db(const char *dir, int rows);
static void expect_refused_untouched(const char *dir, const char *db, const char *want);
static int wait_child(pid_t pid);
static int64_t now_ms(void);
static int crash_worker(const char *dir);
static int crash_verify(const char *dir);
static int fetch_txn(struct store *st, int64_t f, enum store_sync sync, const char *key);
static void shim_install(void);
static void shim_remove(void);
static sqlite3_vfs *shim_orig;

static int
rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb; (void)flag; (void)ftw;
	return remove(path);
}

static int
fx_setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof(*fx));
	const char *tmp = getenv("TMPDIR");

	snprintf(fx->dir, sizeof fx->dir, "%s/test_store.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(fx->dir) == NULL) {
		free(fx);
		return -1;
	}
	snprintf(fx->state, sizeof fx->state, "%s/state", fx->dir);
	snprintf(fx->db, sizeof fx->db, "%s/%s", fx->state, STORE_DB_NAME);
	*state = fx;
	return 0;
}

static int
fx_teardown(void **state)
{
	struct fixture *fx = *state;

	shim_remove();	/* a failed test may have left it installed */
	nftw(fx->dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

static struct store *
open_store(const char *dir, int busy_ms)
{
	struct store_options o = { .busy_timeout_ms = busy_ms };
	char err[600];
	struct store *st = store_open(dir, &o, err, sizeof err);

	if (st == NULL)
		fail_msg("store_open(%s): %s", dir, err);
	return st;
}

/* A PRAGMA read on the store's own connection; the caller frees. */
static char *
pragma(struct store *st, const char *name)
{
	char out[256];

	assert_int_equal(store_pragma(st, name, out, sizeof out), 0);
	return xstrdup(out);
}

/* A second connection for assertions; it never deletes the -wal file either. */
static sqlite3 *
raw_open(const char *path)
{
	sqlite3 *db = NULL;
	int persist = 1;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	sqlite3_file_control(db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
	sqlite3_busy_timeout(db, 5000);
	return db;
}

static char *
raw_text(const char *path, const char *sql)
{
	sqlite3 *db = raw_open(path);
	sqlite3_stmt *s = NULL;
	char *out = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0) != NULL)
		out = xstrdup((const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	sqlite3_close(db);
	return out ? out : xstrdup("(null)");
}

static int64_t
raw_int(const char *path, const char *sql)
{
	char *t = raw_text(path, sql);
	int64_t v = strtoll(t, NULL, 10);

	free(t);
	return v;
}

static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	data = xmalloc((size_t)n + 1);
	assert_int_equal(fread(data, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return data;
}

static off_t
file_size(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? sb.st_size : -1;
}

static int64_t
feed_id(struct store *st, const char *name)
{
	struct store_feed f;
	char *url = xasprintf("http://127.0.0.1/%s.xml", name);
	int64_t id;

	assert_int_equal(store_feed_get(st, name, url, T0, &f), 0);
	id = f.id;
	store_feed_free(&f);
	free(url);
	return id;
}

static enum store_item_state
check_item(struct store *st, int64_t feed, const char *key, uint64_t hash, int64_t now)
{
	enum store_item_state s = (enum store_item_state)-1;

	if (store_item_check(st, feed, key, hash, now, &s) != 0)
		fail_msg("store_item_check(%s): %s", key, store_error(st));
	return s;
}

static enum store_claim
claim(struct store *st, int64_t feed, const char *key, const char *link, const char *wl,
    bool record_only, int64_t now)
{
	char id[200];
	struct store_alert a = { .feed_id = feed, .item_key = key, .canon_link = link,
		.watchlist = wl, .alert_id = id, .record_only = record_only };
	enum store_claim r = (enum store_claim)-1;

	snprintf(id, sizeof id, "fw_%" PRId64 "_%s_%s", feed, key, wl);
	if (store_alert_claim(st, &a, now, &r) != 0)
		fail_msg("store_alert_claim(%s, %s): %s", key, wl, store_error(st));
	return r;
}

static int64_t
pending_count(struct store *st)
{
	int64_t n = -1;

	assert_int_equal(store_outbox_count(st, NULL, &n, NULL), 0);
	return n;
}

/* A database of several hundred pages, closed (checkpointed into the main file). */
static void
make_big_db(const char *dir, int rows)
{
	struct store *st = open_store(dir, 0);
	char payload[220];

	memset(payload, 'p', sizeof payload - 1);
	payload[sizeof payload - 1] = '\0';
	assert_int_equal(store_begin(st, STORE_SYNC_FULL), 0);
	for (int i = 0; i < rows; i++) {
		char aid[32];
		snprintf(aid, sizeof aid, "fw_%d", i);
		assert_int_equal(store_outbox_add(st, aid, "log", payload, T0 + i, T0, NULL), 0);
	}
	assert_int_equal(store_commit(st), 0);
	store_close(st);
}

static void
expect_refused_untouched(const char *dir, const char *db, const char *want)
{
	size_t len0, len1;
	char *before = read_file(db, &len0), *after;
	char err[600] = "";
	struct store *st = store_open(dir, NULL, err, sizeof err);

	assert_null(st);
	print_message("# %s\n", err);
	if (strstr(err, want) == NULL || strstr(err, db) == NULL
	    || strstr(err, "not modified") == NULL)
		fail_msg("unexpected error: %s", err);
	assert_null(strchr(err, '\n'));
	after = read_file(db, &len1);
	assert_int_equal(len0, len1);
	assert_memory_equal(before, after, len0);
	free(before);
	free(after);
}

static int
wait_child(pid_t pid)
{
	int status = 0;

	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	return status;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------------ open, migrate */

/* ST-01: a fresh start creates the directory and uses WAL, FULL, foreign keys. */
static void
test_open_fresh(void **state)
{
	struct fixture *fx = *state;
	char *nested = xasprintf("%s/a/b/state", fx->dir);
	struct store *st = open_store(nested, 0);
	struct stat sb;
	char *v;

	assert_int_equal(stat(nested, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0750);
	v = pragma(st, "journal_mode"); assert_string_equal(v, "wal"); free(v);
	v = pragma(st, "synchronous"); assert_string_equal(v, "2"); free(v);	/* FULL */
	v = pragma(st, "foreign_keys"); assert_string_equal(v, "1"); free(v);
	v = pragma(st, "busy_timeout"); assert_string_equal(v, "5000"); free(v);
	v = pragma(st, "user_version"); assert_int_equal(atoi(v), STORE_SCHEMA_VERSION); free(v);
	v = pragma(st, "integrity_check"); assert_string_equal(v, "ok"); free(v);
	assert_int_equal(store_pragma(st, "x; DROP TABLE feeds", (char[8]){ 0 }, 8), -1);
	assert_non_null(strstr(store_path(st), nested));
	store_close(st);
	free(nested);
}

/* Data survives a close and reopen; the -wal file is kept, not deleted (ST-10). */
static void
test_reopen_integrity(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_store(fx->state, 0);
	int64_t f = feed_id(st, "yonhap"), g;
	char *wal = xasprintf("%s-wal", fx->db), *v;

	assert_int_equal(check_item(st, f, "guid-1", 42, T0), STORE_ITEM_NEW);
	assert_int_equal(store_outbox_add(st, "fw_1", "log", "{}", T0, T0, NULL), 0);
	store_close(st);
	assert_true(access(wal, F_OK) == 0);

	st = open_store(fx->state, 0);
	g = feed_id(st, "yonhap");
	assert_int_equal(g, f);
	assert_int_equal(check_item(st, f, "guid-1", 42, T0), STORE_ITEM_UNCHANGED);
	assert_int_equal(pending_count(st), 1);
	v = pragma(st, "integrity_check"); assert_string_equal(v, "ok"); free(v);
	store_close(st);
	v = raw_text(fx->db, "PRAGMA integrity_check");
	assert_string_equal(v, "ok");
	free(v);
	free(wal);
}

/* Opening a current database again changes nothing (migrations are idempotent). */
static void
test_migration_idempotent(void **state)
{
	struct fixture *fx = *state;
	const char *q = "SELECT group_concat(type || ' ' || name || ' ' || ifnull(sql, ''), '|')"
	    " FROM (SELECT * FROM sqlite_master ORDER BY name)";
	char *s1, *s2;

	store_close(open_store(fx->state, 0));
	s1 = raw_text(fx->db, q);
	assert_int_equal(raw_int(fx->db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	store_close(open_store(fx->state, 0));
	store_close(open_store(fx->state, 0));
	s2 = raw_text(fx->db, q);
	assert_string_equal(s1, s2);
	assert_non_null(strstr(s1, "table tombstones"));
	assert_int_equal(raw_int(fx->db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	free(s1);
	free(s2);
}

/* A version-1 database (as an older feedwatchd left it) is upgraded, its data kept. */
static void
test_migration_from_v1(void **state)
{
	struct fixture *fx = *state;
	struct store_options o = { .schema_max = 1 };
	char err[600];
	struct store *st = store_open(fx->state, &o, err, sizeof err);
	int64_t f, g;

	assert_non_null(st);
	f = feed_id(st, "old");
	assert_int_equal(store_outbox_add(st, "fw_old", "log", "{\"x\":1}", T0, T0, NULL), 0);
	store_close(st);
	assert_int_equal(raw_int(fx->db, "PRAGMA user_version"), 1);
	assert_int_equal(raw_int(fx->db, "SELECT count(*) FROM sqlite_master WHERE"
	    " name = 'tombstones'"), 0);

	st = open_store(fx->state, 0);
	g = feed_id(st, "old");
	assert_int_equal(f, g);
	assert_int_equal(pending_count(st), 1);
	assert_int_equal(check_item(st, f, "a", 1, T0), STORE_ITEM_NEW);	/* uses tombstones */
	store_close(st);
	assert_int_equal(raw_int(fx->db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	assert_int_equal(raw_int(fx->db, "SELECT count(*) FROM sqlite_master WHERE"
	    " name = 'tombstones'"), 1);
}

/* A database from a newer feedwatchd is refused and left as it is. */
static void
test_newer_version_refused(void **state)
{
	struct fixture *fx = *state;
	sqlite3 *db;

	store_close(open_store(fx->state, 0));
	db = raw_open(fx->db);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	expect_refused_untouched(fx->state, fx->db, "newer");
}

/* ST-11: a crash in the middle of a migration; the next start completes it. */
static void
test_mid_migration_crash(void **state)
{
	struct fixture *fx = *state;
	struct store *st;
	pid_t pid;
	int status;
	char *v;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char err[600];
		setenv("FEEDWATCHD_CRASH", "mid-migration", 1);
		store_open(fx->state, NULL, err, sizeof err);
		_exit(0);	/* not reached: the crash point aborts */
	}
	status = wait_child(pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	/* Step 1 committed, step 2 rolled back with the crash. */
	assert_int_equal(raw_int(fx->db, "PRAGMA user_version"), 1);
	assert_int_equal(raw_int(fx->db, "SELECT count(*) FROM sqlite_master WHERE"
	    " name = 'tombstones'"), 0);

	st = open_store(fx->state, 0);
	v = pragma(st, "user_version"); assert_int_equal(atoi(v), STORE_SCHEMA_VERSION); free(v);
	v = pragma(st, "integrity_check"); assert_string_equal(v, "ok"); free(v);
	assert_int_equal(check_item(st, feed_id(st, "f"), "k", 1, T0), STORE_ITEM_NEW);
	store_close(st);
}

/* ST-07: a file that is not a database is refused with one clear line, untouched. */
static void
test_garbage_refused(void **state)
{
	struct fixture *fx = *state;
	FILE *f;

	assert_int_equal(mkdir(fx->state, 0750), 0);
	f = fopen(fx->db, "wb");
	assert_non_null(f);
	srand(7);
	for (int i = 0; i < 65536; i++)
		fputc(rand() & 0xff, f);
	fclose(f);
	expect_refused_untouched(fx->state, fx->db, "damaged");
}

/* ST-07: a database truncated in the middle is refused, untouched. */
static void
test_truncated_refused(void **state)
{
	struct fixture *fx = *state;

	make_big_db(fx->state, 3000);
	assert_true(file_size(fx->db) > 200000);
	assert_int_equal(truncate(fx->db, file_size(fx->db) / 2), 0);
	expect_refused_untouched(fx->state, fx->db, "damaged");
}

/* ST-07: a database overwritten in the middle is refused, untouched. */
static void
test_overwritten_refused(void **state)
{
	struct fixture *fx = *state;
	char junk[8192];
	int fd;

	make_big_db(fx->state, 3000);
	memset(junk, 0x5a, sizeof junk);
	fd = open(fx->db, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, junk, sizeof junk, file_size(fx->db) / 2 / 4096 * 4096),
	    (ssize_t)sizeof junk);
	close(fd);
	expect_refused_untouched(fx->state, fx->db, "damaged");
}

/* ST-07 with a crash's -wal file beside the damaged database: refused, and neither
 * file is touched (no recovery checkpoint into the damaged file). */
static void
test_damaged_with_wal_untouched(void **state)
{
	struct fixture *fx = *state;
	char *wal = xasprintf("%s-wal", fx->db), *w0, *w1, junk[8192];
	size_t l0, l1;
	pid_t pid;
	int fd;

	make_big_db(fx->state, 3000);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {	/* commit more, then die without closing: frames stay in the WAL */
		char err[600];
		struct store *st = store_open(fx->state, NULL, err, sizeof err);
		if (st == NULL || store_begin(st, STORE_SYNC_FULL) == -1)
			_exit(1);
		for (int i = 0; i < 1000; i++)
			if (store_outbox_add(st, "late", "log", "{\"late\":true}", T0, T0, NULL) == -1)
				_exit(2);
		_exit(store_commit(st) == 0 ? 0 : 3);
	}
	{
		int status = wait_child(pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	assert_true(file_size(wal) > 0);
	memset(junk, 0x5a, sizeof junk);
	fd = open(fx->db, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, junk, sizeof junk, file_size(fx->db) / 3 / 4096 * 4096),
	    (ssize_t)sizeof junk);
	close(fd);
	w0 = read_file(wal, &l0);
	expect_refused_untouched(fx->state, fx->db, "damaged");
	w1 = read_file(wal, &l1);
	assert_int_equal(l0, l1);
	assert_memory_equal(w0, w1, l0);
	free(w0);
	free(w1);
	free(wal);
}

/* ------------------------------------------------------------------ feeds */

static void
test_feeds(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_store(fx->state, 0);
	struct store_feed f, g;
	const char *etag = "W/\"abc\xff\x01 def\"";

	assert_int_equal(store_feed_get(st, "nk", "http://a.example/nk.xml", T0, &f), 0);
	assert_true(f.created);
	assert_false(f.url_reset);
	assert_true(f.id > 0);
	assert_string_equal(f.name, "nk");
	assert_string_equal(f.url, "http://a.example/nk.xml");
	assert_null(f.etag);
	assert_int_equal(f.next_poll_ms, 0);
	assert_false(f.fetched_once);

	store_setstr(&f.url, "http://b.example/moved.xml");	/* a 301 */
	store_setstr(&f.etag, etag);
	store_setstr(&f.last_modified, "Tue, 15 Nov 1994 12:45:26 GMT");
	store_setstr(&f.last_error, "HTTP 500");
	store_setstr(&f.disabled_reason, "410 Gone");
	f.next_poll_ms = T0 + 300000;
	f.failures = 3;
	f.last_status = 500;
	f.disabled = true;
	f.fetched_once = true;
	f.last_success_ms = T0 - 1000;
	assert_int_equal(store_feed_save(st, &f), 0);
	store_close(st);

	st = open_store(fx->state, 0);
	assert_int_equal(store_feed_get(st, "nk", "http://a.example/nk.xml", T0, &g), 0);
	assert_false(g.created);
	assert_false(g.url_reset);
	assert_int_equal(g.id, f.id);
	assert_string_equal(g.config_url, "http://a.example/nk.xml");
	assert_string_equal(g.url, "http://b.example/moved.xml");
	assert_string_equal(g.etag, etag);	/* byte for byte */
	assert_string_equal(g.last_modified, f.last_modified);
	assert_string_equal(g.last_error, "HTTP 500");
	assert_string_equal(g.disabled_reason, "410 Gone");
	assert_int_equal(g.next_poll_ms, T0 + 300000);
	assert_int_equal(g.failures, 3);
	assert_int_equal(g.last_status, 500);
	assert_true(g.disabled);
	assert_true(g.fetched_once);
	assert_int_equal(g.last_success_ms, T0 - 1000);
	store_feed_free(&g);

	/* The configured URL changes: fetch state starts over; seen items stay seen. */
	assert_int_equal(check_item(st, f.id, "seen-before", 5, T0), STORE_ITEM_NEW);
	assert_int_equal(store_feed_get(st, "nk", "http://c.example/new.xml", T0, &g), 0);
	assert_true(g.url_reset);
	assert_int_equal(g.id, f.id);
	assert_string_equal(g.url, "http://c.example/new.xml");
	assert_string_equal(g.config_url, "http://c.example/new.xml");
	assert_null(g.etag);
	assert_null(g.last_modified);
	assert_false(g.disabled);
	assert_false(g.fetched_once);
	assert_int_equal(g.failures, 0);
	assert_int_equal(g.next_poll_ms, 0);
	assert_int_equal(g.last_success_ms, T0 - 1000);
	store_feed_free(&g);
	assert_int_equal(store_feed_get(st, "nk", "http://c.example/new.xml", T0, &g), 0);
	assert_false(g.url_reset);
	assert_null(g.etag);
	assert_int_equal(check_item(st, g.id, "seen-before", 5, T0), STORE_ITEM_UNCHANGED);

	/* Saving a feed that does not exist is an error, not a silent no-op. */
	g.id = 99999;
	assert_int_equal(store_feed_save(st, &g), -1);
	assert_non_null(strstr(store_error(st), "no such feed"));
	store_feed_free(&g);
	store_feed_free(&f);
	store_close(st);
}

/* Batching feed saves in one lazy transaction (the 304 path). */
static void
test_feed_batch_lazy(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_store(fx->state, 0);
	struct store_feed f[20];
	char name[16], *v;

	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof name, "f%d", i);
		assert_int_equal(store_feed_get(st, name, "http://127.0.0.1/x", T0, &f[i]), 0);
	}
	assert_int_equal(store_begin(st, STORE_SYNC_LAZY), 0);
	v = pragma(st, "synchronous"); assert_string_equal(v, "1"); free(v);	/* NORMAL */
	for (int i = 0; i < 20; i++) {
		f[i].next_poll_ms = T0 + i;
		f[i].last_status = 304;
		assert_int_equal(store_feed_save(st, &f[i]), 0);
	}
	assert_int_equal(store_commit(st), 0);
	v = pragma(st, "synchronous"); assert_string_equal(v, "2"); free(v);	/* FULL again */
	store_close(st);
	st = open_store(fx->state, 0);
	for (int i = 0; i < 20; i++) {
		struct store_feed g;
		snprintf(name, sizeof name, "f%d", i);
		assert_int_equal(store_feed_get(st, name, "http://127.0.0.1/x", T0, &g), 0);
		assert_int_equal(g.next_poll_ms, T0 + i);
		assert_int_equal(g.last_status, 304);
		store_feed_free(&g);
		store_feed_free(&f[i]);
	}
	store_close(st);
}

/* ------------------------------------------------------------------ items, ledger */

static void
test_item_states(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_store(fx->state, 0);
	int64_t a = feed_id(st, "a"), b = feed_id(st, "b");
	char *long1 = xmalloc(2001), *long2 = xmalloc(2001), *sql;

	assert_int_equal(check_item(st, a, "k1", 100, T0), STORE_ITEM_NEW);
	assert_int_equal(check_item(st, a, "k1", 100, T0 + 1), STORE_ITEM_UNCHANGED);
	assert_int_equal(check_item(st, a, "k1", 101, T0 + 2), STORE_ITEM_CHANGED);
	assert_int_equal(check_item(st, a, "k1", 101, T0 + 3), STORE_ITEM_UNCHANGED);
	assert_int_equal(check_item(st, a, "k1", UINT64_MAX, T0 + 4), STORE_ITEM_CHANGED);
	assert_int_equal(check_item(st, a, "k1", UINT64_MAX, T0 + 5), STORE_ITEM_UNCHANGED);
	assert_int_equal(check_item(st, b, "k1", 100, T0), STORE_ITEM_NEW);	/* per feed */
	assert_int_equal(check_item(st, a, "K1", 100, T0), STORE_ITEM_NEW);	/* exact keys */

	/* Keys past STORE_KEY_MAX are stored hashed: still exact, rows stay small. */
	memset(long1, 'x', 2000); long1[2000] = '\0';
	memcpy(long2, long1, 2001); long2[1999] = 'y';
	assert_int_equal(check_item(st, a, long1, 1, T0), STORE_ITEM_NEW);
	assert_int_equal(check_item(st, a, long1, 1, T0), STORE_ITEM_UNCHANGED);
	assert_int_equal(check_item(st, a, long2, 1, T0), STORE_ITEM_NEW);
	assert_int_equal(store_hash64("abc", 3), store_hash64("abc", 3));
	assert_true(store_hash64("abc", 3) != store_hash64("abd", 3));
	store_close(st);
	assert_int_equal(raw_int(fx->db, "SELECT max(length(key)) FROM items"), 71);

	/* last_seen of an unchanged item is rewritten only every 12 hours. */
	st = open_store(fx->state, 0);
	assert_int_equal(check_item(st, a, "k1", UINT64_MAX, T0 + 11 * HOUR), STORE_ITEM_UNCHANGED);
	store_close(st);
	sql = xasprintf("SELECT last_seen FROM items WHERE feed_id = %" PRId64 " AND key = 'k1'", a);
	assert_int_equal(raw_int(fx->db, sql), T0 + 4);
	st = open_store(fx->state, 0);
	assert_int_equal(check_item(st, a, "k1", UINT64_MAX, T0 + 13 * HOUR), STORE_ITEM_UNCHANGED);
	store_close(st);
	assert_int_equal(raw_int(fx->db, sql), T0 + 13 * HOUR);
	free(sql);
	free(long1);
	free(long2);
}

/* A fetch in which every item is unchanged writes nothing: the WAL does not grow. */
static void
test_unchanged_fetch_writes_nothing(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_store(fx->state, 0);
	int64_t f = feed_id(st, "f");
	char *wal = xasprintf("%s-wal", fx->db), key[16];
	off_t before;
	int64_t changes;

	assert_int_equal(store_begin(st, STORE_SYNC_FULL), 0);
	for (int i = 0; i < 50; i++) {
		snprintf(key, sizeof key, "k%d", i);
		assert_int_equal(check_item(st, f, key, (uint64_t)i, T0), STORE_ITEM_NEW);
	}
	assert_int_equal(store_commit(st), 0);
	before = file_size(wal);
	changes = raw_int(fx->db, "SELECT count(*) FROM items");
	assert_int_equal(changes, 50);
	assert_int_equal(store_begin(st, STORE_SYNC_FULL), 0);
	for (int i = 0; i < 50; i++) {
		snprintf(key, sizeof key, "k%d", i);
		assert_int_equal(check_item(st, f, key, (uint64_t)i, T0 + HOUR), STORE_ITEM_UNCHANGED);
	}
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(file_size(wal), before);
	store_close(st);
	free(wal);
}

/* At most one alert per (item, watchlist), across restarts. */
static void
test_alert_ledger_once(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_store(fx->state, 0);
	int64_t f = feed_id(st, "f"), n = -1;

	assert_int_equal(claim(st, f, "k", NULL, "w1", false, T0), STORE_CLAIM_NEW);
	assert_int_equal(claim(st, f, "k", NULL, "w1", false, T0), STORE_CLAIM_SEEN_ITEM);
	assert_int_equal(claim(st, f, "k", NULL, "w2", false, T0), STORE_CLAIM_NEW);
	assert_int_equal(claim(st, f, "k2", NULL, "w1", false, T0), STORE_CLAIM_NEW);
	store_close(st);
	st = open_store(fx->state, 0);
	assert_int_equal(claim(st, f, "k", NULL, "w1", false, T0 + DAY), STORE_CLAIM_SEEN_ITEM);
	assert_int_equal(claim(st, f, "k", NULL, "w2", false, T0 + DAY), STORE_CLAIM_SEEN_ITEM);
	assert_int_equal(store_alerts_since(st, T0, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(store_alerts_since(st, T0 + 1, &n), 0);
	assert_int_equal(n, 0);
	store_close(st);
}

/* The same canonical link in two feeds alerts once per watchlist; record_only records
 * the item (a later edit stays quiet) but claims no link. */
static void
test_canon_link_once(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_store(fx->state, 0);
	int64_t a = feed_id(st, "a"), b = feed_id(st, "b"), c = feed_id(st, "c"), n = -1;
	const char *L = "https://news.example/2024/story";

	assert_int_equal(claim(st, a, "a-1", L, "w1", false, T0), STORE_CLAIM_NEW);
	assert_int_equal(claim(st, b, "b-9", L, "w1", false, T0), STORE_CLAIM_SEEN_LINK);
	assert_int_equal(claim(st, b, "b-9", L, "w1", false, T0), STORE_CLAIM_SEEN_ITEM);
	assert_int_equal(claim(st, b, "b-9", L, "w2", false, T0), STORE_CLAIM_NEW);
	assert_int_equal(claim(st, c, "c-1", NULL, "w1", false, T0), STORE_CLAIM_NEW);

	/* First-fetch backlog: recorded, not sent, and the link stays free. */
	assert_int_equal(claim(st, c, "c-2", "https://x.example/m", "w3", true, T0),
	    STORE_CLAIM_NEW);
	assert_int_equal(claim(st, c, "c-2", "https://x.example/m", "w3", false, T0),
	    STORE_CLAIM_SEEN_ITEM);
	assert_int_equal(claim(st, a, "a-7", "https://x.example/m", "w3", false, T0),
	    STORE_CLAIM_NEW);
	assert_int_equal(store_alerts_since(st, 0, &n), 0);
	assert_int_equal(n, 4);	/* a-1/w1, b-9/w2, c-1/w1, a-7/w3 */
	store_close(st);
}

/* An abandoned fetch marks nothing seen; a failed step kills the transaction. */
static void
test_rollback_nothing_seen(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_store(fx->state, 0);
	int64_t f = feed_id(st, "f");
	enum store_item_state is;

	assert_int_equal(store_begin(st, STORE_SYNC_FULL), 0);
	assert_true(store_in_transaction(st));
	assert_int_equal(check_item(st, f, "k1", 1, T0), STORE_ITEM_NEW);
	assert_int_equal(claim(st, f, "k1", "L1", "w1", false, T0), STORE_CLAIM_NEW);
	assert_int_equal(store_outbox_add(st, "fw_k1", "log", "{}", T0, T0, NULL), 0);
	store_rollback(st);
	assert_false(store_in_transaction(st));
	assert_int_equal(pending_count(st), 0);

	/* A failing step: every later call fails with the first error; commit rolls back. */
	assert_int_equal(store_begin(st, STORE_SYNC_FULL), 0);
	assert_int_equal(check_item(st, f, "k1", 1, T0), STORE_ITEM_NEW);
	assert_int_equal(store_outbox_add(st, "fw_k1", "log", "{}", T0, T0, NULL), 0);
	assert_int_equal(store_item_check(st, 424242, "k2", 1, T0, &is), -1);	/* no such feed */
	assert_non_null(strstr(store_error(st), "FOREIGN KEY"));
	assert_non_null(strstr(store_error(st), "424242"));
	assert_int_equal(store_error_kind(st), STORE_ERR_OTHER);
	assert_int_equal(store_outbox_add(st, "fw_k3", "log", "{}", T0, T0, NULL), -1);
	assert_non_null(strstr(store_error(st), "424242"));	/* still the first error */
	assert_int_equal(store_commit(st), -1);
	assert_false(store_in_transaction(st));
	assert_int_equal(pending_count(st), 0);

	/* Nothing of either transaction was kept. */
	assert_int_equal(check_item(st, f, "k1", 1, T0), STORE_ITEM_NEW);
	assert_int_equal(claim(st, f, "k1", "L1", "w1", false, T0), STORE_CLAIM_NEW);

	/* Misuse is an error, not a crash. */
	assert_int_equal(store_commit(st), -1);
	store_rollback(st);
	assert_int_equal(store_begin(st, STORE_SYNC_FULL), 0);
	assert_int_equal(store_begin(st, STORE_SYNC_FULL), -1);
	store_rollback(st);
	store_close(st);
}

/* ------------------------------------------------------------------ outbox */

struct list_acc {
	int n;
	int64_t ids[16];
	int states[16];
};

static int
list_cb(const struct store_outbox_row *r, void *arg)
{
	struct list_acc *acc = arg;

	if (acc->n < 16) {
		acc->ids[acc->n] = r->id;
		acc->states[acc->n] = r->state;
	}
	acc->n++;
	return 0;
}

static void
test_outbox_order_states(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_store(fx->state, 0);
	struct store_outbox_cursor cur = { 0 };
	struct store_outbox_row *rows;
	struct list_acc acc = { 0 };
	int64_t id[6], p, d;
	size_t n;
	bool found;

	assert_int_equal(store_outbox_add(st, "A1", "log", "p300", T0 + 300, T0, &id[0]), 0);
	assert_int_equal(store_outbox_add(st, "A2", "log", "p100", T0 + 100, T0, &id[1]), 0);
	assert_int_equal(store_outbox_add(st, "A3", "log", "p200", T0 + 200, T0, &id[2]), 0);
	assert_int_equal(store_outbox_add(st, "A4", "log", "p100b", T0 + 100, T0, &id[3]), 0);
	assert_int_equal(store_outbox_add(st, "A5", "syslog", "s", T0, T0, &id[4]), 0);
	assert_true(id[0] < id[1] && id[1] < id[2] && id[2] < id[3]);

	/* Due order, then id order; not-yet-due and other sinks' rows left out. */
	assert_int_equal(store_outbox_next_due(st, "log", T0 + 250, 2, &cur, &rows, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(rows[0].id, id[1]);
	assert_int_equal(rows[1].id, id[3]);
	assert_string_equal(rows[0].payload, "p100");
	assert_string_equal(rows[0].alert_id, "A2");
	assert_string_equal(rows[0].sink, "log");
	assert_int_equal(rows[0].created_ms, T0);
	assert_int_equal(rows[0].since_ms, T0);
	assert_int_equal(rows[0].attempts, 0);
	assert_null(rows[0].last_error);
	assert_int_equal(rows[0].state, STORE_OUTBOX_PENDING);
	store_outbox_rows_free(rows, n);
	assert_int_equal(store_outbox_next_due(st, "log", T0 + 250, 2, &cur, &rows, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].id, id[2]);
	store_outbox_rows_free(rows, n);
	assert_int_equal(store_outbox_next_due(st, "log", T0 + 250, 2, &cur, &rows, &n), 0);
	assert_int_equal(n, 0);
	assert_null(rows);

	/* Retry moves a row later; dead takes it out; delivered deletes it. */
	assert_int_equal(store_outbox_retry(st, id[1], T0 + 1000, "HTTP 503"), 0);
	assert_int_equal(store_outbox_dead(st, id[3], "HTTP 404: gave up"), 0);
	assert_int_equal(store_outbox_delivered(st, id[2]), 0);
	assert_int_equal(store_outbox_delivered(st, 987654), 0);	/* gone already: fine */
	memset(&cur, 0, sizeof cur);
	assert_int_equal(store_outbox_next_due(st, "log", T0 + 999, 10, &cur, &rows, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].id, id[0]);
	store_outbox_rows_free(rows, n);
	memset(&cur, 0, sizeof cur);
	assert_int_equal(store_outbox_next_due(st, "log", T0 + 1000, 10, &cur, &rows, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(rows[0].id, id[0]);
	assert_int_equal(rows[1].id, id[1]);
	assert_int_equal(rows[1].attempts, 1);
	assert_string_equal(rows[1].last_error, "HTTP 503");
	store_outbox_rows_free(rows, n);

	assert_int_equal(store_outbox_count(st, NULL, &p, &d), 0);
	assert_int_equal(p, 3);
	assert_int_equal(d, 1);
	assert_int_equal(store_outbox_count(st, "log", &p, &d), 0);
	assert_int_equal(p, 2);
	assert_int_equal(d, 1);
	assert_int_equal(store_outbox_count(st, "syslog", &p, NULL), 0);
	assert_int_equal(p, 1);

	assert_int_equal(store_outbox_list(st, -1, NULL, list_cb, &acc), 0);
	assert_int_equal(acc.n, 4);
	assert_int_equal(acc.ids[0], id[0]);
	assert_int_equal(acc.states[2], STORE_OUTBOX_DEAD);
	memset(&acc, 0, sizeof acc);
	assert_int_equal(store_outbox_list(st, STORE_OUTBOX_DEAD, NULL, list_cb, &acc), 0);
	assert_int_equal(acc.n, 1);
	assert_int_equal(acc.ids[0], id[3]);
	memset(&acc, 0, sizeof acc);
	assert_int_equal(store_outbox_list(st, -1, "syslog", list_cb, &acc), 0);
	assert_int_equal(acc.n, 1);

	/* outbox retry ID / --all-dead / purge --dead */
	assert_int_equal(store_outbox_requeue(st, id[3], T0 + 5000, &found), 0);
	assert_true(found);
	assert_int_equal(store_outbox_requeue(st, 555555, T0, &found), 0);
	assert_false(found);
	memset(&cur, 0, sizeof cur);
	assert_int_equal(store_outbox_next_due(st, "log", T0 + 5000, 10, &cur, &rows, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(rows[2].id, id[3]);
	assert_int_equal(rows[2].attempts, 0);
	assert_int_equal(rows[2].since_ms, T0 + 5000);
	assert_int_equal(rows[2].state, STORE_OUTBOX_PENDING);
	store_outbox_rows_free(rows, n);
	assert_int_equal(store_outbox_dead(st, id[0], "x"), 0);
	assert_int_equal(store_outbox_dead(st, id[1], "y"), 0);
	assert_int_equal(store_outbox_requeue_dead(st, T0, &p), 0);
	assert_int_equal(p, 2);
	assert_int_equal(store_outbox_dead(st, id[0], "x"), 0);
	assert_int_equal(store_outbox_purge_dead(st, &p), 0);
	assert_int_equal(p, 1);
	assert_int_equal(store_outbox_count(st, NULL, &p, &d), 0);
	assert_int_equal(p, 3);
	assert_int_equal(d, 0);

	/* A long error text is cut, on a UTF-8 boundary. */
	{
		char *big = xmalloc(5000);
		memset(big, 'e', 4999);
		big[4999] = '\0';
		assert_int_equal(store_outbox_retry(st, id[1], T0, big), 0);
		free(big);
		memset(&acc, 0, sizeof acc);
	}
	store_close(st);
	assert_true(raw_int(fx->db, "SELECT max(length(last_error)) FROM outbox") < 1000);
}

struct stream_acc {
	int64_t n;
	int64_t last_id;
	bool ordered;
};

static int
stream_cb(const struct store_outbox_row *r, void *arg)
{
	struct stream_acc *acc = arg;

	if (r->id <= acc->last_id || r->payload == NULL)
		acc->ordered = false;
	acc->last_id = r->id;
	acc->n++;
	return 0;
}

/* ST-12: 100,000 pending rows: quick start, streamed with bounded memory, drained in
 * order of due time. */
static void
test_outbox_100k(void **state)
{
	struct fixture *fx = *state;
	const int N = 100000;
	const size_t LIMIT = 500;
	struct store *st = open_store(fx->state, 0);
	struct store_outbox_cursor cur = { 0 };
	struct stream_acc acc = { 0, 0, true };
	sqlite3_int64 cur_mem, hi_mem;
	int64_t drained = 0, last_due = INT64_MIN, last_id = 0, t;
	uint32_t x = 12345;
	char payload[300];
	size_t max_n = 0;

	memset(payload, 'j', sizeof payload - 1);
	payload[sizeof payload - 1] = '\0';
	assert_int_equal(store_begin(st, STORE_SYNC_LAZY), 0);
	for (int i = 0; i < N; i++) {
		char aid[24];
		x = x * 1103515245u + 12345u;
		snprintf(aid, sizeof aid, "fw_%d", i);
		assert_int_equal(store_outbox_add(st, aid, "hook", payload,
		    T0 + (int64_t)(x >> 8) % 86400000, T0, NULL), 0);
	}
	assert_int_equal(store_commit(st), 0);
	store_close(st);

	t = now_ms();
	st = open_store(fx->state, 0);
	t = now_ms() - t;
	print_message("# reopen with %d pending rows (%lld bytes): %" PRId64 " ms\n", N,
	    (long long)file_size(fx->db), t);
	assert_true(t < 20000);
	assert_int_equal(pending_count(st), N);

	/* Streaming list: every row seen, SQLite's memory stays small. */
	sqlite3_status64(SQLITE_STATUS_MEMORY_USED, &cur_mem, &hi_mem, 1);
	assert_int_equal(store_outbox_list(st, STORE_OUTBOX_PENDING, NULL, stream_cb, &acc), 0);
	sqlite3_status64(SQLITE_STATUS_MEMORY_USED, &cur_mem, &hi_mem, 0);
	assert_int_equal(acc.n, N);
	assert_true(acc.ordered);
	print_message("# list: SQLite memory high-water %lld bytes\n", (long long)hi_mem);
	assert_true(hi_mem < 8 * 1024 * 1024);	/* the rows hold > 30 MB */

	/* Drain in passes of LIMIT rows, in order of due time. */
	sqlite3_status64(SQLITE_STATUS_MEMORY_USED, &cur_mem, &hi_mem, 1);
	for (;;) {
		struct store_outbox_row *rows;
		size_t n;
		assert_int_equal(store_outbox_next_due(st, "hook", T0 + 86400000, LIMIT, &cur,
		    &rows, &n), 0);
		if (n == 0)
			break;
		if (n > max_n)
			max_n = n;
		assert_int_equal(store_begin(st, STORE_SYNC_LAZY), 0);
		for (size_t i = 0; i < n; i++) {
			assert_true(rows[i].due_ms > last_due
			    || (rows[i].due_ms == last_due && rows[i].id > last_id));
			last_due = rows[i].due_ms;
			last_id = rows[i].id;
			assert_int_equal(store_outbox_delivered(st, rows[i].id), 0);
		}
		assert_int_equal(store_commit(st), 0);
		drained += (int64_t)n;
		store_outbox_rows_free(rows, n);
	}
	sqlite3_status64(SQLITE_STATUS_MEMORY_USED, &cur_mem, &hi_mem, 0);
	print_message("# drain: SQLite memory high-water %lld bytes\n", (long long)hi_mem);
	assert_int_equal(drained, N);
	assert_int_equal(max_n, LIMIT);
	assert_true(hi_mem < 8 * 1024 * 1024);
	assert_int_equal(pending_count(st), 0);
	store_close(st);
}

/* ------------------------------------------------------------------ pruning */

static void
test_prune_tombstones(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_store(fx->state, 0);
	struct store_prune_stats ps;
	int64_t f = feed_id(st, "f"), g = feed_id(st, "g");
	char key[16];

	assert_int_equal(check_item(st, f, "old", 1, T0), STORE_ITEM_NEW);
	assert_int_equal(claim(st, f, "old", "https://l/old", "w1", false, T0), STORE_CLAIM_NEW);
	assert_int_equal(check_item(st, f, "fresh", 1, T0 + 40 * DAY), STORE_ITEM_NEW);

	assert_int_equal(store_prune(st, T0 + 40 * DAY, NULL, 0, &ps), 0);
	assert_int_equal(ps.items, 1);
	assert_int_equal(ps.alerts, 0);	/* the ledger outlives the item */
	assert_false(ps.more);
	assert_false(store_in_transaction(st));
	store_close(st);
	assert_int_equal(raw_int(fx->db, "SELECT count(*) FROM items"), 1);
	assert_int_equal(raw_int(fx->db, "SELECT count(*) FROM tombstones"), 1);

	/* The pruned item comes back: not new, no alert; it is tracked again. */
	st = open_store(fx->state, 0);
	assert_int_equal(check_item(st, f, "old", 2, T0 + 41 * DAY), STORE_ITEM_UNCHANGED);
	assert_int_equal(check_item(st, f, "old", 2, T0 + 41 * DAY), STORE_ITEM_UNCHANGED);
	assert_int_equal(check_item(st, g, "old", 2, T0 + 41 * DAY), STORE_ITEM_NEW);
	assert_int_equal(raw_int(fx->db, "SELECT count(*) FROM tombstones"), 0);

	/* Budget: five old items, two per call. */
	for (int i = 0; i < 5; i++) {
		snprintf(key, sizeof key, "b%d", i);
		assert_int_equal(check_item(st, g, key, 1, T0 + 42 * DAY), STORE_ITEM_NEW);
	}
	{
		int64_t total = 0;
		int calls = 0;
		do {
			assert_int_equal(store_prune(st, T0 + 80 * DAY, NULL, 2, &ps), 0);
			assert_true(ps.items <= 2);
			total += ps.items;
			calls++;
		} while (ps.more && calls < 100);
		assert_int_equal(total, 8);	/* f/fresh, f/old, g/old, g/b0-b4 */
		assert_int_equal(calls, 5);	/* 2+2+2+2, then 0 */
	}
	assert_int_equal(check_item(st, g, "b3", 1, T0 + 81 * DAY), STORE_ITEM_UNCHANGED);
	assert_int_equal(claim(st, f, "old", "https://l/old", "w1", false, T0 + 81 * DAY),
	    STORE_CLAIM_SEEN_ITEM);

	/* Much later, tombstones, ledger rows and links of gone items are forgotten. */
	assert_int_equal(store_prune(st, T0 + 600 * DAY, NULL, 0, &ps), 0);
	assert_int_equal(ps.items, 1);		/* g/b3, seen again at day 81 */
	assert_int_equal(ps.tombstones, 7);	/* 8 from day 80, minus b3 which came back */
	assert_int_equal(ps.alerts, 1);
	assert_int_equal(ps.links, 1);
	assert_int_equal(check_item(st, f, "old", 2, T0 + 601 * DAY), STORE_ITEM_NEW);
	assert_int_equal(claim(st, f, "old", "https://l/old", "w1", false, T0 + 601 * DAY),
	    STORE_CLAIM_NEW);

	/* Custom retention, and pruning inside the caller's transaction. */
	assert_int_equal(store_begin(st, STORE_SYNC_FULL), 0);
	assert_int_equal(store_prune(st, T0 + 602 * DAY,
	    &(struct store_retention){ .items_ms = HOUR }, 0, &ps), 0);
	assert_int_equal(ps.items, 1);
	assert_true(store_in_transaction(st));
	store_rollback(st);
	assert_int_equal(check_item(st, f, "old", 2, T0 + 602 * DAY), STORE_ITEM_UNCHANGED);
	store_close(st);
}

/* ------------------------------------------------------------------ faults */

/* ST-06: another process holds BEGIN EXCLUSIVE: writes return -1 (BUSY) after the busy
 * timeout, reads go on, nothing is lost, and writes work again once it lets go. */
static void
test_busy_exclusive(void **state)
{
	struct fixture *fx = *state;
	int ready[2], go[2];
	struct store *st;
	enum store_item_state is;
	int64_t f, t;
	pid_t pid;
	char c;

	st = open_store(fx->state, 0);
	f = feed_id(st, "f");
	store_close(st);
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(go), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		sqlite3 *db = NULL;
		int rc = 1;
		close(ready[0]);
		close(go[1]);
		if (sqlite3_open_v2(fx->db, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK
		    && sqlite3_exec(db, "BEGIN EXCLUSIVE; INSERT INTO feeds(name, config_url,"
		    " url, created) VALUES('held', 'u', 'u', 0)", NULL, NULL, NULL) == SQLITE_OK)
			rc = 0;
		if (write(ready[1], rc ? "E" : "R", 1) != 1)
			_exit(2);
		if (read(go[0], &c, 1) != 1)
			_exit(3);
		if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
			_exit(4);
		sqlite3_close(db);
		_exit(rc);
	}
	close(ready[1]);
	close(go[0]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	assert_int_equal(c, 'R');

	st = open_store(fx->state, 150);	/* opening needs no write lock */
	t = now_ms();
	assert_int_equal(store_item_check(st, f, "k", 1, T0, &is), -1);
	assert_true(now_ms() - t >= 100);
	assert_int_equal(store_error_kind(st), STORE_ERR_BUSY);
	assert_non_null(strstr(store_error(st), "locked"));
	assert_false(store_in_transaction(st));
	assert_int_equal(store_begin(st, STORE_SYNC_FULL), -1);
	assert_int_equal(store_error_kind(st), STORE_ERR_BUSY);
	assert_false(store_in_transaction(st));
	assert_int_equal(store_outbox_add(st, "a", "log", "{}", T0, T0, NULL), -1);
	assert_int_equal(store_error_kind(st), STORE_ERR_BUSY);
	assert_int_equal(pending_count(st), 0);	/* reads still work (WAL) */

	assert_int_equal(write(go[1], "g", 1), 1);
	{
		int status = wait_child(pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	close(ready[0]);
	close(go[1]);
	assert_int_equal(store_begin(st, STORE_SYNC_FULL), 0);
	assert_int_equal(check_item(st, f, "k", 1, T0), STORE_ITEM_NEW);	/* nothing lost */
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(feed_id(st, "held") > f, 1);
	store_close(st);
}

/* ST-04: under a file-size limit (SIGXFSZ ignored) a fetch's commit fails with a clear
 * error and marks nothing seen; with the limit lifted the same fetch succeeds. Runs in a
 * child: the exit code names the step that went wrong. */
static void
test_fsize_limit(void **state)
{
	struct fixture *fx = *state;
	struct store *st;
	pid_t pid;
	int status, pfd[2];
	char msg[700] = "";
	ssize_t len;

	store_close(open_store(fx->state, 0));
	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl;
		char err[600], payload[4097], key[16];
		enum store_item_state is;
		int64_t f;
		off_t big;
		int rc = -1;

		close(pfd[0]);
		signal(SIGXFSZ, SIG_IGN);
		st = store_open(fx->state, NULL, err, sizeof err);
		if (st == NULL)
			_exit(10);
		f = feed_id(st, "f");
		big = file_size(fx->db);
		if (file_size(fx->db) >= 0) {
			char *wal = xasprintf("%s-wal", fx->db);
			if (file_size(wal) > big)
				big = file_size(wal);
			free(wal);
		}
		if (getrlimit(RLIMIT_FSIZE, &rl) == -1)
			_exit(11);
		rl.rlim_cur = (rlim_t)big + 16384;
		if (setrlimit(RLIMIT_FSIZE, &rl) == -1)
			_exit(11);
		memset(payload, 'z', sizeof payload - 1);
		payload[sizeof payload - 1] = '\0';
		if (store_begin(st, STORE_SYNC_FULL) == -1)
			_exit(12);
		for (int i = 0; i < 100; i++) {
			snprintf(key, sizeof key, "k%d", i);
			if (store_item_check(st, f, key, 1, T0, &is) == -1
			    || store_outbox_add(st, key, "log", payload, T0, T0, NULL) == -1)
				break;
		}
		rc = store_commit(st);
		if (rc != -1)
			_exit(13);
		if (write(pfd[1], store_error(st), strlen(store_error(st))) < 0)
			_exit(14);
		if (store_error_kind(st) != STORE_ERR_FULL)
			_exit(15);
		if (store_in_transaction(st))
			_exit(16);
		/* Space returns: nothing was marked seen, the fetch goes through. */
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_FSIZE, &rl) == -1)
			_exit(17);
		if (store_begin(st, STORE_SYNC_FULL) == -1)
			_exit(18);
		for (int i = 0; i < 100; i++) {
			snprintf(key, sizeof key, "k%d", i);
			if (store_item_check(st, f, key, 1, T0, &is) == -1 || is != STORE_ITEM_NEW)
				_exit(19);
			if (store_outbox_add(st, key, "log", payload, T0, T0, NULL) == -1)
				_exit(20);
		}
		if (store_commit(st) == -1)
			_exit(21);
		store_close(st);
		_exit(0);
	}
	close(pfd[1]);
	len = read(pfd[0], msg, sizeof msg - 1);
	msg[len > 0 ? len : 0] = '\0';
	close(pfd[0]);
	status = wait_child(pid);
	print_message("# commit under the file-size limit: %s\n", msg);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_true(strstr(msg, "File too large") != NULL || strstr(msg, "full") != NULL);
	assert_non_null(strstr(msg, "committing"));

	st = open_store(fx->state, 0);
	{
		char *v = pragma(st, "integrity_check");
		assert_string_equal(v, "ok");
		free(v);
	}
	assert_int_equal(pending_count(st), 100);
	assert_int_equal(check_item(st, feed_id(st, "f"), "k99", 1, T0), STORE_ITEM_UNCHANGED);
	store_close(st);
}

/* Crash points around the commit: before it nothing happened, after it all did; the
 * -wal file is still there after the crash (ST-10). */
static void
test_crash_points(void **state)
{
	struct fixture *fx = *state;
	static const char *const points[] = { "before-commit", "after-commit" };
	char *wal = xasprintf("%s-wal", fx->db);

	store_close(open_store(fx->state, 0));
	for (int p = 0; p < 2; p++) {
		struct store *st;
		pid_t pid = fork();
		int status;
		int64_t f;

		assert_true(pid >= 0);
		if (pid == 0) {
			char err[600], key[16];
			enum store_item_state is;
			enum store_claim cl;
			struct store_alert a = { .item_key = key, .watchlist = "w",
				.alert_id = key };
			setenv("FEEDWATCHD_CRASH", points[p], 1);
			st = store_open(fx->state, NULL, err, sizeof err);
			if (st == NULL)
				_exit(10);
			a.feed_id = feed_id(st, points[p]);
			snprintf(key, sizeof key, "k-%d", p);
			if (store_begin(st, STORE_SYNC_FULL) == -1
			    || store_item_check(st, a.feed_id, key, 1, T0, &is) == -1
			    || store_alert_claim(st, &a, T0, &cl) == -1
			    || store_outbox_add(st, key, "log", "{}", T0, T0, NULL) == -1)
				_exit(11);
			store_commit(st);
			_exit(12);	/* not reached */
		}
		status = wait_child(pid);
		assert_true(WIFSIGNALED(status));
		assert_int_equal(WTERMSIG(status), SIGABRT);
		assert_int_equal(access(wal, F_OK), 0);

		st = open_store(fx->state, 0);
		f = feed_id(st, points[p]);
		if (p == 0) {
			assert_int_equal(pending_count(st), 0);
			assert_int_equal(check_item(st, f, "k-0", 1, T0), STORE_ITEM_NEW);
			assert_int_equal(claim(st, f, "k-0", NULL, "w", false, T0), STORE_CLAIM_NEW);
		} else {
			assert_int_equal(pending_count(st), 1);
			assert_int_equal(check_item(st, f, "k-1", 1, T0), STORE_ITEM_UNCHANGED);
			assert_int_equal(store_alerts_since(st, 0, &f), 0);
			assert_int_equal(f, 2);		/* k-0 (claimed above) and k-1 */
		}
		store_close(st);
	}
	free(wal);
}

/* Only one daemon per state_dir; the command line may still open it. */
static void
test_lock(void **state)
{
	struct fixture *fx = *state;
	struct store_options lk = { .lock = true };
	char err[600] = "";
	struct store *a = store_open(fx->state, &lk, err, sizeof err), *b, *c;

	assert_non_null(a);
	b = store_open(fx->state, &lk, err, sizeof err);
	assert_null(b);
	assert_non_null(strstr(err, "another feedwatchd"));
	c = open_store(fx->state, 0);
	store_close(c);
	store_close(a);
	b = store_open(fx->state, &lk, err, sizeof err);
	assert_non_null(b);
	store_close(b);
}

/* An unusable state_dir is one clear line. */
static void
test_bad_state_dir(void **state)
{
	struct fixture *fx = *state;
	char *file = xasprintf("%s/plainfile", fx->dir), *under = xasprintf("%s/sub", file);
	char err[600] = "";
	FILE *f = fopen(file, "w");

	assert_non_null(f);
	fclose(f);
	assert_null(store_open(file, NULL, err, sizeof err));
	assert_non_null(strstr(err, "not a directory"));
	assert_null(store_open(under, NULL, err, sizeof err));
	assert_non_null(strstr(err, "cannot create state_dir"));
	assert_null(store_open("", NULL, err, sizeof err));
	free(file);
	free(under);
}


/* ------------------------------------------------------------------ fsync faults */

/* A VFS over the default one that counts xSync calls on -wal files and fails the next
 * `syncs_to_fail` of them with EIO, like an LD_PRELOAD fsync shim would (ST-05). */
struct shim_file {
	sqlite3_file base;
	sqlite3_file *real;	/* allocated right after this struct */
	bool is_wal;
};

static sqlite3_vfs shim_vfs;
static int wal_syncs, syncs_to_fail;

static int shim_close(sqlite3_file *f) { struct shim_file *p = (void *)f;
	int rc = p->real->pMethods ? p->real->pMethods->xClose(p->real) : SQLITE_OK;
	return rc; }
static int shim_read(sqlite3_file *f, void *b, int n, sqlite3_int64 o) {
	struct shim_file *p = (void *)f; return p->real->pMethods->xRead(p->real, b, n, o); }
static int shim_write(sqlite3_file *f, const void *b, int n, sqlite3_int64 o) {
	struct shim_file *p = (void *)f; return p->real->pMethods->xWrite(p->real, b, n, o); }
static int shim_truncate(sqlite3_file *f, sqlite3_int64 n) {
	struct shim_file *p = (void *)f; return p->real->pMethods->xTruncate(p->real, n); }
static int shim_sync(sqlite3_file *f, int flags) {
	struct shim_file *p = (void *)f;
	if (p->is_wal) {
		wal_syncs++;
		if (syncs_to_fail > 0) {
			syncs_to_fail--;
			errno = EIO;
			return SQLITE_IOERR_FSYNC;
		}
	}
	return p->real->pMethods->xSync(p->real, flags); }
static int shim_size(sqlite3_file *f, sqlite3_int64 *n) {
	struct shim_file *p = (void *)f; return p->real->pMethods->xFileSize(p->real, n); }
static int shim_lock(sqlite3_file *f, int l) {
	struct shim_file *p = (void *)f; return p->real->pMethods->xLock(p->real, l); }
static int shim_unlock(sqlite3_file *f, int l) {
	struct shim_file *p = (void *)f; return p->real->pMethods->xUnlock(p->real, l); }
static int shim_reserved(sqlite3_file *f, int *r) {
	struct shim_file *p = (void *)f; return p->real->pMethods->xCheckReservedLock(p->real, r); }
static int shim_fcntl(sqlite3_file *f, int op, void *a) {
	struct shim_file *p = (void *)f; return p->real->pMethods->xFileControl(p->real, op, a); }
static int shim_sector(sqlite3_file *f) {
	struct shim_file *p = (void *)f; return p->real->pMethods->xSectorSize(p->real); }
static int shim_devchar(sqlite3_file *f) {
	struct shim_file *p = (void *)f; return p->real->pMethods->xDeviceCharacteristics(p->real); }
static int shim_shmmap(sqlite3_file *f, int i, int sz, int w, void volatile **pp) {
	struct shim_file *p = (void *)f; return p->real->pMethods->xShmMap(p->real, i, sz, w, pp); }
static int shim_shmlock(sqlite3_file *f, int o, int n, int fl) {
	struct shim_file *p = (void *)f; return p->real->pMethods->xShmLock(p->real, o, n, fl); }
static void shim_shmbarrier(sqlite3_file *f) {
	struct shim_file *p = (void *)f; p->real->pMethods->xShmBarrier(p->real); }
static int shim_shmunmap(sqlite3_file *f, int d) {
	struct shim_file *p = (void *)f; return p->real->pMethods->xShmUnmap(p->real, d); }
static int shim_fetch(sqlite3_file *f, sqlite3_int64 o, int n, void **pp) {
	struct shim_file *p = (void *)f; return p->real->pMethods->xFetch(p->real, o, n, pp); }
static int shim_unfetch(sqlite3_file *f, sqlite3_int64 o, void *pp) {
	struct shim_file *p = (void *)f; return p->real->pMethods->xUnfetch(p->real, o, pp); }

static const sqlite3_io_methods shim_io = {
	3, shim_close, shim_read, shim_write, shim_truncate, shim_sync, shim_size, shim_lock,
	shim_unlock, shim_reserved, shim_fcntl, shim_sector, shim_devchar, shim_shmmap,
	shim_shmlock, shim_shmbarrier, shim_shmunmap, shim_fetch, shim_unfetch,
};

static int
shim_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out)
{
	struct shim_file *p = (void *)f;
	int rc;

	(void)vfs;
	p->real = (sqlite3_file *)(p + 1);
	p->is_wal = (flags & SQLITE_OPEN_WAL) != 0;
	rc = shim_orig->xOpen(shim_orig, name, p->real, flags, out);
	p->base.pMethods = p->real->pMethods ? &shim_io : NULL;
	return rc;
}

static void
shim_install(void)
{
	shim_orig = sqlite3_vfs_find("unix");
	assert_non_null(shim_orig);
	shim_vfs = *shim_orig;
	shim_vfs.zName = "fsyncshim";
	shim_vfs.szOsFile = (int)sizeof(struct shim_file) + shim_orig->szOsFile;
	shim_vfs.xOpen = shim_open;
	assert_int_equal(sqlite3_vfs_register(&shim_vfs, 1), SQLITE_OK);
	wal_syncs = syncs_to_fail = 0;
}

static void
shim_remove(void)
{
	if (shim_orig == NULL)
		return;
	sqlite3_vfs_unregister(&shim_vfs);
	sqlite3_vfs_register(shim_orig, 1);
	shim_orig = NULL;
}

/* One fetch transaction: item key, its claim and outbox row. */
static int
fetch_txn(struct store *st, int64_t f, enum store_sync sync, const char *key)
{
	enum store_item_state is;
	enum store_claim cl;
	struct store_alert a = { .feed_id = f, .item_key = key, .watchlist = "w",
		.alert_id = key };

	if (store_begin(st, sync) == -1)
		return -1;
	if (store_item_check(st, f, key, 1, T0, &is) == -1
	    || store_alert_claim(st, &a, T0, &cl) == -1
	    || store_outbox_add(st, key, "log", "{}", T0, T0, NULL) == -1) {
		store_rollback(st);
		return -1;
	}
	return store_commit(st);
}

/* AUTO fsyncs exactly when the fetch recorded something; LAZY never; FULL always. */
static void
test_sync_modes(void **state)
{
	struct fixture *fx = *state;
	struct store *st;
	struct store_feed fd;
	int before;

	shim_install();
	st = open_store(fx->state, 0);
	assert_int_equal(store_feed_get(st, "f", "http://x/", T0, &fd), 0);
	assert_int_equal(check_item(st, fd.id, "old", 1, T0), STORE_ITEM_NEW);

	before = wal_syncs;	/* AUTO, nothing new: no fsync (a 200 of unchanged items) */
	assert_int_equal(store_begin(st, STORE_SYNC_AUTO), 0);
	assert_int_equal(check_item(st, fd.id, "old", 1, T0), STORE_ITEM_UNCHANGED);
	fd.next_poll_ms = T0 + 1;
	assert_int_equal(store_feed_save(st, &fd), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(wal_syncs, before);

	before = wal_syncs;	/* AUTO with a new item: one fsync */
	assert_int_equal(fetch_txn(st, fd.id, STORE_SYNC_AUTO, "new1"), 0);
	assert_int_equal(wal_syncs, before + 1);

	before = wal_syncs;	/* LAZY: none */
	assert_int_equal(fetch_txn(st, fd.id, STORE_SYNC_LAZY, "new2"), 0);
	assert_int_equal(wal_syncs, before);

	before = wal_syncs;	/* FULL, even with nothing new */
	fd.next_poll_ms = T0 + 2;	/* (a row rewritten identically writes no page) */
	assert_int_equal(store_begin(st, STORE_SYNC_FULL), 0);
	assert_int_equal(store_feed_save(st, &fd), 0);
	assert_int_equal(store_commit(st), 0);
	assert_true(wal_syncs > before);
	{
		char *v = pragma(st, "synchronous");
		assert_string_equal(v, "2");
		free(v);
	}
	store_feed_free(&fd);
	store_close(st);
	shim_remove();
	st = open_store(fx->state, 0);
	assert_int_equal(pending_count(st), 2);
	store_close(st);
}

/* ST-05: fsync fails with EIO once: the commit is a failure (STORE_ERR_IO), never
 * retried and assumed; after a restart the state is consistent: each item seen if and
 * only if its outbox row exists. */
static void
test_fsync_eio(void **state)
{
	struct fixture *fx = *state;
	static const enum store_sync modes[] = { STORE_SYNC_FULL, STORE_SYNC_AUTO };
	struct store *st;
	int64_t f;

	shim_install();
	st = open_store(fx->state, 0);
	f = feed_id(st, "f");
	for (int m = 0; m < 2; m++) {
		char key[8];
		snprintf(key, sizeof key, "k%d", m);
		syncs_to_fail = 1;
		assert_int_equal(fetch_txn(st, f, modes[m], key), -1);
		assert_int_equal(syncs_to_fail, 0);
		assert_int_equal(store_error_kind(st), STORE_ERR_IO);
		assert_non_null(strstr(store_error(st), "FSYNC"));
		assert_null(strchr(store_error(st), '\n'));
		assert_false(store_in_transaction(st));
		print_message("# %s: %s\n", m ? "AUTO" : "FULL", store_error(st));
	}
	/* The store keeps working once fsync does. */
	assert_int_equal(fetch_txn(st, f, STORE_SYNC_AUTO, "k9"), 0);
	store_close(st);
	shim_remove();

	st = open_store(fx->state, 0);
	{
		char *v = pragma(st, "integrity_check");
		assert_string_equal(v, "ok");
		free(v);
	}
	store_close(st);
	for (int m = 0; m < 3; m++) {
		const char *key = m == 2 ? "k9" : m ? "k1" : "k0";
		char *q1 = xasprintf("SELECT count(*) FROM items WHERE key = '%s'", key);
		char *q2 = xasprintf("SELECT count(*) FROM outbox WHERE alert_id = '%s'", key);
		int64_t seen = raw_int(fx->db, q1), queued = raw_int(fx->db, q2);
		print_message("# %s: seen %lld, queued %lld\n", key, (long long)seen,
		    (long long)queued);
		assert_int_equal(seen, queued);
		if (m == 2)
			assert_int_equal(seen, 1);
		free(q1);
		free(q2);
	}
}

/* ------------------------------------------------------------------ crash worker */

/* Fetch transactions on four feeds with overlapping item windows, edits, shared
 * canonical links, deliveries (logged to delivered.log and fdatasync'd before the row is
 * marked delivered: at-least-once) and pruning, until killed. */
static int
crash_worker(const char *dir)
{
	struct store_options o = { .lock = true };
	struct store_feed feeds[4];
	static const char *const sinks[] = { "a", "b" };
	char err[600], *logpath = xasprintf("%s/delivered.log", dir);
	struct store *st = store_open(dir, &o, err, sizeof err);
	unsigned seed = (unsigned)getpid() ^ (unsigned)now_ms();
	int lfd;

	if (st == NULL) {
		fprintf(stderr, "worker: %s\n", err);
		return 3;
	}
	lfd = open(logpath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (lfd == -1)
		return 3;
	for (int i = 0; i < 4; i++) {
		char name[16];
		snprintf(name, sizeof name, "f%d", i);
		if (store_feed_get(st, name, "http://127.0.0.1/feed", now_ms(), &feeds[i]) == -1) {
			fprintf(stderr, "worker: %s\n", store_error(st));
			return 3;
		}
	}
	for (unsigned it = 0; ; it++) {
		struct store_feed *fd = &feeds[rand_r(&seed) % 4];
		int base = (int)(rand_r(&seed) % 3000), n = 1 + (int)(rand_r(&seed) % 40);
		int64_t now = now_ms();
		char etag[32];

		if (store_begin(st, STORE_SYNC_AUTO) == -1)
			goto fail;
		for (int j = 0; j < n; j++) {
			int k = base + j;
			char key[16], link[16], aid[64], payload[128];
			uint64_t hash = (uint64_t)k * 7 + (rand_r(&seed) % 10 == 0 ? it : 0);
			enum store_item_state is;
			enum store_claim cl;
			struct store_alert a = { .feed_id = fd->id, .item_key = key,
				.watchlist = "w1", .alert_id = aid };

			snprintf(key, sizeof key, "k%d", k);
			if (store_item_check(st, fd->id, key, hash, now, &is) == -1)
				goto fail;
			if (is == STORE_ITEM_UNCHANGED || k % 3 != 0)
				continue;
			snprintf(link, sizeof link, "L%d", k);
			snprintf(aid, sizeof aid, "%s/%s/w1", fd->name, key);
			a.canon_link = k % 5 == 0 ? link : NULL;
			if (store_alert_claim(st, &a, now, &cl) == -1)
				goto fail;
			if (cl != STORE_CLAIM_NEW)
				continue;
			snprintf(payload, sizeof payload, "{\"id\":\"%s\",\"it\":%u}", aid, it);
			for (int s = 0; s < 2; s++)
				if (store_outbox_add(st, aid, sinks[s], payload, now, now, NULL) == -1)
					goto fail;
		}
		snprintf(etag, sizeof etag, "\"e%u\"", it);
		store_setstr(&fd->etag, etag);
		fd->next_poll_ms = now + 1000;
		fd->fetched_once = true;
		fd->last_success_ms = now;
		fd->last_status = 200;
		if (store_feed_save(st, fd) == -1 || store_commit(st) == -1)
			goto fail;

		if (it % 4 == 0) {
			for (int s = 0; s < 2; s++) {
				struct store_outbox_cursor cur = { 0 };
				struct store_outbox_row *rows;
				size_t nr;
				if (store_outbox_next_due(st, sinks[s], now + 1, 8, &cur, &rows,
				    &nr) == -1)
					goto fail;
				for (size_t i = 0; i < nr; i++) {
					char *line = xasprintf("%s %s\n", rows[i].alert_id, sinks[s]);
					if (write(lfd, line, strlen(line)) != (ssize_t)strlen(line))
						return 5;
					free(line);
				}
				if (nr > 0 && fdatasync(lfd) == -1)
					return 5;
				if (store_begin(st, STORE_SYNC_LAZY) == -1)
					goto fail;
				for (size_t i = 0; i < nr; i++)
					if (store_outbox_delivered(st, rows[i].id) == -1)
						goto fail;
				if (store_commit(st) == -1)
					goto fail;
				store_outbox_rows_free(rows, nr);
			}
		}
		if (it % 7 == 0) {
			struct store_retention r = { .items_ms = 3000 };
			struct store_prune_stats ps;
			if (store_prune(st, now, &r, 50, &ps) == -1)
				goto fail;
		}
	}
fail:
	fprintf(stderr, "worker: %s\n", store_error(st));
	return 4;
}

/* Reopens after a kill and checks the invariants; prints one summary line. */
static int
crash_verify(const char *dir)
{
	static const char *const checks[][2] = {
		{ "seen matching items without their ledger row",
		  "SELECT count(*) FROM items i WHERE CAST(substr(i.key, 2) AS INTEGER) % 3 = 0"
		  " AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.feed_id = i.feed_id"
		  " AND a.item_key = i.key AND a.watchlist = 'w1')" },
		{ "alerts without their outbox row or delivery",
		  "SELECT count(*) FROM alerts a, (SELECT 'a' AS sink UNION ALL SELECT 'b') s"
		  " WHERE a.sent = 1 AND NOT EXISTS (SELECT 1 FROM temp.ob o"
		  " WHERE o.alert_id = a.alert_id AND o.sink = s.sink)"
		  " AND NOT EXISTS (SELECT 1 FROM temp.delivered d"
		  " WHERE d.alert_id = a.alert_id AND d.sink = s.sink)" },
		{ "outbox rows without their ledger row",
		  "SELECT count(*) FROM temp.ob o WHERE NOT EXISTS (SELECT 1 FROM temp.sent a"
		  " WHERE a.alert_id = o.alert_id)" },
		{ "items", "SELECT count(*) FROM items" },
		{ "alerts", "SELECT count(*) FROM alerts WHERE sent = 1" },
		{ "pending", "SELECT count(*) FROM outbox" },
		{ "delivered", "SELECT count(*) FROM temp.delivered" },
		{ "schema", "PRAGMA user_version" },
	};
	struct store_options o = { .lock = true };
	char err[600], ic[256], *path = xasprintf("%s/%s", dir, STORE_DB_NAME);
	char *logpath = xasprintf("%s/delivered.log", dir);
	struct store *st = store_open(dir, &o, err, sizeof err);
	sqlite3 *db = NULL;
	sqlite3_stmt *ins = NULL;
	FILE *lf;
	char line[256];
	int bad = 0, persist = 1;

	if (st == NULL) {
		printf("verify: store_open: %s\n", err);
		return 1;
	}
	if (store_pragma(st, "integrity_check", ic, sizeof ic) == -1 || strcmp(ic, "ok") != 0) {
		printf("verify: integrity_check: %s\n", ic);
		return 1;
	}
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		return 1;
	sqlite3_file_control(db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
	sqlite3_exec(db, "CREATE TEMP TABLE delivered(alert_id TEXT, sink TEXT);"
	    " CREATE INDEX temp.delivered_i ON delivered(alert_id, sink);"
	    " CREATE TEMP TABLE ob AS SELECT alert_id, sink FROM main.outbox;"
	    " CREATE INDEX temp.ob_i ON ob(alert_id, sink);"
	    " CREATE TEMP TABLE sent AS SELECT alert_id FROM main.alerts WHERE sent = 1;"
	    " CREATE INDEX temp.sent_i ON sent(alert_id)", NULL, NULL, NULL);
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	sqlite3_prepare_v2(db, "INSERT INTO temp.delivered VALUES(?1, ?2)", -1, &ins, NULL);
	if ((lf = fopen(logpath, "r")) != NULL) {
		while (fgets(line, sizeof line, lf) != NULL) {
			char *sp = strchr(line, ' '), *nl = strchr(line, '\n');
			if (sp == NULL || nl == NULL)
				continue;	/* a torn last line: its row is still pending */
			*sp = *nl = '\0';
			sqlite3_bind_text(ins, 1, line, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(ins, 2, sp + 1, -1, SQLITE_TRANSIENT);
			sqlite3_step(ins);
			sqlite3_reset(ins);
		}
		fclose(lf);
	}
	sqlite3_finalize(ins);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	printf("verify: integrity ok");
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		sqlite3_stmt *s = NULL;
		long long v = -1;
		if (sqlite3_prepare_v2(db, checks[i][1], -1, &s, NULL) == SQLITE_OK
		    && sqlite3_step(s) == SQLITE_ROW)
			v = sqlite3_column_int64(s, 0);
		else
			printf(" [%s: %s]", checks[i][0], sqlite3_errmsg(db));
		sqlite3_finalize(s);
		printf(", %s=%lld", checks[i][0], v);
		if (i < 3 && v != 0)
			bad++;
	}
	printf("\n");
	sqlite3_close(db);
	store_close(st);
	free(path);
	free(logpath);
	return bad ? 1 : 0;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)
		T(test_open_fresh),
		T(test_reopen_integrity),
		T(test_migration_idempotent),
		T(test_migration_from_v1),
		T(test_newer_version_refused),
		T(test_mid_migration_crash),
		T(test_garbage_refused),
		T(test_truncated_refused),
		T(test_overwritten_refused),
		T(test_damaged_with_wal_untouched),
		T(test_feeds),
		T(test_feed_batch_lazy),
		T(test_item_states),
		T(test_unchanged_fetch_writes_nothing),
		T(test_alert_ledger_once),
		T(test_canon_link_once),
		T(test_rollback_nothing_seen),
		T(test_outbox_order_states),
		T(test_outbox_100k),
		T(test_prune_tombstones),
		T(test_busy_exclusive),
		T(test_fsize_limit),
		T(test_crash_points),
		T(test_sync_modes),
		T(test_fsync_eio),
		T(test_lock),
		T(test_bad_state_dir),
#undef T
	};

	if (argc == 3 && strcmp(argv[1], "--crash-worker") == 0)
		return crash_worker(argv[2]);
	if (argc == 3 && strcmp(argv[1], "--crash-verify") == 0)
		return crash_verify(argv[2]);
	umask(022);
	unsetenv("FEEDWATCHD_CRASH");
	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
