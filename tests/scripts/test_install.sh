#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_install.sh BUILD_DIR SOURCE_DIR -- what `cmake --install` gives a
# user, checked the way a user's build system finds it (doc/packaging.md):
#  (a) one version: VERSION, debian/changelog, the .so file names, the .pc
#      files, the CMake package version, `pmem2 --version` (C code gets it
#      as PMEM2_PROJECT_VERSION);
#  (b) the installed files: libraries, static archives, headers, .pc files,
#      the CMake package, every manual page of doc/man;
#  (c) pkg-config: the version satisfies `libpmem2 >= 1.10` and `>= 1.12`
#      (not `>= 2.0`); a program builds with --cflags --libs and runs;
#  (d) the static archives: only public functions are global in them, and a
#      program linking libpmem2.a and libpmemset.a builds and runs, each
#      library with its own (local) copy of the shared internals;
#  (e) CMake: find_package(PMEM2 1.10 CONFIG COMPONENTS pmem2 pmemset)
#      with the shared and the static targets, and pkg_check_modules(...
#      libpmem2>=1.10 / >=1.12), configure, build and run;
#  (f) the default version node: a program built against ours references
#      name@LIBPMEM2_1.0 only, and runs on Debian's PMDK 1.12.1 library;
#  (g) dpkg-gensymbols finds no difference between the libraries and
#      debian/libpmem2.symbols, debian/libpmemset.symbols;
#  (h) GNUInstallDirs: with CMAKE_INSTALL_PREFIX=/usr on Debian the
#      libraries go to lib/<multiarch>.
# Prints "N passed, N failed"; exits non-zero on any failure. A missing
# tool (pkg-config, dpkg-gensymbols, Debian's libpmem2) is a failure.

BUILD=$(cd "${1:?usage: test_install.sh BUILD_DIR SOURCE_DIR}" && pwd)
SRC=$(cd "${2:?usage: test_install.sh BUILD_DIR SOURCE_DIR}" && pwd)
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
CLIENT=$SRC/tests/pkg/client # the client programs and projects

scratch test_install
WORK=$SCRATCH
LOG=$WORK/log

missing=
for tool in pkg-config nm objdump readelf cmake; do
	command -v $tool >/dev/null || missing="$missing $tool"
done
if [ -n "$missing" ]; then
	fail "not installed:$missing (scripts/deps.sh test)"
	summary
fi

# the build's compiler and sanitizer flags, for the programs built here
cache() { sed -n "s/^$1:[A-Z]*=//p" "$BUILD/CMakeCache.txt"; }
CC=$(cache CMAKE_C_COMPILER)
SAN=
[ "$(cache SANITIZE)" = ON ] && SAN="-fsanitize=address,undefined"
[ "$(cache SANITIZE_THREAD)" = ON ] && SAN="-fsanitize=thread"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}

# ---- (a) one version
V=$(cat "$SRC/VERSION")
check "VERSION '$V' is not X.Y.Z" grep -qxE '[0-9]+\.[0-9]+\.[0-9]+' "$SRC/VERSION"
deb_v=$(sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' "$SRC/debian/changelog")
check "debian/changelog says '$deb_v', VERSION says '$V'" test "$deb_v" = "$V"
for lib in libpmem2 libpmemset; do
	real=$(basename "$(readlink -f "$BUILD/$lib.so.1")")
	check "$lib.so.1 is $real, expected $lib.so.$V" test "$real" = "$lib.so.$V"
done
"$BUILD/tools/pmem2" --version >"$LOG" 2>&1
check "pmem2 --version: '$(head -1 "$LOG")', expected 'pmem2 $V ...'" \
	grep -q "^pmem2 $V\b" "$LOG"

# ---- (b) install into a prefix of our own
INST=$WORK/inst
if ! cmake --install "$BUILD" --prefix "$INST" >"$LOG" 2>&1; then
	cat "$LOG"
	fail "cmake --install failed"
	summary
fi
LIBDIR=$INST/$(cache CMAKE_INSTALL_LIBDIR)
INC=$INST/include
for f in libpmem2.so.$V libpmem2.so.1 libpmem2.so libpmem2.a \
	libpmemset.so.$V libpmemset.so.1 libpmemset.so libpmemset.a \
	pkgconfig/libpmem2.pc pkgconfig/libpmemset.pc \
	cmake/PMEM2/PMEM2Config.cmake cmake/PMEM2/PMEM2ConfigVersion.cmake \
	cmake/PMEM2/PMEM2-pmem2-targets.cmake cmake/PMEM2/PMEM2-pmemset-targets.cmake; do
	check "not installed: $LIBDIR/$f" test -e "$LIBDIR/$f"
done
check "libpmem2.so.1 is not a link to libpmem2.so.$V" \
	test "$(readlink "$LIBDIR/libpmem2.so.1")" = "libpmem2.so.$V"
for h in $(cd "$SRC/include" && find . -name '*.h' | sort); do
	check "header not installed: include/$h" cmp -s "$SRC/include/$h" "$INC/$h"
done
for page in "$SRC"/doc/man/*.[137]; do
	s=${page##*.}
	check "manual page not installed: man$s/$(basename "$page")" \
		test -f "$INST/share/man/man$s/$(basename "$page")"
done
check "pmem2 tool not installed" test -x "$INST/bin/pmem2"

# ---- (c) pkg-config
export PKG_CONFIG_PATH=$LIBDIR/pkgconfig
for m in libpmem2 libpmemset; do
	check "pkg-config --modversion $m is '$(pkg-config --modversion $m 2>&1)', expected $V" \
		test "$(pkg-config --modversion $m 2>&1)" = "$V"
	check "$m: prefix in the .pc file is not the install prefix $INST" \
		test "$(pkg-config --variable=prefix $m)" = "$INST"
done
check "pkg-config: libpmem2 >= 1.10 not satisfied" pkg-config --exists 'libpmem2 >= 1.10'
check "pkg-config: libpmem2 >= 1.12 not satisfied" pkg-config --exists 'libpmem2 >= 1.12'
check "pkg-config: libpmem2 >= 2.0 satisfied (binaries bind LIBPMEM2_1.0)" \
	test "$(pkg-config --exists 'libpmem2 >= 2.0'; echo $?)" = 1
check "pkg-config --cflags libpmemset lacks -I$INC" \
	grep -q -- "-I$INC" <<<"$(pkg-config --cflags libpmemset)"
check "pkg-config --static --libs libpmemset lacks -lpmem2 (Requires.private)" \
	grep -q -- "-lpmem2" <<<"$(pkg-config --static --libs libpmemset)"

DATA=$WORK/data
truncate -s 1M "$DATA"
# run_client PROGRAM [ENV...]: runs it on $DATA, checks it said "client ok"
run_client() {
	local prog=$1
	shift
	env "$@" "$prog" "$DATA" >"$LOG" 2>&1 && grep -qx "client ok" "$LOG" ||
		{ cat "$LOG"; return 1; }
}

# shellcheck disable=SC2046
$CC $SAN -DWITH_PMEMSET -o "$WORK/client_pc" "$CLIENT/client.c" \
	$(pkg-config --cflags --libs libpmemset libpmem2) >"$LOG" 2>&1 || cat "$LOG"
check "client does not build with pkg-config --cflags --libs libpmemset libpmem2" \
	test -x "$WORK/client_pc"
check "pkg-config-built client does not run" \
	run_client "$WORK/client_pc" LD_LIBRARY_PATH="$LIBDIR"

# ---- (d) static archives
for lib in pmem2 pmemset; do
	sed -n 's/^[[:space:]]*\([a-z0-9_]*\);.*/\1/p' "$SRC/src/$lib/lib$lib.map" |
		sort -u >"$WORK/$lib.names"
	nm -g --defined-only "$LIBDIR/lib$lib.a" | awk 'NF == 3 { print $3 }' |
		sed 's/@@.*//' | sort >"$WORK/$lib.globals"
	check "lib$lib.a: global names other than the public ones (or a name twice): $(
		comm -3 "$WORK/$lib.names" "$WORK/$lib.globals" | tr '\n' ' ')" \
		cmp -s "$WORK/$lib.names" "$WORK/$lib.globals"
done
$CC $SAN -DWITH_PMEMSET -o "$WORK/client_static" "$CLIENT/client.c" -I"$INC" \
	"$LIBDIR/libpmemset.a" "$LIBDIR/libpmem2.a" -pthread >"$LOG" 2>&1 || cat "$LOG"
check "client does not link with libpmemset.a and libpmem2.a" test -x "$WORK/client_static"
check "statically linked client needs a libpmem shared library" \
	bash -c "! readelf -d '$WORK/client_static' | grep NEEDED | grep -q libpmem"
check "statically linked client does not run" run_client "$WORK/client_static"
# the internals (here err_set, of src/core) are there twice, both local
check "statically linked client: err_set is not local to each library" \
	test "$(nm "$WORK/client_static" | grep -c ' t err_set$')" = 2
check "statically linked client: a global err_set" \
	bash -c "! nm '$WORK/client_static' | grep -q ' T err_set$'"

# ---- (e) CMake: find_package and pkg_check_modules
cmake_client() { # SRCDIR BUILDDIR [-DVAR=VALUE...]
	local src=$1 bld=$2
	shift 2
	cmake -S "$src" -B "$bld" -DCMAKE_PREFIX_PATH="$INST" -DCMAKE_C_COMPILER="$CC" \
		-DCMAKE_C_FLAGS="$SAN" -DCMAKE_EXE_LINKER_FLAGS="$SAN" \
		-DCMAKE_BUILD_RPATH="$LIBDIR" "$@" >"$LOG" 2>&1 &&
		cmake --build "$bld" >>"$LOG" 2>&1 || { cat "$LOG"; return 1; }
}
check "CMake project with find_package(PMEM2 1.10 CONFIG COMPONENTS pmem2 pmemset) fails" \
	cmake_client "$CLIENT/find_package" "$WORK/cm" -DEXPECT_VERSION="$V"
check "find_package client (PMEM2::pmemset, PMEM2::pmem2) does not run" \
	run_client "$WORK/cm/client_shared"
check "find_package client (PMEM2::pmemset_static) does not run" \
	run_client "$WORK/cm/client_static"
check "find_package client (PMEM2::pmemset_static) links a libpmem shared library" \
	bash -c "! readelf -d '$WORK/cm/client_static' | grep NEEDED | grep -q libpmem"
mkdir -p "$WORK/cm2"
cat >"$WORK/cm2/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.16)
project(client C)
find_package(PMEM2 CONFIG REQUIRED COMPONENTS nosuch)
EOF
cmake -S "$WORK/cm2" -B "$WORK/cm2/b" -DCMAKE_PREFIX_PATH="$INST" >"$LOG" 2>&1
check "find_package(PMEM2 COMPONENTS nosuch) succeeded" \
	grep -q "component 'nosuch' is not installed" "$LOG"

for req in 1.10 1.12; do
	check "CMake project with pkg_check_modules(LIBPMEM2 REQUIRED libpmem2>=$req) fails" \
		cmake_client "$CLIENT/pkg_check_modules" "$WORK/pc$req" -DREQUIRED_VERSION=$req
	check "pkg_check_modules (libpmem2>=$req) client does not run" \
		run_client "$WORK/pc$req/client"
done

# ---- (f) the default version node, and Debian's PMDK running our client
objdump -T "$WORK/client_pc" >"$WORK/client.T"
check "client built against ours does not reference pmem2_map_new@LIBPMEM2_1.0" \
	grep -qE '\(LIBPMEM2_1\.0\) +pmem2_map_new$' "$WORK/client.T"
check "client built against ours references LIBPMEM2_2.0" \
	bash -c "! grep -q LIBPMEM2_2.0 '$WORK/client.T'"
$CC $SAN -o "$WORK/client2" "$CLIENT/client.c" -I"$INC" -L"$LIBDIR" -lpmem2 >"$LOG" 2>&1 ||
	cat "$LOG"
PMDK=/usr/lib/$($CC -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)/libpmem2.so.1
if [ "$(readlink -f "$PMDK")" != "$(dirname "$PMDK")/libpmem2.so.1.0.0" ]; then
	fail "Debian's PMDK libpmem2 (libpmem2.so.1.0.0) is not the system's" \
		"$PMDK: apt-get install libpmem2-dev (scripts/deps.sh test)"
else
	# no LD_LIBRARY_PATH, no rpath: the loader takes the system's PMDK
	ldd "$WORK/client2" >"$WORK/ldd" 2>&1
	check "client2 does not load $PMDK: $(grep libpmem2 "$WORK/ldd")" \
		grep -q "libpmem2.so.1 => $PMDK\|libpmem2.so.1 => /lib/.*/libpmem2.so.1 " "$WORK/ldd"
	check "client built against ours does not run on Debian's PMDK 1.12.1" \
		run_client "$WORK/client2" ASAN_OPTIONS=detect_leaks=0
fi

# ---- (g) debian/*.symbols against the libraries
if ! command -v dpkg-gensymbols >/dev/null; then
	fail "dpkg-gensymbols is not installed (dpkg-dev; scripts/deps.sh test)"
else
	for p in libpmem2 libpmemset; do
		mkdir -p "$WORK/gs/$p"
		(cd "$WORK/gs/$p" && dpkg-gensymbols -p$p -v"$V" -c4 \
			-I"$SRC/debian/$p.symbols" -e"$BUILD/$p.so.1" \
			-O"$WORK/gs/$p.out") >"$LOG" 2>&1
		rc=$?
		check "dpkg-gensymbols: $BUILD/$p.so.1 differs from debian/$p.symbols:
$(cat "$LOG")" test $rc -eq 0
	done
fi

# ---- (h) GNUInstallDirs under /usr on Debian
if [ -e /etc/debian_version ]; then
	cmake -S "$SRC" -B "$WORK/usr" -DCMAKE_INSTALL_PREFIX=/usr -DPMEM2_BUILD_TESTS=OFF \
		-DCMAKE_C_COMPILER="$CC" >"$LOG" 2>&1 || cat "$LOG"
	multiarch=$($CC -print-multiarch)
	libdir=$(sed -n 's/^CMAKE_INSTALL_LIBDIR:PATH=//p' "$WORK/usr/CMakeCache.txt")
	check "prefix /usr: CMAKE_INSTALL_LIBDIR is '$libdir', expected lib/$multiarch" \
		test "$libdir" = "lib/$multiarch"
fi

summary
