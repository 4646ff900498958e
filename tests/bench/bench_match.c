/* bench_match.c — benchmark of the watchlist engine (match.c) and the text pipeline
 * (html.c + text.c), driven by tests/bench/bench-match.sh.
 *
 *   bench_match gen DIR MB     write DIR/corpus.txt (news-like text, one paragraph a
 *                              line, about MB megabytes) and DIR/kw10.txt, kw1k.txt,
 *                              kw10k.txt (one keyword a line, the grep -f format)
 *   bench_match run DIR [N]    fold the corpus, then for each keyword list: compile it
 *                              as one watchlist and scan the folded corpus, counting the
 *                              lines with at least one hit (what grep -c counts; also
 *                              among the first N lines); and time HTML → folded text
 *                              over the corpus as HTML items.
 * "run" prints one result a line: "key value ...", read by the script.
 *
 * The corpus: Zipf-distributed words from a vocabulary of 120,000 synthetic words and
 * names plus the words of the fixture article, sentences of 6–30 words with commas,
 * possessives, hyphenated compounds and quotes, every 25th paragraph a sentence of the
 * fixture article, and a few percent of lines in Cyrillic, Chinese, Korean or with
 * accented Latin. Keyword lists mix words that occur (at every frequency) with words that
 * do not, like a real watchlist of names and places. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "html.h"
#include "match.h"
#include "text.h"
#include "util.h"

#define VOCAB		120000
#define FIXTURE		"../shared/fixtures/news-article-nato-dprk.txt"

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double
rndf(void)
{
	return (double)(rnd() >> 11) / 9007199254740992.0;
}

/* CPU time of this process: on a shared machine, time spent descheduled does not count
 * (the script measures grep and rg the same way). */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A pseudo-word: consonants and vowels alternating (sometimes doubled), drawn with
 * English letter frequencies; syl sets the length (about 2.5 letters per unit). Built
 * letter by letter, so words rarely hide inside one another the way words made of a
 * small syllable inventory would (which would flatter us and cripple grep -w). */
static void
make_word(char *out, size_t cap, uint64_t seed, int syl)
{
	static const char cons[] = "ttttnnnnsssrrrhhhdddllcccmmwwffggyyppbbvkjxqz";
	static const char vows[] = "eeeeaaaooiiiuy";
	uint64_t s = seed * 0x9E3779B97F4A7C15ull + 12345;
	size_t n = 0, len;
	bool vowel;

	s ^= s >> 31;
	s *= 0xBF58476D1CE4E5B9ull;
	len = (size_t)syl * 2 + (s >> 60) % 3;
	vowel = (s >> 40) & 1;
	while (n < len && n + 1 < cap) {
		s ^= s >> 29;
		s *= 0xBF58476D1CE4E5B9ull;
		if (vowel)
			out[n++] = vows[(s >> 8) % (sizeof(vows) - 1)];
		else
			out[n++] = cons[(s >> 8) % (sizeof(cons) - 1)];
		if (((s >> 20) & 7) != 0)
			vowel = !vowel;
	}
	out[n] = '\0';
}

struct vocab {
	char **w;
	size_t n;
};

static const char *const common[] = {
	"the", "of", "and", "to", "a", "in", "that", "is", "for", "on", "said", "with", "was",
	"it", "as", "at", "by", "he", "from", "his", "be", "has", "have", "an", "are", "not",
	"this", "but", "they", "its", "who", "were", "will", "had", "after", "would", "been",
	"their", "also", "which", "more", "new", "or", "one", "about", "than", "two", "up",
	"there", "when", "year", "we", "all", "officials", "government", "she", "people",
	"over", "last", "into", "out", "could", "first", "other", "some", "what", "told",
	"week", "can", "state", "no", "country", "years", "time", "minister", "president",
	"police", "if", "three", "percent", "city", "report", "before", "security", "under",
	"against", "during", "while", "since", "military", "talks", "foreign", "news",
	"agency", "statement", "officials", "second", "market", "public", "according",
	"national", "party", "election", "court", "former", "leader", "group", "million",
};

/* Common English words at the top ranks, then synthetic words and names with the
 * fixture's words spread among them; every word distinct enough. */
static void
vocab_build(struct vocab *v, const char *fixture)
{
	char word[64], *copy = xstrdup(fixture), *tok, *save, **fx = NULL;
	size_t i, nfx = 0, cap = VOCAB + 2000, nc = sizeof(common) / sizeof(common[0]);
	uint64_t seed = 1;

	for (tok = strtok_r(copy, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
		char w[64];
		size_t k = 0;

		for (const char *c = tok; *c && k < sizeof(w) - 1; c++)
			if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9'))
				w[k++] = *c;
		w[k] = '\0';
		if (k < 2)
			continue;
		for (i = 0; i < nfx; i++)
			if (strcmp(fx[i], w) == 0)
				break;
		if (i == nfx) {
			fx = xreallocarray(fx, nfx + 1, sizeof(*fx));
			fx[nfx++] = xstrdup(w);
		}
	}
	free(copy);
	v->w = xmalloc(cap * sizeof(*v->w));
	v->n = 0;
	for (i = 0; i < nc; i++)
		v->w[v->n++] = xstrdup(common[i]);
	i = 0;
	while (v->n < VOCAB) {
		uint64_t r = rnd() % 10;
		int syl = r < 4 ? 1 : r < 8 ? 2 : 3;

		if (v->n >= 3000 && v->n % 97 == 0 && i < nfx) {
			v->w[v->n++] = fx[i++];
			continue;
		}
		make_word(word, sizeof(word), seed++, syl);
		if (strlen(word) < 2)
			continue;
		if (v->n % 7 == 0)
			word[0] = (char)(word[0] - 32);	/* names */
		v->w[v->n++] = xstrdup(word);
	}
	while (i < nfx)
		free(fx[i++]);
	free(fx);
}

/* Zipf-like rank: log-uniform over the vocabulary. */
static size_t
zipf(size_t n)
{
	size_t r = (size_t)exp(rndf() * log((double)n));

	return r >= 1 ? (r - 1) % n : 0;
}

static const char *const foreign[] = {
	"Министр заявил, что новые санкции против КНДР вступят в силу в понедельник.",
	"朝鲜周日发射了一枚弹道导弹，日本和韩国对此表示强烈抗议。",
	"북한은 일요일 탄도미사일을 발사했다고 합동참모본부가 밝혔다.",
	"Le ministre a déclaré à Zürich que la coopération avec l’OTAN était « essentielle ».",
	"Η σύνοδος κορυφής του ΝΑΤΟ θα πραγματοποιηθεί στη Βίλνιους.",
	"Der Außenminister traf sich in der Straße mit Vertretern der Großmächte.",
};

static int
cmd_gen(const char *dir, double mb)
{
	char path[4096], *fixture;
	FILE *fp;
	struct vocab v;
	struct buf fx, line;
	char **sent = NULL;
	size_t nsent = 0, i, target = (size_t)(mb * 1e6), written = 0;
	char *copy, *tok, *save;

	/* the fixture, split into sentences */
	buf_init(&fx, 0);
	if ((fp = fopen(FIXTURE, "rb")) == NULL) {
		fprintf(stderr, "bench_match: %s: %s\n", FIXTURE, strerror(errno));
		return 1;
	}
	{
		char chunk[4096];
		size_t n;

		while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
			buf_append(&fx, chunk, n);
		fclose(fp);
	}
	fixture = fx.data;
	copy = xstrdup(fixture);
	for (tok = strtok_r(copy, "\n", &save); tok; tok = strtok_r(NULL, "\n", &save)) {
		sent = xreallocarray(sent, nsent + 1, sizeof(*sent));
		sent[nsent++] = xstrdup(tok);
	}
	free(copy);
	vocab_build(&v, fixture);

	snprintf(path, sizeof(path), "%s/corpus.txt", dir);
	if ((fp = fopen(path, "wb")) == NULL) {
		fprintf(stderr, "bench_match: %s: %s\n", path, strerror(errno));
		return 1;
	}
	buf_init(&line, 0);
	for (i = 0; written < target; i++) {
		int ns, s, w, nw;

		buf_reset(&line);
		buf_appends(&line, "");
		if (i % 25 == 24) {
			buf_appends(&line, sent[rnd() % nsent]);
		} else if (i % 40 == 13) {
			buf_appends(&line, foreign[rnd() % (sizeof(foreign) / sizeof(foreign[0]))]);
		} else {
			ns = 1 + (int)(rnd() % 5);
			for (s = 0; s < ns; s++) {
				nw = 6 + (int)(rnd() % 25);
				for (w = 0; w < nw; w++) {
					const char *word = v.w[zipf(v.n)];
					uint64_t r = rnd() % 100;

					if (w > 0)
						buf_appends(&line, r < 2 ? "-" : " ");
					if (r == 3)
						buf_appends(&line, "“");
					if (w == 0 && word[0] >= 'a' && word[0] <= 'z') {
						buf_appendc(&line, (char)(word[0] - 32));
						buf_appends(&line, word + 1);
					} else {
						buf_appends(&line, word);
					}
					if (r == 3)
						buf_appends(&line, "”");
					else if (r == 4)
						buf_appends(&line, "’s");
					else if (r == 5)
						buf_appends(&line, "'s");
					else if (r >= 90 && w + 1 < nw)
						buf_appends(&line, ",");
				}
				buf_appends(&line, s + 1 < ns ? ". " : ".");
			}
		}
		buf_appendc(&line, '\n');
		fwrite(line.data, 1, line.len, fp);
		written += line.len;
	}
	fclose(fp);

	/* keyword lists: the fixture's terms, then words that occur at every rank and words
	 * that do not */
	{
		static const char *const base[] = {
			"NATO", "DPRK", "North Korea", "sanctions", "missile", "Stoltenberg",
			"Wagner Group", "Kirby", "Pyongyang", "ballistic",
		};
		static const size_t sizes[] = { 10, 1000, 10000 };
		static const char *const names[] = { "kw10.txt", "kw1k.txt", "kw10k.txt" };
		char word[64];
		size_t k, j;
		uint64_t seed = 900000001;

		for (k = 0; k < 3; k++) {
			snprintf(path, sizeof(path), "%s/%s", dir, names[k]);
			if ((fp = fopen(path, "wb")) == NULL) {
				fprintf(stderr, "bench_match: %s: %s\n", path, strerror(errno));
				return 1;
			}
			for (j = 0; j < sizes[k] && j < 10; j++)
				fprintf(fp, "%s\n", base[j]);
			for (; j < sizes[k]; j++) {
				if (j % 3 == 0) {
					/* an occurring word of 5 letters or more, from rank 5000
					 * on (names, places, rarer words: what watchlists hold) */
					const char *w;

					do
						w = v.w[5000 + (rnd() % (v.n - 5000))];
					while (strlen(w) < 5);
					fprintf(fp, "%s\n", w);
				} else {
					/* a name that does not occur */
					make_word(word, sizeof(word), seed++, 2 + (int)(rnd() % 2));
					fprintf(fp, "%c%sov\n", word[0] - 32, word + 1);
				}
			}
			fclose(fp);
		}
	}
	printf("corpus %zu bytes, %zu lines\n", written, i);
	for (i = 0; i < v.n; i++)
		free(v.w[i]);
	free(v.w);
	for (i = 0; i < nsent; i++)
		free(sent[i]);
	free(sent);
	buf_free(&line);
	buf_free(&fx);
	return 0;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	struct buf b;
	char chunk[1 << 16];
	size_t n;

	if (fp == NULL) {
		fprintf(stderr, "bench_match: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	buf_init(&b, 0);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_append(&b, chunk, n);
	fclose(fp);
	*len = b.len;
	return buf_steal(&b);
}

struct lines {
	const size_t *end;	/* folded end offset of each line */
	size_t n, cur, last, count;
	size_t prefix, count_prefix;	/* lines with hits among the first `prefix` */
};

/* match_hit_cb: counts the lines with at least one hit (hits come in text order). */
static void
count_line_cb(void *arg, uint32_t pattern, size_t end)
{
	struct lines *l = arg;

	(void)pattern;
	while (l->cur < l->n && l->end[l->cur] < end)
		l->cur++;
	if (l->cur < l->n && l->last != l->cur) {
		l->count++;
		if (l->cur < l->prefix)
			l->count_prefix++;
		l->last = l->cur;
	}
}

static int
cmd_run(const char *dir, size_t prefix)
{
	char path[4096];
	size_t clen, i, nlines = 0, *lend, fcap, flen = 0;
	char *corpus = NULL, *folded, *p, *q;
	struct text_fold tf;
	double t0, t1, fold_s;
	static const char *const names[] = { "kw10.txt", "kw1k.txt", "kw10k.txt" };
	static const char *const labels[] = { "10", "1k", "10k" };
	int k;

	snprintf(path, sizeof(path), "%s/corpus.txt", dir);
	corpus = slurp(path, &clen);
	for (i = 0; i < clen; i++)
		nlines += corpus[i] == '\n';
	lend = xmalloc((nlines + 1) * sizeof(*lend));

	/* plain text → folded, line by line (each line is one item's text) */
	fcap = clen + clen / 2 + 16;
	folded = xmalloc(fcap);
	text_fold_init(&tf);
	nlines = 0;
	t0 = now();
	for (p = corpus; p < corpus + clen; p = q + 1) {
		q = memchr(p, '\n', (size_t)(corpus + clen - p));
		if (q == NULL)
			q = corpus + clen;
		text_fold(&tf, p, (size_t)(q - p));
		if (flen + tf.len + 1 > fcap) {
			fcap = 2 * (flen + tf.len + 1);
			folded = xrealloc(folded, fcap);
		}
		memcpy(folded + flen, tf.s, tf.len);
		flen += tf.len;
		lend[nlines++] = flen;
		folded[flen++] = '\n';
	}
	t1 = now();
	fold_s = t1 - t0;
	printf("corpus_bytes %zu\nfolded_bytes %zu\nlines %zu\n", clen, flen, nlines);
	printf("fold_plain_mbs %.1f\n", clen / 1e6 / fold_s);

	for (k = 0; k < 3; k++) {
		size_t klen, nkw = 0;
		char *kwf, *line, *save, err[512];
		struct buf kw;
		struct match_set *set;
		struct match_watchlist_spec spec = { 0 };
		struct lines ls = { lend, nlines, 0, SIZE_MAX, 0, prefix, 0 };
		double tc, ts, best = 1e9;
		int rep;

		snprintf(path, sizeof(path), "%s/%s", dir, names[k]);
		kwf = slurp(path, &klen);
		buf_init(&kw, 0);
		buf_appends(&kw, "");
		for (line = strtok_r(kwf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			if (nkw++)
				buf_appends(&kw, ", ");
			buf_appendc(&kw, '"');
			buf_appends(&kw, line);
			buf_appendc(&kw, '"');
		}
		spec.keywords = kw.data;
		t0 = now();
		set = match_set_new();
		if (match_set_add_watchlist(set, "bench", &spec, err, sizeof(err)) < 0
		    || match_set_compile(set, err, sizeof(err)) < 0) {
			fprintf(stderr, "bench_match: %s\n", err);
			return 1;
		}
		tc = now() - t0;
		for (rep = 0; rep < 5; rep++) {
			ls.cur = 0;
			ls.last = SIZE_MAX;
			ls.count = 0;
			ls.count_prefix = 0;
			t0 = now();
			match_scan_folded(set, folded, flen, count_line_cb, &ls);
			ts = now() - t0;
			if (ts < best)
				best = ts;
		}
		printf("engine %s keywords %zu patterns %zu compile_s %.3f "
		    "scan_mbs %.1f e2e_mbs %.1f lines %zu prefix_lines %zu\n", labels[k], nkw,
		    match_set_patterns(set), tc, clen / 1e6 / best,
		    clen / 1e6 / (best + fold_s), ls.count, ls.count_prefix);
		match_set_free(set);
		buf_free(&kw);
		free(kwf);
	}

	/* HTML → folded text: the corpus as HTML items of ~20 paragraphs */
	{
		struct buf html;
		size_t items = 0, hbytes = 0, n;
		char **item = NULL;
		size_t *ilen = NULL;

		buf_init(&html, 0);
		n = 0;
		for (p = corpus; p < corpus + clen; p = q + 1) {
			q = memchr(p, '\n', (size_t)(corpus + clen - p));
			if (q == NULL)
				q = corpus + clen;
			if (n == 0)
				buf_appends(&html, "<div class=\"story\"><h2>Report</h2>");
			buf_appends(&html, n % 7 == 3 ? "<p><b>Update:</b> " : "<p>");
			for (const char *c = p; c < q; c++) {
				if (*c == '&')
					buf_appends(&html, "&amp;");
				else if (*c == '<')
					buf_appends(&html, "&lt;");
				else if (*c == '\'' && (c - p) % 5 == 0)
					buf_appends(&html, "&#8217;");
				else
					buf_appendc(&html, *c);
			}
			buf_appends(&html, n % 5 == 1 ?
			    " <a href=\"https://example.org/story?id=1&amp;ref=rss\">More</a></p>\n" :
			    "</p>\n");
			if (++n == 20 || q + 1 >= corpus + clen) {
				buf_appends(&html, "</div>");
				item = xreallocarray(item, items + 1, sizeof(*item));
				ilen = xreallocarray(ilen, items + 1, sizeof(*ilen));
				ilen[items] = html.len;
				item[items++] = buf_steal(&html);
				n = 0;
			}
		}
		t0 = now();
		for (i = 0; i < items; i++) {
			char *text = html_to_text(item[i], ilen[i], 0);

			text_fold(&tf, text, strlen(text));
			hbytes += ilen[i];
			free(text);
		}
		t1 = now();
		printf("pipeline_html_bytes %zu\npipeline_mbs %.1f\n", hbytes, hbytes / 1e6 / (t1 - t0));
		t0 = now();
		for (i = 0; i < items; i++)
			free(html_to_text(item[i], ilen[i], 0));
		t1 = now();
		printf("html_only_mbs %.1f\n", hbytes / 1e6 / (t1 - t0));
		for (i = 0; i < items; i++)
			free(item[i]);
		free(item);
		free(ilen);
		buf_free(&html);
	}
	text_fold_free(&tf);
	free(folded);
	free(lend);
	free(corpus);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "gen") == 0)
		return cmd_gen(argv[2], atof(argv[3]));
	if ((argc == 3 || argc == 4) && strcmp(argv[1], "run") == 0)
		return cmd_run(argv[2], argc == 4 ? (size_t)atol(argv[3]) : 0);
	fprintf(stderr, "usage: bench_match gen DIR MB | bench_match run DIR [PREFIX_LINES]\n");
	return 2;
}
