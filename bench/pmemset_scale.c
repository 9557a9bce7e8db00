/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pmemset_scale.c -- how libpmemset scales with the number of parts.
 *
 * Maps N parts (4 KiB anonymous libpmem2 sources, each its own part map),
 * looks up every part's address (pmemset_part_map_by_address + drop) in a
 * scrambled order, and deletes the set; for N = 2 500 and 10 000, several
 * rounds, medians. Prints a markdown section: time per part for each
 * phase and for the whole cycle (map + N lookups + delete), the ratio of
 * those per-part times between the two sizes (1.0 = linear total time; a
 * quadratic cost would show as ~4), and the whole cycle's total time
 * ratio 10 000 / 2 500 (linear 4, quadratic 16): the figure
 * tests/pmemset/test_scale.c used to judge, now judged here only.
 * Public API only. PMDK's libpmemset was never packaged, so there is no
 * reference to compare with: these are absolute numbers.
 */
#define _GNU_SOURCE
#include <libpmemset.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ROUNDS 5
#define PART (4096)

static double now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp);
	return v[n / 2];
}

#define DIE(what)                                                              \
	do {                                                                   \
		pmemset_perror(what);                                          \
		exit(1);                                                       \
	} while (0)

/* one round: per-part ns of map, lookup, delete */
static void round_once(int n, double out[3])
{
	struct pmemset_config *cfg;
	struct pmemset *set;
	struct pmem2_source **p2 = calloc(n, sizeof(*p2));
	struct pmemset_source **src = calloc(n, sizeof(*src));
	void **addr = calloc(n, sizeof(*addr));
	if (!p2 || !src || !addr)
		exit(1);

	if (pmemset_config_new(&cfg) ||
	    pmemset_config_set_required_store_granularity(
		    cfg, PMEM2_GRANULARITY_PAGE) ||
	    pmemset_new(&set, cfg))
		DIE("set");
	for (int i = 0; i < n; i++)
		if (pmem2_source_from_anon(&p2[i], PART) ||
		    pmemset_source_from_pmem2(&src[i], p2[i]))
			DIE("source");

	double t0 = now_ns();
	for (int i = 0; i < n; i++) {
		struct pmemset_part_descriptor d;
		if (pmemset_map(set, src[i], NULL, &d))
			DIE("pmemset_map");
		addr[i] = d.addr;
		*(volatile char *)d.addr = 1;
	}
	double t1 = now_ns();
	/* look every part up, in a scrambled order */
	unsigned long found = 0;
	for (int k = 0; k < n; k++) {
		int i = (int)(((unsigned long)k * 7919) % (unsigned long)n);
		struct pmemset_part_map *pm;
		if (pmemset_part_map_by_address(set, &pm, (char *)addr[i] + 100))
			DIE("lookup");
		found += pmemset_descriptor_part_map(pm).addr == addr[i];
		pmemset_part_map_drop(&pm);
	}
	double t2 = now_ns();
	if (pmemset_delete(&set))
		DIE("delete");
	double t3 = now_ns();
	if (found != (unsigned long)n) {
		fprintf(stderr, "lookups found %lu of %d parts\n", found, n);
		exit(1);
	}
	for (int i = 0; i < n; i++) {
		pmemset_source_delete(&src[i]);
		pmem2_source_delete(&p2[i]);
	}
	pmemset_config_delete(&cfg);
	free(p2);
	free(src);
	free(addr);
	out[0] = (t1 - t0) / n;
	out[1] = (t2 - t1) / n;
	out[2] = (t3 - t2) / n;
}

int main(void)
{
	static const int sizes[2] = {2500, 10000};
	double res[2][3];

	for (int s = 0; s < 2; s++) {
		double v[3][ROUNDS];
		for (int r = 0; r < ROUNDS; r++) {
			double o[3];
			round_once(sizes[s], o);
			for (int k = 0; k < 3; k++)
				v[k][r] = o[k];
		}
		for (int k = 0; k < 3; k++)
			res[s][k] = median(v[k], ROUNDS);
	}
	printf("### libpmemset: sets of many parts\n\n");
	printf("N parts of 4 KiB (anonymous libpmem2 sources, one part map "
	       "each), mapped with `pmemset_map`, each looked up with "
	       "`pmemset_part_map_by_address` (+ drop) in a scrambled order, "
	       "then `pmemset_delete`; median of %d rounds, time per part. "
	       "The last column is the per-part time at 10 000 over the "
	       "per-part time at 2 500: 1.0 means linear total time, a "
	       "quadratic cost would give about 4.\n\n",
	       ROUNDS);
	printf("| phase | 2 500 parts | 10 000 parts | per-part ratio |\n");
	printf("|---|---:|---:|---:|\n");
	static const char *names[3] = {"map", "lookup by address", "delete"};
	for (int k = 0; k < 3; k++)
		printf("| %s | %.0f ns | %.0f ns | %.2f |\n", names[k],
		       res[0][k], res[1][k], res[1][k] / res[0][k]);
	double cyc[2];
	for (int s = 0; s < 2; s++)
		cyc[s] = res[s][0] + res[s][1] + res[s][2];
	printf("| whole cycle | %.0f ns | %.0f ns | %.2f |\n", cyc[0], cyc[1],
	       cyc[1] / cyc[0]);
	double total_ratio =
		cyc[1] * sizes[1] / (cyc[0] * sizes[0]); /* total times */
	printf("\nWhole cycle, total time for 10 000 parts over 2 500 parts: "
	       "%.2f (linear 4, quadratic 16); %s.\n",
	       total_ratio,
	       total_ratio < 8.0 ? "below 8, no sign of a quadratic cost"
				 : "**8 or more: the cost grows faster than "
				   "linearly**");
	return 0;
}
