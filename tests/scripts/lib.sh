# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# lib.sh -- the shell counterpart of tests/common/test.h, sourced by every
# shell test (tests/scripts/test_*.sh, tests/compat/run_diff.sh) so that
# they count and report the same way as the C test programs:
#
#   ok                   one assertion passed
#   fail MESSAGE...      one assertion failed: prints "FAIL: MESSAGE"
#   check WHAT CMD...    runs CMD; ok if it succeeds, else fail WHAT
#   skip MESSAGE...      a check that cannot run here: prints "SKIP: MESSAGE"
#   summary              prints "N passed, N failed" (", N skipped" when
#                        something was skipped) and exits: 0 when nothing
#                        failed, 1 otherwise. Call it last, or to stop early.
#   need_built FILE      FILE (a program of the build) must be executable,
#                        else fail and stop
#   scratch NAME         a new directory $SCRATCH in $TMPDIR (or /tmp),
#                        removed when the script exits
#
# Not named test_*.sh, so CTest does not take it for a test.

lib_passed=0
lib_failed=0
lib_skipped=0

# always succeeds, so "cond && ok || fail ..." is a plain if/else
ok() { lib_passed=$((lib_passed + 1)); }

fail() {
	lib_failed=$((lib_failed + 1))
	echo "FAIL: $*"
}

check() {
	local what=$1
	shift
	if "$@"; then ok; else fail "$what"; fi
}

skip() {
	lib_skipped=$((lib_skipped + 1))
	echo "SKIP: $*"
}

summary() {
	if [ "$lib_skipped" -gt 0 ]; then
		echo "$lib_passed passed, $lib_failed failed, $lib_skipped skipped"
	else
		echo "$lib_passed passed, $lib_failed failed"
	fi
	[ "$lib_failed" -eq 0 ]
	exit
}

need_built() {
	[ -x "$1" ] && return
	fail "$1 is not built"
	summary
}

scratch() {
	SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX") || {
		fail "cannot create a directory in ${TMPDIR:-/tmp}"
		summary
	}
	trap 'rm -rf "$SCRATCH"' EXIT
}
