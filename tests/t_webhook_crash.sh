#!/usr/bin/env bash
# Integration: webhook delivery through kill -9, and the end-to-end latency on loopback.
#
# Burst (ST-02/ST-03, WH-05 style): 30 matching items appear in rounds while the daemon is
# killed with SIGKILL at random moments and restarted; the receiver answers slowly so that
# kills land during polls, store transactions and deliveries in flight. In the end every
# alert must have arrived at least once, every duplicate must carry its original's
# webhook-id, and the outbox is empty. The figures (alerts sent, requests received,
# duplicates, kills) are printed as TAP comments.
#
# Latency: a feed changes 20 times; for each change, the time from the moment the feed
# fixture serves the new item to the moment the receiver gets the POST, and the same from
# the poll that found it (so without the poll wait).
cd "$(dirname "$0")/.." || exit 1
. tests/lib/tap.sh
. tests/lib/httpfixture.sh
. tests/lib/daemon.sh
. tests/webhook/lib.sh

fixture_start WEB || { fail "feed fixture starts"; done_testing; exit 1; }
secret_new "$TMP/hook.secret"
recv_start R --secret-file "$TMP/hook.secret" || { fail "receiver starts"; done_testing; exit 1; }
FEEDS=http://127.0.0.1:$WEB_PORT
ROUNDS=${WEBHOOK_CRASH_ROUNDS:-6}
PER_ROUND=${WEBHOOK_CRASH_PER_ROUND:-5}

# publish N: the feed holds items 1..N (newest first) plus one that never matches
publish() {
	local i its=()
	for ((i = $1; i >= 1; i--)); do
		its+=("k$i|NATO burst item $i|Allied ministers met, round $i.|Mon, 02 Jan 2023 10:00:00 +0000")
	done
	rss "$TMP/burst.xml" "${its[@]}" "quiet|Weather|Sunny.|Mon, 02 Jan 2023 09:00:00 +0000"
}

# ---- kill -9 during a burst ----------------------------------------------------------------
publish 0
fx_route_file "$WEB_PORT" /burst.xml "$TMP/burst.xml"
recv_script "$R_PORT" /burst '[{"status": 200, "delay": 0.12}]'
{ conf_daemon "$TMP/s1" backlog=1000; conf_feed burst "$FEEDS/burst.xml"; conf_watchlist w NATO
  conf_hook hook "http://127.0.0.1:$R_PORT/burst" secret_file="$TMP/hook.secret" timeout=5s \
	retry_min=100ms retry_max=1s; } >"$TMP/s1.conf"
daemon_start D "$TMP/s1.conf"
wait_log D "feed 'burst': 1 items" 10 || fail "first poll"
kills=0
total=0
for ((r = 1; r <= ROUNDS; r++)); do
	total=$((total + PER_ROUND))
	publish "$total"
	# a few kills per round at random moments: during the poll, the transaction, deliveries
	for k in 1 2; do
		sleep "0.$(printf '%03d' $((RANDOM % 600 + 20)))"
		daemon_kill9 D
		kills=$((kills + 1))
		daemon_start D "$TMP/s1.conf"
	done
done
check "after $kills kills, the outbox drains" wait_for 60 outbox_has "$TMP/s1.conf" '^0 pending, 0 dead$'
sleep 0.5
daemon_stop D
sent=$total
got=$(rq "$R_LOG" /burst 'len(R)')
distinct=$(rq "$R_LOG" /burst 'len(set(B(r)["item"]["id"] for r in R))')
dups=$((got - distinct))
diag "kill -9 burst: $sent alerts sent, $got requests received, $distinct distinct alerts, $dups duplicates, $kills kills"
is "every alert arrived at least once" \
	"$(rq "$R_LOG" /burst "sorted(set(B(r)['item']['id'] for r in R)) == sorted('k%d' % i for i in range(1, $sent + 1))")" true
is "duplicates carry their original's webhook-id (one webhook-id per alert)" \
	"$(rq "$R_LOG" /burst '
ids = {}
for r in R: ids.setdefault(B(r)["item"]["id"], set()).add(r["headers"]["webhook-id"])
all(len(v) == 1 for v in ids.values()) and len(set(min(v) for v in ids.values())) == len(ids)')" true
is "every webhook-id is the alert id in the body" \
	"$(rq "$R_LOG" /burst 'all(B(r)["id"] == r["headers"]["webhook-id"] for r in R)')" true
is "every request was signed correctly" "$(rq "$R_LOG" /burst 'all(r["sig_ok"] for r in R)')" true
check "duplicates ($dups) at most max_in_flight (4) per kill ($kills kills)" test "$dups" -le $((4 * kills))
if command -v sqlite3 >/dev/null; then
	is "the state database is intact" "$(sqlite3 "$TMP/s1/feedwatchd.db" 'PRAGMA integrity_check')" ok
fi
is "no sanitizer report or crash other than the kills" \
	"$(grep -cE 'AddressSanitizer|LeakSanitizer|runtime error|Assertion' "$D_ERR")" 0

# ---- latency: feed change -> webhook request ---------------------------------------------
rss "$TMP/lat.xml" "l0|Weather|Sunny."
fx_route_file "$WEB_PORT" /lat.xml "$TMP/lat.xml"
recv_script "$R_PORT" /lat '[{"status": 200}]'
{ conf_daemon "$TMP/s2" jitter=0%; conf_feed lat "$FEEDS/lat.xml"; conf_watchlist w NATO
  conf_hook hook "http://127.0.0.1:$R_PORT/lat" secret_file="$TMP/hook.secret"; } >"$TMP/s2.conf"
daemon_start L "$TMP/s2.conf"
wait_log L "feed 'lat': 1 items" 10
: >"$TMP/changes"
its=("l0|Weather|Sunny.")
N=${WEBHOOK_LATENCY_SAMPLES:-20}
for ((i = 1; i <= N; i++)); do
	its=("l$i|NATO latency item $i|x" "${its[@]}")
	rss "$TMP/lat.xml" "${its[@]}"
	date +%s.%N >>"$TMP/changes"
	wait_for 5 nreq_ge "$R_LOG" /lat "$i" || break
	sleep "0.$((RANDOM % 200 + 50))"
done
daemon_stop L
lat=$(fx_requests "$WEB_PORT" /lat.xml | "$PY" -c '
import json, sys
polls = sorted(r["time_wall"] for r in json.load(sys.stdin))
changes = [float(l) for l in open(sys.argv[1])]
recv = sorted(json.loads(l)["t"] for l in open(sys.argv[2]) if json.loads(l)["path"] == "/lat")
tot, proc = [], []
for c, t in zip(changes, recv):
    poll = max(p for p in polls if p <= t)
    tot.append(t - c)
    proc.append(t - poll)
def q(v, f):
    v = sorted(v)
    return v[min(len(v) - 1, int(f * len(v)))] * 1000
print("%d %.1f %.1f %.1f %.1f %.1f %.1f" % (len(tot), q(tot, .5), q(tot, .95), max(tot) * 1000,
      q(proc, .5), q(proc, .95), max(proc) * 1000))' "$TMP/changes" "$R_LOG")
read -r n t50 t95 tmax p50 p95 pmax <<<"$lat"
diag "latency feed change -> webhook POST over $n changes (poll every 0.3 s): median $t50 ms, p95 $t95 ms, max $tmax ms"
diag "latency poll that found the item -> webhook POST: median $p50 ms, p95 $p95 ms, max $pmax ms"
is "latency: every change was delivered" "$n" "$N"
check "latency: from the poll to the POST under 1 s at p95 ($p95 ms)" \
	"$PY" -c "import sys; sys.exit(not float('${p95:-99999}') < 1000)"

done_testing
