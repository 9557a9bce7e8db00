/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pair.c -- one copy case, both libraries in one process, on the same pages.
 *
 * bench/run.sh compares two processes; whatever differs between them (the
 * physical pages behind their buffers, what else ran on the machine at that
 * moment) weighs on memory-bound cases by several percent even with shared
 * files and paired rounds. This program takes that out for one case: it
 * loads PMDK's libpmem2 and ours side by side (dlmopen, one namespace each),
 * maps the same /dev/shm file with each (the granularity forced with
 * PMEM2_FORCE_GRANULARITY, so BYTE is that file too), and times the two
 * libraries' memcpy or memset functions in alternating batches on the same
 * destinations, 30 batches each.
 *
 * Usage: pair OURS_LIBPMEM2 CL|PAGE|BYTE memcpy|memset BYTES FLAGS
 *             hot|cold|append [PMDK_LIBPMEM2]
 * FLAGS is the numeric PMEM2_F_MEM_* value. Prints one line: the two mean
 * times per call and PMDK / ours. Not part of run.sh's report; the test
 * suite runs it once (tests/scripts/test_bench.sh).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <libpmem2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SPAN ((size_t)64 << 20)
#ifndef PMDK_LIBPMEM2 /* set by bench/CMakeLists.txt */
#define PMDK_LIBPMEM2 "libpmem2.so.1"
#endif
#define BATCHES 30

struct lib {
	pmem2_memcpy_fn cpy;
	pmem2_memset_fn set;
	char *base;
};

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void die(const char *what, const char *why)
{
	fprintf(stderr, "pair: %s: %s\n", what, why);
	exit(2);
}

static void *sym(void *h, const char *name)
{
	void *p = dlsym(h, name);

	if (!p)
		die(name, dlerror());
	return p;
}

/* load one libpmem2 in a namespace of its own and map fd with it */
static void load(struct lib *l, const char *path, int fd)
{
	void *h = dlmopen(LM_ID_NEWLM, path, RTLD_NOW | RTLD_LOCAL);

	if (!h)
		die(path, dlerror());
	int (*from_fd)(struct pmem2_source **, int) =
		sym(h, "pmem2_source_from_fd");
	int (*cfg_new)(struct pmem2_config **) = sym(h, "pmem2_config_new");
	int (*cfg_gran)(struct pmem2_config *, enum pmem2_granularity) =
		sym(h, "pmem2_config_set_required_store_granularity");
	int (*map_new)(struct pmem2_map **, const struct pmem2_config *,
		       const struct pmem2_source *) = sym(h, "pmem2_map_new");
	void *(*addr)(struct pmem2_map *) = sym(h, "pmem2_map_get_address");
	pmem2_memcpy_fn (*get_cpy)(struct pmem2_map *) =
		sym(h, "pmem2_get_memcpy_fn");
	pmem2_memset_fn (*get_set)(struct pmem2_map *) =
		sym(h, "pmem2_get_memset_fn");
	struct pmem2_source *src = NULL;
	struct pmem2_config *cfg = NULL;
	struct pmem2_map *map = NULL;

	if (from_fd(&src, fd) || cfg_new(&cfg) ||
	    cfg_gran(cfg, PMEM2_GRANULARITY_PAGE) || map_new(&map, cfg, src))
		die(path, "cannot map the file");
	l->cpy = get_cpy(map);
	l->set = get_set(map);
	l->base = addr(map);
	memset(l->base, 0, SPAN);
}

int main(int argc, char *argv[])
{
	if (argc < 7) {
		fprintf(stderr, "usage: pair OURS_LIBPMEM2 CL|PAGE|BYTE "
				"memcpy|memset BYTES FLAGS hot|cold|append "
				"[PMDK_LIBPMEM2]\n");
		return 2;
	}
	const char *gran = strcmp(argv[2], "CL") == 0 ? "CACHE_LINE" : argv[2];
	int set = strcmp(argv[3], "memset") == 0;
	size_t n = strtoull(argv[4], NULL, 0);
	unsigned flags = (unsigned)strtoul(argv[5], NULL, 0);
	int pat = strcmp(argv[6], "hot") == 0	 ? 0
		  : strcmp(argv[6], "cold") == 0 ? 1
						 : 2;
	const char *pmdk = argc > 7 ? argv[7] : PMDK_LIBPMEM2;

	if (n == 0 || n > SPAN)
		die("BYTES", "must be 1 to 64 MiB");
	/* every namespace's C library copies the environment when it is
	 * loaded: set it before, never after */
	if (strcmp(argv[2], "PAGE") == 0)
		unsetenv("PMEM2_FORCE_GRANULARITY");
	else
		setenv("PMEM2_FORCE_GRANULARITY", gran, 1);

	char path[] = "/dev/shm/pmem2-pair.XXXXXX";
	int fd = mkstemp(path);

	if (fd < 0 || ftruncate(fd, (off_t)SPAN))
		die(path, "cannot create");
	unlink(path);

	struct lib lib[2];

	load(&lib[0], pmdk, fd);
	load(&lib[1], argv[1], fd);

	char *src = malloc(n);

	if (!src)
		die("malloc", "out of memory");
	memset(src, 5, n);

	size_t stride = 4096, slots, slot = 0, pos = 0;

	while (stride < n)
		stride *= 2;
	slots = SPAN / stride;
	int calls = n >= (1 << 20) ? 20 : n >= (64 << 10) ? 400 : 4000;
	double total[2] = {0, 0};

	for (int b = 0; b < BATCHES; b++) {
		for (int k = 0; k < 2; k++) {
			int w = (k + b) % 2; /* who goes first alternates */
			uint64_t t0 = now_ns();

			for (int i = 0; i < calls; i++) {
				char *d = lib[w].base;

				if (pat == 1) {
					slot = (slot + 4099) % slots;
					d += slot * stride;
				} else if (pat == 2) {
					d += pos;
					pos = pos + 2 * n > SPAN ? 0 : pos + n;
				}
				if (set)
					lib[w].set(d, 7, n, flags);
				else
					lib[w].cpy(d, src, n, flags);
			}
			total[w] += (double)(now_ns() - t0) / calls;
		}
	}
	printf("%s %s %zu flags %u %s: PMDK %.1f ns, ours %.1f ns, "
	       "PMDK / ours %.3f\n",
	       argv[2], argv[3], n, flags, argv[6], total[0] / BATCHES,
	       total[1] / BATCHES, total[0] / total[1]);
	free(src);
	close(fd);
	return 0;
}
