#!/usr/bin/env bash
# Self-tests of the loopback HTTP fixture (tests/lib/httpfixture.py + httpfixture.sh): every
# scripting, recording and counting feature that the integration tests rely on.
cd "$(dirname "$0")/.." || exit 1
. tests/lib/tap.sh
. tests/lib/httpfixture.sh

# A small raw-socket HTTP client, so the checks see exactly the bytes on the wire.
cat >"$TMP/fx.py" <<'EOF'
import json, socket, sys, time, urllib.request

PORT = int(sys.argv[1])

def conn(timeout=10):
    s = socket.create_connection(("127.0.0.1", PORT), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s

def req(path, method="GET", headers=(), body=b""):
    h = "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n" % (method, path, PORT)
    for k, v in headers:
        h += "%s: %s\r\n" % (k, v)
    if body:
        h += "Content-Length: %d\r\n" % len(body)
    return h.encode() + b"\r\n" + body

def read_head(s):
    """Reads up to the blank line: (status, [(name, value)], rest of the buffer)."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = s.recv(65536)
        if not d:
            raise EOFError("connection closed before the headers ended: %r" % buf)
        buf += d
    head, rest = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    hdrs = [tuple(x.split(": ", 1)) for x in lines[1:]]
    return status, hdrs, rest

def hget(hdrs, name):
    for k, v in hdrs:
        if k.lower() == name.lower():
            return v
    return None

def read_to_eof(s, rest=b""):
    out = bytearray(rest)
    while True:
        d = s.recv(65536)
        if not d:
            return bytes(out)
        out += d

def read_body(s, hdrs, rest, method="GET", status=200):
    """Reads a framed body (Content-Length or chunked); returns bytes."""
    if method == "HEAD" or status in (204, 304):
        return b""
    if (hget(hdrs, "Transfer-Encoding") or "").lower() == "chunked":
        buf, out = bytearray(rest), bytearray()
        while True:
            while b"\r\n" not in buf:
                buf += s.recv(65536)
            line, _, tail = bytes(buf).partition(b"\r\n")
            n = int(line, 16)
            buf = bytearray(tail)
            while len(buf) < n + 2:
                buf += s.recv(65536)
            out += buf[:n]
            buf = buf[n + 2:]
            if n == 0:
                return bytes(out)
    cl = hget(hdrs, "Content-Length")
    if cl is None:
        return read_to_eof(s, rest)
    n = int(cl)
    out = bytearray(rest)
    while len(out) < n:
        d = s.recv(65536)
        if not d:
            break
        out += d
    return bytes(out)

def get(path, method="GET", headers=(), body=b""):
    s = conn()
    s.sendall(req(path, method, headers, body))
    st, h, rest = read_head(s)
    b = read_body(s, h, rest, method, st)
    s.close()
    return st, h, b

def control(path, method="GET", body=None):
    r = urllib.request.Request("http://127.0.0.1:%d%s" % (PORT, path), method=method,
                               data=body.encode() if body is not None else None)
    op = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    return json.loads(op.open(r, timeout=10).read())

def expect(cond, msg):
    if not cond:
        print("# " + msg)
        sys.exit(1)
EOF
export PYTHONPATH=$TMP
# fx 'python code' : runs code with the helpers above imported; fails on a false expect().
fx() { "$PY" -c "from fx import *
$1" "$WEB_PORT"; }

# --- start -------------------------------------------------------------------------------
if fixture_start WEB; then ok "fixture_start sets WEB_PORT=$WEB_PORT WEB_PID=$WEB_PID"
else fail "fixture_start"; done_testing; exit 1; fi
check "fixture pid $WEB_PID is alive" kill -0 "$WEB_PID"
[[ $WEB_PORT =~ ^[0-9]+$ ]] && [ "$WEB_PORT" -gt 0 ] && ok "port is a number" || fail "port is a number"
is "ping answers" "$(_fixture_call "$WEB_PORT" GET /_fixture/ping)" "ok"
URL=$(fixture_url "$WEB_PORT" /)

# --- status and headers, in order, with duplicates ---------------------------------------
fixture_route "$WEB_PORT" /h '{"status": 201, "headers": [["X-One", "1"], ["Link", "<a>"],
	["X-Two", "two words"], ["Link", "<b>"]], "body": "hi\n"}'
check "status, headers in order (duplicates kept), body" fx '
st, h, b = get("/h")
expect(st == 201, "status %r" % st)
mine = [x for x in h if x[0] in ("X-One", "Link", "X-Two")]
expect(mine == [("X-One", "1"), ("Link", "<a>"), ("X-Two", "two words"), ("Link", "<b>")], repr(h))
expect(hget(h, "Content-Length") == "3" and b == b"hi\n", repr((h, b)))'

# --- sequences ---------------------------------------------------------------------------
fixture_route "$WEB_PORT" /seq '[{"body": "one"}, {"status": 500, "body": "two"}]'
fixture_route "$WEB_PORT" /seq1 '{"responses": [{"body": "one"}], "repeat_last": false}'
check "responses served in order, the last repeats" fx '
r = [get("/seq")[::2] for _ in range(3)]
expect(r == [(200, b"one"), (500, b"two"), (500, b"two")], repr(r))'
check "repeat_last false: 404 once exhausted" fx '
r = [get("/seq1")[0] for _ in range(2)]
expect(r == [200, 404], repr(r))'

# --- conditional GET ---------------------------------------------------------------------
fixture_route "$WEB_PORT" /cond '{"headers": {"ETag": "\"abc\"", "Last-Modified":
	"Sun, 29 Jan 2023 12:00:00 GMT"}, "body": "feed", "if_none_match": "\"abc\"",
	"if_modified_since": "Sun, 29 Jan 2023 12:00:00 GMT", "not_modified_status": 304}'
check "conditional GET: 200 with ETag, 304 on a matching If-None-Match" fx '
st, h, b = get("/cond")
expect(st == 200 and hget(h, "ETag") == "\"abc\"" and b == b"feed", repr((st, h, b)))
s = conn(); s.sendall(req("/cond", headers=[("If-None-Match", "\"abc\"")]))
st, h, rest = read_head(s)
expect(st == 304 and hget(h, "ETag") == "\"abc\"" and hget(h, "Content-Length") is None, repr((st, h)))
s.settimeout(0.3)
try:
    extra = s.recv(100)
except socket.timeout:
    extra = b""
expect(rest + extra == b"", "304 carried a body: %r" % (rest + extra))
st, h, b = get("/cond", headers=[("If-None-Match", "W/\"zzz\", \"abc\"")])
expect(st == 304, "list with weak tags: %r" % st)
st, h, b = get("/cond", headers=[("If-None-Match", "\"other\"")])
expect(st == 200 and b == b"feed", "non-matching tag: %r" % st)'
check "conditional GET: If-Modified-Since must match byte for byte" fx '
st = get("/cond", headers=[("If-Modified-Since", "Sun, 29 Jan 2023 12:00:00 GMT")])[0]
expect(st == 304, "exact: %r" % st)
st = get("/cond", headers=[("If-Modified-Since", "Sun, 29 Jan 2023 12:00:01 GMT")])[0]
expect(st == 200, "different: %r" % st)'

# --- content encodings -------------------------------------------------------------------
fixture_route "$WEB_PORT" /gz '{"body": "<rss>caf\u00e9 gzip</rss>", "encode": "gzip"}'
fixture_route "$WEB_PORT" /df '{"body": "<rss>deflate</rss>", "encode": "deflate", "chunked": true}'
fixture_route "$WEB_PORT" /br '{"body": "<rss>brotli \u00df</rss>", "encode": "br"}'
check "gzip body decodes, Content-Encoding and Content-Length match" fx '
import gzip
st, h, b = get("/gz")
expect(hget(h, "Content-Encoding") == "gzip" and int(hget(h, "Content-Length")) == len(b), repr(h))
expect(gzip.decompress(b) == "<rss>café gzip</rss>".encode(), repr(b))'
check "deflate (zlib) body, chunked, decodes" fx '
import zlib
st, h, b = get("/df")
expect(hget(h, "Content-Encoding") == "deflate" and hget(h, "Transfer-Encoding") == "chunked", repr(h))
expect(zlib.decompress(b) == b"<rss>deflate</rss>", repr(b))'
if curl --version | grep -qw brotli; then
	is "br body decodes with curl --compressed" \
		"$(curl -sS --noproxy '*' --compressed "${URL}br")" "<rss>brotli ß</rss>"
else
	ok "br body # SKIP curl has no brotli"
fi

# --- bombs -------------------------------------------------------------------------------
fixture_route "$WEB_PORT" /bomb '{"bomb": {"encoding": "gzip", "decoded_bytes": 104857600}}'
fixture_route "$WEB_PORT" /bombc '{"bomb": {"encoding": "deflate", "decoded_bytes": 10485760}, "chunked": true}'
check "gzip bomb: small Content-Length, decodes (streaming) to exactly 100 MiB of zeros" fx '
import zlib
s = conn(30); s.sendall(req("/bomb"))
st, h, rest = read_head(s)
cl = int(hget(h, "Content-Length"))
expect(hget(h, "Content-Encoding") == "gzip" and cl < 1 << 20, repr(h))
d = zlib.decompressobj(31); got = len(rest); total = 0; nonzero = False
def eat(data):
    global total, nonzero
    while data:
        out = d.decompress(data, 1 << 20)
        total += len(out); nonzero = nonzero or out.count(0) != len(out)
        data = d.unconsumed_tail
eat(rest)
while got < cl:
    x = s.recv(65536)
    if not x: break
    got += len(x); eat(x)
expect(got == cl and d.eof, "received %d of %d compressed bytes, eof=%r" % (got, cl, d.eof))
expect(total == 104857600 and not nonzero, "decoded %d bytes, nonzero=%r" % (total, nonzero))'
check "deflate bomb sent chunked: no Content-Length, decodes to 10 MiB" fx '
import zlib
st, h, b = get("/bombc")
expect(hget(h, "Content-Length") is None and hget(h, "Transfer-Encoding") == "chunked", repr(h))
d = zlib.decompressobj(15); total = 0; data = b
while data:
    total += len(d.decompress(data, 1 << 20)); data = d.unconsumed_tail
expect(total == 10485760 and d.eof, "decoded %d" % total)'

# --- timing: delay and slow bodies -------------------------------------------------------
fixture_route "$WEB_PORT" /delay '{"delay": 0.5, "body": "late"}'
fixture_route "$WEB_PORT" /slow '{"body": "abcde", "slow": {"bytes": 1, "every": 0.2}}'
check "delay holds the status line back about 0.5 s" fx '
s = conn(); t = time.monotonic(); s.sendall(req("/delay"))
st, h, rest = read_head(s); dt = time.monotonic() - t
expect(0.45 <= dt < 2.0 and st == 200, "headers after %.3f s" % dt)'
check "slow body: 5 bytes, one every 0.2 s, arrive over about 0.8 s" fx '
s = conn(); t0 = time.monotonic(); s.sendall(req("/slow"))
st, h, rest = read_head(s); th = time.monotonic() - t0
got, times = bytearray(rest), []
while len(got) < 5:
    x = s.recv(10)
    if not x: break
    got += x; times.append(time.monotonic() - t0)
dt = time.monotonic() - t0
expect(bytes(got) == b"abcde", repr(got))
expect(th < 0.15 and 0.7 <= dt < 2.0, "headers at %.3f, body done at %.3f s" % (th, dt))'

# --- truncated body ----------------------------------------------------------------------
fixture_route "$WEB_PORT" /trunc '{"body_b64": "'"$("$PY" -c 'import base64; print(base64.b64encode(bytes(range(256))*4).decode())')"'", "truncate_at": 100}'
check "truncate_at: full Content-Length announced, 100 bytes sent, then close" fx '
s = conn(); s.sendall(req("/trunc"))
st, h, rest = read_head(s); b = read_to_eof(s, rest)
expect(hget(h, "Content-Length") == "1024" and b == bytes(range(100)), "%r %d" % (h, len(b)))'
curl -sS --noproxy '*' -o /dev/null "${URL}trunc" 2>/dev/null
is "curl reports the short body as a partial file (exit 18)" "$?" 18

# --- redirects ---------------------------------------------------------------------------
fixture_route "$WEB_PORT" /r1 '{"status": 301, "headers": {"Location": "/r2"}}'
fixture_route "$WEB_PORT" /r2 '{"status": 302, "headers": {"Location": "/final"}}'
fixture_route "$WEB_PORT" /final '{"body": "arrived"}'
is "redirect chain 301 -> 302 -> 200 followed by curl -L" \
	"$(curl -sS --noproxy '*' -L "${URL}r1")" "arrived"
is "hit counters along the chain" \
	"$(fixture_hits "$WEB_PORT" /r1) $(fixture_hits "$WEB_PORT" /r2) $(fixture_hits "$WEB_PORT" /final)" "1 1 1"

# --- hit counter -------------------------------------------------------------------------
for i in 1 2 3; do curl -sS --noproxy '*' -o /dev/null "${URL}nothing-here?i=$i"; done
is "unscripted path: 404, still counted (3 hits, query ignored)" "$(fixture_hits "$WEB_PORT" /nothing-here)" 3
is "hits?path= also takes the path with its query" "$(fixture_hits "$WEB_PORT" '/nothing-here?i=2')" 1
is "404 for an unscripted path" "$(curl -s --noproxy '*' -o /dev/null -w '%{http_code}' "${URL}nope")" 404

# --- concurrency -------------------------------------------------------------------------
fixture_route "$WEB_PORT" /conc/a '{"delay": 0.6, "body": "x"}'
fixture_route "$WEB_PORT" /conc/b '{"delay": 0.0, "body": "y"}'
pids=()
for i in 1 2 3 4; do curl -sS --noproxy '*' -o /dev/null "${URL}conc/a" & pids+=($!); done
wait "${pids[@]}"
for i in 1 2 3; do curl -sS --noproxy '*' -o /dev/null "${URL}conc/b"; done
is "concurrency: 4 overlapping requests seen under /conc/" "$(fixture_concurrency "$WEB_PORT" /conc/)" 4
is "concurrency: sequential requests do not overlap" "$(fixture_concurrency "$WEB_PORT" /conc/b)" 1
check "connections: max >= 4, none left open" fx '
c = control("/_fixture/connections")
expect(c["max"] >= 4 and c["current"] == 1, repr(c))'

# --- request recording -------------------------------------------------------------------
fixture_route "$WEB_PORT" /rec '{"status": 202}'
check "recording: method, path with query, headers in received order, body, times, port" fx '
s = conn(); me = s.getsockname()[1]; t = time.time()
s.sendall(b"POST /rec?x=1&y=%20 HTTP/1.1\r\nHost: h\r\nX-Zeta: 1\r\nX-Alpha: 2\r\n"
          b"x-zeta: 3\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\nhello")
st, h, rest = read_head(s); s.close()
expect(st == 202, "status %r" % st)
r = control("/_fixture/requests?path=/rec")
expect(len(r) == 1, repr(r)); r = r[0]
import base64
want = [["Host", "h"], ["X-Zeta", "1"], ["X-Alpha", "2"], ["x-zeta", "3"],
        ["Content-Type", "application/json"], ["Content-Length", "5"]]
expect(r["headers"] == want, repr(r["headers"]))
expect(r["method"] == "POST" and r["path"] == "/rec?x=1&y=%20", repr(r))
expect(base64.b64decode(r["body_b64"]) == b"hello" and r["body_len"] == 5, repr(r))
expect(r["client_port"] == me and r["status"] == 202, repr(r))
expect(abs(r["time_wall"] - t) < 5 and isinstance(r["time_mono"], float), repr(r))
expect(r["end_mono"] is not None and r["end_mono"] >= r["time_mono"], repr(r))'
check "recording: chunked request body and PUT" fx '
import base64
s = conn()
s.sendall(b"PUT /rec HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
          b"3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\n\r\n")
st, h, rest = read_head(s); s.close()
r = control("/_fixture/requests?path=/rec")[-1]
expect(st == 202 and r["method"] == "PUT" and base64.b64decode(r["body_b64"]) == b"abcde", repr(r))'
check "keep-alive: two requests on one connection, same client port" fx '
s = conn()
for i in range(2):
    s.sendall(req("/rec?k=%d" % i))
    st, h, rest = read_head(s)
    expect(st == 202 and hget(h, "Connection") is None, repr(h))
s.close()
r = [x for x in control("/_fixture/requests?path=/rec") if "k=" in x["path"]]
expect(len(r) == 2 and r[0]["client_port"] == r[1]["client_port"], repr(r))'
check "HEAD: Content-Length of the body, no body bytes (next pipelined answer follows)" fx '
s = conn(); s.sendall(req("/h", "HEAD") + req("/h"))
buf = b""
while not buf.endswith(b"\r\n\r\nhi\n") or buf.count(b"HTTP/1.1") < 2:
    buf += s.recv(65536)
first, second = buf.split(b"\r\n\r\n", 1)
expect(b"Content-Length: 3" in first and second.startswith(b"HTTP/1.1 201"), repr(buf))'

# --- never_respond -----------------------------------------------------------------------
fixture_route "$WEB_PORT" /hang '{"never_respond": true}'
check "never_respond: connection accepted, held open, no byte for 0.7 s, counted" fx '
s = conn(); s.sendall(req("/hang")); s.settimeout(0.7)
try:
    d = s.recv(10)
    expect(False, "got %r" % d)
except socket.timeout:
    pass
expect(control("/_fixture/hits?path=/hang") == 1, "hits")
s.close()'

# --- plain_bytes, content_length, chunked, bodies from files -----------------------------
fixture_route "$WEB_PORT" /plain '{"plain_bytes": 300000}'
fixture_route "$WEB_PORT" /bigcl '{"content_length": "21474836480", "body": "tiny"}'
fixture_route "$WEB_PORT" /chunk '{"body": "0123456789abcdef", "chunked": true, "slow": {"bytes": 7, "every": 0}}'
printf 'from a file\n' >"$TMP/bodyfile"
fixture_route "$WEB_PORT" /file '{"body_file": "'"$TMP/bodyfile"'", "headers": {"Content-Type": "text/plain"}}'
check "plain_bytes: exactly 300000 bytes of XML-ish text, no Content-Length, closed" fx '
s = conn(); s.sendall(req("/plain"))
st, h, rest = read_head(s); b = read_to_eof(s, rest)
expect(hget(h, "Content-Length") is None and hget(h, "Connection") == "close", repr(h))
expect(len(b) == 300000 and b.startswith(b"<?xml") and b"<item>" in b, "%d bytes" % len(b))'
check "content_length override is sent verbatim" fx '
s = conn(); s.sendall(req("/bigcl")); st, h, rest = read_head(s)
expect(hget(h, "Content-Length") == "21474836480" and hget(h, "Connection") == "close", repr(h))'
check "chunked: framing on the wire (7-byte pieces) and the decoded body" fx '
s = conn(); s.sendall(req("/chunk")); st, h, rest = read_head(s)
b = read_body(s, h, rest)
expect(hget(h, "Transfer-Encoding") == "chunked" and b == b"0123456789abcdef", repr((h, b)))'
check "chunked: exact wire bytes" fx '
s = conn(); s.sendall(req("/chunk", headers=[("Connection", "close")])); st, h, rest = read_head(s)
raw = read_to_eof(s, rest)
expect(raw == b"7\r\n0123456\r\n7\r\n789abcd\r\n2\r\nef\r\n0\r\n\r\n", repr(raw))'
is "body_file is served" "$(curl -sS --noproxy '*' "${URL}file")" "from a file"

# --- scripting errors, reset, python client ----------------------------------------------
err=$(fixture_route "$WEB_PORT" /bad '{"stauts": 200}' 2>&1); rc=$?
[ "$rc" -ne 0 ] && [[ $err == *stauts* ]] && ok "a misspelt key is refused, naming the key" \
	|| { fail "a misspelt key is refused"; diag "rc=$rc err=$err"; }
err=$(fixture_route "$WEB_PORT" /bad '{"bomb": {"encoding": "lzma", "decoded_bytes": 10}}' 2>&1)
[ $? -ne 0 ] && ok "an unsupported bomb encoding is refused" || fail "unsupported bomb encoding"
if "$PY" -c 'import brotli' 2>/dev/null; then ok "br bomb # SKIP brotli module present"
else
	err=$(fixture_route "$WEB_PORT" /bad '{"bomb": {"encoding": "br", "decoded_bytes": 10}}' 2>&1)
	[ $? -ne 0 ] && [[ $err == *unsupported* ]] && ok "br bomb reported unsupported without the brotli module" \
		|| { fail "br bomb reported unsupported"; diag "$err"; }
fi
FIXTURE_CLIENT=python fixture_route "$WEB_PORT" /py '{"body": "via python"}'
is "python control client: route + hits" \
	"$(curl -sS --noproxy '*' "${URL}py") $(FIXTURE_CLIENT=python fixture_hits "$WEB_PORT" /py)" "via python 1"
fixture_reset "$WEB_PORT" requests
is "reset?only=requests: counters cleared, routes kept" \
	"$(fixture_hits "$WEB_PORT" /py) $(curl -sS --noproxy '*' "${URL}py") $(fixture_hits "$WEB_PORT" /py)" "0 via python 1"
fixture_reset "$WEB_PORT"
is "reset: routes gone, counters cleared" \
	"$(curl -s --noproxy '*' -o /dev/null -w '%{http_code}' "${URL}py") $(fixture_hits "$WEB_PORT" /py)" "404 1"

# --- shutdown ----------------------------------------------------------------------------
fixture_route "$WEB_PORT" /hang '{"never_respond": true}'
exec 7<>/dev/tcp/127.0.0.1/"$WEB_PORT"
printf 'GET /hang HTTP/1.1\r\nHost: x\r\n\r\n' >&7
sleep 0.2
start=$(date +%s%N)
kill -TERM "$WEB_PID"; wait "$WEB_PID"; rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
exec 7>&-
is "SIGTERM exits 0 even with a held connection" "$rc" 0
[ "$ms" -lt 2000 ] && ok "SIGTERM exit within 2 s ($ms ms)" || fail "SIGTERM exit took $ms ms"
check "portfile removed on exit" test ! -e "$TMP/fixture.WEB.port"

done_testing
