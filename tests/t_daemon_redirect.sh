#!/usr/bin/env bash
# Integration: redirects and gone feeds (RELIABILITY FF-04 301/308 move the feed, FF-05
# 302/307 do not, FF-06 chains and loops, FF-07 410 Gone, FF-23 non-http(s) targets,
# FF-24/FF-29 redirects into private address space).
cd "$(dirname "$0")/.." || exit 1
. tests/lib/tap.sh
. tests/lib/httpfixture.sh
. tests/lib/daemon.sh

fixture_start WEB || { fail "fixture starts"; done_testing; exit 1; }
fixture_start OTHER || { fail "second fixture starts"; done_testing; exit 1; }
URL=http://127.0.0.1:$WEB_PORT
KW='NATO, DPRK, "North Korea", sanction*'
NATO=$TOP/tests/feeds/nato-rss20.xml
conns() { fixture_connections "$1" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["total"])'; }

# ---- FF-04 301 and 308: the feed moves; the next poll (same process or after a restart)
# goes straight to the new URL
for code in 301 308; do
	fixture_route "$WEB_PORT" "/m$code-old" "{\"status\": $code, \"headers\": {\"Location\": \"$URL/m$code-new\"}}"
	fx_route_file "$WEB_PORT" "/m$code-new" "$NATO"
	{ conf_daemon "$TMP/m$code"; conf_feed mv "$URL/m$code-old"; conf_watchlist korea "$KW"
	  conf_stdout; } >"$TMP/m$code.conf"
	daemon_once "M$code" "$TMP/m$code.conf"; rc=$?
	e=M${code}_ONCE_ERR o=M${code}_ONCE_OUT
	is "FF-04 $code: followed, exit 0, one alert" "$rc $(nlines "${!o}")" "0 1"
	check "FF-04 $code: log 'moved permanently to URL'" \
		grep -qF "feed 'mv': moved permanently to $URL/m$code-new" "${!e}"
	daemon_once "M$code" "$TMP/m$code.conf"
	is "FF-04 $code: after a restart the old URL is not asked again (old/new hits)" \
		"$(fixture_hits "$WEB_PORT" "/m$code-old")/$(fixture_hits "$WEB_PORT" "/m$code-new")" "1/2"
done
daemon_start R308 "$TMP/m308.conf"
wait_for 10 hits_ge "$WEB_PORT" /m308-new 5; w=$?
daemon_stop R308; rc=$?
is "FF-04 308: run mode polls only the new URL (old hits stay 1), exit 0" \
	"$w $rc $(fixture_hits "$WEB_PORT" /m308-old)" "0 0 1"
is "FF-04: no duplicate alert across the moves" "$(nlines "$TMP/M308.out") $(nlines "$R308_OUT")" "1 0"

# ---- FF-05 302 and 307: the stored URL stays; the next poll asks the original URL
for code in 302 307; do
	fixture_route "$WEB_PORT" "/t$code-old" "{\"status\": $code, \"headers\": {\"Location\": \"$URL/t$code-new\"}}"
	fx_route_file "$WEB_PORT" "/t$code-new" "$NATO"
	{ conf_daemon "$TMP/t$code"; conf_feed tmp "$URL/t$code-old"; conf_watchlist korea "$KW"
	  conf_stdout; } >"$TMP/t$code.conf"
	daemon_once "T$code" "$TMP/t$code.conf"; rc1=$?
	daemon_once "T$code" "$TMP/t$code.conf"; rc2=$?
	is "FF-05 $code: two polls both start at the original URL (old/new hits), exit 0 0" \
		"$rc1 $rc2 $(fixture_hits "$WEB_PORT" "/t$code-old")/$(fixture_hits "$WEB_PORT" "/t$code-new")" "0 0 2/2"
	is "FF-05 $code: no 'moved permanently', one alert" \
		"$(count_re "$TMP/T$code.err" 'moved permanently') $(nlines "$TMP/T$code.out")" "0 1"
done

# ---- FF-06 a chain of 10 redirects and a loop -> stopped at the limit, error, backoff
for i in $(seq 0 9); do
	fixture_route "$WEB_PORT" "/c$i" "{\"status\": 302, \"headers\": {\"Location\": \"$URL/c$((i + 1))\"}}"
done
fx_route_file "$WEB_PORT" /c10 "$NATO"
fixture_route "$WEB_PORT" /loop "{\"status\": 301, \"headers\": {\"Location\": \"$URL/loop\"}}"
{ conf_daemon "$TMP/r6"; conf_feed chain "$URL/c0"; conf_feed loop "$URL/loop"
  conf_watchlist korea "$KW"; conf_stdout; } >"$TMP/r6.conf"
daemon_once R6 "$TMP/r6.conf"; rc=$?
is "FF-06: chain of 10 and loop -> exit 1, no alert" "$rc $(nlines "$R6_ONCE_OUT")" "1 0"
check "FF-06: chain: 'too many redirects' with the next try" \
	grep -Eq "warning: feed 'chain': too many redirects.*next try in" "$R6_ONCE_ERR"
check "FF-06: loop: 'too many redirects' with the next try" \
	grep -Eq "warning: feed 'loop': too many redirects.*next try in" "$R6_ONCE_ERR"
hits=""; for i in 0 5 6 10; do hits+="$(fixture_hits "$WEB_PORT" "/c$i") "; done
is "FF-06: chain followed 5 redirects, no further (hits of c0 c5 c6 c10)" "$hits" "1 1 0 0 "
is "FF-06: loop asked 1 + 5 times" "$(fixture_hits "$WEB_PORT" /loop)" 6
daemon_once R6 "$TMP/r6.conf"
check "FF-06: the failure count is kept across a restart (backoff grows)" \
	grep -q "feed 'loop': too many redirects.*(2 failures in a row)" "$R6_ONCE_ERR"

# ---- FF-07 410 Gone: disabled, one log line, never asked again, also after a restart
fixture_route "$WEB_PORT" /gone '{"status": 410}'
{ conf_daemon "$TMP/g"; conf_feed gone "$URL/gone"; conf_watchlist korea "$KW"
  conf_stdout; } >"$TMP/g.conf"
daemon_start G "$TMP/g.conf"
wait_log G "feed 'gone': 410 Gone" 10; w=$?
sleep 1.5	# five intervals
is "FF-07: 410 -> one request in 1.5 s (five intervals), one log line" \
	"$w $(fixture_hits "$WEB_PORT" /gone) $(count_re "$G_ERR" "410 Gone: the feed is disabled")" "0 1 1"
daemon_stop G; rc=$?
daemon_start G "$TMP/g.conf"
wait_log G "feed 'gone': disabled \(410 Gone\)" 5; w=$?
sleep 1
daemon_stop G
is "FF-07: after a restart: 'disabled (410 Gone)' logged, still one request, exit 0 0" \
	"$w $(fixture_hits "$WEB_PORT" /gone) $rc $G_RC" "0 1 0 0"
daemon_once G "$TMP/g.conf"; rc=$?
is "FF-07: once skips the disabled feed (exit 0, no request)" "$rc $(fixture_hits "$WEB_PORT" /gone)" "0 1"
fx_route_file "$WEB_PORT" /back "$NATO"
sed -i "s|$URL/gone|$URL/back|" "$TMP/g.conf"
daemon_once G "$TMP/g.conf"; rc=$?
is "FF-07: a new url enables it again (exit 0, polled, alert)" \
	"$rc $(fixture_hits "$WEB_PORT" /back) $(nlines "$G_ONCE_OUT")" "0 1 1"

# ---- FF-23 redirects to file://, ftp://, gopher:// -> refused, nothing connected or read
rss "$TMP/secret.xml" "s1|NATO secret file item|read from disk"
OP=$OTHER_PORT
fixture_route "$WEB_PORT" /to-file "{\"status\": 302, \"headers\": {\"Location\": \"file://$TMP/secret.xml\"}}"
fixture_route "$WEB_PORT" /to-ftp "{\"status\": 302, \"headers\": {\"Location\": \"ftp://127.0.0.1:$OP/feed.xml\"}}"
fixture_route "$WEB_PORT" /to-gopher "{\"status\": 301, \"headers\": {\"Location\": \"gopher://127.0.0.1:$OP/1feed\"}}"
fixture_route "$WEB_PORT" /to-ftp1 '{"status": 302, "headers": {"Location": "ftp://127.0.0.1:1/"}}'
{ conf_daemon "$TMP/p"; for s in file ftp gopher ftp1; do conf_feed "$s" "$URL/to-$s"; done
  conf_watchlist korea "$KW"; conf_stdout; } >"$TMP/p.conf"
c0=$(conns "$OP")
daemon_once P "$TMP/p.conf"; rc=$?
c1=$(conns "$OP")
is "FF-23: exit 1, no alert (the file:// feed was not read)" "$rc $(nlines "$P_ONCE_OUT")" "1 0"
for s in file ftp gopher ftp1; do
	check "FF-23: $s: 'redirect to a non-http(s) URL refused'" \
		grep -q "warning: feed '$s': redirect to a non-http(s) URL refused" "$P_ONCE_ERR"
done
is "FF-23: no connection to the ftp:// or gopher:// port" "$((c1 - c0))" 1

# ---- FF-24/FF-29 a redirect from a public address (127.0.0.1, by the test switch) into
# private space (127.0.0.2) is refused unless allow_private_redirects = yes; a feed
# configured on a private address is fine
if FIXTURE_HOST=127.0.0.2 fixture_start PRIV; then
	export FEEDWATCHD_TEST_PUBLIC_LOOPBACK=1 FEEDWATCHD_TEST_PRIVATE_ADDRS=127.0.0.2
	PURL=http://127.0.0.2:$PRIV_PORT
	FIXTURE_HOST=127.0.0.2 fx_route_file "$PRIV_PORT" /feed.xml "$NATO"
	FIXTURE_HOST=127.0.0.2 fx_route_file "$PRIV_PORT" /direct.xml "$NATO"
	fixture_route "$WEB_PORT" /to-priv "{\"status\": 302, \"headers\": {\"Location\": \"$PURL/feed.xml\"}}"
	{ conf_daemon "$TMP/v1"; conf_feed pub "$URL/to-priv"; conf_watchlist korea "$KW"
	  conf_stdout; } >"$TMP/v1.conf"
	c0=$(FIXTURE_HOST=127.0.0.2 conns "$PRIV_PORT")
	daemon_once V1 "$TMP/v1.conf"; rc=$?
	c1=$(FIXTURE_HOST=127.0.0.2 conns "$PRIV_PORT")
	is "FF-24: redirect public -> private refused: exit 1, no alert" "$rc $(nlines "$V1_ONCE_OUT")" "1 0"
	check "FF-24: the log says why" grep -q "feed 'pub': redirect into private address space refused" "$V1_ONCE_ERR"
	is "FF-24: the private fixture got no connection" "$((c1 - c0)) $(FIXTURE_HOST=127.0.0.2 fixture_hits "$PRIV_PORT" /feed.xml)" "1 0"
	{ conf_daemon "$TMP/v2" allow_private_redirects=yes; conf_feed pub "$URL/to-priv"
	  conf_watchlist korea "$KW"; conf_stdout; } >"$TMP/v2.conf"
	daemon_once V2 "$TMP/v2.conf"; rc=$?
	is "FF-24: allow_private_redirects = yes -> followed (exit 0, one request, one alert)" \
		"$rc $(FIXTURE_HOST=127.0.0.2 fixture_hits "$PRIV_PORT" /feed.xml) $(nlines "$V2_ONCE_OUT")" "0 1 1"
	{ conf_daemon "$TMP/v3"; conf_feed intranet "$PURL/direct.xml"; conf_watchlist korea "$KW"
	  conf_stdout; } >"$TMP/v3.conf"
	daemon_once V3 "$TMP/v3.conf"; rc=$?
	is "FF-29: a feed configured on a private address is fetched (exit 0, alert)" \
		"$rc $(FIXTURE_HOST=127.0.0.2 fixture_hits "$PRIV_PORT" /direct.xml) $(nlines "$V3_ONCE_OUT")" "0 1 1"
	unset FEEDWATCHD_TEST_PUBLIC_LOOPBACK FEEDWATCHD_TEST_PRIVATE_ADDRS
else
	ok "# SKIP cannot bind 127.0.0.2"
fi

check_daemon_logs
done_testing
