/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * compat.h -- helpers shared by the compatibility programs of tests/compat.
 *
 * Those programs are compiled against either PMDK's installed libpmem2.h or
 * ours, so this header uses nothing but libc: it finds which libpmem2 file
 * the dynamic loader really mapped into the process, and reads the
 * protection of an address range from /proc/self/maps (a property both
 * libraries can be compared on, unlike raw addresses).
 */
#ifndef COMPAT_H
#define COMPAT_H

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARRAY_N(a) (sizeof(a) / sizeof((a)[0]))

/*
 * The path of the mapped file whose name starts with "libpmem2.so", or
 * "" if none. Returns buf.
 */
static inline char *compat_loaded_lib(char *buf, size_t len)
{
	char line[4096];
	FILE *f = fopen("/proc/self/maps", "r");

	buf[0] = '\0';
	if (!f)
		return buf;
	while (fgets(line, sizeof(line), f)) {
		char *path = strchr(line, '/');
		if (!path)
			continue;
		path[strcspn(path, "\n")] = '\0';
		const char *base = strrchr(path, '/') + 1;
		if (strncmp(base, "libpmem2.so", 11) == 0) {
			snprintf(buf, len, "%s", path);
			break;
		}
	}
	fclose(f);
	return buf;
}

/*
 * 1 if the libpmem2 mapped into this process is the file `expected` (any
 * symlink to it will do), else 0 with both paths printed to stderr.
 */
static inline int compat_lib_is(const char *expected)
{
	char loaded[PATH_MAX], a[PATH_MAX], b[PATH_MAX];

	compat_loaded_lib(loaded, sizeof(loaded));
	if (!realpath(expected, a)) {
		fprintf(stderr, "cannot resolve %s\n", expected);
		return 0;
	}
	if (!loaded[0] || !realpath(loaded, b) || strcmp(a, b) != 0) {
		fprintf(stderr, "loaded libpmem2 is '%s', expected '%s'\n",
			loaded, a);
		return 0;
	}
	return 1;
}

/*
 * Protection of the page at addr as /proc/self/maps shows it ("rw-s",
 * "---p", ...), or "unmapped". Returns out (at least 9 bytes).
 */
static inline char *compat_perms(const void *addr, char *out)
{
	char line[4096];
	uintptr_t a = (uintptr_t)addr;
	FILE *f = fopen("/proc/self/maps", "r");

	strcpy(out, "unmapped");
	if (!f)
		return out;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		char perms[8];
		if (sscanf(line, "%lx-%lx %4s", &lo, &hi, perms) != 3)
			continue;
		if (a >= lo && a < hi) {
			snprintf(out, 9, "%s", perms);
			break;
		}
	}
	fclose(f);
	return out;
}

/* 1 if every page of [addr, addr+len) lies in some mapping. */
static inline int compat_range_mapped(const void *addr, size_t len)
{
	char line[4096];
	uintptr_t a = (uintptr_t)addr, end = a + len;
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return 0;
	/* the lines are sorted by address: walk them, advancing a */
	while (a < end && fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx", &lo, &hi) != 2)
			continue;
		if (lo <= a && a < hi)
			a = hi;
	}
	fclose(f);
	return a >= end;
}

#endif
