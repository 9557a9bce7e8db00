#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# run.sh -- benchmark our libpmem2 against Debian's PMDK 1.12.1 libpmem2.
#
# Usage: bench/run.sh [BUILD_DIR]      (default BUILD_DIR: build-release)
#
# Builds our library in BUILD_DIR (Release) if needed, compiles bench/bench.c
# twice -- against our library and against PMDK's -- and runs the two
# binaries alternately, case by case (which one goes first alternates too),
# for BENCH_ROUNDS rounds (default 7), plus the machine's own loops once per
# round. Each binary reports per case the median of many timed batches
# (see bench.c); this script
# takes the median across rounds, computes our/PMDK ratios and prints a
# markdown report (also written to BUILD_DIR/bench/report.md, raw numbers
# to BUILD_DIR/bench/results.tsv). The report ends with libpmemset at scale
# (bench/pmemset_scale.c: 2 500 and 10 000 parts mapped, looked up and
# deleted; ours only, PMDK's libpmemset was never packaged).
#
# If our library does not build or link yet, the PMDK and machine columns
# are still measured and ours are shown as "-".
#
# Environment: BENCH_ROUNDS (default 7), BENCH_BUDGET_MS (time per case per
# run, default 60), BENCH_DIR (where the files live, default /dev/shm),
# BENCH_FILTER (substring of "op/map/bytes/flags": only those cases),
# BENCH_CPU (CPU to pin to; default the last one; "none" to not pin),
# BENCH_PMDK_ONLY=1 (do not build or run ours).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=${1:-$root/build-release}
mkdir -p "$build"
build=$(cd "$build" && pwd)
out=$build/bench
rounds=${BENCH_ROUNDS:-7}
mkdir -p "$out"

log() { echo "run.sh: $*" >&2; }

# ---- what is needed: gcc, cmake, Debian's libpmem2-dev (the reference)
if [ ! -e /usr/include/libpmem2.h ] || ! command -v cmake >/dev/null ||
	! command -v gcc >/dev/null; then
	log "installing build dependencies and libpmem2-dev"
	bash "$root/scripts/deps.sh" test
fi

# ---- our library
ours=
if [ -n "${BENCH_PMDK_ONLY:-}" ]; then
	log "BENCH_PMDK_ONLY set: measuring PMDK and the machine only"
elif cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DSANITIZE=OFF \
	-DINSTRUMENT=OFF >"$out/cmake.log" 2>&1 &&
	cmake --build "$build" -j2 --target pmem2 pmemset >>"$out/cmake.log" 2>&1 &&
	[ -e "$build/libpmem2.so.1" ]; then
	ours=$out/bench-ours
else
	log "our libpmem2 does not build yet (see $out/cmake.log);" \
		"measuring PMDK and the machine only"
fi

# ---- the two binaries, from the same source
cflags=(-O2 -g -Wall -Wextra -Werror)
if [ -n "$ours" ] && ! gcc "${cflags[@]}" -I"$root/include" "$here/bench.c" \
	-o "$ours" -L"$build" -Wl,-rpath,"$build" -lpmem2; then
	log "bench.c does not build against our library; measuring PMDK only"
	ours=
fi
gcc "${cflags[@]}" -I/usr/include "$here/bench.c" -o "$out/bench-pmdk" \
	-L/usr/lib/x86_64-linux-gnu -lpmem2

# ---- run
pin=()
cpu=${BENCH_CPU:-$(($(nproc) - 1))}
if [ "$cpu" != none ] && command -v taskset >/dev/null; then
	pin=(taskset -c "$cpu")
fi
results=$out/results.tsv
: >"$results"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
start=$(date +%s)

tmp=$(mktemp -d)
servers=()
cleanup() {
	local pid
	for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT

# check_lib WHO PATH: the binary really loaded the library it stands for
check_lib() {
	local mine
	mine=$(readlink -f "$build/libpmem2.so.1" 2>/dev/null || echo none)
	case $1 in
	ours) [ "$(readlink -f "$2")" = "$mine" ] ||
		{ log "bench-ours loaded '$2', not our library"; exit 1; } ;;
	pmdk) if [ -z "$2" ] || [ "$(readlink -f "$2")" = "$mine" ]; then
		log "bench-pmdk loaded '$2', not PMDK's library"; exit 1
	fi ;;
	esac
}

# start_server WHO BINARY: a "bench serve" process fed through two fifos;
# sets in_WHO / out_WHO to the shell's descriptors for it
start_server() {
	local who=$1 bin=$2 line lib='' fd
	mkfifo "$tmp/$who.in" "$tmp/$who.out"
	env -u LD_LIBRARY_PATH -u LD_PRELOAD "${pin[@]}" "$bin" serve \
		<"$tmp/$who.in" >"$tmp/$who.out" &
	servers+=($!)
	exec {fd}>"$tmp/$who.in"
	eval "in_$who=$fd"
	exec {fd}<"$tmp/$who.out"
	eval "out_$who=$fd"
	while :; do
		read -r -u "$fd" line || { log "$who: bench serve died"; exit 1; }
		case $line in
		ready) break ;;
		"# libpmem2: "*) lib=${line#\# libpmem2: } ;;
		esac
	done
	check_lib "$who" "$lib"
}

stop_server() {
	local who=$1 fd
	eval "fd=\$in_$who"
	exec {fd}>&-
	eval "fd=\$out_$who"
	exec {fd}<&-
	rm -f "$tmp/$who.in" "$tmp/$who.out"
}

# ask WHO ROUND KEY: run one case in WHO's server, append its result
ask() {
	local who=$1 round=$2 key=$3 in out line
	eval "in=\$in_$who out=\$out_$who"
	echo "$key" >&"$in"
	if ! read -r -u "$out" line; then
		log "$who: bench serve died at $key"
		exit 1
	fi
	case $line in
	unknown*) log "$who: $line"; exit 1 ;;
	esac
	printf '%s\t%s\t%s\n' "$who" "$round" "$line" >>"$results"
}

mapfile -t cases < <("$out/bench-pmdk" list)
[ ${#cases[@]} -gt 0 ] || { log "no case selected (BENCH_FILTER?)"; exit 1; }
log "${#cases[@]} cases x $rounds rounds," \
	"alternating the libraries case by case"

for r in $(seq 1 "$rounds"); do
	log "round $r/$rounds"
	start_server pmdk "$out/bench-pmdk"
	[ -z "$ours" ] || start_server ours "$ours"
	for i in "${!cases[@]}"; do
		if [ -z "$ours" ]; then
			ask pmdk "$r" "${cases[$i]}"
		elif [ $(((i + r) % 2)) = 0 ]; then
			ask ours "$r" "${cases[$i]}"
			ask pmdk "$r" "${cases[$i]}"
		else
			ask pmdk "$r" "${cases[$i]}"
			ask ours "$r" "${cases[$i]}"
		fi
	done
	stop_server pmdk
	[ -z "$ours" ] || stop_server ours
	wait
	servers=()
	env -u LD_LIBRARY_PATH -u LD_PRELOAD "${pin[@]}" \
		"$out/bench-pmdk" machine | { grep -v '^#' || true; } |
		sed "s/^/machine\t$r\t/" >>"$results"
done
pinned=none
[ ${#pin[@]} = 0 ] || pinned=$cpu
ours_lib="not built"
[ -z "$ours" ] || ours_lib=$build/libpmem2.so.1
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
secs=$(($(date +%s) - start))

# ---- report
{
	echo "Run: \`bench/run.sh $*\` on $(date -u '+%Y-%m-%d %H:%M UTC')," \
		"$rounds rounds, ${secs} s; load average $load_before before," \
		"$load_after after."
	echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs," \
		"kernel $(uname -r); benchmark files in ${BENCH_DIR:-/dev/shm};" \
		"pinned to CPU $pinned."
	pmdk_ver=$(dpkg-query -W -f='${Package} ${Version}' libpmem2 2>/dev/null ||
		echo '?')
	echo "PMDK: $pmdk_ver. Ours: $ours_lib."
	echo
	awk -v ours_built="${ours:+1}" -f "$here/report.awk" "$results"
	# libpmemset at scale (ours only: PMDK's libpmemset was never packaged)
	if [ -n "$ours" ] && gcc "${cflags[@]}" -I"$root/include" \
		"$here/pmemset_scale.c" -o "$out/pmemset-scale" -L"$build" \
		-Wl,-rpath,"$build" -lpmemset -lpmem2; then
		echo
		"${pin[@]}" "$out/pmemset-scale"
	fi
} | tee "$out/report.md"
log "report in $out/report.md, raw numbers in $results"
