#!/usr/bin/env bash
# t_parse_chunking.sh — RELIABILITY RB-02 for broken documents: whatever sizes the bytes
# arrive in, a malformed feed gives exactly the entries, bozo flag and warnings of the
# same file read in one piece. libxml2's recovery from broken markup depends on how much
# input it holds when it meets the damage, so this only holds because feed.c always hands
# it the same slices; a daemon that fetched a broken feed twice must not lose a story on
# one fetch and keep it on the other.
#
# The documents: tests/feeds/malformed/ (fuzzer findings that once differed: an EUC-KR
# feed with a broken start tag, items with broken tags and CDATA), the bozo fixtures of the
# golden corpus, and a generated ~300 KB feed whose items carry every kind of damage the
# parser recovers from (unclosed and stray tags, bare "<" and "&", unknown entities,
# invalid UTF-8, a broken attribute, NUL), so that damage falls on and near the 16 KiB
# slice boundaries. Each is parsed in pieces of several size patterns (1..16 bytes, 1..13,
# 1..600, 4000..20000; the FEEDWATCHD_TEST_CHUNKS hook of `feedwatchd parse`) and once from
# a pipe, and compared with the file read whole, byte for byte (JSON and warnings).
cd "$(dirname "$0")/.." || exit 1
. tests/lib/tap.sh

gen_damaged() {
	$PY - "$1" <<'PY'
import random, sys
rnd = random.Random(20261128)
damage = [
    lambda i: f"<title>Item {i} with a bare & and a bare < in it</title>",
    lambda i: f"<title>Item {i} &unknownentity; &nbsp; &amp; &#8212;</title>",
    lambda i: f"<title>Item {i} <b>unclosed bold</title>",
    lambda i: f"<title>Item {i}</title></stray>",
    lambda i: f"<title>Item {i} \udcff\udcfe invalid bytes \udcc3</title>",
    lambda i: f"<title>Item {i}</title><link>http://example.com/a?x=1&y={i}</link>",
    lambda i: f"<title>Item {i}</title><guid isPermaLink=\"false>g{i}</guid>",
    lambda i: f"<title>Item {i}</title><description>text \x00 with a NUL</description>",
    lambda i: f"<title>Item {i}</title><description><![CDATA[<p>ok</p>]]></description>",
    lambda i: f"<title>Item {i} \xe2\x80\x9cquoted\xe2\x80\x9d \xeb\xb6\x81\xed\x95\x9c</title>",
    lambda i: f"<title>Item {i}</title><category>a<category>b</category>",
]
out = ['<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
       '<title>Damaged</title><link>http://example.com/</link>\n']
i = 0
while sum(len(s) for s in out) < 300000:
    parts = [damage[rnd.randrange(len(damage))](i) for _ in range(rnd.randrange(1, 3))]
    body = " ".join(["filler"] * rnd.randrange(0, 400))
    out.append(f"<item>{''.join(parts)}<guid>id-{i}</guid>"
               f"<description>{body}</description></item>\n")
    i += 1
out.append("</channel></rss>\n")
sys.stdout.buffer.write("".join(out).encode("utf-8", "surrogateescape"))
PY
}

# pattern MIN MAX COUNT SEED: COUNT piece sizes in MIN..MAX, comma-separated, for the
# FEEDWATCHD_TEST_CHUNKS hook (`feedwatchd parse` pushes its input cut into pieces of
# these sizes in turn)
pattern() {
	$PY -c '
import random, sys
lo, hi, count, seed = map(int, sys.argv[1:])
rnd = random.Random(seed)
print(",".join(str(rnd.randint(lo, hi)) for _ in range(count)))
' "$@"
}

gen_damaged "$TMP/damaged.xml" >"$TMP/damaged.xml"
size=$(wc -c <"$TMP/damaged.xml")
check "the generated damaged feed is over 100 KB ($size bytes)" [ "$size" -gt 100000 ]

docs=(tests/feeds/malformed/*.xml "$TMP/damaged.xml")
for f in tests/feeds/bozo-*.xml; do docs+=("$f"); done

for doc in "${docs[@]}"; do
	name=$(basename "$doc" .xml)
	"$FEEDWATCHD" parse "$doc" >"$TMP/$name.one" 2>"$TMP/$name.one.err"
	rc1=$?
	# the whole-file result must be a recovered feed, so that the comparison means
	# something (not two identical failures)
	if [ "$rc1" = 0 ] && grep -q '"bozo": true' "$TMP/$name.one"; then
		ok "$name: parses in one piece, bozo"
	else
		fail "$name: parses in one piece, bozo"
		diag "exit $rc1: $(head -c 300 "$TMP/$name.one.err")"
	fi
	seed=1
	for sizes in "1 16" "1 13" "1 600" "4000 20000"; do
		read -r lo hi <<<"$sizes"
		cuts=$(pattern "$lo" "$hi" 997 "$seed")
		FEEDWATCHD_TEST_CHUNKS=$cuts "$FEEDWATCHD" parse "$doc" \
			>"$TMP/$name.ch" 2>"$TMP/$name.ch.err"
		rc2=$?
		seed=$((seed + 1))
		if [ "$rc2" = "$rc1" ] && cmp -s "$TMP/$name.one" "$TMP/$name.ch" &&
		   cmp -s "$TMP/$name.one.err" "$TMP/$name.ch.err"; then
			ok "$name: pieces of $lo..$hi bytes give the same entries and warnings"
		else
			fail "$name: pieces of $lo..$hi bytes give the same entries and warnings"
			diag "exit $rc1 vs $rc2"
			diff "$TMP/$name.one" "$TMP/$name.ch" | head -20 | while IFS= read -r l; do diag "$l"; done
			diff "$TMP/$name.one.err" "$TMP/$name.ch.err" | head -6 | while IFS= read -r l; do diag "$l"; done
		fi
	done
	# and once through a pipe, as the bytes of a slow download arrive
	$PY -c '
import os, sys, time
data = open(sys.argv[1], "rb").read()
for i in range(0, len(data), 4093):
    os.write(1, data[i:i + 4093])
    time.sleep(0.001)
' "$doc" | "$FEEDWATCHD" parse - >"$TMP/$name.pipe" 2>/dev/null
	check "$name: read from a pipe in pieces, the same entries" cmp -s "$TMP/$name.one" "$TMP/$name.pipe"
done
n_entries=$(grep -c '"id":' "$TMP/damaged.one")
check "the damaged feed keeps most of its items ($n_entries)" [ "$n_entries" -gt 100 ]
done_testing
