#!/usr/bin/python3
"""jsoncmp.py — compares the JSON that `feedwatchd parse` printed with a golden file.

Usage: jsoncmp.py EXPECTED ACTUAL

Prints every difference as one line naming its path, for example
    entries[2].published: want "2023-01-29T12:00:00Z" got null
and exits 0 when the documents agree, 1 on any difference, 2 when a file cannot be
read or is not valid JSON (ACTUAL must also be strict UTF-8).

Comparison is exact: same keys, same types (true is not 1, 1 is not 1.0), same strings,
same list lengths. The one allowance: a top-level "bozo" key missing from EXPECTED means
"don't check bozo" (used where the corpus README says the answer is debatable). Entry count
differences are reported, and the entries present in both are still compared by position.
"""
import json
import sys


def show(v):
    return json.dumps(v, ensure_ascii=False)


def kind(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float"
    if isinstance(v, str):
        return "str"
    if isinstance(v, list):
        return "list"
    return "object"


def compare(path, want, got, out):
    kw, kg = kind(want), kind(got)
    if kw != kg:
        out.append("%s: want %s got %s" % (path, show(want), show(got)))
        return
    if kw == "object":
        for k in want:
            p = "%s.%s" % (path, k) if path else k
            if k not in got:
                out.append("%s: want %s got (missing)" % (p, show(want[k])))
            else:
                compare(p, want[k], got[k], out)
        for k in got:
            if k not in want:
                p = "%s.%s" % (path, k) if path else k
                out.append("%s: unexpected key, got %s" % (p, show(got[k])))
    elif kw == "list":
        if len(want) != len(got):
            out.append("%s: want %d items got %d" % (path, len(want), len(got)))
            if path == "entries":
                for i in range(len(got), len(want)):
                    out.append("entries[%d]: missing entry, want id %s" % (i, show(want[i].get("id"))))
                for i in range(len(want), len(got)):
                    gid = got[i].get("id") if isinstance(got[i], dict) else got[i]
                    out.append("entries[%d]: extra entry, got id %s" % (i, show(gid)))
            elif path.endswith(("authors", "categories")):
                out.append("%s: want %s got %s" % (path, show(want), show(got)))
                return
        for i in range(min(len(want), len(got))):
            compare("%s[%d]" % (path, i), want[i], got[i], out)
    elif kw == "str" and want != got and max(len(want), len(got)) > 160:
        # long texts: show where they part, with some context, not both texts whole
        k = 0
        while k < min(len(want), len(got)) and want[k] == got[k]:
            k += 1
        lo = max(0, k - 40)
        out.append("%s: differs at character %d (lengths %d/%d): want %s%s got %s%s" % (
            path, k, len(want), len(got), "..." if lo else "", show(want[lo:k + 60]),
            "..." if lo else "", show(got[lo:k + 60])))
    elif want != got:
        out.append("%s: want %s got %s" % (path, show(want), show(got)))


def load(name, strict_utf8):
    try:
        with open(name, "rb") as f:
            raw = f.read()
        text = raw.decode("utf-8", errors="strict" if strict_utf8 else "replace")
        return json.loads(text)
    except (OSError, UnicodeDecodeError, ValueError) as e:
        print("%s: %s" % (name, e))
        sys.exit(2)


def main(argv):
    if len(argv) != 3:
        print("usage: jsoncmp.py EXPECTED ACTUAL", file=sys.stderr)
        return 2
    want = load(argv[1], True)
    got = load(argv[2], True)
    out = []
    if isinstance(want, dict) and isinstance(got, dict) and "bozo" not in want:
        got = dict(got)
        got.pop("bozo", None)
    compare("", want, got, out)
    for line in out:
        print(line)
    return 1 if out else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
