# Shell helpers for a private rsyslogd (Debian package rsyslog) that tests start and stop.
# Source after tests/lib/tap.sh (uses $TMP, $PY and at_exit):
#
#   rsyslog_available                 true when rsyslogd is installed
#   rsyslog_start RS                  start one; sets RS_PID, RS_SOCK (unix datagram socket),
#                                     RS_UDP, RS_TCP (ports on 127.0.0.1), RS_FIELDS, RS_RAW,
#                                     RS_SD (its output files) and RS_DIR; killed at exit.
#                                     RS_TCP/RS_UDP already set are reused (for a restart).
#   rsyslog_stop RS                   SIGTERM it and wait; it removes its socket
#   rsyslog_lines FILE                number of lines in an output file (0 if none yet)
#   rsyslog_wait_lines FILE N [SEC]   wait until FILE has at least N lines (default 5 s)
#
# The instance never touches the host's logging: no /dev/log (SysSock.Use="off"), its
# own socket, pid file and work directory under $TMP, ports on 127.0.0.1 chosen by the
# kernel (port 0; read back from /proc/net/udp and /proc/net/tcp by the inodes of
# rsyslogd's sockets, which also tells when it is ready), -C so it does not chdir to /.
# imtcp needs listenPortFileName to accept port="0" (without it, 0 means 514).
#
# Output files, one line per message:
#   fields.log  pri=.. fac=.. sev=.. tag=.. prog=.. procid=.. msgid=.. host=.. sd=.. msg=..
#   raw.log     the message as received (%rawmsg%)
#   sd.log      the feedwatchd@32473 SD-PARAMs as parsed (unescaped) by mmpstrucdata

RSYSLOGD=${RSYSLOGD:-$(command -v rsyslogd || echo /usr/sbin/rsyslogd)}

rsyslog_available() {
	[ -x "$RSYSLOGD" ]
}

# rsyslog_start VAR: writes the configuration and starts rsyslogd in the foreground.
rsyslog_start() {
	local var=$1 dir=$TMP/rsyslog.$1 pid i tcpvar udpvar tcp udp ports
	tcpvar=${var}_TCP udpvar=${var}_UDP
	tcp=${!tcpvar:-0} udp=${!udpvar:-0}
	mkdir -p "$dir/work"
	rm -f "$dir/pid"
	cat >"$dir/rsyslog.conf" <<-EOF
	global(workDirectory="$dir/work" maxMessageSize="64k")
	module(load="imuxsock" SysSock.Use="off")
	input(type="imuxsock" Socket="$dir/log.sock" RateLimit.Interval="0")
	module(load="imudp")
	input(type="imudp" address="127.0.0.1" port="$udp")
	module(load="imtcp")
	input(type="imtcp" address="127.0.0.1" port="$tcp" listenPortFileName="$dir/tcp.port")
	module(load="mmpstrucdata")
	template(name="fields" type="string" string="pri=%pri% fac=%syslogfacility% sev=%syslogseverity% tag=%syslogtag% prog=%programname% procid=%procid% msgid=%msgid% host=%hostname% sd=%structured-data% msg=%msg%\n")
	template(name="raw" type="string" string="%rawmsg%\n")
	template(name="sd" type="string" string="watchlist=%\$!rfc5424-sd!feedwatchd@32473!watchlist% feed=%\$!rfc5424-sd!feedwatchd@32473!feed% item=%\$!rfc5424-sd!feedwatchd@32473!item%\n")
	action(type="mmpstrucdata")
	*.* action(type="omfile" file="$dir/fields.log" template="fields")
	*.* action(type="omfile" file="$dir/raw.log" template="raw")
	*.* action(type="omfile" file="$dir/sd.log" template="sd")
	EOF
	"$RSYSLOGD" -n -C -f "$dir/rsyslog.conf" -i "$dir/pid" >>"$dir/rsyslogd.out" 2>&1 </dev/null &
	pid=$!
	at_exit "kill $pid; wait $pid"
	ports=
	for ((i = 0; i < 100; i++)); do	# at most 10 s
		[ -S "$dir/log.sock" ] && ports=$(rsyslog_ports "$pid") && break
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "rsyslog_start: rsyslogd exited early:" >&2
			cat "$dir/rsyslogd.out" >&2
			return 1
		fi
		sleep 0.1
	done
	if [ -z "$ports" ]; then
		echo "rsyslog_start: rsyslogd not ready after 10 s:" >&2
		cat "$dir/rsyslogd.out" >&2
		return 1
	fi
	read -r udp tcp <<<"$ports"
	declare -g "${var}_PID=$pid" "${var}_DIR=$dir" "${var}_SOCK=$dir/log.sock" \
		"${var}_TCP=$tcp" "${var}_UDP=$udp" "${var}_FIELDS=$dir/fields.log" \
		"${var}_RAW=$dir/raw.log" "${var}_SD=$dir/sd.log"
}

# rsyslog_ports PID: "UDP TCP", the 127.0.0.1 ports that process PID has bound (UDP)
# and listens on (TCP); fails until it has both.
rsyslog_ports() {
	"$PY" - "$1" <<-'EOF'
	import os, sys
	pid = sys.argv[1]
	inodes = set()
	for fd in os.listdir(f"/proc/{pid}/fd"):
	    try:
	        t = os.readlink(f"/proc/{pid}/fd/{fd}")
	    except OSError:
	        continue
	    if t.startswith("socket:["):
	        inodes.add(t[8:-1])
	def port(table, state):
	    with open(table) as f:
	        next(f)
	        for line in f:
	            p = line.split()
	            if p[9] in inodes and p[1].startswith("0100007F:") and p[3] == state:
	                return int(p[1].split(":")[1], 16)
	udp, tcp = port("/proc/net/udp", "07"), port("/proc/net/tcp", "0A")
	if udp is None or tcp is None:
	    sys.exit(1)
	print(udp, tcp)
	EOF
}

# rsyslog_stop VAR: SIGTERM and wait.
rsyslog_stop() {
	local pidvar=${1}_PID
	local pid=${!pidvar}
	[ -n "$pid" ] || return 1
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	declare -g "${1}_PID="
	return 0
}

rsyslog_lines() {
	if [ -f "$1" ]; then wc -l <"$1" | tr -d ' '; else echo 0; fi
}

rsyslog_wait_lines() {
	local file=$1 want=$2 secs=${3:-5} i
	for ((i = 0; i < secs * 20; i++)); do
		[ "$(rsyslog_lines "$file")" -ge "$want" ] && return 0
		sleep 0.05
	done
	return 1
}
