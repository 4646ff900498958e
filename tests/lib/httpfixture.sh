# Shell helpers for the loopback HTTP fixture (tests/lib/httpfixture.py).
# Source after tests/lib/tap.sh (uses $TMP, $PY, $TOP and at_exit):
#
#   fixture_start WEB                  start a fixture; sets WEB_PORT and WEB_PID; killed at exit
#   fixture_route $WEB_PORT /feed.xml '[{"status":200,"body":"..."}]'
#                                      JSON: a list of responses, one response object, or a
#                                      route object {"responses": [...], "repeat_last": false}
#   fixture_requests $WEB_PORT /feed.xml   JSON list of the recorded requests
#   fixture_hits $WEB_PORT /feed.xml       number of requests received for that path
#   fixture_hits_prefix $WEB_PORT /        ... for every path under a prefix
#   fixture_concurrency $WEB_PORT /        most requests open at once under a prefix
#   fixture_connections $WEB_PORT          {"max": N, "current": N, "total": N}
#   fixture_reset $WEB_PORT [requests]     forget everything (or only the recordings)
#   fixture_stop WEB                       SIGTERM it now and wait for it
#   fixture_url $WEB_PORT /feed.xml        http://127.0.0.1:PORT/feed.xml
#
# Control calls use curl when it is installed (always without proxies), else Python's
# http.client (set FIXTURE_CLIENT=python to force that). Each prints the server's answer on
# stdout and returns non-zero when the call failed (the server's error goes to stderr).

FIXTURE_PY=${FIXTURE_PY:-$TOP/tests/lib/httpfixture.py}
FIXTURE_HOST=${FIXTURE_HOST:-127.0.0.1}
if [ -z "${FIXTURE_CLIENT:-}" ]; then
	if command -v curl >/dev/null 2>&1; then FIXTURE_CLIENT=curl; else FIXTURE_CLIENT=python; fi
fi

# fixture_start VAR [extra httpfixture.py arguments]: starts a fixture on a free port.
fixture_start() {
	local var=$1 portfile pid i port
	shift
	portfile=$TMP/fixture.$var.port
	rm -f "$portfile"
	"$PY" "$FIXTURE_PY" --port 0 --portfile "$portfile" --bind "$FIXTURE_HOST" "$@" \
		>"$TMP/fixture.$var.log" 2>&1 </dev/null &
	pid=$!
	at_exit "kill $pid; wait $pid"
	for ((i = 0; i < 100; i++)); do	# at most 10 s
		[ -s "$portfile" ] && break
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "fixture_start: httpfixture.py exited early:" >&2
			cat "$TMP/fixture.$var.log" >&2
			return 1
		fi
		sleep 0.1
	done
	if [ ! -s "$portfile" ]; then
		echo "fixture_start: no port file after 10 s" >&2
		return 1
	fi
	read -r port <"$portfile"
	declare -gx "${var}_PORT=$port" "${var}_PID=$pid"
}

# fixture_stop VAR: sends SIGTERM to the fixture started as VAR and waits for it.
fixture_stop() {
	local pidvar=${1}_PID
	local pid=${!pidvar}
	[ -n "$pid" ] || return 1
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

# _fixture_call PORT METHOD PATH_AND_QUERY [BODY [HEADER]]: one control request.
_fixture_call() {
	local port=$1 method=$2 target=$3 body=${4-} header=${5-}
	if [ "$FIXTURE_CLIENT" = curl ]; then
		local args=(-sS --noproxy '*' --max-time 30 --fail-with-body -X "$method")
		[ -n "$header" ] && args+=(-H "$header")
		[ "$method" = POST ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
		local out rc
		out=$(curl "${args[@]}" "http://$FIXTURE_HOST:$port$target"); rc=$?
		if [ "$rc" -ne 0 ]; then
			printf '%s\n' "$out" >&2
			return "$rc"
		fi
		printf '%s\n' "$out"
	else
		"$PY" - "$FIXTURE_HOST" "$port" "$method" "$target" "$body" "$header" <<'EOF'
import http.client, sys
host, port, method, target, body, header = sys.argv[1:7]
h = {"Content-Type": "application/json"}
if header:
    k, v = header.split(":", 1)
    h[k.strip()] = v.strip()
c = http.client.HTTPConnection(host, int(port), timeout=30)
c.request(method, target, body=body.encode() if method == "POST" else None, headers=h)
r = c.getresponse()
data = r.read()
(sys.stdout if r.status < 400 else sys.stderr).buffer.write(data)
sys.exit(0 if r.status < 400 else 22)
EOF
	fi
}

# _fixture_q VALUE: VALUE percent-encoded for a query string.
_fixture_q() {
	local LC_ALL=C s=$1 out='' c i
	for ((i = 0; i < ${#s}; i++)); do
		c=${s:i:1}
		case $c in
		[a-zA-Z0-9/._~-]) out+=$c ;;
		*) printf -v c '%02X' "'$c"; out+=%${c: -2} ;;
		esac
	done
	printf '%s\n' "$out"
}

fixture_url() { echo "http://$FIXTURE_HOST:$1$2"; }

# fixture_route PORT PATH JSON: scripts the responses for PATH.
fixture_route() { _fixture_call "$1" POST /_fixture/route "$3" "X-Fixture-Path: $2" >/dev/null; }

fixture_requests() { _fixture_call "$1" GET "/_fixture/requests?path=$(_fixture_q "$2")"; }

fixture_hits() { _fixture_call "$1" GET "/_fixture/hits?path=$(_fixture_q "$2")"; }

fixture_hits_prefix() { _fixture_call "$1" GET "/_fixture/hits?path_prefix=$(_fixture_q "$2")"; }

fixture_concurrency() {
	_fixture_call "$1" GET "/_fixture/concurrency?path_prefix=$(_fixture_q "${2:-/}")"
}

fixture_connections() { _fixture_call "$1" GET /_fixture/connections; }

fixture_reset() {
	if [ "${2-}" = requests ]; then
		_fixture_call "$1" POST '/_fixture/reset?only=requests' '' >/dev/null
	else
		_fixture_call "$1" POST /_fixture/reset '' >/dev/null
	fi
}
