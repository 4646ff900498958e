#!/usr/bin/python3
"""runlimited.py: run one command under a wall-clock limit and report how it ended.

    runlimited.py [--timeout S] [--stdin FILE | --pipe FILE [--chunk N]] [--stack-kb K]
                  [--cwd DIR] --out FILE --err FILE -- COMMAND...

Prints one line of shell assignments:
    R_RC=<exit status or 128+signal> R_SIG=<signal or 0> R_TIMEDOUT=<0|1>
    R_WALL_MS=<elapsed> R_RSS_KB=<peak resident set of the command, from wait4()>
--pipe feeds FILE through a pipe in --chunk byte writes (default 16384, curl's write size),
so the command reads a stream, as with `cat FILE | command`. The command is killed with
SIGKILL at the time limit. --stack-kb sets RLIMIT_STACK (default 8192, the usual default).
"""

import argparse
import os
import resource
import signal
import subprocess
import sys
import threading
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--timeout", type=float, default=10.0)
    ap.add_argument("--stdin")
    ap.add_argument("--pipe")
    ap.add_argument("--chunk", type=int, default=16384)
    ap.add_argument("--stack-kb", type=int, default=8192)
    ap.add_argument("--cwd")
    ap.add_argument("--out", required=True)
    ap.add_argument("--err", required=True)
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    if not cmd:
        ap.error("no command")

    def limits():
        soft, hard = resource.getrlimit(resource.RLIMIT_STACK)
        want = a.stack_kb * 1024
        if hard != resource.RLIM_INFINITY and hard < want:
            want = hard
        resource.setrlimit(resource.RLIMIT_STACK, (want, hard))

    stdin = subprocess.DEVNULL
    if a.stdin:
        stdin = open(a.stdin, "rb")
    elif a.pipe:
        stdin = subprocess.PIPE
    with open(a.out, "wb") as out, open(a.err, "wb") as err:
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, stdin=stdin, stdout=out, stderr=err, cwd=a.cwd,
                             preexec_fn=limits)
    timed_out = []

    def killer():
        timed_out.append(1)
        try:
            os.kill(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    timer = threading.Timer(a.timeout, killer)
    timer.start()
    if a.pipe:
        def feed():
            try:
                with open(a.pipe, "rb") as f:
                    while True:
                        d = f.read(a.chunk)
                        if not d:
                            break
                        p.stdin.write(d)
                        p.stdin.flush()
            except (BrokenPipeError, OSError):
                pass
            finally:
                try:
                    p.stdin.close()
                except OSError:
                    pass
        w = threading.Thread(target=feed, daemon=True)
        w.start()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    timer.cancel()
    p.returncode = 0  # reaped here; keep Popen from waiting again
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        rc = 128 + sig
    else:
        sig = 0
        rc = os.WEXITSTATUS(status)
    print("R_RC=%d R_SIG=%d R_TIMEDOUT=%d R_WALL_MS=%d R_RSS_KB=%d"
          % (rc, sig, 1 if timed_out else 0, int(wall * 1000), ru.ru_maxrss))
    return 0


if __name__ == "__main__":
    sys.exit(main())
