/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * memops_tune.c -- the copy thresholds and kernel choices per processor
 * family, as measured (doc/performance.md has one table of figures per CPU).
 *
 * Where a copy should stream (non-temporal stores) rather than use ordinary
 * stores, and how large a destination can still be in the cache, differ
 * between processors: on the AMD Zen 4 measured here ordinary stores win
 * for a destination that is in the cache up to about a quarter of the
 * last-level cache, while the Intel Xeon of issue 10 streamed a 2 MiB copy
 * faster than it could write it through the cache even when the
 * destination was hot. So the numbers are data, one entry per family, the
 * first matching entry wins, and the last one is the documented default for
 * processors nobody has measured. A session on another processor runs
 * bench/run.sh, adds or corrects an entry here, and records the figures.
 *
 * The lookup is pure (vendor, family, model in; entry out) so the unit tests
 * can check it for processors this machine is not; pmem2_tuning_probe
 * reads the family and model of this one with CPUID.
 */
#include <stddef.h>
#include <string.h>
#include "pmem2/memops.h"

#ifdef __x86_64__
#include <cpuid.h>
#endif

#define KiB ((size_t)1 << 10)
#define MiB ((size_t)1 << 20)

static const struct pmem2_tuning Tunings[] = {
	{
		/* Zen 3 and Zen 4 */
		.vendor = "AuthenticAMD",
		.family = 0x19,
		.model_min = 0x00,
		.model_max = 0xff,
		.name = "AMD family 25 (Zen 3/4)",
		.source = "measured 2026-12-03, EPYC family 25 model 17 "
			  "(Zen 4), 2 vCPUs, KVM",
		/* streamed lines + sfence cost what cached lines + clwb +
		 * sfence cost from 4 lines on, and PMDK streams from 256 */
		.movnt_threshold = 256,
		/* into a cold destination, streaming + msync beat ordinary
		 * stores + msync from 256 B (the RFOs stall the syscall) */
		.page_movnt_threshold = 256,
		/* into a cold destination with no msync after it, ordinary
		 * stores keep up to 1 KiB and lose 1.6x at 2 KiB */
		.byte_movnt_threshold = 2 * KiB,
		/* fills would win the same way, but a hot fill is so short
		 * (40 ns at 4 KiB) that the guess itself (a thread-local
		 * lookup, 4-5 ns) costs 10 %: from 64 KiB it is noise */
		.byte_set_movnt_threshold = 64 * KiB,
		/* appending, the prefetcher keeps ordinary stores ahead up
		 * to 4 KiB: with the 1 KiB load groups of the AVX-512 copy
		 * an appended 4 KiB copy costs 180-215 ns through the cache
		 * against 277-294 streamed (PMDK, through the cache: 210-263),
		 * and 8 KiB is even (bench-pair, 2026-12-03); appended fills
		 * of 64 KiB stream faster (1.2x) */
		.byte_seq_move_max = 4 * KiB,
		.byte_seq_set_max = 0,
		/* into a destination still in the cache, ordinary stores
		 * win up to 8 MiB (1.6x at 2 MiB) and lose at 16 MiB */
		.hot_llc_div = 4,
		.hot_max_cap = 0,
		/* no MOVDIR64B on these parts */
		.movdir64b = false,
	},
	{
		.vendor = "GenuineIntel",
		.family = -1,
		.model_min = 0,
		.model_max = 0xff,
		.name = "Intel (not measured in this tree)",
		.source = "issue 10 (Xeon, AVX-512, MOVDIR64B): a hot 2 MiB "
			  "PAGE copy streams at 18.2 GB/s and goes through the "
			  "cache at 14.9 GB/s; the rest is PMDK's choice",
		.movnt_threshold = 256,
		.page_movnt_threshold = 256,
		.byte_movnt_threshold = 2 * KiB,
		.byte_set_movnt_threshold = 64 * KiB,
		.byte_seq_move_max = 2 * KiB,
		.byte_seq_set_max = 0,
		/* below the 2 MiB that lost, and within a core's L2 */
		.hot_llc_div = 4,
		.hot_max_cap = 256 * KiB,
		/* PMDK keeps MOVDIR64B opt-in; not measured against
		 * AVX-512 streaming stores yet */
		.movdir64b = false,
	},
	{
		/* anything else: between the two measured families */
		.vendor = NULL,
		.family = -1,
		.model_min = 0,
		.model_max = 0xff,
		.name = "default",
		.source = "not measured: PMDK's thresholds, a hot destination "
			  "up to 1 MiB",
		.movnt_threshold = 256,
		.page_movnt_threshold = 256,
		.byte_movnt_threshold = 2 * KiB,
		.byte_set_movnt_threshold = 64 * KiB,
		.byte_seq_move_max = 2 * KiB,
		.byte_seq_set_max = 0,
		.hot_llc_div = 4,
		.hot_max_cap = 1 * MiB,
		.movdir64b = false,
	},
};

const struct pmem2_tuning *pmem2_tuning_lookup(const char *vendor,
					       unsigned family, unsigned model)
{
	size_t i;

	for (i = 0; i < sizeof(Tunings) / sizeof(Tunings[0]) - 1; i++) {
		const struct pmem2_tuning *t = &Tunings[i];

		if (t->vendor && (!vendor || strcmp(t->vendor, vendor) != 0))
			continue;
		if (t->family >= 0 && (unsigned)t->family != family)
			continue;
		if (model < t->model_min || model > t->model_max)
			continue;
		return t;
	}
	return &Tunings[i];
}

size_t pmem2_tuning_hot_max(const struct pmem2_tuning *t, uint64_t llc_size)
{
	/* an unknown cache size: assume a small one (8 MiB) */
	uint64_t hot = (llc_size ? llc_size : 8 * MiB) / t->hot_llc_div;

	if (t->hot_max_cap && hot > t->hot_max_cap)
		hot = t->hot_max_cap;
	return (size_t)hot;
}

void pmem2_cpu_family_model(uint32_t leaf1_eax, unsigned *family,
			    unsigned *model)
{
	unsigned base = (leaf1_eax >> 8) & 0xf;
	unsigned ext = (leaf1_eax >> 20) & 0xff;

	*family = base == 0xf ? base + ext : base;
	*model = (leaf1_eax >> 4) & 0xf;
	if (base == 0x6 || base == 0xf)
		*model |= ((leaf1_eax >> 16) & 0xf) << 4;
}

const struct pmem2_tuning *pmem2_tuning_probe(const char *vendor,
					      unsigned *family, unsigned *model)
{
	uint32_t eax = 0;
#ifdef __x86_64__
	unsigned a, b, c, d;

	__cpuid(0, a, b, c, d);
	if (a >= 1) {
		__cpuid(1, a, b, c, d);
		eax = a;
	}
#endif
	pmem2_cpu_family_model(eax, family, model);
	return pmem2_tuning_lookup(vendor, *family, *model);
}
