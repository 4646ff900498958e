/* test_text.c — text_fold() (NFKC + case folding + word normalisation), its map back to
 * the original text, and the character classes. Expected folded forms come from the
 * Unicode data (CaseFolding.txt, NFKC decompositions), worked out by hand. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "util.h"

struct fcase {
	const char *in;
	const char *out;
};

static const struct fcase folds[] = {
	{ "", " " },
	{ "   ", " " },
	{ "...!?", " " },
	{ "NATO", " nato " },
	{ "  NATO  ", " nato " },
	{ "North-Korea’s “reckless” missile tests.", " north korea s reckless missile tests " },
	{ "NATO's", " nato s " },
	{ "anti-NATO", " anti nato " },
	{ "North\r\n\tKorea", " north korea " },
	{ "ＮＡＴＯ", " nato " },			/* full-width */
	{ "ﬁnance ﬂow", " finance flow " },		/* ligatures */
	{ "Straße", " strasse " },			/* ß → ss */
	{ "GROẞE", " grosse " },			/* ẞ → ss */
	{ "ΟΔΥΣΣΕΥΣ", " οδυσσευσ " },			/* capital sigma → σ */
	{ "οδυσσευς", " οδυσσευσ " },			/* final sigma → σ */
	{ "DİYARBAKIR", " diyarbakir " },		/* İ → i (dot dropped), I → i */
	{ "Diyarbakır", " diyarbakir " },		/* ı → i */
	{ "cafe\xcc\x81", " caf\xc3\xa9 " },		/* e + U+0301 composes to é */
	{ "CAFÉ", " caf\xc3\xa9 " },
	{ "km²", " km2 " },				/* superscript two */
	{ "①②", " 12 " },				/* circled digits (No) are word chars */
	{ "½", " 1 2 " },				/* 1 U+2044 2: fraction slash separates */
	{ "NA\xc2\xadTO", " nato " },			/* soft hyphen is ignorable */
	{ "sanc\xe2\x80\x8btions", " sanctions " },	/* zero-width space too */
	{ "КНДР санкции", " кндр санкции " },
	{ "北朝鲜导弹", " 北 朝 鲜 导 弹 " },		/* each Han character is a word */
	{ "北约NATO成员", " 北 约 nato 成 员 " },
	{ "2022年", " 2022 年 " },
	{ "북한은", " 북 한 은 " },
	{ "K팝", " k 팝 " },
	{ "ﾐｻｲﾙ", " ミ サ イ ル " },		/* half-width katakana → full-width */
	{ "\xe1\x84\x87\xe1\x85\xae\xe1\x86\xa8", " 북 " },	/* conjoining jamo compose */
	{ "日本語のテキスト", " 日 本 語 の テ キ ス ト " },
	{ "ขีปนาวุธ", " ขี ป น า วุ ธ " },		/* Thai: vowel signs stay with their letter */
	{ "under_score", " under score " },		/* underscore is punctuation */
	{ "emoji 🚀 here", " emoji here " },
	{ "a\xff" "b", " a b " },			/* invalid byte separates */
	{ "\xc3", " " },				/* truncated sequence */
	{ "\xed\xa0\x80x", " x " },			/* surrogate (invalid) */
	{ "Ǆemal", " d\xc5\xbe" "emal " },		/* Ǆ → ǆ → d + ž (compatibility) */
	{ "ﬀ", " ff " },
	{ "Ⅻ", " xii " },				/* Roman numeral (Nl) */
	{ "x\xcc\x81\xcc\xa3", " x\xcc\xa3\xcc\x81 " },	/* marks reordered canonically */
};

static void
test_fold_table(void **state)
{
	struct text_fold f;
	size_t i, bad = 0;

	(void)state;
	text_fold_init(&f);
	for (i = 0; i < sizeof(folds) / sizeof(folds[0]); i++) {
		text_fold(&f, folds[i].in, strlen(folds[i].in));
		if (strcmp(f.s, folds[i].out) != 0 || f.len != strlen(folds[i].out)) {
			print_error("fold(\"%s\") = \"%s\", want \"%s\"\n", folds[i].in, f.s,
			    folds[i].out);
			bad++;
		}
	}
	text_fold_free(&f);
	assert_int_equal(bad, 0);
}

/* Folding folded text changes nothing. */
static void
test_fold_idempotent(void **state)
{
	struct text_fold f;
	char *once, *twice;
	size_t i;

	(void)state;
	text_fold_init(&f);
	for (i = 0; i < sizeof(folds) / sizeof(folds[0]); i++) {
		once = text_fold_string(folds[i].in, strlen(folds[i].in));
		twice = text_fold_string(once, strlen(once));
		assert_string_equal(once, twice);
		free(once);
		free(twice);
	}
	text_fold_free(&f);
}

/* Every folded byte maps to the start of the original character that produced it. */
static void
test_map(void **state)
{
	struct text_fold f;
	const char *in = "Die Straße—NATO’s";
	/* offsets: D0 i1 e2 ' '3 S4 t5 r6 a7 ß8-9 e10 —11-13 N14 A15 T16 O17 ’18-20 s21 */
	static const uint32_t want[] = {
		0,			/* leading space */
		0, 1, 2, 3,		/* "die " */
		4, 5, 6, 7, 8, 8, 10,	/* "strasse": both s of ß map to 8 */
		11,			/* the dash became a space */
		14, 15, 16, 17, 18,	/* "nato " */
		21, 22,			/* "s" and the trailing space (= input length) */
	};
	size_t i;

	(void)state;
	text_fold_init(&f);
	text_fold(&f, in, strlen(in));
	assert_string_equal(f.s, " die strasse nato s ");
	assert_int_equal(f.len, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < f.len; i++)
		if (f.map[i] != want[i])
			fail_msg("map[%zu] = %u, want %u", i, f.map[i], want[i]);
	assert_int_equal(f.map[f.len], strlen(in));
	/* original end of "strasse" (folded 5..12) is just past ß and e */
	assert_int_equal(text_orig_end(&f, 12), 11);
	/* end of the prefix "stras" (ends inside ß's expansion) covers all of ß */
	assert_int_equal(text_orig_end(&f, 10), 10);
	/* end of "nato" (folded 13..17) is just before the apostrophe */
	assert_int_equal(text_orig_end(&f, 17), 18);
	/* end of the last word */
	assert_int_equal(text_orig_end(&f, 19), 22);
	text_fold_free(&f);
}

/* Composed characters map to their first code point; the map stays monotonic. */
static void
test_map_monotonic(void **state)
{
	struct text_fold f;
	const char *in = "cafe\xcc\x81 ＮＡＴＯ 北约NATO ﬁ ½ 북한은 ΣΟΦΟΣ";
	size_t i;

	(void)state;
	text_fold_init(&f);
	text_fold(&f, in, strlen(in));
	for (i = 1; i <= f.len; i++)
		assert_true(f.map[i] >= f.map[i - 1]);
	assert_int_equal(f.map[f.len], strlen(in));
	/* é (folded bytes 4 and 5) comes from "e\xcc\x81" at offset 3 */
	assert_memory_equal(f.s + 4, "\xc3\xa9", 2);
	assert_int_equal(f.map[4], 3);
	assert_int_equal(f.map[5], 3);
	assert_int_equal(text_orig_end(&f, 6), 6);
	text_fold_free(&f);
}

/* The buffers are reused: a long text, then a short one. */
static void
test_reuse(void **state)
{
	struct text_fold f;
	struct buf b;
	int i;

	(void)state;
	buf_init(&b, 0);
	for (i = 0; i < 5000; i++)
		buf_appends(&b, i % 3 ? "Ünïcödé Straße 北约 " : "plain ascii words, ");
	text_fold_init(&f);
	text_fold(&f, b.data, b.len);
	assert_true(f.len > b.len / 2);
	assert_int_equal(f.map[f.len], b.len);
	text_fold(&f, "NATO", 4);
	assert_string_equal(f.s, " nato ");
	text_fold_free(&f);
	buf_free(&b);
}

static void
test_classes(void **state)
{
	(void)state;
	assert_int_equal(text_char_class('a'), TEXT_WORD);
	assert_int_equal(text_char_class('7'), TEXT_WORD);
	assert_int_equal(text_char_class('\''), 0);
	assert_int_equal(text_char_class('-'), 0);
	assert_int_equal(text_char_class('_'), 0);
	assert_int_equal(text_char_class(0x2019), 0);		/* ’ */
	assert_int_equal(text_char_class(0x2014), 0);		/* — */
	assert_int_equal(text_char_class(0x00A0), 0);		/* no-break space */
	assert_int_equal(text_char_class(0x00E9), TEXT_WORD);	/* é */
	assert_int_equal(text_char_class(0x041A), TEXT_WORD);	/* К */
	assert_int_equal(text_char_class(0x0661), TEXT_WORD);	/* Arabic-Indic one */
	assert_int_equal(text_char_class(0x0301), TEXT_WORD | TEXT_MARK);
	assert_int_equal(text_char_class(0x0E31), TEXT_WORD | TEXT_MARK | TEXT_NOBOUND);
	assert_int_equal(text_char_class(0x671D), TEXT_WORD | TEXT_NOBOUND);	/* 朝 */
	assert_int_equal(text_char_class(0x3042), TEXT_WORD | TEXT_NOBOUND);	/* あ */
	assert_int_equal(text_char_class(0x30DF), TEXT_WORD | TEXT_NOBOUND);	/* ミ */
	assert_int_equal(text_char_class(0xBD81), TEXT_WORD | TEXT_NOBOUND);	/* 북 */
	assert_int_equal(text_char_class(0x20BB7), TEXT_WORD | TEXT_NOBOUND);	/* 𠮷 */
	assert_int_equal(text_char_class(0x3002), 0);		/* 。 */
	assert_int_equal(text_char_class(0x1F680), 0);		/* 🚀 */
	assert_int_equal(text_char_class(0x110000), 0);
}

static void
test_decode(void **state)
{
	uint32_t cp;

	(void)state;
	assert_int_equal(text_utf8_decode("A", 1, &cp), 1);
	assert_int_equal(cp, 'A');
	assert_int_equal(text_utf8_decode("\xc3\xa9", 2, &cp), 2);
	assert_int_equal(cp, 0xE9);
	assert_int_equal(text_utf8_decode("\xf0\xa0\xae\xb7", 4, &cp), 4);
	assert_int_equal(cp, 0x20BB7);
	assert_int_equal(text_utf8_decode("\xc0\xaf", 2, &cp), 1);	/* overlong */
	assert_int_equal(cp, 0xFFFD);
	assert_int_equal(text_utf8_decode("\xe2\x82", 2, &cp), 1);	/* truncated */
	assert_int_equal(cp, 0xFFFD);
	assert_int_equal(text_utf8_decode("\xf4\x90\x80\x80", 4, &cp), 1);	/* > U+10FFFF */
	assert_int_equal(cp, 0xFFFD);
}

static void
test_fold_string(void **state)
{
	char *s;

	(void)state;
	s = text_fold_string("  North-Korea's ", 16);
	assert_string_equal(s, "north korea s");
	free(s);
	s = text_fold_string("+++", 3);
	assert_string_equal(s, "");
	free(s);
}

/* Random byte strings (ASCII, marks, CJK, Hangul jamo, invalid bytes mixed): the output
 * is valid UTF-8, starts and ends with one space, never holds two spaces in a row, its
 * map is monotonic and ends at the input length, and folding it again changes nothing. */
static void
test_random(void **state)
{
	static const char *const pieces[] = {
		"a", "Z", "9", " ", "-", "'", "\n", "\xcc\x81", "\xcc\xa3", "\xc3\xa9", "\xc3\x9f",
		"\xe5\x8c\x97", "\xeb\xb6\x81", "\xe1\x84\x87", "\xe1\x85\xae", "\xe1\x86\xa8",
		"\xef\xbc\xae", "\xef\xac\x81", "\xce\xa3", "\xcf\x82", "\xc4\xb0", "\xc4\xb1",
		"\xff", "\xc3", "\xe2\x80", "\xed\xa0\x80", "\xc2\xad", "\xe0\xb8\xb5", "\xe0\xb8\x82",
		"\xf0\x9f\x9a\x80", "\xef\xb7\xba", "\xe2\x91\xa0", "\x01", "\xc2\xa0",
	};
	struct text_fold f;
	uint64_t r = 0x2545F4914F6CDD1Dull;
	char in[512];
	int it;

	(void)state;
	text_fold_init(&f);
	for (it = 0; it < 5000; it++) {
		size_t n = 0, i;
		int k, np = (int)(r % 40);

		for (k = 0; k < np; k++) {
			const char *pc;

			r ^= r << 13; r ^= r >> 7; r ^= r << 17;
			pc = pieces[r % (sizeof(pieces) / sizeof(pieces[0]))];
			memcpy(in + n, pc, strlen(pc));
			n += strlen(pc);
		}
		r ^= r << 13; r ^= r >> 7; r ^= r << 17;
		text_fold(&f, in, n);
		assert_true(f.len >= 1);
		assert_int_equal(f.s[0], ' ');
		assert_int_equal(f.s[f.len - 1], ' ');
		assert_null(strstr(f.s, "  "));
		assert_int_equal(strlen(f.s), f.len);
		assert_int_equal(utf8_valid_prefix(f.s, f.len), f.len);
		for (i = 1; i <= f.len; i++)
			assert_true(f.map[i] >= f.map[i - 1]);
		assert_int_equal(f.map[f.len], n);
		{
			char *once = text_fold_string(in, n), *twice = text_fold_string(once, strlen(once));

			if (strcmp(once, twice) != 0) {
				for (i = 0; i < n; i++)
					print_error("%02x", (unsigned char)in[i]);
				print_error("\n");
			}
			assert_string_equal(once, twice);
			free(once);
			free(twice);
		}
	}
	text_fold_free(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fold_table),
		cmocka_unit_test(test_fold_idempotent),
		cmocka_unit_test(test_map),
		cmocka_unit_test(test_map_monotonic),
		cmocka_unit_test(test_reuse),
		cmocka_unit_test(test_classes),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_fold_string),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
