#!/usr/bin/python3
"""httpfixture.py: a scriptable loopback HTTP/1.1 fixture server for feedwatchd's tests.

Stdlib only. Start it with

    httpfixture.py --port 0 --portfile FILE [--bind 127.0.0.1] [--verbose]

It binds (port 0 = a free port), writes the port number to FILE (atomically, once it is
listening) and serves until SIGTERM/SIGINT, which exits 0. Tests normally start it through
tests/lib/httpfixture.sh (fixture_start) and script it over HTTP under /_fixture/:

  POST /_fixture/route            script a path (header X-Fixture-Path or ?path= or "path")
       body: {"path": "/feed.xml", "responses": [RESP, ...], "repeat_last": true,
              "match": "exact"|"prefix"}
             or a bare list [RESP, ...], or one bare RESP object.
  GET  /_fixture/routes           the scripted routes and how far each has been served
  GET  /_fixture/requests?path=P  JSON list of requests received for P (or ?path_prefix=P)
  GET  /_fixture/hits?path=P      number of requests received for P (or ?path_prefix=P)
  GET  /_fixture/concurrency?path_prefix=/   max number of simultaneously open requests
  GET  /_fixture/connections      {"max": N, "current": N, "total": N} TCP connections
  POST /_fixture/reset            forget routes, recordings and counters
                                  (?only=requests keeps the routes)
  GET  /_fixture/features         {"encode": [...], "bomb": [...]}
  GET  /_fixture/ping             "ok"

A RESP object (every key optional; unknown keys are refused with 400):
  status (200), reason, headers ({name: value} or [[name, value], ...], order kept),
  body (text, sent as UTF-8) | body_file (absolute path, read at request time) |
  body_b64 | bomb {"encoding": "gzip"|"deflate", "decoded_bytes": N} |
  plain_bytes N (N bytes of XML-ish filler, no Content-Length unless chunked),
  encode "gzip"|"deflate"|"br"|null (adds Content-Encoding; "br" uses the brotli module
  when present, else a valid uncompressed brotli stream; bombs need real compression),
  chunked (Transfer-Encoding: chunked), delay (seconds before the status line),
  slow {"bytes": B, "every": S} (body in B-byte pieces, S seconds between pieces),
  truncate_at N (announce the full length, send N body bytes, close),
  never_respond (read and discard, never answer, hold the connection until the client
  closes it or the server stops), content_length (value sent verbatim instead of the real
  length; null = send none), close (Connection: close after this response),
  if_none_match / if_modified_since + not_modified_status (304): when the request's
  If-None-Match matches (weak comparison, lists and * allowed; this takes precedence), or
  else its If-Modified-Since equals the given string byte for byte, answer
  not_modified_status with the response's headers and no body.
  no_default_headers (do not add Date and Server).

Responses of a route are served in order; after the last one, the last repeats
(repeat_last, default true) or the answer is 404. Unscripted paths get 404 and are recorded
like every other request. A request record: seq, method, path (with query), http_version,
headers ([[name, value], ...] in received order), body_b64, body_len, body_truncated,
time_mono, time_wall, end_mono (null while open), client_addr, client_port, status.
"""

import argparse
import base64
import email.utils
import http
import json
import os
import select
import signal
import socket
import sys
import threading
import time
import traceback
import urllib.parse
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

try:
    import brotli  # type: ignore
except ImportError:  # Debian's python3 has no brotli module unless python3-brotli is installed
    brotli = None

STOP = threading.Event()
MAX_RECORD_BODY = 16 << 20
RESP_KEYS = {
    "status", "reason", "headers", "body", "body_file", "body_b64", "bomb", "plain_bytes",
    "encode", "chunked", "delay", "slow", "truncate_at", "never_respond", "content_length",
    "close", "if_none_match", "if_modified_since", "not_modified_status",
    "no_default_headers",
}
ROUTE_KEYS = {"path", "responses", "repeat_last", "match"}
BODY_KEYS = ("body", "body_file", "body_b64", "bomb", "plain_bytes")
ENCODINGS = ("gzip", "deflate", "br")
BLOCK = 64 * 1024


class FixtureError(Exception):
    """A scripting mistake, answered with 400 and this message."""


# ---------------------------------------------------------------- encoders

def _br_stored_header(n, last=False):
    """Brotli meta-block header for an uncompressed block of n bytes (1..65536)."""
    # bits, LSB first: ISLAST=0, MNIBBLES=0 (4 nibbles), MLEN-1 (16 bits), ISUNCOMPRESSED=1,
    # then pad to the byte boundary: 20 bits -> 3 bytes.
    v = 0 | (0 << 1) | ((n - 1) << 3) | (1 << 19)
    return v.to_bytes(3, "little")


class Encoder:
    """Streaming Content-Encoding: feed() bytes, then finish()."""

    def __init__(self, name):
        self.name = name
        self.first = True
        if name == "gzip":
            self.z = zlib.compressobj(9, zlib.DEFLATED, 31)
        elif name == "deflate":
            self.z = zlib.compressobj(9, zlib.DEFLATED, 15)
        elif name == "br" and brotli is not None:
            self.z = brotli.Compressor()
        elif name == "br":
            self.z = None
        else:
            raise FixtureError("unsupported encoding %r" % (name,))

    def feed(self, data):
        if self.name != "br":
            return self.z.compress(data)
        if self.z is not None:
            return self.z.process(data)
        out = bytearray()
        for i in range(0, len(data), 65536):
            piece = data[i:i + 65536]
            out += self._stored(piece)
        return bytes(out)

    def _stored(self, piece):
        n = len(piece)
        if self.first:
            self.first = False
            # The stream opens with WBITS = one 0 bit (16-bit window), so this first header
            # is the same fields shifted by one bit: 21 bits -> 3 bytes.
            v = ((n - 1) << 4) | (1 << 20)
            return v.to_bytes(3, "little") + piece
        return _br_stored_header(n) + piece

    def finish(self):
        if self.name != "br":
            return self.z.flush()
        if self.z is not None:
            return self.z.finish()
        if self.first:
            self.first = False
            return bytes([0b110])  # WBITS=0, ISLAST=1, ISLASTEMPTY=1
        return bytes([0b11])  # ISLAST=1, ISLASTEMPTY=1


def encode_all(name, data):
    e = Encoder(name)
    return e.feed(data) + e.finish()


_bomb_cache = {}
_bomb_lock = threading.Lock()


def make_bomb(encoding, decoded_bytes):
    """Compressed zeros decoding to decoded_bytes, built in 1 MiB steps (never held whole)."""
    if encoding not in ("gzip", "deflate", "br"):
        raise FixtureError("bomb encoding must be gzip or deflate, not %r" % (encoding,))
    if encoding == "br" and brotli is None:
        raise FixtureError("br bomb unsupported: the python brotli module is not installed")
    if not isinstance(decoded_bytes, int) or decoded_bytes < 0:
        raise FixtureError("bomb decoded_bytes must be a non-negative integer")
    key = (encoding, decoded_bytes)
    with _bomb_lock:
        if key in _bomb_cache:
            return _bomb_cache[key]
        enc = Encoder(encoding)
        zeros = bytes(1 << 20)
        out = []
        left = decoded_bytes
        while left > 0:
            n = min(left, len(zeros))
            out.append(enc.feed(zeros if n == len(zeros) else zeros[:n]))
            left -= n
        out.append(enc.finish())
        data = b"".join(out)
        _bomb_cache[key] = data
        return data


FILLER_HEAD = (b'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
               b"<title>filler</title><link>http://127.0.0.1/</link>\n")
FILLER_ITEM = (b"<item><title>filler item</title><description>lorem ipsum dolor sit amet "
               b"consectetur adipiscing elit sed do eiusmod tempor</description></item>\n")


def filler(n):
    """Yields exactly n bytes of XML-ish filler in blocks of about 64 KiB."""
    block = (FILLER_ITEM * (BLOCK // len(FILLER_ITEM) + 1))[:BLOCK - BLOCK % len(FILLER_ITEM)]
    head = FILLER_HEAD[:n]
    if head:
        yield head
    left = n - len(head)
    while left > 0:
        piece = block if left >= len(block) else block[:left]
        yield piece
        left -= len(piece)


# ---------------------------------------------------------------- state

class State:
    """Routes and recordings, shared by every handler thread under one lock."""

    def __init__(self):
        self.lock = threading.Lock()
        self.routes = {}        # path -> route dict
        self.requests = []      # records, in arrival order
        self.seq = 0
        self.conn_current = 0
        self.conn_max = 0
        self.conn_total = 0

    def reset(self, only_requests=False):
        with self.lock:
            if not only_requests:
                self.routes = {}
            self.requests = []
            self.conn_max = self.conn_current
            self.conn_total = 0

    def add_route(self, route):
        with self.lock:
            self.routes[route["path"]] = route

    def next_response(self, path):
        """The response for the next request to path, or None when unscripted/exhausted."""
        with self.lock:
            route = self.routes.get(path)
            if route is None:
                best = None
                for r in self.routes.values():
                    if r["match"] == "prefix" and path.startswith(r["path"]):
                        if best is None or len(r["path"]) > len(best["path"]):
                            best = r
                route = best
            if route is None:
                return None
            i = route["served"]
            route["served"] += 1
            resp = route["responses"]
            if i < len(resp):
                return resp[i]
            if route["repeat_last"] and resp:
                return resp[-1]
            return None

    def select(self, q):
        """Records matching ?path= (bare path or path with query) or ?path_prefix=."""
        path = q.get("path")
        prefix = q.get("path_prefix")
        with self.lock:
            recs = list(self.requests)
        out = []
        for r in recs:
            bare = r["path"].split("?", 1)[0]
            if path is not None and path not in (bare, r["path"]):
                continue
            if prefix is not None and not r["path"].startswith(prefix):
                continue
            out.append(r)
        return out


def max_overlap(recs):
    """Largest number of requests open at the same moment."""
    ev = []
    for r in recs:
        ev.append((r["time_mono"], 1))
        ev.append((r["end_mono"] if r["end_mono"] is not None else float("inf"), -1))
    ev.sort(key=lambda e: (e[0], e[1]))  # a close at t sorts before an open at t
    cur = best = 0
    for _, d in ev:
        cur += d
        best = max(best, cur)
    return best


def _pairs(headers):
    if headers is None:
        return []
    if isinstance(headers, dict):
        items = list(headers.items())
    elif isinstance(headers, list):
        items = []
        for h in headers:
            if not (isinstance(h, (list, tuple)) and len(h) == 2):
                raise FixtureError("headers as a list must hold [name, value] pairs")
            items.append((h[0], h[1]))
    else:
        raise FixtureError("headers must be an object or a list of pairs")
    out = []
    for k, v in items:
        if not isinstance(k, str) or not isinstance(v, (str, int, float)):
            raise FixtureError("header %r: name and value must be strings" % (k,))
        out.append((k, str(v)))
    return out


def check_response(r):
    """Validates one scripted response and normalises it; raises FixtureError."""
    if not isinstance(r, dict):
        raise FixtureError("each response must be a JSON object")
    bad = set(r) - RESP_KEYS
    if bad:
        raise FixtureError("unknown response key(s): %s" % ", ".join(sorted(bad)))
    r = dict(r)
    st = r.get("status", 200)
    if not isinstance(st, int) or not 100 <= st <= 999:
        raise FixtureError("status must be an integer 100..999")
    r["_headers"] = _pairs(r.get("headers"))
    given = [k for k in BODY_KEYS if r.get(k) is not None]
    if len(given) > 1:
        raise FixtureError("give at most one of %s" % ", ".join(given))
    enc = r.get("encode")
    if enc is not None and enc not in ENCODINGS:
        raise FixtureError("encode must be gzip, deflate or br, not %r" % (enc,))
    if "body_file" in r and r["body_file"] is not None:
        if not isinstance(r["body_file"], str) or not os.path.isabs(r["body_file"]):
            raise FixtureError("body_file must be an absolute path")
    if "body_b64" in r and r["body_b64"] is not None:
        try:
            r["_b64"] = base64.b64decode(r["body_b64"], validate=True)
        except (ValueError, TypeError) as e:
            raise FixtureError("body_b64: %s" % e)
    if "body" in r and r["body"] is not None and not isinstance(r["body"], str):
        raise FixtureError("body must be a string (use body_b64 for bytes)")
    if r.get("bomb") is not None:
        b = r["bomb"]
        if not isinstance(b, dict) or set(b) - {"encoding", "decoded_bytes"}:
            raise FixtureError('bomb must be {"encoding": ..., "decoded_bytes": N}')
        if enc is not None:
            raise FixtureError("bomb carries its own encoding; do not also give encode")
        r["_bomb"] = make_bomb(b.get("encoding", "gzip"), b.get("decoded_bytes", 100 << 20))
    if r.get("plain_bytes") is not None:
        if not isinstance(r["plain_bytes"], int) or r["plain_bytes"] < 0:
            raise FixtureError("plain_bytes must be a non-negative integer")
    if r.get("slow") is not None:
        s = r["slow"]
        if (not isinstance(s, dict) or set(s) - {"bytes", "every"}
                or not isinstance(s.get("bytes", 1), int) or s.get("bytes", 1) < 1
                or not isinstance(s.get("every", 1.0), (int, float)) or s.get("every", 1.0) < 0):
            raise FixtureError('slow must be {"bytes": B>=1, "every": seconds>=0}')
    for k in ("delay",):
        if r.get(k) is not None and (not isinstance(r[k], (int, float)) or r[k] < 0):
            raise FixtureError("%s must be a non-negative number" % k)
    if r.get("truncate_at") is not None:
        if not isinstance(r["truncate_at"], int) or r["truncate_at"] < 0:
            raise FixtureError("truncate_at must be a non-negative integer")
    nms = r.get("not_modified_status", 304)
    if not isinstance(nms, int):
        raise FixtureError("not_modified_status must be an integer")
    return r


def check_route(doc, path_hint):
    if isinstance(doc, list):
        doc = {"responses": doc}
    elif isinstance(doc, dict) and "responses" not in doc:
        doc = {"responses": [doc]}
        if "path" in doc["responses"][0]:
            doc["path"] = doc["responses"][0].pop("path")
    elif not isinstance(doc, dict):
        raise FixtureError("route must be an object or a list of responses")
    bad = set(doc) - ROUTE_KEYS
    if bad:
        raise FixtureError("unknown route key(s): %s" % ", ".join(sorted(bad)))
    path = doc.get("path") or path_hint
    if not isinstance(path, str) or not path.startswith("/"):
        raise FixtureError("route needs a path starting with /")
    if path.startswith("/_fixture/"):
        raise FixtureError("/_fixture/ is reserved for the control API")
    if not isinstance(doc["responses"], list):
        raise FixtureError("responses must be a list")
    match = doc.get("match", "exact")
    if match not in ("exact", "prefix"):
        raise FixtureError("match must be exact or prefix")
    return {
        "path": path,
        "responses": [check_response(r) for r in doc["responses"]],
        "repeat_last": bool(doc.get("repeat_last", True)),
        "match": match,
        "served": 0,
    }


# ---------------------------------------------------------------- HTTP

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "httpfixture/1"
    disable_nagle_algorithm = True

    def setup(self):
        super().setup()
        st = self.server.state
        with st.lock:
            st.conn_current += 1
            st.conn_total += 1
            st.conn_max = max(st.conn_max, st.conn_current)

    def finish(self):
        try:
            super().finish()
        finally:
            st = self.server.state
            with st.lock:
                st.conn_current -= 1

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("httpfixture: %s - %s\n" % (self.address_string(), fmt % args))

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError):
            self.close_connection = True
        except Exception:  # a bug here must not take the server down; show it and move on
            traceback.print_exc()
            self.close_connection = True

    def _dispatch(self):
        if self.path.startswith("/_fixture/"):
            self._control()
        else:
            self._serve()

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _dispatch

    # ---- request body

    def _read_body(self):
        """Reads the whole request body; returns (kept bytes, total length)."""
        kept = bytearray()
        total = 0
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            while True:
                line = self.rfile.readline(65537)
                if not line:
                    break
                try:
                    n = int(line.split(b";", 1)[0].strip(), 16)
                except ValueError:
                    self.close_connection = True
                    break
                if n == 0:
                    while True:  # trailers up to the empty line
                        t = self.rfile.readline(65537)
                        if t in (b"\r\n", b"\n", b""):
                            break
                    break
                left = n
                while left > 0:
                    d = self.rfile.read(min(left, BLOCK))
                    if not d:
                        self.close_connection = True
                        return bytes(kept), total
                    left -= len(d)
                    total += len(d)
                    if len(kept) < MAX_RECORD_BODY:
                        kept += d[:MAX_RECORD_BODY - len(kept)]
                self.rfile.readline(3)
        else:
            cl = self.headers.get("Content-Length")
            if cl is not None:
                try:
                    left = int(cl)
                except ValueError:
                    left = 0
                    self.close_connection = True
                while left > 0:
                    d = self.rfile.read(min(left, BLOCK))
                    if not d:
                        self.close_connection = True
                        break
                    left -= len(d)
                    total += len(d)
                    if len(kept) < MAX_RECORD_BODY:
                        kept += d[:MAX_RECORD_BODY - len(kept)]
        return bytes(kept), total

    # ---- control API

    def _reply(self, status, obj, ctype="application/json"):
        if isinstance(obj, (bytes, str)):
            data = obj if isinstance(obj, bytes) else obj.encode()
        else:
            data = (json.dumps(obj) + "\n").encode()
        head = ("HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n"
                "Cache-Control: no-store\r\n\r\n" % (status, _reason(status), ctype, len(data)))
        self.wfile.write(head.encode() + (b"" if self.command == "HEAD" else data))

    def _control(self):
        st = self.server.state
        body, _ = self._read_body()
        u = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(u.query, keep_blank_values=True))
        what = u.path[len("/_fixture/"):]
        try:
            if what == "route" and self.command in ("POST", "PUT"):
                try:
                    doc = json.loads(body.decode("utf-8"))
                except (ValueError, UnicodeDecodeError) as e:
                    raise FixtureError("route body is not JSON: %s" % e)
                route = check_route(doc, self.headers.get("X-Fixture-Path") or q.get("path"))
                st.add_route(route)
                self._reply(200, {"ok": True, "path": route["path"],
                                  "responses": len(route["responses"])})
            elif what == "routes":
                with st.lock:
                    out = [{"path": r["path"], "match": r["match"], "served": r["served"],
                            "responses": len(r["responses"]), "repeat_last": r["repeat_last"]}
                           for r in st.routes.values()]
                self._reply(200, out)
            elif what == "requests":
                recs = st.select(q)
                self._reply(200, [dict(r) for r in recs])
            elif what == "hits":
                self._reply(200, len(st.select(q)))
            elif what == "concurrency":
                if "path" not in q and "path_prefix" not in q:
                    q["path_prefix"] = "/"
                self._reply(200, max_overlap(st.select(q)))
            elif what == "connections":
                with st.lock:
                    self._reply(200, {"max": st.conn_max, "current": st.conn_current,
                                      "total": st.conn_total})
            elif what == "reset" and self.command == "POST":
                st.reset(only_requests=(q.get("only") == "requests"))
                self._reply(200, {"ok": True})
            elif what == "features":
                self._reply(200, {"encode": ["gzip", "deflate", "br"],
                                  "br_compresses": brotli is not None,
                                  "bomb": ["gzip", "deflate"] + (["br"] if brotli else [])})
            elif what == "ping":
                self._reply(200, "ok\n", "text/plain")
            else:
                self._reply(404, {"error": "no such control endpoint: %s %s"
                                  % (self.command, u.path)})
        except FixtureError as e:
            self._reply(400, {"error": str(e)})

    # ---- scripted responses

    def _serve(self):
        st = self.server.state
        rec = {
            "seq": 0, "method": self.command, "path": self.path,
            "http_version": self.request_version,
            "headers": [[k, v] for k, v in self.headers.items()],
            "body_b64": "", "body_len": 0, "body_truncated": False,
            "time_mono": time.monotonic(), "time_wall": time.time(), "end_mono": None,
            "client_addr": self.client_address[0], "client_port": self.client_address[1],
            "status": None,
        }
        with st.lock:
            st.seq += 1
            rec["seq"] = st.seq
            st.requests.append(rec)
        try:
            body, total = self._read_body()
            rec["body_b64"] = base64.b64encode(body).decode()
            rec["body_len"] = total
            rec["body_truncated"] = total > len(body)
            resp = st.next_response(self.path.split("?", 1)[0])
            if resp is None:
                rec["status"] = 404
                self._reply(404, "not scripted: %s\n" % self.path, "text/plain")
                return
            self._respond(rec, resp)
        finally:
            rec["end_mono"] = time.monotonic()

    def _sleep(self, seconds):
        """Sleeps; returns True when the server is stopping."""
        return STOP.wait(seconds) if seconds > 0 else STOP.is_set()

    def _hold(self):
        """never_respond: swallow input until the client closes or the server stops."""
        sock = self.connection
        while not STOP.is_set():
            try:
                r, _, _ = select.select([sock], [], [], 0.2)
                if r and not sock.recv(65536):
                    break
            except OSError:
                break
        self.close_connection = True

    def _not_modified(self, resp):
        h = self.headers
        if resp.get("if_none_match") is not None and h.get("If-None-Match") is not None:
            want = _strip_weak(resp["if_none_match"])
            tags = [_strip_weak(t) for t in h.get("If-None-Match").split(",")]
            return want in tags or "*" in tags
        if resp.get("if_modified_since") is not None and h.get("If-Modified-Since") is not None:
            return h.get("If-Modified-Since") == resp["if_modified_since"]
        return False

    def _respond(self, rec, resp):
        if resp.get("delay") and self._sleep(resp["delay"]):
            self.close_connection = True
            return
        if resp.get("never_respond"):
            self._hold()
            return
        status = resp.get("status", 200)
        headers = list(resp["_headers"])
        names = {k.lower() for k, _ in headers}
        nobody = self.command == "HEAD"
        enc = resp.get("encode")
        length = None           # real length of the entity body, None when streamed
        source = None           # iterable of bytes
        if self._not_modified(resp):
            status = resp.get("not_modified_status", 304)
            headers = [(k, v) for k, v in headers if k.lower() not in
                       ("content-length", "content-encoding", "transfer-encoding")]
            self._head(rec, resp, status, headers, False)
            return
        if resp.get("_bomb") is not None:
            data = resp["_bomb"]
            if "content-encoding" not in names:
                headers.append(("Content-Encoding", resp["bomb"].get("encoding", "gzip")))
            source, length = [data], len(data)
        elif resp.get("plain_bytes") is not None:
            source = filler(resp["plain_bytes"])
            if enc:
                source = _encode_stream(enc, source)
        else:
            if resp.get("body_file") is not None:
                try:
                    with open(resp["body_file"], "rb") as f:
                        data = f.read()
                except OSError as e:
                    rec["status"] = 500
                    self._reply(500, "body_file: %s\n" % e, "text/plain")
                    return
            elif resp.get("_b64") is not None:
                data = resp["_b64"]
            else:
                data = (resp.get("body") or "").encode("utf-8")
            if enc:
                data = encode_all(enc, data)
            source, length = [data], len(data)
        if enc and "content-encoding" not in names:
            headers.append(("Content-Encoding", enc))
        if status < 200 or status in (204, 304):
            nobody = True
        chunked = bool(resp.get("chunked")) and not nobody
        must_close = bool(resp.get("close"))
        if "content_length" in resp:
            cl = resp["content_length"]
            if cl is not None:
                headers.append(("Content-Length", str(cl)))
            if cl is None or str(cl) != str(length):
                must_close = True
        elif "content-length" in names or "transfer-encoding" in names:
            pass
        elif chunked:
            headers.append(("Transfer-Encoding", "chunked"))
        elif length is not None:
            if not (status < 200 or status in (204, 304)):
                headers.append(("Content-Length", str(length)))
        elif not nobody:
            must_close = True
        if chunked and "transfer-encoding" not in {k.lower() for k, _ in headers}:
            headers.append(("Transfer-Encoding", "chunked"))
        if resp.get("truncate_at") is not None:
            must_close = True
        if not self._head(rec, resp, status, headers, must_close):
            return
        if nobody:
            return
        self._body(source, chunked, resp.get("slow"), resp.get("truncate_at"))

    def _head(self, rec, resp, status, headers, must_close):
        """Writes the status line and headers. Returns False when the server stops."""
        rec["status"] = status
        if must_close or self.close_connection:
            self.close_connection = True
            if "connection" not in {k.lower() for k, _ in headers}:
                headers.append(("Connection", "close"))
        if not resp.get("no_default_headers"):
            have = {k.lower() for k, _ in headers}
            if "date" not in have:
                headers.insert(0, ("Date", email.utils.formatdate(usegmt=True)))
            if "server" not in have:
                headers.insert(0, ("Server", self.server_version))
        reason = resp.get("reason") or _reason(status)
        lines = ["HTTP/1.1 %d %s\r\n" % (status, reason)]
        lines += ["%s: %s\r\n" % (k, v) for k, v in headers]
        lines.append("\r\n")
        self.wfile.write("".join(lines).encode("utf-8"))
        return not STOP.is_set()

    def _body(self, source, chunked, slow, truncate_at):
        sent = 0
        piece_size = slow.get("bytes", 1) if slow else None
        every = slow.get("every", 1.0) if slow else 0
        first = True
        for block in source:
            pieces = ([block[i:i + piece_size] for i in range(0, len(block), piece_size)]
                      if piece_size else [block])
            for p in pieces:
                if truncate_at is not None and sent + len(p) > truncate_at:
                    p = p[:truncate_at - sent]
                if not p:
                    if truncate_at is not None and sent >= truncate_at:
                        self.close_connection = True
                        return
                    continue
                if slow and not first and self._sleep(every):
                    self.close_connection = True
                    return
                first = False
                if chunked:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(p), p))
                else:
                    self.wfile.write(p)
                sent += len(p)
                if truncate_at is not None and sent >= truncate_at:
                    self.close_connection = True
                    return
        if chunked:
            self.wfile.write(b"0\r\n\r\n")


def _encode_stream(name, blocks):
    e = Encoder(name)
    for b in blocks:
        out = e.feed(b)
        if out:
            yield out
    yield e.finish()


def _strip_weak(tag):
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


def _reason(status):
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Status"


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def handle_error(self, request, client_address):
        if self.verbose:
            super().handle_error(request, client_address)


def main():
    ap = argparse.ArgumentParser(description="scriptable loopback HTTP fixture")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--portfile")
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()

    stop_flag = []

    def on_signal(signum, frame):
        stop_flag.append(signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    Server.address_family = socket.AF_INET6 if ":" in args.bind else socket.AF_INET
    try:
        srv = Server((args.bind, args.port), Handler)
    except OSError as e:
        sys.stderr.write("httpfixture: cannot listen on %s:%d: %s\n" % (args.bind, args.port, e))
        return 2
    srv.state = State()
    srv.verbose = args.verbose
    port = srv.server_address[1]
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    t.start()
    if args.portfile:
        tmp = args.portfile + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.rename(tmp, args.portfile)
    else:
        print(port, flush=True)
    while not stop_flag:
        time.sleep(0.1)
    STOP.set()
    srv.shutdown()
    srv.server_close()
    if args.portfile:
        try:
            os.unlink(args.portfile)
        except OSError:
            pass
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
