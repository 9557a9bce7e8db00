/* SPDX-License-Identifier: BSD-3-Clause */
/* procmaps.c -- /proc/self/maps readers for leak checks (procmaps.h). */
#define _GNU_SOURCE
#include "procmaps.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* gcc says __SANITIZE_*__, clang __has_feature(*_sanitizer) */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANITIZED_BUILD 1
#endif
#endif
#ifndef SANITIZED_BUILD
#define SANITIZED_BUILD 0
#endif

int on_valgrind(void)
{
	static int v = -1;
	if (v < 0) {
		const char *p = getenv("LD_PRELOAD");
		const char *emu = getenv("PMEM2_TEST_EMULATOR");
		v = p && strstr(p, "vgpreload") != NULL;
		/* a user-mode emulator (scripts/cross.sh) renders the
		 * process map from its own page table: said once */
		if (!v && emu && *emu) {
			printf("note: /proc/self/maps totals are not compared "
			       "under the emulator %s, which renders the map "
			       "itself\n",
			       emu);
			v = 1;
		}
	}
	return v;
}

int maps_meaningful(void)
{
	return !SANITIZED_BUILD && !on_valgrind();
}

int proc_map_lines(void)
{
	return SANITIZED_BUILD ? 0 : test_count_maps();
}

size_t proc_mapped_bytes(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	size_t total = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long s, e;
		if (strstr(line, "[heap]"))
			continue;
		if (sscanf(line, "%lx-%lx", &s, &e) == 2)
			total += e - s;
	}
	fclose(f);
	return total;
}

void proc_page_prot(const void *addr, char out[5])
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];

	out[0] = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned long s, e;
		char p[5];
		if (sscanf(line, "%lx-%lx %4s", &s, &e, p) == 3 &&
		    (uintptr_t)addr >= s && (uintptr_t)addr < e) {
			memcpy(out, p, 5);
			break;
		}
	}
	fclose(f);
}
