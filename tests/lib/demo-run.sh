#!/usr/bin/env bash
# `make run`: start the demo feed server on 127.0.0.1:8765 (stopped by its pid on exit),
# then run the daemon in the foreground on conf/demo.conf. Ctrl-C stops both.
set -u
bin=${1:-build/feedwatchd}
cd "$(dirname "$0")/../.."
/usr/bin/python3 tests/lib/demo-feed.py --port 8765 &
demo=$!
trap 'kill $demo 2>/dev/null' EXIT
for _ in $(seq 50); do
	(exec 3<>/dev/tcp/127.0.0.1/8765) 2>/dev/null && break
	sleep 0.1
done
rm -rf /tmp/feedwatchd-demo
echo "demo feed on http://127.0.0.1:8765/news.xml (a new headline every 4 s); Ctrl-C to stop" >&2
"$bin" run -c conf/demo.conf
