#!/usr/bin/env bash
# tests/bench/bench-parse.sh — `make bench-parse`: the feed parser against a bare libxml2
# SAX2 push pass (the practical ceiling) and sfeed, on the same bytes. See tests/bench/README.md.
#
# Environment: BUILD (object directory, set by make; default build), BENCH_REPS (5),
# BENCH_MB (corpus size, 100), BENCH_BIG_MB (single feed for peak RSS, 200),
# BENCH_REAL_MB (size the fixture and real-world sets are repeated to, 20), BENCH_REAL_DIR (a
# directory of real feeds saved from the web, measured as a third set; none is shipped),
# BENCH_CALLGRIND=0 to skip valgrind, SFEED (/usr/bin/sfeed).
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
REPS=${BENCH_REPS:-5}
SFEED=${SFEED:-/usr/bin/sfeed}
corpus=build/bench			# generated data, shared by every BUILD
out=$BUILD/bench			# the benchmark binary and callgrind files
mkdir -p "$out" "$corpus"

# --- build bench_parse against the project's objects (all but main.o) -----------------------
objs=()
for o in "$BUILD"/obj/*.o; do [ "${o##*/}" = main.o ] || objs+=("$o"); done
[ -e "${objs[0]:-}" ] || { echo "bench-parse: no objects in $BUILD/obj; run make first" >&2; exit 1; }
san=()
# shellcheck disable=SC2054
case $BUILD in */san) san=(-fsanitize=address,undefined)
	echo "bench-parse: WARNING: sanitizer build; the figures mean nothing" >&2 ;; esac
PKGS=$(sed -n "s/^PKGS *:= *//p" Makefile)	# the same libraries as the project
[ -n "$PKGS" ] || PKGS="libxml-2.0 libcurl jansson inih libutf8proc libpcre2-8 libevent sqlite3 libcrypto"
# shellcheck disable=SC2046,SC2086
${CC:-cc} -O2 -g -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter -iquote include \
	$(pkg-config --cflags $PKGS) "${san[@]}" -o "$out/bench_parse" tests/bench/bench_parse.c \
	"${objs[@]}" $(pkg-config --libs $PKGS) -lm
bench=$out/bench_parse

# --- corpus (generated, cached in build/bench until the generator changes) ------------------
/usr/bin/python3 tests/bench/gen_corpus.py "$corpus" --mb "${BENCH_MB:-100}" --big-mb "${BENCH_BIG_MB:-200}"
expect=$(awk '$3 ~ /^corpus\// { n += $1 } END { print n + 0 }' "$corpus/MANIFEST")
real=()	# the fixtures: crafted documents, most of them small
for f in tests/feeds/*.xml tests/feeds/*.rss tests/feeds/*.atom tests/feeds/*.rdf; do
	[ -f "$f" ] && real+=("$f")
done
web=()	# real feeds, when the operator has some
if [ -n "${BENCH_REAL_DIR:-}" ]; then
	while IFS= read -r -d '' f; do web+=("$f"); done < <(find "$BENCH_REAL_DIR" -type f \
		\( -name '*.xml' -o -name '*.rss' -o -name '*.atom' -o -name '*.rdf' \) -print0 | sort -z)
	[ ${#web[@]} -gt 0 ] || echo "bench-parse: no *.xml/*.rss/*.atom/*.rdf under $BENCH_REAL_DIR" >&2
fi
have_sfeed=(); [ -x "$SFEED" ] && have_sfeed=(--sfeed "$SFEED")
results=$(mktemp)
trap 'rm -f "$results"' EXIT

echo
"$bench" --reps "$REPS" "${have_sfeed[@]}" --label generated --expect-entries "$expect" \
	"$corpus"/corpus/*.xml | tee -a "$results" | grep -v '^RESULT'
if [ ${#real[@]} -gt 0 ]; then
	echo
	"$bench" --reps "$REPS" "${have_sfeed[@]}" --label fixtures --skip-malformed \
		--repeat-to $(( ${BENCH_REAL_MB:-20} * 1000000 )) "${real[@]}" | tee -a "$results" | grep -v '^RESULT'
fi
if [ ${#web[@]} -gt 0 ]; then
	echo
	"$bench" --reps "$REPS" "${have_sfeed[@]}" --label real-world --skip-malformed \
		--repeat-to $(( ${BENCH_REAL_MB:-20} * 1000000 )) "${web[@]}" | tee -a "$results" | grep -v '^RESULT'
fi
echo
"$bench" --peak "$corpus/big-rss20.xml" | tee -a "$results" | grep -v '^RESULT'

# --- callgrind: instructions per byte on the ~5 MB mixed sample -------------------------------
if [ "${BENCH_CALLGRIND:-1}" != 0 ] && command -v valgrind >/dev/null; then
	sample=("$corpus"/sample/*.xml)
	sbytes=$(cat "${sample[@]}" | wc -c)
	echo
	echo "== callgrind on the sample: ${#sample[@]} documents, $(awk -v b="$sbytes" 'BEGIN{printf "%.1f", b/1e6}') MB =="
	for mode in ours bare; do
		valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.$mode" \
			--toggle-collect="bench_pass_$mode" "$bench" --once "$mode" "${sample[@]}" \
			>"$out/callgrind.$mode.log" 2>&1
		ir=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$out/callgrind.$mode.log" | tail -1)
		echo "RESULT callgrind parser=$mode ir=$ir bytes=$sbytes" >>"$results"
		awk -v ir="$ir" -v b="$sbytes" -v m="$mode" 'BEGIN { printf "  %-6s %14d Ir  %6.1f Ir/byte\n", m, ir, ir / b }'
	done
	if [ ${#real[@]} -gt 0 ]; then
		rbytes=$("$bench" --skip-malformed --repeat-to 2000000 --once bare "${real[@]}" |
			sed -n 's/.*bytes=\([0-9]*\).*/\1/p')
		for mode in ours bare; do
			valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.real.$mode" \
				--toggle-collect="bench_pass_$mode" "$bench" --skip-malformed \
				--repeat-to 2000000 --once "$mode" "${real[@]}" \
				>"$out/callgrind.real.$mode.log" 2>&1
			ir=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$out/callgrind.real.$mode.log" | tail -1)
			echo "RESULT callgrind-real parser=$mode ir=$ir bytes=$rbytes" >>"$results"
			awk -v ir="$ir" -v b="$rbytes" -v m="$mode" 'BEGIN { printf "  %-6s %14d Ir  %6.1f Ir/byte  (fixture set, %.1f MB)\n", m, ir, ir / b, b / 1e6 }'
		done
	fi
	if [ -x "$SFEED" ]; then
		cat "${sample[@]}" | valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.sfeed" \
			"$SFEED" >/dev/null 2>"$out/callgrind.sfeed.log"
		ir=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$out/callgrind.sfeed.log" | tail -1)
		echo "RESULT callgrind parser=sfeed ir=$ir bytes=$sbytes" >>"$results"
		awk -v ir="$ir" -v b="$sbytes" 'BEGIN { printf "  %-6s %14d Ir  %6.1f Ir/byte  (whole process)\n", "sfeed", ir, ir / b }'
	fi
	echo "  top 10 functions of ours by own Ir (callgrind_annotate $out/callgrind.ours):"
	callgrind_annotate --inclusive=no --threshold=100 "$out/callgrind.ours" 2>/dev/null | awk '
		/^ *[0-9,]+ +\( *[0-9.]+%\)/ && !/PROGRAM TOTALS/ {
			lib = ""
			if (match($0, / \[[^]]*\]$/)) lib = substr($0, RSTART + 2, RLENGTH - 3)
			sub(/ \[[^]]*\]$/, ""); sub(/^.*\//, "", lib)
			i = index($0, "%)"); fn = substr($0, i + 2); head = substr($0, 1, i + 1)
			sub(/^ +/, "", fn)
			sub(/^[^:]*\//, "", fn)		# keep the file name, drop its directories
			if (fn ~ /^\?\?\?:/) fn = lib substr(fn, 4)
			printf "    %s  %s\n", head, fn
			if (++n == 10) exit
		}' | cut -c1-110
fi

# --- summary ---------------------------------------------------------------------------------
echo
echo "== bench-parse summary (goals: ours >= 0.60 x bare; peak RSS < 32 MB) =="
awk '
/^RESULT set=/ {
	for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	if (!hdr++) printf "  %-11s %-6s %9s %12s %8s\n", "set", "parser", "MB/s", "entries/s", "vs bare"
	mark = ""
	if (v["parser"] == "ours") mark = (v["ratio"] >= 0.60) ? "  ok" : "  BELOW GOAL"
	printf "  %-11s %-6s %9.1f %12.0f %8.2f%s\n", v["set"], v["parser"], v["mbps"], v["eps"], v["ratio"], mark
}
/^RESULT peak/ {
	for (i = 3; i <= NF; i++) { split($i, kv, "="); p[kv[1]] = kv[2] }
	peak = sprintf("  peak RSS, one %.0f MB RSS 2.0 feed: %.1f MB (VmHWM; %.1f MB before parsing)%s",
	    p["bytes"] / 1e6, p["hwm_kb"] / 1024, p["base_kb"] / 1024,
	    (p["hwm_kb"] / 1024 < 32 && p["ok"]) ? "  ok" : "  BELOW GOAL")
}
/^RESULT callgrind / {
	for (i = 3; i <= NF; i++) { split($i, kv, "="); c[kv[1]] = kv[2] }
	irb[c["parser"]] = c["ir"] / c["bytes"]
}
/^RESULT callgrind-real / {
	for (i = 3; i <= NF; i++) { split($i, kv, "="); c[kv[1]] = kv[2] }
	irr[c["parser"]] = c["ir"] / c["bytes"]
}
END {
	if (peak != "") print peak
	if ("ours" in irb) {
		s = sprintf("  Ir/byte (callgrind, 5 MB sample): ours %.1f, bare %.1f", irb["ours"], irb["bare"])
		if ("sfeed" in irb) s = s sprintf(", sfeed %.1f", irb["sfeed"])
		print s sprintf("; bare/ours %.2f", irb["bare"] / irb["ours"])
	}
	if ("ours" in irr)
		printf "  Ir/byte (callgrind, fixture set): ours %.1f, bare %.1f; bare/ours %.2f\n",
		    irr["ours"], irr["bare"], irr["bare"] / irr["ours"]
}' "$results"
