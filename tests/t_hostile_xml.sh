#!/usr/bin/env bash
# t_hostile_xml.sh — RELIABILITY.md XML-01 ... XML-15: hostile documents against
# `feedwatchd parse`. Every attack file is generated here, at test time, into $TMP
# (tests/hostile/hostile.py). Each run goes through tests/hostile/runlimited.py, which
# enforces a wall-clock limit, sets an 8 MiB stack and reports the exit status, signal,
# elapsed time and peak RSS (wait4). For every run we check:
#   - exit 0 or 1: never a signal or a timeout;
#   - stderr at most 3 lines and no sanitizer report; exit 0 means strict JSON on stdout;
#   - peak RSS and wall time under the bound of that line (RSS is not checked in a
#     sanitizer build: ASan's shadow memory and quarantine dwarf the bounds; times are
#     multiplied by 5 there);
# and then the specific outcome the line asks for.
# HOSTILE=part-of-label restricts the run (e.g. HOSTILE=XML-06).
cd "$(dirname "$0")/.." || exit 1
. tests/lib/tap.sh
. tests/lib/httpfixture.sh

[[ $FEEDWATCHD == /* ]] || FEEDWATCHD=$TOP/$FEEDWATCHD	# some runs change directory
H="$PY $TOP/tests/hostile/hostile.py"
RUNL="$PY $TOP/tests/hostile/runlimited.py"
SANITIZED=0
if [ "${SAN:-0}" = 1 ] || { [ -x "$FEEDWATCHD" ] && ldd "$FEEDWATCHD" 2>/dev/null | grep -q 'libasan\|libubsan'; }; then
	SANITIZED=1
fi
TSCALE=$([ "$SANITIZED" = 1 ] && echo 5 || echo 1)
HARD_LIMIT=$((30 * TSCALE))	# runlimited kills the parser after this many seconds
MARKER=FWSECRET-$($PY -c 'import uuid; print(uuid.uuid4().hex)')
D=$TMP/h
mkdir -p "$D"

want() { [ -z "${HOSTILE:-}" ] || [[ $1 == *$HOSTILE* ]]; }

# gen NAME KIND [key=value...]: writes $D/NAME.xml
gen() { local name=$1 kind=$2; shift 2; $H gen "$kind" "$D/$name.xml" "$@"; }

# prun NAME [runlimited options...] -- [parse arguments...]: runs the parser on $D/NAME.xml
# (or whatever the arguments say) and sets R_RC R_SIG R_TIMEDOUT R_WALL_MS R_RSS_KB.
prun() {
	local name=$1 ropts=()
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do ropts+=("$1"); shift; done
	shift
	eval "$($RUNL --timeout "$HARD_LIMIT" "${ropts[@]}" --out "$D/$name.out" \
		--err "$D/$name.err" -- "$FEEDWATCHD" parse "$@")"
}

# hchk NAME LABEL CHECK [key=value...]: one TAP line from a hostile.py check of run NAME.
hchk() {
	local name=$1 label=$2 kind=$3 out
	shift 3
	if out=$($H check "$kind" "$D/$name.out" "$D/$name.err" "$R_RC" "$@"); then ok "$label"
	else fail "$label"; printf '%s\n' "$out"; show "$name"; fi
}

show() {
	diag "rc=$R_RC signal=$R_SIG timed_out=$R_TIMEDOUT wall=${R_WALL_MS}ms rss=${R_RSS_KB}KB"
	diag "stderr: $(head -c 300 "$D/$1.err" | tr '\n' '|')"
	diag "stdout: $(head -c 300 "$D/$1.out" | tr '\n' '|')"
}

# survive NAME LABEL RSS_MB WALL_S: the three generic checks of every run.
survive() {
	local name=$1 label=$2 rss_mb=$3 wall_s=$4 lines
	if [ "$R_TIMEDOUT" = 0 ] && [ "$R_SIG" = 0 ] && { [ "$R_RC" = 0 ] || [ "$R_RC" = 1 ]; }; then
		ok "$label: exit $R_RC, no signal, no timeout"
	else
		fail "$label: exit 0 or 1, no signal, no timeout"; show "$name"
	fi
	lines=$(wc -l <"$D/$name.err")
	if [ "$lines" -le 3 ] && ! grep -qE 'Sanitizer|runtime error:|LeakSanitizer' "$D/$name.err" &&
		$H check json "$D/$name.out" "$D/$name.err" "$R_RC" >"$D/$name.jsonchk"; then
		ok "$label: $lines stderr line(s), no sanitizer report, JSON iff exit 0"
	else
		fail "$label: at most 3 stderr lines, no sanitizer report, JSON iff exit 0"
		cat "$D/$name.jsonchk" 2>/dev/null; show "$name"
	fi
	if [ "$SANITIZED" = 1 ]; then
		ok "$label: peak RSS ${R_RSS_KB} KB # SKIP sanitizer build"
	elif [ "$R_RSS_KB" -lt $((rss_mb * 1024)) ]; then
		ok "$label: peak RSS ${R_RSS_KB} KB < $rss_mb MB"
	else
		fail "$label: peak RSS ${R_RSS_KB} KB < $rss_mb MB"
	fi
	if [ "$R_WALL_MS" -lt $((wall_s * 1000 * TSCALE)) ]; then
		ok "$label: ${R_WALL_MS} ms < $((wall_s * TSCALE)) s"
	else
		fail "$label: ${R_WALL_MS} ms < $((wall_s * TSCALE)) s"
	fi
}

# fifo_start PATH: a FIFO at PATH that records any attempt to open it for reading.
fifo_start() {
	rm -f "$1" "$1.res" "$1.stop"
	mkfifo "$1"
	$H fifo-watch "$1" "$MARKER" "$1.res" "$1.stop" &
	FIFO_PID=$!
	at_exit "kill $FIFO_PID"
}
# fifo_check PATH LABEL: stops the watcher; ok when nothing opened the FIFO.
fifo_check() {
	touch "$1.stop"
	wait "$FIFO_PID"
	is "$2" "$(cat "$1.res" 2>/dev/null)" "untouched"
}

if [ ! -x "$FEEDWATCHD" ]; then
	fail "feedwatchd binary at $FEEDWATCHD"
	done_testing
	exit 1
fi

# --- the harness itself: a plain feed parses, and a crash is seen as one -----------------
gen sane damage kind=none
prun sane -- "$D/sane.xml"
if [ "$R_RC" = 0 ] && $H check first_items "$D/sane.out" "$D/sane.err" 0 n=4 >/dev/null; then
	ok "harness: a plain feed parses (baseline RSS ${R_RSS_KB} KB, ${R_WALL_MS} ms)"
else
	fail "harness: a plain feed parses"; show sane
fi
eval "$($RUNL --timeout 5 --out "$D/crash.out" --err "$D/crash.err" -- sh -c 'kill -SEGV $$')"
is "harness: a SIGSEGV is reported as 128+11" "$R_RC/$R_SIG" "139/11"
eval "$($RUNL --timeout 1 --out "$D/hang.out" --err "$D/hang.err" -- sleep 5)"
is "harness: a hang is killed and reported" "$R_TIMEDOUT" 1

# --- XML-01 billion laughs ---------------------------------------------------------------
for v in utf8 utf16; do
	L="XML-01 billion laughs ($v)"
	want "$L" || continue
	gen laughs-$v laughs $([ $v = utf16 ] && echo utf16=1)
	check "$L: document under 1 KB" test "$(stat -c %s "$D/laughs-$v.xml")" -lt $([ $v = utf16 ] && echo 2048 || echo 1024)
	prun laughs-$v -- "$D/laughs-$v.xml"
	survive laughs-$v "$L" 20 1
	hchk laughs-$v "$L: no expansion (output < 64 KB, 'lol' at most 20 times)" small max=65536 word=lol most=20
	hchk laughs-$v "$L: flagged (exit 1 with an error, or bozo)" rejected
done

# --- XML-02 / XML-03 quadratic blowup ----------------------------------------------------
for spec in "text 100000 200" "text 1000000 1000" "enclosure 100000 200" \
	"enclosure 1000000 1000" "atomlink 1000000 1000" "text 1000000 1000 utf16"; do
	set -- $spec
	id=XML-02; [ "$1" != text ] && id=XML-03
	L="$id quadratic blowup in $1, $(($2 / 1000)) KB x $3${4:+ ($4)}"
	want "$L" || continue
	n=quad-$1-$2${4:+-$4}
	gen "$n" quadratic where="$1" size="$2" uses="$3" ${4:+utf16=1}
	prun "$n" -- "$D/$n.xml"
	survive "$n" "$L" 64 5
	hchk "$n" "$L: output < 2 MB" small max=2097152
	hchk "$n" "$L: flagged (exit 1 with an error, or bozo)" rejected
done

# --- XML-04 external general entity, file ------------------------------------------------
printf 'top secret: %s\n' "$MARKER" >"$D/secret.txt"
mkdir -p "$D/rel"
printf 'relative secret: %s\n' "$MARKER" >"$D/rel/secret.txt"
for v in "abs file://$D/secret.txt" "path $D/secret.txt" "rel secret.txt" \
	"desc file://$D/secret.txt" "utf16 file://$D/secret.txt"; do
	set -- $v
	L="XML-04 external entity SYSTEM ($1)"
	want "$L" || continue
	n=ext-$1
	case $1 in
	desc) gen "$n" extent url="$2" where=desc ;;
	utf16) gen "$n" extent url="$2" utf16=1 ;;
	rel) $H gen extent "$D/rel/doc.xml" url="$2"; cp "$D/rel/doc.xml" "$D/$n.xml" ;;
	*) gen "$n" extent url="$2" ;;
	esac
	if [ "$1" = rel ]; then prun "$n" --cwd "$D/rel" -- "$D/rel/doc.xml"
	else prun "$n" -- "$D/$n.xml"; fi
	survive "$n" "$L" 64 2
	hchk "$n" "$L: the secret's marker appears nowhere" absent marker="$MARKER"
done
L="XML-04 external entity SYSTEM (FIFO probe)"
if want "$L"; then
	fifo_start "$D/secret.fifo"
	gen ext-fifo extent url="file://$D/secret.fifo"
	prun ext-fifo --timeout 5 -- "$D/ext-fifo.xml"
	survive ext-fifo "$L" 64 2
	fifo_check "$D/secret.fifo" "$L: the entity's file is never opened"
	hchk ext-fifo "$L: marker appears nowhere" absent marker="$MARKER"
fi

# --- XML-05 external parameter entity ----------------------------------------------------
printf '<!ENTITY leak "%s">\n' "$MARKER" >"$D/pe.dtd"
L="XML-05 external parameter entity (file)"
if want "$L"; then
	gen extpe extpe url="file://$D/pe.dtd"
	prun extpe -- "$D/extpe.xml"
	survive extpe "$L" 64 2
	hchk extpe "$L: not loaded (marker absent)" absent marker="$MARKER"
	fifo_start "$D/pe.fifo"
	gen extpe-fifo extpe url="file://$D/pe.fifo"
	prun extpe-fifo --timeout 5 -- "$D/extpe-fifo.xml"
	survive extpe-fifo "$L, FIFO probe" 64 2
	fifo_check "$D/pe.fifo" "$L: the DTD file is never opened"
fi

# --- XML-06 / XML-07 network: external DTD, entities and XInclude over HTTP --------------
if want XML-06 || want XML-07; then
	if fixture_start WEB; then
		ok "fixture for XML-06/07 listening on port $WEB_PORT"
	else
		fail "fixture for XML-06/07"
	fi
	body=$($PY -c 'import json,sys; print(json.dumps({"body": sys.argv[1], "headers": {"Content-Type": "application/xml-dtd"}}))' "<!ENTITY leak \"$MARKER\">")
	text=$($PY -c 'import json,sys; print(json.dumps({"body": sys.argv[1]}))' "$MARKER")
	for p in /x.dtd /pub.dtd /pe.dtd /x16.dtd; do fixture_route "$WEB_PORT" "$p" "$body"; done
	for p in /e /inc /incxml; do fixture_route "$WEB_PORT" "$p" "$text"; done
	U="http://127.0.0.1:$WEB_PORT"
	for v in "XML-06 dtd extdtd /x.dtd" "XML-06 dtd-public extdtd /pub.dtd public=1" \
		"XML-06 dtd-utf16 extdtd /x16.dtd utf16=1" "XML-06 entity extent /e" \
		"XML-06 param-entity extpe /pe.dtd" \
		"XML-07 xinclude-text xinclude /inc" "XML-07 xinclude-xml xinclude /incxml parse=xml"; do
		set -- $v
		L="$1 $2 at $U$4"
		want "$L" || continue
		n=net-$2
		if [ "$3" = xinclude ]; then gen "$n" xinclude href="$U$4" $5
		else gen "$n" "$3" url="$U$4" $5; fi
		prun "$n" -- "$D/$n.xml"
		survive "$n" "$L" 64 2
		is "$L: the fixture got 0 requests for $4" "$(fixture_hits "$WEB_PORT" "$4")" 0
		hchk "$n" "$L: marker appears nowhere" absent marker="$MARKER"
	done
	L="XML-07 xinclude of a local file"
	if want "$L"; then
		gen xinc-file xinclude href="file://$D/secret.txt"
		prun xinc-file -- "$D/xinc-file.xml"
		survive xinc-file "$L" 64 2
		hchk xinc-file "$L: marker appears nowhere" absent marker="$MARKER"
		fifo_start "$D/xinc.fifo"
		gen xinc-fifo xinclude href="$D/xinc.fifo"
		prun xinc-fifo --timeout 5 -- "$D/xinc-fifo.xml"
		survive xinc-fifo "$L, FIFO probe" 64 2
		fifo_check "$D/xinc.fifo" "$L: the included file is never opened"
	fi
	is "XML-06/07: the fixture got no request at all" "$(fixture_hits_prefix "$WEB_PORT" /)" 0
fi

# --- XML-08 nesting depth ----------------------------------------------------------------
for depth in 300 100000; do
	L="XML-08 nesting depth $depth"
	want "$L" || continue
	gen depth-$depth depth n=$depth
	prun depth-$depth --stack-kb 8192 -- "$D/depth-$depth.xml"
	survive depth-$depth "$L" 64 5
	hchk depth-$depth "$L: rejected (exit 1 with an error, or bozo)" rejected
done

L="XML-08 nesting depth 4,000,000, never closed (12 MB, under max_feed_size)"
if want "$L"; then
	gen depth-4m depth n=4000000 unclosed=1
	prun depth-4m --pipe "$D/depth-4m.xml" -- -
	survive depth-4m "$L" 64 10
	hchk depth-4m "$L: rejected (exit 1 with an error, or bozo)" rejected
fi

# --- beyond the checklist: an attribute flood (pairwise duplicate checks are quadratic) --
L="XML-EXTRA 100,000 attributes on one element (1 MB)"
if want "$L"; then
	gen attrs attrs n=100000
	prun attrs -- "$D/attrs.xml"
	survive attrs "$L" 64 3
fi

# --- XML-09 11 MB text node, streamed ----------------------------------------------------
for v in text cdata; do
	L="XML-09 11 MB $v node through a pipe"
	want "$L" || continue
	gen big-$v bigtext size=$((11 * 1024 * 1024)) $([ $v = cdata ] && echo cdata=1)
	prun big-$v --pipe "$D/big-$v.xml" -- -
	survive big-$v "$L" 64 10
	hchk big-$v "$L: exit 1 with an error, or bozo" rejected
	hchk big-$v "$L: no field over 1 MiB" capped cap=$((1024 * 1024 + 4096))
done

# --- XML-10 long element name ------------------------------------------------------------
L="XML-10 element name of 60,000 characters"
if want "$L"; then
	gen longname longname n=60000
	prun longname -- "$D/longname.xml"
	survive longname "$L" 64 5
	hchk longname "$L: exit 1 with an error, or bozo" rejected
fi

# --- XML-11 invalid UTF-8 ----------------------------------------------------------------
for where in title cdata attr; do
	L="XML-11 invalid UTF-8 in a $where"
	want "$L" || continue
	gen badutf8-$where badutf8 where=$where
	prun badutf8-$where -- "$D/badutf8-$where.xml"
	survive badutf8-$where "$L" 64 2
	hchk badutf8-$where "$L: stdout and stderr are valid UTF-8" utf8
	hchk badutf8-$where "$L: bozo, or exit 1 naming UTF-8/encoding" rejected pattern='utf-?8|encod'
done

# --- XML-12 encodings --------------------------------------------------------------------
for v in "utf16le text12emoji" "utf16be text12emoji" "latin1 text12" \
	"cp1252 cp1252 --charset windows-1252" "utf16le text12emoji --charset ISO-8859-1"; do
	set -- $v
	kind=$1 wanted=$2
	shift 2
	L="XML-12 $kind${1:+ with $1 $2}"
	want "$L" || continue
	n=cs-$kind${2:+-$2}
	gen "$n" charset kind="$kind"
	prun "$n" -- "$@" "$D/$n.xml"
	survive "$n" "$L" 64 2
	hchk "$n" "$L: output is valid UTF-8" utf8
	hchk "$n" "$L: non-ASCII title decoded exactly" title id=item-1 want="$wanted"
	[ "$kind" = cp1252 ] || hchk "$n" "$L: exit 0, bozo false" not_bozo
done

# --- XML-13 unknown encoding -------------------------------------------------------------
for v in decl charset; do
	L="XML-13 unknown encoding ($v)"
	want "$L" || continue
	if [ $v = decl ]; then gen badenc-$v badenc; prun badenc-$v -- "$D/badenc-$v.xml"
	else gen badenc-$v damage kind=none; prun badenc-$v -- --charset x-no-such "$D/badenc-$v.xml"; fi
	survive badenc-$v "$L" 64 2
	hchk badenc-$v "$L: exit 1 naming the encoding, or bozo" rejected pattern='encoding|x-no-such'
done

# --- XML-14 NUL and &#x1; ----------------------------------------------------------------
for v in "nul title" "nul description" "ctrlref title" "ctrlref description" "nul title utf16" \
	"ctrlref title utf16"; do
	set -- $v
	L="XML-14 ${1/ctrlref/&#x1;} in item 3's $2${3:+ ($3)}"
	want "$L" || continue
	n=damage-$1-$2${3:+-$3}
	gen "$n" damage kind="$1" where="$2" ${3:+utf16=1}
	prun "$n" -- "$D/$n.xml"
	survive "$n" "$L" 64 2
	hchk "$n" "$L: bozo, items 1-2 kept, item 3 not emitted" damage
done

# --- XML-15 titles that try to break JSON and syslog -------------------------------------
L="XML-15 hostile titles"
if want "$L"; then
	gen titles titles
	prun titles -- "$D/titles.xml"
	survive titles "$L" 64 2
	hchk titles "$L: strict JSON, every title round-trips (whitespace squeezed)" titles15
	gen titles16 titles utf16=1
	prun titles16 -- "$D/titles16.xml"
	survive titles16 "$L (utf16)" 64 2
	hchk titles16 "$L (utf16): every title round-trips" titles15
fi

done_testing
