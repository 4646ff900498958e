#!/usr/bin/python3
"""webhook_receiver.py — a loopback webhook receiver for tests, and an independent
Standard Webhooks verifier (Python stdlib only: hmac, hashlib, base64).

Server:
  webhook_receiver.py serve --port 0 --portfile F [--log FILE] [--secret-file F ...]
    Records every request (one JSON line per request in --log, appended, so records
    survive a restart on the same port) and answers as scripted per path. Each record:
      {"n", "t" (wall-clock seconds), "conn" (connection number), "method", "path",
       "headers" (lower-case names), "body" (text), "body_b64", "sig_ok" (bool or null
       without secrets), "sig_by" (indices of the secrets that verify), "ts_skew"
       (received time minus webhook-timestamp, seconds), "answered" (status or null)}
    Control (JSON bodies):
      POST /_ctl/script  {"path": "/hook", "responses": [R, ...], "repeat_last": true}
            R = {"status": 200, "headers": {..}, "body": "..", "delay": seconds,
                 "hang": true (never answer), "body_size": N (N bytes of 'x')}
      GET  /_ctl/requests[?path=/hook]   the records so far (this run)
      GET  /_ctl/stats                   {"connections": N, "requests": N} (connections
                                         that were not opened for a control call)
      POST /_ctl/reset                   forget scripts and records
    Unscripted paths answer 200 "ok".

Verifier:
  webhook_receiver.py verify --secret-file F --id ID --timestamp TS --signature SIG \
      --body-file B [--now T --tolerance 300]
    exit 0 when one of the signatures in SIG verifies with one of the secrets, else 1.
  webhook_receiver.py check-log LOG --secret-file F [--path P] [--tolerance S]
    prints one line per record: "n ok|BAD id ts skew" and exits 1 on any BAD.
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def load_secrets(paths):
    """Secrets of Standard Webhooks files: one per line, whsec_ + base64 or raw bytes."""
    out = []
    for p in paths or []:
        with open(p, "rb") as f:
            for line in f.read().split(b"\n"):
                line = line.strip(b" \t\r")
                if not line:
                    continue
                if line.startswith(b"whsec_"):
                    out.append(base64.b64decode(line[6:], validate=True))
                else:
                    out.append(line)
    return out


def expected_signature(secret, msg_id, timestamp, body):
    """'v1,' + base64(HMAC-SHA256(secret, id.timestamp.body))."""
    mac = hmac.new(secret, msg_id.encode() + b"." + str(timestamp).encode() + b"." + body,
                   hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def verify(secrets, msg_id, timestamp, signature_header, body):
    """Indices of the secrets for which one of the header's signatures matches."""
    if not msg_id or timestamp is None or not signature_header:
        return []
    given = [s for s in signature_header.split(" ") if s]
    ok = []
    for i, sec in enumerate(secrets):
        want = expected_signature(sec, msg_id, timestamp, body)
        if any(hmac.compare_digest(want, g) for g in given):
            ok.append(i)
    return ok


class State:
    def __init__(self, log, secrets):
        self.lock = threading.Lock()
        self.records = []
        self.scripts = {}
        self.counters = {}
        self.connections = 0
        self.ctl_connections = 0
        self.n = 0
        self.log = log
        self.secrets = secrets
        self.stop = threading.Event()
        if log and os.path.exists(log):
            with open(log) as f:
                self.n = sum(1 for _ in f)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "webhook-receiver/1"

    def log_message(self, fmt, *args):
        pass

    def setup(self):
        super().setup()
        st = self.server.state
        with st.lock:
            st.connections += 1
            self.conn_no = st.connections
        self.first_request = True

    def _ctl(self, path):
        """True for a control call; counts connections opened for one."""
        st = self.server.state
        is_ctl = path.startswith("/_ctl/")
        if is_ctl and self.first_request:
            with st.lock:
                st.ctl_connections += 1
        self.first_request = False
        return is_ctl

    def _send_json(self, obj, status=200):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def do_GET(self):
        st = self.server.state
        u = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(u.query)
        if not self._ctl(u.path):
            return self._hook(b"")
        if u.path == "/_ctl/requests":
            with st.lock:
                recs = [r for r in st.records if "path" not in q or r["path"] == q["path"][0]]
            return self._send_json(recs)
        if u.path == "/_ctl/stats":
            with st.lock:
                return self._send_json({"connections": st.connections - st.ctl_connections,
                                        "requests": len(st.records)})
        return self._send_json({"error": "no such control call"}, 404)

    def do_POST(self):
        st = self.server.state
        u = urllib.parse.urlsplit(self.path)
        body = self._read_body()
        if not self._ctl(u.path):
            return self._hook(body)
        if u.path == "/_ctl/script":
            spec = json.loads(body)
            with st.lock:
                st.scripts[spec["path"]] = spec
                st.counters[spec["path"]] = 0
            return self._send_json({"ok": True})
        if u.path == "/_ctl/reset":
            with st.lock:
                st.scripts.clear()
                st.counters.clear()
                st.records.clear()
            return self._send_json({"ok": True})
        return self._send_json({"error": "no such control call"}, 404)

    def _hook(self, body):
        st = self.server.state
        now = time.time()
        path = urllib.parse.urlsplit(self.path).path
        hdrs = {k.lower(): v for k, v in self.headers.items()}
        msg_id = hdrs.get("webhook-id")
        ts = hdrs.get("webhook-timestamp")
        try:
            ts_int = int(ts) if ts is not None and ts.isdigit() else None
        except ValueError:
            ts_int = None
        sig_by = verify(st.secrets, msg_id, ts_int, hdrs.get("webhook-signature"), body)
        with st.lock:
            spec = st.scripts.get(path)
            resp = {"status": 200, "body": "ok"}
            if spec:
                k = st.counters[path]
                rs = spec.get("responses", [])
                if k < len(rs):
                    resp = rs[k]
                elif rs and spec.get("repeat_last", True):
                    resp = rs[-1]
                st.counters[path] = k + 1
            st.n += 1
            rec = {
                "n": st.n, "t": now, "conn": self.conn_no, "method": self.command,
                "path": path, "headers": hdrs,
                "body": body.decode("utf-8", "replace"),
                "body_b64": base64.b64encode(body).decode(),
                "sig_ok": (len(sig_by) > 0) if st.secrets else None, "sig_by": sig_by,
                "ts_skew": (now - ts_int) if ts_int is not None else None,
                "answered": None if resp.get("hang") else resp.get("status", 200),
            }
            st.records.append(rec)
            if st.log:
                with open(st.log, "a") as f:
                    f.write(json.dumps(rec) + "\n")
                    f.flush()
                    os.fsync(f.fileno())
        if resp.get("delay"):
            if st.stop.wait(float(resp["delay"])):
                return
        if resp.get("hang"):
            st.stop.wait(3600)
            self.close_connection = True
            return
        status = int(resp.get("status", 200))
        self.send_response(status)
        for k, v in (resp.get("headers") or {}).items():
            self.send_header(k, v)
        if "body_size" in resp:
            size = int(resp["body_size"])
            self.send_header("Content-Length", str(size))
            self.end_headers()
            chunk = b"x" * 65536
            try:
                while size > 0:
                    n = min(size, len(chunk))
                    self.wfile.write(chunk[:n])
                    size -= n
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True
            return
        data = (resp.get("body") or "").encode()
        self.send_header("Content-Length", str(len(data)))
        if not data:
            self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(data)


def serve(args):
    st = State(args.log, load_secrets(args.secret_file))
    ThreadingHTTPServer.allow_reuse_address = True
    ThreadingHTTPServer.daemon_threads = True
    srv = ThreadingHTTPServer((args.bind, args.port), Handler)
    srv.state = st
    port = srv.server_address[1]
    if args.portfile:
        tmp = args.portfile + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.rename(tmp, args.portfile)
    import signal

    def stop(*_):
        st.stop.set()
        threading.Thread(target=srv.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    srv.serve_forever(poll_interval=0.05)
    srv.server_close()


def cmd_verify(args):
    secrets = load_secrets(args.secret_file)
    with open(args.body_file, "rb") as f:
        body = f.read()
    if args.now is not None and abs(args.now - int(args.timestamp)) > args.tolerance:
        print("timestamp outside the tolerance")
        return 1
    ok = verify(secrets, args.id, int(args.timestamp), args.signature, body)
    print("ok by secret(s) %s" % ok if ok else "BAD")
    return 0 if ok else 1


def cmd_check_log(args):
    secrets = load_secrets(args.secret_file)
    bad = 0
    with open(args.log) as f:
        for line in f:
            r = json.loads(line)
            if args.path and r["path"] != args.path:
                continue
            h = r["headers"]
            body = base64.b64decode(r["body_b64"])
            ts = h.get("webhook-timestamp", "")
            ok = ts.isdigit() and verify(secrets, h.get("webhook-id"), int(ts),
                                         h.get("webhook-signature"), body)
            skew = r["t"] - int(ts) if ts.isdigit() else None
            if ok and skew is not None and abs(skew) > args.tolerance:
                ok = False
            bad += not ok
            print("%d %s %s %s %s" % (r["n"], "ok" if ok else "BAD", h.get("webhook-id"),
                                      ts, "%.2f" % skew if skew is not None else "-"))
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--port", type=int, default=0)
    s.add_argument("--bind", default="127.0.0.1")
    s.add_argument("--portfile")
    s.add_argument("--log")
    s.add_argument("--secret-file", action="append")
    v = sub.add_parser("verify")
    v.add_argument("--secret-file", action="append", required=True)
    v.add_argument("--id", required=True)
    v.add_argument("--timestamp", required=True)
    v.add_argument("--signature", required=True)
    v.add_argument("--body-file", required=True)
    v.add_argument("--now", type=float)
    v.add_argument("--tolerance", type=float, default=300)
    c = sub.add_parser("check-log")
    c.add_argument("log")
    c.add_argument("--secret-file", action="append", required=True)
    c.add_argument("--path")
    c.add_argument("--tolerance", type=float, default=300)
    a = ap.parse_args()
    if a.cmd == "serve":
        serve(a)
        return 0
    if a.cmd == "verify":
        return cmd_verify(a)
    return cmd_check_log(a)


if __name__ == "__main__":
    sys.exit(main())
