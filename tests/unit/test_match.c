/* test_match.c — the watchlist language and engine (match.h), table-driven: each row is a
 * watchlist, an item and what a person expects (fires or not, which terms, the snippet).
 * Every row runs as its own test. Expectations come from the language as SPEC.md and
 * match.h describe it and from reading the texts, never from running the engine. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "html.h"
#include "match.h"
#include "util.h"

#define Y 1
#define N 0

struct mcase {
	const char *name;
	const char *keywords, *match, *exclude, *fields;
	const char *title, *summary, *content;
	const char *cats[4];
	int fires;
	const char *terms;	/* "A|B" in order, or NULL: not checked */
	const char *snippet;	/* exact, or NULL: not checked */
	const char *tfields;	/* "content|title" fields of the terms, or NULL */
	int html;		/* content is HTML: reduce it with html_to_text() first */
};

static const struct mcase cases[] = {
	/* ---- case and Unicode folding ---- */
	{ "fold: upper-case keyword, lower-case text", .keywords = "NATO",
	  .content = "the nato summit", .fires = Y, .terms = "NATO" },
	{ "fold: lower-case keyword, upper-case text", .keywords = "nato",
	  .content = "THE NATO SUMMIT", .fires = Y, .terms = "nato" },
	{ "fold: full-width Latin text", .keywords = "NATO",
	  .content = "ＮＡＴＯ首脳会議", .fires = Y,
	  .snippet = "«ＮＡＴＯ»首脳会議" },
	{ "fold: full-width Latin keyword", .keywords = "ＮＡＴＯ",
	  .content = "NATO allies", .fires = Y, .terms = "ＮＡＴＯ" },
	{ "fold: German ß keyword finds SS", .keywords = "Straße",
	  .content = "DIE STRASSE WAR GESPERRT", .fires = Y },
	{ "fold: German ss keyword finds ß", .keywords = "strasse",
	  .content = "Die Straße war gesperrt.", .fires = Y,
	  .snippet = "Die «Straße» war gesperrt." },
	{ "fold: capital sharp s ẞ", .keywords = "große",
	  .content = "DIE GROẞE KOALITION", .fires = Y },
	{ "fold: ß prefix term", .keywords = "strass*",
	  .content = "Straßenbahn", .fires = Y },
	{ "fold: Greek final sigma in text", .keywords = "ΟΔΥΣΣΕΥΣ",
	  .content = "ο Οδυσσευς ταξιδεύει", .fires = Y },
	{ "fold: Greek final sigma in keyword", .keywords = "σοφος",
	  .content = "ΣΟΦΟΣ ΑΝΘΡΩΠΟΣ", .fires = Y },
	{ "fold: Greek medial sigma", .keywords = "Σύνοδος",
	  .content = "η σύνοδος κορυφής", .fires = Y },
	{ "fold: Turkish dotless ı in keyword", .keywords = "Diyarbakır",
	  .content = "DİYARBAKIR'da protesto", .fires = Y },
	{ "fold: Turkish dotted capital İ in text", .keywords = "istanbul",
	  .content = "İstanbul'da toplantı", .fires = Y, .snippet = "«İstanbul»'da toplantı" },
	{ "fold: Turkish İ keyword, ASCII text", .keywords = "İZMİR",
	  .content = "Izmir port", .fires = Y },
	{ "fold: Turkish ı text, ASCII keyword", .keywords = "Diyarbakir",
	  .content = "Diyarbakır", .fires = Y },
	{ "fold: fi ligature", .keywords = "finance",
	  .content = "the ﬁnance ministry", .fires = Y },
	{ "fold: composed vs decomposed é", .keywords = "café",
	  .content = "un cafe\xcc\x81 noir", .fires = Y },
	{ "fold: CAFÉ upper case", .keywords = "café", .content = "LE CAFÉ", .fires = Y },
	{ "fold: accents stay significant", .keywords = "cafe",
	  .content = "le café", .fires = N },
	{ "fold: superscript digit", .keywords = "km2", .content = "400 km² of land", .fires = Y },
	{ "fold: soft hyphen inside a word", .keywords = "NATO",
	  .content = "NA\xc2\xadTO summit", .fires = Y },
	{ "fold: zero-width space inside a word", .keywords = "sanctions",
	  .content = "sanc\xe2\x80\x8btions", .fires = Y },
	{ "fold: Cyrillic КНДР", .keywords = "КНДР",
	  .content = "Ракета КНДР упала в море", .fires = Y, .terms = "КНДР" },
	{ "fold: Cyrillic lower-case text", .keywords = "КНДР",
	  .content = "заявление кндр", .fires = Y },
	{ "fold: Cyrillic санкции upper-case text", .keywords = "санкции",
	  .content = "НОВЫЕ САНКЦИИ ЕС", .fires = Y },
	{ "fold: Cyrillic other case form is another word", .keywords = "санкции",
	  .content = "против санкций", .fires = N },
	{ "fold: Cyrillic prefix term", .keywords = "санкц*",
	  .content = "под санкциями", .fires = Y },
	{ "fold: Cyrillic word boundary", .keywords = "КНДР",
	  .content = "КНДРовский", .fires = N },
	{ "fold: Latin look-alike is not Cyrillic", .keywords = "NATO",
	  .content = "НАТО", .fires = N },
	{ "fold: Cyrillic НАТО", .keywords = "НАТО", .content = "саммит НАТО", .fires = Y },

	/* ---- word boundaries, apostrophes, hyphens ---- */
	{ "boundary: NATO not in seNATOr", .keywords = "NATO",
	  .content = "the seNATOr said", .fires = N },
	{ "boundary: NATO not in senator", .keywords = "NATO", .content = "senator", .fires = N },
	{ "boundary: NATO not in NATOs", .keywords = "NATO", .content = "NATOs", .fires = N },
	{ "boundary: straight apostrophe", .keywords = "NATO",
	  .content = "NATO's chief", .fires = Y, .snippet = "«NATO»'s chief" },
	{ "boundary: curly apostrophe", .keywords = "NATO",
	  .content = "NATO’s chief", .fires = Y },
	{ "boundary: hyphen before", .keywords = "NATO",
	  .content = "anti-NATO protest", .fires = Y, .snippet = "anti-«NATO» protest" },
	{ "boundary: hyphen after", .keywords = "NATO", .content = "NATO-led force", .fires = Y },
	{ "boundary: parentheses and period", .keywords = "NATO",
	  .content = "the alliance (NATO).", .fires = Y },
	{ "boundary: hashtag", .keywords = "NATO", .content = "#NATO", .fires = Y },
	{ "boundary: digits are word characters", .keywords = "G7", .content = "G77 group",
	  .fires = N },
	{ "boundary: digits, possessive", .keywords = "G7", .content = "the G7's plan",
	  .fires = Y },
	{ "boundary: keyword with apostrophe, curly in text", .keywords = "O'Brien",
	  .content = "Mr O’Brien said", .fires = Y },
	{ "boundary: keyword with apostrophe needs the second word", .keywords = "O'Brien",
	  .content = "OBrien", .fires = N },
	{ "boundary: hyphenated keyword finds spaced", .keywords = "F-35",
	  .content = "an F 35 jet", .fires = Y },
	{ "boundary: hyphenated keyword finds hyphenated", .keywords = "F-35",
	  .content = "an F-35 jet", .fires = Y, .snippet = "an «F-35» jet" },
	{ "boundary: hyphenated keyword not inside longer word", .keywords = "F-35",
	  .content = "an F-35A jet", .fires = N },
	{ "boundary: hyphenated keyword not joined", .keywords = "F-35",
	  .content = "an F35 jet", .fires = N },
	{ "boundary: abbreviation with dots", .keywords = "U.S.",
	  .content = "the U.S. Treasury", .fires = Y },
	{ "boundary: start of text", .keywords = "dprk", .content = "DPRK fires", .fires = Y },
	{ "boundary: end of text", .keywords = "dprk", .content = "fired by DPRK", .fires = Y },
	{ "boundary: whole text", .keywords = "dprk", .content = "DPRK", .fires = Y },
	{ "boundary: em dash", .keywords = "dprk", .content = "missiles—DPRK—again",
	  .fires = Y },
	{ "boundary: quotes", .keywords = "reckless", .content = "“reckless” tests",
	  .fires = Y },

	/* ---- phrases ---- */
	{ "phrase: exact", .keywords = "\"North Korea\"", .content = "North Korea fired",
	  .fires = Y, .terms = "North Korea" },
	{ "phrase: case", .keywords = "\"North Korea\"", .content = "NORTH KOREA", .fires = Y },
	{ "phrase: hyphen", .keywords = "\"North Korea\"", .content = "North-Korea", .fires = Y,
	  .snippet = "«North-Korea»" },
	{ "phrase: line break", .keywords = "\"North Korea\"",
	  .content = "in North\nKorea today", .fires = Y, .snippet = "in «North Korea» today" },
	{ "phrase: CRLF and spaces", .keywords = "\"North Korea\"",
	  .content = "North \r\n   Korea", .fires = Y },
	{ "phrase: em dash with spaces", .keywords = "\"North Korea\"",
	  .content = "North — Korea", .fires = Y },
	{ "phrase: comma", .keywords = "\"North Korea\"", .content = "North, Korea", .fires = Y },
	{ "phrase: possessive", .keywords = "\"North Korea\"",
	  .content = "North Korea’s missile", .fires = Y },
	{ "phrase: not joined", .keywords = "\"North Korea\"", .content = "NorthKorea",
	  .fires = N },
	{ "phrase: not a longer word", .keywords = "\"North Korea\"",
	  .content = "North Koreans", .fires = N },
	{ "phrase: not with a word between", .keywords = "\"North Korea\"",
	  .content = "North and South Korea", .fires = N },
	{ "phrase: not reversed", .keywords = "\"North Korea\"", .content = "Korea North",
	  .fires = N },
	{ "phrase: prefix phrase", .keywords = "\"North Korea*\"",
	  .content = "North Koreans", .fires = Y },
	{ "phrase: star after the quote", .keywords = "\"North Korea\"*",
	  .content = "North Korean", .fires = Y },
	{ "phrase: unquoted keyword with a space", .keywords = "south korea, japan",
	  .content = "South-Korea", .fires = Y, .terms = "south korea" },
	{ "phrase: comma inside quotes", .keywords = "\"Seoul, Korea\"",
	  .content = "in Seoul Korea", .fires = Y, .terms = "Seoul, Korea" },
	{ "phrase: extra spaces inside quotes", .keywords = "\"  North   Korea \"",
	  .content = "north korea", .fires = Y },
	{ "phrase: three words across punctuation", .keywords = "\"Wagner Group leader\"",
	  .content = "Wagner-Group: leader", .fires = Y },

	/* ---- prefix terms ---- */
	{ "prefix: plural", .keywords = "sanction*", .content = "new sanctions", .fires = Y,
	  .terms = "sanction*", .snippet = "new «sanctions»" },
	{ "prefix: verb form", .keywords = "sanction*", .content = "Sanctioned firms",
	  .fires = Y },
	{ "prefix: the stem alone", .keywords = "sanction*", .content = "a sanction", .fires = Y },
	{ "prefix: not in the middle of a word", .keywords = "sanction*",
	  .content = "unsanctioned", .fires = N },
	{ "prefix: shorter word does not match", .keywords = "sanction*",
	  .content = "sanctio", .fires = N },
	{ "prefix: after hyphen", .keywords = "missil*", .content = "anti-missile",
	  .fires = Y },
	{ "prefix: without star needs a boundary", .keywords = "missile",
	  .content = "missiles", .fires = N },

	/* ---- no-boundary scripts ---- */
	{ "cjk: Hangul term with a particle", .keywords = "북한",
	  .content = "북한은 미사일을 발사했다", .fires = Y, .snippet = "«북한»은 미사일을 발사했다" },
	{ "cjk: Hangul inside a longer run", .keywords = "북한", .content = "남북한 관계",
	  .fires = Y },
	{ "cjk: Hangul absent", .keywords = "북한", .content = "남한 관계", .fires = N },
	{ "cjk: Hangul from conjoining jamo", .keywords = "북한",
	  .content = "\xe1\x84\x87\xe1\x85\xae\xe1\x86\xa8\xe1\x84\x92\xe1\x85\xa1\xe1\x86\xab"
	      "\xec\x9d\x80", .fires = Y },
	{ "cjk: Han term at the start of a run", .keywords = "朝鲜",
	  .content = "朝鲜导弹试验", .fires = Y },
	{ "cjk: Han term at the end of a run", .keywords = "朝鲜",
	  .content = "有关北朝鲜", .fires = Y },
	{ "cjk: Han absent", .keywords = "朝鲜", .content = "韩国导弹", .fires = N },
	{ "cjk: Japanese kana term", .keywords = "ミサイル",
	  .content = "北朝鮮のミサイル発射", .fires = Y },
	{ "cjk: half-width katakana text", .keywords = "ミサイル",
	  .content = "ﾐｻｲﾙ発射", .fires = Y },
	{ "cjk: Latin term beside Han", .keywords = "NATO",
	  .content = "北约NATO成员国", .fires = Y, .snippet = "北约«NATO»成员国" },
	{ "cjk: Latin term still needs its boundary beside Latin", .keywords = "NATO",
	  .content = "北约NATOs成员国", .fires = N },
	{ "cjk: mixed Hangul and Latin term", .keywords = "K팝",
	  .content = "K팝을 좋아해", .fires = Y },
	{ "cjk: Thai term inside a run", .keywords = "ขีปนาวุธ",
	  .content = "เกาหลีเหนือยิงขีปนาวุธ", .fires = Y },

	/* ---- operators and precedence ---- */
	{ "and: both", .match = "NATO AND DPRK", .content = "NATO and DPRK", .fires = Y,
	  .terms = "NATO|DPRK" },
	{ "and: one missing", .match = "NATO AND DPRK", .content = "NATO only", .fires = N },
	{ "and: three", .match = "a1 AND b2 AND c3", .content = "c3 b2 a1", .fires = Y,
	  .terms = "c3|b2|a1" },
	{ "and: three, one missing", .match = "a1 AND b2 AND c3", .content = "c3 a1",
	  .fires = N },
	{ "or: first", .match = "NATO OR DPRK", .content = "NATO", .fires = Y, .terms = "NATO" },
	{ "or: second", .match = "NATO OR DPRK", .content = "the DPRK", .fires = Y,
	  .terms = "DPRK" },
	{ "or: both listed", .match = "NATO OR DPRK", .content = "DPRK vs NATO", .fires = Y,
	  .terms = "DPRK|NATO" },
	{ "or: neither", .match = "NATO OR DPRK", .content = "nothing here", .fires = N },
	{ "not: absent", .match = "NATO AND NOT sport", .content = "NATO summit", .fires = Y,
	  .terms = "NATO" },
	{ "not: present", .match = "NATO AND NOT sport", .content = "NATO sport event",
	  .fires = N },
	{ "not: double negation", .match = "NOT NOT NATO", .content = "NATO", .fires = Y },
	{ "not: double negation, absent", .match = "NOT NOT NATO", .content = "DPRK",
	  .fires = N },
	{ "not: NOT (a AND b) beside a term", .match = "x9 AND NOT (a1 AND b2)",
	  .content = "x9 a1", .fires = Y, .terms = "x9" },
	{ "not: NOT (a AND b) both present", .match = "x9 AND NOT (a1 AND b2)",
	  .content = "x9 a1 b2", .fires = N },
	{ "precedence: a OR b AND c, a alone", .match = "aa OR bb AND cc",
	  .content = "aa", .fires = Y },
	{ "precedence: a OR b AND c, b alone", .match = "aa OR bb AND cc",
	  .content = "bb", .fires = N },
	{ "precedence: a OR b AND c, b and c", .match = "aa OR bb AND cc",
	  .content = "bb cc", .fires = Y },
	{ "precedence: a AND b OR c, c alone", .match = "aa AND bb OR cc",
	  .content = "cc", .fires = Y },
	{ "precedence: a AND b OR c, a alone", .match = "aa AND bb OR cc",
	  .content = "aa", .fires = N },
	{ "parentheses: (a OR b) AND c, a alone", .match = "(aa OR bb) AND cc",
	  .content = "aa", .fires = N },
	{ "parentheses: (a OR b) AND c, a and c", .match = "(aa OR bb) AND cc",
	  .content = "aa cc", .fires = Y },
	{ "parentheses: nested", .match = "((aa OR bb) AND (cc OR dd)) OR ee",
	  .content = "bb dd", .fires = Y },
	{ "parentheses: nested, one side missing", .match = "((aa OR bb) AND (cc OR dd)) OR ee",
	  .content = "bb", .fires = N },
	{ "parentheses: NOT binds tighter than AND", .match = "NOT aa AND bb",
	  .content = "bb", .fires = Y },
	{ "parentheses: NOT binds tighter, both", .match = "NOT aa AND bb",
	  .content = "aa bb", .fires = N },
	{ "implicit AND: both", .match = "NATO DPRK", .content = "DPRK NATO", .fires = Y },
	{ "implicit AND: one", .match = "NATO DPRK", .content = "NATO", .fires = N },
	{ "implicit AND binds like AND", .match = "aa bb OR cc", .content = "cc", .fires = Y },
	{ "implicit AND binds like AND, a alone", .match = "aa bb OR cc", .content = "aa",
	  .fires = N },
	{ "lower-case and is a term", .match = "nato and dprk", .content = "NATO, DPRK",
	  .fires = N },
	{ "lower-case and is a term, present", .match = "nato and dprk",
	  .content = "NATO and DPRK", .fires = Y },
	{ "lower-case or is a term", .match = "nato or dprk", .content = "NATO",
	  .fires = N },
	{ "quoted operator is a term", .match = "\"AND\" AND \"OR\"",
	  .content = "this and that or those", .fires = Y },
	{ "phrase in match", .match = "\"North Korea\" AND missile*",
	  .content = "North-Korea's missiles", .fires = Y, .terms = "North Korea|missile*" },
	{ "prefix in match", .match = "sanction* OR embargo", .content = "sanctioning",
	  .fires = Y, .terms = "sanction*" },
	{ "SPEC example fires", .match =
	  "(DPRK OR \"North Korea\") AND (missile* OR sanction*) AND NOT title:\"opinion\"",
	  .title = "Missile launch", .content = "North Korea fired missiles", .fires = Y,
	  .terms = "missile*|North Korea",
	  .tfields = "title|content" },
	{ "SPEC example, opinion title", .match =
	  "(DPRK OR \"North Korea\") AND (missile* OR sanction*) AND NOT title:\"opinion\"",
	  .title = "Opinion: missiles", .content = "North Korea fired missiles", .fires = N },
	{ "SPEC example, opinion only in content", .match =
	  "(DPRK OR \"North Korea\") AND (missile* OR sanction*) AND NOT title:\"opinion\"",
	  .title = "News", .content = "In my opinion DPRK sanctions fail", .fires = Y },
	{ "NOT term not listed", .match = "NATO AND NOT (sport AND NOT politics)",
	  .content = "NATO sport politics", .fires = Y, .terms = "NATO|politics" },

	/* ---- keywords and match together ---- */
	{ "both: keywords alone fire", .keywords = "NATO", .match = "DPRK AND missile",
	  .content = "NATO and DPRK", .fires = Y, .terms = "NATO" },
	{ "both: match alone fires", .keywords = "NATO", .match = "DPRK AND missile",
	  .content = "DPRK missile", .fires = Y, .terms = "DPRK|missile" },
	{ "both: neither", .keywords = "NATO", .match = "DPRK AND missile",
	  .content = "DPRK only", .fires = N },
	{ "both: all terms listed once", .keywords = "NATO, DPRK", .match = "DPRK AND NATO",
	  .content = "DPRK NATO", .fires = Y, .terms = "DPRK|NATO" },
	{ "keywords: any of many", .keywords = "alpha, beta, gamma, delta",
	  .content = "only gamma here", .fires = Y, .terms = "gamma" },
	{ "keywords: deduplicated", .keywords = "NATO, nato, Nato", .content = "NATO NATO",
	  .fires = Y, .terms = "NATO" },
	{ "keywords: order of first occurrence", .keywords = "sanction*, DPRK, NATO",
	  .content = "NATO said DPRK faces sanctions", .fires = Y,
	  .terms = "NATO|DPRK|sanction*" },
	{ "keywords: title before content", .keywords = "DPRK, NATO",
	  .title = "DPRK", .content = "NATO", .fires = Y, .terms = "DPRK|NATO",
	  .tfields = "title|content", .snippet = "«DPRK»" },
	{ "keywords: operators are words", .keywords = "AND", .content = "this and that",
	  .fires = Y },

	/* ---- exclude ---- */
	{ "exclude: vetoes", .keywords = "NATO", .exclude = "sport*",
	  .content = "NATO sports day", .fires = N },
	{ "exclude: absent", .keywords = "NATO", .exclude = "sport*",
	  .content = "NATO summit", .fires = Y },
	{ "exclude: phrase", .keywords = "puzzle", .exclude = "\"crossword puzzle\"",
	  .content = "the crossword-puzzle", .fires = N },
	{ "exclude: phrase absent", .keywords = "puzzle", .exclude = "\"crossword puzzle\"",
	  .content = "a diplomatic puzzle", .fires = Y },
	{ "exclude: vetoes match too", .match = "NATO", .exclude = "sport",
	  .title = "Sport", .content = "NATO", .fires = N },
	{ "exclude: only in the watchlist's fields", .keywords = "NATO", .exclude = "sport",
	  .fields = "title", .title = "NATO", .content = "sport", .fires = Y },
	{ "exclude: in categories", .keywords = "NATO", .exclude = "sport",
	  .content = "NATO", .cats = { "World", "Sport" }, .fires = N },
	{ "exclude: boundary respected", .keywords = "NATO", .exclude = "sport",
	  .content = "NATO transport", .fires = Y },

	/* ---- fields ---- */
	{ "fields: title only, hit in content", .keywords = "NATO", .fields = "title",
	  .content = "NATO", .fires = N },
	{ "fields: title only, hit in title", .keywords = "NATO", .fields = "title",
	  .title = "NATO", .fires = Y, .tfields = "title" },
	{ "fields: summary and content", .keywords = "NATO", .fields = "summary, content",
	  .summary = "about NATO", .fires = Y, .tfields = "summary" },
	{ "fields: categories", .keywords = "north korea", .fields = "categories",
	  .cats = { "World", "North Korea" }, .fires = Y, .tfields = "categories",
	  .snippet = "World, «North Korea»" },
	{ "fields: a phrase does not span categories", .keywords = "\"north korea\"",
	  .cats = { "North", "Korea" }, .fires = N },
	{ "fields: first field in order is reported", .keywords = "NATO",
	  .summary = "NATO", .content = "NATO", .cats = { "NATO" }, .fires = Y,
	  .tfields = "summary" },
	{ "scope: title:term in title", .match = "title:opinion", .title = "Opinion piece",
	  .fires = Y, .tfields = "title" },
	{ "scope: title:term in content only", .match = "title:opinion",
	  .content = "opinion", .fires = N },
	{ "scope: summary:phrase", .match = "summary:\"north korea\"",
	  .summary = "North Korea", .fires = Y },
	{ "scope: content:prefix", .match = "content:sanction*", .title = "sanctions",
	  .fires = N },
	{ "scope: categories:term", .match = "categories:sport",
	  .cats = { "Sport" }, .fires = Y },
	{ "scope: explicit field overrides fields", .match = "title:NATO",
	  .fields = "content", .title = "NATO", .fires = Y },
	{ "scope: unscoped terms follow fields", .match = "NATO", .fields = "content",
	  .title = "NATO", .fires = N },
	{ "scope: mixed", .match = "title:DPRK AND content:missile", .title = "DPRK",
	  .content = "missile", .fires = Y, .tfields = "title|content" },
	{ "scope: mixed, swapped fields", .match = "title:DPRK AND content:missile",
	  .title = "missile", .content = "DPRK", .fires = N },
	{ "scope: field name is case-insensitive", .match = "Title:DPRK", .title = "DPRK",
	  .fires = Y },
	{ "scope: non-field colon is part of the term", .match = "10:30",
	  .content = "at 10:30 today", .fires = Y },

	/* ---- regex terms ---- */
	{ "regex: plain", .match = "/dprk|north korea/", .content = "the DPRK said",
	  .fires = Y, .terms = "/dprk|north korea/", .snippet = "the «DPRK» said" },
	{ "regex: caseless", .match = "/nato/", .content = "NATO", .fires = Y },
	{ "regex: runs on original text (hyphen)", .match = "/F-35[AB]?\\b/",
	  .content = "an F-35A jet", .fires = Y, .snippet = "an «F-35A» jet" },
	{ "regex: word boundary", .match = "/\\bnato\\b/", .content = "seNATOr", .fires = N },
	{ "regex: Unicode caseless Cyrillic", .match = "/кндр/", .content = "КНДР",
	  .fires = Y },
	{ "regex: UCP word boundary in Cyrillic", .match = "/\\bсанкции\\b/",
	  .content = "новые санкции", .fires = Y },
	{ "regex: UCP \\w", .match = "/санкц\\w+/", .content = "САНКЦИЯМИ", .fires = Y },
	{ "regex: scoped to title", .match = "title:/^opinion/", .title = "Opinion: x",
	  .fires = Y },
	{ "regex: scoped to title, text in content", .match = "title:/^opinion/",
	  .title = "x", .content = "opinion", .fires = N },
	{ "regex: per category anchors", .match = "categories:/^sport$/",
	  .cats = { "World", "Sport" }, .fires = Y, .snippet = "World, «Sport»" },
	{ "regex: per category anchors, no match", .match = "categories:/^sport$/",
	  .cats = { "World sport" }, .fires = N },
	{ "regex: with a literal", .match = "NATO AND /missile\\s+test/",
	  .content = "NATO condemned the missile   test", .fires = Y,
	  .terms = "NATO|/missile\\s+test/" },
	{ "regex: with a literal missing", .match = "NATO AND /missile\\s+test/",
	  .content = "the missile test", .fires = N },
	{ "regex: negated", .match = "NATO AND NOT /sports?/", .content = "NATO sport",
	  .fires = N },
	{ "regex: escaped slash", .match = "/24\\/7/", .content = "open 24/7", .fires = Y },
	{ "regex: regex listed even when OR short-circuits", .match = "NATO OR /dprk/",
	  .content = "NATO DPRK", .fires = Y, .terms = "NATO|/dprk/" },
	{ "regex: a long match is shown by its beginning", .match = "/start.*end/",
	  .content = "start 123456789 123456789 123456789 123456789 123456789 123456789 "
	      "123456789 123456789 123456789 123456789 123456789 123456789 123456789 "
	      "123456789 123456789 123456789 123456789 123456789 123456789 end", .fires = Y,
	  .snippet = "«start 123456789 123456789 123456789 123456789 123456789 123456789 123456789 123456789 123456789 123456789 123456789 123456789 123456789 123456789 123456789 1234…»" },

	/* ---- more negatives ---- */
	{ "neg: ß does not fold to one s", .keywords = "straße", .content = "strase",
	  .fires = N },
	{ "neg: digits continue a word", .keywords = "NATO", .content = "NATO2 exercise",
	  .fires = N },
	{ "neg: prefix phrase needs its first word whole", .keywords = "\"North Korea*\"",
	  .content = "Northern Koreans", .fires = N },
	{ "neg: Cyrillic prefix not inside a word", .keywords = "санкц*",
	  .content = "антисанкционный", .fires = N },
	{ "neg: Han term, other characters", .keywords = "朝鲜", .content = "朝日新闻",
	  .fires = N },
	{ "neg: Hangul term, other syllable", .keywords = "북한", .content = "북쪽 한국",
	  .fires = N },
	{ "neg: Greek accents stay significant", .keywords = "συνοδος",
	  .content = "η σύνοδος", .fires = N },
	{ "neg: exclude in the title by default", .keywords = "NATO", .exclude = "opinion",
	  .title = "Opinion", .content = "NATO", .fires = N },
	{ "neg: categories term not in title", .match = "categories:sport",
	  .title = "sport", .fires = N },
	{ "neg: regex anchors per field", .match = "/^nato$/", .content = "the NATO",
	  .fires = N },
	{ "neg: NOT title: with the word in the title", .match = "NATO AND NOT title:opinion",
	  .title = "NATO opinion", .fires = N },
	{ "pos: NOT title: with the word only in content", .match = "NATO AND NOT title:opinion",
	  .title = "NATO", .content = "opinion", .fires = Y },
	{ "neg: none of many keywords", .keywords = "alpha, beta, gamma",
	  .content = "alphabet betamax gammas", .fires = N },
	{ "neg: summary only, hit in title", .keywords = "NATO", .fields = "summary",
	  .title = "NATO", .content = "NATO", .fires = N },
	{ "neg: implicit AND with parentheses", .match = "(aa OR bb) cc", .content = "aa",
	  .fires = N },
	{ "pos: implicit AND with parentheses", .match = "(aa OR bb) cc", .content = "cc bb",
	  .fires = Y, .terms = "cc|bb" },
	{ "neg: phrase split by a sentence", .keywords = "\"security council\"",
	  .content = "security. The council", .fires = N },
	{ "neg: empty item", .keywords = "NATO", .fires = N },
	{ "neg: punctuation only", .keywords = "NATO", .content = "... --- !!!", .fires = N },
	{ "neg: keyword split by soft line", .keywords = "missile",
	  .content = "mis-\nsile", .fires = N },

	/* ---- HTML reduced to text first (html_to_text), then matched ---- */
	{ "html: paragraphs split words", .keywords = "\"north korea\"",
	  .content = "<p>North</p><p>Korea</p>", .html = 1, .fires = Y },
	{ "html: inline tags do not split words", .keywords = "NATO",
	  .content = "<p>NA<b>TO</b> summit</p>", .html = 1, .fires = Y },
	{ "html: block tags do split words", .keywords = "NATO",
	  .content = "<div>NA</div><div>TO</div>", .html = 1, .fires = N },
	{ "html: br splits words", .keywords = "missile",
	  .content = "mis<br>sile", .html = 1, .fires = N },
	{ "html: entity for the apostrophe", .keywords = "NATO",
	  .content = "<p>NATO&#8217;s chief</p>", .html = 1, .fires = Y,
	  .snippet = "«NATO»’s chief" },
	{ "html: double-escaped entity", .keywords = "NATO",
	  .content = "<p>&amp;#78;ATO allies</p>", .html = 1, .fires = Y },
	{ "html: named entity in a word", .keywords = "séoul",
	  .content = "<p>S&eacute;oul</p>", .html = 1, .fires = Y },
	{ "html: script text is not content", .keywords = "NATO",
	  .content = "<script>var NATO = 1;</script><p>nothing</p>", .html = 1, .fires = N },
	{ "html: attribute values are not content", .keywords = "NATO",
	  .content = "<a href=\"https://nato.int/\" title=\"NATO\">link</a>", .html = 1,
	  .fires = N },
	{ "html: markup is not a word", .keywords = "div",
	  .content = "<div>text</div>", .html = 1, .fires = N },

	/* ---- snippets ---- */
	{ "snippet: whitespace squeezed", .keywords = "NATO",
	  .content = "  the\t\tallies   of\n\nNATO  \r\n met  ", .fires = Y,
	  .snippet = "the allies of «NATO» met" },
	{ "snippet: prefix term marks the whole word", .keywords = "Stolten*",
	  .content = "said Stoltenberg’s office", .fires = Y,
	  .snippet = "said «Stoltenberg»’s office" },
	{ "snippet: ß expansion maps back to the original", .keywords = "strasse",
	  .content = "in der GROSSEN Straße, heute", .fires = Y,
	  .snippet = "in der GROSSEN «Straße», heute" },
	{ "snippet: full-width original kept", .keywords = "nato",
	  .content = "（ＮＡＴＯ）", .fires = Y, .snippet = "（«ＮＡＴＯ»）" },
	{ "snippet: phrase over a line break", .keywords = "\"wagner group\"",
	  .content = "the Wagner\n   Group.", .fires = Y, .snippet = "the «Wagner Group»." },
	{ "snippet: no-break space squeezed", .keywords = "korea",
	  .content = "North\xc2\xa0\xc2\xa0Korea", .fires = Y, .snippet = "North «Korea»" },

	/* ---- phrases that share a first word, many terms ---- */
	{ "shared first word: second phrase", .keywords = "\"north korea\", \"north pole\", north",
	  .content = "the North Pole", .fires = Y, .terms = "north pole|north" },
	{ "shared first word: only the word", .keywords = "\"north korea\", \"north pole\"",
	  .content = "north wind", .fires = N },
	{ "shared first word: prefix and word", .keywords = "korea*, korea",
	  .content = "Koreas", .fires = Y, .terms = "korea*" },
	{ "prefix of a long word", .keywords = "internationali*",
	  .content = "Internationalisation", .fires = Y },
	{ "long word exact (more than 8 bytes)", .keywords = "denuclearize",
	  .content = "to denuclearize the Korean Peninsula", .fires = Y },
	{ "long word, one letter more", .keywords = "denuclearize",
	  .content = "denuclearized", .fires = N },
	{ "word of exactly 8 bytes", .keywords = "nuclear1",
	  .content = "x nuclear1 y", .fires = Y },
	{ "word of exactly 16 bytes at the end", .keywords = "abcdefghijklmnop",
	  .content = "x ABCDEFGHIJKLMNOP", .fires = Y },
};

/* Expected errors: every message of the language. */
struct ecase {
	const char *name;
	const char *keywords, *match, *exclude, *fields;
	const char *err;
};

static const struct ecase errors[] = {
	{ "error: unbalanced ( (the example of the issue)",
	  .match = "NATO AND (DPRK OR (missile AND test)", .err =
	  "watchlist 'w': match: unbalanced '(' at column 10" },
	{ "error: unbalanced ( at column 17", .match = "DPRK AND missile (launch OR test",
	  .err = "watchlist 'w': match: unbalanced '(' at column 18" },
	{ "error: unbalanced )", .match = "NATO OR DPRK)", .err =
	  "watchlist 'w': match: unbalanced ')' at column 13" },
	{ "error: leading )", .match = ") NATO", .err =
	  "watchlist 'w': match: unbalanced ')' at column 1" },
	{ "error: column counts characters", .match = "КНДР OR (санкции", .err =
	  "watchlist 'w': match: unbalanced '(' at column 9" },
	{ "error: unterminated quote in match", .match = "NATO AND \"North Korea", .err =
	  "watchlist 'w': match: unterminated quote at column 10" },
	{ "error: unterminated regex", .match = "NATO OR /dprk", .err =
	  "watchlist 'w': match: unterminated regex at column 9" },
	{ "error: empty regex", .match = "NATO OR //", .err =
	  "watchlist 'w': match: empty regex at column 9" },
	{ "error: regex syntax", .match = "NATO OR /a(b/", .err =
	  "watchlist 'w': match: regex error: missing closing parenthesis at column 13" },
	{ "error: regex matching empty text", .match = "NATO OR /x*/", .err =
	  "watchlist 'w': match: regex matches empty text at column 9" },
	{ "error: text after regex", .match = "/dprk/i", .err =
	  "watchlist 'w': match: unexpected text after regex at column 7" },
	{ "error: empty phrase", .match = "NATO \"  \"", .err =
	  "watchlist 'w': match: empty phrase at column 6" },
	{ "error: text after phrase", .match = "\"north korea\"x", .err =
	  "watchlist 'w': match: unexpected text after phrase at column 14" },
	{ "error: quote inside a word", .match = "north\"korea\"", .err =
	  "watchlist 'w': match: unexpected '\"' at column 6" },
	{ "error: unknown field", .match = "titel:NATO", .err =
	  "watchlist 'w': match: unknown field 'titel' (title, summary, content, categories) "
	  "at column 1" },
	{ "error: field without term", .match = "NATO AND title:", .err =
	  "watchlist 'w': match: expected a term after 'title:' at column 10" },
	{ "error: AND without right operand", .match = "NATO AND", .err =
	  "watchlist 'w': match: expected a term after 'AND' at column 9" },
	{ "error: OR without right operand", .match = "(NATO OR) AND x", .err =
	  "watchlist 'w': match: expected a term after 'OR' at column 9" },
	{ "error: NOT without operand", .match = "NATO AND NOT", .err =
	  "watchlist 'w': match: expected a term after 'NOT' at column 13" },
	{ "error: leading AND", .match = "AND NATO", .err =
	  "watchlist 'w': match: unexpected 'AND' at column 1" },
	{ "error: OR OR", .match = "NATO OR OR DPRK", .err =
	  "watchlist 'w': match: unexpected 'OR' at column 9" },
	{ "error: AND OR", .match = "NATO AND OR DPRK", .err =
	  "watchlist 'w': match: unexpected 'OR' at column 10" },
	{ "error: ( AND", .match = "(AND x)", .err =
	  "watchlist 'w': match: unexpected 'AND' at column 2" },
	{ "error: NOT OR", .match = "x NOT OR y", .err =
	  "watchlist 'w': match: unexpected 'OR' at column 7" },
	{ "error: empty parentheses", .match = "NATO AND ()", .err =
	  "watchlist 'w': match: empty parentheses at column 10" },
	{ "error: empty expression", .match = "   ", .err =
	  "watchlist 'w': match: empty expression" },
	{ "error: star inside a word", .match = "sanc*tion", .err =
	  "watchlist 'w': match: '*' may only end a term at column 5" },
	{ "error: term without letters in match", .match = "NATO OR ++", .err =
	  "watchlist 'w': match: term '++' has no letters or digits at column 9" },
	{ "error: lone star", .match = "NATO *", .err =
	  "watchlist 'w': match: term '*' has no letters or digits at column 6" },
	{ "error: too deeply nested", .match =
	  "((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((x))))))))))))))))))"
	  "))))))))))))))))))))))))))))))))))))))))))))))))", .err =
	  "watchlist 'w': match: expression nested too deeply at column 65" },
	{ "error: NOT alone", .match = "NOT sport", .err =
	  "watchlist 'w': match: the expression holds for items that contain none of its "
	  "terms (put a positive term beside NOT)" },
	{ "error: a OR NOT b", .match = "NATO OR NOT sport", .err =
	  "watchlist 'w': match: the expression holds for items that contain none of its "
	  "terms (put a positive term beside NOT)" },
	{ "error: keywords unterminated quote", .keywords = "NATO, \"North Korea", .err =
	  "watchlist 'w': keywords: unterminated quote at column 7" },
	{ "error: keywords empty term", .keywords = "NATO,, DPRK", .err =
	  "watchlist 'w': keywords: empty term at column 6" },
	{ "error: keywords trailing comma", .keywords = "NATO, DPRK,", .err =
	  "watchlist 'w': keywords: empty term at column 12" },
	{ "error: keywords text after phrase", .keywords = "\"North Korea\" DPRK", .err =
	  "watchlist 'w': keywords: unexpected text after phrase at column 15" },
	{ "error: keywords quote inside term", .keywords = "North \"Korea\"", .err =
	  "watchlist 'w': keywords: unexpected '\"' at column 7" },
	{ "error: keywords star inside", .keywords = "NATO, s*nction", .err =
	  "watchlist 'w': keywords: '*' may only end a term at column 8" },
	{ "error: keywords without letters", .keywords = "NATO, ---", .err =
	  "watchlist 'w': keywords: term '---' has no letters or digits at column 7" },
	{ "error: keywords regex", .keywords = "/dprk/", .err =
	  "watchlist 'w': keywords: regular expressions are only allowed in match at column 1" },
	{ "error: keywords term too long", .keywords = NULL, .err = NULL },	/* filled below */
	{ "error: exclude empty term", .keywords = "NATO", .exclude = "sport, ", .err =
	  "watchlist 'w': exclude: empty term at column 8" },
	{ "error: exclude no terms", .keywords = "NATO", .exclude = "", .err =
	  "watchlist 'w': exclude: no terms" },
	{ "error: fields unknown", .keywords = "NATO", .fields = "title, body", .err =
	  "watchlist 'w': fields: unknown field 'body' (title, summary, content, categories) "
	  "at column 8" },
	{ "error: fields empty", .keywords = "NATO", .fields = " , ", .err =
	  "watchlist 'w': fields: no fields" },
	{ "error: neither keywords nor match", .exclude = "sport", .err =
	  "watchlist 'w': needs keywords or match" },
	{ "error: blank keywords and no match", .keywords = "  ", .err =
	  "watchlist 'w': needs keywords or match" },
	{ "error: blank keywords beside match", .keywords = "", .match = "NATO", .err =
	  "watchlist 'w': keywords: no terms" },
};

static char *
join_terms(const struct match_fire *fi, bool fields)
{
	struct buf b;
	size_t i;

	buf_init(&b, 0);
	buf_appends(&b, "");
	for (i = 0; i < fi->n_terms; i++) {
		if (i)
			buf_appendc(&b, '|');
		buf_appends(&b, fields ? match_field_name(fi->terms[i].field) : fi->terms[i].term);
	}
	return buf_steal(&b);
}

static struct match_set *
one_set(const char *kw, const char *m, const char *ex, const char *fields)
{
	struct match_set *set = match_set_new();
	struct match_watchlist_spec spec = { kw, m, ex, fields };
	char err[512];

	if (match_set_add_watchlist(set, "w", &spec, err, sizeof(err)) < 0)
		fail_msg("add: %s", err);
	if (match_set_compile(set, err, sizeof(err)) < 0)
		fail_msg("compile: %s", err);
	return set;
}

static void
test_case(void **state)
{
	const struct mcase *c = *state;
	struct match_set *set = one_set(c->keywords, c->match, c->exclude, c->fields);
	struct match_item_text item = { c->title, c->summary, c->content, c->cats, 0 };
	struct match_result res;
	char *html = NULL;
	size_t n;

	if (c->html) {
		html = html_to_text(c->content, strlen(c->content), 0);
		item.content = html;
	}
	while (item.n_categories < 4 && c->cats[item.n_categories])
		item.n_categories++;
	match_result_init(&res);
	n = match_item(set, &item, &res);
	if ((int)n != c->fires)
		fail_msg("expected %s, got %zu fires", c->fires ? "a match" : "no match", n);
	if (n == 1) {
		char *t = join_terms(&res.fires[0], false), *fl = join_terms(&res.fires[0], true);

		assert_string_equal(res.fires[0].name, "w");
		assert_true(res.fires[0].n_terms > 0);
		if (c->terms)
			assert_string_equal(t, c->terms);
		if (c->tfields)
			assert_string_equal(fl, c->tfields);
		if (c->snippet)
			assert_string_equal(res.fires[0].snippet, c->snippet);
		assert_non_null(strstr(res.fires[0].snippet, "«"));
		assert_non_null(strstr(res.fires[0].snippet, "»"));
		free(t);
		free(fl);
	}
	match_result_free(&res);
	match_set_free(set);
	free(html);
}

static void
test_error(void **state)
{
	const struct ecase *c = *state;
	struct match_set *set = match_set_new();
	struct match_watchlist_spec spec = { c->keywords, c->match, c->exclude, c->fields };
	char err[512] = "";
	char *longkw = NULL;
	const char *want = c->err;

	if (c->err == NULL) {
		/* a 1025-byte term */
		longkw = xmalloc(1030);
		memset(longkw, 'a', 1025);
		memcpy(longkw + 1025, ", b", 4);
		spec.keywords = longkw;
		want = "watchlist 'w': keywords: term too long (more than 1024 bytes) at column 1";
	}
	assert_int_equal(match_set_add_watchlist(set, "w", &spec, err, sizeof(err)), -1);
	assert_string_equal(err, want);
	/* the set is left as it was: a good watchlist still adds and works */
	{
		struct match_watchlist_spec ok = { "NATO", NULL, NULL, NULL };
		struct match_item_text item = { .content = "NATO" };
		struct match_result res;

		assert_int_equal(match_set_add_watchlist(set, "w", &ok, err, sizeof(err)), 0);
		assert_int_equal(match_set_compile(set, err, sizeof(err)), 0);
		match_result_init(&res);
		assert_int_equal(match_item(set, &item, &res), 1);
		assert_int_equal(res.fires[0].n_terms, 1);
		match_result_free(&res);
	}
	free(longkw);
	match_set_free(set);
}

/* The watchlist-level errors that are not about one string. */
static void
test_set_errors(void **state)
{
	struct match_set *set = match_set_new();
	struct match_watchlist_spec a = { "NATO", NULL, NULL, NULL };
	char err[256];

	(void)state;
	assert_int_equal(match_set_add_watchlist(set, "a", &a, err, sizeof(err)), 0);
	assert_int_equal(match_set_add_watchlist(set, "a", &a, err, sizeof(err)), -1);
	assert_string_equal(err, "watchlist 'a': defined twice");
	assert_int_equal(match_set_compile(set, err, sizeof(err)), 0);
	assert_int_equal(match_set_compile(set, err, sizeof(err)), -1);
	assert_string_equal(err, "the watchlists are already compiled");
	assert_int_equal(match_set_add_watchlist(set, "b", &a, err, sizeof(err)), -1);
	assert_string_equal(err, "watchlist 'b': the set is already compiled");
	assert_int_equal(match_set_count(set), 1);
	assert_string_equal(match_set_name(set, 0), "a");
	match_set_free(set);
}

/* A pathological regex hits the match limit instead of hanging, and counts as no match. */
static void
test_catastrophic_regex(void **state)
{
	struct match_set *set = one_set(NULL, "/(a+)+$/ OR DPRK", NULL, NULL);
	char text[64];
	struct match_item_text item = { .content = text };
	struct match_result res;
	struct timespec t0, t1;
	double ms;

	(void)state;
	memset(text, 'a', 40);
	strcpy(text + 40, "b");
	match_result_init(&res);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(match_item(set, &item, &res), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(res.regex_limit_hits >= 1);
	ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
	print_message("# catastrophic regex stopped after %.1f ms\n", ms);
	assert_true(ms < 1000);
	/* the same watchlist still works on sane input */
	item.content = "aaa";
	assert_int_equal(match_item(set, &item, &res), 1);
	assert_int_equal(res.regex_limit_hits, 0);
	item.content = "the DPRK";
	assert_int_equal(match_item(set, &item, &res), 1);
	match_result_free(&res);
	match_set_free(set);
}

static char *
read_fixture(const char *name)
{
	const char *dir = getenv("FEEDWATCHD_FIXTURES");
	char path[512];
	FILE *fp;
	struct buf b;
	char chunk[4096];
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "../shared/fixtures", name);
	if ((fp = fopen(path, "rb")) == NULL)
		fail_msg("cannot open %s", path);
	buf_init(&b, 0);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_append(&b, chunk, n);
	fclose(fp);
	return buf_steal(&b);
}

/* The fixture article: NATO, DPRK, "North Korea" and sanction* all occur in it (read by
 * hand: "NATO said on Sunday", "North Korea’s “reckless” missile tests" in line 1,
 * "facing sanctions" in line 16, "the image of the DPRK" in line 24). */
static void
test_fixture_article(void **state)
{
	char *text = read_fixture("news-article-nato-dprk.txt");
	struct match_set *set = one_set("NATO, DPRK, \"North Korea\", sanction*", NULL, NULL,
	    NULL);
	struct match_item_text item = {
		.title = "NATO chief visits Seoul", .content = text,
	};
	struct match_result res;
	char *t;

	(void)state;
	match_result_init(&res);
	assert_int_equal(match_item(set, &item, &res), 1);
	t = join_terms(&res.fires[0], false);
	/* NATO first occurs in the title */
	assert_string_equal(t, "NATO|North Korea|sanction*|DPRK");
	free(t);
	assert_string_equal(res.fires[0].snippet, "«NATO» chief visits Seoul");

	/* the article alone: snippet from its first line, cut with "…" at a word */
	item.title = NULL;
	assert_int_equal(match_item(set, &item, &res), 1);
	t = join_terms(&res.fires[0], false);
	assert_string_equal(t, "NATO|North Korea|sanction*|DPRK");
	free(t);
	t = join_terms(&res.fires[0], true);
	assert_string_equal(t, "content|content|content|content");
	free(t);
	print_message("# snippet: %s\n", res.fires[0].snippet);
	assert_string_equal(res.fires[0].snippet,
	    "«NATO» said on Sunday that it sought to bolster military ties with South Korea in "
	    "the…");
	match_result_free(&res);
	match_set_free(set);
	free(text);
}

/* The fixture article as an RSS content:encoded body: paragraphs, entities for the
 * typographic quotes, a link. One alert, the same terms. */
static void
test_fixture_html(void **state)
{
	char *text = read_fixture("news-article-nato-dprk.txt"), *plain, *t;
	struct match_set *set = one_set("NATO, DPRK, \"North Korea\", sanction*", NULL, NULL,
	    NULL);
	struct match_item_text item = { 0 };
	struct match_result res;
	struct buf b;
	const char *p;

	(void)state;
	buf_init(&b, 0);
	buf_appends(&b, "<div class=\"article\"><p>");
	for (p = text; *p; p++) {
		if (*p == '\n')
			buf_appends(&b, "</p>\n<p>");
		else if (strncmp(p, "’", 3) == 0 && (p += 2))
			buf_appends(&b, "&#8217;");
		else if (strncmp(p, "“", 3) == 0 && (p += 2))
			buf_appends(&b, "&ldquo;");
		else if (strncmp(p, "”", 3) == 0 && (p += 2))
			buf_appends(&b, "&amp;rdquo;");	/* double-escaped, as feeds do */
		else
			buf_appendc(&b, *p);
	}
	buf_appends(&b, "</p><p><a href=\"https://example.org/nato\">Read more</a></p></div>");
	plain = html_to_text(b.data, b.len, 0);
	item.content = plain;
	match_result_init(&res);
	assert_int_equal(match_item(set, &item, &res), 1);
	t = join_terms(&res.fires[0], false);
	assert_string_equal(t, "NATO|North Korea|sanction*|DPRK");
	free(t);
	print_message("# snippet: %s\n", res.fires[0].snippet);
	assert_true(strncmp(res.fires[0].snippet, "«NATO» said on Sunday", 21) == 0);
	assert_null(strstr(res.fires[0].snippet, "&"));
	assert_null(strstr(res.fires[0].snippet, "<"));
	match_result_free(&res);
	match_set_free(set);
	free(plain);
	buf_free(&b);
	free(text);
}

/* A snippet in the middle of a long text: ~80 characters each side, cut at words. */
static void
test_snippet_middle(void **state)
{
	char *text = read_fixture("news-article-nato-dprk.txt");
	struct match_set *set = one_set("DPRK", NULL, NULL, NULL);
	struct match_item_text item = { .content = text };
	struct match_result res;
	const char *s;

	(void)state;
	match_result_init(&res);
	assert_int_equal(match_item(set, &item, &res), 1);
	s = res.fires[0].snippet;
	print_message("# snippet: %s\n", s);
	assert_string_equal(s, "…Korean Central News Agency reported. “Trying to tarnish the "
	    "image of the «DPRK» by fabricating a non-existent thing is a grave provocation "
	    "that can never be…");
	match_result_free(&res);
	match_set_free(set);
	free(text);
}

/* Several watchlists in one set: each fires on its own terms, results in set order, and
 * a term shared by watchlists is reported for each. */
static void
test_many_watchlists(void **state)
{
	struct match_set *set = match_set_new();
	struct match_watchlist_spec a = { "NATO, DPRK", NULL, NULL, NULL };
	struct match_watchlist_spec b = { NULL, "DPRK AND sanction*", NULL, NULL };
	struct match_watchlist_spec c = { "NATO", NULL, "sport", NULL };
	struct match_watchlist_spec d = { "cricket", NULL, NULL, NULL };
	struct match_item_text item = { .title = "DPRK sanctions", .content = "NATO sport" };
	struct match_result res;
	char err[256];

	(void)state;
	assert_int_equal(match_set_add_watchlist(set, "a", &a, err, sizeof(err)), 0);
	assert_int_equal(match_set_add_watchlist(set, "b", &b, err, sizeof(err)), 0);
	assert_int_equal(match_set_add_watchlist(set, "c", &c, err, sizeof(err)), 0);
	assert_int_equal(match_set_add_watchlist(set, "d", &d, err, sizeof(err)), 0);
	assert_int_equal(match_set_compile(set, err, sizeof(err)), 0);
	match_result_init(&res);
	assert_int_equal(match_item(set, &item, &res), 2);
	assert_string_equal(res.fires[0].name, "a");
	assert_int_equal(res.fires[0].watchlist, 0);
	assert_int_equal(res.fires[0].n_terms, 2);
	assert_string_equal(res.fires[0].terms[0].term, "DPRK");
	assert_string_equal(res.fires[0].terms[1].term, "NATO");
	assert_string_equal(res.fires[1].name, "b");
	assert_int_equal(res.fires[1].n_terms, 2);
	/* the result is reusable: a second item replaces the first */
	item.title = "cricket";
	item.content = NULL;
	assert_int_equal(match_item(set, &item, &res), 1);
	assert_string_equal(res.fires[0].name, "d");
	item.title = NULL;
	assert_int_equal(match_item(set, &item, &res), 0);
	match_result_free(&res);
	match_set_free(set);
}

/* An empty set and an empty item. */
static void
test_empty(void **state)
{
	struct match_set *set = match_set_new();
	struct match_item_text item = { 0 };
	struct match_result res;
	char err[64];

	(void)state;
	assert_int_equal(match_set_compile(set, err, sizeof(err)), 0);
	match_result_init(&res);
	assert_int_equal(match_item(set, &item, &res), 0);
	match_result_free(&res);
	match_set_free(set);
	set = one_set("NATO", NULL, NULL, NULL);
	match_result_init(&res);
	assert_int_equal(match_item(set, &item, &res), 0);
	item.content = "";
	assert_int_equal(match_item(set, &item, &res), 0);
	match_result_free(&res);
	match_set_free(set);
}

/* Invalid UTF-8 in the item: no crash, valid snippet. */
static void
test_invalid_utf8(void **state)
{
	struct match_set *set = one_set("NATO", "/dprk/", NULL, NULL);
	struct match_item_text item = { .content = "\xff\xfe NATO \xc3( DPRK \xed\xa0\x80" };
	struct match_result res;

	(void)state;
	match_result_init(&res);
	assert_int_equal(match_item(set, &item, &res), 1);
	assert_string_equal(res.fires[0].snippet,
	    "\xef\xbf\xbd\xef\xbf\xbd «NATO» \xef\xbf\xbd( DPRK \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	match_result_free(&res);
	match_set_free(set);
}

/* 10,000 keywords: every one is found, and the result names the right one. */
static void
test_many_keywords(void **state)
{
	struct buf kw;
	struct match_set *set;
	struct match_result res;
	struct match_item_text item = { 0 };
	char word[32];
	int i;

	(void)state;
	buf_init(&kw, 0);
	for (i = 0; i < 10000; i++) {
		snprintf(word, sizeof(word), "%sw%dx", i ? ", " : "", i * 7919 % 100003);
		buf_appends(&kw, word);
	}
	set = one_set(kw.data, NULL, NULL, NULL);
	assert_int_equal(match_set_patterns(set), 10000);
	match_result_init(&res);
	for (i = 0; i < 10000; i += 997) {
		snprintf(word, sizeof(word), "xx W%dX yy", i * 7919 % 100003);
		item.content = word;
		assert_int_equal(match_item(set, &item, &res), 1);
		assert_int_equal(res.fires[0].n_terms, 1);
		snprintf(word, sizeof(word), "w%dx", i * 7919 % 100003);
		assert_string_equal(res.fires[0].terms[0].term, word);
	}
	item.content = "w1x w0";
	assert_int_equal(match_item(set, &item, &res), 0);
	match_result_free(&res);
	match_set_free(set);
	buf_free(&kw);
}

/* Terms up to the 1024-byte limit, as words and as prefixes of any length. */
static void
test_long_terms(void **state)
{
	char *kw = xmalloc(4096), *text = xmalloc(4096);
	struct match_set *set;
	struct match_result res;
	struct match_item_text item = { .content = text };

	(void)state;
	/* a 1024-letter word, a 300-letter prefix and a 2-letter prefix */
	memset(kw, 'a', 1024);
	strcpy(kw + 1024, ", ");
	memset(kw + 1026, 'b', 300);
	strcpy(kw + 1326, "*, cd*");
	set = one_set(kw, NULL, NULL, NULL);
	match_result_init(&res);
	memset(text, 'A', 1024);
	strcpy(text + 1024, " x");
	assert_int_equal(match_item(set, &item, &res), 1);
	assert_int_equal(res.fires[0].n_terms, 1);
	memset(text, 'b', 400);
	strcpy(text + 400, " x");
	assert_int_equal(match_item(set, &item, &res), 1);
	assert_int_equal(strlen(res.fires[0].terms[0].term), 301);
	memset(text, 'b', 299);
	strcpy(text + 299, " x");
	assert_int_equal(match_item(set, &item, &res), 0);
	strcpy(text, "the CDs");
	assert_int_equal(match_item(set, &item, &res), 1);
	assert_string_equal(res.fires[0].terms[0].term, "cd*");
	assert_string_equal(res.fires[0].snippet, "the «CDs»");
	match_result_free(&res);
	match_set_free(set);
	free(kw);
	free(text);
}

/* Random expressions and texts: the parser either accepts or names the watchlist in its
 * error; matching never crashes (run under ASan in `make check SAN=1`). */
static void
test_random(void **state)
{
	static const char *const toks[] = {
		"NATO", "dprk", "\"north korea\"", "sanction*", "AND", "OR", "NOT", "(", ")",
		"title:", "content:", "/ab+c/", "\"", "/", "*", "北朝鲜", "북한", "КНДР", ",",
		"categories:x", "-", "’s", "ß", "  ", "\n", "/(a|b)*c/", "\xff", "summary:\"y\"",
	};
	static const char *const words[] = {
		"NATO", "dprk", "north", "korea", "sanctions", "北朝鲜", "북한은", "КНДР", "ab", "bc",
		"abbbc", "c", "x", "y", "’s", "-", "\n", "\xff", "\xc3", "ß", "SS", "title",
	};
	uint64_t r = 88172645463325252ull;
	char err[512], expr[256], text[512];
	int i, j, ok = 0;

	(void)state;
	for (i = 0; i < 3000; i++) {
		struct match_set *set = match_set_new();
		struct match_watchlist_spec spec = { NULL, NULL, NULL, NULL };
		struct match_result res;
		const char *cats[2] = { "x", "korea" };
		struct match_item_text item = { text, text, text, cats, 2 };
		size_t len = 0;

		expr[0] = '\0';
		for (j = 0; j < 1 + (int)(r % 8); j++) {
			r ^= r << 13; r ^= r >> 7; r ^= r << 17;
			len += (size_t)snprintf(expr + len, sizeof(expr) - len, "%s%s",
			    toks[r % (sizeof(toks) / sizeof(toks[0]))], r % 3 ? " " : "");
		}
		if (i % 3 == 0)
			spec.keywords = expr;
		else
			spec.match = expr;
		if (i % 5 == 0)
			spec.exclude = "x";
		if (match_set_add_watchlist(set, "w", &spec, err, sizeof(err)) < 0) {
			assert_true(strncmp(err, "watchlist 'w': ", 15) == 0);
			match_set_free(set);
			continue;
		}
		ok++;
		assert_int_equal(match_set_compile(set, err, sizeof(err)), 0);
		match_result_init(&res);
		for (int t = 0; t < 5; t++) {
			len = 0;
			for (j = 0; j < (int)(r % 30); j++) {
				r ^= r << 13; r ^= r >> 7; r ^= r << 17;
				len += (size_t)snprintf(text + len, sizeof(text) - len, "%s%s",
				    words[r % (sizeof(words) / sizeof(words[0]))], r % 4 ? " " : "");
			}
			text[len] = '\0';
			if (match_item(set, &item, &res) == 1) {
				assert_true(res.fires[0].n_terms > 0);
				assert_non_null(strstr(res.fires[0].snippet, "«"));
			}
		}
		match_result_free(&res);
		match_set_free(set);
	}
	print_message("# %d of 3000 random watchlists were valid\n", ok);
	assert_true(ok > 300);
}

int
main(void)
{
	size_t nc = sizeof(cases) / sizeof(cases[0]), ne = sizeof(errors) / sizeof(errors[0]);
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_set_errors),
		cmocka_unit_test(test_catastrophic_regex),
		cmocka_unit_test(test_fixture_article),
		cmocka_unit_test(test_fixture_html),
		cmocka_unit_test(test_snippet_middle),
		cmocka_unit_test(test_many_watchlists),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_many_keywords),
		cmocka_unit_test(test_long_terms),
		cmocka_unit_test(test_random),
	};
	size_t nf = sizeof(fixed) / sizeof(fixed[0]), i, k = 0;
	struct CMUnitTest *tests = xcalloc(nc + ne + nf, sizeof(*tests));
	int rc;

	for (i = 0; i < nc; i++, k++) {
		tests[k].name = cases[i].name;
		tests[k].test_func = test_case;
		tests[k].initial_state = (void *)&cases[i];
	}
	for (i = 0; i < ne; i++, k++) {
		tests[k].name = errors[i].name;
		tests[k].test_func = test_error;
		tests[k].initial_state = (void *)&errors[i];
	}
	for (i = 0; i < nf; i++, k++)
		tests[k] = fixed[i];
	rc = _cmocka_run_group_tests("match", tests, k, NULL, NULL);
	free(tests);
	return rc;
}
