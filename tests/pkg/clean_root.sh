#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# clean_root.sh [--debs DIR] -- the packages on a clean Debian 12 system.
#
# The build machine's own / is the oracle of the compatibility tests (it
# keeps Debian's PMDK libpmem2-dev), so the packages are tried in a root
# made for this test: a minimal Debian 12 (debootstrap --variant=minbase
# bookworm) with what clients need (gcc, make, pkg-config, cmake, man-db,
# dpkg-dev) and Debian's own libpmem2 and libpmem2-dev, which ours must
# replace. This script
#   1. builds the packages (scripts/build-debs.sh), unless --debs names a
#      directory that has them;
#   2. makes the root, or unpacks it from the cache: a tar of the root in
#      $PMEM2_PKGTEST_CACHE (default /var/cache/pmem2-pkgtest) keyed by the
#      package list, the mirror and the ISO week, so runs in the same week
#      reuse it and a new week picks up Debian's updates;
#   3. mounts /proc, /sys and /dev in it, runs tests/pkg/in_root.sh there
#      (chroot) and unmounts them on every way out.
# in_root.sh does the checks (see there). Needs root (debootstrap, chroot,
# mount) and, on a cold cache, Debian's mirror. Anything missing is a
# failure with a message, never a skip. Prints each phase's time and
# "N passed, N failed" (this script's checks plus in_root.sh's); exits
# non-zero on any failure.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
debs=
[ "${1:-}" = --debs ] && debs=${2:?--debs DIR}

# shellcheck source=../scripts/lib.sh
. "$top/tests/scripts/lib.sh"
finish() {
	echo "clean-root test: $(($(date +%s) - t0)) s in all"
	summary
}
t0=$(date +%s)
phase() { # phase NAME START: prints how long NAME took
	echo "-- $1: $(($(date +%s) - $2)) s"
}

SUITE=bookworm
MIRROR=${PMEM2_PKGTEST_MIRROR:-http://deb.debian.org/debian}
CACHE=${PMEM2_PKGTEST_CACHE:-/var/cache/pmem2-pkgtest}
# what the root holds besides minbase: the clients' tools, dpkg-dev for
# dpkg-shlibdeps, and Debian's PMDK libpmem2 that ours must replace
INCLUDE=gcc,libc6-dev,make,pkg-config,cmake,man-db,dpkg-dev,libpmem2,libpmem2-dev
V=$(cat "$top/VERSION")
ARCH=$(dpkg --print-architecture)

if [ "$(id -u)" != 0 ]; then
	fail "clean_root.sh needs root (debootstrap, chroot, mount)"
	finish
fi
if ! bash "$top/scripts/deps.sh" pkg; then
	fail "scripts/deps.sh pkg could not install debootstrap and the packaging tools"
	finish
fi

WORK=$(mktemp -d /tmp/pmem2-pkgtest.XXXXXX)
ROOT=$WORK/root
mounts=()
cleanup() {
	local i
	for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
		umount "${mounts[i]}" 2>/dev/null || umount -l "${mounts[i]}" 2>/dev/null ||
			echo "clean_root.sh: cannot unmount ${mounts[i]}" >&2
	done
	mounts=()
	# never follow a mount that is still there into the host
	if ! grep -q " $ROOT/" /proc/mounts; then
		rm -rf --one-file-system "$WORK"
	else
		echo "clean_root.sh: $ROOT still has mounts; left in place" >&2
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# ---- 1. the packages
t=$(date +%s)
if [ -z "$debs" ]; then
	debs=$WORK/debs
	if ! bash "$top/scripts/build-debs.sh" "$debs" >"$WORK/build-debs.log" 2>&1; then
		cat "$WORK/build-debs.log"
		fail "scripts/build-debs.sh failed"
		finish
	fi
fi
debs=$(cd "$debs" && pwd)
for p in libpmem2 libpmem2-dev libpmemset libpmemset-dev pmem2-tools; do
	check "package ${p}_${V}_${ARCH}.deb not built (in $debs)" \
		test -e "$debs/${p}_${V}_${ARCH}.deb"
done
[ "$lib_failed" -eq 0 ] || finish
phase "packages built" "$t"

# ---- 2. the root, from the cache or made now
t=$(date +%s)
key=$(printf '%s\n' "$SUITE" "$MIRROR" "$INCLUDE" "$(date +%G-W%V)" |
	sha256sum | cut -c1-16)
tarball=$CACHE/$SUITE-minbase-$key.tar.zst
mkdir -p "$CACHE" "$ROOT"
if [ -s "$tarball" ]; then
	echo "-- root: from the cache, $tarball"
else
	echo "-- root: none cached for this week and package list; debootstrap from $MIRROR"
	mkroot=$WORK/mkroot
	if ! debootstrap --variant=minbase --include="$INCLUDE" "$SUITE" "$mkroot" \
		"$MIRROR" >"$WORK/debootstrap.log" 2>&1; then
		tail -n 30 "$WORK/debootstrap.log"
		fail "debootstrap $SUITE from $MIRROR failed (no network to Debian's mirror?)"
		finish
	fi
	# package lists, so that apt in the root can reinstall Debian's
	# libpmem2 after ours is removed; the mirror's .debs stay in
	# var/cache/apt/archives
	cp /etc/resolv.conf "$mkroot/etc/resolv.conf"
	if ! chroot "$mkroot" apt-get update -qq >"$WORK/apt-update.log" 2>&1; then
		cat "$WORK/apt-update.log"
		fail "apt-get update in the new root failed"
		finish
	fi
	chroot "$mkroot" apt-get install -qq --download-only --reinstall -y \
		libpmem2 libpmem2-dev >/dev/null 2>&1
	# of apt's caches only Debian's libpmem2 .debs are needed again
	find "$mkroot/var/cache/apt/archives" -name '*.deb' ! -name 'libpmem2_*' \
		! -name 'libpmem2-dev_*' -delete
	rm -f "$mkroot"/var/cache/apt/*.bin "$mkroot"/var/lib/apt/lists/*Translation*
	rm -f "$CACHE"/"$SUITE"-minbase-*.tar*
	tar -C "$mkroot" -I 'zstd -q -T0 -3' -cf "$tarball.part" . &&
		mv "$tarball.part" "$tarball"
	rm -rf --one-file-system "$mkroot"
	phase "root made and cached (cold)" "$t"
	t=$(date +%s)
fi
if ! tar -C "$ROOT" -I 'zstd -q -d -T0' -xf "$tarball"; then
	fail "cannot unpack $tarball"
	rm -f "$tarball"
	finish
fi
phase "root unpacked" "$t"

# ---- 3. the checks, inside the root
for m in proc sys dev; do
	case $m in
	proc) mount -t proc proc "$ROOT/proc" ;;
	sys) mount -t sysfs -o ro sysfs "$ROOT/sys" ;;
	dev) mount --bind /dev "$ROOT/dev" ;;
	esac && mounts+=("$ROOT/$m") || fail "cannot mount $m in the root"
done
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
mkdir -p "$ROOT/debs"
cp "$debs"/*_"$V"_"$ARCH".deb "$ROOT/debs/"
rm -f "$ROOT"/debs/*-dbgsym_*.deb
mkdir -p "$ROOT/pkgtest"
cp -r "$top/tests/pkg/in_root.sh" "$top/tests/scripts/lib.sh" "$top/tests/pkg/client" \
	"$ROOT/pkgtest/"

t=$(date +%s)
chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
	TERM=dumb DEBIAN_FRONTEND=noninteractive \
	bash /pkgtest/in_root.sh "$V" 2>&1 |
	sed -uE 's/^([0-9]+ passed, [0-9]+ failed)$/in the root: \1/' |
	tee "$WORK/in_root.log"
rc=${PIPESTATUS[0]}
phase "checks in the root" "$t"
# in_root.sh's own summary, renamed above so that only this script's
# total reads as one to scripts/test.sh
line=$(sed -nE 's/^in the root: ([0-9]+ passed, [0-9]+ failed)$/\1/p' "$WORK/in_root.log" | tail -n 1)
if [ -z "$line" ]; then
	fail "in_root.sh ended without its summary (exit $rc)"
else
	# its counts join this script's (lib.sh's counters)
	f=${line#*, }
	lib_passed=$((lib_passed + ${line%% *}))
	lib_failed=$((lib_failed + ${f%% *}))
	[ $rc -eq 0 ] || [ "${f%% *}" != 0 ] || fail "in_root.sh exited $rc"
fi
finish
