# Shell helpers for the webhook tests (tests/t_webhook*.sh). Source after tests/lib/tap.sh,
# tests/lib/httpfixture.sh and tests/lib/daemon.sh.
#
#   recv_start VAR [--port N] [--secret-file F ...]   start tests/lib/webhook_receiver.py;
#                                    sets VAR_PORT, VAR_PID, VAR_LOG (records, one JSON
#                                    line each, kept across restarts of the same VAR)
#   recv_stop VAR                    SIGTERM and wait
#   recv_script PORT PATH RESPONSES  RESPONSES: a JSON list of {"status", "headers",
#                                    "body", "delay", "hang", "body_size"}; the last repeats
#   rq LOG PATH EXPR                 tests/webhook/rq.py: EXPR over the records R of PATH
#   nreq LOG PATH                    number of requests recorded for PATH
#   conf_hook NAME URL [key=value ...]   a [sink "NAME"] type = webhook section
#   outbox_list CONF                 `feedwatchd outbox -c CONF list`
#   secret_new FILE [MODE]           a fresh whsec_ secret (mode 600 unless given)

RECV_PY=$TOP/tests/lib/webhook_receiver.py
RQ_PY=$TOP/tests/webhook/rq.py

recv_start() {
	local var=$1 portfile pid i port
	shift
	portfile=$TMP/recv.$var.port
	rm -f "$portfile"
	"$PY" "$RECV_PY" serve --portfile "$portfile" --log "$TMP/recv.$var.jsonl" "$@" \
		>>"$TMP/recv.$var.out" 2>&1 </dev/null &
	pid=$!
	at_exit "kill $pid; wait $pid"
	for ((i = 0; i < 100; i++)); do
		[ -s "$portfile" ] && break
		kill -0 "$pid" 2>/dev/null || { cat "$TMP/recv.$var.out" >&2; return 1; }
		sleep 0.1
	done
	[ -s "$portfile" ] || return 1
	read -r port <"$portfile"
	declare -g "${var}_PORT=$port" "${var}_PID=$pid" "${var}_LOG=$TMP/recv.$var.jsonl"
}

recv_stop() {
	local pv=${1}_PID
	kill "${!pv}" 2>/dev/null
	wait "${!pv}" 2>/dev/null
	return 0
}

recv_script() {
	_fixture_call "$1" POST /_ctl/script \
		"{\"path\": \"$2\", \"responses\": $3, \"repeat_last\": ${4:-true}}" >/dev/null
}

rq() { "$PY" "$RQ_PY" eval "$@"; }
nreq() { rq "$1" "$2" 'len(R)'; }
# nreq_ge LOG PATH N: for wait_for
nreq_ge() { [ "$(nreq "$1" "$2")" -ge "$3" ]; }

conf_hook() {
	local name=$1 url=$2 kv
	shift 2
	printf '[sink "%s"]\ntype = webhook\nurl = %s\n' "$name" "$url"
	for kv; do printf '%s = %s\n' "${kv%%=*}" "${kv#*=}"; done
	echo
}

outbox_list() { "$FEEDWATCHD" outbox -c "$1" list 2>&1; }
# outbox_has CONF REGEX: for wait_for
outbox_has() { outbox_list "$1" | grep -qE -- "$2"; }

secret_new() {
	"$PY" -c 'import base64, os; print("whsec_" + base64.b64encode(os.urandom(24)).decode())' \
		>"$1"
	chmod "${2:-600}" "$1"
}
