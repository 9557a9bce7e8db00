#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_examples.sh BUILD_DIR SOURCE_DIR -- run the example programs the way
# the examples/README.md says, check what they print and what they leave in
# the files they were given. Prints "N passed, N failed"; exits non-zero on
# any failure.

BUILD=${1:?usage: test_examples.sh BUILD_DIR SOURCE_DIR}
EX="$BUILD/examples"
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

scratch test_examples
WORK=$SCRATCH
OUT="$WORK/out"
has() { grep -q -- "$1" "$OUT"; }
count() { grep -c -- "$1" "$OUT"; }

run() { # PROGRAM ARGS...
	"$@" >"$OUT" 2>&1
	rc=$?
	if [ $rc -ne 0 ]; then
		echo "--- $* exited $rc:"
		cat "$OUT"
	fi
}

# ---- map_persist
P="$EX/example_map_persist"
if [ -x "$P" ]; then
	mkdir "$WORK/t1"
	TMPDIR="$WORK/t1" run "$P"
	check "map_persist (temp file) exits 0" [ $rc -eq 0 ]
	check "map_persist created a temp file" has "^created temporary file $WORK/t1/"
	check "map_persist says what it wrote" has 'wrote "Hello, persistent memory"'
	check "map_persist reads the string back" \
		has 'the file now starts with: "Hello, persistent memory!"'
	# the granularity the library gives a file there, as the tool reports it
	truncate -s 64K "$WORK/t1.probe"
	want=$("$BUILD/tools/pmem2" info "$WORK/t1.probe" 2>/dev/null |
		sed -n 's/^granularity: *//p')
	rm -f "$WORK/t1.probe"
	check "map_persist names the granularity ($want, as pmem2 info says)" \
		has "^store granularity: $want "
	check "map_persist removed its temp file" [ -z "$(ls -A "$WORK/t1")" ]

	F="$WORK/persist.dat"
	truncate -s 64K "$F"
	run "$P" "$F"
	check "map_persist FILE exits 0" [ $rc -eq 0 ]
	check "map_persist FILE mapped the whole file" has "^mapped $F: 65536 bytes"
	check "map_persist FILE: the string is in the file" \
		[ "$(head -c 26 "$F" | tr '\0' '#')" = "Hello, persistent memory!#" ]
	check "map_persist FILE: size unchanged" [ "$(stat -c %s "$F")" = 65536 ]
	check "map_persist FILE: the rest is untouched" \
		cmp -s <(tail -c +27 "$F") <(head -c $((65536 - 26)) /dev/zero)

	"$P" "$WORK/missing" >"$OUT" 2>&1
	rc=$?
	check "map_persist on a missing file fails" [ $rc -ne 0 ]
	: >"$WORK/empty"
	"$P" "$WORK/empty" >"$OUT" 2>&1
	rc=$?
	check "map_persist on an empty file fails" [ $rc -ne 0 ]
	check "map_persist on an empty file explains (library message)" \
		grep -qi "empty\|size 0" "$OUT"
else
	fail "$P not built"
fi

# ---- map_multiple_files
M="$EX/example_map_multiple_files"
if [ -x "$M" ]; then
	mkdir "$WORK/t2"
	TMPDIR="$WORK/t2" run "$M"
	check "map_multiple_files (temp files) exits 0" [ $rc -eq 0 ]
	check "map_multiple_files created 3 temp files" \
		[ "$(count "^created temporary file $WORK/t2/")" -eq 3 ]
	check "map_multiple_files: 2 contiguous joins" \
		[ "$(count ': contiguous$')" -eq 2 ]
	check "map_multiple_files: part 3 at offset 192 KiB" \
		has '^base + 196608 reads "part 3 of 3"'
	check "map_multiple_files: map_find walk" has "^the reservation holds 3 maps"
	check "map_multiple_files removed its temp files" [ -z "$(ls -A "$WORK/t2")" ]
	check "map_multiple_files says done" has "^done: 3 files"

	truncate -s 8K "$WORK/a"
	truncate -s 12K "$WORK/b" # not a multiple of 8K: maps are 4K-aligned
	truncate -s 4K "$WORK/c"
	run "$M" "$WORK/a" "$WORK/b" "$WORK/c"
	check "map_multiple_files FILES exits 0" [ $rc -eq 0 ]
	check "map_multiple_files FILES: reservation 24 KiB" \
		has "^reserved 24576 bytes"
	check "map_multiple_files FILES: 2 contiguous joins" \
		[ "$(count ': contiguous$')" -eq 2 ]
	i=1
	for f in a b c; do
		check "file $f holds its line" \
			[ "$(head -c 11 "$WORK/$f")" = "part $i of 3" ]
		i=$((i + 1))
	done
	check "file sizes unchanged" \
		[ "$(stat -c %s "$WORK/a" "$WORK/b" "$WORK/c" | tr '\n' ' ')" = "8192 12288 4096 " ]

	truncate -s 100 "$WORK/tiny"
	"$M" "$WORK/a" "$WORK/tiny" >"$OUT" 2>&1
	rc=$?
	check "map_multiple_files: a file below its alignment is refused" \
		[ $rc -ne 0 ]
	check "map_multiple_files: ... with a reason" has "less than its alignment"
else
	fail "$M not built"
fi

summary
