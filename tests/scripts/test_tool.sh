#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_tool.sh BUILD_DIR SOURCE_DIR -- black-box test of the `pmem2` tool:
#  - usage, --version (the project's version, as CMake has it);
#  - its report, as text and as JSON (parsed with python3's json module and
#    checked against the schema by tool_json.py; also read with jq when
#    installed), on every kind of PATH this host can make: a file on a disk
#    file system (/tmp or TMPDIR), a file on tmpfs (/dev/shm), a directory
#    (a new file there, removed afterwards), no PATH (a new file in
#    TMPDIR), several PATHs in one call, anonymous memory (--anon);
#  - that text and JSON say the same (every key, every value);
#  - PMEM2_FORCE_GRANULARITY shows in the report;
#  - errors: missing path, /dev/null, an empty file, bad usage, and as user
#    nobody an unreadable file, a read-only file (reported) and a directory
#    it may not write to; with several PATHs the others are still reported;
#  - the manual page pmem2(1) renders without warnings, and it and
#    doc/pmem2-tool.md document every key of the report.
# fsdax and Device DAX are checked in the VM (tests/vm/run-vm-tests.sh).
# Prints "N passed, N failed"; exits non-zero on any failure.

BUILD=${1:?usage: test_tool.sh BUILD_DIR SOURCE_DIR}
SRC=${2:?usage: test_tool.sh BUILD_DIR SOURCE_DIR}
TOOL="$BUILD/tools/pmem2"
SCHEMA="$SRC/tests/scripts/tool_json.py"
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need_built "$TOOL"
PY=$(command -v python3)
if [ -z "$PY" ] || ! "$PY" -c 'import json' 2>/dev/null; then
	fail "python3 (with its json module) is needed to check the JSON output: apt-get install python3"
	summary
fi

scratch test_tool
WORK=$SCRATCH
chmod 755 "$WORK"
SHM=$(mktemp -d /dev/shm/test_tool.XXXXXX)
trap 'rm -rf "$WORK" "$SHM"' EXIT
OUT="$WORK/out"
ERR="$WORK/err"

# run ARGS...: runs the tool, sets $rc, output in $OUT / $ERR
run() {
	"$TOOL" "$@" >"$OUT" 2>"$ERR"
	rc=$?
}
# value KEY: the value of the first "KEY: value" in $OUT
value() {
	sed -n "s/^$1: *//p" "$OUT" | head -n 1
}
has_line() { grep -q -- "$1" "$OUT"; }
err_has() { grep -q -i -- "$1" "$ERR"; }
# json COUNT CHECK...: $OUT is valid JSON of COUNT reports (tool_json.py)
json() { "$PY" "$SCHEMA" "$OUT" "$@"; }

# every report line is "key:<spaces>value", all values of a report in one
# column; reports are separated by one empty line
aligned() {
	[ -s "$OUT" ] || return 1
	awk '
		/^$/ { if (!n) exit 1; n = 0; col = 0; next }
		!/^[a-z_]+: +[^ ]/ { exit 1 }
		{ n++; match($0, /^[a-z_]+: +/)
		  if (col && RLENGTH != col) exit 1
		  col = RLENGTH }
		END { if (!n) exit 1 }' "$OUT"
}

KEYS="path file temporary type size alignment map_sync granularity
granularity_rule granularity_reason persist region namespace block_device
persistence_domain deep_flush numa_node device_id unsafe_shutdown_count
bad_blocks flush_instruction fence copy_engine movnt_threshold cpu_flush
bus_provider cxl_memdevs dax_origin"

# ---- usage and version
run --help
check "--help exits 0" [ $rc -eq 0 ]
check "--help shows usage" has_line "Usage: pmem2 info \[--json\] \[PATH...\]"
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:[A-Z]*=//p' "$BUILD/CMakeCache.txt")
check "CMakeCache.txt has the project's version" [ -n "$version" ]
run --version
check "--version exits 0" [ $rc -eq 0 ]
check "--version prints the project's version '$version': '$(cat "$OUT")'" \
	has_line "^pmem2 $version (libpmem2 $version: "
run version
check "version (the command) prints the same" has_line "^pmem2 $version "
run frobnicate
check "unknown command exits 2" [ $rc -eq 2 ]
check "unknown command is named" err_has "unknown command 'frobnicate'"
run info --bogus
check "unknown option exits 2" [ $rc -eq 2 ]
run
check "no command exits 2" [ $rc -eq 2 ]
run info --anon /tmp
check "--anon with PATH exits 2" [ $rc -eq 2 ]
check "--anon with PATH: nothing on stdout" [ ! -s "$OUT" ]

# ---- no PATH: a new file in $TMPDIR, removed afterwards
mkdir "$WORK/tmpdir"
TMPDIR="$WORK/tmpdir" "$TOOL" info >"$OUT" 2>"$ERR"
rc=$?
check "info (no PATH) exits 0" [ $rc -eq 0 ]
check "info (no PATH) writes no stderr" [ ! -s "$ERR" ]
check "no PATH: path is TMPDIR" [ "$(value path)" = "$WORK/tmpdir" ]
check "no PATH: the file was in TMPDIR" has_line "^file: *$WORK/tmpdir/pmem2-info\.......$"
check "no PATH: temporary" has_line "^temporary: *yes "
check "no PATH: the file was removed" [ -z "$(ls -A "$WORK/tmpdir")" ]
check "no PATH: size 2 MiB" [ "$(value size)" = "2097152 (2 MiB)" ]
check "no PATH: alignment is the page size" \
	[ "$(value alignment | cut -d' ' -f1)" = "$(getconf PAGESIZE)" ]
check "output is aligned key: value lines" aligned
for key in $KEYS; do
	check "key $key present" has_line "^$key: "
done
check "keys in the documented order" \
	[ "$(sed 's/:.*//' "$OUT" | tr '\n' ' ')" = "$(echo $KEYS) " ]

# ---- a file on a disk file system and one on tmpfs
FILE="$WORK/file"
truncate -s 1M "$FILE"
SHMFILE="$SHM/file"
truncate -s 3M "$SHMFILE"
for f in "$FILE" "$SHMFILE"; do
	run info "$f"
	check "info $f exits 0" [ $rc -eq 0 ]
	check "$f: no stderr" [ ! -s "$ERR" ]
	check "$f: path" [ "$(value path)" = "$f" ]
	check "$f: file" [ "$(value file)" = "$f" ]
	check "$f: not temporary" [ "$(value temporary)" = no ]
	gran=$(value granularity)
	check "$f: granularity is a known value ($gran)" \
		grep -qx 'BYTE\|CACHE_LINE\|PAGE' <<<"$gran"
	check "$f: granularity_reason starts with the granularity" \
		grep -q "^$gran: " <<<"$(value granularity_reason)"
	ms=$(value map_sync)
	case "$ms" in
	accepted)
		check "$f: MAP_SYNC accepted => not PAGE" [ "$gran" != PAGE ] ;;
	"not supported: mmap with MAP_SYNC refused: "*)
		check "$f: MAP_SYNC refused => PAGE" [ "$gran" = PAGE ]
		check "$f: refusal names an errno" grep -q "(errno [0-9]\+)$" <<<"$ms"
		check "$f: rule no_map_sync" [ "$(value granularity_rule)" = no_map_sync ]
		check "$f: persists with msync" [ "$(value persist)" = msync ] ;;
	*)
		fail "$f: map_sync value '$ms'" ;;
	esac
	reg=$(value region)
	case "$reg" in
	"not supported: "* | region[0-9]*) ok ;;
	*) fail "$f: region value '$reg'" ;;
	esac
	check "$f: copy engine shown" [ -n "$(value copy_engine)" ]
	check "$f: flush instruction shown" [ -n "$(value flush_instruction)" ]
done
check "tmpfs file: size" [ "$(value size)" = "3145728 (3 MiB)" ]
check "tmpfs: MAP_SYNC refused (no DAX on tmpfs)" \
	has_line "^map_sync: *not supported: mmap with MAP_SYNC refused: .*(errno 95)$"
check "tmpfs: not on an NVDIMM region" \
	has_line "^region: *not supported: not on an NVDIMM region"
check "tmpfs: no NUMA node" has_line "^numa_node: *not supported: "
check "file not modified" cmp -s "$FILE" <(head -c 1M /dev/zero)

# the tool reports the library's decision, so forcing it shows
PMEM2_FORCE_GRANULARITY=cache_line "$TOOL" info "$FILE" >"$OUT" 2>"$ERR"
rc=$?
check "forced: exits 0" [ $rc -eq 0 ]
check "forced: granularity CACHE_LINE" [ "$(value granularity)" = CACHE_LINE ]
check "forced: rule forced" [ "$(value granularity_rule)" = forced ]
check "forced: reason names the variable" \
	grep -q "PMEM2_FORCE_GRANULARITY=cache_line" <<<"$(value granularity_reason)"

# ---- a directory: a new file there
mkdir "$WORK/dir"
run info "$WORK/dir"
check "directory: exits 0" [ $rc -eq 0 ]
check "directory: path is the directory" [ "$(value path)" = "$WORK/dir" ]
check "directory: the file was in it" has_line "^file: *$WORK/dir/pmem2-info\.......$"
check "directory: temporary" has_line "^temporary: *yes "
check "directory: the file was removed" [ -z "$(ls -A "$WORK/dir")" ]

# ---- JSON, every kind of PATH in one call, in order
run info --json "$FILE" "$SHMFILE" "$WORK/dir" "$SHM"
check "--json, 4 PATHs: exits 0" [ $rc -eq 0 ]
check "--json: no stderr" [ ! -s "$ERR" ]
check "--json: schema and values" json 4 \
	"0.path=\"$FILE\"" "0.file=\"$FILE\"" 0.temporary=false \
	'0.type="regular file"' 0.size=1048576 "0.alignment=$(getconf PAGESIZE)" \
	'0.granularity~BYTE|CACHE_LINE|PAGE' 0.bad_blocks?value \
	"1.path=\"$SHMFILE\"" 1.size=3145728 1.map_sync?not_supported \
	'1.granularity="PAGE"' '1.granularity_rule="no_map_sync"' \
	'1.persist="msync"' 1.region?not_supported 1.namespace?not_supported \
	1.persistence_domain?not_supported 1.deep_flush?not_supported \
	1.numa_node?not_supported 1.device_id?not_supported \
	1.unsafe_shutdown_count?not_supported \
	"2.path=\"$WORK/dir\"" "2.file~$WORK/dir/pmem2-info\\......." \
	2.temporary=true 2.size=2097152 \
	"3.path=\"$SHM\"" 3.temporary=true '3.granularity="PAGE"' \
	1.movnt_threshold?value '1.copy_engine~[a-z0-9+]+'
check "--json: the directories are empty again" \
	[ -z "$(ls -A "$WORK/dir")" -a "$(ls -A "$SHM")" = file ]
if command -v jq >/dev/null; then
	check "jq reads it too" \
		[ "$(jq -r '.[1].granularity, .[1].map_sync.not_supported != null' "$OUT" | tr '\n' ' ')" = "PAGE true " ]
else
	echo "note: jq not installed, JSON read with python3 only"
fi

# text and JSON say the same, key by key
"$TOOL" info "$SHMFILE" >"$WORK/text"
"$TOOL" info --json "$SHMFILE" >"$WORK/json"
check "text and JSON agree" "$PY" - "$WORK/text" "$WORK/json" <<'EOF'
import json, re, sys
text = {}
for line in open(sys.argv[1]):
    k, v = re.match(r"([a-z_]+): +(.*)", line.rstrip("\n")).groups()
    text[k] = v
rep = json.load(open(sys.argv[2]))[0]
assert list(text) == list(rep), (list(text), list(rep))
for k, v in rep.items():
    t = text[k]
    if isinstance(v, dict):
        kind, why = next(iter(v.items()))
        want = ("not supported: " if kind == "not_supported" else "error: ") + why
        assert t == want, (k, t, want)
    elif isinstance(v, bool):
        assert t.startswith("yes" if v else "no") or (v and t == "accepted"), (k, t)
    elif isinstance(v, int):
        assert t == str(v) or t.startswith(str(v) + " ("), (k, t, v)
    elif isinstance(v, list):
        assert (t == "none") == (not v) and (not v or t.startswith(f"{len(v)}: ")), (k, t)
    else:
        assert t == v, (k, t, v)
EOF

# ---- anonymous memory
run info --anon
check "--anon exits 0" [ $rc -eq 0 ]
check "--anon type" [ "$(value type)" = anonymous ]
check "--anon granularity BYTE" [ "$(value granularity)" = BYTE ]
check "--anon has no device" grep -q "^not supported: " <<<"$(value numa_node)"
run info --json --anon
check "--anon --json" json 1 '0.type="anonymous"' '0.granularity="BYTE"' \
	'0.granularity_rule="anonymous"' 0.file?not_supported \
	0.map_sync?not_supported 0.region?not_supported 0.bad_blocks?not_supported

# ---- errors: exit 1, a message on stderr naming the path, no report
expect_error() { # DESCRIPTION PATTERN PATH
	run info "$3"
	check "$1: exits 1" [ $rc -eq 1 ]
	check "$1: nothing on stdout" [ ! -s "$OUT" ]
	check "$1: stderr names the path" err_has "$3"
	check "$1: stderr says '$2'" err_has "$2"
	run info --json "$3"
	check "$1, --json: exits 1" [ $rc -eq 1 ]
	check "$1, --json: an error object" json 1 "0.path=\"$3\"" "0.error%$2"
}
expect_error "missing path" "No such file" "$WORK/does-not-exist"
expect_error "/dev/null" "device" /dev/null
: >"$WORK/empty"
expect_error "empty file" "empty (size 0)" "$WORK/empty"

# several PATHs, one bad: the others are still reported, status 1
run info --json "$FILE" "$WORK/does-not-exist" "$SHMFILE"
check "one bad PATH of three: exits 1" [ $rc -eq 1 ]
check "one bad PATH of three: the others reported" json 3 \
	"0.path=\"$FILE\"" 0.granularity?value "1.path=\"$WORK/does-not-exist\"" \
	'1.error~No such file.*' "2.path=\"$SHMFILE\"" 2.granularity?value
check "one bad PATH of three: stderr names it" err_has "$WORK/does-not-exist"
run info "$FILE" "$WORK/does-not-exist" "$SHMFILE"
check "text, one bad PATH of three: exits 1" [ $rc -eq 1 ]
check "text, one bad PATH of three: two reports" \
	[ "$(grep -c '^path:' "$OUT")" -eq 2 ]
check "text, two reports: aligned, one blank line between" aligned

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
	as_nobody "$TOOL" info --json "$WORK/secret" >"$OUT" 2>"$ERR"
	check "unreadable file, --json: an error object" \
		json 1 '0.error~cannot open: Permission denied.*'
	# a file nobody may only read: reported read-only, without error
	truncate -s 64K "$WORK/public"
	chmod 644 "$WORK/public"
	as_nobody "$TOOL" info "$WORK/public" >"$OUT" 2>"$ERR"
	rc=$?
	check "read-only file as nobody: exits 0" [ $rc -eq 0 ]
	check "read-only file as nobody: granularity" \
		grep -qx 'BYTE\|CACHE_LINE\|PAGE' <<<"$(value granularity)"
	# directories nobody may not write to
	as_nobody env TMPDIR="$WORK/tmpdir" "$TOOL" info >"$OUT" 2>"$ERR"
	rc=$?
	check "no PATH as nobody: TMPDIR not writable => exits 1" [ $rc -eq 1 ]
	check "no PATH as nobody: says TMPDIR" err_has "TMPDIR"
	as_nobody "$TOOL" info "$WORK/dir" >"$OUT" 2>"$ERR"
	rc=$?
	check "directory as nobody: exits 1" [ $rc -eq 1 ]
	check "directory as nobody: says why" \
		err_has "cannot create a temporary file in $WORK/dir: Permission denied"
else
	echo "SKIP unprivileged checks: need root and setpriv to switch to nobody"
fi

# ---- documentation: pmem2(1) and doc/pmem2-tool.md
MAN1="$SRC/doc/man/pmem2.1"
DOC="$SRC/doc/pmem2-tool.md"
if ! command -v groff >/dev/null; then
	fail "groff is not installed: apt-get install groff-base"
elif [ ! -f "$MAN1" ]; then
	fail "doc/man/pmem2.1 does not exist"
else
	for dev in utf8 ps; do
		groff -man -ww -z -T$dev "$MAN1" >"$WORK/w" 2>&1
		check "pmem2.1 renders without warnings (-T$dev): $(head -3 "$WORK/w")" \
			[ ! -s "$WORK/w" ]
	done
	check "pmem2.1: .TH PMEM2 1" grep -q '^\.TH PMEM2 1 ' "$MAN1"
	groff -man -Tascii -P-cbou "$MAN1" 2>/dev/null >"$WORK/man.txt"
	for key in $KEYS; do
		check "pmem2.1 documents $key" grep -q "^ *$key\$\|^ *$key " "$WORK/man.txt"
	done
fi
for key in $KEYS; do
	check "doc/pmem2-tool.md documents $key" grep -q "^| \`$key\` |" "$DOC"
done

summary
