#!/usr/bin/env bash
# Integration: how the daemon fetches (RELIABILITY FF-01/02/03 conditional GET and what a
# 304 costs, FF-12 content codings, FF-20 request headers, FF-26 proxies from the
# environment, FF-27 not a feed / empty body, FF-28 body cut short).
cd "$(dirname "$0")/.." || exit 1
. tests/lib/tap.sh
. tests/lib/httpfixture.sh
. tests/lib/daemon.sh

fixture_start WEB || { fail "fixture starts"; done_testing; exit 1; }
URL=http://127.0.0.1:$WEB_PORT
KW='NATO, DPRK, "North Korea", sanction*'
NATO=$TOP/tests/feeds/nato-rss20.xml
LM='Sat, 28 Nov 2026 10:00:00 GMT'

# ---- FF-01 ETag + Last-Modified, run mode: validators echoed, 304 costs no parse, no alert
fixture_route "$WEB_PORT" /cg.xml "{\"status\": 200, \"body_file\": \"$NATO\",
	\"headers\": [[\"Content-Type\", \"application/rss+xml\"], [\"ETag\", \"\\\"abc\\\"\"],
	              [\"Last-Modified\", \"$LM\"], [\"Set-Cookie\", \"session=s3cr3t; Path=/\"]],
	\"if_none_match\": \"\\\"abc\\\"\"}"
{ conf_daemon "$TMP/s1"; conf_feed cg "$URL/cg.xml"; conf_watchlist korea "$KW"
  conf_stdout; } >"$TMP/s1.conf"
daemon_start D1 "$TMP/s1.conf" -v
wait_for 10 hits_ge "$WEB_PORT" /cg.xml 5; w=$?
daemon_stop D1; rc=$?
is "FF-01: five polls of an unchanged feed (interval 5m = 0.3 s), SIGTERM -> exit 0" "$w $rc" "0 0"
fx_requests "$WEB_PORT" /cg.xml >"$TMP/cg.json"
hits=$(fxq count <"$TMP/cg.json")
is "FF-01: the fixture answered 200 once, then 304 every time" \
	"$(fxq statuses <"$TMP/cg.json" | sort | uniq -c | awk '{printf "%s:%s ", $2, $1}')" \
	"200:1 304:$((hits - 1)) "
is "FF-01: first request carries no validator" \
	"$(fxq has_header If-None-Match <"$TMP/cg.json") $(fxq has_header If-Modified-Since <"$TMP/cg.json")" \
	"$((hits - 1)) $((hits - 1))"
is "FF-01: If-None-Match echoed with its quotes" "$(fxq header 1 If-None-Match <"$TMP/cg.json")" '"abc"'
is "FF-01: If-Modified-Since byte-identical to Last-Modified" \
	"$(fxq header 1 If-Modified-Since <"$TMP/cg.json")" "$LM"
is "FF-01: validators kept after 304s (last request still sends them)" \
	"$(fxq header -1 If-None-Match <"$TMP/cg.json")|$(fxq header -1 If-Modified-Since <"$TMP/cg.json")" \
	"\"abc\"|$LM"
is "FF-01: one alert in all, from the 200" "$(alerts check "$D1_OUT")" 1
is "a 304 costs no parse: one 'items' summary line for $hits polls" \
	"$(count_re "$D1_ERR" "feed 'cg': [0-9]+ items")" 1
is "a 304 costs no parse: $hits fetches logged (-v), no parser message" \
	"$(count_re "$D1_ERR" "feed 'cg': GET ") $(count_re "$D1_ERR" "feed 'cg': (malformed|not a feed)")" "$hits 0"
is "FF-20: no Cookie sent back although the server set one, no Referer" \
	"$(fxq has_header Cookie <"$TMP/cg.json") $(fxq has_header Referer <"$TMP/cg.json")" "0 0"
is "FF-20: no cache-busting query in any request" "$(fxq paths <"$TMP/cg.json" | sort -u)" /cg.xml
ua=$(fxq header 0 User-Agent <"$TMP/cg.json")
check "FF-20: User-Agent is product/version plus a contact URL ($ua)" \
	grep -Eq '^feedwatchd/[0-9]+(\.[0-9]+)+ \(\+https?://[^ )]+\)$' <<<"$ua"
acc=$(fxq header 0 Accept <"$TMP/cg.json")
check "FF-20: Accept lists the feed media types ($acc)" \
	grep -q 'application/rss+xml.*application/atom+xml' <<<"$acc"
ae=$(fxq header 0 Accept-Encoding <"$TMP/cg.json")
is "FF-12: Accept-Encoding advertises gzip, deflate and br ($ae)" \
	"$(tr -d ' ' <<<"$ae" | tr ',' '\n' | grep -Ex 'gzip|deflate|br' | sort | tr '\n' ' ')" "br deflate gzip "

# ---- FF-20 over a redirect: no Referer, no Cookie set by the redirecting answer
fixture_route "$WEB_PORT" /hdr-start "{\"status\": 302, \"headers\": [[\"Location\", \"$URL/hdr-end\"],
	[\"Set-Cookie\", \"r=1; Path=/\"]]}"
fx_route_file "$WEB_PORT" /hdr-end "$NATO"
{ conf_daemon "$TMP/s2"; conf_feed hdr "$URL/hdr-start"; conf_watchlist korea "$KW"
  conf_stdout; } >"$TMP/s2.conf"
daemon_once S2 "$TMP/s2.conf"
fx_requests "$WEB_PORT" /hdr-end >"$TMP/hdr.json"
is "FF-20: redirected request has no Referer and no Cookie" \
	"$(fxq count <"$TMP/hdr.json") $(fxq has_header Referer <"$TMP/hdr.json") $(fxq has_header Cookie <"$TMP/hdr.json")" "1 0 0"

# ---- FF-01 weak ETag and FF-02 only Last-Modified (an old date format), echoed verbatim
fixture_route "$WEB_PORT" /weak.xml "{\"status\": 200, \"body_file\": \"$NATO\",
	\"headers\": {\"ETag\": \"W/\\\"v-1\\\"\"}, \"if_none_match\": \"W/\\\"v-1\\\"\"}"
LM850='Saturday, 28-Nov-26 10:00:00 GMT'
fixture_route "$WEB_PORT" /lm.xml "{\"status\": 200, \"body_file\": \"$NATO\",
	\"headers\": {\"Last-Modified\": \"$LM850\"}, \"if_modified_since\": \"$LM850\"}"
{ conf_daemon "$TMP/s3"; conf_feed weak "$URL/weak.xml"; conf_feed lm "$URL/lm.xml"
  conf_watchlist korea "$KW"; conf_stdout; } >"$TMP/s3.conf"
for i in 1 2 3; do daemon_once S3 "$TMP/s3.conf"; done
fx_requests "$WEB_PORT" /weak.xml >"$TMP/weak.json"
fx_requests "$WEB_PORT" /lm.xml >"$TMP/lm.json"
is "FF-01: weak ETag echoed verbatim" "$(fxq header 2 If-None-Match <"$TMP/weak.json")" 'W/"v-1"'
is "FF-02: only Last-Modified -> If-Modified-Since byte-identical on every later poll" \
	"$(fxq header 1 If-Modified-Since <"$TMP/lm.json")|$(fxq header 2 If-Modified-Since <"$TMP/lm.json")" \
	"$LM850|$LM850"
is "FF-02: no If-None-Match ever invented" "$(fxq has_header If-None-Match <"$TMP/lm.json")" 0
is "FF-01/02: 200 then 304, 304 for each" \
	"$(fxq statuses <"$TMP/weak.json" | tr '\n' ' ')/$(fxq statuses <"$TMP/lm.json" | tr '\n' ' ')" \
	"200 304 304 /200 304 304 "
is "FF-01/02: two feeds with the same story -> one alert in three runs" "$(nlines "$S3_OUT")" 1

# ---- FF-03 same items with a changed ETag -> no duplicates, new validator stored
fixture_route "$WEB_PORT" /et.xml "[
	{\"status\": 200, \"body_file\": \"$NATO\", \"headers\": {\"ETag\": \"\\\"v1\\\"\"}},
	{\"status\": 200, \"body_file\": \"$NATO\", \"headers\": {\"ETag\": \"\\\"v2\\\"\"}},
	{\"status\": 200, \"body_file\": \"$NATO\", \"headers\": {\"ETag\": \"\\\"v3\\\"\"}}]"
{ conf_daemon "$TMP/s4"; conf_feed et "$URL/et.xml"; conf_watchlist korea "$KW"
  conf_stdout; } >"$TMP/s4.conf"
for i in 1 2 3; do daemon_once S4 "$TMP/s4.conf"; done
fx_requests "$WEB_PORT" /et.xml >"$TMP/et.json"
is "FF-03: same items under three ETags -> one alert" "$(nlines "$S4_OUT")" 1
is "FF-03: later fetches log 0 new" "$(count_re "$S4_ERR" "feed 'et': 3 items, 0 new, 0 changed, 0 alerts")" 2
is "FF-03: the new ETag replaces the old one" "$(fxq header 2 If-None-Match <"$TMP/et.json")" '"v2"'

# ---- FF-12 gzip, deflate, br, identity -> the same alert
for enc in gzip deflate br identity; do
	e=null; [ $enc != identity ] && e="\"$enc\""
	fixture_route "$WEB_PORT" "/enc-$enc.xml" "{\"status\": 200, \"body_file\": \"$NATO\", \"encode\": $e}"
	{ conf_daemon "$TMP/s5-$enc"; conf_feed enc "$URL/enc-$enc.xml"; conf_watchlist korea "$KW"
	  conf_stdout; } >"$TMP/s5-$enc.conf"
	daemon_once "E_$enc" "$TMP/s5-$enc.conf"; rc=$?
	"$PY" -c 'import json,sys
for l in open(sys.argv[1]):
    a = json.loads(l); del a["time"]; del a["feed"]["url"]; print(json.dumps(a, sort_keys=True))' \
		"$TMP/E_$enc.out" >"$TMP/enc-$enc.norm"
	is "FF-12: $enc: exit 0, one alert" "$rc $(nlines "$TMP/enc-$enc.norm")" "0 1"
done
for enc in gzip deflate br; do
	check "FF-12: $enc gives the same alert as identity" cmp -s "$TMP/enc-$enc.norm" "$TMP/enc-identity.norm"
done
is "FF-12: the fixture sent each coding" \
	"$(for e in gzip deflate br; do fx_requests "$WEB_PORT" "/enc-$e.xml" | fxq count; done | tr '\n' ' ')" "1 1 1 "

# ---- FF-26 proxies in the environment point at a dead port -> fetched directly
dead=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
fx_route_file "$WEB_PORT" /px.xml "$NATO"
{ conf_daemon "$TMP/s6"; conf_feed px "$URL/px.xml"; conf_watchlist korea "$KW"
  conf_stdout; } >"$TMP/s6.conf"
http_proxy=http://127.0.0.1:$dead HTTP_PROXY=http://127.0.0.1:$dead \
HTTPS_PROXY=http://127.0.0.1:$dead https_proxy=http://127.0.0.1:$dead \
all_proxy=socks5://127.0.0.1:$dead ALL_PROXY=http://127.0.0.1:$dead \
	daemon_once S6 "$TMP/s6.conf"; rc=$?
is "FF-26: http_proxy/all_proxy/HTTPS_PROXY at a dead port -> fetched directly, alert out" \
	"$rc $(fixture_hits "$WEB_PORT" /px.xml) $(nlines "$S6_ONCE_OUT")" "0 1 1"

# ---- FF-27 HTML page and empty body with 200 -> error, validators unchanged, no alert
cat >"$TMP/page.html" <<'EOF'
<!DOCTYPE html>
<html><head><title>NATO and DPRK news</title></head>
<body><h1>NATO meets on North Korea sanctions</h1><p>Read more on our site.</p></body></html>
EOF
fixture_route "$WEB_PORT" /nf.xml "[
	{\"status\": 200, \"body_file\": \"$NATO\", \"headers\": {\"ETag\": \"\\\"e1\\\"\"}},
	{\"status\": 200, \"body_file\": \"$TMP/page.html\", \"headers\": {\"ETag\": \"\\\"e2\\\"\", \"Content-Type\": \"text/html\"}},
	{\"status\": 200, \"body\": \"\", \"headers\": {\"ETag\": \"\\\"e3\\\"\", \"Content-Type\": \"application/rss+xml\"}},
	{\"status\": 200, \"body_file\": \"$NATO\", \"headers\": {\"ETag\": \"\\\"e1\\\"\"}, \"if_none_match\": \"\\\"e1\\\"\"}]"
{ conf_daemon "$TMP/s7"; conf_feed nf "$URL/nf.xml"; conf_watchlist korea "$KW"
  conf_stdout; } >"$TMP/s7.conf"
daemon_once S7 "$TMP/s7.conf"
is "FF-27: setup: the feed alerts once" "$(nlines "$S7_ONCE_OUT")" 1
daemon_once S7 "$TMP/s7.conf"; rc=$?
is "FF-27: HTML page with 200 -> exit 1, no alert" "$rc $(nlines "$S7_ONCE_OUT")" "1 0"
msg=$(grep "warning: feed 'nf'" "$S7_ONCE_ERR")
check "FF-27: the log says it is not a feed ($msg)" grep -qi 'not a feed\|not an rss\|html' <<<"$msg"
daemon_once S7 "$TMP/s7.conf"; rc=$?
is "FF-27: empty body with 200 -> exit 1, no alert" "$rc $(nlines "$S7_ONCE_OUT")" "1 0"
msg=$(grep "warning: feed 'nf'" "$S7_ONCE_ERR")
check "FF-27: the log says the body is empty ($msg)" grep -qi 'empty' <<<"$msg"
daemon_once S7 "$TMP/s7.conf"; rc=$?
fx_requests "$WEB_PORT" /nf.xml >"$TMP/nf.json"
is "FF-27: validators unchanged by the bad answers (ETags e2, e3 not taken)" \
	"$(fxq header 2 If-None-Match <"$TMP/nf.json") $(fxq header 3 If-None-Match <"$TMP/nf.json")" '"e1" "e1"'
is "FF-27: ... so the next poll gets a 304; exit 0, no alert" \
	"$rc $(fxq statuses <"$TMP/nf.json" | tail -1) $(nlines "$S7_ONCE_OUT")" "0 304 0"

# ---- FF-28 body cut short against its Content-Length -> error, no alert from the part
cut=$(grep -b -o '</item>' "$NATO" | sed -n 2p | cut -d: -f1)	# after the NATO item
for mode in length chunked; do
	extra=""; [ $mode = chunked ] && extra=', "chunked": true'
	fixture_route "$WEB_PORT" "/cut-$mode.xml" "[{\"status\": 200, \"body_file\": \"$NATO\",
		\"truncate_at\": $((cut + 200))$extra}, {\"status\": 200, \"body_file\": \"$NATO\"}]"
	{ conf_daemon "$TMP/s8-$mode"; conf_feed cut "$URL/cut-$mode.xml"; conf_watchlist korea "$KW"
	  conf_stdout; } >"$TMP/s8-$mode.conf"
	daemon_once "C_$mode" "$TMP/s8-$mode.conf"; rc=$?
	o=C_${mode}_ONCE_OUT e=C_${mode}_ONCE_ERR
	is "FF-28 ($mode): cut after the matching item -> exit 1, no alert" "$rc $(nlines "${!o}")" "1 0"
	check "FF-28 ($mode): the log names the short body" \
		grep -Eqi "feed 'cut': .*(remaining|partial|closed|short|truncat)" "${!e}"
	daemon_once "C_$mode" "$TMP/s8-$mode.conf"; rc=$?
	is "FF-28 ($mode): the whole body next time -> the alert (the part marked nothing seen)" \
		"$rc $(nlines "${!o}")" "0 1"
done

check_daemon_logs
done_testing
