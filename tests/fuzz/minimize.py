#!/usr/bin/python3
"""minimize.py — shrinks a fuzz_feed finding while keeping the same kind of failure.

Usage: minimize.py CRASH_FILE [OUT_FILE] [SECONDS]

libFuzzer's -minimize_crash accepts any crash, so a mismatch often turns into another one
while it shrinks. This runs it (SECONDS, default 60) with FUZZ_ONLY set to the words of the
original failure, so that fuzz_feed only aborts on that kind; then, when the result is small,
removes single bytes of the document for as long as the same failure stays. Prints the
result as text (or hex when it is not printable) and writes it to OUT_FILE (default
CRASH_FILE.min). Environment: FUZZ_FEED (default build/fuzz/fuzz_feed); FUZZ_NO_STOP passes
through.
"""
import os
import re
import subprocess
import sys
import tempfile

BIN = os.environ.get('FUZZ_FEED', 'build/fuzz/fuzz_feed')
PAT = re.compile(rb'(fuzz_feed: MISMATCH: .*|runtime error: .*|ERROR: AddressSanitizer: [\w-]+|'
                 rb'ERROR: LeakSanitizer: detected memory leaks|ERROR: libFuzzer: \w+)')


def signature(data):
    """The normalised first failure line fuzz_feed prints for data, or None when it passes."""
    with tempfile.NamedTemporaryFile(delete=False) as f:
        f.write(data)
        name = f.name
    try:
        env = dict(os.environ)
        env.setdefault('ASAN_OPTIONS', 'detect_leaks=1')
        r = subprocess.run([BIN, '-runs=1', name], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           env=env, timeout=60)
    except subprocess.TimeoutExpired:
        return b'timeout'
    finally:
        os.unlink(name)
    if r.returncode == 0:
        return None
    m = PAT.search(r.stdout)
    if not m:
        return b'exit %d' % r.returncode
    s = re.sub(rb'"[^"]*"', b'""', m.group(1))
    s = re.sub(rb'(?<=runtime error: ).*', lambda x: re.sub(rb'0x[0-9a-f]+|\d+', b'N', x.group(0)), s)
    return re.sub(rb'\d+', b'N', s) if b'MISMATCH' in s else re.sub(rb':\d+:\d+:', b':', s)


def shrink(seed, doc, sig):
    """Delta debugging over lines, then chunks of bytes, then single bytes."""
    def ok(d):
        return signature(seed + d) == sig

    # lines
    lines = doc.split(b'\n')
    n = 2
    while len(lines) >= 2:
        size = max(1, len(lines) // n)
        changed = False
        for i in range(0, len(lines), size):
            cand = lines[:i] + lines[i + size:]
            if cand and ok(b'\n'.join(cand)):
                lines, changed = cand, True
                n = max(n - 1, 2)
                break
        if not changed:
            if size == 1:
                break
            n = min(n * 2, len(lines))
    doc = b'\n'.join(lines)
    # byte runs, halving
    size = max(1, len(doc) // 4)
    while size >= 1:
        i = 0
        while i < len(doc):
            cand = doc[:i] + doc[i + size:]
            if ok(cand):
                doc = cand
            else:
                i += size
        size //= 2
    return doc


def show(data):
    try:
        text = data.decode('utf-8')
        if all(c.isprintable() or c in '\n\t' for c in text):
            return text
    except UnicodeDecodeError:
        pass
    return data.hex()


def only_words(sig):
    """The FUZZ_ONLY text for a signature: the words of a MISMATCH message, else None."""
    m = re.match(rb'fuzz_feed: MISMATCH: (?:entry N: )?([^:"N(]+)', sig)
    return m.group(1).strip().decode() if m else None


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    src = sys.argv[1]
    out = sys.argv[2] if len(sys.argv) > 2 else src + '.min'
    secs = sys.argv[3] if len(sys.argv) > 3 else '60'
    data = open(src, 'rb').read()
    sig = signature(data)
    if sig is None:
        sys.exit('minimize: %s does not fail' % src)
    env = dict(os.environ)
    words = only_words(sig)
    if words:
        env['FUZZ_ONLY'] = words
    if b'LeakSanitizer' not in sig:
        env['ASAN_OPTIONS'] = 'detect_leaks=0'
    tmp = out + '.tmp'
    subprocess.run([BIN, '-minimize_crash=1', '-max_total_time=' + secs, '-exact_artifact_path=' + tmp,
                    src], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    best = data
    if os.path.exists(tmp):
        cand = open(tmp, 'rb').read()
        os.unlink(tmp)
        if len(cand) < len(best) and signature(cand) == sig:
            best = cand
    doc = best[2:]
    if len(doc) <= 400:
        doc = shrink(best[:2], doc, sig)
    best = best[:2] + doc
    with open(out, 'wb') as f:
        f.write(best)
    print('minimize: %s: %d -> %d bytes, failure: %s' % (src, len(data) - 2, len(doc),
                                                        sig.decode(errors='replace')))
    shown = show(doc)
    print('seed bytes: %s  document (%s):' % (best[:2].hex(), 'hex' if shown == doc.hex() and doc else 'text'))
    print(shown)


if __name__ == '__main__':
    main()
