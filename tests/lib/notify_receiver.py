#!/usr/bin/env python3
"""Records sd_notify datagrams: binds a unix datagram socket at argv[1] and appends each
message to argv[2] as one JSON line {"t": monotonic seconds, "msg": text}."""
import json, os, socket, sys, time
path, out = sys.argv[1], sys.argv[2]
try:
    os.unlink(path)
except FileNotFoundError:
    pass
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
with open(out, "a", buffering=1) as f:
    while True:
        data = s.recv(65536)
        f.write(json.dumps({"t": time.monotonic(), "msg": data.decode("utf-8", "replace")}) + "\n")
