#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# in_root.sh VERSION -- run by tests/pkg/clean_root.sh inside a clean
# Debian 12 root that has Debian's libpmem2 and libpmem2-dev (PMDK 1.12.1)
# installed and our packages in /debs; clean_root.sh puts this script,
# tests/scripts/lib.sh and tests/pkg/client/ in /pkgtest. In order:
#   1. with Debian's PMDK: PMDK's libpmem2 examples, as Debian ships them
#      (/usr/share/doc/libpmem2-dev/examples), are copied out, built with
#      `pkg-config --cflags --libs libpmem2` and run: the programs "built
#      earlier against Debian's libpmem2-dev", and the reference for what
#      the examples do;
#   2. our packages are installed over Debian's (apt-get install /debs/...):
#      versions, files, the library file that is now libpmem2.so.1;
#   3. the PMDK-built examples run on ours; the examples are built again,
#      against ours, with pkg-config, and run;
#   4. CMake clients: find_package(PMEM2 CONFIG) for both libraries (shared
#      and static targets), pkg_check_modules(libpmem2>=1.10 and >=1.12);
#   5. the version node and the package dependencies a client gets: built
#      against ours it references LIBPMEM2_1.0 only, and dpkg-shlibdeps
#      gives it a Depends that Debian's libpmem2 1.12.1 satisfies; the draft
#      API needs libpmem2-ext; the tool's package needs only libc6;
#   6. the manual pages open (pmem2_map_new, pmemset_map, libpmem2(7),
#      pmem2(1) and every page our packages installed); `pmem2 info` and
#      `pmem2 --version` run;
#   7. ours is removed (purge), Debian's libpmem2 and libpmem2-dev are
#      installed again from the root's apt cache or Debian's mirror, nothing
#      of ours is left, and the PMDK-built program and the client built
#      against ours both run on Debian's library.
# Prints "N passed, N failed"; exits non-zero on any failure.
set -uo pipefail
V=${1:?usage: in_root.sh VERSION}
export LC_ALL=C
MA=$(gcc -print-multiarch)
LIB=/usr/lib/$MA
# lib.sh (tests/scripts/lib.sh) and the client programs (tests/pkg/client)
# are copied beside this script by clean_root.sh
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../scripts/lib.sh
. "$HERE/lib.sh"
CL=$HERE/client
step() { printf -- '-- %s\n' "$*"; }
W=/tmp/pkgtest
rm -rf "$W"
mkdir -p "$W"
OUT=$W/out

pkg_version() { dpkg-query -W -f='${Status} ${Version}' "$1" 2>/dev/null; }

# ---- 1. Debian's PMDK: the examples as Debian ships them
step "1. Debian's PMDK libpmem2 1.12.1"
check "Debian's libpmem2 is not installed in the root: $(pkg_version libpmem2)" \
	test "$(pkg_version libpmem2)" = "install ok installed 1.12.1-2"
check "Debian's libpmem2-dev is not installed in the root" \
	test "$(pkg_version libpmem2-dev)" = "install ok installed 1.12.1-2"
EXAMPLES="basic advanced log map_multiple_files redo ringbuf unsafe_shutdown"
mkdir -p "$W/pmdk-src" "$W/pmdk-built" "$W/shim"
cp -r /usr/share/doc/libpmem2-dev/examples/. "$W/pmdk-src/"
# Debian ships the examples without PMDK's examples/ex_common.h, which
# log.c includes; on Linux it provides <unistd.h>. Our own shim:
echo '#include <unistd.h>' >"$W/shim/ex_common.h"

build_examples() { # OUTDIR: each example built with pkg-config
	local e
	for e in $EXAMPLES; do
		# shellcheck disable=SC2046
		gcc -O2 -o "$1/$e" "$W/pmdk-src/$e/$e.c" -I"$W/shim" \
			$(pkg-config --cflags --libs libpmem2) >"$OUT" 2>&1 ||
			cat "$OUT"
		check "PMDK example $e does not build with pkg-config --cflags --libs libpmem2" \
			test -x "$1/$e"
	done
}

# run_examples DIR LABEL: runs each example of DIR the way its usage says,
# on files in /tmp, and checks what it did
run_examples() {
	local d=$1 l=$2 f=$W/files
	rm -rf "$f"
	mkdir -p "$f"
	truncate -s 4M "$f/basic" "$f/log" "$f/redo" "$f/ring" "$f/us"
	truncate -s 2M "$f/mmf1" "$f/mmf2"
	"$d/basic" "$f/basic" >"$OUT" 2>&1
	rc=$?
	check "$l: basic exits $rc: $(cat "$OUT")" test $rc -eq 0
	check "$l: basic did not write its string" \
		test "$(head -c 24 "$f/basic")" = "hello, persistent memory"
	"$d/advanced" "$f/basic" 0 4096 >"$OUT" 2>&1
	check "$l: advanced failed: $(head -3 "$OUT")" \
		grep -q "^68 65 6C 6C 6F 2C 20 70" "$OUT"
	"$d/log" "$f/log" rewind append hello appendv 2 persistent world dump >"$OUT" 2>&1
	check "$l: log failed: $(head -3 "$OUT")" grep -q "hellopersistentworld" "$OUT"
	"$d/map_multiple_files" "$f/mmf1" "$f/mmf2" >"$OUT" 2>&1
	rc=$?
	check "$l: map_multiple_files exits $rc: $(head -3 "$OUT")" test $rc -eq 0
	"$d/redo" add "$f/redo" 1 2 3 4 >"$OUT" 2>&1 &&
		"$d/redo" print "$f/redo" >"$OUT" 2>&1
	check "$l: redo add/print: $(head -3 "$OUT")" \
		test "$(tr '\n' ' ' <"$OUT")" = "1 = 2 3 = 4 "
	"$d/redo" check "$f/redo" >"$OUT" 2>&1
	rc=$?
	check "$l: redo check exits $rc: $(head -3 "$OUT")" test $rc -eq 0
	"$d/ringbuf" "$f/ring" 64 200 >"$OUT" 2>&1
	check "$l: ringbuf failed: $(head -3 "$OUT")" grep -q "^Bandwidth:" "$OUT"
	"$d/unsafe_shutdown" write "$f/us" persistent >"$OUT" 2>&1 &&
		"$d/unsafe_shutdown" read "$f/us" >"$OUT" 2>/dev/null
	check "$l: unsafe_shutdown write/read: $(head -3 "$OUT")" grep -qx "persistent" "$OUT"
}

build_examples "$W/pmdk-built"
run_examples "$W/pmdk-built" "PMDK-built on PMDK"

# ---- 2. ours over Debian's
step "2. our packages over Debian's"
mapfile -t DEBS < <(ls /debs/*.deb)
check "no packages in /debs" test ${#DEBS[@]} -eq 5
apt-get install -y -q "${DEBS[@]}" >"$OUT" 2>&1
rc=$?
check "apt-get install of our packages failed: $(tail -n 5 "$OUT")" test $rc -eq 0
for p in libpmem2 libpmem2-dev libpmemset libpmemset-dev pmem2-tools; do
	check "$p: $(pkg_version $p), expected $V installed" \
		test "$(pkg_version $p)" = "install ok installed $V"
done
check "libpmem2.so.1 is not ours: $(readlink -f $LIB/libpmem2.so.1)" \
	test "$(readlink -f $LIB/libpmem2.so.1)" = "$LIB/libpmem2.so.$V"
check "Debian's libpmem2.so.1.0.0 is still there" test ! -e "$LIB/libpmem2.so.1.0.0"
check "libpmem2.a is not ours" cmp -s "$LIB/libpmem2.a" <(dpkg-deb --fsys-tarfile \
	/debs/libpmem2-dev_"$V"_"$(dpkg --print-architecture)".deb | tar -xO "./usr/lib/$MA/libpmem2.a")
check "pkg-config --modversion libpmem2 is '$(pkg-config --modversion libpmem2)'" \
	test "$(pkg-config --modversion libpmem2)" = "$V"
check "pkg-config --modversion libpmemset is '$(pkg-config --modversion libpmemset)'" \
	test "$(pkg-config --modversion libpmemset)" = "$V"

# ---- 3. PMDK's examples on ours
step "3. PMDK's examples on ours"
run_examples "$W/pmdk-built" "PMDK-built on ours"
mkdir -p "$W/ours-built"
build_examples "$W/ours-built"
run_examples "$W/ours-built" "built against ours"

# ---- 4. CMake clients
step "4. CMake clients"
truncate -s 1M "$W/data"
run_client() { # PROGRAM: runs it on $W/data
	"$1" "$W/data" >"$OUT" 2>&1 && grep -qx "client ok" "$OUT" || { cat "$OUT"; return 1; }
}
cmake_build() { # SRCDIR BUILDDIR [-DVAR=VALUE...]: configure and build
	local src=$1 bld=$2
	shift 2
	cmake -S "$src" -B "$bld" "$@" >"$OUT" 2>&1 && cmake --build "$bld" >>"$OUT" 2>&1 ||
		{ tail -n 20 "$OUT"; return 1; }
}
check "find_package(PMEM2 1.10 CONFIG COMPONENTS pmem2 pmemset) project fails" \
	cmake_build "$CL/find_package" "$W/cm" -DEXPECT_VERSION="$V"
check "find_package client (shared) does not run" run_client "$W/cm/client_shared"
check "find_package client (static) does not run" run_client "$W/cm/client_static"
for req in 1.10 1.12; do
	check "pkg_check_modules(LIBPMEM2 REQUIRED libpmem2>=$req) project fails" \
		cmake_build "$CL/pkg_check_modules" "$W/pc$req" -DREQUIRED_VERSION=$req
	check "pkg_check_modules (>=$req) client does not run" run_client "$W/pc$req/client"
done

# ---- 5. version node and package dependencies of clients
step "5. what a client built against ours binds to and depends on"
# shellcheck disable=SC2046
gcc -o "$W/client_v1" "$CL/client.c" $(pkg-config --cflags --libs libpmem2) >"$OUT" 2>&1 ||
	cat "$OUT"
check "client (1.12.1 functions) does not build against ours" test -x "$W/client_v1"
objdump -T "$W/client_v1" >"$W/T"
check "client does not reference pmem2_map_new@LIBPMEM2_1.0" \
	grep -qE '\(LIBPMEM2_1\.0\) +pmem2_map_new$' "$W/T"
check "client references LIBPMEM2_2.0" bash -c "! grep -q LIBPMEM2_2.0 '$W/T'"
# shellcheck disable=SC2046
gcc -o "$W/client_draft" "$CL/draft.c" $(pkg-config --cflags --libs libpmem2) >"$OUT" 2>&1 ||
	cat "$OUT"
mkdir -p "$W/sd/debian"
printf 'Source: client\n\nPackage: client\nArchitecture: any\n' >"$W/sd/debian/control"
shlibdeps() { (cd "$W/sd" && dpkg-shlibdeps -O "$1" 2>/dev/null | sed -n 's/^shlibs:Depends=//p'); }
deps=$(shlibdeps "$W/client_v1")
echo "   client (1.12.1 functions): Depends: $deps"
check "client's Depends lack 'libpmem2 (>= 1.10)': $deps" grep -qF "libpmem2 (>= 1.10)" <<<"$deps"
check "client's Depends lack 'libpmem2 (<< 2~)': $deps" grep -qF "libpmem2 (<< 2~)" <<<"$deps"
check "client's Depends name libpmem2-ext: $deps" bash -c "! grep -q libpmem2-ext <<<'$deps'"
deps=$(shlibdeps "$W/client_draft")
echo "   client of the draft API: Depends: $deps"
check "draft client's Depends lack 'libpmem2-ext (>= $V)': $deps" \
	grep -qF "libpmem2-ext (>= $V)" <<<"$deps"
deps=$(dpkg-query -W -f='${Depends}' pmem2-tools)
check "pmem2-tools Depends '$deps', expected libc6 only" grep -qxE 'libc6 \(>= [0-9.]+\)' <<<"$deps"
deps=$(dpkg-query -W -f='${Depends}' libpmemset)
check "libpmemset Depends '$deps' lack libpmem2 (>= $V)" grep -qF "libpmem2 (>= $V)" <<<"$deps"
check "draft client does not run on ours" "$W/client_draft"

# ---- 6. manual pages, the tool
step "6. manual pages and the tool"
man_opens() { # PAGE...: `man -P cat` prints the page
	local n
	n=$(man -P cat "$@" 2>/dev/null | wc -l)
	[ "$n" -gt 5 ]
}
check "man pmem2_map_new does not open" man_opens pmem2_map_new
check "man pmemset_map does not open" man_opens pmemset_map
check "man 7 libpmem2 does not open" man_opens 7 libpmem2
check "man 1 pmem2 does not open" man_opens 1 pmem2
npages=0
for page in $(dpkg -L libpmem2-dev libpmemset-dev pmem2-tools | grep '^/usr/share/man/man./.*\.gz$'); do
	npages=$((npages + 1))
	check "manual page $page does not open" man_opens -l "$page"
done
echo "   $npages manual pages in our packages"
/usr/bin/pmem2 info >"$OUT" 2>&1
rc=$?
check "pmem2 info exits $rc: $(head -3 "$OUT")" test $rc -eq 0
check "pmem2 info does not report a granularity" grep -qi "granularity" "$OUT"
check "pmem2 --version: '$(/usr/bin/pmem2 --version 2>&1 | head -1)'" \
	grep -q "^pmem2 $V\b" <(/usr/bin/pmem2 --version 2>&1)

# ---- 7. remove ours, Debian's back
step "7. ours removed, Debian's libpmem2 reinstalled"
apt-get purge -y -q libpmem2 libpmem2-dev libpmemset libpmemset-dev pmem2-tools >"$OUT" 2>&1
rc=$?
check "apt-get purge of our packages failed: $(tail -n 3 "$OUT")" test $rc -eq 0
for f in "$LIB/libpmem2.so.$V" "$LIB/libpmemset.so.1" "$LIB/libpmemset.a" \
	"$LIB/pkgconfig/libpmemset.pc" "$LIB/cmake/PMEM2" /usr/include/libpmemset.h \
	/usr/bin/pmem2 /usr/share/man/man3/pmemset_map.3.gz; do
	check "left behind by ours: $f" test ! -e "$f"
done
apt-get install -y -q libpmem2 libpmem2-dev >"$OUT" 2>&1
rc=$?
check "apt-get install libpmem2 libpmem2-dev (Debian's) failed: $(tail -n 3 "$OUT")" test $rc -eq 0
check "libpmem2 after reinstall: $(pkg_version libpmem2)" \
	test "$(pkg_version libpmem2)" = "install ok installed 1.12.1-2"
check "libpmem2-dev after reinstall: $(pkg_version libpmem2-dev)" \
	test "$(pkg_version libpmem2-dev)" = "install ok installed 1.12.1-2"
dpkg --verify libpmem2 libpmem2-dev >"$OUT" 2>&1
check "dpkg --verify libpmem2 libpmem2-dev: $(head -3 "$OUT")" test ! -s "$OUT"
check "libpmem2.so.1 is not Debian's 1.0.0 again" \
	test "$(readlink -f $LIB/libpmem2.so.1)" = "$LIB/libpmem2.so.1.0.0"
check "PMDK-built basic does not run on Debian's again" \
	"$W/pmdk-built/basic" "$W/files/basic"
check "client built against ours does not run on Debian's PMDK 1.12.1" \
	run_client "$W/client_v1"
summary
