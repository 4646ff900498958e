#!/bin/sh
# Install the Debian packages named as arguments that are not installed yet.
# Quiet when everything is present, so `make check` stays readable.
missing=""
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "make deps: installing$missing"
if [ "$(id -u)" != 0 ]; then
	echo "make deps: not root; run: sudo apt-get install$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends $missing >/dev/null || {
	echo "make deps: apt-get install$missing failed" >&2; exit 1; }
