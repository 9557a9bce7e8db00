#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test.sh -- build and run every test of the project:
#   1. a normal build (-Werror) and the whole CTest suite,
#   2. an AddressSanitizer + UndefinedBehaviorSanitizer build and its suite,
#   3. a ThreadSanitizer build of the multithreaded tests,
#   4. every test program under valgrind memcheck,
#   5. with --vm: the real-DAX tests inside ../shared/tools/pmem-vm,
#   6. with --vm (or PMEM2_CROSS=1): scripts/cross.sh, the aarch64, ppc64le
#      and riscv64 builds tested under qemu-user (its own line sums the
#      programs it ran under emulation),
#   7. with --pkg: the Debian packages on a clean Debian 12 root
#      (tests/pkg/clean_root.sh; root, Debian's mirror),
#   8. with --fuzz: each libFuzzer target of fuzz/ for FUZZ_SECONDS
#      (default 60) after its seeds and saved findings (scripts/fuzz.sh;
#      its line counts targets).
# The options may come in any order; .ci/run passes all three.
#
# The total it prints last, "N passed, N failed", is the sum of the own
# summary line of every program run: each CTest test of both suites (CTest
# runs them through tests/run_one.sh, which writes each test's output to
# $PMEM2_TEST_LOGDIR/<test>.log), each TSan run, each valgrind run and the
# VM run (whose own line sums its programs in the guest), and the package
# run (its line sums its own checks and those in the root). Of each log the
# last such line counts, once. A program that ends without one counts as
# one failure and fails the script. Exits non-zero on any failure.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
vm=0
pkg=0
fuzz=0
for arg in "$@"; do
	case $arg in
	--vm) vm=1 ;;
	--pkg) pkg=1 ;;
	--fuzz) fuzz=1 ;;
	*)
		echo "usage: $0 [--vm] [--pkg] [--fuzz]" >&2
		exit 2
		;;
	esac
done
bash "$top/scripts/deps.sh" "$([ $vm = 1 ] && echo vm || echo test)" || exit 1
jobs=$(nproc)
# deps.sh installed g++ and clang++: the C++ header checks must run here
export PMEM2_TEST_REQUIRE_CXX=1
status=0
total_pass=0
total_fail=0
programs=0
log=$(mktemp -d /tmp/pmem2-test-logs.XXXXXX)

# count LOG WHAT: add the own "N passed, N failed" line of program WHAT,
# the last one in LOG; without one, WHAT counts as one failure
count() {
	local line p f
	line=$(grep -hoE '^[0-9]+ passed, [0-9]+ failed' "$1" 2>/dev/null | tail -n 1)
	programs=$((programs + 1))
	if [ -z "$line" ]; then
		echo "FAIL: $2 ended without its own 'N passed, N failed' line (log: $1)"
		total_fail=$((total_fail + 1))
		status=1
		return
	fi
	read -r p _ f _ <<<"$line"
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
}

# ctest_names BUILD_DIR: the name of every test CTest has there
ctest_names() { (cd "$1" && ctest -N | sed -n 's/^ *Test *#[0-9]*: //p'); }

# count_ctest BUILD_DIR LOGDIR WHAT: one line for every test CTest has
count_ctest() {
	local name n=0
	while read -r name; do
		count "$2/$name.log" "$3 $name"
		n=$((n + 1))
	done < <(ctest_names "$1")
	[ $n -gt 0 ] || { echo "FAIL: $3 lists no test"; status=1; total_fail=$((total_fail + 1)); }
}

# subtotal WHAT: the counts so far, for the log
subtotal() { echo "-- after $*: $programs programs, $total_pass passed, $total_fail failed"; }

step() { printf '\n==== %s\n' "$*"; }
# stage TITLE LOG LABEL COMMAND...: a stage that prints its own
# "N passed, N failed": run it, keep its output in $log/LOG.log, count it
stage() {
	local title=$1 name=$2 label=$3
	shift 3
	step "$title"
	"$@" 2>&1 | tee "$log/$name.log"
	[ "${PIPESTATUS[0]}" = 0 ] || status=1
	count "$log/$name.log" "$label"
	subtotal "$label"
}

build() { # dir, cmake args...
	local dir=$1
	shift
	cmake -S "$top" -B "$dir" "$@" >"$log/cmake-$(basename "$dir").log" 2>&1 &&
		cmake --build "$dir" -j"$jobs" >"$log/build-$(basename "$dir").log" 2>&1
}

step "build (gcc, -Werror)"
if ! build "$top/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo; then
	tail -n 50 "$log/build-build.log" "$log/cmake-build.log"
	echo "0 passed, 1 failed"
	exit 1
fi
step "ctest"
(cd "$top/build" && PMEM2_TEST_LOGDIR="$log/ctest" \
	ctest -j"$jobs" --output-on-failure -O "$log/ctest.log") || status=1
count_ctest "$top/build" "$log/ctest" ctest
subtotal ctest

step "build (clang, ASan+UBSan)"
if build "$top/build-asan" -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
	-DCMAKE_BUILD_TYPE=Debug -DSANITIZE=ON; then
	step "ctest under ASan+UBSan"
	(cd "$top/build-asan" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		PMEM2_TEST_LOGDIR="$log/ctest-asan" \
		ctest -j"$jobs" --output-on-failure -O "$log/ctest-asan.log") || status=1
	count_ctest "$top/build-asan" "$log/ctest-asan" "ctest (ASan+UBSan)"
	subtotal "ctest (ASan+UBSan)"
else
	tail -n 50 "$log/build-build-asan.log"
	status=1
	total_fail=$((total_fail + 1))
fi

step "build (clang, TSan): the multithreaded tests"
tsan_tests="api_test_map_threads pmemset_test_threads api_test_log unit_test_core_threads unit_test_registry_locks pmemset_unit_test_deep_flush_lock"
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
			tail -n 40 "$log/tsan-$t.log"
			status=1
		fi
		count "$log/tsan-$t.log" "TSan $t"
	done
	subtotal TSan
else
	tail -n 50 "$log/build-build-tsan.log"
	status=1
	total_fail=$((total_fail + 1))
fi

step "valgrind memcheck"
vg_fail=0
# the test programs CTest runs (unit/test_x is build/tests/unit_test_x,
# pmemset-unit/test_x pmemset_unit_test_x; script and compat tests are not
# programs there), never a stale binary of a test that is gone
while read -r test; do
	name=$(tr '/-' '__' <<<"$test")
	t=$top/build/tests/$name
	[ -x "$t" ] || continue
	# PMEM2_TEST_VALGRIND tells tests to shrink their matrices and skip
	# /proc/self/maps accounting (valgrind maps memory of its own)
	if PMEM2_TEST_VALGRIND=1 valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite \
		--suppressions="$top/tests/valgrind.supp" \
		"$t" </dev/null >"$log/vg-$name.log" 2>&1; then
		echo "valgrind ok   $name"
	else
		echo "valgrind FAIL $name"
		tail -n 30 "$log/vg-$name.log"
		vg_fail=$((vg_fail + 1))
		status=1
	fi
	count "$log/vg-$name.log" "valgrind $name"
done < <(ctest_names "$top/build")
subtotal valgrind

if [ $vm = 1 ]; then
	stage "real DAX tests in pmem-vm" vm "VM run" \
		bash "$top/tests/vm/run-vm-tests.sh" "$top/build"
fi

# with --vm (CI): the other architectures, built with Debian's cross
# compilers and tested under qemu-user; prints its own "N passed, N failed"
if [ $vm = 1 ] || [ "${PMEM2_CROSS:-0}" = 1 ]; then
	stage "aarch64, ppc64le, riscv64 under qemu-user (scripts/cross.sh)" \
		cross cross.sh bash "$top/scripts/cross.sh"
fi

if [ $pkg = 1 ]; then
	stage "Debian packages on a clean Debian 12 root" pkg "package run" \
		bash "$top/tests/pkg/clean_root.sh"
fi

if [ $fuzz = 1 ]; then
	stage "libFuzzer targets (scripts/fuzz.sh)" fuzz "fuzz run" \
		bash "$top/scripts/fuzz.sh" -t "${FUZZ_SECONDS:-60}"
fi

step "summary (logs in $log)"
[ $status = 0 ] || [ $total_fail -gt 0 ] || total_fail=1
echo "$programs programs, each counted by its own summary line"
echo "$total_pass passed, $total_fail failed"
exit $status
