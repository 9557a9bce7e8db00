#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_bench.sh BUILD_DIR SOURCE_DIR -- the benchmark still works: run.sh
# runs every case of bench-ours and (when Debian's libpmem2-dev was found at
# configure time) of bench-pmdk once, with one call per case (BENCH_SMOKE),
# and the machine's loops; every case must answer, every answer must be a
# well-formed line, and the report must come out whole. Each case checks
# after its timing that one more call wrote every byte of its destination
# and nothing beside it (bench.c exits 3 otherwise, which fails run.sh);
# BENCH_CHECK_SELFTEST shows that this check fails when nothing is written.
# No timing is judged here: that is bench/run.sh's job on a quiet machine.
# Prints "N passed, N failed"; exits non-zero on any failure.

BUILD=${1:?usage: test_bench.sh BUILD_DIR SOURCE_DIR}
SRC=${2:?usage: test_bench.sh BUILD_DIR SOURCE_DIR}
OURS="$BUILD/bench/bench-ours"
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need_built "$OURS"
need_built "$BUILD/bench/pmemset-scale"
scratch test_bench
# shellcheck source=/dev/null
. "$BUILD/bench/reference.env"
export BENCH_DIR=/dev/shm
[ -w /dev/shm ] || BENCH_DIR=$SCRATCH

# run.sh end to end, every case once, in the build as it is
out=$SCRATCH/run.out
if BENCH_NO_CONFIGURE=1 BENCH_SMOKE=1 BENCH_ROUNDS=1 \
	bash "$SRC/bench/run.sh" "$BUILD" >"$out" 2>"$SCRATCH/run.err"; then
	ok
else
	fail "bench/run.sh (smoke) failed: $(tail -n 5 "$SCRATCH/run.err")"
	summary
fi
# a copy: the A/A run below writes the build's results.tsv again
cp "$BUILD/bench/results.tsv" "$SCRATCH/results.tsv"
results=$SCRATCH/results.tsv

# every case of WHO answered exactly once, with a well-formed line
answered() {
	local who=$1 list=$2 key n bad=0 missing=0
	while read -r key; do
		n=$(awk -F'\t' -v w="$who" -v k="$key" '
			$1 == w && $3 "/" $4 "/" $5 "/" $6 "/" $7 == k' "$results" | wc -l)
		[ "$n" = 1 ] || { missing=$((missing + 1)); echo "  $who $key: $n answers"; }
	done <"$list"
	bad=$(awk -F'\t' -v w="$who" '$1 == w && !($8 ~ /^[0-9]+(\.[0-9]+)?$/ && $8 > 0)' \
		"$results" | wc -l)
	[ "$missing" = 0 ] && [ "$bad" = 0 ] && [ -s "$list" ]
}
"$OURS" list >"$SCRATCH/list"
"$OURS" list-own >"$SCRATCH/own"
cat "$SCRATCH/list" "$SCRATCH/own" >"$SCRATCH/all-ours"
check "every case of bench-ours answered once, well formed" \
	answered ours "$SCRATCH/all-ours"
check "the libpmemset cases are there" \
	grep -q '^pmemset_memcpy/CLx10000/4096/0/hot$' "$SCRATCH/own"
check "cold and append destinations for every granularity" \
	test "$(grep -cE '^mem(cpy|set)/(CL|PAGE|BYTE)/[0-9]+/[A-Z0-9]+/(cold|append)$' \
		"$SCRATCH/list")" = 288
check "thread cases on CACHE_LINE and PAGE" \
	grep -q '^threads/PAGE/4096/0/append$' "$SCRATCH/list"
if [ "$BENCH_PMDK" = 1 ]; then
	need_built "$BUILD/bench/bench-pmdk"
	check "every case of bench-pmdk answered once, well formed" \
		answered pmdk "$SCRATCH/list"
	check "bench-pmdk lists the same common cases" \
		cmp -s "$SCRATCH/list" <("$BUILD/bench/bench-pmdk" list)
	check "bench-pmdk has no libpmemset case" \
		test -z "$("$BUILD/bench/bench-pmdk" list-own)"
	# the A/A run: PMDK on both sides, checked by run.sh (check_lib)
	aa_out=$SCRATCH/aa.out
	if BENCH_AA=1 BENCH_NO_CONFIGURE=1 BENCH_SMOKE=1 BENCH_ROUNDS=1 \
		BENCH_FILTER='^memcpy/CL/64/0/hot$' \
		bash "$SRC/bench/run.sh" "$BUILD" >"$aa_out" 2>"$SCRATCH/aa.err"; then
		check "an A/A run says so and has no libpmemset case" \
			bash -c "grep -q 'A/A RUN' '$aa_out' &&
				test \$(awk -F'\t' '\$1 == \"ours\"' '$BUILD/bench/results.tsv' | wc -l) = 1 &&
				! grep -q 'pmemset' '$BUILD/bench/results.tsv'"
	else
		fail "bench/run.sh (A/A smoke) failed: $(tail -n 5 "$SCRATCH/aa.err")"
	fi
	# close calls: with a band that takes every case, each of the two
	# cases gets the extra rounds on both sides and the report says so;
	# with a band that takes none, no case does
	cc_out=$SCRATCH/close.out
	cc_filter='^memcpy/CL/64/0/hot$|^persist/CL/64/-/hot$'
	if BENCH_NO_CONFIGURE=1 BENCH_SMOKE=1 BENCH_ROUNDS=1 BENCH_EXTRA_ROUNDS=2 \
		BENCH_CLOSE_BAND=1000 BENCH_FILTER="$cc_filter" \
		bash "$SRC/bench/run.sh" "$BUILD" >"$cc_out" 2>"$SCRATCH/close.err"; then
		check "close calls: rounds 1-3 of both cases on both sides" \
			test "$(awk -F'\t' '$1 != "machine" { print $1, $2, $3 }' \
				"$BUILD/bench/results.tsv" | sort -u | wc -l)" = 12
		check "close calls: round 3 of each case on each side" \
			test "$(awk -F'\t' '$1 != "machine" && $2 == 3' \
				"$BUILD/bench/results.tsv" | wc -l)" = 4
		check "close calls: the report counts them and shows their rounds" \
			bash -c "grep -q '^Close calls: 2 cases' '$cc_out' &&
				grep -q '^| memcpy | CL | 64 B | 0 |.* (3) |' '$cc_out'"
	else
		fail "bench/run.sh (close calls) failed: $(tail -n 5 "$SCRATCH/close.err")"
	fi
	if BENCH_NO_CONFIGURE=1 BENCH_SMOKE=1 BENCH_ROUNDS=1 BENCH_EXTRA_ROUNDS=2 \
		BENCH_CLOSE_BAND=-1 BENCH_FILTER="$cc_filter" \
		bash "$SRC/bench/run.sh" "$BUILD" >"$cc_out" 2>"$SCRATCH/close.err"; then
		check "no close call: one round only, no close-call line" \
			bash -c "test \$(awk -F'\t' '\$1 != \"machine\" && \$2 != 1' \
				'$BUILD/bench/results.tsv' | wc -l) = 0 &&
				! grep -q '^Close calls' '$cc_out'"
	else
		fail "bench/run.sh (no close call) failed: $(tail -n 5 "$SCRATCH/close.err")"
	fi
	if [ "$BENCH_PAIR" = 1 ]; then
		need_built "$BUILD/bench/bench-pair"
		check "bench-pair runs one case with both libraries" \
			bash -c "'$BUILD/bench/bench-pair' '$BUILD/libpmem2.so.1' BYTE memset 4096 0 cold |
				grep -q '^BYTE memset 4096 flags 0 cold: PMDK [0-9.]* ns, ours [0-9.]* ns'"
	else
		skip "sanitizer build: no bench-pair (dlmopen cannot load an instrumented library)"
	fi
else
	skip "Debian's libpmem2-dev was not found at configure time: no bench-pmdk"
fi
check "the machine's loops ran" \
	test "$(awk -F'\t' '$1 == "machine"' "$results" | wc -l)" -ge 35
check "the thread cases report one thread and the thread count" \
	test -z "$(awk -F'\t' '$3 == "threads" && !($9 > 0 && $10 >= 1)' "$results")"
check "large copies are paired with the NT loop" \
	test -z "$(awk -F'\t' '$3 ~ /^mem/ && $5 >= 2097152 && !($9 > 0)' "$results")"
for section in "#### Destination \"hot\"" "#### Destination \"cold\"" \
	"#### Destination \"append\"" "### Persist and map" "### Threads" \
	"### libpmemset's data path" "### The machine" "### Targets"; do
	check "the report has '$section'" grep -qF "$section" "$out"
done
check "the report says it is a smoke run" grep -q "SMOKE RUN" "$out"

# the check that every case wrote its destination can fail
err=$SCRATCH/selftest.err
BENCH_SMOKE=1 BENCH_CHECK_SELFTEST=1 BENCH_FILTER=memcpy/PAGE/4096/0/cold \
	"$OURS" lib >/dev/null 2>"$err"
rc=$?
check "a case that did not write its destination fails (exit 3)" test "$rc" = 3
check "and says which byte" grep -q "memcpy/PAGE/4096/0/cold: byte 0 of 4096 not written" "$err"
BENCH_SMOKE=1 BENCH_FILTER=memcpy/PAGE/4096/0/cold "$OURS" lib >/dev/null 2>"$err"
check "the same case with the call passes" test $? = 0

summary
