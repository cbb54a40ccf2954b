#!/usr/bin/env bash
# Runs every test of the stack and ends with one line "N passed, M failed"
# (", K skipped" when some were skipped). Each suite writes TAP; its output is
# kept under $BUILD/check/. Called by 'make check' after the build.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
BUILD=${BUILD:-build}
S4_CACHE=${S4_CACHE:-$HOME/.cache/s4}
logs=$BUILD/check
rm -rf "$logs"
mkdir -p "$logs"
extra_fail=0

# suite NAME COMMAND...: runs a TAP-printing command, shows and keeps its output.
# A command that fails without a failing TAP line counts as one failure.
suite() {
	local name=$1 rc
	shift
	echo "==== $name"
	"$@" 2>&1 | tee "$logs/$name.tap"
	rc=${PIPESTATUS[0]}
	if [ "$rc" -ne 0 ] && ! grep -q '^not ok ' "$logs/$name.tap"; then
		echo "not ok 1 $name # exited with status $rc" | tee -a "$logs/$name.tap"
	fi
}

# check NAME COMMAND...: a one-result check (lint, build), as TAP.
check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		echo "ok 1 $name"
	else
		printf '%s\n' "$out" | tail -n 40 | sed 's/^/# /'
		echo "not ok 1 $name"
	fi
}

# ---- host: the card model, engine and packer, plainly and under ASan/UBSan --
for t in "$BUILD"/host/* "$BUILD"/host-asan/*; do
	[ -x "$t" ] || continue
	suite "$(basename "$(dirname "$t")")-$(basename "$t")" "$t"
done

# ---- static checks -----------------------------------------------------------
suite lint check "checkpatch --strict on driver/" \
	sh -c "cd driver && perl '${S4_KSRC:-/usr/src/linux-source-6.12}/scripts/checkpatch.pl' --no-tree --strict --terse -q -f ./*.c ./*.h"
suite clang-build check "userspace builds warning-free with clang" \
	make --no-print-directory CC=clang BUILD="$BUILD/clang" userspace
suite fuzz check "fuzzers find nothing in ${FUZZ_SECONDS:=10} s each" \
	make --no-print-directory fuzz FUZZ_SECONDS="$FUZZ_SECONDS"

# ---- guest: the driver, libs4 and tools against two virtual cards -------------
suite guest tests/vm/run.sh --cards 2 --log "$logs/guest-console.log" -- \
	'export S4_TEST_CARDS=2; rc=0; for t in /usr/lib/s4/tests/*; do $t || rc=1; done; exit $rc'

# ---- summary -------------------------------------------------------------------
cat "$logs"/*.tap >"$logs/all.tap"
pass=$(grep -E '^ok [0-9]+ ' "$logs/all.tap" | grep -vc '# SKIP')
skip=$(grep -E '^ok [0-9]+ .*# SKIP' "$logs/all.tap" | wc -l)
fail=$(grep -cE '^not ok [0-9]+ ' "$logs/all.tap")
echo
grep -E '^not ok ' "$logs/all.tap" | sed 's/^/FAILED: /'
echo "guest console log: $logs/guest-console.log"
if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
