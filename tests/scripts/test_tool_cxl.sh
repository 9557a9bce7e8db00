#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_tool_cxl.sh BUILD_DIR SOURCE_DIR -- what `pmem2 info` says about CXL
# memory, text and JSON, on fake sysfs trees (no CXL hardware or emulation
# runs on Debian 12's kernel and QEMU). unit_test_cxl --tree builds the
# trees tests/unit/test_cxl.c checks the library on (laid out as the
# kernel's sysfs ABI documents describe them); the tool is pointed at one
# with PMEM2_SYSFS_ROOT:
#  - a file on a CXL pmem region of two memory devices: bus provider CXL,
#    both memory devices with serial and dirty shutdown count, the ids in
#    decimal as the kernel prints them (one negative), the summed count,
#    the persistence domain memory_controller;
#  - the same with a memory device without cxl/dirty_shutdown (a kernel
#    before 6.15): not supported, with the reason;
#  - /dev/zero standing in for a device DAX of a CXL RAM region and of
#    hmem: volatile, CACHE_LINE with the reason, no device id, the NUMA
#    node of the dax device, its origin.
# Prints "N passed, N failed"; exits non-zero on any failure.

BUILD=${1:?usage: test_tool_cxl.sh BUILD_DIR SOURCE_DIR}
SRC=${2:?usage: test_tool_cxl.sh BUILD_DIR SOURCE_DIR}
TOOL="$BUILD/tools/pmem2"
TREE="$BUILD/tests/unit_test_cxl"
SCHEMA="$SRC/tests/scripts/tool_json.py"
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need_built "$TOOL"
need_built "$TREE"
PY=$(command -v python3)
if [ -z "$PY" ] || ! "$PY" -c 'import json' 2>/dev/null; then
	fail "python3 (with its json module) is needed to check the JSON output: apt-get install python3"
	summary
fi
if [ ! -c /dev/zero ]; then
	skip "no /dev/zero to stand in for a device DAX"
	summary
fi

scratch test_tool_cxl
WORK=$SCRATCH
ROOT=
trap 'rm -rf "$WORK"; [ -n "$ROOT" ] && rm -rf "$ROOT"' EXIT
OUT="$WORK/out"
ERR="$WORK/err"
FILE="$WORK/file"
truncate -s 2M "$FILE"

# tree KIND: a new fake tree (the previous one removed) in $ROOT
tree() {
	[ -n "$ROOT" ] && rm -rf "$ROOT"
	ROOT=$("$TREE" --tree "$1" "$FILE") || ROOT=
	case "$ROOT" in
	/*/fakesys.*) return 0 ;;
	*) ROOT= && return 1 ;;
	esac
}
# run ARGS...: the tool on the fake tree, $rc, output in $OUT / $ERR
run() {
	PMEM2_SYSFS_ROOT="$ROOT" "$TOOL" "$@" >"$OUT" 2>"$ERR"
	rc=$?
}
value() {
	sed -n "s/^$1: *//p" "$OUT" | head -n 1
}
json() { "$PY" "$SCHEMA" "$OUT" "$@"; }

# ---- a CXL pmem region, two memory devices
check "cxl-pmem tree" tree cxl-pmem
run info "$FILE"
check "cxl-pmem: exits 0, no stderr" [ $rc -eq 0 -a ! -s "$ERR" ]
check "cxl-pmem: region" [ "$(value region)" = region1 ]
check "cxl-pmem: bus_provider" [ "$(value bus_provider)" = CXL ]
check "cxl-pmem: persistence_domain" \
	[ "$(value persistence_domain)" = memory_controller ]
check "cxl-pmem: device_id (decimal, signed, in mapping order)" \
	[ "$(value device_id)" = "4660,-9223372036854775807" ]
check "cxl-pmem: unsafe_shutdown_count (the sum)" \
	[ "$(value unsafe_shutdown_count)" = 43 ]
check "cxl-pmem: numa_node" [ "$(value numa_node)" = 1 ]
check "cxl-pmem: cxl_memdevs" [ "$(value cxl_memdevs)" = \
	"2: nmem1 = mem0 serial 0x1234 dirty_shutdown 3; nmem2 = mem1 serial 0x8000000000000001 dirty_shutdown 40" ]
check "cxl-pmem: dax_origin not supported" \
	[ "$(value dax_origin)" = "not supported: only a device DAX has one" ]
run info --json "$FILE"
check "cxl-pmem --json" json 1 '0.bus_provider="CXL"' \
	'0.device_id="4660,-9223372036854775807"' \
	'0.unsafe_shutdown_count=43' \
	'0.persistence_domain="memory_controller"' \
	'0.cxl_memdevs=[{"nmem": "nmem1", "memdev": "mem0", "serial": "0x1234", "dirty_shutdown": 3}, {"nmem": "nmem2", "memdev": "mem1", "serial": "0x8000000000000001", "dirty_shutdown": 40}]' \
	'0.dax_origin?not_supported'

# ---- a kernel before 6.15: no cxl/dirty_shutdown
check "cxl-pmem-old tree" tree cxl-pmem-old
run info "$FILE"
check "cxl-pmem-old: exits 0" [ $rc -eq 0 ]
check "cxl-pmem-old: device_id" [ "$(value device_id)" = 4660 ]
check "cxl-pmem-old: count not supported, saying why" grep -q \
	"^unsafe_shutdown_count: *not supported: nmem1 is a CXL memory device without cxl/dirty_shutdown: the kernel is older than 6.15" \
	"$OUT"
check "cxl-pmem-old: cxl_memdevs" [ "$(value cxl_memdevs)" = \
	"1: nmem1 = mem0 serial 0x1234 dirty_shutdown not supported" ]
run info --json "$FILE"
check "cxl-pmem-old --json" json 1 '0.unsafe_shutdown_count?not_supported' \
	'0.cxl_memdevs=[{"nmem": "nmem1", "memdev": "mem0", "serial": "0x1234", "dirty_shutdown": {"not_supported": "nmem1 is a CXL memory device without cxl/dirty_shutdown: the kernel is older than 6.15, or the device lacks the Global Persistent Flush and health support the kernel needs to count dirty shutdowns, so the unsafe shutdown count is unknown"}}]' \
	'0.bus_provider="CXL"'

# ---- device DAX of volatile memory: a CXL RAM region, hmem
for kind in cxl-ram hmem; do
	case $kind in
	cxl-ram) from="CXL region region0 (mode ram)" node=1 size=1073741824 ;;
	hmem) from="hmem.0 (soft reserved memory: EFI specific-purpose or CXL memory the firmware set aside)" node=2 size=268435456 ;;
	esac
	check "$kind tree" tree $kind
	run info /dev/zero
	check "$kind: exits 0, no stderr" [ $rc -eq 0 -a ! -s "$ERR" ]
	check "$kind: a device DAX" [ "$(value type)" = "device DAX" ]
	check "$kind: size" [ "$(value size | cut -d' ' -f1)" = $size ]
	check "$kind: granularity CACHE_LINE" [ "$(value granularity)" = CACHE_LINE ]
	check "$kind: rule volatile" [ "$(value granularity_rule)" = volatile ]
	check "$kind: the reason says volatile" grep -q \
		"^granularity_reason: *CACHE_LINE: the device DAX is volatile memory, not on an NVDIMM region: its contents do not survive power loss or reboot" \
		"$OUT"
	check "$kind: dax_origin" \
		[ "$(value dax_origin)" = "$from: volatile memory" ]
	check "$kind: numa_node of the dax device" [ "$(value numa_node)" = $node ]
	check "$kind: no device id" grep -q \
		"^device_id: *not supported: device DAX dax0.0 comes from .*volatile memory" \
		"$OUT"
	check "$kind: no bus" [ "$(value bus_provider)" = "not supported: no NVDIMM region" ]
	run info --json /dev/zero
	check "$kind --json" json 1 '0.granularity="CACHE_LINE"' \
		'0.granularity_rule="volatile"' "0.dax_origin=\"$from: volatile memory\"" \
		"0.numa_node=$node" '0.device_id?not_supported' \
		'0.unsafe_shutdown_count?not_supported' \
		'0.persistence_domain?not_supported' '0.cxl_memdevs?not_supported'
done

summary
