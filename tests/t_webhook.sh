#!/usr/bin/env bash
# Integration: the webhook sink against a loopback receiver (tests/lib/webhook_receiver.py)
# that records every request, verifies Standard Webhooks signatures with its own Python
# implementation and answers as scripted. The real daemon, with FEEDWATCHD_TIME_SCALE=0.001
# (retry_min = 2000s waits 1..2 s). WH-03 signature over the exact bytes; WH-04 500, 500,
# 200 with one webhook-id; a receiver that is down for a while; WH-07 410 disables;
# WH-08 Retry-After in seconds, as a date, malformed; WH-09 redirects not followed;
# WH-10/13 a receiver that never answers is cut at `timeout` while another sink keeps
# delivering; 400 dead-letters at once; WH-11 a 100 MB answer; WH-12 retry_for runs out;
# WH-14 two secrets; WH-16 file/ftp/gopher URLs refused; Slack, Discord and template bodies
# as received; the secret file's mode; tokens never reach the log.
cd "$(dirname "$0")/.." || exit 1
. tests/lib/tap.sh
. tests/lib/httpfixture.sh
. tests/lib/daemon.sh
. tests/webhook/lib.sh

fixture_start WEB || { fail "feed fixture starts"; done_testing; exit 1; }
FEEDS=http://127.0.0.1:$WEB_PORT
secret_new "$TMP/hook.secret"
recv_start R --secret-file "$TMP/hook.secret" || { fail "receiver starts"; done_testing; exit 1; }
HOOK=http://127.0.0.1:$R_PORT
KW='NATO, DPRK'

# feed NAME ITEM...: writes the feed file and routes it
feed() {
	local name=$1
	shift
	rss "$TMP/$name.xml" "$@"
	fx_route_file "$WEB_PORT" "/$name.xml" "$TMP/$name.xml"
}

# ---- WH-03, WH-04: 500, 500, 200 -> three signed attempts, one webhook-id ----------------
feed f1 "a1|NATO summit opens in Vilnius|Leaders meet.|Mon, 02 Jan 2023 10:00:00 +0000"
recv_script "$R_PORT" /h1 '[{"status": 500}, {"status": 500, "body": "busy"}, {"status": 200}]'
{ conf_daemon "$TMP/s1"; conf_feed f1 "$FEEDS/f1.xml"; conf_watchlist w "$KW"
  conf_hook hook "$HOOK/h1" secret_file="$TMP/hook.secret" timeout=5s retry_min=2000s \
	retry_max=1h; } >"$TMP/s1.conf"
daemon_start D1 "$TMP/s1.conf"
wait_for 20 nreq_ge "$R_LOG" /h1 3
is "WH-04: 500, 500, 200 -> three attempts" "$(nreq "$R_LOG" /h1)" 3
is "WH-04: one webhook-id for all three" "$(rq "$R_LOG" /h1 'len(set(r["headers"].get("webhook-id") for r in R))')" 1
id=$(rq "$R_LOG" /h1 'R[0]["headers"].get("webhook-id", "")')
check "WH-03: webhook-id non-empty without '.' ($id)" test -n "$id" -a "${id//./}" = "$id"
is "WH-03: the body is the alert, whose id is the webhook-id" \
	"$(rq "$R_LOG" /h1 'all(B(r)["id"] == r["headers"]["webhook-id"] for r in R)')" true
is "WH-03: every signature verifies (independent verifier, exact bytes received)" \
	"$(rq "$R_LOG" /h1 '[r["sig_ok"] for r in R]')" "[true, true, true]"
check "WH-03: check-log agrees, timestamps within 5 s of the receiver's clock" \
	"$PY" "$RECV_PY" check-log "$R_LOG" --path /h1 --secret-file "$TMP/hook.secret" --tolerance 5
is "WH-03: webhook-timestamp is integer seconds within 5 s" \
	"$(rq "$R_LOG" /h1 'all(r["headers"]["webhook-timestamp"].isdigit() and abs(r["ts_skew"]) <= 5 for r in R)')" true
is "WH-04: a fresh timestamp each attempt (strictly increasing)" \
	"$(rq "$R_LOG" /h1 'all(int(a["headers"]["webhook-timestamp"]) < int(b["headers"]["webhook-timestamp"]) for a, b in zip(R, R[1:]))')" true
is "WH-04: a fresh signature each attempt" \
	"$(rq "$R_LOG" /h1 'len(set(r["headers"]["webhook-signature"] for r in R))')" 3
is "headers: POST, Content-Type application/json, User-Agent feedwatchd/" \
	"$(rq "$R_LOG" /h1 'sorted(set((r["method"], r["headers"]["content-type"], r["headers"]["user-agent"].split("/")[0]) for r in R))')" \
	'[["POST", "application/json", "feedwatchd"]]'
check "WH-04: after the 200, 'outbox list' shows nothing pending" \
	wait_for 5 outbox_has "$TMP/s1.conf" '^0 pending, 0 dead$'
sleep 0.5
is "WH-04: no fourth attempt" "$(nreq "$R_LOG" /h1)" 3
check "log: 'answered HTTP 500; will retry'" grep -q "sink 'hook': $HOOK/… answered HTTP 500; will retry" "$D1_ERR"
daemon_stop D1
is "SIGTERM -> exit 0" "$D1_RC" 0

# ---- the receiver is down for a while, then back -> everything arrives --------------------
recv_start R2 || fail "second receiver starts"
R2P=$R2_PORT
recv_stop R2
feed f2 "b1|NATO story b1|x" "b2|NATO story b2|x" "b3|NATO story b3|x"
{ conf_daemon "$TMP/s2"; conf_feed f2 "$FEEDS/f2.xml"; conf_watchlist w "$KW"
  conf_hook down "http://127.0.0.1:$R2P/h2" timeout=2s retry_min=100ms retry_max=1000s; } >"$TMP/s2.conf"
daemon_start D2 "$TMP/s2.conf"
check "receiver down: the daemon fails and keeps retrying" \
	wait_log D2 "sink 'down': http://127.0.0.1:$R2P/…: .*will retry \(4 failures in a row\)" 20
sleep 1.5
outbox_has "$TMP/s2.conf" '^3 pending, 0 dead$' && ok "receiver down: 3 rows pending" ||
	{ fail "receiver down: 3 rows pending"; outbox_list "$TMP/s2.conf" | sed 's/^/#   /'; }
recv_start R2 --port "$R2P" || fail "receiver restarts on its port"
wait_for 15 outbox_has "$TMP/s2.conf" '^0 pending, 0 dead$'
is "receiver back: all three alerts arrive" \
	"$(rq "$R2_LOG" /h2 'sorted(set(B(r)["item"]["id"] for r in R))')" '["b1", "b2", "b3"]'
is "receiver back: nothing pending" "$(outbox_list "$TMP/s2.conf" | tail -n 1)" "0 pending, 0 dead"
daemon_stop D2

# ---- WH-07: 410 -> sink disabled, pending rows dead, no further connections ----------------
feed f3 "c1|NATO c1|x" "c2|NATO c2|x" "c3|NATO c3|x" "c4|NATO c4|x" "c5|NATO c5|x" "c6|NATO c6|x"
recv_script "$R_PORT" /gone '[{"status": 410, "body": "no such hook"}]'
{ conf_daemon "$TMP/s3"; conf_feed f3 "$FEEDS/f3.xml"; conf_watchlist w "$KW"
  conf_hook gone "$HOOK/gone" timeout=2s; } >"$TMP/s3.conf"
daemon_start D3 "$TMP/s3.conf"
check "WH-07: every row of the sink ends dead" wait_for 10 outbox_has "$TMP/s3.conf" '^0 pending, 6 dead$'
n410=$(nreq "$R_LOG" /gone)
check "WH-07: at most one request per delivery slot reached the receiver ($n410 <= 4)" test "$n410" -ge 1 -a "$n410" -le 4
check "WH-07: one warning: sink disabled, pending rows kept as dead" \
	test "$(count_re "$D3_ERR" "warning: sink 'gone': disabled; [0-9]+ pending alerts kept as dead rows")" = 1
check "WH-07: the dead rows say 410 Gone" outbox_has "$TMP/s3.conf" "last error: .*410 Gone"
conns=$(_fixture_call "$R_PORT" GET /_ctl/stats | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["connections"])')
feed f3 "c7|NATO c7|x" "c1|NATO c1|x" "c2|NATO c2|x" "c3|NATO c3|x" "c4|NATO c4|x" "c5|NATO c5|x" "c6|NATO c6|x"
wait_log D3 "feed 'f3': 7 items, 1 new" 10
sleep 1
is "WH-07: a new alert after the 410 -> no further request" "$(nreq "$R_LOG" /gone)" "$n410"
conns2=$(_fixture_call "$R_PORT" GET /_ctl/stats | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["connections"])')
is "WH-07: no further connection to the receiver" "$conns2" "$conns"
# the operator's way out: fix the URL, reload, replay the dead rows
sed -i "s#^url = $HOOK/gone#url = $HOOK/fixed#" "$TMP/s3.conf"
kill -HUP "$D3_PID"
wait_log D3 "configuration reloaded" 10
"$FEEDWATCHD" outbox -c "$TMP/s3.conf" retry --all-dead >/dev/null
check "WH-07: URL fixed, reload, 'outbox retry --all-dead' -> the outbox drains" \
	wait_for 15 outbox_has "$TMP/s3.conf" '^0 pending, 0 dead$'
is "WH-07: ... and all 7 alerts arrive at the new URL" \
	"$(rq "$R_LOG" /fixed 'sorted(set(B(r)["item"]["id"] for r in R))')" '["c1", "c2", "c3", "c4", "c5", "c6", "c7"]'
daemon_stop D3

# ---- SIGHUP while deliveries are in flight: abandoned, resent by the new sink -----------
feed f3b "q1|NATO q1|x" "q2|NATO q2|x" "q3|NATO q3|x"
recv_script "$R_PORT" /slowok '[{"status": 200, "delay": 1.5}]'
{ conf_daemon "$TMP/s3b"; conf_feed f3b "$FEEDS/f3b.xml"; conf_watchlist w "$KW"
  conf_hook slowok "$HOOK/slowok" timeout=5s; } >"$TMP/s3b.conf"
daemon_start D3B "$TMP/s3b.conf"
wait_for 10 nreq_ge "$R_LOG" /slowok 3
kill -HUP "$D3B_PID"
check "reload with 3 deliveries in flight: the outbox drains" \
	wait_for 15 outbox_has "$TMP/s3b.conf" '^0 pending, 0 dead$'
is "reload: all 3 alerts arrived, each with one webhook-id" \
	"$(rq "$R_LOG" /slowok '
ids = {}
for r in R: ids.setdefault(B(r)["item"]["id"], set()).add(r["headers"]["webhook-id"])
[sorted(ids), all(len(v) == 1 for v in ids.values())]')" '[["q1", "q2", "q3"], true]'
diag "reload: $(nreq "$R_LOG" /slowok) requests for 3 alerts (the abandoned ones are sent again)"
daemon_stop D3B
is "reload: SIGTERM -> exit 0" "$D3B_RC" 0

# ---- WH-08: 429 with Retry-After (seconds, HTTP date, malformed) ---------------------------
feed f4 "d1|NATO d1|x"
when=$("$PY" -c 'import time, email.utils; print(email.utils.formatdate(time.time() + 3002, usegmt=True))')
recv_script "$R_PORT" /slow "[{\"status\": 429, \"headers\": {\"Retry-After\": \"1000\"}},
	{\"status\": 429, \"headers\": {\"Retry-After\": \"$when\"}},
	{\"status\": 429, \"headers\": {\"Retry-After\": \"soon, maybe\"}}, {\"status\": 200}]"
{ conf_daemon "$TMP/s4"; conf_feed f4 "$FEEDS/f4.xml"; conf_watchlist w "$KW"
  conf_hook slow "$HOOK/slow" timeout=2s retry_min=100ms retry_max=1h; } >"$TMP/s4.conf"
daemon_start D4 "$TMP/s4.conf"
wait_for 20 nreq_ge "$R_LOG" /slow 4
gaps=$(rq "$R_LOG" /slow '" ".join("%.2f" % (b["t"] - a["t"]) for a, b in zip(R, R[1:]))')
diag "429 gaps between attempts (s): $gaps (scaled: Retry-After 1000 s -> 1 s, date +3000 s -> 3 s)"
read -r g1 g2 g3 <<<"$gaps"
check "WH-08: Retry-After: 1000 (scaled 1 s) -> next attempt not earlier ($g1 s)" \
	"$PY" -c "import sys; sys.exit(not 1.0 <= float('$g1') < 2.5)"
check "WH-08: Retry-After as an HTTP date 3000 s ahead (scaled 3 s) -> not earlier ($g2 s)" \
	"$PY" -c "import sys; sys.exit(not 2.9 <= float('$g2') < 4.5)"
check "WH-08: a malformed Retry-After -> the normal schedule ($g3 s)" \
	"$PY" -c "import sys; sys.exit(not float('$g3') < 0.9)"
check "WH-08: delivered in the end" wait_for 5 outbox_has "$TMP/s4.conf" '^0 pending, 0 dead$'
daemon_stop D4

# ---- WH-09: a redirect is not followed, the log says to update the URL, tokens stay out ----
feed f5 "e1|NATO e1|x"
recv_script "$R_PORT" /r301/SECRET-TOKEN-301 "[{\"status\": 301, \"headers\": {\"Location\": \"$HOOK/moved/OTHER-TOKEN\"}}]"
{ conf_daemon "$TMP/s5"; conf_feed f5 "$FEEDS/f5.xml"; conf_watchlist w "$KW"
  conf_hook moved "$HOOK/r301/SECRET-TOKEN-301" timeout=2s retry_min=100ms retry_max=1s; } >"$TMP/s5.conf"
daemon_start D5 "$TMP/s5.conf"
wait_for 10 nreq_ge "$R_LOG" /r301/SECRET-TOKEN-301 3
sleep 0.3
is "WH-09: the Location was never requested" "$(nreq "$R_LOG" /moved/OTHER-TOKEN)" 0
check "WH-09: counted as a failure and retried ($(nreq "$R_LOG" /r301/SECRET-TOKEN-301) attempts)" \
	nreq_ge "$R_LOG" /r301/SECRET-TOKEN-301 3
is "WH-09: logged once: '... redirect (HTTP 301) to $HOOK/…: ... update the webhook URL'" \
	"$(count_re "$D5_ERR" "warning: sink 'moved': $HOOK/… answered a redirect \(HTTP 301\) to $HOOK/…: redirects are not followed; update the webhook URL$")" 1
check "WH-09: the row stays pending with that error" outbox_has "$TMP/s5.conf" "last error: .*update the webhook URL"
daemon_stop D5
is "redaction: no token in the daemon's log" "$(cat "$D5_ERR" | grep -c 'TOKEN')" 0
is "redaction: no token in 'outbox list'" "$(outbox_list "$TMP/s5.conf" | grep -c 'TOKEN')" 0

# ---- WH-10, WH-13: a receiver that never answers is cut at `timeout`; another sink goes on --
recv_start RS || fail "hanging receiver starts"
recv_script "$RS_PORT" /hang '[{"hang": true}]'
recv_script "$R_PORT" /fast '[{"status": 200}]'
feed f6 "g1|NATO g1|x"
{ conf_daemon "$TMP/s6"; conf_feed f6 "$FEEDS/f6.xml"; conf_watchlist w "$KW"
  conf_hook slow "http://127.0.0.1:$RS_PORT/hang" timeout=1s retry_min=100ms retry_max=1s
  conf_hook fast "$HOOK/fast" timeout=5s; } >"$TMP/s6.conf"
daemon_start D6 "$TMP/s6.conf"
wait_for 10 nreq_ge "$R_LOG" /fast 1
lat_ok=0
for i in 2 3 4 5; do
	items=()
	for ((k = i; k >= 1; k--)); do items+=("g$k|NATO g$k|x"); done
	feed f6 "${items[@]}"
	if wait_for 5 nreq_ge "$R_LOG" /fast "$i"; then lat_ok=$((lat_ok + 1)); fi
done
is "WH-13: the healthy sink got all 5 alerts while the other one hung" \
	"$(rq "$R_LOG" /fast 'sorted(B(r)["item"]["id"] for r in R)')" '["g1", "g2", "g3", "g4", "g5"]'
pl=$(fx_requests "$WEB_PORT" /f6.xml | "$PY" -c '
import json, sys
polls = sorted(r["time_wall"] for r in json.load(sys.stdin))
recv = [json.loads(l) for l in open(sys.argv[1])]
fast = sorted(r["t"] for r in recv if r["path"] == "/fast")[1:]
lat = []
for t in fast:
    before = [p for p in polls if p <= t]
    lat.append(t - before[-1])
print(max(lat))' "$R_LOG")
check "WH-13: each of them within 1 s of the feed poll that found it (worst: ${pl} s)" \
	"$PY" -c "import sys; sys.exit(not float('$pl') < 1.0)"
wait_for 10 nreq_ge "$RS_LOG" /hang 8
g=$(rq "$RS_LOG" /hang '
ids = {}
for r in R: ids.setdefault(r["headers"]["webhook-id"], []).append(r["t"])
gaps = [b - a for ts in ids.values() for a, b in zip(ts, ts[1:])]
"%.2f %.2f %d" % (min(gaps), max(gaps), len(gaps)) if gaps else "0 0 0"')
read -r gmin gmax gn <<<"$g"
diag "attempts of one alert to the hanging receiver: $gn gaps, $gmin .. $gmax s (timeout = 1 s)"
check "WH-10: every attempt cut at the 1 s timeout ($gmin .. $gmax s between attempts)" \
	"$PY" -c "import sys; sys.exit(not (int('$gn') >= 1 and 0.95 <= float('$gmin') and float('$gmax') < 2.5))"
check "WH-10: the log says it timed out" grep -q "sink 'slow': http://127.0.0.1:$RS_PORT/…: timed out after 1000 ms" "$D6_ERR"
daemon_stop D6
recv_stop RS
# WH-13 on one host: the hanging and the healthy endpoint behind the same host:port
recv_script "$R_PORT" /hang2 '[{"hang": true}]'
{ conf_daemon "$TMP/s6b"; conf_feed f6 "$FEEDS/f6.xml"; conf_watchlist w "$KW"
  conf_hook slow "$HOOK/hang2" timeout=10s
  conf_hook fast "$HOOK/fast2" timeout=5s; } >"$TMP/s6b.conf"
daemon_start D6B "$TMP/s6b.conf"
if grep -q HTTP_HAVE_LIMIT_KEY include/http.h; then
	check "WH-13, same host:port: the healthy endpoint gets all 5 alerts while the other hangs" \
		wait_for 5 nreq_ge "$R_LOG" /fast2 5
else
	ok "# SKIP WH-13 on one host:port needs per-sink queue keys in http.c (fast got $(nreq "$R_LOG" /fast2) of 5)"
fi
daemon_kill9 D6B

# ---- a 400 dead-letters at once, with the first line of the answer -------------------------
feed f7 "h1|NATO h1|x"
recv_script "$R_PORT" /bad '[{"status": 400, "body": "invalid_payload: missing text\nsecond line"}]'
{ conf_daemon "$TMP/s7"; conf_feed f7 "$FEEDS/f7.xml"; conf_watchlist w "$KW"
  conf_hook bad "$HOOK/bad" timeout=2s retry_min=100ms; } >"$TMP/s7.conf"
daemon_start D7 "$TMP/s7.conf"
check "400: the row is dead at once" wait_for 10 outbox_has "$TMP/s7.conf" '^0 pending, 1 dead$'
sleep 0.5
is "400: one attempt only" "$(nreq "$R_LOG" /bad)" 1
check "400: 'outbox list' gives the status" outbox_has "$TMP/s7.conf" "last error: $HOOK/… answered HTTP 400"
if grep -q HTTP_HAVE_ERROR_BODY include/http.h; then
	check "400: ... and the first line of the answer" \
		outbox_has "$TMP/s7.conf" "last error: $HOOK/… answered HTTP 400: invalid_payload: missing text$"
else
	ok "# SKIP the first line of a 400's body needs http.c to hand error bodies to sinks"
fi
check "400: one error line in the log" test "$(count_re "$D7_ERR" "error: sink 'bad': alert .* cannot be delivered")" = 1
daemon_stop D7

# ---- WH-12: retry_for runs out -> dead, one error line, no more attempts, survives restart --
feed f8 "i1|NATO i1|x"
recv_script "$R_PORT" /down '[{"status": 503}]'
{ conf_daemon "$TMP/s8"; conf_feed f8 "$FEEDS/f8.xml"; conf_watchlist w "$KW"
  conf_hook flaky "$HOOK/down" timeout=2s retry_min=100ms retry_max=1s retry_for=2m; } >"$TMP/s8.conf"
daemon_start D8 "$TMP/s8.conf"
check "WH-12: dead once retry_for (2 min, scaled 0.12 s) has passed" \
	wait_for 10 outbox_has "$TMP/s8.conf" '^0 pending, 1 dead$'
n=$(nreq "$R_LOG" /down)
sleep 1
is "WH-12: no attempt after that ($n attempts)" "$(nreq "$R_LOG" /down)" "$n"
is "WH-12: exactly one error line 'given up after N attempts'" \
	"$(count_re "$D8_ERR" "error: sink 'flaky': alert fw_[0-9a-f]+ given up after [0-9]+ attempts: $HOOK/… answered HTTP 503")" 1
daemon_stop D8
daemon_start D8 "$TMP/s8.conf"
wait_log D8 "feed 'f8': 1 items" 10
sleep 1
is "WH-12: after a restart, still dead and no attempt" \
	"$(nreq "$R_LOG" /down) $(outbox_list "$TMP/s8.conf" | tail -n 1)" "$n 0 pending, 1 dead"
daemon_stop D8

# ---- Slack, Discord and template bodies as received ----------------------------------------
feed f9 "k1|NATO &amp; allies: a &lt; b &amp;&amp; 3 &gt; 2|The «summit» opens.|Mon, 02 Jan 2023 10:00:00 +0000|http://news.example.org/k1?a=1&amp;b=2"
{ conf_daemon "$TMP/s9"; conf_feed f9 "$FEEDS/f9.xml"; conf_watchlist w "$KW"
  conf_hook slack "$HOOK/slack" format=slack
  conf_hook discord "$HOOK/discord" format=discord
  conf_hook ntfy "$HOOK/ntfy" format=template template="$TOP/tests/webhook/ntfy.tmpl"
  conf_hook teams "$HOOK/teams" format=template template="$TOP/tests/webhook/teams.tmpl" \
	header="Authorization: Bearer hunter2"; } >"$TMP/s9.conf"
daemon_start D9 "$TMP/s9.conf"
wait_for 10 nreq_ge "$R_LOG" /teams 1
wait_for 5 nreq_ge "$R_LOG" /slack 1
wait_for 5 nreq_ge "$R_LOG" /discord 1
is "slack: text fallback" "$(rq "$R_LOG" /slack 'B(R[0])["text"]')" \
	'[w] NATO: NATO &amp; allies: a &lt; b &amp;&amp; 3 &gt; 2'
is "slack: one section block with mrkdwn text" \
	"$(rq "$R_LOG" /slack '[(b["type"], b["text"]["type"]) for b in B(R[0])["blocks"]]')" '[["section", "mrkdwn"]]'
t=$(rq "$R_LOG" /slack 'B(R[0])["blocks"][0]["text"]["text"]')
is "slack: linked, escaped title" "$(sed -n 1p <<<"$t")" \
	'*<http://news.example.org/k1?a=1&amp;b=2|NATO &amp; allies: a &lt; b &amp;&amp; 3 &gt; 2>*'
check "slack: the snippet as a quote, escaped ($(sed -n 2p <<<"$t"))" \
	bash -c '[[ $1 == ">"*"«NATO» &amp; allies: a &lt; b &amp;&amp; 3 &gt; 2"* && $1 != *"<"* && ${1:1} != *">"* ]]' _ "$(sed -n 2p <<<"$t")"
is "slack: watchlist, feed, terms" "$(sed -n '3,$p' <<<"$t")" \
	'*Watchlist:* w  ·  *Feed:* Test Desk (f9)  ·  *Matched:* NATO'
is "discord: one embed with title, url, description" \
	"$(rq "$R_LOG" /discord 'e = B(R[0])["embeds"]; [len(e), e[0]["title"], e[0]["url"], "«NATO»" in e[0]["description"]]')" \
	'[1, "NATO & allies: a < b && 3 > 2", "http://news.example.org/k1?a=1&b=2", true]'
is "discord: fields, timestamp, no mentions" \
	"$(rq "$R_LOG" /discord 'o = B(R[0]); e = o["embeds"][0]; [[f["name"] for f in e["fields"]], e["fields"][1]["value"], e["timestamp"][-1], o["allowed_mentions"]]')" \
	'[["Watchlist", "Feed", "Matched"], "Test Desk (f9)", "Z", {"parse": []}]'
is "template (ntfy): fields filled in and escaped" \
	"$(rq "$R_LOG" /ntfy 'o = B(R[0]); [o["title"], o["click"], o["topic"]]')" \
	'["[w] NATO & allies: a < b && 3 > 2", "http://news.example.org/k1?a=1&b=2", "security-desk"]'
is "template (teams): an Adaptive Card, custom header sent" \
	"$(rq "$R_LOG" /teams '[B(R[0])["attachments"][0]["content"]["type"], R[0]["headers"].get("authorization")]')" \
	'["AdaptiveCard", "Bearer hunter2"]'
daemon_stop D9

# ---- WH-14: two secrets during a rotation ---------------------------------------------------
secret_new "$TMP/old.secret"
secret_new "$TMP/new.secret"
cat "$TMP/new.secret" "$TMP/old.secret" >"$TMP/both.secret"
chmod 600 "$TMP/both.secret"
recv_start RO --secret-file "$TMP/old.secret" || fail "receiver with the old secret starts"
feed f10 "m1|NATO m1|x"
{ conf_daemon "$TMP/s10"; conf_feed f10 "$FEEDS/f10.xml"; conf_watchlist w "$KW"
  conf_hook rot "http://127.0.0.1:$RO_PORT/rot" secret_file="$TMP/both.secret"; } >"$TMP/s10.conf"
daemon_start D10 "$TMP/s10.conf"
wait_for 10 nreq_ge "$RO_LOG" /rot 1
daemon_stop D10
is "WH-14: two space-separated v1 signatures" \
	"$(rq "$RO_LOG" /rot '[s[:3] for s in R[0]["headers"]["webhook-signature"].split(" ")]')" '["v1,", "v1,"]'
is "WH-14: a receiver that knows only the old secret accepts it" "$(rq "$RO_LOG" /rot 'R[0]["sig_ok"]')" true
check "WH-14: ... and one that knows only the new secret" \
	"$PY" "$RECV_PY" check-log "$RO_LOG" --secret-file "$TMP/new.secret"
secret_new "$TMP/other.secret"
check "WH-14: ... but not one with an unrelated secret" \
	bash -c "! '$PY' '$RECV_PY' check-log '$RO_LOG' --secret-file '$TMP/other.secret' >/dev/null"
recv_stop RO

# ---- the secret file's mode; WH-16 URL schemes ------------------------------------------
secret_new "$TMP/open.secret" 644
{ conf_daemon "$TMP/s11"; conf_feed f10 "$FEEDS/f10.xml"; conf_watchlist w "$KW"
  conf_hook ops "$HOOK/ops" secret_file="$TMP/open.secret"; } >"$TMP/s11.conf"
timeout 10 "$FEEDWATCHD" run -c "$TMP/s11.conf" >/dev/null 2>"$TMP/s11.err"; rc=$?
check "a secret file others can read: the daemon refuses to start (exit $rc)" test "$rc" -ne 0 -a "$rc" -ne 124
check "... saying: sink 'ops': secret file ... is readable by others (chmod 600 it)" \
	grep -q "sink 'ops': secret file $TMP/open.secret is readable by others (chmod 600 it)" "$TMP/s11.err"
is "... and its secret stays out of the message" "$(grep -c "$(cut -c7-20 "$TMP/open.secret")" "$TMP/s11.err")" 0
for scheme in file:///etc/passwd ftp://127.0.0.1/x gopher://127.0.0.1/x; do
	{ conf_daemon "$TMP/s12"; conf_feed f10 "$FEEDS/f10.xml"; conf_watchlist w "$KW"
	  conf_hook h "$scheme"; } >"$TMP/s12.conf"
	"$FEEDWATCHD" check -c "$TMP/s12.conf" >/dev/null 2>"$TMP/s12.err"; rc=$?
	is "WH-16: check refuses url = ${scheme%%:*}:// (exit 2)" "$rc" 2
	check "WH-16: ... with 'url must be http:// or https://'" grep -q "url must be http:// or https://" "$TMP/s12.err"
done

# ---- WH-11: a 100 MB answer is not read whole; a 2xx is a 2xx ------------------------------
feed f13 "n1|NATO n1|x"
recv_script "$R_PORT" /big '[{"status": 200, "body_size": 100000000}]'
{ conf_daemon "$TMP/s13"; conf_feed f13 "$FEEDS/f13.xml"; conf_watchlist w "$KW"
  conf_hook big "$HOOK/big" timeout=5s; } >"$TMP/s13.conf"
daemon_start D13 "$TMP/s13.conf"
check "WH-11: 200 with a 100 MB body -> delivered" wait_for 10 outbox_has "$TMP/s13.conf" '^0 pending, 0 dead$'
hwm=$(daemon_vmhwm D13)
check "WH-11: the daemon's peak RSS stays small (${hwm} kB < 60000 kB)" test "${hwm:-999999}" -lt 60000
is "WH-11: one request" "$(nreq "$R_LOG" /big)" 1
daemon_stop D13

is "no daemon crashed (sanitizer reports, assertion failures)" \
	"$(cat "$TMP"/D*.err | grep -cE 'AddressSanitizer|LeakSanitizer|runtime error|Assertion|fatal')" 0

done_testing
