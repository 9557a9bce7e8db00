#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# fuzz.sh -- build the libFuzzer targets of fuzz/ (clang, ASan+UBSan, in
# build-fuzz) and run each for a bounded time. Per target:
#   1. the leak checks must fire on a deliberate leak (FUZZ_SELFTEST), so a
#      quiet run means something;
#   2. the seed corpus (fuzz/corpus/<target>) and every saved finding
#      (fuzz/findings/<target>: library defects found before) must run
#      clean, so the target fails until each finding is fixed;
#   3. fuzzing from the seeds for SECONDS (default 60) must find nothing
#      new: no crash, memory error, undefined behaviour, leak or broken
#      promise (FUZZ_SKIP_KNOWN=1: the saved findings do not stop it).
# New inputs go to a scratch corpus, crashes to build-fuzz/artifacts/.
# Prints "N passed, N failed" counting targets; exits non-zero on any
# failure. How to fuzz for hours and reproduce a crash: fuzz/README.md.
#
# Usage: scripts/fuzz.sh [-t SECONDS] [api|sysfs ...]
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
secs=60
while getopts t: o; do
	case $o in
	t) secs=$OPTARG ;;
	*)
		echo "usage: $0 [-t SECONDS] [api|sysfs ...]" >&2
		exit 2
		;;
	esac
done
shift $((OPTIND - 1))
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(api sysfs)

bash "$top/scripts/deps.sh" test || exit 1
build=$top/build-fuzz
log=$(mktemp -d /tmp/pmem2-fuzz-logs.XXXXXX)
echo "==== build (clang, ASan+UBSan, libFuzzer) in $build"
if ! { cmake -S "$top" -B "$build" -DCMAKE_C_COMPILER=clang \
	-DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug -DSANITIZE=ON \
	-DFUZZ=ON >"$log/cmake.log" 2>&1 &&
	cmake --build "$build" -j"$(nproc)" --target fuzz_api fuzz_sysfs \
		>"$log/build.log" 2>&1; }; then
	tail -n 40 "$log/cmake.log" "$log/build.log"
	echo "0 passed, ${#targets[@]} failed"
	exit 1
fi
mkdir -p "$build/artifacts"

export ASAN_OPTIONS=detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
pass=0
fail=0

# The checks must be able to fail: each deliberate leak must be reported.
selftest() { # binary seed
	local kind want
	for kind in fd map file heap; do
		case $kind in
		fd) want='file descriptors: ' ;;
		map | file) want='outlived the input' ;;
		heap) want='LeakSanitizer' ;;
		esac
		if FUZZ_SELFTEST=$kind "$1" -runs=1 "$2" >"$log/self-$kind.log" 2>&1 ||
			! grep -q "$want" "$log/self-$kind.log"; then
			echo "the $kind leak check did not fire:"
			tail -n 20 "$log/self-$kind.log"
			return 1
		fi
	done
}

for t in "${targets[@]}"; do
	bin=$build/fuzz/fuzz_$t
	seeds=$top/fuzz/corpus/$t
	if [ ! -x "$bin" ] || [ ! -d "$seeds" ]; then
		echo "FAIL $t: no such target"
		fail=$((fail + 1))
		continue
	fi
	work=$(mktemp -d "/tmp/pmem2-fuzz-$t.XXXXXX")
	mkdir "$work/corpus" "$work/tmp"
	# the sysfs target's fake tree: tmpfs if there is one
	tree=$(mktemp -d /dev/shm/pmem2-fuzz-tree.XXXXXX 2>/dev/null || echo "$work/tmp")
	export FUZZ_TREE_DIR=$tree
	cp "$seeds"/* "$work/corpus/"
	ok=1
	echo "==== $t: leak checks"
	selftest_ok=1
	seed1=$(find "$seeds" -type f | sort | head -1)
	TMPDIR=$work/tmp selftest "$bin" "$seed1" || ok=0 selftest_ok=""
	echo "==== $t: seeds and saved findings"
	replay=("$seeds"/*)
	[ -d "$top/fuzz/findings/$t" ] && replay+=("$top/fuzz/findings/$t"/*)
	if [ -n "$selftest_ok" ] && ! TMPDIR=$work/tmp "$bin" -runs=1 "${replay[@]}" \
		>"$log/$t-replay.log" 2>&1; then
		tail -n 60 "$log/$t-replay.log"
		ok=0
	fi
	# (fuzzing goes on after a failed replay, to look for other defects;
	# the known ones, which the replay reports, do not stop it there)
	echo "==== $t: fuzzing for $secs s"
	if [ -n "$selftest_ok" ] && ! FUZZ_SKIP_KNOWN=1 TMPDIR=$work/tmp nice -n 10 "$bin" \
		-max_total_time="$secs" -max_len=1024 -timeout=60 \
		-print_final_stats=1 -artifact_prefix="$build/artifacts/$t-" \
		"$work/corpus" >"$log/$t.log" 2>&1; then
		tail -n 80 "$log/$t.log"
		ok=0
	fi
	grep -E '^#[0-9]+[[:space:]]+DONE' "$log/$t.log" 2>/dev/null | tail -n 1
	grep -E '^stat::(number_of_executed_units|new_units_added)' \
		"$log/$t.log" 2>/dev/null
	rm -rf "$work" "$tree"
	if [ $ok = 1 ]; then
		echo "ok   $t"
		pass=$((pass + 1))
	else
		echo "FAIL $t (logs: $log; crashing inputs: $build/artifacts/)"
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
