/* bench_parse.c — throughput, peak memory and instruction counts of the feed parser, side by
 * side with a bare libxml2 SAX2 push pass (the practical ceiling) and sfeed.
 *
 *   bench_parse [--reps N] [--chunk BYTES] [--sfeed PATH] [--repeat-to BYTES] [--skip-malformed]
 *               [--expect-entries N] [--label NAME] FILE...
 *       Loads every FILE (one feed document each) into memory, then runs, interleaved
 *       (a, b, c, a, b, c, ...), N repetitions (default 5) of
 *         (a) ours:  feed_parser_new/push in BYTES-sized chunks (16 KiB)/finish/free per
 *                    document, with a callback that only counts entries;
 *         (b) bare:  xmlCreatePushParserCtxt with a SAX2 handler whose startElementNs,
 *                    endElementNs and characters do nothing, XML_PARSE_NONET, same chunks;
 *         (c) sfeed: one sfeed process reading the concatenation of the documents from a
 *                    memfd on stdin, its TSV going to /dev/null (sfeed does not care where
 *                    one document ends, and one process keeps exec cost out of the figure);
 *       and prints the best time of each as MB/s and entries/s (entries counted by ours;
 *       bare's entries/s uses the same count over its own time), with ratios to bare.
 *       --repeat-to copies the document list until it holds at least BYTES (small feeds);
 *       --skip-malformed first drops the files libxml2 finds not well-formed.
 *       Machine-readable "RESULT ..." lines follow the table.
 *   bench_parse --peak FILE
 *       Parses FILE read from disk in 16 KiB chunks and prints the peak resident set
 *       (VmHWM, and ru_maxrss) before and after: the parser's memory must not grow with
 *       the document.
 *   bench_parse --once ours|bare FILE...
 *       One pass, for `valgrind --tool=callgrind --toggle-collect=bench_pass_ours` (or
 *       bench_pass_bare): instructions inside the pass only, divided by the bytes. */
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "feed.h"
#include "log.h"
#include "util.h"

struct doc {
	char *data;
	size_t len;
};

struct docs {
	struct doc *v;
	size_t n, cap;
	size_t bytes;
};

struct pass_result {
	size_t entries;
	size_t failures;
};

size_t bench_pass_ours(const struct docs *d, size_t chunk, struct pass_result *r);
size_t bench_pass_bare(const struct docs *d, size_t chunk, struct pass_result *r);

static void docs_add(struct docs *d, char *data, size_t len);
static void docs_load(struct docs *d, const char *path);
static void docs_repeat(struct docs *d, size_t min_bytes);
static void pin_declared_encodings(const struct docs *d);
static size_t docs_drop_malformed(struct docs *d, size_t chunk);
static double now(void);
static int count_cb(const struct feed_entry *e, void *arg);
static void bare_start_cb(void *ctx, const xmlChar *localname, const xmlChar *prefix,
    const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces, int nb_attributes,
    int nb_defaulted, const xmlChar **attributes);
static void bare_end_cb(void *ctx, const xmlChar *localname, const xmlChar *prefix,
    const xmlChar *uri);
static void bare_chars_cb(void *ctx, const xmlChar *ch, int len);
static void bare_error_cb(void *ctx, xmlErrorPtr err);
static int sfeed_memfd(const struct docs *d);
static double sfeed_run(const char *sfeed, int fd, size_t *lines);
static long vm_hwm_kb(void);
static int main_peak(const char *path, size_t chunk);
static int main_once(const char *mode, const struct docs *d, size_t chunk);
static void usage(void) __attribute__((noreturn));

static const struct feed_parser_options bench_opts = {
	.base_url = "https://news.example.com/feed.xml",
};

static xmlSAXHandler bare_sax;

static void
usage(void)
{
	fprintf(stderr, "usage: bench_parse [--reps N] [--chunk BYTES] [--sfeed PATH] "
	    "[--repeat-to BYTES] [--expect-entries N] [--label NAME] [--skip-malformed] FILE...\n"
	    "       bench_parse --peak FILE\n"
	    "       bench_parse --once ours|bare FILE...\n");
	exit(2);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
docs_add(struct docs *d, char *data, size_t len)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 64;
		d->v = xreallocarray(d->v, d->cap, sizeof *d->v);
	}
	d->v[d->n].data = data;
	d->v[d->n].len = len;
	d->n++;
	d->bytes += len;
}

/* Opens a converter for every encoding the documents declare and keeps it open until
 * exit. glibc loads a legacy encoding's module on the first iconv_open and unloads it at
 * the last iconv_close: a bare libxml2 pass, opening and closing one per document, would
 * load and unload the module (dlopen, relocation) for each; feed.c keeps the converters
 * it uses open. Both are measured in that steady state. (feed.c decodes some labels with
 * a superset, e.g. euc-kr as CP949, so its own converters do not cover the bare pass.) */
static void
pin_declared_encodings(const struct docs *d)
{
	static char names[64][40];
	static size_t n;

	for (size_t i = 0; i < d->n; i++) {
		const char *s = d->v[i].data, *end = s + (d->v[i].len < 200 ? d->v[i].len : 200);
		const char *e = memmem(s, (size_t)(end - s), "encoding=", 9);
		char name[40];
		size_t k = 0;

		if (e == NULL || e + 10 >= end || (e[9] != '"' && e[9] != '\''))
			continue;
		for (e += 10; e < end && *e != '"' && *e != '\'' && k + 1 < sizeof name; e++)
			name[k++] = *e;
		name[k] = '\0';
		bool seen = false;
		for (size_t j = 0; j < n; j++)
			seen = seen || strcasecmp(names[j], name) == 0;
		if (seen || n == sizeof names / sizeof names[0])
			continue;
		memcpy(names[n++], name, k + 1);
		(void)iconv_open("UTF-8", name);	/* kept: (iconv_t)-1 when unknown */
	}
}

static void
docs_load(struct docs *d, const char *path)
{
	struct stat st;
	char *data;
	size_t got = 0;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st) < 0)
		fatal("%s", path);
	data = xmalloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, data + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			fatal("read %s", path);
		got += (size_t)r;
	}
	close(fd);
	docs_add(d, data, got);
}

/* Copies the list (real copies, so caches see fresh bytes) until it holds min_bytes. */
static void
docs_repeat(struct docs *d, size_t min_bytes)
{
	size_t n0 = d->n;

	if (n0 == 0 || d->bytes == 0)
		return;
	for (size_t i = 0; d->bytes < min_bytes; i = (i + 1) % n0) {
		char *copy = xmalloc(d->v[i].len + 1);
		memcpy(copy, d->v[i].data, d->v[i].len);
		docs_add(d, copy, d->v[i].len);
	}
}

/* Drops the documents a bare libxml2 pass finds not well-formed (broken fixtures end early in
 * libxml2, which would flatter the bare pass). Returns how many went. */
static size_t
docs_drop_malformed(struct docs *d, size_t chunk)
{
	size_t kept = 0, n0 = d->n;

	d->bytes = 0;
	for (size_t i = 0; i < n0; i++) {
		struct docs one = { .v = &d->v[i], .n = 1, .bytes = d->v[i].len };
		struct pass_result r = { 0 };

		bench_pass_bare(&one, chunk, &r);
		if (r.failures) {
			free(d->v[i].data);
			continue;
		}
		d->bytes += d->v[i].len;
		d->v[kept++] = d->v[i];
	}
	d->n = kept;
	return n0 - kept;
}

/* feed_entry_cb: counts. */
static int
count_cb(const struct feed_entry *e, void *arg)
{
	(*(size_t *)arg)++;
	return 0;
}

/* Pass (a): every document through its own feed parser, in chunks. Returns the bytes. */
__attribute__((noinline)) size_t
bench_pass_ours(const struct docs *d, size_t chunk, struct pass_result *r)
{
	for (size_t i = 0; i < d->n; i++) {
		const char *p = d->v[i].data;
		size_t len = d->v[i].len, off = 0;
		struct feed_parser *fp = feed_parser_new(&bench_opts, count_cb, &r->entries);
		int rc = 0;

		while (off < len && rc == 0) {
			size_t n = len - off < chunk ? len - off : chunk;
			rc = feed_parser_push(fp, p + off, n);
			off += n;
		}
		if (feed_parser_finish(fp) != 0 || rc != 0)
			r->failures++;
		feed_parser_free(fp);
	}
	return d->bytes;
}

/* xmlSAXHandler.startElementNs */
static void
bare_start_cb(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri,
    int nb_namespaces, const xmlChar **namespaces, int nb_attributes, int nb_defaulted,
    const xmlChar **attributes)
{
}

/* xmlSAXHandler.endElementNs */
static void
bare_end_cb(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri)
{
}

/* xmlSAXHandler.characters */
static void
bare_chars_cb(void *ctx, const xmlChar *ch, int len)
{
}

/* xmlSAXHandler.serror: errors only count (via wellFormed), they print nothing. */
static void
bare_error_cb(void *ctx, xmlErrorPtr err)
{
}

/* libxml2's generic errors (a converter refusing a byte): not printed, as feed.c does. */
static void
bare_silent_cb(void *ctx, const char *msg, ...)
{
}

/* Pass (b): the same documents through a bare libxml2 SAX2 push parser. */
__attribute__((noinline)) size_t
bench_pass_bare(const struct docs *d, size_t chunk, struct pass_result *r)
{
	for (size_t i = 0; i < d->n; i++) {
		const char *p = d->v[i].data;
		size_t len = d->v[i].len, off = 0;
		xmlParserCtxtPtr ctxt = xmlCreatePushParserCtxt(&bare_sax, NULL, NULL, 0, NULL);

		if (ctxt == NULL)
			fatalx("xmlCreatePushParserCtxt failed");
		xmlCtxtUseOptions(ctxt, XML_PARSE_NONET);
		while (off < len) {
			size_t n = len - off < chunk ? len - off : chunk;
			if (xmlParseChunk(ctxt, p + off, (int)n, 0) != 0)
				break;
			off += n;
		}
		xmlParseChunk(ctxt, NULL, 0, 1);
		if (!ctxt->wellFormed)
			r->failures++;
		if (ctxt->myDoc != NULL)
			xmlFreeDoc(ctxt->myDoc);
		xmlFreeParserCtxt(ctxt);
	}
	return d->bytes;
}

/* One memfd holding every document back to back: sfeed's stdin. */
static int
sfeed_memfd(const struct docs *d)
{
	int fd = memfd_create("bench-sfeed", 0);

	if (fd < 0)
		fatal("memfd_create");
	for (size_t i = 0; i < d->n; i++) {
		size_t off = 0;
		while (off < d->v[i].len) {
			ssize_t w = write(fd, d->v[i].data + off, d->v[i].len - off);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				fatal("write memfd");
			off += (size_t)w;
		}
	}
	return fd;
}

/* Runs sfeed on fd from its start; returns wall seconds. With lines != NULL its output
 * goes to a pipe and its lines (one per entry) are counted; else to /dev/null. */
static double
sfeed_run(const char *sfeed, int fd, size_t *lines)
{
	int pfd[2] = { -1, -1 }, status;
	double t0;
	pid_t pid;

	if (lseek(fd, 0, SEEK_SET) < 0)
		fatal("lseek");
	if (lines != NULL && pipe(pfd) < 0)
		fatal("pipe");
	t0 = now();
	pid = fork();
	if (pid < 0)
		fatal("fork");
	if (pid == 0) {
		int out = lines != NULL ? pfd[1] : open("/dev/null", O_WRONLY);
		dup2(fd, 0);
		dup2(out, 1);
		if (lines != NULL)
			close(pfd[0]);
		execl(sfeed, "sfeed", (char *)NULL);
		_exit(127);
	}
	if (lines != NULL) {
		char buf[65536];
		ssize_t r;

		close(pfd[1]);
		*lines = 0;
		while ((r = read(pfd[0], buf, sizeof buf)) > 0 || (r < 0 && errno == EINTR))
			for (ssize_t i = 0; i < r; i++)
				*lines += buf[i] == '\n';
		close(pfd[0]);
	}
	if (waitpid(pid, &status, 0) < 0)
		fatal("waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		log_warnx("%s exited with status %d", sfeed, status);
	return now() - t0;
}

/* VmHWM (peak resident set) of this process in kB, or -1. */
static long
vm_hwm_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static int
main_peak(const char *path, size_t chunk)
{
	size_t entries = 0, bytes = 0;
	char *buf = xmalloc(chunk);
	struct feed_parser *fp;
	struct rusage ru;
	long base_kb;
	double t0, t;
	int fd, rc = 0, frc;

	if ((fd = open(path, O_RDONLY)) < 0)
		fatal("%s", path);
	fp = feed_parser_new(&bench_opts, count_cb, &entries);
	base_kb = vm_hwm_kb();
	t0 = now();
	for (;;) {
		ssize_t r = read(fd, buf, chunk);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			fatal("read %s", path);
		if (r == 0)
			break;
		bytes += (size_t)r;
		if ((rc = feed_parser_push(fp, buf, (size_t)r)) != 0)
			break;
	}
	frc = feed_parser_finish(fp);
	t = now() - t0;
	if (rc != 0 || frc != 0)
		log_warnx("%s: parse failed: %s", path, feed_parser_error(fp) ? feed_parser_error(fp) : "?");
	feed_parser_free(fp);
	close(fd);
	free(buf);
	getrusage(RUSAGE_SELF, &ru);
	printf("peak: %s: %.1f MB, %zu entries, %.1f MB/s; VmHWM before %ld kB, after %ld kB; "
	    "ru_maxrss %ld kB\n", path, bytes / 1e6, entries, bytes / 1e6 / t, base_kb,
	    vm_hwm_kb(), ru.ru_maxrss);
	printf("RESULT peak bytes=%zu entries=%zu base_kb=%ld hwm_kb=%ld maxrss_kb=%ld mbps=%.1f ok=%d\n",
	    bytes, entries, base_kb, vm_hwm_kb(), ru.ru_maxrss, bytes / 1e6 / t,
	    rc == 0 && frc == 0);
	return rc == 0 && frc == 0 ? 0 : 1;
}

static int
main_once(const char *mode, const struct docs *d, size_t chunk)
{
	struct pass_result r = { 0 }, warm = { 0 };

	/* The steady state is measured, as in the timed passes (which keep the best of
	 * several): one untimed pass of ours first, outside the function callgrind counts,
	 * does the one-time set-up of either pass — OpenSSL loading its providers on the
	 * first digest (about 5 M instructions), glibc loading the converter module of each
	 * legacy encoding (feed.c keeps it loaded; a bare libxml2 pass alone would load and
	 * unload it for every document). */
	for (size_t i = 0; i < d->n; i++)	/* not bench_pass_ours: callgrind counts that */
		feed_parse_buffer(&bench_opts, d->v[i].data, d->v[i].len, count_cb, &warm.entries,
		    NULL);
	if (strcmp(mode, "ours") == 0)
		bench_pass_ours(d, chunk, &r);
	else if (strcmp(mode, "bare") == 0)
		bench_pass_bare(d, chunk, &r);
	else
		usage();
	printf("RESULT once mode=%s docs=%zu bytes=%zu entries=%zu failures=%zu\n", mode, d->n,
	    d->bytes, r.entries, r.failures);
	return 0;
}

/* bench_parse's entry point: see the comment at the top of the file. */
int
main(int argc, char **argv)
{
	struct docs d = { 0 };
	const char *sfeed = NULL, *label = "corpus", *once = NULL, *peak = NULL;
	bool skip_malformed = false;
	size_t dropped = 0;
	size_t chunk = 16384, repeat_to = 0, expect = 0;
	int reps = 5, i;

	log_init("bench_parse", LOG_NORMAL);
	xmlInitParser();
	xmlSetGenericErrorFunc(NULL, bare_silent_cb);
	bare_sax.initialized = XML_SAX2_MAGIC;
	bare_sax.startElementNs = bare_start_cb;
	bare_sax.endElementNs = bare_end_cb;
	bare_sax.characters = bare_chars_cb;
	bare_sax.serror = bare_error_cb;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (v == NULL)
			usage();
		if (strcmp(a, "--skip-malformed") == 0) {
			skip_malformed = true;
			continue;
		}
		if (strcmp(a, "--reps") == 0)
			reps = atoi(v);
		else if (strcmp(a, "--chunk") == 0)
			chunk = strtoul(v, NULL, 10);
		else if (strcmp(a, "--sfeed") == 0)
			sfeed = v;
		else if (strcmp(a, "--repeat-to") == 0)
			repeat_to = strtoul(v, NULL, 10);
		else if (strcmp(a, "--expect-entries") == 0)
			expect = strtoul(v, NULL, 10);
		else if (strcmp(a, "--label") == 0)
			label = v;
		else if (strcmp(a, "--once") == 0)
			once = v;
		else if (strcmp(a, "--peak") == 0) {
			peak = v;
			i++;
			break;
		} else
			usage();
		i++;
	}
	if (chunk == 0 || reps < 1)
		usage();
	if (peak != NULL)
		return main_peak(peak, chunk);
	if (i >= argc)
		usage();
	for (; i < argc; i++)
		docs_load(&d, argv[i]);
	pin_declared_encodings(&d);
	if (skip_malformed)
		dropped = docs_drop_malformed(&d, chunk);
	docs_repeat(&d, repeat_to);
	if (once != NULL)
		return main_once(once, &d, chunk);

	/* One untimed pass of each to fault pages in and warm malloc. */
	struct pass_result warm = { 0 }, warm_bare = { 0 };
	bench_pass_ours(&d, chunk, &warm);
	bench_pass_bare(&d, chunk, &warm_bare);
	int memfd = -1;
	size_t sfeed_lines = 0;
	if (sfeed != NULL) {
		memfd = sfeed_memfd(&d);
		sfeed_run(sfeed, memfd, &sfeed_lines);
	}

	double best[3] = { 1e300, 1e300, 1e300 };
	for (int rep = 0; rep < reps; rep++) {
		struct pass_result ra = { 0 }, rb = { 0 };
		double t0 = now(), t;
		bench_pass_ours(&d, chunk, &ra);
		t = now() - t0;
		best[0] = t < best[0] ? t : best[0];
		t0 = now();
		bench_pass_bare(&d, chunk, &rb);
		t = now() - t0;
		best[1] = t < best[1] ? t : best[1];
		if (memfd >= 0) {
			t = sfeed_run(sfeed, memfd, NULL);
			best[2] = t < best[2] ? t : best[2];
		}
	}

	double mb = d.bytes / 1e6;
	size_t ent = warm.entries;
	printf("== %s: %zu documents, %.1f MB, %zu entries; %zu-byte chunks; best of %d, "
	    "interleaved ==\n", label, d.n, mb, ent, chunk, reps);
	printf("  %-22s %9s %12s %9s %9s\n", "parser", "MB/s", "entries/s", "best s", "vs bare");
	printf("  %-22s %9.1f %12.0f %9.3f %9.2f\n", "ours (feed.c)", mb / best[0], ent / best[0],
	    best[0], best[1] / best[0]);
	printf("  %-22s %9.1f %12.0f %9.3f %9.2f\n", "bare libxml2 SAX2", mb / best[1],
	    ent / best[1], best[1], 1.0);
	if (memfd >= 0)
		printf("  %-22s %9.1f %12.0f %9.3f %9.2f\n", "sfeed (1 process)", mb / best[2],
		    sfeed_lines / best[2], best[2], best[1] / best[2]);
	if (dropped)
		printf("  (%zu input files that are not well-formed XML left out)\n", dropped);
	if (warm.failures || warm_bare.failures)
		printf("  note: %zu documents failed in ours, %zu in bare (not well-formed)\n",
		    warm.failures, warm_bare.failures);
	if (expect && ent != expect)
		printf("  WARNING: ours handed out %zu entries, the generator wrote %zu\n", ent, expect);
	if (memfd >= 0 && sfeed_lines != ent)
		printf("  note: sfeed printed %zu entries, ours %zu\n", sfeed_lines, ent);
	printf("RESULT set=%s parser=ours mbps=%.1f eps=%.0f secs=%.4f bytes=%zu entries=%zu "
	    "failures=%zu ratio=%.3f\n", label, mb / best[0], ent / best[0], best[0], d.bytes, ent,
	    warm.failures, best[1] / best[0]);
	printf("RESULT set=%s parser=bare mbps=%.1f eps=%.0f secs=%.4f bytes=%zu entries=%zu "
	    "failures=%zu ratio=1.000\n", label, mb / best[1], ent / best[1], best[1], d.bytes, ent,
	    warm_bare.failures);
	if (memfd >= 0)
		printf("RESULT set=%s parser=sfeed mbps=%.1f eps=%.0f secs=%.4f bytes=%zu entries=%zu "
		    "failures=0 ratio=%.3f\n", label, mb / best[2], sfeed_lines / best[2], best[2],
		    d.bytes, sfeed_lines, best[1] / best[2]);
	return 0;
}
