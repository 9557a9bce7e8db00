#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_abi.sh BUILD_DIR SOURCE_DIR -- the binary interface of libpmem2.so.1.
#
# Programs built against PMDK (1.x binaries reference name@LIBPMEM2_1.0,
# 2.x binaries name@LIBPMEM2_2.0) must find every function they use in our
# library, and the library must export nothing else. Checked here:
#  (a) the dynamic symbol table lists exactly the names of
#      tests/scripts/exported-pmem2.txt, each as the default
#      name@@LIBPMEM2_1.0 and as name@LIBPMEM2_2.0 (two aliases of one
#      function; new links bind to 1.0, doc/packaging.md), plus the three
#      draft functions under LIBPMEM2_DRAFT_0.1, the three logging
#      functions (<libpmem2/log.h>, no PMDK counterpart) under
#      LIBPMEM2_LOG_1.0 and the version-node absolute symbols;
#  (b) the soname is libpmem2.so.1 and the real file libpmem2.so.X.Y.Z,
#      X.Y.Z the project's version (the file VERSION);
#  (c) every function the installed PMDK libpmem2.so.1 (Debian 1.12.1)
#      exports, except its four miniasync functions, is exported by ours
#      under LIBPMEM2_1.0.
# PMDK_LIBPMEM2 may name the reference library (default: the system one).

BUILD_DIR=${1:?usage: test_abi.sh BUILD_DIR SOURCE_DIR}
SOURCE_DIR=${2:?usage: test_abi.sh BUILD_DIR SOURCE_DIR}

# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

LIST=$SOURCE_DIR/tests/scripts/exported-pmem2.txt
LIB=$BUILD_DIR/libpmem2.so.1
DRAFT="pmem2_config_set_fd pmem2_map pmem2_unmap"
LOGFNS="pmem2_log_get_threshold pmem2_log_set_function pmem2_log_set_threshold"
ASYNC="pmem2_config_set_vdm pmem2_memcpy_async pmem2_memmove_async pmem2_memset_async"

for tool in nm readelf objdump; do
	if ! command -v $tool >/dev/null; then
		fail "$tool (binutils) is not installed"
		summary
	fi
done
if [ ! -r "$LIST" ]; then
	fail "$LIST is missing"
	summary
fi
if [ ! -e "$LIB" ]; then
	fail "$LIB does not exist (library not built?)"
	summary
fi

scratch test_abi
TMP=$SCRATCH

mapfile -t NAMES < <(grep -v '^[[:space:]]*$' "$LIST")
check "exported-pmem2.txt lists 50 names (has ${#NAMES[@]})" \
	test "${#NAMES[@]}" -eq 50

# ---- (a) the dynamic symbol table, exactly
# "VALUE TYPE NAME[@|@@VERSION]" for every defined dynamic symbol
nm -D --defined-only "$LIB" >"$TMP/nm.txt" 2>"$TMP/nm.err"
check "nm -D $LIB: $(cat "$TMP/nm.err")" test -s "$TMP/nm.txt"

{
	for n in "${NAMES[@]}"; do
		echo "T $n@@LIBPMEM2_1.0"
		echo "T $n@LIBPMEM2_2.0"
	done
	for n in $DRAFT; do
		echo "T $n@@LIBPMEM2_DRAFT_0.1"
	done
	for n in $LOGFNS; do
		echo "T $n@@LIBPMEM2_LOG_1.0"
	done
	echo "A LIBPMEM2_1.0"
	echo "A LIBPMEM2_2.0"
	echo "A LIBPMEM2_DRAFT_0.1"
	echo "A LIBPMEM2_LOG_1.0"
} | sort >"$TMP/expected.txt"
awk '{ print $2, $3 }' "$TMP/nm.txt" | sort >"$TMP/actual.txt"

# one check per expected symbol, so a missing one is named
while read -r type sym; do
	check "missing export: $type $sym" \
		grep -qxF "$type $sym" "$TMP/actual.txt"
done <"$TMP/expected.txt"
# and nothing else
extra=$(comm -13 "$TMP/expected.txt" "$TMP/actual.txt")
check "unexpected exports: $(echo $extra)" test -z "$extra"

# the two versions of a name are aliases of one function (same address)
for n in "${NAMES[@]}"; do
	v1=$(awk -v s="$n@@LIBPMEM2_1.0" '$3 == s { print $1 }' "$TMP/nm.txt")
	v2=$(awk -v s="$n@LIBPMEM2_2.0" '$3 == s { print $1 }' "$TMP/nm.txt")
	check "$n: @@LIBPMEM2_1.0 ($v1) and @LIBPMEM2_2.0 ($v2) differ" \
		test -n "$v1" -a "$v1" = "$v2"
done

# the version definitions: 2.0 inherits 1.0, draft inherits 2.0
readelf -V "$LIB" >"$TMP/ver.txt" 2>&1
check "readelf -V: no LIBPMEM2_1.0 definition" \
	grep -q 'Name: LIBPMEM2_1.0' "$TMP/ver.txt"
check "readelf -V: no LIBPMEM2_2.0 definition" \
	grep -q 'Name: LIBPMEM2_2.0' "$TMP/ver.txt"
check "readelf -V: no LIBPMEM2_LOG_1.0 definition" \
	grep -q 'Name: LIBPMEM2_LOG_1.0' "$TMP/ver.txt"

# ---- (b) soname and file name
soname=$(readelf -d "$LIB" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
check "soname is '$soname', expected libpmem2.so.1" \
	test "$soname" = libpmem2.so.1
real=$(basename "$(readlink -f "$LIB")")
file=libpmem2.so.$(cat "$SOURCE_DIR/VERSION")
check "real file of libpmem2.so.1 is '$real', expected $file" \
	test "$real" = "$file"
check "$BUILD_DIR/$file is not a regular file" \
	test -f "$BUILD_DIR/$file" -a ! -L "$BUILD_DIR/$file"
# no text relocations, no executable stack
check "libpmem2 has TEXTREL" \
	bash -c "! readelf -d '$LIB' | grep -q TEXTREL"
check "libpmem2 asks for an executable stack" \
	bash -c "! readelf -lW '$LIB' | grep GNU_STACK | grep -q RWE"

# ---- (c) everything PMDK 1.12.1 exports (minus async) is exported by ours
if [ -n "$PMDK_LIBPMEM2" ]; then
	REF=$PMDK_LIBPMEM2
else
	REF=/usr/lib/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)/libpmem2.so.1
fi
if [ ! -e "$REF" ]; then
	fail "PMDK's libpmem2.so.1 not found at $REF: install Debian's" \
		"libpmem2-dev (apt-get install libpmem2-dev) or set PMDK_LIBPMEM2"
	summary
fi
# defined functions: "ADDR g DF .text SIZE VERSION NAME"
objdump -T "$REF" | awk '$3 == "DF" && $4 != "*UND*" { print $NF }' |
	sort -u >"$TMP/ref.txt"
nref=$(wc -l <"$TMP/ref.txt")
check "PMDK's library exports $nref functions, expected 53" test "$nref" -eq 53
for n in $(cat "$TMP/ref.txt"); do
	case " $ASYNC " in
	*" $n "*) continue ;;
	esac
	check "PMDK exports $n, ours has no $n@@LIBPMEM2_1.0" \
		grep -qxF "T $n@@LIBPMEM2_1.0" "$TMP/actual.txt"
done
# every version PMDK's functions carry is one ours defines
for v in $(objdump -T "$REF" | awk '$3 == "DF" && $4 != "*UND*" { print $(NF-1) }' | sort -u); do
	check "PMDK version node $v not defined by ours" \
		grep -qxF "A $v" "$TMP/actual.txt"
done

summary
