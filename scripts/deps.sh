#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# deps.sh -- install what building and testing need on Debian 12.
# Usage: scripts/deps.sh [build|test|vm|pkg]
#   test and vm include build, vm includes test; pkg (building the Debian
#   packages and the clean-root test, tests/pkg/) includes build.
# Idempotent: installs only missing packages. Needs root (or sudo).
set -euo pipefail
level=${1:-build}
pkgs=(gcc g++ clang make cmake pkg-config)
# valgrind: its <valgrind/valgrind.h> lets the library tell memcheck what
# msync means (src/core/vg_hint.h); build time only, optional
pkgs+=(valgrind)
if [ "$level" = test ] || [ "$level" = vm ]; then
	# libpmem2-dev: Debian's PMDK 1.12.1, the reference our compatibility
	# and differential tests compare against (never linked into the repo)
	pkgs+=(libpmem2-dev binutils util-linux)
	pkgs+=(groff-base) # test_docs.sh renders the manual pages
	pkgs+=(libclang-rt-14-dev) # libFuzzer runtime (scripts/fuzz.sh)
	pkgs+=(dpkg-dev)   # test_install.sh checks debian/*.symbols
fi
if [ "$level" = pkg ]; then
	# scripts/build-debs.sh and tests/pkg/clean_root.sh
	pkgs+=(dpkg-dev debhelper debootstrap debian-archive-keyring binutils zstd)
fi
if [ "$level" = vm ]; then
	pkgs+=(qemu-system-x86 kmod cpio gzip ndctl daxctl e2fsprogs)
fi
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
