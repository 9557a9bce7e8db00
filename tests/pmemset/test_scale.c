/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_scale.c -- a set of 10 000 parts: mapping, looking every part up by
 * address and deleting the set work at that size and leave nothing behind.
 * Maps 4 KiB anonymous parts (one pmem2 source, wrapped with
 * pmemset_source_from_pmem2), each its own part map.
 *
 * How fast is not judged here: bench/pmemset_scale.c measures it (per-part
 * times of each phase for 2 500 and 10 000 parts, the per-part ratios and
 * the whole-cycle time ratio, linear 4, quadratic 16). The times printed
 * below are for the reader only. An earlier complexity guard (fail when
 * the 10 000-part cycle took over 2 s and 10 times the linear prediction)
 * tripped on a machine loaded with other builds while it could not have
 * caught a quadratic cost, so it is gone.
 */
#include <time.h>

#include "pmemset_test.h"

#define BIG 10000
#define SMALL 2500
#define LOOKUPS 100000

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static struct pmemset_source *src;
static char **addrs;

/* map n parts, look each up, delete the set; returns seconds */
static double cycle(int n, double *ns_per_lookup)
{
	struct pmemset *set = mkset(PMEM2_GRANULARITY_PAGE, NULL, NULL, NULL);
	double t0 = now();
	for (int i = 0; i < n; i++) {
		struct pmemset_part_descriptor d;
		int r = pmemset_map(set, src, NULL, &d);
		if (r) {
			CHECK(0, "map %d failed: %d %s", i, r,
			      pmemset_errormsg());
			break;
		}
		addrs[i] = d.addr;
	}
	double t1 = now();
	unsigned long seed = 12345, found = 0;
	for (int i = 0; i < LOOKUPS; i++) {
		seed = seed * 6364136223846793005UL + 1442695040888963407UL;
		int k = (int)((seed >> 33) % (unsigned long)n);
		struct pmemset_part_map *pm;
		if (pmemset_part_map_by_address(set, &pm, addrs[k] + 100) ==
		    0) {
			found += pmemset_descriptor_part_map(pm).addr ==
				 addrs[k];
			pmemset_part_map_drop(&pm);
		}
	}
	double t2 = now();
	CHECK_EQ(found, LOOKUPS);
	CHECK_RC(pmemset_delete(&set), 0);
	double t3 = now();
	*ns_per_lookup = (t2 - t1) * 1e9 / LOOKUPS;
	printf("%5d parts: map %.1f ms, %d lookups %.1f ns each, delete "
	       "%.1f ms\n",
	       n, (t1 - t0) * 1e3, LOOKUPS, *ns_per_lookup, (t3 - t2) * 1e3);
	/* the part of the cycle that depends on n: map + delete, plus the
	 * lookups normalised to n lookups */
	return (t1 - t0) + (t3 - t2) + (t2 - t1) * n / LOOKUPS;
}

TEST(ten_thousand_parts)
{
	struct pmem2_source *p2;
	src = anon_source(KB4, &p2);
	addrs = calloc(BIG, sizeof(*addrs));
	int maps = test_count_maps();
	double ns;

	(void)cycle(SMALL, &ns);
	(void)cycle(BIG, &ns);
	CHECK_MAPS(maps);
	free(addrs);
	pmemset_source_delete(&src);
	pmem2_source_delete(&p2);
}

int main(void)
{
	RUN(ten_thousand_parts);
	return test_done();
}
