#!/usr/bin/python3
"""A stand-in syslog receiver for tests/t_syslog.sh (stdlib only).

  capture.py listen PATH DIR [--no-read] [--rcvbuf N]
      Binds a unix datagram socket at PATH and writes each datagram, byte for byte, to
      DIR/NNNN.bin; writes DIR/ready once bound. With --no-read it never calls recv()
      (a receiver whose queue fills up); --rcvbuf sets SO_RCVBUF. Runs until killed.
  capture.py match FILE REGEX
      Exits 0 when the bytes of FILE match the Python regex REGEX as a whole (the regex
      is applied to the bytes decoded as UTF-8, which must succeed), else prints why and
      exits 1.
  capture.py clean FILE
      Exits 0 when FILE is valid UTF-8 without any C0 control or DEL byte (one line).
"""
import os
import re
import socket
import sys
import time


def listen(path, out, no_read, rcvbuf):
    os.makedirs(out, exist_ok=True)
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.bind(path)
    with open(os.path.join(out, "ready"), "w") as f:
        f.write("%d\n" % os.getpid())
    if no_read:
        while True:
            time.sleep(3600)
    n = 0
    while True:
        data = s.recv(1 << 17)
        n += 1
        tmp = os.path.join(out, "%04d.tmp" % n)
        with open(tmp, "wb") as f:
            f.write(data)
        os.rename(tmp, os.path.join(out, "%04d.bin" % n))


def match(path, regex):
    data = open(path, "rb").read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        print("not UTF-8: %s" % e)
        return 1
    if re.fullmatch(regex, text, re.S):
        return 0
    print("no match:\n  got:   %r\n  regex: %s" % (text, regex))
    return 1


def clean(path):
    data = open(path, "rb").read()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        print("not UTF-8: %s" % e)
        return 1
    bad = [i for i, b in enumerate(data) if b < 0x20 or b == 0x7F]
    if bad:
        print("control bytes at %s in %r" % (bad[:10], data))
        return 1
    return 0


def main(argv):
    if len(argv) >= 3 and argv[0] == "listen":
        no_read = "--no-read" in argv
        rcvbuf = 0
        if "--rcvbuf" in argv:
            rcvbuf = int(argv[argv.index("--rcvbuf") + 1])
        listen(argv[1], argv[2], no_read, rcvbuf)
        return 0
    if len(argv) == 3 and argv[0] == "match":
        return match(argv[1], argv[2])
    if len(argv) == 2 and argv[0] == "clean":
        return clean(argv[1])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
