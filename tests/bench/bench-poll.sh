#!/usr/bin/env bash
# make bench-poll: the daemon's cost of polling, side by side with a bare libcurl multi
# loop that discards the bodies, against nginx on 127.0.0.1 (started and stopped here).
#   304 pass:  N_304 feeds (small files), every one answering 304 Not Modified
#   full pass: N_FULL feeds of ~114 KB RSS each, every one answering 200 (parsed, stored)
# CPU time is user+sys of the whole process (getrusage of the child), divided by the
# number of fetches; so the daemon's figure includes its start-up (config, state).
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
N_304=${N_304:-10000}
N_FULL=${N_FULL:-1000}
PAR=${PAR:-64}
W=$PWD/build/bench/poll
rm -rf "$W"; mkdir -p "$W/www" "$W/state"
PY=/usr/bin/python3

cc -O2 -o "$W/bare_multi" tests/bench/bare_multi.c $(pkg-config --cflags --libs libcurl)

# feed files: small ones for the 304 pass, ~114 KB ones for the full pass
$PY - "$W/www" "$N_304" "$N_FULL" <<'PYEOF'
import sys, os, random
root, n304, nfull = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
random.seed(7)
words = open("/work/shared/fixtures/news-article-nato-dprk.txt", encoding="utf-8").read().split() \
    if os.path.exists("/work/shared/fixtures/news-article-nato-dprk.txt") else ["news"] * 500
def item(i, size):
    body = " ".join(random.choice(words) for _ in range(size // 6))
    return (f"<item><title>Story {i} {' '.join(random.choice(words) for _ in range(8))}</title>"
            f"<link>http://127.0.0.1/story/{i}</link><guid>story-{i}</guid>"
            f"<pubDate>Sun, 29 Jan 2023 12:00:00 GMT</pubDate>"
            f"<description><![CDATA[<p>{body}</p>]]></description></item>")
os.makedirs(f"{root}/s", exist_ok=True); os.makedirs(f"{root}/f", exist_ok=True)
small = '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>' + item(0, 300) + "</channel></rss>"
for k in range(n304):
    open(f"{root}/s/{k}.xml", "w").write(small)
for k in range(nfull):
    items = "".join(item(k * 100 + j, 2200) for j in range(50))
    open(f"{root}/f/{k}.xml", "w").write('<?xml version="1.0"?><rss version="2.0"><channel><title>Full</title>' + items + "</channel></rss>")
PYEOF
full_size=$(stat -c %s "$W/www/f/0.xml")

port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$W/nginx.conf" <<NGX
worker_processes 1;
pid $W/nginx.pid;
error_log $W/nginx-error.log;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $W/tmp; proxy_temp_path $W/tmp; fastcgi_temp_path $W/tmp;
    uwsgi_temp_path $W/tmp; scgi_temp_path $W/tmp;
    keepalive_requests 100000;
    types { application/rss+xml xml; }
    server { listen 127.0.0.1:$port; root $W/www; etag on; }
}
NGX
mkdir -p "$W/tmp"
nginx -c "$W/nginx.conf" -p "$W"
trap 'kill $(cat "$W/nginx.pid") 2>/dev/null' EXIT
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
etag_small=$(curl -sI "http://127.0.0.1:$port/s/0.xml" | tr -d '\r' | sed -n 's/^ETag: //Ip')
etag_full=$(curl -sI "http://127.0.0.1:$port/f/0.xml" | tr -d '\r' | sed -n 's/^ETag: //Ip')

# one config per pass (interval long: `once` polls each feed once)
mkconf() { # name dir count
	{
		printf '[daemon]\nstate_dir = %s/state-%s\ninterval = 1h\nmax_concurrent = %s\nmax_per_host = %s\nbacklog = 0\n' "$W" "$1" "$PAR" "$PAR"
		printf '[watchlist "w"]\nkeywords = NATO, DPRK, "North Korea", sanction*\n[sink "out"]\ntype = stdout\n'
		for k in $(seq 0 $(($3 - 1))); do printf '[feed "%s%d"]\nurl = http://127.0.0.1:%s/%s/%d.xml\n' "$2" "$k" "$port" "$2" "$k"; done
	} > "$W/$1.conf"
	for k in $(seq 0 $(($3 - 1))); do echo "http://127.0.0.1:$port/$2/$k.xml"; done > "$W/$1.urls"
}
mkconf small s "$N_304"
mkconf full f "$N_FULL"

# runs a command, prints "user_s sys_s maxrss_kb" of it
measure() {
	$PY - "$@" <<'PYEOF'
import resource, subprocess, sys
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
u = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{u.ru_utime:.4f} {u.ru_stime:.4f} {u.ru_maxrss} {r.returncode}")
PYEOF
}
fw=$PWD/$BUILD/feedwatchd
us() { $PY -c "print(f'{($1 + $2) * 1e6 / $3:.1f}')"; }

# the daemon: a first `once` fills state (all 200), the second gets 304 for every feed
measure "$fw" once -q -c "$W/small.conf" >/dev/null
read -r u s rss rc < <(measure "$fw" once -q -c "$W/small.conf")
d304=$(us "$u" "$s" "$N_304"); d304rss=$rss
read -r u s rss rc < <(measure "$W/bare_multi" "$W/small.urls" "$PAR" "$etag_small")
b304=$(us "$u" "$s" "$N_304")
read -r u s rss rc < <(measure "$fw" once -q -c "$W/full.conf")
dnew=$(us "$u" "$s" "$N_FULL"); dfullrss=$rss
# the common full answer: a new ETag (touched files) over items already seen
touch "$W"/www/f/*.xml
read -r u s rss rc < <(measure "$fw" once -q -c "$W/full.conf")
dfull=$(us "$u" "$s" "$N_FULL"); [ "$rss" -gt "$dfullrss" ] && dfullrss=$rss
read -r u s rss rc < <(measure "$W/bare_multi" "$W/full.urls" "$PAR" -)
bfull=$(us "$u" "$s" "$N_FULL")

printf '\nbench-poll: nginx on 127.0.0.1, %d feeds answering 304, %d feeds of %d bytes answering 200, %d in parallel\n' "$N_304" "$N_FULL" "$full_size" "$PAR"
printf '%-22s %10s %16s %18s %12s\n' "" "us/304" "us/full (seen)" "us/full (all new)" "peak RSS"
printf '%-22s %10s %16s %18s %12s\n' "bare libcurl multi" "$b304" "$bfull" "$bfull" "-"
printf '%-22s %10s %16s %18s %9s KB\n' "feedwatchd once" "$d304" "$dfull" "$dnew" "$([ "$d304rss" -gt "$dfullrss" ] && echo "$d304rss" || echo "$dfullrss")"
$PY -c "
d304, b304, dfull, bfull, dnew = $d304, $b304, $dfull, $bfull, $dnew
print(f'ratio daemon/bare: 304 {d304 / b304:.2f}x (goal <= 2x); full answer of seen items {dfull / bfull:.2f}x, of all-new items {dnew / bfull:.2f}x (parse, match, store)')
print(f'10,000 feeds answering 304 every minute: {d304 * 10000 / 60e6 * 100:.2f}% of one core (goal < 2%)')
"
