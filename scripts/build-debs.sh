#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# build-debs.sh [OUTDIR] -- build the Debian packages of this tree:
# libpmem2, libpmem2-dev, libpmemset, libpmemset-dev and pmem2-tools
# (debian/, doc/packaging.md). Installs what building needs (apt), copies
# the tree as it is now (committed or not, without build directories) to
# OUTDIR/src, runs `dpkg-buildpackage -b -us -uc` there and leaves the .deb
# files in OUTDIR (default: build-debs/ at the top of the tree), the
# build's log in OUTDIR/build.log. Prints the packages it made.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build-debs}
mkdir -p "$out"
out=$(cd "$out" && pwd)
version=$(cat "$top/VERSION")

bash "$top/scripts/deps.sh" pkg

stage=$out/src/pmem2-$version
rm -rf "$out/src"
mkdir -p "$stage"
# the tree as it is, but not build output or git's own files
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git -C "$top" ls-files -z --cached --others --exclude-standard |
		(cd "$top" && xargs -0 -r sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh) |
		tar -C "$top" --null -T - -cf - | tar -C "$stage" -xf -
else
	tar -C "$top" --exclude='./build*' -cf - . | tar -C "$stage" -xf -
fi

# the build dependencies debian/control names
if ! (cd "$stage" && dpkg-checkbuilddeps) 2>/dev/null; then
	echo "build-debs.sh: installing the build dependencies of debian/control" >&2
	SUDO=
	[ "$(id -u)" = 0 ] || SUDO=sudo
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get build-dep -y -qq "$stage" >/dev/null
fi

rm -f "$out"/*.deb "$out"/*.ddeb "$out"/*.buildinfo "$out"/*.changes
echo "build-debs.sh: building the packages of $version (log: $out/build.log)" >&2
if ! (cd "$stage" && dpkg-buildpackage -b -us -uc -j"${PMEM2_JOBS:-$(nproc)}") \
	>"$out/build.log" 2>&1; then
	tail -n 40 "$out/build.log" >&2
	echo "build-debs.sh: dpkg-buildpackage failed (full log: $out/build.log)" >&2
	exit 1
fi
mv "$out"/src/*.deb "$out"/
mv "$out"/src/*.ddeb "$out"/src/*.buildinfo "$out"/src/*.changes "$out"/ 2>/dev/null || true
rm -rf "$stage"
ls "$out"/*.deb
