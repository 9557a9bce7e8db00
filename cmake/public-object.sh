#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# public-object.sh OUT MAP LD OBJCOPY NM OBJECT... -- the one object file
# that goes into a public static archive (libpmem2.a, libpmemset.a).
#
# Both libraries carry their own copy of src/core (err_set, os_*, itree_*,
# ...), global in the object files. Archived as they are, a program linking
# libpmem2.a and libpmemset.a would see those names twice (or silently get
# one library's copy for both), and any internal name could collide with
# the program's own. So the objects are first linked into one relocatable
# object (ld -r: internal calls are resolved inside it) and then every
# global symbol except the library's public functions, as the version
# script MAP lists them, is made local (objcopy). Of libpmem2's two
# versioned names of a function, the default one (name@@LIBPMEM2_1.0) stays
# global and the other (name@LIBPMEM2_2.0) is made local: a static link
# has no use for it. Fails when a name MAP exports has no definition.
set -eu
out=$1 map=$2 ld=$3 objcopy=$4 nm=$5
shift 5
tmp=$out.tmp
trap 'rm -f "$tmp.o" "$tmp.names" "$tmp.keep"' EXIT

"$ld" -r -o "$tmp.o" "$@"

# the exported names: "name;" lines of the version script
sed -n 's/^[[:space:]]*\([A-Za-z_][A-Za-z0-9_]*\);.*$/\1/p' "$map" |
	sort -u >"$tmp.names"

# defined globals whose base name is exported, minus non-default versions
"$nm" -g --defined-only "$tmp.o" | awk '
	NR == FNR { pub[$1] = 1; next }
	{
		sym = $3; base = sym; sub(/@.*/, "", base)
		if (!(base in pub)) next
		if (sym ~ /@/ && sym !~ /@@/) next
		print sym
	}' "$tmp.names" - | sort -u >"$tmp.keep"

missing=$(sed 's/@.*//' "$tmp.keep" | sort -u | comm -23 "$tmp.names" -)
if [ -n "$missing" ]; then
	echo "public-object.sh: $map exports names $out does not define:" $missing >&2
	exit 1
fi
dups=$(sed 's/@.*//' "$tmp.keep" | sort | uniq -d)
if [ -n "$dups" ]; then
	echo "public-object.sh: more than one global definition of:" $dups >&2
	exit 1
fi

"$objcopy" --keep-global-symbols="$tmp.keep" "$tmp.o" "$out"
