#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_tool.sh BUILD_DIR SOURCE_DIR -- black-box test of the `pmem2` tool:
# its report on a temporary file, on a file, on anonymous memory, with
# PMEM2_FORCE_GRANULARITY, as JSON, and its errors (missing path, directory,
# /dev/null, an unreadable file as user nobody, an empty file, bad usage).
# Prints "N passed, N failed"; exits non-zero on any failure.

BUILD=${1:?usage: test_tool.sh BUILD_DIR SOURCE_DIR}
TOOL="$BUILD/tools/pmem2"
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need_built "$TOOL"
scratch test_tool
WORK=$SCRATCH
chmod 755 "$WORK"
OUT="$WORK/out"
ERR="$WORK/err"

# run ARGS...: runs the tool, sets $rc, output in $OUT / $ERR
run() {
	"$TOOL" "$@" >"$OUT" 2>"$ERR"
	rc=$?
}
# value KEY: the value of "KEY: value" in $OUT
value() {
	sed -n "s/^$1: *//p" "$OUT"
}
has_line() { grep -q -- "$1" "$OUT"; }
err_has() { grep -q -i -- "$1" "$ERR"; }

# every report line is "key:<spaces>value" with all values in one column
aligned() {
	local cols
	[ -s "$OUT" ] || return 1
	grep -qv '^[a-z_]*: \+[^ ]' "$OUT" && return 1
	cols=$(sed 's/^\([a-z_]*: *\).*/\1/' "$OUT" | awk '{ print length($0) }' |
		sort -u | wc -l)
	[ "$cols" -eq 1 ]
}

# ---- usage
run --help
check "--help exits 0" [ $rc -eq 0 ]
check "--help shows usage" has_line "Usage: pmem2 info"
run version
check "version exits 0" [ $rc -eq 0 ]
check "version prints a version" has_line "^pmem2 [0-9]\+\.[0-9]\+"
run frobnicate
check "unknown command exits 2" [ $rc -eq 2 ]
check "unknown command is named" err_has "unknown command 'frobnicate'"
run info --bogus
check "unknown option exits 2" [ $rc -eq 2 ]
run
check "no command exits 2" [ $rc -eq 2 ]

# ---- no PATH: a temporary file in $TMPDIR, removed afterwards
mkdir "$WORK/tmpdir"
TMPDIR="$WORK/tmpdir" "$TOOL" info >"$OUT" 2>"$ERR"
rc=$?
check "info (temporary file) exits 0" [ $rc -eq 0 ]
check "info (temporary file) writes no stderr" [ ! -s "$ERR" ]
check "temporary file is in TMPDIR" has_line "^path: *$WORK/tmpdir/pmem2-info\..* (temporary, removed)$"
check "temporary file was removed" [ -z "$(ls -A "$WORK/tmpdir")" ]
check "temporary file type" [ "$(value type)" = "regular file" ]
check "temporary file size 2 MiB" [ "$(value size)" = "2097152 (2 MiB)" ]
check "temporary file alignment" [ "$(value alignment | cut -d' ' -f1)" = "$(getconf PAGESIZE)" ]
check "output is aligned key: value lines" aligned
for key in map_sync granularity granularity_reason region numa_node \
	device_id unsafe_shutdown_count bad_blocks cpu_flush; do
	check "key $key present" has_line "^$key: "
done

# ---- a regular file: what the library decides for it on this host
FILE="$WORK/file"
truncate -s 1M "$FILE"
run info "$FILE"
check "info FILE exits 0" [ $rc -eq 0 ]
check "path shown" [ "$(value path)" = "$FILE" ]
check "size shown" [ "$(value size)" = "1048576 (1 MiB)" ]
gran=$(value granularity)
check "granularity is a known value" \
	grep -qx 'BYTE\|CACHE_LINE\|PAGE' <<<"$gran"
check "granularity_reason starts with the granularity" \
	grep -q "^$gran" <<<"$(value granularity_reason)"
ms=$(value map_sync)
case "$ms" in
accepted)
	check "MAP_SYNC accepted => not PAGE" [ "$gran" != PAGE ] ;;
refused*)
	check "MAP_SYNC refused => PAGE" [ "$gran" = PAGE ]
	check "refusal names an errno" grep -q "(errno [0-9]\+)" <<<"$ms"
	check "PAGE reason mentions MAP_SYNC" \
		grep -qi "MAP_SYNC" <<<"$(value granularity_reason)" ;;
*)
	fail "map_sync value '$ms'" ;;
esac
check "file not modified" cmp -s "$FILE" <(head -c 1M /dev/zero)
check "cpu_flush is described" [ -n "$(value cpu_flush)" ]
reg=$(value region)
case "$reg" in
none:* | region[0-9]*) ok ;;
*) fail "region value '$reg'" ;;
esac

# the tool reports the library's decision, so forcing it shows
PMEM2_FORCE_GRANULARITY=cache_line "$TOOL" info "$FILE" >"$OUT" 2>"$ERR"
rc=$?
check "forced: exits 0" [ $rc -eq 0 ]
check "forced: granularity CACHE_LINE" [ "$(value granularity)" = CACHE_LINE ]
check "forced: forced_by shown" has_line "^forced_by: *PMEM2_FORCE_GRANULARITY="
check "forced: reason says forced" \
	grep -qi "PMEM2_FORCE_GRANULARITY" <<<"$(value granularity_reason)"

# ---- JSON
run info --json "$FILE"
check "--json exits 0" [ $rc -eq 0 ]
if command -v python3 >/dev/null 2>&1 && python3 -c 'import json' 2>/dev/null; then
	check "--json is valid JSON with the same fields" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["path"] == sys.argv[2], d
assert d["size"] == 1048576, d
assert d["granularity"] in ("BYTE", "CACHE_LINE", "PAGE"), d
assert d["type"] == "regular file", d
' "$OUT" "$FILE"
else
	check "--json looks like an object" has_line '^  "granularity": "'
fi

# ---- anonymous memory
run info --anon
check "--anon exits 0" [ $rc -eq 0 ]
check "--anon type" [ "$(value type)" = anonymous ]
check "--anon granularity BYTE" [ "$(value granularity)" = BYTE ]
check "--anon has no device" grep -q "^not available" <<<"$(value numa_node)"
run info --anon "$FILE"
check "--anon with PATH exits 2" [ $rc -eq 2 ]

# ---- errors: exit 1, message on stderr naming the path, nothing on stdout
expect_error() { # DESCRIPTION PATTERN PATH
	run info "$3"
	check "$1: exits 1" [ $rc -eq 1 ]
	check "$1: nothing on stdout" [ ! -s "$OUT" ]
	check "$1: stderr names the path" err_has "$3"
	check "$1: stderr says '$2'" err_has "$2"
}
expect_error "missing path" "No such file" "$WORK/does-not-exist"
expect_error "directory" "is a directory" "$WORK"
expect_error "/dev/null" "device" /dev/null
: >"$WORK/empty"
expect_error "empty file" "empty (size 0)" "$WORK/empty"

# ---- as an unprivileged user
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	as_nobody() {
		setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
	}
	truncate -s 64K "$WORK/secret"
	chmod 600 "$WORK/secret"
	as_nobody "$TOOL" info "$WORK/secret" >"$OUT" 2>"$ERR"
	rc=$?
	check "unreadable file: exits 1" [ $rc -eq 1 ]
	check "unreadable file: says Permission denied" err_has "Permission denied"
	check "unreadable file: names the path" err_has "$WORK/secret"
	# a file nobody may only read: reported read-only, without error
	truncate -s 64K "$WORK/public"
	chmod 644 "$WORK/public"
	as_nobody "$TOOL" info "$WORK/public" >"$OUT" 2>"$ERR"
	rc=$?
	check "read-only file as nobody: exits 0" [ $rc -eq 0 ]
	check "read-only file as nobody: granularity" \
		grep -qx 'BYTE\|CACHE_LINE\|PAGE' <<<"$(value granularity)"
	as_nobody env TMPDIR="$WORK/tmpdir" "$TOOL" info >"$OUT" 2>"$ERR"
	rc=$?
	check "temporary file as nobody: TMPDIR not writable => exits 1" \
		[ $rc -eq 1 ]
	check "temporary file as nobody: says TMPDIR" err_has "TMPDIR"
else
	skip "unprivileged checks: need root and setpriv to switch to nobody"
fi

summary
