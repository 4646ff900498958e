#!/usr/bin/env bash
# Integration: storm control. 1,000 matching items at once against a webhook sink with
# rate_limit = 30/min (FEEDWATCHD_TIME_SCALE=0.01: a window of 0.6 s): at most 30
# messages per window, the rest folded into one digest at each window's end, every alert
# delivered exactly once (individually or inside a digest), nothing lost. A second sink in
# Slack format gets the same storm: its digests are valid Slack payloads.
cd "$(dirname "$0")/.." || exit 1
export FEEDWATCHD_TIME_SCALE=0.01
. tests/lib/tap.sh
. tests/lib/httpfixture.sh
. tests/lib/daemon.sh
. tests/webhook/lib.sh

fixture_start WEB || { fail "feed fixture starts"; done_testing; exit 1; }
recv_start R || { fail "receiver starts"; done_testing; exit 1; }
N=${WEBHOOK_STORM_ALERTS:-1000}

its=()
for ((i = N; i >= 1; i--)); do its+=("s$i|NATO storm item $i|x|Mon, 02 Jan 2023 10:00:00 +0000"); done
rss "$TMP/storm.xml" "${its[@]}"
fx_route_file "$WEB_PORT" /storm.xml "$TMP/storm.xml"
{ conf_daemon "$TMP/s1" backlog=100000 interval=1h; conf_feed storm "http://127.0.0.1:$WEB_PORT/storm.xml"
  conf_watchlist w NATO
  conf_hook rl "http://127.0.0.1:$R_PORT/rl" rate_limit=30/min
  conf_hook rls "http://127.0.0.1:$R_PORT/rls" format=slack rate_limit=30/min; } >"$TMP/s1.conf"
daemon_start D "$TMP/s1.conf"
check "the feed is polled: $N new items" wait_log D "feed 'storm': $N items, $N new" 30
check "$N alerts: the outbox drains" wait_for 60 outbox_has "$TMP/s1.conf" '^0 pending, 0 dead$'
daemon_stop D
is "SIGTERM -> exit 0" "$D_RC" 0

summary=$(rq "$R_LOG" /rl '
ids, digests = [], 0
for r in R:
    b = B(r)
    if b.get("digest"):
        digests += 1
        ids += [a["item"]["id"] for a in b["alerts"]]
        assert b["count"] == len(b["alerts"]) and r["headers"]["webhook-id"] == b["id"]
    else:
        ids.append(b["item"]["id"])
W = 0.6
t = [r["t"] for r in R]
span = t[-1] - t[0]
slide = max(sum(1 for u in t if s <= u < s + W) for s in t)
"%d %d %d %d %.2f %d %d" % (len(R), digests, len(ids), len(set(ids)), span,
                            30 * (int(span / W) + 2), slide)')  # messages spread over span touch at most floor(span/W)+2 windows
read -r msgs digests covered distinct span allowed slide <<<"$summary"
diag "storm: $N alerts -> $msgs messages ($digests digests) over $span s, $covered alerts carried, $distinct distinct; most in any 0.6 s: $slide"
is "every alert delivered, individually or in a digest" "$distinct" "$N"
is "... exactly once (no failure, so no duplicate)" "$covered" "$N"
check "digests were sent ($digests)" test "${digests:-0}" -ge 1
check "far fewer messages than alerts ($msgs)" test "${msgs:-9999}" -lt $((N / 3))
check "at most 30 messages per window over the storm ($msgs in $span s <= $allowed)" \
	test "${msgs:-9999}" -le "${allowed:-0}"
check "no sliding 0.6 s holds more than two windows' worth ($slide <= 60)" test "${slide:-99}" -le 60
is "digests logged" "$(count_re "$D_ERR" "info: sink 'rl': rate limit: [0-9]+ alerts folded into digest fwd_[0-9a-f]+")" "$digests"
is "slack digests: valid payloads listing every alert" "$(rq "$R_LOG" /rls '
n = 0
for r in R:
    b = B(r)
    assert isinstance(b["text"], str) and all(k["type"] == "section" for k in b["blocks"])
    if "folded into one digest" in b["text"]:
        n += sum(k["text"]["text"].count("• [") for k in b["blocks"])
    else:
        n += 1
n')" "$N"
# ---- `once` waits for the digest: 1 alert at once, the other 4 folded, then exit -----------
rss "$TMP/once.xml" "o1|NATO o1|x" "o2|NATO o2|x" "o3|NATO o3|x" "o4|NATO o4|x" "o5|NATO o5|x"
fx_route_file "$WEB_PORT" /once.xml "$TMP/once.xml"
{ conf_daemon "$TMP/s2"; conf_feed once "http://127.0.0.1:$WEB_PORT/once.xml"
  conf_watchlist w NATO; conf_hook one "http://127.0.0.1:$R_PORT/once" rate_limit=1/min; } >"$TMP/s2.conf"
daemon_once O "$TMP/s2.conf"; rc=$?
is "once with rate_limit = 1/min: exit 0" "$rc" 0
is "once: one alert, then one digest of the other four" \
	"$(rq "$R_LOG" /once '[B(r).get("count", 1) for r in R]')" '[1, 4]'
is "once: nothing left pending" "$(outbox_list "$TMP/s2.conf" | tail -n 1)" "0 pending, 0 dead"

is "no sanitizer report" "$(cat "$D_ERR" "$O_ERR" | grep -cE 'AddressSanitizer|LeakSanitizer|runtime error')" 0

done_testing
