#!/usr/bin/env bash
# import-opml: one [feed] section per outline with an http(s) xmlUrl, unique safe names,
# output that `check` accepts; a document that is not OPML fails with one line.
. "$(dirname "$0")/lib/tap.sh"
cd "$TOP"
"$FEEDWATCHD" import-opml tests/opml/subscriptions.opml >"$TMP/feeds.conf" 2>"$TMP/err"
is "exit 0" "$?" 0
is "five feeds (the outline without xmlUrl and the ftp one are left out)" "$(grep -c '^\[feed ' "$TMP/feeds.conf")" 5
check "quotes are dropped from names" grep -qx '\[feed "Yonhap North Korea"\]' "$TMP/feeds.conf"
check "the second outline of the same name is made unique" grep -qx '\[feed "NK News 2"\]' "$TMP/feeds.conf"
check "the URL is trimmed" grep -qx 'url = https://www.nknews.org/feed/' "$TMP/feeds.conf"
check "title serves when there is no text" grep -qx '\[feed "Only a title"\]' "$TMP/feeds.conf"
check "non-ASCII names survive" grep -qx '\[feed "한국어 뉴스"\]' "$TMP/feeds.conf"
check "the ftp:// outline is reported" grep -q "skipping 'ftp://example.org/x.xml'" "$TMP/err"
printf '[watchlist "w"]\nkeywords = NATO\n[sink "s"]\ntype = stdout\n' >> "$TMP/feeds.conf"
"$FEEDWATCHD" check -c "$TMP/feeds.conf" >/dev/null 2>&1
is "the output is a valid configuration" "$?" 0
printf '<rss><channel></channel></rss>' > "$TMP/not.opml"
"$FEEDWATCHD" import-opml "$TMP/not.opml" >/dev/null 2>"$TMP/err2"
is "not OPML: exit 1" "$?" 1
is "not OPML: one line on stderr" "$(wc -l < "$TMP/err2")" 1
done_testing
