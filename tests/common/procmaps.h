/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * procmaps.h -- what the process has mapped, read from /proc/self/maps, for
 * tests that prove nothing leaks (mappings, address space) and that
 * placeholders have the right protection.
 *
 * Under valgrind the process map also shows valgrind's own, changing
 * mappings, so the totals are only compared in native runs (valgrind checks
 * the memory side): CHECK_VM / CHECK_VM_EQ skip there. The sanitizers' (ASan,
 * TSan) allocators map and split their own regions as they go, so
 * proc_map_lines() is 0 (equal before and after) in sanitizer builds.
 * CHECK_MAPS(before) compares test_count_maps() with an earlier count only
 * where that means something: natively, in a build without a sanitizer.
 */
#ifndef PROCMAPS_H
#define PROCMAPS_H

#include <stddef.h>
#include "test.h"

/* running under valgrind? */
int on_valgrind(void);
/* can map counts be compared: neither valgrind nor a sanitizer? */
int maps_meaningful(void);
/* lines of /proc/self/maps; 0 in sanitizer builds */
int proc_map_lines(void);
/* bytes mapped, the heap left out */
size_t proc_mapped_bytes(void);
/* protection of the page at addr as "rwxp" text, "" when unmapped */
void proc_page_prot(const void *addr, char out[5]);

#define CHECK_VM(...)                                                          \
	do {                                                                   \
		if (!on_valgrind())                                            \
			CHECK(__VA_ARGS__);                                    \
	} while (0)
#define CHECK_VM_EQ(a, b)                                                      \
	do {                                                                   \
		if (!on_valgrind())                                            \
			CHECK_EQ(a, b);                                        \
	} while (0)
#define CHECK_MAPS(before)                                                     \
	do {                                                                   \
		if (maps_meaningful())                                         \
			CHECK_EQ(test_count_maps(), (before));                 \
	} while (0)

#endif
