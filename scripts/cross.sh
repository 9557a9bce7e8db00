#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# cross.sh -- build the project for aarch64, ppc64le and riscv64 with
# Debian 12's cross compilers and run its test programs under QEMU 7.2's
# user-mode emulator, once with a processor model that has each
# persistence feature and once with one that lacks it:
#
#   aarch64  -cpu max         DC CVAP + DC CVADP (DCPoP, DPB2), 32-byte lines
#            -cpu cortex-a57  ARMv8.0: DC CVAC only, 64-byte lines
#            -cpu a64fx       DC CVAP, 256-byte lines (durability proof only)
#            and a build with -march=armv9-a -mbranch-protection=standard
#            (PMDK's ".arch armv8.2-a" broke such builds), run on -cpu max:
#            its test_arch and the durability proof in quick mode (13 flag
#            combinations: the full proof runs on the default build with
#            the same model)
#   ppc64le  -cpu power10     dcbstps + phwsync (ISA 3.1)
#            -cpu power9      dcbf + hwsync
#   riscv64  -cpu rv64 with PMEM2_TEST_ZICBOM_BLOCK_SIZE=64   cbo.clean
#            -cpu rv64                                        no clean: msync
#
# QEMU 7.2 lacks a few instructions its models claim (DC CVAP/CVADP in user
# mode, dcbstps/phwsync) and Zicbom and riscv_hwprobe altogether:
# tests/durability/qemu_isa_shim.c, preloaded, steps over exactly those
# and counts them (see there). Every test program runs except the shell
# script tests and the PMDK compatibility tests, which need host tools and
# the host's PMDK; the durability proof runs with PMEM2_TEST_QUICK=sizes
# (every engine, clean, granularity and flag combination; fewer sizes).
#
# Installs the cross toolchains and qemu-user with apt when missing
# (idempotent). Builds go to build-cross/<arch>. Two runs at a time (the
# machine has 2 CPUs). Prints "N passed, N failed" (summed from the test
# programs) at the end; exits non-zero on any failure.
#
# Usage: scripts/cross.sh [aarch64|ppc64le|riscv64 ...]   (default: all)
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build-cross
arches=("$@")
[ ${#arches[@]} -gt 0 ] || arches=(aarch64 ppc64le riscv64)
t_start=$(date +%s)

triplet() {
	case $1 in
	aarch64) echo aarch64-linux-gnu ;;
	ppc64le) echo powerpc64le-linux-gnu ;;
	riscv64) echo riscv64-linux-gnu ;;
	*) echo "cross.sh: unknown architecture $1" >&2; return 1 ;;
	esac
}

libc_pkg() {
	case $1 in
	aarch64) echo libc6-dev-arm64-cross ;;
	ppc64le) echo libc6-dev-ppc64el-cross ;;
	riscv64) echo libc6-dev-riscv64-cross ;;
	esac
}

# ---- toolchains (apt is idempotent; only a missing package costs time)
pkgs=(qemu-user cmake make)
for a in "${arches[@]}"; do
	t=$(triplet "$a") || exit 2
	pkgs+=("gcc-$t" "g++-$t" "$(libc_pkg "$a")")
done
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "cross.sh: installing ${missing[*]}"
	SUDO=
	[ "$(id -u)" = 0 ] || SUDO=sudo
	export DEBIAN_FRONTEND=noninteractive
	if ! { $SUDO apt-get update -qq >/dev/null &&
		$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }; then
		echo "cross.sh: cannot install ${missing[*]}"
		echo "0 passed, 1 failed"
		exit 1
	fi
fi

mkdir -p "$out"
log=$out/logs
rm -rf "$log"
mkdir -p "$log"
status=0
fails=0

# ---- builds (one at a time, -j2)
build() { # name, arch, extra cmake args...
	local name=$1 a=$2 t
	shift 2
	t=$(triplet "$a")
	local b0 b1
	b0=$(date +%s)
	if cmake -S "$top" -B "$out/$name" \
		-DCMAKE_TOOLCHAIN_FILE="$top/cmake/toolchains/$t.cmake" \
		-DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >"$log/cmake-$name.log" 2>&1 &&
		cmake --build "$out/$name" -j2 >"$log/build-$name.log" 2>&1 &&
		"$t-gcc" -O2 -Wall -Wextra -Werror -shared -fPIC \
			-o "$out/$name/qemu_isa_shim.so" \
			"$top/tests/durability/qemu_isa_shim.c" >>"$log/build-$name.log" 2>&1; then
		b1=$(date +%s)
		echo "built  $name ($((b1 - b0)) s)"
		return 0
	fi
	echo "BUILD FAILED: $name"
	tail -n 30 "$log/build-$name.log" "$log/cmake-$name.log"
	return 1
}

# ---- one emulated run: ctest over the build with a processor model
# name, build, qemu binary, ld prefix, cpu, tests regex, extra guest env
run() {
	local name=$1 b=$2 qemu=$3 prefix=$4 cpu=$5 regex=$6 extra=$7
	local r0 r1 quick=sizes
	case $extra in PMEM2_TEST_QUICK=*) quick=${extra#*=}; extra= ;; esac
	local env="LD_PRELOAD=$out/$b/qemu_isa_shim.so,PMEM2_TEST_QUICK=$quick,PMEM2_TEST_EMULATOR=$(command -v "$qemu"),QEMU_ISA_SHIM_REPORT=$log/shim-$name.txt"
	[ -n "$extra" ] && env="$env,$extra"
	r0=$(date +%s)
	(cd "$out/$b" && QEMU_CPU=$cpu QEMU_LD_PREFIX=$prefix QEMU_SET_ENV=$env \
		ctest -j1 -R "$regex" -E '^(script|compat)/' \
		-V -O "$log/run-$name.log" >/dev/null 2>&1)
	local rc=$?
	r1=$(date +%s)
	echo "$rc $((r1 - r0))" >"$log/rc-$name"
}

# the runs, each "name build qemu prefix cpu regex extra-env"
runs=()
built=()
for a in "${arches[@]}"; do
	t=$(triplet "$a")
	case $a in
	aarch64)
		if build aarch64 aarch64; then
			built+=(aarch64)
			runs+=("aarch64-max aarch64 qemu-aarch64 /usr/$t max . -")
			runs+=("aarch64-cortex-a57 aarch64 qemu-aarch64 /usr/$t cortex-a57 . -")
			runs+=("aarch64-a64fx aarch64 qemu-aarch64 /usr/$t a64fx durability -")
		else
			status=1; fails=$((fails + 1))
		fi
		if build aarch64-armv9 aarch64 \
			"-DCMAKE_C_FLAGS=-march=armv9-a -mbranch-protection=standard"; then
			runs+=("aarch64-armv9-max aarch64-armv9 qemu-aarch64 /usr/$t max (durability|unit/test_arch) PMEM2_TEST_QUICK=1")
		else
			status=1; fails=$((fails + 1))
		fi
		;;
	ppc64le)
		if build ppc64le ppc64le; then
			runs+=("ppc64le-power10 ppc64le qemu-ppc64le /usr/$t power10 . -")
			runs+=("ppc64le-power9 ppc64le qemu-ppc64le /usr/$t power9 . -")
		else
			status=1; fails=$((fails + 1))
		fi
		;;
	riscv64)
		if build riscv64 riscv64; then
			runs+=("riscv64-zicbom riscv64 qemu-riscv64 /usr/$t rv64 . PMEM2_TEST_ZICBOM_BLOCK_SIZE=64")
			runs+=("riscv64-nozicbom riscv64 qemu-riscv64 /usr/$t rv64 . -")
		else
			status=1; fails=$((fails + 1))
		fi
		;;
	esac
done

# ---- run them, two at a time
for spec in "${runs[@]}"; do
	read -r name b qemu prefix cpu regex extra <<<"$spec"
	[ "$extra" = - ] && extra=
	while [ "$(jobs -rp | wc -l)" -ge 2 ]; do
		wait -n
	done
	echo "start  $name (-cpu $cpu)"
	run "$name" "$b" "$qemu" "$prefix" "$cpu" "$regex" "$extra" &
done
wait

total_pass=0
total_fail=$fails
printf '\n%-22s %6s %6s %7s  %s\n' run passed failed seconds notes
for spec in "${runs[@]}"; do
	read -r name _ <<<"$spec"
	read -r rc secs <"$log/rc-$name" 2>/dev/null || { rc=1; secs=?; }
	# the programs' own closing lines (ctest -V prefixes "<test>: ")
	pf=$(sed -nE 's/^([0-9]+: )?([0-9]+) passed, ([0-9]+) failed.*/\2 \3/p' \
		"$log/run-$name.log" 2>/dev/null | awk '{p+=$1; f+=$2} END {print p+0, f+0}')
	read -r p f <<<"$pf"
	# what the shim stood in for (counts summed over the programs)
	shim=$(grep -ho 'qemu-isa-shim: emulated.*' "$log/shim-$name.txt" 2>/dev/null |
		tr ' ' '\n' | grep = | awk -F= '{n[$1] += $2} END {for (k in n) printf "%s=%d ", k, n[k]}')
	notes=${shim:+emulated: $shim}
	if [ "$rc" != 0 ] || [ "$f" -gt 0 ]; then
		status=1
		[ "$f" -gt 0 ] || f=1
		notes="FAILED (log: $log/run-$name.log) $notes"
		grep -E '^([0-9]+: )?FAIL|\*\*\*(Failed|Timeout)' "$log/run-$name.log" | head -20
	fi
	printf '%-22s %6d %6d %7s  %s\n' "$name" "$p" "$f" "$secs" "$notes"
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
done
echo "cross.sh: $(($(date +%s) - t_start)) s in all, logs in $log"
echo "$total_pass passed, $total_fail failed"
exit $status
