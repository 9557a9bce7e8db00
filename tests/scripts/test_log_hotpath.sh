#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_log_hotpath.sh BUILD_DIR SOURCE_DIR -- logging stays off the paths
# that copy and persist data.
#
# The functions a map hands out (persist, flush, drain, memmove, memcpy,
# memset: the copy kernels of every engine) and libpmemset's data
# functions must not gain a single instruction for logging. Checked on the
# built libraries' machine code (objdump -d): every function that refers to
# the logging code by its exact symbol (core_log*, the main threshold,
# pmem2_log_* or pmemset_log_*; not core_log_lib, the library's
# description, which error messages use too) is one of the places meant to
# log -- the logging code itself, map creation, load-time initialisation,
# sysfs access, the msync failure path of a PAGE persist, libpmemset's map,
# placement and shutdown state check -- and none of the data-path
# functions (which must be found, so that the check cannot pass on a
# stripped library) is among them. Run on the optimised and the -O0
# (sanitizer) builds alike.

BUILD_DIR=${1:?usage: test_log_hotpath.sh BUILD_DIR SOURCE_DIR}
: "${2:?usage: test_log_hotpath.sh BUILD_DIR SOURCE_DIR}"

passed=0
failed=0
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
done_() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit; }

command -v objdump >/dev/null || { fail "objdump (binutils) is not installed"; done_; }

TMP=$(mktemp -d /tmp/test_log_hotpath.XXXXXX) || exit 1
trap 'rm -rf "$TMP"' EXIT

# check LIB ALLOWED_ERE HOT_ERE MIN_HOT: the functions of LIB that refer to
# logging all match ALLOWED_ERE; at least MIN_HOT functions match HOT_ERE
# and none of them refers to logging
check() {
	local lib=$1 allowed=$2 hot=$3 min_hot=$4 name f n
	name=$(basename "$lib")
	if [ ! -e "$lib" ]; then
		fail "$lib does not exist (not built?)"
		return
	fi
	objdump -d --no-show-raw-insn "$lib" >"$TMP/dis" 2>&1
	# every function, and those with a reference to the logging code
	awk '/^[0-9a-f]+ <.*>:$/ { fn = substr($2, 2, length($2) - 3); print fn }' \
		"$TMP/dis" | sed 's/@.*//' | sort -u >"$TMP/all"
	awk '/^[0-9a-f]+ <.*>:$/ { fn = substr($2, 2, length($2) - 3) }
		/<(core_log|pmem2_log_|pmemset_log_)[a-z_0-9.]*(@plt)?>/ &&
			!/<core_log_lib>/ { print fn }' "$TMP/dis" |
		sed 's/@.*//' | sort -u >"$TMP/logging"
	n=$(wc -l <"$TMP/logging")
	[ "$n" -ge 5 ] && pass || fail "$name: only $n functions refer to logging (stripped?)"
	while read -r f; do
		if [[ $f =~ ^($allowed)(\.part\.[0-9]+|\.cold)?$ ]]; then
			pass
		else
			fail "$name: $f refers to the logging code, and is not a place meant to log"
		fi
	done <"$TMP/logging"
	n=$(grep -cE "^($hot)$" "$TMP/all")
	[ "$n" -ge "$min_hot" ] && pass ||
		fail "$name: found $n data-path functions, expected at least $min_hot"
	while read -r f; do
		grep -qxF "$f" "$TMP/logging" &&
			fail "$name: data-path function $f refers to logging" || pass
	done < <(grep -E "^($hot)$" "$TMP/all")
}

LOGCODE='core_log[a-z_]*|hark|deliver|open_log_file|default_function|write_all'
check "$BUILD_DIR/libpmem2.so.1" \
	"$LOGCODE|pmem2_log_[a-z_]+|persist_init_once|pmem2_map_new|pmem2_page_sync|sysfs_[a-z0-9_]+" \
	'persist_(cl_[a-z]+|byte|page)|flush_(cl_[a-z]+|byte)|drain_(fence|page)|[a-z0-9_]*mem(move|set)_[a-z0-9_]+|[a-z0-9_]+_(mv|st)_(nt|t|tf)[a-z_]*|pmem2_page_sync_ret' \
	40
check "$BUILD_DIR/libpmemset.so.1" \
	"$LOGCODE|pmemset_log_[a-z_]+|pmemset_map_internal|pmemset_place|pmemset_sds_check|sysfs_[a-z0-9_]+" \
	'pmemset_(persist|flush|drain|memcpy|memmove|memset|deep_flush)' \
	7

done_
