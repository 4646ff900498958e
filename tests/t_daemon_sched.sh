#!/usr/bin/env bash
# Integration: when the daemon polls, measured on the fixture's request times with the
# scaled clock (FEEDWATCHD_TIME_SCALE=0.001: 1 s of schedule = 1 ms). RELIABILITY FF-08
# backoff and recovery, FF-09/FF-10 Retry-After, FF-19 per-host limit, FF-21 persisted
# next poll across a restart, FF-22 start-up spread over the jitter window.
cd "$(dirname "$0")/.." || exit 1
. tests/lib/tap.sh
. tests/lib/httpfixture.sh
. tests/lib/daemon.sh

fixture_start WEB || { fail "fixture starts"; done_testing; exit 1; }
URL=http://127.0.0.1:$WEB_PORT
KW='NATO, DPRK, "North Korea", sanction*'
NATO=$TOP/tests/feeds/nato-rss20.xml
FEED200="{\"status\": 200, \"body_file\": \"$NATO\"}"
# in_range DESCRIPTION VALUE LO HI
in_range() {
	if [ -n "$2" ] && [ "$2" -ge "$3" ] && [ "$2" -le "$4" ]; then ok "$1 ($2 ms in [$3, $4])"
	else fail "$1"; diag "got ${2:-nothing}, want $3..$4 ms"; fi
}

# ---- FF-09/FF-10 Retry-After (seconds, HTTP-date, malformed) on 429 and 503; FF-08
# backoff growing on 500 and recovering. One daemon, so the waits overlap.
# interval 1m = 60 ms; Retry-After 2500 s = 2.5 s.
date_in() { "$PY" -c 'import email.utils,sys,time; print(email.utils.formatdate(time.time()+float(sys.argv[1]), usegmt=True))' "$1"; }
fixture_route "$WEB_PORT" /ra-sec "[{\"status\": 429, \"headers\": {\"Retry-After\": \"2500\"}}, $FEED200]"
fixture_route "$WEB_PORT" /ra-503 "[{\"status\": 503, \"headers\": {\"Retry-After\": \"2000\"}}, $FEED200]"
fixture_route "$WEB_PORT" /ra-date "[{\"status\": 503, \"headers\": {\"Retry-After\": \"$(date_in 3000)\"}}, $FEED200]"
fixture_route "$WEB_PORT" /ra-bad "[{\"status\": 429, \"headers\": {\"Retry-After\": \"soon, please\"}}, $FEED200]"
# interval 100 s = 100 ms: 5 failures, 2 successes, one failure, then successes
R500='{"status": 500}'
fixture_route "$WEB_PORT" /fail "[$R500, $R500, $R500, $R500, $R500, $FEED200, $FEED200, $R500, $FEED200]"
# FF-11 publisher hints slow polling down: Cache-Control max-age=3000 (s), <ttl>50</ttl>
# (minutes = 3000 s); both 3.0 s scaled, far above the 60 ms interval
fixture_route "$WEB_PORT" /cc "{\"status\": 200, \"body_file\": \"$NATO\", \"headers\": {\"Cache-Control\": \"public, max-age=3000\"}}"
sed 's|<channel>|<channel><ttl>50</ttl>|' "$NATO" >"$TMP/ttl.xml"
fx_route_file "$WEB_PORT" /ttl "$TMP/ttl.xml"
# two daemons side by side, so that one's commits never delay the other's timers
{ conf_daemon "$TMP/s1" interval=1m; for f in ra-sec ra-503 ra-date ra-bad cc ttl; do conf_feed "$f" "$URL/$f"; done
  conf_watchlist korea "$KW"; conf_stdout; } >"$TMP/s1.conf"
{ conf_daemon "$TMP/s1b"; conf_feed fail "$URL/fail" interval=100s; conf_watchlist korea "$KW"
  conf_stdout; } >"$TMP/s1b.conf"
daemon_start D1 "$TMP/s1.conf"
daemon_start D1B "$TMP/s1b.conf"
wait_for 10 hits_ge "$WEB_PORT" /ra-date 3; w1=$?
wait_for 5 hits_ge "$WEB_PORT" /fail 11; w2=$?
wait_for 2 hits_ge "$WEB_PORT" /ttl 2 && wait_for 2 hits_ge "$WEB_PORT" /cc 2
daemon_stop D1; rc=$?
daemon_stop D1B; rc2=$?
is "FF-08/09/10: the polls happened, SIGTERM -> exit 0 (both daemons)" "$w1 $w2 $rc $rc2" "0 0 0 0"
for f in ra-sec ra-503 ra-date ra-bad fail cc ttl; do fx_requests "$WEB_PORT" "/$f" | fxq gaps >"$TMP/$f.gaps"; done
g() { sed -n "${2}p" "$TMP/$1.gaps"; }
in_range "FF-09: 429 Retry-After: 2500 (s) -> next request 2.5 s later" "$(g ra-sec 1)" 2500 2800
in_range "FF-10: 503 Retry-After: 2000 (s) -> next request 2.0 s later" "$(g ra-503 1)" 2000 2300
in_range "FF-10: 503 Retry-After: HTTP-date 3000 s ahead -> next request 3.0 s later" "$(g ra-date 1)" 2950 3300
in_range "FF-09: malformed Retry-After -> the normal backoff (30-60 ms)" "$(g ra-bad 1)" 25 200
in_range "FF-09: after the 200, the normal interval again (54-66 ms)" "$(g ra-sec 2)" 50 200
in_range "FF-11: Cache-Control max-age=3000 -> next poll 3.0 s later (at most +10%)" "$(g cc 1)" 3000 3400
in_range "FF-11: <ttl>50</ttl> -> next poll 3.0 s later (at most +10%)" "$(g ttl 1)" 3000 3400
# backoff: after failure n the delay is in [I*2^(n-1)/2, I*2^(n-1)] ("equal jitter")
for n in 1 2 3 4 5; do
	base=$((100 << (n - 1)))
	in_range "FF-08: gap after failure $n" "$(g fail $n)" $((base / 2 - 5)) $((base + 100))
done
check "FF-08: the gaps grow (gap1 < gap3 < gap5)" test "$(g fail 1)" -lt "$(g fail 3)" -a "$(g fail 3)" -lt "$(g fail 5)"
in_range "FF-08: after the first 200, the normal interval (90-110 ms)" "$(g fail 6)" 85 300
in_range "FF-08: ... and again" "$(g fail 7)" 85 300
in_range "FF-08: the first failure after recovery backs off from the start again" "$(g fail 8)" 45 200
check "FF-08: log 'HTTP status 500 (1 failure in a row); next try in'" \
	grep -q "warning: feed 'fail': HTTP status 500 (1 failure in a row); next try in" "$D1B_ERR"
is "FF-08: failures logged at 1, 2, 4 (no flood), and 1 again after recovery" \
	"$(grep -o "feed 'fail': HTTP status 500 ([0-9]* failures\? in a row)" "$D1B_ERR" | grep -o '([0-9]*' | tr -d '(' | tr '\n' ' ')" "1 2 4 1 "
is "FF-08: 'recovered after 5 failures' logged once" "$(count_re "$D1B_ERR" "feed 'fail': recovered after 5 failures")" 1
check "FF-09: 429 logged as a failure" grep -q "feed 'ra-sec': HTTP status 429 (1 failure in a row)" "$D1_ERR"

# ---- FF-21 restart right after a poll -> the next poll waits for the persisted time.
# interval 3h = 10.8 s (c's backoff after one failure: 5.4-10.8 s). Feed a answers 200
# each time, b 200 then 304, c 500.
fixture_route "$WEB_PORT" /p-a "$FEED200"
fixture_route "$WEB_PORT" /p-b "{\"status\": 200, \"body_file\": \"$NATO\", \"headers\": {\"ETag\": \"\\\"b\\\"\"}, \"if_none_match\": \"\\\"b\\\"\"}"
fixture_route "$WEB_PORT" /p-c "$R500"
{ conf_daemon "$TMP/s2" interval=3h; for f in a b c; do conf_feed "p-$f" "$URL/p-$f"; done
  conf_watchlist korea "$KW"; conf_stdout; } >"$TMP/s2.conf"
daemon_start D2 "$TMP/s2.conf"
wait_log D2 "feed 'p-a': 3 items" 5 && wait_log D2 "feed 'p-b': 3 items" 5 && wait_log D2 "feed 'p-c': HTTP status 500" 5; w=$?
daemon_stop D2; rc=$?
daemon_start D2 "$TMP/s2.conf"
sleep 1.5
daemon_stop D2; rc2=$?
is "FF-21: polled once, stopped, restarted for 1.5 s: exit 0 0" "$w $rc $rc2" "0 0 0"
is "FF-21: no re-poll after a restart of a feed that answered 200" "$(fixture_hits "$WEB_PORT" /p-a)" 1
is "FF-21: ... nor of a feed that answered 200 with an ETag" "$(fixture_hits "$WEB_PORT" /p-b)" 1
is "FF-21: ... nor of a feed in backoff" "$(fixture_hits "$WEB_PORT" /p-c)" 1
daemon_start D2 "$TMP/s2.conf"
sleep 1.5
daemon_stop D2
is "FF-21: a second restart does not re-poll either (hits a b c)" \
	"$(for f in a b c; do fixture_hits "$WEB_PORT" "/p-$f"; done | tr '\n' ' ')" "1 1 1 "

# ---- FF-19 twenty feeds on one host:port, max_per_host = 2 -> at most 2 at once, all fetched
fixture_route "$WEB_PORT" /f19/ "{\"match\": \"prefix\", \"responses\": [{\"status\": 200, \"body_file\": \"$NATO\", \"delay\": 0.15}]}"
{ conf_daemon "$TMP/s3" max_per_host=2; for i in $(seq 1 20); do conf_feed "f$i" "$URL/f19/$i.xml"; done
  conf_watchlist korea "$KW"; conf_stdout; } >"$TMP/s3.conf"
daemon_once S3 "$TMP/s3.conf"; rc=$?
is "FF-19: once over 20 feeds -> exit 0, every feed fetched once" \
	"$rc $(fixture_hits_prefix "$WEB_PORT" /f19/)" "0 20"
is "FF-19: the fixture never saw more than 2 requests at once (and did see 2)" \
	"$(fixture_concurrency "$WEB_PORT" /f19/)" 2
is "FF-19: the same story in 20 feeds -> one alert" "$(nlines "$S3_ONCE_OUT")" 1

# ---- FF-22 200 feeds due at start-up -> spread over the jitter window, not one burst.
# interval 84m = 5.04 s, jitter 50%: first polls in the first 2.52 s.
fixture_route "$WEB_PORT" /f22/ "{\"match\": \"prefix\", \"responses\": [{\"status\": 200, \"body\": \"<rss version='2.0'><channel><title>t</title></channel></rss>\"}]}"
{ conf_daemon "$TMP/s4" interval=84m jitter=50% max_per_host=64; for i in $(seq 1 200); do conf_feed "f$i" "$URL/f22/$i.xml"; done
  conf_watchlist korea "$KW"; conf_stdout; } >"$TMP/s4.conf"
daemon_start D4 "$TMP/s4.conf"
wait_for 8 eval '[ "$(fixture_hits_prefix "$WEB_PORT" /f22/)" -ge 200 ]'; w=$?
daemon_stop D4; rc=$?
is "FF-22: 200 feeds polled, exit 0" "$w $rc" "0 0"
fx_requests_prefix "$WEB_PORT" /f22/ >"$TMP/f22.json"
read -r span buckets burst < <("$PY" - "$TMP/f22.json" <<'EOF'
import json, sys
recs = json.load(open(sys.argv[1]))
first = {}
for r in recs:
    first.setdefault(r["path"], r["time_mono"])
ts = sorted(first.values())
t0 = ts[0]
b = [0] * 6
for t in ts:
    b[min(int((t - t0) / 0.5), 5)] += 1
burst, j = 0, 0
for i, t in enumerate(ts):
    while ts[j] < t - 0.1:
        j += 1
    burst = max(burst, i - j + 1)
print(int((ts[-1] - t0) * 1000), ",".join(map(str, b)), burst)
EOF
)
diag "FF-22: first polls over ${span} ms; per 0.5 s: $buckets; most in 100 ms: $burst"
check "FF-22: first polls span most of the 2.5 s window (${span} ms >= 1800)" test "${span:-0}" -ge 1800
check "FF-22: no 100 ms window holds more than 30 of the 200 first polls ($burst)" test "${burst:-999}" -le 30
check "FF-22: every 0.5 s of the first 2 s holds at least 15 first polls ($buckets)" \
	"$PY" -c 'import sys; b = list(map(int, sys.argv[1].split(","))); sys.exit(0 if min(b[:4]) >= 15 else 1)' "${buckets:-0}"

check_daemon_logs
done_testing
