#!/usr/bin/env bash
# Configuration corpus: every file in tests/conf/good passes `feedwatchd check` (exit 0),
# every file in tests/conf/bad fails with exit 2 and exactly the expected error lines
# (file:line: message, all of them), plus a few checks of what the loader read.
. "$(dirname "$0")/lib/tap.sh"
cd "$TOP"

for f in tests/conf/good/*.conf; do
	src=$f
	if grep -q '@DIR@' "$f"; then
		mkdir -p "$TMP/inc"
		cp -r tests/conf/good/include.d "$TMP/inc/"
		sed "s#@DIR@#$TMP/inc#" "$f" > "$TMP/inc/$(basename "$f")"
		src=$TMP/inc/$(basename "$f")
	fi
	out=$("$FEEDWATCHD" check -c "$src" 2>"$TMP/err"); rc=$?
	is "good $(basename "$f"): exit 0" "$rc" 0
	[ "$rc" = 0 ] || sed 's/^/#   /' "$TMP/err"
done

for f in tests/conf/bad/*.conf; do
	name=$(basename "$f" .conf)
	"$FEEDWATCHD" check -c "$f" >"$TMP/out" 2>"$TMP/err"; rc=$?
	is "bad $name: exit 2" "$rc" 2
	# every expected line matches one error line, in order; no unexpected extra errors
	grep -v '^feedwatchd: ' "$TMP/err" > "$TMP/errlines"
	ok_all=1 n=0
	while IFS= read -r re; do
		n=$((n + 1))
		re=${re//@F@/$f}
		line=$(sed -n "${n}p" "$TMP/errlines")
		[[ $line =~ $re ]] || { ok_all=0; diag "line $n: '$line' !~ /$re/"; }
	done < "tests/conf/bad/$name.expect"
	[ "$(wc -l < "$TMP/errlines")" = "$n" ] || { ok_all=0; diag "want $n error lines, got:"; sed 's/^/#   /' "$TMP/errlines"; }
	check "bad $name: reports exactly the expected errors" [ $ok_all = 1 ]
	check "bad $name: summary line names the file" grep -q "^feedwatchd: $f: $n error" "$TMP/err"
done

# The long line really arrives whole: term1999 and the phrase after it match.
cat > "$TMP/feed.xml" <<'XML'
<rss version="2.0"><channel><title>t</title>
<item><title>A story about term1999 and North-Korea</title><link>http://x/1</link></item>
<item><title>Nothing here: term19990</title><link>http://x/2</link></item>
</channel></rss>
XML
out=$("$FEEDWATCHD" test -c tests/conf/good/long-line.conf --json "$TMP/feed.xml")
is "long keyword line: one alert" "$(printf '%s\n' "$out" | grep -c '"watchlist":"big"')" 1
check "long keyword line: term1999 and the phrase at the end both matched" \
	grep -q '"matched":\["term1999","North Korea"\]' <<<"$out"

# Continuation lines join keywords and expressions.
out=$("$FEEDWATCHD" test -c tests/conf/good/continuation.conf --json "$TMP/feed.xml")
check "continuation: \"North Korea\" on the second line is a keyword" grep -q '"North Korea"' <<<"$out"

# FEEDWATCHD_CONFIG is the default path; -c wins over it.
FEEDWATCHD_CONFIG=tests/conf/good/minimal.conf "$FEEDWATCHD" check >/dev/null 2>&1
is "FEEDWATCHD_CONFIG is read" "$?" 0
FEEDWATCHD_CONFIG=tests/conf/bad/typo-key.conf "$FEEDWATCHD" check -c tests/conf/good/minimal.conf >/dev/null 2>&1
is "-c wins over FEEDWATCHD_CONFIG" "$?" 0
"$FEEDWATCHD" check -c "$TMP/does-not-exist.conf" 2>"$TMP/err"; rc=$?
is "missing file: exit 2" "$rc" 2
check "missing file: one line naming it" grep -q "does-not-exist.conf: No such file" "$TMP/err"

# Warnings do not fail the check.
"$FEEDWATCHD" check -c tests/conf/good/continuation.conf >/dev/null 2>"$TMP/err"
check "warnings are printed for unused parts" grep -q '^warning: .*no \[feed\] sections' "$TMP/err"
done_testing
