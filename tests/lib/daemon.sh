# Shell helpers to run the real daemon in integration tests (tests/t_daemon_*.sh).
# Source after tests/lib/tap.sh and tests/lib/httpfixture.sh (uses $TMP, $PY, $TOP,
# $FEEDWATCHD and at_exit).
#
#   conf_daemon STATE_DIR [key=value ...]   print a [daemon] section (test defaults below)
#   conf_feed NAME URL [key=value ...]      print a [feed "NAME"] section
#   conf_watchlist NAME KEYWORDS [key=value ...]
#   conf_stdout [NAME]                      print a [sink "NAME"] type = stdout section
#   rss FILE ITEM...                        write an RSS 2.0 document (atomically);
#                                           ITEM = guid|title|description[|pubDate[|link]]
#   daemon_start VAR CONF [args]            `feedwatchd run -c CONF args` in the background;
#                                           sets VAR_PID, VAR_OUT (stdout), VAR_ERR (stderr);
#                                           both files are appended to across restarts;
#                                           DAEMON_STDOUT=PATH sends stdout there instead
#   daemon_stop VAR [GRACE]                 SIGTERM, wait at most GRACE s (default 8);
#                                           sets VAR_RC and VAR_STOP_MS; returns the exit code
#                                           (137 after a SIGKILL when it would not stop)
#   daemon_kill9 VAR                        SIGKILL and reap
#   daemon_alive VAR                        true while it runs
#   wait_log VAR REGEX [TIMEOUT [COUNT]]    wait until VAR's stderr has COUNT (1) lines
#                                           matching the ERE; false after TIMEOUT (10) s
#   wait_for TIMEOUT COMMAND...             poll COMMAND every 50 ms until it succeeds
#   daemon_once VAR CONF [args]             `feedwatchd once` with a 30 s bound; its own
#                                           output in VAR_ONCE_OUT/VAR_ONCE_ERR, also appended
#                                           to VAR_OUT/VAR_ERR; returns its exit code
#   count_re FILE REGEX                     number of lines matching the ERE (0 if no file)
#   nlines FILE                             number of lines (0 if no file)
#   daemon_vmhwm VAR                        peak RSS of the running daemon, in kB
#   fx_requests PORT PATH | fx_requests_prefix PORT PREFIX   recorded requests (JSON)
#   fx_route_file PORT PATH FILE [JSON]     PATH answers 200 with FILE (re-read per request)
#   hits_ge PORT PATH N                     fixture saw >= N requests for PATH (for wait_for)
#   fxq ARGS...                             tests/daemon/fxq.py: query request records
#   alerts ARGS...                          tests/daemon/alerts.py: check/list alert lines
#   show_log VAR [N]                        last lines of VAR's stderr as TAP comments
#   check_daemon_logs                       one TAP line: no sanitizer report in any log
#
# Environment for every daemon started here: FEEDWATCHD_TIME_SCALE=0.001 unless the test
# set it (every scheduled delay 1000x shorter: interval 5m = 0.3 s), no proxies, no crash
# point, no FEEDWATCHD_CONFIG.

export FEEDWATCHD_TIME_SCALE=${FEEDWATCHD_TIME_SCALE:-0.001}
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY \
	FEEDWATCHD_CRASH FEEDWATCHD_CONFIG FEEDWATCHD_TEST_PUBLIC_LOOPBACK \
	FEEDWATCHD_TEST_PRIVATE_ADDRS JOURNAL_STREAM NOTIFY_SOCKET WATCHDOG_USEC
DAEMON_LIB=$TOP/tests/daemon
declare -gA _daemon_live=()

_daemon_cleanup() {
	local pid
	for pid in "${!_daemon_live[@]}"; do
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
}
at_exit _daemon_cleanup

conf_daemon() {
	local state=$1 kv
	shift
	printf '[daemon]\nstate_dir = %s\n' "$state"
	# test defaults, overridable: no waiting on slow servers, small bodies
	local -A set=([interval]=5m [jitter]=10% [timeout]=5s [max_feed_size]=4M [backlog]=10)
	for kv; do set[${kv%%=*}]=${kv#*=}; done
	for kv in "${!set[@]}"; do printf '%s = %s\n' "$kv" "${set[$kv]}"; done
	echo
}

conf_feed() {
	local name=$1 url=$2 kv
	shift 2
	printf '[feed "%s"]\nurl = %s\n' "$name" "$url"
	for kv; do printf '%s = %s\n' "${kv%%=*}" "${kv#*=}"; done
	echo
}

conf_watchlist() {
	local name=$1 kw=$2 kv
	shift 2
	printf '[watchlist "%s"]\nkeywords = %s\n' "$name" "$kw"
	for kv; do printf '%s = %s\n' "${kv%%=*}" "${kv#*=}"; done
	echo
}

conf_stdout() { printf '[sink "%s"]\ntype = stdout\n\n' "${1:-out}"; }

rss() {
	local file=$1 it g t d p l
	shift
	{
		echo '<?xml version="1.0" encoding="UTF-8"?>'
		echo '<rss version="2.0"><channel><title>Test Desk</title>'
		echo '<link>http://news.example.org/</link><description>test feed</description>'
		for it; do
			IFS='|' read -r g t d p l <<<"$it"
			printf '<item><guid isPermaLink="false">%s</guid><title>%s</title>' "$g" "$t"
			printf '<link>%s</link><description>%s</description>' \
				"${l:-http://news.example.org/$g}" "$d"
			[ -n "$p" ] && printf '<pubDate>%s</pubDate>' "$p"
			echo '</item>'
		done
		echo '</channel></rss>'
	} >"$file.tmp" && mv -f "$file.tmp" "$file"
}

daemon_start() {
	local var=$1 conf=$2 pid
	shift 2
	local out=$TMP/$var.out err=$TMP/$var.err
	touch "$out" "$err"
	"$FEEDWATCHD" run -c "$conf" "$@" >>"${DAEMON_STDOUT:-$out}" 2>>"$err" </dev/null &
	pid=$!
	_daemon_live[$pid]=1
	declare -g "${var}_PID=$pid" "${var}_OUT=$out" "${var}_ERR=$err" "${var}_CONF=$conf"
}

daemon_alive() {
	local pv=${1}_PID st
	local pid=${!pv}
	[ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || return 1
	read -r _ _ st _ <"/proc/$pid/stat" 2>/dev/null || return 1
	[ "$st" != Z ]
}

daemon_stop() {
	local var=$1 grace=${2:-8} pv=${1}_PID t0 t1 rc i
	local pid=${!pv}
	t0=$(date +%s%N)
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < grace * 20; i++)); do
		daemon_alive "$var" || break
		sleep 0.05
	done
	if daemon_alive "$var"; then
		echo "# daemon $var did not stop within ${grace}s: SIGKILL" >&2
		kill -9 "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	rc=$?
	t1=$(date +%s%N)
	unset "_daemon_live[$pid]"
	declare -g "${var}_RC=$rc" "${var}_STOP_MS=$(((t1 - t0) / 1000000))"
	return "$rc"
}

daemon_kill9() {
	local pv=${1}_PID
	local pid=${!pv}
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	unset "_daemon_live[$pid]"
}

count_re() {
	if [ -f "$1" ]; then grep -cE -- "$2" "$1"; else echo 0; fi
	return 0
}
nlines() { [ -f "$1" ] && wc -l <"$1" || echo 0; }

wait_for() {
	local t=$1 i
	shift
	for ((i = 0; i < t * 20; i++)); do
		"$@" && return 0
		sleep 0.05
	done
	"$@"
}

wait_log() {
	local var=$1 re=$2 t=${3:-10} n=${4:-1} ev=${1}_ERR i
	for ((i = 0; i < t * 20; i++)); do
		[ "$(count_re "${!ev}" "$re")" -ge "$n" ] && return 0
		# a dead daemon writes nothing more
		daemon_alive "$var" || break
		sleep 0.05
	done
	[ "$(count_re "${!ev}" "$re")" -ge "$n" ]
}

daemon_once() {
	local var=$1 conf=$2 rc
	shift 2
	local out=$TMP/$var.out err=$TMP/$var.err
	timeout -k 2 30 "$FEEDWATCHD" once -c "$conf" "$@" >"$TMP/$var.once.out" \
		2>"$TMP/$var.once.err" </dev/null
	rc=$?
	cat "$TMP/$var.once.out" >>"$out"
	cat "$TMP/$var.once.err" >>"$err"
	declare -g "${var}_OUT=$out" "${var}_ERR=$err" "${var}_ONCE_OUT=$TMP/$var.once.out" \
		"${var}_ONCE_ERR=$TMP/$var.once.err"
	return "$rc"
}

daemon_vmhwm() {
	local pv=${1}_PID
	awk '/^VmHWM:/ { print $2 }' "/proc/${!pv}/status" 2>/dev/null
}

fx_requests() { _fixture_call "$1" GET "/_fixture/requests?path=$(_fixture_q "$2")"; }
fx_requests_prefix() { _fixture_call "$1" GET "/_fixture/requests?path_prefix=$(_fixture_q "$2")"; }
fxq() { "$PY" "$DAEMON_LIB/fxq.py" "$@"; }
alerts() { "$PY" "$DAEMON_LIB/alerts.py" "$@"; }

# show_log VAR [N]: the last N (20) lines of VAR's stderr as TAP comments (after a failure).
show_log() {
	local ev=${1}_ERR
	tail -n "${2:-20}" "${!ev}" 2>/dev/null | sed 's/^/#   | /'
}

# fx_route_file PORT PATH FILE [EXTRA_JSON]: PATH answers 200 with FILE (read at each
# request, so rewriting FILE changes the feed); EXTRA_JSON adds response keys, e.g.
# '"headers": {"ETag": "\"x\""}'.
fx_route_file() {
	local extra=${4:+, $4}
	case $extra in *'"headers"'*) ;; *) extra=", \"headers\": {\"Content-Type\": \"application/rss+xml\"}$extra" ;; esac
	fixture_route "$1" "$2" "{\"status\": 200, \"body_file\": \"$3\"$extra}"
}

# hits_ge PORT PATH N: true when the fixture has seen at least N requests for PATH
# (for wait_for, which re-runs it).
hits_ge() { [ "$(fixture_hits "$1" "$2")" -ge "$3" ]; }

# check_daemon_logs: one TAP line, failing when any daemon log of this script holds a
# sanitizer report (ASan, UBSan, LeakSanitizer) or a libcurl/libevent/SQLite complaint
# that means misuse. Call it just before done_testing.
check_daemon_logs() {
	local hits
	hits=$(grep -lE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|libevent: .*(error|misuse)|SQLITE_MISUSE' \
		"$TMP"/*.err 2>/dev/null)
	if [ -z "$hits" ]; then
		ok "no sanitizer report or library misuse in any daemon log"
	else
		fail "no sanitizer report or library misuse in any daemon log"
		grep -hE -m3 -A6 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|libevent: |SQLITE_MISUSE' $hits |
			head -n 30 | sed 's/^/#   | /'
	fi
}
