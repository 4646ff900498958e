#!/usr/bin/env bash
# The systemd notify protocol, spoken to a test socket (RELIABILITY SD-03..SD-08):
# READY=1 once after start-up, WATCHDOG=1 from the loop (and not while it is stopped),
# RELOADING=1 + MONOTONIC_USEC then READY=1 around good and bad reloads, STOPPING=1 on
# SIGTERM, single-line UTF-8 STATUS=, and nothing at all without NOTIFY_SOCKET.
. "$(dirname "$0")/lib/tap.sh"
cd "$TOP"

cat > "$TMP/feed.xml" <<'XML'
<rss version="2.0"><channel><title>t</title>
<item><title>NATO meets</title><link>http://x/1</link><guid>n1</guid></item>
</channel></rss>
XML
port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
( cd "$TMP" && exec $PY -m http.server "$port" --bind 127.0.0.1 ) >/dev/null 2>&1 &
at_exit "kill $!"
mkconf() {
	cat > "$TMP/d.conf" <<CONF
[daemon]
state_dir = $TMP/state
interval = 1s
[feed "f"]
url = http://127.0.0.1:$port/feed.xml
[watchlist "w"]
keywords = NATO
[sink "out"]
type = stdout
CONF
}
mkconf
$PY tests/lib/notify_receiver.py "$TMP/notify.sock" "$TMP/notify.log" &
at_exit "kill $!"
for _ in $(seq 50); do [ -S "$TMP/notify.sock" ] && break; sleep 0.1; done

msgs() { $PY -c "import json,sys; [print(json.loads(l)['msg'].replace(chr(10),'|')) for l in open('$TMP/notify.log')]" 2>/dev/null; }
count() { msgs | grep -c "$1"; }
wait_for() { for _ in $(seq 100); do [ "$(count "$1")" -ge "${2:-1}" ] && return 0; sleep 0.1; done; return 1; }

# WATCHDOG_PID = the daemon's own pid (exec keeps it), 2 s watchdog -> pings every 1 s
NOTIFY_SOCKET=$TMP/notify.sock WATCHDOG_USEC=2000000 \
	sh -c 'WATCHDOG_PID=$$ exec "$0" run -c "$1"' "$FEEDWATCHD" "$TMP/d.conf" >"$TMP/out" 2>"$TMP/err" &
pid=$!
at_exit "kill -9 $pid"
check "READY=1 arrives" wait_for '^READY=1$'
sleep 3.2
is "exactly one READY=1 after start-up" "$(count '^READY=1$')" 1
check "the store was open before READY (state database exists)" test -f "$TMP/state/feedwatchd.db"
pings=$(count '^WATCHDOG=1$')
check "WATCHDOG=1 at least once a second ($pings in ~3 s)" [ "$pings" -ge 3 ]
check "STATUS= is sent" wait_for '^STATUS='
check "STATUS= is one line" sh -c "! msgs | grep '^STATUS=' | grep -q '|'"
st=$(msgs | grep '^STATUS=' | tail -1)
check "STATUS= names feeds, alerts today and pending ($st)" grep -Eq 'STATUS=1 feeds, [0-9]+ failing, [0-9]+ alerts today, [0-9]+ pending' <<<"$st"

# SD-05: a stopped loop sends no pings
kill -STOP "$pid"
before=$(count '^WATCHDOG=1$')
sleep 2.5
after=$(count '^WATCHDOG=1$')
kill -CONT "$pid"
is "no WATCHDOG=1 while the process is stopped" "$after" "$before"
check "pings resume after SIGCONT" wait_for '^WATCHDOG=1$' $((after + 1))

# SD-06: good reload, then a broken one
kill -HUP "$pid"
check "RELOADING=1 with MONOTONIC_USEC on SIGHUP" wait_for '^RELOADING=1|MONOTONIC_USEC=[0-9][0-9]*$'
check "READY=1 after the reload" wait_for '^READY=1$' 2
echo "intervall = 5m" >> "$TMP/d.conf"
kill -HUP "$pid"
check "RELOADING=1 again for the broken file" wait_for '^RELOADING=1' 2
check "READY=1 even though the new file was rejected" wait_for '^READY=1$' 3
check "the rejection is logged at error level" grep -q "error: reload failed: keeping the running configuration" "$TMP/err"
check "still running on the old configuration" kill -0 "$pid"

# SD-07: STOPPING=1 and exit 0 on SIGTERM
kill -TERM "$pid"
rc=0; wait "$pid" || rc=$?
is "SIGTERM: exit 0" "$rc" 0
check "STOPPING=1 sent" wait_for '^STOPPING=1$'

# SD-04: WATCHDOG_PID naming another process: no pings
: > "$TMP/notify.log"
mkconf
NOTIFY_SOCKET=$TMP/notify.sock WATCHDOG_USEC=400000 WATCHDOG_PID=1 \
	"$FEEDWATCHD" run -c "$TMP/d.conf" >/dev/null 2>&1 &
pid=$!
at_exit "kill -9 $pid"
wait_for '^READY=1$'
sleep 1.5
kill -TERM "$pid"; wait "$pid"
is "WATCHDOG_PID of another process: no WATCHDOG=1" "$(count '^WATCHDOG=1$')" 0

# SD-08: no NOTIFY_SOCKET: runs normally, says nothing about notify
: > "$TMP/notify.log"
env -u NOTIFY_SOCKET "$FEEDWATCHD" run -c "$TMP/d.conf" >"$TMP/out2" 2>"$TMP/err2" &
pid=$!
at_exit "kill -9 $pid"
sleep 2
kill -TERM "$pid"; rc=0; wait "$pid" || rc=$?
is "without NOTIFY_SOCKET: exit 0" "$rc" 0
check "without NOTIFY_SOCKET: no notify errors" sh -c "! grep -qi notify '$TMP/err2'"
is "without NOTIFY_SOCKET: nothing sent" "$(wc -l < "$TMP/notify.log")" 0
done_testing
