#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_pmemset_docs.sh BUILD_DIR SOURCE_DIR -- the manual pages of libpmemset.
#
# libpmemset's pages (doc/man/pmemset_*.3 and libpmemset.7) are what users
# read instead of the header, so they must cover every exported function
# and agree with include/libpmemset.h. Checked here, by the same rules
# (tests/scripts/manpages.sh) as libpmem2's pages in test_docs.sh (no
# network; needs groff, from groff-base, and perl):
#  - the functions exported by src/pmemset/libpmemset.map are exactly the
#    ones the header declares, and each has doc/man/<name>.3, a page or a
#    one-line ".so man3/<page>.3" redirect to an existing page; no
#    pmemset_*.3 page is about a function that is not exported;
#  - every page renders with groff -ww (all warnings) for utf8 and ps
#    without a warning, and with man -l when man-db is installed;
#  - every page has .TH NAME SECTION matching its file name, the SPDX line
#    and the sections NAME, SYNOPSIS, DESCRIPTION, RETURN VALUE (3) or
#    ENVIRONMENT (7), ERRORS and SEE ALSO, and names each function it
#    documents in its NAME section;
#  - the prototype in the rendered SYNOPSIS equals the header's declaration
#    (whitespace and __attribute__ ignored; also the callback and logging
#    function typedefs);
#  - every PMEMSET_E_* name of the header is described in libpmemset.7, and
#    every PMEMSET_E_* / PMEM2_E_* name a page mentions exists;
#  - libpmemset.7 refers to every pmemset_*.3 page, and every "name(3)" /
#    "name(7)" reference to a libpmemset or libpmem2 page points to a page
#    that exists.
# It counts through tests/scripts/lib.sh, as every shell test does.

# ok() always succeeds, so "test && ok || fail" is a plain if/else;
# error-code names are single words
# shellcheck disable=SC2015,SC2013

BUILD_DIR=${1:?usage: test_pmemset_docs.sh BUILD_DIR SOURCE_DIR}
SOURCE_DIR=${2:?usage: test_pmemset_docs.sh BUILD_DIR SOURCE_DIR}
: "$BUILD_DIR" # nothing is built for this test

MAN=$SOURCE_DIR/doc/man
MAP=$SOURCE_DIR/src/pmemset/libpmemset.map
HDR=$SOURCE_DIR/include/libpmemset.h
PMEM2_BASE=$SOURCE_DIR/include/libpmem2/base.h
# the callback type is checked like a prototype, on the page that shows it
TYPEDEFS="pmemset_event_callback:pmemset_config_set_event_callback
pmemset_log_function:pmemset_log_set_function"

# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# shellcheck source=tests/scripts/manpages.sh
. "$SOURCE_DIR/tests/scripts/manpages.sh" || { fail "cannot read manpages.sh"; summary; }

manpage_setup test_pmemset_docs "$MAP" "$HDR" "$PMEM2_BASE"

# the header and any sub-headers it may be split into
HEADERS=("$HDR")
for h in "$SOURCE_DIR"/include/libpmemset/*.h; do
	[ -e "$h" ] && HEADERS+=("$h")
done
cat "${HEADERS[@]}" >"$TMP/header"

# every name in a global: list of any version node
FUNCS=$(grep -oE '^[[:space:]]*pmemset_[a-z0-9_]+;' "$MAP" | tr -d ' \t;' | sort -u)
nfuncs=$(echo "$FUNCS" | grep -c .)
[ "$nfuncs" -ge 48 ] && ok ||
	fail "expected at least 48 exported functions in $(basename "$MAP"), found $nfuncs"

# ---- 1. the exported functions are the header's, and the other way round
for fn in $FUNCS; do
	declaration "$fn" <"$TMP/header" >/dev/null && ok ||
		fail "$fn is exported but not declared in libpmemset.h"
done
for fn in $(declaration '[a-z0-9_]+' all <"$TMP/header" |
	grep -oE 'pmemset_[a-z0-9_]+\(' | tr -d '(' | sort -u); do
	case $fn in pmemset_event_callback | pmemset_log_function) continue ;; esac # types
	echo "$FUNCS" | grep -qxF "$fn" && ok ||
		fail "$fn is declared in libpmemset.h but not exported"
done

# ---- 2. a page for every function, and a function for every page
# shellcheck disable=SC2086 # one function name a word
check_function_pages $FUNCS
for page in "$MAN"/pmemset_*.3; do
	[ -e "$page" ] || break
	name=$(basename "$page" .3)
	echo "$FUNCS" | grep -qxF "$name" && ok ||
		fail "doc/man/$name.3 documents no exported function"
done
[ -f "$MAN/libpmemset.7" ] && ok || fail "doc/man/libpmemset.7 is missing"

# the pages proper (not redirects)
PAGES=()
for page in "$MAN"/pmemset_*.3 "$MAN"/libpmemset.7; do
	[ -e "$page" ] || continue
	is_redirect "$page" || PAGES+=("$page")
done
[ "${#PAGES[@]}" -gt 1 ] && ok || fail "no libpmemset pages found in $MAN"

# ---- 3. rendering and structure of each page
for page in "${PAGES[@]}"; do
	check_render "$page"
	check_structure "$page"
done

# ---- 4. each function: named in NAME, prototype as in the header
while read -r fn target; do
	check_named "$fn" "$target"
	check_prototype "$fn" "$target" "$TMP/header"
done <"$TMP/resolved"
for t in $TYPEDEFS; do
	check_prototype "${t%%:*}" "$MAN/${t#*:}.3" "$TMP/header"
done

# ---- 5. error codes
CODES=$(grep -oE '^#define[[:space:]]+PMEMSET_E_[A-Z0-9_]+' "$TMP/header" | awk '{ print $2 }' | sort -u)
n=$(echo "$CODES" | grep -c .)
[ "$n" -ge 39 ] && ok || fail "expected at least 39 PMEMSET_E_ names in the header, found $n"
for c in $CODES; do
	grep -qw "$c" "$MAN/libpmemset.7" && ok || fail "$c is not described in libpmemset.7"
done
PMEM2_CODES=$(grep -oE '^#define[[:space:]]+PMEM2_E_[A-Z_]+' "$PMEM2_BASE" | awk '{ print $2 }')
for page in "${PAGES[@]}"; do
	for c in $(grep -oE 'PMEMSET_E_[A-Z0-9_]+' "$page" | sort -u); do
		echo "$CODES" | grep -qxF "$c" && ok ||
			fail "$(basename "$page") mentions $c, which libpmemset.h does not define"
	done
	for c in $(grep -oE 'PMEM2_E_[A-Z_]+' "$page" | sort -u); do
		echo "$PMEM2_CODES" | grep -qxF "$c" && ok ||
			fail "$(basename "$page") mentions $c, which libpmem2 does not define"
	done
done

# ---- 6. libpmemset.7 refers to every page; references resolve
for page in "$MAN"/pmemset_*.3; do
	[ -e "$page" ] || break
	name=$(basename "$page" .3)
	grep -qE "^\.(BR|IR|B|I) +$name +\(3\)" "$MAN/libpmemset.7" && ok ||
		fail "libpmemset.7 does not refer to $name(3)"
done
for page in "${PAGES[@]}"; do
	check_refs "$page" '(lib)?pmem(set|2)[a-z0-9_]*'
done

summary
