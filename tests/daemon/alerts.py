#!/usr/bin/python3
"""alerts.py: checks and lists the alert lines a stdout sink printed (SPEC.md, "An alert").

  alerts.py check FILE      every line is one alert object with the SPEC fields and types;
                            prints the number of alerts, explains the first problem on
                            stderr and exits 1 when a line is wrong
  alerts.py list FILE       one line per alert: watchlist TAB item.id TAB feed.name
  alerts.py field FILE N EXPR   a field of alert N as JSON, EXPR like item.title or matched
"""
import json
import re
import sys

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def is_str_or_null(v):
    return v is None or isinstance(v, str)


def problem(a):
    """The first way alert a departs from the SPEC, or None."""
    if not isinstance(a, dict):
        return "not an object"
    want = {"id", "time", "watchlist", "priority", "matched", "feed", "item", "snippet"}
    if set(a) != want:
        return "keys %s, want %s" % (sorted(a), sorted(want))
    if not isinstance(a["id"], str) or not a["id"]:
        return "id"
    if not isinstance(a["time"], str) or not RFC3339.match(a["time"]):
        return "time %r is not RFC 3339" % (a["time"],)
    for k in ("watchlist", "priority", "snippet"):
        if not isinstance(a[k], str):
            return k
    if not isinstance(a["matched"], list) or not a["matched"] or \
            not all(isinstance(m, str) for m in a["matched"]):
        return "matched %r" % (a["matched"],)
    f = a["feed"]
    if not isinstance(f, dict) or set(f) != {"name", "title", "url"}:
        return "feed %r" % (f,)
    if not isinstance(f["name"], str) or not is_str_or_null(f["title"]) or \
            not isinstance(f["url"], str):
        return "feed field types"
    it = a["item"]
    ikeys = {"id", "title", "link", "published", "summary", "categories"}
    if not isinstance(it, dict) or set(it) != ikeys:
        return "item keys %r" % (sorted(it) if isinstance(it, dict) else it,)
    if not isinstance(it["id"], str) or not is_str_or_null(it["title"]) or \
            not is_str_or_null(it["link"]):
        return "item field types"
    if it["published"] is not None and not RFC3339.match(it["published"]):
        return "item.published %r" % (it["published"],)
    if not isinstance(it["summary"], str) or len(it["summary"]) > 500:
        return "item.summary"
    if not isinstance(it["categories"], list):
        return "item.categories"
    return None


def load(path):
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f if line.strip()]


def main():
    cmd, path = sys.argv[1], sys.argv[2]
    lines = load(path)
    if cmd == "check":
        for i, line in enumerate(lines):
            try:
                a = json.loads(line)
            except ValueError as e:
                print("line %d is not JSON: %s" % (i + 1, e), file=sys.stderr)
                return 1
            p = problem(a)
            if p:
                print("line %d: %s" % (i + 1, p), file=sys.stderr)
                return 1
        print(len(lines))
    elif cmd == "list":
        for line in lines:
            a = json.loads(line)
            print("%s\t%s\t%s" % (a["watchlist"], a["item"]["id"], a["feed"]["name"]))
    elif cmd == "field":
        v = json.loads(lines[int(sys.argv[3])])
        for k in sys.argv[4].split("."):
            v = v[k]
        print(json.dumps(v, ensure_ascii=False))
    else:
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
