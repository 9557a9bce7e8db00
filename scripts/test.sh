#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test.sh -- build and run every test of the project:
#   1. a normal build (-Werror) and the whole CTest suite,
#   2. an AddressSanitizer + UndefinedBehaviorSanitizer build and its suite,
#   3. a ThreadSanitizer build of the multithreaded tests,
#   4. every test program under valgrind memcheck,
#   5. with --vm: the real-DAX tests inside ../shared/tools/pmem-vm.
# Prints "N passed, N failed" (counted in test programs) at the end; exits
# non-zero on any failure.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
vm=0
[ "${1:-}" = "--vm" ] && vm=1
bash "$top/scripts/deps.sh" "$([ $vm = 1 ] && echo vm || echo test)" || exit 1
jobs=$(nproc)
status=0
total_pass=0
total_fail=0
log=$(mktemp -d /tmp/pmem2-test-logs.XXXXXX)

# sum the "N passed, N failed" lines that test programs print
count() {
	local p f
	p=$(grep -hoE '^[0-9]+ passed, [0-9]+ failed' "$@" 2>/dev/null | awk '{s+=$1} END {print s+0}')
	f=$(grep -hoE '^[0-9]+ passed, [0-9]+ failed' "$@" 2>/dev/null | awk '{s+=$3} END {print s+0}')
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
}

step() { printf '\n==== %s\n' "$*"; }

build() { # dir, cmake args...
	local dir=$1
	shift
	cmake -S "$top" -B "$dir" "$@" >"$log/cmake-$(basename "$dir").log" 2>&1 &&
		cmake --build "$dir" -j"$jobs" >"$log/build-$(basename "$dir").log" 2>&1
}

step "build (gcc, -Werror)"
if ! build "$top/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo; then
	tail -50 "$log/build-build.log" "$log/cmake-build.log"
	echo "0 passed, 1 failed"
	exit 1
fi
step "ctest"
(cd "$top/build" && ctest -j"$jobs" --output-on-failure -O "$log/ctest.log") || status=1
count "$log/ctest.log"

step "build (clang, ASan+UBSan)"
if build "$top/build-asan" -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
	-DCMAKE_BUILD_TYPE=Debug -DSANITIZE=ON; then
	step "ctest under ASan+UBSan"
	(cd "$top/build-asan" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest -j"$jobs" --output-on-failure -O "$log/ctest-asan.log") || status=1
	count "$log/ctest-asan.log"
else
	tail -50 "$log/build-build-asan.log"
	status=1
	total_fail=$((total_fail + 1))
fi

step "build (clang, TSan): the multithreaded tests"
tsan_tests="api_test_map_threads pmemset_test_threads unit_test_core_threads unit_test_registry_locks"
# shellcheck disable=SC2086
if cmake -S "$top" -B "$top/build-tsan" -DCMAKE_C_COMPILER=clang \
	-DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug \
	-DSANITIZE_THREAD=ON -DWERROR=OFF >"$log/cmake-build-tsan.log" 2>&1 &&
	cmake --build "$top/build-tsan" -j"$jobs" --target $tsan_tests \
		>"$log/build-build-tsan.log" 2>&1; then
	for t in $tsan_tests; do
		if TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
			"$top/build-tsan/tests/$t" >"$log/tsan-$t.log" 2>&1; then
			echo "tsan ok   $t"
		else
			echo "tsan FAIL $t"
			tail -40 "$log/tsan-$t.log"
			status=1
		fi
		count "$log/tsan-$t.log"
	done
else
	tail -50 "$log/build-build-tsan.log"
	status=1
	total_fail=$((total_fail + 1))
fi

step "valgrind memcheck"
vg_fail=0
for t in "$top"/build/tests/unit_test_* "$top"/build/tests/api_test_* \
	"$top"/build/tests/durability_test_* "$top"/build/tests/pmemset_test_* \
	"$top"/build/tests/pmemset_unit_test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	# PMEM2_TEST_VALGRIND tells tests to shrink their matrices and skip
	# /proc/self/maps accounting (valgrind maps memory of its own)
	if PMEM2_TEST_VALGRIND=1 valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite \
		--suppressions="$top/tests/valgrind.supp" \
		"$t" >"$log/vg-$name.log" 2>&1; then
		echo "valgrind ok   $name"
	else
		echo "valgrind FAIL $name"
		tail -30 "$log/vg-$name.log"
		vg_fail=$((vg_fail + 1))
		status=1
	fi
	count "$log/vg-$name.log"
done

if [ $vm = 1 ]; then
	step "real DAX tests in pmem-vm"
	bash "$top/tests/vm/run-vm-tests.sh" "$top/build" 2>&1 | tee "$log/vm.log"
	[ "${PIPESTATUS[0]}" = 0 ] || status=1
	count "$log/vm.log"
fi

step "summary (logs in $log)"
[ $status = 0 ] || [ $total_fail -gt 0 ] || total_fail=1
echo "$total_pass passed, $total_fail failed"
exit $status
