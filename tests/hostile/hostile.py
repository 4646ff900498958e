#!/usr/bin/python3
"""hostile.py: generators for the hostile XML documents of RELIABILITY.md (XML-01 ... XML-15),
plus the checks tests/t_hostile_xml.sh runs on `feedwatchd parse` output.

Generate:  hostile.py gen KIND OUTFILE [key=value ...]
Check:     hostile.py check KIND STDOUT STDERR RC [key=value ...]
           prints "# ..." diagnostics and exits 0 (pass) or 1 (fail).
Probe:     hostile.py fifo-watch FIFO MARKER RESULT STOPFILE
           writes OPENED to RESULT if anything opened FIFO for reading.
Every document is written at test time; nothing here is stored data.
"""

import json
import re
import sys

RSS_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'


def rss(items, doctype="", decl=RSS_HEAD, channel_extra=""):
    """An RSS 2.0 document around the given raw <item> bodies."""
    body = "".join("<item>%s</item>\n" % i for i in items)
    return ('%s%s<rss version="2.0"><channel><title>hostile</title>'
            "<link>http://example.com/</link>%s\n%s</channel></rss>\n"
            % (decl, doctype, channel_extra, body))


def item(n, title=None, extra=""):
    title = "Item %d" % n if title is None else title
    return ("<title>%s</title><link>http://example.com/%d</link><guid>item-%d</guid>%s"
            % (title, n, n, extra))


# ------------------------------------------------------------------ generators

def gen_laughs(p):
    """XML-01: 10 levels of 10 references; &lol9; would be 10^9 "lol"s."""
    ents = ['<!ENTITY lol "lol">']
    ents.append('<!ENTITY lol1 "%s">' % ("&lol;" * 10))
    for i in range(2, 10):
        ents.append('<!ENTITY lol%d "%s">' % (i, ("&lol%d;" % (i - 1)) * 10))
    dt = "<!DOCTYPE rss [\n%s\n]>\n" % "\n".join(ents)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n%s<rss version="2.0"><channel>'
            "<title>t</title><item><title>a &lol9; b</title><guid>item-1</guid></item>"
            "</channel></rss>\n" % dt)


def gen_quadratic(p):
    """XML-02/03: one entity of `size` bytes referenced `uses` times, in text or attributes."""
    size, uses, where = int(p.get("size", 100000)), int(p.get("uses", 200)), p.get("where", "text")
    dt = '<!DOCTYPE rss [<!ENTITY a "%s">]>\n' % ("A" * size)
    refs = "&a;" * uses
    if where == "text":
        return rss([item(1), item(2, extra="<description>%s</description>" % refs)], doctype=dt)
    if where == "enclosure":
        return rss([item(1), item(2, extra='<enclosure url="http://example.com/%s" '
                                   'type="audio/mpeg" length="1"/>' % refs)], doctype=dt)
    if where == "atomlink":
        return ('<?xml version="1.0" encoding="UTF-8"?>\n'
                '<!DOCTYPE feed [<!ENTITY a "%s">]>\n'
                '<feed xmlns="http://www.w3.org/2005/Atom"><title>hostile</title>'
                "<id>urn:x:feed</id><updated>2023-01-29T12:00:00Z</updated>\n"
                "<entry><title>Entry 1</title><id>urn:x:1</id>"
                '<link href="http://example.com/1"/></entry>\n'
                '<entry><title>Entry 2</title><id>urn:x:2</id><link rel="alternate" '
                'href="http://example.com/%s"/></entry>\n</feed>\n' % ("A" * size, refs))
    raise SystemExit("quadratic: where=text|enclosure|atomlink")


def gen_extent(p):
    """XML-04: a general external entity (SYSTEM url) referenced in a title."""
    url = p["url"]
    dt = '<!DOCTYPE rss [<!ENTITY s SYSTEM "%s">]>\n' % url
    where = p.get("where", "title")
    if where == "title":
        return rss([item(1), item(2, "before &s; after")], doctype=dt)
    return rss([item(1), item(2, extra="<description>x &s; y</description>")], doctype=dt)


def gen_extpe(p):
    """XML-05: an external parameter entity; the target DTD declares &leak;."""
    dt = ('<!DOCTYPE rss [<!ENTITY %% p SYSTEM "%s">\n%%p;\n]>\n' % p["url"])
    return rss([item(1), item(2, "before &leak; after")], doctype=dt)


def gen_extdtd(p):
    """XML-06: an external DTD subset (SYSTEM or PUBLIC) that would declare &leak;."""
    if p.get("public"):
        dt = '<!DOCTYPE rss PUBLIC "-//X//hostile//EN" "%s">\n' % p["url"]
    else:
        dt = '<!DOCTYPE rss SYSTEM "%s">\n' % p["url"]
    return rss([item(1), item(2, "before &leak; after")], doctype=dt)


def gen_xinclude(p):
    """XML-07: XInclude elements inside an item and at channel level."""
    inc = ('<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="%s" parse="%s"/>'
           % (p["href"], p.get("parse", "text")))
    return rss([item(1), item(2, extra="<description>a %s b</description>" % inc),
                item(3, "x" + inc)], channel_extra=inc)


def gen_depth(p):
    """XML-08: one good item, then `n` nested elements inside the second item."""
    n = int(p["n"])
    if p.get("unclosed"):  # the document simply ends, n elements deep
        return (rss([item(1)]).split("</channel>")[0] + "<item><title>Item 2</title>"
                "<description>" + "<d>" * n)
    deep = "<d>" * n + "deep" + "</d>" * n
    return rss([item(1), item(2, extra="<description>%s</description>" % deep), item(3)])


def gen_attrs(p):
    """An element with `n` distinct attributes (libxml2 2.9 checks duplicates pairwise)."""
    n = int(p.get("n", 100000))
    attrs = " ".join('a%d="1"' % i for i in range(n))
    return rss([item(1), item(2, extra='<enclosure url="http://example.com/e" %s/>' % attrs),
                item(3)])


def gen_bigtext(p):
    """XML-09: one item whose description is a single text node of `size` bytes."""
    size = int(p.get("size", 11 * 1024 * 1024))
    unit = "0123456789abcdef" * 4 + "\n"
    text = (unit * (size // len(unit) + 1))[:size]
    if p.get("cdata"):
        text = "<![CDATA[" + text + "]]>"
    return rss([item(1), item(2, extra="<description>%s</description>" % text), item(3)])


def gen_longname(p):
    """XML-10: an element name of `n` characters inside the second item."""
    name = "n" + "a" * (int(p.get("n", 60000)) - 1)
    return rss([item(1), item(2, extra="<%s>x</%s>" % (name, name)), item(3)])


def gen_badutf8(p):
    """XML-11: invalid UTF-8 bytes in item 2's title of a UTF-8 document (bytes)."""
    bad = b"A\xff\xfeB\xc0\xafC\x80D\xed\xa0\x80E\xf8\x88\x80\x80\x80F\xe2\x82"
    where = p.get("where", "title")
    if where == "title":
        doc = rss([item(1), item(2, "@@BAD@@"), item(3)]).encode()
    elif where == "cdata":
        doc = rss([item(1), item(2, "<![CDATA[@@BAD@@]]>"), item(3)]).encode()
    else:
        doc = rss([item(1), item(2, extra='<enclosure url="http://example.com/@@BAD@@" '
                                   'type="audio/mpeg"/>'), item(3)]).encode()
    return doc.replace(b"@@BAD@@", bad)


TEXT12 = "Café Straße Ünïcödé"


def gen_charset(p):
    """XML-12: non-ASCII titles in UTF-16 (BOM), ISO-8859-1, or windows-1252 bytes."""
    kind = p["kind"]
    if kind in ("utf16le", "utf16be"):
        enc = "utf-16-le" if kind == "utf16le" else "utf-16-be"
        bom = b"\xff\xfe" if kind == "utf16le" else b"\xfe\xff"
        doc = rss([item(1, TEXT12 + " \U0001F600"), item(2)],
                  decl='<?xml version="1.0" encoding="UTF-16"?>\n')
        return bom + doc.encode(enc)
    if kind == "latin1":
        doc = rss([item(1, TEXT12), item(2)], decl='<?xml version="1.0" encoding="ISO-8859-1"?>\n')
        return doc.encode("latin-1")
    if kind == "cp1252":
        doc = rss([item(1, "\u201cCafé\u201d costs \u20ac5 \u2013 Straße"), item(2)],
                  decl='<?xml version="1.0" encoding="ISO-8859-1"?>\n')
        return doc.encode("cp1252")
    raise SystemExit("charset: kind=utf16le|utf16be|latin1|cp1252")


def gen_badenc(p):
    """XML-13: an encoding nobody has."""
    return rss([item(1), item(2)], decl='<?xml version="1.0" encoding="x-no-such"?>\n')


def gen_damage(p):
    """XML-14: item 3 carries a raw NUL byte or &#x1; (in the title, or the description);
    kind=none gives the same document undamaged."""
    kind, where = p["kind"], p.get("where", "title")
    mark = "@@DAMAGE@@"
    if where == "title":
        third = item(3, "Third %s item" % mark)
    else:
        third = item(3, "Third item", "<description>Third %s body</description>" % mark)
    doc = rss([item(1, "First"), item(2, "Second"), third, item(4, "Fourth")]).encode()
    return doc.replace(mark.encode(), {"nul": b"\x00", "ctrlref": b"&#x1;", "none": b""}[kind])


# (XML source of a title, the text it must come out as)
TITLES15 = [
    ("line one&#13;&#10;line two&#13;third", "line one line two third"),
    ("&lt;13&gt;Jan  1 00:00:00 host evil[1]: injected", "<13>Jan 1 00:00:00 host evil[1]: injected"),
    ("&lt;13&gt;1 2023-01-29T12:00:00Z host app - - - x", "<13>1 2023-01-29T12:00:00Z host app - - - x"),
    ("&quot;double&quot; 'single' \"raw\" &apos;apos&apos;", "\"double\" 'single' \"raw\" 'apos'"),
    ("back\\slash \\\\ \\n \\u0000 \\\" \\", "back\\slash \\\\ \\n \\u0000 \\\" \\"),
    ("brackets ] [x] ]] ]]&gt; [feedwatchd@32473 a=\"b\"]",
     "brackets ] [x] ]] ]]> [feedwatchd@32473 a=\"b\"]"),
    ("emoji &#x1F600; &#128169; \U0001F1F0\U0001F1F7 \u00e9\u0301", "emoji \U0001F600 \U0001F4A9 \U0001F1F0\U0001F1F7 \u00e9\u0301"),
    ("tabs&#9;&#9;and&#10;&#10;&#10;newlines &#13;&#10; end", "tabs and newlines end"),
    ("  &#10; leading and trailing &#13;  ", "leading and trailing"),
    ("<![CDATA[cdata <13> \"q\" \\ ] ]]]]><![CDATA[> end]]>", "cdata <13> \"q\" \\ ] ]]> end"),
]


def gen_titles(p):
    """XML-15: one item per entry of TITLES15, guid t<N>."""
    items = ["<title>%s</title><guid>t%d</guid><link>http://example.com/t%d</link>"
             % (src, i, i) for i, (src, _) in enumerate(TITLES15)]
    return rss(items)


GENS = {
    "laughs": gen_laughs, "quadratic": gen_quadratic, "extent": gen_extent,
    "extpe": gen_extpe, "extdtd": gen_extdtd, "xinclude": gen_xinclude, "depth": gen_depth,
    "bigtext": gen_bigtext, "attrs": gen_attrs, "longname": gen_longname, "badutf8": gen_badutf8,
    "charset": gen_charset, "badenc": gen_badenc, "damage": gen_damage, "titles": gen_titles,
}


def to_utf16(doc):
    """The same document re-encoded as UTF-16LE with a BOM (bypasses any byte pre-filter)."""
    if isinstance(doc, bytes):
        doc = doc.decode("utf-8")
    doc = doc.replace('encoding="UTF-8"', 'encoding="UTF-16"', 1)
    return b"\xff\xfe" + doc.encode("utf-16-le")


# ------------------------------------------------------------------ checks

class Out:
    """What one `feedwatchd parse` run produced."""

    def __init__(self, out, err, rc):
        self.raw = open(out, "rb").read()
        self.err_raw = open(err, "rb").read()
        self.err = self.err_raw.decode("utf-8", "replace")
        self.rc = int(rc)
        self.doc = None
        self.json_error = None
        if self.raw.strip():
            try:
                self.doc = json.loads(self.raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as e:
                self.json_error = str(e)

    def entries(self):
        return (self.doc or {}).get("entries") or []

    def bozo(self):
        return bool(self.doc and self.doc.get("bozo") is True)


def fail(msg):
    print("# " + msg.replace("\n", "\n# "))
    return False


def err_line(o, pattern=None):
    """rc 1 must come with an error line (matching pattern, case-insensitive)."""
    if not o.err.strip():
        return fail("exit 1 but nothing on stderr")
    if pattern and not re.search(pattern, o.err, re.I):
        return fail("stderr does not match /%s/: %r" % (pattern, o.err[:300]))
    return True


def rejected(o, pattern=None):
    """The document is refused (exit 1 + error line) or recovered with bozo true."""
    if o.rc == 1:
        return err_line(o, pattern)
    if o.rc == 0 and o.doc is not None and o.bozo():
        return True
    return fail("want exit 1 or bozo true; got rc=%d bozo=%r" % (o.rc, (o.doc or {}).get("bozo")))


def chk_json(o, p):
    """exit 0 means strict JSON on stdout in valid UTF-8; exit 1 means no JSON needed."""
    if o.rc == 0:
        if o.doc is None:
            return fail("exit 0 but stdout is not JSON: %s; %r" % (o.json_error, o.raw[:200]))
        if not isinstance(o.doc, dict) or "entries" not in o.doc or "bozo" not in o.doc:
            return fail("JSON without entries/bozo: %r" % o.raw[:200])
        return True
    if o.json_error:
        return fail("stdout is neither empty nor JSON: %s" % o.json_error)
    return True


def chk_rejected(o, p):
    return rejected(o, p.get("pattern"))


def chk_small(o, p):
    """Output bounded: at most `max` bytes and at most `lol` occurrences of a word."""
    mx = int(p.get("max", 2 * 1024 * 1024))
    if len(o.raw) > mx:
        return fail("stdout is %d bytes (max %d)" % (len(o.raw), mx))
    word, most = p.get("word"), int(p.get("most", 20))
    if word:
        n = (o.raw + o.err_raw).count(word.encode())
        if n > most:
            return fail("%r appears %d times in the output (max %d)" % (word, n, most))
    return True


def chk_absent(o, p):
    """A marker string appears nowhere in stdout or stderr."""
    m = p["marker"].encode()
    if m in o.raw or m in o.err_raw:
        return fail("marker %s leaked: stdout has it %d times, stderr %d"
                    % (p["marker"], o.raw.count(m), o.err_raw.count(m)))
    return True


def chk_fields_capped(o, p):
    """No string anywhere in the JSON is longer than `cap` bytes of UTF-8."""
    cap = int(p.get("cap", 1024 * 1024 + 4096))
    if o.doc is None:
        return True

    def walk(v, path):
        if isinstance(v, str):
            if len(v.encode()) > cap:
                return fail("%s is %d bytes (cap %d)" % (path, len(v.encode()), cap))
        elif isinstance(v, dict):
            return all(walk(x, path + "." + k) for k, x in v.items())
        elif isinstance(v, list):
            return all(walk(x, "%s[%d]" % (path, i)) for i, x in enumerate(v))
        return True
    return walk(o.doc, "$")


def chk_utf8(o, p):
    """stdout and (if JSON) every string are valid UTF-8; no U+FFFD smuggled as raw bytes."""
    try:
        o.raw.decode("utf-8", "strict")
    except UnicodeDecodeError as e:
        return fail("stdout is not valid UTF-8: %s" % e)
    try:
        o.err_raw.decode("utf-8", "strict")
    except UnicodeDecodeError as e:
        return fail("stderr is not valid UTF-8: %s" % e)
    return True


def chk_first_items(o, p):
    """Items 1..n (by guid item-N) are present, in order, before anything else."""
    n = int(p.get("n", 1))
    ids = [e.get("id") for e in o.entries()]
    want = ["item-%d" % i for i in range(1, n + 1)]
    if ids[:n] != want:
        return fail("first entries are %r, want %r" % (ids[:n + 1], want))
    return True


def chk_title(o, p):
    """Entry with guid `id` has exactly `want` as its title (want given in UTF-8)."""
    want = {"cp1252": "\u201cCafé\u201d costs \u20ac5 \u2013 Straße",
            "text12": TEXT12, "text12emoji": TEXT12 + " \U0001F600"}[p["want"]]
    for e in o.entries():
        if e.get("id") == p["id"]:
            if e.get("title") != want:
                return fail("title %r, want %r" % (e.get("title"), want))
            return True
    return fail("no entry %s in %r" % (p["id"], [e.get("id") for e in o.entries()]))


def chk_not_bozo(o, p):
    if o.rc != 0 or o.doc is None or o.doc.get("bozo") is not False:
        return fail("want exit 0 and bozo false; rc=%d bozo=%r err=%r"
                    % (o.rc, (o.doc or {}).get("bozo"), o.err[:200]))
    return True


def chk_damage(o, p):
    """XML-14: JSON with bozo, First and Second kept, item 3 not emitted in any form."""
    if o.rc != 0 or o.doc is None:
        return fail("want exit 0 with JSON (entries came before the damage); rc=%d err=%r"
                    % (o.rc, o.err[:200]))
    ok = True
    if not o.bozo():
        ok = fail("bozo is not true")
    ents = o.entries()
    if [e.get("title") for e in ents[:2]] != ["First", "Second"]:
        ok = fail("first two titles: %r" % [e.get("title") for e in ents[:2]])
    for e in ents:
        blob = json.dumps(e)
        if e.get("id") == "item-3" or "example.com/3" in blob or "Third" in blob:
            ok = fail("the damaged third item was emitted: %r" % e)
    return ok


def chk_titles15(o, p):
    """XML-15: every title round-trips through strict JSON exactly (whitespace squeezed)."""
    if o.rc != 0 or o.doc is None:
        return fail("want exit 0 with JSON; rc=%d err=%r" % (o.rc, o.err[:200]))
    ok = True
    got = {e.get("id"): e.get("title") for e in o.entries()}
    for i, (src, want) in enumerate(TITLES15):
        if got.get("t%d" % i) != want:
            ok = fail("t%d: got %r\n   want %r" % (i, got.get("t%d" % i), want))
    if o.doc.get("bozo") is not False:
        ok = fail("bozo is %r for a well-formed document" % o.doc.get("bozo"))
    if re.search(rb"[\x00-\x09\x0b-\x1f]", o.raw):
        ok = fail("raw control bytes in stdout")
    return ok


CHECKS = {
    "json": chk_json, "rejected": chk_rejected, "small": chk_small, "absent": chk_absent,
    "capped": chk_fields_capped, "utf8": chk_utf8, "first_items": chk_first_items,
    "title": chk_title, "not_bozo": chk_not_bozo, "damage": chk_damage,
    "titles15": chk_titles15,
}


def kv(args):
    out = {}
    for a in args:
        k, _, v = a.partition("=")
        out[k] = v
    return out


def fifo_watch(fifo, marker, result, stopfile, limit=60.0):
    """Reports whether anyone opens FIFO for reading before STOPFILE appears.

    A writer's non-blocking open of a FIFO fails with ENXIO until a reader has it open,
    so polling that open catches every attempt to read the file: a reader blocks in its
    own open() until we come along. When it happens we hand the reader the marker (so the
    leak also shows in the output) and write OPENED to RESULT."""
    import errno, os, time
    end = time.monotonic() + limit
    opened = False
    while time.monotonic() < end and not os.path.exists(stopfile):
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as e:
            if e.errno != errno.ENXIO:
                raise
            time.sleep(0.002)
            continue
        opened = True
        try:
            os.write(fd, marker.encode())
        except OSError:
            pass
        os.close(fd)
        time.sleep(0.05)
    with open(result, "w") as f:
        f.write("OPENED\n" if opened else "untouched\n")
    return 0


def main(argv):
    if len(argv) == 5 and argv[0] == "fifo-watch":
        return fifo_watch(*argv[1:])
    if len(argv) >= 3 and argv[0] == "gen":
        kind, path, p = argv[1], argv[2], kv(argv[3:])
        doc = GENS[kind](p)
        if isinstance(doc, str):
            doc = doc.encode("utf-8")
        if p.get("utf16"):
            doc = to_utf16(doc)
        with open(path, "wb") as f:
            f.write(doc)
        return 0
    if len(argv) >= 5 and argv[0] == "check":
        kind, out, err, rc, p = argv[1], argv[2], argv[3], argv[4], kv(argv[5:])
        return 0 if CHECKS[kind](Out(out, err, rc), p) else 1
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
