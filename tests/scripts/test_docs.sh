#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_docs.sh BUILD_DIR SOURCE_DIR -- the manual pages of libpmem2.
#
# The pages in doc/man are the reference users read, so they must cover the
# whole exported API and agree with the header. Checked here (no network;
# needs groff, from Debian's groff-base, and perl, which Debian always has):
#  - every exported function (tests/scripts/exported-pmem2.txt, the three
#    draft functions and the three logging functions) has
#    doc/man/<name>.3, either a page or a one-line
#    ".so man3/<page>.3" redirect to an existing page, and no pmem2_*.3 page
#    documents a function that does not exist;
#  - every page renders with groff -ww (all warnings) without a warning, for
#    the terminal (utf8) and the default device, and with man -l when man-db
#    is installed;
#  - every function page has .TH NAME 3 matching its file name and the
#    sections NAME, SYNOPSIS, DESCRIPTION, RETURN VALUE, ERRORS and SEE ALSO,
#    and names each function it documents in its NAME section;
#  - the prototype in the rendered SYNOPSIS of each function equals the
#    declaration in include/libpmem2/base.h, draft.h or log.h (whitespace
#    and __attribute__ ignored), and so does the logging function type;
#  - every PMEM2_E_* macro of base.h appears in libpmem2.7, and every
#    PMEM2_E_* name a page mentions exists (a typo would send readers after
#    a code that is never returned);
#  - every "name(3)" / "name(7)" cross-reference to a libpmem2 page points to
#    a page that exists.
# The pages of libpmemset (doc/man/pmemset*) are checked by the same rules
# (tests/scripts/manpages.sh) in test_pmemset_docs.sh.

# ok() always succeeds, so "test && ok || fail" is a plain if/else;
# error-code names are single words
# shellcheck disable=SC2015,SC2013

BUILD_DIR=${1:?usage: test_docs.sh BUILD_DIR SOURCE_DIR}
SOURCE_DIR=${2:?usage: test_docs.sh BUILD_DIR SOURCE_DIR}
: "$BUILD_DIR" # nothing is built for this test

MAN=$SOURCE_DIR/doc/man
BASE_H=$SOURCE_DIR/include/libpmem2/base.h
DRAFT_H=$SOURCE_DIR/include/libpmem2/draft.h
LOG_H=$SOURCE_DIR/include/libpmem2/log.h
LIST=$SOURCE_DIR/tests/scripts/exported-pmem2.txt
DRAFT="pmem2_config_set_fd pmem2_map pmem2_unmap"
LOGFNS="pmem2_log_get_threshold pmem2_log_set_function pmem2_log_set_threshold"
# names pages may mention although they are not codes: the code PMDK's own
# manual page invented (pmem2_vm_reservation_new(3) says so)
NOT_CODES="PMEM2_E_RESERVATION_NOT_EMPTY"

# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# resolve, declaration, synopsis and the check_* functions, shared with
# test_pmemset_docs.sh
# shellcheck source=tests/scripts/manpages.sh
. "$SOURCE_DIR/tests/scripts/manpages.sh" || { fail "cannot read manpages.sh"; summary; }

manpage_setup test_docs "$LIST" "$BASE_H" "$DRAFT_H" "$LOG_H"

FUNCS=$(cat "$LIST"; for f in $DRAFT $LOGFNS; do echo "$f"; done)
nfuncs=$(echo "$FUNCS" | wc -l)
[ "$nfuncs" -eq 56 ] && ok || fail "expected 50 + 3 + 3 functions, found $nfuncs"

# ---- 1. a page for every function, and a function for every page
# shellcheck disable=SC2086 # one function name a word
check_function_pages $FUNCS
for page in "$MAN"/pmem2_*.3; do
	[ -e "$page" ] || break
	name=$(basename "$page" .3)
	if echo "$FUNCS" | grep -qxF "$name"; then
		ok
	else
		fail "doc/man/$name.3 documents no exported function"
	fi
done
[ -f "$MAN/libpmem2.7" ] && ok || fail "doc/man/libpmem2.7 is missing"

# the pages proper (not redirects), without libpmemset's
PAGES=()
for page in "$MAN"/*.[37]; do
	[ -e "$page" ] || continue
	case $(basename "$page") in pmemset* | libpmemset*) continue ;; esac
	is_redirect "$page" || PAGES+=("$page")
done

# ---- 2. rendering without warnings
for page in "${PAGES[@]}"; do
	check_render "$page"
done

# ---- 3. structure of each page
for page in "${PAGES[@]}"; do
	check_structure "$page"
done

# ---- 4. each function: named in NAME, prototype as in the header
while read -r fn target; do
	check_named "$fn" "$target"
	case " $DRAFT " in
	*" $fn "*) hdr=$DRAFT_H ;;
	*) hdr=$BASE_H ;;
	esac
	case " $LOGFNS " in *" $fn "*) hdr=$LOG_H ;; esac
	check_prototype "$fn" "$target" "$hdr"
done <"$TMP/resolved"
# the logging function type, on the page that shows it
check_prototype pmem2_log_function "$MAN/pmem2_log_set_function.3" "$LOG_H"

# ---- 5. error codes
CODES=$(grep -oE '^#define[[:space:]]+PMEM2_E_[A-Z_]+' "$BASE_H" | awk '{ print $2 }')
n=$(echo "$CODES" | wc -l)
[ "$n" -eq 37 ] && ok || fail "expected 37 PMEM2_E_ codes in base.h, found $n"
for c in $CODES; do
	if grep -qw "$c" "$MAN/libpmem2.7"; then
		ok
	else
		fail "$c is not described in libpmem2.7"
	fi
done
for page in "${PAGES[@]}"; do
	for c in $(grep -oE 'PMEM2_E_[A-Z_]+' "$page" | sort -u); do
		case " $NOT_CODES " in *" $c "*) continue ;; esac
		if echo "$CODES" | grep -qxF "$c"; then
			ok
		else
			fail "$(basename "$page") mentions $c, which base.h does not define"
		fi
	done
done

# ---- 6. cross-references
for page in "${PAGES[@]}"; do
	check_refs "$page" '(lib)?pmem2[a-z0-9_]*'
done

summary
