/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * checks.c -- did an input leave anything behind? Run after the harness
 * has deleted every handle the input created, in a valid order:
 *
 *  - file descriptors: /proc/self/fd must list as many as before;
 *  - mappings: nothing in /proc/self/maps may be backed by the harness's
 *    files (or a temporary file in its directory, or /dev/zero), nothing
 *    may overlap an address range the library handed out during the input
 *    (maps, reservations, part maps and the room after them), and the
 *    inaccessible (---p) anonymous address space must not have grown;
 *    ASan's own mappings come and go, so lines are not simply counted;
 *  - heap: the allocator's count of live bytes is compared before and
 *    after; when it grew, LeakSanitizer looks for unreachable blocks, and
 *    growth that stays reachable is summed over inputs so that a cache that
 *    never stops growing is caught too.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FZ_ASAN 1
#endif
#endif
#ifdef FZ_ASAN
#include <sanitizer/allocator_interface.h>
#include <sanitizer/lsan_interface.h>
#endif

/* reachable heap growth summed over inputs that is still tolerated */
#define HEAP_GROWTH_LIMIT (16UL << 20)
#define MAX_RANGES 1024

static struct {
	uintptr_t lo, hi;
} ranges[MAX_RANGES];
static unsigned nranges;
static int fds0;
static size_t prot_none0;
static long long heap0, heap_growth;

void chk_note_range(const void *addr, size_t len)
{
	uintptr_t lo = (uintptr_t)addr, hi;
	if (!addr || !len)
		return;
	if (__builtin_add_overflow(lo, len, &hi))
		hi = UINTPTR_MAX;
	for (unsigned i = 0; i < nranges; i++)
		if (ranges[i].lo == lo && ranges[i].hi == hi)
			return;
	if (nranges == MAX_RANGES)
		return;
	ranges[nranges].lo = lo;
	ranges[nranges].hi = hi;
	nranges++;
}

static int count_fds(int print)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		fz_fail("cannot open /proc/self/fd");
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		n++;
		if (print) {
			char p[64], t[512];
			snprintf(p, sizeof(p), "/proc/self/fd/%s", e->d_name);
			ssize_t l = readlink(p, t, sizeof(t) - 1);
			t[l > 0 ? l : 0] = '\0';
			fprintf(stderr, "  fd %s -> %s\n", e->d_name, t);
		}
	}
	closedir(d);
	return n - 1; /* the directory's own descriptor */
}

static long long heap_now(void)
{
#ifdef FZ_ASAN
	return (long long)__sanitizer_get_current_allocated_bytes();
#else
	return 0;
#endif
}

struct mline {
	uintptr_t lo, hi;
	char perms[8];
	char name[512];
};

static int parse_line(const char *line, struct mline *m)
{
	unsigned long lo, hi, off, ino;
	char dev[16];
	int used = 0;

	if (sscanf(line, "%lx-%lx %7s %lx %15s %lu %n", &lo, &hi, m->perms,
		   &off, dev, &ino, &used) < 6)
		return -1;
	m->lo = lo;
	m->hi = hi;
	snprintf(m->name, sizeof(m->name), "%s", line + used);
	m->name[strcspn(m->name, "\n")] = '\0';
	return 0;
}

/* bytes of anonymous inaccessible mappings (reservations look like this) */
static size_t prot_none_bytes(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[1024];
	size_t total = 0;
	struct mline m;

	if (!f)
		fz_fail("cannot open /proc/self/maps");
	while (fgets(line, sizeof(line), f))
		if (!parse_line(line, &m) && !m.name[0] &&
		    strcmp(m.perms, "---p") == 0)
			total += m.hi - m.lo;
	fclose(f);
	return total;
}

void chk_begin(void)
{
	nranges = 0;
	fds0 = count_fds(0);
	prot_none0 = prot_none_bytes();
	heap0 = heap_now();
}

static bool ours(const struct mline *m, const char *workdir)
{
	size_t wl = strlen(workdir);
	if (strncmp(m->name, workdir, wl) == 0)
		return true;
	if (strncmp(m->name, "/dev/zero", 9) == 0)
		return true;
	if (m->name[0])
		return false;
	for (unsigned i = 0; i < nranges; i++)
		if (m->lo < ranges[i].hi && ranges[i].lo < m->hi)
			return true;
	return false;
}

static void check_maps(const char *workdir)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[1024];
	struct mline m;
	size_t pn = 0;
	int bad = 0;

	if (!f)
		fz_fail("cannot open /proc/self/maps");
	while (fgets(line, sizeof(line), f)) {
		if (parse_line(line, &m))
			continue;
		if (!m.name[0] && strcmp(m.perms, "---p") == 0)
			pn += m.hi - m.lo;
		if (!ours(&m, workdir))
			continue;
		fprintf(stderr, "leaked mapping: %s", line);
		bad++;
	}
	fclose(f);
	if (bad)
		fz_fail("%d mapping(s) outlived the input", bad);
	if (pn > prot_none0)
		fz_fail("inaccessible anonymous address space grew by %zu "
			"bytes "
			"(%zu -> %zu): a reservation or placeholder leaked",
			pn - prot_none0, prot_none0, pn);
}

static void check_heap(void)
{
#ifdef FZ_ASAN
	long long d = heap_now() - heap0;
	heap_growth += d;
	if (d > 0 && __lsan_do_recoverable_leak_check())
		fz_fail("LeakSanitizer found unreachable heap blocks left by "
			"the input (above)");
	if (heap_growth > (long long)HEAP_GROWTH_LIMIT)
		fz_fail("the live heap keeps growing: %lld bytes more than "
			"before the first input (this one: %lld), all still "
			"reachable",
			heap_growth, d);
#endif
}

void chk_end(const char *workdir)
{
	int fds = count_fds(0);
	if (fds != fds0) {
		count_fds(1);
		fz_fail("file descriptors: %d before the input, %d after", fds0,
			fds);
	}
	check_maps(workdir);
	check_heap();
}
