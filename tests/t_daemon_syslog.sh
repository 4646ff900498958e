#!/usr/bin/env bash
# The daemon end to end into a real rsyslogd (issue 4's scenarios with a syslog sink):
# a new matching item -> exactly one syslog line (right facility, severity, tag, text)
# and one stdout line; a title with CR/LF/NUL-like escapes and a leading "<13>" stays
# one line; restart -> no duplicate; syslog down -> the alert waits in the outbox and is
# delivered once rsyslog is back; RFC 5424 over UDP keeps its structured data.
. "$(dirname "$0")/lib/tap.sh"
. "$(dirname "$0")/lib/httpfixture.sh"
. "$(dirname "$0")/lib/rsyslog.sh"
cd "$TOP"
if ! rsyslog_available; then
	echo "ok 1 # SKIP rsyslogd is not installed"
	done_testing
	exit 0
fi
fixture_start WEB
rsyslog_start RS

feed() { # items...: RSS with the given titles (guid = position)
	local i=0 t
	printf '<rss version="2.0"><channel><title>Wire</title>'
	for t in "$@"; do
		i=$((i + 1))
		printf '<item><title>%s</title><link>http://127.0.0.1/s/%d</link><guid>g%d</guid></item>' "$t" "$i" "$i"
	done
	printf '</channel></rss>'
}
route() { # body
	$PY -c 'import json,sys; print(json.dumps({"responses":[{"status":200,"headers":{"Content-Type":"application/rss+xml"},"body":sys.argv[1]}]}))' "$1" > "$TMP/route.json"
	fixture_route "$WEB_PORT" /wire.xml "$(cat "$TMP/route.json")" >/dev/null
}
mkconf() { # extra sink lines
	cat > "$TMP/d.conf" <<CONF
[daemon]
state_dir = $TMP/state
interval = 1h
backlog = 0
[feed "wire"]
url = http://127.0.0.1:$WEB_PORT/wire.xml
[watchlist "korea-security"]
keywords = NATO, DPRK, "North Korea", sanction*
priority = warning
[sink "syslog"]
type = syslog
facility = local3
ident = fwtest
socket = $RS_SOCK
$1
[sink "out"]
type = stdout
CONF
}

route "$(feed 'Weather today')"
mkconf
"$FEEDWATCHD" once -c "$TMP/d.conf" >"$TMP/out0" 2>"$TMP/err0"
is "first fetch (backlog 0): exit 0" "$?" 0
is "first fetch: nothing alerted" "$(rsyslog_lines "$RS_FIELDS")" 0

route "$(feed 'Weather today' 'NATO and DPRK talks on sanctions' $'Evil <13>Jan  1 00:00:00 host fake: injected &#13;&#10;second line')"
"$FEEDWATCHD" once -c "$TMP/d.conf" >"$TMP/out1" 2>"$TMP/err1"
is "second fetch: exit 0" "$?" 0
rsyslog_wait_lines "$RS_FIELDS" 1 5
is "exactly one syslog line for the one matching item" "$(rsyslog_lines "$RS_FIELDS")" 1
is "exactly one stdout alert" "$(grep -c '"watchlist":"korea-security"' "$TMP/out1")" 1
line=$(head -1 "$RS_FIELDS")
check "facility local3, severity warning (PRI 156)" grep -q 'pri=156 fac=19 sev=4' <<<"$line"
check "tag is the configured ident" grep -q 'tag=fwtest\[' <<<"$line"
check "the text names watchlist, terms, title and feed" \
	grep -q 'msg=.*\[korea-security\] NATO, DPRK, sanction\*: NATO and DPRK talks on sanctions http://127.0.0.1/s/2 (wire)' <<<"$line"

# the injection title matches nothing; make it match and check it stays one line
route "$(feed 'Weather today' 'NATO and DPRK talks on sanctions' $'NATO <13>Jan  1 00:00:00 host fake: injected &#13;&#10;second line')"
"$FEEDWATCHD" once -c "$TMP/d.conf" >"$TMP/out2" 2>"$TMP/err2"
rsyslog_wait_lines "$RS_FIELDS" 2 5
is "an edited item that now matches alerts once more: two lines in all" "$(rsyslog_lines "$RS_FIELDS")" 2
last=$(tail -1 "$RS_RAW")
check "CR/LF in the title (squeezed by the parser) leave one line with the whole title" \
	grep -q 'NATO <13>Jan 1 00:00:00 host fake: injected second line' <<<"$last"
check "the leading <13> inside the title is text, not a new PRI" grep -q '^<155>\|^<156>' <<<"$last"

"$FEEDWATCHD" once -c "$TMP/d.conf" >"$TMP/out3" 2>"$TMP/err3"
sleep 0.5
is "restart: no duplicate" "$(rsyslog_lines "$RS_FIELDS")" 2

# syslog down: the alert waits in the outbox, then arrives
rsyslog_stop RS
route "$(feed 'Weather today' 'NATO and DPRK talks on sanctions' $'NATO <13>Jan  1 00:00:00 host fake: injected &#13;&#10;second line' 'North Korea fires a missile')"
"$FEEDWATCHD" once -c "$TMP/d.conf" >"$TMP/out4" 2>"$TMP/err4"
is "syslog down: once exits 1 (a delivery is pending)" "$?" 1
check "syslog down: one warning names the sink" grep -q "warning: sink 'syslog'" "$TMP/err4"
"$FEEDWATCHD" outbox -c "$TMP/d.conf" list > "$TMP/outbox"
check "syslog down: the alert is pending in the outbox" grep -q 'pending  syslog' "$TMP/outbox"
rsyslog_start RS
# the row is due again after its backoff (5 s minimum by default): make it due now
id=$(awk '$2 == "pending" && $3 == "syslog" {print $1; exit}' "$TMP/outbox")
"$FEEDWATCHD" outbox -c "$TMP/d.conf" retry "$id" >/dev/null
"$FEEDWATCHD" once -c "$TMP/d.conf" >"$TMP/out5" 2>"$TMP/err5"
is "syslog back: once exits 0" "$?" 0
rsyslog_wait_lines "$RS_FIELDS" 1 5
check "syslog back: the waiting alert arrived" grep -q 'North Korea fires a missile' "$RS_FIELDS"

# RFC 5424 over UDP, with structured data
rm -rf "$TMP/state"
mkconf ""
sed -i "s#^socket = .*#server = udp://127.0.0.1:$RS_UDP#" "$TMP/d.conf"
route "$(feed 'Weather')"
"$FEEDWATCHD" once -c "$TMP/d.conf" >/dev/null 2>&1
route "$(feed 'Weather' 'Sanctions on DPRK "shipping" [update]')"
"$FEEDWATCHD" once -c "$TMP/d.conf" >/dev/null 2>"$TMP/err6"
rsyslog_wait_lines "$RS_SD" 1 5
check "RFC 5424: structured data parsed by rsyslog" grep -q 'watchlist=korea-security feed=wire item=g2' "$RS_SD"
check "RFC 5424: the message starts with <PRI>1" grep -q '^<156>1 ' "$RS_RAW"
done_testing
