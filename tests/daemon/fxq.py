#!/usr/bin/python3
"""fxq.py: queries over the request records of tests/lib/httpfixture.py (JSON on stdin).

  fxq.py count                      number of requests
  fxq.py times                      time_mono of each request, one per line
  fxq.py gaps                       milliseconds between successive request starts
  fxq.py header N NAME              value of header NAME in request N (0-based, -1 = last);
                                    exit 1 when the request has no such header
  fxq.py has_header NAME            number of requests that carry header NAME
  fxq.py headers N                  "Name: value" lines of request N, in received order
  fxq.py paths                      path (with query) of each request
  fxq.py statuses                   status of each request
  fxq.py spread BUCKET_MS           request counts per BUCKET_MS window from the first one
  fxq.py burst WINDOW_MS            most requests that started within any WINDOW_MS
  fxq.py first_after T              time_mono of the first request starting at or after T
"""
import json
import sys


def main():
    recs = json.load(sys.stdin)
    cmd = sys.argv[1]
    args = sys.argv[2:]
    if cmd == "count":
        print(len(recs))
    elif cmd == "times":
        for r in recs:
            print("%.6f" % r["time_mono"])
    elif cmd == "gaps":
        for a, b in zip(recs, recs[1:]):
            print("%d" % round((b["time_mono"] - a["time_mono"]) * 1000))
    elif cmd in ("header", "headers"):
        if not recs:
            return 1
        r = recs[int(args[0])]
        if cmd == "headers":
            for k, v in r["headers"]:
                print("%s: %s" % (k, v))
            return 0
        for k, v in r["headers"]:
            if k.lower() == args[1].lower():
                print(v)
                return 0
        return 1
    elif cmd == "has_header":
        print(sum(1 for r in recs if any(k.lower() == args[0].lower() for k, _ in r["headers"])))
    elif cmd == "paths":
        for r in recs:
            print(r["path"])
    elif cmd == "statuses":
        for r in recs:
            print(r["status"])
    elif cmd == "spread":
        if not recs:
            return 1
        w = float(args[0]) / 1000
        t0 = min(r["time_mono"] for r in recs)
        n = {}
        for r in recs:
            k = int((r["time_mono"] - t0) / w)
            n[k] = n.get(k, 0) + 1
        print(" ".join(str(n.get(k, 0)) for k in range(max(n) + 1)))
    elif cmd == "burst":
        w = float(args[0]) / 1000
        ts = sorted(r["time_mono"] for r in recs)
        best, j = 0, 0
        for i, t in enumerate(ts):
            while ts[j] < t - w:
                j += 1
            best = max(best, i - j + 1)
        print(best)
    elif cmd == "first_after":
        t = float(args[0])
        ts = sorted(r["time_mono"] for r in recs if r["time_mono"] >= t)
        if not ts:
            return 1
        print("%.6f" % ts[0])
    else:
        print("fxq.py: unknown command %s" % cmd, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
