# TAP helpers for shell tests: source this file, call ok/fail/is, end with done_testing.
# Each test script starts what it needs and stops it by the pid it started (see cleanup).
_tap_n=0 _tap_failed=0
FEEDWATCHD=${FEEDWATCHD:-build/feedwatchd}
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SHARED=${SHARED:-$TOP/../shared}
PY=/usr/bin/python3
TMP=$(mktemp -d "${TMPDIR:-/tmp}/fwtest.XXXXXX")
_cleanup_cmds=()
at_exit() { _cleanup_cmds+=("$*"); }
_run_cleanup() { local c; for c in "${_cleanup_cmds[@]}"; do eval "$c" >/dev/null 2>&1; done; rm -rf "$TMP"; }
trap _run_cleanup EXIT

ok()   { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $*"; }
fail() { _tap_n=$((_tap_n + 1)); _tap_failed=$((_tap_failed + 1)); echo "not ok $_tap_n - $*"; }
# check DESCRIPTION COMMAND...: ok when the command succeeds.
check() { local d=$1; shift; if "$@"; then ok "$d"; else fail "$d"; fi; }
# is DESCRIPTION GOT WANT
is() {
	if [ "$2" == "$3" ]; then ok "$1"; else fail "$1"; printf '#   got:  %s\n#   want: %s\n' "$2" "$3"; fi
}
diag() { printf '# %s\n' "$*"; }
done_testing() { echo "1..$_tap_n"; [ "$_tap_failed" -eq 0 ]; }
