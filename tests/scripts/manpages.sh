# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# manpages.sh -- the checks of a manual page that test_docs.sh (libpmem2's
# pages) and test_pmemset_docs.sh (libpmemset's) have in common, so that the
# two libraries' pages are held to the same rules by the same code.
#
# Sourced, not run, after tests/scripts/lib.sh (ok and fail: each counts
# one check; fail also prints its arguments). The caller defines MAN (the
# directory of the pages) and calls manpage_setup, which makes TMP (a
# scratch directory). Needs groff and perl; uses man -l when man-db is
# installed.

# The tools the checks need are there; fails (and returns 1) otherwise.
manpage_tools() {
	if ! command -v groff >/dev/null; then
		fail "groff is not installed: install groff-base" \
			"(apt-get install groff-base) to check the manual pages"
		return 1
	fi
	if ! command -v perl >/dev/null; then
		fail "perl is not installed (Debian's perl-base)"
		return 1
	fi
	command -v man >/dev/null ||
		echo "note: man-db not installed, 'man -l' not tried"
	return 0
}

# manpage_setup NAME FILE...: what both tests check before any page: the
# tools, the FILEs they read, the directory MAN; then TMP, a scratch
# directory named after NAME. Stops the test (summary) when one is missing.
manpage_setup() {
	local name=$1 f
	shift
	manpage_tools || summary
	for f in "$@"; do
		[ -r "$f" ] || { fail "cannot read $f"; summary; }
	done
	[ -d "$MAN" ] || { fail "no directory $MAN"; summary; }
	scratch "$name"
	TMP=$SCRATCH
}

# check_function_pages FN...: every function has doc/man/<fn>.3, a page or
# a redirect that resolves; "fn page" of each goes to $TMP/resolved
check_function_pages() {
	local fn page
	: >"$TMP/resolved"
	for fn in "$@"; do
		page=$MAN/$fn.3
		if [ ! -f "$page" ]; then
			fail "$fn has no manual page doc/man/$fn.3"
			continue
		fi
		ok
		resolve "$page"
		[ -n "$RESOLVED" ] || continue
		ok
		echo "$fn $RESOLVED" >>"$TMP/resolved"
	done
}

# The page a name resolves to: itself, or the target of its one-line
# ".so man3/<page>.3" redirect. Sets RESOLVED to the path, or to "" after a
# failure. (Not meant for $(...): fail must count in the caller's shell.)
# shellcheck disable=SC2034 # RESOLVED is the caller's
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
		if is_redirect "$target"; then
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

# The declaration of function (or function type) $1 in the C text on stdin:
# comments, preprocessor lines, extern "C", function definitions and struct
# bodies dropped; the first statement that declares $1 (its name is what
# the statement opens with after the return type), whitespace normalised
# and __attribute__ removed. Exits 1 if there is none. With a second
# argument, $1 is a regular expression and every match is printed.
declaration() {
	perl -0777 -e '
		my ($name, $all) = @ARGV;
		$name = quotemeta($name) unless $all;
		local $_ = <STDIN>;
		my $found = 0;
		s{/\*.*?\*/}{}gs;
		s{//[^\n]*}{}g;
		s{\\\n}{}g;
		s{^[ \t]*#[^\n]*}{}mg;
		s/extern\s*"C"\s*\{//g;
		s/__attribute__\s*\(\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\)\)//g;
		for my $d (split /;/) {
			next if $d =~ /\{/;
			$d =~ s/^.*\}//s;
			next unless $d =~ /^\s*[A-Za-z_][\w\s\*]*?(?<!\w)$name\s*\(/;
			$d =~ s/\s+/ /g;
			$d =~ s/\s*([(),*])\s*/$1/g;
			$d =~ s/^\s+|\s+$//g;
			print "$d\n";
			$found = 1;
			last unless $all;
		}
		exit($found ? 0 : 1);
	' "$@"
}

# the rendered SYNOPSIS section of a page, as plain text
synopsis() {
	groff -man -Tascii -P-cbou "$1" 2>/dev/null |
		awk '/^[A-Z]/ { insyn = ($0 == "SYNOPSIS"); next } insyn'
}

# The page renders with groff -ww (every warning) for the terminal and the
# default device, and with man -l when man-db is installed, silently.
check_render() {
	local page=$1 b dev
	b=$(basename "$page")
	for dev in utf8 ps; do
		groff -man -ww -z -T"$dev" "$page" >"$TMP/w" 2>&1
		if [ -s "$TMP/w" ]; then
			fail "$b: groff -ww -T$dev warns:"
			sed 's/^/    /' "$TMP/w" | head -10
		else
			ok
		fi
	done
	command -v man >/dev/null || return 0
	if MANWIDTH=80 man -l -Tutf8 "$page" >/dev/null 2>"$TMP/w" &&
		[ ! -s "$TMP/w" ]; then
		ok
	else
		fail "$b: man -l reports:"
		sed 's/^/    /' "$TMP/w" | head -10
	fi
}

# .TH NAME SECTION as the file is named, the SPDX line first, and the
# sections a function page (3) or an overview page (7) must have.
check_structure() {
	local page=$1 b sect name upper s required
	b=$(basename "$page")
	sect=${b##*.}
	name=${b%.*}
	upper=$(echo "$name" | tr '[:lower:]' '[:upper:]')
	if grep -qE "^\.TH \"?$upper\"? $sect " "$page"; then
		ok
	else
		fail "$b: no '.TH $upper $sect' line"
	fi
	if head -n 1 "$page" | grep -q 'SPDX-License-Identifier: BSD-3-Clause'; then
		ok
	else
		fail "$b: first line is not the SPDX comment"
	fi
	if [ "$sect" = 3 ]; then
		required=("NAME" "SYNOPSIS" "DESCRIPTION" "RETURN VALUE" "ERRORS" "SEE ALSO")
	else
		required=("NAME" "SYNOPSIS" "DESCRIPTION" "ERRORS" "ENVIRONMENT" "SEE ALSO")
	fi
	for s in "${required[@]}"; do
		if grep -qE "^\.SH \"?$s\"?$" "$page"; then
			ok
		else
			fail "$b: no $s section"
		fi
	done
}

# function $1 is listed in the NAME section of page $2
check_named() {
	if awk '/^\.SH / { inname = ($2 == "NAME"); next } inname' "$2" |
		grep -qE "(^|[ ,])$1(,|[[:space:]]|$)"; then
		ok
	else
		fail "$1: not listed in the NAME section of $(basename "$2")"
	fi
}

# the prototype of $1 in the rendered SYNOPSIS of page $2 equals its
# declaration in the header file $3
check_prototype() {
	local fn=$1 page=$2 hdr=$3 want got b
	b=$(basename "$page")
	want=$(declaration "$fn" <"$hdr")
	if [ -z "$want" ]; then
		fail "$fn: not declared in $(basename "$hdr")"
		return
	fi
	got=$(synopsis "$page" | declaration "$fn")
	if [ -z "$got" ]; then
		fail "$fn: no prototype in the SYNOPSIS of $b"
	elif [ "$got" = "$want" ]; then
		ok
	else
		fail "$fn: SYNOPSIS of $b differs from $(basename "$hdr"):" \
			$'\n'"    page:   $got"$'\n'"    header: $want"
	fi
}

# every ".BR name (3|7)" cross-reference of page $1 to a page whose name
# matches the extended regular expression $2 points to a page in $MAN
check_refs() {
	local page=$1 re=$2 refs r
	refs=$(grep -hoE "^\.(BR|IR|B|I) +$re +\(?[37]\)?" "$page" |
		awk '{ r = $3; gsub(/[()]/, "", r); print $2 "." r }' | sort -u)
	for r in $refs; do
		if [ -f "$MAN/$r" ]; then
			ok
		else
			fail "$(basename "$page") refers to $r, which does not exist"
		fi
	done
}
