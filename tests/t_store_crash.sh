#!/usr/bin/env bash
# t_store_crash.sh — kill -9 at random moments against the state store (RELIABILITY ST-02
# and ST-10 at the store level, ST-11). A worker (test_store --crash-worker) runs fetch
# transactions (items, ledger claims, outbox rows), deliveries and pruning; it is killed
# with SIGKILL after a random delay, up to 200 times in about 60 s. After every kill:
# the -wal file is still there (we never delete it), and a fresh open passes
# integrity_check with no seen item lacking its ledger row, no alert lacking its outbox
# rows or its logged delivery, and no outbox row without its alert
# (test_store --crash-verify). Then the named crash points, and a crash mid-migration.
source "$(dirname "$0")/lib/tap.sh"

BIN=$TOP/${BUILD:-build}/tests/test_store
if [ ! -x "$BIN" ]; then
	fail "test_store is built ($BIN)"
	done_testing
	exit 1
fi

dir=$TMP/state
wlog=$TMP/worker.log
vlog=$TMP/verify.log
iters=0 killed=0 early=0 wal_missing=0 verify_bad=0
deadline=$((SECONDS + ${STORE_CRASH_SECONDS:-60}))

for i in $(seq 1 "${STORE_CRASH_ITERATIONS:-200}"); do
	[ "$SECONDS" -ge "$deadline" ] && break
	iters=$i
	"$BIN" --crash-worker "$dir" >>"$wlog" 2>&1 &
	pid=$!
	sleep "0.$(printf '%03d' $((RANDOM % 250)))"
	if kill -KILL "$pid" 2>/dev/null; then
		killed=$((killed + 1))
	fi
	wait "$pid" 2>/dev/null
	rc=$?
	if [ "$rc" -ne 137 ]; then	# the worker stopped by itself: an error
		early=$((early + 1))
		diag "iteration $i: worker exited with status $rc"
	fi
	if [ "$i" -gt 1 ] && [ ! -e "$dir/feedwatchd.db-wal" ]; then
		wal_missing=$((wal_missing + 1))
		diag "iteration $i: $dir/feedwatchd.db-wal is missing after the kill"
	fi
	if ! "$BIN" --crash-verify "$dir" >>"$vlog" 2>&1; then
		verify_bad=$((verify_bad + 1))
		diag "iteration $i: $(tail -n 1 "$vlog")"
	fi
done

diag "last verify: $(tail -n 1 "$vlog")"
check "ran at least 20 kill -9 iterations ($iters)" [ "$iters" -ge 20 ]
is "every worker died by SIGKILL, none stopped on an error" "$early" 0
is "integrity_check ok and no seen item without its alerts, after every kill" "$verify_bad" 0
is "the -wal file survived every kill (never deleted by us)" "$wal_missing" 0
last=$(tail -n 1 "$vlog")
items=$(sed -n 's/.*, items=\([0-9]*\).*/\1/p' <<<"$last")
alerts=$(sed -n 's/.*, alerts=\([0-9]*\).*/\1/p' <<<"$last")
delivered=$(sed -n 's/.*, delivered=\([0-9]*\).*/\1/p' <<<"$last")
all_positive() { local v; for v; do [ "${v:-0}" -gt 0 ] || return 1; done; }
check "the workers made progress (items=$items alerts=$alerts delivered=$delivered)" \
	all_positive "$items" "$alerts" "$delivered"
grep -q . "$wlog" && { diag "worker output:"; head -n 5 "$wlog" | sed 's/^/#   /'; }

# Named crash points: abort() just before and just after a fetch's commit.
for point in before-commit after-commit; do
	FEEDWATCHD_CRASH=$point "$BIN" --crash-worker "$dir" >>"$wlog" 2>&1 &
	wait $!
	is "crash point $point aborts the worker" "$?" 134
	"$BIN" --crash-verify "$dir" >>"$vlog" 2>&1
	is "state consistent after crash point $point" "$?" 0
done

# ST-11: a crash in the middle of the schema migration, then a normal start.
fresh=$TMP/fresh
FEEDWATCHD_CRASH=mid-migration "$BIN" --crash-worker "$fresh" >>"$wlog" 2>&1 &
wait $!
is "crash point mid-migration aborts the first start" "$?" 134
out=$("$BIN" --crash-verify "$fresh" 2>&1)
check "the next start completes the migration (integrity ok)" [ $? -eq 0 ]
is "user_version matches the schema" "$(sed -n 's/.*, schema=\([0-9]*\).*/\1/p' <<<"$out")" \
	"$(sed -n 's/^#define STORE_SCHEMA_VERSION[[:space:]]*\([0-9]*\).*/\1/p' "$TOP/include/store.h")"

done_testing
