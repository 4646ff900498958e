#!/usr/bin/env bash
# t_parse_golden.sh — golden-file tests for `feedwatchd parse`.
#
# Good cases: tests/feeds/NAME.xml or NAME.feed.json, with the hand-written expected output
# NAME.expected.json and optional extra arguments in NAME.args. Each case runs
# `$FEEDWATCHD parse $(cat NAME.args) FILE` and reports three TAP lines: exit status 0,
# stdout is valid JSON (strict UTF-8), and stdout equals the golden file field by field
# (tests/lib/jsoncmp.py; the differences are printed as "# " diagnostics).
# Bad cases: tests/feeds/bad/NAME.* (any input) with NAME.stderr holding a Python regex
# (the token @FILE@ stands for the input's file name, regex-escaped); the run must exit 1
# and print exactly one line on stderr that the regex finds.
# Replays: one document on stdin (`parse -`), a dozen trickled into stdin a few bytes per
# write ("dribble-*", splitting entities, CDATA and UTF-8 across reads), and four fetched by
# URL from the loopback fixture ("url-*": HTTP charset, document URL as base, gzip, slow
# body); each must print the same JSON as its file.
# GOLDEN=part-of-name restricts the run to matching cases.
source "$(dirname "$0")/lib/tap.sh"
cd "$TOP" || exit 1
FEEDS=tests/feeds
CMP="$PY tests/lib/jsoncmp.py"

# run_parse OUTPREFIX ARGS... : runs the parser, leaves .out .err .rc under $TMP.
run_parse() {
	local pre=$1; shift
	"$FEEDWATCHD" parse "$@" >"$TMP/$pre.out" 2>"$TMP/$pre.err"
	echo $? >"$TMP/$pre.rc"
}

is_json() { $PY -c 'import json,sys; json.loads(open(sys.argv[1],"rb").read().decode("utf-8"))' "$1" 2>/dev/null; }

shopt -s nullglob
for src in "$FEEDS"/*.xml "$FEEDS"/*.feed.json; do
	base=$(basename "$src")
	name=${base%.xml}; name=${name%.feed.json}
	[ -n "${GOLDEN:-}" ] && [[ $name != *$GOLDEN* ]] && continue
	exp=$FEEDS/$name.expected.json
	args=()
	[ -f "$FEEDS/$name.args" ] && read -r -a args <"$FEEDS/$name.args"
	run_parse "$name" "${args[@]}" "$src"
	rc=$(cat "$TMP/$name.rc")
	if [ "$rc" = 0 ]; then ok "$name: exit status 0"; else
		fail "$name: exit status 0"; diag "exit status $rc; stderr: $(head -c 300 "$TMP/$name.err")"; fi
	if is_json "$TMP/$name.out"; then ok "$name: stdout is valid JSON"; else
		fail "$name: stdout is valid JSON"; diag "stdout: $(head -c 300 "$TMP/$name.out")"
		fail "$name: output matches $name.expected.json"; continue; fi
	if [ ! -f "$exp" ]; then fail "$name: output matches $name.expected.json"; diag "missing $exp"; continue; fi
	if $CMP "$exp" "$TMP/$name.out" >"$TMP/$name.diff" 2>&1; then
		ok "$name: output matches $name.expected.json"
	else
		fail "$name: output matches $name.expected.json"
		while IFS= read -r line; do diag "$line"; done <"$TMP/$name.diff"
	fi
done

# A document read from stdin parses like the same file.
if [ -z "${GOLDEN:-}" ] || [[ stdin == *$GOLDEN* ]]; then
	"$FEEDWATCHD" parse - <"$FEEDS/nato-rss20.xml" >"$TMP/stdin.out" 2>"$TMP/stdin.err"
	rc=$?
	if [ "$rc" = 0 ] && is_json "$TMP/stdin.out" && $CMP "$FEEDS/nato-rss20.expected.json" "$TMP/stdin.out" >"$TMP/stdin.diff" 2>&1; then
		ok "stdin: parse - reads nato-rss20.xml like the file"
	else
		fail "stdin: parse - reads nato-rss20.xml like the file"
		diag "exit status $rc; stderr: $(head -c 300 "$TMP/stdin.err")"
		[ -f "$TMP/stdin.diff" ] && while IFS= read -r line; do diag "$line"; done <"$TMP/stdin.diff"
	fi
fi

# The same documents trickled into stdin a few bytes at a time (1..13-byte writes), so
# that entities, CDATA markers, tags and multi-byte characters are split across reads.
DRIBBLE="bozo-html-entity bozo-amp-in-link text-titles text-descriptions windows-1252 utf8-bom
 utf16le-bom shift_jis cjk-utf8 rss091-netscape nato-rss20 nato-atom10 atom10-full jsonfeed11 damage-nul"
for name in $DRIBBLE; do
	[ -n "${GOLDEN:-}" ] && [[ dribble-$name != *$GOLDEN* ]] && continue
	src=$FEEDS/$name.xml; [ -f "$src" ] || src=$FEEDS/$name.feed.json
	args=()
	[ -f "$FEEDS/$name.args" ] && read -r -a args <"$FEEDS/$name.args"
	$PY -c '
import os, sys, time
data = open(sys.argv[1], "rb").read()
i, k = 0, 0
while i < len(data):
    n = 1 + (k * 7) % 13
    os.write(1, data[i:i + n])
    i, k = i + n, k + 1
    time.sleep(0.0003)
' "$src" 2>/dev/null | "$FEEDWATCHD" parse "${args[@]}" - >"$TMP/dr-$name.out" 2>"$TMP/dr-$name.err"
	rc=$?
	if [ "$rc" = 0 ] && is_json "$TMP/dr-$name.out" &&
	   $CMP "$FEEDS/$name.expected.json" "$TMP/dr-$name.out" >"$TMP/dr-$name.diff" 2>&1; then
		ok "dribble-$name: trickled stdin parses like the file"
	else
		fail "dribble-$name: trickled stdin parses like the file"
		diag "exit status $rc; stderr: $(head -c 300 "$TMP/dr-$name.err")"
		[ -f "$TMP/dr-$name.diff" ] && while IFS= read -r line; do diag "$line"; done <"$TMP/dr-$name.diff"
	fi
done

# The same documents fetched by URL from a loopback fixture: the HTTP charset acts like
# --charset, the document URL acts like --base, and gzip or a slow body change nothing.
# url_case NAME PATH RESPONSE-JSON [SUBSTITUTIONS-JSON]: the expected file is NAME's, with
# each "from" string replaced by "to" (the document URL differs from the --base one).
url_case() {
	local name=$1 path=$2 resp=$3 subst=${4:-[]} url
	[ -n "${GOLDEN:-}" ] && [[ url-$name != *$GOLDEN* ]] && return
	url=$(fixture_url "$WEB_PORT" "$path")
	if ! fixture_route "$WEB_PORT" "$path" "$resp" >/dev/null; then
		fail "url-$name: fetched by URL parses like the file"; diag "cannot script the fixture"; return
	fi
	$PY - "$FEEDS/$name.expected.json" "$subst" "$WEB_PORT" >"$TMP/url-$name.want" <<'EOF'
import json, sys
subst = [(a, b.replace("PORT", sys.argv[3])) for a, b in json.loads(sys.argv[2])]
def fix(v):
    if isinstance(v, str):
        for a, b in subst:
            v = v.replace(a, b)
        return v
    if isinstance(v, list):
        return [fix(x) for x in v]
    if isinstance(v, dict):
        return {k: fix(x) for k, x in v.items()}
    return v
print(json.dumps(fix(json.load(open(sys.argv[1], encoding="utf-8"))), ensure_ascii=False))
EOF
	"$FEEDWATCHD" parse "$url" >"$TMP/url-$name.out" 2>"$TMP/url-$name.err"
	local rc=$?
	if [ "$rc" = 0 ] && is_json "$TMP/url-$name.out" &&
	   $CMP "$TMP/url-$name.want" "$TMP/url-$name.out" >"$TMP/url-$name.diff" 2>&1; then
		ok "url-$name: fetched by URL parses like the file"
	else
		fail "url-$name: fetched by URL parses like the file"
		diag "exit status $rc; stderr: $(head -c 300 "$TMP/url-$name.err")"
		[ -f "$TMP/url-$name.diff" ] && while IFS= read -r line; do diag "$line"; done <"$TMP/url-$name.diff"
	fi
}
URL_CASES="url-charset-override url-links-relative-base url-bozo-html-entity url-nato-rss20"
if [ -z "${GOLDEN:-}" ] || [[ $URL_CASES == *$GOLDEN* ]]; then
	source "$TOP/tests/lib/httpfixture.sh"
	if fixture_start WEB; then
		url_case charset-override /latin1.xml \
			'{"headers": {"Content-Type": "application/rss+xml; charset=ISO-8859-1"}, "body_file": "'"$TOP/$FEEDS"'/charset-override.xml"}'
		url_case links-relative-base /news/feed.xml \
			'{"headers": {"Content-Type": "application/rss+xml"}, "body_file": "'"$TOP/$FEEDS"'/links-relative-base.xml"}' \
			'[["https://example.org/", "http://127.0.0.1:PORT/"], ["https://cdn.example.net/", "http://cdn.example.net/"]]'
		url_case bozo-html-entity /slow-gzip.xml \
			'{"headers": {"Content-Type": "text/xml"}, "body_file": "'"$TOP/$FEEDS"'/bozo-html-entity.xml", "encode": "gzip", "slow": {"bytes": 5, "every": 0.002}}'
		url_case nato-rss20 /slow.xml \
			'{"headers": {"Content-Type": "application/rss+xml; charset=utf-8"}, "body_file": "'"$TOP/$FEEDS"'/nato-rss20.xml", "slow": {"bytes": 11, "every": 0.001}}'
	else
		fail "url-*: loopback fixture started"
	fi
fi

for src in "$FEEDS"/bad/*; do
	case $src in *.stderr|*.args|*.md) continue ;; esac
	base=$(basename "$src")
	name=${base%%.*}
	[ -n "${GOLDEN:-}" ] && [[ bad/$name != *$GOLDEN* ]] && continue
	re=$FEEDS/bad/$name.stderr
	args=()
	[ -f "$FEEDS/bad/$name.args" ] && read -r -a args <"$FEEDS/bad/$name.args"
	run_parse "bad-$name" "${args[@]}" "$src"
	rc=$(cat "$TMP/bad-$name.rc")
	is "bad/$base: exit status" "$rc" 1
	lines=$(wc -l <"$TMP/bad-$name.err")
	# one line: exactly one newline-terminated line, or one line without its newline
	if { [ "$lines" = 1 ] && [ "$(tail -c 1 "$TMP/bad-$name.err" | od -An -c | tr -d ' ')" = '\n' ]; } ||
	   { [ "$lines" = 0 ] && [ -s "$TMP/bad-$name.err" ]; }; then
		ok "bad/$base: stderr is one line"
	else
		fail "bad/$base: stderr is one line"
		diag "stderr ($lines newlines): $(head -c 400 "$TMP/bad-$name.err")"
	fi
	if [ -f "$re" ] && $PY - "$re" "$TMP/bad-$name.err" "$base" <<'EOF'
import re, sys
pat = open(sys.argv[1], encoding="utf-8").read().strip().replace("@FILE@", re.escape(sys.argv[3]))
err = open(sys.argv[2], "rb").read().decode("utf-8", "replace").strip()
sys.exit(0 if err and re.search(pat, err) else 1)
EOF
	then ok "bad/$base: stderr matches $name.stderr"
	else
		fail "bad/$base: stderr matches $name.stderr"
		diag "want /$(cat "$re" 2>/dev/null)/ got: $(head -c 300 "$TMP/bad-$name.err")"
	fi
done
done_testing
