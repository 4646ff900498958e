#!/usr/bin/env python3
"""A demo news feed for `make run`: serves /news.xml (RSS 2.0) and /world.atom (Atom) on
127.0.0.1, publishing a new headline every few seconds, so the daemon shows alerts within
seconds without internet. Honours If-None-Match (ETag per revision) like a real server."""
import argparse, email.utils, http.server, threading, time

HEADLINES = [
    ("NATO chief seeks closer military ties with South Korea amid North Korea threats",
     "Jens Stoltenberg visited Seoul; Washington accused North Korea of supplying weapons to the Wagner Group."),
    ("Local football club wins the cup after penalty shoot-out", "Sport news from the weekend."),
    ("EU agrees new sanctions package against arms suppliers", "The package targets shipping firms and banks."),
    ("Weather: storm warning for the coast", "Heavy rain and strong winds expected overnight."),
    ("DPRK test-fires ballistic missile into the East Sea", "Seoul's joint chiefs said the missile flew about 600 km."),
    ("Central bank keeps rates on hold", "Markets had expected the decision."),
    ("북한, 동해상으로 탄도미사일 발사", "합동참모본부는 북한이 탄도미사일을 발사했다고 밝혔다."),
    ("Tech giant unveils new phone", "The device ships next month."),
]

class Feed:
    def __init__(self, every):
        self.every, self.start = every, time.time()
    def count(self):
        return 1 + min(len(HEADLINES) - 1, int((time.time() - self.start) / self.every))
    def rss(self, n):
        items = []
        for i in reversed(range(n)):
            t, d = HEADLINES[i]
            when = email.utils.formatdate(self.start + i * self.every, usegmt=True)
            items.append(f"<item><title>{t}</title><link>http://127.0.0.1/demo/{i}</link>"
                         f"<guid>demo-{i}</guid><pubDate>{when}</pubDate>"
                         f"<description>{d}</description></item>")
        return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
                '<title>Demo World News</title><link>http://127.0.0.1/demo/</link>'
                + "".join(items) + "</channel></rss>").encode()

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--every", type=float, default=4.0)
    args = ap.parse_args()
    feed = Feed(args.every)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            n = feed.count()
            etag = f'"rev-{n}"'
            if self.path != "/news.xml":
                self.send_error(404)
                return
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            body = feed.rss(n)
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        def log_message(self, *a):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    srv.serve_forever()

if __name__ == "__main__":
    main()
