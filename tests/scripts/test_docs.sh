#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_docs.sh BUILD_DIR SOURCE_DIR -- the manual pages of libpmem2.
#
# The pages in doc/man are the reference users read, so they must cover the
# whole exported API and agree with the header. Checked here (no network;
# needs groff, from Debian's groff-base, and perl, which Debian always has):
#  - every exported function (tests/scripts/exported-pmem2.txt and the three
#    draft functions) has doc/man/<name>.3, either a page or a one-line
#    ".so man3/<page>.3" redirect to an existing page, and no pmem2_*.3 page
#    documents a function that does not exist;
#  - every page renders with groff -ww (all warnings) without a warning, for
#    the terminal (utf8) and the default device, and with man -l when man-db
#    is installed;
#  - every function page has .TH NAME 3 matching its file name and the
#    sections NAME, SYNOPSIS, DESCRIPTION, RETURN VALUE, ERRORS and SEE ALSO,
#    and names each function it documents in its NAME section;
#  - the prototype in the rendered SYNOPSIS of each function equals the
#    declaration in include/libpmem2/base.h or draft.h (whitespace and
#    __attribute__ ignored);
#  - every PMEM2_E_* macro of base.h appears in libpmem2.7, and every
#    PMEM2_E_* name a page mentions exists (a typo would send readers after
#    a code that is never returned);
#  - every "name(3)" / "name(7)" cross-reference to a libpmem2 page points to
#    a page that exists.
# The pages of libpmemset (doc/man/pmemset*) are checked by their own test.

# pass() always succeeds, so "test && pass || fail" is a plain if/else;
# error-code names are single words
# shellcheck disable=SC2015,SC2013

BUILD_DIR=${1:?usage: test_docs.sh BUILD_DIR SOURCE_DIR}
SOURCE_DIR=${2:?usage: test_docs.sh BUILD_DIR SOURCE_DIR}
: "$BUILD_DIR" # nothing is built for this test

MAN=$SOURCE_DIR/doc/man
BASE_H=$SOURCE_DIR/include/libpmem2/base.h
DRAFT_H=$SOURCE_DIR/include/libpmem2/draft.h
LIST=$SOURCE_DIR/tests/scripts/exported-pmem2.txt
DRAFT="pmem2_config_set_fd pmem2_map pmem2_unmap"
# names pages may mention although they are not codes: the code PMDK's own
# manual page invented (pmem2_vm_reservation_new(3) says so)
NOT_CODES="PMEM2_E_RESERVATION_NOT_EMPTY"

passed=0
failed=0
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
done_() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit; }

if ! command -v groff >/dev/null; then
	fail "groff is not installed: install groff-base" \
		"(apt-get install groff-base) to check the manual pages"
	done_
fi
if ! command -v perl >/dev/null; then
	fail "perl is not installed (Debian's perl-base)"
	done_
fi
for f in "$LIST" "$BASE_H" "$DRAFT_H"; do
	[ -r "$f" ] || { fail "cannot read $f"; done_; }
done
[ -d "$MAN" ] || { fail "no directory $MAN"; done_; }

TMP=$(mktemp -d /tmp/test_docs.XXXXXX) || exit 1
trap 'rm -rf "$TMP"' EXIT

FUNCS=$(cat "$LIST"; for f in $DRAFT; do echo "$f"; done)
nfuncs=$(echo "$FUNCS" | wc -l)
[ "$nfuncs" -eq 53 ] && pass || fail "expected 50 + 3 functions, found $nfuncs"

# the page a name resolves to: itself, or the target of its .so redirect.
# Sets RESOLVED to the path, or to "" (after a failure) when it cannot be
# resolved. (Not meant for $(...): fail must count in this shell.)
resolve() {
	local page=$1 first target
	RESOLVED=
	first=$(grep -v '^\.\\"' "$page" | head -n 1)
	case $first in
	.so\ *)
		if [ "$(grep -cv '^\.\\"' "$page")" -ne 1 ]; then
			fail "$(basename "$page"): a .so redirect must be the only line"
			return
		fi
		if ! [[ $first =~ ^\.so\ man3/([a-z0-9_]+\.3)$ ]]; then
			fail "$(basename "$page"): redirect '$first' is not '.so man3/<page>.3'"
			return
		fi
		target=$MAN/${BASH_REMATCH[1]}
		if [ ! -f "$target" ]; then
			fail "$(basename "$page"): redirect target ${BASH_REMATCH[1]} does not exist"
			return
		fi
		if head -n 1 "$target" | grep -q '^\.so'; then
			fail "$(basename "$page"): redirect to a redirect (${BASH_REMATCH[1]})"
			return
		fi
		RESOLVED=$target
		;;
	*)
		RESOLVED=$page
		;;
	esac
}

is_redirect() { grep -v '^\.\\"' "$1" | head -n 1 | grep -q '^\.so '; }

# the declaration of function $1 in text on stdin: from the line naming it
# to the first ';', comments removed, normalised
declaration() {
	perl -0777 -e '
		my $name = shift;
		local $_ = <STDIN>;
		s{/\*.*?\*/}{}gs;
		my @l = split /\n/;
		for (my $i = 0; $i < @l; $i++) {
			next unless $l[$i] =~ /(?:^|[^\w])\Q$name\E\s*\(/;
			my $d = "";
			for (my $j = $i; $j < @l; $j++) {
				$d .= " " . $l[$j];
				last if $l[$j] =~ /;/;
			}
			$d =~ s/;.*//s;
			$d =~ s/__attribute__\s*\(\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\)\)//g;
			$d =~ s/\s+/ /g;
			$d =~ s/\s*([(),*])\s*/$1/g;
			$d =~ s/^\s+|\s+$//g;
			print "$d\n";
			exit 0;
		}
		exit 1;
	' "$1"
}

# the rendered SYNOPSIS section of a page, as plain text
synopsis() {
	groff -man -Tascii -P-cbou "$1" 2>/dev/null |
		awk '/^[A-Z]/ { insyn = ($0 == "SYNOPSIS"); next } insyn'
}

# ---- 1. a page for every function, and a function for every page
for fn in $FUNCS; do
	page=$MAN/$fn.3
	if [ ! -f "$page" ]; then
		fail "$fn has no manual page doc/man/$fn.3"
		continue
	fi
	pass
	resolve "$page"
	[ -n "$RESOLVED" ] || continue
	pass
	echo "$fn $RESOLVED" >>"$TMP/resolved"
done
for page in "$MAN"/pmem2_*.3; do
	[ -e "$page" ] || break
	name=$(basename "$page" .3)
	if echo "$FUNCS" | grep -qxF "$name"; then
		pass
	else
		fail "doc/man/$name.3 documents no exported function"
	fi
done
[ -f "$MAN/libpmem2.7" ] && pass || fail "doc/man/libpmem2.7 is missing"

# the pages proper (not redirects), without libpmemset's
PAGES=()
for page in "$MAN"/*.[37]; do
	[ -e "$page" ] || continue
	case $(basename "$page") in pmemset* | libpmemset*) continue ;; esac
	is_redirect "$page" || PAGES+=("$page")
done

# ---- 2. rendering without warnings
for page in "${PAGES[@]}"; do
	b=$(basename "$page")
	for dev in utf8 ps; do
		groff -man -ww -z -T"$dev" "$page" >"$TMP/w" 2>&1
		if [ -s "$TMP/w" ]; then
			fail "$b: groff -ww -T$dev warns:"
			sed 's/^/    /' "$TMP/w" | head -10
		else
			pass
		fi
	done
	if command -v man >/dev/null; then
		if MANWIDTH=80 man -l -Tutf8 "$page" >/dev/null 2>"$TMP/w" &&
			[ ! -s "$TMP/w" ]; then
			pass
		else
			fail "$b: man -l reports:"
			sed 's/^/    /' "$TMP/w" | head -10
		fi
	fi
done
command -v man >/dev/null || echo "note: man-db not installed, 'man -l' not tried"

# ---- 3. structure of each page
for page in "${PAGES[@]}"; do
	b=$(basename "$page")
	sect=${b##*.}
	name=${b%.*}
	upper=$(echo "$name" | tr '[:lower:]' '[:upper:]')
	if grep -qE "^\.TH \"?$upper\"? $sect " "$page"; then
		pass
	else
		fail "$b: no '.TH $upper $sect' line"
	fi
	head -n 1 "$page" | grep -q 'SPDX-License-Identifier: BSD-3-Clause' &&
		pass || fail "$b: first line is not the SPDX comment"
	if [ "$sect" = 3 ]; then
		required=("NAME" "SYNOPSIS" "DESCRIPTION" "RETURN VALUE" "ERRORS" "SEE ALSO")
	else
		required=("NAME" "SYNOPSIS" "DESCRIPTION" "ERRORS" "ENVIRONMENT" "SEE ALSO")
	fi
	for s in "${required[@]}"; do
		if grep -qE "^\.SH \"?$s\"?$" "$page"; then
			pass
		else
			fail "$b: no $s section"
		fi
	done
done

# ---- 4. each function: named in NAME, prototype as in the header
touch "$TMP/resolved"
while read -r fn target; do
	b=$(basename "$target")
	# the NAME section's source lines, up to the next .SH
	if awk '/^\.SH / { inname = ($2 == "NAME"); next } inname' "$target" |
		grep -qE "(^|[ ,])$fn(,|[[:space:]]|$)"; then
		pass
	else
		fail "$fn: not listed in the NAME section of $b"
	fi

	case " $DRAFT " in
	*" $fn "*) hdr=$DRAFT_H ;;
	*) hdr=$BASE_H ;;
	esac
	want=$(declaration "$fn" <"$hdr")
	if [ -z "$want" ]; then
		fail "$fn: not declared in $(basename "$hdr")"
		continue
	fi
	got=$(synopsis "$target" | declaration "$fn")
	if [ -z "$got" ]; then
		fail "$fn: no prototype in the SYNOPSIS of $b"
	elif [ "$got" = "$want" ]; then
		pass
	else
		fail "$fn: SYNOPSIS of $b differs from $(basename "$hdr"):" \
			$'\n'"    page:   $got"$'\n'"    header: $want"
	fi
done <"$TMP/resolved"

# ---- 5. error codes
CODES=$(grep -oE '^#define[[:space:]]+PMEM2_E_[A-Z_]+' "$BASE_H" | awk '{ print $2 }')
n=$(echo "$CODES" | wc -l)
[ "$n" -eq 37 ] && pass || fail "expected 37 PMEM2_E_ codes in base.h, found $n"
for c in $CODES; do
	if grep -qw "$c" "$MAN/libpmem2.7"; then
		pass
	else
		fail "$c is not described in libpmem2.7"
	fi
done
for page in "${PAGES[@]}"; do
	for c in $(grep -oE 'PMEM2_E_[A-Z_]+' "$page" | sort -u); do
		case " $NOT_CODES " in *" $c "*) continue ;; esac
		if echo "$CODES" | grep -qxF "$c"; then
			pass
		else
			fail "$(basename "$page") mentions $c, which base.h does not define"
		fi
	done
done

# ---- 6. cross-references
for page in "${PAGES[@]}"; do
	refs=$(grep -hoE '^\.(BR|IR|B|I) +(lib)?pmem2[a-z0-9_]* +\(?[37]\)?' "$page" |
		awk '{ r = $3; gsub(/[()]/, "", r); print $2 "." r }' | sort -u)
	for r in $refs; do
		if [ -f "$MAN/$r" ]; then
			pass
		else
			fail "$(basename "$page") refers to $r, which does not exist"
		fi
	done
done

done_
