#!/usr/bin/python3
"""bigfeed.py: large RSS documents for the size and CPU limit tests.

  bigfeed.py padded OUT MIB [gzip]   an RSS document of about MIB MiB: first an item that
                                     matches the NATO watchlist, then items with unique
                                     guids and 4 KB of repetitive text each (so gzip packs
                                     it about 100:1); with "gzip", OUT is gzip-compressed
  bigfeed.py same OUT N              N identical items with no guid, link or date (their
                                     ids all fall back to the same title hash)
  bigfeed.py uniq OUT N              N items of the same size with unique guids
"""
import gzip
import sys

HEAD = (b'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        b"<title>big</title><link>http://news.example.org/</link>\n"
        b"<item><guid>big-nato</guid><title>NATO item at the start of a huge body</title>"
        b"<description>partial bodies must not alert</description></item>\n")
TAIL = b"</channel></rss>\n"


def padded(out, mib, compress):
    pad = b"lorem ipsum dolor sit amet " * 150
    f = gzip.open(out, "wb", compresslevel=6) if compress else open(out, "wb")
    with f:
        f.write(HEAD)
        n, size = 0, len(HEAD)
        while size < mib << 20:
            item = b"<item><guid>pad-%d</guid><title>filler %d</title><description>%s</description></item>\n" % (n, n, pad)
            f.write(item)
            size += len(item)
            n += 1
        f.write(TAIL)


def same(out, n, unique=False):
    item = b"<item><title>same title</title><description>same text</description></item>\n"
    with open(out, "wb") as f:
        f.write(HEAD.split(b"<item>")[0])
        if unique:
            for i in range(n):
                f.write(b"<item><guid>u%06d</guid><description>same text</description></item>\n" % i)
        else:
            f.write(item * n)
        f.write(TAIL)


def main():
    if sys.argv[1] == "padded":
        padded(sys.argv[2], int(sys.argv[3]), len(sys.argv) > 4 and sys.argv[4] == "gzip")
    elif sys.argv[1] in ("same", "uniq"):
        same(sys.argv[2], int(sys.argv[3]), sys.argv[1] == "uniq")
    else:
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
