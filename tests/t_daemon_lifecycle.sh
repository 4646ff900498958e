#!/usr/bin/env bash
# Integration: the running daemon's lifecycle. SIGHUP with a broken file keeps the old
# configuration running; SIGHUP with a valid file adds a feed and a watchlist (polled,
# alerting) and removes a feed (no longer polled) while kept feeds keep their state;
# SIGTERM and SIGINT stop promptly with exit 0, also with a transfer in flight (5 s grace);
# -q keeps the log quiet.
cd "$(dirname "$0")/.." || exit 1
. tests/lib/tap.sh
. tests/lib/httpfixture.sh
. tests/lib/daemon.sh

fixture_start WEB || { fail "fixture starts"; done_testing; exit 1; }
URL=http://127.0.0.1:$WEB_PORT
KW='NATO, DPRK, "North Korea", sanction*'
NATO=$TOP/tests/feeds/nato-rss20.xml
hits() { fixture_hits "$WEB_PORT" "$1"; }

fx_route_file "$WEB_PORT" /a.xml "$NATO"
rss "$TMP/b.xml" "p1|Gas pipeline deal signed|The new pipeline opens in May.|Mon, 02 Jan 2023 10:00:00 +0000"
fx_route_file "$WEB_PORT" /b.xml "$TMP/b.xml"
CONF=$TMP/live.conf
write_conf() { cat >"$CONF.new" && mv -f "$CONF.new" "$CONF"; }

{ conf_daemon "$TMP/s1"; conf_feed a "$URL/a.xml"; conf_watchlist korea "$KW"; conf_stdout; } | write_conf
daemon_start D "$CONF"
wait_log D "feed 'a': 3 items" 10; w=$?
is "running: feed a polled, one alert" "$w $(wait_for 3 test -s "$D_OUT"; nlines "$D_OUT")" "0 1"

# ---- SIGHUP with a broken file: reported, the old configuration keeps running
{ conf_daemon "$TMP/s1" intervall=5m; conf_feed a "$URL/a.xml"; conf_watchlist korea "$KW"
  conf_stdout; } | write_conf
kill -HUP "$D_PID"
wait_log D "reload failed: keeping the running configuration" 5; w=$?
is "SIGHUP, broken file: 'reload failed: keeping the running configuration'" "$w" 0
check "SIGHUP, broken file: the error names file:line and the key" \
	grep -Eq "error: reload: .*live.conf:[0-9]+: .*intervall" "$D_ERR"
h0=$(hits /a.xml)
sleep 1
h1=$(hits /a.xml)
check "SIGHUP, broken file: still running and polling feed a ($h0 -> $h1 polls in 1 s)" \
	test "$((h1 - h0))" -ge 2 -a -n "$(daemon_alive D && echo y)"

# ---- SIGHUP with a valid file: a new feed and a new watchlist
{ conf_daemon "$TMP/s1"; conf_feed a "$URL/a.xml"; conf_feed b "$URL/b.xml"
  conf_watchlist korea "$KW"; conf_watchlist energy 'pipeline*'; conf_stdout; } | write_conf
kill -HUP "$D_PID"
wait_log D "configuration reloaded: 2 feeds, 2 watchlists, 1 sinks \(1 new feeds\)" 5; w=$?
is "SIGHUP, valid file: 'configuration reloaded: 2 feeds, 2 watchlists, 1 sinks (1 new feeds)'" "$w" 0
wait_log D "feed 'b': 1 items" 5; w=$?
wait_for 3 eval '[ "$(nlines "$D_OUT")" -ge 2 ]'
is "SIGHUP, valid file: the new feed is polled and alerts for the new watchlist" \
	"$w $(alerts list "$D_OUT" | sed -n 2p | cut -f1,2,3)" "0 energy	p1	b"
sleep 0.7
is "SIGHUP: the kept feed keeps its state (no second alert for a)" \
	"$(alerts list "$D_OUT" | cut -f3 | sort | tr '\n' ' ')" "a b "
check "SIGHUP: the kept feed was not polled afresh" \
	test "$(count_re "$D_ERR" "feed 'a': .*\(first fetch\)")" = 1

# ---- SIGHUP removing feed a: it is no longer polled; b goes on
{ conf_daemon "$TMP/s1"; conf_feed b "$URL/b.xml"; conf_watchlist korea "$KW"
  conf_watchlist energy 'pipeline*'; conf_stdout; } | write_conf
kill -HUP "$D_PID"
wait_log D "feed 'a': removed from the configuration" 5; w=$?
is "SIGHUP removing a feed: 'feed 'a': removed from the configuration'" "$w" 0
sleep 0.2
a0=$(hits /a.xml) b0=$(hits /b.xml)
sleep 1.2
a1=$(hits /a.xml) b1=$(hits /b.xml)
is "SIGHUP removing a feed: a not polled any more in 1.2 s" "$((a1 - a0))" 0
check "SIGHUP removing a feed: b still polled ($b0 -> $b1)" test "$((b1 - b0))" -ge 2

# ---- SIGTERM when idle: prompt exit 0, state saved
daemon_stop D; rc=$?
is "SIGTERM: exit 0" "$rc" 0
check "SIGTERM: stopped promptly (${D_STOP_MS} ms <= 2000)" test "$D_STOP_MS" -le 2000
check "SIGTERM: logs 'stopping' and 'stopped'" grep -q "info: stopped" "$D_ERR"
daemon_start D "$CONF"
wait_log D "started: " 5 2
sleep 0.8
daemon_stop D
is "restart after the reloads: nothing alerts twice, exit 0" "$D_RC $(nlines "$D_OUT")" "0 2"

# ---- SIGTERM and SIGINT with a transfer in flight (timeout 30s): exit 0 within the grace
fixture_route "$WEB_PORT" /hang '{"never_respond": true}'
{ conf_daemon "$TMP/s2" timeout=30s; conf_feed hang "$URL/hang"; conf_watchlist korea "$KW"
  conf_stdout; } >"$TMP/s2.conf"
n=0
for sig in TERM INT; do
	n=$((n + 1))
	daemon_start H "$TMP/s2.conf"
	wait_for 5 hits_ge "$WEB_PORT" /hang $n
	sleep 0.2
	t0=$(date +%s%N)
	kill -"$sig" "$H_PID"
	wait_for 8 eval '! daemon_alive H'
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	daemon_stop H 1; rc=$?
	check "SIG$sig with a transfer hanging: exit 0 within the 5 s grace (rc $rc, $ms ms)" \
		test "$rc" = 0 -a "$ms" -le 5800 -a "$ms" -ge 0
done
is "... and each time says it stopped with a transfer unfinished" \
	"$(count_re "$H_ERR" "stopping with 1 transfers unfinished")" 2

# ---- -q: warnings only
fixture_route "$WEB_PORT" /e500 '{"status": 500}'
{ conf_daemon "$TMP/s3"; conf_feed a "$URL/a.xml"; conf_feed bad "$URL/e500"; conf_watchlist korea "$KW"
  conf_stdout; } >"$TMP/s3.conf"
daemon_start Q "$TMP/s3.conf" -q
wait_for 5 test -s "$TMP/Q.out"
wait_for 5 hits_ge "$WEB_PORT" /e500 2
daemon_stop Q
is "-q: the alert still goes to stdout, exit 0" "$Q_RC $(nlines "$Q_OUT")" "0 1"
is "-q: no info lines, the failure warning is there" \
	"$(count_re "$Q_ERR" ': info: ') $(count_re "$Q_ERR" "warning: feed 'bad': HTTP status 500 \(1 failure in a row\)")" "0 1"

check_daemon_logs
done_testing
