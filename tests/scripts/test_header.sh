#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_header.sh BUILD_DIR SOURCE_DIR -- the public headers, at source level.
#
# A program written for PMDK's libpmem2 must compile against our headers
# unchanged and mean the same thing. Checked here:
#  - include/libpmem2.h, include/libpmem2/base.h and include/libpmem2/draft.h
#    each compile alone (and twice in a row) as strict C11 with gcc and clang
#    and as C++11 with g++ and clang++, warnings as errors;
#  - every PMEM2_* macro and enumerator has the value (and signedness and
#    size) it has in PMDK's installed header (/usr/include/libpmem2.h, Debian
#    1.12.1); a program prints them all for each header, outputs are diffed;
#  - every function and function-pointer type declared by either header has
#    the same type in both: a C++ program prints typeid(&fn).name() (the
#    mangled type: parameters, const, enum and struct names) for each;
#  - struct pmem2_badblock has the same size and layout;
#  - the draft functions (no PMDK counterpart) have the prototypes of the
#    draft manual page, checked by compatible redeclaration in C;
#  - so have the logging functions of include/libpmem2/log.h (no PMDK
#    libpmem2 has them; the shape of PMDK 2.1's pmem_log_*), with the
#    level and threshold numbers of PMDK 2.1; they are left out of the
#    comparison with PMDK's header above.
# PMDK_INCLUDE may name PMDK's include directory (default /usr/include).
#
# C++ is optional for the build: a C++ check whose compiler is missing says
# SKIP with the reason, unless PMEM2_TEST_REQUIRE_CXX is set (scripts/test.sh
# sets it: CI installs g++ and clang++), which makes it a failure. The typeid
# program is built with PMEM2_TEST_CXX, the C++ compiler CMake found (tests/
# CMakeLists.txt passes it; empty when there is none; g++ when run by hand).

BUILD_DIR=${1:?usage: test_header.sh BUILD_DIR SOURCE_DIR}
SOURCE_DIR=${2:?usage: test_header.sh BUILD_DIR SOURCE_DIR}
OURS=$SOURCE_DIR/include
PMDK=${PMDK_INCLUDE:-/usr/include}

# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

scratch test_header
TMP=$SCRATCH

# compile WHAT COMPILER ARGS... -- one check; prints the diagnostics on failure
compile() {
	local what=$1
	shift
	if "$@" >"$TMP/cc.log" 2>&1; then
		ok
	else
		fail "$what"
		sed 's/^/    /' "$TMP/cc.log" | head -30
	fi
}

have() { command -v "$1" >/dev/null; }

# a C++ check cannot run: SKIP, or FAIL where C++ is required
cxx_missing() {
	if [ -n "${PMEM2_TEST_REQUIRE_CXX:-}" ]; then
		fail "$* (PMEM2_TEST_REQUIRE_CXX is set)"
	else
		skip "$*"
	fi
}
TYPEID_CXX=${PMEM2_TEST_CXX-g++}

# ---- 1. each header compiles alone, in C and C++
CFLAGS_STRICT="-std=c11 -Wall -Wextra -Werror -pedantic -Wstrict-prototypes
	-Wmissing-prototypes -Wredundant-decls -Wshadow -Wundef"
CXXFLAGS_STRICT="-std=c++11 -Wall -Wextra -Werror -pedantic -Wredundant-decls
	-Wshadow -Wundef -Wold-style-cast"

for hdr in libpmem2.h libpmem2/base.h libpmem2/draft.h libpmem2/log.h; do
	printf '#include <%s>\n#include <%s>\n' "$hdr" "$hdr" >"$TMP/alone.c"
	cp "$TMP/alone.c" "$TMP/alone.cpp"
	for cc in gcc clang; do
		if ! have $cc; then
			fail "$cc is not installed"
			continue
		fi
		# shellcheck disable=SC2086
		compile "$hdr alone with $cc (C11)" \
			$cc $CFLAGS_STRICT -I"$OURS" -c "$TMP/alone.c" \
			-o "$TMP/alone.o"
	done
	for cxx in g++ clang++; do
		if ! have $cxx; then
			cxx_missing "$hdr alone with $cxx (C++11): $cxx is not installed"
			continue
		fi
		# the draft function pmem2_map() shares its name with struct
		# pmem2_map, which C++ -Wshadow reports; that is the draft API
		flags=$CXXFLAGS_STRICT
		[ "$hdr" = libpmem2/draft.h ] && flags=${flags/-Wshadow/}
		# shellcheck disable=SC2086
		compile "$hdr alone with $cxx (C++11)" \
			$cxx $flags -I"$OURS" -c "$TMP/alone.cpp" \
			-o "$TMP/alone.o"
	done
done
# the non-strict dialects a user might choose
compile "libpmem2.h with gcc -std=gnu99" \
	gcc -std=gnu99 -Wall -Wextra -Werror -I"$OURS" -c "$TMP/alone.c" -o "$TMP/alone.o"
compile "libpmem2.h with gcc -std=c17" \
	gcc -std=c17 -Wall -Wextra -Werror -pedantic -I"$OURS" -c "$TMP/alone.c" -o "$TMP/alone.o"
if have g++; then
	compile "libpmem2.h with g++ -std=c++17" \
		g++ -std=c++17 -Wall -Wextra -Werror -pedantic -I"$OURS" -c "$TMP/alone.cpp" -o "$TMP/alone.o"
else
	cxx_missing "libpmem2.h with g++ -std=c++17: g++ is not installed"
fi

if [ ! -r "$PMDK/libpmem2.h" ] || [ ! -r "$PMDK/libpmem2/base.h" ]; then
	fail "PMDK's header not found in $PMDK: install Debian's libpmem2-dev" \
		"(apt-get install libpmem2-dev) or set PMDK_INCLUDE"
	summary
fi

# ---- 2. names declared by each header
# macros: object-like "#define PMEM2_..." (not include guards)
macros() {
	grep -hoE '^[[:space:]]*#[[:space:]]*define[[:space:]]+PMEM2_[A-Z0-9_]+([[:space:]]|$)' "$@" |
		awk '{ print $NF }' | sed 's/^define//' | sort -u
}
# enumerators: identifiers PMEM2_... alone on a line (optionally "= value")
enumerators() {
	grep -hoE '^[[:space:]]+PMEM2_[A-Z0-9_]+[[:space:]]*(=[^,]*)?,?[[:space:]]*(/\*.*)?$' "$@" |
		grep -oE 'PMEM2_[A-Z0-9_]+' | head -c 100000 | sort -u
}
# functions and function-pointer typedefs, from the preprocessed C view
preprocessed() { # preprocessed INCLUDE_DIR
	echo '#include <libpmem2.h>' | gcc -E -P -I"$1" -x c - 2>/dev/null |
		tr '\n' ' ' | sed 's/;/;\n/g'
}
functions() {
	grep -v typedef | grep -oE '(^|[^a-zA-Z0-9_(])(pmem2_[a-z0-9_]+)[[:space:]]*\(' |
		grep -oE 'pmem2_[a-z0-9_]+' | sort -u
}
fntypes() {
	grep typedef | grep -oE '\(\*[[:space:]]*pmem2_[a-z0-9_]+[[:space:]]*\)' |
		grep -oE 'pmem2_[a-z0-9_]+' | sort -u
}

OURS_HDRS="$OURS/libpmem2.h $OURS/libpmem2/base.h"
PMDK_HDRS="$PMDK/libpmem2.h $PMDK/libpmem2/base.h"
macros $OURS_HDRS | grep -v '_H$' >"$TMP/ours.macros"
macros $PMDK_HDRS | grep -v '_H$' >"$TMP/pmdk.macros"
enumerators $OURS_HDRS >"$TMP/ours.enums"
enumerators $PMDK_HDRS >"$TMP/pmdk.enums"
preprocessed "$OURS" >"$TMP/ours.i"
preprocessed "$PMDK" >"$TMP/pmdk.i"
# the logging API (section 6) is ours alone
functions <"$TMP/ours.i" | grep -v '^pmem2_log_' >"$TMP/ours.fns"
functions <"$TMP/pmdk.i" >"$TMP/pmdk.fns"
fntypes <"$TMP/ours.i" >"$TMP/ours.types"
fntypes <"$TMP/pmdk.i" >"$TMP/pmdk.types"

# sanity: the extraction found what PMDK 1.12.1 is known to declare
n=$(wc -l <"$TMP/pmdk.macros")
[ "$n" -ge 48 ] && ok || fail "found only $n PMEM2_ macros in PMDK's header"
n=$(wc -l <"$TMP/pmdk.enums")
[ "$n" -eq 5 ] && ok || fail "found $n PMEM2_ enumerators in PMDK's header, expected 5"
n=$(wc -l <"$TMP/pmdk.fns")
[ "$n" -eq 50 ] && ok || fail "found $n functions in PMDK's header, expected 50"
n=$(wc -l <"$TMP/pmdk.types")
[ "$n" -eq 6 ] && ok || fail "found $n function types in PMDK's header, expected 6"

# the same names on both sides
for kind in macros enums fns types; do
	d=$(diff "$TMP/pmdk.$kind" "$TMP/ours.$kind")
	if [ -z "$d" ]; then
		ok
	else
		fail "declared $kind differ (< PMDK, > ours):"
		echo "$d" | grep '^[<>]' | sed 's/^/    /'
	fi
done

# ---- 3. values of every macro and enumerator
sort -u "$TMP/ours.macros" "$TMP/pmdk.macros" >"$TMP/all.macros"
sort -u "$TMP/ours.enums" "$TMP/pmdk.enums" >"$TMP/all.enums"
{
	echo '#include <stdio.h>'
	echo '#include <stddef.h>'
	echo '#include <libpmem2.h>'
	echo '#define SHOW(x) printf("%s = %lld signed=%d size=%zu\n", #x, \'
	echo '	(long long)(x), (int)((x) * 0 - 1 < 0), sizeof(x))'
	echo 'int main(void) {'
	while read -r m; do
		printf '#ifdef %s\n\tSHOW(%s);\n#else\n\tputs("%s undefined");\n#endif\n' "$m" "$m" "$m"
	done <"$TMP/all.macros"
	while read -r e; do
		printf '\tSHOW(%s);\n' "$e"
	done <"$TMP/all.enums"
	echo '	printf("sizeof(enum pmem2_granularity) = %zu\n", sizeof(enum pmem2_granularity));'
	echo '	printf("sizeof(enum pmem2_sharing_type) = %zu\n", sizeof(enum pmem2_sharing_type));'
	echo '	printf("struct pmem2_badblock: size %zu align %zu offset@%zu length@%zu\n",'
	echo '		sizeof(struct pmem2_badblock), _Alignof(struct pmem2_badblock),'
	echo '		offsetof(struct pmem2_badblock, offset),'
	echo '		offsetof(struct pmem2_badblock, length));'
	echo '	return 0;'
	echo '}'
} >"$TMP/values.c"

for side in ours pmdk; do
	if [ $side = ours ]; then inc=$OURS; else inc=$PMDK; fi
	compile "constants program against $side header" \
		gcc -std=c11 -I"$inc" "$TMP/values.c" -o "$TMP/values.$side"
	"$TMP/values.$side" >"$TMP/values.$side.txt" 2>&1 || true
done
if [ -s "$TMP/values.pmdk.txt" ]; then
	while read -r line; do
		if grep -qxF "$line" "$TMP/values.ours.txt"; then
			ok
		else
			key=${line%% *}
			fail "PMDK: '$line', ours: '$(grep -m1 "^$key " "$TMP/values.ours.txt")'"
		fi
	done <"$TMP/values.pmdk.txt"
	d=$(diff "$TMP/values.pmdk.txt" "$TMP/values.ours.txt" | grep '^>')
	[ -z "$d" ] && ok || fail "constants only in ours: $d"
else
	fail "constants program printed nothing for PMDK's header"
fi

# ---- 4. the type of every function and function-pointer typedef (C++)
if [ -z "$TYPEID_CXX" ]; then
	cxx_missing "function types (a C++ typeid program): CMake found no C++ compiler"
elif ! have "$TYPEID_CXX"; then
	cxx_missing "function types (a C++ typeid program): $TYPEID_CXX is not installed"
else
	sort -u "$TMP/ours.fns" "$TMP/pmdk.fns" >"$TMP/all.fns"
	sort -u "$TMP/ours.types" "$TMP/pmdk.types" >"$TMP/all.types"
	for side in ours pmdk; do
		if [ $side = ours ]; then inc=$OURS; else inc=$PMDK; fi
		{
			echo '#include <cstdio>'
			echo '#include <typeinfo>'
			echo '#include <type_traits>'
			echo '#include <libpmem2.h>'
			echo 'int main() {'
			while read -r f; do
				grep -qxF "$f" "$TMP/$side.fns" &&
					printf '\tstd::printf("%s %%s\\n", typeid(decltype(&%s)).name());\n' "$f" "$f"
			done <"$TMP/all.fns"
			while read -r t; do
				grep -qxF "$t" "$TMP/$side.types" &&
					printf '\tstd::printf("%s %%s\\n", typeid(%s).name());\n' "$t" "$t"
			done <"$TMP/all.types"
			for e in pmem2_granularity pmem2_sharing_type; do
				printf '\tstd::printf("enum:%s %%s\\n", typeid(std::underlying_type<enum %s>::type).name());\n' $e $e
			done
			echo '	return 0;'
			echo '}'
		} >"$TMP/types.$side.cpp"
		compile "types program against $side header" \
			"$TYPEID_CXX" -std=c++11 -I"$inc" "$TMP/types.$side.cpp" -o "$TMP/types.$side"
		"$TMP/types.$side" >"$TMP/types.$side.txt" 2>&1 || true
	done
	n=$(wc -l <"$TMP/types.pmdk.txt")
	[ "$n" -ge 58 ] && ok || fail "types program printed only $n lines for PMDK"
	while read -r name type; do
		o=$(awk -v n="$name" '$1 == n { print $2 }' "$TMP/types.ours.txt")
		if [ "$o" = "$type" ]; then
			ok
		else
			fail "type of $name: PMDK $type" \
				"($(echo "$type" | c++filt -t)), ours ${o:-missing}" \
				"($(echo "$o" | c++filt -t))"
		fi
	done <"$TMP/types.pmdk.txt"
fi

# the C view too: our prototypes are compatible redeclarations of PMDK's.
# Our function declarations (as preprocessed, one per ';') are appended
# after PMDK's header in one translation unit; a conflicting type is a hard
# error in C.
grep -vE 'typedef|[{}]' "$TMP/ours.i" | grep -v 'pmem2_log_' |
	grep -E '(^|[^a-zA-Z0-9_(])pmem2_[a-z0-9_]+[[:space:]]*\(' >"$TMP/ours.decls2"
n=$(wc -l <"$TMP/ours.decls2")
[ "$n" -ge 50 ] && ok || fail "extracted only $n prototypes from our header"
{
	echo '#include <libpmem2.h>'
	cat "$TMP/ours.decls2"
	echo 'int main(void) { return 0; }'
} >"$TMP/redecl.c"
compile "our prototypes redeclared after PMDK's header (C)" \
	gcc -std=gnu11 -Wall -Werror -I"$PMDK" -c "$TMP/redecl.c" -o "$TMP/redecl.o"

# ---- 5. the draft API (no PMDK header has it): the prototypes its manual
# pages (pmem2_config_set_fd(3), pmem2_map(3), pmem2_unmap(3)) give
cat >"$TMP/draft.c" <<'EOF'
#include <libpmem2/draft.h>
int pmem2_config_set_fd(struct pmem2_config *cfg, int fd);
int pmem2_map(const struct pmem2_config *config, struct pmem2_map **map_ptr);
int pmem2_unmap(struct pmem2_map **map_ptr);
int main(void) { return 0; }
EOF
compile "draft prototypes" \
	gcc -std=c11 -Wall -Wextra -Werror -pedantic -I"$OURS" -c "$TMP/draft.c" -o "$TMP/draft.o"
# draft.h adds nothing but the three functions to what libpmem2.h declares
echo '#include <libpmem2/draft.h>' | gcc -E -P -I"$OURS" -x c - 2>/dev/null |
	tr '\n' ' ' | sed 's/;/;\n/g' | functions | grep -v '^pmem2_log_' >"$TMP/draft.fns"
d=$(comm -13 "$TMP/ours.fns" "$TMP/draft.fns" | tr '\n' ' ')
[ "$d" = "pmem2_config_set_fd pmem2_map pmem2_unmap " ] && ok ||
	fail "draft.h adds functions: '$d', expected the three draft ones"

# ---- 6. the logging API: prototypes of its manual pages, PMDK 2.1's numbers
cat >"$TMP/log.c" <<'EOF'
#include <libpmem2.h>
typedef void pmem2_log_function(enum pmem2_log_level level,
	const char *file_name, unsigned line_no, const char *function_name,
	const char *message);
int pmem2_log_set_function(pmem2_log_function *log_function);
int pmem2_log_set_threshold(enum pmem2_log_threshold threshold,
	enum pmem2_log_level value);
int pmem2_log_get_threshold(enum pmem2_log_threshold threshold,
	enum pmem2_log_level *value);
_Static_assert(PMEM2_LOG_LEVEL_HARK == 0 && PMEM2_LOG_LEVEL_FATAL == 1 &&
	PMEM2_LOG_LEVEL_ERROR == 2 && PMEM2_LOG_LEVEL_WARNING == 3 &&
	PMEM2_LOG_LEVEL_NOTICE == 4 && PMEM2_LOG_LEVEL_INFO == 5 &&
	PMEM2_LOG_LEVEL_DEBUG == 6, "levels");
_Static_assert(PMEM2_LOG_THRESHOLD == 0 && PMEM2_LOG_THRESHOLD_AUX == 1,
	"thresholds");
int main(void) { return pmem2_log_set_function(PMEM2_LOG_USE_DEFAULT_FUNCTION); }
EOF
compile "logging prototypes and numbers" \
	gcc -std=c11 -Wall -Wextra -Werror -pedantic -I"$OURS" -c "$TMP/log.c" -o "$TMP/log.o"
# libpmem2.h adds nothing but the three logging functions to base.h
echo '#include <libpmem2/base.h>' | gcc -E -P -I"$OURS" -x c - 2>/dev/null |
	tr '\n' ' ' | sed 's/;/;\n/g' | functions >"$TMP/base.fns"
functions <"$TMP/ours.i" >"$TMP/all_ours.fns"
d=$(comm -13 "$TMP/base.fns" "$TMP/all_ours.fns" | tr '\n' ' ')
[ "$d" = "pmem2_log_get_threshold pmem2_log_set_function pmem2_log_set_threshold " ] && ok ||
	fail "log.h adds functions: '$d', expected the three logging ones"

summary
