#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# run.sh -- benchmark our libpmem2 against Debian's PMDK 1.12.1 libpmem2.
#
# Usage: bench/run.sh [BUILD_DIR]      (default BUILD_DIR: build-release)
#
# Configures BUILD_DIR as a Release build (unless BENCH_NO_CONFIGURE=1, which
# takes it as it is) and builds the benchmark there with CMake
# (bench/CMakeLists.txt): bench-ours against our libraries, bench-pmdk
# against PMDK's. Then runs the two alternately, case by case (which one
# goes first alternates too), for BENCH_ROUNDS rounds (default 10), plus the
# machine's own loops once per round, and the cases only ours has
# (libpmemset) after each round. Each binary reports per case the median of
# many timed batches (see bench.c); report.awk takes the median across
# rounds, computes the ratios and prints a markdown report (also written to
# BUILD_DIR/bench/report.md, raw numbers to BUILD_DIR/bench/results.tsv).
# The report ends with libpmemset at scale (pmemset_scale.c).
#
# Without Debian's libpmem2-dev (CMake says so when configuring) the PMDK
# columns are "-" and ours and the machine are still measured.
#
# Environment: BENCH_ROUNDS (default 10: an even number, so that each
# library starts first, and maps its memory first, in as many rounds as the
# other), BENCH_BUDGET_MS (time per case per run, default 30), BENCH_DIR
# (where the files live, default /dev/shm), BENCH_FILTER (an extended
# regular expression: only the cases whose "op/map/bytes/flags/pattern" key
# matches), BENCH_CPU (CPU to pin to; default the last one; "none" to not
# pin; the thread cases use every CPU), BENCH_SMOKE=1 (one call per case:
# checks that everything runs, times mean nothing), BENCH_NO_CONFIGURE=1,
# BENCH_OURS_LIBDIR (measure the libpmem2.so.1 and libpmemset.so.1 of that
# directory as "ours", e.g. an older build, instead of BUILD_DIR's),
# BENCH_AA=1 (an A/A run: PMDK's library on both sides, to show how many
# cases this machine's noise alone puts under the 1.0x line; no libpmemset
# cases), BENCH_EXTRA_ROUNDS and BENCH_CLOSE_BAND (close calls, below).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=${1:-$root/build-release}
mkdir -p "$build"
build=$(cd "$build" && pwd)
out=$build/bench
rounds=${BENCH_ROUNDS:-10}
mkdir -p "$out"

log() { echo "run.sh: $*" >&2; }

# ---- what is needed: gcc, cmake, Debian's libpmem2-dev (the reference)
if [ ! -e /usr/include/libpmem2.h ] || ! command -v cmake >/dev/null ||
	! command -v gcc >/dev/null; then
	log "installing build dependencies and libpmem2-dev"
	bash "$root/scripts/deps.sh" test || log "could not install them"
fi

# ---- the build
if [ -z "${BENCH_NO_CONFIGURE:-}" ] &&
	! cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DSANITIZE=OFF \
		-DINSTRUMENT=OFF >"$out/cmake.log" 2>&1; then
	log "cmake failed, see $out/cmake.log"
	exit 1
fi
# shellcheck source=/dev/null
. "$out/reference.env" # BENCH_PMDK, BENCH_PMDK_VERSION, BENCH_PMDK_LIBRARY
targets=(bench-ours pmemset-scale pmem2-tool)
[ "$BENCH_PMDK" = 1 ] && targets+=(bench-pmdk)
if ! cmake --build "$build" -j2 --target "${targets[@]}" >"$out/build.log" 2>&1; then
	tail -n 30 "$out/build.log" >&2
	log "the benchmark does not build, see $out/build.log"
	exit 1
fi
[ "$BENCH_PMDK" = 1 ] || log "no reference library (libpmem2-dev):" \
	"measuring ours and the machine only"
ours_dir=${BENCH_OURS_LIBDIR:-$build}
ours_dir=$(cd "$ours_dir" && pwd)
ours_env=(env -u LD_LIBRARY_PATH -u LD_PRELOAD)
[ -z "${BENCH_OURS_LIBDIR:-}" ] || ours_env=(env -u LD_PRELOAD
	LD_LIBRARY_PATH="$ours_dir")
pmdk_env=(env -u LD_LIBRARY_PATH -u LD_PRELOAD)
libs=(ours)
[ "$BENCH_PMDK" = 1 ] && libs+=(pmdk)
# the binary each side runs; an A/A run puts PMDK's on both
bin_ours=$out/bench-ours
bin_pmdk=$out/bench-pmdk
aa=${BENCH_AA:-}
if [ -n "$aa" ]; then
	[ "$BENCH_PMDK" = 1 ] || { log "BENCH_AA needs Debian's libpmem2-dev"; exit 1; }
	bin_ours=$bin_pmdk
	ours_env=("${pmdk_env[@]}")
fi

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
	rm -rf "$tmp" "${BENCH_SHARED:-}"
}
trap cleanup EXIT

# check_lib WHO PATH: the binary really loaded the library it stands for
check_lib() {
	local mine
	mine=$(readlink -f "$ours_dir/libpmem2.so.1" 2>/dev/null || echo none)
	case $1${aa:+-aa} in
	*-aa) [ "$(readlink -f "$2")" = "$(readlink -f "$BENCH_PMDK_LIBRARY")" ] ||
		{ log "A/A: the '$1' server loaded '$2', not PMDK's"; exit 1; } ;;
	ours) [ "$(readlink -f "$2")" = "$mine" ] ||
		{ log "bench-ours loaded '$2', not $mine"; exit 1; } ;;
	pmdk) if [ -z "$2" ] || [ "$(readlink -f "$2")" = "$mine" ] ||
		[ "$(readlink -f "$2")" != "$(readlink -f "$BENCH_PMDK_LIBRARY")" ]; then
		log "bench-pmdk loaded '$2', not PMDK's $BENCH_PMDK_LIBRARY"; exit 1
	fi ;;
	esac
}

# start_server WHO: a "bench serve" process fed through two fifos; sets
# in_WHO / out_WHO to the shell's descriptors for it
start_server() {
	local who=$1 line lib='' fd envv bin
	mkfifo "$tmp/$who.in" "$tmp/$who.out"
	eval "envv=(\"\${${who}_env[@]}\")"
	eval "bin=\$bin_$who"
	"${envv[@]}" "${pin[@]}" "$bin" serve \
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

mapfile -t cases < <("$out/bench-ours" list)
own=()
[ -n "$aa" ] || mapfile -t own < <("$out/bench-ours" list-own)
[ $((${#cases[@]} + ${#own[@]})) -gt 0 ] ||
	{ log "no case selected (BENCH_FILTER?)"; exit 1; }
log "${#cases[@]} cases x $rounds rounds, alternating ${libs[*]} case by" \
	"case, and ${#own[@]} cases of ours only"

# run_round R OWN KEYS...: one round over the cases KEYS in fresh servers,
# then, with OWN=1, the cases only ours has
run_round() {
	local r=$1 own_too=$2 i who
	shift 2
	local keys=("$@")
	# which server maps (and so faults in) its memory first alternates:
	# where the kernel puts a process's pages moves memory-bound times by
	# several percent, and must not favour one library
	# both servers map the same files: the same physical pages
	BENCH_SHARED=$(mktemp -d "${BENCH_DIR:-/dev/shm}/pmem2-bench.XXXXXX")
	export BENCH_SHARED
	if [ $((r % 2)) = 1 ] || [ ${#libs[@]} = 1 ]; then
		for who in "${libs[@]}"; do start_server "$who"; done
	else
		start_server pmdk
		start_server ours
	fi
	for i in "${!keys[@]}"; do
		if [ ${#libs[@]} = 1 ]; then
			ask ours "$r" "${keys[$i]}"
		elif [ $(((i + r) % 2)) = 0 ]; then
			ask ours "$r" "${keys[$i]}"
			ask pmdk "$r" "${keys[$i]}"
		else
			ask pmdk "$r" "${keys[$i]}"
			ask ours "$r" "${keys[$i]}"
		fi
	done
	if [ "$own_too" = 1 ]; then
		for key in "${own[@]}"; do ask ours "$r" "$key"; done
	fi
	for who in "${libs[@]}"; do stop_server "$who"; done
	wait
	servers=()
	rm -rf "$BENCH_SHARED"
	unset BENCH_SHARED
}

for r in $(seq 1 "$rounds"); do
	log "round $r/$rounds"
	run_round "$r" 1 "${cases[@]}"
	"${pmdk_env[@]}" "${pin[@]}" "$out/bench-ours" machine |
		{ grep -v '^#' || true; } |
		sed "s/^/machine\t$r\t/" >>"$results"
done

# ---- close calls: more rounds where the answer is not clear yet
# Every case whose speedup (median over the rounds of PMDK / ours) lies
# within BENCH_CLOSE_BAND of 1.0 (default 0.10: 0.90x-1.10x), on either
# side, gets BENCH_EXTRA_ROUNDS more rounds (default 20; 0 in a smoke run),
# in fresh servers like the rounds above; the report takes the median over
# all of a case's rounds and says which verdicts the extra rounds changed.
# Why: the time of a small copy differs from process to process by up to
# +-8% for either library (doc/performance.md, the A/A runs), and a
# median over 10 process pairs is not enough to tell 0.98x from 1.00x.
extra=${BENCH_EXTRA_ROUNDS:-20}
[ -n "${BENCH_SMOKE:-}" ] && extra=${BENCH_EXTRA_ROUNDS:-0}
band=${BENCH_CLOSE_BAND:-0.10}
close=()
if [ ${#libs[@]} = 2 ] && [ "$extra" -gt 0 ]; then
	mapfile -t picked < <(awk -v close_band="$band" -f "$here/report.awk" "$results")
	declare -A is_close=()
	for key in "${picked[@]}"; do is_close[$key]=1; done
	for key in "${cases[@]}"; do
		[ -z "${is_close[$key]:-}" ] || close+=("$key")
	done
	[ ${#close[@]} = ${#picked[@]} ] ||
		{ log "close calls: ${#picked[@]} picked, ${#close[@]} known"; exit 1; }
	log "${#close[@]} close calls (speedup within $band of 1.0): $extra more rounds"
	[ ${#close[@]} = 0 ] || for r in $(seq $((rounds + 1)) $((rounds + extra))); do
		log "round $r/$((rounds + extra)) (close calls)"
		run_round "$r" 0 "${close[@]}"
	done
fi
pinned=none
[ ${#pin[@]} = 0 ] || pinned=$cpu
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
secs=$(($(date +%s) - start))
rounds_text="$rounds rounds"
[ ${#close[@]} = 0 ] ||
	rounds_text="$rounds_text, $extra more for the ${#close[@]} close calls"

# ---- report
{
	echo "Run: \`bench/run.sh $*\` on $(date -u '+%Y-%m-%d %H:%M UTC')," \
		"$rounds_text, ${secs} s; load average $load_before before," \
		"$load_after after.${BENCH_SMOKE:+ SMOKE RUN: one call per case, the times mean nothing.}${aa:+ A/A RUN: PMDK's libpmem2 in both columns (\"ours\" is PMDK too): every difference is the machine's noise.}"
	cpuinfo=$(lscpu | sed -n 's/^Model name: *//p')
	fam=$(lscpu | sed -n 's/^CPU family: *//p')
	model=$(lscpu | sed -n 's/^Model: *//p')
	feats=
	for f in avx512f clwb clflushopt movdir64b; do
		grep -qw "$f" /proc/cpuinfo && feats="$feats $f"
	done
	echo "CPU: $cpuinfo (family $fam, model $model;$feats), $(nproc) CPUs," \
		"kernel $(uname -r); benchmark files in ${BENCH_DIR:-/dev/shm};" \
		"pinned to CPU $pinned (thread cases: every CPU)."
	pmdk_ver="not found"
	[ "$BENCH_PMDK" = 1 ] && pmdk_ver="libpmem2 $BENCH_PMDK_VERSION ($BENCH_PMDK_LIBRARY)"
	# the tool has the library built in: it describes BUILD_DIR's
	engine=
	[ "$ours_dir" = "$build" ] &&
		engine=$("$build/tools/pmem2" info --anon 2>/dev/null |
			sed -n 's/^cpu_flush: *//p' || true)
	if [ -n "$aa" ]; then
		echo "PMDK: $pmdk_ver, in both columns."
	else
		echo "PMDK: $pmdk_ver. Ours: $ours_dir/libpmem2.so.1 (${engine:-?})."
	fi
	echo
	awk -v main_rounds="$rounds" -v band="$band" -f "$here/report.awk" "$results"
	if [ -z "${BENCH_SMOKE:-}" ] && [ -z "${BENCH_FILTER:-}" ] && [ -z "$aa" ]; then
		echo
		"${ours_env[@]}" "${pin[@]}" "$out/pmemset-scale"
	fi
} | tee "$out/report.md"
log "report in $out/report.md, raw numbers in $results"
