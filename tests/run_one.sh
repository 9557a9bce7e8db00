#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# run_one.sh NAME PROGRAM [ARGS...] -- how CTest runs every test of the
# tree (tests/CMakeLists.txt, add_counted_test).
#
# Every test program ends with its own "N passed, N failed" line, and the
# total scripts/test.sh prints is the sum of those lines. CTest keeps the
# output of failing tests only, so this wrapper keeps each test's output
# itself: it runs PROGRAM with ARGS, passes its output (stdout and stderr)
# through, and, when PMEM2_TEST_LOGDIR is set, also writes it to
# $PMEM2_TEST_LOGDIR/NAME.log (NAME as CTest names the test, e.g.
# unit/test_map -> unit/test_map.log). A program that ends without its
# summary line fails here even if it exited 0: its checks would be missing
# from the total. Exits with the program's status otherwise.

name=${1:?usage: run_one.sh NAME PROGRAM [ARGS...]}
shift
[ $# -gt 0 ] || {
	echo "usage: run_one.sh NAME PROGRAM [ARGS...]"
	exit 2
}

if [ -n "${PMEM2_TEST_LOGDIR:-}" ]; then
	log=$PMEM2_TEST_LOGDIR/$name.log
	mkdir -p "$(dirname "$log")" || exit 2
else
	log=$(mktemp "${TMPDIR:-/tmp}/run_one.XXXXXX") || exit 2
	trap 'rm -f "$log"' EXIT
fi

"$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}

if ! grep -qE '^[0-9]+ passed, [0-9]+ failed' "$log"; then
	echo "FAIL: $name ended without its own 'N passed, N failed' line" \
		"(exit status $rc)"
	[ "$rc" -ne 0 ] || rc=1
fi
exit "$rc"
