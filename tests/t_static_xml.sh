#!/usr/bin/env bash
# t_static_xml.sh — RELIABILITY.md XML-17: the C sources (daemon/, include/) never use the
# libxml2 options and entry points that load external resources, expand entities or lift
# the parser's limits, and daemon/feed.c installs an external entity loader. The scanner
# (tests/hostile/xmlban.py) drops comments first; its own self-test below proves it finds
# every banned name, ignores commented-out ones and sees past "//" inside strings.
cd "$(dirname "$0")/.." || exit 1
. tests/lib/tap.sh

BAN="$PY $TOP/tests/hostile/xmlban.py"
shopt -s nullglob
srcs=(daemon/*.c daemon/*.h include/*.h)

# --- self-test: the check can fail -------------------------------------------------------
mapfile -t names < <($BAN names)
cat >"$TMP/bad.c" <<'C'
/* bad.c: every banned use, one per line, in code */
int a = XML_PARSE_NOENT;
int b = XML_PARSE_DTDLOAD | XML_PARSE_NONET;
int c = XML_PARSE_DTDATTR;
int d = XML_PARSE_DTDVALID;
int e = XML_PARSE_XINCLUDE;
int f = XML_PARSE_RECOVER|XML_PARSE_HUGE;
int g = HTML_PARSE_HUGE;
doc = xmlParseMemory(buf, len);
doc = xmlParseFile("feed.xml");
doc = xmlReadFile(path, NULL, 0);
doc = xmlCtxtReadFile(ctxt, path, NULL, 0);
doc = xmlRecoverMemory(buf, len);
xmlSAXUserParseMemory(&sax, NULL, buf, len);
doc = htmlReadFile(path, NULL, 0);
xmlXIncludeProcessFlags(doc, 0);
xmlSubstituteEntitiesDefault(1);
xmlLoadExtDtdDefaultValue = 1;
ctxt->replaceEntities = 1;
ctxt->loadsubset = XML_DETECT_IDS;
xmlSetExternalEntityLoader(NULL);
C
cat >"$TMP/tricky.c" <<'C'
doc = xmlReadMemory(buf, len, "http://example.com/", NULL,
    XML_PARSE_NOENT);
C
cat >"$TMP/clean.c" <<'C'
/* XML_PARSE_NOENT, XML_PARSE_DTDLOAD and xmlParseMemory are banned:
 * XML_PARSE_HUGE XML_PARSE_XINCLUDE xmlReadFile
 */
// xmlSubstituteEntitiesDefault(1); XML_PARSE_DTDVALID
int opts = XML_PARSE_NONET | XML_PARSE_RECOVER;	/* not XML_PARSE_HUGE */
int x = XML_PARSE_NOXINCNODE;	// not XML_PARSE_DTDATTR
xmlSubstituteEntitiesDefault(0);
ctxt->replaceEntities = 0;
const char *url = "http://x/*y";	/* a string with comment starters */
int y = 1; /* multi-line
 XML_PARSE_NOENT
*/
C
cat >"$TMP/loader-missing.c" <<'C'
/* xmlSetExternalEntityLoader(refuse_cb); would go here */
int z;
C
cat >"$TMP/loader-present.c" <<'C'
static void init(void) {
	xmlSetExternalEntityLoader(
	    refuse_cb);
}
C
$BAN scan "$TMP/bad.c" >"$TMP/bad.hits"; rc=$?
is "self-test: the scan fails on a file with banned uses" "$rc" 1
missing=()
for n in "${names[@]}"; do grep -qF ": $n: " "$TMP/bad.hits" || missing+=("$n"); done
is "self-test: each of the ${#names[@]} bans is found" "${missing[*]}" ""
is "self-test: one hit per line, with the right line numbers" \
	"$(cut -d: -f2 "$TMP/bad.hits" | sort -n | tr '\n' ' ')" "$(seq 2 21 | tr '\n' ' ')"
$BAN scan "$TMP/tricky.c" >"$TMP/tricky.hits"
is "self-test: a banned option after a \"http://\" string, on the next line, is found" \
	"$(cut -d: -f2,3 "$TMP/tricky.hits")" "2: XML_PARSE_NOENT"
$BAN scan "$TMP/clean.c" >"$TMP/clean.hits"; rc=$?
is "self-test: names in comments and allowed uses are not flagged" "$rc $(cat "$TMP/clean.hits")" "0 "
$BAN loader "$TMP/loader-missing.c"
is "self-test: a loader call only in a comment does not count" "$?" 1
$BAN loader "$TMP/loader-present.c"
is "self-test: a loader call split over lines counts" "$?" 0

# --- the real sources --------------------------------------------------------------------
if [ ${#srcs[@]} -gt 0 ]; then ok "sources to scan: ${#srcs[@]} files"; else fail "no C sources found"; fi
$BAN scan "${srcs[@]}" >"$TMP/real.hits"
for n in "${names[@]}"; do
	if grep -F ": $n: " "$TMP/real.hits" >"$TMP/one.hits"; then
		fail "no $n in daemon/ include/"
		while IFS= read -r l; do diag "$l"; done <"$TMP/one.hits"
	else
		ok "no $n in daemon/ include/"
	fi
done
if [ -f daemon/feed.c ] && $BAN loader daemon/feed.c; then
	ok "daemon/feed.c calls xmlSetExternalEntityLoader() with a loader"
else
	fail "daemon/feed.c calls xmlSetExternalEntityLoader() with a loader"
fi

done_testing
