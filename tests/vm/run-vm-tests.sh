#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# run-vm-tests.sh BUILD_DIR [CONFIG...]
#
# Runs libpmem2's checks on real kernel DAX paths inside the pmem-vm guest
# (QEMU with emulated NVDIMMs: ../shared/tools/pmem-vm). One VM boot per
# configuration; in each, tests/vm/vm_checks (public API) runs in the
# matching modes and `pmem2 info` is run on every path and its report
# checked, as text and as JSON (tests/scripts/tool_json.py). CONFIG is any
# of (default: all three)
#
#   default  fsdax + devdax (2M) + virtio-pmem (--vpmem-size 256M), ADR:
#            fsdax/devdax CACHE_LINE, /tmp and /mnt/vpmem PAGE
#   eadr     --persistence cpu: fsdax/devdax BYTE, /tmp still PAGE
#   align4k  --devdax-align 4K: device DAX with 4 KiB alignment
#
# Prints every check's output, the time each configuration took, and
# "N passed, N failed" over all of them; exits non-zero on any failure.
# PMEM_VM names the pmem-vm script if it is not at its usual place.
#
# Internally the script runs itself in the guest as
#   run-vm-tests.sh --guest CONFIG BUILD_DIR

SELF=$(readlink -f "$0")

# ------------------------------------------------------------ guest side
guest() {
	local cfg=$1 build=$2
	local checks="$build/tests/vm/vm_checks" tool="$build/tools/pmem2"
	local pass=0 fail=0 out

	ok() { pass=$((pass + 1)); }
	bad() {
		fail=$((fail + 1))
		echo "FAIL: $*"
	}
	# run a test program: its own "N passed, N failed" line is summed by
	# the host; a program that ends without one is a failure here
	counted() {
		local what rc
		what="$(basename "$1") ${*:2}"
		"$@" 2>&1 | tee /tmp/run-vm-program.log
		rc=${PIPESTATUS[0]}
		echo "($what exited $rc)"
		grep -qE '^[0-9]+ passed, [0-9]+ failed' /tmp/run-vm-program.log ||
			bad "$what ended without its 'N passed, N failed' line"
	}
	# run vm_checks with ARGS
	checks() { counted "$checks" "$@"; }
	# libpmemset on real DAX: parts on fsdax get GRAN, a set mixing fsdax
	# and /tmp parts fails with PMEMSET_E_GRANULARITY_MISMATCH
	pmemset_checks() {
		local bin="$build/tests/pmemset/vm/pmemset_vm_checks"
		if [ ! -x "$bin" ]; then
			bad "$bin is not built"
			return
		fi
		counted "$bin" "$@"
	}
	# tool PATH KEY=REGEX...: run `pmem2 info PATH`, check each value
	tool() {
		local path=$1 kv key re val
		shift
		echo "== pmem2 info $path"
		out=$("$tool" info "$path" 2>&1)
		local rc=$?
		echo "$out" | sed 's/^/  /'
		if [ $rc -ne 0 ]; then
			bad "pmem2 info $path exited $rc"
			return
		fi
		ok
		for kv in "$@"; do
			key=${kv%%=*}
			re=${kv#*=}
			val=$(sed -n "s/^$key: *//p" <<<"$out")
			if grep -Eq -- "^($re)\$" <<<"$val"; then
				ok
			else
				bad "pmem2 info $path: $key is '$val', expected /$re/"
			fi
		done
	}

	# json_tool PATH... -- CHECK...: `pmem2 info --json PATH...`, its schema
	# and the CHECKs verified by tests/scripts/tool_json.py
	json_tool() {
		local paths=() py=/usr/bin/python3 rc
		while [ "$1" != -- ]; do paths+=("$1"); shift; done
		shift
		echo "== pmem2 info --json ${paths[*]}"
		"$tool" info --json "${paths[@]}" >/tmp/info.json
		rc=$?
		sed 's/^/  /' /tmp/info.json
		[ -x $py ] || py=python3
		if [ $rc -eq 0 ] && "$py" "$(dirname "$SELF")/../scripts/tool_json.py" \
			/tmp/info.json ${#paths[@]} "$@"; then
			ok
		else
			bad "pmem2 info --json ${paths[*]} (exit $rc)"
		fi
	}

	# the checks are about what the library detects: no override
	unset PMEM2_FORCE_GRANULARITY
	echo "== guest: $(uname -r), config $cfg"
	local fsdax=${PMEM_VM_FSDAX_DIR:-/mnt/pmem} dax=${PMEM_VM_DEVDAX:-/dev/dax0.0}
	truncate -s 2M "$fsdax/info.dat" /tmp/info.dat

	case $cfg in
	default)
		checks fsdax CACHE_LINE
		checks devdax 2M CACHE_LINE
		checks nosync /tmp
		pmemset_checks CACHE_LINE
		checks nosync "${PMEM_VM_VPMEM_DIR:-/mnt/vpmem}"
		tool "$fsdax/info.dat" "type=regular file" "map_sync=accepted" \
			"granularity=CACHE_LINE" \
			"granularity_reason=CACHE_LINE.*memory_controller.*" \
			"region=region[0-9]+" "namespace=namespace[0-9]+\.[0-9]+" \
			"block_device=/dev/pmem[0-9]+" \
			"persistence_domain=memory_controller" \
			"bad_blocks=none" "numa_node=-?[0-9]+" \
			"bus_provider=ACPI.NFIT" "cxl_memdevs=not supported: .*"
		tool "$dax" "type=device DAX" "alignment=2097152 \(2 MiB\)" \
			"map_sync=accepted" "granularity=CACHE_LINE" \
			"region=region[0-9]+" "bus_provider=ACPI.NFIT" \
			"dax_origin=NVDIMM region region[0-9]+: persistent memory" \
			"persistence_domain=memory_controller" \
			"deep_flush=0.*" "bad_blocks=none"
		tool /tmp/info.dat "type=regular file" \
			"map_sync=not supported: .*\(errno 95\)" "granularity=PAGE" \
			"granularity_reason=PAGE.*MAP_SYNC.*" \
			"region=not supported: .*"
		truncate -s 2M "${PMEM_VM_VPMEM_DIR:-/mnt/vpmem}/info.dat"
		tool "${PMEM_VM_VPMEM_DIR:-/mnt/vpmem}/info.dat" \
			"map_sync=not supported: .*\(errno 95\)" \
			"granularity=PAGE" "region=region[0-9]+" \
			"persistence_domain=not supported: .*" \
			"bus_provider=virtio-pmem"
		json_tool "$fsdax/info.dat" "$dax" "$fsdax" -- 0.map_sync=true \
			'0.granularity="CACHE_LINE"' '0.granularity_rule="adr"' \
			'0.block_device~/dev/pmem[0-9]+' '0.bad_blocks=[]' \
			'0.persistence_domain="memory_controller"' 0.numa_node?value \
			'1.type="device DAX"' 1.alignment=2097152 1.map_sync=true \
			'1.granularity="CACHE_LINE"' 1.block_device?not_supported \
			'0.bus_provider="ACPI.NFIT"' 0.cxl_memdevs?not_supported \
			'1.bus_provider="ACPI.NFIT"' 1.dax_origin~'NVDIMM region region[0-9]+: persistent memory' \
			1.deep_flush=0 2.temporary=true '2.granularity="CACHE_LINE"'
		# no PATH: a temporary file in $TMPDIR, here on fsdax
		echo "== TMPDIR=$fsdax pmem2 info"
		out=$(TMPDIR=$fsdax "$tool" info 2>&1)
		echo "$out" | sed 's/^/  /'
		if grep -q "^granularity: *CACHE_LINE$" <<<"$out" &&
			[ -z "$(ls "$fsdax" | grep pmem2-info)" ]; then
			ok
		else
			bad "TMPDIR=$fsdax pmem2 info"
		fi
		;;
	eadr)
		checks fsdax BYTE
		checks devdax 2M BYTE
		checks nosync /tmp
		pmemset_checks BYTE
		tool "$fsdax/info.dat" "map_sync=accepted" "granularity=BYTE" \
			"granularity_reason=BYTE.*cpu_cache.*" \
			"persistence_domain=cpu_cache"
		tool "$dax" "type=device DAX" "granularity=BYTE" \
			"persistence_domain=cpu_cache"
		tool /tmp/info.dat "granularity=PAGE"
		json_tool "$fsdax" "$dax" -- '0.granularity="BYTE"' \
			'0.granularity_rule="eadr"' '1.persistence_domain="cpu_cache"'
		;;
	align4k)
		checks devdax 4K CACHE_LINE
		checks fsdax CACHE_LINE
		tool "$dax" "type=device DAX" "alignment=4096 \(4 KiB\)" \
			"granularity=CACHE_LINE"
		;;
	*)
		bad "unknown configuration $cfg"
		;;
	esac
	rm -f "$fsdax/info.dat" /tmp/info.dat
	echo "$pass passed, $fail failed"
	[ $fail -eq 0 ]
}

if [ "${1:-}" = --guest ]; then
	guest "$2" "$3"
	exit
fi

# ------------------------------------------------------------- host side
BUILD=$(readlink -f "${1:?usage: run-vm-tests.sh BUILD_DIR [default|eadr|align4k]...}")
shift
CONFIGS=("$@")
[ ${#CONFIGS[@]} -eq 0 ] && CONFIGS=(default eadr align4k)
PMEM_VM=${PMEM_VM:-$(dirname "$SELF")/../../../shared/tools/pmem-vm/pmem-vm}

for f in "$BUILD/tests/vm/vm_checks" "$BUILD/tools/pmem2"; do
	if [ ! -x "$f" ]; then
		echo "$f is not built (cmake --build $BUILD)"
		echo "0 passed, 1 failed"
		exit 1
	fi
done
if [ ! -x "$PMEM_VM" ]; then
	echo "pmem-vm not found at $PMEM_VM (set PMEM_VM)"
	echo "0 passed, 1 failed"
	exit 1
fi

opts_of() {
	case $1 in
	default) echo "--vpmem-size 256M" ;;
	eadr) echo "--persistence cpu" ;;
	align4k) echo "--devdax-align 4K" ;;
	*) return 1 ;;
	esac
}

total_pass=0
total_fail=0
times=()
LOG=$(mktemp "${TMPDIR:-/tmp}/run-vm-tests.XXXXXX")
trap 'rm -f "$LOG"' EXIT
cd "$BUILD" || exit 1

for cfg in "${CONFIGS[@]}"; do
	if ! opts=$(opts_of "$cfg"); then
		echo "unknown configuration '$cfg' (default, eadr, align4k)"
		total_fail=$((total_fail + 1))
		continue
	fi
	echo "######## $cfg: pmem-vm $opts"
	start=$(date +%s)
	# shellcheck disable=SC2086
	"$PMEM_VM" $opts --timeout 1500 run -- \
		bash "$SELF" --guest "$cfg" "$BUILD" 2>&1 | tr -d '\r' | tee "$LOG"
	rc=${PIPESTATUS[0]}
	secs=$(($(date +%s) - start))
	read -r p f < <(awk '/^[0-9]+ passed, [0-9]+ failed/ { p += $1; f += $3 }
		END { print p + 0, f + 0 }' "$LOG")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL: pmem-vm exited $rc for $cfg without a failed check" \
			"(124: timeout, 125: VM setup failed; rerun with -v)"
		f=1
	fi
	echo "######## $cfg: $p passed, $f failed in ${secs} s (exit $rc)"
	times+=("$cfg ${secs}s")
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
done

echo "time per configuration (one VM boot each): ${times[*]}"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
