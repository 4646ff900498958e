#!/usr/bin/env bash
# The syslog sink against real receivers (RELIABILITY SL-01..SL-08).
#
# Part 1 needs nothing but Python: a capture socket (tests/syslog/capture.py) receives the
# datagrams byte for byte (exact RFC 3164 without a host name, PRI, injection, the cap, a
# receiver that never reads, missing and recreated sockets). Part 2 starts a private
# rsyslogd (tests/lib/rsyslog.sh) and checks what rsyslog itself parsed: facility,
# severity and tag over its unix socket, RFC 5424 structured data over UDP, octet-counted
# TCP, and delivery across rsyslog restarts. Part 2 is skipped when rsyslogd is missing.
#
# The sink is driven by the unit test binary in driver mode ("test_sink_syslog drive"),
# one long-lived process per sink, commands on a FIFO, one answer line per command.
. "$(dirname "$0")/lib/tap.sh"
. "$TOP/tests/lib/rsyslog.sh"
cd "$TOP" || exit 1
export LC_ALL=C

BUILD=${BUILD:-build}
[[ $BUILD == /* ]] || BUILD=$TOP/$BUILD
DRIVER=$BUILD/tests/test_sink_syslog
CAPTURE=$TOP/tests/syslog/capture.py
MONTH='(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)'
TEXT='\[korea-security\] NATO, DPRK: '
TAIL=' https://example\.org/a \(yonhap-nk\)'

if [ ! -x "$DRIVER" ]; then
	fail "driver $DRIVER is built"
	done_testing
	exit
fi

# drv_start VAR ARGS...: starts a driver; sets VAR_PID (also the pid in its messages).
drv_start() {
	local var=$1 fin=$TMP/drv.$1.in fout=$TMP/drv.$1.out pid line fdin fdout
	shift
	mkfifo "$fin" "$fout"
	"$DRIVER" drive "$@" <"$fin" >"$fout" 2>>"$TMP/drv.$var.err" &
	pid=$!
	at_exit "kill $pid; wait $pid"
	exec {fdin}>"$fin"
	exec {fdout}<"$fout"
	read -r -t 10 line <&"$fdout"
	if [ "$line" != "READY pid=$pid" ]; then
		diag "driver $var did not start: '$line'"
		cat "$TMP/drv.$var.err" >&2
		return 1
	fi
	declare -g "${var}_PID=$pid" "${var}_IN=$fdin" "${var}_OUT=$fdout"
}

# drv VAR COMMAND: sends one command, leaves the answer in REPLY and its first word in ST.
drv() {
	local i=${1}_IN o=${1}_OUT
	printf '%s\n' "$2" >&"${!i}"
	REPLY=
	read -r -t 20 REPLY <&"${!o}"
	ST=${REPLY%% *}
}

# drv_until_sent VAR COMMAND: repeats COMMAND (at most 50 times, 0.1 s apart) until SENT.
drv_until_sent() {
	local n
	for ((n = 0; n < 50; n++)); do
		drv "$1" "$2"
		[ "$ST" = SENT ] && return 0
		sleep 0.1
	done
	return 1
}

# capture_start VAR PATH [capture.py options]: a capture socket; sets VAR_PID, VAR_DIR.
capture_start() {
	local var=$1 path=$2 dir=$TMP/cap.$1.$RANDOM pid i
	shift 2
	"$PY" "$CAPTURE" listen "$path" "$dir" "$@" >"$dir.log" 2>&1 &
	pid=$!
	at_exit "kill $pid; wait $pid"
	for ((i = 0; i < 100; i++)); do
		[ -f "$dir/ready" ] && break
		sleep 0.05
	done
	[ -f "$dir/ready" ] || { diag "capture.py did not start"; cat "$dir.log" >&2; return 1; }
	declare -g "${var}_PID=$pid" "${var}_DIR=$dir"
}

capture_stop() {
	local p=${1}_PID
	kill "${!p}" 2>/dev/null
	wait "${!p}" 2>/dev/null
}

# capture_wait DIR N: waits (2 s at most) until DIR holds N datagrams.
capture_wait() {
	local i
	for ((i = 0; i < 40; i++)); do
		[ -f "$1/$(printf %04d "$2").bin" ] && return 0
		sleep 0.05
	done
	return 1
}

capture_count() {
	local f n=0
	for f in "$1"/*.bin; do [ -f "$f" ] && n=$((n + 1)); done
	echo "$n"
}

# ---- part 1: capture socket, no rsyslog ------------------------------------------------

CSOCK=$TMP/capture.sock
capture_start C "$CSOCK" || { fail "capture socket"; done_testing; exit; }
drv_start A --socket "$CSOCK" || { fail "driver starts"; done_testing; exit; }

before=$(date '+%b %e %H:%M:%S')
drv A 'send Missile launch reported'
after=$(date '+%b %e %H:%M:%S')
is "SL-01 send to the capture socket" "$ST" SENT
capture_wait "$C_DIR" 1
check "SL-01 exact RFC 3164 bytes: <PRI>Mmm dd hh:mm:ss ident[pid]: text, no host name" \
	"$PY" "$CAPTURE" match "$C_DIR/0001.bin" \
	"<28>$MONTH [ 1-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-6][0-9] feedwatchd\\[$A_PID\\]: ${TEXT}Missile launch reported$TAIL"
ts=$(head -c 19 "$C_DIR/0001.bin" | cut -c5-)
check "SL-01 the timestamp is the local time of sending ('$ts')" \
	test "$ts" = "$before" -o "$ts" = "$after"

drv_start B --socket "$CSOCK" --facility 19 || fail "driver B starts"
drv B 'sev 3'
drv B 'send local3 error'
capture_wait "$C_DIR" 2
check "SL-02 LOG_LOCAL3 | LOG_ERR is <155>" \
	"$PY" "$CAPTURE" match "$C_DIR/0002.bin" "<155>$MONTH .{11} feedwatchd\\[$B_PID\\]: ${TEXT}local3 error$TAIL"

drv A 'send <13>Jan  1 00:00:00 evil sshd[1]: fake\r\n<13>second\x1b[2J\x7f\x01 end\x00hidden'
is "SL-04 injection title sent" "$ST" SENT
capture_wait "$C_DIR" 3
sleep 0.2
is "SL-04 injection title is one datagram" "$(capture_count "$C_DIR")" 3
check "SL-04 ... with no control byte, valid UTF-8" "$PY" "$CAPTURE" clean "$C_DIR/0003.bin"
check "SL-04 ... and the controls escaped (the C string ends at NUL)" \
	"$PY" "$CAPTURE" match "$C_DIR/0003.bin" \
	"<28>$MONTH .{11} feedwatchd\\[$A_PID\\]: ${TEXT}<13>Jan  1 00:00:00 evil sshd\\[1\\]: fake\\\\r\\\\n<13>second\\\\x1b\\[2J\\\\x7f\\\\x01 end$TAIL"

big=$(head -c 65536 /dev/zero | tr '\0' x)
drv A "send $big"
is "SL-05 a 64 KiB title is sent at once (no EMSGSIZE loop)" "$ST" SENT
capture_wait "$C_DIR" 4
is "SL-05 ... cut to the 2048-byte cap" "$(wc -c <"$C_DIR/0004.bin" | tr -d ' ')" 2048
check "SL-05 ... with the marker, the link and feed kept" \
	"$PY" "$CAPTURE" match "$C_DIR/0004.bin" "<28>.* ${TEXT}x+\\.\\.\\.\\[truncated\\]$TAIL"
bigk=$("$PY" -c 'print("북한 " * 8000)')
drv A "send $bigk"
capture_wait "$C_DIR" 5
n=$(wc -c <"$C_DIR/0005.bin" | tr -d ' ')
check "SL-05 a 64 KB Hangul title is cut at a character boundary ($n bytes)" \
	"$PY" "$CAPTURE" match "$C_DIR/0005.bin" "<28>.* ${TEXT}(북한 )*(북|북한)?\\.\\.\\.\\[truncated\\]$TAIL"
check "SL-05 ... within the cap" test "$n" -le 2048 -a "$n" -gt 2040

# A receiver that goes away, leaves a stale socket file, then comes back (SL-06, SL-08).
capture_stop C
drv A 'send to a stale socket'
is "SL-06 stale socket file, nobody reading: RETRY_LATER" "$ST" RETRY_LATER
diag "$REPLY"
rm -f "$CSOCK"
drv A 'send to no socket'
is "SL-06 no socket at all: RETRY_LATER" "$ST" RETRY_LATER
diag "$REPLY"
capture_start C2 "$CSOCK"
drv A 'send after the socket came back'
is "SL-08 the socket is recreated: the next send is delivered" "$ST" SENT
capture_wait "$C2_DIR" 1
check "SL-08 ... to the new receiver" "$PY" "$CAPTURE" match "$C2_DIR/0001.bin" \
	"<28>.* ${TEXT}after the socket came back$TAIL"

# A receiver that never reads (SL-07): its queue fills, sends say RETRY_LATER at once.
NSOCK=$TMP/noread.sock
capture_start N "$NSOCK" --no-read --rcvbuf 1024
drv_start F --socket "$NSOCK"
t0=$(date +%s%N)
drv F 'burst 500 a receiver that never reads'
t1=$(date +%s%N)
diag "burst: $REPLY in $(((t1 - t0) / 1000000)) ms"
read -r _ sent _ retry _ failed _ maxus <<<"$REPLY"
check "SL-07 some sends fit in the receiver's queue ($sent)" test "${sent:-0}" -gt 0
check "SL-07 then EAGAIN: RETRY_LATER ($retry)" test "${retry:-0}" -gt 0 -a "$((sent + retry))" -eq 500
is "SL-07 nothing FAILED" "$failed" 0
check "SL-07 no send blocked: slowest ${maxus} us < 50 ms" test "${maxus:-999999}" -lt 50000

# ---- part 2: a real rsyslogd -------------------------------------------------------------

if ! rsyslog_available; then
	ok "# SKIP rsyslogd is not installed (apt-get install rsyslog; make deps does)"
	done_testing
	exit
fi

RSOCK=$TMP/rsyslog.RS/log.sock	# where rsyslog_start RS puts its socket
drv_start R --socket "$RSOCK"
drv R 'send before rsyslog runs'
is "SL-06 no rsyslog yet: RETRY_LATER" "$ST" RETRY_LATER
if ! rsyslog_start RS; then
	fail "rsyslogd starts"
	done_testing
	exit
fi
ok "rsyslogd started (pid $RS_PID, udp $RS_UDP, tcp $RS_TCP)"
drv R 'send before rsyslog runs'
is "SL-06 rsyslog is up: the kept alert is delivered" "$ST" SENT
rsyslog_wait_lines "$RS_FIELDS" 1
line=$(grep -F 'before rsyslog runs' "$RS_FIELDS")
is "rsyslog: one alert is one line" "$(grep -c -F 'before rsyslog runs' "$RS_FIELDS")" 1
is "rsyslog: facility, severity and tag as sent" \
	"${line%% host=*}" "pri=28 fac=3 sev=4 tag=feedwatchd[$R_PID]: prog=feedwatchd procid=$R_PID msgid=-"
is "rsyslog: the message text" "${line#* msg=}" \
	" [korea-security] NATO, DPRK: before rsyslog runs https://example.org/a (yonhap-nk)"

drv R 'send <13>Jan  1 00:00:00 evil sshd[1]: fake\r\n<13>second\x1b\x7f end'
rsyslog_wait_lines "$RS_FIELDS" 2
sleep 0.3
is "SL-04 rsyslog: the injection title is one line" "$(rsyslog_lines "$RS_FIELDS")" 2
line=$(tail -n 1 "$RS_FIELDS")
is "SL-04 rsyslog: ... with our tag, as one message" "${line%% host=*}" \
	"pri=28 fac=3 sev=4 tag=feedwatchd[$R_PID]: prog=feedwatchd procid=$R_PID msgid=-"
check "SL-04 rsyslog: ... escaped by us (rsyslog saw no control character to escape)" \
	grep -q -F 'fake\r\n<13>second\x1b\x7f end https://example.org/a' "$RS_FIELDS"
check "SL-04 rsyslog: ... no '#0nn' escapes from rsyslog in the raw message" \
	bash -c "! grep -q '#0[0-9][0-9]' '$RS_RAW'"

drv_start L --socket "$RSOCK" --facility 19
for sev in 0 1 2 3 4 5 6 7; do
	drv L "sev $sev"
	drv L "send severity $sev"
done
rsyslog_wait_lines "$RS_FIELDS" 10
for sev in 0 1 2 3 4 5 6 7; do
	got=$(grep -F "severity $sev https" "$RS_FIELDS" | sed 's/ tag=.*//')
	is "SL-02 rsyslog parses local3.$sev as PRI $((19 * 8 + sev))" "$got" \
		"pri=$((19 * 8 + sev)) fac=19 sev=$sev"
done

drv_start U --server "udp://127.0.0.1:$RS_UDP"
drv U 'item urn:a"b]c\\d'
drv U 'feed yonhap-nk'
drv U 'send RFC 5424 over UDP'
is "SL-03 RFC 5424 over UDP sent" "$ST" SENT
rsyslog_wait_lines "$RS_FIELDS" 11
line=$(grep -F 'RFC 5424 over UDP' "$RS_FIELDS")
is "SL-03 rsyslog parses RFC 5424: tag, procid, msgid" "$(sed 's/ host=.*//' <<<"$line")" \
	"pri=28 fac=3 sev=4 tag=feedwatchd[$U_PID] prog=feedwatchd procid=$U_PID msgid=alert"
is "SL-03 ... the structured data as sent (escaped)" "$(sed 's/.* sd=\(.*\) msg=.*/\1/' <<<"$line")" \
	'[feedwatchd@32473 watchlist="korea-security" feed="yonhap-nk" item="urn:a\"b\]c\\d"]'
is "SL-03 ... and the SD-PARAMs unescaped by mmpstrucdata" "$(grep -F 'urn:a' "$RS_SD")" \
	'watchlist=korea-security feed=yonhap-nk item=urn:a"b]c\d'
is "SL-03 ... the message (no BOM)" "${line#* msg=}" \
	"[korea-security] NATO, DPRK: RFC 5424 over UDP https://example.org/a (yonhap-nk)"

drv_start T --server "tcp://127.0.0.1:$RS_TCP"
drv_until_sent T 'send over TCP one'
is "tcp: sent (octet counting)" "$ST" SENT
drv T 'send over TCP two'
is "tcp: a second frame on the same connection" "$ST" SENT
rsyslog_wait_lines "$RS_FIELDS" 13
is "tcp: rsyslog splits the frames: two lines" "$(grep -c 'msgid=alert .*over TCP' "$RS_FIELDS")" 2

# SL-08: rsyslog restarts between two sends; its socket is removed and recreated.
rsyslog_stop RS
check "rsyslog removed its socket on stop" test ! -e "$RSOCK"
rsyslog_start RS || fail "rsyslogd restarts"
n0=$(rsyslog_lines "$RS_FIELDS")
drv R 'send right after the restart'
is "SL-08 unix: the first send after a restart is delivered" "$ST" SENT
drv_until_sent T 'send over TCP after the restart'
is "SL-08 tcp: delivery resumes on a new connection" "$ST" SENT
rsyslog_wait_lines "$RS_FIELDS" $((n0 + 2))
is "SL-08 rsyslog got both" "$(grep -c 'after the restart' "$RS_FIELDS")" 2

# ... and while it is down, alerts wait (RETRY_LATER) and go out once it is back.
rsyslog_stop RS
drv R 'send while rsyslog is down'
is "SL-06 rsyslog down: RETRY_LATER" "$ST" RETRY_LATER
drv T 'send over TCP while rsyslog is down'
is "SL-06 tcp, rsyslog down: RETRY_LATER" "$ST" RETRY_LATER
rsyslog_start RS || fail "rsyslogd restarts again"
drv R 'send while rsyslog is down'
is "SL-06 rsyslog back: delivered" "$ST" SENT
drv_until_sent T 'send over TCP while rsyslog is down'
is "SL-06 tcp, rsyslog back: delivered" "$ST" SENT
rsyslog_wait_lines "$RS_FIELDS" $((n0 + 4))
is "SL-06 each of them exactly once" "$(grep -c 'while rsyslog is down' "$RS_FIELDS")" 2

done_testing
