#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# run_diff.sh PMDK_BIN PMDK_LIB OURS_BIN OURS_LIB EXPECTED
#
# Runs diff_api built against PMDK (PMDK_BIN, which must load PMDK_LIB) and
# against ours (OURS_BIN, which must load OURS_LIB), and compares their
# outputs line by line ("<key>: <result>"). A key whose results differ is
# a failure unless EXPECTED lists it with exactly those two results; a
# listed difference that does not occur is a failure too, so the list
# stays true. Independently of PMDK, every failing call of ours must leave
# a message (no "msg=empty" in our output).
#
# EXPECTED: "key | PMDK's result | our result | why" per line, # comments.

PMDK_BIN=${1:?usage: run_diff.sh PMDK_BIN PMDK_LIB OURS_BIN OURS_LIB EXPECTED}
PMDK_LIB=${2:?}
OURS_BIN=${3:?}
OURS_LIB=${4:?}
EXPECTED=${5:?}

# shellcheck source=SCRIPTDIR/../scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"

scratch compat_diff
TMP=$SCRATCH

# PMDK's known leaks (e.g. the zero-size reservation it cannot delete) are
# not ours to report
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	COMPAT_EXPECT_LIB=$PMDK_LIB "$PMDK_BIN" >"$TMP/pmdk.txt" 2>"$TMP/pmdk.err"
rc_pmdk=$?
COMPAT_EXPECT_LIB=$OURS_LIB "$OURS_BIN" >"$TMP/ours.txt" 2>"$TMP/ours.err"
rc_ours=$?

for side in pmdk ours; do
	if [ $side = pmdk ]; then rc=$rc_pmdk; else rc=$rc_ours; fi
	if [ "$rc" -eq 0 ] && [ "$(tail -n1 "$TMP/$side.txt")" = END ]; then
		ok
	else
		fail "diff_api against $side exited with $rc; last lines:"
		tail -n3 "$TMP/$side.txt" "$TMP/$side.err" | sed 's/^/    /'
	fi
	dups=$(grep -v '^END$' "$TMP/$side.txt" | cut -d: -f1 | sort | uniq -d)
	[ -z "$dups" ] && ok || fail "$side: keys printed twice: $dups"
done
[ "$lib_failed" -eq 0 ] || summary

declare -A pmdk ours expected_pmdk expected_ours why
while IFS= read -r line; do
	[ "$line" = END ] && continue
	pmdk[${line%%: *}]=${line#*: }
done <"$TMP/pmdk.txt"
while IFS= read -r line; do
	[ "$line" = END ] && continue
	ours[${line%%: *}]=${line#*: }
done <"$TMP/ours.txt"

trim() { local s=$1; s=${s#"${s%%[![:space:]]*}"}; echo "${s%"${s##*[![:space:]]}"}"; }
while IFS='|' read -r key p o w; do
	key=$(trim "$key")
	case $key in '' | '#'*) continue ;; esac
	if [ -n "${expected_pmdk[$key]+x}" ]; then
		fail "$EXPECTED lists $key twice"
		continue
	fi
	expected_pmdk[$key]=$(trim "$p")
	expected_ours[$key]=$(trim "$o")
	why[$key]=$(trim "$w")
	[ -n "${why[$key]}" ] || fail "$EXPECTED: $key has no reason"
done <"$EXPECTED"

# every listed difference must occur exactly as listed
for key in $(printf '%s\n' "${!expected_pmdk[@]}" | sort); do
	p=${pmdk[$key]-<absent>}
	o=${ours[$key]-<absent>}
	if [ "$p" = "${expected_pmdk[$key]}" ] && [ "$o" = "${expected_ours[$key]}" ]; then
		ok
	else
		fail "listed difference did not occur: $key"
		echo "    listed: PMDK '${expected_pmdk[$key]}', ours '${expected_ours[$key]}'"
		echo "    actual: PMDK '$p', ours '$o'"
	fi
done

# everything else must be the same
for key in $( (printf '%s\n' "${!pmdk[@]}"; printf '%s\n' "${!ours[@]}") | sort -u); do
	[ -n "${expected_pmdk[$key]+x}" ] && continue
	p=${pmdk[$key]-<absent>}
	o=${ours[$key]-<absent>}
	if [ "$p" = "$o" ]; then
		ok
	else
		fail "unlisted difference: $key"
		echo "    PMDK: $p"
		echo "    ours: $o"
	fi
done

# our failures always explain themselves
while IFS= read -r line; do
	fail "ours set no message: $line"
done < <(grep ' msg=empty$' "$TMP/ours.txt")
ok

summary
