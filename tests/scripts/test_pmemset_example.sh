#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_pmemset_example.sh BUILD_DIR SOURCE_DIR -- the libpmemset log example:
# three files mapped as one coalesced range, records appended across file
# boundaries, and the log found again (byte for byte) by a second run.
set -u
build=$1
ex="$build/examples/example_pmemset_log"
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_built "$ex"
scratch pmemset-example
dir=$SCRATCH

out=$("$ex" 2>&1)
rc=$?
check "temporary run exits 0 ($rc)" test $rc -eq 0
check "the three parts form one part map" grep -q "one part map: .*192 KiB (3 parts)" <<<"$out"
check "records cross a file boundary" grep -q "files 0..1" <<<"$out"
check "the temporary directory is removed" grep -q "removed the temporary directory" <<<"$out"

out1=$("$ex" "$dir" 2>&1)
rc=$?
check "first run in DIR exits 0 ($rc)" test $rc -eq 0
check "first run starts a new log" grep -q "^new log" <<<"$out1"
for i in 0 1 2; do
	check "file $i is 64 KiB" test "$(stat -c %s "$dir/pmemset-log.$i" 2>/dev/null)" = 65536
done
first=$(sed -n 's/^first record (file 0): //p' <<<"$out1")
check "first run reports its first record" test -n "$first"
sum1=$(cat "$dir"/pmemset-log.* | md5sum)

out2=$("$ex" "$dir" 2>&1)
rc=$?
check "second run exits 0 ($rc)" test $rc -eq 0
check "second run finds the existing log" grep -q "^existing log:" <<<"$out2"
check "second run shows the first run's first record" grep -qF "[0] @0: ${first:0:40}" <<<"$out2"
sum2=$(cat "$dir"/pmemset-log.* | md5sum)
check "second run appended (files changed)" test "$sum1" != "$sum2"

summary
