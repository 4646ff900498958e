#!/usr/bin/python3
"""xmlban.py: the static check of RELIABILITY.md XML-17 over C sources.

    xmlban.py scan FILE...        one line per banned use: "FILE:LINE: NAME: code";
                                  exit 1 when there is any
    xmlban.py names               the names of the bans, one a line
    xmlban.py loader FILE         exit 0 when FILE calls xmlSetExternalEntityLoader(...)
                                  with something other than NULL

Comments are removed first (// and /* */, also across lines, but not inside string or
character literals, so "http://x" does not hide what follows it); line numbers are kept.
Text inside string literals still counts: a banned name in a string is flagged too.
"""

import re
import sys

BANS = [
    # parser options that load, expand or lift limits (RELIABILITY.md XML-17)
    ("XML_PARSE_NOENT", r"\bXML_PARSE_NOENT\b"),
    ("XML_PARSE_DTDLOAD", r"\bXML_PARSE_DTDLOAD\b"),
    ("XML_PARSE_DTDATTR", r"\bXML_PARSE_DTDATTR\b"),
    ("XML_PARSE_DTDVALID", r"\bXML_PARSE_DTDVALID\b"),
    ("XML_PARSE_XINCLUDE", r"\bXML_PARSE_XINCLUDE\b"),
    ("XML_PARSE_HUGE", r"\bXML_PARSE_HUGE\b"),
    ("HTML_PARSE_HUGE", r"\bHTML_PARSE_HUGE\b"),
    # legacy and file/URL-reading entry points (libxml2's I/O layer speaks HTTP and FTP)
    ("xmlParseMemory", r"\bxmlParseMemory\b"),
    ("xmlParseFile", r"\bxmlParseFile\b"),
    ("xmlReadFile", r"\bxmlReadFile\b"),
    ("xmlCtxtReadFile", r"\bxmlCtxtReadFile\b"),
    ("xmlRecoverMemory/File", r"\bxmlRecover(Memory|File|Doc)\b"),
    ("xmlSAXParse*/xmlSAXUserParse*", r"\bxmlSAX(User)?Parse(Memory|File)\w*\b"),
    ("htmlReadFile/htmlParseFile", r"\bhtml(ReadFile|ParseFile|CtxtReadFile)\b"),
    ("xmlXIncludeProcess*", r"\bxmlXIncludeProcess\w*\b"),
    # the global and per-context switches that do what the banned options do
    ("xmlSubstituteEntitiesDefault(non-zero)", r"\bxmlSubstituteEntitiesDefault\s*\((?!\s*0\s*\))"),
    ("xmlLoadExtDtdDefaultValue = non-zero", r"\bxmlLoadExtDtdDefaultValue\s*=(?!=)(?!\s*0\s*;)"),
    ("replaceEntities = non-zero", r"\breplaceEntities\s*=(?!=)(?!\s*0\s*;)"),
    ("loadsubset = non-zero", r"\bloadsubset\s*=(?!=)(?!\s*0\s*;)"),
    ("xmlSetExternalEntityLoader(NULL)", r"\bxmlSetExternalEntityLoader\s*\(\s*(NULL|0)\s*\)"),
]


def strip_comments(text):
    """C source with comments replaced by spaces (newlines kept)."""
    out = []
    i, n = 0, len(text)
    state = "code"
    while i < n:
        c = text[i]
        nxt = text[i + 1] if i + 1 < n else ""
        if state == "code":
            if c == "/" and nxt == "*":
                state = "block"
                out.append("  ")
                i += 2
                continue
            if c == "/" and nxt == "/":
                state = "line"
                out.append("  ")
                i += 2
                continue
            if c == '"':
                state = "str"
            elif c == "'":
                state = "chr"
            out.append(c)
        elif state == "block":
            if c == "*" and nxt == "/":
                state = "code"
                out.append("  ")
                i += 2
                continue
            out.append("\n" if c == "\n" else " ")
        elif state == "line":
            if c == "\n":
                state = "code"
                out.append("\n")
            elif c == "\\" and nxt == "\n":  # a continued // comment
                out.append(" \n")
                i += 2
                continue
            else:
                out.append(" ")
        else:  # inside "..." or '...'
            if c == "\\" and nxt:
                out.append(c + nxt)
                i += 2
                continue
            if (state == "str" and c == '"') or (state == "chr" and c == "'") or c == "\n":
                state = "code"
            out.append(c)
        i += 1
    return "".join(out)


def scan(paths):
    hits = []
    for path in paths:
        with open(path, encoding="utf-8", errors="replace") as f:
            code = strip_comments(f.read())
        # the patterns run over the whole file, so \s also spans a call split over lines
        flat = code
        for name, rx in BANS:
            for m in re.finditer(rx, flat):
                line = flat.count("\n", 0, m.start()) + 1
                text = flat.splitlines()[line - 1].strip()
                hits.append("%s:%d: %s: %s" % (path, line, name, text))
    return hits


def has_loader(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        code = strip_comments(f.read())
    for m in re.finditer(r"\bxmlSetExternalEntityLoader\s*\(\s*([^)\s]+)\s*\)", code):
        if m.group(1) not in ("NULL", "0"):
            return True
    return False


def main(argv):
    if argv and argv[0] == "scan":
        hits = scan(argv[1:])
        for h in hits:
            print(h)
        return 1 if hits else 0
    if argv and argv[0] == "names":
        for name, _ in BANS:
            print(name)
        return 0
    if len(argv) == 2 and argv[0] == "loader":
        return 0 if has_loader(argv[1]) else 1
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
