#!/usr/bin/env bash
# The manual pages, man/feedwatchd.8 and man/feedwatchd.conf.5: both lint clean
# (mandoc -Tlint -Wwarning; groff -ww, in UTF-8 as man(1) renders them on a UTF-8
# terminal), and they keep up with the code: every command and option of `feedwatchd
# --help`, every environment variable the daemon reads and every signal it handles are
# in feedwatchd(8); every key of daemon/conf.c's table is in feedwatchd.conf(5) under its
# section, with the default and the bounds the table holds, and no key that is not
# there; the webhook template placeholders of daemon/sink_webhook.c are listed; and the
# configuration examples of feedwatchd.conf(5) pass `feedwatchd check`.
cd "$(dirname "$0")/.." || exit 1
. tests/lib/tap.sh

PAGES=(man/feedwatchd.8 man/feedwatchd.conf.5)

# ---- lint ------------------------------------------------------------------------------
if command -v mandoc >/dev/null; then
	for p in "${PAGES[@]}"; do
		out=$(mandoc -Tlint -Wwarning "$p" 2>&1); rc=$?
		is "mandoc -Tlint -Wwarning $p: clean" "$rc:$out" "0:"
	done
else
	ok "# SKIP mandoc is not installed (make deps installs it): pages not linted by mandoc"
fi
if command -v groff >/dev/null; then
	for p in "${PAGES[@]}"; do
		out=$(groff -Tutf8 -mandoc -ww -z "$p" 2>&1); rc=$?
		is "groff -Tutf8 -mandoc -ww -z $p: clean" "$rc:$out" "0:"
	done
else
	ok "# SKIP groff is not installed: pages not checked by groff"
fi

# The page source with the escapes a reader never sees undone (\- \& \(dq \e).
plain() { sed -e 's/\\-/-/g; s/\\&//g; s/\\(dq/"/g; s/\\e/\\/g' "$1"; }
plain man/feedwatchd.8 >"$TMP/fw8"
plain man/feedwatchd.conf.5 >"$TMP/fw5"

# ---- feedwatchd(8) against the program -------------------------------------------------
"$FEEDWATCHD" --help >"$TMP/help" 2>&1
cmds=$(sed -n 's/^  feedwatchd \[\{0,1\}\([a-z][a-z-]*\).*/\1/p' "$TMP/help" | sort -u)
check "--help lists commands ($(echo $cmds))" test -n "$cmds"
syn=$(sed -n '/^\.Sh SYNOPSIS/,/^\.Sh DESCRIPTION/p' "$TMP/fw8")
for c in $cmds; do
	check "feedwatchd(8): the synopsis shows '$c'" grep -qE "^\.(Op )?Cm $c( |$)" <<<"$syn"
	check "feedwatchd(8): '$c' is described under COMMANDS" \
		bash -c "sed -n '/^\.Sh COMMANDS/,/^\.Sh OPTIONS/p' '$TMP/fw8' | grep -qE '^\.(It )?Cm $c( |$)'"
done
# options: every -x and --long of the usage text
opts=$(grep -oE '(^|[ [|])--?[a-z][a-z-]*' "$TMP/help" | sed 's/^[ [|]//' | sort -u)
for o in $opts; do
	check "feedwatchd(8) documents $o" grep -qE "Fl ${o#-}( |$)" "$TMP/fw8"
done
# environment: every getenv() of the daemon
envs=$(grep -ohE 'getenv\("[A-Z_]+"\)' daemon/*.c | sed 's/getenv("\(.*\)")/\1/' | sort -u)
check "the daemon reads environment variables ($(echo $envs))" test -n "$envs"
envsec=$(sed -n '/^\.Sh ENVIRONMENT/,/^\.Sh FILES/p' "$TMP/fw8")
for e in $envs; do
	check "feedwatchd(8) ENVIRONMENT: $e" grep -qE "^\.It Ev .*$e( |,|$)" <<<"$envsec"
done
# signals: every signal the event loop handles
sigs=$(grep -ohE 'evsignal_new\([^,]+, *SIG[A-Z]+' daemon/*.c | grep -oE 'SIG[A-Z]+' | sort -u)
check "the daemon handles signals ($(echo $sigs))" test -n "$sigs"
for s in $sigs; do
	check "feedwatchd(8) SIGNALS: $s" bash -c "sed -n '/^\.Sh SIGNALS/,/^\.Sh ENVIRONMENT/p' '$TMP/fw8' | grep -qE '^\.It .*$s'"
done
exits=$(sed -n '/^\.Sh EXIT STATUS/,/^\.Sh /p' "$TMP/fw8" | sed -n 's/^\.It \([0-9]\)$/\1/p' | tr '\n' ' ')
is "feedwatchd(8) EXIT STATUS: 0, 1, 2" "$exits" "0 1 2 "
check "feedwatchd(8) shows the alert JSON and the Standard Webhooks headers" \
	bash -c "grep -q '\"snippet\": str' '$TMP/fw8' && grep -q '^\.It webhook-signature' '$TMP/fw8' &&
		grep -q '^\.It webhook-id' '$TMP/fw8' && grep -q '^\.It webhook-timestamp' '$TMP/fw8'"

# ---- feedwatchd.conf(5) against daemon/conf.c ----------------------------------------------
"$PY" - daemon/conf.c "$TMP/fw5" >"$TMP/keys.tap" <<'EOF'
import re, sys
SEC, DAY = 1000, 86400000
src = open(sys.argv[1]).read()
page = open(sys.argv[2]).read()

def num(expr):
    return eval(re.sub(r"(\d+)LL", r"\1", expr), {"SEC": SEC, "DAY": DAY})

def dur(v):
    if v == 0:
        return "0"
    for unit, size in (("d", DAY), ("h", 3600000), ("m", 60000), ("s", 1000), ("ms", 1)):
        if v % size == 0 and (unit != "d" or v >= 2 * DAY):
            return "%d%s" % (v // size, unit)

def size(v):
    for unit, n in (("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)):
        if v % n == 0:
            return "%d%s" % (v // n, unit)
    return str(v)

def human(kind, v):
    return {"DURATION": dur, "SIZE": size, "PERCENT": lambda x: "%d%%" % x,
            "INT": str}[kind](v)

table = re.search(r"conf_keys\[\] = \{(.*?)\n\};", src, re.S).group(1)
keys = re.findall(r'\{\s*SEC_(\w+),\s*"(\w+)",\s*T_(\w+),\s*(?:\w\((\w+)\)|0),\s*([^,]+),\s*([^,]+),',
                  table)
# defaults: conf_defaults(), the section starts and conf_validate()
defaults = {}
field_key = {(sec, f): k for sec, k, t, f, lo, hi in keys if f}
for f, expr in re.findall(r"c->daemon\.(\w+) = ([^;]+);", src):
    defaults[("DAEMON", f)] = expr
for f, expr in re.findall(r"\bs->(\w+) = ([^;]+);", src):
    defaults.setdefault(("SINK", f), expr)
for f, expr in re.findall(r"\(\(struct conf_watchlist \*\)l->current\)->(\w+) = ([^;]+);", src):
    defaults[("WATCHLIST", f)] = expr

def default_text(sec, kind, f):
    expr = defaults.get((sec, f))
    if expr is None or "FEEDWATCHD_VERSION" in expr:
        return None
    m = re.match(r'xstrdup\("([^"]*)"\)$', expr.strip())
    if m:
        return m.group(1)
    m = re.match(r"LOG_(\w+)$", expr.strip())
    if m:
        return m.group(1).lower()
    if kind == "BOOL":
        return {"false": "no", "true": "yes"}[expr.strip()]
    if kind == "PERCENT":
        return "%d%%" % round(float(expr) * 100)
    if kind in ("DURATION", "SIZE", "INT"):
        return human(kind, num(expr))
    return None

# the page's sections: ".Ss [daemon]" ... and their ".It Cm key No = ..." paragraphs
names = {"daemon": "DAEMON", "feed": "FEED", "watchlist": "WATCHLIST", "sink": "SINK"}
documented = {}
for m in re.finditer(r'^\.Ss \[(\w+)[^\n]*\n(.*?)(?=^\.S[sh] )', page, re.S | re.M):
    sec = names.get(m.group(1))
    if not sec:
        continue
    for p in re.split(r"^(?=\.It Cm \w+ No = )", m.group(2), flags=re.M)[1:]:
        k = re.match(r"\.It Cm (\w+)", p).group(1)
        documented[(sec, k)] = " ".join(l for l in p.splitlines())
n = 0
def tap(ok, what, extra=""):
    global n
    n += 1
    print("%s %d - %s" % ("ok" if ok else "not ok", n, what))
    if not ok and extra:
        print("#   " + extra)
for sec, k, kind, f, lo, hi in keys:
    text = documented.get((sec, k))
    tap(text is not None, "feedwatchd.conf(5) documents [%s] %s" % (sec.lower(), k))
    if text is None:
        continue
    lo, hi = num(lo), num(hi)
    if kind in ("DURATION", "SIZE", "PERCENT", "INT") and (lo or hi):
        want = "from %s to %s" % (human(kind, lo), human(kind, hi))
        tap(want in text, "[%s] %s: bounds '%s'" % (sec.lower(), k, want), text[:300])
    d = default_text(sec, kind, f) if f else None
    if d is not None:
        want = "Default: " + d
        tap(want in text, "[%s] %s: '%s'" % (sec.lower(), k, want), text[:300])
extra = sorted("[%s] %s" % (s.lower(), k) for s, k in documented
               if (s, k) not in {(sec, k2) for sec, k2, *_ in keys})
tap(not extra, "feedwatchd.conf(5) documents no key the table lacks", " ".join(extra))
print("count %d" % len(keys))
EOF
# renumber the script's TAP lines into this file's sequence
while IFS= read -r line; do
	case $line in
	"ok "*) ok "${line#ok * - }" ;;
	"not ok "*) fail "${line#not ok * - }" ;;
	"count "*) nkeys=${line#count } ;;
	*) echo "$line" ;;
	esac
done <"$TMP/keys.tap"
check "conf.c's table was read (${nkeys:-0} keys)" test "${nkeys:-0}" -ge 30

# the sink formats and types conf.c accepts
for f in $(sed -n '/case T_FORMAT:/,/};/p' daemon/conf.c | grep -oE '\{ "[a-z0-9]+"' | tr -d '{" '); do
	check "feedwatchd.conf(5) describes format '$f'" grep -qE "Ql $f|Cm $f" "$TMP/fw5"
done
for t in syslog webhook stdout; do
	check "feedwatchd.conf(5) has a section on $t sinks" grep -qx "\.Ss $t" "$TMP/fw5"
done
# the template placeholders of the webhook sink
if [ -f daemon/sink_webhook.c ]; then
	fields=$(sed -n '/tmpl_fields\[\] = {/,/^};/p' daemon/sink_webhook.c | grep -oE '\{ "[a-z.]+"' | tr -d '{" ')
	check "sink_webhook.c has template fields" test -n "$fields"
	for f in $fields; do
		check "feedwatchd.conf(5) lists the template field {{$f}}" grep -qE "^\.Ql $f( |$)" "$TMP/fw5"
	done
else
	ok "# SKIP daemon/sink_webhook.c is not there yet: template fields not checked"
fi

# ---- the examples of feedwatchd.conf(5) are valid configurations -----------------------
"$PY" - "$TMP/fw5" "$TMP/ex" <<'EOF'
import re, sys
page = open(sys.argv[1]).read()
blocks = re.findall(r"^\.Bd -literal[^\n]*\n(.*?)^\.Ed", page, re.S | re.M)
n = 0
for b in blocks:
    b = re.sub(r"\\\[u([0-9A-F]{4,5})\]", lambda m: chr(int(m.group(1), 16)), b)
    if re.search(r"^\[(daemon|feed|watchlist|sink)", b, re.M):
        n += 1
        open("%s.%d.conf" % (sys.argv[2], n), "w").write(b)
EOF
nex=0
for f in "$TMP"/ex.*.conf; do
	[ -f "$f" ] || continue
	nex=$((nex + 1))
	out=$("$FEEDWATCHD" check -c "$f" 2>&1); rc=$?
	is "feedwatchd.conf(5) example $nex ($(grep -m1 -o '^\[[a-z]* *"*[a-z-]*' "$f")...) passes check" "$rc" 0
	[ "$rc" = 0 ] || sed 's/^/#   | /' <<<"$out"
done
check "feedwatchd.conf(5) has configuration examples ($nex)" test "$nex" -ge 2

done_testing
