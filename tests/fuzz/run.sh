#!/usr/bin/env bash
# tests/fuzz/run.sh — build fuzz_feed, seed build/fuzz/corpus and fuzz for SECONDS seconds.
#
#   tests/fuzz/run.sh SECONDS            one libFuzzer job (-jobs=1); stops at the first finding
#   FUZZ_KEEP_GOING=1 tests/fuzz/run.sh SECONDS
#                                        -fork=1 with -ignore_crashes: keeps fuzzing after a
#                                        finding, saving every one (for long unattended runs)
#   FUZZ_ARGS="-max_len=4096" ...        extra libFuzzer flags
#   FUZZ_OUT=build/fuzz-x FUZZ_SAN="..."  build the target elsewhere with other sanitizer flags
#                                        (e.g. without a check that a known finding trips);
#                                        the corpus and findings stay in build/fuzz
#   fuzz_feed's own switches pass through: FUZZ_NO_STOP, FUZZ_STRICT, FUZZ_DUMP, FUZZ_CUTS,
#   FUZZ_ONLY (see tests/fuzz/fuzz_feed.c); tests/fuzz/minimize.py shrinks a finding.
#
# The corpus is a working copy in build/fuzz/corpus: the seeds (tests/feeds/* plus the hostile
# documents gen_seeds.py writes) are added on every run, and what the fuzzer learns stays there
# for the next run. Findings (crash-*, leak-*, timeout-*, oom-*) go to build/fuzz/crashes/.
# Reproduce one with: build/fuzz/fuzz_feed build/fuzz/crashes/crash-...
# At the end it prints the executions, the coverage (cov: edges, ft: features) and the findings.
set -u
cd "$(dirname "$0")/../.." || exit 1
secs=${1:?usage: tests/fuzz/run.sh SECONDS}
out=$PWD/build/fuzz
bindir=${FUZZ_OUT:-build/fuzz}
mkargs=(FUZZ_OUT="$bindir")
[ -n "${FUZZ_SAN:-}" ] && mkargs+=(FUZZ_SAN="$FUZZ_SAN")
make --no-print-directory -f tests/fuzz/fuzz.mk "${mkargs[@]}" >/dev/null ||
	{ echo "run.sh: build failed" >&2; exit 1; }
bin=$(cd "$bindir" && pwd)/fuzz_feed
mkdir -p "$out/corpus" "$out/crashes"
/usr/bin/python3 tests/fuzz/gen_seeds.py "$out/corpus" tests/feeds
log=$out/fuzz.log
before=$(ls "$out/crashes" | wc -l)

# -rss_limit_mb is for the whole process, which ASan's quarantine and a large corpus grow
# past 512 MB in a long run (a false "oom" finding that parses in 60 MB alone);
# -malloc_limit_mb still catches one input asking for too much at once.
common=(-max_total_time="$secs" -rss_limit_mb=2048 -malloc_limit_mb=512 -timeout=10 -max_len=65536
	-dict="$PWD/tests/fuzz/feed.dict" -artifact_prefix="$out/crashes/" -print_final_stats=1
	-use_value_profile=1)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
echo "run.sh: fuzzing for ${secs}s; log in $log"
if [ "${FUZZ_KEEP_GOING:-0}" = 1 ]; then
	# shellcheck disable=SC2086
	"$bin" "${common[@]}" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 \
		-ignore_ooms=1 ${FUZZ_ARGS:-} "$out/corpus" >"$log" 2>&1
	rc=$?
else
	# -jobs=1 runs one job in a child; libFuzzer writes its output to fuzz-0.log and
	# prints that file when the job ends.
	rm -f "$out/fuzz-0.log"
	# shellcheck disable=SC2086
	(cd "$out" && exec "$bin" "${common[@]}" -jobs=1 ${FUZZ_ARGS:-} "$out/corpus") \
		>"$log" 2>&1
	rc=$?
fi

echo "---- fuzz_feed summary (exit $rc) ----"
last=$(grep -E '^#[0-9]+' "$log" | grep -E 'cov: ' | tail -1)
echo "last status:  ${last:-none}"
grep -E 'stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb' "$log" | \
	sed 's/^/              /'
echo "kinds of failure seen (numbers, addresses and quoted text folded):"
grep -E '^(==[0-9]+==ERROR|fuzz_feed: MISMATCH|.*runtime error:)' "$log" |
	sed -E 's/==[0-9]+==/==/; s/0x[0-9a-f]+/0x_/g; s/"[^"]*"/"_"/g; s/[0-9]+/N/g' |
	cut -c1-150 | sort | uniq -c | sort -rn | head -20
echo "corpus:       $(ls "$out/corpus" | wc -l) inputs in $out/corpus"
after=$(ls "$out/crashes" | wc -l)
written=$(sed -n 's/.*Test unit written to //p' "$log" | sort -u)
echo "findings:     $(printf '%s' "$written" | grep -c .) written in this run, $((after - before)) of them new" \
	"($after files in $out/crashes/)"
printf '%s\n' "$written" | grep . | head -20 | sed 's|^|              |'
[ -z "$written" ]
