#!/usr/bin/env bash
# Integration: what a user of the stdout sink sees. The real daemon against the loopback
# fixture: one alert per new matching item (SPEC alert format), `backlog`, no duplicate
# after a restart, no loss across a crash right after the commit (the outbox), edits
# (SPEC: alert only for a newly matching watchlist), the same story in two feeds, and
# the "items may have been missed" warning.
cd "$(dirname "$0")/.." || exit 1
. tests/lib/tap.sh
. tests/lib/httpfixture.sh
. tests/lib/daemon.sh

fixture_start WEB || { fail "fixture starts"; done_testing; exit 1; }
URL=http://127.0.0.1:$WEB_PORT
KW='NATO, DPRK, "North Korea", sanction*'

# ---- a new matching item -> exactly one alert line, in the SPEC format
fx_route_file "$WEB_PORT" /nato.xml "$TOP/tests/feeds/nato-rss20.xml"
{ conf_daemon "$TMP/s1"; conf_feed nato "$URL/nato.xml"; conf_watchlist korea "$KW"
  conf_stdout; } >"$TMP/s1.conf"
daemon_once S1 "$TMP/s1.conf"; rc=$?
is "once: exit 0" "$rc" 0
n=$(alerts check "$S1_ONCE_OUT")
is "one matching item of three -> exactly one stdout line, a valid SPEC alert" "$n" 1
is "the alert names the watchlist" "$(alerts field "$S1_ONCE_OUT" 0 watchlist)" '"korea"'
is "the alert names the item" "$(alerts field "$S1_ONCE_OUT" 0 item.id)" '"worlddesk-world-88130"'
is "the alert names the feed and its URL" \
	"$(alerts field "$S1_ONCE_OUT" 0 feed.name) $(alerts field "$S1_ONCE_OUT" 0 feed.url)" \
	"\"nato\" \"$URL/nato.xml\""
m=$(alerts field "$S1_ONCE_OUT" 0 matched)
check "matched terms include NATO and \"North Korea\" ($m)" \
	grep -q '"NATO".*"North Korea"\|"North Korea".*"NATO"' <<<"$m"
check "the snippet marks the match with « »" grep -q '«NATO»' <<<"$(alerts field "$S1_ONCE_OUT" 0 snippet)"
check "log: '3 items, 3 new, 0 changed, 1 alert (first fetch)'" \
	grep -q "feed 'nato': 3 items, 3 new, 0 changed, 1 alert (first fetch)" "$S1_ONCE_ERR"

# ---- restart -> no duplicate: `once` again, then `run` stopped and started twice
daemon_once S1 "$TMP/s1.conf"; rc=$?
is "second once: exit 0, no alert line" "$rc $(nlines "$S1_ONCE_OUT")" "0 0"
check "second once: log says nothing new" grep -q "3 items, 0 new, 0 changed, 0 alerts" "$S1_ONCE_ERR"
for round in 1 2; do
	daemon_start R1 "$TMP/s1.conf"
	wait_log R1 "feed 'nato': 3 items" 10 "$round"; w=$?
	daemon_stop R1; rc=$?
	is "run #$round: polled, then SIGTERM -> exit 0" "$w $rc" "0 0"
done
is "after two once and two run restarts: still exactly one alert in total" "$(nlines "$S1_OUT")" 1
[ "$(nlines "$TMP/R1.out")" = 0 ] || { fail "run restarts printed alerts again"; sed 's/^/# /' "$TMP/R1.out"; }

# ---- backlog = 0: the first fetch alerts on nothing but remembers; a new item alerts once
rss "$TMP/b0.xml" "g1|NATO ministers meet in Brussels|Defence ministers gathered.|Mon, 02 Jan 2023 10:00:00 +0000" \
	"g2|Snow expected|Icy roads.|Mon, 02 Jan 2023 09:00:00 +0000"
fx_route_file "$WEB_PORT" /b0.xml "$TMP/b0.xml"
{ conf_daemon "$TMP/s2" backlog=0; conf_feed b0 "$URL/b0.xml"; conf_watchlist korea "$KW"
  conf_stdout; } >"$TMP/s2.conf"
daemon_once S2 "$TMP/s2.conf"; rc=$?
is "backlog=0, first fetch: exit 0, no alert" "$rc $(nlines "$S2_ONCE_OUT")" "0 0"
check "backlog=0, first fetch: log '2 items, 2 new, 0 changed, 0 alerts (first fetch)'" \
	grep -q "feed 'b0': 2 items, 2 new, 0 changed, 0 alerts (first fetch)" "$S2_ONCE_ERR"
rss "$TMP/b0.xml" "g3|New sanctions on DPRK announced|The council voted.|Tue, 03 Jan 2023 10:00:00 +0000" \
	"g1|NATO ministers meet in Brussels|Defence ministers gathered.|Mon, 02 Jan 2023 10:00:00 +0000" \
	"g2|Snow expected|Icy roads.|Mon, 02 Jan 2023 09:00:00 +0000"
daemon_once S2 "$TMP/s2.conf"; rc=$?
is "backlog=0, a new matching item appears -> exactly one alert" "$rc $(nlines "$S2_ONCE_OUT")" "0 1"
is "... for the new item only (the remembered NATO item stays quiet)" \
	"$(alerts list "$S2_ONCE_OUT" | cut -f1,2)" "korea	g3"
daemon_once S2 "$TMP/s2.conf"
is "backlog=0, unchanged feed again -> no alert" "$(nlines "$S2_ONCE_OUT")" 0

# ---- backlog = 1: only the newest matching item alerts on the first fetch (by date)
rss "$TMP/b1.xml" "n1|NATO item one|x|Sun, 01 Jan 2023 10:00:00 +0000" \
	"n2|NATO item two, the newest|x|Tue, 03 Jan 2023 10:00:00 +0000" \
	"n3|NATO item three|x|Mon, 02 Jan 2023 10:00:00 +0000"
fx_route_file "$WEB_PORT" /b1.xml "$TMP/b1.xml"
{ conf_daemon "$TMP/s3" backlog=1; conf_feed b1 "$URL/b1.xml"; conf_watchlist korea "$KW"
  conf_stdout; } >"$TMP/s3.conf"
daemon_once S3 "$TMP/s3.conf"
is "backlog=1, three matching items -> one alert, for the newest (n2)" \
	"$(alerts list "$S3_ONCE_OUT" | cut -f2 | tr '\n' ' ')" "n2 "
daemon_once S3 "$TMP/s3.conf"
is "backlog=1, second fetch of the same items -> no alert for the older two" "$(nlines "$S3_ONCE_OUT")" 0

# ---- crash right after the fetch's commit, before delivery -> delivered after the restart
# (crash points of the store; they must hit the fetch's transaction: the fixture has to
# have answered before the abort)
if grep -q FEEDWATCHD_CRASH daemon/store.c; then
	fx_route_file "$WEB_PORT" /crash-a.xml "$TOP/tests/feeds/nato-rss20.xml"
	{ conf_daemon "$TMP/s4"; conf_feed nato "$URL/crash-a.xml"; conf_watchlist korea "$KW"
	  conf_stdout; } >"$TMP/s4.conf"
	FEEDWATCHD_CRASH=after-commit daemon_once S4 "$TMP/s4.conf" 2>/dev/null; rc=$?
	is "crash point after-commit: aborts (134) after the fetch (1 request), no alert printed" \
		"$rc $(fixture_hits "$WEB_PORT" /crash-a.xml) $(nlines "$S4_ONCE_OUT")" "134 1 0"
	check "ST-10: the -wal file is still there after the crash" test -e "$TMP/s4/feedwatchd.db-wal"
	daemon_once S4 "$TMP/s4.conf"; rc=$?
	is "restart after the crash: the queued alert is delivered" \
		"$rc $(alerts list "$S4_ONCE_OUT" | cut -f2)" "0 worlddesk-world-88130"
	check "... from the outbox: the restart's fetch found nothing new" \
		grep -q "3 items, 0 new, 0 changed, 0 alerts" "$S4_ONCE_ERR"
	daemon_once S4 "$TMP/s4.conf"
	is "a further run delivers nothing more" "$(nlines "$S4_OUT")" 1

	fx_route_file "$WEB_PORT" /crash-b.xml "$TOP/tests/feeds/nato-rss20.xml"
	{ conf_daemon "$TMP/s5"; conf_feed nato "$URL/crash-b.xml"; conf_watchlist korea "$KW"
	  conf_stdout; } >"$TMP/s5.conf"
	FEEDWATCHD_CRASH=before-commit daemon_once S5 "$TMP/s5.conf" 2>/dev/null; rc=$?
	h=$(fixture_hits "$WEB_PORT" /crash-b.xml)
	daemon_once S5 "$TMP/s5.conf"
	daemon_once S5 "$TMP/s5.conf"
	is "crash point before-commit: aborts (134) after the fetch; then two runs -> exactly one alert" \
		"$rc $h $(nlines "$S5_OUT")" "134 1 1"
else
	ok "# SKIP no FEEDWATCHD_CRASH in daemon/store.c"
fi

# ---- the same without a crash hook: stdout is a pipe nobody reads, already full, so the
# alert cannot be written; kill -9 once the fetch is committed (its summary line is logged
# after the commit) -> the restarted daemon delivers it from the outbox
mkfifo "$TMP/fifo"
sleep 60 <"$TMP/fifo" &
reader=$!
at_exit "kill $reader"
exec 7>"$TMP/fifo"
head -c 65536 /dev/zero >&7	# the pipe's whole capacity
fx_route_file "$WEB_PORT" /pipe.xml "$TOP/tests/feeds/nato-rss20.xml"
{ conf_daemon "$TMP/s5b"; conf_feed nato "$URL/pipe.xml"; conf_watchlist korea "$KW"
  conf_stdout; } >"$TMP/s5b.conf"
DAEMON_STDOUT=$TMP/fifo daemon_start P1 "$TMP/s5b.conf"
wait_log P1 "feed 'nato': 3 items, 3 new, 0 changed, 1 alert" 10; w=$?
sleep 0.3
daemon_kill9 P1
exec 7>&-
kill "$reader" 2>/dev/null
daemon_start P1 "$TMP/s5b.conf"
wait_log P1 "feed 'nato': 3 items" 5 2
wait_for 5 test -s "$P1_OUT"
daemon_stop P1; rc=$?
is "blocked stdout, kill -9 after the commit, restart -> the alert arrives once, exit 0" \
	"$w $rc $(alerts list "$P1_OUT" | cut -f2)" "0 0 worlddesk-world-88130"
check "... from the outbox (the restart found nothing new)" \
	grep -q "feed 'nato': 3 items, 0 new, 0 changed, 0 alerts" "$P1_ERR"

# ---- SIGKILL of a running daemon as soon as it logs the alert -> at least once, at most twice
{ conf_daemon "$TMP/s6"; conf_feed nato "$URL/nato.xml"; conf_watchlist korea "$KW"
  conf_stdout; } >"$TMP/s6.conf"
daemon_start K1 "$TMP/s6.conf"
wait_log K1 'alert \[korea\]' 10; w=$?
daemon_kill9 K1
n0=$(count_re "$K1_ERR" "feed 'nato': 3 items")
daemon_start K1 "$TMP/s6.conf"
wait_log K1 "started: " 5 2
wait_log K1 "feed 'nato': 3 items" 5 $((n0 + 1))
daemon_stop K1; rc=$?
n=$(alerts check "$K1_OUT")
check "kill -9 right after 'alert [' is logged, restart -> the alert arrives (got $n, want 1 or 2)" \
	test "${n:-0}" -ge 1 -a "${n:-0}" -le 2
is "... the alert was logged before the kill; the restarted daemon stops with exit 0" "$w $rc" "0 0"
[ "$w $rc" = "0 0" ] || show_log K1 40

# ---- an edit: alerts only for a watchlist it newly matches
rss "$TMP/ed.xml" "e1|NATO summit opens in Vilnius|Leaders meet.|Mon, 02 Jan 2023 10:00:00 +0000"
fx_route_file "$WEB_PORT" /ed.xml "$TMP/ed.xml"
{ conf_daemon "$TMP/s7"; conf_feed ed "$URL/ed.xml"; conf_watchlist korea "$KW"
  conf_watchlist energy 'pipeline*'; conf_stdout; } >"$TMP/s7.conf"
daemon_once S7 "$TMP/s7.conf"
is "edit scenario, first version -> one alert [korea]" "$(alerts list "$S7_ONCE_OUT" | cut -f1,2)" "korea	e1"
rss "$TMP/ed.xml" "e1|NATO summit opens in Vilnius|Leaders meet to discuss a gas pipeline.|Mon, 02 Jan 2023 10:00:00 +0000"
daemon_once S7 "$TMP/s7.conf"
is "edited text now matches [energy] too -> one alert, for [energy] only" \
	"$(alerts list "$S7_ONCE_OUT" | cut -f1,2)" "energy	e1"
check "... log counts it as changed" grep -q "1 items, 0 new, 1 changed, 1 alert" "$S7_ONCE_ERR"
rss "$TMP/ed.xml" "e1|NATO summit opens in Vilnius|Leaders meet today to discuss a gas pipeline.|Mon, 02 Jan 2023 10:00:00 +0000"
daemon_once S7 "$TMP/s7.conf"
is "an edit that changes no watchlist match -> no alert" "$(nlines "$S7_ONCE_OUT")" 0
rss "$TMP/ed.xml" "e1|NATO summit opens in Vilnius|Leaders meet.|Mon, 02 Jan 2023 10:00:00 +0000"
daemon_once S7 "$TMP/s7.conf"
is "an edit back to the first text -> no alert (each watchlist alerted once already)" \
	"$(nlines "$S7_ONCE_OUT")" 0

# ---- the same story (same link) in two feeds -> one alert per watchlist
rss "$TMP/fa.xml" "a-1|NATO and DPRK envoys hold talks|Talks in Geneva.||http://news.example.org/story/42"
rss "$TMP/fb.xml" "b-77|DPRK, NATO envoys talk in Geneva|Talks.||http://news.example.org/story/42"
fx_route_file "$WEB_PORT" /fa.xml "$TMP/fa.xml"
fx_route_file "$WEB_PORT" /fb.xml "$TMP/fb.xml"
{ conf_daemon "$TMP/s8"; conf_feed fa "$URL/fa.xml"; conf_feed fb "$URL/fb.xml"
  conf_watchlist korea 'DPRK'; conf_watchlist alliance 'NATO'; conf_stdout; } >"$TMP/s8.conf"
daemon_once S8 "$TMP/s8.conf"
is "same link in two feeds, two watchlists -> exactly one alert per watchlist" \
	"$(alerts list "$S8_ONCE_OUT" | cut -f1 | sort | tr '\n' ' ')" "alliance korea "
daemon_once S8 "$TMP/s8.conf"
is "... and nothing more on the next poll" "$(nlines "$S8_ONCE_OUT")" 0

# ---- the same story under link spellings that name the same page (host case, fragment,
# utm_* tracking parameters) -> still one alert: SPEC dedupes on the *canonical* link
rss "$TMP/fc.xml" "c-1|NATO story with a plain link|x||https://news.example.org/story/43"
rss "$TMP/fd.xml" "d-1|NATO story with a tracking link|x||https://News.Example.org/story/43?utm_source=rss&amp;utm_medium=feed#comments"
fx_route_file "$WEB_PORT" /fc.xml "$TMP/fc.xml"
fx_route_file "$WEB_PORT" /fd.xml "$TMP/fd.xml"
{ conf_daemon "$TMP/s8c"; conf_feed fc "$URL/fc.xml"; conf_feed fd "$URL/fd.xml"
  conf_watchlist alliance 'NATO'; conf_stdout; } >"$TMP/s8c.conf"
daemon_once S8C "$TMP/s8c.conf"
is "same page, link with other host case, #fragment and utm_* parameters -> one alert" \
	"$(nlines "$S8C_ONCE_OUT")" 1

# ---- a feed that reorders its items (and changes nothing else) -> no alert
rss "$TMP/ro.xml" "r1|NATO one|x" "r2|NATO two|x" "r3|NATO three|x"
fx_route_file "$WEB_PORT" /ro.xml "$TMP/ro.xml"
{ conf_daemon "$TMP/s8r"; conf_feed ro "$URL/ro.xml"; conf_watchlist korea "$KW"
  conf_stdout; } >"$TMP/s8r.conf"
daemon_once S8R "$TMP/s8r.conf"
rss "$TMP/ro.xml" "r3|NATO three|x" "r1|NATO one|x" "r2|NATO two|x"
daemon_once S8R "$TMP/s8r.conf"
is "three alerts, then the feed reorders its items -> no further alert" \
	"$(nlines "$S8R_OUT") $(nlines "$S8R_ONCE_OUT")" "3 0"

# ---- a fetch in which every item is new for a feed seen before -> "may have been missed"
rss "$TMP/mi.xml" "m1|one|x" "m2|two|x"
fx_route_file "$WEB_PORT" /mi.xml "$TMP/mi.xml"
{ conf_daemon "$TMP/s9"; conf_feed mi "$URL/mi.xml"; conf_watchlist korea "$KW"
  conf_stdout; } >"$TMP/s9.conf"
daemon_once S9 "$TMP/s9.conf"
rss "$TMP/mi.xml" "m3|three|x" "m4|four|x"
daemon_once S9 "$TMP/s9.conf"
check "every item new on a later fetch -> warning 'all 2 items are new: items may have been missed'" \
	grep -q "warning: feed 'mi': all 2 items are new: items may have been missed" "$S9_ONCE_ERR"

check_daemon_logs
done_testing
